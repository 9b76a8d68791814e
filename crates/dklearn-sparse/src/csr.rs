use crate::error::{Error, ErrorKind};
use ndarray::{Array2, ArrayView1};
use sprs::{CsMat, CsMatView};
use std::fmt;

/// Per-row normalisation, as scikit-learn's `normalize(norm=...)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Norm {
    /// Divide each row by the sum of absolute values.
    L1,
    /// Divide each row by its Euclidean length.
    L2,
}

impl fmt::Display for Norm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Norm::L1 => "l1",
            Norm::L2 => "l2",
        })
    }
}

/// A sparse matrix of `f64` in compressed sparse row order.
///
/// Invariant: within each row the column indices are strictly increasing and
/// smaller than [`n_cols`](Self::n_cols). Explicit zeros may be stored.
/// Cloning copies the arrays; share large matrices behind an `Arc`.
#[derive(Clone, PartialEq)]
pub struct CsrMatrix {
    inner: CsMat<f64>,
}

impl fmt::Debug for CsrMatrix {
    /// Reads like scipy's repr: `<3x4 sparse matrix of type f64 with 5 stored elements in CSR format>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "<{}x{} sparse matrix of type f64 with {} stored elements in CSR format>",
            self.n_rows(),
            self.n_cols(),
            self.nnz()
        )
    }
}

impl CsrMatrix {
    /// An all-zero matrix with no stored elements.
    pub fn zeros(n_rows: usize, n_cols: usize) -> Self {
        CsrMatrix {
            inner: CsMat::zero((n_rows, n_cols)),
        }
    }

    /// Builds a matrix from raw CSR arrays, checking every invariant
    /// (`indptr` of length `n_rows + 1`, non-decreasing, starting at 0 and ending
    /// at `indices.len()`; indices sorted and in bounds within each row).
    pub fn try_from_csr(
        n_rows: usize,
        n_cols: usize,
        indptr: Vec<usize>,
        indices: Vec<usize>,
        data: Vec<f64>,
    ) -> Result<Self, Error> {
        if indices.len() != data.len() {
            return Err(Error::new(ErrorKind::LengthMismatch {
                indices: indices.len(),
                data: data.len(),
            }));
        }
        if indptr.len() != n_rows + 1 {
            return Err(Error::new(ErrorKind::InvalidStructure(format!(
                "indptr has length {} but the matrix has {n_rows} rows (needs {})",
                indptr.len(),
                n_rows + 1
            ))));
        }
        CsMat::try_new((n_rows, n_cols), indptr, indices, data)
            .map(|inner| CsrMatrix { inner })
            .map_err(|(_, _, _, e)| Error::structure(e))
    }

    /// [`try_from_csr`](Self::try_from_csr) without the O(nnz) check, for
    /// producers that build the arrays valid by construction (the hashing
    /// vectorizer: the check was ~2% of its time). Debug builds still check.
    ///
    /// # Safety
    /// The caller guarantees what `try_from_csr` checks: `indptr` has
    /// length `n_rows + 1`, starts at 0, is non-decreasing and ends at
    /// `indices.len() == data.len()`, and each row's indices are strictly
    /// increasing and `< n_cols`. sprs' kernels may index unchecked by them.
    ///
    /// ```
    /// use dklearn_sparse::CsrMatrix;
    /// let (p, i, d) = (vec![0, 2, 2, 3], vec![0, 4, 1], vec![1.0, 2.0, 3.0]);
    /// let want = CsrMatrix::try_from_csr(3, 5, p.clone(), i.clone(), d.clone())?;
    /// // SAFETY: `want` accepted the same arrays.
    /// let x = unsafe { CsrMatrix::from_csr_unchecked(3, 5, p, i, d) };
    /// assert_eq!(x.to_dense(), want.to_dense());
    /// assert_eq!(x.row(0), want.row(0));
    /// # Ok::<(), dklearn_sparse::Error>(())
    /// ```
    pub unsafe fn from_csr_unchecked(
        n_rows: usize,
        n_cols: usize,
        indptr: Vec<usize>,
        indices: Vec<usize>,
        data: Vec<f64>,
    ) -> Self {
        debug_assert!(indptr.len() == n_rows + 1 && indices.len() == data.len());
        // SAFETY: the caller keeps the invariants `CsMat::new` would check.
        let inner = unsafe {
            CsMat::new_unchecked(
                sprs::CompressedStorage::CSR,
                (n_rows, n_cols),
                indptr,
                indices,
                data,
            )
        };
        debug_assert!(inner.check_compressed_structure().is_ok());
        CsrMatrix { inner }
    }

