//! The real vLLM 0.25.1 `/metrics` dumps in `../shared/data`: parsed with
//! asserted families, series and buckets, and paired as a before (idle) /
//! after (loaded) snapshot with asserted derived timings. Values were checked
//! with `grep` against the files.

// Test helpers may panic on unexpected input: that is how a test fails.
#![allow(clippy::unwrap_used)]

use srtlog_formats::prom::{self, MetricType};
use srtlog_snapshots as snapshots;
use srtlog_snapshots::{delta::Deltas, derive::derive, snapshot::Snapshot};
use srtlog_testutil::shared_file;

const IDLE: &str = "vllm-0.25.1-er0080/metrics_vllm_0_25_1_idle.txt";
const LOADED: &str = "vllm-0.25.1-er0080/metrics_vllm_0_25_1_loaded.txt";

#[test]
fn loaded_dump_families_series_and_buckets() {
    let Some(p) = shared_file(LOADED) else { return };
    let data = std::fs::read(p).unwrap();
    let e = prom::parse(&data);
    assert_eq!(e.malformed, 0, "{:?}", e.diagnostics);
    assert_eq!(e.lines, 607);
    // 86 TYPE lines, each its own family (prometheus_client 0.0.4 writes
    // `_created` as separate gauge families), and every non-comment line a sample.
    assert_eq!(e.families.len(), 86);
    assert_eq!(e.sample_count(), 435);
    // 51 metric families and 35 `_created` gauge families beside them.
    let created: Vec<_> = e
        .families
        .iter()
        .filter(|f| f.name.ends_with("_created"))
        .collect();
    assert_eq!(created.len(), 35);
    assert!(created.iter().all(|f| f.ty == MetricType::Gauge));
    let h = e.family("vllm:e2e_request_latency_seconds").unwrap();
    assert_eq!(h.ty, MetricType::Histogram);
    assert_eq!(h.series_count(), 1);
    let buckets: Vec<(String, f64)> = h
        .samples
        .iter()
        .filter(|s| s.suffix(h.name) == "_bucket")
        .map(|s| (s.labels.get("le").unwrap().raw().to_string(), s.value))
        .collect();
    assert_eq!(buckets.len(), 22);
    assert_eq!(buckets[2], ("0.8".to_string(), 23.0));
    assert_eq!(buckets[5], ("2.0".to_string(), 591.0));
    assert_eq!(buckets[21], ("+Inf".to_string(), 600.0));
    let sum = h
        .samples
        .iter()
        .find(|s| s.suffix(h.name) == "_sum")
        .unwrap();
    assert_eq!(sum.value, 999.2306158542633);
    assert_eq!(sum.labels.get("model_name").unwrap().raw(), "opt-125m-tp2");
    assert_eq!(sum.labels.get("engine").unwrap().raw(), "0");
    let c = e.family("vllm:prompt_tokens_total").unwrap();
    assert_eq!((c.ty, c.samples[0].value), (MetricType::Counter, 339968.0));
    let info = e.family("vllm:cache_config_info").unwrap();
    assert_eq!(info.samples[0].labels.iter().count(), 29);
    let r = e.family("vllm:request_success_total").unwrap();
    assert_eq!(r.series_count(), 5);
    let s = e.family("http_request_size_bytes").unwrap();
    assert_eq!(s.ty, MetricType::Summary);
}

#[test]
fn idle_then_loaded_as_a_pair() {
    let (Some(b), Some(a)) = (shared_file(IDLE), shared_file(LOADED)) else {
        return;
    };
    let before = Snapshot::load(&b).unwrap();
    let after = Snapshot::load(&a).unwrap();
    let d = Deltas::between(&before, &after);
    let x = derive(&d);
    let close = |k: &str, v: f64| {
        let got = x.get(k).unwrap();
        assert!((got - v).abs() < 1e-9, "{k}: {got} != {v}");
    };
    close("prefill_time_s", 36.60655808323645);
    close("decode_time_s", 928.5465441379056);
    close("ttft_s", 88.24499082565308);
    close("queue_time_s", 18.513516283710487);
    close("inference_time_s", 965.153102221142);
    close("e2e_latency_s", 999.2306158542633);
    close("prompt_tokens", 339968.0);
    close("generation_tokens", 165293.0);
    close("itl_s", 998.1225105317717 / 164629.0);
    assert!(x.estimated.is_empty());
    // 600 requests finished between the dumps: flagged, not a single request.
    assert!(x
        .multi_count
        .contains(&("vllm:e2e_request_latency_seconds", 600.0)));

    // The same through the folder analysis, with seed-style names.
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        &b,
        dir.path().join("req-1_before_20260101_000000_000000.txt"),
    )
    .unwrap();
    std::fs::copy(
        &a,
        dir.path().join("req-1_after_20260101_000200_500000.txt"),
    )
    .unwrap();
    let an = snapshots::analyze_dir(dir.path()).unwrap();
    assert_eq!(an.requests.len(), 1);
    let r = &an.requests[0];
    assert_eq!(r.window_s(), 120.5);
    let codes: Vec<_> = r.flags.iter().map(|f| f.code).collect();
    assert_eq!(codes, ["multi_count"]);
    assert!(!r.trusted());
    assert!(an.problems.is_empty(), "{:?}", an.problems);
}
