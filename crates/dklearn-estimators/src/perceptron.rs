//! `Perceptron`: scikit-learn's `Perceptron`, which is SGD with the perceptron
//! loss `max(0, -y p)`, a constant learning rate `eta0` (default 1) and no
//! penalty by default. One of the online learners of scikit-learn's
//! out-of-core example; `partial_fit` continues `t_` across calls.

use crate::error::Error;
use crate::params::Average;
use crate::params::{py_bool, py_float, py_opt_float, py_penalty, write_repr, Penalty};
use crate::sgd::{check_common, impl_sgd_family, penalty_type, SgdCore};
use crate::sgd_core::{self, SPARSE_INTERCEPT_DECAY};
use crate::sgd_fast::{LossFn, Rate, SgdConfig};
use dklearn_sparse::CsrMatrix;
use std::fmt;
use std::marker::PhantomData;

/// The perceptron, binary or one-vs-rest.
///
/// ```
/// use dklearn_estimators::{Perceptron, PartialFit, Predict};
/// use dklearn_sparse::CsrMatrix;
/// use ndarray::array;
///
/// let mut p = Perceptron::params().shuffle(false).build()?;
/// assert_eq!(format!("{p:?}"), "Perceptron(shuffle=False)");
/// let x = CsrMatrix::from_dense(&array![[1.0, 0.0], [0.0, 1.0], [0.9, 0.2]]);
/// p.partial_fit(&x, &[1, 0, 1], Some(&[0, 1]))?;
/// assert_eq!(p.predict(&x)?, vec![1, 0, 1]);
/// # Ok::<(), dklearn_estimators::Error>(())
/// ```
#[derive(Clone, PartialEq)]
pub struct Perceptron<L> {
    hp: PerceptronHyper,
    core: SgdCore<L>,
}

impl_sgd_family!(Perceptron, "Perceptron");

#[derive(Debug, Clone, Copy, PartialEq)]
struct PerceptronHyper {
    penalty: Option<Penalty>,
    alpha: f64,
    l1_ratio: f64,
    fit_intercept: bool,
    max_iter: usize,
    tol: Option<f64>,
    shuffle: bool,
    eta0: f64,
    random_state: Option<u32>,
    n_iter_no_change: usize,
}

const DEFAULTS: PerceptronHyper = PerceptronHyper {
    penalty: None,
    alpha: 1e-4,
    l1_ratio: 0.15,
    fit_intercept: true,
    max_iter: 1000,
    tol: Some(1e-3),
    shuffle: true,
    eta0: 1.0,
    random_state: Some(0),
    n_iter_no_change: 5,
};

/// Builder of a [`Perceptron`]; [`build`](PerceptronParams::build) checks the values.
#[derive(Debug, Clone, Copy)]
pub struct PerceptronParams<L> {
    hp: PerceptronHyper,
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

impl<L: Ord + Clone> PerceptronParams<L> {
    setters! {
        /// `penalty` (default `None`).
        penalty: Option<Penalty>,
        /// `alpha`, the penalty strength (default 1e-4, `>= 0`).
        alpha: f64,
        /// `l1_ratio` of the elastic net (default 0.15, in `[0, 1]`).
        l1_ratio: f64,
        /// `fit_intercept` (default true).
        fit_intercept: bool,
        /// `max_iter` epochs of `fit` (default 1000).
        max_iter: usize,
        /// `tol` of the stopping rule (default `Some(1e-3)`).
        tol: Option<f64>,
        /// `shuffle` before each epoch (default true).
        shuffle: bool,
        /// `eta0`, the constant learning rate (default 1.0, `> 0`).
        eta0: f64,
        /// `random_state` of the shuffles (default `Some(0)`, as scikit-learn's).
        random_state: Option<u32>,
        /// `n_iter_no_change` (default 5).
        n_iter_no_change: usize,
    }

