//! Failures surface as errors naming the key, never as panics of the caller.

use std::sync::Arc;

use dklearn_graph::{
    Bag, Compute, Delayed, ErrorKind, Graph, Key, Scheduler, Sequential, Task, Value,
};

#[test]
fn panic_deep_in_the_graph_names_the_key() {
    let mut d = Delayed::value("start", 0u64);
    let mut bad_key = None;
    for i in 0..50u64 {
        d = d.map_with("step", &i, move |v| {
            if i == 37 {
                panic!("step {i} exploded");
            }
            v + i
        });
        if i == 37 {
            bad_key = Some(d.key().clone());
        }
    }
    let other = Delayed::value("other", 1u8);
    let err = (d, other).compute(&Sequential).unwrap_err();
    assert_eq!(
        err.kind(),
        &ErrorKind::TaskFailed {
            key: bad_key.clone().unwrap(),
            message: "step 37 exploded".into()
        }
    );
    assert!(err.to_string().contains(bad_key.unwrap().as_str()));
}

#[test]
fn missing_dependency_and_key() {
    let mut g = Graph::new();
    g.insert(
        Key::from_string("a"),
        Task::new(vec![Key::from_string("ghost")], |v: &[Value]| {
            Ok(v[0].clone())
        }),
    );
    let err = Sequential
        .get(&g, &[Key::from_string("a")], &[])
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "task a depends on ghost, which is not in the graph"
    );
    let err = Sequential
        .get(&g, &[Key::from_string("b")], &[])
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::MissingKey(Key::from_string("b")));
}

#[test]
fn cycle_through_literals_and_tasks() {
    let mut g = Graph::new();
    let k = |s: &str| Key::from_string(s);
    g.insert(k("lit"), Task::literal(Arc::new(1u8)));
    g.insert(
        k("x"),
        Task::new(vec![k("lit"), k("z")], |v: &[Value]| Ok(v[0].clone())),
    );
    g.insert(
        k("y"),
        Task::new(vec![k("x")], |v: &[Value]| Ok(v[0].clone())),
    );
    g.insert(
        k("z"),
        Task::new(vec![k("y")], |v: &[Value]| Ok(v[0].clone())),
    );
    let err = Sequential.get(&g, &[k("y")], &[]).unwrap_err();
    assert_eq!(err.to_string(), "cycle in task graph: y -> x -> z -> y");
}

#[test]
fn bag_item_error_names_the_partition_task() {
    let b = Bag::from_sequence((0..10i32).collect(), 3).try_map("inverse", |x| {
        if *x == 0 {
            Err("division by zero".into())
        } else {
            Ok(1.0 / f64::from(*x))
        }
    });
    let err = b.compute(&Sequential).unwrap_err();
    assert_eq!(err.key(), Some(&b.keys()[0]));
    assert!(err.to_string().ends_with("failed: division by zero"));
}
