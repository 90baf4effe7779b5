//! Every job's rows as an Arrow `RecordBatch` from the library, checked
//! against the CLI's `--json` on the same input: a simulated request log,
//! snapshot folder, AIPerf export and service (audit). Each test compares
//! the schema, row counts, sums and first/last values, then exports the
//! batch through the one export path (`srtlog::table::export`) to CSV and
//! JSON lines and reads it back.

// Test helpers may panic on unexpected input: that is how a test fails.
#![allow(clippy::unwrap_used)]

use assert_cmd::Command;
use serde_json::Value;
use srtlog::table::arrow_array::cast::AsArray;
use srtlog::table::arrow_array::types::{Float64Type, UInt64Type};
use srtlog::table::arrow_array::{Array, RecordBatch};
use srtlog::table::export::{write_table, Format};
use std::path::{Path, PathBuf};

fn srtlog() -> Command {
    Command::cargo_bin("srtlog").unwrap()
}

/// The simulator command for `kind` (`requests`, `snapshots`, `aiperf`,
/// `service`): the one place to change when the simulators move under
/// `srtlog simulate <kind>`.
fn simulate(kind: &str) -> Command {
    let mut c = srtlog();
    c.args(["--quiet", &format!("simulate-{kind}")]);
    c
}

/// Runs `srtlog ARGS --json` and parses its output.
fn json(args: &[&str]) -> Value {
    let out = srtlog().env_remove("RUST_LOG").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "srtlog {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn f64s(b: &RecordBatch, col: &str) -> Vec<Option<f64>> {
    let c = b.column_by_name(col).unwrap().as_primitive::<Float64Type>();
    (0..c.len())
        .map(|i| c.is_valid(i).then(|| c.value(i)))
        .collect()
}

fn bools(b: &RecordBatch, col: &str) -> Vec<Option<bool>> {
    let c = b.column_by_name(col).unwrap().as_boolean();
    (0..c.len())
        .map(|i| c.is_valid(i).then(|| c.value(i)))
        .collect()
}

fn strs(b: &RecordBatch, col: &str) -> Vec<Option<String>> {
    let c = b.column_by_name(col).unwrap().as_string::<i32>();
    (0..c.len())
        .map(|i| c.is_valid(i).then(|| c.value(i).to_string()))
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// Exports `b` to CSV and JSON lines and checks both read back with every
/// row and column.
fn check_exports(b: &RecordBatch) {
    let csv = write_table(Format::Csv, Vec::new(), b.schema(), [b]).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let schema = b.schema();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(header, names);
    // Non-finite numbers are empty cells, never `NaN`/`inf` text.
    assert!(
        csv.lines()
            .flat_map(|l| l.split(','))
            .all(|c| !matches!(c, "NaN" | "inf" | "-inf")),
        "{csv}"
    );
    let jsonl = write_table(Format::JsonLines, Vec::new(), b.schema(), [b]).unwrap();
    let rows: Vec<Value> = String::from_utf8(jsonl)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), b.num_rows());
    assert!(rows
        .iter()
        .all(|r| r.as_object().unwrap().len() == b.num_columns()));
}

