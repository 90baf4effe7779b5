//! Simulated AIPerf exports in each trace-data layout of formats.md §3.3
//! (released pairs, the parallel-array prototype, the prototype script's
//! keys) and without trace data: the analysis must reproduce the
//! simulator's truth whatever the layout, and the layouts must agree.

// Test helpers may panic on unexpected input: that is how a test fails.
#![allow(clippy::unwrap_used)]

use srtlog_aiperf::{analyze_path, AiperfOptions, Analysis, Dist, Outcome};
use srtlog_sim::aiperf::{write_aiperf_export, AiperfConfig, AiperfTruth, TraceLayout};
use std::sync::atomic::AtomicU64;

fn analyse(layout: TraceLayout) -> (Analysis, AiperfTruth) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("profile_export.jsonl");
    let cfg = AiperfConfig {
        records: 300,
        cancel_every: 25,
        layout,
        ..AiperfConfig::default()
    };
    let truth = write_aiperf_export(&p, &cfg).unwrap();
    let Outcome::Run(a) = analyze_path(&p, AiperfOptions::default(), &AtomicU64::new(0)).unwrap()
    else {
        panic!("one run")
    };
    (*a, truth)
}

#[test]
fn every_layout_reproduces_the_truth() {
    let mut ttfb = Vec::new();
    for layout in [
        TraceLayout::Released,
        TraceLayout::ParallelArrays,
        TraceLayout::Script,
    ] {
        let (a, t) = analyse(layout);
        let o = &a.overview;
        assert_eq!(o.records, t.records - t.warmup, "{layout:?}");
        assert_eq!(
            (o.errors, o.cancelled, o.warmup_excluded),
            (t.cancelled, t.cancelled, t.warmup)
        );
        assert_eq!(o.with_trace, o.records);
        assert_eq!(o.streaming, t.ok);
        assert_eq!(
            (a.connections.created, a.connections.reused),
            (t.created, t.reused),
            "{layout:?}"
        );
        assert_eq!(
            (a.dns.lookups, a.dns.cache_hits),
            (t.dns_lookups, t.dns_hits),
            "{layout:?}"
        );
        let chunks = a.dist(Dist::ChunksPerRequest).unwrap();
        assert_eq!(chunks.total as u64, t.chunks);
        assert_eq!(a.dist(Dist::InterChunkMs).unwrap().count, t.chunks - t.ok);
        assert_eq!(
            a.dist(Dist::OutputTokens).unwrap().total as u64,
            t.output_tokens
        );
        // TTFB is request sent to first chunk: between 5 and 25 ms by construction.
        let d = a.dist(Dist::TtfbMs).unwrap();
        assert!(d.min >= 5.0 && d.max <= 25.0, "{layout:?} {d:?}");
        assert_eq!(d.count, t.ok);
        ttfb.push(d.clone());
        let rules: Vec<&str> = a.findings.iter().map(|f| f.rule).collect();
        assert!(rules.contains(&"connection_reuse") && rules.contains(&"tokens_per_chunk"));
    }
    // The three layouts carry the same timings.
    assert_eq!(ttfb[0], ttfb[1]);
    assert_eq!(ttfb[1], ttfb[2]);
}

#[test]
fn without_trace_data() {
    let (a, t) = analyse(TraceLayout::None);
    assert_eq!(a.overview.with_trace, 0);
    assert!(a.dist(Dist::TtfbMs).is_none() && a.connections.reuse_rate.is_none());
    assert_eq!(
        a.dist(Dist::OutputTokens).unwrap().total as u64,
        t.output_tokens
    );
    assert_eq!(a.dist(Dist::TokensPerSecond).unwrap().count, t.ok);
    assert_eq!(a.dist(Dist::AiperfIcl).unwrap().count, t.chunks - 2 * t.ok);
}

#[test]
fn include_warmup_and_parallel_blocks_agree() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("profile_export.jsonl");
    // ~20 MB: several 8 MB blocks, decoded in parallel and merged in order.
    let cfg = AiperfConfig {
        records: 0,
        target_bytes: Some(20 << 20),
        output_tokens: 200,
        ..AiperfConfig::default()
    };
    let t = write_aiperf_export(&p, &cfg).unwrap();
    let opts = AiperfOptions {
        include_warmup: true,
        rows: true,
    };
    let Outcome::Run(a) = analyze_path(&p, opts, &AtomicU64::new(0)).unwrap() else {
        panic!()
    };
    assert_eq!(a.overview.records, t.records);
    assert_eq!(a.rows.len() as u64, t.records);
    // Rows stay in file order across blocks.
    assert!(a.rows.windows(2).all(|w| w[0].request_id < w[1].request_id));
    assert_eq!(a.input.lines, t.records);
}
