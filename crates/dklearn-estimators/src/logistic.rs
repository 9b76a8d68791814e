//! `LogisticRegression(solver='liblinear')`: L2-regularised logistic regression
//! fitted in the primal by liblinear's trust-region Newton method, with
//! scikit-learn 1.9.1's label handling, intercept and outputs.
//!
//! What is kept from scikit-learn: `classes_` sorted; two classes give one
//! weight row whose positive side is `classes_[1]`; more give one-vs-rest rows
//! in `classes_` order (liblinear's own multiclass scheme, which scikit-learn
//! 1.9.1 reaches through `OneVsRestClassifier` or `_fit_liblinear`); the
//! intercept is the weight of a constant feature `intercept_scaling` appended
//! to every row, regularised like the others; `n_iter_` counts accepted TRON
//! steps per row. `class_weight`, `sample_weight`, `penalty='l1'` and the dual
//! solvers are not implemented.

use crate::error::{Error, ErrorKind};
use crate::labels::LabelEncoder;
use crate::liblinear;
use crate::traits::{DecisionFunction, Fit, LinearClassifier, Predict, Score};
use dklearn_sparse::CsrMatrix;
use ndarray::Array2;
use std::fmt;
use std::marker::PhantomData;

/// Python's `repr` of a float (`1.0`, `0.001`, `1e-05`, `1e+16`), so `Debug`
/// output reads like scikit-learn's.
pub(crate) fn py_float(v: f64) -> String {
    if v.is_nan() {
        return "nan".to_string();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    let sci = format!("{v:e}");
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-4..16).contains(&exp) {
        let s = format!("{v}");
        if s.contains('.') {
            s
        } else {
            format!("{s}.0")
        }
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mant}e{sign}{:02}", exp.abs())
    }
}

/// Checked hyper-parameters of [`LogisticRegression`], built with
/// [`LogisticRegression::params`]: every value is validated by
/// [`build`](LogisticRegressionParams::build), so a fit never meets an
/// invalid one.
pub struct LogisticRegressionParams<L> {
    hp: LrHyper,
    _labels: PhantomData<fn() -> L>,
}

// By hand: derives would ask `L: Clone` etc. of the label type.
impl<L> Clone for LogisticRegressionParams<L> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<L> Copy for LogisticRegressionParams<L> {}
impl<L> PartialEq for LogisticRegressionParams<L> {
    fn eq(&self, other: &Self) -> bool {
        self.hp == other.hp
    }
}
impl<L> fmt::Debug for LogisticRegressionParams<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.hp.fmt(f)
    }
}

/// The values of [`LogisticRegressionParams`], stored in the estimator.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct LrHyper {
    c: f64,
    tol: f64,
    max_iter: usize,
    fit_intercept: bool,
    intercept_scaling: f64,
}

impl Default for LrHyper {
    fn default() -> Self {
        LrHyper {
            c: 1.0,
            tol: 1e-4,
            max_iter: 100,
            fit_intercept: true,
            intercept_scaling: 1.0,
        }
    }
}

impl<L> LogisticRegressionParams<L> {
    /// Inverse regularisation strength (`C`, default 1): must be finite and > 0.
    pub fn c(mut self, c: f64) -> Self {
        self.hp.c = c;
        self
    }

    /// Stopping tolerance (default `1e-4`), scaled as liblinear does by
    /// `max(min(#pos, #neg), 1) / n_samples` and applied to the gradient norm
    /// relative to its value at `w = 0`. Must be finite and ≥ 0.
    pub fn tol(mut self, tol: f64) -> Self {
        self.hp.tol = tol;
        self
    }

    /// Most accepted Newton steps per weight row (default 100).
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.hp.max_iter = max_iter;
        self
    }

    /// Whether to fit an intercept (default `true`).
    pub fn fit_intercept(mut self, fit_intercept: bool) -> Self {
        self.hp.fit_intercept = fit_intercept;
        self
    }

    /// The constant feature appended for the intercept (default 1): the
    /// larger, the less the intercept is regularised. Must be finite and > 0.
    pub fn intercept_scaling(mut self, intercept_scaling: f64) -> Self {
        self.hp.intercept_scaling = intercept_scaling;
        self
    }

    /// Validates the parameters into an unfitted estimator.
    pub fn build(self) -> Result<LogisticRegression<L>, Error> {
        if !(self.hp.c.is_finite() && self.hp.c > 0.0) {
            return Err(Error::invalid_parameter(
                "C",
                format!("must be a finite float > 0, got {}", py_float(self.hp.c)),
            ));
        }
        if !(self.hp.tol.is_finite() && self.hp.tol >= 0.0) {
            return Err(Error::invalid_parameter(
                "tol",
                format!("must be a finite float >= 0, got {}", py_float(self.hp.tol)),
            ));
        }
        if !(self.hp.intercept_scaling.is_finite() && self.hp.intercept_scaling > 0.0) {
            return Err(Error::invalid_parameter(
                "intercept_scaling",
                format!(
                    "must be a finite float > 0, got {}",
                    py_float(self.hp.intercept_scaling)
                ),
            ));
        }
        Ok(LogisticRegression {
            params: self.hp,
            fitted: None,
        })
    }
}

