//! Model selection as one lazy graph: [`GridSearchCV`] and
//! [`RandomizedSearchCV`] over a [`Pipeline`], in the manner of dask-learn's
//! searches (model parallelism, part 1 of the blog series).
//!
//! `fit` builds a single graph over every candidate and fold. Every task's
//! key hashes its function, its parameters and its inputs' keys, so work
//! that two candidates have in common is one node: the vectorizing of a
//! partition runs once per vectorizer setting (not once per candidate and
//! fold), a chunk's document counts once per vectorizer setting, a Tfidf fit
//! once per (vectorizer setting, tfidf setting, fold), and only the final
//! estimator's fit is per candidate and fold. Candidates are ordered so that
//! those sharing a prefix come together in priority order, and each
//! (candidate, fold) chain before the next: run on a scheduler that follows
//! the priorities strictly (`dklearn_executor::Threaded::strict_priority`),
//! a search holds one prefix's features and about one model per worker, and
//! frees the prefix's features before the next prefix's are made. (The
//! threaded scheduler's default runs each worker's own ready tasks first,
//! which advances every chain as each partition arrives: the same scores,
//! every chain's model alive at once.)
//!
//! The scoring reads what it needs from each fitted model (predictions,
//! `decision_function` or `predict_proba`; see [`Scoring`]), checked against
//! the unfitted estimators before anything runs.
//!
//! Data comes in two shapes:
//! - chunked ([`SearchCV::fit_chunks`]): a [`Bag`] of samples and aligned
//!   label chunks; the splitter splits the *partitions* (use
//!   [`PartitionKFold`](crate::model_selection::PartitionKFold) so no fold cuts a
//!   chunk); the final estimator is a lazy wrapper such as
//!   [`Chained`](super::Chained) or [`Averaged`](super::Averaged);
//! - in memory ([`SearchCV::fit_rows`]): all samples in one value (documents
//!   or a [`CsrMatrix`]) and their labels; the splitter splits *rows*
//!   (`KFold`, `StratifiedKFold`, `ShuffleSplit`), as scikit-learn's
//!   `GridSearchCV` does, and a plain estimator is wrapped in [`Plain`].

use crate::pipeline::fit_steps;
use crate::{
    estimator_name, identity, task_err, ChunkFitTransformer, ChunkTransform, ChunkTransformer,
    Error, ErrorKind, FitParams, LazyEstimator, Matrix, Pipeline, SetParam,
};
use dklearn_estimators::metrics::{self, Averaging, MultiClass};
use dklearn_estimators::model_selection::{
    params_repr, CrossValidator, ParamGrid, ParamSampler, ParamValue, Params, Split,
};
use dklearn_estimators::{Error as EstimatorError, Fit, Predict, ResponseMethods};
use dklearn_graph::{
    downcast_input, tokenize, AnyDelayed, Bag, Callback, Data, Delayed, Graph, GraphBuilder, Key,
    Scheduler, TaskError, Token, TokenHasher, Tokenize,
};
use dklearn_sparse::{vstack, CsrMatrix};
use ndarray::Array2;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

fn grid_err(msg: String) -> Error {
    Error::new(ErrorKind::InvalidSearch(msg))
}

/// The first step of a search pipeline: turns one chunk of input into
/// features, statelessly (`HashingVectorizer` on documents, [`Passthrough`]
/// on a matrix).
pub trait FirstStep<C>: SetParam + Clone + fmt::Debug + Send + Sync + 'static {
    /// The features of one chunk.
    fn apply(&self, chunk: &C) -> Result<CsrMatrix, TaskError>;
}

impl<T: Data, V> FirstStep<Vec<T>> for V
where
    V: ChunkTransformer<T> + SetParam,
{
    fn apply(&self, chunk: &Vec<T>) -> Result<CsrMatrix, TaskError> {
        self.transform_chunk(chunk.as_slice())
    }
}

/// The identity on a feature matrix (scikit-learn's `'passthrough'`): the
/// first step when the input is already a [`CsrMatrix`].
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct Passthrough;

impl fmt::Debug for Passthrough {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("'passthrough'")
    }
}

impl SetParam for Passthrough {
    fn type_name(&self) -> String {
        "passthrough".into()
    }
    fn param_names(&self) -> Vec<&'static str> {
        Vec::new()
    }
    fn set_param(&self, name: &str, _value: &ParamValue) -> Result<Self, EstimatorError> {
        Err(crate::set_param::unknown(self, name))
    }
}

impl FirstStep<CsrMatrix> for Passthrough {
    fn apply(&self, chunk: &CsrMatrix) -> Result<CsrMatrix, TaskError> {
        Ok(chunk.clone())
    }
}

/// A plain estimator (`Fit`) fitted on all training chunks stacked, as one
/// task: how a search fits scikit-learn-style estimators on in-memory data.
#[derive(Clone)]
pub struct Plain<E> {
    estimator: E,
}

impl<E> Plain<E> {
    /// Wraps an unfitted estimator.
    pub fn new(estimator: E) -> Self {
        Plain { estimator }
    }
    /// The wrapped estimator.
    pub fn estimator(&self) -> &E {
        &self.estimator
    }
}

impl<E: fmt::Debug> fmt::Debug for Plain<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.estimator.fmt(f)
    }
}

impl<L, E> LazyEstimator<L> for Plain<E>
where
    L: Data + Clone + Tokenize,
    E: Fit<L> + Predict<L> + ResponseMethods<L> + Clone + fmt::Debug + Send + Sync + 'static,
{
    type Model = E;

    fn response_methods(&self) -> &dyn ResponseMethods<L> {
        &self.estimator
    }

    fn fit_lazy(
        &self,
        x: &Matrix<CsrMatrix>,
        y: &Matrix<Vec<L>>,
        _params: &FitParams<L>,
    ) -> Result<Delayed<E>, Error> {
        Error::check_aligned("Plain.fit", x.nchunks(), y.nchunks())?;
        let id = identity(&self.estimator);
        let name = format!("{}-fit", estimator_name(&id.1));
        let n = x.nchunks();
        let mut b = GraphBuilder::new();
        let mut deps: Vec<&Key> = Vec::with_capacity(2 * n);
        for c in x.chunks() {
            b.merge(c);
            deps.push(c.key());
        }
        for c in y.chunks() {
            b.merge(c);
            deps.push(c.key());
        }
        let est = self.estimator.clone();
        let key = b.task(&name, &id, &deps, move |v| {
            let xs = v[..n]
                .iter()
                .map(downcast_input::<CsrMatrix>)
                .collect::<Result<Vec<_>, _>>()?;
            let mut labels = Vec::new();
            for c in &v[n..] {
                labels.extend(downcast_input::<Vec<L>>(c)?.iter().cloned());
            }
            let x = if xs.len() == 1 {
                xs[0].clone()
            } else {
                vstack(&xs).map_err(|e| task_err(e.into()))?
            };
            let mut m = est.clone();
            m.fit(&x, &labels).map_err(task_err)?;
            Ok(m)
        });
        Ok(b.delayed(key))
    }
}

