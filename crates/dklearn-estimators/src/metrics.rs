//! Classification metrics, as `sklearn.metrics`.

use crate::error::{Error, ErrorKind};

/// Fraction of positions where `y_true` and `y_pred` agree.
pub fn accuracy_score<L: PartialEq>(y_true: &[L], y_pred: &[L]) -> Result<f64, Error> {
    if y_true.len() != y_pred.len() {
        return Err(Error::new(ErrorKind::LengthMismatch {
            n_samples: y_true.len(),
            n_labels: y_pred.len(),
        }));
    }
    if y_true.is_empty() {
        return Err(Error::new(ErrorKind::EmptyInput("accuracy_score")));
    }
    let hits = y_true.iter().zip(y_pred).filter(|(a, b)| a == b).count();
    Ok(hits as f64 / y_true.len() as f64)
}

use crate::labels::unique_labels;
use ndarray::Array2;

/// How per-class scores are combined (scikit-learn's `average`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Averaging<L> {
    /// `average='binary'`: the score of `pos_label` only; the labels must be
    /// at most two.
    Binary {
        /// The positive class (`pos_label`).
        pos_label: L,
    },
    /// `average='macro'`: unweighted mean over the labels of `y_true ∪ y_pred`.
    Macro,
    /// `average='micro'`: from the total true/false positives and negatives.
    Micro,
    /// `average='weighted'`: mean weighted by each label's support in `y_true`.
    Weighted,
}

fn check_pair<L>(y_true: &[L], y_pred: &[L], what: &'static str) -> Result<(), Error> {
    if y_true.len() != y_pred.len() {
        return Err(Error::new(ErrorKind::LengthMismatch {
            n_samples: y_true.len(),
            n_labels: y_pred.len(),
        }));
    }
    if y_true.is_empty() {
        return Err(Error::new(ErrorKind::EmptyInput(what)));
    }
    Ok(())
}

/// The confusion matrix `C[i][j]` = samples of true label `labels[i]`
/// predicted as `labels[j]`, with `labels` the sorted union of both
/// (or the given `labels`, whose order is kept; samples with other labels are ignored).
pub fn confusion_matrix<L: Ord + Clone>(
    y_true: &[L],
    y_pred: &[L],
    labels: Option<&[L]>,
) -> Result<(Vec<L>, Array2<u64>), Error> {
    check_pair(y_true, y_pred, "confusion_matrix")?;
    let labels: Vec<L> = match labels {
        Some([]) => {
            return Err(Error::new(ErrorKind::EmptyInput(
                "confusion_matrix: 'labels' should contain at least one label",
            )))
        }
        Some(l) => l.to_vec(),
        None => {
            let mut all = y_true.to_vec();
            all.extend_from_slice(y_pred);
            unique_labels(&all)
        }
    };
    let mut order: Vec<(L, usize)> = labels.iter().cloned().zip(0..).collect();
    order.sort();
    let find = |l: &L| {
        order
            .binary_search_by(|(k, _)| k.cmp(l))
            .ok()
            .map(|i| order[i].1)
    };
    let mut cm = Array2::zeros((labels.len(), labels.len()));
    for (t, p) in y_true.iter().zip(y_pred) {
        if let (Some(i), Some(j)) = (find(t), find(p)) {
            cm[[i, j]] += 1;
        }
    }
    Ok((labels, cm))
}

/// Per-label true positives, predicted counts and true counts, over the
/// sorted labels of `y_true ∪ y_pred`.
struct Counts<L> {
    labels: Vec<L>,
    tp: Vec<f64>,
    pred: Vec<f64>,
    truth: Vec<f64>,
}

