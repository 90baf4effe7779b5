//! The `srtlog aiperf` HTML report in headless Chromium: a simulated run
//! with trace data and the real 0.5 sweep of `../shared/data`. The page must
//! print nothing to the console, fetch nothing, draw every chart it
//! announces, and chart one point per successful request (the self-check
//! `srtlog-rendered` written by `assets/aiperf.js`). Browser helpers as in
//! `viz_browser.rs` (skip without Chromium outside CI, fail in CI).

// Test helpers may panic on unexpected input: that is how a test fails.
#![allow(clippy::unwrap_used)]

use assert_cmd::Command;
use serde_json::Value;
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
        .join("aiperf-browser")
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

/// Writes the report of `input`, opens it, checks the self-check; returns it.
fn check(name: &str, input: &Path) -> Value {
    let Some(chrome) = chromium() else {
        return Value::Null;
    };
    let dir = work_dir(name);
    let html = dir.join("report.html");
    Command::cargo_bin("srtlog")
        .unwrap()
        .env_remove("RUST_LOG")
        .args(["aiperf", "--quiet", "-o"])
        .arg(&html)
        .arg(input)
        .assert()
        .success();
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
    let charts = check["charts"].as_array().unwrap();
    assert_eq!(
        charts.len() as u64,
        check["expected_charts"].as_u64().unwrap(),
        "{name}"
    );
    assert!(
        charts.iter().all(|c| c["drawn"] == true),
        "{name}: {charts:?}"
    );
    check
}

#[test]
fn simulated_run_report() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("profile_export.jsonl");
    Command::cargo_bin("srtlog")
        .unwrap()
        .args(["--quiet", "simulate-aiperf"])
        .arg(&p)
        .args(["--records", "500", "--cancel-every", "50"])
        .assert()
        .success();
    let c = check("simulated", &p);
    if c.is_null() {
        return;
    }
    // Timeline + CDFs of TTFT, latency, TTFB, TTLB; 500 records minus 8
    // warm-up minus 9 cancelled = 483 successful requests, one point each.
    let charts = c["charts"].as_array().unwrap();
    assert_eq!(charts.len(), 5);
    for s in charts[0]["series"].as_array().unwrap() {
        assert_eq!(s["points"], 483, "{s}");
    }
}

#[test]
fn real_sweep_report() {
    let Some(dir) = shared_file("aiperf-0.5-plot-fixtures") else {
        return;
    };
    let c = check("real-sweep", &dir);
    if c.is_null() {
        return;
    }
    let ids: Vec<&str> = c["charts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"sweep-throughput")
            && ids.contains(&"sweep-ttft")
            && ids.contains(&"timeline-1"),
        "{ids:?}"
    );
}
