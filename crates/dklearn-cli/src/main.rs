//! `dklearn`: the command-line program. One module per subcommand; this file
//! only parses, dispatches and turns the outcome into an exit code.
//!
//! Exit codes: 0 on success (also when the reader of stdout goes away: a
//! broken pipe ends the program quietly), 1 on an error (printed on stderr
//! as `dklearn <subcommand>: <message>`), 2 on a usage error (clap's).
#![deny(missing_docs)]

use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod predict;

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
    /// Predict with a saved pipeline: one JSON string (a text) per line on
    /// stdin, one JSON value per line on stdout.
    Predict(predict::Args),
}

/// A subcommand's failure.
type Failure = Box<dyn std::error::Error>;

/// Whether the failure is (caused by) a closed stdout.
fn is_broken_pipe(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::BrokenPipe {
                return true;
            }
        }
        cur = err.source();
    }
    false
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let (name, result): (&str, Result<(), Failure>) = match cli.cmd {
        Cmd::Predict(a) => ("predict", predict::run(a)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if is_broken_pipe(e.as_ref()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dklearn {name}: {e}");
            ExitCode::FAILURE
        }
    }
}
