//! The `Cluster` scheduler: one run of a graph across processes.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam::channel::{self, Receiver, Sender};
use dklearn_executor::{DiskFiles, SpillAccounts, SpillDir, SpillFiles};
use dklearn_graph::{
    finish_callbacks, start_callbacks, Callback, ClusterLayout, Codecs, Error, Graph, Key,
    RemoteTask, Scheduler, SpillEvent, SpillKind, TaskError, Value,
};
use parking_lot::Mutex;
use serde_bytes::ByteBuf;
use timely::communication::allocator::thread::ThreadBuilder;
use timely::communication::allocator::zero_copy::initialize::initialize_networking_from_sockets;
use timely::communication::allocator::ProcessBuilder;
use timely::communication::{AllocatorBuilder, Hooks};
use timely::dataflow::channels::pact::Exchange;
use timely::dataflow::operators::generic::operator::Operator;
use timely::dataflow::operators::Input;
use timely::WorkerConfig;

use crate::config::Config;
use crate::net::{self, Control, Signal};
use crate::plan::Plan;

/// A message between processes: (destination process, kind, task index,
/// payload). Routed by timely's `Exchange` pact on the destination (one
/// timely worker per process, so worker index = process index).
///
/// The payload is a `serde_bytes::ByteBuf`: timely encodes with bincode
/// through serde, which writes a plain `Vec<u8>` element by element (about
/// 30 ms for a 2 MB model each way, measured on the job's chain crossing)
/// and a `ByteBuf` as one copy.
type Msg = (u64, u8, u32, ByteBuf);
/// The payload is a value's encoding.
const KIND_VALUE: u8 = 0;
/// The payload is the failure message of the task.
const KIND_FAILED: u8 = 1;
/// To process 0: the task finished, so its callbacks (the progress bar, the
/// profiler) see every process's tasks. Payload, little-endian: the global
/// worker (u32), start and end in microseconds from the sender's start of
/// run (u64 each), bytes its value sent (u64); see [`done_payload`].
const KIND_DONE: u8 = 2;
/// To process 0, once, at the clean end of a run: the sender's
/// [`ProcessSummary`]; payload, little-endian u64s: tasks run, bytes sent,
/// bytes spilled, bytes read back, peak RSS (`u64::MAX`: unknown); see
/// [`end_payload`].
const KIND_END: u8 = 3;
/// How long task reports (`KIND_DONE`) may wait to be sent together.
const DONE_BATCH: Duration = Duration::from_millis(20);

/// What one process sent and received in the last run (see
/// [`Cluster::last_report`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunReport {
    /// This process's index.
    pub process: usize,
    /// Number of processes.
    pub processes: usize,
    /// Tasks this process ran.
    pub tasks_run: usize,
    /// Every value this process sent: its key, its encoded size in bytes and
    /// the processes it went to (each received the same bytes).
    pub sent: Vec<SentValue>,
    /// Values received from other processes.
    pub values_received: usize,
    /// Their encoded bytes.
    pub bytes_received: u64,
    /// Bytes this process spilled to disk (memory-limited runs).
    pub spilled_bytes: u64,
    /// Bytes it read back.
    pub unspilled_bytes: u64,
    /// At process 0 after a successful run: every process's summary, in
    /// process order (its own included), so one place can report the
    /// whole cluster's memory. Empty elsewhere.
    pub processes_summary: Vec<ProcessSummary>,
}

/// What one process did in a run, as process 0 learns it at the end (see
/// [`RunReport::processes_summary`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProcessSummary {
    /// The process's index.
    pub process: usize,
    /// Tasks it ran.
    pub tasks_run: usize,
    /// Bytes it put on the network (size × destinations).
    pub bytes_sent: u64,
    /// Bytes it spilled to disk.
    pub spilled_bytes: u64,
    /// Bytes it read back from disk.
    pub unspilled_bytes: u64,
    /// Its peak resident set size at the end of the run (`VmHWM`, the
    /// process's whole life so far), where the platform tells it.
    pub peak_rss_bytes: Option<u64>,
}

/// A `KIND_END` payload.
fn end_payload(s: &ProcessSummary) -> Vec<u8> {
    [
        s.tasks_run as u64,
        s.bytes_sent,
        s.spilled_bytes,
        s.unspilled_bytes,
        s.peak_rss_bytes.unwrap_or(u64::MAX),
    ]
    .iter()
    .flat_map(|v| v.to_le_bytes())
    .collect()
}

/// Reads an [`end_payload`] from `process`.
fn read_end_payload(process: usize, p: &[u8]) -> Option<ProcessSummary> {
    let p: &[u8; 40] = p.try_into().ok()?;
    let mut v = p
        .chunks_exact(8)
        .map(|c| c.try_into().map(u64::from_le_bytes).unwrap_or(0));
    let mut next = || v.next().unwrap_or(0);
    Some(ProcessSummary {
        process,
        tasks_run: next() as usize,
        bytes_sent: next(),
        spilled_bytes: next(),
        unspilled_bytes: next(),
        peak_rss_bytes: Some(next()).filter(|&b| b != u64::MAX),
    })
}

/// One value sent by a process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentValue {
    /// The task whose value it is.
    pub key: Key,
    /// Encoded size, sent once to each destination.
    pub bytes: u64,
    /// Destination processes.
    pub to: Vec<u32>,
}

impl RunReport {
    /// Total bytes this process put on the network (size × destinations).
    pub fn bytes_sent(&self) -> u64 {
        bytes_sent(&self.sent)
    }
}

/// Bytes on the network for these sent values (size × destinations).
fn bytes_sent(sent: &[SentValue]) -> u64 {
    sent.iter().map(|s| s.bytes * s.to.len() as u64).sum()
}

