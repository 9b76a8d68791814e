//! dklearn: data-parallel machine learning as lazy, pure task graphs.
//!
//! This facade re-exports the public API of the workspace crates.
#![deny(missing_docs)]

pub use dklearn_estimators as estimators;
pub use dklearn_executor as executor;
pub use dklearn_graph as graph;
pub use dklearn_sparse as sparse;
pub use dklearn_text as text;
