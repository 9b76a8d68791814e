//! Hyper-parameter vocabulary of the SGD family, spelled as scikit-learn spells
//! it (`Display` gives the scikit-learn string), and the helpers that print an
//! estimator like scikit-learn's repr (only the parameters that differ from the
//! defaults, in alphabetical order, values as Python prints them).

use std::fmt;

/// The loss minimised by [`SGDClassifier`](crate::SGDClassifier).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Loss {
    /// `'hinge'`: linear SVM, `max(0, 1 - y p)`.
    #[default]
    Hinge,
    /// `'log_loss'`: logistic regression, `log(1 + exp(p)) - y p` with `y ∈ {0, 1}`.
    LogLoss,
    /// `'modified_huber'`: quadratically smoothed hinge.
    ModifiedHuber,
    /// `'squared_hinge'`: `max(0, 1 - y p)²`.
    SquaredHinge,
    /// `'perceptron'`: `max(0, -y p)`.
    Perceptron,
}

impl fmt::Display for Loss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Loss::Hinge => "hinge",
            Loss::LogLoss => "log_loss",
            Loss::ModifiedHuber => "modified_huber",
            Loss::SquaredHinge => "squared_hinge",
            Loss::Perceptron => "perceptron",
        })
    }
}

/// The regularisation term (`penalty=None` is `Option::<Penalty>::None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Penalty {
    /// `'l2'`: `alpha/2 ||w||²`, applied by shrinking the weight scale.
    #[default]
    L2,
    /// `'l1'`: `alpha ||w||₁`, by scikit-learn's truncated gradient (cumulative penalty).
    L1,
    /// `'elasticnet'`: `l1_ratio` of L1 plus `1 - l1_ratio` of L2.
    ElasticNet,
}

impl fmt::Display for Penalty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Penalty::L2 => "l2",
            Penalty::L1 => "l1",
            Penalty::ElasticNet => "elasticnet",
        })
    }
}

/// The learning-rate schedule, `t` counting samples from 1 across calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum LearningRate {
    /// `'optimal'`: `eta = 1 / (alpha (t0 + t - 1))`, Léon Bottou's `t0` heuristic.
    #[default]
    Optimal,
    /// `'constant'`: `eta = eta0`.
    Constant,
    /// `'invscaling'`: `eta = eta0 / t^power_t`.
    InvScaling,
    /// `'adaptive'`: `eta0`, divided by 5 whenever `n_iter_no_change` epochs
    /// fail to improve the objective by `tol`.
    Adaptive,
}

impl fmt::Display for LearningRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LearningRate::Optimal => "optimal",
            LearningRate::Constant => "constant",
            LearningRate::InvScaling => "invscaling",
            LearningRate::Adaptive => "adaptive",
        })
    }
}

/// Averaged SGD (`average`): off, on from the first sample (`average=True`),
/// or from sample `n` on (`average=n`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Average {
    /// `average=False`.
    #[default]
    Off,
    /// `average=True`: average every iterate (same as `From(1)`).
    On,
    /// `average=n`: start averaging once `t` reaches `n` (`n >= 1`).
    From(u64),
}

impl Average {
    /// scikit-learn's integer value of the parameter (0 when off).
    pub fn start(self) -> u64 {
        match self {
            Average::Off => 0,
            Average::On => 1,
            Average::From(n) => n,
        }
    }
}

