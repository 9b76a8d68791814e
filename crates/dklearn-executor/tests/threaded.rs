//! The threaded scheduler against the sequential reference: same results on
//! random DAGs, each task run exactly once, intermediates released, errors
//! reported with their key and never a hang.

use std::collections::HashSet;
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use dklearn_executor::Threaded;
use dklearn_graph::{
    Callback, ErrorKind, Graph, Key, Scheduler, Sequential, Task, TaskError, Value,
};
use proptest::prelude::*;

const P: u64 = 1_000_003;

/// A value that counts how many of its kind are alive.
struct Tracked {
    v: u64,
    live: Arc<AtomicIsize>,
}

impl Tracked {
    fn new(v: u64, live: &Arc<AtomicIsize>) -> Tracked {
        live.fetch_add(1, Ordering::SeqCst);
        Tracked {
            v,
            live: Arc::clone(live),
        }
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.live.fetch_sub(1, Ordering::SeqCst);
    }
}

/// SplitMix64: the tests' own seeded generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn key(i: usize) -> Key {
    Key::from_string(format!("node-{i}"))
}

struct Dag {
    graph: Graph,
    runs: Arc<Vec<AtomicUsize>>,
    live: Arc<AtomicIsize>,
    requested: Vec<Key>,
}

/// A random DAG of `n` nodes: node `i` reads up to `max_fanin` earlier nodes,
/// half the time from a few "hubs" (high fan-out); its value is
/// `(i + sum of inputs) mod P`.
fn random_dag(n: usize, max_fanin: usize, seed: u64) -> Dag {
    let mut rng = Rng(seed);
    let runs: Arc<Vec<AtomicUsize>> = Arc::new((0..n).map(|_| AtomicUsize::new(0)).collect());
    let live = Arc::new(AtomicIsize::new(0));
    let hubs: Vec<usize> = (0..4).map(|_| rng.below(n.max(1) / 4 + 1)).collect();
    let mut graph = Graph::new();
    for i in 0..n {
        let fanin = if i == 0 { 0 } else { rng.below(max_fanin + 1) };
        let deps: Vec<Key> = (0..fanin)
            .map(|_| {
                let hub = hubs[rng.below(hubs.len())];
                if rng.below(2) == 0 && hub < i {
                    key(hub)
                } else {
                    key(rng.below(i))
                }
            })
            .collect();
        let (runs, live) = (Arc::clone(&runs), Arc::clone(&live));
        graph.insert(
            key(i),
            Task::new(deps, move |inputs: &[Value]| {
                runs[i].fetch_add(1, Ordering::SeqCst);
                let mut s = i as u64;
                for x in inputs {
                    s += x.downcast_ref::<Tracked>().ok_or("not Tracked")?.v;
                }
                Ok(Arc::new(Tracked::new(s % P, &live)) as Value)
            }),
        );
    }
    let n_req = 1 + rng.below(5);
    let requested = (0..n_req).map(|_| key(rng.below(n))).collect();
    Dag {
        graph,
        runs,
        live,
        requested,
    }
}

fn values(out: &[Value]) -> Vec<u64> {
    out.iter()
        .map(|v| v.downcast_ref::<Tracked>().map_or(u64::MAX, |t| t.v))
        .collect()
}

/// Runs `f` on another thread and fails the test if it takes over 60 s.
fn within_timeout<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(v) => v,
        Err(_) => panic!("scheduler hung (no answer within 60 s)"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn threaded_equals_sequential(n in 1usize..3000, max_fanin in 0usize..6, seed in any::<u64>()) {
        let dag = random_dag(n, max_fanin, seed);
        let needed: HashSet<Key> = dag.graph.cull(&dag.requested).unwrap().keys().cloned().collect();
        let distinct: HashSet<&Key> = dag.requested.iter().collect();
        let expected = {
            let out = Sequential.get(&dag.graph, &dag.requested, &[]).unwrap();
            values(&out)
        };
        for c in dag.runs.iter() {
            c.store(0, Ordering::SeqCst);
        }
        let strict = [1usize, 3].map(|w| (w, true));
        for (workers, strict) in (1..=8usize).map(|w| (w, false)).chain(strict) {
            let s = Threaded::new(workers).strict_priority(strict);
            let out = s.get(&dag.graph, &dag.requested, &[]).unwrap();
            prop_assert_eq!(values(&out), expected.clone(), "{:?}", s);
            // Only the requested values are still alive.
            prop_assert_eq!(dag.live.load(Ordering::SeqCst), distinct.len() as isize);
            drop(out);
            prop_assert_eq!(dag.live.load(Ordering::SeqCst), 0);
            for (i, c) in dag.runs.iter().enumerate() {
                let want = usize::from(needed.contains(&key(i)));
                prop_assert_eq!(c.swap(0, Ordering::SeqCst), want, "runs of node-{}", i);
            }
        }
    }
}

