//! The Parquet cache of a logs folder (issue 17 item 8, issue 11 atomic
//! output): its metadata is written atomically (no `.tmp` left beside it),
//! a broken or stale Parquet file is rebuilt rather than trusted, a relative
//! and an absolute spelling of one folder share the cache, and an edit
//! whose mtime was put back is still noticed.

#![allow(clippy::unwrap_used)]

use srtlog_workers::cache::{CachePaths, CACHE_DIR};
use srtlog_workers::run::{parse_run, CacheStatus, ParseRequest};
use srtlog_workers::worker::ParseOptions;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;

/// `n` SGLang decode batch lines, one a second, `#token` = the line number.
fn decode_log(n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        writeln!(s, "[2025-12-08 14:{:02}:{:02} TP0] Decode batch, #running-req: 3, #token: {i}, token usage: 0.01, gen throughput (token/s): 12.50, #queue-req: 0, ", i / 60 % 60, i % 60).unwrap();
    }
    s
}

/// A run folder `logs/` with one decode worker of 300 lines.
fn run_folder() -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let logs = d.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    std::fs::write(logs.join("n1_decode_w0.out"), decode_log(300)).unwrap();
    (d, logs)
}

fn parse(path: &Path) -> CacheStatus {
    let req = ParseRequest {
        paths: vec![path.to_path_buf()],
        use_cache: true,
        options: ParseOptions::default(),
        series: None,
    };
    parse_run(&req, &AtomicU64::new(0)).unwrap().cache
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn the_metadata_is_written_atomically_and_leaves_no_temporary() {
    let (_d, logs) = run_folder();
    let cache = logs.join(CACHE_DIR);
    std::fs::create_dir(&cache).unwrap();
    // A killed run's temporary (no process has this pid).
    let stale = cache.join(".cache_metadata.json.2147483632.tmp");
    std::fs::write(&stale, "{half").unwrap();
    assert!(matches!(parse(&logs), CacheStatus::Written(_)));
    assert_eq!(
        names_in(&cache),
        ["cache_metadata.json", "node_metrics.parquet"]
    );
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(cache.join("cache_metadata.json")).unwrap()).unwrap();
    assert_eq!(meta["rows"], 300);
    assert!(matches!(parse(&logs), CacheStatus::Hit(_)));
}

#[test]
fn a_truncated_or_empty_parquet_file_is_rebuilt_not_a_hit() {
    let (_d, logs) = run_folder();
    assert!(matches!(parse(&logs), CacheStatus::Written(_)));
    let pq = CachePaths::of(&logs).parquet;
    let full = std::fs::read(&pq).unwrap();
    std::fs::write(&pq, &full[..full.len() / 2]).unwrap();
    assert!(matches!(parse(&logs), CacheStatus::Written(_)), "truncated");
    assert_eq!(std::fs::read(&pq).unwrap().len(), full.len());
    std::fs::write(&pq, b"").unwrap();
    assert!(matches!(parse(&logs), CacheStatus::Written(_)), "empty");
    assert!(matches!(parse(&logs), CacheStatus::Hit(_)));
}

#[test]
fn a_parquet_file_with_other_rows_is_rebuilt() {
    let (_d, logs) = run_folder();
    assert!(matches!(parse(&logs), CacheStatus::Written(_)));
    let pq = CachePaths::of(&logs).parquet;
    let full = std::fs::read(&pq).unwrap();
    // Another run's cache (fewer rows) copied over this one.
    let (_o, other) = run_folder();
    std::fs::write(other.join("n1_decode_w0.out"), decode_log(10)).unwrap();
    assert!(matches!(parse(&other), CacheStatus::Written(_)));
    std::fs::copy(CachePaths::of(&other).parquet, &pq).unwrap();
    assert!(matches!(parse(&logs), CacheStatus::Written(_)));
    assert_eq!(std::fs::read(&pq).unwrap().len(), full.len());
}

#[test]
fn an_absolute_then_a_relative_path_share_the_cache() {
    let (d, logs) = run_folder();
    assert!(matches!(parse(&logs), CacheStatus::Written(_)));
    // The relative spelling, from the temporary folder (the test's working
    // directory is not changed: the relative path is built against it).
    let cwd = std::env::current_dir().unwrap();
    let rel = pathdiff(&logs, &cwd);
    assert!(rel.is_relative());
    assert!(matches!(parse(&rel), CacheStatus::Hit(_)), "{rel:?}");
    drop(d);
}

/// `to` relative to `from` (both absolute), with `..` components.
fn pathdiff(to: &Path, from: &Path) -> PathBuf {
    let to: Vec<_> = to.components().collect();
    let from: Vec<_> = from.components().collect();
    let common = to.iter().zip(&from).take_while(|(a, b)| a == b).count();
    let mut p = PathBuf::new();
    for _ in common..from.len() {
        p.push("..");
    }
    for c in &to[common..] {
        p.push(c);
    }
    p
}

#[test]
fn a_same_size_edit_with_its_mtime_restored_is_noticed() {
    let (_d, logs) = run_folder();
    let src = logs.join("n1_decode_w0.out");
    // 3,000 lines (about 400 KiB): line 1,500 is outside the hashed first
    // and last 64 KiB.
    std::fs::write(&src, decode_log(3000)).unwrap();
    assert!(matches!(parse(&logs), CacheStatus::Written(_)));
    let mtime = std::fs::metadata(&src).unwrap().modified().unwrap();
    // One digit changed in the middle: same size, same head and tail.
    let text = std::fs::read_to_string(&src).unwrap();
    let edited = text.replacen("#token: 1500,", "#token: 1501,", 1);
    assert_ne!(edited, text);
    assert_eq!(edited.len(), text.len());
    std::fs::write(&src, &edited).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&src)
        .unwrap()
        .set_times(std::fs::FileTimes::new().set_modified(mtime))
        .unwrap();
    assert_eq!(std::fs::metadata(&src).unwrap().modified().unwrap(), mtime);
    assert!(matches!(parse(&logs), CacheStatus::Written(_)));
}
