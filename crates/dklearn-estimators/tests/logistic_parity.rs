//! LogisticRegression(solver='liblinear') against scikit-learn 1.9.1 fixtures
//! written by `xtask/parity/liblinear.py` (regenerate: `cargo xtask parity`).

use dklearn_estimators::{DecisionFunction, Fit, LogisticRegression, Predict};
mod common;

use common::{csr, f64s, fixture, i64s, usizes};
use dklearn_sparse::{CsrBuilder, CsrMatrix};

/// Largest `|a - b|` relative to the largest `|b|` (the scale of the vector).
fn rel_err(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-300);
    a.iter()
        .zip(b)
        .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()))
        / scale
}

const RTOL: f64 = 1e-9;

fn check_file(name: &str) -> f64 {
    let fx = fixture(name);
    let x = csr(&fx["X"]);
    let y = i64s(&fx["y"]);
    let mut worst = 0.0f64;
    for case in fx["cases"].as_array().unwrap() {
        let mut lr = LogisticRegression::params()
            .c(case["C"].as_f64().unwrap())
            .tol(case["tol"].as_f64().unwrap())
            .max_iter(case["max_iter"].as_u64().unwrap() as usize)
            .build()
            .unwrap();
        let repr = case["repr"].as_str().unwrap();
        assert_eq!(format!("{lr:?}"), repr);
        lr.fit(&x, &y).unwrap();
        let ctx = format!("{name} {repr}");
        assert_eq!(lr.classes_().unwrap(), i64s(&fx["classes"]).as_slice());
        assert_eq!(
            lr.n_iter_().unwrap(),
            usizes(&case["n_iter"]).as_slice(),
            "{ctx}"
        );
        let coef = lr.coef_().unwrap();
        let rows = case["coef"].as_array().unwrap();
        assert_eq!(coef.nrows(), rows.len(), "{ctx}");
        for (m, row) in rows.iter().enumerate() {
            let mut expected = vec![0.0; coef.ncols()];
            for (j, v) in usizes(&row["indices"])
                .into_iter()
                .zip(f64s(&row["values"]))
            {
                expected[j] = v;
            }
            let got = coef.row(m).to_vec();
            // Columns absent from X are exactly zero, as in liblinear.
            for (j, (e, g)) in expected.iter().zip(&got).enumerate() {
                assert_eq!(*e == 0.0, *g == 0.0, "{ctx} column {j}");
            }
            let e = rel_err(&got, &expected);
            worst = worst.max(e);
            assert!(e < RTOL, "{ctx} coef row {m}: relative error {e:e}");
        }
        let e = rel_err(lr.intercept_().unwrap(), &f64s(&case["intercept"]));
        worst = worst.max(e);
        assert!(e < RTOL, "{ctx} intercept: {e:e}");

        let dec = lr.decision_function(&x).unwrap();
        for (i, row) in case["decision"].as_array().unwrap().iter().enumerate() {
            let want = f64s(row);
            let got = dec.row(i).to_vec();
            let e = rel_err(&got, &want);
            assert!(e < 1e-8, "{ctx} decision row {i}: {e:e}");
        }
        assert_eq!(lr.predict(&x).unwrap(), i64s(&case["predict"]), "{ctx}");
        if let Some(p) = case.get("predict_proba") {
            let proba = lr.predict_proba(&x).unwrap();
            for (i, row) in p.as_array().unwrap().iter().enumerate() {
                let want = f64s(row);
                for (k, w) in want.iter().enumerate() {
                    assert!((proba[[i, k]] - w).abs() < 1e-9, "{ctx} proba {i},{k}");
                }
            }
        }
    }
    eprintln!("{name}: worst coef/intercept relative error {worst:e}");
    worst
}

#[test]
fn text_binary_matches_sklearn() {
    check_file("logistic_text_binary.json");
}

#[test]
fn text_3class_matches_liblinear_ovr() {
    check_file("logistic_text_3class.json");
}

#[test]
fn random_binary_matches_sklearn() {
    check_file("logistic_random_binary.json");
}

#[test]
fn random_3class_matches_liblinear_ovr() {
    check_file("logistic_random_3class.json");
}