/// `chains` chains `load -> process -> shrink`, joined by one `total`. A
/// depth-first scheduler holds at most one big `load` value per worker; a
/// breadth-first one would load all of them first.
fn chains_graph(chains: usize, big_live: &Arc<AtomicIsize>, max_big: &Arc<AtomicIsize>) -> Graph {
    let mut g = Graph::new();
    let mut smalls = Vec::new();
    for c in 0..chains {
        let load = Key::from_string(format!("load-{c}"));
        let process = Key::from_string(format!("process-{c}"));
        let shrink = Key::from_string(format!("shrink-{c}"));
        let (live, max) = (Arc::clone(big_live), Arc::clone(max_big));
        g.insert(
            load.clone(),
            Task::new(vec![], move |_: &[Value]| {
                let t = Tracked::new(c as u64, &live);
                max.fetch_max(live.load(Ordering::SeqCst), Ordering::SeqCst);
                // Give other workers time to (wrongly) start more loads.
                std::thread::sleep(Duration::from_micros(200));
                Ok(Arc::new(t) as Value)
            }),
        );
        g.insert(
            process.clone(),
            Task::new(vec![load], |v: &[Value]| {
                let t = v[0].downcast_ref::<Tracked>().ok_or("load")?;
                Ok(Arc::new(t.v * 2) as Value)
            }),
        );
        g.insert(
            shrink.clone(),
            Task::new(vec![process], |v: &[Value]| {
                Ok(Arc::new(*v[0].downcast_ref::<u64>().ok_or("process")? + 1) as Value)
            }),
        );
        smalls.push(shrink);
    }
    g.insert(
        Key::from_string("total"),
        Task::new(smalls, |v: &[Value]| {
            let mut s = 0u64;
            for x in v {
                s += x.downcast_ref::<u64>().ok_or("shrink")?;
            }
            Ok(Arc::new(s) as Value)
        }),
    );
    g
}

#[test]
fn depth_first_keeps_few_big_values_alive() {
    for (workers, strict) in [(1usize, false), (2, false), (4, false), (2, true)] {
        let live = Arc::new(AtomicIsize::new(0));
        let max = Arc::new(AtomicIsize::new(0));
        let g = chains_graph(64, &live, &max);
        let out = Threaded::new(workers)
            .strict_priority(strict)
            .get(&g, &[Key::from_string("total")], &[])
            .unwrap();
        let expected: u64 = (0..64u64).map(|c| 2 * c + 1).sum();
        assert_eq!(out[0].downcast_ref::<u64>(), Some(&expected));
        assert_eq!(live.load(Ordering::SeqCst), 0, "all loads released");
        let peak = max.load(Ordering::SeqCst);
        assert!(
            peak <= workers as isize,
            "{workers} workers held {peak} big values at once"
        );
    }
}

/// `models` chains over the same `chunks` leaves (a grid search's
/// candidates sharing a vectorized partition): chain `m` is the literal
/// `start-m` (an unfitted estimator), then `step-m-i` reading the previous
/// step and `chunk-i`. Requested in chain order, the priority order finishes
/// chain 0, then chain 1, ...; `live` counts the steps' models.
fn shared_chunks_graph(
    models: usize,
    chunks: usize,
    live: &Arc<AtomicIsize>,
    max: &Arc<AtomicIsize>,
) -> (Graph, Vec<Key>) {
    let mut g = Graph::new();
    for i in 0..chunks {
        g.insert(
            Key::from_string(format!("chunk-{i}")),
            Task::new(vec![], move |_: &[Value]| Ok(Arc::new(i as u64) as Value)),
        );
    }
    let mut ends = Vec::new();
    for m in 0..models {
        // A literal, like an unfitted estimator: ready before anything runs.
        let start = Key::from_string(format!("start-{m}"));
        g.insert(start.clone(), Task::literal(Arc::new(m as u64) as Value));
        let mut prev = start;
        for i in 0..chunks {
            let step = Key::from_string(format!("step-{m}-{i}"));
            let (l, x) = (Arc::clone(live), Arc::clone(max));
            g.insert(
                step.clone(),
                Task::new(
                    vec![prev, Key::from_string(format!("chunk-{i}"))],
                    move |v: &[Value]| {
                        let a = match v[0].downcast_ref::<Tracked>() {
                            Some(t) => t.v,
                            None => *v[0].downcast_ref::<u64>().ok_or("model")?,
                        };
                        let b = v[1].downcast_ref::<u64>().ok_or("chunk")?;
                        let t = Tracked::new(a * 31 + b, &l);
                        x.fetch_max(l.load(Ordering::SeqCst), Ordering::SeqCst);
                        Ok(Arc::new(t) as Value)
                    },
                ),
            );
            prev = step;
        }
        let end = Key::from_string(format!("end-{m}"));
        g.insert(
            end.clone(),
            Task::new(vec![prev], |v: &[Value]| {
                Ok(Arc::new(v[0].downcast_ref::<Tracked>().ok_or("model")?.v) as Value)
            }),
        );
        ends.push(end);
    }
    (g, ends)
}