/// How a fold's predictions are scored (scikit-learn's `scoring`).
#[derive(Debug, Clone, PartialEq)]
pub enum Scoring<L> {
    /// `'accuracy'`: the fraction of test rows predicted right.
    Accuracy,
    /// `precision_score` with the given averaging (`'precision_macro'`...).
    Precision(Averaging<L>),
    /// `recall_score` (`'recall_macro'`...).
    Recall(Averaging<L>),
    /// `f1_score` (`'f1_macro'`...).
    F1(Averaging<L>),
    /// `'roc_auc'`: the area under the ROC curve of a binary problem, from
    /// `decision_function` where the estimator has one, else from
    /// `predict_proba[:, 1]` (scikit-learn's response order). A test fold
    /// holding one class scores NaN, as scikit-learn's. Binary only: more
    /// classes take `RocAucMulti`.
    RocAuc,
    /// `'roc_auc_ovr'`, `'roc_auc_ovo'`, `'roc_auc_ovr_weighted'`,
    /// `'roc_auc_ovo_weighted'`: the ROC AUC of `predict_proba` over any
    /// number of classes ([`metrics::roc_auc_score_multiclass`], macro or
    /// weighted); with two classes, the binary AUC of the positive column,
    /// as scikit-learn's scorers. Every class of the model must occur in the
    /// test fold (scikit-learn's `roc_auc_score` refuses it otherwise).
    RocAucMulti {
        /// One against the rest, or every pair.
        multi_class: MultiClass,
        /// Weighted by class (or pair) prevalence rather than a plain mean.
        weighted: bool,
    },
    /// `'neg_log_loss'`: minus the `log_loss` of `predict_proba` (for two
    /// classes, of the positive column, as scikit-learn's scorer passes it).
    /// The test fold's labels must be the model's `classes_`.
    NegLogLoss,
}

/// What a scorer reads from a fitted model (scikit-learn's
/// `response_method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Response {
    /// `predict`: labels.
    Predict,
    /// `decision_function`: confidence scores.
    DecisionFunction,
    /// `predict_proba`: class probabilities.
    PredictProba,
}

impl Response {
    /// The method's name, as scikit-learn spells it.
    pub fn name(self) -> &'static str {
        match self {
            Response::Predict => "predict",
            Response::DecisionFunction => "decision_function",
            Response::PredictProba => "predict_proba",
        }
    }
}

impl<L: Ord + Clone> Scoring<L> {
    /// The scorer named as scikit-learn names it: `accuracy`, `roc_auc`,
    /// `neg_log_loss`, and `{precision,recall,f1}_{macro,micro,weighted}`
    /// (the binary ones need a positive label: build
    /// `Scoring::F1(Averaging::Binary { pos_label })`).
    pub fn parse(name: &str) -> Result<Self, Error> {
        match name {
            "accuracy" => return Ok(Scoring::Accuracy),
            "roc_auc" => return Ok(Scoring::RocAuc),
            "roc_auc_ovr" | "roc_auc_ovo" | "roc_auc_ovr_weighted" | "roc_auc_ovo_weighted" => {
                return Ok(Scoring::RocAucMulti {
                    multi_class: if name.starts_with("roc_auc_ovr") {
                        MultiClass::Ovr
                    } else {
                        MultiClass::Ovo
                    },
                    weighted: name.ends_with("_weighted"),
                })
            }
            "neg_log_loss" => return Ok(Scoring::NegLogLoss),
            _ => {}
        }
        let (metric, avg) = name.rsplit_once('_').unwrap_or((name, ""));
        let avg = match avg {
            "macro" => Averaging::Macro,
            "micro" => Averaging::Micro,
            "weighted" => Averaging::Weighted,
            _ => {
                return Err(grid_err(format!(
                    "unknown scoring {name:?}: use 'accuracy', 'roc_auc', 'roc_auc_ovr', 'roc_auc_ovo', 'roc_auc_ovr_weighted', 'roc_auc_ovo_weighted', 'neg_log_loss' or precision/recall/f1 with _macro, _micro or _weighted (binary scores take a pos_label: Scoring::F1(Averaging::Binary {{ pos_label }}))"
                )))
            }
        };
        match metric {
            "precision" => Ok(Scoring::Precision(avg)),
            "recall" => Ok(Scoring::Recall(avg)),
            "f1" => Ok(Scoring::F1(avg)),
            _ => Err(grid_err(format!("unknown scoring {name:?}"))),
        }
    }

    /// The scorer's name as scikit-learn spells it (`None` for a binary
    /// precision/recall/f1, which scikit-learn builds with `make_scorer`).
    pub fn name(&self) -> Option<String> {
        let avg = |a: &Averaging<L>| match a {
            Averaging::Macro => Some("macro"),
            Averaging::Micro => Some("micro"),
            Averaging::Weighted => Some("weighted"),
            _ => None,
        };
        Some(match self {
            Scoring::Accuracy => "accuracy".into(),
            Scoring::RocAuc => "roc_auc".into(),
            Scoring::RocAucMulti {
                multi_class,
                weighted,
            } => format!(
                "roc_auc_{}{}",
                match multi_class {
                    MultiClass::Ovr => "ovr",
                    MultiClass::Ovo => "ovo",
                },
                if *weighted { "_weighted" } else { "" }
            ),
            Scoring::NegLogLoss => "neg_log_loss".into(),
            Scoring::Precision(a) => format!("precision_{}", avg(a)?),
            Scoring::Recall(a) => format!("recall_{}", avg(a)?),
            Scoring::F1(a) => format!("f1_{}", avg(a)?),
        })
    }