    /// Wraps a sprs matrix (converted to CSR order if it is CSC).
    pub fn from_sprs(m: CsMat<f64>) -> Self {
        let inner = if m.is_csr() { m } else { m.to_csr() };
        CsrMatrix { inner }
    }

    /// Builds a matrix holding the non-zero entries of a dense one.
    pub fn from_dense(m: &Array2<f64>) -> Self {
        let mut b = CsrBuilder::new(m.ncols());
        let mut idx = Vec::new();
        let mut val = Vec::new();
        for row in m.rows() {
            idx.clear();
            val.clear();
            for (j, &v) in row.iter().enumerate() {
                if v != 0.0 {
                    idx.push(j);
                    val.push(v);
                }
            }
            b.push_sorted_row_unchecked(&idx, &val);
        }
        b.finish_with_rows(m.nrows())
    }

    /// The dense copy of this matrix.
    pub fn to_dense(&self) -> Array2<f64> {
        self.inner.to_dense()
    }

    /// The underlying sprs matrix (always CSR).
    pub fn as_sprs(&self) -> &CsMat<f64> {
        &self.inner
    }

    /// A borrowed sprs view.
    pub fn view(&self) -> CsMatView<'_, f64> {
        self.inner.view()
    }

    /// Gives back the sprs matrix.
    pub fn into_sprs(self) -> CsMat<f64> {
        self.inner
    }

    /// Number of rows (samples).
    pub fn n_rows(&self) -> usize {
        self.inner.rows()
    }

    /// Number of columns (features).
    pub fn n_cols(&self) -> usize {
        self.inner.cols()
    }

    /// `(n_rows, n_cols)`.
    pub fn shape(&self) -> (usize, usize) {
        (self.n_rows(), self.n_cols())
    }

    /// Number of stored elements.
    pub fn nnz(&self) -> usize {
        self.inner.nnz()
    }

    /// Row pointers: row `i` is `indptr()[i]..indptr()[i + 1]` of
    /// [`indices`](Self::indices) and [`data`](Self::data). Always starts at 0.
    pub fn indptr(&self) -> &[usize] {
        self.inner.indptr().into_raw_storage()
    }

    /// Column indices of all stored elements, row after row.
    pub fn indices(&self) -> &[usize] {
        self.inner.indices()
    }

    /// Values of all stored elements, row after row.
    pub fn data(&self) -> &[f64] {
        self.inner.data()
    }

    /// Mutable values (the sparsity pattern stays fixed).
    pub fn data_mut(&mut self) -> &mut [f64] {
        self.inner.data_mut()
    }

    /// The column indices and values of row `i`.
    ///
    /// # Panics
    /// When `i >= n_rows()`; use [`get_row`](Self::get_row) for a checked access.
    pub fn row(&self, i: usize) -> (&[usize], &[f64]) {
        let p = self.indptr();
        let (a, b) = (p[i], p[i + 1]);
        (&self.indices()[a..b], &self.data()[a..b])
    }

    /// Row `i`, or an error naming the row when it does not exist.
    pub fn get_row(&self, i: usize) -> Result<(&[usize], &[f64]), Error> {
        if i >= self.n_rows() {
            return Err(Error::new(ErrorKind::RowOutOfBounds {
                row: i,
                n_rows: self.n_rows(),
            }));
        }
        Ok(self.row(i))
    }

    /// Iterates over the rows as `(indices, values)`.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = (&[usize], &[f64])> + '_ {
        (0..self.n_rows()).map(move |i| self.row(i))
    }

    /// Errors unless the matrix has exactly `n_features` columns
    /// (`what` names the caller in the message, e.g. `"SGDClassifier.partial_fit"`).
    pub fn check_n_cols(&self, n_features: usize, what: &'static str) -> Result<(), Error> {
        if self.n_cols() != n_features {
            return Err(Error::new(ErrorKind::ShapeMismatch {
                op: what,
                expected: n_features,
                found: self.n_cols(),
            }));
        }
        Ok(())
    }

    /// True when any stored value is NaN or infinite.
    pub fn has_non_finite(&self) -> bool {
        self.data().iter().any(|v| !v.is_finite())
    }

    /// Divides every row by its norm, in place. Rows whose norm is 0 stay as
    /// they are (scikit-learn's `normalize`). Values are divided, not multiplied
    /// by a reciprocal, to give scikit-learn's bits.
    pub fn normalize(&mut self, norm: Norm) {
        let indptr: Vec<usize> = self.indptr().to_vec();
        let data = self.inner.data_mut();
        for w in indptr.windows(2) {
            let row = &mut data[w[0]..w[1]];
            let n = match norm {
                Norm::L1 => row.iter().map(|v| v.abs()).sum::<f64>(),
                Norm::L2 => row.iter().map(|v| v * v).sum::<f64>().sqrt(),
            };
            if n != 0.0 {
                row.iter_mut().for_each(|v| *v /= n);
            }
        }
    }

    /// Squared Euclidean norm of every row.
    pub fn row_norms_squared(&self) -> Vec<f64> {
        self.rows()
            .map(|(_, v)| v.iter().map(|x| x * x).sum())
            .collect()
    }

    /// `X w`: one dot product per row. `w` must have `n_cols` entries.
    pub fn dot(&self, w: &[f64]) -> Result<Vec<f64>, Error> {
        if w.len() != self.n_cols() {
            return Err(Error::new(ErrorKind::ShapeMismatch {
                op: "dot (X w)",
                expected: self.n_cols(),
                found: w.len(),
            }));
        }
        Ok((&self.inner * &ArrayView1::from(w)).to_vec())
    }

    /// `Xᵀ v`: the columns' weighted sums. `v` must have `n_rows` entries.
    pub fn t_dot(&self, v: &[f64]) -> Result<Vec<f64>, Error> {
        if v.len() != self.n_rows() {
            return Err(Error::new(ErrorKind::ShapeMismatch {
                op: "t_dot (X^T v)",
                expected: self.n_rows(),
                found: v.len(),
            }));
        }
        Ok((&self.inner.transpose_view() * &ArrayView1::from(v)).to_vec())
    }

    /// The rows at `idx`, in that order (repeats allowed).
    pub fn select_rows(&self, idx: &[usize]) -> Result<CsrMatrix, Error> {
        let mut b = CsrBuilder::with_capacity(self.n_cols(), idx.len(), 0);
        for &i in idx {
            let (ind, val) = self.get_row(i)?;
            b.push_sorted_row_unchecked(ind, val);
        }
        Ok(b.finish())
    }

    /// The rows where `mask` is true, in order. `mask` must have `n_rows` entries.
    pub fn select_mask(&self, mask: &[bool]) -> Result<CsrMatrix, Error> {
        if mask.len() != self.n_rows() {
            return Err(Error::new(ErrorKind::ShapeMismatch {
                op: "select_mask",
                expected: self.n_rows(),
                found: mask.len(),
            }));
        }
        let idx: Vec<usize> = (0..mask.len()).filter(|&i| mask[i]).collect();
        self.select_rows(&idx)
    }

    /// The sorted distinct columns that hold a stored element.
    pub fn active_columns(&self) -> Vec<usize> {
        let mut seen = vec![false; self.n_cols()];
        for &j in self.indices() {
            seen[j] = true;
        }
        (0..self.n_cols()).filter(|&j| seen[j]).collect()
    }

    /// Drops the columns that hold no stored element: returns the compacted
    /// matrix (column `k` is original column `active[k]`) and `active`.
    ///
    /// With L2 regularisation a column absent from the data keeps weight 0, so
    /// a solver can work on the compact matrix and scatter the weights back.
    pub fn compact_columns(&self) -> (CsrMatrix, Vec<usize>) {
        let active = self.active_columns();
        let mut remap = vec![usize::MAX; self.n_cols()];
        for (k, &j) in active.iter().enumerate() {
            remap[j] = k;
        }
        let indices: Vec<usize> = self.indices().iter().map(|&j| remap[j]).collect();
        let m = CsMat::new(
            (self.n_rows(), active.len()),
            self.indptr().to_vec(),
            indices,
            self.data().to_vec(),
        );
        (CsrMatrix { inner: m }, active)
    }

    /// A copy without the stored zeros.
    pub fn without_zeros(&self) -> CsrMatrix {
        let mut b = CsrBuilder::with_capacity(self.n_cols(), self.n_rows(), self.nnz());
        let mut idx = Vec::new();
        let mut val = Vec::new();
        for (ind, v) in self.rows() {
            idx.clear();
            val.clear();
            for (&j, &x) in ind.iter().zip(v) {
                if x != 0.0 {
                    idx.push(j);
                    val.push(x);
                }
            }
            b.push_sorted_row_unchecked(&idx, &val);
        }
        b.finish()
    }
}

