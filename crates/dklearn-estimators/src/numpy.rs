//! numpy's summation order, so sums round as scikit-learn's do: one
//! implementation for every place that must match numpy bit for bit (naive
//! Bayes' normalisation, SGD's `predict_proba`, model selection's mean and
//! standard deviation of scores).

/// numpy 2.x's `np.add.reduce` over a contiguous slice (also `x.sum(axis=1)`
/// of one row of a C-ordered array): a running sum from `-0.0` below 8
/// values, eight accumulators up to 128, halves (multiples of 8) above.
///
/// ```
/// use dklearn_estimators::pairwise_sum;
/// let a: Vec<f64> = (0..1000).map(|i| 0.1 * i as f64).collect();
/// assert!((pairwise_sum(&a) - 49950.0).abs() < 1e-9);
/// assert_eq!(pairwise_sum(&[]).to_bits(), (-0.0f64).to_bits());
/// ```
pub fn pairwise_sum(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        let mut res = -0.0;
        for &v in a {
            res += v;
        }
        res
    } else if n <= 128 {
        let mut r = [0.0; 8];
        r.copy_from_slice(&a[..8]);
        let full = n - n % 8;
        let mut i = 8;
        while i < full {
            for (k, acc) in r.iter_mut().enumerate() {
                *acc += a[i + k];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &v in &a[full..] {
            res += v;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise_sum(&a[..n2]) + pairwise_sum(&a[n2..])
    }
}
