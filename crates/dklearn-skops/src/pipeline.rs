//! A fitted two-step text pipeline (`HashingVectorizer` + classifier), the
//! shape of model the Reuters job's Chained and Averaged pipelines produce,
//! and [`Model`], any of the classifiers.

use crate::attrs::Attrs;
use crate::codec::{read_object, Codec, SKLEARN_VERSION};
use crate::error::Error;
use crate::label::SkopsLabel;
use crate::schema::{child, show, Node, Writer};
use dklearn_estimators::{
    DecisionFunction, Fit, LogisticRegression, MultinomialNB, PartialFit,
    PassiveAggressiveClassifier, Perceptron, Predict, SGDClassifier,
};
use dklearn_sparse::CsrMatrix;
use dklearn_text::HashingVectorizer;
use ndarray::Array2;
use serde_json::{json, Value};

/// One of the classifiers dklearn saves and loads, fitted or not.
#[derive(Debug, Clone, PartialEq)]
pub enum Model<L> {
    /// `SGDClassifier`.
    Sgd(SGDClassifier<L>),
    /// `Perceptron`.
    Perceptron(Perceptron<L>),
    /// `PassiveAggressiveClassifier`.
    PassiveAggressive(PassiveAggressiveClassifier<L>),
    /// `LogisticRegression` (liblinear).
    LogisticRegression(LogisticRegression<L>),
    /// `MultinomialNB`.
    MultinomialNB(MultinomialNB<L>),
}

impl<L: SkopsLabel> Model<L> {
    /// scikit-learn's class name of the model.
    pub fn class_name(&self) -> &'static str {
        match self {
            Model::Sgd(_) => "SGDClassifier",
            Model::Perceptron(_) => "Perceptron",
            Model::PassiveAggressive(_) => "PassiveAggressiveClassifier",
            Model::LogisticRegression(_) => "LogisticRegression",
            Model::MultinomialNB(_) => "MultinomialNB",
        }
    }

    /// `classes_`, `None` before fitting.
    pub fn classes(&self) -> Option<&[L]> {
        match self {
            Model::Sgd(m) => m.classes_(),
            Model::Perceptron(m) => m.classes_(),
            Model::PassiveAggressive(m) => m.classes_(),
            Model::LogisticRegression(m) => m.classes_(),
            Model::MultinomialNB(m) => m.classes_(),
        }
    }

    /// `n_features_in_`, `None` before fitting.
    pub fn n_features_in(&self) -> Option<usize> {
        match self {
            Model::Sgd(m) => m.n_features_in_(),
            Model::Perceptron(m) => m.n_features_in_(),
            Model::PassiveAggressive(m) => m.n_features_in_(),
            Model::LogisticRegression(m) => m.n_features_in_(),
            Model::MultinomialNB(m) => m.n_features_in_(),
        }
    }

    /// Fits the model on `x` and `y` (scikit-learn's `fit`), replacing any fit.
    pub fn fit(&mut self, x: &CsrMatrix, y: &[L]) -> Result<(), Error> {
        match self {
            Model::Sgd(m) => m.fit(x, y)?,
            Model::Perceptron(m) => m.fit(x, y)?,
            Model::PassiveAggressive(m) => m.fit(x, y)?,
            Model::LogisticRegression(m) => m.fit(x, y)?,
            Model::MultinomialNB(m) => m.fit(x, y)?,
        }
        Ok(())
    }

    /// One `partial_fit` call; `LogisticRegression` has none (an error).
    pub fn partial_fit(
        &mut self,
        x: &CsrMatrix,
        y: &[L],
        classes: Option<&[L]>,
    ) -> Result<(), Error> {
        match self {
            Model::Sgd(m) => m.partial_fit(x, y, classes)?,
            Model::Perceptron(m) => m.partial_fit(x, y, classes)?,
            Model::PassiveAggressive(m) => m.partial_fit(x, y, classes)?,
            Model::MultinomialNB(m) => m.partial_fit(x, y, classes)?,
            Model::LogisticRegression(_) => {
                return Err(Error::unsupported(
                    "partial_fit",
                    "LogisticRegression has no partial_fit",
                ))
            }
        }
        Ok(())
    }

    /// One label per row of `x`.
    pub fn predict(&self, x: &CsrMatrix) -> Result<Vec<L>, Error> {
        Ok(match self {
            Model::Sgd(m) => m.predict(x)?,
            Model::Perceptron(m) => m.predict(x)?,
            Model::PassiveAggressive(m) => m.predict(x)?,
            Model::LogisticRegression(m) => m.predict(x)?,
            Model::MultinomialNB(m) => m.predict(x)?,
        })
    }

    /// Whether [`decision_function`](Self::decision_function) is defined
    /// (every linear model; not `MultinomialNB`, as in scikit-learn).
    pub fn has_decision_function(&self) -> bool {
        !matches!(self, Model::MultinomialNB(_))
    }

    /// Whether [`predict_proba`](Self::predict_proba) is defined:
    /// `SGDClassifier` with `log_loss`/`modified_huber`, `LogisticRegression`,
    /// `MultinomialNB`.
    pub fn has_predict_proba(&self) -> bool {
        match self {
            Model::Sgd(m) => matches!(
                m.loss(),
                dklearn_estimators::Loss::LogLoss | dklearn_estimators::Loss::ModifiedHuber
            ),
            Model::LogisticRegression(_) | Model::MultinomialNB(_) => true,
            _ => false,
        }
    }

    /// Decision values, `n_samples × 1` for two classes, else one column per class.
    pub fn decision_function(&self, x: &CsrMatrix) -> Result<Array2<f64>, Error> {
        Ok(match self {
            Model::Sgd(m) => m.decision_function(x)?,
            Model::Perceptron(m) => m.decision_function(x)?,
            Model::PassiveAggressive(m) => m.decision_function(x)?,
            Model::LogisticRegression(m) => m.decision_function(x)?,
            Model::MultinomialNB(_) => {
                return Err(Error::unsupported(
                    "decision_function",
                    "MultinomialNB has no decision_function (as in scikit-learn)",
                ))
            }
        })
    }

    /// Class probabilities, `n_samples × n_classes`.
    pub fn predict_proba(&self, x: &CsrMatrix) -> Result<Array2<f64>, Error> {
        Ok(match self {
            Model::Sgd(m) => m.predict_proba(x)?,
            Model::LogisticRegression(m) => m.predict_proba(x)?,
            Model::MultinomialNB(m) => m.predict_proba(x)?,
            other => {
                return Err(Error::unsupported(
                    "predict_proba",
                    format!("{} has no predict_proba", other.class_name()),
                ))
            }
        })
    }

    pub(crate) fn write(&self, w: &mut Writer) -> Result<Value, Error> {
        match self {
            Model::Sgd(m) => m.write(w),
            Model::Perceptron(m) => m.write(w),
            Model::PassiveAggressive(m) => m.write(w),
            Model::LogisticRegression(m) => m.write(w),
            Model::MultinomialNB(m) => m.write(w),
        }
    }

    pub(crate) fn read(node: &Node, at: &str) -> Result<Self, Error> {
        let class = match node {
            Node::Object { class, .. } => class.as_str(),
            other => {
                return Err(Error::format(format!(
                    "{}: expected a classifier, found {}",
                    show(at),
                    other.describe()
                )))
            }
        };
        Ok(match class {
            "SGDClassifier" => Model::Sgd(read_object(node, at)?),
            "Perceptron" => Model::Perceptron(read_object(node, at)?),
            "PassiveAggressiveClassifier" => Model::PassiveAggressive(read_object(node, at)?),
            "LogisticRegression" => Model::LogisticRegression(read_object(node, at)?),
            "MultinomialNB" => Model::MultinomialNB(read_object(node, at)?),
            other => {
                return Err(Error::format(format!(
                    "{}: {other} is not a classifier dklearn implements",
                    show(at)
                )))
            }
        })
    }
}

