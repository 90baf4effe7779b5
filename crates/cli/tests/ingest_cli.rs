//! `srtlog ingest`: the dataset of simulated and real runs, checked against
//! the figures the other commands print for the same runs (`parse --json`,
//! `requests summary --json`, `snapshots --json`) and against grep counts;
//! re-ingest reads only what is new or changed (from the `--json` summary
//! and the manifest); a corrupt or unreadable file is a warning; an
//! interrupted ingest's temporary is removed and the work completed.

// Test helpers may panic on unexpected input: that is how a test fails.
#![allow(clippy::unwrap_used)]

use assert_cmd::Command;
use serde_json::Value;
use srtlog::table::arrow_array::{cast::AsArray, Array, RecordBatch};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn srtlog() -> Command {
    let mut c = Command::cargo_bin("srtlog").expect("binary builds");
    c.env_remove("RUST_LOG");
    c
}

fn run_ok(args: &[&str]) -> Value {
    let out = srtlog().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "srtlog {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
}

fn sim(args: &[&str]) {
    let out = srtlog()
        .arg("simulate")
        .args(args)
        .arg("-q")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Run 1: 2 prefill + 1 decode SGLang workers, a request log, an AIPerf
/// export. Run 2: 2 aggregated vLLM workers and a snapshot folder.
fn two_runs(root: &Path) -> (PathBuf, PathBuf) {
    let r1 = root.join("sweep").join("conc8");
    let r2 = root.join("sweep").join("conc16");
    sim(&["workers", s(&r1), "--duration", "2m"]);
    sim(&[
        "requests",
        s(&r1.join("requests/requests.jsonl")),
        "--count",
        "1500",
    ]);
    std::fs::create_dir_all(r1.join("aiperf")).unwrap();
    sim(&[
        "aiperf",
        s(&r1.join("aiperf/profile_export.jsonl")),
        "--count",
        "200",
    ]);
    sim(&[
        "workers",
        s(&r2),
        "--mode",
        "agg",
        "--variant",
        "vllm",
        "--duration",
        "2m",
        "--rng",
        "7",
    ]);
    sim(&[
        "snapshots",
        s(&r2.join("metrics_snapshots")),
        "--count",
        "25",
    ]);
    (r1, r2)
}

fn ingest(runs: &[&Path], into: &Path) -> Value {
    let mut args = vec!["ingest"];
    args.extend(runs.iter().map(|r| s(r)));
    args.extend(["--into", s(into), "--json"]);
    run_ok(&args)
}

/// Every partition file of a table: (relative path, batches).
fn parts(ds: &Path, table: &str) -> Vec<(String, Vec<RecordBatch>)> {
    let mut out = Vec::new();
    let mut stack = vec![ds.join(table)];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                assert!(
                    !name.starts_with('.'),
                    "a temporary file is left: {}",
                    p.display()
                );
                let b = srtlog::table::parquet_io::read_parquet(&p, None).unwrap();
                out.push((p.strip_prefix(ds).unwrap().display().to_string(), b));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The `key=value` Hive levels of a relative path.
fn hive(rel: &str) -> BTreeMap<String, String> {
    rel.split('/')
        .filter_map(|c| c.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A string column's values; the partition keys are dictionaries in the
/// files (for pyarrow's Hive discovery), the other strings plain.
fn strings(b: &RecordBatch, col: &str) -> Vec<String> {
    use srtlog::table::arrow_array::types::Int32Type;
    let c = b.column_by_name(col).unwrap();
    if let Some(d) = c.as_dictionary_opt::<Int32Type>() {
        let v = d.values().as_string::<i32>();
        return d
            .keys()
            .iter()
            .map(|k| v.value(k.unwrap() as usize).to_string())
            .collect();
    }
    let a = c.as_string::<i32>();
    (0..a.len()).map(|i| a.value(i).to_string()).collect()
}

/// Rows per (run, worker_type) of node_metrics, and per run of the others;
/// checks that every file's `run` column agrees with its folder.
fn counts(ds: &Path, table: &str) -> BTreeMap<(String, String), u64> {
    let mut m = BTreeMap::new();
    for (rel, batches) in parts(ds, table) {
        let h = hive(&rel);
        let run = h.get("run").unwrap().clone();
        let wt = h.get("worker_type").cloned().unwrap_or_default();
        for b in &batches {
            assert!(strings(b, "run").iter().all(|r| *r == run), "{rel}");
            if !wt.is_empty() {
                assert!(strings(b, "worker_type").iter().all(|w| *w == wt), "{rel}");
            }
            *m.entry((run.clone(), wt.clone())).or_default() += b.num_rows() as u64;
        }
    }
    m
}

/// node_metrics rows of a run per worker type, from `srtlog parse --json`:
/// batch lines (duplicates included), memory snapshots, statistics lines.
fn parse_rows(run: &Path) -> BTreeMap<String, u64> {
    let v = run_ok(&["parse", s(run), "--json", "--no-cache"]);
    let mut m = BTreeMap::new();
    for w in v["workers"].as_array().unwrap() {
        let n: u64 = [
            "prefill_lines",
            "decode_lines",
            "memory_snapshots",
            "stats_lines",
        ]
        .iter()
        .map(|k| w[*k].as_u64().unwrap_or(0))
        .sum();
        *m.entry(w["worker_type"].as_str().unwrap().to_string())
            .or_default() += n;
    }
    m
}

#[test]
fn two_runs_match_the_cli_figures() {
    let d = tempfile::tempdir().unwrap();
    let (r1, r2) = two_runs(d.path());
    let ds = d.path().join("fleet");
    let sum = ingest(&[&r1, &r2], &ds);
    let nm = counts(&ds, "node_metrics");
    for (run, id) in [(&r1, "conc8"), (&r2, "conc16")] {
        for (wt, n) in parse_rows(run) {
            assert_eq!(nm.get(&(id.to_string(), wt.clone())), Some(&n), "{id} {wt}");
            // Each worker type is in one run only here: the totals equal it.
            assert_eq!(sum["node_metrics_by_worker_type"][&wt].as_u64(), Some(n));
        }
    }
    assert_eq!(
        nm.len(),
        3,
        "prefill and decode of conc8, agg of conc16: {nm:?}"
    );
    // Requests: the request log and the AIPerf export, as `requests` reads them.
    let req = run_ok(&["requests", "summary", s(&r1), "--json"]);
    let rq = counts(&ds, "requests");
    assert_eq!(
        rq[&("conc8".into(), String::new())],
        req["total_requests"].as_u64().unwrap()
    );
    assert_eq!(
        rq[&("conc8".into(), String::new())],
        1700,
        "1500 logged + 200 AIPerf"
    );
    assert_eq!(
        counts(&ds, "aiperf_records")[&("conc8".into(), String::new())],
        200
    );
    let snap = run_ok(&["snapshots", s(&r2.join("metrics_snapshots")), "--json"]);
    let pairs = snap["requests"].as_array().map_or(0, |a| a.len() as u64);
    assert_eq!(pairs, 25);
    assert_eq!(
        counts(&ds, "snapshot_pairs")[&("conc16".into(), String::new())],
        pairs
    );
    // The summary agrees with the files, and the runs table with both.
    for t in [
        "node_metrics",
        "requests",
        "aiperf_records",
        "snapshot_pairs",
    ] {
        let files: u64 = counts(&ds, t).values().sum();
        assert_eq!(sum["rows_total"][t].as_u64().unwrap(), files, "{t}");
    }
    let runs = parts(&ds, "runs");
    assert_eq!(runs.len(), 2);
    for (rel, b) in &runs {
        assert!(rel.ends_with("part-0.parquet"), "{rel}");
        let id = hive(rel)["run"].clone();
        let get = |c: &str| {
            b[0].column_by_name(c)
                .unwrap()
                .as_primitive::<srtlog::table::arrow_array::types::Int64Type>()
                .value(0) as u64
        };
        let nm_rows: u64 = nm
            .iter()
            .filter(|((r, _), _)| *r == id)
            .map(|(_, n)| n)
            .sum();
        assert_eq!(get("node_metrics_rows"), nm_rows);
        if id == "conc8" {
            assert_eq!((get("prefill_workers"), get("decode_workers")), (2, 1));
            assert_eq!(get("requests_rows"), 1700);
        }
    }
    // Portable types only: no unsigned integers or nanoseconds, and no
    // dictionaries but the partition keys.
    for t in [
        "node_metrics",
        "requests",
        "aiperf_records",
        "snapshot_pairs",
        "runs",
    ] {
        for (rel, b) in parts(&ds, t) {
            let schema = b[0].schema();
            let rest: Vec<_> = schema
                .fields()
                .iter()
                .filter(|f| f.name() != "run" && f.name() != "worker_type")
                .map(|f| f.as_ref().clone())
                .collect();
            let rest = srtlog::table::arrow_schema::Schema::new(rest);
            assert!(srtlog::dataset::schema::portable(&rest), "{rel}");
            assert_eq!(schema.field(0).name(), "run");
        }
    }
    assert!(ds.join("_srtlog_manifest.json").is_file());
}

#[test]
fn reingest_reads_only_the_new_run_and_the_changed_file() {
    let d = tempfile::tempdir().unwrap();
    let (r1, r2) = two_runs(d.path());
    let ds = d.path().join("fleet");
    let first = ingest(&[&r1], &ds);
    assert_eq!(first["runs"][0]["skipped"], 0);
    let second = ingest(&[&r1, &r2], &ds);
    let runs = second["runs"].as_array().unwrap();
    assert_eq!(runs[0]["parsed"], 0, "{second}");
    assert_eq!(runs[0]["skipped"], runs[0]["sources"]);
    assert_eq!(runs[1]["parsed"], runs[1]["sources"]);
    assert_eq!(second["files_skipped"], first["files_parsed"]);
    let rows: u64 = second["rows_written"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    let r2_rows: u64 = counts(&ds, "node_metrics")
        .iter()
        .chain(counts(&ds, "snapshot_pairs").iter())
        .filter(|((r, _), _)| r == "conc16")
        .map(|(_, n)| n)
        .sum();
    assert_eq!(rows, r2_rows, "only the new run's rows are written");
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(ds.join("_srtlog_manifest.json")).unwrap())
            .unwrap();
    let ids: Vec<&String> = manifest["runs"].as_object().unwrap().keys().collect();
    assert_eq!(ids, ["conc16", "conc8"]);
    // One request more: only that file is read again, and its part replaced.
    let log = r1.join("requests/requests.jsonl");
    let mut text = std::fs::read_to_string(&log).unwrap();
    let first_line = text.lines().next().unwrap().to_string();
    text.push_str(&first_line);
    text.push('\n');
    std::fs::write(&log, text).unwrap();
    let third = ingest(&[&r1, &r2], &ds);
    assert_eq!(third["files_parsed"], 1, "{third}");
    assert_eq!(third["rows_written"]["requests"], 1501);
    assert_eq!(
        counts(&ds, "requests")[&("conc8".into(), String::new())],
        1701
    );
    // A run of the same name elsewhere gets an id with a hash, the first keeps its own.
    let other = d.path().join("other").join("conc8");
    sim(&["workers", s(&other), "--duration", "1m"]);
    let fourth = ingest(&[&r1, &other], &ds);
    let id = fourth["runs"][1]["id"].as_str().unwrap();
    assert_eq!(fourth["runs"][0]["id"], "conc8");
    assert!(
        id.starts_with("conc8-") && id.len() == "conc8-".len() + 8,
        "{id}"
    );
}

#[test]
fn corrupt_and_unreadable_files_are_warnings() {
    let d = tempfile::tempdir().unwrap();
    let run = d.path().join("run");
    sim(&["workers", s(&run), "--duration", "1m"]);
    // A gzip worker log cut after its header; a FIFO and a dangling link
    // named like request logs.
    std::fs::write(
        run.join("logs/n9_prefill_w0.out.gz"),
        b"\x1f\x8b\x08\x00\x00\x00",
    )
    .unwrap();
    let fifo = run.join("logs/requests.jsonl");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    std::os::unix::fs::symlink(d.path().join("gone.jsonl"), run.join("logs/old.jsonl")).unwrap();
    let ds = d.path().join("fleet");
    let out = srtlog()
        .args(["ingest", s(&run), "--into", s(&ds), "--json"])
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let w = v["warnings"].as_array().unwrap();
    let about = |name: &str| {
        w.iter()
            .any(|x| x["path"].as_str().unwrap().ends_with(name))
    };
    assert!(about("n9_prefill_w0.out.gz"), "{w:?}");
    assert!(about("requests.jsonl"), "{w:?}");
    assert!(about("old.jsonl"), "{w:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning:") && stderr.contains("n9_prefill_w0.out.gz"),
        "{stderr}"
    );
    // The good workers are in; the warnings table holds the worker-log one.
    assert_eq!(
        parse_rows(&run).values().sum::<u64>(),
        counts(&ds, "node_metrics").values().sum::<u64>()
    );
    let wt = parts(&ds, "warnings");
    assert_eq!(wt.len(), 1);
    assert!(strings(&wt[0].1[0], "path")
        .iter()
        .any(|p| p.ends_with("n9_prefill_w0.out.gz")));
}

#[test]
fn an_interrupted_ingest_leaves_no_half_file_and_the_next_completes() {
    let d = tempfile::tempdir().unwrap();
    let (r1, r2) = two_runs(d.path());
    let ds = d.path().join("fleet");
    ingest(&[&r1], &ds);
    // As a `kill -9` while conc16 was written leaves it: the manifest knows
    // conc8 only, and a half partition file under its temporary name
    // (`.{name}.{pid}.tmp`, pid of a process that is gone).
    let dir = ds.join("node_metrics/run=conc16/worker_type=agg");
    std::fs::create_dir_all(&dir).unwrap();
    let stale = dir.join(".part-0000000000000000.parquet.4194999.tmp");
    std::fs::write(&stale, b"PAR1 half a file").unwrap();
    let v = ingest(&[&r1, &r2], &ds);
    assert_eq!(v["stale_removed"], 1);
    assert!(!stale.exists());
    assert_eq!(v["runs"][0]["parsed"], 0);
    assert_eq!(v["runs"][1]["parsed"], v["runs"][1]["sources"]);
    let nm = counts(&ds, "node_metrics"); // also asserts no temporary is left
    assert_eq!(nm[&("conc16".into(), "agg".into())], parse_rows(&r2)["agg"]);
    // A partition file deleted behind the manifest's back is written again.
    let (rel, _) = parts(&ds, "requests").into_iter().next().unwrap();
    std::fs::remove_file(ds.join(&rel)).unwrap();
    let again = ingest(&[&r1, &r2], &ds);
    assert_eq!(again["files_parsed"], 1, "{again}");
    assert!(ds.join(&rel).is_file());
}

#[test]
fn a_missing_run_is_a_usage_error() {
    let d = tempfile::tempdir().unwrap();
    srtlog()
        .args([
            "ingest",
            s(&d.path().join("nope")),
            "--into",
            s(&d.path().join("ds")),
        ])
        .assert()
        .code(2);
}

/// Real runs from ../shared/data: batch rows equal `grep -c` of the batch
/// lines, AIPerf records equal the export's lines (`wc -l`), and the
/// worker-log rows equal `srtlog parse`'s counts.
#[test]
fn real_runs() {
    let Some(data) = srtlog_testutil::shared_data() else {
        return;
    };
    let pd = data.join("sglang-ci-pd-v0.5.3.post3");
    let dp8 = data.join("sglang-ci-dp8-v0.5.5.post2");
    let ai = data.join("aiperf-examples-run1");
    let vllm = data.join("vllm-0.25.1-er0080");
    let d = tempfile::tempdir().unwrap();
    let ds = d.path().join("fleet");
    let v = ingest(&[&pd, &dp8, &ai, &vllm], &ds);
    assert_eq!(v["runs"].as_array().unwrap().len(), 4);
    let mut batch: BTreeMap<(String, String), u64> = BTreeMap::new();
    for (rel, bs) in parts(&ds, "node_metrics") {
        let h = hive(&rel);
        for b in &bs {
            let n = strings(b, "record")
                .iter()
                .filter(|r| *r == "batch")
                .count() as u64;
            *batch
                .entry((h["run"].clone(), h["worker_type"].clone()))
                .or_default() += n;
        }
    }
    // grep -c "Prefill batch" prefill.log = 178; grep -c "Decode batch" decode.log = 396;
    // sglang_server.log: 251 "Prefill batch" + 2376 "Decode batch".
    assert_eq!(
        batch[&("sglang-ci-pd-v0.5.3.post3".into(), "prefill".into())],
        178
    );
    assert_eq!(
        batch[&("sglang-ci-pd-v0.5.3.post3".into(), "decode".into())],
        396
    );
    assert_eq!(
        batch[&("sglang-ci-dp8-v0.5.5.post2".into(), "agg".into())],
        251 + 2376
    );
    // profile_export.jsonl: 100 lines, one record each.
    assert_eq!(
        counts(&ds, "aiperf_records")[&("aiperf-examples-run1".into(), String::new())],
        100
    );
    let nm = counts(&ds, "node_metrics");
    for run in [&pd, &dp8] {
        let id = run.file_name().unwrap().to_string_lossy().into_owned();
        for (wt, n) in parse_rows(run) {
            assert_eq!(nm[&(id.clone(), wt.clone())], n, "{id} {wt}");
        }
    }
    // The vLLM run's failed servers are warnings, not a failed ingest.
    assert!(v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w["path"].as_str().unwrap().contains("vllm_serve_")));
}

/// A dataset written inside the run it ingests is not read as a source of
/// it, and an empty run is a warning.
#[test]
fn a_dataset_inside_its_run_and_an_empty_run() {
    let d = tempfile::tempdir().unwrap();
    let run = d.path().join("run");
    std::fs::create_dir_all(run.join("requests")).unwrap();
    sim(&[
        "requests",
        s(&run.join("requests/r.jsonl")),
        "--count",
        "100",
    ]);
    let ds = run.join("fleet");
    let first = ingest(&[&run], &ds);
    assert_eq!(first["runs"][0]["sources"], 1);
    let again = ingest(&[&run], &ds);
    assert_eq!(again["runs"][0]["sources"], 1, "{again}");
    assert_eq!(again["files_parsed"], 0);
    let empty = d.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let v = ingest(&[&empty], &d.path().join("ds2"));
    assert!(v["warnings"][0]["message"]
        .as_str()
        .unwrap()
        .starts_with("nothing to ingest"));
}
