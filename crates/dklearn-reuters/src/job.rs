//! The main job as one lazy graph: the dask-learn blog post's program,
//! written with dklearn's crates.
//!
//! ```text
//! files -> read-reuters (1 task per file) -> remove-empty-labels -> text / label
//!       -> train_test_split (per file, seeded)
//!       -> hashingvectorizer (per chunk, shared by both pipelines)
//!       -> Chained(SGDClassifier) partial_fit chain   -> score
//!       -> Averaged(LogisticRegression) fit per chunk -> average -> score
//! ```

use crate::error::{Error, ErrorKind};
use dklearn_estimators::{LogisticRegression, SGDClassifier};
use dklearn_graph::{Bag, Callback, Compute, Delayed, Scheduler, TaskError};
use dklearn_lazy::{
    score_chunks, train_mask, train_test_split, transform_chunks, Averaged, AveragedFit, Chained,
    FitParams, Matrix, Pipeline, TrainTestSplit,
};
use dklearn_text::{read_reuters_file, HashingVectorizer, ReutersDocument};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// What the job is run on.
#[derive(Debug, Clone)]
pub struct JobConfig {
    /// The `.sgm` files, one chunk each.
    pub files: Vec<PathBuf>,
    /// The topic to classify (label 1 when it is among a document's labels).
    pub topic: String,
    /// Seed of the split (and of the SGD's shuffling).
    pub seed: u64,
    /// Share of each chunk drawn for testing.
    pub test_size: f64,
    /// Give the Chained SGD its classes (`[0, 1]`, as the blog post does);
    /// `false` leaves them to be found by a pass over every training label
    /// chunk first, as a user who gives none (so every chunk is computed
    /// before the first `partial_fit`, which is what a memory limit is for).
    pub classes: bool,
}

impl JobConfig {
    /// The job over every `.sgm` file of `dir`.
    pub fn new(dir: &Path, topic: &str, seed: u64) -> Result<Self, Error> {
        let files = crate::data::sgm_files(dir)?;
        if files.is_empty() {
            return Err(Error::new(ErrorKind::NoData {
                tried: vec![("directory".into(), dir.to_path_buf())],
            }));
        }
        Ok(JobConfig {
            files,
            topic: topic.to_string(),
            seed,
            test_size: 0.2,
            classes: true,
        })
    }
}

/// The lazy results of the job; compute them together.
pub struct Job {
    /// The fitted Chained SGD model.
    pub fit1: Delayed<SGDClassifier<i8>>,
    /// The fitted Averaged logistic regression.
    pub fit2: Delayed<AveragedFit<LogisticRegression<i8>>>,
    /// Accuracy of the Chained SGD on the test chunks.
    pub score1: Delayed<f64>,
    /// Accuracy of the Averaged logistic regression on the test chunks.
    pub score2: Delayed<f64>,
    /// Number of training documents.
    pub n_train: Delayed<usize>,
    /// Number of test documents.
    pub n_test: Delayed<usize>,
    /// The first pipeline, for printing.
    pub repr1: String,
    /// The second pipeline, for printing.
    pub repr2: String,
}

/// What one computation of the [`Job`] gives.
#[derive(Debug, Clone, PartialEq)]
pub struct JobResult {
    /// Accuracy of the Chained SGD on the test chunks.
    pub chained_sgd: f64,
    /// Accuracy of the Averaged logistic regression on the test chunks.
    pub averaged_lr: f64,
    /// Number of training documents.
    pub n_train: usize,
    /// Number of test documents.
    pub n_test: usize,
    /// Training chunks the Averaged fit skipped (a single class in them).
    pub skipped_chunks: Vec<usize>,
    /// Tasks in the merged graph.
    pub tasks: usize,
    /// The fitted Chained SGD model (for saving).
    pub chained_sgd_model: SGDClassifier<i8>,
    /// The fitted Averaged logistic regression (for saving).
    pub averaged_lr_model: LogisticRegression<i8>,
}

impl Job {
    /// Computes both fits, both scores and the split's counts in one
    /// scheduler call (the parse, split and vectorize tasks run once for both
    /// pipelines), reporting to `callbacks`.
    pub fn compute<S: Scheduler + ?Sized>(
        &self,
        sched: &S,
        callbacks: &[&dyn Callback],
    ) -> Result<JobResult, Error> {
        let (fit1, fit2, s1, s2, n_train, n_test) = (
            &self.fit1,
            &self.fit2,
            &self.score1,
            &self.score2,
            &self.n_train,
            &self.n_test,
        )
            .compute_with(sched, callbacks)?;
        Ok(JobResult {
            chained_sgd: s1,
            averaged_lr: s2,
            n_train,
            n_test,
            skipped_chunks: fit2.skipped().to_vec(),
            tasks: self.graph_len(),
            chained_sgd_model: fit1,
            averaged_lr_model: fit2.into_model(),
        })
    }

