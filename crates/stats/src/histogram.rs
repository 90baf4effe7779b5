//! Estimates from cumulative histogram buckets (Prometheus classic
//! histograms, `shared/docs/formats.md` §2.4–2.5: `_bucket` series with an
//! `le` upper bound, cumulative, the last one `+Inf`).
//!
//! Buckets are given as `(le, cumulative count)` pairs in ascending `le`,
//! typically the deltas of two snapshots.
//!
//! * [`bucket_quantile`]: the method of PromQL's `histogram_quantile`
//!   (Prometheus, `promql/quantile.go`, `bucketQuantile`; documented at
//!   <https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile>):
//!   rank `q·total`, the first bucket whose cumulative count reaches the
//!   rank, and linear interpolation inside it,
//!   `lower + (upper − lower)·(rank − count_before)/count_in_bucket`, as if
//!   the observations were spread evenly over the bucket. The lower bound
//!   of the first bucket is 0; a quantile that falls in the `+Inf` bucket is
//!   the highest finite bound. Differences from Prometheus, kept from the
//!   Python srtlog: `q` is clamped to `[0, 1]` (Prometheus returns ∓Inf
//!   outside), empty buckets are skipped (so `q = 0` lands in the first
//!   non-empty bucket), and the first lower bound is 0 even when the first
//!   bound is negative.
//! * [`bucket_total`]: the sum of the observations estimated from the
//!   buckets alone, each observation at its bucket's midpoint (the
//!   class-mark estimate for grouped data of descriptive statistics); the
//!   `+Inf` bucket counts at its lower bound, so the estimate is a lower one
//!   when observations fall there. Used where a histogram's `_sum` is
//!   missing or did not move while its buckets did.

/// Estimates the total of the observations counted by cumulative bucket
/// deltas: each observation at the midpoint of its bucket, the lower bound
/// for the `+Inf` bucket (a lower estimate), 0 as the lower bound of the
/// first bucket. Returns `(estimate, observations)`.
pub fn bucket_total(buckets: &[(f64, f64)]) -> (f64, f64) {
    let mut prev_le = 0.0;
    let mut prev_cum = 0.0;
    let mut total = 0.0;
    for &(le, cum) in buckets {
        let n = cum - prev_cum;
        if n > 0.0 {
            let mid = if le.is_finite() {
                (prev_le + le) / 2.0
            } else {
                prev_le
            };
            total += n * mid;
        }
        if le.is_finite() {
            prev_le = le;
        }
        prev_cum = cum;
    }
    (total, prev_cum)
}

/// The `q` quantile (0–1) of cumulative bucket deltas, interpolated
/// linearly inside its bucket (Prometheus `histogram_quantile`): NaN when no
/// observation, the highest finite bound when it falls in `+Inf`.
pub fn bucket_quantile(buckets: &[(f64, f64)], q: f64) -> f64 {
    let total = match buckets.last() {
        Some(&(_, c)) if c > 0.0 => c,
        _ => return f64::NAN,
    };
    let rank = q.clamp(0.0, 1.0) * total;
    let mut prev_le = 0.0;
    let mut prev_cum = 0.0;
    for &(le, cum) in buckets {
        if cum >= rank && cum > prev_cum {
            if !le.is_finite() {
                return prev_le;
            }
            return prev_le + (le - prev_le) * (rank - prev_cum) / (cum - prev_cum);
        }
        if le.is_finite() {
            prev_le = le;
        }
        prev_cum = cum;
    }
    prev_le
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_by_midpoints() {
        // One observation in (0.5, 1] → 0.75.
        let b = [(0.5, 0.0), (1.0, 1.0), (2.5, 1.0), (f64::INFINITY, 1.0)];
        assert_eq!(bucket_total(&b), (0.75, 1.0));
        // 2 in (0, 1] at 0.5, 2 in (1, 2] at 1.5, 1 in +Inf at 2 → 6.
        let b = [(1.0, 2.0), (2.0, 4.0), (f64::INFINITY, 5.0)];
        assert_eq!(bucket_total(&b), (6.0, 5.0));
        assert_eq!(bucket_total(&[]), (0.0, 0.0));
    }

    #[test]
    fn quantiles_as_histogram_quantile() {
        // histogram_quantile by hand: 5 observations, le 1: 2, le 2: 4,
        // +Inf: 5. q = 0.5 → rank 2.5 → bucket (1, 2], 0.5 of its 2
        // observations → 1 + 1·0.5/2 = 1.25. q = 0.2 → rank 1 → 0 + 1·1/2.
        let b = [(1.0, 2.0), (2.0, 4.0), (f64::INFINITY, 5.0)];
        assert_eq!(bucket_quantile(&b, 0.5), 1.25);
        assert_eq!(bucket_quantile(&b, 0.2), 0.5);
        assert_eq!(bucket_quantile(&b, 0.8), 2.0);
        // In the +Inf bucket: the highest finite bound.
        assert_eq!(bucket_quantile(&b, 1.0), 2.0);
        assert_eq!(bucket_quantile(&b, 0.99), 2.0);
        // Clamped; empty buckets skipped.
        assert_eq!(bucket_quantile(&b, 7.0), 2.0);
        let e = [(0.1, 0.0), (0.2, 4.0), (f64::INFINITY, 4.0)];
        assert_eq!(bucket_quantile(&e, 0.0), 0.1);
        assert!((bucket_quantile(&e, 0.5) - 0.15).abs() < 1e-15); // 0.1 + 0.1·2/4
        assert!(bucket_quantile(&[], 0.5).is_nan());
        assert!(bucket_quantile(&[(1.0, 0.0), (f64::INFINITY, 0.0)], 0.5).is_nan());
    }
}
