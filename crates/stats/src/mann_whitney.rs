//! The Mann–Whitney U test of two independent samples, two-sided, with the
//! normal approximation, the tie correction of the variance and a
//! continuity correction of ½.
//!
//! H. B. Mann & D. R. Whitney, "On a test of whether one of two random
//! variables is stochastically larger than the other", *Ann. Math. Statist.*
//! 18(1), 1947. With `n = n₁ + n₂`, average ranks `R₁` of the first sample
//! in the pooled sample ([`crate::correlation::average_ranks`]) and tie
//! groups of sizes `t`:
//!
//! * `U₁ = R₁ − n₁(n₁+1)/2`, `U₂ = n₁n₂ − U₁`;
//! * `μ = n₁n₂/2`, `σ² = n₁n₂/12 · ((n+1) − Σ(t³−t)/(n(n−1)))`;
//! * `z = (max(U₁, U₂) − μ − ½)/σ`, `p = 2·(1 − Φ(z))`, at most 1.
//!
//! This is `scipy.stats.mannwhitneyu(x, y, alternative="two-sided",
//! method="asymptotic", use_continuity=True)` (its `statistic` is `U₁`),
//! which the unit tests reproduce. The normal tail uses [`normal_sf`]
//! (Numerical Recipes' `erfcc`, fractional error below 1.2·10⁻⁷).
//!
//! The approximation is good from about 8–10 values per sample; callers
//! with fewer should not claim significance from it.

use crate::correlation::average_ranks;
use serde::Serialize;

/// The outcome of [`mann_whitney_u`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct MannWhitney {
    /// Size of the first sample.
    pub n1: usize,
    /// Size of the second sample.
    pub n2: usize,
    /// `U₁`, the statistic of the first sample (scipy's `statistic`).
    pub u1: f64,
    /// The standardised statistic (with continuity correction); ≥ 0.
    pub z: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// Common-language effect size `U₂/(n₁n₂)`: the probability that a
    /// value of the second sample exceeds one of the first (ties count ½).
    pub prob_second_larger: f64,
}

/// The two-sided Mann–Whitney U test of `x` against `y`. NaN values are
/// ignored; `None` when either sample is empty. When every value is equal
/// (no variance), `p_value` is 1.
pub fn mann_whitney_u(x: &[f64], y: &[f64]) -> Option<MannWhitney> {
    let x: Vec<f64> = x.iter().copied().filter(|v| !v.is_nan()).collect();
    let y: Vec<f64> = y.iter().copied().filter(|v| !v.is_nan()).collect();
    let (n1, n2) = (x.len(), y.len());
    if n1 == 0 || n2 == 0 {
        return None;
    }
    let mut pooled = x.clone();
    pooled.extend_from_slice(&y);
    let ranks = average_ranks(&pooled);
    let r1: f64 = ranks[..n1].iter().sum();
    let (f1, f2) = (n1 as f64, n2 as f64);
    let n = f1 + f2;
    let u1 = r1 - f1 * (f1 + 1.0) / 2.0;
    let u2 = f1 * f2 - u1;
    // Tie groups from the sorted pooled values.
    pooled.sort_by(f64::total_cmp);
    let mut ties = 0.0;
    let mut i = 0;
    while i < pooled.len() {
        let mut j = i + 1;
        while j < pooled.len() && pooled[j] == pooled[i] {
            j += 1;
        }
        let t = (j - i) as f64;
        ties += t * t * t - t;
        i = j;
    }
    let mu = f1 * f2 / 2.0;
    let var = if n > 1.0 {
        f1 * f2 / 12.0 * ((n + 1.0) - ties / (n * (n - 1.0)))
    } else {
        0.0
    };
    let (z, p_value) = if var > 0.0 {
        let z = ((u1.max(u2) - mu - 0.5) / var.sqrt()).max(0.0);
        (z, (2.0 * normal_sf(z)).min(1.0))
    } else {
        (0.0, 1.0)
    };
    Some(MannWhitney {
        n1,
        n2,
        u1,
        z,
        p_value,
        prob_second_larger: u2 / (f1 * f2),
    })
}

/// The upper tail `1 − Φ(z)` of the standard normal distribution, as
/// `erfc(z/√2)/2`, with Numerical Recipes' Chebyshev fit of `erfc`
/// (Press, Teukolsky, Vetterling & Flannery, *Numerical Recipes in C*, 2nd
/// ed., 1992, §6.2 `erfcc`: fractional error below 1.2·10⁻⁷ everywhere).
pub fn normal_sf(z: f64) -> f64 {
    0.5 * erfc(z / std::f64::consts::SQRT_2)
}

fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs()
    }

    /// Reference values from scipy 1.17.1, `stats.norm.sf`.
    #[test]
    fn normal_tail_matches_scipy() {
        assert!(close(normal_sf(1.0), 0.15865525393145707, 1e-6));
        assert!(close(normal_sf(3.0), 0.0013498980316300933, 1e-6));
        assert!(close(normal_sf(5.4), 3.332044848542845e-08, 1e-6));
        assert!(close(normal_sf(0.0), 0.5, 1e-7));
    }

    /// Efron & Tibshirani's mouse survival data (*An Introduction to the
    /// Bootstrap*, 1993, Table 2.1); scipy 1.17.1 `mannwhitneyu(treatment,
    /// control, method="asymptotic")` gives U = 36, p = 0.67199987100962.
    #[test]
    fn mouse_data_matches_scipy() {
        let treatment = [16.0, 23.0, 38.0, 94.0, 99.0, 141.0, 197.0];
        let control = [52.0, 104.0, 146.0, 10.0, 51.0, 30.0, 40.0, 27.0, 46.0];
        let r = mann_whitney_u(&treatment, &control).unwrap();
        assert_eq!(r.u1, 36.0);
        assert!(close(r.p_value, 0.67199987100962, 1e-6), "{}", r.p_value);
    }

    /// Tied values: scipy gives U = 23.5, p = 0.027640884214298913.
    #[test]
    fn ties_match_scipy() {
        let a = [1.0, 2.0, 2.0, 3.0, 3.0, 3.0, 4.0, 5.0, 5.0, 6.0];
        let b = [2.0, 3.0, 4.0, 4.0, 5.0, 6.0, 6.0, 7.0, 7.0, 8.0, 9.0];
        let r = mann_whitney_u(&a, &b).unwrap();
        assert_eq!(r.u1, 23.5);
        assert!(
            close(r.p_value, 0.027640884214298913, 1e-6),
            "{}",
            r.p_value
        );
        assert!(r.prob_second_larger > 0.5);
    }

    /// Complete separation of 20 and 20: scipy gives U = 0, p = 6.795615128173358e-08.
    #[test]
    fn separation_matches_scipy() {
        let a: Vec<f64> = (0..20).map(f64::from).collect();
        let b: Vec<f64> = (0..20).map(|v| f64::from(v) + 100.0).collect();
        let r = mann_whitney_u(&a, &b).unwrap();
        assert_eq!(r.u1, 0.0);
        assert!(
            close(r.p_value, 6.795615128173358e-08, 1e-6),
            "{}",
            r.p_value
        );
        assert_eq!(r.prob_second_larger, 1.0);
    }

    #[test]
    fn degenerate_inputs() {
        assert!(mann_whitney_u(&[], &[1.0]).is_none());
        let r = mann_whitney_u(&[2.0, 2.0], &[2.0, 2.0, f64::NAN]).unwrap();
        assert_eq!((r.n2, r.p_value), (2, 1.0));
    }
}
