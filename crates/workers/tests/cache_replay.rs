//! Series from the Parquet cache (issue 14, "Reuse the cache"): the cached
//! rows, replayed in the recorded parts, give exactly the series and
//! statistics of a fresh parse, for runs whose bucket width doubles while
//! they are read (a 3-hour run, 10,000 one-second buckets exceeded), files
//! cut into many parts (64 KiB chunks, so parts span the reader's batches),
//! TP duplicates and vLLM rows; a cache of the previous layout, or of
//! another `--year`, is not replayed; and `parse` with series reads the
//! logs once.

#![allow(clippy::unwrap_used)]

use srtlog_sim::{Backend, Mode, SimConfig};
use srtlog_workers::cache::{CachePaths, CACHE_FORMAT};
use srtlog_workers::run::{parse_run, CacheStatus, ParseRequest};
use srtlog_workers::series::{GroupBy, SeriesOptions, SeriesSet};
use srtlog_workers::viz::{build, VizRequest};
use srtlog_workers::worker::ParseOptions;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// Small chunks: each file is read in many parts.
fn opts(year: Option<i32>) -> ParseOptions {
    ParseOptions {
        chunk_bytes: 64 << 10,
        year,
        ..ParseOptions::default()
    }
}

fn sglang_run(dir: &Path) {
    let cfg = SimConfig {
        mode: Mode::Disaggregated {
            prefill: 1,
            decode: 1,
        },
        dp: 2,
        tp: 2,
        tp_duplicates: true,
        duration_s: 3 * 3600,
        ..SimConfig::default()
    };
    srtlog_sim::write_run(dir, &cfg).unwrap();
}

fn vllm_run(dir: &Path) {
    let cfg = SimConfig {
        mode: Mode::Aggregated { workers: 2 },
        backend: Backend::Vllm,
        tp: 1,
        duration_s: 3 * 3600,
        spec_decoding: true,
        ..SimConfig::default()
    };
    srtlog_sim::write_run(dir, &cfg).unwrap();
}

/// The series as text: `Debug` shows every float exactly (NaN included,
/// which `==` would call unequal to itself).
fn text(s: &SeriesSet) -> String {
    format!("{s:?}")
}

fn parse(dir: &Path, year: Option<i32>, series: bool) -> srtlog_workers::run::ParseOutcome {
    let req = ParseRequest {
        paths: vec![dir.to_path_buf()],
        use_cache: true,
        options: opts(year),
        series: series.then(SeriesOptions::default),
    };
    parse_run(&req, &AtomicU64::new(0)).unwrap()
}

fn viz(dir: &Path, use_cache: bool, group_by: GroupBy) -> String {
    let req = VizRequest {
        series: SeriesOptions {
            group_by,
            ..SeriesOptions::default()
        },
        options: opts(None),
        use_cache,
        ..VizRequest::new(vec![dir.to_path_buf()])
    };
    let out = build(&req, &AtomicU64::new(0)).unwrap();
    // The summary as its JSON (its `Debug` shows two private memos that a
    // summary read back from JSON recomputes from the timestamps).
    let summary = serde_json::to_string(&out.summary).unwrap();
    format!("{summary}\n{}", text(&out.series))
}

/// Where two long texts part, for a readable failure.
fn first_difference(a: &str, b: &str) -> String {
    let i = a
        .bytes()
        .zip(b.bytes())
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    let from = i.saturating_sub(200);
    format!(
        "at byte {i}:\n  fresh: …{}\n  cache: …{}",
        &a[from..(i + 200).min(a.len())],
        &b[from..(i + 200).min(b.len())]
    )
}

fn replay_equals_fresh(dir: &Path) {
    let fresh = parse(dir, None, true);
    assert!(
        matches!(fresh.cache, CacheStatus::Written(_)),
        "{:?}",
        fresh.cache
    );
    let warm = parse(dir, None, true);
    assert!(
        matches!(warm.cache, CacheStatus::Hit(_)),
        "{:?}",
        warm.cache
    );
    let (a, b) = (fresh.series.unwrap(), warm.series.unwrap());
    assert!(!a.has_no_batches() && !b.has_no_batches());
    let (a, b) = (text(&a), text(&b));
    assert!(a == b, "{}", first_difference(&a, &b));
    for g in [GroupBy::Worker, GroupBy::Dp, GroupBy::All] {
        let (a, b) = (viz(dir, false, g), viz(dir, true, g));
        assert!(a == b, "{g:?}: {}", first_difference(&a, &b));
    }
    // The metadata says how the cache was cut: several parts per file.
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(CachePaths::of(&dir.join("logs")).meta).unwrap())
            .unwrap();
    assert_eq!(meta["format"], CACHE_FORMAT);
    for f in meta["replay"].as_array().unwrap() {
        assert!(f["parts"].as_array().unwrap().len() > 3, "{f}");
    }
}

