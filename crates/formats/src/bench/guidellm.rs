//! GuideLLM `benchmarks.json` reports (client-formats.md §3): one
//! `GenerativeBenchmarksReport` with a `benchmarks` list, one entry per
//! strategy run (a sweep writes several). Each entry has `metrics` (status
//! distribution summaries: `successful` / `errored` / `incomplete` /
//! `total`, each with `mean`, `median`, `std_dev`, `percentiles`) and
//! `requests` (`successful[]`, `errored[]`, `incomplete[]` per-request
//! stats, possibly a sample of the run's requests).
//!
//! Two generations are read: 2025 reports with `args`, `run_stats`,
//! `worker` and `request_totals` per benchmark (GuideLLM 0.2–0.3), and
//! later ones with `config`, `scheduler_metrics` and per-request `info`.
//! The 2024 `GuidanceReport` layout (0.1) is refused with a message.

use super::json::{count, num, parse, text};
use super::{
    load_label, BenchError, ClientRun, ClientTool, RequestRows, RunConfig, RunFigures, Stat,
};
use serde_json::{Map, Value};

const TOOL: &str = "GuideLLM";

fn shape(msg: impl Into<String>) -> BenchError {
    BenchError::Shape {
        line: 1,
        tool: TOOL,
        msg: msg.into(),
    }
}

/// Decodes every benchmark of the report.
pub fn decode(bytes: &[u8]) -> Result<Vec<ClientRun>, BenchError> {
    let v = parse(bytes, 1)?;
    let report = v.as_object().ok_or_else(|| shape("not a JSON object"))?;
    let list = report
        .get("benchmarks")
        .and_then(Value::as_array)
        .ok_or_else(|| shape("no `benchmarks` list"))?;
    list.iter()
        .enumerate()
        .map(|(i, b)| {
            let b = b
                .as_object()
                .ok_or_else(|| shape(format!("benchmark {i} is not an object")))?;
            if b.contains_key("benchmarks") && !b.contains_key("metrics") {
                return Err(shape(
                    "the 2024 GuidanceReport layout (GuideLLM 0.1) is not read; re-run with GuideLLM ≥ 0.2",
                ));
            }
            run(report, b, i)
        })
        .collect()
}

fn get<'a>(o: &'a Map<String, Value>, path: &[&str]) -> Option<&'a Value> {
    let mut v = o.get(*path.first()?)?;
    for k in &path[1..] {
        v = v.as_object()?.get(*k)?;
    }
    Some(v)
}

/// GuideLLM's percentile keys, as percents.
const PCTS: [(&str, f64); 11] = [
    ("p001", 0.1),
    ("p01", 1.0),
    ("p05", 5.0),
    ("p10", 10.0),
    ("p25", 25.0),
    ("p50", 50.0),
    ("p75", 75.0),
    ("p90", 90.0),
    ("p95", 95.0),
    ("p99", 99.0),
    ("p999", 99.9),
];

/// The `successful` distribution of `metrics.<name>`, scaled by `k`.
fn stat(m: Option<&Map<String, Value>>, name: &str, k: f64) -> Stat {
    let Some(d) = m
        .and_then(|m| get(m, &[name, "successful"]))
        .and_then(Value::as_object)
    else {
        return Stat::default();
    };
    let sc = |v: Option<&Value>| num(v).map(|x| x * k);
    let percentiles = d
        .get("percentiles")
        .and_then(Value::as_object)
        .map(|p| {
            PCTS.iter()
                .filter_map(|(key, pct)| sc(p.get(*key)).map(|x| (*pct, x)))
                .collect()
        })
        .unwrap_or_default();
    Stat {
        mean: sc(d.get("mean")),
        median: sc(d.get("median")),
        std: sc(d.get("std_dev")),
        percentiles,
    }
}

fn mean(m: Option<&Map<String, Value>>, name: &str) -> Option<f64> {
    num(get(m?, &[name, "successful", "mean"]))
}

