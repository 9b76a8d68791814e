//! `cargo xtask bench`: where the time goes, stage by stage, for dklearn on 1
//! and on all workers and (when asked) scikit-learn alone and dask, on the
//! same files in one run, with ratios.

use crate::reproduce::{default_workers, run_once};
use crate::Msg;
use dklearn_reuters::{time_stages, JobConfig};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Flags of `cargo xtask bench`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Print one JSON object: {"stages": {NAME: {"dklearn_s", "sklearn_s", "dask_s", ...}}}.
    #[arg(long)]
    pub json: bool,
    /// Also time scikit-learn alone (venv under target/).
    #[arg(long)]
    pub vs_sklearn: bool,
    /// Also time the dask.delayed graph of the job (threads and processes schedulers).
    #[arg(long)]
    pub vs_dask: bool,
    /// Repetitions per measurement; the median is reported.
    #[arg(long, default_value_t = 5)]
    pub repeat: usize,
    /// Reuters-21578 directory.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Worker threads for the "all workers" column (default: all cores).
    #[arg(long)]
    pub workers: Option<usize>,
}

/// The stage names, in order (an interface: `--json` uses them as keys).
pub(crate) const STAGES: [&str; 5] = ["parse", "vectorize", "chained_sgd", "averaged_lr", "total"];

#[derive(Default, Clone, serde::Serialize)]
struct Row {
    dklearn_s: Option<f64>,
    dklearn_1w_s: Option<f64>,
    sklearn_s: Option<f64>,
    dask_s: Option<f64>,
    dask_processes_s: Option<f64>,
}

fn median(mut xs: Vec<f64>) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    xs.sort_by(|a, b| a.total_cmp(b));
    Some(xs[xs.len() / 2])
}

/// Median over `repeat` runs of every stage, on `workers` threads.
fn time_dklearn(
    cfg: &JobConfig,
    workers: usize,
    repeat: usize,
) -> crate::Result<BTreeMap<&'static str, f64>> {
    let mut samples: BTreeMap<&'static str, Vec<f64>> = BTreeMap::new();
    for _ in 0..repeat {
        for (name, secs) in time_stages(cfg, &dklearn_executor::Threaded::new(workers)).msg()? {
            samples.entry(name).or_default().push(secs);
        }
        let total = run_once(cfg, workers, &[])?.wall_s;
        samples.entry("total").or_default().push(total);
    }
    Ok(samples
        .into_iter()
        .filter_map(|(k, v)| median(v).map(|m| (k, m)))
        .collect())
}

pub(crate) fn run(args: Args) -> crate::Result<()> {
    let dir = crate::data::find_reuters(args.data.as_deref())?;
    let cfg = JobConfig::new(&dir, "acq", 0).msg()?;
    let workers = args.workers.unwrap_or_else(default_workers).max(1);
    let repeat = args.repeat.max(1);
    let mut rows: BTreeMap<&'static str, Row> =
        STAGES.iter().map(|s| (*s, Row::default())).collect();
    // Warm the page cache and the allocator once.
    run_once(&cfg, workers, &[])?;
    if !args.json {
        eprintln!("bench: dklearn on {workers} workers and on 1 worker ({repeat} runs each)");
    }
    for (k, v) in time_dklearn(&cfg, workers, repeat)? {
        if let Some(r) = rows.get_mut(k) {
            r.dklearn_s = Some(v);
        }
    }
    for (k, v) in time_dklearn(&cfg, 1, repeat)? {
        if let Some(r) = rows.get_mut(k) {
            r.dklearn_1w_s = Some(v);
        }
    }
    let sk_repeat = repeat.min(3).to_string();
    if args.vs_sklearn {
        if !args.json {
            eprintln!("bench: scikit-learn ({sk_repeat} runs)");
        }
        let out =
            crate::reference::run_reference(&dir, &["--mode", "sklearn", "--repeat", &sk_repeat])?;
        for (stage, field) in [
            ("parse", "parse_s"),
            ("vectorize", "vectorize_s"),
            ("chained_sgd", "chained_sgd_s"),
            ("averaged_lr", "averaged_lr_s"),
            ("total", "total_s"),
        ] {
            let v: Vec<f64> = out.iter().filter_map(|r| r[field].as_f64()).collect();
            if let Some(r) = rows.get_mut(stage) {
                r.sklearn_s = median(v);
            }
        }
    }
    if args.vs_dask {
        let w = workers.to_string();
        for (mode, threads) in [("dask-threads", true), ("dask-processes", false)] {
            if !args.json {
                eprintln!("bench: {mode} ({sk_repeat} runs)");
            }
            let out = crate::reference::run_reference(
                &dir,
                &["--mode", mode, "--workers", &w, "--repeat", &sk_repeat],
            )?;
            let v = median(out.iter().filter_map(|r| r["total_s"].as_f64()).collect());
            if let Some(r) = rows.get_mut("total") {
                if threads {
                    r.dask_s = v;
                } else {
                    r.dask_processes_s = v;
                }
            }
        }
    }
    if args.json {
        let stages: BTreeMap<&str, &Row> = rows.iter().map(|(k, v)| (*k, v)).collect();
        println!(
            "{}",
            serde_json::json!({ "stages": stages, "workers": workers, "repeat": repeat })
        );
        return Ok(());
    }
    print_table(&rows, workers);
    Ok(())
}

fn fmt_s(v: Option<f64>) -> String {
    match v {
        Some(s) if s < 1.0 => format!("{:.1} ms", s * 1e3),
        Some(s) => format!("{s:.2} s"),
        None => "-".into(),
    }
}

fn print_table(rows: &BTreeMap<&'static str, Row>, workers: usize) {
    println!(
        "| stage | dklearn ({workers} workers) | dklearn (1 worker) | scikit-learn | dask threads | dask processes | vs scikit-learn | vs dask |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for stage in STAGES {
        let r = &rows[stage];
        let ratio = |other: Option<f64>| match (other, r.dklearn_s) {
            (Some(o), Some(d)) if d > 0.0 => format!("{:.0}×", o / d),
            _ => "-".into(),
        };
        println!(
            "| {stage} | {} | {} | {} | {} | {} | {} | {} |",
            fmt_s(r.dklearn_s),
            fmt_s(r.dklearn_1w_s),
            fmt_s(r.sklearn_s),
            fmt_s(r.dask_s),
            fmt_s(r.dask_processes_s),
            ratio(r.sklearn_s),
            ratio(r.dask_s),
        );
    }
}
