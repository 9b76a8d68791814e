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
    /// The sparse matrix layer refused an operation; the cause is its own
    /// error (also [`Error`]'s [`source`](std::error::Error::source)).
    Sparse(dklearn_sparse::Error),
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
        Error::new(ErrorKind::Sparse(e))
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
            ErrorKind::Sparse(e) => write!(f, "{e}"),
            ErrorKind::Other(msg) => write!(f, "{msg}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ErrorKind::Sparse(e) => Some(e),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dklearn_sparse::CsrMatrix;

    #[test]
    fn a_sparse_error_stays_a_sparse_error() {
        use std::error::Error as _;
        let sparse = CsrMatrix::try_from_csr(1, 2, vec![0, 1], vec![1], vec![1.0, 2.0])
            .expect_err("1 index, 2 values");
        let e = Error::from(sparse.clone());
        assert_eq!(e.kind(), &ErrorKind::Sparse(sparse.clone()));
        assert_eq!(e.to_string(), sparse.to_string());
        let cause = e
            .source()
            .and_then(|s| s.downcast_ref::<dklearn_sparse::Error>());
        assert_eq!(cause, Some(&sparse));
        assert_eq!(
            cause.map(dklearn_sparse::Error::kind),
            Some(&dklearn_sparse::ErrorKind::LengthMismatch {
                indices: 1,
                data: 2
            })
        );
        // Kinds with no underlying error have no source.
        assert!(Error::new(ErrorKind::NotFitted("SGDClassifier"))
            .source()
            .is_none());
    }
}
