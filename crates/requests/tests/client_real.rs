//! The benchmark-client result files in `../shared/data`, read with
//! asserted values. Expected values are the files' own keys as printed by
//! Python 3 (`json.loads`, with `Infinity` allowed); the throughputs are
//! also recomputed from the file's counts and duration (request throughput
//! = completed / duration, total = (input + output tokens) / duration, the
//! tools' definitions), an independent check of the reader's mapping.
#![allow(clippy::unwrap_used)]

use srtlog_requests::client::{read_client_results, sniff_file, ClientTool};
use srtlog_requests::{load, LoadOptions};
use srtlog_testutil::shared_file;

/// Equal to 1e-9 relative (serde_json's default float parsing may differ
/// from Python's in the last bit).
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

#[test]
fn sglang_bench_serving_agg_run() {
    let Some(p) = shared_file("sglang-bench-serving-tonyli/agg_n100_in512_out128_c32.jsonl") else {
        return;
    };
    assert_eq!(sniff_file(&p), Some(ClientTool::SglangBenchServing));
    let r = read_client_results(&p).unwrap();
    assert_eq!(r.runs.len(), 1);
    let run = &r.runs[0];
    assert_eq!(run.generation, "sglang-2025-server-info");
    assert_eq!(run.label, "agg_n100_in512_out128_c32");
    assert_eq!(run.concurrency, Some(32.0));
    assert_eq!(run.request_rate, None, "request_rate is Infinity: no limit");
    assert_eq!(run.config.request_rate, Some(f64::INFINITY));
    assert_eq!(
        run.config.model.as_deref(),
        Some("Qwen/Qwen2.5-3B-Instruct")
    );
    assert_eq!(run.config.tool_version.as_deref(), Some("0.5.5.post3"));
    assert_eq!(run.config.dataset.as_deref(), Some("random"));
    assert_eq!(
        run.config.other.get("random_input_len").map(String::as_str),
        Some("512")
    );
    let f = &run.run_level;
    assert_eq!(f.completed, Some(100));
    assert_eq!(
        (f.total_input_tokens, f.total_output_tokens),
        (Some(26497), Some(6180))
    );
    assert!(close(f.duration_s.unwrap(), 1.9610086176544428));
    assert!(close(f.ttft_ms.mean.unwrap(), 42.448918260633945));
    assert!(close(f.ttft_ms.median.unwrap(), 37.13699756190181));
    assert!(close(f.ttft_ms.p(99.0).unwrap(), 64.62050763890147));
    assert!(close(f.itl_ms.p(95.0).unwrap(), 22.42972366511822));
    assert!(close(f.tpot_ms.mean.unwrap(), 8.54356980120356));
    assert!(close(f.e2e_ms.p(99.0).unwrap(), 1181.2900166865443));
    assert!(close(f.observed_concurrency.unwrap(), 28.450295820896617));
    let dur = f.duration_s.unwrap();
    assert!(close(f.request_throughput.unwrap(), 100.0 / dur));
    assert!(close(
        f.total_token_throughput.unwrap(),
        (26497.0 + 6180.0) / dur
    ));
    assert!(
        run.per_request.is_none(),
        "written without --output-details"
    );
}

#[test]
fn sglang_bench_serving_pd_run_reads_the_server_of_each_role() {
    let Some(p) = shared_file("sglang-bench-serving-tonyli/pd_1p2d_n100_in512_out128_c64.jsonl")
    else {
        return;
    };
    let run = &read_client_results(&p).unwrap().runs[0];
    assert_eq!(run.concurrency, Some(64.0));
    assert_eq!(
        run.config.model.as_deref(),
        Some("Qwen/Qwen2.5-3B-Instruct")
    );
    assert_eq!(
        run.config
            .other
            .get("server.disaggregation_mode")
            .map(String::as_str),
        Some("decode")
    );
    assert!(close(
        run.run_level.ttft_ms.p(99.0).unwrap(),
        5943.553018989041
    ));
    assert!(close(
        run.run_level.e2e_ms.median.unwrap(),
        6038.302134722471
    ));
    let f = &run.run_level;
    assert!(close(
        f.request_throughput.unwrap(),
        100.0 / f.duration_s.unwrap()
    ));
}

#[test]
fn vllm_bench_serve_runs() {
    let Some(p) = shared_file("vllm-0.25.1-er0080/bench_serve_v0.25.1.json") else {
        return;
    };
    assert_eq!(sniff_file(&p), Some(ClientTool::VllmBenchServe));
    let run = &read_client_results(&p).unwrap().runs[0];
    assert_eq!(run.generation, "vllm-bench-serve");
    assert_eq!(run.label, "c=2", "label null: the load describes the run");
    assert_eq!(run.concurrency, Some(2.0));
    assert_eq!(run.request_rate, None, "\"inf\"");
    assert_eq!(run.config.model.as_deref(), Some("facebook/opt-125m"));
    assert_eq!(run.config.num_prompts, Some(8));
    assert_eq!(run.config.date.as_deref(), Some("20260816-160853"));
    let f = &run.run_level;
    assert_eq!((f.completed, f.failed), (Some(8), Some(0)));
    assert!(close(f.ttft_ms.p(99.0).unwrap(), 734.4049174101428));
    assert!(close(f.itl_ms.median.unwrap(), 10.492878499917424));
    assert!(close(f.tpot_ms.std.unwrap(), 0.6175290686013256));
    assert!(f.e2e_ms.is_empty(), "e2el not among the selected metrics");
    assert!(close(
        f.request_throughput.unwrap(),
        8.0 / f.duration_s.unwrap()
    ));
    assert!(close(
        f.total_token_throughput.unwrap(),
        (256.0 + 128.0) / f.duration_s.unwrap()
    ));
    assert!(run.per_request.is_none());

    let Some(p) = shared_file("vllm-0.25.1-er0080/bench_serve_all_requests_failed_v0.25.1.json")
    else {
        return;
    };
    let run = &read_client_results(&p).unwrap().runs[0];
    assert_eq!(
        (run.run_level.completed, run.run_level.failed),
        (Some(0), Some(8))
    );
    assert_eq!(run.concurrency, None, "max_concurrency null");
    assert_eq!(run.label, "unlimited");
}

/// As request-level sources: run-level-only files are reported per run
/// (no longer skipped silently), with no rows and no bad lines.
#[test]
fn run_level_only_files_in_the_request_loader() {
    let Some(a) = shared_file("sglang-bench-serving-tonyli/agg_n100_in512_out128_c32.jsonl") else {
        return;
    };
    let Some(v) = shared_file("vllm-0.25.1-er0080/bench_serve_v0.25.1.json") else {
        return;
    };
    let log = load(&[a, v], &LoadOptions::default()).unwrap();
    assert_eq!(log.table.len(), 0);
    for f in &log.files {
        assert_eq!(
            (f.lines, f.not_per_request, f.bad_lines, f.requests),
            (1, 1, 0, 0)
        );
        assert!(!f.json_document);
        let c = f.client.as_ref().unwrap();
        assert_eq!(c.runs.len(), 1);
        assert_eq!(c.runs[0].per_request_rows, None);
    }
    assert_eq!(
        log.files[0].client.as_ref().unwrap().tool,
        ClientTool::SglangBenchServing
    );
    assert_eq!(
        log.files[1].client.as_ref().unwrap().runs[0].concurrency,
        Some(2.0)
    );
}