#[test]
fn requests_table_matches_the_cli_json() {
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("r.jsonl");
    simulate("requests")
        .args([s(&log), "--requests", "400", "--seed", "7"])
        .assert()
        .success();
    let cli = json(&["requests", "summary", s(&log), "--json"]);
    let loaded = srtlog::requests::load(
        std::slice::from_ref(&log),
        &srtlog::requests::LoadOptions::default(),
    )
    .unwrap();
    let b = srtlog::requests::table::record_batch(&loaded.table).unwrap();
    assert_eq!(b.schema(), srtlog::requests::table::schema(&loaded.table));
    assert_eq!(b.num_rows() as u64, cli["total_requests"].as_u64().unwrap());
    let ok = bools(&b, "ok");
    let errors = ok.iter().filter(|o| **o == Some(false)).count() as u64;
    assert_eq!(errors, cli["errors"].as_u64().unwrap());
    let lat: Vec<f64> = f64s(&b, "latency_ms").into_iter().flatten().collect();
    assert_eq!(lat.len() as u64, cli["latency_count"].as_u64().unwrap());
    let mean = lat.iter().sum::<f64>() / lat.len() as f64;
    assert!(close(mean, cli["avg_latency_ms"].as_f64().unwrap()));
    let max = lat.iter().copied().fold(f64::MIN, f64::max);
    assert_eq!(max, cli["max_latency_ms"].as_f64().unwrap());
    // First request time, as the CLI prints it (ms precision, UTC).
    let ts = b
        .column_by_name("timestamp")
        .unwrap()
        .as_primitive::<srtlog::table::arrow_array::types::TimestampNanosecondType>();
    let first = ts.iter().flatten().min().unwrap();
    let printed = cli["first_timestamp"].as_str().unwrap();
    // `2025-11-04T05:30:00.062Z`: the milliseconds agree, and the CSV
    // export holds the same time to the second.
    let millis: i64 = printed[20..23].parse().unwrap();
    assert_eq!((first / 1_000_000) % 1000, millis);
    let csv = write_table(Format::Csv, Vec::new(), b.schema(), [&b]).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.contains(&printed[..19]), "{printed} not in the CSV");
    check_exports(&b);
}

#[test]
fn aiperf_table_matches_the_cli_json() {
    let tmp = tempfile::tempdir().unwrap();
    let export = tmp.path().join("profile_export.jsonl");
    simulate("aiperf")
        .args([s(&export), "--records", "200"])
        .assert()
        .success();
    let cli = json(&["aiperf", s(&export), "--json"]);
    let t = srtlog::aiperf::table::records(&export).unwrap();
    let o = &cli["overview"];
    let b = srtlog::table::arrow_select::concat::concat_batches(
        &srtlog::aiperf::table::schema(),
        &t.batches,
    )
    .unwrap();
    assert_eq!(b.schema(), srtlog::aiperf::table::schema());
    assert_eq!(t.bad_lines, 0);
    let warm = bools(&b, "warmup");
    let n_warm = warm.iter().filter(|w| **w == Some(true)).count() as u64;
    assert_eq!(n_warm, o["warmup_excluded"].as_u64().unwrap());
    assert_eq!(b.num_rows() as u64 - n_warm, o["records"].as_u64().unwrap());
    // The analysis's rows: profiling records.
    let keep: Vec<usize> = (0..b.num_rows())
        .filter(|&i| warm[i] == Some(false))
        .collect();
    let ok = bools(&b, "ok");
    let cancelled = bools(&b, "cancelled");
    let failed = keep.iter().filter(|&&i| ok[i] == Some(false)).count() as u64;
    assert_eq!(failed, o["errors"].as_u64().unwrap());
    let canc = keep.iter().filter(|&&i| cancelled[i] == Some(true)).count() as u64;
    assert_eq!(canc, o["cancelled"].as_u64().unwrap());
    let layouts = strs(&b, "trace_layout");
    let traced = keep.iter().filter(|&&i| layouts[i].is_some()).count() as u64;
    assert_eq!(traced, o["with_trace"].as_u64().unwrap());
    // Timing distributions are over successful profiling records.
    let d = &cli["distributions"];
    for (col, dist) in [
        ("ttfb_ms", "ttfb_ms"),
        ("ttlb_ms", "ttlb_ms"),
        ("ttft_ms", "time_to_first_token_ms"),
        ("request_latency_ms", "request_latency_ms"),
    ] {
        let v = f64s(&b, col);
        let vals: Vec<f64> = keep
            .iter()
            .filter(|&&i| ok[i] == Some(true))
            .filter_map(|&i| v[i])
            .collect();
        assert_eq!(
            vals.len() as u64,
            d[dist]["count"].as_u64().unwrap(),
            "{col}"
        );
        let mean = vals.iter().sum::<f64>() / vals.len() as f64;
        assert!(close(mean, d[dist]["mean"].as_f64().unwrap()), "{col}");
        let max = vals.iter().copied().fold(f64::MIN, f64::max);
        assert!(close(max, d[dist]["max"].as_f64().unwrap()), "{col}");
    }
    let chunks = b
        .column_by_name("chunks")
        .unwrap()
        .as_primitive::<UInt64Type>();
    let total: u64 = keep
        .iter()
        .filter(|&&i| ok[i] == Some(true) && chunks.is_valid(i))
        .map(|&i| chunks.value(i))
        .sum();
    assert_eq!(
        total as f64,
        d["chunks_per_request"]["total"].as_f64().unwrap()
    );
    check_exports(&b);
}

