//! The command-line convention of issue 11, end to end: the command names
//! (and the old ones as hidden aliases with a note), examples in every
//! `--help`, `-o`/`--csv`/`--json`/`--parquet`, the `--fail-if` gates with
//! their exit code, and diagnostics as JSON with `--log-format json`; plus
//! the request-filter fixes of issue 17 (items 16, 17, 24) through the
//! binary.
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

fn stdout_of(args: &[&str]) -> String {
    let out = srtlog().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A request log of the request-log format, written line by line.
fn log(dir: &Path, lines: &[String]) -> PathBuf {
    let p = dir.join("r.jsonl");
    std::fs::write(&p, lines.join("\n") + "\n").unwrap();
    p
}

fn line(i: usize, model: &str, latency: u32, batch: u32, status: &str) -> String {
    format!(
        r#"{{"timestamp": "2026-01-01T10:00:{:02}Z", "request_id": "r{i}", "model": "{model}", "latency_ms": {latency}, "batch_size": {batch}, "status": "{status}"}}"#,
        i % 60
    )
}

const COMMANDS: &[&[&str]] = &[
    &["parse"],
    &["viz"],
    &["stats"],
    &["requests"],
    &["requests", "summary"],
    &["requests", "anomalies"],
    &["requests", "trends"],
    &["requests", "correlate"],
    &["requests", "compare"],
    &["requests", "window"],
    &["requests", "breakdown"],
    &["requests", "report"],
    &["requests", "export"],
    &["snapshots"],
    &["scrape"],
    &["aiperf"],
    &["audit"],
    &["follow"],
    &["simulate"],
    &["simulate", "workers"],
    &["simulate", "requests"],
    &["simulate", "snapshots"],
    &["simulate", "service"],
    &["simulate", "aiperf"],
];

#[test]
fn every_help_has_examples_and_no_seed() {
    let top = stdout_of(&["--help"]);
    assert!(top.contains("3 a --fail-if gate failed"), "{top}");
    for c in COMMANDS {
        let mut args = c.to_vec();
        args.push("--help");
        let h = stdout_of(&args);
        assert!(
            h.contains("Examples:") || c == &["requests", "trends"],
            "{c:?}"
        );
        assert!(!h.to_lowercase().contains("seed"), "{c:?}: {h}");
    }
    // The old names are not listed.
    for old in ["simulate-requests", "simulate-aiperf", "\n  request "] {
        assert!(!top.contains(old), "{old}");
    }
}

#[test]
fn old_names_still_work_with_a_note() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("r.jsonl");
    srtlog()
        .args(["simulate-requests", p.to_str().unwrap(), "--requests", "10"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "note: `srtlog simulate-requests` is now `srtlog simulate requests`",
        ));
    assert_eq!(std::fs::read_to_string(&p).unwrap().lines().count(), 10);
    let q = d.path().join("q.jsonl");
    srtlog()
        .args(["simulate", "requests", q.to_str().unwrap(), "--count", "10"])
        .assert()
        .success()
        .stderr(predicate::str::contains("note:").not());
    // The same generator state writes the same file, under either flag name.
    let r = d.path().join("s.jsonl");
    srtlog()
        .args([
            "simulate",
            "requests",
            r.to_str().unwrap(),
            "--count",
            "10",
            "--seed",
            "42",
        ])
        .assert()
        .success();
    assert_eq!(std::fs::read(&q).unwrap(), std::fs::read(&r).unwrap());
    // `request` is `follow`.
    srtlog()
        .args(["request", "nope", d.path().to_str().unwrap()])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is now `srtlog follow`"));
}

