use crate::{
    estimator_name, identity, task_err, ChunkTransformer, Error, FitParams, LazyEstimator, Matrix,
    SetParam,
};
use dklearn_estimators::model_selection::ParamValue;
use dklearn_estimators::{
    DocumentFrequency, Error as EstimatorError, ErrorKind, Predict, PredictProba, TfidfTransformer,
};
use dklearn_graph::{downcast_input, Bag, Data, Delayed, GraphBuilder, Key, TaskError};
use dklearn_sparse::CsrMatrix;
use ndarray::Array2;
use std::fmt;
use std::sync::Arc;

/// A transformer step (stateless, e.g. `HashingVectorizer`), then any number
/// of transformers fitted over the chunks (e.g. `TfidfTransformer`, added
/// with [`with_fitted_step`](Pipeline::with_fitted_step)), then a wrapped
/// estimator, applied chunk by chunk.
///
/// `Debug` reads like scikit-learn's repr:
/// `Pipeline(steps=[('vect', HashingVectorizer(...)), ('sgd', Chained(SGDClassifier()))])`.
#[derive(Clone)]
pub struct Pipeline<V, E> {
    transformer: (String, V),
    fitted: Vec<(String, Arc<dyn ChunkFitTransformer>)>,
    estimator: (String, E),
}

impl<V: fmt::Debug, E: fmt::Debug> fmt::Debug for Pipeline<V, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Pipeline(steps=[('{}', {:?}), ",
            self.transformer.0, self.transformer.1
        )?;
        for (n, m) in &self.fitted {
            write!(f, "('{n}', {m:?}), ")?;
        }
        write!(f, "('{}', {:?})])", self.estimator.0, self.estimator.1)
    }
}

/// A fitted feature transform (what a [`ChunkFitTransformer`] fit gives).
pub trait ChunkTransform: fmt::Debug + Send + Sync + 'static {
    /// Transforms one chunk of features.
    fn transform_chunk(&self, x: &CsrMatrix) -> Result<CsrMatrix, EstimatorError>;
}

/// Per-chunk statistics of a [`ChunkFitTransformer`], type-erased.
pub type ChunkStats = Arc<dyn std::any::Any + Send + Sync>;

/// A transformer fitted over chunks, between a pipeline's first step and its
/// estimator (`TfidfTransformer`): statistics per chunk (one task each, keyed
/// by the chunk alone, so every fold and setting that reads the chunk shares
/// it), combined into a fitted transform per training set (one task).
pub trait ChunkFitTransformer: fmt::Debug + Send + Sync + 'static {
    /// The step's type name as scikit-learn prints it (`TfidfTransformer`).
    fn type_name(&self) -> String;
    /// Accepted parameter names.
    fn param_names(&self) -> Vec<&'static str>;
    /// A copy with a parameter set (errors as
    /// [`SetParam::set_param`]).
    fn set_param_boxed(
        &self,
        name: &str,
        value: &ParamValue,
    ) -> Result<Arc<dyn ChunkFitTransformer>, EstimatorError>;
    /// The name of the statistics task. A chunk's statistics must not depend
    /// on this step's parameters: they are shared across settings.
    fn stats_name(&self) -> &'static str;
    /// Statistics of one chunk.
    fn chunk_stats(&self, x: &CsrMatrix) -> Result<ChunkStats, EstimatorError>;
    /// The fitted transform from the statistics of the training chunks, in order.
    fn fit_stats(&self, stats: &[&ChunkStats]) -> Result<Arc<dyn ChunkTransform>, EstimatorError>;
}

impl ChunkTransform for TfidfTransformer {
    fn transform_chunk(&self, x: &CsrMatrix) -> Result<CsrMatrix, EstimatorError> {
        self.transform(x)
    }
}