/// Runs a graph on a cluster of processes, SPMD: every process builds the
/// same graph and calls `get` (or `compute`) with the same keys; each task
/// runs on exactly one task thread of one process, and every process gets
/// the requested values.
///
/// - **Placement** is decided from the graph alone (see the crate docs):
///   leaves in contiguous ranges per process, other tasks where most of
///   their input is.
/// - **Transport** is timely-dataflow: one timely worker per process drives
///   a dataflow whose only edge is an `Exchange` on the destination process;
///   values cross only when a reader (or a request) is elsewhere, encoded
///   with [`Codecs`]. Within a process values are shared, never copied.
/// - **Failure is loud**: a failing or panicking task fails `get` on every
///   process with its key; a lost process (connection closed, or no
///   heartbeat for [`Config::heartbeat_timeout`]) fails every other with an
///   error naming it; connecting is bounded by [`Config::connect_timeout`].
///
/// A one-process cluster needs no network:
///
/// ```
/// use std::sync::Arc;
/// use dklearn_cluster::{Cluster, Config};
/// use dklearn_graph::{Graph, Key, Scheduler, Task, Value};
/// let mut g = Graph::new();
/// g.insert(Key::from_string("a"), Task::literal(Arc::new(20i64)));
/// g.insert(Key::from_string("b"), Task::new(vec![Key::from_string("a")], |v: &[Value]| {
///     Ok(Arc::new(v[0].downcast_ref::<i64>().ok_or("a")? * 2) as Value)
/// }));
/// let out = Cluster::new(Config::single(2)).get(&g, &[Key::from_string("b")], &[]).unwrap();
/// assert_eq!(out[0].downcast_ref::<i64>(), Some(&40));
/// ```
pub struct Cluster {
    config: Config,
    codecs: Option<Arc<Codecs>>,
    round: AtomicU64,
    report: Mutex<Option<Box<RunReport>>>,
    /// Per-process limit on held values, and the spill base.
    memory_limit: Option<usize>,
    spill_base: Option<PathBuf>,
}

impl Cluster {
    /// A cluster scheduler using the process-wide encodings
    /// ([`Codecs::global`], as of each run's start).
    pub fn new(config: Config) -> Cluster {
        Cluster {
            config,
            codecs: None,
            round: AtomicU64::new(0),
            report: Mutex::new(None),
            memory_limit: None,
            spill_base: None,
        }
    }

    /// Keeps the bytes of the values each process holds between its tasks
    /// under `bytes` by spilling, as
    /// [`Threaded::memory_limit`](dklearn_executor::Threaded::memory_limit)
    /// does: when the held values that the encodings know exceed the limit,
    /// the one whose next local reader comes latest in priority order is
    /// encoded to a file of this run's spill directory and dropped, and read
    /// back by the first task that needs it. The limit is per process; values
    /// in use by running tasks count but cannot be spilled, and requested
    /// values and literals are never spilled. Results are the same bits.
    ///
    /// ```
    /// use dklearn_cluster::{Cluster, Config};
    /// let c = Cluster::new(Config::single(1)).memory_limit(64 << 20);
    /// assert_eq!(c.memory_limit_bytes(), Some(64 << 20));
    /// ```
    pub fn memory_limit(mut self, bytes: usize) -> Cluster {
        self.memory_limit = Some(bytes);
        self
    }

    /// The per-process memory limit, if one is set.
    pub fn memory_limit_bytes(&self) -> Option<usize> {
        self.memory_limit
    }

    /// Where a memory-limited run's spill directories go (default:
    /// [`dklearn_executor::default_spill_base`]); each run makes its own
    /// `run-<pid>-<n>` under it and removes it when it ends.
    pub fn spill_dir(mut self, base: impl Into<PathBuf>) -> Cluster {
        self.spill_base = Some(base.into());
        self
    }

    /// Uses these encodings for values that cross processes.
    pub fn with_codecs(mut self, codecs: Codecs) -> Cluster {
        self.codecs = Some(Arc::new(codecs));
        self
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// What this process sent and received in the last `get`, if any.
    pub fn last_report(&self) -> Option<RunReport> {
        self.report.lock().as_deref().cloned()
    }
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Cluster(process={}/{}, threads={}",
            self.config.process(),
            self.config.processes(),
            self.config.threads()
        )?;
        if let Some(l) = self.memory_limit {
            write!(f, ", memory_limit={l}")?;
        }
        f.write_str(")")
    }
}

enum Event {
    /// A local task finished: its value (and the bytes it sent) or its
    /// failure message.
    Done(u32, Result<(Value, u64), String>),
    /// A message from another process.
    Msg(Msg),
    /// The timely worker thread ended (Ok after a clean global shutdown).
    CommEnded(Result<(), String>),
}

/// State shared with the timely worker thread.
struct Comm {
    outbox: Mutex<Option<Receiver<Msg>>>,
    events: Sender<Event>,
    stop: AtomicBool,
    abort: AtomicBool,
    thread: Mutex<Option<std::thread::Thread>>,
}

impl Comm {
    fn wake(&self) {
        if let Some(t) = self.thread.lock().as_ref() {
            t.unpark();
        }
    }
}