#[test]
fn plain_simulate_is_simulate_workers() {
    let d = tempfile::tempdir().unwrap();
    let (a, b) = (d.path().join("a"), d.path().join("b"));
    srtlog()
        .args(["-q", "simulate", a.to_str().unwrap(), "--duration", "30s"])
        .assert()
        .success();
    srtlog()
        .args([
            "-q",
            "simulate",
            "workers",
            b.to_str().unwrap(),
            "--duration",
            "30s",
        ])
        .assert()
        .success();
    let names = |p: &Path| {
        let mut v: Vec<_> = std::fs::read_dir(p.join("logs"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        v.sort();
        v
    };
    assert_eq!(names(&a), names(&b));
    assert!(names(&a).len() >= 3);
}

/// Issue 17 item 24: `warning:` and `error:` lines were plain text in a
/// JSON diagnostics stream.
#[test]
fn json_log_format_covers_warnings_and_errors() {
    let d = tempfile::tempdir().unwrap();
    let p = log(
        d.path(),
        &[line(0, "m", 10, 1, "success"), "not json".to_string()],
    );
    let out = srtlog()
        .args([
            "--log-format",
            "json",
            "requests",
            "summary",
            p.to_str().unwrap(),
        ])
        .assert()
        .success();
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.contains("1 of 2 lines skipped"), "{err}");
    for l in err.lines() {
        let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
        assert_eq!(v["level"], "WARN", "{l}");
        assert_eq!(v["kind"], "warning", "{l}");
    }
    let out = srtlog()
        .args([
            "--log-format",
            "json",
            "requests",
            "summary",
            "/nonexistent/x.jsonl",
        ])
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    let v: Value = serde_json::from_str(err.trim()).unwrap_or_else(|e| panic!("{e}: {err}"));
    assert_eq!(v["level"], "ERROR");
    assert!(v["message"]
        .as_str()
        .unwrap()
        .contains("/nonexistent/x.jsonl"));
}

/// Issue 17 item 16: `--model llama` needed the exact model name.
#[test]
fn model_filter_is_a_case_insensitive_substring() {
    let d = tempfile::tempdir().unwrap();
    let p = log(
        d.path(),
        &[
            line(0, "meta-llama/Llama-3.3-70B-Instruct", 10, 1, "success"),
            line(1, "meta-llama/Llama-3.3-70B-Instruct", 20, 1, "success"),
            line(2, "Qwen/Qwen3-8B", 30, 1, "success"),
        ],
    );
    let v: Value = serde_json::from_str(&stdout_of(&[
        "requests",
        "summary",
        p.to_str().unwrap(),
        "--model",
        "llama",
        "--json",
    ]))
    .unwrap();
    assert_eq!(v["total_requests"], 2);
    let help = stdout_of(&["requests", "summary", "--help"]);
    assert!(help.contains("ignoring case"), "{help}");
}

/// Issue 17 item 17: `compare --by batch_size` sorted 10, 100, 101, 2.
#[test]
fn compare_sorts_numbers_numerically() {
    let d = tempfile::tempdir().unwrap();
    let lines: Vec<String> = [100, 2, 10, 101, 2]
        .iter()
        .enumerate()
        .map(|(i, b)| line(i, "m", 10, *b, "success"))
        .collect();
    let p = log(d.path(), &lines);
    let v: Value = serde_json::from_str(&stdout_of(&[
        "requests",
        "compare",
        p.to_str().unwrap(),
        "--by",
        "batch_size",
        "--json",
    ]))
    .unwrap();
    let keys: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["2", "10", "100", "101"]);
    let csv = stdout_of(&[
        "requests",
        "compare",
        p.to_str().unwrap(),
        "--by",
        "batch_size",
        "--csv",
        "-",
    ]);
    let first: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(first, ["2", "10", "100", "101"]);
}

