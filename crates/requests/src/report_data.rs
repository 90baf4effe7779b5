//! Everything the HTML report of `srtlog requests report` shows, computed
//! here so the output layer (srtlog-report) only presents it: the summary,
//! the metric's mean and p99 per window, the error rate per window, the
//! metric's histogram, the time breakdown, the correlation matrix, the
//! anomalies (robust MAD test, threshold [`ANOMALY_THRESHOLD`]) and the
//! per-model comparison.
//!
//! ```no_run
//! # let log = srtlog_requests::RequestLog::default();
//! let data = srtlog_requests::report_data::report_data(&log.table, "latency_ms", None);
//! ```

use crate::anomalies::{detect, AnomalyReport, Method};
use crate::breakdown::{breakdown, BreakdownReport};
use crate::compare::{compare, Group};
use crate::correlate::{correlate, CorrelationReport};
use crate::summary::{summary, SummaryReport};
use crate::trends::{trends, Agg, TrendReport};
use crate::{span_ns, values, RequestTable};

/// Robust z-score beyond which a request is an anomaly in the report
/// (Iglewicz & Hoaglin 1993 recommend 3.5).
pub const ANOMALY_THRESHOLD: f64 = 3.5;

/// Bins of the report's histogram.
pub const HISTOGRAM_BINS: usize = 50;

/// Windows a run is cut into when no window is asked for.
pub const DEFAULT_WINDOWS: u64 = 100;

/// A histogram with equal-width bins.
#[derive(Clone, Debug, PartialEq)]
pub struct Histogram {
    /// Lower edge of the first bin.
    pub lo: f64,
    /// Bin width.
    pub width: f64,
    /// Values per bin.
    pub counts: Vec<u64>,
    /// Values counted (finite ones).
    pub values: usize,
}

impl Histogram {
    /// Equal-width bins over the finite values of `column`; `None` when
    /// there is none.
    pub fn of(column: &[f64], bins: usize) -> Option<Histogram> {
        let mut v = values(column);
        v.retain(|x| x.is_finite());
        let (lo, hi) = v
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                (a.min(x), b.max(x))
            });
        if v.is_empty() || bins == 0 {
            return None;
        }
        let width = ((hi - lo) / bins as f64).max(f64::MIN_POSITIVE);
        let mut counts = vec![0u64; bins];
        for x in &v {
            let b = (((x - lo) / width) as usize).min(bins - 1);
            counts[b] += 1;
        }
        Some(Histogram {
            lo,
            width,
            counts,
            values: v.len(),
        })
    }

    /// The centre of bin `i`.
    pub fn centre(&self, i: usize) -> f64 {
        self.lo + (i as f64 + 0.5) * self.width
    }
}

/// What the request report shows.
#[derive(Clone, Debug)]
pub struct ReportData {
    /// The metric of the trend, histogram and anomalies.
    pub metric: String,
    /// Window length of the trends, seconds.
    pub window_s: u64,
    /// Counts, error rate, latency percentiles, throughput.
    pub summary: SummaryReport,
    /// Mean of the metric per window (`None`: no such column).
    pub trend_mean: Option<TrendReport>,
    /// p99 of the metric per window.
    pub trend_p99: Option<TrendReport>,
    /// Error rate per window.
    pub error_rate: TrendReport,
    /// Histogram of the metric.
    pub histogram: Option<Histogram>,
    /// Queue / prefill / decode / other per request, when logged.
    pub breakdown: Option<BreakdownReport>,
    /// Pearson and Spearman over the numeric columns (two or more).
    pub correlation: Option<CorrelationReport>,
    /// Outlying requests of the metric (MAD, [`ANOMALY_THRESHOLD`]).
    pub anomalies: Option<AnomalyReport>,
    /// Figures per model.
    pub models: Option<Vec<Group>>,
}

/// Computes the report's figures on `t` for `metric`, with trends per
/// `window_s` seconds (default: the run cut into about
/// [`DEFAULT_WINDOWS`] windows).
pub fn report_data(t: &RequestTable, metric: &str, window_s: Option<u64>) -> ReportData {
    let span_s = match span_ns(t) {
        (Some(a), Some(b)) => (b.saturating_sub(a) / 1_000_000_000).max(1) as u64,
        _ => 1,
    };
    let w = window_s.unwrap_or((span_s / DEFAULT_WINDOWS).max(1));
    let col = t.column(metric);
    let names = t.numeric_columns();
    let correlation = (names.len() >= 2).then(|| {
        let cols: Vec<&[f64]> = names.iter().filter_map(|n| t.column(n)).collect();
        correlate(&names, &cols)
    });
    ReportData {
        metric: metric.to_string(),
        window_s: w,
        summary: summary(t),
        trend_mean: col.map(|c| trends(t, metric, Some(c), w, Agg::Mean)),
        trend_p99: col.map(|c| trends(t, metric, Some(c), w, Agg::P99)),
        error_rate: trends(t, "requests", None, w, Agg::ErrorRate),
        histogram: col.and_then(|c| Histogram::of(c, HISTOGRAM_BINS)),
        breakdown: breakdown(t),
        correlation,
        anomalies: col.map(|c| detect(t, metric, c, Method::Mad, ANOMALY_THRESHOLD)),
        models: compare(t, "model"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_bins_and_centres() {
        let h = Histogram::of(&[0.0, 1.0, 2.0, 10.0, f64::NAN, f64::INFINITY], 5).unwrap();
        assert_eq!(h.values, 4);
        // Bins of width 2 from 0: 0 and 1 in the first, 2 in the second, 10
        // (the maximum) in the last.
        assert_eq!(h.counts, vec![2, 1, 0, 0, 1]);
        assert_eq!((h.lo, h.width), (0.0, 2.0));
        assert_eq!(h.centre(0), 1.0);
        assert!(Histogram::of(&[f64::NAN], 5).is_none());
        // One distinct value: one full bin, no division by zero.
        let h = Histogram::of(&[3.0, 3.0], 4).unwrap();
        assert_eq!(h.counts.iter().sum::<u64>(), 2);
    }
}