// ------------------------------------------------------------------ synthetic
// The SplitMix64 text-shaped generator of xtask/parity/liblinear.py (and of
// benches/benches/estimators_liblinear.rs).

const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;
const N_FEATURES: usize = 1 << 18;
const ROWS: usize = 720;
const TOKENS: usize = 57;
const TOPIC: usize = 5;
const DRAWS: usize = 1 + 2 * TOKENS + TOPIC;

fn splitmix64(seed: u64, idx: u64) -> u64 {
    let mut z = seed.wrapping_add((idx + 1).wrapping_mul(GAMMA));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn synthetic_chunk(chunk: u64) -> (CsrMatrix, Vec<i64>) {
    let seed = 1000 + chunk;
    let mut b = CsrBuilder::new(N_FEATURES);
    let mut y = Vec::with_capacity(ROWS);
    let mut cols = Vec::new();
    for i in 0..ROWS {
        let d = |k: usize| splitmix64(seed, (i * DRAWS + k) as u64);
        let pos = d(0) % 4 == 0;
        y.push(i64::from(pos));
        cols.clear();
        for t in 0..TOKENS {
            let bits = 1 + d(1 + t) % 18;
            let rank = d(1 + TOKENS + t) % (1u64 << bits);
            cols.push(((rank * 2_654_435_761) % N_FEATURES as u64) as usize);
        }
        if pos {
            for t in 0..TOPIC {
                let topic = (1u64 << 20) + d(1 + 2 * TOKENS + t) % 64;
                cols.push(((topic * 2_654_435_761) % N_FEATURES as u64) as usize);
            }
        }
        cols.sort_unstable();
        let mut idx = Vec::new();
        let mut val: Vec<f64> = Vec::new();
        for &c in &cols {
            if idx.last() == Some(&c) {
                *val.last_mut().unwrap() += 1.0;
            } else {
                idx.push(c);
                val.push(1.0);
            }
        }
        // scipy: diags(1 / norm) @ X multiplies by the reciprocal.
        let inv = 1.0 / val.iter().map(|v| v * v).sum::<f64>().sqrt();
        val.iter_mut().for_each(|v| *v *= inv);
        b.push_sorted_row(&idx, &val).unwrap();
    }
    (b.finish(), y)
}

#[test]
fn synthetic_text_shaped_chunk_matches_sklearn() {
    let fx = fixture("logistic_synthetic_chunk.json");
    let (x, y) = synthetic_chunk(0);
    assert_eq!(x.nnz() as u64, fx["nnz"].as_u64().unwrap());
    assert_eq!(
        x.active_columns().len() as u64,
        fx["n_active_columns"].as_u64().unwrap()
    );
    assert_eq!(
        y.iter().sum::<i64>(),
        fx["n_positive"].as_i64().unwrap(),
        "labels"
    );
    let mut lr = LogisticRegression::new();
    lr.fit(&x, &y).unwrap();
    assert_eq!(lr.n_iter_().unwrap(), usizes(&fx["n_iter"]).as_slice());
    let e = rel_err(lr.intercept_().unwrap(), &f64s(&fx["intercept"]));
    assert!(e < RTOL, "intercept {e:e}");
    let w = lr.coef_().unwrap().row(0).to_vec();
    let l2 = w.iter().map(|v| v * v).sum::<f64>().sqrt();
    let l1 = w.iter().map(|v| v.abs()).sum::<f64>();
    assert!((l2 - fx["coef_l2"].as_f64().unwrap()).abs() < RTOL * l2);
    assert!((l1 - fx["coef_l1"].as_f64().unwrap()).abs() < RTOL * l1);
    let top: Vec<f64> = usizes(&fx["top_indices"]).iter().map(|&j| w[j]).collect();
    let e = rel_err(&top, &f64s(&fx["top_values"]));
    assert!(e < RTOL, "top weights {e:e}");
    let first = x.select_rows(&(0..40).collect::<Vec<_>>()).unwrap();
    let dec: Vec<f64> = lr.decision_function(&first).unwrap().column(0).to_vec();
    let e = rel_err(&dec, &f64s(&fx["decision_first_rows"]));
    assert!(e < 1e-8, "decision {e:e}");
}
