//! One `profile_export.jsonl` line → one typed [`Record`] (formats.md §3.2).
//!
//! Deserialisation is serde-derived into structs that borrow strings from
//! the line, so a record costs no allocation beyond its list values (the
//! `inter_chunk_latency` list and the trace's chunk lists). Unknown keys are
//! skipped at parse speed; only the metric tags in [`Metric`] are kept.
//! Metric values are accepted as `{"value": x, "unit": u}` (every released
//! AIPerf) or as bare numbers (the prototype analysis script accepts both);
//! `null` values count as missing. Python's non-standard `NaN`/`Infinity`
//! tokens are tolerated through the same rewrite the request-log decoder
//! uses, paid only when strict parsing fails.

use super::de::opt_i64;
use super::trace::{RawTrace, Trace};
use crate::requests::flat::{rewrite_nonstandard, NAN, NEG_INF, POS_INF};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;

/// The metric tags the analysis reads, by slot in [`Metrics::values`].
///
/// Several AIPerf generations or tools spell one quantity differently; the
/// aliases of each slot are listed in [`Metric::of_tag`] in order of
/// preference (the order of the prototype `analyze_trace_data.py`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(usize)]
pub enum Metric {
    /// `request_latency`, ms.
    RequestLatency,
    /// `time_to_first_token` (0.1.x `ttft`, else `time_to_first_output_token`), ms.
    Ttft,
    /// `time_to_second_token` (0.1.x `ttst`), ms.
    Ttst,
    /// `inter_token_latency`, ms.
    Itl,
    /// Input tokens (`input_sequence_length`, `input_tokens`, …).
    InputTokens,
    /// Output tokens (`output_sequence_length`, `output_tokens`, …).
    OutputTokens,
    /// `usage_total_tokens`.
    TotalTokens,
    /// `output_token_throughput_per_user`, tokens/s.
    OutputTokenThroughputPerUser,
    /// `error_isl`, tokens of a failed request.
    ErrorIsl,
    /// `http_req_waiting`, ms.
    HttpWaiting,
    /// `http_req_sending`, ms.
    HttpSending,
    /// `http_req_receiving`, ms.
    HttpReceiving,
    /// `http_req_duration`, ms.
    HttpDuration,
    /// `http_req_blocked`, ms.
    HttpBlocked,
    /// `http_req_dns_lookup`, ms.
    HttpDnsLookup,
    /// `http_req_connecting`, ms.
    HttpConnecting,
    /// `http_req_connection_reused`, 0 or 1.
    HttpConnectionReused,
    /// `http_req_data_sent`, KB (1024 B).
    HttpDataSent,
    /// `http_req_data_received`, KB (1024 B).
    HttpDataReceived,
    /// `http_req_chunks_received`, count.
    HttpChunksReceived,
}

impl Metric {
    /// Number of slots.
    pub const COUNT: usize = Metric::HttpChunksReceived as usize + 1;

    /// The slot of `tag` and the alias rank (0 = preferred).
    pub fn of_tag(tag: &str) -> Option<(Metric, u8)> {
        use Metric::*;
        Some(match tag {
            "request_latency" => (RequestLatency, 0),
            "time_to_first_token" => (Ttft, 0),
            "ttft" => (Ttft, 1),
            "time_to_first_output_token" => (Ttft, 2),
            "time_to_second_token" => (Ttst, 0),
            "ttst" => (Ttst, 1),
            "inter_token_latency" => (Itl, 0),
            "input_tokens" => (InputTokens, 0),
            "num_input_tokens" => (InputTokens, 1),
            "input_sequence_length" => (InputTokens, 2),
            "usage_prompt_tokens" => (InputTokens, 3),
            "output_tokens" => (OutputTokens, 0),
            "num_output_tokens" => (OutputTokens, 1),
            "output_sequence_length" => (OutputTokens, 2),
            "output_token_count" => (OutputTokens, 3),
            "usage_completion_tokens" => (OutputTokens, 4),
            "usage_total_tokens" => (TotalTokens, 0),
            "output_token_throughput_per_user" => (OutputTokenThroughputPerUser, 0),
            "error_isl" => (ErrorIsl, 0),
            "http_req_waiting" => (HttpWaiting, 0),
            "http_req_sending" => (HttpSending, 0),
            "http_req_receiving" => (HttpReceiving, 0),
            "http_req_duration" => (HttpDuration, 0),
            "http_req_blocked" => (HttpBlocked, 0),
            "http_req_dns_lookup" => (HttpDnsLookup, 0),
            "http_req_connecting" => (HttpConnecting, 0),
            "http_req_connection_reused" => (HttpConnectionReused, 0),
            "http_req_data_sent" => (HttpDataSent, 0),
            "http_req_data_received" => (HttpDataReceived, 0),
            "http_req_chunks_received" => (HttpChunksReceived, 0),
            _ => return None,
        })
    }
}

