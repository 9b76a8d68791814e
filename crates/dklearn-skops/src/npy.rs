//! numpy's `.npy` format (versions 1.0, 2.0 and 3.0), as far as skops files of
//! linear models need it: little-endian floats, integers of every width, and
//! fixed-width Unicode strings (`<U<n>`, UTF-32 code points padded with NUL).
//!
//! A file is the magic `\x93NUMPY`, a major and minor version byte, the header
//! length (2 bytes little-endian in 1.0, 4 bytes in 2.0/3.0), a header that is a
//! Python dict literal `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 16), }`
//! padded with spaces and ended by `\n`, then the raw data.

/// The decoded content of one array, always in C (row-major) order.
#[derive(Debug, Clone, PartialEq)]
pub enum NpyData {
    /// `<f8`.
    F64(Vec<f64>),
    /// Any integer dtype, widened (unsigned values above `i64::MAX` are refused).
    Int(Vec<i64>),
    /// `<U<n>`: Unicode strings, trailing NULs removed.
    Str(Vec<String>),
}

/// One array: its shape and data (`shape.iter().product() == data.len()`).
#[derive(Debug, Clone, PartialEq)]
pub struct NpyArray {
    /// The shape, `()` for a scalar.
    pub shape: Vec<usize>,
    /// The values in C order.
    pub data: NpyData,
    /// The dtype as the file spelled it (for messages).
    pub descr: String,
}

const MAGIC: &[u8] = b"\x93NUMPY";

/// Parses a `.npy` file; every structural problem is an `Err` with a reason.
pub fn read(bytes: &[u8]) -> Result<NpyArray, String> {
    if bytes.len() < 10 || &bytes[..6] != MAGIC {
        return Err("not a .npy array (no \\x93NUMPY magic)".into());
    }
    let (header_len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10usize),
        2 | 3 => {
            if bytes.len() < 12 {
                return Err("truncated .npy header".into());
            }
            (
                u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
                12,
            )
        }
        v => {
            return Err(format!(
                ".npy format version {v}.{} is not supported",
                bytes[7]
            ))
        }
    };
    let end = start
        .checked_add(header_len)
        .filter(|&e| e <= bytes.len())
        .ok_or("truncated .npy header")?;
    let header = std::str::from_utf8(&bytes[start..end])
        .map_err(|_| "the .npy header is not text".to_string())?;
    let (descr, fortran, shape) = parse_header(header)?;
    let n = shape
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .ok_or("the .npy shape overflows")?;
    let body = &bytes[end..];
    let (kind, width) = parse_descr(&descr)?;
    let expected = n.checked_mul(width).ok_or("the .npy shape overflows")?;
    if body.len() != expected {
        return Err(format!(
            "the .npy data of shape {shape:?} and dtype {descr} needs {expected} bytes; the file has {}",
            body.len()
        ));
    }
    let mut data = match kind {
        Kind::Float => NpyData::F64(
            body.chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
                .collect(),
        ),
        Kind::Int { signed } => {
            let mut out = Vec::with_capacity(n);
            for c in body.chunks_exact(width) {
                let mut buf = [0u8; 8];
                buf[..width].copy_from_slice(c);
                let v = if signed {
                    // Sign-extend from `width` bytes.
                    let shift = 64 - 8 * width as u32;
                    (i64::from_le_bytes(buf) << shift) >> shift
                } else {
                    let u = u64::from_le_bytes(buf);
                    i64::try_from(u).map_err(|_| format!("integer {u} does not fit in int64"))?
                };
                out.push(v);
            }
            NpyData::Int(out)
        }
        Kind::Str { chars } => {
            let mut out = Vec::with_capacity(n);
            for c in body
                .chunks_exact(4 * chars.max(1))
                .take(if chars == 0 { 0 } else { n })
            {
                let mut s = String::new();
                for cp in c.chunks_exact(4) {
                    let u = u32::from_le_bytes([cp[0], cp[1], cp[2], cp[3]]);
                    s.push(char::from_u32(u).ok_or_else(|| {
                        format!("invalid Unicode code point {u:#x} in a string array")
                    })?);
                }
                let trimmed = s.trim_end_matches('\0').len();
                s.truncate(trimmed);
                out.push(s);
            }
            if chars == 0 {
                out.resize(n, String::new());
            }
            NpyData::Str(out)
        }
    };
    if fortran && shape.len() == 2 {
        let (r, c) = (shape[0], shape[1]);
        data = match data {
            NpyData::F64(v) => NpyData::F64(transpose(&v, r, c)),
            NpyData::Int(v) => NpyData::Int(transpose(&v, r, c)),
            NpyData::Str(v) => NpyData::Str(transpose(&v, r, c)),
        };
    } else if fortran && shape.len() > 2 {
        return Err("Fortran-ordered arrays of more than 2 dimensions are not supported".into());
    }
    Ok(NpyArray { shape, data, descr })
}

