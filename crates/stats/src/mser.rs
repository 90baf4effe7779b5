//! Warm-up truncation by MSER-5, and batch means of a steady-state series.
//!
//! **MSER-5** (K. P. White Jr., "An effective truncation heuristic for bias
//! reduction in simulation output", *Simulation* 69(6), 1997; K. P. White,
//! M. J. Cobb & S. C. Spratt, "A comparison of five steady-state truncation
//! heuristics for simulation", *Proc. Winter Simulation Conference*, 2000):
//! the series `y₁…yₙ` is cut into `k = ⌊n/5⌋` batches of 5 whose means are
//! `Z₁…Zₖ`; for each `d = 0…⌊k/2⌋` the statistic
//! `MSER(d) = 1/(k−d)² · Σ_{j>d} (Zⱼ − Z̄(d))²` (the squared standard error of
//! the mean of the batches kept) is computed, and the warm-up is the `5·d`
//! first observations for the `d` that minimises it. Truncating at most half
//! of the series is White's rule; a minimum at the half-way bound means no
//! steady state was found, which [`mser5`] reports.
//!
//! The **drain** at the end of a run (load stops, queues empty) is the
//! warm-up of the reversed series: [`steady_window`] applies MSER-5 to the
//! series and then to the reversed remainder.
//!
//! **Batch means** (B. Schmeiser, "Batch size effects in the analysis of
//! simulation output", *Operations Research* 30(3), 1982; Law & Kelton,
//! *Simulation Modeling and Analysis*, §9.5.3): consecutive, non-overlapping
//! batches of a steady-state series have nearly independent means when the
//! batches are long against the autocorrelation, so tests for independent
//! samples can be applied to them. [`batch_means`] cuts a series into `k`
//! equal batches (the remainder is dropped at the start).

/// The size of MSER-5's batches.
pub const MSER_BATCH: usize = 5;

/// The outcome of [`mser5`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Truncation {
    /// Observations to drop from the start.
    pub drop: usize,
    /// True when the minimum fell at the bound (half of the series): the
    /// series may not reach a steady state.
    pub at_bound: bool,
}

/// MSER-5 on `y` (NaN values must be removed first). `None` when fewer than
/// two batches of 5 exist.
pub fn mser5(y: &[f64]) -> Option<Truncation> {
    let k = y.len() / MSER_BATCH;
    if k < 2 {
        return None;
    }
    let z: Vec<f64> = y
        .chunks_exact(MSER_BATCH)
        .map(|c| c.iter().sum::<f64>() / MSER_BATCH as f64)
        .collect();
    let half = k / 2;
    // Suffix sums give every MSER(d) in O(k).
    let (mut s, mut s2) = (0.0, 0.0);
    let mut best = (f64::INFINITY, 0usize);
    let mut stats = vec![0.0; half + 1];
    for j in (0..k).rev() {
        s += z[j];
        s2 += z[j] * z[j];
        if j <= half {
            let m = (k - j) as f64;
            let ss = (s2 - s * s / m).max(0.0);
            stats[j] = ss / (m * m);
        }
    }
    for (d, &v) in stats.iter().enumerate() {
        if v < best.0 {
            best = (v, d);
        }
    }
    Some(Truncation {
        drop: best.1 * MSER_BATCH,
        at_bound: best.1 == half && half > 0,
    })
}

/// The steady-state window `[start, end)` of `y`: MSER-5 for the warm-up,
/// then MSER-5 on the reversed remainder for the drain. Series too short
/// for MSER-5 are kept whole.
pub fn steady_window(y: &[f64]) -> (usize, usize) {
    let start = mser5(y).map_or(0, |t| t.drop);
    let rest: Vec<f64> = y[start..].iter().rev().copied().collect();
    let end = y.len() - mser5(&rest).map_or(0, |t| t.drop);
    (start, end.max(start))
}

/// Means of `k` consecutive, equal batches of `y` (the first `len % k`
/// values are dropped); fewer when `y` has fewer than `k` values (one per
/// value).
pub fn batch_means(y: &[f64], k: usize) -> Vec<f64> {
    if k == 0 || y.is_empty() {
        return Vec::new();
    }
    let size = (y.len() / k).max(1);
    let skip = y.len() % size;
    y[skip..]
        .chunks_exact(size)
        .map(|c| c.iter().sum::<f64>() / size as f64)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A linear ramp over the first 50 of 400 observations, then a level
    /// with a deterministic ±6 pattern: an independent numpy implementation
    /// of White's definition truncates 50 observations.
    #[test]
    fn ramp_is_truncated_as_numpy_does() {
        let y: Vec<f64> = (0..400)
            .map(|i| (i as f64 / 50.0).min(1.0) * 100.0 + ((i * 7919) % 13) as f64 - 6.0)
            .collect();
        let t = mser5(&y).unwrap();
        assert_eq!(t.drop, 50);
        assert!(!t.at_bound);
    }

    #[test]
    /// A ramp over 30 observations, a level, and a linear drain over the last 40.
    fn drain_is_found_on_the_reversed_series() {
        let mut y: Vec<f64> = (0..300)
            .map(|i| (i as f64 / 30.0).min(1.0) * 50.0 + ((i * 31) % 7) as f64)
            .collect();
        y.extend((0..40).map(|i| 50.0 * (1.0 - i as f64 / 40.0)));
        // The same definition in numpy (independent code) gives (20, 300).
        assert_eq!(steady_window(&y), (20, 300));
    }

    #[test]
    fn short_series_are_kept() {
        assert_eq!(mser5(&[1.0; 9]), None);
        assert_eq!(steady_window(&[1.0, 2.0, 3.0]), (0, 3));
    }

    #[test]
    fn batches() {
        let y: Vec<f64> = (0..10).map(f64::from).collect();
        assert_eq!(batch_means(&y, 3), vec![2.0, 5.0, 8.0]);
        assert_eq!(batch_means(&y[..2], 5), vec![0.0, 1.0]);
    }
}
