//! Tests of the column scan: line by line against the full decoder, and
//! the analyses over [`Columns`] against those over the request table.

use super::*;
use crate::columns::{self, Keep};
use crate::load::{FileReport, LoadOptions, Scanned as Loaded};
use std::collections::BTreeMap;

/// The column scan of `paths`, which hold no benchmark-client result file.
fn scanned(paths: &[std::path::PathBuf], keep: &Keep) -> (Columns, Vec<FileReport>) {
    match crate::load::load_columns(paths, &LoadOptions::default(), keep).expect("load") {
        Loaded::Columns(c, f) => (c, f),
        Loaded::Table(_) => panic!("a client result file among {paths:?}"),
    }
}

fn columns_of(paths: &[std::path::PathBuf], keep: &Keep) -> Columns {
    scanned(paths, keep).0
}

/// What a line gives, in a comparable form: `Err(kind)` for no request.
fn outcome(s: Scanned<'_>) -> Result<Option<String>, String> {
    let describe = |r: &Row<'_>| {
        let nums: Vec<u64> = r.nums.iter().map(|x| x.to_bits()).collect();
        let extra: Vec<(String, u64)> = r
            .extra
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_bits()))
            .collect();
        format!(
            "ts={:?} model={:?} id={:?} ok={:?} nums={nums:?} extra={extra:?}",
            r.ts, r.model, r.id, r.ok
        )
    };
    match s {
        Scanned::Blank => Ok(None),
        Scanned::Row(r) => Ok(Some(describe(&r))),
        Scanned::Request(r) => Ok(Some(describe(&Row::of_request(&r)))),
        Scanned::Error(e) => Err(e.to_string()),
    }
}

/// The full decoder's outcome of `line`.
fn reference(line: &[u8], map: &FieldMap) -> Result<Option<String>, String> {
    match decode_line(line, map) {
        Ok(None) => outcome(Scanned::Blank),
        Ok(Some(r)) => outcome(Scanned::Request(r)),
        Err(e) => Err(e.to_string()),
    }
}

const LINES: &[&str] = &[
    r#"{"timestamp": "2025-11-04T05:30:00.062Z", "request_id": "5caa", "model": "meta-llama/Llama-3.3-70B-Instruct", "latency_ms": 826.55, "batch_size": 66, "status": "success", "gpu_util": 66.9, "memory_used_gb": 59.58}"#,
    r#"{"timestamp": 1767225600, "latency_ms": 1}"#,
    r#"{"timestamp": 1767225600123, "latency_ms": -0.0}"#,
    r#"{"timestamp": 1767225600.25, "latency_ms": 1e3}"#,
    r#"{"timestamp": null, "latency_ms": 5, "timestamp": "2026-01-01 10:00:00"}"#,
    r#"{"ts": "2026-01-01T10:00:00+02:00", "latency_ms": "12.5", "status": 200}"#,
    r#"{"time": "x", "latency_ms": 3, "status": 503, "error": null}"#,
    r#"{"latency_ms": 3, "status": "OK", "error": ""}"#,
    r#"{"latency_ms": 3, "status": true, "error": "oom"}"#,
    r#"{"latency_ms": 3, "status": false}"#,
    r#"{"latency_ms": 3, "error": true}"#,
    r#"{"latency_ms": 3, "error": {"type": "Timeout"}}"#,
    r#"{"latency_ms": 3, "error_type": 7}"#,
    r#"{"latency_ms": 3, "model": 5, "model_name": "m", "id": 17}"#,
    r#"{"latency_ms": 3, "rid": 18446744073709551615, "x": 18446744073709551615}"#,
    r#"{"latency_ms": 3, "x": 1, "x": 2, "y": true, "z": null, "w": "text"}"#,
    r#"{"latency_ms": true, "batch_size": false, "gpu_util": null}"#,
    r#"{"latency_ms": 3, "prompt_tokens": 12, "completion_tokens": 7, "tpot_ms": 1.5}"#,
    r#"{"latency_ms": Infinity, "timestamp": 1767225600}"#,
    r#"{"latency_ms": NaN, "timestamp": 1767225600}"#,
    r#"{"latency_ms": 1e20, "timestamp": 1767225600}"#,
    r#"{"latency_ms": 1e400, "timestamp": 1767225600}"#,
    r#"{"latency_ms": 01}"#,
    r#"{"latency_ms": 1.}"#,
    r#"{"latency_ms": -}"#,
    r#"{"latency_ms": 3,}"#,
    r#"{"latency_ms": 3} trailing"#,
    r#"{"latency_ms" 3}"#,
    r#"{"latency_ms": 3, "model": "m\u00e4"}"#,
    "{\"latency_ms\": 3, \"model\": \"m\u{e4}\"}",
    "{\"latency_ms\": 3, \"model\": \"a\tb\"}",
    "{\"latency_ms\":\t3}",
    r#"{"latency_ms": 3, "model": "x\"y"}"#,
    r#"{"latency_ms": 3, "tags": [1, 2]}"#,
    r#"{"latency_ms": 3, "extra": {"a": 1}}"#,
    r#"{"completed": 10, "duration": 5.0, "request_throughput": 2.0}"#,
    r#"{"completed": 10, "latency_ms": 4}"#,
    r#"{"telemetry_data": {}, "gpu_uuid": "x"}"#,
    r#"{"metadata": {"x_request_id": "a"}, "metrics": {"request_latency": {"value": 5, "unit": "ms"}}}"#,
    r#"{"request_parameters": "{}", "meta_info": {}}"#,
    r#"{}"#,
    r#"{"model": "m"}"#,
    "   ",
    "",
    "not json",
    "[1, 2]",
    r#"{"latency_ms": 3, "s": "\u0001srtlog:+inf"}"#,
    "{\"latency_ms\": 3}\r",
    "  {\"latency_ms\": 3 , \"batch_size\" : 4 }  ",
];

