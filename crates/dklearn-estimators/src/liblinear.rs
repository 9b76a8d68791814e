//! liblinear's L2-regularised logistic regression (`L2R_LR`, solver type 0) in
//! the primal, solved by [`tron`](crate::tron), and its `train` driver as
//! scikit-learn 1.9.1 vendors it:
//!
//! - the objective is `½‖w‖² + C Σᵢ log(1 + exp(-yᵢ wᵀxᵢ))`, where every row
//!   gets the constant `bias` appended when an intercept is fitted (so the
//!   intercept is regularised like any other weight);
//! - rows are grouped by class (stable within a class, classes in sorted
//!   order), as `group_classes` does, so sums run in liblinear's order;
//! - two classes give one problem with `classes_[1]` as `+1`; more give one
//!   one-vs-rest problem per class;
//! - each problem's stopping tolerance is `eps · max(min(pos, neg), 1) / l`.
//!
//! Unlike liblinear the problem is solved on the columns that hold an entry
//! (plus the bias): with L2 regularisation an absent column has zero gradient
//! and zero Hessian row from `w = 0` on, so its weight stays exactly 0 and
//! every dot product and norm is unchanged. This shrinks the dense vector
//! work of each CG step from `n_features` to the chunk's active columns.

use crate::error::{Error, ErrorKind};
use crate::tron::{tron, TronFunction, TronWork};
use dklearn_sparse::CsrMatrix;
use ndarray::Array2;
use std::cell::RefCell;

/// The training rows in liblinear's order, on compacted columns, with the
/// bias as an implicit last variable.
///
/// Invariant (checked by [`Problem::new`]): every compact column id is
/// `< n_vars - usize::from(bias.is_some())`, so any `v` with
/// `v.len() >= n_vars` can be indexed by them without a check.
#[derive(Debug)]
struct Problem {
    indptr: Vec<usize>,
    /// Compact column ids (`u32`, as liblinear's `int` indices: half the
    /// memory traffic of `usize` in the CG loop).
    indices: Vec<u32>,
    data: Vec<f64>,
    /// The constant appended to every row, `None` without intercept.
    bias: Option<f64>,
    /// Variables: active columns, plus one for the bias.
    n_vars: usize,
    /// Every row once, by number of stored elements: neighbours here have
    /// similar lengths, so [`Problem::rows_dot`] rarely runs a lone tail.
    by_len: Vec<usize>,
}

impl Problem {
    /// Wraps rows over `n_active` compact columns; panics if an index is
    /// out of range (the invariant the unchecked loads rely on) or the row
    /// pointers are not monotone within `indices`.
    fn new(
        indptr: Vec<usize>,
        indices: Vec<u32>,
        data: Vec<f64>,
        n_active: usize,
        bias: Option<f64>,
    ) -> Self {
        assert!(
            indices.iter().all(|&j| (j as usize) < n_active),
            "liblinear problem: a column index beyond the {n_active} active columns"
        );
        assert_eq!(indices.len(), data.len());
        assert!(indptr.first() == Some(&0) && indptr.last() == Some(&indices.len()));
        assert!(indptr.windows(2).all(|w| w[0] <= w[1]));
        let mut by_len: Vec<usize> = (0..indptr.len() - 1).collect();
        by_len.sort_by_key(|&i| indptr[i + 1] - indptr[i]);
        Problem {
            indptr,
            indices,
            data,
            bias,
            n_vars: n_active + usize::from(bias.is_some()),
            by_len,
        }
    }

    fn n_rows(&self) -> usize {
        self.indptr.len() - 1
    }

    /// The stored elements of row `i`.
    #[inline]
    fn row(&self, i: usize) -> (&[u32], &[f64]) {
        let (a, b) = (self.indptr[i], self.indptr[i + 1]);
        (&self.indices[a..b], &self.data[a..b])
    }

    /// `x_i · v`, summed in stored order, then the bias term (as liblinear's
    /// feature list with the bias node last).
    #[inline]
    fn row_dot(&self, i: usize, v: &[f64]) -> f64 {
        assert!(v.len() >= self.n_vars);
        let (ind, val) = self.row(i);
        let mut acc = 0.0;
        for (&j, &x) in ind.iter().zip(val) {
            // SAFETY: j < n_active <= n_vars <= v.len() (struct invariant,
            // checked by `new`, and the assert above).
            acc += unsafe { *v.get_unchecked(j as usize) } * x;
        }
        self.add_bias_term(acc, v)
    }

