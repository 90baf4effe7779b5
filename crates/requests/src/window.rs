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
    /// Latencies left out of the in-flight count because the request's
    /// end does not fit the clock (negative, infinite, or like `1e300` ms).
    #[serde(skip_serializing_if = "is_zero")]
    pub latencies_out_of_range: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// The end of a request that started at `ts` (ns) and took `latency_ms`;
/// `None` when the latency is negative, not finite, or the end does not fit
/// an `i64` of nanoseconds (`as` would saturate and the sum overflow).
fn end_ns(ts: i64, latency_ms: f64) -> Option<i64> {
    let ns = latency_ms * 1e6;
    // 2^63 is exact in f64: anything below it converts without saturating.
    if !(0.0..9_223_372_036_854_775_808.0).contains(&ns) {
        return None;
    }
    ts.checked_add(ns as i64)
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
    let mut bad = 0u64;
    for i in 0..t.len() {
        let Some(ts) = t.timestamp_ns[i] else {
            continue;
        };
        *per_sec.entry(ts.div_euclid(1_000_000_000)).or_default() += 1;
        if let Some(l) = lat.map(|c| c[i]).filter(|l| !l.is_nan()) {
            match end_ns(ts, l) {
                Some(end) => {
                    events.push((ts, 1));
                    events.push((end, -1));
                }
                None => bad += 1,
            }
        }
    }
    // Ends sort before starts at the same instant: touching intervals do
    // not overlap.
    events.sort_unstable();
    let (mut cur, mut max) = (0i64, 0i64);
    let out_of_range = bad;
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
        latencies_out_of_range: out_of_range,
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

#[cfg(test)]
mod tests {
    use super::*;
    use srtlog_formats::requests::{decode_line, FieldMap};

    /// Issue 17 item 5: a latency of 1e300 ms overflowed `ts + latency`
    /// (a panic in debug builds, a wrapped end in release ones).
    #[test]
    fn absurd_latencies_are_counted_not_added() {
        let mut t = RequestTable::new();
        for l in [
            r#"{"timestamp": "2025-01-01T00:00:00Z", "latency_ms": 1e300}"#,
            r#"{"timestamp": "2025-01-01T00:00:00.5Z", "latency_ms": 1000}"#,
            r#"{"timestamp": "2025-01-01T00:00:00.7Z", "latency_ms": 1000}"#,
            r#"{"timestamp": "2025-01-01T00:00:01Z", "latency_ms": -5}"#,
        ] {
            let r = decode_line(l.as_bytes(), &FieldMap::default())
                .expect("valid")
                .expect("row");
            t.push(&r);
        }
        let from = 1_735_689_600_000_000_000;
        let r = window(&t, from, from + 10_000_000_000);
        assert_eq!(r.window.summary.total_requests, 4);
        assert_eq!(r.window.latencies_out_of_range, 2);
        assert_eq!(r.window.max_in_flight, 2);
        assert_eq!(end_ns(i64::MAX - 5, 1.0), None);
        assert_eq!(end_ns(0, f64::INFINITY), None);
        assert_eq!(end_ns(7, 2.0), Some(2_000_007));
    }
}
