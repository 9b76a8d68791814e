//! The last reader of a value gets the value itself, so a chain of steps can
//! update one model in place (`take_input`) instead of copying it per step;
//! a value that is still read elsewhere, or that was requested, is shared.

use dklearn_executor::Threaded;
use dklearn_graph::{take_input, Graph, Key, Scheduler, Sequential, Task, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

fn k(s: &str) -> Key {
    Key::from_string(s)
}

/// A chain `m0 -> m1 -> ... -> m{n}` of steps that push their index onto a
/// vector, counting the steps that found the vector shared.
fn chain(n: usize, copies: &Arc<AtomicUsize>, extra_reader: Option<usize>) -> Graph {
    let mut g = Graph::new();
    g.insert(
        k("m0"),
        Task::new(vec![], |_: &[Value]| {
            Ok(Arc::new(Vec::<usize>::new()) as Value)
        }),
    );
    for i in 1..=n {
        let copies = Arc::clone(copies);
        g.insert(
            k(&format!("m{i}")),
            Task::new_mut(vec![k(&format!("m{}", i - 1))], move |v: &mut [Value]| {
                if Arc::strong_count(&v[0]) > 1 {
                    copies.fetch_add(1, Ordering::SeqCst);
                }
                let mut m = take_input::<Vec<usize>>(&mut v[0])?;
                m.push(i);
                Ok(Arc::new(m) as Value)
            }),
        );
    }
    if let Some(j) = extra_reader {
        g.insert(
            k("len"),
            Task::new(vec![k(&format!("m{j}"))], |v: &[Value]| {
                let m = v[0].downcast_ref::<Vec<usize>>().ok_or("not a vec")?;
                Ok(Arc::new(m.len()) as Value)
            }),
        );
    }
    g
}

fn schedulers() -> Vec<(&'static str, Box<dyn Scheduler>)> {
    vec![
        ("sequential", Box::new(Sequential)),
        ("threaded-1", Box::new(Threaded::new(1))),
        ("threaded-2", Box::new(Threaded::new(2))),
    ]
}

#[test]
fn a_chain_moves_its_value_from_step_to_step() {
    for (name, s) in schedulers() {
        let copies = Arc::new(AtomicUsize::new(0));
        let g = chain(50, &copies, None);
        let out = s.get(&g, &[k("m50")], &[]).unwrap();
        let m = out[0].downcast_ref::<Vec<usize>>().unwrap();
        assert_eq!(*m, (1..=50).collect::<Vec<_>>(), "{name}");
        assert_eq!(copies.load(Ordering::SeqCst), 0, "{name}: a step copied");
    }
}

#[test]
fn a_value_read_twice_or_requested_is_not_taken() {
    for (name, s) in schedulers() {
        // m10 is read by m11 and by `len`: whichever runs first must see it
        // shared, and `len` must see m10 unchanged (10 elements).
        let copies = Arc::new(AtomicUsize::new(0));
        let g = chain(20, &copies, Some(10));
        let out = s.get(&g, &[k("m20"), k("len")], &[]).unwrap();
        assert_eq!(out[1].downcast_ref::<usize>(), Some(&10), "{name}");
        assert_eq!(out[0].downcast_ref::<Vec<usize>>().unwrap().len(), 20);

        // A requested intermediate is returned as it was computed.
        let copies = Arc::new(AtomicUsize::new(0));
        let g = chain(5, &copies, None);
        let out = s.get(&g, &[k("m3"), k("m5")], &[]).unwrap();
        assert_eq!(
            *out[0].downcast_ref::<Vec<usize>>().unwrap(),
            vec![1, 2, 3],
            "{name}"
        );
        assert_eq!(
            copies.load(Ordering::SeqCst),
            1,
            "{name}: m3 is shared with the caller"
        );
    }
}

#[test]
fn a_literal_is_never_taken() {
    for (name, s) in schedulers() {
        let mut g = Graph::new();
        let start: Value = Arc::new(vec![7usize]);
        g.insert(k("start"), Task::literal(start));
        g.insert(
            k("step"),
            Task::new_mut(vec![k("start")], |v: &mut [Value]| {
                let mut m = take_input::<Vec<usize>>(&mut v[0])?;
                m.push(8);
                Ok(Arc::new(m) as Value)
            }),
        );
        for _ in 0..2 {
            let out = s.get(&g, &[k("step")], &[]).unwrap();
            assert_eq!(
                *out[0].downcast_ref::<Vec<usize>>().unwrap(),
                vec![7, 8],
                "{name}"
            );
        }
    }
}

#[test]
fn taking_the_wrong_type_fails_with_the_key() {
    for (name, s) in schedulers() {
        let mut g = Graph::new();
        g.insert(
            k("x"),
            Task::new(vec![], |_: &[Value]| Ok(Arc::new(1u8) as Value)),
        );
        g.insert(
            k("bad"),
            Task::new_mut(vec![k("x")], |v: &mut [Value]| {
                let s = take_input::<String>(&mut v[0])?;
                Ok(Arc::new(s) as Value)
            }),
        );
        let err = s.get(&g, &[k("bad")], &[]).unwrap_err().to_string();
        assert!(
            err.contains("bad") && err.contains("String"),
            "{name}: {err}"
        );
    }
}
