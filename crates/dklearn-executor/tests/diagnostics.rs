//! The observers on real threaded runs: Profiler records, ResourceProfiler
//! samples, the progress bar's output, and a visualize page that parses as
//! XML with one bar per task.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dklearn_executor::{
    render_html, visualize, ErrorKind, Profile, Profiler, ProgressBar, ResourceProfiler, Threaded,
};
use dklearn_graph::{tokenize, Graph, Key, Scheduler, Task, Value};

/// `n` "load" tasks sleeping `ms` each, each followed by a "square" task,
/// all summed by one "total".
fn work_graph(n: usize, ms: u64) -> (Graph, Key) {
    let mut g = Graph::new();
    let mut squares = Vec::new();
    for i in 0..n {
        let load = Key::new("load", tokenize("load", &(i as u64)));
        let square = Key::new("square", tokenize("square", &(i as u64)));
        g.insert(
            load.clone(),
            Task::new(vec![], move |_: &[Value]| {
                std::thread::sleep(Duration::from_millis(ms));
                Ok(Arc::new(i as u64) as Value)
            }),
        );
        g.insert(
            square.clone(),
            Task::new(vec![load], |v: &[Value]| {
                let x = v[0].downcast_ref::<u64>().ok_or("load")?;
                Ok(Arc::new(x * x) as Value)
            }),
        );
        squares.push(square);
    }
    let total = Key::new("total", tokenize("total", &(n as u64)));
    g.insert(
        total.clone(),
        Task::new(squares, |v: &[Value]| {
            let mut s = 0u64;
            for x in v {
                s += x.downcast_ref::<u64>().ok_or("square")?;
            }
            Ok(Arc::new(s) as Value)
        }),
    );
    (g, total)
}

#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn profiler_records_every_task_on_two_workers() {
    let (g, total) = work_graph(8, 5);
    let prof = Profiler::new();
    let out = Threaded::new(2).get(&g, &[total], &[&prof]).unwrap();
    let expected: u64 = (0..8u64).map(|i| i * i).sum();
    assert_eq!(out[0].downcast_ref::<u64>(), Some(&expected));
    let r = prof.results();
    assert_eq!(r.len(), 17);
    assert!(r.iter().all(|t| t.ok && t.end >= t.start && t.worker < 2));
    assert_eq!(r.iter().filter(|t| t.name() == "load").count(), 8);
    let loads: Vec<_> = r.iter().filter(|t| t.name() == "load").collect();
    assert!(loads
        .iter()
        .all(|t| t.duration() >= Duration::from_millis(5)));
    // Both workers did some of the loads.
    assert!(loads.iter().any(|t| t.worker == 0) && loads.iter().any(|t| t.worker == 1));
    // "total" ran after every "square".
    let end_sq = r
        .iter()
        .filter(|t| t.name() == "square")
        .map(|t| t.end)
        .max();
    let total_start = r.iter().find(|t| t.name() == "total").map(|t| t.start);
    assert!(total_start >= end_sq);
}

#[test]
fn resource_profiler_samples_during_compute_only() {
    let (g, total) = work_graph(10, 10);
    let rprof = ResourceProfiler::new(Duration::from_millis(10));
    Threaded::new(2).get(&g, &[total], &[&rprof]).unwrap();
    let s = rprof.results();
    // 5 batches of 2 x 10 ms sleeps: ~50 ms, sampled every 10 ms.
    assert!(s.len() >= 4, "{} samples", s.len());
    assert!(s.windows(2).all(|w| w[0].time <= w[1].time));
    if std::path::Path::new("/proc/self/status").exists() {
        assert!(s.iter().all(|x| x.rss_bytes > 0));
        // A rate of this process's CPU time: never above every core busy.
        assert!(
            s.iter()
                .all(|x| (0.0..=max_cpu_percent()).contains(&x.cpu_percent)),
            "{s:?}"
        );
    }
    let n = s.len();
    std::thread::sleep(Duration::from_millis(40));
    assert_eq!(rprof.results().len(), n, "sampling stopped at finish");
}

