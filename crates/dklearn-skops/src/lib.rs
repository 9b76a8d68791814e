//! dklearn models as **skops** files: scikit-learn's safe persistence format
//! (`skops.io.dump` / `skops.io.load`), both ways.
//!
//! A model saved here loads in Python (skops 0.16, scikit-learn 1.9.1) with
//! `skops.io.load(path)` and no untrusted types
//! (`skops.io.get_untrusted_types(file=path) == []`) into the scikit-learn
//! object, with every constructor parameter and fitted attribute scikit-learn
//! sets, so its `predict`, `decision_function`, `predict_proba` and `score`
//! give dklearn's values bit for bit. A skops file that scikit-learn wrote for
//! the same estimators loads here and predicts as scikit-learn does.
//!
//! Saved and loaded ([`Skops`]): [`HashingVectorizer`],
//! [`SGDClassifier`],
//! [`Perceptron`],
//! [`PassiveAggressiveClassifier`],
//! [`LogisticRegression`],
//! [`MultinomialNB`], any of them as a
//! [`Model`], and a fitted two-step text pipeline ([`FittedTextPipeline`],
//! scikit-learn's `Pipeline([("vect", HashingVectorizer(...)), ("sgd", SGDClassifier(...))])`).
//! Labels ([`SkopsLabel`]) are signed integers, strings, or [`Label`] (either,
//! decided by the file).
//!
//! ```
//! use dklearn_estimators::{Fit, Predict, SGDClassifier};
//! use dklearn_skops::Skops;
//! use dklearn_sparse::CsrMatrix;
//! use ndarray::array;
//!
//! let x = CsrMatrix::from_dense(&array![[1.0, 0.0], [0.0, 1.0], [0.9, 0.2]]);
//! let mut clf = SGDClassifier::params().random_state(Some(0)).build()?;
//! clf.fit(&x, &["ham".to_string(), "spam".into(), "ham".into()])?;
//! let bytes = clf.to_skops_bytes()?;           // what `save(path)` writes
//! let back = SGDClassifier::<String>::from_skops_bytes(&bytes)?;
//! assert_eq!(back.predict(&x)?, clf.predict(&x)?);
//! assert_eq!(back.coef_(), clf.coef_());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # The format
//! A zip (members stored) of `schema.json`, a tree of nodes, and one `.npy`
//! member per array (see the `schema` module's table). Reading decodes the
//! tree into plain values and never constructs anything by name: an
//! `ObjectNode` may only be one of the seven classes above, a `LossNode` one
//! of the four SGD losses, a `TypeNode` a numpy dtype or `str`; any other
//! type, loader or protocol (newer than 2) is an error naming the type and
//! where it sits (`steps[1][1]._loss_function_`). Every attribute must be
//! known: parameters dklearn does not implement (`class_weight`,
//! `warm_start`, a custom `tokenizer`, `solver='lbfgs'`, ...) are
//! [`ErrorKind::Unsupported`] naming the parameter, never silently dropped.
//! Arrays are checked for dtype, shape and finiteness before a model is
//! built, so a load either returns a whole model or an error.
//!
//! Two differences from what scikit-learn would save, both deliberate:
//! - a `LogisticRegression` rebuilt from averaged weights (no `n_iter_`) is
//!   saved without `n_iter_` (scikit-learn's `predict` does not read it);
//! - dklearn's multiclass `LogisticRegression` is one-vs-rest (liblinear's
//!   scheme); scikit-learn 1.9.1's `LogisticRegression.predict_proba` on more
//!   than two classes is a softmax, so in Python `predict` and
//!   `decision_function` agree with dklearn but multiclass `predict_proba`
//!   does not (binary does).
#![deny(missing_docs)]

mod attrs;
mod codec;
mod error;
mod label;
pub mod npy;
mod pipeline;
mod schema;

pub use error::{Error, ErrorKind};
pub use label::{Label, SkopsLabel};
pub use pipeline::{FittedTextPipeline, Model};
pub use schema::{PROTOCOL, SKOPS_VERSION};

use codec::{read_object, Codec};
use dklearn_estimators::{
    LogisticRegression, MultinomialNB, PassiveAggressiveClassifier, Perceptron, SGDClassifier,
};
use dklearn_text::HashingVectorizer;
use schema::{Node, Reader, Writer};
use std::io::{Cursor, Read, Write};
use std::path::Path;

/// Largest `schema.json` read (a model's schema is a few kilobytes).
const MAX_SCHEMA_BYTES: u64 = 64 << 20;
/// Largest array member read (`2**20` features × 512 classes of float64).
const MAX_ARRAY_BYTES: u64 = 4 << 30;

/// Saving and loading as a skops file.
pub trait Skops: Sized {
    /// The skops file's bytes.
    fn to_skops_bytes(&self) -> Result<Vec<u8>, Error>;

