//! `srtlog aiperf` end to end: the real AIPerf exports of `../shared/data`
//! (text report snapshot, JSON figures matching the summary file), simulated
//! exports with trace data (JSON keys, CSV, HTML), a sweep, and bad input
//! (not AIPerf, missing path, truncated and non-JSON lines, mixed schema
//! generations in one folder).

// Test helpers may panic on unexpected input: that is how a test fails.
#![allow(clippy::unwrap_used)]

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use srtlog_testutil::shared_file;
use std::path::Path;

fn srtlog() -> Command {
    let mut c = Command::cargo_bin("srtlog").unwrap();
    c.env_remove("RUST_LOG").env("NO_COLOR", "1");
    c
}

fn json_of(args: &[&str], path: &Path) -> Value {
    let out = srtlog()
        .arg("aiperf")
        .args(args)
        .arg(path)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn simulate(path: &Path, extra: &[&str]) {
    srtlog()
        .args(["--quiet", "simulate", "aiperf"])
        .arg(path)
        .args(extra)
        .assert()
        .success();
}

#[test]
fn real_run1_text_report() {
    let Some(dir) = shared_file("aiperf-examples-run1") else {
        return;
    };
    let out = srtlog()
        .args(["aiperf", "--quiet"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for heading in [
        "  OVERVIEW",
        "  CONNECTION STATISTICS",
        "  DNS STATISTICS",
        "  RESPONSE TIMING - TIME TO FIRST BYTE (TTFB)",
        "  STREAMING STATISTICS",
        "  TOKEN ANALYTICS",
        "  TOKEN-TO-RESPONSE CORRELATION",
        "  NETWORK EFFICIENCY INSIGHTS",
        "  KEY INSIGHTS",
    ] {
        assert!(text.contains(heading), "missing {heading}");
    }
    insta::assert_snapshot!("aiperf_run1_text", text);
}

#[test]
fn real_run1_json_matches_summary() {
    let Some(dir) = shared_file("aiperf-examples-run1") else {
        return;
    };
    let v = json_of(&[], &dir);
    assert_eq!(v["overview"]["records"], 100);
    assert_eq!(v["overview"]["errors"], 11);
    assert_eq!(v["overview"]["with_trace"], 0);
    assert_eq!(v["overview"]["streaming"], 89);
    let d = &v["distributions"];
    for name in ["time_to_first_token_ms", "request_latency_ms"] {
        for k in [
            "unit", "count", "min", "max", "mean", "p50", "p90", "p95", "p99",
        ] {
            assert!(!d[name][k].is_null(), "{name}.{k}");
        }
    }
    // The summary's p50/p99 (profile_export_aiperf.json, full precision).
    assert!((d["time_to_first_token_ms"]["p50"].as_f64().unwrap() - 2369.317693).abs() < 1e-6);
    assert!((d["request_latency_ms"]["p99"].as_f64().unwrap() - 9297.609933759999).abs() < 1e-6);
    assert_eq!(d["time_to_first_token_ms"]["unit"], "ms");
    assert!(d["ttfb_ms"].is_null(), "no trace data, no TTFB");
    let cmp = v["summary_comparison"].as_array().unwrap();
    assert!(cmp.len() > 40);
    assert!(cmp.iter().all(|c| c["within_rounding"] == true));
}

#[test]
fn simulated_trace_json_csv_html() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("profile_export.jsonl");
    simulate(
        &p,
        &[
            "--count",
            "400",
            "--concurrency",
            "4",
            "--cancel-every",
            "40",
        ],
    );
    let v = json_of(&[], &p);
    let o = &v["overview"];
    assert_eq!(
        (
            o["records"].as_u64(),
            o["with_trace"].as_u64(),
            o["errors"].as_u64()
        ),
        (Some(396), Some(396), Some(9))
    );
    assert_eq!(
        v["connections"]["created"], 0,
        "the 4 connections were created during warm-up"
    );
    assert_eq!(v["connections"]["reused"], 396);
    assert_eq!(v["connections"]["reuse_rate"], 1.0);
    for name in [
        "ttfb_ms",
        "inter_chunk_latency_ms",
        "time_to_first_token_ms",
        "request_latency_ms",
    ] {
        assert!(
            v["distributions"][name]["count"].as_u64().unwrap() > 0,
            "{name}"
        );
    }
    let rules: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"connection_reuse") && rules.contains(&"icl_consistency"));
    // With warm-up: the 4 connections, one DNS lookup and three cache hits.
    let v = json_of(&["--include-warmup"], &p);
    assert_eq!(v["connections"]["created"], 4);
    assert_eq!(v["dns"]["lookups"], 1);
    assert_eq!(v["dns"]["cache_hits"], 3);

    let csv = dir.path().join("r.csv");
    let html = dir.path().join("r.html");
    srtlog()
        .args(["aiperf", "--quiet"])
        .arg(&p)
        .arg("--csv")
        .arg(&csv)
        .arg("-o")
        .arg(&html)
        .assert()
        .success()
        .stdout(predicate::str::contains("KEY INSIGHTS"));
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.starts_with("run,request_id,start_ns,status,"));
    assert_eq!(text.lines().count(), 1 + 396);
    assert_eq!(
        text.lines()
            .filter(|l| l.contains(",RequestCancellationError,"))
            .count(),
        9
    );
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("Content-Security-Policy") && page.contains("id=\"srtlog-data\""));
    assert!(!page.contains("src=\"http"));
}

