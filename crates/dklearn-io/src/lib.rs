//! A user's own files as lazy [`Bag`]s: text lines, JSON lines and CSV.
//!
//! ```no_run
//! use dklearn_io::{read_text, Files};
//! // One partition per 16 MiB of each file; nothing is read until compute.
//! let lines = read_text(&["logs/*.txt"], Some(16 << 20)).unwrap();
//! // (text, label) from JSON lines, malformed lines counted and skipped.
//! let r = Files::open(&["reviews/*.jsonl"]).unwrap()
//!     .blocksize(Some(16 << 20))
//!     .lenient()
//!     .jsonl_fields("text", "label")
//!     .unwrap();
//! let pairs = r.bag; // Bag<(String, String)>
//! // after computing: r.stats.total().skipped
//! ```
//!
//! **Partitions.** Paths and glob patterns are expanded and sorted; every file is one
//! partition, or one per `blocksize` bytes when a block size is given. A line belongs to
//! the block in which it starts (dask's rule): a block starting in the middle of a line
//! skips to the next line, and its last line is read to its end even past the block.
//! Lines are given without their `\n` (and without a `\r` before it). Files ending in
//! `.gz` are decompressed and always whole-file partitions. Files are only `stat`ed when
//! the bag is built; reading happens inside each partition's task.
//!
//! **Errors.** Invalid UTF-8, malformed JSON or CSV records name the file and the line
//! (`path:line: message`). In strict mode (the default) the first one fails the task;
//! in lenient mode they are counted and skipped and [`ReadStats`] reports the count and
//! the first message.
//!
//! **CSV and block sizes.** With a block size, CSV blocks are cut at line boundaries, so
//! a quoted field holding a newline must not be read in blocks (read whole files: no
//! block size); each block reads its file's header row itself.
#![deny(missing_docs)]

use dklearn_graph::{Bag, Data, Delayed, TaskError};
use serde::de::{DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use std::borrow::Cow;
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// An error building a reader (before any task runs).
#[derive(Debug)]
pub enum IoError {
    /// A glob pattern is malformed.
    Pattern {
        /// The pattern.
        pattern: String,
        /// glob's error.
        source: glob::PatternError,
    },
    /// A pattern or path matched no file.
    NoMatch {
        /// The pattern or path.
        pattern: String,
    },
    /// `stat` or listing failed.
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// A block size of zero.
    ZeroBlocksize,
}

impl fmt::Display for IoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IoError::Pattern { pattern, source } => write!(f, "bad glob {pattern:?}: {source}"),
            IoError::NoMatch { pattern } => write!(f, "no file matches {pattern:?}"),
            IoError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            IoError::ZeroBlocksize => write!(f, "block size must be at least 1 byte"),
        }
    }
}

impl std::error::Error for IoError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            IoError::Pattern { source, .. } => Some(source),
            IoError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Expands paths, directories (their regular files) and glob patterns (`*`, `?`, `[`)
