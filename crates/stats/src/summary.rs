//! [`Summary`]: the figures srtlog reports for one series, from the methods
//! of [`crate::moments`] (mean, population std) and [`crate::percentile`]
//! (numpy's linear percentiles).

use crate::moments::Moments;
use crate::percentile::percentile_sorted;
use serde::Serialize;

/// The summary of one series: count, mean, median, std, min, max, p25, p75,
/// p95, p99 (the Python srtlog's `SeriesStats`, extended with p90).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Summary {
    /// Values that are not NaN.
    pub count: u64,
    /// NaN values ignored.
    pub nan: u64,
    /// Mean.
    pub mean: f64,
    /// Median (p50).
    pub median: f64,
    /// Population standard deviation.
    pub std: f64,
    /// Minimum.
    pub min: f64,
    /// Maximum.
    pub max: f64,
    /// 25th percentile.
    pub p25: f64,
    /// 75th percentile.
    pub p75: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
}

impl Summary {
    /// Summarises `values` (sorts a copy; holds all values in memory).
    pub fn of(values: &[f64]) -> Summary {
        let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
        let nan = (values.len() - v.len()) as u64;
        v.sort_by(f64::total_cmp);
        let mut m = Moments::new();
        for &x in &v {
            m.push(x);
        }
        let p = |q| percentile_sorted(&v, q);
        Summary {
            count: m.n,
            nan,
            mean: m.mean(),
            median: p(0.5),
            std: m.std(),
            min: if m.n == 0 { f64::NAN } else { m.min },
            max: if m.n == 0 { f64::NAN } else { m.max },
            p25: p(0.25),
            p75: p(0.75),
            p90: p(0.90),
            p95: p(0.95),
            p99: p(0.99),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_of_a_known_sample() {
        let s = Summary::of(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0, f64::NAN]);
        assert_eq!(s.count, 8);
        assert_eq!(s.nan, 1);
        assert_eq!(s.mean, 5.0);
        assert_eq!(s.std, 2.0); // numpy.std, ddof=0
        assert_eq!(s.median, 4.5);
        // numpy.percentile(v, 25) = 4.0, (v, 75) = 5.5.
        assert_eq!((s.p25, s.p75), (4.0, 5.5));
        assert!(Summary::of(&[]).mean.is_nan());
    }
}
