//! The HTML report of `srtlog compare` opened in headless Chromium, checked
//! like the other reports (the harness is `common/browser.rs`): no console
//! output, no network request, and every chart the page announces drawn by
//! the shared `charts.js` with at least one point a series. Two inputs: two
//! simulated run folders (worker metrics on relative time) and three
//! benchmark client result files (per-request CDFs and throughputs).
//! Skipped outside CI when Chromium is missing.
// Test helpers may panic on unexpected input: that is how a test fails.
#![allow(clippy::unwrap_used)]

mod common;
use common::browser::*;

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn srtlog() -> Command {
    let mut c = Command::cargo_bin("srtlog").expect("binary builds");
    c.env_remove("RUST_LOG");
    c
}

fn check_page(name: &str, dir: &Path, inputs: &[PathBuf]) {
    let Some(chrome) = chromium() else {
        return;
    };
    let html = dir.join("compare.html");
    srtlog()
        .args(["--quiet", "compare"])
        .args(inputs)
        .arg("-o")
        .arg(&html)
        .assert()
        .success();
    let (_one, check) = load_clean_page(&chrome, dir, &html, name);
    let charts = check["charts"].as_array().unwrap();
    assert!(!charts.is_empty(), "{name}: no chart");
    assert_eq!(
        check["expected_charts"].as_u64(),
        Some(charts.len() as u64),
        "{name}"
    );
    for c in charts {
        assert_eq!(c["drawn"], Value::Bool(true), "{name}: {}", c["id"]);
        let series = c["series"].as_array().unwrap();
        assert!(!series.is_empty(), "{name}: {}", c["id"]);
        assert!(
            series.iter().all(|s| s["points"].as_u64() > Some(0)),
            "{name}: a series without points in {c}"
        );
    }
}

#[test]
fn compare_report_of_two_runs_draws_every_chart() {
    let dir = work_dir("compare-browser", "runs");
    let runs: Vec<PathBuf> = ["a", "b"].iter().map(|n| dir.join(n)).collect();
    for (r, size) in runs.iter().zip(["4MB", "5MB"]) {
        srtlog()
            .args(["--quiet", "simulate"])
            .arg(r)
            .args(["--size", size])
            .assert()
            .success();
    }
    check_page("runs", &dir, &runs);
}

#[test]
fn compare_report_of_client_files_draws_every_chart() {
    let dir = work_dir("compare-browser", "clients");
    let files: Vec<PathBuf> = ["4", "8", "16"]
        .iter()
        .map(|c| {
            let f = dir.join(format!("c{c}.json"));
            srtlog()
                .args(["--quiet", "simulate", "client"])
                .arg(&f)
                .args(["--tool", "sglang", "--count", "200", "--concurrency", c])
                .assert()
                .success();
            f
        })
        .collect();
    check_page("clients", &dir, &files);
}
