//! Deltas between two snapshots: `after − before` of every cumulative
//! series (counters, histogram buckets/sums/counts, summary sums/counts),
//! and the before/after of every gauge.
//!
//! A cumulative series that went down was reset (the server restarted
//! between the snapshots): its delta is reported as the after value, the
//! lower bound of the true increase (Prometheus `increase()` does the same),
//! and the pair is flagged. A series absent before started at zero.

use super::snapshot::{SeriesValue, Snapshot};
use srtlog_formats::prom::MetricType;
/// Bucket estimates (total, quantile) live in the statistics crate, which
/// cites their method (Prometheus `histogram_quantile`).
pub use srtlog_stats::histogram::{bucket_quantile, bucket_total};
use std::collections::BTreeMap;

/// The delta of one cumulative series.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SeriesDelta {
    /// Sample name.
    pub name: String,
    /// Canonical label key.
    pub labels: String,
    /// Histogram bucket bound.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub le: Option<f64>,
    /// Before value (0 when the series is new).
    pub before: f64,
    /// After value.
    pub after: f64,
    /// The increase (the after value when the series was reset).
    pub delta: f64,
    /// The series went down.
    pub reset: bool,
    #[serde(skip)]
    /// Family type.
    pub ty: MetricType,
}

/// A gauge before and after.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct GaugeChange {
    /// Sample name.
    pub name: String,
    /// Canonical label key.
    pub labels: String,
    /// Before value (absent when the series is new).
    pub before: Option<f64>,
    /// After value.
    pub after: f64,
}

/// All deltas of a pair.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Deltas {
    /// Cumulative series, in after-snapshot order.
    pub series: Vec<SeriesDelta>,
    /// Gauges.
    pub gauges: Vec<GaugeChange>,
    /// A series that tells the process restarted even if no counter went
    /// down: a `_created` timestamp or `process_start_time_seconds` that
    /// changed (a counter may restart and grow past its old value).
    pub restarted: Option<String>,
}

impl Deltas {
    /// Computes the deltas of `after` relative to `before`.
    pub fn between(before: &Snapshot, after: &Snapshot) -> Deltas {
        let mut d = Deltas::default();
        for a in &after.series {
            let b = before.get(&a.name, &a.labels);
            let marks_start =
                a.name.ends_with("_created") || a.name == "process_start_time_seconds";
            if marks_start && d.restarted.is_none() {
                if let Some(b) = b.filter(|b| b.value != a.value) {
                    d.restarted = Some(format!(
                        "{}{{{}}} {} -> {}",
                        a.name, a.labels, b.value, a.value
                    ));
                }
            }
            if a.is_cumulative() {
                d.series.push(series_delta(b, a));
            } else if a.is_gauge() {
                d.gauges.push(GaugeChange {
                    name: a.name.clone(),
                    labels: a.labels.clone(),
                    before: b.map(|b| b.value),
                    after: a.value,
                });
            }
        }
        d
    }

    /// Series that went down.
    pub fn resets(&self) -> impl Iterator<Item = &SeriesDelta> {
        self.series.iter().filter(|s| s.reset)
    }

    /// Sum of the deltas of every series named `name` (all label sets).
    /// A `vllm:` name also matches its `vllm_` form (colons escaped by
    /// prometheus_client's OpenMetrics output).
    pub fn total(&self, name: &str) -> Option<f64> {
        let mut found = false;
        let mut t = 0.0;
        for s in self.series.iter().filter(|s| same_name(&s.name, name)) {
            found = true;
            t += s.delta;
        }
        found.then_some(t)
    }

    /// Bucket deltas of histogram `base` summed over label sets, by `le`
    /// ascending (cumulative counts).
    pub fn buckets(&self, base: &str) -> Vec<(f64, f64)> {
        let name = format!("{base}_bucket");
        let mut by_le: BTreeMap<u64, (f64, f64)> = BTreeMap::new();
        for s in self.series.iter().filter(|s| same_name(&s.name, &name)) {
            if let Some(le) = s.le {
                let e = by_le.entry(order_key(le)).or_insert((le, 0.0));
                e.1 += s.delta;
            }
        }
        by_le.into_values().collect()
    }

