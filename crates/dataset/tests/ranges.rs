//! The per-file function over byte ranges: a file read in N line-aligned
//! ranges gives exactly the rows of reading it whole (row counts, column
//! sums, line numbers, row order), for any cut points; compressed files and
//! worker logs are not split; the split planner tiles each file.

// Test helpers may panic on unexpected input: that is how a test fails.
#![allow(clippy::unwrap_used)]

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, RecordBatch};
use srtlog_dataset::{plan_splits, read_file, ByteRange, Table};
use std::path::Path;

/// Row count, sums of every float and int64 column (nulls skipped, NaN
/// as 0), the sum of every timestamp, and the first string column joined.
#[derive(Debug, PartialEq)]
struct Digest {
    rows: usize,
    floats: Vec<(String, f64)>,
    ints: Vec<(String, i64)>,
    first_strings: String,
}

fn digest(batches: &[RecordBatch]) -> Digest {
    let schema = batches[0].schema();
    let mut d = Digest {
        rows: batches.iter().map(RecordBatch::num_rows).sum(),
        floats: Vec::new(),
        ints: Vec::new(),
        first_strings: String::new(),
    };
    for (i, f) in schema.fields().iter().enumerate() {
        let cols = batches.iter().map(|b| b.column(i));
        match f.data_type() {
            arrow_schema::DataType::Float64 => {
                let s: f64 = cols
                    .flat_map(|c| {
                        c.as_primitive::<Float64Type>()
                            .iter()
                            .flatten()
                            .collect::<Vec<_>>()
                    })
                    .filter(|x| x.is_finite())
                    .sum();
                // Rounded: sums of the same values in another grouping may
                // differ in the last bits; the values are equal.
                d.floats.push((f.name().clone(), (s * 1e6).round() / 1e6));
            }
            arrow_schema::DataType::Int64 => {
                let s: i64 = cols
                    .flat_map(|c| {
                        c.as_primitive::<Int64Type>()
                            .iter()
                            .flatten()
                            .collect::<Vec<_>>()
                    })
                    .sum();
                d.ints.push((f.name().clone(), s));
            }
            arrow_schema::DataType::Timestamp(..) => {
                let s: i64 = cols
                    .flat_map(|c| {
                        c.as_primitive::<TimestampMicrosecondType>()
                            .iter()
                            .flatten()
                            .collect::<Vec<_>>()
                    })
                    .map(|x| x / 1000)
                    .sum();
                d.ints.push((f.name().clone(), s));
            }
            _ => {}
        }
    }
    let col = schema
        .fields()
        .iter()
        .position(|f| f.name() == "request_id")
        .unwrap();
    for b in batches {
        let a = b.column(col).as_string::<i32>();
        for i in 0..a.len() {
            d.first_strings
                .push_str(if a.is_null(i) { "-" } else { a.value(i) });
            d.first_strings.push(',');
        }
    }
    d
}

/// Cut points: `n` equal ranges, shifted by `jitter` bytes so cuts fall
/// inside lines, on line starts and on newlines alike.
fn ranges(size: u64, n: u64, jitter: u64) -> Vec<ByteRange> {
    let mut cuts: Vec<u64> = (1..n).map(|i| (size * i / n + jitter).min(size)).collect();
    cuts.insert(0, 0);
    cuts.push(size);
    cuts.dedup();
    cuts.windows(2)
        .map(|w| ByteRange {
            start: w[0],
            end: w[1],
        })
        .collect()
}

fn check_ranges(path: &Path, table: &str) {
    let whole = read_file(path, table, "r", None).unwrap();
    assert_eq!(whole.warnings.num_rows(), 0);
    let want = digest(&whole.batches);
    assert!(want.rows > 100);
    let size = std::fs::metadata(path).unwrap().len();
    for n in [1, 2, 3, 7, 16] {
        for jitter in [0, 1, 17, 333] {
            let mut got = Vec::new();
            for r in ranges(size, n, jitter) {
                let part = read_file(path, table, "r", Some(r)).unwrap();
                assert_eq!(part.warnings.num_rows(), 0);
                got.extend(part.batches);
            }
            assert_eq!(digest(&got), want, "{table}: {n} ranges, jitter {jitter}");
        }
    }
}

