//! Client result files written by the simulator (`srtlog_sim::bench`), read
//! back: run counts, concurrencies, failures and per-request values against
//! the simulator's truth, and each tool's own summary figures (written by
//! the simulator with the tool's definitions) against the same figures
//! recomputed here from the per-request rows with `srtlog-stats`.
#![allow(clippy::unwrap_used)]

use srtlog_requests::client::{read_client_results, sniff_file, ClientTool};
use srtlog_requests::{load, LoadOptions};
use srtlog_sim::bench::{write_bench_result, BenchConfig, BenchFormat};
use srtlog_stats::percentile::percentile_sorted;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

fn cfg(format: BenchFormat, details: bool) -> BenchConfig {
    BenchConfig {
        format,
        requests: 200,
        concurrencies: vec![4, 16],
        details,
        fail_every: 25,
        model: "sim/model".into(),
        ..BenchConfig::default()
    }
}

fn sorted(v: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut v: Vec<f64> = v.filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    v
}

fn check(format: BenchFormat, tool: ClientTool, name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    let truth = write_bench_result(&path, &cfg(format, true)).unwrap();
    assert_eq!(sniff_file(&path), Some(tool));
    let r = read_client_results(&path).unwrap();
    assert_eq!(r.runs.len(), 2);
    for (run, t) in r.runs.iter().zip(&truth.runs) {
        assert_eq!(run.concurrency, Some(f64::from(t.concurrency)));
        assert_eq!(run.config.model.as_deref(), Some("sim/model"));
        let f = &run.run_level;
        assert_eq!(f.completed, Some(192), "200 requests, every 25th failed");
        if tool != ClientTool::SglangBenchServing {
            assert_eq!(f.failed, Some(8));
        }
        assert!(close(f.duration_s.unwrap(), t.duration_s));
        let p = run.per_request.as_ref().unwrap();
        assert_eq!(p.len(), 200);
        assert_eq!(p.ok.iter().filter(|o| !**o).count(), 8);
        assert!(!p.ok[24] && p.ok[23], "the 25th request failed");
        // Per-request values against the simulator's truth (successes, in order).
        let ttft: Vec<f64> = p
            .ttft_ms
            .iter()
            .copied()
            .filter(|x| x.is_finite())
            .collect();
        assert_eq!(ttft.len(), t.ttft_ms.len());
        assert!(close(ttft[0], t.ttft_ms[0]) && close(ttft[191], t.ttft_ms[191]));
        let e2e: Vec<f64> = p
            .latency_ms
            .iter()
            .copied()
            .filter(|x| x.is_finite())
            .collect();
        assert!(close(e2e[0], t.e2e_ms[0]) && close(e2e[191], t.e2e_ms[191]));
        let out: f64 = p
            .output_tokens
            .iter()
            .zip(&p.ok)
            .filter(|(_, o)| **o)
            .map(|(x, _)| x)
            .sum();
        assert_eq!(out as u64, t.output_tokens);
        // The tool's summary against a recomputation from the rows.
        let tt = sorted(p.ttft_ms.iter().copied());
        assert!(close(
            f.ttft_ms.mean.unwrap(),
            tt.iter().sum::<f64>() / tt.len() as f64
        ));
        assert!(close(
            f.ttft_ms.p(99.0).unwrap(),
            percentile_sorted(&tt, 0.99)
        ));
        let ee = sorted(p.latency_ms.iter().copied());
        assert!(close(f.e2e_ms.median.unwrap(), percentile_sorted(&ee, 0.5)));
        assert!(close(
            f.e2e_ms.p(99.0).unwrap(),
            percentile_sorted(&ee, 0.99)
        ));
        assert!(close(f.request_throughput.unwrap(), 192.0 / t.duration_s));
    }
    // Higher concurrency, slower requests: the model's load effect.
    let m = |i: usize| r.runs[i].run_level.ttft_ms.mean.unwrap();
    assert!(m(1) > m(0));

    // Without details: the same figures, no rows.
    let path2 = dir.path().join(format!("plain-{name}"));
    write_bench_result(&path2, &cfg(format, false)).unwrap();
    let r2 = read_client_results(&path2).unwrap();
    assert!(r2.runs.iter().all(|r| r.per_request.is_none()));
    assert_eq!(
        r2.runs[1].run_level, r.runs[1].run_level,
        "same seed, same figures"
    );

    // As a request-level source: 400 rows, runs told apart by concurrency.
    let log = load(&[path, path2], &LoadOptions::default()).unwrap();
    assert_eq!(log.table.len(), 400);
    assert_eq!(log.files[0].schemas.get(tool.name()), Some(&400));
    assert_eq!(log.files[1].not_per_request, 2);
    let conc = log.table.column("concurrency").unwrap();
    assert_eq!((conc[0], conc[399]), (4.0, 16.0));
    assert_eq!(log.table.ok(24), Some(false));
    // The error kept is the traceback's last line.
    let e = log.table.error_type.get(24).unwrap();
    assert!(
        e.ends_with("ClientConnectorError: connection refused") && !e.contains('\n'),
        "{e}"
    );
}

#[test]
fn simulated_sglang_bench_serving() {
    check(
        BenchFormat::SglangBenchServing,
        ClientTool::SglangBenchServing,
        "bench.jsonl",
    );
}

#[test]
fn simulated_vllm_bench_serve() {
    check(
        BenchFormat::VllmBenchServe,
        ClientTool::VllmBenchServe,
        "result.json",
    );
}

#[test]
fn simulated_guidellm() {
    check(
        BenchFormat::GuideLlm,
        ClientTool::GuideLlm,
        "benchmarks.json",
    );
}
