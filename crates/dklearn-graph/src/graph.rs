//! The task graph: a map from keys to tasks, with culling and ordering.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, OnceLock};

use crate::error::{Error, ErrorKind};
use crate::key::Key;
use crate::task::Task;

/// A fast, deterministic hasher for [`Key`]s (FxHash-style multiply-rotate).
///
/// Keys are mostly already hashes (`name-<token>`), and graphs are built by
/// the program itself, so hash-flooding resistance buys nothing here while
/// SipHash would be a third of the cost of ordering a graph.
#[derive(Default, Clone, Copy)]
pub(crate) struct KeyHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl KeyHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(SEED);
    }
}

impl Hasher for KeyHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w) ^ ((rest.len() as u64) << 56));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

pub(crate) type KeyMap<V> = HashMap<Key, V, BuildHasherDefault<KeyHasher>>;
pub(crate) type RefKeyMap<'a, V> = HashMap<&'a Key, V, BuildHasherDefault<KeyHasher>>;

/// A lazy computation: a map from [`Key`]s to [`Task`]s whose dependencies
/// are other keys of the map.
///
/// The map is shared (`Arc`), so cloning a graph, or merging a graph into an
/// empty one, costs one reference-count increment. A task added to a graph
/// whose map is shared is not copied into a new map at once: it goes on a
/// persistent list of additions (shared by clones, like dask's graph layers)
/// that is applied once, on the first read. So a chain of `n` steps each
/// deriving one task from the previous graph (`d = d.map(...)`, while `d`
/// still holds the old graph) costs O(n), where copying the map each step
/// cost O(n^2).
///
/// A graph may be incomplete or cyclic while being built; [`Graph::cull`]
/// and [`Graph::toposort`] report missing keys and cycles with their names.
///
/// ```
/// use std::sync::Arc;
/// use dklearn_graph::{Graph, Key, Task, Value};
/// let x = Key::from_string("x");
/// let y = Key::from_string("y");
/// let mut g = Graph::new();
/// g.insert(x.clone(), Task::literal(Arc::new(1i64)));
/// g.insert(y.clone(), Task::new(vec![x.clone()], |v: &[Value]| {
///     Ok(Arc::new(*v[0].downcast_ref::<i64>().ok_or("x")? * 10) as Value)
/// }));
/// assert_eq!(g.toposort(&[y.clone()]).unwrap(), vec![x, y]);
/// ```
#[derive(Clone, Default)]
pub struct Graph {
    /// The tasks as of the last flattening.
    base: Arc<KeyMap<Task>>,
    /// Tasks added since, newest first.
    log: Option<Arc<Addition>>,
    /// Entries in `log`.
    log_len: usize,
}

/// One task added on top of a shared map.
struct Addition {
    key: Key,
    task: Task,
    /// `insert` (replaces an equal key) rather than `merge` (keeps it).
    replace: bool,
    prev: Option<Arc<Addition>>,
    /// The graph's tasks up to this addition, made on the first read. Here,
    /// in the shared list, so every clone of a graph flattens it once.
    flat: OnceLock<Arc<KeyMap<Task>>>,
}

impl Drop for Addition {
    /// Unlinks the list iteratively: a chain of 100,000 additions would
    /// overflow the stack dropped recursively.
    fn drop(&mut self) {
        let mut next = self.prev.take();
        while let Some(a) = next {
            match Arc::try_unwrap(a) {
                Ok(mut a) => next = a.prev.take(),
                Err(_) => break,
            }
        }
    }
}

impl Graph {
    /// An empty graph.
    pub fn new() -> Self {
        Graph::default()
    }

    /// The tasks: `base`, or `base` with the additions applied (once).
    fn tasks(&self) -> &KeyMap<Task> {
        let Some(log) = &self.log else {
            return &self.base;
        };
        log.flat.get_or_init(|| {
            let mut added: Vec<&Addition> = Vec::with_capacity(self.log_len);
            let mut a = Some(log);
            while let Some(e) = a {
                added.push(e);
                a = e.prev.as_ref();
            }
            let mut map =
                KeyMap::with_capacity_and_hasher(self.base.len() + added.len(), Default::default());
            map.extend(self.base.iter().map(|(k, t)| (k.clone(), t.clone())));
            for e in added.into_iter().rev() {
                if e.replace {
                    map.insert(e.key.clone(), e.task.clone());
                } else {
                    map.entry(e.key.clone()).or_insert_with(|| e.task.clone());
                }
            }
            Arc::new(map)
        })
    }

