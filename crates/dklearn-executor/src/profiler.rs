//! `Profiler`: when and where each task ran (dask.diagnostics.Profiler).

use std::fmt;
use std::time::{Duration, Instant};

use dklearn_graph::{Callback, ClusterLayout, Graph, Key, RemoteTask, SpillEvent, SpillKind};
use parking_lot::Mutex;

/// One task's run, as recorded by [`Profiler`].
///
/// Times are offsets from the profiler's [`origin`](Profiler::origin) (the
/// start of the first compute it observed), so records of several computes
/// share one time axis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskRecord {
    /// The task's key.
    pub key: Key,
    /// The worker that ran it (0 for a sequential scheduler; on a cluster,
    /// the global worker number).
    pub worker: usize,
    /// The process that ran it (0 unless the run spanned a cluster).
    pub process: usize,
    /// Bytes its value sent to other processes: encoded size × destinations
    /// (0 unless the run spanned a cluster).
    pub bytes_sent: u64,
    /// When it started, from the profiler's origin.
    pub start: Duration,
    /// When it ended, from the profiler's origin (`end >= start`).
    pub end: Duration,
    /// Whether it succeeded.
    pub ok: bool,
}

impl TaskRecord {
    /// The key's name, the prefix before the token (`fit` for `fit-3fa9...`):
    /// what the Gantt chart colors by.
    pub fn name(&self) -> &str {
        self.key.name()
    }

    /// How long the task ran.
    pub fn duration(&self) -> Duration {
        self.end.saturating_sub(self.start)
    }
}

/// One value written to the spill directory or read back (memory-limited
/// runs, see [`Threaded::memory_limit`](crate::Threaded::memory_limit)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpillRecord {
    /// The key whose value moved.
    pub key: Key,
    /// The worker that did the I/O.
    pub worker: usize,
    /// Spill (to disk) or unspill (read back).
    pub kind: SpillKind,
    /// Bytes written or read.
    pub bytes: usize,
    /// Start, from the profiler's origin.
    pub start: Duration,
    /// End, from the profiler's origin.
    pub end: Duration,
}

#[derive(Default)]
struct State {
    origin: Option<Instant>,
    /// The task each worker is running, with its start and the bytes its
    /// value sent (workers run one task at a time, so a slot per worker
    /// pairs `pretask` with `sent` and `posttask`).
    running: Vec<Option<(Key, Instant, u64)>>,
    /// Set by a cluster scheduler: maps workers to processes.
    layout: Option<ClusterLayout>,
    results: Vec<TaskRecord>,
    spills: Vec<SpillRecord>,
}

/// A [`Callback`] recording, for every task, its key, worker, start and end.
///
/// Results accumulate over every compute the profiler observes, until
/// [`clear`](Profiler::clear), like dask's `Profiler` within one `with`
/// block. Recording costs one uncontended lock per task event.
///
/// ```
/// use std::sync::Arc;
/// use dklearn_executor::{Profiler, Threaded};
/// use dklearn_graph::{Graph, Key, Scheduler, Task};
/// let mut g = Graph::new();
/// g.insert(Key::from_string("x"), Task::literal(Arc::new(1u8)));
/// let prof = Profiler::new();
/// Threaded::new(2).get(&g, &[Key::from_string("x")], &[&prof]).unwrap();
/// let r = prof.results();
/// assert_eq!(r.len(), 1);
/// assert_eq!(r[0].name(), "x");
/// assert!(r[0].end >= r[0].start);
/// ```
#[derive(Default)]
pub struct Profiler {
    state: Mutex<State>,
}

impl Profiler {
    /// An empty profiler.
    pub fn new() -> Profiler {
        Profiler::default()
    }

    /// The recorded tasks, sorted by start time.
    pub fn results(&self) -> Vec<TaskRecord> {
        let mut r = self.state.lock().results.clone();
        r.sort_by_key(|a| (a.start, a.worker));
        r
    }

    /// The recorded spills and unspills, sorted by start time.
    pub fn spills(&self) -> Vec<SpillRecord> {
        let mut r = self.state.lock().spills.clone();
        r.sort_by_key(|a| (a.start, a.worker));
        r
    }

    /// Bytes spilled to disk and bytes read back, over every run recorded.
    pub fn spill_bytes(&self) -> (u64, u64) {
        let s = self.state.lock();
        let sum = |k: SpillKind| {
            s.spills
                .iter()
                .filter(|r| r.kind == k)
                .map(|r| r.bytes as u64)
                .sum()
        };
        (sum(SpillKind::Spill), sum(SpillKind::Unspill))
    }

    /// The instant all [`TaskRecord`] times are measured from (the first
    /// `start` or `pretask` seen); `None` before any compute.
    pub fn origin(&self) -> Option<Instant> {
        self.state.lock().origin
    }

    /// Forgets every record and the origin.
    pub fn clear(&self) {
        *self.state.lock() = State::default();
    }
}

impl Callback for Profiler {
    fn start(&self, _graph: &Graph, _keys: &[Key]) {
        let mut s = self.state.lock();
        if s.origin.is_none() {
            s.origin = Some(Instant::now());
        }
    }

    fn pretask(&self, key: &Key, worker: usize) {
        let now = Instant::now();
        let mut s = self.state.lock();
        if s.origin.is_none() {
            s.origin = Some(now);
        }
        if s.running.len() <= worker {
            s.running.resize(worker + 1, None);
        }
        s.running[worker] = Some((key.clone(), now, 0));
    }

