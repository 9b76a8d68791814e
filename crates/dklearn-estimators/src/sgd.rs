//! `SGDClassifier`: linear classifiers (SVM, logistic regression, …) trained by
//! stochastic gradient descent, as scikit-learn 1.9.1's, update for update.
//!
//! Differences from scikit-learn, all deliberate:
//! - input is always sparse (CSR), so the intercept learning rate is always
//!   scaled by scikit-learn's sparse `intercept_decay` of 0.01;
//! - `random_state=None` means seed 0 (every random choice takes a seed); with
//!   an explicit `random_state` the shuffles are scikit-learn's own;
//! - `early_stopping` / `validation_fraction`, `class_weight`, `sample_weight`,
//!   `warm_start`/`coef_init` and the regression losses are not offered:
//!   the stopping rule is the training-objective one (`tol`, `n_iter_no_change`)
//!   and every sample and class has weight 1.

use crate::error::Error;
use crate::labels::LabelEncoder;
use crate::params::{
    py_average, py_bool, py_float, py_opt_float, py_penalty, py_str, write_repr, Average,
    LearningRate, Loss, Penalty,
};
use crate::sgd_core::{self, CallParams, Fitted, SPARSE_INTERCEPT_DECAY};
use crate::sgd_fast::{LossFn, PenaltyType, Rate, SgdConfig};
use dklearn_sparse::CsrMatrix;
use ndarray::Array2;
use std::fmt;
use std::marker::PhantomData;

/// The engine state shared by the SGD family: the checked loop configuration
/// (without the per-call `t` and seed), the seed, and the fitted state.
#[derive(Clone, PartialEq)]
pub(crate) struct SgdCore<L> {
    pub cfg: SgdConfig,
    pub random_state: Option<u32>,
    pub state: Option<Fitted<L>>,
}

impl<L: Ord + Clone> SgdCore<L> {
    pub(crate) fn new(cfg: SgdConfig, random_state: Option<u32>) -> Self {
        SgdCore {
            cfg,
            random_state,
            state: None,
        }
    }

    fn call(&self, max_iter: usize) -> CallParams {
        let mut cfg = self.cfg;
        cfg.max_iter = max_iter;
        CallParams {
            cfg,
            random_state: self.random_state.unwrap_or(0),
        }
    }

    pub(crate) fn fit(&mut self, x: &CsrMatrix, y: &[L], what: &'static str) -> Result<(), Error> {
        sgd_core::check_fit_input(x, y.len(), None, what)?;
        let enc = LabelEncoder::fit(y, what)?;
        self.state = None;
        let call = self.call(self.cfg.max_iter);
        self.state = Some(sgd_core::partial_fit_state(None, enc, x, y, &call)?);
        Ok(())
    }

    pub(crate) fn partial_fit(
        &mut self,
        x: &CsrMatrix,
        y: &[L],
        classes: Option<&[L]>,
        what: &'static str,
    ) -> Result<(), Error> {
        let expected = self.state.as_ref().map(|s| s.n_features);
        sgd_core::check_fit_input(x, y.len(), expected, what)?;
        let enc =
            LabelEncoder::for_partial_fit(self.state.as_ref().map(|s| &s.enc), y, classes, what)?;
        let call = self.call(1);
        self.state = Some(sgd_core::partial_fit_state(
            self.state.take(),
            enc,
            x,
            y,
            &call,
        )?);
        Ok(())
    }

    pub(crate) fn with_coef(
        &self,
        coef: Array2<f64>,
        intercept: Vec<f64>,
        classes: Vec<L>,
        what: &'static str,
    ) -> Result<Self, Error> {
        Ok(SgdCore {
            cfg: self.cfg,
            random_state: self.random_state,
            state: Some(sgd_core::state_from_coef(coef, intercept, classes, what)?),
        })
    }
}

