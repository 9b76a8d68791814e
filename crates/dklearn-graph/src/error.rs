//! The crate's error type: every message names the graph key(s) involved.

use std::fmt;

use crate::key::Key;
use crate::task::{ErrorSource, TaskError};

/// What went wrong while building, ordering or running a graph.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The graph has a cycle; the keys on it, in dependency order, the first
    /// one repeated at the end (`a -> b -> a`).
    Cycle(Vec<Key>),
    /// A requested key is not in the graph.
    MissingKey(Key),
    /// A task depends on a key that is not in the graph.
    MissingDependency {
        /// The task whose dependency is missing.
        key: Key,
        /// The missing dependency.
        dep: Key,
    },
    /// A task returned an error or panicked. When the task's
    /// [`TaskError`] had a source, [`Error`]'s
    /// [`source`](std::error::Error::source) is that source.
    TaskFailed {
        /// The failing task.
        key: Key,
        /// Its error or panic message.
        message: String,
    },
    /// A computed value is not of the type the caller asked for.
    TypeMismatch {
        /// The task whose value has the wrong type.
        key: Key,
        /// The expected type's name.
        expected: &'static str,
    },
    /// A value could not be written to or read back from the spill
    /// directory of a memory-limited run (disk full, directory not
    /// writable, file corrupt or removed). The cause is [`Error::source`](std::error::Error::source).
    Spill {
        /// The key whose value was being spilled or read back.
        key: Key,
        /// The spill file.
        path: String,
        /// `"spilling"` or `"reading back"`.
        action: &'static str,
        /// The cause, as text.
        message: String,
    },
    /// A value must be encoded (for example to be sent to another process)
    /// but its type has no encoding in the scheduler's
    /// [`Codecs`](crate::Codecs). Found from the tasks' recorded output
    /// types ([`Task::output_type`](crate::Task::output_type)) before any
    /// task runs.
    NoEncoding {
        /// The task whose value would need the encoding.
        key: Key,
        /// The value's type ([`std::any::type_name`]).
        type_name: &'static str,
        /// Why it must be encoded (e.g. `"sent to process 1"`).
        needed_for: String,
    },
    /// The scheduler itself failed (e.g. could not start a worker thread).
    Scheduler(String),
}

/// The error of `dklearn-graph` and of schedulers implementing
/// [`Scheduler`](crate::Scheduler).
///
/// Two errors are equal when their kinds are and their sources (if any)
/// print the same.
#[derive(Clone)]
pub struct Error {
    kind: ErrorKind,
    source: Option<ErrorSource>,
}

impl Error {
    /// An error of the given kind.
    pub fn new(kind: ErrorKind) -> Error {
        Error { kind, source: None }
    }