    /// `x_r · v` for the `K` rows `rows`, each summed exactly as
    /// [`Problem::row_dot`] does; the `K` independent chains of additions
    /// interleave over the rows' common length, so no row waits for
    /// another one's latency (the tails run one row after the other).
    #[inline]
    fn rows_dot<const K: usize>(&self, rows: [usize; K], v: &[f64]) -> [f64; K] {
        assert!(v.len() >= self.n_vars);
        let segs = rows.map(|i| self.row(i));
        let m = segs.iter().map(|(ind, _)| ind.len()).min().unwrap_or(0);
        let mut acc = [0.0; K];
        for t in 0..m {
            for (a, (ind, val)) in acc.iter_mut().zip(&segs) {
                // SAFETY: t < m <= ind.len() == val.len() (a row's slices
                // have one length, `new` checks it), and ind[t] < n_active
                // <= n_vars <= v.len() (struct invariant and assert above;
                // n_vars == n_active without a bias term).
                unsafe {
                    *a += *v.get_unchecked(*ind.get_unchecked(t) as usize) * *val.get_unchecked(t);
                }
            }
        }
        for (a, (ind, val)) in acc.iter_mut().zip(&segs) {
            for (&j, &x) in ind[m..].iter().zip(&val[m..]) {
                // SAFETY: as in `row_dot`.
                *a += unsafe { *v.get_unchecked(j as usize) } * x;
            }
        }
        acc.map(|a| self.add_bias_term(a, v))
    }

    #[inline]
    fn add_bias_term(&self, acc: f64, v: &[f64]) -> f64 {
        match self.bias {
            Some(bias) => acc + v[self.n_vars - 1] * bias,
            None => acc,
        }
    }

    /// Calls `f(i, x_i · v)` once for every row, in the order of
    /// `by_len`, four rows of similar length at a time.
    #[inline]
    fn for_each_row_dot(&self, v: &[f64], mut f: impl FnMut(usize, f64)) {
        let quads = self.by_len.chunks_exact(4);
        for &i in quads.remainder() {
            f(i, self.row_dot(i, v));
        }
        for q in quads {
            let rows = [q[0], q[1], q[2], q[3]];
            for (i, d) in rows.into_iter().zip(self.rows_dot(rows, v)) {
                f(i, d);
            }
        }
    }

    /// `out += a · x_i`.
    ///
    /// Always inlined: a call per row costs more than the loop for short
    /// rows.
    #[inline(always)]
    fn row_axpy(&self, i: usize, a: f64, out: &mut [f64]) {
        assert!(out.len() >= self.n_vars);
        let (ind, val) = self.row(i);
        // Four at a time (the elements of a row are distinct columns, so
        // the order of the updates does not matter; it is kept anyway).
        let (ind4, val4) = (ind.chunks_exact(4), val.chunks_exact(4));
        let (ind_tail, val_tail) = (ind4.remainder(), val4.remainder());
        for (j, x) in ind4.zip(val4) {
            // SAFETY: j[k] < n_active <= n_vars <= out.len() (struct
            // invariant, checked by `new`, and the assert above).
            unsafe {
                *out.get_unchecked_mut(j[0] as usize) += a * x[0];
                *out.get_unchecked_mut(j[1] as usize) += a * x[1];
                *out.get_unchecked_mut(j[2] as usize) += a * x[2];
                *out.get_unchecked_mut(j[3] as usize) += a * x[3];
            }
        }
        for (&j, &x) in ind_tail.iter().zip(val_tail) {
            // SAFETY: as above.
            unsafe { *out.get_unchecked_mut(j as usize) += a * x };
        }
        if let Some(bias) = self.bias {
            out[self.n_vars - 1] += a * bias;
        }
    }
}

/// The `l2r_lr_fun` of liblinear for one ±1 target vector.
struct L2rLrFun<'a> {
    prob: &'a Problem,
    y: &'a [f64],
    c: f64,
    /// `X w` after `fun`; overwritten by `grad`.
    z: Vec<f64>,
    /// `C σ(yᵢ wᵀxᵢ)(1 - σ(yᵢ wᵀxᵢ))`, set by `grad`. liblinear multiplies
    /// `C · Dᵢ` before the row product too, so keeping it changes no bit.
    cd: Vec<f64>,
    /// `C D X s` of the current `hv`, one entry per row (scratch).
    cdxs: Vec<f64>,
}

