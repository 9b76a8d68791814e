//! `--memory-limit SIZE`: `128MB` (decimal), `64MiB` (binary) or bytes.

/// Parses a size: a number of bytes, or a number followed by `KB`, `MB`,
/// `GB` (powers of 1000) or `KiB`, `MiB`, `GiB` (powers of 1024), case
/// insensitive, with an optional space and fractional part (`1.5GB`).
pub(crate) fn parse_size(s: &str) -> Result<usize, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let unit = unit.trim().to_ascii_lowercase();
    let scale: f64 = match unit.as_str() {
        "" | "b" => 1.0,
        "kb" | "k" => 1e3,
        "mb" | "m" => 1e6,
        "gb" | "g" => 1e9,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        _ => {
            return Err(format!(
                "bad size {s:?}: unit {unit:?} is not one of B, KB, MB, GB, KiB, MiB, GiB"
            ))
        }
    };
    if num.is_empty() {
        return Err(format!(
            "bad size {s:?}: expected a number such as 128MB, 64MiB or 1000000"
        ));
    }
    if unit.is_empty() || unit == "b" {
        return num
            .parse::<usize>()
            .map_err(|e| format!("bad size {s:?}: {e}"));
    }
    let v: f64 = num.parse().map_err(|e| format!("bad size {s:?}: {e}"))?;
    let bytes = (v * scale).round();
    if !bytes.is_finite() || bytes < 0.0 || bytes > usize::MAX as f64 {
        return Err(format!("bad size {s:?}: out of range"));
    }
    Ok(bytes as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(parse_size("128MB"), Ok(128_000_000));
        assert_eq!(parse_size("64MiB"), Ok(64 << 20));
        assert_eq!(parse_size("1000000"), Ok(1_000_000));
        assert_eq!(parse_size("1.5 GB"), Ok(1_500_000_000));
        assert_eq!(parse_size("2gib"), Ok(2 << 30));
        assert_eq!(parse_size("512KiB"), Ok(512 << 10));
        for bad in ["", "MB", "12XB", "-5MB", "1.5", "1e9"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }
}
