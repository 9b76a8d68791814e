//! The Reuters-21578 SGML reader: the documents the scikit-learn out-of-core
//! example's `ReutersParser` yields, from a streaming byte scanner.
//!
//! The reference parser is Python 3.11's `html.parser.HTMLParser` with
//! `convert_charrefs=True` over latin-1 text. This reader reproduces its
//! tokenization (see `scan`) and its text rules (see `unescape`) byte for byte,
//! instead of using an XML tokenizer: quick-xml rejects or reads differently what
//! HTMLParser tolerates (a `<` that starts no tag is text, `&T` without `;` stays as
//! written, end tags need not match, attribute values may be bare), and exactness
//! against the reference matters more than reuse here.
//!
//! Invariants:
//! - a document is emitted at each `</REUTERS>`; its fields hold the text seen since
//!   the previous `</REUTERS>`, routed as `ReutersParser.handle_data` routes it (body
//!   first, then title, then the current `<D>`), so `title`, `body` and `labels`
//!   equal the reference's for every input both accept;
//! - the input is read in chunks into one buffer that holds only the unparsed tail
//!   (at least the construct being parsed), so a file is never held twice;
//! - no input makes the reader panic: bad input either follows HTMLParser's recovery
//!   or, in strict mode (the default), stops with an [`Error`] naming the source and
//!   line.

mod entities;
mod scan;
mod unescape;

use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorKind};
use scan::{construct_at, find_cdata_end, is_py_space, Construct, RawAttr};
use unescape::{push_latin1, unescape_latin1_into};

/// One `<REUTERS>` document.
///
/// `title`, `body` and `labels` are the reference parser's `title`, `body` and
/// `topics`; the other fields are extras read the same way.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReutersDocument {
    /// The `NEWID` attribute (0 if absent or not a number in lenient mode).
    pub newid: u32,
    /// The `LEWISSPLIT` attribute (`TRAIN`, `TEST` or `NOT-USED`), empty if absent.
    pub lewissplit: String,
    /// The `CGISPLIT` attribute (`TRAINING-SET` or `PUBLISHED-TESTSET`), empty if absent.
    pub cgisplit: String,
    /// Text inside `<TITLE>`, character references decoded, whitespace kept.
    pub title: String,
    /// Text inside `<DATELINE>`, character references decoded, whitespace kept.
    pub dateline: String,
    /// Text inside `<BODY>`, character references decoded, every run of (Python)
    /// whitespace replaced by one space.
    pub body: String,
    /// Text inside `<DATE>`.
    pub date: String,
    /// The `<D>` values inside `<TOPICS>`.
    pub topics: Vec<String>,
    /// The `<D>` values inside `<PLACES>`.
    pub places: Vec<String>,
    /// The `<D>` values inside `<PEOPLE>`.
    pub people: Vec<String>,
    /// The `<D>` values inside `<ORGS>`.
    pub orgs: Vec<String>,
    /// The `<D>` values inside `<EXCHANGES>`.
    pub exchanges: Vec<String>,
    /// The `<D>` values inside `<COMPANIES>`.
    pub companies: Vec<String>,
    /// Every `<D>` value in document order, whatever contains it: the seed's label
    /// set (the example's `end_d` appends them all to `topics`).
    pub labels: Vec<String>,
}

impl ReutersDocument {
    /// The text the seed vectorizes: `title + "\n\n" + body`.
    pub fn text(&self) -> String {
        let mut s = String::with_capacity(self.title.len() + 2 + self.body.len());
        s.push_str(&self.title);
        s.push_str("\n\n");
        s.push_str(&self.body);
        s
    }
}

/// The `<D>` containers, for the per-category lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Category {
    Topics,
    Places,
    People,
    Orgs,
    Exchanges,
    Companies,
}

/// The tags the reader reacts to; HTMLParser lowercases names, so matching is ASCII
/// case-insensitive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Reuters,
    Title,
    Body,
    Dateline,
    Date,
    D,
    Container(Category),
    Script,
    Style,
    Other,
}

