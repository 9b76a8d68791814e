//! `dklearn train`: a HashingVectorizer and a classifier fit on the user's own
//! files, out of core, scored on a seeded per-partition test split.
//!
//! Three passes over the files, each a lazy graph on the threaded scheduler:
//! 1. the classes (unless `--classes`): each partition's distinct labels, merged;
//!    no text is kept;
//! 2. the fit: read → split (MT19937 seeded `[seed, partition]`) → vectorize the
//!    training rows → `partial_fit` chain (or per-chunk fits averaged); the test
//!    rows are dropped where they are split;
//! 3. the score: read → the same split → vectorize the test rows → predict with
//!    the fitted model → hits counted per partition.
//!
//! So no partition's rows wait in memory for the model, and memory is bounded by
//! a few blocks per worker whatever the data's size.
//!
//! On a cluster (`--processes N`, or `--hostfile FILE --process I`) the same
//! three graphs run on a `dklearn_cluster::Cluster` instead: every process
//! reads the same files and builds the same graphs; process 0 alone prints
//! and writes `--save`/`--profile`. `--processes N` alone starts the N
//! processes itself (`dklearn_cluster::local::launch`, this program with the
//! same arguments) on free loopback ports.

use clap::ValueEnum;
use dklearn_cluster::local::{self, Mode};
use dklearn_cluster::Cluster;
use dklearn_estimators::{
    LogisticRegression, MultinomialNB, PassiveAggressiveClassifier, Perceptron, Predict,
    SGDClassifier,
};
use dklearn_executor::{peak_rss_bytes, visualize, Profiler, ResourceProfiler, Threaded};
use dklearn_graph::{Bag, Callback, Compute, Data, Delayed, Scheduler};
use dklearn_io::{CsvOptions, Files, OnError, PartStats, ReadStats, Records};
use dklearn_lazy::{
    score_chunks, train_mask, transform_chunks, Averaged, Chained, FitParams, LazyEstimator,
    Matrix, Pipeline,
};
use dklearn_skops::{FittedTextPipeline, Model as SkopsModel, Skops};
use dklearn_text::HashingVectorizer;
use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

type Failure = Box<dyn std::error::Error>;

/// Input format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// One JSON object per line.
    Jsonl,
    /// CSV with a header row.
    Csv,
    /// One document per line; the label is the name of the file's directory.
    Text,
}

/// The classifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Model {
    /// `SGDClassifier()`.
    Sgd,
    /// `LogisticRegression(solver='liblinear')` (averaged only).
    Lr,
    /// `MultinomialNB()` (chained only).
    Nb,
    /// `Perceptron()`.
    Perceptron,
    /// `PassiveAggressiveClassifier()`.
    Pa,
}

