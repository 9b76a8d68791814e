//! `HashingVectorizer`, as scikit-learn 1.9.1's.

use crate::error::Error;
use crate::murmur::murmurhash3_32_padded;
use crate::tokenize::{ascii_token_spans, collapse_whitespace_into, python_split, word_tokens};
use crate::unicode::python_lower_into;
use dklearn_sparse::{CsrMatrix, Norm};
use std::fmt;

/// What the features are made of (scikit-learn's `analyzer`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Analyzer {
    /// Word n-grams of the tokens of `(?u)\b\w\w+\b`.
    Word,
    /// Character n-grams of the text (runs of 2+ whitespace made one space).
    Char,
    /// Character n-grams inside words, each word padded with one space.
    CharWb,
}

impl fmt::Display for Analyzer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Analyzer::Word => "word",
            Analyzer::Char => "char",
            Analyzer::CharWb => "char_wb",
        })
    }
}

impl std::str::FromStr for Analyzer {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "word" => Ok(Analyzer::Word),
            "char" => Ok(Analyzer::Char),
            "char_wb" => Ok(Analyzer::CharWb),
            _ => Err(Error::invalid_parameter(
                "analyzer",
                format!("must be 'word', 'char' or 'char_wb', got {s:?}"),
            )),
        }
    }
}

/// Unchecked parameters of a [`HashingVectorizer`]; [`build`](Self::build)
/// checks them. Defaults are scikit-learn's.
#[derive(Debug, Clone, PartialEq)]
pub struct HashingVectorizerParams {
    n_features: usize,
    alternate_sign: bool,
    norm: Option<Norm>,
    ngram_range: (usize, usize),
    analyzer: Analyzer,
    binary: bool,
    lowercase: bool,
}

impl Default for HashingVectorizerParams {
    fn default() -> Self {
        HashingVectorizerParams {
            n_features: 1 << 20,
            alternate_sign: true,
            norm: Some(Norm::L2),
            ngram_range: (1, 1),
            analyzer: Analyzer::Word,
            binary: false,
            lowercase: true,
        }
    }
}

impl HashingVectorizerParams {
    /// Number of columns (default 2**20).
    pub fn n_features(mut self, n: usize) -> Self {
        self.n_features = n;
        self
    }
    /// Sign each hashed feature by the sign of its hash (default true).
    pub fn alternate_sign(mut self, on: bool) -> Self {
        self.alternate_sign = on;
        self
    }
    /// Row normalisation (default `Some(Norm::L2)`; `None` for none).
    pub fn norm(mut self, norm: Option<Norm>) -> Self {
        self.norm = norm;
        self
    }
    /// Smallest and largest n of the n-grams (default `(1, 1)`).
    pub fn ngram_range(mut self, min_n: usize, max_n: usize) -> Self {
        self.ngram_range = (min_n, max_n);
        self
    }
    /// Word or character features (default word).
    pub fn analyzer(mut self, analyzer: Analyzer) -> Self {
        self.analyzer = analyzer;
        self
    }
    /// Every non-zero feature becomes 1 before normalisation (default false).
    pub fn binary(mut self, on: bool) -> Self {
        self.binary = on;
        self
    }
    /// Lowercase the text first, as Python's `str.lower` (default true).
    pub fn lowercase(mut self, on: bool) -> Self {
        self.lowercase = on;
        self
    }
    /// Checks the parameters: `n_features` in `1..=i32::MAX`, `1 <= min_n <= max_n`.
    pub fn build(self) -> Result<HashingVectorizer, Error> {
        if self.n_features == 0 || self.n_features > i32::MAX as usize {
            return Err(Error::invalid_parameter(
                "n_features",
                format!("must be in [1, 2147483647], got {}", self.n_features),
            ));
        }
        let (lo, hi) = self.ngram_range;
        if lo == 0 || lo > hi {
            return Err(Error::invalid_parameter(
                "ngram_range",
                format!("needs 1 <= min_n <= max_n, got ({lo}, {hi})"),
            ));
        }
        let modulo = FastMod::new(self.n_features as u32);
        Ok(HashingVectorizer { p: self, modulo })
    }
}

