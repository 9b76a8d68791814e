//! The plain SGD loop shared by `SGDClassifier`, `Perceptron` and
//! `PassiveAggressiveClassifier`: one binary (±1 or {0, 1}) problem, one weight
//! vector, scikit-learn 1.9.1's `_plain_sgd` update for update.
//!
//! Invariants kept:
//! - the weight vector is `w = wscale * v`; L2 shrinkage multiplies `wscale`
//!   only (O(1) per sample) and `v` is rescaled when `wscale < 1e-9`, and once
//!   at the end of a call (so callers always see plain weights);
//! - averaged SGD keeps the average as `(aw + average_a * v) / average_b`,
//!   folded into `aw` at every rescale;
//! - the L1 part of the penalty is the truncated gradient with the cumulative
//!   penalty `u` and the per-feature applied penalty `q` (Tsuruoka et al. 2009);
//! - floating-point operations are done in scikit-learn's order, so results
//!   agree to rounding.
//!
//! The loop touches only the non-zeros of each row: no allocation per sample.

use crate::error::{Error, ErrorKind};
use dklearn_sparse::CsrMatrix;

/// Cut-off of the loss gradient, as scikit-learn's `MAX_DLOSS`.
const MAX_DLOSS: f64 = 1e12;
/// `wscale` below which the weights are rescaled (float64).
const WSCALE_RESET: f64 = 1e-9;

/// A classification loss of the SGD family, on `y` (±1, or {0, 1} for `Log`)
/// and the raw prediction `p`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum LossFn {
    /// `max(0, threshold - y p)`; threshold 1 is the SVM hinge, 0 the perceptron.
    Hinge(f64),
    /// `max(0, threshold - y p)²`.
    SquaredHinge(f64),
    /// Zhang's modified Huber.
    ModifiedHuber,
    /// Half binomial deviance with logit link, `y ∈ {0, 1}`.
    Log,
}

fn log1pexp(x: f64) -> f64 {
    if x <= -37.0 {
        x.exp()
    } else if x <= -2.0 {
        x.exp().ln_1p()
    } else if x <= 18.0 {
        (1.0 + x.exp()).ln()
    } else if x <= 33.3 {
        x + (-x).exp()
    } else {
        x
    }
}

impl LossFn {
    /// Whether labels are {0, 1} (log loss) rather than ±1.
    pub(crate) fn zero_one_labels(self) -> bool {
        matches!(self, LossFn::Log)
    }

    #[inline]
    pub(crate) fn loss(self, y: f64, p: f64) -> f64 {
        match self {
            LossFn::Hinge(th) => {
                let z = p * y;
                if z <= th {
                    th - z
                } else {
                    0.0
                }
            }
            LossFn::SquaredHinge(th) => {
                let z = th - p * y;
                if z > 0.0 {
                    z * z
                } else {
                    0.0
                }
            }
            LossFn::ModifiedHuber => {
                let z = p * y;
                if z >= 1.0 {
                    0.0
                } else if z >= -1.0 {
                    (1.0 - z) * (1.0 - z)
                } else {
                    -4.0 * z
                }
            }
            LossFn::Log => log1pexp(p) - y * p,
        }
    }

    /// The derivative of the loss with respect to `p`.
    #[inline]
    pub(crate) fn dloss(self, y: f64, p: f64) -> f64 {
        match self {
            LossFn::Hinge(th) => {
                if p * y <= th {
                    -y
                } else {
                    0.0
                }
            }
            LossFn::SquaredHinge(th) => {
                let z = th - p * y;
                if z > 0.0 {
                    -2.0 * y * z
                } else {
                    0.0
                }
            }
            LossFn::ModifiedHuber => {
                let z = p * y;
                if z >= 1.0 {
                    0.0
                } else if z >= -1.0 {
                    2.0 * (1.0 - z) * -y
                } else {
                    -4.0 * y
                }
            }
            LossFn::Log => {
                if p > -37.0 {
                    let e = (-p).exp();
                    ((1.0 - y) - y * e) / (1.0 + e)
                } else {
                    p.exp() - y
                }
            }
        }
    }
}