/// into a sorted, de-duplicated list of files. Anything matching nothing is an error.
pub fn expand_paths<S: AsRef<str>>(patterns: &[S]) -> Result<Vec<PathBuf>, IoError> {
    let mut out = Vec::new();
    for p in patterns {
        let p = p.as_ref();
        let before = out.len();
        if p.contains(['*', '?', '[']) {
            let paths = glob::glob(p).map_err(|source| IoError::Pattern {
                pattern: p.to_string(),
                source,
            })?;
            for entry in paths {
                let path = entry.map_err(|e| IoError::Io {
                    path: e.path().to_path_buf(),
                    source: io::Error::new(e.error().kind(), e.error().to_string()),
                })?;
                if path.is_file() {
                    out.push(path);
                }
            }
        } else {
            let path = PathBuf::from(p);
            let meta = std::fs::metadata(&path).map_err(|source| IoError::Io {
                path: path.clone(),
                source,
            })?;
            if meta.is_dir() {
                let rd = std::fs::read_dir(&path).map_err(|source| IoError::Io {
                    path: path.clone(),
                    source,
                })?;
                for e in rd {
                    let e = e.map_err(|source| IoError::Io {
                        path: path.clone(),
                        source,
                    })?;
                    if e.path().is_file() {
                        out.push(e.path());
                    }
                }
            } else {
                out.push(path);
            }
        }
        if out.len() == before {
            return Err(IoError::NoMatch {
                pattern: p.to_string(),
            });
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// One partition: a byte range of a file (or a whole `.gz` file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    /// The file.
    pub path: PathBuf,
    /// First byte (0 for whole files).
    pub start: u64,
    /// One past the last byte in which a line of this block may start.
    pub end: u64,
    /// Whether the file is gzip-compressed (whole-file block).
    pub gzip: bool,
    /// File size and modification time (ns) when the bag was built: part of the key.
    pub size: u64,
    mtime_ns: u128,
}

impl Block {
    fn token_params(&self) -> (String, u64, u64, u64, u128) {
        (
            self.path.to_string_lossy().into_owned(),
            self.start,
            self.end,
            self.size,
            self.mtime_ns,
        )
    }
}

/// The blocks of `files` for `blocksize` (see the crate docs).
pub fn blocks(files: &[PathBuf], blocksize: Option<u64>) -> Result<Vec<Block>, IoError> {
    if blocksize == Some(0) {
        return Err(IoError::ZeroBlocksize);
    }
    let mut out = Vec::new();
    for path in files {
        let meta = std::fs::metadata(path).map_err(|source| IoError::Io {
            path: path.clone(),
            source,
        })?;
        let size = meta.len();
        let mtime_ns = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        let gzip = path.extension().is_some_and(|e| e == "gz");
        let mut push = |start, end| {
            out.push(Block {
                path: path.clone(),
                start,
                end,
                gzip,
                size,
                mtime_ns,
            })
        };
        match blocksize {
            Some(bs) if !gzip && size > bs => {
                let mut s = 0;
                while s < size {
                    push(s, (s + bs).min(size));
                    s += bs;
                }
            }
            _ => push(0, size),
        }
    }
    Ok(out)
}

/// Counts of one partition's read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PartStats {
    /// Records (lines) kept.
    pub records: u64,
    /// Bytes of the lines read (with their newlines).
    pub bytes: u64,
    /// Malformed records skipped (lenient mode).
    pub skipped: u64,
    /// The first skipped record's `path:line: message`.
    pub first_skipped: Option<String>,
}

/// Values as bytes (so that a count can cross processes on a cluster).
impl dklearn_graph::codec::Encode for PartStats {
    dklearn_graph::codec::encode_fields!("dklearn_io::PartStats"; records, bytes, skipped, first_skipped);
}

impl PartStats {
    /// The sums of `parts`, in order; the first skipped message is the
    /// first partition's that has one (what [`ReadStats::total`] gives).
    pub fn sum<'a>(parts: impl IntoIterator<Item = &'a PartStats>) -> PartStats {
        let mut t = PartStats::default();
        for s in parts {
            t.records += s.records;
            t.bytes += s.bytes;
            t.skipped += s.skipped;
            if t.first_skipped.is_none() {
                t.first_skipped.clone_from(&s.first_skipped);
            }
        }
        t
    }
}

/// Per-partition read counts, filled in as partition tasks run (each task stores its
/// own slot, so a recomputed partition is not counted twice).
#[derive(Debug, Default)]
pub struct ReadStats {
    parts: Mutex<Vec<Option<PartStats>>>,
}

impl ReadStats {
    fn new(n: usize) -> ReadStats {
        ReadStats {
            parts: Mutex::new(vec![None; n]),
        }
    }

    fn store(&self, i: usize, s: PartStats) {
        let mut g = self.parts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(slot) = g.get_mut(i) {
            *slot = Some(s);
        }
    }

    /// The sums over the partitions read so far, and the first skipped message.
    pub fn total(&self) -> PartStats {
        let g = self.parts.lock().unwrap_or_else(|e| e.into_inner());
        PartStats::sum(g.iter().flatten())
    }

    /// Partition `i`'s counts, if it was read in this process (on a cluster,
    /// a task placed after the partition's read, e.g. reading its value,
    /// runs in the same process and can return them as a graph value).
    pub fn part(&self, i: usize) -> Option<PartStats> {
        let g = self.parts.lock().unwrap_or_else(|e| e.into_inner());
        g.get(i).cloned().flatten()
    }

