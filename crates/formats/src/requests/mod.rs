//! Per-request JSON-lines logs: one line in, one canonical request out.
//!
//! Sources (formats.md §3.2 and §4), one module each:
//! * [`generic`]: flat objects such as the workflow's recommended format
//!   (`timestamp`, `request_id`, `model`, `latency_ms`, `batch_size`,
//!   `status`, `gpu_util`, `memory_used_gb`), with field names mappable.
//! * [`aiperf`]: AIPerf `profile_export.jsonl` records of every schema
//!   generation (`metadata` + `metrics` + `error`).
//! * [`sglang_metrics`]: SGLang's `--export-metrics-to-file` records
//!   (`request_parameters` as a JSON string plus the response `meta_info`).
//!
//! Lines that are JSON but not a request — `sglang.bench_serving` summary
//! lines and AIPerf GPU telemetry samples — are recognised and rejected as
//! [`LineError::NotPerRequest`] rather than misread as requests.
//!
//! Flat lines (the workflow's format) are read by a small scanner
//! ([`flat::parse_flat_fast`]); anything else goes to serde_json.
//! The schema is recognised per line from its keys (cheap: the keys are
//! parsed anyway), so a folder mixing sources reads correctly. Parsing is
//! strict JSON first; only when that fails is the line rewritten for the
//! non-standard `Infinity`/`-Infinity`/`NaN` tokens Python writes, so
//! standard lines pay nothing for the tolerance. Integers stay integers
//! (nanosecond timestamps above 2^53 keep every digit).

pub mod aiperf;
pub mod flat;
pub mod generic;
pub mod sglang_metrics;
pub mod time;

pub use flat::{Flat, Scalar};
use std::borrow::Cow;

/// The canonical numeric columns of a request, in table order.
///
/// Missing values are NaN (the statistics skip NaN, as pandas does).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(usize)]
pub enum Num {
    /// End-to-end latency, milliseconds.
    LatencyMs,
    /// Batch size the request ran in.
    BatchSize,
    /// GPU utilisation, percent.
    GpuUtil,
    /// GPU memory in use, GB.
    MemoryUsedGb,
    /// Time to first token, milliseconds.
    TtftMs,
    /// Inter-token latency, milliseconds.
    ItlMs,
    /// Prompt tokens.
    InputTokens,
    /// Generated tokens.
    OutputTokens,
    /// Time waiting in the scheduler queue, milliseconds.
    QueueMs,
    /// Prefill time, milliseconds.
    PrefillMs,
    /// Decode time, milliseconds.
    DecodeMs,
}

impl Num {
    /// Every canonical numeric column.
    pub const ALL: [Num; 11] = [
        Num::LatencyMs,
        Num::BatchSize,
        Num::GpuUtil,
        Num::MemoryUsedGb,
        Num::TtftMs,
        Num::ItlMs,
        Num::InputTokens,
        Num::OutputTokens,
        Num::QueueMs,
        Num::PrefillMs,
        Num::DecodeMs,
    ];
    /// Number of canonical numeric columns.
    pub const COUNT: usize = Num::ALL.len();

    /// Column name.
    pub fn name(self) -> &'static str {
        match self {
            Num::LatencyMs => "latency_ms",
            Num::BatchSize => "batch_size",
            Num::GpuUtil => "gpu_util",
            Num::MemoryUsedGb => "memory_used_gb",
            Num::TtftMs => "ttft_ms",
            Num::ItlMs => "itl_ms",
            Num::InputTokens => "input_tokens",
            Num::OutputTokens => "output_tokens",
            Num::QueueMs => "queue_ms",
            Num::PrefillMs => "prefill_ms",
            Num::DecodeMs => "decode_ms",
        }
    }

    /// The column called `name`.
    pub fn from_name(name: &str) -> Option<Num> {
        Num::ALL.into_iter().find(|n| n.name() == name)
    }
}

/// Which source a line came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Schema {
    /// A flat object (the workflow's format or any other with mapped fields).
    Generic,
    /// An AIPerf `profile_export.jsonl` record.
    AiPerf,
    /// An SGLang request-metrics export record.
    SglangRequestMetrics,
    /// A request of a benchmark client's result file (sglang.bench_serving,
    /// vLLM bench serve, GuideLLM: [`crate::bench`]).
    ClientResult,
}