/// 100 % per core the machine has.
fn max_cpu_percent() -> f64 {
    100.0 * std::thread::available_parallelism().map_or(1, |n| n.get()) as f64
}

#[test]
fn resource_profiler_sees_the_cpu_a_compute_burns() {
    if !std::path::Path::new("/proc/self/stat").exists() {
        return;
    }
    // Two tasks spinning for 80 ms of wall time each: even on a loaded
    // machine the process gains CPU ticks between the first sample (at
    // start) and the last (at finish), so some interval shows a positive rate.
    let mut g = Graph::new();
    let keys: Vec<Key> = (0..2u64)
        .map(|i| {
            let k = Key::new("spin", tokenize("spin", &i));
            g.insert(
                k.clone(),
                Task::new(vec![], move |_: &[Value]| {
                    let t = std::time::Instant::now();
                    let mut x = i;
                    while t.elapsed() < Duration::from_millis(80) {
                        x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
                    }
                    Ok(Arc::new(x) as Value)
                }),
            );
            k
        })
        .collect();
    let rprof = ResourceProfiler::new(Duration::from_millis(20));
    Threaded::new(2).get(&g, &keys, &[&rprof]).unwrap();
    let s = rprof.results();
    assert!(s.len() >= 2, "{} samples", s.len());
    assert!(s.iter().any(|x| x.cpu_percent > 0.0), "{s:?}");
    assert!(
        s.iter()
            .all(|x| (0.0..=max_cpu_percent()).contains(&x.cpu_percent)),
        "{s:?}"
    );
}

#[test]
fn progress_bar_draws_dask_lines_and_ends_with_newline() {
    let (g, total) = work_graph(6, 60);
    let sink = Sink::default();
    let bar = ProgressBar::to_writer(sink.clone()).width(20);
    let t = std::time::Instant::now();
    Threaded::new(2).get(&g, &[total], &[&bar]).unwrap();
    let redraws = t.elapsed().as_millis() as usize / 100 + 2;
    let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<&str> = text.split('\r').filter(|l| !l.is_empty()).collect();
    // ~180 ms of work redrawn every 100 ms: an initial, an intermediate and
    // the final line, not one per task.
    assert!(lines.len() >= 2 && lines.len() <= redraws, "{lines:?}");
    let last = lines.last().unwrap();
    assert!(
        last.starts_with("[####################] | 100% Completed | "),
        "{last:?}"
    );
    assert!(last.ends_with("s\n"));
    for l in &lines[..lines.len() - 1] {
        assert!(l.starts_with('[') && l.contains("% Completed | ") && !l.contains('\n'));
        assert_eq!(l.find(']'), Some(21), "bar is 20 wide: {l:?}");
    }
}

#[test]
fn progress_bar_on_failure_shows_partial_progress() {
    let mut g = Graph::new();
    g.insert(Key::from_string("ok"), Task::literal(Arc::new(1u8)));
    g.insert(
        Key::from_string("bad"),
        Task::new(vec![Key::from_string("ok")], |_: &[Value]| {
            Err("no good".into())
        }),
    );
    let sink = Sink::default();
    let bar = ProgressBar::to_writer(sink.clone());
    let e = Threaded::new(2)
        .get(&g, &[Key::from_string("bad")], &[&bar])
        .unwrap_err();
    assert_eq!(e.to_string(), "task bad failed: no good");
    let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
    let last = text.rsplit('\r').next().unwrap();
    // One of two tasks finished (the other failed), as dask reports it.
    assert!(last.contains("] | 50% Completed"), "{last:?}");
    assert!(last.ends_with('\n'));
}

#[test]
fn progress_bar_is_silent_under_minimum() {
    let (g, total) = work_graph(2, 1);
    let sink = Sink::default();
    let bar = ProgressBar::to_writer(sink.clone()).minimum(Duration::from_secs(5));
    Threaded::new(2).get(&g, &[total], &[&bar]).unwrap();
    assert!(sink.0.lock().unwrap().is_empty());
}

