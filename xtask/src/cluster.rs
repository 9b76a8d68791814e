//! `--processes N` / `--hostfile FILE --process I` for the job commands:
//! one process of a cluster, or all N of a local one on loopback ports.
//! The flags' rules and the launcher are `dklearn_cluster::local`'s (shared
//! with `dklearn train`); this is the glue.

use std::ffi::OsString;
use std::path::Path;

use dklearn_cluster::local;
use dklearn_cluster::Cluster;

use crate::Msg;

/// How a job command runs.
pub(crate) enum Mode {
    /// On this process's threads (no cluster flag).
    Threaded,
    /// Launch N local processes and wait for them.
    Local(usize),
    /// Be one process of a cluster.
    Member(Cluster),
}

/// The cluster flags of the job commands (timely's -n/-h/-p under their
/// long names; `--workers` is timely's -w).
#[derive(clap::Args, Clone, Debug, Default)]
pub(crate) struct ClusterArgs {
    /// Run on a cluster of N processes (timely's -n). Without --hostfile:
    /// N local processes on free loopback ports, started by this command;
    /// process 0 reports. --workers is then threads per process (default 1).
    #[arg(long)]
    pub processes: Option<usize>,
    /// One `host:port` per line, one line per process (timely's -h): run
    /// this machine's process of a real cluster (with --process).
    #[arg(long)]
    pub hostfile: Option<std::path::PathBuf>,
    /// This process's index in the hostfile (timely's -p).
    #[arg(long)]
    pub process: Option<usize>,
}

impl ClusterArgs {
    /// How the command runs, given its `--workers`.
    pub(crate) fn mode(&self, workers: Option<usize>) -> crate::Result<Mode> {
        from_flags(
            self.processes,
            self.hostfile.as_deref(),
            self.process,
            workers,
        )
    }
}

/// Reads the cluster flags (timely's -n/-p/-h/-w under their long names).
pub(crate) fn from_flags(
    processes: Option<usize>,
    hostfile: Option<&Path>,
    process: Option<usize>,
    threads: Option<usize>,
) -> crate::Result<Mode> {
    Ok(
        match local::Mode::from_flags(processes, hostfile, process, threads).msg()? {
            local::Mode::Threaded => Mode::Threaded,
            local::Mode::Local(n) => Mode::Local(n),
            local::Mode::Member(cfg) => Mode::Member(Cluster::new(cfg)),
        },
    )
}

/// Starts `n` copies of this program as `subcommand args... --hostfile F
/// --process I --processes n` on free loopback ports and waits for them
/// ([`local::launch`]): process 0's output is this command's.
pub(crate) fn launch(n: usize, subcommand: &str, args: &[String]) -> crate::Result<()> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let mut all: Vec<OsString> = vec![subcommand.into()];
    all.extend(args.iter().map(OsString::from));
    local::launch(n, &exe, &all).msg()
}

/// A cluster member with `--memory-limit` applied (each process keeps its
/// held values under the limit, spilling to `target/dklearn/spill`).
pub(crate) fn limited(c: Cluster, memory_limit: Option<usize>) -> Cluster {
    match memory_limit {
        Some(limit) => {
            dklearn_executor::single_malloc_arena();
            c.memory_limit(limit)
                .spill_dir(crate::data::workspace_root().join("target/dklearn/spill"))
        }
        None => c,
    }
}
