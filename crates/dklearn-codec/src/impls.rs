//! [`Encode`] for std and ndarray types.

use std::borrow::Cow;
use std::sync::Arc;

use ndarray::{Array1, Array2};

use crate::error::Error;
use crate::reader::Reader;
use crate::{Encode, ALLOC_OVERHEAD};

/// A heap block of `n` bytes with the allocator's overhead.
fn heap_block(n: usize) -> usize {
    n + ALLOC_OVERHEAD
}

macro_rules! primitive {
    ($($t:ty => $tag:literal, $n:literal);* $(;)?) => {$(
        impl Encode for $t {
            fn type_tag() -> Cow<'static, str> {
                Cow::Borrowed($tag)
            }
            const HEAP_FREE: bool = true;
            fn encoded_len(&self) -> usize {
                $n
            }
            fn encode(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
                let mut a = [0u8; $n];
                a.copy_from_slice(r.bytes($n, $tag)?);
                Ok(<$t>::from_le_bytes(a))
            }
            fn encode_slice(items: &[Self], out: &mut Vec<u8>) {
                #[cfg(target_endian = "little")]
                {
                    // SAFETY: a primitive number has no padding, so its
                    // memory is `size_of_val(items)` initialised bytes; on a
                    // little-endian target they are its `to_le_bytes`.
                    let bytes = unsafe {
                        std::slice::from_raw_parts(
                            items.as_ptr().cast::<u8>(),
                            std::mem::size_of_val(items),
                        )
                    };
                    out.extend_from_slice(bytes);
                }
                #[cfg(not(target_endian = "little"))]
                for x in items {
                    out.extend_from_slice(&x.to_le_bytes());
                }
            }
            fn decode_vec(r: &mut Reader<'_>, n: usize) -> Result<Vec<Self>, Error> {
                let bytes = r.elements(n, $n, $tag)?;
                #[cfg(target_endian = "little")]
                {
                    let mut v: Vec<$t> = Vec::with_capacity(n);
                    // SAFETY: `bytes` holds exactly `n * size_of::<$t>()`
                    // bytes (checked by `elements`), `v` has room for `n`
                    // items, every bit pattern is a valid `$t`, and on a
                    // little-endian target `from_le_bytes` is a plain copy.
                    unsafe {
                        std::ptr::copy_nonoverlapping(
                            bytes.as_ptr(),
                            v.as_mut_ptr().cast::<u8>(),
                            bytes.len(),
                        );
                        v.set_len(n);
                    }
                    Ok(v)
                }
                #[cfg(not(target_endian = "little"))]
                Ok(bytes
                    .chunks_exact($n)
                    .map(|c| {
                        let mut a = [0u8; $n];
                        a.copy_from_slice(c);
                        <$t>::from_le_bytes(a)
                    })
                    .collect())
            }
            fn slice_encoded_len(items: &[Self]) -> usize {
                items.len() * $n
            }
        }
    )*};
}

// Floats go through `to_le_bytes`, i.e. their bit pattern: NaN payloads and
// signed zeros survive.
primitive! {
    u8 => "u8", 1;
    u16 => "u16", 2;
    u32 => "u32", 4;
    u64 => "u64", 8;
    i8 => "i8", 1;
    i16 => "i16", 2;
    i32 => "i32", 4;
    i64 => "i64", 8;
    f32 => "f32", 4;
    f64 => "f64", 8;
}

/// `usize` is written as `u64` so 32- and 64-bit processes agree.
impl Encode for usize {
    const HEAP_FREE: bool = true;
    fn type_tag() -> Cow<'static, str> {
        Cow::Borrowed("usize")
    }
    fn encoded_len(&self) -> usize {
        8
    }
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&(*self as u64).to_le_bytes());
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
        r.read_len()
    }
    fn encode_slice(items: &[Self], out: &mut Vec<u8>) {
        #[cfg(all(target_endian = "little", target_pointer_width = "64"))]
        {
            // SAFETY: on a 64-bit little-endian target a `usize` is 8
            // initialised bytes laid out as its `u64::to_le_bytes`.
            let bytes = unsafe {
                std::slice::from_raw_parts(
                    items.as_ptr().cast::<u8>(),
                    std::mem::size_of_val(items),
                )
            };
            out.extend_from_slice(bytes);
        }
        #[cfg(not(all(target_endian = "little", target_pointer_width = "64")))]
        for x in items {
            out.extend_from_slice(&(*x as u64).to_le_bytes());
        }
    }
    fn decode_vec(r: &mut Reader<'_>, n: usize) -> Result<Vec<Self>, Error> {
        let bytes = r.elements(n, 8, "usize")?;
        #[cfg(all(target_endian = "little", target_pointer_width = "64"))]
        {
            let mut v: Vec<usize> = Vec::with_capacity(n);
            // SAFETY: `bytes` holds exactly `8 * n` bytes, `v` has room for
            // `n`, and every 8-byte pattern is a valid 64-bit `usize`.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    bytes.as_ptr(),
                    v.as_mut_ptr().cast::<u8>(),
                    bytes.len(),
                );
                v.set_len(n);
            }
            Ok(v)
        }
        #[cfg(not(all(target_endian = "little", target_pointer_width = "64")))]
        {
            let mut max = 0u64;
            let v: Vec<usize> = bytes
                .chunks_exact(8)
                .map(|c| {
                    let mut a = [0u8; 8];
                    a.copy_from_slice(c);
                    let x = u64::from_le_bytes(a);
                    max = max.max(x);
                    x as usize
                })
                .collect();
            if usize::try_from(max).is_err() {
                return Err(Error::invalid(format!("index {max} does not fit usize")));
            }
            Ok(v)
        }
    }
    fn slice_encoded_len(items: &[Self]) -> usize {
        items.len() * 8
    }
}

