//! # dklearn-codec
//!
//! Values as bytes: the one internal encoding that spilling to disk and the
//! cluster scheduler share. It is fast (bulk little-endian copies), exact
//! (floats by bit pattern), versioned and self-checking: a *frame* carries a
//! magic number, a format version, the value's type tag, the body length and
//! a checksum, so foreign, truncated or corrupted bytes give a clear
//! [`Error`] instead of a wrong value.
//!
//! This is not a persistence format for users (it may change with the
//! version byte); it is what processes of the same binary exchange.
//!
//! A type opts in by implementing [`Encode`]; `serde` types can use the
//! [`Serde`] wrapper instead (feature `serde`, on by default).
//!
//! ```
//! use dklearn_codec::{from_bytes, to_bytes};
//! let v: Vec<(String, f64)> = vec![("a".into(), -0.0), ("b".into(), f64::NAN)];
//! let bytes = to_bytes(&v);
//! let back: Vec<(String, f64)> = from_bytes(&bytes)?;
//! assert_eq!(back[0].1.to_bits(), (-0.0f64).to_bits());
//! assert!(back[1].1.is_nan());
//! assert!(from_bytes::<Vec<String>>(&bytes).is_err()); // wrong type: clear error
//! # Ok::<(), dklearn_codec::Error>(())
//! ```
#![deny(missing_docs)]

mod error;
mod frame;
mod impls;
mod macros;
mod reader;
#[cfg(feature = "serde")]
mod serde_impl;

pub use crate::error::Error;
pub use crate::frame::{
    checksum, frame_len, from_bytes, parse_frame, to_bytes, write_frame, Frame, MAGIC, VERSION,
};
pub use crate::reader::Reader;

/// Bytes a heap block costs beyond what it holds (glibc malloc's header and
/// 16-byte rounding, on average), used by [`Encode::size_hint`]s.
pub const ALLOC_OVERHEAD: usize = 16;
#[cfg(feature = "serde")]
pub use crate::serde_impl::Serde;

use std::borrow::Cow;

/// A type that can be written to bytes and read back bit for bit.
///
/// `encode` appends the *body* (no framing) to `out`; `decode` reads exactly
/// what `encode` wrote from a [`Reader`]. Bodies nest: a `Vec<T>` body is a
/// length followed by the bodies of its items. Use [`to_bytes`] /
/// [`from_bytes`] for a framed, checked value.
pub trait Encode: Sized {
    /// A stable name of the type, the same in every process of one binary
    /// (and, for library types, across versions): it is written in frames
    /// and keys the type-erased registry. Generic containers spell their
    /// parameters, e.g. `Vec<f64>`.
    fn type_tag() -> Cow<'static, str>;

    /// The exact number of bytes [`encode`](Self::encode) appends. Schedulers
    /// also use it as the value's size in memory (for the payload types the
    /// library spills, both are within a few bytes of each other).
    fn encoded_len(&self) -> usize;

    /// True when every value is `size_of::<Self>()` bytes with nothing on
    /// the heap (numbers, `bool`): lets a `Vec<Self>` size itself in O(1).
    const HEAP_FREE: bool = false;

    /// The bytes this value holds in memory, its own size included (heap
    /// blocks with their allocator overhead, spare capacity of vectors):
    /// what a memory-limited scheduler counts and frees by spilling it.
    /// Defaults to [`encoded_len`](Self::encoded_len), close for flat
    /// numeric values; containers of many small heap blocks override it.
    fn size_hint(&self) -> usize {
        self.encoded_len()
    }

    /// Appends the body of `self` to `out`.
    fn encode(&self, out: &mut Vec<u8>);

    /// Reads a value written by [`encode`](Self::encode).
    fn decode(r: &mut Reader<'_>) -> Result<Self, Error>;

    /// Appends the bodies of `items`, one after another. Primitives override
    /// this with one bulk copy (this is how `Vec<f64>` runs at memory speed).
    fn encode_slice(items: &[Self], out: &mut Vec<u8>) {
        for x in items {
            x.encode(out);
        }
    }

    /// Reads `n` bodies written by [`encode_slice`](Self::encode_slice).
    fn decode_vec(r: &mut Reader<'_>, n: usize) -> Result<Vec<Self>, Error> {
        // Do not trust `n` for the allocation: a corrupt length must fail
        // on the missing bytes, not abort on a huge reservation.
        let mut v = Vec::with_capacity(n.min(r.remaining()));
        for _ in 0..n {
            v.push(Self::decode(r)?);
        }
        Ok(v)
    }

    /// Bytes of [`encode_slice`](Self::encode_slice) for `items`.
    fn slice_encoded_len(items: &[Self]) -> usize {
        items.iter().map(Encode::encoded_len).sum()
    }
}
