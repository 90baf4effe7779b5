//! Request timestamps: ISO-8601 strings or epoch numbers, to nanoseconds.
//!
//! Epoch numbers carry no unit, so it is inferred from the magnitude, which
//! is unambiguous for any date between 1973 and 5138: below 1e11 seconds,
//! below 1e14 milliseconds, below 1e17 microseconds, else nanoseconds.
//! Integers are converted exactly (`i64` arithmetic), so a nanosecond
//! timestamp above 2^53 keeps every digit; floats are rounded to the
//! nanosecond.

use crate::timestamp::parse_datetime;

/// Nanoseconds since the epoch from an integer in an inferred unit.
pub fn epoch_int_ns(v: i64) -> Option<i64> {
    let a = v.unsigned_abs();
    if a < 100_000_000_000 {
        v.checked_mul(1_000_000_000)
    } else if a < 100_000_000_000_000 {
        v.checked_mul(1_000_000)
    } else if a < 100_000_000_000_000_000 {
        v.checked_mul(1_000)
    } else {
        Some(v)
    }
}

/// Nanoseconds since the epoch from a float in an inferred unit.
pub fn epoch_float_ns(v: f64) -> Option<i64> {
    if !v.is_finite() {
        return None;
    }
    let a = v.abs();
    if a < 1e11 {
        // An f64 of epoch seconds holds about microsecond precision: round
        // the fraction there, so `…600.25` gives `…600_250_000_000` exactly.
        let whole = v.trunc();
        // Checked: seconds past 2262 (9.2e9 s) do not fit i64 nanoseconds;
        // `None` makes the caller report the timestamp as bad.
        let us = ((v - whole) * 1e6).round() as i64;
        return (whole as i64)
            .checked_mul(1_000_000_000)?
            .checked_add(us * 1000);
    }
    let ns = if a < 1e14 {
        v * 1e6
    } else if a < 1e17 {
        v * 1e3
    } else {
        v
    };
    // `as` saturates; reject values outside i64 instead of clamping.
    (ns.abs() < 9.2e18).then(|| ns.round() as i64)
}

/// Parses ISO-8601 `YYYY-MM-DD[T ]HH:MM:SS[.f…][Z|±HH:MM|±HHMM]`, or a
/// number written as a string. A zone offset is applied (result in UTC); a
/// time without a zone is taken as UTC.
pub fn parse_iso_ns(s: &str) -> Option<i64> {
    let b = s.trim().as_bytes();
    let Some((ts, end)) = parse_datetime(b) else {
        // Epoch numbers as strings ("1759522419.15").
        if let Ok(i) = s.trim().parse::<i64>() {
            return epoch_int_ns(i);
        }
        return s.trim().parse::<f64>().ok().and_then(epoch_float_ns);
    };
    // Sub-microsecond digits that `parse_datetime` dropped: recover them
    // from the fraction so nanosecond ISO strings stay exact.
    let mut ns = ts.0.checked_mul(1000)?;
    if let Some(dot) = b[..end].iter().position(|&c| c == b'.' || c == b',') {
        let digits = &b[dot + 1..end];
        if digits.len() > 6 {
            let mut extra = 0i64;
            for (i, &d) in digits[6..].iter().take(3).enumerate() {
                extra += i64::from(d - b'0') * 10i64.pow(2 - i as u32);
            }
            ns += extra;
        }
    }
    let rest = &b[end..];
    let offset_s: i64 = match rest {
        [] | [b'Z'] | [b'z'] => 0,
        [sign @ (b'+' | b'-'), r @ ..] => {
            let digits: Vec<u8> = r.iter().copied().filter(|c| *c != b':').collect();
            if digits.len() != 4 || !digits.iter().all(u8::is_ascii_digit) {
                return None;
            }
            let h = i64::from(digits[0] - b'0') * 10 + i64::from(digits[1] - b'0');
            let m = i64::from(digits[2] - b'0') * 10 + i64::from(digits[3] - b'0');
            let o = h * 3600 + m * 60;
            if *sign == b'+' {
                o
            } else {
                -o
            }
        }
        _ => return None,
    };
    ns.checked_sub(offset_s * 1_000_000_000)
}

/// Formats nanoseconds as ISO-8601 UTC with milliseconds
/// (`2026-01-01T00:00:00.000Z`).
pub fn format_ns(ns: i64) -> String {
    let ts = crate::Timestamp(ns.div_euclid(1000));
    let (y, m, d, h, mi, s, us) = ts.to_civil();
    format!(
        "{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{:03}Z",
        us / 1000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_from_magnitude() {
        assert_eq!(epoch_int_ns(1_759_522_419), Some(1_759_522_419_000_000_000));
        assert_eq!(
            epoch_int_ns(1_759_522_419_154),
            Some(1_759_522_419_154_000_000)
        );
        assert_eq!(
            epoch_int_ns(1_777_309_473_799_933_063),
            Some(1_777_309_473_799_933_063)
        );
        assert_eq!(
            epoch_float_ns(1_759_522_419.5),
            Some(1_759_522_419_500_000_000)
        );
    }

    /// Issue 17 item 5: float epoch seconds past 2262 overflowed
    /// `whole * 1e9` (a panic in debug builds, a wrapped date in release).
    #[test]
    fn float_seconds_past_2262_are_rejected() {
        assert_eq!(epoch_float_ns(9.3e9), None);
        assert_eq!(epoch_float_ns(-9.3e9), None);
        assert_eq!(epoch_float_ns(99_999_999_999.5), None);
        assert_eq!(parse_iso_ns("50000000000.5"), None);
        // The last representable second (2262-04-11T23:47:16Z) still reads.
        assert_eq!(
            epoch_float_ns(9_223_372_036.0),
            Some(9_223_372_036_000_000_000)
        );
    }

    #[test]
    fn iso_with_and_without_zone() {
        let z = parse_iso_ns("2026-01-01T00:00:00.123Z");
        assert_eq!(z, Some(1_767_225_600_123_000_000));
        assert_eq!(parse_iso_ns("2026-01-01T00:00:00.123"), z);
        assert_eq!(parse_iso_ns("2026-01-01 01:00:00.123+01:00"), z);
        assert_eq!(parse_iso_ns("2025-12-31T23:00:00.123-0100"), z);
        assert_eq!(
            parse_iso_ns("2026-01-01T00:00:00.123456789Z"),
            Some(1_767_225_600_123_456_789)
        );
        assert_eq!(parse_iso_ns("1767225600"), Some(1_767_225_600_000_000_000));
        assert_eq!(parse_iso_ns("yesterday"), None);
        assert_eq!(parse_iso_ns("2026-01-01T00:00:00 junk"), None);
        assert_eq!(
            format_ns(1_767_225_600_123_000_000),
            "2026-01-01T00:00:00.123Z"
        );
    }
}
