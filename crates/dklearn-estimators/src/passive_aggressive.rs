//! `PassiveAggressiveClassifier` (Crammer et al. 2006), as scikit-learn 1.9.1
//! runs it: SGD with the hinge loss, no penalty, and the PA-I step
//! `min(C, loss / ||x||²)` (`loss='hinge'`) or the PA-II step
//! `loss / (||x||² + 1 / (2C))` (`loss='squared_hinge'`). One of the online
//! learners of scikit-learn's out-of-core example.

use crate::error::Error;
use crate::params::{
    py_average, py_bool, py_float, py_opt_float, py_str, write_repr, Average, Loss,
};
use crate::sgd::{check_common, impl_sgd_family, SgdCore};
use crate::sgd_core::{self, SPARSE_INTERCEPT_DECAY};
use crate::sgd_fast::{LossFn, PenaltyType, Rate, SgdConfig};
use dklearn_sparse::CsrMatrix;
use std::fmt;
use std::marker::PhantomData;

/// The passive-aggressive classifier, binary or one-vs-rest.
///
/// ```
/// use dklearn_estimators::{Loss, PassiveAggressiveClassifier, PartialFit, Predict};
/// use dklearn_sparse::CsrMatrix;
/// use ndarray::array;
///
/// let mut pa = PassiveAggressiveClassifier::params().c(0.5).loss(Loss::SquaredHinge).build()?;
/// assert_eq!(format!("{pa:?}"), "PassiveAggressiveClassifier(C=0.5, loss='squared_hinge')");
/// let x = CsrMatrix::from_dense(&array![[1.0, 0.0], [0.0, 1.0], [0.9, 0.2]]);
/// pa.partial_fit(&x, &[1, 0, 1], Some(&[0, 1]))?;
/// assert_eq!(pa.predict(&x)?, vec![1, 0, 1]);
/// # Ok::<(), dklearn_estimators::Error>(())
/// ```
#[derive(Clone, PartialEq)]
pub struct PassiveAggressiveClassifier<L> {
    hp: PaHyper,
    core: SgdCore<L>,
}

impl_sgd_family!(PassiveAggressiveClassifier, "PassiveAggressiveClassifier");

#[derive(Debug, Clone, Copy, PartialEq)]
struct PaHyper {
    c: f64,
    fit_intercept: bool,
    max_iter: usize,
    tol: Option<f64>,
    shuffle: bool,
    loss: Loss,
    random_state: Option<u32>,
    n_iter_no_change: usize,
    average: Average,
}

const DEFAULTS: PaHyper = PaHyper {
    c: 1.0,
    fit_intercept: true,
    max_iter: 1000,
    tol: Some(1e-3),
    shuffle: true,
    loss: Loss::Hinge,
    random_state: None,
    n_iter_no_change: 5,
    average: Average::Off,
};

/// Builder of a [`PassiveAggressiveClassifier`]; [`build`](PassiveAggressiveClassifierParams::build)
/// checks the values.
#[derive(Debug, Clone, Copy)]
pub struct PassiveAggressiveClassifierParams<L> {
    hp: PaHyper,
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

impl<L: Ord + Clone> PassiveAggressiveClassifierParams<L> {
    setters! {
        /// `C`, the aggressiveness: the largest step of PA-I, the
        /// regularisation of PA-II (default 1.0, `> 0`).
        c: f64,
        /// `fit_intercept` (default true).
        fit_intercept: bool,
        /// `max_iter` epochs of `fit` (default 1000).
        max_iter: usize,
        /// `tol` of the stopping rule (default `Some(1e-3)`).
        tol: Option<f64>,
        /// `shuffle` before each epoch (default true).
        shuffle: bool,
        /// `loss`: `Loss::Hinge` (PA-I, default) or `Loss::SquaredHinge` (PA-II).
        loss: Loss,
        /// `random_state` of the shuffles (default `None`, which is seed 0).
        random_state: Option<u32>,
        /// `n_iter_no_change` (default 5).
        n_iter_no_change: usize,
        /// `average` (default off).
        average: Average,
    }

