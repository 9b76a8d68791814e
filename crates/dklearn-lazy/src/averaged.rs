use crate::{estimator_name, identity, task_err, Error, FitParams, LazyEstimator, Matrix};
use dklearn_estimators::{
    DecisionFunction, Fit, LinearClassifier, Predict, PredictProba, ResponseMethods, Score,
};
use dklearn_graph::{downcast_input, take_input, Data, Delayed, GraphBuilder, TaskError};
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
    fn predict(&self, x: &CsrMatrix) -> Result<Vec<L>, dklearn_estimators::Error> {
        self.model.predict(x)
    }
}

impl<L: PartialEq, E: Predict<L>> Score<L> for AveragedFit<E> {}

impl<E: PredictProba> PredictProba for AveragedFit<E> {
    fn predict_proba(&self, x: &CsrMatrix) -> Result<Array2<f64>, dklearn_estimators::Error> {
        self.model.predict_proba(x)
    }
}

impl<E: DecisionFunction> DecisionFunction for AveragedFit<E> {
    fn decision_function(&self, x: &CsrMatrix) -> Result<Array2<f64>, dklearn_estimators::Error> {
        self.model.decision_function(x)
    }
}

/// The averaged model's methods.
impl<L, E: ResponseMethods<L>> ResponseMethods<L> for AveragedFit<E> {
    fn has_decision_function(&self) -> bool {
        self.model.has_decision_function()
    }
    fn has_predict_proba(&self) -> bool {
        self.model.has_predict_proba()
    }
    fn decision_values(&self, x: &CsrMatrix) -> Result<Array2<f64>, dklearn_estimators::Error> {
        self.model.decision_values(x)
    }
    fn proba_values(&self, x: &CsrMatrix) -> Result<Array2<f64>, dklearn_estimators::Error> {
        self.model.proba_values(x)
    }
    fn fitted_classes(&self) -> Option<&[L]> {
        self.model.fitted_classes()
    }
}

/// The model, the number of chunks averaged and the skipped chunks.
impl<E: dklearn_codec::Encode> dklearn_codec::Encode for AveragedFit<E> {
    dklearn_codec::encode_fields!(format!("dklearn_lazy::AveragedFit<{}>", E::type_tag());
        model, n_fitted, skipped);
}

impl<L: dklearn_codec::Encode> dklearn_codec::Encode for Sum<L> {
    dklearn_codec::encode_fields!(format!("dklearn_lazy::AverageSum<{}>", L::type_tag());
        coef, intercept, classes, first_chunk, n_fitted, skipped);
}

/// Registers the running sum of [`Averaged`] for labels `L` (private type).
pub(crate) fn register_sum<L>(c: &mut dklearn_graph::Codecs)
where
    L: dklearn_codec::Encode + Send + Sync + 'static,
{
    c.register::<Sum<L>>()
        .register::<ChunkFit<L>>()
        .register::<Option<ChunkFit<L>>>();
}

impl<L: dklearn_codec::Encode> dklearn_codec::Encode for ChunkFit<L> {
    dklearn_codec::encode_fields!(format!("dklearn_lazy::AverageChunkFit<{}>", L::type_tag());
        rows, cols, dense, ends, index, value, intercept, classes);
}

fn distinct_at_least_two<L: PartialEq>(y: &[L]) -> bool {
    y.first().is_some_and(|a| y.iter().any(|b| b != a))
}

/// One chunk's fit as the sum needs it: `coef_`, `intercept_` and
/// `classes_`, with `coef_` stored sparse when that is smaller, since a
/// linear model fit on one chunk is exactly zero on every feature the chunk
/// lacks (a 2^18-column model from ~1000 documents is ~95% zeros).
///
/// Sparse, every entry whose bits are not `+0.0` is kept (`-0.0` and NaN
/// too), so adding it to the sum gives the bits the dense addition gives
/// (a NaN stays a NaN; its payload bits, which Rust leaves unspecified for
/// arithmetic, may differ).
#[derive(Clone, Debug, PartialEq)]
struct ChunkFit<L> {
    rows: usize,
    cols: usize,
    /// `coef_` itself, when sparse would not be smaller.
    dense: Option<Array2<f64>>,
    /// Sparse: row `r`'s entries are `index/value[ends[r-1]..ends[r]]`.
    ends: Vec<usize>,
    index: Vec<u32>,
    value: Vec<f64>,
    intercept: Vec<f64>,
    classes: Vec<L>,
}

