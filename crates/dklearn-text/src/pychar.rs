//! Python's character classes and `str.lower`, from the generated tables.

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

/// Python's `re` `\w` on one code point.
#[inline]
pub(crate) fn is_word(c: char) -> bool {
    if c.is_ascii() {
        WORD_BYTE[c as usize]
    } else {
        in_ranges(WORD, c as u32)
    }
}

/// An ASCII byte matches `\w`.
#[inline]
pub(crate) fn is_word_ascii(b: u8) -> bool {
    WORD_BYTE[b as usize]
}

/// Python's `str.isspace()` on one code point (`\s`, and what `str.split()` splits on).
#[inline]
pub(crate) fn is_space(c: char) -> bool {
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

/// Appends Python's `str.lower()` of `chars` to `out`. `chars` is the whole
/// string because U+03A3 lowers by context (Final_Sigma), as CPython's
/// `handle_capital_sigma` decides it.
pub(crate) fn lower_into(chars: &[char], out: &mut String) {
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else if c == '\u{3a3}' {
            out.push(if final_sigma(chars, i) {
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

fn final_sigma(chars: &[char], i: usize) -> bool {
    let before = chars[..i].iter().rev().find(|c| !is_case_ignorable(**c));
    if !before.is_some_and(|c| is_cased(*c)) {
        return false;
    }
    match chars[i + 1..].iter().find(|c| !is_case_ignorable(**c)) {
        None => true,
        Some(c) => !is_cased(*c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lower(s: &str) -> String {
        let chars: Vec<char> = s.chars().collect();
        let mut out = String::new();
        lower_into(&chars, &mut out);
        out
    }

    #[test]
    fn python_lower_special_cases() {
        // python: 'ΟΔΟΣ Σ ΑΣ.'.lower() == 'οδος σ ας.'; 'İ'.lower() == 'i̇'
        assert_eq!(lower("ΟΔΟΣ Σ ΑΣ."), "οδος σ ας.");
        assert_eq!(lower("İ"), "i\u{307}");
        assert_eq!(lower("ABC_x"), "abc_x");
    }

    #[test]
    fn word_and_space_classes() {
        assert!(is_word('_') && is_word('é') && is_word('٣') && is_word('中'));
        assert!(!is_word('\u{301}') && !is_word('-') && !is_word(' '));
        assert!(is_space('\u{a0}') && is_space('\x1c') && !is_space('\u{200b}'));
    }
}