    /// Checks the parameters and builds the (unfitted) classifier.
    pub fn build(self) -> Result<PassiveAggressiveClassifier<L>, Error> {
        let hp = self.hp;
        check_common(1.0, hp.max_iter, hp.tol, hp.n_iter_no_change, hp.average)?;
        if !(hp.c > 0.0 && hp.c.is_finite()) {
            return Err(Error::invalid_parameter(
                "C",
                format!("must be a finite number > 0; got {}", hp.c),
            ));
        }
        let rate = match hp.loss {
            Loss::Hinge => Rate::Pa1,
            Loss::SquaredHinge => Rate::Pa2,
            other => {
                return Err(Error::invalid_parameter(
                    "loss",
                    format!("must be 'hinge' or 'squared_hinge'; got '{other}'"),
                ))
            }
        };
        let cfg = SgdConfig {
            loss: LossFn::Hinge(1.0),
            penalty: PenaltyType::None,
            alpha: 1.0,
            l1_ratio: 0.0,
            max_iter: hp.max_iter,
            tol: hp.tol,
            n_iter_no_change: hp.n_iter_no_change,
            fit_intercept: hp.fit_intercept,
            shuffle: hp.shuffle,
            seed: 0,
            rate,
            eta0: hp.c,
            power_t: 0.5,
            t: 1.0,
            intercept_decay: SPARSE_INTERCEPT_DECAY,
            average: hp.average.start(),
        };
        Ok(PassiveAggressiveClassifier {
            hp,
            core: SgdCore::new(cfg, hp.random_state),
        })
    }
}

impl<L: Ord + Clone> PassiveAggressiveClassifier<L> {
    /// The builder, holding scikit-learn's defaults.
    pub fn params() -> PassiveAggressiveClassifierParams<L> {
        PassiveAggressiveClassifierParams {
            hp: DEFAULTS,
            _labels: PhantomData,
        }
    }

    crate::params::hyper_getters! {
        /// `C`.
        c: f64,
        /// `fit_intercept`.
        fit_intercept: bool,
        /// `max_iter`.
        max_iter: usize,
        /// `tol`.
        tol: Option<f64>,
        /// `shuffle`.
        shuffle: bool,
        /// `loss` (hinge: PA-I, squared hinge: PA-II).
        loss: Loss,
        /// `random_state`.
        random_state: Option<u32>,
        /// `n_iter_no_change`.
        n_iter_no_change: usize,
        /// `average`.
        average: Average,
    }
}

impl<L: Ord + Clone> Default for PassiveAggressiveClassifier<L> {
    fn default() -> Self {
        match PassiveAggressiveClassifier::<L>::params().build() {
            Ok(p) => p,
            Err(e) => unreachable!("default PassiveAggressiveClassifier parameters rejected: {e}"),
        }
    }
}

impl<L> fmt::Debug for PassiveAggressiveClassifier<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (h, d) = (&self.hp, &DEFAULTS);
        write_repr(
            f,
            "PassiveAggressiveClassifier",
            &mut [
                ("C", py_float(h.c), h.c == d.c),
                ("average", py_average(h.average), h.average == d.average),
                (
                    "fit_intercept",
                    py_bool(h.fit_intercept),
                    h.fit_intercept == d.fit_intercept,
                ),
                ("loss", py_str(h.loss), h.loss == d.loss),
                ("max_iter", h.max_iter.to_string(), h.max_iter == d.max_iter),
                (
                    "n_iter_no_change",
                    h.n_iter_no_change.to_string(),
                    h.n_iter_no_change == d.n_iter_no_change,
                ),
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

impl dklearn_codec::Encode for PaHyper {
    dklearn_codec::encode_fields!("dklearn_estimators::PaHyper";
        c, fit_intercept, max_iter, tol, shuffle, loss, random_state, n_iter_no_change, average);
}

/// Hyper-parameters and fitted state, bit for bit (see `dklearn_codec`).
impl<L: dklearn_codec::Encode> dklearn_codec::Encode for PassiveAggressiveClassifier<L> {
    dklearn_codec::encode_fields!(
        format!("dklearn_estimators::PassiveAggressiveClassifier<{}>", L::type_tag());
        hp, core
    );
}

/// `decision_function`; no `predict_proba` (as scikit-learn's).
impl<L: Ord + Clone> crate::traits::ResponseMethods<L> for PassiveAggressiveClassifier<L> {
    fn has_decision_function(&self) -> bool {
        true
    }
    fn decision_values(&self, x: &CsrMatrix) -> Result<ndarray::Array2<f64>, Error> {
        crate::traits::DecisionFunction::decision_function(self, x)
    }
    fn fitted_classes(&self) -> Option<&[L]> {
        PassiveAggressiveClassifier::classes_(self)
    }
}