fn figures(b: &Map<String, Value>) -> RunFigures {
    let m = b.get("metrics").and_then(Value::as_object);
    let totals = b
        .get("request_totals")
        .or_else(|| get(b, &["run_stats", "requests_made"]))
        .or_else(|| get(b, &["scheduler_metrics", "requests_made"]))
        .and_then(Value::as_object);
    let total_sum = |name: &str| {
        num(m.and_then(|m| get(m, &[name, "successful", "total_sum"])))
            .filter(|x| x.is_finite() && *x >= 0.0)
            .map(|x| x.round() as u64)
    };
    let start = num(b.get("start_time")).or_else(|| num(get(b, &["run_stats", "start_time"])));
    let end = num(b.get("end_time")).or_else(|| num(get(b, &["run_stats", "end_time"])));
    RunFigures {
        duration_s: num(b.get("duration")).or_else(|| Some(end? - start?)),
        completed: totals.and_then(|t| count(t.get("successful"))),
        failed: totals.and_then(|t| count(t.get("errored"))),
        incomplete: totals.and_then(|t| count(t.get("incomplete"))),
        request_throughput: mean(m, "requests_per_second"),
        input_throughput: mean(m, "prompt_tokens_per_second"),
        output_throughput: mean(m, "output_tokens_per_second"),
        total_token_throughput: mean(m, "tokens_per_second"),
        total_input_tokens: total_sum("prompt_token_count"),
        total_output_tokens: total_sum("output_token_count"),
        ttft_ms: stat(m, "time_to_first_token_ms", 1.0),
        itl_ms: stat(m, "inter_token_latency_ms", 1.0),
        tpot_ms: stat(m, "time_per_output_token_ms", 1.0),
        // `request_latency` is in seconds.
        e2e_ms: stat(m, "request_latency", 1e3),
        observed_concurrency: mean(m, "request_concurrency"),
    }
}

fn config(report: &Map<String, Value>, b: &Map<String, Value>) -> RunConfig {
    let strategy = get(b, &["config", "strategy"])
        .or_else(|| get(b, &["args", "strategy"]))
        .and_then(Value::as_object);
    let kind = strategy.and_then(|s| text(s.get("type_")));
    let max_concurrency = match kind.as_deref() {
        Some("synchronous") => Some(1.0),
        _ => strategy.and_then(|s| num(s.get("streams")).or_else(|| num(s.get("max_concurrency")))),
    };
    let model = [
        get(b, &["worker", "backend_model"]),
        get(b, &["config", "backend", "model"]),
        get(report, &["args", "model"]),
        get(b, &["config", "requests", "model"]),
    ]
    .into_iter()
    .find_map(text);
    let mut c = RunConfig {
        model,
        backend: text(get(b, &["worker", "backend_type"]))
            .or_else(|| text(get(report, &["args", "backend"])))
            .or_else(|| text(get(report, &["args", "backend_type"]))),
        dataset: text(get(report, &["args", "data"])),
        num_prompts: None,
        request_rate: strategy.and_then(|s| num(s.get("rate"))),
        max_concurrency,
        tool_version: text(get(report, &["metadata", "guidellm_version"]))
            .or_else(|| text(get(report, &["metadata", "version"]))),
        date: None,
        strategy: kind,
        other: Default::default(),
    };
    if let Some(t) = text(get(b, &["worker", "backend_target"]))
        .or_else(|| text(get(report, &["args", "target"])))
    {
        c.other.insert("target".into(), t);
    }
    c
}

fn run(
    report: &Map<String, Value>,
    b: &Map<String, Value>,
    i: usize,
) -> Result<ClientRun, BenchError> {
    if !b.contains_key("metrics") {
        return Err(shape(format!("benchmark {i} has no `metrics`")));
    }
    let config = config(report, b);
    let concurrency = config.max_concurrency.filter(|c| c.is_finite() && *c > 0.0);
    let request_rate = config.request_rate.filter(|r| r.is_finite() && *r > 0.0);
    let label = match (&config.strategy, concurrency, request_rate) {
        (Some(s), None, None) => s.clone(),
        (Some(s), c, r) => format!("{s} {}", load_label(c, r)),
        (None, c, r) => load_label(c, r),
    };
    let generation = if b.contains_key("config") || b.contains_key("scheduler_metrics") {
        "guidellm-config"
    } else {
        "guidellm-args-run-stats"
    };
    Ok(ClientRun {
        tool: ClientTool::GuideLlm,
        generation,
        label,
        config,
        concurrency,
        request_rate,
        run_level: figures(b),
        per_request: requests(b),
    })
}

