//! `srtlog simulate client FILE --tool sglang|vllm|guidellm`: a simulated
//! benchmark-client result file (sglang.bench_serving JSON lines, vLLM
//! bench serve JSON, GuideLLM `benchmarks.json`), one run per
//! `--concurrency`, with per-request details unless `--no-details`.

use anyhow::{Context, Result};
use clap::ValueEnum;
use std::path::PathBuf;
use std::process::ExitCode;

/// The client whose format is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ToolArg {
    /// `python -m sglang.bench_serving --output-file` JSON lines.
    Sglang,
    /// `vllm bench serve --save-result` JSON.
    Vllm,
    /// GuideLLM `benchmarks.json`.
    Guidellm,
}

/// Arguments of `srtlog simulate client`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  srtlog simulate client /tmp/bench.jsonl --tool sglang --concurrency 1,4,16,64
  srtlog simulate client /tmp/result.json --tool vllm --count 500 --no-details
  srtlog simulate client /tmp/benchmarks.json --tool guidellm --fail-every 20")]
pub struct Args {
    /// Output file.
    pub out: PathBuf,
    /// Which client's format.
    #[arg(long, value_enum, default_value_t = ToolArg::Sglang)]
    pub tool: ToolArg,
    /// Requests per run.
    #[arg(long = "count", alias = "requests", default_value_t = 200)]
    pub count: u64,
    /// One run per value: its concurrency limit (0 = none).
    #[arg(long, value_delimiter = ',', default_value = "8")]
    pub concurrency: Vec<u32>,
    /// Write run-level figures only (no per-request lists).
    #[arg(long)]
    pub no_details: bool,
    /// Mean time to first token at no load, ms.
    #[arg(long, default_value_t = 50.0)]
    pub ttft_ms: f64,
    /// Mean inter-token gap at no load, ms.
    #[arg(long, default_value_t = 10.0)]
    pub itl_ms: f64,
    /// Mean output tokens per request.
    #[arg(long, default_value_t = 128)]
    pub output_tokens: u32,
    /// Fail every n-th request (0: never).
    #[arg(long, default_value_t = 0)]
    pub fail_every: u64,
    /// State of the random number generator (the same number writes the same file).
    #[arg(long = "rng", alias = "seed", value_name = "N", default_value_t = 42)]
    pub rng: u64,
}

/// Runs the command.
pub fn run(a: Args, quiet: bool) -> Result<ExitCode> {
    use srtlog_sim::bench::{write_bench_result, BenchConfig, BenchFormat};
    let cfg = BenchConfig {
        format: match a.tool {
            ToolArg::Sglang => BenchFormat::SglangBenchServing,
            ToolArg::Vllm => BenchFormat::VllmBenchServe,
            ToolArg::Guidellm => BenchFormat::GuideLlm,
        },
        requests: a.count,
        concurrencies: a.concurrency.clone(),
        details: !a.no_details,
        ttft_ms: a.ttft_ms,
        itl_ms: a.itl_ms,
        output_tokens: a.output_tokens,
        fail_every: a.fail_every,
        seed: a.rng,
        ..BenchConfig::default()
    };
    let t =
        write_bench_result(&a.out, &cfg).with_context(|| format!("writing {}", a.out.display()))?;
    if !quiet {
        let failed: u64 = t.runs.iter().map(|r| r.failed).sum();
        crate::logging::info(format_args!(
            "wrote {} ({} runs of {} requests, {} failed, {} bytes)",
            a.out.display(),
            t.runs.len(),
            a.count,
            failed,
            t.bytes
        ));
    }
    Ok(ExitCode::SUCCESS)
}
