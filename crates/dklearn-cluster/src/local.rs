//! A program's cluster flags, and a local cluster: N copies of the program
//! on free loopback ports, started and watched by the one the user ran.
//!
//! A command that takes `--processes N`, `--hostfile FILE --process I` (and
//! threads per process) reads them with [`Mode::from_flags`]:
//!
//! - no flag: [`Mode::Threaded`], the command runs on its own threads;
//! - `--processes N` alone: [`Mode::Local`], the command calls [`launch`],
//!   which starts N copies of the program as the processes of a cluster on
//!   127.0.0.1 (each given `--hostfile F --process I --processes N`), shows
//!   process 0's output as its own and waits for them all;
//! - `--hostfile FILE --process I`: [`Mode::Member`], this is one process
//!   of a cluster; the command computes with a [`Cluster`](crate::Cluster)
//!   of that [`Config`].
//!
//! The children never outlive the launcher: on Linux each is tied to it
//! (`PR_SET_PDEATHSIG`: SIGTERM when the launcher dies, whatever kills it,
//! including Ctrl-C, which also reaches them directly as members of the
//! terminal's process group); a failed launch kills and reaps every child
//! already started; once one process fails, the others are given
//! [`FAILURE_GRACE`] to end on their own (they notice the lost process
//! within their heartbeat or connect timeout) and are then killed.

use std::ffi::OsString;
use std::fmt;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::config::{read_hostfile, Config, ConfigError};

/// How a command given cluster flags runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// No cluster flag: on this process's threads.
    Threaded,
    /// `--processes N` without a hostfile: start N local processes
    /// ([`launch`]) and wait for them.
    Local(usize),
    /// `--hostfile FILE --process I`: be process I of that cluster.
    Member(Config),
}

impl Mode {
    /// Reads the cluster flags of a command: `processes` (`--processes`,
    /// timely's `-n`), `hostfile` (`--hostfile`, `-h`), `process`
    /// (`--process`, `-p`) and `threads` (task threads per process, `-w`;
    /// default 1, used by [`Mode::Member`] only).
    ///
    /// ```
    /// use dklearn_cluster::local::Mode;
    /// assert_eq!(Mode::from_flags(None, None, None, None).unwrap(), Mode::Threaded);
    /// assert_eq!(Mode::from_flags(Some(3), None, None, None).unwrap(), Mode::Local(3));
    /// let e = Mode::from_flags(None, None, Some(1), None).unwrap_err();
    /// assert_eq!(e.to_string(), "--process needs --hostfile FILE");
    /// ```
    pub fn from_flags(
        processes: Option<usize>,
        hostfile: Option<&Path>,
        process: Option<usize>,
        threads: Option<usize>,
    ) -> Result<Mode, ConfigError> {
        match (processes, hostfile, process) {
            (None, None, None) => Ok(Mode::Threaded),
            (Some(0), _, _) => Err(ConfigError::new("--processes must be at least 1")),
            (Some(n), None, None) => Ok(Mode::Local(n)),
            (n, Some(h), Some(p)) => {
                let addresses = read_hostfile(h)?;
                if let Some(n) = n {
                    if n != addresses.len() {
                        return Err(ConfigError::new(format!(
                            "hostfile {} lists {} process addresses but --processes is {n}",
                            h.display(),
                            addresses.len()
                        )));
                    }
                }
                Ok(Mode::Member(Config::cluster(
                    threads.unwrap_or(1),
                    p,
                    addresses,
                )?))
            }
            (_, Some(_), None) => Err(ConfigError::new(
                "--hostfile needs --process I (this process's line)",
            )),
            (_, None, Some(_)) => Err(ConfigError::new("--process needs --hostfile FILE")),
        }
    }
}

/// How long the other processes of a local cluster are given to end on
/// their own once one has failed, before they are killed.
pub const FAILURE_GRACE: Duration = Duration::from_secs(15);