#[test]
fn sweep_table() {
    let dir = tempfile::tempdir().unwrap();
    for c in [1, 4, 16] {
        let run = dir.path().join(format!("m-openai-chat-concurrency{c}"));
        std::fs::create_dir_all(&run).unwrap();
        simulate(
            &run.join("profile_export.jsonl"),
            &["--count", "60", "--concurrency", &c.to_string()],
        );
    }
    let out = srtlog()
        .args(["aiperf", "--quiet"])
        .arg(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("AIPerf sweep: 3 runs"), "{text}");
    let v = json_of(&[], dir.path());
    let rows = v["sweep"].as_array().unwrap();
    let conc: Vec<f64> = rows
        .iter()
        .map(|r| r["concurrency"].as_f64().unwrap())
        .collect();
    assert_eq!(conc, [1.0, 4.0, 16.0]);
    assert!(rows
        .iter()
        .all(|r| r["ttft_p50_ms"].as_f64().unwrap() > 0.0));
    assert_eq!(v["runs"].as_array().unwrap().len(), 3);
}

#[test]
fn bad_input() {
    let dir = tempfile::tempdir().unwrap();
    // Not AIPerf: says what was found.
    let p = dir.path().join("requests.jsonl");
    std::fs::write(
        &p,
        "{\"timestamp\":\"2025-01-01T00:00:00\",\"latency_ms\":3}\n",
    )
    .unwrap();
    srtlog()
        .arg("aiperf")
        .arg(&p)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "not an AIPerf profile_export.jsonl: a generic request log line",
        ));
    let p = dir.path().join("plain.txt");
    std::fs::write(&p, "hello\nworld\n").unwrap();
    srtlog()
        .arg("aiperf")
        .arg(&p)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "2 lines that are not JSON objects",
        ));
    srtlog()
        .arg("aiperf")
        .arg(dir.path().join("missing"))
        .assert()
        .code(2);
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    srtlog()
        .arg("aiperf")
        .arg(&empty)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "no AIPerf profile_export.jsonl found",
        ));

    // Truncated last line, a non-JSON line and a null metric: counted.
    let p = dir.path().join("profile_export.jsonl");
    simulate(&p, &["--count", "20"]);
    let mut text = std::fs::read_to_string(&p).unwrap();
    text.push_str("garbage line\n");
    text.push_str("{\"metadata\":{\"request_start_ns\":1},\"metrics\":{\"request_latency\":{\"value\":null,\"unit\":\"ms\"}},\"error\":null}\n");
    text.push_str("{\"metadata\":{\"request_start_ns\":2},\"metr");
    std::fs::write(&p, text).unwrap();
    let out = srtlog()
        .arg("aiperf")
        .arg(&p)
        .arg("--json")
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["input"]["bad_json"], 1);
    assert_eq!(v["input"]["truncated_last_line"], true);
    assert_eq!(v["input"]["with_nulls"], 1);
    assert_eq!(v["input"]["bad_examples"][0]["line"], 21);
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("1 line(s) not JSON") && err.contains("truncated last line"),
        "{err}"
    );
}

#[test]
fn mixed_generations_in_one_folder() {
    let (Some(old), Some(new)) = (
        shared_file("aiperf-examples-run1/profile_export.jsonl"),
        shared_file("aiperf-0.5-plot-fixtures/qwen_concurrency1/profile_export.jsonl"),
    ) else {
        return;
    };
    // One folder, one file holding both generations' records (read in
    // place, written to a temporary folder).
    let dir = tempfile::tempdir().unwrap();
    let mut text = std::fs::read_to_string(old).unwrap();
    text.push_str(&std::fs::read_to_string(new).unwrap());
    std::fs::write(dir.path().join("profile_export.jsonl"), text).unwrap();
    let v = json_of(&[], dir.path());
    assert_eq!(v["overview"]["records"], 110);
    assert_eq!(v["overview"]["errors"], 11);
    assert_eq!(v["distributions"]["time_to_first_token_ms"]["count"], 99);
    assert_eq!(v["input"]["bad_json"], 0);
}

/// The real 0.5 sweep as an HTML report: the runs are charted at their
/// real concurrency (1 and 2, from `input_config.loadgen`), as one sweep
/// group, with the throughput–latency and per-GPU charts.
#[test]
fn real_sweep_html_uses_real_concurrency() {
    let Some(dir) = shared_file("aiperf-0.5-plot-fixtures") else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let html = out.path().join("sweep.html");
    srtlog()
        .args(["aiperf", "--quiet", "-o"])
        .arg(&html)
        .arg(&dir)
        .assert()
        .success();
    let page = std::fs::read_to_string(&html).unwrap();
    let start = page.find("id=\"srtlog-data\"").unwrap();
    let body = &page[start..];
    let json = &body[body.find('>').unwrap() + 1..body.find("</script>").unwrap()];
    let v: Value = serde_json::from_str(json).unwrap();
    let rows = v["sweep"].as_array().unwrap();
    let conc: Vec<f64> = rows
        .iter()
        .map(|r| r["concurrency"].as_f64().unwrap())
        .collect();
    assert_eq!(conc, [1.0, 2.0]);
    assert!(rows
        .iter()
        .all(|r| r["load_source"] == "input_config.loadgen" && r["group"] == 0));
    assert_eq!(
        v["sweep_charts"],
        serde_json::json!([
            "sweep-throughput",
            "sweep-ttft",
            "sweep-pareto",
            "sweep-per-gpu"
        ])
    );
    let text = json_of(&[], &dir);
    assert_eq!(text["sweep"][1]["concurrency"], 2.0);
}
