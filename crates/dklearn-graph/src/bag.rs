//! `Bag<T>`: a lazy collection split into partitions, like `dask.bag`.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use crate::delayed::{derived_key, downcast_input, input_mut, Data, Delayed};
use crate::error::Error;
use crate::graph::Graph;
use crate::key::Key;
use crate::scheduler::{Callback, Scheduler};
use crate::task::{Task, TaskError, Value};
use crate::token::{assert_captures_nothing, FnId, Token, TokenHasher, Tokenize};

/// A lazy, partitioned collection of `T`s: one graph task per partition,
/// each producing a `Vec<T>`.
///
/// Every operation is lazy and partition-wise: it adds one task per
/// partition (keys `name-<token>` hashing the name, the input partition's key
/// and any parameters) and returns a new bag sharing the input's graph.
/// Partition order, and item order within a partition, are kept.
///
/// ```
/// use dklearn_graph::{Bag, Sequential};
/// let words = Bag::from_sequence(vec!["a", "bb", "", "ccc"], 2);
/// let lens = words.filter("nonempty", |w| !w.is_empty()).map("len", |w| w.len());
/// assert_eq!(lens.npartitions(), 2);
/// assert_eq!(lens.compute(&Sequential).unwrap(), vec![1, 2, 3]);
/// ```
pub struct Bag<T> {
    graph: Graph,
    keys: Vec<Key>,
    _type: PhantomData<fn() -> T>,
}

impl<T> Clone for Bag<T> {
    fn clone(&self) -> Self {
        Bag {
            graph: self.graph.clone(),
            keys: self.keys.clone(),
            _type: PhantomData,
        }
    }
}

impl<T> fmt::Debug for Bag<T> {
    /// `dask.bag<map, npartitions=4>`, like dask's repr.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.keys.first().map_or("bag", |k| k.name());
        write!(f, "dklearn.bag<{name}, npartitions={}>", self.keys.len())
    }
}

impl<T: Data> Bag<T> {
    /// Splits `items` into partitions of `ceil(len / npartitions)` items
    /// (`floor` above 100 items), exactly as `dask.bag.from_sequence` does: so
    /// there may be fewer, or above 100 items one more, than `npartitions`
    /// partitions, and never fewer than one. `npartitions == 0` is taken as 1.
    pub fn from_sequence(items: Vec<T>, npartitions: usize) -> Bag<T>
    where
        T: Tokenize,
    {
        let token = crate::token::tokenize("from_sequence", &(&items, npartitions));
        Bag::from_sequence_with_token(items, npartitions, token)
    }

    /// [`Bag::from_sequence`] for items that are not [`Tokenize`]: the caller
    /// supplies a token identifying the whole sequence.
    pub fn from_sequence_with_token(items: Vec<T>, npartitions: usize, token: Token) -> Bag<T> {
        let n = items.len();
        let p = npartitions.max(1);
        // dask: ceil(n / p) up to 100 items, floor(n / p) above.
        let size = if n <= 100 { n.div_ceil(p) } else { n / p }.max(1);
        let mut parts: Vec<Vec<T>> = Vec::with_capacity(n.div_ceil(size).max(1));
        let mut it = items.into_iter();
        loop {
            let chunk: Vec<T> = it.by_ref().take(size).collect();
            if chunk.is_empty() {
                break;
            }
            parts.push(chunk);
        }
        if parts.is_empty() {
            parts.push(Vec::new());
        }
        let mut graph = Graph::new();
        let mut keys = Vec::with_capacity(parts.len());
        for (i, part) in parts.into_iter().enumerate() {
            let mut h = TokenHasher::new();
            h.write_token(token);
            h.write_u64(i as u64);
            let key = Key::new("from_sequence", h.finish());
            graph.insert(key.clone(), Task::typed_literal(part));
            keys.push(key);
        }
        Bag {
            graph,
            keys,
            _type: PhantomData,
        }
    }

    /// A bag whose partitions are the given lazy vectors (their graphs merged).
    pub fn from_partitions(parts: Vec<Delayed<Vec<T>>>) -> Bag<T> {
        let mut graph = Graph::new();
        let mut keys = Vec::with_capacity(parts.len());
        for p in parts {
            let (g, k) = p.into_parts();
            graph.merge(&g);
            keys.push(k);
        }
        Bag {
            graph,
            keys,
            _type: PhantomData,
        }
    }

