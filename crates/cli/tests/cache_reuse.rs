//! The worker-log Parquet cache from the command line (issue 14): `viz` and
//! `stats` with a valid cache give the output of a fresh parse, byte for
//! byte, and do read the cache (a doctored cache changes their output,
//! `--no-cache` does not); `parse --stats` gives the statistics of `stats`
//! from its one pass over the logs; the cache's bytes do not depend on the
//! number of threads that wrote it.

// Test helpers may panic on unexpected input: that is how a test fails.
#![allow(clippy::unwrap_used)]

use assert_cmd::Command;
use serde_json::Value;
use srtlog::table::arrow_array::cast::AsArray;
use srtlog::table::arrow_array::types::Float64Type;
use srtlog::table::arrow_array::{ArrayRef, Float64Array, RecordBatch};
use srtlog::table::parquet_io::{read_parquet, ParquetSink};
use srtlog_sim::{Mode, SimConfig};
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn srtlog() -> Command {
    let mut c = Command::cargo_bin("srtlog").expect("binary builds");
    c.env_remove("RUST_LOG");
    c
}

fn out(args: &[&str]) -> Vec<u8> {
    let o = srtlog().args(args).output().unwrap();
    assert!(
        o.status.success(),
        "srtlog {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o.stdout
}

/// A 3-hour run (so the bucket width doubles while it is read) of DP2/TP2
/// workers that also print TP duplicates.
fn run(dir: &Path) -> PathBuf {
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
    dir.join("logs")
}

fn cache_dir(logs: &Path) -> PathBuf {
    logs.join("cached_assets")
}

/// The outputs of `stats --json`, `stats --csv` and `viz`.
struct Outputs {
    json: Vec<u8>,
    csv: Vec<u8>,
    html: Vec<u8>,
}

fn outputs(run: &Path, work: &Path, extra: &[&str]) -> Outputs {
    let r = run.to_str().unwrap();
    let mut a = vec!["stats", r, "--json"];
    a.extend(extra);
    let json = out(&a);
    let csv = work.join("s.csv");
    let mut a = vec!["stats", r, "--csv", csv.to_str().unwrap()];
    a.extend(extra);
    out(&a);
    let html = work.join("r.html");
    let mut a = vec!["viz", r, "-o", html.to_str().unwrap(), "-q"];
    a.extend(extra);
    out(&a);
    Outputs {
        json,
        csv: std::fs::read(&csv).unwrap(),
        html: std::fs::read(&html).unwrap(),
    }
}

fn parse_stats_json(run: &Path, extra: &[&str]) -> Value {
    let mut a = vec!["parse", run.to_str().unwrap(), "--stats", "--json"];
    a.extend(extra);
    let mut v: Value = serde_json::from_slice(&out(&a)).unwrap();
    // The one key that says where the figures came from.
    v.as_object_mut().unwrap().remove("cache");
    v
}

#[test]
fn warm_cache_gives_the_fresh_output_and_is_read() {
    let d = tempfile::tempdir().unwrap();
    let logs = run(d.path());
    let work = tempfile::tempdir().unwrap();

    // No cache: viz and stats parse, and write no cache.
    let fresh = outputs(d.path(), work.path(), &[]);
    assert!(!cache_dir(&logs).exists(), "viz/stats wrote a cache");
    let fresh_parse = parse_stats_json(d.path(), &["--no-cache"]);

    let v: Value =
        serde_json::from_slice(&out(&["parse", d.path().to_str().unwrap(), "--json"])).unwrap();
    assert_eq!(v["cache"]["status"], "written");

    // A warm cache: the same bytes. The report embeds the inputs as given
    // and no time of day, so no normalising is needed: the same command
    // line gives the same file.
    let warm = outputs(d.path(), work.path(), &[]);
    assert!(warm.json == fresh.json, "stats --json differs");
    assert!(warm.csv == fresh.csv, "stats --csv differs");
    assert!(warm.html == fresh.html, "the viz report differs");
    let s: Value = serde_json::from_slice(&warm.json).unwrap();
    assert_eq!(s["bucket_s"], 2, "the 3-hour run has 2-s buckets");
    assert!(s["stats"].as_array().unwrap().len() > 10);

    // parse --stats from the cache, and in the one pass of --no-cache: the
    // statistics of `stats`, and the summary of `parse`.
    let warm_parse = parse_stats_json(d.path(), &[]);
    assert_eq!(warm_parse, fresh_parse);
    assert_eq!(warm_parse["stats"], s["stats"]);

    // The cache is what they read: doubling one column of the cached rows
    // (same row count, so the cache stays valid) doubles that statistic;
    // --no-cache still reads the logs.
    let pq = cache_dir(&logs).join("node_metrics.parquet");
    doctor(&pq, "gen_throughput", 2.0);
    let doctored: Value =
        serde_json::from_slice(&out(&["stats", d.path().to_str().unwrap(), "--json"])).unwrap();
    let mean = |v: &Value| {
        v["stats"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["metric"] == "gen_throughput")
            .unwrap()["mean"]
            .as_f64()
            .unwrap()
    };
    let ratio = mean(&doctored) / mean(&s);
    assert!((ratio - 2.0).abs() < 1e-9, "ratio {ratio}");
    let p = parse_stats_json(d.path(), &[]);
    assert!((mean(&p) / mean(&s) - 2.0).abs() < 1e-9);
    let no_cache = outputs(d.path(), work.path(), &["--no-cache"]);
    assert!(no_cache.json == fresh.json && no_cache.html == fresh.html);
}

/// Multiplies the Float64 column `name` of a Parquet file by `k`, in place.
fn doctor(path: &Path, name: &str, k: f64) {
    let batches = read_parquet(path, None).unwrap();
    let schema = batches[0].schema();
    let i = schema.index_of(name).unwrap();
    let mut sink = ParquetSink::create(path, schema.clone()).unwrap();
    for b in &batches {
        let col: Float64Array = b
            .column(i)
            .as_primitive::<Float64Type>()
            .iter()
            .map(|v| v.map(|x| x * k))
            .collect();
        let mut cols: Vec<ArrayRef> = b.columns().to_vec();
        cols[i] = Arc::new(col);
        sink.write(&RecordBatch::try_new(schema.clone(), cols).unwrap())
            .unwrap();
    }
    sink.finish().unwrap();
}

/// `parse --stats` takes its statistics from its own pass: the analysis of
/// `srtlog stats` (its own discovery and parse, which logs "analysis
/// finished") never runs, with or without the cache.
#[test]
fn parse_stats_reads_the_logs_once() {
    let d = tempfile::tempdir().unwrap();
    run(d.path());
    for extra in [["--no-cache"].as_slice(), &[], &[]] {
        let mut a = vec!["parse", d.path().to_str().unwrap(), "--stats"];
        a.extend(extra);
        let o = srtlog().env("RUST_LOG", "info").args(&a).output().unwrap();
        assert!(o.status.success());
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.matches("parse finished").count(), 1, "{err}");
        assert!(!err.contains("analysis finished"), "{err}");
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(text.contains(": statistics"), "{text}");
    }
}

