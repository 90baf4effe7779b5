//! Issue 17 item 9, request logs: `"latency_ms": Infinity` (which Python's
//! `json.dumps` writes) turned the mean, maximum and standard deviation
//! into null, so the z-score anomalies missed a 9,999,999 ms outlier; and a
//! latency of 1e20 ms pushed the run's end to 2262. Non-finite and
//! impossible values are now left out of the statistics and counted per
//! field.

// Test helpers may panic on unexpected input: that is how a test fails.
#![allow(clippy::unwrap_used)]

use assert_cmd::Command;
use serde_json::Value;
use std::fmt::Write as _;

fn srtlog() -> Command {
    let mut c = Command::cargo_bin("srtlog").expect("binary builds");
    c.env_remove("RUST_LOG");
    c
}

/// 1,000 requests one second apart with latencies 100–149 ms, then one at
/// 9,999,999 ms (the outlier), one at `Infinity` and one at 1e20 ms.
fn log() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    let line = |text: &mut String, i: u32, lat: &str| {
        writeln!(
            text,
            r#"{{"timestamp": "2025-11-04T05:{:02}:{:02}.000Z", "request_id": "r{i}", "model": "m", "latency_ms": {lat}, "status": "success"}}"#,
            i / 60 % 60,
            i % 60
        )
        .unwrap();
    };
    for i in 0..1000 {
        line(&mut text, i, &(100 + i % 50).to_string());
    }
    line(&mut text, 1000, "9999999");
    line(&mut text, 1001, "Infinity");
    line(&mut text, 1002, "1e20");
    let p = dir.path().join("req.jsonl");
    std::fs::write(&p, text).unwrap();
    (dir, p)
}

fn json(args: &[&str], p: &std::path::Path) -> (Value, String) {
    let out = srtlog().args(args).arg(p).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    (serde_json::from_slice(&out.stdout).unwrap(), stderr)
}

#[test]
fn infinite_and_impossible_latencies_are_left_out_and_counted() {
    let (_d, p) = log();
    let (v, stderr) = json(&["requests", "summary", "--json"], &p);
    assert_eq!(v["total_requests"], 1003);
    // Sum of 100..=149 repeated 20 times, plus the outlier, over 1,001.
    let expected = (20.0 * (100..150).sum::<u32>() as f64 + 9_999_999.0) / 1001.0;
    let avg = v["avg_latency_ms"].as_f64().unwrap();
    assert!((avg - expected).abs() < 1e-6, "{avg} vs {expected}");
    assert_eq!(v["max_latency_ms"], 9_999_999.0);
    assert_eq!(v["latency_count"], 1001);
    assert_eq!(v["excluded_values"]["latency_ms"], 2, "{v}");
    // The run ends with the outlier (05:16:40 + 9,999.999 s), not in 2262.
    let last = v["last_timestamp"].as_str().unwrap();
    assert!(last.starts_with("2025-11-04T08:03:19"), "{last}");
    assert!(
        stderr.contains("latency_ms: 2 infinite or impossible"),
        "{stderr}"
    );

    let (a, _) = json(
        &["requests", "anomalies", "--metric", "latency_ms", "--json"],
        &p,
    );
    let ids: Vec<&str> = a["anomalies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["request_id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"r1000"), "{a}");
    assert!(!ids.contains(&"r1001"), "{a}");
}

/// The column scan (no filter) and the request table (any filter, here one
/// that keeps every request) leave out and count the same values, and give
/// the same figures and anomalies.
#[test]
fn column_scan_and_table_agree_on_excluded_values() {
    let (_d, p) = log();
    let (scan, _) = json(&["requests", "summary", "--json"], &p);
    let (table, _) = json(
        &[
            "requests",
            "summary",
            "--json",
            "--from",
            "2025-11-04T00:00:00Z",
        ],
        &p,
    );
    assert_eq!(
        table["total_requests"], 1003,
        "the filter keeps every request"
    );
    for key in [
        "avg_latency_ms",
        "max_latency_ms",
        "p99_latency_ms",
        "latency_count",
        "last_timestamp",
        "excluded_values",
        "fields",
    ] {
        assert_eq!(scan[key], table[key], "{key}");
    }
    let args = ["requests", "anomalies", "--metric", "latency_ms", "--json"];
    let (a, _) = json(&args, &p);
    let mut with_filter = args.to_vec();
    with_filter.extend(["--from", "2025-11-04T00:00:00Z"]);
    let (b, _) = json(&with_filter, &p);
    assert_eq!(a["anomalies"], b["anomalies"]);
}
