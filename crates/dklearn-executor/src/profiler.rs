//! `Profiler`: when and where each task ran (dask.diagnostics.Profiler).

use std::fmt;
use std::time::{Duration, Instant};

use dklearn_graph::{Callback, Graph, Key, SpillEvent, SpillKind};
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
    /// The worker that ran it (0 for a sequential scheduler).
    pub worker: usize,
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
    /// The task each worker is running, with its start (workers run one task
    /// at a time, so a slot per worker pairs `pretask` with `posttask`).
    running: Vec<Option<(Key, Instant)>>,
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
        s.running[worker] = Some((key.clone(), now));
    }

    fn posttask(&self, key: &Key, worker: usize, ok: bool) {
        let now = Instant::now();
        let mut s = self.state.lock();
        let origin = *s.origin.get_or_insert(now);
        let started = match s.running.get_mut(worker).and_then(Option::take) {
            Some((k, t)) if &k == key => t,
            // A posttask without its pretask: record a zero-length task.
            _ => now,
        };
        s.results.push(TaskRecord {
            key: key.clone(),
            worker,
            start: started.saturating_duration_since(origin),
            end: now.saturating_duration_since(origin),
            ok,
        });
    }

    fn spill(&self, event: &SpillEvent<'_>) {
        self.record_spill(event);
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
    /// `Profiler(tasks=12, workers=2)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.state.lock();
        let workers = s.results.iter().map(|r| r.worker + 1).max().unwrap_or(0);
        write!(f, "Profiler(tasks={}, workers={workers})", s.results.len())
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
}
