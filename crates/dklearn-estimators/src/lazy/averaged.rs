use super::chained::estimator_name;
use super::matrix::Matrix;
use super::pipeline::{FitParams, LazyEstimator};
use super::task_err;
use crate::error::Error;
use crate::traits::{DecisionFunction, Fit, LinearClassifier, Predict, Score};
use dklearn_graph::{delayed, downcast_input, Data, Delayed, TaskError};
use dklearn_sparse::CsrMatrix;
use ndarray::Array2;
use std::fmt;

/// Fits the same estimator on every chunk in parallel, then averages
/// `coef_` and `intercept_` (dask-learn's `Averaged`).
///
/// A chunk with fewer than two distinct labels cannot be fit by most
/// classifiers; it is skipped, as the reference does, and reported in
/// [`AveragedFit::skipped`]. If every chunk is skipped the fit fails. All fitted
/// chunks must have seen the same classes.
#[derive(Clone)]
pub struct Averaged<E> {
    estimator: E,
}

impl<E> Averaged<E> {
    /// Wraps an unfitted estimator.
    pub fn new(estimator: E) -> Self {
        Averaged { estimator }
    }

    /// The wrapped (unfitted) estimator.
    pub fn estimator(&self) -> &E {
        &self.estimator
    }
}

impl<E: fmt::Debug> fmt::Debug for Averaged<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Averaged({:?})", self.estimator)
    }
}

/// The result of an [`Averaged`] fit: the averaged model and which chunks
/// took part. Predicts, scores and prints as the model does.
#[derive(Clone)]
pub struct AveragedFit<E> {
    model: E,
    n_fitted: usize,
    skipped: Vec<usize>,
}

impl<E> AveragedFit<E> {
    /// The averaged estimator.
    pub fn model(&self) -> &E {
        &self.model
    }

    /// The averaged estimator, by value.
    pub fn into_model(self) -> E {
        self.model
    }

    /// How many chunk fits were averaged.
    pub fn n_fitted(&self) -> usize {
        self.n_fitted
    }

    /// The chunks skipped for holding fewer than two classes.
    pub fn skipped(&self) -> &[usize] {
        &self.skipped
    }
}

impl<E: fmt::Debug> fmt::Debug for AveragedFit<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.model.fmt(f)
    }
}

impl<L, E: Predict<L>> Predict<L> for AveragedFit<E> {
    fn predict(&self, x: &CsrMatrix) -> Result<Vec<L>, Error> {
        self.model.predict(x)
    }
}

impl<L: PartialEq, E: Predict<L>> Score<L> for AveragedFit<E> {}

impl<E: DecisionFunction> DecisionFunction for AveragedFit<E> {
    fn decision_function(&self, x: &CsrMatrix) -> Result<Array2<f64>, Error> {
        self.model.decision_function(x)
    }
}

fn distinct_at_least_two<L: PartialEq>(y: &[L]) -> bool {
    y.first().is_some_and(|a| y.iter().any(|b| b != a))
}

/// Averages fitted linear models (all with the same classes and shapes).
fn average<L, E>(fits: &[(usize, &E)]) -> Result<E, TaskError>
where
    L: Clone + PartialEq + fmt::Debug,
    E: LinearClassifier<L>,
{
    let (first_chunk, first) = fits
        .first()
        .ok_or_else(|| TaskError::new("Averaged: no chunk had two classes to fit on"))?;
    let missing = || TaskError::new("Averaged: a chunk fit has no coef_");
    let classes = first.classes().ok_or_else(missing)?.to_vec();
    let mut coef = first.coef().ok_or_else(missing)?.clone();
    let mut intercept = first.intercept().ok_or_else(missing)?.to_vec();
    for (chunk, m) in &fits[1..] {
        let (c, b, k) = (
            m.coef().ok_or_else(missing)?,
            m.intercept().ok_or_else(missing)?,
            m.classes().ok_or_else(missing)?,
        );
        if k != classes.as_slice() || c.dim() != coef.dim() || b.len() != intercept.len() {
            return Err(TaskError::new(format!(
                "Averaged: chunk {chunk} was fit on classes {k:?}, chunk {first_chunk} on {classes:?}"
            )));
        }
        coef += c;
        intercept.iter_mut().zip(b).for_each(|(a, b)| *a += b);
    }
    let n = fits.len() as f64;
    coef.mapv_inplace(|v| v / n);
    intercept.iter_mut().for_each(|v| *v /= n);
    first.with_coef(coef, intercept, classes).map_err(task_err)
}

impl<E> Averaged<E> {
    /// The lazy fit: one `fit` task per chunk, then one `average` task.
    pub fn fit<L>(
        &self,
        x: &Matrix<CsrMatrix>,
        y: &Matrix<Vec<L>>,
    ) -> Result<Delayed<AveragedFit<E>>, Error>
    where
        L: Data + Clone + PartialEq + fmt::Debug,
        E: Fit<L> + LinearClassifier<L> + fmt::Debug + Send + Sync + 'static,
    {
        if x.nchunks() != y.nchunks() {
            return Err(Error::new(crate::ErrorKind::LengthMismatch {
                n_samples: x.nchunks(),
                n_labels: y.nchunks(),
            }));
        }
        let repr = format!("{:?}", self.estimator);
        let fit_name = format!("fit-{}", estimator_name(&repr));
        let fits: Vec<Delayed<Option<E>>> = x
            .chunks()
            .iter()
            .zip(y.chunks())
            .map(|(xc, yc)| {
                let est = self.estimator.clone();
                delayed(&fit_name, &repr, &[xc.as_any(), yc.as_any()], move |v| {
                    let x = downcast_input::<CsrMatrix>(&v[0])?;
                    let y = downcast_input::<Vec<L>>(&v[1])?;
                    if !distinct_at_least_two(y) {
                        return Ok(None);
                    }
                    let mut m = est.clone();
                    m.fit(x, y).map_err(task_err)?;
                    Ok(Some(m))
                })
            })
            .collect();
        Ok(Delayed::gather(&fits, "average", &(), |fits| {
            let fitted: Vec<(usize, &E)> = fits
                .iter()
                .enumerate()
                .filter_map(|(i, f)| f.as_ref().map(|m| (i, m)))
                .collect();
            let skipped = (0..fits.len()).filter(|&i| fits[i].is_none()).collect();
            Ok(AveragedFit {
                model: average(&fitted)?,
                n_fitted: fitted.len(),
                skipped,
            })
        }))
    }
}

impl<L, E> LazyEstimator<L> for Averaged<E>
where
    L: Data + Clone + PartialEq + fmt::Debug,
    E: Fit<L> + LinearClassifier<L> + Predict<L> + fmt::Debug + Send + Sync + 'static,
{
    type Model = AveragedFit<E>;

    fn fit_lazy(
        &self,
        x: &Matrix<CsrMatrix>,
        y: &Matrix<Vec<L>>,
        _params: &FitParams<L>,
    ) -> Result<Delayed<AveragedFit<E>>, Error> {
        self.fit(x, y)
    }
}
