//! The scheduler interface, its observers, and the sequential reference.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

use crate::error::Error;
use crate::graph::{Graph, RefKeyMap};
use crate::key::Key;
use crate::task::{panic_message, TaskError, Value};

/// What a scheduler reports to observers (progress bars, profilers).
///
/// Every method defaults to doing nothing. Threaded schedulers call
/// `pretask`/`posttask` from worker threads, hence `Send + Sync`.
#[allow(unused_variables)]
pub trait Callback: Send + Sync {
    /// Before the first task runs; `graph` is already culled to what `keys` need.
    fn start(&self, graph: &Graph, keys: &[Key]) {}
    /// Task `key` is about to run on worker `worker` (0 for [`Sequential`]).
    fn pretask(&self, key: &Key, worker: usize) {}
    /// Task `key` finished on worker `worker`; `ok` is false if it failed or panicked.
    fn posttask(&self, key: &Key, worker: usize, ok: bool) {}
    /// After the last task (or the first failure); `ok` is false on failure.
    fn finish(&self, ok: bool) {}
    /// The run keeps its values under `bytes` (a memory-limited scheduler
    /// calls this right after `start`).
    fn memory_limit(&self, bytes: usize) {}
    /// A value was written to the spill directory or read back from it
    /// (it ended when this is called).
    fn spill(&self, event: &SpillEvent) {}
    /// The run spans several processes (a cluster scheduler calls this right
    /// after `start`): worker numbers are global, worker `w` being a thread
    /// of process `w / layout.threads`.
    fn layout(&self, layout: &ClusterLayout) {}
    /// Task `key`'s value was encoded and sent to `destinations` other
    /// processes, `bytes` to each (cluster schedulers; called on the worker
    /// that ran the task, between its `pretask` and `posttask`).
    fn sent(&self, key: &Key, worker: usize, bytes: u64, destinations: usize) {}
    /// A task that ran in another process succeeded (a cluster scheduler
    /// reports every process's tasks at process 0, so one progress bar or
    /// profiler sees the whole run). Defaults to `posttask`, so an observer
    /// that only counts needs nothing more.
    fn remote_task(&self, task: &RemoteTask<'_>) {
        self.posttask(task.key, task.worker, true);
    }
}

/// How a run's workers are spread over processes (see [`Callback::layout`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClusterLayout {
    /// The process this observer lives in.
    pub process: usize,
    /// Processes in the run.
    pub processes: usize,
    /// Worker threads per process.
    pub threads: usize,
}

impl ClusterLayout {
    /// The process that worker `worker` (a global worker number) belongs to.
    ///
    /// ```
    /// use dklearn_graph::ClusterLayout;
    /// let l = ClusterLayout { process: 0, processes: 3, threads: 2 };
    /// assert_eq!(l.process_of(5), 2);
    /// ```
    pub fn process_of(&self, worker: usize) -> usize {
        worker / self.threads.max(1)
    }
}

/// A task that ran in another process, as reported to
/// [`Callback::remote_task`].
///
/// Its times are the remote process's offsets from the start of its run,
/// placed on this process's clock from the start of this process's run:
/// processes start a run together (after the connection handshake), so the
/// error is the handshake's skew, milliseconds; hosts' clocks are never
/// compared.
#[derive(Clone, Debug)]
pub struct RemoteTask<'a> {
    /// The task's key.
    pub key: &'a Key,
    /// The global worker that ran it.
    pub worker: usize,
    /// When it started.
    pub started: Instant,
    /// When it ended.
    pub ended: Instant,
    /// Bytes its value sent to other processes (encoded size × destinations).
    pub bytes_sent: u64,
}

/// Whether a value went to disk or came back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SpillKind {
    /// Encoded and written to the spill directory, then dropped from memory.
    Spill,
    /// Read back from the spill directory for a task that needs it.
    Unspill,
}

