//! Setting a pipeline step's hyper-parameters by scikit-learn's name
//! (`set_params(alpha=1e-5)`): what a search needs of every step.

use crate::{Averaged, Chained};
use dklearn_estimators::model_selection::{unknown_param, ParamValue, ValueOf};
use dklearn_estimators::{
    Average, Error, LearningRate, LogisticRegression, Loss, MultinomialNB, Penalty, SGDClassifier,
    TfidfTransformer,
};
use dklearn_sparse::Norm;
use dklearn_text::HashingVectorizer;

/// A step whose parameters can be set by name. Errors are the estimator's
/// own: an unknown name lists the valid ones, an invalid value names the
/// step, the parameter and the value.
pub trait SetParam: Sized {
    /// The step's type name as scikit-learn prints it (`SGDClassifier`).
    fn type_name(&self) -> String;

    /// The parameter names accepted, as scikit-learn spells them.
    fn param_names(&self) -> Vec<&'static str>;

    /// An unfitted copy with `name` set to `value`.
    fn set_param(&self, name: &str, value: &ParamValue) -> Result<Self, Error>;
}

/// The unknown-parameter error of `step`.
pub(crate) fn unknown<S: SetParam>(step: &S, name: &str) -> Error {
    unknown_param(&step.type_name(), &step.param_names(), name)
}

impl<L: Ord + Clone> SetParam for SGDClassifier<L> {
    fn type_name(&self) -> String {
        "SGDClassifier".into()
    }

    fn param_names(&self) -> Vec<&'static str> {
        vec![
            "alpha",
            "average",
            "eta0",
            "fit_intercept",
            "l1_ratio",
            "learning_rate",
            "loss",
            "max_iter",
            "n_iter_no_change",
            "penalty",
            "power_t",
            "random_state",
            "shuffle",
            "tol",
        ]
    }

    fn set_param(&self, name: &str, value: &ParamValue) -> Result<Self, Error> {
        let v = ValueOf::new("SGDClassifier", name, value);
        let p = self.get_params();
        let p = match name {
            "alpha" => p.alpha(v.f64()?),
            "average" => p.average(match value {
                ParamValue::Bool(false) => Average::Off,
                ParamValue::Bool(true) => Average::On,
                _ => Average::From(v.usize()? as u64),
            }),
            "eta0" => p.eta0(v.f64()?),
            "fit_intercept" => p.fit_intercept(v.bool()?),
            "l1_ratio" => p.l1_ratio(v.f64()?),
            "learning_rate" => p.learning_rate(v.one_of(&[
                LearningRate::Optimal,
                LearningRate::Constant,
                LearningRate::InvScaling,
                LearningRate::Adaptive,
            ])?),
            "loss" => p.loss(v.one_of(&[
                Loss::Hinge,
                Loss::LogLoss,
                Loss::ModifiedHuber,
                Loss::SquaredHinge,
                Loss::Perceptron,
            ])?),
            "max_iter" => p.max_iter(v.usize()?),
            "n_iter_no_change" => p.n_iter_no_change(v.usize()?),
            "penalty" => p.penalty(match v.opt_str()? {
                None => None,
                Some(_) => Some(v.one_of(&[Penalty::L2, Penalty::L1, Penalty::ElasticNet])?),
            }),
            "power_t" => p.power_t(v.f64()?),
            "random_state" => p.random_state(v.opt_u32()?),
            "shuffle" => p.shuffle(v.bool()?),
            "tol" => p.tol(v.opt_f64()?),
            _ => return Err(unknown(self, name)),
        };
        p.build().map_err(|e| v.rejected(e))
    }
}

fn norm_value(v: &ValueOf<'_>) -> Result<Option<Norm>, Error> {
    match v.opt_str()? {
        None => Ok(None),
        Some(_) => v.one_of(&[Norm::L1, Norm::L2]).map(Some),
    }
}

impl SetParam for TfidfTransformer {
    fn type_name(&self) -> String {
        "TfidfTransformer".into()
    }

    fn param_names(&self) -> Vec<&'static str> {
        vec!["norm", "smooth_idf", "sublinear_tf", "use_idf"]
    }

    fn set_param(&self, name: &str, value: &ParamValue) -> Result<Self, Error> {
        let v = ValueOf::new("TfidfTransformer", name, value);
        let p = self.get_params();
        let p = match name {
            "norm" => p.norm(norm_value(&v)?),
            "smooth_idf" => p.smooth_idf(v.bool()?),
            "sublinear_tf" => p.sublinear_tf(v.bool()?),
            "use_idf" => p.use_idf(v.bool()?),
            _ => return Err(unknown(self, name)),
        };
        p.build()
    }
}

impl SetParam for HashingVectorizer {
    fn type_name(&self) -> String {
        "HashingVectorizer".into()
    }