/// What a fit learns. Invariants: `coef` has `intercept.len()` rows, one for
/// two classes and `classes.len()` otherwise; `classes` is sorted, distinct,
/// with at least two entries.
#[derive(Clone, PartialEq)]
struct Fitted<L> {
    coef: Array2<f64>,
    intercept: Vec<f64>,
    classes: Vec<L>,
    n_iter: Option<Vec<usize>>,
}

/// Logistic regression with scikit-learn's `solver='liblinear'` (L2 penalty,
/// primal trust-region Newton, one-vs-rest for more than two classes).
///
/// ```
/// use dklearn_estimators::{Fit, LogisticRegression, Predict};
/// use dklearn_sparse::CsrMatrix;
/// use ndarray::array;
///
/// let x = CsrMatrix::from_dense(&array![[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 1.2]]);
/// let mut lr = LogisticRegression::params().c(10.0).build()?;
/// lr.fit(&x, &["ham", "ham", "spam", "spam"])?;
/// assert_eq!(lr.predict(&x)?, vec!["ham", "ham", "spam", "spam"]);
/// assert_eq!(format!("{lr:?}"), "LogisticRegression(C=10.0, solver='liblinear')");
/// assert_eq!(lr.coef_().unwrap().dim(), (1, 2));
/// # Ok::<(), dklearn_estimators::Error>(())
/// ```
#[derive(Clone, PartialEq)]
pub struct LogisticRegression<L> {
    params: LrHyper,
    fitted: Option<Fitted<L>>,
}

impl<L> LogisticRegression<L> {
    /// The parameter builder, starting from scikit-learn's defaults
    /// (`C=1.0, tol=1e-4, max_iter=100, fit_intercept=True, intercept_scaling=1`).
    /// The label type comes from the context or a turbofish:
    /// `LogisticRegression::<i8>::params()`.
    pub fn params() -> LogisticRegressionParams<L> {
        LogisticRegressionParams {
            hp: LrHyper::default(),
            _labels: PhantomData,
        }
    }
}

impl<L> Default for LogisticRegression<L> {
    fn default() -> Self {
        LogisticRegression {
            params: LrHyper::default(),
            fitted: None,
        }
    }
}

impl<L> fmt::Debug for LogisticRegression<L> {
    /// scikit-learn's repr: the parameters that differ from scikit-learn's
    /// defaults, sorted by name (`solver='liblinear'` always differs).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = &self.params;
        let d = LrHyper::default();
        let mut parts = Vec::new();
        if p.c != d.c {
            parts.push(format!("C={}", py_float(p.c)));
        }
        if p.fit_intercept != d.fit_intercept {
            parts.push("fit_intercept=False".to_string());
        }
        if p.intercept_scaling != d.intercept_scaling {
            parts.push(format!(
                "intercept_scaling={}",
                py_float(p.intercept_scaling)
            ));
        }
        if p.max_iter != d.max_iter {
            parts.push(format!("max_iter={}", p.max_iter));
        }
        parts.push("solver='liblinear'".to_string());
        if p.tol != d.tol {
            parts.push(format!("tol={}", py_float(p.tol)));
        }
        write!(f, "LogisticRegression({})", parts.join(", "))
    }
}

impl<L> LogisticRegression<L> {
    /// An unfitted estimator with scikit-learn's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// The hyper-parameters.
    pub fn get_params(&self) -> LogisticRegressionParams<L> {
        LogisticRegressionParams {
            hp: self.params,
            _labels: PhantomData,
        }
    }

    /// `C`.
    pub fn c(&self) -> f64 {
        self.params.c
    }

    /// `tol`.
    pub fn tol(&self) -> f64 {
        self.params.tol
    }

