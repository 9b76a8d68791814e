use crate::{Error, Matrix};
use dklearn_estimators::Mt19937;
use dklearn_graph::{downcast_input, Bag, Data, GraphBuilder, Key, TaskError};
use std::sync::Arc;

/// The four parts of a split, chunk-aligned: `x_train`/`y_train` hold the
/// rows of each partition drawn for training, `x_test`/`y_test` the others.
#[derive(Debug, Clone)]
pub struct TrainTestSplit<T, L> {
    /// Training samples, one partition per input partition.
    pub x_train: Bag<T>,
    /// Test samples.
    pub x_test: Bag<T>,
    /// Training labels.
    pub y_train: Matrix<Vec<L>>,
    /// Test labels.
    pub y_test: Matrix<Vec<L>>,
}

/// Splits every partition of `x` (and the aligned chunk of `y`) into train
/// and test rows, lazily.
///
/// Row `j` of partition `i` goes to test when the `j`-th draw of
/// `np.random.RandomState([seed, i]).rand(n)` is `>= 1 - test_size` (a
/// Bernoulli mask, so the test share is `test_size` on average), exactly the
/// numbers numpy draws. Each partition owns its generator: the split is the
/// same on any number of workers and in any order of execution, and a Python
/// script can rebuild it.
///
/// Errors (at build time) for a `test_size` outside `(0, 1)`, a `seed` above
/// `u32::MAX`, or `x` and `y` with different numbers of partitions; a
/// partition whose `x` and `y` lengths differ fails its task with both lengths.
pub fn train_test_split<T: Data + Clone, L: Data + Clone>(
    x: &Bag<T>,
    y: &Matrix<Vec<L>>,
    test_size: f64,
    seed: u64,
) -> Result<TrainTestSplit<T, L>, Error> {
    if !(test_size > 0.0 && test_size < 1.0) {
        return Err(Error::invalid_parameter(
            "test_size",
            format!("must be in (0, 1), got {test_size}"),
        ));
    }
    let seed32 = u32::try_from(seed).map_err(|_| {
        Error::invalid_parameter("seed", format!("must be below 2**32, got {seed}"))
    })?;
    Error::check_aligned("train_test_split", x.npartitions(), y.nchunks())?;
    let parts = x.to_delayed();
    // One graph for every new task (see `GraphBuilder`): per-partition
    // `Delayed` operations would each copy the whole graph.
    let mut b = GraphBuilder::new();
    b.merge_graph(x.graph());
    let mut keys: [Vec<Key>; 4] = Default::default();
    for (i, (xp, yp)) in parts.iter().zip(y.chunks()).enumerate() {
        b.merge(yp);
        let params = (seed, test_size, i as u64);
        let mask = b.task("split-mask", &params, &[xp.key(), yp.key()], move |v| {
            let n = downcast_input::<Vec<T>>(&v[0])?.len();
            let ny = downcast_input::<Vec<L>>(&v[1])?.len();
            if n != ny {
                return Err(TaskError::new(format!(
                    "partition {i}: {n} samples but {ny} labels"
                )));
            }
            Ok(Arc::new(train_mask(seed32, i as u32, n, test_size)))
        });
        for (side, keep) in [(0usize, true), (1, false)] {
            let name = if keep { "train" } else { "test" };
            keys[side].push(
                b.task(&format!("{name}-x"), &(), &[xp.key(), &mask], move |v| {
                    let xs = downcast_input::<Vec<T>>(&v[0])?;
                    let m = downcast_input::<Arc<Vec<bool>>>(&v[1])?;
                    Ok(pick(xs, m, keep))
                }),
            );
            keys[side + 2].push(
                b.task(&format!("{name}-y"), &(), &[yp.key(), &mask], move |v| {
                    let ys = downcast_input::<Vec<L>>(&v[0])?;
                    let m = downcast_input::<Arc<Vec<bool>>>(&v[1])?;
                    Ok(pick(ys, m, keep))
                }),
            );
        }
    }
    let [x_train, x_test, y_train, y_test] = keys;
    let xs = |k: Vec<Key>| {
        k.into_iter()
            .map(|k| b.delayed::<Vec<T>>(k))
            .collect::<Vec<_>>()
    };
    let ys = |k: Vec<Key>| {
        k.into_iter()
            .map(|k| b.delayed::<Vec<L>>(k))
            .collect::<Vec<_>>()
    };
    Ok(TrainTestSplit {
        x_train: Bag::from_partitions(xs(x_train)),
        x_test: Bag::from_partitions(xs(x_test)),
        y_train: Matrix::from_chunks(ys(y_train)),
        y_test: Matrix::from_chunks(ys(y_test)),
    })
}

/// The training mask of partition `partition` with `n` rows: row `j` trains
/// when the `j`-th draw of `np.random.RandomState([seed, partition]).rand(n)`
/// is below `1 - test_size`. The rule [`train_test_split`] applies, for code
/// that needs the same split outside a graph.
pub fn train_mask(seed: u32, partition: u32, n: usize, test_size: f64) -> Vec<bool> {
    let mut rng = Mt19937::from_key(&[seed, partition]);
    (0..n).map(|_| rng.next_f64() < 1.0 - test_size).collect()
}

fn pick<T: Clone>(xs: &[T], mask: &[bool], keep: bool) -> Vec<T> {
    xs.iter()
        .zip(mask)
        .filter(|(_, &m)| m == keep)
        .map(|(x, _)| x.clone())
        .collect()
}
