//! Percentiles of a sample, by one documented method.
//!
//! * [`percentile_sorted`]: linear interpolation between closest ranks,
//!   numpy's default (`numpy.percentile(..., method="linear")`), which is
//!   definition 7 of Hyndman & Fan, "Sample Quantiles in Statistical
//!   Packages", *The American Statistician* 50(4), 1996. For sorted values
//!   `x[0..n]` and `q` in `[0, 1]`: `h = (n − 1)·q`, result
//!   `x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋])`.
//! * [`percentiles_select`]: the same percentiles found by selection
//!   (`select_nth_unstable`, Hoare's quickselect family, O(n) per
//!   percentile) instead of a full sort; the two neighbouring order
//!   statistics go through [`percentile_sorted`] with the fractional rank,
//!   the same arithmetic as on the sorted whole, so results are identical.
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

/// Percentiles at `qs` of `values` (numpy linear, as
/// [`percentile_sorted`]), found by selection instead of sorting: O(n) per
/// percentile, for distributions of tens of millions of values. `values`
/// is reordered in place and must hold no NaN; `qs` are fractions in
/// `[0, 1]` (clamped), fastest in ascending order (each selection then works
/// on the part right of the previous one). NaN for every `q` when `values`
/// is empty.
pub fn percentiles_select<const K: usize>(values: &mut [f64], qs: [f64; K]) -> [f64; K] {
    let n = values.len();
    let mut out = [f64::NAN; K];
    if n == 0 {
        return out;
    }
    // Ascending quantiles: after selecting rank k, everything right of
    // k is >= it, so the next selection works on the right part only.
    let mut from = 0usize;
    for (slot, q) in qs.into_iter().enumerate() {
        let h = (n - 1) as f64 * q.clamp(0.0, 1.0);
        let lo = h.floor() as usize;
        if lo < from {
            from = 0;
        }
        let rest = &mut values[from..];
        let (_, &mut a, right) = rest.select_nth_unstable_by(lo - from, f64::total_cmp);
        let b = right.iter().copied().fold(f64::INFINITY, f64::min);
        let b = if lo + 1 < n { b } else { a };
        out[slot] = percentile_sorted(&[a, b], h - lo as f64);
        from = lo;
    }
    out
}

/// The high median of `values` (Python's `statistics.median_high`): sorts
/// them by [`f64::total_cmp`] and returns `x[n / 2]`; `None` when empty.
pub fn median_high(mut values: Vec<f64>) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    median_high_sorted(&values)
}

/// The high median of already *sorted* values (`x[n / 2]`, any ordered
/// type: seconds, counts); `None` when empty.
pub fn median_high_sorted<T: Copy>(sorted: &[T]) -> Option<T> {
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
    fn selection_equals_sorting() {
        // Hand-checked: [5, 1, 4, 2, 3] sorted is 1..5; p50 = 3, p90 at
        // h = 3.6 → 4 + 0.6 = 4.6, p0 = 1, p100 = 5.
        let mut v = [5.0, 1.0, 4.0, 2.0, 3.0];
        let got = percentiles_select(&mut v, [0.0, 0.5, 0.9, 1.0]);
        assert_eq!(got[0], 1.0);
        assert_eq!(got[1], 3.0);
        assert!((got[2] - 4.6).abs() < 1e-12);
        assert_eq!(got[3], 5.0);
        // Deterministic pseudo-random data with ties, several sizes,
        // ascending and unordered q: bit-identical to the sorted method.
        let mut x: u64 = 12345;
        for n in [1usize, 2, 3, 10, 101, 1000] {
            let mut v: Vec<f64> = (0..n)
                .map(|_| {
                    x = x
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    ((x >> 33) % 500) as f64 / 7.0
                })
                .collect();
            let mut sorted = v.clone();
            sorted.sort_by(f64::total_cmp);
            let qs = [0.5, 0.9, 0.25, 0.95, 0.99];
            let got = percentiles_select(&mut v, qs);
            for (q, g) in qs.iter().zip(got) {
                assert_eq!(g, percentile_sorted(&sorted, *q), "n {n} q {q}");
            }
        }
        assert!(percentiles_select(&mut [], [0.5])[0].is_nan());
    }

    #[test]
    fn high_median() {
        // statistics.median_high([1, 3, 5, 7]) == 5; ([3, 1, 2]) == 2.
        assert_eq!(median_high(vec![7.0, 1.0, 5.0, 3.0]), Some(5.0));
        assert_eq!(median_high(vec![3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median_high(vec![]), None);
        assert_eq!(median_high_sorted(&[1.0, 2.0]), Some(2.0));
        assert_eq!(median_high_sorted(&[1_i64, 2, 9, 10]), Some(9));
        assert_eq!(median_high_sorted::<i64>(&[]), None);
    }
}
