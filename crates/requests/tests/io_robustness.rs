//! Hostile request-log folders (issue 17 items 1, 2, 3, 4 and 6): a
//! dangling file, symbolic-link loops, FIFOs, overlong lines and gzip
//! streams beside a valid log. The valid log is read once, nothing hangs,
//! and every bad path is reported. A hang fails the test through a generous
//! timeout guard.

#![allow(clippy::unwrap_used)]

use srtlog_requests::{load, LoadOptions, RequestLog};
use std::io::Write;
use std::os::unix::fs::symlink;
use std::path::PathBuf;
use std::time::Duration;

fn log(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "{{\"latency_ms\": {i}, \"timestamp\": {}}}\n",
                1_767_225_600 + i
            )
        })
        .collect()
}

/// Loads on another thread; a hang fails the test after a minute.
fn guarded_load(paths: Vec<PathBuf>) -> RequestLog {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(load(&paths, &LoadOptions::default()).unwrap());
    });
    rx.recv_timeout(Duration::from_secs(60))
        .expect("hung (or panicked): see the thread's message above")
}

fn folder() -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let logs = d.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    std::fs::write(logs.join("req0.jsonl"), log(1000)).unwrap();
    (d, logs)
}

#[test]
fn a_dangling_log_is_reported_and_the_valid_one_read() {
    let (_d, logs) = folder();
    symlink(logs.join("gone.jsonl"), logs.join("bad.jsonl")).unwrap();
    let l = guarded_load(vec![logs.clone()]);
    assert_eq!(l.table.len(), 1000);
    let (_, warnings) = srtlog_requests::load::discover(&[logs]).unwrap();
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].path.ends_with("bad.jsonl"));
    assert_eq!(warnings[0].kind, srtlog_io::WarningKind::Unreadable);
}

#[test]
fn symlink_loops_neither_multiply_nor_hang() {
    let (_d, logs) = folder();
    symlink(".", logs.join("self")).unwrap();
    symlink("../logs", logs.join("a")).unwrap();
    symlink("../logs", logs.join("b")).unwrap();
    let l = guarded_load(vec![logs]);
    assert_eq!(l.table.len(), 1000, "1,000 requests, not 41,000");
    assert_eq!(l.files.len(), 1);
}

#[test]
fn a_file_given_twice_counts_once() {
    let (_d, logs) = folder();
    let f = logs.join("req0.jsonl");
    let l = guarded_load(vec![f.clone(), f, logs]);
    assert_eq!(l.table.len(), 1000);
}

#[test]
fn a_fifo_named_like_a_request_log_is_skipped() {
    let (_d, logs) = folder();
    let fifo = logs.join("pipe.jsonl");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let l = guarded_load(vec![logs.clone()]);
    assert_eq!(l.table.len(), 1000);
    let l = guarded_load(vec![fifo, logs.join("req0.jsonl")]);
    assert_eq!(l.table.len(), 1000);
}

#[test]
fn overlong_lines_are_bad_lines_with_their_number() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("big.jsonl");
    let mut text = log(10);
    text.push_str(&"x".repeat(srtlog_requests::load::MAX_LINE_BYTES + 10));
    text.push('\n');
    text.push_str(&log(10));
    std::fs::write(&p, text).unwrap();
    let l = guarded_load(vec![p]);
    assert_eq!(l.table.len(), 20);
    let r = &l.files[0];
    assert_eq!((r.lines, r.bad_lines, r.overlong_lines), (21, 1, 1));
    assert_eq!(r.first_bad[0].0, 11);
    assert!(
        r.first_bad[0].1.contains("longer than"),
        "{:?}",
        r.first_bad
    );
}

#[test]
fn a_truncated_gzip_keeps_the_requests_before() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("cut.jsonl.gz");
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(log(50_000).as_bytes()).unwrap();
    let gz = e.finish().unwrap();
    std::fs::write(&p, &gz[..gz.len() / 2]).unwrap();
    let l = guarded_load(vec![p]);
    let r = &l.files[0];
    assert!(
        r.error.as_deref().is_some_and(|e| e.contains("truncated")),
        "{r:?}"
    );
    assert!(l.table.len() > 10_000, "{}", l.table.len());
    assert_eq!(
        l.table.column("latency_ms").map(|c| c[9_999]),
        Some(9_999.0)
    );
}