/// The step-size rule, including the two passive-aggressive ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rate {
    Constant,
    Optimal,
    InvScaling,
    Adaptive,
    /// PA-I: `min(C, loss / ||x||²)`.
    Pa1,
    /// PA-II: `loss / (||x||² + 1 / (2 C))`.
    Pa2,
}

/// scikit-learn's penalty codes: what the loop does per sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PenaltyType {
    None,
    L1,
    L2,
    ElasticNet,
}

/// Everything `plain_sgd` needs besides the data and the weights.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct SgdConfig {
    pub loss: LossFn,
    pub penalty: PenaltyType,
    pub alpha: f64,
    pub l1_ratio: f64,
    pub max_iter: usize,
    /// `None` disables the stopping rule (`tol=None`).
    pub tol: Option<f64>,
    pub n_iter_no_change: usize,
    pub fit_intercept: bool,
    pub shuffle: bool,
    pub seed: u32,
    pub rate: Rate,
    pub eta0: f64,
    pub power_t: f64,
    /// `t` of the first sample (the estimator's `t_`).
    pub t: f64,
    pub intercept_decay: f64,
    /// 0 = no averaging, else averaging starts when `t >= average`.
    pub average: u64,
}

/// `w = wscale * v`, with scikit-learn's running norms (used only by the
/// objective of the stopping rule) and the averaged-SGD bookkeeping.
struct WeightVector<'a> {
    v: &'a mut [f64],
    aw: Option<&'a mut [f64]>,
    wscale: f64,
    sq_norm: f64,
    l1_norm: f64,
    average_a: f64,
    average_b: f64,
}

impl<'a> WeightVector<'a> {
    /// With `track` off the running norms are never read, so they are not
    /// computed: two passes over all `n_features` weights saved per call.
    fn new(v: &'a mut [f64], aw: Option<&'a mut [f64]>, track: bool) -> Self {
        let (sq_norm, l1_norm) = if track {
            (
                v.iter().map(|x| x * x).sum(),
                v.iter().map(|x| x.abs()).sum(),
            )
        } else {
            (0.0, 0.0)
        };
        WeightVector {
            v,
            aw,
            wscale: 1.0,
            sq_norm,
            l1_norm,
            average_a: 0.0,
            average_b: 1.0,
        }
    }

    #[inline]
    fn dot(&self, idx: &[usize], val: &[f64]) -> f64 {
        let mut s = 0.0;
        for (&j, &x) in idx.iter().zip(val) {
            s += self.v[j] * x;
        }
        s * self.wscale
    }

    /// `w += c x`; with `track`, the norms as scikit-learn's `add` leaves them
    /// (over the touched coordinates only).
    #[inline]
    fn add(&mut self, idx: &[usize], val: &[f64], c: f64, track: bool) {
        let step = c / self.wscale;
        if track {
            let (mut l2, mut l1) = (0.0, 0.0);
            for (&j, &x) in idx.iter().zip(val) {
                let w = &mut self.v[j];
                *w += x * step;
                l2 += *w * *w;
                l1 += w.abs();
            }
            self.sq_norm = l2 * (self.wscale * self.wscale);
            self.l1_norm = l1 * self.wscale;
        } else {
            for (&j, &x) in idx.iter().zip(val) {
                self.v[j] += x * step;
            }
        }
    }

    #[inline]
    fn add_average(&mut self, idx: &[usize], val: &[f64], c: f64, num_iter: f64) {
        let mu = 1.0 / num_iter;
        let a = self.average_a;
        let ws = self.wscale;
        if let Some(aw) = self.aw.as_deref_mut() {
            for (&j, &x) in idx.iter().zip(val) {
                aw[j] += a * x * (-c / ws);
            }
        }
        if num_iter > 1.0 {
            self.average_b /= 1.0 - mu;
        }
        self.average_a += mu * self.average_b * ws;
    }