impl Encode for isize {
    const HEAP_FREE: bool = true;
    fn type_tag() -> Cow<'static, str> {
        Cow::Borrowed("isize")
    }
    fn encoded_len(&self) -> usize {
        8
    }
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&(*self as i64).to_le_bytes());
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
        let v = i64::decode(r)?;
        isize::try_from(v).map_err(|_| Error::invalid(format!("{v} does not fit isize")))
    }
}

impl Encode for bool {
    const HEAP_FREE: bool = true;
    fn type_tag() -> Cow<'static, str> {
        Cow::Borrowed("bool")
    }
    fn encoded_len(&self) -> usize {
        1
    }
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
        match r.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(Error::invalid(format!("bool byte {b}"))),
        }
    }
}

impl Encode for () {
    fn type_tag() -> Cow<'static, str> {
        Cow::Borrowed("()")
    }
    fn encoded_len(&self) -> usize {
        0
    }
    fn encode(&self, _out: &mut Vec<u8>) {}
    fn decode(_r: &mut Reader<'_>) -> Result<Self, Error> {
        Ok(())
    }
}

fn put_str(s: &str, out: &mut Vec<u8>) {
    out.extend_from_slice(&(s.len() as u64).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn get_str<'a>(r: &mut Reader<'a>) -> Result<&'a str, Error> {
    let n = r.read_len()?;
    std::str::from_utf8(r.bytes(n, "string")?)
        .map_err(|e| Error::invalid(format!("string is not UTF-8: {e}")))
}

impl Encode for String {
    fn type_tag() -> Cow<'static, str> {
        Cow::Borrowed("String")
    }
    fn encoded_len(&self) -> usize {
        8 + self.len()
    }
    fn size_hint(&self) -> usize {
        std::mem::size_of::<String>() + heap_block(self.capacity())
    }
    fn encode(&self, out: &mut Vec<u8>) {
        put_str(self, out);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
        get_str(r).map(str::to_owned)
    }
}

impl Encode for Arc<str> {
    fn type_tag() -> Cow<'static, str> {
        Cow::Borrowed("Arc<str>")
    }
    fn encoded_len(&self) -> usize {
        8 + self.len()
    }
    /// Counted whole even when shared (an upper bound).
    fn size_hint(&self) -> usize {
        std::mem::size_of::<Arc<str>>() + heap_block(2 * std::mem::size_of::<usize>() + self.len())
    }
    fn encode(&self, out: &mut Vec<u8>) {
        put_str(self, out);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
        get_str(r).map(Arc::from)
    }
}

impl<T: Encode> Encode for Vec<T> {
    fn type_tag() -> Cow<'static, str> {
        Cow::Owned(format!("Vec<{}>", T::type_tag()))
    }
    fn encoded_len(&self) -> usize {
        8 + T::slice_encoded_len(self)
    }
    fn size_hint(&self) -> usize {
        let item = std::mem::size_of::<T>();
        let spare = (self.capacity() - self.len()) * item;
        std::mem::size_of::<Vec<T>>()
            + heap_block(0)
            + spare
            + if T::HEAP_FREE {
                self.len() * item
            } else {
                self.iter().map(Encode::size_hint).sum()
            }
    }
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&(self.len() as u64).to_le_bytes());
        T::encode_slice(self, out);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
        let n = r.read_len()?;
        T::decode_vec(r, n)
    }
}

impl<T: Encode> Encode for Box<T> {
    fn type_tag() -> Cow<'static, str> {
        T::type_tag()
    }
    fn encoded_len(&self) -> usize {
        (**self).encoded_len()
    }
    fn size_hint(&self) -> usize {
        std::mem::size_of::<Box<T>>() + ALLOC_OVERHEAD + (**self).size_hint()
    }
    fn encode(&self, out: &mut Vec<u8>) {
        (**self).encode(out);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
        T::decode(r).map(Box::new)
    }
}