    /// `max_iter`.
    pub fn max_iter(&self) -> usize {
        self.params.max_iter
    }

    /// `fit_intercept`.
    pub fn fit_intercept(&self) -> bool {
        self.params.fit_intercept
    }

    /// `intercept_scaling`.
    pub fn intercept_scaling(&self) -> f64 {
        self.params.intercept_scaling
    }

    /// `coef_`: `1 × n_features` for two classes, else `n_classes × n_features`.
    pub fn coef_(&self) -> Option<&Array2<f64>> {
        self.fitted.as_ref().map(|f| &f.coef)
    }

    /// `intercept_`, one per row of `coef_` (zeros without intercept).
    pub fn intercept_(&self) -> Option<&[f64]> {
        self.fitted.as_ref().map(|f| f.intercept.as_slice())
    }

    /// `classes_`, sorted.
    pub fn classes_(&self) -> Option<&[L]> {
        self.fitted.as_ref().map(|f| f.classes.as_slice())
    }

    /// `n_iter_`: accepted TRON steps per row of `coef_`; `None` before
    /// fitting and for a model rebuilt by [`LinearClassifier::with_coef`].
    pub fn n_iter_(&self) -> Option<&[usize]> {
        self.fitted.as_ref().and_then(|f| f.n_iter.as_deref())
    }

    /// `n_features_in_`.
    pub fn n_features_in_(&self) -> Option<usize> {
        self.fitted.as_ref().map(|f| f.coef.ncols())
    }

    fn fitted(&self) -> Result<&Fitted<L>, Error> {
        self.fitted
            .as_ref()
            .ok_or(Error::new(ErrorKind::NotFitted("LogisticRegression")))
    }

    /// Probability of each class, `n_samples × n_classes` in `classes_` order:
    /// the logistic function of the decision value for two classes; for more,
    /// each row's one-vs-rest logistic values normalised to sum to 1 (uniform
    /// where all are 0), as scikit-learn's `_predict_proba_lr`.
    pub fn predict_proba(&self, x: &CsrMatrix) -> Result<Array2<f64>, Error> {
        let dec = self.decision_function(x)?;
        let n = dec.nrows();
        if dec.ncols() == 1 {
            let mut out = Array2::zeros((n, 2));
            for i in 0..n {
                let p = expit(dec[[i, 0]]);
                out[[i, 0]] = 1.0 - p;
                out[[i, 1]] = p;
            }
            return Ok(out);
        }
        let mut prob = dec.mapv(expit);
        for mut row in prob.rows_mut() {
            let s: f64 = row.sum();
            if s == 0.0 {
                let k = row.len() as f64;
                row.fill(1.0 / k);
            } else {
                row.mapv_inplace(|p| p / s);
            }
        }
        Ok(prob)
    }

    /// The natural logarithm of [`predict_proba`](Self::predict_proba).
    pub fn predict_log_proba(&self, x: &CsrMatrix) -> Result<Array2<f64>, Error> {
        Ok(self.predict_proba(x)?.mapv(f64::ln))
    }
}

/// The logistic function, `1 / (1 + e^{-t})`, as scipy's `expit`.
pub(crate) fn expit(t: f64) -> f64 {
    1.0 / (1.0 + (-t).exp())
}

/// Whether every value is finite and at most `1e30`, in one branch-free
/// pass that vectorises (the common case of [`LogisticRegression`]'s fit,
/// which then skips its two separate checks and their early exits).
fn finite_and_at_most_1e30(data: &[f64]) -> bool {
    // NaN is in no range, ±inf outside this one.
    data.iter()
        .fold(true, |ok, &v| ok & (f64::MIN..=1e30).contains(&v))
}

/// `X Wᵀ + b` with each row's products summed in stored order before the
/// intercept is added, as scipy's CSR × dense product.
pub(crate) fn linear_scores(
    x: &CsrMatrix,
    coef: &Array2<f64>,
    intercept: &[f64],
    what: &'static str,
) -> Result<Array2<f64>, Error> {
    if x.has_non_finite() {
        return Err(Error::new(ErrorKind::NonFinite(what)));
    }
    if x.n_cols() != coef.ncols() {
        return Err(Error::new(ErrorKind::FeatureMismatch {
            expected: coef.ncols(),
            found: x.n_cols(),
        }));
    }
    let n_models = coef.nrows();
    let mut out = Array2::zeros((x.n_rows(), n_models));
    for (i, (ind, val)) in x.rows().enumerate() {
        for m in 0..n_models {
            let w = coef.row(m);
            let mut acc = 0.0;
            for (&j, &v) in ind.iter().zip(val) {
                acc += v * w[j];
            }
            out[[i, m]] = acc + intercept[m];
        }
    }
    Ok(out)
}