fn classify(name: &[u8]) -> Tag {
    let eq = |s: &[u8]| name.eq_ignore_ascii_case(s);
    match name.len() {
        1 if eq(b"d") => Tag::D,
        4 if eq(b"body") => Tag::Body,
        4 if eq(b"date") => Tag::Date,
        4 if eq(b"orgs") => Tag::Container(Category::Orgs),
        5 if eq(b"title") => Tag::Title,
        5 if eq(b"style") => Tag::Style,
        6 if eq(b"topics") => Tag::Container(Category::Topics),
        6 if eq(b"places") => Tag::Container(Category::Places),
        6 if eq(b"people") => Tag::Container(Category::People),
        6 if eq(b"script") => Tag::Script,
        7 if eq(b"reuters") => Tag::Reuters,
        8 if eq(b"dateline") => Tag::Dateline,
        9 if eq(b"exchanges") => Tag::Container(Category::Exchanges),
        9 if eq(b"companies") => Tag::Container(Category::Companies),
        _ => Tag::Other,
    }
}

/// The parser's per-document state: `ReutersParser`'s fields plus the extras.
#[derive(Debug, Default)]
struct DocState {
    in_title: bool,
    in_body: bool,
    in_d: bool,
    in_dateline: bool,
    in_date: bool,
    category: Option<Category>,
    d: String,
    doc: ReutersDocument,
}

impl DocState {
    /// `handle_data`: `bytes` is latin-1, unescaped unless `raw`.
    fn data(&mut self, bytes: &[u8], raw: bool) {
        let push = |out: &mut String| {
            if raw {
                push_latin1(out, bytes)
            } else {
                unescape_latin1_into(out, bytes)
            }
        };
        if self.in_body {
            push(&mut self.doc.body);
        } else if self.in_title {
            push(&mut self.doc.title);
        } else if self.in_d {
            push(&mut self.d);
        }
        if self.in_dateline {
            push(&mut self.doc.dateline);
        }
        if self.in_date {
            push(&mut self.doc.date);
        }
    }

    fn start(&mut self, tag: Tag) {
        match tag {
            Tag::Title => self.in_title = true,
            Tag::Body => self.in_body = true,
            Tag::D => self.in_d = true,
            Tag::Dateline => self.in_dateline = true,
            Tag::Date => self.in_date = true,
            Tag::Container(c) => self.category = Some(c),
            Tag::Reuters | Tag::Script | Tag::Style | Tag::Other => {}
        }
    }

    /// Handles an end tag other than `</REUTERS>`.
    fn end(&mut self, tag: Tag) {
        match tag {
            Tag::Title => self.in_title = false,
            Tag::Body => self.in_body = false,
            Tag::Dateline => self.in_dateline = false,
            Tag::Date => self.in_date = false,
            Tag::D => {
                self.in_d = false;
                let value = std::mem::take(&mut self.d);
                let doc = &mut self.doc;
                if let Some(c) = self.category {
                    let list = match c {
                        Category::Topics => &mut doc.topics,
                        Category::Places => &mut doc.places,
                        Category::People => &mut doc.people,
                        Category::Orgs => &mut doc.orgs,
                        Category::Exchanges => &mut doc.exchanges,
                        Category::Companies => &mut doc.companies,
                    };
                    list.push(value.clone());
                }
                doc.labels.push(value);
            }
            Tag::Container(c) => {
                if self.category == Some(c) {
                    self.category = None;
                }
            }
            Tag::Reuters | Tag::Script | Tag::Style | Tag::Other => {}
        }
    }

    /// `end_reuters`: the finished document; the state starts afresh (`_reset`).
    fn finish(&mut self) -> ReutersDocument {
        let mut doc = std::mem::take(self).doc;
        doc.body = collapse_whitespace(std::mem::take(&mut doc.body));
        doc
    }
}

