//! `breakdown`: where each request's time went — queue, prefill, decode and
//! the rest (`latency − queue − prefill − decode`, clamped at 0) — from
//! SGLang's request-metrics export (or any log with those columns).
//!
//! Reports the statistics of each component and its mean share of the
//! mean latency, over the requests that have all of latency, queue,
//! prefill and decode.

use serde::Serialize;
use srtlog_stats::Summary as Stats;
use srtlog_table::requests::RequestTable;

/// One component.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Component {
    /// `queue`, `prefill`, `decode` or `other`.
    pub name: &'static str,
    /// Statistics, ms.
    pub stats: Stats,
    /// Mean of the component over mean latency.
    pub share: f64,
}

/// The result of [`breakdown`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BreakdownReport {
    /// Requests with a complete breakdown.
    pub requests: u64,
    /// Requests without one (left out).
    pub incomplete: u64,
    /// Latency statistics of those requests, ms.
    pub latency: Stats,
    /// The components.
    pub components: Vec<Component>,
    /// Per request, `[queue, prefill, decode, other]` in ms (for charts).
    #[serde(skip)]
    pub rows: Vec<[f64; 4]>,
}

/// Breaks down latency; `None` when no request has the columns.
pub fn breakdown(t: &RequestTable) -> Option<BreakdownReport> {
    let col = |n: &str| t.column(n);
    let (lat, q, p, d) = (
        col("latency_ms")?,
        col("queue_ms")?,
        col("prefill_ms")?,
        col("decode_ms")?,
    );
    let mut rows = Vec::new();
    let mut lats = Vec::new();
    for i in 0..t.len() {
        let v = [lat[i], q[i], p[i], d[i]];
        if v.iter().any(|x| x.is_nan()) {
            continue;
        }
        let other = (v[0] - v[1] - v[2] - v[3]).max(0.0);
        rows.push([v[1], v[2], v[3], other]);
        lats.push(v[0]);
    }
    if rows.is_empty() {
        return None;
    }
    let latency = Stats::of(&lats);
    let components = ["queue", "prefill", "decode", "other"]
        .into_iter()
        .enumerate()
        .map(|(k, name)| {
            let v: Vec<f64> = rows.iter().map(|r| r[k]).collect();
            let stats = Stats::of(&v);
            Component {
                name,
                share: stats.mean / latency.mean,
                stats,
            }
        })
        .collect();
    Some(BreakdownReport {
        requests: rows.len() as u64,
        incomplete: t.len() as u64 - rows.len() as u64,
        latency,
        components,
        rows,
    })
}
