//! `cargo xtask ci`: the gate `.ci/run` calls. Nothing clever: the same cargo
//! commands a developer would type, stopping at the first failure.

use std::process::Command;

/// Flags of `cargo xtask ci`.
#[derive(clap::Args)]
pub struct Args {}

fn cargo(args: &[&str]) -> crate::Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    eprintln!("$ cargo {}", args.join(" "));
    let status = Command::new(&cargo)
        .args(args)
        .current_dir(crate::data::workspace_root())
        .status()
        .map_err(|e| format!("cannot run {cargo}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`cargo {}` failed ({status})", args.join(" ")))
    }
}

pub fn run(_args: Args) -> crate::Result<()> {
    cargo(&["fmt", "--all", "--check"])?;
    cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ])?;
    cargo(&["test", "--workspace", "--all-targets"])?;
    cargo(&["test", "--workspace", "--doc"])?;
    eprintln!("ci: all green");
    Ok(())
}
