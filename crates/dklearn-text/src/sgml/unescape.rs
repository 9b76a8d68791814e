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

/// Appends `bytes`, decoded as latin-1, to `out`.
#[inline]
pub(crate) fn push_latin1(out: &mut String, bytes: &[u8]) {
    if bytes.is_ascii() {
        // ASCII is UTF-8: the `Err` branch is never taken.
        if let Ok(s) = std::str::from_utf8(bytes) {
            out.push_str(s);
        }
        return;
    }
    let mut rest = bytes;
    while !rest.is_empty() {
        let ascii = rest.iter().position(|&b| b >= 0x80).unwrap_or(rest.len());
        let (run, tail) = rest.split_at(ascii);
        // An ASCII run is valid UTF-8, so this never takes the `Err` branch.
        if let Ok(s) = std::str::from_utf8(run) {
            out.push_str(s);
        }
        let high = tail.iter().position(|&b| b < 0x80).unwrap_or(tail.len());
        let (run, tail) = tail.split_at(high);
        out.extend(run.iter().map(|&b| char::from(b)));
        rest = tail;
    }
}

/// Appends `bytes` (latin-1) to `out` with character references replaced as
/// `html.unescape` replaces them.
pub(crate) fn unescape_latin1_into(out: &mut String, bytes: &[u8]) {
    let mut rest = bytes;
    while let Some(amp) = memchr::memchr(b'&', rest) {
        push_latin1(out, &rest[..amp]);
        let after = &rest[amp + 1..];
        let used = replace_reference(out, after);
        rest = &after[used..];
    }
    push_latin1(out, rest);
}

/// Replaces the reference whose text (after the `&`) starts `s`; returns how many
/// bytes of `s` it used. When nothing matches, pushes `&` and uses 0 bytes.
fn replace_reference(out: &mut String, s: &[u8]) -> usize {
    if s.first() == Some(&b'#') {
        let (radix, start) = match s.get(1) {
            Some(b'x' | b'X') if s.get(2).is_some_and(u8::is_ascii_hexdigit) => (16, 2),
            Some(b) if b.is_ascii_digit() => (10, 1),
            _ => {
                out.push('&');
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
        out.push('&');
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
            push_latin1(out, &name[x..]);
            return used;
        }
    }
    out.push('&');
    push_latin1(out, name);
    used
}

fn lookup(name: &[u8]) -> Option<&'static str> {
    ENTITIES
        .binary_search_by(|(k, _)| k.as_bytes().cmp(name))
        .ok()
        .map(|i| ENTITIES[i].1)
}

/// `html._replace_charref` for a numeric reference.
fn push_codepoint(out: &mut String, num: u32) {
    if let Ok(i) = INVALID_CHARREFS.binary_search_by(|(k, _)| k.cmp(&num)) {
        out.push_str(INVALID_CHARREFS[i].1);
    } else if (0xD800..=0xDFFF).contains(&num) || num > 0x10FFFF {
        out.push('\u{FFFD}');
    } else if INVALID_CODEPOINTS.binary_search(&num).is_ok() {
        // dropped, as `&#3;` is in every Reuters body
    } else if let Some(c) = char::from_u32(num) {
        out.push(c);
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
    fn latin1_bytes() {
        assert_eq!(
            unescape(b"M\xfcnchen \xa0\xff"),
            "M\u{fc}nchen \u{a0}\u{ff}"
        );
        assert_eq!(unescape(b"&eacute\xfc"), "\u{e9}\u{fc}");
    }
}
