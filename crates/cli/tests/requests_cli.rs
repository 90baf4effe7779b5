//! End-to-end tests of `srtlog requests …` and `srtlog simulate requests`:
//! every subcommand run on simulated logs whose ground truth (requests,
//! errors, spike window) the simulator reports, plus bad input.
// Test helpers may panic on unexpected input: that is how a test fails.
#![allow(clippy::unwrap_used)]

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn srtlog() -> Command {
    let mut c = Command::cargo_bin("srtlog").expect("binary builds");
    c.env_remove("RUST_LOG");
    c
}

fn json_of(args: &[&str]) -> Value {
    let out = srtlog().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Simulates a log; returns its path and ground truth.
fn simulate(dir: &Path, name: &str, extra: &[&str]) -> (PathBuf, Value) {
    let p = dir.join(name);
    let mut args = vec!["simulate", "requests", p.to_str().unwrap(), "--json"];
    args.extend_from_slice(extra);
    let truth = json_of(&args);
    (p, truth)
}

#[test]
fn summary_matches_ground_truth_and_seed_keys() {
    let d = tempfile::tempdir().unwrap();
    let (p, t) = simulate(d.path(), "r.jsonl", &["--count", "5000"]);
    let s = json_of(&["requests", "summary", p.to_str().unwrap(), "--json"]);
    assert_eq!(s["total_requests"], t["requests"]);
    assert_eq!(s["errors"], t["errors"]);
    let rate = s["error_rate"].as_f64().unwrap();
    let want = t["errors"].as_f64().unwrap() / 5000.0;
    assert!((rate - want).abs() < 1e-12, "error_rate is a fraction");
    for k in [
        "avg_latency_ms",
        "p50_latency_ms",
        "p95_latency_ms",
        "p99_latency_ms",
    ] {
        assert!(s[k].as_f64().unwrap() > 0.0, "{k}");
    }
    assert!(s["p50_latency_ms"].as_f64() < s["p99_latency_ms"].as_f64());
    assert_eq!(s["first_timestamp"], t["first_timestamp"]);
    assert_eq!(s["fields"]["batch_size"]["count"], 5000);
    assert_eq!(s["files"][0]["bad_lines"], 0);
    // The table form.
    srtlog()
        .args(["requests", "summary", p.to_str().unwrap()])
        .assert()
        .success()
        .stdout(predicate::str::contains("Total requests"))
        .stdout(predicate::str::contains("P99 latency"));
    // Filters: --status error keeps exactly the errors.
    let e = json_of(&[
        "requests",
        "summary",
        p.to_str().unwrap(),
        "--json",
        "--status",
        "error",
    ]);
    assert_eq!(e["total_requests"], t["errors"]);
    assert_eq!(e["error_rate"], 1.0);
    let none = srtlog()
        .args([
            "requests",
            "summary",
            p.to_str().unwrap(),
            "--model",
            "nope",
        ])
        .output()
        .unwrap();
    assert!(
        !none.status.success(),
        "an empty selection is not a summary"
    );
}

/// The timestamps of the spike requests (lines `first..end` of the file).
fn spike_window(p: &Path, t: &Value) -> (String, String) {
    let text = std::fs::read_to_string(p).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let ts = |i: u64| -> String {
        let v: Value = serde_json::from_str(lines[i as usize]).unwrap();
        v["timestamp"].as_str().unwrap().to_owned()
    };
    let first = t["spike_first_index"].as_u64().unwrap();
    let end = t["spike_end_index"].as_u64().unwrap();
    (ts(first), ts(end))
}

#[test]
fn anomalies_window_and_trends_find_the_spike() {
    let d = tempfile::tempdir().unwrap();
    let (p, t) = simulate(d.path(), "r.jsonl", &["--count", "4000"]);
    let path = p.to_str().unwrap();
    let (from, to) = spike_window(&p, &t);

    let a = json_of(&[
        "requests",
        "anomalies",
        path,
        "--metric",
        "latency_ms",
        "--method",
        "zscore",
        "--threshold",
        "3",
        "--json",
    ]);
    let list = a["anomalies"].as_array().unwrap();
    assert_eq!(a["count"].as_u64().unwrap() as usize, list.len());
    assert!(!list.is_empty());
    for x in list {
        assert!(x["score"].as_f64().unwrap() > 3.0);
        // Every z > 3 outlier of this log is a spike request (×3–6 latency).
        let ts = x["timestamp"].as_str().unwrap();
        assert!(
            ts >= from.as_str() && ts <= to.as_str(),
            "{ts} outside {from}..{to}"
        );
    }
    for m in ["iqr", "mad"] {
        let r = json_of(&["requests", "anomalies", path, "--method", m, "--json"]);
        assert!(r["count"].as_u64().unwrap() > 0, "{m}");
    }

    let w = json_of(&[
        "requests", "window", path, "--from", &from, "--to", &to, "--json",
    ]);
    assert_eq!(w["window"]["total_requests"], t["spike_requests"]);
    let inside = w["window"]["avg_latency_ms"].as_f64().unwrap();
    let outside = w["rest"]["avg_latency_ms"].as_f64().unwrap();
    assert!(inside > 2.5 * outside, "spike {inside} vs rest {outside}");
    assert!(w["window"]["error_rate"].as_f64() > w["rest"]["error_rate"].as_f64());
    assert!(w["window"]["avg_batch_size"].as_f64().unwrap() > 0.0);
    assert!(w["window"]["max_in_flight"].as_u64().unwrap() >= 1);
    srtlog()
        .args(["requests", "window", path, "--from", &from, "--to", &to])
        .assert()
        .success()
        .stdout(predicate::str::contains("GPU utilization"));

    let csv = d.path().join("trend.csv");
    let tr = json_of(&[
        "requests",
        "trends",
        path,
        "--window",
        "1m",
        "--agg",
        "count",
        "--json",
        "--csv",
        csv.to_str().unwrap(),
    ]);
    let rows = tr["rows"].as_array().unwrap();
    let total: u64 = rows
        .iter()
        .map(|r| r["value"].as_f64().unwrap() as u64)
        .sum();
    assert_eq!(total, 4000);
    let text = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(text.lines().count(), rows.len() + 1);
    assert!(text.starts_with("timestamp,requests,value\n"));
    for agg in ["mean", "median", "p95", "p99", "max", "sum", "error_rate"] {
        let r = json_of(&[
            "requests", "trends", path, "--window", "1h", "--agg", agg, "--json",
        ]);
        assert!(!r["rows"].as_array().unwrap().is_empty(), "{agg}");
    }
}

#[test]
fn correlate_compare_export_report() {
    let d = tempfile::tempdir().unwrap();
    let logs = d.path().join("logs");
    let (a, ta) = simulate(&logs, "a.jsonl", &["--count", "1500", "--model", "model-a"]);
    let (_, tb) = simulate(
        &logs.join("sub"),
        "b.jsonl.gz",
        &[
            "--count",
            "700",
            "--model",
            "model-b",
            "--rng",
            "7",
            "--compress",
            "gz",
        ],
    );
    let dir = logs.to_str().unwrap();

    let c = json_of(&[
        "requests",
        "correlate",
        a.to_str().unwrap(),
        "--metrics",
        "latency_ms,batch_size,gpu_util,memory_used_gb",
        "--json",
    ]);
    assert_eq!(c["pairs"][0][1], 1500);
    assert!((c["pearson"][0][0].as_f64().unwrap() - 1.0).abs() < 1e-12);
    // The simulator drives batch size and GPU utilisation by one load
    // process, and latency grows with batch size (monotonic, so Spearman;
    // the spike's ×3–6 latencies weaken Pearson).
    assert!(c["pearson"][1][2].as_f64().unwrap() > 0.8);
    assert!(c["spearman"][0][1].as_f64().unwrap() > 0.3);
    assert_eq!(c["pearson"][0][1], c["pearson"][1][0]);

    let g = json_of(&["requests", "compare", dir, "--by", "model", "--json"]);
    let g = g.as_array().unwrap();
    assert_eq!(g.len(), 2);
    assert_eq!(g[0]["key"], "model-a");
    assert_eq!(g[0]["total_requests"], ta["requests"]);
    assert_eq!(g[1]["total_requests"], tb["requests"]);
    assert_eq!(g[1]["errors"], tb["errors"]);

    for (name, lines) in [("out.csv", 2201), ("out.jsonl", 2200)] {
        let o = d.path().join(name);
        srtlog()
            .args(["requests", "export", dir, "-o", o.to_str().unwrap()])
            .assert()
            .success();
        assert_eq!(
            std::fs::read_to_string(&o).unwrap().lines().count(),
            lines,
            "{name}"
        );
    }
    let pq = d.path().join("out.parquet");
    srtlog()
        .args([
            "requests",
            "export",
            dir,
            "-o",
            pq.to_str().unwrap(),
            "--model",
            "model-b",
        ])
        .assert()
        .success();
    let batches = srtlog::table::parquet_io::read_parquet(&pq, None).unwrap();
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    assert_eq!(rows, 700);

    let html = d.path().join("report.html");
    srtlog()
        .args(["requests", "report", dir, "-o", html.to_str().unwrap()])
        .assert()
        .success();
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("Content-Security-Policy"));
    for id in [
        "id=\"srtlog-data\"",
        "id=\"correlations\"",
        "id=\"anomalies\"",
        "id=\"models\"",
        "model-b",
    ] {
        assert!(page.contains(id), "{id}");
    }
    // Everything inline: no external script, style sheet or image (the
    // browser test checks that nothing is fetched).
    for tag in ["<script src", "<link", "<img"] {
        assert!(!page.contains(tag), "{tag}");
    }
}