    #[inline]
    fn scale(&mut self, c: f64) {
        self.wscale *= c;
        self.sq_norm *= c * c;
        self.l1_norm *= c.abs();
        if self.wscale < WSCALE_RESET {
            self.reset_wscale();
        }
    }

    /// Folds `wscale` into `v` (and the average into `aw`); returns whether
    /// every weight of `v` was finite before, checked in the same pass.
    fn reset_wscale(&mut self) -> bool {
        if let Some(aw) = self.aw.as_deref_mut() {
            let a = self.average_a;
            for (m, &x) in aw.iter_mut().zip(self.v.iter()) {
                *m += a * x;
            }
            let inv_b = 1.0 / self.average_b;
            for m in aw.iter_mut() {
                *m *= inv_b;
            }
            self.average_a = 0.0;
            self.average_b = 1.0;
        }
        let ws = self.wscale;
        // `x * 0` is ±0 for a finite `x` and NaN otherwise; four
        // independent sums of it let the pass vectorise.
        let mut lanes = [0.0f64; 4];
        let mut chunks = self.v.chunks_exact_mut(4);
        for c in &mut chunks {
            for (lane, x) in lanes.iter_mut().zip(c.iter_mut()) {
                *lane += *x * 0.0;
                *x *= ws;
            }
        }
        for x in chunks.into_remainder() {
            lanes[0] += *x * 0.0;
            *x *= ws;
        }
        self.wscale = 1.0;
        lanes.iter().sum::<f64>() == 0.0
    }
}

/// scikit-learn's `our_rand_r` (xorshift32, modulo 2^31).
#[inline]
fn our_rand_r(seed: &mut u32) -> u32 {
    if *seed == 0 {
        *seed = 1;
    }
    *seed ^= *seed << 13;
    *seed ^= *seed >> 17;
    *seed ^= *seed << 5;
    *seed % 0x8000_0000
}

/// The Fisher–Yates pass of scikit-learn's `SequentialDataset.shuffle`.
fn shuffle_order(order: &mut [usize], mut seed: u32) {
    let n = order.len();
    for i in 0..n.saturating_sub(1) {
        let j = i + (our_rand_r(&mut seed) as usize) % (n - i);
        order.swap(i, j);
    }
}

/// The state one binary problem carries between calls.
pub(crate) struct Binary<'a> {
    pub coef: &'a mut [f64],
    pub intercept: f64,
    pub avg_coef: Option<&'a mut [f64]>,
    pub avg_intercept: f64,
}

