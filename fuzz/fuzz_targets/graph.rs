//! Arbitrary task graphs (edge lists decoded from the input bytes), ordered,
//! culled and computed by `Sequential` and by `Threaded`.
//!
//! Each task is "its own index plus the sum of its inputs" (wrapping), so a
//! reference evaluation here gives the exact value of every key. What must
//! hold for every input:
//!
//! - a graph whose requested keys and their ancestors all exist and form a
//!   DAG is ordered (dependencies first, each needed key once), culled to
//!   exactly those ancestors, and computed to the reference values by both
//!   schedulers;
//! - otherwise every entry point returns an error, and the error's claim is
//!   true: a `Cycle` lists keys that really read each other in a loop, a
//!   `MissingKey`/`MissingDependency` names a key that really is absent, a
//!   `TaskFailed` names a needed task that really fails or panics;
//! - nothing panics outside the deliberately panicking tasks (caught by the
//!   schedulers) and nothing hangs (run libFuzzer with `-timeout=`).
#![no_main]

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Once};

use dklearn_executor::Threaded;
use dklearn_graph::{ErrorKind, Graph, Key, Scheduler, Sequential, Task, TaskError, Value};
use libfuzzer_sys::fuzz_target;

/// The text of every panic this target causes on purpose.
const DELIBERATE: &str = "dklearn-fuzz deliberate panic";

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Sum,
    Literal,
    Fail,
    Panic,
}

#[derive(Debug)]
struct Spec {
    /// Tasks `0..n`; a dependency index `>= n` is a key not in the graph.
    nodes: Vec<(Kind, Vec<usize>)>,
    requested: Vec<usize>,
    workers: usize,
}

fn key(i: usize) -> Key {
    Key::from_string(format!("node-{i}"))
}

fn decode(data: &[u8]) -> Option<Spec> {
    let (&b0, rest) = data.split_first()?;
    let (&flags, rest) = rest.split_first()?;
    let n = 1 + usize::from(b0) % 48;
    let cycles = flags & 1 != 0;
    let missing = flags & 2 != 0;
    let failures = flags & 4 != 0;
    let panics = flags & 8 != 0;
    let workers = 1 + usize::from(flags >> 4) % 4;
    let mut bytes = rest.iter().copied();
    let mut nodes = Vec::with_capacity(n);
    for i in 0..n {
        let d = bytes.next().unwrap_or(0);
        let ndeps = usize::from(d >> 2) % 6;
        let mut deps = Vec::with_capacity(ndeps);
        for _ in 0..ndeps {
            let v = usize::from(bytes.next().unwrap_or(0));
            if missing && v >= 0xF0 {
                deps.push(n + (v & 3));
            } else if cycles {
                deps.push(v % n);
            } else if i > 0 {
                deps.push(v % i);
            }
        }
        let kind = match d & 3 {
            1 if deps.is_empty() => Kind::Literal,
            2 if failures => Kind::Fail,
            3 if panics => Kind::Panic,
            _ => Kind::Sum,
        };
        nodes.push((kind, deps));
    }
    let extra = if missing { 2 } else { 0 };
    let mut requested: Vec<usize> = bytes
        .take(8)
        .map(|v| usize::from(v) % (n + extra))
        .collect();
    if requested.is_empty() {
        requested.push(n - 1);
    }
    Some(Spec {
        nodes,
        requested,
        workers,
    })
}

fn build(spec: &Spec) -> Graph {
    let mut g = Graph::new();
    for (i, (kind, deps)) in spec.nodes.iter().enumerate() {
        let deps: Vec<Key> = deps.iter().map(|&d| key(d)).collect();
        let own = i as u64;
        let task = match kind {
            Kind::Literal => Task::literal(Arc::new(own)),
            Kind::Sum => Task::new(deps, move |v: &[Value]| {
                let mut s = own;
                for x in v {
                    s = s.wrapping_add(*x.downcast_ref::<u64>().ok_or("input is not a u64")?);
                }
                Ok(Arc::new(s) as Value)
            }),
            Kind::Fail => Task::new(deps, move |_: &[Value]| {
                Err(TaskError::new(format!("deliberate failure at {own}")))
            }),
            Kind::Panic => Task::new(deps, move |_: &[Value]| -> Result<Value, TaskError> {
                panic!("{DELIBERATE} at {own}")
            }),
        };
        g.insert(key(i), task);
    }
    g
}

