//! `TfidfTransformer`, as `sklearn.feature_extraction.text.TfidfTransformer`,
//! fitted over chunks: each chunk's [`DocumentFrequency`] is counted on its
//! own, the counts are summed ([`DocumentFrequency::merge`]), and the idf
//! vector is computed once from the sum ([`TfidfTransformer::fit_df`]); the
//! result is bit for bit the transformer fitted on the stacked chunks.
//!
//! Arithmetic follows scikit-learn 1.9.1 step by step: `idf = log(n / df) + 1`
//! with `n` and `df` smoothed by one when `smooth_idf`, `tf = log(tf) + 1`
//! when `sublinear_tf`, then each stored value times its column's idf, then
//! the row norm. `log` is the platform's libm `log`: numpy on a CPU with
//! AVX-512 calls Intel's SVML `log` instead, which differs from libm by one
//! ulp on about 0.3% of inputs, so there idf values can differ in the last
//! bit (the parity fixtures are generated with numpy's libm loops; see
//! `xtask/parity/model_selection.py`).
//!
//! ```
//! use dklearn_estimators::TfidfTransformer;
//! use dklearn_sparse::CsrBuilder;
//!
//! let mut b = CsrBuilder::new(3);
//! b.push_row(&[0, 2], &[1.0, 2.0])?;
//! b.push_row(&[0], &[3.0])?;
//! let x = b.finish();
//! let mut t = TfidfTransformer::params().build()?;
//! t.fit(&x)?;
//! let idf = t.idf_().unwrap();
//! assert_eq!(idf[0], (3.0f64 / 3.0).ln() + 1.0);
//! assert_eq!(idf[2], (3.0f64 / 2.0).ln() + 1.0);
//! let xt = t.transform(&x)?;
//! assert_eq!(xt.row(1).1, &[1.0]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::error::{Error, ErrorKind};
use crate::params::py_bool;
use crate::traits::Transform;
use dklearn_sparse::{CsrMatrix, Norm};
use std::fmt;

/// Per-feature document counts of some rows: how many rows store a value in
/// each column (scikit-learn's `_document_frequency`, which counts stored
/// entries), and how many rows were counted. Counts of disjoint chunks add up
/// to the counts of their concatenation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentFrequency {
    n_samples: u64,
    df: Vec<u64>,
}

impl DocumentFrequency {
    /// The counts of the rows of `x`.
    pub fn of(x: &CsrMatrix) -> Self {
        let mut df = vec![0u64; x.n_cols()];
        for &j in x.indices() {
            df[j] += 1;
        }
        DocumentFrequency {
            n_samples: x.n_rows() as u64,
            df,
        }
    }

    /// Adds the counts of other rows (with the same number of features).
    pub fn merge(&mut self, other: &DocumentFrequency) -> Result<(), Error> {
        if other.df.len() != self.df.len() {
            return Err(Error::new(ErrorKind::FeatureMismatch {
                expected: self.df.len(),
                found: other.df.len(),
            }));
        }
        self.n_samples += other.n_samples;
        for (a, b) in self.df.iter_mut().zip(&other.df) {
            *a += b;
        }
        Ok(())
    }

    /// Rows counted.
    pub fn n_samples(&self) -> u64 {
        self.n_samples
    }

    /// Rows storing a value, per column.
    pub fn counts(&self) -> &[u64] {
        &self.df
    }
}

/// Checked parameters of a [`TfidfTransformer`] (scikit-learn's defaults:
/// `norm='l2'`, `use_idf=True`, `smooth_idf=True`, `sublinear_tf=False`).
#[derive(Debug, Clone, PartialEq)]
pub struct TfidfTransformerParams {
    norm: Option<Norm>,
    use_idf: bool,
    smooth_idf: bool,
    sublinear_tf: bool,
}

impl Default for TfidfTransformerParams {
    fn default() -> Self {
        TfidfTransformerParams {
            norm: Some(Norm::L2),
            use_idf: true,
            smooth_idf: true,
            sublinear_tf: false,
        }
    }
}

impl TfidfTransformerParams {
    /// Row normalisation after weighting (`None` for `norm=None`).
    pub fn norm(mut self, norm: Option<Norm>) -> Self {
        self.norm = norm;
        self
    }
    /// Weight by inverse document frequency.
    pub fn use_idf(mut self, use_idf: bool) -> Self {
        self.use_idf = use_idf;
        self
    }
    /// Add one to every document frequency and to the document count.
    pub fn smooth_idf(mut self, smooth_idf: bool) -> Self {
        self.smooth_idf = smooth_idf;
        self
    }
    /// Replace each term frequency `tf` by `1 + log(tf)`.
    pub fn sublinear_tf(mut self, sublinear_tf: bool) -> Self {
        self.sublinear_tf = sublinear_tf;
        self
    }
    /// The unfitted transformer (every combination is valid).
    pub fn build(self) -> Result<TfidfTransformer, Error> {
        Ok(TfidfTransformer {
            params: self,
            n_features_in: None,
            idf: None,
        })
    }
}