/// Runs up to `max_iter` epochs of SGD on `x` and targets `y`, updating the
/// weights in place; returns the number of epochs run. `x` and the weights
/// must agree in width (checked by the caller).
pub(crate) fn plain_sgd(
    cfg: &SgdConfig,
    x: &CsrMatrix,
    y: &[f64],
    state: &mut Binary<'_>,
) -> Result<usize, Error> {
    let n_samples = x.n_rows();
    let indptr = x.indptr();
    let indices = x.indices();
    let data = x.data();
    // The objective only steers the stopping rule and the adaptive rate, which
    // matter only when another epoch may follow.
    let track = cfg.tol.is_some() && cfg.max_iter > 1;
    let mut w = WeightVector::new(state.coef, state.avg_coef.as_deref_mut(), track);
    let mut intercept = state.intercept;
    let mut avg_intercept = state.avg_intercept;

    let l1_ratio = match cfg.penalty {
        PenaltyType::L2 => 0.0,
        PenaltyType::L1 => 1.0,
        _ => cfg.l1_ratio,
    };
    let use_l1 = matches!(cfg.penalty, PenaltyType::L1 | PenaltyType::ElasticNet);
    let use_scale = matches!(cfg.penalty, PenaltyType::L2 | PenaltyType::ElasticNet);
    let mut q = if use_l1 {
        vec![0.0; w.v.len()]
    } else {
        Vec::new()
    };
    let mut u = 0.0;
    let tol = cfg.tol.unwrap_or(f64::NEG_INFINITY);
    let is_pa = matches!(cfg.rate, Rate::Pa1 | Rate::Pa2);

    let mut eta = cfg.eta0;
    let optimal_init = if cfg.rate == Rate::Optimal {
        let typw = (1.0 / cfg.alpha.sqrt()).sqrt();
        let initial_eta0 = typw / f64::max(1.0, cfg.loss.dloss(1.0, -typw));
        1.0 / (initial_eta0 * cfg.alpha)
    } else {
        0.0
    };
    let average = cfg.average as f64;
    let mut t = cfg.t;
    // The visiting order (scikit-learn's dataset index), permuted in place by
    // each epoch's shuffle.
    let mut order: Vec<usize> = (0..n_samples).collect();
    let mut best_objective = f64::INFINITY;
    let mut no_improvement = 0usize;
    let mut epoch = 0usize;
    // The last epoch, when its check of the weights' finiteness is left to
    // the final rescaling pass (which reads every weight anyway).
    let mut check_at_reset = None;

    while epoch < cfg.max_iter {
        let mut objective_sum = 0.0;
        if cfg.shuffle {
            shuffle_order(&mut order, cfg.seed);
        }
        for &i in &order {
            let (lo, hi) = (indptr[i], indptr[i + 1]);
            let idx = &indices[lo..hi];
            let val = &data[lo..hi];
            let yi = y[i];

            let p = w.dot(idx, val) + intercept;
            match cfg.rate {
                Rate::Optimal => eta = 1.0 / (cfg.alpha * (optimal_init + t - 1.0)),
                Rate::InvScaling => eta = cfg.eta0 / t.powf(cfg.power_t),
                _ => {}
            }
            if track {
                objective_sum += cfg.loss.loss(yi, p);
                if !is_pa && cfg.penalty != PenaltyType::None {
                    let norm = w.sq_norm.sqrt();
                    objective_sum +=
                        cfg.alpha * ((1.0 - l1_ratio) * 0.5 * (norm * norm) + l1_ratio * w.l1_norm);
                }
            }
            let mut update = match cfg.rate {
                Rate::Pa1 => {
                    let sq: f64 = val.iter().map(|v| v * v).sum();
                    if sq == 0.0 {
                        continue;
                    }
                    f64::min(cfg.eta0, cfg.loss.loss(yi, p) / sq)
                }
                Rate::Pa2 => {
                    let sq: f64 = val.iter().map(|v| v * v).sum();
                    cfg.loss.loss(yi, p) / (sq + 0.5 / cfg.eta0)
                }
                _ => -eta * cfg.loss.dloss(yi, p).clamp(-MAX_DLOSS, MAX_DLOSS),
            };
            if is_pa {
                // Passive-aggressive classifiers use the hinge loss: the step
                // goes in the direction of the label.
                update *= yi;
            }
            if use_scale {
                w.scale(f64::max(0.0, 1.0 - (1.0 - l1_ratio) * eta * cfg.alpha));
            }
            if update != 0.0 {
                w.add(idx, val, update, track);
                if cfg.fit_intercept {
                    intercept += update * cfg.intercept_decay;
                }
            }
            if cfg.average > 0 && average <= t {
                let num_iter = t - average + 1.0;
                w.add_average(idx, val, update, num_iter);
                avg_intercept += (intercept - avg_intercept) / num_iter;
            }
            if use_l1 {
                u += l1_ratio * eta * cfg.alpha;
                l1_penalty(&mut w, &mut q, idx, u);
            }
            t += 1.0;
        }

        // After the last epoch nothing reads the weights before the final
        // rescaling, which checks them in its pass; an error there drops
        // the state as one here would.
        check_at_reset = (epoch + 1 == cfg.max_iter).then_some(epoch);
        if !intercept.is_finite() || (check_at_reset.is_none() && !all_finite(w.v)) {
            return Err(overflow_error(epoch));
        }
        let objective = objective_sum / n_samples as f64;
        if tol > f64::NEG_INFINITY && objective > best_objective - tol {
            no_improvement += 1;
        } else {
            no_improvement = 0;
        }
        if objective < best_objective {
            best_objective = objective;
        }
        if no_improvement >= cfg.n_iter_no_change {
            if cfg.rate == Rate::Adaptive && eta > 1e-6 {
                eta /= 5.0;
                no_improvement = 0;
            } else {
                break;
            }
        }
        epoch += 1;
    }
    if let (false, Some(last)) = (w.reset_wscale(), check_at_reset) {
        return Err(overflow_error(last));
    }
    state.intercept = intercept;
    state.avg_intercept = avg_intercept;
    Ok((epoch + 1).min(cfg.max_iter))
}

