//! A bounds-checked cursor over encoded bytes.

use crate::error::Error;

/// Reads encoded bodies; every read checks the remaining length and fails
/// with [`Error::Truncated`] naming what was being read.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes, pos: 0 }
    }

    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    /// Offset of the next byte.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Fails with [`Error::TrailingBytes`] unless everything was read.
    pub fn finish(&self) -> Result<(), Error> {
        match self.remaining() {
            0 => Ok(()),
            count => Err(Error::TrailingBytes { count }),
        }
    }

    /// The next `n` bytes.
    pub fn bytes(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], Error> {
        if n > self.remaining() {
            return Err(Error::Truncated {
                what,
                needed: n,
                at: self.pos,
                len: self.bytes.len(),
            });
        }
        let s = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], Error> {
        let s = self.bytes(N, what)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    /// One byte.
    pub fn u8(&mut self) -> Result<u8, Error> {
        Ok(self.array::<1>("u8")?[0])
    }

    /// A little-endian `u16`.
    pub fn u16(&mut self) -> Result<u16, Error> {
        Ok(u16::from_le_bytes(self.array("u16")?))
    }

    /// A little-endian `u32`.
    pub fn u32(&mut self) -> Result<u32, Error> {
        Ok(u32::from_le_bytes(self.array("u32")?))
    }

    /// A little-endian `u64`.
    pub fn u64(&mut self) -> Result<u64, Error> {
        Ok(u64::from_le_bytes(self.array("u64")?))
    }

    /// A length or index written as `u64`, checked to fit `usize`.
    pub fn read_len(&mut self) -> Result<usize, Error> {
        let v = self.u64()?;
        usize::try_from(v).map_err(|_| Error::invalid(format!("length {v} does not fit usize")))
    }

    /// `n` elements of `size` bytes each, checked before any allocation.
    pub fn elements(
        &mut self,
        n: usize,
        size: usize,
        what: &'static str,
    ) -> Result<&'a [u8], Error> {
        let total = n.checked_mul(size).ok_or(Error::Truncated {
            what,
            needed: usize::MAX,
            at: self.pos,
            len: self.bytes.len(),
        })?;
        self.bytes(total, what)
    }
}
