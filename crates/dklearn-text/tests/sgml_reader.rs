//! The Reuters reader on malformed and generated input: errors name the source and
//! line, lenient mode never fails, nothing panics, and documents written out as
//! SGML read back unchanged.

mod common;

use std::io::{self, Read};

use common::truncation_verdict;
use dklearn_text::{read_reuters_file, ErrorKind, ReutersDocument, ReutersReader};
use proptest::prelude::*;

const DOC: &[u8] = b"<!DOCTYPE lewis SYSTEM \"lewis.dtd\">\n\
<REUTERS TOPICS=\"YES\" LEWISSPLIT=\"TRAIN\" CGISPLIT=\"TRAINING-SET\" OLDID=\"5544\" NEWID=\"1\">\n\
<DATE>26-FEB-1987 15:01:01.79</DATE>\n\
<TOPICS><D>cocoa</D></TOPICS>\n\
<PLACES><D>el-salvador</D><D>usa</D></PLACES>\n\
<PEOPLE></PEOPLE>\n<ORGS></ORGS>\n<EXCHANGES></EXCHANGES>\n<COMPANIES></COMPANIES>\n\
<UNKNOWN> \n&#5;&#5;&#5;C T\n</UNKNOWN>\n\
<TEXT>&#2;\n<TITLE>BAHIA COCOA REVIEW</TITLE>\n\
<DATELINE>    SALVADOR, Feb 26 - </DATELINE><BODY>Showers continued\nthroughout the week &lt;BCR&gt;\n Reuter\n&#3;</BODY></TEXT>\n\
</REUTERS>\n";

fn strict(data: &[u8]) -> Result<Vec<ReutersDocument>, dklearn_text::Error> {
    ReutersReader::new(data, "t.sgm").collect()
}

fn lenient(data: &[u8], chunk: usize) -> Vec<ReutersDocument> {
    ReutersReader::new(data, "t.sgm")
        .chunk_size(chunk)
        .lenient(true)
        .collect::<Result<_, _>>()
        .expect("lenient mode does not fail on in-memory input")
}

fn line_of(e: &dklearn_text::Error) -> usize {
    match e.kind() {
        ErrorKind::Malformed { source, line, .. } => {
            assert_eq!(source, "t.sgm");
            *line
        }
        other => panic!("expected Malformed, got {other:?}"),
    }
}

#[test]
fn a_real_looking_document() {
    let docs = strict(DOC).expect("valid");
    assert_eq!(docs.len(), 1);
    let d = &docs[0];
    assert_eq!(d.newid, 1);
    assert_eq!(d.title, "BAHIA COCOA REVIEW");
    assert_eq!(
        d.body,
        "Showers continued throughout the week <BCR> Reuter "
    );
    assert_eq!(d.dateline, "    SALVADOR, Feb 26 - ");
    assert_eq!(d.labels, ["cocoa", "el-salvador", "usa"]);
    assert_eq!(d.topics, ["cocoa"]);
    assert_eq!(d.places, ["el-salvador", "usa"]);
    assert_eq!(
        d.text(),
        "BAHIA COCOA REVIEW\n\nShowers continued throughout the week <BCR> Reuter "
    );
}

#[test]
fn input_without_a_document_is_an_error_in_strict_mode_only() {
    // Issue 12: an empty `.sgm`, or 1 MB of random bytes without NUL, was read as
    // zero documents.
    let mut random = Vec::with_capacity(1 << 20);
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    while random.len() < 1 << 20 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        random.extend(x.to_le_bytes().iter().map(|&b| b.max(1)));
    }
    for data in [
        &b""[..],
        b"<!DOCTYPE lewis SYSTEM \"lewis.dtd\">\n",
        &random,
    ] {
        let e = strict(data).expect_err("no document");
        assert_eq!(line_of(&e), 1, "{e}");
        assert!(e.to_string().contains("no <REUTERS> document"), "{e}");
        assert!(lenient(data, 1 << 16).is_empty());
    }
}