    /// What this scorer reads from a model that has (or lacks)
    /// `decision_function` and `predict_proba`, in scikit-learn's order; an
    /// error when the model has none of what it needs.
    pub fn response(&self, methods: &dyn ResponseMethods<L>) -> Result<Response, String> {
        match self {
            Scoring::RocAuc if methods.has_decision_function() => Ok(Response::DecisionFunction),
            Scoring::RocAuc | Scoring::RocAucMulti { .. } | Scoring::NegLogLoss
                if methods.has_predict_proba() =>
            {
                Ok(Response::PredictProba)
            }
            Scoring::RocAucMulti { .. } => Err(format!(
                "scoring '{}' needs predict_proba",
                self.name().unwrap_or_default()
            )),
            Scoring::RocAuc => {
                Err("scoring 'roc_auc' needs decision_function or predict_proba".into())
            }
            Scoring::NegLogLoss => Err("scoring 'neg_log_loss' needs predict_proba".into()),
            _ => Ok(Response::Predict),
        }
    }

    /// The score of predictions `y_pred` against `y_true` (the scorers that
    /// read labels; the others error: see [`score_values`](Self::score_values)).
    pub fn score(&self, y_true: &[L], y_pred: &[L]) -> Result<f64, EstimatorError> {
        match self {
            Scoring::Accuracy => metrics::accuracy_score(y_true, y_pred),
            Scoring::Precision(a) => metrics::precision_score(y_true, y_pred, a),
            Scoring::Recall(a) => metrics::recall_score(y_true, y_pred, a),
            Scoring::F1(a) => metrics::f1_score(y_true, y_pred, a),
            Scoring::RocAuc | Scoring::RocAucMulti { .. } | Scoring::NegLogLoss => Err(
                EstimatorError::new(dklearn_estimators::ErrorKind::Other(format!(
                    "scoring {} scores decision values or probabilities, not labels",
                    self.name().unwrap_or_default()
                ))),
            ),
        }
    }

    /// The score of a model's `decision_function` or `predict_proba` values
    /// (`n_samples × columns`, as the model gives them) against `y_true`, as
    /// scikit-learn's scorer computes it; `classes` are the model's
    /// `classes_` (the columns of `predict_proba`), which every label of
    /// `y_true` must be among.
    pub fn score_values(
        &self,
        y_true: &[L],
        values: &Array2<f64>,
        response: Response,
        classes: Option<&[L]>,
    ) -> Result<f64, EstimatorError>
    where
        L: fmt::Debug,
    {
        let fail = |msg: String| {
            EstimatorError::new(dklearn_estimators::ErrorKind::Classes(format!(
                "scoring {}: {msg}",
                self.name().unwrap_or_else(|| format!("{self:?}"))
            )))
        };
        if let Some(c) = classes {
            if let Some(l) = y_true.iter().find(|l| c.binary_search(l).is_err()) {
                return Err(fail(format!(
                    "the test labels hold {l:?}, which is not among the model's classes_ {c:?}"
                )));
            }
        }
        let column = |j: usize| values.column(j).to_vec();
        match (self, response) {
            (Scoring::RocAuc, Response::DecisionFunction) if values.ncols() == 1 => {
                metrics::roc_auc_score_or_nan(y_true, &column(0))
            }
            (Scoring::RocAuc, Response::PredictProba) if values.ncols() == 2 => {
                metrics::roc_auc_score_or_nan(y_true, &column(1))
            }
            (Scoring::RocAuc, _) => Err(fail(format!(
                "the model has {} classes; 'roc_auc' is binary (use 'roc_auc_ovr' or 'roc_auc_ovo')",
                values.ncols().max(2)
            ))),
            (Scoring::RocAucMulti { .. }, Response::PredictProba) if values.ncols() == 2 => {
                // A binary model: the scorer passes the positive column.
                metrics::roc_auc_score_or_nan(y_true, &column(1))
            }
            (
                Scoring::RocAucMulti {
                    multi_class,
                    weighted,
                },
                Response::PredictProba,
            ) => {
                let average = if *weighted {
                    Averaging::Weighted
                } else {
                    Averaging::Macro
                };
                metrics::roc_auc_score_multiclass(y_true, values, *multi_class, &average)
            }
            (Scoring::NegLogLoss, Response::PredictProba) => {
                let mut present = y_true.to_vec();
                present.sort();
                present.dedup();
                if present.len() != values.ncols() {
                    return Err(fail(format!(
                        "the test labels hold {} classes ({present:?}) but predict_proba has {} columns (scikit-learn's log_loss refuses this)",
                        present.len(),
                        values.ncols()
                    )));
                }
                let loss = if values.ncols() == 2 {
                    metrics::log_loss_binary(y_true, &column(1))?
                } else {
                    metrics::log_loss(y_true, values, None)?
                };
                Ok(-loss)
            }
            _ => Err(fail(format!("cannot score {} values", response.name()))),
        }
    }
}

impl<L: fmt::Debug> Scoring<L> {
    fn token_repr(&self) -> String {
        format!("{self:?}")
    }
}

/// The candidates to try: a grid or a seeded sample.
#[derive(Debug, Clone, PartialEq)]
pub enum SearchSpace {
    /// Every candidate of the grid (`GridSearchCV`).
    Grid(ParamGrid),
    /// `n_iter` sampled candidates (`RandomizedSearchCV`).
    Random(ParamSampler),
}

impl From<ParamGrid> for SearchSpace {
    fn from(g: ParamGrid) -> Self {
        SearchSpace::Grid(g)
    }
}

impl From<ParamSampler> for SearchSpace {
    fn from(s: ParamSampler) -> Self {
        SearchSpace::Random(s)
    }
}

impl SearchSpace {
    /// The candidates, in scikit-learn's order; errors for an empty space.
    pub fn candidates(&self) -> Result<Vec<Params>, Error> {
        match self {
            SearchSpace::Grid(g) => {
                g.check()?;
                Ok(g.candidates())
            }
            SearchSpace::Random(s) => Ok(s.candidates()?),
        }
    }
}