/// Minimal XML well-formedness check: tags balance and attributes are quoted.
fn check_xml(svg: &str) -> Result<usize, String> {
    let mut stack: Vec<&str> = Vec::new();
    let mut elements = 0;
    let mut rest = svg;
    while let Some(lt) = rest.find('<') {
        let text = &rest[..lt];
        if text.contains('>') {
            return Err(format!("stray '>' in text {text:?}"));
        }
        if let Some(amp) = text.find('&') {
            let ent = &text[amp..];
            if !ent.contains(';') {
                return Err(format!("bare '&' in {text:?}"));
            }
        }
        let gt = rest[lt..].find('>').ok_or("unclosed tag")? + lt;
        let tag = &rest[lt + 1..gt];
        rest = &rest[gt + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            match stack.pop() {
                Some(open) if open == name => {}
                other => return Err(format!("</{name}> closes {other:?}")),
            }
        } else {
            elements += 1;
            let name = tag.split_whitespace().next().ok_or("empty tag")?;
            if tag.matches('"').count() % 2 != 0 {
                return Err(format!("unbalanced quotes in <{tag}>"));
            }
            if !tag.ends_with('/') {
                stack.push(name);
            }
        }
    }
    if stack.is_empty() {
        Ok(elements)
    } else {
        Err(format!("unclosed {stack:?}"))
    }
}

#[test]
fn visualize_writes_a_self_contained_page() {
    let (g, total) = work_graph(6, 3);
    let prof = Profiler::new();
    let rprof = ResourceProfiler::new(Duration::from_millis(5));
    Threaded::new(2)
        .get(&g, &[total], &[&prof, &rprof])
        .unwrap();
    let profiles: [Profile<'_>; 2] = [(&prof).into(), (&rprof).into()];
    let html = render_html(&profiles);
    assert!(html.starts_with("<!DOCTYPE html>"));
    for banned in ["<script", "http://", "https://"] {
        let hits = html.matches(banned).count();
        let allowed = usize::from(banned == "http://"); // the SVG namespace
        assert!(hits <= allowed, "{banned} appears {hits} times");
    }
    let start = html.find("<svg").unwrap();
    let end = html.find("</svg>").unwrap() + "</svg>".len();
    let svg = &html[start..end];
    assert!(check_xml(svg).unwrap() > 20);
    // One bar per task, each with hover text naming its key.
    assert_eq!(svg.matches(r#"<rect class="task""#).count(), 13);
    for r in prof.results() {
        assert!(svg.contains(&format!("<title>{}&#10;", r.key)), "{}", r.key);
    }
    // Legend entries and the resource panel.
    for name in [
        "load (6, ",
        "square (6, ",
        "total (1, ",
        "CPU %",
        "Memory (MB)",
    ] {
        assert!(svg.contains(name), "missing {name}");
    }
    // A row per worker that ran something (under load one worker may have
    // run every task, so the rows are those the profile saw).
    for w in prof.results().iter().map(|r| r.worker) {
        assert!(svg.contains(&format!(">worker {w}<")), "missing worker {w}");
    }
    assert!(svg.contains("<polyline"));

    let path = std::env::temp_dir().join(format!("dklearn-vis-{}.html", std::process::id()));
    visualize(&profiles, &path).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap().len(), html.len());
    std::fs::remove_file(&path).unwrap();

    let e = visualize(&profiles, "/nonexistent-dir/x/out.html").unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Io { .. }));
    assert!(e.to_string().starts_with("/nonexistent-dir/x/out.html: "));
}

#[test]
fn keys_with_markup_are_escaped() {
    let mut g = Graph::new();
    let k = Key::from_string("a<b>&\"c\"");
    g.insert(k.clone(), Task::literal(Arc::new(0u8)));
    let prof = Profiler::new();
    Threaded::new(1).get(&g, &[k], &[&prof]).unwrap();
    let html = render_html(&[(&prof).into()]);
    let start = html.find("<svg").unwrap();
    let end = html.find("</svg>").unwrap() + 6;
    check_xml(&html[start..end]).unwrap();
    assert!(html.contains("a&lt;b&gt;&amp;&quot;c&quot;"));
}