/// A local cluster that could not start or did not succeed.
#[derive(Debug)]
pub enum LaunchError {
    /// Finding ports, writing the hostfile, starting or waiting for a
    /// process failed.
    Io {
        /// What was being done.
        context: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A process ended unsuccessfully (the first one to, by the time it was
    /// noticed). Its own error went to the shared stderr.
    Failed {
        /// The process's index.
        process: usize,
        /// Number of processes.
        processes: usize,
        /// How it ended.
        status: ExitStatus,
    },
}

impl fmt::Display for LaunchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LaunchError::Io { context, source } => write!(f, "{context}: {source}"),
            LaunchError::Failed {
                process,
                processes,
                status,
            } => write!(f, "process {process} of {processes} failed ({status})"),
        }
    }
}

impl std::error::Error for LaunchError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LaunchError::Io { source, .. } => Some(source),
            LaunchError::Failed { .. } => None,
        }
    }
}

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> LaunchError {
    let context = context.into();
    move |source| LaunchError::Io { context, source }
}

/// `n` distinct free ports on 127.0.0.1, as `127.0.0.1:PORT` (bound all at
/// once so they differ, released on return: another program could take
/// one meanwhile, which the cluster then reports as a port in use).
pub fn free_loopback_addresses(n: usize) -> Result<Vec<String>, LaunchError> {
    let listeners: Vec<TcpListener> = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0"))
        .collect::<Result<_, _>>()
        .map_err(io("finding a free loopback port"))?;
    listeners
        .iter()
        .map(|l| {
            l.local_addr()
                .map(|a| format!("127.0.0.1:{}", a.port()))
                .map_err(io("finding a free loopback port"))
        })
        .collect()
}

/// Children killed and reaped when dropped, and a hostfile removed.
struct Started {
    children: Vec<Child>,
    hostfile: PathBuf,
}

impl Drop for Started {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = std::fs::remove_file(&self.hostfile);
    }
}