    /// Every cumulative delta is zero.
    pub fn all_zero(&self) -> bool {
        self.series.iter().all(|s| s.delta == 0.0)
    }
}

/// `sample == wanted`, where a `:` of `wanted` may be `_` in `sample`.
pub fn same_name(sample: &str, wanted: &str) -> bool {
    sample.len() == wanted.len()
        && sample
            .bytes()
            .zip(wanted.bytes())
            .all(|(a, b)| a == b || (b == b':' && a == b'_'))
}

/// A key that sorts finite floats and +Inf in numeric order.
fn order_key(x: f64) -> u64 {
    let b = x.to_bits();
    if b >> 63 == 1 {
        !b
    } else {
        b | (1 << 63)
    }
}

fn series_delta(before: Option<&SeriesValue>, a: &SeriesValue) -> SeriesDelta {
    let b = before.map_or(0.0, |b| b.value);
    let reset = a.value < b;
    SeriesDelta {
        name: a.name.clone(),
        labels: a.labels.clone(),
        le: a.le,
        before: b,
        after: a.value,
        delta: if reset { a.value } else { a.value - b },
        reset,
        ty: a.ty,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::path::Path;

    fn snap(t: &str) -> Snapshot {
        Snapshot::from_bytes(Path::new("x"), t.as_bytes())
    }

    #[test]
    fn counters_histograms_gauges_and_resets() {
        let b = snap("# TYPE c_total counter\nc_total{a=\"1\"} 5\nc_total{a=\"2\"} 1\n# TYPE g gauge\ng 3\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 2\n# TYPE c_created gauge\nc_created 17e8\n");
        let a = snap("# TYPE c_total counter\nc_total{a=\"1\"} 7\nc_total{a=\"2\"} 0\n# TYPE g gauge\ng 4\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 3\nh_sum 5.5\nh_count 3\n# TYPE c_created gauge\nc_created 17e8\nnew_total 2\n");
        let d = Deltas::between(&b, &a);
        assert_eq!(d.total("c_total"), Some(2.0 + 0.0));
        assert_eq!(d.resets().count(), 1);
        assert_eq!(d.total("h_sum"), Some(2.5));
        assert_eq!(d.total("new_total"), Some(2.0));
        assert_eq!(d.buckets("h"), [(1.0, 0.0), (f64::INFINITY, 1.0)]);
        assert_eq!(d.gauges.len(), 1);
        assert_eq!((d.gauges[0].before, d.gauges[0].after), (Some(3.0), 4.0));
        assert!(!d.all_zero());
        assert!(Deltas::between(&b, &b).all_zero());
        assert_eq!(d.restarted, None);
        // A restart whose counters already grew past the old values.
        let r = snap("# TYPE c_total counter\nc_total{a=\"1\"} 9\n# TYPE c_created gauge\nc_created 17.5e8\n");
        let d = Deltas::between(&b, &r);
        assert_eq!(d.resets().count(), 0);
        assert_eq!(
            d.restarted.as_deref(),
            Some("c_created{} 1700000000 -> 1750000000")
        );
    }

    #[test]
    fn bucket_estimates() {
        let b = [(0.5, 0.0), (1.0, 1.0), (2.5, 1.0), (f64::INFINITY, 1.0)];
        assert_eq!(bucket_total(&b), (0.75, 1.0));
        let b = [(1.0, 2.0), (2.0, 4.0), (f64::INFINITY, 5.0)];
        assert_eq!(bucket_total(&b), (0.5 * 2.0 + 1.5 * 2.0 + 2.0, 5.0));
        assert_eq!(bucket_quantile(&b, 0.5), 1.25);
        assert_eq!(bucket_quantile(&b, 1.0), 2.0);
        assert!(bucket_quantile(&[], 0.5).is_nan());
    }
}
