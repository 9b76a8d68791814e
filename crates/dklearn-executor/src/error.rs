//! The crate's error type, for what is not a graph error: writing reports.

use std::fmt;
use std::path::{Path, PathBuf};

/// What went wrong in `dklearn-executor` outside of running a graph.
///
/// Running a graph ([`Threaded`](crate::Threaded) implements
/// [`dklearn_graph::Scheduler`]) reports [`dklearn_graph::Error`], which names
/// the failing key; this type wraps it so a program can use one error type.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Reading or writing a file failed.
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's message.
        message: String,
    },
    /// Running a graph failed (the error names the key).
    Graph(dklearn_graph::Error),
}

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
    pub(crate) fn io(path: &Path, err: &std::io::Error) -> Error {
        Error::new(ErrorKind::Io {
            path: path.to_path_buf(),
            message: err.to_string(),
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
            ErrorKind::Io { path, message } => write!(f, "{}: {message}", path.display()),
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
            ErrorKind::Io { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_file_or_key() {
        let e = Error::io(
            Path::new("/nope/out.html"),
            &std::io::Error::new(std::io::ErrorKind::NotFound, "No such file or directory"),
        );
        assert_eq!(e.to_string(), "/nope/out.html: No such file or directory");
        let g = dklearn_graph::Error::task_failed(dklearn_graph::Key::from_string("f-1"), "boom");
        let e = Error::from(g);
        assert_eq!(e.to_string(), "task f-1 failed: boom");
        assert!(std::error::Error::source(&e).is_some());
    }
}
