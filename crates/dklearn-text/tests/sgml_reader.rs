//! The Reuters reader on malformed and generated input: errors name the source and
//! line, lenient mode never fails, nothing panics, and documents written out as
//! SGML read back unchanged.

use std::io::{self, Read};

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
fn empty_input_has_no_documents() {
    assert!(strict(b"").expect("empty is fine").is_empty());
    assert!(strict(b"<!DOCTYPE lewis SYSTEM \"lewis.dtd\">\n")
        .expect("no documents")
        .is_empty());
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
fn every_truncation_either_reads_or_fails_cleanly() {
    let full = strict(DOC).expect("valid");
    for cut in 0..DOC.len() {
        match strict(&DOC[..cut]) {
            Ok(docs) => assert!(docs.is_empty() || docs == full, "cut at {cut}"),
            Err(e) => assert!(line_of(&e) >= 1, "cut at {cut}"),
        }
    }
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
            (TEXT, TEXT, proptest::collection::vec(TEXT, 0..5), 1u32..100_000), 0..5),
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
