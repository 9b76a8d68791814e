//! `cargo xtask`: every chore of the project as one Rust program.
//!
//! Subcommands other programs call (names, flags and JSON fields are interfaces:
//! add, never rename): `reproduce`, `accuracy`, `bench`, `parity`, `ci`,
//! `parse-reuters`, `vectorize`, `scale`, `tidy`.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod accuracy;
mod bench;
mod ci;
mod cluster;
mod data;
mod parity;
mod parse_reuters;
mod predict_bench;
mod reference;
mod reproduce;
mod scale;
mod size;
mod skops;
mod tidy;
mod vectorize;

/// The error type of every subcommand: a message for the user.
pub type Result<T> = std::result::Result<T, String>;

/// A library error as the user's message (`.msg()?`): xtask is the
/// command-line edge, where typed errors become text.
pub trait Msg<T> {
    /// The error's `Display` text.
    fn msg(self) -> Result<T>;
}

impl<T, E: std::fmt::Display> Msg<T> for std::result::Result<T, E> {
    fn msg(self) -> Result<T> {
        self.map_err(|e| e.to_string())
    }
}

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "dklearn's chores: reproduce, accuracy, bench, parity, ci"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// The main job: Chained SGD and Averaged logistic regression on Reuters-21578.
    Reproduce(reproduce::Args),
    /// Both scores over K seeds (mean ± std), optionally beside scikit-learn's on the same splits.
    Accuracy(accuracy::Args),
    /// Stage timings of dklearn (1 and all workers), scikit-learn and dask, with ratios.
    Bench(bench::Args),
    /// fmt check, clippy -D warnings, tidy, rustdoc -D warnings, all tests and doc tests.
    Ci(ci::Args),
    /// Regenerate or check the scikit-learn parity fixtures (makes a venv under target/).
    Parity(parity::Args),
    /// Print one JSON object per Reuters document, in file then document order.
    ParseReuters(parse_reuters::Args),
    /// The job over the corpus streamed K times: docs, bytes, wall time, docs/s, peak RSS.
    Scale(scale::Args),
    /// `dklearn predict` against scikit-learn's pipeline.predict on the Reuters texts (MB/s).
    PredictBench(predict_bench::Args),
    /// Fit dklearn models from scikit-learn's unfitted skops files and save them (the Rust half of parity/skops.py).
    #[command(hide = true)]
    SkopsModels(skops::Args),
    /// The crate graph is ARCHITECTURE.md's, no unused dependency, generated files fresh, shared lints.
    Tidy(tidy::Args),
    /// Read one JSON string per line on stdin, print one hashed sparse row per line.
    Vectorize(vectorize::Args),
}

fn main() -> ExitCode {
    dklearn_executor::keep_freed_memory();
    let cli = Cli::parse();
    let result = match cli.cmd {
        Cmd::Reproduce(a) => reproduce::run(a),
        Cmd::Accuracy(a) => accuracy::run(a),
        Cmd::Bench(a) => bench::run(a),
        Cmd::Ci(a) => ci::run(a),
        Cmd::Parity(a) => parity::run(a),
        Cmd::ParseReuters(a) => parse_reuters::run(a),
        Cmd::Vectorize(a) => vectorize::run(a),
        Cmd::Scale(a) => scale::run(a),
        Cmd::PredictBench(a) => predict_bench::run(a),
        Cmd::SkopsModels(a) => skops::run(a),
        Cmd::Tidy(a) => tidy::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("error: {msg}");
            ExitCode::FAILURE
        }
    }
}
