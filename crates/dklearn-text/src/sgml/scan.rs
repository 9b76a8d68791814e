//! Where each markup construct of Python 3.11's `html.parser.HTMLParser` ends.
//!
//! Each function looks at the construct starting at `buf[i]` (a `<`) and says where
//! it ends, mirroring the regular expressions of `html/parser.py` and
//! `_markupbase.py`. `Incomplete` means the construct runs past the end of the
//! buffer (HTMLParser's `-1`): the reader then reads more input and asks again, or,
//! at end of input, recovers as `HTMLParser.close()` does. Every decision depends only
//! on bytes before the end of the buffer, so asking again with more input never
//! contradicts an earlier complete answer.

use std::ops::Range;

/// Byte classes, one bit each, looked up in [`CLASS`] (one load instead of a chain
/// of comparisons in the scanning loops).
const SPACE: u8 = 1;
const ENDS_NAME: u8 = 2;
const END_NAME_CHAR: u8 = 4;
const ENDS_ATTR_NAME: u8 = 8;

static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        let mut c = 0;
        // Python's `str.isspace` (and regex `\s`) on a latin-1 character.
        if matches!(
            b,
            b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | 0x1c..=0x1f | b' ' | 0x85 | 0xa0
        ) {
            c |= SPACE;
        }
        // Characters that end a tag name in `tagfind_tolerant`.
        if matches!(b, b'\t' | b'\n' | b'\r' | 0x0c | b' ' | b'/' | b'>' | 0) {
            c |= ENDS_NAME;
        }
        // `endtagfind`'s name characters after the first.
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b':' | b'_') {
            c |= END_NAME_CHAR;
        }
        // What ends an attribute name in `locatestarttagend_tolerant`.
        if c & SPACE != 0 || matches!(b, b'/' | b'=' | b'>') {
            c |= ENDS_ATTR_NAME;
        }
        t[i] = c;
        i += 1;
    }
    t
};

/// Python's `str.isspace` (and regex `\s`) on a latin-1 character.
#[inline]
pub(crate) fn is_py_space(b: u8) -> bool {
    CLASS[usize::from(b)] & SPACE != 0
}

/// Characters that end a tag name in `tagfind_tolerant`.
#[inline]
fn ends_tag_name(b: u8) -> bool {
    CLASS[usize::from(b)] & ENDS_NAME != 0
}

/// Characters that end an attribute name: whitespace, `/`, `=`, `>`.
#[inline]
fn ends_attr_name(b: u8) -> bool {
    CLASS[usize::from(b)] & ENDS_ATTR_NAME != 0
}

/// `endtagfind`'s name characters after the first: `[-.a-zA-Z0-9:_]`.
#[inline]
fn end_name_char(b: u8) -> bool {
    CLASS[usize::from(b)] & END_NAME_CHAR != 0
}

/// The first `needle` in `hay`: the first 16 bytes looked at one by one, then
/// `memchr`. Most text runs in the corpus are a line break or a short value,
/// shorter than `memchr`'s own setup.
#[inline]
pub(crate) fn find_byte(needle: u8, hay: &[u8]) -> Option<usize> {
    let head = hay.len().min(16);
    if let Some(k) = hay[..head].iter().position(|&b| b == needle) {
        return Some(k);
    }
    memchr::memchr(needle, &hay[head..]).map(|k| head + k)
}

/// One attribute of a start tag: the name's and the value's byte ranges (the value
/// without its quotes; `None` when written without `=`).
pub(crate) type RawAttr = (Range<usize>, Option<Range<usize>>);

/// The outcome for a construct starting with `<`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Construct {
    /// A start tag: its name's range, the end (one past `>`), and whether it ends `/>`.
    StartTag {
        name: Range<usize>,
        end: usize,
        self_closing: bool,
    },
    /// An end tag: its name's range and the end.
    EndTag { name: Range<usize>, end: usize },
    /// Something HTMLParser passes to `handle_data` verbatim (no unescaping), up to `end`.
    RawData { end: usize },
    /// A lone `<` that is text.
    LessThan,
    /// A comment, declaration, processing instruction or marked section, skipped.
    Skip { end: usize },
    /// Runs past the buffer (HTMLParser returns -1).
    Incomplete,
}

/// A start or end tag with nothing but its name (`<name>`, `</name>`), most of
/// the Reuters markup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SimpleTag {
    /// Whether it is an end tag.
    pub(crate) end_tag: bool,
    pub(crate) name: Range<usize>,
    /// One past the `>`.
    pub(crate) end: usize,
}

