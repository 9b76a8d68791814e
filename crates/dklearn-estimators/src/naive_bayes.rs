//! `MultinomialNB`: naive Bayes for counts (word counts, tf or tf-idf), with
//! scikit-learn 1.9.1's smoothing, priors, incremental counting and outputs.
//!
//! The model is its counts: `feature_count_[c, j]` sums feature `j` over the
//! samples of class `c`, `class_count_[c]` counts them. Every fit or
//! `partial_fit` adds to the counts and recomputes
//! `feature_log_prob_ = log(fc + α) - log(Σⱼ (fc + α))` and the class log
//! prior (given, empirical, or uniform), so a sequence of `partial_fit`
//! calls gives the same model as one `fit` on the concatenation.
//! `sample_weight` and an array-valued `alpha` are not implemented.

use crate::error::{Error, ErrorKind};
use crate::labels::unique_labels;
use crate::logistic::{linear_scores, py_float};
use crate::traits::{Fit, PartialFit, Predict, Score};
use dklearn_sparse::CsrMatrix;
use ndarray::Array2;
use std::fmt;
use std::marker::PhantomData;

/// numpy's `add.reduce` as naive Bayes' reductions meet it: the first
/// element, plus the pairwise sum ([`crate::pairwise_sum`]) of the rest, so
/// sums round as scikit-learn's do.
pub(crate) fn np_sum(a: &[f64]) -> f64 {
    match a.split_first() {
        None => 0.0,
        Some((first, rest)) => first + crate::pairwise_sum(rest),
    }
}

/// Checked hyper-parameters of [`MultinomialNB`], from [`MultinomialNB::params`].
pub struct MultinomialNBParams<L> {
    hp: NbHyper,
    _labels: PhantomData<fn() -> L>,
}

// By hand: derives would ask `L: Clone` etc. of the label type.
impl<L> Clone for MultinomialNBParams<L> {
    fn clone(&self) -> Self {
        MultinomialNBParams {
            hp: self.hp.clone(),
            _labels: PhantomData,
        }
    }
}
impl<L> PartialEq for MultinomialNBParams<L> {
    fn eq(&self, other: &Self) -> bool {
        self.hp == other.hp
    }
}
impl<L> fmt::Debug for MultinomialNBParams<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.hp.fmt(f)
    }
}

/// The values of [`MultinomialNBParams`], stored in the estimator.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NbHyper {
    alpha: f64,
    fit_prior: bool,
    class_prior: Option<Vec<f64>>,
    force_alpha: bool,
}

impl Default for NbHyper {
    fn default() -> Self {
        NbHyper {
            alpha: 1.0,
            fit_prior: true,
            class_prior: None,
            force_alpha: true,
        }
    }
}

impl<L> MultinomialNBParams<L> {
    /// Additive (Laplace/Lidstone) smoothing (default 1; 0 for none). Must be
    /// finite and ≥ 0.
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.hp.alpha = alpha;
        self
    }

    /// Learn the class prior from the class counts (default) or use a uniform
    /// one (`false`). Ignored when `class_prior` is given.
    pub fn fit_prior(mut self, fit_prior: bool) -> Self {
        self.hp.fit_prior = fit_prior;
        self
    }

    /// Fixed prior probabilities, one per class in `classes_` order (checked
    /// against the number of classes at fit time).
    pub fn class_prior(mut self, class_prior: Vec<f64>) -> Self {
        self.hp.class_prior = Some(class_prior);
        self
    }

    /// Keep `alpha` as given (default `true`); when `false` an alpha below
    /// `1e-10` is raised to `1e-10`.
    pub fn force_alpha(mut self, force_alpha: bool) -> Self {
        self.hp.force_alpha = force_alpha;
        self
    }

    /// Validates the parameters into an unfitted estimator.
    pub fn build(self) -> Result<MultinomialNB<L>, Error> {
        if !(self.hp.alpha.is_finite() && self.hp.alpha >= 0.0) {
            return Err(Error::invalid_parameter(
                "alpha",
                format!(
                    "must be a finite float >= 0, got {}",
                    py_float(self.hp.alpha)
                ),
            ));
        }
        if let Some(p) = &self.hp.class_prior {
            if p.is_empty() || p.iter().any(|v| !(v.is_finite() && *v >= 0.0)) {
                return Err(Error::invalid_parameter(
                    "class_prior",
                    "must be a non-empty list of finite probabilities >= 0",
                ));
            }
        }
        Ok(MultinomialNB {
            params: self.hp,
            fitted: None,
        })
    }
}

