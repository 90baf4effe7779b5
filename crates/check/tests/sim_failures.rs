//! Each finding kind is detected in a simulated run with that failure
//! injected (`srtlog_sim::failures`), and the same run without the injection
//! reports nothing above info.

#![allow(clippy::unwrap_used)]

use srtlog_check::{check, CheckOptions, Level, Report, Severity};
use srtlog_sim::failures::{baseline, write_failed_run, Failure};
use Severity::{Degraded, Fatal, Untrustworthy};

fn run(seed: u64, f: Option<Failure>) -> Report {
    run_in(seed, f).1
}

/// The run's folder (kept while the caller reads its files) and report.
fn run_in(seed: u64, f: Option<Failure>) -> (tempfile::TempDir, Report) {
    let d = tempfile::tempdir().unwrap();
    write_failed_run(d.path(), &baseline(seed), f).unwrap();
    let r = check(&[d.path().to_path_buf()], &CheckOptions::default()).unwrap();
    (d, r)
}

/// The kind and severity each injection must produce.
fn expected(f: Failure) -> (&'static str, Severity) {
    match f {
        Failure::CudaOom => ("cuda_oom", Fatal),
        Failure::NcclError => ("nccl_error", Fatal),
        Failure::NcclWatchdog => ("nccl_watchdog_timeout", Fatal),
        Failure::SchedulerException => ("scheduler_exception", Fatal),
        Failure::Traceback => ("traceback", Fatal),
        Failure::ModelLoadFailed => ("model_load_failed", Fatal),
        Failure::PortInUse => ("port_in_use", Fatal),
        Failure::HealthCheckFailed => ("health_check_failed", Fatal),
        Failure::NeverServed => ("never_served", Fatal),
        Failure::Stall | Failure::Hang => ("worker_stalled", Fatal),
        Failure::KvPoolFull => ("kv_pool_full", Degraded),
        Failure::QueueGrowing => ("queue_growing", Degraded),
        Failure::TokenUsagePinned => ("token_usage_pinned", Degraded),
        Failure::PdMismatch => ("pd_rate_mismatch", Degraded),
        Failure::DpImbalance => ("dp_imbalance", Degraded),
        Failure::ThroughputCollapse => ("throughput_collapse", Degraded),
        Failure::CudaGraphOff => ("cuda_graph_disabled", Degraded),
        Failure::ClientZeroTokens => ("client_zero_tokens", Untrustworthy),
        Failure::ServerFewerTokens => ("server_tokens_mismatch", Untrustworthy),
        Failure::WarmupInWindow => ("warmup_in_window", Untrustworthy),
        Failure::SnapshotExcess => ("snapshot_request_excess", Untrustworthy),
        Failure::TimeRangesDisjoint => ("time_ranges_disjoint", Untrustworthy),
        Failure::UnreadableFile => ("unreadable_file", Untrustworthy),
        Failure::ClientAllFailed => ("client_all_failed", Fatal),
    }
}

#[test]
fn clean_run_reports_nothing_above_info() {
    for seed in [7, 42] {
        let r = run(seed, None);
        assert!(
            r.findings.iter().all(|f| f.severity == Severity::Info),
            "seed {seed}: {:#?}",
            r.findings
        );
        assert!(!r.fails_at(Level::Warn));
        assert_eq!(r.worker_files.len(), 3);
        assert_eq!(r.client_files.len(), 4, "{:?}", r.client_files);
        let s = &r.steady;
        assert!(s.serving_s.unwrap() >= 290.0, "{s:?}");
        assert!(s.gen_throughput.unwrap() > 0.0 && s.running_req.unwrap() > 0.0);
    }
}

#[test]
fn each_injected_failure_is_found() {
    for f in Failure::ALL {
        let r = run(7, Some(f));
        let (kind, sev) = expected(f);
        let hit = r.of_kind(kind).next();
        assert!(hit.is_some(), "{f:?}: no {kind} in {:#?}", r.findings);
        let hit = hit.unwrap();
        assert_eq!(hit.severity, sev, "{f:?}");
        assert!(!hit.advice.is_empty() && !hit.what.is_empty());
        assert!(!hit.evidence.file.is_empty());
        // Most severe first.
        assert_eq!(r.worst(), r.findings.first().map(|x| x.severity), "{f:?}");
        // Nothing unrelated is above info: only the injected kind and its
        // consequences (a worker that died also stopped logging).
        for x in r.findings.iter().filter(|x| x.severity > Severity::Info) {
            assert!(
                x.kind == kind || x.kind == "worker_stalled",
                "{f:?}: unexpected {} ({})",
                x.kind,
                x.what
            );
        }
        assert!(r.fails_at(Level::Warn));
        assert_eq!(r.fails_at(Level::Error), sev != Degraded, "{f:?}");
    }
}

