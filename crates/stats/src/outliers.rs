//! Outlier scores of one sample: a centre, a scale, and a score per value
//! that callers compare with a threshold (a value is an outlier when its
//! score exceeds the threshold).
//!
//! * [`ZScore`]: the standard score `|x − x̄| / σ`, with the population
//!   standard deviation of [`crate::moments`] (`scipy.stats.zscore` with
//!   its default `ddof=0`). Sensitive to the outliers it looks for: one huge
//!   value inflates σ.
//! * [`Tukey`]: Tukey's fences (J. W. Tukey, *Exploratory Data Analysis*,
//!   Addison-Wesley, 1977, ch. 2): outside `[Q1 − k·IQR, Q3 + k·IQR]`,
//!   `IQR = Q3 − Q1`; the score is the distance beyond the nearer quartile
//!   in IQRs, so `score > k` is exactly "outside the fences" (k = 1.5 is the
//!   classic "outside", 3 "far out"). The quartiles are numpy's linear
//!   percentiles ([`crate::percentile::percentile_sorted`], Hyndman & Fan
//!   definition 7), not Tukey's hinges; the two differ slightly on small
//!   samples.
//! * [`Mad`]: the modified z-score of B. Iglewicz & D. C. Hoaglin, *How to
//!   Detect and Handle Outliers*, ASQC Basic References in Quality Control
//!   vol. 16, 1993: `M = 0.6745·(x − x̃) / MAD`, MAD the median absolute
//!   deviation from the median x̃; they recommend flagging `|M| > 3.5`.
//!   srtlog computes it as `|x − x̃| / (1.4826·MAD)` ([`MAD_SCALE`]):
//!   1.4826 ≈ 1/0.6745 (= 1.48258…, the consistency constant that makes the
//!   MAD estimate σ for normal data, `scipy.stats.median_abs_deviation(...,
//!   scale="normal")`), so scores differ from `0.6745·…` in the fifth
//!   significant digit. Medians are [`crate::percentile::percentile_sorted`]
//!   at 0.5 (the average of the two middle values for even `n`).

use crate::moments::Moments;
use crate::percentile::percentile_sorted;

/// The constant by which the MAD is multiplied to estimate σ (≈ 1/0.6745).
pub const MAD_SCALE: f64 = 1.4826;

/// Standard scores: `|x − mean| / std` (population std).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ZScore {
    /// Mean.
    pub mean: f64,
    /// Population standard deviation.
    pub std: f64,
}

impl ZScore {
    /// Fits mean and std on `values` (Welford, in the order given; NaN
    /// ignored). Both NaN when there is no value.
    pub fn fit(values: &[f64]) -> ZScore {
        let mut m = Moments::new();
        values.iter().for_each(|&x| m.push(x));
        ZScore {
            mean: m.mean(),
            std: m.std(),
        }
    }

    /// `|x − mean| / std` (infinite or NaN when std is 0).
    pub fn score(&self, x: f64) -> f64 {
        (x - self.mean).abs() / self.std
    }
}

/// Tukey's fences on numpy-linear quartiles.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tukey {
    /// First quartile.
    pub q1: f64,
    /// Median.
    pub median: f64,
    /// Third quartile.
    pub q3: f64,
}

impl Tukey {
    /// Fits the quartiles on *sorted* values (NaN when empty).
    pub fn fit_sorted(sorted: &[f64]) -> Tukey {
        Tukey {
            q1: percentile_sorted(sorted, 0.25),
            median: percentile_sorted(sorted, 0.5),
            q3: percentile_sorted(sorted, 0.75),
        }
    }

    /// The interquartile range `Q3 − Q1`.
    pub fn iqr(&self) -> f64 {
        self.q3 - self.q1
    }

    /// Distance beyond the nearer quartile in IQRs, 0 between the
    /// quartiles: `score > k` means outside the fences with factor `k`.
    pub fn score(&self, x: f64) -> f64 {
        let iqr = self.iqr();
        if x < self.q1 {
            (self.q1 - x) / iqr
        } else if x > self.q3 {
            (x - self.q3) / iqr
        } else {
            0.0
        }
    }
}

/// Modified z-scores from the median absolute deviation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Mad {
    /// Median.
    pub median: f64,
    /// `1.4826 · MAD`, the robust estimate of σ.
    pub scale: f64,
}

impl Mad {
    /// Fits the median and the scaled MAD on *sorted* values (NaN when
    /// empty).
    pub fn fit_sorted(sorted: &[f64]) -> Mad {
        let med = percentile_sorted(sorted, 0.5);
        let mut dev: Vec<f64> = sorted.iter().map(|x| (x - med).abs()).collect();
        dev.sort_by(f64::total_cmp);
        Mad {
            median: med,
            scale: MAD_SCALE * percentile_sorted(&dev, 0.5),
        }
    }

    /// `|x − median| / (1.4826 · MAD)`.
    pub fn score(&self, x: f64) -> f64 {
        (x - self.median).abs() / self.scale
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // numpy-style by hand: [1..9, 100].
    const V: [f64; 10] = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 100.0];

    #[test]
    fn zscore_known_values() {
        // mean 14.5; Σ(x − 14.5)² / 10 = 818.25 → σ = 28.605069480775605
        // (numpy.std); z(100) = 85.5 / σ = 2.9889806790177995.
        let z = ZScore::fit(&V);
        assert_eq!(z.mean, 14.5);
        assert!((z.std - 818.25f64.sqrt()).abs() < 1e-12);
        assert!((z.score(100.0) - 2.988_980_679_017_799_5).abs() < 1e-12);
        assert!((z.score(1.0) - 0.471_944_317_739_652_56).abs() < 1e-12);
        assert!(ZScore::fit(&[]).mean.is_nan());
    }

    #[test]
    fn tukey_fences_known_values() {
        // numpy.percentile(V, [25, 50, 75]) = [3.25, 5.5, 7.75]: IQR 4.5.
        let t = Tukey::fit_sorted(&V);
        assert_eq!((t.q1, t.median, t.q3), (3.25, 5.5, 7.75));
        assert_eq!(t.iqr(), 4.5);
        assert_eq!(t.score(100.0), (100.0 - 7.75) / 4.5); // 20.5
        assert_eq!(t.score(1.0), 0.5);
        assert_eq!(t.score(5.0), 0.0);
        // Exactly on the upper 1.5 fence (7.75 + 6.75 = 14.5): score 1.5,
        // not above it.
        assert_eq!(t.score(14.5), 1.5);
    }

    #[test]
    fn mad_known_values() {
        // Median 5.5; |x − 5.5| sorted: 0.5 0.5 1.5 1.5 2.5 2.5 3.5 3.5 4.5
        // 94.5 → MAD 2.5; scale 1.4826·2.5 = 3.7065.
        let m = Mad::fit_sorted(&V);
        assert_eq!(m.median, 5.5);
        assert!((m.scale - 3.7065).abs() < 1e-12);
        assert!((m.score(100.0) - 94.5 / 3.7065).abs() < 1e-12);
        // Iglewicz & Hoaglin's 0.6745·94.5/2.5 = 25.4961: same to 1e-5
        // relative (1.4826 vs 1/0.6745).
        let ih = 0.6745 * 94.5 / 2.5;
        assert!((m.score(100.0) - ih).abs() / ih < 2e-5);
        assert!((1.0 / 0.6745 - MAD_SCALE).abs() < 1e-4);
    }
}