/// scikit-learn's `HashingVectorizer`, bit for bit: the same columns and
/// values for any Unicode text (Python 3.11's `\w`, `\s` and `str.lower`,
/// Unicode 14.0, generated into tables), MurmurHash3_x86_32 with seed 0 of
/// each feature's UTF-8 bytes, column `|h| mod n_features`, sign from `h`
/// when `alternate_sign`, duplicates summed, then `binary` and `norm`.
/// Stateless, so `transform` needs no fit.
///
/// ```
/// use dklearn_text::HashingVectorizer;
/// let v = HashingVectorizer::params().n_features(1 << 18).alternate_sign(false).build()?;
/// assert_eq!(format!("{v:?}"), "HashingVectorizer(alternate_sign=False, n_features=262144)");
/// let x = v.transform(&["The cat sat on the mat", "a"]);
/// assert_eq!(x.shape(), (2, 262144));
/// assert_eq!(x.row(1).0.len(), 0); // one-letter words are not tokens
/// let (cols, vals) = x.row(0);
/// assert_eq!(cols.len(), 5); // the, cat, sat, on, mat
/// assert!((vals.iter().map(|v| v * v).sum::<f64>() - 1.0).abs() < 1e-12);
/// # Ok::<(), dklearn_text::Error>(())
/// ```
#[derive(Clone, PartialEq)]
pub struct HashingVectorizer {
    p: HashingVectorizerParams,
    modulo: FastMod,
}

/// `x % d` on `u32` by multiplications only (Lemire, Kaser and Kurz,
/// "Faster remainder by direct computation", 2019): exact for every `x` and
/// every `d >= 1`, and several times cheaper than a division, which would
/// otherwise be the largest single cost per token.
#[derive(Debug, Clone, Copy, PartialEq)]
struct FastMod {
    /// `ceil(2**64 / d)`, wrapping to 0 for `d == 1` (then every remainder is 0).
    m: u64,
    d: u32,
}

impl FastMod {
    fn new(d: u32) -> Self {
        FastMod {
            m: (u64::MAX / u64::from(d)).wrapping_add(1),
            d,
        }
    }

    #[inline(always)]
    fn rem(self, x: u32) -> u32 {
        let low = self.m.wrapping_mul(u64::from(x));
        ((u128::from(low) * u128::from(self.d)) >> 64) as u32
    }
}

impl Default for HashingVectorizer {
    fn default() -> Self {
        HashingVectorizer::params()
            .build()
            .unwrap_or_else(|e| unreachable!("the defaults are valid: {e}"))
    }
}

fn py_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

impl fmt::Debug for HashingVectorizer {
    /// scikit-learn's repr: only the parameters that differ from the
    /// defaults, in alphabetical order.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = HashingVectorizerParams::default();
        let p = &self.p;
        let mut parts: Vec<String> = Vec::new();
        if p.alternate_sign != d.alternate_sign {
            parts.push(format!("alternate_sign={}", py_bool(p.alternate_sign)));
        }
        if p.analyzer != d.analyzer {
            parts.push(format!("analyzer='{}'", p.analyzer));
        }
        if p.binary != d.binary {
            parts.push(format!("binary={}", py_bool(p.binary)));
        }
        if p.lowercase != d.lowercase {
            parts.push(format!("lowercase={}", py_bool(p.lowercase)));
        }
        if p.n_features != d.n_features {
            parts.push(format!("n_features={}", p.n_features));
        }
        if p.ngram_range != d.ngram_range {
            parts.push(format!(
                "ngram_range=({}, {})",
                p.ngram_range.0, p.ngram_range.1
            ));
        }
        if p.norm != d.norm {
            parts.push(match p.norm {
                Some(n) => format!("norm='{n}'"),
                None => "norm=None".into(),
            });
        }
        write!(f, "HashingVectorizer({})", parts.join(", "))
    }
}

/// Appended to every buffer features are hashed from, so
/// [`murmurhash3_32_padded`] may read 8 bytes past a feature's end.
const PADDING: &str = "\0\0\0\0\0\0\0\0";

/// Reused buffers: nothing is allocated per token, and per document only
/// when a buffer must grow.
#[derive(Default)]
struct Scratch {
    text: String,
    /// ASCII documents' (lowercased) bytes and [`PADDING`], for the word
    /// unigram path.
    bytes: Vec<u8>,
    norm_text: String,
    offsets: Vec<usize>,
    tokens: Vec<(usize, usize)>,
    /// Token starts and ends of ASCII text (see [`ascii_token_spans`]).
    token_starts: Vec<usize>,
    token_ends: Vec<usize>,
    gram: String,
    /// Features of the current row packed as `(column << 1) | negative`
    /// (fits: column < n_features <= 2**31 - 1), so a plain integer sort
    /// groups them by column.
    packed: Vec<u32>,
    /// Scratch of [`bucket_sort`].
    sorted: Vec<u32>,
    counts: Vec<u32>,
    /// Running sums of signs at the end of each column's run (see
    /// [`group_runs`]); only ever grows, so a row costs no clearing.
    ends: Vec<i64>,
}

