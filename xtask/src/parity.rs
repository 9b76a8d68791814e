//! `cargo xtask parity`: regenerate the scikit-learn parity fixtures and check
//! the Rust code against live scikit-learn.
//!
//! 1. Makes (once) a Python venv under `target/parity-venv` with
//!    `pip install scikit-learn==1.9.1`.
//! 2. Runs every `xtask/parity/*.py` (files starting with `_` are helpers, not
//!    scripts) as `python SCRIPT --root ROOT --xtask THIS_BINARY --data DIR`.
//!    Each script rewrites its committed fixtures, runs its live checks against
//!    this binary, prints a summary and exits non-zero on a mismatch.
//! 3. Runs the Rust parity tests (`cargo test`) on the fresh fixtures.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The scikit-learn version every fixture is generated with.
pub(crate) const SKLEARN_VERSION: &str = "1.9.1";

/// Flags of `cargo xtask parity`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Run only the scripts whose file stem contains this string (e.g. `text`).
    #[arg(long)]
    pub only: Option<String>,
    /// Reuters-21578 directory (default: $DKLEARN_DATA, ../shared/data/reuters21578, ./data/reuters21578).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Skip `cargo test` after regenerating.
    #[arg(long)]
    pub no_test: bool,
}

/// The venv's python, creating the venv (and installing `packages`) when needed.
pub(crate) fn venv_python(packages: &[&str]) -> crate::Result<PathBuf> {
    let root = crate::data::workspace_root();
    let venv = root.join("target/parity-venv");
    let python = venv.join("bin/python");
    if !python.exists() {
        eprintln!("parity: creating {}", venv.display());
        exec(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    }
    let sklearn = format!("scikit-learn=={SKLEARN_VERSION}");
    let mut wanted: Vec<&str> = vec![&sklearn];
    wanted.extend_from_slice(packages);
    let missing: Vec<&str> = wanted
        .iter()
        .copied()
        .filter(|p| !installed(&python, p))
        .collect();
    if !missing.is_empty() {
        eprintln!("parity: pip install {}", missing.join(" "));
        exec(
            Command::new(&python)
                .args(["-m", "pip", "install", "-q"])
                .args(&missing),
        )?;
    }
    Ok(python)
}

fn installed(python: &Path, requirement: &str) -> bool {
    let (name, version) = match requirement.split_once("==") {
        Some((n, v)) => (n, Some(v)),
        None => (requirement, None),
    };
    let out = Command::new(python)
        .args(["-m", "pip", "show", name])
        .output();
    match out {
        Ok(o) if o.status.success() => match version {
            None => true,
            Some(v) => String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l.trim() == format!("Version: {v}")),
        },
        _ => false,
    }
}

fn exec(cmd: &mut Command) -> crate::Result<()> {
    let status = cmd
        .status()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{cmd:?} failed ({status})"))
    }
}

pub(crate) fn run(args: Args) -> crate::Result<()> {
    let root = crate::data::workspace_root();
    let python = venv_python(&["skops==0.16.0"])?;
    let me = std::env::current_exe().map_err(|e| format!("cannot locate the xtask binary: {e}"))?;
    let data = crate::data::find_reuters(args.data.as_deref()).ok();
    if data.is_none() {
        eprintln!("parity: no Reuters data found; scripts run without it");
    }
    let dir = root.join("xtask/parity");
    let mut scripts: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "py"))
        .filter(|p| {
            let stem = p.file_stem().map(|s| s.to_string_lossy().into_owned());
            let stem = stem.unwrap_or_default();
            !stem.starts_with('_') && args.only.as_deref().is_none_or(|o| stem.contains(o))
        })
        .collect();
    scripts.sort();
    if scripts.is_empty() {
        return Err(format!("no parity scripts in {}", dir.display()));
    }
    let mut failed = Vec::new();
    for s in &scripts {
        eprintln!("parity: {}", s.display());
        let mut cmd = Command::new(&python);
        cmd.arg(s)
            .arg("--root")
            .arg(&root)
            .arg("--xtask")
            .arg(&me)
            .arg("--data")
            .arg(data.as_deref().unwrap_or(Path::new("")))
            .current_dir(&root);
        if let Err(e) = exec(&mut cmd) {
            eprintln!("parity: FAILED: {e}");
            failed.push(s.display().to_string());
        }
    }
    if !args.no_test {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        exec(
            Command::new(cargo)
                .args([
                    "test",
                    "-p",
                    "dklearn-text",
                    "-p",
                    "dklearn-estimators",
                    "-p",
                    "dklearn-skops",
                ])
                .current_dir(&root),
        )?;
    }
    if failed.is_empty() {
        eprintln!(
            "parity: {} scripts, all match scikit-learn {SKLEARN_VERSION}",
            scripts.len()
        );
        Ok(())
    } else {
        Err(format!("parity mismatches in: {}", failed.join(", ")))
    }
}
