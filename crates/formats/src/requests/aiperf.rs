//! AIPerf `profile_export.jsonl` records (formats.md §3.2), every schema
//! generation: 0.1.x (`timestamp_ns`, `credit_phase`, `ttft`), 0.5
//! (`request_start_ns`/`request_end_ns`, `was_cancelled`,
//! `time_to_first_token`) and 2026 (no `error` key on success, no `code`).
//!
//! Mapping: `timestamp` ← `request_start_ns` (else `timestamp_ns`), exact
//! nanoseconds; `request_id` ← `x_request_id`; `latency_ms` ←
//! `request_latency`; `ttft_ms` ← `time_to_first_token`/`ttft`; `itl_ms` ←
//! `inter_token_latency`; tokens ← `input_sequence_length`,
//! `output_sequence_length`. A request failed when `error` is non-null or
//! `was_cancelled` is true; its `error_type` is `error.type`. Every other
//! scalar metric is kept under its tag (value in its export unit); list
//! metrics (`inter_chunk_latency`) and timestamps (unit `ns`) are left out. AIPerf records name no
//! model, so `model` is empty.

use super::flat::{value_f64, Flat, Scalar};
use super::{LineError, Num, Request, Schema};
use serde_json::Value;
use std::borrow::Cow;

fn metric_target(tag: &str) -> Option<Num> {
    Some(match tag {
        "request_latency" => Num::LatencyMs,
        "time_to_first_token" | "ttft" => Num::TtftMs,
        "inter_token_latency" => Num::ItlMs,
        "input_sequence_length" => Num::InputTokens,
        "output_sequence_length" => Num::OutputTokens,
        _ => return None,
    })
}

fn int_ns(v: &Value) -> Option<i64> {
    // `as_i64` reads serde_json's integer path: no f64 rounding.
    v.as_i64()
        .or_else(|| v.as_u64().and_then(|u| i64::try_from(u).ok()))
}

/// Maps one record.
pub fn decode(flat: Flat<'_>) -> Result<Request<'static>, LineError> {
    let mut r = Request::new(Schema::AiPerf);
    let mut failed = false;
    for (k, v) in flat.fields {
        match (&*k, v) {
            ("metadata", Scalar::Nested(Value::Object(m))) => {
                r.timestamp_ns = m
                    .get("request_start_ns")
                    .and_then(int_ns)
                    .or_else(|| m.get("timestamp_ns").and_then(int_ns));
                r.request_id = m
                    .get("x_request_id")
                    .and_then(Value::as_str)
                    .map(|s| Cow::Owned(s.to_owned()));
                if m.get("was_cancelled").and_then(Value::as_bool) == Some(true) {
                    failed = true;
                    r.error_type.get_or_insert(Cow::Borrowed("cancelled"));
                }
                if let (Some(s), Some(e)) = (
                    m.get("request_start_ns").and_then(int_ns),
                    m.get("request_ack_ns").and_then(int_ns),
                ) {
                    r.extra
                        .push((Cow::Borrowed("ack_ms"), (e - s) as f64 / 1e6));
                }
            }
            ("metrics", Scalar::Nested(Value::Object(m))) => {
                for (tag, mv) in m {
                    let Some(x) = mv.get("value").and_then(value_f64) else {
                        continue;
                    };
                    // Per-record copies of run-level timestamps (0.1.x
                    // `min_request_timestamp`, unit "ns") are not metrics.
                    if mv.get("unit").and_then(Value::as_str) == Some("ns") {
                        continue;
                    }
                    match metric_target(&tag) {
                        Some(n) => r.set(n, x),
                        None => r.extra.push((Cow::Owned(tag), x)),
                    }
                }
            }
            ("error", Scalar::Nested(Value::Object(e))) => {
                failed = true;
                let t = e
                    .get("type")
                    .and_then(Value::as_str)
                    .or_else(|| e.get("message").and_then(Value::as_str))
                    .unwrap_or("error");
                r.error_type = Some(Cow::Owned(t.to_owned()));
                if let Some(c) = e.get("code").and_then(Value::as_i64) {
                    r.status = Some(Cow::Owned(c.to_string()));
                }
            }
            _ => {}
        }
    }
    r.ok = Some(!failed);
    if r.status.is_none() {
        r.status = Some(Cow::Borrowed(if failed { "error" } else { "success" }));
    }
    if r.timestamp_ns.is_none() && r.num(Num::LatencyMs).is_nan() {
        return Err(LineError::MissingFields("metadata.request_start_ns"));
    }
    Ok(r)
}