impl Schema {
    /// Short name for messages and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Schema::Generic => "generic",
            Schema::AiPerf => "aiperf",
            Schema::SglangRequestMetrics => "sglang-request-metrics",
            Schema::ClientResult => "client-result",
        }
    }
}

/// One request in canonical form, borrowing strings from the line.
#[derive(Clone, Debug, PartialEq)]
pub struct Request<'a> {
    /// Source schema.
    pub schema: Schema,
    /// Request time (start when the source has one), ns since the epoch, UTC
    /// when the source gave a zone; naive times are taken as UTC.
    pub timestamp_ns: Option<i64>,
    /// Request id.
    pub request_id: Option<Cow<'a, str>>,
    /// Model name.
    pub model: Option<Cow<'a, str>>,
    /// Status as written (`success`, `error`, an HTTP code…), or derived.
    pub status: Option<Cow<'a, str>>,
    /// Whether the request succeeded; `None` when the line does not say.
    pub ok: Option<bool>,
    /// Error type or message for failed requests.
    pub error_type: Option<Cow<'a, str>>,
    /// Canonical numeric columns, indexed by [`Num`] (NaN = missing).
    pub nums: [f64; Num::COUNT],
    /// Other numeric fields, by name (kept so any field can be analysed).
    pub extra: Vec<(Cow<'a, str>, f64)>,
}

impl<'a> Request<'a> {
    /// An empty record of `schema`.
    pub fn new(schema: Schema) -> Self {
        Request {
            schema,
            timestamp_ns: None,
            request_id: None,
            model: None,
            status: None,
            ok: None,
            error_type: None,
            nums: [f64::NAN; Num::COUNT],
            extra: Vec::new(),
        }
    }

    /// The canonical value `n` (NaN when missing).
    pub fn num(&self, n: Num) -> f64 {
        self.nums[n as usize]
    }

    /// Sets the canonical value `n`.
    pub fn set(&mut self, n: Num, v: f64) {
        self.nums[n as usize] = v;
    }

    /// Detaches from the line buffer.
    pub fn into_owned(self) -> Request<'static> {
        let own = |c: Option<Cow<'a, str>>| c.map(|s| Cow::Owned(s.into_owned()));
        Request {
            schema: self.schema,
            timestamp_ns: self.timestamp_ns,
            request_id: own(self.request_id),
            model: own(self.model),
            status: own(self.status),
            ok: self.ok,
            error_type: own(self.error_type),
            nums: self.nums,
            extra: self
                .extra
                .into_iter()
                .map(|(k, v)| (Cow::Owned(k.into_owned()), v))
                .collect(),
        }
    }
}

/// Why a line yielded no request.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    /// Not valid JSON (even with non-standard tokens allowed), or not an
    /// object.
    #[error("not a JSON object: {0}")]
    Json(String),
    /// JSON, but neither a latency nor a timestamp after field mapping.
    #[error("no {0} field")]
    MissingFields(&'static str),
    /// A JSON line of a known non-request kind (benchmark summary, GPU
    /// telemetry sample).
    #[error("not a per-request record ({0})")]
    NotPerRequest(&'static str),
}

/// What a canonical field is read from, for [`FieldMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// `timestamp`.
    Timestamp,
    /// `request_id`.
    RequestId,
    /// `model`.
    Model,
    /// `status`.
    Status,
    /// `error` (type or message; presence with a non-null value = failure).
    Error,
    /// A canonical numeric column.
    Num(Num),
}

impl Target {
    /// The target named `name` (canonical column names).
    pub fn from_name(name: &str) -> Option<Target> {
        Some(match name {
            "timestamp" => Target::Timestamp,
            "request_id" => Target::RequestId,
            "model" => Target::Model,
            "status" => Target::Status,
            "error" | "error_type" => Target::Error,
            other => Target::Num(Num::from_name(other)?),
        })
    }
}

