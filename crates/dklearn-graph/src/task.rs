//! Tasks: a function of the values of some dependency keys.

use std::any::{Any, TypeId};
use std::fmt;
use std::sync::Arc;

use crate::key::Key;

/// A computed value, shared between the tasks that read it.
///
/// Typed code stores a `T` and gets it back with `Arc::downcast::<T>`; the
/// [`Delayed`](crate::Delayed) API does this for you and reports a wrong type
/// as [`ErrorKind::TypeMismatch`](crate::ErrorKind::TypeMismatch).
pub type Value = Arc<dyn Any + Send + Sync>;

/// The cause of a task's failure: any error, shared so that [`TaskError`] and
/// the graph's [`Error`](crate::Error) stay `Clone`.
pub type ErrorSource = Arc<dyn std::error::Error + Send + Sync + 'static>;

/// The failure of one task: a message and, when the failure came from
/// another error, that error as its [`source`](std::error::Error::source).
/// The scheduler adds the task's key and keeps the source reachable from the
/// [`Error`](crate::Error) it reports.
///
/// `?` works on I/O errors in a task (`From<std::io::Error>`); any other
/// error converts with [`TaskError::from_error`] (or
/// [`TaskError::with_source`] to add context):
///
/// ```
/// use std::error::Error as _;
/// use dklearn_graph::{Delayed, ErrorKind, Scheduler, Sequential, TaskError};
///
/// fn read(path: &str) -> Result<String, TaskError> {
///     Ok(std::fs::read_to_string(path)?)
/// }
/// let text = Delayed::value("path", "/nonexistent/input.txt".to_string())
///     .try_map("read", |p| read(p));
/// let e = text.compute(&Sequential).unwrap_err();
/// assert!(matches!(e.kind(), ErrorKind::TaskFailed { .. }));
/// let io = e.source().and_then(|s| s.downcast_ref::<std::io::Error>()).unwrap();
/// assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
/// ```
#[derive(Clone)]
pub struct TaskError {
    message: String,
    source: Option<ErrorSource>,
}

impl TaskError {
    /// An error with the given message and no source.
    pub fn new(message: impl Into<String>) -> TaskError {
        TaskError {
            message: message.into(),
            source: None,
        }
    }

    /// An error whose message is `source`'s and whose source is `source`.
    pub fn from_error(source: impl std::error::Error + Send + Sync + 'static) -> TaskError {
        TaskError {
            message: source.to_string(),
            source: Some(Arc::new(source)),
        }
    }

    /// An error with its own message (e.g. `"spill /tmp/x: cannot write"`)
    /// caused by `source`.
    pub fn with_source(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> TaskError {
        TaskError {
            message: message.into(),
            source: Some(Arc::new(source)),
        }
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Consumes the error, returning its message.
    pub fn into_message(self) -> String {
        self.message
    }

    /// The error of a caught panic (what `catch_unwind` returns), for a
    /// scheduler that runs tasks or callbacks: the message is the `&str` or
    /// `String` payload of `panic!`, otherwise `"task panicked"`.
    ///
    /// ```
    /// use dklearn_graph::TaskError;
    /// let p = std::panic::catch_unwind(|| panic!("bad {}", 1)).unwrap_err();
    /// assert_eq!(TaskError::from_panic(&*p).message(), "bad 1");
    /// ```
    pub fn from_panic(payload: &(dyn Any + Send)) -> TaskError {
        TaskError::new(panic_message(payload))
    }

    /// The underlying error, if any (also reachable through
    /// [`std::error::Error::source`]).
    pub fn cause(&self) -> Option<&ErrorSource> {
        self.source.as_ref()
    }

    /// Consumes the error, returning its message and its source.
    pub fn into_parts(self) -> (String, Option<ErrorSource>) {
        (self.message, self.source)
    }
}

/// Two task errors are equal when their messages are (sources are not
/// compared: `dyn Error` has no equality).
impl PartialEq for TaskError {
    fn eq(&self, other: &TaskError) -> bool {
        self.message == other.message
    }
}

impl Eq for TaskError {}

impl From<String> for TaskError {
    fn from(message: String) -> TaskError {
        TaskError::new(message)
    }
}

impl From<&str> for TaskError {
    fn from(message: &str) -> TaskError {
        TaskError::new(message)
    }
}

impl From<std::io::Error> for TaskError {
    fn from(e: std::io::Error) -> TaskError {
        TaskError::from_error(e)
    }
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Debug for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            None => write!(f, "TaskError({:?})", self.message),
            Some(s) => write!(f, "TaskError({:?}, source: {s:?})", self.message),
        }
    }
}