/// Read accessors of hyper-parameters kept in a field `hp`, named as
/// scikit-learn's parameters (for saving a model with its settings).
macro_rules! hyper_getters {
    ($( $(#[$doc:meta])* $name:ident : $t:ty ),* $(,)?) => {
        $(
            $(#[$doc])*
            pub fn $name(&self) -> $t {
                self.hp.$name
            }
        )*
    };
}
pub(crate) use hyper_getters;

/// A float as Python's `repr` prints it (`0.0001`, `1e-05`, `1.0`, `1e+16`).
pub(crate) fn py_float(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    // Rust's Debug switches to exponent notation at the same thresholds as
    // Python's repr (|x| < 1e-4 or >= 1e16) with the same shortest digits;
    // only the exponent is spelled differently.
    let s = format!("{x:?}");
    match s.split_once('e') {
        None => s,
        Some((mant, exp)) => {
            let (sign, digits) = match exp.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', exp),
            };
            let mant = mant.strip_suffix(".0").unwrap_or(mant);
            format!("{mant}e{sign}{digits:0>2}")
        }
    }
}

/// Python's `repr` of a string: single quotes.
pub(crate) fn py_str(s: impl fmt::Display) -> String {
    format!("'{s}'")
}

/// Python's `repr` of a bool.
pub(crate) fn py_bool(b: bool) -> String {
    if b { "True" } else { "False" }.into()
}

/// Python's `repr` of an optional penalty.
pub(crate) fn py_penalty(p: Option<Penalty>) -> String {
    p.map_or_else(|| "None".into(), py_str)
}

/// Python's `repr` of `average`.
pub(crate) fn py_average(a: Average) -> String {
    match a {
        Average::Off => "False".into(),
        Average::On => "True".into(),
        Average::From(n) => n.to_string(),
    }
}

/// Python's `repr` of an optional float (`tol=None`).
pub(crate) fn py_opt_float(x: Option<f64>) -> String {
    x.map_or_else(|| "None".into(), py_float)
}

/// Writes `Name(k1=v1, k2=v2)` from `(name, value, is_default)` triples, keeping
/// the non-default ones sorted by name, as scikit-learn's repr does.
pub(crate) fn write_repr(
    f: &mut fmt::Formatter<'_>,
    name: &str,
    params: &mut [(&str, String, bool)],
) -> fmt::Result {
    params.sort_by(|a, b| a.0.cmp(b.0));
    write!(f, "{name}(")?;
    let mut first = true;
    for (k, v, is_default) in params.iter() {
        if *is_default {
            continue;
        }
        if !first {
            f.write_str(", ")?;
        }
        first = false;
        write!(f, "{k}={v}")?;
    }
    f.write_str(")")
}

dklearn_codec::encode_unit_enum!(
    Loss,
    "dklearn_estimators::Loss",
    [Hinge, LogLoss, ModifiedHuber, SquaredHinge, Perceptron]
);
dklearn_codec::encode_unit_enum!(Penalty, "dklearn_estimators::Penalty", [L2, L1, ElasticNet]);
dklearn_codec::encode_unit_enum!(
    LearningRate,
    "dklearn_estimators::LearningRate",
    [Optimal, Constant, InvScaling, Adaptive]
);

impl dklearn_codec::Encode for Average {
    fn type_tag() -> std::borrow::Cow<'static, str> {
        "dklearn_estimators::Average".into()
    }
    fn encoded_len(&self) -> usize {
        match self {
            Average::From(_) => 9,
            _ => 1,
        }
    }
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Average::Off => out.push(0),
            Average::On => out.push(1),
            Average::From(n) => {
                out.push(2);
                out.extend_from_slice(&n.to_le_bytes());
            }
        }
    }
    fn decode(r: &mut dklearn_codec::Reader<'_>) -> Result<Self, dklearn_codec::Error> {
        match r.u8()? {
            0 => Ok(Average::Off),
            1 => Ok(Average::On),
            2 => Ok(Average::From(r.u64()?)),
            b => Err(dklearn_codec::Error::invalid(format!(
                "Average variant {b}"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_as_python() {
        assert_eq!(py_float(0.0001), "0.0001");
        assert_eq!(py_float(1e-5), "1e-05");
        assert_eq!(py_float(1.5e-7), "1.5e-07");
        assert_eq!(py_float(1.0), "1.0");
        assert_eq!(py_float(0.15), "0.15");
        assert_eq!(py_float(1e16), "1e+16");
        assert_eq!(py_float(123456.0), "123456.0");
    }

    #[test]
    fn names_are_sklearn_strings() {
        assert_eq!(Loss::LogLoss.to_string(), "log_loss");
        assert_eq!(Penalty::ElasticNet.to_string(), "elasticnet");
        assert_eq!(LearningRate::InvScaling.to_string(), "invscaling");
        assert_eq!(py_penalty(None), "None");
        assert_eq!(py_average(Average::From(10)), "10");
    }
}