    /// Makes a flattened map the base (before a change).
    fn settle(&mut self) {
        if let Some(flat) = self.log.as_ref().and_then(|a| a.flat.get()) {
            self.base = Arc::clone(flat);
            self.log = None;
            self.log_len = 0;
        }
    }

    /// Adds `task` in place when the map is this graph's own, else as an
    /// addition on top of the shared map.
    fn add(&mut self, key: Key, task: Task, replace: bool) {
        self.settle();
        if self.log.is_none() {
            if let Some(map) = Arc::get_mut(&mut self.base) {
                if replace {
                    map.insert(key, task);
                } else {
                    map.entry(key).or_insert(task);
                }
                return;
            }
        }
        self.log = Some(Arc::new(Addition {
            key,
            task,
            replace,
            prev: self.log.take(),
            flat: OnceLock::new(),
        }));
        self.log_len += 1;
    }

    /// The number of tasks, or more (duplicate additions counted), without
    /// applying the additions.
    fn len_bound(&self) -> usize {
        match self.log.as_ref().map(|a| a.flat.get()) {
            None => self.base.len(),
            Some(Some(flat)) => flat.len(),
            Some(None) => self.base.len() + self.log_len,
        }
    }

    /// Adds (or replaces) the task of `key`.
    pub fn insert(&mut self, key: Key, task: Task) {
        self.add(key, task, true);
    }

    /// The task of `key`.
    pub fn get(&self, key: &Key) -> Option<&Task> {
        self.tasks().get(key)
    }

    /// Whether `key` has a task.
    pub fn contains(&self, key: &Key) -> bool {
        self.tasks().contains_key(key)
    }

    /// Number of tasks.
    pub fn len(&self) -> usize {
        self.tasks().len()
    }

    /// Whether there are no tasks.
    pub fn is_empty(&self) -> bool {
        self.log.is_none() && self.base.is_empty()
    }

    /// All keys, in no particular order.
    pub fn keys(&self) -> impl Iterator<Item = &Key> {
        self.tasks().keys()
    }

