//! `window --from T1 --to T2`: the workflow's latency-spike investigation.
//!
//! For the requests in the window and for the rest of the run: count,
//! latency, error rate, mean batch size, GPU utilisation and memory, and
//! two concurrency figures: the workflow's "max concurrent" (most requests
//! sharing one timestamp, here one second) and the most requests in flight
//! at once (intervals `[start, start + latency]`, when latencies exist).

use super::summary::{request_summary, RequestSummary};
use serde::Serialize;
use srtlog_stats::Moments;
use srtlog_table::requests::RequestTable;
use std::collections::HashMap;

/// Figures of one side of the comparison.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Side {
    /// Counts and latency.
    #[serde(flatten)]
    pub summary: RequestSummary,
    /// Mean batch size.
    pub avg_batch_size: f64,
    /// Most requests starting within one second.
    pub max_requests_per_second: u64,
    /// Most requests in flight at once.
    pub max_in_flight: u64,
    /// Mean GPU utilisation, percent.
    pub avg_gpu_util: f64,
    /// Mean GPU memory in use, GB.
    pub avg_memory_used_gb: f64,
}

/// The result of [`window`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WindowReport {
    /// Window start (ISO-8601 UTC).
    pub from: String,
    /// Window end (exclusive).
    pub to: String,
    /// Requests in the window.
    pub window: Side,
    /// Every other request.
    pub rest: Side,
}

fn mean(c: Option<&[f64]>) -> f64 {
    let mut m = Moments::new();
    if let Some(c) = c {
        c.iter().for_each(|&x| m.push(x));
    }
    m.mean()
}

fn side(t: &RequestTable) -> Side {
    let mut per_sec: HashMap<i64, u64> = HashMap::new();
    let mut events: Vec<(i64, i32)> = Vec::new();
    let lat = t.column("latency_ms");
    for i in 0..t.len() {
        let Some(ts) = t.timestamp_ns[i] else {
            continue;
        };
        *per_sec.entry(ts.div_euclid(1_000_000_000)).or_default() += 1;
        if let Some(l) = lat.map(|c| c[i]).filter(|l| !l.is_nan()) {
            events.push((ts, 1));
            events.push((ts + (l * 1e6) as i64, -1));
        }
    }
    // Ends sort before starts at the same instant: touching intervals do
    // not overlap.
    events.sort_unstable();
    let (mut cur, mut max) = (0i64, 0i64);
    for (_, d) in events {
        cur += i64::from(d);
        max = max.max(cur);
    }
    Side {
        summary: request_summary(t),
        avg_batch_size: mean(t.column("batch_size")),
        max_requests_per_second: per_sec.values().copied().max().unwrap_or(0),
        max_in_flight: max as u64,
        avg_gpu_util: mean(t.column("gpu_util")),
        avg_memory_used_gb: mean(t.column("memory_used_gb")),
    }
}

/// Compares the requests in `[from_ns, to_ns)` with the others.
pub fn window(t: &RequestTable, from_ns: i64, to_ns: i64) -> WindowReport {
    let (inside, outside): (Vec<usize>, Vec<usize>) = (0..t.len())
        .partition(|&i| t.timestamp_ns[i].is_some_and(|ts| ts >= from_ns && ts < to_ns));
    let fmt = srtlog_formats::requests::time::format_ns;
    WindowReport {
        from: fmt(from_ns),
        to: fmt(to_ns),
        window: side(&t.take(&inside)),
        rest: side(&t.take(&outside)),
    }
}