    /// Checks the parameters and builds the (unfitted) perceptron.
    pub fn build(self) -> Result<Perceptron<L>, Error> {
        let hp = self.hp;
        check_common(
            hp.alpha,
            hp.max_iter,
            hp.tol,
            hp.n_iter_no_change,
            Average::Off,
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
        let cfg = SgdConfig {
            loss: LossFn::Hinge(0.0),
            penalty: penalty_type(hp.penalty),
            alpha: hp.alpha,
            l1_ratio: hp.l1_ratio,
            max_iter: hp.max_iter,
            tol: hp.tol,
            n_iter_no_change: hp.n_iter_no_change,
            fit_intercept: hp.fit_intercept,
            shuffle: hp.shuffle,
            seed: 0,
            rate: Rate::Constant,
            eta0: hp.eta0,
            power_t: 0.5,
            t: 1.0,
            intercept_decay: SPARSE_INTERCEPT_DECAY,
            average: 0,
        };
        Ok(Perceptron {
            hp,
            core: SgdCore::new(cfg, hp.random_state),
        })
    }
}

impl<L: Ord + Clone> Perceptron<L> {
    /// The builder, holding scikit-learn's defaults.
    pub fn params() -> PerceptronParams<L> {
        PerceptronParams {
            hp: DEFAULTS,
            _labels: PhantomData,
        }
    }

    crate::params::hyper_getters! {
        /// `penalty`.
        penalty: Option<Penalty>,
        /// `alpha`.
        alpha: f64,
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
        /// `eta0`.
        eta0: f64,
        /// `random_state`.
        random_state: Option<u32>,
        /// `n_iter_no_change`.
        n_iter_no_change: usize,
    }
}

impl<L: Ord + Clone> Default for Perceptron<L> {
    fn default() -> Self {
        match Perceptron::<L>::params().build() {
            Ok(p) => p,
            Err(e) => unreachable!("default Perceptron parameters rejected: {e}"),
        }
    }
}

impl<L> fmt::Debug for Perceptron<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (h, d) = (&self.hp, &DEFAULTS);
        write_repr(
            f,
            "Perceptron",
            &mut [
                ("alpha", py_float(h.alpha), h.alpha == d.alpha),
                ("eta0", py_float(h.eta0), h.eta0 == d.eta0),
                (
                    "fit_intercept",
                    py_bool(h.fit_intercept),
                    h.fit_intercept == d.fit_intercept,
                ),
                ("l1_ratio", py_float(h.l1_ratio), h.l1_ratio == d.l1_ratio),
                ("max_iter", h.max_iter.to_string(), h.max_iter == d.max_iter),
                (
                    "n_iter_no_change",
                    h.n_iter_no_change.to_string(),
                    h.n_iter_no_change == d.n_iter_no_change,
                ),
                ("penalty", py_penalty(h.penalty), h.penalty == d.penalty),
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

impl dklearn_codec::Encode for PerceptronHyper {
    dklearn_codec::encode_fields!("dklearn_estimators::PerceptronHyper";
        penalty, alpha, l1_ratio, fit_intercept, max_iter, tol, shuffle, eta0, random_state,
        n_iter_no_change);
}

/// Hyper-parameters and fitted state, bit for bit (see `dklearn_codec`).
impl<L: dklearn_codec::Encode> dklearn_codec::Encode for Perceptron<L> {
    dklearn_codec::encode_fields!(format!("dklearn_estimators::Perceptron<{}>", L::type_tag());
        hp, core);
}

/// `decision_function`; no `predict_proba` (as scikit-learn's).
impl<L: Ord + Clone> crate::traits::ResponseMethods<L> for Perceptron<L> {
    fn has_decision_function(&self) -> bool {
        true
    }
    fn decision_values(&self, x: &CsrMatrix) -> Result<ndarray::Array2<f64>, Error> {
        crate::traits::DecisionFunction::decision_function(self, x)
    }
    fn fitted_classes(&self) -> Option<&[L]> {
        Perceptron::classes_(self)
    }
}
