//! `srtlog viz` reports opened in a real browser: headless Chromium loads
//! the report of every real SGLang log in `../shared/data`, of the vLLM logs
//! that hold engine statistics, and of simulated runs, and each test checks
//! that
//!
//! * the page logs nothing to the console (no script error, no CSP
//!   violation: a blocked request would be one),
//! * the page fetched nothing (its resource timing list is empty, and
//!   Chromium's network log holds no request made by the page),
//! * every chart the library computed was drawn, with the same series and
//!   the same number of points (from the page's `srtlog-rendered`
//!   self-check, read with `--dump-dom`),
//! * a screenshot could be taken (kept under `target/tmp/viz-browser/`,
//!   never committed).
//!
//! Chromium is Debian's `chromium` package (`.ci/run` installs it). Without
//! it the tests are skipped with a printed reason, except in CI
//! (`CI=true`), where they fail.

// Test helpers may panic on unexpected input: that is how a test fails.
#![allow(clippy::unwrap_used)]

mod common;
use common::browser::*;

use assert_cmd::Command;
use serde_json::Value;
use srtlog::series::{GroupBy, SeriesOptions, SeriesSet};
use srtlog::viz::{build, VizRequest};
use srtlog_testutil::shared_file;
use std::path::Path;

/// Generates the report of `input` with the CLI, opens it in Chromium and
/// checks it against the library's own series.
fn check(name: &str, input: &Path, group_by: GroupBy) {
    let Some(chrome) = chromium() else {
        return;
    };
    let dir = work_dir("viz-browser", name);
    let html = dir.join("report.html");
    Command::cargo_bin("srtlog")
        .unwrap()
        .env_remove("RUST_LOG")
        .args(["viz", "--quiet", "--group-by", group_by.as_str(), "-o"])
        .arg(&html)
        .arg(input)
        .assert()
        .success();
    let expected: SeriesSet = build(
        &VizRequest {
            series: SeriesOptions {
                group_by,
                ..SeriesOptions::default()
            },
            ..VizRequest::new(vec![input.to_path_buf()])
        },
        &Default::default(),
    )
    .unwrap()
    .series;
    assert!(!expected.charts.is_empty(), "{name}: nothing to chart");

    let (_one, check) = load_clean_page(&chrome, &dir, &html, name);
    let charts = check["charts"].as_array().unwrap();
    let ids: Vec<&str> = charts.iter().map(|c| c["id"].as_str().unwrap()).collect();
    let want: Vec<&str> = expected.charts.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, want, "{name}: charts");
    for (got, want) in charts.iter().zip(&expected.charts) {
        assert_eq!(
            got["drawn"],
            Value::Bool(true),
            "{name}: {} not drawn",
            want.id
        );
        assert_eq!(got["title"], want.metric.title.as_str());
        let series = got["series"].as_array().unwrap();
        let got: Vec<(&str, u64)> = series
            .iter()
            .map(|s| (s["label"].as_str().unwrap(), s["points"].as_u64().unwrap()))
            .collect();
        let want_s: Vec<(&str, u64)> = want
            .series
            .iter()
            .map(|s| (s.label.as_str(), s.points as u64))
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
    eprintln!(
        "{name}: {} charts, {} lines, screenshot {}",
        ids.len(),
        expected
            .charts
            .iter()
            .map(|c| c.series.len())
            .sum::<usize>(),
        png.display()
    );
}

fn real(name: &str, rel: &str, group_by: GroupBy) {
    if let Some(p) = shared_file(rel) {
        check(name, &p, group_by);
    }
}

#[test]
fn real_pd_prefill() {
    real(
        "pd-prefill",
        "sglang-ci-pd-v0.5.3.post3/prefill.log",
        GroupBy::Worker,
    );
}

#[test]
fn real_pd_decode() {
    real(
        "pd-decode",
        "sglang-ci-pd-v0.5.3.post3/decode.log",
        GroupBy::Worker,
    );
}

#[test]
fn real_pd_pair_folder() {
    real("pd-pair", "sglang-ci-pd-v0.5.3.post3", GroupBy::Worker);
}

