//! `summary`: counts, error rate, latency percentiles, throughput, per model,
//! and the statistics of every other numeric field.
//!
//! Exact: every value is held in memory and sorted once per column
//! (percentiles by numpy's linear method, [`srtlog_stats::percentile_sorted`]).

use super::{end_ns, excluded_values, possible_latency, span_ns, usable};
use rayon::prelude::*;
use serde::Serialize;
use srtlog_stats::Summary as Stats;
use srtlog_table::requests::RequestTable;
use std::collections::BTreeMap;

/// Latency and count figures of a set of requests.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RequestSummary {
    /// Requests.
    pub total_requests: u64,
    /// Requests not marked as failed.
    pub successes: u64,
    /// Requests marked as failed.
    pub errors: u64,
    /// `errors / total_requests` (a fraction).
    pub error_rate: f64,
    /// Mean latency, ms.
    pub avg_latency_ms: f64,
    /// Median latency, ms.
    pub p50_latency_ms: f64,
    /// 90th percentile latency, ms.
    pub p90_latency_ms: f64,
    /// 95th percentile latency, ms.
    pub p95_latency_ms: f64,
    /// 99th percentile latency, ms.
    pub p99_latency_ms: f64,
    /// Maximum latency, ms.
    pub max_latency_ms: f64,
    /// Requests with a latency.
    pub latency_count: u64,
    /// First request time (ISO-8601 UTC).
    pub first_timestamp: Option<String>,
    /// End of the last request (timestamp + latency when known).
    pub last_timestamp: Option<String>,
    /// From the first request's start to the last request's end
    /// (timestamp + latency, or the last timestamp without latencies), s.
    pub span_s: f64,
    /// `total_requests / span_s` (requests per second; NaN for one instant).
    pub throughput_rps: f64,
}

/// The result of [`summary`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SummaryReport {
    /// Over all requests (the workflow's names at the top level in JSON).
    #[serde(flatten)]
    pub all: RequestSummary,
    /// Per model (requests without a model under `""`).
    pub per_model: BTreeMap<String, RequestSummary>,
    /// Statistics of every numeric column with values.
    pub fields: BTreeMap<String, Stats>,
    /// Values left out of the statistics, per column: non-finite ones, and
    /// impossible latencies (absent when there are none).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub excluded_values: BTreeMap<String, u64>,
}

/// The statistics of column `field`: over its [`usable`] values, with
/// `nan` the number of missing ones. Values present but not usable are
/// neither: they are counted in [`SummaryReport::excluded_values`].
pub fn field_stats(field: &str, column: &[f64]) -> Stats {
    // One copy: the usable values, the missing ones counted on the way.
    let mut nan = 0u64;
    let v: Vec<f64> = column
        .iter()
        .copied()
        .filter(|&x| {
            nan += u64::from(x.is_nan());
            usable(field, x)
        })
        .collect();
    crate::columns::stats_of_present(v, nan)
}

/// Summarises the requests of `t`.
pub fn request_summary(t: &RequestTable) -> RequestSummary {
    let n = t.len() as u64;
    let errors = t.ok.iter().filter(|&&o| o == 0).count() as u64;
    // Impossible latencies (infinite, negative, past 292 years) are left
    // out and counted in `SummaryReport::excluded_values`.
    let lat: Vec<f64> = t
        .column("latency_ms")
        .map(|c| c.iter().copied().filter(|x| possible_latency(*x)).collect())
        .unwrap_or_default();
    let s = Stats::of(&lat);
    let (first, _) = span_ns(t);
    RequestSummary::of_counts(n, errors, &s, first, end_ns(t))
}

impl RequestSummary {
    /// The summary of `n` requests of which `errors` failed, `lat` the
    /// statistics of their possible latencies, `first` the earliest start
    /// and `last` the latest end (nanoseconds since the epoch). The one
    /// constructor of the table's summary and of the column scan's
    /// ([`crate::columns`]).
    pub(crate) fn of_counts(
        n: u64,
        errors: u64,
        lat: &Stats,
        first: Option<i64>,
        last: Option<i64>,
    ) -> RequestSummary {
        let span_s = match (first, last) {
            (Some(a), Some(b)) => (b - a) as f64 / 1e9,
            _ => f64::NAN,
        };
        let fmt = srtlog_formats::requests::time::format_ns;
        RequestSummary {
            total_requests: n,
            successes: n - errors,
            errors,
            error_rate: if n == 0 {
                f64::NAN
            } else {
                errors as f64 / n as f64
            },
            avg_latency_ms: lat.mean,
            p50_latency_ms: lat.median,
            p90_latency_ms: lat.p90,
            p95_latency_ms: lat.p95,
            p99_latency_ms: lat.p99,
            max_latency_ms: lat.max,
            latency_count: lat.count,
            first_timestamp: first.map(fmt),
            last_timestamp: last.map(fmt),
            span_s,
            throughput_rps: if span_s > 0.0 {
                n as f64 / span_s
            } else {
                f64::NAN
            },
        }
    }
}

/// The `summary` analysis.
pub fn summary(t: &RequestTable) -> SummaryReport {
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for i in 0..t.len() {
        groups
            .entry(t.model.get(i).unwrap_or("").to_owned())
            .or_default()
            .push(i);
    }
    let all = request_summary(t);
    let per_model = if groups.len() <= 1 && groups.contains_key("") {
        BTreeMap::new()
    } else if groups.len() == 1 {
        // One model: its figures are the totals (no copy of the table).
        groups.into_keys().map(|m| (m, all.clone())).collect()
    } else {
        groups
            .into_iter()
            .map(|(m, rows)| (m, request_summary(&t.take(&rows))))
            .collect()
    };
    let fields = t
        .numeric_columns()
        .into_par_iter()
        .filter_map(|c| {
            t.column(&c).map(|v| {
                let s = field_stats(&c, v);
                (c, s)
            })
        })
        .collect();
    SummaryReport {
        all,
        per_model,
        fields,
        excluded_values: excluded_values(t),
    }
}
