//! dklearn: data-parallel machine learning as lazy, pure task graphs.
//!
//! This facade re-exports the workspace: each crate as a module, and the
//! names a program needs at the root. The dask-learn blog post's program,
//! on a few documents:
//!
//! ```
//! use dklearn::{
//!     train_test_split, Averaged, Bag, Chained, Compute, FitParams, HashingVectorizer,
//!     LogisticRegression, Matrix, Pipeline, SGDClassifier, Threaded,
//! };
//!
//! // Two partitions of (text, label) documents.
//! let docs: Vec<(String, i8)> = (0..200)
//!     .map(|i| {
//!         let about_acq = i % 3 == 0;
//!         let text = if about_acq { "company acquires stake in bank" } else { "wheat crop exports rise" };
//!         (format!("{text} report number {i}"), i8::from(about_acq))
//!     })
//!     .collect();
//! let bag = Bag::from_sequence(docs, 2);
//! let x = bag.map("text", |d: &(String, i8)| d.0.clone());
//! let y = Matrix::from_bag(&bag.map("label", |d: &(String, i8)| d.1));
//! let split = train_test_split(&x, &y, 0.2, 0)?;
//!
//! let vect = HashingVectorizer::params().n_features(1 << 18).alternate_sign(false).build()?;
//! let sgd = SGDClassifier::params().random_state(Some(0)).build()?;
//! let lr = LogisticRegression::params().build()?;
//! let pipe1 = Pipeline::new(("vect", vect.clone()), ("sgd", Chained::new(sgd)));
//! let pipe2 = Pipeline::new(("vect", vect), ("logistic", Averaged::new(lr)));
//!
//! // Lazy: nothing has run yet.
//! let fit1 = pipe1.fit(&split.x_train, &split.y_train, FitParams::new().classes(vec![0, 1]))?;
//! let fit2 = pipe2.fit(&split.x_train, &split.y_train, FitParams::new())?;
//! let score1 = fit1.score(&split.x_test, &split.y_test)?;
//! let score2 = fit2.score(&split.x_test, &split.y_test)?;
//!
//! // One compute over the merged graph: the vectorized chunks are shared.
//! let (s1, s2) = (&score1, &score2).compute(&Threaded::new(2))?;
//! assert!(s1 > 0.9 && s2 > 0.9, "{s1} {s2}");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

pub use dklearn_codec as codec;
pub use dklearn_estimators as estimators;
pub use dklearn_executor as executor;
pub use dklearn_graph as graph;
pub use dklearn_lazy as lazy;
pub use dklearn_reuters as reuters;
pub use dklearn_sparse as sparse;
pub use dklearn_text as text;

pub use dklearn_estimators::{
    metrics, DecisionFunction, Fit, LogisticRegression, MultinomialNB, PartialFit,
    PassiveAggressiveClassifier, Perceptron, Predict, SGDClassifier, Score,
};
pub use dklearn_executor::{visualize, Profiler, ProgressBar, ResourceProfiler, Threaded};
pub use dklearn_graph::{compute_many, Bag, Codecs, Compute, Delayed, Scheduler, Sequential};
pub use dklearn_lazy::{
    codecs, install_codecs, train_test_split, Averaged, Chained, FitParams, FittedPipeline, Matrix,
    Pipeline,
};
pub use dklearn_sparse::{CsrMatrix, Norm};
pub use dklearn_text::{read_reuters_file, HashingVectorizer, ReutersDocument};