impl HashingVectorizer {
    /// Parameters with scikit-learn's defaults, to adjust and [`build`](HashingVectorizerParams::build).
    pub fn params() -> HashingVectorizerParams {
        HashingVectorizerParams::default()
    }

    /// The checked parameters.
    pub fn get_params(&self) -> &HashingVectorizerParams {
        &self.p
    }

    /// Number of columns.
    pub fn n_features(&self) -> usize {
        self.p.n_features
    }

    /// `alternate_sign`.
    pub fn alternate_sign(&self) -> bool {
        self.p.alternate_sign
    }

    /// `norm` (`None` for no normalisation).
    pub fn norm(&self) -> Option<Norm> {
        self.p.norm
    }

    /// `ngram_range` as `(min_n, max_n)`.
    pub fn ngram_range(&self) -> (usize, usize) {
        self.p.ngram_range
    }

    /// `analyzer`.
    pub fn analyzer(&self) -> Analyzer {
        self.p.analyzer
    }

    /// `binary`.
    pub fn binary(&self) -> bool {
        self.p.binary
    }

    /// `lowercase`.
    pub fn lowercase(&self) -> bool {
        self.p.lowercase
    }

    /// Hashes every document into one row of a CSR matrix with sorted
    /// column indices (duplicate features summed; cancelled features stay
    /// as explicit zeros, as in scikit-learn).
    pub fn transform<S: AsRef<str>>(&self, docs: &[S]) -> CsrMatrix {
        let mut s = Scratch::default();
        let mut indptr = Vec::with_capacity(docs.len() + 1);
        indptr.push(0);
        // About one feature per 10 bytes of text: reserve to avoid regrowing.
        let guess = docs.iter().map(|d| d.as_ref().len() / 10).sum::<usize>();
        let mut indices = Vec::with_capacity(guess);
        let mut data = Vec::with_capacity(guess);
        for d in docs {
            self.row_into(d.as_ref(), &mut s, &mut indices, &mut data);
            indptr.push(indices.len());
        }
        self.finish(docs.len(), indptr, indices, data)
    }

    /// Like [`transform`](Self::transform) for bytes, decoded as UTF-8 with
    /// invalid sequences dropped: Python's `bytes.decode('utf-8', 'ignore')`
    /// (scikit-learn's `decode_error='ignore'`).
    pub fn transform_bytes<B: AsRef<[u8]>>(&self, docs: &[B]) -> CsrMatrix {
        let decoded: Vec<String> = docs.iter().map(|d| decode_ignore(d.as_ref())).collect();
        self.transform(&decoded)
    }

    /// One document's row: sorted columns and values.
    pub fn transform_one(&self, doc: &str) -> (Vec<usize>, Vec<f64>) {
        let x = self.transform(&[doc]);
        let (i, v) = x.row(0);
        (i.to_vec(), v.to_vec())
    }

    /// Wraps the rows [`row_into`](Self::row_into) built (already
    /// binarised and normalised) into a matrix.
    fn finish(
        &self,
        n_rows: usize,
        indptr: Vec<usize>,
        mut indices: Vec<usize>,
        mut data: Vec<f64>,
    ) -> CsrMatrix {
        // The capacity was a guess: give back what the rows did not use, so
        // a chunk holds (and a memory-limited scheduler counts) what it needs.
        indices.shrink_to_fit();
        data.shrink_to_fit();
        // SAFETY: `transform` pushed one `indptr` entry per row after 0,
        // each the length of `indices` then, and `row_into` appends a row's
        // columns ascending and distinct (sorted, then grouped), each
        // `< n_features` (a remainder or mask of it), with one value per
        // column. The O(nnz) re-check was ~2% of a Reuters transform
        // (callgrind); debug builds still run it.
        unsafe { CsrMatrix::from_csr_unchecked(n_rows, self.p.n_features, indptr, indices, data) }
    }