/// Python's `str.isspace` for one character (Rust's `White_Space` plus the
/// information separators U+001C..U+001F, which Python counts as whitespace).
fn is_py_whitespace(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// `re.sub(r"\s+", " ", s)` with Python's Unicode `\s`, in place: the output is
/// never longer than the input, so runs are moved down within the same buffer. A
/// lone `' '` between non-spaces (most of a body) is left where it is.
fn collapse_whitespace(s: String) -> String {
    let mut b = s.into_bytes();
    let n = b.len();
    let mut read = 0;
    let mut write = 0;
    // `b[keep..read]` is pending text to move down to `write`.
    let mut keep = 0;
    while read < n {
        // Most text is ASCII words with single spaces: skip 8 bytes at a time (7 on,
        // so a pair of spaces across two windows is still seen).
        while read + 8 <= n && plain_word(load8(&b, read)) {
            read += 7;
        }
        if !MAYBE_SPACE[usize::from(b[read])] {
            read += 1;
            continue;
        }
        if b[read] == b' '
            && b.get(read + 1)
                .is_none_or(|&c| !MAYBE_SPACE[usize::from(c)])
        {
            read += 1;
            continue;
        }
        let (space, len) = space_at(&b, read);
        if !space {
            read += len;
            continue;
        }
        let run_start = read;
        read += len;
        while read < n {
            let (space, len) = space_at(&b, read);
            if !space {
                break;
            }
            read += len;
        }
        if read - run_start == 1 && b[run_start] == b' ' {
            continue;
        }
        b.copy_within(keep..run_start, write);
        write += run_start - keep;
        b[write] = b' ';
        write += 1;
        keep = read;
    }
    b.copy_within(keep..n, write);
    write += n - keep;
    b.truncate(write);
    // Only whole characters were replaced by `' '`, so this is still UTF-8.
    String::from_utf8(b).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

fn load8(b: &[u8], i: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[i..i + 8]);
    u64::from_le_bytes(w)
}

/// Whether 8 bytes need no change: no byte below 0x20 or above 0x7F (no ASCII
/// whitespace but `' '`, no non-ASCII character) and no two adjacent spaces.
#[inline]
fn plain_word(x: u64) -> bool {
    let control = x.wrapping_sub(LO * 0x20) & !x & HI;
    let high = x & HI;
    let t = x ^ (LO * 0x20);
    // High bit set exactly in the bytes equal to b' '.
    let spaces = !(((t & !HI).wrapping_add(!HI)) | t | !HI);
    (control | high | (spaces & (spaces << 8))) == 0
}

/// Bytes that may start a Python whitespace character: ASCII whitespace and every
/// byte of a non-ASCII UTF-8 character.
static MAYBE_SPACE: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = i >= 0x80 || is_py_space(i as u8);
        i += 1;
    }
    t
};

/// Whether the UTF-8 character at `b[i]` is Python whitespace, and its length.
#[inline]
fn space_at(b: &[u8], i: usize) -> (bool, usize) {
    let c = b[i];
    if c < 0x80 {
        return (is_py_space(c), 1);
    }
    let len = match c {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    };
    let ch = std::str::from_utf8(&b[i..(i + len).min(b.len())])
        .ok()
        .and_then(|s| s.chars().next());
    (ch.is_some_and(is_py_whitespace), len)
}

/// Bytes asked of the underlying reader at a time (at least).
const CHUNK: usize = 64 * 1024;

/// What one parsing step produced.
enum Step {
    Doc(Box<ReutersDocument>),
    NeedMore,
    Finished,
}