#[test]
fn breakdown_of_sglang_request_metrics() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("sglang-request-metrics-20260101_10.log");
    let mut s = String::new();
    // queue 10·i ms, TTFT 10·i + 100 ms (prefill 100), e2e TTFT + 400 (decode 400).
    for i in 0..10 {
        let q = 0.01 * i as f64;
        s.push_str(&format!(
            "{{\"request_parameters\": \"{{\\\"rid\\\": \\\"r{i}\\\"}}\", \"id\": \"r{i}\", \"prompt_tokens\": 100, \"completion_tokens\": 50, \"e2e_latency\": {}, \"queue_time\": {q}, \"ttft\": {}, \"request_received_ts\": {}}}\n",
            q + 0.5,
            q + 0.1,
            1767225600 + i
        ));
    }
    std::fs::write(&p, s).unwrap();
    let b = json_of(&["requests", "breakdown", p.to_str().unwrap(), "--json"]);
    assert_eq!(b["requests"], 10);
    let comps = b["components"].as_array().unwrap();
    let mean = |k: usize| comps[k]["stats"]["mean"].as_f64().unwrap();
    assert!((mean(0) - 45.0).abs() < 1e-6, "queue mean = 10·4.5");
    assert!((mean(1) - 100.0).abs() < 1e-6);
    assert!((mean(2) - 400.0).abs() < 1e-6);
    assert!(mean(3).abs() < 1e-6);
    srtlog()
        .args(["requests", "breakdown", p.to_str().unwrap()])
        .assert()
        .success()
        .stdout(predicate::str::contains("prefill"));
    // A log without the columns: a clear error.
    let (q, _) = simulate(d.path(), "seed.jsonl", &["--count", "10"]);
    srtlog()
        .args(["requests", "breakdown", q.to_str().unwrap()])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("queue"));
}