impl<L: Clone> ChunkFit<L> {
    fn new<E: LinearClassifier<L>>(chunk: usize, m: &E) -> Result<Self, TaskError> {
        let missing = || TaskError::new(format!("Averaged: the fit of chunk {chunk} has no coef_"));
        let (c, b, k) = (
            m.coef_().ok_or_else(missing)?,
            m.intercept_().ok_or_else(missing)?,
            m.classes_().ok_or_else(missing)?,
        );
        let (rows, cols) = c.dim();
        let mut fit = ChunkFit {
            rows,
            cols,
            dense: None,
            ends: Vec::with_capacity(rows),
            index: Vec::new(),
            value: Vec::new(),
            intercept: b.to_vec(),
            classes: k.to_vec(),
        };
        let c = c.as_standard_layout();
        let flat = c.as_slice().unwrap_or_default();
        if u32::try_from(cols).is_err() {
            fit.dense = Some(c.into_owned());
            return Ok(fit);
        }
        fit.index.reserve(flat.len() / 16);
        fit.value.reserve(flat.len() / 16);
        for row in flat.chunks_exact(cols.max(1)).take(rows) {
            // A bit mask of the stored entries of each 64 (a loop without
            // branches), then only those.
            let blocks = row.chunks_exact(64);
            let rest = blocks.remainder();
            let base = row.len() - rest.len();
            for (n, block) in blocks.enumerate() {
                let mut mask = 0u64;
                for (k, v) in block.iter().enumerate() {
                    mask |= u64::from(v.to_bits() != 0) << k;
                }
                while mask != 0 {
                    let k = mask.trailing_zeros() as usize;
                    mask &= mask - 1;
                    // In range: `cols` fits in u32 (checked above).
                    fit.index.push((n * 64 + k) as u32);
                    fit.value.push(block[k]);
                }
            }
            for (k, &v) in rest.iter().enumerate() {
                if v.to_bits() != 0 {
                    fit.index.push((base + k) as u32);
                    fit.value.push(v);
                }
            }
            fit.ends.push(fit.index.len());
        }
        // An entry costs 12 bytes sparse, 8 dense.
        if fit.index.len().saturating_mul(3) >= flat.len() * 2 {
            fit.ends = Vec::new();
            fit.index = Vec::new();
            fit.value = Vec::new();
            fit.dense = Some(c.into_owned());
        } else {
            fit.index.shrink_to_fit();
            fit.value.shrink_to_fit();
        }
        Ok(fit)
    }

    /// Whether the parts agree (a value read back from bytes is checked
    /// before use, so a damaged one is an error, not a panic).
    fn is_consistent(&self) -> bool {
        if let Some(d) = &self.dense {
            return d.dim() == (self.rows, self.cols) && self.ends.is_empty();
        }
        let mut start = 0;
        self.ends.len() == self.rows
            && self.index.len() == self.value.len()
            && self.ends.last().copied().unwrap_or(0) == self.index.len()
            && self.ends.iter().all(|&end| {
                let row = self.index.get(start..end);
                start = end;
                row.is_some_and(|row| {
                    row.windows(2).all(|w| w[0] < w[1])
                        && row.last().is_none_or(|&j| (j as usize) < self.cols)
                })
            })
    }

    /// Row `r`'s stored entries.
    fn row(&self, r: usize) -> (&[u32], &[f64]) {
        let start = if r == 0 { 0 } else { self.ends[r - 1] };
        let end = self.ends[r];
        (&self.index[start..end], &self.value[start..end])
    }

    fn dense(&self) -> Array2<f64> {
        if let Some(d) = &self.dense {
            return d.clone();
        }
        let mut a = Array2::zeros((self.rows, self.cols));
        for (r, mut out) in a.rows_mut().into_iter().enumerate() {
            let (index, value) = self.row(r);
            for (&j, &v) in index.iter().zip(value) {
                out[j as usize] = v;
            }
        }
        a
    }