/// A streaming reader of Reuters-21578 SGML over any [`Read`], yielding one
/// [`ReutersDocument`] per `</REUTERS>`, in order.
///
/// In strict mode (the default) malformed input stops the iteration with an error
/// naming the source and line: a `<REUTERS>` inside an open document or at end of
/// input without its `</REUTERS>` (a truncated file), a `</REUTERS>` with no
/// document open, a missing or non-numeric `NEWID`, or a NUL byte (every other byte
/// is a latin-1 character; NUL only appears in binary input). With
/// [`lenient`](Self::lenient) the reader instead does exactly what the reference
/// parser does: text before a `<REUTERS>` joins the next document, a stray
/// `</REUTERS>` emits what was gathered, an unclosed last document is dropped.
///
/// Tag and text recovery follows HTMLParser in both modes, with two documented
/// differences on input the reference cannot handle: an unknown marked section
/// (`<![foo[`), where Python raises, is skipped to the next `>`; and after a start
/// tag HTMLParser can never complete (e.g. `<a b='x'c=>`), which stalls it until
/// `close()` and loses every later document, this reader goes on and yields them.
///
/// ```
/// use dklearn_text::ReutersReader;
///
/// let sgml = b"<!DOCTYPE lewis SYSTEM \"lewis.dtd\">\n\
///     <REUTERS NEWID=\"1\"><TOPICS><D>acq</D></TOPICS><PLACES><D>usa</D></PLACES>\n\
///     <TEXT>&#2;\n<TITLE>A &amp; B</TITLE><BODY>Some\n   text &lt;AB&gt;\n&#3;</BODY></TEXT>\n\
///     </REUTERS>\n";
/// let docs: Vec<_> = ReutersReader::new(&sgml[..], "example.sgm").collect::<Result<_, _>>()?;
/// assert_eq!(docs[0].newid, 1);
/// assert_eq!(docs[0].title, "A & B");
/// assert_eq!(docs[0].body, "Some text <AB> ");
/// assert_eq!(docs[0].labels, ["acq", "usa"]);
/// assert_eq!(docs[0].text(), "A & B\n\nSome text <AB> ");
/// # Ok::<(), dklearn_text::Error>(())
/// ```
pub struct ReutersReader<R> {
    inner: R,
    source: String,
    strict: bool,
    chunk: usize,
    /// Unparsed input is `buf[pos..]`.
    buf: Vec<u8>,
    pos: usize,
    eof: bool,
    finished: bool,
    /// `line` is the 1-based line of `buf[counted]` (see `line_at`).
    counted: usize,
    line: usize,
    /// `<script>`/`<style>` content mode: HTMLParser passes the text up to the
    /// matching end tag verbatim.
    cdata: Option<&'static [u8]>,
    state: DocState,
    /// The line of the open document's `<REUTERS>`, if one is open.
    open_line: Option<usize>,
    attrs: Vec<RawAttr>,
}

impl<R> fmt::Debug for ReutersReader<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReutersReader")
            .field("source", &self.source)
            .field("strict", &self.strict)
            .field("line", &self.line)
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}

impl<R: Read> ReutersReader<R> {
    /// A strict reader of `reader`; `source` names it in errors (a file name).
    pub fn new(reader: R, source: impl Into<String>) -> Self {
        ReutersReader {
            inner: reader,
            source: source.into(),
            strict: true,
            chunk: CHUNK,
            buf: Vec::new(),
            pos: 0,
            eof: false,
            finished: false,
            counted: 0,
            line: 1,
            cdata: None,
            state: DocState::default(),
            open_line: None,
            attrs: Vec::new(),
        }
    }

    /// Lenient mode reproduces the reference parser on malformed documents instead
    /// of stopping with an error (see the type's documentation).
    pub fn lenient(mut self, lenient: bool) -> Self {
        self.strict = !lenient;
        self
    }

    /// Bytes asked of the underlying reader at a time (at least 1; default 64 KiB).
    /// The buffer holds the unparsed tail plus one chunk, or twice the longest
    /// construct (a text run or a tag) when that is longer.
    pub fn chunk_size(mut self, bytes: usize) -> Self {
        self.chunk = bytes.max(1);
        self
    }

    /// The name given for the input.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The 1-based line of `buf[p]`; `p` never decreases between calls.
    fn line_at(&mut self, p: usize) -> usize {
        if p > self.counted {
            self.line += memchr::memchr_iter(b'\n', &self.buf[self.counted..p]).count();
            self.counted = p;
        }
        self.line
    }

    fn malformed(&mut self, line: usize, message: String) -> Error {
        Error::new(ErrorKind::Malformed {
            source: self.source.clone(),
            line,
            message,
        })
    }

