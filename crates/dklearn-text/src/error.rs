use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

/// What went wrong while reading or vectorizing text.
///
/// Kinds compare I/O errors by their [`std::io::ErrorKind`] and message.
#[derive(Debug, Clone)]
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
        /// The file (or the caller-given label of a reader).
        path: PathBuf,
        /// The operating system's error (also [`Error`]'s
        /// [`source`](std::error::Error::source)).
        source: Arc<std::io::Error>,
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
}

impl PartialEq for ErrorKind {
    fn eq(&self, other: &ErrorKind) -> bool {
        use ErrorKind::*;
        match (self, other) {
            (InvalidParameter { name, reason }, InvalidParameter { name: n, reason: r }) => {
                name == n && reason == r
            }
            (Io { path, source }, Io { path: p, source: s }) => {
                path == p && source.kind() == s.kind() && source.to_string() == s.to_string()
            }
            (
                Malformed {
                    source,
                    line,
                    message,
                },
                Malformed {
                    source: s,
                    line: l,
                    message: m,
                },
            ) => source == s && line == l && message == m,
            _ => false,
        }
    }
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

    /// An I/O failure on `path`.
    pub(crate) fn io(path: impl Into<PathBuf>, err: std::io::Error) -> Self {
        Error::new(ErrorKind::Io {
            path: path.into(),
            source: Arc::new(err),
        })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::InvalidParameter { name, reason } => {
                write!(f, "invalid parameter {name}: {reason}")
            }
            ErrorKind::Io { path, source } => write!(f, "{}: {source}", path.display()),
            ErrorKind::Malformed {
                source,
                line,
                message,
            } => write!(f, "{source}:{line}: {message}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ErrorKind::Io { source, .. } => Some(&**source),
            ErrorKind::InvalidParameter { .. } | ErrorKind::Malformed { .. } => None,
        }
    }
}
