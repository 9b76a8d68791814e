//! Cross-validation splitters and parameter search spaces, as
//! `sklearn.model_selection` 1.9.1: the same index sets and the same sampled
//! candidates for the same seed (numpy's legacy `RandomState`, see
//! [`Mt19937`]).
//!
//! - [`KFold`], [`StratifiedKFold`], [`ShuffleSplit`]: scikit-learn's splitters.
//! - [`PartitionKFold`]: fold `k` tests the units `i` with `i % n_splits == k`;
//!   over the partitions of chunked data it never cuts a chunk.
//! - [`ParamGrid`] (scikit-learn's `ParameterGrid`: candidates in its order) and
//!   [`ParamSampler`] (`ParameterSampler` over [`Distribution`]s).
//!
//! ```
//! use dklearn_estimators::model_selection::{CrossValidator, KFold};
//!
//! let folds = KFold::new(3)?.shuffle(0).split(5, &[0u8; 5])?;
//! // KFold(3, shuffle=True, random_state=0).split(np.zeros(5))
//! assert_eq!(folds[0], (vec![1, 3, 4], vec![0, 2]));
//! # Ok::<(), dklearn_estimators::Error>(())
//! ```

use crate::error::{Error, ErrorKind};
use crate::mt19937::Mt19937;
use crate::params::{py_bool, py_float};
use std::collections::{BTreeMap, HashSet};
use std::fmt;

/// One train/test split: indices of the training units and of the test units.
pub type Split = (Vec<usize>, Vec<usize>);

/// Something that splits `n` units (rows, or partitions) into train/test folds.
pub trait CrossValidator: fmt::Debug {
    /// How many splits [`split`](Self::split) yields.
    fn n_splits(&self) -> usize;

    /// The splits of `n_samples` units with labels `y` (used by stratified
    /// splitters only; others ignore it and accept an empty slice).
    fn split<L: Ord + Clone>(&self, n_samples: usize, y: &[L]) -> Result<Vec<Split>, Error>;
}

fn search_err(msg: String) -> Error {
    Error::new(ErrorKind::InvalidGrid(msg))
}

fn check_n_splits(n_splits: usize) -> Result<(), Error> {
    if n_splits < 2 {
        return Err(Error::invalid_parameter(
            "n_splits",
            format!("k-fold cross-validation requires at least one train/test split by setting n_splits=2 or more, got n_splits={n_splits}"),
        ));
    }
    Ok(())
}

fn check_enough(n_splits: usize, n_samples: usize, unit: &str) -> Result<(), Error> {
    if n_splits > n_samples {
        return Err(search_err(format!(
            "cannot have number of splits n_splits={n_splits} greater than the number of {unit}: n_{unit}={n_samples}"
        )));
    }
    Ok(())
}

/// Train indices (ascending) of a test mask, and the test indices (ascending).
fn from_mask(test: &[bool]) -> Split {
    let train = (0..test.len()).filter(|&i| !test[i]).collect();
    let test = (0..test.len()).filter(|&i| test[i]).collect();
    (train, test)
}

/// K consecutive folds, optionally after a seeded shuffle (`KFold`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KFold {
    n_splits: usize,
    seed: Option<u32>,
}

impl KFold {
    /// `KFold(n_splits)` without shuffling.
    pub fn new(n_splits: usize) -> Result<Self, Error> {
        check_n_splits(n_splits)?;
        Ok(KFold {
            n_splits,
            seed: None,
        })
    }

    /// `shuffle=True, random_state=seed`: `RandomState(seed).shuffle(arange(n))`
    /// before cutting the folds.
    pub fn shuffle(mut self, seed: u32) -> Self {
        self.seed = Some(seed);
        self
    }
}

impl CrossValidator for KFold {
    fn n_splits(&self) -> usize {
        self.n_splits
    }

