//! `visualize`: profiles as one self-contained HTML page (inline SVG), like
//! the Bokeh plot of dask's `visualize([prof, rprof])`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::profiler::{Profiler, SpillRecord, TaskRecord};
use crate::render::xml_escape;
use crate::resource::{ResourceProfiler, ResourceSample};
use dklearn_graph::SpillKind;

/// Something [`visualize`] can draw: the tasks of a [`Profiler`] (a Gantt
/// chart, one row per worker) or the samples of a [`ResourceProfiler`] (CPU
/// and memory lines). Built with `From`, e.g. `(&prof).into()`.
#[derive(Clone, Copy, Debug)]
pub enum Profile<'a> {
    /// Per-task start/end/worker records.
    Tasks(&'a Profiler),
    /// CPU % and resident memory samples.
    Resources(&'a ResourceProfiler),
}

impl<'a> From<&'a Profiler> for Profile<'a> {
    fn from(p: &'a Profiler) -> Profile<'a> {
        Profile::Tasks(p)
    }
}

impl<'a> From<&'a ResourceProfiler> for Profile<'a> {
    fn from(p: &'a ResourceProfiler) -> Profile<'a> {
        Profile::Resources(p)
    }
}

/// Writes [`render_html`] of `profiles` to `path`.
///
/// ```no_run
/// use dklearn_executor::{visualize, Profiler, ResourceProfiler};
/// # let prof = Profiler::new();
/// # let rprof = ResourceProfiler::new(std::time::Duration::from_millis(500));
/// // ... compute with &prof and &rprof as callbacks ...
/// visualize(&[(&prof).into(), (&rprof).into()], "profile.html")?;
/// # Ok::<(), dklearn_executor::Error>(())
/// ```
pub fn visualize(profiles: &[Profile<'_>], path: impl AsRef<Path>) -> Result<(), Error> {
    let path = path.as_ref();
    std::fs::write(path, render_html(profiles)).map_err(|e| Error::io(path, e))
}

/// One HTML page, with no script and no network access, holding an inline
/// SVG: for each task profile a Gantt chart (a row per worker, a bar per
/// task colored by key name, with a legend and hover text giving the key,
/// duration and worker), for each resource profile a panel of CPU % and
/// memory lines; all panels share one time axis from the earliest origin.
///
/// ```
/// use dklearn_executor::{render_html, Profiler};
/// let html = render_html(&[(&Profiler::new()).into()]);
/// assert!(html.starts_with("<!DOCTYPE html>"));
/// assert!(html.contains("<svg") && !html.contains("<script"));
/// ```
pub fn render_html(profiles: &[Profile<'_>]) -> String {
    let t0: Option<Instant> = profiles
        .iter()
        .filter_map(|p| match p {
            Profile::Tasks(p) => p.origin(),
            Profile::Resources(r) => r.origin(),
        })
        .min();
    let shift = |origin: Option<Instant>| match (t0, origin) {
        (Some(t0), Some(o)) => o.saturating_duration_since(t0),
        _ => Duration::ZERO,
    };
    let panels: Vec<Panel> = profiles
        .iter()
        .map(|p| match p {
            Profile::Tasks(p) => {
                let s = shift(p.origin());
                let mut records = p.results();
                for r in &mut records {
                    r.start += s;
                    r.end += s;
                }
                let mut spills = p.spills();
                for r in &mut spills {
                    r.start += s;
                    r.end += s;
                }
                Panel::Tasks(records, spills)
            }
            Profile::Resources(r) => {
                let s = shift(r.origin());
                let mut samples = r.results();
                for x in &mut samples {
                    x.time += s;
                }
                Panel::Resources(samples, r.memory_limit())
            }
        })
        .collect();
    let t_max = panels
        .iter()
        .map(|p| match p {
            Panel::Tasks(r, sp) => r
                .iter()
                .map(|r| r.end)
                .chain(sp.iter().map(|r| r.end))
                .max()
                .unwrap_or_default(),
            Panel::Resources(s, _) => s.iter().map(|s| s.time).max().unwrap_or_default(),
        })
        .max()
        .unwrap_or_default()
        .as_secs_f64()
        .max(1e-3);

    let mut svg = String::new();
    let mut y = 0.0;
    for panel in &panels {
        y += match panel {
            Panel::Tasks(records, spills) => gantt(&mut svg, records, spills, y, t_max),
            Panel::Resources(samples, limit) => resources(&mut svg, samples, *limit, y, t_max),
        };
    }
    if panels.is_empty() {
        svg.push_str(r#"<text x="20" y="30">nothing to show</text>"#);
        y = 50.0;
    }
    let summary = summary(&panels);
    let mut html = String::with_capacity(svg.len() + 1024);
    html.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    html.push_str("<title>dklearn profile</title>\n<style>\n");
    html.push_str("body { font-family: sans-serif; margin: 16px; color: #222; }\n");
    html.push_str("svg text { font-family: sans-serif; font-size: 12px; fill: #333; }\n");
    html.push_str("svg rect.task:hover { stroke: #000; stroke-width: 1; }\n");
    html.push_str("</style>\n</head>\n<body>\n<h2>Profile Results</h2>\n");
    let _ = writeln!(html, "<p>{}</p>", xml_escape(&summary));
    let _ = writeln!(
        html,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{h}\" viewBox=\"0 0 {W} {h}\">",
        h = y.ceil()
    );
    html.push_str(&svg);
    html.push_str("</svg>\n</body>\n</html>\n");
    html
}

enum Panel {
    Tasks(Vec<TaskRecord>, Vec<SpillRecord>),
    Resources(Vec<ResourceSample>, Option<u64>),
}

/// Colors of spill (to disk) and unspill (read back) bars.
const SPILL_COLOR: &str = "#d62728";
const UNSPILL_COLOR: &str = "#2ca02c";

/// Page geometry, in SVG pixels.
const W: f64 = 1120.0;
const LEFT: f64 = 80.0;
const PLOT_W: f64 = 760.0;
const LEGEND_X: f64 = LEFT + PLOT_W + 70.0;
const ROW_H: f64 = 26.0;
const TOP: f64 = 30.0;
const AXIS_H: f64 = 40.0;
const RES_H: f64 = 170.0;

const PALETTE: [&str; 20] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94",
    "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5",
];

fn x_of(t: f64, t_max: f64) -> f64 {
    LEFT + PLOT_W * (t / t_max).clamp(0.0, 1.0)
}

fn summary(panels: &[Panel]) -> String {
    let mut parts = Vec::new();
    for p in panels {
        match p {
            Panel::Tasks(r, sp) => {
                let workers = r.iter().map(|r| r.worker + 1).max().unwrap_or(0);
                let busy: f64 = r.iter().map(|r| r.duration().as_secs_f64()).sum();
                let failed = r.iter().filter(|r| !r.ok).count();
                let mut s = format!(
                    "{} tasks on {workers} workers, {} of task time",
                    r.len(),
                    format_duration(busy)
                );
                if failed > 0 {
                    let _ = write!(s, ", {failed} failed");
                }
                let processes = r.iter().map(|r| r.process + 1).max().unwrap_or(0);
                if processes > 1 {
                    let per: Vec<String> = (0..processes)
                        .map(|p| {
                            let mine = r.iter().filter(|r| r.process == p);
                            let (n, sent) =
                                mine.fold((0, 0u64), |(n, b), r| (n + 1, b + r.bytes_sent));
                            format!("p{p} {n} tasks, {:.2} MB sent", sent as f64 / 1e6)
                        })
                        .collect();
                    let _ = write!(s, ", on {processes} processes ({})", per.join("; "));
                }
                if !sp.is_empty() {
                    let total = |k: SpillKind| {
                        let r: Vec<&SpillRecord> = sp.iter().filter(|r| r.kind == k).collect();
                        let bytes: usize = r.iter().map(|r| r.bytes).sum();
                        let time: f64 = r.iter().map(|r| (r.end - r.start).as_secs_f64()).sum();
                        (r.len(), bytes as f64 / 1e6, format_duration(time))
                    };
                    let (n, mb, t) = total(SpillKind::Spill);
                    let (m, mb_read, t_read) = total(SpillKind::Unspill);
                    let _ = write!(
                        s,
                        ", {n} spills ({mb:.1} MB written in {t}), {m} unspills ({mb_read:.1} MB read in {t_read})"
                    );
                }
                parts.push(s);
            }
            Panel::Resources(s, limit) => {
                let peak = s.iter().map(|s| s.rss_bytes).max().unwrap_or(0);
                let cpu = s.iter().map(|s| s.cpu_percent).fold(0.0, f64::max);
                let mut text = format!(
                    "{} resource samples, peak memory {:.1} MB, peak CPU {cpu:.0}%",
                    s.len(),
                    peak as f64 / 1e6
                );
                if let Some(l) = limit {
                    let _ = write!(text, ", memory limit {:.1} MB", *l as f64 / 1e6);
                }
                parts.push(text);
            }
        }
    }
    if parts.is_empty() {
        "no profiles".to_owned()
    } else {
        parts.join("; ")
    }
}

/// Draws a Gantt chart at `y0`; returns its height.
fn gantt(
    svg: &mut String,
    records: &[TaskRecord],
    spills: &[SpillRecord],
    y0: f64,
    t_max: f64,
) -> f64 {
    let workers = records.iter().map(|r| r.worker + 1).max().unwrap_or(1);
    // Colors by name in sorted order, so the same names get the same colors.
    let mut by_name: BTreeMap<&str, (usize, f64)> = BTreeMap::new();
    for r in records {
        let e = by_name.entry(r.name()).or_default();
        e.0 += 1;
        e.1 += r.duration().as_secs_f64();
    }
    let color: BTreeMap<&str, &str> = by_name
        .keys()
        .enumerate()
        .map(|(i, n)| (*n, PALETTE[i % PALETTE.len()]))
        .collect();
    let workers = workers.max(spills.iter().map(|r| r.worker + 1).max().unwrap_or(0));
    // On a cluster, rows are labelled with their process too (a worker's
    // process is that of any task it ran).
    let mut process_of: Vec<Option<usize>> = vec![None; workers];
    for r in records {
        process_of[r.worker].get_or_insert(r.process);
    }
    let cluster = records.iter().any(|r| r.process > 0);
    let plot_h = ROW_H * workers as f64;
    let spill_rows = if spills.is_empty() { 0.0 } else { 2.0 };
    let legend_h = 20.0 * (by_name.len() as f64 + spill_rows) + 24.0;
    let height = TOP + (plot_h + AXIS_H).max(legend_h) + 10.0;
    let _ = writeln!(
        svg,
        r#"<g class="gantt"><text x="{LEFT}" y="{}" font-weight="bold">{}</text>"#,
        y0 + 18.0,
        if cluster {
            "Tasks by process (p) and worker (w)"
        } else {
            "Tasks by worker"
        }
    );
    let top = y0 + TOP;
    let _ = writeln!(
        svg,
        r##"<rect x="{LEFT}" y="{top}" width="{PLOT_W}" height="{plot_h}" fill="#fafafa" stroke="#bbb"/>"##
    );
    for (w, process) in process_of.iter().enumerate() {
        let y = top + ROW_H * w as f64;
        let label = match process {
            Some(p) if cluster => format!("p{p} · w{w}"),
            _ => format!("worker {w}"),
        };
        let _ = writeln!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="end">{label}</text>"#,
            LEFT - 8.0,
            y + ROW_H / 2.0 + 4.0
        );
    }
    for r in records {
        let x0 = x_of(r.start.as_secs_f64(), t_max);
        let x1 = x_of(r.end.as_secs_f64(), t_max);
        let y = top + ROW_H * r.worker as f64 + 3.0;
        let fill = color.get(r.name()).copied().unwrap_or("#777");
        let stroke = if r.ok {
            String::new()
        } else {
            r##" stroke="#d00" stroke-width="2""##.to_owned()
        };
        let _ = writeln!(
            svg,
            r#"<rect class="task" x="{x0:.2}" y="{y:.1}" width="{:.2}" height="{:.1}" fill="{fill}"{stroke}><title>{}&#10;{}{} on {}worker {}{}</title></rect>"#,
            (x1 - x0).max(0.5),
            ROW_H - 6.0,
            xml_escape(r.key.as_str()),
            format_duration(r.duration().as_secs_f64()),
            if r.ok { "" } else { " (failed)" },
            if cluster {
                format!("process {} ", r.process)
            } else {
                String::new()
            },
            r.worker,
            if r.bytes_sent > 0 {
                format!(
                    "&#10;sent {:.3} MB to other processes",
                    r.bytes_sent as f64 / 1e6
                )
            } else {
                String::new()
            }
        );
    }
    // Spills and unspills: their own thin bars along the bottom of the
    // worker's row (they happen between and around that worker's tasks).
    for r in spills {
        let x0 = x_of(r.start.as_secs_f64(), t_max);
        let x1 = x_of(r.end.as_secs_f64(), t_max);
        let y = top + ROW_H * (r.worker as f64 + 1.0) - 7.0;
        let (fill, what) = match r.kind {
            SpillKind::Spill => (SPILL_COLOR, "spill"),
            SpillKind::Unspill => (UNSPILL_COLOR, "unspill"),
        };
        let _ = writeln!(
            svg,
            r#"<rect class="task {what}" x="{x0:.2}" y="{y:.1}" width="{:.2}" height="6" fill="{fill}"><title>{what} {}&#10;{:.2} MB in {} on worker {}</title></rect>"#,
            (x1 - x0).max(0.5),
            xml_escape(r.key.as_str()),
            r.bytes as f64 / 1e6,
            format_duration((r.end - r.start).as_secs_f64()),
            r.worker
        );
    }
    time_axis(svg, top + plot_h, t_max);
    // Legend: names by total time, with count and total.
    let mut legend: Vec<(&str, (usize, f64))> = by_name.into_iter().collect();
    legend.sort_by(|a, b| b.1 .1.total_cmp(&a.1 .1).then(a.0.cmp(b.0)));
    let _ = writeln!(
        svg,
        r#"<text x="{LEGEND_X}" y="{}" font-weight="bold">Task name</text>"#,
        top + 10.0
    );
    for (i, (name, (count, total))) in legend.iter().enumerate() {
        let y = top + 24.0 + 20.0 * i as f64;
        let fill = color.get(name).copied().unwrap_or("#777");
        let _ = writeln!(
            svg,
            r#"<rect x="{LEGEND_X}" y="{}" width="14" height="14" fill="{fill}"/><text x="{}" y="{}">{} ({count}, {})</text>"#,
            y - 11.0,
            LEGEND_X + 20.0,
            y,
            xml_escape(if name.is_empty() { "(unnamed)" } else { name }),
            format_duration(*total)
        );
    }
    if !spills.is_empty() {
        for (j, (kind, fill, label)) in [
            (SpillKind::Spill, SPILL_COLOR, "spill to disk"),
            (SpillKind::Unspill, UNSPILL_COLOR, "unspill (read back)"),
        ]
        .into_iter()
        .enumerate()
        {
            let r: Vec<&SpillRecord> = spills.iter().filter(|r| r.kind == kind).collect();
            let mb = r.iter().map(|r| r.bytes).sum::<usize>() as f64 / 1e6;
            let y = top + 24.0 + 20.0 * (legend.len() + j) as f64;
            let _ = writeln!(
                svg,
                r#"<rect x="{LEGEND_X}" y="{}" width="14" height="6" fill="{fill}"/><text x="{}" y="{}">{label} ({}, {mb:.1} MB)</text>"#,
                y - 7.0,
                LEGEND_X + 20.0,
                y,
                r.len()
            );
        }
    }
    svg.push_str("</g>\n");
    height
}

/// Draws the CPU % and memory panel at `y0`; returns its height.
fn resources(
    svg: &mut String,
    samples: &[ResourceSample],
    limit: Option<u64>,
    y0: f64,
    t_max: f64,
) -> f64 {
    let height = TOP + RES_H + AXIS_H;
    let top = y0 + TOP;
    let cpu_max = nice_ceil(samples.iter().map(|s| s.cpu_percent).fold(100.0, f64::max));
    let limit_mb = limit.map(|l| l as f64 / 1e6);
    let mem_max = nice_ceil(
        samples
            .iter()
            .map(|s| s.rss_bytes as f64 / 1e6)
            .chain(limit_mb)
            .fold(1.0, f64::max),
    );
    let _ = writeln!(
        svg,
        r#"<g class="resources"><text x="{LEFT}" y="{}" font-weight="bold">Resources</text>"#,
        y0 + 18.0
    );
    let _ = writeln!(
        svg,
        r##"<rect x="{LEFT}" y="{top}" width="{PLOT_W}" height="{RES_H}" fill="#fafafa" stroke="#bbb"/>"##
    );
    // Left axis: CPU %, right axis: memory MB, five gridlines.
    for i in 0..=4 {
        let f = f64::from(i) / 4.0;
        let y = top + RES_H * (1.0 - f);
        let _ = writeln!(
            svg,
            r##"<line x1="{LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#e3e3e3"/><text x="{}" y="{:.1}" text-anchor="end" fill="#1f77b4">{}</text><text x="{}" y="{:.1}">{}</text>"##,
            LEFT + PLOT_W,
            LEFT - 8.0,
            y + 4.0,
            trim_number(cpu_max * f),
            LEFT + PLOT_W + 8.0,
            y + 4.0,
            trim_number(mem_max * f)
        );
    }
    let _ = writeln!(
        svg,
        r##"<text x="{}" y="{}" text-anchor="middle" fill="#1f77b4" transform="rotate(-90 {} {})">CPU %</text>"##,
        LEFT - 50.0,
        top + RES_H / 2.0,
        LEFT - 50.0,
        top + RES_H / 2.0
    );
    let _ = writeln!(
        svg,
        r##"<text x="{}" y="{}" text-anchor="middle" fill="#e6550d" transform="rotate(90 {} {})">Memory (MB)</text>"##,
        LEFT + PLOT_W + 52.0,
        top + RES_H / 2.0,
        LEFT + PLOT_W + 52.0,
        top + RES_H / 2.0
    );
    let cpu_y =
        |s: &ResourceSample| top + RES_H * (1.0 - (s.cpu_percent / cpu_max).clamp(0.0, 1.0));
    let mem_y = |s: &ResourceSample| {
        top + RES_H * (1.0 - (s.rss_bytes as f64 / 1e6 / mem_max).clamp(0.0, 1.0))
    };
    for (ys, color) in [
        (&cpu_y as &dyn Fn(&ResourceSample) -> f64, "#1f77b4"),
        (&mem_y, "#e6550d"),
    ] {
        let mut points = String::new();
        for s in samples {
            let _ = write!(
                points,
                "{:.2},{:.2} ",
                x_of(s.time.as_secs_f64(), t_max),
                ys(s)
            );
        }
        let _ = writeln!(
            svg,
            r#"<polyline points="{}" fill="none" stroke="{color}" stroke-width="2"/>"#,
            points.trim_end()
        );
    }
    // Hover points (skipped for very long runs to keep the file small).
    if samples.len() <= 5000 {
        for s in samples {
            let _ = writeln!(
                svg,
                r##"<circle cx="{:.2}" cy="{:.2}" r="3" fill="#1f77b4" fill-opacity="0.6"><title>{}: CPU {:.0}%, memory {:.1} MB</title></circle>"##,
                x_of(s.time.as_secs_f64(), t_max),
                cpu_y(s),
                format_duration(s.time.as_secs_f64()),
                s.cpu_percent,
                s.rss_bytes as f64 / 1e6
            );
        }
    }
    if let Some(l) = limit_mb {
        let y = top + RES_H * (1.0 - (l / mem_max).clamp(0.0, 1.0));
        let _ = writeln!(
            svg,
            r##"<line class="memory-limit" x1="{LEFT}" x2="{}" y1="{y:.2}" y2="{y:.2}" stroke="#e6550d" stroke-width="1.5" stroke-dasharray="6 4"><title>memory limit {l:.1} MB</title></line><rect x="{LEGEND_X}" y="{}" width="14" height="2" fill="#e6550d"/><text x="{}" y="{}">Memory limit ({l:.1} MB)</text>"##,
            LEFT + PLOT_W,
            top + 49.0,
            LEGEND_X + 20.0,
            top + 52.0
        );
    }
    time_axis(svg, top + RES_H, t_max);
    let _ = writeln!(
        svg,
        r##"<rect x="{LEGEND_X}" y="{}" width="14" height="4" fill="#1f77b4"/><text x="{}" y="{}">CPU %</text><rect x="{LEGEND_X}" y="{}" width="14" height="4" fill="#e6550d"/><text x="{}" y="{}">Memory (MB)</text>"##,
        top + 6.0,
        LEGEND_X + 20.0,
        top + 12.0,
        top + 26.0,
        LEGEND_X + 20.0,
        top + 32.0
    );
    svg.push_str("</g>\n");
    height
}

/// Ticks and labels along `y`, in ms or s.
fn time_axis(svg: &mut String, y: f64, t_max: f64) {
    let (unit, scale) = if t_max < 1.0 { ("ms", 1e3) } else { ("s", 1.0) };
    let step = nice_step(t_max * scale, 8) / scale;
    let mut i = 0u32;
    loop {
        let t = step * f64::from(i);
        if t > t_max * (1.0 + 1e-9) {
            break;
        }
        let x = x_of(t, t_max);
        let _ = writeln!(
            svg,
            r##"<line x1="{x:.2}" x2="{x:.2}" y1="{y}" y2="{}" stroke="#888"/><text x="{x:.2}" y="{}" text-anchor="middle">{}</text>"##,
            y + 5.0,
            y + 18.0,
            trim_number(t * scale)
        );
        i += 1;
    }
    let _ = writeln!(
        svg,
        r#"<text x="{}" y="{}" text-anchor="middle">time ({unit})</text>"#,
        LEFT + PLOT_W / 2.0,
        y + 34.0
    );
}

/// A step of 1, 2 or 5 times a power of ten giving at most `ticks` ticks.
fn nice_step(range: f64, ticks: u32) -> f64 {
    let raw = (range / f64::from(ticks)).max(f64::MIN_POSITIVE);
    let p = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * p)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * p)
}

