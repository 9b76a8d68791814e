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

use crate::cluster::Mode;
use crate::Msg;
use dklearn_cluster::Cluster;
use dklearn_estimators::{LogisticRegression, Predict, SGDClassifier};
use dklearn_executor::{peak_rss_bytes, Threaded};
use dklearn_graph::{downcast_input, Compute, Delayed, GraphBuilder, Key, TaskError};
use dklearn_lazy::install_codecs;
use dklearn_lazy::{transform_chunks, Averaged, AveragedFit, Chained};
use dklearn_reuters::{documents_copies, fit_params, sgd, vectorizer, JobConfig, MAX_COPIES};
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
    /// Worker threads (default: all cores; on a cluster, threads per
    /// process, default 1).
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
    /// Run each K on a cluster (see `reproduce`): with --hostfile, every
    /// process runs the same series and process 0 prints it; a row's peak
    /// RSS is process 0's, its `sent_mb` every process's.
    #[command(flatten)]
    pub cluster: crate::cluster::ClusterArgs,
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
    /// MB written to the spill directory and read back (on a cluster, all
    /// processes together).
    #[serde(default)]
    pub spilled_mb: f64,
    #[serde(default)]
    pub unspilled_mb: f64,
    /// Processes of the run (1: the threaded scheduler).
    #[serde(default = "one")]
    pub processes: usize,
    /// Worker threads in all (threads per process × processes).
    #[serde(default)]
    pub workers: usize,
    /// MB that crossed between processes, all processes together.
    #[serde(default)]
    pub sent_mb: f64,
    /// Each process's peak RSS in MB, in process order (`peak_rss_mb` is
    /// process 0's; 0 where the platform does not tell).
    #[serde(default)]
    pub process_peak_rss_mb: Vec<f64>,
    /// Each process's MB spilled, in process order.
    #[serde(default)]
    pub process_spilled_mb: Vec<f64>,
}

fn one() -> usize {
    1
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
    cluster: Option<&Cluster>,
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
    // On a cluster only process 0 writes the profile (it sees every
    // process's tasks).
    let profile = profile.filter(|_| cluster.is_none_or(|c| c.config().process() == 0));
    let prof = dklearn_executor::Profiler::new();
    let rprof = dklearn_executor::ResourceProfiler::new(std::time::Duration::from_millis(20));
    // The task profiler always runs: it counts the bytes spilled.
    let callbacks: Vec<&dyn dklearn_graph::Callback> = if profile.is_some() {
        vec![&prof, &rprof]
    } else {
        vec![&prof]
    };
    // The library removes its run directory at the end and on error; the
    // base is also removed on Ctrl-C (see `crate::interrupt`).
    let base = crate::interrupt::RunDir::create(
        crate::data::workspace_root()
            .join(format!("target/dklearn/spill/scale-{}", std::process::id())),
    )?;
    let computed = match cluster {
        Some(c) => {
            // Every value may cross: the library's types and this graph's
            // own (the per-chunk hits).
            install_codecs();
            dklearn_graph::Codecs::install_global(|c| {
                c.register::<Hits>();
            });
            (&n_docs, &n_train, &scores).compute_with(c, &callbacks)
        }
        None => {
            let sched = match memory_limit {
                Some(_) => scheduler(workers, memory_limit).spill_dir(base.path()),
                None => scheduler(workers, None),
            };
            (&n_docs, &n_train, &scores).compute_with(&sched, &callbacks)
        }
    };
    let (n_docs, n_train, (h1, h2, n_test)) = computed.map_err(|e| e.to_string())?;
    let (mut spilled, mut unspilled) = prof.spill_bytes();
    let mb = |b: u64| b as f64 / 1e6;
    let peak_mb = peak_rss_bytes().map_or(0.0, mb);
    let (mut process_peak_rss_mb, mut process_spilled_mb) = (vec![peak_mb], vec![mb(spilled)]);
    // Process 0 hears every process's memory at the end of the run.
    if let Some(summary) = cluster
        .and_then(Cluster::last_report)
        .map(|r| r.processes_summary)
        .filter(|s| !s.is_empty())
    {
        process_peak_rss_mb = summary
            .iter()
            .map(|s| s.peak_rss_bytes.map_or(0.0, mb))
            .collect();
        process_spilled_mb = summary.iter().map(|s| mb(s.spilled_bytes)).collect();
        spilled = summary.iter().map(|s| s.spilled_bytes).sum();
        unspilled = summary.iter().map(|s| s.unspilled_bytes).sum();
    }
    // Process 0's profiler sees every process's tasks and what they sent.
    let sent: u64 = prof.results().iter().map(|r| r.bytes_sent).sum();
    let processes = cluster.map_or(1, |c| c.config().processes());
    if let Some(path) = profile {
        // A diagnostic: failing to write it is a warning, not a lost run.
        let written = crate::write_temp(path, |tmp| {
            dklearn_executor::visualize(&[(&prof).into(), (&rprof).into()], tmp)
                .map_err(|e| e.to_string())
        })
        .and_then(crate::TempFile::commit);
        if let Err(e) = written {
            eprintln!("warning: profile not written: {e}");
        }
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
        peak_rss_mb: peak_mb,
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
        processes,
        workers: workers * processes,
        sent_mb: sent as f64 / 1e6,
        process_peak_rss_mb,
        process_spilled_mb,
    })
}

