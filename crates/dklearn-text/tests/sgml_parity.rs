//! The Reuters reader against the reference parser (the scikit-learn example's
//! `ReutersParser` on Python 3.11's `HTMLParser`), from fixtures written by
//! `xtask/parity/reuters_sgml.py` (`cargo xtask parity`): real documents chosen for
//! their character references, latin-1 bytes and missing parts, and hand-written
//! and random SGML. Each input is also fed through readers that return a few bytes
//! at a time, so every construct is cut at every possible place.

mod common;

use std::io::Read;
use std::path::Path;

use dklearn_text::{ReutersDocument, ReutersReader};
use serde_json::Value;

fn fixture(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The fixture's string holds one character per latin-1 byte.
fn latin1_bytes(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| u8::try_from(u32::from(c)).expect("latin-1 character"))
        .collect()
}

/// A reader returning at most `step` bytes per call.
struct Chunked<'a> {
    data: &'a [u8],
    step: usize,
}

impl Read for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let k = self.step.min(buf.len()).min(self.data.len());
        buf[..k].copy_from_slice(&self.data[..k]);
        self.data = &self.data[k..];
        Ok(k)
    }
}

/// Reads `data` `step` bytes at a time: the reader's chunk size and the source's
/// short reads both cut constructs at varied places.
fn parse_lenient(data: &[u8], step: usize) -> Vec<ReutersDocument> {
    ReutersReader::new(Chunked { data, step }, "fixture")
        .chunk_size(step)
        .lenient(true)
        .collect::<Result<_, _>>()
        .expect("lenient mode accepts any input")
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|s| s.as_str().expect("string").to_string())
        .collect()
}

fn check_case(case: &Value, label: &str) {
    let data = latin1_bytes(case["sgml"].as_str().expect("sgml"));
    let expected = case["docs"].as_array().expect("docs");
    for step in [usize::MAX, 1, 2, 3, 7, 64] {
        let docs = parse_lenient(&data, step);
        assert_eq!(
            docs.len(),
            expected.len(),
            "{label} (step {step}): document count"
        );
        for (k, (got, want)) in docs.iter().zip(expected).enumerate() {
            assert_eq!(
                got.title,
                want["title"].as_str().expect("title"),
                "{label} doc {k} step {step}: title"
            );
            assert_eq!(
                got.body,
                want["body"].as_str().expect("body"),
                "{label} doc {k} step {step}: body"
            );
            assert_eq!(
                got.labels,
                strings(&want["labels"]),
                "{label} doc {k} step {step}: labels"
            );
        }
    }
}

#[test]
fn real_documents_match_the_reference() {
    let f = fixture("sgml_reuters_excerpts.json");
    assert_eq!(f["_regenerate"], "cargo xtask parity");
    let docs = f["documents"].as_array().expect("documents");
    assert!(docs.len() >= 30, "only {} excerpts", docs.len());
    for d in docs {
        let label = format!("{}:{} ({})", d["file"], d["line"], d["why"]);
        check_case(d, &label);
        // Real documents are well formed: strict mode reads them too, with a NEWID.
        let data = latin1_bytes(d["sgml"].as_str().expect("sgml"));
        let strict: Vec<_> = ReutersReader::new(&data[..], "excerpt")
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| panic!("{label}: {e}"));
        assert_eq!(strict.len(), 1, "{label}");
        assert!(strict[0].newid > 0, "{label}");
        assert!(
            !strict[0].lewissplit.is_empty() && !strict[0].cgisplit.is_empty(),
            "{label}"
        );
    }
}

#[test]
fn the_latin1_byte_of_reut2_017_decodes() {
    let f = fixture("sgml_reuters_excerpts.json");
    let d = f["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .find(|d| d["sgml"].as_str().is_some_and(|s| s.contains('\u{fc}')))
        .expect("the 0xFC document is in the fixture");
    assert_eq!(d["file"], "reut2-017.sgm");
    let data = latin1_bytes(d["sgml"].as_str().expect("sgml"));
    assert!(data.contains(&0xFC));
    let docs = parse_lenient(&data, usize::MAX);
    assert!(docs[0].title.contains('\u{fc}') || docs[0].body.contains('\u{fc}'));
}

#[test]
fn synthetic_sgml_matches_the_reference() {
    let f = fixture("sgml_synthetic.json");
    assert_eq!(f["_regenerate"], "cargo xtask parity");
    let cases = f["cases"].as_array().expect("cases");
    assert!(cases.len() > 100);
    for (i, case) in cases.iter().enumerate() {
        check_case(case, &format!("synthetic case {i}"));
    }
}

#[test]
fn real_documents_cut_anywhere_but_between_documents_are_errors() {
    // Issue 12: strict mode read a file cut inside a `<REUTERS ...` tag as the
    // documents before it. The excerpts, one after another, form a real file;
    // it is cut at 600 random points and at every byte of three tags.
    let f = fixture("sgml_reuters_excerpts.json");
    let mut file = b"<!DOCTYPE lewis SYSTEM \"lewis.dtd\">\n".to_vec();
    for d in f["documents"].as_array().expect("documents") {
        file.extend(latin1_bytes(d["sgml"].as_str().expect("sgml")));
        file.push(b'\n');
    }
    let full: Vec<_> = ReutersReader::new(&file[..], "corpus.sgm")
        .collect::<Result<_, _>>()
        .expect("the excerpts read");
    let mut cuts: Vec<usize> = Vec::new();
    let mut x: u64 = 12;
    for _ in 0..600 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        cuts.push((x >> 33) as usize % (file.len() + 1));
    }
    for tag in file
        .windows(8)
        .enumerate()
        .filter(|(_, w)| w == b"<REUTERS")
        .map(|(i, _)| i)
        .skip(1)
        .take(3)
    {
        let end = tag + file[tag..].iter().position(|&b| b == b'>').expect(">");
        cuts.extend(tag..=end + 1);
    }
    for cut in cuts {
        let prefix = &file[..cut];
        let got: Result<Vec<_>, _> = ReutersReader::new(prefix, "corpus.sgm").collect();
        match (common::truncation_verdict(prefix), got) {
            (Some(k), Ok(docs)) => assert_eq!(docs, full[..k], "cut at {cut}"),
            (None, Err(e)) => assert!(e.to_string().starts_with("corpus.sgm:"), "{e}"),
            (want, got) => panic!(
                "cut at {cut}: expected {want:?} documents, got {:?}",
                got.map(|d| d.len())
            ),
        }
    }
}