macro_rules! model_from {
    ($($v:ident($t:ident)),*) => {$(
        impl<L> From<$t<L>> for Model<L> {
            fn from(m: $t<L>) -> Self {
                Model::$v(m)
            }
        }
    )*};
}
model_from!(
    Sgd(SGDClassifier),
    Perceptron(Perceptron),
    PassiveAggressive(PassiveAggressiveClassifier),
    LogisticRegression(LogisticRegression),
    MultinomialNB(MultinomialNB)
);

/// A fitted `Pipeline([(vect_name, HashingVectorizer), (est_name, classifier)])`:
/// predicts on raw texts, eagerly, without building a graph (for serving).
///
/// ```
/// use dklearn_estimators::{Fit, SGDClassifier};
/// use dklearn_skops::{FittedTextPipeline, Skops};
/// use dklearn_text::HashingVectorizer;
///
/// let vect = HashingVectorizer::params().n_features(1 << 10).build()?;
/// let texts = ["wheat prices rise", "oil output cut", "wheat harvest", "crude oil"];
/// let mut sgd = SGDClassifier::params().random_state(Some(0)).build()?;
/// sgd.fit(&vect.transform(&texts), &[1i64, 0, 1, 0])?;
/// let pipe = FittedTextPipeline::new(vect, sgd)?;
/// assert_eq!(pipe.predict_texts(&["wheat"])?, vec![1]);
///
/// let path = std::env::temp_dir().join(format!("dklearn-doc-{}.skops", std::process::id()));
/// pipe.save(&path)?;                       // loads in Python with skops.io.load
/// let back = FittedTextPipeline::<i64>::load(&path)?;
/// assert_eq!(back, pipe);
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FittedTextPipeline<L> {
    /// The first step's name (`"vect"` by default).
    pub vect_name: String,
    /// The vectorizer.
    pub vect: HashingVectorizer,
    /// The second step's name (the estimator's lowercased initials by
    /// default: `"sgd"`, `"lr"`, `"nb"`, ...).
    pub est_name: String,
    /// The fitted classifier.
    pub est: Model<L>,
}

