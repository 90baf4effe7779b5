//! End-to-end tests of `srtlog audit`, `srtlog request` and
//! `srtlog simulate service`: generated services (the recommended JSON format,
//! print-style), the text report (insta snapshot), `--json`, `--fail-under`,
//! `--grafana-out`, an endpoint that does not answer, bad input and the
//! request timeline across components.

#![allow(clippy::unwrap_used)]

use assert_cmd::Command;
use predicates::prelude::*;
use srtlog_sim::service::{write_service, ServiceConfig, ServiceStyle, ServiceTruth};

fn srtlog() -> Command {
    Command::cargo_bin("srtlog").unwrap()
}

fn service(style: ServiceStyle) -> (tempfile::TempDir, ServiceTruth) {
    let d = tempfile::tempdir().unwrap();
    let t = write_service(
        d.path(),
        &ServiceConfig {
            style,
            ..Default::default()
        },
    )
    .unwrap();
    (d, t)
}

#[test]
fn print_service_text_report_snapshot() {
    let (d, _) = service(ServiceStyle::Print);
    let out = srtlog()
        .current_dir(d.path())
        .args([
            "audit",
            "logs",
            "--metrics",
            "metrics.txt",
            "--dashboards",
            "dashboards",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("## Current State: F (score 11.5/100)"));
    insta::assert_snapshot!("audit_print_service_text", text);
}

#[test]
fn json_output_and_ci_gate() {
    let (d, _) = service(ServiceStyle::Json);
    let out = srtlog()
        .current_dir(d.path())
        .args([
            "audit",
            "logs",
            "--metrics",
            "metrics.txt",
            "--dashboards",
            "dashboards",
            "--json",
            "--fail-under",
            "A",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["grade"], "A+");
    assert_eq!(v["score"], 100.0);
    let findings = v["findings"].as_array().unwrap();
    assert!(findings.len() >= 15);
    for f in findings {
        assert!(
            f["area"].is_string() && f["status"].is_string() && f["evidence"].is_array(),
            "{f}"
        );
    }
    assert_eq!(v["logs"]["totals"]["json"], 243);
    assert_eq!(v["tracing"]["cross_component"], 40);

    let (p, _) = service(ServiceStyle::Print);
    srtlog()
        .current_dir(p.path())
        .args([
            "audit",
            "logs",
            "--metrics",
            "metrics.txt",
            "--json",
            "--fail-under",
            "B",
        ])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("gate failed: score < 83"));
    // The gate family: exit 3 when the condition holds, 0 when not.
    srtlog()
        .current_dir(p.path())
        .args(["audit", "logs", "--json", "--fail-if", "score < 83"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("gate failed: score < 83 (value "));
    srtlog()
        .current_dir(p.path())
        .args(["audit", "logs", "--json", "--fail-if", "score > 99"])
        .assert()
        .success();
    // Usage errors: an unknown metric, a relative value without a baseline.
    srtlog()
        .current_dir(p.path())
        .args(["audit", "logs", "--fail-if", "scor < 5"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no metric \"scor\""));
    srtlog()
        .current_dir(p.path())
        .args(["audit", "logs", "--fail-if", "score < +5%"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("needs a baseline"));
    srtlog()
        .args(["audit", "x", "--fail-if", "score ~ 5"])
        .assert()
        .code(2);
    srtlog()
        .current_dir(p.path())
        .args(["audit", "logs", "--fail-under", "F", "--json"])
        .assert()
        .success();
    srtlog()
        .args(["audit", "x", "--fail-under", "Q"])
        .assert()
        .code(2);
}

#[test]
fn grafana_out_writes_importable_dashboards() {
    let (d, _) = service(ServiceStyle::Json);
    srtlog()
        .current_dir(d.path())
        .args([
            "audit",
            "logs",
            "--metrics",
            "metrics.txt",
            "--grafana-out",
            "gf",
            "--json",
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains("wrote gf/system-health.json"));
    for name in ["batch-processing", "gpu-monitoring", "system-health"] {
        let text =
            std::fs::read_to_string(d.path().join("gf").join(format!("{name}.json"))).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert!(!v["panels"].as_array().unwrap().is_empty(), "{name}");
    }
    // The written dashboards pass the dashboards audit against the same snapshot.
    let out = srtlog()
        .current_dir(d.path())
        .args([
            "audit",
            "logs",
            "--metrics",
            "metrics.txt",
            "--dashboards",
            "gf",
            "--json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["dashboards"]["files"], 3);
    assert_eq!(v["dashboards"]["issues"].as_array().unwrap().len(), 0);
}

#[test]
fn unreachable_metrics_endpoint_is_reported_not_fatal() {
    let (d, _) = service(ServiceStyle::Json);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    srtlog()
        .current_dir(d.path())
        .args([
            "audit",
            "logs",
            "--metrics",
            &format!("http://127.0.0.1:{port}/metrics"),
            "--timeout",
            "500ms",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("## Not Checked"))
        .stdout(predicate::str::contains("did not answer"))
        .stdout(predicate::str::contains(
            "| metrics            | not checked",
        ));
}

#[test]
fn bad_input_and_missing_paths() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("core.log"), b"\x7fELF\x00\x00\x01").unwrap();
    std::fs::write(d.path().join("app.log"), "INFO:app:started\n").unwrap();
    srtlog()
        .arg("audit")
        .arg(d.path())
        .arg("--json")
        .assert()
        .success()
        .stdout(predicate::str::contains("binary (NUL bytes)"));
    srtlog()
        .args(["audit", "/nonexistent/logs"])
        .assert()
        .code(2);
    let empty = tempfile::tempdir().unwrap();
    srtlog()
        .arg("audit")
        .arg(empty.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no log lines"));
}

#[test]
fn request_timeline_across_components() {
    let (d, t) = service(ServiceStyle::Json);
    let slow = t.slowest().unwrap().clone();
    let out = srtlog()
        .current_dir(d.path())
        .args(["follow", &slow.id, "logs", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let events = v["events"].as_array().unwrap();
    assert_eq!(events.len(), 6);
    let files: Vec<&str> = events.iter().map(|e| e["file"].as_str().unwrap()).collect();
    assert_eq!(
        files,
        [
            "logs/gateway.log",
            "logs/scheduler.log",
            "logs/scheduler.log",
            "logs/worker.log",
            "logs/worker.log",
            "logs/gateway.log"
        ]
    );
    assert!(events
        .iter()
        .all(|e| e["timestamp"].is_string() && e["message"].is_string()));
    let ts: Vec<&str> = events
        .iter()
        .map(|e| e["timestamp"].as_str().unwrap())
        .collect();
    assert!(ts.windows(2).all(|w| w[0] <= w[1]));
    srtlog()
        .current_dir(d.path())
        .args(["follow", &slow.id, "logs"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(format!(
            "Request {}: 6 lines in 3 components (gateway, scheduler, worker)",
            slow.id
        )))
        .stdout(predicate::str::contains("Prefill done"));
    // --list: slowest first.
    let out = srtlog()
        .current_dir(d.path())
        .args(["follow", "--list", "logs", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["total"], 40);
    assert_eq!(v["ids"][0]["id"], slow.id.as_str());
    assert_eq!(v["ids"][0]["lines"], 6);
    // A failed request's lines include its ERRORs.
    srtlog()
        .current_dir(d.path())
        .args(["follow", "req-000010", "logs"])
        .assert()
        .success()
        .stdout(predicate::str::contains("ERROR    Failed to process"));
    srtlog()
        .current_dir(d.path())
        .args(["follow", "req-0000*0", "logs", "--match", "--json"])
        .assert()
        .success()
        .stdout(predicate::str::contains("req-000040"));
    srtlog()
        .current_dir(d.path())
        .args(["follow", "nope", "logs"])
        .assert()
        .code(1);
}

#[test]
fn simulate_service_command() {
    let d = tempfile::tempdir().unwrap();
    srtlog()
        .current_dir(d.path())
        .args([
            "simulate", "service", "svc", "--style", "print", "--count", "5",
        ])
        .assert()
        .success();
    assert!(d.path().join("svc/logs/worker.log").exists());
    assert!(d.path().join("svc/metrics.txt").exists());
}

/// Serves `body` once as an HTTP/1.1 200 answer on 127.0.0.1; returns the URL.
fn serve_once(body: Vec<u8>) -> String {
    use std::io::{Read, Write};
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/metrics", l.local_addr().unwrap());
    std::thread::spawn(move || {
        if let Ok((mut c, _)) = l.accept() {
            let mut req = [0u8; 4096];
            let _ = c.read(&mut req);
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = c.write_all(head.as_bytes());
            let _ = c.write_all(&body);
        }
    });
    url
}

#[test]
fn live_metrics_endpoint() {
    let (d, t) = service(ServiceStyle::Json);
    let url = serve_once(std::fs::read(&t.metrics).unwrap());
    let out = srtlog()
        .current_dir(d.path())
        .args(["audit", "logs", "--metrics", &url, "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["metrics"]["source"], url.as_str());
    assert_eq!(v["metrics"]["families"], 8);
    assert_eq!(v["grade"], "A+");
}
