//! dklearn-codec: encode and decode throughput of the values the library
//! spills and sends, on one core. Target (issue 13): >= 1 GB/s for a CSR
//! chunk, encode + decode (framed, checksummed, decode fully validated).
//! Also the serde path (`Serde<T>`, postcard) on the same numbers, for
//! comparison with the native bulk encoding.
//!
//! `cargo bench -p dklearn-benches --bench codec`
// criterion_group!/criterion_main! generate undocumented public functions.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use dklearn_codec::{from_bytes, to_bytes, Serde};
use dklearn_sparse::{CsrBuilder, CsrMatrix};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A chunk shaped like the hashing vectorizer's output on Reuters: 2,000
/// rows of ~80 sorted columns out of 2^20.
fn chunk() -> CsrMatrix {
    let mut rng = ChaCha8Rng::seed_from_u64(13);
    let mut b = CsrBuilder::new(1 << 20);
    for _ in 0..2_000 {
        let mut cols: Vec<usize> = (0..80).map(|_| rng.gen_range(0..1 << 20)).collect();
        cols.sort_unstable();
        cols.dedup();
        let vals: Vec<f64> = cols.iter().map(|_| rng.gen::<f64>()).collect();
        b.push_sorted_row(&cols, &vals).expect("sorted row");
    }
    b.finish()
}

fn bench(c: &mut Criterion) {
    let m = chunk();
    let bytes = to_bytes(&m);
    let mut g = c.benchmark_group("codec");
    g.measurement_time(Duration::from_secs(3));
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("csr_encode", |b| {
        b.iter(|| black_box(to_bytes(black_box(&m))))
    });
    g.bench_function("checksum", |b| {
        b.iter(|| black_box(dklearn_codec::checksum(black_box(&bytes))))
    });
    g.bench_function("csr_decode", |b| {
        b.iter(|| black_box(from_bytes::<CsrMatrix>(black_box(&bytes)).expect("decodes")))
    });
    g.bench_function("csr_encode_decode", |b| {
        b.iter(|| {
            let bytes = to_bytes(black_box(&m));
            black_box(from_bytes::<CsrMatrix>(&bytes).expect("decodes"))
        })
    });
    let data: Vec<f64> = m.data().to_vec();
    let serde_data = Serde(data.clone());
    g.throughput(Throughput::Bytes(8 * data.len() as u64));
    g.bench_function("vec_f64_native_encode_decode", |b| {
        b.iter(|| {
            let bytes = to_bytes(black_box(&data));
            black_box(from_bytes::<Vec<f64>>(&bytes).expect("decodes"))
        })
    });
    g.bench_function("vec_f64_serde_postcard_encode_decode", |b| {
        b.iter(|| {
            let bytes = to_bytes(black_box(&serde_data));
            black_box(from_bytes::<Serde<Vec<f64>>>(&bytes).expect("decodes"))
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
