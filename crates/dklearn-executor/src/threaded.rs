//! The threaded scheduler: N workers, work-stealing deques, depth-first order.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::num::NonZeroUsize;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{fence, AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam::deque::{Injector, Steal, Stealer, Worker};
use dklearn_graph::{
    finish_callbacks, start_callbacks, Callback, Codecs, Error, Graph, Key, Scheduler, SpillEvent,
    SpillKind, Task, TaskError, Value,
};
use parking_lot::{Condvar, Mutex};

use crate::spill::{DiskFiles, Memory, MemoryConfig, SpillFiles, Totals};

/// Runs a [`Graph`] on `num_workers` threads, like dask's threaded `get`.
///
/// What it keeps:
///
/// - **Each task runs exactly once**, after all its dependencies, and only
///   the tasks the requested keys need run (the graph is culled).
/// - **Depth-first order.** Tasks are prioritised by their position in
///   [`Graph::toposort`] (a depth-first post-order from the requested keys,
///   dask's ordering idea). A worker that finishes a task runs the first
///   dependent it made ready itself and pushes the others to its own LIFO
///   deque, so a chain is finished before a new one is opened. A worker
///   whose deque is empty takes the next leaf in priority order from a
///   shared FIFO injector, and only when that is empty steals the oldest
///   entry from the other end of a busy worker's deque.
/// - **Memory is released early.** Each value counts the reads still to
///   come; its last reader gets the value itself rather than a shared
///   reference (unless the key was requested), so the value is freed when
///   that task is done with it, or updated in place by a task that takes it
///   (a `partial_fit` step with [`take_input`](dklearn_graph::take_input)).
///   Peak memory is what the order needs.
/// - **Failures stop the run.** Each task runs under `catch_unwind`; the
///   first task that returns an error or panics stops every worker (running
///   tasks finish, no new task starts) and `get` returns
///   [`ErrorKind::TaskFailed`](dklearn_graph::ErrorKind::TaskFailed) with
///   that task's key and message. Nothing hangs: idle workers are woken.
///
/// - **Memory can be bounded** ([`memory_limit`](Self::memory_limit)).
///   The bytes of the values held between tasks are counted with the
///   registry's sizes ([`Codecs::size_of`]); when they exceed the limit, the
///   values needed latest (next reader furthest in priority order) that the
///   registry can encode are written to a per-run spill directory and
///   dropped; the first task that reads one reads it back. Results are the
///   same bits with or without a limit. See ARCHITECTURE.md, "Spilling".
///
/// Workers are scoped threads started by each `get` (the calling thread is
/// worker 0), so a graph may borrow nothing and the scheduler holds no
/// threads between calls.
///
/// ```
/// use std::sync::Arc;
/// use dklearn_executor::Threaded;
/// use dklearn_graph::{Graph, Key, Scheduler, Task, Value};
///
/// let mut g = Graph::new();
/// let leaves: Vec<Key> = (0..4).map(|i| Key::from_string(format!("x-{i}"))).collect();
/// for (i, k) in leaves.iter().enumerate() {
///     g.insert(k.clone(), Task::literal(Arc::new(i as i64)));
/// }
/// let total = Key::from_string("sum");
/// g.insert(total.clone(), Task::new(leaves, |v: &[Value]| {
///     let mut s = 0i64;
///     for x in v {
///         s += x.downcast_ref::<i64>().ok_or("not an i64")?;
///     }
///     Ok(Arc::new(s) as Value)
/// }));
/// let out = Threaded::new(2).get(&g, &[total], &[]).unwrap();
/// assert_eq!(out[0].downcast_ref::<i64>(), Some(&6));
/// assert_eq!(format!("{:?}", Threaded::new(2)), "Threaded(num_workers=2)");
/// ```
#[derive(Clone, PartialEq)]
pub struct Threaded {
    num_workers: usize,
    memory: Option<MemoryConfig>,
    strict_priority: bool,
}

impl Threaded {
    /// A scheduler with `num_workers` threads; `0` means one per available
    /// core (as [`Threaded::default`]).
    pub fn new(num_workers: usize) -> Threaded {
        if num_workers == 0 {
            Threaded::default()
        } else {
            Threaded {
                num_workers,
                memory: None,
                strict_priority: false,
            }
        }
    }

    fn memory_mut(&mut self) -> &mut MemoryConfig {
        self.memory.get_or_insert_with(|| MemoryConfig {
            limit: usize::MAX,
            base: None,
            codecs: None,
            files: Arc::new(DiskFiles),
        })
    }