    /// Appends the sorted, summed columns and values of `doc` to
    /// `indices` and `data`.
    fn row_into(&self, doc: &str, s: &mut Scratch, indices: &mut Vec<usize>, data: &mut Vec<f64>) {
        s.packed.clear();
        if self.p.analyzer == Analyzer::Word && self.p.ngram_range == (1, 1) && doc.is_ascii() {
            // The common case, on bytes: one pass copies (and lowercases,
            // which for ASCII is `str.lower`) into a padded buffer, and the
            // scanner needs no second ASCII check. (Lowercasing the text
            // in place after a copy cost three passes.)
            s.bytes.clear();
            s.bytes.extend_from_slice(doc.as_bytes());
            if self.p.lowercase {
                // A loop over a slice the compiler vectorizes (an `extend`
                // from a mapping iterator did not).
                for b in &mut s.bytes {
                    *b |= u8::from(b.wrapping_sub(b'A') < 26) << 5;
                }
            }
            let len = s.bytes.len();
            s.bytes.extend_from_slice(PADDING.as_bytes());
            let bytes = std::mem::take(&mut s.bytes);
            self.ascii_unigrams(&bytes[..len], &bytes, s);
            s.bytes = bytes;
        } else {
            // Preprocess: Python's str.lower, or the text as is, followed by
            // eight NULs so a token's words can be read without a length check.
            s.text.clear();
            if self.p.lowercase {
                python_lower_into(doc, &mut s.text);
            } else {
                s.text.push_str(doc);
            }
            let len = s.text.len();
            s.text.push_str(PADDING);
            let text = std::mem::take(&mut s.text);
            self.features(&text[..len], text.as_bytes(), s);
            s.text = text;
        }
        // Packed keys are < 2 * n_features <= 2**32.
        let key_bits = 64 - (2 * self.p.n_features as u64 - 1).leading_zeros();
        let n_keys = s.packed.len();
        bucket_sort(&s.packed, &mut s.sorted, &mut s.counts, key_bits);
        let sorted = &s.sorted[..n_keys];
        let n = if self.p.alternate_sign {
            group_runs::<true>(sorted, &mut s.packed, &mut s.ends)
        } else {
            group_runs::<false>(sorted, &mut s.packed, &mut s.ends)
        };
        let (cols, ends) = (&s.packed[..n], &s.ends[..n]);
        indices.extend(cols.iter().map(|&c| c as usize));
        // A sum of +1s and -1s is an integer far below 2**53, so it is the
        // same as the f64 sum scikit-learn makes (zero included: 0.0 + -1.0
        // + 1.0 is +0.0). `binary` then stores 1 for every column,
        // cancelled ones too, as `X.data.fill(1)` does.
        let base = data.len();
        if self.p.binary {
            data.resize(base + n, 1.0);
        } else {
            let mut before = 0i64;
            data.extend(ends.iter().map(|&end| {
                let sum = end - before;
                before = end;
                sum as f64
            }));
        }
        if let Some(norm) = self.p.norm {
            normalize_row(&mut data[base..], norm);
        }
    }

    /// `padded` is `text`'s bytes followed by at least eight more.
    fn features(&self, text: &str, padded: &[u8], s: &mut Scratch) {
        match self.p.analyzer {
            Analyzer::Word => self.word_features(text, padded, s),
            Analyzer::Char | Analyzer::CharWb => self.char_features(text, s),
        }
    }

    /// Hashes the feature `buf[a..b]`; `buf` has [`PADDING`] after it.
    #[inline]
    fn add_padded(&self, buf: &[u8], a: usize, b: usize, packed: &mut Vec<u32>) {
        self.push_hash(murmurhash3_32_padded(buf, a, b) as i32, packed);
    }

    #[inline]
    fn push_hash(&self, h: i32, packed: &mut Vec<u32>) {
        packed.push(self.pack(h));
    }

    /// The packed feature of hash `h`: `(column << 1) | negative`.
    #[inline(always)]
    fn pack(&self, h: i32) -> u32 {
        // |i32::MIN| is 2**31, as scikit-learn's special case gives.
        let col = self.modulo.rem(h.unsigned_abs());
        let neg = self.p.alternate_sign && h < 0;
        col << 1 | u32::from(neg)
    }

    /// Appends the packed features of the tokens `starts[i]..ends[i]` of
    /// `padded` (which has 8 bytes after the last token), with `column`
    /// computing `|h| mod n_features`: one tight loop per `column`, so the
    /// modulo is inlined (a mask for a power of two).
    #[inline(always)]
    fn hash_spans(
        &self,
        padded: &[u8],
        starts: &[usize],
        ends: &[usize],
        packed: &mut Vec<u32>,
        column: impl Fn(u32) -> u32,
    ) {
        // The sign bit of h is kept when signs alternate (an AND, not a
        // select per token).
        let sign_mask = u32::from(self.p.alternate_sign);
        packed.extend(starts.iter().zip(ends).map(move |(&a, &b)| {
            let h = murmurhash3_32_padded(padded, a, b);
            // |i32::MIN| is 2**31, as scikit-learn's special case gives.
            column((h as i32).unsigned_abs()) << 1 | (h >> 31) & sign_mask
        }));
    }

