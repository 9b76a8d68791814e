//! The lazy layer on small estimators written here: split, Chained,
//! Averaged, Pipeline and shared intermediates.

use dklearn_estimators::{Error, Fit, LinearClassifier, PartialFit, Predict, ResponseMethods};
use dklearn_graph::TaskError;
use dklearn_graph::{Bag, Callback, Compute, Graph, Key, Sequential};
use dklearn_lazy::{
    train_test_split, Averaged, Chained, ChunkTransformer, FitParams, Matrix, Pipeline,
};
use dklearn_sparse::{CsrBuilder, CsrMatrix};
use ndarray::Array2;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// One feature: the text's length; counts how often it runs.
#[derive(Clone)]
struct LenVec(Arc<AtomicUsize>);
impl std::fmt::Debug for LenVec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LenVec()")
    }
}
impl ChunkTransformer<String> for LenVec {
    fn transform_chunk(&self, docs: &[String]) -> Result<CsrMatrix, TaskError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        let mut b = CsrBuilder::new(2);
        for d in docs {
            b.push_row(&[0, 1], &[d.len() as f64, 1.0])
                .map_err(|e| TaskError::new(e.to_string()))?;
        }
        Ok(b.finish())
    }
}

/// Remembers the sizes of the chunks it was given, in order; predicts "long"
/// (true) for texts longer than the mean length seen.
#[derive(Clone, Debug, Default)]
struct Trace {
    sizes: Vec<usize>,
    sum: f64,
    n: f64,
}
impl PartialFit<bool> for Trace {
    fn partial_fit(
        &mut self,
        x: &CsrMatrix,
        _y: &[bool],
        classes: Option<&[bool]>,
    ) -> Result<(), Error> {
        assert_eq!(classes, Some(&[false, true][..]));
        self.sizes.push(x.n_rows());
        for (_, v) in x.rows() {
            self.sum += v[0];
            self.n += 1.0;
        }
        Ok(())
    }
}
/// Labels only (no decision_function, no predict_proba).
impl ResponseMethods<bool> for Trace {}
impl Predict<bool> for Trace {
    fn predict(&self, x: &CsrMatrix) -> Result<Vec<bool>, Error> {
        Ok(x.rows().map(|(_, v)| v[0] > self.sum / self.n).collect())
    }
}

/// A linear model whose fit sets coef = [mean length of positives - mean of negatives, 0].
#[derive(Clone, Debug, Default)]
struct Lin {
    coef: Option<Array2<f64>>,
    intercept: Option<Vec<f64>>,
    classes: Option<Vec<bool>>,
}
impl Fit<bool> for Lin {
    fn fit(&mut self, x: &CsrMatrix, y: &[bool]) -> Result<(), Error> {
        let (mut p, mut np, mut n, mut nn) = (0.0, 0.0, 0.0, 0.0);
        for ((_, v), &t) in x.rows().zip(y) {
            if t {
                p += v[0];
                np += 1.0
            } else {
                n += v[0];
                nn += 1.0
            }
        }
        let m = p / np - n / nn;
        self.coef = Some(Array2::from_shape_vec((1, 2), vec![m, 0.0]).unwrap());
        self.intercept = Some(vec![-m * (p / np + n / nn) / 2.0]);
        self.classes = Some(vec![false, true]);
        Ok(())
    }
}
impl Predict<bool> for Lin {
    fn predict(&self, x: &CsrMatrix) -> Result<Vec<bool>, Error> {
        let c = self.coef.as_ref().unwrap();
        let b = self.intercept.as_ref().unwrap()[0];
        Ok(x.rows().map(|(_, v)| v[0] * c[[0, 0]] + b > 0.0).collect())
    }
}
impl ResponseMethods<bool> for Lin {}
impl LinearClassifier<bool> for Lin {
    fn coef_(&self) -> Option<&Array2<f64>> {
        self.coef.as_ref()
    }
    fn intercept_(&self) -> Option<&[f64]> {
        self.intercept.as_deref()
    }
    fn classes_(&self) -> Option<&[bool]> {
        self.classes.as_deref()
    }
    fn with_coef(
        &self,
        coef: Array2<f64>,
        intercept: Vec<f64>,
        classes: Vec<bool>,
    ) -> Result<Self, Error> {
        Ok(Lin {
            coef: Some(coef),
            intercept: Some(intercept),
            classes: Some(classes),
        })
    }
}

