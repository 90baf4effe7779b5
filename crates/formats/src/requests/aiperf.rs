//! AIPerf `profile_export.jsonl` records (formats.md §3.2) as canonical
//! requests: a mapping of the typed AIPerf decoder's records
//! ([`crate::aiperf::decode_value`]), so `srtlog requests` and
//! `srtlog aiperf` read a record the same way.
//!
//! Every schema generation is read: 0.1.x (`timestamp_ns`, `credit_phase`,
//! `ttft`), 0.5 (`request_start_ns`/`request_end_ns`, `was_cancelled`,
//! `time_to_first_token`) and 2026 (no `error` key on success, no `code`).
//!
//! Mapping:
//! * `timestamp` ← `request_start_ns` (else `timestamp_ns`), exact
//!   nanoseconds; `request_id` ← `x_request_id`; AIPerf records name no
//!   model, so `model` is empty.
//! * The canonical numbers take the typed decoder's slot, with its aliases
//!   in its order of preference whatever the key order
//!   ([`crate::aiperf::Metric::of_tag`]): `latency_ms` ← `request_latency`;
//!   `ttft_ms` ← `time_to_first_token`, `ttft`, `time_to_first_output_token`;
//!   `itl_ms` ← `inter_token_latency`; `input_tokens` ← `input_tokens`,
//!   `num_input_tokens`, `input_sequence_length`, `usage_prompt_tokens`;
//!   `output_tokens` ← `output_tokens`, `num_output_tokens`,
//!   `output_sequence_length`, `output_token_count`,
//!   `usage_completion_tokens`.
//! * Metric values are `{value, unit}` or bare numbers. Every other scalar
//!   metric (an alias that lost to a preferred one included) is kept under
//!   its tag, in its export unit; list metrics (`inter_chunk_latency`) and
//!   values whose unit is `ns` (per-record copies of run-level timestamps)
//!   are left out. `ack_ms` is `request_ack_ns − request_start_ns` in ms,
//!   computed with checked arithmetic: a difference that does not fit is
//!   left out and counted in `ack_ms_overflow` (1) rather than wrapping.
//! * A request failed when it has an error or was cancelled (`was_cancelled`
//!   true, or a 0.1.x `RequestCancellationError`); its `error_type` is
//!   `error.type`, else `error.message`, else `cancelled`/`error`. `status`
//!   is `error.code` when there is one, else `error`/`success`.

use super::flat::{Flat, Scalar};
use super::{LineError, Num, Request, Schema};
use crate::aiperf::{decode_value, FullRecord, Metric, RecordError};
use serde_json::Value;
use std::borrow::Cow;

/// The canonical column of each typed slot that has one.
const CANONICAL: [(Metric, Num); 5] = [
    (Metric::RequestLatency, Num::LatencyMs),
    (Metric::Ttft, Num::TtftMs),
    (Metric::Itl, Num::ItlMs),
    (Metric::InputTokens, Num::InputTokens),
    (Metric::OutputTokens, Num::OutputTokens),
];

