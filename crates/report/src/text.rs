//! srtlog's one number formatter, shared by the HTML reports and the
//! terminal tables so both show the same digits:
//!
//! * [`format_value`]: a statistic, with fewer decimals as values grow
//!   (`2688964`, `1235`, `123.5`, `12.35`, `0.0123`), `–` for NaN, and `0`
//!   for a value that is zero up to floating-point noise (below
//!   [`NOISE_FLOOR`] in magnitude: `5.63e-14 ms` left by subtracting parts
//!   of a latency from the whole is 0, not `5.63e-14`);
//! * [`format_grouped`]: the same digits with thousands separators
//!   (`2,688,964`), for reports, where large counts are read, not pasted;
//! * [`group`]: an integer with thousands separators, [`format_fixed`]: a
//!   value with fixed decimals and separators;
//! * [`format_duration`]: seconds as `45s`, `67m 50s`, `2h 05m 00s`;
//! * [`format_in`]: a value in its reading unit ([`Unit`]: µs/ms/s, B/KB/MB,
//!   or a plain number), as the AIPerf tables show it;
//! * [`format_percent`]: a fraction as a percentage;
//! * [`format_seconds`] and [`format_plain`]: a time in seconds and a
//!   count or quantity without separators, as the snapshots report prints
//!   them (text meant to be compared with a scrape, or pasted);
//! * [`format_unit`]: a value with fixed decimals and a unit suffix
//!   (`12.50 GB`, `3.2%`), `-` when there is none.

/// Magnitudes below this are floating-point noise around zero (sums and
/// differences of milliseconds, tokens or fractions leave residues of about
/// 1e-13; no metric srtlog reports is legitimately this small).
pub const NOISE_FLOOR: f64 = 1e-9;

/// Formats a statistic for a table: integers without decimals, then fewer
/// decimals as values grow (four significant digits or more), `–` for NaN,
/// `0` for noise around zero.
///
/// ```
/// use srtlog_report::text::format_value;
/// assert_eq!(format_value(2688964.0), "2688964");
/// assert_eq!(format_value(1234.567), "1235");
/// assert_eq!(format_value(123.456), "123.5");
/// assert_eq!(format_value(12.3456), "12.35");
/// assert_eq!(format_value(0.0123456), "0.0123");
/// assert_eq!(format_value(f64::NAN), "–");
/// assert_eq!(format_value(5.63e-14), "0");
/// ```
pub fn format_value(v: f64) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    let a = v.abs();
    if a < NOISE_FLOOR {
        return "0".into();
    }
    if v.fract() == 0.0 && a < 1e15 {
        return format!("{v:.0}");
    }
    if a >= 1000.0 {
        format!("{v:.0}")
    } else if a >= 100.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else if a >= 0.001 {
        // Three significant digits of small fractions (usage 0.0123).
        let d = (-(a.log10().floor()) as usize + 2).min(6);
        format!("{v:.d$}")
    } else {
        format!("{v:.2e}")
    }
}

/// [`format_value`] with thousands separators in the integer part.
///
/// ```
/// use srtlog_report::text::format_grouped;
/// assert_eq!(format_grouped(2688964.0), "2,688,964");
/// assert_eq!(format_grouped(-1234.567), "-1,235");
/// assert_eq!(format_grouped(123.456), "123.5");
/// ```
pub fn format_grouped(v: f64) -> String {
    group_digits(&format_value(v))
}

/// A value with `decimals` decimals and thousands separators
/// (`12345.678`, 2 → `12,345.68`); `–` for NaN, `0` for noise around zero.
pub fn format_fixed(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    let v = if v.abs() < NOISE_FLOOR { 0.0 } else { v };
    group_digits(&format!("{v:.decimals$}"))
}

/// `1234567` → `1,234,567`.
pub fn group(n: i64) -> String {
    group_digits(&n.to_string())
}

/// Inserts thousands separators into the leading run of digits of a
/// formatted number (after a sign); exponent forms are left alone.
fn group_digits(s: &str) -> String {
    if s.contains('e') {
        return s.to_string();
    }
    let (sign, rest) = match s.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", s),
    };
    let end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let (int, tail) = rest.split_at(end);
    let mut out = String::with_capacity(s.len() + int.len() / 3);
    out.push_str(sign);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out.push_str(tail);
    out
}

/// Formats a duration like the seed: `45s`, `67m 50s`, `2h 05m 00s`.
pub fn format_duration(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
    if s < 60 {
        format!("{sec}s")
    } else if s < 100 * 60 {
        format!("{}m {sec:02}s", s / 60)
    } else {
        format!("{h}h {m:02}m {sec:02}s")
    }
}

/// A fraction as a percentage with `decimals` decimals (`0.0312` → `3.12%`);
/// `–` for NaN.
pub fn format_percent(fraction: f64, decimals: usize) -> String {
    if !fraction.is_finite() {
        return "–".into();
    }
    let v = if fraction.abs() < NOISE_FLOOR {
        0.0
    } else {
        fraction * 100.0
    };
    format!("{v:.decimals$}%")
}

/// Seconds with three decimals (`0.250s`), six below 0.1 s so inter-token
/// latencies keep their digits (`0.012345s`); `–` for NaN/inf.
///
/// ```
/// use srtlog_report::text::format_seconds;
/// assert_eq!(format_seconds(1.5), "1.500s");
/// assert_eq!(format_seconds(0.0123456), "0.012346s");
/// assert_eq!(format_seconds(0.0), "0.000s");
/// ```
pub fn format_seconds(v: f64) -> String {
    if !v.is_finite() {
        "–".into()
    } else if v.abs() < 0.1 && v != 0.0 {
        format!("{v:.6}s")
    } else {
        format!("{v:.3}s")
    }
}

