//! Lazy `predict_proba` of a fitted pipeline equals the eager
//! `predict_proba` of its computed model, chunk by chunk, bit for bit.

use dklearn_estimators::{LogisticRegression, Loss, PredictProba, SGDClassifier};
use dklearn_graph::{Bag, Sequential};
use dklearn_lazy::{Averaged, Chained, FitParams, Matrix, Pipeline};
use dklearn_text::HashingVectorizer;

fn texts() -> Vec<String> {
    (0..90)
        .map(|i| match i % 3 {
            0 => format!("wheat grain harvest {i}"),
            1 => format!("crude oil barrel {}", i * 7),
            _ => format!("profit shares dividend quarter {}", i % 11),
        })
        .collect()
}

fn check<M: PredictProba + Clone + Send + Sync + 'static>(
    fit: &dklearn_lazy::FittedPipeline<HashingVectorizer, M>,
    vect: &HashingVectorizer,
    x: &Bag<String>,
    docs: &[String],
) {
    let model = fit.model().compute(&Sequential).unwrap();
    let chunks = fit.predict_proba(x);
    let mut row = 0;
    for c in chunks.chunks() {
        let got = c.compute(&Sequential).unwrap();
        let n = got.nrows();
        let want = model
            .predict_proba(&vect.transform(&docs[row..row + n]))
            .unwrap();
        assert_eq!(got.dim(), want.dim());
        assert!(got
            .iter()
            .zip(&want)
            .all(|(a, b)| a.to_bits() == b.to_bits()));
        row += n;
    }
    assert_eq!(row, docs.len());
}

#[test]
fn lazy_proba_equals_eager_for_sgd_and_lr() {
    let docs = texts();
    let x = Bag::from_sequence(docs.clone(), 3);
    let y3 = Matrix::from_bag(&x.map("y3", |d: &String| {
        i64::from(d.starts_with("crude")) + 2 * i64::from(d.starts_with("profit"))
    }));
    let y2 = Matrix::from_bag(&x.map("y2", |d: &String| d.starts_with("wheat")));
    let vect = HashingVectorizer::params()
        .n_features(1 << 10)
        .build()
        .unwrap();
    for loss in [Loss::LogLoss, Loss::ModifiedHuber] {
        let sgd = SGDClassifier::params()
            .loss(loss)
            .random_state(Some(0))
            .build()
            .unwrap();
        let p = Pipeline::new(("vect", vect.clone()), ("sgd", Chained::new(sgd)));
        let fit = p
            .fit(&x, &y3, FitParams::new().classes(vec![0i64, 1, 2]))
            .unwrap();
        check(&fit, &vect, &x, &docs);
    }
    let lr = LogisticRegression::<bool>::params().build().unwrap();
    let p = Pipeline::new(("vect", vect.clone()), ("lr", Averaged::new(lr)));
    let fit = p.fit(&x, &y2, FitParams::new()).unwrap();
    check(&fit, &vect, &x, &docs);
    // A loss without probabilities fails its tasks with the reason.
    let sgd = SGDClassifier::params()
        .random_state(Some(0))
        .build()
        .unwrap();
    let p = Pipeline::new(("vect", vect.clone()), ("sgd", Chained::new(sgd)));
    let fit = p
        .fit(&x, &y3, FitParams::new().classes(vec![0i64, 1, 2]))
        .unwrap();
    let e = fit.predict_proba(&x).chunks()[0]
        .compute(&Sequential)
        .unwrap_err()
        .to_string();
    assert!(e.contains("log_loss"), "{e}");
}