/// `DOC` twice (the second without the DOCTYPE and with NEWID 2).
fn two_docs() -> Vec<u8> {
    let mut two = DOC.to_vec();
    let second = String::from_utf8(DOC[36..].to_vec())
        .expect("ascii")
        .replace("NEWID=\"1\"", "NEWID=\"2\"");
    two.extend_from_slice(second.as_bytes());
    two
}

#[test]
fn every_cut_not_between_documents_is_an_error() {
    // Issue 12: a cut inside the `<REUTERS ...` opening tag was read as text and
    // the partial document silently dropped.
    let two = two_docs();
    let full = strict(&two).expect("valid");
    assert_eq!(full.len(), 2);
    for cut in 0..=two.len() {
        let prefix = &two[..cut];
        match truncation_verdict(prefix) {
            Some(k) => assert_eq!(
                strict(prefix).expect("a cut between documents reads"),
                full[..k],
                "cut at {cut}"
            ),
            None => {
                let e = strict(prefix).expect_err(&format!("cut at {cut} must be an error"));
                assert!(line_of(&e) >= 1, "cut at {cut}");
            }
        }
    }
    let second = two.windows(8).rposition(|w| w == b"<REUTERS").expect("2nd");
    let e = strict(&two[..second + 12]).expect_err("cut in the tag");
    assert!(e.to_string().contains("cut off by the end of input"), "{e}");
}

#[test]
fn a_document_over_the_maximum_size_is_an_error_in_both_modes() {
    let two = two_docs();
    let one = DOC.len() - 36;
    for lenient in [false, true] {
        for chunk in [7, 1 << 16] {
            let r = |max| {
                ReutersReader::new(&two[..], "t.sgm")
                    .lenient(lenient)
                    .chunk_size(chunk)
                    .max_document_size(max)
                    .collect::<Result<Vec<_>, _>>()
            };
            assert_eq!(r(DOC.len()).expect("fits").len(), 2);
            let e = r(one - 1).expect_err("second document too large");
            assert!(e.to_string().contains("maximum document size"), "{e}");
        }
    }
}

/// Endless NUL bytes (`/dev/zero`) that fail once `limit` bytes were read.
struct Zeros {
    read: usize,
    limit: usize,
}

impl Read for Zeros {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.read >= self.limit {
            return Err(io::Error::other("read far past the maximum document size"));
        }
        let n = buf.len().min(self.limit - self.read);
        buf[..n].fill(0);
        self.read += n;
        Ok(n)
    }
}

#[test]
fn endless_input_stops_at_the_maximum_document_size() {
    // Issue 12: `--lenient` on a `/dev/zero` symlink buffered without limit.
    let max = 1 << 20;
    let mut r = ReutersReader::new(
        Zeros {
            read: 0,
            limit: 3 * max,
        },
        "zero.sgm",
    )
    .lenient(true)
    .max_document_size(max);
    let e = r.next().expect("an item").expect_err("too large");
    assert!(e.to_string().contains("maximum document size"), "{e}");
    assert!(e.to_string().starts_with("zero.sgm:1: "), "{e}");
    assert!(r.next().is_none());
}

#[test]
fn a_truncated_file_is_an_error_at_its_document() {
    let body_start = DOC.windows(6).position(|w| w == b"<BODY>").expect("body");
    let e = strict(&DOC[..body_start + 10]).expect_err("truncated");
    assert_eq!(line_of(&e), 2, "the line of the open <REUTERS>: {e}");
    assert!(e.to_string().starts_with("t.sgm:2: "), "{e}");
    // Lenient mode does what the reference does: the open document is dropped.
    assert!(lenient(&DOC[..body_start + 10], 64).is_empty());
}

