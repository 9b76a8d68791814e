use std::fmt;
use std::path::PathBuf;

/// What went wrong while reading or vectorizing text.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A vectorizer parameter outside its domain (checked when it is built).
    InvalidParameter {
        /// The parameter's scikit-learn name, e.g. `"n_features"`.
        name: &'static str,
        /// Why the value is rejected.
        reason: String,
    },
    /// An I/O error on a file.
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's message.
        message: String,
    },
    /// Input that does not parse, at a file and line.
    Malformed {
        /// The source (file name or a caller-given label).
        source: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong there.
        message: String,
    },
    /// An error of the sparse matrix layer.
    Sparse(String),
}

/// The error type of `dklearn-text`.
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

    pub(crate) fn invalid_parameter(name: &'static str, reason: impl Into<String>) -> Self {
        Error::new(ErrorKind::InvalidParameter {
            name,
            reason: reason.into(),
        })
    }
}

impl From<dklearn_sparse::Error> for Error {
    fn from(e: dklearn_sparse::Error) -> Self {
        Error::new(ErrorKind::Sparse(e.to_string()))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::InvalidParameter { name, reason } => {
                write!(f, "invalid parameter {name}: {reason}")
            }
            ErrorKind::Io { path, message } => write!(f, "{}: {message}", path.display()),
            ErrorKind::Malformed {
                source,
                line,
                message,
            } => write!(f, "{source}:{line}: {message}"),
            ErrorKind::Sparse(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for Error {}
