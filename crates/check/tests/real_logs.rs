//! Every real failed (and clean) log in `shared/data` is checked, with the
//! findings asserted: kind, severity, first evidence line and count. Line
//! numbers are those of `shared/data/PROVENANCE.md` ("failures/") where it
//! names them, and were read off the files (`grep -n`) otherwise.

#![allow(clippy::unwrap_used)]

use srtlog_check::{check, CheckOptions, Report, Severity};
use srtlog_testutil::{shared_data, shared_file};
use Severity::{Fatal, Info, Untrustworthy};

fn run(rel: &str) -> Option<Report> {
    let p = if rel.contains('.') {
        shared_file(rel)?
    } else {
        shared_data()?.join(rel)
    };
    Some(check(&[p], &CheckOptions::default()).unwrap())
}

/// Asserts the findings, in order: (kind, severity, first line, count,
/// file name of the evidence).
fn assert_findings(rel: &str, want: &[(&str, Severity, u64, u64, &str)]) {
    let Some(r) = run(rel) else {
        return;
    };
    let got: Vec<(&str, Severity, u64, u64, String)> = r
        .findings
        .iter()
        .map(|f| {
            let name = f.evidence.file.rsplit('/').next().unwrap_or("").to_string();
            (f.kind, f.severity, f.evidence.line, f.count, name)
        })
        .collect();
    let want: Vec<(&str, Severity, u64, u64, String)> = want
        .iter()
        .map(|(k, s, l, n, f)| (*k, *s, *l, *n, f.to_string()))
        .collect();
    assert_eq!(got, want, "{rel}");
}

#[test]
fn sglang_port_in_use() {
    // PROVENANCE: EADDRINUSE at L198, `Scheduler hit an exception` 7 times,
    // 108 TCPStore retry lines, ending in DistNetworkError.
    let f = "sglang-eaddrinuse.log";
    assert_findings(
        "failures/sglang-eaddrinuse.log",
        &[
            ("scheduler_exception", Fatal, 132, 7, f),
            ("port_in_use", Fatal, 198, 1, f),
            ("dist_network_error", Fatal, 9939, 5, f),
            ("tcpstore_retry", Info, 84, 108, f),
            ("traceback", Info, 132, 7, f),
        ],
    );
}

#[test]
fn sglang_hsa_error_then_nccl_watchdog() {
    // PROVENANCE: HSA_STATUS_ERROR_OUT_OF_RESOURCES at L24147, the NCCL
    // watchdog from L24275.
    let f = "sglang-grok-hsa-nccl.log";
    assert_findings(
        "failures/sglang-grok-hsa-nccl.log",
        &[
            ("gpu_runtime_error", Fatal, 24147, 2, f),
            ("python_fatal_error", Fatal, 24148, 8, f),
            ("nccl_watchdog_timeout", Fatal, 24275, 18, f),
        ],
    );
    // The watchdog fired ten minutes after the HSA error.
    let r = run("failures/sglang-grok-hsa-nccl.log").unwrap();
    let at = |k: &str| r.of_kind(k).next().unwrap().at_s.unwrap();
    assert_eq!(at("nccl_watchdog_timeout") - at("gpu_runtime_error"), 599.0);
}

#[test]
fn sglang_not_enough_memory() {
    // PROVENANCE: `Not enough memory` at L191, on every rank (8).
    let f = "sglang-not-enough-memory.log";
    assert_findings(
        "failures/sglang-not-enough-memory.log",
        &[
            ("scheduler_exception", Fatal, 175, 8, f),
            ("kv_cache_no_memory", Fatal, 191, 8, f),
            ("traceback", Info, 175, 8, f),
        ],
    );
}

#[test]
fn vllm_compile_oom() {
    // PROVENANCE: CUDA out of memory inside torch.compile at L111.
    let f = "vllm-compile-oom.log";
    assert_findings(
        "failures/vllm-compile-oom.log",
        &[
            ("cuda_oom", Fatal, 111, 2, f),
            ("traceback", Info, 25, 2, f),
        ],
    );
}

