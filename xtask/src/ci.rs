//! `cargo xtask ci`: the gate `.ci/run` calls. Nothing clever: the same cargo
//! commands a developer would type, stopping at the first failure.

use std::process::Command;

/// Flags of `cargo xtask ci`.
#[derive(clap::Args)]
pub(crate) struct Args {}

fn cargo(args: &[&str]) -> crate::Result<()> {
    cargo_env(&[], args)
}

fn cargo_env(env: &[(&str, &str)], args: &[&str]) -> crate::Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let shown: Vec<String> = env.iter().map(|(k, v)| format!("{k}=\"{v}\" ")).collect();
    eprintln!("$ {}cargo {}", shown.concat(), args.join(" "));
    let status = Command::new(&cargo)
        .envs(env.iter().copied())
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

pub(crate) fn run(_args: Args) -> crate::Result<()> {
    cargo(&["fmt", "--all", "--check"])?;
    cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ])?;
    eprintln!("$ cargo xtask tidy");
    crate::tidy::run(crate::tidy::Args {})?;
    // Intra-doc links resolve, and rustdoc has nothing else to say.
    cargo_env(
        &[("RUSTDOCFLAGS", "-D warnings")],
        &["doc", "--workspace", "--no-deps"],
    )?;
    cargo(&["test", "--workspace", "--all-targets"])?;
    cargo(&["test", "--workspace", "--doc"])?;
    eprintln!("ci: all green");
    Ok(())
}
