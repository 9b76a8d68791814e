//! Deterministic tokens: the hash part of a graph key.
//!
//! A token must be the same on every run and on every machine, so the hasher
//! uses fixed keys and writes every integer in little-endian byte order, and
//! every variable-length input (strings, slices) is prefixed by its length so
//! that `("ab", "c")` and `("a", "bc")` hash differently.

use std::fmt;

use siphasher::sip128::{Hasher128, SipHasher13};

/// Fixed SipHash keys ("dklearn-graph v1" split in two little-endian words).
/// Changing them changes every key: treat as part of the on-disk format.
const KEY0: u64 = u64::from_le_bytes(*b"dklearn-");
const KEY1: u64 = u64::from_le_bytes(*b"graph v1");

/// A 128-bit deterministic hash of some work: a function name and its inputs.
///
/// Displayed (and used in [`Key`](crate::Key)s) as 32 lower-case hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Token(u128);

impl Token {
    /// Wraps a raw 128-bit value (e.g. one parsed back from a key).
    pub const fn from_u128(v: u128) -> Token {
        Token(v)
    }

    /// The raw 128-bit value.
    pub const fn as_u128(self) -> u128 {
        self.0
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Token({:032x})", self.0)
    }
}

impl fmt::LowerHex for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::LowerHex::fmt(&self.0, f)
    }
}

/// Incremental, platform-independent hasher producing a [`Token`].
///
/// SipHash-1-3 with 128-bit output and fixed keys. Integers are written
/// little-endian, floats by their bit pattern, strings and byte slices with a
/// length prefix, so equal input sequences give equal tokens everywhere.
#[derive(Clone, Debug)]
pub struct TokenHasher {
    inner: SipHasher13,
}

impl Default for TokenHasher {
    fn default() -> Self {
        TokenHasher::new()
    }
}

impl TokenHasher {
    /// A hasher with the crate's fixed keys.
    pub fn new() -> TokenHasher {
        TokenHasher {
            inner: SipHasher13::new_with_keys(KEY0, KEY1),
        }
    }

    #[inline]
    fn raw(&mut self, bytes: &[u8]) {
        std::hash::Hasher::write(&mut self.inner, bytes);
    }

    /// Writes one byte (used for type/variant tags).
    #[inline]
    pub fn write_u8(&mut self, v: u8) {
        self.raw(&[v]);
    }

    /// Writes a `u64` in little-endian order.
    #[inline]
    pub fn write_u64(&mut self, v: u64) {
        self.raw(&v.to_le_bytes());
    }

    /// Writes an `i64` in little-endian order.
    #[inline]
    pub fn write_i64(&mut self, v: i64) {
        self.raw(&v.to_le_bytes());
    }

    /// Writes a `u128` in little-endian order.
    #[inline]
    pub fn write_u128(&mut self, v: u128) {
        self.raw(&v.to_le_bytes());
    }

    /// Writes an `f64` by its IEEE-754 bit pattern (so `0.0` and `-0.0` differ,
    /// and a NaN hashes by its payload).
    #[inline]
    pub fn write_f64(&mut self, v: f64) {
        self.write_u64(v.to_bits());
    }

    /// Writes a byte slice, prefixed by its length.
    #[inline]
    pub fn write_bytes(&mut self, v: &[u8]) {
        self.write_u64(v.len() as u64);
        self.raw(v);
    }

    /// Writes a string's UTF-8 bytes, prefixed by their length.
    #[inline]
    pub fn write_str(&mut self, v: &str) {
        self.write_bytes(v.as_bytes());
    }

    /// Writes another token (e.g. the token of an input).
    #[inline]
    pub fn write_token(&mut self, t: Token) {
        self.write_u128(t.0);
    }

    /// The token of everything written so far (the hasher can keep going).
    pub fn finish(&self) -> Token {
        // Combine the two words arithmetically (not `as_u128`, which goes
        // through the machine's byte order) so big-endian hosts agree.
        let h = self.inner.finish128();
        Token(u128::from(h.h1) | (u128::from(h.h2) << 64))
    }
}

/// Types that can feed a deterministic description of themselves to a
/// [`TokenHasher`].
///
/// Implementations must depend only on the value (never on addresses,
/// `HashMap` iteration order or the platform's word size), so that equal
/// values give equal tokens on every run and every machine.
pub trait Tokenize {
    /// Writes this value into `h`.
    fn tokenize(&self, h: &mut TokenHasher);
}