/// The timely worker's loop: moves outgoing messages into the dataflow's
/// input and incoming ones (delivered by the `Exchange` pact) to the run.
fn drive(worker: &mut timely::worker::Worker, comm: &Comm) -> Result<(), String> {
    let outbox = comm
        .outbox
        .lock()
        .take()
        .ok_or("the timely worker started twice")?;
    *comm.thread.lock() = Some(std::thread::current());
    let id = worker.next_dataflow_index();
    let events = comm.events.clone();
    let mut input = worker.dataflow::<u64, _, _>(move |scope| {
        let (input, stream) = scope.new_input::<Vec<Msg>>();
        stream.sink(
            Exchange::new(|m: &Msg| m.0),
            "dklearn-deliver",
            move |(handle, _frontier)| {
                handle.for_each(|_cap, data| {
                    for m in data.drain(..) {
                        let _ = events.send(Event::Msg(m));
                    }
                });
            },
        );
        input
    });
    // When the oldest message not yet pushed out was queued, if any.
    let mut held_since: Option<Instant> = None;
    loop {
        let stopping = comm.stop.load(Ordering::SeqCst);
        let mut urgent = false;
        while let Ok(m) = outbox.try_recv() {
            urgent |= m.1 != KIND_DONE;
            input.send(m);
            held_since.get_or_insert_with(Instant::now);
        }
        // Advancing the epoch is what makes the exchange push its buffered
        // messages out (timely batches until then), and each epoch costs
        // progress messages between every pair of processes. A value goes
        // at once (a reader waits for it); task reports (`KIND_DONE`, one
        // per task, for process 0's callbacks) wait up to `DONE_BATCH` to
        // go together.
        if held_since.is_some_and(|t| urgent || t.elapsed() >= DONE_BATCH) {
            let next = *input.time() + 1;
            input.advance_to(next);
            held_since = None;
        }
        if comm.abort.load(Ordering::SeqCst) {
            worker.drop_dataflow(id);
            return Err("aborted".into());
        }
        if stopping {
            break;
        }
        let park = held_since.map_or(Duration::from_millis(50), |t| {
            DONE_BATCH.saturating_sub(t.elapsed())
        });
        worker.step_or_park(Some(park));
    }
    drop(input);
    while worker.has_dataflows() {
        if comm.abort.load(Ordering::SeqCst) {
            worker.drop_dataflow(id);
            return Err("aborted".into());
        }
        worker.step_or_park(Some(Duration::from_millis(20)));
    }
    Ok(())
}

struct Job {
    index: u32,
    inputs: Vec<Value>,
}

impl Scheduler for Cluster {
    fn get(
        &self,
        graph: &Graph,
        keys: &[Key],
        callbacks: &[&dyn Callback],
    ) -> Result<Vec<Value>, Error> {
        let cfg = &self.config;
        let plan = Plan::new(graph, keys, cfg.processes())?;
        // Every value that must cross has an encoding, or nothing runs.
        plan.check_encodings(&self.codecs.clone().unwrap_or_else(Codecs::global))?;
        let round = self.round.fetch_add(1, Ordering::SeqCst);
        if !callbacks.is_empty() {
            let culled = graph.cull(keys)?;
            start_callbacks(callbacks, &culled, keys)?;
            let layout = ClusterLayout {
                process: cfg.process(),
                processes: cfg.processes(),
                threads: cfg.threads(),
            };
            let limit = self.memory_limit;
            let told = catch_unwind(AssertUnwindSafe(|| {
                for cb in callbacks {
                    cb.layout(&layout);
                    if let Some(bytes) = limit {
                        cb.memory_limit(bytes);
                    }
                }
            }));
            if let Err(p) = told {
                let _ = finish_callbacks(callbacks, false);
                return Err(Error::scheduler(format!(
                    "a callback panicked in layout: {}",
                    TaskError::from_panic(&*p).into_message()
                )));
            }
        }
        let outcome = self.run(&plan, round, callbacks);
        let finished = finish_callbacks(callbacks, outcome.is_ok());
        let out = outcome?;
        finished?;
        Ok(out)
    }
}