    /// Runs the ready tasks strictly in priority ([`Graph::toposort`])
    /// order, as dask's local scheduler does: one shared queue of ready
    /// tasks, each worker taking the first by priority (its own next task
    /// only when nothing ready comes before it). Off by default, where a
    /// worker's own ready tasks go first and only an idle worker takes a
    /// leaf or steals: that keeps a chain in step with its chunks when the
    /// requested keys put every chunk first (a job counting its documents
    /// before fitting). On for graphs whose order is their memory plan, such
    /// as a grid search (`dklearn_lazy::SearchCV`): there, own-tasks-first
    /// advances every candidate's `partial_fit` chain by one chunk as soon
    /// as the chunk exists, so every chain's model is alive at once, while
    /// the order finishes the candidates sharing a prefix one after another
    /// and frees that prefix's features before the next prefix's are made.
    /// Results are the same bits either way.
    ///
    /// ```
    /// use dklearn_executor::Threaded;
    /// let s = Threaded::new(2).strict_priority(true);
    /// assert_eq!(format!("{s:?}"), "Threaded(num_workers=2, strict_priority=True)");
    /// ```
    pub fn strict_priority(mut self, on: bool) -> Threaded {
        self.strict_priority = on;
        self
    }

    /// Keeps the bytes of the values held between tasks under `bytes` by
    /// spilling to disk (see the type's documentation). Values whose type
    /// the registry ([`codecs`](Self::codecs), by default
    /// [`Codecs::global`]) does not know are counted as 0 bytes and never
    /// spilled; so are literals (the graph holds them anyway). The limit is
    /// on those values, not on the process: task inputs in use and a task's
    /// own working memory come on top.
    ///
    /// ```
    /// use dklearn_executor::Threaded;
    /// let s = Threaded::new(2).memory_limit(256 << 20);
    /// assert_eq!(s.memory_limit_bytes(), Some(256 << 20));
    /// ```
    pub fn memory_limit(mut self, bytes: usize) -> Threaded {
        self.memory_mut().limit = bytes;
        self
    }

    /// The memory limit, if one is set.
    pub fn memory_limit_bytes(&self) -> Option<usize> {
        self.memory
            .as_ref()
            .map(|m| m.limit)
            .filter(|&l| l != usize::MAX)
    }

    /// Where spill directories go: each run creates `dir/run-<pid>-<n>` on
    /// its first spill and removes it when it ends (also on error); runs of
    /// processes that are gone are removed by the next run. Default:
    /// `dklearn-spill` under [`std::env::temp_dir`].
    pub fn spill_dir(mut self, dir: impl Into<PathBuf>) -> Threaded {
        self.memory_mut().base = Some(dir.into());
        self
    }

    /// The registry used to size, encode and decode values (default: a
    /// snapshot of [`Codecs::global`] taken when a run starts).
    pub fn codecs(mut self, codecs: Arc<Codecs>) -> Threaded {
        self.memory_mut().codecs = Some(codecs);
        self
    }

    /// How spill files are written and read (default [`DiskFiles`]).
    pub fn spill_files(mut self, files: Arc<dyn SpillFiles>) -> Threaded {
        self.memory_mut().files = files;
        self
    }

    /// The number of worker threads a `get` uses (at most one per task).
    pub fn num_workers(&self) -> usize {
        self.num_workers
    }
}

impl Default for Threaded {
    /// One worker per available core (1 if that cannot be determined).
    fn default() -> Threaded {
        Threaded {
            num_workers: std::thread::available_parallelism().map_or(1, NonZeroUsize::get),
            memory: None,
            strict_priority: false,
        }
    }
}

impl fmt::Debug for Threaded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Threaded(num_workers={}", self.num_workers)?;
        if let Some(limit) = self.memory_limit_bytes() {
            write!(f, ", memory_limit={limit}")?;
        }
        if self.strict_priority {
            f.write_str(", strict_priority=True")?;
        }
        f.write_str(")")
    }
}

impl Scheduler for Threaded {
    fn get(
        &self,
        graph: &Graph,
        keys: &[Key],
        callbacks: &[&dyn Callback],
    ) -> Result<Vec<Value>, Error> {
        let order = graph.toposort(keys)?;
        let plan = Plan::new(graph, &order, keys)?;
        if !callbacks.is_empty() {
            let culled = graph.cull(keys)?;
            start_callbacks(callbacks, &culled, keys)?;
        }
        let memory = self
            .memory
            .as_ref()
            .filter(|m| m.limit != usize::MAX)
            .map(|m| Memory::new(m, plan.len()));
        let limit = memory.as_ref().map(|m| m.limit);
        let mut run = Run::new(&plan, self.num_workers, callbacks, memory);
        run.strict = self.strict_priority.then(Mutex::default);
        // Workers catch panics; this catches a callback panicking on the
        // calling thread (e.g. `pretask` of a literal), so `finish` still runs.
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            if let Some(limit) = limit {
                for cb in callbacks {
                    cb.memory_limit(limit);
                }
            }
            run.execute()?;
            // Requested values, read back if they were spilled.
            let mut out = Vec::with_capacity(keys.len());
            for k in keys {
                let value = match plan.index.get(k) {
                    Some(&i) => run.output(i as usize)?,
                    None => None,
                };
                match value {
                    Some(v) => out.push(v),
                    None => return Err(Error::scheduler(format!("no value computed for {k}"))),
                }
            }
            Ok(out)
        }))
        .unwrap_or_else(|payload| {
            Err(Error::scheduler(format!(
                "a callback panicked: {}",
                TaskError::from_panic(&*payload).into_message()
            )))
        });
        let finished = finish_callbacks(callbacks, outcome.is_ok());
        let out = outcome?;
        finished?;
        Ok(out)
    }
}

