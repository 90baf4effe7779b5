//! Hostile values through the binary (issue 17 items 5, 9, 10, 11, 12):
//! absurd durations and sizes are usage errors (exit 2, never a panic),
//! values that do not fit their column are counted, CR-only files are read
//! line by line, broken snapshots are flagged, and a bad AIPerf field keeps
//! its record. Every run is guarded by a generous timeout: a hang fails the
//! test (it is not a timed test).

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs `srtlog args…` in `dir`; kills it and fails after two minutes.
fn srtlog_in(dir: &Path, args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_srtlog"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let o = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut out, &mut v).unwrap();
        v
    });
    let e = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut err, &mut v).unwrap();
        v
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("srtlog {args:?} hung");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: o.join().unwrap(),
        stderr: e.join().unwrap(),
    }
}

fn srtlog(args: &[&str]) -> Output {
    srtlog_in(Path::new("."), args)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", stderr(o));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// A usage error: exit 2, a message naming the flag's problem, no panic.
fn assert_usage_error(o: &Output, what: &str) {
    let e = stderr(o);
    assert_eq!(o.status.code(), Some(2), "{what}: {e}");
    assert!(!e.contains("panicked"), "{what}: {e}");
    assert!(e.contains("error"), "{what}: {e}");
}

/// A 1,000-request request log from the simulator.
fn request_log(dir: &Path) -> PathBuf {
    let p = dir.join("req0.jsonl");
    let o = srtlog(&[
        "simulate",
        "requests",
        p.to_str().unwrap(),
        "--count",
        "1000",
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    p
}

// ---- item 5: durations and sizes ----

#[test]
fn absurd_durations_are_usage_errors() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("s");
    let out = out.to_str().unwrap();
    let url = "http://127.0.0.1:9/metrics";
    let huge = "18446744073709551615s";
    for args in [
        vec!["scrape", url, "--out", out, "--timeout", huge],
        vec!["scrape", url, "--out", out, "--every", huge],
        vec!["scrape", url, "--out", out, "--every", "1s", "--for", huge],
        vec!["scrape", url, "--out", out, "--keep", huge],
        vec!["scrape", url, "--out", out, "--timeout", "1e400s"],
        vec!["scrape", url, "--out", out, "--timeout", "99999999999d"],
        vec![
            "audit",
            d.path().to_str().unwrap(),
            "--metrics",
            url,
            "--timeout",
            huge,
        ],
    ] {
        let o = srtlog(&args);
        assert_usage_error(&o, &args.join(" "));
        assert!(
            stderr(&o).contains("out of range"),
            "{args:?}: {}",
            stderr(&o)
        );
    }
}

#[test]
fn absurd_sizes_are_usage_errors() {
    let d = tempfile::tempdir().unwrap();
    for sub in ["requests", "aiperf"] {
        let p = d.path().join(format!("{sub}.jsonl"));
        let o = srtlog(&[
            "simulate",
            sub,
            p.to_str().unwrap(),
            "--size",
            "18446744073709551615B",
        ]);
        assert_usage_error(&o, sub);
        assert!(stderr(&o).contains("out of range"), "{}", stderr(&o));
        assert!(!p.exists());
    }
    let o = srtlog(&[
        "simulate",
        "workers",
        d.path().join("w").to_str().unwrap(),
        "--size",
        "18446744073709551615B",
    ]);
    assert_usage_error(&o, "workers");
}

#[test]
fn trend_windows_out_of_range_are_usage_errors() {
    let d = tempfile::tempdir().unwrap();
    let log = request_log(d.path());
    let log = log.to_str().unwrap();
    for w in [
        "0",
        "0s",
        "18446744073709551615s",
        "18446744073709551616s",
        "300000000000d",
    ] {
        let o = srtlog(&["requests", "trends", log, "--window", w]);
        assert_usage_error(&o, w);
    }
    // A window of a day still works and puts every request in one or two rows.
    let o = srtlog(&[
        "requests", "trends", log, "--window", "1d", "--agg", "count", "--json",
    ]);
    let v = json(&o);
    let total: u64 = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["requests"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 1000);
}
