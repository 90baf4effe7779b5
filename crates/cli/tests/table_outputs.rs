//! `--csv FILE` and `--parquet FILE` (`-`: stdout) of every command with a
//! table, all through the one export path (`srtlog_table::export`): each
//! file is read back and checked, and the NaN/inf policy (null in CSV,
//! kept in Parquet) is visible from a request log holding `Infinity`.

#![allow(clippy::unwrap_used)]

use assert_cmd::Command;
use srtlog::table::arrow_array::cast::AsArray;
use srtlog::table::arrow_array::types::Float64Type;
use srtlog::table::arrow_array::RecordBatch;
use srtlog::table::parquet_io::read_parquet;
use std::path::{Path, PathBuf};

fn srtlog() -> Command {
    let mut c = Command::cargo_bin("srtlog").expect("binary builds");
    c.env_remove("RUST_LOG");
    c
}

/// Runs `args`, then the same with `--csv FILE`, `--parquet FILE` and
/// `--csv -`; checks the CSV file equals the stdout CSV and returns (the
/// CSV text, the Parquet batches).
fn csv_and_parquet(dir: &Path, args: &[&str]) -> (String, Vec<RecordBatch>) {
    let csv = dir.join("t.csv");
    let pq = dir.join("t.parquet");
    srtlog()
        .args(args)
        .arg("--csv")
        .arg(&csv)
        .arg("--parquet")
        .arg(&pq)
        .assert()
        .success();
    let text = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(&std::fs::read(&pq).unwrap()[..4], b"PAR1");
    let batches = read_parquet(&pq, None).unwrap();
    let out = srtlog().args(args).args(["--csv", "-"]).output().unwrap();
    assert!(out.status.success(), "{args:?}");
    assert_eq!(String::from_utf8(out.stdout).unwrap(), text, "{args:?}");
    let out = srtlog()
        .args(args)
        .args(["--parquet", "-"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}");
    assert_eq!(&out.stdout[..4], b"PAR1", "{args:?}: parquet on stdout");
    (text, batches)
}

fn rows(b: &[RecordBatch]) -> usize {
    b.iter().map(RecordBatch::num_rows).sum()
}

fn header(csv: &str) -> Vec<&str> {
    csv.lines().next().unwrap().split(',').collect()
}

/// A request log with `Infinity` and `NaN` (Python's json.dumps output).
fn request_log(dir: &Path) -> PathBuf {
    let p = dir.join("r.jsonl");
    let lines = [
        r#"{"timestamp": "2026-01-01T10:00:00Z", "request_id": "a", "model": "m", "latency_ms": 10, "gpu_util": Infinity, "status": "success"}"#,
        r#"{"timestamp": "2026-01-01T10:00:01Z", "request_id": "b", "model": "m", "latency_ms": 20, "gpu_util": -Infinity, "status": "success"}"#,
        r#"{"timestamp": "2026-01-01T10:00:02Z", "request_id": "c", "model": "m", "latency_ms": 30, "gpu_util": 0.5, "status": "success"}"#,
    ];
    std::fs::write(&p, lines.join("\n") + "\n").unwrap();
    p
}

#[test]
fn requests_export_nonfinite_is_an_empty_csv_cell_and_kept_in_parquet() {
    let d = tempfile::tempdir().unwrap();
    let log = request_log(d.path());
    let (csv, pq) = csv_and_parquet(
        d.path(),
        &["-q", "requests", "export", log.to_str().unwrap()],
    );
    let h = header(&csv);
    let col = h.iter().position(|c| *c == "gpu_util").unwrap();
    let cells: Vec<String> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(col).unwrap().to_string())
        .collect();
    // ±Infinity are empty cells, as a missing value; 0.5 is written.
    assert_eq!(cells, ["", "", "0.5"]);
    assert!(!csv.to_ascii_lowercase().contains("inf"), "{csv}");
    // Parquet keeps the IEEE values.
    assert_eq!(rows(&pq), 3);
    let b = &pq[0];
    let g = b
        .column_by_name("gpu_util")
        .unwrap()
        .as_primitive::<Float64Type>();
    assert_eq!(g.value(0), f64::INFINITY);
    assert_eq!(g.value(1), f64::NEG_INFINITY);
    assert_eq!(g.value(2), 0.5);
}