#[test]
fn strict_priority_finishes_chains_sharing_chunks_one_by_one() {
    let (models, chunks) = (24, 10);
    let ends_of = |out: &[Value]| -> Vec<u64> {
        out.iter()
            .map(|v| *v.downcast_ref::<u64>().expect("u64"))
            .collect()
    };
    let expected = {
        let (live, max) = (Arc::new(AtomicIsize::new(0)), Arc::new(AtomicIsize::new(0)));
        let (g, ends) = shared_chunks_graph(models, chunks, &live, &max);
        ends_of(&Sequential.get(&g, &ends, &[]).unwrap())
    };
    for workers in [1usize, 2] {
        let (live, max) = (Arc::new(AtomicIsize::new(0)), Arc::new(AtomicIsize::new(0)));
        let (g, ends) = shared_chunks_graph(models, chunks, &live, &max);
        let out = Threaded::new(workers)
            .strict_priority(true)
            .get(&g, &ends, &[])
            .unwrap();
        assert_eq!(ends_of(&out), expected);
        assert_eq!(live.load(Ordering::SeqCst), 0, "every model released");
        // A step's input and output, per worker: not one model per chain
        // (25 on one worker without strict priority: each worker's own
        // ready tasks first advances every chain as each chunk arrives).
        let peak = max.load(Ordering::SeqCst);
        assert!(
            peak <= 2 * workers as isize,
            "{workers} workers held {peak} models at once"
        );
    }
}

#[test]
fn long_chain_keeps_live_values_bounded() {
    let n = 20_000;
    let live = Arc::new(AtomicIsize::new(0));
    let max = Arc::new(AtomicIsize::new(0));
    let mut g = Graph::new();
    for i in 0..n {
        let deps = if i == 0 { vec![] } else { vec![key(i - 1)] };
        let (live, max) = (Arc::clone(&live), Arc::clone(&max));
        g.insert(
            key(i),
            Task::new(deps, move |v: &[Value]| {
                let prev = v.first().and_then(|x| x.downcast_ref::<Tracked>());
                let t = Tracked::new(prev.map_or(0, |p| p.v + 1), &live);
                max.fetch_max(live.load(Ordering::SeqCst), Ordering::SeqCst);
                Ok(Arc::new(t) as Value)
            }),
        );
    }
    let out = Threaded::new(2).get(&g, &[key(n - 1)], &[]).unwrap();
    assert_eq!(values(&out), vec![(n - 1) as u64]);
    assert_eq!(live.load(Ordering::SeqCst), 1);
    assert!(max.load(Ordering::SeqCst) <= 2, "chain held {max:?} values");
}

#[test]
fn cycle_and_missing_dependency_are_errors() {
    let node = |deps: Vec<Key>| Task::new(deps, |_: &[Value]| Ok(Arc::new(()) as Value));
    let mut g = Graph::new();
    g.insert(key(0), node(vec![key(2)]));
    g.insert(key(1), node(vec![key(0)]));
    g.insert(key(2), node(vec![key(1)]));
    g.insert(key(3), node(vec![key(2)]));
    let e = Threaded::new(2).get(&g, &[key(3)], &[]).unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::Cycle(c) if c.len() == 4),
        "{e}"
    );
    assert!(e.to_string().starts_with("cycle in task graph: "), "{e}");

    let mut g = Graph::new();
    g.insert(key(0), node(vec![]));
    g.insert(key(1), node(vec![key(0), Key::from_string("ghost")]));
    let e = Threaded::new(2).get(&g, &[key(1)], &[]).unwrap_err();
    assert_eq!(
        e.kind(),
        &ErrorKind::MissingDependency {
            key: key(1),
            dep: Key::from_string("ghost")
        }
    );
    let e = Threaded::new(2)
        .get(&g, &[Key::from_string("nope")], &[])
        .unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::MissingKey(Key::from_string("nope")));
}

