//! Each estimator to and from its scikit-learn object node: constructor
//! parameters and fitted attributes exactly as scikit-learn 1.9.1 sets them.

use crate::attrs::{f64_1d, f64_2d, int_1d, Attrs};
use crate::error::Error;
use crate::label::SkopsLabel;
use crate::npy;
use crate::schema::{Node, Writer};
use dklearn_estimators::{
    Average, LearningRate, LogisticRegression, Loss, MultinomialNB, PassiveAggressiveClassifier,
    Penalty, Perceptron, SGDClassifier, SgdAverageState, SgdState,
};
use dklearn_sparse::Norm;
use dklearn_text::{Analyzer, HashingVectorizer};
use ndarray::Array2;
use serde_json::{json, Value};

/// The scikit-learn version whose attributes are written.
pub(crate) const SKLEARN_VERSION: &str = "1.9.1";

/// A model that is one scikit-learn object.
pub(crate) trait Codec: Sized {
    /// `(module, class)` of the scikit-learn object.
    const PY: (&'static str, &'static str);
    /// The object's node.
    fn write(&self, w: &mut Writer) -> Result<Value, Error>;
    /// Reads the object from its attributes.
    fn read(a: &mut Attrs) -> Result<Self, Error>;
}

/// Reads `node`, which must be a `T` object, checking every attribute is known.
pub(crate) fn read_object<T: Codec>(node: &Node, at: &str) -> Result<T, Error> {
    match node {
        Node::Object {
            module,
            class,
            attrs,
            ..
        } => {
            if (module.as_str(), class.as_str()) != T::PY {
                return Err(Error::format(format!(
                    "{}: the file holds a {module}.{class}, not a {}.{}",
                    crate::schema::show(at),
                    T::PY.0,
                    T::PY.1
                )));
            }
            let mut a = Attrs::new(T::PY.1, at, attrs.clone().unwrap_or_default());
            let out = T::read(&mut a)?;
            a.finish()?;
            Ok(out)
        }
        other => Err(Error::format(format!(
            "{}: expected a {}.{} object, found {}",
            crate::schema::show(at),
            T::PY.0,
            T::PY.1,
            other.describe()
        ))),
    }
}

fn jf(x: f64) -> Value {
    json!(x)
}

fn opt<T: Into<Value>>(x: Option<T>) -> Value {
    x.map_or(Value::Null, Into::into)
}

// ------------------------------------------------------ HashingVectorizer --

/// scikit-learn's default `token_pattern`, the only one dklearn tokenizes.
const TOKEN_PATTERN: &str = r"(?u)\b\w\w+\b";

impl Codec for HashingVectorizer {
    const PY: (&'static str, &'static str) =
        ("sklearn.feature_extraction.text", "HashingVectorizer");

    fn write(&self, w: &mut Writer) -> Result<Value, Error> {
        let (lo, hi) = self.ngram_range();
        let norm = match self.norm() {
            None => Value::Null,
            Some(Norm::L1) => json!("l1"),
            Some(Norm::L2) => json!("l2"),
        };
        let ngram = {
            let items = vec![w.json(json!(lo)), w.json(json!(hi))];
            w.seq(true, items)
        };
        let attrs = vec![
            ("input", w.json(json!("content"))),
            ("encoding", w.json(json!("utf-8"))),
            ("decode_error", w.json(json!("strict"))),
            ("strip_accents", w.json(Value::Null)),
            ("preprocessor", w.json(Value::Null)),
            ("tokenizer", w.json(Value::Null)),
            ("analyzer", w.json(json!(self.analyzer().to_string()))),
            ("lowercase", w.json(json!(self.lowercase()))),
            ("token_pattern", w.json(json!(TOKEN_PATTERN))),
            ("stop_words", w.json(Value::Null)),
            ("n_features", w.json(json!(self.n_features()))),
            ("ngram_range", ngram),
            ("binary", w.json(json!(self.binary()))),
            ("norm", w.json(norm)),
            ("alternate_sign", w.json(json!(self.alternate_sign()))),
            ("dtype", w.type_node("numpy", "float64")),
            ("_sklearn_version", w.json(json!(SKLEARN_VERSION))),
        ];
        Ok(w.object(Self::PY.0, Self::PY.1, attrs))
    }