impl ChunkFitTransformer for TfidfTransformer {
    fn type_name(&self) -> String {
        SetParam::type_name(self)
    }
    fn param_names(&self) -> Vec<&'static str> {
        SetParam::param_names(self)
    }
    fn set_param_boxed(
        &self,
        name: &str,
        value: &ParamValue,
    ) -> Result<Arc<dyn ChunkFitTransformer>, EstimatorError> {
        Ok(Arc::new(self.set_param(name, value)?))
    }
    fn stats_name(&self) -> &'static str {
        "document-frequency"
    }
    fn chunk_stats(&self, x: &CsrMatrix) -> Result<ChunkStats, EstimatorError> {
        if x.has_non_finite() {
            return Err(EstimatorError::new(ErrorKind::NonFinite(
                "TfidfTransformer.fit",
            )));
        }
        Ok(Arc::new(DocumentFrequency::of(x)))
    }
    fn fit_stats(&self, stats: &[&ChunkStats]) -> Result<Arc<dyn ChunkTransform>, EstimatorError> {
        let mut total: Option<DocumentFrequency> = None;
        for s in stats {
            let df = s.downcast_ref::<DocumentFrequency>().ok_or_else(|| {
                EstimatorError::new(ErrorKind::Other(
                    "statistics are not document counts".into(),
                ))
            })?;
            match total.as_mut() {
                None => total = Some(df.clone()),
                Some(t) => t.merge(df)?,
            }
        }
        let total = total.ok_or(EstimatorError::new(ErrorKind::EmptyInput(
            "TfidfTransformer.fit",
        )))?;
        Ok(Arc::new(self.fit_df(&total)?))
    }
}

/// Fits the fitted steps `steps` in turn on the training chunks `train`
/// (statistics per chunk, one fit task per step), transforming `train` and
/// `other` after each. Returns the transformed keys and each step's fitted
/// transform key. Task names: the statistics' (`document-frequency`),
/// `<step>-fit`, and `<step>` per transformed chunk.
pub(crate) fn fit_steps(
    b: &mut GraphBuilder,
    steps: &[Arc<dyn ChunkFitTransformer>],
    mut train: Vec<Key>,
    mut other: Vec<Key>,
) -> (Vec<Key>, Vec<Key>, Vec<Key>) {
    let mut fitted_keys = Vec::with_capacity(steps.len());
    for m in steps {
        let repr = format!("{m:?}");
        let name = estimator_name(&repr);
        let stats: Vec<Key> = train
            .iter()
            .map(|k| {
                let m = m.clone();
                b.task(m.stats_name(), &(), &[k], move |v| {
                    m.chunk_stats(downcast_input::<CsrMatrix>(&v[0])?)
                        .map_err(task_err)
                })
            })
            .collect();
        let refs: Vec<&Key> = stats.iter().collect();
        let m2 = m.clone();
        // Keyed by the step's type and repr (as `identity` keys estimators).
        let id = (m.type_name(), repr.clone());
        let fitted = b.task(&format!("{name}-fit"), &id, &refs, move |v| {
            let s = v
                .iter()
                .map(downcast_input::<ChunkStats>)
                .collect::<Result<Vec<_>, _>>()?;
            m2.fit_stats(&s).map_err(task_err)
        });
        train = apply_fitted(b, &name, &fitted, &train);
        other = apply_fitted(b, &name, &fitted, &other);
        fitted_keys.push(fitted);
    }
    (train, other, fitted_keys)
}

/// One `<name>` task per chunk applying the fitted transform at `fitted`.
pub(crate) fn apply_fitted(
    b: &mut GraphBuilder,
    name: &str,
    fitted: &Key,
    keys: &[Key],
) -> Vec<Key> {
    keys.iter()
        .map(|k| {
            b.task(name, &(), &[fitted, k], |v| {
                let f = downcast_input::<Arc<dyn ChunkTransform>>(&v[0])?;
                f.transform_chunk(downcast_input::<CsrMatrix>(&v[1])?)
                    .map_err(task_err)
            })
        })
        .collect()
}

