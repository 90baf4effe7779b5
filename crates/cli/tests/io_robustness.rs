//! Hostile run folders through the binary (issue 17 items 1, 2 and 6):
//! dangling links, symbolic-link loops and FIFOs beside valid logs. Each
//! command reads the valid log once, reports the bad paths on stderr and
//! exits 0. Every run is guarded by a generous timeout: a hang fails the
//! test (it is not a timed test).

#![allow(clippy::unwrap_used)]

use std::fmt::Write as _;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

mod common;

/// Runs `srtlog args…`; kills it and fails after a minute.
fn srtlog(args: &[&str]) -> Output {
    common::guarded::srtlog_within(Path::new("."), args, Duration::from_secs(60))
}

fn mkfifo(p: &Path) {
    assert!(Command::new("mkfifo").arg(p).status().unwrap().success());
}

fn loops(dir: &Path) {
    symlink(".", dir.join("self")).unwrap();
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    symlink(format!("../{name}"), dir.join("a")).unwrap();
    symlink(format!("../{name}"), dir.join("b")).unwrap();
}

fn json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A run folder with one valid decode worker (300 batch lines).
fn run() -> (tempfile::TempDir, std::path::PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let logs = d.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let mut s = String::new();
    for i in 0..300 {
        writeln!(s, "[2025-12-08 14:{:02}:{:02} TP0] Decode batch, #running-req: 3, #token: {i}, token usage: 0.01, gen throughput (token/s): 12.50, #queue-req: 0, ", i / 60 % 60, i % 60).unwrap();
    }
    std::fs::write(logs.join("n1_decode_w0.out"), s).unwrap();
    (d, logs)
}

#[test]
fn parse_goes_on_past_a_dangling_worker_link_loops_and_a_fifo() {
    let (d, logs) = run();
    symlink(logs.join("gone.out"), logs.join("n2_decode_w0.out")).unwrap();
    mkfifo(&logs.join("n3_prefill_w0.out"));
    loops(&logs);
    let root = d.path().to_str().unwrap();
    let o = srtlog(&["parse", root, "--json", "--no-cache"]);
    let v = json(&o);
    assert_eq!(v["totals"]["workers"], 1);
    assert_eq!(v["totals"]["decode_batches"], 300, "not multiplied");
    let err = stderr(&o);
    assert!(err.contains("n2_decode_w0.out"), "{err}");
    assert!(err.contains("n3_prefill_w0.out"), "{err}");
    assert!(err.contains("symbolic-link loop"), "{err}");
    let skipped = v["skipped"].to_string();
    assert!(skipped.contains("n2_decode_w0.out"), "{skipped}");
    assert!(skipped.contains("n3_prefill_w0.out"), "{skipped}");
}

fn request_log(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "{{\"latency_ms\": {i}, \"timestamp\": {}}}\n",
                1_767_225_600 + i
            )
        })
        .collect()
}

#[test]
fn requests_goes_on_past_a_dangling_log_loops_and_a_fifo() {
    let d = tempfile::tempdir().unwrap();
    let logs = d.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    std::fs::write(logs.join("req0.jsonl"), request_log(1000)).unwrap();
    symlink(logs.join("gone.jsonl"), logs.join("bad.jsonl")).unwrap();
    mkfifo(&logs.join("pipe.jsonl"));
    loops(&logs);
    let o = srtlog(&["requests", "summary", logs.to_str().unwrap(), "--json"]);
    assert_eq!(json(&o)["total_requests"], 1000, "1,000, not 41,000");
    let err = stderr(&o);
    assert!(err.contains("bad.jsonl"), "{err}");
    assert!(err.contains("pipe.jsonl"), "{err}");
}

/// A service folder: one JSON log about request r-1, a dangling log, a
/// FIFO and loops.
fn service() -> (tempfile::TempDir, std::path::PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let logs = d.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let mut s = String::new();
    for i in 0..5 {
        writeln!(s, "{{\"timestamp\":\"2025-01-01T10:00:0{i}Z\",\"level\":\"INFO\",\"message\":\"step {i}\",\"request_id\":\"r-1\"}}").unwrap();
    }
    std::fs::write(logs.join("api.log"), s).unwrap();
    symlink(logs.join("gone.log"), logs.join("bad.log")).unwrap();
    mkfifo(&logs.join("pipe.log"));
    loops(&logs);
    (d, logs)
}

#[test]
fn audit_goes_on_past_unreadable_files_loops_and_a_fifo() {
    let (_d, logs) = service();
    let o = srtlog(&["audit", logs.to_str().unwrap(), "--json"]);
    let v = json(&o);
    let text = v.to_string();
    assert!(text.contains("api.log"), "{text}");
    let err = stderr(&o);
    assert!(err.contains("bad.log") && err.contains("pipe.log"), "{err}");
}

#[test]
fn follow_goes_on_past_unreadable_files_loops_and_a_fifo() {
    let (_d, logs) = service();
    let o = srtlog(&["request", "r-1", logs.to_str().unwrap(), "--json"]);
    let v = json(&o);
    assert_eq!(v["events"].as_array().map(Vec::len), Some(5), "{v}");
    let err = stderr(&o);
    assert!(err.contains("bad.log") && err.contains("pipe.log"), "{err}");
}