/// The kept metrics of a record. Missing values are NaN.
#[derive(Clone, Debug, PartialEq)]
pub struct Metrics {
    /// Values by [`Metric`] slot, in the export unit (ms, tokens, …).
    pub values: [f64; Metric::COUNT],
    /// Alias rank of each value, so the preferred spelling wins whatever
    /// the key order.
    rank: [u8; Metric::COUNT],
    /// `inter_chunk_latency` (one value per SSE message gap, ms), when the
    /// record has it.
    pub inter_chunk_latency: Vec<f64>,
    /// Every value of `inter_chunk_latency` is finite and not negative,
    /// checked while decoding (the scanner of the usual list rejects a sign
    /// as it reads each number), so consumers need not pass over the list
    /// again to leave impossible values out.
    pub inter_chunk_latency_usable: bool,
    /// Number of metrics whose value was `null`.
    pub nulls: u32,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            values: [f64::NAN; Metric::COUNT],
            rank: [u8::MAX; Metric::COUNT],
            inter_chunk_latency: Vec::new(),
            inter_chunk_latency_usable: true,
            nulls: 0,
        }
    }
}

impl Metrics {
    /// The value of `m` (NaN when missing).
    #[inline]
    pub fn get(&self, m: Metric) -> f64 {
        self.values[m as usize]
    }

    /// The value of `m`, `None` when missing.
    #[inline]
    pub fn opt(&self, m: Metric) -> Option<f64> {
        let v = self.values[m as usize];
        (!v.is_nan()).then_some(v)
    }

    /// The alias rank of the value kept for `m` (0 = preferred spelling),
    /// `None` when the record has no value for it.
    #[inline]
    pub fn rank_of(&self, m: Metric) -> Option<u8> {
        let r = self.rank[m as usize];
        (r != u8::MAX).then_some(r)
    }

    fn set(&mut self, m: Metric, rank: u8, v: f64) {
        let i = m as usize;
        if rank < self.rank[i] {
            self.values[i] = v;
            self.rank[i] = rank;
        }
    }
}

/// Which phase a record belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// `warmup`: excluded from the statistics by default.
    Warmup,
    /// `profiling` (or unstated).
    Profiling,
}

/// The record's `metadata`, as far as the analysis uses it.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct Metadata<'a> {
    /// `x_request_id`.
    #[serde(borrow, default)]
    pub x_request_id: Option<Cow<'a, str>>,
    /// `conversation_id`.
    #[serde(borrow, default)]
    pub conversation_id: Option<Cow<'a, str>>,
    /// `worker_id`.
    #[serde(borrow, default)]
    pub worker_id: Option<Cow<'a, str>>,
    /// `session_num` (0.5+).
    #[serde(default, deserialize_with = "opt_i64")]
    pub session_num: Option<i64>,
    /// `timestamp_ns` (0.1.x request start).
    #[serde(default, deserialize_with = "opt_i64")]
    pub timestamp_ns: Option<i64>,
    /// `request_start_ns` (0.5+).
    #[serde(default, deserialize_with = "opt_i64")]
    pub request_start_ns: Option<i64>,
    /// `request_ack_ns`.
    #[serde(default, deserialize_with = "opt_i64")]
    pub request_ack_ns: Option<i64>,
    /// `request_end_ns`.
    #[serde(default, deserialize_with = "opt_i64")]
    pub request_end_ns: Option<i64>,
    /// `benchmark_phase` (0.5+).
    #[serde(borrow, default)]
    pub benchmark_phase: Option<Cow<'a, str>>,
    /// `credit_phase` (0.1.x).
    #[serde(borrow, default)]
    pub credit_phase: Option<Cow<'a, str>>,
    /// `was_cancelled`.
    #[serde(default)]
    pub was_cancelled: Option<bool>,
}