/// Flags of `dklearn train`.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Files, directories or glob patterns (partitions are the files in sorted path order).
    #[arg(long, required = true, num_args = 1..)]
    pub(crate) input: Vec<String>,
    /// Input format (default: from the first file's extension, `.gz` aside:
    /// .jsonl/.json/.ndjson, .csv, anything else text).
    #[arg(long, value_enum)]
    pub(crate) format: Option<Format>,
    /// Field (JSON) or column (CSV) holding the text.
    #[arg(long)]
    pub(crate) text_field: Option<String>,
    /// Field (JSON) or column (CSV) holding the label.
    #[arg(long)]
    pub(crate) label_field: Option<String>,
    /// The classifier.
    #[arg(long, value_enum, default_value = "sgd")]
    pub(crate) model: Model,
    /// Fit by `partial_fit` over the training partitions in order (default but for lr).
    #[arg(long, conflicts_with = "averaged")]
    pub(crate) chained: bool,
    /// Fit one model per training partition and average them (default for lr).
    #[arg(long)]
    pub(crate) averaged: bool,
    /// Split files into blocks of this size: `16MiB`, `64MB` or a number of bytes.
    #[arg(long, value_parser = parse_size)]
    pub(crate) blocksize: Option<u64>,
    /// Share of each partition drawn for testing.
    #[arg(long, default_value_t = 0.2)]
    pub(crate) test_size: f64,
    /// Seed of the split and of the estimator's random_state.
    #[arg(long, default_value_t = 0)]
    pub(crate) seed: u64,
    /// HashingVectorizer n_features.
    #[arg(long, default_value_t = 1 << 18)]
    pub(crate) n_features: usize,
    /// Smallest n-gram.
    #[arg(long, default_value_t = 1)]
    pub(crate) ngram_min: usize,
    /// Largest n-gram.
    #[arg(long, default_value_t = 1)]
    pub(crate) ngram_max: usize,
    /// The classes, comma-separated (default: found by a pass over the labels).
    #[arg(long, value_delimiter = ',')]
    pub(crate) classes: Option<Vec<String>>,
    /// Worker threads (default: all cores; on a cluster, task threads per
    /// process, default 1).
    #[arg(long)]
    pub(crate) workers: Option<usize>,
    /// Run on a cluster of N processes (timely's -n). Without --hostfile: N
    /// local processes on free loopback ports, started by this command;
    /// process 0 prints the report and alone writes --save and --profile.
    #[arg(long)]
    pub(crate) processes: Option<usize>,
    /// One `host:port` per line, one line per process (timely's -h): run
    /// this machine's process of a real cluster (with --process).
    #[arg(long)]
    pub(crate) hostfile: Option<PathBuf>,
    /// This process's index in the hostfile (timely's -p).
    #[arg(long)]
    pub(crate) process: Option<usize>,
    /// Count and skip malformed records instead of stopping at the first.
    #[arg(long)]
    pub(crate) lenient: bool,
    /// CSV field delimiter (one byte).
    #[arg(long, default_value = ",")]
    pub(crate) delimiter: char,
    /// Write the fitted pipeline to FILE.
    #[arg(long)]
    pub(crate) save: Option<PathBuf>,
    /// Write the task/CPU/memory profile (HTML) to FILE.
    #[arg(long)]
    pub(crate) profile: Option<PathBuf>,
    /// Print one JSON object.
    #[arg(long)]
    pub(crate) json: bool,
}

/// `16MiB`, `64MB`, `1.5GB`, `4096` (bytes): dask's `parse_bytes` units, any case.
pub(crate) fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = (&t[..split], t[split..].trim());
    let n: f64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a size like 16MiB, 64MB or 1048576"))?;
    let mult: f64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" | "k" => 1e3,
        "mb" | "m" => 1e6,
        "gb" | "g" => 1e9,
        "tb" | "t" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "tib" => 1024f64.powi(4),
        _ => {
            return Err(format!(
                "{s:?}: unknown unit {unit:?} (B, kB, MB, GB, KiB, MiB, GiB)"
            ))
        }
    };
    let v = (n * mult).round();
    if !(1.0..9.0e18).contains(&v) {
        return Err(format!("{s:?}: a block size must be at least 1 byte"));
    }
    Ok(v as u64)
}

/// Where the (text, label) records come from.
struct Source {
    files: Files,
    format: Format,
    text_field: String,
    label_field: String,
    csv: CsvOptions,
}

impl Source {
    /// The labels only (pass 1): no text is kept. Text files' labels are their directories.
    fn read_labels(&self) -> Result<Records<String>, Failure> {
        Ok(match self.format {
            Format::Jsonl => self.files.jsonl_field(&self.label_field)?,
            Format::Csv => self.files.csv_field(&self.csv, &self.label_field)?,
            Format::Text => {
                let r = self.files.lines_labelled_by_directory()?;
                Records {
                    bag: r.bag.map("label", |(_, l): &(String, String)| l.clone()),
                    stats: r.stats,
                    blocks: r.blocks,
                }
            }
        })
    }

    fn read(&self) -> Result<Records<(String, String)>, Failure> {
        Ok(match self.format {
            Format::Jsonl => self
                .files
                .jsonl_fields(&self.text_field, &self.label_field)?,
            Format::Csv => self
                .files
                .csv_fields(&self.csv, &self.text_field, &self.label_field)?,
            Format::Text => self.files.lines_labelled_by_directory()?,
        })
    }
}

fn infer_format(first: &Path) -> Format {
    let name = first.to_string_lossy().to_ascii_lowercase();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    if name.ends_with(".jsonl") || name.ends_with(".json") || name.ends_with(".ndjson") {
        Format::Jsonl
    } else if name.ends_with(".csv") {
        Format::Csv
    } else {
        Format::Text
    }
}