#[test]
fn request_log_in_ranges_equals_whole() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("requests.jsonl");
    let cfg = srtlog_sim::RequestLogConfig {
        requests: 3000,
        ..Default::default()
    };
    srtlog_sim::write_request_log(&p, &cfg).unwrap();
    check_ranges(&p, "requests");
}

#[test]
fn aiperf_export_in_ranges_equals_whole() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("run1").join("profile_export.jsonl");
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    let cfg = srtlog_sim::aiperf::AiperfConfig {
        records: 800,
        ..Default::default()
    };
    srtlog_sim::aiperf::write_aiperf_export(&p, &cfg).unwrap();
    check_ranges(&p, "aiperf_records");
    // Line numbers are those of the whole file (`grep -n`).
    let size = std::fs::metadata(&p).unwrap().len();
    let last = read_file(
        &p,
        "aiperf_records",
        "r",
        Some(ByteRange {
            start: size / 2,
            end: size,
        }),
    )
    .unwrap();
    let b = last.batches.last().unwrap();
    let line = b
        .column_by_name("line")
        .unwrap()
        .as_primitive::<Int64Type>();
    let lines = std::fs::read_to_string(&p).unwrap().lines().count() as i64;
    assert_eq!(line.value(line.len() - 1), lines);
}

#[test]
fn a_bad_line_is_a_warning_with_its_line_number() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("requests.jsonl");
    srtlog_sim::write_request_log(
        &p,
        &srtlog_sim::RequestLogConfig {
            requests: 200,
            ..Default::default()
        },
    )
    .unwrap();
    let text = std::fs::read_to_string(&p).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.insert(150, "{not json");
    std::fs::write(&p, lines.join("\n") + "\n").unwrap();
    let size = std::fs::metadata(&p).unwrap().len();
    let mut found = Vec::new();
    let mut rows = 0;
    for r in ranges(size, 4, 5) {
        let part = read_file(&p, "requests", "r", Some(r)).unwrap();
        rows += part
            .batches
            .iter()
            .map(RecordBatch::num_rows)
            .sum::<usize>();
        let w = &part.warnings;
        let line = w
            .column_by_name("line")
            .unwrap()
            .as_primitive::<Int64Type>();
        found.extend(line.iter().flatten());
    }
    assert_eq!(rows, 200);
    assert_eq!(found, [151], "grep -n of the bad line");
    let whole = read_file(&p, "requests", "r", None).unwrap();
    let line = whole
        .warnings
        .column_by_name("line")
        .unwrap()
        .as_primitive::<Int64Type>();
    assert_eq!(line.iter().flatten().collect::<Vec<_>>(), [151]);
}