/// Field-name mapping for flat logs: `--field latency_ms=duration` reads the
/// canonical `latency_ms` from the source key `duration`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FieldMap {
    /// `(source key, target)`, consulted before the default names.
    pub custom: Vec<(String, Target)>,
    /// Multiply mapped numeric values (e.g. seconds to ms): `(target, factor)`.
    pub scale: Vec<(Num, f64)>,
}

impl FieldMap {
    /// Parses `canonical=source` (e.g. `latency_ms=duration`), optionally
    /// with a scale: `latency_ms=duration_s*1000`.
    pub fn add(&mut self, spec: &str) -> Result<(), String> {
        let (to, from) = spec
            .split_once('=')
            .ok_or_else(|| format!("expected CANONICAL=SOURCE, got {spec:?}"))?;
        let target = Target::from_name(to.trim()).ok_or_else(|| {
            format!(
                "unknown canonical field {to:?} (one of timestamp, request_id, model, status, error, {})",
                Num::ALL.map(Num::name).join(", ")
            )
        })?;
        let (src, factor) = match from.split_once('*') {
            Some((s, f)) => (
                s,
                Some(
                    f.trim()
                        .parse::<f64>()
                        .map_err(|_| format!("bad scale factor in {spec:?}"))?,
                ),
            ),
            None => (from, None),
        };
        if src.trim().is_empty() {
            return Err(format!("empty source field in {spec:?}"));
        }
        if let (Some(f), Target::Num(n)) = (factor, target) {
            self.scale.push((n, f));
        }
        self.custom.push((src.trim().to_string(), target));
        Ok(())
    }

    /// The target of source key `key`.
    #[inline]
    pub fn lookup(&self, key: &str) -> Option<Target> {
        if !self.custom.is_empty() {
            if let Some((_, t)) = self.custom.iter().find(|(k, _)| k == key) {
                return Some(*t);
            }
            // A remapped canonical name no longer reads its default key.
            if self
                .custom
                .iter()
                .any(|(_, t)| Target::from_name(key) == Some(*t))
            {
                return None;
            }
        }
        generic::default_target(key)
    }
}

/// Decodes one line (without its `\n`; a trailing `\r` and surrounding
/// blanks are ignored). Returns `Ok(None)` for a blank line.
///
/// The result borrows from `line` when strict JSON parsing succeeded, and
/// owns its strings when the line needed the non-standard-token rewrite.
pub fn decode_line<'a>(line: &'a [u8], map: &FieldMap) -> Result<Option<Request<'a>>, LineError> {
    let line = line.trim_ascii();
    if line.is_empty() {
        return Ok(None);
    }
    if line[0] != b'{' {
        return Err(LineError::Json("line does not start with '{'".into()));
    }
    if let Some(flat) = flat::parse_flat_fast(line) {
        return decode_flat(flat, map).map(Some);
    }
    match serde_json::from_slice::<Flat<'a>>(line) {
        Ok(flat) => decode_flat(flat, map).map(Some),
        Err(first) => {
            let Some(fixed) = flat::rewrite_nonstandard(line) else {
                return Err(LineError::Json(first.to_string()));
            };
            let flat: Flat<'_> =
                serde_json::from_slice(&fixed).map_err(|e| LineError::Json(e.to_string()))?;
            decode_flat(flat, map).map(|r| Some(r.into_owned()))
        }
    }
}

/// Maps one parsed object to a request, choosing the schema from its keys.
pub fn decode_flat<'a>(flat: Flat<'a>, map: &FieldMap) -> Result<Request<'a>, LineError> {
    if flat.has("metadata") && (flat.has("metrics") || flat.has("error")) {
        return aiperf::decode(flat);
    }
    if flat.has("request_parameters") {
        return sglang_metrics::decode(flat);
    }
    if flat.has("telemetry_data") && flat.has("gpu_uuid") {
        return Err(LineError::NotPerRequest("AIPerf GPU telemetry sample"));
    }
    if flat.has("completed")
        && flat.has("duration")
        && (flat.has("request_throughput") || flat.has("mean_e2e_latency_ms"))
    {
        return Err(LineError::NotPerRequest(
            "benchmark summary (sglang.bench_serving / vllm bench)",
        ));
    }
    generic::decode(flat, map)
}

#[cfg(test)]
mod tests;
