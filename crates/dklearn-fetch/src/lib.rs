//! Download a `.tar.gz` over HTTP(S), verify its files against pinned SHA-256
//! sums, and put it in place atomically.
//!
//! [`fetch`] streams the response body through a gzip decoder and a tar reader
//! (the tarball is never written to disk whole), extracting into a temporary
//! directory beside the destination while hashing every file as it is written.
//! Only when every pinned file is present and matches its sum is the temporary
//! directory renamed to the destination; any failure (HTTP status, timeout,
//! truncated or corrupt archive, a `../` or absolute path, a symlink or hard
//! link, a wrong or missing sum) removes it, so nothing half-made is left for a
//! later reader to pick up.
//!
//! The Reuters-21578 tarball that scikit-learn's out-of-core example downloads
//! is pinned here: [`REUTERS_URL`] and [`reuters_sums`] (the sums of its 22
//! `reut2-*.sgm` files, compiled in).
#![deny(missing_docs)]

use sha2::{Digest, Sha256};
use std::fmt;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

/// The tarball scikit-learn's out-of-core classification example downloads.
pub const REUTERS_URL: &str =
    "http://www.daviddlewis.com/resources/testcollections/reuters21578/reuters21578.tar.gz";

/// `sha256sum` output for the 22 `reut2-*.sgm` files of Reuters-21578.
pub const REUTERS_SHA256SUMS: &str = include_str!("reuters21578.sha256");

/// The pinned sums of the Reuters-21578 `reut2-*.sgm` files.
pub fn reuters_sums() -> Vec<Pinned> {
    // The compiled-in text is checked by a test; a parse error here is a build defect.
    parse_sums(REUTERS_SHA256SUMS).unwrap_or_default()
}

/// One file the archive must contain, with its SHA-256.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pinned {
    /// Path relative to the archive root, `/`-separated.
    pub name: String,
    /// The expected digest.
    pub sha256: [u8; 32],
}

/// Parses `sha256sum` output: `<64 hex digits><two spaces or " *"><name>` per line.
pub fn parse_sums(text: &str) -> Result<Vec<Pinned>, FetchError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = || FetchError::BadSums {
            line: i + 1,
            text: line.to_string(),
        };
        let (hex, rest) = line.split_at_checked(64).ok_or_else(bad)?;
        let name = rest
            .strip_prefix("  ")
            .or_else(|| rest.strip_prefix(" *"))
            .ok_or_else(bad)?;
        let sha256 = parse_hex(hex).ok_or_else(bad)?;
        if name.is_empty() {
            return Err(bad());
        }
        out.push(Pinned {
            name: name.to_string(),
            sha256,
        });
    }
    Ok(out)
}

fn parse_hex(hex: &str) -> Option<[u8; 32]> {
    let b = hex.as_bytes();
    if b.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        let hi = (b[2 * i] as char).to_digit(16)?;
        let lo = (b[2 * i + 1] as char).to_digit(16)?;
        *o = (hi * 16 + lo) as u8;
    }
    Some(out)
}

fn to_hex(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// What to fetch and where.
#[derive(Clone, Debug)]
pub struct Fetch {
    /// `http://` or `https://` URL of a `.tar.gz`.
    pub url: String,
    /// Final directory; must not exist yet (or already hold exactly the pinned files).
    pub dest: PathBuf,
    /// Files that must be in the archive, with their sums. Other files whose name
    /// matches [`Fetch::pinned_pattern`] but are not pinned are an error.
    pub pinned: Vec<Pinned>,
    /// `(prefix, suffix)`: a regular file whose base name starts and ends so must be pinned.
    pub pinned_pattern: Option<(String, String)>,
    /// Bound on connecting and on each read of the body (a stalled server is an error).
    pub timeout: Duration,
    /// Draw a progress bar on stderr (hidden when stderr is not a terminal).
    pub progress: bool,
}

impl Fetch {
    /// Reuters-21578 from `url` into `dest`, the `reut2-*.sgm` files pinned.
    pub fn reuters(url: &str, dest: &Path) -> Fetch {
        Fetch {
            url: url.to_string(),
            dest: dest.to_path_buf(),
            pinned: reuters_sums(),
            pinned_pattern: Some(("reut2-".into(), ".sgm".into())),
            timeout: Duration::from_secs(60),
            progress: true,
        }
    }
}

/// What [`fetch`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fetched {
    /// The destination directory.
    pub dest: PathBuf,
    /// Compressed bytes downloaded (0 when the data was already in place).
    pub downloaded_bytes: u64,
    /// Regular files extracted.
    pub files: usize,
    /// Pinned files verified.
    pub verified: usize,
    /// True when `dest` already held every pinned file with the right sum.
    pub already_present: bool,
}