    /// How many partitions have been read.
    pub fn partitions_read(&self) -> usize {
        let g = self.parts.lock().unwrap_or_else(|e| e.into_inner());
        g.iter().flatten().count()
    }
}

/// A lazy bag read from files, with the counts its tasks report.
pub struct Records<T> {
    /// The records, one partition per block.
    pub bag: Bag<T>,
    /// Filled in when partitions are computed.
    pub stats: Arc<ReadStats>,
    /// The blocks, in partition order.
    pub blocks: Vec<Block>,
}

/// What to do with a malformed record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnError {
    /// Fail the partition's task with `path:line: message`.
    Strict,
    /// Count and skip it.
    Lenient,
}

/// CSV dialect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvOptions {
    /// Field delimiter (default `,`).
    pub delimiter: u8,
    /// Quote character (default `"`).
    pub quote: u8,
    /// Whether each file's first row names the columns (default true).
    pub has_header: bool,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            delimiter: b',',
            quote: b'"',
            has_header: true,
        }
    }
}

/// Files to read, with a block size and an error mode; the builders below make bags.
#[derive(Clone, Debug)]
pub struct Files {
    files: Vec<PathBuf>,
    blocksize: Option<u64>,
    on_error: OnError,
}

/// `read_text(patterns, blocksize)`: the lines of the files as a lazy bag (strict).
pub fn read_text<S: AsRef<str>>(
    patterns: &[S],
    blocksize: Option<u64>,
) -> Result<Bag<String>, IoError> {
    Ok(Files::open(patterns)?.blocksize(blocksize).lines()?.bag)
}

impl Files {
    /// The files `patterns` expand to (see [`expand_paths`]), whole-file partitions, strict.
    pub fn open<S: AsRef<str>>(patterns: &[S]) -> Result<Files, IoError> {
        Ok(Files {
            files: expand_paths(patterns)?,
            blocksize: None,
            on_error: OnError::Strict,
        })
    }

    /// These files (no expansion).
    pub fn from_paths(files: Vec<PathBuf>) -> Files {
        Files {
            files,
            blocksize: None,
            on_error: OnError::Strict,
        }
    }

    /// The files, sorted.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// Splits uncompressed files into blocks of this many bytes.
    pub fn blocksize(mut self, bs: Option<u64>) -> Files {
        self.blocksize = bs;
        self
    }

    /// Counts and skips malformed records instead of failing.
    pub fn lenient(mut self) -> Files {
        self.on_error = OnError::Lenient;
        self
    }

    /// Sets the error mode.
    pub fn on_error(mut self, m: OnError) -> Files {
        self.on_error = m;
        self
    }

    fn build<T: Data, P: dklearn_graph::Tokenize + ?Sized>(
        &self,
        name: &str,
        params: &P,
        read_block: impl Fn(&Block, &mut Sink<T>) -> Result<(), LineError> + Send + Sync + 'static,
    ) -> Result<Records<T>, IoError> {
        let blocks = blocks(&self.files, self.blocksize)?;
        let stats = Arc::new(ReadStats::new(blocks.len()));
        let read_block = Arc::new(read_block);
        let on_error = self.on_error;
        let mut parts = Vec::with_capacity(blocks.len());
        for (i, b) in blocks.iter().enumerate() {
            let b2 = b.clone();
            let stats2 = Arc::clone(&stats);
            let read_block = Arc::clone(&read_block);
            let key_params = (b.token_params(), params, on_error == OnError::Strict);
            parts.push(Delayed::from_fn(name, &key_params, move || {
                let mut sink = Sink {
                    out: Vec::new(),
                    st: PartStats::default(),
                    on_error,
                    path: &b2.path,
                };
                read_block(&b2, &mut sink).map_err(|e| e.into_task_error(&b2))?;
                stats2.store(i, sink.st);
                Ok(sink.out)
            }));
        }
        Ok(Records {
            bag: Bag::from_partitions(parts),
            stats,
            blocks,
        })
    }

    /// The lines, as `String`s (invalid UTF-8 is a malformed record).
    pub fn lines(&self) -> Result<Records<String>, IoError> {
        self.build("read-text", &(), |b, sink| {
            for_each_line(b, sink, &|line| Ok(Some(utf8(line)?.to_string())))
        })
    }

