//! Percentiles of a sample, by one documented method.
//!
//! * [`percentile_sorted`]: linear interpolation between closest ranks,
//!   numpy's default (`numpy.percentile(..., method="linear")`), which is
//!   definition 7 of Hyndman & Fan, "Sample Quantiles in Statistical
//!   Packages", *The American Statistician* 50(4), 1996. For sorted values
//!   `x[0..n]` and `q` in `[0, 1]`: `h = (n − 1)·q`, result
//!   `x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋])`.
//! * [`median_high`]: the high median, Python's `statistics.median_high`:
//!   the middle value for odd `n`, the larger of the two middle values for
//!   even `n` (`x[n / 2]`, 0-based). It is always an observed value, which is
//!   what the run checks want for "the usual window" (no interpolated
//!   throughput that no window had).

/// Percentile of *sorted* data by linear interpolation (numpy default,
/// Hyndman & Fan definition 7). `q` is a fraction in `[0, 1]` (clamped).
/// Returns NaN for empty input.
pub fn percentile_sorted(sorted: &[f64], q: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        1 => sorted[0],
        n => {
            let h = (n - 1) as f64 * q.clamp(0.0, 1.0);
            let lo = h.floor() as usize;
            let hi = (lo + 1).min(n - 1);
            sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
        }
    }
}

/// The high median of `values` (Python's `statistics.median_high`): sorts
/// them by [`f64::total_cmp`] and returns `x[n / 2]`; `None` when empty.
pub fn median_high(mut values: Vec<f64>) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    median_high_sorted(&values)
}

/// The high median of already *sorted* values (`x[n / 2]`); `None` when
/// empty.
pub fn median_high_sorted(sorted: &[f64]) -> Option<f64> {
    sorted.get(sorted.len() / 2).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numpy_linear_percentiles() {
        // numpy.percentile([1, 2, 3, 4], [25, 50, 90]) == [1.75, 2.5, 3.7]
        let v = [1.0, 2.0, 3.0, 4.0];
        assert!((percentile_sorted(&v, 0.25) - 1.75).abs() < 1e-12);
        assert!((percentile_sorted(&v, 0.5) - 2.5).abs() < 1e-12);
        assert!((percentile_sorted(&v, 0.9) - 3.7).abs() < 1e-12);
        assert!(percentile_sorted(&[], 0.5).is_nan());
        assert_eq!(percentile_sorted(&[7.0], 0.99), 7.0);
        // Hyndman & Fan type 7 by hand on [10, 20, 40]: q=0.75 → h=1.5 →
        // 20 + 0.5·20 = 30; q is clamped, so 1.5 gives the maximum.
        assert_eq!(percentile_sorted(&[10.0, 20.0, 40.0], 0.75), 30.0);
        assert_eq!(percentile_sorted(&[10.0, 20.0, 40.0], 1.5), 40.0);
        assert_eq!(percentile_sorted(&[10.0, 20.0, 40.0], -1.0), 10.0);
    }

    #[test]
    fn high_median() {
        // statistics.median_high([1, 3, 5, 7]) == 5; ([3, 1, 2]) == 2.
        assert_eq!(median_high(vec![7.0, 1.0, 5.0, 3.0]), Some(5.0));
        assert_eq!(median_high(vec![3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median_high(vec![]), None);
        assert_eq!(median_high_sorted(&[1.0, 2.0]), Some(2.0));
    }
}