    /// The word unigrams of the ASCII `text`; `padded` is `text` followed
    /// by at least eight more bytes. Finds the tokens, then hashes them in a
    /// tight loop (hashing inside the scanner's callback would not inline).
    fn ascii_unigrams(&self, text: &[u8], padded: &[u8], s: &mut Scratch) {
        let n = ascii_token_spans(text, &mut s.token_starts, &mut s.token_ends);
        let (starts, ends) = (&s.token_starts[..n], &s.token_ends[..n]);
        let d = self.p.n_features as u32;
        if d.is_power_of_two() {
            // x % 2**k is a mask, for |i32::MIN| = 2**31 too (k <= 30).
            let mask = d - 1;
            self.hash_spans(padded, starts, ends, &mut s.packed, move |x| x & mask);
        } else {
            let modulo = self.modulo;
            self.hash_spans(padded, starts, ends, &mut s.packed, move |x| modulo.rem(x));
        }
    }

    fn word_features(&self, text: &str, padded: &[u8], s: &mut Scratch) {
        let (min_n, max_n) = self.p.ngram_range;
        if (min_n, max_n) == (1, 1) && text.is_ascii() {
            // `row_into` takes ASCII documents first; this is for text
            // that is ASCII only once lowercased (U+212A KELVIN SIGN -> 'k').
            self.ascii_unigrams(text.as_bytes(), padded, s);
            return;
        }
        s.tokens.clear();
        if text.is_ascii() {
            let n = ascii_token_spans(text.as_bytes(), &mut s.token_starts, &mut s.token_ends);
            let spans = s.token_starts[..n].iter().zip(&s.token_ends[..n]);
            s.tokens.extend(spans.map(|(&a, &b)| (a, b)));
        } else {
            let mut it = word_tokens(text);
            while let Some(span) = it.next_span() {
                s.tokens.push(span);
            }
        }
        let n_tok = s.tokens.len();
        for n in min_n..=max_n.min(n_tok) {
            for i in 0..=(n_tok - n) {
                if n == 1 {
                    let (a, b) = s.tokens[i];
                    self.add_padded(padded, a, b, &mut s.packed);
                } else {
                    s.gram.clear();
                    for (k, &(a, b)) in s.tokens[i..i + n].iter().enumerate() {
                        if k > 0 {
                            s.gram.push(' ');
                        }
                        s.gram.push_str(&text[a..b]);
                    }
                    let len = s.gram.len();
                    s.gram.push_str(PADDING);
                    self.add_padded(s.gram.as_bytes(), 0, len, &mut s.packed);
                }
            }
        }
    }

    fn char_features(&self, text: &str, s: &mut Scratch) {
        // re.sub(r"\s\s+", " ", text): runs of two or more whitespace code
        // points become one space; a lone whitespace code point stays.
        s.norm_text.clear();
        collapse_whitespace_into(text, &mut s.norm_text);
        let len = s.norm_text.len();
        s.norm_text.push_str(PADDING);
        let norm = std::mem::take(&mut s.norm_text);
        match self.p.analyzer {
            Analyzer::Char => self.char_ngrams(&norm[..len], norm.as_bytes(), s),
            _ => {
                for word in python_split(&norm[..len]) {
                    self.char_wb_word(word, s);
                }
            }
        }
        s.norm_text = norm;
    }

    /// `padded` is `text`'s bytes followed by [`PADDING`].
    fn char_ngrams(&self, text: &str, padded: &[u8], s: &mut Scratch) {
        s.offsets.clear();
        s.offsets.extend(text.char_indices().map(|(i, _)| i));
        s.offsets.push(text.len());
        let len = s.offsets.len() - 1;
        let (min_n, max_n) = self.p.ngram_range;
        for n in min_n..=max_n.min(len) {
            for i in 0..=(len - n) {
                self.add_padded(padded, s.offsets[i], s.offsets[i + n], &mut s.packed);
            }
        }
    }