fn counts<L: Ord + Clone>(
    y_true: &[L],
    y_pred: &[L],
    what: &'static str,
) -> Result<Counts<L>, Error> {
    let (labels, cm) = confusion_matrix(y_true, y_pred, None).map_err(|e| match e.kind() {
        ErrorKind::EmptyInput(_) => Error::new(ErrorKind::EmptyInput(what)),
        _ => e,
    })?;
    let n = labels.len();
    let tp = (0..n).map(|i| cm[[i, i]] as f64).collect();
    let pred = (0..n).map(|j| cm.column(j).sum() as f64).collect();
    let truth = (0..n).map(|i| cm.row(i).sum() as f64).collect();
    Ok(Counts {
        labels,
        tp,
        pred,
        truth,
    })
}

/// `num / den`, or 0 when `den` is 0 (scikit-learn's `zero_division="warn"`
/// value, without the warning).
fn ratio(num: f64, den: f64) -> f64 {
    if den == 0.0 {
        0.0
    } else {
        num / den
    }
}

#[derive(Clone, Copy)]
enum Which {
    Precision,
    Recall,
    F1,
}

fn score_one(w: Which, tp: f64, pred: f64, truth: f64) -> f64 {
    match w {
        Which::Precision => ratio(tp, pred),
        Which::Recall => ratio(tp, truth),
        Which::F1 => ratio(2.0 * tp, pred + truth),
    }
}

fn averaged<L: Ord + Clone>(
    w: Which,
    y_true: &[L],
    y_pred: &[L],
    average: &Averaging<L>,
    what: &'static str,
) -> Result<f64, Error> {
    check_pair(y_true, y_pred, what)?;
    let c = counts(y_true, y_pred, what)?;
    match average {
        Averaging::Binary { pos_label } => {
            if c.labels.len() > 2 {
                return Err(Error::invalid_parameter(
                    "average",
                    format!(
                        "{what}: the target is multiclass ({} labels) but average='binary'; \
                         choose Macro, Micro or Weighted",
                        c.labels.len()
                    ),
                ));
            }
            match c.labels.iter().position(|l| l == pos_label) {
                Some(k) => Ok(score_one(w, c.tp[k], c.pred[k], c.truth[k])),
                None if c.labels.len() < 2 => Ok(0.0),
                None => Err(Error::new(ErrorKind::UnknownLabel(format!(
                    "{what}: pos_label is not a valid label"
                )))),
            }
        }
        Averaging::Micro => {
            let tp: f64 = c.tp.iter().sum();
            let pred: f64 = c.pred.iter().sum();
            let truth: f64 = c.truth.iter().sum();
            Ok(score_one(w, tp, pred, truth))
        }
        Averaging::Macro => {
            let n = c.labels.len() as f64;
            let s: f64 = (0..c.labels.len())
                .map(|k| score_one(w, c.tp[k], c.pred[k], c.truth[k]))
                .sum();
            Ok(s / n)
        }
        Averaging::Weighted => {
            let total: f64 = c.truth.iter().sum();
            let s: f64 = (0..c.labels.len())
                .map(|k| score_one(w, c.tp[k], c.pred[k], c.truth[k]) * c.truth[k])
                .sum();
            Ok(ratio(s, total))
        }
    }
}

/// Precision `tp / (tp + fp)`, averaged as asked (0 where nothing is predicted).
pub fn precision_score<L: Ord + Clone>(
    y_true: &[L],
    y_pred: &[L],
    average: &Averaging<L>,
) -> Result<f64, Error> {
    averaged(Which::Precision, y_true, y_pred, average, "precision_score")
}

/// Recall `tp / (tp + fn)`, averaged as asked (0 for a label absent from `y_true`).
pub fn recall_score<L: Ord + Clone>(
    y_true: &[L],
    y_pred: &[L],
    average: &Averaging<L>,
) -> Result<f64, Error> {
    averaged(Which::Recall, y_true, y_pred, average, "recall_score")
}

/// F1 `2 tp / (2 tp + fp + fn)`, averaged as asked.
///
/// ```
/// use dklearn_estimators::metrics::{f1_score, Averaging};
/// let f1 = f1_score(&[0, 1, 1, 0], &[0, 1, 0, 0], &Averaging::Binary { pos_label: 1 })?;
/// assert!((f1 - 2.0 / 3.0).abs() < 1e-15);
/// # Ok::<(), dklearn_estimators::Error>(())
/// ```
pub fn f1_score<L: Ord + Clone>(
    y_true: &[L],
    y_pred: &[L],
    average: &Averaging<L>,
) -> Result<f64, Error> {
    averaged(Which::F1, y_true, y_pred, average, "f1_score")
}