    fn split<L: Ord + Clone>(&self, n_samples: usize, _y: &[L]) -> Result<Vec<Split>, Error> {
        check_enough(self.n_splits, n_samples, "samples")?;
        let mut indices: Vec<usize> = (0..n_samples).collect();
        if let Some(seed) = self.seed {
            Mt19937::new(seed).shuffle(&mut indices);
        }
        let (base, extra) = (n_samples / self.n_splits, n_samples % self.n_splits);
        let mut start = 0;
        Ok((0..self.n_splits)
            .map(|k| {
                let stop = start + base + usize::from(k < extra);
                let mut mask = vec![false; n_samples];
                indices[start..stop].iter().for_each(|&i| mask[i] = true);
                start = stop;
                from_mask(&mask)
            })
            .collect())
    }
}

/// K folds preserving the class proportions (`StratifiedKFold`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StratifiedKFold {
    n_splits: usize,
    seed: Option<u32>,
}

impl StratifiedKFold {
    /// `StratifiedKFold(n_splits)` without shuffling.
    pub fn new(n_splits: usize) -> Result<Self, Error> {
        check_n_splits(n_splits)?;
        Ok(StratifiedKFold {
            n_splits,
            seed: None,
        })
    }

    /// `shuffle=True, random_state=seed`.
    pub fn shuffle(mut self, seed: u32) -> Self {
        self.seed = Some(seed);
        self
    }
}

impl CrossValidator for StratifiedKFold {
    fn n_splits(&self) -> usize {
        self.n_splits
    }

    fn split<L: Ord + Clone>(&self, n_samples: usize, y: &[L]) -> Result<Vec<Split>, Error> {
        if y.len() != n_samples {
            return Err(Error::new(ErrorKind::LengthMismatch {
                n_samples,
                n_labels: y.len(),
            }));
        }
        check_enough(self.n_splits, n_samples, "samples")?;
        // Classes numbered by first appearance.
        let mut first: BTreeMap<&L, usize> = BTreeMap::new();
        let mut encoded = Vec::with_capacity(n_samples);
        for l in y {
            let next = first.len();
            encoded.push(*first.entry(l).or_insert(next));
        }
        let n_classes = first.len();
        let mut counts = vec![0usize; n_classes];
        encoded.iter().for_each(|&c| counts[c] += 1);
        if counts.iter().all(|&c| self.n_splits > c) {
            return Err(search_err(format!(
                "n_splits={} cannot be greater than the number of members in each class",
                self.n_splits
            )));
        }
        let mut order = encoded.clone();
        order.sort_unstable();
        // allocation[k][f]: samples of class k in test fold f (round robin over sorted y).
        let mut allocation = vec![vec![0usize; self.n_splits]; n_classes];
        for (i, &c) in order.iter().enumerate() {
            allocation[c][i % self.n_splits] += 1;
        }
        let mut rng = self.seed.map(Mt19937::new);
        let mut test_fold = vec![0usize; n_samples];
        for (k, per_fold) in allocation.iter().enumerate() {
            let mut folds: Vec<usize> = per_fold
                .iter()
                .enumerate()
                .flat_map(|(f, &n)| std::iter::repeat_n(f, n))
                .collect();
            if let Some(r) = rng.as_mut() {
                r.shuffle(&mut folds);
            }
            let mut it = folds.into_iter();
            for (i, &c) in encoded.iter().enumerate() {
                if c == k {
                    test_fold[i] = it.next().unwrap_or(0);
                }
            }
        }
        Ok((0..self.n_splits)
            .map(|f| from_mask(&test_fold.iter().map(|&t| t == f).collect::<Vec<_>>()))
            .collect())
    }
}

/// A size given as a count or as a fraction of the samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Size {
    /// That many samples.
    Count(usize),
    /// `ceil(f * n)` test samples, or `floor(f * n)` train samples; `0 < f < 1`.
    Fraction(f64),
}

/// Independent random train/test splits (`ShuffleSplit`): split `i` takes the
/// `i`-th `RandomState(seed).permutation(n)`, test first.
#[derive(Debug, Clone, PartialEq)]
pub struct ShuffleSplit {
    n_splits: usize,
    test_size: Option<Size>,
    train_size: Option<Size>,
    seed: u32,
}

