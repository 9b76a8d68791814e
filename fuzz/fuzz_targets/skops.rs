//! The skops loader (`dklearn-skops`) on hostile files.
//!
//! Byte 0 picks the mode. Even: the rest is a whole file (zip container
//! included). Odd: the rest is split on `0xFF` (never in UTF-8 JSON) into
//! `schema.json` and the members `1.npy`, `2.npy`, ..., zipped here with valid
//! checksums, so mutations reach the node tree and the `.npy` reader rather
//! than stopping at a CRC. What must hold:
//!
//! - no panic, hang or unbounded allocation, whatever the bytes;
//! - a file that loads as a pipeline predicts, decides and gives
//!   probabilities (where defined) for a few texts without panicking, with
//!   one label per text, and saves to bytes that load back as the same pipeline;
//! - the same for a bare classifier (`Model`) and a `HashingVectorizer`.
#![no_main]

use dklearn_skops::{FittedTextPipeline, Label, Model, Skops};
use dklearn_text::HashingVectorizer;
use libfuzzer_sys::fuzz_target;
use std::io::{Cursor, Write};

const TEXTS: [&str; 3] = ["wheat grain harvest", "", "Öl ÉNERGIE crude oil 42"];

fn zipped(data: &[u8]) -> Option<Vec<u8>> {
    let mut parts = data.split(|&b| b == 0xFF);
    let schema = parts.next()?;
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored);
    for (i, p) in parts.enumerate() {
        z.start_file(format!("{}.npy", i + 1), o).ok()?;
        z.write_all(p).ok()?;
    }
    z.start_file("schema.json", o).ok()?;
    z.write_all(schema).ok()?;
    Some(z.finish().ok()?.into_inner())
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let owned;
    let bytes: &[u8] = if mode & 1 == 0 {
        rest
    } else {
        match zipped(rest) {
            Some(b) => {
                owned = b;
                &owned
            }
            None => return,
        }
    };
    if let Ok(p) = FittedTextPipeline::<Label>::from_skops_bytes(bytes) {
        if let Ok(labels) = p.predict_texts(&TEXTS) {
            assert_eq!(labels.len(), TEXTS.len());
            for l in &labels {
                assert!(p.classes().contains(l));
            }
        }
        if p.est.has_decision_function() {
            let _ = p.decision_function_texts(&TEXTS);
        }
        if p.est.has_predict_proba() {
            let _ = p.predict_proba_texts(&TEXTS);
        }
        let again = p.to_skops_bytes().expect("a loaded pipeline saves");
        let back = FittedTextPipeline::<Label>::from_skops_bytes(&again)
            .expect("a saved pipeline loads");
        assert_eq!(back, p);
    }
    if let Ok(m) = Model::<Label>::from_skops_bytes(bytes) {
        if let Some(n) = m.n_features_in() {
            let v = HashingVectorizer::params().n_features(n).build();
            if let Ok(v) = v {
                let x = v.transform(&TEXTS);
                let _ = m.predict(&x);
            }
        }
        let again = m.to_skops_bytes().expect("a loaded model saves");
        let back = Model::<Label>::from_skops_bytes(&again).expect("a saved model loads");
        assert_eq!(back, m);
    }
    if let Ok(v) = HashingVectorizer::from_skops_bytes(bytes) {
        let _ = v.transform(&TEXTS);
    }
});