/// A count or quantity without thousands separators: whole values without
/// decimals (`1017`), others with three (`0.333`); `–` for NaN/inf.
///
/// ```
/// use srtlog_report::text::format_plain;
/// assert_eq!(format_plain(1017.0), "1017");
/// assert_eq!(format_plain(1.0 / 3.0), "0.333");
/// ```
pub fn format_plain(v: f64) -> String {
    if !v.is_finite() {
        "–".into()
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.3}")
    }
}

/// `v` with `decimals` decimals and `suffix` (`12.50 GB`, `3.2%`), `-`
/// for NaN (a value the input does not have), as the request tables show
/// it.
///
/// ```
/// use srtlog_report::text::format_unit;
/// assert_eq!(format_unit(12.5, 2, " GB"), "12.50 GB");
/// assert_eq!(format_unit(f64::NAN, 1, "%"), "-");
/// ```
pub fn format_unit(v: f64, decimals: usize, suffix: &str) -> String {
    if v.is_nan() {
        "-".into()
    } else {
        format!("{v:.decimals$}{suffix}")
    }
}

/// The reading unit of a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Milliseconds, shown as µs, ms or s.
    Millis,
    /// Bytes, shown as B, KB or MB (1024).
    Bytes,
    /// A count or ratio, shown as a plain number (integers grouped).
    Number,
}

/// A value in its reading unit: `7.11ms`, `219.73µs`, `1.20s`, `17.00KB`,
/// `5B`, `1,234`; `N/A` for NaN.
pub fn format_in(unit: Unit, v: f64) -> String {
    if v.is_nan() {
        return "N/A".into();
    }
    let v = if v.abs() < NOISE_FLOOR { 0.0 } else { v };
    let a = v.abs();
    match unit {
        Unit::Millis if a < 1.0 => format!("{:.2}µs", v * 1000.0),
        Unit::Millis if a < 1000.0 => format!("{v:.2}ms"),
        Unit::Millis => format!("{:.2}s", v / 1000.0),
        Unit::Bytes if a < 1024.0 && v.fract() == 0.0 => format!("{v:.0}B"),
        Unit::Bytes if a < 1024.0 => format!("{v:.2}B"),
        Unit::Bytes if a < 1024.0 * 1024.0 => format!("{:.2}KB", v / 1024.0),
        Unit::Bytes => format!("{:.2}MB", v / (1024.0 * 1024.0)),
        Unit::Number if v.fract() == 0.0 && a < 1e15 => group(v as i64),
        Unit::Number if a >= 100.0 => group_digits(&format!("{v:.2}")),
        Unit::Number => format!("{v:.3}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_and_negative_values() {
        assert_eq!(format_value(0.5), "0.500");
        assert_eq!(format_value(0.00012), "1.20e-4");
        assert_eq!(format_value(-3.25), "-3.25");
        assert_eq!(format_value(0.0), "0");
        assert_eq!(format_value(7.0), "7");
    }

    /// Issue 17 item 18: `requests breakdown` printed `5.63e-14` for a zero
    /// "other" component.
    #[test]
    fn float_noise_around_zero_is_zero() {
        assert_eq!(format_value(5.63e-14), "0");
        assert_eq!(format_value(-5.63e-14), "0");
        assert_eq!(format_grouped(5.63e-14), "0");
        assert_eq!(format_percent(-1e-15, 1), "0.0%");
        assert_eq!(format_in(Unit::Millis, 5.63e-14), "0.00µs");
        // Small but real values keep their digits.
        assert_eq!(format_value(2.5e-6), "2.50e-6");
    }

    /// Issue 17 item 24: reports printed large numbers without thousands
    /// separators.
    #[test]
    fn thousands_separators() {
        assert_eq!(group(1_234_567), "1,234,567");
        assert_eq!(group(-1000), "-1,000");
        assert_eq!(group(999), "999");
        assert_eq!(group(0), "0");
        assert_eq!(format_grouped(1_000_000_000.0), "1,000,000,000");
        assert_eq!(format_grouped(12_345.6), "12,346");
        assert_eq!(format_grouped(0.0123), "0.0123");
        assert_eq!(format_grouped(1e20), "100,000,000,000,000,000,000");
        assert_eq!(format_grouped(0.00012), "1.20e-4");
        assert_eq!(format_in(Unit::Number, 123_456.789), "123,456.79");
        assert_eq!(format_in(Unit::Number, 4096.0), "4,096");
        assert_eq!(format_fixed(12_345.678, 2), "12,345.68");
        assert_eq!(format_fixed(-1e-14, 2), "0.00");
    }

    #[test]
    fn units_durations_and_percentages() {
        assert_eq!(format_in(Unit::Millis, 7.114), "7.11ms");
        assert_eq!(format_in(Unit::Millis, 0.21973), "219.73µs");
        assert_eq!(format_in(Unit::Millis, 1200.0), "1.20s");
        assert_eq!(format_in(Unit::Bytes, 5.0), "5B");
        assert_eq!(format_in(Unit::Bytes, 17.0 * 1024.0), "17.00KB");
        assert_eq!(format_in(Unit::Number, 0.5), "0.500");
        assert_eq!(format_in(Unit::Number, f64::NAN), "N/A");
        assert_eq!(format_duration(4070.0), "67m 50s");
        assert_eq!(format_duration(45.2), "45s");
        assert_eq!(format_duration(7500.0), "2h 05m 00s");
        assert_eq!(format_percent(0.0312, 2), "3.12%");
        assert_eq!(format_percent(f64::NAN, 2), "–");
    }
}
