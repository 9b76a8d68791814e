//! [`Encode`] for [`CsrMatrix`]: shape, then the three CSR arrays as bulk
//! little-endian copies (indices as `u64`, values by bit pattern).

use std::borrow::Cow;

use dklearn_codec::{Encode, Error, Reader};

use crate::csr::CsrMatrix;

impl Encode for CsrMatrix {
    fn type_tag() -> Cow<'static, str> {
        Cow::Borrowed("dklearn_sparse::CsrMatrix")
    }

    fn encoded_len(&self) -> usize {
        // rows, cols, nnz; indptr; indices; data.
        24 + 8 * (self.n_rows() + 1) + 16 * self.nnz()
    }

    fn encode(&self, out: &mut Vec<u8>) {
        (self.n_rows() as u64).encode(out);
        (self.n_cols() as u64).encode(out);
        (self.nnz() as u64).encode(out);
        usize::encode_slice(self.indptr(), out);
        usize::encode_slice(self.indices(), out);
        f64::encode_slice(self.data(), out);
    }

    /// Every CSR invariant is checked ([`CsrMatrix::try_from_csr`]): the
    /// sparse kernels index by these arrays, so bytes from outside must not
    /// be trusted even when their checksum holds.
    fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
        let n_rows = r.read_len()?;
        let n_cols = r.read_len()?;
        let nnz = r.read_len()?;
        let n_ptr = n_rows
            .checked_add(1)
            .ok_or_else(|| Error::invalid("CSR row count overflows"))?;
        let indptr = usize::decode_vec(r, n_ptr)?;
        let indices = usize::decode_vec(r, nnz)?;
        let data = f64::decode_vec(r, nnz)?;
        check_csr(n_cols, &indptr, &indices)?;
        // SAFETY: `check_csr` checked what `try_from_csr` checks (indptr
        // starts at 0, is non-decreasing and ends at nnz; each row's indices
        // strictly increase and are < n_cols); `decode_vec` gave
        // `indptr.read_len() == n_rows + 1` and `indices.len() == data.len()`.
        Ok(unsafe { CsrMatrix::from_csr_unchecked(n_rows, n_cols, indptr, indices, data) })
    }
}

/// The CSR invariants in one tight pass (sprs' own check is several times
/// slower and was most of the decode time).
fn check_csr(n_cols: usize, indptr: &[usize], indices: &[usize]) -> Result<(), Error> {
    let bad = |m: String| Err(Error::invalid(format!("CSR matrix: {m}")));
    if indptr.first() != Some(&0) || indptr.last() != Some(&indices.len()) {
        return bad(format!(
            "indptr must run from 0 to nnz = {}, found {:?}..{:?}",
            indices.len(),
            indptr.first(),
            indptr.last()
        ));
    }
    for (row, w) in indptr.windows(2).enumerate() {
        let (a, b) = (w[0], w[1]);
        if a > b || b > indices.len() {
            return bad(format!("indptr decreases or overflows at row {row}"));
        }
        let cols = &indices[a..b];
        let sorted = cols.windows(2).fold(true, |ok, p| ok & (p[0] < p[1]));
        if !sorted {
            return bad(format!("row {row}: column indices not strictly increasing"));
        }
        if let Some(&last) = cols.last() {
            if last >= n_cols {
                return bad(format!(
                    "row {row}: column {last} out of bounds (n_cols {n_cols})"
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use dklearn_codec::{from_bytes, to_bytes};

    #[test]
    fn round_trip_and_invalid_structure() {
        let m = CsrMatrix::try_from_csr(
            3,
            5,
            vec![0, 2, 2, 3],
            vec![0, 4, 1],
            vec![1.5, -0.0, f64::NAN],
        )
        .unwrap();
        let bytes = to_bytes(&m);
        let mut body = Vec::new();
        m.encode(&mut body);
        assert_eq!(body.len(), m.encoded_len());
        let back: CsrMatrix = from_bytes(&bytes).unwrap();
        assert_eq!(back.shape(), (3, 5));
        assert_eq!(back.indptr(), m.indptr());
        assert_eq!(back.indices(), m.indices());
        let bits = |x: &CsrMatrix| x.data().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&back), bits(&m));
        // A column index out of bounds (valid frame, invalid matrix).
        let mut bad = Vec::new();
        for v in [3u64, 5, 3, 0, 2, 2, 3, 0, 9, 1] {
            v.encode(&mut bad);
        }
        f64::encode_slice(&[1.0, 2.0, 3.0], &mut bad);
        let e = CsrMatrix::decode(&mut Reader::new(&bad)).unwrap_err();
        assert!(e.to_string().contains("CSR matrix"), "{e}");
        let z = CsrMatrix::zeros(0, 7);
        let back: CsrMatrix = from_bytes(&to_bytes(&z)).unwrap();
        assert_eq!(back.shape(), (0, 7));
    }
}
