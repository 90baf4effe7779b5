//! `srtlog simulate workers OUT_DIR` (or plain `srtlog simulate OUT_DIR`):
//! a realistic run of worker logs written with `srtlog-sim`.

use crate::flags::{self, Compress};
use anyhow::{Context, Result};
use clap::ValueEnum;
use srtlog_sim::{Backend, Mode, SglangVariant, SimConfig};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

const EXAMPLES: &str = "Examples:
  srtlog simulate workers /tmp/run                       # 2 prefill + 1 decode workers, 10 minutes
  srtlog simulate /tmp/run                               # the same
  srtlog simulate workers /tmp/big --size 1GB --prefill 8 --decode 8
  srtlog simulate workers /tmp/agg --mode agg --workers 4 --variant 2026 --dp 8 --tp 8 --ep 8
  srtlog simulate workers /tmp/gz --compress gz --variant v053
  srtlog simulate workers /tmp/vllm --variant vllm --mode agg --workers 2 --dp 2 --spec-decoding
  srtlog simulate workers /tmp/vbig --variant vllm --size 1GB      # a long run: one statistics line every 10 s
  srtlog simulate workers /tmp/oom --inject cuda-oom && srtlog check /tmp/oom   # a failed run
  srtlog simulate workers /tmp/a --client-log --replicate 1                        # an A/B pair:
  srtlog simulate workers /tmp/b --client-log --replicate 2 --enable-two-batch-overlap
  srtlog compare /tmp/a /tmp/b                   # decode throughput +20 %, reported as significant

--inject KIND writes the run with one failure (SGLang, disaggregated, uncompressed), plus the
client files (benchmark.out, result JSON, metrics snapshots) that `srtlog check` compares with
the logs; `--help` lists the kinds.";

/// Serving layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SimMode {
    /// Prefill/decode disaggregation.
    Disagg,
    /// Aggregated workers.
    Agg,
}

/// Log format generation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SimVariant {
    /// SGLang 0.5.3: `Prefill batch.`
    V053,
    /// SGLang 0.5.4 with iteration ids: `Prefill batch [N],`
    V054,
    /// SGLang 0.5.6: `Prefill batch,`
    V056,
    /// SGLang 2026 builds: milliseconds, new fields
    #[value(name = "2026")]
    Y2026,
    /// Dynamo-wrapped SGLang (ISO timestamps, no rank tags)
    Dynamo,
    /// vLLM V1 engine statistics (0.25-era; `(APIServer pid=N)` prefixes)
    Vllm,
    /// vLLM V0 engine statistics (0.6-era; `metrics.py:349]`, Swapped/Pending)
    #[value(name = "vllm-v0")]
    VllmV0,
}

/// Arguments of `srtlog simulate workers`.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
#[group(id = "workers_args")]
pub struct Args {
    /// Output run directory (logs go to OUT_DIR/logs).
    #[arg(required = true, value_name = "OUT_DIR")]
    pub out_dir: Option<PathBuf>,
    /// Disaggregated or aggregated.
    #[arg(long, value_enum, default_value_t = SimMode::Disagg)]
    pub mode: SimMode,
    /// Prefill workers (disagg).
    #[arg(long, default_value_t = 2)]
    pub prefill: u32,
    /// Decode workers (disagg).
    #[arg(long, default_value_t = 1)]
    pub decode: u32,
    /// Workers (agg).
    #[arg(long, default_value_t = 2)]
    pub workers: u32,
    /// Log format generation.
    #[arg(long, value_enum, default_value_t = SimVariant::V056)]
    pub variant: SimVariant,
    /// Data-parallel size (DP attention: one line per DP rank).
    #[arg(long, default_value_t = 1)]
    pub dp: u32,
    /// Tensor-parallel size.
    #[arg(long, default_value_t = 4)]
    pub tp: u32,
    /// Expert-parallel size.
    #[arg(long, default_value_t = 1)]
    pub ep: u32,
    /// Pipeline-parallel size.
    #[arg(long, default_value_t = 1)]
    pub pp: u32,
    /// Simulated duration (`90s`, `10m`, `2h`).
    #[arg(long, default_value = "10m", value_parser = flags::parse_duration)]
    pub duration: u64,
    /// Approximate total size of the worker logs (`500MB`, `1GB`); extends the run (line rates and
    /// throughputs stay those of real logs).
    #[arg(long, value_parser = flags::parse_size)]
    pub size: Option<u64>,
    /// State of the random number generator (the same number writes the same files).
    #[arg(long = "rng", alias = "seed", value_name = "N", default_value_t = 42)]
    pub rng: u64,
    /// Compress the worker logs.
    #[arg(long, value_enum)]
    pub compress: Option<Compress>,
    /// Leave out non-record lines (warnings, progress bars, access logs).
    #[arg(long)]
    pub no_noise: bool,
    /// Make TP/PP ranks print duplicate batch lines, as some setups do.
    #[arg(long)]
    pub tp_duplicates: bool,
    /// CRLF line endings.
    #[arg(long)]
    pub crlf: bool,
    /// vLLM V1: a `SpecDecoding metrics:` line after every engine statistics line.
    #[arg(long)]
    pub spec_decoding: bool,
    /// Inject one failure, for `srtlog check` demos (see the kinds below; needs disagg SGLang, no --compress).
    #[arg(long, value_enum, value_name = "KIND", conflicts_with = "compress")]
    pub inject: Option<super::inject::Inject>,
    /// Another run of the same job: model, GPU, load curve and server settings come from --rng,
    /// the per-step randomness (arrivals, noise) from N. Two runs with one --rng and different
    /// --replicate values differ as two runs of one configuration do.
    #[arg(long, value_name = "N")]
    pub replicate: Option<u64>,
    /// SGLang `--enable-two-batch-overlap` on the decode workers (aggregated workers in agg
    /// mode): the simulator maps it to +20% decode throughput on them (generation throughput
    /// x1.2, client time per output token /1.2); prefill is unchanged.
    #[arg(long)]
    pub enable_two_batch_overlap: bool,
    /// Also write the benchmark client's per-request log, OUT_DIR/client/requests.jsonl (TTFT,
    /// time per output token, end-to-end latency, tokens, status), for `srtlog compare`.
    #[arg(long)]
    pub client_log: bool,
    /// Print the ground-truth manifest as JSON.
    #[arg(long)]
    pub json: bool,
}

