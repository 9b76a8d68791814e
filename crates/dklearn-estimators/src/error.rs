use std::fmt;

/// What went wrong when building, fitting or using an estimator.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A hyper-parameter outside its domain (checked when the estimator is built).
    InvalidParameter {
        /// The parameter's scikit-learn name, e.g. `"alpha"`.
        name: &'static str,
        /// Why the value is rejected.
        reason: String,
    },
    /// The input has no rows (or no columns) where some are needed.
    EmptyInput(&'static str),
    /// `X` and `y` disagree in length.
    LengthMismatch {
        /// Rows of `X`.
        n_samples: usize,
        /// Entries of `y`.
        n_labels: usize,
    },
    /// `X` has a different number of features than the fitted model.
    FeatureMismatch {
        /// Features the model was fitted with.
        expected: usize,
        /// Features of the given `X`.
        found: usize,
    },
    /// NaN or infinity in the input.
    NonFinite(&'static str),
    /// Fewer than two classes to learn from (without `classes` given up front).
    SingleClass(String),
    /// A label that is not among `classes`.
    UnknownLabel(String),
    /// `classes` changed between `partial_fit` calls, or is missing on the first.
    Classes(String),
    /// The estimator has not been fitted yet.
    NotFitted(&'static str),
    /// Negative values where counts are required (MultinomialNB).
    NegativeValues(&'static str),
    /// Anything else, with a message.
    Other(String),
}

/// The error type of `dklearn-estimators`.
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
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error { kind }
    }
}

impl From<dklearn_sparse::Error> for Error {
    fn from(e: dklearn_sparse::Error) -> Self {
        Error::new(ErrorKind::Other(e.to_string()))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::InvalidParameter { name, reason } => {
                write!(f, "invalid parameter {name}: {reason}")
            }
            ErrorKind::EmptyInput(what) => write!(f, "{what}: empty input (0 samples)"),
            ErrorKind::LengthMismatch {
                n_samples,
                n_labels,
            } => write!(
                f,
                "X has {n_samples} samples but y has {n_labels} labels: they must be equal"
            ),
            ErrorKind::FeatureMismatch { expected, found } => write!(
                f,
                "X has {found} features, but the estimator is expecting {expected} features as input"
            ),
            ErrorKind::NonFinite(what) => {
                write!(f, "{what}: input contains NaN or infinity")
            }
            ErrorKind::SingleClass(msg) => write!(f, "{msg}"),
            ErrorKind::UnknownLabel(msg) => write!(f, "{msg}"),
            ErrorKind::Classes(msg) => write!(f, "{msg}"),
            ErrorKind::NotFitted(what) => write!(
                f,
                "this {what} instance is not fitted yet: call fit or partial_fit first"
            ),
            ErrorKind::NegativeValues(what) => {
                write!(f, "negative values in data passed to {what}")
            }
            ErrorKind::Other(msg) => write!(f, "{msg}"),
        }
    }
}

impl std::error::Error for Error {}