#[test]
fn every_line_reads_as_the_full_decoder_reads_it() {
    let mut custom = FieldMap::default();
    custom.add("latency_ms=duration_s*1000").expect("spec");
    custom.add("model=engine").expect("spec");
    for map in [FieldMap::default(), custom] {
        for line in LINES
            .iter()
            .chain(&[r#"{"duration_s": 0.25, "engine": "e", "latency_ms": 7, "model": "m"}"#])
        {
            let got = outcome(scan(line.as_bytes(), &map, true));
            assert_eq!(got, reference(line.as_bytes(), &map), "{line}");
        }
    }
}

#[test]
fn ids_are_skipped_unless_kept() {
    let l = br#"{"request_id": "abc", "latency_ms": 3}"#;
    let Scanned::Row(r) = scan(l, &FieldMap::default(), false) else {
        panic!("a flat line is scanned");
    };
    assert_eq!(r.id, None);
    let Scanned::Row(r) = scan(l, &FieldMap::default(), true) else {
        panic!("a flat line is scanned");
    };
    assert_eq!(r.id.as_deref(), Some("abc"));
}

/// Issue 17 item 9: `Infinity` (as Python's `json.dumps` writes it) and a
/// latency of 1e20 ms are excluded and counted, not turned into null
/// statistics or a run that ends in 2262.
#[test]
fn infinite_and_impossible_values_are_excluded_and_counted() {
    let dir = tempfile::tempdir().expect("tmp");
    let f = dir.path().join("r.jsonl");
    let mut text = String::new();
    for i in 0..40 {
        text.push_str(&format!(
            "{{\"timestamp\": {}, \"latency_ms\": {}, \"q\": 1}}\n",
            1_767_225_600 + i,
            100 + i % 3
        ));
    }
    text.push_str("{\"timestamp\": 1767225700, \"latency_ms\": 9999999}\n");
    text.push_str("{\"timestamp\": 1767225701, \"latency_ms\": Infinity, \"q\": -Infinity}\n");
    text.push_str("{\"timestamp\": 1767225702, \"latency_ms\": 1e20}\n");
    std::fs::write(&f, text).expect("write");
    let paths = [f];
    let cols = columns_of(&paths, &Keep::default());
    let want: BTreeMap<String, u64> = [("latency_ms".to_owned(), 2), ("q".to_owned(), 1)]
        .into_iter()
        .collect();
    let s = columns::summary(&cols);
    assert_eq!(s.excluded_values, want);
    assert_eq!(s.all.total_requests, 43);
    assert_eq!(s.all.latency_count, 41);
    assert_eq!(s.all.max_latency_ms, 9_999_999.0);
    assert!(s.all.avg_latency_ms.is_finite());
    // The end: the spike, 1767225700 s + 9,999.999 s, not 2262.
    assert_eq!(
        s.all.last_timestamp.as_deref(),
        Some("2026-01-01T02:48:19.999Z")
    );
    let keep = Keep {
        metrics: Some(vec!["latency_ms".into()]),
        ids: true,
    };
    let cols = columns_of(&paths, &keep);
    let a =
        columns::anomalies(&cols, "latency_ms", anomalies::Method::Zscore, None).expect("a metric");
    assert_eq!(a.anomalies.iter().map(|x| x.row).collect::<Vec<_>>(), [40]);
    // The full table keeps them as written (for export), and its summary
    // leaves out and counts the same values.
    let log = crate::load(&paths, &LoadOptions::default()).expect("load");
    assert_eq!(crate::summary::summary(&log.table), s);
    assert_eq!(
        log.table.column("latency_ms").map(|c| c[41]),
        Some(f64::INFINITY)
    );
}

use crate::anomalies;

/// A log mixing models, missing values, extras, failures and lines the
/// scan hands to the full decoder, cut into several blocks.
fn mixed_log(dir: &std::path::Path) -> std::path::PathBuf {
    let mut text = String::new();
    for i in 0..60_000u64 {
        let model = match i % 5 {
            0 => String::new(),
            1 => ", \"model\": \"\"".to_owned(),
            2 => ", \"model\": \"b\"".to_owned(),
            3 => ", \"model\": \"m\\u00e4\"".to_owned(),
            _ => ", \"model\": \"a\"".to_owned(),
        };
        let lat = if i % 11 == 0 {
            String::new()
        } else {
            format!(", \"latency_ms\": {}.{}", (i * 7919) % 5003, i % 10)
        };
        let extra = if i > 30_000 && i % 3 == 0 {
            format!(", \"late\": {}", i % 17)
        } else {
            String::new()
        };
        text.push_str(&format!(
            "{{\"timestamp\": {}, \"request_id\": \"r{i}\"{model}{lat}, \"status\": \"{}\", \"gpu_util\": {}{extra}}}\n",
            1_767_225_600_000u64 + i * 37,
            if i % 19 == 0 { "error" } else { "success" },
            i % 100
        ));
        if i % 10_007 == 0 {
            text.push_str("garbage\n\n");
        }
    }
    let f = dir.join("mixed.jsonl");
    std::fs::write(&f, text).expect("write");
    f
}

#[test]
fn analyses_over_columns_equal_those_over_the_table() {
    let dir = tempfile::tempdir().expect("tmp");
    let paths = [mixed_log(dir.path())];
    let opts = LoadOptions::default();
    let log = crate::load(&paths, &opts).expect("load");
    let (cols, files) = scanned(&paths, &Keep::default());
    assert_eq!(cols.len(), log.table.len());
    assert_eq!(files[0].bad_lines, log.files[0].bad_lines);
    assert_eq!(files[0].first_bad, log.files[0].first_bad);
    assert_eq!(files[0].lines, log.files[0].lines);
    assert_eq!(cols.numeric_columns(), log.table.numeric_columns());
    let a = columns::summary(&cols);
    let b = crate::summary::summary(&log.table);
    // Bit for bit (NaN included): through their JSON text.
    let json = |v: &crate::summary::SummaryReport| serde_json::to_string(v).expect("json");
    assert_eq!(json(&a), json(&b));
    assert_eq!(a.per_model.len(), 4, "\"\", a, b and mä");
    for (method, metric) in [
        (anomalies::Method::Zscore, "latency_ms"),
        (anomalies::Method::Iqr, "gpu_util"),
        (anomalies::Method::Mad, "late"),
    ] {
        let keep = Keep {
            metrics: Some(vec![metric.to_owned()]),
            ids: true,
        };
        let cols = columns_of(&paths, &keep);
        let x = columns::anomalies(&cols, metric, method, Some(1.0)).expect("metric");
        let y =
            crate::analysis::anomalies_of(&log.table, metric, method, Some(1.0)).expect("metric");
        assert_eq!(
            serde_json::to_string(&x).expect("json"),
            serde_json::to_string(&y).expect("json")
        );
    }
    let keep = Keep {
        metrics: Some(vec!["nope".to_owned()]),
        ids: true,
    };
    let cols = columns_of(&paths, &keep);
    let e = columns::anomalies(&cols, "nope", anomalies::Method::Zscore, None)
        .expect_err("not a field");
    assert_eq!(e.available, log.table.numeric_columns());
}

/// Real logs (the shared data holds no log of the workflow's flat schema:
/// AIPerf exports, their GPU telemetry and `bench_serving` summaries, which
/// the scan hands to the full decoder): the column scan and the table give
/// the same reports and the same summary.
#[test]
fn real_logs_read_the_same_both_ways() {
    for rel in [
        "aiperf-examples-run1/profile_export.jsonl",
        "aiperf-0.5-plot-fixtures/qwen_concurrency1/profile_export.jsonl",
        "aiperf-0.5-plot-fixtures/qwen_concurrency1/gpu_telemetry_export.jsonl",
        "sglang-bench-serving-tonyli/agg_n100_in512_out128_c32.jsonl",
    ] {
        let Some(f) = srtlog_testutil::shared_file(rel) else {
            return;
        };
        let paths = [f];
        let opts = LoadOptions::default();
        let log = crate::load(&paths, &opts).expect("load");
        let json = |v: &dyn erased::Json| v.text();
        let (cols, files) = match crate::load::load_columns(&paths, &opts, &Keep::default()) {
            Ok(Loaded::Columns(c, f)) => (c, f),
            // A benchmark-client result file: read whole, as the table reads it.
            Ok(Loaded::Table(t)) => {
                assert!(rel.starts_with("sglang-bench-serving"), "{rel}");
                assert_eq!(json(&t.files), json(&log.files), "{rel}");
                continue;
            }
            Err(e) => panic!("{rel}: {e}"),
        };
        assert_eq!(json(&files), json(&log.files), "{rel}");
        if !log.table.is_empty() {
            assert_eq!(
                json(&columns::summary(&cols)),
                json(&crate::summary::summary(&log.table)),
                "{rel}"
            );
        }
    }
}

mod erased {
    /// JSON text of anything serialisable, to compare reports bit for bit.
    pub trait Json {
        fn text(&self) -> String;
    }
    impl<T: serde::Serialize> Json for T {
        fn text(&self) -> String {
            serde_json::to_string(self).expect("json")
        }
    }
}

/// Clinger's fast path gives `str::parse`'s bits on plain decimals of up
/// to 15 digits, and declines everything else.
#[test]
fn plain_decimals_parse_to_the_same_bits() {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..200_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let digits = (x % 15 + 1) as usize;
        let m = (x >> 8) % 10u64.pow(digits as u32);
        let k = ((x >> 4) % (digits as u64 + 1)) as usize;
        let s = format!("{m:0digits$}");
        let (int, frac) = s.split_at(digits - k);
        let int = int.trim_start_matches('0');
        let int = if int.is_empty() { "0" } else { int };
        let neg = if x & 1 == 1 { "-" } else { "" };
        let text = format!("{neg}{int}.{frac}");
        let got = plain_decimal(text.as_bytes(), 0);
        if k == 0 {
            assert!(got.is_none(), "{text}");
            continue;
        }
        let want: f64 = text.parse().expect("a number");
        match got {
            Some((Scalar::Float(v), end)) => {
                assert_eq!(v.to_bits(), want.to_bits(), "{text}");
                assert_eq!(end, text.len());
            }
            other => assert!(int.len() + k > 15, "{text}: {other:?}"),
        }
    }
    for declined in [
        "1e5",
        "1.5e3",
        "01.5",
        "1.",
        "-",
        "12345678901234567.5",
        "5",
    ] {
        assert!(
            plain_decimal(declined.as_bytes(), 0).is_none(),
            "{declined}"
        );
    }
}
