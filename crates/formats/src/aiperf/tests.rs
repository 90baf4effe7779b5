//! Decoder tests: every schema generation, both metric value shapes, the
//! three trace layouts, summaries, and bad lines.

use super::*;

fn dec(line: &str) -> Result<Option<Record<'_>>, RecordError> {
    // The scratch buffer only matters for the NaN rewrite; tests that need
    // it call `decode_record` themselves.
    let mut s = Vec::new();
    decode_record(line.as_bytes(), &mut s).map(|r| r.map(|r| owned(r)))
}

/// Detaches a record from the scratch buffer (tests only).
fn owned(r: Record<'_>) -> Record<'static> {
    let o =
        |c: Option<std::borrow::Cow<'_, str>>| c.map(|s| std::borrow::Cow::Owned(s.into_owned()));
    Record {
        metadata: Metadata {
            x_request_id: o(r.metadata.x_request_id),
            conversation_id: o(r.metadata.conversation_id),
            worker_id: o(r.metadata.worker_id),
            benchmark_phase: o(r.metadata.benchmark_phase),
            credit_phase: o(r.metadata.credit_phase),
            session_num: r.metadata.session_num,
            timestamp_ns: r.metadata.timestamp_ns,
            request_start_ns: r.metadata.request_start_ns,
            request_ack_ns: r.metadata.request_ack_ns,
            request_end_ns: r.metadata.request_end_ns,
            was_cancelled: r.metadata.was_cancelled,
        },
        metrics: r.metrics,
        trace: r.trace,
        error: r.error.map(|e| ErrorInfo {
            code: e.code,
            kind: o(e.kind),
            message: o(e.message),
        }),
    }
}

#[test]
fn old_schema_success_and_cancelled() {
    let ok = r#"{"metadata":{"x_request_id":"a","timestamp_ns":1759522419154568925,"credit_phase":"profiling"},"metrics":{"input_sequence_length":{"value":550,"unit":"tokens"},"ttft":{"value":730.147344,"unit":"ms"},"request_latency":{"value":8877.620132,"unit":"ms"},"inter_chunk_latency":{"value":[133.4,143.0],"unit":"ms"},"output_sequence_length":{"value":247,"unit":"tokens"},"output_token_count":{"value":3,"unit":"tokens"}},"error":null}"#;
    let r = dec(ok).unwrap().unwrap();
    assert_eq!(r.metadata.start_ns(), Some(1759522419154568925));
    assert_eq!(r.metadata.phase(), Phase::Profiling);
    assert_eq!(r.metrics.get(Metric::Ttft), 730.147344);
    assert_eq!(r.metrics.get(Metric::RequestLatency), 8877.620132);
    assert_eq!(r.metrics.get(Metric::InputTokens), 550.0);
    // output_sequence_length outranks output_token_count whatever the order.
    assert_eq!(r.metrics.get(Metric::OutputTokens), 247.0);
    assert_eq!(r.metrics.inter_chunk_latency, vec![133.4, 143.0]);
    assert!(!r.failed() && r.trace.is_none());

    let bad = r#"{"metadata":{"x_request_id":"c","timestamp_ns":1,"credit_phase":"warmup"},"metrics":{"error_request_count":{"value":1,"unit":"requests"}},"error":{"code":499,"type":"RequestCancellationError","message":"Request was cancelled after 0.000 seconds"}}"#;
    let r = dec(bad).unwrap().unwrap();
    assert!(r.cancelled() && r.failed());
    assert_eq!(r.error_type(), Some("RequestCancellationError"));
    assert_eq!(r.metadata.phase(), Phase::Warmup);
}

#[test]
fn new_schemas_and_bare_numbers() {
    let l = r#"{"metadata": {"session_num": 0, "request_start_ns": 1762551534797067827, "request_ack_ns": 1762551534807258440, "request_end_ns": 1762551538441354976, "benchmark_phase": "profiling", "was_cancelled": false, "cancellation_time_ns": null}, "metrics": {"time_to_first_token": {"value": 31.7, "unit": "ms"}, "ttft": 99.0, "goodput": null, "output_token_throughput_per_user": 55}, "error": null}"#;
    let r = dec(l).unwrap().unwrap();
    assert_eq!(r.metadata.start_ns(), Some(1762551534797067827));
    assert_eq!(r.metrics.get(Metric::Ttft), 31.7);
    assert_eq!(r.metrics.get(Metric::OutputTokenThroughputPerUser), 55.0);
    assert_eq!(r.metrics.nulls, 1);
    // 2026: no `error` key on success, failures without `code`.
    let l = r#"{"metadata":{"request_start_ns":5},"metrics":{"error_isl":{"value":9,"unit":"tokens"}},"error":{"type":"TimeoutError","message":"TimeoutError()","cause_chain":["TimeoutError","CancelledError"]}}"#;
    let r = dec(l).unwrap().unwrap();
    assert_eq!(r.error_type(), Some("TimeoutError"));
    assert_eq!(r.error.as_ref().and_then(|e| e.code), None);
    assert_eq!(r.metrics.get(Metric::ErrorIsl), 9.0);
    let l = r#"{"metadata":{"request_start_ns":5,"was_cancelled":true},"metrics":{}}"#;
    assert_eq!(dec(l).unwrap().unwrap().error_type(), Some("cancelled"));
}

#[test]
fn released_trace_layout() {
    let l = r#"{"metadata":{"request_start_ns":1},"metrics":{"output_sequence_length":{"value":3,"unit":"tokens"}},"trace_data":{"trace_type":"aiohttp","request_send_start_ns":1000,"request_chunks":[[1500,91586]],"request_send_end_ns":2000,"request_chunks_count":1,"request_bytes_total":91586,"response_status_code":200,"response_reason":"OK","response_receive_start_ns":5000,"response_headers":{"a":"b"},"response_chunks":[[5000,565],[7000,268],[10000,100]],"response_chunks_count":3,"response_bytes_total":933,"response_receive_end_ns":10000,"sending_ns":1000,"waiting_ns":3000,"receiving_ns":5000,"duration_ns":9000,"tcp_connect_start_ns":100,"tcp_connect_end_ns":600,"connecting_ns":500,"dns_cache_hit_ns":50,"connection_pool_wait_start_ns":10,"connection_pool_wait_end_ns":40,"blocked_ns":30,"local_ip":"127.0.0.1","local_port":48362}}"#;
    let r = dec(l).unwrap().unwrap();
    let t = r.trace.unwrap();
    assert_eq!(t.layout, TraceLayout::Released);
    assert_eq!(t.sending(), Some(1000));
    assert_eq!(t.ttfb(), Some(3000));
    assert_eq!(t.ttlb(), Some(8000));
    assert_eq!(t.receiving(), Some(5000));
    assert_eq!(
        t.response_chunks,
        vec![(5000, 565), (7000, 268), (10000, 100)]
    );
    assert_eq!(
        (t.request_bytes, t.response_bytes),
        (Some(91586), Some(933))
    );
    assert_eq!(
        (t.reused, t.connect_ns, t.pool_wait_ns),
        (Some(false), Some(500), Some(30))
    );
    assert_eq!(t.dns, Dns::CacheHit);
    assert_eq!(t.status, Some(200));
}

#[test]
fn prototype_trace_layouts() {
    let arrays = r#"{"metadata":{},"metrics":{"output_tokens":4},"trace_data":{"request_write_timestamps_ns":[100,200],"request_write_sizes_bytes":[10,20],"response_receive_timestamps_ns":[1200,1300,1600],"response_receive_sizes_bytes":[5,6,7],"connection_reused_ns":90}}"#;
    let t = dec(arrays).unwrap().unwrap().trace.unwrap();
    assert_eq!(t.layout, TraceLayout::ParallelArrays);
    assert_eq!(
        (t.send_start_ns, t.send_end_ns, t.request_bytes),
        (Some(100), Some(200), Some(30))
    );
    assert_eq!(
        (t.ttfb(), t.ttlb(), t.response_bytes),
        (Some(1000), Some(1400), Some(18))
    );
    assert_eq!(t.reused, Some(true));

    let script = r#"{"metadata":{},"metrics":{},"trace_data":{"connection_queued_start_ns":1,"connection_queued_end_ns":4,"connection_create_start_ns":10,"connection_create_end_ns":40,"tls_handshake_start_ns":20,"tls_handshake_end_ns":30,"dns_resolvehost_start_ns":5,"dns_resolvehost_end_ns":9,"request_start_ns":50,"request_end_ns":60,"request_chunk_sizes":[7,8],"response_receive_timestamps_ns":[100,150],"response_receive_sizes_bytes":[3,4],"response_status":503}}"#;
    let t = dec(script).unwrap().unwrap().trace.unwrap();
    assert_eq!(t.layout, TraceLayout::Script);
    assert_eq!(
        (t.pool_wait_ns, t.connect_ns, t.reused),
        (Some(3), Some(40), Some(false))
    );
    assert_eq!((t.dns, t.dns_ns), (Dns::Lookup, Some(4)));
    assert_eq!(
        (t.sending(), t.ttfb(), t.receiving()),
        (Some(10), Some(40), Some(50))
    );
    assert_eq!((t.request_bytes, t.status), (Some(15), Some(503)));
    // An empty trace object counts as no trace (as in the prototype script).
    let l = r#"{"metadata":{},"metrics":{},"trace_data":{}}"#;
    assert!(dec(l).unwrap().unwrap().trace.is_none());
}

#[test]
fn nonstandard_tokens_and_bad_lines() {
    let l = br#"{"metadata":{"request_start_ns":1},"metrics":{"request_latency":{"value":NaN,"unit":"ms"},"time_to_first_token":{"value":Infinity,"unit":"ms"}}}"#;
    let mut s = Vec::new();
    let r = decode_record(l, &mut s).unwrap().unwrap();
    assert!(r.metrics.get(Metric::RequestLatency).is_nan());
    assert_eq!(r.metrics.get(Metric::Ttft), f64::INFINITY);
    assert!(matches!(
        dec(r#"{"metadata":{"request_start_ns":1},"metr"#),
        Err(RecordError::Json(_))
    ));
    assert!(matches!(dec("hello"), Err(RecordError::Json(_))));
    assert_eq!(dec("  ").unwrap(), None);
    let e = dec(r#"{"timestamp_ns":1,"dcgm_url":"x","telemetry_data":{}}"#).unwrap_err();
    assert_eq!(
        e,
        RecordError::NotAiperf("an AIPerf GPU telemetry sample".into())
    );
    let e = dec(r#"{"timestamp":"2025","latency_ms":3}"#).unwrap_err();
    assert_eq!(
        e,
        RecordError::NotAiperf("a generic request log line".into())
    );
}

#[test]
fn summaries() {
    let old = br#"{"records":{"ttft":{"tag":"ttft","unit":"ms","header":"Time to First Token","avg":2343.2,"min":464.6,"max":3853.8,"p50":2369.3,"p90":3796.9,"p95":3825.2,"p99":3833.3,"std":1049.8,"count":89},"request_throughput":{"tag":"request_throughput","unit":"requests/sec","avg":9.55,"min":null,"count":1}},"input_config":{"loadgen":{"concurrency":100}},"error_summary":[{"error_details":{"code":499,"type":"RequestCancellationError"},"count":11}]}"#;
    let s = parse_summary_json(old).unwrap();
    assert_eq!(s.layout, "json-0.1");
    let t = s.get("time_to_first_token").unwrap();
    assert_eq!((t.p50, t.count), (2369.3, Some(89)));
    assert!(s.get("request_throughput").unwrap().min.is_nan());
    assert_eq!(s.concurrency, Some(100.0));
    assert_eq!(s.errors, vec![("RequestCancellationError".to_string(), 11)]);
    let flat = br#"{"request_latency":{"unit":"ms","avg":3652.1,"p50":3644.0},"goodput":null,"input_config":{"loadgen":{"concurrency":2}}}"#;
    let s = parse_summary_json(flat).unwrap();
    assert_eq!(
        (s.layout, s.get("request_latency").unwrap().p50),
        ("json-flat", 3644.0)
    );
    assert!(parse_summary_json(b"{\"a\":1}").is_err());
    let csv = "Metric,avg,min,max,p1,p5,p25,p50,p75,p90,p95,p99,std\r\nTime to First Token (ms),2343.22,464.66,3853.86,581.20,728.68,1413.84,2369.32,3336.60,3796.93,3825.28,3833.39,1049.82\r\n\r\nMetric,Value\r\nRequest Throughput (requests/sec),9.55\r\n";
    let s = parse_summary_csv(csv).unwrap();
    let t = s.get("time_to_first_token").unwrap();
    assert_eq!((t.unit.as_str(), t.p50, t.p99), ("ms", 2369.32, 3833.39));
    assert_eq!(s.get("request_throughput").unwrap().avg, 9.55);
}

#[test]
fn long_lines_take_the_fast_path_with_the_same_result() {
    let chunks: Vec<String> = (0..200)
        .map(|i| {
            format!(
                "[{},{}]",
                1_762_551_535_841_436_103_i64 + i * 7919,
                180 + i % 13
            )
        })
        .collect();
    let icl: Vec<String> = (0..199)
        .map(|i| format!("{}.{:06}", 7 + i % 5, i * 37))
        .collect();
    let line = format!(
        r#"{{"metadata":{{"x_request_id":"r-1","request_start_ns":5,"benchmark_phase":"profiling"}},"metrics":{{"inter_chunk_latency":{{"value":[{}],"unit":"ms"}},"output_sequence_length":{{"value":200,"unit":"tokens"}}}},"trace_data":{{"request_send_start_ns":10,"request_send_end_ns":20,"response_chunks":[{}],"response_chunks_count":200}}}}"#,
        icl.join(","),
        chunks.join(",")
    );
    assert!(line.len() > 1024);
    let r = dec(&line).unwrap().unwrap();
    let want_chunks: Vec<(i64, i64)> =
        serde_json::from_str(&format!("[{}]", chunks.join(","))).unwrap();
    let want_icl: Vec<f64> = serde_json::from_str(&format!("[{}]", icl.join(","))).unwrap();
    let t = r.trace.unwrap();
    assert_eq!(t.response_chunks, want_chunks);
    assert_eq!(t.chunk_count, Some(200));
    assert_eq!(t.first_byte_ns, Some(1_762_551_535_841_436_103));
    assert_eq!(r.metrics.inter_chunk_latency, want_icl);
    assert_eq!(r.metrics.get(Metric::OutputTokens), 200.0);
    assert_eq!(r.metadata.x_request_id.as_deref(), Some("r-1"));
}

/// Issue 17 item 12: `"request_chunks": "abc"` dropped the whole record as
/// "not JSON"; the record is kept, its other trace figures read, and the
/// bad field named. Every list of every layout is read the same way.
#[test]
fn a_list_of_the_wrong_shape_keeps_its_record() {
    let l = r#"{"metadata":{"request_start_ns":1},"metrics":{"output_sequence_length":{"value":3,"unit":"tokens"}},"trace_data":{"request_send_start_ns":1000,"request_send_end_ns":2000,"request_chunks":"abc","response_chunks":[[5000,565],[7000,268]],"response_bytes_total":833}}"#;
    let r = dec(l).expect("kept").expect("a record");
    let t = r.trace.expect("trace");
    assert_eq!(t.bad_fields, ["trace_data.request_chunks"]);
    assert_eq!(t.layout, TraceLayout::Released);
    assert_eq!((t.send_end_ns, t.first_byte_ns), (Some(2000), Some(5000)));
    assert_eq!(t.response_chunks.len(), 2);
    let l = r#"{"metadata":{"request_start_ns":1},"metrics":{},"trace_data":{"request_write_timestamps_ns":[1,2],"request_write_sizes_bytes":{"a":1},"response_receive_timestamps_ns":[5,"x"]}}"#;
    let t = dec(l)
        .expect("kept")
        .expect("a record")
        .trace
        .expect("trace");
    assert_eq!(
        t.bad_fields,
        [
            "trace_data.request_write_sizes_bytes",
            "trace_data.response_receive_timestamps_ns"
        ]
    );
    assert_eq!(t.layout, TraceLayout::ParallelArrays);
    assert_eq!(t.send_start_ns, Some(1));
}