impl NbHyper {
    fn effective_alpha(&self) -> f64 {
        if !self.force_alpha && self.alpha < 1e-10 {
            1e-10
        } else {
            self.alpha
        }
    }
}

/// Counts and the log probabilities derived from them. Invariants: `classes`
/// sorted and distinct; `class_count`, `class_log_prior` and the rows of both
/// arrays are in `classes` order; both arrays are `n_classes × n_features`.
#[derive(Clone, PartialEq)]
struct Fitted<L> {
    classes: Vec<L>,
    class_count: Vec<f64>,
    feature_count: Array2<f64>,
    feature_log_prob: Array2<f64>,
    class_log_prior: Vec<f64>,
}

/// Naive Bayes for multinomially distributed (count) features, as
/// scikit-learn's `MultinomialNB`.
///
/// ```
/// use dklearn_estimators::{Fit, MultinomialNB, PartialFit, Predict};
/// use dklearn_sparse::CsrMatrix;
/// use ndarray::array;
///
/// let x = CsrMatrix::from_dense(&array![[3.0, 0.0, 1.0], [0.0, 2.0, 1.0], [4.0, 1.0, 0.0]]);
/// let mut nb = MultinomialNB::params().alpha(0.5).build()?;
/// nb.partial_fit(&x, &["a", "b", "a"], Some(&["a", "b", "c"]))?;
/// assert_eq!(nb.predict(&x)?, vec!["a", "b", "a"]);
/// assert_eq!(nb.class_count_().unwrap(), &[2.0, 1.0, 0.0]);
/// assert_eq!(format!("{nb:?}"), "MultinomialNB(alpha=0.5)");
/// # Ok::<(), dklearn_estimators::Error>(())
/// ```
#[derive(Clone, PartialEq)]
pub struct MultinomialNB<L> {
    params: NbHyper,
    fitted: Option<Fitted<L>>,
}

impl<L> MultinomialNB<L> {
    /// The parameter builder, from scikit-learn's defaults (`alpha=1.0,
    /// fit_prior=True, class_prior=None, force_alpha=True`). The label type
    /// comes from the context or a turbofish: `MultinomialNB::<i8>::params()`.
    pub fn params() -> MultinomialNBParams<L> {
        MultinomialNBParams {
            hp: NbHyper::default(),
            _labels: PhantomData,
        }
    }
}

impl<L> Default for MultinomialNB<L> {
    fn default() -> Self {
        MultinomialNB {
            params: NbHyper::default(),
            fitted: None,
        }
    }
}

impl<L> fmt::Debug for MultinomialNB<L> {
    /// scikit-learn's repr: non-default parameters, sorted by name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = &self.params;
        let mut parts = Vec::new();
        if p.alpha != 1.0 {
            parts.push(format!("alpha={}", py_float(p.alpha)));
        }
        if let Some(cp) = &p.class_prior {
            let v: Vec<String> = cp.iter().map(|&x| py_float(x)).collect();
            parts.push(format!("class_prior=[{}]", v.join(", ")));
        }
        if !p.fit_prior {
            parts.push("fit_prior=False".to_string());
        }
        if !p.force_alpha {
            parts.push("force_alpha=False".to_string());
        }
        write!(f, "MultinomialNB({})", parts.join(", "))
    }
}

