//! The client side's figures: per-request values out of a request table,
//! and the samples each client metric is computed and tested on.
//!
//! Definitions (as the benchmark clients define them: `vllm bench serve`,
//! sglang `bench_serving`, AIPerf):
//! * latencies (TTFT, TPOT, E2E) are taken over the **successful**
//!   requests; TPOT is the log's `itl_ms`/`tpot_ms` when present, else
//!   `(e2e − TTFT)/(output tokens − 1)` for requests with two or more
//!   output tokens;
//! * the error rate is failed / (requests whose outcome is known);
//! * throughputs count successful requests (and their output tokens) by
//!   completion time (start + end-to-end latency), per second, from the
//!   first start to the last completion.

use crate::source::ClientRequests;
use srtlog_table::requests::RequestTable;

/// Per-request values of a request table.
pub fn client_from_table(t: &RequestTable) -> ClientRequests {
    let n = t.len();
    let col = |name: &str| -> Vec<f64> {
        t.column(name)
            .map(<[f64]>::to_vec)
            .unwrap_or_else(|| vec![f64::NAN; n])
    };
    let ttft = col("ttft_ms");
    let e2e = col("latency_ms");
    let out = col("output_tokens");
    let itl = col("itl_ms");
    let tpot: Vec<f64> = (0..n)
        .map(|i| {
            if !itl[i].is_nan() {
                itl[i]
            } else if out[i] >= 2.0 && !e2e[i].is_nan() && !ttft[i].is_nan() {
                (e2e[i] - ttft[i]) / (out[i] - 1.0)
            } else {
                f64::NAN
            }
        })
        .collect();
    let first = t.timestamp_ns.iter().flatten().min().copied();
    let start_s = t
        .timestamp_ns
        .iter()
        .map(|ts| match (ts, first) {
            (Some(v), Some(f)) => (v - f) as f64 / 1e9,
            _ => f64::NAN,
        })
        .collect();
    ClientRequests {
        ttft_ms: ttft,
        tpot_ms: tpot,
        e2e_ms: e2e,
        output_tokens: out,
        ok: (0..n).map(|i| t.ok(i)).collect(),
        start_s,
    }
}

/// The values of a latency column over the successful requests (NaN
/// dropped).
pub fn successful(c: &ClientRequests, values: &[f64]) -> Vec<f64> {
    values
        .iter()
        .zip(&c.ok)
        .filter(|(v, ok)| !v.is_nan() && **ok != Some(false))
        .map(|(v, _)| *v)
        .collect()
}

/// 1 for each failed request, 0 for each successful one (unknown outcomes
/// left out).
pub fn failures(c: &ClientRequests) -> Vec<f64> {
    c.ok.iter()
        .filter_map(|o| o.map(|ok| if ok { 0.0 } else { 1.0 }))
        .collect()
}

/// Completions per second of successful requests (`tokens`: their output
/// tokens per second instead), in one-second buckets from the first start
/// to the last completion. Empty without timestamps and latencies.
pub fn completions_per_s(c: &ClientRequests, tokens: bool) -> Vec<f64> {
    let ends: Vec<(f64, f64)> = (0..c.len())
        .filter(|&i| c.ok[i] != Some(false))
        .filter_map(|i| {
            let end = c.start_s[i] + c.e2e_ms[i] / 1000.0;
            let w = if tokens { c.output_tokens[i] } else { 1.0 };
            (end.is_finite() && end >= 0.0 && !w.is_nan()).then_some((end, w))
        })
        .collect();
    let Some(last) = ends.iter().map(|e| e.0).reduce(f64::max) else {
        return Vec::new();
    };
    let mut v = vec![0.0; last.floor() as usize + 1];
    for (end, w) in ends {
        v[end.floor() as usize] += w;
    }
    v
}
