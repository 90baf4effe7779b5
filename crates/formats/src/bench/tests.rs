//! Unit tests of the client-result decoders on small hand-written inputs;
//! the real files and the simulator's are tested in `srtlog-requests`.

use super::*;

/// A sglang.bench_serving line with details: two successes, one failure.
const SGLANG: &str = r#"{"backend": "sglang", "dataset_name": "random", "request_rate": Infinity, "max_concurrency": 4, "duration": 2.0, "completed": 2, "total_input_tokens": 30, "total_output_tokens": 7, "request_throughput": 1.0, "mean_ttft_ms": 150.0, "median_ttft_ms": 150.0, "p99_ttft_ms": 199.0, "mean_e2e_latency_ms": 400.0, "concurrency": 1.5, "input_lens": [10, 20, 5], "output_lens": [3, 4, 0], "ttfts": [0.1, 0.2, 0.0], "itls": [[0.01, 0.03], [0.02, 0.02, 0.02], []], "generated_texts": ["a", "b", ""], "errors": ["", "", "Traceback: boom"]}"#;

#[test]
fn sglang_details_become_rows_in_ms() {
    assert_eq!(
        sniff(SGLANG.as_bytes()),
        Some(ClientTool::SglangBenchServing)
    );
    let runs = decode(ClientTool::SglangBenchServing, SGLANG.as_bytes()).unwrap();
    assert_eq!(runs.len(), 1);
    let r = &runs[0];
    assert_eq!(r.concurrency, Some(4.0));
    assert_eq!(r.request_rate, None, "inf is no limit");
    assert_eq!(r.config.request_rate, Some(f64::INFINITY));
    assert_eq!(r.label, "c=4");
    assert_eq!(r.run_level.ttft_ms.p(99.0), Some(199.0));
    assert_eq!(r.run_level.observed_concurrency, Some(1.5));
    let p = r.per_request.as_ref().unwrap();
    assert_eq!(p.ok, [true, true, false]);
    assert_eq!(p.error[2].as_deref(), Some("Traceback: boom"));
    assert!((p.ttft_ms[0] - 100.0).abs() < 1e-9);
    assert!((p.itl_ms[0] - 20.0).abs() < 1e-9);
    assert!((p.latency_ms[1] - 260.0).abs() < 1e-9, "200 + 3 × 20");
    assert!(
        (p.tpot_ms[1] - 20.0).abs() < 1e-9,
        "60 ms over 3 tokens after the first"
    );
    assert!(p.ttft_ms[2].is_nan() && p.latency_ms[2].is_nan());
    assert_eq!(p.input_tokens, [10.0, 20.0, 5.0]);
}

#[test]
fn several_runs_one_per_line() {
    let text = format!(
        "{SGLANG}\n\n{}\n",
        SGLANG.replace("\"max_concurrency\": 4", "\"max_concurrency\": 8")
    );
    let runs = decode(ClientTool::SglangBenchServing, text.as_bytes()).unwrap();
    assert_eq!(
        runs.iter().map(|r| r.concurrency).collect::<Vec<_>>(),
        [Some(4.0), Some(8.0)]
    );
}

#[test]
fn list_length_mismatch_is_an_error_naming_the_list() {
    let bad = SGLANG.replace("\"input_lens\": [10, 20, 5]", "\"input_lens\": [10, 20]");
    let e = decode(ClientTool::SglangBenchServing, bad.as_bytes()).unwrap_err();
    assert!(
        e.to_string()
            .contains("`input_lens` has 2 entries but `ttfts` has 3"),
        "{e}"
    );
}

#[test]
fn vllm_summary_and_inf_string() {
    let v = r#"{"date": "20260816-160853", "backend": "vllm", "endpoint_type": "vllm", "label": null, "model_id": "m", "tokenizer_id": "m", "num_prompts": 8, "request_rate": "inf", "burstiness": 1.0, "max_concurrency": 2, "duration": 1.5, "completed": 8, "failed": 0, "mean_ttft_ms": 10.0, "p99_ttft_ms": 30.0, "p99.9_ttft_ms": 31.0, "mean_e2el_ms": 100.0, "team": "perf"}"#;
    assert_eq!(sniff(v.as_bytes()), Some(ClientTool::VllmBenchServe));
    let r = &decode(ClientTool::VllmBenchServe, v.as_bytes()).unwrap()[0];
    assert_eq!(r.generation, "vllm-bench-serve");
    assert_eq!(r.concurrency, Some(2.0));
    assert_eq!(r.config.num_prompts, Some(8));
    assert_eq!(
        r.run_level.ttft_ms.percentiles,
        [(99.0, 30.0), (99.9, 31.0)]
    );
    assert_eq!(r.run_level.e2e_ms.mean, Some(100.0));
    assert_eq!(r.config.other.get("team").map(String::as_str), Some("perf"));
    assert!(r.per_request.is_none());
}

#[test]
fn guidellm_report() {
    let g = r#"{"benchmarks": [{"type_": "generative_benchmark",
      "args": {"strategy": {"type_": "concurrent", "streams": 4}},
      "worker": {"backend_model": "m", "backend_type": "openai_http"},
      "run_stats": {"start_time": 100.0, "end_time": 110.0, "requests_made": {"successful": 1, "errored": 1, "incomplete": 0, "total": 2}},
      "metrics": {"request_latency": {"successful": {"mean": 0.5, "median": 0.5, "std_dev": 0.0, "percentiles": {"p50": 0.5, "p99": 0.6}}},
                  "time_to_first_token_ms": {"successful": {"mean": 40.0, "percentiles": {"p99": 44.0}}},
                  "requests_per_second": {"successful": {"mean": 0.1}}},
      "requests": {"successful": [{"request_id": "a", "start_time": 100.5, "request_latency": 0.5, "time_to_first_token_ms": 40.0, "inter_token_latency_ms": 5.0, "prompt_tokens": 12, "output_tokens": 9}],
                   "errored": [{"request_id": "b", "start_time": 101.0, "error": "timeout", "prompt_tokens": 12}]}}]}"#;
    assert_eq!(sniff(g.as_bytes()), Some(ClientTool::GuideLlm));
    let r = &decode(ClientTool::GuideLlm, g.as_bytes()).unwrap()[0];
    assert_eq!(r.label, "concurrent c=4");
    assert_eq!(r.concurrency, Some(4.0));
    assert_eq!(r.run_level.e2e_ms.p(99.0), Some(600.0));
    assert_eq!(r.run_level.duration_s, Some(10.0));
    assert_eq!(
        (r.run_level.completed, r.run_level.failed),
        (Some(1), Some(1))
    );
    let p = r.per_request.as_ref().unwrap();
    assert_eq!(p.ok, [true, false]);
    assert_eq!(p.latency_ms[0], 500.0);
    assert_eq!(p.timestamp_ns[0], Some(100_500_000_000));
    assert_eq!(p.start_s, [0.0, 0.5]);
    assert_eq!(p.error[1].as_deref(), Some("timeout"));
}

#[test]
fn request_logs_are_not_client_results() {
    assert_eq!(sniff(br#"{"timestamp": 1, "latency_ms": 3}"#), None);
    assert_eq!(sniff(br#"{"metadata": {}, "metrics": {}}"#), None);
    assert_eq!(sniff(b"not json"), None);
}