    /// scikit-learn's `_char_wb_ngrams` for one word: n-grams of `' ' + word + ' '`;
    /// a padded word shorter than n gives itself once, and larger n nothing more.
    fn char_wb_word(&self, word: &str, s: &mut Scratch) {
        s.gram.clear();
        s.gram.push(' ');
        s.gram.push_str(word);
        s.gram.push(' ');
        let len = s.gram.len();
        s.gram.push_str(PADDING);
        let w = std::mem::take(&mut s.gram);
        s.offsets.clear();
        s.offsets.extend(w[..len].char_indices().map(|(i, _)| i));
        s.offsets.push(len);
        let w_len = s.offsets.len() - 1;
        let (min_n, max_n) = self.p.ngram_range;
        for n in min_n..=max_n {
            let end = |k: usize| s.offsets[(k + n).min(w_len)];
            let mut offset = 0;
            let b = w.as_bytes();
            self.add_padded(b, s.offsets[offset], end(offset), &mut s.packed);
            while offset + n < w_len {
                offset += 1;
                self.add_padded(b, s.offsets[offset], end(offset), &mut s.packed);
            }
            if offset == 0 {
                break;
            }
        }
        s.gram = w;
    }
}

/// Python's `bytes.decode('utf-8', 'ignore')`: the valid parts, with each
/// maximal invalid subsequence dropped.
pub fn decode_ignore(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
    }
    out
}

/// Groups the duplicates of the sorted packed features `sorted`
/// (`(column << 1) | negative`): afterwards `cols[..n]` holds the `n`
/// distinct columns, ascending, and `ends[k]` the sum of the signs of every
/// feature up to the end of column `k`'s run, so column `k` sums to
/// `ends[k] - ends[k - 1]` (with `ends[-1] = 0`). `cols` is at least as
/// long as `sorted`.
///
/// Branch-free per feature, and with no load of the slot being summed
/// (duplicates are unpredictable; an `if new` on that load compiles to a
/// jump): each feature rewrites the slot of its run, the last write wins.
///
/// `SIGNED` is `alternate_sign`: without it every feature is `+1` (bit 0 of
/// each key is clear), so the running sum is a count and needs no sign.
#[inline]
fn group_runs<const SIGNED: bool>(sorted: &[u32], cols: &mut [u32], ends: &mut Vec<i64>) -> usize {
    if ends.len() < sorted.len() {
        ends.resize(sorted.len(), 0);
    }
    let ends = &mut ends[..sorted.len()];
    let cols = &mut cols[..sorted.len()];
    let mut n = 0usize;
    let mut total = 0i64;
    let mut last = u32::MAX; // no column: columns are < 2**31
    for &x in sorted {
        let col = x >> 1;
        debug_assert!(SIGNED || x & 1 == 0);
        total += if SIGNED { 1 - 2 * i64::from(x & 1) } else { 1 };
        n += usize::from(col != last);
        // n is in 1..=(features so far), so the slot is in bounds.
        let pos = n - 1;
        ends[pos] = total;
        cols[pos] = col;
        last = col;
    }
    n
}

/// Divides `row` by its norm, as [`CsrMatrix::normalize`] does (the same
/// left-to-right sum, a division per value, a zero row left alone), while
/// the row is still in cache.
#[inline]
fn normalize_row(row: &mut [f64], norm: Norm) {
    let n = match norm {
        Norm::L1 => row.iter().map(|v| v.abs()).sum::<f64>(),
        Norm::L2 => row.iter().map(|v| v * v).sum::<f64>().sqrt(),
    };
    if n != 0.0 {
        row.iter_mut().for_each(|v| *v /= n);
    }
}

