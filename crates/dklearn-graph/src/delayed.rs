//! The typed user API: `Delayed<T>`, a lazy value of type `T`.

use std::any::type_name;
use std::collections::HashSet;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use crate::error::Error;
use crate::graph::Graph;
use crate::key::Key;
use crate::scheduler::{Callback, Scheduler};
use crate::task::{Task, TaskError, Value};
use crate::token::{assert_captures_nothing, FnId, Token, TokenHasher, Tokenize};

/// Bound for everything a graph can hold.
pub trait Data: Send + Sync + 'static {}
impl<T: Send + Sync + 'static> Data for T {}

/// The `T` inside an input [`Value`] of a task, or a [`TaskError`] naming the
/// expected type (for hand-written tasks; [`Delayed`] does this itself).
pub fn downcast_input<T: 'static>(v: &Value) -> Result<&T, TaskError> {
    v.downcast_ref::<T>()
        .ok_or_else(|| TaskError::new(format!("input is not a {}", type_name::<T>())))
}

/// Takes the `T` out of a task's input: moved when the task holds the only
/// reference (it is the value's last reader and the value is not an output
/// of the computation), cloned otherwise. The input is left as `()`.
///
/// ```
/// use std::sync::Arc;
/// use dklearn_graph::{take_input, Value};
/// let mut v: Value = Arc::new(String::from("model"));
/// let s: String = take_input(&mut v).unwrap();
/// assert_eq!(s, "model");
/// assert!(v.downcast_ref::<()>().is_some());
/// ```
pub fn take_input<T: Clone + Send + Sync + 'static>(v: &mut Value) -> Result<T, TaskError> {
    if !v.is::<T>() {
        return Err(TaskError::new(format!(
            "input is not a {}",
            type_name::<T>()
        )));
    }
    let taken = std::mem::replace(v, empty_value());
    match taken.downcast::<T>() {
        Ok(arc) => Ok(unshare(arc)),
        Err(_) => unreachable!("type checked above"),
    }
}

/// The `T` of a task's input, mutable when the task holds the only reference
/// (see [`take_input`]); `None` when the value is shared.
///
/// ```
/// use std::sync::Arc;
/// use dklearn_graph::{input_mut, Value};
/// let mut v: Value = Arc::new(vec![1, 2, 3]);
/// input_mut::<Vec<i32>>(&mut v).unwrap().unwrap().retain(|x| x % 2 == 1);
/// let shared = Arc::clone(&v);
/// assert!(input_mut::<Vec<i32>>(&mut v).unwrap().is_none());
/// assert_eq!(shared.downcast_ref::<Vec<i32>>(), Some(&vec![1, 3]));
/// ```
pub fn input_mut<T: 'static>(v: &mut Value) -> Result<Option<&mut T>, TaskError> {
    if !v.is::<T>() {
        return Err(TaskError::new(format!(
            "input is not a {}",
            type_name::<T>()
        )));
    }
    Ok(Arc::get_mut(v).and_then(|x| x.downcast_mut::<T>()))
}

/// The placeholder left behind by [`take_input`]: one shared `()`, so taking
/// allocates nothing.
fn empty_value() -> Value {
    static EMPTY: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    Arc::clone(EMPTY.get_or_init(|| Arc::new(())))
}

/// The `T` inside the computed value of `key`, or
/// [`ErrorKind::TypeMismatch`](crate::ErrorKind::TypeMismatch).
pub fn downcast_value<T: Data>(key: &Key, v: Value) -> Result<Arc<T>, Error> {
    v.downcast::<T>()
        .map_err(|_| Error::type_mismatch(key.clone(), type_name::<T>()))
}

/// Takes the `T` out of its `Arc`, cloning only if it is still shared.
fn unshare<T: Clone>(v: Arc<T>) -> T {
    Arc::try_unwrap(v).unwrap_or_else(|shared| (*shared).clone())
}

/// The key of the derived work `name(deps..., params)`.
pub(crate) fn derived_key<P: Tokenize + ?Sized>(
    name: &str,
    f: FnId,
    deps: &[&Key],
    params: &P,
) -> Key {
    let mut h = TokenHasher::new();
    h.write_str(name);
    h.write_u64(deps.len() as u64);
    for d in deps {
        d.tokenize(&mut h);
    }
    params.tokenize(&mut h);
    f.tokenize(&mut h);
    Key::new(name, h.finish())
}