/// What a correct scheduler must return.
enum Expected {
    Values(Vec<u64>),
    /// A structural problem (missing key/dependency or cycle) among `reach`.
    Structural,
    /// Structure fine; one of these needed tasks fails or panics.
    Fails(HashSet<usize>),
}

/// The keys the requested ones need (present ones only), and whether the
/// structure is sound (all present, acyclic).
fn reach(spec: &Spec) -> (HashSet<usize>, bool) {
    let n = spec.nodes.len();
    let mut seen = HashSet::new();
    let mut ok = true;
    let mut stack: Vec<usize> = Vec::new();
    for &r in &spec.requested {
        if r >= n {
            ok = false;
        } else if seen.insert(r) {
            stack.push(r);
        }
    }
    while let Some(i) = stack.pop() {
        for &d in &spec.nodes[i].1 {
            if d >= n {
                ok = false;
            } else if seen.insert(d) {
                stack.push(d);
            }
        }
    }
    // Acyclic iff Kahn's algorithm over the reached sub-graph empties it.
    let mut indeg: HashMap<usize, usize> = seen
        .iter()
        .map(|&i| (i, spec.nodes[i].1.iter().filter(|&&d| d < n).count()))
        .collect();
    let mut readers: HashMap<usize, Vec<usize>> = HashMap::new();
    for &i in &seen {
        for &d in &spec.nodes[i].1 {
            if d < n {
                readers.entry(d).or_default().push(i);
            }
        }
    }
    let mut ready: Vec<usize> = indeg
        .iter()
        .filter(|(_, &c)| c == 0)
        .map(|(&i, _)| i)
        .collect();
    let mut done = 0;
    while let Some(i) = ready.pop() {
        done += 1;
        for &r in readers.get(&i).map(Vec::as_slice).unwrap_or(&[]) {
            let c = indeg.get_mut(&r).expect("reader is reached");
            *c -= 1;
            if *c == 0 {
                ready.push(r);
            }
        }
    }
    if done != seen.len() {
        ok = false;
    }
    (seen, ok)
}

fn expected(spec: &Spec, needed: &HashSet<usize>, sound: bool) -> Expected {
    if !sound {
        return Expected::Structural;
    }
    let failing: HashSet<usize> = needed
        .iter()
        .copied()
        .filter(|&i| matches!(spec.nodes[i].0, Kind::Fail | Kind::Panic))
        .collect();
    if !failing.is_empty() {
        return Expected::Fails(failing);
    }
    fn value(spec: &Spec, i: usize, memo: &mut HashMap<usize, u64>) -> u64 {
        if let Some(&v) = memo.get(&i) {
            return v;
        }
        let mut s = i as u64;
        if spec.nodes[i].0 == Kind::Sum {
            for &d in &spec.nodes[i].1 {
                s = s.wrapping_add(value(spec, d, memo));
            }
        }
        memo.insert(i, s);
        s
    }
    let mut memo = HashMap::new();
    Expected::Values(
        spec.requested
            .iter()
            .map(|&r| value(spec, r, &mut memo))
            .collect(),
    )
}

fn index_of(k: &Key) -> Option<usize> {
    k.as_str().strip_prefix("node-")?.parse().ok()
}

