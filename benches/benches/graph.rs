//! dklearn-graph: building and ordering a 100,000-task graph, the
//! Sequential scheduler's per-task overhead on 100,000 no-op tasks, and
//! building a chain `d = d.map(...)` of 10,000 and 40,000 steps one at a time
//! (linear: the time per step stays flat as the chain grows).
//!
//! `cargo bench -p dklearn-benches --bench graph`
// criterion_group!/criterion_main! generate undocumented public functions.
#![allow(missing_docs)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use dklearn_graph::{tokenize, Delayed, Graph, Key, Scheduler, Sequential, Task, Value};

const N: usize = 100_000;

fn keys(n: usize) -> Vec<Key> {
    (0..n)
        .map(|i| Key::new("noop", tokenize("noop", &(i as u64))))
        .collect()
}

/// Node `i` reads nodes `i - 1` and `i / 2`: every node is needed by the
/// last one, depth is `n`, and there are about `2 n` edges.
fn build(keys: &[Key]) -> Graph {
    let unit: Value = Arc::new(());
    let mut g = Graph::new();
    for (i, k) in keys.iter().enumerate() {
        let task = if i == 0 {
            Task::literal(Arc::clone(&unit))
        } else {
            let u = Arc::clone(&unit);
            Task::new(vec![keys[i - 1].clone(), keys[i / 2].clone()], move |_| {
                Ok(Arc::clone(&u))
            })
        };
        g.insert(k.clone(), task);
    }
    g
}

fn bench_graph(c: &mut Criterion) {
    let mut group = c.benchmark_group("graph");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Elements(N as u64));

    group.bench_function(BenchmarkId::new("make_keys", N), |b| {
        b.iter(|| black_box(keys(N)))
    });
    let ks = keys(N);
    group.bench_function(BenchmarkId::new("build", N), |b| {
        b.iter(|| black_box(build(&ks)))
    });
    let g = build(&ks);
    let last = [ks[N - 1].clone()];
    group.bench_function(BenchmarkId::new("toposort", N), |b| {
        b.iter(|| black_box(g.toposort(&last)))
    });
    group.bench_function(BenchmarkId::new("cull_half", N), |b| {
        let mid = [ks[N / 2].clone()];
        b.iter(|| black_box(g.cull(&mid)))
    });
    group.bench_function(BenchmarkId::new("sequential_noop", N), |b| {
        b.iter(|| black_box(Sequential.get(&g, &last, &[])))
    });
    group.finish();
}

/// `n` maps chained one at a time, each while the previous `Delayed` still
/// holds its graph, then the chain's graph read once (flattened).
fn chain(n: usize) -> usize {
    let mut d = Delayed::value("start", 0i64);
    for _ in 0..n {
        d = d.map("inc", |v| v + 1);
    }
    d.graph().len()
}

fn bench_chain(c: &mut Criterion) {
    let mut group = c.benchmark_group("graph_chain");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    for n in [10_000, 40_000] {
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(BenchmarkId::new("map_chain", n), |b| {
            b.iter(|| black_box(chain(n)))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_graph, bench_chain);
criterion_main!(benches);