/// Implements the estimator traits and the fitted-state accessors of a member
/// of the SGD family holding its [`SgdCore`] in field `core`.
macro_rules! impl_sgd_family {
    ($ty:ident, $name:literal) => {
        impl<L: Ord + Clone> $ty<L> {
            /// `coef_`: `1 × n_features` for two classes, else `n_classes × n_features`
            /// (the averaged weights once averaging has started); `None` before fitting.
            pub fn coef_(&self) -> Option<&ndarray::Array2<f64>> {
                self.core.state.as_ref().map(|s| s.coef())
            }
            /// `intercept_`, one per row of `coef_`; `None` before fitting.
            pub fn intercept_(&self) -> Option<&[f64]> {
                self.core.state.as_ref().map(|s| s.intercept())
            }
            /// `classes_`, sorted; `None` before fitting.
            pub fn classes_(&self) -> Option<&[L]> {
                self.core.state.as_ref().map(|s| s.enc.classes())
            }
            /// `t_`: one plus the number of weight updates so far (samples × epochs),
            /// continuing across `partial_fit` calls; `None` before fitting.
            pub fn t_(&self) -> Option<f64> {
                self.core.state.as_ref().map(|s| s.t)
            }
            /// `n_iter_`: epochs run by the last call (the most over the
            /// one-vs-rest problems); `None` before fitting.
            pub fn n_iter_(&self) -> Option<usize> {
                self.core.state.as_ref().map(|s| s.n_iter)
            }
            /// `n_features_in_`; `None` before fitting.
            pub fn n_features_in_(&self) -> Option<usize> {
                self.core.state.as_ref().map(|s| s.n_features)
            }
            /// The whole fitted state (plain and averaged weights, `t_`,
            /// `n_iter_`), for saving; `None` before fitting.
            pub fn fitted_state(&self) -> Option<$crate::SgdState<L>> {
                self.core.state.as_ref().map(sgd_core::export_state)
            }
            /// A copy of this estimator holding `state` (checked: sorted classes,
            /// shapes, finite weights, `t_ >= 1`, averaged weights present exactly
            /// when this estimator averages), predicting and continuing
            /// `partial_fit` as the estimator that produced it.
            pub fn with_fitted_state(&self, state: $crate::SgdState<L>) -> Result<Self, Error> {
                let mut out = self.clone();
                out.core.state = Some(sgd_core::import_state(
                    state,
                    self.core.cfg.average > 0,
                    $name,
                )?);
                Ok(out)
            }
        }

        impl<L: Ord + Clone> $crate::traits::Fit<L> for $ty<L> {
            /// `max_iter` epochs at most (fewer when the training objective
            /// stops improving by `tol` for `n_iter_no_change` epochs), from zero
            /// weights and `t_ = 1`.
            fn fit(&mut self, x: &CsrMatrix, y: &[L]) -> Result<(), Error> {
                self.core.fit(x, y, concat!($name, ".fit"))
            }
        }

        impl<L: Ord + Clone> $crate::traits::PartialFit<L> for $ty<L> {
            /// One epoch over `x`, continuing from the current weights and `t_`.
            fn partial_fit(
                &mut self,
                x: &CsrMatrix,
                y: &[L],
                classes: Option<&[L]>,
            ) -> Result<(), Error> {
                self.core
                    .partial_fit(x, y, classes, concat!($name, ".partial_fit"))
            }
        }

        impl<L: Ord + Clone> $crate::traits::DecisionFunction for $ty<L> {
            fn decision_function(&self, x: &CsrMatrix) -> Result<ndarray::Array2<f64>, Error> {
                sgd_core::decision(self.core.state.as_ref(), x, $name)
            }
        }

        impl<L: Ord + Clone> $crate::traits::Predict<L> for $ty<L> {
            fn predict(&self, x: &CsrMatrix) -> Result<Vec<L>, Error> {
                sgd_core::predict(self.core.state.as_ref(), x, $name)
            }
        }

        impl<L: Ord + Clone> $crate::traits::Score<L> for $ty<L> {}

        impl<L: Ord + Clone> $crate::traits::LinearClassifier<L> for $ty<L> {
            fn coef_(&self) -> Option<&ndarray::Array2<f64>> {
                $ty::coef_(self)
            }
            fn intercept_(&self) -> Option<&[f64]> {
                $ty::intercept_(self)
            }
            fn classes_(&self) -> Option<&[L]> {
                $ty::classes_(self)
            }
            fn with_coef(
                &self,
                coef: ndarray::Array2<f64>,
                intercept: Vec<f64>,
                classes: Vec<L>,
            ) -> Result<Self, Error> {
                let mut out = self.clone();
                out.core = self.core.with_coef(coef, intercept, classes, $name)?;
                Ok(out)
            }
        }
    };
}
pub(crate) use impl_sgd_family;

