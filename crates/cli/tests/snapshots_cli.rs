//! `srtlog snapshots` and `srtlog scrape` end to end (assert_cmd): a
//! simulated snapshot folder with overlapping windows, an unpaired and an
//! empty snapshot and a stray file; `--json`, `--csv`, `--show`;
//! `--interval` with its HTML report (opened in headless Chromium when
//! installed); scraping a real Prometheus exporter (Python
//! `prometheus_client`, vLLM metric names) before and after driving it; and
//! the same endpoint down. An insta snapshot pins the per-request text.

// Test helpers may panic on unexpected input: that is how a test fails.
#![allow(clippy::unwrap_used)]

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use srtlog_sim::metrics::{
    write_interval_folder, write_snapshot_folder, MetricsBackend, SnapshotSimConfig,
};
use srtlog_testutil::shared_file;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Duration;

fn is_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

fn srtlog() -> Command {
    Command::cargo_bin("srtlog").unwrap()
}

/// A folder `snaps/` inside a temp dir: 4 simulated requests (two of them
/// overlapping), an unpaired before, an empty snapshot and a stray file.
fn folder() -> (tempfile::TempDir, Vec<srtlog_sim::metrics::RequestTruth>) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("snaps");
    let truth = write_snapshot_folder(
        &dir,
        &SnapshotSimConfig {
            requests: 4,
            overlap_every: 3,
            ..SnapshotSimConfig::default()
        },
    )
    .unwrap();
    let any = std::fs::read_dir(&dir)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::copy(&any, dir.join("lonely_before_20251106_230000_000000.txt")).unwrap();
    std::fs::write(dir.join("blank_after_20251106_230001_000000.txt"), "").unwrap();
    std::fs::write(dir.join("blank_before_20251106_230000_000000.txt"), "").unwrap();
    std::fs::write(dir.join("notes.txt"), "not a snapshot\n").unwrap();
    (tmp, truth)
}

#[test]
fn text_output_matches_the_seed_layout() {
    let (tmp, _) = folder();
    let out = srtlog()
        .current_dir(tmp.path())
        .args(["snapshots", "snaps"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    insta::assert_snapshot!("snapshots_per_request_text", text);
}

#[test]
fn json_and_csv() {
    let (tmp, truth) = folder();
    let dir = tmp.path().join("snaps");
    let out = srtlog()
        .args(["snapshots", "--json"])
        .arg(&dir)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    let reqs = v["requests"].as_array().unwrap();
    assert_eq!(reqs.len(), 4);
    assert_eq!(v["trusted"], 2);
    assert_eq!(v["untrusted"], 2);
    for t in &truth {
        let r = reqs
            .iter()
            .find(|r| r["request_id"] == t.request_id.as_str())
            .unwrap();
        for k in [
            "request_id",
            "prefill_time_s",
            "decode_time_s",
            "ttft_s",
            "queue_time_s",
            "e2e_latency_s",
            "trusted",
            "flags",
        ] {
            assert!(r.get(k).is_some(), "{k}");
        }
        assert_eq!(r["trusted"], !t.overlapped);
        if t.overlapped {
            assert_eq!(r["flags"], serde_json::json!(["overlap", "multi_count"]));
            assert_eq!(r["overlaps_with"].as_array().unwrap().len(), 1);
        } else {
            assert!((r["ttft_s"].as_f64().unwrap() - t.ttft_s).abs() < 1e-6);
            assert!((r["prefill_time_s"].as_f64().unwrap() - t.prefill_s).abs() < 1e-6);
            assert!((r["decode_time_s"].as_f64().unwrap() - t.decode_s).abs() < 1e-6);
            assert!((r["queue_time_s"].as_f64().unwrap() - t.queue_s).abs() < 1e-6);
            assert!((r["e2e_latency_s"].as_f64().unwrap() - t.e2e_s).abs() < 1e-6);
            assert_eq!(r["flags"], serde_json::json!([]));
        }
    }
    let codes: Vec<&str> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["empty", "empty", "unpaired_before", "bad_name"]);
    let csv = srtlog()
        .args(["snapshots", "--csv", "-"])
        .arg(&dir)
        .assert()
        .success()
        .stderr(predicate::str::contains("unpaired_before"))
        .get_output()
        .stdout
        .clone();
    let csv = String::from_utf8(csv).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 5);
    // The CSV is the pair table of `srtlog_snapshots::table` (the same
    // columns as --parquet), written by the one export path.
    assert!(lines[0].starts_with("request_id,before,after,before_time,after_time,window_s,prefill_time_s,decode_time_s,ttft_s,queue_time_s,inference_time_s,e2e_latency_s,prompt_tokens,generation_tokens,itl_s,tpot_s,trusted,flag_overlap,flag_counter_reset,flag_multi_count,flag_all_zero,flag_time_reversed,flags,estimated,overlaps_with,moved_series,reset_series"), "{}", lines[0]);
    assert_eq!(
        csv.matches(",false,true,false,true,false,false,\"overlap,multi_count\",")
            .count(),
        2,
        "{csv}"
    );
}

