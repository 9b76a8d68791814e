//! Class labels as `classes_` arrays.

use crate::npy::{self, NpyArray, NpyData};
use std::fmt;

/// A label type that can be stored as scikit-learn's `classes_` array:
/// signed integers (numpy `int8`..`int64`) and strings (numpy `<U`, or an
/// object array of Python strings), plus [`Label`] for either.
pub trait SkopsLabel: Ord + Clone + fmt::Debug + Send + Sync + 'static {
    /// The `.npy` bytes of a `classes_` array (`Err` for a mix [`Label`]s
    /// cannot be one numpy array).
    fn to_npy(classes: &[Self]) -> Result<Vec<u8>, String>;
    /// The labels of a 1-D `classes_` array; `Err` says why they do not fit.
    fn from_npy(a: &NpyArray) -> Result<Vec<Self>, String>;
    /// The label as JSON (a number or a string), for line-oriented output.
    fn to_json(&self) -> serde_json::Value;
}

macro_rules! int_label {
    ($($t:ty),*) => {$(
        impl SkopsLabel for $t {
            fn to_npy(classes: &[Self]) -> Result<Vec<u8>, String> {
                let v: Vec<i64> = classes.iter().map(|&c| i64::from(c)).collect();
                Ok(npy::write_int(&[v.len()], &v, std::mem::size_of::<$t>()))
            }
            fn from_npy(a: &NpyArray) -> Result<Vec<Self>, String> {
                match &a.data {
                    NpyData::Int(v) => v
                        .iter()
                        .map(|&x| <$t>::try_from(x).map_err(|_| {
                            format!("class label {x} does not fit in {}", stringify!($t))
                        }))
                        .collect(),
                    _ => Err(format!(
                        "classes_ of dtype {} cannot be {} labels",
                        a.descr,
                        stringify!($t)
                    )),
                }
            }
            fn to_json(&self) -> serde_json::Value {
                serde_json::Value::from(*self)
            }
        }
    )*};
}
int_label!(i8, i16, i32, i64);

impl SkopsLabel for String {
    fn to_npy(classes: &[Self]) -> Result<Vec<u8>, String> {
        Ok(npy::write_str(classes))
    }
    fn from_npy(a: &NpyArray) -> Result<Vec<Self>, String> {
        match &a.data {
            NpyData::Str(v) => Ok(v.clone()),
            _ => Err(format!(
                "classes_ of dtype {} cannot be string labels",
                a.descr
            )),
        }
    }
    fn to_json(&self) -> serde_json::Value {
        serde_json::Value::from(self.as_str())
    }
}

/// A label of either kind, for models whose label type is known only when
/// the file is read (the `dklearn predict` command). One model's labels are
/// all of one kind, as a numpy array's are.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Label {
    /// An integer class.
    Int(i64),
    /// A string class.
    Str(String),
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Label::Int(i) => write!(f, "{i}"),
            Label::Str(s) => f.write_str(s),
        }
    }
}

impl SkopsLabel for Label {
    fn to_npy(classes: &[Self]) -> Result<Vec<u8>, String> {
        let ints: Option<Vec<i64>> = classes
            .iter()
            .map(|c| match c {
                Label::Int(i) => Some(*i),
                Label::Str(_) => None,
            })
            .collect();
        if let Some(v) = ints {
            return Ok(npy::write_int(&[v.len()], &v, 8));
        }
        let strs: Option<Vec<String>> = classes
            .iter()
            .map(|c| match c {
                Label::Str(s) => Some(s.clone()),
                Label::Int(_) => None,
            })
            .collect();
        strs.map(|v| npy::write_str(&v))
            .ok_or_else(|| "classes_ mixes integer and string labels".to_string())
    }
    fn from_npy(a: &NpyArray) -> Result<Vec<Self>, String> {
        match &a.data {
            NpyData::Int(v) => Ok(v.iter().map(|&i| Label::Int(i)).collect()),
            NpyData::Str(v) => Ok(v.iter().cloned().map(Label::Str).collect()),
            NpyData::F64(_) => Err(format!(
                "classes_ of dtype {} (floating-point labels) are not supported",
                a.descr
            )),
        }
    }
    fn to_json(&self) -> serde_json::Value {
        match self {
            Label::Int(i) => serde_json::Value::from(*i),
            Label::Str(s) => serde_json::Value::from(s.as_str()),
        }
    }
}
