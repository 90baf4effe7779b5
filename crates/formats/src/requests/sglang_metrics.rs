//! SGLang request-metrics export (`--export-metrics-to-file`, files
//! `sglang-request-metrics-YYYYMMDD_HH.log`, formats.md §4): one object per
//! request, `request_parameters` (the request as a JSON *string*) plus the
//! response's `meta_info` keys at the top level.
//!
//! Mapping: `request_id` ← `id` (else `rid` inside `request_parameters`);
//! `latency_ms` ← `e2e_latency` × 1000 (seconds in SGLang); tokens ←
//! `prompt_tokens`, `completion_tokens`; `model` ← `model` when present
//! (the native API carries none); failure ← `finish_reason.type == "abort"`
//! or an `error` key. Time breakdown (the old `srtlog time-breakdown`):
//! `queue_ms` ← `queue_time`; `ttft_ms` ← `ttft`/`first_token_latency`
//! (seconds); `prefill_ms` = TTFT − queue; `decode_ms` = e2e − TTFT;
//! explicit `prefill_latency`/`decode_latency` keys (seconds) win when
//! present. Timestamp ← `request_received_ts` (else
//! `response_sent_to_client_ts` − e2e), epoch seconds. Other numeric keys
//! are kept as extra columns.

use super::flat::{Flat, Scalar};
use super::time::epoch_float_ns;
use super::{LineError, Num, Request, Schema};
use serde_json::Value;
use std::borrow::Cow;

/// Maps one record.
pub fn decode(flat: Flat<'_>) -> Result<Request<'_>, LineError> {
    let mut r = Request::new(Schema::SglangRequestMetrics);
    let mut e2e_s = f64::NAN;
    let (mut queue_s, mut ttft_s, mut prefill_s, mut decode_s) =
        (f64::NAN, f64::NAN, f64::NAN, f64::NAN);
    let (mut recv_ts, mut sent_ts) = (f64::NAN, f64::NAN);
    let mut failed = false;
    let mut rid_param: Option<String> = None;
    for (k, v) in flat.fields {
        let x = v.as_f64().unwrap_or(f64::NAN);
        match &*k {
            "request_parameters" => {
                if let Scalar::Str(s) = &v {
                    // Malformed inner JSON only loses the fallback id.
                    if let Ok(p) = serde_json::from_str::<Value>(s) {
                        rid_param = p.get("rid").and_then(Value::as_str).map(str::to_owned);
                        if let Some(m) = p.get("model").and_then(Value::as_str) {
                            r.model.get_or_insert(Cow::Owned(m.to_owned()));
                        }
                    }
                }
            }
            "id" => {
                if let Scalar::Str(s) = v {
                    r.request_id = Some(s);
                }
            }
            "model" => {
                if let Scalar::Str(s) = v {
                    r.model = Some(s);
                }
            }
            "e2e_latency" => e2e_s = x,
            "queue_time" => queue_s = x,
            "ttft" | "first_token_latency" | "time_to_first_token" => ttft_s = x,
            "prefill_latency" => prefill_s = x,
            "decode_latency" => decode_s = x,
            "request_received_ts" => recv_ts = x,
            "response_sent_to_client_ts" => sent_ts = x,
            "prompt_tokens" => r.set(Num::InputTokens, x),
            "completion_tokens" => r.set(Num::OutputTokens, x),
            "finish_reason" => {
                if let Scalar::Nested(Value::Object(o)) = &v {
                    if o.get("type").and_then(Value::as_str) == Some("abort") {
                        failed = true;
                        let msg = o.get("message").and_then(Value::as_str).unwrap_or("abort");
                        r.error_type = Some(Cow::Owned(msg.to_owned()));
                    }
                }
            }
            "error" => {
                if !matches!(v, Scalar::Null) {
                    failed = true;
                    r.error_type.get_or_insert(Cow::Borrowed("error"));
                }
            }
            _ => {
                if !x.is_nan() {
                    r.extra.push((k, x));
                }
            }
        }
    }
    if r.request_id.is_none() {
        r.request_id = rid_param.map(Cow::Owned);
    }
    r.set(Num::LatencyMs, e2e_s * 1000.0);
    r.set(Num::QueueMs, queue_s * 1000.0);
    r.set(Num::TtftMs, ttft_s * 1000.0);
    let prefill = if prefill_s.is_nan() {
        (ttft_s - queue_s.max(0.0)) * 1000.0
    } else {
        prefill_s * 1000.0
    };
    let decode = if decode_s.is_nan() {
        (e2e_s - ttft_s) * 1000.0
    } else {
        decode_s * 1000.0
    };
    r.set(Num::PrefillMs, prefill);
    r.set(Num::DecodeMs, decode);
    r.timestamp_ns = if recv_ts.is_nan() {
        epoch_float_ns(sent_ts - e2e_s.max(0.0))
    } else {
        epoch_float_ns(recv_ts)
    };
    r.ok = Some(!failed);
    r.status = Some(Cow::Borrowed(if failed { "error" } else { "success" }));
    if e2e_s.is_nan() && r.timestamp_ns.is_none() {
        return Err(LineError::MissingFields("e2e_latency"));
    }
    Ok(r)
}