/// A lazy value of type `T`: a [`Graph`] and the [`Key`] whose task produces it.
///
/// Nothing runs until [`Delayed::compute`] (or [`compute_many`], or the
/// [`Compute`] trait on tuples) hands the graph to a [`Scheduler`]. Each
/// operation returns a new `Delayed` whose graph shares the input's tasks.
///
/// Keys are `name-<token>`, the token hashing `name`, the input keys, any
/// parameters given to a `*_with` method and the closure's identity
/// ([`FnId`]: its type and call site), so asking for the same work twice
/// gives the same key and merged graphs hold it once, while two different
/// closures never share a key, whatever they are named. What a closure
/// captures is not hashed: the bare methods (`map`, `try_map`, `join`)
/// accept only closures that capture nothing, and a value captured by the
/// closure of a `*_with` method must be passed as `params`.
///
/// ```
/// use dklearn_graph::{Compute, Delayed, Sequential};
/// let x = Delayed::value("x", 3i64);
/// let square = |d: &Delayed<i64>| d.map("square", |v| v * v);
/// let (sq, again) = (square(&x), square(&x));
/// assert_eq!(sq.key(), again.key()); // same work, one node
/// assert_ne!(sq.key(), x.map("square", |v| v * v * v).key()); // another closure
/// let total = sq.join(&x.map_with("add", &10i64, |v| v + 10), "sum", |a, b| a + b);
/// assert_eq!(total.compute(&Sequential).unwrap(), 9 + 13);
/// let (a, b) = (&sq, &total).compute(&Sequential).unwrap();
/// assert_eq!((a, b), (9, 22));
/// ```
pub struct Delayed<T> {
    graph: Graph,
    key: Key,
    _type: PhantomData<fn() -> T>,
}

impl<T> Clone for Delayed<T> {
    fn clone(&self) -> Self {
        Delayed {
            graph: self.graph.clone(),
            key: self.key.clone(),
            _type: PhantomData,
        }
    }
}

impl<T> fmt::Debug for Delayed<T> {
    /// `Delayed('square-…')`, like dask.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Delayed({:?})", self.key)
    }
}

impl<T: Data> Delayed<T> {
    /// A literal: `v` stored in the graph under `name-<tokenize(name, v)>`.
    pub fn value(name: &str, v: T) -> Delayed<T>
    where
        T: Tokenize,
    {
        let token = crate::token::tokenize(name, &v);
        Delayed::value_with_token(name, token, v)
    }

    /// A literal whose token the caller supplies (for values that are not
    /// [`Tokenize`], e.g. matrices: hash what identifies them, such as the
    /// file and parameters they were made from).
    pub fn value_with_token(name: &str, token: Token, v: T) -> Delayed<T> {
        let key = Key::new(name, token);
        let mut graph = Graph::new();
        graph.insert(key.clone(), Task::typed_literal(v));
        Delayed::from_parts(graph, key)
    }

    /// A `Delayed` for an existing key of `graph`. The type is not checked
    /// here: a wrong `T` gives [`ErrorKind::TypeMismatch`](crate::ErrorKind::TypeMismatch)
    /// at compute time (or a failed task where it is read).
    pub fn from_parts(graph: Graph, key: Key) -> Delayed<T> {
        Delayed {
            graph,
            key,
            _type: PhantomData,
        }
    }

    /// A task of no inputs: `f()` under `name-<tokenize(name, params)>`.
    #[track_caller]
    pub fn from_fn<P: Tokenize + ?Sized>(
        name: &str,
        params: &P,
        f: impl Fn() -> Result<T, TaskError> + Send + Sync + 'static,
    ) -> Delayed<T> {
        let key = derived_key(name, FnId::of(&f), &[], params);
        let mut graph = Graph::new();
        graph.insert(
            key.clone(),
            Task::typed(Vec::new(), move |_: &mut [Value]| f()),
        );
        Delayed::from_parts(graph, key)
    }

    /// The key of the task producing this value.
    pub fn key(&self) -> &Key {
        &self.key
    }

    /// The graph holding this value's task and everything it needs (and
    /// possibly more: cull before rendering if that matters).
    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    /// The graph and key.
    pub fn into_parts(self) -> (Graph, Key) {
        (self.graph, self.key)
    }

    /// Type-erased view, for [`compute_many`] and [`delayed`].
    pub fn as_any(&self) -> &dyn AnyDelayed {
        self
    }

