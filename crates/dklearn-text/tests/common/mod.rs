//! Helpers shared by the reader's test files.

/// How many documents a strict read of `prefix` (a prefix of a valid file
/// whose only `</REUTERS>` are document ends, with nothing but whitespace
/// between documents) must give: `Some(k)` when it ends between documents
/// (after the k-th `</REUTERS>` and whitespace, k >= 1), `None` when it must be
/// an error (a cut inside a document or its tags, or before the first one).
pub(crate) fn truncation_verdict(prefix: &[u8]) -> Option<usize> {
    let k = prefix.windows(10).filter(|w| w == b"</REUTERS>").count();
    let last = prefix.windows(10).rposition(|w| w == b"</REUTERS>")?;
    let tail_blank = prefix[last + 10..].iter().all(u8::is_ascii_whitespace);
    (k >= 1 && tail_blank).then_some(k)
}
