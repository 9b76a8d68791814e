//! A type-erased registry of encodings for [`Value`]s: what a scheduler uses
//! to size, spill or send a value whose static type it does not know.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, OnceLock, RwLock};

use dklearn_codec::{parse_frame, write_frame, Encode, Frame};

use crate::task::Value;

type SizeFn = fn(&Value) -> usize;
type EncodeFn = fn(&Value, &mut Vec<u8>);
type DecodeFn = fn(&Frame<'_>) -> Result<Value, dklearn_codec::Error>;

#[derive(Clone)]
struct Entry {
    tag: Arc<str>,
    size: SizeFn,
    len: SizeFn,
    encode: EncodeFn,
    decode: DecodeFn,
}

static GLOBAL: OnceLock<RwLock<Arc<Codecs>>> = OnceLock::new();

/// Encodings for values, keyed by their concrete type.
///
/// A [`Value`] is `Arc<dyn Any>`; registering `T` lets a scheduler find its
/// size ([`size_of`](Self::size_of)), write it as a framed byte string
/// ([`encode`](Self::encode)) and read it back ([`decode`](Self::decode),
/// which finds the type from the frame's tag). A value of an unregistered
/// type is still a legal value: it just cannot be spilled or sent.
///
/// Tags are [`Encode::type_tag`]s, so processes of one binary that register
/// the same types agree on them. Cloning is cheap enough to do per run.
///
/// ```
/// use std::sync::Arc;
/// use dklearn_graph::{Codecs, Value};
/// let mut codecs = Codecs::new();
/// codecs.register::<Vec<f64>>();
/// let v: Value = Arc::new(vec![1.0f64, f64::NAN]);
/// assert_eq!(codecs.size_of(&v), Some(24 + 16 + 16)); // Vec, heap block, items
/// let bytes = codecs.encode(&v).expect("registered");
/// let back = codecs.decode(&bytes)?;
/// assert_eq!(back.downcast_ref::<Vec<f64>>().unwrap()[0], 1.0);
/// assert!(codecs.encode(&(Arc::new("not registered") as Value)).is_none());
/// # Ok::<(), dklearn_codec::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct Codecs {
    by_type: HashMap<TypeId, Entry>,
    by_tag: HashMap<Arc<str>, Entry>,
}

impl fmt::Debug for Codecs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut tags: Vec<&str> = self.by_tag.keys().map(|t| &**t).collect();
        tags.sort_unstable();
        f.debug_struct("Codecs").field("types", &tags).finish()
    }
}

fn size_of<T: Encode + Any>(v: &Value) -> usize {
    v.downcast_ref::<T>().map_or(0, Encode::size_hint)
}

fn encoded_len<T: Encode + Any>(v: &Value) -> usize {
    v.downcast_ref::<T>().map_or(0, Encode::encoded_len)
}

fn encode<T: Encode + Any>(v: &Value, out: &mut Vec<u8>) {
    if let Some(t) = v.downcast_ref::<T>() {
        t.encode(out);
    }
}

fn decode<T: Encode + Any + Send + Sync>(f: &Frame<'_>) -> Result<Value, dklearn_codec::Error> {
    Ok(Arc::new(f.decode_unchecked_tag::<T>()?) as Value)
}

impl Codecs {
    /// An empty registry: nothing can be encoded.
    pub fn new() -> Codecs {
        Codecs::default()
    }

    /// Registers `T`. Registering a type twice is harmless.
    ///
    /// # Panics
    /// If another type with the same tag is already registered: two types
    /// answering to one tag would decode each other's bytes.
    pub fn register<T: Encode + Any + Send + Sync>(&mut self) -> &mut Self {
        let tag: Arc<str> = Arc::from(T::type_tag().as_ref());
        let id = TypeId::of::<T>();
        if self.by_type.contains_key(&id) {
            return self;
        }
        assert!(
            !self.by_tag.contains_key(&tag),
            "two types registered with the codec tag {tag}"
        );
        let entry = Entry {
            tag: tag.clone(),
            size: size_of::<T>,
            len: encoded_len::<T>,
            encode: encode::<T>,
            decode: decode::<T>,
        };
        self.by_type.insert(id, entry.clone());
        self.by_tag.insert(tag, entry);
        self
    }