/// A cross-validated search over a pipeline's parameters. [`GridSearchCV`]
/// and [`RandomizedSearchCV`] are this type, built from a [`ParamGrid`] or a
/// [`ParamSampler`].
///
/// ```
/// use dklearn_estimators::model_selection::{KFold, ParamGrid, ParamValue};
/// use dklearn_estimators::{SGDClassifier, TfidfTransformer};
/// use dklearn_lazy::{GridSearchCV, Pipeline, Plain};
/// use dklearn_graph::Sequential;
/// use dklearn_text::HashingVectorizer;
///
/// let docs: Vec<String> = (0..30)
///     .map(|i| if i % 3 == 0 { format!("spam offer {i}") } else { format!("hello friend {i}") })
///     .collect();
/// let y: Vec<i8> = (0..30).map(|i| i8::from(i % 3 == 0)).collect();
/// let pipe = Pipeline::new(
///     ("vect", HashingVectorizer::params().n_features(64).build()?),
///     ("sgd", Plain::new(SGDClassifier::params().random_state(Some(0)).build()?)),
/// )
/// .with_fitted_step(("tfidf", TfidfTransformer::params().build()?));
/// let grid = ParamGrid::new().grid([
///     ("tfidf__use_idf", vec![true.into(), false.into()]),
///     ("sgd__alpha", vec![1e-4.into(), 1e-2.into()]),
/// ]);
/// let search = GridSearchCV::new(pipe, grid, KFold::new(3)?).fit_rows(docs, y, &Sequential, &[])?;
/// assert_eq!(search.cv_results_.params.len(), 4);
/// assert!(search.best_score_ > 0.9);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct SearchCV<V, E, C, L> {
    pipeline: Pipeline<V, E>,
    space: SearchSpace,
    cv: C,
    scoring: Scoring<L>,
    refit: bool,
    fit_params: FitParams<L>,
}

/// `GridSearchCV(pipeline, param_grid, cv)`.
pub type GridSearchCV<V, E, C, L> = SearchCV<V, E, C, L>;
/// `RandomizedSearchCV(pipeline, param_distributions, n_iter, random_state, cv)`:
/// build it with a [`ParamSampler`].
pub type RandomizedSearchCV<V, E, C, L> = SearchCV<V, E, C, L>;

impl<V, E, C, L> SearchCV<V, E, C, L> {
    /// A search over `space` (a [`ParamGrid`] or a [`ParamSampler`]) with
    /// splitter `cv`; scoring `accuracy`, `refit` on.
    pub fn new(pipeline: Pipeline<V, E>, space: impl Into<SearchSpace>, cv: C) -> Self {
        SearchCV {
            pipeline,
            space: space.into(),
            cv,
            scoring: Scoring::Accuracy,
            refit: true,
            fit_params: FitParams::default(),
        }
    }

    /// `scoring`.
    pub fn scoring(mut self, scoring: Scoring<L>) -> Self {
        self.scoring = scoring;
        self
    }

    /// `refit`: fit the best candidate on all the data after the search
    /// (on by default).
    pub fn refit(mut self, refit: bool) -> Self {
        self.refit = refit;
        self
    }

    /// Fit parameters routed to the final step (e.g. the classes).
    pub fn fit_params(mut self, params: FitParams<L>) -> Self {
        self.fit_params = params;
        self
    }
}

/// One candidate's pipeline: the first step, the fitted-step settings, the
/// final estimator.
struct Candidate<V, E> {
    first: V,
    middle: Vec<Arc<dyn ChunkFitTransformer>>,
    last: E,
}

impl<V: fmt::Debug, E: fmt::Debug> Candidate<V, E> {
    /// The reprs of the steps before the estimator: candidates with equal
    /// prefixes share their work.
    fn prefix(&self) -> String {
        let mut s = format!("{:?}", self.first);
        for m in &self.middle {
            s.push_str(&format!(" | {m:?}"));
        }
        s
    }
}

/// The candidates' parameters and pipelines.
type Candidates<V, E> = (Vec<Params>, Vec<Candidate<V, E>>);

/// The per-candidate results, as scikit-learn's `cv_results_` (one entry per
/// candidate, in candidate order).
#[derive(Debug, Clone, PartialEq)]
pub struct CvResults {
    /// The candidates' parameters.
    pub params: Vec<Params>,
    /// `split{k}_test_score`: per candidate, one score per split.
    pub split_test_scores: Vec<Vec<f64>>,
    /// Mean of the split scores (numpy's summation order).
    pub mean_test_score: Vec<f64>,
    /// Population standard deviation of the split scores.
    pub std_test_score: Vec<f64>,
    /// Rank by mean score (1 is best; ties share the lowest rank).
    pub rank_test_score: Vec<usize>,
    /// Mean seconds of the tasks a fold's fit needed, from the run's own
    /// task timings (the steps' transforms and fits; not the tasks that
    /// produce the input data). Shared tasks count in full for every
    /// candidate that reads them: what a stand-alone fit would have run.
    pub mean_fit_time: Vec<f64>,
    /// Standard deviation of the fit times over splits.
    pub std_fit_time: Vec<f64>,
    /// Mean seconds of a fold's prediction and scoring tasks.
    pub mean_score_time: Vec<f64>,
    /// Standard deviation of the score times over splits.
    pub std_score_time: Vec<f64>,
}

/// `np.average(a)` and `np.sqrt(np.average((a - mean) ** 2))`, as
/// scikit-learn computes `mean_test_score` and `std_test_score`.
pub fn mean_std(a: &[f64]) -> (f64, f64) {
    let n = a.len() as f64;
    let mean = dklearn_estimators::pairwise_sum(a) / n;
    let sq: Vec<f64> = a.iter().map(|v| (v - mean) * (v - mean)).collect();
    (mean, (dklearn_estimators::pairwise_sum(&sq) / n).sqrt())
}

/// `rankdata(-scores, method='min')`: 1 for the best; NaN ranks last.
fn rank_min(scores: &[f64]) -> Vec<usize> {
    scores
        .iter()
        .map(|s| {
            if s.is_nan() {
                return scores.iter().filter(|t| !t.is_nan()).count() + 1;
            }
            1 + scores.iter().filter(|t| **t > *s).count()
        })
        .collect()
}

/// Per task key, how long it ran (a scheduler callback).
#[derive(Default)]
struct Timer {
    running: Mutex<HashMap<Key, Instant>>,
    done: Mutex<HashMap<Key, Duration>>,
}

impl Callback for Timer {
    fn pretask(&self, key: &Key, _worker: usize) {
        self.running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key.clone(), Instant::now());
    }
    fn posttask(&self, key: &Key, _worker: usize, _ok: bool) {
        let start = self
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(key);
        if let Some(t) = start {
            self.done
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(key.clone(), t.elapsed());
        }
    }
}