/// FxHash-style hasher for keys: they are built by the program and mostly
/// hashes already, so SipHash's flooding resistance would only cost time.
#[derive(Default, Clone, Copy)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(K);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

type IndexMap<'g> = HashMap<&'g Key, u32, BuildHasherDefault<KeyHasher>>;

/// The graph flattened to indices in priority (toposort) order.
///
/// Invariants: `order[i]`'s dependencies all have indices `< i`;
/// `deps`/`dependents` are CSR lists (a task reading a key twice appears
/// twice, so counts and decrements stay in step); `dependents` of each node
/// are sorted ascending, i.e. by priority.
struct Plan<'g> {
    order: &'g [Key],
    tasks: Vec<&'g Task>,
    index: IndexMap<'g>,
    dep_off: Vec<u32>,
    deps: Vec<u32>,
    out_off: Vec<u32>,
    dependents: Vec<u32>,
    wanted: Vec<bool>,
}

impl<'g> Plan<'g> {
    fn new(graph: &'g Graph, order: &'g [Key], keys: &[Key]) -> Result<Plan<'g>, Error> {
        let n = order.len();
        if n >= u32::MAX as usize {
            return Err(Error::scheduler(format!(
                "graph of {n} tasks is too large for the threaded scheduler"
            )));
        }
        let mut index = IndexMap::default();
        index.reserve(n);
        for (i, k) in order.iter().enumerate() {
            index.insert(k, i as u32);
        }
        let mut tasks = Vec::with_capacity(n);
        let mut dep_off = Vec::with_capacity(n + 1);
        let mut deps = Vec::with_capacity(n);
        let mut n_out = vec![0u32; n + 1];
        dep_off.push(0);
        for k in order {
            let Some(task) = graph.get(k) else {
                return Err(Error::scheduler(format!(
                    "task {k} vanished from the graph"
                )));
            };
            for d in task.deps() {
                let Some(&j) = index.get(d) else {
                    return Err(Error::scheduler(format!(
                        "dependency {d} of {k} not ordered"
                    )));
                };
                deps.push(j);
                n_out[j as usize + 1] += 1;
            }
            dep_off.push(deps.len() as u32);
            tasks.push(task);
        }
        // Prefix sums, then fill: iterating tasks in order keeps each
        // dependents list sorted by priority.
        for i in 0..n {
            n_out[i + 1] += n_out[i];
        }
        let out_off = n_out;
        let mut fill: Vec<u32> = out_off[..n].to_vec();
        let mut dependents = vec![0u32; deps.len()];
        for t in 0..n {
            for &j in &deps[dep_off[t] as usize..dep_off[t + 1] as usize] {
                dependents[fill[j as usize] as usize] = t as u32;
                fill[j as usize] += 1;
            }
        }
        let mut wanted = vec![false; n];
        for k in keys {
            if let Some(&i) = index.get(k) {
                wanted[i as usize] = true;
            }
        }
        Ok(Plan {
            order,
            tasks,
            index,
            dep_off,
            deps,
            out_off,
            dependents,
            wanted,
        })
    }

    fn len(&self) -> usize {
        self.tasks.len()
    }

    #[inline]
    fn deps_of(&self, i: usize) -> &[u32] {
        &self.deps[self.dep_off[i] as usize..self.dep_off[i + 1] as usize]
    }

    #[inline]
    fn dependents_of(&self, i: usize) -> &[u32] {
        &self.dependents[self.out_off[i] as usize..self.out_off[i + 1] as usize]
    }
}

/// Where a task's value is.
enum Stored {
    /// Not computed yet, or released after its last read.
    Empty,
    Memory(Value),
    /// Written to this spill file (of this many bytes) and dropped.
    Disk(PathBuf, usize),
}

