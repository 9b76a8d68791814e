//! Counts the bytes of live values (every value constructed, cloned or read
//! back adds its size, every drop subtracts it) while random DAGs run under
//! random limits: the peak never exceeds `limit + workers × (the largest
//! inputs + output of one task)`, the in-flight values of running tasks.
//! (Its own binary: the counter is process-wide.)

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use dklearn_executor::Threaded;
use dklearn_graph::codec::{Encode, Error, Reader};
use dklearn_graph::{Codecs, Graph, Key, Scheduler, Sequential, Task, Value};
use proptest::prelude::*;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
/// One test at a time (proptest cases run in sequence within one test).
static SERIAL: Mutex<()> = Mutex::new(());

#[derive(Debug, PartialEq)]
struct Counted(Vec<u8>);

impl Counted {
    fn new(v: Vec<u8>) -> Counted {
        let now = LIVE.fetch_add(v.len(), Ordering::SeqCst) + v.len();
        PEAK.fetch_max(now, Ordering::SeqCst);
        Counted(v)
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        LIVE.fetch_sub(self.0.len(), Ordering::SeqCst);
    }
}

impl Encode for Counted {
    fn type_tag() -> std::borrow::Cow<'static, str> {
        "test::Counted".into()
    }
    fn encoded_len(&self) -> usize {
        self.0.encoded_len()
    }
    fn encode(&self, out: &mut Vec<u8>) {
        self.0.encode(out);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
        Ok(Counted::new(Vec::decode(r)?))
    }
}

fn key(i: usize) -> Key {
    Key::from_string(format!("n-{i}"))
}

fn task(i: usize, deps: Vec<Key>, size: usize) -> Task {
    Task::new(deps, move |v: &[Value]| {
        let mut h = i as u64;
        for x in v {
            let c = x.downcast_ref::<Counted>().ok_or("not counted")?;
            h =
                c.0.iter()
                    .fold(h, |h, &b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
        }
        Ok(Arc::new(Counted::new(
            (0..size).map(|k| (h >> (k % 8)) as u8).collect(),
        )) as Value)
    })
}

type Nodes = Vec<(Vec<usize>, usize)>;

fn nodes() -> impl Strategy<Value = Nodes> {
    (2usize..30).prop_flat_map(|n| {
        (0..n)
            .map(|i| {
                (
                    proptest::collection::vec(0..i.max(1), if i == 0 { 0..1 } else { 1..4 }),
                    100usize..5000,
                )
            })
            .collect::<Vec<_>>()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn live_bytes_stay_under_limit_plus_in_flight(ns in nodes(), limit in 0usize..20_000) {
        let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let mut g = Graph::new();
        for (i, (deps, size)) in ns.iter().enumerate() {
            let deps = if i == 0 { vec![] } else { deps.iter().map(|&d| key(d)).collect() };
            g.insert(key(i), task(i, deps, *size));
        }
        // The sinks are wanted (they stay to the end, so count them too).
        let n = ns.len();
        let keys = vec![key(n - 1)];
        // The most one task holds in flight: its inputs and its output.
        let in_flight = ns
            .iter()
            .enumerate()
            .map(|(i, (deps, size))| {
                size + if i == 0 { 0 } else { deps.iter().map(|&d| ns[d].1).sum::<usize>() }
            })
            .max()
            .unwrap_or(0);
        let expected: Vec<u8> = {
            let out = Sequential.get(&g, &keys, &[]).unwrap();
            out[0].downcast_ref::<Counted>().unwrap().0.clone()
        };
        let codecs = Arc::new(Codecs::std().with::<Counted>());
        for workers in [1usize, 2] {
            LIVE.store(0, Ordering::SeqCst);
            PEAK.store(0, Ordering::SeqCst);
            let s = Threaded::new(workers).memory_limit(limit).codecs(Arc::clone(&codecs));
            let out = s.get(&g, &keys, &[]).unwrap();
            prop_assert_eq!(&out[0].downcast_ref::<Counted>().unwrap().0, &expected);
            drop(out);
            let peak = PEAK.load(Ordering::SeqCst);
            let bound = limit + workers * in_flight;
            prop_assert!(peak <= bound, "peak {} > limit {} + {} x {}", peak, limit, workers, in_flight);
            prop_assert_eq!(LIVE.load(Ordering::SeqCst), 0);
        }
    }
}