#[test]
fn injected_error_lines_have_their_line_and_time() {
    let (_dir, r) = run_in(7, Some(Failure::CudaOom));
    // The cause comes first, then the worker that stopped because of it.
    let kinds: Vec<&str> = r.findings.iter().map(|f| f.kind).collect();
    assert_eq!(kinds, ["cuda_oom", "worker_stalled", "traceback"]);
    let f = r.of_kind("cuda_oom").next().unwrap();
    assert!(f
        .evidence
        .text
        .starts_with("torch.OutOfMemoryError: CUDA out of memory"));
    assert_eq!(f.count, 1);
    // The error line has no timestamp: it takes the batch line's above it,
    // 60 % into the decode worker's serving, which starts after start-up.
    assert!(f.at_s.unwrap() > 150.0, "{:?}", f.at_s);
    let text = std::fs::read_to_string(&f.evidence.file).unwrap();
    let line = text.lines().nth(f.evidence.line as usize - 1).unwrap();
    assert!(line.starts_with("torch.OutOfMemoryError"), "{line}");
}

#[test]
fn compressed_clean_run_reports_nothing() {
    let d = tempfile::tempdir().unwrap();
    let cfg = srtlog_sim::SimConfig {
        compression: srtlog_sim::Compression::Zstd,
        ..baseline(7)
    };
    srtlog_sim::write_run(d.path(), &cfg).unwrap();
    let r = check(&[d.path().to_path_buf()], &CheckOptions::default()).unwrap();
    assert_eq!(r.worker_files.len(), 3);
    assert!(r.worker_files.iter().all(|f| f.ends_with(".zst")));
    // The raw simulator run keeps its overload spike's retractions.
    for f in &r.findings {
        assert!(f.severity <= Severity::Degraded, "{f:#?}");
    }
    assert!(r.steady.serving_s.is_some());
}

#[test]
fn empty_folder_says_what_was_looked_for() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("notes.txt"), "nothing here\n").unwrap();
    let r = check(&[d.path().to_path_buf()], &CheckOptions::default()).unwrap();
    assert!(r.worker_files.is_empty());
    assert!(r.findings.is_empty());
    let why = r.nothing_checked.unwrap();
    assert!(
        why.contains("_{prefill|decode|agg}_") && why.contains(".zst"),
        "{why}"
    );
}

#[test]
fn clean_vllm_runs_report_nothing_above_info() {
    for backend in [srtlog_sim::Backend::Vllm, srtlog_sim::Backend::VllmV0] {
        let d = tempfile::tempdir().unwrap();
        let cfg = srtlog_sim::SimConfig {
            backend,
            mode: srtlog_sim::Mode::Aggregated { workers: 2 },
            dp: 1,
            tp: 2,
            duration_s: 600,
            ..srtlog_sim::SimConfig::default()
        };
        srtlog_sim::write_run(d.path(), &cfg).unwrap();
        let r = check(&[d.path().to_path_buf()], &CheckOptions::default()).unwrap();
        assert_eq!(r.worker_files.len(), 2, "{backend:?}");
        for f in &r.findings {
            assert!(f.severity == Severity::Info, "{backend:?}: {f:#?}");
        }
        assert!(r.steady.gen_throughput.unwrap() > 0.0, "{backend:?}");
    }
}

/// Replaces the number after `key` on the vLLM statistics lines of `path`
/// from `from` (a fraction of those lines) on.
fn edit_vllm_stats(path: &std::path::Path, from: f64, key: &str, value: impl Fn(f64) -> String) {
    let text = std::fs::read_to_string(path).unwrap();
    let n = text.matches("Avg prompt throughput").count();
    let mut k = 0;
    let mut out = String::new();
    for l in text.lines() {
        let mut l = l.to_string();
        if l.contains("Avg prompt throughput") {
            let x = k as f64 / n as f64;
            k += 1;
            if x >= from {
                if let Some(i) = l.find(key) {
                    let s = i + key.len();
                    let e = s + l[s..]
                        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                        .unwrap();
                    l = format!("{}{}{}", &l[..s], value((x - from) / (1.0 - from)), &l[e..]);
                }
            }
        }
        out.push_str(&l);
        out.push('\n');
    }
    std::fs::write(path, out).unwrap();
}

#[test]
fn vllm_statistics_feed_the_derived_checks() {
    let d = tempfile::tempdir().unwrap();
    let cfg = srtlog_sim::SimConfig {
        backend: srtlog_sim::Backend::Vllm,
        mode: srtlog_sim::Mode::Aggregated { workers: 1 },
        dp: 1,
        tp: 2,
        duration_s: 900,
        ..srtlog_sim::SimConfig::default()
    };
    let m = srtlog_sim::write_run(d.path(), &cfg).unwrap();
    let path = &m.files[0].path;
    // `Waiting:` grows to 300 requests over the second half; `GPU KV cache
    // usage:` stays at 99 % from a fifth in.
    edit_vllm_stats(path, 0.5, "Waiting: ", |x| {
        format!("{}", (x * 300.0) as u64)
    });
    edit_vllm_stats(path, 0.2, "GPU KV cache usage: ", |_| "99.0".into());
    let r = check(&[d.path().to_path_buf()], &CheckOptions::default()).unwrap();
    let kinds: Vec<&str> = r.findings.iter().map(|f| f.kind).collect();
    assert!(kinds.contains(&"queue_growing"), "{:#?}", r.findings);
    assert!(kinds.contains(&"token_usage_pinned"), "{:#?}", r.findings);
    let f = r.of_kind("queue_growing").next().unwrap();
    assert_eq!(f.severity, Severity::Degraded);
    assert!(f.evidence.line > 0);
}
