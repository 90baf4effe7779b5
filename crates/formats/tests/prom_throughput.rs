//! Throughput of the Prometheus parser on a large generated exposition
//! (srtlog-sim's `large_exposition`: the vLLM V1 families of a real
//! `/metrics`, repeated over many engines and models).
//!
//! Ignored by default (a benchmark, not a test); `bench/prom.sh` runs it in
//! release mode: `cargo test --release -p srtlog-formats --test
//! prom_throughput -- --ignored --nocapture`. Size with `SRTLOG_PROM_MB`
//! (default 128).

// Test helpers may panic on unexpected input: that is how a test fails.
#![allow(clippy::unwrap_used)]

use srtlog_formats::prom;
use std::time::Instant;

#[test]
#[ignore = "benchmark: run by bench/prom.sh in release mode"]
fn parse_throughput() {
    let mb: usize = std::env::var("SRTLOG_PROM_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(128);
    let text = srtlog_sim::metrics::large_exposition(mb << 20, 42);
    let bytes = text.as_bytes();
    let lines = memchr_count(bytes);
    let mut best = f64::INFINITY;
    let mut best_full = f64::INFINITY;
    let mut samples = 0;
    for _ in 0..3 {
        // Parse only: families with borrowed samples.
        let t = Instant::now();
        let e = prom::parse(bytes);
        best = best.min(t.elapsed().as_secs_f64());
        samples = e.sample_count();
        assert_eq!(e.malformed, 0);
        drop(e);
        // Parse and read every label of every sample (what a consumer does).
        let t = Instant::now();
        let e = prom::parse(bytes);
        let mut n = 0usize;
        for (_, s) in e.samples() {
            n += s.labels.iter().count();
        }
        std::hint::black_box(n);
        best_full = best_full.min(t.elapsed().as_secs_f64());
    }
    let size = bytes.len() as f64 / 1e6;
    println!(
        "prom::parse: {size:.1} MB, {lines} lines, {samples} samples: {:.0} MB/s ({:.1} M samples/s); with label iteration {:.0} MB/s",
        size / best,
        samples as f64 / best / 1e6,
        size / best_full
    );
    if !cfg!(debug_assertions) {
        assert!(size / best >= 200.0, "below the 200 MB/s goal");
    }
}

fn memchr_count(b: &[u8]) -> usize {
    b.iter().filter(|&&c| c == b'\n').count()
}
