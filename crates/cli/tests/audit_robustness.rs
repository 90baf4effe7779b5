//! `srtlog audit` on unreadable input (issue 11: "audit reports an
//! unreadable file and goes on"): a dangling link beside a valid log is
//! listed in `--json` and the valid log is still graded; a `--metrics` FIFO
//! is reported, not waited on. Each run has a 60 s guard, so a hang fails.

#![allow(clippy::unwrap_used)]

use assert_cmd::Command;
use std::time::Duration;

fn srtlog() -> Command {
    let mut c = Command::cargo_bin("srtlog").unwrap();
    c.timeout(Duration::from_secs(60));
    c
}

/// A folder `logs/` with `api.log` (four JSON lines) and a dangling
/// `bad.log` link.
fn folder() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let logs = d.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let mut text = String::new();
    for i in 0..4 {
        text.push_str(&format!(
            "{{\"timestamp\":\"2025-01-01T10:00:0{i}Z\",\"level\":\"INFO\",\"logger\":\"api\",\"message\":\"step {i}\",\"request_id\":\"r-{i}\"}}\n"
        ));
    }
    std::fs::write(logs.join("api.log"), text).unwrap();
    std::os::unix::fs::symlink(logs.join("gone.log"), logs.join("bad.log")).unwrap();
    d
}

#[test]
fn a_dangling_log_link_is_listed_and_the_valid_log_graded() {
    let d = folder();
    let out = srtlog()
        .current_dir(d.path())
        .args(["audit", "logs", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let skipped = v["logs"]["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert!(
        skipped[0][0].as_str().unwrap().ends_with("bad.log"),
        "{skipped:?}"
    );
    let files = v["logs"]["files"].as_array().unwrap();
    assert_eq!(files.len(), 1);
    assert!(files[0]["file"].as_str().unwrap().ends_with("api.log"));
    assert_eq!(v["logs"]["totals"]["lines"], 4);
    let finding = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == "skipped input")
        .unwrap();
    assert!(finding["evidence"][0].as_str().unwrap().contains("bad.log"));
    // Four structured lines with all four standard fields: 100.
    let area = v["areas"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["area"] == "structured logging")
        .unwrap();
    assert_eq!(area["score"], 100.0);
    // The text report says so too.
    let out = srtlog()
        .current_dir(d.path())
        .args(["audit", "logs"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("Inputs: 1 log files (4 lines), 1 skipped;"),
        "{text}"
    );
    assert!(text.contains("bad.log"), "{text}");
}

#[test]
fn a_metrics_fifo_is_reported_promptly() {
    let d = folder();
    assert!(std::process::Command::new("mkfifo")
        .arg(d.path().join("metrics.txt"))
        .status()
        .unwrap()
        .success());
    let out = srtlog()
        .current_dir(d.path())
        .args(["audit", "logs", "--metrics", "metrics.txt", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert!(v["metrics"].is_null());
    let unchecked: Vec<&str> = v["unchecked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u.as_str().unwrap())
        .collect();
    assert!(
        unchecked.contains(&"metrics: metrics.txt: not a regular file (a FIFO)"),
        "{unchecked:?}"
    );
}
