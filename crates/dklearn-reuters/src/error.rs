//! The job's error: each cause keeps its own type (`source()` reaches it).

use std::fmt;
use std::path::PathBuf;

/// What went wrong while finding the data, building or running the job.
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// No directory with `reut2-*.sgm` files; every place looked at, with
    /// what pointed there (`--data`, `$DKLEARN_DATA`, ...).
    NoData {
        /// `(what, directory)` pairs, in the order they were tried.
        tried: Vec<(String, PathBuf)>,
    },
    /// A directory that exists could not be listed.
    Io {
        /// The directory.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A parameter of the job outside its domain (e.g. a seed of 2**32 or more).
    InvalidParameter {
        /// The parameter's name.
        name: &'static str,
        /// Why the value is rejected.
        reason: String,
    },
    /// The vectorizer's parameters were refused.
    Text(dklearn_text::Error),
    /// An estimator's parameters were refused.
    Estimator(dklearn_estimators::Error),
    /// The lazy layer refused to build the graph.
    Lazy(dklearn_lazy::Error),
    /// Running the graph failed (the error names the task's key).
    Graph(dklearn_graph::Error),
}

/// The error type of `dklearn-reuters`.
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
}

impl Error {
    /// An error of this kind.
    pub fn new(kind: ErrorKind) -> Self {
        Error { kind }
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error { kind }
    }
}

macro_rules! from_cause {
    ($t:ty, $k:ident) => {
        impl From<$t> for Error {
            fn from(e: $t) -> Self {
                Error::new(ErrorKind::$k(e))
            }
        }
    };
}
from_cause!(dklearn_text::Error, Text);
from_cause!(dklearn_estimators::Error, Estimator);
from_cause!(dklearn_lazy::Error, Lazy);
from_cause!(dklearn_graph::Error, Graph);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::NoData { tried } => {
                writeln!(f, "no Reuters-21578 files (reut2-*.sgm) found; looked in:")?;
                for (what, p) in tried {
                    writeln!(f, "  {what}: {}", p.display())?;
                }
                write!(
                    f,
                    "set DKLEARN_DATA or pass --data DIR; on a fresh machine, \
                     `cargo xtask fetch-data` downloads the data set"
                )
            }
            ErrorKind::Io { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            ErrorKind::InvalidParameter { name, reason } => {
                write!(f, "invalid parameter {name}: {reason}")
            }
            ErrorKind::Text(e) => write!(f, "{e}"),
            ErrorKind::Estimator(e) => write!(f, "{e}"),
            ErrorKind::Lazy(e) => write!(f, "{e}"),
            ErrorKind::Graph(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ErrorKind::Io { source, .. } => Some(source),
            ErrorKind::Text(e) => Some(e),
            ErrorKind::Estimator(e) => Some(e),
            ErrorKind::Lazy(e) => Some(e),
            ErrorKind::Graph(e) => Some(e),
            ErrorKind::NoData { .. } | ErrorKind::InvalidParameter { .. } => None,
        }
    }
}