impl ShuffleSplit {
    /// `ShuffleSplit(n_splits, random_state=seed)` (test size 0.1 unless set).
    pub fn new(n_splits: usize, seed: u32) -> Result<Self, Error> {
        if n_splits == 0 {
            return Err(Error::invalid_parameter("n_splits", "must be at least 1"));
        }
        Ok(ShuffleSplit {
            n_splits,
            test_size: None,
            train_size: None,
            seed,
        })
    }

    /// `test_size`.
    pub fn test_size(mut self, size: Size) -> Self {
        self.test_size = Some(size);
        self
    }

    /// `train_size`.
    pub fn train_size(mut self, size: Size) -> Self {
        self.train_size = Some(size);
        self
    }

    /// (n_train, n_test) as scikit-learn's `_validate_shuffle_split`.
    fn sizes(&self, n: usize) -> Result<(usize, usize), Error> {
        let check = |s: Option<Size>, what: &'static str| {
            match s {
            Some(Size::Fraction(f)) if !(f > 0.0 && f < 1.0) => Err(Error::invalid_parameter(
                what,
                format!("{what}={f} should be in the (0, 1) range"),
            )),
            Some(Size::Count(c)) if c == 0 || c >= n => Err(Error::invalid_parameter(
                what,
                format!("{what}={c} should be either positive and smaller than the number of samples {n} or a float in the (0, 1) range"),
            )),
            _ => Ok(()),
        }
        };
        check(self.test_size, "test_size")?;
        check(self.train_size, "train_size")?;
        let test = match (self.test_size, self.train_size) {
            (None, None) => Some(Size::Fraction(0.1)),
            (t, _) => t,
        };
        let n_test = match test {
            Some(Size::Fraction(f)) => (f * n as f64).ceil() as usize,
            Some(Size::Count(c)) => c,
            None => 0,
        };
        let n_train = match self.train_size {
            Some(Size::Fraction(f)) => (f * n as f64).floor() as usize,
            Some(Size::Count(c)) => c,
            None => n - n_test.min(n),
        };
        let n_test = if test.is_none() { n - n_train } else { n_test };
        if n_train + n_test > n {
            return Err(Error::invalid_parameter(
                "train_size",
                format!("the sum of train_size and test_size = {} should be smaller than the number of samples {n}", n_train + n_test),
            ));
        }
        if n_train == 0 {
            return Err(search_err(format!(
                "with n_samples={n}, test_size and train_size, the resulting train set will be empty"
            )));
        }
        Ok((n_train, n_test))
    }
}

impl CrossValidator for ShuffleSplit {
    fn n_splits(&self) -> usize {
        self.n_splits
    }

    fn split<L: Ord + Clone>(&self, n_samples: usize, _y: &[L]) -> Result<Vec<Split>, Error> {
        let (n_train, n_test) = self.sizes(n_samples)?;
        let mut rng = Mt19937::new(self.seed);
        Ok((0..self.n_splits)
            .map(|_| {
                let p = rng.permutation(n_samples);
                (p[n_test..n_test + n_train].to_vec(), p[..n_test].to_vec())
            })
            .collect())
    }
}

/// Fold `k` tests the units `i` with `i % n_splits == k` and trains on the
/// rest, both ascending. Over the partitions of chunked data, no fold cuts a
/// chunk and each training set keeps the partitions' order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionKFold {
    n_splits: usize,
}

impl PartitionKFold {
    /// `n_splits` interleaved folds.
    pub fn new(n_splits: usize) -> Result<Self, Error> {
        check_n_splits(n_splits)?;
        Ok(PartitionKFold { n_splits })
    }
}

impl CrossValidator for PartitionKFold {
    fn n_splits(&self) -> usize {
        self.n_splits
    }

    fn split<L: Ord + Clone>(&self, n: usize, _y: &[L]) -> Result<Vec<Split>, Error> {
        if self.n_splits > n {
            return Err(search_err(format!(
                "fewer partitions ({n}) than folds (n_splits={}): every fold needs at least one partition to test on",
                self.n_splits
            )));
        }
        Ok((0..self.n_splits)
            .map(|k| from_mask(&(0..n).map(|i| i % self.n_splits == k).collect::<Vec<_>>()))
            .collect())
    }
}

