//! `cargo xtask scale`: the job over the corpus streamed K times, to show
//! memory stays flat and time grows linearly with the data.
//!
//! The graph is the main job's fit (Chained SGD and Averaged LR over every
//! training chunk of every copy) with an out-of-core score: each test chunk
//! is read, split, vectorized and predicted by one task that runs once both
//! models exist, so no chunk of text or features waits in memory for the
//! fits to finish. Each K runs in a child process so its peak RSS is its own.

use crate::job::{documents_copies, read_copy, sgd, vectorizer, JobConfig};
use dklearn_estimators::{
    train_mask, train_test_split, transform_chunks, Averaged, AveragedFit, Chained, FitParams,
    LogisticRegression, Matrix, Predict, SGDClassifier,
};
use dklearn_executor::{peak_rss_bytes, Threaded};
use dklearn_graph::{downcast_input, Compute, Delayed, GraphBuilder, Key, TaskError};
use dklearn_text::ReutersDocument;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

/// Flags of `cargo xtask scale`.
#[derive(clap::Args)]
pub struct Args {
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
}

/// One run of the series.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Row {
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
}

type Lr = LogisticRegression<i8>;

/// Hits of both models and the count of one test chunk.
type Hits = (usize, usize, usize);

fn run_one(
    cfg: &JobConfig,
    copies: u64,
    workers: usize,
    profile: Option<&std::path::Path>,
) -> crate::Result<Row> {
    let t0 = Instant::now();
    let docs = documents_copies(&cfg.files, copies);
    let n_docs: Delayed<usize> = docs.reduction(
        "count-docs",
        |p: &[ReutersDocument]| p.len(),
        |c| c.iter().copied().sum(),
    );
    let x = docs.map("text", |d: &ReutersDocument| {
        std::sync::Arc::<str>::from(d.text())
    });
    let topic = cfg.topic.clone();
    let y = Matrix::from_bag(
        &docs.map_with("label", &cfg.topic, move |d: &ReutersDocument| {
            i8::from(d.labels.contains(&topic))
        }),
    );
    let split = train_test_split(&x, &y, cfg.test_size, cfg.seed).map_err(|e| e.to_string())?;
    let vect = vectorizer()?;
    let xt = transform_chunks(&vect, &split.x_train);
    let err = |e: dklearn_estimators::Error| e.to_string();
    let fit1 = Chained::new(sgd(cfg)?)
        .fit(&xt, &split.y_train, &FitParams::new().classes(vec![0i8, 1]))
        .map_err(err)?;
    let lr: Lr = LogisticRegression::params().build().map_err(err)?;
    let fit2 = Averaged::new(lr).fit(&xt, &split.y_train).map_err(err)?;
    let n_train: Delayed<usize> =
        Delayed::gather(split.y_train.chunks(), "count-train", &(), |c| {
            Ok(c.iter().map(|v| v.len()).sum())
        });

    // Out-of-core scoring: one task per (file, copy) once both models exist.
    let seed = u32::try_from(cfg.seed).map_err(|_| "--seed must be below 2**32".to_string())?;
    // One graph for all score tasks (see `GraphBuilder`).
    let mut b = GraphBuilder::new();
    b.merge(&fit1);
    b.merge(&fit2);
    let mut hits: Vec<Key> = Vec::new();
    for c in 0..copies {
        for (f, path) in cfg.files.iter().enumerate() {
            let partition = (c as usize) * cfg.files.len() + f;
            let path = path.to_string_lossy().into_owned();
            let (topic, vect, test_size) = (cfg.topic.clone(), vect.clone(), cfg.test_size);
            let params = (
                path.clone(),
                c,
                partition as u64,
                cfg.seed,
                cfg.topic.clone(),
            );
            hits.push(b.task(
                "stream-score",
                &params,
                &[fit1.key(), fit2.key()],
                move |v| {
                    let m1 = downcast_input::<SGDClassifier<i8>>(&v[0])?;
                    let m2 = downcast_input::<AveragedFit<Lr>>(&v[1])?;
                    let docs: Vec<ReutersDocument> = read_copy(&path, c)?
                        .into_iter()
                        .filter(|d| !d.labels.is_empty())
                        .collect();
                    let train = train_mask(seed, partition as u32, docs.len(), test_size);
                    let test: Vec<&ReutersDocument> = docs
                        .iter()
                        .zip(&train)
                        .filter(|(_, t)| !**t)
                        .map(|(d, _)| d)
                        .collect();
                    let texts: Vec<String> = test.iter().map(|d| d.text()).collect();
                    let truth: Vec<i8> = test
                        .iter()
                        .map(|d| i8::from(d.labels.contains(&topic)))
                        .collect();
                    let xt = vect.transform(&texts);
                    let e = |e: dklearn_estimators::Error| TaskError::new(e.to_string());
                    let p1 = m1.predict(&xt).map_err(e)?;
                    let p2 = m2.predict(&xt).map_err(e)?;
                    let h = |p: &[i8]| p.iter().zip(&truth).filter(|(a, b)| a == b).count();
                    Ok((h(&p1), h(&p2), truth.len()))
                },
            ));
        }
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
    let callbacks: Vec<&dyn dklearn_graph::Callback> = if profile.is_some() {
        vec![&prof, &rprof]
    } else {
        Vec::new()
    };
    let (n_docs, n_train, (h1, h2, n_test)) = (&n_docs, &n_train, &scores)
        .compute_with(&Threaded::new(workers), &callbacks)
        .map_err(|e| e.to_string())?;
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
    })
}

pub fn run(args: Args) -> crate::Result<()> {
    let dir = crate::data::find_reuters(args.data.as_deref())?;
    let cfg = JobConfig::new(&dir, "acq", 0)?;
    let workers = args
        .workers
        .unwrap_or_else(crate::reproduce::default_workers)
        .max(1);
    if args.copies.is_empty() || args.copies.contains(&0) {
        return Err("--copies needs one or more counts >= 1, e.g. 1,4,16,64".into());
    }
    if args.one {
        let row = run_one(&cfg, args.copies[0], workers, args.profile.as_deref())?;
        println!(
            "{}",
            serde_json::to_string(&row).map_err(|e| e.to_string())?
        );
        return Ok(());
    }
    let me = std::env::current_exe().map_err(|e| format!("cannot locate the xtask binary: {e}"))?;
    let mut rows = Vec::new();
    if !args.json {
        println!("| copies | documents | SGML | wall | per copy | docs/s | MB/s | peak RSS | Chained SGD | Averaged LR |");
        println!("|---|---|---|---|---|---|---|---|---|---|");
    }
    for &k in &args.copies {
        let out = Command::new(&me)
            .args([
                "scale",
                "--one",
                "--copies",
                &k.to_string(),
                "--workers",
                &workers.to_string(),
            ])
            .arg("--data")
            .arg(&dir)
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
                "| {} | {} | {:.0} MB | {:.2} s | {:.3} s | {:.0} | {:.0} | {:.0} MB | {:.4} | {:.4} |",
                row.copies,
                row.docs,
                row.bytes as f64 / 1e6,
                row.wall_s,
                row.wall_s / row.copies as f64,
                row.docs_per_s,
                row.mb_per_s,
                row.peak_rss_mb,
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
