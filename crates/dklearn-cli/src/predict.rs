//! `dklearn predict --model FILE [--decision-function] [--proba] [--skip-bad-lines]`
//!
//! Reads one JSON string per line on stdin (a text; `\r\n` endings are
//! accepted) and writes one JSON value per line on stdout, in order:
//! the predicted label (`1`, `"earn"`); with `--decision-function`
//! `{"label": ..., "decision": [...]}`; with `--proba` `{"label": ..., "proba": [...]}`
//! (both flags: both fields). Streaming: lines are read, vectorized and
//! predicted in batches of about 1 MiB, and each batch is written before the
//! next is read. A line that is not a JSON string is an error naming its
//! line number; with `--skip-bad-lines` it is reported on stderr, gets no
//! output line, and the count is printed at the end.

use dklearn_skops::{FittedTextPipeline, Label, Skops, SkopsLabel};
use std::io::{BufRead, BufWriter, Write};
use std::path::PathBuf;

/// Flags of `dklearn predict`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// A skops file holding a fitted Pipeline([HashingVectorizer, classifier])
    /// (as `cargo xtask reproduce --save-models` or scikit-learn + skops write).
    #[arg(long)]
    model: PathBuf,
    /// Write {"label": ..., "decision": [...]} (the decision_function values).
    #[arg(long)]
    decision_function: bool,
    /// Write {"label": ..., "proba": [...]} (predict_proba, in classes_ order).
    #[arg(long)]
    proba: bool,
    /// Report lines that are not JSON strings on stderr and go on.
    #[arg(long)]
    skip_bad_lines: bool,
}

/// Bytes of text per batch.
const BATCH_BYTES: usize = 1 << 20;

/// An error on one input line.
#[derive(Debug)]
struct LineError {
    line: u64,
    message: String,
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "stdin line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for LineError {}

/// Runs the subcommand on stdin and stdout.
pub(crate) fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut err = std::io::stderr();
    predict(&args, &mut stdin.lock(), &mut stdout.lock(), &mut err)
}

fn predict(
    args: &Args,
    input: &mut dyn BufRead,
    output: &mut dyn Write,
    errors: &mut dyn Write,
) -> Result<(), Box<dyn std::error::Error>> {
    let pipe = FittedTextPipeline::<Label>::load(&args.model)?;
    if args.decision_function && !pipe.est.has_decision_function() {
        return Err(format!(
            "--decision-function: the model's {} has no decision_function",
            pipe.est.class_name()
        )
        .into());
    }
    if args.proba && !pipe.est.has_predict_proba() {
        return Err(format!(
            "--proba: the model's {} has no predict_proba (SGDClassifier needs \
             loss='log_loss' or 'modified_huber')",
            pipe.est.class_name()
        )
        .into());
    }
    let mut out = BufWriter::with_capacity(1 << 16, output);
    let mut raw = Vec::new();
    let mut texts: Vec<String> = Vec::new();
    let mut line_no: u64 = 0;
    let mut skipped: u64 = 0;
    let mut eof = false;
    while !eof {
        texts.clear();
        let mut bytes = 0;
        while bytes < BATCH_BYTES {
            raw.clear();
            if input.read_until(b'\n', &mut raw)? == 0 {
                eof = true;
                break;
            }
            line_no += 1;
            let mut line = raw.as_slice();
            if let Some(l) = line.strip_suffix(b"\n") {
                line = l.strip_suffix(b"\r").unwrap_or(l);
            }
            match serde_json::from_slice::<String>(line) {
                Ok(t) => {
                    bytes += t.len() + 1;
                    texts.push(t);
                }
                Err(e) => {
                    let bad = LineError {
                        line: line_no,
                        message: format!("not a JSON string: {e}"),
                    };
                    if !args.skip_bad_lines {
                        return Err(bad.into());
                    }
                    skipped += 1;
                    writeln!(errors, "dklearn predict: skipped {bad}")?;
                }
            }
        }
        if texts.is_empty() {
            continue;
        }
        write_batch(args, &pipe, &texts, &mut out)?;
        out.flush()?;
    }
    out.flush()?;
    if skipped > 0 {
        writeln!(
            errors,
            "dklearn predict: {skipped} of {line_no} lines skipped (not JSON strings)"
        )?;
    }
    Ok(())
}

fn write_batch(
    args: &Args,
    pipe: &FittedTextPipeline<Label>,
    texts: &[String],
    out: &mut dyn Write,
) -> Result<(), Box<dyn std::error::Error>> {
    let x = pipe.vect.transform(texts);
    let labels = pipe.est.predict(&x)?;
    let decision = if args.decision_function {
        Some(pipe.est.decision_function(&x)?)
    } else {
        None
    };
    let proba = if args.proba {
        Some(pipe.est.predict_proba(&x)?)
    } else {
        None
    };
    // Serialised into memory first, so a failed write is the plain
    // `io::Error` (a closed stdout is recognised by its kind).
    let mut buf = Vec::with_capacity(64 * labels.len());
    for (i, label) in labels.iter().enumerate() {
        if decision.is_none() && proba.is_none() {
            serde_json::to_writer(&mut buf, &label.to_json())?;
        } else {
            let mut obj = serde_json::Map::new();
            obj.insert("label".into(), label.to_json());
            if let Some(d) = &decision {
                obj.insert("decision".into(), d.row(i).to_vec().into());
            }
            if let Some(p) = &proba {
                obj.insert("proba".into(), p.row(i).to_vec().into());
            }
            serde_json::to_writer(&mut buf, &obj)?;
        }
        buf.push(b'\n');
    }
    out.write_all(&buf)?;
    Ok(())
}