/// One side of `train_test_split`'s per-partition rule (partition `i`'s training rows are
/// where `train_mask(seed, i, n, test_size)` holds), applied to the pairs: the texts and the
/// labels of that side, each cloned once from the partition (whose pairs are then freed).
fn side(
    bag: &Bag<(String, String)>,
    seed: u32,
    test_size: f64,
    train: bool,
) -> (Bag<String>, Matrix<Vec<String>>) {
    let name = if train { "train" } else { "test" };
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for (i, p) in bag.to_delayed().iter().enumerate() {
        let params = (seed, test_size, i as u64);
        let pick = move |pairs: &Vec<(String, String)>, text: bool| -> Vec<String> {
            let mask = train_mask(seed, i as u32, pairs.len(), test_size);
            pairs
                .iter()
                .zip(mask)
                .filter(|(_, m)| *m == train)
                .map(|((t, l), _)| if text { t.clone() } else { l.clone() })
                .collect()
        };
        xs.push(p.map_with(&format!("x-{name}"), &params, move |v| pick(v, true)));
        ys.push(p.map_with(&format!("y-{name}"), &params, move |v| pick(v, false)));
    }
    (Bag::from_partitions(xs), Matrix::from_chunks(ys))
}

/// Rows in the chunks of `y`, counted chunk by chunk (no chunk is held for the total).
fn count(y: &Matrix<Vec<String>>, name: &str) -> Delayed<usize> {
    let lens: Vec<Delayed<usize>> = y
        .chunks()
        .iter()
        .map(|c| c.map("len", |v: &Vec<String>| v.len()))
        .collect();
    Delayed::gather(&lens, name, &(), |n| Ok(n.iter().map(|k| **k).sum()))
}

/// The read counts of every partition, summed in the graph: partition `i`'s
/// counts are taken from `stats` by a task reading its training labels
/// (placed in the process that read the partition, so on a cluster the
/// counts of every process's partitions are summed, not process 0's alone).
fn read_stats(stats: &Arc<ReadStats>, y: &Matrix<Vec<String>>) -> Delayed<PartStats> {
    let parts: Vec<Delayed<PartStats>> = y
        .chunks()
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let stats = Arc::clone(stats);
            c.map_with("read-stats", &(i as u64), move |_: &Vec<String>| {
                stats.part(i).unwrap_or_default()
            })
        })
        .collect();
    Delayed::gather(&parts, "read-stats-total", &(), |p| {
        Ok(PartStats::sum(p.iter().copied()))
    })
}

/// What a run gives (`--json` prints it).
#[derive(Debug, serde::Serialize)]
struct Outcome {
    n_train: usize,
    n_test: usize,
    accuracy: f64,
    classes: Vec<String>,
    wall_s: f64,
    peak_rss_mb: Option<f64>,
    records: u64,
    bytes: u64,
    skipped: u64,
    first_skipped: Option<String>,
    files: usize,
    partitions: usize,
    format: String,
    model: String,
    fit: &'static str,
    pipeline: String,
    workers: usize,
    processes: usize,
    seed: u64,
    test_size: f64,
    profile: Option<String>,
}

struct Run<'a> {
    src: &'a Source,
    vect: &'a HashingVectorizer,
    classes: &'a [String],
    test_size: f64,
    seed32: u32,
    sched: &'a dyn Scheduler,
    callbacks: &'a [&'a dyn Callback],
}

struct Trained {
    n_train: usize,
    n_test: usize,
    accuracy: f64,
    pipeline: String,
    stats: PartStats,
    /// The fitted estimator, as the skops crate's `Model` (for `--save`).
    model: SkopsModel<String>,
}

