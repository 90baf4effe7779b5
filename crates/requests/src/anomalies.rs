//! `anomalies`: outlying requests of one metric.
//!
//! Methods (scores are absolute, compared with the threshold), computed by
//! [`srtlog_stats::outliers`], which cites each definition:
//! * `zscore`: `|x − mean| / std` (population std) — the method of the
//!   Python srtlog; sensitive to the outliers it looks for.
//! * `iqr`: Tukey's fences (Tukey 1977): outside `[Q1 − T·IQR, Q3 + T·IQR]`;
//!   the score is the distance beyond the nearer quartile in IQRs
//!   (T = 1.5 is the classic choice).
//! * `mad`: robust z-score `|x − median| / (1.4826 · MAD)` (Iglewicz &
//!   Hoaglin 1993; 1.4826 makes the MAD estimate σ for normal data;
//!   T = 3.5 is their recommendation).

use super::usable;
use serde::Serialize;
use srtlog_stats::outliers::{Mad, Tukey, ZScore};
use srtlog_table::requests::RequestTable;

/// Outlier test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Standard score.
    Zscore,
    /// Tukey's fences.
    Iqr,
    /// Median absolute deviation.
    Mad,
}

/// One outlying request.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Anomaly {
    /// Row in the (filtered) table.
    pub row: usize,
    /// Request id.
    pub request_id: Option<String>,
    /// Request time (ISO-8601 UTC).
    pub timestamp: Option<String>,
    /// Model.
    pub model: Option<String>,
    /// The metric's value.
    pub value: f64,
    /// The score compared with the threshold.
    pub score: f64,
}

/// The result of [`detect`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AnomalyReport {
    /// The metric.
    pub metric: String,
    /// The method.
    pub method: Method,
    /// The threshold.
    pub threshold: f64,
    /// Values tested (non-missing).
    pub tested: u64,
    /// Centre used (mean or median).
    pub center: f64,
    /// Scale used (std, IQR or 1.4826·MAD).
    pub scale: f64,
    /// Number of anomalies.
    pub count: usize,
    /// The anomalies, in row order.
    pub anomalies: Vec<Anomaly>,
}

/// What an anomaly names besides its value: read only for outlying rows.
#[derive(Clone, Debug, Default)]
pub struct RowInfo {
    /// Request id.
    pub request_id: Option<String>,
    /// Request time, ns.
    pub timestamp_ns: Option<i64>,
    /// Model.
    pub model: Option<String>,
}

/// Finds the rows of `t` whose `metric` is an outlier. `column` is the
/// metric's values (from [`RequestTable::column`]).
pub fn detect(
    t: &RequestTable,
    metric: &str,
    column: &[f64],
    method: Method,
    threshold: f64,
) -> AnomalyReport {
    let info = |i: usize| RowInfo {
        request_id: t.request_id(i).map(str::to_owned),
        timestamp_ns: t.timestamp_ns.get(i).copied().flatten(),
        model: t.model.get(i).map(str::to_owned),
    };
    detect_by(metric, column, method, threshold, &info)
}

/// [`detect`] with the rows' ids, times and models from `info`, asked only
/// for the outlying rows (the column scan keeps no table).
pub fn detect_by(
    metric: &str,
    column: &[f64],
    method: Method,
    threshold: f64,
    info: &dyn Fn(usize) -> RowInfo,
) -> AnomalyReport {
    // Impossible latencies (infinite, negative, past 292 years) would set
    // the center and scale and hide every real outlier: left out, as the
    // summary leaves them out.
    let mut sorted: Vec<f64> = column
        .iter()
        .copied()
        .filter(|x| usable(metric, *x))
        .collect();
    sorted.sort_unstable_by(f64::total_cmp);
    let (center, scale, score): (f64, f64, Box<dyn Fn(f64) -> f64>) = match method {
        Method::Zscore => {
            // Pushed in sorted order, as before: Welford's mean depends on
            // the order in the last bits. (An unstable sort gives the same
            // order: values equal under `total_cmp` have the same bits.)
            let z = ZScore::fit(&sorted);
            (z.mean, z.std, Box::new(move |x| z.score(x)))
        }
        Method::Iqr => {
            let t = Tukey::fit_sorted(&sorted);
            (t.median, t.iqr(), Box::new(move |x| t.score(x)))
        }
        Method::Mad => {
            let m = Mad::fit_sorted(&sorted);
            (m.median, m.scale, Box::new(move |x| m.score(x)))
        }
    };
    let fmt = srtlog_formats::requests::time::format_ns;
    let mut anomalies = Vec::new();
    // A zero scale (constant data) flags nothing: every score is 0/0 or x/0,
    // and "everything differing from a constant" is not a useful answer.
    if scale > 0.0 {
        for (i, &x) in column.iter().enumerate() {
            // Missing and non-finite values were not in the sample, and
            // are not scored (the summary counts the non-finite ones).
            if !usable(metric, x) {
                continue;
            }
            let s = score(x);
            if s > threshold {
                let r = info(i);
                anomalies.push(Anomaly {
                    row: i,
                    request_id: r.request_id,
                    timestamp: r.timestamp_ns.map(fmt),
                    model: r.model,
                    value: x,
                    score: s,
                });
            }
        }
    }
    AnomalyReport {
        metric: metric.to_owned(),
        method,
        threshold,
        tested: sorted.len() as u64,
        center,
        scale,
        count: anomalies.len(),
        anomalies,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_on_a_known_sample() {
        // 19 values around 10 and one at 100.
        let mut v: Vec<f64> = (0..19).map(|i| 9.0 + (i % 3) as f64).collect();
        v.push(100.0);
        let t = RequestTable::new();
        // Python: mean 14.45, population std 19.643001298172333,
        // z(100) = 4.355240764961917 > 3.
        let z = detect(&t, "x", &v, Method::Zscore, 3.0);
        assert_eq!(z.count, 1);
        assert_eq!(z.anomalies[0].row, 19);
        assert!((z.anomalies[0].score - 4.355_240_764_961_917).abs() < 1e-12);
        let i = detect(&t, "x", &v, Method::Iqr, 1.5);
        assert_eq!(i.anomalies.iter().map(|a| a.row).collect::<Vec<_>>(), [19]);
        // median 10, MAD 1 → scale 1.4826; score(100) = 90/1.4826.
        let m = detect(&t, "x", &v, Method::Mad, 3.5);
        assert_eq!(m.count, 1);
        assert!((m.anomalies[0].score - 90.0 / 1.4826).abs() < 1e-9);
        assert_eq!(detect(&t, "x", &[5.0; 4], Method::Zscore, 1.0).count, 0);
    }
}