/// Sorts `keys` (each `< 2**key_bits`) ascending into `sorted`. Hashed
/// features are uniform, so one counting pass on the top bits into about as
/// many buckets as keys leaves every key at most a few places from its final position,
/// and an insertion sort finishes in near-linear time: about four times
/// fewer instructions than a comparison sort on rows of ~100 features. The
/// insertion sort alone makes the result sorted, whatever the distribution.
/// The result is `sorted[..keys.len()]`.
fn bucket_sort(keys: &[u32], sorted: &mut Vec<u32>, counts: &mut Vec<u32>, key_bits: u32) {
    let n = keys.len();
    // `sorted` only grows: no clearing per row.
    if sorted.len() < n {
        sorted.resize(n, 0);
    }
    let out = &mut sorted[..n];
    if n < 24 {
        out.copy_from_slice(keys);
        out.sort_unstable();
        return;
    }
    // n to 2n buckets: fewer than one key per bucket on average, so the
    // insertion sort's compare is mostly "already in place" and predicted
    // (n / 2 to n buckets: 0.45 M more mispredicted branches on the
    // Reuters corpus for 6 M fewer instructions).
    let bits = (usize::BITS - (n - 1).leading_zeros()).min(key_bits);
    let shift = key_bits - bits;
    let n_buckets = 1usize << bits;
    counts.clear();
    counts.resize(n_buckets, 0);
    let counts = &mut counts[..n_buckets];
    // The mask changes nothing for keys < 2**key_bits, and lets the
    // compiler drop the bounds checks.
    let bucket = |k: u32| (k >> shift) as usize & (n_buckets - 1);
    for &k in keys {
        counts[bucket(k)] += 1;
    }
    // Exclusive prefix sums: where each bucket starts.
    let mut acc = 0u32;
    for c in counts.iter_mut() {
        let here = *c;
        *c = acc;
        acc += here;
    }
    for &k in keys {
        let b = bucket(k);
        out[counts[b] as usize] = k;
        counts[b] += 1;
    }
    for i in 1..n {
        let k = out[i];
        let mut j = i;
        while j > 0 && out[j - 1] > k {
            out[j] = out[j - 1];
            j -= 1;
        }
        out[j] = k;
    }
}

#[cfg(test)]
mod tests {
    use super::{bucket_sort, FastMod, HashingVectorizer, Norm};
    use crate::{murmurhash3_32, python_lower, word_tokens};
    use dklearn_sparse::CsrMatrix;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    /// The word-unigram row of `doc` the plain way, as scikit-learn states
    /// it: tokens of the (lowercased) text, MurmurHash3 of each, `|h| % n`,
    /// signs summed per column in a map, `binary`, then the matrix's own
    /// `normalize`. What the fast path (ASCII scanner, padded hash, mask or
    /// fast modulo, bucket sort, running sums, per-row norm) must equal bit
    /// for bit.
    /// Each row of `v.transform(docs)` equals [`reference_row`], bit for bit.
    fn rows_equal_the_reference(
        v: &HashingVectorizer,
        docs: &[String],
    ) -> Result<(), proptest::test_runner::TestCaseError> {
        let x = v.transform(docs);
        for (r, doc) in docs.iter().enumerate() {
            let (idx, val) = x.row(r);
            let val: Vec<u64> = val.iter().map(|v| v.to_bits()).collect();
            proptest::prop_assert_eq!((idx.to_vec(), val), reference_row(v, doc), "{:?}", doc);
        }
        Ok(())
    }

    fn reference_row(v: &HashingVectorizer, doc: &str) -> (Vec<usize>, Vec<u64>) {
        let p = &v.p;
        let text = if p.lowercase {
            python_lower(doc)
        } else {
            doc.to_string()
        };
        let mut sums: BTreeMap<usize, f64> = BTreeMap::new();
        for token in word_tokens(&text) {
            let h = murmurhash3_32(token.as_bytes(), 0);
            let col = h.unsigned_abs() as usize % p.n_features;
            let sign = if p.alternate_sign && h < 0 { -1.0 } else { 1.0 };
            *sums.entry(col).or_insert(0.0) += sign;
        }
        let idx: Vec<usize> = sums.keys().copied().collect();
        let mut val: Vec<f64> = sums.values().copied().collect();
        if p.binary {
            val.iter_mut().for_each(|v| *v = 1.0);
        }
        let k = idx.len();
        let mut x = CsrMatrix::try_from_csr(1, p.n_features, vec![0, k], idx, val)
            .unwrap_or_else(|e| unreachable!("{e}"));
        if let Some(norm) = p.norm {
            x.normalize(norm);
        }
        let (i, v) = x.row(0);
        (i.to_vec(), v.iter().map(|v| v.to_bits()).collect())
    }

    fn unigram_settings() -> impl Strategy<Value = HashingVectorizer> {
        let n = prop_oneof![
            1usize..70,
            Just(1 << 18),
            Just(1 << 20),
            Just((1 << 20) - 1),
            Just(i32::MAX as usize),
            Just(1 << 30),
        ];
        (n, any::<bool>(), 0u8..3, any::<bool>(), any::<bool>()).prop_map(
            |(n, sign, norm, binary, lower)| {
                HashingVectorizer::params()
                    .n_features(n)
                    .alternate_sign(sign)
                    .norm([Some(Norm::L2), Some(Norm::L1), None][norm as usize])
                    .binary(binary)
                    .lowercase(lower)
                    .build()
                    .unwrap_or_else(|e| unreachable!("{e}"))
            },
        )
    }

