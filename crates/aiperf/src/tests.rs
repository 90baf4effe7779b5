//! Accumulation and findings on hand-made records.

use super::*;

fn run(text: &str, include_warmup: bool) -> Analysis {
    let mut acc = Accum::new();
    let opts = AccumOptions {
        include_warmup,
        rows: true,
    };
    acc.feed_block(text.as_bytes(), 1, true, opts);
    Analysis::finish("t".into(), vec![], acc)
}

const TRACED: &str = r#"{"metadata":{"request_start_ns":1000000,"request_end_ns":21000000,"benchmark_phase":"profiling"},"metrics":{"output_sequence_length":{"value":4,"unit":"tokens"},"time_to_first_token":{"value":5.0,"unit":"ms"},"request_latency":{"value":20.0,"unit":"ms"}},"trace_data":{"request_send_start_ns":1000000,"request_send_end_ns":2000000,"request_chunks":[[1500000,100]],"response_chunks":[[4000000,30],[6000000,10],[10000000,10]],"tcp_connect_start_ns":500000,"tcp_connect_end_ns":900000,"dns_lookup_start_ns":100000,"dns_lookup_end_ns":400000,"dns_cache_miss_ns":100000}}
{"metadata":{"request_start_ns":2000000,"request_end_ns":30000000,"benchmark_phase":"profiling"},"metrics":{"output_sequence_length":{"value":2,"unit":"tokens"},"time_to_first_token":{"value":7.0,"unit":"ms"},"request_latency":{"value":28.0,"unit":"ms"}},"trace_data":{"request_send_start_ns":3000000,"request_send_end_ns":3500000,"request_chunks":[[3200000,80]],"response_chunks":[[5500000,20],[9500000,20]],"connection_reused_ns":2900000,"dns_cache_hit_ns":2800000}}
{"metadata":{"request_start_ns":1,"benchmark_phase":"warmup"},"metrics":{"request_latency":{"value":1.0,"unit":"ms"}}}
{"metadata":{"request_start_ns":3000000,"was_cancelled":true},"metrics":{},"error":{"code":499,"type":"RequestCancellationError","message":"x"}}
not json
{"timestamp_ns":1,"dcgm_url":"u","telemetry_data":{}}
{"metadata":{"request_start_ns":4000000},"metr"#;

#[test]
fn sections_from_traced_records() {
    let a = run(TRACED, false);
    assert_eq!(a.input.lines, 7);
    assert_eq!((a.input.bad_json, a.input.truncated_last_line), (1, true));
    assert_eq!(a.input.not_aiperf.values().sum::<u64>(), 1);
    assert_eq!(a.input.bad_examples[0].line, 5);
    let o = &a.overview;
    assert_eq!(
        (
            o.records,
            o.with_trace,
            o.errors,
            o.cancelled,
            o.warmup_excluded
        ),
        (3, 2, 1, 1, 1)
    );
    assert_eq!((o.streaming, o.non_streaming), (2, 0));
    assert_eq!(o.error_types.get("RequestCancellationError"), Some(&1));
    assert_eq!(
        (
            a.connections.created,
            a.connections.reused,
            a.connections.reuse_rate
        ),
        (1, 1, Some(0.5))
    );
    assert_eq!(
        (a.dns.lookups, a.dns.cache_hits, a.dns.hit_rate),
        (1, 1, Some(0.5))
    );
    let d = |x: Dist| a.dist(x).unwrap().clone();
    assert_eq!(d(Dist::DnsMs).mean, 0.3);
    assert_eq!(d(Dist::ConnectMs).count, 1);
    // TTFB: 4.0-2.0 = 2 ms and 5.5-3.5 = 2 ms; TTLB 8 and 6 ms.
    assert_eq!((d(Dist::TtfbMs).min, d(Dist::TtfbMs).max), (2.0, 2.0));
    assert_eq!((d(Dist::TtlbMs).min, d(Dist::TtlbMs).max), (6.0, 8.0));
    // Gaps pooled: 2, 4 (request 1) and 4 (request 2).
    let icl = d(Dist::InterChunkMs);
    assert_eq!((icl.count, icl.min, icl.max, icl.p50), (3, 2.0, 4.0, 4.0));
    assert_eq!(d(Dist::ChunkBytes).total, 90.0);
    assert_eq!(d(Dist::SendingMs).mean, 0.75);
    // Tokens/s: 4 tokens / 8 ms = 500, 2 / 6 ms = 333.3.
    let tps = d(Dist::TokensPerSecond);
    assert!((tps.min - 2000.0 / 6.0).abs() < 1e-9 && tps.max == 500.0);
    // Bytes per token: 50/4 and 40/2; overall 90/6.
    assert_eq!(a.correlation.overall_bytes_per_token, Some(15.0));
    assert_eq!(d(Dist::TokensPerChunk).mean, (4.0 / 3.0 + 1.0) / 2.0);
    assert_eq!(d(Dist::RequestLatency).mean, 24.0);
    let rules: Vec<&str> = a.findings.iter().map(|f| f.rule).collect();
    assert_eq!(
        rules,
        [
            "connection_reuse",
            "dns_cache_hit_rate",
            "ttfb",
            "icl_consistency",
            "transfer_processing_ratio",
            "tokens_per_second",
            "time_per_token",
            "bytes_per_token",
            "tokens_per_chunk"
        ]
    );
    assert_eq!(a.findings[0].verdict, Verdict::Warn);
    // Rows: both successes and the failure, warm-up excluded.
    assert_eq!(a.rows.len(), 3);
    assert_eq!(a.rows[2].status, "RequestCancellationError");
}

#[test]
fn warmup_included_and_no_trace() {
    let a = run(TRACED, true);
    assert_eq!((a.overview.records, a.overview.warmup_excluded), (4, 0));
    let plain = r#"{"metadata":{"timestamp_ns":0},"metrics":{"output_sequence_length":{"value":10,"unit":"tokens"},"request_latency":{"value":100.0,"unit":"ms"}}}"#;
    let a = run(plain, false);
    assert_eq!(a.overview.with_trace, 0);
    assert!(a.dist(Dist::TtfbMs).is_none());
    // Without trace, generation time is the request latency: 10 tok / 100 ms.
    assert_eq!(a.dist(Dist::TokensPerSecond).unwrap().mean, 100.0);
    assert_eq!(a.dist(Dist::TimePerTokenMs).unwrap().mean, 10.0);
    assert_eq!(a.connections.reuse_rate, None);
}

#[test]
fn run_names_give_load() {
    assert_eq!(
        load_from_name("Qwen_Qwen3-0.6B-openai-chat-concurrency16"),
        (Some(16.0), None)
    );
    assert_eq!(
        load_from_name("m-openai-chat-request_rate2.5"),
        (None, Some(2.5))
    );
    assert_eq!(load_from_name("qwen_concurrency2"), (Some(2.0), None));
}

/// One traced record: `tokens` output tokens in `chunks` response chunks
/// 1 ms apart, TTFT given or not (a non-streaming response has none).
fn record(tokens: u32, chunks: u32, ttft: bool) -> String {
    let list: Vec<String> = (0..chunks)
        .map(|i| format!("[{},10]", 4_000_000 + u64::from(i) * 1_000_000))
        .collect();
    let ttft = if ttft {
        r#""time_to_first_token":{"value":3.0,"unit":"ms"},"#
    } else {
        ""
    };
    format!(
        r#"{{"metadata":{{"request_start_ns":1000000,"request_end_ns":{end},"benchmark_phase":"profiling"}},"metrics":{{{ttft}"output_sequence_length":{{"value":{tokens},"unit":"tokens"}},"request_latency":{{"value":9.0,"unit":"ms"}}}},"trace_data":{{"request_send_start_ns":1000000,"request_send_end_ns":2000000,"request_chunks":[[1500000,100]],"response_chunks":[{list}]}}}}"#,
        end = 4_000_000 + u64::from(chunks) * 1_000_000,
        list = list.join(",")
    )
}

#[test]
fn tokens_per_chunk_words_match_the_figure() {
    // issue 17 item 21: 499 tokens in 500 chunks is 0.998 per chunk,
    // displayed 1.00: the words said "fewer than 1 token per chunk".
    let a = run(&record(499, 500, true), false);
    let f = a
        .findings
        .iter()
        .find(|f| f.rule == "tokens_per_chunk")
        .unwrap();
    assert_eq!(f.display, "1.00");
    assert!(!f.message.contains("fewer than 1"), "{}", f.message);
    assert!(
        f.message.contains("about 1 token per chunk"),
        "{}",
        f.message
    );
    // Half a token per chunk is fewer than one, and says so.
    let a = run(&record(250, 500, true), false);
    let f = a
        .findings
        .iter()
        .find(|f| f.rule == "tokens_per_chunk")
        .unwrap();
    assert_eq!(f.display, "0.50");
    assert!(f.message.contains("fewer than 1"), "{}", f.message);
}

#[test]
fn non_streaming_runs_get_no_server_bound_verdict() {
    // issue 17 item 21: a non-streaming response (no TTFT, the body in one
    // chunk) has a transfer/processing ratio near 0, which is no sign of a
    // server-bound run.
    let a = run(&record(100, 1, false), false);
    assert_eq!((a.overview.streaming, a.overview.non_streaming), (0, 1));
    let f = a
        .findings
        .iter()
        .find(|f| f.rule == "transfer_processing_ratio")
        .unwrap();
    assert_eq!(f.verdict, Verdict::Info);
    assert_eq!(f.display, "n/a");
    assert!(f.message.contains("not applicable"), "{}", f.message);
    assert!(!f.message.contains("server-bound"), "{}", f.message);
}

#[test]
fn inter_chunk_latency_falls_back_to_aiperf_icl() {
    // issue 17 item 21: without trace data, the correlation section said
    // N/A while AIPerf's per-SSE-message list is in the records.
    let plain = r#"{"metadata":{"request_start_ns":0},"metrics":{"time_to_first_token":{"value":5.0,"unit":"ms"},"output_sequence_length":{"value":4,"unit":"tokens"},"request_latency":{"value":100.0,"unit":"ms"},"inter_chunk_latency":{"value":[10.0,20.0,30.0],"unit":"ms"}}}"#;
    let a = run(plain, false);
    assert_eq!(a.overview.with_trace, 0);
    assert_eq!(a.correlation.avg_inter_chunk_latency_ms, Some(20.0));
    assert_eq!(
        a.correlation.inter_chunk_latency_source,
        Some("aiperf_inter_chunk_latency_ms")
    );
    let f = a
        .findings
        .iter()
        .find(|f| f.rule == "icl_consistency")
        .unwrap();
    assert!(
        f.message.contains("AIPerf's per-SSE-message"),
        "{}",
        f.message
    );
    // With a trace, the trace's chunk timestamps are used.
    let t = run(TRACED, false);
    assert_eq!(
        t.correlation.inter_chunk_latency_source,
        Some("inter_chunk_latency_ms")
    );
}

/// Issue 17 items 9 and 12: a record whose `request_chunks` is a string is
/// kept (its other figures analysed) and the bad field counted; non-finite
/// and negative timings are left out of the statistics and counted per
/// field, instead of printing `-inf` or averaging a negative TTFB.
#[test]
fn bad_fields_and_impossible_values_are_counted_per_field() {
    let text = r#"{"metadata":{"request_start_ns":1000000,"request_end_ns":21000000},"metrics":{"output_sequence_length":{"value":4,"unit":"tokens"},"time_to_first_token":{"value":5.0,"unit":"ms"},"request_latency":{"value":20.0,"unit":"ms"}},"trace_data":{"request_send_start_ns":1000000,"request_send_end_ns":2000000,"request_chunks":"abc","response_chunks":[[4000000,30],[10000000,10]]}}
{"metadata":{"request_start_ns":2000000},"metrics":{"output_sequence_length":{"value":2,"unit":"tokens"},"time_to_first_token":{"value":-Infinity,"unit":"ms"},"request_latency":{"value":-3.0,"unit":"ms"}},"trace_data":{"request_send_start_ns":3000000,"request_send_end_ns":9000000,"response_chunks":[[5000000,20],[9500000,20]]}}
{"metadata":{"request_start_ns":3000000},"metrics":{"output_sequence_length":{"value":2,"unit":"tokens"},"time_to_first_token":{"value":7.0,"unit":"ms"},"request_latency":{"value":Infinity,"unit":"ms"}}}
"#;
    let a = run(text, false);
    assert_eq!(a.input.bad_json, 0, "{:?}", a.input.bad_examples);
    assert_eq!(a.input.records, 3);
    assert_eq!(a.overview.records, 3);
    assert_eq!(
        a.input.bad_fields.get("trace_data.request_chunks"),
        Some(&1)
    );
    // Record 1 keeps its trace: TTFB 4.0 - 2.0 = 2 ms. Record 2's TTFB is
    // 5.0 - 9.0 = -4 ms (first byte before the request was sent): excluded.
    let d = |x: Dist| a.dist(x).unwrap().clone();
    assert_eq!((d(Dist::TtfbMs).count, d(Dist::TtfbMs).min), (1, 2.0));
    assert_eq!((d(Dist::Ttft).count, d(Dist::Ttft).min), (2, 5.0));
    assert_eq!(d(Dist::RequestLatency).count, 1);
    assert_eq!(d(Dist::RequestLatency).max, 20.0);
    let ex = &a.input.excluded_values;
    assert_eq!(ex.get("ttfb_ms"), Some(&1));
    assert_eq!(ex.get("time_to_first_token_ms"), Some(&1));
    assert_eq!(ex.get("request_latency_ms"), Some(&2));
}

/// A negative gap in `inter_chunk_latency` is left out and counted, while
/// the rest of its list and the lists without one are kept whole: the
/// decoder marks a list as usable as it scans it, so the accumulator copies
/// the usual list without checking it value by value.
#[test]
fn a_negative_inter_chunk_gap_is_left_out_and_counted() {
    let rec = |icl: &str| {
        format!(
            r#"{{"metadata":{{"request_start_ns":0}},"metrics":{{"output_sequence_length":{{"value":4,"unit":"tokens"}},"request_latency":{{"value":100.0,"unit":"ms"}},"inter_chunk_latency":{{"value":[{icl}],"unit":"ms"}}}}}}"#
        )
    };
    let text = [rec("10.0, 20.0"), rec("10.0, -2.5, 30.0"), rec("4")].join("\n");
    let a = run(&text, false);
    let d = a.dist(Dist::AiperfIcl).unwrap();
    assert_eq!((d.count, d.min, d.max), (5, 4.0, 30.0));
    assert_eq!(
        a.input.excluded_values.get(Dist::AiperfIcl.name()),
        Some(&1)
    );
}
