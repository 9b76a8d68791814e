//! Hostile graphs and bags: cycles, missing keys, degenerate shapes, odd key
//! text, and empty partitions. Each gives a clear error naming the keys
//! involved, or a documented result; none panics, overflows the stack or
//! hangs.

use std::sync::Arc;

use dklearn_graph::{Bag, ErrorKind, Graph, Key, Scheduler, Sequential, Task, Value};

fn k(s: &str) -> Key {
    Key::from_string(s)
}

/// `own + sum(inputs)`, over u64.
fn sum_task(own: u64, deps: &[&str]) -> Task {
    Task::new(deps.iter().map(|d| k(d)).collect(), move |v: &[Value]| {
        let mut s = own;
        for x in v {
            s += x.downcast_ref::<u64>().ok_or("input is not a u64")?;
        }
        Ok(Arc::new(s) as Value)
    })
}

#[test]
fn self_loop_is_a_cycle_of_one() {
    let mut g = Graph::new();
    g.insert(k("me"), sum_task(1, &["me"]));
    let err = Sequential.get(&g, &[k("me")], &[]).unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Cycle(vec![k("me"), k("me")]));
    assert_eq!(err.to_string(), "cycle in task graph: me -> me");
    assert!(g.toposort_all().is_err());
    assert!(g.cull(&[k("me")]).is_err());
}

#[test]
fn cycle_outside_the_requested_keys_is_not_seen_by_them() {
    // Documented: ordering and computing look only at what the keys need.
    let mut g = Graph::new();
    g.insert(k("a"), sum_task(1, &[]));
    g.insert(k("b"), sum_task(2, &["a"]));
    g.insert(k("x"), sum_task(0, &["y", "a"]));
    g.insert(k("y"), sum_task(0, &["x"]));
    let out = Sequential.get(&g, &[k("b")], &[]).unwrap();
    assert_eq!(out[0].downcast_ref::<u64>(), Some(&3));
    assert_eq!(g.cull(&[k("b")]).unwrap().len(), 2);
    // The whole graph is checked by toposort_all, and a request reaching it fails.
    assert!(matches!(
        g.toposort_all().unwrap_err().kind(),
        ErrorKind::Cycle(_)
    ));
    let err = Sequential.get(&g, &[k("b"), k("x")], &[]).unwrap_err();
    assert_eq!(err.to_string(), "cycle in task graph: x -> y -> x");
}

#[test]
fn missing_dependency_deep_in_a_chain_names_both_keys() {
    let mut g = Graph::new();
    g.insert(k("step-0"), sum_task(0, &["ghost"]));
    for i in 1..100 {
        let prev = format!("step-{}", i - 1);
        g.insert(k(&format!("step-{i}")), sum_task(1, &[prev.as_str()]));
    }
    let err = Sequential.get(&g, &[k("step-99")], &[]).unwrap_err();
    assert_eq!(
        err.kind(),
        &ErrorKind::MissingDependency {
            key: k("step-0"),
            dep: k("ghost")
        }
    );
    assert_eq!(err.key(), Some(&k("step-0")));
}

#[test]
fn missing_requested_key_among_good_ones() {
    let mut g = Graph::new();
    g.insert(k("a"), sum_task(5, &[]));
    let err = Sequential.get(&g, &[k("a"), k("nope")], &[]).unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::MissingKey(k("nope")));
    assert!(err.to_string().contains("nope"), "{err}");
    // An empty graph knows no key either.
    let err = Sequential.get(&Graph::new(), &[k("a")], &[]).unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::MissingKey(k("a")));
}

#[test]
fn nothing_requested_computes_nothing() {
    let mut g = Graph::new();
    g.insert(
        k("boom"),
        Task::new(vec![], |_: &[Value]| panic!("must not run")),
    );
    assert!(Sequential.get(&g, &[], &[]).unwrap().is_empty());
    assert!(Sequential.get(&Graph::new(), &[], &[]).unwrap().is_empty());
    assert!(g.toposort(&[]).unwrap().is_empty());
    assert!(g.cull(&[]).unwrap().is_empty());
}

#[test]
fn duplicate_requests_and_duplicate_reads() {
    let mut g = Graph::new();
    g.insert(k("a"), sum_task(3, &[]));
    g.insert(k("b"), sum_task(0, &["a", "a", "a"]));
    let out = Sequential.get(&g, &[k("b"), k("a"), k("b")], &[]).unwrap();
    let got: Vec<u64> = out
        .iter()
        .map(|v| *v.downcast_ref::<u64>().unwrap())
        .collect();
    assert_eq!(got, vec![9, 3, 9]);
    assert_eq!(g.toposort(&[k("b"), k("b")]).unwrap(), vec![k("a"), k("b")]);
    assert_eq!(g.dependents()[&k("a")], vec![k("b"), k("b"), k("b")]);
}

