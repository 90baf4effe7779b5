//! `srtlog simulate snapshots DIR`: Prometheus snapshots before and after
//! each request (or periodic scrapes), with each request's truth.

use anyhow::{Context, Result};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

const EXAMPLES: &str = "Examples:
  srtlog simulate snapshots /tmp/snaps --count 20 --overlap-every 5
  srtlog snapshots /tmp/snaps
  srtlog simulate snapshots /tmp/scrapes --interval --count 120 --backend sglang
  srtlog snapshots /tmp/scrapes --interval -o scrapes.html

Writes Prometheus text 0.0.4 the way prometheus_client renders it, and prints the truth
of every request (JSON lines on stdout) so that `srtlog snapshots` can be checked.";

/// Arguments of `srtlog simulate snapshots`.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Folder to write (created if missing).
    pub out: PathBuf,
    /// Requests (one before/after pair each), or scrapes with --interval.
    #[arg(long = "count", alias = "requests", default_value_t = 5)]
    pub count: usize,
    /// Metric names of this server.
    #[arg(long, value_enum, default_value_t = SimBackend::VllmV1)]
    pub backend: SimBackend,
    /// Every N-th request runs together with the next one (overlapping windows); 0: never.
    #[arg(long, default_value_t = 0)]
    pub overlap_every: usize,
    /// Periodic scrapes (`metrics_{time}.txt`, 1 s apart, 4 requests finishing between
    /// scrapes, a server restart in the middle) instead of before/after pairs.
    #[arg(long)]
    pub interval: bool,
    /// State of the random number generator (the same number writes the same files).
    #[arg(long = "rng", alias = "seed", value_name = "N", default_value_t = 7)]
    pub rng: u64,
}

/// Server generation of simulated metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SimBackend {
    /// vLLM V1 (0.10+).
    VllmV1,
    /// vLLM V0.
    VllmV0,
    /// SGLang.
    Sglang,
}

/// Runs the command.
pub fn run(a: Args, quiet: bool) -> Result<ExitCode> {
    use srtlog_sim::metrics::{
        write_interval_folder, write_snapshot_folder, MetricsBackend, SnapshotSimConfig,
    };
    let backend = match a.backend {
        SimBackend::VllmV1 => MetricsBackend::VllmV1,
        SimBackend::VllmV0 => MetricsBackend::VllmV0,
        SimBackend::Sglang => MetricsBackend::Sglang,
    };
    if a.interval {
        let n = a.count.max(2);
        let per = write_interval_folder(&a.out, backend, n, 1_000_000, 4, Some(n / 2), a.rng)
            .with_context(|| format!("writing {}", a.out.display()))?;
        if !quiet {
            crate::logging::info(format_args!(
                "wrote {n} scrapes ({} requests) to {}",
                per.iter().map(Vec::len).sum::<usize>(),
                a.out.display()
            ));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let cfg = SnapshotSimConfig {
        requests: a.count,
        backend,
        overlap_every: a.overlap_every,
        seed: a.rng,
        ..SnapshotSimConfig::default()
    };
    let truth = write_snapshot_folder(&a.out, &cfg)
        .with_context(|| format!("writing {}", a.out.display()))?;
    let mut out = std::io::stdout().lock();
    for t in &truth {
        let line = serde_json::json!({
            "request_id": t.request_id, "queue_time_s": t.queue_s, "prefill_time_s": t.prefill_s,
            "decode_time_s": t.decode_s, "ttft_s": t.ttft_s, "e2e_latency_s": t.e2e_s,
            "prompt_tokens": t.prompt_tokens, "generation_tokens": t.generation_tokens,
            "overlapped": t.overlapped,
        });
        writeln!(out, "{line}")?;
    }
    if !quiet {
        crate::logging::info(format_args!(
            "wrote {} request(s), {} snapshot files, to {}",
            truth.len(),
            2 * truth.len(),
            a.out.display()
        ));
    }
    Ok(ExitCode::SUCCESS)
}
