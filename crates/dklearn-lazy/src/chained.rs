use crate::{estimator_name, identity, task_err, Error, FitParams, LazyEstimator, Matrix};
use dklearn_estimators::{PartialFit, Predict, ResponseMethods};
use dklearn_graph::{downcast_input, take_input, tokenize, Data, Delayed, GraphBuilder, Tokenize};
use dklearn_sparse::CsrMatrix;
use std::fmt;

/// Fits by calling `partial_fit` on each chunk in order: one task per chunk,
/// each depending on the previous one (dask-learn's `Chained`).
///
/// The classes are given up front ([`FitParams::classes`]) or found by a
/// pass over all label chunks (sorted distinct labels). A chunk with no rows
/// passes the model through unchanged.
///
/// ```
/// # use dklearn_lazy::Chained;
/// # use dklearn_estimators::{PartialFit, Error};
/// # #[derive(Clone, Debug)] struct Counter(usize);
/// # impl PartialFit<u8> for Counter {
/// #     fn partial_fit(&mut self, x: &dklearn_sparse::CsrMatrix, _: &[u8], _: Option<&[u8]>) -> Result<(), Error> {
/// #         self.0 += x.n_rows(); Ok(())
/// #     }
/// # }
/// let chained = Chained::new(Counter(0));
/// assert_eq!(format!("{chained:?}"), "Chained(Counter(0))");
/// ```
#[derive(Clone)]
pub struct Chained<E> {
    estimator: E,
}

impl<E> Chained<E> {
    /// Wraps an unfitted estimator.
    pub fn new(estimator: E) -> Self {
        Chained { estimator }
    }

    /// The wrapped (unfitted) estimator.
    pub fn estimator(&self) -> &E {
        &self.estimator
    }
}

impl<E: fmt::Debug> fmt::Debug for Chained<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Chained({:?})", self.estimator)
    }
}

/// Sorted distinct labels over all chunks: the pass over `y` that finds the
/// classes when they are not given.
pub(crate) fn unique_classes<L: Data + Clone + Ord>(y: &Matrix<Vec<L>>) -> Delayed<Vec<L>> {
    Delayed::gather(y.chunks(), "unique-classes", &(), |chunks| {
        let mut all: Vec<L> = chunks.iter().flat_map(|c| c.iter().cloned()).collect();
        all.sort();
        all.dedup();
        Ok(all)
    })
}

impl<E> Chained<E> {
    /// The lazy chain of `partial_fit` steps over the chunks of `x` and `y`.
    pub fn fit<L>(
        &self,
        x: &Matrix<CsrMatrix>,
        y: &Matrix<Vec<L>>,
        params: &FitParams<L>,
    ) -> Result<Delayed<E>, Error>
    where
        L: Data + Clone + Ord + Tokenize,
        E: PartialFit<L> + Clone + fmt::Debug + Send + Sync + 'static,
    {
        Error::check_aligned("Chained.fit", x.nchunks(), y.nchunks())?;
        let classes = match &params.classes {
            // The label type is part of the key: `[0i8, 1]` and `[0i64, 1]`
            // tokenize alike but are different values.
            Some(c) => Delayed::value_with_token(
                "classes",
                tokenize("classes", &(std::any::type_name::<L>(), c)),
                c.clone(),
            ),
            None => unique_classes(y),
        };
        let id = identity(&self.estimator);
        let name = estimator_name(&id.1);
        let start = Delayed::value_with_token(&name, tokenize(&name, &id), self.estimator.clone());
        // The whole chain goes into one graph (see `GraphBuilder`).
        let mut b = GraphBuilder::new();
        b.merge(&start);
        b.merge(&classes);
        let mut model = start.key().clone();
        for (i, (xc, yc)) in x.chunks().iter().zip(y.chunks()).enumerate() {
            b.merge(xc);
            b.merge(yc);
            model = b.task(
                "partial_fit",
                &(i as u64),
                &[&model, xc.key(), yc.key(), classes.key()],
                |v| {
                    // Moved, not copied, when this step is the model's last
                    // reader (the usual case: only the next step reads it).
                    let mut m = take_input::<E>(&mut v[0])?;
                    let x = downcast_input::<CsrMatrix>(&v[1])?;
                    let y = downcast_input::<Vec<L>>(&v[2])?;
                    let classes = downcast_input::<Vec<L>>(&v[3])?;
                    if x.n_rows() > 0 || !y.is_empty() {
                        m.partial_fit(x, y, Some(classes)).map_err(task_err)?;
                    }
                    Ok(m)
                },
            );
        }
        Ok(b.delayed(model))
    }
}

impl<L, E> LazyEstimator<L> for Chained<E>
where
    L: Data + Clone + Ord + Tokenize,
    E: PartialFit<L> + Predict<L> + ResponseMethods<L> + Clone + fmt::Debug + Send + Sync + 'static,
{
    type Model = E;

    fn response_methods(&self) -> &dyn ResponseMethods<L> {
        &self.estimator
    }

    fn fit_lazy(
        &self,
        x: &Matrix<CsrMatrix>,
        y: &Matrix<Vec<L>>,
        params: &FitParams<L>,
    ) -> Result<Delayed<E>, Error> {
        self.fit(x, y, params)
    }
}