    fn param_names(&self) -> Vec<&'static str> {
        vec![
            "alternate_sign",
            "analyzer",
            "binary",
            "lowercase",
            "n_features",
            "ngram_range",
            "norm",
        ]
    }

    fn set_param(&self, name: &str, value: &ParamValue) -> Result<Self, Error> {
        let v = ValueOf::new("HashingVectorizer", name, value);
        let p = self.get_params().clone();
        let p = match name {
            "alternate_sign" => p.alternate_sign(v.bool()?),
            "analyzer" => p.analyzer(v.str()?.parse().map_err(|e| v.rejected(e))?),
            "binary" => p.binary(v.bool()?),
            "lowercase" => p.lowercase(v.bool()?),
            "n_features" => p.n_features(v.usize()?),
            "ngram_range" => {
                let (lo, hi) = v.pair()?;
                p.ngram_range(lo, hi)
            }
            "norm" => p.norm(norm_value(&v)?),
            _ => return Err(unknown(self, name)),
        };
        p.build().map_err(|e| v.rejected(e))
    }
}

impl<L: Ord + Clone> SetParam for LogisticRegression<L> {
    fn type_name(&self) -> String {
        "LogisticRegression".into()
    }

    fn param_names(&self) -> Vec<&'static str> {
        vec!["C", "fit_intercept", "intercept_scaling", "max_iter", "tol"]
    }

    fn set_param(&self, name: &str, value: &ParamValue) -> Result<Self, Error> {
        let v = ValueOf::new("LogisticRegression", name, value);
        let p = self.get_params();
        let p = match name {
            "C" => p.c(v.f64()?),
            "fit_intercept" => p.fit_intercept(v.bool()?),
            "intercept_scaling" => p.intercept_scaling(v.f64()?),
            "max_iter" => p.max_iter(v.usize()?),
            "tol" => p.tol(v.f64()?),
            _ => return Err(unknown(self, name)),
        };
        p.build().map_err(|e| v.rejected(e))
    }
}

impl<L: Ord + Clone> SetParam for MultinomialNB<L> {
    fn type_name(&self) -> String {
        "MultinomialNB".into()
    }

    fn param_names(&self) -> Vec<&'static str> {
        vec!["alpha", "fit_prior", "force_alpha"]
    }

    fn set_param(&self, name: &str, value: &ParamValue) -> Result<Self, Error> {
        let v = ValueOf::new("MultinomialNB", name, value);
        let p = self.get_params();
        let p = match name {
            "alpha" => p.alpha(v.f64()?),
            "fit_prior" => p.fit_prior(v.bool()?),
            "force_alpha" => p.force_alpha(v.bool()?),
            _ => return Err(unknown(self, name)),
        };
        p.build().map_err(|e| v.rejected(e))
    }
}

macro_rules! delegate_set_param {
    ($wrapper:ident) => {
        impl<E: SetParam> SetParam for $wrapper<E> {
            fn type_name(&self) -> String {
                self.estimator().type_name()
            }
            fn param_names(&self) -> Vec<&'static str> {
                self.estimator().param_names()
            }
            fn set_param(&self, name: &str, value: &ParamValue) -> Result<Self, Error> {
                Ok($wrapper::new(self.estimator().set_param(name, value)?))
            }
        }
    };
}

delegate_set_param!(Chained);
delegate_set_param!(Averaged);
delegate_set_param!(Plain);

use crate::Plain;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_param_by_scikit_learn_name() {
        let sgd = SGDClassifier::<i8>::default();
        let s = sgd.set_param("alpha", &ParamValue::Float(1e-5)).unwrap();
        let s = s.set_param("loss", &"log_loss".into()).unwrap();
        assert_eq!(
            format!("{s:?}"),
            "SGDClassifier(alpha=1e-05, loss='log_loss')"
        );
        let e = sgd.set_param("alpah", &ParamValue::Float(1.0)).unwrap_err();
        assert!(
            e.to_string()
                .contains("invalid parameter 'alpah' for estimator SGDClassifier()"),
            "{e}"
        );
        let e = sgd
            .set_param("alpha", &ParamValue::Float(-1.0))
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("invalid value -1.0 for parameter 'alpha'"),
            "{e}"
        );
        let e = sgd.set_param("loss", &"hindge".into()).unwrap_err();
        assert!(e.to_string().contains("'hinge'"), "{e}");
        let e = sgd.set_param("alpha", &"x".into()).unwrap_err();
        assert!(e.to_string().contains("expected a float"), "{e}");
        let t = TfidfTransformer::params().build().unwrap();
        let t = t.set_param("norm", &ParamValue::None).unwrap();
        assert_eq!(format!("{t:?}"), "TfidfTransformer(norm=None)");
        let v = HashingVectorizer::params().build().unwrap();
        let v = v.set_param("ngram_range", &(1, 2).into()).unwrap();
        assert_eq!(
            v.get_params().clone(),
            HashingVectorizer::params().ngram_range(1, 2)
        );
        assert!(v.set_param("ngram_range", &(2, 1).into()).is_err());
        let c = Chained::new(sgd)
            .set_param("alpha", &ParamValue::Float(1e-6))
            .unwrap();
        assert_eq!(format!("{c:?}"), "Chained(SGDClassifier(alpha=1e-06))");
    }
}
