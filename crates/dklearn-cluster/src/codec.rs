//! Values as bytes for crossing processes: a registry of encodings by type.
//!
//! This is the cluster's own small layer until the shared values-as-bytes
//! crate (issue 13) lands; it is deliberately narrow (one trait, one
//! registry) so that swapping it is local to this module.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Arc;

use dklearn_graph::Value;

/// A type whose values can be written to bytes and read back bit for bit.
pub trait Wire: Any + Send + Sync + Sized {
    /// Appends the encoding of `self` to `out`.
    fn write(&self, out: &mut Vec<u8>);
    /// Reads a value back from the front of `input`, advancing it.
    fn read(input: &mut &[u8]) -> Result<Self, String>;
}

fn take<'a>(input: &mut &'a [u8], n: usize) -> Result<&'a [u8], String> {
    if input.len() < n {
        return Err(format!("truncated: {n} bytes needed, {} left", input.len()));
    }
    let (head, rest) = input.split_at(n);
    *input = rest;
    Ok(head)
}

macro_rules! wire_number {
    ($($t:ty),*) => {$(
        impl Wire for $t {
            fn write(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            fn read(input: &mut &[u8]) -> Result<Self, String> {
                let b = take(input, std::mem::size_of::<$t>())?;
                let mut a = [0u8; std::mem::size_of::<$t>()];
                a.copy_from_slice(b);
                Ok(<$t>::from_le_bytes(a))
            }
        }
    )*};
}
wire_number!(u8, u32, u64, i32, i64, f32, f64);

impl Wire for usize {
    fn write(&self, out: &mut Vec<u8>) {
        (*self as u64).write(out);
    }
    fn read(input: &mut &[u8]) -> Result<Self, String> {
        usize::try_from(u64::read(input)?).map_err(|e| e.to_string())
    }
}

impl Wire for bool {
    fn write(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }
    fn read(input: &mut &[u8]) -> Result<Self, String> {
        match u8::read(input)? {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(format!("bad bool byte {b}")),
        }
    }
}

impl Wire for String {
    fn write(&self, out: &mut Vec<u8>) {
        self.len().write(out);
        out.extend_from_slice(self.as_bytes());
    }
    fn read(input: &mut &[u8]) -> Result<Self, String> {
        let n = usize::read(input)?;
        let b = take(input, n)?;
        String::from_utf8(b.to_vec()).map_err(|e| e.to_string())
    }
}

impl<T: Wire> Wire for Vec<T> {
    fn write(&self, out: &mut Vec<u8>) {
        self.len().write(out);
        for x in self {
            x.write(out);
        }
    }
    fn read(input: &mut &[u8]) -> Result<Self, String> {
        let n = usize::read(input)?;
        // Each element takes at least one byte: a corrupt length cannot
        // make us reserve more than the input could hold.
        let mut v = Vec::with_capacity(n.min(input.len()));
        for _ in 0..n {
            v.push(T::read(input)?);
        }
        Ok(v)
    }
}

impl<A: Wire, B: Wire> Wire for (A, B) {
    fn write(&self, out: &mut Vec<u8>) {
        self.0.write(out);
        self.1.write(out);
    }
    fn read(input: &mut &[u8]) -> Result<Self, String> {
        Ok((A::read(input)?, B::read(input)?))
    }
}

type EncodeFn = Arc<dyn Fn(&Value, &mut Vec<u8>) -> bool + Send + Sync>;
type DecodeFn = Arc<dyn Fn(&mut &[u8]) -> Result<Value, String> + Send + Sync>;

#[derive(Clone)]
struct Entry {
    tag: u32,
    name: &'static str,
    encode: EncodeFn,
    decode: DecodeFn,
}

/// The encodings a cluster may use, by value type.
///
/// An encoded value is its type's tag (the registration order, which every
/// process must share: build the registry the same way everywhere) then
/// the value's own bytes. A value of an unregistered type is still legal; it
/// only cannot cross processes.
#[derive(Clone, Default)]
pub struct Codecs {
    by_type: HashMap<TypeId, Entry>,
    by_tag: Vec<Entry>,
}

impl Codecs {
    /// An empty registry.
    pub fn new() -> Codecs {
        Codecs::default()
    }

    /// The registry with the standard scalar, string and vector types
    /// (`i64`, `u64`, `f64`, `usize`, `bool`, `String`, `Vec` of those,
    /// `Vec<u8>`, `Vec<u32>`, `Vec<(u64, f64)>`).
    pub fn standard() -> Codecs {
        let mut c = Codecs::new();
        c.register::<i64>()
            .register::<u64>()
            .register::<f64>()
            .register::<usize>()
            .register::<bool>()
            .register::<String>()
            .register::<Vec<i64>>()
            .register::<Vec<u64>>()
            .register::<Vec<f64>>()
            .register::<Vec<u8>>()
            .register::<Vec<u32>>()
            .register::<Vec<String>>()
            .register::<Vec<(u64, f64)>>();
        c
    }

    /// Adds the encoding of `T` (a no-op if it is already there).
    pub fn register<T: Wire>(&mut self) -> &mut Codecs {
        let id = TypeId::of::<T>();
        if self.by_type.contains_key(&id) {
            return self;
        }
        let entry = Entry {
            tag: self.by_tag.len() as u32,
            name: std::any::type_name::<T>(),
            encode: Arc::new(|v: &Value, out: &mut Vec<u8>| match v.downcast_ref::<T>() {
                Some(t) => {
                    t.write(out);
                    true
                }
                None => false,
            }),
            decode: Arc::new(|input: &mut &[u8]| Ok(Arc::new(T::read(input)?) as Value)),
        };
        self.by_tag.push(entry.clone());
        self.by_type.insert(id, entry);
        self
    }

    /// Whether values of this type can cross processes.
    pub fn can_encode(&self, value: &Value) -> bool {
        self.by_type.contains_key(&(**value).type_id())
    }

    /// The encoding of `value`, or `None` if its type is not registered.
    pub fn encode(&self, value: &Value) -> Option<Vec<u8>> {
        let entry = self.by_type.get(&(**value).type_id())?;
        let mut out = Vec::new();
        out.extend_from_slice(&entry.tag.to_le_bytes());
        (entry.encode)(value, &mut out).then_some(out)
    }

    /// The value encoded in `bytes` (all of them).
    pub fn decode(&self, bytes: &[u8]) -> Result<Value, String> {
        let mut input = bytes;
        let tag = u32::read(&mut input)?;
        let entry = self
            .by_tag
            .get(tag as usize)
            .ok_or_else(|| format!("unknown type tag {tag}"))?;
        let v =
            (entry.decode)(&mut input).map_err(|e| format!("decoding a {}: {e}", entry.name))?;
        if !input.is_empty() {
            return Err(format!(
                "decoding a {}: {} bytes left over",
                entry.name,
                input.len()
            ));
        }
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_bit_for_bit() {
        let c = Codecs::standard();
        let vals: Vec<Value> = vec![
            Arc::new(-3i64),
            Arc::new(f64::from_bits(0x7ff8_0000_0000_0001)),
            Arc::new(String::from("héllo")),
            Arc::new(vec![(1u64, -0.0f64), (2, 1e300)]),
        ];
        for v in &vals {
            let b = c.encode(v).unwrap();
            let w = c.decode(&b).unwrap();
            assert_eq!(c.encode(&w).unwrap(), b);
        }
        let f = c.decode(&c.encode(&vals[1]).unwrap()).unwrap();
        assert_eq!(
            f.downcast_ref::<f64>().unwrap().to_bits(),
            0x7ff8_0000_0000_0001
        );
        assert!(c.encode(&(Arc::new(1u16) as Value)).is_none());
        let b = c.encode(&vals[2]).unwrap();
        let e = c.decode(&b[..b.len() - 1]).unwrap_err();
        assert!(
            e.starts_with("decoding a alloc::string::String: truncated"),
            "{e}"
        );
        assert_eq!(
            c.decode(&[9, 9, 9, 9]).unwrap_err(),
            "unknown type tag 151587081"
        );
    }
}
