//! The HTML report of `srtlog requests report` opened in headless Chromium,
//! checked like the `viz` report (helpers copied from `viz_browser.rs`; test
//! targets cannot share modules without a support crate): no console
//! output, no network request, every chart drawn with the point counts of
//! the library's own chart data ([`srtlog_report::requests::charts`]), and a
//! non-blank screenshot. Skipped outside CI when Chromium is missing.
// Test helpers may panic on unexpected input: that is how a test fails.
#![allow(clippy::unwrap_used)]

use assert_cmd::Command;
use serde_json::Value;
use srtlog::requests::{load, LoadOptions};
use srtlog_testutil::shared_file;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One browser at a time: the tests run in parallel threads, and a few
/// Chromium processes at once would only fight over the CPU.
static BROWSER: Mutex<()> = Mutex::new(());

/// Longest a browser run may take before the test fails.
const TIMEOUT: Duration = Duration::from_secs(120);

fn is_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// The Chromium binary (`SRTLOG_CHROMIUM`, or `chromium` /
/// `chromium-browser` on `PATH`), or `None` (skip) outside CI.
fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SRTLOG_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser"] {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    assert!(
        !is_ci(),
        "CI=true but Chromium is not installed (.ci/run installs Debian's chromium package)"
    );
    eprintln!(
        "skipped: chromium not found on PATH (apt-get install chromium, or set SRTLOG_CHROMIUM)"
    );
    None
}

/// A fresh folder for one test's report, profile and screenshot.
fn work_dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("requests-browser")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs Chromium headless on `html` with extra `args`; stdout and stderr
/// go to files (a report's DOM can be megabytes; pipes would fill).
fn run_chromium(
    chrome: &Path,
    dir: &Path,
    html: &Path,
    tag: &str,
    args: &[String],
) -> (String, String) {
    let out = dir.join(format!("{tag}.stdout"));
    let err = dir.join(format!("{tag}.stderr"));
    let mut cmd = std::process::Command::new(chrome);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--enable-logging=stderr",
        "--v=0",
    ])
    .arg(format!(
        "--user-data-dir={}",
        dir.join(format!("profile-{tag}")).display()
    ))
    .args(args)
    .arg(format!("file://{}", html.canonicalize().unwrap().display()))
    .stdin(Stdio::null())
    .stdout(std::fs::File::create(&out).unwrap())
    .stderr(std::fs::File::create(&err).unwrap());
    let mut child = cmd.spawn().unwrap();
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "chromium {tag} failed: {status}");
            break;
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            panic!(
                "chromium {tag} took more than {TIMEOUT:?} on {}",
                html.display()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    (
        std::fs::read_to_string(out).unwrap(),
        std::fs::read_to_string(err).unwrap(),
    )
}

