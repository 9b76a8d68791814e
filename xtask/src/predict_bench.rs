//! `cargo xtask predict-bench`: `dklearn predict` (JSON lines in, labels out:
//! parse + vectorize + predict + write, one process, one core) against
//! scikit-learn's `pipeline.predict` on the same texts and the same model.
//!
//! 1. Writes every Reuters document's text (`title + "\n\n" + body`) as one
//!    JSON string per line to `target/dklearn/predict-bench/texts.jsonl`.
//! 2. Runs the job and saves its Chained SGD pipeline (or takes `--model`).
//! 3. Builds the release `dklearn` binary and runs `dklearn predict` on the
//!    file `--runs` times (stdin from the file, stdout to a file); keeps the
//!    fastest wall time.
//! 4. Runs `xtask/reference/predict_bench.py` in the parity venv: the
//!    fastest of `--runs` timings of `pipeline.predict(texts)` (and of
//!    decoding the JSON lines), after checking its labels equal dklearn's.
//!
//! Throughput is MB of text (UTF-8 bytes of the decoded strings) per second.

use crate::Msg;
use dklearn_skops::{FittedTextPipeline, Model, Skops};
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// Flags of `cargo xtask predict-bench`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Reuters-21578 directory (default: $DKLEARN_DATA, ../shared/data/reuters21578, ./data/reuters21578).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// A saved pipeline to use instead of the job's Chained SGD.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Timed runs of each side (the fastest is kept).
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
}

pub(crate) fn run(args: Args) -> crate::Result<()> {
    let root = crate::data::workspace_root();
    let dir = root.join("target/dklearn/predict-bench");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let data = crate::data::find_reuters(args.data.as_deref())?;
    let cfg = dklearn_reuters::JobConfig::new(&data, "acq", 0).msg()?;

    // 1. The texts.
    let texts_path = dir.join("texts.jsonl");
    let mut lines = String::new();
    let mut text_bytes = 0usize;
    let mut n_texts = 0usize;
    for f in &cfg.files {
        for d in dklearn_reuters::read_copy(f, 0).msg()? {
            let t = d.text();
            text_bytes += t.len();
            n_texts += 1;
            lines.push_str(&serde_json::Value::from(t).to_string());
            lines.push('\n');
        }
    }
    std::fs::write(&texts_path, &lines).map_err(|e| format!("{}: {e}", texts_path.display()))?;

    // 2. The model.
    let model = match args.model {
        Some(m) => m,
        None => {
            let out = crate::reproduce::run_once(&cfg, crate::reproduce::default_workers(), &[])?;
            let (sgd, _) = out.models.ok_or("the job returned no models")?;
            let vect = dklearn_reuters::vectorizer().msg()?;
            let pipe = FittedTextPipeline::new(vect, Model::from(sgd)).msg()?;
            let path = dir.join("chained_sgd.skops");
            pipe.save(&path).msg()?;
            path
        }
    };

    // 3. dklearn predict.
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--release", "-p", "dklearn-cli"])
        .current_dir(&root)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err("building dklearn-cli failed".into());
    }
    let bin = root.join("target/release/dklearn");
    let out_path = dir.join("dklearn.out.jsonl");

    // 4. Both timed by the script (CPU times too: the machine may be shared).
    let python = crate::parity::venv_python(&["skops==0.16.0"])?;
    let script = root.join("xtask/reference/predict_bench.py");
    let out = Command::new(&python)
        .arg(&script)
        .arg(&bin)
        .arg(&model)
        .arg(&texts_path)
        .arg(&out_path)
        .arg(args.runs.max(1).to_string())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    if !out.status.success() {
        return Err(format!("{} failed ({})", script.display(), out.status));
    }
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).msg()?;
    let get = |k: &str| {
        r[k].as_f64()
            .ok_or(format!("no {k} in the script's output"))
    };
    let mb = text_bytes as f64 / 1e6;
    println!(
        "predict-bench: {n_texts} texts, {mb:.1} MB, model {}, fastest of {} runs",
        model.display(),
        args.runs.max(1)
    );
    println!("| side | what is timed | wall | MB/s (wall) | CPU | MB/s (CPU) |");
    println!("|---|---|---|---|---|---|");
    let row = |side: &str, what: &str, wall: f64, cpu: f64| {
        println!(
            "| {side} | {what} | {wall:.3} s | {:.1} | {cpu:.3} s | {:.1} |",
            mb / wall,
            mb / cpu
        )
    };
    let (dw, dc) = (get("dklearn_wall")?, get("dklearn_cpu")?);
    let (pw, pc) = (get("predict_wall")?, get("predict_cpu")?);
    let (jw, jc) = (get("parse_wall")?, get("parse_cpu")?);
    row(
        "`dklearn predict`",
        "whole process: load model, parse JSON lines, vectorize, predict, write labels",
        dw,
        dc,
    );
    row(
        "scikit-learn `pipeline.predict`",
        "vectorize + predict (texts already decoded)",
        pw,
        pc,
    );
    row(
        "scikit-learn + `json.loads`",
        "parse lines + vectorize + predict",
        pw + jw,
        pc + jc,
    );
    println!(
        "speed-up over pipeline.predict: {:.1}x (wall), {:.1}x (CPU); labels equal: {}",
        pw / dw,
        pc / dc,
        r["labels_equal"]
    );
    if r["labels_equal"] != serde_json::Value::Bool(true) {
        return Err("scikit-learn's labels differ from dklearn's".into());
    }
    Ok(())
}