/// The construct at `buf[i] == b'<'` if it is a [`SimpleTag`]: then
/// [`construct_at`] would answer `StartTag { self_closing: false, .. }` (with no
/// attributes) or `EndTag` with the same name and end. A quick look before the
/// general scanner, which is asked otherwise.
#[inline]
pub(crate) fn simple_tag(buf: &[u8], i: usize) -> Option<SimpleTag> {
    let end_tag = *buf.get(i + 1)? == b'/';
    let start = if end_tag { i + 2 } else { i + 1 };
    if !buf.get(start)?.is_ascii_alphabetic() {
        return None;
    }
    // ASCII letters are name characters for both loops below: skip them 8 at a
    // time first (Reuters tag names are all letters).
    let mut p = start + leading_letters(buf, start);
    if end_tag {
        // `endtagfind` with no space: its `>` is then the first one.
        while p < buf.len() && end_name_char(buf[p]) {
            p += 1;
        }
    } else {
        // `tagfind_tolerant`, then nothing but the `>`.
        while p < buf.len() && !ends_tag_name(buf[p]) {
            p += 1;
        }
    }
    if *buf.get(p)? != b'>' {
        return None;
    }
    Some(SimpleTag {
        end_tag,
        name: start..p,
        end: p + 1,
    })
}

/// How many ASCII letters start `buf[from..]`, counted up to 8; 0 when fewer than
/// 8 bytes are left (an undercount is always safe: the caller's byte loop goes on).
#[inline]
fn leading_letters(buf: &[u8], from: usize) -> usize {
    let Some(bytes) = buf.get(from..from + 8) else {
        return 0;
    };
    let mut w = [0; 8];
    w.copy_from_slice(bytes);
    let x = u64::from_le_bytes(w);
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = LO * 0x80;
    // `| 0x20` maps exactly the two cases of a letter onto the lowercase one; the
    // sums stay within each byte (7-bit operands), so each byte's flag is exact.
    let low = (x | (LO * 0x20)) & !HI;
    let ge_a = low + LO * (0x80 - b'a' as u64);
    let gt_z = low + LO * (0x80 - b'z' as u64 - 1);
    let letters = ge_a & !gt_z & !x & HI;
    ((!letters & HI).trailing_zeros() / 8) as usize
}

/// Classifies the construct at `buf[i] == b'<'` as `HTMLParser.goahead` does.
/// `attrs`, when given, receives the attributes of a start tag.
pub(crate) fn construct_at(buf: &[u8], i: usize, attrs: Option<&mut Vec<RawAttr>>) -> Construct {
    let n = buf.len();
    let Some(&next) = buf.get(i + 1) else {
        return Construct::Incomplete;
    };
    if next.is_ascii_alphabetic() {
        start_tag(buf, i, attrs)
    } else if next == b'/' {
        end_tag(buf, i)
    } else if buf[i..].starts_with(b"<!--") {
        comment(buf, i)
    } else if next == b'?' {
        skip_to_gt(buf, i + 2)
    } else if next == b'!' {
        if buf.get(i + 2) == Some(&b'[') {
            marked_section(buf, i)
        } else if i + 4 > n && b"<!--".starts_with(&buf[i..]) {
            // `<!-` at the end of the buffer may still become a comment.
            Construct::Incomplete
        } else {
            // `<!doctype ...>` and bogus comments both end at the first `>`.
            skip_to_gt(buf, i + 2)
        }
    } else {
        Construct::LessThan
    }
}

fn skip_to_gt(buf: &[u8], from: usize) -> Construct {
    match buf.get(from..).and_then(|s| memchr::memchr(b'>', s)) {
        Some(k) => Construct::Skip { end: from + k + 1 },
        None => Construct::Incomplete,
    }
}

