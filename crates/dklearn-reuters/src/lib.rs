//! # dklearn-reuters
//!
//! The job this project reproduces, as a library that `cargo xtask`, the
//! benches, tests and a user's own program share: scikit-learn's out-of-core
//! example on Reuters-21578 written as dask-learn's blog post wrote it.
//!
//! - [`find_reuters`] / [`sgm_files`]: where the data is (an explicit
//!   directory, `$DKLEARN_DATA`, `../shared/data/reuters21578`,
//!   `./data/reuters21578`), with an error that lists every place looked at.
//! - [`JobConfig`] → [`build`] → [`Job`]: the two pipelines (Chained SGD and
//!   Averaged logistic regression) over one shared parse, split and vectorize,
//!   as one lazy graph; [`Job::compute`] runs it on any
//!   [`Scheduler`](dklearn_graph::Scheduler).
//! - [`documents`], [`split`], [`label`], [`vectorizer`], [`sgd`]: the pieces,
//!   for programs that build variations (the job streamed K times, stage
//!   timings).
//!
//! ```no_run
//! use dklearn_reuters::{build, find_reuters, JobConfig};
//! let dir = find_reuters(None, std::path::Path::new("."))?;
//! let job = build(&JobConfig::new(&dir, "acq", 0)?)?;
//! let scores = job.compute(&dklearn_graph::Sequential, &[])?;
//! println!("{:.4} {:.4}", scores.chained_sgd, scores.averaged_lr);
//! # Ok::<(), dklearn_reuters::Error>(())
//! ```
#![deny(missing_docs)]

mod data;
mod error;
mod job;

pub use data::{find_reuters, sgm_files};
pub use error::{Error, ErrorKind};
pub use job::{
    build, documents, documents_copies, fit_params, label, read_copy, sgd, split, time_stages,
    vectorizer, Job, JobConfig, JobResult,
};
