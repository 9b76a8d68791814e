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

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// High bit of each byte set where `lo <= byte <= hi`, for bytes <= 0x7f
/// (no carry crosses a byte then).
#[inline(always)]
fn in_range8(x: u64, lo: u8, hi: u8) -> u64 {
    let ge = x.wrapping_add(ONES * u64::from(0x80 - lo));
    let gt = x.wrapping_add(ONES * u64::from(0x7f - hi));
    ge & !gt & HIGH
}

/// Bit k set where byte k of the 8 bytes in `x` (little-endian) matches
/// `\w` in ASCII: `[0-9A-Za-z_]`; bytes >= 0x80 are not word bytes.
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

/// Bit k set where `chunk[k]` (at most 64 bytes) matches ASCII `\w`.
#[inline(always)]
fn word_mask64(chunk: &[u8]) -> u64 {
    let mut buf = [0u8; 64];
    let full: &[u8] = if chunk.len() == 64 {
        chunk
    } else {
        // Zero bytes are not word bytes.
        buf[..chunk.len()].copy_from_slice(chunk);
        &buf
    };
    let mut m = 0u64;
    for (i, b) in full.chunks_exact(8).enumerate() {
        let x = u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
        m |= word_mask8(x) << (8 * i);
    }
    m
}

/// Calls `f(start, end)` for each token of [`word_tokens`] in ASCII
/// `bytes`, in order: the same spans, found 64 bytes at a time from a
/// bitmask of the word bytes, so the cost is one step per token rather than
/// a hard-to-predict branch per byte. (Bytes >= 0x80 count as non-word;
/// callers pass ASCII text only.)
#[inline]
pub(crate) fn for_each_ascii_token(bytes: &[u8], mut f: impl FnMut(usize, usize)) {
    // `carry`: the byte before the current chunk was a word byte.
    let mut carry = 0u64;
    let mut start = 0usize;
    for (c, chunk) in bytes.chunks(64).enumerate() {
        let m = word_mask64(chunk);
        let shifted = (m << 1) | carry;
        // Bit k of `edges`: a word starts (k is word, k-1 is not) or ends
        // (k is not word, k-1 is). They alternate, starting with an end
        // when a word runs in from the previous chunk.
        let mut edges = m ^ shifted;
        if chunk.len() < 64 {
            // Past the end nothing is a word; the final end is handled below.
            edges &= (1u64 << chunk.len()) - 1;
        }
        let base = c * 64;
        let mut in_word = carry != 0;
        while edges != 0 {
            let k = edges.trailing_zeros() as usize;
            edges &= edges - 1;
            if in_word {
                if base + k - start >= 2 {
                    f(start, base + k);
                }
            } else {
                start = base + k;
            }
            in_word = !in_word;
        }
        carry = m >> 63;
        if chunk.len() < 64 && in_word && bytes.len() - start >= 2 {
            f(start, bytes.len());
        }
    }
    if bytes.len() % 64 == 0 && carry != 0 && bytes.len() - start >= 2 {
        f(start, bytes.len());
    }
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

    #[test]
    fn ascii_scanner_finds_the_same_spans() {
        let mut texts = vec![
            String::new(),
            "a".into(),
            "ab".into(),
            "ab c de".into(),
            "x".repeat(64),
            "x".repeat(65),
            format!("{} a", "y".repeat(63)),
            format!("{} bb", "-".repeat(63)),
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
            let mut got = Vec::new();
            for_each_ascii_token(t.as_bytes(), |a, b| got.push((a, b)));
            let mut want = Vec::new();
            let mut it = word_tokens(t);
            while let Some(span) = it.next_span() {
                want.push(span);
            }
            assert_eq!(got, want, "{t:?}");
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

    proptest::proptest! {
        #[test]
        fn ascii_scanner_equals_the_iterator(t in "[ -~\t\n]{0,300}") {
            let mut got = Vec::new();
            for_each_ascii_token(t.as_bytes(), |a, b| got.push((a, b)));
            let mut it = word_tokens(&t);
            let want: Vec<(usize, usize)> = std::iter::from_fn(|| it.next_span()).collect();
            proptest::prop_assert_eq!(got, want);
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