impl Run<'_> {
    fn go<E>(
        &self,
        name: &str,
        est: E,
        to_model: impl Fn(&E::Model) -> SkopsModel<String>,
    ) -> Result<Trained, Failure>
    where
        E: LazyEstimator<String>,
        E::Model: Predict<String> + Data,
    {
        // Pass 2: the fit.
        let r = self.src.read()?;
        let (x_train, y_train) = side(&r.bag, self.seed32, self.test_size, true);
        let pipe = Pipeline::new(("hashingvectorizer", self.vect.clone()), (name, est));
        let fitted = pipe.fit(
            &x_train,
            &y_train,
            FitParams::new().classes(self.classes.to_vec()),
        )?;
        let n_train = count(&y_train, "count-train");
        let stats = read_stats(&r.stats, &y_train);
        let (model, n_train, stats) =
            (fitted.model(), &n_train, &stats).compute_with(self.sched, self.callbacks)?;

        // Pass 3: the score, with the fitted model as a literal.
        let r = self.src.read()?;
        let (x_test, y_test) = side(&r.bag, self.seed32, self.test_size, false);
        let token = dklearn_graph::tokenize(
            "trained-model",
            &(format!("{pipe:?}"), fitted.model().key().to_string()),
        );
        let saved = to_model(&model);
        let model = Delayed::value_with_token("trained-model", token, model);
        let score = score_chunks(&model, &transform_chunks(self.vect, &x_test), &y_test)?;
        let n_test = count(&y_test, "count-test");
        let (accuracy, n_test) = (&score, &n_test).compute_with(self.sched, self.callbacks)?;
        Ok(Trained {
            n_train,
            n_test,
            accuracy,
            pipeline: format!("{pipe:?}"),
            stats,
            model: saved,
        })
    }
}

/// Pass 1: the sorted distinct labels (each partition keeps only its sorted
/// label set, a `Vec` so that it can cross processes on a cluster).
fn find_classes(
    src: &Source,
    sched: &dyn Scheduler,
    callbacks: &[&dyn Callback],
) -> Result<Vec<String>, Failure> {
    let r = src.read_labels()?;
    let classes = r.bag.reduction(
        "classes",
        |p: &[String]| {
            p.iter()
                .cloned()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect::<Vec<String>>()
        },
        |sets: &[&Vec<String>]| {
            let mut all = BTreeSet::new();
            for s in sets {
                all.extend(s.iter().cloned());
            }
            all.into_iter().collect::<Vec<String>>()
        },
    );
    let (classes,) = (&classes,).compute_with(sched, callbacks)?;
    Ok(classes)
}

/// This run's arguments for the processes of a local cluster: the command
/// line as given, without `--processes` (the launcher adds the cluster's own
/// flags).
fn child_args() -> Vec<OsString> {
    let mut out = Vec::new();
    let mut it = std::env::args_os().skip(1);
    while let Some(a) = it.next() {
        if a == "--processes" {
            it.next();
        } else if !a.to_string_lossy().starts_with("--processes=") {
            out.push(a);
        }
    }
    out
}

/// Runs `dklearn train`.
pub(crate) fn run(a: Args) -> Result<(), Failure> {
    let cluster = match Mode::from_flags(a.processes, a.hostfile.as_deref(), a.process, a.workers)?
    {
        Mode::Threaded => None,
        Mode::Local(n) => {
            check_args(&a)?;
            let exe =
                std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
            return Ok(local::launch(n, &exe, &child_args())?);
        }
        Mode::Member(cfg) => Some(Cluster::new(cfg)),
    };
    train(a, cluster)
}

/// The checks of flags alone, made before a local cluster is started (each
/// process makes them again); the seed as a `u32`.
fn check_args(a: &Args) -> Result<u32, Failure> {
    if !(a.test_size > 0.0 && a.test_size < 1.0) {
        return Err(format!("--test-size must be in (0, 1), got {}", a.test_size).into());
    }
    Ok(u32::try_from(a.seed).map_err(|_| "--seed must be below 2**32".to_string())?)
}