#[test]
fn real_dp8_agg() {
    real(
        "dp8",
        "sglang-ci-dp8-v0.5.5.post2/sglang_server.log",
        GroupBy::Worker,
    );
}

#[test]
fn real_dp8_agg_by_dp_rank() {
    real(
        "dp8-by-dp",
        "sglang-ci-dp8-v0.5.5.post2/sglang_server.log",
        GroupBy::Dp,
    );
}

#[test]
fn real_dp_iter_v054() {
    real(
        "dp-iter",
        "sglang-ci-dp-iter-v0.5.4/sglang_server.log",
        GroupBy::Worker,
    );
}

#[test]
fn real_tp_llama4() {
    real(
        "tp-llama4",
        "sglang-ci-tp-v0.5.3.post1/llama4_mi30x_server.log",
        GroupBy::Worker,
    );
}

#[test]
fn real_dgx_spark_hybrid_swa() {
    real(
        "dgx-int4",
        "dgx-spark-sostrowsk/sglang-int4.log",
        GroupBy::Worker,
    );
}

/// vLLM V0 engine statistics (`stats` rows: one engine, both sides).
#[test]
fn real_vllm_v063() {
    real(
        "vllm-v063",
        "vllm-0.6.3-structrag/vllm.log",
        GroupBy::Worker,
    );
}

/// vLLM V1 with speculative decoding (columns the catalogue does not name).
#[test]
fn real_vllm_dgx_spark_spec_decoding() {
    real("vllm-dgx", "dgx-spark-sostrowsk/vllm.log", GroupBy::Worker);
}

/// A simulated disaggregated run with DP attention, long enough that lines
/// are downsampled.
#[test]
fn simulated_disagg_run() {
    let dir = work_dir("viz-browser", "sim-disagg-input");
    let cfg = srtlog_sim::SimConfig {
        mode: srtlog_sim::Mode::Disaggregated {
            prefill: 2,
            decode: 2,
        },
        dp: 2,
        tp: 2,
        duration_s: 3000,
        noise: false,
        ..srtlog_sim::SimConfig::default()
    };
    srtlog_sim::write_run(&dir, &cfg).unwrap();
    check("sim-disagg", &dir, GroupBy::Worker);
    check("sim-disagg-all", &dir, GroupBy::All);
}

/// Simulated aggregated workers: lines split into prefill and decode.
#[test]
fn simulated_agg_run() {
    let dir = work_dir("viz-browser", "sim-agg-input");
    let cfg = srtlog_sim::SimConfig {
        mode: srtlog_sim::Mode::Aggregated { workers: 3 },
        duration_s: 300,
        tp_duplicates: true,
        ..srtlog_sim::SimConfig::default()
    };
    srtlog_sim::write_run(&dir, &cfg).unwrap();
    check("sim-agg", &dir, GroupBy::Worker);
}

/// The checks above can fail: a report doctored with a stray image URL
/// shows a CSP violation on the console and a fetched resource.
#[test]
fn a_stray_request_is_caught() {
    let Some(chrome) = chromium() else {
        return;
    };
    let dir = work_dir("viz-browser", "stray-request");
    let input = dir.join("run");
    let cfg = srtlog_sim::SimConfig {
        duration_s: 60,
        ..srtlog_sim::SimConfig::default()
    };
    srtlog_sim::write_run(&input, &cfg).unwrap();
    let html = dir.join("report.html");
    Command::cargo_bin("srtlog")
        .unwrap()
        .args(["viz", "--quiet", "-o"])
        .arg(&html)
        .arg(&input)
        .assert()
        .success();
    let page = std::fs::read_to_string(&html).unwrap().replacen(
        "<main>",
        "<main><img src=\"http://127.0.0.1:9/stray.png\">",
        1,
    );
    std::fs::write(&html, page).unwrap();
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let (dom, stderr) = run_chromium(&chrome, &dir, &html, "dom", &["--dump-dom".into()]);
    assert!(
        stderr.contains(":CONSOLE") && stderr.contains("Content Security Policy"),
        "{stderr}"
    );
    let check = rendered(&dom);
    assert_eq!(
        check["resources"],
        serde_json::json!(["http://127.0.0.1:9/stray.png"])
    );
}
