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
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key(Arc<str>);

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
        Key(Arc::from(s))
    }

    /// A key with exactly the given text (no token is appended).
    pub fn from_string(s: impl Into<String>) -> Key {
        Key(Arc::from(s.into()))
    }

    /// The whole key text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The prefix before `-<token>`; the whole text if the key has no token
    /// suffix. Used to group tasks by kind (rendering, progress reports).
    pub fn name(&self) -> &str {
        match self.split() {
            Some((name, _)) => name,
            None => &self.0,
        }
    }

    /// The token parsed back from the key's suffix, if it has one.
    pub fn token(&self) -> Option<Token> {
        let (_, hex) = self.split()?;
        u128::from_str_radix(hex, 16).ok().map(Token::from_u128)
    }

    fn split(&self) -> Option<(&str, &str)> {
        let s: &str = &self.0;
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
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Key {
    /// Like dask's repr of a key: the quoted text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "'{}'", self.0)
    }
}

impl AsRef<str> for Key {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Key {
    fn from(s: &str) -> Key {
        Key(Arc::from(s))
    }
}

impl From<String> for Key {
    fn from(s: String) -> Key {
        Key::from_string(s)
    }
}

impl Tokenize for Key {
    fn tokenize(&self, h: &mut TokenHasher) {
        h.write_str(&self.0);
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