    fn read(a: &mut Attrs) -> Result<Self, Error> {
        a.expect("input", json!("content"), "texts are given as strings")?;
        let enc = a.string("encoding")?;
        if !matches!(enc.to_ascii_lowercase().as_str(), "utf-8" | "utf8") {
            return Err(Error::unsupported(
                "encoding",
                format!("{:?}; dklearn reads UTF-8 only", enc),
            ));
        }
        let de = a.string("decode_error")?;
        if !matches!(de.as_str(), "strict" | "ignore" | "replace") {
            return Err(Error::unsupported("decode_error", format!("{de:?}")));
        }
        a.expect("strip_accents", Value::Null, "accents are kept")?;
        a.expect("preprocessor", Value::Null, "no custom preprocessor")?;
        a.expect("tokenizer", Value::Null, "no custom tokenizer")?;
        a.expect("stop_words", Value::Null, "no stop words")?;
        let analyzer: Analyzer = a
            .string("analyzer")?
            .parse()
            .map_err(|e: dklearn_text::Error| Error::unsupported("analyzer", e.to_string()))?;
        let pattern = a.json("token_pattern")?;
        if analyzer == Analyzer::Word && pattern != json!(TOKEN_PATTERN) {
            return Err(Error::unsupported(
                "token_pattern",
                format!("{pattern}; dklearn tokenizes only the default {TOKEN_PATTERN:?}"),
            ));
        }
        let lowercase = a.bool("lowercase")?;
        let n_features = a.usize("n_features")?;
        let range = a.loc("ngram_range");
        let (lo, hi) = match a.node("ngram_range")? {
            Node::Seq(items) if items.len() == 2 => {
                let n = |i: usize| {
                    items[i]
                        .as_json()
                        .and_then(Value::as_u64)
                        .and_then(|v| usize::try_from(v).ok())
                };
                match (n(0), n(1)) {
                    (Some(lo), Some(hi)) => (lo, hi),
                    _ => {
                        return Err(Error::format(format!(
                            "{range}: expected a pair of integers"
                        )))
                    }
                }
            }
            other => {
                return Err(Error::format(format!(
                    "{range}: expected a pair of integers, found {}",
                    other.describe()
                )))
            }
        };
        let binary = a.bool("binary")?;
        let norm = match a.json("norm")? {
            Value::Null => None,
            v if v == json!("l2") => Some(Norm::L2),
            v if v == json!("l1") => Some(Norm::L1),
            v => return Err(Error::unsupported("norm", format!("{v}"))),
        };
        let alternate_sign = a.bool("alternate_sign")?;
        let dtype_loc = a.loc("dtype");
        match a.node("dtype")? {
            Node::Type { module, class } if module == "numpy" && class == "float64" => {}
            other => {
                return Err(Error::unsupported(
                    "dtype",
                    format!(
                        "{dtype_loc} is {}; dklearn computes in float64",
                        other.describe()
                    ),
                ))
            }
        }
        a.ignore(&["_sklearn_version", "_stop_words_id"]);
        Ok(HashingVectorizer::params()
            .n_features(n_features)
            .alternate_sign(alternate_sign)
            .norm(norm)
            .ngram_range(lo, hi)
            .analyzer(analyzer)
            .binary(binary)
            .lowercase(lowercase)
            .build()?)
    }
}

// ------------------------------------------------------------ SGD family --

fn loss_name(l: Loss) -> String {
    l.to_string()
}

fn parse_loss(s: &str) -> Result<Loss, Error> {
    Ok(match s {
        "hinge" => Loss::Hinge,
        "log_loss" => Loss::LogLoss,
        "modified_huber" => Loss::ModifiedHuber,
        "squared_hinge" => Loss::SquaredHinge,
        "perceptron" => Loss::Perceptron,
        other => {
            return Err(Error::unsupported(
                "loss",
                format!("{other:?}; dklearn's classifiers support hinge, log_loss, modified_huber, squared_hinge, perceptron"),
            ))
        }
    })
}

fn parse_penalty(v: &Value) -> Result<Option<Penalty>, Error> {
    Ok(match v {
        Value::Null => None,
        v if *v == json!("l2") => Some(Penalty::L2),
        v if *v == json!("l1") => Some(Penalty::L1),
        v if *v == json!("elasticnet") => Some(Penalty::ElasticNet),
        v => return Err(Error::unsupported("penalty", format!("{v}"))),
    })
}

fn parse_rate(s: &str) -> Result<LearningRate, Error> {
    Ok(match s {
        "optimal" => LearningRate::Optimal,
        "constant" => LearningRate::Constant,
        "invscaling" => LearningRate::InvScaling,
        "adaptive" => LearningRate::Adaptive,
        other => {
            return Err(Error::unsupported(
                "learning_rate",
                format!("{other:?}; dklearn's SGDClassifier supports optimal, constant, invscaling, adaptive"),
            ))
        }
    })
}

fn average_json(a: Average) -> Value {
    match a {
        Average::Off => json!(false),
        Average::On => json!(true),
        Average::From(n) => json!(n),
    }
}

fn parse_average(v: &Value) -> Result<Average, Error> {
    match v {
        Value::Bool(false) => Ok(Average::Off),
        Value::Bool(true) => Ok(Average::On),
        v => match v.as_u64() {
            Some(0) => Ok(Average::Off),
            Some(n) => Ok(Average::From(n)),
            None => Err(Error::unsupported("average", format!("{v}"))),
        },
    }
}

fn parse_random_state(v: &Value) -> Result<Option<u32>, Error> {
    match v {
        Value::Null => Ok(None),
        v => v
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| {
                Error::unsupported(
                    "random_state",
                    format!("{v}; dklearn takes None or an integer seed in [0, 2**32 - 1]"),
                )
            }),
    }
}

