//! The estimator vocabulary, in scikit-learn's words.
//!
//! Estimators are plain values: `Clone`, built from checked parameters, with
//! their fitted state readable. Input is a [`CsrMatrix`] of samples × features
//! and a slice of labels of any `Ord + Clone` type.

use crate::error::Error;
use dklearn_sparse::CsrMatrix;
use ndarray::Array2;

/// Fits on a whole data set, replacing any previous fit.
pub trait Fit<L> {
    /// Learns from `x` (samples × features) and labels `y`.
    fn fit(&mut self, x: &CsrMatrix, y: &[L]) -> Result<(), Error>;
}

/// Learns incrementally, one chunk at a time (scikit-learn's `partial_fit`).
pub trait PartialFit<L> {
    /// One more chunk. `classes` must be given on the first call unless `y`
    /// already holds every class; later calls may repeat it (it must not change).
    fn partial_fit(&mut self, x: &CsrMatrix, y: &[L], classes: Option<&[L]>) -> Result<(), Error>;
}

/// Predicts a label per sample.
pub trait Predict<L> {
    /// One label per row of `x`.
    fn predict(&self, x: &CsrMatrix) -> Result<Vec<L>, Error>;
}

/// Confidence scores per sample (signed distance to the hyperplane).
pub trait DecisionFunction {
    /// `n_samples × 1` for two classes (positive means `classes_[1]`), else
    /// `n_samples × n_classes`.
    fn decision_function(&self, x: &CsrMatrix) -> Result<Array2<f64>, Error>;
}

/// Class probabilities per sample (where the estimator defines them).
pub trait PredictProba {
    /// `n_samples × n_classes`, columns in `classes_` order, rows summing to 1.
    fn predict_proba(&self, x: &CsrMatrix) -> Result<Array2<f64>, Error>;
}

/// Mean accuracy on given data, as scikit-learn's `ClassifierMixin.score`.
pub trait Score<L: PartialEq>: Predict<L> {
    /// Fraction of rows of `x` whose prediction equals `y`.
    fn score(&self, x: &CsrMatrix, y: &[L]) -> Result<f64, Error> {
        let pred = self.predict(x)?;
        crate::metrics::accuracy_score(y, &pred)
    }
}

/// Transforms samples into features (stateless transformers such as the
/// HashingVectorizer implement it on their input type).
pub trait Transform<In: ?Sized> {
    /// The transformed output.
    type Output;
    /// Transforms `input`.
    fn transform(&self, input: &In) -> Result<Self::Output, Error>;
}

/// A fitted linear classifier's state, which `dklearn_lazy::Averaged` averages
/// across chunk fits: `coef_` (`1 × n_features` for two classes, else
/// `n_classes × n_features`), `intercept_` and `classes_`.
pub trait LinearClassifier<L>: Clone {
    /// The weights, `None` before fitting.
    fn coef_(&self) -> Option<&Array2<f64>>;
    /// The intercepts (one per row of `coef`), `None` before fitting.
    fn intercept_(&self) -> Option<&[f64]>;
    /// The sorted classes seen in fitting, `None` before fitting.
    fn classes_(&self) -> Option<&[L]>;
    /// A copy of this (unfitted or fitted) estimator with the given fitted state,
    /// predicting as if it had learned it.
    fn with_coef(
        &self,
        coef: Array2<f64>,
        intercept: Vec<f64>,
        classes: Vec<L>,
    ) -> Result<Self, Error>;
}

/// The optional prediction methods of an estimator, asked at run time:
/// scikit-learn's `hasattr(estimator, "decision_function")` and
/// `hasattr(estimator, "predict_proba")`, which a scorer such as `roc_auc`
/// or `neg_log_loss` consults to pick what it scores.
///
/// [`DecisionFunction`] and [`PredictProba`] are separate traits, which a
/// caller generic over the estimator cannot ask about; this one bound
/// answers for every estimator. The answers depend on the parameters only
/// (`SGDClassifier` has `predict_proba` only with `loss='log_loss'` or
/// `'modified_huber'`), so they are the same before and after fitting: a
/// search asks the unfitted estimator before anything runs.
///
/// Every method has a default (no such method), so a new estimator opts in
/// with an empty `impl` and adds what it serves.
pub trait ResponseMethods<L> {
    /// Whether `decision_function` exists for these parameters.
    fn has_decision_function(&self) -> bool {
        false
    }
    /// Whether `predict_proba` exists for these parameters.
    fn has_predict_proba(&self) -> bool {
        false
    }
    /// `decision_function(x)` ([`DecisionFunction`]), or an error when the
    /// estimator has none.
    fn decision_values(&self, x: &CsrMatrix) -> Result<Array2<f64>, Error> {
        let _ = x;
        Err(no_method("decision_function"))
    }
    /// `predict_proba(x)` ([`PredictProba`]), or an error when the estimator
    /// has none.
    fn proba_values(&self, x: &CsrMatrix) -> Result<Array2<f64>, Error> {
        let _ = x;
        Err(no_method("predict_proba"))
    }
    /// The sorted classes seen in fitting (the columns of `predict_proba`),
    /// `None` before fitting or for an estimator that does not say.
    fn fitted_classes(&self) -> Option<&[L]> {
        None
    }
}

fn no_method(name: &str) -> Error {
    Error::new(crate::error::ErrorKind::Other(format!(
        "this estimator has no {name}"
    )))
}
