//! Graph keys: `name-<token>` strings shared by reference.

use std::fmt;
use std::sync::Arc;

use crate::token::{Token, TokenHasher, Tokenize};

/// Number of hex digits of a token in a key.
const TOKEN_HEX: usize = 32;

/// The name of a node in a [`Graph`](crate::Graph): `name-<token>` where the
/// token is the 32 hex digits of a 128-bit [`Token`].
///
/// Keys are cheap to clone (an `Arc<str>`), compare and order by their text,
/// and the same work asked for twice gives the same key, so it is one node.
/// [`Key::from_string`] accepts any text (e.g. a hand-written `"x"`), in which
/// case [`Key::name`] is the whole text.
///
/// Equality, ordering and hashing are those of the text; the hash of the text
/// is computed once at creation, so looking a key up in a graph never reads
/// the text unless two different keys collide.
#[derive(Clone)]
pub struct Key {
    text: Arc<str>,
    hash: u64,
}

/// A well-mixed 64-bit hash of the key text (FxHash-style over 8-byte words,
/// then a murmur3 finalizer), computed once per key.
fn text_hash(s: &str) -> u64 {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;
    let mut h: u64 = s.len() as u64;
    let bytes = s.as_bytes();
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(SEED);
    }
    let rest = chunks.remainder();
    let mut w = [0u8; 8];
    w[..rest.len()].copy_from_slice(rest);
    h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(SEED);
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

impl PartialEq for Key {
    #[inline]
    fn eq(&self, other: &Key) -> bool {
        Arc::ptr_eq(&self.text, &other.text) || (self.hash == other.hash && self.text == other.text)
    }
}

impl Eq for Key {}

impl std::hash::Hash for Key {
    #[inline]
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Key) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Key) -> std::cmp::Ordering {
        self.text.cmp(&other.text)
    }
}

impl Key {
    /// The key `name-<token>`.
    ///
    /// ```
    /// use dklearn_graph::{Key, Token};
    /// let k = Key::new("fit", Token::from_u128(0xab));
    /// assert_eq!(k.as_str(), "fit-000000000000000000000000000000ab");
    /// assert_eq!(k.name(), "fit");
    /// ```
    pub fn new(name: &str, token: Token) -> Key {
        use std::fmt::Write;
        let mut s = String::with_capacity(name.len() + 1 + TOKEN_HEX);
        s.push_str(name);
        s.push('-');
        // Writing into a String cannot fail.
        let _ = write!(s, "{token}");
        Key::from_arc(Arc::from(s))
    }

    /// A key with exactly the given text (no token is appended).
    pub fn from_string(s: impl Into<String>) -> Key {
        Key::from_arc(Arc::from(s.into()))
    }

    fn from_arc(text: Arc<str>) -> Key {
        let hash = text_hash(&text);
        Key { text, hash }
    }

    /// The whole key text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The prefix before `-<token>`; the whole text if the key has no token
    /// suffix. Used to group tasks by kind (rendering, progress reports).
    pub fn name(&self) -> &str {
        match self.split() {
            Some((name, _)) => name,
            None => &self.text,
        }
    }

    /// The token parsed back from the key's suffix, if it has one.
    pub fn token(&self) -> Option<Token> {
        let (_, hex) = self.split()?;
        u128::from_str_radix(hex, 16).ok().map(Token::from_u128)
    }

    fn split(&self) -> Option<(&str, &str)> {
        let s: &str = &self.text;
        if s.len() < TOKEN_HEX + 1 {
            return None;
        }
        let cut = s.len() - TOKEN_HEX;
        let (head, hex) = s.split_at(cut);
        let name = head.strip_suffix('-')?;
        if hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            Some((name, hex))
        } else {
            None
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Key {
    /// Like dask's repr of a key: the quoted text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "'{}'", self.text)
    }
}

impl AsRef<str> for Key {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

impl From<&str> for Key {
    fn from(s: &str) -> Key {
        Key::from_arc(Arc::from(s))
    }
}

impl From<String> for Key {
    fn from(s: String) -> Key {
        Key::from_string(s)
    }
}

impl Tokenize for Key {
    fn tokenize(&self, h: &mut TokenHasher) {
        h.write_str(&self.text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::tokenize;

    #[test]
    fn name_and_token_round_trip() {
        let t = tokenize("parse", &"reut2-000.sgm");
        let k = Key::new("parse-file", t);
        assert_eq!(k.name(), "parse-file");
        assert_eq!(k.token(), Some(t));
        assert_eq!(k.to_string(), format!("parse-file-{t}"));
        assert_eq!(format!("{k:?}"), format!("'parse-file-{t}'"));
    }

    #[test]
    fn free_form_keys() {
        let k = Key::from_string("x");
        assert_eq!(k.name(), "x");
        assert_eq!(k.token(), None);
        let k = Key::from_string("a-b");
        assert_eq!(k.name(), "a-b");
        // 32 chars but uppercase: not a token.
        let k = Key::from_string(format!("n-{}", "A".repeat(32)));
        assert_eq!(k.token(), None);
        let k = Key::from_string(format!("-{}", "0".repeat(32)));
        assert_eq!(k.name(), "");
    }

    #[test]
    fn equal_text_equal_key() {
        let t = tokenize("f", &1u8);
        assert_eq!(Key::new("f", t), Key::from_string(format!("f-{t}")));
    }
}
