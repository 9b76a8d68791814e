//! dklearn-estimators: LogisticRegression(solver='liblinear') on data shaped
//! like the reference workload: 22 chunks of 720 rows × 2**18 hashed
//! features, ~57 tokens per row (≈ 50 non-zeros after duplicates, ~14 k
//! active columns per chunk), l2-normalised, 1 in 4 rows positive.
//!
//! The SplitMix64 generator is the one of `xtask/parity/liblinear.py`, which
//! times scikit-learn 1.9.1 on the very same chunks (`cargo xtask parity`
//! prints it: ≈ 1.5 s for the 22 fits, 148 TRON iterations, on the 2-core
//! reference machine).
//!
//! `cargo bench -p dklearn-benches --bench estimators_liblinear`
// criterion_group!/criterion_main! generate undocumented public functions.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use dklearn_estimators::{Fit, LogisticRegression, MultinomialNB, PartialFit};
use dklearn_sparse::{CsrBuilder, CsrMatrix};

const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;
const N_FEATURES: usize = 1 << 18;
const ROWS: usize = 720;
const TOKENS: usize = 57;
const TOPIC: usize = 5;
const DRAWS: usize = 1 + 2 * TOKENS + TOPIC;
const CHUNKS: u64 = 22;

fn splitmix64(seed: u64, idx: u64) -> u64 {
    let mut z = seed.wrapping_add((idx + 1).wrapping_mul(GAMMA));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// One chunk: log-uniform token ranks hashed to columns, counts
/// l2-normalised (by the reciprocal, as scipy's `diags(1/n) @ X`).
fn synthetic_chunk(chunk: u64) -> (CsrMatrix, Vec<i64>) {
    let seed = 1000 + chunk;
    let mut b = CsrBuilder::new(N_FEATURES);
    let mut y = Vec::with_capacity(ROWS);
    let mut cols = Vec::new();
    let (mut idx, mut val) = (Vec::new(), Vec::<f64>::new());
    for i in 0..ROWS {
        let d = |k: usize| splitmix64(seed, (i * DRAWS + k) as u64);
        let pos = d(0) % 4 == 0;
        y.push(i64::from(pos));
        cols.clear();
        for t in 0..TOKENS {
            let bits = 1 + d(1 + t) % 18;
            let rank = d(1 + TOKENS + t) % (1u64 << bits);
            cols.push(((rank * 2_654_435_761) % N_FEATURES as u64) as usize);
        }
        if pos {
            for t in 0..TOPIC {
                let topic = (1u64 << 20) + d(1 + 2 * TOKENS + t) % 64;
                cols.push(((topic * 2_654_435_761) % N_FEATURES as u64) as usize);
            }
        }
        cols.sort_unstable();
        idx.clear();
        val.clear();
        for &c in &cols {
            if idx.last() == Some(&c) {
                if let Some(v) = val.last_mut() {
                    *v += 1.0;
                }
            } else {
                idx.push(c);
                val.push(1.0);
            }
        }
        let inv = 1.0 / val.iter().map(|v| v * v).sum::<f64>().sqrt();
        val.iter_mut().for_each(|v| *v *= inv);
        b.push_sorted_row(&idx, &val)
            .expect("sorted distinct columns");
    }
    (b.finish(), y)
}

fn bench_liblinear(c: &mut Criterion) {
    // The malloc settings `cargo xtask` runs with: freed blocks are reused,
    // not returned to the kernel and faulted back in on every iteration.
    dklearn_executor::keep_freed_memory();
    let chunks: Vec<(CsrMatrix, Vec<i64>)> = (0..CHUNKS).map(synthetic_chunk).collect();
    let nnz: usize = chunks.iter().map(|(x, _)| x.nnz()).sum();

    // One-off figures for the report: total TRON iterations of the 22 fits.
    let iters: usize = chunks
        .iter()
        .map(|(x, y)| {
            let mut lr = LogisticRegression::new();
            lr.fit(x, y).expect("fit");
            lr.n_iter_().map_or(0, |n| n.iter().sum::<usize>())
        })
        .sum();
    eprintln!("22 synthetic chunks: {nnz} non-zeros, {iters} TRON iterations in all");

    let mut g = c.benchmark_group("liblinear");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    g.throughput(Throughput::Elements(nnz as u64));
    g.bench_function("22 fits, 720 x 2**18 chunks", |b| {
        b.iter(|| {
            for (x, y) in &chunks {
                let mut lr = LogisticRegression::new();
                lr.fit(black_box(x), black_box(y)).expect("fit");
                black_box(lr.coef_());
            }
        })
    });
    g.throughput(Throughput::Elements(chunks[0].0.nnz() as u64));
    g.bench_function("one fit, 720 x 2**18", |b| {
        b.iter(|| {
            let mut lr = LogisticRegression::new();
            lr.fit(black_box(&chunks[0].0), black_box(&chunks[0].1))
                .expect("fit");
            black_box(lr.coef_());
        })
    });
    g.finish();

    let mut g = c.benchmark_group("multinomial_nb");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    g.throughput(Throughput::Elements(nnz as u64));
    g.bench_function("partial_fit over 22 chunks", |b| {
        b.iter(|| {
            let mut nb = MultinomialNB::new();
            for (x, y) in &chunks {
                nb.partial_fit(black_box(x), black_box(y), Some(&[0, 1]))
                    .expect("partial_fit");
            }
            black_box(nb.class_count_().map(|c| c[0]));
        })
    });
    g.finish();
}

criterion_group!(benches, bench_liblinear);
criterion_main!(benches);