/// The SGD-family parameters every member saves with the same meaning.
struct SgdCommon {
    fit_intercept: bool,
    max_iter: usize,
    tol: Option<f64>,
    shuffle: bool,
    random_state: Option<u32>,
    n_iter_no_change: usize,
    average: Average,
}

/// Reads the parameters the family shares and refuses those dklearn does not
/// implement: `early_stopping`, `warm_start`, `class_weight`.
fn read_sgd_common(a: &mut Attrs) -> Result<SgdCommon, Error> {
    a.expect(
        "early_stopping",
        json!(false),
        "the stopping rule is the training objective's",
    )?;
    a.expect(
        "warm_start",
        json!(false),
        "fit always starts from zero weights",
    )?;
    a.expect("class_weight", Value::Null, "every class has weight 1")?;
    // No effect on the model: logging, threads, the held-out fraction of
    // early stopping (off), epsilon of the regression losses (not offered).
    a.ignore(&[
        "verbose",
        "n_jobs",
        "validation_fraction",
        "epsilon",
        "_sklearn_version",
    ]);
    let rs = a.json("random_state")?;
    let avg = a.json("average")?;
    Ok(SgdCommon {
        fit_intercept: a.bool("fit_intercept")?,
        max_iter: a.usize("max_iter")?,
        tol: a.opt_f64("tol")?,
        shuffle: a.bool("shuffle")?,
        random_state: parse_random_state(&rs)?,
        n_iter_no_change: a.usize("n_iter_no_change")?,
        average: parse_average(&avg)?,
    })
}

/// The fitted attributes scikit-learn sets on the SGD family, in its order.
const SGD_FITTED: &[&str] = &[
    "coef_",
    "intercept_",
    "_standard_coef",
    "_standard_intercept",
    "_average_coef",
    "_average_intercept",
    "t_",
    "n_features_in_",
    "classes_",
    "_expanded_class_weight",
    "_loss_function_",
    "n_iter_",
];

/// Refuses an object that holds some fitted attributes without `key`.
fn check_unfitted(a: &Attrs, key: &str, fitted: &[&str]) -> Result<(), Error> {
    if let Some(k) = fitted.iter().find(|k| a.has(k)) {
        return Err(Error::format(format!(
            "{}: the {} has the fitted attribute {k} but no {key} (half-fitted)",
            crate::schema::show(&a.at),
            a.owner
        )));
    }
    Ok(())
}

/// The classes_ array as labels.
fn read_classes<L: SkopsLabel>(a: &mut Attrs) -> Result<Vec<L>, Error> {
    let loc = a.loc("classes_");
    let (arr, _) = a.array("classes_")?;
    if arr.shape.len() != 1 {
        return Err(Error::format(format!(
            "{loc}: expected a 1-D array, found shape {:?}",
            arr.shape
        )));
    }
    L::from_npy(&arr).map_err(|e| Error::format(format!("{loc}: {e}")))
}

fn check_n_features(a: &mut Attrs, ncols: usize) -> Result<(), Error> {
    let n = a.usize("n_features_in_")?;
    if n != ncols {
        return Err(Error::format(format!(
            "{}: {n}, but coef_ has {ncols} columns",
            a.loc("n_features_in_")
        )));
    }
    Ok(())
}

