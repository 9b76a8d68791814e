//! `cargo xtask reproduce`: the main job on the local threaded executor, with
//! the progress bar, the task profiler and the resource profiler on.

use crate::Msg;
use dklearn_estimators::{LogisticRegression, SGDClassifier};
use dklearn_executor::{
    peak_rss_bytes, visualize, Profiler, ProgressBar, ResourceProfiler, Threaded,
};
use dklearn_reuters::{build, JobConfig};
use dklearn_skops::{FittedTextPipeline, Model, Skops};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Flags of `cargo xtask reproduce`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Reuters-21578 directory (default: $DKLEARN_DATA, ../shared/data/reuters21578, ./data/reuters21578).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Topic to classify.
    #[arg(long, default_value = "acq")]
    pub topic: String,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub workers: Option<usize>,
    /// Seed of the train/test split and of the SGD.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Print one JSON object instead of the report.
    #[arg(long)]
    pub json: bool,
    /// Also print the N slowest tasks (key, duration, start, worker) on stderr.
    #[arg(long, default_value_t = 0)]
    pub slowest: usize,
    /// Keep the values between tasks under SIZE (`128MB`, `64MiB` or bytes)
    /// by spilling to `target/dklearn/spill` (see `Threaded::memory_limit`).
    #[arg(long, value_name = "SIZE", value_parser = crate::size::parse_size)]
    pub memory_limit: Option<usize>,
    /// Do not give the Chained SGD its classes: they are found by a pass
    /// over every training label chunk first, as a user who gives none.
    #[arg(long)]
    pub no_classes: bool,
    /// Where to write the profile (HTML).
    #[arg(long, default_value = "target/dklearn/profile.html")]
    pub profile: PathBuf,
    #[command(flatten)]
    pub cluster: crate::cluster::ClusterArgs,
    /// After the scores, save both fitted pipelines (vectorizer included) as
    /// skops files DIR/chained_sgd.skops and DIR/averaged_lr.skops, loadable
    /// with skops.io.load in Python and by `dklearn predict`.
    #[arg(long, value_name = "DIR")]
    pub save_models: Option<PathBuf>,
}

/// What one run measured.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct Outcome {
    pub chained_sgd: f64,
    pub averaged_lr: f64,
    pub wall_s: f64,
    pub n_train: usize,
    pub n_test: usize,
    pub workers: usize,
    pub topic: String,
    pub seed: u64,
    pub peak_rss_mb: Option<f64>,
    pub skipped_chunks: Vec<usize>,
    pub tasks: usize,
    pub profile: Option<String>,
    /// The `--memory-limit` in MB (1e6 bytes), if any.
    pub memory_limit_mb: Option<f64>,
    /// Whether the Chained SGD was given its classes.
    pub classes_given: bool,
    /// MB written to the spill directory and read back (0 without a limit).
    pub spilled_mb: f64,
    pub unspilled_mb: f64,
    /// Processes the job ran on (1: the threaded scheduler).
    pub processes: usize,
    /// Bytes this process sent to the others (cluster runs only).
    pub bytes_sent: Option<u64>,
    /// The fitted models (Chained SGD, Averaged LR), not printed.
    #[serde(skip)]
    pub models: Option<(SGDClassifier<i8>, LogisticRegression<i8>)>,
    /// The skops files written by --save-models.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub saved_models: Vec<String>,
}

/// Default number of workers: every core.
pub(crate) fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Builds and computes the job once (no diagnostics but `callbacks`).
pub(crate) fn run_once(
    cfg: &JobConfig,
    workers: usize,
    callbacks: &[&dyn dklearn_graph::Callback],
) -> crate::Result<Outcome> {
    run_limited(cfg, workers, None, callbacks)
}

/// [`run_once`] with an optional memory limit (spilling as `scale` does).
pub(crate) fn run_limited(
    cfg: &JobConfig,
    workers: usize,
    memory_limit: Option<usize>,
    callbacks: &[&dyn dklearn_graph::Callback],
) -> crate::Result<Outcome> {
    let sched: Threaded = crate::scale::scheduler(workers, memory_limit);
    let mut out = run_on(cfg, &sched, workers, callbacks)?;
    out.memory_limit_mb = memory_limit.map(|b| b as f64 / 1e6);
    Ok(out)
}

