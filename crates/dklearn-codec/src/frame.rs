//! The frame around an encoded value: magic, version, type tag, length,
//! body, checksum.
//!
//! ```text
//! "DKLC" | version u8 | tag_len u16 | tag (UTF-8) | body_len u64 | body | checksum u64
//! ```
//! All integers little-endian; the checksum covers the body.

use crate::error::Error;
use crate::reader::Reader;
use crate::Encode;

/// The first four bytes of every frame.
pub const MAGIC: [u8; 4] = *b"DKLC";
/// The format version written, and the only one read.
pub const VERSION: u8 = 1;

/// Bytes of a frame around a body of `body_len` bytes with type tag `tag`.
pub fn frame_len(tag: &str, body_len: usize) -> usize {
    4 + 1 + 2 + tag.len() + 8 + body_len + 8
}

/// Appends a frame with type tag `tag` whose body `body` writes (exactly
/// `body_len` bytes: checked in debug builds). This is the type-erased form
/// registries use; typed code calls [`to_bytes`].
///
/// # Panics
/// If `tag` is longer than 65535 bytes (tags are type names).
pub fn write_frame(tag: &str, body_len: usize, out: &mut Vec<u8>, body: impl FnOnce(&mut Vec<u8>)) {
    let tag_len = u16::try_from(tag.len()).expect("type tag longer than 65535 bytes");
    out.reserve(frame_len(tag, body_len));
    out.extend_from_slice(&MAGIC);
    out.push(VERSION);
    out.extend_from_slice(&tag_len.to_le_bytes());
    out.extend_from_slice(tag.as_bytes());
    out.extend_from_slice(&(body_len as u64).to_le_bytes());
    let start = out.len();
    body(out);
    debug_assert_eq!(out.len() - start, body_len, "encoded_len of {tag} is wrong");
    // Patch the length if a (buggy) encoded_len was off, so the frame still reads.
    let written = (out.len() - start) as u64;
    out[start - 8..start].copy_from_slice(&written.to_le_bytes());
    let sum = checksum(&out[start..]);
    out.extend_from_slice(&sum.to_le_bytes());
}

/// `value` as a framed, checksummed byte vector.
pub fn to_bytes<T: Encode>(value: &T) -> Vec<u8> {
    let tag = T::type_tag();
    let len = value.encoded_len();
    let mut out = Vec::with_capacity(frame_len(&tag, len));
    write_frame(&tag, len, &mut out, |o| value.encode(o));
    out
}

/// Reads a `T` from a frame written by [`to_bytes`], checking magic,
/// version, type tag, length and checksum, and that nothing trails.
pub fn from_bytes<T: Encode>(bytes: &[u8]) -> Result<T, Error> {
    parse_frame(bytes)?.decode()
}

/// A checked frame: its type tag and body.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    /// The type tag written by the encoder.
    pub tag: &'a str,
    /// The body bytes (checksum verified).
    pub body: &'a [u8],
}

impl<'a> Frame<'a> {
    /// Decodes the body as a `T`, failing if the tag is not `T`'s or bytes trail.
    pub fn decode<T: Encode>(&self) -> Result<T, Error> {
        let want = T::type_tag();
        if self.tag != want {
            return Err(Error::TagMismatch {
                expected: want.into_owned(),
                found: self.tag.to_string(),
            });
        }
        self.decode_unchecked_tag()
    }

    /// Decodes the body as a `T` without comparing tags (the caller looked
    /// the decoder up by this tag).
    pub fn decode_unchecked_tag<T: Encode>(&self) -> Result<T, Error> {
        let mut r = Reader::new(self.body);
        let v = T::decode(&mut r)?;
        r.finish()?;
        Ok(v)
    }
}

/// Checks a frame (magic, version, lengths, checksum, nothing trailing) and
/// returns its tag and body.
pub fn parse_frame(bytes: &[u8]) -> Result<Frame<'_>, Error> {
    let mut r = Reader::new(bytes);
    let magic = r.bytes(4, "magic").map_err(|_| Error::BadMagic {
        found: bytes[..bytes.len().min(4)].to_vec(),
    })?;
    if magic != MAGIC {
        return Err(Error::BadMagic {
            found: magic.to_vec(),
        });
    }
    let version = r.u8()?;
    if version != VERSION {
        return Err(Error::Version {
            found: version,
            supported: VERSION,
        });
    }
    let tag_len = r.u16()? as usize;
    let tag = std::str::from_utf8(r.bytes(tag_len, "type tag")?)
        .map_err(|e| Error::invalid(format!("type tag is not UTF-8: {e}")))?;
    let body_len = r.read_len()?;
    let body = r.bytes(body_len, "body")?;
    let stored = r.u64()?;
    r.finish()?;
    let computed = checksum(body);
    if stored != computed {
        return Err(Error::Checksum { stored, computed });
    }
    Ok(Frame { tag, body })
}

/// A fast 64-bit checksum (eight independent multiply-xor lanes over 8-byte
/// words, then the tail): several GB/s, so checking every frame costs little
/// next to the copy. Each lane step is a bijection of the lane state, so any
/// single altered word always changes the result. Not cryptographic: it
/// detects corruption, not tampering.
pub fn checksum(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    const LANES: usize = 8;
    let mut h = [0u64; LANES];
    for (i, lane) in h.iter_mut().enumerate() {
        *lane = K.wrapping_mul(i as u64 + 1) ^ bytes.len() as u64;
    }
    let mut blocks = bytes.chunks_exact(8 * LANES);
    for b in &mut blocks {
        for (lane, w) in h.iter_mut().zip(b.chunks_exact(8)) {
            let mut a = [0u8; 8];
            a.copy_from_slice(w);
            *lane = (*lane ^ u64::from_le_bytes(a)).wrapping_mul(K);
        }
    }
    let mut acc = 0u64;
    for (i, lane) in h.iter().enumerate() {
        acc = (acc ^ lane.rotate_left(7 * i as u32 + 1)).wrapping_mul(K);
    }
    for &b in blocks.remainder() {
        acc = (acc ^ u64::from(b)).wrapping_mul(K);
    }
    acc ^= acc >> 32;
    acc = acc.wrapping_mul(K);
    acc ^ (acc >> 29)
}
