//! Typed reading of an object's attribute dict, with every key accounted for.

use crate::error::Error;
use crate::npy::{NpyArray, NpyData};
use crate::schema::{child, show, Node};
use ndarray::Array2;
use serde_json::Value;

/// The attributes of one object being read: each is taken at most once, and
/// [`finish`](Attrs::finish) refuses any left over (an attribute dklearn
/// does not know is never silently dropped).
pub(crate) struct Attrs {
    pub(crate) owner: &'static str,
    pub(crate) at: String,
    items: Vec<(String, Node)>,
    used: Vec<bool>,
}

impl Attrs {
    pub(crate) fn new(owner: &'static str, at: &str, items: Vec<(String, Node)>) -> Self {
        let used = vec![false; items.len()];
        Attrs {
            owner,
            at: at.to_string(),
            items,
            used,
        }
    }

    pub(crate) fn loc(&self, key: &str) -> String {
        child(&self.at, key)
    }

    pub(crate) fn has(&self, key: &str) -> bool {
        self.items.iter().any(|(k, _)| k == key)
    }

    /// The attribute, if present (marked as used).
    pub(crate) fn get(&mut self, key: &str) -> Option<&Node> {
        let i = self.items.iter().position(|(k, _)| k == key)?;
        self.used[i] = true;
        Some(&self.items[i].1)
    }

    /// A required attribute.
    pub(crate) fn node(&mut self, key: &str) -> Result<&Node, Error> {
        let (owner, loc) = (self.owner, self.loc(key));
        self.get(key)
            .ok_or_else(|| Error::format(format!("{loc}: the {owner} has no attribute {key}")))
    }

    /// A required JSON-valued attribute.
    pub(crate) fn json(&mut self, key: &str) -> Result<Value, Error> {
        let loc = self.loc(key);
        match self.node(key)? {
            Node::Json(v) => Ok(v.clone()),
            other => Err(Error::format(format!(
                "{loc}: expected a plain value, found {}",
                other.describe()
            ))),
        }
    }

    fn bad(&self, key: &str, what: &str, v: &Value) -> Error {
        Error::format(format!("{}: expected {what}, found {v}", self.loc(key)))
    }

    pub(crate) fn f64(&mut self, key: &str) -> Result<f64, Error> {
        let v = self.json(key)?;
        v.as_f64().ok_or_else(|| self.bad(key, "a number", &v))
    }

    pub(crate) fn opt_f64(&mut self, key: &str) -> Result<Option<f64>, Error> {
        let v = self.json(key)?;
        if v.is_null() {
            return Ok(None);
        }
        v.as_f64()
            .map(Some)
            .ok_or_else(|| self.bad(key, "a number or None", &v))
    }

    pub(crate) fn bool(&mut self, key: &str) -> Result<bool, Error> {
        let v = self.json(key)?;
        v.as_bool()
            .ok_or_else(|| self.bad(key, "True or False", &v))
    }

    pub(crate) fn uint(&mut self, key: &str) -> Result<u64, Error> {
        let v = self.json(key)?;
        v.as_u64()
            .ok_or_else(|| self.bad(key, "a non-negative integer", &v))
    }

    pub(crate) fn usize(&mut self, key: &str) -> Result<usize, Error> {
        let n = self.uint(key)?;
        usize::try_from(n)
            .map_err(|_| Error::format(format!("{}: {n} is too large", self.loc(key))))
    }

    pub(crate) fn string(&mut self, key: &str) -> Result<String, Error> {
        let v = self.json(key)?;
        v.as_str()
            .map(str::to_string)
            .ok_or_else(|| self.bad(key, "a string", &v))
    }

    /// Marks attributes that do not change what dklearn computes (`verbose`,
    /// `n_jobs`, `_sklearn_version`, ...) as read, whatever their value, when present.
    pub(crate) fn ignore(&mut self, keys: &[&str]) {
        for k in keys {
            let _ = self.get(k);
        }
    }

    /// A parameter dklearn implements only at `expected` (scikit-learn's
    /// default); any other value is an [`Unsupported`](crate::ErrorKind::Unsupported)
    /// error naming it.
    pub(crate) fn expect(&mut self, key: &str, expected: Value, why: &str) -> Result<(), Error> {
        let (loc, owner) = (self.loc(key), self.owner);
        let node = self.node(key)?;
        match node {
            Node::Json(v) if *v == expected => Ok(()),
            other => Err(Error::unsupported(
                key,
                format!(
                    "{loc} of the {owner} is {}; dklearn supports only {expected} ({why})",
                    other.describe()
                ),
            )),
        }
    }

    /// A required array attribute and its node `__id__`.
    pub(crate) fn array(&mut self, key: &str) -> Result<(NpyArray, i64), Error> {
        let loc = self.loc(key);
        match self.node(key)? {
            Node::Array { array, id } => Ok((array.clone(), *id)),
            other => Err(Error::format(format!(
                "{loc}: expected an array, found {}",
                other.describe()
            ))),
        }
    }

    /// Refuses any attribute not read.
    pub(crate) fn finish(self) -> Result<(), Error> {
        let left: Vec<&str> = self
            .items
            .iter()
            .zip(&self.used)
            .filter(|(_, u)| !**u)
            .map(|((k, _), _)| k.as_str())
            .collect();
        if left.is_empty() {
            Ok(())
        } else {
            Err(Error::unsupported(
                left[0],
                format!(
                    "{}: the {} has attribute(s) {} that dklearn does not know; refusing rather \
                     than ignoring them",
                    show(&self.at),
                    self.owner,
                    left.join(", ")
                ),
            ))
        }
    }
}

/// A float64 array of exactly 2 dimensions.
pub(crate) fn f64_2d(a: &NpyArray, loc: &str) -> Result<Array2<f64>, Error> {
    match (&a.data, a.shape.as_slice()) {
        (NpyData::F64(v), &[r, c]) => Array2::from_shape_vec((r, c), v.clone())
            .map_err(|e| Error::format(format!("{loc}: {e}"))),
        (NpyData::F64(_), s) => Err(Error::format(format!(
            "{loc}: expected a 2-D array, found shape {s:?}"
        ))),
        _ => Err(Error::format(format!(
            "{loc}: expected dtype float64, found {}",
            a.descr
        ))),
    }
}

/// A float64 array of exactly 1 dimension.
pub(crate) fn f64_1d(a: &NpyArray, loc: &str) -> Result<Vec<f64>, Error> {
    match (&a.data, a.shape.as_slice()) {
        (NpyData::F64(v), &[_]) => Ok(v.clone()),
        (NpyData::F64(_), s) => Err(Error::format(format!(
            "{loc}: expected a 1-D array, found shape {s:?}"
        ))),
        _ => Err(Error::format(format!(
            "{loc}: expected dtype float64, found {}",
            a.descr
        ))),
    }
}

/// An integer array of exactly 1 dimension.
pub(crate) fn int_1d(a: &NpyArray, loc: &str) -> Result<Vec<i64>, Error> {
    match (&a.data, a.shape.as_slice()) {
        (NpyData::Int(v), &[_]) => Ok(v.clone()),
        (NpyData::Int(_), s) => Err(Error::format(format!(
            "{loc}: expected a 1-D array, found shape {s:?}"
        ))),
        _ => Err(Error::format(format!(
            "{loc}: expected an integer dtype, found {}",
            a.descr
        ))),
    }
}