/// Builds and computes the job once on `sched`.
pub(crate) fn run_on<S: dklearn_graph::Scheduler>(
    cfg: &JobConfig,
    sched: &S,
    workers: usize,
    callbacks: &[&dyn dklearn_graph::Callback],
) -> crate::Result<Outcome> {
    let t0 = Instant::now();
    let r = build(cfg)
        .and_then(|job| job.compute(sched, callbacks))
        .msg()?;
    Ok(Outcome {
        chained_sgd: r.chained_sgd,
        averaged_lr: r.averaged_lr,
        wall_s: t0.elapsed().as_secs_f64(),
        n_train: r.n_train,
        n_test: r.n_test,
        workers,
        topic: cfg.topic.clone(),
        seed: cfg.seed,
        peak_rss_mb: peak_rss_bytes().map(|b| b as f64 / 1e6),
        skipped_chunks: r.skipped_chunks,
        tasks: r.tasks,
        profile: None,
        memory_limit_mb: None,
        classes_given: cfg.classes,
        spilled_mb: 0.0,
        unspilled_mb: 0.0,
        processes: 1,
        bytes_sent: None,
        models: Some((r.chained_sgd_model, r.averaged_lr_model)),
        saved_models: Vec::new(),
    })
}

pub(crate) fn run(args: Args) -> crate::Result<()> {
    let cluster = args.cluster.mode(args.workers)?;
    let cluster = match cluster {
        crate::cluster::Mode::Local(n) => {
            return crate::cluster::launch(n, "reproduce", &child_args(&args))
        }
        crate::cluster::Mode::Member(c) => Some(crate::cluster::limited(c, args.memory_limit)),
        crate::cluster::Mode::Threaded => None,
    };
    let dir = crate::data::find_reuters(args.data.as_deref())?;
    let mut cfg = JobConfig::new(&dir, &args.topic, args.seed).msg()?;
    cfg.classes = !args.no_classes;
    let (workers, processes) = match &cluster {
        Some(c) => (c.config().threads(), c.config().processes()),
        None => (crate::workers(args.workers)?, 1),
    };
    // Only process 0 of a cluster reports; the others run quietly.
    if let Some(c) = cluster.as_ref().filter(|c| c.config().process() != 0) {
        run_on(&cfg, c, workers, &[])?;
        return Ok(());
    }
    let workers_total = workers * processes;
    if !args.json {
        crate::outln!(
            "dklearn reproduce: Reuters-21578 from {} ({} files), topic '{}', seed {}, {} workers",
            dir.display(),
            cfg.files.len(),
            cfg.topic,
            cfg.seed,
            workers_total
        );
        let job = build(&cfg).msg()?;
        crate::outln!("  {}", job.repr1);
        crate::outln!("  {}", job.repr2);
    }
    let prof = Profiler::new();
    let rprof = ResourceProfiler::new(Duration::from_millis(20));
    let progress = ProgressBar::new();
    let mut out = match &cluster {
        Some(c) => {
            let mut o = run_on(&cfg, c, workers_total, &[&progress, &prof, &rprof])?;
            o.processes = processes;
            o.memory_limit_mb = c.memory_limit_bytes().map(|b| b as f64 / 1e6);
            o.bytes_sent = c.last_report().map(|r| r.bytes_sent());
            o
        }
        None => run_limited(
            &cfg,
            workers,
            args.memory_limit,
            &[&progress, &prof, &rprof],
        )?,
    };
    let (spilled, unspilled) = prof.spill_bytes();
    out.spilled_mb = spilled as f64 / 1e6;
    out.unspilled_mb = unspilled as f64 / 1e6;
    if args.slowest > 0 {
        // Where the time went, task by task (stderr, so --json stays one object).
        let mut tasks = prof.results();
        tasks.sort_by_key(|t| std::cmp::Reverse(t.duration()));
        eprintln!("slowest tasks:");
        for t in tasks.iter().take(args.slowest) {
            eprintln!(
                "  {:>8.2} ms  from {:>7.1} ms  worker {}  {}",
                t.duration().as_secs_f64() * 1e3,
                t.start.as_secs_f64() * 1e3,
                t.worker,
                t.key
            );
        }
    }
    let root = crate::data::workspace_root();
    let path = if args.profile.is_absolute() {
        args.profile.clone()
    } else {
        root.join(&args.profile)
    };
    // The profile goes to a temporary file first, the results are printed,
    // then the file is renamed into place: a profile that cannot be written
    // (a full disk) is a warning, never a lost run or a partial file.
    let profile = crate::write_temp(&path, |tmp| {
        visualize(&[(&prof).into(), (&rprof).into()], tmp).map_err(|e| e.to_string())
    })
    .map_err(|e| eprintln!("warning: profile not written: {e}"))
    .ok();
    out.profile = profile.as_ref().map(|_| path.display().to_string());
    // Models asked for are outputs, not diagnostics: a failure to save them
    // fails the command, after the results are printed.
    let saved = match &args.save_models {
        Some(dir) => save_models(dir, &mut out).map(|paths| out.saved_models = paths),
        None => Ok(()),
    };
    print_outcome(&out, args.json)?;
    if let Some(t) = profile {
        if let Err(e) = t.commit() {
            eprintln!("warning: profile not written: {e}");
        }
    }
    saved
}