/// `check_for_whole_start_tag` (the `locatestarttagend_tolerant` expression, greedy)
/// and `parse_starttag`.
fn start_tag(buf: &[u8], i: usize, mut attrs: Option<&mut Vec<RawAttr>>) -> Construct {
    use Construct::Incomplete;
    let n = buf.len();
    if let Some(a) = attrs.as_deref_mut() {
        a.clear();
    }
    // Letters never end a tag or attribute name: skipped 8 at a time first.
    let mut p = i + 2 + leading_letters(buf, i + 2);
    while p < n && !ends_tag_name(buf[p]) {
        p += 1;
    }
    if p == n {
        return Incomplete;
    }
    let name = i + 1..p;
    while p < n && (is_py_space(buf[p]) || buf[p] == b'/') {
        p += 1;
    }
    if p == n {
        return Incomplete;
    }
    // Whether the `/` of a `/>` was taken by `[\s/]*` before any attribute.
    let mut slash_after_name = buf[p - 1] == b'/';
    loop {
        let prev = buf[p - 1];
        if !(prev == b'\'' || prev == b'"' || prev == b'/' || is_py_space(prev)) {
            break;
        }
        let c = buf[p];
        if is_py_space(c) || c == b'/' || c == b'>' {
            break;
        }
        let mut q = p + 1 + leading_letters(buf, p + 1);
        while q < n && !ends_attr_name(buf[q]) {
            q += 1;
        }
        if q == n {
            return Incomplete;
        }
        let attr_name = p..q;
        let value = match attr_value(buf, q) {
            Err(()) => return Incomplete,
            Ok(v) => v,
        };
        let mut value_range = None;
        if let Some((range, after)) = value {
            value_range = Some(range);
            q = after;
        }
        if let Some(a) = attrs.as_deref_mut() {
            a.push((attr_name, value_range));
        }
        loop {
            if q == n {
                return Incomplete;
            }
            if is_py_space(buf[q]) {
                q += 1;
            } else if buf[q] == b'/' {
                match buf.get(q + 1) {
                    None => return Incomplete,
                    Some(b'>') => break,
                    Some(_) => q += 1,
                }
            } else {
                break;
            }
        }
        p = q;
        slash_after_name = false;
    }
    while p < n && is_py_space(buf[p]) {
        p += 1;
    }
    if p == n {
        return Incomplete;
    }
    match buf[p] {
        b'>' => Construct::StartTag {
            name,
            end: p + 1,
            self_closing: slash_after_name && buf[p - 1] == b'/',
        },
        b'/' if buf.get(p + 1) == Some(&b'>') => Construct::StartTag {
            name,
            end: p + 2,
            self_closing: true,
        },
        // HTMLParser returns -1 here whatever follows: it waits for more input, and at
        // the end of input recovers as for a truncated tag.
        c if c == b'/' || c == b'=' || c.is_ascii_alphabetic() => Incomplete,
        _ => Construct::RawData {
            end: if p > i { p } else { i + 1 },
        },
    }
}

/// The optional `\s*=+\s*(value)\s*` after an attribute name at `q`: `Ok(None)` when
/// there is no `=`, `Ok(Some((value range, end)))`, or `Err(())` when the buffer ends
/// first (including inside a quoted value).
#[allow(clippy::type_complexity)]
fn attr_value(buf: &[u8], q: usize) -> Result<Option<(Range<usize>, usize)>, ()> {
    let n = buf.len();
    let mut r = q;
    while r < n && is_py_space(buf[r]) {
        r += 1;
    }
    if r == n {
        return Err(());
    }
    if buf[r] != b'=' {
        return Ok(None);
    }
    while r < n && buf[r] == b'=' {
        r += 1;
    }
    while r < n && is_py_space(buf[r]) {
        r += 1;
    }
    if r == n {
        return Err(());
    }
    let range;
    match buf[r] {
        quote @ (b'\'' | b'"') => match find_byte(quote, &buf[r + 1..]) {
            Some(k) => {
                range = r + 1..r + 1 + k;
                r = r + 1 + k + 1;
            }
            None => return Err(()),
        },
        _ => {
            let start = r;
            while r < n && buf[r] != b'>' && !is_py_space(buf[r]) {
                r += 1;
            }
            if r == n {
                return Err(());
            }
            range = start..r;
        }
    }
    while r < n && is_py_space(buf[r]) {
        r += 1;
    }
    if r == n {
        return Err(());
    }
    Ok(Some((range, r)))
}

/// `parse_endtag` (outside script/style).
fn end_tag(buf: &[u8], i: usize) -> Construct {
    let Some(k) = memchr::memchr(b'>', &buf[i + 1..]) else {
        return Construct::Incomplete;
    };
    let gt = i + 1 + k;
    // endtagfind: </\s*([a-zA-Z][-.a-zA-Z0-9:_]*)\s*>
    let mut p = i + 2;
    while p < gt && is_py_space(buf[p]) {
        p += 1;
    }
    if p < gt && buf[p].is_ascii_alphabetic() {
        let start = p;
        p += 1;
        while p < gt && end_name_char(buf[p]) {
            p += 1;
        }
        let stop = p;
        while p < gt && is_py_space(buf[p]) {
            p += 1;
        }
        if p == gt {
            return Construct::EndTag {
                name: start..stop,
                end: gt + 1,
            };
        }
    }
    // tagfind_tolerant at i + 2; the name cannot pass the first `>`.
    if buf[i + 2].is_ascii_alphabetic() {
        let start = i + 2;
        let mut p = start + 1;
        while !ends_tag_name(buf[p]) {
            p += 1;
        }
        return Construct::EndTag {
            name: start..p,
            end: gt + 1,
        };
    }
    if buf[i + 2] == b'>' {
        return Construct::Skip { end: i + 3 };
    }
    Construct::Skip { end: gt + 1 }
}