#[test]
fn a_missing_end_tag_is_an_error_at_the_next_document() {
    let mut two = DOC.to_vec();
    let end = two
        .windows(10)
        .position(|w| w == b"</REUTERS>")
        .expect("end");
    two.drain(end..end + 10);
    two.extend_from_slice(&DOC[36..]); // the second document, without the DOCTYPE
    let e = strict(&two).expect_err("missing </REUTERS>");
    let second = two[..two.len() - (DOC.len() - 36)]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1;
    assert_eq!(line_of(&e), second, "{e}");
    assert!(e.to_string().contains("missing </REUTERS>"), "{e}");
    // The reference merges the two documents: so does lenient mode.
    let merged = lenient(&two, 1 << 16);
    assert_eq!(merged.len(), 1);
    assert_eq!(merged[0].title, "BAHIA COCOA REVIEWBAHIA COCOA REVIEW");
    assert_eq!(merged[0].labels.len(), 6);
}

#[test]
fn bad_bytes() {
    let mut nul = DOC.to_vec();
    let at = nul
        .windows(7)
        .position(|w| w == b"Showers")
        .expect("body text");
    nul[at] = 0;
    let e = strict(&nul).expect_err("NUL");
    assert!(e.to_string().contains("NUL"), "{e}");
    // Every other byte is a latin-1 character.
    let mut high = DOC.to_vec();
    high[at] = 0xFC;
    high[at + 1] = 0xFF;
    let docs = strict(&high).expect("latin-1");
    assert!(
        docs[0].body.starts_with("\u{fc}\u{ff}owers"),
        "{}",
        docs[0].body
    );
}

#[test]
fn unclosed_and_misnested_tags_follow_the_reference() {
    // An unclosed <BODY> takes every later text of the document, <TITLE>'s included.
    let s = b"<REUTERS NEWID=\"1\"><BODY>a <TITLE>t</TITLE> b</REUTERS><REUTERS NEWID=\"2\"><TITLE>u</REUTERS>";
    let docs = strict(s).expect("well nested enough");
    assert_eq!((&docs[0].title[..], &docs[0].body[..]), ("", "a t b"));
    assert_eq!((&docs[1].title[..], &docs[1].body[..]), ("u", ""));
    // <D> outside any category still counts as a label; an unclosed one is dropped.
    let docs = strict(b"<REUTERS NEWID=\"3\"><D>x</D><TOPICS><D>y</REUTERS>").expect("ok");
    assert_eq!(docs[0].labels, ["x"]);
    assert!(docs[0].topics.is_empty());
    // A stray `<` and `&` are text.
    let docs = strict(b"<REUTERS NEWID=\"4\"><BODY>1 < 2 & 3 <= 4</BODY></REUTERS>").expect("ok");
    assert_eq!(docs[0].body, "1 < 2 & 3 <= 4");
}

struct Failing;

impl Read for Failing {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        Err(io::Error::other("disk on fire"))
    }
}

#[test]
fn io_errors_name_the_source() {
    let mut r = ReutersReader::new(Failing, "broken.sgm");
    let e = r.next().expect("an item").expect_err("I/O error");
    assert!(matches!(e.kind(), ErrorKind::Io { .. }));
    assert_eq!(e.to_string(), "broken.sgm: disk on fire");
    // The cause is the reader's own io::Error, reachable by source().
    let io = std::error::Error::source(&e).and_then(|s| s.downcast_ref::<io::Error>());
    assert_eq!(io.map(|e| e.kind()), Some(io::ErrorKind::Other));
    assert!(r.next().is_none(), "the reader stops after an error");
    let e = read_reuters_file("/nonexistent/reut2-000.sgm").expect_err("missing file");
    assert!(
        e.to_string().starts_with("/nonexistent/reut2-000.sgm: "),
        "{e}"
    );
    match e.kind() {
        ErrorKind::Io { path, source } => {
            assert_eq!(path, std::path::Path::new("/nonexistent/reut2-000.sgm"));
            assert_eq!(source.kind(), io::ErrorKind::NotFound);
        }
        k => panic!("expected Io, got {k:?}"),
    }
}

