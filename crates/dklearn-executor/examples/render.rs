//! Writes the graph of a small Chained/Averaged-shaped computation as DOT,
//! SVG and HTML into the directory given as the first argument (default `.`).
//!
//! `cargo run -p dklearn-executor --example render -- /tmp/graph`

use dklearn_executor::{to_dot, to_html, to_svg};
use dklearn_graph::{merge_graphs, Bag, Delayed};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).unwrap_or_else(|| ".".into());
    let docs = Bag::from_sequence((0..40u32).collect(), 4)
        .map("parse", |x| x * 3)
        .filter("remove_empty", |x| x % 2 == 0);
    let chunks = docs.map("vectorize", |x| f64::from(*x)).to_delayed();
    // Chained: each step depends on the previous one and a chunk.
    let mut model = Delayed::value("init", 0.0f64);
    for c in &chunks {
        model = model.join(c, "partial_fit", |m, xs: &Vec<f64>| {
            m + xs.iter().sum::<f64>()
        });
    }
    // Averaged: one fit per chunk, then a mean.
    let fits: Vec<Delayed<f64>> = chunks
        .iter()
        .map(|c| c.map("fit", |xs| xs.iter().sum::<f64>()))
        .collect();
    let avg = Delayed::gather(&fits, "average", &(), |xs: &[&f64]| {
        Ok(xs.iter().copied().sum::<f64>() / xs.len() as f64)
    });
    let (graph, _) = merge_graphs(&[&model, &avg]);
    std::fs::create_dir_all(&dir)?;
    std::fs::write(format!("{dir}/graph.dot"), to_dot(&graph))?;
    std::fs::write(format!("{dir}/graph.svg"), to_svg(&graph)?)?;
    std::fs::write(format!("{dir}/graph.html"), to_html(&graph)?)?;
    println!("{graph:?} written to {dir}/graph.{{dot,svg,html}}");
    Ok(())
}
