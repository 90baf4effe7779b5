//! The HTML report of `srtlog requests report` opened in headless Chromium,
//! checked like the `viz` report (the harness is `common/browser.rs`): no console
//! output, no network request, every chart drawn with the point counts of
//! the library's own chart data ([`srtlog_report::requests::charts`]), and a
//! non-blank screenshot. Skipped outside CI when Chromium is missing.
// Test helpers may panic on unexpected input: that is how a test fails.
#![allow(clippy::unwrap_used)]

mod common;
use common::browser::*;

use assert_cmd::Command;
use serde_json::Value;
use srtlog::requests::{load, LoadOptions};
use srtlog_testutil::shared_file;
use std::path::Path;

/// Generates the report of `input`, opens it and checks it against the
/// library's chart data; returns the chart ids.
fn check(name: &str, input: &Path) -> Vec<String> {
    let Some(chrome) = chromium() else {
        return Vec::new();
    };
    let dir = work_dir("requests-browser", name);
    let html = dir.join("report.html");
    Command::cargo_bin("srtlog")
        .unwrap()
        .env_remove("RUST_LOG")
        .args(["--quiet", "requests", "report", "-o"])
        .arg(&html)
        .arg(input)
        .assert()
        .success();
    let log = load(&[input.to_path_buf()], &LoadOptions::default()).unwrap();
    let data = srtlog::requests::report_data::report_data(&log.table, "latency_ms", None);
    let expected = srtlog_report::requests::charts(&data);
    assert!(!expected.is_empty(), "{name}: nothing to chart");

    let (_one, check) = load_clean_page(&chrome, &dir, &html, name);
    assert_eq!(
        check["expected_charts"].as_u64(),
        Some(expected.len() as u64)
    );
    let charts = check["charts"].as_array().unwrap();
    assert_eq!(charts.len(), expected.len(), "{name}");
    for (got, want) in charts.iter().zip(&expected) {
        assert_eq!(got["id"], format!("chart-{}", want.id), "{name}");
        assert_eq!(
            got["drawn"],
            Value::Bool(true),
            "{name}: {} not drawn",
            want.id
        );
        let got: Vec<(String, u64)> = got["series"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["label"].as_str().unwrap().to_owned(),
                    s["points"].as_u64().unwrap(),
                )
            })
            .collect();
        let want_s: Vec<(String, u64)> = want
            .series
            .iter()
            .map(|s| (s.label.clone(), s.y.iter().flatten().count() as u64))
            .collect();
        assert_eq!(got, want_s, "{name}: series of {}", want.id);
    }
    let png = dir.join("screenshot.png");
    run_chromium(
        &chrome,
        &dir,
        &html,
        "shot",
        &[
            format!("--screenshot={}", png.display()),
            "--window-size=1400,2400".into(),
        ],
    );
    let size = std::fs::metadata(&png).map(|m| m.len()).unwrap_or(0);
    assert!(
        size > 10_000,
        "{name}: screenshot missing or blank ({size} bytes)"
    );
    expected.iter().map(|c| c.id.to_owned()).collect()
}

#[test]
fn simulated_request_log() {
    let dir = work_dir("requests-browser", "sim-input");
    let p = dir.join("requests.jsonl");
    Command::cargo_bin("srtlog")
        .unwrap()
        .args(["--quiet", "simulate", "requests", "--count", "3000"])
        .arg(&p)
        .assert()
        .success();
    let ids = check("simulated", &p);
    if !ids.is_empty() {
        assert_eq!(ids, ["latency_trend", "latency_histogram", "error_rate"]);
    }
}

#[test]
fn real_aiperf_profile_export() {
    if let Some(p) = shared_file("aiperf-examples-run1/profile_export.jsonl") {
        check("aiperf-run1", &p);
    }
}

#[test]
fn sglang_request_metrics_with_breakdown_chart() {
    let dir = work_dir("requests-browser", "sglang-input");
    let p = dir.join("sglang-request-metrics-20260101_10.log");
    let mut s = String::new();
    for i in 0..200 {
        let q = 0.001 * (i % 17) as f64;
        s.push_str(&format!(
            "{{\"request_parameters\": \"{{}}\", \"id\": \"r{i}\", \"e2e_latency\": {}, \"queue_time\": {q}, \"ttft\": {}, \"request_received_ts\": {}}}\n",
            q + 0.3 + 0.001 * (i % 7) as f64,
            q + 0.05,
            1767225600.0 + i as f64 * 0.5
        ));
    }
    std::fs::write(&p, s).unwrap();
    let ids = check("sglang-breakdown", &p);
    if !ids.is_empty() {
        assert!(ids.iter().any(|i| i == "breakdown"), "{ids:?}");
    }
}
