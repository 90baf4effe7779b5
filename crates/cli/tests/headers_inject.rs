//! `scrape --header` and `audit --header` (with `--metrics URL`) reach the
//! server, seen by a local one-connection HTTP server; `simulate workers
//! --inject KIND` writes a run that `srtlog check` flags.

#![allow(clippy::unwrap_used)]

use assert_cmd::Command;
use predicates::prelude::*;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::mpsc;

fn srtlog() -> Command {
    let mut c = Command::cargo_bin("srtlog").expect("binary builds");
    c.env_remove("RUST_LOG");
    c
}

/// Serves one request with a small exposition and sends its header lines
/// back; returns the port.
fn serve_once() -> (u16, mpsc::Receiver<Vec<String>>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let (s, _) = l.accept().unwrap();
        let mut r = BufReader::new(s.try_clone().unwrap());
        let mut head = Vec::new();
        loop {
            let mut line = String::new();
            if r.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
                break;
            }
            head.push(line.trim_end().to_string());
        }
        let body = "# TYPE vllm:num_requests_running gauge\nvllm:num_requests_running 1\n";
        let mut s = s;
        write!(
            s,
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        s.flush().unwrap();
        tx.send(head).unwrap();
    });
    (port, rx)
}

fn has(head: &[String], name: &str, value: &str) -> bool {
    head.iter().any(|l| {
        l.split_once(':')
            .is_some_and(|(n, v)| n.eq_ignore_ascii_case(name) && v.trim() == value)
    })
}

#[test]
fn scrape_sends_every_header() {
    let (port, rx) = serve_once();
    let d = tempfile::tempdir().unwrap();
    srtlog()
        .args([
            "scrape",
            &format!("http://127.0.0.1:{port}/metrics"),
            "--header",
            "Authorization: Bearer s3cret",
            "-H",
            "X-Tenant: team-a",
            "--request-id",
            "r1",
            "--stage",
            "before",
            "--timeout",
            "5s",
            "--out",
        ])
        .arg(d.path())
        .assert()
        .success();
    let head = rx.recv_timeout(std::time::Duration::from_secs(5)).unwrap();
    assert!(head[0].starts_with("GET /metrics "), "{head:?}");
    assert!(has(&head, "authorization", "Bearer s3cret"), "{head:?}");
    assert!(has(&head, "x-tenant", "team-a"), "{head:?}");
    assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1);
}

#[test]
fn scrape_rejects_a_header_without_a_colon() {
    srtlog()
        .args([
            "scrape",
            "http://127.0.0.1:9/metrics",
            "--header",
            "Authorization Bearer x",
            "--out",
            "unused",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("Name: value"));
}

#[test]
fn audit_sends_the_header_to_the_metrics_endpoint() {
    let (port, rx) = serve_once();
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("app.log"),
        "{\"level\": \"info\", \"msg\": \"ok\", \"request_id\": \"a\"}\n",
    )
    .unwrap();
    let out = srtlog()
        .arg("audit")
        .arg(d.path())
        .args([
            "--metrics",
            &format!("http://127.0.0.1:{port}/metrics"),
            "--header",
            "Authorization: Bearer tok",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let head = rx.recv_timeout(std::time::Duration::from_secs(5)).unwrap();
    assert!(has(&head, "authorization", "Bearer tok"), "{head:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // The metrics were read (not "did not answer").
    assert!(
        !v.to_string().contains("did not answer"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn simulate_inject_writes_a_run_that_check_flags() {
    let d = tempfile::tempdir().unwrap();
    let run = d.path().join("oom");
    srtlog()
        .args(["-q", "simulate", "workers"])
        .arg(&run)
        .args(["--inject", "cuda-oom", "--duration", "5m"])
        .assert()
        .success();
    srtlog()
        .arg("check")
        .arg(&run)
        .assert()
        .code(3)
        .stdout(predicate::str::contains("cuda_oom"));
    // The clean run of the same flags passes.
    let clean = d.path().join("clean");
    srtlog()
        .args(["-q", "simulate", "workers"])
        .arg(&clean)
        .args(["--duration", "5m"])
        .assert()
        .success();
    srtlog()
        .arg("check")
        .arg(&clean)
        .assert()
        .stdout(predicate::str::contains("cuda_oom").not());
    // The kinds are listed in --help.
    srtlog()
        .args(["simulate", "workers", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("cuda-oom"))
        .stdout(predicate::str::contains("nccl-watchdog"))
        .stdout(predicate::str::contains("client-all-failed"));
    // Compression is refused with --inject (failures go into plain files).
    srtlog()
        .args(["simulate", "workers"])
        .arg(d.path().join("gz"))
        .args(["--inject", "stall", "--compress", "gz"])
        .assert()
        .code(2);
}