/// Why a fetch failed. Every variant leaves the destination untouched.
#[derive(Debug)]
pub enum FetchError {
    /// A line of a sums file that is not `<sha256>  <name>`.
    BadSums {
        /// 1-based line number.
        line: usize,
        /// The line.
        text: String,
    },
    /// The HTTP request failed (status, timeout, connection, TLS).
    Http {
        /// The URL.
        url: String,
        /// ureq's error.
        source: ureq::Error,
    },
    /// Reading, decompressing or un-tarring the body failed (truncated body, corrupt gzip, stall).
    Archive {
        /// The URL.
        url: String,
        /// Bytes of the body read before the failure.
        after_bytes: u64,
        /// The I/O error.
        source: io::Error,
    },
    /// The server announced a length and sent fewer bytes.
    Truncated {
        /// The URL.
        url: String,
        /// `Content-Length`.
        expected: u64,
        /// Bytes received.
        got: u64,
    },
    /// An entry that would be written outside the destination, or is not a plain file or directory.
    UnsafeEntry {
        /// The entry's path as in the archive.
        entry: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A pinned file's digest differs.
    Checksum {
        /// The file.
        name: String,
        /// Pinned digest (hex).
        expected: String,
        /// Digest of the downloaded file (hex).
        got: String,
    },
    /// Pinned files absent from the archive.
    Missing {
        /// Their names.
        names: Vec<String>,
    },
    /// A file matching the pinned pattern that has no pinned sum.
    NotPinned {
        /// The file.
        name: String,
    },
    /// The destination exists and does not hold the pinned files.
    DestExists {
        /// The destination.
        dest: PathBuf,
        /// Why its content is not accepted.
        why: String,
    },
    /// A local file system operation failed.
    Io {
        /// What was being done.
        what: String,
        /// The path involved.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::BadSums { line, text } => {
                write!(f, "sums line {line} is not `<sha256>  <name>`: {text:?}")
            }
            FetchError::Http { url, source } => match source {
                ureq::Error::StatusCode(code) => write!(f, "GET {url}: HTTP status {code}"),
                ureq::Error::Timeout(t) => write!(f, "GET {url}: timed out ({t})"),
                other => write!(f, "GET {url}: {other}"),
            },
            FetchError::Archive {
                url,
                after_bytes,
                source,
            } => write!(
                f,
                "reading the archive from {url} failed after {after_bytes} bytes \
                 (truncated, corrupt or stalled download): {source}"
            ),
            FetchError::Truncated { url, expected, got } => write!(
                f,
                "download of {url} truncated: Content-Length {expected}, received {got} bytes"
            ),
            FetchError::UnsafeEntry { entry, reason } => {
                write!(f, "refusing archive entry {entry:?}: {reason}")
            }
            FetchError::Checksum {
                name,
                expected,
                got,
            } => write!(
                f,
                "SHA-256 mismatch for {name}: expected {expected}, got {got}"
            ),
            FetchError::Missing { names } => {
                write!(f, "the archive lacks pinned files: {}", names.join(", "))
            }
            FetchError::NotPinned { name } => {
                write!(f, "the archive holds {name}, which has no pinned SHA-256")
            }
            FetchError::DestExists { dest, why } => write!(
                f,
                "{} already exists and {why}; remove it or choose another --dest",
                dest.display()
            ),
            FetchError::Io { what, path, source } => {
                write!(f, "{what} {}: {source}", path.display())
            }
        }
    }
}