/// Every claim an error makes must be true of the spec.
fn check_error(spec: &Spec, needed: &HashSet<usize>, exp: &Expected, err: &dklearn_graph::Error) {
    let n = spec.nodes.len();
    let present = |k: &Key| index_of(k).is_some_and(|i| i < n);
    match (exp, err.kind()) {
        (Expected::Structural, ErrorKind::MissingKey(k)) => {
            assert!(!present(k), "MissingKey names a present key: {err}");
            let i = index_of(k).expect("missing key has our name");
            assert!(spec.requested.contains(&i), "{err} was not requested");
        }
        (Expected::Structural, ErrorKind::MissingDependency { key: k, dep }) => {
            let i = index_of(k).expect("key has our name");
            let d = index_of(dep).expect("dep has our name");
            assert!(i < n && needed.contains(&i), "{err}: key not needed");
            assert!(d >= n && spec.nodes[i].1.contains(&d), "{err}: false claim");
        }
        (Expected::Structural, ErrorKind::Cycle(keys)) => {
            assert!(keys.len() >= 2 && keys.first() == keys.last(), "{err}");
            for w in keys.windows(2) {
                let a = index_of(&w[0]).expect("cycle key has our name");
                let b = index_of(&w[1]).expect("cycle key has our name");
                assert!(a < n && spec.nodes[a].1.contains(&b), "{err}: no edge");
            }
        }
        (Expected::Fails(failing), ErrorKind::TaskFailed { key: k, message }) => {
            let i = index_of(k).expect("failed key has our name");
            assert!(failing.contains(&i), "{err}: that task does not fail");
            let want = match spec.nodes[i].0 {
                Kind::Panic => DELIBERATE,
                _ => "deliberate failure",
            };
            assert!(message.contains(want), "{err}: wrong message");
        }
        _ => panic!("unexpected error {err} for {spec:?}"),
    }
}

fn check_values(
    what: &str,
    got: Result<Vec<Value>, dklearn_graph::Error>,
    spec: &Spec,
    needed: &HashSet<usize>,
    exp: &Expected,
) {
    match (exp, got) {
        (Expected::Values(want), Ok(vals)) => {
            let vals: Vec<u64> = vals
                .iter()
                .map(|v| *v.downcast_ref::<u64>().expect("values are u64"))
                .collect();
            assert_eq!(&vals, want, "{what} computed wrong values for {spec:?}");
        }
        (Expected::Values(_), Err(e)) => panic!("{what} failed on a sound graph: {e}; {spec:?}"),
        (_, Ok(_)) => panic!("{what} computed an unsound graph: {spec:?}"),
        (exp, Err(e)) => check_error(spec, needed, exp, &e),
    }
}

fn install_panic_filter() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // libFuzzer's hook aborts on any panic; let only ours unwind (the
        // schedulers catch them), so every other panic is still a crash.
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let msg = info
                .payload()
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| info.payload().downcast_ref::<&str>().copied())
                .unwrap_or("");
            if !msg.contains(DELIBERATE) {
                prev(info);
            }
        }));
    });
}

fuzz_target!(|data: &[u8]| {
    install_panic_filter();
    let Some(spec) = decode(data) else { return };
    let g = build(&spec);
    let keys: Vec<Key> = spec.requested.iter().map(|&r| key(r)).collect();
    let (needed, sound) = reach(&spec);
    let exp = expected(&spec, &needed, sound);

    match g.toposort(&keys) {
        Ok(order) => {
            assert!(sound, "toposort accepted an unsound graph: {spec:?}");
            let pos: HashMap<usize, usize> = order
                .iter()
                .enumerate()
                .map(|(p, k)| (index_of(k).expect("our key"), p))
                .collect();
            assert_eq!(pos.len(), order.len(), "a key ordered twice");
            assert_eq!(pos.keys().copied().collect::<HashSet<_>>(), needed);
            for (&i, &p) in &pos {
                for d in &spec.nodes[i].1 {
                    assert!(pos[d] < p, "node-{d} ordered after its reader node-{i}");
                }
            }
        }
        Err(e) => {
            assert!(!sound, "toposort rejected a sound graph: {e}");
            check_error(&spec, &needed, &Expected::Structural, &e);
        }
    }
    match g.cull(&keys) {
        Ok(c) => {
            assert!(sound);
            assert_eq!(c.len(), needed.len());
            assert!(needed.iter().all(|&i| c.contains(&key(i))));
        }
        Err(e) => {
            assert!(!sound, "cull rejected a sound graph: {e}");
            check_error(&spec, &needed, &Expected::Structural, &e);
        }
    }
    let readers = g.dependents();
    for (i, (_, deps)) in spec.nodes.iter().enumerate() {
        for d in deps {
            let r = readers
                .get(&key(*d))
                .expect("every dependency has an entry");
            assert!(r.contains(&key(i)));
        }
    }

    check_values(
        "Sequential",
        Sequential.get(&g, &keys, &[]),
        &spec,
        &needed,
        &exp,
    );
    let threaded = Threaded::new(spec.workers);
    check_values(
        "Threaded",
        threaded.get(&g, &keys, &[]),
        &spec,
        &needed,
        &exp,
    );
});
