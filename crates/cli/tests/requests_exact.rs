//! `requests summary` and `requests anomalies` give exactly the figures of
//! srtlog before the column scan (issue 14): the expected JSON in
//! `tests/expected/` was written by the release binary of the commit
//! before the scan, on the log [`write_log`] makes (a deterministic mix of
//! models, missing fields, failures by status text and HTTP code, an extra
//! field, escaped ids and a non-ASCII model that the full decoder reads, a
//! latency spike, and lines that are not requests).
// Test helpers may panic on unexpected input: that is how a test fails.
#![allow(clippy::unwrap_used)]

use assert_cmd::Command;
use serde_json::Value;
use std::fmt::Write as _;
use std::path::Path;

fn srtlog() -> Command {
    let mut c = Command::cargo_bin("srtlog").expect("binary builds");
    c.env_remove("RUST_LOG");
    c
}

/// 3,000 lines, integers only (so the text is the same whoever writes it).
fn write_log(path: &Path) {
    let mut out = String::new();
    for i in 0u64..3000 {
        match i {
            500 => out.push_str("not json\n"),
            600 => out.push('\n'),
            700 => out
                .push_str("{\"completed\": 10, \"duration\": 5.0, \"request_throughput\": 2.0}\n"),
            _ => out.push_str(&line(i)),
        }
    }
    std::fs::write(path, out).unwrap();
}

fn line(i: u64) -> String {
    let mut p: Vec<String> = Vec::new();
    if i % 97 != 0 {
        let t = i * 250 + (i * 37) % 200;
        let (hh, rem) = (t / 3_600_000, t % 3_600_000);
        let (mm, rem) = (rem / 60_000, rem % 60_000);
        let (ss, ms) = (rem / 1000, rem % 1000);
        p.push(format!(
            "\"timestamp\": \"2026-01-01T{hh:02}:{mm:02}:{ss:02}.{ms:03}Z\""
        ));
    }
    if i % 50 == 0 {
        p.push(format!("\"request_id\": \"r\\\"{i}\""));
    } else {
        p.push(format!("\"request_id\": \"r{i}\""));
    }
    if i == 800 {
        p.push("\"model\": \"m-\u{e4}\"".into());
    } else if i % 41 != 0 {
        let m = ["a", "b", "c"][(i % 3) as usize];
        p.push(format!("\"model\": \"m-{m}\""));
    }
    if i == 1234 {
        p.push("\"latency_ms\": 9999999.00".into());
    } else if i % 13 != 0 {
        let x = (i * 7919) % 100_003;
        p.push(format!("\"latency_ms\": {}.{:02}", x / 100, x % 100));
    }
    p.push(format!("\"batch_size\": {}", i % 64 + 1));
    p.push(
        if i % 29 == 0 {
            "\"status\": \"error\""
        } else if i % 31 == 0 {
            "\"status\": 500"
        } else {
            "\"status\": \"success\""
        }
        .into(),
    );
    let g = (i * 13) % 1000;
    p.push(format!("\"gpu_util\": {}.{}", g / 10, g % 10));
    let m = (i * 17) % 4000;
    p.push(format!(
        "\"memory_used_gb\": {}.{:02}",
        40 + m / 100,
        m % 100
    ));
    if i % 7 == 0 {
        p.push(format!("\"queue_depth\": {}", i % 11));
    }
    let mut s = String::from("{");
    s.push_str(&p.join(", "));
    writeln!(s, "}}").unwrap();
    s
}

fn json_of(args: &[&str]) -> Value {
    let out = srtlog().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn expected(name: &str) -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/expected")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

#[test]
fn summary_figures_are_those_before_the_column_scan() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("r.jsonl");
    write_log(&f);
    let mut s = json_of(&["requests", "summary", f.to_str().unwrap(), "--json", "-q"]);
    let files = s.as_object_mut().unwrap().remove("files").unwrap();
    assert_eq!(s, expected("requests_summary.json"));
    assert_eq!(files[0]["bad_lines"], 4);
    assert_eq!(files[0]["not_per_request"], 1);
    assert_eq!(files[0]["requests"], 2994);
    // A filter takes the table path: the same figures when it keeps all.
    let mut t = json_of(&[
        "requests",
        "summary",
        f.to_str().unwrap(),
        "--json",
        "-q",
        "--from",
        "2000-01-01T00:00:00Z",
    ]);
    t.as_object_mut().unwrap().remove("files");
    // Requests without a time fall out of a time filter: lines 97·k have
    // none (31 of them), three of which (0, 1261, 2522: also 13·k, without
    // a latency) are bad lines already.
    assert_eq!(t["total_requests"], 2994 - 28);
}

#[test]
fn anomalies_are_those_before_the_column_scan() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("r.jsonl");
    write_log(&f);
    let p = f.to_str().unwrap();
    let lat = json_of(&["requests", "anomalies", p, "--json", "-q"]);
    assert_eq!(lat, expected("requests_anomalies_latency.json"));
    let gpu = json_of(&[
        "requests",
        "anomalies",
        p,
        "--json",
        "-q",
        "--metric",
        "gpu_util",
        "--threshold",
        "1.7",
    ]);
    assert_eq!(gpu, expected("requests_anomalies_gpu.json"));
    let out = srtlog()
        .args(["requests", "anomalies", p, "--metric", "nope", "-q"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("latency_ms, batch_size, gpu_util, memory_used_gb, queue_depth"),
        "{err}"
    );
}
