//! Spilling: where a memory-limited run keeps the values it drops, and the
//! bookkeeping of live bytes.
//!
//! The policy itself (what to spill when, who reads it back) is in
//! `threaded.rs`; this module has the files and the accounting.

use std::collections::BTreeSet;
use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use dklearn_graph::Codecs;
use parking_lot::Mutex;

/// How spill files are written and read. [`DiskFiles`] is the default; a
/// test or an unusual store (another disk, an object store mount) can put
/// its own in with [`Threaded::spill_files`](crate::Threaded::spill_files).
pub trait SpillFiles: Send + Sync + fmt::Debug {
    /// Writes `bytes` to `path` completely or fails; a failed write must not
    /// leave a file at `path` (nothing half-written is ever read back).
    fn write(&self, path: &Path, bytes: &[u8]) -> io::Result<()>;
    /// Reads the whole file at `path`.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
}

/// Spill files on the local file system: written to `NAME.tmp`, flushed,
/// then renamed to `NAME`, so a crash or a full disk never leaves a partial
/// file under the final name.
#[derive(Debug, Default, Clone, Copy)]
pub struct DiskFiles;

impl SpillFiles for DiskFiles {
    fn write(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        let tmp = path.with_extension("tmp");
        let result = (|| {
            let mut f = fs::File::create(&tmp)?;
            f.write_all(bytes)?;
            f.flush()?;
            drop(f);
            fs::rename(&tmp, path)
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        fs::read(path)
    }
}

/// One run's spill directory, `BASE/run-<pid>-<n>`, created on the first
/// spill and removed (with everything in it) when the run ends, however it
/// ends. Creating one first removes the run directories under `BASE` whose
/// process is gone (killed runs), on systems with `/proc`. Public for other
/// schedulers that spill (the cluster scheduler's processes).
///
/// ```
/// let base = std::env::temp_dir().join(format!("dklearn-doc-spill-{}", std::process::id()));
/// let dir = dklearn_executor::SpillDir::create(&base).unwrap();
/// let path = dir.path().to_path_buf();
/// assert!(path.starts_with(&base));
/// drop(dir);
/// assert!(!path.exists());
/// # let _ = std::fs::remove_dir_all(&base);
/// ```
#[derive(Debug)]
pub struct SpillDir {
    path: PathBuf,
}

/// The default spill base: `dklearn-spill` under the system temp directory.
pub fn default_base() -> PathBuf {
    std::env::temp_dir().join("dklearn-spill")
}

impl SpillDir {
    /// Creates a new run directory under `base` (and `base` itself).
    pub fn create(base: &Path) -> io::Result<SpillDir> {
        static RUNS: AtomicU64 = AtomicU64::new(0);
        fs::create_dir_all(base)?;
        remove_dead_runs(base);
        let pid = std::process::id();
        loop {
            let n = RUNS.fetch_add(1, Ordering::Relaxed);
            let path = base.join(format!("run-{pid}-{n}"));
            match fs::create_dir(&path) {
                Ok(()) => return Ok(SpillDir { path }),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// The run directory.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for SpillDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

/// Removes `BASE/run-<pid>-*` directories of processes that no longer exist.
fn remove_dead_runs(base: &Path) {
    let Ok(entries) = fs::read_dir(base) else {
        return;
    };
    let me = std::process::id();
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix("run-"))
            .and_then(|r| r.split('-').next())
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != me && !process_alive(pid) {
            let _ = fs::remove_dir_all(e.path());
        }
    }
}

#[cfg(target_os = "linux")]
fn process_alive(pid: u32) -> bool {
    Path::new("/proc").join(pid.to_string()).exists()
}

/// Without `/proc` a process cannot be checked cheaply: keep its directory.
#[cfg(not(target_os = "linux"))]
fn process_alive(_pid: u32) -> bool {
    true
}

/// A memory-limited run's configuration.
#[derive(Clone)]
pub(crate) struct MemoryConfig {
    pub limit: usize,
    pub base: Option<PathBuf>,
    pub codecs: Option<Arc<Codecs>>,
    pub files: Arc<dyn SpillFiles>,
}

impl PartialEq for MemoryConfig {
    fn eq(&self, other: &Self) -> bool {
        self.limit == other.limit && self.base == other.base
    }
}

/// Live bytes and the spill candidates of one run.
///
/// `resident` holds `(next_use, slot)` of every in-memory value that may be
/// spilled; the last element is the one needed latest. `entry[slot]` is
/// `Some((next_use, size))` exactly when the slot is in `resident`, and
/// `live` is the sum of those sizes plus `in_flight`, the inputs running
/// tasks took (counted until the task is done, never spillable). In the
/// threaded scheduler every change happens under the slot's own lock first
/// (slot, then this), so a value is counted once. Public for other
/// schedulers that spill (the cluster scheduler's processes).
///
/// ```
/// use dklearn_executor::SpillAccounts;
/// let mut a = SpillAccounts::new(3);
/// a.admit(0, 10, 5); // value 0: 10 bytes, next read by task 5
/// a.admit(1, 10, 9);
/// assert_eq!(a.victim(15), Some((1, 10))); // over 15 bytes: the one needed latest
/// assert_eq!(a.victim(15), None);
/// ```
#[derive(Debug, Default)]
pub struct Accounts {
    /// Bytes counted now: resident values plus `in_flight`.
    pub live: usize,
    /// Bytes of inputs that running tasks took.
    pub in_flight: usize,
    /// The most `live` has been.
    pub peak: usize,
    resident: BTreeSet<(u32, u32)>,
    entry: Vec<Option<(u32, usize)>>,
}

impl Accounts {
    /// Accounts for values numbered `0..n`.
    pub fn new(n: usize) -> Accounts {
        Accounts {
            entry: vec![None; n],
            ..Accounts::default()
        }
    }

    /// Counts `slot`'s value (of `size` bytes, next read by task `next`).
    pub fn admit(&mut self, slot: u32, size: usize, next: u32) {
        if self.entry[slot as usize].is_some() {
            return;
        }
        self.entry[slot as usize] = Some((next, size));
        self.resident.insert((next, slot));
        self.live += size;
        self.peak = self.peak.max(self.live);
    }

    /// Stops counting `slot` (its value left memory); returns its size.
    pub fn forget(&mut self, slot: u32) -> Option<usize> {
        let (next, size) = self.entry[slot as usize].take()?;
        self.resident.remove(&(next, slot));
        self.live -= size;
        Some(size)
    }

    /// A running task took `size` bytes of inputs.
    pub fn pin(&mut self, size: usize) {
        self.in_flight += size;
        self.live += size;
        self.peak = self.peak.max(self.live);
    }

    /// A task is done with `size` bytes of taken inputs.
    pub fn unpin(&mut self, size: usize) {
        self.in_flight -= size;
        self.live -= size;
    }

    /// `slot`'s value is next read by task `next`.
    pub fn touch(&mut self, slot: u32, next: u32) {
        if let Some((old, size)) = self.entry[slot as usize] {
            self.resident.remove(&(old, slot));
            self.resident.insert((next, slot));
            self.entry[slot as usize] = Some((next, size));
        }
    }

    /// If over `limit`, the value needed latest, no longer counted.
    pub fn victim(&mut self, limit: usize) -> Option<(u32, usize)> {
        if self.live <= limit {
            return None;
        }
        let &(_, slot) = self.resident.iter().next_back()?;
        self.forget(slot).map(|size| (slot, size))
    }
}

/// Spill totals of a run, for diagnostics.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Totals {
    pub spills: u64,
    pub bytes_written: u64,
    pub unspills: u64,
    pub bytes_read: u64,
}

/// The run-time state of spilling.
pub(crate) struct Memory {
    pub limit: usize,
    pub codecs: Arc<Codecs>,
    pub files: Arc<dyn SpillFiles>,
    pub base: PathBuf,
    pub dir: Mutex<Option<SpillDir>>,
    pub accounts: Mutex<Accounts>,
    pub totals: Mutex<Totals>,
}

impl Memory {
    pub(crate) fn new(cfg: &MemoryConfig, n: usize) -> Memory {
        Memory {
            limit: cfg.limit,
            codecs: cfg.codecs.clone().unwrap_or_else(Codecs::global),
            files: Arc::clone(&cfg.files),
            base: cfg.base.clone().unwrap_or_else(default_base),
            dir: Mutex::new(None),
            accounts: Mutex::new(Accounts::new(n)),
            totals: Mutex::new(Totals::default()),
        }
    }

    /// The path of slot `slot`'s spill file, creating the run directory on
    /// first use.
    pub(crate) fn file_for(&self, slot: u32) -> io::Result<PathBuf> {
        let mut dir = self.dir.lock();
        if dir.is_none() {
            *dir = Some(SpillDir::create(&self.base)?);
        }
        let d = dir.as_ref().map(SpillDir::path).unwrap_or(&self.base);
        Ok(d.join(format!("value-{slot}.dkv")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_pick_the_value_needed_latest() {
        let mut a = Accounts::new(4);
        a.admit(0, 10, 5);
        a.admit(1, 10, 9);
        a.admit(2, 10, 7);
        assert_eq!(a.live, 30);
        assert_eq!(a.victim(30), None);
        assert_eq!(a.victim(25), Some((1, 10)));
        a.touch(0, 8);
        assert_eq!(a.victim(0), Some((0, 10)));
        assert_eq!(a.forget(2), Some(10));
        assert_eq!(a.forget(2), None);
        assert_eq!((a.live, a.peak), (0, 30));
        a.admit(3, 10, 1);
        a.pin(25);
        assert_eq!(a.victim(30), Some((3, 10)), "in-flight bytes count");
        assert_eq!(a.victim(0), None, "in-flight bytes are not spillable");
        a.unpin(25);
        assert_eq!((a.live, a.in_flight), (0, 0));
    }

    #[test]
    fn dirs_are_per_run_and_dead_runs_are_removed() {
        let base =
            std::env::temp_dir().join(format!("dklearn-spilldir-test-{}", std::process::id()));
        let _ = fs::remove_dir_all(&base);
        // A leftover of a process that cannot exist (pid above Linux's maximum).
        let dead = base.join("run-4294967294-0");
        fs::create_dir_all(&dead).unwrap();
        fs::write(dead.join("value-1.dkv"), b"x").unwrap();
        let a = SpillDir::create(&base).unwrap();
        let b = SpillDir::create(&base).unwrap();
        assert_ne!(a.path(), b.path());
        if cfg!(target_os = "linux") {
            assert!(!dead.exists(), "dead run's directory removed");
        }
        let pa = a.path().to_path_buf();
        DiskFiles.write(&pa.join("v.dkv"), b"abc").unwrap();
        assert_eq!(DiskFiles.read(&pa.join("v.dkv")).unwrap(), b"abc");
        assert!(!pa.join("v.tmp").exists());
        drop(a);
        assert!(!pa.exists(), "removed when the run ends");
        drop(b);
        let _ = fs::remove_dir_all(&base);
    }
}
