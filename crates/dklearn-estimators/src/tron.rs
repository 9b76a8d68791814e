//! Trust-region Newton method (TRON) for unconstrained smooth convex problems,
//! with the same iteration as the `tron.cpp` that scikit-learn 1.9.1 vendors
//! (Lin, Weng & Keerthi 2008): plain (unpreconditioned) conjugate gradient on
//! the Newton system, stopped at `‖r‖ ≤ 0.1 ‖g‖` or at the trust-region
//! boundary, and the radius update with `η = (1e-4, 0.25, 0.75)`,
//! `σ = (0.25, 0.5, 4)`.
//!
//! The stopping rule is relative: the solver stops at the first accepted step
//! with `‖∇f(w)‖ ≤ eps ‖∇f(0)‖` (callers scale `eps` as liblinear does), after
//! `max_iter` accepted steps, or when the reductions become negligible.
//!
//! Invariant kept for the callers: [`TronFunction::grad`] is only ever called
//! right after [`TronFunction::fun`] on the same `w`, and [`TronFunction::hv`]
//! only after `grad`, so a function may cache per-sample values between calls
//! (liblinear's `z` and `D`).

/// A twice-differentiable objective, seen by TRON through its value, gradient
/// and Hessian-vector products.
pub(crate) trait TronFunction {
    /// Number of variables.
    fn n_variables(&self) -> usize;
    /// `f(w)`; may cache per-sample values used by the next `grad`.
    fn fun(&mut self, w: &[f64]) -> f64;
    /// `∇f(w)` into `g`, for the `w` of the last `fun` call.
    fn grad(&mut self, w: &[f64], g: &mut [f64]);
    /// `∇²f(w) s` into `hs`, for the `w` of the last `grad` call.
    fn hv(&mut self, s: &[f64], hs: &mut [f64]);
}

/// Scratch vectors of one TRON run, reusable across the one-vs-rest problems
/// of a fit so a fit allocates them once.
#[derive(Debug, Default)]
pub(crate) struct TronWork {
    s: Vec<f64>,
    r: Vec<f64>,
    w_new: Vec<f64>,
    g: Vec<f64>,
    d: Vec<f64>,
    hd: Vec<f64>,
}

impl TronWork {
    fn resize(&mut self, n: usize) {
        for v in [
            &mut self.s,
            &mut self.r,
            &mut self.w_new,
            &mut self.g,
            &mut self.d,
            &mut self.hd,
        ] {
            v.clear();
            v.resize(n, 0.0);
        }
    }
}

/// Dot product with four running sums (as BLAS kernels do), so the loop
/// vectorises instead of waiting on one chain of dependent additions.
#[inline]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for ((s, xi), yi) in acc.iter_mut().zip(x).zip(y) {
            *s += xi * yi;
        }
    }
    let mut sum = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (x, y) in ra.iter().zip(rb) {
        sum += x * y;
    }
    sum
}

#[inline]
fn nrm2(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}

/// `y += alpha * x`.
#[inline]
fn axpy(alpha: f64, x: &[f64], y: &mut [f64]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += alpha * xi;
    }
}

/// `y += alpha * x`, then returns `dot(y, y)`, in one pass: the squares are
/// summed in exactly [`dot`]'s lanes and order, so the result has the same
/// bits as the two calls.
#[inline]
fn axpy_sq_norm(alpha: f64, x: &[f64], y: &mut [f64]) -> f64 {
    let n = x.len().min(y.len());
    let (x, y) = (&x[..n], &mut y[..n]);
    let mut acc = [0.0; 4];
    let mut cy = y.chunks_exact_mut(4);
    let mut cx = x.chunks_exact(4);
    for (yc, xc) in (&mut cy).zip(&mut cx) {
        for ((s, yi), xi) in acc.iter_mut().zip(yc).zip(xc) {
            *yi += alpha * xi;
            *s += *yi * *yi;
        }
    }
    let mut sum = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (yi, xi) in cy.into_remainder().iter_mut().zip(cx.remainder()) {
        *yi += alpha * xi;
        sum += *yi * *yi;
    }
    sum
}