/// `parse_comment`: up to the first match of `--\s*>`.
fn comment(buf: &[u8], i: usize) -> Construct {
    let mut k = i + 4;
    while let Some(m) = memchr::memmem::find(&buf[k..], b"--") {
        let mut p = k + m + 2;
        while p < buf.len() && is_py_space(buf[p]) {
            p += 1;
        }
        if buf.get(p) == Some(&b'>') {
            return Construct::Skip { end: p + 1 };
        }
        k = k + m + 1;
    }
    Construct::Incomplete
}

/// `parse_marked_section`: `<![name ... ]]>` (or `]>` for the MS Office names).
/// Python raises `AssertionError` on other names; this reader recovers by skipping
/// to the next `>` as for a bogus comment.
fn marked_section(buf: &[u8], i: usize) -> Construct {
    let n = buf.len();
    let start = i + 3;
    if start == n {
        return Construct::Incomplete;
    }
    if !buf[start].is_ascii_alphabetic() {
        return skip_to_gt(buf, i + 2);
    }
    let mut p = start + 1;
    while p < n && (buf[p].is_ascii_alphanumeric() || matches!(buf[p], b'-' | b'_' | b'.')) {
        p += 1;
    }
    let name = &buf[start..p];
    while p < n && is_py_space(buf[p]) {
        p += 1;
    }
    if p == n {
        return Construct::Incomplete;
    }
    let lower = name.to_ascii_lowercase();
    let two = match &lower[..] {
        b"temp" | b"cdata" | b"ignore" | b"include" | b"rcdata" => true,
        b"if" | b"else" | b"endif" => false,
        _ => return skip_to_gt(buf, i + 2),
    };
    // Search from i + 3 for `]\s*]\s*>` (or `]\s*>`).
    let mut k = start;
    while let Some(m) = memchr::memchr(b']', &buf[k..]) {
        let mut p = k + m + 1;
        while p < n && is_py_space(buf[p]) {
            p += 1;
        }
        if two {
            if buf.get(p) == Some(&b']') {
                p += 1;
                while p < n && is_py_space(buf[p]) {
                    p += 1;
                }
            } else {
                k = k + m + 1;
                continue;
            }
        }
        if buf.get(p) == Some(&b'>') {
            return Construct::Skip { end: p + 1 };
        }
        k = k + m + 1;
    }
    Construct::Incomplete
}