impl TronFunction for L2rLrFun<'_> {
    fn n_variables(&self) -> usize {
        self.prob.n_vars
    }

    fn fun(&mut self, w: &[f64]) -> f64 {
        let mut f = 0.0;
        for wi in w {
            f += wi * wi;
        }
        f /= 2.0;
        let z = &mut self.z[..self.prob.n_rows()];
        self.prob.for_each_row_dot(w, |i, zi| z[i] = zi);
        for (&zi, &yi) in z.iter().zip(self.y) {
            let yz = yi * zi;
            if yz >= 0.0 {
                f += self.c * (1.0 + (-yz).exp()).ln();
            } else {
                f += self.c * (-yz + (1.0 + yz.exp()).ln());
            }
        }
        f
    }

    fn grad(&mut self, w: &[f64], g: &mut [f64]) {
        for i in 0..self.prob.n_rows() {
            let s = 1.0 / (1.0 + (-self.y[i] * self.z[i]).exp());
            self.cd[i] = self.c * (s * (1.0 - s));
            self.z[i] = self.c * (s - 1.0) * self.y[i];
        }
        g.iter_mut().for_each(|v| *v = 0.0);
        for i in 0..self.prob.n_rows() {
            self.prob.row_axpy(i, self.z[i], g);
        }
        for (gi, wi) in g.iter_mut().zip(w) {
            *gi += wi;
        }
    }

    fn hv(&mut self, s: &[f64], hs: &mut [f64]) {
        // X^T (C D (X s)) + s as liblinear: every row's product first (in
        // any order: they are independent), then the scatter in row order.
        let (prob, cd, cdxs) = (self.prob, &self.cd, &mut self.cdxs);
        prob.for_each_row_dot(s, |i, xs| cdxs[i] = cd[i] * xs);
        hs.iter_mut().for_each(|v| *v = 0.0);
        for (i, &a) in cdxs.iter().enumerate() {
            prob.row_axpy(i, a, hs);
        }
        for (h, si) in hs.iter_mut().zip(s) {
            *h += si;
        }
    }
}

/// The result of [`train`]: weights in the original feature space.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TrainedModel {
    /// `n_models × n_features` feature weights.
    pub coef: Array2<f64>,
    /// The bias weight of every model (times nothing: the caller multiplies
    /// by `intercept_scaling`); zeros without intercept.
    pub bias_weight: Vec<f64>,
    /// Accepted TRON steps per model.
    pub n_iter: Vec<usize>,
}

/// Trains liblinear's `L2R_LR` on `x` with encoded labels `y`
/// (`0..n_classes`, every class present, `n_classes ≥ 2`), as liblinear's
/// `train` with scikit-learn's arguments. The caller validates the input.
pub(crate) fn train(
    x: &CsrMatrix,
    y: &[usize],
    n_classes: usize,
    c: f64,
    eps: f64,
    max_iter: usize,
    bias: Option<f64>,
) -> Result<TrainedModel, Error> {
    if x.nnz() >= u32::MAX as usize {
        return Err(Error::new(ErrorKind::Other(format!(
            "LogisticRegression.fit: {} stored elements; liblinear supports fewer than 2**32",
            x.nnz()
        ))));
    }
    let l = x.n_rows();

    // group_classes: a stable counting sort of the rows by class.
    let mut start = vec![0usize; n_classes + 1];
    for &k in y {
        start[k + 1] += 1;
    }
    for k in 0..n_classes {
        start[k + 1] += start[k];
    }
    let mut perm = vec![0usize; l];
    let mut next = start.clone();
    for (i, &k) in y.iter().enumerate() {
        perm[next[k]] = i;
        next[k] += 1;
    }

    let (indptr, indices, data, active) = compact_rows(x, &perm);
    let prob = Problem::new(indptr, indices, data, active.len(), bias);

    let n_models = if n_classes == 2 { 1 } else { n_classes };
    let mut coef = Array2::zeros((n_models, x.n_cols()));
    let mut bias_weight = vec![0.0; n_models];
    let mut n_iter = Vec::with_capacity(n_models);
    let mut w = vec![0.0; prob.n_vars];
    let mut yy = vec![0.0; l];
    let mut work = TronWork::default();
    for (m, bias_m) in bias_weight.iter_mut().enumerate() {
        let pos_class = if n_classes == 2 { 1 } else { m };
        for (k, yk) in yy.iter_mut().enumerate() {
            let in_pos = k >= start[pos_class] && k < start[pos_class + 1];
            *yk = if in_pos { 1.0 } else { -1.0 };
        }
        let pos = start[pos_class + 1] - start[pos_class];
        let neg = l - pos;
        let tol = eps * (pos.min(neg).max(1) as f64) / l as f64;
        let mut fun = L2rLrFun {
            prob: &prob,
            y: &yy,
            c,
            z: vec![0.0; l],
            cd: vec![0.0; l],
            cdxs: vec![0.0; l],
        };
        n_iter.push(tron(&mut fun, &mut w, tol, max_iter, &mut work));
        let mut row = coef.row_mut(m);
        for (k, &j) in active.iter().enumerate() {
            row[j] = w[k];
        }
        if bias.is_some() {
            *bias_m = w[prob.n_vars - 1];
        }
    }
    Ok(TrainedModel {
        coef,
        bias_weight,
        n_iter,
    })
}

