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
