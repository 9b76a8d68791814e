//! Linear estimators with scikit-learn parity, over `dklearn-sparse` CSR input,
//! and (later) the lazy dask-learn layer (Chained, Averaged, Pipeline).
#![deny(missing_docs)]

mod error;
mod labels;
mod lazy;
mod liblinear;
mod logistic;
pub mod metrics;
pub mod model_selection;
mod mt19937;
mod naive_bayes;
mod params;
mod passive_aggressive;
mod perceptron;
mod sgd;
mod sgd_core;
mod sgd_fast;
mod text;
mod tfidf;
mod traits;
mod tron;

pub use error::{Error, ErrorKind};
pub use labels::{unique_labels, LabelEncoder};
pub use lazy::{
    mean_std, numpy_sum, predict_chunks, score_chunks, train_mask, train_test_split,
    transform_chunks, Averaged, AveragedFit, BestEstimator, Chained, ChunkFitTransformer,
    ChunkStats, ChunkTransform, ChunkTransformer, CvResults, FirstStep, FitParams, FittedPipeline,
    FittedTransform, GridSearchCV, LazyEstimator, Matrix, Passthrough, Pipeline, Plain,
    RandomizedSearchCV, RowData, Scoring, SearchCV, SearchGraph, SearchResults, SearchSpace,
    TrainTestSplit,
};
pub use logistic::{LogisticRegression, LogisticRegressionParams};
pub use mt19937::Mt19937;
pub use naive_bayes::{MultinomialNB, MultinomialNBParams};
pub use params::{Average, LearningRate, Loss, Penalty};
pub use passive_aggressive::{PassiveAggressiveClassifier, PassiveAggressiveParams};
pub use perceptron::{Perceptron, PerceptronParams};
pub use sgd::{SGDClassifier, SgdClassifierParams};
pub use tfidf::{DocumentFrequency, TfidfParams, TfidfTransformer};
pub use traits::{DecisionFunction, Fit, LinearClassifier, PartialFit, Predict, Score, Transform};