impl std::error::Error for FetchError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FetchError::Http { source, .. } => Some(source),
            FetchError::Archive { source, .. } | FetchError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

fn io_err(what: &str, path: &Path) -> impl FnOnce(io::Error) -> FetchError {
    let what = what.to_string();
    let path = path.to_path_buf();
    move |source| FetchError::Io { what, path, source }
}

/// A directory removed (recursively) when dropped unless [`Scratch::keep`] was called,
/// and parent directories this fetch created, removed when empty.
struct Scratch {
    dir: Option<PathBuf>,
    created_parents: Vec<PathBuf>,
}

impl Scratch {
    fn keep(mut self) {
        self.dir = None;
        self.created_parents.clear();
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Some(d) = self.dir.take() {
            let _ = fs::remove_dir_all(&d);
        }
        for p in self.created_parents.iter().rev() {
            let _ = fs::remove_dir(p); // only when empty
        }
    }
}

/// Checks `dir` holds every pinned file with its sum (`Ok(count)`) or says why not.
pub fn verify_dir(dir: &Path, pinned: &[Pinned]) -> Result<usize, FetchError> {
    let mut missing = Vec::new();
    for p in pinned {
        let path = dir.join(&p.name);
        let mut f = match fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                missing.push(p.name.clone());
                continue;
            }
            Err(e) => return Err(io_err("opening", &path)(e)),
        };
        let mut h = Sha256::new();
        io::copy(&mut f, &mut h).map_err(io_err("reading", &path))?;
        let got: [u8; 32] = h.finalize().into();
        if got != p.sha256 {
            return Err(FetchError::Checksum {
                name: p.name.clone(),
                expected: to_hex(&p.sha256),
                got: to_hex(&got),
            });
        }
    }
    if missing.is_empty() {
        Ok(pinned.len())
    } else {
        Err(FetchError::Missing { names: missing })
    }
}

/// Counts bytes read and watches the total against a progress bar.
struct Counting<R> {
    inner: R,
    n: u64,
    bar: indicatif::ProgressBar,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let k = self.inner.read(buf)?;
        self.n += k as u64;
        self.bar.set_position(self.n);
        Ok(k)
    }
}

struct HashWriter<W> {
    inner: W,
    h: Sha256,
}

impl<W: Write> Write for HashWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let k = self.inner.write(buf)?;
        self.h.update(&buf[..k]);
        Ok(k)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Checks an archive path is relative and stays inside the root; returns it normalised.
fn safe_relative(raw: &Path) -> Result<PathBuf, &'static str> {
    let mut out = PathBuf::new();
    for c in raw.components() {
        match c {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            Component::ParentDir => return Err("path leaves the destination (`..`)"),
            Component::RootDir | Component::Prefix(_) => return Err("absolute path"),
        }
    }
    if out.as_os_str().is_empty() {
        return Err("empty path");
    }
    Ok(out)
}