/// Linear classifiers trained by SGD: a linear SVM by default (hinge loss,
/// L2 penalty, `alpha = 1e-4`, `learning_rate='optimal'`), logistic regression
/// with `Loss::LogLoss`, and so on; binary, or one-vs-rest for more classes.
///
/// Built from checked parameters; prints like scikit-learn's repr:
///
/// ```
/// use dklearn_estimators::{Loss, SGDClassifier, PartialFit, Predict};
/// use dklearn_sparse::CsrMatrix;
/// use ndarray::array;
///
/// let mut clf = SGDClassifier::params().alpha(1e-3).loss(Loss::LogLoss).build()?;
/// assert_eq!(format!("{clf:?}"), "SGDClassifier(alpha=0.001, loss='log_loss')");
/// let x = CsrMatrix::from_dense(&array![[1.0, 0.0], [0.0, 1.0], [0.9, 0.1], [0.1, 0.8]]);
/// let y = ["spam", "ham", "spam", "ham"];
/// clf.partial_fit(&x, &y, Some(&["ham", "spam"]))?;
/// clf.partial_fit(&x, &y, None)?;
/// assert_eq!(clf.t_(), Some(9.0));
/// assert_eq!(clf.predict(&x)?, y);
/// # Ok::<(), dklearn_estimators::Error>(())
/// ```
///
/// Setting `SGDClassifier::params().alpha(-1.0).build()` is an error, not a NaN later.
#[derive(Clone, PartialEq)]
pub struct SGDClassifier<L> {
    hp: SgdHyper,
    core: SgdCore<L>,
}

impl_sgd_family!(SGDClassifier, "SGDClassifier");

/// The hyper-parameters of [`SGDClassifier`], as given (see [`SGDClassifierParams`]).
#[derive(Debug, Clone, Copy, PartialEq)]
struct SgdHyper {
    loss: Loss,
    penalty: Option<Penalty>,
    alpha: f64,
    l1_ratio: f64,
    fit_intercept: bool,
    max_iter: usize,
    tol: Option<f64>,
    shuffle: bool,
    random_state: Option<u32>,
    learning_rate: LearningRate,
    eta0: f64,
    power_t: f64,
    n_iter_no_change: usize,
    average: Average,
}

const SGD_DEFAULTS: SgdHyper = SgdHyper {
    loss: Loss::Hinge,
    penalty: Some(Penalty::L2),
    alpha: 1e-4,
    l1_ratio: 0.15,
    fit_intercept: true,
    max_iter: 1000,
    tol: Some(1e-3),
    shuffle: true,
    random_state: None,
    learning_rate: LearningRate::Optimal,
    eta0: 0.01,
    power_t: 0.5,
    n_iter_no_change: 5,
    average: Average::Off,
};

/// Builder of an [`SGDClassifier`]: every setter takes scikit-learn's
/// parameter of the same name; [`build`](SGDClassifierParams::build) checks them.
#[derive(Debug, Clone, Copy)]
pub struct SGDClassifierParams<L> {
    hp: SgdHyper,
    _labels: PhantomData<fn() -> L>,
}

