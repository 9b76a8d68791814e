//! `--processes N` / `--hostfile FILE --process I` for the job commands:
//! one process of a cluster, or all N of a local one on loopback ports.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use dklearn_cluster::{Cluster, Config};

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
    match (processes, hostfile, process) {
        (None, None, None) => Ok(Mode::Threaded),
        (Some(n), None, None) => {
            if n == 0 {
                return Err("--processes must be at least 1".into());
            }
            Ok(Mode::Local(n))
        }
        (n, Some(h), Some(p)) => {
            let addresses = dklearn_cluster::read_hostfile(h).msg()?;
            if let Some(n) = n {
                if n != addresses.len() {
                    return Err(format!(
                        "hostfile {} lists {} process addresses but --processes is {n}",
                        h.display(),
                        addresses.len()
                    ));
                }
            }
            let cfg = Config::cluster(threads.unwrap_or(1).max(1), p, addresses).msg()?;
            Ok(Mode::Member(Cluster::new(cfg)))
        }
        (_, Some(_), None) => Err("--hostfile needs --process I (this process's line)".into()),
        (_, None, Some(_)) => Err("--process needs --hostfile FILE".into()),
    }
}

/// Children killed (and reaped) when dropped: a failed launcher leaves none.
struct Children(Vec<Child>);

impl Drop for Children {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Starts `n` copies of this program as `subcommand args... --hostfile F
/// --process I --processes n` on free loopback ports; process 0's output is
/// this command's, the others' stdout is dropped (their errors show on
/// stderr). Fails if any process fails; the others are then given the
/// failure-detection bound to end on their own, then killed.
pub(crate) fn launch(n: usize, subcommand: &str, args: &[String]) -> crate::Result<()> {
    let listeners: Vec<TcpListener> = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0"))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("finding a free loopback port: {e}"))?;
    let mut hosts = String::new();
    for l in &listeners {
        let port = l
            .local_addr()
            .map_err(|e| format!("finding a free loopback port: {e}"))?
            .port();
        hosts.push_str(&format!("127.0.0.1:{port}\n"));
    }
    drop(listeners);
    let dir = crate::data::workspace_root().join("target/dklearn");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let hostfile = dir.join(format!("hosts-{}.txt", std::process::id()));
    std::fs::write(&hostfile, hosts)
        .map_err(|e| format!("cannot write {}: {e}", hostfile.display()))?;
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let mut children = Children(Vec::new());
    for p in 0..n {
        let mut cmd = Command::new(&exe);
        cmd.arg(subcommand)
            .args(args)
            .arg("--hostfile")
            .arg(&hostfile)
            .args(["--process", &p.to_string(), "--processes", &n.to_string()]);
        if p != 0 {
            cmd.stdout(Stdio::null());
        }
        let child = cmd
            .spawn()
            .map_err(|e| format!("cannot start process {p}: {e}"))?;
        children.0.push(child);
    }
    let mut failed: Option<(usize, std::time::Instant)> = None;
    let mut done = vec![false; n];
    loop {
        for (p, c) in children.0.iter_mut().enumerate() {
            if done[p] {
                continue;
            }
            if let Some(status) = c
                .try_wait()
                .map_err(|e| format!("waiting for process {p}: {e}"))?
            {
                done[p] = true;
                if !status.success() && failed.is_none() {
                    failed = Some((p, std::time::Instant::now()));
                }
            }
        }
        if done.iter().all(|&d| d) {
            break;
        }
        if let Some((_, at)) = failed {
            if at.elapsed() > Duration::from_secs(15) {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = std::fs::remove_file(&hostfile);
    match failed {
        Some((p, _)) => Err(format!("process {p} of {n} failed")),
        None => Ok(()),
    }
}