    /// Number of partitions.
    pub fn npartitions(&self) -> usize {
        self.keys.len()
    }

    /// The partitions' keys, in order.
    pub fn keys(&self) -> &[Key] {
        &self.keys
    }

    /// The graph computing every partition.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    /// One lazy `Vec<T>` per partition, in order (sharing this bag's graph).
    pub fn to_delayed(&self) -> Vec<Delayed<Vec<T>>> {
        self.keys
            .iter()
            .map(|k| Delayed::from_parts(self.graph.clone(), k.clone()))
            .collect()
    }

    /// `f(partition) -> new partition`, fallible, with key parameters: the
    /// primitive every other operation is built on. The key holds `name`,
    /// the partition's key, `params` and `f`'s [`FnId`].
    #[track_caller]
    pub fn try_map_partitions_with<U: Data, P: Tokenize + ?Sized>(
        &self,
        name: &str,
        params: &P,
        f: impl Fn(&[T]) -> Result<Vec<U>, TaskError> + Send + Sync + 'static,
    ) -> Bag<U> {
        self.map_partitions_id(name, FnId::of(&f), params, f)
    }

    fn map_partitions_id<U: Data, P: Tokenize + ?Sized>(
        &self,
        name: &str,
        id: FnId,
        params: &P,
        f: impl Fn(&[T]) -> Result<Vec<U>, TaskError> + Send + Sync + 'static,
    ) -> Bag<U> {
        let f = Arc::new(f);
        let mut graph = self.graph.clone();
        let mut keys = Vec::with_capacity(self.keys.len());
        for k in &self.keys {
            let key = derived_key(name, id, &[k], params);
            let f = Arc::clone(&f);
            graph.insert(
                key.clone(),
                Task::typed(vec![k.clone()], move |v: &mut [Value]| {
                    f(downcast_input::<Vec<T>>(&v[0])?)
                }),
            );
            keys.push(key);
        }
        Bag {
            graph,
            keys,
            _type: PhantomData,
        }
    }

    /// `f(partition) -> new partition` for each partition (`f` captures
    /// nothing: see [`try_map_partitions_with`](Self::try_map_partitions_with)).
    #[track_caller]
    pub fn map_partitions<U: Data, F>(&self, name: &str, f: F) -> Bag<U>
    where
        F: Fn(&[T]) -> Vec<U> + Send + Sync + 'static,
    {
        const { assert_captures_nothing::<F>() };
        let id = FnId::of(&f);
        self.map_partitions_id(name, id, &(), move |p| Ok(f(p)))
    }

    /// `f(item)` for each item. `f` may capture nothing: a captured value
    /// that changes the result must go into the key ([`map_with`](Self::map_with)).
    /// Two different closures never share a key, whatever their name.
    ///
    /// ```
    /// use dklearn_graph::{Bag, Compute, Sequential};
    /// let b = Bag::from_sequence((1..=5u64).collect(), 2);
    /// let double = b.map("scale", |v| v * 2);
    /// let triple = b.map("scale", |v| v * 3);
    /// assert_ne!(double.keys(), triple.keys());
    /// let sum = |b: &Bag<u64>| b.reduction("sum", |p| p.iter().sum::<u64>(), |s| s.iter().copied().sum::<u64>());
    /// let (d, t) = (sum(&double), sum(&triple)).compute(&Sequential)?;
    /// assert_eq!((d, t), (30, 45));
    /// # Ok::<(), dklearn_graph::Error>(())
    /// ```
    ///
    /// A closure that captures a value does not compile here (the value
    /// would be missing from the key); `map_with` takes it as `params`:
    ///
    /// ```compile_fail
    /// # use dklearn_graph::Bag;
    /// let b = Bag::from_sequence((1..=5u64).collect(), 2);
    /// let k = 2u64;
    /// let scaled = b.map("scale", move |v| v * k);
    /// ```
    ///
    /// ```
    /// # use dklearn_graph::Bag;
    /// # let b = Bag::from_sequence((1..=5u64).collect(), 2);
    /// let k = 2u64;
    /// let scaled = b.map_with("scale", &k, move |v| v * k);
    /// ```
    #[track_caller]
    pub fn map<U: Data, F>(&self, name: &str, f: F) -> Bag<U>
    where
        F: Fn(&T) -> U + Send + Sync + 'static,
    {
        const { assert_captures_nothing::<F>() };
        let id = FnId::of(&f);
        self.map_partitions_id(name, id, &(), move |p| Ok(p.iter().map(&f).collect()))
    }

