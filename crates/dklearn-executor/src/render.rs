//! Pictures of a graph: Graphviz DOT text, and a standalone SVG/HTML with a
//! simple layered layout (no Graphviz, no network), like dask's `visualize()`.

use std::collections::BTreeMap;
use std::fmt::Write;

use dklearn_graph::{Error, Graph, Key};
use std::collections::HashMap;

/// Fill colors for key-name groups, assigned in sorted name order.
const PALETTE: [&str; 12] = [
    "#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462", "#b3de69", "#fccde5",
    "#d9d9d9", "#bc80bd", "#ccebc5", "#ffed6f",
];

/// Distinct key names (prefixes) with their task counts and colors, sorted by name.
fn groups(graph: &Graph) -> BTreeMap<&str, (usize, &'static str)> {
    let mut names: BTreeMap<&str, (usize, &'static str)> = BTreeMap::new();
    for k in graph.keys() {
        names.entry(k.name()).or_insert((0, "")).0 += 1;
    }
    for (i, v) in names.values_mut().enumerate() {
        v.1 = PALETTE[i % PALETTE.len()];
    }
    names
}

fn dot_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Escapes text for XML/HTML content and attribute values; control
/// characters other than tab and newline, which XML 1.0 forbids, are dropped
/// (tested in `visualize`'s tests).
pub(crate) fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// Graphviz DOT text for `graph`: one node per task labelled with its key
/// name and colored by it (literals as boxes, computations as ellipses),
/// one edge per dependency, dependencies below their dependents as in dask.
/// Dependencies missing from the graph are drawn dashed. Output is sorted,
/// so equal graphs give equal text.
///
/// ```
/// use dklearn_executor::to_dot;
/// use dklearn_graph::Delayed;
/// let x = Delayed::value("x", 1u8).map("inc", |v| v + 1);
/// let dot = to_dot(x.graph());
/// assert!(dot.starts_with("digraph {"));
/// assert_eq!(dot.matches(" -> ").count(), 1);
/// ```
pub fn to_dot(graph: &Graph) -> String {
    let groups = groups(graph);
    let mut out = String::from(
        "digraph {\n  graph [rankdir=BT];\n  node [style=filled, fontname=\"Helvetica\"];\n",
    );
    let keys = graph.sorted_keys();
    let mut missing: Vec<&Key> = Vec::new();
    for k in &keys {
        let Some(task) = graph.get(k) else { continue };
        let color = groups.get(k.name()).map_or("#ffffff", |g| g.1);
        let shape = if task.is_literal() { "box" } else { "ellipse" };
        let _ = writeln!(
            out,
            "  {} [label={}, shape={shape}, fillcolor=\"{color}\", tooltip={}];",
            dot_quote(k.as_str()),
            dot_quote(k.name()),
            dot_quote(k.as_str()),
        );
        for d in task.deps() {
            if !graph.contains(d) {
                missing.push(d);
            }
        }
    }
    missing.sort_unstable();
    missing.dedup();
    for d in missing {
        let _ = writeln!(
            out,
            "  {} [label={}, style=dashed, tooltip=\"missing\"];",
            dot_quote(d.as_str()),
            dot_quote(d.name()),
        );
    }
    for k in &keys {
        let Some(task) = graph.get(k) else { continue };
        for d in task.deps() {
            let _ = writeln!(
                out,
                "  {} -> {};",
                dot_quote(d.as_str()),
                dot_quote(k.as_str())
            );
        }
    }
    out.push_str("}\n");
    out
}

/// Node box geometry of the SVG layout.
const NODE_W: f64 = 132.0;
const NODE_H: f64 = 30.0;
const GAP_X: f64 = 16.0;
const GAP_Y: f64 = 48.0;
const MARGIN: f64 = 20.0;
const LEGEND_ROW: f64 = 20.0;

/// A layered layout: tasks placed in rows by depth (longest path from a
/// task with no dependencies), each row ordered by the mean position of the
/// tasks' dependencies, ties by key.
struct Layout {
    rows: Vec<Vec<Key>>,
    pos: Positions,
}

/// Row and column of each task.
type Positions = std::collections::HashMap<Key, (usize, usize)>;

fn layout(graph: &Graph) -> Result<Layout, Error> {
    let order = graph.toposort_all()?;
    let mut depth: HashMap<&Key, usize> = HashMap::with_capacity(graph.len());
    let mut rows: Vec<Vec<Key>> = Vec::new();
    for k in &order {
        let d = graph
            .get(k)
            .map(|t| {
                t.deps()
                    .iter()
                    .filter_map(|d| depth.get(d).map(|x| x + 1))
                    .max()
                    .unwrap_or(0)
            })
            .unwrap_or(0);
        depth.insert(k, d);
        if rows.len() <= d {
            rows.resize_with(d + 1, Vec::new);
        }
        rows[d].push(k.clone());
    }
    let mut pos: Positions = Positions::with_capacity(order.len());
    for (r, row) in rows.iter_mut().enumerate() {
        let mut scored: Vec<(f64, Key)> = row
            .drain(..)
            .map(|k| {
                let deps = graph.get(&k).map(|t| t.deps()).unwrap_or(&[]);
                let placed: Vec<f64> = deps
                    .iter()
                    .filter_map(|d| pos.get(d).map(|p| p.1 as f64))
                    .collect();
                let score = if placed.is_empty() {
                    f64::INFINITY
                } else {
                    placed.iter().sum::<f64>() / placed.len() as f64
                };
                (score, k)
            })
            .collect();
        scored.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
        for (c, (_, k)) in scored.into_iter().enumerate() {
            pos.insert(k.clone(), (r, c));
            row.push(k);
        }
    }
    Ok(Layout { rows, pos })
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// A standalone SVG picture of `graph`: tasks as rounded boxes in rows by
/// depth (inputs at the top), colored by key name with a legend of names and
/// task counts; hovering a box shows its full key. Errors (naming the keys)
/// if the graph has a cycle or a missing dependency.
///
/// ```
/// use dklearn_executor::to_svg;
/// use dklearn_graph::Bag;
/// let b = Bag::from_sequence(vec![1u32, 2, 3, 4], 2).map("inc", |x| x + 1);
/// let svg = to_svg(b.graph()).unwrap();
/// assert!(svg.starts_with("<svg"));
/// assert_eq!(svg.matches("class=\"task\"").count(), 4);
/// ```
pub fn to_svg(graph: &Graph) -> Result<String, Error> {
    let lay = layout(graph)?;
    let groups = groups(graph);
    let widest = lay.rows.iter().map(Vec::len).max().unwrap_or(0);
    let legend_h = groups.len() as f64 * LEGEND_ROW + if groups.is_empty() { 0.0 } else { 10.0 };
    let top = MARGIN + legend_h;
    let width = (2.0 * MARGIN + widest as f64 * (NODE_W + GAP_X)).max(260.0);
    let height = top + lay.rows.len() as f64 * (NODE_H + GAP_Y) + MARGIN;
    let xy = |(r, c): (usize, usize)| {
        (
            MARGIN + c as f64 * (NODE_W + GAP_X),
            top + r as f64 * (NODE_H + GAP_Y),
        )
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" \
         viewBox=\"0 0 {width:.0} {height:.0}\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">"
    );
    out.push_str(
        "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"6\" \
         markerHeight=\"6\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#888\"/></marker></defs>\n",
    );
    let _ = writeln!(
        out,
        "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>"
    );
    // Legend: one row per key name.
    for (i, (name, (count, color))) in groups.iter().enumerate() {
        let y = MARGIN + i as f64 * LEGEND_ROW;
        let _ = writeln!(
            out,
            "<g class=\"legend\"><rect x=\"{MARGIN}\" y=\"{y:.1}\" width=\"14\" height=\"14\" fill=\"{color}\" stroke=\"#555\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\">{} ({count})</text></g>",
            MARGIN + 20.0,
            y + 11.0,
            xml_escape(name)
        );
    }
    // Edges under the boxes.
    out.push_str("<g class=\"edges\" fill=\"none\" stroke=\"#888\" stroke-width=\"1\">\n");
    for row in &lay.rows {
        for k in row {
            let (Some(task), Some(&p)) = (graph.get(k), lay.pos.get(k)) else {
                continue;
            };
            let (x1, y1) = xy(p);
            for d in task.deps() {
                let Some(&q) = lay.pos.get(d) else { continue };
                let (x0, y0) = xy(q);
                let (sx, sy) = (x0 + NODE_W / 2.0, y0 + NODE_H);
                let (ex, ey) = (x1 + NODE_W / 2.0, y1);
                let my = (sy + ey) / 2.0;
                let _ = writeln!(
                    out,
                    "<path d=\"M{sx:.1},{sy:.1} C{sx:.1},{my:.1} {ex:.1},{my:.1} {ex:.1},{ey:.1}\" marker-end=\"url(#arrow)\"/>"
                );
            }
        }
    }
    out.push_str("</g>\n");
    for row in &lay.rows {
        for k in row {
            let (Some(task), Some(&p)) = (graph.get(k), lay.pos.get(k)) else {
                continue;
            };
            let (x, y) = xy(p);
            let color = groups.get(k.name()).map_or("#ffffff", |g| g.1);
            let rx = if task.is_literal() { 2 } else { 12 };
            let _ = writeln!(
                out,
                "<g class=\"task\"><title>{} ({} deps)</title><rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{NODE_W}\" \
                 height=\"{NODE_H}\" rx=\"{rx}\" fill=\"{color}\" stroke=\"#444\"/><text x=\"{:.1}\" y=\"{:.1}\" \
                 text-anchor=\"middle\">{}</text></g>",
                xml_escape(k.as_str()),
                task.deps().len(),
                x + NODE_W / 2.0,
                y + NODE_H / 2.0 + 4.0,
                xml_escape(&truncate(k.name(), 18))
            );
        }
    }
    out.push_str("</svg>\n");
    Ok(out)
}

/// A standalone HTML page (no scripts, no network) with a summary table of
/// key names and the [`to_svg`] picture.
pub fn to_html(graph: &Graph) -> Result<String, Error> {
    let svg = to_svg(graph)?;
    let groups = groups(graph);
    let edges: usize = graph.iter().map(|(_, t)| t.deps().len()).sum();
    let mut out = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>dklearn task graph</title>\n<style>\n\
         body { font-family: Helvetica, Arial, sans-serif; margin: 1.5em; }\n\
         table { border-collapse: collapse; margin-bottom: 1em; }\n\
         td, th { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: left; }\n\
         .swatch { display: inline-block; width: 1em; height: 1em; border: 1px solid #555; }\n\
         .picture { overflow: auto; border: 1px solid #ddd; }\n\
         </style>\n</head>\n<body>\n<h1>Task graph</h1>\n",
    );
    let _ = writeln!(
        out,
        "<p>{} tasks, {edges} dependencies, {} key names.</p>",
        graph.len(),
        groups.len()
    );
    out.push_str("<table>\n<tr><th></th><th>name</th><th>tasks</th></tr>\n");
    for (name, (count, color)) in &groups {
        let _ = writeln!(
            out,
            "<tr><td><span class=\"swatch\" style=\"background:{color}\"></span></td><td>{}</td><td>{count}</td></tr>",
            xml_escape(name)
        );
    }
    out.push_str("</table>\n<div class=\"picture\">\n");
    out.push_str(&svg);
    out.push_str("</div>\n</body>\n</html>\n");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use dklearn_graph::{ErrorKind, Task, Value};
    use std::sync::Arc;

    fn k(s: &str) -> Key {
        Key::from_string(s)
    }

    fn node(deps: &[&str]) -> Task {
        Task::new(deps.iter().map(|d| k(d)).collect(), |_: &[Value]| {
            Ok(Arc::new(()) as Value)
        })
    }

    #[test]
    fn dot_escapes_and_marks_missing() {
        let mut g = Graph::new();
        g.insert(k("a\"b"), Task::literal(Arc::new(1u8)));
        g.insert(k("c"), node(&["a\"b", "ghost"]));
        let dot = to_dot(&g);
        assert!(
            dot.contains("\"a\\\"b\" [label=\"a\\\"b\", shape=box"),
            "{dot}"
        );
        assert!(
            dot.contains("\"ghost\" [label=\"ghost\", style=dashed"),
            "{dot}"
        );
        assert_eq!(dot.matches(" -> ").count(), 2);
        assert_eq!(dot, to_dot(&g.clone()));
    }

    #[test]
    fn svg_layers_by_depth() {
        let mut g = Graph::new();
        g.insert(k("a"), node(&[]));
        g.insert(k("b"), node(&["a"]));
        g.insert(k("c"), node(&["a", "b"]));
        g.insert(k("<x&y>"), node(&[]));
        let lay = layout(&g).unwrap();
        assert_eq!(lay.rows.len(), 3);
        assert_eq!(lay.rows[0], vec![k("<x&y>"), k("a")]);
        assert_eq!(lay.rows[2], vec![k("c")]);
        let svg = to_svg(&g).unwrap();
        assert_eq!(svg.matches("class=\"task\"").count(), 4);
        assert_eq!(svg.matches("marker-end").count(), 3);
        assert!(svg.contains("&lt;x&amp;y&gt;"));
        assert!(!svg.contains("<x&y>"));
        let html = to_html(&g).unwrap();
        assert!(html.contains("<p>4 tasks, 3 dependencies, 4 key names.</p>"));
        assert!(html.contains(&svg));
    }

    #[test]
    fn svg_of_bad_graph_is_an_error() {
        let mut g = Graph::new();
        g.insert(k("a"), node(&["b"]));
        g.insert(k("b"), node(&["a"]));
        assert!(matches!(
            to_svg(&g).unwrap_err().kind(),
            ErrorKind::Cycle(_)
        ));
        let mut g = Graph::new();
        g.insert(k("a"), node(&["nope"]));
        assert!(matches!(
            to_html(&g).unwrap_err().kind(),
            ErrorKind::MissingDependency { .. }
        ));
        assert!(to_svg(&Graph::new()).unwrap().starts_with("<svg"));
    }
}
