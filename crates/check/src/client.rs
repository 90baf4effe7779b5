//! The benchmark client's side of a run, and whether the server agrees.
//!
//! Read when present in the run folder:
//! * the console summary that `python -m sglang.bench_serving` and
//!   `vllm bench serve` print (`============ Serving Benchmark Result
//!   ============`, then `Successful requests:`, `Total generated tokens:`,
//!   …), in any text file that is not a worker log;
//! * `vllm bench serve` result JSON, `sglang.bench_serving --output-file`
//!   JSON lines and GuideLLM `benchmarks.json`, through the comparison's
//!   readers (`srtlog_formats::bench`), and bare summary objects
//!   (`completed`, `failed`, `total_output_tokens`, `duration`, vLLM's
//!   `date`) that they do not recognise;
//! * Prometheus text snapshots (formats.md §4) of the server's counters
//!   (`vllm:request_success_total`, `sglang:num_requests_total`), the first
//!   and last by name.
//!
//! The checks: every request failed; the client counts success while the
//! server generated no tokens or far fewer; snapshot deltas that count more
//! requests than the benchmark sent (warm-up inside the window, or other
//! traffic); client and server time ranges that do not overlap.

use crate::finding::{evidence_text, Evidence, Finding, Severity};
use srtlog_formats::bench::{self, ClientRun, ClientTool};
use std::path::{Path, PathBuf};

/// Client files larger than this are not read (results are small).
const MAX_CLIENT_BYTES: u64 = 16 << 20;
/// Depth of the folder walk.
const MAX_DEPTH: usize = 4;
/// The server generated "far fewer" tokens below this share of the
/// client's count.
const FEWER_SHARE: f64 = 0.25;

/// One benchmark result.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClientResult {
    /// The file.
    pub file: String,
    /// Line of the result (`Successful requests:`, or 1 for JSON).
    pub line: u64,
    /// The evidence text.
    pub text: String,
    /// Requests that succeeded.
    pub completed: Option<u64>,
    /// Requests that failed.
    pub failed: Option<u64>,
    /// Output tokens the client counted.
    pub output_tokens: Option<u64>,
    /// Benchmark duration (s).
    pub duration_s: Option<f64>,
    /// When the benchmark ended (vLLM's `date`, local time as µs since the
    /// epoch).
    pub end_us: Option<i64>,
    /// Warm-up requests the console summary announced.
    pub warmup: Option<u64>,
}

/// Counters of one Prometheus snapshot.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    /// The file.
    pub file: String,
    /// Finished requests (all reasons).
    pub requests: f64,
}

/// What the client side of a run holds.
#[derive(Clone, Debug, Default)]
pub struct ClientSide {
    /// Benchmark results.
    pub results: Vec<ClientResult>,
    /// Snapshots, sorted by file name.
    pub snapshots: Vec<Snapshot>,
}

/// Reads the client files under `paths` (folders are walked), skipping
/// `workers` (already read as worker logs).
pub fn read(paths: &[PathBuf], workers: &[PathBuf]) -> ClientSide {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, 0, &mut files);
        } else {
            files.push(p.clone());
        }
    }
    files.sort();
    files.dedup();
    let mut side = ClientSide::default();
    for f in files.iter().filter(|f| !workers.contains(f)) {
        let small = std::fs::metadata(f).is_ok_and(|m| m.len() <= MAX_CLIENT_BYTES);
        if !small {
            continue;
        }
        let Ok(bytes) = std::fs::read(f) else {
            continue;
        };
        let name = f.display().to_string();
        if let Some(s) = snapshot(&name, &bytes) {
            side.snapshots.push(s);
            continue;
        }
        let read = reader_results(&name, &bytes);
        if read.is_empty() {
            side.results.extend(json_results(&name, &bytes));
        } else {
            side.results.extend(read);
        }
        side.results.extend(console_results(&name, &bytes));
    }
    side
}

fn walk(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name == "cached_assets" {
            continue;
        }
        if p.is_dir() {
            if depth + 1 < MAX_DEPTH {
                walk(&p, depth + 1, out);
            }
        } else if [".json", ".jsonl", ".out", ".log", ".txt", ".prom"]
            .iter()
            .any(|x| name.ends_with(x))
        {
            out.push(p);
        }
    }
}

fn u(v: &serde_json::Value, k: &str) -> Option<u64> {
    v.get(k).and_then(|x| x.as_f64()).map(|x| x.max(0.0) as u64)
}