/// One spill or unspill, as reported to [`Callback::spill`].
#[derive(Clone, Debug)]
pub struct SpillEvent<'a> {
    /// The key whose value moved.
    pub key: &'a Key,
    /// The worker that did the I/O.
    pub worker: usize,
    /// Which way it went.
    pub kind: SpillKind,
    /// Bytes written or read (the encoded frame).
    pub bytes: usize,
    /// When the I/O started (it ends when the event is reported).
    pub started: Instant,
}

/// Calls `start` on every callback, each under `catch_unwind`, for a
/// scheduler's [`Scheduler::get`]. If one panics, those already started are
/// finished (`finish(false)`, guarded too), so observer threads (a progress
/// bar, a resource sampler) stop, and the panic becomes an error naming the
/// hook.
pub fn start_callbacks(
    callbacks: &[&dyn Callback],
    graph: &Graph,
    keys: &[Key],
) -> Result<(), Error> {
    for (i, cb) in callbacks.iter().enumerate() {
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| cb.start(graph, keys))) {
            // The start error is the one to report; a finish panic adds nothing.
            let _ = finish_callbacks(&callbacks[..i], false);
            return Err(Error::scheduler(format!(
                "callback {i} panicked in start: {}",
                panic_message(&*payload)
            )));
        }
    }
    Ok(())
}

/// Calls `finish(ok)` on every callback, each under `catch_unwind`: a
/// callback that panics does not keep the others from stopping. The first
/// panic becomes an error naming the hook.
pub fn finish_callbacks(callbacks: &[&dyn Callback], ok: bool) -> Result<(), Error> {
    let mut first = None;
    for (i, cb) in callbacks.iter().enumerate() {
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| cb.finish(ok))) {
            first.get_or_insert_with(|| {
                Error::scheduler(format!(
                    "callback {i} panicked in finish: {}",
                    panic_message(&*payload)
                ))
            });
        }
    }
    first.map_or(Ok(()), Err)
}

/// Something that runs a [`Graph`].
pub trait Scheduler {
    /// Run what `keys` need and return their values in order. The first
    /// failing/panicking task makes this return Err naming that task's key
    /// and message.
    fn get(
        &self,
        graph: &Graph,
        keys: &[Key],
        callbacks: &[&dyn Callback],
    ) -> Result<Vec<Value>, Error>;
}

impl<S: Scheduler + ?Sized> Scheduler for &S {
    fn get(
        &self,
        graph: &Graph,
        keys: &[Key],
        callbacks: &[&dyn Callback],
    ) -> Result<Vec<Value>, Error> {
        (**self).get(graph, keys, callbacks)
    }
}

/// The reference scheduler: one task at a time on the calling thread, in
/// [`Graph::toposort`] order.
///
/// Each task runs under `catch_unwind`, so a panic becomes
/// [`ErrorKind::TaskFailed`](crate::ErrorKind::TaskFailed) naming the key. A
/// value is dropped as soon as its last reader has run (unless it was
/// requested), so peak memory is what the order needs, not the whole graph.
///
/// ```
/// use std::sync::Arc;
/// use dklearn_graph::{Graph, Key, Scheduler, Sequential, Task, Value};
/// let x = Key::from_string("x");
/// let y = Key::from_string("y");
/// let mut g = Graph::new();
/// g.insert(x.clone(), Task::literal(Arc::new(20i64)));
/// g.insert(y.clone(), Task::new(vec![x], |v: &[Value]| {
///     Ok(Arc::new(v[0].downcast_ref::<i64>().ok_or("x")? * 2) as Value)
/// }));
/// let out = Sequential.get(&g, &[y], &[]).unwrap();
/// assert_eq!(out[0].downcast_ref::<i64>(), Some(&40));
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Sequential;