    /// `(line, label)` with the label the name of the file's directory (scikit-learn's
    /// `load_files` layout, `data/<label>/*.txt`), one record per non-blank line.
    pub fn lines_labelled_by_directory(&self) -> Result<Records<(String, String)>, IoError> {
        for f in &self.files {
            if dir_label(f).is_none() {
                return Err(IoError::Io {
                    path: f.clone(),
                    source: io::Error::new(
                        io::ErrorKind::InvalidInput,
                        "the file's directory name (its label) is missing or not UTF-8",
                    ),
                });
            }
        }
        self.build("read-text-labelled", &(), |b, sink| {
            let label = dir_label(&b.path).unwrap_or_default();
            for_each_line(b, sink, &|line| {
                if is_blank(line) {
                    return Ok(None);
                }
                Ok(Some((utf8(line)?.to_string(), label.clone())))
            })
        })
    }

    /// One JSON value per non-blank line, deserialized into `T`.
    pub fn jsonl<T: DeserializeOwned + Data>(&self) -> Result<Records<T>, IoError> {
        let ty = std::any::type_name::<T>();
        self.build("read-jsonl", ty, |b, sink| {
            for_each_line(b, sink, &|line| {
                if is_blank(line) {
                    return Ok(None);
                }
                serde_json::from_slice(line)
                    .map(Some)
                    .map_err(|e| json_msg(&e))
            })
        })
    }

    /// `(text, label)` from two fields of one JSON object per non-blank line. The text
    /// field must be a string; the label a string, number or boolean (numbers and
    /// booleans as written in the JSON). Other fields are skipped unparsed.
    pub fn jsonl_fields(
        &self,
        text_field: &str,
        label_field: &str,
    ) -> Result<Records<(String, String)>, IoError> {
        let (tf, lf) = (text_field.to_string(), label_field.to_string());
        let params = (tf.clone(), lf.clone());
        self.build("read-jsonl-fields", &params, move |b, sink| {
            for_each_line(b, sink, &|line| {
                if is_blank(line) {
                    return Ok(None);
                }
                let mut de = serde_json::Deserializer::from_slice(line);
                TwoFields {
                    text: &tf,
                    label: &lf,
                }
                .deserialize(&mut de)
                .and_then(|p| de.end().map(|_| Some(p)))
                .map_err(|e| json_msg(&e))
            })
        })
    }

    /// One field of one JSON object per non-blank line, as a label (a string, or a number
    /// or boolean as written); the other fields are skipped unparsed. A cheap pass for
    /// the classes: no text is kept.
    pub fn jsonl_field(&self, field: &str) -> Result<Records<String>, IoError> {
        let f = field.to_string();
        self.build("read-jsonl-field", &f.clone(), move |b, sink| {
            for_each_line(b, sink, &|line| {
                if is_blank(line) {
                    return Ok(None);
                }
                let mut de = serde_json::Deserializer::from_slice(line);
                OneField { field: &f }
                    .deserialize(&mut de)
                    .and_then(|p| de.end().map(|_| Some(p)))
                    .map_err(|e| json_msg(&e))
            })
        })
    }

    /// One CSV column (named in the header, or a 0-based number without one).
    pub fn csv_field(&self, opts: &CsvOptions, field: &str) -> Result<Records<String>, IoError> {
        let read = self.csv_fields(opts, field, field)?;
        Ok(Records {
            bag: read.bag.map("first", |(t, _): &(String, String)| t.clone()),
            stats: read.stats,
            blocks: read.blocks,
        })
    }

    /// CSV records deserialized into `T` (by header names when `has_header`).
    pub fn csv<T: DeserializeOwned + Data>(
        &self,
        opts: &CsvOptions,
    ) -> Result<Records<T>, IoError> {
        let ty = std::any::type_name::<T>();
        let o = opts.clone();
        self.build("read-csv", &(ty, o.token()), move |b, sink| {
            for_each_csv_record(b, &o, sink, &|hdr, rec| {
                rec.deserialize(hdr).map_err(|e| csv_msg(&e))
            })
        })
    }

