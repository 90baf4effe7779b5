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
        let v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
        let nan = (values.len() - v.len()) as u64;
        Summary::of_present(v, nan)
    }

    /// Summarises `v`, values without NaN, `nan` missing ones besides. An
    /// unstable sort gives the order a stable one would: values equal under
    /// `total_cmp` have the same bits.
    pub fn of_present(mut v: Vec<f64>, nan: u64) -> Summary {
        v.sort_unstable_by(f64::total_cmp);
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