    /// An [`ErrorKind::Spill`] naming `key` and `path`, keeping `cause` as
    /// the [`source`](std::error::Error::source).
    pub fn spill(
        key: Key,
        path: impl Into<String>,
        action: &'static str,
        cause: impl std::error::Error + Send + Sync + 'static,
    ) -> Error {
        Error {
            kind: ErrorKind::Spill {
                key,
                path: path.into(),
                action,
                message: cause.to_string(),
            },
            source: Some(std::sync::Arc::new(cause)),
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// Consumes the error, returning its kind.
    pub fn into_kind(self) -> ErrorKind {
        self.kind
    }

    /// Task `key` failed with `error` (a [`TaskError`], or a message): for
    /// schedulers to report failures. The task error's source becomes this
    /// error's [`source`](std::error::Error::source).
    pub fn task_failed(key: Key, error: impl Into<TaskError>) -> Error {
        let (message, source) = error.into().into_parts();
        Error {
            kind: ErrorKind::TaskFailed { key, message },
            source,
        }
    }

    /// The value of `key` is not a `expected`.
    pub fn type_mismatch(key: Key, expected: &'static str) -> Error {
        Error::new(ErrorKind::TypeMismatch { key, expected })
    }

    /// A scheduler-level failure not tied to one task.
    pub fn scheduler(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Scheduler(message.into()))
    }

    /// The key the error is about, if it is about one.
    pub fn key(&self) -> Option<&Key> {
        match &self.kind {
            ErrorKind::Cycle(keys) => keys.first(),
            ErrorKind::MissingKey(key)
            | ErrorKind::MissingDependency { key, .. }
            | ErrorKind::TaskFailed { key, .. }
            | ErrorKind::TypeMismatch { key, .. }
            | ErrorKind::Spill { key, .. }
            | ErrorKind::NoEncoding { key, .. } => Some(key),
            ErrorKind::Scheduler(_) => None,
        }
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Error {
        Error::new(kind)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::Cycle(keys) => {
                f.write_str("cycle in task graph: ")?;
                for (i, k) in keys.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" -> ")?;
                    }
                    write!(f, "{k}")?;
                }
                Ok(())
            }
            ErrorKind::MissingKey(key) => write!(f, "key {key} is not in the graph"),
            ErrorKind::MissingDependency { key, dep } => {
                write!(f, "task {key} depends on {dep}, which is not in the graph")
            }
            ErrorKind::TaskFailed { key, message } => write!(f, "task {key} failed: {message}"),
            ErrorKind::TypeMismatch { key, expected } => {
                write!(f, "value of {key} is not a {expected}")
            }
            ErrorKind::Spill {
                key,
                path,
                action,
                message,
            } => write!(f, "{action} the value of {key} ({path}) failed: {message}"),
            ErrorKind::NoEncoding {
                key,
                type_name,
                needed_for,
            } => write!(
                f,
                "value of {key} must be {needed_for} but its type {type_name} has no encoding \
                 (register it in the scheduler's Codecs)"
            ),
            ErrorKind::Scheduler(message) => write!(f, "scheduler failed: {message}"),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Error({self})")
    }
}

impl PartialEq for Error {
    fn eq(&self, other: &Error) -> bool {
        self.kind == other.kind
            && self.source.as_ref().map(ToString::to_string)
                == other.source.as_ref().map(ToString::to_string)
    }
}

impl Eq for Error {}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.source {
            Some(s) => Some(&**s),
            None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_keys() {
        let a = Key::from_string("a");
        let b = Key::from_string("b");
        let e = Error::new(ErrorKind::Cycle(vec![a.clone(), b.clone(), a.clone()]));
        assert_eq!(e.to_string(), "cycle in task graph: a -> b -> a");
        let e = Error::new(ErrorKind::MissingDependency {
            key: a.clone(),
            dep: b.clone(),
        });
        assert_eq!(
            e.to_string(),
            "task a depends on b, which is not in the graph"
        );
        let e = Error::task_failed(b.clone(), "boom");
        assert_eq!(e.to_string(), "task b failed: boom");
        assert_eq!(e.key(), Some(&b));
        assert_eq!(Error::scheduler("x").key(), None);
        assert!(std::error::Error::source(&e).is_none());
    }

    #[test]
    fn task_failures_keep_their_source() {
        use std::error::Error as _;
        let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "locked");
        let e = Error::task_failed(Key::from_string("read-1"), TaskError::from(io));
        assert_eq!(e.to_string(), "task read-1 failed: locked");
        let src = e.source().expect("the I/O error is the source");
        let io = src.downcast_ref::<std::io::Error>().expect("an io::Error");
        assert_eq!(io.kind(), std::io::ErrorKind::PermissionDenied);
        // Clones share the source; equality compares kinds and sources.
        let c = e.clone();
        assert_eq!(c, e);
        assert!(c.source().is_some());
        assert_ne!(e, Error::task_failed(Key::from_string("read-1"), "locked"));
        // Context over a cause: own message, cause behind it.
        let t = TaskError::with_source("spill /x", std::io::Error::other("disk full"));
        let e = Error::task_failed(Key::from_string("spill-1"), t);
        assert_eq!(e.to_string(), "task spill-1 failed: spill /x");
        assert_eq!(e.source().map(|s| s.to_string()), Some("disk full".into()));
    }
}