/// Minimises `fun_obj` from `w = 0` (overwriting `w`) and returns the number
/// of accepted steps, as liblinear's `TRON::tron` (which scikit-learn reports
/// as `n_iter_`).
pub(crate) fn tron<F: TronFunction>(
    fun_obj: &mut F,
    w: &mut [f64],
    eps: f64,
    max_iter: usize,
    work: &mut TronWork,
) -> usize {
    const ETA0: f64 = 1e-4;
    const ETA1: f64 = 0.25;
    const ETA2: f64 = 0.75;
    const SIGMA1: f64 = 0.25;
    const SIGMA2: f64 = 0.5;
    const SIGMA3: f64 = 4.0;

    let n = fun_obj.n_variables();
    debug_assert_eq!(w.len(), n);
    work.resize(n);
    w.iter_mut().for_each(|v| *v = 0.0);

    let mut f = fun_obj.fun(w);
    fun_obj.grad(w, &mut work.g);
    let mut delta = nrm2(&work.g);
    let gnorm1 = delta;
    let search = delta > eps * gnorm1;

    let mut iter = 1usize;
    while iter <= max_iter && search {
        trcg(fun_obj, delta, work);

        // w_new = w + s in one pass (liblinear copies, then adds `1.0 * s`,
        // which is `s` exactly).
        for ((wn, wi), si) in work.w_new.iter_mut().zip(w.iter()).zip(&work.s) {
            *wn = wi + si;
        }

        let gs = dot(&work.g, &work.s);
        let prered = -0.5 * (gs - dot(&work.s, &work.r));
        let fnew = fun_obj.fun(&work.w_new);
        let actred = f - fnew;

        let snorm = nrm2(&work.s);
        if iter == 1 {
            delta = delta.min(snorm);
        }

        let alpha = if fnew - f - gs <= 0.0 {
            SIGMA3
        } else {
            SIGMA1.max(-0.5 * (gs / (fnew - f - gs)))
        };

        if actred < ETA0 * prered {
            delta = (alpha.max(SIGMA1) * snorm).min(SIGMA2 * delta);
        } else if actred < ETA1 * prered {
            delta = (SIGMA1 * delta).max((alpha * snorm).min(SIGMA2 * delta));
        } else if actred < ETA2 * prered {
            delta = (SIGMA1 * delta).max((alpha * snorm).min(SIGMA3 * delta));
        } else {
            delta = delta.max((alpha * snorm).min(SIGMA3 * delta));
        }

        if actred > ETA0 * prered {
            iter += 1;
            w.copy_from_slice(&work.w_new);
            f = fnew;
            fun_obj.grad(w, &mut work.g);
            if nrm2(&work.g) <= eps * gnorm1 {
                break;
            }
        }
        if f < -1.0e32 {
            break;
        }
        if actred.abs() <= 0.0 && prered <= 0.0 {
            break;
        }
        if actred.abs() <= 1.0e-12 * f.abs() && prered.abs() <= 1.0e-12 * f.abs() {
            break;
        }
    }
    iter - 1
}

