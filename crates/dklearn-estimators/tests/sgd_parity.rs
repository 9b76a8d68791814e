//! Parity of the SGD family with scikit-learn 1.9.1: every case of
//! `tests/fixtures/sgd_cases_*.json` (written by `cargo xtask parity`, script
//! `xtask/parity/sgd.py`) is replayed, and coef_, intercept_, decision values
//! must agree within 1e-8 relative; t_, n_iter_, classes_ and predictions exactly.

use dklearn_estimators::{
    Average, DecisionFunction, Fit, LearningRate, Loss, PartialFit, PassiveAggressiveClassifier,
    Penalty, Perceptron, Predict, SGDClassifier,
};
mod common;

use common::{csr, f64s, fixture, fixtures_dir, i64s, usizes};
use dklearn_sparse::CsrMatrix;
use ndarray::Array2;
use serde_json::Value;

const RTOL: f64 = 1e-8;

fn rows(x: &CsrMatrix, a: usize, b: usize) -> CsrMatrix {
    x.select_rows(&(a..b).collect::<Vec<_>>()).unwrap()
}

/// The estimator of a case, behind one enum so the replay is shared.
enum Est {
    Sgd(SGDClassifier<i64>),
    Perceptron(Perceptron<i64>),
    Pa(PassiveAggressiveClassifier<i64>),
}

macro_rules! each {
    ($e:expr, $m:ident, $body:expr) => {
        match $e {
            Est::Sgd($m) => $body,
            Est::Perceptron($m) => $body,
            Est::Pa($m) => $body,
        }
    };
}

fn penalty(v: &Value) -> Option<Penalty> {
    match v.as_str() {
        None => None,
        Some("l2") => Some(Penalty::L2),
        Some("l1") => Some(Penalty::L1),
        Some("elasticnet") => Some(Penalty::ElasticNet),
        Some(o) => panic!("penalty {o}"),
    }
}

fn loss(s: &str) -> Loss {
    match s {
        "hinge" => Loss::Hinge,
        "log_loss" => Loss::LogLoss,
        "modified_huber" => Loss::ModifiedHuber,
        "squared_hinge" => Loss::SquaredHinge,
        "perceptron" => Loss::Perceptron,
        o => panic!("loss {o}"),
    }
}

fn average(v: &Value) -> Average {
    match v {
        Value::Bool(true) => Average::On,
        Value::Bool(false) => Average::Off,
        n => Average::From(n.as_u64().unwrap()),
    }
}

fn tol(v: &Value) -> Option<f64> {
    v.as_f64()
}

fn build(est: &str, params: &Value) -> Est {
    let p = params.as_object().unwrap();
    match est {
        "SGDClassifier" => {
            let mut b = SGDClassifier::<i64>::params();
            for (k, v) in p {
                b = match k.as_str() {
                    "loss" => b.loss(loss(v.as_str().unwrap())),
                    "penalty" => b.penalty(penalty(v)),
                    "alpha" => b.alpha(v.as_f64().unwrap()),
                    "l1_ratio" => b.l1_ratio(v.as_f64().unwrap()),
                    "shuffle" => b.shuffle(v.as_bool().unwrap()),
                    "fit_intercept" => b.fit_intercept(v.as_bool().unwrap()),
                    "eta0" => b.eta0(v.as_f64().unwrap()),
                    "power_t" => b.power_t(v.as_f64().unwrap()),
                    "max_iter" => b.max_iter(v.as_u64().unwrap() as usize),
                    "tol" => b.tol(tol(v)),
                    "random_state" => b.random_state(Some(v.as_u64().unwrap() as u32)),
                    "average" => b.average(average(v)),
                    "learning_rate" => b.learning_rate(match v.as_str().unwrap() {
                        "constant" => LearningRate::Constant,
                        "optimal" => LearningRate::Optimal,
                        "invscaling" => LearningRate::InvScaling,
                        "adaptive" => LearningRate::Adaptive,
                        o => panic!("learning_rate {o}"),
                    }),
                    o => panic!("SGDClassifier parameter {o}"),
                };
            }
            Est::Sgd(b.build().unwrap())
        }
        "Perceptron" => {
            let mut b = Perceptron::<i64>::params();
            for (k, v) in p {
                b = match k.as_str() {
                    "penalty" => b.penalty(penalty(v)),
                    "alpha" => b.alpha(v.as_f64().unwrap()),
                    "shuffle" => b.shuffle(v.as_bool().unwrap()),
                    "random_state" => b.random_state(Some(v.as_u64().unwrap() as u32)),
                    o => panic!("Perceptron parameter {o}"),
                };
            }
            Est::Perceptron(b.build().unwrap())
        }
        "PassiveAggressiveClassifier" => {
            let mut b = PassiveAggressiveClassifier::<i64>::params();
            for (k, v) in p {
                b = match k.as_str() {
                    "loss" => b.loss(loss(v.as_str().unwrap())),
                    "C" => b.c(v.as_f64().unwrap()),
                    "shuffle" => b.shuffle(v.as_bool().unwrap()),
                    "average" => b.average(average(v)),
                    "random_state" => b.random_state(Some(v.as_u64().unwrap() as u32)),
                    o => panic!("PassiveAggressiveClassifier parameter {o}"),
                };
            }
            Est::Pa(b.build().unwrap())
        }
        o => panic!("estimator {o}"),
    }
}

