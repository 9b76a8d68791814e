//! scikit-learn's default tokenizer and the text clean-up of its character
//! analyzers, with Python's Unicode semantics, without allocating.

use crate::unicode::{is_python_space, is_python_word, is_word_ascii};

/// The tokens scikit-learn's default `token_pattern`, `(?u)\b\w\w+\b`,
/// finds: the maximal runs of two or more code points matching Python's
/// `\w` ([`is_python_word`]), left to right. (`\b` sits between `\w` and
/// non-`\w`, so a match is always a whole run; Python's `re` works on code
/// points, not graphemes, so a combining mark splits a word.)
///
/// ```
/// use dklearn_text::word_tokens;
/// let t: Vec<&str> = word_tokens("Don't e-mail me, naïve_1 ٣٤ x!").collect();
/// assert_eq!(t, ["Don", "mail", "me", "naïve_1", "٣٤"]);
/// let t: Vec<&str> = word_tokens("cafe\u{301}s").collect();
/// assert_eq!(t, ["cafe"]); // U+0301 is not \w; the lone "s" is too short
/// ```
pub fn word_tokens(text: &str) -> WordTokens<'_> {
    WordTokens { text, pos: 0 }
}

/// Iterator over the tokens of [`word_tokens`], as slices of the text.
#[derive(Debug, Clone)]
pub struct WordTokens<'a> {
    text: &'a str,
    /// Byte offset of the next code point to look at (always a char boundary).
    pos: usize,
}

impl<'a> WordTokens<'a> {
    /// Whether the code point at byte `pos` is `\w`, and its UTF-8 length.
    #[inline]
    fn class_at(&self, pos: usize) -> (bool, usize) {
        let b = self.text.as_bytes()[pos];
        if b < 0x80 {
            return (is_word_ascii(b), 1);
        }
        match self.text[pos..].chars().next() {
            Some(c) => (is_python_word(c), c.len_utf8()),
            None => (false, 1),
        }
    }

    /// The byte range `start..end` of the next token in the text.
    #[inline]
    pub fn next_span(&mut self) -> Option<(usize, usize)> {
        let len = self.text.len();
        while self.pos < len {
            let (word, w) = self.class_at(self.pos);
            if !word {
                self.pos += w;
                continue;
            }
            let start = self.pos;
            self.pos += w;
            let mut n = 1;
            while self.pos < len {
                let (word, w) = self.class_at(self.pos);
                if !word {
                    break;
                }
                self.pos += w;
                n += 1;
            }
            if n >= 2 {
                return Some((start, self.pos));
            }
        }
        None
    }
}

impl<'a> Iterator for WordTokens<'a> {
    type Item = &'a str;

    #[inline]
    fn next(&mut self) -> Option<&'a str> {
        let text = self.text;
        self.next_span().map(|(a, b)| &text[a..b])
    }
}

#[cfg(test)]
const ONES: u64 = 0x0101_0101_0101_0101;
#[cfg(test)]
const HIGH: u64 = 0x8080_8080_8080_8080;

/// High bit of each byte set where `lo <= byte <= hi`, for bytes <= 0x7f
/// (no carry crosses a byte then).
#[cfg(test)]
#[inline(always)]
fn in_range8(x: u64, lo: u8, hi: u8) -> u64 {
    let ge = x.wrapping_add(ONES * u64::from(0x80 - lo));
    let gt = x.wrapping_add(ONES * u64::from(0x7f - hi));
    ge & !gt & HIGH
}

/// Bit k set where byte k of the 8 bytes in `x` (little-endian) matches
/// `\w` in ASCII: `[0-9A-Za-z_]`; bytes >= 0x80 are not word bytes.
#[cfg(test)]
#[inline(always)]
fn word_mask8(x: u64) -> u64 {
    let low7 = x & !HIGH;
    let w = in_range8(low7, b'0', b'9')
        | in_range8(low7 | (ONES * 0x20), b'a', b'z')
        | in_range8(low7, b'_', b'_');
    // Keep only ASCII bytes, move each byte's flag to bit 0 of the byte,
    // and gather the 8 flags into the top byte of the product.
    let flags = ((w & !x) >> 7) & ONES;
    flags.wrapping_mul(0x0102_0408_1020_4080) >> 56
}