/// The token of the work `name(inputs)`: deterministic across runs and machines.
///
/// ```
/// use dklearn_graph::{tokenize, Key};
/// let a = tokenize("add", &(1i64, 2i64));
/// assert_eq!(a, tokenize("add", &(1i64, 2i64)));
/// assert_ne!(a, tokenize("add", &(2i64, 1i64)));
/// assert_eq!(Key::new("add", a).name(), "add");
/// ```
pub fn tokenize<T: Tokenize + ?Sized>(name: &str, inputs: &T) -> Token {
    let mut h = TokenHasher::new();
    h.write_str(name);
    inputs.tokenize(&mut h);
    h.finish()
}

macro_rules! tokenize_unsigned {
    ($($t:ty),*) => {$(
        impl Tokenize for $t {
            #[inline]
            fn tokenize(&self, h: &mut TokenHasher) {
                h.write_u64(*self as u64);
            }
        }
    )*};
}
macro_rules! tokenize_signed {
    ($($t:ty),*) => {$(
        impl Tokenize for $t {
            #[inline]
            fn tokenize(&self, h: &mut TokenHasher) {
                h.write_i64(*self as i64);
            }
        }
    )*};
}
tokenize_unsigned!(u8, u16, u32, u64, usize);
tokenize_signed!(i8, i16, i32, i64, isize);

impl Tokenize for u128 {
    fn tokenize(&self, h: &mut TokenHasher) {
        h.write_u128(*self);
    }
}

impl Tokenize for i128 {
    fn tokenize(&self, h: &mut TokenHasher) {
        h.write_u128(*self as u128);
    }
}

impl Tokenize for f64 {
    #[inline]
    fn tokenize(&self, h: &mut TokenHasher) {
        h.write_f64(*self);
    }
}

impl Tokenize for f32 {
    #[inline]
    fn tokenize(&self, h: &mut TokenHasher) {
        h.write_u64(u64::from(self.to_bits()));
    }
}

impl Tokenize for bool {
    #[inline]
    fn tokenize(&self, h: &mut TokenHasher) {
        h.write_u8(u8::from(*self));
    }
}

impl Tokenize for char {
    #[inline]
    fn tokenize(&self, h: &mut TokenHasher) {
        h.write_u64(u64::from(u32::from(*self)));
    }
}

impl Tokenize for () {
    fn tokenize(&self, _h: &mut TokenHasher) {}
}

impl Tokenize for str {
    #[inline]
    fn tokenize(&self, h: &mut TokenHasher) {
        h.write_str(self);
    }
}

impl Tokenize for String {
    #[inline]
    fn tokenize(&self, h: &mut TokenHasher) {
        h.write_str(self);
    }
}

/// A path tokenizes as its text when it is valid UTF-8 (so a path and the
/// same string give one token), else as its raw OS bytes with a distinct
/// tag: file names that are not UTF-8 stay what they are, never lossy.
impl Tokenize for std::path::Path {
    fn tokenize(&self, h: &mut TokenHasher) {
        match self.to_str() {
            Some(s) => h.write_str(s),
            None => {
                h.write_u8(0xff);
                h.write_bytes(self.as_os_str().as_encoded_bytes());
            }
        }
    }
}

impl Tokenize for std::path::PathBuf {
    fn tokenize(&self, h: &mut TokenHasher) {
        self.as_path().tokenize(h);
    }
}

impl Tokenize for Token {
    #[inline]
    fn tokenize(&self, h: &mut TokenHasher) {
        h.write_token(*self);
    }
}

impl<T: Tokenize> Tokenize for [T] {
    fn tokenize(&self, h: &mut TokenHasher) {
        h.write_u64(self.len() as u64);
        for x in self {
            x.tokenize(h);
        }
    }
}

impl<T: Tokenize, const N: usize> Tokenize for [T; N] {
    fn tokenize(&self, h: &mut TokenHasher) {
        self.as_slice().tokenize(h);
    }
}

impl<T: Tokenize> Tokenize for Vec<T> {
    fn tokenize(&self, h: &mut TokenHasher) {
        self.as_slice().tokenize(h);
    }
}

impl<T: Tokenize> Tokenize for Option<T> {
    fn tokenize(&self, h: &mut TokenHasher) {
        match self {
            None => h.write_u8(0),
            Some(v) => {
                h.write_u8(1);
                v.tokenize(h);
            }
        }
    }
}

impl<T: Tokenize + ?Sized> Tokenize for &T {
    fn tokenize(&self, h: &mut TokenHasher) {
        (**self).tokenize(h);
    }
}

impl<T: Tokenize + ?Sized> Tokenize for Box<T> {
    fn tokenize(&self, h: &mut TokenHasher) {
        (**self).tokenize(h);
    }
}

