//! `cargo xtask train-bench`: `dklearn train` out of core on generated JSON lines
//! (written under `target/train-bench/`, deleted afterwards), its wall time and peak
//! RSS per size, and the same training with scikit-learn alone and fed by
//! `dask.bag.read_text` (`xtask/reference/train_jsonl.py`), with ratios.

use crate::Msg;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Flags of `cargo xtask train-bench`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Data set sizes in MB (1e6 bytes), comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1000")]
    sizes_mb: Vec<u64>,
    /// Block size passed to every reader.
    #[arg(long, default_value = "16MiB")]
    blocksize: String,
    /// dklearn's workers (default: all cores).
    #[arg(long)]
    workers: Option<usize>,
    /// Also run the scikit-learn loop on the largest size.
    #[arg(long)]
    vs_sklearn: bool,
    /// Also run dask.bag.read_text feeding the same loop on the largest size.
    #[arg(long)]
    vs_dask: bool,
    /// Keep the generated files.
    #[arg(long)]
    keep: bool,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

const CLASSES: [&str; 3] = ["business", "science", "sports"];

/// splitmix64: the generator's only randomness, seeded, so the data is the same everywhere.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Writes about `bytes` of JSON lines (`{"id":..,"text":..,"label":..}`, ~1 kB each)
/// into files of at most 128 MB under `dir`.
fn generate(dir: &Path, bytes: u64) -> crate::Result<(u64, u64)> {
    std::fs::create_dir_all(dir).msg()?;
    let mut rng = Rng(20261201);
    let per_file: u64 = 128_000_000;
    let (mut written, mut docs, mut file_no) = (0u64, 0u64, 0);
    while written < bytes {
        let path = dir.join(format!("part-{file_no:03}.jsonl"));
        file_no += 1;
        let mut w = BufWriter::new(std::fs::File::create(&path).msg()?);
        let mut in_file = 0u64;
        let mut line = String::with_capacity(2048);
        while in_file < per_file && written + in_file < bytes {
            let c = rng.below(3) as usize;
            line.clear();
            line.push_str(&format!("{{\"id\":{docs},\"text\":\""));
            let n_words = 100 + rng.below(100);
            for k in 0..n_words {
                if k > 0 {
                    line.push(' ');
                }
                let r = rng.below(100);
                if r < 3 {
                    line.push_str(&format!("{}{}", &CLASSES[c][..3], rng.below(300)));
                } else if r < 5 {
                    let o = rng.below(3) as usize;
                    line.push_str(&format!("{}{}", &CLASSES[o][..3], rng.below(300)));
                } else {
                    line.push_str(&format!("w{}", rng.below(5000)));
                }
            }
            line.push_str(&format!("\",\"label\":\"{}\"}}\n", CLASSES[c]));
            w.write_all(line.as_bytes()).msg()?;
            in_file += line.len() as u64;
            docs += 1;
        }
        w.flush().msg()?;
        written += in_file;
    }
    Ok((written, docs))
}