impl<L: Ord + Clone + fmt::Debug> Fit<L> for LogisticRegression<L> {
    /// Fits liblinear's L2-regularised logistic regression; errors (leaving
    /// the estimator unchanged) on no samples or features, `y` of another
    /// length, NaN/infinite or `> 1e30` values, or a single class.
    fn fit(&mut self, x: &CsrMatrix, y: &[L]) -> Result<(), Error> {
        const WHAT: &str = "LogisticRegression.fit";
        if x.n_rows() == 0 {
            return Err(Error::new(ErrorKind::EmptyInput(WHAT)));
        }
        if x.n_cols() == 0 {
            return Err(Error::new(ErrorKind::Other(format!(
                "{WHAT}: found array with 0 feature(s) (shape=({}, 0)) while a minimum of 1 \
                 is required",
                x.n_rows()
            ))));
        }
        if y.len() != x.n_rows() {
            return Err(Error::new(ErrorKind::LengthMismatch {
                n_samples: x.n_rows(),
                n_labels: y.len(),
            }));
        }
        if !finite_and_at_most_1e30(x.data()) {
            if x.has_non_finite() {
                return Err(Error::new(ErrorKind::NonFinite(WHAT)));
            }
            return Err(Error::new(ErrorKind::Other(format!(
                "{WHAT}: using the 'liblinear' solver while X contains a maximum value > 1e30 \
                 results in a frozen fit; rescale X"
            ))));
        }
        let classes = crate::labels::unique_labels(y);
        if classes.len() < 2 {
            return Err(Error::new(ErrorKind::SingleClass(format!(
                "{WHAT}: this solver needs samples of at least 2 classes in the data, but the \
                 data contains only one class: {:?}",
                classes[0]
            ))));
        }
        let enc = LabelEncoder::from_classes(&classes, WHAT)?;
        let encoded = enc.transform(y, WHAT)?;
        let p = &self.params;
        let bias = p.fit_intercept.then_some(p.intercept_scaling);
        let m = liblinear::train(x, &encoded, enc.n_classes(), p.c, p.tol, p.max_iter, bias)?;
        let intercept = match bias {
            Some(s) => m.bias_weight.iter().map(|w| s * w).collect(),
            None => vec![0.0; m.bias_weight.len()],
        };
        self.fitted = Some(Fitted {
            coef: m.coef,
            intercept,
            classes: enc.classes().to_vec(),
            n_iter: Some(m.n_iter),
        });
        Ok(())
    }
}

impl<L> DecisionFunction for LogisticRegression<L> {
    fn decision_function(&self, x: &CsrMatrix) -> Result<Array2<f64>, Error> {
        let f = self.fitted()?;
        linear_scores(
            x,
            &f.coef,
            &f.intercept,
            "LogisticRegression.decision_function",
        )
    }
}

impl<L: Clone> Predict<L> for LogisticRegression<L> {
    /// `classes_[1]` where the decision value is `> 0` (two classes), else
    /// the class of the largest one-vs-rest value (first on ties).
    fn predict(&self, x: &CsrMatrix) -> Result<Vec<L>, Error> {
        let f = self.fitted()?;
        let dec = linear_scores(x, &f.coef, &f.intercept, "LogisticRegression.predict")?;
        Ok(dec
            .rows()
            .into_iter()
            .map(|row| {
                let k = if row.len() == 1 {
                    usize::from(row[0] > 0.0)
                } else {
                    let mut best = 0;
                    for (k, &s) in row.iter().enumerate() {
                        if s > row[best] {
                            best = k;
                        }
                    }
                    best
                };
                f.classes[k].clone()
            })
            .collect())
    }
}

impl<L: Clone + PartialEq> Score<L> for LogisticRegression<L> {}

impl<L> crate::traits::PredictProba for LogisticRegression<L> {
    fn predict_proba(&self, x: &CsrMatrix) -> Result<Array2<f64>, Error> {
        LogisticRegression::predict_proba(self, x)
    }
}

