//! LogisticRegression and MultinomialNB: bad input gives clear errors, and
//! properties that must hold for any data.

use dklearn_estimators::{
    DecisionFunction, ErrorKind, Fit, LinearClassifier, LogisticRegression, MultinomialNB,
    PartialFit, Predict, Score,
};
use dklearn_sparse::{CsrBuilder, CsrMatrix};
use ndarray::{array, Array2};
use proptest::prelude::*;

fn small() -> (CsrMatrix, Vec<i32>) {
    let x = CsrMatrix::from_dense(&array![
        [1.0, 0.0, 0.5],
        [0.0, 2.0, 0.0],
        [0.3, 0.0, 1.0],
        [0.0, 1.0, 1.0]
    ]);
    (x, vec![0, 1, 0, 1])
}

#[test]
fn empty_matrix_is_an_error() {
    let mut lr = LogisticRegression::new();
    let e = lr.fit(&CsrMatrix::zeros(0, 3), &[] as &[i32]).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::EmptyInput(_)), "{e}");
    let e = lr.fit(&CsrMatrix::zeros(2, 0), &[0, 1]).unwrap_err();
    assert!(e.to_string().contains("0 feature"), "{e}");
    let mut nb = MultinomialNB::new();
    let e = nb.fit(&CsrMatrix::zeros(0, 3), &[] as &[i32]).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::EmptyInput(_)), "{e}");
}

#[test]
fn single_class_is_an_error_like_sklearn() {
    let (x, _) = small();
    let mut lr = LogisticRegression::new();
    let e = lr.fit(&x, &[4, 4, 4, 4]).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::SingleClass(_)));
    assert!(
        e.to_string()
            .contains("needs samples of at least 2 classes in the data, but the data contains only one class: 4"),
        "{e}"
    );
    assert!(
        lr.coef_().is_none(),
        "a failed fit leaves the estimator unfitted"
    );
}

#[test]
fn mismatched_features_and_lengths_are_errors() {
    let (x, y) = small();
    let mut lr = LogisticRegression::new();
    let e = lr.fit(&x, &y[..3]).unwrap_err();
    assert!(matches!(
        e.kind(),
        ErrorKind::LengthMismatch {
            n_samples: 4,
            n_labels: 3
        }
    ));
    lr.fit(&x, &y).unwrap();
    let wide = CsrMatrix::zeros(2, 5);
    let e = lr.predict(&wide).unwrap_err();
    assert!(
        matches!(
            e.kind(),
            ErrorKind::FeatureMismatch {
                expected: 3,
                found: 5
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("X has 5 features"), "{e}");
    assert!(lr.decision_function(&wide).is_err());
    assert!(lr.predict_proba(&wide).is_err());

    let mut nb = MultinomialNB::new();
    nb.fit(&x, &y).unwrap();
    assert!(matches!(
        nb.predict(&wide).unwrap_err().kind(),
        ErrorKind::FeatureMismatch { .. }
    ));
    assert!(matches!(
        nb.partial_fit(&wide, &[0, 1], None).unwrap_err().kind(),
        ErrorKind::FeatureMismatch { .. }
    ));
}

#[test]
fn nan_and_huge_values_are_errors() {
    let (x, y) = small();
    let mut bad = x.clone();
    bad.data_mut()[2] = f64::NAN;
    let mut lr = LogisticRegression::new();
    let e = lr.fit(&bad, &y).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::NonFinite(_)), "{e}");
    bad.data_mut()[2] = f64::INFINITY;
    assert!(matches!(
        lr.fit(&bad, &y).unwrap_err().kind(),
        ErrorKind::NonFinite(_)
    ));
    bad.data_mut()[2] = 1e31;
    assert!(lr.fit(&bad, &y).unwrap_err().to_string().contains("1e30"));
    lr.fit(&x, &y).unwrap();
    bad.data_mut()[2] = f64::NAN;
    assert!(matches!(
        lr.predict(&bad).unwrap_err().kind(),
        ErrorKind::NonFinite(_)
    ));

    let mut nb = MultinomialNB::new();
    assert!(matches!(
        nb.fit(&bad, &y).unwrap_err().kind(),
        ErrorKind::NonFinite(_)
    ));
    let mut neg = x.clone();
    neg.data_mut()[0] = -1.0;
    let e = nb.fit(&neg, &y).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::NegativeValues(_)));
    assert!(e.to_string().contains("MultinomialNB (input X)"), "{e}");
}

#[test]
fn class_prior_length_is_checked_at_fit() {
    let (x, y) = small();
    let mut nb = MultinomialNB::params()
        .class_prior(vec![0.2, 0.3, 0.5])
        .build()
        .unwrap();
    let e = nb.fit(&x, &y).unwrap_err();
    assert!(e.to_string().contains("priors"), "{e}");
}

#[test]
fn score_and_string_labels() {
    let (x, _) = small();
    let y = ["no", "yes", "no", "yes"];
    let mut lr = LogisticRegression::params().c(100.0).build().unwrap();
    lr.fit(&x, &y).unwrap();
    assert_eq!(lr.classes_().unwrap(), &["no", "yes"]);
    assert_eq!(lr.score(&x, &y).unwrap(), 1.0);
    let mut nb = MultinomialNB::new();
    nb.fit(&x, &y).unwrap();
    assert_eq!(nb.score(&x, &y).unwrap(), 1.0);
}