/// Area under the ROC curve of binary `y_true` (the greater label positive,
/// as scikit-learn) from `scores`, computed as scikit-learn 1.9.1's
/// `roc_auc_score` does, to the bit: the points of `roc_curve` (one per
/// distinct score, collinear ones dropped as `drop_intermediate=True`),
/// rates divided by the totals, then the trapezoids summed in numpy's
/// pairwise order. Tied scores count one half.
///
/// Errors for one class only; scikit-learn returns NaN there with a
/// warning, which [`roc_auc_score_or_nan`] does.
pub fn roc_auc_score<L: Ord + Clone>(y_true: &[L], scores: &[f64]) -> Result<f64, Error> {
    let auc = roc_auc_score_or_nan(y_true, scores)?;
    if auc.is_nan() {
        return Err(Error::new(ErrorKind::SingleClass(format!(
            "roc_auc_score: only one class present in y_true ({} distinct labels; ROC AUC \
             needs exactly two)",
            unique_labels(y_true).len()
        ))));
    }
    Ok(auc)
}

/// [`roc_auc_score`], but NaN when `y_true` holds one class, as scikit-learn's
/// (its `roc_auc` scorer gives a fold with one class NaN). More than two
/// labels is an error: see [`roc_auc_score_multiclass`].
pub fn roc_auc_score_or_nan<L: Ord + Clone>(y_true: &[L], scores: &[f64]) -> Result<f64, Error> {
    check_auc_input(y_true.len(), scores.len(), scores)?;
    let classes = unique_labels(y_true);
    match classes.len() {
        1 => return Ok(f64::NAN),
        2 => {}
        k => {
            return Err(Error::new(ErrorKind::Classes(format!(
                "roc_auc_score: y_true holds {k} classes; this is the binary ROC AUC \
                 (roc_auc_score_multiclass takes multi_class='ovr'/'ovo')"
            ))))
        }
    }
    let pos = &classes[1];
    // Sorted by decreasing score (a stable sort, as scikit-learn's; the order
    // within ties does not change the counts taken at their ends).
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    // True and false positives at the last index of each distinct score
    // (`_binary_clf_curve`): counts, exact in f64.
    let (mut tps, mut fps) = (Vec::new(), Vec::new());
    let mut tp = 0.0f64;
    for (i, &j) in idx.iter().enumerate() {
        if &y_true[j] == pos {
            tp += 1.0;
        }
        let last = i + 1 == idx.len() || scores[idx[i + 1]] != scores[j];
        if last {
            tps.push(tp);
            fps.push(1.0 + i as f64 - tp);
        }
    }
    // drop_intermediate: keep the ends and the points where either curve's
    // second difference is non-zero.
    let n = tps.len();
    let keep = |i: usize| {
        i == 0
            || i + 1 == n
            || (fps[i + 1] - fps[i]) - (fps[i] - fps[i - 1]) != 0.0
            || (tps[i + 1] - tps[i]) - (tps[i] - tps[i - 1]) != 0.0
    };
    let kept: Vec<usize> = if n > 2 {
        (0..n).filter(|&i| keep(i)).collect()
    } else {
        (0..n).collect()
    };
    let (tp_all, fp_all) = (tps[n - 1], fps[n - 1]);
    let mut fpr = Vec::with_capacity(kept.len() + 1);
    let mut tpr = Vec::with_capacity(kept.len() + 1);
    fpr.push(0.0 / fp_all);
    tpr.push(0.0 / tp_all);
    for &i in &kept {
        fpr.push(fps[i] / fp_all);
        tpr.push(tps[i] / tp_all);
    }
    // `auc`: scipy's trapezoid, `sum(d * (y[1:] + y[:-1]) / 2.0)`.
    let terms: Vec<f64> = (1..fpr.len())
        .map(|i| (fpr[i] - fpr[i - 1]) * (tpr[i] + tpr[i - 1]) / 2.0)
        .collect();
    Ok(crate::pairwise_sum(&terms))
}

