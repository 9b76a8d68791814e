//! Metrics against scikit-learn 1.9.1 (fixture `tests/fixtures/sgd_metrics.json`,
//! written by `cargo xtask parity`, script `xtask/parity/sgd.py`).

use dklearn_estimators::metrics::{
    accuracy_score, confusion_matrix, f1_score, log_loss, log_loss_binary, precision_score,
    recall_score, roc_auc_score, roc_auc_score_multiclass, Averaging, MultiClass,
};
mod common;

use common::{f64s, fixture, i64s};
use ndarray::Array2;
use serde_json::Value;

fn close(a: f64, b: &Value, what: &str) {
    let b = b.as_f64().unwrap();
    assert!(
        (a - b).abs() <= 1e-12 * b.abs().max(1.0),
        "{what}: {a} vs scikit-learn {b}"
    );
}

#[test]
fn metrics_match_scikit_learn() {
    let f = fixture("sgd_metrics.json");
    let (yt, yp) = (i64s(&f["y_true"]), i64s(&f["y_pred"]));
    let (bt, bp) = (i64s(&f["yb_true"]), i64s(&f["yb_pred"]));
    close(
        accuracy_score(&yt, &yp).unwrap(),
        &f["accuracy"],
        "accuracy",
    );
    let (labels, cm) = confusion_matrix(&yt, &yp, None).unwrap();
    assert_eq!(labels, vec![0, 1, 2]);
    let want: Vec<Vec<u64>> = f["confusion_matrix"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap())
                .collect()
        })
        .collect();
    for (i, row) in want.iter().enumerate() {
        assert_eq!(cm.row(i).to_vec(), *row, "confusion matrix row {i}");
    }
    let b1 = Averaging::Binary { pos_label: 1 };
    let b0 = Averaging::Binary { pos_label: 0 };
    let fb = &f["binary"];
    close(
        precision_score(&bt, &bp, &b1).unwrap(),
        &fb["precision"],
        "precision",
    );
    close(
        recall_score(&bt, &bp, &b1).unwrap(),
        &fb["recall"],
        "recall",
    );
    close(f1_score(&bt, &bp, &b1).unwrap(), &fb["f1"], "f1");
    close(
        precision_score(&bt, &bp, &b0).unwrap(),
        &fb["precision_pos0"],
        "precision pos 0",
    );
    close(
        recall_score(&bt, &bp, &b0).unwrap(),
        &fb["recall_pos0"],
        "recall pos 0",
    );
    close(f1_score(&bt, &bp, &b0).unwrap(), &fb["f1_pos0"], "f1 pos 0");
    for (name, avg) in [
        ("macro", Averaging::Macro),
        ("micro", Averaging::Micro),
        ("weighted", Averaging::Weighted),
    ] {
        let w = &f[name];
        close(
            precision_score(&yt, &yp, &avg).unwrap(),
            &w["precision"],
            name,
        );
        close(recall_score(&yt, &yp, &avg).unwrap(), &w["recall"], name);
        close(f1_score(&yt, &yp, &avg).unwrap(), &w["f1"], name);
    }
    let z = &f["zero_division"];
    let (zt, zp) = (i64s(&z["y_true"]), i64s(&z["y_pred"]));
    close(
        precision_score(&zt, &zp, &Averaging::Macro).unwrap(),
        &z["macro_precision"],
        "zero-division precision",
    );
    close(
        f1_score(&zt, &zp, &Averaging::Macro).unwrap(),
        &z["macro_f1"],
        "zero-division f1",
    );
    close(
        recall_score(&zt, &zp, &Averaging::Weighted).unwrap(),
        &z["weighted_recall"],
        "zero-division recall",
    );

    close(
        roc_auc_score(&bt, &f64s(&f["scores"])).unwrap(),
        &f["roc_auc"],
        "roc_auc",
    );
    let rows: Vec<Vec<f64>> = f["proba"].as_array().unwrap().iter().map(f64s).collect();
    let proba = Array2::from_shape_fn((rows.len(), 3), |(i, j)| rows[i][j]);
    close(
        log_loss(&yt, &proba, None).unwrap(),
        &f["log_loss_multi"],
        "log_loss",
    );
    close(
        log_loss_binary(&bt, &f64s(&f["proba_bin"])).unwrap(),
        &f["log_loss_binary"],
        "log_loss binary",
    );
    // The search's roc_auc and neg_log_loss scorers rely on these being
    // scikit-learn's to the bit (its curve points and numpy's pairwise sums;
    // Python's float repr reads back exactly).
    let exact = |a: f64, b: &Value| assert_eq!(a.to_bits(), b.as_f64().unwrap().to_bits());
    exact(
        roc_auc_score(&bt, &f64s(&f["scores"])).unwrap(),
        &f["roc_auc"],
    );
    exact(log_loss(&yt, &proba, None).unwrap(), &f["log_loss_multi"]);
    exact(
        log_loss_binary(&bt, &f64s(&f["proba_bin"])).unwrap(),
        &f["log_loss_binary"],
    );
    // Multiclass ROC AUC (the search's roc_auc_ovr/ovo scorers), on
    // Dirichlet probabilities and on tied ones.
    let tied_rows: Vec<Vec<f64>> = f["proba_tied"]
        .as_array()
        .unwrap()
        .iter()
        .map(f64s)
        .collect();
    let tied = Array2::from_shape_fn((tied_rows.len(), 3), |(i, j)| tied_rows[i][j]);
    let multi = f["roc_auc_multi"].as_object().unwrap();
    assert_eq!(multi.len(), 10);
    for (name, p) in [("proba", &proba), ("tied", &tied)] {
        for (mc, mc_name) in [(MultiClass::Ovr, "ovr"), (MultiClass::Ovo, "ovo")] {
            for (avg, avg_name) in [
                (Averaging::Macro, "macro"),
                (Averaging::Weighted, "weighted"),
                (Averaging::Micro, "micro"),
            ] {
                let got = roc_auc_score_multiclass(&yt, p, mc, &avg);
                match multi.get(&format!("{mc_name}_{avg_name}_{name}")) {
                    Some(want) => exact(got.unwrap(), want),
                    None => assert!(got.is_err(), "ovo has no micro average"),
                }
            }
        }
    }
    // Not probabilities, or a class missing: errors, as scikit-learn's.
    let doubled = &proba * 2.0;
    let err = roc_auc_score_multiclass(&yt, &doubled, MultiClass::Ovr, &Averaging::Macro)
        .unwrap_err()
        .to_string();
    assert!(err.contains("sum to"), "{err}");
    let two: Vec<i64> = yt.iter().map(|&l| l.min(1)).collect();
    let err = roc_auc_score_multiclass(
        &two[..59],
        &proba.slice(ndarray::s![..59, ..]).to_owned(),
        MultiClass::Ovo,
        &Averaging::Macro,
    );
    assert!(err.is_err());
}