fn corpus(n: usize) -> Vec<String> {
    (0..n).map(|i| "x".repeat(1 + (i * 7919) % 40)).collect()
}

fn data(n: usize, parts: usize) -> (Bag<String>, Matrix<Vec<bool>>) {
    let docs = corpus(n);
    let bag = Bag::from_sequence(docs, parts);
    let y = Matrix::from_bag(&bag.map("long", |d: &String| d.len() > 20));
    (bag, y)
}

#[test]
fn split_draws_numpys_numbers_per_partition() {
    let (x, y) = data(40, 4);
    let s = train_test_split(&x, &y, 0.2, 0).unwrap();
    let part = |b: &Bag<String>| -> Vec<Vec<String>> {
        b.to_delayed()
            .iter()
            .map(|d| d.compute(&Sequential).unwrap())
            .collect()
    };
    let (tr, te) = (part(&s.x_train), part(&s.x_test));
    assert_eq!(tr.len() + te.len(), 8);
    // np.random.RandomState([0, 0]).rand(3) == [0.1507..., 0.1955..., 0.1653...]: all train.
    let train0 = &tr[0];
    let all0 = &x.to_delayed()[0].compute(&Sequential).unwrap();
    assert_eq!(&train0[..3], &all0[..3]);
    let n: usize = tr.iter().chain(te.iter()).map(|p| p.len()).sum();
    assert_eq!(n, 40);
    // Same seed, same split; another seed, another.
    let again = train_test_split(&x, &y, 0.2, 0).unwrap();
    assert_eq!(again.x_train.keys(), s.x_train.keys());
    let other = train_test_split(&x, &y, 0.2, 1).unwrap();
    assert_ne!(other.x_train.keys(), s.x_train.keys());
    for (test_size, seed, bad) in [(1.5, 0, "test_size"), (0.2, 1 << 40, "seed")] {
        match train_test_split(&x, &y, test_size, seed).map(|_| ()) {
            Err(e) => match e.kind() {
                dklearn_lazy::ErrorKind::InvalidParameter { name, .. } => {
                    assert_eq!(*name, bad, "{e}")
                }
                k => panic!("expected InvalidParameter({bad}), got {k:?}"),
            },
            Ok(()) => panic!("{bad} accepted"),
        }
    }
}

#[test]
fn split_numbers_match_numpy_exactly() {
    // python: m = np.random.RandomState([7, 1]).rand(5) < 0.75
    let mut rng = dklearn_estimators::Mt19937::from_key(&[7, 1]);
    let draws: Vec<f64> = (0..5).map(|_| rng.next_f64()).collect();
    let (x, _) = data(10, 2);
    let items: Vec<String> = x.to_delayed()[1].compute(&Sequential).unwrap();
    let y = Matrix::from_bag(&x.map("one", |_| true));
    let s = train_test_split(&x, &y, 0.25, 7).unwrap();
    let train1 = s.x_train.to_delayed()[1].compute(&Sequential).unwrap();
    let want: Vec<String> = items
        .iter()
        .zip(&draws)
        .filter(|(_, &r)| r < 0.75)
        .map(|(s, _)| s.clone())
        .collect();
    assert_eq!(train1, want);
}

#[test]
fn chained_calls_partial_fit_in_chunk_order() {
    let (x, y) = data(30, 3);
    let v = LenVec(Arc::new(AtomicUsize::new(0)));
    let pipe = Pipeline::new(("vect", v), ("trace", Chained::new(Trace::default())));
    // classes found by a pass over y
    let fit = pipe.fit(&x, &y, FitParams::new()).unwrap();
    let model = fit.model().compute(&Sequential).unwrap();
    assert_eq!(model.sizes, vec![10, 10, 10]);
    let given = pipe
        .fit(&x, &y, FitParams::new().classes(vec![false, true]))
        .unwrap();
    assert_eq!(
        given.model().compute(&Sequential).unwrap().sizes,
        vec![10, 10, 10]
    );
    assert!(format!("{pipe:?}")
        .starts_with("Pipeline(steps=[('vect', LenVec()), ('trace', Chained(Trace {"));
}