#[test]
fn a_chain_of_200k_tasks_neither_overflows_nor_recurses() {
    // toposort and the scheduler are iterative: a deep graph is no problem
    // for the (small, 2 MiB) test thread stack.
    let n = 200_000;
    let mut g = Graph::new();
    g.insert(k("c-0"), Task::literal(Arc::new(0u64)));
    for i in 1..n {
        let prev = format!("c-{}", i - 1);
        g.insert(k(&format!("c-{i}")), sum_task(1, &[prev.as_str()]));
    }
    let last = k(&format!("c-{}", n - 1));
    assert_eq!(g.toposort(std::slice::from_ref(&last)).unwrap().len(), n);
    let out = Sequential.get(&g, &[last], &[]).unwrap();
    assert_eq!(out[0].downcast_ref::<u64>(), Some(&(n as u64 - 1)));
    // The same depth as a cycle: found, not recursed into.
    g.insert(k("c-0"), sum_task(0, &[&format!("c-{}", n - 1)]));
    let err = g.toposort(&[k("c-5")]).unwrap_err();
    match err.kind() {
        ErrorKind::Cycle(keys) => assert_eq!(keys.len(), n + 1),
        other => panic!("expected a cycle, got {other:?}"),
    }
}

#[test]
fn odd_key_text_is_kept_verbatim() {
    for s in ["", "-", "a-b-c", "ключ-ß", "\u{0}\n\t", &"x".repeat(10_000)] {
        let key = k(s);
        assert_eq!(key.as_str(), s);
        let mut g = Graph::new();
        g.insert(key.clone(), sum_task(0, &["missing\u{7f}"]));
        let err = Sequential
            .get(&g, std::slice::from_ref(&key), &[])
            .unwrap_err();
        assert_eq!(err.key(), Some(&key));
        assert!(err.to_string().contains(s), "{err}");
    }
}

#[test]
fn wrong_type_from_a_task_is_an_error_naming_the_reader() {
    let mut g = Graph::new();
    g.insert(
        k("text"),
        Task::literal(Arc::new("not a number".to_string())),
    );
    g.insert(k("sum"), sum_task(0, &["text"]));
    let err = Sequential.get(&g, &[k("sum")], &[]).unwrap_err();
    assert_eq!(
        err.kind(),
        &ErrorKind::TaskFailed {
            key: k("sum"),
            message: "input is not a u64".into()
        }
    );
}

#[test]
fn empty_bags_and_empty_partitions_keep_every_item() {
    // No items: one empty partition (as dask), through every operation.
    let empty: Bag<u32> = Bag::from_sequence(Vec::new(), 4);
    assert_eq!(empty.npartitions(), 1);
    let mapped = empty
        .map("double", |x| x * 2)
        .filter("even", |x| x % 2 == 0);
    assert_eq!(mapped.compute(&Sequential).unwrap(), Vec::<u32>::new());
    let total = mapped.reduction(
        "sum",
        |p: &[u32]| p.iter().map(|&x| u64::from(x)).sum::<u64>(),
        |parts: &[&u64]| parts.iter().copied().sum::<u64>(),
    );
    assert_eq!(total.compute(&Sequential).unwrap(), 0);

    // A filter emptying some partitions: documents in == documents out.
    let docs: Vec<String> = (0..37).map(|i| format!("doc {i}")).collect();
    let bag = Bag::from_sequence(docs.clone(), 5);
    let kept = bag.filter("late", |d: &String| d.len() > 5); // "doc 10".. only
    let parts: Vec<Vec<String>> = kept
        .to_delayed()
        .iter()
        .map(|p| p.compute(&Sequential).unwrap())
        .collect();
    assert!(parts.iter().any(Vec::is_empty), "some partition is emptied");
    assert_eq!(parts.iter().map(Vec::len).sum::<usize>(), 27);
    let again = kept
        .map("same", |d: &String| d.clone())
        .compute(&Sequential);
    assert_eq!(again.unwrap(), docs[10..].to_vec());
    // flat_map to nothing, then back.
    let none = bag.flat_map("none", |_: &String| Vec::<u8>::new());
    assert_eq!(none.npartitions(), bag.npartitions());
    assert!(none.compute(&Sequential).unwrap().is_empty());
}

#[test]
fn from_sequence_zero_partitions_is_one() {
    let b = Bag::from_sequence(vec![1u8, 2, 3], 0);
    assert_eq!(b.npartitions(), 1);
    assert_eq!(b.compute(&Sequential).unwrap(), vec![1, 2, 3]);
    // More partitions than items: one item each, none empty.
    let b = Bag::from_sequence(vec![1u8, 2, 3], 50);
    assert_eq!(b.npartitions(), 3);
    assert_eq!(b.compute(&Sequential).unwrap(), vec![1, 2, 3]);
}
