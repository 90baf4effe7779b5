//! Benchmark-client result files: `sglang.bench_serving`, `vllm bench serve`
//! and GuideLLM reports, decoded into one typed shape ([`ClientRun`]).
//!
//! Pure decoders: bytes in, runs out, no I/O. Each schema generation is
//! specified in the repository's `docs/client-formats.md` (cited below as
//! client-formats.md §N); the recognition rules extend formats.md §8.G.
//!
//! * [`sglang`]: `python -m sglang.bench_serving --output-file` JSON lines,
//!   one run per line, with the `--output-details` lists when present
//!   (client-formats.md §1).
//! * [`vllm`]: `vllm bench serve` / `benchmarks/benchmark_serving.py
//!   --save-result` JSON, with the `--save-detailed` lists (§2).
//! * [`guidellm`]: GuideLLM `benchmarks.json` reports (§3).
//!
//! Units are normalised to milliseconds for every latency (the tools write
//! per-request lists in seconds and summaries in milliseconds; GuideLLM's
//! `request_latency` is in seconds) and to seconds for durations.

pub mod guidellm;
mod json;
pub mod sglang;
pub mod vllm;

use serde::Serialize;
use std::collections::BTreeMap;

/// Which benchmark client wrote a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClientTool {
    /// `python -m sglang.bench_serving --output-file` (JSON lines).
    SglangBenchServing,
    /// `vllm bench serve --save-result` / `benchmark_serving.py` (JSON).
    VllmBenchServe,
    /// GuideLLM `benchmarks.json`.
    GuideLlm,
}

impl ClientTool {
    /// Short name for messages, JSON and table columns.
    pub fn name(self) -> &'static str {
        match self {
            ClientTool::SglangBenchServing => "sglang-bench-serving",
            ClientTool::VllmBenchServe => "vllm-bench-serve",
            ClientTool::GuideLlm => "guidellm",
        }
    }
}

/// Summary statistics of one latency as the tool reported them, in ms.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Stat {
    /// Mean.
    pub mean: Option<f64>,
    /// Median.
    pub median: Option<f64>,
    /// Standard deviation.
    pub std: Option<f64>,
    /// Percentiles as written: `(percent, value)`, ascending by percent.
    pub percentiles: Vec<(f64, f64)>,
}

impl Stat {
    /// The percentile `pct` (e.g. 99.0) when the tool wrote it.
    pub fn p(&self, pct: f64) -> Option<f64> {
        self.percentiles
            .iter()
            .find(|(p, _)| (p - pct).abs() < 1e-9)
            .map(|(_, v)| *v)
    }

    /// Whether the tool wrote nothing for this latency.
    pub fn is_empty(&self) -> bool {
        self.mean.is_none() && self.median.is_none() && self.percentiles.is_empty()
    }
}

/// A run's figures as the tool computed them (never recomputed here).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RunFigures {
    /// Benchmark duration, seconds.
    pub duration_s: Option<f64>,
    /// Successful requests.
    pub completed: Option<u64>,
    /// Failed (errored) requests.
    pub failed: Option<u64>,
    /// Requests cut short (GuideLLM `incomplete`).
    pub incomplete: Option<u64>,
    /// Completed requests per second.
    pub request_throughput: Option<f64>,
    /// Prompt tokens per second.
    pub input_throughput: Option<f64>,
    /// Generated tokens per second.
    pub output_throughput: Option<f64>,
    /// Prompt plus generated tokens per second.
    pub total_token_throughput: Option<f64>,
    /// Prompt tokens of the completed requests.
    pub total_input_tokens: Option<u64>,
    /// Generated tokens of the completed requests.
    pub total_output_tokens: Option<u64>,
    /// Time to first token, ms.
    pub ttft_ms: Stat,
    /// Inter-token latency, ms.
    pub itl_ms: Stat,
    /// Time per output token, ms (definitions differ: client-formats.md §4).
    pub tpot_ms: Stat,
    /// End-to-end request latency, ms.
    pub e2e_ms: Stat,
    /// Mean requests in flight as the tool measured it (`concurrency` of
    /// sglang.bench_serving, GuideLLM `request_concurrency` mean).
    pub observed_concurrency: Option<f64>,
}

/// The run's configuration, as far as the file says.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RunConfig {
    /// Model name or path.
    pub model: Option<String>,
    /// Client backend (`sglang`, `vllm`, `openai-chat`…).
    pub backend: Option<String>,
    /// Dataset name.
    pub dataset: Option<String>,
    /// Prompts sent.
    pub num_prompts: Option<u64>,
    /// Request-rate limit as given (`inf` = all at once).
    pub request_rate: Option<f64>,
    /// Concurrency limit (`--max-concurrency`, GuideLLM `streams`).
    pub max_concurrency: Option<f64>,
    /// Version of the tool (or of the server it ships with), when written.
    pub tool_version: Option<String>,
    /// When the run was written, as the tool wrote it.
    pub date: Option<String>,
    /// Load strategy (GuideLLM `synchronous`, `concurrent`, `constant`…).
    pub strategy: Option<String>,
    /// Other scalar settings, by the tool's key (e.g. `random_input_len`).
    pub other: BTreeMap<String, String>,
}

