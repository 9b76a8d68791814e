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

mod collapse;
mod entities;
mod scan;
mod unescape;

use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::error::{Error, ErrorKind};
use collapse::Collapsed;
use scan::{construct_at, find_byte, find_cdata_end, simple_tag, Construct, RawAttr, SimpleTag};
use unescape::{unescape_latin1_into, Sink, Text};

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

/// Every field, in declaration order (see `dklearn_codec`).
impl dklearn_codec::Encode for ReutersDocument {
    dklearn_codec::encode_fields!("dklearn_text::ReutersDocument";
        newid, lewissplit, cgisplit, title, dateline, body, date, topics, places, people, orgs,
        exchanges, companies, labels);
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

/// Dispatches on the length, then compares the lowercased name with the names of
/// that length as fixed-size arrays (a few integer compares).
#[inline]
fn classify(name: &[u8]) -> Tag {
    /// `name` (of `N` bytes) with `| 0x20` on every byte: that maps exactly the two
    /// cases of a letter onto the lowercase one, and every name compared against
    /// is all lowercase letters, so equality is `eq_ignore_ascii_case`.
    #[inline]
    fn lower<const N: usize>(name: &[u8]) -> [u8; N] {
        let mut a = [0; N];
        a.copy_from_slice(name);
        a.map(|b| b | 0x20)
    }
    use Category::*;
    match name.len() {
        1 if name[0] | 0x20 == b'd' => Tag::D,
        4 => match &lower::<4>(name) {
            b"body" => Tag::Body,
            b"date" => Tag::Date,
            b"orgs" => Tag::Container(Orgs),
            _ => Tag::Other,
        },
        5 => match &lower::<5>(name) {
            b"title" => Tag::Title,
            b"style" => Tag::Style,
            _ => Tag::Other,
        },
        6 => match &lower::<6>(name) {
            b"topics" => Tag::Container(Topics),
            b"places" => Tag::Container(Places),
            b"people" => Tag::Container(People),
            b"script" => Tag::Script,
            _ => Tag::Other,
        },
        7 if &lower::<7>(name) == b"reuters" => Tag::Reuters,
        8 if &lower::<8>(name) == b"dateline" => Tag::Dateline,
        9 => match &lower::<9>(name) {
            b"exchanges" => Tag::Container(Exchanges),
            b"companies" => Tag::Container(Companies),
            _ => Tag::Other,
        },
        _ => Tag::Other,
    }
}

/// The parser's per-document state: `ReutersParser`'s fields plus the extras.
///
/// The text fields are gathered in buffers that live as long as the reader (their
/// capacity is reused from one document to the next); each finished field is copied
/// out once into an exactly-sized `String`. The body is collapsed as it is appended.
#[derive(Debug, Default)]
struct DocState {
    in_title: bool,
    in_body: bool,
    in_d: bool,
    in_dateline: bool,
    in_date: bool,
    category: Option<Category>,
    title: Text,
    dateline: Text,
    date: Text,
    body: Collapsed,
    d: Text,
    /// The fields set directly: attributes and the `<D>` lists.
    doc: ReutersDocument,
}

impl DocState {
    /// `handle_data`: `bytes` is latin-1, unescaped unless `raw`.
    #[inline]
    fn data(&mut self, bytes: &[u8], raw: bool) {
        fn push<S: Sink>(out: &mut S, bytes: &[u8], raw: bool) {
            if raw {
                out.push_latin1(bytes)
            } else {
                unescape_latin1_into(out, bytes)
            }
        }
        if self.in_body {
            push(&mut self.body, bytes, raw);
        } else if self.in_title {
            push(&mut self.title, bytes, raw);
        } else if self.in_d {
            push(&mut self.d, bytes, raw);
        }
        if self.in_dateline {
            push(&mut self.dateline, bytes, raw);
        }
        if self.in_date {
            push(&mut self.date, bytes, raw);
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
                let value = self.d.to_string_exact();
                self.d.clear();
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

    /// `end_reuters`: the finished document; the state starts afresh (`_reset`),
    /// keeping only the buffers' capacity.
    fn finish(&mut self) -> ReutersDocument {
        let mut doc = std::mem::take(&mut self.doc);
        doc.title = self.title.to_string_exact();
        doc.dateline = self.dateline.to_string_exact();
        doc.date = self.date.to_string_exact();
        doc.body = self.body.text.to_string_exact();
        self.in_title = false;
        self.in_body = false;
        self.in_d = false;
        self.in_dateline = false;
        self.in_date = false;
        self.category = None;
        self.title.clear();
        self.dateline.clear();
        self.date.clear();
        self.body.clear();
        self.d.clear();
        doc
    }
}

/// Whether `bytes` is ASCII without `&`: text that latin-1 decoding and unescaping
/// both leave as it is.
fn plain_ascii(bytes: &[u8]) -> bool {
    bytes.is_ascii() && !bytes.contains(&b'&')
}

/// Bytes asked of the underlying reader at a time (at least).
const CHUNK: usize = 64 * 1024;

/// The default [`ReutersReader::max_document_size`]: 16 MiB, over 1,000 times the
/// longest Reuters-21578 document (14 KB).
pub const MAX_DOCUMENT_SIZE: usize = 16 << 20;

/// What one parsing step produced.
enum Step {
    /// A `</REUTERS>` ended a document (taken with `self.state.finish()`).
    Doc,
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
    /// The NEWID value being decoded.
    scratch: Text,
    /// Input offset of `buf[0]` (bytes drained before it).
    base: u64,
    /// Input offset where the current document's input began: the start of input
    /// or the end of the previous `</REUTERS>`.
    region_start: u64,
    /// The line of `region_start`.
    region_line: usize,
    max_document: usize,
    /// Documents emitted so far.
    emitted: usize,
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
            scratch: Text::default(),
            base: 0,
            region_start: 0,
            region_line: 1,
            max_document: MAX_DOCUMENT_SIZE,
            emitted: 0,
        }
    }

