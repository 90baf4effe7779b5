//! The README's DuckDB queries over a dataset written by `srtlog ingest`,
//! run with DuckDB's Python package (`tests/dataset/duckdb_queries.py`), give
//! the figures the CLI prints for the same runs: requests and p99 latency /
//! TTFT (`requests summary --json`), decode throughput per worker type
//! (`stats --json`), batch counts per worker type (`parse --json`).
//!
//! DuckDB is installed from PyPI into a virtual environment under the target
//! folder (`dataset-venv`, reused). With `CI=true` a failed install fails the
//! test; elsewhere the test is skipped with the reason printed.
//! `SRTLOG_DUCKDB_PYTHON` names a Python that already has `duckdb`.

// Test helpers may panic on unexpected input: that is how a test fails.
#![allow(clippy::unwrap_used)]

use assert_cmd::Command;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

fn srtlog() -> Command {
    let mut c = Command::cargo_bin("srtlog").expect("binary builds");
    c.env_remove("RUST_LOG");
    c
}

fn run_ok(args: &[&str]) -> Value {
    let out = srtlog().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "srtlog {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn root() -> PathBuf {
    srtlog_testutil::workspace_root()
}

fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// A Python with `duckdb`, or `None` (skip; in CI a panic).
fn duckdb_python() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SRTLOG_DUCKDB_PYTHON") {
        return Some(PathBuf::from(p));
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    let venv = target.join("dataset-venv");
    let py = venv.join("bin/python");
    let has = |py: &Path| {
        std::process::Command::new(py)
            .args(["-c", "import duckdb"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if has(&py) {
        return Some(py);
    }
    let step = |cmd: &mut std::process::Command| -> Result<(), String> {
        let o = cmd.output().map_err(|e| e.to_string())?;
        if o.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&o.stderr).into_owned())
        }
    };
    let installed = step(
        std::process::Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv),
    )
    .and_then(|()| {
        step(std::process::Command::new(&py).args(["-m", "pip", "install", "-q", "duckdb"]))
    });
    match installed {
        Ok(()) if has(&py) => Some(py),
        Ok(()) => fail_or_skip("duckdb installed but does not import".into()),
        Err(e) => fail_or_skip(e),
    }
}

fn fail_or_skip(why: String) -> Option<PathBuf> {
    assert!(
        !ci(),
        "CI=true but DuckDB's Python package cannot be installed: {why}"
    );
    eprintln!("skipped: DuckDB's Python package cannot be installed from PyPI: {why}");
    None
}

/// What the CLI says about one run, in the shape duckdb_queries.py reads.
fn expected(run: &Path, concurrency: f64) -> Value {
    let req = run_ok(&["requests", "summary", s(run), "--json"]);
    let parse = run_ok(&["parse", s(run), "--json", "--no-cache"]);
    let stats = run_ok(&["stats", s(run), "--json"]);
    let mut batches = serde_json::Map::new();
    for w in parse["workers"].as_array().unwrap() {
        let e = batches
            .entry(w["worker_type"].as_str().unwrap())
            .or_insert_with(|| json!({"prefill": 0, "decode": 0}));
        for k in ["prefill", "decode"] {
            let n = e[k].as_u64().unwrap() + w[format!("{k}_batches")].as_u64().unwrap();
            e[k] = json!(n);
        }
    }
    let mut decode = serde_json::Map::new();
    for st in stats["stats"].as_array().unwrap() {
        if st["metric"] == "gen_throughput" && st["side"] == "decode" {
            decode.insert(
                st["worker_type"].as_str().unwrap().to_string(),
                json!({"count": st["count"], "mean": st["mean"], "p99": st["p99"]}),
            );
        }
    }
    json!({
        "concurrency": concurrency,
        "requests": req["total_requests"],
        "p99_latency_ms": req["p99_latency_ms"],
        "p99_ttft_ms": req["fields"]["ttft_ms"]["p99"],
        "batches": batches,
        "decode_gen_throughput": decode,
    })
}

#[test]
fn readme_queries_give_the_cli_figures() {
    let Some(py) = duckdb_python() else {
        return;
    };
    let d = tempfile::tempdir().unwrap();
    let mut runs = serde_json::Map::new();
    let mut paths = Vec::new();
    for (conc, rng) in [(8.0, "3"), (32.0, "4")] {
        let id = format!("sweep-concurrency{conc}");
        let r = d.path().join(&id);
        let sim = |args: &[&str]| {
            let o = srtlog()
                .arg("simulate")
                .args(args)
                .arg("-q")
                .output()
                .unwrap();
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        };
        sim(&["workers", s(&r), "--duration", "3m", "--rng", rng]);
        let log = r.join("requests/requests.jsonl");
        sim(&["requests", s(&log), "--count", "1200", "--rng", rng]);
        runs.insert(id, expected(&r, conc));
        paths.push(r);
    }
    let ds = d.path().join("fleet");
    let mut args = vec!["ingest"];
    args.extend(paths.iter().map(|p| s(p)));
    args.extend(["--into", s(&ds), "--json"]);
    run_ok(&args);
    let exp = d.path().join("expected.json");
    std::fs::write(
        &exp,
        serde_json::to_string_pretty(&json!({ "runs": runs })).unwrap(),
    )
    .unwrap();
    let dir = root().join("tests/dataset");
    let out = std::process::Command::new(&py)
        .arg(dir.join("duckdb_queries.py"))
        .arg(&ds)
        .arg(&exp)
        .arg(dir.join("queries.sql"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("every figure agrees"), "{text}");
    assert!(!text.contains("BAD"), "{text}");
    // Per run: concurrency, requests, two p99s, decode count, mean, p99,
    // prefill and decode batches of two worker types; and the run list.
    assert!(
        text.lines().filter(|l| l.starts_with("ok ")).count() > 2 * 9,
        "{text}"
    );
}

/// The README shows the queries the test runs, word for word.
#[test]
fn readme_holds_the_tested_queries() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let sql = std::fs::read_to_string(root().join("tests/dataset/queries.sql")).unwrap();
    for block in sql.split("-- name:").skip(1) {
        let body: String = block
            .lines()
            .skip(1)
            .filter(|l| !l.starts_with("--"))
            .collect::<Vec<_>>()
            .join("\n");
        let body = body.trim();
        assert!(readme.contains(body), "README.md lacks the query:\n{body}");
    }
}