/// Per-task run state. `pending` counts dependency edges not yet computed
/// (the task is ready at 0); `readers` counts reads still to come (the
/// value is dropped at 0 unless wanted).
struct Slot {
    value: Mutex<Stored>,
    pending: AtomicU32,
    readers: AtomicU32,
}

/// The shared state of one `get`.
struct Run<'p, 'g> {
    plan: &'p Plan<'g>,
    callbacks: &'p [&'p dyn Callback],
    slots: Vec<Slot>,
    num_workers: usize,
    injector: Injector<u32>,
    /// [`Threaded::strict_priority`]: every ready task (but the one a worker
    /// runs next) in one queue by priority, instead of the injector and the
    /// workers' deques.
    strict: Option<Mutex<BinaryHeap<Reverse<u32>>>>,
    stealers: Vec<Stealer<u32>>,
    locals: Mutex<Vec<Option<Worker<u32>>>>,
    /// Tasks not yet finished; the worker taking it to 0 ends the run.
    remaining: AtomicUsize,
    /// Set when the run is over (all done, or a failure): workers exit.
    stop: AtomicBool,
    /// The first failure, kept so that no error is lost or replaced.
    failure: Mutex<Option<Error>>,
    /// Workers inside `wait_for_work`; pushers only lock to notify if > 0.
    sleepers: AtomicUsize,
    sleep_lock: Mutex<()>,
    wake: Condvar,
    /// Spilling state when the run has a memory limit.
    memory: Option<Memory>,
}

/// How long an idle worker sleeps before re-checking the queues even if not
/// woken: a safety net only; wake-ups are explicit.
const IDLE_RECHECK: Duration = Duration::from_millis(20);