    /// `f(self)` as a new lazy value. `f` may capture nothing (a captured
    /// value that changes the result must go into the key: use
    /// [`map_with`](Self::map_with)); the key tells closures apart by their
    /// type and call site ([`FnId`]).
    #[track_caller]
    pub fn map<U: Data, F>(&self, name: &str, f: F) -> Delayed<U>
    where
        F: Fn(&T) -> U + Send + Sync + 'static,
    {
        const { assert_captures_nothing::<F>() };
        let id = FnId::of(&f);
        self.map_id(name, id, &(), move |x| Ok(f(x)))
    }

    /// `f(self)`, where `params` are the values captured by `f` that change
    /// its result (they go into the key, with `f`'s [`FnId`]).
    #[track_caller]
    pub fn map_with<U: Data, P: Tokenize + ?Sized>(
        &self,
        name: &str,
        params: &P,
        f: impl Fn(&T) -> U + Send + Sync + 'static,
    ) -> Delayed<U> {
        let id = FnId::of(&f);
        self.map_id(name, id, params, move |x| Ok(f(x)))
    }

    /// `f(self)` for a fallible `f` that captures nothing; an `Err` fails the
    /// task (and the compute).
    #[track_caller]
    pub fn try_map<U: Data, F>(&self, name: &str, f: F) -> Delayed<U>
    where
        F: Fn(&T) -> Result<U, TaskError> + Send + Sync + 'static,
    {
        const { assert_captures_nothing::<F>() };
        self.map_id(name, FnId::of(&f), &(), f)
    }

    /// Fallible `f(self)` with key parameters.
    #[track_caller]
    pub fn try_map_with<U: Data, P: Tokenize + ?Sized>(
        &self,
        name: &str,
        params: &P,
        f: impl Fn(&T) -> Result<U, TaskError> + Send + Sync + 'static,
    ) -> Delayed<U> {
        self.map_id(name, FnId::of(&f), params, f)
    }

    fn map_id<U: Data, P: Tokenize + ?Sized>(
        &self,
        name: &str,
        id: FnId,
        params: &P,
        f: impl Fn(&T) -> Result<U, TaskError> + Send + Sync + 'static,
    ) -> Delayed<U> {
        let key = derived_key(name, id, &[&self.key], params);
        let mut graph = self.graph.clone();
        graph.insert(
            key.clone(),
            Task::typed(vec![self.key.clone()], move |v: &mut [Value]| {
                f(downcast_input::<T>(&v[0])?)
            }),
        );
        Delayed::from_parts(graph, key)
    }

    /// `f(self, other)` as a new lazy value, over the merged graphs (`f`
    /// captures nothing; see [`try_join_with`](Self::try_join_with)).
    #[track_caller]
    pub fn join<U: Data, V: Data, F>(&self, other: &Delayed<U>, name: &str, f: F) -> Delayed<V>
    where
        F: Fn(&T, &U) -> V + Send + Sync + 'static,
    {
        const { assert_captures_nothing::<F>() };
        let id = FnId::of(&f);
        self.join_id(other, name, id, &(), move |a, b| Ok(f(a, b)))
    }

    /// Fallible `f(self, other)` with key parameters.
    #[track_caller]
    pub fn try_join_with<U: Data, V: Data, P: Tokenize + ?Sized>(
        &self,
        other: &Delayed<U>,
        name: &str,
        params: &P,
        f: impl Fn(&T, &U) -> Result<V, TaskError> + Send + Sync + 'static,
    ) -> Delayed<V> {
        self.join_id(other, name, FnId::of(&f), params, f)
    }

    fn join_id<U: Data, V: Data, P: Tokenize + ?Sized>(
        &self,
        other: &Delayed<U>,
        name: &str,
        id: FnId,
        params: &P,
        f: impl Fn(&T, &U) -> Result<V, TaskError> + Send + Sync + 'static,
    ) -> Delayed<V> {
        let key = derived_key(name, id, &[&self.key, &other.key], params);
        let mut graph = self.graph.clone();
        graph.merge(&other.graph);
        graph.insert(
            key.clone(),
            Task::typed(
                vec![self.key.clone(), other.key.clone()],
                move |v: &mut [Value]| {
                    let a = downcast_input::<T>(&v[0])?;
                    let b = downcast_input::<U>(&v[1])?;
                    f(a, b)
                },
            ),
        );
        Delayed::from_parts(graph, key)
    }

