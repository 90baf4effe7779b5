//! Hostile values through the binary (issue 17 items 5, 9, 10, 11, 12):
//! absurd durations and sizes are usage errors (exit 2, never a panic),
//! values that do not fit their column are counted, CR-only files are read
//! line by line, broken snapshots are flagged, and a bad AIPerf field keeps
//! its record. Every run is guarded by a generous timeout: a hang fails the
//! test (it is not a timed test).

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
mod common;

use std::process::Output;
use std::time::Duration;

/// Runs `srtlog args…` in `dir`; kills it and fails after two minutes.
fn srtlog_in(dir: &Path, args: &[&str]) -> Output {
    common::guarded::srtlog_within(dir, args, Duration::from_secs(120))
}

fn srtlog(args: &[&str]) -> Output {
    srtlog_in(Path::new("."), args)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", stderr(o));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// A usage error: exit 2, a message naming the flag's problem, no panic.
fn assert_usage_error(o: &Output, what: &str) {
    let e = stderr(o);
    assert_eq!(o.status.code(), Some(2), "{what}: {e}");
    assert!(!e.contains("panicked"), "{what}: {e}");
    assert!(e.contains("error"), "{what}: {e}");
}

/// A 1,000-request request log from the simulator.
fn request_log(dir: &Path) -> PathBuf {
    let p = dir.join("req0.jsonl");
    let o = srtlog(&[
        "simulate",
        "requests",
        p.to_str().unwrap(),
        "--count",
        "1000",
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    p
}

// ---- item 5: durations and sizes ----

#[test]
fn absurd_durations_are_usage_errors() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("s");
    let out = out.to_str().unwrap();
    let url = "http://127.0.0.1:9/metrics";
    let huge = "18446744073709551615s";
    for args in [
        vec!["scrape", url, "--out", out, "--timeout", huge],
        vec!["scrape", url, "--out", out, "--every", huge],
        vec!["scrape", url, "--out", out, "--every", "1s", "--for", huge],
        vec!["scrape", url, "--out", out, "--keep", huge],
        vec!["scrape", url, "--out", out, "--timeout", "1e400s"],
        vec!["scrape", url, "--out", out, "--timeout", "99999999999d"],
        vec![
            "audit",
            d.path().to_str().unwrap(),
            "--metrics",
            url,
            "--timeout",
            huge,
        ],
    ] {
        let o = srtlog(&args);
        assert_usage_error(&o, &args.join(" "));
        assert!(
            stderr(&o).contains("out of range"),
            "{args:?}: {}",
            stderr(&o)
        );
    }
}

#[test]
fn absurd_sizes_are_usage_errors() {
    let d = tempfile::tempdir().unwrap();
    for sub in ["requests", "aiperf"] {
        let p = d.path().join(format!("{sub}.jsonl"));
        let o = srtlog(&[
            "simulate",
            sub,
            p.to_str().unwrap(),
            "--size",
            "18446744073709551615B",
        ]);
        assert_usage_error(&o, sub);
        assert!(stderr(&o).contains("out of range"), "{}", stderr(&o));
        assert!(!p.exists());
    }
    let o = srtlog(&[
        "simulate",
        "workers",
        d.path().join("w").to_str().unwrap(),
        "--size",
        "18446744073709551615B",
    ]);
    assert_usage_error(&o, "workers");
}

#[test]
fn trend_windows_out_of_range_are_usage_errors() {
    let d = tempfile::tempdir().unwrap();
    let log = request_log(d.path());
    let log = log.to_str().unwrap();
    for w in [
        "0",
        "0s",
        "18446744073709551615s",
        "18446744073709551616s",
        "300000000000d",
    ] {
        let o = srtlog(&["requests", "trends", log, "--window", w]);
        assert_usage_error(&o, w);
    }
    // A window of a day still works and puts every request in one or two rows.
    let o = srtlog(&[
        "requests", "trends", log, "--window", "1d", "--agg", "count", "--json",
    ]);
    let v = json(&o);
    let total: u64 = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["requests"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 1000);
}

// ---- items 9 and 12: AIPerf bad fields and impossible values ----

/// Runs `aiperf --json` on `text` written as a `profile_export.jsonl`.
fn aiperf_json(dir: &Path, text: &str) -> (serde_json::Value, String) {
    let p = dir.join("profile_export.jsonl");
    std::fs::write(&p, text).unwrap();
    let o = srtlog(&["aiperf", p.to_str().unwrap(), "--json"]);
    (json(&o), stderr(&o))
}

/// A simulated export with one record's `request_chunks` replaced by
/// `"abc"`: the record is kept and the bad field counted, not the whole
/// line dropped as "not JSON".
#[test]
fn aiperf_record_with_a_bad_list_is_kept() {
    let d = tempfile::tempdir().unwrap();
    let sim = d.path().join("sim.jsonl");
    let o = srtlog(&[
        "simulate",
        "aiperf",
        sim.to_str().unwrap(),
        "--count",
        "50",
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&sim).unwrap();
    let records = text.lines().filter(|l| !l.trim().is_empty()).count();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let i = lines
        .iter()
        .position(|l| l.contains("\"request_chunks\":["))
        .expect("a record with request_chunks");
    let l = &lines[i];
    let start = l.find("\"request_chunks\":[").unwrap() + "\"request_chunks\":".len();
    let end = start + l[start..].find("]]").unwrap() + 2;
    lines[i] = format!("{}\"abc\"{}", &l[..start], &l[end..]);
    let (v, err) = aiperf_json(d.path(), &(lines.join("\n") + "\n"));
    let input = &v["input"];
    assert_eq!(input["bad_json"], 0, "{input}");
    assert_eq!(input["records"].as_u64().unwrap(), records as u64);
    assert_eq!(
        input["bad_fields"]["trace_data.request_chunks"], 1,
        "{input}"
    );
    assert!(err.contains("trace_data.request_chunks 1"), "{err}");
}

/// `-Infinity` TTFT, a negative latency and a first byte before the request
/// was sent: left out of the statistics, counted per field, never `-inf`.
#[test]
fn aiperf_impossible_values_are_excluded_and_counted() {
    let d = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for i in 0..10i64 {
        let start = 1_000_000_000 + i * 100_000_000;
        let (ttft, lat) = match i {
            0 => ("-Infinity".to_string(), "20.0".to_string()),
            1 => ("5.0".to_string(), "-3.0".to_string()),
            2 => ("5.0".to_string(), "Infinity".to_string()),
            _ => (format!("{}", 4 + i), format!("{}", 20 + i)),
        };
        // Record 3's first byte comes before its request was sent.
        let first = if i == 3 {
            start - 1_000_000
        } else {
            start + 3_000_000
        };
        text.push_str(&format!(
            r#"{{"metadata":{{"request_start_ns":{start}}},"metrics":{{"output_sequence_length":{{"value":4,"unit":"tokens"}},"time_to_first_token":{{"value":{ttft},"unit":"ms"}},"request_latency":{{"value":{lat},"unit":"ms"}}}},"trace_data":{{"request_send_start_ns":{start},"request_send_end_ns":{},"response_chunks":[[{first},30],[{},10]]}}}}"#,
            start + 1_000_000,
            start + 9_000_000
        ));
        text.push('\n');
    }
    let (v, err) = aiperf_json(d.path(), &text);
    let ex = &v["input"]["excluded_values"];
    assert_eq!(ex["time_to_first_token_ms"], 1, "{ex}");
    assert_eq!(ex["request_latency_ms"], 2, "{ex}");
    assert_eq!(ex["ttfb_ms"], 1, "{ex}");
    assert!(err.contains("request_latency_ms 2"), "{err}");
    let all = v.to_string();
    assert!(!all.contains("-inf") && !all.contains("Infinity"), "{all}");
    // The infinite latency has no end: the run lasts 10 × 0.1 s, not 292 years.
    let dur = v["duration_s"].as_f64().unwrap();
    assert!(dur < 2.0, "{dur}");
    let o = srtlog(&[
        "aiperf",
        d.path().join("profile_export.jsonl").to_str().unwrap(),
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success());
    assert!(!out.contains("-inf") && !out.contains("NaN"), "{out}");
}

// ---- item 10: CR-only line endings ----

/// `tr '\n' '\r'` on a simulated decode log: `parse` reads every batch (it
/// read 1 of 174 before) and says the file ends its lines with CR.
#[test]
fn cr_only_worker_log_gives_all_its_batches() {
    let d = tempfile::tempdir().unwrap();
    let run = d.path().join("base");
    let o = srtlog(&["simulate", run.to_str().unwrap(), "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let logs = run.join("logs");
    let decode = std::fs::read_dir(&logs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("_decode_"))
        .unwrap();
    let text = std::fs::read(&decode).unwrap();
    // The truth: grep -c 'Decode batch' on the original.
    let want = text
        .split(|&b| b == b'\n')
        .filter(|l| l.windows(12).any(|w| w == b"Decode batch"))
        .count() as u64;
    assert!(want > 100, "{want}");
    let only = d.path().join("cr");
    std::fs::create_dir(&only).unwrap();
    let name = decode.file_name().unwrap();
    let cr: Vec<u8> = text
        .iter()
        .map(|&b| if b == b'\n' { b'\r' } else { b })
        .collect();
    std::fs::write(only.join(name), &cr).unwrap();
    let o = srtlog(&["parse", only.to_str().unwrap(), "--json", "--no-cache"]);
    let v = json(&o);
    let w = &v["workers"][0];
    assert_eq!(w["decode_lines"].as_u64().unwrap(), want, "{w}");
    let err = stderr(&o);
    assert!(err.contains("CR"), "{err}");
}

// ---- item 9: worker-log values that do not fit their column ----

/// Two decode lines of a simulated log get `#running-req: 99999999999`
/// (past i32) and one `#token: nan`: those values are null and counted per
/// field (they were clamped to 2147483647 and turned into 0), the lines
/// are still batches, and the statistics see only the values that fit.
#[test]
fn worker_values_that_do_not_fit_are_null_and_counted() {
    let d = tempfile::tempdir().unwrap();
    let run = d.path().join("base");
    let o = srtlog(&["simulate", run.to_str().unwrap(), "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let decode = std::fs::read_dir(run.join("logs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("_decode_"))
        .unwrap();
    let text = std::fs::read_to_string(&decode).unwrap();
    let mut n_batch = 0;
    let mut max_running = 0u64;
    let mut out = String::new();
    for l in text.split_inclusive('\n') {
        if !l.contains("Decode batch") {
            out.push_str(l);
            continue;
        }
        n_batch += 1;
        let running: u64 = l
            .split("#running-req: ")
            .nth(1)
            .and_then(|r| r.split(',').next())
            .unwrap()
            .parse()
            .unwrap();
        let (a, b) = (
            l.find("#running-req: ").unwrap(),
            l.find("#token: ").unwrap(),
        );
        match n_batch {
            10 | 20 => out.push_str(&format!(
                "{}#running-req: 99999999999, {}",
                &l[..a],
                &l[b..]
            )),
            30 => {
                max_running = max_running.max(running);
                let e = b + l[b..].find(',').unwrap();
                out.push_str(&format!("{}#token: nan{}", &l[..b], &l[e..]));
            }
            _ => {
                max_running = max_running.max(running);
                out.push_str(l);
            }
        }
    }
    std::fs::write(&decode, out).unwrap();
    let logs = run.join("logs");
    let v = json(&srtlog(&[
        "parse",
        logs.to_str().unwrap(),
        "--json",
        "--no-cache",
    ]));
    let w = v["workers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["worker_type"] == "decode")
        .unwrap();
    assert_eq!(w["decode_lines"].as_u64().unwrap(), n_batch, "{w}");
    let r = &w["coverage"]["rejected_values"];
    assert_eq!(r["running_req"], 2, "{w}");
    assert_eq!(r["num_tokens"], 1, "{w}");
    assert!(
        w["warnings"].to_string().contains("running_req 2"),
        "{}",
        w["warnings"]
    );
    let s = json(&srtlog(&["stats", logs.to_str().unwrap(), "--json"]));
    let row = |m: &str| {
        s["stats"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["metric"] == m && r["side"] == "decode")
            .unwrap()
            .clone()
    };
    assert_eq!(
        row("running_req")["max"].as_f64().unwrap(),
        max_running as f64
    );
    assert_eq!(row("running_req")["count"].as_u64().unwrap(), n_batch - 2);
    assert_eq!(row("num_tokens")["count"].as_u64().unwrap(), n_batch - 1);
    assert!(row("num_tokens")["min"].as_f64().unwrap() > 0.0);
}

// ---- item 11: snapshots ----

/// Replaces the value of the first sample line starting with `prefix`.
fn set_sample(path: &Path, prefix: &str, value: &str) {
    let t = std::fs::read_to_string(path).unwrap();
    let mut done = false;
    let out: Vec<String> = t
        .lines()
        .map(|l| {
            if !done && l.starts_with(prefix) {
                done = true;
                let cut = l.rfind(' ').unwrap();
                format!("{} {value}", &l[..cut])
            } else {
                l.to_string()
            }
        })
        .collect();
    assert!(done, "{prefix} in {path:?}");
    std::fs::write(path, out.join("\n") + "\n").unwrap();
}

#[test]
fn broken_snapshots_are_flagged_and_a_bare_before_is_a_zero_baseline() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("snaps");
    let o = srtlog(&[
        "simulate",
        "snapshots",
        dir.to_str().unwrap(),
        "--count",
        "3",
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    let id = |p: &PathBuf| {
        let n = p.file_name().unwrap().to_string_lossy().into_owned();
        n[..n.find("_after_").or(n.find("_before_")).unwrap()].to_string()
    };
    let after = |i: usize| {
        files
            .iter()
            .filter(|p| p.to_string_lossy().contains("_after_"))
            .nth(i)
            .unwrap()
            .clone()
    };
    // Request 0: a histogram `_sum` of NaN after; request 1: a counter of +Inf.
    set_sample(&after(0), "vllm:time_to_first_token_seconds_sum", "NaN");
    set_sample(&after(1), "vllm:generation_tokens_total", "+Inf");
    let v = json(&srtlog(&["snapshots", dir.to_str().unwrap(), "--json"]));
    let reqs = v["requests"].as_array().unwrap();
    assert_eq!(reqs.len(), 3, "problems: {}", v["problems"]);
    assert!(
        !v["problems"].to_string().contains("no_samples"),
        "{}",
        v["problems"]
    );
    let by_id = |p: &PathBuf| {
        reqs.iter()
            .find(|r| r["request_id"] == id(p).as_str())
            .unwrap()
            .clone()
    };
    for i in [0, 1] {
        let r = by_id(&after(i));
        assert_eq!(r["trusted"], false, "{}", r["flags"]);
        assert!(
            r["flags"].to_string().contains("non_finite"),
            "{}",
            r["flags"]
        );
    }
    assert_eq!(v["untrusted"], 2);
    assert_eq!(by_id(&after(2))["trusted"], true);

    // A before-snapshot taken right after start-up: families declared, no
    // sample yet. It is a zero baseline (it was discarded as `no_samples`,
    // and the first request lost).
    let dir = d.path().join("first");
    std::fs::create_dir(&dir).unwrap();
    let fams = [
        ("vllm:prompt_tokens_total", "counter"),
        ("vllm:request_prompt_tokens", "histogram"),
        ("vllm:e2e_request_latency_seconds", "histogram"),
    ];
    let bare: String = fams
        .iter()
        .map(|(n, t)| format!("# HELP {n} x.\n# TYPE {n} {t}\n"))
        .collect();
    std::fs::write(dir.join("req1_before_20251106_224700_000000.txt"), bare).unwrap();
    let after_text = "# TYPE vllm:prompt_tokens_total counter
vllm:prompt_tokens_total{model_name=\"m\"} 120.0
# TYPE vllm:request_prompt_tokens histogram
vllm:request_prompt_tokens_bucket{le=\"1000.0\",model_name=\"m\"} 1.0
vllm:request_prompt_tokens_bucket{le=\"+Inf\",model_name=\"m\"} 1.0
vllm:request_prompt_tokens_sum{model_name=\"m\"} 120.0
vllm:request_prompt_tokens_count{model_name=\"m\"} 1.0
# TYPE vllm:e2e_request_latency_seconds histogram
vllm:e2e_request_latency_seconds_bucket{le=\"10.0\",model_name=\"m\"} 1.0
vllm:e2e_request_latency_seconds_bucket{le=\"+Inf\",model_name=\"m\"} 1.0
vllm:e2e_request_latency_seconds_sum{model_name=\"m\"} 2.5
vllm:e2e_request_latency_seconds_count{model_name=\"m\"} 1.0
";
    std::fs::write(
        dir.join("req1_after_20251106_224705_000000.txt"),
        after_text,
    )
    .unwrap();
    let v = json(&srtlog(&["snapshots", dir.to_str().unwrap(), "--json"]));
    assert_eq!(v["problems"], serde_json::json!([]), "{v}");
    let r = &v["requests"][0];
    assert_eq!(r["request_id"], "req1");
    assert_eq!(r["trusted"], true, "{}", r["flags"]);
    assert_eq!(r["prompt_tokens"], 120.0);
    assert_eq!(r["e2e_latency_s"], 2.5);
}

/// `snapshots --show /dev/zero` read 2.1 GB before; now a bounded read
/// ends with a clear error.
#[test]
fn snapshot_show_reads_with_a_cap() {
    let o = srtlog(&["snapshots", "--show", "/dev/zero"]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(e.contains("larger than"), "{e}");
    assert!(!e.contains("panicked"), "{e}");
}