    /// Reads the next chunk, keeping only the unparsed tail.
    fn fill(&mut self) -> Result<(), Error> {
        if self.pos > 0 {
            let pos = self.pos;
            self.line_at(pos);
            self.buf.drain(..pos);
            self.counted -= pos;
            self.pos = 0;
        }
        let old = self.buf.len();
        // Growing with the buffer keeps a construct longer than a chunk linear to read.
        let want = self.chunk.max(old) as u64;
        let got = match (&mut self.inner).take(want).read_to_end(&mut self.buf) {
            Ok(k) => k,
            Err(e) => {
                self.buf.truncate(old);
                return Err(Error::new(ErrorKind::Io {
                    path: PathBuf::from(&self.source),
                    message: e.to_string(),
                }));
            }
        };
        if got == 0 {
            self.eof = true;
        } else if self.strict {
            if let Some(k) = memchr::memchr(0, &self.buf[old..]) {
                let line = self.line_at(old + k);
                return Err(self.malformed(
                    line,
                    "NUL byte: not latin-1 text (binary input?)".to_string(),
                ));
            }
        }
        Ok(())
    }

    /// Parses constructs until a document ends, more input is needed, or the input
    /// is done.
    fn step(&mut self) -> Result<Step, Error> {
        loop {
            let n = self.buf.len();
            let i = self.pos;
            if i == n {
                return Ok(if self.eof {
                    Step::Finished
                } else {
                    Step::NeedMore
                });
            }
            if let Some(elem) = self.cdata {
                match find_cdata_end(&self.buf, i, elem) {
                    Some(j) => {
                        self.state.data(&self.buf[i..j], true);
                        self.pos = j;
                        // The end tag itself is parsed below as an ordinary end tag.
                        self.cdata = None;
                    }
                    // HTMLParser keeps unterminated script/style text unhandled.
                    None if self.eof => {
                        self.pos = n;
                        return Ok(Step::Finished);
                    }
                    None => return Ok(Step::NeedMore),
                }
                continue;
            }
            let j = match memchr::memchr(b'<', &self.buf[i..]) {
                Some(k) => i + k,
                None if self.eof => n,
                None => return Ok(Step::NeedMore),
            };
            if j > i {
                self.state.data(&self.buf[i..j], false);
                self.pos = j;
            }
            if j == n {
                continue;
            }
            let construct = construct_at(&self.buf, j, Some(&mut self.attrs));
            match construct {
                Construct::Incomplete if !self.eof => return Ok(Step::NeedMore),
                Construct::Incomplete => {
                    // HTMLParser.close(): text up to the next `>`, else the next `<`.
                    let end = match memchr::memchr(b'>', &self.buf[j + 1..]) {
                        Some(k) => j + 1 + k + 1,
                        None => {
                            memchr::memchr(b'<', &self.buf[j + 1..]).map_or(j + 1, |k| j + 1 + k)
                        }
                    };
                    self.state.data(&self.buf[j..end], false);
                    self.pos = end;
                }
                Construct::LessThan => {
                    self.state.data(b"<", true);
                    self.pos = j + 1;
                }
                Construct::RawData { end } => {
                    self.state.data(&self.buf[j..end], true);
                    self.pos = end;
                }
                Construct::Skip { end } => self.pos = end,
                Construct::StartTag {
                    name,
                    end,
                    self_closing,
                } => {
                    let tag = classify(&self.buf[name]);
                    if tag == Tag::Reuters {
                        self.start_reuters(j)?;
                    }
                    self.state.start(tag);
                    self.pos = end;
                    if self_closing {
                        if let Some(doc) = self.end_tag(tag, j)? {
                            return Ok(Step::Doc(Box::new(doc)));
                        }
                    } else if tag == Tag::Script {
                        self.cdata = Some(b"script");
                    } else if tag == Tag::Style {
                        self.cdata = Some(b"style");
                    }
                }
                Construct::EndTag { name, end } => {
                    let tag = classify(&self.buf[name]);
                    self.pos = end;
                    if let Some(doc) = self.end_tag(tag, j)? {
                        return Ok(Step::Doc(Box::new(doc)));
                    }
                }
            }
        }
    }