#[test]
fn simulate_snapshots_round_trip() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("sim");
    let out = srtlog()
        .args([
            "simulate",
            "snapshots",
            "--count",
            "6",
            "--overlap-every",
            "3",
            "--backend",
            "sglang",
        ])
        .arg(&dir)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let truth: Vec<Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(truth.len(), 6);
    let o = srtlog()
        .args(["snapshots", "--json"])
        .arg(&dir)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&o).unwrap();
    for t in &truth {
        let r = v["requests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["request_id"] == t["request_id"])
            .unwrap();
        assert_eq!(
            r["trusted"].as_bool().unwrap(),
            !t["overlapped"].as_bool().unwrap()
        );
        if r["trusted"] == true {
            assert!((r["ttft_s"].as_f64().unwrap() - t["ttft_s"].as_f64().unwrap()).abs() < 1e-6);
        }
    }
    let dir = tmp.path().join("periodic");
    srtlog()
        .args(["simulate", "snapshots", "--interval", "--count", "10"])
        .arg(&dir)
        .assert()
        .success();
    srtlog()
        .args(["snapshots", "--interval"])
        .arg(&dir)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "10 scrapes, 9 intervals over 9.000s, 1 with a counter reset",
        ));
}

#[test]
fn bad_input() {
    // Missing folder: exit 2. A folder without any pair: exit 1, problems listed.
    srtlog()
        .args(["snapshots", "/nonexistent/snaps"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no such file"));
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("x_before_20250101_000000_000000.txt"),
        "m 1\n",
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("x_after_20250101_000001_000000.txt"),
        "<html>busy</html>\n",
    )
    .unwrap();
    srtlog()
        .arg("snapshots")
        .arg(tmp.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("[no_samples]"))
        .stdout(predicate::str::contains("[unpaired_before]"))
        .stderr(predicate::str::contains("no before/after pair"));
    // All deltas zero: flagged (the seed's troubleshooting, automated).
    std::fs::write(
        tmp.path().join("x_after_20250101_000001_000000.txt"),
        "# TYPE m counter\nm 1\n",
    )
    .unwrap();
    srtlog()
        .arg("snapshots")
        .arg(tmp.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("[all_zero]"));
}

#[test]
fn show_a_real_snapshot() {
    let Some(p) = shared_file("vllm-0.25.1-er0080/metrics_vllm_0_25_1_loaded.txt") else {
        return;
    };
    let out = srtlog()
        .args(["snapshots", "--json", "--show"])
        .arg(&p)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["samples"], 435);
    assert_eq!(v["malformed"], 0);
    let fams = v["families"].as_array().unwrap();
    assert_eq!(fams.len(), 86);
    let e2e = fams
        .iter()
        .find(|f| f["name"] == "vllm:e2e_request_latency_seconds")
        .unwrap();
    assert_eq!(e2e["type"], "histogram");
    assert_eq!(e2e["series"], 1);
    assert_eq!(e2e["samples"], 24);
    srtlog()
        .args(["snapshots", "--show"])
        .arg(&p)
        .assert()
        .success()
        .stdout(predicate::str::contains("86 families, 435 samples"))
        .stdout(predicate::str::contains(
            "histogram           1  vllm:e2e_request_latency_seconds",
        ));
}