/// A hyper-parameter value, spelled as in Python.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    /// An integer (`2**18`).
    Int(i64),
    /// A float (`1e-4`).
    Float(f64),
    /// A boolean (`True`).
    Bool(bool),
    /// A string (`'hinge'`).
    Str(String),
    /// A pair of integers (`ngram_range=(1, 2)`).
    Pair(i64, i64),
    /// Python's `None`.
    None,
}

impl fmt::Display for ParamValue {
    /// Python's repr: `262144`, `0.0001`, `True`, `'hinge'`, `(1, 2)`, `None`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamValue::Int(i) => write!(f, "{i}"),
            ParamValue::Float(v) => f.write_str(&py_float(*v)),

            ParamValue::Bool(b) => f.write_str(&py_bool(*b)),
            ParamValue::Str(s) => write!(f, "'{s}'"),
            ParamValue::Pair(a, b) => write!(f, "({a}, {b})"),
            ParamValue::None => f.write_str("None"),
        }
    }
}

impl From<i64> for ParamValue {
    fn from(v: i64) -> Self {
        ParamValue::Int(v)
    }
}
impl From<f64> for ParamValue {
    fn from(v: f64) -> Self {
        ParamValue::Float(v)
    }
}
impl From<bool> for ParamValue {
    fn from(v: bool) -> Self {
        ParamValue::Bool(v)
    }
}
impl From<&str> for ParamValue {
    fn from(v: &str) -> Self {
        ParamValue::Str(v.to_string())
    }
}
impl From<(i64, i64)> for ParamValue {
    fn from(v: (i64, i64)) -> Self {
        ParamValue::Pair(v.0, v.1)
    }
}

/// One candidate: parameter name (`step__param`) → value, sorted by name.
pub type Params = BTreeMap<String, ParamValue>;

/// `{'a': 1, 'b': 'x'}`: a candidate as Python prints a dict with sorted keys.
pub fn params_repr(p: &Params) -> String {
    let items: Vec<String> = p.iter().map(|(k, v)| format!("'{k}': {v}")).collect();
    format!("{{{}}}", items.join(", "))
}

/// A grid of parameter values: the candidates of scikit-learn's
/// `ParameterGrid`, in its order (one or more sub-grids in turn; within one,
/// names sorted and the last name's values varying fastest).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ParamGrid {
    grids: Vec<BTreeMap<String, Vec<ParamValue>>>,
}

impl ParamGrid {
    /// An empty grid (add sub-grids with [`grid`](Self::grid)).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a sub-grid `{name: values}`.
    pub fn grid<I, N, V>(mut self, entries: I) -> Self
    where
        I: IntoIterator<Item = (N, V)>,
        N: Into<String>,
        V: IntoIterator<Item = ParamValue>,
    {
        self.grids.push(
            entries
                .into_iter()
                .map(|(n, v)| (n.into(), v.into_iter().collect()))
                .collect(),
        );
        self
    }

    /// The sub-grids.
    pub fn sub_grids(&self) -> &[BTreeMap<String, Vec<ParamValue>>] {
        &self.grids
    }

    /// Checks the grid is searchable: at least one sub-grid, no empty value list.
    pub fn check(&self) -> Result<(), Error> {
        if self.grids.is_empty() {
            return Err(search_err("empty parameter grid: nothing to search".into()));
        }
        for g in &self.grids {
            for (k, v) in g {
                if v.is_empty() {
                    return Err(search_err(format!(
                        "parameter grid value is empty for '{k}': give at least one value"
                    )));
                }
            }
        }
        Ok(())
    }

    /// Number of candidates.
    pub fn len(&self) -> usize {
        self.grids
            .iter()
            .map(|g| g.values().map(Vec::len).product::<usize>())
            .sum()
    }

    /// True when there are no candidates.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Candidate `ind` (`ParameterGrid.__getitem__`).
    pub fn get(&self, mut ind: usize) -> Option<Params> {
        for g in &self.grids {
            let total: usize = g.values().map(Vec::len).product();
            if ind >= total {
                ind -= total;
                continue;
            }
            let mut out = Params::new();
            for (k, v) in g.iter().rev() {
                out.insert(k.clone(), v[ind % v.len()].clone());
                ind /= v.len();
            }
            return Some(out);
        }
        None
    }