    /// Tasks in the merged graph of both fits and both scores.
    pub fn graph_len(&self) -> usize {
        dklearn_graph::merge_graphs(&[
            self.fit1.as_any(),
            self.fit2.as_any(),
            self.score1.as_any(),
            self.score2.as_any(),
        ])
        .0
        .len()
    }
}

/// The documents of every file, one partition per file, without the
/// documents that have no label (the seed's `remove_empty_topics`).
pub fn documents(files: &[PathBuf]) -> Bag<ReutersDocument> {
    documents_copies(files, 1)
}

/// Like [`documents`] over `copies` passes of the files (one partition per
/// file and copy, copy after copy). Copy `c` adds `c * 100_000` to every
/// `newid`, so each document id stays distinct, and its tasks have keys of
/// their own.
pub fn documents_copies(files: &[PathBuf], copies: u64) -> Bag<ReutersDocument> {
    // Paths stay paths end to end (a file name need not be UTF-8); a UTF-8
    // path tokenizes as its text, so the keys are those of the path strings.
    let items: Vec<(PathBuf, u64)> = (0..copies)
        .flat_map(|c| files.iter().map(move |p| (p.clone(), c)))
        .collect();
    let n = items.len();
    Bag::from_sequence(items, n)
        .try_map_partitions_with("read-reuters", &(), |items: &[(PathBuf, u64)]| {
            let mut docs = Vec::new();
            for (p, copy) in items {
                docs.extend(read_copy(p, *copy)?);
            }
            Ok(docs)
        })
        .filter("remove-empty-labels", |d: &ReutersDocument| {
            !d.labels.is_empty()
        })
}

/// The documents of one file, as copy `copy` (ids shifted by `copy * 100_000`).
pub fn read_copy(path: &Path, copy: u64) -> Result<Vec<ReutersDocument>, TaskError> {
    let mut docs = read_reuters_file(path).map_err(TaskError::from_error)?;
    let shift = u32::try_from(copy * 100_000)
        .map_err(|_| TaskError::new(format!("copy {copy}: document ids overflow u32")))?;
    for d in &mut docs {
        d.newid += shift;
    }
    Ok(docs)
}

/// The HashingVectorizer of the blog post: 2**18 features, non-negative.
pub fn vectorizer() -> Result<HashingVectorizer, Error> {
    Ok(HashingVectorizer::params()
        .n_features(1 << 18)
        .alternate_sign(false)
        .build()?)
}

/// `SGDClassifier(random_state=seed)`: scikit-learn's defaults, its shuffles.
pub fn sgd(cfg: &JobConfig) -> Result<SGDClassifier<i8>, Error> {
    let seed = u32::try_from(cfg.seed).map_err(|_| {
        Error::new(ErrorKind::InvalidParameter {
            name: "seed",
            reason: format!("must be below 2**32, got {}", cfg.seed),
        })
    })?;
    Ok(SGDClassifier::params().random_state(Some(seed)).build()?)
}

/// The job's target: 1 when `topic` is among the document's labels.
pub fn label(d: &ReutersDocument, topic: &str) -> i8 {
    i8::from(d.labels.iter().any(|l| l == topic))
}

/// Each document's text (`title + "\n\n" + body`) and its label (1 when
/// `cfg.topic` is among its labels), split per partition with `cfg`'s seed.
pub fn split(
    docs: &Bag<ReutersDocument>,
    cfg: &JobConfig,
) -> Result<TrainTestSplit<Arc<str>, i8>, Error> {
    // Shared strings: the split copies pointers, not text.
    let x = docs.map("text", |d: &ReutersDocument| Arc::<str>::from(d.text()));
    let topic = cfg.topic.clone();
    let y = Matrix::from_bag(
        &docs.map_with("label", &cfg.topic, move |d: &ReutersDocument| {
            label(d, &topic)
        }),
    );
    Ok(train_test_split(&x, &y, cfg.test_size, cfg.seed)?)
}

/// Builds the whole graph (nothing runs).
pub fn build(cfg: &JobConfig) -> Result<Job, Error> {
    let split = split(&documents(&cfg.files), cfg)?;
    let vect = vectorizer()?;
    let sgd = sgd(cfg)?;
    let lr = LogisticRegression::params().build()?;
    let pipe1 = Pipeline::new(("vect", vect.clone()), ("sgd", Chained::new(sgd)));
    let pipe2 = Pipeline::new(("vect", vect), ("logistic", Averaged::new(lr)));
    let fit1 = pipe1.fit(&split.x_train, &split.y_train, fit_params(cfg))?;
    let fit2 = pipe2.fit(&split.x_train, &split.y_train, FitParams::new())?;
    let score1 = fit1.score(&split.x_test, &split.y_test)?;
    let score2 = fit2.score(&split.x_test, &split.y_test)?;
    let count = |m: &Matrix<Vec<i8>>, name: &str| {
        Delayed::gather(m.chunks(), name, &(), |c| {
            Ok(c.iter().map(|v| v.len()).sum())
        })
    };
    Ok(Job {
        fit1: fit1.model().clone(),
        fit2: fit2.model().clone(),
        score1,
        score2,
        n_train: count(&split.y_train, "count-train"),
        n_test: count(&split.y_test, "count-test"),
        repr1: format!("{pipe1:?}"),
        repr2: format!("{pipe2:?}"),
    })
}