/// Fortran (column-major) `r × c` data to C order.
fn transpose<T: Clone>(v: &[T], r: usize, c: usize) -> Vec<T> {
    let mut out = Vec::with_capacity(v.len());
    for i in 0..r {
        for j in 0..c {
            out.push(v[j * r + i].clone());
        }
    }
    out
}

enum Kind {
    Float,
    Int { signed: bool },
    Str { chars: usize },
}

/// `(kind, bytes per item)` of a dtype string.
fn parse_descr(d: &str) -> Result<(Kind, usize), String> {
    let (order, rest) = d.split_at(d.len().min(1));
    match order {
        "<" | "|" => {}
        ">" => return Err(format!("big-endian dtype {d} is not supported")),
        _ => return Err(format!("dtype {d:?} is not supported")),
    }
    let unsupported = || format!("dtype {d:?} is not supported (float64, integers or str are)");
    if let Some(n) = rest.strip_prefix('U') {
        let chars: usize = n.parse().map_err(|_| unsupported())?;
        let width = chars.checked_mul(4).ok_or_else(unsupported)?;
        return Ok((Kind::Str { chars }, width));
    }
    match rest {
        "f8" => Ok((Kind::Float, 8)),
        "i1" | "i2" | "i4" | "i8" | "u1" | "u2" | "u4" | "u8" => {
            let width = rest[1..].parse().map_err(|_| unsupported())?;
            Ok((
                Kind::Int {
                    signed: rest.starts_with('i'),
                },
                width,
            ))
        }
        _ => Err(unsupported()),
    }
}

/// Reads the header dict: exactly the keys `descr`, `fortran_order`, `shape`.
fn parse_header(h: &str) -> Result<(String, bool, Vec<usize>), String> {
    let bad = || format!("malformed .npy header {:?}", h.trim_end());
    let inner = h
        .trim_end()
        .strip_prefix('{')
        .and_then(|s| s.strip_suffix('}'))
        .ok_or_else(bad)?;
    let mut descr = None;
    let mut fortran = None;
    let mut shape = None;
    let mut rest = inner.trim_start();
    while !rest.is_empty() {
        let (key, after) = quoted(rest).ok_or_else(bad)?;
        let after = after
            .trim_start()
            .strip_prefix(':')
            .ok_or_else(bad)?
            .trim_start();
        let after = match key {
            "descr" => {
                let (v, a) = quoted(after).ok_or_else(bad)?;
                descr = Some(v.to_string());
                a
            }
            "fortran_order" => {
                if let Some(a) = after.strip_prefix("False") {
                    fortran = Some(false);
                    a
                } else if let Some(a) = after.strip_prefix("True") {
                    fortran = Some(true);
                    a
                } else {
                    return Err(bad());
                }
            }
            "shape" => {
                let a = after.strip_prefix('(').ok_or_else(bad)?;
                let close = a.find(')').ok_or_else(bad)?;
                let dims = a[..close]
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| s.parse::<usize>().map_err(|_| bad()))
                    .collect::<Result<Vec<_>, _>>()?;
                shape = Some(dims);
                &a[close + 1..]
            }
            _ => return Err(format!("unexpected key {key:?} in the .npy header")),
        };
        let after = after.trim_start();
        rest = match after.strip_prefix(',') {
            Some(a) => a.trim_start(),
            None if after.is_empty() => after,
            None => return Err(bad()),
        };
    }
    match (descr, fortran, shape) {
        (Some(d), Some(f), Some(s)) => Ok((d, f, s)),
        _ => Err(bad()),
    }
}

/// A `'...'` string at the start of `s` and what follows it.
fn quoted(s: &str) -> Option<(&str, &str)> {
    let s = s.strip_prefix('\'')?;
    let end = s.find('\'')?;
    Some((&s[..end], &s[end + 1..]))
}

/// Writes a C-ordered array with the header numpy 1.x/2.x writes (version
/// 1.0, header padded so the data starts at a multiple of 64 bytes).
fn write_raw(descr: &str, shape: &[usize], body: &[u8]) -> Vec<u8> {
    let shape_txt = match shape {
        [n] => format!("({n},)"),
        dims => format!(
            "({})",
            dims.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut header =
        format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape_txt}, }}");
    // magic (6) + version (2) + length (2) + header + '\n' to a multiple of 64.
    let total = 10 + header.len() + 1;
    let pad = (64 - total % 64) % 64;
    header.extend(std::iter::repeat_n(' ', pad));
    header.push('\n');
    let mut out = Vec::with_capacity(10 + header.len() + body.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[1, 0]);
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(body);
    out
}