    /// Every candidate, in scikit-learn's order.
    pub fn candidates(&self) -> Vec<Params> {
        (0..self.len()).filter_map(|i| self.get(i)).collect()
    }
}

/// A distribution to sample a parameter from.
#[derive(Debug, Clone, PartialEq)]
pub enum Distribution {
    /// `scipy.stats.uniform(loc, scale)`: `u * scale + loc`, `u` in `[0, 1)`.
    Uniform {
        /// Lower bound.
        loc: f64,
        /// Width.
        scale: f64,
    },
    /// `scipy.stats.loguniform(a, b)`: `exp(log(a) + u * (log(b) - log(a)))`.
    LogUniform {
        /// Lower bound (> 0).
        a: f64,
        /// Upper bound (> a).
        b: f64,
    },
    /// A list of values, one drawn uniformly (`v[rng.randint(len(v))]`).
    Choice(Vec<ParamValue>),
}

impl Distribution {
    fn check(&self, name: &str) -> Result<(), Error> {
        let bad = |m: String| Err(search_err(format!("distribution for '{name}': {m}")));
        match self {
            Distribution::Uniform { loc, scale } if !(loc.is_finite() && *scale > 0.0) => bad(
                format!("uniform(loc={loc}, scale={scale}) needs a finite loc and scale > 0"),
            ),
            Distribution::LogUniform { a, b } if !(*a > 0.0 && b > a && b.is_finite()) => {
                bad(format!("loguniform(a={a}, b={b}) needs 0 < a < b"))
            }
            Distribution::Choice(v) if v.is_empty() => bad("empty list of values".into()),
            _ => Ok(()),
        }
    }

    fn sample(&self, rng: &mut Mt19937) -> ParamValue {
        match self {
            Distribution::Uniform { loc, scale } => ParamValue::Float(rng.next_f64() * scale + loc),
            Distribution::LogUniform { a, b } => {
                let u = rng.next_f64();
                ParamValue::Float((a.ln() + u * (b.ln() - a.ln())).exp())
            }
            Distribution::Choice(v) => v[rng.randint(v.len())].clone(),
        }
    }
}

/// `ParameterSampler(distributions, n_iter, random_state=seed)`: with only
/// lists, `n_iter` distinct grid candidates drawn without replacement (all of
/// them, in grid order, when `n_iter` is at least the grid's size); otherwise
/// `n_iter` independent draws, names in sorted order, from
/// `RandomState(seed)`. The same candidates as scikit-learn 1.9.1 with scipy's
/// `uniform`/`loguniform` (loguniform's `exp`/`log` are libm's, see the crate
/// docs on numpy's SVML).
#[derive(Debug, Clone, PartialEq)]
pub struct ParamSampler {
    distributions: BTreeMap<String, Distribution>,
    n_iter: usize,
    seed: u32,
}

impl ParamSampler {
    /// A sampler of `n_iter` candidates.
    pub fn new<I, N>(distributions: I, n_iter: usize, seed: u32) -> Self
    where
        I: IntoIterator<Item = (N, Distribution)>,
        N: Into<String>,
    {
        ParamSampler {
            distributions: distributions
                .into_iter()
                .map(|(n, d)| (n.into(), d))
                .collect(),
            n_iter,
            seed,
        }
    }

    /// The distributions, by name.
    pub fn distributions(&self) -> &BTreeMap<String, Distribution> {
        &self.distributions
    }

