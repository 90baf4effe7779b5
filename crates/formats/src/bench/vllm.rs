//! `vllm bench serve --save-result` and `benchmarks/benchmark_serving.py
//! --save-result` JSON (client-formats.md §2): one object per run (with
//! `--append-result`, one per line). The per-request lists (`input_lens`,
//! `output_lens`, `ttfts`, `itls`, `generated_texts`, `errors`, and
//! `start_times` from 2025) are kept with `--save-detailed`, and were
//! always kept by `benchmark_serving.py` before that flag existed.

use super::json::{count, flat_stat, limit, num, summary_object, text};
use super::sglang::{details, values};
use super::{load_label, BenchError, ClientRun, ClientTool, RunConfig, RunFigures};
use serde_json::{Map, Value};

const TOOL: &str = "vllm bench serve";

/// Decodes every run of the file.
pub fn decode(bytes: &[u8]) -> Result<Vec<ClientRun>, BenchError> {
    values(bytes)?
        .into_iter()
        .map(|(line, v)| run(&v, line))
        .collect()
}

/// Keys of the result that are not configuration (figures and lists).
fn is_figure(k: &str) -> bool {
    k.ends_with("_ms")
        || k.ends_with("_throughput")
        || k.ends_with("_tokens")
        || k.ends_with("_lens")
        || k.ends_with("_texts")
        || matches!(
            k,
            "duration"
                | "completed"
                | "failed"
                | "ttfts"
                | "itls"
                | "errors"
                | "start_times"
                | "request_goodput"
                | "max_output_tokens_per_s"
                | "max_concurrent_requests"
                | "rtfx"
                | "rps_change_events"
        )
}

fn run(v: &Value, line: u64) -> Result<ClientRun, BenchError> {
    let o = summary_object(v, line, TOOL)?;
    let config = config(o);
    let concurrency = limit(config.max_concurrency);
    let request_rate = limit(config.request_rate);
    let label = text(o.get("label")).unwrap_or_else(|| load_label(concurrency, request_rate));
    let generation = if o.contains_key("endpoint_type") {
        "vllm-bench-serve"
    } else {
        "vllm-benchmark-serving-py"
    };
    Ok(ClientRun {
        tool: ClientTool::VllmBenchServe,
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
        failed: count(o.get("failed")),
        incomplete: None,
        request_throughput: num(o.get("request_throughput")),
        input_throughput: num(o.get("input_throughput")),
        output_throughput: num(o.get("output_throughput")),
        total_token_throughput: num(o.get("total_token_throughput")),
        total_input_tokens: count(o.get("total_input_tokens")),
        total_output_tokens: count(o.get("total_output_tokens")),
        ttft_ms: flat_stat(o, "ttft"),
        itl_ms: flat_stat(o, "itl"),
        tpot_ms: flat_stat(o, "tpot"),
        e2e_ms: flat_stat(o, "e2el"),
        observed_concurrency: None,
    }
}

fn config(o: &Map<String, Value>) -> RunConfig {
    let mut c = RunConfig {
        model: text(o.get("model_id")),
        backend: text(o.get("backend")),
        dataset: text(o.get("dataset_name")),
        num_prompts: count(o.get("num_prompts")),
        request_rate: num(o.get("request_rate")),
        max_concurrency: num(o.get("max_concurrency")),
        tool_version: text(o.get("vllm_version")).or_else(|| text(o.get("version"))),
        date: text(o.get("date")),
        strategy: None,
        other: Default::default(),
    };
    // Everything else scalar is configuration: the tool's own keys
    // (`endpoint_type`, `burstiness`, `tokenizer_id`…) and the user's
    // `--metadata KEY=VALUE` pairs, which vLLM merges at the top level.
    for (k, v) in o {
        if is_figure(k) || matches!(k.as_str(), "model_id" | "backend" | "date" | "num_prompts") {
            continue;
        }
        if let Some(t) = text(Some(v)) {
            c.other.insert(k.clone(), t);
        }
    }
    c
}