    /// Builder form of [`register`](Self::register).
    pub fn with<T: Encode + Any + Send + Sync>(mut self) -> Self {
        self.register::<T>();
        self
    }

    /// Adds every type of `other`.
    pub fn extend(&mut self, other: &Codecs) -> &mut Self {
        for (id, e) in &other.by_type {
            if !self.by_type.contains_key(id) {
                assert!(
                    !self.by_tag.contains_key(&e.tag),
                    "two types registered with the codec tag {}",
                    e.tag
                );
                self.by_type.insert(*id, e.clone());
                self.by_tag.insert(e.tag.clone(), e.clone());
            }
        }
        self
    }

    /// Number of registered types.
    pub fn len(&self) -> usize {
        self.by_type.len()
    }

    /// True if no type is registered.
    pub fn is_empty(&self) -> bool {
        self.by_type.is_empty()
    }

    fn entry(&self, v: &Value) -> Option<&Entry> {
        // `type_id` of the pointee, not of the Arc.
        self.by_type.get(&(**v).type_id())
    }

    /// Whether `v`'s type is registered (so it can be spilled or sent).
    pub fn can_encode(&self, v: &Value) -> bool {
        self.entry(v).is_some()
    }

    /// Whether values of the type `id` can be encoded: what a scheduler asks
    /// of a task's recorded [`output_type`](crate::Task::output_type) before
    /// running it.
    ///
    /// ```
    /// use std::any::TypeId;
    /// use dklearn_graph::Codecs;
    /// let c = Codecs::std();
    /// assert!(c.can_encode_type(TypeId::of::<Vec<f64>>()));
    /// assert!(!c.can_encode_type(TypeId::of::<std::collections::BTreeSet<u8>>()));
    /// ```
    pub fn can_encode_type(&self, id: TypeId) -> bool {
        self.by_type.contains_key(&id)
    }

    /// The type tag of `v`, if registered.
    pub fn tag_of(&self, v: &Value) -> Option<&str> {
        self.entry(v).map(|e| &*e.tag)
    }

    /// `v`'s size in memory in bytes ([`Encode::size_hint`]), if registered.
    pub fn size_of(&self, v: &Value) -> Option<usize> {
        self.entry(v).map(|e| (e.size)(v))
    }

    /// Appends `v` as a frame to `out`; false (and nothing written) if its
    /// type is not registered.
    pub fn encode_into(&self, v: &Value, out: &mut Vec<u8>) -> bool {
        let Some(e) = self.entry(v) else {
            return false;
        };
        let len = (e.len)(v);
        write_frame(&e.tag, len, out, |o| (e.encode)(v, o));
        true
    }