#[test]
fn snapshots_table_matches_the_cli_json() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("snaps");
    simulate("snapshots")
        .args([s(&dir), "--requests", "6", "--overlap-every", "3"])
        .assert()
        .success();
    let cli = json(&["snapshots", s(&dir), "--json"]);
    let a = srtlog::snapshots::analyze_dir(&dir).unwrap();
    let b = srtlog::snapshots::table::record_batch(&a).unwrap();
    assert_eq!(b.schema(), srtlog::snapshots::table::schema());
    let reqs = cli["requests"].as_array().unwrap();
    assert_eq!(b.num_rows(), reqs.len());
    let trusted = bools(&b, "trusted");
    let n_trusted = trusted.iter().filter(|t| **t == Some(true)).count() as u64;
    assert_eq!(n_trusted, cli["trusted"].as_u64().unwrap());
    assert_eq!(
        b.num_rows() as u64 - n_trusted,
        cli["untrusted"].as_u64().unwrap()
    );
    // Sums of each quantity over the trusted rows = the CLI's summary.
    for q in cli["summary"].as_array().unwrap() {
        let key = q["key"].as_str().unwrap();
        let v = f64s(&b, key);
        let vals: Vec<f64> = (0..b.num_rows())
            .filter(|&i| trusted[i] == Some(true))
            .filter_map(|i| v[i])
            .collect();
        assert_eq!(vals.len() as u64, q["count"].as_u64().unwrap(), "{key}");
        assert!(
            close(vals.iter().sum(), q["total"].as_f64().unwrap()),
            "{key}"
        );
    }
    // First and last rows: ids, flags, values.
    let ids = strs(&b, "request_id");
    let flags = strs(&b, "flags");
    let ttft = f64s(&b, "ttft_s");
    for i in [0, reqs.len() - 1] {
        let r = &reqs[i];
        assert_eq!(ids[i].as_deref(), r["request_id"].as_str());
        let codes: Vec<&str> = r["flags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        assert_eq!(flags[i].as_deref(), Some(codes.join(",").as_str()));
        assert_eq!(ttft[i], r["ttft_s"].as_f64());
        assert!(close(
            f64s(&b, "window_s")[i].unwrap(),
            r["window_s"].as_f64().unwrap()
        ));
    }
    check_exports(&b);
}

