//! Property tests over random DAGs: ordering, culling, merging, key
//! stability, and the sequential scheduler against direct evaluation.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use dklearn_graph::{
    tokenize, Delayed, ErrorKind, Graph, Key, Scheduler, Sequential, Task, TaskError, Value,
};
use proptest::prelude::*;

/// A random DAG as dependency lists: node `i` depends only on nodes `< i`.
fn dag() -> impl Strategy<Value = Vec<Vec<usize>>> {
    (1usize..48).prop_flat_map(|n| {
        (0..n)
            .map(|i| {
                if i == 0 {
                    Just(Vec::new()).boxed()
                } else {
                    proptest::collection::vec(0..i, 0..4).boxed()
                }
            })
            .collect::<Vec<_>>()
    })
}

fn key(i: usize) -> Key {
    Key::new("node", tokenize("node", &(i as u64)))
}

/// Node value = i + sum of dependency values (wrapping), so every value
/// depends on the exact dependency values.
fn build(deps: &[Vec<usize>]) -> Graph {
    let mut g = Graph::new();
    for (i, ds) in deps.iter().enumerate() {
        let i64i = i as u64;
        g.insert(
            key(i),
            Task::new(
                ds.iter().map(|&d| key(d)).collect(),
                move |v: &[Value]| {
                    let mut s = i64i;
                    for x in v {
                        s = s.wrapping_mul(31).wrapping_add(
                            *x.downcast_ref::<u64>()
                                .ok_or_else(|| TaskError::from("not u64"))?,
                        );
                    }
                    Ok(Arc::new(s) as Value)
                },
            ),
        );
    }
    g
}

fn direct(deps: &[Vec<usize>]) -> Vec<u64> {
    let mut vals = Vec::with_capacity(deps.len());
    for (i, ds) in deps.iter().enumerate() {
        let mut s = i as u64;
        for &d in ds {
            s = s.wrapping_mul(31).wrapping_add(vals[d]);
        }
        vals.push(s);
    }
    vals
}

fn ancestors(deps: &[Vec<usize>], roots: &[usize]) -> BTreeSet<usize> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<usize> = roots.to_vec();
    while let Some(i) = stack.pop() {
        if seen.insert(i) {
            stack.extend(deps[i].iter().copied());
        }
    }
    seen
}