fn config(a: &Args) -> SimConfig {
    SimConfig {
        mode: match a.mode {
            SimMode::Disagg => Mode::Disaggregated {
                prefill: a.prefill,
                decode: a.decode,
            },
            SimMode::Agg => Mode::Aggregated { workers: a.workers },
        },
        backend: match a.variant {
            SimVariant::V053 => Backend::Sglang(SglangVariant::V053),
            SimVariant::V054 => Backend::Sglang(SglangVariant::V054Iter),
            SimVariant::V056 => Backend::Sglang(SglangVariant::V056),
            SimVariant::Y2026 => Backend::Sglang(SglangVariant::Y2026),
            SimVariant::Dynamo => Backend::Sglang(SglangVariant::Dynamo),
            SimVariant::Vllm => Backend::Vllm,
            SimVariant::VllmV0 => Backend::VllmV0,
        },
        dp: a.dp,
        tp: a.tp,
        ep: a.ep,
        pp: a.pp,
        duration_s: a.duration,
        target_bytes: a.size,
        seed: a.rng,
        compression: Compress::sim(a.compress),
        noise: !a.no_noise,
        tp_duplicates: a.tp_duplicates,
        crlf: a.crlf,
        spec_decoding: a.spec_decoding,
        replicate: a.replicate,
        two_batch_overlap: a.enable_two_batch_overlap,
        client_log: a.client_log,
        ..SimConfig::default()
    }
}

/// Runs the command.
pub fn run(a: Args, quiet: bool) -> Result<ExitCode> {
    let Some(out_dir) = a.out_dir.clone() else {
        anyhow::bail!(flags::UsageError("give the output folder OUT_DIR".into()));
    };
    let cfg = config(&a);
    let started = std::time::Instant::now();
    let m = match a.inject {
        None => srtlog_sim::write_run(&out_dir, &cfg),
        Some(k) => srtlog_sim::failures::write_failed_run(&out_dir, &cfg, Some(k.0)),
    }
    .with_context(|| format!("writing the run to {}", out_dir.display()))?;
    let secs = started.elapsed().as_secs_f64();
    let mut out = std::io::stdout().lock();
    if a.json {
        let files: Vec<_> = m
            .files
            .iter()
            .map(|f| {
                serde_json::json!({
                    "file": f.path.display().to_string(), "node": f.node, "worker_type": f.worker_type,
                    "worker_id": f.worker_id, "prefill_batches": f.prefill_batches, "decode_batches": f.decode_batches,
                    "prefill_lines": f.prefill_lines, "decode_lines": f.decode_lines,
                    "memory_snapshots": f.memory_snapshots, "first_timestamp": f.first_timestamp,
                    "last_timestamp": f.last_timestamp, "stat_lines": f.stat_lines,
                    "spec_lines": f.spec_lines, "access_lines": f.access_lines, "bytes": f.bytes,
                })
            })
            .collect();
        serde_json::to_writer_pretty(
            &mut out,
            &serde_json::json!({ "files": files, "total_bytes": m.total_bytes }),
        )?;
        writeln!(out)?;
    } else if !quiet {
        writeln!(
            out,
            "Wrote {} worker logs ({:.1} MB) to {} in {:.1}s",
            m.files.len(),
            m.total_bytes as f64 / 1e6,
            out_dir.join("logs").display(),
            secs
        )?;
        let next = if a.inject.is_some() { "check" } else { "parse" };
        writeln!(out, "Next: srtlog {next} {}", out_dir.display())?;
    }
    Ok(ExitCode::SUCCESS)
}
