//! Measure generation speed for every backend and compression.
//!
//! ```text
//! cargo run --release -p srtlog-sim --example simbench -- OUT_DIR [SIZE_MB]
//! ```

use std::time::Instant;

use srtlog_sim::{write_run, Backend, Compression, SglangVariant, SimConfig};

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let out = std::path::PathBuf::from(
        args.get(1)
            .cloned()
            .unwrap_or_else(|| "sim-bench".to_string()),
    );
    let mb: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(200);
    for (name, backend) in [
        ("v056", Backend::Sglang(SglangVariant::V056)),
        ("y2026", Backend::Sglang(SglangVariant::Y2026)),
        ("dynamo", Backend::Sglang(SglangVariant::Dynamo)),
        ("vllm", Backend::Vllm),
    ] {
        for c in [Compression::None, Compression::Gzip, Compression::Zstd] {
            for threads in [1usize, 2] {
                let cfg = SimConfig {
                    backend,
                    compression: c,
                    threads,
                    target_bytes: Some(mb * 1_000_000),
                    ..SimConfig::default()
                };
                let t = Instant::now();
                let m = write_run(&out, &cfg)?;
                let s = t.elapsed().as_secs_f64();
                println!(
                    "{name:7} {c:?}\tthreads={threads}\t{:.0} MB text -> {:.0} MB on disk in {s:.2} s = {:.0} MB/s (text)",
                    m.total_uncompressed_bytes as f64 / 1e6,
                    m.total_bytes as f64 / 1e6,
                    m.total_uncompressed_bytes as f64 / 1e6 / s
                );
                std::fs::remove_dir_all(&out)?;
            }
        }
    }
    Ok(())
}
