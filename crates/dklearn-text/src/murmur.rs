//! MurmurHash3_x86_32, as `sklearn.utils.murmurhash3_32`.

const C1: u32 = 0xcc9e_2d51;
const C2: u32 = 0x1b87_3593;

#[inline(always)]
fn mix_k(k: u32) -> u32 {
    k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2)
}

/// MurmurHash3_x86_32 of `key` with `seed`, as unsigned bits.
#[inline]
pub(crate) fn murmurhash3_32_u(key: &[u8], seed: u32) -> u32 {
    let mut h = seed;
    let mut blocks = key.chunks_exact(4);
    for b in &mut blocks {
        let k = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        h ^= mix_k(k);
        h = h.rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64);
    }
    let tail = blocks.remainder();
    if !tail.is_empty() {
        let mut k = 0u32;
        for (i, &b) in tail.iter().enumerate() {
            k ^= u32::from(b) << (8 * i);
        }
        h ^= mix_k(k);
    }
    h ^= key.len() as u32;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}

#[inline(always)]
fn round(h: u32, k: u32) -> u32 {
    (h ^ mix_k(k))
        .rotate_left(13)
        .wrapping_mul(5)
        .wrapping_add(0xe654_6b64)
}

/// Little-endian `u32` at `buf[i..i + 4]`, with one bounds check.
#[inline(always)]
fn load(buf: &[u8], i: usize) -> u32 {
    match buf[i..i + 4].try_into() {
        Ok(b) => u32::from_le_bytes(b),
        Err(_) => unreachable!("a 4-byte slice"),
    }
}

/// Little-endian `u64` at `buf[i..i + 8]`, with one bounds check.
#[inline(always)]
fn load8(buf: &[u8], i: usize) -> u64 {
    match buf[i..i + 8].try_into() {
        Ok(b) => u64::from_le_bytes(b),
        Err(_) => unreachable!("an 8-byte slice"),
    }
}

/// `if cond { a } else { b }` without a branch: token lengths are random,
/// and a mispredicted branch per token costs more than both computations.
#[inline(always)]
fn select(cond: bool, a: u32, b: u32) -> u32 {
    let m = 0u32.wrapping_sub(u32::from(cond));
    (a & m) | (b & !m)
}

/// [`murmurhash3_32_u`] of `buf[start..end]` with seed 0, for short keys
/// without data-dependent branches: the first two blocks are always
/// computed and kept only if the key has them, and the tail is one
/// little-endian load masked to its length (a zero tail word leaves the
/// hash unchanged). Needs `end + 8 <= buf.len()`; the bytes read past `end`
/// do not affect the result.
#[inline(always)]
pub(crate) fn murmurhash3_32_padded(buf: &[u8], start: usize, end: usize) -> u32 {
    let len = end - start;
    // The first two blocks in one load (the padding makes it in bounds).
    let head = load8(buf, start);
    let h1 = round(0, head as u32);
    let h = select(len >= 4, h1, 0);
    let h2 = round(h, (head >> 32) as u32);
    let mut h = select(len >= 8, h2, h);
    for b in 2..len / 4 {
        h = round(h, load(buf, start + 4 * b));
    }
    let tail = len & 3;
    // tail is 0..=3, so the shift is at most 24.
    let k = load(buf, end - tail) & ((1u32 << (8 * tail)) - 1);
    h ^= mix_k(k);
    h ^= len as u32;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}

/// MurmurHash3_x86_32 of `key` with `seed` as a signed 32-bit integer:
/// `sklearn.utils.murmurhash3_32(key, seed, positive=False)`.
///
/// ```
/// use dklearn_text::murmurhash3_32;
/// assert_eq!(murmurhash3_32(b"foo", 0), -156908512);
/// ```
#[inline]
pub fn murmurhash3_32(key: &[u8], seed: u32) -> i32 {
    murmurhash3_32_u(key, seed) as i32
}

/// [`murmurhash3_32`] of a string's UTF-8 bytes (what scikit-learn hashes for `str`).
#[inline]
pub fn murmurhash3_32_str(key: &str, seed: u32) -> i32 {
    murmurhash3_32(key.as_bytes(), seed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn padded_equals_plain(key in proptest::collection::vec(any::<u8>(), 0..40), pad in proptest::collection::vec(any::<u8>(), 8..10), pre in 0usize..5) {
            let mut buf = vec![7u8; pre];
            buf.extend_from_slice(&key);
            buf.extend_from_slice(&pad);
            let got = murmurhash3_32_padded(&buf, pre, pre + key.len());
            prop_assert_eq!(got, murmurhash3_32_u(&key, 0));
        }
    }

    #[test]
    fn known_values() {
        // from sklearn.utils import murmurhash3_32 as m
        // print(m('foo', 0), m('', 0), m('abcd', 42), m('héllo', 7), m('ab', 1), m('abc', 0), m('abcde', 2**32-1))
        assert_eq!(murmurhash3_32_str("foo", 0), -156908512);
        assert_eq!(murmurhash3_32_str("", 0), 0);
        assert_eq!(murmurhash3_32_str("abcd", 42), -396302900);
        assert_eq!(murmurhash3_32_str("héllo", 7), -1108854164);
        assert_eq!(murmurhash3_32_str("ab", 1), -1207461050);
        assert_eq!(murmurhash3_32_str("abc", 0), -1277324294);
        assert_eq!(murmurhash3_32_str("abcde", u32::MAX), -1991480460);
    }
}
