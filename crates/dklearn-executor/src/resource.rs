//! `ResourceProfiler`: process CPU and memory over time
//! (dask.diagnostics.ResourceProfiler), and peak-RSS helpers.

use std::fmt;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use dklearn_graph::{Callback, Graph, Key};
use parking_lot::{Condvar, Mutex};

/// Clock ticks per second of the CPU times in `/proc/<pid>/stat`. Linux
/// exports these in `USER_HZ`, which is 100 on every architecture it
/// supports (it is part of the user-space ABI, unlike the kernel's `HZ`).
const USER_HZ: f64 = 100.0;

/// The shortest sampling interval; shorter ones would only measure the
/// sampler itself.
const MIN_INTERVAL: Duration = Duration::from_millis(1);

/// One measurement of the whole process.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ResourceSample {
    /// When it was taken, from the profiler's
    /// [`origin`](ResourceProfiler::origin).
    pub time: Duration,
    /// CPU use since the previous sample, in percent of one core (200 means
    /// two cores busy), like `top` and dask's `ResourceProfiler`.
    pub cpu_percent: f64,
    /// Resident set size, in bytes.
    pub rss_bytes: u64,
}

/// The process's CPU time so far (user + system, all threads), from
/// `/proc/self/stat`. `None` where `/proc` is not available.
pub fn process_cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    parse_cpu_ticks(&stat).map(|t| Duration::from_secs_f64(t as f64 / USER_HZ))
}

/// The process's current resident set size in bytes (`VmRSS` of
/// `/proc/self/status`). `None` where `/proc` is not available.
pub fn current_rss_bytes() -> Option<u64> {
    status_field_bytes("VmRSS:")
}

/// Makes the C allocator keep memory a program frees for reuse instead of
/// returning it to the kernel (glibc on Linux; elsewhere it does nothing).
/// Call it first thing in `main`, before starting threads.
///
/// glibc's malloc serves blocks from 128 KiB up with `mmap` and gives them
/// back with `munmap`, and trims its heaps when their free top exceeds a
/// small threshold. The job allocates and frees the same sizes over and over
/// (1.2 MB file buffers, 2 MB model arrays, CSR chunks), so each one was
/// faulted in again page by page: ~25,000 page faults per `cargo xtask reproduce` (about
/// 100 MB, against a 35 MB peak) and ~15% of its CPU time. With these
/// thresholds a freed block is reused: ~8,000 faults, the peak's worth.
/// The library crates never call this: the allocator is the program's
/// choice. `cargo xtask` and the benches call it.
///
/// ```
/// dklearn_executor::keep_freed_memory(); // idempotent, safe to call again
/// ```
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn keep_freed_memory() {
    use std::os::raw::c_int;
    extern "C" {
        fn mallopt(param: c_int, value: c_int) -> c_int;
    }
    const M_TRIM_THRESHOLD: c_int = -1;
    const M_TOP_PAD: c_int = -2;
    const M_MMAP_THRESHOLD: c_int = -3;
    for (param, value) in [
        (M_MMAP_THRESHOLD, 32 << 20), // glibc's maximum on 64-bit
        (M_TRIM_THRESHOLD, 256 << 20),
        (M_TOP_PAD, 16 << 20),
    ] {
        // SAFETY: `mallopt` only sets glibc malloc's tuning parameters and
        // takes malloc's own lock, so it is sound from any thread at any
        // time. A refused value (return 0) leaves the default, which is only
        // slower.
        unsafe {
            mallopt(param, value);
        }
    }
}

/// Does nothing off glibc (see the glibc version).
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn keep_freed_memory() {}

/// glibc: one malloc arena for every thread (`M_ARENA_MAX = 1`), so memory
/// one worker frees is reused by the others instead of waiting in that
/// worker's own arena. For memory-limited runs
/// ([`Threaded::memory_limit`](crate::Threaded::memory_limit)), where the
/// point is a low peak: `cargo xtask scale --copies 16 --no-classes
/// --memory-limit 128MB` peaked ~8 MB lower (~185 against ~193 MB) at the
/// same wall time on 2 workers. Like [`keep_freed_memory`], the program's
/// choice; call it before the workers start (arenas already made stay).
///
/// ```
/// dklearn_executor::single_malloc_arena(); // idempotent
/// ```
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn single_malloc_arena() {
    use std::os::raw::c_int;
    extern "C" {
        fn mallopt(param: c_int, value: c_int) -> c_int;
    }
    const M_ARENA_MAX: c_int = -8;
    // SAFETY: as in `keep_freed_memory`: `mallopt` only sets a tuning
    // parameter under malloc's own lock; a refused value changes nothing.
    unsafe {
        mallopt(M_ARENA_MAX, 1);
    }
}

/// Does nothing off glibc (see the glibc version).
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn single_malloc_arena() {}