#[test]
fn sglang_replay_equals_a_fresh_parse() {
    let d = tempfile::tempdir().unwrap();
    sglang_run(d.path());
    replay_equals_fresh(d.path());
    // The run spans more than 10,000 s: the width doubled while reading.
    let s = parse(d.path(), None, true).series.unwrap();
    assert_eq!(s.bucket_s, 2);
}

#[test]
fn vllm_replay_equals_a_fresh_parse() {
    let d = tempfile::tempdir().unwrap();
    vllm_run(d.path());
    replay_equals_fresh(d.path());
}

/// Metadata without the replay data (format 1, as the previous release
/// wrote it) is a miss: the cache is rebuilt, and the series still come.
#[test]
fn a_cache_of_the_previous_layout_is_rebuilt() {
    let d = tempfile::tempdir().unwrap();
    sglang_run(d.path());
    let fresh = parse(d.path(), None, true);
    let meta_path = CachePaths::of(&d.path().join("logs")).meta;
    let mut meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&meta_path).unwrap()).unwrap();
    let m = meta.as_object_mut().unwrap();
    m.remove("format");
    m.remove("replay");
    m.remove("year");
    std::fs::write(&meta_path, serde_json::to_vec(&meta).unwrap()).unwrap();
    // viz does not replay it (nor write the cache): it parses.
    let (a, b) = (
        viz(d.path(), false, GroupBy::Worker),
        viz(d.path(), true, GroupBy::Worker),
    );
    assert!(a == b, "{}", first_difference(&a, &b));
    let again = parse(d.path(), None, true);
    assert!(
        matches!(again.cache, CacheStatus::Written(_)),
        "{:?}",
        again.cache
    );
    assert_eq!(text(&fresh.series.unwrap()), text(&again.series.unwrap()));
    assert!(matches!(
        parse(d.path(), None, false).cache,
        CacheStatus::Hit(_)
    ));
}

/// `--year` changes the rows of vLLM logs: a cache parsed with another
/// year is a miss (it used to be a hit that kept the old year).
#[test]
fn another_year_is_a_miss() {
    let d = tempfile::tempdir().unwrap();
    vllm_run(d.path());
    let first = parse(d.path(), Some(2024), false);
    assert!(matches!(first.cache, CacheStatus::Written(_)));
    assert_eq!(first.summary.workers[0].year, Some(2024));
    assert!(matches!(
        parse(d.path(), Some(2024), false).cache,
        CacheStatus::Hit(_)
    ));
    let other = parse(d.path(), Some(2023), false);
    assert!(
        matches!(other.cache, CacheStatus::Written(_)),
        "{:?}",
        other.cache
    );
    assert_eq!(other.summary.workers[0].year, Some(2023));
}

/// `parse` with series reads each byte of the logs once: the progress
/// counter (bytes scanned) ends at the logs' size, not twice it, and the
/// series are those `viz`/`stats` compute in a pass of their own.
#[test]
fn parse_with_series_reads_the_logs_once() {
    let d = tempfile::tempdir().unwrap();
    sglang_run(d.path());
    let logs = d.path().join("logs");
    let bytes: u64 = std::fs::read_dir(&logs)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.contains("_prefill_") || n.contains("_decode_")
        })
        .map(|e| e.metadata().unwrap().len())
        .sum();
    let progress = AtomicU64::new(0);
    let req = ParseRequest {
        paths: vec![d.path().to_path_buf()],
        use_cache: false,
        options: opts(None),
        series: Some(SeriesOptions::default()),
    };
    let out = parse_run(&req, &progress).unwrap();
    assert_eq!(progress.load(Ordering::Relaxed), bytes);
    assert_eq!(out.summary.totals.bytes, bytes);
    assert!(matches!(out.cache, CacheStatus::Disabled));
    let alone = build(
        &VizRequest {
            options: opts(None),
            use_cache: false,
            ..VizRequest::new(vec![d.path().to_path_buf()])
        },
        &AtomicU64::new(0),
    )
    .unwrap();
    assert_eq!(text(&out.series.unwrap()), text(&alone.series));
}
