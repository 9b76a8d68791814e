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