    /// `sum += coef` on the row-major `rows × cols` sum, element by element
    /// as the dense addition: a feature not stored adds `+0.0` (which turns
    /// `-0.0` into `+0.0`).
    fn add_to(&self, sum: &mut [f64]) {
        if let Some(d) = &self.dense {
            sum.iter_mut().zip(d.iter()).for_each(|(a, b)| *a += b);
            return;
        }
        // The stored entries first, then `+0.0` to every entry (one pass
        // that vectorizes): `(a + v) + 0.0` is `a + v` unless that is -0.0,
        // which the last step puts back.
        let mut negative_zeros = Vec::new();
        for (r, out) in sum.chunks_exact_mut(self.cols.max(1)).enumerate() {
            let (index, value) = self.row(r);
            for (&j, &v) in index.iter().zip(value) {
                let a = &mut out[j as usize];
                *a += v;
                if a.to_bits() == (-0.0f64).to_bits() {
                    negative_zeros.push(r * self.cols + j as usize);
                }
            }
        }
        sum.iter_mut().for_each(|a| *a += 0.0);
        for i in negative_zeros {
            sum[i] = -0.0;
        }
    }
}

/// The running sum of the chunk fits seen so far (in chunk order).
#[derive(Clone)]
struct Sum<L> {
    coef: Option<Array2<f64>>,
    intercept: Vec<f64>,
    classes: Vec<L>,
    first_chunk: usize,
    n_fitted: usize,
    skipped: Vec<usize>,
}

impl<L: Clone + PartialEq + fmt::Debug> Sum<L> {
    fn empty() -> Self {
        Sum {
            coef: None,
            intercept: Vec::new(),
            classes: Vec::new(),
            first_chunk: 0,
            n_fitted: 0,
            skipped: Vec::new(),
        }
    }

    /// Adds chunk `chunk`'s fit (or records it as skipped).
    fn add(mut self, chunk: usize, fit: Option<&ChunkFit<L>>) -> Result<Self, TaskError> {
        let Some(c) = fit else {
            self.skipped.push(chunk);
            return Ok(self);
        };
        if !c.is_consistent() {
            return Err(TaskError::new(format!(
                "Averaged: the fit of chunk {chunk} is damaged (its sparse parts disagree)"
            )));
        }
        let (b, k) = (&c.intercept, &c.classes);
        match &mut self.coef {
            None => {
                self.coef = Some(c.dense());
                self.intercept = b.to_vec();
                self.classes = k.to_vec();
                self.first_chunk = chunk;
            }
            Some(sum) => {
                if k != self.classes.as_slice() {
                    return Err(TaskError::new(format!(
                        "Averaged: chunk {chunk} was fit on classes {k:?}, chunk {} on {:?}",
                        self.first_chunk, self.classes
                    )));
                }
                if (c.rows, c.cols) != sum.dim() || b.len() != self.intercept.len() {
                    return Err(TaskError::new(format!(
                        "Averaged: chunk {chunk} was fit on {} columns, chunk {} on {} \
                         (every chunk needs the same features)",
                        c.cols,
                        self.first_chunk,
                        sum.ncols()
                    )));
                }
                if !sum.is_standard_layout() {
                    *sum = sum.as_standard_layout().into_owned();
                }
                let Some(flat) = sum.as_slice_mut() else {
                    return Err(TaskError::new(
                        "Averaged: the running sum is not contiguous",
                    ));
                };
                c.add_to(flat);
                self.intercept.iter_mut().zip(b).for_each(|(a, b)| *a += b);
            }
        }
        self.n_fitted += 1;
        Ok(self)
    }