/// Makes the child `cmd` starts receive SIGTERM when the thread that
/// started it (the launcher, which waits on that thread) ends (Linux; a
/// no-op elsewhere). Public for other launchers of child processes (xtask's
/// commands use it for theirs).
pub fn tie_to_parent(cmd: &mut Command) {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        let parent = libc::pid_t::try_from(std::process::id()).unwrap_or(0);
        // SAFETY: the closure runs in the forked child before exec and only
        // calls async-signal-safe functions (prctl, getppid, _exit).
        unsafe {
            cmd.pre_exec(move || {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                // The parent may have died before the prctl: stop now.
                if libc::getppid() != parent {
                    libc::_exit(130);
                }
                Ok(())
            });
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = cmd;
}

/// Runs a local cluster of `n` processes: `program args... --hostfile F
/// --process I --processes n` for I in 0..n, on free loopback ports (the
/// hostfile `F` is written to the system's temporary directory and removed
/// at the end; only a launcher killed outright, which runs no code, leaves
/// it behind). Process 0's stdout is this process's; the others' is
/// dropped; every process's stderr is this one's. Returns when every
/// process has ended, `Ok` if all succeeded; once one fails the others get
/// [`FAILURE_GRACE`] to end on their own, then are killed. Blocks the
/// calling thread (which the children are tied to; see the module docs).
///
/// `program` is usually `std::env::current_exe()`, so the processes run the
/// same binary, as a cluster's processes must (they build the same graph).
pub fn launch(n: usize, program: &Path, args: &[OsString]) -> Result<(), LaunchError> {
    launch_with_grace(n, program, args, FAILURE_GRACE)
}

fn launch_with_grace(
    n: usize,
    program: &Path,
    args: &[OsString],
    grace: Duration,
) -> Result<(), LaunchError> {
    let addresses = free_loopback_addresses(n)?;
    let hostfile = std::env::temp_dir().join(format!(
        "dklearn-hosts-{}-{}.txt",
        std::process::id(),
        addresses.first().map_or("", |a| &a[10..])
    ));
    let mut started = Started {
        children: Vec::with_capacity(n),
        hostfile: hostfile.clone(),
    };
    std::fs::write(&hostfile, addresses.join("\n") + "\n")
        .map_err(io(format!("cannot write {}", hostfile.display())))?;
    for p in 0..n {
        let mut cmd = Command::new(program);
        cmd.args(args).arg("--hostfile").arg(&hostfile).args([
            "--process",
            &p.to_string(),
            "--processes",
            &n.to_string(),
        ]);
        if p != 0 {
            cmd.stdout(Stdio::null());
        }
        tie_to_parent(&mut cmd);
        let child = cmd.spawn().map_err(io(format!(
            "cannot start process {p} of {n} ({})",
            program.display()
        )))?;
        started.children.push(child);
    }
    let mut failed: Option<(usize, ExitStatus, Instant)> = None;
    let mut done = vec![false; n];
    while !done.iter().all(|&d| d) {
        for (p, c) in started.children.iter_mut().enumerate() {
            if done[p] {
                continue;
            }
            if let Some(status) = c
                .try_wait()
                .map_err(io(format!("waiting for process {p} of {n}")))?
            {
                done[p] = true;
                if !status.success() && failed.is_none() {
                    failed = Some((p, status, Instant::now()));
                }
            }
        }
        if failed.is_some_and(|(_, _, at)| at.elapsed() > grace) {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    // Dropping `started` kills what is left and removes the hostfile.
    drop(started);
    match failed {
        Some((process, status, _)) => Err(LaunchError::Failed {
            process,
            processes: n,
            status,
        }),
        None => Ok(()),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// `sh -c SCRIPT x --hostfile F --process I --processes N`: `$2` is the
    /// hostfile, `$4` the process index.
    fn sh(script: &str) -> (PathBuf, Vec<OsString>) {
        let args = ["-c", script, "x"].map(OsString::from).to_vec();
        (PathBuf::from("sh"), args)
    }

    fn gone(pid: &str) -> bool {
        // Reaped, or a zombie left to a parent that does not reap.
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Err(_) => true,
            Ok(s) => s
                .rsplit(')')
                .next()
                .is_some_and(|r| r.trim_start().starts_with('Z')),
        }
    }

    #[test]
    fn flags_make_a_mode_or_a_clear_error() {
        let dir = std::env::temp_dir().join(format!("dklearn-local-flags-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let hosts = dir.join("hosts.txt");
        std::fs::write(&hosts, "127.0.0.1:4000\n127.0.0.1:4001\n").unwrap();
        match Mode::from_flags(None, Some(&hosts), Some(1), Some(2)).unwrap() {
            Mode::Member(c) => assert_eq!((c.process(), c.processes(), c.threads()), (1, 2, 2)),
            other => panic!("{other:?}"),
        }
        let e = Mode::from_flags(Some(3), Some(&hosts), Some(1), None).unwrap_err();
        assert!(
            e.to_string()
                .ends_with("lists 2 process addresses but --processes is 3"),
            "{e}"
        );
        let e = Mode::from_flags(None, Some(&hosts), None, None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "--hostfile needs --process I (this process's line)"
        );
        let e = Mode::from_flags(Some(0), None, None, None).unwrap_err();
        assert_eq!(e.to_string(), "--processes must be at least 1");
        let e = Mode::from_flags(None, Some(&hosts), Some(2), None).unwrap_err();
        assert!(e.to_string().contains("is not below"), "{e}");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn processes_get_the_cluster_flags_and_succeed_together() {
        let (sh, args) = sh(
            r#"test "$1" = --hostfile && test "$3" = --process && test "$5" = --processes && test "$6" = 3 && test "$(grep -c 127.0.0.1: "$2")" = 3"#,
        );
        launch_with_grace(3, &sh, &args, Duration::from_secs(5)).unwrap();
    }

    #[test]
    fn a_failed_process_fails_the_launch_and_the_others_are_killed() {
        // Process 1 fails at once; process 0 would sleep for a minute.
        let (sh, args) =
            sh(r#"echo $$ > "$2.pid$4"; if [ "$4" = 1 ]; then exit 3; fi; exec sleep 60"#);
        let start = Instant::now();
        let e = launch_with_grace(2, &sh, &args, Duration::from_millis(300)).unwrap_err();
        assert!(start.elapsed() < Duration::from_secs(20), "bounded");
        match &e {
            LaunchError::Failed {
                process,
                processes,
                status,
            } => {
                assert_eq!((*process, *processes, status.code()), (1, 2, Some(3)));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(e.to_string(), "process 1 of 2 failed (exit status: 3)");
        // The sleeper is dead, and the hostfile removed.
        let tmp = std::env::temp_dir();
        let prefix = format!("dklearn-hosts-{}-", std::process::id());
        let mut pids = 0;
        for f in std::fs::read_dir(&tmp).unwrap().flatten() {
            let name = f.file_name().to_string_lossy().into_owned();
            if name.starts_with(&prefix) && name.ends_with(".pid0") {
                let pid = std::fs::read_to_string(f.path()).unwrap();
                assert!(gone(pid.trim()), "process 0 ({}) still runs", pid.trim());
                pids += 1;
                let hostfile = PathBuf::from(f.path().to_string_lossy().trim_end_matches(".pid0"));
                assert!(!hostfile.exists(), "{} left behind", hostfile.display());
                std::fs::remove_file(f.path()).ok();
                std::fs::remove_file(f.path().with_extension("pid1")).ok();
            }
        }
        assert_eq!(pids, 1);
    }

    /// The launcher side of the next test: does nothing unless re-executed
    /// by it.
    #[test]
    fn launcher_process() {
        let Ok(dir) = std::env::var("DKLEARN_LOCAL_TEST_DIR") else {
            return;
        };
        let script =
            format!(r#"echo "$2" > "{dir}/hosts$4"; echo $$ > "{dir}/pid$4"; exec sleep 60"#);
        let (sh, args) = sh(&script);
        let _ = launch(2, &sh, &args);
    }

    /// A launcher killed outright (`kill -9`: no handler runs) takes its
    /// processes with it (Linux: they are tied to it).
    #[cfg(target_os = "linux")]
    #[test]
    fn children_die_with_a_killed_launcher() {
        let dir = std::env::temp_dir().join(format!("dklearn-local-kill-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut launcher = Command::new(std::env::current_exe().unwrap())
            .args([
                "local::tests::launcher_process",
                "--exact",
                "--test-threads=1",
            ])
            .env("DKLEARN_LOCAL_TEST_DIR", &dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let start = Instant::now();
        let pids: Vec<String> = loop {
            let pids: Vec<String> = (0..2)
                .filter_map(|p| std::fs::read_to_string(dir.join(format!("pid{p}"))).ok())
                .filter(|s| s.ends_with('\n'))
                .map(|s| s.trim().to_string())
                .collect();
            if pids.len() == 2 {
                break pids;
            }
            if start.elapsed() > Duration::from_secs(20) {
                let _ = launcher.kill();
                let _ = launcher.wait();
                panic!("the launcher's processes did not start");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        launcher.kill().unwrap();
        launcher.wait().unwrap();
        let killed = Instant::now();
        while !pids.iter().all(|p| gone(p)) {
            if killed.elapsed() > Duration::from_secs(5) {
                let _ = Command::new("kill").args(&pids).status();
                panic!("processes {pids:?} outlived their launcher");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        // A launcher killed outright leaves its hostfile (no code runs).
        if let Ok(hosts) = std::fs::read_to_string(dir.join("hosts0")) {
            std::fs::remove_file(hosts.trim()).ok();
        }
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn a_program_that_cannot_start_is_an_io_error() {
        let e = launch(2, Path::new("/nonexistent/dklearn"), &[]).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("cannot start process 0 of 2 (/nonexistent/dklearn): "),
            "{e}"
        );
        assert!(std::error::Error::source(&e).is_some());
    }
}