macro_rules! setters {
    ($( $(#[$doc:meta])* $name:ident : $t:ty ),* $(,)?) => {
        $(
            $(#[$doc])*
            pub fn $name(mut self, $name: $t) -> Self {
                self.hp.$name = $name;
                self
            }
        )*
    };
}

impl<L: Ord + Clone> SGDClassifierParams<L> {
    setters! {
        /// `loss` (default `Loss::Hinge`).
        loss: Loss,
        /// `penalty` (default `Some(Penalty::L2)`; `None` for no penalty).
        penalty: Option<Penalty>,
        /// `alpha`, the regularisation strength (default 1e-4); `>= 0`, and `> 0`
        /// with `learning_rate='optimal'`.
        alpha: f64,
        /// `l1_ratio` of the elastic net, in `[0, 1]` (default 0.15).
        l1_ratio: f64,
        /// `fit_intercept` (default true).
        fit_intercept: bool,
        /// `max_iter`, epochs of `fit` at most (default 1000, `>= 1`).
        max_iter: usize,
        /// `tol` of the stopping rule (default `Some(1e-3)`; `None` runs `max_iter` epochs).
        tol: Option<f64>,
        /// `shuffle` the samples before each epoch (default true).
        shuffle: bool,
        /// `random_state`, the shuffle seed (default `None`, which is seed 0).
        random_state: Option<u32>,
        /// `learning_rate` schedule (default `LearningRate::Optimal`).
        learning_rate: LearningRate,
        /// `eta0`, initial learning rate of constant/invscaling/adaptive (default 0.01, `> 0`).
        eta0: f64,
        /// `power_t` of `invscaling` (default 0.5).
        power_t: f64,
        /// `n_iter_no_change`, epochs without improvement before stopping (default 5, `>= 1`).
        n_iter_no_change: usize,
        /// `average`, averaged SGD (default `Average::Off`).
        average: Average,
    }

    /// Checks the parameters and builds the (unfitted) classifier.
    pub fn build(self) -> Result<SGDClassifier<L>, Error> {
        let hp = self.hp;
        check_common(
            hp.alpha,
            hp.max_iter,
            hp.tol,
            hp.n_iter_no_change,
            hp.average,
        )?;
        if !(0.0..=1.0).contains(&hp.l1_ratio) {
            return Err(Error::invalid_parameter(
                "l1_ratio",
                format!("must be in [0, 1]; got {}", hp.l1_ratio),
            ));
        }
        if !(hp.eta0 > 0.0 && hp.eta0.is_finite()) {
            return Err(Error::invalid_parameter(
                "eta0",
                format!("must be a finite number > 0; got {}", hp.eta0),
            ));
        }
        if !hp.power_t.is_finite() {
            return Err(Error::invalid_parameter("power_t", "must be finite"));
        }
        if hp.learning_rate == LearningRate::Optimal && hp.alpha == 0.0 {
            return Err(Error::invalid_parameter(
                "alpha",
                "must be > 0 since learning_rate is 'optimal' (alpha sets the optimal learning rate)",
            ));
        }
        let cfg = SgdConfig {
            loss: match hp.loss {
                Loss::Hinge => LossFn::Hinge(1.0),
                Loss::Perceptron => LossFn::Hinge(0.0),
                Loss::SquaredHinge => LossFn::SquaredHinge(1.0),
                Loss::ModifiedHuber => LossFn::ModifiedHuber,
                Loss::LogLoss => LossFn::Log,
            },
            penalty: penalty_type(hp.penalty),
            alpha: hp.alpha,
            l1_ratio: hp.l1_ratio,
            max_iter: hp.max_iter,
            tol: hp.tol,
            n_iter_no_change: hp.n_iter_no_change,
            fit_intercept: hp.fit_intercept,
            shuffle: hp.shuffle,
            seed: 0,
            rate: match hp.learning_rate {
                LearningRate::Optimal => Rate::Optimal,
                LearningRate::Constant => Rate::Constant,
                LearningRate::InvScaling => Rate::InvScaling,
                LearningRate::Adaptive => Rate::Adaptive,
            },
            eta0: hp.eta0,
            power_t: hp.power_t,
            t: 1.0,
            intercept_decay: SPARSE_INTERCEPT_DECAY,
            average: hp.average.start(),
        };
        Ok(SGDClassifier {
            hp,
            core: SgdCore::new(cfg, hp.random_state),
        })
    }
}

/// scikit-learn's penalty code of an optional penalty.
pub(crate) fn penalty_type(p: Option<Penalty>) -> PenaltyType {
    match p {
        None => PenaltyType::None,
        Some(Penalty::L2) => PenaltyType::L2,
        Some(Penalty::L1) => PenaltyType::L1,
        Some(Penalty::ElasticNet) => PenaltyType::ElasticNet,
    }
}

/// Checks shared by the family's builders.
pub(crate) fn check_common(
    alpha: f64,
    max_iter: usize,
    tol: Option<f64>,
    n_iter_no_change: usize,
    average: Average,
) -> Result<(), Error> {
    if !(alpha >= 0.0 && alpha.is_finite()) {
        return Err(Error::invalid_parameter(
            "alpha",
            format!("must be a finite number >= 0; got {alpha}"),
        ));
    }
    if max_iter == 0 {
        return Err(Error::invalid_parameter("max_iter", "must be >= 1; got 0"));
    }
    if let Some(t) = tol {
        if t.is_nan() || t < 0.0 {
            return Err(Error::invalid_parameter(
                "tol",
                format!("must be >= 0 or None; got {t}"),
            ));
        }
    }
    if n_iter_no_change == 0 {
        return Err(Error::invalid_parameter(
            "n_iter_no_change",
            "must be >= 1; got 0",
        ));
    }
    if average == Average::From(0) {
        return Err(Error::invalid_parameter(
            "average",
            "must be a positive integer or a bool; got 0 (use Average::Off)",
        ));
    }
    Ok(())
}

impl<L: Ord + Clone> SGDClassifier<L> {
    /// The builder, holding scikit-learn's defaults.
    pub fn params() -> SGDClassifierParams<L> {
        SGDClassifierParams {
            hp: SGD_DEFAULTS,
            _labels: PhantomData,
        }
    }

    /// The loss.
    pub fn loss(&self) -> Loss {
        self.hp.loss
    }

    /// The regularisation strength.
    pub fn alpha(&self) -> f64 {
        self.hp.alpha
    }

    crate::params::hyper_getters! {
        /// `penalty`.
        penalty: Option<Penalty>,
        /// `l1_ratio`.
        l1_ratio: f64,
        /// `fit_intercept`.
        fit_intercept: bool,
        /// `max_iter`.
        max_iter: usize,
        /// `tol`.
        tol: Option<f64>,
        /// `shuffle`.
        shuffle: bool,
        /// `random_state`.
        random_state: Option<u32>,
        /// `learning_rate`.
        learning_rate: LearningRate,
        /// `eta0`.
        eta0: f64,
        /// `power_t`.
        power_t: f64,
        /// `n_iter_no_change`.
        n_iter_no_change: usize,
        /// `average`.
        average: Average,
    }
}

impl<L: Ord + Clone> SGDClassifier<L> {
    /// Probability of each class, `n_samples × n_classes` in `classes_` order,
    /// as scikit-learn's `SGDClassifier.predict_proba`; only for
    /// `loss='log_loss'` and `loss='modified_huber'` (any other loss is an
    /// error naming `loss`).
    ///
    /// - `log_loss`: the logistic function of each decision value; two classes
    ///   give `[1 - p, p]`; for more, each row's one-vs-rest values divided by
    ///   their sum (a row summing to 0 becomes uniform).
    /// - `modified_huber`: `(clip(d, -1, 1) + 1) / 2` per decision value; two
    ///   classes give `[1 - p, p]`; for more, normalised the same way.
    ///
    /// ```
    /// use dklearn_estimators::{Loss, SGDClassifier, Fit};
    /// use dklearn_sparse::CsrMatrix;
    /// use ndarray::array;
    ///
    /// let x = CsrMatrix::from_dense(&array![[1.0, 0.0], [0.0, 1.0], [0.9, 0.1]]);
    /// let mut clf = SGDClassifier::params().loss(Loss::LogLoss).build()?;
    /// clf.fit(&x, &[1, 0, 1])?;
    /// let p = clf.predict_proba(&x)?;
    /// assert_eq!(p.dim(), (3, 2));
    /// assert!(p[[0, 1]] > 0.5 && (p[[0, 0]] + p[[0, 1]] - 1.0).abs() < 1e-15);
    /// # Ok::<(), dklearn_estimators::Error>(())
    /// ```
    pub fn predict_proba(&self, x: &CsrMatrix) -> Result<Array2<f64>, Error> {
        let link: fn(f64) -> f64 = match self.hp.loss {
            Loss::LogLoss => crate::logistic::expit,
            Loss::ModifiedHuber => |d: f64| (d.clamp(-1.0, 1.0) + 1.0) / 2.0,
            other => {
                return Err(Error::invalid_parameter(
                    "loss",
                    format!(
                        "SGDClassifier.predict_proba needs loss='log_loss' or \
                         loss='modified_huber'; got '{other}'"
                    ),
                ))
            }
        };
        let dec = sgd_core::decision(self.core.state.as_ref(), x, "SGDClassifier")?;
        Ok(proba_from_decision(&dec, link))
    }
}

impl<L: Ord + Clone> crate::traits::PredictProba for SGDClassifier<L> {
    /// [`SGDClassifier::predict_proba`]: an error unless `loss` is
    /// `log_loss` or `modified_huber`.
    fn predict_proba(&self, x: &CsrMatrix) -> Result<Array2<f64>, Error> {
        SGDClassifier::predict_proba(self, x)
    }
}

/// Class probabilities from decision values through `link`, as scikit-learn:
/// one column gives `[1 - p, p]`; more are normalised per row by their
/// (numpy) sum, a row summing to 0 becoming uniform.
pub(crate) fn proba_from_decision(dec: &Array2<f64>, link: fn(f64) -> f64) -> Array2<f64> {
    let n = dec.nrows();
    if dec.ncols() == 1 {
        let mut out = Array2::zeros((n, 2));
        for i in 0..n {
            let p = link(dec[[i, 0]]);
            out[[i, 0]] = 1.0 - p;
            out[[i, 1]] = p;
        }
        return out;
    }
    let k = dec.ncols();
    let mut prob = dec.mapv(link);
    let mut row_buf = Vec::with_capacity(k);
    for mut row in prob.rows_mut() {
        row_buf.clear();
        row_buf.extend(row.iter().copied());
        let s = crate::pairwise_sum(&row_buf);
        if s == 0.0 {
            row.fill(1.0 / k as f64);
        } else {
            row.mapv_inplace(|p| p / s);
        }
    }
    prob
}

impl<L: Ord + Clone> Default for SGDClassifier<L> {
    fn default() -> Self {
        let params = SGDClassifier::<L>::params();
        match params.build() {
            Ok(c) => c,
            // The defaults are valid by construction (checked in the tests).
            Err(e) => unreachable!("default SGDClassifier parameters rejected: {e}"),
        }
    }
}

impl<L> fmt::Debug for SGDClassifier<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (h, d) = (&self.hp, &SGD_DEFAULTS);
        write_repr(
            f,
            "SGDClassifier",
            &mut [
                ("alpha", py_float(h.alpha), h.alpha == d.alpha),
                ("average", py_average(h.average), h.average == d.average),
                ("eta0", py_float(h.eta0), h.eta0 == d.eta0),
                (
                    "fit_intercept",
                    py_bool(h.fit_intercept),
                    h.fit_intercept == d.fit_intercept,
                ),
                ("l1_ratio", py_float(h.l1_ratio), h.l1_ratio == d.l1_ratio),
                (
                    "learning_rate",
                    py_str(h.learning_rate),
                    h.learning_rate == d.learning_rate,
                ),
                ("loss", py_str(h.loss), h.loss == d.loss),
                ("max_iter", h.max_iter.to_string(), h.max_iter == d.max_iter),
                (
                    "n_iter_no_change",
                    h.n_iter_no_change.to_string(),
                    h.n_iter_no_change == d.n_iter_no_change,
                ),
                ("penalty", py_penalty(h.penalty), h.penalty == d.penalty),
                ("power_t", py_float(h.power_t), h.power_t == d.power_t),
                (
                    "random_state",
                    h.random_state.map_or("None".into(), |s| s.to_string()),
                    h.random_state == d.random_state,
                ),
                ("shuffle", py_bool(h.shuffle), h.shuffle == d.shuffle),
                ("tol", py_opt_float(h.tol), h.tol == d.tol),
            ],
        )
    }
}

impl<L: dklearn_codec::Encode> dklearn_codec::Encode for SgdCore<L> {
    dklearn_codec::encode_fields!(format!("dklearn_estimators::SgdCore<{}>", L::type_tag());
        cfg, random_state, state);
}

impl dklearn_codec::Encode for SgdHyper {
    dklearn_codec::encode_fields!("dklearn_estimators::SgdHyper";
        loss, penalty, alpha, l1_ratio, fit_intercept, max_iter, tol, shuffle, random_state,
        learning_rate, eta0, power_t, n_iter_no_change, average);
}

/// Hyper-parameters and fitted state, bit for bit (see `dklearn_codec`).
impl<L: dklearn_codec::Encode> dklearn_codec::Encode for SGDClassifier<L> {
    dklearn_codec::encode_fields!(format!("dklearn_estimators::SGDClassifier<{}>", L::type_tag());
        hp, core);
}

impl<L: Ord + Clone> SGDClassifier<L> {
    /// The builder holding this classifier's parameters (scikit-learn's
    /// `get_params`): change some and `build` a new, unfitted one.
    pub fn get_params(&self) -> SGDClassifierParams<L> {
        SGDClassifierParams {
            hp: self.hp,
            _labels: PhantomData,
        }
    }
}

/// `decision_function` always; `predict_proba` with `loss='log_loss'` or
/// `'modified_huber'` only (scikit-learn's `available_if`).
impl<L: Ord + Clone> crate::traits::ResponseMethods<L> for SGDClassifier<L> {
    fn has_decision_function(&self) -> bool {
        true
    }
    fn has_predict_proba(&self) -> bool {
        matches!(self.hp.loss, Loss::LogLoss | Loss::ModifiedHuber)
    }
    fn decision_values(&self, x: &CsrMatrix) -> Result<Array2<f64>, Error> {
        crate::traits::DecisionFunction::decision_function(self, x)
    }
    fn proba_values(&self, x: &CsrMatrix) -> Result<Array2<f64>, Error> {
        SGDClassifier::predict_proba(self, x)
    }
    fn fitted_classes(&self) -> Option<&[L]> {
        SGDClassifier::classes_(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::traits::{Fit, LinearClassifier, PartialFit, Predict, Score};
    use ndarray::array;

    fn xy() -> (CsrMatrix, Vec<i32>) {
        let x = CsrMatrix::from_dense(&array![
            [1.0, 0.0, 0.5],
            [0.0, 1.0, 0.0],
            [0.8, 0.1, 0.0],
            [0.0, 0.9, 0.3],
            [0.7, 0.0, 0.2],
            [0.1, 0.7, 0.0]
        ]);
        (x, vec![1, 0, 1, 0, 1, 0])
    }

    #[test]
    fn repr_prints_only_non_defaults() {
        let c = SGDClassifier::<i32>::default();
        assert_eq!(format!("{c:?}"), "SGDClassifier()");
        let c = SGDClassifier::<i32>::params()
            .loss(Loss::LogLoss)
            .alpha(0.001)
            .penalty(None)
            .average(Average::On)
            .tol(None)
            .random_state(Some(3))
            .build()
            .unwrap();
        assert_eq!(
            format!("{c:?}"),
            "SGDClassifier(alpha=0.001, average=True, loss='log_loss', penalty=None, \
             random_state=3, tol=None)"
        );
    }

    #[test]
    fn invalid_params_fail_at_build() {
        let p = SGDClassifier::<i32>::params;
        assert!(p().alpha(-1.0).build().is_err());
        assert!(p().alpha(f64::NAN).build().is_err());
        assert!(p().alpha(0.0).build().is_err());
        assert!(p()
            .alpha(0.0)
            .learning_rate(LearningRate::Constant)
            .build()
            .is_ok());
        assert!(p().l1_ratio(1.5).build().is_err());
        assert!(p().eta0(0.0).build().is_err());
        assert!(p().max_iter(0).build().is_err());
        assert!(p().tol(Some(-1.0)).build().is_err());
        assert!(p().n_iter_no_change(0).build().is_err());
        assert!(p().average(Average::From(0)).build().is_err());
    }

    #[test]
    fn t_counts_samples_across_calls() {
        let (x, y) = xy();
        let mut c = SGDClassifier::default();
        c.partial_fit(&x, &y, Some(&[0, 1])).unwrap();
        assert_eq!(c.t_(), Some(7.0));
        c.partial_fit(&x, &y, None).unwrap();
        assert_eq!(c.t_(), Some(13.0));
        assert_eq!(c.n_iter_(), Some(1));
        assert_eq!(c.predict(&x).unwrap(), y);
        assert_eq!(c.score(&x, &y).unwrap(), 1.0);
    }

    #[test]
    fn fit_stops_by_tol_and_counts_epochs() {
        let (x, y) = xy();
        let mut c = SGDClassifier::params()
            .random_state(Some(0))
            .build()
            .unwrap();
        c.fit(&x, &y).unwrap();
        let n = c.n_iter_().unwrap();
        assert!(n > 1 && n < 1000, "n_iter_ = {n}");
        assert_eq!(c.t_(), Some(1.0 + (n * 6) as f64));
    }

    #[test]
    fn with_coef_predicts_from_given_weights() {
        let (x, _) = xy();
        let c = SGDClassifier::<i32>::default()
            .with_coef(array![[1.0, -1.0, 0.0]], vec![0.0], vec![0, 1])
            .unwrap();
        assert_eq!(c.predict(&x).unwrap(), vec![1, 0, 1, 0, 1, 0]);
        assert!(SGDClassifier::<i32>::default()
            .with_coef(array![[1.0, -1.0, 0.0]], vec![0.0], vec![1, 0])
            .is_err());
    }
}