#[test]
fn interval_mode_and_report() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("scrapes");
    write_interval_folder(&dir, MetricsBackend::Sglang, 8, 1_000_000, 2, Some(5), 3).unwrap();
    let report = tmp.path().join("scrapes.html");
    let out = srtlog()
        .args(["snapshots", "--interval", "--csv", "-o"])
        .arg(&report)
        .arg(&dir)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let csv = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 8);
    assert!(lines[0].contains("sglang:e2e_request_latency_seconds:p90"));
    // Floats as arrow-csv writes them (the one export path).
    assert!(lines[5].starts_with("5.0,1.0,"), "{}", lines[5]);
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(html.contains("Content-Security-Policy"));
    // The charts are drawn by the shared uPlot page (see snapshots_browser.rs).
    let charts = srtlog_report::snapshots::interval_charts(
        &srtlog::snapshots::interval::interval_dir(&dir).unwrap(),
    )
    .len();
    assert!(charts >= 6, "{charts}");
    srtlog()
        .args(["snapshots", "--interval"])
        .arg(&dir)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "8 scrapes, 7 intervals over 7.000s, 1 with a counter reset",
        ));
    browser_check(&report, charts, tmp.path());
}

/// Loads the report in headless Chromium (when installed; required in CI)
/// and checks that every chart's lines are in the rendered DOM.
fn browser_check(report: &Path, charts: usize, work: &Path) {
    let chrome = ["chromium", "chromium-browser"].iter().find_map(|n| {
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
            .map(|d| d.join(n))
            .find(|p| p.is_file())
    });
    let Some(chrome) = chrome else {
        assert!(!is_ci(), "CI=true but chromium is not installed");
        eprintln!("skipped: chromium not found on PATH");
        return;
    };
    let out = std::process::Command::new(chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--dump-dom",
        ])
        .arg(format!(
            "--user-data-dir={}",
            work.join("profile").display()
        ))
        .arg(format!(
            "file://{}",
            report.canonicalize().unwrap().display()
        ))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success());
    let dom = String::from_utf8_lossy(&out.stdout);
    assert_eq!(dom.matches("class=\"chart\"").count(), charts);
    assert!(dom.contains("id=\"summary\""));
}