impl std::error::Error for TaskError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.source {
            Some(s) => Some(&**s),
            None => None,
        }
    }
}

/// The function of a task: receives its dependencies' values, in the order
/// of [`Task::deps`].
///
/// The slice is mutable so that a task may take an input out of it (see
/// [`take_input`](crate::take_input)): a scheduler passes a task the only
/// reference to a value when that task is its last reader, so a step like
/// `partial_fit` can update the model in place instead of copying it.
pub type TaskFn = Arc<dyn Fn(&mut [Value]) -> Result<Value, TaskError> + Send + Sync>;

/// The type of the value a task returns: its [`TypeId`] and its
/// [`std::any::type_name`], recorded by the typed constructors
/// ([`Task::typed`], [`Task::typed_literal`]) and so by every typed API
/// ([`Delayed`](crate::Delayed), [`Bag`](crate::Bag),
/// [`GraphBuilder`](crate::GraphBuilder), [`delayed`](crate::delayed)).
///
/// It lets a scheduler check, before anything runs, that a value it will
/// have to encode has an encoding ([`Codecs::can_encode_type`](crate::Codecs::can_encode_type)).
/// It is not part of the task's key.
///
/// ```
/// use dklearn_graph::ValueType;
/// let t = ValueType::of::<Vec<f64>>();
/// assert_eq!(t.id(), std::any::TypeId::of::<Vec<f64>>());
/// assert_eq!(t.name(), "alloc::vec::Vec<f64>");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ValueType {
    id: TypeId,
    name: &'static str,
}

impl ValueType {
    /// The record of `T`.
    pub fn of<T: ?Sized + 'static>() -> ValueType {
        ValueType {
            id: TypeId::of::<T>(),
            name: std::any::type_name::<T>(),
        }
    }

    /// The type's id.
    pub fn id(&self) -> TypeId {
        self.id
    }

    /// The type's name, as [`std::any::type_name`] gives it.
    pub fn name(&self) -> &'static str {
        self.name
    }
}

impl fmt::Debug for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// One node of a [`Graph`](crate::Graph): dependency keys and a pure function
/// of their values.
///
/// Cloning is two reference-count increments. A task must be pure: running
/// it twice on the same inputs gives equal results, which is what lets equal
/// keys be merged into one node.
///
/// A task made by a typed constructor ([`Task::typed`],
/// [`Task::typed_literal`], and so by every typed API) also records its
/// output's type ([`Task::output_type`]); one made from a bare function
/// ([`Task::new`], [`Task::new_mut`], [`Task::from_fn`], [`Task::literal`])
/// does not.
#[derive(Clone)]
pub struct Task {
    deps: Arc<[Key]>,
    func: TaskFn,
    literal: bool,
    output: Option<ValueType>,
}

impl Task {
    /// A task computing `f(values of deps)`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use dklearn_graph::{Key, Task, Value};
    /// let t = Task::new(vec![Key::from_string("x")], |v: &[Value]| {
    ///     let x = v[0].downcast_ref::<i64>().ok_or("x is not an i64")?;
    ///     Ok(Arc::new(x + 1) as Value)
    /// });
    /// let out = t.run(&[Arc::new(41i64) as Value]).unwrap();
    /// assert_eq!(out.downcast_ref::<i64>(), Some(&42));
    /// ```
    pub fn new(
        deps: Vec<Key>,
        f: impl Fn(&[Value]) -> Result<Value, TaskError> + Send + Sync + 'static,
    ) -> Task {
        Task {
            deps: deps.into(),
            func: Arc::new(move |v: &mut [Value]| f(v)),
            literal: false,
            output: None,
        }
    }