impl<L: Ord + Clone> LogisticRegression<L> {
    /// A copy of this estimator holding a fitted state given from outside
    /// (a saved model): `coef_`, `intercept_`, `classes_` as
    /// [`LinearClassifier::with_coef`] checks them, all finite, and `n_iter_`
    /// (one count per row of `coef_`, or none).
    pub fn with_fitted_state(
        &self,
        coef: Array2<f64>,
        intercept: Vec<f64>,
        classes: Vec<L>,
        n_iter: Option<Vec<usize>>,
    ) -> Result<Self, Error> {
        const WHAT: &str = "LogisticRegression.with_fitted_state";
        check_linear_state(&coef, &intercept, &classes, WHAT)?;
        if coef.iter().chain(&intercept).any(|v| !v.is_finite()) {
            return Err(Error::invalid_parameter(
                "coef_",
                format!("{WHAT}: coef_ or intercept_ holds NaN or infinity"),
            ));
        }
        if let Some(n) = &n_iter {
            if n.len() != coef.nrows() {
                return Err(Error::invalid_parameter(
                    "n_iter_",
                    format!(
                        "{WHAT}: one count per row of coef_ ({}); got {}",
                        coef.nrows(),
                        n.len()
                    ),
                ));
            }
        }
        Ok(LogisticRegression {
            params: self.params,
            fitted: Some(Fitted {
                coef: coef.as_standard_layout().into_owned(),
                intercept,
                classes,
                n_iter,
            }),
        })
    }
}

impl<L: Ord + Clone> LinearClassifier<L> for LogisticRegression<L> {
    fn coef_(&self) -> Option<&Array2<f64>> {
        LogisticRegression::coef_(self)
    }

    fn intercept_(&self) -> Option<&[f64]> {
        LogisticRegression::intercept_(self)
    }

    fn classes_(&self) -> Option<&[L]> {
        LogisticRegression::classes_(self)
    }

    fn with_coef(
        &self,
        coef: Array2<f64>,
        intercept: Vec<f64>,
        classes: Vec<L>,
    ) -> Result<Self, Error> {
        check_linear_state(&coef, &intercept, &classes, "LogisticRegression.with_coef")?;
        Ok(LogisticRegression {
            params: self.params,
            fitted: Some(Fitted {
                coef,
                intercept,
                classes,
                n_iter: None,
            }),
        })
    }
}

/// Checks the invariants of a linear model's state given from outside.
pub(crate) fn check_linear_state<L: Ord>(
    coef: &Array2<f64>,
    intercept: &[f64],
    classes: &[L],
    what: &'static str,
) -> Result<(), Error> {
    if classes.len() < 2 || classes.windows(2).any(|w| w[0] >= w[1]) {
        return Err(Error::new(ErrorKind::Classes(format!(
            "{what}: classes must be sorted, distinct and at least two, got {} (unsorted or \
             repeated entries count as invalid)",
            classes.len()
        ))));
    }
    let rows = if classes.len() == 2 { 1 } else { classes.len() };
    if coef.nrows() != rows || intercept.len() != rows {
        return Err(Error::new(ErrorKind::Other(format!(
            "{what}: {} classes need {rows} weight row(s) and intercept(s), got coef with {} \
             row(s) and {} intercept(s)",
            classes.len(),
            coef.nrows(),
            intercept.len()
        ))));
    }
    Ok(())
}

impl dklearn_codec::Encode for LrHyper {
    dklearn_codec::encode_fields!("dklearn_estimators::LrHyper";
        c, tol, max_iter, fit_intercept, intercept_scaling);
}

impl<L: dklearn_codec::Encode> dklearn_codec::Encode for Fitted<L> {
    dklearn_codec::encode_fields!(format!("dklearn_estimators::LrFitted<{}>", L::type_tag());
        coef, intercept, classes, n_iter);
}

/// Hyper-parameters and fitted state, bit for bit (see `dklearn_codec`).
impl<L: dklearn_codec::Encode> dklearn_codec::Encode for LogisticRegression<L> {
    dklearn_codec::encode_fields!(
        format!("dklearn_estimators::LogisticRegression<{}>", L::type_tag());
        params, fitted
    );
}