#[test]
fn scrape_endpoint_down() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snaps");
    srtlog()
        .args([
            "scrape",
            &format!("http://127.0.0.1:{port}/metrics"),
            "--request-id",
            "r1",
            "--stage",
            "before",
            "--timeout",
            "2s",
            "--out",
        ])
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cannot connect to 127.0.0.1:"))
        .stderr(predicate::str::contains("is the server running"));
    let n = std::fs::read_dir(&out).map_or(0, |d| d.count());
    assert_eq!(n, 0, "nothing written when the scrape fails");
    // Periodic: the failures counted, the schedule kept, exit 1.
    srtlog()
        .args([
            "scrape",
            &format!("127.0.0.1:{port}"),
            "--every",
            "200ms",
            "--for",
            "500ms",
            "--out",
        ])
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::is_match(r"0 snapshot\(s\) written, [1-3] failed").unwrap());
    // The same error is said at the 1st, 2nd, 4th, 8th, … failure in a
    // row, not at every tick (it was a warning every tick).
    let o = srtlog()
        .args([
            "scrape",
            &format!("127.0.0.1:{port}"),
            "--every",
            "20ms",
            "--for",
            "1s",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    let failed: u64 = failures_of(&err);
    let said = err
        .lines()
        .filter(|l| l.starts_with("warning: scrape failed"))
        .count() as u64;
    assert!(failed >= 8, "{err}");
    assert_eq!(said, u64::from(64 - failed.leading_zeros()), "{err}");
    // https is supported (the client speaks TLS): a closed port is refused.
    srtlog()
        .args([
            "scrape",
            &format!("https://127.0.0.1:{port}/metrics"),
            "--out",
        ])
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cannot connect to 127.0.0.1:"));
}

/// A tiny prometheus_client exporter with vLLM V1 names. It prints its
/// port, then for each stdin line `queue prefill decode prompt gen` records
/// one finished request and answers `ok`.
const EXPORTER: &str = r#"
import sys
from prometheus_client import Counter, Histogram, Gauge, start_http_server
L = ["engine", "model_name"]
B = [0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 20.0, 60.0]
h = {n: Histogram("vllm:" + n, n, L, buckets=B) for n in [
    "time_to_first_token_seconds", "e2e_request_latency_seconds", "request_queue_time_seconds",
    "request_prefill_time_seconds", "request_decode_time_seconds", "request_inference_time_seconds"]}
itl = Histogram("vllm:inter_token_latency_seconds", "itl", L, buckets=[0.01, 0.05, 0.1, 0.5])
prompt = Counter("vllm:prompt_tokens", "prompt tokens", L)
gen = Counter("vllm:generation_tokens", "generation tokens", L)
running = Gauge("vllm:num_requests_running", "running", L)
# A free port chosen here: start_http_server returns the server only since 0.17
# (Debian's python3-prometheus-client may be older).
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
start_http_server(port, addr="127.0.0.1")
print("port", port, flush=True)
lab = dict(engine="0", model_name="opt-125m")
for line in sys.stdin:
    q, p, d, pt, gt = line.split()
    q, p, d, pt, gt = float(q), float(p), float(d), int(pt), int(gt)
    h["request_queue_time_seconds"].labels(**lab).observe(q)
    h["request_prefill_time_seconds"].labels(**lab).observe(p)
    h["request_decode_time_seconds"].labels(**lab).observe(d)
    h["request_inference_time_seconds"].labels(**lab).observe(p + d)
    h["time_to_first_token_seconds"].labels(**lab).observe(q + p)
    h["e2e_request_latency_seconds"].labels(**lab).observe(q + p + d)
    for _ in range(gt - 1):
        itl.labels(**lab).observe(d / (gt - 1))
    prompt.labels(**lab).inc(pt)
    gen.labels(**lab).inc(gt)
    running.labels(**lab).set(1)
    print("ok", flush=True)
"#;

struct Exporter {
    child: Child,
    port: u16,
    out: BufReader<std::process::ChildStdout>,
}

impl Exporter {
    fn start() -> Option<Exporter> {
        let have = std::process::Command::new("python3")
            .args(["-c", "import prometheus_client"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !have {
            assert!(
                !is_ci(),
                "CI=true but python3 with prometheus_client is missing (.ci/run installs it)"
            );
            eprintln!(
                "skipped: python3 with prometheus_client not found (pip install prometheus_client)"
            );
            return None;
        }
        let mut child = std::process::Command::new("python3")
            .args(["-u", "-c", EXPORTER])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        let port = line.trim().strip_prefix("port ").unwrap().parse().unwrap();
        Some(Exporter { child, port, out })
    }

    fn request(&mut self, q: f64, p: f64, d: f64, pt: u64, gt: u64) {
        let stdin = self.child.stdin.as_mut().unwrap();
        writeln!(stdin, "{q} {p} {d} {pt} {gt}").unwrap();
        stdin.flush().unwrap();
        let mut line = String::new();
        self.out.read_line(&mut line).unwrap();
        assert_eq!(line.trim(), "ok");
    }

    fn scrape(&self, out: &Path, id: &str, stage: &str) -> PathBuf {
        let o = srtlog()
            .args([
                "scrape",
                &format!("http://127.0.0.1:{}/metrics", self.port),
                "--request-id",
                id,
                "--stage",
                stage,
                "--out",
            ])
            .arg(out)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        PathBuf::from(String::from_utf8(o).unwrap().trim())
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn scrape_a_real_exporter_before_and_after() {
    let Some(mut ex) = Exporter::start() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snaps");
    ex.request(0.1, 0.2, 0.3, 5, 5); // earlier traffic
    ex.scrape(&out, "req-a", "before");
    ex.request(0.25, 1.5, 2.0, 100, 21);
    let after = ex.scrape(&out, "req-a", "after");
    assert!(std::fs::read_to_string(&after)
        .unwrap()
        .contains("vllm:e2e_request_latency_seconds_bucket"));
    // Two requests in flight together.
    ex.scrape(&out, "req-b", "before");
    ex.scrape(&out, "req-c", "before");
    ex.request(0.5, 1.0, 1.0, 10, 11);
    ex.request(0.5, 1.0, 1.0, 10, 11);
    ex.scrape(&out, "req-b", "after");
    ex.scrape(&out, "req-c", "after");
    let o = srtlog()
        .args(["snapshots", "--json"])
        .arg(&out)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&o).unwrap();
    let reqs = v["requests"].as_array().unwrap();
    assert_eq!(reqs.len(), 3);
    let a = reqs.iter().find(|r| r["request_id"] == "req-a").unwrap();
    let f = |k: &str| a[k].as_f64().unwrap();
    assert_eq!(a["trusted"], true, "{a}");
    assert!((f("queue_time_s") - 0.25).abs() < 1e-9);
    assert!((f("prefill_time_s") - 1.5).abs() < 1e-9);
    assert!((f("decode_time_s") - 2.0).abs() < 1e-9);
    assert!((f("ttft_s") - 1.75).abs() < 1e-9);
    assert!((f("inference_time_s") - 3.5).abs() < 1e-9);
    assert!((f("e2e_latency_s") - 3.75).abs() < 1e-9);
    assert_eq!(f("prompt_tokens"), 100.0);
    assert_eq!(f("generation_tokens"), 21.0);
    assert!((f("itl_s") - 0.1).abs() < 1e-9);
    for id in ["req-b", "req-c"] {
        let r = reqs.iter().find(|r| r["request_id"] == id).unwrap();
        assert_eq!(r["trusted"], false);
        assert_eq!(r["flags"], serde_json::json!(["overlap", "multi_count"]));
        assert!((r["e2e_latency_s"].as_f64().unwrap() - 5.0).abs() < 1e-9);
    }
    // The endpoint down: a clear error, nothing written.
    let port = ex.port;
    drop(ex);
    let before = std::fs::read_dir(&out).unwrap().count();
    srtlog()
        .args([
            "scrape",
            &format!("http://127.0.0.1:{port}/metrics"),
            "--request-id",
            "req-d",
            "--stage",
            "before",
            "--timeout",
            "2s",
            "--out",
        ])
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cannot connect"));
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), before);
}

#[test]
fn periodic_scrapes_of_a_real_exporter() {
    let Some(mut ex) = Exporter::start() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("scrapes");
    ex.request(0.1, 0.2, 0.3, 5, 5);
    srtlog()
        .args([
            "scrape",
            &format!("127.0.0.1:{}", ex.port),
            "--every",
            "300ms",
            "--for",
            "700ms",
            "--keep",
            "7d",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::is_match(r"[23] snapshot\(s\) written, 0 failed").unwrap());
    let names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    // Three ticks (0, 300, 600 ms); a tick is skipped, never doubled, when
    // a loaded machine makes one scrape slower than --every.
    assert!((2..=3).contains(&names.len()), "{names:?}");
    assert!(names
        .iter()
        .all(|n| n.starts_with("metrics_") && n.ends_with(".txt")));
    std::thread::sleep(Duration::from_millis(10));
    srtlog()
        .args(["snapshots", "--interval", "--json"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "vllm:e2e_request_latency_seconds:mean",
        ));
}

/// The `N failed` of a periodic scrape's closing line.
fn failures_of(err: &str) -> u64 {
    let line = err
        .lines()
        .find(|l| l.contains("snapshot(s) written"))
        .unwrap_or_else(|| panic!("no closing line in {err}"));
    line.split(", ")
        .nth(1)
        .and_then(|t| t.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no failure count in {line}"))
}