/// The record's top-level JSON value of `s` (strings kept as strings; the
/// typed decoder reads the non-standard-token sentinels).
fn to_value(s: Scalar<'_>) -> Value {
    match s {
        Scalar::Null => Value::Null,
        Scalar::Bool(b) => Value::Bool(b),
        Scalar::Int(i) => Value::from(i),
        Scalar::UInt(u) => Value::from(u),
        Scalar::Float(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
        Scalar::Str(s) => Value::String(s.into_owned()),
        Scalar::Nested(v) => v,
    }
}

/// `later − earlier` nanoseconds in ms, `None` when the difference does
/// not fit an `i64`.
pub fn ns_diff_ms(later: i64, earlier: i64) -> Option<f64> {
    later.checked_sub(earlier).map(|d| d as f64 / 1e6)
}

/// Maps one record, parsed generically into `flat`.
pub fn decode(flat: Flat<'_>) -> Result<Request<'static>, LineError> {
    let mut obj = serde_json::Map::new();
    for (k, v) in flat.fields {
        if matches!(&*k, "metadata" | "metrics" | "error") {
            // A repeated key: the last one wins, as in `json.loads`.
            obj.insert(k.into_owned(), to_value(v));
        }
    }
    let value = Value::Object(obj);
    let full = decode_value(&value).map_err(|e| match e {
        RecordError::Json(m) => LineError::Json(m),
        RecordError::NotAiperf(_) => LineError::MissingFields("metadata"),
    })?;
    map_record(&full)
}

/// Maps a typed record onto the canonical request.
pub fn map_record(full: &FullRecord<'_>) -> Result<Request<'static>, LineError> {
    let rec = &full.record;
    let mut r = Request::new(Schema::AiPerf);
    let md = &rec.metadata;
    r.timestamp_ns = md.start_ns();
    r.request_id = md.x_request_id.as_deref().map(|s| Cow::Owned(s.to_owned()));
    if let (Some(s), Some(a)) = (md.request_start_ns, md.request_ack_ns) {
        match ns_diff_ms(a, s) {
            Some(ms) => r.extra.push((Cow::Borrowed("ack_ms"), ms)),
            None => r.extra.push((Cow::Borrowed("ack_ms_overflow"), 1.0)),
        }
    }
    let m = &rec.metrics;
    for (slot, num) in CANONICAL {
        if let Some(v) = m.opt(slot) {
            r.set(num, v);
        }
    }
    for (tag, v) in &full.scalars {
        // The winning alias of a canonical slot is that column already.
        let canonical = Metric::of_tag(tag).is_some_and(|(slot, rank)| {
            CANONICAL.iter().any(|(s, _)| *s == slot) && m.rank_of(slot) == Some(rank)
        });
        if !canonical {
            r.extra.push((Cow::Owned(tag.to_string()), *v));
        }
    }
    let failed = rec.failed();
    r.ok = Some(!failed);
    r.error_type = rec.error_type().map(|t| Cow::Owned(t.to_owned()));
    r.status = Some(match rec.error.as_ref().and_then(|e| e.code) {
        Some(c) => Cow::Owned(c.to_string()),
        None => Cow::Borrowed(if failed { "error" } else { "success" }),
    });
    if r.timestamp_ns.is_none() && r.num(Num::LatencyMs).is_nan() {
        return Err(LineError::MissingFields("metadata.request_start_ns"));
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aiperf::decode_record;
    use crate::requests::{decode_line, FieldMap};

    fn req(line: &str) -> Request<'static> {
        decode_line(line.as_bytes(), &FieldMap::default())
            .expect("decodes")
            .expect("a request")
            .into_owned()
    }

    fn typed(line: &str) -> crate::aiperf::Record<'static> {
        let mut scratch = Vec::new();
        decode_record(line.as_bytes(), &mut scratch)
            .expect("decodes")
            .expect("a record")
            .into_owned()
    }

    fn extra(r: &Request<'_>, k: &str) -> Option<f64> {
        r.extra.iter().find(|(t, _)| t == k).map(|(_, v)| *v)
    }

    // Disagreement 1 (output-token aliases): the request-log reader read
    // only `output_sequence_length`; it now takes the typed decoder's
    // aliases and order of preference.
    #[test]
    fn output_token_aliases_follow_the_typed_decoder() {
        let only_count = r#"{"metadata":{"request_start_ns":5},"metrics":{"output_token_count":{"value":7,"unit":"tokens"},"num_input_tokens":{"value":3,"unit":"tokens"}},"error":null}"#;
        let r = req(only_count);
        assert_eq!(r.num(Num::OutputTokens), 7.0);
        assert_eq!(r.num(Num::InputTokens), 3.0);
        assert_eq!(extra(&r, "output_token_count"), None);
        assert_eq!(
            typed(only_count).metrics.get(Metric::OutputTokens),
            r.num(Num::OutputTokens)
        );
        // `output_tokens` outranks `output_sequence_length` in any order;
        // the loser stays an extra column under its tag.
        let both = r#"{"metadata":{"request_start_ns":5},"metrics":{"output_sequence_length":{"value":200,"unit":"tokens"},"output_tokens":{"value":199,"unit":"tokens"}}}"#;
        let r = req(both);
        assert_eq!(r.num(Num::OutputTokens), 199.0);
        assert_eq!(extra(&r, "output_sequence_length"), Some(200.0));
        assert_eq!(typed(both).metrics.get(Metric::OutputTokens), 199.0);
        // TTFT: `time_to_first_token` outranks 0.1.x `ttft` whatever the
        // order (the old reader took the last key).
        let ttft = r#"{"metadata":{"request_start_ns":5},"metrics":{"time_to_first_token":{"value":30,"unit":"ms"},"ttft":{"value":99,"unit":"ms"}}}"#;
        assert_eq!(req(ttft).num(Num::TtftMs), 30.0);
        assert_eq!(typed(ttft).metrics.get(Metric::Ttft), 30.0);
    }

    // Disagreement 2 (bare-number metrics): the request-log reader skipped
    // `"request_latency": 12.5`; both read it now.
    #[test]
    fn bare_number_metrics_are_read() {
        let l = r#"{"metadata":{"x_request_id":"b"},"metrics":{"request_latency":12.5,"time_to_second_token":4,"min_request_timestamp":{"value":17,"unit":"ns"}}}"#;
        let r = req(l);
        assert_eq!(r.num(Num::LatencyMs), 12.5);
        assert_eq!(extra(&r, "time_to_second_token"), Some(4.0));
        // ns-unit values are run-level timestamps, not metrics.
        assert_eq!(extra(&r, "min_request_timestamp"), None);
        assert_eq!(typed(l).metrics.get(Metric::RequestLatency), 12.5);
    }

    // Disagreement 3 (cancellation): `was_cancelled` without an error, and
    // a 0.1.x RequestCancellationError, are both failures with the typed
    // decoder's error type.
    #[test]
    fn cancellation_follows_the_typed_decoder() {
        let cancelled = r#"{"metadata":{"request_start_ns":5,"was_cancelled":true},"metrics":{"request_latency":{"value":1,"unit":"ms"}}}"#;
        let r = req(cancelled);
        assert_eq!(r.ok, Some(false));
        assert_eq!(r.error_type.as_deref(), Some("cancelled"));
        assert_eq!(r.status.as_deref(), Some("error"));
        assert!(typed(cancelled).cancelled());
        let old = r#"{"metadata":{"timestamp_ns":5},"metrics":{},"error":{"code":499,"type":"RequestCancellationError","message":"m"}}"#;
        let r = req(old);
        assert_eq!(r.ok, Some(false));
        assert_eq!(r.error_type.as_deref(), Some("RequestCancellationError"));
        assert_eq!(r.status.as_deref(), Some("499"));
        assert!(typed(old).cancelled());
        // An error given as a bare message (tolerated by both).
        let msg = r#"{"metadata":{"request_start_ns":5},"metrics":{},"error":"upstream timeout"}"#;
        let r = req(msg);
        assert_eq!(r.ok, Some(false));
        assert_eq!(r.error_type.as_deref(), Some("upstream timeout"));
        assert_eq!(typed(msg).error_type(), Some("upstream timeout"));
        // `error: null` is a success.
        let ok = r#"{"metadata":{"request_start_ns":5},"metrics":{},"error":null}"#;
        assert_eq!(req(ok).ok, Some(true));
    }

    // Disagreement 4 (unchecked subtraction): ack − start overflowed `i64`
    // (a panic in debug builds, a wrapped value in release).
    #[test]
    fn ack_minus_start_is_checked() {
        let l = r#"{"metadata":{"request_start_ns":-9223372036854775808,"request_ack_ns":9223372036854775807},"metrics":{"request_latency":{"value":1,"unit":"ms"}}}"#;
        let r = req(l);
        assert_eq!(extra(&r, "ack_ms"), None);
        assert_eq!(extra(&r, "ack_ms_overflow"), Some(1.0));
        assert_eq!(ns_diff_ms(1_000_000, 0), Some(1.0));
        assert_eq!(ns_diff_ms(i64::MAX, -1), None);
        let fine =
            r#"{"metadata":{"request_start_ns":1000,"request_ack_ns":2501000},"metrics":{}}"#;
        assert_eq!(extra(&req(fine), "ack_ms"), Some(2.5));
    }

    #[test]
    fn missing_fields_and_bad_shapes() {
        let none = r#"{"metadata":{"x_request_id":"a"},"metrics":{}}"#;
        assert_eq!(
            decode_line(none.as_bytes(), &FieldMap::default()),
            Err(LineError::MissingFields("metadata.request_start_ns"))
        );
        // A metrics list is not an AIPerf record, for both decoders.
        let list = r#"{"metadata":{"request_start_ns":1},"metrics":[1,2]}"#;
        assert!(matches!(
            decode_line(list.as_bytes(), &FieldMap::default()),
            Err(LineError::Json(_))
        ));
        assert!(decode_record(list.as_bytes(), &mut Vec::new()).is_err());
    }
}
