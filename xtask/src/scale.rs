//! `cargo xtask scale`: the job over the corpus streamed K times, to show
//! memory stays flat and time grows linearly with the data.
//!
//! The graph is the main job as a user writes it: Chained SGD and Averaged
//! LR fitted over every training chunk of every copy, and every test chunk
//! vectorized and scored by both models (one task per chunk). Test chunks
//! are computed when the depth-first order reaches them, long before both
//! models exist; with `--memory-limit` the library's spilling
//! ([`Threaded::memory_limit`]) writes the values needed latest to disk and
//! reads them back for scoring, so memory stays bounded without anything
//! written by hand. `--no-classes` leaves the Chained SGD's classes to a
//! pass over every training label first. Each K runs in a child process so
//! its peak RSS is its own.

use crate::Msg;
use dklearn_estimators::{LogisticRegression, Predict, SGDClassifier};
use dklearn_executor::{peak_rss_bytes, Threaded};
use dklearn_graph::{downcast_input, Compute, Delayed, GraphBuilder, Key, TaskError};
use dklearn_lazy::install_codecs;
use dklearn_lazy::{transform_chunks, Averaged, AveragedFit, Chained};
use dklearn_reuters::{documents_copies, fit_params, sgd, vectorizer, JobConfig};
use dklearn_sparse::CsrMatrix;
use dklearn_text::ReutersDocument;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

/// Flags of `cargo xtask scale`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Copies of the corpus, one run each: a list such as `1,4,16,64`.
    #[arg(long, default_value = "1,4,16,64", value_delimiter = ',')]
    pub copies: Vec<u64>,
    /// Print a JSON array: [{"copies","docs","bytes","wall_s","peak_rss_mb",...}].
    #[arg(long)]
    pub json: bool,
    /// Reuters-21578 directory.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub workers: Option<usize>,
    /// Run one K in this process and print its JSON object (used by the series).
    #[arg(long, hide = true)]
    pub one: bool,
    /// With `--one`: write the task/memory profile of the run to this HTML file.
    #[arg(long)]
    pub profile: Option<PathBuf>,
    /// Keep the values between tasks under SIZE (`128MB`, `64MiB` or bytes)
    /// by spilling to `target/dklearn/spill` (see `Threaded::memory_limit`).
    #[arg(long, value_name = "SIZE", value_parser = crate::size::parse_size)]
    pub memory_limit: Option<usize>,
    /// Do not give the Chained SGD its classes: they are found by a pass
    /// over every training label chunk first, as a user who gives none.
    #[arg(long)]
    pub no_classes: bool,
}

/// One run of the series.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Row {
    pub copies: u64,
    pub docs: usize,
    pub bytes: u64,
    pub wall_s: f64,
    pub peak_rss_mb: f64,
    pub docs_per_s: f64,
    pub mb_per_s: f64,
    pub n_train: usize,
    pub n_test: usize,
    pub chained_sgd: f64,
    pub averaged_lr: f64,
    /// The `--memory-limit` in MB (1e6 bytes), if any.
    #[serde(default)]
    pub memory_limit_mb: Option<f64>,
    /// Whether the Chained SGD was given its classes.
    #[serde(default = "yes")]
    pub classes_given: bool,
    /// MB written to the spill directory and read back.
    #[serde(default)]
    pub spilled_mb: f64,
    #[serde(default)]
    pub unspilled_mb: f64,
}

fn yes() -> bool {
    true
}

type Lr = LogisticRegression<i8>;

/// Hits of both models and the count of one test chunk.
type Hits = (usize, usize, usize);