/// Every key `key` depends on, itself included.
fn ancestors(graph: &Graph, key: &Key) -> HashSet<Key> {
    let mut seen = HashSet::new();
    let mut stack = vec![key.clone()];
    while let Some(k) = stack.pop() {
        if let Some(t) = graph.get(&k) {
            for d in t.deps() {
                if !seen.contains(d) {
                    stack.push(d.clone());
                }
            }
        }
        seen.insert(k);
    }
    seen
}

/// The search built as one graph (nothing has run): compute it with
/// [`compute`](SearchGraph::compute).
pub struct SearchGraph<L> {
    candidates: Vec<Params>,
    n_splits: usize,
    /// Per candidate and split: (fit key, score key).
    keys: Vec<Vec<(Key, Key)>>,
    /// The requested keys, grouped by shared prefix.
    order: Vec<Key>,
    graph: Graph,
    /// The tasks that produce the input data (not timed as fit or score).
    input: HashSet<Key>,
    _labels: std::marker::PhantomData<fn() -> L>,
}

impl<L> SearchGraph<L> {
    /// The graph over every candidate and split.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    /// The score keys, in the order they are requested.
    pub fn keys(&self) -> &[Key] {
        &self.order
    }

    /// The candidates, in order.
    pub fn candidates(&self) -> &[Params] {
        &self.candidates
    }

    /// Runs the graph and gathers `cv_results_` (without refit).
    pub fn compute<S: Scheduler + ?Sized>(
        &self,
        scheduler: &S,
        callbacks: &[&dyn Callback],
    ) -> Result<CvResults, Error> {
        let timer = Timer::default();
        let mut cbs: Vec<&dyn Callback> = vec![&timer];
        cbs.extend_from_slice(callbacks);
        let out = scheduler.get(&self.graph, &self.order, &cbs)?;
        let mut by_key: HashMap<&Key, f64> = HashMap::new();
        for (k, v) in self.order.iter().zip(out) {
            let s = dklearn_graph::downcast_value::<f64>(k, v)?;
            by_key.insert(k, *s);
        }
        let times = timer
            .done
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        let secs = |keys: &HashSet<Key>| -> f64 {
            keys.iter()
                .filter_map(|k| times.get(k))
                .map(Duration::as_secs_f64)
                .sum()
        };
        let n = self.candidates.len();
        let mut r = CvResults {
            params: self.candidates.clone(),
            split_test_scores: Vec::with_capacity(n),
            mean_test_score: Vec::with_capacity(n),
            std_test_score: Vec::with_capacity(n),
            rank_test_score: Vec::new(),
            mean_fit_time: Vec::with_capacity(n),
            std_fit_time: Vec::with_capacity(n),
            mean_score_time: Vec::with_capacity(n),
            std_score_time: Vec::with_capacity(n),
        };
        for per_split in &self.keys {
            let scores: Vec<f64> = per_split.iter().map(|(_, s)| by_key[s]).collect();
            let (mut fit_t, mut score_t) = (Vec::new(), Vec::new());
            for (f, s) in per_split {
                let fit: HashSet<Key> = ancestors(&self.graph, f)
                    .into_iter()
                    .filter(|k| !self.input.contains(k))
                    .collect();
                let score: HashSet<Key> = ancestors(&self.graph, s)
                    .into_iter()
                    .filter(|k| !fit.contains(k) && !self.input.contains(k))
                    .collect();
                fit_t.push(secs(&fit));
                score_t.push(secs(&score));
            }
            let (m, sd) = mean_std(&scores);
            r.mean_test_score.push(m);
            r.std_test_score.push(sd);
            r.split_test_scores.push(scores);
            let (m, sd) = mean_std(&fit_t);
            r.mean_fit_time.push(m);
            r.std_fit_time.push(sd);
            let (m, sd) = mean_std(&score_t);
            r.mean_score_time.push(m);
            r.std_score_time.push(sd);
        }
        r.rank_test_score = rank_min(&r.mean_test_score);
        Ok(r)
    }
}

/// A fitted pipeline from a search's refit: the first step, the fitted
/// transforms, and the fitted model. Predicts eagerly, chunk by chunk.
#[derive(Clone)]
pub struct BestEstimator<V, M> {
    first: V,
    middle: Vec<Arc<dyn ChunkTransform>>,
    model: M,
}

impl<V: fmt::Debug, M: fmt::Debug> fmt::Debug for BestEstimator<V, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{:?}", self.first)?;
        for m in &self.middle {
            write!(f, ", {m:?}")?;
        }
        write!(f, ", {:?}]", self.model)
    }
}

impl<V, M> BestEstimator<V, M> {
    /// The fitted model of the final step.
    pub fn model(&self) -> &M {
        &self.model
    }

    /// The first step.
    pub fn first_step(&self) -> &V {
        &self.first
    }

    /// The features of a chunk after every transform.
    pub fn transform<C>(&self, chunk: &C) -> Result<CsrMatrix, EstimatorError>
    where
        V: FirstStep<C>,
    {
        let mut x = self.first.apply(chunk).map_err(|e| {
            EstimatorError::new(dklearn_estimators::ErrorKind::Other(e.into_message()))
        })?;
        for m in &self.middle {
            x = m.transform_chunk(&x)?;
        }
        Ok(x)
    }

    /// Predictions for a chunk.
    pub fn predict<C, L>(&self, chunk: &C) -> Result<Vec<L>, EstimatorError>
    where
        V: FirstStep<C>,
        M: Predict<L>,
    {
        self.model.predict(&self.transform(chunk)?)
    }
}

/// A finished search: scikit-learn's fitted attributes.
pub struct SearchResults<V, M> {
    /// Per-candidate results.
    pub cv_results_: CvResults,
    /// The candidate with the best mean score (the first of equals).
    pub best_index_: usize,
    /// Its parameters.
    pub best_params_: Params,
    /// Its mean score.
    pub best_score_: f64,
    /// The best candidate refitted on all the data (`None` with `refit(false)`).
    pub best_estimator_: Option<BestEstimator<V, M>>,
    /// The number of splits.
    pub n_splits_: usize,
}

impl<V, M> fmt::Debug for SearchResults<V, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SearchResults(best_params_={}, best_score_={})",
            params_repr(&self.best_params_),
            self.best_score_
        )
    }
}

/// In-memory data a search splits by rows: documents (`Vec<T>`) or a
/// feature matrix.
pub trait RowData: Data {
    /// How many rows (samples).
    fn n_rows(&self) -> usize;
    /// A deterministic hash of the contents (the key of the data's literal).
    fn data_token(&self) -> Token;
}

