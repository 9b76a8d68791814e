//! # dklearn-estimators
//!
//! Eager linear estimators with scikit-learn parity over `dklearn-sparse` CSR
//! input: the SGD family (`SGDClassifier`, `Perceptron`,
//! `PassiveAggressiveClassifier`), liblinear's `LogisticRegression`,
//! `MultinomialNB`, `TfidfTransformer`, metrics, labels, and model selection's
//! eager parts (cross-validation splitters, parameter grids and samplers). Depends on `dklearn-sparse` and
//! ndarray only: no graphs, no text. The lazy dask-learn layer (`Chained`,
//! `Averaged`, `Pipeline`) that runs these over chunks is `dklearn-lazy`.
#![deny(missing_docs)]

mod error;
mod labels;
mod liblinear;
mod logistic;
pub mod metrics;
pub mod model_selection;
mod mt19937;
mod naive_bayes;
mod numpy;
mod params;
mod passive_aggressive;
mod perceptron;
mod sgd;
mod sgd_core;
mod sgd_fast;
mod tfidf;
mod traits;
mod tron;

pub use error::{Error, ErrorKind};
pub use labels::{unique_labels, LabelEncoder};
pub use logistic::{LogisticRegression, LogisticRegressionParams};
pub use mt19937::Mt19937;
pub use naive_bayes::{MultinomialNB, MultinomialNBParams};
pub use numpy::pairwise_sum;
pub use params::{Average, LearningRate, Loss, Penalty};
pub use passive_aggressive::{PassiveAggressiveClassifier, PassiveAggressiveClassifierParams};
pub use perceptron::{Perceptron, PerceptronParams};
pub use sgd::{SGDClassifier, SGDClassifierParams};
pub use sgd_core::{SgdAverageState, SgdState};
pub use tfidf::{DocumentFrequency, TfidfTransformer, TfidfTransformerParams};
pub use traits::{
    DecisionFunction, Fit, LinearClassifier, PartialFit, Predict, PredictProba, ResponseMethods,
    Score, Transform,
};

/// The old spelling of [`SGDClassifierParams`].
#[deprecated(note = "renamed to SGDClassifierParams (every builder is `<Estimator>Params`)")]
pub type SgdClassifierParams<L> = SGDClassifierParams<L>;
/// The old spelling of [`PassiveAggressiveClassifierParams`].
#[deprecated(
    note = "renamed to PassiveAggressiveClassifierParams (every builder is `<Estimator>Params`)"
)]
pub type PassiveAggressiveParams<L> = PassiveAggressiveClassifierParams<L>;
