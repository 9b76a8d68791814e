//! # dklearn-graph
//!
//! The vocabulary of dklearn: lazy, pure task graphs in the style of dask.
//!
//! - A [`Key`] is `name-<token>`, where the [`Token`] is a deterministic
//!   128-bit hash ([`tokenize`]) of a function's name and its inputs, so the
//!   same work requested twice is one node, on every run and machine.
//! - A [`Task`] is a pure function of its dependencies' [`Value`]s; a
//!   [`Graph`] maps keys to tasks and can be merged, culled and ordered.
//! - A [`Scheduler`] runs a graph; [`Sequential`] is the reference. Other
//!   schedulers (threads, in `dklearn-executor`) implement the same trait and
//!   report progress through [`Callback`]s.
//!
//! This crate does no I/O and starts no threads; it is the vocabulary only
//! (pictures of a graph, `to_dot`/`to_svg`/`to_html`, are presentation and
//! live in `dklearn-executor` beside `visualize`).
#![deny(missing_docs)]

mod bag;
mod builder;
mod codecs;
mod delayed;
mod error;
mod graph;
mod key;
mod scheduler;
mod task;
mod token;

pub use crate::bag::Bag;
pub use crate::builder::GraphBuilder;
pub use crate::codecs::Codecs;
pub use crate::delayed::{
    compute_many, delayed, downcast_input, downcast_value, input_mut, merge_graphs, take_input,
    AnyDelayed, Compute, Data, Delayed, DelayedOutput,
};
pub use crate::error::{Error, ErrorKind};
pub use crate::graph::Graph;
pub use crate::key::Key;
pub use crate::scheduler::{
    finish_callbacks, start_callbacks, Callback, ClusterLayout, RemoteTask, Scheduler, Sequential,
    SpillEvent, SpillKind,
};
pub use crate::task::{ErrorSource, Task, TaskError, TaskFn, Value, ValueType};
pub use crate::token::{tokenize, FnId, Token, TokenHasher, Tokenize};
pub use dklearn_codec as codec;
