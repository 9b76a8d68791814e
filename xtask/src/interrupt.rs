//! Interrupts: what a command leaves behind when it is stopped.
//!
//! - Ctrl-C (SIGINT) or SIGTERM: [`install`]'s handler removes every
//!   directory registered by a live [`RunDir`], stops every registered
//!   child process, and exits with status 130.
//! - A child started with [`tie_to_parent`] gets SIGTERM when its parent
//!   dies, even by `kill -9` (Linux `PR_SET_PDEATHSIG`), so it cleans up and
//!   stops instead of running on as an orphan.
//! - `kill -9` itself cannot be caught: what the killed process registered
//!   stays until the next run removes it (see `scale`'s spill directories).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, Once};

/// Directories to remove and child processes to stop on an interrupt.
static CLEANUP: Mutex<Cleanup> = Mutex::new(Cleanup {
    dirs: Vec::new(),
    children: Vec::new(),
});

struct Cleanup {
    dirs: Vec<PathBuf>,
    children: Vec<u32>,
}

fn registry() -> std::sync::MutexGuard<'static, Cleanup> {
    CLEANUP.lock().unwrap_or_else(|e| e.into_inner())
}

/// Installs the SIGINT/SIGTERM handler (once per process). If the handler
/// cannot be installed, interrupts keep their default effect (the process
/// dies; its directories are removed by the next run).
pub(crate) fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            cleanup_all();
            std::process::exit(130);
        });
    });
}

/// Removes every registered directory and stops every registered child.
pub(crate) fn cleanup_all() {
    let (dirs, children) = {
        let mut r = registry();
        (std::mem::take(&mut r.dirs), std::mem::take(&mut r.children))
    };
    for pid in children {
        if let Ok(pid) = libc::pid_t::try_from(pid) {
            // SAFETY: kill(2) on a pid this process started; no memory involved.
            unsafe {
                libc::kill(pid, libc::SIGTERM);
            }
        }
    }
    for d in dirs {
        // Workers may still be writing into it: try again once.
        if std::fs::remove_dir_all(&d).is_err() {
            let _ = std::fs::remove_dir_all(&d);
        }
    }
}

/// A directory owned by one run: removed with everything in it when the
/// guard is dropped (the run ended, well or not) or on an interrupt.
#[derive(Debug)]
pub(crate) struct RunDir {
    path: PathBuf,
}

impl RunDir {
    /// Creates `path` (and its parents) and registers it for removal.
    pub(crate) fn create(path: PathBuf) -> crate::Result<RunDir> {
        std::fs::create_dir_all(&path)
            .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        registry().dirs.push(path.clone());
        Ok(RunDir { path })
    }

    /// The directory.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for RunDir {
    fn drop(&mut self) {
        registry().dirs.retain(|d| d != &self.path);
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Makes the child `cmd` will start receive SIGTERM when this process dies
/// (Linux; elsewhere a no-op).
pub(crate) fn tie_to_parent(cmd: &mut Command) {
    dklearn_cluster::local::tie_to_parent(cmd);
}

/// Runs `cmd` (tied to this process) to completion, capturing its output;
/// an interrupt meanwhile stops it too.
pub(crate) fn output(cmd: &mut Command) -> std::io::Result<std::process::Output> {
    tie_to_parent(cmd);
    let child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()?;
    let pid = child.id();
    registry().children.push(pid);
    let out = child.wait_with_output();
    registry().children.retain(|&p| p != pid);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt;

    #[test]
    fn cleanup_removes_run_dirs_and_stops_children() {
        let dir = std::env::temp_dir().join(format!("dklearn-rundir-{}", std::process::id()));
        let run = RunDir::create(dir.join("spill-1")).unwrap();
        std::fs::write(run.path().join("chunk.bin"), b"x").unwrap();
        let mut child = Command::new("sleep").arg("30").spawn().unwrap();
        registry().children.push(child.id());
        cleanup_all();
        assert!(!run.path().exists(), "run dir removed on interrupt");
        let status = child.wait().unwrap();
        assert_eq!(status.signal(), Some(libc::SIGTERM), "child stopped");
        drop(run);
        // Dropped normally, a run dir goes too.
        let run = RunDir::create(dir.join("spill-2")).unwrap();
        let p = run.path().to_path_buf();
        drop(run);
        assert!(!p.exists());
        assert!(registry().dirs.is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_tied_child_dies_with_its_parent() {
        // Issue 12: killing `scale` orphaned its `--one` child, which ran to
        // completion. Linux sends the death signal when the thread that
        // started the child ends, so a thread stands in for a killed parent.
        let child = std::thread::spawn(|| {
            let mut cmd = Command::new("sleep");
            cmd.arg("30");
            tie_to_parent(&mut cmd);
            cmd.spawn().unwrap()
        })
        .join()
        .unwrap();
        let mut child = child;
        // Bounded: `sleep 30` ends by itself if the tie failed.
        let status = child.wait().unwrap();
        assert_eq!(status.signal(), Some(libc::SIGTERM), "{status}");
    }
}