impl<L> MultinomialNB<L> {
    /// An unfitted estimator with scikit-learn's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// The hyper-parameters.
    pub fn get_params(&self) -> MultinomialNBParams<L> {
        MultinomialNBParams {
            hp: self.params.clone(),
            _labels: PhantomData,
        }
    }

    /// `classes_`, sorted.
    pub fn classes_(&self) -> Option<&[L]> {
        self.fitted.as_ref().map(|f| f.classes.as_slice())
    }

    /// `class_count_`: samples seen per class.
    pub fn class_count_(&self) -> Option<&[f64]> {
        self.fitted.as_ref().map(|f| f.class_count.as_slice())
    }

    /// `feature_count_`: `n_classes × n_features` summed feature values.
    pub fn feature_count_(&self) -> Option<&Array2<f64>> {
        self.fitted.as_ref().map(|f| &f.feature_count)
    }

    /// `feature_log_prob_`: smoothed `log P(x_j | c)`.
    pub fn feature_log_prob_(&self) -> Option<&Array2<f64>> {
        self.fitted.as_ref().map(|f| &f.feature_log_prob)
    }

    /// `class_log_prior_`: `log P(c)` (`-inf` for a class with no samples yet
    /// when the prior is fitted).
    pub fn class_log_prior_(&self) -> Option<&[f64]> {
        self.fitted.as_ref().map(|f| f.class_log_prior.as_slice())
    }

    /// `n_features_in_`.
    pub fn n_features_in_(&self) -> Option<usize> {
        self.fitted.as_ref().map(|f| f.feature_count.ncols())
    }

    /// `alpha`.
    pub fn alpha(&self) -> f64 {
        self.params.alpha
    }

    /// `fit_prior`.
    pub fn fit_prior(&self) -> bool {
        self.params.fit_prior
    }

    /// `class_prior`.
    pub fn class_prior(&self) -> Option<&[f64]> {
        self.params.class_prior.as_deref()
    }

    /// `force_alpha`.
    pub fn force_alpha(&self) -> bool {
        self.params.force_alpha
    }

    fn fitted(&self) -> Result<&Fitted<L>, Error> {
        self.fitted
            .as_ref()
            .ok_or(Error::new(ErrorKind::NotFitted("MultinomialNB")))
    }

    /// `log P(c) + Σⱼ xⱼ log P(j | c)`, `n_samples × n_classes`
    /// (scikit-learn's `predict_joint_log_proba`).
    pub fn predict_joint_log_proba(&self, x: &CsrMatrix) -> Result<Array2<f64>, Error> {
        let f = self.fitted()?;
        linear_scores(
            x,
            &f.feature_log_prob,
            &f.class_log_prior,
            "MultinomialNB.predict",
        )
    }

    /// The joint log likelihood normalised by `log P(x)` (a log-sum-exp
    /// computed as scikit-learn's `_logsumexp`).
    pub fn predict_log_proba(&self, x: &CsrMatrix) -> Result<Array2<f64>, Error> {
        let mut jll = self.predict_joint_log_proba(x)?;
        let mut shifted = Vec::new();
        for mut row in jll.rows_mut() {
            let mx = row.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v));
            let m = row.iter().filter(|&&v| v == mx).count() as f64;
            let shift = if mx.is_finite() { mx } else { 0.0 };
            shifted.clear();
            shifted.extend(
                row.iter()
                    .map(|&v| if v == mx { 0.0 } else { (v - shift).exp() }),
            );
            let mut s = np_sum(&shifted);
            if s != 0.0 {
                s /= m;
            }
            let lse = s.ln_1p() + m.ln() + mx;
            row.mapv_inplace(|v| v - lse);
        }
        Ok(jll)
    }

    /// `exp` of [`predict_log_proba`](Self::predict_log_proba): rows sum to 1.
    pub fn predict_proba(&self, x: &CsrMatrix) -> Result<Array2<f64>, Error> {
        Ok(self.predict_log_proba(x)?.mapv(f64::exp))
    }
}