/// Whether every weight is finite, in one branch-free pass: `x * 0` is ±0
/// for a finite `x` and NaN otherwise, summed in four independent lanes so
/// the loop vectorises.
fn all_finite(v: &[f64]) -> bool {
    let mut lanes = [0.0f64; 4];
    let chunks = v.chunks_exact(4);
    for &x in chunks.remainder() {
        lanes[0] += x * 0.0;
    }
    for c in chunks {
        for (lane, &x) in lanes.iter_mut().zip(c) {
            *lane += x * 0.0;
        }
    }
    lanes.iter().sum::<f64>() == 0.0
}

/// The error of a non-finite weight or intercept after epoch `epoch`
/// (counted from 0).
fn overflow_error(epoch: usize) -> Error {
    Error::new(ErrorKind::Other(format!(
        "floating-point under-/overflow occurred at epoch #{}: scaling the input data \
         (or a smaller eta0/alpha) might help",
        epoch + 1
    )))
}

/// Truncated-gradient L1 on the coordinates of one sample: each weight moves
/// toward zero by the penalty accumulated since it was last touched, never
/// across zero.
#[inline]
fn l1_penalty(w: &mut WeightVector<'_>, q: &mut [f64], idx: &[usize], u: f64) {
    let ws = w.wscale;
    for &j in idx {
        let z = w.v[j];
        if ws * z > 0.0 {
            w.v[j] = f64::max(0.0, w.v[j] - (u + q[j]) / ws);
        } else if ws * z < 0.0 {
            w.v[j] = f64::min(0.0, w.v[j] + (u - q[j]) / ws);
        }
        q[j] += ws * (w.v[j] - z);
    }
}

/// numpy's legacy `RandomState(seed)` (MT19937 seeded by `init_genrand`),
/// only as far as scikit-learn's SGD seeding needs it.
struct LegacyRandomState {
    mt: [u32; 624],
    pos: usize,
}

impl LegacyRandomState {
    fn new(seed: u32) -> Self {
        let mut mt = [0u32; 624];
        mt[0] = seed;
        for i in 1..624 {
            mt[i] = 1_812_433_253u32
                .wrapping_mul(mt[i - 1] ^ (mt[i - 1] >> 30))
                .wrapping_add(i as u32);
        }
        LegacyRandomState { mt, pos: 624 }
    }