/// How a ROC AUC over more than two classes is built from binary ones
/// (scikit-learn's `multi_class`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MultiClass {
    /// One class against the rest, per class (`'ovr'`).
    Ovr,
    /// Every pair of classes, each in turn positive (`'ovo'`, Hand & Till).
    Ovo,
}

/// `roc_auc_score(y_true, y_proba, multi_class=..., average=...)` as
/// scikit-learn 1.9.1 computes it, to the bit: `y_proba` is
/// `n_samples × n_classes` probabilities (columns in the order of the sorted
/// labels of `y_true`, rows summing to 1 as `np.allclose` judges), and
/// every class must occur in `y_true`.
///
/// - `Ovr`: the binary AUC of each class against the rest, averaged
///   `Macro` (mean), `Weighted` (by each class's count) or `Micro` (one
///   AUC over every (sample, class) entry);
/// - `Ovo`: for each pair of classes `a < b`, the mean of the AUC of `a`
///   against `b` on column `a` and of `b` against `a` on column `b`, over
///   the samples of the two; averaged `Macro` or `Weighted` (by each pair's
///   share of the samples).
///
/// Two classes give the binary AUC of the second column, as scikit-learn's
/// scorers do (they pass `predict_proba[:, 1]`).
///
/// ```
/// use dklearn_estimators::metrics::{roc_auc_score_multiclass, Averaging, MultiClass};
/// let y = [0, 1, 2, 2];
/// let p = ndarray::array![[0.8, 0.1, 0.1], [0.2, 0.6, 0.2], [0.1, 0.2, 0.7], [0.3, 0.3, 0.4]];
/// let auc = roc_auc_score_multiclass(&y, &p, MultiClass::Ovr, &Averaging::Macro)?;
/// assert_eq!(auc, 1.0);
/// # Ok::<(), dklearn_estimators::Error>(())
/// ```
pub fn roc_auc_score_multiclass<L: Ord + Clone>(
    y_true: &[L],
    y_proba: &Array2<f64>,
    multi_class: MultiClass,
    average: &Averaging<L>,
) -> Result<f64, Error> {
    let name = match multi_class {
        MultiClass::Ovr => "roc_auc_score(multi_class='ovr')",
        MultiClass::Ovo => "roc_auc_score(multi_class='ovo')",
    };
    let fail = |msg: String| Error::new(ErrorKind::Classes(format!("{name}: {msg}")));
    check_auc_input(y_true.len(), y_proba.nrows(), y_proba.iter())?;
    let (weighted, micro) = match (average, multi_class) {
        (Averaging::Macro, _) => (false, false),
        (Averaging::Weighted, _) => (true, false),
        (Averaging::Micro, MultiClass::Ovr) => (false, true),
        _ => {
            return Err(fail(
                "average must be 'macro' or 'weighted' (or 'micro' with 'ovr')".into(),
            ))
        }
    };
    let classes = unique_labels(y_true);
    if classes.len() != y_proba.ncols() {
        return Err(fail(format!(
            "the labels hold {} classes but the scores have {} columns (scikit-learn: \
             \"Number of classes in y_true not equal to the number of columns in 'y_score'\")",
            classes.len(),
            y_proba.ncols()
        )));
    }
    if classes.len() == 2 {
        return roc_auc_score_or_nan(y_true, &y_proba.column(1).to_vec());
    }
    check_rows_sum_to_one(y_proba).map_err(fail)?;
    if micro {
        return micro_ovr(y_true, y_proba, &classes);
    }
    let code: Vec<usize> = y_true
        .iter()
        .map(|l| classes.binary_search(l).unwrap_or(0))
        .collect();
    let k = classes.len();
    let (scores, weights) = match multi_class {
        MultiClass::Ovr => {
            let mut scores = Vec::with_capacity(k);
            let mut counts = Vec::with_capacity(k);
            for c in 0..k {
                let is_c: Vec<bool> = code.iter().map(|&i| i == c).collect();
                counts.push(is_c.iter().filter(|&&b| b).count() as f64);
                scores.push(roc_auc_score_or_nan(&is_c, &y_proba.column(c).to_vec())?);
            }
            (scores, counts)
        }
        MultiClass::Ovo => {
            let n = code.len() as f64;
            let mut scores = Vec::with_capacity(k * (k - 1) / 2);
            let mut prevalence = Vec::with_capacity(k * (k - 1) / 2);
            for a in 0..k {
                for b in a + 1..k {
                    let rows: Vec<usize> = (0..code.len())
                        .filter(|&i| code[i] == a || code[i] == b)
                        .collect();
                    prevalence.push(rows.len() as f64 / n);
                    let is_a: Vec<bool> = rows.iter().map(|&i| code[i] == a).collect();
                    let is_b: Vec<bool> = rows.iter().map(|&i| code[i] == b).collect();
                    let col = |c: usize| rows.iter().map(|&i| y_proba[[i, c]]).collect::<Vec<_>>();
                    let a_score = roc_auc_score_or_nan(&is_a, &col(a))?;
                    let b_score = roc_auc_score_or_nan(&is_b, &col(b))?;
                    scores.push((a_score + b_score) / 2.0);
                }
            }
            (scores, prevalence)
        }
    };
    // np.average: the mean, or the weighted sum over the sum of weights.
    Ok(if weighted {
        let products: Vec<f64> = scores.iter().zip(&weights).map(|(s, w)| s * w).collect();
        crate::pairwise_sum(&products) / crate::pairwise_sum(&weights)
    } else {
        crate::pairwise_sum(&scores) / scores.len() as f64
    })
}

