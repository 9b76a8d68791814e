//! SGD partial_fit throughput on hashed-text-like data: ~15,000 rows of
//! ~57 non-zeros over 2^18 features, l2-normalised rows (the shape of the
//! Reuters job: 0.85 M non-zeros). scikit-learn 1.9.1 does ≈ 23 M nnz/s.
//!
//! `chained_22_chunks` is the job's own pattern: one `partial_fit` per chunk
//! of 720 rows, where the per-call work over all 2^18 weights (not the
//! non-zeros) is what costs.
// criterion_group!/criterion_main! generate undocumented public functions.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use dklearn_estimators::{Average, PartialFit, Perceptron, SGDClassifier};
use dklearn_sparse::{CsrBuilder, CsrMatrix, Norm};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::time::Duration;

const N_FEATURES: usize = 1 << 18;

fn hashed_text(n_rows: usize, seed: u64) -> (CsrMatrix, Vec<u8>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut b = CsrBuilder::with_capacity(N_FEATURES, n_rows, n_rows * 57);
    let mut y = Vec::with_capacity(n_rows);
    let (mut idx, mut val) = (Vec::new(), Vec::new());
    for _ in 0..n_rows {
        let nnz = rng.gen_range(30..85);
        let label = rng.gen_bool(0.25);
        idx.clear();
        val.clear();
        for _ in 0..nnz {
            // Zipf-like column popularity, with a class-dependent band.
            let u: f64 = rng.gen();
            let mut j = ((u * u * u) * N_FEATURES as f64) as usize % N_FEATURES;
            if label && rng.gen_bool(0.2) {
                j = rng.gen_range(0..500);
            }
            idx.push(j);
            val.push(rng.gen_range(1.0..3.0f64).floor());
        }
        let mut pairs: Vec<(usize, f64)> = idx.iter().copied().zip(val.iter().copied()).collect();
        pairs.sort_by_key(|p| p.0);
        pairs.dedup_by(|a, b| {
            if a.0 == b.0 {
                b.1 += a.1;
                true
            } else {
                false
            }
        });
        let (i2, v2): (Vec<usize>, Vec<f64>) = pairs.into_iter().unzip();
        b.push_row(&i2, &v2).expect("sorted in-bounds row");
        y.push(u8::from(label));
    }
    let mut x = b.finish();
    x.normalize(Norm::L2);
    (x, y)
}

fn bench(c: &mut Criterion) {
    // The malloc settings `cargo xtask` runs with: freed blocks are reused,
    // not returned to the kernel and faulted back in on every iteration.
    dklearn_executor::keep_freed_memory();
    let (x, y) = hashed_text(15_000, 42);
    let nnz = x.nnz() as u64;
    let mut g = c.benchmark_group("sgd_partial_fit");
    g.throughput(Throughput::Elements(nnz));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(3));
    g.warm_up_time(Duration::from_millis(500));
    let cases: [(&str, SGDClassifier<u8>); 3] = [
        ("hinge_l2", SGDClassifier::params().build().unwrap()),
        (
            "log_loss_elasticnet",
            SGDClassifier::params()
                .loss(dklearn_estimators::Loss::LogLoss)
                .penalty(Some(dklearn_estimators::Penalty::ElasticNet))
                .build()
                .unwrap(),
        ),
        (
            "hinge_l2_average",
            SGDClassifier::params()
                .average(Average::On)
                .build()
                .unwrap(),
        ),
    ];
    for (name, proto) in cases {
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut clf = proto.clone();
                clf.partial_fit(&x, &y, Some(&[0, 1])).unwrap();
                clf
            })
        });
    }
    let chunks: Vec<(CsrMatrix, Vec<u8>)> = (0..22).map(|k| hashed_text(720, 100 + k)).collect();
    g.throughput(Throughput::Elements(
        chunks.iter().map(|(x, _)| x.nnz() as u64).sum(),
    ));
    g.bench_function("chained_22_chunks", |b| {
        b.iter(|| {
            let mut clf = SGDClassifier::params()
                .random_state(Some(0))
                .build()
                .unwrap();
            for (x, y) in &chunks {
                clf.partial_fit(x, y, Some(&[0, 1])).unwrap();
            }
            clf
        })
    });
    g.throughput(Throughput::Elements(nnz));
    g.bench_function("perceptron", |b| {
        b.iter(|| {
            let mut clf = Perceptron::<u8>::default();
            clf.partial_fit(&x, &y, Some(&[0, 1])).unwrap();
            clf
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
