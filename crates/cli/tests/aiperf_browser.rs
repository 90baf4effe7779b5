//! The `srtlog aiperf` HTML report in headless Chromium: a simulated run
//! with trace data and the real 0.5 sweep of `../shared/data`. The page must
//! print nothing to the console, fetch nothing, draw every chart it
//! announces, and chart one point per successful request (the self-check
//! `srtlog-rendered` written by `assets/aiperf.js`). Browser helpers as in
//! `viz_browser.rs` (skip without Chromium outside CI, fail in CI).

// Test helpers may panic on unexpected input: that is how a test fails.
#![allow(clippy::unwrap_used)]

mod common;
use common::browser::*;

use assert_cmd::Command;
use serde_json::Value;
use srtlog_testutil::shared_file;
use std::path::Path;

/// Writes the report of `input`, opens it, checks the self-check; returns it.
fn check(name: &str, input: &Path) -> Value {
    let Some(chrome) = chromium() else {
        return Value::Null;
    };
    let dir = work_dir("aiperf-browser", name);
    let html = dir.join("report.html");
    Command::cargo_bin("srtlog")
        .unwrap()
        .env_remove("RUST_LOG")
        .args(["aiperf", "--quiet", "-o"])
        .arg(&html)
        .arg(input)
        .assert()
        .success();
    let (_one, check) = load_clean_page(&chrome, &dir, &html, name);
    let charts = check["charts"].as_array().unwrap();
    assert_eq!(
        charts.len() as u64,
        check["expected_charts"].as_u64().unwrap(),
        "{name}"
    );
    assert!(
        charts.iter().all(|c| c["drawn"] == true),
        "{name}: {charts:?}"
    );
    check
}

#[test]
fn simulated_run_report() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("profile_export.jsonl");
    Command::cargo_bin("srtlog")
        .unwrap()
        .args(["--quiet", "simulate", "aiperf"])
        .arg(&p)
        .args(["--count", "500", "--cancel-every", "50"])
        .assert()
        .success();
    let c = check("simulated", &p);
    if c.is_null() {
        return;
    }
    // Timeline + CDFs of TTFT, latency, TTFB, TTLB; 500 records minus 8
    // warm-up minus 9 cancelled = 483 successful requests, one point each.
    let charts = c["charts"].as_array().unwrap();
    assert_eq!(charts.len(), 5);
    for s in charts[0]["series"].as_array().unwrap() {
        assert_eq!(s["points"], 483, "{s}");
    }
}

#[test]
fn real_sweep_report() {
    let Some(dir) = shared_file("aiperf-0.5-plot-fixtures") else {
        return;
    };
    let c = check("real-sweep", &dir);
    if c.is_null() {
        return;
    }
    let ids: Vec<&str> = c["charts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"sweep-throughput")
            && ids.contains(&"sweep-ttft")
            && ids.contains(&"timeline-1"),
        "{ids:?}"
    );
}