/// A binary reduction tree over `leaves` leaves; node `bad` panics (or
/// returns an error). Keys: `leaf-i`, `reduce-<level>-<i>`.
fn tree_with_failure(leaves: usize, bad: &str, panic: bool) -> (Graph, Key) {
    let mut g = Graph::new();
    let mut level: Vec<Key> = Vec::new();
    for i in 0..leaves {
        let k = Key::from_string(format!("leaf-{i}"));
        g.insert(k.clone(), Task::literal(Arc::new(i as u64)));
        level.push(k);
    }
    let mut depth = 0;
    while level.len() > 1 {
        depth += 1;
        let mut next = Vec::new();
        for (i, pair) in level.chunks(2).enumerate() {
            let k = Key::from_string(format!("reduce-{depth}-{i}"));
            let fails = k.as_str() == bad;
            g.insert(
                k.clone(),
                Task::new(pair.to_vec(), move |v: &[Value]| {
                    if fails && panic {
                        panic!("deliberate panic in {}", "the tree");
                    } else if fails {
                        return Err("deliberate error".into());
                    }
                    let mut s = 0u64;
                    for x in v {
                        s += x.downcast_ref::<u64>().ok_or("u64")?;
                    }
                    Ok(Arc::new(s) as Value)
                }),
            );
            next.push(k);
        }
        level = next;
    }
    (g, level.remove(0))
}

#[test]
fn panic_deep_in_the_graph_names_its_key() {
    for workers in [1usize, 2, 4, 8] {
        let e = within_timeout(move || {
            let (g, root) = tree_with_failure(5000, "reduce-3-17", true);
            Threaded::new(workers).get(&g, &[root], &[]).unwrap_err()
        });
        assert_eq!(
            e.kind(),
            &ErrorKind::TaskFailed {
                key: Key::from_string("reduce-3-17"),
                message: "deliberate panic in the tree".into()
            },
            "{workers} workers"
        );
        assert_eq!(
            e.to_string(),
            "task reduce-3-17 failed: deliberate panic in the tree"
        );
    }
}

#[test]
fn task_error_stops_the_run_and_finish_reports_it() {
    #[derive(Default)]
    struct Log {
        started: AtomicUsize,
        post_ok: AtomicUsize,
        post_failed: AtomicUsize,
        finished: Mutex<Vec<bool>>,
    }
    impl Callback for Log {
        fn start(&self, _graph: &Graph, _keys: &[Key]) {
            self.started.fetch_add(1, Ordering::SeqCst);
        }
        fn posttask(&self, _key: &Key, _worker: usize, ok: bool) {
            if ok {
                self.post_ok.fetch_add(1, Ordering::SeqCst);
            } else {
                self.post_failed.fetch_add(1, Ordering::SeqCst);
            }
        }
        fn finish(&self, ok: bool) {
            self.finished.lock().unwrap().push(ok);
        }
    }
    let log = Arc::new(Log::default());
    let log2 = Arc::clone(&log);
    let e = within_timeout(move || {
        let (g, root) = tree_with_failure(2000, "reduce-1-0", false);
        Threaded::new(2)
            .get(&g, &[root], &[&*log2 as &dyn Callback])
            .unwrap_err()
    });
    assert_eq!(e.to_string(), "task reduce-1-0 failed: deliberate error");
    assert_eq!(log.started.load(Ordering::SeqCst), 1);
    assert_eq!(log.post_failed.load(Ordering::SeqCst), 1);
    assert_eq!(*log.finished.lock().unwrap(), vec![false]);
    // The run stopped early: not all ~4000 tasks ran.
    assert!(log.post_ok.load(Ordering::SeqCst) < 3999);
}

