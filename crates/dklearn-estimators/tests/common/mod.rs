//! Reading the scikit-learn fixtures (written by `cargo xtask parity`),
//! shared by the parity tests. Not every test uses every helper.
#![allow(dead_code)]

use dklearn_sparse::CsrMatrix;
use serde_json::Value;
use std::path::PathBuf;

/// `tests/fixtures`.
pub(crate) fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The JSON fixture `tests/fixtures/<name>`.
pub(crate) fn fixture(name: &str) -> Value {
    let path = fixtures_dir().join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run `cargo xtask parity`)", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A float, or one of the strings "inf", "-inf", "nan" the scripts write for
/// non-finite values.
pub(crate) fn num(v: &Value) -> f64 {
    match v {
        Value::String(s) => match s.as_str() {
            "inf" => f64::INFINITY,
            "-inf" => f64::NEG_INFINITY,
            _ => f64::NAN,
        },
        _ => v.as_f64().unwrap(),
    }
}

/// An array of floats.
pub(crate) fn f64s(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(num).collect()
}

/// An array of non-negative integers.
pub(crate) fn usizes(v: &Value) -> Vec<usize> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect()
}

/// An array of integers.
pub(crate) fn i64s(v: &Value) -> Vec<i64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_i64().unwrap())
        .collect()
}

/// A CSR matrix written as `{n_rows, n_cols, indptr, indices, data}`.
pub(crate) fn csr(v: &Value) -> CsrMatrix {
    CsrMatrix::try_from_csr(
        v["n_rows"].as_u64().unwrap() as usize,
        v["n_cols"].as_u64().unwrap() as usize,
        usizes(&v["indptr"]),
        usizes(&v["indices"]),
        f64s(&v["data"]),
    )
    .unwrap()
}
