//! MultinomialNB against scikit-learn 1.9.1 fixtures written by
//! `xtask/parity/liblinear.py` (regenerate: `cargo xtask parity`).

use dklearn_estimators::{Fit, MultinomialNB, PartialFit, Predict};
mod common;

use common::{csr, f64s, fixture, i64s, usizes};
use dklearn_sparse::CsrMatrix;
use ndarray::Array2;
use serde_json::Value;

const TOL: f64 = 1e-11;

/// Elementwise `|a - b| ≤ TOL · max(1, |b|)`, with infinities equal.
fn close(a: &[f64], b: &[f64], what: &str) -> f64 {
    assert_eq!(a.len(), b.len(), "{what}");
    let mut worst = 0.0f64;
    for (i, (&x, &y)) in a.iter().zip(b).enumerate() {
        if y.is_infinite() {
            assert_eq!(x, y, "{what}[{i}]");
            continue;
        }
        let e = (x - y).abs() / y.abs().max(1.0);
        worst = worst.max(e);
        assert!(e <= TOL, "{what}[{i}]: {x} vs {y}");
    }
    worst
}

fn close2(a: &Array2<f64>, b: &Value, what: &str) -> f64 {
    let rows = b.as_array().unwrap();
    assert_eq!(a.nrows(), rows.len(), "{what}");
    let mut worst = 0.0f64;
    for (i, row) in rows.iter().enumerate() {
        worst = worst.max(close(&a.row(i).to_vec(), &f64s(row), what));
    }
    worst
}

fn build(params: &Value) -> MultinomialNB<i64> {
    let mut p = MultinomialNB::params();
    if let Some(a) = params.get("alpha") {
        p = p.alpha(a.as_f64().unwrap());
    }
    if let Some(f) = params.get("fit_prior") {
        p = p.fit_prior(f.as_bool().unwrap());
    }
    if let Some(c) = params.get("class_prior") {
        p = p.class_prior(f64s(c));
    }
    p.build().unwrap()
}

fn check_state(nb: &MultinomialNB<i64>, st: &Value, x_test: &CsrMatrix, ctx: &str) -> f64 {
    assert_eq!(format!("{nb:?}"), st["repr"].as_str().unwrap(), "{ctx}");
    assert_eq!(nb.classes_().unwrap(), i64s(&st["classes"]).as_slice());
    let mut w = close(nb.class_count_().unwrap(), &f64s(&st["class_count"]), ctx);
    w = w.max(close2(
        nb.feature_count_().unwrap(),
        &st["feature_count"],
        ctx,
    ));
    w = w.max(close2(
        nb.feature_log_prob_().unwrap(),
        &st["feature_log_prob"],
        ctx,
    ));
    w = w.max(close(
        nb.class_log_prior_().unwrap(),
        &f64s(&st["class_log_prior"]),
        ctx,
    ));
    w = w.max(close2(
        &nb.predict_joint_log_proba(x_test).unwrap(),
        &st["joint_log_proba"],
        ctx,
    ));
    w = w.max(close2(
        &nb.predict_log_proba(x_test).unwrap(),
        &st["predict_log_proba"],
        ctx,
    ));
    w = w.max(close2(
        &nb.predict_proba(x_test).unwrap(),
        &st["predict_proba"],
        ctx,
    ));
    assert_eq!(
        nb.predict(x_test).unwrap(),
        i64s(&st["predict"]),
        "{ctx} predict"
    );
    w
}

#[test]
fn fit_matches_sklearn() {
    let fx = fixture("nb_counts.json");
    let x = csr(&fx["X_fit"]);
    let y = i64s(&fx["y_fit"]);
    let x_test = csr(&fx["X_test"]);
    let mut worst = 0.0f64;
    for st in fx["fits"].as_array().unwrap() {
        let mut nb = build(&st["params"]);
        nb.fit(&x, &y).unwrap();
        worst = worst.max(check_state(&nb, st, &x_test, "fit"));
    }
    eprintln!("MultinomialNB.fit: worst relative error {worst:e}");
}

#[test]
fn partial_fit_sequence_matches_sklearn() {
    let fx = fixture("nb_counts.json");
    let x = csr(&fx["X_train"]);
    let y = i64s(&fx["y_train"]);
    let x_test = csr(&fx["X_test"]);
    let mut nb: Option<MultinomialNB<i64>> = None;
    let mut worst = 0.0f64;
    for st in fx["partial_fit_steps"].as_array().unwrap() {
        let rows = usizes(&st["rows"]);
        let idx: Vec<usize> = (rows[0]..rows[1]).collect();
        let chunk = x.select_rows(&idx).unwrap();
        let m = nb.get_or_insert_with(|| build(&st["params"]));
        m.partial_fit(&chunk, &y[rows[0]..rows[1]], Some(&[10, 20, 30]))
            .unwrap();
        worst = worst.max(check_state(
            m,
            st,
            &x_test,
            &format!("partial_fit rows {rows:?}"),
        ));
    }
    eprintln!("MultinomialNB.partial_fit: worst relative error {worst:e}");
}