impl<T: Tokenize + ?Sized> Tokenize for std::sync::Arc<T> {
    fn tokenize(&self, h: &mut TokenHasher) {
        (**self).tokenize(h);
    }
}

macro_rules! tokenize_tuple {
    ($($n:tt $t:ident),+) => {
        impl<$($t: Tokenize),+> Tokenize for ($($t,)+) {
            fn tokenize(&self, h: &mut TokenHasher) {
                $( self.$n.tokenize(h); )+
            }
        }
    };
}
tokenize_tuple!(0 A);
tokenize_tuple!(0 A, 1 B);
tokenize_tuple!(0 A, 1 B, 2 C);
tokenize_tuple!(0 A, 1 B, 2 C, 3 D);
tokenize_tuple!(0 A, 1 B, 2 C, 3 D, 4 E);
tokenize_tuple!(0 A, 1 B, 2 C, 3 D, 4 E, 5 F);
tokenize_tuple!(0 A, 1 B, 2 C, 3 D, 4 E, 5 F, 6 G);
tokenize_tuple!(0 A, 1 B, 2 C, 3 D, 4 E, 5 F, 6 G, 7 H);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_inputs_same_token() {
        assert_eq!(tokenize("f", &(1u32, "x")), tokenize("f", &(1u32, "x")));
        assert_ne!(tokenize("f", &(1u32, "x")), tokenize("g", &(1u32, "x")));
        assert_ne!(tokenize("f", &1u32), tokenize("f", &2u32));
    }

    #[test]
    fn length_prefix_separates_concatenations() {
        assert_ne!(tokenize("f", &("ab", "c")), tokenize("f", &("a", "bc")));
        assert_ne!(
            tokenize("f", &vec![vec![1u8], vec![2]]),
            tokenize("f", &vec![vec![1u8, 2]])
        );
        assert_ne!(tokenize("f", &Some(0u8)), tokenize("f", &None::<u8>));
    }

    #[test]
    fn floats_by_bits() {
        assert_ne!(tokenize("f", &0.0f64), tokenize("f", &-0.0f64));
        assert_eq!(tokenize("f", &f64::NAN), tokenize("f", &f64::NAN));
    }

    #[test]
    fn token_display_is_32_hex_digits() {
        let t = tokenize("f", &());
        let s = t.to_string();
        assert_eq!(s.len(), 32);
        assert!(s
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        assert_eq!(format!("{t:?}"), format!("Token({s})"));
    }

    /// Pinned value: if this changes, every key of every stored graph changes.
    #[test]
    fn tokens_are_stable_across_versions() {
        let pinned = tokenize("dklearn", &("stable", 42u64, 1.5f64));
        assert_eq!(pinned.to_string(), PINNED);
    }

    const PINNED: &str = "d232194a05fec91d119459183524708d";
}

/// What a task's function is, for its key: the closure's type (with the
/// types it reads and returns) and the call site that made the task
/// (`#[track_caller]`). Two different closures never get the same `FnId`,
/// whatever name they were given, and the same closure at the same call site
/// always does, in every process of the same binary (type names and call
/// sites are fixed at compile time; no address or run-dependent value goes
/// in).
///
/// What a closure *captures* is not part of it: that is what the `params` of
/// the `*_with` operations are for, and the bare operations (`map`,
/// `filter`, ...) accept only closures that capture nothing.
///
/// ```
/// use dklearn_graph::FnId;
/// let double = |v: &u32| v * 2;
/// let triple = |v: &u32| v * 3;
/// assert_ne!(FnId::of(&double), FnId::of(&triple));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct FnId(Token);

impl FnId {
    /// The identity of `f` made at the caller's location.
    #[track_caller]
    pub fn of<F>(_f: &F) -> FnId {
        let at = std::panic::Location::caller();
        FnId(tokenize(
            "fn",
            &(
                std::any::type_name::<F>(),
                at.file(),
                at.line(),
                at.column(),
            ),
        ))
    }

    /// The token, as it goes into a key.
    pub fn token(&self) -> Token {
        self.0
    }
}

impl Tokenize for FnId {
    fn tokenize(&self, h: &mut TokenHasher) {
        h.write_token(self.0);
    }
}

/// Fails to compile (when instantiated) unless `F` captures nothing: the bare
/// operations key a task by its closure's identity alone, so a captured value
/// that changes the result must go into `params` of a `*_with` operation.
pub(crate) const fn assert_captures_nothing<F>() {
    assert!(
        std::mem::size_of::<F>() == 0,
        "this closure captures values: use the `*_with` form with what it captures as `params`"
    );
}