/// max |a - b| / max |b| (0 when both are all zeros).
fn rel_err(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let diff = a
        .iter()
        .zip(b)
        .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()));
    if scale == 0.0 {
        diff
    } else {
        diff / scale
    }
}

#[test]
fn sgd_family_matches_scikit_learn() {
    let data = fixture("sgd_data.json");
    let mut files: Vec<_> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .filter_map(|e| {
            let n = e.ok()?.file_name().into_string().ok()?;
            (n.starts_with("sgd_cases_") && n.ends_with(".json")).then_some(n)
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no sgd_cases_*.json fixtures");
    let mut n_cases = 0;
    let mut failures = Vec::new();
    for file in files {
        let fixture = fixture(&file);
        for case in fixture["cases"].as_array().unwrap() {
            n_cases += 1;
            let name = case["name"].as_str().unwrap();
            let d = &data[case["data"].as_str().unwrap()];
            let x = csr(&d["x"]);
            let y = i64s(&d[case["labels"].as_str().unwrap()]);
            let mut classes = y.clone();
            classes.sort();
            classes.dedup();
            let mut est = build(case["estimator"].as_str().unwrap(), &case["params"]);
            for call in case["calls"].as_array().unwrap() {
                let method = call[0].as_str().unwrap();
                let r = usizes(&call[1]);
                let (xc, yc) = (rows(&x, r[0], r[1]), &y[r[0]..r[1]]);
                each!(&mut est, e, {
                    if method == "fit" {
                        e.fit(&xc, yc).unwrap()
                    } else {
                        e.partial_fit(&xc, yc, Some(&classes)).unwrap()
                    }
                });
            }
            let exp = &case["expected"];
            let shape = usizes(&exp["coef_shape"]);
            let want_coef = csr(&exp["coef"]).to_dense();
            let (coef, intercept, t, n_iter, cls): (Array2<f64>, Vec<f64>, f64, usize, Vec<i64>) =
                each!(&est, e, {
                    (
                        e.coef_().unwrap().clone(),
                        e.intercept_().unwrap().to_vec(),
                        e.t_().unwrap(),
                        e.n_iter_().unwrap(),
                        e.classes_().unwrap().to_vec(),
                    )
                });
            assert_eq!(coef.shape(), &shape[..], "{name}: coef_ shape");
            let ce = rel_err(
                coef.as_slice().unwrap(),
                want_coef.as_standard_layout().as_slice().unwrap(),
            );
            let ie = rel_err(&intercept, &f64s(&exp["intercept"]));
            let want_dec: Vec<f64> = exp["decision"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(f64s)
                .collect();
            let dec = each!(&est, e, e.decision_function(&rows(&x, 0, 20)).unwrap());
            let de = rel_err(dec.as_slice().unwrap(), &want_dec);
            let pred = each!(&est, e, e.predict(&x).unwrap());
            let mut bad = Vec::new();
            if ce > RTOL {
                bad.push(format!("coef_ rel err {ce:.3e}"));
            }
            if ie > RTOL {
                bad.push(format!(
                    "intercept_ rel err {ie:.3e} ({intercept:?} vs {})",
                    exp["intercept"]
                ));
            }
            if de > RTOL {
                bad.push(format!("decision rel err {de:.3e}"));
            }
            if t != exp["t"].as_f64().unwrap() {
                bad.push(format!("t_ {t} vs {}", exp["t"]));
            }
            if n_iter != exp["n_iter"].as_u64().unwrap() as usize {
                bad.push(format!("n_iter_ {n_iter} vs {}", exp["n_iter"]));
            }
            if cls != i64s(&exp["classes"]) {
                bad.push("classes_".into());
            }
            if pred != i64s(&exp["predict"]) {
                bad.push("predict".into());
            }
            if !bad.is_empty() {
                failures.push(format!("{name}: {}", bad.join("; ")));
            }
        }
    }
    assert!(n_cases >= 50, "only {n_cases} cases");
    assert!(
        failures.is_empty(),
        "{} of {n_cases} cases differ from scikit-learn:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