impl Metadata<'_> {
    /// Request start in ns since the epoch, from whichever generation's key.
    pub fn start_ns(&self) -> Option<i64> {
        self.request_start_ns.or(self.timestamp_ns)
    }

    /// The benchmark phase.
    pub fn phase(&self) -> Phase {
        match self
            .benchmark_phase
            .as_deref()
            .or(self.credit_phase.as_deref())
        {
            Some("warmup") => Phase::Warmup,
            _ => Phase::Profiling,
        }
    }
}

/// The record's `error`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct ErrorInfo<'a> {
    /// HTTP-like code (absent in 2026 records).
    #[serde(default, deserialize_with = "opt_i64")]
    pub code: Option<i64>,
    /// Error type, e.g. `RequestCancellationError`, `TimeoutError`.
    #[serde(borrow, default, rename = "type")]
    pub kind: Option<Cow<'a, str>>,
    /// Message.
    #[serde(borrow, default)]
    pub message: Option<Cow<'a, str>>,
}

/// One decoded record.
#[derive(Clone, Debug, PartialEq)]
pub struct Record<'a> {
    /// Metadata (defaults when the key is absent).
    pub metadata: Metadata<'a>,
    /// Kept metrics.
    pub metrics: Metrics,
    /// Normalised trace data, when the record has any.
    pub trace: Option<Trace>,
    /// The error, when the record failed.
    pub error: Option<ErrorInfo<'a>>,
}

impl Record<'_> {
    /// Detaches the record from its line.
    pub fn into_owned(self) -> Record<'static> {
        fn o(c: Option<Cow<'_, str>>) -> Option<Cow<'static, str>> {
            c.map(|s| Cow::Owned(s.into_owned()))
        }
        let m = self.metadata;
        Record {
            metadata: Metadata {
                x_request_id: o(m.x_request_id),
                conversation_id: o(m.conversation_id),
                worker_id: o(m.worker_id),
                session_num: m.session_num,
                timestamp_ns: m.timestamp_ns,
                request_start_ns: m.request_start_ns,
                request_ack_ns: m.request_ack_ns,
                request_end_ns: m.request_end_ns,
                benchmark_phase: o(m.benchmark_phase),
                credit_phase: o(m.credit_phase),
                was_cancelled: m.was_cancelled,
            },
            metrics: self.metrics,
            trace: self.trace,
            error: self.error.map(|e| ErrorInfo {
                code: e.code,
                kind: o(e.kind),
                message: o(e.message),
            }),
        }
    }

    /// Whether the request was cancelled (`was_cancelled`, or a
    /// `RequestCancellationError` in 0.1.x records).
    pub fn cancelled(&self) -> bool {
        self.metadata.was_cancelled == Some(true)
            || self
                .error
                .as_ref()
                .is_some_and(|e| e.kind.as_deref() == Some("RequestCancellationError"))
    }

    /// Whether the request failed or was cancelled.
    pub fn failed(&self) -> bool {
        self.error.is_some() || self.cancelled()
    }

    /// The error type to count under: `error.type`, else the message, else
    /// `cancelled`/`error`.
    pub fn error_type(&self) -> Option<&str> {
        match &self.error {
            Some(e) => Some(
                e.kind
                    .as_deref()
                    .or(e.message.as_deref())
                    .unwrap_or("error"),
            ),
            None if self.cancelled() => Some("cancelled"),
            None => None,
        }
    }
}