#[test]
fn requests_gates_absolute_relative_and_window() {
    let d = tempfile::tempdir().unwrap();
    let lines: Vec<String> = (0..10)
        .map(|i| line(i, "m", if i < 5 { 100 } else { 300 }, 1, "success"))
        .collect();
    let p = log(d.path(), &lines);
    let f = p.to_str().unwrap();
    // Mean latency 200 ms.
    srtlog()
        .args([
            "requests",
            "summary",
            f,
            "--fail-if",
            "avg_latency_ms > 150",
        ])
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "gate failed: avg_latency_ms > 150 (value 200, limit 150)",
        ));
    srtlog()
        .args([
            "requests",
            "summary",
            f,
            "--fail-if",
            "avg_latency_ms > 250",
            "--fail-if",
            "total_requests != 10",
        ])
        .assert()
        .success();
    // Relative to a baseline (an earlier --json): 200 > 150 * 1.2 = 180.
    let base = d.path().join("base.json");
    std::fs::write(&base, r#"{"avg_latency_ms": 150.0}"#).unwrap();
    srtlog()
        .args([
            "requests",
            "summary",
            f,
            "--baseline",
            base.to_str().unwrap(),
        ])
        .args(["--fail-if", "avg_latency_ms > +20%"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("limit 180"));
    srtlog()
        .args([
            "requests",
            "summary",
            f,
            "--baseline",
            base.to_str().unwrap(),
        ])
        .args(["--fail-if", "avg_latency_ms > +50%"])
        .assert()
        .success();
    srtlog()
        .args([
            "requests",
            "summary",
            f,
            "--fail-if",
            "avg_latency_ms > +20%",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("needs a baseline"));
    // `window`: the rest of the run is the baseline. Window: the last five
    // requests (300 ms) against the first five (100 ms).
    srtlog()
        .args([
            "requests",
            "window",
            f,
            "--from",
            "2026-01-01T10:00:05Z",
            "--to",
            "2026-01-01T10:01:00Z",
        ])
        .args(["--fail-if", "avg_latency_ms > +100%"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("(value 300, limit 200)"));
}

#[test]
fn csv_outputs_are_files_or_stdout() {
    let d = tempfile::tempdir().unwrap();
    let lines: Vec<String> = (0..4)
        .map(|i| line(i, "m", 10 * (i as u32 + 1), 1, "success"))
        .collect();
    let p = log(d.path(), &lines);
    let f = p.to_str().unwrap();
    let csv = d.path().join("trend.csv");
    // The previous file is replaced whole.
    std::fs::write(&csv, "old").unwrap();
    srtlog()
        .args([
            "requests",
            "trends",
            f,
            "--window",
            "1m",
            "--csv",
            csv.to_str().unwrap(),
        ])
        .assert()
        .success();
    assert_eq!(
        std::fs::read_to_string(&csv).unwrap(),
        "timestamp,requests,value\n2026-01-01T10:00:00.000Z,4,25.0\n"
    );
    let out = stdout_of(&["requests", "trends", f, "--window", "1m", "--csv", "-"]);
    assert_eq!(
        out,
        "timestamp,requests,value\n2026-01-01T10:00:00.000Z,4,25.0\n"
    );
    let leftovers: Vec<_> = std::fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // export: --csv and --parquet, and `-`.
    let pq = d.path().join("t.parquet");
    srtlog()
        .args([
            "-q",
            "requests",
            "export",
            f,
            "--parquet",
            pq.to_str().unwrap(),
        ])
        .assert()
        .success();
    assert_eq!(&std::fs::read(&pq).unwrap()[..4], b"PAR1");
    let out = stdout_of(&["requests", "export", f, "--csv", "-"]);
    assert_eq!(out.lines().count(), 5, "{out}");
    assert!(out.starts_with("timestamp,request_id,model,"), "{out}");
}

#[test]
fn audit_and_snapshots_write_html_with_o() {
    use srtlog_sim::metrics::{write_snapshot_folder, SnapshotSimConfig};
    use srtlog_sim::service::{write_service, ServiceConfig};
    let d = tempfile::tempdir().unwrap();
    write_service(&d.path().join("svc"), &ServiceConfig::default()).unwrap();
    let html = d.path().join("audit.html");
    srtlog()
        .current_dir(d.path())
        .args(["audit", "svc/logs", "-o", html.to_str().unwrap()])
        .assert()
        .success();
    let h = std::fs::read_to_string(&html).unwrap();
    assert!(h.starts_with("<!DOCTYPE html>") && h.contains("Content-Security-Policy"));
    assert!(h.contains("grade"), "{h}");
    let snaps = d.path().join("snaps");
    write_snapshot_folder(&snaps, &SnapshotSimConfig::default()).unwrap();
    let html = d.path().join("snaps.html");
    srtlog()
        .args([
            "snapshots",
            snaps.to_str().unwrap(),
            "-o",
            html.to_str().unwrap(),
        ])
        .args(["--fail-if", "trusted < 1"])
        .assert()
        .success();
    let h = std::fs::read_to_string(&html).unwrap();
    assert!(h.contains("SUMMARY - "), "{h}");
    srtlog()
        .args([
            "snapshots",
            snaps.to_str().unwrap(),
            "--fail-if",
            "untrusted >= 0",
        ])
        .assert()
        .code(3);
}

#[test]
fn parse_and_aiperf_gates() {
    let d = tempfile::tempdir().unwrap();
    let run = d.path().join("run");
    srtlog()
        .args(["-q", "simulate", run.to_str().unwrap(), "--duration", "30s"])
        .assert()
        .success();
    // Two prefill workers and one decode worker.
    srtlog()
        .args([
            "parse",
            run.to_str().unwrap(),
            "--no-cache",
            "--fail-if",
            "totals.workers > 2",
        ])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("(value 3, limit 2)"));
    srtlog()
        .args([
            "parse",
            run.to_str().unwrap(),
            "--no-cache",
            "--fail-if",
            "totals.workers != 3",
        ])
        .assert()
        .success();
    let p = d.path().join("profile_export.jsonl");
    srtlog()
        .args([
            "-q",
            "simulate",
            "aiperf",
            p.to_str().unwrap(),
            "--count",
            "40",
        ])
        .assert()
        .success();
    srtlog()
        .args([
            "aiperf",
            p.to_str().unwrap(),
            "--json",
            "--fail-if",
            "overview.records < 1",
        ])
        .assert()
        .success();
    srtlog()
        .args([
            "aiperf",
            p.to_str().unwrap(),
            "--fail-if",
            "overview.records >= 1",
        ])
        .assert()
        .code(3);
}

/// The library's own warnings (an unreadable file found by the I/O layer)
/// read as the commands' lines, `warning: FILE: what`, naming the file
/// once; they were timestamped log records (`2026-…Z  WARN /proc/self/mem:
/// /proc/self/mem: Input/output error`).
#[cfg(target_os = "linux")]
#[test]
fn library_warnings_read_as_the_commands_lines() {
    let out = srtlog()
        .args(["requests", "summary", "/proc/self/mem"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let warn: Vec<&str> = err.lines().filter(|l| l.contains("Input/output")).collect();
    assert_eq!(warn.len(), 1, "{err}");
    assert!(warn[0].starts_with("warning: /proc/self/mem: "), "{err}");
    assert_eq!(warn[0].matches("/proc/self/mem").count(), 1, "{err}");
}
