//! `srtlog check` reads the benchmark client's result files with the
//! comparison's readers (issue 16): GuideLLM, `vllm bench serve` and
//! `sglang.bench_serving` results beside the worker logs give the client's
//! counts, checked here against the simulator's truth for each format.

// Test helpers may panic on unexpected input: that is how a test fails.
#![allow(clippy::unwrap_used)]

use srtlog_check::client::read;
use srtlog_sim::bench::{write_bench_result, BenchConfig, BenchFormat};

#[test]
fn every_client_result_format_gives_its_counts() {
    let dir = tempfile::tempdir().unwrap();
    let mut truths = Vec::new();
    for (name, format) in [
        ("guidellm/benchmarks.json", BenchFormat::GuideLlm),
        ("vllm/result.json", BenchFormat::VllmBenchServe),
        ("sglang/bench.jsonl", BenchFormat::SglangBenchServing),
    ] {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        let cfg = BenchConfig {
            format,
            requests: 60,
            concurrencies: vec![4, 16],
            fail_every: 10,
            ..BenchConfig::default()
        };
        let t = write_bench_result(&p, &cfg).unwrap();
        // sglang.bench_serving writes no count of failures (only
        // `completed`); the others do.
        let writes_failed = format != BenchFormat::SglangBenchServing;
        truths.push((p.display().to_string(), t, writes_failed));
    }
    let side = read(&[dir.path().to_path_buf()], &[]);
    for (file, truth, writes_failed) in &truths {
        let got: Vec<_> = side.results.iter().filter(|r| &r.file == file).collect();
        assert_eq!(got.len(), truth.runs.len(), "{file}: {:?}", side.results);
        for (r, t) in got.iter().zip(&truth.runs) {
            assert_eq!(r.completed, Some(t.requests - t.failed), "{file}");
            let failed = writes_failed.then_some(t.failed);
            assert_eq!(r.failed, failed, "{file}");
            assert_eq!(r.output_tokens, Some(t.output_tokens), "{file}");
        }
    }
    // sglang.bench_serving appends one run per line: each keeps its line.
    let sg: Vec<u64> = side
        .results
        .iter()
        .filter(|r| r.file.ends_with("bench.jsonl"))
        .map(|r| r.line)
        .collect();
    assert_eq!(sg, [1, 2]);
}