/// Per-thread scratch of [`compact_rows`], kept so fits over 2**18 features
/// neither allocate nor page-fault fresh `n_features` tables each time.
#[derive(Default)]
struct CompactScratch {
    /// One bit per column, set while a call scans the stored elements.
    /// Invariant between calls: every bit is 0 (a call clears the words
    /// it reads back). 2**18 columns take 32 KB, so the random accesses of
    /// the scan stay in L1.
    seen: Vec<u64>,
    /// Column → compact id. Only the entries of the current call's active
    /// columns are meaningful (each is written before it is read), so the
    /// table is never reset.
    remap: Vec<u32>,
}

thread_local! {
    static COMPACT: RefCell<CompactScratch> = RefCell::new(CompactScratch::default());
}

/// The rows of `x` in `perm` order on compacted columns: returns
/// `(indptr, compact indices, data, active)` where compact column `k` is
/// original column `active[k]`, `active` sorted (the order of
/// `CsrMatrix::compact_columns`, so sums over variables skip only zeros).
/// Requires `x.nnz() < u32::MAX`.
///
/// The active columns are found with a bitmap (read back word by word,
/// which yields them already sorted), and only they get a `remap` entry.
fn compact_rows(x: &CsrMatrix, perm: &[usize]) -> (Vec<usize>, Vec<u32>, Vec<f64>, Vec<usize>) {
    COMPACT.with(|cell| {
        let scratch = &mut *cell.borrow_mut();
        let n_words = x.n_cols().div_ceil(64);
        if scratch.seen.len() < n_words {
            scratch.seen.resize(n_words, 0);
        }
        if scratch.remap.len() < x.n_cols() {
            scratch.remap.resize(x.n_cols(), 0);
        }
        let (seen, remap) = (
            &mut scratch.seen[..n_words],
            &mut scratch.remap[..x.n_cols()],
        );
        for &j in x.indices() {
            seen[j / 64] |= 1 << (j % 64);
        }
        let mut active = Vec::new();
        for (w, word) in seen.iter_mut().enumerate() {
            let mut bits = std::mem::take(word);
            while bits != 0 {
                let j = w * 64 + bits.trailing_zeros() as usize;
                // active.len() <= nnz < u32::MAX (checked by the caller).
                remap[j] = active.len() as u32;
                active.push(j);
                bits &= bits - 1;
            }
        }
        let mut indptr = Vec::with_capacity(perm.len() + 1);
        let mut indices = Vec::with_capacity(x.nnz());
        let mut data = Vec::with_capacity(x.nnz());
        indptr.push(0);
        for &i in perm {
            let (ind, val) = x.row(i);
            indices.extend(ind.iter().map(|&j| remap[j]));
            data.extend_from_slice(val);
            indptr.push(indices.len());
        }
        (indptr, indices, data, active)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;
    use proptest::prelude::*;

    /// A dense, straightforward evaluation of the same objective's gradient.
    fn full_gradient(x: &Array2<f64>, y: &[f64], w: &[f64], b: f64, c: f64) -> Vec<f64> {
        let n = x.ncols();
        let mut g: Vec<f64> = w.to_vec();
        for (i, row) in x.rows().into_iter().enumerate() {
            let z: f64 = row.iter().zip(w).map(|(a, b)| a * b).sum::<f64>() + w[n] * b;
            let s = 1.0 / (1.0 + (-y[i] * z).exp());
            let coef = c * (s - 1.0) * y[i];
            for j in 0..n {
                g[j] += coef * row[j];
            }
            g[n] += coef * b;
        }
        g
    }

    #[test]
    fn optimum_has_small_gradient_and_absent_columns_are_zero() {
        let xd = array![
            [1.0, 0.0, 0.5, 0.0],
            [0.0, 2.0, 0.0, 0.0],
            [0.3, 0.0, 0.0, 0.0],
            [0.0, 1.0, 1.0, 0.0],
            [2.0, 0.0, 0.1, 0.0],
        ];
        let x = CsrMatrix::from_dense(&xd);
        let y = [0, 1, 0, 1, 0];
        let m = train(&x, &y, 2, 1.0, 1e-10, 1000, Some(1.0)).unwrap();
        assert_eq!(m.coef[[0, 3]], 0.0);
        let mut w: Vec<f64> = m.coef.row(0).to_vec();
        w.push(m.bias_weight[0]);
        let yy: Vec<f64> = y.iter().map(|&k| if k == 1 { 1.0 } else { -1.0 }).collect();
        let g = full_gradient(&xd, &yy, &w, 1.0, 1.0);
        // TRON also stops when reductions fall below 1e-12 |f|, hence 1e-6.
        assert!(g.iter().all(|v| v.abs() < 1e-6), "{g:?}");
        // classes_[1] rows load on column 1.
        assert!(m.coef[[0, 1]] > 0.0);
    }

    /// A random problem: rows of distinct sorted columns below `n_active`.
    fn arb_problem() -> impl Strategy<Value = (Problem, Vec<f64>, Vec<f64>)> {
        (1usize..40, 0usize..12, any::<bool>()).prop_flat_map(|(n_active, n_rows, with_bias)| {
            let row = proptest::collection::btree_map(
                0..n_active as u32,
                -4.0f64..4.0,
                0..=n_active / 2 + 1,
            );
            let n_vars = n_active + usize::from(with_bias);
            (
                proptest::collection::vec(row, n_rows),
                proptest::collection::vec(-3.0f64..3.0, n_vars),
                proptest::collection::vec(-2.0f64..2.0, n_rows),
                0.1f64..3.0,
            )
                .prop_map(move |(rows, v, a, bias)| {
                    let mut indptr = vec![0];
                    let (mut indices, mut data) = (Vec::new(), Vec::new());
                    for r in rows {
                        for (j, x) in r {
                            indices.push(j);
                            data.push(x);
                        }
                        indptr.push(indices.len());
                    }
                    let bias = with_bias.then_some(bias);
                    (Problem::new(indptr, indices, data, n_active, bias), v, a)
                })
        })
    }

    /// liblinear's loops written plainly: one row's dot product, then its
    /// scatter, element by element in stored order.
    fn plain_dot(p: &Problem, i: usize, v: &[f64]) -> f64 {
        let mut acc = 0.0;
        for k in p.indptr[i]..p.indptr[i + 1] {
            acc += v[p.indices[k] as usize] * p.data[k];
        }
        match p.bias {
            Some(b) => acc + v[p.n_vars - 1] * b,
            None => acc,
        }
    }

    fn plain_axpy(p: &Problem, i: usize, a: f64, out: &mut [f64]) {
        for k in p.indptr[i]..p.indptr[i + 1] {
            out[p.indices[k] as usize] += a * p.data[k];
        }
        if let Some(b) = p.bias {
            out[p.n_vars - 1] += a * b;
        }
    }

    proptest! {
        #[test]
        fn fast_row_products_are_bit_identical_to_plain_loops((p, v, a) in arb_problem()) {
            let bits = |x: f64| x.to_bits();
            let n = p.n_rows();
            for i in 0..n {
                prop_assert_eq!(bits(p.row_dot(i, &v)), bits(plain_dot(&p, i, &v)));
                for k in 0..n {
                    let [d0, d1] = p.rows_dot([i, k], &v);
                    prop_assert_eq!(bits(d0), bits(plain_dot(&p, i, &v)));
                    prop_assert_eq!(bits(d1), bits(plain_dot(&p, k, &v)));
                    let q = [k, i, (i + k) % n, n - 1 - k];
                    let d = p.rows_dot(q, &v);
                    for (r, d) in q.into_iter().zip(d) {
                        prop_assert_eq!(bits(d), bits(plain_dot(&p, r, &v)));
                    }
                }
            }
            let mut seen = Vec::new();
            p.for_each_row_dot(&v, |i, d| seen.push((i, d.to_bits())));
            seen.sort_unstable();
            let want: Vec<_> = (0..n).map(|i| (i, bits(plain_dot(&p, i, &v)))).collect();
            prop_assert_eq!(seen, want);
            let (mut fast, mut plain) = (v.clone(), v.clone());
            for (i, &ai) in a.iter().enumerate() {
                p.row_axpy(i, ai, &mut fast);
                plain_axpy(&p, i, ai, &mut plain);
            }
            prop_assert_eq!(
                fast.iter().map(|&x| bits(x)).collect::<Vec<_>>(),
                plain.iter().map(|&x| bits(x)).collect::<Vec<_>>()
            );
        }

        #[test]
        fn hessian_product_is_bit_identical_to_liblinear_order((p, s, cd) in arb_problem()) {
            let y = vec![1.0; p.n_rows()];
            let n = p.n_rows();
            let mut f = L2rLrFun { prob: &p, y: &y, c: 0.7, z: vec![0.0; n], cd, cdxs: vec![0.0; n] };
            let mut hs = vec![f64::NAN; p.n_vars];
            f.hv(&s, &mut hs);
            // liblinear: Xv for all rows, then XTv, then + s.
            let xs: Vec<f64> = (0..p.n_rows()).map(|i| f.cd[i] * plain_dot(&p, i, &s)).collect();
            let mut want = vec![0.0; p.n_vars];
            for (i, &a) in xs.iter().enumerate() {
                plain_axpy(&p, i, a, &mut want);
            }
            for (w, si) in want.iter_mut().zip(&s) {
                *w += si;
            }
            prop_assert_eq!(
                hs.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                want.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
            );
        }
    }

    /// `compact_rows` written plainly: the sorted set of stored columns,
    /// each looked up by binary search.
    type Compacted = (Vec<usize>, Vec<u32>, Vec<f64>, Vec<usize>);
    fn plain_compact(x: &CsrMatrix, perm: &[usize]) -> Compacted {
        let active: Vec<usize> = x
            .indices()
            .iter()
            .copied()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let (mut indptr, mut indices, mut data) = (vec![0], Vec::new(), Vec::new());
        for &i in perm {
            let (ind, val) = x.row(i);
            indices.extend(ind.iter().map(|j| active.binary_search(j).unwrap() as u32));
            data.extend_from_slice(val);
            indptr.push(indices.len());
        }
        (indptr, indices, data, active)
    }

    fn arb_csr() -> impl Strategy<Value = (CsrMatrix, Vec<usize>)> {
        (1usize..200, 1usize..8).prop_flat_map(|(n_cols, n_rows)| {
            let row = proptest::collection::btree_map(0..n_cols, 0.5f64..2.0, 0..6);
            (
                proptest::collection::vec(row, n_rows),
                Just((0..n_rows).collect::<Vec<_>>()).prop_shuffle(),
            )
                .prop_map(move |(rows, perm)| {
                    let mut d = Array2::zeros((rows.len(), n_cols));
                    for (i, r) in rows.iter().enumerate() {
                        for (&j, &v) in r {
                            d[[i, j]] = v;
                        }
                    }
                    (CsrMatrix::from_dense(&d), perm)
                })
        })
    }

    proptest! {
        #[test]
        fn compact_rows_equals_the_plain_set_and_search(a in arb_csr(), b in arb_csr()) {
            // Two calls on one thread: the second relies on the first
            // leaving its bitmap cleared.
            for (x, perm) in [&a, &b] {
                prop_assert_eq!(compact_rows(x, perm), plain_compact(x, perm));
            }
        }
    }

    #[test]
    #[should_panic(expected = "liblinear problem: a column index beyond the 3 active columns")]
    fn problem_rejects_a_column_beyond_the_active_ones() {
        Problem::new(vec![0, 1], vec![3], vec![1.0], 3, None);
    }

    #[test]
    fn one_vs_rest_gives_a_model_per_class() {
        let xd = array![
            [1.0, 0.0, 0.0],
            [0.0, 1.0, 0.0],
            [0.0, 0.0, 1.0],
            [1.0, 0.1, 0.0]
        ];
        let x = CsrMatrix::from_dense(&xd);
        let m = train(&x, &[0, 1, 2, 0], 3, 10.0, 1e-6, 100, Some(1.0)).unwrap();
        assert_eq!(m.coef.dim(), (3, 3));
        assert_eq!(m.n_iter.len(), 3);
        for k in 0..3 {
            let best = (0..3)
                .max_by(|&a, &b| m.coef[[k, a]].total_cmp(&m.coef[[k, b]]))
                .unwrap();
            assert_eq!(best, k);
        }
    }
}