impl<L: Ord + Clone> MultinomialNB<L> {
    /// Checks `x` and `y` for counting; nothing is changed on error.
    fn check_counts_input(
        &self,
        x: &CsrMatrix,
        y: &[L],
        n_features: Option<usize>,
        what: &'static str,
    ) -> Result<(), Error> {
        if x.n_rows() == 0 {
            return Err(Error::new(ErrorKind::EmptyInput(what)));
        }
        if y.len() != x.n_rows() {
            return Err(Error::new(ErrorKind::LengthMismatch {
                n_samples: x.n_rows(),
                n_labels: y.len(),
            }));
        }
        if x.n_cols() == 0 {
            // scikit-learn's check_X_y refuses it; fitting would give an
            // empty model that predicts from the prior alone.
            return Err(Error::new(ErrorKind::NoFeatures {
                what,
                n_samples: x.n_rows(),
            }));
        }
        if let Some(n) = n_features {
            if x.n_cols() != n {
                return Err(Error::new(ErrorKind::FeatureMismatch {
                    expected: n,
                    found: x.n_cols(),
                }));
            }
        }
        if x.has_non_finite() {
            return Err(Error::new(ErrorKind::NonFinite(what)));
        }
        if x.data().iter().any(|&v| v < 0.0) {
            return Err(Error::new(ErrorKind::NegativeValues(
                "MultinomialNB (input X)",
            )));
        }
        Ok(())
    }

    fn check_prior(&self, n_classes: usize, what: &'static str) -> Result<(), Error> {
        match &self.params.class_prior {
            Some(p) if p.len() != n_classes => Err(Error::new(ErrorKind::Other(format!(
                "{what}: number of priors ({}) must match number of classes ({n_classes})",
                p.len()
            )))),
            _ => Ok(()),
        }
    }

    /// Adds the counts of `(x, y)` (already checked) to `f` and recomputes
    /// the log probabilities.
    fn count_and_update(&self, f: &mut Fitted<L>, x: &CsrMatrix, y: &[L]) {
        let n_classes = f.classes.len();
        let mut batch = Array2::<f64>::zeros((n_classes, x.n_cols()));
        let mut batch_classes = vec![0.0; n_classes];
        for ((ind, val), label) in x.rows().zip(y) {
            // Checked by the callers: every label is a class.
            let k = f.classes.binary_search(label).unwrap_or(0);
            batch_classes[k] += 1.0;
            let mut row = batch.row_mut(k);
            for (&j, &v) in ind.iter().zip(val) {
                row[j] += v;
            }
        }
        f.feature_count += &batch;
        for (c, b) in f.class_count.iter_mut().zip(&batch_classes) {
            *c += b;
        }

        let alpha = self.params.effective_alpha();
        let smoothed = f.feature_count.mapv(|v| v + alpha);
        let mut flp = Array2::zeros(smoothed.dim());
        for (k, row) in smoothed.rows().into_iter().enumerate() {
            let total = match row.as_slice() {
                Some(s) => np_sum(s),
                None => np_sum(&row.to_vec()),
            };
            let log_total = total.ln();
            for (j, &v) in row.iter().enumerate() {
                flp[[k, j]] = v.ln() - log_total;
            }
        }
        f.feature_log_prob = flp;

        f.class_log_prior = match &self.params.class_prior {
            Some(p) => p.iter().map(|v| v.ln()).collect(),
            None if self.params.fit_prior => {
                let log_total = np_sum(&f.class_count).ln();
                f.class_count.iter().map(|c| c.ln() - log_total).collect()
            }
            None => vec![-(n_classes as f64).ln(); n_classes],
        };
    }

    fn empty_state(classes: Vec<L>, n_features: usize) -> Fitted<L> {
        let n = classes.len();
        Fitted {
            classes,
            class_count: vec![0.0; n],
            feature_count: Array2::zeros((n, n_features)),
            feature_log_prob: Array2::zeros((n, n_features)),
            class_log_prior: vec![0.0; n],
        }
    }
}