    fn posttask(&self, key: &Key, worker: usize, ok: bool) {
        let now = Instant::now();
        let mut s = self.state.lock();
        let origin = *s.origin.get_or_insert(now);
        let (started, bytes_sent) = match s.running.get_mut(worker).and_then(Option::take) {
            Some((k, t, b)) if &k == key => (t, b),
            // A posttask without its pretask: record a zero-length task.
            _ => (now, 0),
        };
        let process = s.layout.map_or(0, |l| l.process_of(worker));
        s.results.push(TaskRecord {
            key: key.clone(),
            worker,
            process,
            bytes_sent,
            start: started.saturating_duration_since(origin),
            end: now.saturating_duration_since(origin),
            ok,
        });
    }

    fn spill(&self, event: &SpillEvent<'_>) {
        self.record_spill(event);
    }

    fn layout(&self, layout: &ClusterLayout) {
        self.state.lock().layout = Some(*layout);
    }

    fn sent(&self, key: &Key, worker: usize, bytes: u64, destinations: usize) {
        let mut s = self.state.lock();
        if let Some(Some((k, _, b))) = s.running.get_mut(worker) {
            if k == key {
                *b += bytes * destinations as u64;
            }
        }
    }

    fn remote_task(&self, t: &RemoteTask<'_>) {
        let mut s = self.state.lock();
        let origin = *s.origin.get_or_insert(t.started);
        let process = s.layout.map_or(0, |l| l.process_of(t.worker));
        s.results.push(TaskRecord {
            key: t.key.clone(),
            worker: t.worker,
            process,
            bytes_sent: t.bytes_sent,
            start: t.started.saturating_duration_since(origin),
            end: t.ended.saturating_duration_since(origin),
            ok: true,
        });
    }
}

impl Profiler {
    fn record_spill(&self, e: &SpillEvent<'_>) {
        let now = Instant::now();
        let mut s = self.state.lock();
        let origin = *s.origin.get_or_insert(e.started);
        s.spills.push(SpillRecord {
            key: e.key.clone(),
            worker: e.worker,
            kind: e.kind,
            bytes: e.bytes,
            start: e.started.saturating_duration_since(origin),
            end: now.saturating_duration_since(origin),
        });
    }
}

impl fmt::Debug for Profiler {
    /// `Profiler(tasks=12, workers=2)`, and on a cluster
    /// `Profiler(tasks=12, workers=4, processes=2, bytes_sent=6291456)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.state.lock();
        let workers = s.results.iter().map(|r| r.worker + 1).max().unwrap_or(0);
        write!(f, "Profiler(tasks={}, workers={workers}", s.results.len())?;
        if let Some(l) = s.layout {
            let sent: u64 = s.results.iter().map(|r| r.bytes_sent).sum();
            write!(f, ", processes={}, bytes_sent={sent}", l.processes)?;
        }
        f.write_str(")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_pre_and_post_per_worker() {
        let p = Profiler::new();
        let a = Key::from_string("a-00000000000000000000000000000001");
        let b = Key::from_string("b");
        p.pretask(&a, 1);
        p.pretask(&b, 0);
        std::thread::sleep(Duration::from_millis(2));
        p.posttask(&b, 0, true);
        p.posttask(&a, 1, false);
        let r = p.results();
        assert_eq!(r.len(), 2);
        assert_eq!((r[0].name(), r[0].worker, r[0].ok), ("a", 1, false));
        assert_eq!((r[1].name(), r[1].worker, r[1].ok), ("b", 0, true));
        assert!(r[0].duration() >= Duration::from_millis(2));
        assert!(p.origin().is_some());
        assert_eq!(format!("{p:?}"), "Profiler(tasks=2, workers=2)");
        p.clear();
        assert!(p.results().is_empty());
        assert!(p.origin().is_none());
    }

    #[test]
    fn unmatched_posttask_is_zero_length() {
        let p = Profiler::new();
        p.posttask(&Key::from_string("x"), 3, true);
        let r = p.results();
        assert_eq!(r[0].duration(), Duration::ZERO);
        assert_eq!(r[0].worker, 3);
    }

    #[test]
    fn cluster_records_carry_process_and_bytes() {
        let p = Profiler::new();
        p.start(&Graph::new(), &[]);
        p.layout(&ClusterLayout {
            process: 0,
            processes: 2,
            threads: 2,
        });
        let a = Key::from_string("a");
        p.pretask(&a, 1);
        p.sent(&a, 1, 100, 1);
        p.sent(&Key::from_string("other"), 1, 7, 1);
        p.posttask(&a, 1, true);
        let t0 = Instant::now();
        let b = Key::from_string("b");
        p.remote_task(&RemoteTask {
            key: &b,
            worker: 3,
            started: t0,
            ended: t0 + Duration::from_millis(5),
            bytes_sent: 2 * 40,
        });
        let r = p.results();
        let a_rec = r.iter().find(|r| r.name() == "a").unwrap();
        assert_eq!((a_rec.process, a_rec.worker, a_rec.bytes_sent), (0, 1, 100));
        let b_rec = r.iter().find(|r| r.name() == "b").unwrap();
        assert_eq!((b_rec.process, b_rec.worker, b_rec.bytes_sent), (1, 3, 80));
        assert_eq!(b_rec.duration(), Duration::from_millis(5));
        assert_eq!(
            format!("{p:?}"),
            "Profiler(tasks=2, workers=4, processes=2, bytes_sent=180)"
        );
    }
}