/// Reads the SGD family's fitted state (`None` when unfitted). `averaging`:
/// whether the estimator averages (then the four plain/averaged arrays are
/// required and `coef_`/`intercept_` must be one of them, as scikit-learn
/// aliases them).
fn read_sgd_state<L: SkopsLabel>(
    a: &mut Attrs,
    average: Average,
    loss_ok: &dyn Fn(&str, &[Node]) -> bool,
) -> Result<Option<SgdState<L>>, Error> {
    if !a.has("coef_") {
        check_unfitted(a, "coef_", SGD_FITTED)?;
        return Ok(None);
    }
    let averaging = average != Average::Off;
    let average_start = match average {
        Average::Off => 0.0,
        Average::On => 1.0,
        Average::From(n) => n as f64,
    };
    let (coef_loc, icpt_loc) = (a.loc("coef_"), a.loc("intercept_"));
    let (coef_a, _) = a.array("coef_")?;
    let (icpt_a, _) = a.array("intercept_")?;
    let coef = f64_2d(&coef_a, &coef_loc)?;
    let intercept = f64_1d(&icpt_a, &icpt_loc)?;
    let classes = read_classes::<L>(a)?;
    check_n_features(a, coef.ncols())?;
    let t = a.f64("t_")?;
    let n_iter = a.usize("n_iter_")?;
    let ecw_loc = a.loc("_expanded_class_weight");
    let (ecw, _) = a.array("_expanded_class_weight")?;
    let ecw = f64_1d(&ecw, &ecw_loc)?;
    if ecw.len() != classes.len() || ecw.iter().any(|&w| w != 1.0) {
        return Err(Error::unsupported(
            "class_weight",
            format!("{ecw_loc} is not all ones: dklearn gives every class weight 1"),
        ));
    }
    let loss_loc = a.loc("_loss_function_");
    match a.node("_loss_function_")? {
        Node::Loss { class, args } if loss_ok(class, args) => {}
        other => {
            return Err(Error::format(format!(
                "{loss_loc}: {} does not match the estimator's loss",
                other.describe()
            )))
        }
    }
    let average = if averaging {
        // scikit-learn keeps the plain and averaged iterates (1-D for two
        // classes); coef_/intercept_ are the averaged ones once `average <=
        // t_ - 1`, else the plain ones (a reshaped view for two classes, the
        // same array for more).
        let started = average_start <= t - 1.0;
        let mut arr2 = |key: &str| -> Result<Array2<f64>, Error> {
            let loc = a.loc(key);
            let (x, _) = a.array(key)?;
            if x.shape.len() == 1 {
                let v = f64_1d(&x, &loc)?;
                let n = v.len();
                Array2::from_shape_vec((1, n), v).map_err(|e| Error::format(format!("{loc}: {e}")))
            } else {
                f64_2d(&x, &loc)
            }
        };
        let sc = arr2("_standard_coef")?;
        let ac = arr2("_average_coef")?;
        let mut arr1 = |key: &str| -> Result<Vec<f64>, Error> {
            let loc = a.loc(key);
            f64_1d(&a.array(key)?.0, &loc)
        };
        let si = arr1("_standard_intercept")?;
        let ai = arr1("_average_intercept")?;
        let same = |x: &[f64], y: &[f64]| {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| p.to_bits() == q.to_bits())
        };
        let (want_c, want_i) = if started { (&ac, &ai) } else { (&sc, &si) };
        let coef_flat: Vec<f64> = coef.iter().copied().collect();
        let want_flat: Vec<f64> = want_c.iter().copied().collect();
        if coef.dim() != want_c.dim() || !same(&coef_flat, &want_flat) || !same(&intercept, want_i)
        {
            return Err(Error::format(format!(
                "{coef_loc}: with averaging, coef_ and intercept_ must equal the {} arrays at t_ = {t} \
                 (as scikit-learn sets them)",
                if started { "averaged" } else { "plain" }
            )));
        }
        Some((
            sc,
            si,
            SgdAverageState {
                average_coef: ac,
                average_intercept: ai,
                coef_is_average: started,
                intercept_is_average: started,
            },
        ))
    } else {
        None
    };
    Ok(Some(match average {
        None => SgdState {
            classes,
            standard_coef: coef,
            standard_intercept: intercept,
            average: None,
            t,
            n_iter,
        },
        Some((sc, si, avg)) => SgdState {
            classes,
            standard_coef: sc,
            standard_intercept: si,
            average: Some(avg),
            t,
            n_iter,
        },
    }))
}

/// The loss object scikit-learn keeps in `_loss_function_`: `(module, class, args)`.
fn loss_object(loss: Loss) -> (&'static str, &'static str, Vec<f64>) {
    const SGD: &str = "sklearn.linear_model._sgd_fast";
    match loss {
        Loss::Hinge => (SGD, "Hinge", vec![1.0]),
        Loss::Perceptron => (SGD, "Hinge", vec![0.0]),
        Loss::SquaredHinge => (SGD, "SquaredHinge", vec![1.0]),
        Loss::ModifiedHuber => (SGD, "ModifiedHuber", vec![]),
        Loss::LogLoss => ("sklearn._loss._loss", "CyHalfBinomialLoss", vec![]),
    }
}

/// Whether a loss node is the one of `loss`.
fn loss_matches(loss: Loss, class: &str, args: &[Node]) -> bool {
    let (_, c, want) = loss_object(loss);
    c == class
        && args.len() == want.len()
        && args
            .iter()
            .zip(&want)
            .all(|(n, w)| n.as_json().and_then(Value::as_f64) == Some(*w))
}