/// The checks every ROC AUC makes first: as many labels as scored rows,
/// at least one, every score finite.
fn check_auc_input<'a>(
    n_labels: usize,
    n_samples: usize,
    scores: impl IntoIterator<Item = &'a f64>,
) -> Result<(), Error> {
    if n_labels != n_samples {
        return Err(Error::new(ErrorKind::LengthMismatch {
            n_samples,
            n_labels,
        }));
    }
    if n_labels == 0 {
        return Err(Error::new(ErrorKind::EmptyInput("roc_auc_score")));
    }
    if scores.into_iter().any(|s| !s.is_finite()) {
        return Err(Error::new(ErrorKind::NonFinite("roc_auc_score")));
    }
    Ok(())
}

/// `average='micro'` with `'ovr'`: one binary AUC over the raveled
/// (row-major) indicator matrix and scores.
fn micro_ovr<L: Ord + Clone>(
    y_true: &[L],
    y_proba: &Array2<f64>,
    classes: &[L],
) -> Result<f64, Error> {
    let mut truth = Vec::with_capacity(y_proba.len());
    for l in y_true {
        truth.extend(classes.iter().map(|c| c == l));
    }
    let scores: Vec<f64> = y_proba.iter().copied().collect();
    roc_auc_score_or_nan(&truth, &scores)
}

/// scikit-learn's check that multiclass scores are probabilities:
/// `np.allclose(1, y_score.sum(axis=1))`.
fn check_rows_sum_to_one(p: &Array2<f64>) -> Result<(), String> {
    for (i, row) in p.rows().into_iter().enumerate() {
        let s = crate::pairwise_sum(&row.to_vec());
        if (1.0 - s).abs() > 1e-8 + 1e-5 * s.abs() {
            return Err(format!(
                "the scores of row {i} sum to {s}, not 1: multiclass ROC AUC needs \
                 probabilities (predict_proba)"
            ));
        }
    }
    Ok(())
}

