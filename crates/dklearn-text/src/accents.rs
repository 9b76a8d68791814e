//! scikit-learn's `strip_accents_ascii` and `strip_accents_unicode`, on Python's
//! Unicode data (the tables of `nfkd_tables.rs`).
//!
//! Both start from NFKD. `unicode` then drops the code points with a non-zero
//! canonical combining class, `ascii` every code point that is not ASCII; either
//! way the canonical reordering of marks that NFKD does cannot show, so each code
//! point's full decomposition, looked up on its own, gives the same text.

use crate::nfkd_tables::{COMBINING, NFKD};

const S_BASE: u32 = 0xAC00;
const L_BASE: u32 = 0x1100;
const V_BASE: u32 = 0x1161;
const T_BASE: u32 = 0x11A7;
const T_COUNT: u32 = 28;
const N_COUNT: u32 = 21 * T_COUNT;
const S_COUNT: u32 = 19 * N_COUNT;

/// Calls `f` with each code point of NFKD(`c`).
fn nfkd_each(c: char, mut f: impl FnMut(char)) {
    let cp = c as u32;
    if (S_BASE..S_BASE + S_COUNT).contains(&cp) {
        // Hangul syllables decompose by formula (Unicode 3.12).
        let s = cp - S_BASE;
        let l = L_BASE + s / N_COUNT;
        let v = V_BASE + (s % N_COUNT) / T_COUNT;
        let t = T_BASE + s % T_COUNT;
        for x in [l, v] {
            f(char::from_u32(x).unwrap_or(c));
        }
        if t != T_BASE {
            f(char::from_u32(t).unwrap_or(c));
        }
        return;
    }
    match NFKD.binary_search_by_key(&cp, |&(k, _)| k) {
        Ok(i) => NFKD[i].1.chars().for_each(f),
        Err(_) => f(c),
    }
}

/// `unicodedata.combining(c) != 0`.
fn is_combining(c: char) -> bool {
    let cp = c as u32;
    let i = COMBINING.partition_point(|&(_, hi)| hi < cp);
    COMBINING.get(i).is_some_and(|&(lo, _)| lo <= cp)
}

/// scikit-learn's `strip_accents_unicode`: NFKD without combining marks (ASCII as is).
pub fn strip_accents_unicode_into(s: &str, out: &mut String) {
    if s.is_ascii() {
        out.push_str(s);
        return;
    }
    for c in s.chars() {
        nfkd_each(c, |d| {
            if !is_combining(d) {
                out.push(d);
            }
        });
    }
}

/// scikit-learn's `strip_accents_ascii`: NFKD with every non-ASCII code point dropped.
pub fn strip_accents_ascii_into(s: &str, out: &mut String) {
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            nfkd_each(c, |d| {
                if d.is_ascii() {
                    out.push(d);
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> String {
        let mut o = String::new();
        strip_accents_unicode_into(s, &mut o);
        o
    }
    fn a(s: &str) -> String {
        let mut o = String::new();
        strip_accents_ascii_into(s, &mut o);
        o
    }

    #[test]
    fn known_values() {
        // python: strip_accents_unicode / strip_accents_ascii of each
        assert_eq!(u("café naïve"), "cafe naive");
        assert_eq!(u("ﬁ①"), "fi1");
        assert_eq!(u("한"), "\u{1112}\u{1161}\u{11ab}");
        assert_eq!(a("한"), "");
        assert_eq!(a("Ångström ½"), "Angstrom 12"); // U+2044 FRACTION SLASH is dropped
        assert_eq!(u("e\u{301}"), "e");
        assert_eq!(a("ß"), "");
    }

    #[test]
    fn tables_are_sorted() {
        assert!(NFKD.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(COMBINING.windows(2).all(|w| w[0].1 < w[1].0));
    }
}