/// The fitted attributes of an SGD-family state, in scikit-learn's order,
/// with `coef_`/`intercept_` the same nodes as the arrays they alias.
fn write_sgd_state<L: SkopsLabel>(
    w: &mut Writer,
    s: &SgdState<L>,
    loss: Loss,
) -> Result<Vec<(&'static str, Value)>, Error> {
    let arr2 = |w: &mut Writer, a: &Array2<f64>| {
        let a = a.as_standard_layout();
        w.array(npy::write_f64(
            &[a.nrows(), a.ncols()],
            a.as_slice().unwrap_or(&[]),
        ))
    };
    let arr1 = |w: &mut Writer, v: &[f64]| w.array(npy::write_f64(&[v.len()], v));
    let mut out = Vec::new();
    match &s.average {
        None => {
            out.push(("coef_", arr2(w, &s.standard_coef)));
            out.push(("intercept_", arr1(w, &s.standard_intercept)));
        }
        Some(avg) => {
            // Two classes: the iterates are 1-D and coef_ is a (1, n) view of
            // one, a separate array in the file; more: coef_ is the same array.
            let binary = s.standard_coef.nrows() == 1;
            let iterate = |w: &mut Writer, c: &Array2<f64>| {
                if binary {
                    let c = c.as_standard_layout();
                    w.array(npy::write_f64(&[c.ncols()], c.as_slice().unwrap_or(&[])))
                } else {
                    arr2(w, c)
                }
            };
            let sc = iterate(w, &s.standard_coef);
            let si = arr1(w, &s.standard_intercept);
            let ac = iterate(w, &avg.average_coef);
            let ai = arr1(w, &avg.average_intercept);
            let coef_src = if avg.coef_is_average {
                (&avg.average_coef, &ac)
            } else {
                (&s.standard_coef, &sc)
            };
            let coef = if binary {
                arr2(w, coef_src.0)
            } else {
                coef_src.1.clone()
            };
            let icpt = if avg.intercept_is_average { &ai } else { &si }.clone();
            out.push(("coef_", coef));
            out.push(("intercept_", icpt));
            out.push(("_standard_coef", sc));
            out.push(("_standard_intercept", si));
            out.push(("_average_coef", ac));
            out.push(("_average_intercept", ai));
        }
    }
    out.push(("t_", w.json(json!(s.t))));
    out.push(("n_features_in_", w.json(json!(s.standard_coef.ncols()))));
    let classes = L::to_npy(&s.classes).map_err(Error::format)?;
    out.push(("classes_", w.array(classes)));
    out.push((
        "_expanded_class_weight",
        w.array(npy::write_f64(
            &[s.classes.len()],
            &vec![1.0; s.classes.len()],
        )),
    ));
    let (module, class, args) = loss_object(loss);
    let args = args.into_iter().map(|x| w.json(jf(x))).collect();
    out.push(("_loss_function_", w.loss(module, class, args)));
    out.push(("n_iter_", w.json(json!(s.n_iter))));
    Ok(out)
}

impl<L: SkopsLabel> Codec for SGDClassifier<L> {
    const PY: (&'static str, &'static str) =
        ("sklearn.linear_model._stochastic_gradient", "SGDClassifier");

    fn write(&self, w: &mut Writer) -> Result<Value, Error> {
        let mut attrs = vec![
            ("loss", w.json(json!(loss_name(self.loss())))),
            (
                "penalty",
                w.json(opt(self.penalty().map(|p| p.to_string()))),
            ),
            (
                "learning_rate",
                w.json(json!(self.learning_rate().to_string())),
            ),
            ("epsilon", w.json(jf(0.1))),
            ("alpha", w.json(jf(self.alpha()))),
            ("l1_ratio", w.json(jf(self.l1_ratio()))),
            ("fit_intercept", w.json(json!(self.fit_intercept()))),
            ("shuffle", w.json(json!(self.shuffle()))),
            ("random_state", w.json(opt(self.random_state()))),
            ("verbose", w.json(json!(0))),
            ("eta0", w.json(jf(self.eta0()))),
            ("power_t", w.json(jf(self.power_t()))),
            ("early_stopping", w.json(json!(false))),
            ("validation_fraction", w.json(jf(0.1))),
            ("n_iter_no_change", w.json(json!(self.n_iter_no_change()))),
            ("warm_start", w.json(json!(false))),
            ("average", w.json(average_json(self.average()))),
            ("max_iter", w.json(json!(self.max_iter()))),
            ("tol", w.json(opt(self.tol()))),
            ("class_weight", w.json(Value::Null)),
            ("n_jobs", w.json(Value::Null)),
        ];
        if let Some(s) = self.fitted_state() {
            attrs.extend(write_sgd_state(w, &s, self.loss())?);
        }
        attrs.push(("_sklearn_version", w.json(json!(SKLEARN_VERSION))));
        Ok(w.object(Self::PY.0, Self::PY.1, attrs))
    }

    fn read(a: &mut Attrs) -> Result<Self, Error> {
        let c = read_sgd_common(a)?;
        let loss = parse_loss(&a.string("loss")?)?;
        let penalty = parse_penalty(&a.json("penalty")?)?;
        let rate = parse_rate(&a.string("learning_rate")?)?;
        let est = SGDClassifier::<L>::params()
            .loss(loss)
            .penalty(penalty)
            .alpha(a.f64("alpha")?)
            .l1_ratio(a.f64("l1_ratio")?)
            .fit_intercept(c.fit_intercept)
            .max_iter(c.max_iter)
            .tol(c.tol)
            .shuffle(c.shuffle)
            .random_state(c.random_state)
            .learning_rate(rate)
            .eta0(a.f64("eta0")?)
            .power_t(a.f64("power_t")?)
            .n_iter_no_change(c.n_iter_no_change)
            .average(c.average)
            .build()?;
        let ok = move |class: &str, args: &[Node]| loss_matches(loss, class, args);
        match read_sgd_state::<L>(a, c.average, &ok)? {
            None => Ok(est),
            Some(s) => Ok(est.with_fitted_state(s)?),
        }
    }
}

impl<L: SkopsLabel> Codec for Perceptron<L> {
    const PY: (&'static str, &'static str) = ("sklearn.linear_model._perceptron", "Perceptron");