/// Writes `text` as SGML character data that reads back as `text`.
fn escape(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for c in text.chars() {
        match c {
            '&' => out.extend_from_slice(b"&amp;"),
            '<' => out.extend_from_slice(b"&lt;"),
            c if (c as u32) < 0x100 => out.push(c as u8),
            c => out.extend_from_slice(format!("&#{};", c as u32).as_bytes()),
        }
    }
    out
}

/// `re.sub(r"\s+", " ", s)` with Python's `\s`.
fn collapse(s: &str) -> String {
    let mut out = String::new();
    let mut space = false;
    for c in s.chars() {
        let ws = c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c);
        if !ws {
            out.push(c);
        } else if !space {
            out.push(' ');
        }
        space = ws;
    }
    out
}

const TEXT: &str = "[a-zA-Z0-9 \n\t&<>;#'\"=/!\u{a0}-\u{ff}\u{100}-\u{3000}]{0,40}";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..600), chunk in 1usize..80) {
        for r in ReutersReader::new(&data[..], "fuzz").chunk_size(chunk) {
            if let Err(e) = r {
                prop_assert!(e.to_string().starts_with("fuzz:"));
            }
        }
        let docs = ReutersReader::new(&data[..], "fuzz").chunk_size(chunk).lenient(true);
        for r in docs {
            prop_assert!(r.is_ok());
        }
    }

    #[test]
    fn markup_soup_never_panics_and_chunking_does_not_matter(
        parts in proptest::collection::vec(prop::sample::select(vec![
            "<", ">", "&", "&amp", "&#3;", "<D>", "</D>", "<TITLE>", "</TITLE>", "<BODY>", "</BODY>",
            "<!--", "-->", "<br/>", "<a b='x'>", "=", "'", "\"", "\n", " ", "x", "</", "<![CDATA[",
            "]]>", "<script>", "</script>", "<REUTERS NEWID=\"1\">", "</REUTERS>",
        ]), 0..40),
        chunk in 1usize..16,
    ) {
        let data = parts.concat().into_bytes();
        let whole = lenient(&data, 1 << 16);
        let chunked = lenient(&data, chunk);
        prop_assert_eq!(whole, chunked);
    }

    #[test]
    fn documents_round_trip(
        docs in proptest::collection::vec(
            (TEXT, TEXT, proptest::collection::vec(TEXT, 0..5), 1u32..100_000), 1..5),
        chunk in 1usize..64,
    ) {
        let mut sgml = b"<!DOCTYPE lewis SYSTEM \"lewis.dtd\">\n".to_vec();
        for (title, body, labels, newid) in &docs {
            sgml.extend_from_slice(format!("<REUTERS LEWISSPLIT=\"TEST\" NEWID=\"{newid}\">\n<TOPICS>").as_bytes());
            for l in labels {
                sgml.extend_from_slice(b"<D>");
                sgml.extend(escape(l));
                sgml.extend_from_slice(b"</D>");
            }
            sgml.extend_from_slice(b"</TOPICS>\n<TEXT><TITLE>");
            sgml.extend(escape(title));
            sgml.extend_from_slice(b"</TITLE><BODY>");
            sgml.extend(escape(body));
            sgml.extend_from_slice(b"&#3;</BODY></TEXT>\n</REUTERS>\n");
        }
        let read: Vec<_> = ReutersReader::new(&sgml[..], "gen.sgm")
            .chunk_size(chunk)
            .collect::<Result<_, _>>()
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(read.len(), docs.len());
        for (got, (title, body, labels, newid)) in read.iter().zip(&docs) {
            prop_assert_eq!(&got.title, title);
            prop_assert_eq!(&got.body, &collapse(body));
            prop_assert_eq!(&got.labels, labels);
            prop_assert_eq!(&got.topics, labels);
            prop_assert_eq!(got.newid, *newid);
            prop_assert_eq!(&got.lewissplit, "TEST");
        }
    }
}