impl<L: Ord + Clone> Fit<L> for MultinomialNB<L> {
    /// Counts `(x, y)` from scratch (a single class is allowed, as in
    /// scikit-learn). Errors, leaving the estimator unchanged, on no samples,
    /// mismatched lengths, NaN/infinite or negative values, or a
    /// `class_prior` of the wrong length.
    fn fit(&mut self, x: &CsrMatrix, y: &[L]) -> Result<(), Error> {
        const WHAT: &str = "MultinomialNB.fit";
        self.check_counts_input(x, y, None, WHAT)?;
        let classes = unique_labels(y);
        self.check_prior(classes.len(), WHAT)?;
        let mut f = Self::empty_state(classes, x.n_cols());
        self.count_and_update(&mut f, x, y);
        self.fitted = Some(f);
        Ok(())
    }
}

impl<L: Ord + Clone> PartialFit<L> for MultinomialNB<L> {
    /// Adds the counts of one chunk. On the first call the classes are
    /// `classes` (or, when omitted, those of `y` if it holds at least two);
    /// later calls may repeat the same `classes`. Every label of `y` must be
    /// a class. Errors leave the estimator unchanged.
    fn partial_fit(&mut self, x: &CsrMatrix, y: &[L], classes: Option<&[L]>) -> Result<(), Error> {
        const WHAT: &str = "MultinomialNB.partial_fit";
        let n_features = self.fitted.as_ref().map(|f| f.feature_count.ncols());
        self.check_counts_input(x, y, n_features, WHAT)?;
        let resolved = match (&self.fitted, classes) {
            (None, Some(c)) => {
                let c = unique_labels(c);
                if c.is_empty() {
                    return Err(Error::new(ErrorKind::Classes(format!(
                        "{WHAT}: `classes` is empty"
                    ))));
                }
                Some(c)
            }
            (None, None) => {
                let c = unique_labels(y);
                if c.len() < 2 {
                    return Err(Error::new(ErrorKind::Classes(format!(
                        "{WHAT}: classes must be passed on the first call to partial_fit"
                    ))));
                }
                Some(c)
            }
            (Some(f), Some(c)) => {
                if unique_labels(c) != f.classes {
                    return Err(Error::new(ErrorKind::Classes(format!(
                        "{WHAT}: `classes` is not the same as on the previous call to partial_fit"
                    ))));
                }
                None
            }
            (Some(_), None) => None,
        };
        let known: &[L] = match (&resolved, &self.fitted) {
            (Some(c), _) => c,
            (None, Some(f)) => &f.classes,
            (None, None) => unreachable!("first calls always resolve classes"),
        };
        if let Some(i) = y.iter().position(|l| known.binary_search(l).is_err()) {
            return Err(Error::new(ErrorKind::UnknownLabel(format!(
                "{WHAT}: the label of sample {i} is not among classes"
            ))));
        }
        self.check_prior(known.len(), WHAT)?;
        let mut f = match (resolved, self.fitted.take()) {
            (Some(c), _) => Self::empty_state(c, x.n_cols()),
            (None, Some(f)) => f,
            (None, None) => unreachable!("first calls always resolve classes"),
        };
        self.count_and_update(&mut f, x, y);
        self.fitted = Some(f);
        Ok(())
    }
}

impl<L: Clone> Predict<L> for MultinomialNB<L> {
    /// The class of the largest joint log likelihood (first on ties).
    fn predict(&self, x: &CsrMatrix) -> Result<Vec<L>, Error> {
        let f = self.fitted()?;
        let jll = self.predict_joint_log_proba(x)?;
        Ok(jll
            .rows()
            .into_iter()
            .map(|row| {
                let mut best = 0;
                for (k, &v) in row.iter().enumerate() {
                    if v > row[best] {
                        best = k;
                    }
                }
                f.classes[best].clone()
            })
            .collect())
    }
}

impl<L: Clone + PartialEq> Score<L> for MultinomialNB<L> {}

impl dklearn_codec::Encode for NbHyper {
    dklearn_codec::encode_fields!("dklearn_estimators::NbHyper";
        alpha, fit_prior, class_prior, force_alpha);
}