    /// `f(item)` for each item, `params` (what `f` captures) in the keys.
    #[track_caller]
    pub fn map_with<U: Data, P: Tokenize + ?Sized>(
        &self,
        name: &str,
        params: &P,
        f: impl Fn(&T) -> U + Send + Sync + 'static,
    ) -> Bag<U> {
        let id = FnId::of(&f);
        self.map_partitions_id(name, id, params, move |p| Ok(p.iter().map(&f).collect()))
    }

    /// Fallible `f(item)` (capturing nothing); the first `Err` in a partition
    /// fails its task.
    #[track_caller]
    pub fn try_map<U: Data, F>(&self, name: &str, f: F) -> Bag<U>
    where
        F: Fn(&T) -> Result<U, TaskError> + Send + Sync + 'static,
    {
        const { assert_captures_nothing::<F>() };
        let id = FnId::of(&f);
        self.map_partitions_id(name, id, &(), move |p| p.iter().map(&f).collect())
    }

    /// The items for which `pred` holds (`pred` captures nothing: see
    /// [`filter_with`](Self::filter_with)).
    ///
    /// A partition this task is the last reader of is filtered in place (the
    /// kept items are moved, the others dropped); a partition still read
    /// elsewhere has its kept items cloned.
    #[track_caller]
    pub fn filter<F>(&self, name: &str, pred: F) -> Bag<T>
    where
        T: Clone,
        F: Fn(&T) -> bool + Send + Sync + 'static,
    {
        const { assert_captures_nothing::<F>() };
        self.filter_with(name, &(), pred)
    }

    /// The items for which `pred` holds, `params` (what `pred` captures) in
    /// the keys.
    #[track_caller]
    pub fn filter_with<P: Tokenize + ?Sized>(
        &self,
        name: &str,
        params: &P,
        pred: impl Fn(&T) -> bool + Send + Sync + 'static,
    ) -> Bag<T>
    where
        T: Clone,
    {
        let id = FnId::of(&pred);
        let pred = Arc::new(pred);
        let mut graph = self.graph.clone();
        let mut keys = Vec::with_capacity(self.keys.len());
        for k in &self.keys {
            let key = derived_key(name, id, &[k], params);
            let pred = Arc::clone(&pred);
            graph.insert(
                key.clone(),
                Task::typed(vec![k.clone()], move |v: &mut [Value]| {
                    let kept: Vec<T> = match input_mut::<Vec<T>>(&mut v[0])? {
                        Some(part) => {
                            let mut part = std::mem::take(part);
                            part.retain(|x| pred(x));
                            part
                        }
                        None => downcast_input::<Vec<T>>(&v[0])?
                            .iter()
                            .filter(|x| pred(x))
                            .cloned()
                            .collect(),
                    };
                    Ok::<Vec<T>, TaskError>(kept)
                }),
            );
            keys.push(key);
        }
        Bag {
            graph,
            keys,
            _type: PhantomData,
        }
    }

    /// Every item of `f(item)` for each item, flattened in order.
    #[track_caller]
    pub fn flat_map<U: Data, I: IntoIterator<Item = U>, F>(&self, name: &str, f: F) -> Bag<U>
    where
        F: Fn(&T) -> I + Send + Sync + 'static,
    {
        const { assert_captures_nothing::<F>() };
        let id = FnId::of(&f);
        self.map_partitions_id(name, id, &(), move |p| Ok(p.iter().flat_map(&f).collect()))
    }

