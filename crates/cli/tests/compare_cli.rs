//! `srtlog compare` from the command line, on runs written by `srtlog
//! simulate workers` (issue 15's acceptance tests) and on real SGLang logs.
//!
//! The simulated runs share one scenario (`--rng 42`); `--replicate` makes
//! each another run of the same job; `--enable-two-batch-overlap` is the
//! server argument the simulator maps to +20 % decode throughput on the
//! decode workers (and ÷1.2 time per output token on the client), nothing
//! on the prefill side.

// Test helpers may panic on unexpected input: that is how a test fails.
#![allow(clippy::unwrap_used)]

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn srtlog() -> Command {
    let mut c = Command::cargo_bin("srtlog").expect("binary builds");
    c.env_remove("RUST_LOG");
    c
}

struct Runs {
    _dir: tempfile::TempDir,
    base: PathBuf,
    tbo: PathBuf,
    same: PathBuf,
}

/// Three runs of one job: the baseline (replicate 1), the same with
/// two-batch overlap on the decode workers (replicate 2), and the same
/// configuration again (replicate 3).
fn runs() -> &'static Runs {
    static RUNS: OnceLock<Runs> = OnceLock::new();
    RUNS.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let sim = |name: &str, rep: &str, tbo: bool| -> PathBuf {
            let p = dir.path().join(name);
            let mut c = srtlog();
            c.args(["-q", "simulate", "workers"]).arg(&p).args([
                "--client-log",
                "--rng",
                "42",
                "--replicate",
                rep,
            ]);
            if tbo {
                c.arg("--enable-two-batch-overlap");
            }
            c.assert().success();
            p
        };
        Runs {
            base: sim("base", "1", false),
            tbo: sim("tbo", "2", true),
            same: sim("same", "3", false),
            _dir: dir,
        }
    })
}

fn compare_json(a: &Path, b: &Path) -> Value {
    let out = srtlog()
        .args(["compare", "--json", "--resamples", "1000"])
        .arg(a)
        .arg(b)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// (id, verdict, delta_pct) of every row.
fn verdicts(v: &Value) -> Vec<(String, String, f64)> {
    v["tables"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["rows"].as_array().unwrap())
        .map(|r| {
            let d = &r["deltas"][0];
            (
                r["id"].as_str().unwrap().to_string(),
                d["verdict"].as_str().unwrap().to_string(),
                d["delta_pct"].as_f64().unwrap_or(f64::NAN),
            )
        })
        .collect()
}

fn verdict_of<'a>(v: &'a [(String, String, f64)], id: &str) -> &'a (String, String, f64) {
    v.iter()
        .find(|r| r.0 == id)
        .unwrap_or_else(|| panic!("no row {id}: {v:?}"))
}

