//! The lazy layer's error: what was wrong with the graph being built. Each
//! cause keeps its own type (`source()` reaches it).

use std::fmt;

/// What went wrong while building a lazy graph.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// An estimator refused (its parameters or its data); the cause is the
    /// estimator's own error.
    Estimator(dklearn_estimators::Error),
    /// The graph could not be built or computed; the cause is the graph's error.
    Graph(dklearn_graph::Error),
    /// Two inputs that must be aligned chunk by chunk have different numbers
    /// of chunks (partitions).
    PartitionMismatch {
        /// What is being built, e.g. `"train_test_split"`.
        what: &'static str,
        /// Partitions of `X`.
        x: usize,
        /// Chunks of `y`.
        y: usize,
    },
    /// A parameter of the lazy layer itself outside its domain.
    InvalidParameter {
        /// The parameter's name, e.g. `"test_size"`.
        name: &'static str,
        /// Why the value is rejected.
        reason: String,
    },
}

/// The error type of `dklearn-lazy`.
#[derive(Debug, Clone, PartialEq)]
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

    /// Shorthand for [`ErrorKind::InvalidParameter`].
    pub fn invalid_parameter(name: &'static str, reason: impl Into<String>) -> Self {
        Error::new(ErrorKind::InvalidParameter {
            name,
            reason: reason.into(),
        })
    }

    /// Shorthand for [`ErrorKind::PartitionMismatch`], or `Ok` when aligned.
    pub(crate) fn check_aligned(what: &'static str, x: usize, y: usize) -> Result<(), Error> {
        if x == y {
            Ok(())
        } else {
            Err(Error::new(ErrorKind::PartitionMismatch { what, x, y }))
        }
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error { kind }
    }
}

impl From<dklearn_estimators::Error> for Error {
    fn from(e: dklearn_estimators::Error) -> Self {
        Error::new(ErrorKind::Estimator(e))
    }
}

impl From<dklearn_graph::Error> for Error {
    fn from(e: dklearn_graph::Error) -> Self {
        Error::new(ErrorKind::Graph(e))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::Estimator(e) => write!(f, "{e}"),
            ErrorKind::Graph(e) => write!(f, "{e}"),
            ErrorKind::PartitionMismatch { what, x, y } => write!(
                f,
                "{what}: X has {x} partitions but y has {y} chunks: they must be aligned \
                 chunk by chunk"
            ),
            ErrorKind::InvalidParameter { name, reason } => {
                write!(f, "invalid parameter {name}: {reason}")
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ErrorKind::Estimator(e) => Some(e),
            ErrorKind::Graph(e) => Some(e),
            _ => None,
        }
    }
}