/// The results: one JSON object, or the report.
fn print_outcome(out: &Outcome, json: bool) -> crate::Result<()> {
    if json {
        crate::outln!("{}", serde_json::to_string(out).map_err(|e| e.to_string())?);
        return Ok(());
    }
    crate::outln!();
    crate::outln!("  {:<28} {:.4}", "Chained SGD accuracy", out.chained_sgd);
    crate::outln!("  {:<28} {:.4}", "Averaged LR accuracy", out.averaged_lr);
    crate::outln!(
        "  {:<28} {} train / {} test documents",
        "split",
        out.n_train,
        out.n_test
    );
    if !out.skipped_chunks.is_empty() {
        crate::outln!(
            "  {:<28} {:?} (a single class in the training chunk)",
            "Averaged skipped chunks",
            out.skipped_chunks
        );
    }
    crate::outln!(
        "  {:<28} {:.3} s on {} workers, {} tasks",
        "wall time",
        out.wall_s,
        out.workers,
        out.tasks
    );
    if let Some(mb) = out.peak_rss_mb {
        crate::outln!("  {:<28} {:.0} MB", "peak RSS", mb);
    }
    if let Some(p) = &out.profile {
        crate::outln!("  {:<28} {}", "profile", p);
    }
    if let Some(limit) = out.memory_limit_mb {
        crate::outln!(
            "  {:<28} {:.0} MB: {:.1} MB spilled, {:.1} MB read back",
            "memory limit",
            limit,
            out.spilled_mb,
            out.unspilled_mb
        );
    }
    for f in &out.saved_models {
        crate::outln!("  {:<28} {f}", "saved model");
    }
    Ok(())
}

/// The flags a launched process of `--processes N` gets (all but the
/// cluster's own, which the launcher adds).
fn child_args(a: &Args) -> Vec<String> {
    let mut v = vec![
        "--topic".to_string(),
        a.topic.clone(),
        "--seed".into(),
        a.seed.to_string(),
        "--slowest".into(),
        a.slowest.to_string(),
        "--profile".into(),
        a.profile.display().to_string(),
    ];
    if let Some(limit) = a.memory_limit {
        v.extend(["--memory-limit".into(), limit.to_string()]);
    }
    if let Some(d) = &a.data {
        v.extend(["--data".into(), d.display().to_string()]);
    }
    if let Some(w) = a.workers {
        v.extend(["--workers".into(), w.to_string()]);
    }
    if a.no_classes {
        v.push("--no-classes".into());
    }
    if let Some(d) = &a.save_models {
        v.extend(["--save-models".into(), d.display().to_string()]);
    }
    if a.json {
        v.push("--json".into());
    }
    v
}

/// Writes the two fitted pipelines as skops files in `dir` (created if
/// needed), with the job's step names; returns their paths.
fn save_models(dir: &std::path::Path, out: &mut Outcome) -> crate::Result<Vec<String>> {
    let (sgd, lr) = out
        .models
        .take()
        .ok_or("the run returned no fitted models")?;
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let vect = dklearn_reuters::vectorizer().msg()?;
    let mut paths = Vec::new();
    for (file, step, model) in [
        ("chained_sgd.skops", "sgd", Model::from(sgd)),
        ("averaged_lr.skops", "logistic", Model::from(lr)),
    ] {
        let mut pipe = FittedTextPipeline::new(vect.clone(), model).msg()?;
        pipe.est_name = step.to_string();
        let path = dir.join(file);
        pipe.save(&path).msg()?;
        paths.push(path.display().to_string());
    }
    Ok(paths)
}