    /// All tasks with their keys, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&Key, &Task)> {
        self.tasks().iter()
    }

    /// All keys, sorted (a deterministic order for reports and rendering).
    pub fn sorted_keys(&self) -> Vec<Key> {
        let mut keys: Vec<Key> = self.tasks().keys().cloned().collect();
        keys.sort_unstable();
        keys
    }

    /// Whether both graphs share the same underlying map and additions
    /// (cheap identity test).
    pub fn ptr_eq(&self, other: &Graph) -> bool {
        Arc::ptr_eq(&self.base, &other.base)
            && match (&self.log, &other.log) {
                (None, None) => true,
                (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                _ => false,
            }
    }

    /// An address identifying the graph's contents: equal for graphs that
    /// [`ptr_eq`](Self::ptr_eq).
    pub(crate) fn map_address(&self) -> usize {
        match &self.log {
            Some(a) => Arc::as_ptr(a) as usize,
            None => Arc::as_ptr(&self.base) as usize,
        }
    }

    /// Adds every task of `other` whose key is not already here.
    ///
    /// Equal keys name the same work, so which of two equal-keyed tasks is
    /// kept does not matter. Merging is idempotent and commutative on the
    /// key set; merging into an empty graph (or a graph with itself) copies
    /// nothing.
    pub fn merge(&mut self, other: &Graph) {
        if other.is_empty() || self.ptr_eq(other) {
            return;
        }
        if self.is_empty() {
            *self = other.clone();
            return;
        }
        // Add the smaller graph's tasks to (a clone of) the larger one.
        let (mut big, small) = if other.len_bound() > self.len_bound() {
            (other.clone(), std::mem::take(self))
        } else {
            (std::mem::take(self), other.clone())
        };
        if big.log.as_ref().is_some_and(|a| a.flat.get().is_none()) {
            // `big` is not flattened: add without looking (duplicates are
            // dropped when it is). Over the same base only the additions of
            // `small` can be new.
            if Arc::ptr_eq(&big.base, &small.base) {
                let mut added = Vec::with_capacity(small.log_len);
                let mut a = small.log.as_ref();
                while let Some(e) = a {
                    added.push((e.key.clone(), e.task.clone()));
                    a = e.prev.as_ref();
                }
                for (k, t) in added.into_iter().rev() {
                    big.add(k, t, false);
                }
            } else {
                for (k, t) in small.tasks() {
                    big.add(k.clone(), t.clone(), false);
                }
            }
        } else {
            let missing: Vec<(Key, Task)> = small
                .tasks()
                .iter()
                .filter(|(k, _)| !big.contains(k))
                .map(|(k, t)| (k.clone(), t.clone()))
                .collect();
            for (k, t) in missing {
                big.add(k, t, false);
            }
        }
        *self = big;
    }

    /// The sub-graph of everything `keys` need (the keys and their
    /// ancestors), and nothing else.
    ///
    /// Errors if a key or a dependency is missing, or on a cycle.
    pub fn cull(&self, keys: &[Key]) -> Result<Graph, Error> {
        let order = self.toposort(keys)?;
        if order.len() == self.len() {
            return Ok(self.clone());
        }
        let mut map = KeyMap::with_capacity_and_hasher(order.len(), Default::default());
        let tasks = self.tasks();
        for k in order {
            if let Some(t) = tasks.get(&k) {
                let t = t.clone();
                map.insert(k, t);
            }
        }
        Ok(Graph {
            base: Arc::new(map),
            ..Graph::default()
        })
    }

    /// The keys `keys` need, dependencies before dependents.
    ///
    /// Deterministic: a depth-first post-order from `keys` in the given order,
    /// visiting each task's dependencies in argument order, so the same graph
    /// and keys always give the same order. Errors with
    /// [`ErrorKind::MissingKey`], [`ErrorKind::MissingDependency`] or
    /// [`ErrorKind::Cycle`] (naming the keys on the cycle).
    pub fn toposort(&self, keys: &[Key]) -> Result<Vec<Key>, Error> {
        const ON_STACK: u8 = 1;
        const DONE: u8 = 2;
        let mut state: RefKeyMap<'_, u8> = RefKeyMap::default();
        let mut order: Vec<Key> = Vec::new();
        let mut stack: Vec<(&Key, &Task, usize)> = Vec::new();
        let tasks = self.tasks();
        for root in keys {
            let Some((root, task)) = tasks.get_key_value(root) else {
                return Err(Error::new(ErrorKind::MissingKey(root.clone())));
            };
            if state.contains_key(root) {
                continue;
            }
            state.insert(root, ON_STACK);
            stack.push((root, task, 0));
            while let Some(top) = stack.last_mut() {
                let (key, task, i) = (top.0, top.1, top.2);
                if let Some(dep) = task.deps().get(i) {
                    top.2 += 1;
                    match state.get(dep) {
                        Some(&DONE) => {}
                        Some(_) => {
                            let start = stack.iter().position(|e| e.0 == dep).unwrap_or(0);
                            let mut cycle: Vec<Key> =
                                stack[start..].iter().map(|e| e.0.clone()).collect();
                            cycle.push(dep.clone());
                            return Err(Error::new(ErrorKind::Cycle(cycle)));
                        }
                        None => {
                            let Some((dep, dep_task)) = tasks.get_key_value(dep) else {
                                return Err(Error::new(ErrorKind::MissingDependency {
                                    key: key.clone(),
                                    dep: dep.clone(),
                                }));
                            };
                            state.insert(dep, ON_STACK);
                            stack.push((dep, dep_task, 0));
                        }
                    }
                } else {
                    state.insert(key, DONE);
                    order.push(key.clone());
                    stack.pop();
                }
            }
        }
        Ok(order)
    }

    /// Every key of the graph, dependencies first (roots taken in sorted key
    /// order, so the result is deterministic). Checks the whole graph.
    pub fn toposort_all(&self) -> Result<Vec<Key>, Error> {
        self.toposort(&self.sorted_keys())
    }

    /// For each key of the graph, the keys of the tasks that read it (sorted;
    /// a task reading a key twice is listed twice). Keys nobody reads map to
    /// an empty list; a missing dependency gets an entry too.
    pub fn dependents(&self) -> HashMap<Key, Vec<Key>> {
        let mut out: HashMap<Key, Vec<Key>> = HashMap::with_capacity(self.len());
        for (k, t) in self.tasks().iter() {
            out.entry(k.clone()).or_default();
            for d in t.deps() {
                out.entry(d.clone()).or_default().push(k.clone());
            }
        }
        for v in out.values_mut() {
            v.sort_unstable();
        }
        out
    }
}

