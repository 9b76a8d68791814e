//! Hostile input to the lazy layer: NaN features in a chunk, chunks of one
//! class, empty partitions and documents, and user code that panics on the
//! threaded scheduler. Each case ends in a clear error naming what failed
//! (the graph key), or in documented behaviour with every document
//! accounted for.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use dklearn_estimators::{ErrorKind, LogisticRegression, SGDClassifier};
use dklearn_executor::Threaded;
use dklearn_graph::{tokenize, Bag, Delayed, Scheduler, Sequential};
use dklearn_lazy::{
    score_chunks, train_test_split, Averaged, Chained, FitParams, Matrix, Pipeline,
};
use dklearn_sparse::CsrMatrix;
use dklearn_text::HashingVectorizer;
use ndarray::array;

const Y4: [i8; 4] = [0, 1, 1, 0];

fn with_value(v: f64) -> CsrMatrix {
    CsrMatrix::from_dense(&array![[1.0, 0.0], [0.0, 1.0], [v, 1.0], [0.5, 0.5]])
}

/// Runs `f` on its own thread and fails the test if it takes over a minute:
/// a hang is a failure, not a stuck test run.
fn within_a_minute<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(v) => v,
        Err(e) => panic!("computation did not finish within a minute: {e}"),
    }
}

/// Chunks of features as graph literals, each with a fresh token (so two
/// calls never share keys).
fn chunks(xs: Vec<CsrMatrix>, ys: Vec<Vec<i8>>) -> (Matrix<CsrMatrix>, Matrix<Vec<i8>>) {
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let call = CALLS.fetch_add(1, Ordering::Relaxed);
    let literal = |name: &str, i: usize| tokenize(name, &(call, i as u64));
    let x = xs
        .into_iter()
        .enumerate()
        .map(|(i, m)| Delayed::value_with_token("x", literal("x", i), m))
        .collect();
    let y = ys
        .into_iter()
        .enumerate()
        .map(|(i, v)| Delayed::value_with_token("y", literal("y", i), v))
        .collect();
    (Matrix::from_chunks(x), Matrix::from_chunks(y))
}

#[test]
fn a_nan_chunk_fails_the_lazy_fit_naming_its_task() {
    let (x, y) = chunks(
        vec![with_value(1.0), with_value(f64::NAN), with_value(2.0)],
        vec![Y4.to_vec(), Y4.to_vec(), Y4.to_vec()],
    );
    let chained = Chained::new(SGDClassifier::<i8>::default())
        .fit(&x, &y, &FitParams::new().classes(vec![0, 1]))
        .unwrap();
    for err in [
        chained.compute(&Sequential).unwrap_err(),
        chained.compute(&Threaded::new(2)).unwrap_err(),
    ] {
        let key = err.key().expect("the error names a key").clone();
        assert_eq!(key.name(), "partial_fit", "{err}");
        assert!(err.to_string().contains(key.as_str()), "{err}");
        assert!(err.to_string().contains("NaN"), "{err}");
        // The estimator's own error is the cause, not just its text.
        let cause = estimator_cause(&err);
        assert!(matches!(cause.kind(), ErrorKind::NonFinite(_)), "{cause}");
    }
    let averaged = Averaged::new(LogisticRegression::<i8>::default())
        .fit(&x, &y)
        .unwrap();
    let err = averaged.compute(&Threaded::new(2)).unwrap_err();
    assert_eq!(
        err.key().map(|k| k.name()),
        Some("fit-logisticregression"),
        "{err}"
    );
    assert!(err.to_string().contains("NaN"), "{err}");
    let cause = estimator_cause(&err);
    assert!(matches!(cause.kind(), ErrorKind::NonFinite(_)), "{cause}");
}

/// The estimator error behind a failed task, through `source()`.
fn estimator_cause(err: &dklearn_graph::Error) -> &dklearn_estimators::Error {
    std::error::Error::source(err)
        .and_then(|s| s.downcast_ref::<dklearn_estimators::Error>())
        .unwrap_or_else(|| panic!("no estimator error behind {err}"))
}