    /// The largest input one document may span, in bytes (default
    /// [`MAX_DOCUMENT_SIZE`]; at least 1): everything from the end of the previous
    /// `</REUTERS>` (or the start of input) to the end of this one's. Beyond it the
    /// reader stops with an error in both modes, so memory stays proportional to
    /// this bound (the buffer holds at most about twice it, plus one chunk)
    /// whatever the input, e.g. `/dev/zero`.
    pub fn max_document_size(mut self, bytes: usize) -> Self {
        self.max_document = bytes.max(1);
        self
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

    /// An error if the current document spans more than the maximum document
    /// size: `span` bytes from `region_start`, `done` when its `</REUTERS>` was read.
    fn check_size(&mut self, span: u64, done: bool) -> Result<(), Error> {
        if span <= self.max_document as u64 {
            return Ok(());
        }
        let max = self.max_document;
        let line = self.open_line.unwrap_or(self.region_line);
        let what = if done || self.open_line.is_some() {
            format!("document NEWID={}", self.state.doc.newid)
        } else {
            "input without a complete <REUTERS> document".to_string()
        };
        Err(self.malformed(
            line,
            format!("{what} from here spans {span} bytes or more, over the maximum document size of {max} bytes"),
        ))
    }

    /// Reads the next chunk, keeping only the unparsed tail.
    ///
    /// Called when parsing needs more input, so everything from `region_start`
    /// to the end of the buffer belongs to the current document: if that is
    /// already over the maximum document size, reading stops here.
    fn fill(&mut self) -> Result<(), Error> {
        let span = self.base + self.buf.len() as u64 - self.region_start;
        self.check_size(span, false)?;
        if self.pos > 0 {
            let pos = self.pos;
            self.line_at(pos);
            self.buf.drain(..pos);
            self.counted -= pos;
            self.pos = 0;
            self.base += pos as u64;
        }
        let old = self.buf.len();
        // Growing with the buffer keeps a construct longer than a chunk linear to read.
        let want = self.chunk.max(old) as u64;
        let got = match (&mut self.inner).take(want).read_to_end(&mut self.buf) {
            Ok(k) => k,
            Err(e) => {
                self.buf.truncate(old);
                return Err(Error::io(&self.source, e));
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
            // Markup often follows markup (`</D><D>`): no search then.
            let found = if self.buf[i] == b'<' {
                Some(0)
            } else {
                find_byte(b'<', &self.buf[i..])
            };
            let j = match found {
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
            if let Some(SimpleTag { end_tag, name, end }) = simple_tag(&self.buf, j) {
                let tag = classify(&self.buf[name]);
                self.pos = end;
                if end_tag {
                    if self.end_tag(tag, j)? {
                        return Ok(Step::Doc);
                    }
                } else {
                    // As `construct_at` would: the tag has no attributes.
                    self.attrs.clear();
                    self.start_tag(tag, j, false)?;
                }
                continue;
            }
            let construct = construct_at(&self.buf, j, Some(&mut self.attrs));
            match construct {
                Construct::Incomplete if !self.eof => return Ok(Step::NeedMore),
                Construct::Incomplete if self.strict => {
                    // A file cut inside markup (e.g. in a `<REUTERS ...` tag).
                    let line = self.line_at(j);
                    let end = n.min(j + 40);
                    let shown = String::from_utf8_lossy(&self.buf[j..end]).into_owned();
                    let more = if end < n { "..." } else { "" };
                    let inside = match self.open_line {
                        Some(open) => format!(
                            ", inside the document NEWID={} opened at line {open}",
                            self.state.doc.newid
                        ),
                        None => String::new(),
                    };
                    return Err(self.malformed(
                        line,
                        format!("markup {shown:?}{more} is cut off by the end of input{inside} (truncated file?)"),
                    ));
                }
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
                    self.pos = end;
                    if self.start_tag(tag, j, self_closing)? {
                        return Ok(Step::Doc);
                    }
                }
                Construct::EndTag { name, end } => {
                    let tag = classify(&self.buf[name]);
                    self.pos = end;
                    if self.end_tag(tag, j)? {
                        return Ok(Step::Doc);
                    }
                }
            }
        }
    }

    /// A start tag at `buf[j]` (`self.pos` already past it, its attributes in
    /// `self.attrs`); returns whether a self-closing `<REUTERS/>` finished a
    /// document.
    #[inline]
    fn start_tag(&mut self, tag: Tag, j: usize, self_closing: bool) -> Result<bool, Error> {
        if tag == Tag::Reuters {
            self.start_reuters(j)?;
        }
        self.state.start(tag);
        if self_closing {
            return self.end_tag(tag, j);
        } else if tag == Tag::Script {
            self.cdata = Some(b"script");
        } else if tag == Tag::Style {
            self.cdata = Some(b"style");
        }
        Ok(false)
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
        // The last of each attribute counts, so only its value is decoded.
        let (mut newid, mut lewissplit, mut cgisplit) = (None, None, None);
        for (name, value) in &self.attrs {
            let name = &self.buf[name.clone()];
            if name.eq_ignore_ascii_case(b"newid") {
                newid = Some(value.clone());
            } else if name.eq_ignore_ascii_case(b"lewissplit") {
                lewissplit = Some(value.clone());
            } else if name.eq_ignore_ascii_case(b"cgisplit") {
                cgisplit = Some(value.clone());
            }
        }
        if let Some(v) = lewissplit {
            self.state.doc.lewissplit = self.decode_attr(v);
        }
        if let Some(v) = cgisplit {
            self.state.doc.cgisplit = self.decode_attr(v);
        }
        let Some(newid) = newid else {
            if self.strict {
                return Err(self.malformed(line, "<REUTERS> without a NEWID attribute".into()));
            }
            self.state.doc.newid = 0;
            return Ok(());
        };
        let value = newid.map_or(&[][..], |v| &self.buf[v]);
        let parsed = if plain_ascii(value) {
            // Unescaping would change nothing.
            std::str::from_utf8(value).map(str::parse::<u32>)
        } else {
            self.scratch.clear();
            unescape_latin1_into(&mut self.scratch, value);
            std::str::from_utf8(&self.scratch.bytes).map(str::parse::<u32>)
        };
        match parsed {
            Ok(Ok(id)) => self.state.doc.newid = id,
            _ if !self.strict => self.state.doc.newid = 0,
            Ok(Err(e)) if *e.kind() == std::num::IntErrorKind::PosOverflow => {
                self.scratch.clear();
                unescape_latin1_into(&mut self.scratch, value);
                let v = self.scratch.to_string_exact();
                return Err(self.malformed(
                    line,
                    format!(
                        "<REUTERS> with NEWID={v:?}, a number too large for the field (at most {})",
                        u32::MAX
                    ),
                ));
            }
            _ => {
                // The plain-ASCII branch parsed `value` in place: decode it
                // here so the message shows the value as written.
                self.scratch.clear();
                unescape_latin1_into(&mut self.scratch, value);
                let v = self.scratch.to_string_exact();
                return Err(
                    self.malformed(line, format!("<REUTERS> with NEWID={v:?}, not a number"))
                );
            }
        }
        Ok(())
    }

    /// An attribute's value, unescaped (empty when written without `=`), decoded
    /// through the reused `scratch` buffer.
    fn decode_attr(&mut self, value: Option<std::ops::Range<usize>>) -> String {
        let bytes = value.clone().map_or(&[][..], |v| &self.buf[v]);
        if plain_ascii(bytes) {
            // Unescaping would change nothing.
            if let Ok(s) = std::str::from_utf8(bytes) {
                return s.to_owned();
            }
        }
        self.scratch.clear();
        if let Some(v) = value {
            unescape_latin1_into(&mut self.scratch, &self.buf[v]);
        }
        self.scratch.to_string_exact()
    }

    /// An end tag at `buf[j]`; returns whether it is a `</REUTERS>` that finishes a
    /// document (taken with `self.state.finish()`).
    #[inline]
    fn end_tag(&mut self, tag: Tag, j: usize) -> Result<bool, Error> {
        if tag != Tag::Reuters {
            self.state.end(tag);
            return Ok(false);
        }
        if self.open_line.is_none() && self.strict {
            let line = self.line_at(j);
            return Err(self.malformed(line, "</REUTERS> with no <REUTERS> open".into()));
        }
        self.open_line = None;
        Ok(true)
    }
}

impl<R: Read> Iterator for ReutersReader<R> {
    type Item = Result<ReutersDocument, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.finished {
            let result = match self.step() {
                Ok(Step::Doc) => {
                    let span = self.base + self.pos as u64 - self.region_start;
                    if let Err(e) = self.check_size(span, true) {
                        self.finished = true;
                        return Some(Err(e));
                    }
                    self.emitted += 1;
                    self.region_start = self.base + self.pos as u64;
                    self.region_line = self.line_at(self.pos);
                    return Some(Ok(self.state.finish()));
                }
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
                        None if self.strict && self.emitted == 0 => {
                            let bytes = self.base + self.buf.len() as u64;
                            Err(self.malformed(
                                1,
                                format!("no <REUTERS> document in {bytes} bytes of input (empty, or not Reuters SGML)"),
                            ))
                        }
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
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    ReutersReader::new(file, path.display().to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &[u8]) -> Result<Vec<ReutersDocument>, Error> {
        ReutersReader::new(s, "t.sgm").collect()
    }

    /// Every tag name the reader tells apart, lowercase.
    const NAMED: [(&[u8], Tag); 14] = [
        (b"d", Tag::D),
        (b"body", Tag::Body),
        (b"date", Tag::Date),
        (b"orgs", Tag::Container(Category::Orgs)),
        (b"title", Tag::Title),
        (b"style", Tag::Style),
        (b"topics", Tag::Container(Category::Topics)),
        (b"places", Tag::Container(Category::Places)),
        (b"people", Tag::Container(Category::People)),
        (b"script", Tag::Script),
        (b"reuters", Tag::Reuters),
        (b"dateline", Tag::Dateline),
        (b"exchanges", Tag::Container(Category::Exchanges)),
        (b"companies", Tag::Container(Category::Companies)),
    ];

    #[test]
    fn classify_ignores_ascii_case_only() {
        let other: [(&[u8], Tag); 1] = [(b"text", Tag::Other)];
        for &(name, tag) in NAMED.iter().chain(&other) {
            assert_eq!(classify(name), tag);
            assert_eq!(classify(&name.to_ascii_uppercase()), tag);
            // Any other first byte is no match (`| 0x20` merges only the two cases).
            for b in 0..=255u8 {
                let mut near = name.to_vec();
                near[0] = b;
                let want = if b.eq_ignore_ascii_case(&name[0]) {
                    tag
                } else {
                    Tag::Other
                };
                assert_eq!(classify(&near), want, "{near:?}");
            }
        }
        assert_eq!(classify(b""), Tag::Other);
    }

    proptest::proptest! {
        #[test]
        fn classify_equals_eq_ignore_ascii_case(name in proptest::collection::vec(proptest::sample::select(b"abcdeghilnoprstuxyABDEPRSTY\x00\x04\x40\x60\xc4\xe4".to_vec()), 0..10)) {
            let want = NAMED
                .iter()
                .find(|(w, _)| name.eq_ignore_ascii_case(w))
                .map_or(Tag::Other, |&(_, t)| t);
            proptest::prop_assert_eq!(classify(&name), want);
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
        for (attr, shown) in [
            (&b"NEWID=\"12x\""[..], "NEWID=\"12x\""),
            (b"NEWID", "NEWID=\"\""),
            (b"NEWID=\"&#49;x\"", "NEWID=\"1x\""),
        ] {
            // An earlier attribute must not leak into the message.
            let doc = [
                &b"<REUTERS CGISPLIT=\"&#84;EST\" "[..],
                attr,
                b"></REUTERS>",
            ]
            .concat();
            let e = parse(&doc).expect_err("bad NEWID").to_string();
            assert!(e.contains(shown) && e.contains("not a number"), "{e}");
        }
        // Issue 12: a number too large for the field was "not a number".
        let e = parse(b"<REUTERS NEWID=\"99999999999\"></REUTERS>")
            .expect_err("too large")
            .to_string();
        assert!(
            e.contains(
                "NEWID=\"99999999999\", a number too large for the field (at most 4294967295)"
            ),
            "{e}"
        );
        assert_eq!(
            parse(b"<REUTERS NEWID=\"4294967295\"></REUTERS>").expect("largest")[0].newid,
            u32::MAX
        );
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