    fn next_u32(&mut self) -> u32 {
        const N: usize = 624;
        if self.pos >= N {
            let mt = &mut self.mt;
            for k in 0..N {
                let y = (mt[k] & 0x8000_0000) | (mt[(k + 1) % N] & 0x7fff_ffff);
                let mut v = mt[(k + 397) % N] ^ (y >> 1);
                if y & 1 != 0 {
                    v ^= 0x9908_b0df;
                }
                mt[k] = v;
            }
            self.pos = 0;
        }
        let mut y = self.mt[self.pos];
        self.pos += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// `randint(low, low + range + 1)` for `range < 2^31` (masked rejection).
    fn bounded(&mut self, low: u32, range: u32) -> u32 {
        loop {
            let v = self.next_u32() & 0x7fff_ffff;
            if v <= range {
                return low + v;
            }
        }
    }
}

/// `randint(MAX_INT)` with `MAX_INT = 2^31 - 1`: values in `[0, 2^31 - 2]`.
const SEED_RANGE: u32 = 0x7fff_fffe;

/// The shuffle seed of scikit-learn's `fit_binary` given its `random_state`:
/// `make_dataset` first draws the dataset's own seed (`randint(1, MAX_INT)`),
/// then `fit_binary` draws the shuffle seed (`randint(MAX_INT)`).
pub(crate) fn sklearn_shuffle_seed(random_state: u32) -> u32 {
    let mut rs = LegacyRandomState::new(random_state);
    rs.bounded(1, SEED_RANGE - 1);
    rs.bounded(0, SEED_RANGE)
}

/// The per-class `random_state`s of scikit-learn's one-vs-rest
/// (`RandomState(random_state).randint(MAX_INT, size=n)`).
pub(crate) fn sklearn_ovr_seeds(random_state: u32, n: usize) -> Vec<u32> {
    let mut rs = LegacyRandomState::new(random_state);
    (0..n).map(|_| rs.bounded(0, SEED_RANGE)).collect()
}

impl dklearn_codec::Encode for LossFn {
    fn type_tag() -> std::borrow::Cow<'static, str> {
        "dklearn_estimators::LossFn".into()
    }
    fn encoded_len(&self) -> usize {
        match self {
            LossFn::Hinge(_) | LossFn::SquaredHinge(_) => 9,
            _ => 1,
        }
    }
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            LossFn::Hinge(t) => {
                out.push(0);
                t.encode(out);
            }
            LossFn::SquaredHinge(t) => {
                out.push(1);
                t.encode(out);
            }
            LossFn::ModifiedHuber => out.push(2),
            LossFn::Log => out.push(3),
        }
    }
    fn decode(r: &mut dklearn_codec::Reader<'_>) -> Result<Self, dklearn_codec::Error> {
        match r.u8()? {
            0 => Ok(LossFn::Hinge(f64::decode(r)?)),
            1 => Ok(LossFn::SquaredHinge(f64::decode(r)?)),
            2 => Ok(LossFn::ModifiedHuber),
            3 => Ok(LossFn::Log),
            b => Err(dklearn_codec::Error::invalid(format!("LossFn variant {b}"))),
        }
    }
}

dklearn_codec::encode_unit_enum!(
    Rate,
    "dklearn_estimators::Rate",
    [Constant, Optimal, InvScaling, Adaptive, Pa1, Pa2]
);
dklearn_codec::encode_unit_enum!(
    PenaltyType,
    "dklearn_estimators::PenaltyType",
    [None, L1, L2, ElasticNet]
);

impl dklearn_codec::Encode for SgdConfig {
    dklearn_codec::encode_fields!("dklearn_estimators::SgdConfig";
        loss, penalty, alpha, l1_ratio, max_iter, tol, n_iter_no_change, fit_intercept,
        shuffle, seed, rate, eta0, power_t, t, intercept_decay, average);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_loss_gradient_is_sigmoid_minus_y() {
        for &p in &[-40.0, -3.0, 0.0, 2.5, 20.0] {
            let s = 1.0 / (1.0 + f64::exp(-p));
            assert!((LossFn::Log.dloss(1.0, p) - (s - 1.0)).abs() < 1e-12);
            assert!((LossFn::Log.dloss(0.0, p) - s).abs() < 1e-12);
        }
        assert!((LossFn::Log.loss(0.0, 0.0) - 2f64.ln()).abs() < 1e-15);
    }

    #[test]
    fn shuffle_is_a_permutation() {
        let mut order: Vec<usize> = (0..50).collect();
        shuffle_order(&mut order, 12345);
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(sorted, (0..50).collect::<Vec<_>>());
        assert_ne!(order, sorted);
    }

