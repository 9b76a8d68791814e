//! HashingVectorizer throughput on the whole Reuters-21578 text (titles and
//! bodies of the 22 `reut2-*.sgm` files, ~17 MB of text decoded as
//! latin-1, as scikit-learn's out-of-core example reads it).
//!
//! The bodies are cut out with a plain `<TITLE>`/`<BODY>` scan here so the
//! bench does not depend on the SGML reader. Without the data directory
//! (`DKLEARN_REUTERS`, default `/work/shared/data/reuters21578`) it
//! vectorizes ~9 MB of seeded synthetic English-like text instead.
//! scikit-learn 1.9.1 does ≈ 15 MB/s with the example's settings.
//!
//! Each iteration returns a ~25 MB matrix (usize indices, f64 values). The
//! bench runs with the malloc settings `cargo xtask` uses
//! (`dklearn_executor::keep_freed_memory`); with glibc's defaults that
//! output is unmapped after every iteration and faulted back in page by page
//! (~6,000 page faults, about a fifth of the time measured).
// criterion_group!/criterion_main! generate undocumented public functions.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use dklearn_text::{murmurhash3_32, word_tokens, Analyzer, HashingVectorizer};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::PathBuf;
use std::time::Duration;

/// Contents of every `<tag>...</tag>` in `sgml`.
fn elements<'a>(sgml: &'a str, tag: &str, out: &mut Vec<&'a str>) {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut rest = sgml;
    while let Some(a) = rest.find(&open) {
        let after = &rest[a + open.len()..];
        let Some(b) = after.find(&close) else { break };
        out.push(&after[..b]);
        rest = &after[b + close.len()..];
    }
}

fn reuters_texts() -> Option<Vec<String>> {
    let dir = std::env::var_os("DKLEARN_REUTERS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/work/shared/data/reuters21578"));
    let mut docs = Vec::new();
    for i in 0..22 {
        let bytes = std::fs::read(dir.join(format!("reut2-{i:03}.sgm"))).ok()?;
        let latin1: String = bytes.iter().map(|&b| char::from(b)).collect();
        for d in latin1.split("</REUTERS>") {
            let mut parts = Vec::new();
            elements(d, "TITLE", &mut parts);
            elements(d, "BODY", &mut parts);
            if !parts.is_empty() {
                docs.push(parts.join("\n\n"));
            }
        }
    }
    Some(docs)
}

fn synthetic_texts(seed: u64) -> Vec<String> {
    const WORDS: &[&str] = &[
        "the", "said", "pct", "mln", "dlrs", "company", "Reuters", "shares", "OIL", "prices",
        "year", "billion", "bank", "market", "trade", "1987", "U.S.", "net", "profit", "loss",
        "rate", "exchange", "March", "April", "tonnes", "wheat", "export", "GOLD", "it's", "vs",
    ];
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..21_000)
        .map(|_| {
            let n = rng.gen_range(20..120);
            let mut s = String::new();
            for k in 0..n {
                if k > 0 {
                    s.push_str(if rng.gen_bool(0.08) { ",\n" } else { " " });
                }
                s.push_str(WORDS[rng.gen_range(0..WORDS.len())]);
            }
            s
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    // The malloc settings `cargo xtask` runs with: freed blocks are reused,
    // not returned to the kernel and faulted back in on every iteration.
    dklearn_executor::keep_freed_memory();
    let (source, docs) = match reuters_texts() {
        Some(d) => ("reuters", d),
        None => ("synthetic", synthetic_texts(7)),
    };
    let bytes: usize = docs.iter().map(String::len).sum();
    eprintln!(
        "text bench: {} {source} documents, {:.2} MB",
        docs.len(),
        bytes as f64 / 1e6
    );
    let mut g = c.benchmark_group(format!("hashing_vectorizer_{source}"));
    g.throughput(Throughput::Bytes(bytes as u64));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(4));
    g.warm_up_time(Duration::from_millis(500));

    let settings = [
        (
            "example_2e18_nosign",
            HashingVectorizer::params()
                .n_features(1 << 18)
                .alternate_sign(false),
        ),
        ("default", HashingVectorizer::params()),
        ("word_1_2", HashingVectorizer::params().ngram_range(1, 2)),
        (
            "char_wb_2_4",
            HashingVectorizer::params()
                .analyzer(Analyzer::CharWb)
                .ngram_range(2, 4),
        ),
    ];
    for (name, p) in settings {
        let v = p.build().expect("valid settings");
        g.bench_function(name, |b| b.iter(|| v.transform(&docs)));
    }
    // The public building blocks alone (the `word_tokens` iterator and
    // `murmurhash3_32`), no lowercasing, sorting or CSR: the vectorizer's
    // ASCII path (a bitmask scanner and a padded hash) now beats this.
    g.bench_function("tokenize_murmur_only", |b| {
        b.iter(|| {
            let mut acc = 0i32;
            for d in &docs {
                for t in word_tokens(d) {
                    acc ^= murmurhash3_32(t.as_bytes(), 0);
                }
            }
            acc
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