impl<V, E> Pipeline<V, E> {
    /// `Pipeline([(name, transformer), (name, estimator)])`.
    pub fn new(transformer: (&str, V), estimator: (&str, E)) -> Self {
        Pipeline {
            transformer: (transformer.0.to_string(), transformer.1),
            fitted: Vec::new(),
            estimator: (estimator.0.to_string(), estimator.1),
        }
    }

    /// Adds a transformer fitted over the chunks (e.g. `("tfidf",
    /// TfidfTransformer)`) after the ones before, just before the estimator.
    pub fn with_fitted_step<F: ChunkFitTransformer>(mut self, step: (&str, F)) -> Self {
        self.fitted.push((step.0.to_string(), Arc::new(step.1)));
        self
    }

    /// The first step, with its name.
    pub fn first_step(&self) -> (&str, &V) {
        (&self.transformer.0, &self.transformer.1)
    }

    /// The fitted steps, with their names, in order.
    pub fn fitted_steps(&self) -> &[(String, Arc<dyn ChunkFitTransformer>)] {
        &self.fitted
    }

    /// The estimator step's name.
    pub fn estimator_name(&self) -> &str {
        &self.estimator.0
    }

    /// Every step's name, in order.
    pub fn step_names(&self) -> Vec<&str> {
        let mut v = vec![self.transformer.0.as_str()];
        v.extend(self.fitted.iter().map(|(n, _)| n.as_str()));
        v.push(&self.estimator.0);
        v
    }

    /// The transformer step.
    pub fn transformer(&self) -> &V {
        &self.transformer.1
    }

    /// The estimator step.
    pub fn estimator(&self) -> &E {
        &self.estimator.1
    }
}

/// Transforms every partition of `x` with `v`, one task per partition named
/// after the transformer (`hashingvectorizer-<token>`); the key hashes the
/// transformer's type and repr and the partition's key, so the same chunk transformed
/// by equal transformers is one task.
pub fn transform_chunks<T: Data, V: ChunkTransformer<T>>(v: &V, x: &Bag<T>) -> Matrix<CsrMatrix> {
    let id = identity(v);
    let name = estimator_name(&id.1);
    let mut b = GraphBuilder::new();
    b.merge_graph(x.graph());
    let keys: Vec<Key> = x
        .keys()
        .iter()
        .map(|k| {
            let v = v.clone();
            b.task(&name, &id, &[k], move |inp| {
                let docs = downcast_input::<Vec<T>>(&inp[0])?;
                v.transform_chunk(docs.as_slice())
            })
        })
        .collect();
    Matrix::from_chunks(keys.into_iter().map(|k| b.delayed(k)).collect())
}

impl<V, E> Pipeline<V, E> {
    /// The lazy fit: transforms the chunks of `x`, then fits the estimator
    /// step on them. Nothing runs until the result is computed.
    pub fn fit<T, L>(
        &self,
        x: &Bag<T>,
        y: &Matrix<Vec<L>>,
        params: FitParams<L>,
    ) -> Result<FittedPipeline<V, E::Model>, Error>
    where
        T: Data,
        L: Data,
        V: ChunkTransformer<T>,
        E: LazyEstimator<L>,
    {
        let xt = transform_chunks(&self.transformer.1, x);
        let (xt, fitted) = if self.fitted.is_empty() {
            (xt, Vec::new())
        } else {
            let mut b = GraphBuilder::new();
            xt.chunks().iter().for_each(|c| b.merge(c));
            let keys: Vec<Key> = xt.chunks().iter().map(|c| c.key().clone()).collect();
            let steps: Vec<Arc<dyn ChunkFitTransformer>> =
                self.fitted.iter().map(|(_, m)| m.clone()).collect();
            let (train, _, fitted) = fit_steps(&mut b, &steps, keys, Vec::new());
            let xt = Matrix::from_chunks(train.into_iter().map(|k| b.delayed(k)).collect());
            let fitted = self
                .fitted
                .iter()
                .zip(fitted)
                .map(|((n, m), k)| (n.clone(), format!("{m:?}"), b.delayed(k)))
                .collect();
            (xt, fitted)
        };
        let model = self.estimator.1.fit_lazy(&xt, y, &params)?;
        Ok(FittedPipeline {
            transformer: self.transformer.clone(),
            fitted,
            estimator_name: self.estimator.0.clone(),
            model,
        })
    }
}