/// Why a line yielded no record.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// Not JSON (also a truncated last line).
    #[error("not JSON: {0}")]
    Json(String),
    /// JSON, but not an AIPerf record: names what it looks like instead.
    #[error("not an AIPerf record ({0})")]
    NotAiperf(String),
}

/// Reads back the sentinel strings of the non-standard-token rewrite.
fn special_f64(s: &str) -> Option<f64> {
    match s {
        POS_INF => Some(f64::INFINITY),
        NEG_INF => Some(f64::NEG_INFINITY),
        NAN => Some(f64::NAN),
        _ => None,
    }
}

/// A metric value: a number, a list of numbers, or missing.
enum Value {
    Num(f64),
    /// A number whose unit is `ns` (a per-record copy of a run-level
    /// timestamp), told apart only when the visitor wants units.
    Ns(f64),
    List(Vec<f64>),
    /// A list that was not kept.
    Skipped,
    Missing,
}

/// Reads a number, a sentinel string of the non-standard-token rewrite, a
/// list, `{value, unit}` or null.
struct ValueVisitor {
    keep_list: bool,
    /// Read `unit` to tell `ns` values apart ([`Value::Ns`]).
    want_unit: bool,
}

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a metric value")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Missing)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Missing)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Num(f64::from(u8::from(v))))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Num(v as f64))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Num(v as f64))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Num(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(special_f64(v).map_or(Value::Missing, Value::Num))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        if !self.keep_list {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            return Ok(Value::Skipped);
        }
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(64));
        while let Some(v) = seq.next_element_seed(NumSeed)? {
            if let Some(x) = v {
                out.push(x);
            }
        }
        Ok(Value::List(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Value::Missing;
        let mut ns = false;
        while let Some(k) = map.next_key::<Cow<'de, str>>()? {
            if k == "unit" && self.want_unit {
                ns = map
                    .next_value::<Option<Cow<'de, str>>>()
                    .ok()
                    .flatten()
                    .as_deref()
                    == Some("ns");
                continue;
            }
            if k == "value" && self.keep_list {
                // The kept list (`inter_chunk_latency`): raw text, scanned
                // by the fast path; other shapes through the general seed.
                let raw: &'de RawValue = map.next_value()?;
                out = match super::fastlist::floats(raw.get()) {
                    Some(v) => Value::List(v),
                    None => {
                        let mut de = serde_json::Deserializer::from_str(raw.get());
                        de::DeserializeSeed::deserialize(
                            ValueSeed {
                                keep_list: true,
                                want_unit: false,
                            },
                            &mut de,
                        )
                        .map_err(de::Error::custom)?
                    }
                };
            } else if k == "value" {
                out = map.next_value_seed(ValueSeed {
                    keep_list: self.keep_list,
                    want_unit: false,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(match out {
            Value::Num(x) if ns => Value::Ns(x),
            other => other,
        })
    }
}

struct ValueSeed {
    keep_list: bool,
    want_unit: bool,
}

impl<'de> de::DeserializeSeed<'de> for ValueSeed {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor {
            keep_list: self.keep_list,
            want_unit: self.want_unit,
        })
    }
}

/// One list element: a number (or sentinel), anything else is skipped.
struct NumSeed;

impl<'de> de::DeserializeSeed<'de> for NumSeed {
    type Value = Option<f64>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<f64>, D::Error> {
        match d.deserialize_any(ValueVisitor {
            keep_list: false,
            want_unit: false,
        })? {
            Value::Num(x) => Ok(Some(x)),
            _ => Ok(None),
        }
    }
}

/// Reads a `metrics` object: the kept slots, and, when `scalars` is set,
/// every scalar metric by tag (for the request-log mapping).
struct MetricsVisitor {
    /// Keep the `inter_chunk_latency` list (needs a text deserializer).
    keep_icl: bool,
    /// Collect every scalar metric whose unit is not `ns`.
    scalars: bool,
}

impl<'de> Visitor<'de> for MetricsVisitor {
    type Value = AllMetrics<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a metrics object")
    }
    fn visit_unit<E>(self) -> Result<AllMetrics<'de>, E> {
        Ok(AllMetrics::default())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<AllMetrics<'de>, A::Error> {
        let mut all = AllMetrics::default();
        let m = &mut all.kept;
        while let Some(k) = map.next_key::<Cow<'de, str>>()? {
            let icl = self.keep_icl && k == "inter_chunk_latency";
            let slot = Metric::of_tag(&k);
            let seed = ValueSeed {
                keep_list: icl,
                want_unit: self.scalars,
            };
            match map.next_value_seed(seed)? {
                Value::Num(x) => {
                    if let Some((s, r)) = slot {
                        m.set(s, r, x);
                    }
                    if self.scalars {
                        all.scalars.push((k, x));
                    }
                }
                Value::Ns(x) => {
                    if let Some((s, r)) = slot {
                        m.set(s, r, x);
                    }
                }
                Value::List(v) => {
                    m.inter_chunk_latency_usable = all_usable(&v);
                    m.inter_chunk_latency = v;
                }
                Value::Skipped => {}
                Value::Missing => m.nulls += 1,
            }
        }
        Ok(all)
    }
}