/// Downloads, verifies and extracts; see the crate docs.
pub fn fetch(spec: &Fetch) -> Result<Fetched, FetchError> {
    let dest = &spec.dest;
    if fs::symlink_metadata(dest).is_ok() {
        return match verify_dir(dest, &spec.pinned) {
            Ok(n) => Ok(Fetched {
                dest: dest.clone(),
                downloaded_bytes: 0,
                files: 0,
                verified: n,
                already_present: true,
            }),
            Err(e) => Err(FetchError::DestExists {
                dest: dest.clone(),
                why: format!("does not hold the verified data ({e})"),
            }),
        };
    }
    let name = dest.file_name().ok_or_else(|| FetchError::DestExists {
        dest: dest.clone(),
        why: "has no final path component".into(),
    })?;
    let parent = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // Parents that do not exist yet are created, and removed again (when empty) on failure.
    let mut created_parents = Vec::new();
    {
        let mut missing = Vec::new();
        let mut p = parent.as_path();
        while !p.as_os_str().is_empty() && fs::symlink_metadata(p).is_err() {
            missing.push(p.to_path_buf());
            match p.parent() {
                Some(q) => p = q,
                None => break,
            }
        }
        for m in missing.into_iter().rev() {
            fs::create_dir(&m).map_err(io_err("creating", &m))?;
            created_parents.push(m);
        }
    }
    let tmp = parent.join(format!(
        ".{}.partial-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let _ = fs::remove_dir_all(&tmp); // a leftover of this pid's earlier, killed run
    let scratch = Scratch {
        dir: Some(tmp.clone()),
        created_parents,
    };
    fs::create_dir(&tmp).map_err(io_err("creating", &tmp))?;

    let (files, downloaded_bytes) = download_into(spec, &tmp)?;
    let verified = verify_dir(&tmp, &spec.pinned)?;
    fs::rename(&tmp, dest).map_err(io_err("renaming the verified download to", dest))?;
    scratch.keep();
    Ok(Fetched {
        dest: dest.clone(),
        downloaded_bytes,
        files,
        verified,
        already_present: false,
    })
}

fn download_into(spec: &Fetch, tmp: &Path) -> Result<(usize, u64), FetchError> {
    let url = &spec.url;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_connect(Some(spec.timeout))
        .timeout_recv_response(Some(spec.timeout))
        .timeout_per_read(Some(spec.timeout))
        .build()
        .into();
    let resp = agent.get(url).call().map_err(|source| FetchError::Http {
        url: url.clone(),
        source,
    })?;
    let length = resp.body().content_length();
    let bar = if spec.progress {
        let b = match length {
            Some(n) => indicatif::ProgressBar::new(n),
            None => indicatif::ProgressBar::new_spinner(),
        };
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        b.set_message("downloading");
        b
    } else {
        indicatif::ProgressBar::hidden()
    };
    let mut counting = Counting {
        inner: resp.into_body().into_reader(),
        n: 0,
        bar: bar.clone(),
    };
    let files = {
        let gz = flate2::read::GzDecoder::new(&mut counting);
        let mut ar = tar::Archive::new(gz);
        extract(&mut ar, tmp, spec)
    };
    bar.finish_and_clear();
    let got = counting.n;
    let files = files.map_err(|e| match e {
        Extract::Io(source) => FetchError::Archive {
            url: url.clone(),
            after_bytes: got,
            source,
        },
        Extract::Fetch(f) => f,
    })?;
    // Drain what follows the tar end marker so a short body is noticed too.
    let mut rest = Vec::new();
    counting
        .read_to_end(&mut rest)
        .map_err(|source| FetchError::Archive {
            url: url.clone(),
            after_bytes: got,
            source,
        })?;
    if let Some(expected) = length {
        if counting.n < expected {
            return Err(FetchError::Truncated {
                url: url.clone(),
                expected,
                got: counting.n,
            });
        }
    }
    Ok((files, counting.n))
}

enum Extract {
    Io(io::Error),
    Fetch(FetchError),
}

impl From<io::Error> for Extract {
    fn from(e: io::Error) -> Self {
        Extract::Io(e)
    }
}

fn extract<R: Read>(ar: &mut tar::Archive<R>, tmp: &Path, spec: &Fetch) -> Result<usize, Extract> {
    let mut files = 0;
    for entry in ar.entries()? {
        let mut entry = entry?;
        let raw = entry.path()?.into_owned();
        let shown = raw.to_string_lossy().into_owned();
        let rel = safe_relative(&raw).map_err(|reason| {
            Extract::Fetch(FetchError::UnsafeEntry {
                entry: shown.clone(),
                reason,
            })
        })?;
        let unsafe_entry = |reason| {
            Extract::Fetch(FetchError::UnsafeEntry {
                entry: shown.clone(),
                reason,
            })
        };
        let out = tmp.join(&rel);
        match entry.header().entry_type() {
            tar::EntryType::Directory => {
                fs::create_dir_all(&out)
                    .map_err(|e| Extract::Fetch(io_err("creating", &out)(e)))?;
            }
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                let base = rel
                    .file_name()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let rel_name = rel.to_string_lossy().replace('\\', "/");
                if let Some((pre, suf)) = &spec.pinned_pattern {
                    if base.starts_with(pre.as_str())
                        && base.ends_with(suf.as_str())
                        && !spec.pinned.iter().any(|p| p.name == rel_name)
                    {
                        return Err(Extract::Fetch(FetchError::NotPinned { name: rel_name }));
                    }
                }
                if let Some(dir) = out.parent() {
                    fs::create_dir_all(dir)
                        .map_err(|e| Extract::Fetch(io_err("creating", dir)(e)))?;
                }
                // create_new: a second entry with the same name is refused, not overwritten.
                let f = fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&out)
                    .map_err(|e| {
                        if e.kind() == io::ErrorKind::AlreadyExists {
                            unsafe_entry("a second entry with the same path")
                        } else {
                            Extract::Fetch(io_err("creating", &out)(e))
                        }
                    })?;
                let mut w = HashWriter {
                    inner: io::BufWriter::new(f),
                    h: Sha256::new(),
                };
                io::copy(&mut entry, &mut w)?;
                w.flush()?;
                let got: [u8; 32] = w.h.finalize().into();
                if let Some(p) = spec.pinned.iter().find(|p| p.name == rel_name) {
                    if p.sha256 != got {
                        return Err(Extract::Fetch(FetchError::Checksum {
                            name: rel_name,
                            expected: to_hex(&p.sha256),
                            got: to_hex(&got),
                        }));
                    }
                }
                files += 1;
            }
            tar::EntryType::Symlink => return Err(unsafe_entry("symbolic link")),
            tar::EntryType::Link => return Err(unsafe_entry("hard link")),
            // Metadata records (pax/GNU long names) are consumed by the tar reader itself.
            tar::EntryType::XGlobalHeader | tar::EntryType::XHeader => {}
            _ => return Err(unsafe_entry("not a regular file or directory")),
        }
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compiled_in_reuters_sums_parse() {
        let s = parse_sums(REUTERS_SHA256SUMS).unwrap();
        assert_eq!(s.len(), 22);
        assert_eq!(s[0].name, "reut2-000.sgm");
        assert_eq!(s[21].name, "reut2-021.sgm");
        assert_eq!(reuters_sums(), s);
    }

    #[test]
    fn malformed_sums_lines_are_errors_with_their_line() {
        let e = parse_sums("abc  x\n").unwrap_err().to_string();
        assert!(e.contains("line 1"), "{e}");
        let good = format!("{}  a\n", "0".repeat(64));
        assert_eq!(parse_sums(&good).unwrap().len(), 1);
        let e = parse_sums(&format!("{good}{} b\n", "0".repeat(64))).unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
        assert!(parse_sums(&format!("{}  a\n", "g".repeat(64))).is_err());
    }

    #[test]
    fn unsafe_paths_are_refused() {
        assert!(safe_relative(Path::new("../x")).is_err());
        assert!(safe_relative(Path::new("a/../../x")).is_err());
        assert!(safe_relative(Path::new("/etc/passwd")).is_err());
        assert!(safe_relative(Path::new("./")).is_err());
        assert_eq!(
            safe_relative(Path::new("./a/b")).unwrap(),
            PathBuf::from("a/b")
        );
    }
}
