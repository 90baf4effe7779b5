//! Control of the family-wise error rate over many tests: Holm's step-down
//! adjustment of p-values.
//!
//! S. Holm, "A simple sequentially rejective multiple test procedure",
//! *Scand. J. Statist.* 6(2), 1979. With the `m` p-values sorted ascending
//! `p₍₁₎ ≤ … ≤ p₍ₘ₎`, the adjusted value of the `k`-th is
//! `max_{j ≤ k} min(1, (m − j + 1)·p₍ⱼ₎)`; rejecting every test whose
//! adjusted p-value is below α keeps the probability of any false rejection
//! at most α, whatever the dependence between the tests. This is
//! `statsmodels.stats.multitest.multipletests(p, method="holm")`.

/// Holm-adjusted p-values, in the order given. NaN p-values (tests that
/// could not be made) stay NaN and do not count in `m`.
pub fn holm(p: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..p.len()).filter(|&i| !p[i].is_nan()).collect();
    idx.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let m = idx.len();
    let mut out = vec![f64::NAN; p.len()];
    let mut running: f64 = 0.0;
    for (k, &i) in idx.iter().enumerate() {
        running = running.max(((m - k) as f64 * p[i]).min(1.0));
        out[i] = running;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Computed by hand (and with the formula in numpy): p = [0.01, 0.04,
    /// 0.03, 0.005] → [0.03, 0.06, 0.06, 0.02].
    #[test]
    fn holm_by_hand() {
        let a = holm(&[0.01, 0.04, 0.03, 0.005]);
        let want = [0.03, 0.06, 0.06, 0.02];
        for (x, w) in a.iter().zip(want) {
            assert!((x - w).abs() < 1e-12, "{a:?}");
        }
    }

    #[test]
    fn nan_is_kept_out_of_the_family() {
        let a = holm(&[0.02, f64::NAN, 0.5]);
        assert!((a[0] - 0.04).abs() < 1e-12);
        assert!(a[1].is_nan());
        assert_eq!(a[2], 0.5);
    }
}