    /// `(text, label)` from two CSV columns, named in the header (or 0-based column
    /// numbers when the files have no header).
    pub fn csv_fields(
        &self,
        opts: &CsvOptions,
        text_field: &str,
        label_field: &str,
    ) -> Result<Records<(String, String)>, IoError> {
        let (tf, lf) = (text_field.to_string(), label_field.to_string());
        let o = opts.clone();
        let params = (tf.clone(), lf.clone(), o.token());
        self.build("read-csv-fields", &params, move |b, sink| {
            let col = |hdr: Option<&csv::StringRecord>, name: &str| -> Result<usize, String> {
                match hdr {
                    Some(h) => h
                        .iter()
                        .position(|c| c == name)
                        .ok_or_else(|| format!("no column {name:?} in the header {h:?}")),
                    None => name.parse::<usize>().map_err(|_| {
                        format!("without a header, fields are column numbers, not {name:?}")
                    }),
                }
            };
            // Columns are looked up once per block, from the header.
            let cols: std::cell::OnceCell<Result<(usize, usize), String>> =
                std::cell::OnceCell::new();
            for_each_csv_record(b, &o, sink, &|hdr, rec| {
                let (ti, li) = cols
                    .get_or_init(|| Ok((col(hdr, &tf)?, col(hdr, &lf)?)))
                    .clone()
                    .map_err(|m| format!("{m} (header)"))?;
                let get = |i: usize| {
                    rec.get(i).map(str::to_string).ok_or_else(|| {
                        format!("the record has {} fields, column {i} is missing", rec.len())
                    })
                };
                Ok((get(ti)?, get(li)?))
            })
        })
    }
}

impl CsvOptions {
    fn token(&self) -> (u8, u8, bool) {
        (self.delimiter, self.quote, self.has_header)
    }
}

/// Where a block's task puts its records, and how it counts the bad ones.
struct Sink<'a, T> {
    out: Vec<T>,
    st: PartStats,
    on_error: OnError,
    path: &'a Path,
}

impl<T> Sink<'_, T> {
    /// One record's outcome; `line_no` is only called for a failed record.
    fn record(
        &mut self,
        res: Result<Option<T>, String>,
        line_no: impl FnOnce() -> Result<u64, io::Error>,
    ) -> Result<(), LineError> {
        match res {
            Ok(Some(v)) => {
                self.out.push(v);
                self.st.records += 1;
                Ok(())
            }
            Ok(None) => Ok(()),
            Err(msg) => match self.on_error {
                OnError::Strict => Err(LineError::Record {
                    line_no: line_no()?,
                    msg,
                }),
                OnError::Lenient => {
                    self.st.skipped += 1;
                    if self.st.first_skipped.is_none() {
                        self.st.first_skipped =
                            Some(format!("{}:{}: {msg}", self.path.display(), line_no()?));
                    }
                    Ok(())
                }
            },
        }
    }
}

/// The name of the directory holding `path`.
fn dir_label(path: &Path) -> Option<String> {
    let abs = std::path::absolute(path).ok()?;
    Some(abs.parent()?.file_name()?.to_str()?.to_string())
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(|b| b.is_ascii_whitespace())
}

fn utf8(line: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(line).map_err(|e| format!("invalid UTF-8: {e}"))
}

fn json_msg(e: &serde_json::Error) -> String {
    // serde_json says "at line 1 column C" of the one-line input: keep the column only.
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => format!("{} (column {})", &s[..i], e.column()),
        None => s,
    }
}

fn csv_msg(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Deserialize { err, .. } => match err.field() {
            Some(f) => format!("field {}: {}", f + 1, err.kind()),
            None => err.kind().to_string(),
        },
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{len} fields where the first record has {expected_len}"),
        csv::ErrorKind::Utf8 { err, .. } => {
            format!("invalid UTF-8 in field {}", err.field() + 1)
        }
        _ => e.to_string(),
    }
}

/// A record-level failure inside a block, or an I/O failure of the block.
#[derive(Debug)]
enum LineError {
    Record { line_no: u64, msg: String },
    Io(io::Error),
}

impl LineError {
    fn into_task_error(self, b: &Block) -> TaskError {
        match self {
            LineError::Record { line_no, msg } => {
                TaskError::new(format!("{}:{line_no}: {msg}", b.path.display()))
            }
            LineError::Io(e) => TaskError::new(format!(
                "{} (bytes {}..{}): {e}",
                b.path.display(),
                b.start,
                b.end
            )),
        }
    }
}

