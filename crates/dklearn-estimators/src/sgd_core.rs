//! The fitted state and the `fit` / `partial_fit` driver shared by the SGD
//! family (scikit-learn's `BaseSGDClassifier`): label encoding, one binary
//! problem per weight vector (one-vs-rest for more than two classes), `t_`
//! continuing across `partial_fit` calls, and the averaged-SGD bookkeeping of
//! `coef_` / `intercept_` exactly as scikit-learn 1.9.1 keeps it.

use crate::error::{Error, ErrorKind};
use crate::labels::LabelEncoder;
use crate::sgd_fast::{plain_sgd, sklearn_ovr_seeds, sklearn_shuffle_seed, Binary, SgdConfig};
use dklearn_sparse::CsrMatrix;
use ndarray::Array2;

/// scikit-learn's intercept decay for sparse input (every input here is CSR).
pub(crate) const SPARSE_INTERCEPT_DECAY: f64 = 0.01;

/// The learned state of an SGD-family classifier.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fitted<L> {
    pub enc: LabelEncoder<L>,
    pub n_features: usize,
    /// The plain SGD iterate, `n_models × n_features`.
    pub std_coef: Array2<f64>,
    /// The averaged iterate (present when `average` is on).
    pub avg_coef: Option<Array2<f64>>,
    pub std_intercept: Vec<f64>,
    pub avg_intercept: Vec<f64>,
    /// `coef_` / `intercept_` are the averaged arrays (averaging has started).
    pub exposes_average: bool,
    /// Multi-class only: scikit-learn writes each new plain intercept into the
    /// array `intercept_` names, which is the averaged one once averaging started.
    pub intercept_is_avg: bool,
    pub t: f64,
    pub n_iter: usize,
}

impl<L> Fitted<L> {
    pub(crate) fn coef(&self) -> &Array2<f64> {
        match (&self.avg_coef, self.exposes_average) {
            (Some(a), true) => a,
            _ => &self.std_coef,
        }
    }

    pub(crate) fn intercept(&self) -> &[f64] {
        if self.intercept_is_avg {
            &self.avg_intercept
        } else {
            &self.std_intercept
        }
    }
}

/// What varies between the members of the family, fixed for one call.
pub(crate) struct CallParams {
    pub cfg: SgdConfig,
    pub random_state: u32,
}

/// Checks `x` and `y` as scikit-learn's `validate_data` does for a fit.
pub(crate) fn check_fit_input(
    x: &CsrMatrix,
    n_labels: usize,
    expected_features: Option<usize>,
    what: &'static str,
) -> Result<(), Error> {
    if x.n_rows() == 0 {
        return Err(Error::new(ErrorKind::EmptyInput(what)));
    }
    if x.n_rows() != n_labels {
        return Err(Error::new(ErrorKind::LengthMismatch {
            n_samples: x.n_rows(),
            n_labels,
        }));
    }
    if x.n_cols() == 0 {
        return Err(Error::new(ErrorKind::EmptyInput(what)));
    }
    if let Some(expected) = expected_features {
        if x.n_cols() != expected {
            return Err(Error::new(ErrorKind::FeatureMismatch {
                expected,
                found: x.n_cols(),
            }));
        }
    }
    if x.has_non_finite() {
        return Err(Error::new(ErrorKind::NonFinite(what)));
    }
    Ok(())
}