    /// The mean as a model built from `template`.
    fn finish<E: LinearClassifier<L>>(self, template: &E) -> Result<AveragedFit<E>, TaskError> {
        let Some(mut coef) = self.coef else {
            return Err(TaskError::new(
                "Averaged: no chunk had two classes to fit on",
            ));
        };
        let n = self.n_fitted as f64;
        coef.mapv_inplace(|v| v / n);
        let intercept = self.intercept.iter().map(|v| v / n).collect();
        Ok(AveragedFit {
            model: template
                .with_coef(coef, intercept, self.classes)
                .map_err(task_err)?,
            n_fitted: self.n_fitted,
            skipped: self.skipped,
        })
    }
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
        Error::check_aligned("Averaged.fit", x.nchunks(), y.nchunks())?;
        let id = identity(&self.estimator);
        let fit_name = format!("fit-{}", estimator_name(&id.1));
        // Every task goes into one graph (see `GraphBuilder`).
        let start = Delayed::value_with_token(
            "average-start",
            dklearn_graph::tokenize("average-start", &id),
            Sum::<L>::empty(),
        );
        let mut b = GraphBuilder::new();
        b.merge(&start);
        // Sum the fits in chunk order as they come (numpy's order for
        // `np.mean(coefs, axis=0)`), so each chunk's model is dropped as soon
        // as it is added: memory stays O(1) in the number of chunks.
        let mut sum = start.key().clone();
        for (i, (xc, yc)) in x.chunks().iter().zip(y.chunks()).enumerate() {
            b.merge(xc);
            b.merge(yc);
            let est = self.estimator.clone();
            // A chunk's fit keeps only what the sum needs, compactly: it may
            // wait long for the running sum (on a cluster, the sum of every
            // chunk before it, made on another process).
            let fit = b.task(&fit_name, &id, &[xc.key(), yc.key()], move |v| {
                let x = downcast_input::<CsrMatrix>(&v[0])?;
                let y = downcast_input::<Vec<L>>(&v[1])?;
                if !distinct_at_least_two(y) {
                    return Ok(None);
                }
                let mut m = est.clone();
                m.fit(x, y).map_err(task_err)?;
                ChunkFit::new(i, &m).map(Some)
            });
            sum = b.task("average-sum", &(i as u64), &[&sum, &fit], move |v| {
                // The running sum is this task's alone: added to in place.
                let acc = take_input::<Sum<L>>(&mut v[0])?;
                let fit = downcast_input::<Option<ChunkFit<L>>>(&v[1])?;
                acc.add(i, fit.as_ref())
            });
        }
        let template = self.estimator.clone();
        let avg = b.task("average", &(), &[&sum], move |v| {
            take_input::<Sum<L>>(&mut v[0])?.finish(&template)
        });
        Ok(b.delayed(avg))
    }
}

