//! Issue 12: a callback panicking in `start` (after a `ProgressBar` and a
//! `ResourceProfiler` started) or in `finish` let the panic escape `compute`,
//! and the bar kept drawing and the profiler kept sampling afterwards. Now
//! `start`/`finish` are guarded like tasks: `compute` returns an error naming
//! the hook, and every observer thread has stopped when it returns.
//!
//! One test in this file: it counts the process's observer threads, which
//! another test running alongside could start.

use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dklearn_executor::{ProgressBar, ResourceProfiler, Threaded};
use dklearn_graph::{Callback, Delayed, Graph, Key, Scheduler, Sequential};

/// Panics in the hook it is given.
struct Bad(&'static str);

impl Callback for Bad {
    fn start(&self, _graph: &Graph, _keys: &[Key]) {
        assert_ne!(self.0, "start", "bad callback: start");
    }
    fn pretask(&self, _key: &Key, _worker: usize) {
        assert_ne!(self.0, "pretask", "bad callback: pretask");
    }
    fn finish(&self, _ok: bool) {
        assert_ne!(self.0, "finish", "bad callback: finish");
    }
}

#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("sink").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Threads of this process whose name starts with `dklearn-` and is an
/// observer's (`dklearn-progress-bar`, `dklearn-resource-profiler`, cut to
/// 15 bytes by the kernel).
fn observer_threads() -> Vec<String> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir("/proc/self/task").expect("/proc/self/task") {
        let comm = entry.expect("task").path().join("comm");
        if let Ok(name) = std::fs::read_to_string(comm) {
            let name = name.trim().to_string();
            if name.starts_with("dklearn-progres") || name.starts_with("dklearn-resourc") {
                names.push(name);
            }
        }
    }
    names
}

fn check(scheduler: &dyn Scheduler, hook: &'static str) {
    let d = Delayed::value("x", 1i64).map("inc", |v| v + 1);
    let bar = ProgressBar::to_writer(Sink::default()).interval(Duration::from_millis(10));
    let profiler = ResourceProfiler::new(Duration::from_millis(10));
    let bad = Bad(hook);
    // The bad callback after the observers for `start`, before them for
    // `finish`: either way the observers have started and must be stopped.
    let callbacks: [&dyn Callback; 3] = if hook == "finish" {
        [&bad, &bar, &profiler]
    } else {
        [&bar, &profiler, &bad]
    };
    let result = catch_unwind(AssertUnwindSafe(|| d.compute_shared(scheduler, &callbacks)));
    let e = match result {
        Ok(Err(e)) => e.to_string(),
        Ok(Ok(_)) => panic!("{hook}: a panicking callback must fail the compute"),
        Err(_) => panic!("{hook}: the callback's panic escaped compute"),
    };
    assert!(e.contains(&format!("bad callback: {hook}")), "{hook}: {e}");
    assert_eq!(
        observer_threads(),
        Vec::<String>::new(),
        "{hook}: observers left running"
    );
}

#[test]
fn panicking_callbacks_fail_the_compute_and_stop_the_observers() {
    for hook in ["start", "pretask", "finish"] {
        check(&Sequential, hook);
        check(&Threaded::new(2), hook);
    }
}