    /// The pair `(self, other)` (clones both values when it runs).
    pub fn zip<U: Data + Clone>(&self, other: &Delayed<U>) -> Delayed<(T, U)>
    where
        T: Clone,
    {
        self.join(other, "zip", |a, b| (a.clone(), b.clone()))
    }

    /// `f(&[items...])` over many lazy values of one type (e.g. averaging
    /// per-chunk fits), in the given order.
    #[track_caller]
    pub fn gather<U: Data, P: Tokenize + ?Sized>(
        items: &[Delayed<U>],
        name: &str,
        params: &P,
        f: impl Fn(&[&U]) -> Result<T, TaskError> + Send + Sync + 'static,
    ) -> Delayed<T> {
        let deps: Vec<&Key> = items.iter().map(|d| &d.key).collect();
        let key = derived_key(name, FnId::of(&f), &deps, params);
        let mut graph = Graph::new();
        for d in items {
            graph.merge(&d.graph);
        }
        graph.insert(
            key.clone(),
            Task::typed(
                items.iter().map(|d| d.key.clone()).collect(),
                move |v: &mut [Value]| {
                    let xs = v
                        .iter()
                        .map(downcast_input::<U>)
                        .collect::<Result<Vec<&U>, TaskError>>()?;
                    f(&xs)
                },
            ),
        );
        Delayed::from_parts(graph, key)
    }

    /// Computes this value with `scheduler` (cloning it out of the graph's
    /// `Arc` only if something else still holds it, e.g. a literal).
    pub fn compute<S: Scheduler + ?Sized>(&self, scheduler: &S) -> Result<T, Error>
    where
        T: Clone,
    {
        self.compute_shared(scheduler, &[]).map(unshare)
    }

    /// Computes this value, reporting to `callbacks`, without cloning it.
    pub fn compute_shared<S: Scheduler + ?Sized>(
        &self,
        scheduler: &S,
        callbacks: &[&dyn Callback],
    ) -> Result<Arc<T>, Error> {
        let mut out = scheduler.get(&self.graph, std::slice::from_ref(&self.key), callbacks)?;
        match out.pop() {
            Some(v) => downcast_value(&self.key, v),
            None => Err(Error::scheduler(format!(
                "scheduler returned no value for {}",
                self.key
            ))),
        }
    }
}

/// A lazy value of any type: what [`compute_many`] and [`delayed`] take.
pub trait AnyDelayed {
    /// The key of the value's task.
    fn key(&self) -> &Key;
    /// The graph that computes it.
    fn graph(&self) -> &Graph;
}

impl<T> AnyDelayed for Delayed<T> {
    fn key(&self) -> &Key {
        &self.key
    }
    fn graph(&self) -> &Graph {
        &self.graph
    }
}

/// The merged graph of `items` and their keys, in order.
pub fn merge_graphs(items: &[&dyn AnyDelayed]) -> (Graph, Vec<Key>) {
    let mut graph = Graph::new();
    // Items sharing one map (the chunks of a `Bag`, the outputs of one
    // `GraphBuilder`) merge it once: merging a known graph again would scan
    // it. The items are borrowed, so no address is reused meanwhile.
    let mut seen: HashSet<usize> = HashSet::new();
    for d in items {
        let g = d.graph();
        if !g.is_empty() && seen.insert(g.map_address()) {
            graph.merge(g);
        }
    }
    (graph, items.iter().map(|d| d.key().clone()).collect())
}

/// Computes many lazy values at once over their merged graph, so shared work
/// (equal keys) runs once. Values come back type-erased, in order.
///
/// ```
/// use dklearn_graph::{compute_many, downcast_value, Delayed, Sequential};
/// let x = Delayed::value("x", 2.0f64);
/// let a = x.map("half", |v| v / 2.0);
/// let b = x.map("label", |v| format!("x={v}"));
/// let out = compute_many(&Sequential, &[&a, &b], &[]).unwrap();
/// assert_eq!(*downcast_value::<f64>(a.key(), out[0].clone()).unwrap(), 1.0);
/// assert_eq!(out[1].downcast_ref::<String>().unwrap(), "x=2");
/// ```
pub fn compute_many<S: Scheduler + ?Sized>(
    scheduler: &S,
    items: &[&dyn AnyDelayed],
    callbacks: &[&dyn Callback],
) -> Result<Vec<Value>, Error> {
    let (graph, keys) = merge_graphs(items);
    scheduler.get(&graph, &keys, callbacks)
}

