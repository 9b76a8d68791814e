//! CSR matrices of `f64` and the few kernels linear estimators need.
//!
//! [`CsrMatrix`] wraps a [`sprs::CsMat`] in CSR order and keeps one invariant the
//! rest of dklearn relies on: **within every row, column indices are strictly
//! increasing and below `n_cols`** (sprs checks this on construction). On top of
//! sprs it adds what estimators ask for, each with a clear error when shapes do
//! not fit: row building ([`CsrBuilder`]), [`vstack`], row selection by mask or
//! index list, per-row l1/l2 normalisation, `X w` and `Xᵀ v`, and column
//! compaction (solving on the columns a chunk actually touches).
//!
//! ```
//! use dklearn_sparse::{CsrBuilder, Norm};
//!
//! let mut b = CsrBuilder::new(4);
//! b.push_row(&[3, 0], &[4.0, 3.0])?; // unsorted input is fine
//! b.push_row(&[], &[])?;             // an empty row
//! let mut x = b.finish();
//! x.normalize(Norm::L2);
//! assert_eq!(x.row(0), (&[0, 3][..], &[0.6, 0.8][..]));
//! assert_eq!(x.dot(&[1.0, 0.0, 0.0, 1.0])?, vec![1.4, 0.0]);
//! # Ok::<(), dklearn_sparse::Error>(())
//! ```
#![deny(missing_docs)]

mod codec;
mod csr;
mod error;

pub use csr::{vstack, CsrBuilder, CsrMatrix, Norm};
pub use error::{Error, ErrorKind};
pub use sprs::CsMat;
