use crate::{
    estimator_name, identity, task_err, ChunkTransformer, Error, FitParams, LazyEstimator, Matrix,
};
use dklearn_estimators::{Predict, PredictProba};
use dklearn_graph::{downcast_input, Bag, Data, Delayed, GraphBuilder, Key, TaskError};
use dklearn_sparse::CsrMatrix;
use ndarray::Array2;
use std::fmt;

/// A transformer step (stateless, e.g. `HashingVectorizer`) followed by a
/// wrapped estimator, applied chunk by chunk.
///
/// `Debug` reads like scikit-learn's repr:
/// `Pipeline(steps=[('vect', HashingVectorizer(...)), ('sgd', Chained(SGDClassifier()))])`.
#[derive(Clone)]
pub struct Pipeline<V, E> {
    transformer: (String, V),
    estimator: (String, E),
}

impl<V: fmt::Debug, E: fmt::Debug> fmt::Debug for Pipeline<V, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Pipeline(steps=[('{}', {:?}), ('{}', {:?})])",
            self.transformer.0, self.transformer.1, self.estimator.0, self.estimator.1
        )
    }
}

impl<V, E> Pipeline<V, E> {
    /// `Pipeline([(name, transformer), (name, estimator)])`.
    pub fn new(transformer: (&str, V), estimator: (&str, E)) -> Self {
        Pipeline {
            transformer: (transformer.0.to_string(), transformer.1),
            estimator: (estimator.0.to_string(), estimator.1),
        }
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
        let model = self.estimator.1.fit_lazy(&xt, y, &params)?;
        Ok(FittedPipeline {
            transformer: self.transformer.clone(),
            estimator_name: self.estimator.0.clone(),
            model,
        })
    }
}

/// A fitted pipeline: the transformer and the lazy fitted model.
/// Its methods build graphs too; compute them with a scheduler.
pub struct FittedPipeline<V, M> {
    transformer: (String, V),
    estimator_name: String,
    model: Delayed<M>,
}

impl<V: Clone, M> Clone for FittedPipeline<V, M> {
    fn clone(&self) -> Self {
        FittedPipeline {
            transformer: self.transformer.clone(),
            estimator_name: self.estimator_name.clone(),
            model: self.model.clone(),
        }
    }
}

impl<V: fmt::Debug, M> fmt::Debug for FittedPipeline<V, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Pipeline(steps=[('{}', {:?}), ('{}', {:?})])",
            self.transformer.0, self.transformer.1, self.estimator_name, self.model
        )
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
        predict_chunks(&self.model, &transform_chunks(&self.transformer.1, x))
    }

    /// Lazy class probabilities (`predict_proba`), one `n_samples ×
    /// n_classes` chunk per partition of `x`.
    pub fn predict_proba<T: Data>(&self, x: &Bag<T>) -> Matrix<Array2<f64>>
    where
        V: ChunkTransformer<T>,
        M: PredictProba,
    {
        predict_proba_chunks(&self.model, &transform_chunks(&self.transformer.1, x))
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
        score_chunks(&self.model, &transform_chunks(&self.transformer.1, x), y)
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