impl Scheduler for Sequential {
    fn get(
        &self,
        graph: &Graph,
        keys: &[Key],
        callbacks: &[&dyn Callback],
    ) -> Result<Vec<Value>, Error> {
        let order = graph.toposort(keys)?;
        let n = order.len();
        let mut index: RefKeyMap<'_, usize> = RefKeyMap::default();
        index.reserve(n);
        for (i, k) in order.iter().enumerate() {
            index.insert(k, i);
        }
        // Flattened dependency indices and reader counts.
        let mut tasks = Vec::with_capacity(n);
        let mut offsets = Vec::with_capacity(n + 1);
        let mut deps: Vec<usize> = Vec::with_capacity(n);
        let mut readers = vec![0u32; n];
        offsets.push(0);
        for k in &order {
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
                readers[j] += 1;
            }
            offsets.push(deps.len());
            tasks.push(task);
        }
        let mut wanted = vec![false; n];
        for k in keys {
            if let Some(&i) = index.get(k) {
                wanted[i] = true;
            }
        }
        if !callbacks.is_empty() {
            let culled = graph.cull(keys)?;
            start_callbacks(callbacks, &culled, keys)?;
        }

        let mut values: Vec<Option<Value>> = vec![None; n];
        // Tasks run under their own `catch_unwind`; this one catches a
        // panicking `pretask`/`posttask`, so `finish` still runs.
        let run = catch_unwind(AssertUnwindSafe(|| {
            Self::run(
                &order,
                &tasks,
                &deps,
                &offsets,
                &mut readers,
                &wanted,
                &mut values,
                callbacks,
            )
        }));
        let outcome = run.unwrap_or_else(|payload| {
            Err(Error::scheduler(format!(
                "a callback panicked: {}",
                panic_message(&*payload)
            )))
        });
        let finished = finish_callbacks(callbacks, outcome.is_ok());
        outcome?;
        finished?;
        let mut out = Vec::with_capacity(keys.len());
        for k in keys {
            match index.get(k).and_then(|&i| values[i].clone()) {
                Some(v) => out.push(v),
                None => return Err(Error::scheduler(format!("no value computed for {k}"))),
            }
        }
        Ok(out)
    }
}