/// A fitted pipeline: the transformer and the lazy fitted model.
/// Its methods build graphs too; compute them with a scheduler.
pub struct FittedPipeline<V, M> {
    transformer: (String, V),
    /// The fitted steps: name, repr, lazy fitted transform.
    fitted: Vec<(String, String, Delayed<FittedTransform>)>,
    estimator_name: String,
    model: Delayed<M>,
}

/// A fitted step's transform, as the graph holds it.
pub type FittedTransform = Arc<dyn ChunkTransform>;

impl<V: Clone, M> Clone for FittedPipeline<V, M> {
    fn clone(&self) -> Self {
        FittedPipeline {
            transformer: self.transformer.clone(),
            fitted: self.fitted.clone(),
            estimator_name: self.estimator_name.clone(),
            model: self.model.clone(),
        }
    }
}

impl<V: fmt::Debug, M> fmt::Debug for FittedPipeline<V, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Pipeline(steps=[('{}', {:?}), ",
            self.transformer.0, self.transformer.1
        )?;
        for (n, _, d) in &self.fitted {
            write!(f, "('{n}', {d:?}), ")?;
        }
        write!(f, "('{}', {:?})])", self.estimator_name, self.model)
    }
}

impl<V, M> FittedPipeline<V, M> {
    /// The lazy fitted transforms of the fitted steps, in order.
    pub fn fitted_transforms(&self) -> Vec<&Delayed<FittedTransform>> {
        self.fitted.iter().map(|(_, _, d)| d).collect()
    }

    /// Every transform up to the estimator, chunk by chunk.
    fn features<T: Data>(&self, x: &Bag<T>) -> Matrix<CsrMatrix>
    where
        V: ChunkTransformer<T>,
    {
        let xt = transform_chunks(&self.transformer.1, x);
        if self.fitted.is_empty() {
            return xt;
        }
        let mut b = GraphBuilder::new();
        xt.chunks().iter().for_each(|c| b.merge(c));
        let mut keys: Vec<Key> = xt.chunks().iter().map(|c| c.key().clone()).collect();
        for (_, repr, d) in &self.fitted {
            b.merge(d);
            keys = apply_fitted(&mut b, &estimator_name(repr), d.key(), &keys);
        }
        Matrix::from_chunks(keys.into_iter().map(|k| b.delayed(k)).collect())
    }
}

impl<V, M: Data> FittedPipeline<V, M> {
    /// The lazy fitted model (compute it to get the estimator).
    pub fn model(&self) -> &Delayed<M> {
        &self.model
    }

    /// Lazy predictions, one chunk per partition of `x`.
    pub fn predict<T: Data, L: Data>(&self, x: &Bag<T>) -> Matrix<Vec<L>>
    where
        V: ChunkTransformer<T>,
        M: Predict<L>,
    {
        predict_chunks(&self.model, &self.features(x))
    }

    /// Lazy class probabilities (`predict_proba`), one `n_samples ×
    /// n_classes` chunk per partition of `x`.
    pub fn predict_proba<T: Data>(&self, x: &Bag<T>) -> Matrix<Array2<f64>>
    where
        V: ChunkTransformer<T>,
        M: PredictProba,
    {
        predict_proba_chunks(&self.model, &self.features(x))
    }

    /// Lazy mean accuracy over the concatenated chunks of `x` (scikit-learn's
    /// `score`): hits are counted per chunk in parallel and summed.
    pub fn score<T: Data, L: Data + PartialEq>(
        &self,
        x: &Bag<T>,
        y: &Matrix<Vec<L>>,
    ) -> Result<Delayed<f64>, Error>
    where
        V: ChunkTransformer<T>,
        M: Predict<L>,
    {
        Error::check_aligned("score", x.npartitions(), y.nchunks())?;
        score_chunks(&self.model, &self.features(x), y)
    }
}

