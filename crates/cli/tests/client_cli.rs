//! `srtlog simulate client` and benchmark-client result files in
//! `srtlog requests`, through the real binary: rows read from a detailed
//! file, and a run-level-only file summarised by its runs' figures (with a
//! note saying there is no per-request data) instead of being skipped.
#![allow(clippy::unwrap_used)]

use assert_cmd::Command;
use serde_json::Value;

fn srtlog() -> Command {
    let mut c = Command::cargo_bin("srtlog").unwrap();
    c.env_remove("RUST_LOG");
    c
}

#[test]
fn detailed_file_is_a_request_source() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("bench.jsonl");
    srtlog()
        .args(["--quiet", "simulate", "client"])
        .arg(&f)
        .args([
            "--tool",
            "vllm",
            "--count",
            "50",
            "--concurrency",
            "2,8",
            "--fail-every",
            "10",
        ])
        .assert()
        .success();
    let out = srtlog()
        .args(["requests", "summary", "--json"])
        .arg(&f)
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["total_requests"], 100);
    assert_eq!(v["errors"], 10, "every 10th of 2 × 50 failed");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("run 'c=2' (vllm-bench-serve): 50 per-request rows read"),
        "{stderr}"
    );
}

#[test]
fn run_level_only_file_prints_its_figures() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("bench.jsonl");
    srtlog()
        .args(["--quiet", "simulate", "client"])
        .arg(&f)
        .args([
            "--tool",
            "sglang",
            "--count",
            "40",
            "--concurrency",
            "4",
            "--no-details",
        ])
        .assert()
        .success();
    let out = srtlog()
        .args(["requests", "summary"])
        .arg(&f)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Benchmark client runs"), "{stdout}");
    assert!(stdout.contains("sim_c4"), "{stdout}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("run-level figures only, no per-request data (completed 40"),
        "{stderr}"
    );
    let out = srtlog()
        .args(["requests", "summary", "--json"])
        .arg(&f)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["per_request"], false);
    let run = &v["files"][0]["client"]["runs"][0];
    assert_eq!(run["concurrency"], 4.0);
    assert_eq!(run["run_level"]["completed"], 40);
    assert!(run["per_request_rows"].is_null());
}
