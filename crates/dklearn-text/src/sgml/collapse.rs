//! The body's whitespace rule, `re.sub(r"\s+", " ", body)` with Python's Unicode
//! `\s`, applied while the body is copied instead of over the finished string.
//!
//! The rule is a one-state machine over characters (was the previous character
//! whitespace?), so running it over each appended piece with the state carried
//! across pieces gives the same text as running it once over their concatenation.
//! [`Collapsed`] keeps that state; the tests check it against the char-by-char
//! rule over the concatenated, unescaped pieces.

use super::scan::is_py_space;
use super::unescape::{push_high_latin1, Sink, Text};

/// Python's `str.isspace` for one character (Rust's `White_Space` plus the
/// information separators U+001C..U+001F, which Python counts as whitespace).
pub(super) fn is_py_whitespace(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// A [`Text`] sink that replaces every run of Python whitespace by one `' '`.
///
/// Invariant: `space` is whether the last character appended (after collapsing)
/// was the `' '` of a whitespace run, so a run split across two pushes still
/// becomes one space.
#[derive(Debug, Default)]
pub(super) struct Collapsed {
    pub(super) text: Text,
    space: bool,
}

impl Collapsed {
    pub(super) fn clear(&mut self) {
        self.text.clear();
        self.space = false;
    }

    #[inline]
    fn push_char(&mut self, c: char) {
        if is_py_whitespace(c) {
            if !self.space {
                self.text.bytes.push(b' ');
            }
            self.space = true;
        } else {
            self.text
                .bytes
                .extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
            self.space = false;
        }
    }
}

impl Sink for Collapsed {
    /// Finds the longest run that needs no change (the bulk of a body: ASCII words
    /// with single spaces), 16 bytes at a time, and copies it at once; then goes one
    /// byte at a time over what needs a change (a line break, a run of spaces, a
    /// latin-1 character) up to the next printable ASCII byte, and so on.
    fn push_latin1(&mut self, src: &[u8]) {
        let out = &mut self.text.bytes;
        // Collapsing only shrinks ASCII; a latin-1 byte above 0x7F may double.
        out.reserve(src.len());
        let mut space = self.space;
        let n = src.len();
        let mut i = 0;
        while i < n {
            let start = i;
            (i, space) = clean_run(src, i, space);
            out.extend_from_slice(&src[start..i]);
            // At least one byte; then on while bytes are special or spaces, or to the
            // end when fewer than 8 are left.
            while i < n {
                let b = src[i];
                if is_py_space(b) {
                    if !space {
                        out.push(b' ');
                    }
                    space = true;
                } else {
                    if b < 0x80 {
                        out.push(b);
                    } else {
                        push_high_latin1(out, b);
                    }
                    space = false;
                }
                i += 1;
                if i + 8 <= n && !is_special(src[i]) {
                    break;
                }
            }
        }
        self.space = space;
    }

    fn push_str(&mut self, s: &str) {
        if s.is_ascii() {
            self.push_latin1(s.as_bytes());
        } else {
            for c in s.chars() {
                self.push_char(c);
            }
        }
    }
}

/// The end of the run from `src[i]` that needs no change, and whether its last
/// byte is a space (`space` says whether the byte before `src[i]` is one). Stops
/// at the first byte needing a change, or where fewer than 8 bytes are left.
#[inline]
fn clean_run(src: &[u8], mut i: usize, mut space: bool) -> (usize, bool) {
    let n = src.len();
    // A byte needs a change if it is special, or a space right after a space.
    let stop = |i: usize, k: u32, space: bool| {
        let k = (k / 8) as usize;
        if k == 0 {
            (i, space)
        } else {
            (i + k, src[i + k - 1] == b' ')
        }
    };
    // Two words per step while 16 bytes are left; a pair of spaces across them
    // is seen through the first word's last flag.
    while i + 16 <= n {
        let (special0, spaces0) = flags8(load8(src, i));
        let (special1, spaces1) = flags8(load8(src, i + 8));
        let bad0 = special0 | (spaces0 & ((spaces0 << 8) | u64::from(space) << 7));
        let bad1 = special1 | (spaces1 & ((spaces1 << 8) | spaces0 >> 56));
        if bad0 | bad1 != 0 {
            let k = if bad0 != 0 {
                bad0.trailing_zeros()
            } else {
                64 + bad1.trailing_zeros()
            };
            return stop(i, k, space);
        }
        space = spaces1 >> 63 != 0;
        i += 16;
    }
    while i + 8 <= n {
        let (special, spaces) = flags8(load8(src, i));
        let bad = special | (spaces & ((spaces << 8) | u64::from(space) << 7));
        if bad != 0 {
            return stop(i, bad.trailing_zeros(), space);
        }
        space = spaces >> 63 != 0;
        i += 8;
    }
    (i, space)
}

/// A byte below 0x21 or above 0x7F: whitespace, a control or a latin-1 letter.
#[inline]
fn is_special(b: u8) -> bool {
    (b as i8) < 0x21
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

#[inline]
fn load8(b: &[u8], i: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[i..i + 8]);
    u64::from_le_bytes(w)
}

/// For 8 bytes (little-endian), the high bit of each byte set when the byte is
/// below 0x20 or above 0x7F, and when it is `b' '`. Each byte's flag is exact (no
/// carry crosses a byte: the sums stay below 0x100), so the lowest set flag is the
/// first byte that needs a look.
#[inline]
fn flags8(x: u64) -> (u64, u64) {
    let special = (x | !((x & !HI) + LO * 0x60)) & HI;
    let t = x ^ (LO * 0x20);
    let spaces = !(((t & !HI) + !HI) | t) & HI;
    (special, spaces)
}

/// `re.sub(r"\s+", " ", s)` through the sink, for tests.
#[cfg(test)]
fn collapse_whitespace(s: String) -> String {
    let mut sink = Collapsed::default();
    sink.push_str(&s);
    sink.text.to_string_exact()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sgml::unescape::unescape_latin1_into;

    #[test]
    fn collapse_matches_python_whitespace() {
        let c = |s: &str| collapse_whitespace(s.to_string());
        assert_eq!(c(" a \t\n b\u{1f}\u{a0}c\u{3000}"), " a b c ");
        assert_eq!(c("\u{200b}x\u{e9} y  z\u{85}"), "\u{200b}x\u{e9} y z ");
        assert_eq!(c("one two"), "one two");
        assert_eq!(c(""), "");
    }

    #[test]
    fn flags_mark_specials_and_spaces() {
        let bits = |x: u64| (0..8).fold(0u8, |m, k| m | (((x >> (8 * k + 7)) & 1) as u8) << k);
        let f = |s: &[u8; 8]| {
            let (special, spaces) = flags8(u64::from_le_bytes(*s));
            (bits(special), bits(spaces))
        };
        assert_eq!(f(b"ab c\n\x80\xa0\x7f"), (0b0111_0000, 0b0000_0100));
        assert_eq!(f(b"~  \x1f\t\r\x00Z"), (0b0111_1000, 0b0000_0110));
        assert_eq!(
            f(b"\x20\x21\x1f\x7f\x80\xff\x60\x9f"),
            (0b1011_0100, 0b0000_0001)
        );
        for b in 0..=255u8 {
            let (special, spaces) = flags8(u64::from(b) << 24);
            assert_eq!(special >> 31 & 1 == 1, !(0x20..0x80).contains(&b), "{b}");
            assert_eq!(spaces >> 31 & 1 == 1, b == b' ', "{b}");
        }
        let long = "word ".repeat(10) + "end\n\n  x" + &"y ".repeat(20);
        assert_eq!(
            collapse_whitespace(long.clone()),
            long.replace("\n\n  ", " ")
        );
    }

    /// The rule, one character at a time: every run of Python whitespace
    /// becomes one space.
    fn char_by_char(s: &str) -> String {
        let mut want = String::new();
        let mut prev = false;
        for c in s.chars() {
            let ws = is_py_whitespace(c);
            if !ws {
                want.push(c);
            } else if !prev {
                want.push(' ');
            }
            prev = ws;
        }
        want
    }

    /// Latin-1 bytes rich in whitespace, references and words.
    fn pieces() -> impl proptest::strategy::Strategy<Value = Vec<Vec<u8>>> {
        use proptest::prelude::*;
        let byte = prop_oneof![
            4 => proptest::sample::select(b"ab cd  \n\t\r\x0b\x0c\x1c\x1f\x85\xa0\xe9&#;3280xnbsp".to_vec()),
            1 => any::<u8>(),
        ];
        proptest::collection::vec(proptest::collection::vec(byte, 0..40), 0..6)
    }

    proptest::proptest! {
        #[test]
        fn collapse_equals_the_char_by_char_rule(s in "[ a-z\t\n\r\x0b\x0c\x1c-\x1f\u{85}\u{a0}\u{e9}\u{2000}-\u{200c}\u{3000}]{0,60}") {
            proptest::prop_assert_eq!(collapse_whitespace(s.clone()), char_by_char(&s));
        }

        /// Collapsing each unescaped piece as it is appended (the 8-byte fast path
        /// included) equals the char-by-char rule over the concatenation.
        #[test]
        fn streaming_collapse_equals_the_whole_string_rule(pieces in pieces()) {
            let mut whole = String::new();
            let mut sink = Collapsed::default();
            for p in &pieces {
                unescape_latin1_into(&mut whole, p);
                unescape_latin1_into(&mut sink, p);
            }
            proptest::prop_assert!(std::str::from_utf8(&sink.text.bytes).is_ok());
            proptest::prop_assert_eq!(sink.text.to_string_exact(), char_by_char(&whole));
        }
    }
}