    /// A lazy reduction: `per_partition` on each partition, then `combine`
    /// over the partial results in partition order.
    ///
    /// ```
    /// use dklearn_graph::{Bag, Sequential};
    /// let b = Bag::from_sequence((1..=10u64).collect(), 3);
    /// let total = b.reduction("sum", |p| p.iter().sum::<u64>(), |s| s.iter().copied().sum::<u64>());
    /// assert_eq!(total.compute(&Sequential).unwrap(), 55);
    /// ```
    #[track_caller]
    pub fn reduction<A: Data, R: Data, F, C>(
        &self,
        name: &str,
        per_partition: F,
        combine: C,
    ) -> Delayed<R>
    where
        F: Fn(&[T]) -> A + Send + Sync + 'static,
        C: Fn(&[&A]) -> R + Send + Sync + 'static,
    {
        const { assert_captures_nothing::<F>() };
        const { assert_captures_nothing::<C>() };
        let (id_partial, id_combine) = (FnId::of(&per_partition), FnId::of(&combine));
        // One graph for every new task (see `GraphBuilder`): a `map` per
        // partition would copy the whole graph once per partition.
        let per_partition = Arc::new(per_partition);
        let partial_name = format!("{name}-partial");
        let mut b = crate::builder::GraphBuilder::new();
        b.merge_graph(&self.graph);
        let parts: Vec<Key> = self
            .keys
            .iter()
            .map(|k| {
                let f = Arc::clone(&per_partition);
                b.task_with_id(&partial_name, id_partial, &(), &[k], move |v| {
                    Ok(f(crate::delayed::downcast_input::<Vec<T>>(&v[0])?))
                })
            })
            .collect();
        let refs: Vec<&Key> = parts.iter().collect();
        let aggregate = format!("{name}-aggregate");
        let total = b.task_with_id(&aggregate, id_combine, &(), &refs, move |v| {
            let xs = v
                .iter()
                .map(crate::delayed::downcast_input::<A>)
                .collect::<Result<Vec<&A>, TaskError>>()?;
            Ok(combine(&xs))
        });
        b.delayed(total)
    }

    /// Computes every partition and concatenates them, in order.
    pub fn compute<S: Scheduler + ?Sized>(&self, scheduler: &S) -> Result<Vec<T>, Error>
    where
        T: Clone,
    {
        self.compute_with(scheduler, &[])
    }