impl<T: Encode> Encode for Arc<T> {
    fn type_tag() -> Cow<'static, str> {
        Cow::Owned(format!("Arc<{}>", T::type_tag()))
    }
    fn encoded_len(&self) -> usize {
        (**self).encoded_len()
    }
    fn size_hint(&self) -> usize {
        std::mem::size_of::<Arc<T>>() + ALLOC_OVERHEAD + 16 + (**self).size_hint()
    }
    fn encode(&self, out: &mut Vec<u8>) {
        (**self).encode(out);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
        T::decode(r).map(Arc::new)
    }
}

impl<T: Encode> Encode for Option<T> {
    fn type_tag() -> Cow<'static, str> {
        Cow::Owned(format!("Option<{}>", T::type_tag()))
    }
    fn encoded_len(&self) -> usize {
        1 + self.as_ref().map_or(0, Encode::encoded_len)
    }
    fn size_hint(&self) -> usize {
        self.as_ref()
            .map_or(std::mem::size_of::<Self>(), Encode::size_hint)
    }
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            None => out.push(0),
            Some(v) => {
                out.push(1);
                v.encode(out);
            }
        }
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
        match r.u8()? {
            0 => Ok(None),
            1 => T::decode(r).map(Some),
            b => Err(Error::invalid(format!("Option tag byte {b}"))),
        }
    }
}

macro_rules! tuple {
    ($($name:ident $idx:tt),+) => {
        impl<$($name: Encode),+> Encode for ($($name,)+) {
            fn type_tag() -> Cow<'static, str> {
                let parts: Vec<String> = vec![$($name::type_tag().into_owned()),+];
                Cow::Owned(format!("({})", parts.join(",")))
            }
            fn encoded_len(&self) -> usize {
                0 $(+ self.$idx.encoded_len())+
            }
            fn size_hint(&self) -> usize {
                0 $(+ self.$idx.size_hint())+
            }
            fn encode(&self, out: &mut Vec<u8>) {
                $(self.$idx.encode(out);)+
            }
            fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
                Ok(($($name::decode(r)?,)+))
            }
        }
    };
}

tuple!(A 0, B 1);
tuple!(A 0, B 1, C 2);
tuple!(A 0, B 1, C 2, D 3);
tuple!(A 0, B 1, C 2, D 3, E 4);

/// Elements in logical (row-major) order, whatever the memory layout.
fn put_elements<'a, T: Encode + 'a>(
    slice: Option<&[T]>,
    iter: impl Iterator<Item = &'a T>,
    out: &mut Vec<u8>,
) {
    match slice {
        Some(s) => T::encode_slice(s, out),
        None => {
            for x in iter {
                x.encode(out);
            }
        }
    }
}

fn elements_len<'a, T: Encode + 'a>(
    slice: Option<&[T]>,
    iter: impl Iterator<Item = &'a T>,
) -> usize {
    match slice {
        Some(s) => T::slice_encoded_len(s),
        None => iter.map(Encode::encoded_len).sum(),
    }
}

impl<T: Encode> Encode for Array1<T> {
    fn type_tag() -> Cow<'static, str> {
        Cow::Owned(format!("Array1<{}>", T::type_tag()))
    }
    fn encoded_len(&self) -> usize {
        8 + elements_len(self.as_slice(), self.iter())
    }
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&(self.len() as u64).to_le_bytes());
        put_elements(self.as_slice(), self.iter(), out);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
        let n = r.read_len()?;
        Ok(Array1::from_vec(T::decode_vec(r, n)?))
    }
}

impl<T: Encode> Encode for Array2<T> {
    fn type_tag() -> Cow<'static, str> {
        Cow::Owned(format!("Array2<{}>", T::type_tag()))
    }
    fn encoded_len(&self) -> usize {
        16 + elements_len(self.as_slice(), self.iter())
    }
    fn encode(&self, out: &mut Vec<u8>) {
        let (rows, cols) = self.dim();
        out.extend_from_slice(&(rows as u64).to_le_bytes());
        out.extend_from_slice(&(cols as u64).to_le_bytes());
        put_elements(self.as_slice(), self.iter(), out);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
        let rows = r.read_len()?;
        let cols = r.read_len()?;
        let n = rows
            .checked_mul(cols)
            .ok_or_else(|| Error::invalid(format!("array shape {rows}x{cols} overflows")))?;
        let v = T::decode_vec(r, n)?;
        Array2::from_shape_vec((rows, cols), v).map_err(|e| Error::invalid(e.to_string()))
    }
}

impl<T: ?Sized> Encode for std::marker::PhantomData<T> {
    fn type_tag() -> Cow<'static, str> {
        Cow::Borrowed("PhantomData")
    }
    fn encoded_len(&self) -> usize {
        0
    }
    fn encode(&self, _out: &mut Vec<u8>) {}
    fn decode(_r: &mut Reader<'_>) -> Result<Self, Error> {
        Ok(std::marker::PhantomData)
    }
}