/// Lazy predictions of a lazy model, one task per feature chunk.
pub fn predict_chunks<M: Predict<L> + Data, L: Data>(
    model: &Delayed<M>,
    x: &Matrix<CsrMatrix>,
) -> Matrix<Vec<L>> {
    let mut b = GraphBuilder::new();
    b.merge(model);
    let keys = predict_keys::<M, L>(&mut b, model.key(), x);
    Matrix::from_chunks(keys.into_iter().map(|k| b.delayed(k)).collect())
}

fn predict_keys<M: Predict<L> + Data, L: Data>(
    b: &mut GraphBuilder,
    model: &Key,
    x: &Matrix<CsrMatrix>,
) -> Vec<Key> {
    x.chunks()
        .iter()
        .map(|c| {
            b.merge(c);
            b.task("predict", &(), &[model, c.key()], |v| {
                let m = downcast_input::<M>(&v[0])?;
                let x = downcast_input::<CsrMatrix>(&v[1])?;
                m.predict(x).map_err(task_err)
            })
        })
        .collect()
}

/// Lazy class probabilities of a lazy model, one task per feature chunk.
pub fn predict_proba_chunks<M: PredictProba + Data>(
    model: &Delayed<M>,
    x: &Matrix<CsrMatrix>,
) -> Matrix<Array2<f64>> {
    let mut b = GraphBuilder::new();
    b.merge(model);
    let keys: Vec<Key> = x
        .chunks()
        .iter()
        .map(|c| {
            b.merge(c);
            b.task("predict-proba", &(), &[model.key(), c.key()], |v| {
                let m = downcast_input::<M>(&v[0])?;
                let x = downcast_input::<CsrMatrix>(&v[1])?;
                m.predict_proba(x).map_err(task_err)
            })
        })
        .collect();
    Matrix::from_chunks(keys.into_iter().map(|k| b.delayed(k)).collect())
}

/// Lazy mean accuracy of a lazy model over aligned feature and label chunks
/// (hits counted per chunk, then summed: the accuracy over the concatenation).
pub fn score_chunks<M: Predict<L> + Data, L: Data + PartialEq>(
    model: &Delayed<M>,
    x: &Matrix<CsrMatrix>,
    y: &Matrix<Vec<L>>,
) -> Result<Delayed<f64>, Error> {
    Error::check_aligned("score", x.nchunks(), y.nchunks())?;
    let mut b = GraphBuilder::new();
    b.merge(model);
    let pred = predict_keys::<M, L>(&mut b, model.key(), x);
    let hits: Vec<Key> = pred
        .iter()
        .zip(y.chunks())
        .map(|(p, t)| {
            b.merge(t);
            b.task("score-chunk", &(), &[p, t.key()], |v| {
                let p = downcast_input::<Vec<L>>(&v[0])?;
                let t = downcast_input::<Vec<L>>(&v[1])?;
                if p.len() != t.len() {
                    return Err(TaskError::new(format!(
                        "{} predictions but {} labels",
                        p.len(),
                        t.len()
                    )));
                }
                Ok((p.iter().zip(t).filter(|(a, b)| a == b).count(), t.len()))
            })
        })
        .collect();
    let refs: Vec<&Key> = hits.iter().collect();
    let score = b.task("score", &(), &refs, |v| {
        let (mut h, mut n) = (0usize, 0usize);
        for p in v {
            let p = downcast_input::<(usize, usize)>(p)?;
            h += p.0;
            n += p.1;
        }
        if n == 0 {
            return Err(TaskError::new("score: no test samples"));
        }
        Ok(h as f64 / n as f64)
    });
    Ok(b.delayed(score))
}
