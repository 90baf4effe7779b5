//! Simulated snapshot folders (srtlog-sim) of every server generation:
//! the derived per-request timings equal the simulator's truth, overlapping
//! windows are flagged with the other request's id, and periodic scrapes
//! with a server restart become rates without negative values.

// Test helpers may panic on unexpected input: that is how a test fails.
#![allow(clippy::unwrap_used)]

use srtlog_sim::metrics::{
    write_interval_folder, write_snapshot_folder, MetricsBackend, SnapshotSimConfig,
};
use srtlog_snapshots::{analyze_dir, interval::interval_dir};

fn close(a: Option<f64>, b: f64, what: &str) {
    let a = a.unwrap_or_else(|| panic!("{what}: missing"));
    assert!((a - b).abs() < 1e-6, "{what}: {a} != {b}");
}

#[test]
fn derived_timings_equal_the_truth() {
    for backend in [
        MetricsBackend::VllmV1,
        MetricsBackend::VllmV0,
        MetricsBackend::Sglang,
    ] {
        let dir = tempfile::tempdir().unwrap();
        let cfg = SnapshotSimConfig {
            requests: 8,
            overlap_every: 4,
            backend,
            ..SnapshotSimConfig::default()
        };
        let truth = write_snapshot_folder(dir.path(), &cfg).unwrap();
        let an = analyze_dir(dir.path()).unwrap();
        assert_eq!(an.requests.len(), 8, "{backend:?}");
        assert!(an.problems.is_empty(), "{:?}", an.problems);
        for t in &truth {
            let r = an
                .requests
                .iter()
                .find(|r| r.request_id == t.request_id)
                .unwrap();
            let codes: Vec<_> = r.flags.iter().map(|f| f.code).collect();
            if t.overlapped {
                assert_eq!(codes, ["overlap", "multi_count"], "{backend:?}");
                assert_eq!(r.overlaps_with.len(), 1);
                continue;
            }
            assert!(r.trusted(), "{backend:?} {codes:?}");
            let d = &r.derived;
            close(d.get("ttft_s"), t.ttft_s, "ttft");
            close(d.get("e2e_latency_s"), t.e2e_s, "e2e");
            close(d.get("decode_time_s"), t.decode_s, "decode");
            close(d.get("prompt_tokens"), t.prompt_tokens as f64, "prompt");
            close(
                d.get("generation_tokens"),
                t.generation_tokens as f64,
                "gen",
            );
            close(
                d.get("itl_s"),
                t.decode_s / (t.generation_tokens - 1) as f64,
                "itl",
            );
            match backend {
                MetricsBackend::VllmV1 => {
                    close(d.get("prefill_time_s"), t.prefill_s, "prefill");
                    close(d.get("queue_time_s"), t.queue_s, "queue");
                    close(
                        d.get("inference_time_s"),
                        t.prefill_s + t.decode_s,
                        "inference",
                    );
                    assert!(d.estimated.is_empty());
                }
                MetricsBackend::VllmV0 => {
                    assert_eq!(d.get("prefill_time_s"), None);
                    assert_eq!(d.estimated, ["decode_time_s"]);
                }
                MetricsBackend::Sglang => {
                    close(d.get("prefill_time_s"), t.prefill_s, "prefill");
                    assert_eq!(d.estimated, ["decode_time_s", "prefill_time_s"]);
                }
            }
        }
        // The streamed JSON is the same document as the tree.
        let mut buf = Vec::new();
        srtlog_snapshots::write_json(&an, &mut buf).unwrap();
        let streamed: serde_json::Value = serde_json::from_slice(&buf).unwrap();
        // (Both sides through text: float parsing is then the same.)
        let tree: serde_json::Value =
            serde_json::from_str(&srtlog_snapshots::to_json(&an).to_string()).unwrap();
        assert!(streamed == tree, "write_json differs from to_json");
        let trusted = truth.iter().filter(|t| !t.overlapped).count();
        assert_eq!(an.trusted_count(), trusted);
        let s = an.summary();
        let ttft = s.iter().find(|q| q.key == "ttft_s").unwrap();
        let want: f64 = truth
            .iter()
            .filter(|t| !t.overlapped)
            .map(|t| t.ttft_s)
            .sum();
        assert_eq!(ttft.count, trusted);
        assert!((ttft.total - want).abs() < 1e-6);
    }
}

#[test]
fn periodic_scrapes_with_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let per = write_interval_folder(
        dir.path(),
        MetricsBackend::VllmV1,
        6,
        2_000_000,
        3,
        Some(4),
        11,
    )
    .unwrap();
    let t = interval_dir(dir.path()).unwrap();
    assert_eq!(t.t_s, [2.0, 4.0, 6.0, 8.0, 10.0]);
    assert_eq!(t.resets.iter().filter(|&&r| r > 0).count(), 1);
    let col = |n: &str| {
        t.columns
            .iter()
            .find(|c| c.name == n)
            .unwrap_or_else(|| panic!("{n}"))
            .values
            .clone()
    };
    // Generation tokens per second, per interval, from the truth (after a
    // restart the new counter value is the increase).
    let rates = col("vllm:generation_tokens_total:rate");
    for (i, reqs) in per.iter().enumerate() {
        let want: u64 = reqs.iter().map(|r| r.generation_tokens).sum();
        close(rates[i], want as f64 / 2.0, "rate");
    }
    let mean = col("vllm:e2e_request_latency_seconds:mean");
    let want: f64 = per[0].iter().map(|r| r.e2e_s).sum::<f64>() / 3.0;
    close(mean[0], want, "interval mean");
    assert!(col("vllm:e2e_request_latency_seconds:p90")[0].unwrap() > 0.0);
    assert_eq!(col("vllm:num_requests_running").len(), 5);
}
