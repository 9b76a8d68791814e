//! Latin-1 decoding with Python's `html.unescape` applied, in one pass.
//!
//! The reference parser decodes each file as latin-1 (every byte is the code point of
//! the same value) and `HTMLParser(convert_charrefs=True)` runs `html.unescape` over
//! every run of text between two markup constructs. This module does both at once,
//! appending to a `String`, with `html.unescape`'s exact rules:
//!
//! - a reference is `&#` digits, `&#x`/`&#X` hex digits, or `&` then 1 to 32
//!   characters other than tab, newline, form feed, space, `<`, `&`, `#`, `;`; each
//!   may end with one `;`;
//! - numeric: NUL, CR and 0x80..=0x9F map through the Windows-1252 table, surrogates
//!   and values above U+10FFFF become U+FFFD, controls and noncharacters vanish;
//! - named: the whole name (with its `;`) if it is an HTML5 entity, else the longest
//!   prefix of at least 2 characters that is a legacy entity (those valid without
//!   `;`, e.g. `&ampx` is `&x`), else the text is kept as written.

use super::entities::{ENTITIES, INVALID_CHARREFS, INVALID_CODEPOINTS};
use super::scan::find_byte;

/// Where decoded text goes: a plain buffer ([`Text`]) or one that collapses
/// whitespace as it goes (the body's sink in the reader).
pub(crate) trait Sink {
    /// Appends `bytes` decoded as latin-1 (every byte is the code point of the
    /// same value).
    fn push_latin1(&mut self, bytes: &[u8]);
    /// Appends text already decoded.
    fn push_str(&mut self, s: &str);
}

/// UTF-8 text gathered as bytes, so appending ASCII is a plain copy with no
/// validation; a [`String`] is made once, when the text is complete.
///
/// Invariant: `bytes` is always valid UTF-8 (only whole characters are appended).
#[derive(Debug, Default, Clone)]
pub(crate) struct Text {
    pub(crate) bytes: Vec<u8>,
}

impl Text {
    /// The text so far as an exactly-sized `String` (the buffer keeps its capacity).
    pub(crate) fn to_string_exact(&self) -> String {
        if self.bytes.is_empty() {
            return String::new();
        }
        // The invariant makes the `Err` branch unreachable; it is kept total anyway.
        match std::str::from_utf8(&self.bytes) {
            Ok(s) => s.to_owned(),
            Err(_) => String::from_utf8_lossy(&self.bytes).into_owned(),
        }
    }

    pub(crate) fn clear(&mut self) {
        self.bytes.clear();
    }
}

/// Appends the UTF-8 encoding of the latin-1 byte `b` (`b >= 0x80`, two bytes).
#[inline]
pub(crate) fn push_high_latin1(out: &mut Vec<u8>, b: u8) {
    out.extend_from_slice(&[0xC0 | (b >> 6), 0x80 | (b & 0x3F)]);
}

impl Sink for Text {
    #[inline]
    fn push_latin1(&mut self, bytes: &[u8]) {
        if bytes.is_ascii() {
            self.bytes.extend_from_slice(bytes);
            return;
        }
        for &b in bytes {
            if b < 0x80 {
                self.bytes.push(b);
            } else {
                push_high_latin1(&mut self.bytes, b);
            }
        }
    }

    #[inline]
    fn push_str(&mut self, s: &str) {
        self.bytes.extend_from_slice(s.as_bytes());
    }
}

/// The reference sink for tests: one `char` per latin-1 byte.
#[cfg(test)]
impl Sink for String {
    fn push_latin1(&mut self, bytes: &[u8]) {
        self.extend(bytes.iter().map(|&b| char::from(b)));
    }

    fn push_str(&mut self, s: &str) {
        String::push_str(self, s);
    }
}

/// Appends `bytes` (latin-1) to `out` with character references replaced as
/// `html.unescape` replaces them.
pub(crate) fn unescape_latin1_into<S: Sink>(out: &mut S, bytes: &[u8]) {
    let mut rest = bytes;
    while let Some(amp) = find_byte(b'&', rest) {
        out.push_latin1(&rest[..amp]);
        let after = &rest[amp + 1..];
        let used = replace_reference(out, after);
        rest = &after[used..];
    }
    out.push_latin1(rest);
}

