//! `trends`: one metric aggregated over fixed time windows.
//!
//! Windows are aligned to the epoch (`floor(t / w) · w`, like pandas'
//! `resample`), and only windows holding requests are listed. Percentile
//! aggregations sort each window's values (numpy linear method).

use super::values;
use serde::Serialize;
use srtlog_stats::{percentile_sorted, Moments};
use srtlog_table::requests::RequestTable;
use std::collections::BTreeMap;

/// How a window's values are combined.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Agg {
    /// Mean.
    Mean,
    /// Median.
    Median,
    /// 95th percentile.
    P95,
    /// 99th percentile.
    P99,
    /// Maximum.
    Max,
    /// Minimum.
    Min,
    /// Number of requests in the window.
    Count,
    /// Sum.
    Sum,
    /// Fraction of failed requests.
    ErrorRate,
}

/// One window.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TrendRow {
    /// Window start, ns since the epoch.
    pub start_ns: i64,
    /// Window start, ISO-8601 UTC.
    pub timestamp: String,
    /// Requests in the window.
    pub requests: u64,
    /// The aggregated value.
    pub value: f64,
}

/// The result of [`trends`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TrendReport {
    /// The metric (`requests` for count/error_rate without a metric).
    pub metric: String,
    /// The aggregation.
    pub agg: Agg,
    /// Window length, seconds.
    pub window_s: u64,
    /// Requests without a timestamp (left out).
    pub without_timestamp: u64,
    /// One row per non-empty window, in time order.
    pub rows: Vec<TrendRow>,
}

/// Aggregates `column` (NaN = missing) of `t` over windows of `window_s`.
pub fn trends(
    t: &RequestTable,
    metric: &str,
    column: Option<&[f64]>,
    window_s: u64,
    agg: Agg,
) -> TrendReport {
    // Checked: a window past ~292 years does not fit i64 nanoseconds and
    // becomes one window holding everything, never a wrapped negative width.
    // The CLI refuses 0 and absurd lengths before this (`--window`).
    let w = i64::try_from(window_s.max(1))
        .ok()
        .and_then(|s| s.checked_mul(1_000_000_000))
        .unwrap_or(i64::MAX);
    let mut buckets: BTreeMap<i64, (u64, u64, Vec<f64>)> = BTreeMap::new();
    let mut without = 0;
    for i in 0..t.len() {
        let Some(ts) = t.timestamp_ns[i] else {
            without += 1;
            continue;
        };
        let b = buckets
            .entry(ts.div_euclid(w).saturating_mul(w))
            .or_default();
        b.0 += 1;
        if t.ok(i) == Some(false) {
            b.1 += 1;
        }
        if let Some(c) = column {
            if !c[i].is_nan() {
                b.2.push(c[i]);
            }
        }
    }
    let fmt = srtlog_formats::requests::time::format_ns;
    let rows = buckets
        .into_iter()
        .map(|(start, (n, err, mut v))| {
            let value = match agg {
                Agg::Count => n as f64,
                Agg::ErrorRate => err as f64 / n as f64,
                Agg::Sum => v.iter().sum(),
                Agg::Mean => {
                    let mut m = Moments::new();
                    v.iter().for_each(|&x| m.push(x));
                    m.mean()
                }
                Agg::Max => v.iter().copied().fold(f64::NAN, f64::max),
                Agg::Min => v.iter().copied().fold(f64::NAN, f64::min),
                Agg::Median | Agg::P95 | Agg::P99 => {
                    v = values(&v);
                    v.sort_by(f64::total_cmp);
                    let q = match agg {
                        Agg::Median => 0.5,
                        Agg::P95 => 0.95,
                        _ => 0.99,
                    };
                    percentile_sorted(&v, q)
                }
            };
            TrendRow {
                start_ns: start,
                timestamp: fmt(start),
                requests: n,
                value,
            }
        })
        .collect();
    TrendReport {
        metric: metric.to_owned(),
        agg,
        window_s,
        without_timestamp: without,
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use srtlog_formats::requests::{decode_line, FieldMap};

    fn table() -> RequestTable {
        let mut t = RequestTable::new();
        for l in [
            r#"{"timestamp": "2025-01-01T00:00:00Z", "latency_ms": 10}"#,
            r#"{"timestamp": "2025-01-01T00:00:30Z", "latency_ms": 30}"#,
            r#"{"timestamp": "2025-01-01T00:01:10Z", "latency_ms": 50}"#,
        ] {
            let r = decode_line(l.as_bytes(), &FieldMap::default())
                .expect("valid")
                .expect("row");
            t.push(&r);
        }
        t
    }

    /// Issue 17 item 5: `window_s as i64 * 1e9` wrapped for huge windows
    /// (u64::MAX became -1 s); now one window holds every request.
    #[test]
    fn huge_windows_do_not_overflow() {
        let t = table();
        for w in [u64::MAX, 1 << 63, 10_000_000_000] {
            let r = trends(&t, "latency_ms", None, w, Agg::Count);
            assert_eq!(r.rows.len(), 1, "{w}");
            assert_eq!(r.rows[0].requests, 3);
        }
        let r = trends(&t, "latency_ms", None, 60, Agg::Count);
        assert_eq!(
            r.rows.iter().map(|r| r.requests).collect::<Vec<_>>(),
            [2, 1]
        );
    }
}
