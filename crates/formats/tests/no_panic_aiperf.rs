//! Deterministic fuzz smoke test of the AIPerf record decoder, run in CI:
//! records of every generation and trace layout, mutated 100 000 times
//! (byte flips, cuts, splices, inserted JSON delimiters, `null`, negative
//! and huge numbers, `NaN`), must decode or fail without panicking, and a
//! decoded trace's derived durations must not overflow.
//! `fuzz/fuzz_targets/aiperf_record.rs` explores further.

mod common;
use common::Rng;
use srtlog_formats::aiperf::{decode_record, parse_summary_csv, parse_summary_json, Metric};

const SEEDS: &[&str] = &[
    r#"{"metadata":{"x_request_id":"a","timestamp_ns":1759522419154568925,"credit_phase":"profiling"},"metrics":{"input_sequence_length":{"value":550,"unit":"tokens"},"ttft":{"value":730.1,"unit":"ms"},"inter_chunk_latency":{"value":[133.4,143.0],"unit":"ms"},"output_sequence_length":{"value":247,"unit":"tokens"}},"error":null}"#,
    r#"{"metadata":{"x_request_id":"c","timestamp_ns":1,"credit_phase":"warmup"},"metrics":{"error_request_count":{"value":1,"unit":"requests"}},"error":{"code":499,"type":"RequestCancellationError","message":"x"}}"#,
    r#"{"metadata": {"session_num": 0, "request_start_ns": 1762551534797067827, "request_end_ns": 1762551538441354976, "benchmark_phase": "profiling", "was_cancelled": false, "cancellation_time_ns": null}, "metrics": {"time_to_first_token": {"value": 31.7, "unit": "ms"}, "ttft": 9, "goodput": null}, "error": null}"#,
    r#"{"metadata":{"request_start_ns":1},"metrics":{"output_sequence_length":{"value":3,"unit":"tokens"}},"trace_data":{"trace_type":"aiohttp","request_send_start_ns":1000,"request_chunks":[[1500,91586]],"request_send_end_ns":2000,"response_status_code":200,"response_receive_start_ns":5000,"response_headers":{"a":"b"},"response_chunks":[[5000,565],[7000,268]],"response_chunks_count":2,"response_receive_end_ns":7000,"sending_ns":1000,"waiting_ns":3000,"receiving_ns":2000,"tcp_connect_start_ns":100,"tcp_connect_end_ns":600,"dns_cache_hit_ns":50,"blocked_ns":30}}"#,
    r#"{"metadata":{},"metrics":{"output_tokens":4},"trace_data":{"request_write_timestamps_ns":[100,200],"request_write_sizes_bytes":[10,20],"response_receive_timestamps_ns":[1200,1300],"response_receive_sizes_bytes":[5,6],"connection_reused_ns":90}}"#,
    r#"{"metadata":{},"metrics":{},"trace_data":{"connection_queued_start_ns":1,"connection_queued_end_ns":4,"connection_create_start_ns":10,"connection_create_end_ns":40,"tls_handshake_start_ns":20,"tls_handshake_end_ns":30,"dns_resolvehost_start_ns":5,"dns_resolvehost_end_ns":9,"request_start_ns":50,"request_end_ns":60,"request_chunk_sizes":[7,8],"response_receive_timestamps_ns":[100,150],"response_status":503}}"#,
];

#[test]
fn mutated_aiperf_records_never_panic() {
    let mut rng = Rng(0xa1be_f00d_0000_0007);
    let inserts: [&[u8]; 14] = [
        b"{",
        b"}",
        b"[",
        b"]",
        b",",
        b":",
        b"\"",
        b"null",
        b"-9223372036854775808",
        b"99999999999999999999",
        b"NaN",
        b"1e999",
        b"\xff",
        b"[[1,2],[3]]",
    ];
    let (mut ok, mut err) = (0usize, 0usize);
    let mut scratch = Vec::new();
    for _ in 0..100_000 {
        let mut l = SEEDS[rng.below(SEEDS.len())].as_bytes().to_vec();
        for _ in 0..1 + rng.below(4) {
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
        match decode_record(&l, &mut scratch) {
            Ok(Some(r)) => {
                ok += 1;
                std::hint::black_box(r.metrics.get(Metric::Ttft));
                if let Some(t) = &r.trace {
                    std::hint::black_box((t.ttfb(), t.ttlb(), t.sending(), t.receiving()));
                }
            }
            Ok(None) => {}
            Err(_) => err += 1,
        }
        let _ = parse_summary_json(&l);
        let _ = parse_summary_csv(&String::from_utf8_lossy(&l));
    }
    // Both outcomes are exercised, so the mutations are neither all fatal
    // nor all harmless.
    assert!(ok > 10_000 && err > 10_000, "ok {ok}, err {err}");
}
