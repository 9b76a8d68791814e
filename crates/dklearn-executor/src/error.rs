//! The crate's error type, for what is not a graph error: writing reports.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What went wrong in `dklearn-executor` outside of running a graph.
///
/// Running a graph ([`Threaded`](crate::Threaded) implements
/// [`dklearn_graph::Scheduler`]) reports [`dklearn_graph::Error`], which names
/// the failing key; this type wraps it so a program can use one error type.
///
/// Kinds compare I/O errors by their [`std::io::ErrorKind`] and message.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Reading or writing a file failed.
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error (also [`Error`]'s
        /// [`source`](std::error::Error::source)).
        source: Arc<std::io::Error>,
    },
    /// Running a graph failed (the error names the key).
    Graph(dklearn_graph::Error),
}

impl PartialEq for ErrorKind {
    fn eq(&self, other: &ErrorKind) -> bool {
        match (self, other) {
            (ErrorKind::Io { path, source }, ErrorKind::Io { path: p, source: s }) => {
                path == p && source.kind() == s.kind() && source.to_string() == s.to_string()
            }
            (ErrorKind::Graph(a), ErrorKind::Graph(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for ErrorKind {}

/// The error of `dklearn-executor`.
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
}

impl Error {
    /// An error of the given kind.
    pub fn new(kind: ErrorKind) -> Error {
        Error { kind }
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// An I/O failure on `path`.
    pub(crate) fn io(path: &Path, err: std::io::Error) -> Error {
        Error::new(ErrorKind::Io {
            path: path.to_path_buf(),
            source: Arc::new(err),
        })
    }
}

impl From<dklearn_graph::Error> for Error {
    fn from(e: dklearn_graph::Error) -> Error {
        Error::new(ErrorKind::Graph(e))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::Io { path, source } => write!(f, "{}: {source}", path.display()),
            ErrorKind::Graph(e) => write!(f, "{e}"),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Error({self})")
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ErrorKind::Graph(e) => Some(e),
            ErrorKind::Io { source, .. } => Some(&**source),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_file_or_key_and_keep_the_cause() {
        use std::error::Error as _;
        let e = Error::io(
            Path::new("/nope/out.html"),
            std::io::Error::new(std::io::ErrorKind::NotFound, "No such file or directory"),
        );
        assert_eq!(e.to_string(), "/nope/out.html: No such file or directory");
        let io = e.source().and_then(|s| s.downcast_ref::<std::io::Error>());
        assert_eq!(io.map(|e| e.kind()), Some(std::io::ErrorKind::NotFound));
        assert_eq!(e.clone(), e);

        // A task's I/O error stays reachable: executor -> graph -> io.
        let t = dklearn_graph::TaskError::from(std::io::Error::other("disk on fire"));
        let g = dklearn_graph::Error::task_failed(dklearn_graph::Key::from_string("f-1"), t);
        let e = Error::from(g.clone());
        assert_eq!(e.to_string(), "task f-1 failed: disk on fire");
        let graph = e
            .source()
            .and_then(|s| s.downcast_ref::<dklearn_graph::Error>());
        assert_eq!(graph, Some(&g));
        let io = graph
            .and_then(|g| g.source())
            .and_then(|s| s.downcast_ref::<std::io::Error>());
        assert_eq!(io.map(|e| e.to_string()), Some("disk on fire".into()));
    }
}