impl<L, E> LazyEstimator<L> for Averaged<E>
where
    L: Data + Clone + PartialEq + fmt::Debug,
    E: Fit<L>
        + LinearClassifier<L>
        + Predict<L>
        + ResponseMethods<L>
        + fmt::Debug
        + Send
        + Sync
        + 'static,
{
    type Model = AveragedFit<E>;

    fn response_methods(&self) -> &dyn ResponseMethods<L> {
        &self.estimator
    }

    fn fit_lazy(
        &self,
        x: &Matrix<CsrMatrix>,
        y: &Matrix<Vec<L>>,
        _params: &FitParams<L>,
    ) -> Result<Delayed<AveragedFit<E>>, Error> {
        self.fit(x, y)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dklearn_estimators::LogisticRegression;
    use proptest::prelude::*;

    /// A chunk fit with this dense coef (what `ChunkFit::new` keeps).
    fn compact(coef: &Array2<f64>) -> ChunkFit<i8> {
        let mut lr = LogisticRegression::<i8>::params().build().unwrap();
        lr = lr
            .with_coef(coef.clone(), vec![0.5; coef.nrows()], vec![0, 1, 2])
            .unwrap();
        ChunkFit::new(0, &lr).unwrap()
    }

    /// The bits of every entry, any NaN as one (arithmetic's NaN payloads
    /// are unspecified in Rust).
    fn bits(a: &Array2<f64>) -> Vec<u64> {
        a.iter()
            .map(|v| if v.is_nan() { u64::MAX } else { v.to_bits() })
            .collect()
    }

    /// Entries that make the sparse and the dense addition differ if the
    /// sparse one is careless: both zeros, NaN, and ordinary values.
    fn entry() -> impl Strategy<Value = f64> {
        prop_oneof![
            40 => Just(0.0),
            1 => Just(-0.0),
            1 => Just(f64::NAN),
            1 => Just(f64::from_bits(0x7ff0_0000_0000_0001)),
            4 => -4.0f64..4.0,
        ]
    }

    proptest! {
        /// Summing compact fits gives the bits of summing the dense coefs.
        #[test]
        fn compact_sum_is_the_dense_sum(
            fits in prop::collection::vec(
                prop_oneof![
                    3 => prop::collection::vec(entry(), 3 * 40),
                    1 => prop::collection::vec(-4.0f64..4.0, 3 * 40),
                ],
                1..6,
            )
        ) {
            let coefs: Vec<Array2<f64>> = fits
                .into_iter()
                .map(|v| Array2::from_shape_vec((3, 40), v).unwrap())
                .collect();
            let mut dense = coefs[0].clone();
            for c in &coefs[1..] {
                dense += c;
            }
            let mut sparse = compact(&coefs[0]).dense();
            prop_assert_eq!(bits(&sparse), bits(&coefs[0]));
            for c in &coefs[1..] {
                compact(c).add_to(sparse.as_slice_mut().unwrap());
            }
            prop_assert_eq!(bits(&sparse), bits(&dense));
        }
    }

    #[test]
    fn chunk_fits_cross_and_spill_as_they_are() {
        let codecs = crate::codecs();
        let sparse = compact(&ndarray::array![
            [0.0, -0.0, 1.5],
            [0.0; 3],
            [0.0, 2.0, 0.0]
        ]);
        let dense = compact(&ndarray::array![
            [1.0, 2.0, 3.0],
            [4.0, 5.0, 6.0],
            [7.0, 8.0, 9.0]
        ]);
        for fit in [Some(sparse), Some(dense), None] {
            let v: dklearn_graph::Value = std::sync::Arc::new(fit.clone());
            let bytes = codecs.encode(&v).expect("registered");
            let back = codecs.decode(&bytes).unwrap();
            assert_eq!(back.downcast_ref::<Option<ChunkFit<i8>>>(), Some(&fit));
        }
    }

    #[test]
    fn only_entries_other_than_plus_zero_are_stored() {
        let c = compact(&ndarray::array![
            [0.0, -0.0, 1.5],
            [0.0, 0.0, 0.0],
            [0.0, 0.0, 0.0]
        ]);
        assert_eq!(c.ends, vec![2, 2, 2]);
        assert_eq!(c.index, vec![1, 2]);
        assert_eq!(c.value[1], 1.5);
        assert_eq!(c.value[0].to_bits(), (-0.0f64).to_bits());
        assert!(c.dense.is_none());
        assert!(c.is_consistent());
        let mut damaged = c.clone();
        damaged.ends[1] = 5;
        assert!(!damaged.is_consistent());
        let mut unsorted = c.clone();
        unsorted.index.swap(0, 1);
        assert!(!unsorted.is_consistent());
        let err = Sum::<i8>::empty().add(3, Some(&damaged)).err().unwrap();
        assert!(err.to_string().contains("chunk 3 is damaged"), "{err}");
        let full = compact(&ndarray::array![
            [1.0, -0.0, 1.5],
            [2.0, 0.0, 3.0],
            [1.0, 1.0, 1.0]
        ]);
        assert_eq!(full.dense.as_ref().map(bits), Some(bits(&full.dense())));
        assert!(full.index.is_empty());
        // -0.0 + +0.0 is +0.0, as in the dense addition.
        let mut sum = ndarray::array![[-0.0, -0.0, 1.0], [-0.0, 2.0, 0.0], [1.0, 1.0, -0.0]];
        let zeros = compact(&Array2::zeros((3, 3)));
        zeros.add_to(sum.as_slice_mut().unwrap());
        let want = ndarray::array![[0.0, 0.0, 1.0], [0.0, 2.0, 0.0], [1.0, 1.0, 0.0]];
        assert_eq!(bits(&sum), bits(&want));
    }
}
