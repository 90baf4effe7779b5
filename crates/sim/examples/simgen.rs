//! Generate a simulated run from the command line and report the speed.
//!
//! ```text
//! cargo run --release -p srtlog-sim --example simgen -- OUT_DIR [SIZE_MB] [variant] [dp] [tp]
//! ```
//! `variant` is one of `v053`, `v054`, `v056`, `y2026`, `dynamo`, `vllm`.

use std::time::Instant;

use srtlog_sim::{write_run, Backend, SglangVariant, SimConfig};

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let out = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "sim-out".to_string());
    let mut cfg = SimConfig::default();
    if let Some(mb) = args.get(2).and_then(|s| s.parse::<u64>().ok()) {
        if mb > 0 {
            cfg.target_bytes = Some(mb * 1_000_000);
        }
    }
    if let Some(v) = args.get(3) {
        cfg.backend = match v.as_str() {
            "v053" => Backend::Sglang(SglangVariant::V053),
            "v054" => Backend::Sglang(SglangVariant::V054Iter),
            "y2026" => Backend::Sglang(SglangVariant::Y2026),
            "dynamo" => Backend::Sglang(SglangVariant::Dynamo),
            "vllm" => Backend::Vllm,
            _ => Backend::Sglang(SglangVariant::V056),
        };
    }
    if let Some(dp) = args.get(4).and_then(|s| s.parse().ok()) {
        cfg.dp = dp;
    }
    if let Some(tp) = args.get(5).and_then(|s| s.parse().ok()) {
        cfg.tp = tp;
    }
    let t = Instant::now();
    let m = write_run(std::path::Path::new(&out), &cfg)?;
    let secs = t.elapsed().as_secs_f64();
    for f in &m.files {
        println!(
            "{}  prefill={} decode={} lines={}/{} mem={} stats={} {} .. {}  {} bytes",
            f.path.display(),
            f.prefill_batches,
            f.decode_batches,
            f.prefill_lines,
            f.decode_lines,
            f.memory_snapshots,
            f.stat_lines,
            f.first_timestamp,
            f.last_timestamp,
            f.bytes
        );
    }
    println!(
        "total {:.1} MB (uncompressed {:.1} MB) in {:.2} s = {:.0} MB/s; duration {} s, density {:.2}",
        m.total_bytes as f64 / 1e6,
        m.total_uncompressed_bytes as f64 / 1e6,
        secs,
        m.total_uncompressed_bytes as f64 / 1e6 / secs,
        m.effective_duration_s,
        m.density
    );
    Ok(())
}
