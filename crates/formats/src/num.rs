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

/// Parses an unsigned decimal of 1 to 18 digits (no overflow possible), the
/// shape of every count in a batch line; `None` for anything else.
#[inline]
pub fn parse_small_uint(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 18 {
        return None;
    }
    let mut v = 0u64;
    for &b in s {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + u64::from(d);
    }
    Some(v)
}

/// Reads an unsigned decimal (`123`, `0.01`) at the start of `s`, stopping
/// at the first other byte: returns the value and the bytes consumed. `None`
/// when there is no digit or more than 15 (the exact fast path; callers fall
/// back to [`parse_f64`]).
#[inline]
pub fn leading_decimal(s: &[u8]) -> Option<(f64, usize)> {
    let mut mant: u64 = 0;
    let mut i = 0;
    while i < s.len() {
        let d = s[i].wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        mant = mant.wrapping_mul(10).wrapping_add(u64::from(d));
        i += 1;
    }
    let int_digits = i;
    let mut frac = 0;
    if i < s.len() && s[i] == b'.' {
        i += 1;
        let f0 = i;
        while i < s.len() {
            let d = s[i].wrapping_sub(b'0');
            if d > 9 {
                break;
            }
            mant = mant.wrapping_mul(10).wrapping_add(u64::from(d));
            i += 1;
        }
        frac = i - f0;
    }
    let nd = int_digits + frac;
    if int_digits == 0 || nd > 15 {
        return None;
    }
    // At most 15 digits, so `mant` < 2^53: exact in `f64` through `i64`,
    // whose conversion is one instruction (`u64`'s takes a dozen on x86-64
    // without AVX-512; 2 % of a parse's instructions).
    let m = mant as i64 as f64;
    let v = if frac == 0 { m } else { m / POW10[frac] };
    Some((v, i))
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
    match leading_decimal(rest)? {
        (v, used) if used == rest.len() => Some(if neg { -v } else { v }),
        _ => None,
    }
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

/// Whether `v` fits a 32-bit integer column exactly enough (NaN and ±inf
/// do not; `as i32` would turn NaN into 0 and clamp the rest silently).
#[inline]
pub fn fits_i32(v: f64) -> bool {
    (-2_147_483_648.0..=2_147_483_647.0).contains(&v)
}

/// Whether `v` fits a 64-bit integer column (2^63 is exact in `f64`).
#[inline]
pub fn fits_i64(v: f64) -> bool {
    (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&v)
}

/// The columns of one line whose printed value did not fit (an integer
/// past its column's range, `nan` for a count, `inf`): left null by the
/// decoder and counted per column by the caller. Up to eight names are
/// kept; [`Rejected::len`] counts them all.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rejected {
    names: [&'static str; 8],
    n: u8,
}

impl Rejected {
    /// Notes a rejected value of `column`.
    #[cold]
    pub fn push(&mut self, column: &'static str) {
        if let Some(slot) = self.names.get_mut(usize::from(self.n)) {
            *slot = column;
        }
        self.n = self.n.saturating_add(1);
    }

    /// The columns noted (the first eight).
    pub fn iter(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.names[..usize::from(self.n).min(8)].iter().copied()
    }

    /// Values rejected on the line.
    pub fn len(&self) -> usize {
        usize::from(self.n)
    }

    /// True when every value fitted.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }
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
        // Too long for the fast path: the standard parser decides, no overflow.
        assert_eq!(
            parse_f64(b"123456789012345678901234"),
            Some(1.2345678901234568e23)
        );
        assert_eq!(
            parse_f64(b"0.12345678901234567890"),
            Some(0.12345678901234568)
        );
    }

    #[test]
    fn leading_decimals() {
        assert_eq!(leading_decimal(b"5543.55, x"), Some((5543.55, 7)));
        assert_eq!(leading_decimal(b"12"), Some((12.0, 2)));
        assert_eq!(leading_decimal(b"0.01%"), Some((0.01, 4)));
        assert_eq!(leading_decimal(b"3."), Some((3.0, 2)));
        assert_eq!(leading_decimal(b".5"), None);
        assert_eq!(leading_decimal(b"True"), None);
        assert_eq!(leading_decimal(b"1234567890123456"), None);
        // Fifteen digits, the most the fast path takes: exact, as std reads them.
        for t in [
            "999999999999999",
            "99999999.9999999",
            "0.00000000000001",
            "4503599627370.49",
        ] {
            let want: f64 = t.parse().unwrap();
            assert_eq!(leading_decimal(t.as_bytes()), Some((want, t.len())), "{t}");
        }
    }

    #[test]
    fn column_ranges() {
        assert!(fits_i32(2_147_483_647.0) && fits_i32(-2_147_483_648.0));
        assert!(!fits_i32(2_147_483_648.0) && !fits_i32(f64::NAN));
        assert!(!fits_i32(f64::INFINITY));
        assert!(fits_i64(1e18) && !fits_i64(1e19) && !fits_i64(f64::NAN));
        let mut r = Rejected::default();
        for _ in 0..9 {
            r.push("x");
        }
        assert_eq!((r.len(), r.iter().count()), (9, 8));
    }

    #[test]
    fn leading_digits() {
        assert_eq!(leading_u64(b"123abc"), Some((123, 3)));
        assert_eq!(leading_u64(b"x"), None);
    }
}
