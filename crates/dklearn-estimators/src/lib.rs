//! dklearn-estimators (see the crate description).
#![deny(missing_docs)]