    fn write(&self, w: &mut Writer) -> Result<Value, Error> {
        let mut attrs = vec![
            ("loss", w.json(json!("perceptron"))),
            (
                "penalty",
                w.json(opt(self.penalty().map(|p| p.to_string()))),
            ),
            ("learning_rate", w.json(json!("constant"))),
            ("epsilon", w.json(jf(0.1))),
            ("alpha", w.json(jf(self.alpha()))),
            ("l1_ratio", w.json(jf(self.l1_ratio()))),
            ("fit_intercept", w.json(json!(self.fit_intercept()))),
            ("shuffle", w.json(json!(self.shuffle()))),
            ("random_state", w.json(opt(self.random_state()))),
            ("verbose", w.json(json!(0))),
            ("eta0", w.json(jf(self.eta0()))),
            ("power_t", w.json(jf(0.5))),
            ("early_stopping", w.json(json!(false))),
            ("validation_fraction", w.json(jf(0.1))),
            ("n_iter_no_change", w.json(json!(self.n_iter_no_change()))),
            ("warm_start", w.json(json!(false))),
            ("average", w.json(json!(false))),
            ("max_iter", w.json(json!(self.max_iter()))),
            ("tol", w.json(opt(self.tol()))),
            ("class_weight", w.json(Value::Null)),
            ("n_jobs", w.json(Value::Null)),
        ];
        if let Some(s) = self.fitted_state() {
            attrs.extend(write_sgd_state(w, &s, Loss::Perceptron)?);
        }
        attrs.push(("_sklearn_version", w.json(json!(SKLEARN_VERSION))));
        Ok(w.object(Self::PY.0, Self::PY.1, attrs))
    }

    fn read(a: &mut Attrs) -> Result<Self, Error> {
        let c = read_sgd_common(a)?;
        // Fixed by Perceptron's constructor; anything else is not a Perceptron.
        a.expect("loss", json!("perceptron"), "a Perceptron's loss")?;
        a.expect(
            "learning_rate",
            json!("constant"),
            "a Perceptron's schedule",
        )?;
        a.expect("average", json!(false), "a Perceptron does not average")?;
        a.ignore(&["power_t"]);
        let penalty = parse_penalty(&a.json("penalty")?)?;
        let est = Perceptron::<L>::params()
            .penalty(penalty)
            .alpha(a.f64("alpha")?)
            .l1_ratio(a.f64("l1_ratio")?)
            .fit_intercept(c.fit_intercept)
            .max_iter(c.max_iter)
            .tol(c.tol)
            .shuffle(c.shuffle)
            .eta0(a.f64("eta0")?)
            .random_state(c.random_state)
            .n_iter_no_change(c.n_iter_no_change)
            .build()?;
        let ok = |class: &str, args: &[Node]| loss_matches(Loss::Perceptron, class, args);
        match read_sgd_state::<L>(a, Average::Off, &ok)? {
            None => Ok(est),
            Some(s) => Ok(est.with_fitted_state(s)?),
        }
    }
}

impl<L: SkopsLabel> Codec for PassiveAggressiveClassifier<L> {
    const PY: (&'static str, &'static str) = (
        "sklearn.linear_model._passive_aggressive",
        "PassiveAggressiveClassifier",
    );

    fn write(&self, w: &mut Writer) -> Result<Value, Error> {
        let mut attrs = vec![
            ("loss", w.json(json!(loss_name(self.loss())))),
            ("penalty", w.json(Value::Null)),
            ("learning_rate", w.json(json!("optimal"))),
            ("epsilon", w.json(jf(0.1))),
            ("alpha", w.json(jf(0.0001))),
            ("l1_ratio", w.json(jf(0.15))),
            ("fit_intercept", w.json(json!(self.fit_intercept()))),
            ("shuffle", w.json(json!(self.shuffle()))),
            ("random_state", w.json(opt(self.random_state()))),
            ("verbose", w.json(json!(0))),
            ("eta0", w.json(jf(1.0))),
            ("power_t", w.json(jf(0.5))),
            ("early_stopping", w.json(json!(false))),
            ("validation_fraction", w.json(jf(0.1))),
            ("n_iter_no_change", w.json(json!(self.n_iter_no_change()))),
            ("warm_start", w.json(json!(false))),
            ("average", w.json(average_json(self.average()))),
            ("max_iter", w.json(json!(self.max_iter()))),
            ("tol", w.json(opt(self.tol()))),
            ("class_weight", w.json(Value::Null)),
            ("n_jobs", w.json(Value::Null)),
            ("C", w.json(jf(self.c()))),
        ];
        if let Some(s) = self.fitted_state() {
            // PassiveAggressive keeps a hinge loss object for both PA-I and PA-II.
            attrs.extend(write_sgd_state(w, &s, Loss::Hinge)?);
        }
        attrs.push(("_sklearn_version", w.json(json!(SKLEARN_VERSION))));
        Ok(w.object(Self::PY.0, Self::PY.1, attrs))
    }