impl<T: Data + Tokenize> RowData for Vec<T> {
    fn n_rows(&self) -> usize {
        self.len()
    }
    fn data_token(&self) -> Token {
        tokenize("rows", self)
    }
}

impl RowData for CsrMatrix {
    fn n_rows(&self) -> usize {
        CsrMatrix::n_rows(self)
    }
    fn data_token(&self) -> Token {
        let mut h = TokenHasher::new();
        h.write_str("csr");
        h.write_u64(self.n_rows() as u64);
        h.write_u64(self.n_cols() as u64);
        self.indptr().iter().for_each(|&v| h.write_u64(v as u64));
        self.indices().iter().for_each(|&v| h.write_u64(v as u64));
        self.data().iter().for_each(|&v| h.write_f64(v));
        h.finish()
    }
}

fn rows_units<I: RowData, L: Data + Clone + Tokenize>(x: I, y: &[L]) -> Result<Units<I, L>, Error>
where
    Vec<L>: Tokenize,
{
    if x.n_rows() != y.len() {
        return Err(
            EstimatorError::new(dklearn_estimators::ErrorKind::LengthMismatch {
                n_samples: x.n_rows(),
                n_labels: y.len(),
            })
            .into(),
        );
    }
    let token = x.data_token();
    Ok(Units::Rows {
        x: Delayed::value_with_token("x", token, x),
        y: Delayed::value("y", y.to_vec()),
    })
}

/// Where the data of a search is: per unit (partition, or the whole set).
enum Units<C, L> {
    /// One chunk per partition; folds select partitions.
    Chunks {
        x: Vec<Delayed<C>>,
        y: Vec<Delayed<Vec<L>>>,
    },
    /// Everything in one value; folds select rows.
    Rows { x: Delayed<C>, y: Delayed<Vec<L>> },
}

/// Feature and label keys of a training or test set.
struct Part {
    x: Vec<Key>,
    y: Vec<Key>,
}