/// Term-frequency times inverse-document-frequency weighting of a count
/// matrix. `Debug` prints scikit-learn's repr (non-default parameters only),
/// which also keys its tasks in a lazy pipeline.
#[derive(Clone, PartialEq)]
pub struct TfidfTransformer {
    params: TfidfTransformerParams,
    n_features_in: Option<usize>,
    idf: Option<Vec<f64>>,
}

impl fmt::Debug for TfidfTransformer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = TfidfTransformerParams::default();
        let p = &self.params;
        let mut parts = Vec::new();
        if p.norm != d.norm {
            parts.push(match p.norm {
                Some(n) => format!("norm='{n}'"),
                None => "norm=None".into(),
            });
        }
        if p.smooth_idf != d.smooth_idf {
            parts.push(format!("smooth_idf={}", py_bool(p.smooth_idf)));
        }
        if p.sublinear_tf != d.sublinear_tf {
            parts.push(format!("sublinear_tf={}", py_bool(p.sublinear_tf)));
        }
        if p.use_idf != d.use_idf {
            parts.push(format!("use_idf={}", py_bool(p.use_idf)));
        }
        write!(f, "TfidfTransformer({})", parts.join(", "))
    }
}

impl TfidfTransformer {
    /// Parameters, starting from scikit-learn's defaults.
    pub fn params() -> TfidfTransformerParams {
        TfidfTransformerParams::default()
    }

    /// The builder holding this transformer's parameters (scikit-learn's
    /// `get_params`): change some and `build` a new, unfitted one.
    pub fn get_params(&self) -> TfidfTransformerParams {
        self.params.clone()
    }

    /// `norm`.
    pub fn norm(&self) -> Option<Norm> {
        self.params.norm
    }
    /// `use_idf`.
    pub fn use_idf(&self) -> bool {
        self.params.use_idf
    }
    /// `smooth_idf`.
    pub fn smooth_idf(&self) -> bool {
        self.params.smooth_idf
    }
    /// `sublinear_tf`.
    pub fn sublinear_tf(&self) -> bool {
        self.params.sublinear_tf
    }

    /// The fitted idf vector (`None` before fitting or with `use_idf=False`).
    pub fn idf_(&self) -> Option<&[f64]> {
        self.idf.as_deref()
    }

    /// Features seen in fitting.
    pub fn n_features_in_(&self) -> Option<usize> {
        self.n_features_in
    }

    /// Learns the idf vector of `x` (a count matrix, samples × features).
    pub fn fit(&mut self, x: &CsrMatrix) -> Result<(), Error> {
        if x.has_non_finite() {
            return Err(Error::new(ErrorKind::NonFinite("TfidfTransformer.fit")));
        }
        let fitted = self.fit_df(&DocumentFrequency::of(x))?;
        *self = fitted;
        Ok(())
    }

    /// A copy fitted from document counts (summed over chunks): the same
    /// bits as [`fit`](Self::fit) on the stacked chunks.
    pub fn fit_df(&self, df: &DocumentFrequency) -> Result<TfidfTransformer, Error> {
        if df.n_samples == 0 {
            return Err(Error::new(ErrorKind::EmptyInput("TfidfTransformer.fit")));
        }
        let idf = self.params.use_idf.then(|| {
            let smooth = if self.params.smooth_idf { 1.0 } else { 0.0 };
            let n = df.n_samples as f64 + smooth;
            df.df
                .iter()
                .map(|&d| (n / (d as f64 + smooth)).ln() + 1.0)
                .collect()
        });
        Ok(TfidfTransformer {
            params: self.params.clone(),
            n_features_in: Some(df.df.len()),
            idf,
        })
    }

    /// The tf-idf weighted, normalised copy of `x`.
    pub fn transform(&self, x: &CsrMatrix) -> Result<CsrMatrix, Error> {
        let n_features = self
            .n_features_in
            .ok_or(Error::new(ErrorKind::NotFitted("TfidfTransformer")))?;
        if x.n_cols() != n_features {
            return Err(Error::new(ErrorKind::FeatureMismatch {
                expected: n_features,
                found: x.n_cols(),
            }));
        }
        if x.has_non_finite() {
            return Err(Error::new(ErrorKind::NonFinite(
                "TfidfTransformer.transform",
            )));
        }
        let mut out = x.clone();
        if self.params.sublinear_tf {
            for v in out.data_mut() {
                *v = v.ln() + 1.0;
            }
        }
        if let Some(idf) = &self.idf {
            let cols: Vec<usize> = out.indices().to_vec();
            for (v, j) in out.data_mut().iter_mut().zip(cols) {
                *v *= idf[j];
            }
        }
        if let Some(norm) = self.params.norm {
            out.normalize(norm);
        }
        Ok(out)
    }
}

impl Transform<CsrMatrix> for TfidfTransformer {
    type Output = CsrMatrix;

    fn transform(&self, x: &CsrMatrix) -> Result<CsrMatrix, Error> {
        TfidfTransformer::transform(self, x)
    }
}