/// Trains on this process's threads, or as one process of `cluster`.
fn train(a: Args, cluster: Option<Cluster>) -> Result<(), Failure> {
    let seed32 = check_args(&a)?;
    // The read counts are graph values that cross processes on a cluster.
    dklearn_graph::Codecs::install_global(|c| {
        c.register::<PartStats>();
    });
    let delimiter = u8::try_from(a.delimiter)
        .ok()
        .filter(u8::is_ascii)
        .ok_or_else(|| {
            format!(
                "--delimiter must be one ASCII character, got {:?}",
                a.delimiter
            )
        })?;
    let files = Files::open(&a.input)?
        .blocksize(a.blocksize)
        .on_error(if a.lenient {
            OnError::Lenient
        } else {
            OnError::Strict
        });
    let format = a.format.unwrap_or_else(|| infer_format(&files.files()[0]));
    let field = |f: &Option<String>, flag: &str| -> Result<String, Failure> {
        match (format, f) {
            (Format::Text, _) => Ok(String::new()),
            (_, Some(f)) => Ok(f.clone()),
            (_, None) => Err(format!("--{flag} is required for --format {format:?}").into()),
        }
    };
    let src = Source {
        text_field: field(&a.text_field, "text-field")?,
        label_field: field(&a.label_field, "label-field")?,
        csv: CsvOptions {
            delimiter,
            ..CsvOptions::default()
        },
        format,
        files,
    };
    let averaged = match (a.model, a.chained, a.averaged) {
        (Model::Lr, true, _) => {
            return Err("LogisticRegression has no partial_fit: it is fit --averaged".into())
        }
        (Model::Lr, _, _) => true,
        (Model::Nb, _, true) => {
            return Err("MultinomialNB is not a linear model to average: use --chained".into())
        }
        (_, _, av) => av,
    };
    let vect = HashingVectorizer::params()
        .n_features(a.n_features)
        .alternate_sign(false)
        .ngram_range(a.ngram_min, a.ngram_max)
        .build()?;
    // On a cluster, `workers` counts every process's task threads, as the
    // report of a threaded run counts its threads.
    let (workers, processes, threaded);
    let sched: &dyn Scheduler = match &cluster {
        Some(c) => {
            processes = c.config().processes();
            workers = c.config().threads() * processes;
            c
        }
        None => {
            processes = 1;
            workers = a
                .workers
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
                .max(1);
            threaded = Threaded::new(workers);
            &threaded
        }
    };
    // Process 0 of a cluster (or the threaded run) reports; the others run
    // their part quietly and write nothing.
    let reports = cluster.as_ref().is_none_or(|c| c.config().process() == 0);
    let prof = Profiler::new();
    let rprof = ResourceProfiler::new(Duration::from_millis(20));
    let callbacks: Vec<&dyn Callback> = if a.profile.is_some() && reports {
        vec![&prof, &rprof]
    } else {
        Vec::new()
    };

    let t0 = Instant::now();
    let classes = match &a.classes {
        Some(c) => {
            let mut c = c.clone();
            c.sort();
            c.dedup();
            c
        }
        None => find_classes(&src, sched, &callbacks)?,
    };
    if classes.len() < 2 {
        return Err(format!("need at least two classes, found {classes:?}").into());
    }
    let run = Run {
        src: &src,
        vect: &vect,
        classes: &classes,
        test_size: a.test_size,
        seed32,
        sched,
        callbacks: &callbacks,
    };
    let rs = Some(seed32);
    let t = match (a.model, averaged) {
        (Model::Sgd, false) => run.go(
            "sgdclassifier",
            Chained::new(SGDClassifier::params().random_state(rs).build()?),
            |m| m.clone().into(),
        )?,
        (Model::Sgd, true) => run.go(
            "sgdclassifier",
            Averaged::new(SGDClassifier::params().random_state(rs).build()?),
            |m| m.model().clone().into(),
        )?,
        (Model::Perceptron, false) => run.go(
            "perceptron",
            Chained::new(Perceptron::params().random_state(rs).build()?),
            |m| m.clone().into(),
        )?,
        (Model::Perceptron, true) => run.go(
            "perceptron",
            Averaged::new(Perceptron::params().random_state(rs).build()?),
            |m| m.model().clone().into(),
        )?,
        (Model::Pa, false) => run.go(
            "passiveaggressiveclassifier",
            Chained::new(
                PassiveAggressiveClassifier::params()
                    .random_state(rs)
                    .build()?,
            ),
            |m| m.clone().into(),
        )?,
        (Model::Pa, true) => run.go(
            "passiveaggressiveclassifier",
            Averaged::new(
                PassiveAggressiveClassifier::params()
                    .random_state(rs)
                    .build()?,
            ),
            |m| m.model().clone().into(),
        )?,
        (Model::Nb, _) => run.go(
            "multinomialnb",
            Chained::new(MultinomialNB::params().build()?),
            |m| m.clone().into(),
        )?,
        (Model::Lr, _) => run.go(
            "logisticregression",
            Averaged::new(LogisticRegression::params().build()?),
            |m| m.model().clone().into(),
        )?,
    };
    let wall_s = t0.elapsed().as_secs_f64();
    if !reports {
        return Ok(());
    }
    let profile = match &a.profile {
        Some(p) => {
            if let Some(parent) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)
                    .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
            }
            visualize(&[(&prof).into(), (&rprof).into()], p)?;
            Some(p.display().to_string())
        }
        None => None,
    };
    let out = Outcome {
        n_train: t.n_train,
        n_test: t.n_test,
        accuracy: t.accuracy,
        classes,
        wall_s,
        peak_rss_mb: peak_rss_bytes().map(|b| b as f64 / 1e6),
        records: t.stats.records,
        bytes: t.stats.bytes,
        skipped: t.stats.skipped,
        first_skipped: t.stats.first_skipped,
        files: src.files.files().len(),
        partitions: dklearn_io::blocks(src.files.files(), a.blocksize)?.len(),
        format: format!("{format:?}").to_lowercase(),
        model: format!("{:?}", a.model).to_lowercase(),
        fit: if averaged { "averaged" } else { "chained" },
        pipeline: t.pipeline,
        workers,
        processes,
        seed: a.seed,
        test_size: a.test_size,
        profile,
    };
    if a.json {
        println!("{}", serde_json::to_string(&out)?);
    } else {
        print_report(&out);
    }
    // The model is written after the results are printed: a failed save is
    // an error (it is an output), but never hides the scores.
    if let Some(p) = &a.save {
        FittedTextPipeline::new(vect, t.model)
            .and_then(|fitted| fitted.save(p))
            .map_err(|e| format!("--save {}: {e}", p.display()))?;
        if !a.json {
            println!("  {:<10} {}", "saved", p.display());
        }
    }
    Ok(())
}