    /// The candidates, in draw order.
    pub fn candidates(&self) -> Result<Vec<Params>, Error> {
        if self.distributions.is_empty() {
            return Err(search_err(
                "empty parameter distributions: nothing to search".into(),
            ));
        }
        if self.n_iter == 0 {
            return Err(search_err("n_iter must be at least 1".into()));
        }
        for (k, d) in &self.distributions {
            d.check(k)?;
        }
        let mut rng = Mt19937::new(self.seed);
        let lists: Option<Vec<(String, Vec<ParamValue>)>> = self
            .distributions
            .iter()
            .map(|(k, d)| match d {
                Distribution::Choice(v) => Some((k.clone(), v.clone())),
                _ => None,
            })
            .collect();
        if let Some(lists) = lists {
            let grid = ParamGrid::new().grid(lists);
            let idx = sample_without_replacement(grid.len(), self.n_iter.min(grid.len()), &mut rng);
            return Ok(idx.into_iter().filter_map(|i| grid.get(i)).collect());
        }
        Ok((0..self.n_iter)
            .map(|_| {
                self.distributions
                    .iter()
                    .map(|(k, d)| (k.clone(), d.sample(&mut rng)))
                    .collect()
            })
            .collect())
    }
}

/// scikit-learn's `sample_without_replacement(n_population, n_samples,
/// method='auto')`.
pub fn sample_without_replacement(
    n_population: usize,
    n_samples: usize,
    rng: &mut Mt19937,
) -> Vec<usize> {
    let ratio = if n_population == 0 {
        1.0
    } else {
        n_samples as f64 / n_population as f64
    };
    if ratio > 0.01 && ratio < 0.99 {
        let mut p = rng.permutation(n_population);
        p.truncate(n_samples);
        return p;
    }
    if ratio < 0.2 {
        let mut selected = HashSet::new();
        return (0..n_samples)
            .map(|_| {
                let mut j = rng.randint(n_population);
                while selected.contains(&j) {
                    j = rng.randint(n_population);
                }
                selected.insert(j);
                j
            })
            .collect();
    }
    let mut out: Vec<usize> = (0..n_samples).collect();
    for i in n_samples..n_population {
        let j = rng.randint(i + 1);
        if j < n_samples {
            out[j] = i;
        }
    }
    out
}

/// The error for a parameter a step does not have (scikit-learn's wording):
/// `step` is the step's type name, `valid` its parameter names.
pub fn unknown_param(step: &str, valid: &[&str], name: &str) -> Error {
    search_err(format!(
        "invalid parameter '{name}' for estimator {step}(): valid parameters are {valid:?}"
    ))
}

/// The error for a value of the wrong type or outside the domain.
pub fn invalid_value(step: &str, name: &str, value: &ParamValue, why: impl fmt::Display) -> Error {
    search_err(format!(
        "invalid value {value} for parameter '{name}' of {step}: {why}"
    ))
}

/// Reading a [`ParamValue`] as the type a setter takes (an error names the
/// step, the parameter and the value).
pub struct ValueOf<'a> {
    step: &'a str,
    name: &'a str,
    value: &'a ParamValue,
}

impl<'a> ValueOf<'a> {
    /// `value` given for `step`'s parameter `name`.
    pub fn new(step: &'a str, name: &'a str, value: &'a ParamValue) -> Self {
        ValueOf { step, name, value }
    }

    fn bad(&self, want: &str) -> Error {
        invalid_value(self.step, self.name, self.value, format!("expected {want}"))
    }

    /// A float (an integer is accepted, as Python does).
    pub fn f64(&self) -> Result<f64, Error> {
        match self.value {
            ParamValue::Float(v) => Ok(*v),
            ParamValue::Int(i) => Ok(*i as f64),
            _ => Err(self.bad("a float")),
        }
    }

    /// A float or `None`.
    pub fn opt_f64(&self) -> Result<Option<f64>, Error> {
        match self.value {
            ParamValue::None => Ok(None),
            _ => self.f64().map(Some),
        }
    }

    /// A non-negative integer.
    pub fn usize(&self) -> Result<usize, Error> {
        match self.value {
            ParamValue::Int(i) if *i >= 0 => Ok(*i as usize),
            _ => Err(self.bad("a non-negative integer")),
        }
    }

    /// A seed (`0..2**32`) or `None`.
    pub fn opt_u32(&self) -> Result<Option<u32>, Error> {
        match self.value {
            ParamValue::None => Ok(None),
            ParamValue::Int(i) => u32::try_from(*i)
                .map(Some)
                .map_err(|_| self.bad("an integer in [0, 2**32)")),
            _ => Err(self.bad("an integer or None")),
        }
    }

