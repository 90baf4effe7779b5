//! Hostile run folders (issue 17 items 1, 2, 4 and 6): symbolic-link loops,
//! FIFOs, dangling links and overlong lines beside a valid worker log. The
//! valid worker is parsed once, nothing hangs, and every bad path is
//! reported. A hang fails the test through a generous timeout guard.

#![allow(clippy::unwrap_used)]

use srtlog_formats::sglang::BatchKind;
use srtlog_io::WarningKind;
use srtlog_workers::discover::discover;
use srtlog_workers::worker::{parse_files, ParseOptions, WorkerLog};
use std::fmt::Write as _;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::time::Duration;

fn decode_log(n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        writeln!(s, "[2025-12-08 14:{:02}:{:02} TP0] Decode batch, #running-req: 3, #token: {i}, token usage: 0.01, gen throughput (token/s): 12.50, #queue-req: 0, ", i / 60 % 60, i % 60).unwrap();
    }
    s
}

/// Runs `f` on another thread; a hang fails the test after a minute.
fn guarded<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(60))
        .expect("hung (or panicked): see the thread's message above")
}

fn parse_all(paths: Vec<PathBuf>) -> (Vec<WorkerLog>, Vec<srtlog_io::Warning>) {
    guarded(move || {
        let d = discover(&paths).unwrap();
        let mut logs = Vec::new();
        parse_files(
            &d.files,
            &ParseOptions::default(),
            &AtomicU64::new(0),
            |w| {
                logs.push(w);
                Ok(())
            },
        )
        .unwrap();
        (logs, d.warnings)
    })
}

fn run_with_valid_worker() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    std::fs::write(logs.join("n1_decode_w0.out"), decode_log(300)).unwrap();
    (dir, logs)
}

fn kinds(w: &[srtlog_io::Warning]) -> Vec<WarningKind> {
    w.iter().map(|w| w.kind).collect()
}

#[test]
fn a_dangling_worker_link_does_not_stop_the_valid_worker() {
    let (dir, logs) = run_with_valid_worker();
    symlink(logs.join("gone.out"), logs.join("n2_decode_w0.out")).unwrap();
    let (parsed, warnings) = parse_all(vec![dir.path().to_path_buf()]);
    assert_eq!(parsed.len(), 1);
    assert_eq!(parsed[0].batches(BatchKind::Decode), 300);
    assert_eq!(kinds(&warnings), [WarningKind::Unreadable]);
    assert!(warnings[0].path.ends_with("n2_decode_w0.out"));
}

#[test]
fn symlink_loops_neither_multiply_nor_hang() {
    let (dir, logs) = run_with_valid_worker();
    symlink(".", logs.join("self")).unwrap();
    symlink("../logs", logs.join("a")).unwrap();
    symlink("../logs", logs.join("b")).unwrap();
    let (parsed, warnings) = parse_all(vec![dir.path().to_path_buf()]);
    assert_eq!(parsed.len(), 1, "one worker, not one per link");
    assert_eq!(parsed[0].batch_lines(BatchKind::Decode), 300);
    assert_eq!(kinds(&warnings), [WarningKind::Loop; 3]);
}

#[test]
fn a_file_given_twice_counts_once() {
    let (_dir, logs) = run_with_valid_worker();
    let f = logs.join("n1_decode_w0.out");
    let (parsed, _) = parse_all(vec![f.clone(), f, logs.clone()]);
    assert_eq!(parsed.len(), 1);
    assert_eq!(parsed[0].batch_lines(BatchKind::Decode), 300);
}

#[test]
fn a_fifo_named_like_a_worker_is_skipped_unopened() {
    let (dir, logs) = run_with_valid_worker();
    let fifo = logs.join("n3_prefill_w0.out");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let (parsed, warnings) = parse_all(vec![dir.path().to_path_buf()]);
    assert_eq!(parsed.len(), 1);
    assert_eq!(kinds(&warnings), [WarningKind::NotRegular]);
    // Given by name, it is skipped too.
    let (parsed, warnings) = parse_all(vec![fifo, logs.join("n1_decode_w0.out")]);
    assert_eq!(parsed.len(), 1);
    assert_eq!(kinds(&warnings), [WarningKind::NotRegular]);
}

fn overlong_log() -> String {
    let mut s = decode_log(100);
    s.push_str(&"\0".repeat(3 << 20));
    s.push('\n');
    s.push_str(&decode_log(100));
    s
}

fn check_overlong(path: &Path) {
    let p = path.to_path_buf();
    let log = guarded(move || srtlog_workers::worker::parse_one(&p, true).unwrap());
    assert_eq!(log.batch_lines(BatchKind::Decode), 200);
    let msgs: Vec<&str> = log.warnings.iter().map(|w| w.message.as_str()).collect();
    assert!(
        msgs.iter()
            .any(|m| m
                .starts_with("1 lines longer than 1048576 bytes were skipped (first at line 101)")),
        "{msgs:?}"
    );
    // Rows after the long line keep their line numbers.
    let lines: u64 = log.table.iter().map(|b| b.num_rows() as u64).sum();
    assert_eq!(lines, 200);
}

#[test]
fn overlong_lines_are_skipped_with_their_line_number() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("n1_decode_w0.out");
    std::fs::write(&plain, overlong_log()).unwrap();
    check_overlong(&plain);
    let gz = dir.path().join("n1_decode_w0.out.gz");
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut e, overlong_log().as_bytes()).unwrap();
    std::fs::write(&gz, e.finish().unwrap()).unwrap();
    check_overlong(&gz);
}
