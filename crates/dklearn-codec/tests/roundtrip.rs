//! Round trips bit for bit, and clear errors on foreign, truncated or
//! corrupt bytes.

use std::sync::Arc;

use dklearn_codec::{from_bytes, parse_frame, to_bytes, Encode, Error, Serde, MAGIC, VERSION};
use ndarray::{Array1, Array2};
use proptest::prelude::*;

fn round_trip<T: Encode + std::fmt::Debug>(v: &T) -> T {
    let bytes = to_bytes(v);
    let mut body = Vec::new();
    v.encode(&mut body);
    assert_eq!(
        body.len(),
        v.encoded_len(),
        "encoded_len of {}",
        T::type_tag()
    );
    from_bytes(&bytes).unwrap()
}

proptest! {
    #[test]
    fn floats_by_bit_pattern(bits in proptest::collection::vec(any::<u64>(), 0..50)) {
        let v: Vec<f64> = bits.iter().map(|&b| f64::from_bits(b)).collect();
        let back = round_trip(&v);
        let got: Vec<u64> = back.iter().map(|x| x.to_bits()).collect();
        prop_assert_eq!(got, bits);
    }

    #[test]
    fn nested_std_types(
        v in proptest::collection::vec((any::<String>(), any::<Option<i64>>(), any::<bool>(), any::<usize>()), 0..20),
        s in proptest::collection::vec(any::<String>(), 0..20),
    ) {
        prop_assert_eq!(round_trip(&v), v);
        let arcs: Vec<Arc<str>> = s.iter().map(|x| Arc::from(x.as_str())).collect();
        prop_assert_eq!(round_trip(&arcs), arcs);
        prop_assert_eq!(round_trip(&s), s);
    }

    /// Every strict prefix fails with an error, never a panic or a value.
    #[test]
    fn every_prefix_fails(v in proptest::collection::vec(any::<(u32, String)>(), 0..8)) {
        let bytes = to_bytes(&v);
        for n in 0..bytes.len() {
            prop_assert!(from_bytes::<Vec<(u32, String)>>(&bytes[..n]).is_err());
        }
    }

    /// Any single flipped bit is caught (by the magic, the tag, a length or the checksum).
    #[test]
    fn every_bit_flip_fails(v in proptest::collection::vec(any::<f64>(), 1..8), pos in any::<prop::sample::Index>(), bit in 0u8..8) {
        let mut bytes = to_bytes(&v);
        let i = pos.index(bytes.len());
        bytes[i] ^= 1 << bit;
        prop_assert!(from_bytes::<Vec<f64>>(&bytes).is_err());
    }
}

#[test]
fn ndarray_any_layout() {
    let a = Array2::from_shape_fn((3, 4), |(i, j)| (i * 10 + j) as f64 - 0.5);
    assert_eq!(round_trip(&a), a);
    let t = a.t().to_owned();
    assert_eq!(round_trip(&t), t);
    // A transposed view owned in Fortran order encodes in logical order too.
    let f = a.clone().reversed_axes();
    assert!(f.as_slice().is_none());
    assert_eq!(round_trip(&f), t);
    let v = Array1::from_vec(vec![1i64, -2, 3]);
    assert_eq!(round_trip(&v), v);
}

#[test]
fn clear_errors() {
    let bytes = to_bytes(&vec![1.0f64, 2.0]);
    let e = from_bytes::<Vec<String>>(&bytes).unwrap_err();
    assert_eq!(
        e.to_string(),
        "expected a Vec<String> but the bytes hold a Vec<f64>"
    );
    let e = from_bytes::<Vec<f64>>(b"PK\x03\x04 zip file").unwrap_err();
    assert!(matches!(e, Error::BadMagic { .. }), "{e}");
    assert!(e.to_string().starts_with("not dklearn-encoded bytes"));
    let mut v2 = bytes.clone();
    v2[4] = VERSION + 1;
    assert_eq!(
        from_bytes::<Vec<f64>>(&v2).unwrap_err(),
        Error::Version {
            found: VERSION + 1,
            supported: VERSION
        }
    );
    let e = from_bytes::<Vec<f64>>(&bytes[..bytes.len() - 3]).unwrap_err();
    assert!(e.to_string().starts_with("truncated"), "{e}");
    let mut extra = bytes.clone();
    extra.push(0);
    assert_eq!(
        from_bytes::<Vec<f64>>(&extra).unwrap_err(),
        Error::TrailingBytes { count: 1 }
    );
    let mut corrupt = bytes.clone();
    let n = corrupt.len();
    corrupt[n - 9] ^= 0x40; // last body byte
    let e = from_bytes::<Vec<f64>>(&corrupt).unwrap_err();
    assert!(matches!(e, Error::Checksum { .. }), "{e}");
    assert!(e.to_string().contains("corrupt"));
    assert_eq!(&bytes[..4], &MAGIC);
    assert_eq!(parse_frame(&bytes).unwrap().tag, "Vec<f64>");
    // A huge declared length fails on the missing bytes, without allocating it.
    let mut body = Vec::new();
    body.extend_from_slice(&u64::MAX.to_le_bytes());
    let mut r = dklearn_codec::Reader::new(&body);
    assert!(<Vec<u64>>::decode(&mut r).is_err());
    let mut r = dklearn_codec::Reader::new(&body);
    assert!(<Vec<String>>::decode(&mut r).is_err());
}

#[test]
fn serde_wrapper() {
    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq, Clone)]
    enum Shape {
        Circle { r: f64 },
        Poly(Vec<(i32, i32)>),
    }
    let v = Serde(vec![
        Shape::Circle { r: -0.0 },
        Shape::Poly(vec![(1, -2), (i32::MAX, 0)]),
    ]);
    let back = round_trip(&v);
    assert_eq!(back, v);
    // Nested inside native containers.
    let nested = (7u8, Serde(Shape::Circle { r: 2.5 }));
    assert_eq!(round_trip(&nested), nested);
    assert!(<Serde<Shape>>::type_tag().starts_with("Serde<"));
}
