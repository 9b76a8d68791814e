//! Every kernel against a dense reference on random matrices.

use dklearn_sparse::{vstack, CsrBuilder, CsrMatrix, ErrorKind, Norm};
use ndarray::Array2;
use proptest::prelude::*;

/// A random dense matrix with many zeros (values small integers / 4 so sums are exact).
fn dense(max_rows: usize, max_cols: usize) -> impl Strategy<Value = Array2<f64>> {
    (0..=max_rows, 1..=max_cols).prop_flat_map(|(r, c)| {
        proptest::collection::vec(
            prop_oneof![3 => Just(0.0), 2 => (-8i32..8).prop_map(|v| v as f64 / 4.0)],
            r * c,
        )
        .prop_map(move |v| Array2::from_shape_vec((r, c), v).unwrap())
    })
}

fn close(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| (x - y).abs() <= 1e-12 * (1.0 + y.abs()))
}

proptest! {
    #[test]
    fn dense_round_trip(m in dense(12, 9)) {
        let x = CsrMatrix::from_dense(&m);
        prop_assert_eq!(x.to_dense(), m.clone());
        prop_assert_eq!(x.nnz(), m.iter().filter(|v| **v != 0.0).count());
        for (ind, _) in x.rows() {
            prop_assert!(ind.windows(2).all(|w| w[0] < w[1]));
        }
    }

    #[test]
    fn dot_and_t_dot_match_dense(m in dense(12, 9), seed in 0u64..1000) {
        let x = CsrMatrix::from_dense(&m);
        let w: Vec<f64> = (0..m.ncols()).map(|j| ((j as u64 * 31 + seed) % 7) as f64 - 3.0).collect();
        let v: Vec<f64> = (0..m.nrows()).map(|i| ((i as u64 * 17 + seed) % 5) as f64 - 2.0).collect();
        let xw: Vec<f64> = m.rows().into_iter().map(|r| r.iter().zip(&w).map(|(a, b)| a * b).sum()).collect();
        let xtv: Vec<f64> = m.columns().into_iter().map(|c| c.iter().zip(&v).map(|(a, b)| a * b).sum()).collect();
        prop_assert!(close(&x.dot(&w).unwrap(), &xw));
        prop_assert!(close(&x.t_dot(&v).unwrap(), &xtv));
    }

    #[test]
    fn normalize_matches_dense(m in dense(10, 8), l1 in any::<bool>()) {
        let mut x = CsrMatrix::from_dense(&m);
        let norm = if l1 { Norm::L1 } else { Norm::L2 };
        x.normalize(norm);
        let got = x.to_dense();
        for (i, row) in m.rows().into_iter().enumerate() {
            let n: f64 = if l1 { row.iter().map(|v| v.abs()).sum() } else { row.iter().map(|v| v * v).sum::<f64>().sqrt() };
            let want: Vec<f64> = row.iter().map(|v| if n == 0.0 { *v } else { v / n }).collect();
            prop_assert!(close(got.row(i).as_slice().unwrap(), &want));
            if n != 0.0 {
                let after: f64 = if l1 { got.row(i).iter().map(|v| v.abs()).sum() } else { got.row(i).iter().map(|v| v * v).sum::<f64>().sqrt() };
                prop_assert!((after - 1.0).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn select_and_vstack_match_dense(a in dense(8, 6), b_rows in 0usize..5, picks in proptest::collection::vec(0usize..100, 0..10)) {
        let c = a.ncols();
        let b = Array2::from_shape_fn((b_rows, c), |(i, j)| if (i + j) % 3 == 0 { (i * c + j) as f64 } else { 0.0 });
        let (xa, xb) = (CsrMatrix::from_dense(&a), CsrMatrix::from_dense(&b));
        let s = vstack(&[&xa, &xb]).unwrap();
        let want = ndarray::concatenate(ndarray::Axis(0), &[a.view(), b.view()]).unwrap();
        prop_assert_eq!(s.to_dense(), want.clone());
        if want.nrows() > 0 {
            let idx: Vec<usize> = picks.iter().map(|p| p % want.nrows()).collect();
            let sel = s.select_rows(&idx).unwrap();
            prop_assert_eq!(sel.to_dense(), want.select(ndarray::Axis(0), &idx));
            let mask: Vec<bool> = (0..want.nrows()).map(|i| idx.contains(&i)).collect();
            let kept: Vec<usize> = (0..want.nrows()).filter(|&i| mask[i]).collect();
            prop_assert_eq!(s.select_mask(&mask).unwrap().to_dense(), want.select(ndarray::Axis(0), &kept));
        }
    }

    #[test]
    fn builder_sums_duplicates_in_any_order(entries in proptest::collection::vec((0usize..6, -4i32..4), 0..20)) {
        let idx: Vec<usize> = entries.iter().map(|e| e.0).collect();
        let val: Vec<f64> = entries.iter().map(|e| e.1 as f64).collect();
        let mut b = CsrBuilder::new(6);
        b.push_row(&idx, &val).unwrap();
        let x = b.finish();
        let mut want = [0.0; 6];
        for (j, v) in idx.iter().zip(&val) { want[*j] += v; }
        prop_assert_eq!(x.to_dense().row(0).to_vec(), want.to_vec());
        let (ind, _) = x.row(0);
        prop_assert!(ind.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn compact_columns_preserves_products(m in dense(8, 10)) {
        let x = CsrMatrix::from_dense(&m);
        let (c, active) = x.compact_columns();
        prop_assert_eq!(c.n_cols(), active.len());
        let w: Vec<f64> = (0..m.ncols()).map(|j| j as f64 - 4.5).collect();
        let wc: Vec<f64> = active.iter().map(|&j| w[j]).collect();
        prop_assert!(close(&c.dot(&wc).unwrap(), &x.dot(&w).unwrap()));
    }
}

#[test]
fn shape_errors_are_clear() {
    let x = CsrMatrix::zeros(2, 3);
    let e = x.dot(&[1.0]).unwrap_err();
    assert!(matches!(
        e.kind(),
        ErrorKind::ShapeMismatch {
            expected: 3,
            found: 1,
            ..
        }
    ));
    assert_eq!(
        e.to_string(),
        "dot (X w): shape mismatch: expected 3, found 1"
    );
    assert!(x.t_dot(&[1.0; 3]).is_err());
    assert!(x.select_mask(&[true]).is_err());
    assert!(matches!(
        x.select_rows(&[5]).unwrap_err().kind(),
        ErrorKind::RowOutOfBounds { row: 5, n_rows: 2 }
    ));
    let y = CsrMatrix::zeros(1, 4);
    assert!(vstack(&[&x, &y]).is_err());
    assert!(vstack(&[]).is_err());
    assert!(x.check_n_cols(4, "fit").is_err());
    let mut b = CsrBuilder::new(3);
    assert!(matches!(
        b.push_row(&[3], &[1.0]).unwrap_err().kind(),
        ErrorKind::ColumnOutOfBounds { col: 3, .. }
    ));
    assert!(b.push_row(&[0, 1], &[1.0]).is_err());
    assert!(b.push_sorted_row(&[1, 0], &[1.0, 1.0]).is_err());
    let e = CsrMatrix::try_from_csr(1, 2, vec![0, 2], vec![1, 0], vec![1.0, 1.0]).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::InvalidStructure(_)), "{e}");
    // sprs's own error is kept as the cause.
    let cause = std::error::Error::source(&e)
        .and_then(|s| s.downcast_ref::<sprs::errors::StructureError>())
        .expect("sprs's StructureError");
    assert!(e.to_string().ends_with(&cause.to_string()), "{e} / {cause}");
    let e = CsrMatrix::try_from_csr(2, 2, vec![0, 1], vec![1], vec![1.0]).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::InvalidStructure(_)), "{e}");
    assert!(
        std::error::Error::source(&e).is_none(),
        "our own check: no cause"
    );
    assert!(CsrMatrix::try_from_csr(1, 2, vec![0, 1], vec![1], vec![1.0]).is_ok());
}

#[test]
fn debug_reads_like_scipy() {
    let x = CsrMatrix::zeros(3, 4);
    assert_eq!(
        format!("{x:?}"),
        "<3x4 sparse matrix of type f64 with 0 stored elements in CSR format>"
    );
    let mut b = CsrBuilder::new(2);
    b.push_row(&[1], &[0.0]).unwrap();
    let x = b.finish();
    assert_eq!(x.nnz(), 1);
    assert_eq!(x.without_zeros().nnz(), 0);
    assert!(!x.has_non_finite());
}
