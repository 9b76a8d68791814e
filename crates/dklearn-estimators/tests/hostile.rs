//! Hostile input to the eager estimators: NaN/inf features and huge
//! values. Each case ends in a clear error or in documented behaviour.

use dklearn_estimators::{
    DecisionFunction, ErrorKind, Fit, LogisticRegression, PartialFit, PassiveAggressiveClassifier,
    Perceptron, Predict, SGDClassifier,
};
use dklearn_sparse::CsrMatrix;
use ndarray::array;

fn with_value(v: f64) -> CsrMatrix {
    CsrMatrix::from_dense(&array![[1.0, 0.0], [0.0, 1.0], [v, 1.0], [0.5, 0.5]])
}

const Y4: [i8; 4] = [0, 1, 1, 0];

#[test]
fn nan_and_inf_features_are_clear_errors_and_leave_the_model_alone() {
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let x = with_value(bad);
        let mut sgd = SGDClassifier::<i8>::default();
        sgd.partial_fit(&with_value(1.0), &Y4, Some(&[0, 1]))
            .unwrap();
        let before = (sgd.coef_().cloned(), sgd.t_());
        let e = sgd.partial_fit(&x, &Y4, None).unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::NonFinite(_)), "{bad}: {e}");
        assert!(
            e.to_string().contains("NaN") || e.to_string().contains("inf"),
            "{e}"
        );
        assert_eq!(
            (sgd.coef_().cloned(), sgd.t_()),
            before,
            "state changed by {bad}"
        );
        let e = SGDClassifier::<i8>::default().fit(&x, &Y4).unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::NonFinite(_)), "{bad}: {e}");

        let mut lr = LogisticRegression::<i8>::default();
        let e = lr.fit(&x, &Y4).unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::NonFinite(_)), "{bad}: {e}");
        assert!(
            lr.coef_().is_none(),
            "a failed fit leaves LogisticRegression unfitted"
        );
        // Predicting on non-finite input is refused too, as scikit-learn does.
        lr.fit(&with_value(1.0), &Y4).unwrap();
        for e in [lr.predict(&x).unwrap_err(), sgd.predict(&x).unwrap_err()] {
            assert!(matches!(e.kind(), ErrorKind::NonFinite(_)), "{bad}: {e}");
        }
    }
}

#[test]
fn every_sgd_family_predict_refuses_non_finite_input() {
    // Regression: the SGD family shared a decision function that took NaN
    // rows and returned an arbitrary label.
    let x = with_value(f64::NAN);
    let mut p = Perceptron::<i8>::default();
    p.fit(&with_value(1.0), &Y4).unwrap();
    let e = p.predict(&x).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::NonFinite(_)), "{e}");
    let e = p.decision_function(&x).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::NonFinite(_)), "{e}");
    let mut pa = PassiveAggressiveClassifier::<i8>::default();
    pa.fit(&with_value(1.0), &Y4).unwrap();
    let e = pa.predict(&with_value(f64::INFINITY)).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::NonFinite(_)), "{e}");
    // Finite input still predicts.
    assert_eq!(pa.predict(&with_value(1.0)).unwrap().len(), 4);
}

#[test]
fn huge_finite_features_fit_sgd_like_scikit_learn_and_are_refused_by_liblinear() {
    // A feature of 1e300: SGD fits with finite weights, bit for bit what
    // scikit-learn 1.9.1 gives (`SGDClassifier(random_state=0).partial_fit(X,
    // y, classes=[0, 1])`: coef_ [[9.970089730807576e300,
    // 14.955134596211362]], intercept_ [-3.982063791069246e-07], t_ 5.0).
    let x = with_value(1e300);
    let mut sgd = SGDClassifier::<i8>::default();
    sgd.partial_fit(&x, &Y4, Some(&[0, 1])).unwrap();
    let coef = sgd.coef_().expect("fitted");
    assert_eq!(
        coef.iter().copied().collect::<Vec<_>>(),
        vec![9.970089730807576e300, 14.955134596211362]
    );
    assert_eq!(
        sgd.intercept_().expect("fitted").to_vec(),
        vec![-3.982063791069246e-07]
    );
    assert_eq!(sgd.t_(), Some(5.0));
    // liblinear refuses values over 1e30 up front, as scikit-learn does
    // ("results in a frozen fit"), and stays unfitted.
    let mut lr = LogisticRegression::<i8>::default();
    let e = lr.fit(&x, &Y4).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Other(_)), "{e}");
    assert!(
        e.to_string()
            .contains("X contains a maximum value > 1e30 results in a frozen fit"),
        "{e}"
    );
    assert!(lr.coef_().is_none(), "a refused fit leaves it unfitted");
    // Just below the limit it fits, with finite weights.
    lr.fit(&with_value(1e30), &Y4).unwrap();
    assert!(lr.coef_().unwrap().iter().all(|v| v.is_finite()));
}