    /// A task whose function may take its inputs out of the slice (with
    /// [`take_input`](crate::take_input)) instead of reading them.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use dklearn_graph::{take_input, Key, Task, Value};
    /// let push = Task::new_mut(vec![Key::from_string("v")], |v: &mut [Value]| {
    ///     let mut xs = take_input::<Vec<u8>>(&mut v[0])?; // no copy when unshared
    ///     xs.push(1);
    ///     Ok(Arc::new(xs) as Value)
    /// });
    /// let out = push.run(&[Arc::new(vec![0u8]) as Value]).unwrap();
    /// assert_eq!(out.downcast_ref::<Vec<u8>>(), Some(&vec![0, 1]));
    /// ```
    pub fn new_mut(
        deps: Vec<Key>,
        f: impl Fn(&mut [Value]) -> Result<Value, TaskError> + Send + Sync + 'static,
    ) -> Task {
        Task {
            deps: deps.into(),
            func: Arc::new(f),
            literal: false,
            output: None,
        }
    }

    /// A task from an already shared function.
    pub fn from_fn(deps: Vec<Key>, func: TaskFn) -> Task {
        Task {
            deps: deps.into(),
            func,
            literal: false,
            output: None,
        }
    }

    /// A task with no dependencies returning `v` (data in the graph).
    pub fn literal(v: Value) -> Task {
        Task {
            deps: Arc::from(Vec::new()),
            func: Arc::new(move |_: &mut [Value]| Ok(Arc::clone(&v))),
            literal: true,
            output: None,
        }
    }

    /// A task whose function returns a `T` (stored as the task's
    /// [`Value`]); `T` is recorded as its [`output_type`](Self::output_type).
    /// The function may take its inputs out of the slice, as with
    /// [`Task::new_mut`].
    ///
    /// ```
    /// use std::sync::Arc;
    /// use dklearn_graph::{downcast_input, Key, Task, Value, ValueType};
    /// let t = Task::typed(vec![Key::from_string("x")], |v: &mut [Value]| {
    ///     Ok(downcast_input::<i64>(&v[0])? + 1)
    /// });
    /// assert_eq!(t.output_type(), Some(ValueType::of::<i64>()));
    /// let out = t.run(&[Arc::new(41i64) as Value]).unwrap();
    /// assert_eq!(out.downcast_ref::<i64>(), Some(&42));
    /// ```
    pub fn typed<T: Send + Sync + 'static>(
        deps: Vec<Key>,
        f: impl Fn(&mut [Value]) -> Result<T, TaskError> + Send + Sync + 'static,
    ) -> Task {
        Task {
            deps: deps.into(),
            func: Arc::new(move |v: &mut [Value]| Ok(Arc::new(f(v)?) as Value)),
            literal: false,
            output: Some(ValueType::of::<T>()),
        }
    }

    /// A literal (see [`Task::literal`]) of a `T`, recorded as its
    /// [`output_type`](Self::output_type).
    pub fn typed_literal<T: Send + Sync + 'static>(v: T) -> Task {
        Task {
            output: Some(ValueType::of::<T>()),
            ..Task::literal(Arc::new(v))
        }
    }

    /// The type of the value this task returns, when it was built by a
    /// typed constructor; `None` for a task built from a bare function.
    pub fn output_type(&self) -> Option<ValueType> {
        self.output
    }

    /// The keys whose values this task reads, in argument order.
    pub fn deps(&self) -> &[Key] {
        &self.deps
    }

    /// Whether this task was made by [`Task::literal`].
    pub fn is_literal(&self) -> bool {
        self.literal
    }

    /// The task's function (for schedulers that move it to another thread).
    pub fn func(&self) -> &TaskFn {
        &self.func
    }

    /// Runs the function on the dependencies' values (shared: the task
    /// cannot take them). Does not catch panics: schedulers do (see
    /// [`TaskError::from_panic`]).
    pub fn run(&self, inputs: &[Value]) -> Result<Value, TaskError> {
        let mut owned = inputs.to_vec();
        (self.func)(&mut owned)
    }

    /// Runs the function on values the caller hands over: the task may take
    /// them out of the slice (what is left is dropped by the caller).
    /// Schedulers call this, passing a value itself (not a clone of the
    /// reference) when this task is its last reader.
    #[inline]
    pub fn run_owned(&self, inputs: &mut [Value]) -> Result<Value, TaskError> {
        (self.func)(inputs)
    }
}