/// One scikit-learn `_partial_fit`: `fitted` is the previous state (`None` on
/// a first call), `enc` the classes of this call, `max_iter` 1 for
/// `partial_fit`. The new state is returned; on error nothing is changed
/// except when the loop itself overflows (as in scikit-learn).
pub(crate) fn partial_fit_state<L: Ord + Clone>(
    fitted: Option<Fitted<L>>,
    enc: LabelEncoder<L>,
    x: &CsrMatrix,
    y: &[L],
    params: &CallParams,
) -> Result<Fitted<L>, Error> {
    let n_features = x.n_cols();
    let n_models = enc.n_models();
    let averaging = params.cfg.average > 0;
    let mut st = match fitted {
        Some(f) => f,
        None => Fitted {
            enc: enc.clone(),
            n_features,
            std_coef: Array2::zeros((n_models, n_features)),
            avg_coef: averaging.then(|| Array2::zeros((n_models, n_features))),
            std_intercept: vec![0.0; n_models],
            avg_intercept: vec![0.0; n_models],
            exposes_average: false,
            intercept_is_avg: false,
            t: 1.0,
            n_iter: 0,
        },
    };
    let encoded = enc.transform(y, "partial_fit")?;
    let zero_one = params.cfg.loss.zero_one_labels();
    // scikit-learn seeds a binary problem's shuffle from `RandomState(random_state)`;
    // for one-vs-rest it first draws one seed per class, then seeds each class's
    // shuffle from `RandomState(that seed)`.
    let seeds: Vec<u32> = if n_models == 1 {
        vec![sklearn_shuffle_seed(params.random_state)]
    } else {
        sklearn_ovr_seeds(params.random_state, n_models)
            .into_iter()
            .map(sklearn_shuffle_seed)
            .collect()
    };

    let mut cfg = params.cfg;
    cfg.t = st.t;
    let std = st
        .std_coef
        .as_slice_memory_order_mut()
        .ok_or_else(|| Error::new(ErrorKind::Other("coef_ is not contiguous".into())))?;
    let mut avg = match st.avg_coef.as_mut() {
        Some(a) => Some(a.as_slice_memory_order_mut().ok_or_else(|| {
            Error::new(ErrorKind::Other("averaged coef_ is not contiguous".into()))
        })?),
        None => None,
    };
    let mut targets = vec![0.0; y.len()];
    let mut n_iter = 0usize;
    let mut plain_intercepts = vec![0.0; n_models];
    for (m, coef) in std.chunks_exact_mut(n_features).enumerate() {
        let pos = if n_models == 1 { 1 } else { m };
        let neg = if zero_one { 0.0 } else { -1.0 };
        for (t, &c) in targets.iter_mut().zip(&encoded) {
            *t = if c == pos { 1.0 } else { neg };
        }
        cfg.seed = seeds[m];
        let avg_coef = avg
            .as_deref_mut()
            .map(|a| &mut a[m * n_features..(m + 1) * n_features]);
        let mut b = Binary {
            coef,
            intercept: st.std_intercept[m],
            avg_coef,
            avg_intercept: st.avg_intercept[m],
        };
        let it = plain_sgd(&cfg, x, &targets, &mut b)?;
        n_iter = n_iter.max(it);
        if averaging {
            st.avg_intercept[m] = b.avg_intercept;
        }
        plain_intercepts[m] = b.intercept;
    }
    st.t += (n_iter * x.n_rows()) as f64;
    st.n_iter = n_iter;
    let average_started = averaging && params.cfg.average as f64 <= st.t - 1.0;
    if n_models == 1 {
        // Binary: the plain intercept is kept only until averaging starts.
        if average_started {
            st.exposes_average = true;
            st.intercept_is_avg = true;
        } else {
            st.std_intercept[0] = plain_intercepts[0];
            st.intercept_is_avg = false;
        }
    } else {
        // One-vs-rest: the plain intercepts go into whichever array
        // `intercept_` currently is, as scikit-learn's `_fit_multiclass` does.
        let target = if st.intercept_is_avg {
            &mut st.avg_intercept
        } else {
            &mut st.std_intercept
        };
        target.copy_from_slice(&plain_intercepts);
        if average_started {
            st.exposes_average = true;
            st.intercept_is_avg = true;
        }
    }
    Ok(st)
}