/// `--copies` before anything is built: counts from 1 to
/// [`MAX_COPIES`] (copy `c` shifts document ids by `c * 100,000`, which must
/// fit the u32 NEWID).
fn check_copies(copies: &[u64]) -> crate::Result<()> {
    if copies.is_empty() || copies.contains(&0) {
        return Err("--copies needs one or more counts >= 1, e.g. 1,4,16,64".into());
    }
    if let Some(k) = copies.iter().find(|&&k| k > MAX_COPIES) {
        return Err(format!(
            "--copies {k} is more than {MAX_COPIES}, the most copies whose document ids \
             (copy * 100,000 + NEWID) fit a u32"
        ));
    }
    Ok(())
}

pub(crate) fn run(args: Args) -> crate::Result<()> {
    check_copies(&args.copies)?;
    let dir = crate::data::find_reuters(args.data.as_deref())?;
    let mut cfg = JobConfig::new(&dir, "acq", 0).msg()?;
    cfg.classes = !args.no_classes;
    let mode = args.cluster.mode(args.workers)?;
    if args.one {
        let (cluster, workers) = match mode {
            Mode::Local(n) => {
                let mut child = vec![
                    "--one".to_string(),
                    "--copies".into(),
                    args.copies[0].to_string(),
                    "--data".into(),
                    dir.display().to_string(),
                ];
                if let Some(w) = args.workers {
                    child.extend(["--workers".into(), w.to_string()]);
                }
                if args.no_classes {
                    child.push("--no-classes".into());
                }
                if let Some(p) = &args.profile {
                    child.extend(["--profile".into(), p.display().to_string()]);
                }
                if let Some(limit) = args.memory_limit {
                    child.extend(["--memory-limit".into(), limit.to_string()]);
                }
                return crate::cluster::launch(n, "scale", &child);
            }
            Mode::Member(c) => {
                let threads = c.config().threads();
                (Some(crate::cluster::limited(c, args.memory_limit)), threads)
            }
            Mode::Threaded => (None, crate::workers(args.workers)?),
        };
        let row = run_one(
            &cfg,
            args.copies[0],
            workers,
            args.memory_limit,
            args.profile.as_deref(),
            cluster.as_ref(),
        )?;
        // Only process 0 of a cluster reports.
        if cluster.as_ref().is_none_or(|c| c.config().process() == 0) {
            println!(
                "{}",
                serde_json::to_string(&row).map_err(|e| e.to_string())?
            );
        }
        return Ok(());
    }
    let reporting = match &mode {
        Mode::Member(c) => c.config().process() == 0,
        _ => true,
    };
    let workers = match &mode {
        Mode::Threaded => crate::workers(args.workers)?,
        _ => args.workers.unwrap_or(1),
    };
    let me = std::env::current_exe().map_err(|e| format!("cannot locate the xtask binary: {e}"))?;
    let mut rows = Vec::new();
    if !args.json && reporting {
        println!("| copies | documents | SGML | wall | per copy | docs/s | MB/s | peak RSS | spilled | processes × threads | sent | Chained SGD | Averaged LR |");
        println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
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
        if let Some(n) = args.cluster.processes {
            cmd.args(["--processes", &n.to_string()]);
        }
        if let (Some(h), Some(p)) = (&args.cluster.hostfile, args.cluster.process) {
            cmd.arg("--hostfile")
                .arg(h)
                .args(["--process", &p.to_string()]);
        }
        // Killed with us on Ctrl-C (see `crate::interrupt`).
        let out = crate::interrupt::output(&mut cmd)
            .map_err(|e| format!("cannot run {}: {e}", me.display()))?;
        if !out.status.success() {
            return Err(format!(
                "scale --copies {k} failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        if !reporting {
            continue;
        }
        let row: Row = serde_json::from_slice(&out.stdout)
            .map_err(|e| format!("scale --copies {k}: unreadable output: {e}"))?;
        if !args.json {
            println!(
                "| {} | {} | {:.0} MB | {:.2} s | {:.3} s | {:.0} | {:.0} | {} | {:.0} MB | {} × {} | {:.1} MB | {:.4} | {:.4} |",
                row.copies,
                row.docs,
                row.bytes as f64 / 1e6,
                row.wall_s,
                row.wall_s / row.copies as f64,
                row.docs_per_s,
                row.mb_per_s,
                peaks(&row),
                row.spilled_mb,
                row.processes,
                row.workers / row.processes.max(1),
                row.sent_mb,
                row.chained_sgd,
                row.averaged_lr
            );
        }
        rows.push(row);
    }
    if args.json && reporting {
        crate::outln!(
            "{}",
            serde_json::to_string(&rows).map_err(|e| e.to_string())?
        );
    }
    Ok(())
}

/// A row's peak RSS: `396 MB`, or each process's on a cluster
/// (`253 / 935 MB`).
fn peaks(row: &Row) -> String {
    if row.process_peak_rss_mb.len() > 1 {
        let each: Vec<String> = row
            .process_peak_rss_mb
            .iter()
            .map(|m| format!("{m:.0}"))
            .collect();
        format!("{} MB", each.join(" / "))
    } else {
        format!("{:.0} MB", row.peak_rss_mb)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dklearn_cluster::Config;
    use std::net::TcpListener;

    /// Four small SGML files (one chunk each) of acquisition and grain stories.
    fn corpus(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("dklearn-scale-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for f in 0..4 {
            let mut s = String::new();
            for i in 0..30 {
                let id = f * 30 + i + 1;
                let (topic, body) = if (i + f) % 3 == 0 {
                    ("<D>grain</D>", "wheat harvest tonnes exports")
                } else {
                    ("<D>acq</D>", "agreed to acquire the stake merger")
                };
                s.push_str(&format!(
                    "<REUTERS TOPICS=\"YES\" NEWID=\"{id}\">\n<TOPICS>{topic}</TOPICS>\n\
                     <TEXT><TITLE>DOC {id}</TITLE><BODY>{body} {id} {i}</BODY></TEXT>\n</REUTERS>\n"
                ));
            }
            std::fs::write(dir.join(format!("reut2-{f:03}.sgm")), s).unwrap();
        }
        dir
    }

    /// `scale --processes 2` computes the same row as the threaded run
    /// (two copies of the corpus; the processes are threads of this test).
    #[test]
    fn two_processes_give_the_threaded_scores() {
        let dir = corpus("cluster");
        let cfg = JobConfig::new(&dir, "acq", 0).unwrap();
        let threaded = run_one(&cfg, 2, 2, None, None, None).unwrap();
        let addrs: Vec<String> = (0..2)
            .map(|_| TcpListener::bind("127.0.0.1:0").unwrap())
            .collect::<Vec<_>>()
            .iter()
            .map(|l| l.local_addr().unwrap().to_string())
            .collect();
        let rows: Vec<Row> = std::thread::scope(|s| {
            let runs: Vec<_> = (0..2)
                .map(|p| {
                    let (cfg, addrs) = (&cfg, addrs.clone());
                    s.spawn(move || {
                        let c = Cluster::new(
                            Config::cluster(1, p, addrs)
                                .unwrap()
                                .connect_timeout(std::time::Duration::from_secs(20)),
                        );
                        run_one(cfg, 2, 1, None, None, Some(&c)).unwrap()
                    })
                })
                .collect();
            runs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let _ = std::fs::remove_dir_all(&dir);
        let r = &rows[0];
        assert_eq!((r.processes, r.workers), (2, 2));
        assert_eq!(
            (r.docs, r.n_train, r.n_test),
            (threaded.docs, threaded.n_train, threaded.n_test)
        );
        assert_eq!(r.chained_sgd.to_bits(), threaded.chained_sgd.to_bits());
        assert_eq!(r.averaged_lr.to_bits(), threaded.averaged_lr.to_bits());
        assert!(r.sent_mb > 0.0, "the chain crosses once");
        assert_eq!(threaded.sent_mb, 0.0);
        // Process 0's row has each process's memory; a threaded row its own.
        assert_eq!(r.process_peak_rss_mb.len(), 2);
        assert_eq!(r.process_spilled_mb, vec![0.0, 0.0]);
        assert_eq!(threaded.process_peak_rss_mb, vec![threaded.peak_rss_mb]);
        if cfg!(target_os = "linux") {
            assert!(r.process_peak_rss_mb.iter().all(|&m| m > 0.0));
            assert!(peaks(r).contains(" / "), "{}", peaks(r));
        }
    }
}
