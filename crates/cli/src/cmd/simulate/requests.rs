//! `srtlog simulate requests FILE`: a per-request JSON-lines log (the
//! request-log format) of a given count or size, with its ground truth.

use crate::flags::{self, print_json, Compress};
use anyhow::{Context, Result};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `srtlog simulate requests`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  srtlog simulate requests /tmp/requests.jsonl --count 100000
  srtlog simulate requests /tmp/big.jsonl --size 1GB
  srtlog simulate requests /tmp/r.jsonl.zst --compress zst --json   # ground truth as JSON")]
pub struct Args {
    /// Output file.
    pub out: PathBuf,
    /// Number of requests.
    #[arg(
        long = "count",
        alias = "requests",
        default_value_t = 10_000,
        conflicts_with = "size"
    )]
    pub count: u64,
    /// Approximate uncompressed size instead (`500MB`, `1GB`).
    #[arg(long, value_parser = flags::parse_size)]
    pub size: Option<u64>,
    /// State of the random number generator (the same number writes the same file).
    #[arg(long = "rng", alias = "seed", value_name = "N", default_value_t = 42)]
    pub rng: u64,
    /// Value of the `model` field.
    #[arg(long, default_value = "meta-llama/Llama-3.3-70B-Instruct")]
    pub model: String,
    /// Mean arrival rate, requests per second.
    #[arg(long, default_value_t = 20.0)]
    pub rate: f64,
    /// Baseline error fraction (×8 inside the latency spike).
    #[arg(long, default_value_t = 0.01)]
    pub error_rate: f64,
    /// No latency spike (default: requests 60 %–70 % are 3–6× slower).
    #[arg(long)]
    pub no_spike: bool,
    /// Compress the output.
    #[arg(long, value_enum)]
    pub compress: Option<Compress>,
    /// Print the ground truth as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs the command.
pub fn run(a: Args, quiet: bool) -> Result<ExitCode> {
    use srtlog_sim::RequestLogConfig;
    let cfg = RequestLogConfig {
        requests: a.count,
        target_bytes: a.size,
        seed: a.rng,
        model: a.model.clone(),
        requests_per_s: a.rate,
        error_rate: a.error_rate,
        spike: if a.no_spike {
            None
        } else {
            RequestLogConfig::default().spike
        },
        compression: Compress::sim(a.compress),
        ..RequestLogConfig::default()
    };
    let truth = srtlog_sim::write_request_log_with_truth(&a.out, &cfg)
        .with_context(|| format!("writing {}", a.out.display()))?;
    if a.json {
        print_json(&serde_json::json!({
            "file": a.out.display().to_string(),
            "requests": truth.requests,
            "errors": truth.errors,
            "spike_requests": truth.spike_requests,
            "spike_first_index": truth.spike_first_index,
            "spike_end_index": truth.spike_end_index,
            "first_timestamp": truth.first_timestamp,
            "last_timestamp": truth.last_timestamp,
            "bytes": truth.bytes,
            "uncompressed_bytes": truth.uncompressed_bytes,
        }))?;
    } else if !quiet {
        crate::logging::info(format_args!(
            "wrote {} requests ({} errors, {} bytes) to {}",
            truth.requests,
            truth.errors,
            truth.bytes,
            a.out.display()
        ));
    }
    Ok(ExitCode::SUCCESS)
}
