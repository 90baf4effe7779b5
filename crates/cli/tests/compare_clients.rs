//! `srtlog compare` on benchmark client result files (issue 15): a file
//! with run-level figures only gives deltas marked "no per-request data, no
//! significance", with the tool's own figures as the values; a file with
//! per-request details gives per-request values, so intervals and tests.

// Test helpers may panic on unexpected input: that is how a test fails.
#![allow(clippy::unwrap_used)]

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn srtlog() -> Command {
    let mut c = Command::cargo_bin("srtlog").expect("binary builds");
    c.env_remove("RUST_LOG");
    c
}

fn simulate(dir: &Path, name: &str, tool: &str, concurrency: &str, details: bool) -> PathBuf {
    let f = dir.join(name);
    let mut c = srtlog();
    c.args(["--quiet", "simulate", "client"]).arg(&f).args([
        "--tool",
        tool,
        "--count",
        "200",
        "--concurrency",
        concurrency,
    ]);
    if !details {
        c.arg("--no-details");
    }
    c.assert().success();
    f
}

fn compare_json(a: &Path, b: &Path) -> Value {
    let out = srtlog()
        .args(["compare", "--json"])
        .arg(a)
        .arg(b)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn row<'a>(v: &'a Value, id: &str) -> &'a Value {
    v["tables"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["rows"].as_array().unwrap())
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no row {id}"))
}

#[test]
fn run_level_results_give_deltas_without_significance() {
    let dir = tempfile::tempdir().unwrap();
    let a = simulate(dir.path(), "c4.jsonl", "sglang", "4", false);
    let b = simulate(dir.path(), "c16.jsonl", "sglang", "16", false);
    let v = compare_json(&a, &b);
    assert_eq!(v["runs"][0]["client"]["per_request"], false, "{v}");
    // The values are the tool's own figures, read here from the files.
    let own = |p: &Path| -> f64 {
        // The client writes Python's `Infinity` for an unlimited rate,
        // which is not JSON.
        let text = std::fs::read_to_string(p)
            .unwrap()
            .replace("Infinity", "null");
        let j: Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
        j["p99_ttft_ms"].as_f64().unwrap()
    };
    let r = row(&v, "p99_ttft_ms");
    let vals: Vec<f64> = r["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    let (fa, fb) = (own(&a), own(&b));
    assert!((vals[0] - fa).abs() <= 1e-9 * fa.abs(), "{vals:?} vs {fa}");
    assert!((vals[1] - fb).abs() <= 1e-9 * fb.abs(), "{vals:?} vs {fb}");
    let d = &r["deltas"][0];
    assert_eq!(d["verdict"], "no_per_request_data", "{d}");
    assert!(d["p_value"].is_null(), "{d}");
}

#[test]
fn detailed_results_give_per_request_values() {
    let dir = tempfile::tempdir().unwrap();
    let a = simulate(dir.path(), "a.json", "vllm", "4", true);
    let b = simulate(dir.path(), "b.json", "vllm", "16", true);
    let v = compare_json(&a, &b);
    assert_eq!(v["runs"][0]["client"]["per_request"], true, "{v}");
    assert_eq!(v["runs"][0]["client"]["requests"], 200, "{v}");
    let d = &row(&v, "p50_ttft_ms")["deltas"][0];
    assert_ne!(d["verdict"], "no_per_request_data", "{d}");
    assert!(!d["p_value"].is_null(), "{d}");
}