fn roots_of(n: usize, picks: &[usize]) -> Vec<usize> {
    picks.iter().map(|p| p % n).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn toposort_respects_dependencies(deps in dag(), picks in proptest::collection::vec(any::<usize>(), 1..5)) {
        let g = build(&deps);
        let roots = roots_of(deps.len(), &picks);
        let keys: Vec<Key> = roots.iter().map(|&r| key(r)).collect();
        let order = g.toposort(&keys).unwrap();
        let pos: HashMap<&Key, usize> = order.iter().enumerate().map(|(i, k)| (k, i)).collect();
        prop_assert_eq!(pos.len(), order.len(), "no duplicates");
        for k in &order {
            for d in g.get(k).unwrap().deps() {
                prop_assert!(pos[d] < pos[k], "{} before {}", d, k);
            }
        }
        // Deterministic.
        prop_assert_eq!(&order, &g.clone().toposort(&keys).unwrap());
        let all = g.toposort_all().unwrap();
        prop_assert_eq!(all.len(), g.len());
    }

    #[test]
    fn cull_keeps_exactly_the_ancestors(deps in dag(), picks in proptest::collection::vec(any::<usize>(), 1..5)) {
        let g = build(&deps);
        let roots = roots_of(deps.len(), &picks);
        let keys: Vec<Key> = roots.iter().map(|&r| key(r)).collect();
        let culled = g.cull(&keys).unwrap();
        let want: BTreeSet<Key> = ancestors(&deps, &roots).into_iter().map(key).collect();
        let got: BTreeSet<Key> = culled.keys().cloned().collect();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn merge_is_idempotent_and_commutative(a in dag(), b in dag()) {
        let ga = build(&a);
        // A second graph whose keys partly overlap the first one's.
        let mut gb = build(&b);
        gb.insert(Key::from_string("only-b"), Task::literal(Arc::new(0u64)));
        let mut ab = ga.clone();
        ab.merge(&gb);
        let mut ba = gb.clone();
        ba.merge(&ga);
        let set = |g: &Graph| g.keys().cloned().collect::<BTreeSet<Key>>();
        prop_assert_eq!(set(&ab), set(&ba));
        let union: BTreeSet<Key> = set(&ga).union(&set(&gb)).cloned().collect();
        prop_assert_eq!(set(&ab), union);
        let mut again = ab.clone();
        again.merge(&gb);
        again.merge(&ga);
        again.merge(&ab);
        prop_assert_eq!(set(&again), set(&ab));
        prop_assert!(again.ptr_eq(&ab), "merging known keys copies nothing");
    }

    #[test]
    fn sequential_matches_direct_evaluation(deps in dag(), picks in proptest::collection::vec(any::<usize>(), 1..5)) {
        let g = build(&deps);
        let roots = roots_of(deps.len(), &picks);
        let keys: Vec<Key> = roots.iter().map(|&r| key(r)).collect();
        let want = direct(&deps);
        let got = Sequential.get(&g, &keys, &[]).unwrap();
        prop_assert_eq!(got.len(), roots.len());
        for (v, &r) in got.iter().zip(&roots) {
            prop_assert_eq!(*v.downcast_ref::<u64>().unwrap(), want[r]);
        }
    }

    #[test]
    fn a_back_edge_is_reported_as_a_cycle(deps in dag(), from in any::<usize>(), to in any::<usize>()) {
        let n = deps.len();
        // Add an edge from a node to one of its descendants-or-self.
        let lo = from % n;
        let descendants: Vec<usize> = (lo..n).filter(|&j| ancestors(&deps, &[j]).contains(&lo)).collect();
        let hi = descendants[to % descendants.len()];
        let mut deps2 = deps.clone();
        deps2[lo].push(hi);
        let g = build(&deps2);
        let err = g.toposort(&[key(hi)]).unwrap_err();
        match err.kind() {
            ErrorKind::Cycle(cycle) => {
                prop_assert!(cycle.len() >= 2);
                prop_assert_eq!(cycle.first(), cycle.last());
                // Each key on the cycle depends on the next one.
                for w in cycle.windows(2) {
                    prop_assert!(g.get(&w[0]).unwrap().deps().contains(&w[1]));
                }
                let msg = err.to_string();
                prop_assert!(msg.contains(cycle[0].as_str()));
            }
            other => prop_assert!(false, "expected a cycle, got {:?}", other),
        }
    }

    #[test]
    fn keys_are_stable(xs in proptest::collection::vec(any::<i64>(), 0..20), name in "[a-z]{1,8}") {
        let scale = |xs: Vec<i64>, k: f64| Delayed::value(&name, xs).map_with("scale", &k, |v| v.len());
        let a = scale(xs.clone(), 2.5);
        let b = scale(xs.clone(), 2.5);
        prop_assert_eq!(a.key(), b.key());
        prop_assert_eq!(a.key().name(), "scale");
        let c = scale(xs.clone(), 2.0);
        prop_assert_ne!(a.key(), c.key());
        // Another closure with the same name and params: another key.
        let d = Delayed::value(&name, xs).map_with("scale", &2.5f64, |v| v.len() + 1);
        prop_assert_ne!(a.key(), d.key());
    }
}

/// Pinned keys: the same work gives the same key on every run and machine.
/// If this changes, every stored graph key changes; do it on purpose only.
/// (A derived key also hashes its closure's call site, so it is pinned by
/// equality, not by text: the same closure at the same call site twice.)
#[test]
fn pinned_keys() {
    let x = Delayed::value("x", vec![1u32, 2, 3]);
    assert_eq!(x.key().as_str(), PINNED_X);
    let scale = |x: &Delayed<Vec<u32>>| x.map_with("scale", &0.5f64, |v| v.len());
    assert_eq!(scale(&x).key(), scale(&x).key());
    assert_eq!(scale(&x).key().name(), "scale");
}

const PINNED_X: &str = "x-244b68ec69128429664302554e3600a5";