/// Issue 15, done-when 1: the injected +20 % decode throughput is reported
/// as significant and better; prefill-side figures and the error rate are
/// not reported as significant.
#[test]
fn injected_decode_speedup_is_significant_and_nothing_else_on_prefill() {
    let r = runs();
    let v = compare_json(&r.base, &r.tbo);
    let rows = verdicts(&v);
    let dec = verdict_of(&rows, "decode.decode_throughput");
    assert_eq!(dec.1, "better", "{rows:?}");
    assert!((15.0..25.0).contains(&dec.2), "about +20 %: {}", dec.2);
    // What follows from faster decoding may move, in the right direction.
    assert_eq!(verdict_of(&rows, "p50_tpot_ms").1, "better");
    // Prefill side and error rate: no significant change.
    let prefill: Vec<_> = rows
        .iter()
        .filter(|r| r.0.starts_with("prefill."))
        .collect();
    assert!(prefill.len() >= 3, "{rows:?}");
    for id in prefill.iter().map(|r| r.0.as_str()).chain([
        "p50_ttft_ms",
        "p90_ttft_ms",
        "p99_ttft_ms",
        "error_rate",
    ]) {
        assert_eq!(verdict_of(&rows, id).1, "no_significant_change", "{id}");
    }
    // The configuration diff names the one argument that changed.
    let cfg = &v["config"];
    let row = cfg["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == "decode.enable_two_batch_overlap")
        .expect("the changed argument is in the diff");
    assert_eq!(row["values"], serde_json::json!(["False", "True"]));
    assert_eq!(
        cfg["changes"][0]["variables"],
        serde_json::json!(["enable_two_batch_overlap"])
    );
    assert_eq!(cfg["changes"][0]["more_than_one"], false);
}

/// Issue 15, done-when 2: the same configuration run again reports no
/// significant change anywhere.
#[test]
fn same_configuration_other_replicate_reports_no_change() {
    let r = runs();
    let v = compare_json(&r.base, &r.same);
    let rows = verdicts(&v);
    assert!(rows.len() >= 16, "{rows:?}");
    for (id, verdict, _) in &rows {
        assert_eq!(verdict, "no_significant_change", "{id}: {rows:?}");
    }
    assert!(v["config"]["rows"].as_array().unwrap().is_empty());
}

/// `--json` shape, the gates (exit 3), and the HTML report: written
/// atomically, with both runs on a time axis relative to each run's start.
#[test]
fn json_shape_gates_and_report() {
    let r = runs();
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("cmp.html");
    let out = srtlog()
        .args(["compare", "--json", "--resamples", "500", "-o"])
        .arg(&html)
        .arg(&r.base)
        .arg(&r.tbo)
        .args(["--fail-if", "decode.decode_throughput > +10%"])
        .args(["--fail-if", "error_rate > 0.05"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("gate failed: decode.decode_throughput > +10%"),
        "{err}"
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    for k in ["runs", "method", "tables", "config"] {
        assert!(v.get(k).is_some(), "{k}");
    }
    assert_eq!(v["runs"].as_array().unwrap().len(), 2);
    assert!(v.get("sweep").is_none(), "two runs given are not a sweep");
    assert_eq!(v["runs"][0]["label"], "base");
    assert_eq!(v["method"]["baseline"], "base");
    assert!(v["runs"][1]["metrics"]["decode"]["decode_throughput"].is_number());
    assert!(v["runs"][0]["metrics"]["p99_ttft_ms"].is_number());
    assert_eq!(v["runs"][0]["client"]["per_request"], true);
    let w = &v["runs"][0]["window"];
    assert!(
        w["start_s"].as_f64().unwrap() > 150.0,
        "start-up is not steady state: {w}"
    );
    // The simulated run is 10 minutes (ramp, plateau, drain); with the
    // real logs' line rates its plateau is 4–5 minutes.
    assert!(w["end_s"].as_f64().unwrap() > w["start_s"].as_f64().unwrap() + 240.0);
    let row = &v["tables"][0]["rows"][0];
    for k in ["id", "group", "title", "unit", "good", "values", "deltas"] {
        assert!(row.get(k).is_some(), "{k}");
    }
    for k in [
        "delta",
        "delta_pct",
        "ci_lo",
        "ci_hi",
        "test",
        "p_value",
        "p_adjusted",
        "verdict",
    ] {
        assert!(row["deltas"][0].get(k).is_some(), "{k}");
    }
    // Atomic: the report and nothing else (no temporary left behind).
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, [std::ffi::OsString::from("cmp.html")]);
    let page = std::fs::read_to_string(&html).unwrap();
    let data = page
        .split("id=\"srtlog-data\">")
        .nth(1)
        .and_then(|s| s.split("</script>").next())
        .unwrap();
    let data: Value = serde_json::from_str(data).unwrap();
    let chart = data["charts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "w-decode.decode_throughput")
        .expect("decode throughput chart");
    let labels: Vec<&str> = chart["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["base", "tbo"]);
    let xs: Vec<f64> = chart["x"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    // Relative time: seconds since each run's first line (about 150 s of
    // start-up, then 600 s of serving), not epoch seconds.
    assert!(
        xs[0] >= 0.0 && *xs.last().unwrap() < 1000.0,
        "{:?}",
        (xs[0], xs.last())
    );
    assert_eq!(chart["x_label"], "seconds since the run's first log line");
    for id in ["cdf-ttft", "cdf-tpot", "cdf-e2e"] {
        assert!(
            data["charts"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["id"] == id),
            "{id}"
        );
    }
    // A gate that holds nowhere passes: exit 0.
    srtlog()
        .args(["compare", "--resamples", "200"])
        .arg(r.base.join("client/requests.jsonl"))
        .arg(r.same.join("client/requests.jsonl"))
        .args(["--fail-if", "error_rate > 0.05"])
        .assert()
        .success();
}

/// Request logs as sources: the client table only, and the same output on
/// every run (fixed bootstrap seeds).
#[test]
fn request_logs_compare_reproducibly() {
    let r = runs();
    let a = r.base.join("client/requests.jsonl");
    let b = r.tbo.join("client/requests.jsonl");
    let run = || {
        srtlog()
            .args(["compare", "--resamples", "300"])
            .arg(&a)
            .arg(&b)
            .output()
            .unwrap()
    };
    let (x, y) = (run(), run());
    assert!(x.status.success());
    assert_eq!(x.stdout, y.stdout, "deterministic");
    let text = String::from_utf8_lossy(&x.stdout);
    assert!(text.contains("TPOT (ITL) p50"), "{text}");
    assert!(!text.contains("Worker logs"), "{text}");
}

#[test]
fn usage_errors_and_help() {
    srtlog()
        .args(["compare", "/nonexistent/a", "/nonexistent/b"])
        .assert()
        .code(2);
    let r = runs();
    srtlog().arg("compare").arg(&r.base).assert().code(2);
    let help = srtlog().args(["compare", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("`srtlog requests compare`")
            && help.contains("GROUPS inside one request log"),
        "{help}"
    );
    let help = srtlog()
        .args(["requests", "compare", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("srtlog compare") && help.contains("RUNS"),
        "{help}"
    );
}

/// Real SGLang logs (AMD CI, formats and values checked with grep): the
/// configuration diff reads the server arguments of both runs.
#[test]
fn real_sglang_runs_config_diff() {
    let (Some(a), Some(b)) = (
        srtlog_testutil::shared_file("sglang-ci-dp8-v0.5.5.post2"),
        srtlog_testutil::shared_file("sglang-ci-dp-iter-v0.5.4"),
    ) else {
        return;
    };
    let v = compare_json(&a, &b);
    let rows = v["config"]["rows"].as_array().unwrap();
    let val = |k: &str| -> Value {
        rows.iter()
            .find(|r| r["key"] == k)
            .unwrap_or_else(|| panic!("{k}"))["values"]
            .clone()
    };
    // grep -o "mem_fraction_static=[0-9.]*": 0.68 and 0.8.
    assert_eq!(
        val("agg.mem_fraction_static"),
        serde_json::json!(["0.68", "0.8"])
    );
    // grep -o "lora_backend='[a-z]*'": csgmv and triton.
    assert_eq!(
        val("agg.lora_backend"),
        serde_json::json!(["csgmv", "triton"])
    );
    assert_eq!(
        val("agg.model_path"),
        serde_json::json!([
            "/mnt/raid/models/deepseek-ai/amd-DeepSeek-R1-MXFP4-Preview",
            "/mnt/raid/models/huggingface/deepseek-ai/DeepSeek-V3-0324"
        ])
    );
    assert_eq!(v["config"]["changes"][0]["more_than_one"], true);
    // Both runs: tp_size=8, dp_size=8 with DP attention: 8 GPUs, not in the diff.
    assert!(!rows.iter().any(|r| r["key"] == "gpus"));
}

/// Issue 15: `requests compare --by file` failed with "no numeric field
/// \"file\""; it now gives one group per input file (counts from the
/// simulator: 50 and 30 requests).
#[test]
fn requests_compare_by_file() {
    let dir = tempfile::tempdir().unwrap();
    for (name, n, rng) in [("a.jsonl", "50", "1"), ("b.jsonl", "30", "7")] {
        srtlog()
            .args(["-q", "simulate", "requests"])
            .arg(dir.path().join(name))
            .args(["--count", n, "--rng", rng])
            .assert()
            .success();
    }
    let out = srtlog()
        .args(["requests", "compare", "--by", "file", "--json"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let g = v.as_array().unwrap();
    assert_eq!(g.len(), 2);
    assert!(g[0]["key"].as_str().unwrap().ends_with("a.jsonl"));
    assert_eq!(g[0]["total_requests"], 50);
    assert!(g[1]["key"].as_str().unwrap().ends_with("b.jsonl"));
    assert_eq!(g[1]["total_requests"], 30);
}

/// A sweep folder: the runs are its sub-folders, the concurrency is read
/// from their names (the last resort, said so), one point per run with the
/// Pareto frontier; a sweep of one variable.
#[test]
fn sweep_folder() {
    let dir = tempfile::tempdir().unwrap();
    for (name, rep) in [("concurrency_16", "2"), ("concurrency_4", "1")] {
        srtlog()
            .args(["-q", "simulate", "workers"])
            .arg(dir.path().join(name))
            .args(["--client-log", "--duration", "3m", "--replicate", rep])
            .assert()
            .success();
    }
    let out = srtlog()
        .args(["compare", "--json", "--resamples", "200", "-o"])
        .arg(dir.path().join("sweep.html"))
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let sw = &v["sweep"];
    let pts = sw["points"].as_array().unwrap();
    let runs: Vec<&str> = pts.iter().map(|p| p["run"].as_str().unwrap()).collect();
    assert_eq!(
        runs,
        ["concurrency_4", "concurrency_16"],
        "in swept-value order"
    );
    assert_eq!(pts[0]["value"]["value"], 4.0);
    assert_eq!(pts[1]["value"]["variable"], "concurrency");
    assert_eq!(pts[1]["value"]["source"], "folder name");
    assert_eq!(sw["one_variable"], true);
    assert_eq!(sw["latency_metric"], "p50_tpot_ms");
    assert!(pts.iter().any(|p| p["pareto"] == true));
    let page = std::fs::read_to_string(dir.path().join("sweep.html")).unwrap();
    assert!(page.contains("\"id\":\"sweep\""), "sweep chart");
}
