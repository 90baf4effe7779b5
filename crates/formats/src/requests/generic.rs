//! Flat request objects: the workflow's format and any schema with mapped names.
//!
//! Default names (first match wins per key): `timestamp`/`time`/`ts`,
//! `request_id`/`id`/`rid`, `model`/`model_name`, `status`, `error`, and
//! the canonical numeric names ([`Num::name`]) plus a few common aliases
//! (`ttft_ms`, `itl_ms`, `prompt_tokens`, `completion_tokens`). Every other
//! numeric (or boolean) field is kept in [`Request::extra`]; strings that
//! are not mapped are dropped (they cannot be analysed as numbers).

use super::flat::{Flat, Scalar};
use super::time::{epoch_float_ns, epoch_int_ns, parse_iso_ns};
use super::{FieldMap, LineError, Num, Request, Schema, Target};
use std::borrow::Cow;

/// The default target of a source key.
#[inline]
pub fn default_target(key: &str) -> Option<Target> {
    Some(match key {
        "timestamp" | "time" | "ts" | "@timestamp" => Target::Timestamp,
        "request_id" | "id" | "rid" => Target::RequestId,
        "model" | "model_name" => Target::Model,
        "status" => Target::Status,
        "error" | "error_type" => Target::Error,
        "latency_ms" => Target::Num(Num::LatencyMs),
        "batch_size" => Target::Num(Num::BatchSize),
        "gpu_util" => Target::Num(Num::GpuUtil),
        "memory_used_gb" => Target::Num(Num::MemoryUsedGb),
        "ttft_ms" => Target::Num(Num::TtftMs),
        "itl_ms" | "tpot_ms" => Target::Num(Num::ItlMs),
        "input_tokens" | "prompt_tokens" => Target::Num(Num::InputTokens),
        "output_tokens" | "completion_tokens" => Target::Num(Num::OutputTokens),
        "queue_ms" => Target::Num(Num::QueueMs),
        "prefill_ms" => Target::Num(Num::PrefillMs),
        "decode_ms" => Target::Num(Num::DecodeMs),
        _ => return None,
    })
}

/// Status strings that mean success (case-insensitive); anything else that
/// is present means failure. HTTP codes 2xx are successes.
pub fn status_ok(s: &str) -> bool {
    const OK: [&str; 7] = [
        "success",
        "ok",
        "succeeded",
        "completed",
        "complete",
        "done",
        "true",
    ];
    OK.iter().any(|o| s.eq_ignore_ascii_case(o))
        || s.parse::<u16>().is_ok_and(|c| (200..300).contains(&c))
}

/// A timestamp from any scalar.
pub fn timestamp_of(v: &Scalar<'_>) -> Option<i64> {
    match v {
        Scalar::Int(i) => epoch_int_ns(*i),
        Scalar::UInt(u) => i64::try_from(*u).ok(),
        Scalar::Float(f) => epoch_float_ns(*f),
        Scalar::Str(s) => parse_iso_ns(s),
        _ => None,
    }
}

/// A number from a scalar, accepting numeric strings (`"12.5"`).
fn number_of(v: &Scalar<'_>) -> Option<f64> {
    match v {
        Scalar::Str(s) => s.trim().parse::<f64>().ok(),
        other => other.as_f64(),
    }
}

/// Maps a flat object.
pub fn decode<'a>(flat: Flat<'a>, map: &FieldMap) -> Result<Request<'a>, LineError> {
    let mut r = Request::new(Schema::Generic);
    let mut error_present = false;
    for (k, v) in flat.fields {
        match map.lookup(&k) {
            Some(Target::Timestamp) => r.timestamp_ns = timestamp_of(&v),
            Some(Target::RequestId) => {
                r.request_id = match v {
                    Scalar::Str(s) => Some(s),
                    Scalar::Int(i) => Some(Cow::Owned(i.to_string())),
                    Scalar::UInt(u) => Some(Cow::Owned(u.to_string())),
                    _ => None,
                }
            }
            Some(Target::Model) => {
                if let Scalar::Str(s) = v {
                    r.model = Some(s);
                }
            }
            Some(Target::Status) => match v {
                Scalar::Str(s) => {
                    r.ok = Some(status_ok(&s));
                    r.status = Some(s);
                }
                Scalar::Int(c) => {
                    r.ok = Some((200..300).contains(&c));
                    r.status = Some(Cow::Owned(c.to_string()));
                }
                Scalar::Bool(b) => {
                    r.ok = Some(b);
                    r.status = Some(Cow::Borrowed(if b { "success" } else { "error" }));
                }
                _ => {}
            },
            Some(Target::Error) => match v {
                Scalar::Null | Scalar::Bool(false) => {}
                Scalar::Str(s) if s.is_empty() => {}
                Scalar::Str(s) => {
                    error_present = true;
                    r.error_type = Some(s);
                }
                Scalar::Nested(serde_json::Value::Object(o)) => {
                    error_present = true;
                    let t = o.get("type").or_else(|| o.get("message"));
                    r.error_type = t.and_then(|t| t.as_str()).map(|s| Cow::Owned(s.to_owned()));
                }
                _ => error_present = true,
            },
            Some(Target::Num(n)) => {
                if let Some(x) = number_of(&v) {
                    r.set(n, x);
                }
            }
            None => {
                if let Some(x) = v.as_f64() {
                    r.extra.push((k, x));
                }
            }
        }
    }
    for &(n, f) in &map.scale {
        r.nums[n as usize] *= f;
    }
    if error_present {
        r.ok = Some(false);
        if r.status.is_none() {
            r.status = Some(Cow::Borrowed("error"));
        }
    }
    if r.ok == Some(false) && r.error_type.is_none() {
        r.error_type.clone_from(&r.status);
    }
    if r.num(Num::LatencyMs).is_nan() && r.timestamp_ns.is_none() {
        return Err(LineError::MissingFields("latency_ms or timestamp"));
    }
    Ok(r)
}