impl<L: dklearn_codec::Encode> dklearn_codec::Encode for Fitted<L> {
    dklearn_codec::encode_fields!(format!("dklearn_estimators::NbFitted<{}>", L::type_tag());
        classes, class_count, feature_count, feature_log_prob, class_log_prior);
}

/// Hyper-parameters and fitted state, bit for bit (see `dklearn_codec`).
impl<L: dklearn_codec::Encode> dklearn_codec::Encode for MultinomialNB<L> {
    dklearn_codec::encode_fields!(
        format!("dklearn_estimators::MultinomialNB<{}>", L::type_tag());
        params, fitted
    );
}

impl<L> crate::traits::PredictProba for MultinomialNB<L> {
    fn predict_proba(&self, x: &CsrMatrix) -> Result<Array2<f64>, Error> {
        MultinomialNB::predict_proba(self, x)
    }
}

impl<L: Ord + Clone> MultinomialNB<L> {
    /// A copy of this estimator holding a fitted state given from outside (a
    /// saved model), checked: `classes` sorted, distinct, at least two; one
    /// `class_count` and `class_log_prior` per class; `feature_count` and
    /// `feature_log_prob` both `n_classes × n_features` with `n_features >= 1`;
    /// counts finite and `>= 0`; log probabilities not NaN and not `+inf`.
    /// The log probabilities are kept as given, so predictions equal those of
    /// the model that computed them.
    pub fn with_fitted_state(
        &self,
        classes: Vec<L>,
        class_count: Vec<f64>,
        feature_count: Array2<f64>,
        feature_log_prob: Array2<f64>,
        class_log_prior: Vec<f64>,
    ) -> Result<Self, Error> {
        const WHAT: &str = "MultinomialNB.with_fitted_state";
        if classes.len() < 2 || classes.windows(2).any(|w| w[0] >= w[1]) {
            return Err(Error::new(ErrorKind::Classes(format!(
                "{WHAT}: classes must be sorted, distinct and at least two"
            ))));
        }
        let k = classes.len();
        let bad_shape = |name: &'static str, got: String| {
            Error::invalid_parameter(name, format!("{WHAT}: {k} classes; got shape {got}"))
        };
        if class_count.len() != k {
            return Err(bad_shape(
                "class_count_",
                format!("({},)", class_count.len()),
            ));
        }
        if class_log_prior.len() != k {
            return Err(bad_shape(
                "class_log_prior_",
                format!("({},)", class_log_prior.len()),
            ));
        }
        if feature_count.nrows() != k || feature_count.ncols() == 0 {
            return Err(bad_shape(
                "feature_count_",
                format!("{:?}", feature_count.dim()),
            ));
        }
        if feature_log_prob.dim() != feature_count.dim() {
            return Err(bad_shape(
                "feature_log_prob_",
                format!("{:?}", feature_log_prob.dim()),
            ));
        }
        let counts_ok = |v: &f64| v.is_finite() && *v >= 0.0;
        if !class_count.iter().all(counts_ok) || !feature_count.iter().all(counts_ok) {
            return Err(Error::invalid_parameter(
                "class_count_",
                format!("{WHAT}: counts must be finite and >= 0"),
            ));
        }
        let log_ok = |v: &f64| !v.is_nan() && *v != f64::INFINITY;
        if !class_log_prior.iter().all(log_ok) || !feature_log_prob.iter().all(log_ok) {
            return Err(Error::invalid_parameter(
                "feature_log_prob_",
                format!("{WHAT}: log probabilities hold NaN or +inf"),
            ));
        }
        Ok(MultinomialNB {
            params: self.params.clone(),
            fitted: Some(Fitted {
                classes,
                class_count,
                feature_count: feature_count.as_standard_layout().into_owned(),
                feature_log_prob: feature_log_prob.as_standard_layout().into_owned(),
                class_log_prior,
            }),
        })
    }
}

