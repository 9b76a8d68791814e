//! The Reuters-21578 SGML reader over arbitrary bytes.
//!
//! Byte 0 picks the mode and the read chunk size (1..=64 bytes, so every
//! construct gets split across refills). Two modes:
//!
//! - **raw** (even byte 0): the rest as a `.sgm` file. The lenient reader
//!   never errors and gives the same documents in small chunks as in one
//!   64 KiB read; the strict reader either gives exactly the lenient
//!   documents or stops with an error naming the source and a line inside
//!   the input.
//! - **documents** (odd byte 0): the rest split on `0xFF` into fields,
//!   each escaped (`&` and `<` written as references) and wrapped three at a
//!   time as the title, body and one label of a `<REUTERS>` document. Every
//!   document written is read back (documents in == documents out), in
//!   order, with its NEWID, title (latin-1 text), body (whitespace runs made
//!   one space) and label, by the lenient reader; the strict one agrees, or
//!   (only when a field holds a NUL byte) refuses it naming the NUL. Cut
//!   at 8 points drawn from the input, the file reads strictly as its first
//!   k documents when the cut falls between documents, and is an error
//!   everywhere else (inside a document or tag, or before the first one).
#![no_main]

use dklearn_text::{is_python_space, ReutersDocument, ReutersReader};
use libfuzzer_sys::fuzz_target;

const SOURCE: &str = "fuzz.sgm";

fn lenient(data: &[u8], chunk: usize) -> Vec<ReutersDocument> {
    ReutersReader::new(data, SOURCE)
        .lenient(true)
        .chunk_size(chunk)
        .map(|r| r.unwrap_or_else(|e| panic!("lenient reader failed: {e}")))
        .collect()
}

fn raw(data: &[u8], chunk: usize) {
    let whole = lenient(data, 1 << 16);
    assert_eq!(
        whole,
        lenient(data, chunk),
        "chunking changed the documents"
    );
    let lines = 1 + data.iter().filter(|&&b| b == b'\n').count();
    let mut strict = Vec::new();
    for r in ReutersReader::new(data, SOURCE).chunk_size(chunk) {
        match r {
            Ok(d) => strict.push(d),
            Err(e) => {
                let msg = e.to_string();
                let line: usize = msg
                    .strip_prefix("fuzz.sgm:")
                    .and_then(|rest| rest.split(':').next())
                    .and_then(|n| n.parse().ok())
                    .unwrap_or_else(|| panic!("error names no source:line: {msg}"));
                assert!((1..=lines).contains(&line), "line {line} of {lines}: {msg}");
                // Whatever came before the error is what lenient reading gave.
                assert!(
                    whole.starts_with(&strict),
                    "strict and lenient diverge before {msg}"
                );
                return;
            }
        }
    }
    assert_eq!(
        strict, whole,
        "strict accepted the input but read it differently"
    );
}

fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

fn escaped(field: &[u8], out: &mut Vec<u8>) {
    for &b in field {
        match b {
            b'&' => out.extend_from_slice(b"&amp;"),
            b'<' => out.extend_from_slice(b"&lt;"),
            _ => out.push(b),
        }
    }
}

/// `re.sub(r"\s+", " ", s)` with Python's `\s`.
fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_space = false;
    for c in s.chars() {
        let space = is_python_space(c);
        if !space {
            out.push(c);
        } else if !in_space {
            out.push(' ');
        }
        in_space = space;
    }
    out
}

fn documents(data: &[u8], chunk: usize) {
    let fields: Vec<&[u8]> = data.split(|&b| b == 0xFF).collect();
    let docs: Vec<&[&[u8]]> = fields.chunks(3).take(64).collect();
    let mut sgml = b"<!DOCTYPE lewis SYSTEM \"lewis.dtd\">\n".to_vec();
    // Where each document's `</REUTERS>` ends.
    let mut ends = Vec::with_capacity(docs.len());
    for (i, d) in docs.iter().enumerate() {
        let field = |k: usize| d.get(k).copied().unwrap_or(b"");
        sgml.extend_from_slice(format!("<REUTERS NEWID=\"{}\">\n<TOPICS><D>", i + 1).as_bytes());
        escaped(field(2), &mut sgml);
        sgml.extend_from_slice(b"</D></TOPICS>\n<TEXT>&#2;\n<TITLE>");
        escaped(field(0), &mut sgml);
        sgml.extend_from_slice(b"</TITLE>\n<BODY>");
        escaped(field(1), &mut sgml);
        sgml.extend_from_slice(b"\n&#3;</BODY></TEXT>\n</REUTERS>");
        ends.push(sgml.len());
        sgml.push(b'\n');
    }
    let read = lenient(&sgml, chunk);
    // Strict mode takes it all too, except a NUL byte (in no Reuters file).
    let strict: Result<Vec<ReutersDocument>, _> = ReutersReader::new(&sgml[..], SOURCE)
        .chunk_size(chunk)
        .collect();
    match strict {
        Ok(docs) => assert_eq!(docs, read, "strict and lenient differ"),
        Err(e) => assert!(
            data.contains(&0) && e.to_string().contains("NUL"),
            "well-formed input rejected: {e}"
        ),
    }
    assert_eq!(read.len(), docs.len(), "documents in != documents out");
    truncations(data, &sgml, &ends, &read, chunk);
    for (i, (got, d)) in read.iter().zip(&docs).enumerate() {
        let field = |k: usize| latin1(d.get(k).copied().unwrap_or(b""));
        assert_eq!(got.newid as usize, i + 1);
        assert_eq!(got.title, field(0), "title of document {}", i + 1);
        assert_eq!(got.body, collapse(&(field(1) + "\n")), "body of {}", i + 1);
        assert_eq!(got.topics, vec![field(2)], "topics of {}", i + 1);
    }
}

/// The truncation property: `sgml` (documents `read`, the k-th ending at
/// `ends[k]`) cut at 8 points drawn from `data` reads strictly as its first k
/// documents when the cut falls between documents (right after a
/// `</REUTERS>` or its newline), and is an error naming a line everywhere
/// else: inside a document, inside any tag, or before the first document.
fn truncations(data: &[u8], sgml: &[u8], ends: &[usize], read: &[ReutersDocument], chunk: usize) {
    if data.contains(&0) {
        return; // strict refuses NUL wherever the cut falls
    }
    let mut x = data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    for _ in 0..8 {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let cut = (x >> 33) as usize % (sgml.len() + 1);
        let prefix = &sgml[..cut];
        let between = ends
            .iter()
            .position(|&e| cut == e || cut == e + 1)
            .map(|k| k + 1);
        let got: Result<Vec<ReutersDocument>, _> = ReutersReader::new(prefix, SOURCE)
            .chunk_size(chunk)
            .collect();
        match (between, got) {
            (Some(k), Ok(docs)) => assert_eq!(docs, read[..k], "cut at {cut}"),
            (None, Err(e)) => assert!(e.to_string().starts_with("fuzz.sgm:"), "{e}"),
            (want, got) => panic!(
                "cut at {cut} of {}: expected {want:?} documents, strict gave {:?}",
                sgml.len(),
                got.map(|d| d.len())
            ),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&b0, rest)) = data.split_first() else {
        return;
    };
    let chunk = 1 + usize::from(b0 >> 1) % 64;
    if b0 & 1 == 0 {
        raw(rest, chunk);
    } else {
        documents(rest, chunk);
    }
});
