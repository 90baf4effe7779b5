//! `correlate`: Pearson and Spearman correlation matrices.
//!
//! Each pair uses the requests where both metrics are present (pairwise
//! complete, as pandas' `DataFrame.corr`), and reports that count.
//! Spearman is Pearson on ranks, with tied values given their average rank
//! (scipy's `rankdata(method="average")`). A constant column gives NaN.
//! The coefficients are computed by [`srtlog_stats::correlation`], which
//! cites their definitions; they are re-exported here.

use serde::Serialize;
pub use srtlog_stats::correlation::{average_ranks, pearson, spearman};

/// The result of [`correlate`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CorrelationReport {
    /// Metric names, the order of rows and columns.
    pub metrics: Vec<String>,
    /// Pearson coefficients.
    pub pearson: Vec<Vec<f64>>,
    /// Spearman coefficients.
    pub spearman: Vec<Vec<f64>>,
    /// Requests where both metrics are present.
    pub pairs: Vec<Vec<u64>>,
}

/// Correlates the named columns; `columns[i]` holds the values of
/// `metrics[i]`.
pub fn correlate(metrics: &[String], columns: &[&[f64]]) -> CorrelationReport {
    let k = metrics.len();
    let mut p = vec![vec![f64::NAN; k]; k];
    let mut s = vec![vec![f64::NAN; k]; k];
    let mut n = vec![vec![0u64; k]; k];
    for a in 0..k {
        for b in a..k {
            let (x, y): (Vec<f64>, Vec<f64>) = columns[a]
                .iter()
                .zip(columns[b])
                .filter(|(u, v)| !u.is_nan() && !v.is_nan())
                .map(|(u, v)| (*u, *v))
                .unzip();
            let (pv, sv) = (pearson(&x, &y), spearman(&x, &y));
            p[a][b] = pv;
            p[b][a] = pv;
            s[a][b] = sv;
            s[b][a] = sv;
            n[a][b] = x.len() as u64;
            n[b][a] = x.len() as u64;
        }
    }
    CorrelationReport {
        metrics: metrics.to_vec(),
        pearson: p,
        spearman: s,
        pairs: n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn against_scipy_values() {
        // Computed independently in Python (two-pass Pearson; Spearman as
        // Pearson on average ranks, which is scipy.stats.spearmanr):
        // pearson = 0.7745966692414834, spearman = 0.7378647873726218.
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let y = [2.0, 4.0, 5.0, 4.0, 5.0];
        assert!((pearson(&x, &y) - 0.774_596_669_241_483_4).abs() < 1e-12);
        assert!((spearman(&x, &y) - 0.737_864_787_372_621_8).abs() < 1e-12);
        assert_eq!(average_ranks(&y), [1.0, 2.5, 4.5, 2.5, 4.5]);
        let m = correlate(
            &["a".into(), "b".into()],
            &[&[1.0, 2.0, f64::NAN, 4.0], &[2.0, 4.0, 6.0, 8.0]],
        );
        assert_eq!(m.pairs[0][1], 3);
        assert!((m.pearson[0][1] - 1.0).abs() < 1e-12);
    }
}