    #[test]
    fn wscale_trick_equals_plain_weights() {
        let mut v = vec![1.0, -2.0, 3.0];
        let mut w = WeightVector::new(&mut v, None, false);
        w.scale(0.5);
        w.add(&[0, 2], &[1.0, 2.0], 1.0, false);
        assert!((w.dot(&[0, 1, 2], &[1.0, 1.0, 1.0]) - (1.5 - 1.0 + 3.5)).abs() < 1e-15);
        w.reset_wscale();
        assert_eq!(v, vec![1.5, -1.0, 3.5]);
    }
}

#[cfg(test)]
mod finite_tests {
    use super::*;
    use proptest::prelude::*;

    fn config(max_iter: usize) -> SgdConfig {
        SgdConfig {
            loss: LossFn::Hinge(1.0),
            penalty: PenaltyType::L2,
            alpha: 1e-4,
            l1_ratio: 0.15,
            max_iter,
            tol: None,
            n_iter_no_change: 5,
            // The intercept stays 0: only the weights can overflow.
            fit_intercept: false,
            shuffle: false,
            seed: 1,
            rate: Rate::Constant,
            eta0: 1e300,
            power_t: 0.5,
            t: 1.0,
            intercept_decay: 1.0,
            average: 0,
        }
    }

    /// Huge steps on huge features: the weights overflow in the first epoch.
    fn overflowing_fit(max_iter: usize) -> Result<usize, Error> {
        let x = CsrMatrix::from_dense(&ndarray::array![[1e300, 1e300], [1e300, 0.0]]);
        let mut coef = vec![0.0; 2];
        let mut b = Binary {
            coef: &mut coef,
            intercept: 0.0,
            avg_coef: None,
            avg_intercept: 0.0,
        };
        plain_sgd(&config(max_iter), &x, &[1.0, -1.0], &mut b)
    }

    #[test]
    fn overflow_is_reported_at_its_epoch_whether_checked_in_the_loop_or_at_the_end() {
        // max_iter = 1: the check is the final rescaling's; 3: the loop's.
        for max_iter in [1, 3] {
            let e = overflow_error_text(overflowing_fit(max_iter));
            assert!(e.contains("epoch #1:"), "{e}");
        }
    }

    fn overflow_error_text(r: Result<usize, Error>) -> String {
        r.expect_err("the weights overflow").to_string()
    }

    proptest! {
        #[test]
        fn finiteness_checks_agree_with_is_finite(
            mut v in proptest::collection::vec(-1e300f64..1e300, 0..23),
            bad in proptest::option::of((0usize..23, prop_oneof![
                Just(f64::NAN), Just(f64::INFINITY), Just(f64::NEG_INFINITY)
            ])),
            ws in 1e-9f64..1.0,
        ) {
            if let Some((k, x)) = bad {
                if k < v.len() {
                    v[k] = x;
                }
            }
            let want = v.iter().all(|x| x.is_finite());
            prop_assert_eq!(all_finite(&v), want);
            let scaled: Vec<u64> = v.iter().map(|x| (x * ws).to_bits()).collect();
            let mut w = WeightVector::new(&mut v, None, false);
            w.wscale = ws;
            prop_assert_eq!(w.reset_wscale(), want);
            prop_assert_eq!(v.iter().map(|x| x.to_bits()).collect::<Vec<_>>(), scaled);
        }
    }
}

#[cfg(test)]
mod seed_tests {
    use super::*;

    #[test]
    fn seeds_and_shuffle_match_scikit_learn() {
        // np.random.RandomState(s).randint(2**31 - 1, size=2)
        assert_eq!(sklearn_ovr_seeds(42, 1), vec![1_608_637_542]);
        assert_eq!(sklearn_ovr_seeds(3, 1), vec![218_175_338]);
        // CSRDataset64._shuffle_py(1608637542) twice over 10 samples.
        let mut order: Vec<usize> = (0..10).collect();
        shuffle_order(&mut order, 1_608_637_542);
        assert_eq!(order, vec![8, 3, 6, 2, 9, 0, 1, 4, 5, 7]);
        shuffle_order(&mut order, 1_608_637_542);
        assert_eq!(order, vec![5, 2, 1, 6, 7, 8, 3, 9, 0, 4]);
    }
}