#[test]
fn one_class_chunks_in_chained_and_averaged() {
    let x = || with_value(1.0);
    let (xs, ys) = chunks(
        vec![x(), x(), x()],
        vec![vec![1; 4], vec![0; 4], vec![1, 0, 1, 0]],
    );
    // Chained with classes up front: single-class chunks are fine, and every
    // sample counts (t_ = 1 + samples seen).
    let m = Chained::new(SGDClassifier::<i8>::default())
        .fit(&xs, &ys, &FitParams::new().classes(vec![0, 1]))
        .unwrap()
        .compute(&Sequential)
        .unwrap();
    assert_eq!(m.t_(), Some(13.0));
    // Averaged skips the single-class chunks and says which.
    let avg = Averaged::new(LogisticRegression::<i8>::default())
        .fit(&xs, &ys)
        .unwrap()
        .compute(&Sequential)
        .unwrap();
    assert_eq!((avg.n_fitted(), avg.skipped()), (1, &[0usize, 1][..]));

    // Every chunk of one class, the same class: Chained finds only one class
    // and says so; Averaged has nothing to average.
    let (xs, ys) = chunks(vec![x(), x()], vec![vec![1; 4], vec![1; 4]]);
    let err = Chained::new(SGDClassifier::<i8>::default())
        .fit(&xs, &ys, &FitParams::new())
        .unwrap()
        .compute(&Threaded::new(2))
        .unwrap_err();
    assert!(err.key().is_some(), "{err}");
    assert!(err.to_string().contains("class"), "{err}");
    let cause = estimator_cause(&err);
    assert!(matches!(cause.kind(), ErrorKind::SingleClass(_)), "{cause}");
    let err = Averaged::new(LogisticRegression::<i8>::default())
        .fit(&xs, &ys)
        .unwrap()
        .compute(&Threaded::new(2))
        .unwrap_err();
    assert_eq!(err.key().map(|k| k.name()), Some("average"), "{err}");
    assert!(
        err.to_string().contains("no chunk had two classes"),
        "{err}"
    );
}

/// Documents with empty partitions (a filter empties some), empty strings
/// and text without any token.
fn hostile_docs() -> Bag<String> {
    let docs: Vec<String> = (0..60)
        .map(|i| match i % 6 {
            0 => String::new(),
            1 => "a b c !!! ...".to_string(), // no token of 2+ word chars
            2 => format!("shares of company {i} rose after the takeover bid"),
            3 => format!("acquisition acquisition merger {i}"),
            4 => "\u{0}\u{7f}\u{feff} \t\n".to_string(),
            _ => format!("oil prices fell {i} percent"),
        })
        .collect();
    // Partition 2 of 6 (items 20..30) is dropped entirely.
    Bag::from_sequence(docs.into_iter().enumerate().collect(), 6)
        .filter("drop-a-partition", |(i, _)| !(20..30).contains(i))
        .map("text", |(_, d)| d.clone())
}

#[test]
fn empty_partitions_flow_through_split_and_pipelines() {
    let x = hostile_docs();
    let y = Matrix::from_bag(&x.map("label", |d: &String| i8::from(d.contains("acqui"))));
    let n_in = x.compute(&Sequential).unwrap().len();
    assert_eq!(n_in, 50);
    let s = train_test_split(&x, &y, 0.2, 11).unwrap();
    let count = |b: &Bag<String>| b.compute(&Sequential).unwrap().len();
    let (n_train, n_test) = (count(&s.x_train), count(&s.x_test));
    assert_eq!(n_train + n_test, n_in, "documents in == documents out");
    for (xb, yb) in [(&s.x_train, &s.y_train), (&s.x_test, &s.y_test)] {
        let xs = xb.to_delayed();
        assert_eq!(xs.len(), 6, "partitions are kept, even empty ones");
        for (xp, yp) in xs.iter().zip(yb.chunks()) {
            let (a, b) = (
                xp.compute(&Sequential).unwrap(),
                yp.compute(&Sequential).unwrap(),
            );
            assert_eq!(a.len(), b.len());
        }
        assert!(xs[2].compute(&Sequential).unwrap().is_empty());
    }

    let vect = HashingVectorizer::params()
        .n_features(1 << 10)
        .alternate_sign(false)
        .build()
        .unwrap();
    let p1 = Pipeline::new(
        ("vect", vect.clone()),
        ("sgd", Chained::new(SGDClassifier::<i8>::default())),
    );
    let p2 = Pipeline::new(
        ("vect", vect),
        ("lr", Averaged::new(LogisticRegression::<i8>::default())),
    );
    let f1 = p1
        .fit(&s.x_train, &s.y_train, FitParams::new().classes(vec![0, 1]))
        .unwrap();
    let f2 = p2.fit(&s.x_train, &s.y_train, FitParams::new()).unwrap();
    let (s1, s2) = (
        f1.score(&s.x_test, &s.y_test).unwrap(),
        f2.score(&s.x_test, &s.y_test).unwrap(),
    );
    let (a1, a2) = within_a_minute(move || {
        let t = Threaded::new(2);
        (s1.compute(&t).unwrap(), s2.compute(&t).unwrap())
    });
    assert!(
        (0.0..=1.0).contains(&a1) && (0.0..=1.0).contains(&a2),
        "{a1} {a2}"
    );
    let m1 = f1.model().compute(&Sequential).unwrap();
    assert_eq!(
        m1.t_(),
        Some(1.0 + n_train as f64),
        "every training document seen once"
    );
    let m2 = f2.model().compute(&Sequential).unwrap();
    assert_eq!(m2.n_fitted() + m2.skipped().len(), 6);
    assert!(m2.skipped().contains(&2), "the empty partition is skipped");
    let predicted: usize = f1
        .predict::<String, i8>(&s.x_test)
        .chunks()
        .iter()
        .map(|c| c.compute(&Sequential).unwrap().len())
        .sum();
    assert_eq!(predicted, n_test, "one prediction per test document");
}