    proptest! {
        #[test]
        fn ascii_fast_path_equals_the_reference(
            v in unigram_settings(),
            docs in proptest::collection::vec("[a-cA-C0-9_ .,'\n-]{0,200}|([a-zA-Z_]{1,19}[ .]){0,30}", 0..8),
        ) {
            rows_equal_the_reference(&v, &docs)?;
        }

        #[test]
        fn every_ascii_byte_equals_the_reference(
            v in unigram_settings(),
            docs in proptest::collection::vec("[\\x00-\\x7f]{0,200}|([?-\\x60a-z{]{1,9}[ ]){0,30}", 0..6),
        ) {
            // Every ASCII byte, '@', '[', '`' and '{' (the neighbours of
            // the letters) among word bytes: the one-pass lowercase of the
            // ASCII path against Python's `str.lower`.
            rows_equal_the_reference(&v, &docs)?;
        }

        #[test]
        fn unicode_path_equals_the_reference(
            v in unigram_settings(),
            docs in proptest::collection::vec(any::<String>(), 0..6),
        ) {
            rows_equal_the_reference(&v, &docs)?;
        }
    }

    #[test]
    fn long_rows_equal_the_reference() {
        // Rows of thousands of features (the bucket sort's long path), with
        // many duplicates and cancellations.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let words = [
            "ab",
            "Cd",
            "efg",
            "hijk",
            "lmnop",
            "q_r",
            "s9",
            "TUVWXYZab",
            "x",
        ];
        for n_words in [10usize, 100, 1000, 5000] {
            let doc: Vec<&str> = (0..n_words)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    words[(state % words.len() as u64) as usize]
                })
                .collect();
            let doc = doc.join(" ");
            for n in [1usize, 3, 64, 1 << 18, 1 << 20] {
                for sign in [false, true] {
                    let v = HashingVectorizer::params()
                        .n_features(n)
                        .alternate_sign(sign)
                        .build()
                        .unwrap_or_else(|e| unreachable!("{e}"));
                    let x = v.transform(&[&doc]);
                    let (idx, val) = x.row(0);
                    let val: Vec<u64> = val.iter().map(|v| v.to_bits()).collect();
                    assert_eq!((idx.to_vec(), val), reference_row(&v, &doc));
                }
            }
        }
    }

    #[test]
    fn text_ascii_only_once_lowercased_equals_the_reference() {
        for doc in ["\u{212a}elvin AB \u{212a}\u{212a}", "\u{212a} \u{212b}x"] {
            for lower in [true, false] {
                let v = HashingVectorizer::params()
                    .lowercase(lower)
                    .build()
                    .unwrap_or_else(|e| unreachable!("{e}"));
                let x = v.transform(&[doc]);
                let (idx, val) = x.row(0);
                let val: Vec<u64> = val.iter().map(|v| v.to_bits()).collect();
                assert_eq!((idx.to_vec(), val), reference_row(&v, doc), "{doc:?}");
            }
        }
    }

    #[test]
    fn fast_mod_edges() {
        for d in [1u32, 2, 3, 7, 1 << 18, 1 << 20, (1 << 31) - 1, u32::MAX] {
            let f = FastMod::new(d);
            for x in [0u32, 1, 2, d - 1, d, d.wrapping_add(1), 1 << 31, u32::MAX] {
                assert_eq!(f.rem(x), x % d, "{x} % {d}");
            }
        }
    }

    proptest! {
        #[test]
        fn bucket_sort_sorts(mut keys in proptest::collection::vec(any::<u32>(), 0..300), bits in 1u32..=32) {
            let mask = if bits == 32 { u32::MAX } else { (1u32 << bits) - 1 };
            keys.iter_mut().for_each(|k| *k &= mask);
            let mut want = keys.clone();
            want.sort_unstable();
            // Stale, longer scratch, as between rows.
            let (mut sorted, mut counts) = (vec![u32::MAX; 400], vec![9; 3]);
            bucket_sort(&keys, &mut sorted, &mut counts, bits);
            prop_assert_eq!(&sorted[..keys.len()], &want[..]);
        }

        #[test]
        fn fast_mod_is_the_remainder(x in any::<u32>(), d in 1u32..) {
            prop_assert_eq!(FastMod::new(d).rem(x), x % d);
        }
    }
}
