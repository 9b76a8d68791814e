//! Literal leaves are stored before any worker starts: a chain that needs a
//! constant (an estimator, the classes) keeps pace with the chunks it
//! consumes instead of waiting behind every expensive leaf.

use dklearn_executor::{Profiler, Threaded};
use dklearn_graph::{Graph, Key, Scheduler, Task, Value};
use std::sync::Arc;

fn k(s: String) -> Key {
    Key::from_string(s)
}

#[test]
fn chain_steps_run_as_their_chunks_arrive() {
    // chunk-i <- load-i (literal path); step-i <- (step-(i-1) | model literal, chunk-i)
    let n = 40;
    let mut g = Graph::new();
    for i in 0..n {
        g.insert(
            k(format!("path-{i}")),
            Task::literal(Arc::new(i as u64) as Value),
        );
        g.insert(
            k(format!("chunk-{i}")),
            Task::new(vec![k(format!("path-{i}"))], |v: &[Value]| {
                std::thread::sleep(std::time::Duration::from_millis(2));
                Ok(v[0].clone())
            }),
        );
    }
    g.insert(k("model".into()), Task::literal(Arc::new(0u64) as Value));
    for i in 0..n {
        let prev = if i == 0 {
            "model".to_string()
        } else {
            format!("step-{}", i - 1)
        };
        g.insert(
            k(format!("step-{i}")),
            Task::new(vec![k(prev), k(format!("chunk-{i}"))], |v: &[Value]| {
                let a = v[0].downcast_ref::<u64>().ok_or("u64")?;
                let b = v[1].downcast_ref::<u64>().ok_or("u64")?;
                Ok(Arc::new(a + b) as Value)
            }),
        );
    }
    // Requested first, a count over all chunks gives every load a higher
    // priority than the model literal (as a job's document count does).
    g.insert(
        k("count".into()),
        Task::new(
            (0..n).map(|i| k(format!("chunk-{i}"))).collect(),
            |v: &[Value]| Ok(Arc::new(v.len() as u64) as Value),
        ),
    );
    let prof = Profiler::new();
    let out = Threaded::new(2)
        .get(
            &g,
            &[k("count".into()), k(format!("step-{}", n - 1))],
            &[&prof],
        )
        .unwrap();
    assert_eq!(*out[1].downcast_ref::<u64>().unwrap(), (0..n as u64).sum());
    let rec = prof.results();
    let start = |name: &str| {
        rec.iter()
            .find(|r| r.key.as_str() == name)
            .map(|r| r.start)
            .unwrap()
    };
    // The first step runs long before the last chunk is loaded.
    assert!(start("step-0") < start(&format!("chunk-{}", n - 1)));
    assert!(start("step-0") < start(&format!("chunk-{}", n / 2)));
}
