//! `cargo xtask`: every chore of the project as one Rust program.
//!
//! Subcommands other programs call (names, flags and JSON fields are interfaces:
//! add, never rename): `reproduce`, `accuracy`, `bench`, `parity`, `ci`,
//! `parse-reuters`, `vectorize`, `scale`, `tidy`, `search`, `fetch-data`, `train-bench`.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod accuracy;
mod bench;
mod ci;
mod cluster;
mod data;
mod fetch_data;
mod interrupt;
mod parity;
mod parse_reuters;
mod predict_bench;
mod reference;
mod reproduce;
mod scale;
mod search;
mod size;
mod skops;
mod tidy;
mod train_bench;
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

/// The message of the error that ends a command quietly: stdout was closed
/// (`cargo xtask reproduce | head -1`).
pub(crate) const CLOSED_STDOUT: &str = "stdout closed";

/// Writes `text` and a newline; a closed pipe is [`CLOSED_STDOUT`] (the
/// command stops quietly, exit 0), any other failure an error.
pub(crate) fn write_line(w: &mut impl std::io::Write, text: &str) -> Result<()> {
    match w
        .write_all(text.as_bytes())
        .and_then(|()| w.write_all(b"\n"))
        .and_then(|()| w.flush())
    {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(CLOSED_STDOUT.into()),
        Err(e) => Err(format!("writing to stdout: {e}")),
    }
}

/// A write error on stdout as the command's error: a closed pipe is
/// [`CLOSED_STDOUT`] (the command stops quietly).
pub(crate) fn stdout_error(e: std::io::Error) -> String {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        CLOSED_STDOUT.into()
    } else {
        format!("writing to stdout: {e}")
    }
}

/// A JSON write error on stdout, as [`stdout_error`].
pub(crate) fn json_stdout_error(e: serde_json::Error) -> String {
    match e.io_error_kind() {
        Some(kind) => stdout_error(kind.into()),
        None => format!("writing JSON: {e}"),
    }
}

/// `println!` that returns from the command (quietly) when stdout is closed,
/// where `println!` panics.
#[macro_export]
macro_rules! outln {
    () => {
        $crate::write_line(&mut ::std::io::stdout().lock(), "")?
    };
    ($($t:tt)*) => {
        $crate::write_line(&mut ::std::io::stdout().lock(), &format!($($t)*))?
    };
}

/// The most worker threads `--workers` may ask for. Each worker is an OS
/// thread with its own stack and queue; past a few per core they add memory,
/// not speed (100,000 workers took 1.29 GB).
pub(crate) const MAX_WORKERS: usize = 256;

/// `--workers`: all cores when absent, 0 read as 1, more than
/// [`MAX_WORKERS`] refused.
pub(crate) fn workers(flag: Option<usize>) -> Result<usize> {
    match flag {
        None => Ok(reproduce::default_workers()),
        Some(n) if n > MAX_WORKERS => Err(format!(
            "--workers {n} is more than the maximum of {MAX_WORKERS} worker threads \
             (this machine has {} cores)",
            reproduce::default_workers()
        )),
        Some(n) => Ok(n.max(1)),
    }
}

/// Writes a diagnostic file (a profile page) through `write` to a temporary
/// name beside `path`, then renames it into place, so a failed write (a full
/// disk) leaves no partial file. Returns the temporary file to [`TempFile::commit`].
pub(crate) fn write_temp(
    path: &std::path::Path,
    write: impl FnOnce(&std::path::Path) -> Result<()>,
) -> Result<TempFile> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".tmp-{}", std::process::id()));
    let tmp = TempFile {
        tmp: path.with_file_name(name),
        dest: path.to_path_buf(),
    };
    write(&tmp.tmp)?;
    Ok(tmp)
}

/// A written temporary file: [`TempFile::commit`] renames it to its
/// destination; dropped uncommitted, it is removed.
#[derive(Debug)]
pub(crate) struct TempFile {
    tmp: std::path::PathBuf,
    dest: std::path::PathBuf,
}