#[test]
fn vllm_import_error() {
    // PROVENANCE: ImportError (undefined symbol) at L70.
    let f = "vllm-import-error.log";
    assert_findings(
        "failures/vllm-import-error.log",
        &[
            ("import_error", Fatal, 70, 2, f),
            ("engine_init_failed", Fatal, 190, 1, f),
            ("traceback", Info, 12, 3, f),
        ],
    );
}

#[test]
fn vllm_no_kv_cache_memory() {
    let f = "vllm_serve_no_kv_cache_memory_v0.25.1.log";
    assert_findings(
        "vllm-0.25.1-er0080/vllm_serve_no_kv_cache_memory_v0.25.1.log",
        &[
            ("kv_cache_no_memory", Fatal, 61, 2, f),
            ("engine_dead", Fatal, 62, 1, f),
            ("engine_init_failed", Fatal, 158, 1, f),
            ("traceback", Info, 39, 3, f),
        ],
    );
}

#[test]
fn vllm_max_model_len_rejected() {
    let f = "vllm_serve_max_model_len_rejected_v0.25.1.log";
    assert_findings(
        "vllm-0.25.1-er0080/vllm_serve_max_model_len_rejected_v0.25.1.log",
        &[
            ("config_rejected", Fatal, 58, 1, f),
            ("traceback", Info, 12, 1, f),
        ],
    );
}

#[test]
fn vllm_unrecognized_argument() {
    assert_findings(
        "vllm-0.25.1-er0080/vllm_serve_unrecognized_argument_v0.25.1.log",
        &[(
            "config_rejected",
            Fatal,
            4,
            1,
            "vllm_serve_unrecognized_argument_v0.25.1.log",
        )],
    );
}

#[test]
fn vllm_start_that_died_without_an_error_line() {
    // The OOM kill leaves no line: the last line (L124) is the evidence.
    assert_findings(
        "dgx-spark-sostrowsk/vllm-run1-oom.log",
        &[("never_served", Fatal, 124, 1, "vllm-run1-oom.log")],
    );
}

#[test]
fn sglang_start_that_never_served() {
    assert_findings(
        "dgx-spark-sostrowsk/sglang.log",
        &[("never_served", Fatal, 43, 1, "sglang.log")],
    );
}

#[test]
fn vllm_orderly_shutdown_is_info() {
    // The EngineDeadError traceback follows `signal=SIGTERM` (L491).
    assert_findings(
        "dgx-spark-sostrowsk/vllm.log",
        &[
            ("traceback", Info, 504, 1, "vllm.log"),
            ("engine_dead", Info, 510, 1, "vllm.log"),
        ],
    );
}

#[test]
fn vllm_idle_server_is_info() {
    assert_findings(
        "vllm-0.9.0.1-production-stack/vllm_server.log",
        &[("no_statistics", Info, 79, 1, "vllm_server.log")],
    );
}

#[test]
fn clean_real_runs_have_no_findings() {
    for rel in [
        "dgx-spark-sostrowsk/gemma4-int4.log",
        "dgx-spark-sostrowsk/sglang-int4.log",
        "vllm-0.6.3-structrag/vllm.log",
        "sglang-ci-dp-iter-v0.5.4",
        "sglang-ci-dp8-v0.5.5.post2",
        "sglang-ci-pd-v0.5.3.post3",
        "sglang-ci-tp-v0.5.3.post1",
    ] {
        let Some(r) = run(rel) else {
            return;
        };
        assert!(r.findings.is_empty(), "{rel}: {:#?}", r.findings);
        assert!(r.steady.serving_s.is_some(), "{rel}");
    }
}