/// A task reading any number of lazy values of mixed types: `f` receives
/// their [`Value`]s in order (use [`downcast_input`]). Key:
/// `name-<tokenize(name, input keys, params)>`.
///
/// ```
/// use dklearn_graph::{delayed, downcast_input, Delayed, Sequential};
/// let n = Delayed::value("n", 3usize);
/// let s = Delayed::value("s", String::from("ab"));
/// let r: Delayed<String> = delayed("repeat", &(), &[&n, &s], |v| {
///     Ok(downcast_input::<String>(&v[1])?.repeat(*downcast_input::<usize>(&v[0])?))
/// });
/// assert_eq!(r.compute(&Sequential).unwrap(), "ababab");
/// ```
#[track_caller]
pub fn delayed<V: Data, P: Tokenize + ?Sized>(
    name: &str,
    params: &P,
    inputs: &[&dyn AnyDelayed],
    f: impl Fn(&[Value]) -> Result<V, TaskError> + Send + Sync + 'static,
) -> Delayed<V> {
    let (mut graph, deps) = merge_graphs(inputs);
    let dep_refs: Vec<&Key> = deps.iter().collect();
    let key = derived_key(name, FnId::of(&f), &dep_refs, params);
    graph.insert(key.clone(), Task::typed(deps, move |v: &mut [Value]| f(v)));
    Delayed::from_parts(graph, key)
}

/// An element of what [`Compute`] computes (a tuple, an array, a `Vec` or a
/// slice): a `Delayed<T>` or a reference to one.
pub trait DelayedOutput {
    /// What computing it gives.
    type Output;
    /// Type-erased view.
    fn any(&self) -> &dyn AnyDelayed;
    /// Converts the computed value.
    fn extract(&self, v: Value) -> Result<Self::Output, Error>;
}

impl<T: Data + Clone> DelayedOutput for Delayed<T> {
    type Output = T;
    fn any(&self) -> &dyn AnyDelayed {
        self
    }
    fn extract(&self, v: Value) -> Result<T, Error> {
        downcast_value::<T>(&self.key, v).map(unshare)
    }
}

impl<D: DelayedOutput + ?Sized> DelayedOutput for &D {
    type Output = D::Output;
    fn any(&self) -> &dyn AnyDelayed {
        (**self).any()
    }
    fn extract(&self, v: Value) -> Result<D::Output, Error> {
        (**self).extract(v)
    }
}

/// Computing many lazy values at once over their merged graph, in one
/// scheduler call, so shared work runs once: like dask's `compute(a, b, c, d)`.
///
/// Implemented for tuples of up to 12 elements of mixed types
/// (`(fit1, fit2, score1, score2).compute(&scheduler)`), and for any number
/// of values of one type: `Vec<Delayed<T>>` and `&[Delayed<T>]` give a
/// `Vec<T>`, `[Delayed<T>; N]` gives a `[T; N]`. Elements may be references
/// (`(&a, &b)`, `vec![&a, &b]`).
///
/// ```
/// use dklearn_graph::{Compute, Delayed, Sequential};
/// let x = Delayed::value("x", 10i64);
/// let ys: Vec<Delayed<i64>> = (0..20).map(|i| x.map_with("add", &i, move |v| v + i)).collect();
/// // Any number of one type: a Vec (or a slice) in, a Vec out.
/// let all = ys.compute(&Sequential).unwrap();
/// assert_eq!(all.len(), 20);
/// assert_eq!(all[19], 29);
/// // An array keeps its length in the type.
/// let [a, b, c] = [&ys[0], &ys[1], &ys[2]].compute(&Sequential).unwrap();
/// assert_eq!((a, b, c), (10, 11, 12));
/// // Mixed types: tuples of up to 12.
/// let label = x.map("label", |v| format!("x={v}"));
/// let t = (&ys[0], &ys[1], &ys[2], &ys[3], &ys[4], &ys[5], &ys[6], &label);
/// let (.., seven, text) = t.compute(&Sequential).unwrap();
/// assert_eq!((seven, text.as_str()), (16, "x=10"));
/// ```
pub trait Compute {
    /// The computed values (a tuple, an array or a `Vec`).
    type Output;
    /// Computes everything in one scheduler call.
    fn compute<S: Scheduler + ?Sized>(&self, scheduler: &S) -> Result<Self::Output, Error> {
        self.compute_with(scheduler, &[])
    }
    /// Same, reporting to `callbacks`.
    fn compute_with<S: Scheduler + ?Sized>(
        &self,
        scheduler: &S,
        callbacks: &[&dyn Callback],
    ) -> Result<Self::Output, Error>;
}