impl<L: SkopsLabel> FittedTextPipeline<L> {
    /// The pipeline of `vect` and a fitted `est`, with default step names;
    /// errors when `est` is not fitted or was fitted on a different number of
    /// features than `vect` makes.
    pub fn new(vect: HashingVectorizer, est: impl Into<Model<L>>) -> Result<Self, Error> {
        let est = est.into();
        let name = match &est {
            Model::Sgd(_) => "sgd",
            Model::Perceptron(_) => "perceptron",
            Model::PassiveAggressive(_) => "pa",
            Model::LogisticRegression(_) => "lr",
            Model::MultinomialNB(_) => "nb",
        };
        let p = FittedTextPipeline {
            vect_name: "vect".into(),
            vect,
            est_name: name.into(),
            est,
        };
        p.check()?;
        Ok(p)
    }

    fn check(&self) -> Result<(), Error> {
        match self.est.n_features_in() {
            None => Err(Error::new(crate::ErrorKind::Estimator(
                dklearn_estimators::Error::new(dklearn_estimators::ErrorKind::NotFitted(
                    "FittedTextPipeline",
                )),
            ))),
            Some(n) if n != self.vect.n_features() => Err(Error::format(format!(
                "the {} was fitted on {n} features but the vectorizer makes {}",
                self.est.class_name(),
                self.vect.n_features()
            ))),
            Some(_) => Ok(()),
        }
    }

    /// `classes_` of the classifier.
    pub fn classes(&self) -> &[L] {
        self.est.classes().unwrap_or(&[])
    }

    /// The label of each text.
    pub fn predict_texts<S: AsRef<str>>(&self, texts: &[S]) -> Result<Vec<L>, Error> {
        self.est.predict(&self.vect.transform(texts))
    }

    /// The decision values of each text (see [`Model::decision_function`]).
    pub fn decision_function_texts<S: AsRef<str>>(
        &self,
        texts: &[S],
    ) -> Result<Array2<f64>, Error> {
        self.est.decision_function(&self.vect.transform(texts))
    }

    /// The class probabilities of each text (see [`Model::predict_proba`]).
    pub fn predict_proba_texts<S: AsRef<str>>(&self, texts: &[S]) -> Result<Array2<f64>, Error> {
        self.est.predict_proba(&self.vect.transform(texts))
    }
}

impl<L: SkopsLabel> Codec for FittedTextPipeline<L> {
    const PY: (&'static str, &'static str) = ("sklearn.pipeline", "Pipeline");

    fn write(&self, w: &mut Writer) -> Result<Value, Error> {
        self.check()?;
        let v = self.vect.write(w)?;
        let e = self.est.write(w)?;
        let s1 = {
            let items = vec![w.json(json!(self.vect_name)), v];
            w.seq(true, items)
        };
        let s2 = {
            let items = vec![w.json(json!(self.est_name)), e];
            w.seq(true, items)
        };
        let steps = w.seq(false, vec![s1, s2]);
        let attrs = vec![
            ("steps", steps),
            ("transform_input", w.json(Value::Null)),
            ("memory", w.json(Value::Null)),
            ("verbose", w.json(json!(false))),
            ("_sklearn_version", w.json(json!(SKLEARN_VERSION))),
        ];
        Ok(w.object(Self::PY.0, Self::PY.1, attrs))
    }

    fn read(a: &mut Attrs) -> Result<Self, Error> {
        a.expect("transform_input", Value::Null, "no metadata routing")?;
        // Caching and logging do not change the result.
        a.ignore(&["memory", "verbose", "_sklearn_version"]);
        let at = a.loc("steps");
        let steps = match a.node("steps")? {
            Node::Seq(s) => s.clone(),
            other => {
                return Err(Error::format(format!(
                    "{at}: expected a list of steps, found {}",
                    other.describe()
                )))
            }
        };
        if steps.len() != 2 {
            return Err(Error::unsupported(
                "steps",
                format!(
                    "{at} has {} steps; dklearn loads HashingVectorizer + classifier pipelines",
                    steps.len()
                ),
            ));
        }
        let mut parts = Vec::new();
        for (i, s) in steps.iter().enumerate() {
            let here = child(&at, &format!("[{i}]"));
            match s {
                Node::Seq(pair) if pair.len() == 2 => match pair[0].as_json() {
                    Some(Value::String(name)) => {
                        parts.push((name.clone(), pair[1].clone(), child(&here, "[1]")))
                    }
                    _ => {
                        return Err(Error::format(format!(
                            "{here}: a step's name must be a string"
                        )))
                    }
                },
                _ => {
                    return Err(Error::format(format!(
                        "{here}: a step must be a (name, estimator) pair"
                    )))
                }
            }
        }
        let vect: HashingVectorizer = read_object(&parts[0].1, &parts[0].2)?;
        let est = Model::read(&parts[1].1, &parts[1].2)?;
        let p = FittedTextPipeline {
            vect_name: parts[0].0.clone(),
            vect,
            est_name: parts[1].0.clone(),
            est,
        };
        p.check()
            .map_err(|e| Error::format(format!("{}: {e}", show(&at))))?;
        Ok(p)
    }
}