impl<V, E, C, L> SearchCV<V, E, C, L>
where
    E: SetParam + Clone + fmt::Debug,
    C: CrossValidator,
    L: Data + Clone + Ord + fmt::Debug + Tokenize,
{
    /// The candidates' pipelines, every parameter checked (unknown step or
    /// parameter, invalid value, empty space: errors before anything runs).
    fn candidates(&self) -> Result<Candidates<V, E>, Error>
    where
        V: SetParam + Clone,
    {
        let params = self.space.candidates()?;
        let p = &self.pipeline;
        let mut out = Vec::with_capacity(params.len());
        for cand in &params {
            let mut first = p.first_step().1.clone();
            let mut middle: Vec<Arc<dyn ChunkFitTransformer>> =
                p.fitted_steps().iter().map(|(_, m)| m.clone()).collect();
            let mut last = p.estimator().clone();
            for (full, value) in cand {
                let (step, name) = full.split_once("__").ok_or_else(|| {
                    grid_err(format!(
                        "parameter '{full}' does not name a step: write <step>__<parameter> with a step among {:?}",
                        p.step_names()
                    ))
                })?;
                if step == p.first_step().0 {
                    first = first.set_param(name, value)?;
                } else if step == p.estimator_name() {
                    last = last.set_param(name, value)?;
                } else if let Some(i) = p.fitted_steps().iter().position(|(n, _)| n == step) {
                    middle[i] = middle[i].set_param_boxed(name, value)?;
                } else {
                    return Err(grid_err(format!(
                        "invalid parameter '{full}': the pipeline has no step '{step}' (steps: {:?})",
                        p.step_names()
                    )));
                }
            }
            out.push(Candidate {
                first,
                middle,
                last,
            });
        }
        Ok((params, out))
    }

    /// What the scoring reads from each candidate's model, checked before
    /// anything runs: a scoring the estimator cannot serve (`neg_log_loss`
    /// with a hinge-loss SGD, which has no `predict_proba`), or `roc_auc`
    /// with more than two classes given, is an error naming the candidate.
    fn responses(
        &self,
        params: &[Params],
        cands: &[Candidate<V, E>],
    ) -> Result<Vec<Response>, Error>
    where
        E: LazyEstimator<L>,
    {
        if self.scoring == Scoring::RocAuc {
            if let Some(c) = self.fit_params.classes.as_ref().filter(|c| c.len() != 2) {
                return Err(grid_err(format!(
                    "scoring 'roc_auc' is binary but the classes given are {c:?} (use 'roc_auc_ovr' or 'roc_auc_ovo')"
                )));
            }
        }
        params
            .iter()
            .zip(cands)
            .map(|(p, c)| {
                self.scoring
                    .response(c.last.response_methods())
                    .map_err(|e| {
                        grid_err(format!(
                            "{e}, which the final step {:?} of candidate {} does not have",
                            c.last,
                            params_repr(p)
                        ))
                    })
            })
            .collect()
    }

    /// The search over a [`Bag`] of samples with aligned label chunks; the
    /// splitter splits partitions. Builds the graph only.
    pub fn build_chunks<T>(&self, x: &Bag<T>, y: &Matrix<Vec<L>>) -> Result<SearchGraph<L>, Error>
    where
        T: Data,
        V: FirstStep<Vec<T>>,
        E: LazyEstimator<L>,
    {
        Error::check_aligned("search", x.npartitions(), y.nchunks())?;
        let splits = self.cv.split::<L>(x.npartitions(), &[])?;
        let units = Units::Chunks {
            x: x.to_delayed(),
            y: y.chunks().to_vec(),
        };
        self.build(&units, &splits)
    }

    /// The search over in-memory data (`x` holds `y.len()` rows); the
    /// splitter splits rows, as scikit-learn's. Builds the graph only.
    pub fn build_rows<I>(&self, x: I, y: Vec<L>) -> Result<SearchGraph<L>, Error>
    where
        I: RowData,
        V: FirstStep<I>,
        E: LazyEstimator<L>,
    {
        let units = rows_units(x, &y)?;
        let splits = self.cv.split(y.len(), &y)?;
        self.build(&units, &splits)
    }

    fn build<I>(&self, units: &Units<I, L>, splits: &[Split]) -> Result<SearchGraph<L>, Error>
    where
        I: Data,
        V: FirstStep<I>,
        E: LazyEstimator<L>,
    {
        let (params, cands) = self.candidates()?;
        let mut b = GraphBuilder::new();
        match units {
            Units::Chunks { x, y } => {
                x.iter().for_each(|c| b.merge(c));
                y.iter().for_each(|c| b.merge(c));
            }
            Units::Rows { x, y } => {
                b.merge(x);
                b.merge(y);
            }
        }
        let input: HashSet<Key> = b.graph().keys().cloned().collect();
        let scoring = self.scoring.clone();
        let score_token = scoring.token_repr();
        let responses = self.responses(&params, &cands)?;
        let mut keys = Vec::with_capacity(cands.len());
        let mut groups: BTreeMap<String, Vec<Key>> = BTreeMap::new();
        for (c, &response) in cands.iter().zip(&responses) {
            let mut per_split = Vec::with_capacity(splits.len());
            for (fold, (train, test)) in splits.iter().enumerate() {
                let (tr, te, _) = self.fold_features(&mut b, units, c, train, test)?;
                let xm = Matrix::from_chunks(tr.x.iter().map(|k| b.delayed(k.clone())).collect());
                let ym = Matrix::from_chunks(tr.y.iter().map(|k| b.delayed(k.clone())).collect());
                let model = c.last.fit_lazy(&xm, &ym, &self.fit_params)?;
                b.merge(&model);
                let score = score_task::<E::Model, L>(
                    &mut b,
                    model.key(),
                    &te,
                    &scoring,
                    response,
                    &score_token,
                );
                groups
                    .entry(format!("{}#{fold}", c.prefix()))
                    .or_default()
                    .push(score.clone());
                per_split.push((model.key().clone(), score));
            }
            keys.push(per_split);
        }
        let order = groups.into_values().flatten().collect();
        Ok(SearchGraph {
            candidates: params,
            n_splits: splits.len(),
            keys,
            order,
            graph: b.graph().clone(),
            input,
            _labels: std::marker::PhantomData,
        })
    }

    /// The features (after every step before the estimator) and labels of
    /// one fold's training and test sets.
    fn fold_features<I>(
        &self,
        b: &mut GraphBuilder,
        units: &Units<I, L>,
        c: &Candidate<V, E>,
        train: &[usize],
        test: &[usize],
    ) -> Result<(Part, Part, Vec<Key>), Error>
    where
        I: Data,
        V: FirstStep<I>,
    {
        // Keyed as `transform_chunks` keys it: the same chunk under the same
        // transformer is one task in a search and in a plain pipeline fit.
        let id = identity(&c.first);
        let name = estimator_name(&id.1);
        let first = |b: &mut GraphBuilder, k: &Key| {
            let v = c.first.clone();
            b.task(&name, &id, &[k], move |inp| {
                v.apply(downcast_input::<I>(&inp[0])?)
            })
        };
        let (mut tr, mut te) = match units {
            Units::Chunks { x, y } => {
                let part = |b: &mut GraphBuilder, idx: &[usize]| Part {
                    x: idx.iter().map(|&u| first(b, x[u].key())).collect(),
                    y: idx.iter().map(|&u| y[u].key().clone()).collect(),
                };
                (part(b, train), part(b, test))
            }
            Units::Rows { x, y } => {
                let whole = first(b, x.key());
                let part = |b: &mut GraphBuilder, idx: &[usize], what: &str| {
                    let token = tokenize(what, idx);
                    let rows: Arc<Vec<usize>> = Arc::new(idx.to_vec());
                    let r2 = rows.clone();
                    let xk = b.task("select-rows", &token, &[&whole], move |v| {
                        downcast_input::<CsrMatrix>(&v[0])?
                            .select_rows(&rows)
                            .map_err(|e| task_err(e.into()))
                    });
                    let yk = b.task("select-labels", &token, &[y.key()], move |v| {
                        let y = downcast_input::<Vec<L>>(&v[0])?;
                        r2.iter()
                            .map(|&i| {
                                y.get(i).cloned().ok_or_else(|| {
                                    TaskError::new(format!(
                                        "row {i} of {} labels selected",
                                        y.len()
                                    ))
                                })
                            })
                            .collect::<Result<Vec<L>, _>>()
                    });
                    Part {
                        x: vec![xk],
                        y: vec![yk],
                    }
                };
                (part(b, train, "train"), part(b, test, "test"))
            }
        };
        let (trx, tex, fitted) = fit_steps(b, &c.middle, tr.x, te.x);
        tr.x = trx;
        te.x = tex;
        Ok((tr, te, fitted))
    }

    /// Searches chunked data: builds the graph, runs it with `scheduler`
    /// (reporting to `callbacks`), then refits the best candidate on every
    /// partition (unless `refit(false)`).
    pub fn fit_chunks<T, S>(
        &self,
        x: &Bag<T>,
        y: &Matrix<Vec<L>>,
        scheduler: &S,
        callbacks: &[&dyn Callback],
    ) -> Result<SearchResults<V, E::Model>, Error>
    where
        T: Data,
        V: FirstStep<Vec<T>>,
        E: LazyEstimator<L>,
        S: Scheduler + ?Sized,
    {
        let g = self.build_chunks(x, y)?;
        let r = g.compute(scheduler, callbacks)?;
        let units = Units::Chunks {
            x: x.to_delayed(),
            y: y.chunks().to_vec(),
        };
        self.finish(r, &units, x.npartitions(), g.n_splits, scheduler, callbacks)
    }

    /// Searches in-memory data (`x` holds `y.len()` rows: documents or a
    /// matrix): builds the graph, runs it, refits the best candidate on all
    /// rows (unless `refit(false)`).
    pub fn fit_rows<I, S>(
        &self,
        x: I,
        y: Vec<L>,
        scheduler: &S,
        callbacks: &[&dyn Callback],
    ) -> Result<SearchResults<V, E::Model>, Error>
    where
        I: RowData,
        V: FirstStep<I>,
        E: LazyEstimator<L>,
        S: Scheduler + ?Sized,
    {
        let n = y.len();
        let units = rows_units(x, &y)?;
        let splits = self.cv.split(n, &y)?;
        let g = self.build(&units, &splits)?;
        let r = g.compute(scheduler, callbacks)?;
        self.finish(r, &units, n, g.n_splits, scheduler, callbacks)
    }

    fn finish<I, S>(
        &self,
        r: CvResults,
        units: &Units<I, L>,
        n_units: usize,
        n_splits: usize,
        scheduler: &S,
        callbacks: &[&dyn Callback],
    ) -> Result<SearchResults<V, E::Model>, Error>
    where
        I: Data,
        V: FirstStep<I>,
        E: LazyEstimator<L>,
        S: Scheduler + ?Sized,
    {
        // The first of the best (np.argmin of the ranks).
        let best = (0..r.rank_test_score.len())
            .min_by_key(|&i| r.rank_test_score[i])
            .ok_or_else(|| grid_err("no candidates".into()))?;
        let best_params = r.params[best].clone();
        let best_score = r.mean_test_score[best];
        let best_estimator = if self.refit {
            let (_, cands) = self.candidates()?;
            let c = &cands[best];
            let mut b = GraphBuilder::new();
            match units {
                Units::Chunks { x, y } => {
                    x.iter().for_each(|k| b.merge(k));
                    y.iter().for_each(|k| b.merge(k));
                }
                Units::Rows { x, y } => {
                    b.merge(x);
                    b.merge(y);
                }
            }
            let all: Vec<usize> = (0..n_units).collect();
            let (tr, _, fitted) = self.fold_features(&mut b, units, c, &all, &[])?;
            let xm = Matrix::from_chunks(tr.x.iter().map(|k| b.delayed(k.clone())).collect());
            let ym = Matrix::from_chunks(tr.y.iter().map(|k| b.delayed(k.clone())).collect());
            let model = c.last.fit_lazy(&xm, &ym, &self.fit_params)?;
            let fitted_d: Vec<Delayed<Arc<dyn ChunkTransform>>> =
                fitted.into_iter().map(|k| b.delayed(k)).collect();
            let mut items: Vec<&dyn AnyDelayed> = vec![&model];
            items.extend(fitted_d.iter().map(|d| d as &dyn AnyDelayed));
            let out = dklearn_graph::compute_many(scheduler, &items, callbacks)?;
            let model = dklearn_graph::downcast_value::<E::Model>(model.key(), out[0].clone())?;
            let mut middle = Vec::new();
            for (d, v) in fitted_d.iter().zip(&out[1..]) {
                let f =
                    dklearn_graph::downcast_value::<Arc<dyn ChunkTransform>>(d.key(), v.clone())?;
                middle.push((*f).clone());
            }
            Some(BestEstimator {
                first: c.first.clone(),
                middle,
                model: (*model).clone(),
            })
        } else {
            None
        };
        Ok(SearchResults {
            cv_results_: r,
            best_index_: best,
            best_params_: best_params,
            best_score_: best_score,
            best_estimator_: best_estimator,
            n_splits_: n_splits,
        })
    }
}

