//! The serde bridge: any `Serialize + DeserializeOwned` type opts in by
//! being wrapped in [`Serde`].

use std::any::type_name;
use std::borrow::Cow;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::Error;
use crate::reader::Reader;
use crate::Encode;

/// Length marker of a value whose `Serialize` failed.
const SERIALIZE_FAILED: u64 = u64::MAX;

/// A `serde` value encoded with postcard's compact binary format (varint
/// integers, floats by bit pattern), length-prefixed so it nests.
///
/// Its type tag is `Serde<` + [`std::any::type_name`] + `>`: stable within
/// one binary, which is what spilling and a cluster of one binary need.
/// Library types implement [`Encode`] directly (bulk copies are several
/// times faster for numeric arrays); this is for user types.
///
/// `encoded_len` serializes once to count bytes, so a `Serde` value costs two
/// passes when framed; for a size hint on huge values implement [`Encode`].
///
/// ```
/// use dklearn_codec::{from_bytes, to_bytes, Serde};
/// #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
/// struct Point { x: f64, label: String }
/// let p = Serde(Point { x: 1.5, label: "a".into() });
/// let back: Serde<Point> = from_bytes(&to_bytes(&p))?;
/// assert_eq!(back.0, p.0);
/// # Ok::<(), dklearn_codec::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Serde<T>(pub T);

impl<T: Serialize + DeserializeOwned> Encode for Serde<T> {
    fn type_tag() -> Cow<'static, str> {
        Cow::Owned(format!("Serde<{}>", type_name::<T>()))
    }

    fn encoded_len(&self) -> usize {
        8 + postcard::experimental::serialized_size(&self.0).unwrap_or(0)
    }

    fn encode(&self, out: &mut Vec<u8>) {
        match postcard::to_allocvec(&self.0) {
            Ok(bytes) => {
                out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
                out.extend_from_slice(&bytes);
            }
            // `encode` cannot fail; a value whose `Serialize` fails writes
            // a marker that decoding reports.
            Err(_) => out.extend_from_slice(&SERIALIZE_FAILED.to_le_bytes()),
        }
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
        let n = r.u64()?;
        if n == SERIALIZE_FAILED {
            return Err(Error::invalid(format!(
                "{} failed to serialize when it was encoded",
                type_name::<T>()
            )));
        }
        let n = usize::try_from(n).map_err(|_| Error::invalid("serde body length"))?;
        let bytes = r.bytes(n, "serde body")?;
        postcard::from_bytes(bytes)
            .map(Serde)
            .map_err(|e| Error::invalid(format!("{}: {e}", type_name::<T>())))
    }
}
