//! What can go wrong reading bytes.

use std::fmt;

/// Why bytes could not be read back as a value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The bytes do not start with [`MAGIC`](crate::MAGIC): not a dklearn frame.
    BadMagic {
        /// The first bytes found (up to 4).
        found: Vec<u8>,
    },
    /// The frame was written by another format version.
    Version {
        /// The version in the frame.
        found: u8,
        /// The version this build reads.
        supported: u8,
    },
    /// The bytes end before the value does.
    Truncated {
        /// What was being read.
        what: &'static str,
        /// Bytes needed from `at` on.
        needed: usize,
        /// Offset where reading stopped.
        at: usize,
        /// Total bytes available.
        len: usize,
    },
    /// The frame holds another type than the one asked for.
    TagMismatch {
        /// The type asked for.
        expected: String,
        /// The type in the frame.
        found: String,
    },
    /// No codec is registered for this type tag.
    UnknownTag(String),
    /// The body's checksum does not match: the bytes were altered.
    Checksum {
        /// Checksum stored in the frame.
        stored: u64,
        /// Checksum of the body as read.
        computed: u64,
    },
    /// Bytes left over after the value.
    TrailingBytes {
        /// How many.
        count: usize,
    },
    /// The bytes decode to something that is not a valid value (bad UTF-8,
    /// an out-of-range enum tag, a matrix breaking its invariants...).
    Invalid(String),
}

impl Error {
    /// An [`Error::Invalid`] with this message.
    pub fn invalid(message: impl Into<String>) -> Error {
        Error::Invalid(message.into())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::BadMagic { found } => write!(
                f,
                "not dklearn-encoded bytes (magic {found:02x?}, expected {:02x?})",
                crate::MAGIC
            ),
            Error::Version { found, supported } => write!(
                f,
                "encoded with format version {found}, this build reads version {supported}"
            ),
            Error::Truncated {
                what,
                needed,
                at,
                len,
            } => write!(
                f,
                "truncated: {what} needs {needed} bytes at offset {at} but only {len} bytes in total"
            ),
            Error::TagMismatch { expected, found } => {
                write!(f, "expected a {expected} but the bytes hold a {found}")
            }
            Error::UnknownTag(tag) => write!(f, "no codec registered for type {tag}"),
            Error::Checksum { stored, computed } => write!(
                f,
                "checksum mismatch (stored {stored:016x}, computed {computed:016x}): the bytes are corrupt"
            ),
            Error::TrailingBytes { count } => {
                write!(f, "{count} unexpected bytes after the value")
            }
            Error::Invalid(m) => write!(f, "invalid encoded value: {m}"),
        }
    }
}

impl std::error::Error for Error {}