#[derive(Default)]
struct CountRuns(Mutex<HashMap<String, usize>>);
impl Callback for CountRuns {
    fn pretask(&self, key: &Key, _worker: usize) {
        *self
            .0
            .lock()
            .unwrap()
            .entry(key.name().to_string())
            .or_default() += 1;
    }
}

#[test]
fn two_pipelines_share_their_vectorized_chunks() {
    let (x, y) = data(60, 4);
    let runs = Arc::new(AtomicUsize::new(0));
    let v = LenVec(runs.clone());
    let s = train_test_split(&x, &y, 0.2, 3).unwrap();
    let p1 = Pipeline::new(
        ("vect", v.clone()),
        ("trace", Chained::new(Trace::default())),
    );
    let p2 = Pipeline::new(("vect", v), ("lin", Averaged::new(Lin::default())));
    let f1 = p1
        .fit(
            &s.x_train,
            &s.y_train,
            FitParams::new().classes(vec![false, true]),
        )
        .unwrap();
    let f2 = p2.fit(&s.x_train, &s.y_train, FitParams::new()).unwrap();
    let s1 = f1.score(&s.x_test, &s.y_test).unwrap();
    let s2 = f2.score(&s.x_test, &s.y_test).unwrap();
    let counter = CountRuns::default();
    let (m1, m2, a1, a2) = (f1.model(), f2.model(), &s1, &s2)
        .compute_with(&Sequential, &[&counter])
        .unwrap();
    // 4 train chunks + 4 test chunks, each vectorized once for both pipelines.
    assert_eq!(runs.load(Ordering::SeqCst), 8);
    let counts = counter.0.lock().unwrap();
    assert_eq!(counts["lenvec"], 8);
    assert_eq!(counts["partial_fit"], 4);
    assert_eq!(counts["fit-lin"], 4);
    assert_eq!(counts["average"], 1);
    assert_eq!(
        m1.sizes.iter().sum::<usize>(),
        s.y_train
            .chunks()
            .iter()
            .map(|c| c.compute(&Sequential).unwrap().len())
            .sum::<usize>()
    );
    assert_eq!(m2.n_fitted() + m2.skipped().len(), 4);
    assert!((0.0..=1.0).contains(&a1) && (0.0..=1.0).contains(&a2));
    // The linear rule separates "long" (> 20 chars) from short nearly perfectly.
    assert!(a2 > 0.8, "averaged accuracy {a2}");
    // Every task of the merged graph ran exactly once.
    let mut g = Graph::new();
    for k in [
        f1.model().graph(),
        f2.model().graph(),
        s1.graph(),
        s2.graph(),
    ] {
        g.merge(k);
    }
    let needed = g
        .cull(&[
            f1.model().key().clone(),
            f2.model().key().clone(),
            s1.key().clone(),
            s2.key().clone(),
        ])
        .unwrap();
    assert_eq!(counts.values().sum::<usize>(), needed.len());
}

#[test]
fn averaged_skips_single_class_chunks_and_reports_them() {
    let docs: Vec<String> = (0..30)
        .map(|i| "y".repeat(if i < 10 { 5 } else { 5 + (i % 2) * 30 }))
        .collect();
    let x = Bag::from_sequence(docs, 3);
    let y = Matrix::from_bag(&x.map("long", |d: &String| d.len() > 20));
    let p = Pipeline::new(
        ("vect", LenVec(Arc::new(AtomicUsize::new(0)))),
        ("lin", Averaged::new(Lin::default())),
    );
    let fit = p
        .fit(&x, &y, FitParams::new())
        .unwrap()
        .model()
        .compute(&Sequential)
        .unwrap();
    assert_eq!(fit.skipped(), &[0]);
    assert_eq!(fit.n_fitted(), 2);
    // all chunks single-class: a clear error naming the average task
    let y1 = Matrix::from_bag(&x.map("never", |_: &String| false));
    let err = p
        .fit(&x, &y1, FitParams::new())
        .unwrap()
        .model()
        .compute(&Sequential)
        .unwrap_err();
    assert!(err.to_string().contains("average-"), "{err}");
    assert!(
        err.to_string().contains("no chunk had two classes"),
        "{err}"
    );
}