    /// `<REUTERS ...>` at `buf[j]`: opens a document and reads its attributes.
    fn start_reuters(&mut self, j: usize) -> Result<(), Error> {
        let line = self.line_at(j);
        if let Some(open) = self.open_line {
            if self.strict {
                return Err(self.malformed(
                    line,
                    format!(
                        "<REUTERS> inside the document opened at line {open} (missing </REUTERS>)"
                    ),
                ));
            }
        }
        self.open_line = Some(line);
        let mut newid = None;
        for (name, value) in &self.attrs {
            let name = &self.buf[name.clone()];
            let mut text = String::new();
            if let Some(v) = value {
                unescape_latin1_into(&mut text, &self.buf[v.clone()]);
            }
            if name.eq_ignore_ascii_case(b"newid") {
                newid = Some(text);
            } else if name.eq_ignore_ascii_case(b"lewissplit") {
                self.state.doc.lewissplit = text;
            } else if name.eq_ignore_ascii_case(b"cgisplit") {
                self.state.doc.cgisplit = text;
            }
        }
        match newid.as_deref().map(str::parse::<u32>) {
            Some(Ok(id)) => self.state.doc.newid = id,
            _ if !self.strict => self.state.doc.newid = 0,
            None => return Err(self.malformed(line, "<REUTERS> without a NEWID attribute".into())),
            Some(Err(_)) => {
                let v = newid.unwrap_or_default();
                return Err(
                    self.malformed(line, format!("<REUTERS> with NEWID={v:?}, not a number"))
                );
            }
        }
        Ok(())
    }

    /// An end tag at `buf[j]`; returns the document `</REUTERS>` finishes.
    fn end_tag(&mut self, tag: Tag, j: usize) -> Result<Option<ReutersDocument>, Error> {
        if tag != Tag::Reuters {
            self.state.end(tag);
            return Ok(None);
        }
        if self.open_line.is_none() && self.strict {
            let line = self.line_at(j);
            return Err(self.malformed(line, "</REUTERS> with no <REUTERS> open".into()));
        }
        self.open_line = None;
        Ok(Some(self.state.finish()))
    }
}

impl<R: Read> Iterator for ReutersReader<R> {
    type Item = Result<ReutersDocument, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.finished {
            let result = match self.step() {
                Ok(Step::Doc(doc)) => return Some(Ok(*doc)),
                Ok(Step::NeedMore) => self.fill(),
                Ok(Step::Finished) => {
                    self.finished = true;
                    match self.open_line {
                        Some(line) if self.strict => Err(self.malformed(
                            line,
                            format!(
                                "document NEWID={} opened here has no </REUTERS> before the end of input (truncated?)",
                                self.state.doc.newid
                            ),
                        )),
                        _ => Ok(()),
                    }
                }
                Err(e) => Err(e),
            };
            if let Err(e) = result {
                self.finished = true;
                return Some(Err(e));
            }
        }
        None
    }
}

impl<R: Read> std::iter::FusedIterator for ReutersReader<R> {}