impl<'de> Deserialize<'de> for Metrics {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = MetricsVisitor {
            keep_icl: true,
            scalars: false,
        };
        d.deserialize_any(v).map(|a| a.kept)
    }
}

/// A record's metrics with every scalar metric by tag: what the request-log
/// reader maps ([`decode_value`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AllMetrics<'a> {
    /// The kept slots (without the `inter_chunk_latency` list).
    pub kept: Metrics,
    /// Every scalar metric `(tag, value)` in record order, slotted or not,
    /// except values whose unit is `ns` (per-record copies of run-level
    /// timestamps such as 0.1.x `min_request_timestamp`).
    pub scalars: Vec<(Cow<'a, str>, f64)>,
}

impl<'de> Deserialize<'de> for AllMetrics<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(MetricsVisitor {
            keep_icl: false,
            scalars: true,
        })
    }
}

/// The `error` value: an object ([`ErrorInfo`]), or, tolerated, a string
/// (its message) or `true`; `null` and `false` mean no error.
pub(crate) struct ErrorField<'a>(pub(crate) Option<ErrorInfo<'a>>);

impl<'de> Deserialize<'de> for ErrorField<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ErrorField<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an error object, a message or null")
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(ErrorField(None))
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(ErrorField(None))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                d.deserialize_any(V)
            }
            fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
                Ok(ErrorField(v.then(ErrorInfo::default)))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
                Ok(ErrorField(Some(ErrorInfo {
                    code: Some(v),
                    ..ErrorInfo::default()
                })))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
                Ok(ErrorField(Some(ErrorInfo {
                    code: i64::try_from(v).ok(),
                    ..ErrorInfo::default()
                })))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(ErrorField(Some(ErrorInfo::default())))
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(ErrorField(Some(ErrorInfo {
                    message: Some(Cow::Borrowed(v)),
                    ..ErrorInfo::default()
                })))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(ErrorField(Some(ErrorInfo {
                    message: Some(Cow::Owned(v.to_owned())),
                    ..ErrorInfo::default()
                })))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(ErrorField(Some(ErrorInfo::default())))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                ErrorInfo::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|e| ErrorField(Some(e)))
            }
        }
        d.deserialize_any(V)
    }
}

/// Marks a key as present even when its value is `null`.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

