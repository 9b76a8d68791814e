//! One vocabulary, one spelling: every estimator is built as
//! `Estimator::<L>::params()...build()` into an `<Estimator>Params<L>` builder
//! and exposes scikit-learn's fitted names (`coef_`, `intercept_`,
//! `classes_`, `n_features_in_`).

use dklearn_estimators::{
    Fit, LinearClassifier, LogisticRegression, LogisticRegressionParams, MultinomialNB,
    MultinomialNBParams, PassiveAggressiveClassifier, PassiveAggressiveClassifierParams,
    Perceptron, PerceptronParams, SGDClassifier, SGDClassifierParams,
};
use dklearn_sparse::CsrMatrix;
use ndarray::array;

fn data() -> (CsrMatrix, [i8; 4]) {
    let x = CsrMatrix::from_dense(&array![[1.0, 0.0], [0.9, 0.2], [0.0, 1.0], [0.1, 1.2]]);
    (x, [0, 0, 1, 1])
}

fn check_linear<E: Fit<i8> + LinearClassifier<i8>>(mut e: E) {
    let (x, y) = data();
    assert!(e.coef_().is_none() && e.intercept_().is_none() && e.classes_().is_none());
    e.fit(&x, &y).unwrap();
    assert_eq!(e.coef_().unwrap().dim(), (1, 2));
    assert_eq!(e.intercept_().unwrap().len(), 1);
    assert_eq!(e.classes_().unwrap(), &[0, 1]);
}

#[test]
fn every_builder_takes_the_label_type_the_same_way() {
    let sgd: SGDClassifierParams<i8> = SGDClassifier::<i8>::params();
    let per: PerceptronParams<i8> = Perceptron::<i8>::params();
    let pa: PassiveAggressiveClassifierParams<i8> = PassiveAggressiveClassifier::<i8>::params();
    let lr: LogisticRegressionParams<i8> = LogisticRegression::<i8>::params();
    let nb: MultinomialNBParams<i8> = MultinomialNB::<i8>::params();
    check_linear(sgd.random_state(Some(0)).build().unwrap());
    check_linear(per.build().unwrap());
    check_linear(pa.random_state(Some(0)).build().unwrap());
    let lr = lr.c(2.0).build().unwrap();
    assert_eq!(lr.get_params(), LogisticRegression::<i8>::params().c(2.0));
    check_linear(lr);
    let mut nb = nb.alpha(0.5).build().unwrap();
    let (x, y) = data();
    nb.fit(&x, &y).unwrap();
    assert_eq!(nb.classes_().unwrap(), &[0, 1]);
    assert_eq!(nb.n_features_in_(), Some(2));
    assert_eq!(nb.class_count_().unwrap(), &[2.0, 2.0]);
}

#[test]
fn the_label_type_is_inferred_from_use_without_a_turbofish() {
    let (x, y) = data();
    let mut lr = LogisticRegression::params().build().unwrap();
    lr.fit(&x, &y).unwrap();
    assert_eq!(lr.n_features_in_(), Some(2));
    assert_eq!(lr.n_iter_().map(<[usize]>::len), Some(1));
}
