//! Correlation coefficients of two paired samples.
//!
//! * [`pearson`]: Pearson's product-moment r (K. Pearson, "Notes on
//!   regression and inheritance in the case of two parents", *Proc. R. Soc.
//!   London* 58, 1895), computed in two passes on mean-centred values,
//!   `r = Σ(x−x̄)(y−ȳ) / √(Σ(x−x̄)² · Σ(y−ȳ)²)`, which is numerically stabler
//!   than the one-pass sums. Fewer than two pairs, or a constant sample,
//!   give NaN (as `scipy.stats.pearsonr` warns and returns NaN).
//! * [`spearman`]: Spearman's ρ (C. Spearman, "The proof and measurement of
//!   association between two things", *Am. J. Psychol.* 15(1), 1904) as
//!   Pearson's r on ranks, tied values given their average rank
//!   ([`average_ranks`], `scipy.stats.rankdata(method="average")`); this is
//!   what `scipy.stats.spearmanr` computes.
//!
//! Both take the pairs as given: callers drop incomplete pairs (pandas'
//! pairwise-complete `DataFrame.corr`) before calling.

/// Pearson's r (two-pass, mean-centred for numerical stability). `x` and
/// `y` are paired by index; NaN when fewer than two pairs or when either
/// sample is constant.
pub fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    if x.len() < 2 {
        return f64::NAN;
    }
    let mx = x.iter().sum::<f64>() / n;
    let my = y.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        let (dx, dy) = (a - mx, b - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    if sxx == 0.0 || syy == 0.0 {
        return f64::NAN;
    }
    sxy / (sxx * syy).sqrt()
}

/// Ranks 1..n with ties averaged (`scipy.stats.rankdata`, `method="average"`).
pub fn average_ranks(x: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..x.len()).collect();
    idx.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut r = vec![0.0; x.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && x[idx[j + 1]] == x[idx[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            r[k] = avg;
        }
        i = j + 1;
    }
    r
}

/// Spearman's ρ: Pearson's r of the average ranks.
pub fn spearman(x: &[f64], y: &[f64]) -> f64 {
    pearson(&average_ranks(x), &average_ranks(y))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn against_hand_computed_values() {
        // x̄ = 3, ȳ = 4: Σdxdy = 6, Σdx² = 10, Σdy² = 6 → r = 6/√60
        // = 0.7745966692414834 (scipy.stats.pearsonr gives the same).
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let y = [2.0, 4.0, 5.0, 4.0, 5.0];
        assert!((pearson(&x, &y) - 6.0 / 60f64.sqrt()).abs() < 1e-15);
        assert!((pearson(&x, &y) - 0.774_596_669_241_483_4).abs() < 1e-12);
        // Ranks of y: 2 → 1, the two 4s → 2.5, the two 5s → 4.5.
        assert_eq!(average_ranks(&y), [1.0, 2.5, 4.5, 2.5, 4.5]);
        // ρ = Pearson(1..5, ranks): rank deviations (−2, −0.5, 1.5, −0.5,
        // 1.5) against (−2, −1, 0, 1, 2): Σ = 4 + 0.5 + 0 − 0.5 + 3 = 7,
        // Σdr² = 4 + 0.25 + 2.25 + 0.25 + 2.25 = 9 →
        // 7/√(10·9) = 0.7378647873726218 (scipy.stats.spearmanr).
        assert!((spearman(&x, &y) - 7.0 / 90f64.sqrt()).abs() < 1e-15);
        assert!((spearman(&x, &y) - 0.737_864_787_372_621_8).abs() < 1e-12);
    }

    #[test]
    fn degenerate_inputs_are_nan() {
        assert!(pearson(&[1.0], &[2.0]).is_nan());
        assert!(pearson(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]).is_nan());
        assert!(spearman(&[], &[]).is_nan());
        // A monotone but non-linear relation: ρ = 1, r < 1.
        let x = [1.0, 2.0, 3.0, 4.0];
        let y = [1.0, 8.0, 27.0, 64.0];
        assert_eq!(spearman(&x, &y), 1.0);
        assert!(pearson(&x, &y) < 1.0);
        assert!(average_ranks(&[]).is_empty());
    }
}
