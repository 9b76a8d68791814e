use dklearn_graph::{Bag, Data, Delayed};
use std::fmt;

/// A tall-skinny matrix stored as a column of chunks, each a lazy value
/// (dask-learn's `dm.from_bag`). Chunk `i` holds the rows of partition `i`
/// of the bag it came from, so features and labels stay aligned chunk by
/// chunk. `C` is the chunk type: [`CsrMatrix`](dklearn_sparse::CsrMatrix)
/// for sparse features, `Vec<L>` for labels, `ndarray::Array2<f64>` for
/// dense blocks.
pub struct Matrix<C> {
    chunks: Vec<Delayed<C>>,
}

impl<C> Clone for Matrix<C> {
    fn clone(&self) -> Self {
        Matrix {
            chunks: self.chunks.clone(),
        }
    }
}

impl<C> fmt::Debug for Matrix<C> {
    /// `dklearn.matrix<nchunks=22>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "dklearn.matrix<nchunks={}>", self.chunks.len())
    }
}

impl<C: Data> Matrix<C> {
    /// A matrix of the given chunks, in order.
    pub fn from_chunks(chunks: Vec<Delayed<C>>) -> Self {
        // Every lazy graph starts from a Matrix: make the library's value
        // types spillable by the schedulers' default registry.
        crate::install_codecs();
        Matrix { chunks }
    }

    /// The chunks, in order.
    pub fn chunks(&self) -> &[Delayed<C>] {
        &self.chunks
    }

    /// Number of chunks.
    pub fn nchunks(&self) -> usize {
        self.chunks.len()
    }

    /// Applies `f` to every chunk (one task per chunk, keys from `name`,
    /// `params` and the chunk's key).
    #[track_caller]
    pub fn map_chunks<D: Data, P: dklearn_graph::Tokenize + ?Sized>(
        &self,
        name: &str,
        params: &P,
        f: impl Fn(&C) -> Result<D, dklearn_graph::TaskError> + Send + Sync + Clone + 'static,
    ) -> Matrix<D> {
        let id = dklearn_graph::FnId::of(&f);
        // One graph for all chunks (see `GraphBuilder`).
        let mut b = dklearn_graph::GraphBuilder::new();
        let keys: Vec<dklearn_graph::Key> = self
            .chunks
            .iter()
            .map(|c| {
                b.merge(c);
                let f = f.clone();
                b.task_with_id(name, id, params, &[c.key()], move |v| {
                    f(dklearn_graph::downcast_input::<C>(&v[0])?)
                })
            })
            .collect();
        Matrix {
            chunks: keys.into_iter().map(|k| b.delayed(k)).collect(),
        }
    }
}

impl<T: Data> Matrix<Vec<T>> {
    /// A column of values, one chunk per partition of `bag` (no copy: the
    /// chunks are the bag's partitions).
    pub fn from_bag(bag: &Bag<T>) -> Self {
        Matrix::from_chunks(bag.to_delayed())
    }

    /// The chunks as a bag again.
    pub fn to_bag(&self) -> Bag<T> {
        Bag::from_partitions(self.chunks.clone())
    }
}
