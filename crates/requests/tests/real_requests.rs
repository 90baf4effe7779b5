//! Every per-request JSON-lines file in `../shared/data`, read with asserted
//! values. Expected values were computed independently in Python 3 with
//! `json.loads` per line and a five-line numpy-linear percentile
//! (`h = (n-1)q; v[lo] + (h-lo)(v[hi]-v[lo])`); failures are records whose
//! `error` is non-null or `metadata.was_cancelled` is true.
// Test helpers may panic on unexpected input: that is how a test fails.
#![allow(clippy::unwrap_used)]

use srtlog_requests::{load, summary::summary, LoadOptions};
use srtlog_testutil::shared_file;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

struct Expect {
    rel: &'static str,
    requests: u64,
    errors: u64,
    latencies: u64,
    mean: f64,
    p50: f64,
    p95: f64,
    p99: f64,
    max: f64,
    ttft_p50: f64,
    first_ns: i64,
}

const FILES: &[Expect] = &[
    // AIPerf 0.1.x: 89 successes, 11 RequestCancellationError records.
    Expect {
        rel: "aiperf-examples-run1/profile_export.jsonl",
        requests: 100,
        errors: 11,
        latencies: 89,
        mean: 9059.654633033708,
        p50: 9097.345014999999,
        p95: 9288.605606,
        p99: 9297.609933759999,
        max: 9299.772642,
        ttft_p50: 2369.317693,
        first_ns: 1_759_522_419_154_568_925,
    },
    // AIPerf 0.5 (request_start_ns, was_cancelled, time_to_first_token).
    Expect {
        rel: "aiperf-0.5-plot-fixtures/qwen_concurrency1/profile_export.jsonl",
        requests: 10,
        errors: 0,
        latencies: 10,
        mean: 3629.6431695,
        p50: 3637.6755239999998,
        p95: 3655.5300687999998,
        p99: 3658.9521769599996,
        max: 3659.807704,
        ttft_p50: 31.4261615,
        first_ns: 1_762_551_534_797_067_827,
    },
    Expect {
        rel: "aiperf-0.5-plot-fixtures/qwen_concurrency2/profile_export.jsonl",
        requests: 10,
        errors: 0,
        latencies: 10,
        mean: 3747.9151405999996,
        p50: 3758.8419395,
        p95: 3842.7805958999998,
        p99: 3849.4127239799996,
        max: 3851.0707559999996,
        ttft_p50: 36.7244665,
        first_ns: 1_762_551_801_663_056_063,
    },
];

#[test]
fn aiperf_profile_exports() {
    for e in FILES {
        let Some(path) = shared_file(e.rel) else {
            continue;
        };
        let log = load(&[path], &LoadOptions::default()).unwrap();
        let f = &log.files[0];
        assert_eq!((f.lines, f.bad_lines), (e.requests, 0), "{}", e.rel);
        assert_eq!(f.schemas.get("aiperf"), Some(&e.requests), "{}", e.rel);
        let s = summary(&log.table);
        let a = &s.all;
        assert_eq!(a.total_requests, e.requests, "{}", e.rel);
        assert_eq!(a.errors, e.errors, "{}", e.rel);
        assert_eq!(a.latency_count, e.latencies, "{}", e.rel);
        for (got, want, what) in [
            (a.avg_latency_ms, e.mean, "mean"),
            (a.p50_latency_ms, e.p50, "p50"),
            (a.p95_latency_ms, e.p95, "p95"),
            (a.p99_latency_ms, e.p99, "p99"),
            (a.max_latency_ms, e.max, "max"),
            (s.fields["ttft_ms"].median, e.ttft_p50, "ttft p50"),
        ] {
            assert!(close(got, want), "{} {what}: {got} != {want}", e.rel);
        }
        // Nanosecond start times above 2^53 are exact.
        let first = log.table.timestamp_ns.iter().flatten().min().copied();
        assert_eq!(first, Some(e.first_ns), "{}", e.rel);
        if e.errors > 0 {
            assert_eq!(
                log.table.error_type.values,
                ["RequestCancellationError"],
                "{}",
                e.rel
            );
        }
    }
}

/// The 0.5 fixture folder: two profile exports read, GPU telemetry
/// recognised as not per-request, the pretty-printed run summary recognised
/// as a JSON document; nothing counted as bad.
#[test]
fn aiperf_folder_with_other_artifacts() {
    let Some(c1) = shared_file("aiperf-0.5-plot-fixtures/qwen_concurrency1/profile_export.jsonl")
    else {
        return;
    };
    let dir = c1.parent().unwrap().parent().unwrap().to_path_buf();
    let log = load(&[dir], &LoadOptions::default()).unwrap();
    assert_eq!(log.table.len(), 20);
    assert_eq!(log.bad_lines(), 0);
    let telemetry: u64 = log.files.iter().map(|f| f.not_per_request).sum();
    assert_eq!(telemetry, 40, "20 GPU telemetry samples per run");
    assert_eq!(log.files.iter().filter(|f| f.json_document).count(), 2);
}

/// `sglang.bench_serving` result lines (`"request_rate": Infinity`) are run
/// summaries: recognised as client results with run-level figures only
/// (`not_per_request` counts the run), not misread as requests.
#[test]
fn sglang_bench_serving_summaries_are_not_requests() {
    for rel in [
        "sglang-bench-serving-tonyli/agg_n100_in512_out128_c32.jsonl",
        "sglang-bench-serving-tonyli/pd_1p2d_n100_in512_out128_c64.jsonl",
    ] {
        let Some(path) = shared_file(rel) else {
            continue;
        };
        let log = load(&[path], &LoadOptions::default()).unwrap();
        let f = &log.files[0];
        assert_eq!(
            (f.lines, f.not_per_request, f.bad_lines, f.requests),
            (1, 1, 0, 0),
            "{rel}"
        );
    }
}

/// The whole `../shared/data` folder: the 120 AIPerf records (100 + 10 +
/// 10) are every request in it; worker logs, JSON documents, telemetry and
/// benchmark summaries are recognised, and no line counts as bad.
#[test]
fn the_whole_data_folder() {
    let Some(dir) = srtlog_testutil::shared_data() else {
        return;
    };
    let log = load(&[dir], &LoadOptions::default()).unwrap();
    assert_eq!(log.table.len(), 120);
    assert_eq!(log.bad_lines(), 0);
    assert_eq!(summary(&log.table).all.errors, 11);
}