    /// `v` as a framed byte vector, or None if its type is not registered.
    pub fn encode(&self, v: &Value) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        self.encode_into(v, &mut out).then_some(out)
    }

    /// Reads a value from a frame written by [`encode`](Self::encode) (in
    /// this or another process with the same registrations), checking the
    /// frame and finding the type from its tag.
    pub fn decode(&self, bytes: &[u8]) -> Result<Value, dklearn_codec::Error> {
        let frame = parse_frame(bytes)?;
        self.decode_frame(&frame)
    }

    /// Reads a value from an already checked frame.
    pub fn decode_frame(&self, frame: &Frame<'_>) -> Result<Value, dklearn_codec::Error> {
        match self.by_tag.get(frame.tag) {
            Some(e) => (e.decode)(frame),
            None => Err(dklearn_codec::Error::UnknownTag(frame.tag.to_string())),
        }
    }

    /// The process-wide registry schedulers use unless given their own: a
    /// snapshot, so a run sees one fixed set of types. Starts as
    /// [`Codecs::std`]; library crates add their types with
    /// [`install_global`](Self::install_global) (the lazy layer does so the
    /// first time it builds a graph) and so can a program for its own types.
    pub fn global() -> Arc<Codecs> {
        let lock = GLOBAL.get_or_init(|| RwLock::new(Arc::new(Codecs::std())));
        match lock.read() {
            Ok(g) => Arc::clone(&g),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Adds types to the [`global`](Self::global) registry (copy on write:
    /// runs already started keep their snapshot).
    ///
    /// ```
    /// use dklearn_graph::Codecs;
    /// #[derive(Debug)]
    /// struct Mine { w: Vec<f64> }
    /// impl dklearn_graph::codec::Encode for Mine {
    ///     dklearn_graph::codec::encode_fields!("my::Mine"; w);
    /// }
    /// Codecs::install_global(|c| { c.register::<Mine>(); });
    /// let v: dklearn_graph::Value = std::sync::Arc::new(Mine { w: vec![] });
    /// assert!(Codecs::global().can_encode(&v));
    /// ```
    pub fn install_global(add: impl FnOnce(&mut Codecs)) {
        let lock = GLOBAL.get_or_init(|| RwLock::new(Arc::new(Codecs::std())));
        let mut g = match lock.write() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        let mut next = Codecs::clone(&g);
        add(&mut next);
        *g = Arc::new(next);
    }

    /// Registry of the std types the graph layer itself produces and the
    /// common scalar/vector/string types (`i64`, `f64`, `bool`, `String`,
    /// `Arc<str>`, `Vec` of those, `()`...). Library crates add theirs on top.
    pub fn std() -> Codecs {
        let mut c = Codecs::new();
        c.register::<()>()
            .register::<bool>()
            .register::<u8>()
            .register::<u32>()
            .register::<u64>()
            .register::<usize>()
            .register::<i32>()
            .register::<i64>()
            .register::<f32>()
            .register::<f64>()
            .register::<String>()
            .register::<Arc<str>>()
            .register::<Vec<u8>>()
            .register::<Vec<u32>>()
            .register::<Vec<u64>>()
            .register::<Vec<usize>>()
            .register::<Vec<i32>>()
            .register::<Vec<i64>>()
            .register::<Vec<f32>>()
            .register::<Vec<f64>>()
            .register::<Vec<bool>>()
            .register::<Vec<String>>()
            .register::<Vec<Arc<str>>>()
            .register::<(usize, usize)>()
            .register::<(f64, f64)>();
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_tag_and_foreign_bytes() {
        let a = Codecs::std();
        let mut b = Codecs::new();
        b.register::<i64>();
        let v: Value = Arc::new(vec![String::from("x")]);
        let bytes = a.encode(&v).unwrap();
        assert_eq!(
            b.decode(&bytes).unwrap_err().to_string(),
            "no codec registered for type Vec<String>"
        );
        assert!(a.decode(b"garbage!").is_err());
        let back = a.decode(&bytes).unwrap();
        assert_eq!(
            back.downcast_ref::<Vec<String>>().unwrap(),
            &vec!["x".to_string()]
        );
        assert_eq!(a.tag_of(&v), Some("Vec<String>"));
    }

    #[test]
    #[should_panic(expected = "two types registered")]
    fn tag_collision_panics() {
        struct A;
        struct B;
        macro_rules! same_tag {
            ($t:ty) => {
                impl Encode for $t {
                    fn type_tag() -> std::borrow::Cow<'static, str> {
                        "same".into()
                    }
                    fn encoded_len(&self) -> usize {
                        0
                    }
                    fn encode(&self, _: &mut Vec<u8>) {}
                    fn decode(
                        _: &mut dklearn_codec::Reader<'_>,
                    ) -> Result<Self, dklearn_codec::Error> {
                        Ok(Self)
                    }
                }
            };
        }
        same_tag!(A);
        same_tag!(B);
        Codecs::new().with::<A>().with::<B>();
    }
}
