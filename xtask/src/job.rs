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

use dklearn_estimators::{
    score_chunks, train_test_split, transform_chunks, Averaged, AveragedFit, Chained, FitParams,
    LogisticRegression, Matrix, Pipeline, SGDClassifier, TrainTestSplit,
};
use dklearn_executor::Threaded;
use dklearn_graph::{Bag, Delayed, TaskError};
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
}

impl JobConfig {
    /// The job over every `.sgm` file of `dir`.
    pub fn new(dir: &Path, topic: &str, seed: u64) -> crate::Result<Self> {
        let files = crate::data::sgm_files(dir);
        if files.is_empty() {
            return Err(format!("no .sgm files in {}", dir.display()));
        }
        Ok(JobConfig {
            files,
            topic: topic.to_string(),
            seed,
            test_size: 0.2,
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
    let items: Vec<(String, u64)> = (0..copies)
        .flat_map(|c| {
            files
                .iter()
                .map(move |p| (p.to_string_lossy().into_owned(), c))
        })
        .collect();
    let n = items.len();
    Bag::from_sequence(items, n)
        .try_map_partitions_with("read-reuters", &(), |items: &[(String, u64)]| {
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
pub fn read_copy(path: &str, copy: u64) -> Result<Vec<ReutersDocument>, TaskError> {
    let mut docs = read_reuters_file(path).map_err(|e| TaskError::new(e.to_string()))?;
    let shift = u32::try_from(copy * 100_000)
        .map_err(|_| TaskError::new(format!("copy {copy}: document ids overflow u32")))?;
    for d in &mut docs {
        d.newid += shift;
    }
    Ok(docs)
}

/// The HashingVectorizer of the blog post: 2**18 features, non-negative.
pub fn vectorizer() -> crate::Result<HashingVectorizer> {
    HashingVectorizer::params()
        .n_features(1 << 18)
        .alternate_sign(false)
        .build()
        .map_err(|e| e.to_string())
}

/// `SGDClassifier(random_state=seed)`: scikit-learn's defaults, its shuffles.
pub fn sgd(cfg: &JobConfig) -> crate::Result<SGDClassifier<i8>> {
    let seed = u32::try_from(cfg.seed)
        .map_err(|_| format!("--seed must be below 2**32, got {}", cfg.seed))?;
    SGDClassifier::params()
        .random_state(Some(seed))
        .build()
        .map_err(|e| e.to_string())
}

/// The job's target: 1 when `topic` is among the document's labels.
fn label(d: &ReutersDocument, topic: &str) -> i8 {
    i8::from(d.labels.iter().any(|l| l == topic))
}

/// Each document's text (`title + "\n\n" + body`) and its label (1 when
/// `cfg.topic` is among its labels), split per partition with `cfg`'s seed.
pub fn split(
    docs: &Bag<ReutersDocument>,
    cfg: &JobConfig,
) -> crate::Result<TrainTestSplit<Arc<str>, i8>> {
    // Shared strings: the split copies pointers, not text.
    let x = docs.map("text", |d: &ReutersDocument| Arc::<str>::from(d.text()));
    let topic = cfg.topic.clone();
    let y = Matrix::from_bag(
        &docs.map_with("label", &cfg.topic, move |d: &ReutersDocument| {
            label(d, &topic)
        }),
    );
    train_test_split(&x, &y, cfg.test_size, cfg.seed).map_err(|e| e.to_string())
}

/// Builds the whole graph (nothing runs).
pub fn build(cfg: &JobConfig) -> crate::Result<Job> {
    let split = split(&documents(&cfg.files), cfg)?;
    let vect = vectorizer()?;
    let sgd = sgd(cfg)?;
    let lr = LogisticRegression::params()
        .build::<i8>()
        .map_err(|e| e.to_string())?;
    let pipe1 = Pipeline::new(("vect", vect.clone()), ("sgd", Chained::new(sgd)));
    let pipe2 = Pipeline::new(("vect", vect), ("logistic", Averaged::new(lr)));
    let err = |e: dklearn_estimators::Error| e.to_string();
    let fit1 = pipe1
        .fit(
            &split.x_train,
            &split.y_train,
            FitParams::new().classes(vec![0i8, 1]),
        )
        .map_err(err)?;
    let fit2 = pipe2
        .fit(&split.x_train, &split.y_train, FitParams::new())
        .map_err(err)?;
    let score1 = fit1.score(&split.x_test, &split.y_test).map_err(err)?;
    let score2 = fit2.score(&split.x_test, &split.y_test).map_err(err)?;
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

fn literal<T: dklearn_graph::Data>(name: &str, i: usize, v: T) -> Delayed<T> {
    Delayed::value_with_token(name, dklearn_graph::tokenize(name, &(i as u64)), v)
}

fn run_all<T: dklearn_graph::Data>(
    sched: &Threaded,
    items: &[Delayed<T>],
) -> crate::Result<Vec<std::sync::Arc<T>>> {
    let any: Vec<&dyn dklearn_graph::AnyDelayed> = items.iter().map(|d| d.as_any()).collect();
    let out = dklearn_graph::compute_many(sched, &any, &[]).map_err(|e| e.to_string())?;
    out.into_iter()
        .zip(items)
        .map(|(v, d)| dklearn_graph::downcast_value::<T>(d.key(), v).map_err(|e| e.to_string()))
        .collect()
}

/// Times the stages of the job one at a time, each from in-memory inputs
/// (the output of the stage before), on `workers` threads: `parse` (read and
/// filter every file), `vectorize` (all documents), `chained_sgd` and
/// `averaged_lr` (fit on the training chunks and score on the test chunks).
pub fn time_stages(cfg: &JobConfig, workers: usize) -> crate::Result<Vec<(&'static str, f64)>> {
    let sched = Threaded::new(workers);
    let mut out = Vec::new();
    let t = Instant::now();
    let docs = run_all(&sched, &documents(&cfg.files).to_delayed())?;
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
    let xs = run_all(&sched, transform_chunks(&vect, &bag).chunks())?;
    out.push(("vectorize", t.elapsed().as_secs_f64()));

    // The same per-file split as the job.
    let (mut xtr, mut ytr, mut xte, mut yte) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (i, (x, y)) in xs.iter().zip(&labels).enumerate() {
        let mask =
            dklearn_estimators::train_mask(cfg.seed as u32, i as u32, y.len(), cfg.test_size);
        let test: Vec<bool> = mask.iter().map(|m| !m).collect();
        let pick = |m: &[bool]| -> Vec<i8> {
            y.iter()
                .zip(m)
                .filter(|(_, &k)| k)
                .map(|(v, _)| *v)
                .collect()
        };
        let e = |e: dklearn_sparse::Error| e.to_string();
        xtr.push(literal("x-train", i, x.select_mask(&mask).map_err(e)?));
        ytr.push(literal("y-train", i, pick(&mask)));
        xte.push(literal("x-test", i, x.select_mask(&test).map_err(e)?));
        yte.push(literal("y-test", i, pick(&test)));
    }
    let (xtr, xte) = (Matrix::from_chunks(xtr), Matrix::from_chunks(xte));
    let (ytr, yte) = (Matrix::from_chunks(ytr), Matrix::from_chunks(yte));
    let err = |e: dklearn_estimators::Error| e.to_string();

    let sgd = sgd(cfg)?;
    let t = Instant::now();
    let fit = Chained::new(sgd)
        .fit(&xtr, &ytr, &FitParams::new().classes(vec![0i8, 1]))
        .map_err(err)?;
    run_all(&sched, &[score_chunks(&fit, &xte, &yte).map_err(err)?])?;
    out.push(("chained_sgd", t.elapsed().as_secs_f64()));

    let lr = LogisticRegression::params().build::<i8>().map_err(err)?;
    let t = Instant::now();
    let fit = Averaged::new(lr).fit(&xtr, &ytr).map_err(err)?;
    run_all(&sched, &[score_chunks(&fit, &xte, &yte).map_err(err)?])?;
    out.push(("averaged_lr", t.elapsed().as_secs_f64()));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reproduce::run_once;
    use dklearn_graph::{Callback, Key};
    use std::collections::HashMap;
    use std::sync::Mutex;

    /// Three small SGML files: documents about acquisitions or grain, a few
    /// without any label (dropped, as the seed's `remove_empty_topics` does).
    fn corpus(name: &str) -> (PathBuf, usize) {
        let dir = std::env::temp_dir().join(format!("dklearn-job-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut id = 0;
        let mut labelled = 0;
        for f in 0..3 {
            let mut s = String::from("<!DOCTYPE lewis SYSTEM \"lewis.dtd\">\n");
            for i in 0..60 {
                id += 1;
                let (topic, body) = match (i * 7 + f) % 5 {
                    0 | 1 => (
                        "<D>acq</D>",
                        "company agreed to acquire the stake shares merger",
                    ),
                    2 | 3 => ("<D>grain</D>", "wheat crop harvest tonnes exports grain"),
                    _ => ("", "no label at all here"),
                };
                if !topic.is_empty() {
                    labelled += 1;
                }
                s.push_str(&format!(
                    "<REUTERS TOPICS=\"YES\" LEWISSPLIT=\"TRAIN\" CGISPLIT=\"TRAINING-SET\" NEWID=\"{id}\">\n\
                     <TOPICS>{topic}</TOPICS>\n<TEXT>\n<TITLE>DOC {id} &lt;X&gt;</TITLE>\n\
                     <BODY>{body} number {id}\n</BODY></TEXT>\n</REUTERS>\n"
                ));
            }
            std::fs::write(dir.join(format!("reut2-{f:03}.sgm")), s).unwrap();
        }
        (dir, labelled)
    }

    #[derive(Default)]
    struct Runs(Mutex<HashMap<String, usize>>);
    impl Callback for Runs {
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
    fn the_job_is_the_same_on_1_and_2_workers_and_shares_its_vectorizing() {
        let (dir, labelled) = corpus("workers");
        let cfg = JobConfig::new(&dir, "acq", 3).unwrap();
        let runs = Runs::default();
        let one = run_once(&cfg, 1, &[&runs]).unwrap();
        let two = run_once(&cfg, 2, &[]).unwrap();
        assert_eq!(
            one.n_train + one.n_test,
            labelled,
            "documents in == documents out"
        );
        assert_eq!(
            (one.chained_sgd.to_bits(), one.averaged_lr.to_bits()),
            (two.chained_sgd.to_bits(), two.averaged_lr.to_bits())
        );
        assert_eq!((one.n_train, one.n_test), (two.n_train, two.n_test));
        assert!(one.chained_sgd > 0.9 && one.averaged_lr > 0.9, "{one:?}");
        let runs = runs.0.lock().unwrap();
        // Both pipelines vectorize the same train and test chunks: once each.
        assert_eq!(runs["hashingvectorizer"], 2 * 3);
        assert_eq!(runs["read-reuters"], 3);
        assert_eq!(runs["partial_fit"], 3);
        assert_eq!(runs["fit-logisticregression"], 3);
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn a_broken_file_fails_the_job_naming_the_file_and_line() {
        let (dir, _) = corpus("broken");
        let bad = dir.join("reut2-001.sgm");
        let mut text = std::fs::read_to_string(&bad).unwrap();
        text.truncate(text.len() - 40); // a document without </REUTERS>
        std::fs::write(&bad, text).unwrap();
        let cfg = JobConfig::new(&dir, "acq", 0).unwrap();
        let err = run_once(&cfg, 2, &[]).unwrap_err();
        assert!(err.contains("read-reuters-"), "{err}");
        assert!(err.contains("reut2-001.sgm"), "{err}");
        std::fs::remove_dir_all(&dir).ok();
    }
}