/// The process's peak resident set size so far in bytes (`VmHWM`, the
/// "high water mark" of `/proc/self/status`): what a run needed at most,
/// for benchmarks and scale reports. `None` where `/proc` is not available.
///
/// ```
/// if let Some(peak) = dklearn_executor::peak_rss_bytes() {
///     assert!(peak >= dklearn_executor::current_rss_bytes().unwrap_or(0) / 2);
/// }
/// ```
pub fn peak_rss_bytes() -> Option<u64> {
    status_field_bytes("VmHWM:")
}

fn status_field_bytes(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_status_kb(&status, field).map(|kb| kb * 1024)
}

/// `utime + stime` (fields 14 and 15) of a `/proc/<pid>/stat` line. The
/// command name (field 2) is in parentheses and may itself contain spaces or
/// parentheses, so fields are counted from the last `)`.
fn parse_cpu_ticks(stat: &str) -> Option<u64> {
    let after = &stat[stat.rfind(')')? + 1..];
    let mut fields = after.split_ascii_whitespace();
    // After ')' comes field 3 (state); utime is field 14.
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// The value in kB of a `Name:   1234 kB` line of `/proc/<pid>/status`.
fn parse_status_kb(status: &str, field: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with(field))?;
    line[field.len()..]
        .split_ascii_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Takes samples, remembering the previous CPU reading for the rate.
struct Sampler {
    origin: Instant,
    /// 100 times the number of cores: the most the process can use.
    max_percent: f64,
    last_wall: Instant,
    last_cpu: Option<Duration>,
}

impl Sampler {
    fn new(origin: Instant) -> Sampler {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        Sampler {
            origin,
            max_percent: 100.0 * cores as f64,
            last_wall: Instant::now(),
            last_cpu: process_cpu_time(),
        }
    }

    fn sample(&mut self) -> ResourceSample {
        let now = Instant::now();
        let cpu = process_cpu_time();
        let wall = now.saturating_duration_since(self.last_wall).as_secs_f64();
        let cpu_percent = match (cpu, self.last_cpu) {
            // CPU time comes in 10 ms ticks, so a short interval can see one
            // tick too many; more than every core busy is such noise.
            (Some(c), Some(l)) if wall > 0.0 => {
                (100.0 * c.saturating_sub(l).as_secs_f64() / wall).min(self.max_percent)
            }
            _ => 0.0,
        };
        self.last_wall = now;
        self.last_cpu = cpu;
        ResourceSample {
            time: now.saturating_duration_since(self.origin),
            cpu_percent,
            rss_bytes: current_rss_bytes().unwrap_or(0),
        }
    }
}

#[derive(Default)]
struct Shared {
    samples: Mutex<Vec<ResourceSample>>,
    /// True while the sampler should keep going; guarded for the condvar.
    running: Mutex<bool>,
    wake: Condvar,
}

#[derive(Default)]
struct Control {
    origin: Option<Instant>,
    /// Nested computes observed (`start` without `finish` yet).
    depth: usize,
    thread: Option<JoinHandle<()>>,
}

/// A [`Callback`] sampling the process's CPU % and resident memory every
/// `interval` in a background thread, from a compute's `start` to its
/// `finish`, like dask's `ResourceProfiler(dt)`.
///
/// A sample is taken when the sampler starts and when it stops, so even a
/// compute shorter than `interval` has two points. The kernel counts CPU
/// time in 10 ms ticks, so a CPU % is precise to about `10 ms / interval`
/// (±10% at the 100 ms intervals this is meant for); readings are capped at
/// 100% per available core. Samples accumulate across
/// computes until [`clear`](ResourceProfiler::clear). On systems without
/// `/proc`, CPU and RSS read as 0.
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use dklearn_executor::{ResourceProfiler, Threaded};
/// use dklearn_graph::{Graph, Key, Scheduler, Task};
/// let mut g = Graph::new();
/// g.insert(Key::from_string("x"), Task::literal(Arc::new(1u8)));
/// let rprof = ResourceProfiler::new(Duration::from_millis(10));
/// Threaded::new(2).get(&g, &[Key::from_string("x")], &[&rprof]).unwrap();
/// assert!(rprof.results().len() >= 2);
/// ```
pub struct ResourceProfiler {
    interval: Duration,
    memory_limit: Mutex<Option<u64>>,
    shared: Arc<Shared>,
    control: Mutex<Control>,
}

impl ResourceProfiler {
    /// A profiler sampling every `interval` (at least 1 ms).
    pub fn new(interval: Duration) -> ResourceProfiler {
        ResourceProfiler {
            interval: interval.max(MIN_INTERVAL),
            memory_limit: Mutex::new(None),
            shared: Arc::default(),
            control: Mutex::default(),
        }
    }

    /// The sampling interval.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// The samples so far, in time order.
    pub fn results(&self) -> Vec<ResourceSample> {
        self.shared.samples.lock().clone()
    }

    /// The memory limit of the last memory-limited run seen (reported by the
    /// scheduler), drawn as a line in [`visualize`](crate::visualize).
    pub fn memory_limit(&self) -> Option<u64> {
        *self.memory_limit.lock()
    }

    /// The instant sample times are measured from (the first `start`).
    pub fn origin(&self) -> Option<Instant> {
        self.control.lock().origin
    }

    /// Forgets every sample and the origin (the sampler, if running, keeps
    /// running).
    pub fn clear(&self) {
        self.shared.samples.lock().clear();
        let mut c = self.control.lock();
        if c.depth == 0 {
            c.origin = None;
        }
    }

    fn stop_sampler(&self, c: &mut Control) {
        *self.shared.running.lock() = false;
        self.shared.wake.notify_all();
        if let Some(handle) = c.thread.take() {
            // The sampler never panics on bad /proc content (it reads 0);
            // a join error would only repeat a panic already reported.
            let _ = handle.join();
        }
    }
}

impl Callback for ResourceProfiler {
    fn start(&self, _graph: &Graph, _keys: &[Key]) {
        let mut c = self.control.lock();
        c.depth += 1;
        if c.thread.is_some() {
            return;
        }
        let origin = *c.origin.get_or_insert_with(Instant::now);
        *self.shared.running.lock() = true;
        let shared = Arc::clone(&self.shared);
        let interval = self.interval;
        let spawned = std::thread::Builder::new()
            .name("dklearn-resource-profiler".into())
            .spawn(move || {
                let mut sampler = Sampler::new(origin);
                let first = sampler.sample();
                shared.samples.lock().push(first);
                let mut next = Instant::now() + interval;
                let mut running = shared.running.lock();
                while *running {
                    if shared.wake.wait_until(&mut running, next).timed_out() {
                        let s = sampler.sample();
                        shared.samples.lock().push(s);
                        next += interval;
                        let now = Instant::now();
                        if next < now {
                            next = now + interval;
                        }
                    }
                }
                drop(running);
                let last = sampler.sample();
                shared.samples.lock().push(last);
            });
        // If no thread can be started the compute still runs, unprofiled.
        c.thread = spawned.ok();
    }

    fn memory_limit(&self, bytes: usize) {
        *self.memory_limit.lock() = Some(bytes as u64);
    }

    fn finish(&self, _ok: bool) {
        let mut c = self.control.lock();
        c.depth = c.depth.saturating_sub(1);
        if c.depth == 0 {
            self.stop_sampler(&mut c);
        }
    }
}

impl Drop for ResourceProfiler {
    fn drop(&mut self) {
        let mut c = std::mem::take(&mut *self.control.lock());
        self.stop_sampler(&mut c);
    }
}

impl fmt::Debug for ResourceProfiler {
    /// `ResourceProfiler(dt=0.5, samples=14)`, dt in seconds as in dask.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ResourceProfiler(dt={}, samples={})",
            self.interval.as_secs_f64(),
            self.shared.samples.lock().len()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stat_with_awkward_command_names() {
        let stat = "4242 (my (weird) prog) R 1 4242 4242 0 -1 4194304 100 0 0 0 \
                    250 31 0 0 20 0 3 0 12345 1000000 500 18446744073709551615";
        assert_eq!(parse_cpu_ticks(stat), Some(281));
        assert_eq!(parse_cpu_ticks("garbage"), None);
        assert_eq!(parse_cpu_ticks("1 (x) R 1 2"), None);
    }

    #[test]
    fn parses_status_fields() {
        let status = "Name:\tdklearn\nVmHWM:\t  20480 kB\nVmRSS:\t   10240 kB\n";
        assert_eq!(parse_status_kb(status, "VmRSS:"), Some(10240));
        assert_eq!(parse_status_kb(status, "VmHWM:"), Some(20480));
        assert_eq!(parse_status_kb(status, "VmSwap:"), None);
    }

    #[test]
    fn live_readings_are_plausible_on_linux() {
        if !std::path::Path::new("/proc/self/status").exists() {
            return;
        }
        let rss = current_rss_bytes().expect("VmRSS");
        let peak = peak_rss_bytes().expect("VmHWM");
        assert!(rss > 0 && peak >= rss, "rss {rss} peak {peak}");
        // Burn some CPU and see the clock move.
        let before = process_cpu_time().expect("stat");
        let t = Instant::now();
        let mut x = 0u64;
        while t.elapsed() < Duration::from_millis(60) {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
        }
        assert!(process_cpu_time().expect("stat") > before);
    }

    #[test]
    fn samples_between_start_and_finish() {
        let r = ResourceProfiler::new(Duration::from_millis(5));
        let g = Graph::new();
        r.start(&g, &[]);
        std::thread::sleep(Duration::from_millis(40));
        r.finish(true);
        let s = r.results();
        assert!(s.len() >= 4, "{} samples", s.len());
        assert!(s.windows(2).all(|w| w[0].time <= w[1].time));
        let n = s.len();
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(r.results().len(), n, "sampler stopped at finish");
        assert!(format!("{r:?}").starts_with("ResourceProfiler(dt=0.005, samples="));
        r.clear();
        assert!(r.results().is_empty());
    }
}
