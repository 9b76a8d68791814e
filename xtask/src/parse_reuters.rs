//! `cargo xtask parse-reuters DIR` (issue 3): every document of every `.sgm` file of
//! DIR, one JSON object per line, in file (sorted by name) then document order.
//! `xtask/parity/reuters_sgml.py` compares this output with the reference parser's.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use dklearn_text::{ReutersDocument, ReutersReader};
use serde::Serialize;

/// Flags of `cargo xtask parse-reuters`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Directory of Reuters-21578 `.sgm` files (e.g. the UCI distribution).
    pub dir: PathBuf,
    /// Reproduce the reference parser on malformed documents instead of stopping
    /// with an error (a stray or missing `</REUTERS>`, a missing NEWID).
    #[arg(long)]
    pub lenient: bool,
}

/// The JSON form of a document: the fields in declaration order, plus its file.
#[derive(Serialize)]
struct DocJson<'a> {
    file: &'a str,
    newid: u32,
    lewissplit: &'a str,
    cgisplit: &'a str,
    title: &'a str,
    dateline: &'a str,
    body: &'a str,
    topics: &'a [String],
    places: &'a [String],
    people: &'a [String],
    orgs: &'a [String],
    exchanges: &'a [String],
    companies: &'a [String],
    labels: &'a [String],
}

fn write_doc(out: &mut impl Write, file: &str, d: &ReutersDocument) -> crate::Result<()> {
    let json = DocJson {
        file,
        newid: d.newid,
        lewissplit: &d.lewissplit,
        cgisplit: &d.cgisplit,
        title: &d.title,
        dateline: &d.dateline,
        body: &d.body,
        topics: &d.topics,
        places: &d.places,
        people: &d.people,
        orgs: &d.orgs,
        exchanges: &d.exchanges,
        companies: &d.companies,
        labels: &d.labels,
    };
    serde_json::to_writer(&mut *out, &json).map_err(|e| format!("writing JSON: {e}"))?;
    out.write_all(b"\n")
        .map_err(|e| format!("writing to stdout: {e}"))
}

pub(crate) fn run(args: Args) -> crate::Result<()> {
    let files = dklearn_reuters::sgm_files(&args.dir).map_err(|e| e.to_string())?;
    if files.is_empty() {
        return Err(format!("no .sgm files in {}", args.dir.display()));
    }
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    for path in &files {
        let file = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let reader = ReutersReader::new(file, path.display().to_string()).lenient(args.lenient);
        for doc in reader {
            let doc = doc.map_err(|e| e.to_string())?;
            write_doc(&mut out, &name, &doc)?;
        }
    }
    out.flush().map_err(|e| format!("writing to stdout: {e}"))
}