impl fmt::Debug for Graph {
    /// `Graph(3 tasks: add x2, x x1)`: counts per key name, sorted by name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: std::collections::BTreeMap<&str, usize> = Default::default();
        for k in self.tasks().keys() {
            *names.entry(k.name()).or_default() += 1;
        }
        write!(f, "Graph({} tasks", self.len())?;
        for (i, (name, n)) in names.iter().enumerate() {
            f.write_str(if i == 0 { ": " } else { ", " })?;
            write!(f, "{name} x{n}")?;
        }
        f.write_str(")")
    }
}

impl FromIterator<(Key, Task)> for Graph {
    fn from_iter<I: IntoIterator<Item = (Key, Task)>>(iter: I) -> Graph {
        let mut g = Graph::new();
        g.extend(iter);
        g
    }
}

impl Extend<(Key, Task)> for Graph {
    fn extend<I: IntoIterator<Item = (Key, Task)>>(&mut self, iter: I) {
        for (k, t) in iter {
            self.insert(k, t);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::task::Value;

    fn k(s: &str) -> Key {
        Key::from_string(s)
    }

    fn node(deps: &[&str]) -> Task {
        Task::new(deps.iter().map(|d| k(d)).collect(), |_: &[Value]| {
            Ok(Arc::new(()) as Value)
        })
    }

    fn diamond() -> Graph {
        [
            (k("a"), node(&[])),
            (k("b"), node(&["a"])),
            (k("c"), node(&["a"])),
            (k("d"), node(&["b", "c"])),
            (k("z"), node(&[])),
        ]
        .into_iter()
        .collect()
    }

    #[test]
    fn toposort_is_dfs_postorder() {
        let g = diamond();
        assert_eq!(
            g.toposort(&[k("d")]).unwrap(),
            vec![k("a"), k("b"), k("c"), k("d")]
        );
        assert_eq!(g.toposort(&[k("c"), k("c")]).unwrap(), vec![k("a"), k("c")]);
        assert_eq!(g.toposort_all().unwrap().len(), 5);
        assert!(g.toposort(&[]).unwrap().is_empty());
    }

    #[test]
    fn cycle_names_its_keys() {
        let mut g = diamond();
        g.insert(k("a"), node(&["d"]));
        let e = g.toposort(&[k("d")]).unwrap_err();
        assert_eq!(
            e.kind(),
            &ErrorKind::Cycle(vec![k("d"), k("b"), k("a"), k("d")])
        );
        let mut g = Graph::new();
        g.insert(k("s"), node(&["s"]));
        assert_eq!(
            g.toposort(&[k("s")]).unwrap_err().kind(),
            &ErrorKind::Cycle(vec![k("s"), k("s")])
        );
    }

    #[test]
    fn missing_key_and_dependency() {
        let mut g = diamond();
        assert_eq!(
            g.cull(&[k("nope")]).unwrap_err().kind(),
            &ErrorKind::MissingKey(k("nope"))
        );
        g.insert(k("e"), node(&["d", "ghost"]));
        assert_eq!(
            g.cull(&[k("e")]).unwrap_err().kind(),
            &ErrorKind::MissingDependency {
                key: k("e"),
                dep: k("ghost")
            }
        );
    }

    #[test]
    fn cull_keeps_ancestors_only() {
        let g = diamond();
        let c = g.cull(&[k("b")]).unwrap();
        assert_eq!(c.sorted_keys(), vec![k("a"), k("b")]);
        let all = g.cull(&[k("d"), k("z")]).unwrap();
        assert!(all.ptr_eq(&g));
    }

    #[test]
    fn merge_is_cheap_and_idempotent() {
        let g = diamond();
        let mut m = Graph::new();
        m.merge(&g);
        assert!(m.ptr_eq(&g));
        m.merge(&g);
        assert!(m.ptr_eq(&g));
        let mut h = Graph::new();
        h.insert(k("y"), node(&["z"]));
        h.merge(&g);
        assert_eq!(h.len(), 6);
        let mut h2 = h.clone();
        h2.merge(&g);
        assert!(h2.ptr_eq(&h));
    }

    #[test]
    fn dependents_lists_readers() {
        let d = diamond().dependents();
        assert_eq!(d[&k("a")], vec![k("b"), k("c")]);
        assert_eq!(d[&k("d")], Vec::<Key>::new());
        assert_eq!(d.len(), 5);
    }

    #[test]
    fn debug_counts_names() {
        assert_eq!(
            format!("{:?}", diamond()),
            "Graph(5 tasks: a x1, b x1, c x1, d x1, z x1)"
        );
    }
}
