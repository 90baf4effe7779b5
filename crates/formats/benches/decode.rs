//! Decoder micro-benchmarks, in bytes per second, on simulated worker logs of
//! several format generations (generated once into a temporary folder):
//! `decode_line` (each line on its own) and `with_decoded_memo` (the scan
//! loop's way, one `DecodeMemo` carried from line to line).
//!
//! `cargo bench -p srtlog-formats --bench decode`

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use srtlog_formats::line::normalize;
use srtlog_formats::sglang::{decode_line, with_decoded_memo, DecodeMemo, Record};
use srtlog_sim::{Backend, Mode, SglangVariant, SimConfig};
use std::hint::black_box;

/// About 8 MB of one worker's log in the given variant.
fn sample(variant: SglangVariant, dp: u32) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("temp dir");
    let cfg = SimConfig {
        mode: Mode::Aggregated { workers: 1 },
        backend: Backend::Sglang(variant),
        dp,
        tp: 8,
        target_bytes: Some(8 << 20),
        ..SimConfig::default()
    };
    let m = srtlog_sim::write_run(dir.path(), &cfg).expect("simulate");
    std::fs::read(&m.files[0].path).expect("read")
}

/// Decodes every line; returns the number of batch records so the work
/// cannot be optimised away.
fn decode_all(buf: &[u8]) -> usize {
    let mut scratch = Vec::new();
    let mut batches = 0;
    for raw in buf.split(|&b| b == b'\n') {
        if let Record::Batch(_) = decode_line(normalize(raw, &mut scratch)) {
            batches += 1;
        }
    }
    batches
}

/// [`decode_all`] through one memo, as the scan loop decodes a buffer.
fn decode_all_memo(buf: &[u8]) -> usize {
    let mut scratch = Vec::new();
    let mut memo = DecodeMemo::default();
    let mut batches = 0;
    for raw in buf.split(|&b| b == b'\n') {
        let line = normalize(raw, &mut scratch);
        batches += with_decoded_memo(line, &mut memo, |r| {
            usize::from(matches!(r, Record::Batch(_)))
        });
    }
    batches
}

const VARIANTS: [(&str, SglangVariant, u32); 4] = [
    ("v0.5.3 TP", SglangVariant::V053, 1),
    ("v0.5.6 DP8", SglangVariant::V056, 8),
    ("2026 DP/TP/EP", SglangVariant::Y2026, 8),
    ("dynamo ISO", SglangVariant::Dynamo, 1),
];

fn bench(c: &mut Criterion) {
    let bufs: Vec<_> = VARIANTS.iter().map(|&(_, v, dp)| sample(v, dp)).collect();
    for (group, f) in [
        ("decode_line", decode_all as fn(&[u8]) -> usize),
        ("with_decoded_memo", decode_all_memo),
    ] {
        let mut g = c.benchmark_group(group);
        for ((name, ..), buf) in VARIANTS.iter().zip(&bufs) {
            g.throughput(Throughput::Bytes(buf.len() as u64));
            g.bench_function(*name, |b| b.iter(|| f(black_box(buf))));
        }
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