/// A float64 array.
pub fn write_f64(shape: &[usize], data: &[f64]) -> Vec<u8> {
    let mut body = Vec::with_capacity(data.len() * 8);
    for v in data {
        body.extend_from_slice(&v.to_le_bytes());
    }
    write_raw("<f8", shape, &body)
}

/// A signed integer array of `width` bytes per item (1, 2, 4 or 8).
pub fn write_int(shape: &[usize], data: &[i64], width: usize) -> Vec<u8> {
    let mut body = Vec::with_capacity(data.len() * width);
    for v in data {
        body.extend_from_slice(&v.to_le_bytes()[..width]);
    }
    let descr = if width == 1 {
        "|i1".to_string()
    } else {
        format!("<i{width}")
    };
    write_raw(&descr, shape, &body)
}

/// A 1-D Unicode string array (`<U<longest>`, at least `<U1` as numpy).
pub fn write_str(data: &[String]) -> Vec<u8> {
    let chars = data
        .iter()
        .map(|s| s.chars().count())
        .max()
        .unwrap_or(0)
        .max(1);
    let mut body = Vec::with_capacity(data.len() * chars * 4);
    for s in data {
        let mut k = 0;
        for c in s.chars() {
            body.extend_from_slice(&(c as u32).to_le_bytes());
            k += 1;
        }
        body.extend(std::iter::repeat_n(0u8, 4 * (chars - k)));
    }
    write_raw(&format!("<U{chars}"), &[data.len()], &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let a = read(&write_f64(&[2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, -0.5])).unwrap();
        assert_eq!(a.shape, vec![2, 3]);
        assert_eq!(a.data, NpyData::F64(vec![1.0, 2.0, 3.0, 4.0, 5.0, -0.5]));
        let a = read(&write_int(&[3], &[-1, 0, 7], 1)).unwrap();
        assert_eq!(a.data, NpyData::Int(vec![-1, 0, 7]));
        assert_eq!(a.descr, "|i1");
        let a = read(&write_int(&[1], &[i64::MIN], 8)).unwrap();
        assert_eq!(a.data, NpyData::Int(vec![i64::MIN]));
        let s = vec!["a".to_string(), "größer".to_string(), String::new()];
        let a = read(&write_str(&s)).unwrap();
        assert_eq!(a.data, NpyData::Str(s));
        assert_eq!(a.descr, "<U6");
    }

    #[test]
    fn headers_are_aligned_as_numpy() {
        let b = write_f64(&[3, 16], &[0.0; 48]);
        assert_eq!((b.len() - 48 * 8) % 64, 0);
        assert!(b.starts_with(
            b"\x93NUMPY\x01\x00v\x00{'descr': '<f8', 'fortran_order': False, 'shape': (3, 16), }"
        ));
    }

    /// `b` with the first `from` replaced by `to` (same length or not).
    fn patch(b: &[u8], from: &str, to: &str) -> Vec<u8> {
        let at = b
            .windows(from.len())
            .position(|w| w == from.as_bytes())
            .unwrap();
        let mut out = b[..at].to_vec();
        out.extend_from_slice(to.as_bytes());
        out.extend_from_slice(&b[at + from.len()..]);
        out
    }

    #[test]
    fn fortran_order_is_transposed() {
        let b = write_f64(&[2, 3], &[1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
        let a = read(&patch(&b, "False", "True ")).unwrap();
        assert_eq!(a.data, NpyData::F64(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]));
    }

    #[test]
    fn refuses_bad_files() {
        let good = write_f64(&[2], &[1.0, 2.0]);
        assert!(read(&good[..good.len() - 1])
            .unwrap_err()
            .contains("needs 16 bytes"));
        assert!(read(&good[..20]).is_err());
        assert!(read(b"hello").is_err());
        let e = read(&patch(&good, "<f8", "<f4")).unwrap_err();
        assert!(e.contains("not supported"), "{e}");
        let e = read(&patch(&good, "<f8", ">f8")).unwrap_err();
        assert!(e.contains("big-endian"), "{e}");
        assert!(read(&patch(&good, "(2,)", "(99999999999999999999,)")).is_err());
        assert!(read(&patch(&good, "(2,)", "(4294967296, 4294967296)")).is_err());
        assert!(read(&patch(&good, "'descr'", "'dtype'")).is_err());
    }
}