/// Decision values `X coef_ᵀ + intercept_`, `n_samples × n_models`.
pub(crate) fn decision<L>(
    fitted: Option<&Fitted<L>>,
    x: &CsrMatrix,
    what: &'static str,
) -> Result<Array2<f64>, Error> {
    let f = fitted.ok_or_else(|| Error::new(ErrorKind::NotFitted(what)))?;
    if x.n_cols() != f.n_features {
        return Err(Error::new(ErrorKind::FeatureMismatch {
            expected: f.n_features,
            found: x.n_cols(),
        }));
    }
    // As scikit-learn's validation: NaN/inf rows would otherwise get a
    // silent, arbitrary label.
    if x.has_non_finite() {
        return Err(Error::new(ErrorKind::NonFinite(what)));
    }
    let coef = f.coef();
    let intercept = f.intercept();
    let n_models = coef.nrows();
    let mut out = Array2::zeros((x.n_rows(), n_models));
    for (i, (idx, val)) in x.rows().enumerate() {
        for m in 0..n_models {
            let row = coef.row(m);
            let mut s = 0.0;
            for (&j, &v) in idx.iter().zip(val) {
                s += v * row[j];
            }
            out[[i, m]] = s + intercept[m];
        }
    }
    Ok(out)
}

/// Predicted labels from decision values.
pub(crate) fn predict<L: Ord + Clone>(
    fitted: Option<&Fitted<L>>,
    x: &CsrMatrix,
    what: &'static str,
) -> Result<Vec<L>, Error> {
    let scores = decision(fitted, x, what)?;
    let f = fitted.ok_or_else(|| Error::new(ErrorKind::NotFitted(what)))?;
    Ok(scores
        .rows()
        .into_iter()
        .map(|r| {
            let k = match r.as_slice() {
                Some(s) => f.enc.decide(s),
                None => f.enc.decide(&r.to_vec()),
            };
            f.enc.classes()[k].clone()
        })
        .collect())
}

/// A fitted state holding given weights (for `LinearClassifier::with_coef`).
pub(crate) fn state_from_coef<L: Ord + Clone>(
    coef: Array2<f64>,
    intercept: Vec<f64>,
    classes: Vec<L>,
    what: &'static str,
) -> Result<Fitted<L>, Error> {
    let enc = LabelEncoder::from_classes(&classes, what)?;
    if enc.classes() != classes.as_slice() {
        return Err(Error::new(ErrorKind::Classes(format!(
            "{what}: classes must be sorted and distinct, as classes_ is"
        ))));
    }
    if coef.nrows() != enc.n_models() || intercept.len() != enc.n_models() {
        return Err(Error::invalid_parameter(
            "coef",
            format!(
                "{} classes need {} weight rows and intercepts; got {} and {}",
                enc.n_classes(),
                enc.n_models(),
                coef.nrows(),
                intercept.len()
            ),
        ));
    }
    let coef = coef.as_standard_layout().into_owned();
    Ok(Fitted {
        enc,
        n_features: coef.ncols(),
        std_coef: coef,
        avg_coef: None,
        avg_intercept: vec![0.0; intercept.len()],
        std_intercept: intercept,
        exposes_average: false,
        intercept_is_avg: false,
        t: 1.0,
        n_iter: 0,
    })
}

impl<L: dklearn_codec::Encode> dklearn_codec::Encode for Fitted<L> {
    dklearn_codec::encode_fields!(format!("dklearn_estimators::SgdFitted<{}>", L::type_tag());
        enc, n_features, std_coef, avg_coef, std_intercept, avg_intercept, exposes_average,
        intercept_is_avg, t, n_iter);
}

/// The complete fitted state of an SGD-family classifier, in scikit-learn's
/// attributes: what a saved model needs to predict exactly and to go on with
/// `partial_fit` as scikit-learn would. Read it with `fitted_state()`, set it
/// with `with_fitted_state(..)` (which checks it).
#[derive(Debug, Clone, PartialEq)]
pub struct SgdState<L> {
    /// `classes_`: sorted, distinct, at least two.
    pub classes: Vec<L>,
    /// The plain SGD weights (`_standard_coef`; `coef_` when averaging is
    /// off or has not started): `1 × n_features` for two classes, else
    /// `n_classes × n_features`.
    pub standard_coef: Array2<f64>,
    /// The plain intercepts (`_standard_intercept`), one per row.
    pub standard_intercept: Vec<f64>,
    /// The averaged iterate, present exactly when the estimator averages.
    pub average: Option<SgdAverageState>,
    /// `t_`: one plus the number of weight updates so far (finite, `>= 1`).
    pub t: f64,
    /// `n_iter_` of the last call.
    pub n_iter: usize,
}

