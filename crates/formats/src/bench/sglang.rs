//! `python -m sglang.bench_serving --output-file` JSON lines
//! (client-formats.md §1): one object per run, appended; with
//! `--output-details` the per-request lists `input_lens`, `output_lens`,
//! `ttfts`, `itls`, `generated_texts`, `errors` follow the summary keys.
//!
//! The per-request-list decoding ([`details`]) is shared with the vLLM
//! reader: `bench_serving.py` was adapted from vLLM's
//! `benchmark_serving.py` and both write the same lists, in seconds.

use super::json::{count, flat_stat, limit, num, parse, summary_object, text};
use super::{load_label, BenchError, ClientRun, ClientTool, RequestRows, RunConfig, RunFigures};
use serde_json::{Map, Value};

const TOOL: &str = "sglang.bench_serving";

/// Decodes every run line of the file.
pub fn decode(bytes: &[u8]) -> Result<Vec<ClientRun>, BenchError> {
    values(bytes)?
        .into_iter()
        .map(|(line, v)| run(&v, line))
        .collect()
}

/// The JSON values of a file: one document, or one per non-blank line
/// (both tools append a line per run).
pub(crate) fn values(bytes: &[u8]) -> Result<Vec<(u64, Value)>, BenchError> {
    if let Ok(v) = parse(bytes, 1) {
        return Ok(vec![(1, v)]);
    }
    let mut out = Vec::new();
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let line = line.trim_ascii();
        if line.is_empty() {
            continue;
        }
        out.push((i as u64 + 1, parse(line, i as u64 + 1)?));
    }
    Ok(out)
}

fn run(v: &Value, line: u64) -> Result<ClientRun, BenchError> {
    let o = summary_object(v, line, TOOL)?;
    let config = config(o);
    let concurrency = limit(config.max_concurrency);
    let request_rate = limit(config.request_rate);
    let label = text(o.get("tag")).unwrap_or_else(|| load_label(concurrency, request_rate));
    let generation = if o.contains_key("server_info") {
        "sglang-2025-server-info"
    } else if o.contains_key("concurrency") {
        "sglang-2025"
    } else {
        "sglang-2024"
    };
    Ok(ClientRun {
        tool: ClientTool::SglangBenchServing,
        generation,
        label,
        config,
        concurrency,
        request_rate,
        run_level: figures(o),
        per_request: details(o, line, TOOL)?,
    })
}

fn figures(o: &Map<String, Value>) -> RunFigures {
    RunFigures {
        duration_s: num(o.get("duration")),
        completed: count(o.get("completed")),
        failed: None,
        incomplete: None,
        request_throughput: num(o.get("request_throughput")),
        input_throughput: num(o.get("input_throughput")),
        output_throughput: num(o.get("output_throughput")),
        total_token_throughput: num(o.get("total_throughput")),
        total_input_tokens: count(o.get("total_input_tokens")),
        total_output_tokens: count(o.get("total_output_tokens")),
        ttft_ms: flat_stat(o, "ttft"),
        itl_ms: flat_stat(o, "itl"),
        tpot_ms: flat_stat(o, "tpot"),
        e2e_ms: flat_stat(o, "e2e_latency"),
        observed_concurrency: num(o.get("concurrency")),
    }
}

/// The server arguments of `server_info`: the object itself, or (PD) the
/// first decode / prefill server's.
fn server_args(o: &Map<String, Value>) -> Option<&Map<String, Value>> {
    let si = o.get("server_info")?.as_object()?;
    if si.contains_key("model_path") {
        return Some(si);
    }
    ["decode", "prefill"]
        .iter()
        .find_map(|k| si.get(*k)?.as_array()?.first()?.as_object())
}

