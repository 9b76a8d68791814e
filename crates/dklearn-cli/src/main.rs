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
    /// Predict with a saved pipeline: one JSON string (a text) per line on
    /// stdin, one JSON value per line on stdout.
    Predict(predict::Args),
    /// Train a text classifier on your own JSON-lines, CSV or text files and
    /// report its accuracy on a seeded per-partition test split.
    Train(Box<train::Args>),
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

/// Caps glibc malloc at two arenas. Out-of-core training frees 16 MiB blocks on
/// whichever worker thread last read them; with glibc's default of up to 8 arenas per
/// core the freed space scatters across arenas and the peak RSS of a 1 GB `train` run
/// was 260-275 MB, with two arenas 218-240 MB (same wall time). Does nothing off glibc.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        const M_ARENA_MAX: i32 = -8;
        extern "C" {
            fn mallopt(param: i32, value: i32) -> i32;
        }
        // SAFETY: mallopt only sets a tuning parameter of glibc's malloc under its own
        // lock; it is called before any thread is started. A refusal (0) keeps the default.
        unsafe {
            mallopt(M_ARENA_MAX, 2);
        }
    }
}

fn main() -> ExitCode {
    limit_malloc_arenas();
    let cli = Cli::parse();
    let (name, result): (&str, Result<(), Failure>) = match cli.cmd {
        Cmd::Predict(a) => ("predict", predict::run(a)),
        Cmd::Train(a) => ("train", train::run(*a)),
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
