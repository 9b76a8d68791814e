//! `dklearn`: the command-line program. One module per subcommand; this file
//! only parses, dispatches and turns the outcome into an exit code.
//!
//! Exit codes: 0 on success, 1 on an error (printed on stderr as
//! `dklearn <subcommand>: <message>`), 2 on a usage error (clap's).
#![deny(missing_docs)]

use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod train;

/// dklearn: scikit-learn-exact text classifiers, trained out of core.
#[derive(Parser)]
#[command(name = "dklearn", version, about)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

/// The subcommands, one module each.
#[derive(Subcommand)]
enum Cmd {
    /// Train a text classifier on your own JSON-lines, CSV or text files and
    /// report its accuracy on a seeded per-partition test split.
    Train(train::Args),
}

/// A subcommand's failure.
type Failure = Box<dyn std::error::Error>;

fn main() -> ExitCode {
    dklearn_executor::keep_freed_memory();
    let cli = Cli::parse();
    let (name, result): (&str, Result<(), Failure>) = match cli.cmd {
        Cmd::Train(a) => ("train", train::run(a)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dklearn {name}: {e}");
            ExitCode::FAILURE
        }
    }
}
