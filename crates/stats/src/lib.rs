//! Descriptive statistics, with one documented method everywhere in srtlog.
//!
//! * Percentiles: linear interpolation between closest ranks, numpy's default
//!   (`method="linear"`, Hyndman & Fan 1996 definition 7): for sorted values
//!   `x[0..n]` and `q` in `[0, 1]`, `h = (n - 1) q`, result
//!   `x[⌊h⌋] + (h - ⌊h⌋)(x[⌊h⌋+1] - x[⌊h⌋])`.
//! * Mean and variance: Welford's online algorithm (Knuth, TAOCP vol. 2,
//!   §4.2.2), numerically stable in one pass; the standard deviation is the
//!   population one (`ddof = 0`, numpy's default), as the Python srtlog used.
//!
//! NaN values are ignored (counted in [`Summary::nan`]), as pandas does.
#![warn(missing_docs)]

pub mod gate;

use serde::Serialize;

/// Streaming mean/variance/min/max accumulator (mergeable).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Moments {
    /// Number of values.
    pub n: u64,
    mean: f64,
    m2: f64,
    /// Minimum (`+inf` when empty).
    pub min: f64,
    /// Maximum (`-inf` when empty).
    pub max: f64,
}

impl Moments {
    /// An empty accumulator.
    pub fn new() -> Self {
        Moments {
            n: 0,
            mean: 0.0,
            m2: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }

    /// Adds one value (NaN is ignored).
    #[inline]
    pub fn push(&mut self, x: f64) {
        if x.is_nan() {
            return;
        }
        self.n += 1;
        let d = x - self.mean;
        self.mean += d / self.n as f64;
        self.m2 += d * (x - self.mean);
        self.min = self.min.min(x);
        self.max = self.max.max(x);
    }

    /// Combines two accumulators (Chan, Golub & LeVeque 1979, pairwise update).
    pub fn merge(&mut self, o: &Moments) {
        if o.n == 0 {
            return;
        }
        if self.n == 0 {
            *self = *o;
            return;
        }
        let n = self.n + o.n;
        let d = o.mean - self.mean;
        self.mean += d * o.n as f64 / n as f64;
        self.m2 += o.m2 + d * d * self.n as f64 * o.n as f64 / n as f64;
        self.n = n;
        self.min = self.min.min(o.min);
        self.max = self.max.max(o.max);
    }

    /// Mean, or NaN when empty.
    pub fn mean(&self) -> f64 {
        if self.n == 0 {
            f64::NAN
        } else {
            self.mean
        }
    }

    /// Population standard deviation (`ddof = 0`), NaN when empty.
    pub fn std(&self) -> f64 {
        if self.n == 0 {
            f64::NAN
        } else {
            (self.m2 / self.n as f64).sqrt()
        }
    }
}

/// Percentile of *sorted* data by linear interpolation (numpy default).
/// `q` is a fraction in `[0, 1]`. Returns NaN for empty input.
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
    fn numpy_linear_percentiles() {
        // numpy.percentile([1, 2, 3, 4], [25, 50, 90]) == [1.75, 2.5, 3.7]
        let v = [1.0, 2.0, 3.0, 4.0];
        assert!((percentile_sorted(&v, 0.25) - 1.75).abs() < 1e-12);
        assert!((percentile_sorted(&v, 0.5) - 2.5).abs() < 1e-12);
        assert!((percentile_sorted(&v, 0.9) - 3.7).abs() < 1e-12);
        assert!(percentile_sorted(&[], 0.5).is_nan());
        assert_eq!(percentile_sorted(&[7.0], 0.99), 7.0);
    }

    #[test]
    fn summary_and_merge() {
        let s = Summary::of(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0, f64::NAN]);
        assert_eq!(s.count, 8);
        assert_eq!(s.nan, 1);
        assert_eq!(s.mean, 5.0);
        assert_eq!(s.std, 2.0); // numpy.std, ddof=0
        assert_eq!(s.median, 4.5);
        let mut a = Moments::new();
        let mut b = Moments::new();
        for x in [2.0, 4.0, 4.0, 4.0] {
            a.push(x);
        }
        for x in [5.0, 5.0, 7.0, 9.0] {
            b.push(x);
        }
        a.merge(&b);
        assert!((a.mean() - 5.0).abs() < 1e-12 && (a.std() - 2.0).abs() < 1e-12);
        assert!(Summary::of(&[]).mean.is_nan());
    }
}