    /// Same, reporting to `callbacks`.
    pub fn compute_with<S: Scheduler + ?Sized>(
        &self,
        scheduler: &S,
        callbacks: &[&dyn Callback],
    ) -> Result<Vec<T>, Error>
    where
        T: Clone,
    {
        let values = scheduler.get(&self.graph, &self.keys, callbacks)?;
        let mut out = Vec::new();
        for (k, v) in self.keys.iter().zip(values) {
            let part = crate::delayed::downcast_value::<Vec<T>>(k, v)?;
            match Arc::try_unwrap(part) {
                Ok(mut owned) => out.append(&mut owned),
                Err(shared) => out.extend(shared.iter().cloned()),
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delayed::Compute;
    use crate::error::ErrorKind;
    use crate::scheduler::Sequential;

    #[test]
    fn partitions_like_dask() {
        let sizes = |n: usize, p: usize| -> Vec<usize> {
            let b = Bag::from_sequence((0..n as u32).collect(), p);
            b.to_delayed()
                .iter()
                .map(|d| d.compute(&Sequential).unwrap().len())
                .collect()
        };
        assert_eq!(sizes(10, 4), vec![3, 3, 3, 1]);
        assert_eq!(sizes(10, 6), vec![2, 2, 2, 2, 2]);
        assert_eq!(sizes(3, 10), vec![1, 1, 1]);
        assert_eq!(sizes(0, 3), vec![0]);
        assert_eq!(sizes(5, 0), vec![5]);
    }

    #[test]
    fn operations_are_lazy_and_ordered() {
        let b = Bag::from_sequence((0..20i32).collect(), 4);
        let n_tasks = b.graph().len();
        let out = b
            .map("double", |x| x * 2)
            .filter("big", |x| *x >= 10)
            .flat_map("twice", |x| [*x, *x])
            .map_partitions("rev", |p| p.iter().rev().copied().collect());
        assert_eq!(b.graph().len(), n_tasks);
        assert_eq!(out.graph().len(), n_tasks * 5);
        let got = out.compute(&Sequential).unwrap();
        let mut want = Vec::new();
        for part in (0..20i32).collect::<Vec<_>>().chunks(5) {
            let mut p: Vec<i32> = part
                .iter()
                .map(|x| x * 2)
                .filter(|x| *x >= 10)
                .flat_map(|x| [x, x])
                .collect();
            p.reverse();
            want.extend(p);
        }
        assert_eq!(got, want);
    }

    #[test]
    fn filter_in_place_and_shared_agree() {
        let words: Vec<String> = (0..30).map(|i| format!("w{}", i % 7)).collect();
        let b = Bag::from_sequence(words.clone(), 4).map("own", |w: &String| w.clone());
        let want: Vec<String> = words
            .iter()
            .filter(|w| w.as_str() != "w3")
            .cloned()
            .collect();
        // Sole reader: filtered in place.
        let kept = b.filter("not-w3", |w| w != "w3");
        assert_eq!(kept.compute(&Sequential).unwrap(), want);
        // The partitions are also read by `lens`: kept items are cloned and
        // `lens` still sees every item.
        let lens = b.map("len", |w| w.len());
        let (kd, ld) = (kept.to_delayed(), lens.to_delayed());
        let all: Vec<&dyn crate::AnyDelayed> = kd
            .iter()
            .map(|d| d.as_any())
            .chain(ld.iter().map(|d| d.as_any()))
            .collect();
        let (g, keys) = crate::merge_graphs(&all);
        let out = Sequential.get(&g, &keys, &[]).unwrap();
        let (k, l) = out.split_at(kd.len());
        let k: Vec<String> = k
            .iter()
            .flat_map(|v| v.downcast_ref::<Vec<String>>().unwrap().clone())
            .collect();
        let n: usize = l
            .iter()
            .map(|v| v.downcast_ref::<Vec<usize>>().unwrap().len())
            .sum();
        assert_eq!(k, want);
        assert_eq!(n, 30);
    }

    #[test]
    fn same_bag_same_keys() {
        let upper =
            |items: Vec<String>| Bag::from_sequence(items, 2).map("upper", |s| s.to_uppercase());
        let a = upper(vec!["x".to_string(), "y".into()]);
        let b = upper(vec!["x".to_string(), "y".into()]);
        assert_eq!(a.keys(), b.keys());
        assert_eq!(a.keys()[0].name(), "upper");
        let c = upper(vec!["x".to_string(), "z".into()]);
        // Like dask, partition keys hash the whole sequence.
        assert_ne!(a.keys()[0], c.keys()[0]);
        assert_ne!(a.keys()[1], c.keys()[1]);
        assert_eq!(format!("{a:?}"), "dklearn.bag<upper, npartitions=2>");
    }

    /// Issue 11's case: two closures under one name over one bag are two
    /// tasks, each computing its own result.
    #[test]
    fn two_closures_with_one_name_never_share_a_key() {
        let bag = Bag::from_sequence((1..=5u64).collect(), 2);
        let sum = |b: &Bag<u64>| {
            b.reduction(
                "sum",
                |p| p.iter().sum::<u64>(),
                |s| s.iter().copied().sum::<u64>(),
            )
        };
        let double = sum(&bag.map("scale", |v| v * 2));
        let triple = sum(&bag.map("scale", |v| v * 3));
        assert_ne!(double.key(), triple.key());
        let (d, t) = (&double, &triple).compute(&Sequential).unwrap();
        assert_eq!((d, t), (30, 45));
        // The same closure at the same call site over equal inputs: one node.
        let scale = |b: &Bag<u64>, k: u64| b.map_with("scale", &k, move |v| v * k);
        assert_eq!(scale(&bag, 2).keys(), scale(&bag, 2).keys());
        assert_ne!(scale(&bag, 2).keys(), scale(&bag, 3).keys());
    }

    #[test]
    fn from_partitions_and_errors() {
        let parts = vec![
            Delayed::value("p", vec![1u8, 2]),
            Delayed::value("p", vec![3u8]),
        ];
        let b = Bag::from_partitions(parts);
        assert_eq!(b.npartitions(), 2);
        let bad = b.try_map("check", |x| {
            if *x == 3 {
                Err(TaskError::from("three"))
            } else {
                Ok(*x)
            }
        });
        match bad.compute(&Sequential).unwrap_err().kind() {
            ErrorKind::TaskFailed { key, message } => {
                assert_eq!(key, &bad.keys()[1]);
                assert_eq!(message, "three");
            }
            other => panic!("unexpected {other:?}"),
        }
        let empty: Bag<u8> = Bag::from_partitions(Vec::new());
        assert_eq!(empty.compute(&Sequential).unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn reduction_over_partitions() {
        let b = Bag::from_sequence((1..=100u32).collect(), 7);
        let count = b.reduction("count", |p| p.len(), |c| c.iter().copied().sum::<usize>());
        let max = b.reduction(
            "max",
            |p| p.iter().copied().max(),
            |m| m.iter().filter_map(|x| **x).max(),
        );
        let got = (count, max).compute(&Sequential).unwrap();
        assert_eq!(got, (100, Some(100)));
    }
}