macro_rules! compute_tuple {
    ($n:literal; $($i:tt $t:ident),+) => {
        impl<$($t: DelayedOutput),+> Compute for ($($t,)+) {
            type Output = ($($t::Output,)+);
            fn compute_with<S: Scheduler + ?Sized>(
                &self,
                scheduler: &S,
                callbacks: &[&dyn Callback],
            ) -> Result<Self::Output, Error> {
                let items: [&dyn AnyDelayed; $n] = [$(self.$i.any()),+];
                let out = compute_many(scheduler, &items, callbacks)?;
                if out.len() != $n {
                    return Err(Error::scheduler(format!(
                        "scheduler returned {} values for {} keys", out.len(), $n
                    )));
                }
                let mut it = out.into_iter();
                Ok(($(match it.next() {
                    Some(v) => self.$i.extract(v)?,
                    None => return Err(Error::scheduler("missing value")),
                },)+))
            }
        }
    };
}
compute_tuple!(1; 0 A);
compute_tuple!(2; 0 A, 1 B);
compute_tuple!(3; 0 A, 1 B, 2 C);
compute_tuple!(4; 0 A, 1 B, 2 C, 3 D);
compute_tuple!(5; 0 A, 1 B, 2 C, 3 D, 4 E);
compute_tuple!(6; 0 A, 1 B, 2 C, 3 D, 4 E, 5 F);
compute_tuple!(7; 0 A, 1 B, 2 C, 3 D, 4 E, 5 F, 6 G);
compute_tuple!(8; 0 A, 1 B, 2 C, 3 D, 4 E, 5 F, 6 G, 7 H);
compute_tuple!(9; 0 A, 1 B, 2 C, 3 D, 4 E, 5 F, 6 G, 7 H, 8 I);
compute_tuple!(10; 0 A, 1 B, 2 C, 3 D, 4 E, 5 F, 6 G, 7 H, 8 I, 9 J);
compute_tuple!(11; 0 A, 1 B, 2 C, 3 D, 4 E, 5 F, 6 G, 7 H, 8 I, 9 J, 10 K);
compute_tuple!(12; 0 A, 1 B, 2 C, 3 D, 4 E, 5 F, 6 G, 7 H, 8 I, 9 J, 10 K, 11 L);

/// Computes `items` in one scheduler call; the values in order.
fn compute_slice<D: DelayedOutput, S: Scheduler + ?Sized>(
    items: &[D],
    scheduler: &S,
    callbacks: &[&dyn Callback],
) -> Result<Vec<D::Output>, Error> {
    let erased: Vec<&dyn AnyDelayed> = items.iter().map(DelayedOutput::any).collect();
    let out = compute_many(scheduler, &erased, callbacks)?;
    if out.len() != items.len() {
        return Err(Error::scheduler(format!(
            "scheduler returned {} values for {} keys",
            out.len(),
            items.len()
        )));
    }
    items.iter().zip(out).map(|(d, v)| d.extract(v)).collect()
}

impl<D: DelayedOutput> Compute for [D] {
    type Output = Vec<D::Output>;
    fn compute_with<S: Scheduler + ?Sized>(
        &self,
        scheduler: &S,
        callbacks: &[&dyn Callback],
    ) -> Result<Self::Output, Error> {
        compute_slice(self, scheduler, callbacks)
    }
}

impl<D: DelayedOutput> Compute for Vec<D> {
    type Output = Vec<D::Output>;
    fn compute_with<S: Scheduler + ?Sized>(
        &self,
        scheduler: &S,
        callbacks: &[&dyn Callback],
    ) -> Result<Self::Output, Error> {
        compute_slice(self, scheduler, callbacks)
    }
}

