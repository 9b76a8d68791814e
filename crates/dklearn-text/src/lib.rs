//! dklearn-text (see the crate description).
#![deny(missing_docs)]