#[derive(Deserialize)]
struct RawRecord<'a> {
    #[serde(borrow, default, deserialize_with = "present")]
    metadata: Option<Option<Metadata<'a>>>,
    #[serde(default, deserialize_with = "present")]
    metrics: Option<Option<Metrics>>,
    #[serde(default, borrow)]
    trace_data: Option<RawTrace<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    error: Option<ErrorField<'a>>,
    // Keys of the other JSON-lines kinds, only to say what a file is.
    #[serde(default, deserialize_with = "present")]
    dcgm_url: Option<IgnoredAny>,
    #[serde(default, deserialize_with = "present")]
    records: Option<IgnoredAny>,
    #[serde(default, deserialize_with = "present")]
    request_throughput: Option<IgnoredAny>,
    #[serde(default, deserialize_with = "present")]
    request_parameters: Option<IgnoredAny>,
    #[serde(default, deserialize_with = "present")]
    latency_ms: Option<IgnoredAny>,
}

fn convert(raw: RawRecord<'_>) -> Result<Record<'_>, RecordError> {
    convert_with(raw, None, None)
}

fn convert_with(
    raw: RawRecord<'_>,
    chunks: Option<Vec<(i64, i64)>>,
    icl: Option<Vec<f64>>,
) -> Result<Record<'_>, RecordError> {
    if raw.metadata.is_none() || (raw.metrics.is_none() && raw.error.is_none()) {
        let what = if raw.dcgm_url.is_some() {
            "an AIPerf GPU telemetry sample"
        } else if raw.records.is_some() || raw.request_throughput.is_some() {
            "an AIPerf run summary (profile_export_aiperf.json)"
        } else if raw.request_parameters.is_some() {
            "an SGLang request-metrics record"
        } else if raw.latency_ms.is_some() {
            "a generic request log line"
        } else {
            "a JSON object without `metadata` and `metrics`"
        };
        return Err(RecordError::NotAiperf(what.to_string()));
    }
    let mut metrics = raw.metrics.flatten().unwrap_or_default();
    if let Some(v) = icl {
        // The scanner's lists hold finite, unsigned numbers only.
        debug_assert!(all_usable(&v));
        metrics.inter_chunk_latency_usable = true;
        metrics.inter_chunk_latency = v;
    }
    Ok(Record {
        metadata: raw.metadata.flatten().unwrap_or_default(),
        metrics,
        trace: raw.trace_data.and_then(|mut t| {
            if chunks.is_some() {
                t.prefetched = chunks;
            }
            t.normalise()
        }),
        error: raw.error.and_then(|e| e.0),
    })
}

/// Decodes one line (without its `\n`; a trailing `\r` and blanks are
/// ignored). `Ok(None)` for a blank line.
///
/// The record borrows from `line` when strict parsing succeeded and owns
/// its strings when the line needed the `NaN`/`Infinity` rewrite; in that
/// case the rewritten buffer is stored in `scratch`.
pub fn decode_record<'a>(
    line: &'a [u8],
    scratch: &'a mut Vec<u8>,
) -> Result<Option<Record<'a>>, RecordError> {
    let line = line.trim_ascii();
    if line.is_empty() {
        return Ok(None);
    }
    if line[0] != b'{' {
        return Err(RecordError::Json("line does not start with '{'".into()));
    }
    // Streamed records are mostly two number lists; cut them out and scan
    // them directly, so serde_json only sees the rest of the line. The
    // record then owns its few strings (they borrowed the cut copy).
    if line.len() > 1024 {
        if let Some((cut, chunks, icl)) = super::fastlist::strip(line) {
            if let Ok(raw) = serde_json::from_slice::<RawRecord<'_>>(&cut) {
                return convert_with(raw, chunks, icl).map(|r| Some(r.into_owned()));
            }
        }
    }
    match serde_json::from_slice::<RawRecord<'a>>(line) {
        Ok(raw) => convert(raw).map(Some),
        Err(first) => {
            let Some(fixed) = rewrite_nonstandard(line) else {
                return Err(RecordError::Json(first.to_string()));
            };
            *scratch = fixed;
            let raw: RawRecord<'a> =
                serde_json::from_slice(scratch).map_err(|e| RecordError::Json(e.to_string()))?;
            convert(raw).map(Some)
        }
    }
}

/// Every value finite and not negative (`-0.0` counts as 0).
fn all_usable(v: &[f64]) -> bool {
    v.iter().all(|&x| x >= 0.0 && x.is_finite())
}
