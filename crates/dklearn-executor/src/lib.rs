//! dklearn-executor (see the crate description).
#![deny(missing_docs)]

mod error;
mod threaded;

pub use crate::error::{Error, ErrorKind};
pub use crate::threaded::Threaded;