/// Per-request rows of `requests.{successful, errored, incomplete}`.
fn requests(b: &Map<String, Value>) -> Option<RequestRows> {
    let reqs = b.get("requests")?.as_object()?;
    let mut r = RequestRows::default();
    for (status, ok) in [
        ("successful", true),
        ("errored", false),
        ("incomplete", false),
    ] {
        let Some(list) = reqs.get(status).and_then(Value::as_array) else {
            continue;
        };
        for q in list.iter().filter_map(Value::as_object) {
            push(&mut r, q, ok, status);
        }
    }
    if r.is_empty() {
        // Every list empty (no samples kept): run-level figures only.
        return None;
    }
    // The report groups requests by status; rows go in start order (stable,
    // requests without a start time last), as a request log's would.
    let mut idx: Vec<usize> = (0..r.len()).collect();
    idx.sort_by_key(|&i| (r.timestamp_ns[i].is_none(), r.timestamp_ns[i]));
    let mut r = reorder(r, &idx);
    // Start times are epoch seconds: absolute timestamps and a relative
    // start (GuideLLM's float seconds keep about a microsecond).
    let t0 = r.timestamp_ns.iter().flatten().min().copied();
    r.start_s = r
        .timestamp_ns
        .iter()
        .map(|t| match (t, t0) {
            (Some(t), Some(t0)) => (t - t0) as f64 / 1e9,
            _ => f64::NAN,
        })
        .collect();
    Some(r)
}

fn push(r: &mut RequestRows, q: &Map<String, Value>, ok: bool, status: &str) {
    let f = |k: &str| num(q.get(k)).unwrap_or(f64::NAN);
    let start = num(q.get("request_start_time"))
        .or_else(|| num(q.get("start_time")))
        .or_else(|| num(get(q, &["info", "timings", "request_start"])));
    let error = text(q.get("error"))
        .or_else(|| text(get(q, &["info", "error"])))
        .or_else(|| (!ok).then(|| status.to_owned()));
    r.timestamp_ns.push(
        start
            .filter(|s| s.is_finite() && *s > 0.0)
            .map(|s| (s * 1e9).round() as i64),
    );
    r.request_id.push(text(q.get("request_id")));
    r.ok.push(ok);
    r.error.push(error);
    r.ttft_ms.push(f("time_to_first_token_ms"));
    r.itl_ms.push(f("inter_token_latency_ms"));
    r.tpot_ms.push(f("time_per_output_token_ms"));
    r.latency_ms.push(f("request_latency") * 1e3);
    r.input_tokens.push(f("prompt_tokens"));
    r.output_tokens.push(f("output_tokens"));
    r.itl_lists_ms.push(Vec::new());
}

/// `r` with its rows in the order `idx`.
fn reorder(r: RequestRows, idx: &[usize]) -> RequestRows {
    fn pick<T: Clone>(v: &[T], idx: &[usize]) -> Vec<T> {
        idx.iter().filter_map(|&i| v.get(i).cloned()).collect()
    }
    RequestRows {
        timestamp_ns: pick(&r.timestamp_ns, idx),
        start_s: pick(&r.start_s, idx),
        request_id: pick(&r.request_id, idx),
        ok: pick(&r.ok, idx),
        error: pick(&r.error, idx),
        ttft_ms: pick(&r.ttft_ms, idx),
        itl_ms: pick(&r.itl_ms, idx),
        tpot_ms: pick(&r.tpot_ms, idx),
        latency_ms: pick(&r.latency_ms, idx),
        input_tokens: pick(&r.input_tokens, idx),
        output_tokens: pick(&r.output_tokens, idx),
        itl_lists_ms: pick(&r.itl_lists_ms, idx),
    }
}