/// Mean cross-entropy of `y_true` under `y_proba` (`n_samples × n_classes`,
/// columns in the order of the sorted `labels`, or of the sorted labels of
/// `y_true`); probabilities are clipped to `[eps, 1 - eps]` with
/// `eps = f64::EPSILON` and the per-sample losses averaged in numpy's
/// pairwise order, as scikit-learn 1.9.1 does (to the bit). Values outside
/// `[0, 1]` are an error.
pub fn log_loss<L: Ord + Clone>(
    y_true: &[L],
    y_proba: &Array2<f64>,
    labels: Option<&[L]>,
) -> Result<f64, Error> {
    if y_true.len() != y_proba.nrows() {
        return Err(Error::new(ErrorKind::LengthMismatch {
            n_samples: y_proba.nrows(),
            n_labels: y_true.len(),
        }));
    }
    if y_true.is_empty() {
        return Err(Error::new(ErrorKind::EmptyInput("log_loss")));
    }
    if y_proba.iter().any(|p| !(0.0..=1.0).contains(p)) {
        return Err(Error::invalid_parameter(
            "y_proba",
            "log_loss: probabilities must lie in [0, 1]",
        ));
    }
    let classes = unique_labels(labels.unwrap_or(y_true));
    if classes.len() < 2 {
        return Err(Error::new(ErrorKind::SingleClass(
            "log_loss: y_true contains only one label; pass the labels explicitly".into(),
        )));
    }
    if classes.len() != y_proba.ncols() {
        return Err(Error::new(ErrorKind::Classes(format!(
            "log_loss: y_true and y_proba contain different numbers of classes: {} vs {}",
            classes.len(),
            y_proba.ncols()
        ))));
    }
    let eps = f64::EPSILON;
    let mut losses = Vec::with_capacity(y_true.len());
    for (i, l) in y_true.iter().enumerate() {
        let k = classes.binary_search(l).map_err(|_| {
            Error::new(ErrorKind::UnknownLabel(format!(
                "log_loss: the label of sample {i} is not among labels"
            )))
        })?;
        losses.push(-y_proba[[i, k]].clamp(eps, 1.0 - eps).ln());
    }
    // np.average: numpy's pairwise sum, then the division.
    Ok(crate::pairwise_sum(&losses) / y_true.len() as f64)
}

/// [`log_loss`] of a binary problem from the probabilities of the greater
/// label (scikit-learn's 1-d `y_proba`).
pub fn log_loss_binary<L: Ord + Clone>(y_true: &[L], proba_pos: &[f64]) -> Result<f64, Error> {
    let p = Array2::from_shape_fn((proba_pos.len(), 2), |(i, j)| {
        if j == 1 {
            proba_pos[i]
        } else {
            1.0 - proba_pos[i]
        }
    });
    log_loss(y_true, &p, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confusion_matrix_counts() {
        let (labels, cm) =
            confusion_matrix(&[2, 0, 2, 2, 0, 1], &[0, 0, 2, 2, 0, 2], None).unwrap();
        assert_eq!(labels, vec![0, 1, 2]);
        assert_eq!(cm, ndarray::array![[2, 0, 0], [0, 0, 1], [1, 0, 2]]);
    }

    #[test]
    fn auc_counts_ties_as_half() {
        assert_eq!(roc_auc_score(&[0, 1], &[0.5, 0.5]).unwrap(), 0.5);
        assert_eq!(
            roc_auc_score(&[0, 0, 1, 1], &[0.1, 0.4, 0.35, 0.8]).unwrap(),
            0.75
        );
        assert!(roc_auc_score(&[1, 1], &[0.1, 0.2]).is_err());
    }

    #[test]
    fn bad_inputs() {
        assert!(precision_score::<i32>(&[], &[], &Averaging::Macro).is_err());
        assert!(f1_score(&[0, 1, 2], &[0, 1, 2], &Averaging::Binary { pos_label: 1 }).is_err());
        assert!(log_loss_binary(&[0, 1], &[0.5, 1.5]).is_err());
    }
}