impl From<io::Error> for LineError {
    fn from(e: io::Error) -> Self {
        LineError::Io(e)
    }
}

/// The 1-based line number of the line starting at byte `offset` of a plain file.
fn line_number_at(path: &Path, offset: u64) -> Result<u64, io::Error> {
    if offset == 0 {
        return Ok(1);
    }
    let mut r = BufReader::with_capacity(1 << 16, File::open(path)?.take(offset));
    let mut n = 1u64;
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            return Ok(n);
        }
        n += buf.iter().filter(|&&b| b == b'\n').count() as u64;
        let k = buf.len();
        r.consume(k);
    }
}

/// Opens a block positioned at its first line: `(reader, byte offset of that line)`.
fn open_block(b: &Block) -> Result<(Box<dyn BufRead>, u64), io::Error> {
    let f = File::open(&b.path)?;
    if b.gzip {
        let gz = flate2::read::MultiGzDecoder::new(BufReader::new(f));
        return Ok((Box::new(BufReader::with_capacity(1 << 16, gz)), 0));
    }
    let mut f = f;
    let mut pos = b.start;
    if b.start > 0 {
        f.seek(SeekFrom::Start(b.start - 1))?;
        let mut r = BufReader::with_capacity(1 << 16, f);
        let mut prev = [0u8; 1];
        r.read_exact(&mut prev)?;
        if prev[0] != b'\n' {
            // The line in progress belongs to the block before.
            let mut skipped = Vec::new();
            pos += r.read_until(b'\n', &mut skipped)? as u64;
        }
        return Ok((Box::new(r), pos));
    }
    Ok((Box::new(BufReader::with_capacity(1 << 16, f)), pos))
}

/// A line to a record (`None`: skip it, e.g. blank), or a message.
type LineParser<'a, T> = dyn Fn(&[u8]) -> Result<Option<T>, String> + 'a;
/// `(header, record)` to a record, or a message.
type CsvParser<'a, T> =
    dyn Fn(Option<&csv::StringRecord>, &csv::StringRecord) -> Result<T, String> + 'a;

/// Feeds each line starting in the block (without its newline) to `parse` and the
/// outcome to the sink. The number of the block's first line is only counted (by
/// reading the file up to it) when a record fails.
fn for_each_line<T>(b: &Block, sink: &mut Sink<T>, parse: &LineParser<T>) -> Result<(), LineError> {
    let (mut r, mut pos) = open_block(b)?;
    let first = pos;
    let mut buf = Vec::new();
    let mut k = 0u64; // lines read in this block
    while b.gzip || pos < b.end {
        buf.clear();
        let n = r.read_until(b'\n', &mut buf)?;
        if n == 0 {
            break;
        }
        pos += n as u64;
        k += 1;
        sink.st.bytes += n as u64;
        let mut line = &buf[..];
        if line.last() == Some(&b'\n') {
            line = &line[..line.len() - 1];
            if line.last() == Some(&b'\r') {
                line = &line[..line.len() - 1];
            }
        }
        let res = parse(line);
        let path = &b.path;
        sink.record(res, || Ok(line_number_at(path, first)? + k - 1))?;
    }
    Ok(())
}

