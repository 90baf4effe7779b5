//! Number formatting shared by the HTML report and the terminal tables.

/// Formats a statistic for a table: integers without decimals, then fewer
/// decimals as values grow (four significant digits or more), `–` for NaN.
///
/// ```
/// use srtlog_report::text::format_value;
/// assert_eq!(format_value(2688964.0), "2688964");
/// assert_eq!(format_value(1234.567), "1235");
/// assert_eq!(format_value(123.456), "123.5");
/// assert_eq!(format_value(12.3456), "12.35");
/// assert_eq!(format_value(0.0123456), "0.0123");
/// assert_eq!(format_value(f64::NAN), "–");
/// ```
pub fn format_value(v: f64) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    let a = v.abs();
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
}