/// The result files the comparison's readers know
/// (`srtlog_formats::bench`, docs/client-formats.md): `sglang.bench_serving`
/// JSON lines (each run at its own line), `vllm bench serve` JSON and
/// GuideLLM `benchmarks.json` (line 1). Empty when the file is none of
/// them; [`json_results`] then reads a bare summary object.
pub fn reader_results(name: &str, bytes: &[u8]) -> Vec<ClientResult> {
    let Some(tool) = bench::sniff(bytes) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut push = |run: &ClientRun, line: u64| {
        let f = &run.run_level;
        let (Some(completed), Some(tokens)) = (f.completed, f.total_output_tokens) else {
            return;
        };
        out.push(ClientResult {
            file: name.to_string(),
            line,
            text: format!(
                "{} {}: completed: {completed}, failed: {}, total_output_tokens: {tokens}",
                tool.name(),
                run.label,
                f.failed.map_or("-".into(), |x| x.to_string()),
            ),
            completed: Some(completed),
            failed: f.failed,
            output_tokens: Some(tokens),
            duration_s: f.duration_s,
            end_us: run.config.date.as_deref().and_then(parse_vllm_date),
            warmup: None,
        });
    };
    if tool == ClientTool::SglangBenchServing {
        // One run per line: decoded line by line to keep each one's line.
        for (i, l) in bytes.split(|&b| b == b'\n').enumerate() {
            if l.trim_ascii().is_empty() {
                continue;
            }
            for run in bench::decode(tool, l).unwrap_or_default() {
                push(&run, i as u64 + 1);
            }
        }
    } else {
        for run in bench::decode(tool, bytes).unwrap_or_default() {
            push(&run, 1);
        }
    }
    out
}

/// A bare summary object (`completed`, `total_output_tokens`, …), as older
/// `vllm bench serve` JSON or `sglang.bench_serving` JSON lines hold when the
/// readers above do not recognise them.
pub fn json_results(name: &str, bytes: &[u8]) -> Vec<ClientResult> {
    let mut out = Vec::new();
    let mut push = |v: serde_json::Value, line: u64| {
        if v.get("completed").is_none() || v.get("total_output_tokens").is_none() {
            return;
        }
        let end_us = v
            .get("date")
            .and_then(|d| d.as_str())
            .and_then(parse_vllm_date);
        out.push(ClientResult {
            file: name.to_string(),
            line,
            text: format!(
                "completed: {}, failed: {}, total_output_tokens: {}",
                u(&v, "completed").unwrap_or(0),
                u(&v, "failed").map_or("-".into(), |x| x.to_string()),
                u(&v, "total_output_tokens").unwrap_or(0)
            ),
            completed: u(&v, "completed"),
            failed: u(&v, "failed"),
            output_tokens: u(&v, "total_output_tokens"),
            duration_s: v.get("duration").and_then(|x| x.as_f64()),
            end_us,
            warmup: None,
        });
    };
    // sglang.bench_serving writes the bare token `Infinity` for an infinite
    // request rate, which JSON does not allow.
    let text = String::from_utf8_lossy(bytes).replace(": Infinity", ": null");
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) {
        push(v, 1);
        return out;
    }
    for (i, l) in text.lines().enumerate() {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(l) {
            push(v, i as u64 + 1);
        }
    }
    out
}

/// `20260816-160853` → µs since the epoch (local time as printed).
fn parse_vllm_date(d: &str) -> Option<i64> {
    let b = d.as_bytes();
    if b.len() != 15 || b[8] != b'-' {
        return None;
    }
    let n = |r: std::ops::Range<usize>| d.get(r)?.parse::<u32>().ok();
    srtlog_formats::Timestamp::from_civil(
        n(0..4)? as i32,
        n(4..6)?,
        n(6..8)?,
        n(9..11)?,
        n(11..13)?,
        n(13..15)?,
        0,
    )
    .map(|t| t.0)
}

/// The value after `key` on a console line (`Successful requests:     8`).
fn after<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    line.trim_start().strip_prefix(key).map(str::trim)
}

/// Console summaries of `sglang.bench_serving` / `vllm bench serve`.
pub fn console_results(name: &str, bytes: &[u8]) -> Vec<ClientResult> {
    if memchr::memmem::find(bytes, b"Successful requests:").is_none() {
        return Vec::new();
    }
    let text = String::from_utf8_lossy(bytes);
    let mut out: Vec<ClientResult> = Vec::new();
    let mut warmup = None;
    for (i, l) in text.lines().enumerate() {
        if let Some(rest) = after(l, "Starting warmup with") {
            warmup = rest.split_whitespace().next().and_then(|x| x.parse().ok());
        }
        if let Some(v) = after(l, "Successful requests:") {
            out.push(ClientResult {
                file: name.to_string(),
                line: i as u64 + 1,
                text: evidence_text(l.as_bytes()),
                completed: v.parse().ok(),
                warmup: warmup.take(),
                ..ClientResult::default()
            });
            continue;
        }
        let Some(cur) = out.last_mut() else {
            continue;
        };
        if let Some(v) = after(l, "Failed requests:") {
            cur.failed = v.parse().ok();
        } else if let Some(v) = after(l, "Total generated tokens:") {
            cur.output_tokens = v.parse().ok();
        } else if let Some(v) = after(l, "Benchmark duration (s):") {
            cur.duration_s = v.parse().ok();
        }
    }
    out
}

