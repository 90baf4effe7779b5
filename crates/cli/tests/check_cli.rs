//! End-to-end tests of `srtlog check`: the text report (clean run in one
//! line, findings most severe first), `--json`, `--fail-on` and the exit
//! codes (0 pass, 3 findings at the level, 1 no worker log, 2 missing path),
//! on simulated runs with a failure injected and on a real failed log.

#![allow(clippy::unwrap_used)]

use assert_cmd::Command;
use predicates::prelude::*;
use srtlog_sim::failures::{baseline, write_failed_run, Failure};

fn srtlog() -> Command {
    Command::cargo_bin("srtlog").unwrap()
}

fn run(f: Option<Failure>) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    write_failed_run(d.path(), &baseline(7), f).unwrap();
    d
}

#[test]
fn clean_run_is_one_line_and_exits_0() {
    let d = run(None);
    let out = srtlog().arg("check").arg(d.path()).assert().code(0);
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.starts_with("OK "), "{text}");
    assert!(
        text.contains("3 worker logs") && text.contains("tok/s generated"),
        "{text}"
    );
    // --fail-on warn passes too.
    srtlog()
        .arg("check")
        .arg(d.path())
        .args(["--fail-on", "warn"])
        .assert()
        .code(0);
}

#[test]
fn fatal_run_fails_with_exit_3_and_shows_evidence() {
    let d = run(Some(Failure::CudaOom));
    let out = srtlog().arg("check").arg(d.path()).assert().code(3);
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let first = text.lines().nth(2).unwrap();
    assert!(first.starts_with("FATAL"), "{text}");
    assert!(
        text.contains("cuda_oom: the GPU ran out of memory"),
        "{text}"
    );
    assert!(
        text.contains("> torch.OutOfMemoryError: CUDA out of memory"),
        "{text}"
    );
    assert!(text.contains("_decode_w0.out:"), "{text}");
    assert!(text.contains("fix: lower --mem-fraction-static"), "{text}");
    assert!(
        text.trim_end().ends_with("fails at --fail-on error"),
        "{text}"
    );
}

#[test]
fn degraded_run_warns_and_fails_only_at_warn() {
    let d = run(Some(Failure::CudaGraphOff));
    srtlog()
        .arg("check")
        .arg(d.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "DEGRADED      cuda_graph_disabled",
        ))
        .stdout(predicate::str::contains(
            "0 errors, 1 warnings: passes at --fail-on error",
        ));
    srtlog()
        .arg("check")
        .arg(d.path())
        .args(["--fail-on", "warn"])
        .assert()
        .code(3)
        .stdout(predicate::str::contains("fails at --fail-on warn"));
}

#[test]
fn json_output() {
    let d = run(Some(Failure::ClientZeroTokens));
    let out = srtlog()
        .arg("check")
        .arg(d.path())
        .arg("--json")
        .assert()
        .code(3);
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["failed"], true);
    assert_eq!(v["fail_on"], "error");
    let f = &v["report"]["findings"][0];
    assert_eq!(f["kind"], "client_zero_tokens");
    assert_eq!(f["severity"], "untrustworthy");
    assert!(f["evidence"]["file"]
        .as_str()
        .unwrap()
        .ends_with("benchmark.out"));
    assert_eq!(f["evidence"]["line"], 12);
    assert!(f["advice"].as_str().unwrap().contains("do not report"));
    assert_eq!(v["report"]["worker_files"].as_array().unwrap().len(), 3);
    assert!(v["report"]["steady"]["gen_throughput"].as_f64().unwrap() > 0.0);
    // --no-client reads the worker logs only: nothing left to find.
    let out = srtlog()
        .arg("check")
        .arg(d.path())
        .args(["--json", "--no-client"])
        .assert()
        .code(0);
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["failed"], false);
    assert_eq!(v["report"]["findings"].as_array().unwrap().len(), 0);
}

#[test]
fn real_failed_log() {
    let Some(p) = srtlog_testutil::shared_file("failures/sglang-eaddrinuse.log") else {
        return;
    };
    srtlog()
        .arg("check")
        .arg(&p)
        .assert()
        .code(3)
        .stdout(predicate::str::contains(
            "port_in_use: a port was already in use",
        ))
        .stdout(predicate::str::contains("sglang-eaddrinuse.log:198"))
        .stdout(predicate::str::contains("3 errors, 0 warnings"));
}

#[test]
fn no_worker_logs_and_missing_paths() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("notes.txt"), "nothing\n").unwrap();
    srtlog()
        .arg("check")
        .arg(d.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "no worker log found; looked for worker logs",
        ));
    srtlog()
        .arg("check")
        .arg(d.path().join("missing"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no such file"));
}
