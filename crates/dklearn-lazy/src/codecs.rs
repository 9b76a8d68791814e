//! Every value type the library's tasks produce, registered for spilling
//! and sending.

use std::sync::{Arc, Once};

use dklearn_codec::Encode;
use dklearn_estimators::{
    LabelEncoder, LogisticRegression, MultinomialNB, PassiveAggressiveClassifier, Perceptron,
    SGDClassifier,
};
use dklearn_graph::Codecs;
use dklearn_sparse::CsrMatrix;
use dklearn_text::ReutersDocument;
use ndarray::{Array1, Array2};

use crate::AveragedFit;

/// A registry of every value type the library's tasks produce:
/// [`Codecs::std`] plus CSR matrices, dense arrays, Reuters documents,
/// texts, masks, label vectors, every estimator's fitted state (alone, as
/// `Option` and inside [`AveragedFit`]), label encoders, the chunk fits
/// and running sums of [`Averaged`](crate::Averaged) and scores, for labels
/// `bool`, `i8`, `i32`, `i64`, `u8`, `u32`, `String` and `Arc<str>`.
///
/// [`install_codecs`] puts these in [`Codecs::global`], the schedulers'
/// default; the lazy layer calls it the first time it builds a [`Matrix`](crate::Matrix).
pub fn codecs() -> Codecs {
    let mut c = Codecs::std();
    c.register::<CsrMatrix>()
        .register::<Vec<CsrMatrix>>()
        .register::<ReutersDocument>()
        .register::<Vec<ReutersDocument>>()
        .register::<Arc<Vec<bool>>>()
        .register::<Array1<f64>>()
        .register::<Array2<f64>>()
        .register::<Vec<Vec<String>>>()
        .register::<Vec<Vec<Arc<str>>>>();
    labels::<bool>(&mut c);
    labels::<i8>(&mut c);
    labels::<i32>(&mut c);
    labels::<i64>(&mut c);
    labels::<u8>(&mut c);
    labels::<u32>(&mut c);
    labels::<String>(&mut c);
    labels::<Arc<str>>(&mut c);
    c
}

fn labels<L: Encode + Send + Sync + 'static>(c: &mut Codecs) {
    c.register::<Vec<L>>()
        .register::<Arc<Vec<L>>>()
        .register::<LabelEncoder<L>>();
    estimator::<SGDClassifier<L>>(c);
    estimator::<Perceptron<L>>(c);
    estimator::<PassiveAggressiveClassifier<L>>(c);
    estimator::<LogisticRegression<L>>(c);
    estimator::<MultinomialNB<L>>(c);
    crate::averaged::register_sum::<L>(c);
}

fn estimator<E: Encode + Send + Sync + 'static>(c: &mut Codecs) {
    c.register::<E>()
        .register::<Option<E>>()
        .register::<AveragedFit<E>>();
}

/// Adds [`codecs`] to [`Codecs::global`] (once per process; cheap after).
pub fn install_codecs() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        Codecs::install_global(|g| {
            g.extend(&codecs());
        })
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use dklearn_estimators::Fit;
    use dklearn_graph::Value;

    fn round_trip<T: Encode + PartialEq + std::fmt::Debug + Send + Sync + 'static>(v: T) {
        let c = codecs();
        let v: Value = Arc::new(v);
        let bytes = c.encode(&v).expect("registered");
        let frame = dklearn_codec::parse_frame(&bytes).unwrap();
        let t = v.downcast_ref::<T>().unwrap();
        assert_eq!(frame.body.len(), t.encoded_len());
        assert_eq!(frame.tag, T::type_tag());
        assert!(c.size_of(&v).unwrap_or(0) >= t.encoded_len() / 2);
        let back = c.decode(&bytes).unwrap();
        assert_eq!(back.downcast_ref::<T>(), v.downcast_ref::<T>());
    }

    #[test]
    fn fitted_estimators_round_trip_bit_for_bit() {
        let x = CsrMatrix::from_dense(&ndarray::array![
            [1.0, 0.0, 2.0],
            [0.0, 1.0, 0.5],
            [3.0, 0.0, 0.0],
            [0.0, 2.0, 1.0]
        ]);
        let y = vec![1i8, 0, 1, 0];
        let mut sgd = SGDClassifier::<i8>::params().build().unwrap();
        sgd.fit(&x, &y).unwrap();
        round_trip(sgd.clone());
        let mut avg = SGDClassifier::<i8>::params()
            .average(dklearn_estimators::Average::From(2))
            .build()
            .unwrap();
        avg.fit(&x, &y).unwrap();
        round_trip(avg);
        let mut p = Perceptron::<i8>::params().build().unwrap();
        p.fit(&x, &y).unwrap();
        round_trip(p);
        let mut pa = PassiveAggressiveClassifier::<i8>::params().build().unwrap();
        pa.fit(&x, &y).unwrap();
        round_trip(pa);
        let mut lr = LogisticRegression::<i8>::params().build().unwrap();
        lr.fit(&x, &y).unwrap();
        round_trip(lr.clone());
        round_trip(Some(lr));
        let ys: Vec<String> = ["a", "b", "a", "c"].iter().map(|s| s.to_string()).collect();
        let mut nb = MultinomialNB::<String>::params().build().unwrap();
        nb.fit(&x, &ys).unwrap();
        round_trip(nb);
        round_trip(SGDClassifier::<bool>::params().build().unwrap());
        round_trip(ReutersDocument {
            newid: 7,
            title: "T".into(),
            labels: vec!["acq".into()],
            ..Default::default()
        });
    }
}
