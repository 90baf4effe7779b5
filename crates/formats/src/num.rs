//! Number parsing on bytes.
//!
//! Log values are short decimal literals (`1723.80`, `0.01`, `2688964`). The
//! fast path accumulates the digits into a `u64` and divides by an exact power
//! of ten; when the mantissa is below 2^53 and the exponent at most 22 this is
//! correctly rounded (Clinger, "How to read floating point numbers accurately",
//! PLDI 1990, the "fast path"). Everything else (exponents, long mantissas)
//! falls back to the standard library's correctly rounded parser.

/// Exact powers of ten representable as `f64`.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Parses an optionally signed decimal integer. Returns `None` on any other byte
/// or on overflow.
#[inline]
pub fn parse_i64(s: &[u8]) -> Option<i64> {
    let (neg, digits) = match s.first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    let mut v: i64 = 0;
    for &b in digits {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(i64::from(d))?;
    }
    Some(if neg { -v } else { v })
}

/// Parses a decimal float (`12`, `-3.25`, `1e-3`, `nan`, `inf`).
#[inline]
pub fn parse_f64(s: &[u8]) -> Option<f64> {
    if let Some(v) = fast_f64(s) {
        return Some(v);
    }
    slow_f64(s)
}

#[inline]
fn fast_f64(s: &[u8]) -> Option<f64> {
    let (neg, rest) = match s.first()? {
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    let mut mant: u64 = 0;
    let mut ndigits = 0usize;
    let mut frac = 0usize;
    let mut seen_dot = false;
    for &b in rest {
        if b == b'.' {
            if seen_dot {
                return None;
            }
            seen_dot = true;
            continue;
        }
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        mant = mant * 10 + u64::from(d);
        ndigits += 1;
        if seen_dot {
            frac += 1;
        }
        if ndigits > 15 {
            return None;
        }
    }
    if ndigits == 0 {
        return None;
    }
    let v = mant as f64 / POW10[frac];
    Some(if neg { -v } else { v })
}

#[cold]
fn slow_f64(s: &[u8]) -> Option<f64> {
    let t = std::str::from_utf8(s).ok()?;
    match t {
        "nan" | "NaN" | "NAN" => Some(f64::NAN),
        "inf" | "Inf" | "+Inf" | "Infinity" => Some(f64::INFINITY),
        "-inf" | "-Inf" | "-Infinity" => Some(f64::NEG_INFINITY),
        _ => t.parse::<f64>().ok(),
    }
}

/// Reads the unsigned decimal digits at the start of `s`: returns the value and
/// how many bytes were consumed, or `None` when `s` does not start with a digit.
#[inline]
pub fn leading_u64(s: &[u8]) -> Option<(u64, usize)> {
    let mut v: u64 = 0;
    let mut n = 0;
    for &b in s {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(d))?;
        n += 1;
    }
    (n > 0).then_some((v, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers() {
        assert_eq!(parse_i64(b"2688964"), Some(2_688_964));
        assert_eq!(parse_i64(b"-7"), Some(-7));
        assert_eq!(parse_i64(b""), None);
        assert_eq!(parse_i64(b"1.0"), None);
        assert_eq!(parse_i64(b"99999999999999999999"), None);
    }

    #[test]
    fn floats_match_std() {
        for s in [
            "1723.80",
            "0.01",
            "5543.55",
            "0",
            "12",
            "-3.25",
            "0.1",
            "123456.789012",
        ] {
            let want: f64 = s.parse().unwrap();
            assert_eq!(parse_f64(s.as_bytes()), Some(want), "{s}");
        }
        assert_eq!(parse_f64(b"1e-3"), Some(0.001));
        assert!(parse_f64(b"nan").unwrap().is_nan());
        assert_eq!(parse_f64(b"inf"), Some(f64::INFINITY));
        assert_eq!(parse_f64(b"1.2.3"), None);
        assert_eq!(parse_f64(b"abc"), None);
        assert_eq!(parse_f64(b"."), None);
    }

    #[test]
    fn leading_digits() {
        assert_eq!(leading_u64(b"123abc"), Some((123, 3)));
        assert_eq!(leading_u64(b"x"), None);
    }
}
