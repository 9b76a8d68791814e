//! Label encoding shared by every classifier of the crate, as scikit-learn does it.
//!
//! - `classes_` is the sorted set of distinct labels ([`unique_labels`]).
//! - Two classes: the binary problem is `classes_[1]` = `+1`, `classes_[0]` = `-1`
//!   (one weight vector, a positive decision means `classes_[1]`).
//! - More than two: one-vs-rest, one ±1 problem per class in `classes_` order.
//!
//! [`LabelEncoder`] keeps these invariants: its classes are sorted, distinct and
//! never empty, and every encoded index is `< n_classes()`.

use crate::error::{Error, ErrorKind};

/// The sorted distinct labels of `y` (scikit-learn's `unique_labels` / `np.unique`).
pub fn unique_labels<L: Ord + Clone>(y: &[L]) -> Vec<L> {
    let mut v: Vec<L> = y.to_vec();
    v.sort();
    v.dedup();
    v
}

/// Maps labels to their index in the sorted `classes_`, and back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelEncoder<L> {
    classes: Vec<L>,
}

impl<L: Ord + Clone> LabelEncoder<L> {
    /// The encoder of the classes found in `y` (for `fit`): errors on an empty `y`,
    /// and on a single class, as scikit-learn ("The number of classes has to be
    /// greater than one").
    pub fn fit(y: &[L], what: &'static str) -> Result<Self, Error> {
        if y.is_empty() {
            return Err(Error::new(ErrorKind::EmptyInput(what)));
        }
        let classes = unique_labels(y);
        if classes.len() < 2 {
            return Err(Error::new(ErrorKind::SingleClass(format!(
                "{what}: the number of classes has to be greater than one; got 1 class"
            ))));
        }
        Ok(LabelEncoder { classes })
    }

    /// The encoder of classes given up front (`partial_fit`'s `classes`),
    /// sorted and deduplicated. Errors when fewer than two distinct classes are given.
    pub fn from_classes(classes: &[L], what: &'static str) -> Result<Self, Error> {
        let classes = unique_labels(classes);
        if classes.len() < 2 {
            return Err(Error::new(ErrorKind::SingleClass(format!(
                "{what}: the number of classes has to be greater than one; got {} class{}",
                classes.len(),
                if classes.len() == 1 { "" } else { "es" }
            ))));
        }
        Ok(LabelEncoder { classes })
    }

    /// Resolves the classes of one `partial_fit` call, as scikit-learn's
    /// `_check_partial_fit_first_call`: on the first call (`current` is `None`)
    /// `classes` is used when given, else the classes of `y` (which must hold at
    /// least two); on later calls `classes`, when given, must equal the fitted
    /// ones. Every label of `y` must be among the result.
    pub fn for_partial_fit(
        current: Option<&LabelEncoder<L>>,
        y: &[L],
        classes: Option<&[L]>,
        what: &'static str,
    ) -> Result<Self, Error> {
        let enc = match (current, classes) {
            (None, Some(c)) => Self::from_classes(c, what)?,
            (None, None) => {
                if y.is_empty() {
                    return Err(Error::new(ErrorKind::EmptyInput(what)));
                }
                let found = unique_labels(y);
                if found.len() < 2 {
                    return Err(Error::new(ErrorKind::Classes(format!(
                        "{what}: classes must be passed on the first call to partial_fit \
                         (y holds a single class)"
                    ))));
                }
                LabelEncoder { classes: found }
            }
            (Some(cur), Some(c)) => {
                if unique_labels(c) != cur.classes {
                    return Err(Error::new(ErrorKind::Classes(format!(
                        "{what}: `classes` is not the same as on the previous call to partial_fit"
                    ))));
                }
                cur.clone()
            }
            (Some(cur), None) => cur.clone(),
        };
        enc.check_known(y, what)?;
        Ok(enc)
    }

    /// The sorted classes (`classes_`).
    pub fn classes(&self) -> &[L] {
        &self.classes
    }

    /// Number of classes (at least 2).
    pub fn n_classes(&self) -> usize {
        self.classes.len()
    }

    /// Number of weight vectors a linear model needs: 1 for two classes, else one per class.
    pub fn n_models(&self) -> usize {
        if self.classes.len() == 2 {
            1
        } else {
            self.classes.len()
        }
    }

    /// The index of `label` in `classes_`, if it is one.
    pub fn index_of(&self, label: &L) -> Option<usize> {
        self.classes.binary_search(label).ok()
    }