/// A Prometheus text snapshot with request counters.
pub fn snapshot(name: &str, bytes: &[u8]) -> Option<Snapshot> {
    let head = &bytes[..bytes.len().min(4096)];
    if !(head.starts_with(b"# HELP") || head.starts_with(b"# TYPE")) {
        return None;
    }
    let text = String::from_utf8_lossy(bytes);
    let mut requests = 0.0;
    let mut any = false;
    for l in text.lines() {
        for metric in ["vllm:request_success_total", "sglang:num_requests_total"] {
            let Some(rest) = l.strip_prefix(metric) else {
                continue;
            };
            if !(rest.starts_with('{') || rest.starts_with(' ')) {
                continue;
            }
            if let Some(v) = rest.rsplit(' ').next().and_then(|v| v.parse::<f64>().ok()) {
                requests += v;
                any = true;
            }
        }
    }
    any.then(|| Snapshot {
        file: name.to_string(),
        requests,
    })
}

fn finding(
    kind: &'static str,
    severity: Severity,
    what: String,
    r: &ClientResult,
    count: u64,
    advice: &'static str,
) -> Finding {
    Finding {
        kind,
        severity,
        what,
        evidence: Evidence {
            file: r.file.clone(),
            line: r.line,
            text: r.text.clone(),
        },
        count,
        at_s: None,
        advice,
        seen_in: None,
    }
}

/// What the server side says, for the comparison.
#[derive(Clone, Copy, Debug, Default)]
pub struct ServerSide {
    /// Whether any worker printed a throughput series (decode or
    /// statistics lines).
    pub has_series: bool,
    /// Generated tokens estimated from the logs.
    pub generated: f64,
    /// The span of batch lines (µs), in the workers' clock.
    pub span_us: Option<(i64, i64)>,
    /// Whether the workers' clock is vLLM's year-less one.
    pub vllm_clock: bool,
    /// Worker logs read (no comparison without any).
    pub workers: usize,
}

/// The client-side findings.
pub fn findings(side: &ClientSide, server: &ServerSide) -> Vec<Finding> {
    let mut out = Vec::new();
    for r in &side.results {
        let done = r.completed.unwrap_or(0);
        if done == 0 && (r.failed.unwrap_or(0) > 0 || r.completed.is_some()) {
            out.push(finding(
                "client_all_failed",
                Severity::Fatal,
                format!("the benchmark client got no successful request ({} failed)", r.failed.unwrap_or(0)),
                r, r.failed.unwrap_or(0).max(1),
                "the server was not reachable or rejected every request: check the endpoint, model name and the server log at the benchmark's time",
            ));
        } else if done > 0 && r.output_tokens == Some(0) {
            out.push(finding(
                "client_zero_tokens",
                Severity::Untrustworthy,
                format!("the client counts {done} successful requests but 0 generated tokens"),
                r, done,
                "the responses were empty or not parsed (wrong endpoint or backend flag, streaming format, tokenizer): do not report these numbers",
            ));
        }
    }
    // The console summary and the result JSON of one benchmark say the
    // same: count each (requests, tokens) once.
    let mut unique: Vec<(u64, u64)> = side
        .results
        .iter()
        .map(|r| (r.completed.unwrap_or(0), r.output_tokens.unwrap_or(0)))
        .collect();
    unique.sort_unstable();
    unique.dedup();
    let client_tokens: u64 = unique.iter().map(|u| u.1).sum();
    let client_done: u64 = unique.iter().map(|u| u.0).sum();
    let comparable = side
        .results
        .iter()
        .find(|r| r.completed.unwrap_or(0) > 0 && r.output_tokens.unwrap_or(0) > 0);
    if let Some(r) = comparable.filter(|_| server.workers > 0) {
        if !server.has_series {
            out.push(finding(
                "server_tokens_mismatch",
                Severity::Untrustworthy,
                format!("the client counts {client_done} successful requests but no worker log shows a served batch"),
                r, client_done,
                "the benchmark talked to another server than these logs, or the logs are incomplete: check the endpoint and the log folder",
            ));
        } else if server.generated < FEWER_SHARE * client_tokens as f64 {
            out.push(finding(
                "server_tokens_mismatch",
                Severity::Untrustworthy,
                format!(
                    "the server generated about {:.0} tokens by its logs, the client counted {client_tokens}",
                    server.generated
                ),
                r, client_tokens,
                "the client counted tokens the server did not generate (or another server answered): do not report these numbers",
            ));
        }
    }
    out.extend(snapshot_findings(side, client_done));
    out.extend(disjoint(side, server));
    out
}