/// Stacks matrices with the same number of columns on top of each other.
pub fn vstack(mats: &[&CsrMatrix]) -> Result<CsrMatrix, Error> {
    let first = mats.first().ok_or(Error::new(ErrorKind::Empty("vstack")))?;
    for m in mats {
        if m.n_cols() != first.n_cols() {
            return Err(Error::new(ErrorKind::ShapeMismatch {
                op: "vstack (columns)",
                expected: first.n_cols(),
                found: m.n_cols(),
            }));
        }
    }
    let views: Vec<CsMatView<'_, f64>> = mats.iter().map(|m| m.view()).collect();
    Ok(CsrMatrix {
        inner: sprs::vstack(&views),
    })
}

/// Builds a [`CsrMatrix`] row by row without reallocating per row.
///
/// ```
/// let mut b = dklearn_sparse::CsrBuilder::new(3);
/// b.push_row(&[2, 0, 2], &[1.0, 5.0, 1.0])?; // duplicates are summed
/// let x = b.finish();
/// assert_eq!(x.row(0), (&[0, 2][..], &[5.0, 2.0][..]));
/// # Ok::<(), dklearn_sparse::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct CsrBuilder {
    n_cols: usize,
    indptr: Vec<usize>,
    indices: Vec<usize>,
    data: Vec<f64>,
    scratch: Vec<(usize, f64)>,
}