#[test]
fn requests_analyses_write_csv_and_parquet() {
    let d = tempfile::tempdir().unwrap();
    let log = request_log(d.path());
    let f = log.to_str().unwrap();
    let (csv, pq) = csv_and_parquet(d.path(), &["requests", "trends", f, "--window", "1m"]);
    assert_eq!(
        csv,
        "timestamp,requests,value\n2026-01-01T10:00:00.000Z,3,20.0\n"
    );
    assert_eq!(rows(&pq), 1);
    let (csv, pq) = csv_and_parquet(d.path(), &["requests", "compare", f, "--by", "model"]);
    assert_eq!(header(&csv)[..3], ["model", "total_requests", "errors"]);
    assert!(csv.lines().nth(1).unwrap().starts_with("m,3,0,"), "{csv}");
    assert_eq!(rows(&pq), 1);
    let (csv, pq) = csv_and_parquet(
        d.path(),
        &["requests", "anomalies", f, "--metric", "latency_ms"],
    );
    assert_eq!(
        header(&csv),
        ["request_id", "timestamp", "model", "value", "score"]
    );
    assert_eq!(rows(&pq), csv.lines().count() - 1);
}

#[test]
fn aiperf_rows_csv_and_parquet() {
    let d = tempfile::tempdir().unwrap();
    let run = d.path().join("run");
    srtlog()
        .args(["--quiet", "simulate", "aiperf"])
        .arg(&run)
        .assert()
        .success();
    let (csv, pq) = csv_and_parquet(d.path(), &["aiperf", "--quiet", run.to_str().unwrap()]);
    assert!(csv.starts_with("run,request_id,start_ns,status,warmup,ttft_ms,"));
    assert!(csv.lines().count() > 10);
    assert_eq!(rows(&pq), csv.lines().count() - 1);
    assert_eq!(
        pq[0].schema().field(2).data_type(),
        &srtlog::table::arrow_schema::DataType::Int64
    );
}

#[test]
fn stats_csv_and_parquet() {
    let d = tempfile::tempdir().unwrap();
    let cfg = srtlog_sim::SimConfig {
        mode: srtlog_sim::Mode::Disaggregated {
            prefill: 1,
            decode: 1,
        },
        duration_s: 60,
        ..srtlog_sim::SimConfig::default()
    };
    let run = d.path().join("run");
    srtlog_sim::write_run(&run, &cfg).unwrap();
    let (csv, pq) = csv_and_parquet(d.path(), &["stats", run.to_str().unwrap()]);
    assert_eq!(
        csv.lines().next().unwrap(),
        "worker_type,side,metric,unit,count,nan,mean,median,std,min,max,p25,p75,p90,p95,p99"
    );
    assert!(csv.contains("gen_throughput"));
    assert_eq!(rows(&pq), csv.lines().count() - 1);
}

#[test]
fn snapshots_pairs_interval_and_audit_findings() {
    use srtlog_sim::metrics::{
        write_interval_folder, write_snapshot_folder, MetricsBackend, SnapshotSimConfig,
    };
    let d = tempfile::tempdir().unwrap();
    let snaps = d.path().join("snaps");
    write_snapshot_folder(
        &snaps,
        &SnapshotSimConfig {
            requests: 3,
            ..SnapshotSimConfig::default()
        },
    )
    .unwrap();
    let (csv, pq) = csv_and_parquet(d.path(), &["snapshots", snaps.to_str().unwrap()]);
    assert_eq!(header(&csv)[..3], ["request_id", "before", "after"]);
    assert_eq!(csv.lines().count(), 4);
    assert_eq!(rows(&pq), 3);
    assert_eq!(pq[0].schema(), srtlog::snapshots::table::schema());

    let scrapes = d.path().join("scrapes");
    write_interval_folder(&scrapes, MetricsBackend::Sglang, 6, 1_000_000, 2, None, 3).unwrap();
    let (csv, pq) = csv_and_parquet(
        d.path(),
        &["snapshots", "--interval", scrapes.to_str().unwrap()],
    );
    assert_eq!(header(&csv)[..3], ["t_s", "dt_s", "resets"]);
    assert_eq!(rows(&pq), csv.lines().count() - 1);

    let svc = d.path().join("svc");
    srtlog_sim::service::write_service(&svc, &srtlog_sim::service::ServiceConfig::default())
        .unwrap();
    let (csv, pq) = csv_and_parquet(d.path(), &["audit", svc.to_str().unwrap()]);
    assert!(csv.starts_with("area,check,status,"), "{csv}");
    let out = srtlog()
        .args(["audit", svc.to_str().unwrap(), "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = v["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    assert_eq!(rows(&pq), findings.len());
}