#[test]
fn audit_findings_table_matches_the_cli_json() {
    let tmp = tempfile::tempdir().unwrap();
    let svc = tmp.path().join("svc");
    simulate("service")
        .args([s(&svc), "--requests", "40"])
        .assert()
        .success();
    let (logs, metrics, dashboards) = (
        svc.join("logs"),
        svc.join("metrics.txt"),
        svc.join("dashboards"),
    );
    let cli = json(&[
        "audit",
        s(&logs),
        "--metrics",
        s(&metrics),
        "--dashboards",
        s(&dashboards),
        "--json",
    ]);
    let opts = srtlog::audit::Options {
        paths: vec![logs.clone()],
        metrics: Some(srtlog::audit::MetricsSource::File(metrics.clone())),
        dashboards: Some(dashboards.clone()),
        ..srtlog::audit::Options::default()
    };
    let a = srtlog::audit::run(&opts).unwrap();
    let b = srtlog::audit::table::findings_batch(&a).unwrap();
    assert_eq!(b.schema(), srtlog::audit::table::findings_schema());
    let findings = cli["findings"].as_array().unwrap();
    assert_eq!(b.num_rows(), findings.len());
    let (area, check, status, value) = (
        strs(&b, "area"),
        strs(&b, "check"),
        strs(&b, "status"),
        strs(&b, "value"),
    );
    for (i, f) in findings.iter().enumerate() {
        assert_eq!(area[i].as_deref(), f["area"].as_str());
        assert_eq!(check[i].as_deref(), f["check"].as_str());
        assert_eq!(status[i].as_deref(), f["status"].as_str());
        assert_eq!(value[i].as_deref(), f["value"].as_str());
    }
    let evidence = b
        .column_by_name("evidence_count")
        .unwrap()
        .as_primitive::<UInt64Type>();
    let total: u64 = evidence.values().iter().sum();
    let cli_total: usize = findings
        .iter()
        .map(|f| f["evidence"].as_array().unwrap().len())
        .sum();
    assert_eq!(total as usize, cli_total);
    let areas = srtlog::audit::table::areas_batch(&a).unwrap();
    let cli_areas = cli["areas"].as_array().unwrap();
    assert_eq!(areas.num_rows(), cli_areas.len());
    let scores = f64s(&areas, "score");
    for (i, r) in cli_areas.iter().enumerate() {
        assert_eq!(scores[i], r["score"].as_f64());
    }
    check_exports(&b);
}

/// The export path writes Parquet that reads back as the same batch.
#[test]
fn parquet_export_round_trip_of_a_job_table() {
    let tmp = tempfile::tempdir().unwrap();
    let export = tmp.path().join("profile_export.jsonl");
    simulate("aiperf")
        .args([s(&export), "--records", "50"])
        .assert()
        .success();
    let t = srtlog::aiperf::table::records(&export).unwrap();
    let path: PathBuf = tmp.path().join("records.parquet");
    let file = srtlog::io::AtomicFile::create(&path).unwrap();
    let file = write_table(
        Format::Parquet,
        file,
        srtlog::aiperf::table::schema(),
        &t.batches,
    )
    .unwrap();
    file.commit().unwrap();
    let back = srtlog::table::parquet_io::read_parquet(&path, None).unwrap();
    let rows: usize = back.iter().map(RecordBatch::num_rows).sum();
    assert_eq!(rows, t.num_rows());
    assert_eq!(back[0].schema(), srtlog::aiperf::table::schema());
    assert_eq!(f64s(&back[0], "ttfb_ms"), f64s(&t.batches[0], "ttfb_ms"));
}

/// Every job's schema is documented column by column (the request table's
/// extra columns are the log's own fields); `SRTLOG_PRINT_SCHEMAS=1`
/// prints the Markdown tables.
#[test]
fn every_job_schema_is_documented() {
    use srtlog::table::doc::{markdown, undocumented};
    let requests = srtlog::requests::RequestTable::new().schema();
    let tables = [
        ("requests", requests, srtlog::requests::table::column_docs()),
        (
            "aiperf records",
            srtlog::aiperf::table::schema(),
            srtlog::aiperf::table::column_docs(),
        ),
        (
            "snapshot pairs",
            srtlog::snapshots::table::schema(),
            srtlog::snapshots::table::column_docs(),
        ),
        (
            "audit findings",
            srtlog::audit::table::findings_schema(),
            srtlog::audit::table::findings_docs(),
        ),
        (
            "audit areas",
            srtlog::audit::table::areas_schema(),
            srtlog::audit::table::areas_docs(),
        ),
    ];
    for (name, schema, docs) in &tables {
        let (missing, extra) = undocumented(schema, docs);
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{name}: {missing:?} {extra:?}"
        );
        let md = markdown(schema, docs);
        assert_eq!(md.lines().count(), schema.fields().len() + 2, "{name}");
        if std::env::var_os("SRTLOG_PRINT_SCHEMAS").is_some() {
            println!("### {name}\n\n{md}");
        }
    }
}