/// The cache written with one thread and with two is the same file.
#[test]
fn cache_bytes_do_not_depend_on_the_thread_count() {
    let d = tempfile::tempdir().unwrap();
    let logs = run(d.path());
    let pq = cache_dir(&logs).join("node_metrics.parquet");
    let mut files = Vec::new();
    for threads in ["1", "2"] {
        let _ = std::fs::remove_dir_all(cache_dir(&logs));
        srtlog()
            .env("RAYON_NUM_THREADS", threads)
            .args(["parse", d.path().to_str().unwrap(), "-q"])
            .assert()
            .success();
        files.push(std::fs::read(&pq).unwrap());
    }
    assert!(files[0].len() > 10_000);
    assert!(
        files[0] == files[1],
        "1 and 2 threads wrote different caches"
    );
}

/// Worker files without rows (start-up lines only: a server that never
/// served) first and last among the files: from the cache, `stats` and
/// `viz` give the fresh output. Their rows would start at the cache's end,
/// past its last row group, where the replay's reader of that file used to
/// panic.
#[test]
fn files_without_rows_replay_as_they_parse() {
    let d = tempfile::tempdir().unwrap();
    let logs = run(d.path());
    let startup = "[2025-11-04 05:32:30] server_args=ServerArgs(model_path='m', tp_size=2)\n";
    for name in ["aaa-node01_decode_w0.out", "zzz-node09_prefill_w9.out"] {
        std::fs::write(logs.join(name), startup).unwrap();
    }
    let work = tempfile::tempdir().unwrap();
    let fresh = outputs(d.path(), work.path(), &["--no-cache"]);
    let v: Value =
        serde_json::from_slice(&out(&["parse", d.path().to_str().unwrap(), "--json"])).unwrap();
    assert_eq!(v["cache"]["status"], "written");
    assert_eq!(v["workers"].as_array().unwrap().len(), 4, "{v}");
    // The two files hold no row (the cache's metadata lists no part).
    let meta: Value = serde_json::from_slice(
        &std::fs::read(cache_dir(&logs).join("cache_metadata.json")).unwrap(),
    )
    .unwrap();
    let parts: Vec<usize> = meta["replay"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["parts"].as_array().unwrap().len())
        .collect();
    assert_eq!((parts[0], parts[3]), (0, 0), "{parts:?}");
    let warm = outputs(d.path(), work.path(), &[]);
    assert!(warm.json == fresh.json, "stats --json differs");
    assert!(warm.html == fresh.html, "the viz report differs");
}