/// The Chained SGD's fit parameters: the classes `[0, 1]` when
/// `cfg.classes`, none otherwise (found from the labels).
pub fn fit_params(cfg: &JobConfig) -> FitParams<i8> {
    if cfg.classes {
        FitParams::new().classes(vec![0i8, 1])
    } else {
        FitParams::new()
    }
}

fn literal<T: dklearn_graph::Data>(name: &str, i: usize, v: T) -> Delayed<T> {
    Delayed::value_with_token(name, dklearn_graph::tokenize(name, &(i as u64)), v)
}

fn run_all<T: dklearn_graph::Data, S: Scheduler + ?Sized>(
    sched: &S,
    items: &[Delayed<T>],
) -> Result<Vec<std::sync::Arc<T>>, Error> {
    let any: Vec<&dyn dklearn_graph::AnyDelayed> = items.iter().map(|d| d.as_any()).collect();
    let out = dklearn_graph::compute_many(sched, &any, &[])?;
    out.into_iter()
        .zip(items)
        .map(|(v, d)| Ok(dklearn_graph::downcast_value::<T>(d.key(), v)?))
        .collect()
}

/// Times the stages of the job one at a time, each from in-memory inputs
/// (the output of the stage before), on `sched`: `parse` (read and
/// filter every file), `vectorize` (all documents), `chained_sgd` and
/// `averaged_lr` (fit on the training chunks and score on the test chunks).
pub fn time_stages<S: Scheduler + ?Sized>(
    cfg: &JobConfig,
    sched: &S,
) -> Result<Vec<(&'static str, f64)>, Error> {
    let mut out = Vec::new();
    let t = Instant::now();
    let docs = run_all(sched, &documents(&cfg.files).to_delayed())?;
    out.push(("parse", t.elapsed().as_secs_f64()));

    let texts: Vec<Vec<String>> = docs
        .iter()
        .map(|p| p.iter().map(|d| d.text()).collect())
        .collect();
    let topic = cfg.topic.clone();
    let labels: Vec<Vec<i8>> = docs
        .iter()
        .map(|p| p.iter().map(|d| label(d, &topic)).collect())
        .collect();
    drop(docs);
    let vect = vectorizer()?;
    let bag = Bag::from_partitions(
        texts
            .into_iter()
            .enumerate()
            .map(|(i, p)| literal("texts", i, p))
            .collect(),
    );
    let t = Instant::now();
    let xs = run_all(sched, transform_chunks(&vect, &bag).chunks())?;
    out.push(("vectorize", t.elapsed().as_secs_f64()));

    // The same per-file split as the job.
    let (mut xtr, mut ytr, mut xte, mut yte) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (i, (x, y)) in xs.iter().zip(&labels).enumerate() {
        let mask = train_mask(cfg.seed as u32, i as u32, y.len(), cfg.test_size);
        let test: Vec<bool> = mask.iter().map(|m| !m).collect();
        let pick = |m: &[bool]| -> Vec<i8> {
            y.iter()
                .zip(m)
                .filter(|(_, &k)| k)
                .map(|(v, _)| *v)
                .collect()
        };
        let select = |m: &[bool]| {
            x.select_mask(m)
                .map_err(|e| Error::from(dklearn_estimators::Error::from(e)))
        };
        xtr.push(literal("x-train", i, select(&mask)?));
        ytr.push(literal("y-train", i, pick(&mask)));
        xte.push(literal("x-test", i, select(&test)?));
        yte.push(literal("y-test", i, pick(&test)));
    }
    let (xtr, xte) = (Matrix::from_chunks(xtr), Matrix::from_chunks(xte));
    let (ytr, yte) = (Matrix::from_chunks(ytr), Matrix::from_chunks(yte));

    let sgd = sgd(cfg)?;
    let t = Instant::now();
    let fit = Chained::new(sgd).fit(&xtr, &ytr, &fit_params(cfg))?;
    run_all(sched, &[score_chunks(&fit, &xte, &yte)?])?;
    out.push(("chained_sgd", t.elapsed().as_secs_f64()));

    let lr = LogisticRegression::params().build()?;
    let t = Instant::now();
    let fit = Averaged::new(lr).fit(&xtr, &ytr)?;
    run_all(sched, &[score_chunks(&fit, &xte, &yte)?])?;
    out.push(("averaged_lr", t.elapsed().as_secs_f64()));
    Ok(out)
}