/// The smallest 1, 2 or 5 times a power of ten at or above `v` (> 0).
fn nice_ceil(v: f64) -> f64 {
    let p = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * p)
        .find(|s| *s >= v * (1.0 - 1e-12))
        .unwrap_or(10.0 * p)
}

/// `2.5`, `100`, `0.02`: a tick label without trailing zeros.
fn trim_number(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

/// dask's `format_time`: `1.23 ms`, `12.35 us`, `2.00 s`, `20m 34s`.
fn format_duration(t: f64) -> String {
    if t > 600.0 {
        let m = (t / 60.0).floor();
        format!("{m:.0}m {:.0}s", (t - m * 60.0).floor())
    } else if t >= 1.0 {
        format!("{t:.2} s")
    } else if t >= 1e-3 {
        format!("{:.2} ms", t * 1e3)
    } else {
        format!("{:.2} us", t * 1e6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_and_ceilings_are_nice() {
        assert_eq!(nice_step(7.8, 8), 1.0);
        assert_eq!(nice_step(100.0, 8), 20.0);
        assert_eq!(nice_step(0.03, 8), 0.005);
        assert_eq!(nice_ceil(100.0), 100.0);
        assert_eq!(nice_ceil(130.0), 200.0);
        assert_eq!(nice_ceil(3.1), 5.0);
        assert_eq!(trim_number(2.50), "2.5");
        assert_eq!(trim_number(100.0), "100");
        assert_eq!(trim_number(0.0), "0");
    }

    #[test]
    fn durations_read_like_dask() {
        assert_eq!(format_duration(1.0), "1.00 s");
        assert_eq!(format_duration(0.001234), "1.23 ms");
        assert_eq!(format_duration(0.00012345), "123.45 us");
        assert_eq!(format_duration(1234.567), "20m 34s");
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(xml_escape("a<b>&\"c'\u{1}"), "a&lt;b&gt;&amp;&quot;c&#39;");
    }

    #[test]
    fn empty_page_is_valid() {
        let html = render_html(&[]);
        assert!(html.contains("nothing to show"));
        assert!(html.contains("no profiles"));
    }

    #[test]
    fn cluster_rows_name_process_and_bytes() {
        use dklearn_graph::{Callback, ClusterLayout, Key, RemoteTask};
        use std::time::{Duration, Instant};
        let p = Profiler::new();
        p.layout(&ClusterLayout {
            process: 0,
            processes: 2,
            threads: 1,
        });
        let a = Key::from_string("fit-a");
        p.pretask(&a, 0);
        p.sent(&a, 0, 2_000_000, 1);
        p.posttask(&a, 0, true);
        let t = Instant::now();
        p.remote_task(&RemoteTask {
            key: &Key::from_string("fit-b"),
            worker: 1,
            started: t,
            ended: t + Duration::from_millis(3),
            bytes_sent: 0,
        });
        let html = render_html(&[Profile::Tasks(&p)]);
        assert!(html.contains("Tasks by process (p) and worker (w)"));
        assert!(html.contains(">p0 · w0<") && html.contains(">p1 · w1<"));
        assert!(html.contains("on process 1 worker 1"));
        assert!(html.contains("sent 2.000 MB to other processes"));
        assert!(
            html.contains("on 2 processes (p0 1 tasks, 2.00 MB sent; p1 1 tasks, 0.00 MB sent)")
        );
    }
}
