//! Issue 17, items 13–15 and 20–24, through the binary: real 2026 SGLang
//! configuration, a benchmark client's log beside workers, one vLLM engine's
//! gauges drawn once, error tracking without errors, AIPerf's own
//! inter-chunk latency, the simulator's rates against the real logs', the
//! wrong tool for an input, thousands separators and JSON diagnostics.
//! Every run is guarded by a generous timeout (a hang fails; not a timed
//! test).

#![allow(clippy::unwrap_used)]

use serde_json::Value;
use srtlog_testutil::shared_file;
use std::path::Path;
use std::process::Output;
use std::time::Duration;

mod common;

/// Runs `srtlog args…` in `dir`; kills it and fails after two minutes.
fn srtlog_in(dir: &Path, args: &[&str]) -> Output {
    common::guarded::srtlog_within(dir, args, Duration::from_secs(120))
}

fn srtlog(args: &[&str]) -> Output {
    srtlog_in(Path::new("."), args)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", text(&o.stdout), text(&o.stderr)))
}

/// A request log of `n` requests in the request-log workflow's format.
fn request_log(path: &Path, n: usize) {
    let mut s = String::new();
    for i in 0..n {
        s.push_str(&format!(
            "{{\"timestamp\": \"2025-01-01T00:{:02}:{:02}Z\", \"request_id\": \"r{i}\", \"model\": \"m\", \"latency_ms\": {}.5, \"status\": \"success\"}}\n",
            (i / 60) % 60,
            i % 60,
            100 + i
        ));
    }
    std::fs::write(path, s).unwrap();
}