impl Sequential {
    /// Runs the ordered tasks, reporting to `callbacks` (but `start`/`finish`).
    #[allow(clippy::too_many_arguments)]
    fn run(
        order: &[Key],
        tasks: &[&crate::task::Task],
        deps: &[usize],
        offsets: &[usize],
        readers: &mut [u32],
        wanted: &[bool],
        values: &mut [Option<Value>],
        callbacks: &[&dyn Callback],
    ) -> Result<(), Error> {
        let n = order.len();
        let mut inputs: Vec<Value> = Vec::new();
        for i in 0..n {
            let key = &order[i];
            for cb in callbacks {
                cb.pretask(key, 0);
            }
            let my_deps = &deps[offsets[i]..offsets[i + 1]];
            for &j in my_deps {
                // The last reader of a value that is not an output gets the
                // value itself, so it may take it (see `take_input`).
                readers[j] -= 1;
                let v = if readers[j] == 0 && !wanted[j] {
                    values[j].take()
                } else {
                    values[j].clone()
                };
                match v {
                    Some(v) => inputs.push(v),
                    None => {
                        return Err(Error::scheduler(format!(
                            "value of {} released before {key} ran",
                            order[j]
                        )))
                    }
                }
            }
            let task = tasks[i];
            let result = catch_unwind(AssertUnwindSafe(|| task.run_owned(&mut inputs)));
            inputs.clear();
            let failure = match result {
                Ok(Ok(v)) => {
                    values[i] = Some(v);
                    None
                }
                Ok(Err(e)) => Some(e),
                Err(payload) => Some(TaskError::from_panic(&*payload)),
            };
            for cb in callbacks {
                cb.posttask(key, 0, failure.is_none());
            }
            if let Some(e) = failure {
                return Err(Error::task_failed(key.clone(), e));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::task::{Task, TaskError};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    fn k(s: &str) -> Key {
        Key::from_string(s)
    }

    fn sum_task(deps: &[&str]) -> Task {
        Task::new(deps.iter().map(|d| k(d)).collect(), |v: &[Value]| {
            let mut s = 1i64;
            for x in v {
                s += x.downcast_ref::<i64>().ok_or("not i64")?;
            }
            Ok(Arc::new(s) as Value)
        })
    }

    #[derive(Default)]
    struct Log(Mutex<Vec<String>>);
    impl Callback for Log {
        fn start(&self, graph: &Graph, keys: &[Key]) {
            self.0
                .lock()
                .unwrap()
                .push(format!("start {} {:?}", graph.len(), keys));
        }
        fn pretask(&self, key: &Key, worker: usize) {
            self.0.lock().unwrap().push(format!("pre {key} {worker}"));
        }
        fn posttask(&self, key: &Key, _worker: usize, ok: bool) {
            self.0.lock().unwrap().push(format!("post {key} {ok}"));
        }
        fn finish(&self, ok: bool) {
            self.0.lock().unwrap().push(format!("finish {ok}"));
        }
    }

    #[test]
    fn runs_in_order_with_callbacks() {
        let mut g = Graph::new();
        g.insert(k("a"), sum_task(&[]));
        g.insert(k("b"), sum_task(&["a", "a"]));
        g.insert(k("unused"), sum_task(&[]));
        let log = Log::default();
        let out = Sequential.get(&g, &[k("b"), k("a")], &[&log]).unwrap();
        assert_eq!(out[0].downcast_ref::<i64>(), Some(&3));
        assert_eq!(out[1].downcast_ref::<i64>(), Some(&1));
        assert_eq!(
            *log.0.lock().unwrap(),
            vec![
                "start 2 ['b', 'a']",
                "pre a 0",
                "post a true",
                "pre b 0",
                "post b true",
                "finish true"
            ]
        );
    }

    #[test]
    fn task_error_and_panic_name_the_key() {
        let mut g = Graph::new();
        g.insert(k("a"), sum_task(&[]));
        g.insert(
            k("bad"),
            Task::new(vec![k("a")], |_: &[Value]| Err(TaskError::from("nope"))),
        );
        g.insert(
            k("boom"),
            Task::new(vec![k("a")], |_: &[Value]| panic!("kaboom")),
        );
        let log = Log::default();
        let e = Sequential.get(&g, &[k("bad")], &[&log]).unwrap_err();
        assert_eq!(
            e.kind(),
            &ErrorKind::TaskFailed {
                key: k("bad"),
                message: "nope".into()
            }
        );
        assert_eq!(log.0.lock().unwrap().last().unwrap(), "finish false");
        let e = Sequential.get(&g, &[k("boom")], &[]).unwrap_err();
        assert_eq!(e.to_string(), "task boom failed: kaboom");
    }

    /// Intermediates are dropped once their last reader ran.
    #[test]
    fn releases_intermediates() {
        struct Tracked(Arc<AtomicUsize>);
        impl Drop for Tracked {
            fn drop(&mut self) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let drops = Arc::new(AtomicUsize::new(0));
        let mut g = Graph::new();
        let d = drops.clone();
        g.insert(
            k("big"),
            Task::new(vec![], move |_: &[Value]| {
                Ok(Arc::new(Tracked(d.clone())) as Value)
            }),
        );
        g.insert(k("use"), sum_task(&["big-free"]));
        g.insert(
            k("big-free"),
            Task::new(vec![k("big")], |_: &[Value]| Ok(Arc::new(0i64) as Value)),
        );
        let d = drops.clone();
        g.insert(
            k("after"),
            Task::new(vec![k("use")], move |_: &[Value]| {
                // `big` must already be gone when this runs.
                Ok(Arc::new(d.load(Ordering::SeqCst) as i64) as Value)
            }),
        );
        let out = Sequential.get(&g, &[k("after")], &[]).unwrap();
        assert_eq!(out[0].downcast_ref::<i64>(), Some(&1));
    }
}