impl fmt::Debug for Task {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.literal, self.output) {
            (true, None) => f.write_str("Task(literal)"),
            (true, Some(t)) => write!(f, "Task(literal, output={t:?})"),
            (false, None) => write!(f, "Task(deps={:?})", self.deps),
            (false, Some(t)) => write!(f, "Task(deps={:?}, output={t:?})", self.deps),
        }
    }
}

/// The message of a caught panic: the `&str` or `String` payload of
/// `panic!`, otherwise `"task panicked"`. Schedulers get it through
/// [`TaskError::from_panic`].
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "task panicked".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_returns_its_value() {
        let t = Task::literal(Arc::new(String::from("hi")));
        assert!(t.deps().is_empty());
        assert!(t.is_literal());
        let v = t.run(&[]).unwrap();
        assert_eq!(v.downcast_ref::<String>().map(String::as_str), Some("hi"));
    }

    #[test]
    fn typed_tasks_record_their_output_type() {
        let lit = Task::typed_literal(vec![1.5f64]);
        assert!(lit.is_literal());
        assert_eq!(lit.output_type(), Some(ValueType::of::<Vec<f64>>()));
        assert_eq!(
            lit.output_type().map(|t| t.name()),
            Some(std::any::type_name::<Vec<f64>>())
        );
        let v = lit.run(&[]).unwrap();
        assert_eq!(v.downcast_ref::<Vec<f64>>(), Some(&vec![1.5]));
        // The record is the type of the value the function returns.
        let t = Task::typed(vec![Key::from_string("x")], |v: &mut [Value]| {
            Ok(format!("{}", v.len()))
        });
        let out = t.run(&[Arc::new(()) as Value]).unwrap();
        assert_eq!(
            t.output_type().map(|t| t.id()),
            Some((*out).type_id()),
            "recorded type is the value's"
        );
        assert_eq!(
            t.output_type().map(|t| t.name()),
            Some("alloc::string::String")
        );
        assert_eq!(
            format!("{t:?}"),
            "Task(deps=['x'], output=alloc::string::String)"
        );
        // Bare functions record nothing; clones keep the record.
        assert_eq!(Task::literal(Arc::new(1u8)).output_type(), None);
        assert_eq!(
            Task::new(vec![], |_: &[Value]| Ok(Arc::new(1u8) as Value)).output_type(),
            None
        );
        assert_eq!(t.clone().output_type(), t.output_type());
    }

    #[test]
    fn task_error_conversions() {
        let e: TaskError = "x".into();
        assert_eq!(e.to_string(), "x");
        let e: TaskError = String::from("y").into();
        assert_eq!(e.message(), "y");
    }

    #[test]
    fn panic_payloads() {
        let p = std::panic::catch_unwind(|| std::panic::panic_any(3u8)).unwrap_err();
        assert_eq!(panic_message(&*p), "task panicked");
        let p = std::panic::catch_unwind(|| panic!("static")).unwrap_err();
        assert_eq!(panic_message(&*p), "static");
    }
}
