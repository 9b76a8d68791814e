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