/// The scheduler of `reproduce` and `scale`: `workers` threads, and with a
/// limit, spilling to `target/dklearn/spill` of the workspace (the library's
/// per-run directories, removed at the end).
pub(crate) fn scheduler(workers: usize, memory_limit: Option<usize>) -> Threaded {
    install_codecs();
    let s = Threaded::new(workers);
    match memory_limit {
        // One malloc arena: what a worker frees, the other reuses (a lower
        // peak, which is the point of a limit).
        Some(limit) => {
            dklearn_executor::single_malloc_arena();
            s.memory_limit(limit)
                .spill_dir(crate::data::workspace_root().join("target/dklearn/spill"))
        }
        None => s,
    }
}

fn run_one(
    cfg: &JobConfig,
    copies: u64,
    workers: usize,
    memory_limit: Option<usize>,
    profile: Option<&std::path::Path>,
) -> crate::Result<Row> {
    let t0 = Instant::now();
    let docs = documents_copies(&cfg.files, copies);
    let n_docs: Delayed<usize> = docs.reduction(
        "count-docs",
        |p: &[ReutersDocument]| p.len(),
        |c| c.iter().copied().sum(),
    );
    let split = dklearn_reuters::split(&docs, cfg).msg()?;
    let vect = vectorizer().msg()?;
    let xt = transform_chunks(&vect, &split.x_train);
    let fit1 = Chained::new(sgd(cfg).msg()?)
        .fit(&xt, &split.y_train, &fit_params(cfg))
        .msg()?;
    let lr: Lr = LogisticRegression::params().build().msg()?;
    let fit2 = Averaged::new(lr).fit(&xt, &split.y_train).msg()?;
    let n_train: Delayed<usize> =
        Delayed::gather(split.y_train.chunks(), "count-train", &(), |c| {
            Ok(c.iter().map(|v| v.len()).sum())
        });

    // Scoring: each test chunk vectorized, then predicted by both models.
    let xs = transform_chunks(&vect, &split.x_test);
    let mut b = GraphBuilder::new();
    b.merge(&fit1);
    b.merge(&fit2);
    let mut hits: Vec<Key> = Vec::new();
    for (xc, yc) in xs.chunks().iter().zip(split.y_test.chunks()) {
        b.merge(xc);
        b.merge(yc);
        hits.push(b.task(
            "score-chunk",
            &(),
            &[fit1.key(), fit2.key(), xc.key(), yc.key()],
            |v| {
                let m1 = downcast_input::<SGDClassifier<i8>>(&v[0])?;
                let m2 = downcast_input::<AveragedFit<Lr>>(&v[1])?;
                let xt = downcast_input::<CsrMatrix>(&v[2])?;
                let truth = downcast_input::<Vec<i8>>(&v[3])?;
                if truth.is_empty() {
                    return Ok((0, 0, 0));
                }
                let e = |e: dklearn_estimators::Error| TaskError::new(e.to_string());
                let p1 = m1.predict(xt).map_err(e)?;
                let p2 = m2.predict(xt).map_err(e)?;
                let h = |p: &[i8]| p.iter().zip(truth).filter(|(a, b)| a == b).count();
                Ok((h(&p1), h(&p2), truth.len()))
            },
        ));
    }
    let refs: Vec<&Key> = hits.iter().collect();
    let total = b.task("stream-score-sum", &(), &refs, |v| {
        let mut a: Hits = (0, 0, 0);
        for p in v {
            let p = downcast_input::<Hits>(p)?;
            a = (a.0 + p.0, a.1 + p.1, a.2 + p.2);
        }
        Ok(a)
    });
    let scores: Delayed<Hits> = b.delayed(total);
    let prof = dklearn_executor::Profiler::new();
    let rprof = dklearn_executor::ResourceProfiler::new(std::time::Duration::from_millis(20));
    // The task profiler always runs: it counts the bytes spilled.
    let callbacks: Vec<&dyn dklearn_graph::Callback> = if profile.is_some() {
        vec![&prof, &rprof]
    } else {
        vec![&prof]
    };
    let (n_docs, n_train, (h1, h2, n_test)) = (&n_docs, &n_train, &scores)
        .compute_with(&scheduler(workers, memory_limit), &callbacks)
        .map_err(|e| e.to_string())?;
    let (spilled, unspilled) = prof.spill_bytes();
    if let Some(path) = profile {
        dklearn_executor::visualize(&[(&prof).into(), (&rprof).into()], path)
            .map_err(|e| e.to_string())?;
    }
    let wall_s = t0.elapsed().as_secs_f64();
    let file_bytes: u64 = cfg
        .files
        .iter()
        .map(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0))
        .sum();
    let bytes = file_bytes * copies;
    let n_test_f = n_test.max(1) as f64;
    Ok(Row {
        copies,
        docs: n_docs,
        bytes,
        wall_s,
        peak_rss_mb: peak_rss_bytes().map_or(0.0, |b| b as f64 / 1e6),
        docs_per_s: n_docs as f64 / wall_s,
        mb_per_s: bytes as f64 / 1e6 / wall_s,
        n_train,
        n_test,
        chained_sgd: h1 as f64 / n_test_f,
        averaged_lr: h2 as f64 / n_test_f,
        memory_limit_mb: memory_limit.map(|b| b as f64 / 1e6),
        classes_given: cfg.classes,
        spilled_mb: spilled as f64 / 1e6,
        unspilled_mb: unspilled as f64 / 1e6,
    })
}