    fn read(a: &mut Attrs) -> Result<Self, Error> {
        let c = read_sgd_common(a)?;
        // Set by BaseSGD's constructor but unused by PassiveAggressive's fit.
        a.ignore(&[
            "penalty",
            "learning_rate",
            "alpha",
            "l1_ratio",
            "eta0",
            "power_t",
        ]);
        let loss = match a.string("loss")?.as_str() {
            "hinge" => Loss::Hinge,
            "squared_hinge" => Loss::SquaredHinge,
            other => return Err(Error::unsupported("loss", format!("{other:?}"))),
        };
        let est = PassiveAggressiveClassifier::<L>::params()
            .c(a.f64("C")?)
            .fit_intercept(c.fit_intercept)
            .max_iter(c.max_iter)
            .tol(c.tol)
            .shuffle(c.shuffle)
            .loss(loss)
            .random_state(c.random_state)
            .n_iter_no_change(c.n_iter_no_change)
            .average(c.average)
            .build()?;
        let ok = |class: &str, args: &[Node]| loss_matches(Loss::Hinge, class, args);
        match read_sgd_state::<L>(a, c.average, &ok)? {
            None => Ok(est),
            Some(s) => Ok(est.with_fitted_state(s)?),
        }
    }
}

// ------------------------------------------------------ LogisticRegression --

impl<L: SkopsLabel> Codec for LogisticRegression<L> {
    const PY: (&'static str, &'static str) =
        ("sklearn.linear_model._logistic", "LogisticRegression");

    fn write(&self, w: &mut Writer) -> Result<Value, Error> {
        let mut attrs = vec![
            ("penalty", w.json(json!("deprecated"))),
            ("C", w.json(jf(self.c()))),
            ("l1_ratio", w.json(jf(0.0))),
            ("dual", w.json(json!(false))),
            ("tol", w.json(jf(self.tol()))),
            ("fit_intercept", w.json(json!(self.fit_intercept()))),
            // scikit-learn's default is the int 1; write it so (repr unchanged).
            (
                "intercept_scaling",
                w.json(if self.intercept_scaling() == 1.0 {
                    json!(1)
                } else {
                    jf(self.intercept_scaling())
                }),
            ),
            ("class_weight", w.json(Value::Null)),
            ("random_state", w.json(Value::Null)),
            ("solver", w.json(json!("liblinear"))),
            ("max_iter", w.json(json!(self.max_iter()))),
            ("verbose", w.json(json!(0))),
            ("warm_start", w.json(json!(false))),
            ("n_jobs", w.json(Value::Null)),
        ];
        if let (Some(coef), Some(icpt), Some(classes)) =
            (self.coef_(), self.intercept_(), self.classes_())
        {
            attrs.push(("n_features_in_", w.json(json!(coef.ncols()))));
            let cl = L::to_npy(classes).map_err(Error::format)?;
            attrs.push(("classes_", w.array(cl)));
            if let Some(n) = self.n_iter_() {
                let v: Vec<i64> = n.iter().map(|&x| x as i64).collect();
                // int32 as scikit-learn's liblinear writes it, wider if needed.
                let width = if v.iter().all(|&x| x <= i64::from(i32::MAX)) {
                    4
                } else {
                    8
                };
                attrs.push(("n_iter_", w.array(npy::write_int(&[v.len()], &v, width))));
            }
            let c = coef.as_standard_layout();
            attrs.push((
                "coef_",
                w.array(npy::write_f64(
                    &[c.nrows(), c.ncols()],
                    c.as_slice().unwrap_or(&[]),
                )),
            ));
            attrs.push(("intercept_", w.array(npy::write_f64(&[icpt.len()], icpt))));
        }
        attrs.push(("_sklearn_version", w.json(json!(SKLEARN_VERSION))));
        Ok(w.object(Self::PY.0, Self::PY.1, attrs))
    }

    fn read(a: &mut Attrs) -> Result<Self, Error> {
        a.expect(
            "solver",
            json!("liblinear"),
            "dklearn's LogisticRegression is liblinear's primal solver (one-vs-rest)",
        )?;
        let pen = a.json("penalty")?;
        if pen != json!("deprecated") && pen != json!("l2") {
            return Err(Error::unsupported(
                "penalty",
                format!("{pen}; dklearn supports the L2 penalty only"),
            ));
        }
        let l1 = a.json("l1_ratio")?;
        if !(l1.is_null() || l1.as_f64() == Some(0.0)) {
            return Err(Error::unsupported(
                "l1_ratio",
                format!("{l1}; dklearn supports the L2 penalty only (l1_ratio 0)"),
            ));
        }
        a.expect("dual", json!(false), "the primal solver")?;
        a.expect("class_weight", Value::Null, "every class has weight 1")?;
        a.expect("warm_start", json!(false), "fit always starts from zero")?;
        // No effect on liblinear's primal solver or on the result.
        a.ignore(&["random_state", "verbose", "n_jobs", "_sklearn_version"]);
        let est = LogisticRegression::<L>::params()
            .c(a.f64("C")?)
            .tol(a.f64("tol")?)
            .max_iter(a.usize("max_iter")?)
            .fit_intercept(a.bool("fit_intercept")?)
            .intercept_scaling(a.f64("intercept_scaling")?)
            .build()?;
        if !a.has("coef_") {
            check_unfitted(
                a,
                "coef_",
                &["intercept_", "classes_", "n_iter_", "n_features_in_"],
            )?;
            return Ok(est);
        }
        let (coef_loc, icpt_loc, it_loc) = (a.loc("coef_"), a.loc("intercept_"), a.loc("n_iter_"));
        let coef = f64_2d(&a.array("coef_")?.0, &coef_loc)?;
        let intercept = f64_1d(&a.array("intercept_")?.0, &icpt_loc)?;
        let classes = read_classes::<L>(a)?;
        check_n_features(a, coef.ncols())?;
        let n_iter = if a.has("n_iter_") {
            let v = int_1d(&a.array("n_iter_")?.0, &it_loc)?;
            let v: Result<Vec<usize>, _> = v.into_iter().map(usize::try_from).collect();
            Some(v.map_err(|_| Error::format(format!("{it_loc}: negative count")))?)
        } else {
            None
        };
        Ok(est.with_fitted_state(coef, intercept, classes, n_iter)?)
    }
}