    /// The model a skops file's bytes hold; every problem is an error, and
    /// nothing is returned half-loaded.
    fn from_skops_bytes(bytes: &[u8]) -> Result<Self, Error>;

    /// Writes the model to `path` (through a temporary file renamed into
    /// place, so a failed save leaves no partial file at `path`).
    fn save(&self, path: impl AsRef<Path>) -> Result<(), Error> {
        let path = path.as_ref();
        let bytes = self.to_skops_bytes().map_err(|e| e.in_file(path))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "model".into());
        let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
        let written = std::fs::write(&tmp, &bytes).and_then(|_| std::fs::rename(&tmp, path));
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(Error::from(e).in_file(path));
        }
        Ok(())
    }

    /// Reads the model from `path`.
    fn load(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| Error::from(e).in_file(path))?;
        Self::from_skops_bytes(&bytes).map_err(|e| e.in_file(path))
    }
}

/// Reads one zip member, refusing more than `cap` bytes.
fn read_member(
    zip: &mut zip::ZipArchive<Cursor<&[u8]>>,
    name: &str,
    cap: u64,
) -> Result<Vec<u8>, Error> {
    let f = match zip.by_name(name) {
        Ok(f) => f,
        Err(zip::result::ZipError::FileNotFound) => {
            return Err(Error::format(format!("the file has no member {name:?}")))
        }
        Err(e) => return Err(e.into()),
    };
    let size = f.size();
    if size > cap {
        return Err(Error::format(format!(
            "member {name:?} claims {size} bytes, more than the {cap} allowed"
        )));
    }
    let mut buf = Vec::with_capacity(size as usize);
    f.take(cap + 1)
        .read_to_end(&mut buf)
        .map_err(|e| Error::format(format!("member {name:?} cannot be read: {e}")))?;
    if buf.len() as u64 != size {
        return Err(Error::format(format!(
            "member {name:?} holds {} bytes, not the {size} its header says",
            buf.len()
        )));
    }
    Ok(buf)
}

/// The checked node tree of a skops file.
fn read_root(bytes: &[u8]) -> Result<Node, Error> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))?;
    let schema = read_member(&mut zip, "schema.json", MAX_SCHEMA_BYTES)?;
    let v: serde_json::Value =
        serde_json::from_slice(&schema).map_err(|e| Error::new(ErrorKind::Json(e)))?;
    let mut rm = |name: &str| {
        if name == "schema.json" {
            return Err("an array cannot be schema.json".to_string());
        }
        read_member(&mut zip, name, MAX_ARRAY_BYTES).map_err(|e| e.to_string())
    };
    Reader::new(&mut rm).root(&v).map_err(Error::format)
}

/// A skops file of `root` and the arrays the writer collected.
fn write_file(w: Writer, root: serde_json::Value) -> Result<Vec<u8>, Error> {
    let root = schema::finish_root(root);
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in &w.files {
        z.start_file(
            name.as_str(),
            stored.large_file(bytes.len() as u64 >= u32::MAX as u64),
        )?;
        z.write_all(bytes)?;
    }
    let schema = serde_json::to_vec_pretty(&root).map_err(|e| Error::new(ErrorKind::Json(e)))?;
    z.start_file("schema.json", stored)?;
    z.write_all(&schema)?;
    Ok(z.finish()?.into_inner())
}

fn to_bytes<T: Codec>(m: &T) -> Result<Vec<u8>, Error> {
    let mut w = Writer::new();
    let root = m.write(&mut w)?;
    write_file(w, root)
}

macro_rules! skops_via_codec {
    ($($t:ty $(, $l:ident)?);* $(;)?) => {$(
        impl$(<$l: SkopsLabel>)? Skops for $t {
            fn to_skops_bytes(&self) -> Result<Vec<u8>, Error> {
                to_bytes(self)
            }
            fn from_skops_bytes(bytes: &[u8]) -> Result<Self, Error> {
                read_object(&read_root(bytes)?, "")
            }
        }
    )*};
}

skops_via_codec! {
    HashingVectorizer;
    SGDClassifier<L>, L;
    Perceptron<L>, L;
    PassiveAggressiveClassifier<L>, L;
    LogisticRegression<L>, L;
    MultinomialNB<L>, L;
    FittedTextPipeline<L>, L;
}

impl<L: SkopsLabel> Skops for Model<L> {
    fn to_skops_bytes(&self) -> Result<Vec<u8>, Error> {
        let mut w = Writer::new();
        let root = self.write(&mut w)?;
        write_file(w, root)
    }
    fn from_skops_bytes(bytes: &[u8]) -> Result<Self, Error> {
        Model::read(&read_root(bytes)?, "")
    }
}
