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

/// One line: a JSON string. A lone surrogate escape (`"\ud800"`), which
/// Python's `json.loads` keeps in the `str`, is read as Python's
/// `HashingVectorizer` would use it: with the word analyzer it is not a word
/// character, so it only separates tokens, exactly as U+FFFD (also neither a
/// word character nor whitespace) does in its place; with `char`/`char_wb`
/// it would be hashed inside an n-gram, where Python raises
/// `UnicodeEncodeError` (murmurhash3 encodes each n-gram as UTF-8), so the
/// line is refused saying so.
fn parse_line(line: &str, analyzer: Analyzer) -> crate::Result<String> {
    let e = match serde_json::from_str::<String>(line) {
        Ok(doc) => return Ok(doc),
        Err(e) => e,
    };
    let Some((doc, lone)) = json_string_with_surrogates(line) else {
        return Err(format!("expected one JSON string: {e}"));
    };
    if lone > 0 && analyzer != Analyzer::Word {
        return Err(format!(
            "a lone surrogate escape (\\ud800-\\udfff without its pair): Python's \
             HashingVectorizer raises UnicodeEncodeError on it with the {analyzer} analyzer \
             (each n-gram is encoded as UTF-8 to be hashed), so it is refused"
        ));
    }
    Ok(doc)
}

/// Decodes a JSON string (surrounded by whitespace only), turning each lone
/// surrogate escape into U+FFFD; the text and the number of lone
/// surrogates, or `None` if it is not a JSON string.
fn json_string_with_surrogates(line: &str) -> Option<(String, usize)> {
    let body = line.trim().strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::with_capacity(body.len());
    let mut lone = 0;
    let mut chars = body.chars().peekable();
    let hex4 = |it: &mut std::iter::Peekable<std::str::Chars<'_>>| -> Option<u32> {
        let mut v = 0;
        for _ in 0..4 {
            v = v * 16 + it.next()?.to_digit(16)?;
        }
        Some(v)
    };
    while let Some(c) = chars.next() {
        match c {
            '"' => return None,
            c if u32::from(c) < 0x20 => return None,
            '\\' => match chars.next()? {
                '"' => out.push('"'),
                '\\' => out.push('\\'),
                '/' => out.push('/'),
                'b' => out.push('\u{8}'),
                'f' => out.push('\u{c}'),
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                't' => out.push('\t'),
                'u' => {
                    let u = hex4(&mut chars)?;
                    if (0xD800..0xDC00).contains(&u) {
                        // A high surrogate: paired only if a low one follows.
                        let mut ahead = chars.clone();
                        let low = (ahead.next() == Some('\\') && ahead.next() == Some('u'))
                            .then(|| hex4(&mut ahead))
                            .flatten()
                            .filter(|l| (0xDC00..0xE000).contains(l));
                        if let Some(l) = low {
                            chars = ahead;
                            out.push(char::from_u32(
                                0x10000 + ((u - 0xD800) << 10) + (l - 0xDC00),
                            )?);
                        } else {
                            lone += 1;
                            out.push('\u{fffd}');
                        }
                    } else if (0xDC00..0xE000).contains(&u) {
                        lone += 1;
                        out.push('\u{fffd}');
                    } else {
                        out.push(char::from_u32(u)?);
                    }
                }
                _ => return None,
            },
            c => out.push(c),
        }
    }
    Some((out, lone))
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
        let doc = parse_line(&line, analyzer).map_err(|e| format!("stdin line {}: {e}", n + 1))?;
        // The raw line is not needed once decoded: free it before hashing.
        drop(line);
        let x = v.transform(&[doc]);
        let (indices, data) = x.row(0);
        serde_json::to_writer(&mut out, &Row { indices, data })
            .map_err(crate::json_stdout_error)?;
        out.write_all(b"\n").map_err(crate::stdout_error)?;
    }
    out.flush().map_err(crate::stdout_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lone_surrogate_is_read_as_python_would_or_refused_saying_why() {
        // Issue 12: "\ud800" gave "unexpected end of hex escape".
        let line = r#""ab\ud800cd \udc00 ef \ud83d\ude00 \u00e9t\u00e9""#;
        let doc = parse_line(line, Analyzer::Word).unwrap();
        assert_eq!(doc, "ab\u{fffd}cd \u{fffd} ef \u{1f600} \u{e9}t\u{e9}");
        // In Python the surrogate splits "ab" from "cd", as U+FFFD does here.
        let v = HashingVectorizer::default();
        let words = v.transform(&["ab cd ef \u{e9}t\u{e9}"]);
        let got = v.transform(&[doc]);
        assert_eq!(got.row(0), words.row(0));
        for analyzer in [Analyzer::Char, Analyzer::CharWb] {
            let e = parse_line(line, analyzer).unwrap_err();
            assert!(
                e.contains("lone surrogate") && e.contains("UnicodeEncodeError"),
                "{e}"
            );
        }
        // Valid strings, pairs included, go through serde_json unchanged.
        assert_eq!(
            parse_line(r#""\ud83d\ude00""#, Analyzer::Char).unwrap(),
            "\u{1f600}"
        );
        // Not a string: still an error naming JSON.
        for bad in ["42", r#""open"#, r#""a" "b""#, r#""\ud800"#] {
            let e = parse_line(bad, Analyzer::Word).unwrap_err();
            assert!(e.contains("expected one JSON string"), "{bad}: {e}");
        }
    }
}
