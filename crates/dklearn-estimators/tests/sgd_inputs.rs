//! Bad input gives clear errors, and invariants of the SGD family hold for any data.

use dklearn_estimators::{
    DecisionFunction, ErrorKind, Fit, PartialFit, PassiveAggressiveClassifier, Perceptron, Predict,
    SGDClassifier,
};
use dklearn_sparse::CsrMatrix;
use ndarray::{array, Array2};
use proptest::prelude::*;

fn x4() -> CsrMatrix {
    CsrMatrix::from_dense(&array![
        [1.0, 0.0, 0.5],
        [0.0, 1.0, 0.0],
        [0.8, 0.1, 0.0],
        [0.0, 0.9, 0.3]
    ])
}

#[test]
fn empty_matrix_is_an_error() {
    let mut c = SGDClassifier::<i32>::default();
    let e = c
        .partial_fit(&CsrMatrix::zeros(0, 3), &[], Some(&[0, 1]))
        .unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::EmptyInput(_)), "{e}");
    let e = c.fit(&CsrMatrix::zeros(0, 3), &[]).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::EmptyInput(_)), "{e}");
    assert!(e.to_string().contains("SGDClassifier.fit"), "{e}");
}

#[test]
fn mismatched_features_between_calls_is_an_error() {
    let mut c = SGDClassifier::default();
    c.partial_fit(&x4(), &[1, 0, 1, 0], Some(&[0, 1])).unwrap();
    let x2 = CsrMatrix::from_dense(&array![[1.0, 0.0], [0.0, 1.0]]);
    let e = c.partial_fit(&x2, &[1, 0], None).unwrap_err();
    assert_eq!(
        e.kind(),
        &ErrorKind::FeatureMismatch {
            expected: 3,
            found: 2
        }
    );
    assert!(e.to_string().contains("expecting 3 features"), "{e}");
    assert!(c.predict(&x2).is_err());
    // The fitted state is untouched by the failed call.
    assert_eq!(c.t_(), Some(5.0));
}

#[test]
fn single_class_without_classes_is_an_error() {
    let mut c = Perceptron::default();
    let e = c.partial_fit(&x4(), &[1, 1, 1, 1], None).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Classes(_)), "{e}");
    let e = c.fit(&x4(), &[1, 1, 1, 1]).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::SingleClass(_)), "{e}");
    // With classes given up front a chunk may hold a single class.
    c.partial_fit(&x4(), &[1, 1, 1, 1], Some(&[0, 1])).unwrap();
    // A label outside classes is an error.
    let e = c.partial_fit(&x4(), &[1, 2, 1, 1], None).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::UnknownLabel(_)), "{e}");
    let e = c
        .partial_fit(&x4(), &[1, 0, 1, 1], Some(&[0, 1, 2]))
        .unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Classes(_)), "{e}");
}

#[test]
fn nan_in_data_is_an_error() {
    let x = CsrMatrix::from_dense(&array![[1.0, f64::NAN], [0.0, 1.0]]);
    let mut c = PassiveAggressiveClassifier::default();
    let e = c.partial_fit(&x, &[0, 1], Some(&[0, 1])).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::NonFinite(_)), "{e}");
    let x = CsrMatrix::from_dense(&array![[1.0, f64::INFINITY], [0.0, 1.0]]);
    assert!(c.fit(&x, &[0, 1]).is_err());
}

#[test]
fn length_mismatch_and_unfitted_are_errors() {
    let mut c = SGDClassifier::default();
    let e = c.fit(&x4(), &[0, 1]).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::LengthMismatch { .. }), "{e}");
    let e = c.predict(&x4()).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::NotFitted(_)), "{e}");
    assert!(c.decision_function(&x4()).is_err());
}

#[test]
fn labels_of_any_ord_type() {
    let mut c = SGDClassifier::params().shuffle(false).build().unwrap();
    let y = [
        "spam".to_string(),
        "ham".into(),
        "spam".into(),
        "ham".into(),
    ];
    c.fit(&x4(), &y).unwrap();
    assert_eq!(c.classes_().unwrap(), &["ham".to_string(), "spam".into()]);
    assert_eq!(c.predict(&x4()).unwrap(), y.to_vec());
}

fn matrix(rows: &[Vec<f64>], n_cols: usize) -> CsrMatrix {
    let dense = Array2::from_shape_fn((rows.len(), n_cols), |(i, j)| rows[i][j]);
    CsrMatrix::from_dense(&dense)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// partial_fit on one chunk equals partial_fit on its halves in turn
    /// (with shuffle off): t_ continues across calls and nothing else is reset.
    #[test]
    fn chunked_partial_fit_equals_one_pass(
        rows in prop::collection::vec(prop::collection::vec(-2.0f64..2.0, 6), 4..30),
        labels in prop::collection::vec(0u8..3, 30),
        split in 1usize..29,
    ) {
        let n = rows.len();
        let split = split.min(n - 1);
        let x = matrix(&rows, 6);
        let y = &labels[..n];
        let classes = [0u8, 1, 2];
        let mut whole = SGDClassifier::params().shuffle(false).build().unwrap();
        whole.partial_fit(&x, y, Some(&classes)).unwrap();
        let mut parts = SGDClassifier::params().shuffle(false).build().unwrap();
        let a: Vec<usize> = (0..split).collect();
        let b: Vec<usize> = (split..n).collect();
        parts.partial_fit(&x.select_rows(&a).unwrap(), &y[..split], Some(&classes)).unwrap();
        parts.partial_fit(&x.select_rows(&b).unwrap(), &y[split..], None).unwrap();
        prop_assert_eq!(whole.t_(), parts.t_());
        prop_assert_eq!(whole.t_(), Some(1.0 + n as f64));
        let (cw, cp) = (whole.coef_().unwrap(), parts.coef_().unwrap());
        for (u, v) in cw.iter().zip(cp.iter()) {
            prop_assert!((u - v).abs() <= 1e-12 * (1.0 + u.abs()), "{} vs {}", u, v);
        }
    }

    /// Relabelling with an order-preserving map changes nothing but the labels,
    /// and predictions always come from classes_.
    #[test]
    fn labels_only_name_the_classes(
        rows in prop::collection::vec(prop::collection::vec(-2.0f64..2.0, 5), 4..25),
        labels in prop::collection::vec(0i32..2, 25),
    ) {
        let n = rows.len();
        let x = matrix(&rows, 5);
        let y = &labels[..n];
        let y2: Vec<String> = y.iter().map(|&l| format!("class{l}")).collect();
        let mut a = Perceptron::params().shuffle(false).build().unwrap();
        let mut b = Perceptron::params().shuffle(false).build().unwrap();
        a.partial_fit(&x, y, Some(&[0, 1])).unwrap();
        b.partial_fit(&x, &y2, Some(&["class0".to_string(), "class1".into()])).unwrap();
        prop_assert_eq!(a.coef_(), b.coef_());
        prop_assert_eq!(a.intercept_(), b.intercept_());
        let pa = a.predict(&x).unwrap();
        let pb = b.predict(&x).unwrap();
        for (u, v) in pa.iter().zip(&pb) {
            prop_assert_eq!(format!("class{u}"), v.clone());
        }
    }
}