#[test]
fn averaged_models_predict_from_with_coef() {
    let (x, y) = small();
    let mut a = LogisticRegression::new();
    a.fit(&x, &y).unwrap();
    let coef = a.coef_().unwrap().clone();
    let b = a
        .with_coef(coef.clone(), a.intercept_().unwrap().to_vec(), vec![0, 1])
        .unwrap();
    assert_eq!(
        a.decision_function(&x).unwrap(),
        b.decision_function(&x).unwrap()
    );
    assert_eq!(LinearClassifier::coef_(&b), Some(&coef));
}

/// A random sparse matrix with values in (0, 2], at most `n_cols` columns.
fn sparse(rows: usize, n_cols: usize) -> impl Strategy<Value = CsrMatrix> {
    prop::collection::vec(prop::collection::btree_map(0..n_cols, 1u8..=8, 0..6), rows).prop_map(
        move |rows| {
            let mut b = CsrBuilder::new(n_cols);
            for r in rows {
                let idx: Vec<usize> = r.keys().copied().collect();
                let val: Vec<f64> = r.values().map(|&v| f64::from(v) / 4.0).collect();
                b.push_sorted_row(&idx, &val).unwrap();
            }
            b.finish()
        },
    )
}

fn widen(x: &CsrMatrix, spread: usize) -> CsrMatrix {
    let mut b = CsrBuilder::new(x.n_cols() * spread + 1);
    for (ind, val) in x.rows() {
        let idx: Vec<usize> = ind.iter().map(|&j| j * spread + 1).collect();
        b.push_sorted_row(&idx, val).unwrap();
    }
    b.finish()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Empty columns do not change the fit: the weights of the shared columns
    /// are identical and the others exactly zero (the reason solving on the
    /// active columns is exact).
    #[test]
    fn empty_columns_do_not_change_the_fit(
        x in sparse(12, 6),
        y in prop::collection::vec(0i32..3, 12),
        spread in 2usize..5,
    ) {
        prop_assume!(y.iter().any(|&v| v != y[0]));
        let mut a = LogisticRegression::new();
        a.fit(&x, &y).unwrap();
        let wide = widen(&x, spread);
        let mut b = LogisticRegression::new();
        b.fit(&wide, &y).unwrap();
        let (ca, cb) = (a.coef_().unwrap(), b.coef_().unwrap());
        prop_assert_eq!(a.intercept_(), b.intercept_());
        prop_assert_eq!(a.n_iter_(), b.n_iter_());
        for m in 0..ca.nrows() {
            for j in 0..cb.ncols() {
                let want = if j % spread == 1 && j / spread < ca.ncols() {
                    ca[[m, j / spread]]
                } else {
                    0.0
                };
                prop_assert_eq!(cb[[m, j]], want);
            }
        }
        prop_assert_eq!(a.predict(&x).unwrap(), b.predict(&wide).unwrap());
    }

    /// predict agrees with decision_function and predict_proba, and
    /// probabilities are distributions.
    #[test]
    fn predictions_agree_with_scores(
        x in sparse(15, 5),
        y in prop::collection::vec(0i32..4, 15),
    ) {
        prop_assume!(y.iter().any(|&v| v != y[0]));
        let mut lr = LogisticRegression::params().c(3.0).build().unwrap();
        lr.fit(&x, &y).unwrap();
        let classes = lr.classes_().unwrap().to_vec();
        let dec: Array2<f64> = lr.decision_function(&x).unwrap();
        let proba = lr.predict_proba(&x).unwrap();
        let pred = lr.predict(&x).unwrap();
        for i in 0..x.n_rows() {
            prop_assert!((proba.row(i).sum() - 1.0).abs() < 1e-12);
            let best = if dec.ncols() == 1 {
                usize::from(dec[[i, 0]] > 0.0)
            } else {
                (0..dec.ncols()).fold(0, |b, k| if dec[[i, k]] > dec[[i, b]] { k } else { b })
            };
            prop_assert_eq!(pred[i], classes[best]);
        }
    }

    /// partial_fit over any split of integer counts equals one fit.
    #[test]
    fn nb_partial_fit_over_chunks_equals_fit(
        x in sparse(20, 7),
        y in prop::collection::vec(0i32..3, 20),
        cut in 1usize..19,
    ) {
        let mut counts = x.clone();
        counts.data_mut().iter_mut().for_each(|v| *v = (*v * 4.0).round());
        let mut a = MultinomialNB::new();
        a.fit(&counts, &y).unwrap();
        let mut b = MultinomialNB::new();
        let top = counts.select_rows(&(0..cut).collect::<Vec<_>>()).unwrap();
        let bottom = counts.select_rows(&(cut..20).collect::<Vec<_>>()).unwrap();
        let classes = a.classes_().unwrap().to_vec();
        prop_assume!(classes.len() >= 2);
        b.partial_fit(&top, &y[..cut], Some(&classes)).unwrap();
        b.partial_fit(&bottom, &y[cut..], None).unwrap();
        prop_assert_eq!(a.feature_count_(), b.feature_count_());
        prop_assert_eq!(a.class_count_(), b.class_count_());
        prop_assert_eq!(a.feature_log_prob_(), b.feature_log_prob_());
        prop_assert_eq!(a.predict(&counts).unwrap(), b.predict(&counts).unwrap());
        let p = b.predict_proba(&counts).unwrap();
        for row in p.rows() {
            prop_assert!((row.sum() - 1.0).abs() < 1e-12);
        }
    }
}
