//! The metrics `srtlog compare` reports, with their units and the direction
//! that is good for each (which turns a significant change into "better" or
//! "worse").

use serde::Serialize;

/// Which direction of change is an improvement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Good {
    /// More is better (throughput).
    Higher,
    /// Less is better (latency, queues, errors).
    Lower,
    /// Neither: the metric describes the load (running requests, KV use).
    Neither,
}

/// A worker-log metric.
#[derive(Debug)]
pub struct WorkerMetric {
    /// Id (the part after the worker type in `decode.decode_throughput`).
    pub id: &'static str,
    /// Title.
    pub title: &'static str,
    /// Unit.
    pub unit: &'static str,
    /// Side of the series (`prefill` or `decode` batches).
    pub side: &'static str,
    /// Node-metrics columns, the first one present wins.
    pub columns: &'static [&'static str],
    /// Good direction.
    pub good: Good,
}

/// The worker metrics, in table order.
pub static WORKER_METRICS: [WorkerMetric; 8] = [
    WorkerMetric {
        id: "prefill_throughput",
        title: "prefill throughput",
        unit: "tokens/s",
        side: "prefill",
        columns: &["new_token", "input_throughput"],
        good: Good::Higher,
    },
    WorkerMetric {
        id: "decode_throughput",
        title: "decode throughput",
        unit: "tokens/s",
        side: "decode",
        columns: &["gen_throughput"],
        good: Good::Higher,
    },
    WorkerMetric {
        id: "prefill_queue",
        title: "queued requests (prefill)",
        unit: "requests",
        side: "prefill",
        columns: &["queue_req"],
        good: Good::Lower,
    },
    WorkerMetric {
        id: "decode_queue",
        title: "queued requests (decode)",
        unit: "requests",
        side: "decode",
        columns: &["queue_req"],
        good: Good::Lower,
    },
    WorkerMetric {
        id: "prefill_running",
        title: "running requests (prefill)",
        unit: "requests",
        side: "prefill",
        columns: &["running_req"],
        good: Good::Neither,
    },
    WorkerMetric {
        id: "decode_running",
        title: "running requests (decode)",
        unit: "requests",
        side: "decode",
        columns: &["running_req"],
        good: Good::Neither,
    },
    WorkerMetric {
        id: "prefill_kv_usage",
        title: "KV token usage (prefill)",
        unit: "fraction",
        side: "prefill",
        columns: &["token_usage"],
        good: Good::Neither,
    },
    WorkerMetric {
        id: "decode_kv_usage",
        title: "KV token usage (decode)",
        unit: "fraction",
        side: "decode",
        columns: &["token_usage"],
        good: Good::Neither,
    },
];

/// A latency of the client side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Latency {
    /// Time to first token.
    Ttft,
    /// Time per output token (inter-token latency).
    Tpot,
    /// End-to-end latency.
    E2e,
}

/// How a client metric is computed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ClientKind {
    /// A percentile (0–100) of a latency over the successful requests.
    Percentile(Latency, f64),
    /// Completions per second (`true`: output tokens per second).
    Throughput(bool),
    /// Failed / known outcomes.
    ErrorRate,
}

/// A client metric.
#[derive(Debug)]
pub struct ClientMetric {
    /// Id, also the key of run-level figures and of `--fail-if`.
    pub id: &'static str,
    /// Title.
    pub title: &'static str,
    /// Unit.
    pub unit: &'static str,
    /// How it is computed.
    pub kind: ClientKind,
    /// Good direction.
    pub good: Good,
}

macro_rules! lat {
    ($id:literal, $title:literal, $lat:ident, $q:literal) => {
        ClientMetric {
            id: $id,
            title: $title,
            unit: "ms",
            kind: ClientKind::Percentile(Latency::$lat, $q),
            good: Good::Lower,
        }
    };
}

/// The client metrics, in table order.
pub static CLIENT_METRICS: [ClientMetric; 12] = [
    lat!("p50_ttft_ms", "TTFT p50", Ttft, 50.0),
    lat!("p90_ttft_ms", "TTFT p90", Ttft, 90.0),
    lat!("p99_ttft_ms", "TTFT p99", Ttft, 99.0),
    lat!("p50_tpot_ms", "TPOT (ITL) p50", Tpot, 50.0),
    lat!("p90_tpot_ms", "TPOT (ITL) p90", Tpot, 90.0),
    lat!("p99_tpot_ms", "TPOT (ITL) p99", Tpot, 99.0),
    lat!("p50_e2e_ms", "E2E latency p50", E2e, 50.0),
    lat!("p90_e2e_ms", "E2E latency p90", E2e, 90.0),
    lat!("p99_e2e_ms", "E2E latency p99", E2e, 99.0),
    ClientMetric {
        id: "request_throughput",
        title: "request throughput",
        unit: "requests/s",
        kind: ClientKind::Throughput(false),
        good: Good::Higher,
    },
    ClientMetric {
        id: "output_token_throughput",
        title: "output token throughput",
        unit: "tokens/s",
        kind: ClientKind::Throughput(true),
        good: Good::Higher,
    },
    ClientMetric {
        id: "error_rate",
        title: "error rate",
        unit: "fraction",
        kind: ClientKind::ErrorRate,
        good: Good::Lower,
    },
];