impl<D: DelayedOutput, const N: usize> Compute for [D; N] {
    type Output = [D::Output; N];
    fn compute_with<S: Scheduler + ?Sized>(
        &self,
        scheduler: &S,
        callbacks: &[&dyn Callback],
    ) -> Result<Self::Output, Error> {
        let out = compute_slice(self, scheduler, callbacks)?;
        <[D::Output; N]>::try_from(out)
            .map_err(|v| Error::scheduler(format!("{} values for an array of {N}", v.len())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::scheduler::Sequential;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn shared_work_runs_once() {
        let calls = Arc::new(AtomicUsize::new(0));
        let x = Delayed::value("x", 5u64);
        // The same closure at the same call site over the same input: one key.
        let heavy_of = |x: &Delayed<u64>| {
            let c = calls.clone();
            x.map_with("heavy", &(), move |v| {
                c.fetch_add(1, Ordering::SeqCst);
                v * 2
            })
        };
        let (heavy, heavy_again) = (heavy_of(&x), heavy_of(&x));
        assert_eq!(heavy.key(), heavy_again.key());
        let a = heavy.map("plus1", |v| v + 1);
        let b = heavy_again.map("plus2", |v| v + 2);
        let (ra, rb) = (a, b).compute(&Sequential).unwrap();
        assert_eq!((ra, rb), (11, 12));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn params_change_the_key() {
        let x = Delayed::value("x", 1i32);
        let a = x.map_with("add", &1i32, |v| v + 1);
        let b = x.map_with("add", &2i32, |v| v + 2);
        assert_ne!(a.key(), b.key());
        assert_eq!(a.key().name(), "add");
        let y = Delayed::value("x", 2i32);
        assert_ne!(x.key(), y.key());
    }

    #[test]
    fn type_mismatch_is_an_error() {
        let x = Delayed::value("x", 1i32);
        let wrong: Delayed<String> = Delayed::from_parts(x.graph().clone(), x.key().clone());
        let e = wrong.compute(&Sequential).unwrap_err();
        assert_eq!(
            e.kind(),
            &ErrorKind::TypeMismatch {
                key: x.key().clone(),
                expected: std::any::type_name::<String>()
            }
        );
        // Reading it as an input fails the reading task, naming it.
        let y = wrong.map("len", |s| s.len());
        match y.compute(&Sequential).unwrap_err().kind() {
            ErrorKind::TaskFailed { key, message } => {
                assert_eq!(key, y.key());
                assert!(message.contains("String"), "{message}");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn zip_gather_from_fn() {
        let a = Delayed::value("a", 1u8);
        let b = Delayed::value("b", String::from("z"));
        assert_eq!(a.zip(&b).compute(&Sequential).unwrap(), (1, "z".into()));
        let parts: Vec<Delayed<f64>> = (0..4).map(|i| Delayed::value("p", f64::from(i))).collect();
        let mean = Delayed::gather(&parts, "mean", &(), |xs: &[&f64]| {
            Ok(xs.iter().copied().sum::<f64>() / xs.len() as f64)
        });
        assert_eq!(mean.compute(&Sequential).unwrap(), 1.5);
        let f = Delayed::from_fn("seven", &(), || Ok(7u8));
        assert_eq!(f.compute(&Sequential).unwrap(), 7);
        let bad: Delayed<u8> = Delayed::from_fn("bad", &(), || Err("no".into()));
        assert_eq!(
            bad.compute(&Sequential).unwrap_err().to_string(),
            format!("task {} failed: no", bad.key())
        );
        assert_eq!(format!("{a:?}"), format!("Delayed('{}')", a.key()));
    }

    #[test]
    fn compute_twelve_of_mixed_types_and_any_number_of_one_type() {
        let calls = Arc::new(AtomicUsize::new(0));
        let c = calls.clone();
        let x = Delayed::value("x", 3i64);
        // The counter does not change the result: `()` as params.
        let shared = x.map_with("shared", &(), move |v| {
            c.fetch_add(1, Ordering::SeqCst);
            v * 100
        });
        let d: Vec<Delayed<i64>> = (0..11)
            .map(|i| shared.map_with("plus", &i, move |v| v + i))
            .collect();
        let s = shared.map("text", |v| v.to_string());
        let t = (
            &d[0], &d[1], &d[2], &d[3], &d[4], &d[5], &d[6], &d[7], &d[8], &d[9], &d[10], &s,
        );
        let out = t.compute(&Sequential).unwrap();
        assert_eq!(
            out,
            (
                300,
                301,
                302,
                303,
                304,
                305,
                306,
                307,
                308,
                309,
                310,
                "300".to_string()
            )
        );
        assert_eq!(calls.load(Ordering::SeqCst), 1, "shared work runs once");
        let seven = (&d[0], &d[1], &d[2], &d[3], &d[4], &d[5], &d[6]);
        assert_eq!(seven.compute(&Sequential).unwrap().6, 306);

        // Vec, slice, array; references; duplicates; empty.
        let want: Vec<i64> = (300..311).collect();
        assert_eq!(d.compute(&Sequential).unwrap(), want);
        assert_eq!(d[2..5].compute(&Sequential).unwrap(), vec![302, 303, 304]);
        let refs: Vec<&Delayed<i64>> = d.iter().rev().collect();
        let rev: Vec<i64> = want.iter().rev().copied().collect();
        assert_eq!(refs.compute(&Sequential).unwrap(), rev);
        assert_eq!(
            [&d[1], &d[1], &d[0]].compute(&Sequential).unwrap(),
            [301, 301, 300]
        );
        assert_eq!(
            [s.clone()].compute(&Sequential).unwrap(),
            ["300".to_string()]
        );
        let none: Vec<Delayed<i64>> = Vec::new();
        assert_eq!(none.compute(&Sequential).unwrap(), Vec::<i64>::new());
        assert_eq!(calls.load(Ordering::SeqCst), 7, "one run per compute call");
    }

    #[test]
    fn compute_many_of_one_type_reports_a_failure_by_key() {
        let x = Delayed::value("x", 1i64);
        let ok = x.map("ok", |v| v + 1);
        let bad = x.try_map("bad", |_| Err::<i64, _>(TaskError::new("no")));
        let e = vec![ok.clone(), bad.clone(), ok]
            .compute(&Sequential)
            .unwrap_err();
        assert_eq!(e.key(), Some(bad.key()));
        // A wrong type behind one element is a TypeMismatch naming it.
        let wrong: Delayed<String> = Delayed::from_parts(x.graph().clone(), x.key().clone());
        let e = [wrong.clone(), wrong].compute(&Sequential).unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::TypeMismatch { .. }), "{e}");
    }

    /// Every task the typed APIs build records its output type, and the
    /// record is the type of the value it computes (keys do not depend on
    /// it: the literal-key fixture shared with Python pins them).
    #[test]
    fn typed_apis_record_every_task_output_type() {
        use crate::{Bag, GraphBuilder, ValueType};
        let x = Delayed::value("x", 3i64);
        let s = x.map("text", |v| v.to_string());
        let j = x.join(&s, "pair", |a, b| (*a, b.len()));
        let g = Delayed::gather(&[x.clone(), x.map("neg", |v| -v)], "sum", &(), |xs| {
            Ok(xs.iter().map(|v| **v).sum::<i64>())
        });
        let f = Delayed::from_fn("unit", &(), || Ok(()));
        let d: Delayed<f32> = delayed("any", &(), &[&x, &s], |_| Ok(1.0));
        let bag = Bag::from_sequence(vec![1u8, 2, 3, 4], 2)
            .map("w", |v| u32::from(*v))
            .filter("odd", |v| v % 2 == 1);
        let r = bag.reduction("n", |p| p.len(), |n| n.iter().copied().sum::<usize>());
        let mut b = GraphBuilder::new();
        b.merge(&r);
        let k = b.task("half", &(), &[r.key()], |v| {
            Ok(*downcast_input::<usize>(&v[0])? as f64 / 2.0)
        });
        let built: Delayed<f64> = b.delayed(k);
        let parts = bag.to_delayed();
        let all: Vec<&dyn AnyDelayed> = vec![&j, &g, &f, &d, &built, &parts[0], &parts[1]];
        let (graph, _) = merge_graphs(&all);
        let keys: Vec<Key> = graph.sorted_keys();
        let values = Sequential.get(&graph, &keys, &[]).unwrap();
        for (k, v) in keys.iter().zip(&values) {
            let t = graph.get(k).unwrap().output_type();
            let t = t.unwrap_or_else(|| panic!("{k} has no output type"));
            assert_eq!(t.id(), (**v).type_id(), "{k}: recorded {t:?}");
        }
        assert_eq!(
            graph.get(j.key()).unwrap().output_type(),
            Some(ValueType::of::<(i64, usize)>())
        );
        assert_eq!(
            graph
                .get(&bag.keys()[0])
                .unwrap()
                .output_type()
                .unwrap()
                .name(),
            "alloc::vec::Vec<u32>"
        );
    }

    #[test]
    fn compute_tuple_of_four() {
        let x = Delayed::value("x", 3i64);
        let t = (
            x.map("a", |v| v + 1),
            x.map("b", |v| v * 2),
            x.map("c", |v| v.to_string()),
            &x,
        );
        assert_eq!(t.compute(&Sequential).unwrap(), (4, 6, "3".to_string(), 3));
    }
}