/// Conjugate gradient on `H s = -g` inside the ball `‖s‖ ≤ delta`; leaves the
/// step in `work.s` and the residual `-g - H s` in `work.r`. Returns the
/// number of CG iterations.
fn trcg<F: TronFunction>(fun_obj: &mut F, delta: f64, work: &mut TronWork) -> usize {
    let TronWork { s, r, g, d, hd, .. } = work;
    for i in 0..s.len() {
        s[i] = 0.0;
        r[i] = -g[i];
        d[i] = r[i];
    }
    let cgtol = 0.1 * nrm2(g);
    let mut cg_iter = 0;
    let mut rtr = dot(r, r);
    loop {
        // ‖r‖ from rᵀr, which the iteration already holds.
        if rtr.sqrt() <= cgtol {
            break;
        }
        cg_iter += 1;
        fun_obj.hv(d, hd);

        let mut alpha = rtr / dot(d, hd);
        if axpy_sq_norm(alpha, d, s).sqrt() > delta {
            // Step back, then go to the boundary along d: the positive root
            // of ‖s + τ d‖ = delta, written to avoid cancellation.
            axpy(-alpha, d, s);
            let std = dot(s, d);
            let sts = dot(s, s);
            let dtd = dot(d, d);
            let dsq = delta * delta;
            let rad = (std * std + dtd * (dsq - sts)).sqrt();
            alpha = if std >= 0.0 {
                (dsq - sts) / (std + rad)
            } else {
                (rad - std) / dtd
            };
            axpy(alpha, d, s);
            axpy(-alpha, hd, r);
            break;
        }
        let rnew = axpy_sq_norm(-alpha, hd, r);
        let beta = rnew / rtr;
        for (di, ri) in d.iter_mut().zip(r.iter()) {
            *di = beta * *di + ri;
        }
        rtr = rnew;
    }
    cg_iter
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// f(w) = ½ wᵀ A w - bᵀ w with A diagonal positive: the minimiser is b / A.
    struct Quadratic {
        a: Vec<f64>,
        b: Vec<f64>,
    }

    impl TronFunction for Quadratic {
        fn n_variables(&self) -> usize {
            self.a.len()
        }
        fn fun(&mut self, w: &[f64]) -> f64 {
            w.iter()
                .zip(&self.a)
                .zip(&self.b)
                .map(|((w, a), b)| 0.5 * a * w * w - b * w)
                .sum()
        }
        fn grad(&mut self, w: &[f64], g: &mut [f64]) {
            for i in 0..w.len() {
                g[i] = self.a[i] * w[i] - self.b[i];
            }
        }
        fn hv(&mut self, s: &[f64], hs: &mut [f64]) {
            for i in 0..s.len() {
                hs[i] = self.a[i] * s[i];
            }
        }
    }

    proptest! {
        #[test]
        fn fused_axpy_sq_norm_equals_axpy_then_dot(
            xy in proptest::collection::vec((-1e3f64..1e3, -1e3f64..1e3), 0..19),
            alpha in -10.0f64..10.0,
        ) {
            let (x, y0): (Vec<f64>, Vec<f64>) = xy.into_iter().unzip();
            let (mut fused, mut plain) = (y0.clone(), y0);
            let got = axpy_sq_norm(alpha, &x, &mut fused);
            axpy(alpha, &x, &mut plain);
            prop_assert_eq!(got.to_bits(), dot(&plain, &plain).to_bits());
            prop_assert_eq!(
                fused.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                plain.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn solves_a_quadratic() {
        let mut q = Quadratic {
            a: vec![1.0, 4.0, 0.5, 10.0],
            b: vec![1.0, -2.0, 3.0, 0.1],
        };
        let mut w = vec![7.0; 4];
        let it = tron(&mut q, &mut w, 1e-10, 100, &mut TronWork::default());
        assert!(it >= 1);
        for i in 0..4 {
            assert!((w[i] - q.b[i] / q.a[i]).abs() < 1e-8, "{w:?}");
        }
    }

    #[test]
    fn zero_gradient_at_start_takes_no_step() {
        let mut q = Quadratic {
            a: vec![1.0, 2.0],
            b: vec![0.0, 0.0],
        };
        let mut w = vec![1.0, 1.0];
        assert_eq!(tron(&mut q, &mut w, 0.1, 100, &mut TronWork::default()), 0);
        assert_eq!(w, vec![0.0, 0.0]);
    }

    #[test]
    fn max_iter_zero_leaves_zero() {
        let mut q = Quadratic {
            a: vec![1.0],
            b: vec![5.0],
        };
        let mut w = vec![3.0];
        assert_eq!(tron(&mut q, &mut w, 1e-3, 0, &mut TronWork::default()), 0);
        assert_eq!(w, vec![0.0]);
    }
}
