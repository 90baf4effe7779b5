//! Mean, variance, minimum and maximum in one pass, mergeable.
//!
//! * [`Moments::push`]: Welford's online update (B. P. Welford, "Note on a
//!   Method for Calculating Corrected Sums of Squares and Products",
//!   *Technometrics* 4(3), 1962; Knuth, TAOCP vol. 2, §4.2.2): numerically
//!   stable in one pass.
//! * [`Moments::merge`]: the pairwise combination of Chan, Golub & LeVeque,
//!   "Updating Formulae and a Pairwise Algorithm for Computing Sample
//!   Variances", Stanford CS report STAN-CS-79-773, 1979.
//! * [`Moments::std`] is the population standard deviation (`ddof = 0`,
//!   numpy's `numpy.std` default), as the Python srtlog used.
//!
//! NaN values are ignored.

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

    /// The moments of `a` and of `b`, each exactly as [`Moments::push`]ing
    /// its values in order would give. Welford's update is one dependent
    /// chain through a division per value, so one series runs at the
    /// division's latency; two series pushed in the same loop are two
    /// independent chains the processor overlaps (about 2× the throughput).
    pub fn of_two(a: &[f64], b: &[f64]) -> (Moments, Moments) {
        let (mut ma, mut mb) = (Moments::new(), Moments::new());
        let common = a.len().min(b.len());
        for (&x, &y) in a[..common].iter().zip(&b[..common]) {
            ma.push(x);
            mb.push(y);
        }
        a[common..].iter().for_each(|&x| ma.push(x));
        b[common..].iter().for_each(|&y| mb.push(y));
        (ma, mb)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn welford_and_chan_merge() {
        // numpy.mean / numpy.std of [2, 4, 4, 4, 5, 5, 7, 9]: 5.0 and 2.0.
        let mut a = Moments::new();
        let mut b = Moments::new();
        for x in [2.0, 4.0, 4.0, 4.0] {
            a.push(x);
        }
        for x in [5.0, 5.0, 7.0, 9.0, f64::NAN] {
            b.push(x);
        }
        a.merge(&b);
        assert_eq!(a.n, 8);
        assert!((a.mean() - 5.0).abs() < 1e-12 && (a.std() - 2.0).abs() < 1e-12);
        assert_eq!((a.min, a.max), (2.0, 9.0));
        let e = Moments::new();
        assert!(e.mean().is_nan() && e.std().is_nan());
        let mut c = Moments::new();
        c.merge(&a);
        assert_eq!(c, a);
    }
}