/// `predict_proba`; no `decision_function` (as scikit-learn's).
impl<L: Ord + Clone> crate::traits::ResponseMethods<L> for MultinomialNB<L> {
    fn has_predict_proba(&self) -> bool {
        true
    }
    fn proba_values(&self, x: &CsrMatrix) -> Result<Array2<f64>, Error> {
        MultinomialNB::predict_proba(self, x)
    }
    fn fitted_classes(&self) -> Option<&[L]> {
        MultinomialNB::classes_(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn numpy_sum_order() {
        let a: Vec<f64> = (0..300).map(|i| 1.0 / (i as f64 + 1.0)).collect();
        let naive: f64 = a.iter().sum();
        assert!((np_sum(&a) - naive).abs() < 1e-12);
        assert_eq!(np_sum(&[]), 0.0);
        assert_eq!(np_sum(&[2.0, 3.0]), 5.0);
    }

    #[test]
    fn partial_fit_equals_fit() {
        let x = CsrMatrix::from_dense(&array![
            [1.0, 0.0, 2.0],
            [0.0, 3.0, 0.0],
            [1.0, 1.0, 1.0],
            [0.0, 0.0, 5.0]
        ]);
        let y = [1, 2, 1, 3];
        let mut a = MultinomialNB::new();
        a.fit(&x, &y).unwrap();
        let mut b = MultinomialNB::new();
        let top = x.select_rows(&[0, 1]).unwrap();
        let bottom = x.select_rows(&[2, 3]).unwrap();
        b.partial_fit(&top, &y[..2], Some(&[3, 1, 2])).unwrap();
        b.partial_fit(&bottom, &y[2..], None).unwrap();
        assert_eq!(a.feature_count_(), b.feature_count_());
        assert_eq!(a.class_count_(), b.class_count_());
        assert_eq!(a.feature_log_prob_(), b.feature_log_prob_());
        assert_eq!(a.predict(&x).unwrap(), b.predict(&x).unwrap());
    }

    #[test]
    fn errors_leave_state_unchanged() {
        let x = CsrMatrix::from_dense(&array![[1.0, 0.0], [0.0, 1.0]]);
        let mut nb = MultinomialNB::new();
        nb.partial_fit(&x, &[0, 1], None).unwrap();
        let before = nb.clone();
        let neg = CsrMatrix::from_dense(&array![[-1.0, 0.0]]);
        assert!(matches!(
            nb.partial_fit(&neg, &[0], None).unwrap_err().kind(),
            ErrorKind::NegativeValues(_)
        ));
        assert!(matches!(
            nb.partial_fit(&x, &[0, 5], None).unwrap_err().kind(),
            ErrorKind::UnknownLabel(_)
        ));
        assert!(matches!(
            nb.partial_fit(&x, &[0, 1], Some(&[0, 1, 2]))
                .unwrap_err()
                .kind(),
            ErrorKind::Classes(_)
        ));
        assert!(matches!(
            nb.partial_fit(&CsrMatrix::zeros(1, 3), &[0], None)
                .unwrap_err()
                .kind(),
            ErrorKind::FeatureMismatch { .. }
        ));
        assert!(nb == before);
        let mut fresh: MultinomialNB<i32> = MultinomialNB::new();
        assert!(matches!(
            fresh.partial_fit(&x, &[1, 1], None).unwrap_err().kind(),
            ErrorKind::Classes(_)
        ));
    }

    #[test]
    fn repr_and_params() {
        let nb: MultinomialNB<i32> = MultinomialNB::<i32>::params()
            .fit_prior(false)
            .class_prior(vec![0.25, 0.75])
            .build()
            .unwrap();
        assert_eq!(
            format!("{nb:?}"),
            "MultinomialNB(class_prior=[0.25, 0.75], fit_prior=False)"
        );
        assert!(MultinomialNB::<i32>::params().alpha(-1.0).build().is_err());
        assert!(MultinomialNB::<i32>::params()
            .class_prior(vec![f64::NAN])
            .build()
            .is_err());
    }
}