/// In script/style mode, the start of the first `</\s*elem\s*>` (ASCII case
/// insensitive) at or after `from`, or `None`.
pub(crate) fn find_cdata_end(buf: &[u8], from: usize, elem: &[u8]) -> Option<usize> {
    let mut k = from;
    while let Some(m) = memchr::memmem::find(&buf[k..], b"</") {
        let at = k + m;
        let mut p = at + 2;
        while p < buf.len() && is_py_space(buf[p]) {
            p += 1;
        }
        if buf.len() - p >= elem.len() && buf[p..p + elem.len()].eq_ignore_ascii_case(elem) {
            p += elem.len();
            while p < buf.len() && is_py_space(buf[p]) {
                p += 1;
            }
            if buf.get(p) == Some(&b'>') {
                return Some(at);
            }
        }
        k = at + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at0(s: &[u8]) -> Construct {
        construct_at(s, 0, None)
    }

    #[test]
    fn start_tags() {
        assert_eq!(
            at0(b"<D>x"),
            Construct::StartTag {
                name: 1..2,
                end: 3,
                self_closing: false
            }
        );
        assert_eq!(
            at0(b"<br/>"),
            Construct::StartTag {
                name: 1..3,
                end: 5,
                self_closing: true
            }
        );
        let mut attrs = Vec::new();
        let s = b"<REUTERS TOPICS=\"YES\" NEWID='7' x=a>";
        assert!(matches!(
            construct_at(s, 0, Some(&mut attrs)),
            Construct::StartTag { end: 36, .. }
        ));
        assert_eq!(attrs.len(), 3);
        assert_eq!(&s[attrs[1].1.clone().unwrap_or(0..0)], b"7");
        assert_eq!(at0(b"<REUTERS NEWID=\"7"), Construct::Incomplete);
        assert_eq!(at0(b"<a\0>"), Construct::RawData { end: 2 });
        assert_eq!(at0(b"<a b='x'c>").clone(), at0(b"<a b='x'c>"));
    }

    #[test]
    fn end_tags_and_others() {
        assert_eq!(at0(b"</D >"), Construct::EndTag { name: 2..3, end: 5 });
        assert_eq!(at0(b"</d x>"), Construct::EndTag { name: 2..3, end: 6 });
        assert_eq!(at0(b"</>"), Construct::Skip { end: 3 });
        assert_eq!(at0(b"</1>"), Construct::Skip { end: 4 });
        assert_eq!(at0(b"</D"), Construct::Incomplete);
        assert_eq!(at0(b"<!-- a -- >x"), Construct::Skip { end: 11 });
        assert_eq!(at0(b"<!DOCTYPE lewis>"), Construct::Skip { end: 16 });
        assert_eq!(at0(b"<![CDATA[x>]]>"), Construct::Skip { end: 14 });
        assert_eq!(at0(b"<?pi>"), Construct::Skip { end: 5 });
        assert_eq!(at0(b"<5"), Construct::LessThan);
        assert_eq!(at0(b"<"), Construct::Incomplete);
        assert_eq!(at0(b"<!-"), Construct::Incomplete);
    }

    #[test]
    fn cdata_end() {
        assert_eq!(find_cdata_end(b"a</b></ SCRIPT >", 0, b"script"), Some(5));
        assert_eq!(find_cdata_end(b"a</scrip", 0, b"script"), None);
    }

    #[test]
    fn find_byte_looks_past_the_head() {
        let mut s = vec![b'a'; 40];
        assert_eq!(find_byte(b'<', &s), None);
        for at in [0, 15, 16, 17, 39] {
            s[at] = b'<';
            assert_eq!(find_byte(b'<', &s), Some(at));
            s[at] = b'a';
        }
        assert_eq!(find_byte(b'<', b""), None);
    }

    #[test]
    fn leading_letters_counts_exactly() {
        assert_eq!(leading_letters(b"abcdefgh", 0), 8);
        assert_eq!(leading_letters(b"REUTERS NEWID", 0), 7);
        assert_eq!(leading_letters(b"abc", 0), 0);
        for b in 0..=255u8 {
            let mut s = *b"xxxxxxxx";
            s[3] = b;
            let want = if b.is_ascii_alphabetic() { 8 } else { 3 };
            assert_eq!(leading_letters(&s, 0), want, "{b}");
        }
    }

    #[test]
    fn simple_tags() {
        let t = |s: &[u8]| simple_tag(s, 0);
        let tag = |end_tag, name, end| Some(SimpleTag { end_tag, name, end });
        assert_eq!(t(b"<D>x"), tag(false, 1..2, 3));
        assert_eq!(t(b"</TOPICS>"), tag(true, 2..8, 9));
        assert_eq!(t(b"<a\x85b>"), tag(false, 1..4, 5));
        assert_eq!(t(b"</a\x85b>"), None);
        assert_eq!(t(b"<br/>"), None);
        assert_eq!(t(b"</d x>"), None);
        assert_eq!(t(b"<D"), None);
        assert_eq!(t(b"<"), None);
        assert_eq!(t(b"<1>"), None);
    }

    proptest::proptest! {
        /// A simple tag is what the general scanner says it is, on tag-like soup
        /// cut at any length.
        #[test]
        fn simple_tags_agree_with_the_general_scanner(
            s in proptest::collection::vec(
                proptest::sample::select(b"<</>  aDd9-._:=/'\"x\t\n\0\x85\xa0\xe4[`@{ZzAaRrEeUuTtSs".to_vec()),
                0..24,
            )
        ) {
            let mut buf = b"<".to_vec();
            buf.extend_from_slice(&s);
            for end in 1..=buf.len() {
                let cut = &buf[..end];
                let Some(simple) = simple_tag(cut, 0) else {
                    continue;
                };
                let mut attrs = vec![(0..1, None)];
                let general = construct_at(cut, 0, Some(&mut attrs));
                let want = if simple.end_tag {
                    Construct::EndTag { name: simple.name, end: simple.end }
                } else {
                    proptest::prop_assert!(attrs.is_empty());
                    Construct::StartTag { name: simple.name, end: simple.end, self_closing: false }
                };
                proptest::prop_assert_eq!(general, want, "{:?}", cut);
            }
        }
    }
}
