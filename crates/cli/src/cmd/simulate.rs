//! `srtlog simulate`: writes a realistic run with `srtlog-sim`.

use crate::args::{SimCompress, SimMode, SimVariant, SimulateArgs};
use anyhow::{Context, Result};
use srtlog_sim::{Backend, Compression, Mode, SglangVariant, SimConfig};
use std::io::Write;
use std::process::ExitCode;

/// Runs the command.
pub fn run(a: SimulateArgs, quiet: bool) -> Result<ExitCode> {
    let cfg = SimConfig {
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
        seed: a.seed,
        compression: match a.compress {
            None => Compression::None,
            Some(SimCompress::Gz) => Compression::Gzip,
            Some(SimCompress::Zst) => Compression::Zstd,
        },
        noise: !a.no_noise,
        tp_duplicates: a.tp_duplicates,
        crlf: a.crlf,
        spec_decoding: a.spec_decoding,
        ..SimConfig::default()
    };
    let started = std::time::Instant::now();
    let m = srtlog_sim::write_run(&a.out_dir, &cfg)
        .with_context(|| format!("writing the run to {}", a.out_dir.display()))?;
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
            a.out_dir.join("logs").display(),
            secs
        )?;
        writeln!(out, "Next: srtlog parse {}", a.out_dir.display())?;
    }
    Ok(ExitCode::SUCCESS)
}
