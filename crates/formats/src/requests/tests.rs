//! Decoder tests: one per source and per edge case of formats.md §4.

use super::*;

fn dec(line: &str) -> Result<Option<Request<'_>>, LineError> {
    decode_line(line.as_bytes(), &FieldMap::default())
}

#[test]
fn seed_schema_line() {
    let l = r#"{"timestamp": "2026-01-01T00:00:01.500", "request_id": "r1", "model": "llama", "latency_ms": 123.5, "batch_size": 8, "status": "success", "gpu_util": 87.5, "memory_used_gb": 40.25, "tokens": 17}"#;
    let r = dec(l).expect("ok").expect("some");
    assert_eq!(r.schema, Schema::Generic);
    assert_eq!(r.timestamp_ns, Some(1_767_225_601_500_000_000));
    assert_eq!(r.request_id.as_deref(), Some("r1"));
    assert_eq!(r.model.as_deref(), Some("llama"));
    assert_eq!(r.num(Num::LatencyMs), 123.5);
    assert_eq!(r.num(Num::BatchSize), 8.0);
    assert_eq!(r.num(Num::GpuUtil), 87.5);
    assert_eq!(r.num(Num::MemoryUsedGb), 40.25);
    assert_eq!(r.ok, Some(true));
    assert_eq!(r.extra, vec![(Cow::Borrowed("tokens"), 17.0)]);
    assert!(
        matches!(r.request_id, Some(Cow::Borrowed(_))),
        "strings stay borrowed"
    );
}

#[test]
fn errors_nulls_and_mixed_types() {
    let r =
        dec(r#"{"timestamp": 1767225601, "latency_ms": 5, "status": "error", "batch_size": null}"#)
            .expect("ok")
            .expect("some");
    assert_eq!(r.ok, Some(false));
    assert_eq!(r.error_type.as_deref(), Some("error"));
    assert!(r.num(Num::BatchSize).is_nan());
    assert_eq!(r.timestamp_ns, Some(1_767_225_601_000_000_000));
    let r = dec(r#"{"ts": 1777309473799933063, "latency_ms": "7.5", "status": 503}"#)
        .expect("ok")
        .expect("some");
    assert_eq!(
        r.timestamp_ns,
        Some(1_777_309_473_799_933_063),
        "exact above 2^53"
    );
    assert_eq!(r.num(Num::LatencyMs), 7.5);
    assert_eq!(r.ok, Some(false));
    assert_eq!(dec("   \r").expect("blank"), None);
}

#[test]
fn bad_lines_are_errors_not_panics() {
    assert!(matches!(dec("not json"), Err(LineError::Json(_))));
    assert!(matches!(
        dec(r#"{"latency_ms": 1"#),
        Err(LineError::Json(_))
    ));
    assert!(matches!(
        dec(r#"{"foo": 1}"#),
        Err(LineError::MissingFields(_))
    ));
    assert!(matches!(dec("[1,2]"), Err(LineError::Json(_))));
}

#[test]
fn nonstandard_tokens_and_bench_summary() {
    let r = dec(r#"{"latency_ms": NaN, "timestamp": 1767225601, "gpu_util": Infinity}"#)
        .expect("ok")
        .expect("some");
    assert!(r.num(Num::LatencyMs).is_nan());
    assert_eq!(r.num(Num::GpuUtil), f64::INFINITY);
    let bench = r#"{"tag": "x", "backend": "sglang", "request_rate": Infinity, "duration": 10.5, "completed": 100, "request_throughput": 9.5, "mean_e2e_latency_ms": 1000.0}"#;
    assert!(matches!(dec(bench), Err(LineError::NotPerRequest(_))));
}

#[test]
fn field_mapping_with_scale() {
    let mut m = FieldMap::default();
    m.add("latency_ms=duration_s*1000").expect("valid");
    m.add("model=engine").expect("valid");
    assert!(m.add("nonsense=x").is_err());
    assert!(m.add("latency_ms").is_err());
    let line = br#"{"duration_s": 0.25, "engine": "m1", "latency_ms": 99, "timestamp": 1}"#;
    let r = decode_line(line, &m).expect("ok").expect("some");
    assert_eq!(r.num(Num::LatencyMs), 250.0);
    assert_eq!(r.model.as_deref(), Some("m1"));
}

#[test]
fn aiperf_generations() {
    let old = r#"{"metadata":{"x_request_id":"c087","timestamp_ns":1759522419154829652,"credit_phase":"profiling"},"metrics":{"error_request_count":{"value":1,"unit":"requests"}},"error":{"code":499,"type":"RequestCancellationError","message":"m"}}"#;
    let r = dec(old).expect("ok").expect("some");
    assert_eq!(r.schema, Schema::AiPerf);
    assert_eq!(r.timestamp_ns, Some(1_759_522_419_154_829_652));
    assert_eq!(r.ok, Some(false));
    assert_eq!(r.error_type.as_deref(), Some("RequestCancellationError"));
    assert_eq!(r.status.as_deref(), Some("499"));
    let new = r#"{"metadata": {"x_request_id": "fd78", "request_start_ns": 1762551534797067827, "request_ack_ns": 1762551534807258440, "was_cancelled": false}, "metrics": {"request_latency": {"value": 3644.2, "unit": "ms"}, "time_to_first_token": {"value": 31.7, "unit": "ms"}, "inter_chunk_latency": {"value": [1.0, 2.0], "unit": "ms"}, "output_sequence_length": {"value": 200, "unit": "tokens"}}, "error": null}"#;
    let r = dec(new).expect("ok").expect("some");
    assert_eq!(r.ok, Some(true));
    assert_eq!(r.num(Num::LatencyMs), 3644.2);
    assert_eq!(r.num(Num::TtftMs), 31.7);
    assert_eq!(r.num(Num::OutputTokens), 200.0);
    assert!(r
        .extra
        .iter()
        .any(|(k, v)| k == "ack_ms" && (v - 10.190613).abs() < 1e-9));
}

#[test]
fn sglang_request_metrics() {
    let l = r#"{"request_parameters": "{\"rid\": \"abc\", \"sampling_params\": {\"max_new_tokens\": 8}}", "prompt_tokens": 10, "completion_tokens": 8, "cached_tokens": 2, "e2e_latency": 0.5, "queue_time": 0.05, "ttft": 0.15, "request_received_ts": 1767225600.25, "finish_reason": {"type": "length", "length": 8}}"#;
    let r = dec(l).expect("ok").expect("some");
    assert_eq!(r.schema, Schema::SglangRequestMetrics);
    assert_eq!(r.request_id.as_deref(), Some("abc"));
    assert_eq!(r.num(Num::LatencyMs), 500.0);
    assert!((r.num(Num::QueueMs) - 50.0).abs() < 1e-9);
    assert!((r.num(Num::PrefillMs) - 100.0).abs() < 1e-9);
    assert!((r.num(Num::DecodeMs) - 350.0).abs() < 1e-9);
    assert_eq!(r.timestamp_ns, Some(1_767_225_600_250_000_000));
    assert_eq!(r.ok, Some(true));
    assert!(r
        .extra
        .iter()
        .any(|(k, v)| k == "cached_tokens" && *v == 2.0));
    let abort = r#"{"request_parameters": "{}", "id": "x", "e2e_latency": 0.1, "finish_reason": {"type": "abort", "message": "client disconnected"}}"#;
    let r = dec(abort).expect("ok").expect("some");
    assert_eq!(r.ok, Some(false));
    assert_eq!(r.error_type.as_deref(), Some("client disconnected"));
}
