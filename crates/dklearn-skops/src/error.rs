//! The error type of `dklearn-skops`.

use std::fmt;
use std::path::{Path, PathBuf};

/// What went wrong saving or loading a skops file.
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Reading or writing the file.
    Io(std::io::Error),
    /// The zip container is damaged (truncated, bad checksum, missing member).
    Zip(zip::result::ZipError),
    /// `schema.json` is not JSON.
    Json(serde_json::Error),
    /// The file is not a skops file dklearn can read: a malformed node, an
    /// untrusted or unknown type, a missing array, a wrong dtype or shape,
    /// NaN in the weights. The message says where (`steps[1][1].coef_`).
    Format(String),
    /// A scikit-learn parameter (or attribute) whose value dklearn does not
    /// implement, e.g. `class_weight='balanced'` or a custom `tokenizer`.
    Unsupported {
        /// The parameter's scikit-learn name.
        param: String,
        /// Which value, and why.
        message: String,
    },
    /// The state read is refused by the estimator (its checks failed), or
    /// the estimator failed to predict.
    Estimator(dklearn_estimators::Error),
    /// The vectorizer's parameters were refused.
    Text(dklearn_text::Error),
}

/// An error of `dklearn-skops`, naming the file when there is one.
#[derive(Debug)]
pub struct Error {
    file: Option<PathBuf>,
    kind: ErrorKind,
}

impl Error {
    /// An error of this kind (no file yet).
    pub fn new(kind: ErrorKind) -> Self {
        Error { file: None, kind }
    }

    pub(crate) fn format(msg: impl Into<String>) -> Self {
        Error::new(ErrorKind::Format(msg.into()))
    }

    pub(crate) fn unsupported(param: impl Into<String>, message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Unsupported {
            param: param.into(),
            message: message.into(),
        })
    }

    /// The same error, naming `path`.
    pub(crate) fn in_file(mut self, path: &Path) -> Self {
        self.file = Some(path.to_path_buf());
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// The file concerned, when known.
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = &self.file {
            write!(f, "{}: ", p.display())?;
        }
        match &self.kind {
            ErrorKind::Io(e) => write!(f, "{e}"),
            ErrorKind::Zip(e) => write!(f, "not a readable skops (zip) file: {e}"),
            ErrorKind::Json(e) => write!(f, "schema.json is not valid JSON: {e}"),
            ErrorKind::Format(m) => f.write_str(m),
            ErrorKind::Unsupported { param, message } => {
                write!(f, "unsupported parameter {param}: {message}")
            }
            ErrorKind::Estimator(e) => write!(f, "{e}"),
            ErrorKind::Text(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ErrorKind::Io(e) => Some(e),
            ErrorKind::Zip(e) => Some(e),
            ErrorKind::Json(e) => Some(e),
            ErrorKind::Estimator(e) => Some(e),
            ErrorKind::Text(e) => Some(e),
            _ => None,
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::new(ErrorKind::Io(e))
    }
}

impl From<zip::result::ZipError> for Error {
    fn from(e: zip::result::ZipError) -> Self {
        Error::new(ErrorKind::Zip(e))
    }
}

impl From<dklearn_estimators::Error> for Error {
    fn from(e: dklearn_estimators::Error) -> Self {
        Error::new(ErrorKind::Estimator(e))
    }
}

impl From<dklearn_text::Error> for Error {
    fn from(e: dklearn_text::Error) -> Self {
        Error::new(ErrorKind::Text(e))
    }
}
