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
