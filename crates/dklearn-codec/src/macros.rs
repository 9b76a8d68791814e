//! Macros that write [`Encode`](crate::Encode) for plain structs and
//! field-less enums.

/// The four required [`Encode`](crate::Encode) methods for a struct, field
/// by field in the order given (which must name every field; tuple-struct
/// fields by number: `0, 1`). Use inside an
/// `impl Encode for ...` block, so generics and bounds are written as usual:
///
/// ```
/// use dklearn_codec::{encode_fields, from_bytes, to_bytes, Encode};
/// #[derive(Debug, PartialEq)]
/// struct Model<L> { weights: Vec<f64>, classes: Vec<L>, t: f64 }
/// impl<L: Encode> Encode for Model<L> {
///     encode_fields!(format!("my::Model<{}>", L::type_tag()); weights, classes, t);
/// }
/// let m = Model { weights: vec![0.5], classes: vec![1i8, -1], t: 3.0 };
/// assert_eq!(from_bytes::<Model<i8>>(&to_bytes(&m))?, m);
/// # Ok::<(), dklearn_codec::Error>(())
/// ```
#[macro_export]
macro_rules! encode_fields {
    ($tag:expr; $($field:tt),* $(,)?) => {
        fn type_tag() -> ::std::borrow::Cow<'static, str> {
            ::std::borrow::Cow::from($tag)
        }
        fn encoded_len(&self) -> usize {
            0 $(+ $crate::Encode::encoded_len(&self.$field))*
        }
        fn size_hint(&self) -> usize {
            0 $(+ $crate::Encode::size_hint(&self.$field))*
        }
        fn encode(&self, out: &mut ::std::vec::Vec<u8>) {
            $($crate::Encode::encode(&self.$field, out);)*
        }
        fn decode(r: &mut $crate::Reader<'_>) -> ::std::result::Result<Self, $crate::Error> {
            ::std::result::Result::Ok(Self {
                $($field: $crate::Encode::decode(r)?,)*
            })
        }
    };
}

/// [`Encode`](crate::Encode) for an enum whose variants carry no data, as
/// one byte (the variant's position in the list, which must name every
/// variant; append new variants at the end).
///
/// ```
/// use dklearn_codec::{encode_unit_enum, from_bytes, to_bytes};
/// #[derive(Debug, PartialEq, Clone, Copy)]
/// enum Norm { L1, L2 }
/// encode_unit_enum!(Norm, "my::Norm", [L1, L2]);
/// assert_eq!(from_bytes::<Norm>(&to_bytes(&Norm::L2))?, Norm::L2);
/// # Ok::<(), dklearn_codec::Error>(())
/// ```
#[macro_export]
macro_rules! encode_unit_enum {
    ($ty:ident, $tag:expr, [$($variant:ident),+ $(,)?]) => {
        impl $crate::Encode for $ty {
            fn type_tag() -> ::std::borrow::Cow<'static, str> {
                ::std::borrow::Cow::from($tag)
            }
            fn encoded_len(&self) -> usize {
                1
            }
            fn encode(&self, out: &mut ::std::vec::Vec<u8>) {
                let all = [$($ty::$variant),+];
                let i = all.iter().position(|v| ::std::mem::discriminant(v) == ::std::mem::discriminant(self));
                out.push(i.unwrap_or(0) as u8);
            }
            fn decode(r: &mut $crate::Reader<'_>) -> ::std::result::Result<Self, $crate::Error> {
                let all = [$($ty::$variant),+];
                let b = r.u8()?;
                all.get(b as usize).copied().ok_or_else(|| {
                    $crate::Error::invalid(format!("{} variant {b} out of range", $tag))
                })
            }
        }
    };
}