/// The averaged-SGD part of an [`SgdState`].
#[derive(Debug, Clone, PartialEq)]
pub struct SgdAverageState {
    /// `_average_coef`, the shape of `standard_coef`.
    pub average_coef: Array2<f64>,
    /// `_average_intercept`, one per row.
    pub average_intercept: Vec<f64>,
    /// `coef_` is `_average_coef` (averaging has started), else `_standard_coef`.
    pub coef_is_average: bool,
    /// `intercept_` is `_average_intercept`, else `_standard_intercept`.
    pub intercept_is_average: bool,
}

/// The [`SgdState`] of a fitted state.
pub(crate) fn export_state<L: Ord + Clone>(f: &Fitted<L>) -> SgdState<L> {
    SgdState {
        classes: f.enc.classes().to_vec(),
        standard_coef: f.std_coef.clone(),
        standard_intercept: f.std_intercept.clone(),
        average: f.avg_coef.as_ref().map(|a| SgdAverageState {
            average_coef: a.clone(),
            average_intercept: f.avg_intercept.clone(),
            coef_is_average: f.exposes_average,
            intercept_is_average: f.intercept_is_avg,
        }),
        t: f.t,
        n_iter: f.n_iter,
    }
}

/// A fitted state from an [`SgdState`], checked: classes, shapes, finite
/// values, `t_ >= 1`, and the averaged part present exactly when `averaging`.
pub(crate) fn import_state<L: Ord + Clone>(
    s: SgdState<L>,
    averaging: bool,
    what: &'static str,
) -> Result<Fitted<L>, Error> {
    let base = state_from_coef(s.standard_coef, s.standard_intercept, s.classes, what)?;
    let finite = |name: &'static str, v: &mut dyn Iterator<Item = &f64>| {
        if v.fold(false, |bad, x| bad | !x.is_finite()) {
            Err(Error::invalid_parameter(
                name,
                format!("{what}: holds NaN or infinity"),
            ))
        } else {
            Ok(())
        }
    };
    finite("coef_", &mut base.std_coef.iter())?;
    finite("intercept_", &mut base.std_intercept.iter())?;
    if !(s.t.is_finite() && s.t >= 1.0) {
        return Err(Error::invalid_parameter(
            "t_",
            format!("{what}: must be a finite number >= 1; got {}", s.t),
        ));
    }
    let mut f = Fitted {
        t: s.t,
        n_iter: s.n_iter,
        ..base
    };
    match (s.average, averaging) {
        (None, false) => {}
        (Some(a), true) => {
            if a.average_coef.dim() != f.std_coef.dim()
                || a.average_intercept.len() != f.std_intercept.len()
            {
                return Err(Error::invalid_parameter(
                    "_average_coef",
                    format!(
                        "{what}: the averaged weights must have the shape of coef_ {:?}; got {:?} \
                         and {} intercepts",
                        f.std_coef.dim(),
                        a.average_coef.dim(),
                        a.average_intercept.len()
                    ),
                ));
            }
            finite("_average_coef", &mut a.average_coef.iter())?;
            finite("_average_intercept", &mut a.average_intercept.iter())?;
            f.avg_coef = Some(a.average_coef.as_standard_layout().into_owned());
            f.avg_intercept = a.average_intercept;
            f.exposes_average = a.coef_is_average;
            f.intercept_is_avg = a.intercept_is_average;
        }
        (None, true) => {
            return Err(Error::invalid_parameter(
                "average",
                format!("{what}: the estimator averages but the state has no averaged weights"),
            ))
        }
        (Some(_), false) => {
            return Err(Error::invalid_parameter(
                "average",
                format!(
                    "{what}: the state has averaged weights but the estimator does not average"
                ),
            ))
        }
    }
    Ok(f)
}
