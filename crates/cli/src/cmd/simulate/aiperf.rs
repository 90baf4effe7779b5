//! `srtlog simulate aiperf FILE`: a simulated AIPerf `profile_export.jsonl`
//! with HTTP trace data, for tests and benchmarks.

use crate::flags;
use anyhow::{Context, Result};
use clap::ValueEnum;
use std::path::PathBuf;
use std::process::ExitCode;

/// Layout of a simulated export.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LayoutArg {
    /// Released `request_chunks`/`response_chunks` pairs.
    Released,
    /// Prototype parallel arrays.
    ParallelArrays,
    /// The prototype analysis script's keys.
    Script,
    /// No trace data.
    None,
}

/// Arguments of `srtlog simulate aiperf`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  srtlog simulate aiperf /tmp/profile_export.jsonl --count 5000
  srtlog simulate aiperf /tmp/big.jsonl --size 1GB
  srtlog simulate aiperf /tmp/old.jsonl --layout parallel-arrays --concurrency 32")]
pub struct Args {
    /// Output file (a `profile_export.jsonl`).
    pub out: PathBuf,
    /// Number of records.
    #[arg(
        long = "count",
        alias = "records",
        default_value_t = 1000,
        conflicts_with = "size"
    )]
    pub count: u64,
    /// Approximate size instead (`500MB`, `1GB`).
    #[arg(long, value_parser = flags::parse_size)]
    pub size: Option<u64>,
    /// Trace-data layout.
    #[arg(long, value_enum, default_value_t = LayoutArg::Released)]
    pub layout: LayoutArg,
    /// Concurrent connections.
    #[arg(long, default_value_t = 8)]
    pub concurrency: u32,
    /// Mean output tokens per request.
    #[arg(long, default_value_t = 128)]
    pub output_tokens: u32,
    /// Cancel every n-th request (0: never).
    #[arg(long, default_value_t = 50)]
    pub cancel_every: u64,
    /// State of the random number generator (the same number writes the same file).
    #[arg(long = "rng", alias = "seed", value_name = "N", default_value_t = 42)]
    pub rng: u64,
}

/// Runs the command.
pub fn run(a: Args, quiet: bool) -> Result<ExitCode> {
    use srtlog_sim::aiperf::{write_aiperf_export, AiperfConfig, TraceLayout};
    let cfg = AiperfConfig {
        records: a.count,
        target_bytes: a.size,
        layout: match a.layout {
            LayoutArg::Released => TraceLayout::Released,
            LayoutArg::ParallelArrays => TraceLayout::ParallelArrays,
            LayoutArg::Script => TraceLayout::Script,
            LayoutArg::None => TraceLayout::None,
        },
        concurrency: a.concurrency,
        warmup: u64::from(a.concurrency),
        cancel_every: a.cancel_every,
        output_tokens: a.output_tokens,
        seed: a.rng,
    };
    let t = write_aiperf_export(&a.out, &cfg)
        .with_context(|| format!("writing {}", a.out.display()))?;
    if !quiet {
        crate::logging::info(format_args!(
            "wrote {} ({} records, {} bytes: {} warm-up, {} cancelled)",
            a.out.display(),
            t.records,
            t.bytes,
            t.warmup,
            t.cancelled
        ));
    }
    Ok(ExitCode::SUCCESS)
}