/// [`word_mask64`] eight bytes at a time in general-purpose registers (the
/// previous scanner's, kept as a second reference for the tests).
#[cfg(test)]
#[inline(always)]
fn word_mask64_swar(chunk: &[u8; 64]) -> u64 {
    let mut m = 0u64;
    for (i, b) in chunk.chunks_exact(8).enumerate() {
        let x = u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
        m |= word_mask8(x) << (8 * i);
    }
    m
}

/// Bit k set where `chunk[k]` matches ASCII `\w`, `[0-9A-Za-z_]` (no byte
/// from 0x80 up is a word byte). Written so the compiler vectorizes the
/// classification (a few byte compares per 16 bytes); the flags are then
/// gathered eight at a time by a multiply.
#[inline(always)]
fn word_mask64(chunk: &[u8; 64]) -> u64 {
    let mut flags = [0u8; 64];
    for (f, &b) in flags.iter_mut().zip(chunk) {
        // `b - lo <= span` in wrapping u8 arithmetic is `lo <= b <= lo + span`;
        // `b | 0x20` folds 'A'..='Z' onto 'a'..='z' and nothing else onto it.
        let digit = b.wrapping_sub(b'0') <= 9;
        let alpha = (b | 0x20).wrapping_sub(b'a') <= 25;
        *f = u8::from(digit | alpha | (b == b'_'));
    }
    let mut m = 0u64;
    for (i, f) in flags.chunks_exact(8).enumerate() {
        let x = u64::from_le_bytes([f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7]]);
        // Byte k's flag (bit 8k) lands on bit 56 + k of the product.
        m |= (x.wrapping_mul(0x0102_0408_1020_4080) >> 56) << (8 * i);
    }
    m
}

/// Bit k set where byte `64 * c + k` of `bytes` matches ASCII `\w` (zero
/// past the end of `bytes`).
#[inline(always)]
fn chunk_mask(bytes: &[u8], c: usize) -> u64 {
    let chunk = &bytes[(64 * c).min(bytes.len())..];
    match chunk.get(..64) {
        Some(full) => match full.try_into() {
            Ok(full) => word_mask64(full),
            Err(_) => unreachable!("a 64-byte slice"),
        },
        None => {
            // Zero bytes are not word bytes.
            let mut tail = [0u8; 64];
            tail[..chunk.len()].copy_from_slice(chunk);
            word_mask64(&tail)
        }
    }
}

/// The tokens of [`word_tokens`] in ASCII `bytes`, as byte ranges
/// `starts[i]..ends[i]` for `i < n`, `n` returned: the same spans, found
/// 64 bytes at a time from a bitmask of the word bytes. Word bytes without
/// a word neighbour (runs of one) are cleared from the mask first, so every
/// run left is a token; its start and end are bits of the mask, written
/// out by two short loops. The cost is a few instructions per token and no
/// data-dependent branch per byte or token. (Bytes >= 0x80 count as
/// non-word; callers pass ASCII text only.)
///
/// `starts` and `ends` only grow (to `bytes.len() / 3 + 1`, the most tokens
/// `bytes` can hold, plus [`UNROLL`]), so nothing is cleared per document;
/// entries past `n` are stale.
#[inline]
pub(crate) fn ascii_token_spans(
    bytes: &[u8],
    starts: &mut Vec<usize>,
    ends: &mut Vec<usize>,
) -> usize {
    // A token is two bytes or more, and tokens are separated by a byte;
    // [`write_bits`] may write `UNROLL` entries past the last.
    let most = bytes.len() / 3 + 1 + UNROLL;
    if starts.len() < most {
        starts.resize(most, 0);
        ends.resize(most, 0);
    }
    let (starts, ends) = (&mut starts[..most], &mut ends[..most]);
    let (mut n_starts, mut n_ends) = (0usize, 0usize);
    let n_chunks = bytes.len().div_ceil(64);
    // Bit 63 of the previous chunk's word mask and token mask.
    let (mut word_carry, mut token_carry) = (0u64, 0u64);
    let mut next = chunk_mask(bytes, 0);
    for c in 0..n_chunks {
        let m = next;
        next = if c + 1 < n_chunks {
            chunk_mask(bytes, c + 1)
        } else {
            0
        };
        // Word bytes with a word byte before or after them.
        let paired = (m << 1) | word_carry | (m >> 1) | (next << 63);
        let tokens = m & paired;
        // Bit k of `before`: byte k - 1 is in a token.
        let before = (tokens << 1) | token_carry;
        let (token_starts, token_ends) = (tokens & !before, !tokens & before);
        let base = c * 64;
        n_starts = write_bits(starts, n_starts, base, token_starts);
        n_ends = write_bits(ends, n_ends, base, token_ends);
        word_carry = m >> 63;
        token_carry = tokens >> 63;
    }
    if token_carry != 0 {
        // A token reaches the end of a text of whole chunks.
        ends[n_ends] = bytes.len();
        n_ends += 1;
    }
    debug_assert_eq!(n_starts, n_ends);
    n_starts.min(n_ends)
}