impl Cluster {
    fn run(
        &self,
        plan: &Plan<'_>,
        round: u64,
        callbacks: &[&dyn Callback],
    ) -> Result<Vec<Value>, Error> {
        let cfg = &self.config;
        let me = cfg.process() as u32;
        let p = cfg.processes();
        let links = net::connect(cfg, plan.fingerprint(round)).map_err(Error::scheduler)?;
        // Every process passes the handshake together: task times are
        // offsets from here, so process 0 can place remote tasks on its clock.
        let origin = Instant::now();
        let (sig_tx, sig_rx) = channel::unbounded::<Signal>();
        let control = Control::start(links.control, cfg.heartbeat_bound(), sig_tx)
            .map_err(Error::scheduler)?;
        let (ev_tx, ev_rx) = channel::unbounded::<Event>();
        let (out_tx, out_rx) = channel::unbounded::<Msg>();
        let comm = Arc::new(Comm {
            outbox: Mutex::new(Some(out_rx)),
            events: ev_tx.clone(),
            stop: AtomicBool::new(false),
            abort: AtomicBool::new(false),
            thread: Mutex::new(None),
        });
        let (builders, others): (Vec<AllocatorBuilder>, Box<dyn std::any::Any + Send>) = if p == 1 {
            (vec![AllocatorBuilder::Thread(ThreadBuilder)], Box::new(()))
        } else {
            let hooks = Hooks::default();
            let process = ProcessBuilder::new_typed_vector(1, hooks.refill.clone(), None);
            match initialize_networking_from_sockets(process, links.data, me as usize, 1, hooks) {
                Ok((b, guard)) => (
                    b.into_iter().map(AllocatorBuilder::Tcp).collect(),
                    Box::new(guard),
                ),
                Err(e) => {
                    control.abandon(None);
                    return Err(Error::scheduler(format!(
                        "starting timely's network threads: {e}"
                    )));
                }
            }
        };
        let comm_w = Arc::clone(&comm);
        let guards = timely::execute::execute_from(
            builders,
            others,
            WorkerConfig::default(),
            move |worker| {
                let r =
                    catch_unwind(AssertUnwindSafe(|| drive(worker, &comm_w))).unwrap_or_else(|p| {
                        Err(format!(
                            "timely worker panicked: {}",
                            TaskError::from_panic(&*p).into_message()
                        ))
                    });
                let _ = comm_w.events.send(Event::CommEnded(r.clone()));
                r
            },
        );
        let guards = match guards {
            Ok(g) => g,
            Err(e) => {
                control.abandon(None);
                return Err(Error::scheduler(format!("starting timely: {e}")));
            }
        };
        let mut state = State::new(plan, me, cfg.threads(), origin);
        if let Some(limit) = self.memory_limit {
            state.spill = Some(Spill {
                limit,
                base: self
                    .spill_base
                    .clone()
                    .unwrap_or_else(dklearn_executor::default_spill_base),
                dir: None,
                accounts: SpillAccounts::new(plan.order.len()),
                on_disk: vec![None; plan.order.len()],
                pinned: vec![0; plan.order.len()],
                worker: me as usize * cfg.threads(),
            });
        }
        let codecs: Arc<Codecs> = self.codecs.clone().unwrap_or_else(Codecs::global);
        let codecs = &*codecs;
        let outcome = std::thread::scope(|s| {
            let (job_tx, job_rx) = channel::unbounded::<Job>();
            for t in 0..cfg.threads() {
                let job_rx = job_rx.clone();
                let ev_tx = ev_tx.clone();
                let out_tx = out_tx.clone();
                let comm = &comm;
                let worker = me as usize * cfg.threads() + t;
                s.spawn(move || {
                    while let Ok(mut job) = job_rx.recv() {
                        let i = job.index as usize;
                        let key = &plan.order[i];
                        let started = Instant::now();
                        // A panicking callback fails this task (and so the
                        // run), like a panicking task; it never kills the thread.
                        let pre = catch_unwind(AssertUnwindSafe(|| {
                            for cb in callbacks {
                                cb.pretask(key, worker);
                            }
                        }));
                        let task = plan.tasks[i];
                        let r = match pre {
                            Ok(()) => {
                                catch_unwind(AssertUnwindSafe(|| task.run_owned(&mut job.inputs)))
                            }
                            Err(p) => Ok(Err(TaskError::new(format!(
                                "a callback's pretask panicked: {}",
                                TaskError::from_panic(&*p).into_message()
                            )))),
                        };
                        job.inputs.clear();
                        let r = match r {
                            // A panicking encoding fails the task, like a
                            // panicking task: the thread must report back.
                            Ok(Ok(v)) => catch_unwind(AssertUnwindSafe(|| {
                                send_value(plan, codecs, i, v, &out_tx, comm)
                            }))
                            .unwrap_or_else(|p| {
                                Err(format!(
                                    "encoding its value panicked: {}",
                                    TaskError::from_panic(&*p).into_message()
                                ))
                            }),
                            Ok(Err(e)) => Err(e.into_message()),
                            Err(payload) => Err(TaskError::from_panic(&*payload).into_message()),
                        };
                        let ok = r.is_ok();
                        let sent = match &r {
                            Ok((_, bytes)) if *bytes > 0 => Some(*bytes),
                            _ => None,
                        };
                        let destinations = plan.send_to[i].len();
                        let post = catch_unwind(AssertUnwindSafe(|| {
                            for cb in callbacks {
                                if let Some(bytes) = sent {
                                    cb.sent(key, worker, bytes, destinations);
                                }
                                cb.posttask(key, worker, ok);
                            }
                        }));
                        let r = match post {
                            Ok(()) => r,
                            Err(p) => Err(format!(
                                "a callback's posttask panicked: {}",
                                TaskError::from_panic(&*p).into_message()
                            )),
                        };
                        // Process 0 computes every literal itself.
                        if r.is_ok() && me != 0 && !plan.literal[i] {
                            let bytes = sent.unwrap_or(0) * destinations as u64;
                            let payload = done_payload(worker, origin, started, bytes);
                            // No wake: reports go in batches (see `drive`).
                            let _ = out_tx.send((0, KIND_DONE, job.index, ByteBuf::from(payload)));
                        }
                        if ev_tx.send(Event::Done(job.index, r)).is_err() {
                            return;
                        }
                    }
                });
            }
            drop(job_rx);
            let r = state.coordinate(
                &job_tx, &ev_rx, &sig_rx, &out_tx, &comm, codecs, cfg, callbacks,
            );
            drop(job_tx);
            // Running tasks finish (as in the threaded scheduler); their
            // results are no longer needed.
            r
        });
        drop(out_tx);
        let processes_summary = if me == 0 && outcome.is_ok() {
            (0..p)
                .map(|i| match (i, state.peers.get(i).cloned().flatten()) {
                    (0, _) => state.summary(),
                    (_, Some(s)) => s,
                    // Not heard from (cannot happen after a clean end).
                    (i, None) => ProcessSummary {
                        process: i,
                        ..ProcessSummary::default()
                    },
                })
                .collect()
        } else {
            Vec::new()
        };
        let report = RunReport {
            process: me as usize,
            processes: p,
            tasks_run: state.tasks_run,
            sent: std::mem::take(&mut state.sent),
            values_received: state.values_received,
            bytes_received: state.bytes_received,
            spilled_bytes: state.spilled_bytes,
            unspilled_bytes: state.unspilled_bytes,
            processes_summary,
        };
        *self.report.lock() = Some(Box::new(report));
        match outcome {
            Ok(()) => {
                // Every process's dataflow is complete: all values reached
                // their readers. Join timely (its TCP threads flush and
                // close), bounded; a peer lost now no longer matters.
                join_bounded(guards, cfg.heartbeat_bound());
                control.goodbye();
                let mut out = Vec::with_capacity(plan.wanted.len());
                for &i in &plan.wanted {
                    match state.values[i as usize].clone() {
                        Some(v) => out.push(v),
                        None => {
                            return Err(Error::scheduler(format!(
                                "no value computed for {}",
                                plan.order[i as usize]
                            )))
                        }
                    }
                }
                Ok(out)
            }
            Err(Failure::Clean(e)) => {
                join_bounded(guards, cfg.heartbeat_bound());
                control.goodbye();
                Err(e)
            }
            Err(Failure::Abandon(e, lost)) => {
                comm.abort.store(true, Ordering::SeqCst);
                comm.wake();
                control.abandon(lost);
                // timely's TCP threads may be blocked on (or have panicked
                // over) the lost peer: leave them to a detached thread.
                std::thread::spawn(move || {
                    let _ = catch_unwind(AssertUnwindSafe(move || drop(guards)));
                });
                Err(e)
            }
        }
    }
}

/// Tells the callbacks of a spill or unspill; a panicking callback is
/// ignored (the value is already where the event says).
fn report_spill(callbacks: &[&dyn Callback], event: &SpillEvent<'_>) {
    let _ = catch_unwind(AssertUnwindSafe(|| {
        for cb in callbacks {
            cb.spill(event);
        }
    }));
}