/// Reads the CSV records starting in the block. Each block reads its file's header
/// from the file's start; the block holding the header skips it.
fn for_each_csv_record<T>(
    b: &Block,
    o: &CsvOptions,
    sink: &mut Sink<T>,
    each: &CsvParser<'_, T>,
) -> Result<(), LineError> {
    let builder = {
        let mut cb = csv::ReaderBuilder::new();
        // Flexible: lengths are checked against the header here, the same in every block.
        cb.delimiter(o.delimiter)
            .quote(o.quote)
            .has_headers(false)
            .flexible(true);
        cb
    };
    let header_err = |e: csv::Error| LineError::Record {
        line_no: e.position().map_or(1, |p| p.line()),
        msg: format!("header: {}", csv_msg(&e)),
    };
    let (r, first) = open_block(b)?;
    let mut rd = builder.from_reader(r);
    let mut header = None;
    if o.has_header {
        if first == 0 {
            let mut h = csv::StringRecord::new();
            if !rd.read_record(&mut h).map_err(header_err)? {
                return Ok(()); // empty file
            }
            header = Some(h);
        } else {
            let (hr, _) = open_block(&Block {
                start: 0,
                ..b.clone()
            })?;
            let mut hrd = builder.from_reader(hr);
            let mut h = csv::StringRecord::new();
            if hrd.read_record(&mut h).map_err(header_err)? {
                header = Some(h);
            }
        }
    }
    let mut rec = csv::StringRecord::new();
    let base = std::cell::OnceCell::new();
    loop {
        let start = rd.position().clone();
        if !b.gzip && first + start.byte() >= b.end {
            break;
        }
        let line_no = |rel: u64| -> Result<u64, io::Error> {
            let b0 = match base.get() {
                Some(v) => *v,
                None => {
                    let v = line_number_at(&b.path, first)?;
                    let _ = base.set(v);
                    v
                }
            };
            Ok(b0 + rel - 1)
        };
        match rd.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {
                sink.st.bytes += rd.position().byte() - start.byte();
                let res = match &header {
                    Some(h) if h.len() != rec.len() => Err(format!(
                        "{} fields where the header has {}",
                        rec.len(),
                        h.len()
                    )),
                    _ => each(header.as_ref(), &rec).map(Some),
                };
                sink.record(res, || line_no(start.line()))?;
            }
            Err(e) => {
                if let csv::ErrorKind::Io(_) = e.kind() {
                    return Err(LineError::Io(io::Error::other(e.to_string())));
                }
                sink.st.bytes += rd.position().byte() - start.byte();
                let at = e.position().map_or(start.line(), |p| p.line());
                sink.record(Err(csv_msg(&e)), || line_no(at))?;
            }
        }
    }
    Ok(())
}

/// Deserializes one field (as a label) from a JSON object, ignoring the others.
struct OneField<'a> {
    field: &'a str,
}

impl<'de> DeserializeSeed<'de> for OneField<'_> {
    type Value = String;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for OneField<'_> {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an object with field {:?}", self.field)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<String, A::Error> {
        let mut value = None;
        while let Some(k) = m.next_key::<Cow<'de, str>>()? {
            if k == self.field && value.is_none() {
                value = Some(m.next_value_seed(LabelSeed)?);
            } else {
                m.next_value::<IgnoredAny>()?;
            }
        }
        value.ok_or_else(|| serde::de::Error::custom(format!("missing field {:?}", self.field)))
    }
}

/// Deserializes `(text, label)` from a JSON object, ignoring other fields.
struct TwoFields<'a> {
    text: &'a str,
    label: &'a str,
}

impl<'de> DeserializeSeed<'de> for TwoFields<'_> {
    type Value = (String, String);
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

struct LabelVisitor;

impl Visitor<'_> for LabelVisitor {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, number or boolean label")
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<String, E> {
        Ok(v.to_string())
    }
}

struct LabelSeed;

impl<'de> DeserializeSeed<'de> for LabelSeed {
    type Value = String;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        d.deserialize_any(LabelVisitor)
    }
}

struct TextSeed;

impl<'de> DeserializeSeed<'de> for TextSeed {
    type Value = String;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = String;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<String, E> {
                Ok(v)
            }
        }
        d.deserialize_string(V)
    }
}

impl<'de> Visitor<'de> for TwoFields<'_> {
    type Value = (String, String);
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "an object with fields {:?} and {:?}",
            self.text, self.label
        )
    }
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
        let (mut text, mut label) = (None, None);
        while let Some(k) = m.next_key::<Cow<'de, str>>()? {
            if k == self.text && text.is_none() {
                text = Some(m.next_value_seed(TextSeed)?);
            } else if k == self.label && label.is_none() {
                label = Some(m.next_value_seed(LabelSeed)?);
            } else {
                m.next_value::<IgnoredAny>()?;
            }
        }
        match (text, label) {
            (Some(t), Some(l)) => Ok((t, l)),
            (None, _) => Err(serde::de::Error::custom(format!(
                "missing field {:?}",
                self.text
            ))),
            (_, None) => Err(serde::de::Error::custom(format!(
                "missing field {:?}",
                self.label
            ))),
        }
    }
}
