//! Python 3.11's character classes and `str.lower`, from the generated
//! Unicode 14.0 tables (`unicode_tables.rs`), with an ASCII fast path.
//!
//! Rust's `char::is_alphanumeric` and `char::to_lowercase` follow a newer
//! Unicode version and other definitions (Alphabetic includes combining
//! marks; Python's `\w` does not), so they would give other tokens.

use crate::unicode_tables::{CASED, CASE_IGNORABLE, LOWER, SPACE, WORD};

/// `WORD_BYTE[b]`: byte `b` is an ASCII character matching Python's `\w`.
static WORD_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || c == b'_';
        b += 1;
    }
    t
};

#[inline]
fn in_ranges(table: &[(u32, u32)], c: u32) -> bool {
    let i = table.partition_point(|r| r.1 < c);
    i < table.len() && table[i].0 <= c
}

/// Python's `re` `\w` on one code point (with `re.UNICODE`, the default for
/// `str` patterns): `c.isalnum() or c == '_'` under Unicode 14.0.
///
/// ```
/// use dklearn_text::is_python_word;
/// assert!(is_python_word('é') && is_python_word('٣') && is_python_word('_'));
/// assert!(!is_python_word('\u{301}')); // a combining mark is not \w in Python
/// ```
#[inline]
pub fn is_python_word(c: char) -> bool {
    if c.is_ascii() {
        WORD_BYTE[c as usize]
    } else {
        in_ranges(WORD, c as u32)
    }
}

/// An ASCII byte matches `\w` (false for every byte >= 0x80).
#[inline]
pub(crate) fn is_word_ascii(b: u8) -> bool {
    WORD_BYTE[b as usize]
}

/// Python's `str.isspace()` on one code point: what `re`'s `\s` matches and
/// `str.split()` splits on (includes U+001C..U+001F, excludes U+200B).
///
/// ```
/// use dklearn_text::is_python_space;
/// assert!(is_python_space('\u{a0}') && is_python_space('\x1c'));
/// assert!(!is_python_space('\u{200b}'));
/// ```
#[inline]
pub fn is_python_space(c: char) -> bool {
    if c.is_ascii() {
        matches!(
            c,
            ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r' | '\x1c'..='\x1f'
        )
    } else {
        in_ranges(SPACE, c as u32)
    }
}

fn is_cased(c: char) -> bool {
    in_ranges(CASED, c as u32)
}

fn is_case_ignorable(c: char) -> bool {
    in_ranges(CASE_IGNORABLE, c as u32)
}

/// Appends Python's `text.lower()` to `out` (the full lowercase mappings of
/// Unicode 14.0, e.g. 'İ' -> "i\u{307}", and U+03A3 -> 'ς' when it ends a
/// word by the Final_Sigma context, as CPython decides it).
///
/// ```
/// let mut s = String::new();
/// dklearn_text::python_lower_into("ΟΔΟΣ Σ İ", &mut s);
/// assert_eq!(s, "οδος σ i\u{307}");
/// ```
pub fn python_lower_into(text: &str, out: &mut String) {
    if text.is_ascii() {
        let start = out.len();
        out.push_str(text);
        out[start..].make_ascii_lowercase();
        return;
    }
    for (i, c) in text.char_indices() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else if c == '\u{3a3}' {
            let after = &text[i + c.len_utf8()..];
            out.push(if final_sigma(&text[..i], after) {
                '\u{3c2}'
            } else {
                '\u{3c3}'
            });
        } else {
            match LOWER.binary_search_by_key(&(c as u32), |e| e.0) {
                Ok(k) => out.push_str(LOWER[k].1),
                Err(_) => out.push(c),
            }
        }
    }
}

/// Python's `text.lower()`; see [`python_lower_into`].
pub fn python_lower(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    python_lower_into(text, &mut out);
    out
}

/// Final_Sigma: a cased letter before (skipping case-ignorables) and no
/// cased letter after (skipping case-ignorables).
fn final_sigma(before: &str, after: &str) -> bool {
    let prev = before.chars().rev().find(|c| !is_case_ignorable(*c));
    if !prev.is_some_and(is_cased) {
        return false;
    }
    match after.chars().find(|c| !is_case_ignorable(*c)) {
        None => true,
        Some(c) => !is_cased(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_lower_special_cases() {
        // python: 'ΟΔΟΣ Σ ΑΣ.'.lower() == 'οδος σ ας.'; 'İ'.lower() == 'i̇'
        assert_eq!(python_lower("ΟΔΟΣ Σ ΑΣ."), "οδος σ ας.");
        assert_eq!(python_lower("İ"), "i\u{307}");
        assert_eq!(python_lower("ABC_x"), "abc_x");
        // 'AΣ\u0345'.lower(): U+0345 is case-ignorable, so the sigma is final.
        assert_eq!(python_lower("A\u{3a3}\u{345}"), "a\u{3c2}\u{345}");
        // 'ΣΑΣ'.lower() == 'σας'; "Σ'Σ".lower() == "σ'ς" (the apostrophe is
        // case-ignorable, so the second sigma follows a cased letter)
        assert_eq!(python_lower("ΣΑΣ"), "σας");
        assert_eq!(python_lower("Σ'Σ"), "σ'ς");
        let mut out = String::from("X");
        python_lower_into("AB", &mut out);
        assert_eq!(out, "Xab");
    }

    #[test]
    fn word_and_space_classes() {
        assert!(is_python_word('_') && is_python_word('é') && is_python_word('٣'));
        assert!(is_python_word('中') && is_python_word('²'));
        assert!(!is_python_word('\u{301}') && !is_python_word('-') && !is_python_word(' '));
        assert!(is_python_space('\u{a0}') && is_python_space('\x1c'));
        assert!(!is_python_space('\u{200b}'));
        for b in 0..=255u8 {
            assert_eq!(is_word_ascii(b), b < 128 && is_python_word(b as char));
        }
    }
}