#[test]
fn bad_input_is_counted_and_reported() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("mixed.jsonl");
    std::fs::write(
        &p,
        "{\"timestamp\": \"2026-01-01T00:00:00Z\", \"latency_ms\": 10, \"status\": \"success\"}\n\
         this is not json\n\
         \n\
         {\"timestamp\": 1767225601000, \"latency_ms\": NaN, \"status\": \"error\", \"tokens\": Infinity}\n\
         {\"no\": \"fields\"}\n\
         {\"timestamp\": 1767225602000000000, \"latency_ms\": 30.5, \"batch_size\": null}\n",
    )
    .unwrap();
    let out = srtlog()
        .args(["requests", "summary", p.to_str().unwrap(), "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("2 of 5 lines skipped"), "{err}");
    assert!(err.contains("line 2:") && err.contains("line 5:"), "{err}");
    let s: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["total_requests"], 3);
    assert_eq!(s["errors"], 1);
    assert_eq!(s["latency_count"], 2);
    assert_eq!(s["files"][0]["first_bad"][0][0], 2);

    srtlog()
        .args([
            "requests",
            "anomalies",
            p.to_str().unwrap(),
            "--metric",
            "nope",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("numeric fields: latency_ms"));
    srtlog()
        .args(["requests", "summary", "/does/not/exist"])
        .assert()
        .code(2);
    srtlog()
        .args(["requests", "export", p.to_str().unwrap(), "-o", "x.xlsx"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("unknown output format"));
}

#[test]
fn field_mapping_for_other_schemas() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("app.log");
    std::fs::write(
        &p,
        "{\"at\": \"2026-01-01T00:00:00+02:00\", \"engine\": \"e1\", \"duration_s\": 0.25, \"ok\": true}\n\
         {\"at\": \"2026-01-01T00:00:01+02:00\", \"engine\": \"e1\", \"duration_s\": 0.75, \"ok\": false}\n",
    )
    .unwrap();
    let s = json_of(&[
        "requests",
        "summary",
        p.to_str().unwrap(),
        "--json",
        "--field",
        "latency_ms=duration_s*1000",
        "--field",
        "model=engine",
        "--field",
        "timestamp=at",
        "--field",
        "status=ok",
    ]);
    assert_eq!(s["avg_latency_ms"], 500.0);
    assert_eq!(s["errors"], 1);
    assert_eq!(s["first_timestamp"], "2025-12-31T22:00:00.000Z");
    assert!(s["per_model"]["e1"].is_object());
}