    fn check_known(&self, y: &[L], what: &'static str) -> Result<(), Error> {
        match y.iter().position(|l| self.index_of(l).is_none()) {
            None => Ok(()),
            Some(i) => Err(Error::new(ErrorKind::UnknownLabel(format!(
                "{what}: the label of sample {i} is not among classes (the classes must include \
                 every label that can be in y)"
            )))),
        }
    }

    /// The index in `classes_` of every label of `y`; errors on a label not among them.
    pub fn transform(&self, y: &[L], what: &'static str) -> Result<Vec<usize>, Error> {
        y.iter()
            .enumerate()
            .map(|(i, l)| {
                self.index_of(l).ok_or_else(|| {
                    Error::new(ErrorKind::UnknownLabel(format!(
                        "{what}: the label of sample {i} is not among classes"
                    )))
                })
            })
            .collect()
    }

    /// The labels of encoded indices (each must be `< n_classes()`).
    pub fn inverse_transform(&self, idx: &[usize]) -> Vec<L> {
        idx.iter().map(|&i| self.classes[i].clone()).collect()
    }

    /// The ±1 targets of weight vector `model` (`0..n_models()`), from encoded
    /// labels: for two classes `+1` where the label is `classes_[1]`; for more,
    /// `+1` where the label is `classes_[model]` (one-vs-rest).
    pub fn signed_targets(&self, encoded: &[usize], model: usize) -> Vec<f64> {
        let pos = if self.classes.len() == 2 { 1 } else { model };
        encoded
            .iter()
            .map(|&c| if c == pos { 1.0 } else { -1.0 })
            .collect()
    }

    /// The predicted class index of one sample from its decision values: for a
    /// single value `classes_[1]` when it is `> 0`, else the first argmax (ties go
    /// to the lowest class index, as `np.argmax`).
    pub fn decide(&self, scores: &[f64]) -> usize {
        if scores.len() == 1 {
            return usize::from(scores[0] > 0.0);
        }
        let mut best = 0;
        for (k, &s) in scores.iter().enumerate().skip(1) {
            if s > scores[best] {
                best = k;
            }
        }
        best
    }
}

impl<L: dklearn_codec::Encode> dklearn_codec::Encode for LabelEncoder<L> {
    dklearn_codec::encode_fields!(
        format!("dklearn_estimators::LabelEncoder<{}>", L::type_tag());
        classes
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_sorted_and_binary_positive_is_second() {
        let enc = LabelEncoder::fit(&["spam", "ham", "spam"], "t").unwrap();
        assert_eq!(enc.classes(), &["ham", "spam"]);
        assert_eq!(enc.n_models(), 1);
        let e = enc.transform(&["spam", "ham"], "t").unwrap();
        assert_eq!(enc.signed_targets(&e, 0), vec![1.0, -1.0]);
        assert_eq!(enc.decide(&[0.5]), 1);
        assert_eq!(enc.decide(&[0.0]), 0);
    }

    #[test]
    fn ovr_targets_and_argmax() {
        let enc = LabelEncoder::fit(&[3, 1, 2, 1], "t").unwrap();
        assert_eq!(enc.n_models(), 3);
        let e = enc.transform(&[3, 1, 2], "t").unwrap();
        assert_eq!(e, vec![2, 0, 1]);
        assert_eq!(enc.signed_targets(&e, 1), vec![-1.0, -1.0, 1.0]);
        assert_eq!(enc.decide(&[0.1, 0.3, 0.3]), 1);
        assert_eq!(enc.inverse_transform(&[2, 0]), vec![3, 1]);
    }

    #[test]
    fn errors() {
        assert!(matches!(
            LabelEncoder::fit(&[1, 1], "t").unwrap_err().kind(),
            ErrorKind::SingleClass(_)
        ));
        assert!(matches!(
            LabelEncoder::<i32>::fit(&[], "t").unwrap_err().kind(),
            ErrorKind::EmptyInput(_)
        ));
        assert!(matches!(
            LabelEncoder::for_partial_fit(None, &[1, 1], None, "t")
                .unwrap_err()
                .kind(),
            ErrorKind::Classes(_)
        ));
        let enc = LabelEncoder::for_partial_fit(None, &[1, 1], Some(&[0, 1]), "t").unwrap();
        assert!(matches!(
            LabelEncoder::for_partial_fit(Some(&enc), &[1], Some(&[0, 2]), "t")
                .unwrap_err()
                .kind(),
            ErrorKind::Classes(_)
        ));
        assert!(matches!(
            LabelEncoder::for_partial_fit(Some(&enc), &[5], None, "t")
                .unwrap_err()
                .kind(),
            ErrorKind::UnknownLabel(_)
        ));
        assert!(LabelEncoder::for_partial_fit(Some(&enc), &[0], Some(&[1, 0]), "t").is_ok());
    }
}
