//! `ProgressBar`: one redrawn terminal line (dask.diagnostics.ProgressBar).

use std::fmt;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use dklearn_graph::{Callback, Graph, Key};
use parking_lot::{Condvar, Mutex};

/// Where the bar goes.
enum Target {
    Stderr,
    Stdout,
    Writer(Box<dyn Write + Send>),
}

impl Target {
    fn is_terminal(&self) -> bool {
        match self {
            Target::Stderr => std::io::stderr().is_terminal(),
            Target::Stdout => std::io::stdout().is_terminal(),
            Target::Writer(_) => true,
        }
    }

    /// Writes and flushes; a progress bar that cannot be drawn is not an
    /// error worth stopping a computation for, so failures are ignored.
    fn write(&mut self, s: &str) {
        let _ = match self {
            Target::Stderr => {
                let mut e = std::io::stderr().lock();
                e.write_all(s.as_bytes()).and_then(|()| e.flush())
            }
            Target::Stdout => {
                let mut o = std::io::stdout().lock();
                o.write_all(s.as_bytes()).and_then(|()| o.flush())
            }
            Target::Writer(w) => w.write_all(s.as_bytes()).and_then(|()| w.flush()),
        };
    }
}

struct Shared {
    total: AtomicUsize,
    done: AtomicUsize,
    target: Mutex<Target>,
    /// True while the drawing thread should keep going.
    running: Mutex<bool>,
    wake: Condvar,
}

impl Shared {
    fn fraction(&self) -> f64 {
        let total = self.total.load(Ordering::Relaxed);
        if total == 0 {
            0.0
        } else {
            (self.done.load(Ordering::Relaxed) as f64 / total as f64).min(1.0)
        }
    }

    fn draw(&self, frac: f64, elapsed: Duration, width: usize) {
        let line = format!("\r{}", format_bar(frac, elapsed, width));
        self.target.lock().write(&line);
    }
}

#[derive(Default)]
struct Control {
    start: Option<Instant>,
    /// Whether this compute is drawn (the target is a terminal).
    drawing: bool,
    thread: Option<JoinHandle<()>>,
}

/// A [`Callback`] drawing dask's progress bar, redrawn in place at most
/// every `interval` (100 ms by default) by a background thread:
///
/// ```text
/// [########################################] | 100% Completed |  7.8s
/// ```
///
/// The fraction is finished tasks over the tasks of the (culled) graph. The
/// bar is drawn on standard error, and only if it is a terminal (so logs and
/// pipes stay clean); [`ProgressBar::to_writer`] draws anywhere. As in dask,
/// nothing is drawn for computes shorter than [`minimum`](Self::minimum),
/// and the final line ends with a newline.
///
/// ```
/// use std::sync::Arc;
/// use dklearn_executor::{ProgressBar, Threaded};
/// use dklearn_graph::{Graph, Key, Scheduler, Task};
/// let mut g = Graph::new();
/// g.insert(Key::from_string("x"), Task::literal(Arc::new(1u8)));
/// let out = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
/// # struct Sink(Arc<std::sync::Mutex<Vec<u8>>>);
/// # impl std::io::Write for Sink {
/// #     fn write(&mut self, b: &[u8]) -> std::io::Result<usize> { self.0.lock().unwrap().extend_from_slice(b); Ok(b.len()) }
/// #     fn flush(&mut self) -> std::io::Result<()> { Ok(()) }
/// # }
/// let bar = ProgressBar::to_writer(Sink(out.clone()));
/// Threaded::new(2).get(&g, &[Key::from_string("x")], &[&bar]).unwrap();
/// let text = String::from_utf8(out.lock().unwrap().clone()).unwrap();
/// assert!(text.contains("] | 100% Completed | ") && text.ends_with("s\n"));
/// ```
pub struct ProgressBar {
    width: usize,
    interval: Duration,
    minimum: Duration,
    shared: Arc<Shared>,
    control: Mutex<Control>,
}

impl Default for ProgressBar {
    fn default() -> Self {
        ProgressBar::new()
    }
}

impl ProgressBar {
    /// A 40-character bar on standard error, redrawn every 100 ms, drawn
    /// only if standard error is a terminal.
    pub fn new() -> ProgressBar {
        ProgressBar::with_target(Target::Stderr)
    }

    /// The same bar on standard output (dask's default), if it is a terminal.
    pub fn stdout() -> ProgressBar {
        ProgressBar::with_target(Target::Stdout)
    }

    /// The bar written to `w`, always drawn (for logs and tests).
    pub fn to_writer(w: impl Write + Send + 'static) -> ProgressBar {
        ProgressBar::with_target(Target::Writer(Box::new(w)))
    }

    fn with_target(target: Target) -> ProgressBar {
        ProgressBar {
            width: 40,
            interval: Duration::from_millis(100),
            minimum: Duration::ZERO,
            shared: Arc::new(Shared {
                total: AtomicUsize::new(0),
                done: AtomicUsize::new(0),
                target: Mutex::new(target),
                running: Mutex::new(false),
                wake: Condvar::new(),
            }),
            control: Mutex::default(),
        }
    }

    /// Width of the bar in characters (default 40, at least 1).
    pub fn width(mut self, width: usize) -> ProgressBar {
        self.width = width.max(1);
        self
    }

    /// Redraw period (default 100 ms, at least 10 ms).
    pub fn interval(mut self, interval: Duration) -> ProgressBar {
        self.interval = interval.max(Duration::from_millis(10));
        self
    }

