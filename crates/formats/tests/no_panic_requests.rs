//! Deterministic fuzz smoke test of the per-request JSON-lines decoder, run
//! in CI: real line shapes of every source (the seed's format, AIPerf
//! 0.1.x/0.5 records, SGLang request metrics, a bench_serving summary with
//! `Infinity`), mutated 100 000 times (byte flips, cuts, splices, inserted
//! JSON delimiters and the `Infinity`/`NaN` tokens), must decode or fail
//! without panicking; whatever the fast flat scanner accepts, serde_json must
//! accept with the same fields. `fuzz/fuzz_targets/request_line.rs` explores further.

mod common;
use common::Rng;
use srtlog_formats::requests::flat::parse_flat_fast;
use srtlog_formats::requests::{decode_line, FieldMap, Flat, Scalar};

const SEEDS: &[&str] = &[
    r#"{"timestamp": "2026-01-01T00:00:01.500Z", "request_id": "9f1c2a3b-1d2e-4f50-8a9b-0c1d2e3f4a5b", "model": "meta-llama/Llama-3.3-70B-Instruct", "latency_ms": 812.37, "batch_size": 64, "status": "success", "gpu_util": 87.5, "memory_used_gb": 61.2}"#,
    r#"{"metadata":{"x_request_id":"c087da26","x_correlation_id":"51a3af05","conversation_id":"82c50e66","turn_index":0,"timestamp_ns":1759522419154829652,"worker_id":"worker_1d62deaa","credit_phase":"profiling"},"metrics":{"error_request_count":{"value":1,"unit":"requests"}},"error":{"code":499,"type":"RequestCancellationError","message":"Request was cancelled after 0.000 seconds"}}"#,
    r#"{"metadata": {"session_num": 0, "x_request_id": "fd78", "request_start_ns": 1762551534797067827, "request_ack_ns": 1762551534807258440, "request_end_ns": 1762551538441354976, "was_cancelled": false, "cancellation_time_ns": null}, "metrics": {"request_latency": {"value": 3644.2, "unit": "ms"}, "inter_chunk_latency": {"value": [17.8, 18.3], "unit": "ms"}, "min_request_timestamp": {"value": 1762551534797067827, "unit": "ns"}}, "error": null}"#,
    r#"{"request_parameters": "{\"rid\": \"abc\", \"text\": \"q\\\"x\", \"sampling_params\": {\"max_new_tokens\": 8}}", "id": "abc", "prompt_tokens": 10, "completion_tokens": 8, "e2e_latency": 0.5, "queue_time": 0.05, "ttft": 0.15, "request_received_ts": 1767225600.25, "finish_reason": {"type": "abort", "message": "x"}}"#,
    r#"{"tag": "agg", "backend": "sglang", "request_rate": Infinity, "max_concurrency": 32, "duration": 10.5, "completed": 100, "request_throughput": 9.5, "mean_e2e_latency_ms": NaN, "server_info": {"x": -Infinity}}"#,
    r#"{"ts": 1777309473799933063, "latency_ms": "7.5", "status": 503, "error": {"type": "Timeout"}, "x": [1, {"y": null}], "z": true}"#,
];

#[test]
fn mutated_request_lines_never_panic() {
    let mut rng = Rng(0x51ed_2701_f00d_cafe);
    let inserts: [&[u8]; 14] = [
        b"{",
        b"}",
        b"[",
        b"]",
        b",",
        b":",
        b"\"",
        b"\\",
        b"Infinity",
        b"-Infinity",
        b"NaN",
        b"1e999",
        b"\xff",
        b"\\u0001",
    ];
    let mut map = FieldMap::default();
    map.add("latency_ms=duration*1000").expect("valid mapping");
    let (mut ok, mut err, mut fast_hits) = (0usize, 0usize, 0usize);
    for _ in 0..100_000 {
        let mut l = SEEDS[rng.below(SEEDS.len())].as_bytes().to_vec();
        // 0 to 3 mutations: some lines stay valid, to exercise the decoders.
        for _ in 0..rng.below(4) {
            let at = rng.below(l.len() + 1);
            match rng.below(5) {
                0 if at < l.len() => l[at] = rng.next() as u8,
                1 => {
                    let s = inserts[rng.below(inserts.len())];
                    l.splice(at..at, s.iter().copied());
                }
                2 => l.truncate(at),
                3 if at < l.len() => {
                    l.remove(at);
                }
                _ => {
                    let other = SEEDS[rng.below(SEEDS.len())].as_bytes();
                    let from = rng.below(other.len());
                    l.splice(at..at, other[from..].iter().copied().take(60));
                }
            }
        }
        // Differential check of the fast flat scanner: whatever it accepts,
        // serde_json must accept with the same fields.
        if let Some(fast) = parse_flat_fast(&l) {
            fast_hits += 1;
            let slow: Flat<'_> = serde_json::from_slice(&l).unwrap_or_else(|e| {
                panic!(
                    "fast path accepted what serde rejects ({e}): {}",
                    String::from_utf8_lossy(&l)
                )
            });
            assert_eq!(fast.fields.len(), slow.fields.len());
            for ((ka, va), (kb, vb)) in fast.fields.iter().zip(&slow.fields) {
                assert_eq!(ka, kb);
                match (va, vb) {
                    (Scalar::Float(a), Scalar::Float(b)) => {
                        assert!((a - b).abs() <= 1e-12 * a.abs().max(1.0), "{a} vs {b}")
                    }
                    _ => assert_eq!(va, vb),
                }
            }
        }
        let m = if rng.below(2) == 0 {
            &map
        } else {
            &FieldMap::default()
        };
        match decode_line(&l, m) {
            Ok(_) => ok += 1,
            Err(_) => err += 1,
        }
    }
    // Both paths exercised: many mutants still decode, many do not.
    assert!(ok > 5_000 && err > 10_000, "ok {ok}, err {err}");
    assert!(fast_hits > 1_000, "fast path exercised: {fast_hits}");
}