/// Requests in Chromium's network log made by the page (their network
/// isolation key is the page's `file://` origin; Chromium's own background
/// requests have other keys), other than `file:` and `data:` URLs.
fn page_requests(netlog: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(netlog).unwrap_or_default();
    // A log cut short by the browser's exit lacks its closing brackets.
    let v: Value = serde_json::from_str(&text)
        .or_else(|_| serde_json::from_str(&format!("{}]}}", text.trim_end().trim_end_matches(','))))
        .unwrap_or(Value::Null);
    let Some(start_job) = v["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"].as_i64() else {
        assert!(
            !text.contains("file://"),
            "unreadable network log mentions file://"
        );
        return Vec::new();
    };
    v["events"]
        .as_array()
        .map(|evs| {
            evs.iter()
                .filter(|e| e["type"].as_i64() == Some(start_job))
                .filter(|e| {
                    e["params"]["network_isolation_key"]
                        .as_str()
                        .is_some_and(|k| k.contains("file://"))
                })
                .filter_map(|e| e["params"]["url"].as_str())
                .filter(|u| !u.starts_with("file:") && !u.starts_with("data:"))
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

/// The self-check the page writes after drawing.
fn rendered(dom: &str) -> Value {
    let tag = "<script type=\"application/json\" id=\"srtlog-rendered\">";
    let start = dom
        .rfind(tag)
        .unwrap_or_else(|| panic!("no self-check in the DOM: the page did not finish drawing"))
        + tag.len();
    let end = start + dom[start..].find("</script>").unwrap();
    serde_json::from_str(&dom[start..end]).unwrap()
}

/// Generates the report of `input`, opens it and checks it against the
/// library's chart data; returns the chart ids.
fn check(name: &str, input: &Path) -> Vec<String> {
    let Some(chrome) = chromium() else {
        return Vec::new();
    };
    let dir = work_dir(name);
    let html = dir.join("report.html");
    Command::cargo_bin("srtlog")
        .unwrap()
        .env_remove("RUST_LOG")
        .args(["--quiet", "requests", "report", "-o"])
        .arg(&html)
        .arg(input)
        .assert()
        .success();
    let log = load(&[input.to_path_buf()], &LoadOptions::default()).unwrap();
    let expected = srtlog_report::requests::charts(&log.table, "latency_ms", None);
    assert!(!expected.is_empty(), "{name}: nothing to chart");

    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let netlog = dir.join("net.json");
    let (dom, stderr) = run_chromium(
        &chrome,
        &dir,
        &html,
        "dom",
        &[
            format!("--log-net-log={}", netlog.display()),
            "--dump-dom".into(),
        ],
    );
    let console: Vec<&str> = stderr.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(
        console.is_empty(),
        "{name}: console output:\n{}",
        console.join("\n")
    );
    for bad in ["Uncaught", "Refused to", "Content Security Policy"] {
        assert!(!stderr.contains(bad), "{name}: {bad} in:\n{stderr}");
    }
    let requests = page_requests(&netlog);
    assert!(
        requests.is_empty(),
        "{name}: the page made requests: {requests:?}"
    );
    let check = rendered(&dom);
    assert_eq!(check["errors"], Value::Array(vec![]), "{name}");
    assert_eq!(check["resources"], Value::Array(vec![]), "{name}");
    assert_eq!(
        check["expected_charts"].as_u64(),
        Some(expected.len() as u64)
    );
    let charts = check["charts"].as_array().unwrap();
    assert_eq!(charts.len(), expected.len(), "{name}");
    for (got, want) in charts.iter().zip(&expected) {
        assert_eq!(got["id"], format!("chart-{}", want.id), "{name}");
        assert_eq!(
            got["drawn"],
            Value::Bool(true),
            "{name}: {} not drawn",
            want.id
        );
        let got: Vec<(String, u64)> = got["series"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["label"].as_str().unwrap().to_owned(),
                    s["points"].as_u64().unwrap(),
                )
            })
            .collect();
        let want_s: Vec<(String, u64)> = want
            .series
            .iter()
            .map(|s| (s.label.clone(), s.y.iter().flatten().count() as u64))
            .collect();
        assert_eq!(got, want_s, "{name}: series of {}", want.id);
    }
    let png = dir.join("screenshot.png");
    run_chromium(
        &chrome,
        &dir,
        &html,
        "shot",
        &[
            format!("--screenshot={}", png.display()),
            "--window-size=1400,2400".into(),
        ],
    );
    let size = std::fs::metadata(&png).map(|m| m.len()).unwrap_or(0);
    assert!(
        size > 10_000,
        "{name}: screenshot missing or blank ({size} bytes)"
    );
    expected.iter().map(|c| c.id.to_owned()).collect()
}

#[test]
fn simulated_request_log() {
    let dir = work_dir("sim-input");
    let p = dir.join("requests.jsonl");
    Command::cargo_bin("srtlog")
        .unwrap()
        .args(["--quiet", "simulate-requests", "--requests", "3000"])
        .arg(&p)
        .assert()
        .success();
    let ids = check("simulated", &p);
    if !ids.is_empty() {
        assert_eq!(ids, ["latency_trend", "latency_histogram", "error_rate"]);
    }
}

#[test]
fn real_aiperf_profile_export() {
    if let Some(p) = shared_file("aiperf-examples-run1/profile_export.jsonl") {
        check("aiperf-run1", &p);
    }
}

#[test]
fn sglang_request_metrics_with_breakdown_chart() {
    let dir = work_dir("sglang-input");
    let p = dir.join("sglang-request-metrics-20260101_10.log");
    let mut s = String::new();
    for i in 0..200 {
        let q = 0.001 * (i % 17) as f64;
        s.push_str(&format!(
            "{{\"request_parameters\": \"{{}}\", \"id\": \"r{i}\", \"e2e_latency\": {}, \"queue_time\": {q}, \"ttft\": {}, \"request_received_ts\": {}}}\n",
            q + 0.3 + 0.001 * (i % 7) as f64,
            q + 0.05,
            1767225600.0 + i as f64 * 0.5
        ));
    }
    std::fs::write(&p, s).unwrap();
    let ids = check("sglang-breakdown", &p);
    if !ids.is_empty() {
        assert!(ids.iter().any(|i| i == "breakdown"), "{ids:?}");
    }
}