#[test]
fn zero_documents_fit_to_an_untouched_model_and_score_is_an_error() {
    // Every partition emptied: Chained skips empty chunks, so the model stays
    // unfitted, and scoring it fails in `predict` with scikit-learn's
    // "not fitted" message (never a NaN score).
    let x: Bag<String> =
        Bag::from_sequence(vec![String::new(); 3], 3).filter("none", |_: &String| false);
    let y = Matrix::from_bag(&x.map("label", |_: &String| 0i8));
    let p = Pipeline::new(
        (
            "vect",
            HashingVectorizer::params().n_features(1).build().unwrap(),
        ),
        ("sgd", Chained::new(SGDClassifier::<i8>::default())),
    );
    let fit = p.fit(&x, &y, FitParams::new().classes(vec![0, 1])).unwrap();
    let model = fit.model().compute(&Threaded::new(2)).unwrap();
    assert!(model.coef_().is_none(), "no document, no fit");
    let err = fit
        .score(&x, &y)
        .unwrap()
        .compute(&Threaded::new(2))
        .unwrap_err();
    assert_eq!(err.key().map(|k| k.name()), Some("predict"), "{err}");
    assert!(err.to_string().contains("not fitted"), "{err}");
    // Fitted on real chunks, but nothing to test: score says so.
    let (xt, yt) = chunks(vec![with_value(1.0)], vec![Y4.to_vec()]);
    let model = Chained::new(SGDClassifier::<i8>::default())
        .fit(&xt, &yt, &FitParams::new())
        .unwrap();
    let empty = chunks(vec![CsrMatrix::zeros(0, 2)], vec![vec![]]);
    let err = score_chunks(&model, &empty.0, &empty.1)
        .unwrap()
        .compute(&Threaded::new(2))
        .unwrap_err();
    assert_eq!(err.key().map(|k| k.name()), Some("score"), "{err}");
    assert!(err.to_string().contains("no test samples"), "{err}");
}

#[test]
fn a_panicking_map_on_threads_names_its_key_and_does_not_hang() {
    let docs: Vec<String> = (0..200).map(|i| format!("document number {i}")).collect();
    let bag = Bag::from_sequence(docs, 8).map("explode-on-137", |d: &String| {
        if d.ends_with(" 137") {
            panic!("user code failed on {d:?}");
        }
        d.len()
    });
    let keys = bag.keys().to_vec();
    for workers in [1, 2, 4] {
        let b = bag.clone();
        let err = within_a_minute(move || b.compute(&Threaded::new(workers)).unwrap_err());
        let key = err.key().expect("the error names the key").clone();
        // 200 items in 8 partitions of 25: item 137 is in partition 5.
        assert_eq!(key, keys[5], "workers={workers}: {err}");
        let text = err.to_string();
        assert!(text.contains(key.as_str()), "{text}");
        assert!(
            text.contains("user code failed on \"document number 137\""),
            "{text}"
        );
    }
    // The scheduler is reusable after a panic.
    let ok = bag.map("len", |n: &usize| *n).to_delayed()[0]
        .compute(&Threaded::new(2))
        .unwrap();
    assert_eq!(ok.len(), 25);
    // And so is Sequential, with the same answer.
    let err = bag.compute(&Sequential).unwrap_err();
    assert_eq!(err.key(), Some(&keys[5]));
    let _ = Threaded::new(2).get(bag.graph(), &keys[..1], &[]).unwrap();
}