    /// Computes shorter than this draw nothing (default 0, as dask).
    pub fn minimum(mut self, minimum: Duration) -> ProgressBar {
        self.minimum = minimum;
        self
    }
}

impl Callback for ProgressBar {
    fn start(&self, graph: &Graph, _keys: &[Key]) {
        let mut c = self.control.lock();
        if c.thread.is_some() {
            // Nested compute: keep the outer bar.
            return;
        }
        let start = Instant::now();
        c.start = Some(start);
        self.shared.total.store(graph.len(), Ordering::Relaxed);
        self.shared.done.store(0, Ordering::Relaxed);
        c.drawing = self.shared.target.lock().is_terminal();
        if !c.drawing {
            return;
        }
        *self.shared.running.lock() = true;
        let shared = Arc::clone(&self.shared);
        let (interval, width, minimum) = (self.interval, self.width, self.minimum);
        let spawned = std::thread::Builder::new()
            .name("dklearn-progress-bar".into())
            .spawn(move || {
                let mut running = shared.running.lock();
                while *running {
                    let elapsed = start.elapsed();
                    if elapsed >= minimum {
                        shared.draw(shared.fraction(), elapsed, width);
                    }
                    shared.wake.wait_for(&mut running, interval);
                }
            });
        // Without a drawing thread the final line is still drawn at finish.
        c.thread = spawned.ok();
    }

    fn posttask(&self, _key: &Key, _worker: usize, ok: bool) {
        // As dask: a failed task is not finished, so a failed run's last
        // line shows how far it got.
        if ok {
            self.shared.done.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn finish(&self, ok: bool) {
        let mut c = self.control.lock();
        *self.shared.running.lock() = false;
        self.shared.wake.notify_all();
        if let Some(handle) = c.thread.take() {
            // The drawing loop cannot panic but on a poisoned writer; the
            // bar is cosmetic, so a failed join is ignored.
            let _ = handle.join();
        }
        let Some(start) = c.start.take() else {
            return;
        };
        let elapsed = start.elapsed();
        if !c.drawing || elapsed < self.minimum {
            return;
        }
        let frac = if ok { 1.0 } else { self.shared.fraction() };
        let line = format!("\r{}\n", format_bar(frac, elapsed, self.width));
        self.shared.target.lock().write(&line);
    }
}

impl Drop for ProgressBar {
    /// Stops the drawing thread if a compute never reached `finish`.
    fn drop(&mut self) {
        *self.shared.running.lock() = false;
        self.shared.wake.notify_all();
        if let Some(handle) = self.control.lock().thread.take() {
            let _ = handle.join();
        }
    }
}

impl fmt::Debug for ProgressBar {
    /// `ProgressBar(width=40, dt=0.1, minimum=0)`, times in seconds as dask.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ProgressBar(width={}, dt={}, minimum={})",
            self.width,
            self.interval.as_secs_f64(),
            self.minimum.as_secs_f64()
        )
    }
}

/// `[####    ] | 57% Completed |  1.2s`: dask's bar, `frac` in [0, 1].
pub(crate) fn format_bar(frac: f64, elapsed: Duration, width: usize) -> String {
    let frac = if frac.is_finite() {
        frac.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let hashes = ((width as f64) * frac) as usize;
    let percent = (100.0 * frac) as u32;
    format!(
        "[{:<width$}] | {percent}% Completed | {}",
        "#".repeat(hashes),
        format_time(elapsed)
    )
}

/// dask's classic elapsed-time format: ` 7.8s`, ` 2min 15.0s`,
/// ` 1hr  5min  0.0s` (fields padded as `%4.1f`, `%2.0f`).
pub(crate) fn format_time(t: Duration) -> String {
    let t = t.as_secs_f64();
    let (m, s) = ((t / 60.0).floor(), t % 60.0);
    let (h, m) = ((m / 60.0).floor(), m % 60.0);
    if h > 0.0 {
        format!("{h:2.0}hr {m:2.0}min {s:4.1}s")
    } else if m > 0.0 {
        format!("{m:2.0}min {s:4.1}s")
    } else {
        format!("{s:4.1}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bar_matches_dask() {
        assert_eq!(
            format_bar(1.0, Duration::from_millis(7800), 40),
            "[########################################] | 100% Completed |  7.8s"
        );
        // Python's int(100 * 0.57) is 56 too (0.57 is just below).
        assert_eq!(
            format_bar(0.57, Duration::from_millis(1200), 10),
            "[#####     ] | 56% Completed |  1.2s"
        );
        assert_eq!(
            format_bar(0.0, Duration::ZERO, 4),
            "[    ] | 0% Completed |  0.0s"
        );
        assert_eq!(
            format_bar(f64::NAN, Duration::ZERO, 2),
            "[  ] | 0% Completed |  0.0s"
        );
    }

    #[test]
    fn time_format_matches_dask() {
        assert_eq!(format_time(Duration::from_millis(10_400)), "10.4s");
        assert_eq!(format_time(Duration::from_millis(1_000_400)), "16min 40.4s");
        assert_eq!(format_time(Duration::from_secs(3900)), " 1hr  5min  0.0s");
    }

    #[test]
    fn builder_and_debug() {
        let b = ProgressBar::new()
            .width(0)
            .interval(Duration::ZERO)
            .minimum(Duration::from_secs(1));
        assert_eq!(format!("{b:?}"), "ProgressBar(width=1, dt=0.01, minimum=1)");
    }
}