#[test]
fn a_task_error_keeps_its_source_on_both_schedulers() {
    // A read task using `?` on an io::Error, and one wrapping a parse error
    // with context: the cause is reachable from the graph's error.
    let mut g = Graph::new();
    let read = Key::from_string("read-1");
    g.insert(
        read.clone(),
        Task::new(vec![], |_: &[Value]| {
            let text = std::fs::read_to_string("/nonexistent/dklearn/input.txt")?;
            Ok(Arc::new(text) as Value)
        }),
    );
    let parse = Key::from_string("parse-1");
    g.insert(
        parse.clone(),
        Task::new(vec![], |_: &[Value]| {
            let n: u32 = "12x"
                .parse()
                .map_err(|e| TaskError::with_source("parse line 3", e))?;
            Ok(Arc::new(n) as Value)
        }),
    );
    for workers in [1usize, 2] {
        let schedulers: [&dyn Scheduler; 2] = [&Sequential, &Threaded::new(workers)];
        for s in schedulers {
            let e = s.get(&g, std::slice::from_ref(&read), &[]).unwrap_err();
            assert_eq!(e.key(), Some(&read));
            let io = std::error::Error::source(&e)
                .and_then(|c| c.downcast_ref::<std::io::Error>())
                .expect("the io::Error is the source");
            assert_eq!(io.kind(), std::io::ErrorKind::NotFound);

            let e = s.get(&g, std::slice::from_ref(&parse), &[]).unwrap_err();
            assert_eq!(e.to_string(), "task parse-1 failed: parse line 3");
            let cause = std::error::Error::source(&e)
                .and_then(|c| c.downcast_ref::<std::num::ParseIntError>())
                .expect("the ParseIntError is the source");
            assert_eq!(cause.kind(), &std::num::IntErrorKind::InvalidDigit);
        }
    }
}

#[test]
fn many_failures_at_once_report_one_of_them() {
    let e = within_timeout(|| {
        let mut g = Graph::new();
        let mut all = Vec::new();
        for i in 0..1000 {
            let k = Key::from_string(format!("bad-{i}"));
            g.insert(
                k.clone(),
                Task::new(vec![], move |_: &[Value]| panic!("bad {i}")),
            );
            all.push(k);
        }
        Threaded::new(4).get(&g, &all, &[]).unwrap_err()
    });
    match e.kind() {
        ErrorKind::TaskFailed { key, message } => {
            assert_eq!(message, &format!("bad {}", &key.as_str()[4..]));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn callbacks_see_every_task_once_on_a_valid_worker() {
    struct Seen {
        pre: Mutex<Vec<(Key, usize)>>,
        post: Mutex<Vec<(Key, usize)>>,
    }
    impl Callback for Seen {
        fn pretask(&self, key: &Key, worker: usize) {
            self.pre.lock().unwrap().push((key.clone(), worker));
        }
        fn posttask(&self, key: &Key, worker: usize, ok: bool) {
            assert!(ok);
            self.post.lock().unwrap().push((key.clone(), worker));
        }
    }
    let dag = random_dag(2000, 3, 7);
    let needed = dag.graph.cull(&dag.requested).unwrap();
    let seen = Seen {
        pre: Mutex::new(Vec::new()),
        post: Mutex::new(Vec::new()),
    };
    Threaded::new(3)
        .get(&dag.graph, &dag.requested, &[&seen])
        .unwrap();
    let mut pre = seen.pre.into_inner().unwrap();
    let mut post = seen.post.into_inner().unwrap();
    assert_eq!(pre.len(), needed.len());
    assert!(pre.iter().all(|(_, w)| *w < 3));
    pre.sort();
    post.sort();
    assert_eq!(
        pre, post,
        "each pretask has its posttask on the same worker"
    );
    let keys: HashSet<&Key> = pre.iter().map(|(k, _)| k).collect();
    assert_eq!(keys.len(), needed.len());
}

#[test]
fn compute_of_many_values_of_one_type_on_threads() {
    use dklearn_graph::{Compute, Delayed};
    let x = Delayed::value("x", 2u64);
    let ys: Vec<Delayed<u64>> = (0..40u64)
        .map(|i| x.map_with("mul", &i, move |v| v * i))
        .collect();
    let want: Vec<u64> = (0..40).map(|i| 2 * i).collect();
    for workers in [1usize, 2, 4] {
        let t = Threaded::new(workers);
        assert_eq!(ys.compute(&t).unwrap(), want);
        // Duplicates and an array: each requested key gets its value.
        assert_eq!([&ys[3], &ys[3], &x].compute(&t).unwrap(), [6, 6, 2]);
        // Nothing requested: nothing computed, no error.
        assert_eq!(ys[..0].compute(&t).unwrap(), Vec::<u64>::new());
    }
}
