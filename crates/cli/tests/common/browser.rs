//! The headless-Chromium harness shared by the report tests
//! (`viz_browser.rs`, `requests_browser.rs`, `aiperf_browser.rs`,
//! `snapshots_browser.rs`): finding the browser (skip outside CI, fail in
//! CI), running it with a timeout and no background networking, reading the
//! page's network log, and extracting the self-check JSON the reports write
//! into the DOM.
// Not every test target uses every helper.
#![allow(dead_code)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One browser at a time: the tests run in parallel threads, and a few
/// Chromium processes at once would only fight over the CPU.
pub static BROWSER: Mutex<()> = Mutex::new(());

/// Longest a browser run may take before the test fails.
pub const TIMEOUT: Duration = Duration::from_secs(120);

pub fn is_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// The Chromium binary (`SRTLOG_CHROMIUM`, or `chromium` /
/// `chromium-browser` on `PATH`), or `None` (skip) outside CI.
pub fn chromium() -> Option<PathBuf> {
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
pub fn work_dir(group: &str, name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(group)
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs Chromium headless on `html` with extra `args`; stdout and stderr
/// go to files (a report's DOM can be megabytes; pipes would fill).
pub fn run_chromium(
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
pub fn page_requests(netlog: &Path) -> Vec<String> {
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
pub fn rendered(dom: &str) -> Value {
    let tag = "<script type=\"application/json\" id=\"srtlog-rendered\">";
    let start = dom
        .rfind(tag)
        .unwrap_or_else(|| panic!("no self-check in the DOM: the page did not finish drawing"))
        + tag.len();
    let end = start + dom[start..].find("</script>").unwrap();
    serde_json::from_str(&dom[start..end]).unwrap()
}

/// Opens `html` in headless Chromium and checks that the page is clean: no
/// console output of any kind (the pages write none, so any is a script error
/// "Uncaught …" or a blocked request "Refused …" / "Content Security
/// Policy"), no request in the network log, and a self-check with no errors
/// and no resources. Returns the self-check, and the browser lock so that a
/// caller's further browser runs (a screenshot) stay serialised.
pub fn load_clean_page(
    chrome: &Path,
    dir: &Path,
    html: &Path,
    name: &str,
) -> (std::sync::MutexGuard<'static, ()>, Value) {
    let one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let netlog = dir.join("net.json");
    let (dom, stderr) = run_chromium(
        chrome,
        dir,
        html,
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
    (one, check)
}