    /// A boolean.
    pub fn bool(&self) -> Result<bool, Error> {
        match self.value {
            ParamValue::Bool(b) => Ok(*b),
            _ => Err(self.bad("True or False")),
        }
    }

    /// A string, or `None`.
    pub fn opt_str(&self) -> Result<Option<&'a str>, Error> {
        match self.value {
            ParamValue::Str(s) => Ok(Some(s)),
            ParamValue::None => Ok(None),
            _ => Err(self.bad("a string or None")),
        }
    }

    /// A string.
    pub fn str(&self) -> Result<&'a str, Error> {
        match self.value {
            ParamValue::Str(s) => Ok(s),
            _ => Err(self.bad("a string")),
        }
    }

    /// A pair of non-negative integers.
    pub fn pair(&self) -> Result<(usize, usize), Error> {
        match self.value {
            ParamValue::Pair(a, b) if *a >= 0 && *b >= 0 => Ok((*a as usize, *b as usize)),
            _ => Err(self.bad("a pair of non-negative integers")),
        }
    }

    /// One of `choices` (by its `Display`), e.g. a loss name.
    pub fn one_of<T: Copy + fmt::Display>(&self, choices: &[T]) -> Result<T, Error> {
        let s = self.str()?;
        choices
            .iter()
            .find(|c| c.to_string() == s)
            .copied()
            .ok_or_else(|| {
                let names: Vec<String> = choices.iter().map(|c| format!("'{c}'")).collect();
                self.bad(&format!("one of {}", names.join(", ")))
            })
    }

    /// Wraps a build error of the step as an invalid value.
    pub fn rejected(&self, e: impl fmt::Display) -> Error {
        invalid_value(self.step, self.name, self.value, e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_reprs() {
        assert_eq!(ParamValue::Float(1e-5).to_string(), "1e-05");
        assert_eq!(ParamValue::Bool(true).to_string(), "True");
        let mut p = Params::new();
        p.insert("vect__ngram_range".into(), (1, 2).into());
        p.insert("sgd__loss".into(), "hinge".into());
        assert_eq!(
            params_repr(&p),
            "{'sgd__loss': 'hinge', 'vect__ngram_range': (1, 2)}"
        );
    }

    #[test]
    fn grid_order_is_parameter_grids() {
        // list(ParameterGrid({'b': [1, 2], 'a': ['x', 'y', 'z']}))[:3]
        let g = ParamGrid::new().grid([
            ("b", vec![1.into(), 2.into()]),
            ("a", vec!["x".into(), "y".into(), "z".into()]),
        ]);
        let c = g.candidates();
        assert_eq!(c.len(), 6);
        assert_eq!(params_repr(&c[0]), "{'a': 'x', 'b': 1}");
        assert_eq!(params_repr(&c[1]), "{'a': 'x', 'b': 2}");
        assert_eq!(params_repr(&c[2]), "{'a': 'y', 'b': 1}");
    }

    #[test]
    fn bad_splits_are_errors() {
        assert!(KFold::new(1).is_err());
        assert!(KFold::new(3).unwrap().split(2, &[0u8; 2]).is_err());
        let e = PartitionKFold::new(3)
            .unwrap()
            .split(2, &[0u8; 0])
            .unwrap_err();
        assert!(
            e.to_string().contains("fewer partitions (2) than folds"),
            "{e}"
        );
        assert!(ParamGrid::new().check().is_err());
        let empty = ParamGrid::new().grid([("a", Vec::<ParamValue>::new())]);
        assert!(empty.check().is_err());
    }

    #[test]
    fn partition_folds_interleave() {
        let s = PartitionKFold::new(3).unwrap().split(7, &[0u8; 0]).unwrap();
        assert_eq!(s[0], (vec![1, 2, 4, 5], vec![0, 3, 6]));
        assert_eq!(s[2], (vec![0, 1, 3, 4, 6], vec![2, 5]));
    }
}