/// Entries [`write_bits`] writes without a branch: more than the ~10
/// tokens a 64-byte chunk of English holds, so few chunks need more.
const UNROLL: usize = 16;

/// Writes `base + k` for each set bit `k` of `bits`, ascending, at
/// `out[at..]`, and returns the new end (`at + bits.count_ones()`). The
/// first [`UNROLL`] positions are written unconditionally (past the set
/// bits, `base + 64`; stale entries are allowed), so the usual chunk costs
/// no branch on its token count, which is unpredictable (a loop per set
/// bit mispredicted its exit: two branches per chunk, a third of the
/// vectorizer's mispredictions on the Reuters corpus). Needs `UNROLL`
/// entries after `at`, and room for every set bit.
#[inline(always)]
fn write_bits(out: &mut [usize], at: usize, base: usize, mut bits: u64) -> usize {
    let count = bits.count_ones() as usize;
    let block = &mut out[at..at + UNROLL];
    for slot in block.iter_mut() {
        *slot = base + bits.trailing_zeros() as usize;
        bits &= bits.wrapping_sub(1);
    }
    let mut k = at + UNROLL;
    while bits != 0 {
        out[k] = base + bits.trailing_zeros() as usize;
        k += 1;
        bits &= bits - 1;
    }
    at + count
}

/// Appends `re.sub(r"\s\s+", " ", text)` to `out`: each run of two or more
/// whitespace code points ([`is_python_space`]) becomes one space, and a
/// lone whitespace code point stays as it is (scikit-learn's
/// `_white_spaces` clean-up before character n-grams).
///
/// ```
/// let mut out = String::new();
/// dklearn_text::collapse_whitespace_into("a \t b\tc\u{a0}\u{a0}d", &mut out);
/// assert_eq!(out, "a b\tc d");
/// ```
pub fn collapse_whitespace_into(text: &str, out: &mut String) {
    let mut it = text.chars().peekable();
    while let Some(c) = it.next() {
        if is_python_space(c) && it.peek().is_some_and(|n| is_python_space(*n)) {
            while it.peek().is_some_and(|n| is_python_space(*n)) {
                it.next();
            }
            out.push(' ');
        } else {
            out.push(c);
        }
    }
}