#[test]
fn compressed_files_and_worker_logs_are_read_whole() {
    let d = tempfile::tempdir().unwrap();
    let gz = d.path().join("requests.jsonl.gz");
    srtlog_sim::write_request_log(
        &gz,
        &srtlog_sim::RequestLogConfig {
            requests: 5000,
            compression: srtlog_sim::Compression::Gzip,
            ..Default::default()
        },
    )
    .unwrap();
    let r = ByteRange { start: 0, end: 100 };
    assert!(matches!(
        read_file(&gz, "requests", "r", Some(r)),
        Err(srtlog_dataset::Error::Unsupported { .. })
    ));
    assert_eq!(
        read_file(&gz, "requests", "r", None).unwrap().batches[0].num_rows(),
        5000
    );
    assert!(read_file(&gz, "nope", "r", None).is_err());
    // A missing file: a warning, no rows, no error.
    let gone = read_file(&d.path().join("gone.jsonl"), "requests", "r", None).unwrap();
    assert!(gone.batches.is_empty());
    assert_eq!(gone.warnings.num_rows(), 1);
    let gone = read_file(&d.path().join("gone.jsonl"), "requests", "r", Some(r)).unwrap();
    assert_eq!(gone.warnings.num_rows(), 1);
    // Worker logs: a range is refused, the whole file is read.
    let run = d.path().join("run");
    srtlog_sim::write_run(
        &run,
        &srtlog_sim::SimConfig {
            duration_s: 60,
            ..Default::default()
        },
    )
    .unwrap();
    let log = std::fs::read_dir(run.join("logs"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().contains("_prefill_w0"))
        .unwrap();
    assert!(read_file(&log, "node_metrics", "r", Some(r)).is_err());
    // A file that is no worker log: a warning, no rows.
    let notes = d.path().join("notes.out");
    std::fs::write(&notes, "hello\n").unwrap();
    let n = read_file(&notes, "node_metrics", "r", None).unwrap();
    assert!(n.batches.is_empty());
    assert_eq!(n.warnings.num_rows(), 1);
    let whole = read_file(&log, "node_metrics", "r", None).unwrap();
    assert!(
        whole
            .batches
            .iter()
            .map(RecordBatch::num_rows)
            .sum::<usize>()
            > 0
    );
    assert_eq!(whole.batches[0].schema(), Table::NodeMetrics.schema());
}

#[test]
fn the_planner_tiles_big_plain_files_only() {
    let d = tempfile::tempdir().unwrap();
    let run = d.path().join("run");
    srtlog_sim::write_run(
        &run,
        &srtlog_sim::SimConfig {
            duration_s: 60,
            ..Default::default()
        },
    )
    .unwrap();
    let big = run.join("requests.jsonl");
    srtlog_sim::write_request_log(
        &big,
        &srtlog_sim::RequestLogConfig {
            requests: 20_000,
            ..Default::default()
        },
    )
    .unwrap();
    let gz = run.join("more.jsonl.gz");
    srtlog_sim::write_request_log(
        &gz,
        &srtlog_sim::RequestLogConfig {
            requests: 20_000,
            compression: srtlog_sim::Compression::Gzip,
            ..Default::default()
        },
    )
    .unwrap();
    let size = std::fs::metadata(&big).unwrap().len();
    assert!(size > 3 << 20, "{size}");
    let (splits, warnings) = plan_splits(std::slice::from_ref(&run), &[], 1 << 20).unwrap();
    assert!(warnings.is_empty());
    let of = |p: &Path| splits.iter().filter(|s| s.path == p).collect::<Vec<_>>();
    let parts = of(&big);
    assert_eq!(parts.len() as u64, size.div_ceil(1 << 20));
    assert_eq!(parts[0].range.unwrap().start, 0);
    assert_eq!(parts.last().unwrap().range.unwrap().end, size);
    assert!(parts
        .windows(2)
        .all(|w| w[0].range.unwrap().end == w[1].range.unwrap().start));
    assert_eq!(of(&gz).len(), 1);
    assert!(of(&gz)[0].range.is_none());
    let workers: Vec<_> = splits
        .iter()
        .filter(|s| s.table == "node_metrics")
        .collect();
    assert_eq!(workers.len(), 3, "2 prefill + 1 decode, whole");
    assert!(workers.iter().all(|s| s.range.is_none() && s.run == "run"));
    // The splits read back give the rows of the whole files.
    let mut rows = 0;
    for s in &parts {
        let r = read_file(&s.path, &s.table, &s.run, s.range).unwrap();
        rows += r.batches.iter().map(RecordBatch::num_rows).sum::<usize>();
    }
    assert_eq!(rows, 20_000);
    // Only the tables asked for.
    let (only, _) =
        plan_splits(std::slice::from_ref(&run), &[Table::NodeMetrics], 1 << 20).unwrap();
    assert_eq!(only.len(), 3);
    // One run planned on its own (what a Ray or Spark task does per run)
    // gives the same splits, with the id `run_ids` gives it.
    let ids = srtlog_dataset::run_ids(std::slice::from_ref(&run)).unwrap();
    assert_eq!(ids, vec!["run".to_string()]);
    let (one, _) = srtlog_dataset::plan_run(&run, &ids[0], &[], 1 << 20).unwrap();
    assert_eq!(one, splits);
    assert!(matches!(
        srtlog_dataset::run_ids(&[run.join("missing")]),
        Err(srtlog_dataset::Error::NotFound(_))
    ));
}