impl<'p, 'g> Run<'p, 'g> {
    fn new(
        plan: &'p Plan<'g>,
        num_workers: usize,
        callbacks: &'p [&'p dyn Callback],
        memory: Option<Memory>,
    ) -> Self {
        let n = plan.len();
        let num_workers = num_workers.clamp(1, n.max(1));
        let mut readers = vec![0u32; n];
        for &j in &plan.deps {
            readers[j as usize] += 1;
        }
        let slots = (0..n)
            .map(|i| Slot {
                value: Mutex::new(Stored::Empty),
                pending: AtomicU32::new(plan.dep_off[i + 1] - plan.dep_off[i]),
                readers: AtomicU32::new(readers[i]),
            })
            .collect();
        // Leaves are queued by `seed_queue` when the run starts.
        let injector = Injector::new();
        let locals: Vec<Worker<u32>> = (0..num_workers).map(|_| Worker::new_lifo()).collect();
        let stealers = locals.iter().map(Worker::stealer).collect();
        Run {
            plan,
            callbacks,
            slots,
            num_workers,
            injector,
            strict: None,
            stealers,
            locals: Mutex::new(locals.into_iter().map(Some).collect()),
            remaining: AtomicUsize::new(n),
            stop: AtomicBool::new(n == 0),
            failure: Mutex::new(None),
            sleepers: AtomicUsize::new(0),
            sleep_lock: Mutex::new(()),
            wake: Condvar::new(),
            memory,
        }
    }

    /// Runs every task on `num_workers` scoped threads (the caller is worker
    /// 0); returns the first failure.
    fn execute(&self) -> Result<(), Error> {
        if self.remaining.load(Ordering::Acquire) == 0 {
            return Ok(());
        }
        self.seed_queue();
        if let Some(e) = self.failure.lock().take() {
            return Err(e);
        }
        if self.remaining.load(Ordering::Acquire) == 0 {
            return Ok(());
        }
        std::thread::scope(|scope| {
            for id in 1..self.num_workers {
                let spawned = std::thread::Builder::new()
                    .name(format!("dklearn-worker-{id}"))
                    .spawn_scoped(scope, move || self.worker(id));
                // A worker that cannot start leaves its (empty) deque behind;
                // the others, at least worker 0, still run every task.
                drop(spawned);
            }
            self.worker(0);
        });
        match self.failure.lock().take() {
            Some(e) => Err(e),
            None if self.remaining.load(Ordering::Acquire) == 0 => Ok(()),
            None => Err(Error::scheduler(format!(
                "workers stopped with {} tasks not run",
                self.remaining.load(Ordering::Acquire)
            ))),
        }
    }

    /// `pretask`, the task's function under `catch_unwind`, `posttask`.
    fn call(&self, i: usize, worker: usize, inputs: &mut [Value]) -> Result<Value, TaskError> {
        for cb in self.callbacks {
            cb.pretask(&self.plan.order[i], worker);
        }
        self.run_and_report(i, worker, inputs)
    }

    /// The task's function under `catch_unwind`, then `posttask`; a panic
    /// becomes a [`TaskError`] with its message.
    fn run_and_report(
        &self,
        i: usize,
        worker: usize,
        inputs: &mut [Value],
    ) -> Result<Value, TaskError> {
        let task = self.plan.tasks[i];
        let value = match catch_unwind(AssertUnwindSafe(|| task.run_owned(inputs))) {
            Ok(result) => result,
            Err(payload) => Err(TaskError::from_panic(&*payload)),
        };
        for cb in self.callbacks {
            cb.posttask(&self.plan.order[i], worker, value.is_ok());
        }
        value
    }

    /// Stores every literal leaf's value on the calling thread (worker 0,
    /// reported to the callbacks like any task), then queues the tasks that
    /// are ready, in priority order. A literal costs nothing; left in the
    /// queue it would wait behind every expensive leaf of higher priority
    /// (depth-first workers only take a new leaf when their own work is
    /// done), and a chain needing it (an estimator, the classes) would stall
    /// while the chunks it consumes pile up in memory.
    fn seed_queue(&self) {
        let plan = self.plan;
        let n = plan.len();
        let is_leaf = |i: usize| plan.dep_off[i + 1] == plan.dep_off[i];
        let mut ready: Vec<u32> = Vec::new();
        for i in 0..n {
            if !is_leaf(i) {
                continue;
            }
            if !plan.tasks[i].is_literal() {
                ready.push(i as u32);
                continue;
            }
            match self.call(i, 0, &mut []) {
                Ok(v) => self.store(i, v, &mut ready),
                Err(e) => {
                    self.fail(Error::task_failed(plan.order[i].clone(), e));
                    return;
                }
            }
            self.count_done();
        }
        ready.sort_unstable();
        if let Some(q) = &self.strict {
            q.lock().extend(ready.into_iter().map(Reverse));
            return;
        }
        for t in ready {
            self.injector.push(t);
        }
    }

    /// One worker's life; a panic outside a task (e.g. in a callback) is
    /// caught and ends the run with an error rather than a hang.
    fn worker(&self, id: usize) {
        let local = self.locals.lock().get_mut(id).and_then(Option::take);
        let Some(local) = local else {
            self.fail(Error::scheduler(format!("worker {id} has no deque")));
            return;
        };
        let result = catch_unwind(AssertUnwindSafe(|| self.work_loop(id, &local)));
        if let Err(payload) = result {
            self.fail(Error::scheduler(format!(
                "worker {id} panicked outside a task: {}",
                TaskError::from_panic(&*payload).into_message()
            )));
        }
    }

    fn work_loop(&self, id: usize, local: &Worker<u32>) {
        let mut inputs: Vec<Value> = Vec::new();
        let mut ready: Vec<u32> = Vec::new();
        let mut next: Option<u32> = None;
        loop {
            if self.stop.load(Ordering::Acquire) {
                return;
            }
            let found = match &self.strict {
                Some(q) => self.first_by_priority(q, next.take()),
                None => next.take().or_else(|| self.find_task(local)),
            };
            let task = match found {
                Some(t) => t,
                None => {
                    self.wait_for_work();
                    continue;
                }
            };
            next = self.run_task(task as usize, id, local, &mut inputs, &mut ready);
        }
    }

    /// Strict priority: `next` (the dependent this worker just made ready),
    /// or the first ready task by priority if that comes before it (`next`
    /// then goes into the queue).
    fn first_by_priority(
        &self,
        q: &Mutex<BinaryHeap<Reverse<u32>>>,
        next: Option<u32>,
    ) -> Option<u32> {
        let mut guard = q.lock();
        match (next, guard.peek()) {
            (Some(n), Some(&Reverse(first))) if first < n => {
                guard.push(Reverse(n));
                let t = guard.pop().map(|Reverse(t)| t);
                drop(guard);
                // `n` waits in the queue: an idle worker may take it.
                self.notify_one();
                t
            }
            (Some(n), _) => Some(n),
            (None, _) => guard.pop().map(|Reverse(t)| t),
        }
    }

    /// Own deque first (depth-first), then the next leaf by priority, then
    /// the oldest work of another worker.
    fn find_task(&self, local: &Worker<u32>) -> Option<u32> {
        if let Some(t) = local.pop() {
            return Some(t);
        }
        loop {
            let mut retry = false;
            match self.injector.steal() {
                Steal::Success(t) => return Some(t),
                Steal::Retry => retry = true,
                Steal::Empty => {}
            }
            for s in &self.stealers {
                match s.steal() {
                    Steal::Success(t) => return Some(t),
                    Steal::Retry => retry = true,
                    Steal::Empty => {}
                }
            }
            if !retry {
                return None;
            }
        }
    }

    fn has_work(&self) -> bool {
        !self.injector.is_empty()
            || self.stealers.iter().any(|s| !s.is_empty())
            || self.strict.as_ref().is_some_and(|q| !q.lock().is_empty())
    }

    /// Sleeps until woken by a push or the end of the run. The sleeper count
    /// is raised (under the lock) before the queues are re-checked, and
    /// pushers read it after pushing, both with SeqCst fences, so a push is
    /// either seen here or its pusher sees the sleeper and notifies.
    fn wait_for_work(&self) {
        let mut guard = self.sleep_lock.lock();
        self.sleepers.fetch_add(1, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        if !self.stop.load(Ordering::SeqCst) && !self.has_work() {
            self.wake.wait_for(&mut guard, IDLE_RECHECK);
        }
        self.sleepers.fetch_sub(1, Ordering::SeqCst);
    }

    fn notify_one(&self) {
        fence(Ordering::SeqCst);
        if self.sleepers.load(Ordering::SeqCst) > 0 {
            let _guard = self.sleep_lock.lock();
            self.wake.notify_one();
        }
    }

    fn stop_all(&self) {
        self.stop.store(true, Ordering::SeqCst);
        let _guard = self.sleep_lock.lock();
        self.wake.notify_all();
    }

    fn fail(&self, e: Error) {
        {
            let mut failure = self.failure.lock();
            if failure.is_none() {
                *failure = Some(e);
            }
        }
        self.stop_all();
    }

    /// Runs task `i` and makes its dependents ready; returns the dependent
    /// to run next on this worker, if any.
    fn run_task(
        &self,
        i: usize,
        worker: usize,
        local: &Worker<u32>,
        inputs: &mut Vec<Value>,
        ready: &mut Vec<u32>,
    ) -> Option<u32> {
        let plan = self.plan;
        let key = &plan.order[i];
        for cb in self.callbacks {
            cb.pretask(key, worker);
        }
        let mut pinned = 0;
        for &d in plan.deps_of(i) {
            match self.read_input(d as usize, i, worker) {
                Ok((v, p)) => {
                    inputs.push(v);
                    pinned += p;
                }
                Err(e) => {
                    inputs.clear();
                    self.unpin(pinned);
                    self.fail(e);
                    return None;
                }
            }
        }
        if let Err(e) = self.enforce_limit(worker) {
            inputs.clear();
            self.unpin(pinned);
            self.fail(e);
            return None;
        }
        let value = self.run_and_report(i, worker, inputs);
        inputs.clear();
        self.unpin(pinned);
        let value = match value {
            Ok(v) => v,
            Err(e) => {
                self.fail(Error::task_failed(key.clone(), e));
                return None;
            }
        };
        ready.clear();
        self.store(i, value, ready);
        if let Err(e) = self.enforce_limit(worker) {
            self.fail(e);
            return None;
        }
        let next = ready.first().copied();
        if ready.len() > 1 {
            if let Some(q) = &self.strict {
                q.lock().extend(ready[1..].iter().map(|&t| Reverse(t)));
            } else {
                // Highest priority last, so this worker's LIFO pops it first.
                for &t in ready[1..].iter().rev() {
                    local.push(t);
                }
            }
            self.notify_one();
        }
        self.count_done();
        next
    }

    /// Stores task `i`'s value and appends the dependents this made ready
    /// to `ready`, in priority order.
    fn store(&self, i: usize, value: Value, ready: &mut Vec<u32>) {
        {
            let mut slot = self.slots[i].value.lock();
            if let Some(m) = &self.memory {
                if !self.plan.tasks[i].is_literal() {
                    if let Some(size) = m.codecs.size_of(&value) {
                        m.accounts.lock().admit(i as u32, size, self.next_use(i));
                    }
                }
            }
            *slot = Stored::Memory(value);
        }
        for &t in self.plan.dependents_of(i) {
            if self.slots[t as usize]
                .pending
                .fetch_sub(1, Ordering::AcqRel)
                == 1
            {
                ready.push(t);
            }
        }
    }

    /// The task that reads slot `d`'s value next: its dependents are sorted
    /// by priority and are (about) read in that order, so it is the first
    /// one not yet counted off; past the last reader (a requested value
    /// kept for the caller) it is needed last of all.
    fn next_use(&self, d: usize) -> u32 {
        let deps = self.plan.dependents_of(d);
        let left = self.slots[d].readers.load(Ordering::Acquire) as usize;
        deps.get(deps.len().saturating_sub(left))
            .filter(|_| left > 0)
            .copied()
            .unwrap_or(u32::MAX)
    }

    /// Slot `d`'s value for task `i`. The last reader of a value that is
    /// not an output takes the value itself (no other reference left), so
    /// it can update it in place (see `take_input`); the others read a
    /// shared reference. Deciding under the slot's lock keeps a taker from
    /// racing a reader that has counted itself but not yet cloned. A
    /// spilled value is read back here, under that lock, so one reader
    /// reads it and the others find it in memory.
    ///
    /// Returns the value and the bytes it pins: a value taken by its last
    /// reader stays counted (as in flight, not spillable) until the task
    /// is done with it.
    fn read_input(&self, d: usize, i: usize, worker: usize) -> Result<(Value, usize), Error> {
        let plan = self.plan;
        let mut slot = self.slots[d].value.lock();
        let last = self.slots[d].readers.fetch_sub(1, Ordering::AcqRel) == 1;
        let take = last && !plan.wanted[d];
        if let Stored::Disk(path, bytes) = &*slot {
            let v = self.unspill(d, path, *bytes, worker)?;
            if let Some(m) = &self.memory {
                if let Some(size) = m.codecs.size_of(&v) {
                    // Counted as resident; a taker moves it to in flight below.
                    m.accounts.lock().admit(d as u32, size, self.next_use(d));
                }
            }
            *slot = Stored::Memory(v);
        }
        let mut pinned = 0;
        let v = match &*slot {
            Stored::Memory(v) if take => {
                let v = Arc::clone(v);
                *slot = Stored::Empty;
                if let Some(m) = &self.memory {
                    let mut a = m.accounts.lock();
                    if let Some(size) = a.forget(d as u32) {
                        a.pin(size);
                        pinned = size;
                    }
                }
                v
            }
            Stored::Memory(v) => {
                if let Some(m) = &self.memory {
                    m.accounts.lock().touch(d as u32, self.next_use(d));
                }
                Arc::clone(v)
            }
            _ => {
                return Err(Error::scheduler(format!(
                    "value of {} released before {} ran",
                    plan.order[d], plan.order[i]
                )))
            }
        };
        Ok((v, pinned))
    }

    /// Stops counting `bytes` of inputs a task took (it is done with them).
    fn unpin(&self, bytes: usize) {
        if let Some(m) = &self.memory {
            if bytes > 0 {
                m.accounts.lock().unpin(bytes);
            }
        }
    }

    /// Reads back slot `d`'s spilled value from `path` and removes the file.
    fn unspill(
        &self,
        d: usize,
        path: &std::path::Path,
        bytes: usize,
        worker: usize,
    ) -> Result<Value, Error> {
        let key = &self.plan.order[d];
        let Some(m) = &self.memory else {
            return Err(Error::scheduler(format!("{key} spilled without a limit")));
        };
        let started = Instant::now();
        let shown = path.display().to_string();
        let data = m
            .files
            .read(path)
            .map_err(|e| Error::spill(key.clone(), shown.clone(), "reading back", e))?;
        let v = m
            .codecs
            .decode(&data)
            .map_err(|e| Error::spill(key.clone(), shown.clone(), "reading back", e))?;
        drop(data);
        let _ = std::fs::remove_file(path);
        {
            let mut t = m.totals.lock();
            t.unspills += 1;
            t.bytes_read += bytes as u64;
        }
        let event = SpillEvent {
            key,
            worker,
            kind: SpillKind::Unspill,
            bytes,
            started,
        };
        for cb in self.callbacks {
            cb.spill(&event);
        }
        Ok(v)
    }

    /// While the counted bytes exceed the limit, spills the value needed
    /// latest. A spill that fails (disk full, directory not writable) ends
    /// the run with an error naming the key and the file.
    fn enforce_limit(&self, worker: usize) -> Result<(), Error> {
        let Some(m) = &self.memory else {
            return Ok(());
        };
        loop {
            let Some((victim, _size)) = m.accounts.lock().victim(m.limit) else {
                return Ok(());
            };
            self.spill(m, victim as usize, worker)?;
        }
    }

    /// Encodes slot `j`'s value to its spill file and drops it. If a reader
    /// took the value meanwhile there is nothing left to do.
    fn spill(&self, m: &Memory, j: usize, worker: usize) -> Result<(), Error> {
        let key = &self.plan.order[j];
        let mut slot = self.slots[j].value.lock();
        let Stored::Memory(v) = &*slot else {
            return Ok(());
        };
        let started = Instant::now();
        let Some(bytes) = m.codecs.encode(v) else {
            return Ok(());
        };
        let path = m
            .file_for(j as u32)
            .map_err(|e| Error::spill(key.clone(), m.base.display().to_string(), "spilling", e))?;
        if let Err(e) = m.files.write(&path, &bytes) {
            // Keep counting the value: it stays in memory, the run stops.
            if let Some(size) = m.codecs.size_of(v) {
                m.accounts.lock().admit(j as u32, size, self.next_use(j));
            }
            return Err(Error::spill(
                key.clone(),
                path.display().to_string(),
                "spilling",
                e,
            ));
        }
        let n = bytes.len();
        drop(bytes);
        *slot = Stored::Disk(path, n);
        drop(slot);
        {
            let mut t = m.totals.lock();
            t.spills += 1;
            t.bytes_written += n as u64;
        }
        let event = SpillEvent {
            key,
            worker,
            kind: SpillKind::Spill,
            bytes: n,
            started,
        };
        for cb in self.callbacks {
            cb.spill(&event);
        }
        Ok(())
    }

    /// A requested value at the end of the run (read back if spilled).
    fn output(&self, i: usize) -> Result<Option<Value>, Error> {
        let mut slot = self.slots[i].value.lock();
        if let Stored::Disk(path, bytes) = &*slot {
            let v = self.unspill(i, path, *bytes, 0)?;
            *slot = Stored::Memory(v);
        }
        Ok(match &*slot {
            Stored::Memory(v) => Some(Arc::clone(v)),
            _ => None,
        })
    }

    /// Spill totals so far (zero without a limit).
    #[allow(dead_code)]
    fn totals(&self) -> Totals {
        self.memory
            .as_ref()
            .map(|m| *m.totals.lock())
            .unwrap_or_default()
    }

    /// Counts one task done; the last one ends the run.
    fn count_done(&self) {
        if self.remaining.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.stop_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dklearn_graph::{ErrorKind, Sequential};
    use std::sync::Arc;

    fn k(s: &str) -> Key {
        Key::from_string(s)
    }

    fn add(deps: &[&str]) -> Task {
        Task::new(deps.iter().map(|d| k(d)).collect(), |v: &[Value]| {
            let mut s = 1i64;
            for x in v {
                s += x.downcast_ref::<i64>().ok_or("not an i64")?;
            }
            Ok(Arc::new(s) as Value)
        })
    }

    fn diamond() -> Graph {
        [
            (k("a"), add(&[])),
            (k("b"), add(&["a"])),
            (k("c"), add(&["a", "a"])),
            (k("d"), add(&["b", "c"])),
            (k("unused"), add(&["d"])),
        ]
        .into_iter()
        .collect()
    }

    fn ints(v: &[Value]) -> Vec<i64> {
        v.iter()
            .map(|x| *x.downcast_ref::<i64>().expect("i64"))
            .collect()
    }

    #[test]
    fn plan_is_csr_in_priority_order() {
        let g = diamond();
        let order = g.toposort(&[k("d")]).unwrap();
        let p = Plan::new(&g, &order, &[k("d")]).unwrap();
        assert_eq!(order, vec![k("a"), k("b"), k("c"), k("d")]);
        assert_eq!(p.deps_of(2), &[0, 0]);
        assert_eq!(p.dependents_of(0), &[1, 2, 2]);
        assert_eq!(p.dependents_of(3), &[] as &[u32]);
        assert_eq!(p.wanted, vec![false, false, false, true]);
    }

    #[test]
    fn matches_sequential_for_any_worker_count() {
        let g = diamond();
        let keys = [k("d"), k("a"), k("d")];
        let expected = ints(&Sequential.get(&g, &keys, &[]).unwrap());
        for w in 1..=4 {
            let got = ints(&Threaded::new(w).get(&g, &keys, &[]).unwrap());
            assert_eq!(got, expected, "{w} workers");
        }
        assert_eq!(expected, vec![6, 1, 6]);
    }

    #[test]
    fn empty_request_runs_nothing() {
        let out = Threaded::new(2).get(&diamond(), &[], &[]).unwrap();
        assert!(out.is_empty());
    }

    #[test]
    fn zero_means_available_cores() {
        assert!(Threaded::new(0).num_workers() >= 1);
        assert_eq!(Threaded::new(0), Threaded::default());
    }

    #[test]
    fn graph_errors_pass_through() {
        let mut g = diamond();
        g.insert(k("e"), add(&["ghost"]));
        let e = Threaded::new(2).get(&g, &[k("e")], &[]).unwrap_err();
        assert_eq!(
            e.kind(),
            &ErrorKind::MissingDependency {
                key: k("e"),
                dep: k("ghost")
            }
        );
    }

    #[test]
    fn callback_panic_is_an_error_not_a_hang() {
        struct Bad;
        impl Callback for Bad {
            fn pretask(&self, key: &Key, _worker: usize) {
                assert_ne!(key.as_str(), "c", "callback refuses c");
            }
        }
        let e = Threaded::new(2)
            .get(&diamond(), &[k("d")], &[&Bad])
            .unwrap_err();
        assert!(
            e.to_string().contains("callback refuses c"),
            "unexpected error {e}"
        );
    }
}