/// Copies `from` into `to`, recursively (the real runs are copied so that
/// their caches are written beside the copy, never into `../shared`).
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// `stats --json` and `viz` of `run` with `extra` arguments: each one's
/// exit status, output (the report's bytes for `viz`) and errors.
fn attempt(run: &Path, work: &Path, extra: &[&str]) -> Vec<(bool, Vec<u8>, Vec<u8>)> {
    let r = run.to_str().unwrap();
    let html = work.join("r.html");
    let _ = std::fs::remove_file(&html);
    let commands: [Vec<&str>; 2] = [
        vec!["stats", r, "--json"],
        vec!["viz", r, "-o", html.to_str().unwrap(), "-q"],
    ];
    commands
        .into_iter()
        .map(|mut a| {
            a.extend(extra);
            let o = srtlog().args(&a).output().unwrap();
            let body = if a[0] == "viz" {
                std::fs::read(&html).unwrap_or_default()
            } else {
                o.stdout
            };
            (o.status.success(), body, o.stderr)
        })
        .collect()
}

/// Every real run with worker logs in `../shared/data`, SGLang and vLLM,
/// and the failed runs (servers that never served, files without rows):
/// once `parse` has written the cache, `stats --json` and `viz` from it
/// give a fresh parse's bytes, or its error (a run of start-up lines only
/// has nothing to analyse).
#[test]
fn every_real_run_replays_as_it_parses() {
    let Some(data) = srtlog_testutil::shared_data() else {
        return;
    };
    let mut analysed = 0;
    for run in [
        "dgx-spark-sostrowsk",
        "failures",
        "sglang-ci-dp-iter-v0.5.4",
        "sglang-ci-dp8-v0.5.5.post2",
        "sglang-ci-pd-v0.5.3.post3",
        "sglang-ci-tp-v0.5.3.post1",
        "vllm-0.25.1-er0080",
        "vllm-0.6.3-structrag",
        "vllm-0.9.0.1-production-stack",
    ] {
        let d = tempfile::tempdir().unwrap();
        let copy = d.path().join(run);
        copy_dir(&data.join(run), &copy);
        let work = tempfile::tempdir().unwrap();
        let fresh = attempt(&copy, work.path(), &["--no-cache"]);
        let v: Value =
            serde_json::from_slice(&out(&["parse", copy.to_str().unwrap(), "--json"])).unwrap();
        assert_eq!(v["cache"]["status"], "written", "{run}");
        let warm = attempt(&copy, work.path(), &[]);
        for (what, (w, f)) in ["stats --json", "viz"].iter().zip(warm.iter().zip(&fresh)) {
            assert!(w == f, "{run}: {what} differs with the cache");
        }
        analysed += usize::from(fresh.iter().all(|(ok, ..)| *ok));
    }
    // Most runs have rows to analyse; the others must fail alike.
    assert!(analysed >= 7, "{analysed} runs analysed");
}