/// Both `decision_function` and `predict_proba`.
impl<L: Ord + Clone> crate::traits::ResponseMethods<L> for LogisticRegression<L> {
    fn has_decision_function(&self) -> bool {
        true
    }
    fn has_predict_proba(&self) -> bool {
        true
    }
    fn decision_values(&self, x: &CsrMatrix) -> Result<Array2<f64>, Error> {
        self.decision_function(x)
    }
    fn proba_values(&self, x: &CsrMatrix) -> Result<Array2<f64>, Error> {
        LogisticRegression::predict_proba(self, x)
    }
    fn fitted_classes(&self) -> Option<&[L]> {
        LogisticRegression::classes_(self)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_fused_value_check_agrees_with_the_two_checks() {
        let values = [
            0.0,
            -0.0,
            1.0,
            -1e308,
            1e30,
            1.0000000000000001e30,
            1.1e30,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ];
        for a in values {
            for b in values {
                let d = [a, 1.0, b];
                let want = d.iter().all(|v| v.is_finite()) && !d.iter().any(|&v| v > 1e30);
                assert_eq!(super::finite_and_at_most_1e30(&d), want, "{d:?}");
            }
        }
    }

    use super::*;
    use ndarray::array;

    #[test]
    fn python_float_repr() {
        assert_eq!(py_float(1.0), "1.0");
        assert_eq!(py_float(0.001), "0.001");
        assert_eq!(py_float(1e-4), "0.0001");
        assert_eq!(py_float(1e-5), "1e-05");
        assert_eq!(py_float(2.5e-7), "2.5e-07");
        assert_eq!(py_float(1e16), "1e+16");
        assert_eq!(py_float(123456.0), "123456.0");
        assert_eq!(py_float(-0.5), "-0.5");
        assert_eq!(py_float(0.1 + 0.2), "0.30000000000000004");
    }

    #[test]
    fn repr_lists_non_default_params_sorted() {
        let lr: LogisticRegression<i32> = LogisticRegression::new();
        assert_eq!(format!("{lr:?}"), "LogisticRegression(solver='liblinear')");
        let lr: LogisticRegression<i32> = LogisticRegression::<i32>::params()
            .tol(1e-6)
            .c(0.5)
            .max_iter(7)
            .fit_intercept(false)
            .build()
            .unwrap();
        assert_eq!(
            format!("{lr:?}"),
            "LogisticRegression(C=0.5, fit_intercept=False, max_iter=7, solver='liblinear', \
             tol=1e-06)"
        );
    }

    #[test]
    fn invalid_params_fail_at_build() {
        for c in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let e = LogisticRegression::<i32>::params()
                .c(c)
                .build()
                .unwrap_err();
            assert!(matches!(
                e.kind(),
                ErrorKind::InvalidParameter { name: "C", .. }
            ));
        }
        let e = LogisticRegression::<i32>::params().tol(-1.0).build();
        assert!(e.is_err());
        let e = LogisticRegression::<i32>::params()
            .intercept_scaling(0.0)
            .build();
        assert!(e.is_err());
    }

    #[test]
    fn proba_rows_sum_to_one_and_match_decision() {
        let x = CsrMatrix::from_dense(&array![
            [1.0, 0.0, 0.0],
            [0.0, 1.0, 0.0],
            [0.0, 0.0, 1.0],
            [0.5, 0.5, 0.0]
        ]);
        let mut lr = LogisticRegression::new();
        lr.fit(&x, &[0, 1, 2, 0]).unwrap();
        let p = lr.predict_proba(&x).unwrap();
        for row in p.rows() {
            assert!((row.sum() - 1.0).abs() < 1e-12);
        }
        let mut lr2 = LogisticRegression::new();
        lr2.fit(&x, &[0, 1, 1, 0]).unwrap();
        let d = lr2.decision_function(&x).unwrap();
        let p = lr2.predict_proba(&x).unwrap();
        for i in 0..4 {
            assert!((p[[i, 1]] - 1.0 / (1.0 + (-d[[i, 0]]).exp())).abs() < 1e-15);
        }
    }

    #[test]
    fn not_fitted_and_with_coef_checks() {
        let lr: LogisticRegression<i32> = LogisticRegression::new();
        let x = CsrMatrix::zeros(1, 2);
        assert!(matches!(
            lr.predict(&x).unwrap_err().kind(),
            ErrorKind::NotFitted(_)
        ));
        assert!(lr
            .with_coef(Array2::zeros((2, 2)), vec![0.0, 0.0], vec![0, 1])
            .is_err());
        assert!(lr
            .with_coef(Array2::zeros((1, 2)), vec![0.0], vec![1, 0])
            .is_err());
        let m = lr
            .with_coef(array![[1.0, -1.0]], vec![0.5], vec![3, 7])
            .unwrap();
        let x = CsrMatrix::from_dense(&array![[1.0, 0.0], [0.0, 2.0]]);
        assert_eq!(m.predict(&x).unwrap(), vec![7, 3]);
        assert_eq!(m.n_iter_(), None);
    }
}