/// `1234567` → `1,234,567`, written independently of the code under test.
fn commas(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

// ---- item 13 ----------------------------------------------------------

#[test]
fn item13_sglang_2026_config_from_server_args() {
    let Some(p) = shared_file("dgx-spark-sostrowsk/sglang-int4.log") else {
        return;
    };
    let o = srtlog(&["parse", p.to_str().unwrap(), "--json", "--no-cache"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let c = &json(&o)["workers"][0]["config"];
    // `server_args=ServerArgs(model_path='poolside/Laguna-S-2.1-INT4', …,
    // disaggregation_mode='null', …)`; not `<model>` from line 3's usage hint.
    assert_eq!(c["model_path"], "poolside/Laguna-S-2.1-INT4");
    assert_eq!(c["disaggregation_mode"], Value::Null);
    assert_eq!(c["aggregated"], true);
    assert_eq!(json(&o)["workers"][0]["worker_type"], "agg");
}

// ---- item 14 ----------------------------------------------------------

#[test]
fn item14_benchmark_client_log_is_not_a_worker() {
    let Some(dir) = shared_file("dgx-spark-sostrowsk") else {
        return;
    };
    let o = srtlog(&["parse", dir.to_str().unwrap(), "--json", "--no-cache"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v = json(&o);
    let files: Vec<String> = v["workers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["file"].as_str().unwrap().to_string())
        .collect();
    // The five server logs of the folder (ls), not the client's.
    assert_eq!(files.len(), 5, "{files:?}");
    assert!(!files.iter().any(|f| f.ends_with("bench-qwen38-int4.log")));
    let err = text(&o.stderr);
    assert!(
        err.contains("bench-qwen38-int4.log: a benchmark client's log"),
        "{err}"
    );
    // The skip is a note, which `--quiet` leaves out (it printed it);
    // the files' warnings stay.
    for cmd in ["parse", "stats"] {
        let o = srtlog(&["--quiet", cmd, dir.to_str().unwrap(), "--no-cache"]);
        assert!(o.status.success(), "{cmd}: {}", text(&o.stderr));
        let err = text(&o.stderr);
        assert!(!err.contains("benchmark client's log"), "{cmd}: {err}");
        assert!(err.contains("warning: "), "{cmd}: {err}");
    }
    // Given alone: nothing to parse, and the error says what it is.
    let f = dir.join("bench-qwen38-int4.log");
    let o = srtlog(&["parse", f.to_str().unwrap(), "--no-cache"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("looks like a benchmark client's log"),
        "{}",
        text(&o.stderr)
    );
}

// ---- item 15 ----------------------------------------------------------

#[test]
fn item15_vllm_engine_gauges_once() {
    let Some(p) = shared_file("dgx-spark-sostrowsk/vllm.log") else {
        return;
    };
    let o = srtlog(&["stats", p.to_str().unwrap(), "--json", "--year", "2026"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v = json(&o);
    let rows = v["stats"].as_array().unwrap_or_else(|| panic!("{v}"));
    let sides = |m: &str| -> Vec<String> {
        rows.iter()
            .filter(|r| r["metric"] == m)
            .map(|r| r["side"].as_str().unwrap().to_string())
            .collect()
    };
    for g in ["running_req", "queue_req", "token_usage"] {
        assert_eq!(sides(g), ["engine"], "{g}");
    }
    assert_eq!(sides("input_throughput"), ["prefill"]);
    assert_eq!(sides("gen_throughput"), ["decode"]);
    // The terminal table: one running_req row, labelled by the engine.
    let o = srtlog(&["stats", p.to_str().unwrap(), "--year", "2026"]);
    let t = text(&o.stdout);
    let running: Vec<&str> = t.lines().filter(|l| l.contains(" running_req ")).collect();
    assert_eq!(running.len(), 1, "{t}");
    assert!(running[0].contains("agg (engine)"), "{t}");
}

// ---- item 20 ----------------------------------------------------------

#[test]
fn item20_no_errors_is_not_error_tracking_done() {
    let d = tempfile::tempdir().unwrap();
    let mut s = String::new();
    for i in 0..30 {
        s.push_str(&format!(
            "{{\"timestamp\": \"2025-01-01T00:00:{i:02}Z\", \"level\": \"INFO\", \"logger\": \"gw\", \"message\": \"request done\", \"request_id\": \"r{i}\"}}\n"
        ));
    }
    std::fs::write(d.path().join("gw.log"), s).unwrap();
    let dir = d.path().to_str().unwrap();
    let o = srtlog(&["audit", dir, "--json"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v = json(&o);
    let area = v["areas"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["area"] == "error tracking")
        .unwrap()
        .clone();
    assert_eq!(area["gap"], "not_checked", "{area}");
    assert_eq!(area["score"], Value::Null);
    assert!(!v["good"].to_string().contains("error tracking"));
    let o = srtlog(&["audit", dir]);
    let t = text(&o.stdout);
    let row = t
        .lines()
        .find(|l| l.starts_with("| error tracking"))
        .unwrap();
    assert!(!row.contains("Done"), "{row}");
    assert!(row.contains("Not checked"), "{row}");
}

// ---- item 21 ----------------------------------------------------------

#[test]
fn item21_aiperf_icl_falls_back_to_aiperf_list() {
    let Some(dir) = shared_file("aiperf-examples-run1") else {
        return;
    };
    let o = srtlog(&["aiperf", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let t = text(&o.stdout);
    // profile_export_aiperf.csv: `Inter Chunk Latency (ms),27.76,…` over
    // the 21,537 values of the records' inter_chunk_latency lists.
    let line = t
        .lines()
        .find(|l| l.contains("Avg inter-chunk latency:"))
        .unwrap();
    assert!(line.contains("27.76ms"), "{line}");
    assert!(
        t.contains("from AIPerf's per-SSE-message inter_chunk_latency"),
        "{t}"
    );
    let streaming = t.split("STREAMING STATISTICS").nth(1).unwrap();
    let streaming = streaming.split("BANDWIDTH").next().unwrap();
    assert!(streaming.contains("[21,537 values]"), "{streaming}");
}

// ---- item 22 ----------------------------------------------------------

/// One file's prefill, decode and statistics lines per second.
type FileRates = (String, f64, f64, f64);

/// Per-scheduler prefill/decode line rates from the simulator's manifest
/// (its ground truth: counts and first/last timestamps), and the mean
/// printed throughputs from `srtlog stats --json`.
fn rates(dir: &Path, args: &[&str]) -> (Vec<FileRates>, f64, f64) {
    let mut a = vec!["simulate", "workers", "run", "--json", "-q"];
    a.extend_from_slice(args);
    let o = srtlog_in(dir, &a);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let m = json(&o);
    let secs = |s: &str| -> f64 {
        // `YYYY-MM-DD HH:MM:SS` (SGLang) or `MM-DD HH:MM:SS` (vLLM) within
        // one year: days since New Year (not a leap year) and the time.
        const BEFORE: [f64; 12] = [
            0.0, 31.0, 59.0, 90.0, 120.0, 151.0, 181.0, 212.0, 243.0, 273.0, 304.0, 334.0,
        ];
        let (d, t) = s.split_once(' ').unwrap();
        let md = &d[d.len() - 5..];
        let month: usize = md[..2].parse().unwrap();
        let day = BEFORE[month - 1] + md[3..].parse::<f64>().unwrap();
        let p: Vec<f64> = t.split(':').map(|x| x.parse().unwrap()).collect();
        day * 86400.0 + p[0] * 3600.0 + p[1] * 60.0 + p[2]
    };
    let per_file = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let span = secs(f["last_timestamp"].as_str().unwrap())
                - secs(f["first_timestamp"].as_str().unwrap());
            (
                f["file"].as_str().unwrap().to_string(),
                f["prefill_lines"].as_f64().unwrap() / span,
                f["decode_lines"].as_f64().unwrap() / span,
                f["stat_lines"].as_f64().unwrap() / span,
            )
        })
        .collect();
    let o = srtlog_in(dir, &["stats", "run", "--json"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v = json(&o);
    let mean = |metric: &str| -> f64 {
        v["stats"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["metric"] == metric)
            .map(|r| r["mean"].as_f64().unwrap())
            .unwrap()
    };
    (per_file, mean("input_throughput"), mean("gen_throughput"))
}

#[test]
fn item22_simulator_rates_are_those_of_real_logs_at_any_size() {
    // The ranges of the real logs (srtlog_sim::REAL_RATES, measured with
    // `srtlog parse --json` and `srtlog stats --json` on ../shared/data).
    let r = srtlog_sim::REAL_RATES;
    let vllm = ["--variant", "vllm", "--mode", "agg"];
    let vllm_sized = ["--variant", "vllm", "--mode", "agg", "--size", "20MB"];
    for args in [&[][..], &["--size", "40MB"][..], &vllm[..], &vllm_sized[..]] {
        let d = tempfile::tempdir().unwrap();
        let (files, input, gen) = rates(d.path(), args);
        for (f, p, dcd, st) in files {
            if st > 0.0 {
                assert!(
                    (r.stats_lines_per_s.0..=r.stats_lines_per_s.1).contains(&st),
                    "{args:?} {f}: {st} statistics lines/s"
                );
            }
            if p > 0.0 {
                assert!(
                    (r.prefill_lines_per_s.0..=r.prefill_lines_per_s.1).contains(&p),
                    "{args:?} {f}: {p} prefill lines/s"
                );
            }
            if dcd > 0.0 {
                assert!(
                    (r.decode_lines_per_s.0..=r.decode_lines_per_s.1).contains(&dcd),
                    "{args:?} {f}: {dcd} decode lines/s"
                );
            }
        }
        assert!(
            (r.input_tokens_per_s.0..=r.input_tokens_per_s.1).contains(&input),
            "{args:?}: input throughput {input}"
        );
        assert!(
            (r.gen_tokens_per_s.0..=r.gen_tokens_per_s.1).contains(&gen),
            "{args:?}: generation throughput {gen}"
        );
    }
}

// ---- item 23 ----------------------------------------------------------

#[test]
fn item23_wrong_tool_names_the_right_one() {
    let d = tempfile::tempdir().unwrap();
    let req = d.path().join("req0.jsonl");
    request_log(&req, 1000);
    let r = req.to_str().unwrap();
    // parse and viz on a request log.
    let o = srtlog(&["parse", r, "--no-cache"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stdout));
    assert!(
        text(&o.stderr).contains("srtlog requests summary"),
        "{}",
        text(&o.stderr)
    );
    assert!(!text(&o.stdout).contains("no batches"));
    let html = d.path().join("x.html");
    let o = srtlog(&["viz", r, "-o", html.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let e = text(&o.stderr);
    assert!(
        e.contains("srtlog requests summary") && !e.contains("start-up"),
        "{e}"
    );
    // requests on a worker log.
    let run = d.path().join("run");
    let o = srtlog(&[
        "simulate",
        "workers",
        run.to_str().unwrap(),
        "-q",
        "--duration",
        "60",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let logs = run.join("logs");
    let w = std::fs::read_dir(&logs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("_prefill_w0"))
        .unwrap();
    let o = srtlog(&["requests", "summary", w.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let e = text(&o.stderr);
    assert!(
        e.contains("worker log") && e.contains("srtlog parse"),
        "{e}"
    );
    let o = srtlog(&["requests", "summary", logs.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("srtlog parse"),
        "{}",
        text(&o.stderr)
    );
    // snapshots on a file: once, pointing to --show.
    let o = srtlog(&["snapshots", r]);
    assert_eq!(o.status.code(), Some(1));
    let e = text(&o.stderr);
    assert!(e.contains("--show"), "{e}");
    assert!(!e.contains("Not a directory"), "{e}");
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(e.contains("srtlog requests summary"), "{e}");
    // `srtlog summary` is `srtlog requests summary`.
    let o = srtlog(&["summary", r]);
    assert_ne!(o.status.code(), Some(0));
    assert!(
        text(&o.stderr).contains(&format!("srtlog requests summary {r}")),
        "{}",
        text(&o.stderr)
    );
}

// ---- item 24 ----------------------------------------------------------

#[test]
fn item24_terminal_tables_group_thousands() {
    let d = tempfile::tempdir().unwrap();
    let run = d.path().join("run");
    let o = srtlog(&[
        "simulate",
        "workers",
        run.to_str().unwrap(),
        "--json",
        "-q",
        "--duration",
        "3600",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let m = json(&o);
    let prefill: u64 = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["prefill_batches"].as_u64().unwrap())
        .sum();
    assert!(prefill >= 1000, "{prefill}");
    let o = srtlog(&["parse", run.to_str().unwrap(), "-v", "--no-cache"]);
    let t = text(&o.stdout);
    assert!(t.contains(&commas(prefill)), "{} in {t}", commas(prefill));
    // --json stays raw.
    let o = srtlog(&["parse", run.to_str().unwrap(), "--json", "--no-cache"]);
    assert_eq!(
        json(&o)["totals"]["prefill_batches"].as_u64(),
        Some(prefill)
    );
    // requests summary: 1,000 requests.
    let req = d.path().join("req.jsonl");
    request_log(&req, 1000);
    let o = srtlog(&["requests", "summary", req.to_str().unwrap()]);
    assert!(text(&o.stdout).contains("1,000"), "{}", text(&o.stdout));
}

#[test]
fn item24_json_diagnostics_and_one_connection_error() {
    let d = tempfile::tempdir().unwrap();
    let w = d.path().join("w.log");
    std::fs::write(&w, "not a request\nnor this\n").unwrap();
    let o = srtlog(&[
        "--log-format",
        "json",
        "requests",
        "summary",
        w.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let e = text(&o.stderr);
    let kinds: Vec<String> = e
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap_or_else(|_| panic!("not JSON: {l}"));
            v["kind"].as_str().unwrap().to_string()
        })
        .collect();
    assert!(kinds.contains(&"warning".to_string()), "{e}");
    assert!(kinds.contains(&"error".to_string()), "{e}");
    // A refused connection (port 9, discard, is closed here): one line.
    let out = d.path().join("snap");
    let o = srtlog(&[
        "scrape",
        "http://127.0.0.1:9/metrics",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let e = text(&o.stderr);
    assert_eq!(e.matches("cannot connect").count(), 1, "{e}");
}