// ----------------------------------------------------------- MultinomialNB --

impl<L: SkopsLabel> Codec for MultinomialNB<L> {
    const PY: (&'static str, &'static str) = ("sklearn.naive_bayes", "MultinomialNB");

    fn write(&self, w: &mut Writer) -> Result<Value, Error> {
        let prior = match self.class_prior() {
            None => w.json(Value::Null),
            Some(p) => {
                let items = p.iter().map(|&x| w.json(jf(x))).collect();
                w.seq(false, items)
            }
        };
        let mut attrs = vec![
            ("alpha", w.json(jf(self.alpha()))),
            ("fit_prior", w.json(json!(self.fit_prior()))),
            ("class_prior", prior),
            ("force_alpha", w.json(json!(self.force_alpha()))),
        ];
        if let (Some(classes), Some(cc), Some(fc), Some(flp), Some(clp)) = (
            self.classes_(),
            self.class_count_(),
            self.feature_count_(),
            self.feature_log_prob_(),
            self.class_log_prior_(),
        ) {
            let arr2 = |w: &mut Writer, a: &Array2<f64>| {
                let a = a.as_standard_layout();
                w.array(npy::write_f64(
                    &[a.nrows(), a.ncols()],
                    a.as_slice().unwrap_or(&[]),
                ))
            };
            attrs.push(("n_features_in_", w.json(json!(fc.ncols()))));
            let cl = L::to_npy(classes).map_err(Error::format)?;
            attrs.push(("classes_", w.array(cl)));
            attrs.push(("class_count_", w.array(npy::write_f64(&[cc.len()], cc))));
            attrs.push(("feature_count_", arr2(w, fc)));
            attrs.push(("feature_log_prob_", arr2(w, flp)));
            attrs.push((
                "class_log_prior_",
                w.array(npy::write_f64(&[clp.len()], clp)),
            ));
        }
        attrs.push(("_sklearn_version", w.json(json!(SKLEARN_VERSION))));
        Ok(w.object(Self::PY.0, Self::PY.1, attrs))
    }

    fn read(a: &mut Attrs) -> Result<Self, Error> {
        a.ignore(&["_sklearn_version"]);
        let mut p = MultinomialNB::<L>::params()
            .alpha(a.f64("alpha")?)
            .fit_prior(a.bool("fit_prior")?)
            .force_alpha(a.bool("force_alpha")?);
        let prior_loc = a.loc("class_prior");
        match a.node("class_prior")? {
            Node::Json(Value::Null) => {}
            Node::Seq(items) => {
                let v: Option<Vec<f64>> = items
                    .iter()
                    .map(|n| n.as_json().and_then(Value::as_f64))
                    .collect();
                p = p.class_prior(v.ok_or_else(|| {
                    Error::format(format!("{prior_loc}: expected a list of numbers"))
                })?);
            }
            Node::Array { array, .. } => {
                p = p.class_prior(f64_1d(array, &prior_loc)?);
            }
            other => {
                return Err(Error::format(format!(
                    "{prior_loc}: expected None or a list of numbers, found {}",
                    other.describe()
                )))
            }
        }
        let est = p.build()?;
        if !a.has("feature_log_prob_") {
            check_unfitted(
                a,
                "feature_log_prob_",
                &[
                    "classes_",
                    "class_count_",
                    "feature_count_",
                    "class_log_prior_",
                    "n_features_in_",
                ],
            )?;
            return Ok(est);
        }
        let loc = |a: &Attrs, k: &str| a.loc(k);
        let (l1, l2, l3, l4) = (
            loc(a, "class_count_"),
            loc(a, "feature_count_"),
            loc(a, "feature_log_prob_"),
            loc(a, "class_log_prior_"),
        );
        let classes = read_classes::<L>(a)?;
        let cc = f64_1d(&a.array("class_count_")?.0, &l1)?;
        let fc = f64_2d(&a.array("feature_count_")?.0, &l2)?;
        let flp = f64_2d(&a.array("feature_log_prob_")?.0, &l3)?;
        let clp = f64_1d(&a.array("class_log_prior_")?.0, &l4)?;
        check_n_features(a, fc.ncols())?;
        Ok(est.with_fitted_state(classes, cc, fc, flp, clp)?)
    }
}
