//! `srtlog viz`, `srtlog stats` and `srtlog parse --stats` from the command
//! line: bad input (nothing to chart, unwritable output), exit codes, and
//! the outputs of a small simulated run. The report in a browser is tested
//! in `viz_browser.rs`.

// Test helpers may panic on unexpected input: that is how a test fails.
#![allow(clippy::unwrap_used)]

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use srtlog_sim::{Mode, SimConfig};
use std::path::Path;

fn srtlog() -> Command {
    let mut c = Command::cargo_bin("srtlog").expect("binary builds");
    c.env_remove("RUST_LOG");
    c
}

fn small_run(dir: &Path) {
    let cfg = SimConfig {
        mode: Mode::Disaggregated {
            prefill: 1,
            decode: 1,
        },
        duration_s: 120,
        ..SimConfig::default()
    };
    srtlog_sim::write_run(dir, &cfg).unwrap();
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn viz_without_worker_logs_fails_and_writes_nothing() {
    let d = tempfile::tempdir().unwrap();
    let logs = d.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    std::fs::write(logs.join("notes.txt"), "nothing to see\n").unwrap();
    let out = d.path().join("report.html");
    srtlog()
        .arg("viz")
        .arg(d.path())
        .arg("-o")
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no worker logs found"))
        .stderr(predicate::str::contains("no report written"));
    assert!(!out.exists());
    assert_eq!(files_in(d.path()), vec!["logs"], "no temporary file left");
}

#[test]
fn viz_without_batch_lines_fails_and_writes_nothing() {
    let d = tempfile::tempdir().unwrap();
    let log = d.path().join("sglang.log");
    std::fs::write(
        &log,
        "[2025-10-20 12:00:00] server_args=ServerArgs(model_path='m', tp_size=1, dp_size=1)\n\
         [2025-10-20 12:00:05 TP0] Load weight end. type=X, dtype=torch.bfloat16, avail mem=20.00 GB, mem usage=60.00 GB.\n",
    )
    .unwrap();
    let out = d.path().join("r.html");
    srtlog()
        .arg("viz")
        .arg(&log)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "no batch or engine-statistics lines in 1 worker log",
        ))
        .stderr(predicate::str::contains("no report written"));
    assert!(!out.exists());
    srtlog()
        .arg("stats")
        .arg(&log)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "no batch or engine-statistics lines",
        ));
}

#[test]
fn viz_to_an_unwritable_path_is_a_one_line_error() {
    let d = tempfile::tempdir().unwrap();
    small_run(d.path());
    // A regular file where a folder should be: unwritable even for root.
    let blocker = d.path().join("not-a-dir");
    std::fs::write(&blocker, "x").unwrap();
    let out = blocker.join("report.html");
    let a = srtlog()
        .arg("viz")
        .arg(d.path())
        .arg("-o")
        .arg(&out)
        .assert()
        .code(1);
    let stderr = String::from_utf8(a.get_output().stderr.clone()).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!("error: cannot write {}: ", out.display())),
        "{stderr}"
    );
}

#[test]
fn viz_of_a_missing_path_is_a_usage_error() {
    let d = tempfile::tempdir().unwrap();
    srtlog()
        .arg("viz")
        .arg(d.path().join("nope"))
        .arg("-o")
        .arg(d.path().join("r.html"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no such file or directory"));
    assert!(!d.path().join("r.html").exists());
}

#[test]
fn viz_writes_a_self_contained_report() {
    let d = tempfile::tempdir().unwrap();
    small_run(d.path());
    let out = d.path().join("report.html");
    srtlog()
        .arg("viz")
        .arg(d.path())
        .arg("-o")
        .arg(&out)
        .args(["--group-by", "all"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(format!(
            "Wrote {}: ",
            out.display()
        )));
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.contains("Content-Security-Policy"));
    assert!(html.contains("/*! https://github.com/leeoniya/uPlot (v1.6.32) */"));
    for label in ["prefill (1 worker)", "decode (1 worker)"] {
        assert!(html.contains(label), "{label}");
    }
    assert!(!html.contains("src=\"http") && !html.contains("<link"));
}

#[test]
fn stats_table_and_json() {
    let d = tempfile::tempdir().unwrap();
    small_run(d.path());
    srtlog()
        .arg("stats")
        .arg(d.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("gen_throughput"))
        .stdout(predicate::str::contains("input_throughput"))
        .stdout(predicate::str::contains("│ P99"));
    let out = srtlog()
        .arg("stats")
        .arg(d.path())
        .arg("--json")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["bucket_s"], 1);
    let rows = v["stats"].as_array().unwrap();
    let gen = rows
        .iter()
        .find(|r| r["metric"] == "gen_throughput")
        .unwrap();
    assert_eq!(gen["worker_type"], "decode");
    assert!(gen["count"].as_u64().unwrap() > 10);
    for k in [
        "mean", "median", "std", "min", "max", "p25", "p75", "p95", "p99",
    ] {
        assert!(gen[k].is_number(), "{k}");
    }
}

#[test]
fn parse_with_stats() {
    let d = tempfile::tempdir().unwrap();
    small_run(d.path());
    srtlog()
        .args(["parse", "--no-cache", "--stats"])
        .arg(d.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("Worker Type"))
        .stdout(predicate::str::contains("statistics"))
        .stdout(predicate::str::contains("gen_throughput"));
    let out = srtlog()
        .args(["parse", "--no-cache", "--stats", "--json"])
        .arg(d.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert!(v["totals"]["workers"] == 2);
    assert!(!v["stats"].as_array().unwrap().is_empty());
}
