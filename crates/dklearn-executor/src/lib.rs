//! # dklearn-executor
//!
//! Runs [`dklearn_graph`] task graphs on threads, and observes the runs, in
//! the spirit of dask's threaded scheduler and `dask.diagnostics`.
//!
//! - [`Threaded`] implements [`dklearn_graph::Scheduler`]: N workers with
//!   work-stealing deques, depth-first priorities, intermediates released as
//!   soon as their last reader has run, and the first failing or panicking
//!   task reported with its key.
//! - Observers, all [`dklearn_graph::Callback`]s: [`ProgressBar`] (one
//!   terminal line), [`Profiler`] (per-task start, end and worker),
//!   [`ResourceProfiler`] (process CPU % and memory, sampled in a background
//!   thread), and [`visualize`], which draws profiles as one self-contained
//!   HTML page.
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//! use dklearn_executor::{visualize, Profiler, ProgressBar, ResourceProfiler, Threaded};
//! use dklearn_graph::{Graph, Key, Scheduler, Task, Value};
//!
//! let mut g = Graph::new();
//! g.insert(Key::from_string("a"), Task::literal(Arc::new(20u64)));
//! g.insert(Key::from_string("b"), Task::new(vec![Key::from_string("a")], |v: &[Value]| {
//!     Ok(Arc::new(v[0].downcast_ref::<u64>().ok_or("a is not a u64")? * 2) as Value)
//! }));
//! let (prof, rprof, bar) = (Profiler::new(), ResourceProfiler::new(Duration::from_millis(50)), ProgressBar::new());
//! let out = Threaded::new(2).get(&g, &[Key::from_string("b")], &[&prof, &rprof, &bar])?;
//! assert_eq!(out[0].downcast_ref::<u64>(), Some(&40));
//! assert_eq!(prof.results().len(), 2);
//! let page = std::env::temp_dir().join("dklearn-executor-doc.html");
//! visualize(&[(&prof).into(), (&rprof).into()], &page)?;
//! # std::fs::remove_file(page).ok();
//! # Ok::<(), dklearn_executor::Error>(())
//! ```
//!
//! This crate depends only on `dklearn-graph`; it reads `/proc/self` for
//! resource figures and writes files only in [`visualize`].
#![deny(missing_docs)]

mod error;
mod profiler;
mod progress;
mod render;
mod resource;
mod spill;
mod threaded;
mod visualize;

pub use crate::error::{Error, ErrorKind};
pub use crate::profiler::{Profiler, SpillRecord, TaskRecord};
pub use crate::progress::ProgressBar;
pub use crate::render::{to_dot, to_html, to_svg};
pub use crate::resource::{
    current_rss_bytes, keep_freed_memory, peak_rss_bytes, process_cpu_time, single_malloc_arena,
    ResourceProfiler, ResourceSample,
};
pub use crate::spill::{
    default_base as default_spill_base, Accounts as SpillAccounts, DiskFiles, SpillDir, SpillFiles,
};
pub use crate::threaded::Threaded;
pub use crate::visualize::{render_html, visualize, Profile};