fn print_report(out: &Outcome) {
    println!(
        "dklearn train: {} files, {} partitions, format {}, {} workers",
        out.files, out.partitions, out.format, out.workers
    );
    println!("  {}", out.pipeline);
    println!(
        "  {:<10} {} records, {} bytes, {} skipped",
        "read", out.records, out.bytes, out.skipped
    );
    if let Some(s) = &out.first_skipped {
        println!("  {:<10} first skipped: {s}", "");
    }
    println!("  {:<10} {:?}", "classes", out.classes);
    println!(
        "  {:<10} {} train / {} test (test_size {}, seed {})",
        "split", out.n_train, out.n_test, out.test_size, out.seed
    );
    println!("  {:<10} {:.4}", "accuracy", out.accuracy);
    println!("  {:<10} {:.2} s", "wall time", out.wall_s);
    if let Some(mb) = out.peak_rss_mb {
        println!("  {:<10} {mb:.1} MB", "peak RSS");
    }
    if let Some(p) = &out.profile {
        println!("  {:<10} {p}", "profile");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_like_dask() {
        assert_eq!(parse_size("16MiB").unwrap(), 16 << 20);
        assert_eq!(parse_size("64MB").unwrap(), 64_000_000);
        assert_eq!(parse_size("4096").unwrap(), 4096);
        assert_eq!(parse_size("1.5kB").unwrap(), 1500);
        assert_eq!(parse_size(" 2 gib ").unwrap(), 2 << 30);
        assert!(parse_size("0").is_err());
        assert!(parse_size("12 parsecs").is_err());
        assert!(parse_size("MB").is_err());
        assert!(parse_size("").is_err());
    }

    #[test]
    fn formats_are_inferred_from_extensions() {
        assert_eq!(infer_format(Path::new("a/b.jsonl")), Format::Jsonl);
        assert_eq!(infer_format(Path::new("a/b.JSON.gz")), Format::Jsonl);
        assert_eq!(infer_format(Path::new("b.csv")), Format::Csv);
        assert_eq!(infer_format(Path::new("b.txt")), Format::Text);
    }
}
