//! Keys that cannot silently collide: estimators that print alike but are
//! different types are different work, even merged into one graph.

use dklearn_estimators::{LogisticRegression, SGDClassifier};
use dklearn_graph::{Compute, Delayed, Sequential};
use dklearn_lazy::{Averaged, Chained, FitParams, Matrix};
use dklearn_sparse::CsrMatrix;
use ndarray::array;

fn x() -> Matrix<CsrMatrix> {
    let c = |i: u64, v: f64| {
        Delayed::value_with_token(
            "x",
            dklearn_graph::tokenize("x", &i),
            CsrMatrix::from_dense(&array![[v, 0.0], [0.0, 1.0], [1.0, 0.1], [0.1, 1.0]]),
        )
    };
    Matrix::from_chunks(vec![c(0, 1.0), c(1, 0.9)])
}

fn y<L: dklearn_graph::Data + Clone + dklearn_graph::Tokenize>(labels: [L; 4]) -> Matrix<Vec<L>> {
    let c = |i: u64| {
        let token = dklearn_graph::tokenize("y", &(i, std::any::type_name::<L>()));
        Delayed::value_with_token("y", token, labels.to_vec())
    };
    Matrix::from_chunks(vec![c(0), c(1)])
}

#[test]
fn chained_sgd_of_i8_and_i64_labels_are_two_models_in_one_graph() {
    let sgd8 = SGDClassifier::<i8>::params()
        .random_state(Some(0))
        .build()
        .unwrap();
    let sgd64 = SGDClassifier::<i64>::params()
        .random_state(Some(0))
        .build()
        .unwrap();
    assert_eq!(format!("{sgd8:?}"), format!("{sgd64:?}"), "same repr");
    let f8 = Chained::new(sgd8)
        .fit(
            &x(),
            &y([0i8, 1, 0, 1]),
            &FitParams::new().classes(vec![0, 1]),
        )
        .unwrap();
    let f64_ = Chained::new(sgd64)
        .fit(
            &x(),
            &y([0i64, 1, 0, 1]),
            &FitParams::new().classes(vec![0, 1]),
        )
        .unwrap();
    assert_ne!(f8.key(), f64_.key());
    let (m8, m64) = (&f8, &f64_).compute(&Sequential).unwrap();
    assert_eq!(m8.classes_().unwrap(), &[0, 1]);
    assert_eq!(m64.classes_().unwrap(), &[0i64, 1]);
}

#[test]
fn averaged_lr_of_two_label_types_are_two_models_in_one_graph() {
    let a = Averaged::new(LogisticRegression::<i8>::default())
        .fit(&x(), &y([0i8, 1, 0, 1]))
        .unwrap();
    let b = Averaged::new(LogisticRegression::<i64>::default())
        .fit(&x(), &y([7i64, 9, 7, 9]))
        .unwrap();
    assert_ne!(a.key(), b.key());
    let (ma, mb) = (&a, &b).compute(&Sequential).unwrap();
    assert_eq!(ma.model().classes_().unwrap(), &[0, 1]);
    assert_eq!(mb.model().classes_().unwrap(), &[7, 9]);
}
