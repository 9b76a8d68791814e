//! # dklearn-cluster
//!
//! Runs [`dklearn_graph`] task graphs on several processes, on one host or
//! many, over [timely-dataflow](https://docs.rs/timely)'s communication
//! layer, with the same results, bit for bit, as the threaded scheduler.
//!
//! **SPMD, like timely itself**: every process runs the same program,
//! builds the same graph (keys are deterministic, so every process agrees on
//! it without shipping closures) and calls `compute` with a [`Cluster`]
//! scheduler built from timely's own flags ([`Config::from_args`]:
//! `-w/--threads`, `-n/--processes`, `-p/--process`, `-h/--hostfile`).
//!
//! - **Placement** is deterministic from the graph alone: leaves (chunks) in
//!   contiguous ranges per process, in priority (chunk) order, so a chain
//!   over the chunks crosses processes at most P−1 times; every other task
//!   runs where most of its input is, by a static size estimate.
//! - **What crosses**: a value goes to another process only when a task
//!   there reads it or it was requested (requested values are returned on
//!   every process), encoded by the shared values-as-bytes layer
//!   ([`dklearn_graph::Codecs`], by default [`Codecs::global`](dklearn_graph::Codecs::global)).
//!   **Checked before anything runs**: after placement, every value that
//!   will cross and whose task records its type (every task of the typed
//!   APIs does: [`Task::output_type`](dklearn_graph::Task::output_type))
//!   must have an encoding, or `compute` fails on every process with
//!   [`ErrorKind::NoEncoding`](dklearn_graph::ErrorKind::NoEncoding), naming
//!   the key and the type, before any task runs. A task built from a bare
//!   function records no type; its value is checked when it is sent (the
//!   task fails, naming its key).
//! - **Failure is loud**: a failing task fails `compute` on every process
//!   with its key; a lost process fails every other with an error naming it
//!   (connection closed: at once; silent host: after the heartbeat timeout);
//!   connecting, handshakes and shutdown are bounded in time.
//! - [`Cluster::last_report`] gives the bytes each task's value sent.
//! - [`Cluster::memory_limit`] keeps each process's held values under a
//!   limit by spilling to disk, as the threaded scheduler does.
//! - [`local`]: a command's cluster flags ([`local::Mode::from_flags`]:
//!   `--processes N`, `--hostfile FILE --process I`) and a local cluster of
//!   N copies of the program on free loopback ports ([`local::launch`]),
//!   children always killed, every wait bounded.
#![deny(missing_docs)]

mod config;
pub mod local;
mod net;
mod plan;
mod run;

pub use crate::config::{
    read_hostfile, Config, ConfigError, DEFAULT_CONNECT_TIMEOUT, DEFAULT_HEARTBEAT_TIMEOUT,
};
pub use crate::plan::placement;
pub use crate::run::{Cluster, ProcessSummary, RunReport, SentValue};
