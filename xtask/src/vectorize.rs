//! `cargo xtask vectorize`: one JSON string per line on stdin, one hashed
//! sparse row per line on stdout, `{"indices":[...],"data":[...]}` (indices
//! ascending). Defaults are scikit-learn's `HashingVectorizer()`.

use dklearn_text::{Analyzer, HashingVectorizer, Norm};
use std::io::{BufRead, BufWriter, Write};

/// Flags of `cargo xtask vectorize`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Number of columns.
    #[arg(long, default_value_t = 1 << 20)]
    pub n_features: usize,
    /// Sign features by the sign of their hash.
    #[arg(long, default_value = "true", action = clap::ArgAction::Set)]
    pub alternate_sign: bool,
    /// Row normalisation: l2, l1 or none.
    #[arg(long, default_value = "l2")]
    pub norm: String,
    /// Smallest n of the n-grams.
    #[arg(long, default_value_t = 1)]
    pub ngram_min: usize,
    /// Largest n of the n-grams.
    #[arg(long, default_value_t = 1)]
    pub ngram_max: usize,
    /// word, char or char_wb.
    #[arg(long, default_value = "word")]
    pub analyzer: String,
    /// Every non-zero feature becomes 1.
    #[arg(long)]
    pub binary: bool,
    /// Lowercase first (Python's str.lower).
    #[arg(long, default_value = "true", action = clap::ArgAction::Set)]
    pub lowercase: bool,
}

#[derive(serde::Serialize)]
struct Row<'a> {
    indices: &'a [usize],
    data: &'a [f64],
}

pub(crate) fn run(a: Args) -> crate::Result<()> {
    let norm = match a.norm.as_str() {
        "l2" => Some(Norm::L2),
        "l1" => Some(Norm::L1),
        "none" => None,
        other => return Err(format!("--norm must be l2, l1 or none, got {other:?}")),
    };
    let analyzer: Analyzer = a
        .analyzer
        .parse()
        .map_err(|e: dklearn_text::Error| e.to_string())?;
    let v = HashingVectorizer::params()
        .n_features(a.n_features)
        .alternate_sign(a.alternate_sign)
        .norm(norm)
        .ngram_range(a.ngram_min, a.ngram_max)
        .analyzer(analyzer)
        .binary(a.binary)
        .lowercase(a.lowercase)
        .build()
        .map_err(|e| e.to_string())?;
    let stdin = std::io::stdin();
    let mut out = BufWriter::new(std::io::stdout().lock());
    for (n, line) in stdin.lock().lines().enumerate() {
        let line = line.map_err(|e| format!("stdin line {}: {e}", n + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let doc: String = serde_json::from_str(&line)
            .map_err(|e| format!("stdin line {}: expected one JSON string: {e}", n + 1))?;
        let x = v.transform(&[doc]);
        let (indices, data) = x.row(0);
        serde_json::to_writer(&mut out, &Row { indices, data }).map_err(|e| e.to_string())?;
        out.write_all(b"\n").map_err(|e| e.to_string())?;
    }
    out.flush().map_err(|e| e.to_string())
}
