//! dklearn-executor: scheduling overhead per task of the threaded scheduler
//! on 100,000 no-op tasks shaped as a chain, a wide fan-out (one root, all
//! others reading it, one task reading them all) and a binary tree
//! reduction, on 1 and 2 workers; `Sequential` on the same graphs for
//! comparison. Target: <= 5 us per task on 2 workers.
//!
//! `cargo bench -p dklearn-benches --bench executor`
// criterion_group!/criterion_main! generate undocumented public functions.
#![allow(missing_docs)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use dklearn_executor::Threaded;
use dklearn_graph::{tokenize, Graph, Key, Scheduler, Sequential, Task, Value};

const N: usize = 100_000;

fn key(name: &str, i: usize) -> Key {
    Key::new(name, tokenize(name, &(i as u64)))
}

fn noop(deps: Vec<Key>, unit: &Value) -> Task {
    let u = Arc::clone(unit);
    Task::new(deps, move |_| Ok(Arc::clone(&u)))
}

/// `n` tasks, each reading the previous one.
fn chain(n: usize) -> (Graph, Key) {
    let unit: Value = Arc::new(());
    let mut g = Graph::new();
    for i in 0..n {
        let deps = if i == 0 {
            vec![]
        } else {
            vec![key("chain", i - 1)]
        };
        g.insert(key("chain", i), noop(deps, &unit));
    }
    (g, key("chain", n - 1))
}

/// One root, `n - 2` tasks reading it, one task reading all of those.
fn fan_out(n: usize) -> (Graph, Key) {
    let unit: Value = Arc::new(());
    let mut g = Graph::new();
    let root = key("root", 0);
    g.insert(root.clone(), noop(vec![], &unit));
    let mids: Vec<Key> = (0..n - 2).map(|i| key("mid", i)).collect();
    for m in &mids {
        g.insert(m.clone(), noop(vec![root.clone()], &unit));
    }
    let sink = key("sink", 0);
    g.insert(sink.clone(), noop(mids, &unit));
    (g, sink)
}

/// `n / 2` leaves reduced pairwise to one root (`n - 1` tasks in all).
fn tree(n: usize) -> (Graph, Key) {
    let unit: Value = Arc::new(());
    let mut g = Graph::new();
    let mut level: Vec<Key> = (0..n / 2).map(|i| key("leaf", i)).collect();
    for k in &level {
        g.insert(k.clone(), noop(vec![], &unit));
    }
    let mut id = 0;
    while level.len() > 1 {
        let mut next = Vec::with_capacity(level.len().div_ceil(2));
        for pair in level.chunks(2) {
            let k = key("reduce", id);
            id += 1;
            g.insert(k.clone(), noop(pair.to_vec(), &unit));
            next.push(k);
        }
        level = next;
    }
    (g, level.remove(0))
}

fn bench_executor(c: &mut Criterion) {
    let mut group = c.benchmark_group("executor");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    for (shape, (g, out)) in [
        ("chain", chain(N)),
        ("fan_out", fan_out(N)),
        ("tree", tree(N)),
    ] {
        group.throughput(Throughput::Elements(g.len() as u64));
        let keys = [out];
        group.bench_function(BenchmarkId::new(format!("{shape}/sequential"), N), |b| {
            b.iter(|| black_box(Sequential.get(&g, &keys, &[])))
        });
        for workers in [1usize, 2] {
            let s = Threaded::new(workers);
            group.bench_function(
                BenchmarkId::new(format!("{shape}/threaded_{workers}"), N),
                |b| b.iter(|| black_box(s.get(&g, &keys, &[]))),
            );
        }
    }
    group.finish();
}

criterion_group!(benches, bench_executor);
criterion_main!(benches);
