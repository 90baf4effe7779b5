//! The real AIPerf exports in `../shared/data`, analysed with asserted
//! values. `aiperf-examples-run1` (0.1.x schema, 89 successful and 11
//! cancelled records) is complete, so every recomputed statistic must
//! match its summary JSON and CSV within rounding. The 0.5 plot fixtures
//! were trimmed to 10 records while their summaries describe the full 64
//! requests, so there only what still holds is asserted (counts, schema,
//! values inside the summary's min..max), and the mismatches are expected.

// Test helpers may panic on unexpected input: that is how a test fails.
#![allow(clippy::unwrap_used)]

use srtlog_aiperf::{analyze_path, AiperfOptions, Analysis, Dist, Outcome};
use srtlog_testutil::shared_file;
use std::sync::atomic::AtomicU64;

fn run(rel: &str) -> Option<Analysis> {
    let p = shared_file(rel)?;
    match analyze_path(&p, AiperfOptions::default(), &AtomicU64::new(0)).unwrap() {
        Outcome::Run(a) => Some(*a),
        Outcome::Sweep(_) => panic!("{rel}: expected one run"),
    }
}

#[test]
fn examples_run1_matches_its_summary() {
    let Some(a) = run("aiperf-examples-run1") else {
        return;
    };
    let o = &a.overview;
    assert_eq!(
        (o.records, o.errors, o.cancelled, o.with_trace),
        (100, 11, 11, 0)
    );
    assert_eq!(o.error_types.get("RequestCancellationError"), Some(&11));
    assert_eq!((o.streaming, o.non_streaming), (89, 0));
    assert_eq!(a.input.bad_json + a.input.not_aiperf.len() as u64, 0);
    assert_eq!(a.summary_layout, Some("json-0.1"));
    let ttft = a.dist(Dist::Ttft).unwrap();
    assert_eq!(ttft.count, 89);
    assert!((ttft.p50 - 2369.317693).abs() < 1e-6);
    assert!((ttft.p99 - 3833.3894000399996).abs() < 1e-6);
    let lat = a.dist(Dist::RequestLatency).unwrap();
    assert!((lat.p90 - 9277.5984794).abs() < 1e-6);
    assert!((lat.mean - 9059.654633033708).abs() < 1e-6);
    // Every recomputed statistic agrees with the summary JSON, including
    // the pooled inter-chunk latency list and the throughputs.
    let bad: Vec<_> = a.mismatches().collect();
    assert!(bad.is_empty(), "{bad:#?}");
    let tags: std::collections::BTreeSet<&str> = a
        .summary_comparison
        .iter()
        .map(|c| c.metric.as_str())
        .collect();
    for t in [
        "time_to_first_token",
        "request_latency",
        "inter_token_latency",
        "inter_chunk_latency",
        "request_throughput",
    ] {
        assert!(tags.contains(t), "{t} not compared");
    }
    // Token analytics without trace data: from the metrics.
    assert_eq!(a.dist(Dist::OutputTokens).unwrap().total, 21624.0);
    assert_eq!(a.dist(Dist::InputTokens).unwrap().total, 48950.0);
    assert!(a.dist(Dist::TtfbMs).is_none());
    assert!(a.connections.reuse_rate.is_none());
}

#[test]
fn examples_run1_csv_summary() {
    let Some(p) = shared_file("aiperf-examples-run1/profile_export_aiperf.csv") else {
        return;
    };
    let text = std::fs::read_to_string(p).unwrap();
    let s = srtlog_formats::aiperf::parse_summary_csv(&text).unwrap();
    let Some(mut a) = run("aiperf-examples-run1") else {
        return;
    };
    a.compare_with(&s);
    let bad: Vec<_> = a.mismatches().collect();
    assert!(bad.is_empty(), "{bad:#?}");
    assert!(a.summary_comparison.len() >= 40);
}

#[test]
fn plot_fixtures_sweep() {
    let Some(dir) = shared_file("aiperf-0.5-plot-fixtures") else {
        return;
    };
    let Outcome::Sweep(runs) =
        analyze_path(&dir, AiperfOptions::default(), &AtomicU64::new(0)).unwrap()
    else {
        panic!("expected a sweep")
    };
    assert_eq!(runs.len(), 2);
    assert_eq!(
        (runs[0].concurrency, runs[1].concurrency),
        (Some(1.0), Some(2.0))
    );
    for a in &runs {
        assert_eq!((a.overview.records, a.overview.errors), (10, 0));
        assert_eq!(a.summary_layout, Some("json-flat"));
        assert!(a.artifacts["gpu_telemetry_export.jsonl"].contains("samples"));
        // Trimmed fixtures: every per-request value lies inside the full
        // run's min..max.
        for c in &a.summary_comparison {
            if c.stat == "min" {
                assert!(c.recomputed >= c.summary - 1e-9, "{c:?}");
            }
            if c.stat == "max" {
                assert!(c.recomputed <= c.summary + 1e-9, "{c:?}");
            }
        }
        assert_eq!(a.dist(Dist::OutputTokens).unwrap().min, 200.0);
    }
    let ttft = runs[0].dist(Dist::Ttft).unwrap();
    assert_eq!(ttft.count, 10);
}
