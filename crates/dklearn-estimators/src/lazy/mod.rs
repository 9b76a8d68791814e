//! The dask-learn layer: estimators as lazy, pure task graphs.
//!
//! - [`Matrix`] is dask-learn's `dm.from_bag`: a tall-skinny matrix of chunks
//!   aligned with a [`Bag`](dklearn_graph::Bag)'s partitions.
//! - [`train_test_split`] splits every partition with its own seeded generator.
//! - [`Chained`] fits by calling `partial_fit` on each chunk in order, each
//!   step a task depending on the previous one.
//! - [`Averaged`] fits one model per chunk in parallel and averages `coef_`
//!   and `intercept_`.
//! - [`Pipeline`] applies a stateless transformer chunk by chunk and then a
//!   wrapped estimator. Fitting never mutates: `fit` returns a new value
//!   holding its graph. Equal work has equal keys, so two pipelines that
//!   vectorize the same chunks share those tasks when computed together.

mod averaged;
mod chained;
mod matrix;
mod pipeline;
mod search;
mod split;

pub use averaged::{Averaged, AveragedFit};
pub use chained::Chained;
pub use matrix::Matrix;
pub use pipeline::{
    predict_chunks, score_chunks, transform_chunks, ChunkFitTransformer, ChunkStats,
    ChunkTransform, ChunkTransformer, FitParams, FittedPipeline, FittedTransform, LazyEstimator,
    Pipeline,
};
pub use search::{
    mean_std, numpy_sum, BestEstimator, CvResults, FirstStep, GridSearchCV, Passthrough, Plain,
    RandomizedSearchCV, RowData, Scoring, SearchCV, SearchGraph, SearchResults, SearchSpace,
};
pub use split::{train_mask, train_test_split, TrainTestSplit};

use crate::error::Error;
use dklearn_graph::TaskError;

/// An estimator error as a task failure (the scheduler adds the task's key).
pub(crate) fn task_err(e: Error) -> TaskError {
    TaskError::new(e.to_string())
}
