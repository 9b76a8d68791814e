//! Text to sparse features, exactly as scikit-learn does it, and the
//! Reuters-21578 reader.
//!
//! - [`HashingVectorizer`]: scikit-learn 1.9.1's, bit for bit: the
//!   `(?u)\b\w\w+\b` tokenizer with Python's Unicode `\w` and `str.lower`,
//!   word and character n-grams, MurmurHash3_x86_32 ([`murmurhash3_32`]),
//!   `alternate_sign`, `binary` and l1/l2 row normalisation, into a
//!   [`CsrMatrix`](dklearn_sparse::CsrMatrix) with sorted indices.
//! - Its building blocks, each equal to Python 3.11 on any Unicode text
//!   (tables generated from Python's Unicode 14.0 database, not Rust's):
//!   [`word_tokens`] (`re.findall(r"(?u)\b\w\w+\b", s)`), [`python_lower`],
//!   [`python_split`], [`collapse_whitespace_into`], [`is_python_word`],
//!   [`is_python_space`].
//! - A streaming Reuters-21578 SGML reader giving the documents the
//!   scikit-learn out-of-core example's parser gives.
#![deny(missing_docs)]

mod error;
mod hashing;
mod murmur;
mod sgml;
mod tokenize;
mod unicode;
mod unicode_tables;

pub use dklearn_sparse::Norm;
pub use error::{Error, ErrorKind};
pub use hashing::{decode_ignore, Analyzer, HashingVectorizer, HashingVectorizerParams};
pub use murmur::{murmurhash3_32, murmurhash3_32_str};
pub use sgml::{read_reuters_file, ReutersDocument, ReutersReader, MAX_DOCUMENT_SIZE};
pub use tokenize::{collapse_whitespace_into, python_split, word_tokens, WordTokens};
pub use unicode::{is_python_space, is_python_word, python_lower, python_lower_into};
pub use unicode_tables::UNICODE_VERSION;