/// A `KIND_DONE` payload: the worker, the task's start and end (now) as
/// microseconds from this process's `origin`, and the bytes it sent.
fn done_payload(worker: usize, origin: Instant, started: Instant, bytes_sent: u64) -> Vec<u8> {
    let micros = |t: Instant| t.saturating_duration_since(origin).as_micros() as u64;
    let mut p = Vec::with_capacity(28);
    p.extend_from_slice(&(worker as u32).to_le_bytes());
    p.extend_from_slice(&micros(started).to_le_bytes());
    p.extend_from_slice(&micros(Instant::now()).to_le_bytes());
    p.extend_from_slice(&bytes_sent.to_le_bytes());
    p
}

/// Reads a [`done_payload`]: (worker, start µs, end µs, bytes sent).
fn read_done_payload(p: &[u8]) -> Option<(usize, u64, u64, u64)> {
    let p: &[u8; 28] = p.try_into().ok()?;
    let (w, rest) = p.split_at(4);
    let (a, rest) = rest.split_at(8);
    let (b, c) = rest.split_at(8);
    Some((
        u32::from_le_bytes(w.try_into().ok()?) as usize,
        u64::from_le_bytes(a.try_into().ok()?),
        u64::from_le_bytes(b.try_into().ok()?),
        u64::from_le_bytes(c.try_into().ok()?),
    ))
}

/// Joins timely's threads on a helper thread, waiting at most `bound`.
fn join_bounded<T: Send + 'static>(
    guards: timely::communication::WorkerGuards<T>,
    bound: Duration,
) {
    let (tx, rx) = channel::bounded::<()>(1);
    std::thread::spawn(move || {
        let _ = catch_unwind(AssertUnwindSafe(move || drop(guards)));
        let _ = tx.send(());
    });
    let _ = rx.recv_timeout(bound);
}

/// Encodes a finished task's value for the processes that need it and puts
/// it in the outbox; returns the value and the bytes sent.
fn send_value(
    plan: &Plan<'_>,
    codecs: &Codecs,
    i: usize,
    v: Value,
    out: &Sender<Msg>,
    comm: &Comm,
) -> Result<(Value, u64), String> {
    let to = &plan.send_to[i];
    if to.is_empty() {
        return Ok((v, 0));
    }
    let Some(bytes) = codecs.encode(&v) else {
        return Err(format!(
            "its value must go to process {} but its type has no encoding in the cluster's Codecs",
            to[0]
        ));
    };
    let n = bytes.len() as u64;
    for &dest in to {
        let _ = out.send((
            u64::from(dest),
            KIND_VALUE,
            i as u32,
            ByteBuf::from(bytes.clone()),
        ));
    }
    comm.wake();
    Ok((v, n))
}

enum Failure {
    /// Every process learns of it through timely; shut down cleanly.
    Clean(Error),
    /// A process is gone (`.1`, if known): abandon the transport.
    Abandon(Error, Option<usize>),
}

struct State<'p, 'g> {
    plan: &'p Plan<'g>,
    me: u32,
    threads: usize,
    values: Vec<Option<Value>>,
    pending: Vec<u32>,
    local_reads: Vec<u32>,
    /// Ready roots (tasks with no inputs, or only literal ones), by
    /// priority: a new chunk is opened in priority order.
    ready: BinaryHeap<Reverse<u32>>,
    /// Tasks made ready by a value that just arrived (computed here or
    /// received), highest priority on top: run before any new leaf, so a
    /// chunk's chain of tasks is finished before another chunk is opened
    /// (the threaded scheduler's depth-first rule; without it a process
    /// parses every leaf it owns before using any, holding them all).
    deep: Vec<u32>,
    running: usize,
    my_tasks_left: usize,
    wanted_missing: usize,
    tasks_run: usize,
    sent: Vec<SentValue>,
    values_received: usize,
    bytes_received: u64,
    /// This process's start of run (see `KIND_DONE`).
    origin: Instant,
    /// Tasks handed to the task threads (so no longer a future reader).
    started: Vec<bool>,
    /// Spilling, with a memory limit (see [`Cluster::memory_limit`]).
    spill: Option<Spill>,
    spilled_bytes: u64,
    unspilled_bytes: u64,
    /// At process 0: the other processes' summaries, as they arrive.
    peers: Vec<Option<ProcessSummary>>,
}

/// A memory-limited process's spilling state (the coordinator's alone: it
/// stores arriving values and hands inputs to tasks, so no locks).
struct Spill {
    limit: usize,
    base: PathBuf,
    /// This run's directory, made at the first spill, removed at the end.
    dir: Option<SpillDir>,
    /// Held values by next local use, plus the inputs running tasks took.
    accounts: SpillAccounts,
    /// Spilled values: their file and encoded size.
    on_disk: Vec<Option<(PathBuf, usize)>>,
    /// Bytes of inputs each running task took (counted until it is done).
    pinned: Vec<usize>,
    /// The worker number spill events report (the process's first).
    worker: usize,
}

impl<'p, 'g> State<'p, 'g> {
    fn new(plan: &'p Plan<'g>, me: u32, threads: usize, origin: Instant) -> State<'p, 'g> {
        let n = plan.order.len();
        let mut pending = vec![0u32; n];
        let mut local_reads = vec![0u32; n];
        let mut ready = BinaryHeap::new();
        let mut my_tasks_left = 0;
        let mut deep = Vec::new();
        for (i, (deps, &home)) in plan.deps.iter().zip(&plan.home).enumerate() {
            let mine = if plan.literal[i] {
                // Every reader's process computes a literal; process 0
                // always does (it reports every task to the callbacks).
                me == 0
                    || plan.is_wanted[i]
                    || plan.dependents[i]
                        .iter()
                        .any(|&d| plan.home[d as usize] == me)
            } else {
                home == me
            };
            if !mine {
                continue;
            }
            my_tasks_left += 1;
            pending[i] = deps.len() as u32;
            for &j in deps {
                local_reads[j as usize] += 1;
            }
            if plan.literal[i] {
                // Cheap, and a chain may wait on it: first.
                deep.push(i as u32);
            } else if deps.is_empty() {
                ready.push(Reverse(i as u32));
            }
        }
        let mut wanted = plan.wanted.clone();
        wanted.sort_unstable();
        wanted.dedup();
        State {
            plan,
            me,
            threads,
            values: vec![None; n],
            pending,
            local_reads,
            ready,
            deep,
            running: 0,
            my_tasks_left,
            wanted_missing: wanted.len(),
            tasks_run: 0,
            sent: Vec::new(),
            values_received: 0,
            bytes_received: 0,
            origin,
            started: vec![false; n],
            spill: None,
            spilled_bytes: 0,
            unspilled_bytes: 0,
            peers: Vec::new(),
        }
    }