fn config(o: &Map<String, Value>) -> RunConfig {
    let server = server_args(o);
    let mut c = RunConfig {
        model: server
            .and_then(|s| text(s.get("served_model_name")).or_else(|| text(s.get("model_path")))),
        backend: text(o.get("backend")),
        dataset: text(o.get("dataset_name")),
        num_prompts: count(o.get("num_prompts")),
        request_rate: num(o.get("request_rate")),
        max_concurrency: num(o.get("max_concurrency")),
        tool_version: server.and_then(|s| text(s.get("version"))),
        date: None,
        strategy: None,
        other: Default::default(),
    };
    for k in [
        "tag",
        "sharegpt_output_len",
        "random_input_len",
        "random_output_len",
        "random_range_ratio",
        "accept_length",
    ] {
        if let Some(v) = text(o.get(k)) {
            c.other.insert(k.to_owned(), v);
        }
    }
    if let Some(s) = server {
        for k in ["tp_size", "dp_size", "ep_size", "disaggregation_mode"] {
            if let Some(v) = text(s.get(k)) {
                c.other.insert(format!("server.{k}"), v);
            }
        }
    }
    // `"request_rate": "trace"` (mooncake traces) is no number: keep it.
    if let Some(Value::String(s)) = o.get("request_rate") {
        c.other.insert("request_rate".into(), s.clone());
    }
    c
}

fn list<'a>(o: &'a Map<String, Value>, k: &str) -> Option<&'a Vec<Value>> {
    o.get(k)?.as_array()
}

/// Per-request rows from the detail lists (client-formats.md §1.3, §2.3):
/// `ttfts` and `itls` in seconds, `input_lens`/`output_lens` in tokens,
/// `errors` empty for a success, `start_times` (vLLM ≥ 2025) in seconds
/// of a monotonic clock. `None` when the file has no `ttfts` list.
pub(crate) fn details(
    o: &Map<String, Value>,
    line: u64,
    tool: &'static str,
) -> Result<Option<RequestRows>, BenchError> {
    let Some(ttfts) = list(o, "ttfts") else {
        return Ok(None);
    };
    let n = ttfts.len();
    let named = ["itls", "input_lens", "output_lens", "errors", "start_times"];
    for k in named {
        if let Some(l) = list(o, k) {
            if l.len() != n {
                return Err(BenchError::Shape {
                    line,
                    tool,
                    msg: format!("`{k}` has {} entries but `ttfts` has {n}", l.len()),
                });
            }
        }
    }
    let at = |k: &str, i: usize| list(o, k).and_then(|l| l.get(i));
    let starts: Vec<f64> = (0..n)
        .map(|i| num(at("start_times", i)).unwrap_or(f64::NAN))
        .collect();
    let t0 = starts
        .iter()
        .copied()
        .filter(|x| x.is_finite())
        .fold(f64::INFINITY, f64::min);
    let mut r = RequestRows::default();
    for (i, start) in starts.iter().enumerate() {
        let error = text(at("errors", i));
        let ttft_s = num(at("ttfts", i)).unwrap_or(f64::NAN);
        let itls: Vec<f64> = at("itls", i)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| num(Some(x)))
                    .map(|s| s * 1e3)
                    .collect()
            })
            .unwrap_or_default();
        let out = num(at("output_lens", i)).unwrap_or(f64::NAN);
        // Without an `errors` list a request with neither a first token nor
        // output is taken as failed (the tools write 0 for both).
        let ok = match list(o, "errors") {
            Some(_) => error.is_none(),
            None => ttft_s > 0.0 || out > 0.0,
        };
        let sum_itl: f64 = itls.iter().sum();
        let (ttft, itl, lat, tpot) = if ok {
            let ttft = ttft_s * 1e3;
            let itl = if itls.is_empty() {
                f64::NAN
            } else {
                sum_itl / itls.len() as f64
            };
            let tpot = if out > 1.0 && !itls.is_empty() {
                sum_itl / (out - 1.0)
            } else {
                f64::NAN
            };
            (ttft, itl, ttft + sum_itl, tpot)
        } else {
            (f64::NAN, f64::NAN, f64::NAN, f64::NAN)
        };
        r.timestamp_ns.push(None);
        r.start_s
            .push(if t0.is_finite() { start - t0 } else { f64::NAN });
        r.request_id.push(None);
        r.ok.push(ok);
        r.error.push(error);
        r.ttft_ms.push(ttft);
        r.itl_ms.push(itl);
        r.tpot_ms.push(tpot);
        r.latency_ms.push(lat);
        r.input_tokens
            .push(num(at("input_lens", i)).unwrap_or(f64::NAN));
        r.output_tokens.push(out);
        r.itl_lists_ms.push(itls);
    }
    Ok(Some(r))
}