impl TempFile {
    /// Renames the file into place.
    pub(crate) fn commit(self) -> Result<std::path::PathBuf> {
        std::fs::rename(&self.tmp, &self.dest).map_err(|e| {
            format!(
                "cannot rename {} to {}: {e}",
                self.tmp.display(),
                self.dest.display()
            )
        })?;
        Ok(self.dest.clone())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.tmp);
    }
}

/// The process's exit: a closed stdout is success, any other error is
/// printed on stderr.
fn exit_code(result: Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) if msg == CLOSED_STDOUT => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("error: {msg}");
            ExitCode::FAILURE
        }
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
    /// `dklearn train` out of core on generated JSON lines (deleted afterwards), vs scikit-learn and dask.bag.
    TrainBench(train_bench::Args),
    /// Download Reuters-21578, verify it against pinned SHA-256 sums, move it into place.
    FetchData(fetch_data::Args),
    /// GridSearchCV of 24 candidates x 3 partition folds on the Reuters training part, as one graph.
    Search(search::Args),
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
    interrupt::install();
    let result = match cli.cmd {
        Cmd::Reproduce(a) => reproduce::run(a),
        Cmd::Accuracy(a) => accuracy::run(a),
        Cmd::Bench(a) => bench::run(a),
        Cmd::Ci(a) => ci::run(a),
        Cmd::Parity(a) => parity::run(a),
        Cmd::ParseReuters(a) => parse_reuters::run(a),
        Cmd::Vectorize(a) => vectorize::run(a),
        Cmd::Scale(a) => scale::run(a),
        Cmd::FetchData(a) => fetch_data::run(a),
        Cmd::TrainBench(a) => train_bench::run(a),
        Cmd::Search(a) => search::run(a),
        Cmd::PredictBench(a) => predict_bench::run(a),
        Cmd::SkopsModels(a) => skops::run(a),
        Cmd::Tidy(a) => tidy::run(a),
    };
    exit_code(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{self, Write};

    struct Closed;

    impl Write for Closed {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_stdout_ends_the_command_quietly() {
        // Issue 12: `reproduce | head -1` panicked in println! (exit 101).
        let e = write_line(&mut Closed, "0.96").unwrap_err();
        assert_eq!(e, CLOSED_STDOUT);
        assert_eq!(exit_code(Err(e)), ExitCode::SUCCESS);
        assert_eq!(exit_code(Err("bad".into())), ExitCode::FAILURE);
        let mut buf = Vec::new();
        write_line(&mut buf, "ok").unwrap();
        assert_eq!(buf, b"ok\n");
        assert_eq!(
            stdout_error(io::ErrorKind::BrokenPipe.into()),
            CLOSED_STDOUT
        );
        let json = serde_json::to_writer(&mut Closed, &[1]).unwrap_err();
        assert_eq!(json_stdout_error(json), CLOSED_STDOUT);
    }

    #[test]
    fn workers_are_capped_with_a_clear_message() {
        // Issue 12: `--workers 100000` started 100,000 threads.
        let e = workers(Some(100_000)).unwrap_err();
        assert!(
            e.contains("--workers 100000") && e.contains("maximum of 256"),
            "{e}"
        );
        assert_eq!(workers(Some(MAX_WORKERS)), Ok(MAX_WORKERS));
        assert_eq!(workers(Some(0)), Ok(1));
        assert!(workers(None).unwrap() >= 1);
    }

    #[test]
    fn a_failed_diagnostic_write_leaves_no_file() {
        // Issue 12: a full disk left a 0-byte profile.html.
        let dir = std::env::temp_dir().join(format!("dklearn-write-temp-{}", std::process::id()));
        let path = dir.join("profile.html");
        let e = write_temp(&path, |tmp| {
            std::fs::write(tmp, b"").unwrap();
            Err(format!("{}: No space left on device", tmp.display()))
        })
        .unwrap_err();
        assert!(e.contains("No space left"), "{e}");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "no file left");
        let t = write_temp(&path, |tmp| {
            std::fs::write(tmp, b"<html>").map_err(|e| e.to_string())
        })
        .unwrap();
        assert!(!path.exists(), "not in place before commit");
        assert_eq!(t.commit().unwrap(), path);
        assert_eq!(std::fs::read(&path).unwrap(), b"<html>");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