    /// Value `j` is here (computed or received): store it if anything here
    /// reads it, and count its readers' inputs.
    fn arrive(
        &mut self,
        j: usize,
        v: Value,
        codecs: &Codecs,
        callbacks: &[&dyn Callback],
    ) -> Result<(), Error> {
        if self.values[j].is_some() {
            return Ok(());
        }
        if self.plan.is_wanted[j] {
            self.wanted_missing -= 1;
        }
        if self.local_reads[j] > 0 || self.plan.is_wanted[j] {
            self.admit(j, &v, codecs);
            self.values[j] = Some(v);
        }
        // Dependents are ascending: push in reverse so the first is on top.
        let mark = self.deep.len();
        for &d in &self.plan.dependents[j] {
            if self.plan.home[d as usize] == self.me {
                self.pending[d as usize] -= 1;
                if self.pending[d as usize] == 0 {
                    if self.plan.literal[j] {
                        // A root (all its inputs literals): a new chunk,
                        // opened in priority order.
                        self.ready.push(Reverse(d));
                    } else {
                        self.deep.push(d);
                    }
                }
            }
        }
        self.deep[mark..].reverse();
        self.enforce_limit(codecs, callbacks)
    }

    /// The priority of the next task here that will read `j` (`u32::MAX`:
    /// none): what decides which held value is spilled first.
    fn next_use(&self, j: usize) -> u32 {
        self.plan.dependents[j]
            .iter()
            .copied()
            .filter(|&d| self.plan.home[d as usize] == self.me && !self.started[d as usize])
            .min()
            .unwrap_or(u32::MAX)
    }

    /// Counts held value `j` against the memory limit, if spillable: not a
    /// literal (the graph holds it anyway), not requested, of a known type.
    fn admit(&mut self, j: usize, v: &Value, codecs: &Codecs) {
        if self.spill.is_none() || self.plan.literal[j] || self.plan.is_wanted[j] {
            return;
        }
        let Some(size) = codecs.size_of(v) else {
            return;
        };
        let next = self.next_use(j);
        if let Some(m) = &mut self.spill {
            m.accounts.admit(j as u32, size, next);
        }
    }

    /// While the counted bytes exceed the limit, writes the held value
    /// needed latest to this run's spill directory and drops it. A failed
    /// write ends the run naming the key and the file.
    fn enforce_limit(&mut self, codecs: &Codecs, callbacks: &[&dyn Callback]) -> Result<(), Error> {
        let Some(m) = &mut self.spill else {
            return Ok(());
        };
        while let Some((victim, _)) = m.accounts.victim(m.limit) {
            let j = victim as usize;
            let key = &self.plan.order[j];
            let Some(v) = self.values[j].take() else {
                continue;
            };
            let started = Instant::now();
            let Some(bytes) = codecs.encode(&v) else {
                self.values[j] = Some(v);
                continue;
            };
            if m.dir.is_none() {
                let dir = SpillDir::create(&m.base).map_err(|e| {
                    Error::spill(key.clone(), m.base.display().to_string(), "spilling", e)
                })?;
                m.dir = Some(dir);
            }
            let dir = m.dir.as_ref().map(SpillDir::path).unwrap_or(&m.base);
            let path = dir.join(format!("value-{j}.dkv"));
            if let Err(e) = DiskFiles.write(&path, &bytes) {
                self.values[j] = Some(v);
                return Err(Error::spill(
                    key.clone(),
                    path.display().to_string(),
                    "spilling",
                    e,
                ));
            }
            m.on_disk[j] = Some((path, bytes.len()));
            self.spilled_bytes += bytes.len() as u64;
            let event = SpillEvent {
                key,
                worker: m.worker,
                kind: SpillKind::Spill,
                bytes: bytes.len(),
                started,
            };
            report_spill(callbacks, &event);
        }
        Ok(())
    }

