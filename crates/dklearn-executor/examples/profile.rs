//! Profiles a small graph of real work on 2 workers and writes the
//! dask-style profile page.
//!
//! `cargo run --release -p dklearn-executor --example profile -- out.html`
//!
//! The graph: 16 "make" tasks each fill a vector of 1.5 M pseudo-random
//! numbers (12 MB), a "sort" task sorts it, a "stats" task reduces it to a
//! (min, median, max) triple, and a tree of "merge" tasks combines the
//! triples. Depth-first scheduling keeps about one big vector per worker
//! alive, which the memory line of the page shows.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use dklearn_executor::{
    peak_rss_bytes, visualize, Error, Profiler, ProgressBar, ResourceProfiler, Threaded,
};
use dklearn_graph::{tokenize, Graph, Key, Scheduler, Task, TaskError, Value};

const CHUNKS: u64 = 16;
const LEN: usize = 1_500_000;

type Stats = (f64, f64, f64);

fn arg<'a, T: 'static>(v: &'a [Value], i: usize, what: &str) -> Result<&'a T, TaskError> {
    v.get(i)
        .and_then(|x| x.downcast_ref::<T>())
        .ok_or_else(|| TaskError::new(format!("argument {i} is not {what}")))
}

fn build() -> (Graph, Key) {
    let mut g = Graph::new();
    let mut level = Vec::new();
    for c in 0..CHUNKS {
        let make = Key::new("make", tokenize("make", &c));
        let sort = Key::new("sort", tokenize("sort", &c));
        let stats = Key::new("stats", tokenize("stats", &c));
        g.insert(
            make.clone(),
            Task::new(vec![], move |_: &[Value]| {
                // SplitMix64, seeded by the chunk number.
                let mut s = c.wrapping_mul(0x9e37_79b9_7f4a_7c15);
                let v: Vec<f64> = (0..LEN)
                    .map(|_| {
                        s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
                        let mut z = s;
                        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
                        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
                        (z ^ (z >> 31)) as f64 / u64::MAX as f64
                    })
                    .collect();
                Ok(Arc::new(v) as Value)
            }),
        );
        g.insert(
            sort.clone(),
            Task::new(vec![make], |v: &[Value]| {
                let mut x = arg::<Vec<f64>>(v, 0, "a Vec<f64>")?.clone();
                x.sort_unstable_by(f64::total_cmp);
                Ok(Arc::new(x) as Value)
            }),
        );
        g.insert(
            stats.clone(),
            Task::new(vec![sort], |v: &[Value]| {
                let x = arg::<Vec<f64>>(v, 0, "a Vec<f64>")?;
                let (Some(lo), Some(hi)) = (x.first(), x.last()) else {
                    return Err("empty chunk".into());
                };
                Ok(Arc::new((*lo, x[x.len() / 2], *hi)) as Value)
            }),
        );
        level.push(stats);
    }
    let mut id = 0u64;
    while level.len() > 1 {
        let mut next = Vec::new();
        for pair in level.chunks(2) {
            let merge = Key::new("merge", tokenize("merge", &id));
            id += 1;
            g.insert(
                merge.clone(),
                Task::new(pair.to_vec(), |v: &[Value]| {
                    let mut out = (f64::INFINITY, 0.0, f64::NEG_INFINITY);
                    for i in 0..v.len() {
                        let s = arg::<Stats>(v, i, "a (min, median, max)")?;
                        out.0 = out.0.min(s.0);
                        out.1 += s.1 / v.len() as f64;
                        out.2 = out.2.max(s.2);
                    }
                    Ok(Arc::new(out) as Value)
                }),
            );
            next.push(merge);
        }
        level = next;
    }
    (g, level.remove(0))
}

fn run(path: &str) -> Result<(), Error> {
    let (graph, root) = build();
    let prof = Profiler::new();
    let rprof = ResourceProfiler::new(Duration::from_millis(100));
    let bar = ProgressBar::new();
    let scheduler = Threaded::new(2);
    let out = scheduler.get(&graph, &[root], &[&prof, &rprof, &bar])?;
    if let Some((lo, med, hi)) = out[0].downcast_ref::<Stats>() {
        println!("min {lo:.6}  mean of medians {med:.4}  max {hi:.6}");
    }
    let tasks = prof.results();
    let busy: f64 = tasks.iter().map(|t| t.duration().as_secs_f64()).sum();
    let wall = tasks.iter().map(|t| t.end).max().unwrap_or_default();
    let peak_cpu = rprof
        .results()
        .iter()
        .map(|s| s.cpu_percent)
        .fold(0.0, f64::max);
    println!(
        "{} tasks on {:?}: {:.2} s wall, {:.2} s of task time, peak CPU {:.0}%, peak RSS {:.0} MB",
        tasks.len(),
        scheduler,
        wall.as_secs_f64(),
        busy,
        peak_cpu,
        peak_rss_bytes().unwrap_or(0) as f64 / 1e6
    );
    visualize(&[(&prof).into(), (&rprof).into()], path)?;
    println!("wrote {path}");
    Ok(())
}

fn main() -> ExitCode {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "profile.html".to_owned());
    match run(&path) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