pub(crate) fn run(args: Args) -> crate::Result<()> {
    let dir = crate::data::find_reuters(args.data.as_deref())?;
    let mut cfg = JobConfig::new(&dir, "acq", 0).msg()?;
    cfg.classes = !args.no_classes;
    let workers = args
        .workers
        .unwrap_or_else(crate::reproduce::default_workers)
        .max(1);
    if args.copies.is_empty() || args.copies.contains(&0) {
        return Err("--copies needs one or more counts >= 1, e.g. 1,4,16,64".into());
    }
    if args.one {
        let row = run_one(
            &cfg,
            args.copies[0],
            workers,
            args.memory_limit,
            args.profile.as_deref(),
        )?;
        println!(
            "{}",
            serde_json::to_string(&row).map_err(|e| e.to_string())?
        );
        return Ok(());
    }
    let me = std::env::current_exe().map_err(|e| format!("cannot locate the xtask binary: {e}"))?;
    let mut rows = Vec::new();
    if !args.json {
        println!("| copies | documents | SGML | wall | per copy | docs/s | MB/s | peak RSS | spilled | Chained SGD | Averaged LR |");
        println!("|---|---|---|---|---|---|---|---|---|---|---|");
    }
    for &k in &args.copies {
        let mut cmd = Command::new(&me);
        cmd.args([
            "scale",
            "--one",
            "--copies",
            &k.to_string(),
            "--workers",
            &workers.to_string(),
        ])
        .arg("--data")
        .arg(&dir);
        if let Some(limit) = args.memory_limit {
            cmd.args(["--memory-limit", &limit.to_string()]);
        }
        if args.no_classes {
            cmd.arg("--no-classes");
        }
        let out = cmd
            .output()
            .map_err(|e| format!("cannot run {}: {e}", me.display()))?;
        if !out.status.success() {
            return Err(format!(
                "scale --copies {k} failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let row: Row = serde_json::from_slice(&out.stdout)
            .map_err(|e| format!("scale --copies {k}: unreadable output: {e}"))?;
        if !args.json {
            println!(
                "| {} | {} | {:.0} MB | {:.2} s | {:.3} s | {:.0} | {:.0} | {:.0} MB | {:.0} MB | {:.4} | {:.4} |",
                row.copies,
                row.docs,
                row.bytes as f64 / 1e6,
                row.wall_s,
                row.wall_s / row.copies as f64,
                row.docs_per_s,
                row.mb_per_s,
                row.peak_rss_mb,
                row.spilled_mb,
                row.chained_sgd,
                row.averaged_lr
            );
        }
        rows.push(row);
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string(&rows).map_err(|e| e.to_string())?
        );
    }
    Ok(())
}
