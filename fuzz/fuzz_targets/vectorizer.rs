//! `HashingVectorizer` over arbitrary bytes with settings drawn from the
//! first three bytes.
//!
//! Byte 0 picks `n_features` (including 1, 2, 3 and `i32::MAX`), byte 1 the
//! flags (`alternate_sign`, `binary`, `lowercase`, norm none/l1/l2), byte 2
//! the analyzer and `ngram_range` (up to `(1, 4)`..`(4, 4)`). The rest is
//! split on `0xFE` (never valid UTF-8) into documents. What must hold:
//!
//! - `transform(decode_ignore(doc))` == `transform_bytes(doc)`, row for row,
//!   and a document's row does not depend on its neighbours;
//! - one row per document, indptr non-decreasing, columns strictly
//!   increasing and `< n_features`, values finite;
//! - `norm='l2'`: each row has unit l2 norm, or is all zeros (no tokens, or
//!   signs that cancel); `'l1'` likewise; no norm with `binary`: every value
//!   is 1; no norm, no sign, not binary: every value is a positive count.
#![no_main]

use dklearn_sparse::{CsrMatrix, Norm};
use dklearn_text::{decode_ignore, Analyzer, HashingVectorizer};
use libfuzzer_sys::fuzz_target;

const N_FEATURES: [usize; 8] = [1, 2, 3, 16, 1000, 1 << 18, 1 << 20, i32::MAX as usize];

fn check(v: &HashingVectorizer, x: &CsrMatrix, n_docs: usize, norm: Option<Norm>, flags: u8) {
    let (alternate_sign, binary) = (flags & 1 != 0, flags & 2 != 0);
    assert_eq!(x.shape(), (n_docs, v.n_features()));
    assert_eq!(x.indptr().len(), n_docs + 1);
    assert!(x.indptr().windows(2).all(|w| w[0] <= w[1]));
    for (i, (cols, vals)) in x.rows().enumerate() {
        assert_eq!(cols.len(), vals.len());
        assert!(
            cols.windows(2).all(|w| w[0] < w[1]),
            "row {i} unsorted: {cols:?}"
        );
        assert!(
            cols.iter().all(|&c| c < v.n_features()),
            "row {i} out of bounds"
        );
        assert!(vals.iter().all(|v| v.is_finite()), "row {i}: {vals:?}");
        let all_zero = vals.iter().all(|&v| v == 0.0);
        match norm {
            Some(Norm::L2) => {
                let s: f64 = vals.iter().map(|v| v * v).sum();
                assert!(all_zero || (s - 1.0).abs() < 1e-9, "row {i}: l2 norm^2 {s}");
            }
            Some(Norm::L1) => {
                let s: f64 = vals.iter().map(|v| v.abs()).sum();
                assert!(all_zero || (s - 1.0).abs() < 1e-9, "row {i}: l1 norm {s}");
            }
            _ if binary => assert!(vals.iter().all(|&v| v == 1.0), "row {i}: {vals:?}"),
            _ if !alternate_sign => assert!(
                vals.iter().all(|&v| v >= 1.0 && v.fract() == 0.0),
                "row {i}: {vals:?}"
            ),
            _ => assert!(vals.iter().all(|&v| v.fract() == 0.0), "row {i}: {vals:?}"),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let [b0, b1, b2, rest @ ..] = data else {
        return;
    };
    let n_features = N_FEATURES[usize::from(b0 & 7)];
    let norm = match (b1 >> 3) & 3 {
        0 => None,
        1 => Some(Norm::L1),
        _ => Some(Norm::L2),
    };
    let analyzer = match b2 % 3 {
        0 => Analyzer::Word,
        1 => Analyzer::Char,
        _ => Analyzer::CharWb,
    };
    let lo = 1 + usize::from(b2 >> 2) % 4;
    let hi = lo + usize::from(b2 >> 4) % (5 - lo);
    let v = match HashingVectorizer::params()
        .n_features(n_features)
        .alternate_sign(b1 & 1 != 0)
        .binary(b1 & 2 != 0)
        .lowercase(b1 & 4 != 0)
        .norm(norm)
        .ngram_range(lo, hi)
        .analyzer(analyzer)
        .build()
    {
        Ok(v) => v,
        Err(e) => panic!("valid parameters rejected: {e}"),
    };
    let docs: Vec<&[u8]> = rest.split(|&b| b == 0xFE).take(16).collect();
    let text: Vec<String> = docs.iter().map(|d| decode_ignore(d)).collect();
    let x = v.transform(&text);
    check(&v, &x, docs.len(), norm, *b1);
    let xb = v.transform_bytes(&docs);
    assert_eq!(x.indptr(), xb.indptr());
    assert_eq!(x.indices(), xb.indices());
    assert_eq!(x.data(), xb.data());
    // Rows are independent of their neighbours.
    for (i, t) in text.iter().enumerate().take(4) {
        let (cols, vals) = v.transform_one(t);
        let (rc, rv) = x.row(i);
        assert_eq!((cols.as_slice(), vals.as_slice()), (rc, rv), "row {i}");
    }
    // Invalid parameters are errors, not panics.
    assert!(HashingVectorizer::params().n_features(0).build().is_err());
    assert!(HashingVectorizer::params()
        .ngram_range(hi + 1, hi)
        .build()
        .is_err());
    assert!(HashingVectorizer::params()
        .ngram_range(0, hi)
        .build()
        .is_err());
});