/// Per-request rows as column vectors, named as the request-log table
/// names them where they overlap (`ttft_ms`, `itl_ms`, `latency_ms`,
/// `input_tokens`, `output_tokens`, `ok`); NaN = missing.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RequestRows {
    /// Request start, ns since the epoch, when the tool wrote an absolute
    /// time (GuideLLM); `None` otherwise.
    pub timestamp_ns: Vec<Option<i64>>,
    /// Start relative to the run's first request, seconds (NaN when the
    /// tool wrote no start times).
    pub start_s: Vec<f64>,
    /// Request id when written.
    pub request_id: Vec<Option<String>>,
    /// Whether the request succeeded.
    pub ok: Vec<bool>,
    /// Error message of a failed request.
    pub error: Vec<Option<String>>,
    /// Time to first token, ms.
    pub ttft_ms: Vec<f64>,
    /// Mean inter-token latency of the request, ms.
    pub itl_ms: Vec<f64>,
    /// Time per output token, ms.
    pub tpot_ms: Vec<f64>,
    /// End-to-end latency, ms.
    pub latency_ms: Vec<f64>,
    /// Prompt tokens.
    pub input_tokens: Vec<f64>,
    /// Generated tokens.
    pub output_tokens: Vec<f64>,
    /// Every inter-token gap of each request, ms (empty when the tool wrote
    /// only a mean).
    pub itl_lists_ms: Vec<Vec<f64>>,
}

impl RequestRows {
    /// Number of requests.
    pub fn len(&self) -> usize {
        self.ok.len()
    }

    /// Whether there are no requests.
    pub fn is_empty(&self) -> bool {
        self.ok.is_empty()
    }
}

/// One benchmark run of a client result file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClientRun {
    /// The tool.
    pub tool: ClientTool,
    /// Schema generation recognised (client-formats.md names).
    pub generation: &'static str,
    /// A label: the tool's tag/label, else a description of the load.
    pub label: String,
    /// Configuration.
    pub config: RunConfig,
    /// Concurrency limit of the run, when it had one.
    pub concurrency: Option<f64>,
    /// Request-rate limit of the run (finite), when it had one.
    pub request_rate: Option<f64>,
    /// The tool's run-level figures.
    pub run_level: RunFigures,
    /// Per-request rows, when the file holds them.
    pub per_request: Option<RequestRows>,
}

/// Why a file could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BenchError {
    /// Not JSON (with `Infinity`/`NaN` allowed), at a 1-based line.
    #[error("line {line}: not JSON: {msg}")]
    Json {
        /// 1-based line (1 for a whole document).
        line: u64,
        /// The parser's message.
        msg: String,
    },
    /// JSON, but not the shape of the tool's results.
    #[error("line {line}: not a {tool} result: {msg}")]
    Shape {
        /// 1-based line.
        line: u64,
        /// The tool expected.
        tool: &'static str,
        /// What is missing or wrong.
        msg: String,
    },
}

/// Recognises a client result file from its first bytes (a few hundred
/// kilobytes are enough: the keys that decide come before the per-request
/// lists). Returns `None` for anything else, including request logs.
pub fn sniff(head: &[u8]) -> Option<ClientTool> {
    let start = head.trim_ascii_start();
    if start.first() != Some(&b'{') {
        return None;
    }
    // JSON lines decide on their first line alone (a request log's later
    // lines must not add keys); a pretty-printed document's first line is
    // no complete object (it does not end in `}`) and is looked at whole.
    let first = start.split(|&b| b == b'\n').next().unwrap_or(start);
    let head = if first.trim_ascii().ends_with(b"}") {
        first
    } else {
        start
    };
    let has = |k: &str| memchr::memmem::find(head, k.as_bytes()).is_some();
    if has("\"benchmarks\"") && (has("generative_benchmark") || has("\"type_\"")) {
        return Some(ClientTool::GuideLlm);
    }
    let summary = has("\"completed\"")
        && has("\"duration\"")
        && (has("_ttft_ms\"") || has("\"request_throughput\""));
    if !summary {
        return None;
    }
    // vLLM writes the model and endpoint (`model_id`, `tokenizer_id`,
    // `endpoint_type`); sglang.bench_serving never does (§8 of
    // client-formats.md).
    if has("\"tokenizer_id\"") || has("\"model_id\"") || has("\"endpoint_type\"") {
        Some(ClientTool::VllmBenchServe)
    } else {
        Some(ClientTool::SglangBenchServing)
    }
}

/// Decodes a whole client result file of `tool`.
pub fn decode(tool: ClientTool, bytes: &[u8]) -> Result<Vec<ClientRun>, BenchError> {
    match tool {
        ClientTool::SglangBenchServing => sglang::decode(bytes),
        ClientTool::VllmBenchServe => vllm::decode(bytes),
        ClientTool::GuideLlm => guidellm::decode(bytes),
    }
}

/// A label for a run without a tag: its load (`c=32`, `rate=8`, `inf`).
pub fn load_label(concurrency: Option<f64>, rate: Option<f64>) -> String {
    match (concurrency, rate) {
        (Some(c), Some(r)) => format!("c={} rate={}", fmt_num(c), fmt_num(r)),
        (Some(c), None) => format!("c={}", fmt_num(c)),
        (None, Some(r)) => format!("rate={}", fmt_num(r)),
        (None, None) => "unlimited".to_owned(),
    }
}

fn fmt_num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

#[cfg(test)]
mod tests;
