//! `cargo xtask accuracy`: both scores over K seeds, mean ± std, and with
//! `--vs-sklearn` scikit-learn's scores on the same splits side by side.

use crate::reproduce::{default_workers, run_once};
use crate::Msg;
use dklearn_reuters::JobConfig;
use std::path::PathBuf;

/// Flags of `cargo xtask accuracy`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Number of seeds (0..K).
    #[arg(long, default_value_t = 10)]
    pub seeds: u64,
    /// Topic to classify (any label of the corpus: earn, crude, trade, usa, ...).
    #[arg(long, default_value = "acq")]
    pub topic: String,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Also run scikit-learn (venv under target/) on the same splits.
    #[arg(long)]
    pub vs_sklearn: bool,
    /// Reuters-21578 directory.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub workers: Option<usize>,
}

/// Mean and population standard deviation (numpy's `std`, ddof = 0).
/// `a - b` rounded to the 4 printed decimals, so equal scores print `+0.0000`.
fn diff(a: f64, b: f64) -> f64 {
    let d = ((a - b) * 1e4).round() / 1e4;
    if d == 0.0 {
        0.0
    } else {
        d
    }
}

pub(crate) fn mean_std(xs: &[f64]) -> (f64, f64) {
    let n = xs.len().max(1) as f64;
    let m = xs.iter().sum::<f64>() / n;
    let v = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n;
    (m, v.sqrt())
}

#[derive(serde::Serialize)]
struct PerSeed {
    seed: u64,
    chained_sgd: f64,
    averaged_lr: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    sklearn_chained_sgd: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sklearn_averaged_lr: Option<f64>,
}

#[derive(serde::Serialize)]
struct Report {
    topic: String,
    seeds: u64,
    chained_sgd_mean: f64,
    chained_sgd_std: f64,
    averaged_lr_mean: f64,
    averaged_lr_std: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    sklearn_chained_sgd_mean: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sklearn_chained_sgd_std: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sklearn_averaged_lr_mean: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sklearn_averaged_lr_std: Option<f64>,
    per_seed: Vec<PerSeed>,
}

pub(crate) fn run(args: Args) -> crate::Result<()> {
    if args.seeds == 0 {
        return Err("--seeds must be at least 1".into());
    }
    let dir = crate::data::find_reuters(args.data.as_deref())?;
    let workers = args.workers.unwrap_or_else(default_workers).max(1);
    let mut per_seed = Vec::new();
    for seed in 0..args.seeds {
        let cfg = JobConfig::new(&dir, &args.topic, seed).msg()?;
        let out = run_once(&cfg, workers, &[])?;
        if !args.json {
            eprintln!(
                "seed {seed}: Chained SGD {:.4}  Averaged LR {:.4}  ({:.3} s)",
                out.chained_sgd, out.averaged_lr, out.wall_s
            );
        }
        per_seed.push(PerSeed {
            seed,
            chained_sgd: out.chained_sgd,
            averaged_lr: out.averaged_lr,
            sklearn_chained_sgd: None,
            sklearn_averaged_lr: None,
        });
    }
    if args.vs_sklearn {
        let seeds: Vec<String> = (0..args.seeds).map(|s| s.to_string()).collect();
        let rows = crate::reference::run_reference(
            &dir,
            &[
                "--seeds",
                &seeds.join(","),
                "--topic",
                &args.topic,
                "--mode",
                "sklearn",
            ],
        )?;
        for row in rows {
            let seed = row["seed"].as_u64().ok_or("reference: no seed")?;
            if let Some(p) = per_seed.iter_mut().find(|p| p.seed == seed) {
                p.sklearn_chained_sgd = row["chained_sgd"].as_f64();
                p.sklearn_averaged_lr = row["averaged_lr"].as_f64();
            }
        }
    }
    let col = |f: &dyn Fn(&PerSeed) -> Option<f64>| -> Option<Vec<f64>> {
        per_seed.iter().map(f).collect()
    };
    let (sm, ss) = mean_std(&col(&|p| Some(p.chained_sgd)).unwrap_or_default());
    let (lm, ls) = mean_std(&col(&|p| Some(p.averaged_lr)).unwrap_or_default());
    let sk_sgd = col(&|p| p.sklearn_chained_sgd).map(|v| mean_std(&v));
    let sk_lr = col(&|p| p.sklearn_averaged_lr).map(|v| mean_std(&v));
    let report = Report {
        topic: args.topic.clone(),
        seeds: args.seeds,
        chained_sgd_mean: sm,
        chained_sgd_std: ss,
        averaged_lr_mean: lm,
        averaged_lr_std: ls,
        sklearn_chained_sgd_mean: sk_sgd.map(|m| m.0),
        sklearn_chained_sgd_std: sk_sgd.map(|m| m.1),
        sklearn_averaged_lr_mean: sk_lr.map(|m| m.0),
        sklearn_averaged_lr_std: sk_lr.map(|m| m.1),
        per_seed,
    };
    if args.json {
        println!(
            "{}",
            serde_json::to_string(&report).map_err(|e| e.to_string())?
        );
        return Ok(());
    }
    println!(
        "topic '{}', {} seeds, {} workers",
        report.topic, report.seeds, workers
    );
    if args.vs_sklearn {
        println!(
            "{:>5}  {:>12} {:>12} {:>8}  {:>12} {:>12} {:>8}",
            "seed", "SGD dklearn", "SGD sklearn", "diff", "LR dklearn", "LR sklearn", "diff"
        );
        for p in &report.per_seed {
            let (a, b) = (
                p.sklearn_chained_sgd.unwrap_or(f64::NAN),
                p.sklearn_averaged_lr.unwrap_or(f64::NAN),
            );
            println!(
                "{:>5}  {:>12.4} {:>12.4} {:>+8.4}  {:>12.4} {:>12.4} {:>+8.4}",
                p.seed,
                p.chained_sgd,
                a,
                diff(p.chained_sgd, a),
                p.averaged_lr,
                b,
                diff(p.averaged_lr, b)
            );
        }
    }
    println!(
        "Chained SGD   {:.4} ± {:.4}{}",
        sm,
        ss,
        sk_sgd.map_or(String::new(), |(m, s)| format!(
            "   scikit-learn {m:.4} ± {s:.4}   diff {:+.4}",
            diff(sm, m)
        ))
    );
    println!(
        "Averaged LR   {:.4} ± {:.4}{}",
        lm,
        ls,
        sk_lr.map_or(String::new(), |(m, s)| format!(
            "   scikit-learn {m:.4} ± {s:.4}   diff {:+.4}",
            diff(lm, m)
        ))
    );
    Ok(())
}