/// Replaces the reference whose text (after the `&`) starts `s`; returns how many
/// bytes of `s` it used. When nothing matches, pushes `&` and uses 0 bytes.
fn replace_reference<S: Sink>(out: &mut S, s: &[u8]) -> usize {
    if s.first() == Some(&b'#') {
        let (radix, start) = match s.get(1) {
            Some(b'x' | b'X') if s.get(2).is_some_and(u8::is_ascii_hexdigit) => (16, 2),
            Some(b) if b.is_ascii_digit() => (10, 1),
            _ => {
                out.push_latin1(b"&");
                return 0;
            }
        };
        let digits = s[start..]
            .iter()
            .take_while(|b| {
                if radix == 16 {
                    b.is_ascii_hexdigit()
                } else {
                    b.is_ascii_digit()
                }
            })
            .count();
        // Saturate: any value above U+10FFFF decodes the same way (U+FFFD).
        let mut num: u32 = 0;
        for &b in &s[start..start + digits] {
            let d = (b as char).to_digit(radix).unwrap_or(0);
            num = num.saturating_mul(radix).saturating_add(d);
        }
        let mut used = start + digits;
        if s.get(used) == Some(&b';') {
            used += 1;
        }
        push_codepoint(out, num);
        return used;
    }
    let name_len = s
        .iter()
        .take(32)
        .take_while(|&&b| {
            !matches!(
                b,
                b'\t' | b'\n' | b'\x0c' | b' ' | b'<' | b'&' | b'#' | b';'
            )
        })
        .count();
    if name_len == 0 {
        out.push_latin1(b"&");
        return 0;
    }
    let used = if s.get(name_len) == Some(&b';') {
        name_len + 1
    } else {
        name_len
    };
    let name = &s[..used];
    if let Some(value) = lookup(name) {
        out.push_str(value);
        return used;
    }
    for x in (2..used).rev() {
        if let Some(value) = lookup(&name[..x]) {
            out.push_str(value);
            out.push_latin1(&name[x..]);
            return used;
        }
    }
    out.push_latin1(b"&");
    out.push_latin1(name);
    used
}

/// The entity `name` (with its `;` if written) stands for. The few that Reuters
/// text uses (`&lt;` in nearly every body) skip the binary search over 2,231 names.
fn lookup(name: &[u8]) -> Option<&'static str> {
    match name {
        b"lt;" => Some("<"),
        b"gt;" => Some(">"),
        b"amp;" => Some("&"),
        _ => lookup_table(name),
    }
}

fn lookup_table(name: &[u8]) -> Option<&'static str> {
    ENTITIES
        .binary_search_by(|(k, _)| k.as_bytes().cmp(name))
        .ok()
        .map(|i| ENTITIES[i].1)
}

/// `html._replace_charref` for a numeric reference.
fn push_codepoint<S: Sink>(out: &mut S, num: u32) {
    if let Ok(i) = INVALID_CHARREFS.binary_search_by(|(k, _)| k.cmp(&num)) {
        out.push_str(INVALID_CHARREFS[i].1);
    } else if (0xD800..=0xDFFF).contains(&num) || num > 0x10FFFF {
        out.push_str("\u{FFFD}");
    } else if INVALID_CODEPOINTS.binary_search(&num).is_ok() {
        // dropped, as `&#3;` is in every Reuters body
    } else if let Some(c) = char::from_u32(num) {
        out.push_str(c.encode_utf8(&mut [0; 4]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unescape(s: &[u8]) -> String {
        let mut out = String::new();
        unescape_latin1_into(&mut out, s);
        out
    }

    #[test]
    fn numeric_references() {
        assert_eq!(unescape(b"a&#2;b&#3;c&#65;&#x42;&#X43"), "abcABC");
        assert_eq!(
            unescape(b"&#0;&#13;&#128;&#x80;"),
            "\u{FFFD}\r\u{20AC}\u{20AC}"
        );
        assert_eq!(
            unescape(b"&#55296;&#99999999999999999999;"),
            "\u{FFFD}\u{FFFD}"
        );
        assert_eq!(unescape(b"&#x;&#;&#a"), "&#x;&#;&#a");
        assert_eq!(unescape(b"&#65x"), "Ax");
    }

    #[test]
    fn named_references() {
        assert_eq!(unescape(b"&lt;ABC&gt; &amp; &AMP;"), "<ABC> & &");
        assert_eq!(
            unescape(b"&ampx &lt5 &notit; &T &;"),
            "&x <5 \u{ac}it; &T &;"
        );
        assert_eq!(unescape(b"&nbsp;&copy&frac12;"), "\u{a0}\u{a9}\u{bd}");
        assert_eq!(unescape(b"&zzzz; & x&"), "&zzzz; & x&");
    }

    #[test]
    fn common_entities_match_the_table() {
        for name in [&b"lt;"[..], b"gt;", b"amp;"] {
            assert_eq!(lookup(name), lookup_table(name));
            assert!(lookup(name).is_some());
        }
    }

    #[test]
    fn latin1_bytes() {
        assert_eq!(
            unescape(b"M\xfcnchen \xa0\xff"),
            "M\u{fc}nchen \u{a0}\u{ff}"
        );
        assert_eq!(unescape(b"&eacute\xfc"), "\u{e9}\u{fc}");
    }

    proptest::proptest! {
        /// The byte buffer decodes exactly as the char-by-char reference sink.
        #[test]
        fn text_sink_equals_the_char_sink(
            bytes in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::prelude::any::<u8>(),
                    proptest::sample::select(b"&&#;xX0189aAmplstgnbpcoy \x80\x85\xa0\xe9\xff".to_vec()),
                ],
                0..80,
            )
        ) {
            let mut text = Text::default();
            unescape_latin1_into(&mut text, &bytes);
            proptest::prop_assert_eq!(text.to_string_exact(), unescape(&bytes));
            proptest::prop_assert!(std::str::from_utf8(&text.bytes).is_ok());
        }
    }
}