/// What `model` gives on each test chunk (`response`: predictions,
/// decision values or probabilities), then the fold's score over all of
/// them together (rows concatenated in chunk order, one metric call).
fn score_task<M, L>(
    b: &mut GraphBuilder,
    model: &Key,
    test: &Part,
    scoring: &Scoring<L>,
    response: Response,
    token: &str,
) -> Key
where
    M: Predict<L> + ResponseMethods<L> + Data,
    L: Data + Clone + Ord + fmt::Debug,
{
    let outs: Vec<Key> = test
        .x
        .iter()
        .map(|x| match response {
            Response::Predict => b.task("predict", &(), &[model, x], |v| {
                let m = downcast_input::<M>(&v[0])?;
                m.predict(downcast_input::<CsrMatrix>(&v[1])?)
                    .map_err(task_err)
            }),
            Response::DecisionFunction => b.task("decision-function", &(), &[model, x], |v| {
                let m = downcast_input::<M>(&v[0])?;
                m.decision_values(downcast_input::<CsrMatrix>(&v[1])?)
                    .map_err(task_err)
            }),
            Response::PredictProba => b.task("predict-proba", &(), &[model, x], |v| {
                let m = downcast_input::<M>(&v[0])?;
                m.proba_values(downcast_input::<CsrMatrix>(&v[1])?)
                    .map_err(task_err)
            }),
        })
        .collect();
    let n = outs.len();
    let mut deps: Vec<&Key> = outs.iter().collect();
    deps.extend(test.y.iter());
    let scoring = scoring.clone();
    if response == Response::Predict {
        return b.task("score", token, &deps, move |v| {
            let (mut yp, mut yt) = (Vec::new(), Vec::new());
            for (p, t) in v[..n].iter().zip(&v[n..]) {
                let p = downcast_input::<Vec<L>>(p)?;
                let t = downcast_input::<Vec<L>>(t)?;
                if p.len() != t.len() {
                    return Err(TaskError::new(format!(
                        "{} predictions but {} labels",
                        p.len(),
                        t.len()
                    )));
                }
                yp.extend(p.iter().cloned());
                yt.extend(t.iter().cloned());
            }
            scoring.score(&yt, &yp).map_err(task_err)
        });
    }
    // The model too, for its classes_.
    deps.push(model);
    b.task("score", token, &deps, move |v| {
        let (mut vals, mut yt) = (Vec::new(), Vec::new());
        let mut ncols = None;
        for (p, t) in v[..n].iter().zip(&v[n..2 * n]) {
            let p = downcast_input::<Array2<f64>>(p)?;
            let t = downcast_input::<Vec<L>>(t)?;
            if p.nrows() != t.len() || ncols.is_some_and(|c| c != p.ncols()) {
                return Err(TaskError::new(format!(
                    "{} rows of {} values ({} columns) but {} labels",
                    p.nrows(),
                    response.name(),
                    p.ncols(),
                    t.len()
                )));
            }
            ncols = Some(p.ncols());
            vals.extend(p.iter().copied());
            yt.extend(t.iter().cloned());
        }
        let values = Array2::from_shape_vec((yt.len(), ncols.unwrap_or(0)), vals)
            .map_err(|e| TaskError::new(format!("{} values: {e}", response.name())))?;
        let m = downcast_input::<M>(&v[2 * n])?;
        scoring
            .score_values(&yt, &values, response, m.fitted_classes())
            .map_err(task_err)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_and_sums_as_numpy() {
        assert_eq!(rank_min(&[0.5, 0.7, 0.7, 0.1]), vec![3, 1, 1, 4]);
        let a = [0.1, 0.2, 0.3];
        assert_eq!(dklearn_estimators::pairwise_sum(&a), (0.1 + 0.2) + 0.3);
        let (m, s) = mean_std(&[1.0, 1.0]);
        assert_eq!((m, s), (1.0, 0.0));
    }
}
