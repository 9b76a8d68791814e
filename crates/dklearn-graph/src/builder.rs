//! `GraphBuilder`: many tasks into one graph, shared by every output.

use std::collections::HashMap;

use crate::delayed::{derived_key, AnyDelayed, Data, Delayed};
use crate::graph::Graph;
use crate::key::Key;
use crate::task::{Task, TaskError, Value};
use crate::token::FnId;
use crate::token::Tokenize;

/// Builds many tasks into one graph.
///
/// Each `Delayed` operation returns a value holding its own graph: deriving
/// one task from a shared graph copies the map (copy on write). Deriving a
/// task per chunk that way leaves one copy of the whole graph per chunk, so
/// memory grows with chunks × tasks. A builder merges its inputs once, adds
/// every task to that one map, and hands out `Delayed`s that all share it.
/// Keys are the ones [`Delayed::try_map_with`] and [`crate::delayed`] give
/// (`name-<tokenize(name, input keys, params)>`), so equal work still
/// merges into one node.
///
/// Add every task before taking the outputs: a task added after an output
/// was taken copies the map once more.
///
/// ```
/// use dklearn_graph::{downcast_input, Compute, Delayed, GraphBuilder, Sequential};
/// let xs: Vec<Delayed<i64>> = (0..3).map(|i| Delayed::value("x", i)).collect();
/// let mut b = GraphBuilder::new();
/// let keys: Vec<_> = xs
///     .iter()
///     .map(|x| {
///         b.merge(x);
///         b.task("double", &(), &[x.key()], |v| Ok(2 * *downcast_input::<i64>(&v[0])?))
///     })
///     .collect();
/// let out: Vec<Delayed<i64>> = keys.into_iter().map(|k| b.delayed(k)).collect();
/// assert!(out[0].graph().ptr_eq(out[2].graph())); // one graph for all
/// assert_eq!((&out[0], &out[2]).compute(&Sequential).unwrap(), (0, 4));
/// ```
#[derive(Default, Debug)]
pub struct GraphBuilder {
    graph: Graph,
    /// Graphs merged so far, by the address of their shared map (each kept
    /// alive here so the address cannot be reused): merging one again is
    /// O(1). Chunks of one `Bag` or `Matrix` share one graph, and merging it
    /// once per chunk would otherwise scan it once per chunk (quadratic: 1.2
    /// s of graph building for the job streamed 64 times).
    merged: HashMap<usize, Graph>,
}

impl GraphBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        GraphBuilder::default()
    }

    /// Adds the graph behind `input` (free when it is the builder's own or
    /// already merged).
    pub fn merge(&mut self, input: &dyn AnyDelayed) {
        self.merge_graph(input.graph());
    }

    /// Adds the graph `g` (free when it was merged before).
    pub fn merge_graph(&mut self, g: &Graph) {
        let id = g.map_address();
        // The builder's own graph (an output merged back) is not recorded:
        // holding it would make the next `task` copy the map.
        if g.is_empty() || g.ptr_eq(&self.graph) || self.merged.contains_key(&id) {
            return;
        }
        self.graph.merge(g);
        self.merged.insert(id, g.clone());
    }

    /// Adds a task reading `deps` (keys already in the builder, or merged
    /// later) and returns its key, `name-<tokenize(name, deps, params)>`.
    ///
    /// The function may take inputs out of its slice with
    /// [`take_input`](crate::take_input) (moved when it is their last
    /// reader, cloned otherwise), or just read them.
    #[track_caller]
    pub fn task<V: Data, P: Tokenize + ?Sized>(
        &mut self,
        name: &str,
        params: &P,
        deps: &[&Key],
        f: impl Fn(&mut [Value]) -> Result<V, TaskError> + Send + Sync + 'static,
    ) -> Key {
        let id = FnId::of(&f);
        self.task_with_id(name, id, params, deps, f)
    }

    /// [`task`](Self::task) with the function's identity given: for an
    /// operation that wraps its caller's closure (take the [`FnId`] of the
    /// caller's closure where the caller's call site is known, e.g. in a
    /// `#[track_caller]` function, then build wrappers freely).
    pub fn task_with_id<V: Data, P: Tokenize + ?Sized>(
        &mut self,
        name: &str,
        id: FnId,
        params: &P,
        deps: &[&Key],
        f: impl Fn(&mut [Value]) -> Result<V, TaskError> + Send + Sync + 'static,
    ) -> Key {
        let key = derived_key(name, id, deps, params);
        if !self.graph.contains(&key) {
            let deps: Vec<Key> = deps.iter().map(|k| (*k).clone()).collect();
            self.graph.insert(key.clone(), Task::typed(deps, f));
        }
        key
    }

    /// A lazy value for `key`, sharing the builder's graph.
    pub fn delayed<T: Data>(&self, key: Key) -> Delayed<T> {
        Delayed::from_parts(self.graph.clone(), key)
    }

    /// The graph built so far.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{downcast_input, Bag, Compute, Sequential};

    #[test]
    fn a_shared_graph_is_merged_once() {
        let bag = Bag::from_sequence((0..100i64).collect(), 50);
        let parts = bag.to_delayed();
        let mut b = GraphBuilder::new();
        let mut keys = Vec::new();
        for p in &parts {
            b.merge(p); // one graph shared by all 50 partitions
            keys.push(b.task("sum", &(), &[p.key()], |v| {
                Ok(downcast_input::<Vec<i64>>(&v[0])?.iter().sum::<i64>())
            }));
        }
        assert_eq!(b.merged.len(), 1);
        assert_eq!(b.graph().len(), bag.graph().len() + 50);
        // The builder's own output merged back is neither recorded nor copied.
        let first: Delayed<i64> = b.delayed(keys[0].clone());
        b.merge(&first);
        assert_eq!(b.merged.len(), 1);
        assert!(b.graph().ptr_eq(first.graph()));
        let sums: Vec<Delayed<i64>> = keys.into_iter().map(|k| b.delayed(k)).collect();
        let total: i64 = sums.iter().map(|d| d.compute(&Sequential).unwrap()).sum();
        assert_eq!(total, (0..100).sum());
        let _ = (&sums[0], &sums[49]).compute(&Sequential).unwrap();
    }
}