fn run_json(cmd: &mut Command, what: &str) -> crate::Result<serde_json::Value> {
    let out = cmd.output().map_err(|e| format!("{what}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{what} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let last = text.lines().last().unwrap_or("");
    serde_json::from_str(last).map_err(|e| format!("{what}: not JSON ({e}): {last}"))
}

fn f(v: &serde_json::Value, k: &str) -> f64 {
    v[k].as_f64().unwrap_or(f64::NAN)
}

pub(crate) fn run(a: Args) -> crate::Result<()> {
    let root = crate::data::workspace_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(&cargo)
        .args(["build", "--release", "-p", "dklearn-cli"])
        .current_dir(&root)
        .status()
        .msg()?;
    if !status.success() {
        return Err("cargo build --release -p dklearn-cli failed".into());
    }
    let bin = root.join("target/release/dklearn");
    let bs = a.blocksize.clone();
    let workers = a
        .workers
        .unwrap_or_else(crate::reproduce::default_workers)
        .max(1);
    let base = root.join("target/train-bench");
    let mut rows = Vec::new();
    let mut sizes = a.sizes_mb.clone();
    sizes.sort();
    let largest = *sizes.last().ok_or("--sizes-mb is empty")?;
    let mut cleanup: Vec<PathBuf> = Vec::new();
    let result = (|| -> crate::Result<()> {
        for &mb in &sizes {
            let dir = base.join(format!("data-{mb}mb"));
            cleanup.push(dir.clone());
            let (bytes, docs) = generate(&dir, mb * 1_000_000)?;
            let input = format!("{}/*.jsonl", dir.display());
            let mut args: Vec<String> = vec![
                "train".into(),
                "--input".into(),
                input.clone(),
                "--text-field".into(),
                "text".into(),
                "--label-field".into(),
                "label".into(),
                "--blocksize".into(),
                bs.clone(),
                "--workers".into(),
                workers.to_string(),
                "--json".into(),
            ];
            let found = run_json(Command::new(&bin).args(&args), "dklearn train")?;
            args.extend(["--classes".into(), CLASSES.join(",")]);
            let given = run_json(Command::new(&bin).args(&args), "dklearn train --classes")?;
            eprintln!(
                "train-bench: {mb} MB ({docs} docs): dklearn {:.1} s {:.0} MB (classes found), {:.1} s {:.0} MB (classes given)",
                f(&found, "wall_s"),
                f(&found, "peak_rss_mb"),
                f(&given, "wall_s"),
                f(&given, "peak_rss_mb")
            );
            let mut row = serde_json::json!({
                "size_mb": mb, "bytes": bytes, "docs": docs,
                "dklearn_classes_found": found, "dklearn_classes_given": given,
            });
            if mb == largest && (a.vs_sklearn || a.vs_dask) {
                let python = crate::parity::venv_python(if a.vs_dask { &["dask"] } else { &[] })?;
                let script = root.join("xtask/reference/train_jsonl.py");
                let bs_bytes = parse_size(&bs)?;
                let modes: Vec<&str> = [("sklearn", a.vs_sklearn), ("dask", a.vs_dask)]
                    .iter()
                    .filter(|(_, on)| *on)
                    .map(|(m, _)| *m)
                    .collect();
                for m in modes {
                    let v = run_json(
                        Command::new(&python).arg(&script).args([
                            "--input",
                            &input,
                            "--blocksize",
                            &bs_bytes.to_string(),
                            "--mode",
                            m,
                            "--classes",
                            &CLASSES.join(","),
                        ]),
                        m,
                    )?;
                    eprintln!(
                        "train-bench: {mb} MB: {m} {:.1} s {:.0} MB, accuracy {}",
                        f(&v, "wall_s"),
                        f(&v, "peak_rss_mb"),
                        v["accuracy"]
                    );
                    row[m] = v;
                }
            }
            rows.push(row);
            if !a.keep {
                std::fs::remove_dir_all(&dir).msg()?;
            }
        }
        Ok(())
    })();
    if !a.keep {
        for d in &cleanup {
            let _ = std::fs::remove_dir_all(d);
        }
        let _ = std::fs::remove_dir(&base);
    }
    result?;
    if a.json {
        println!("{}", serde_json::to_string(&rows).msg()?);
        return Ok(());
    }
    println!("| size | docs | dklearn (classes found) | dklearn (--classes) | scikit-learn | dask.bag | accuracy (dklearn / scikit-learn) |");
    println!("|---|---|---|---|---|---|---|");
    for r in &rows {
        let cell = |v: &serde_json::Value| {
            if v.is_null() {
                "—".to_string()
            } else {
                format!("{:.1} s, {:.0} MB", f(v, "wall_s"), f(v, "peak_rss_mb"))
            }
        };
        let given = &r["dklearn_classes_given"];
        let ratio = |v: &serde_json::Value| {
            if v.is_null() {
                String::new()
            } else {
                format!(" ({:.1}×)", f(v, "wall_s") / f(given, "wall_s"))
            }
        };
        println!(
            "| {} MB | {} | {} | {} | {}{} | {}{} | {} / {} |",
            r["size_mb"],
            r["docs"],
            cell(&r["dklearn_classes_found"]),
            cell(given),
            cell(&r["sklearn"]),
            ratio(&r["sklearn"]),
            cell(&r["dask"]),
            ratio(&r["dask"]),
            given["accuracy"],
            r["sklearn"]["accuracy"]
        );
    }
    Ok(())
}

/// `16MiB`, `64MB` or bytes (the same rule as `dklearn train --blocksize`).
fn parse_size(s: &str) -> crate::Result<u64> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let n: u64 = t[..split]
        .parse()
        .map_err(|_| format!("--blocksize {s:?}: not a size"))?;
    let m = match t[split..].trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        u => return Err(format!("--blocksize {s:?}: unknown unit {u:?}")),
    };
    Ok(n * m)
}