impl CsrBuilder {
    /// A builder for rows of `n_cols` columns.
    pub fn new(n_cols: usize) -> Self {
        Self::with_capacity(n_cols, 0, 0)
    }

    /// A builder with room for `rows` rows and `nnz` stored elements.
    pub fn with_capacity(n_cols: usize, rows: usize, nnz: usize) -> Self {
        let mut indptr = Vec::with_capacity(rows + 1);
        indptr.push(0);
        CsrBuilder {
            n_cols,
            indptr,
            indices: Vec::with_capacity(nnz),
            data: Vec::with_capacity(nnz),
            scratch: Vec::new(),
        }
    }

    /// Number of rows pushed so far.
    pub fn n_rows(&self) -> usize {
        self.indptr.len() - 1
    }

    /// Appends a row given in any order; duplicate columns are summed.
    pub fn push_row(&mut self, indices: &[usize], data: &[f64]) -> Result<(), Error> {
        self.check_row(indices, data)?;
        if indices.windows(2).all(|w| w[0] < w[1]) {
            self.push_sorted_row_unchecked(indices, data);
            return Ok(());
        }
        self.scratch.clear();
        self.scratch
            .extend(indices.iter().copied().zip(data.iter().copied()));
        self.scratch.sort_unstable_by_key(|&(j, _)| j);
        let mut last = usize::MAX;
        for &(j, v) in &self.scratch {
            if j == last {
                if let Some(d) = self.data.last_mut() {
                    *d += v;
                }
            } else {
                self.indices.push(j);
                self.data.push(v);
                last = j;
            }
        }
        self.indptr.push(self.indices.len());
        Ok(())
    }

    /// Appends a row whose indices must already be strictly increasing.
    pub fn push_sorted_row(&mut self, indices: &[usize], data: &[f64]) -> Result<(), Error> {
        self.check_row(indices, data)?;
        if !indices.windows(2).all(|w| w[0] < w[1]) {
            return Err(Error::new(ErrorKind::InvalidStructure(format!(
                "row {}: column indices are not strictly increasing",
                self.n_rows()
            ))));
        }
        self.push_sorted_row_unchecked(indices, data);
        Ok(())
    }

    fn check_row(&self, indices: &[usize], data: &[f64]) -> Result<(), Error> {
        if indices.len() != data.len() {
            return Err(Error::new(ErrorKind::LengthMismatch {
                indices: indices.len(),
                data: data.len(),
            }));
        }
        if let Some(&col) = indices.iter().find(|&&j| j >= self.n_cols) {
            return Err(Error::new(ErrorKind::ColumnOutOfBounds {
                row: self.n_rows(),
                col,
                n_cols: self.n_cols,
            }));
        }
        Ok(())
    }

    // Callers guarantee sorted, in-bounds indices of the same length as data.
    fn push_sorted_row_unchecked(&mut self, indices: &[usize], data: &[f64]) {
        self.indices.extend_from_slice(indices);
        self.data.extend_from_slice(data);
        self.indptr.push(self.indices.len());
    }

    /// The finished matrix.
    pub fn finish(self) -> CsrMatrix {
        let rows = self.n_rows();
        self.finish_with_rows(rows)
    }

    fn finish_with_rows(self, rows: usize) -> CsrMatrix {
        debug_assert_eq!(rows, self.n_rows());
        // Every push kept the CSR invariants, so sprs' check cannot fail.
        CsrMatrix {
            inner: CsMat::new((rows, self.n_cols), self.indptr, self.indices, self.data),
        }
    }
}