#[test]
fn vllm_folder_with_client_results_and_snapshots() {
    // Three failed vLLM start-ups, a result JSON where every request failed,
    // one where 8 succeeded (but no log here served them), and snapshots
    // whose counter rose by 600 requests (another benchmark's).
    let (a, b) = (
        "vllm_serve_no_kv_cache_memory_v0.25.1.log",
        "vllm_serve_max_model_len_rejected_v0.25.1.log",
    );
    assert_findings(
        "vllm-0.25.1-er0080",
        &[
            ("kv_cache_no_memory", Fatal, 61, 2, a),
            ("engine_dead", Fatal, 62, 1, a),
            ("engine_init_failed", Fatal, 158, 1, a),
            ("config_rejected", Fatal, 58, 2, b),
            (
                "client_all_failed",
                Fatal,
                1,
                8,
                "bench_serve_all_requests_failed_v0.25.1.json",
            ),
            (
                "server_tokens_mismatch",
                Untrustworthy,
                1,
                8,
                "bench_serve_v0.25.1.json",
            ),
            (
                "snapshot_request_excess",
                Untrustworthy,
                0,
                584,
                "metrics_vllm_0_25_1_loaded.txt",
            ),
            ("traceback", Info, 39, 4, a),
        ],
    );
}

#[test]
fn client_results_without_worker_logs() {
    let Some(r) = run("sglang-bench-serving-tonyli") else {
        return;
    };
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
    assert_eq!(r.client_files.len(), 2);
    assert!(r
        .nothing_checked
        .as_deref()
        .unwrap()
        .contains("worker logs"));
}

#[test]
fn block_and_range_boundaries_do_not_change_the_findings() {
    use srtlog_check::patterns::Matcher;
    use srtlog_check::scan::{scan_file, scan_file_in_blocks, scan_file_in_ranges};
    let m = Matcher::new().unwrap();
    for rel in [
        "failures/sglang-eaddrinuse.log",
        "failures/vllm-compile-oom.log",
        "dgx-spark-sostrowsk/vllm.log",
        "failures/sglang-grok-hsa-nccl.log",
    ] {
        let Some(p) = shared_file(rel) else {
            return;
        };
        let f = srtlog_workers::discover::WorkerFile::from_path(&p).unwrap();
        let whole = scan_file(&f, &m);
        // Blocks of 1 KiB: hundreds of boundaries, some inside long lines.
        let small = scan_file_in_blocks(&f, &m, 1024);
        // Ranges of 8 KiB scanned in parallel and merged.
        let ranges = scan_file_in_ranges(&f, &m, 8192);
        let bins = |s: &srtlog_check::scan::FileScan| {
            use srtlog_check::series::Kind;
            s.series.merged(&[Kind::Prefill, Kind::Decode, Kind::Stats])
        };
        for (what, other) in [("blocks", &small), ("ranges", &ranges)] {
            assert_eq!(whole.lines, other.lines, "{rel} {what}");
            assert_eq!(whole.rows, other.rows, "{rel} {what}");
            assert_eq!(whole.shutdown_line, other.shutdown_line, "{rel} {what}");
            assert_eq!(
                whole.last_serving_line, other.last_serving_line,
                "{rel} {what}"
            );
            assert_eq!(whole.last_line, other.last_line, "{rel} {what}");
            assert_eq!(whole.first_us, other.first_us, "{rel} {what}");
            let (a, b) = (bins(&whole), bins(other));
            assert_eq!(a.len(), b.len(), "{rel} {what}");
            // Sums may differ in the last bit: ranges add in another order.
            let close = |x: f64, y: f64| (x - y).abs() <= 1e-9 * x.abs().max(1.0);
            for ((ka, va), (kb, vb)) in a.iter().zip(b.iter()) {
                assert_eq!(ka, kb, "{rel} {what}");
                assert_eq!(
                    (va.n, va.first_line, va.graph),
                    (vb.n, vb.first_line, vb.graph)
                );
                for (x, y) in [
                    (va.running, vb.running),
                    (va.queue, vb.queue),
                    (va.usage, vb.usage),
                    (va.gen, vb.gen),
                ] {
                    assert!(
                        x.1 == y.1 && close(x.0, y.0),
                        "{rel} {what} {ka}: {va:?} {vb:?}"
                    );
                }
            }
        }
        let text = std::fs::read_to_string(&p).unwrap();
        assert_eq!(whole.lines, text.lines().count() as u64, "{rel}");
    }
}