    /// Reads spilled value `j` back (its file is removed: the value is in
    /// memory until its last local reader).
    fn unspill(
        &mut self,
        j: usize,
        codecs: &Codecs,
        callbacks: &[&dyn Callback],
    ) -> Result<(), Error> {
        let Some(m) = &mut self.spill else {
            return Ok(());
        };
        let Some((path, n)) = m.on_disk[j].take() else {
            return Ok(());
        };
        let key = &self.plan.order[j];
        let started = Instant::now();
        let bytes = DiskFiles.read(&path).map_err(|e| {
            Error::spill(key.clone(), path.display().to_string(), "reading back", e)
        })?;
        let v = codecs.decode(&bytes).map_err(|e| {
            Error::spill(
                key.clone(),
                path.display().to_string(),
                "decoding",
                std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()),
            )
        })?;
        let _ = std::fs::remove_file(&path);
        self.unspilled_bytes += n as u64;
        let event = SpillEvent {
            key,
            worker: m.worker,
            kind: SpillKind::Unspill,
            bytes: n,
            started,
        };
        report_spill(callbacks, &event);
        self.values[j] = Some(v);
        Ok(())
    }

    fn dispatch(
        &mut self,
        jobs: &Sender<Job>,
        codecs: &Codecs,
        callbacks: &[&dyn Callback],
    ) -> Result<(), Error> {
        while self.running < self.threads {
            let Some(i) = self
                .deep
                .pop()
                .or_else(|| self.ready.pop().map(|Reverse(i)| i))
            else {
                break;
            };
            self.started[i as usize] = true;
            let mut inputs = Vec::with_capacity(self.plan.deps[i as usize].len());
            for &j in &self.plan.deps[i as usize] {
                let j = j as usize;
                self.local_reads[j] -= 1;
                if self.values[j].is_none() {
                    self.unspill(j, codecs, callbacks)?;
                    if self.local_reads[j] > 0 {
                        if let Some(v) = self.values[j].clone() {
                            self.admit(j, &v, codecs);
                        }
                    }
                }
                let last = self.local_reads[j] == 0 && !self.plan.is_wanted[j];
                // Only a memory-limited run keeps accounts (no scan otherwise).
                let next = if self.spill.is_some() && !last {
                    self.next_use(j)
                } else {
                    u32::MAX
                };
                if let Some(m) = &mut self.spill {
                    if last {
                        // Counted as the running task's until it is done.
                        if let Some(size) = m.accounts.forget(j as u32) {
                            m.accounts.pin(size);
                            m.pinned[i as usize] += size;
                        }
                    } else {
                        m.accounts.touch(j as u32, next);
                    }
                }
                let v = if last {
                    self.values[j].take()
                } else {
                    self.values[j].clone()
                };
                match v {
                    Some(v) => inputs.push(v),
                    None => {
                        return Err(Error::scheduler(format!(
                            "value of {} missing when {} was ready",
                            self.plan.order[j], self.plan.order[i as usize]
                        )))
                    }
                }
            }
            self.running += 1;
            jobs.send(Job { index: i, inputs })
                .map_err(|_| Error::scheduler("the task threads ended early"))?;
        }
        self.enforce_limit(codecs, callbacks)
    }

    /// Task `i` is done with the inputs it took.
    fn unpin(&mut self, i: usize) {
        if let Some(m) = &mut self.spill {
            let size = std::mem::take(&mut m.pinned[i]);
            m.accounts.unpin(size);
        }
    }

    fn finished(&self) -> bool {
        self.my_tasks_left == 0 && self.wanted_missing == 0 && self.running == 0
    }

    fn lost(&self, cfg: &Config, j: usize, why: &str) -> Failure {
        Failure::Abandon(
            Error::scheduler(format!("lost process {j} ({}): {why}", cfg.addresses()[j])),
            Some(j),
        )
    }

    fn signal(&self, cfg: &Config, sig: Signal) -> Failure {
        match sig {
            Signal::Lost(j, why) => self.lost(cfg, j, &why),
            Signal::Aborted(from, Some(j)) if j < cfg.processes() => {
                self.lost(cfg, j, &format!("reported by process {from}"))
            }
            Signal::Aborted(from, _) => Failure::Abandon(
                Error::scheduler(format!(
                    "process {from} ({}) gave up",
                    cfg.addresses()[from]
                )),
                None,
            ),
        }
    }

    /// Runs this process's part: dispatches ready tasks, stores arriving
    /// values, until done or failed; then waits for timely's clean end.
    #[allow(clippy::too_many_arguments)]
    fn coordinate(
        &mut self,
        jobs: &Sender<Job>,
        events: &Receiver<Event>,
        signals: &Receiver<Signal>,
        out: &Sender<Msg>,
        comm: &Comm,
        codecs: &Codecs,
        cfg: &Config,
        callbacks: &[&dyn Callback],
    ) -> Result<(), Failure> {
        let mut failure: Option<Failure> = None;
        while failure.is_none() && !self.finished() {
            if let Err(e) = self.dispatch(jobs, codecs, callbacks) {
                failure = Some(Failure::Abandon(e, None));
                break;
            }
            if self.finished() {
                break;
            }
            channel::select! {
                recv(events) -> ev => match ev {
                    Ok(Event::Done(i, Ok((v, bytes)))) => {
                        self.running -= 1;
                        self.my_tasks_left -= 1;
                        self.tasks_run += 1;
                        let to = &self.plan.send_to[i as usize];
                        if !to.is_empty() {
                            self.sent.push(SentValue { key: self.plan.order[i as usize].clone(), bytes, to: to.clone() });
                        }
                        self.unpin(i as usize);
                        if let Err(e) = self.arrive(i as usize, v, codecs, callbacks) {
                            failure = Some(Failure::Abandon(e, None));
                        }
                    }
                    Ok(Event::Done(i, Err(message))) => {
                        self.running -= 1;
                        self.unpin(i as usize);
                        let key = self.plan.order[i as usize].clone();
                        for dest in 0..cfg.processes() as u64 {
                            if dest != u64::from(self.me) {
                                let _ = out.send((dest, KIND_FAILED, i, ByteBuf::from(message.clone().into_bytes())));
                            }
                        }
                        comm.wake();
                        failure = Some(Failure::Clean(Error::task_failed(key, message)));
                    }
                    Ok(Event::Msg((_, KIND_VALUE, i, bytes))) => {
                        let j = i as usize;
                        if j >= self.plan.order.len() {
                            failure = Some(Failure::Abandon(Error::scheduler(format!("received a value for task index {j}, past the graph's {} tasks", self.plan.order.len())), None));
                            continue;
                        }
                        self.values_received += 1;
                        self.bytes_received += bytes.len() as u64;
                        match codecs.decode(&bytes) {
                            Ok(v) => if let Err(e) = self.arrive(j, v, codecs, callbacks) {
                                failure = Some(Failure::Abandon(e, None));
                            },
                            Err(e) => failure = Some(Failure::Abandon(Error::scheduler(format!(
                                "value of {} from process {} cannot be decoded: {e}",
                                self.plan.order[j], self.plan.home[j]
                            )), None)),
                        }
                    }
                    Ok(Event::Msg((_, KIND_DONE, i, bytes))) => self.remote_done(callbacks, i, &bytes),
                    Ok(Event::Msg((_, KIND_END, i, bytes))) => self.peer_end(cfg, i, &bytes),
                    Ok(Event::Msg((_, _, i, bytes))) => {
                        let key = self.plan.order.get(i as usize).cloned().unwrap_or_else(|| Key::from_string(format!("#{i}")));
                        failure = Some(Failure::Clean(Error::task_failed(key, String::from_utf8_lossy(&bytes).into_owned())));
                    }
                    Ok(Event::CommEnded(r)) => {
                        let why = r.err().unwrap_or_else(|| "ended early".into());
                        failure = Some(self.comm_failure(signals, cfg, &why));
                    }
                    Err(_) => failure = Some(Failure::Abandon(Error::scheduler("event channel closed"), None)),
                },
                recv(signals) -> sig => if let Ok(sig) = sig {
                    failure = Some(self.signal(cfg, sig));
                },
                default(Duration::from_millis(200)) => {}
            }
        }
        // Let running tasks finish (their Done events are drained here so a
        // lost peer is still noticed meanwhile).
        while self.running > 0 {
            channel::select! {
                recv(events) -> ev => match ev {
                    Ok(Event::Done(..)) => self.running -= 1,
                    Ok(_) => {}
                    Err(_) => break,
                },
                recv(signals) -> sig => if let Ok(sig) = sig {
                    if !matches!(failure, Some(Failure::Abandon(..))) {
                        failure = Some(self.signal(cfg, sig));
                    }
                },
            }
        }
        if let Some(Failure::Abandon(e, lost)) = failure {
            return Err(Failure::Abandon(e, lost));
        }
        // Clean end: tell process 0 what this process did (before closing
        // the input, so it arrives before timely's end), then close our
        // input; timely's dataflow completes once every process has closed
        // its own, i.e. every value reached its readers.
        if self.me != 0 && failure.is_none() {
            let mine = self.summary();
            let _ = out.send((0, KIND_END, self.me, ByteBuf::from(end_payload(&mine))));
        }
        comm.stop.store(true, Ordering::SeqCst);
        comm.wake();
        loop {
            channel::select! {
                recv(events) -> ev => match ev {
                    Ok(Event::CommEnded(Ok(()))) => break,
                    Ok(Event::CommEnded(Err(why))) => return Err(self.comm_failure(signals, cfg, &why)),
                    Ok(Event::Msg((_, KIND_DONE, i, bytes))) => self.remote_done(callbacks, i, &bytes),
                    Ok(Event::Msg((_, KIND_END, i, bytes))) => self.peer_end(cfg, i, &bytes),
                    Ok(Event::Msg((_, KIND_FAILED, i, bytes))) if failure.is_none() => {
                        let key = self.plan.order.get(i as usize).cloned().unwrap_or_else(|| Key::from_string(format!("#{i}")));
                        failure = Some(Failure::Clean(Error::task_failed(key, String::from_utf8_lossy(&bytes).into_owned())));
                    }
                    Ok(_) => {}
                    Err(_) => return Err(Failure::Abandon(Error::scheduler("event channel closed"), None)),
                },
                recv(signals) -> sig => if let Ok(sig) = sig {
                    return Err(self.signal(cfg, sig));
                },
            }
        }
        match failure {
            Some(f) => Err(f),
            None => Ok(()),
        }
    }

    /// This process's summary so far.
    fn summary(&self) -> ProcessSummary {
        ProcessSummary {
            process: self.me as usize,
            tasks_run: self.tasks_run,
            bytes_sent: bytes_sent(&self.sent),
            spilled_bytes: self.spilled_bytes,
            unspilled_bytes: self.unspilled_bytes,
            peak_rss_bytes: dklearn_executor::peak_rss_bytes(),
        }
    }

    /// Process `from`'s end-of-run summary (process 0 only; a malformed
    /// one is dropped: it only feeds a report).
    fn peer_end(&mut self, cfg: &Config, from: u32, bytes: &[u8]) {
        let from = from as usize;
        if from >= cfg.processes() {
            return;
        }
        let Some(summary) = read_end_payload(from, bytes) else {
            return;
        };
        if self.peers.len() <= from {
            self.peers.resize(from + 1, None);
        }
        self.peers[from] = Some(summary);
    }

    /// Another process finished task `i` (process 0 only; `bytes` is a
    /// [`done_payload`]): reported to the callbacks as a
    /// [`RemoteTask`], so a progress bar counts it and a profiler draws it.
    /// A callback that panics here is ignored (the task itself succeeded).
    fn remote_done(&self, callbacks: &[&dyn Callback], i: u32, bytes: &[u8]) {
        let (Some(key), Some((worker, start, end, bytes_sent))) =
            (self.plan.order.get(i as usize), read_done_payload(bytes))
        else {
            return;
        };
        let at = |us: u64| self.origin + Duration::from_micros(us);
        let task = RemoteTask {
            key,
            worker,
            started: at(start),
            ended: at(end.max(start)),
            bytes_sent,
        };
        let _ = catch_unwind(AssertUnwindSafe(|| {
            for cb in callbacks {
                cb.remote_task(&task);
            }
        }));
    }

    /// The timely worker ended unexpectedly; a lost peer is the usual cause
    /// (timely's TCP threads panic on a closed socket), so wait briefly for
    /// the control links to name it.
    fn comm_failure(&self, signals: &Receiver<Signal>, cfg: &Config, why: &str) -> Failure {
        match signals.recv_timeout(cfg.heartbeat_bound()) {
            Ok(sig) => self.signal(cfg, sig),
            Err(_) => Failure::Abandon(
                Error::scheduler(format!("timely's communication failed: {why}")),
                None,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_end_summary_reads_back_and_a_malformed_one_is_dropped() {
        let s = ProcessSummary {
            process: 2,
            tasks_run: 7,
            bytes_sent: 1 << 40,
            spilled_bytes: 3,
            unspilled_bytes: 2,
            peak_rss_bytes: Some(123_456),
        };
        let p = end_payload(&s);
        assert_eq!(read_end_payload(2, &p), Some(s.clone()));
        let unknown = ProcessSummary {
            peak_rss_bytes: None,
            ..s
        };
        assert_eq!(read_end_payload(2, &end_payload(&unknown)), Some(unknown));
        assert_eq!(read_end_payload(2, &p[..39]), None);
        assert_eq!(read_end_payload(2, &[]), None);
    }
}