/// Python's `text.split()` (no argument): the non-empty pieces between runs
/// of whitespace ([`is_python_space`]).
///
/// ```
/// let w: Vec<&str> = dklearn_text::python_split("\u{3000}ab  c\x1cd ").collect();
/// assert_eq!(w, ["ab", "c", "d"]);
/// ```
pub fn python_split(text: &str) -> impl Iterator<Item = &str> {
    text.split(is_python_space).filter(|w| !w.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_maximal_runs_of_two_or_more_word_chars() {
        let t: Vec<&str> = word_tokens("a bb ccc_ d1 _ __ 3.14").collect();
        assert_eq!(t, ["bb", "ccc_", "d1", "__", "14"]);
        assert_eq!(word_tokens("").count(), 0);
        assert_eq!(word_tokens("x").count(), 0);
        // Non-ASCII word chars of several UTF-8 lengths, emoji as separators.
        let t: Vec<&str> = word_tokens("中文😀ab\u{1D400}\u{1D401}é").collect();
        assert_eq!(t, ["中文", "ab\u{1D400}\u{1D401}é"]);
        let mut it = word_tokens("  hi there");
        assert_eq!(it.next_span(), Some((2, 4)));
        assert_eq!(it.next_span(), Some((5, 10)));
        assert_eq!(it.next_span(), None);
    }

    /// The spans [`ascii_token_spans`] finds, as pairs.
    fn ascii_spans(t: &str) -> Vec<(usize, usize)> {
        let (mut starts, mut ends) = (vec![7; 3], vec![9; 3]); // stale entries
        let n = ascii_token_spans(t.as_bytes(), &mut starts, &mut ends);
        starts[..n]
            .iter()
            .copied()
            .zip(ends[..n].iter().copied())
            .collect()
    }

    fn iterator_spans(t: &str) -> Vec<(usize, usize)> {
        let mut it = word_tokens(t);
        std::iter::from_fn(|| it.next_span()).collect()
    }

    #[test]
    fn ascii_scanner_finds_the_same_spans() {
        let mut texts = vec![
            String::new(),
            "a".into(),
            "ab".into(),
            "ab c de".into(),
            "x".repeat(64),
            "x".repeat(65),
            "x".repeat(128),
            format!("{} a", "y".repeat(63)),
            format!("{} bb", "-".repeat(63)),
            format!("{}a", "-".repeat(63)),
            format!("{}ab", "-".repeat(63)),
            format!("{}a-", "-".repeat(63)),
            "a-".repeat(64),
            "a-".repeat(65),
            // 21 tokens per chunk: more than `write_bits` writes unrolled.
            "ab ".repeat(100),
            "ab-cd.".repeat(50),
            format!("x{}", "ab ".repeat(100)),
        ];
        // Seeded pseudo-random ASCII, words crossing chunk edges.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for len in [1usize, 63, 64, 65, 127, 128, 129, 300] {
            let t: String = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    b"ab_1 .-Z\t"[(state % 9) as usize] as char
                })
                .collect();
            texts.push(t);
        }
        for t in &texts {
            assert_eq!(ascii_spans(t), iterator_spans(t), "{t:?}");
        }
    }

    #[test]
    fn swar_mask_matches_the_byte_table() {
        for b in 0..=255u8 {
            for k in 0..8 {
                let mut bytes = [b'-'; 8];
                bytes[k] = b;
                // Neighbours of every kind, so carries would show.
                bytes[(k + 1) % 8] = 0xff;
                bytes[(k + 3) % 8] = b'z';
                let m = word_mask8(u64::from_le_bytes(bytes));
                for (j, &c) in bytes.iter().enumerate() {
                    assert_eq!(m >> j & 1 == 1, is_word_ascii(c), "byte {c:#x} at {j}");
                }
            }
        }
    }

    #[test]
    fn mask_matches_the_byte_table_for_every_byte() {
        for b in 0..=255u8 {
            for k in 0..64 {
                let mut chunk = [b'-'; 64];
                chunk[k] = b;
                chunk[(k + 1) % 64] = 0xff;
                chunk[(k + 17) % 64] = b'Z';
                let want = chunk
                    .iter()
                    .enumerate()
                    .fold(0u64, |m, (j, &c)| m | u64::from(is_word_ascii(c)) << j);
                assert_eq!(word_mask64(&chunk), want, "byte {b:#x} at {k}");
                assert_eq!(word_mask64_swar(&chunk), want, "byte {b:#x} at {k}");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn ascii_scanner_equals_the_iterator(t in "[ -~\t\n]{0,300}") {
            proptest::prop_assert_eq!(ascii_spans(&t), iterator_spans(&t));
        }

        #[test]
        fn ascii_scanner_equals_the_iterator_on_word_heavy_text(t in "[a_Z9 .]{0,200}") {
            proptest::prop_assert_eq!(ascii_spans(&t), iterator_spans(&t));
        }

        #[test]
        fn write_bits_lists_the_set_bits(bits in proptest::prelude::any::<u64>(), at in 0usize..4, base in 0usize..1000) {
            let want: Vec<usize> = (0..64).filter(|k| bits >> k & 1 == 1).map(|k| base + k).collect();
            let mut out = vec![7usize; at + 64 + UNROLL];
            let end = write_bits(&mut out, at, base, bits);
            proptest::prop_assert_eq!(end, at + want.len());
            proptest::prop_assert_eq!(&out[at..end], &want[..]);
            proptest::prop_assert!(out[..at].iter().all(|&x| x == 7));
        }

        #[test]
        fn masks_agree(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 64)) {
            let chunk: [u8; 64] = bytes.try_into().unwrap_or_else(|_| unreachable!());
            proptest::prop_assert_eq!(word_mask64(&chunk), word_mask64_swar(&chunk));
        }
    }

    #[test]
    fn whitespace_clean_up() {
        let mut out = String::new();
        collapse_whitespace_into("\n\n a\u{2003}b", &mut out);
        assert_eq!(out, " a\u{2003}b");
        assert_eq!(python_split(" \t ").count(), 0);
    }
}