/// Reads every document of one `.sgm` file (strict mode).
///
/// Errors name the file: [`ErrorKind::Io`] if it cannot be opened or read,
/// [`ErrorKind::Malformed`] with a line otherwise.
pub fn read_reuters_file(path: impl AsRef<Path>) -> Result<Vec<ReutersDocument>, Error> {
    let path = path.as_ref();
    let file = File::open(path).map_err(|e| {
        Error::new(ErrorKind::Io {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    })?;
    ReutersReader::new(file, path.display().to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &[u8]) -> Result<Vec<ReutersDocument>, Error> {
        ReutersReader::new(s, "t.sgm").collect()
    }

    #[test]
    fn collapse_matches_python_whitespace() {
        let c = |s: &str| collapse_whitespace(s.to_string());
        assert_eq!(c(" a \t\n b\u{1f}\u{a0}c\u{3000}"), " a b c ");
        assert_eq!(c("\u{200b}x\u{e9} y  z\u{85}"), "\u{200b}x\u{e9} y z ");
        assert_eq!(c("one two"), "one two");
        assert_eq!(c(""), "");
    }

    proptest::proptest! {
        #[test]
        fn collapse_equals_the_char_by_char_rule(s in "[ a-z\t\n\r\x0b\x0c\x1c-\x1f\u{85}\u{a0}\u{e9}\u{2000}-\u{200c}\u{3000}]{0,60}") {
            let mut want = String::new();
            let mut prev = false;
            for c in s.chars() {
                let ws = is_py_whitespace(c);
                if !ws {
                    want.push(c);
                } else if !prev {
                    want.push(' ');
                }
                prev = ws;
            }
            proptest::prop_assert_eq!(collapse_whitespace(s.clone()), want);
        }
    }

    #[test]
    fn fields_and_categories() {
        let s = b"<REUTERS LEWISSPLIT=\"TRAIN\" CGISPLIT=\"TRAINING-SET\" NEWID=\"9\">\
            <DATE>26-FEB-1987</DATE><TOPICS><D>acq</D><D>earn</D></TOPICS><PLACES><D>usa</D></PLACES>\
            <PEOPLE></PEOPLE><ORGS><D>opec</D></ORGS><EXCHANGES><D>nyse</D></EXCHANGES>\
            <COMPANIES><D>ibm</D></COMPANIES><TEXT><TITLE>T</TITLE><DATELINE> NY, Feb 26 - </DATELINE>\
            <BODY>b</BODY></TEXT></REUTERS>";
        let docs = parse(s).expect("valid");
        let d = &docs[0];
        assert_eq!(
            (d.newid, &d.lewissplit[..], &d.cgisplit[..]),
            (9, "TRAIN", "TRAINING-SET")
        );
        assert_eq!(d.topics, ["acq", "earn"]);
        assert_eq!(d.places, ["usa"]);
        assert!(d.people.is_empty());
        assert_eq!(
            (&d.orgs[..], &d.exchanges[..], &d.companies[..]),
            (
                &["opec".to_string()][..],
                &["nyse".to_string()][..],
                &["ibm".to_string()][..]
            )
        );
        assert_eq!(d.labels, ["acq", "earn", "usa", "opec", "nyse", "ibm"]);
        assert_eq!(
            (&d.title[..], &d.dateline[..], &d.body[..], &d.date[..]),
            ("T", " NY, Feb 26 - ", "b", "26-FEB-1987")
        );
    }

    #[test]
    fn strict_errors_name_the_line() {
        let e = parse(b"\n<REUTERS NEWID=\"1\">\n<BODY>x").expect_err("truncated");
        assert!(
            matches!(e.kind(), ErrorKind::Malformed { line: 2, .. }),
            "{e}"
        );
        let e =
            parse(b"<REUTERS NEWID=\"1\">\n<REUTERS NEWID=\"2\"></REUTERS>").expect_err("nested");
        assert!(
            matches!(e.kind(), ErrorKind::Malformed { line: 2, .. }),
            "{e}"
        );
        let e = parse(b"\n\n</REUTERS>").expect_err("stray");
        assert!(
            matches!(e.kind(), ErrorKind::Malformed { line: 3, .. }),
            "{e}"
        );
        let e = parse(b"<REUTERS>\n</REUTERS>").expect_err("no newid");
        assert!(e.to_string().starts_with("t.sgm:1: "), "{e}");
        let e = parse(b"<REUTERS NEWID=\"1\">a\n\nb\0</REUTERS>").expect_err("nul");
        assert!(
            matches!(e.kind(), ErrorKind::Malformed { line: 3, .. }),
            "{e}"
        );
    }

    #[test]
    fn lenient_follows_the_reference() {
        let s = b"<TITLE>a</TITLE><REUTERS NEWID=\"1\"><TITLE>b</TITLE><REUTERS><BODY>c</BODY></REUTERS></REUTERS><REUTERS>d";
        let docs: Vec<_> = ReutersReader::new(&s[..], "t")
            .lenient(true)
            .collect::<Result<_, _>>()
            .expect("lenient");
        assert_eq!(docs.len(), 2);
        assert_eq!((&docs[0].title[..], &docs[0].body[..]), ("ab", "c"));
        assert_eq!(docs[1], ReutersDocument::default());
    }

    #[test]
    fn script_content_is_verbatim() {
        let s = b"<REUTERS NEWID=\"1\"><BODY>x<script>&amp;<b></b></script>&amp;</BODY></REUTERS>";
        assert_eq!(parse(s).expect("ok")[0].body, "x&amp;<b></b>&");
    }
}
