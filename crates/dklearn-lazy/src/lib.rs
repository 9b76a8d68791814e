//! # dklearn-lazy
//!
//! The dask-learn layer: estimators as lazy, pure task graphs. Nothing here
//! runs anything; every function builds a graph that a
//! [`Scheduler`](dklearn_graph::Scheduler) computes.
//!
//! - [`Matrix`] is dask-learn's `dm.from_bag`: a tall-skinny matrix of chunks
//!   aligned with a [`Bag`](dklearn_graph::Bag)'s partitions.
//! - [`train_test_split`] splits every partition with its own seeded generator.
//! - [`Chained`] fits by calling `partial_fit` on each chunk in order, each
//!   step a task depending on the previous one.
//! - [`Averaged`] fits one model per chunk in parallel and averages `coef_`
//!   and `intercept_`.
//! - [`Pipeline`] applies a stateless [`ChunkTransformer`] chunk by chunk and
//!   then a [`LazyEstimator`]. Fitting never mutates: `fit` returns a new value
//!   holding its graph. Equal work has equal keys, so two pipelines that
//!   vectorize the same chunks share those tasks when computed together.
//!
//! - [`GridSearchCV`] and [`RandomizedSearchCV`] search a pipeline's
//!   parameters with cross-validation as one graph in which every
//!   (prefix parameters, fold) is one task, so candidates share the work they
//!   have in common (see the `search` module docs).
//!
//! The vocabulary every module shares ([`LazyEstimator`], [`FitParams`],
//! [`ChunkTransformer`]) lives here at the root; the modules import it from
//! here and never from each other's files.
#![deny(missing_docs)]

mod averaged;
mod chained;
mod codecs;
mod error;
mod matrix;
mod pipeline;
mod search;
mod set_param;
mod split;

pub use averaged::{Averaged, AveragedFit};
pub use chained::Chained;
pub use codecs::{codecs, install_codecs};
pub use error::{Error, ErrorKind};
pub use matrix::Matrix;
pub use pipeline::{
    predict_chunks, predict_proba_chunks, score_chunks, transform_chunks, ChunkFitTransformer,
    ChunkStats, ChunkTransform, FittedPipeline, FittedTransform, Pipeline,
};
pub use search::{
    mean_std, BestEstimator, CvResults, FirstStep, GridSearchCV, Passthrough, Plain,
    RandomizedSearchCV, Response, RowData, Scoring, SearchCV, SearchGraph, SearchResults,
    SearchSpace,
};
pub use set_param::SetParam;
pub use split::{train_mask, train_test_split, TrainTestSplit};

use dklearn_estimators::{Predict, ResponseMethods};
use dklearn_graph::{Delayed, TaskError};
use dklearn_sparse::CsrMatrix;
use dklearn_text::HashingVectorizer;
use std::fmt;

/// A wrapper that fits an estimator over the chunks of a [`Matrix`] as a
/// graph ([`Chained`], [`Averaged`]).
pub trait LazyEstimator<L>: Clone + fmt::Debug + Send + Sync + 'static {
    /// What fitting produces: a model that predicts (and says which of
    /// `decision_function` / `predict_proba` it has, for the scorers).
    type Model: Predict<L> + ResponseMethods<L> + Clone + fmt::Debug + Send + Sync + 'static;

    /// The optional prediction methods the fitted model will have, asked of
    /// the unfitted estimator (they depend on its parameters only): a search
    /// checks its scoring against them before anything runs.
    fn response_methods(&self) -> &dyn ResponseMethods<L>;

    /// The lazy fit over aligned feature and label chunks.
    fn fit_lazy(
        &self,
        x: &Matrix<CsrMatrix>,
        y: &Matrix<Vec<L>>,
        params: &FitParams<L>,
    ) -> Result<Delayed<Self::Model>, Error>;
}

/// Fit parameters routed to the final step (scikit-learn's `sgd__classes=[0, 1]`).
#[derive(Debug, Clone, PartialEq)]
pub struct FitParams<L> {
    /// Every class, given up front (otherwise found by a pass over `y` where
    /// the estimator needs them).
    pub classes: Option<Vec<L>>,
}

impl<L> Default for FitParams<L> {
    fn default() -> Self {
        FitParams { classes: None }
    }
}

impl<L> FitParams<L> {
    /// No parameters.
    pub fn new() -> Self {
        Self::default()
    }

    /// Gives the classes up front.
    pub fn classes(mut self, classes: Vec<L>) -> Self {
        self.classes = Some(classes);
        self
    }
}

/// What a pipeline's transformer must be: a pure function of a chunk of
/// samples to a feature chunk, whose `Debug` repr names every parameter (it
/// goes into task keys, so equal transformers on equal chunks are one task).
///
/// [`HashingVectorizer`] implements it on chunks of anything that is
/// `AsRef<str>`.
pub trait ChunkTransformer<T>: Clone + fmt::Debug + Send + Sync + 'static {
    /// Transforms one chunk of samples into one feature chunk.
    fn transform_chunk(&self, chunk: &[T]) -> Result<CsrMatrix, TaskError>;
}

impl<S: AsRef<str>> ChunkTransformer<S> for HashingVectorizer {
    fn transform_chunk(&self, docs: &[S]) -> Result<CsrMatrix, TaskError> {
        Ok(self.transform(docs))
    }
}

/// What identifies an estimator or transformer in a key: its type (with the
/// label type: `SGDClassifier<i8>` and `SGDClassifier<i64>` are different
/// work) and its repr, which names every parameter that differs from its
/// default (so equal reprs of one type are equal parameters).
///
/// Not a `Tokenize` bound: the estimators crate stays free of the graph
/// crate (one layer per crate), so it cannot implement the graph's trait, and
/// this crate may not implement a foreign trait for a foreign type.
pub(crate) fn identity<E: fmt::Debug>(e: &E) -> (&'static str, String) {
    (std::any::type_name::<E>(), format!("{e:?}"))
}

/// `sgdclassifier` from `SGDClassifier(alpha=...)`: the task name of an
/// estimator literal.
pub(crate) fn estimator_name(repr: &str) -> String {
    let name: String = repr
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    if name.is_empty() {
        "estimator".into()
    } else {
        name.to_ascii_lowercase()
    }
}

/// An estimator error as a task failure (the scheduler adds the task's key);
/// the estimator's error stays reachable as the source.
pub(crate) fn task_err(e: dklearn_estimators::Error) -> TaskError {
    TaskError::from_error(e)
}