/// Snapshot deltas that count more finished requests than the benchmark sent.
fn snapshot_findings(side: &ClientSide, client_done: u64) -> Option<Finding> {
    let (first, last) = (side.snapshots.first()?, side.snapshots.last()?);
    if side.results.is_empty() {
        return None;
    }
    let mut runs: Vec<(u64, u64)> = side
        .results
        .iter()
        .map(|r| (r.completed.unwrap_or(0), r.output_tokens.unwrap_or(0)))
        .collect();
    runs.sort_unstable();
    runs.dedup();
    let failed: u64 = side.results.iter().filter_map(|r| r.failed).sum();
    let sent: u64 = runs.iter().map(|r| r.0).sum::<u64>() + failed;
    let delta = last.requests - first.requests;
    if sent == 0 || delta <= sent as f64 {
        return None;
    }
    let excess = delta - sent as f64;
    let warmup: u64 = side.results.iter().filter_map(|r| r.warmup).sum();
    let ev = Evidence {
        file: last.file.clone(),
        line: 0,
        text: format!(
            "finished requests {} → {} ({} and {})",
            first.requests, last.requests, first.file, last.file
        ),
    };
    let (kind, what, advice) = if excess <= warmup.max(2) as f64 {
        (
            "warmup_in_window",
            format!("the metrics snapshots count {delta:.0} finished requests, the benchmark {sent}: the warm-up requests are inside the measured window"),
            "take the first snapshot after the warm-up, or subtract the warm-up requests from the deltas",
        )
    } else {
        (
            "snapshot_request_excess",
            format!("the metrics snapshots count {delta:.0} finished requests, the benchmark sent {sent} ({client_done} succeeded): other traffic or a warm-up is inside the window"),
            "the snapshot deltas do not measure this benchmark alone: take the snapshots right before and after it, with no other client on the server",
        )
    };
    Some(Finding {
        kind,
        severity: Severity::Untrustworthy,
        what,
        evidence: ev,
        count: excess as u64,
        at_s: None,
        advice,
        seen_in: None,
    })
}

/// `YYYY-MM-DD hh:mm:ss` (the year is left out for vLLM's year-less clock).
fn datetime(us: i64) -> String {
    let (y, mo, d, h, mi, s, _) = srtlog_formats::Timestamp(us).to_civil();
    if y == crate::scan::VLLM_YEAR {
        return format!("{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}");
    }
    format!("{y}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
}

/// Client and server time ranges that do not overlap.
fn disjoint(side: &ClientSide, server: &ServerSide) -> Option<Finding> {
    let (s0, s1) = server.span_us?;
    let r = side
        .results
        .iter()
        .find(|r| r.end_us.is_some() && r.duration_s.is_some())?;
    let mut end = r.end_us?;
    if server.vllm_clock {
        // vLLM prints no year: compare in the workers' clock.
        let (_, mo, d, h, mi, s, _) = srtlog_formats::Timestamp(end).to_civil();
        end = srtlog_formats::Timestamp::from_civil(crate::scan::VLLM_YEAR, mo, d, h, mi, s, 0)?.0;
    }
    let start = end - (r.duration_s? * 1e6) as i64;
    // The client's date has a one-second resolution.
    if start <= s1 + 1_000_000 && end + 1_000_000 >= s0 {
        return None;
    }
    Some(finding(
        "time_ranges_disjoint",
        Severity::Untrustworthy,
        format!(
            "the benchmark ran {}–{}, the workers served {}–{}: the ranges do not overlap",
            datetime(start),
            datetime(end),
            datetime(s0),
            datetime(s1)
        ),
        r, 1,
        "these logs are not of this benchmark (another job, or a clock or time-zone difference): check the folder",
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn console_summary() {
        let t = "Starting warmup with 1 sequences...\n============ Serving Benchmark Result ============\nSuccessful requests:                     1000\nBenchmark duration (s):                  60.5\nTotal generated tokens:                  0\n";
        let r = console_results("b.out", t.as_bytes());
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].completed, Some(1000));
        assert_eq!(r[0].output_tokens, Some(0));
        assert_eq!(r[0].duration_s, Some(60.5));
        assert_eq!(r[0].warmup, Some(1));
        assert_eq!(r[0].line, 3);
    }

    #[test]
    fn vllm_date() {
        let t = parse_vllm_date("20260816-160853").unwrap();
        assert_eq!(
            srtlog_formats::Timestamp(t).to_civil(),
            (2026, 8, 16, 16, 8, 53, 0)
        );
    }
}
