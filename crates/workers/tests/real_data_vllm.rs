//! Every vLLM log in `../shared/data`, parsed with asserted values: statistics
//! line counts, the first and last statistics rows with their timestamps,
//! start-up facts, access lines per status, the year and where it came from,
//! and for the starts that failed the warning with the last error line.
//! Counts were checked against `grep -c` of the files (formats.md §2).

// Test helpers may panic on unexpected input: that is how a test fails.
#![allow(clippy::unwrap_used)]

use srtlog_testutil::shared_file;
use srtlog_workers::summary::WorkerSummary;
use srtlog_workers::worker::ParseOptions;
use srtlog_workers::{Backend, Node, NodeAnalyzer, WorkerType};
use std::collections::BTreeMap;

fn node(rel: &str, year: Option<i32>) -> Option<Node> {
    let p = shared_file(rel)?;
    let a = NodeAnalyzer::with_options(ParseOptions {
        year,
        ..ParseOptions::default()
    });
    let mut nodes = a.parse_run_logs(&p).unwrap();
    assert_eq!(nodes.len(), 1, "{rel}");
    nodes.pop()
}

fn access(s: &WorkerSummary) -> BTreeMap<&str, u64> {
    s.access.iter().map(|(k, v)| (k.as_str(), *v)).collect()
}

fn ts(n: &Node, i: usize) -> String {
    n.stats[i].timestamp.to_string()
}

#[test]
fn dgx_spark_v0251_spec_decoding() {
    let Some(n) = node("dgx-spark-sostrowsk/vllm.log", None) else {
        return;
    };
    let s = &n.summary;
    assert_eq!(s.backend, "vllm");
    assert_eq!(n.worker_type, WorkerType::Agg);
    assert_eq!(s.stats_lines, Some(65));
    assert_eq!(n.stats.len(), 65);
    assert_eq!(s.spec_decoding_lines, 64);
    // The year comes from FlashInfer's `2026-08-01 21:21:48,181 - INFO` lines.
    assert_eq!(
        (s.year, s.year_source.as_deref()),
        (Some(2026), Some("file"))
    );
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    let first = &n.stats[0];
    assert_eq!(ts(&n, 0), "2026-08-01T21:24:09");
    assert_eq!(first.line, 267);
    assert_eq!(first.engine, Some(0));
    assert_eq!(first.prompt_throughput, Some(6.8));
    assert_eq!(first.gen_throughput, Some(10.6));
    assert_eq!((first.running, first.queued), (Some(1), Some(0)));
    assert_eq!(first.gpu_kv_usage, Some(0.007));
    assert_eq!(first.prefix_cache_hit_rate, Some(0.0));
    // The SpecDecoding line after it is merged into the row.
    assert_eq!(first.accept_len, Some(3.62));
    assert_eq!(first.accept_rate, Some(0.175));
    assert_eq!(
        (first.spec_accepted_tokens, first.spec_drafted_tokens),
        (Some(76), Some(435))
    );
    let last = n.stats.last().unwrap();
    assert_eq!(ts(&n, 64), "2026-08-01T21:34:49");
    assert_eq!(last.line, 490);
    assert_eq!(last.prompt_throughput, Some(0.0));
    assert_eq!(last.prefix_cache_hit_rate, Some(0.887));
    assert_eq!(
        last.accept_len, None,
        "the last stats line has no SpecDecoding line"
    );
    let busiest = n
        .stats
        .iter()
        .max_by(|a, b| {
            a.prompt_throughput
                .partial_cmp(&b.prompt_throughput)
                .unwrap()
        })
        .unwrap();
    assert_eq!(
        (busiest.line, busiest.prompt_throughput),
        (488, Some(1880.1))
    );
    let c = &s.config;
    assert_eq!(c.version.as_deref(), Some("0.25.1"));
    assert_eq!(c.model_path.as_deref(), Some("poolside/Laguna-S-2.1-NVFP4"));
    assert_eq!(c.kv_cache_tokens, Some(94_135));
    assert_eq!(
        (c.max_concurrency, c.max_concurrency_tokens),
        (Some(1.44), Some(65_536))
    );
    assert_eq!(
        (c.tp_size, c.pp_size, c.dp_size),
        (Some(1), Some(1), Some(1))
    );
    assert_eq!(access(s), BTreeMap::from([("200", 93), ("400", 3)]));
    assert_eq!(s.errors, 2);
    assert!(s
        .last_error
        .as_deref()
        .unwrap()
        .contains("EngineDeadError: EngineCore encountered an issue"));
    assert_eq!(s.first_timestamp.as_deref(), Some("2026-08-01T21:24:09"));
    assert_eq!(s.schedulers, 1);
    // Model loading, available KV memory, KV cache size, graph capture.
    assert_eq!(n.memory.len(), 4);
    assert_eq!(n.memory[0].event, "load_weight_end");
    assert_eq!(n.memory[0].mem_usage_gb, Some(95.63));
    assert_eq!(n.memory[2].kv_tokens, Some(94_135));
    assert_eq!(n.memory[2].timestamp.to_string(), "2026-08-01T21:21:47");
}

#[test]
fn dgx_spark_gemma4_int4() {
    let Some(n) = node("dgx-spark-sostrowsk/gemma4-int4.log", None) else {
        return;
    };
    let s = &n.summary;
    assert_eq!(s.stats_lines, Some(29));
    assert_eq!(s.spec_decoding_lines, 0);
    assert_eq!(
        (s.year, s.year_source.as_deref()),
        (Some(2026), Some("file"))
    );
    assert_eq!(ts(&n, 0), "2026-08-02T11:36:43");
    assert_eq!(n.stats[0].prompt_throughput, Some(5.3));
    assert_eq!(n.stats[0].gen_throughput, Some(15.5));
    assert_eq!(n.stats[0].running, Some(1));
    assert_eq!(ts(&n, 28), "2026-08-02T11:46:03");
    assert_eq!(n.stats[28].prefix_cache_hit_rate, Some(0.414));
    let peak = n
        .stats
        .iter()
        .filter_map(|r| r.prompt_throughput)
        .fold(0.0, f64::max);
    assert_eq!(peak, 13_396.3);
    let c = &s.config;
    assert_eq!(c.kv_cache_tokens, Some(3_875_400));
    assert_eq!(
        (c.max_concurrency, c.max_concurrency_tokens),
        (Some(14.78), Some(262_144))
    );
    assert_eq!(c.tp_size, Some(1));
    assert_eq!(c.version.as_deref(), Some("0.25.1"));
    assert_eq!(
        c.model_path.as_deref(),
        Some("cyankiwi/gemma-4-26B-A4B-it-qat-AWQ-INT4")
    );
    assert_eq!(access(s), BTreeMap::from([("200", 99)]));
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
}

#[test]
fn structrag_v063_v0_engine_tp4() {
    // No full date anywhere in this file: the year is given.
    let Some(n) = node("vllm-0.6.3-structrag/vllm.log", Some(2025)) else {
        return;
    };
    let s = &n.summary;
    assert_eq!(
        (s.year, s.year_source.as_deref()),
        (Some(2025), Some("option"))
    );
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    assert_eq!(s.stats_lines, Some(51));
    assert_eq!(ts(&n, 0), "2025-03-19T06:36:30");
    assert_eq!(ts(&n, 50), "2025-03-19T06:44:51");
    for r in &n.stats {
        assert_eq!(r.engine, None);
        assert_eq!(
            (r.prompt_throughput, r.gen_throughput),
            (Some(0.0), Some(0.0))
        );
        assert_eq!(
            (r.running, r.queued, r.swapped),
            (Some(0), Some(0), Some(0))
        );
        assert_eq!((r.gpu_kv_usage, r.cpu_kv_usage), (Some(0.0), Some(0.0)));
    }
    assert_eq!(n.stats[0].line, 87);
    assert_eq!(n.stats[50].line, 139);
    let c = &s.config;
    assert_eq!(c.version.as_deref(), Some("0.6.3.post1"));
    assert_eq!(c.tp_size, Some(4));
    assert_eq!((c.gpu_blocks, c.cpu_blocks), (Some(2987), Some(4096)));
    assert_eq!(
        (c.max_concurrency, c.max_concurrency_tokens),
        (Some(1.46), Some(32_768))
    );
    assert_eq!(
        c.model_path.as_deref(),
        Some("/workspace/StructRAG/model/Qwen2.5-32B-Instruct")
    );
    assert_eq!(access(s), BTreeMap::from([("404", 1), ("405", 1)]));
    // 4 ranks' "Loading model weights took" + 4 ranks' graph capture,
    // the worker ranks from ANSI-coloured `(VllmWorkerProcess pid=N)` lines.
    assert_eq!(n.memory.len(), 8);
    assert_eq!(
        n.memory
            .iter()
            .filter(|m| m.mem_usage_gb == Some(15.3916))
            .count(),
        4
    );
}

#[test]
fn structrag_without_year_falls_back_to_mtime_and_says_so() {
    let Some(p) = shared_file("vllm-0.6.3-structrag/vllm.log") else {
        return;
    };
    let n = node("vllm-0.6.3-structrag/vllm.log", None).unwrap();
    let s = &n.summary;
    let mtime = std::fs::metadata(&p).unwrap().modified().unwrap();
    let days = mtime
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        / 86_400;
    let (y, m, d) = srtlog_formats::timestamp::civil_from_days(days as i64);
    // The lines are from March 19: the latest year in which that is not
    // after the modification date.
    let want = if (m, d) >= (3, 19) { y } else { y - 1 };
    assert_eq!(
        (s.year, s.year_source.as_deref()),
        (Some(want), Some("mtime"))
    );
    assert!(
        s.warnings
            .iter()
            .any(|w| w.contains("modification time") && w.contains("--year")),
        "{:?}",
        s.warnings
    );
    assert_eq!(ts(&n, 0), format!("{want}-03-19T06:36:30"));
}

#[test]
fn production_stack_v0901_no_stats_lines() {
    let Some(n) = node("vllm-0.9.0.1-production-stack/vllm_server.log", Some(2025)) else {
        return;
    };
    let s = &n.summary;
    assert_eq!(s.backend, "vllm");
    assert_eq!(s.stats_lines, Some(0));
    assert!(n.stats.is_empty());
    assert_eq!(s.first_timestamp, None);
    let c = &s.config;
    assert_eq!(c.version.as_deref(), Some("0.9.0.1"));
    assert_eq!(c.kv_cache_tokens, Some(1_028_832));
    assert_eq!(c.gpu_blocks, Some(64_302));
    assert_eq!(
        (c.max_concurrency, c.max_concurrency_tokens),
        (Some(7.85), Some(131_072))
    );
    assert_eq!((c.tp_size, c.pp_size), (Some(1), Some(1)));
    assert_eq!(
        c.model_path.as_deref(),
        Some("meta-llama/Llama-3.2-1B-Instruct")
    );
    assert_eq!(access(s), BTreeMap::from([("200", 8)]));
    // It started and served, but ran too briefly for a statistics line.
    assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
    assert!(
        s.warnings[0].starts_with("no engine statistics lines (the server started"),
        "{:?}",
        s.warnings
    );
    assert!(s.warnings[0].ends_with("last line (79): INFO:     Application shutdown complete."));
    assert_eq!(n.memory.len(), 2);
    assert_eq!(n.memory[1].timestamp.to_string(), "2025-06-10T06:16:44");
}

/// A failed start: no statistics line, and the warning names the last error.
fn failed(rel: &str, last: &str) -> Option<Node> {
    let n = node(rel, Some(2026))?;
    let s = &n.summary;
    assert_eq!(s.backend, "vllm", "{rel}");
    assert_eq!(s.stats_lines, Some(0), "{rel}");
    let w = s
        .warnings
        .iter()
        .find(|w| w.starts_with("no engine statistics lines (the server may not have started)"))
        .unwrap_or_else(|| panic!("{rel}: {:?}", s.warnings));
    assert!(w.ends_with(last), "{rel}: {w}");
    Some(n)
}

#[test]
fn er0080_v0251_failed_starts() {
    let Some(n) = failed(
        "vllm-0.25.1-er0080/vllm_serve_no_kv_cache_memory_v0.25.1.log",
        "last error (line 158): (APIServer pid=1) RuntimeError: Engine core initialization failed. See root cause above. Failed core proc(s): {}",
    ) else {
        return;
    };
    let s = &n.summary;
    assert_eq!(s.errors, 7);
    assert_eq!(s.config.version.as_deref(), Some("0.25.1"));
    assert_eq!(s.config.model_path.as_deref(), Some("facebook/opt-125m"));
    assert_eq!((s.config.tp_size, s.config.dp_size), (Some(1), Some(1)));
    let n = failed(
        "vllm-0.25.1-er0080/vllm_serve_max_model_len_rejected_v0.25.1.log",
        "last error (line 58): (APIServer pid=1) pydantic_core._pydantic_core.ValidationError: 1 validation error for ModelConfig",
    )
    .unwrap();
    assert_eq!(n.summary.config.version.as_deref(), Some("0.25.1"));
    let n = failed(
        "vllm-0.25.1-er0080/vllm_serve_unrecognized_argument_v0.25.1.log",
        "last error (line 4): vllm: error: unrecognized arguments: --no-such-flag 3",
    )
    .unwrap();
    assert_eq!(n.summary.errors, 1);
}

#[test]
fn dgx_spark_oom_run_without_error_line() {
    let Some(n) = failed(
        "dgx-spark-sostrowsk/vllm-run1-oom.log",
        "no error line; last line (124): (EngineCore pid=17574) INFO 08-01 17:49:34 [monitor.py:53] torch.compile took 30.61 s in total",
    ) else {
        return;
    };
    let c = &n.summary.config;
    assert_eq!(c.version.as_deref(), Some("0.25.1"));
    assert_eq!(c.model_path.as_deref(), Some("poolside/Laguna-S-2.1-NVFP4"));
    assert_eq!(c.kv_cache_tokens, None);
    assert_eq!(n.memory.len(), 1);
    assert_eq!(n.memory[0].timestamp.to_string(), "2026-08-01T17:49:03");
}

#[test]
fn benchmark_client_log_with_one_server_line_is_not_a_worker() {
    // issue 17 item 14: the author's benchmark script log (35 non-empty
    // lines) quotes one `SpecDecoding metrics:` line of the server; the rest
    // are its own `ttft=… decode=… tok/s` figures. It used to be listed as
    // an "Agg (vLLM)" worker; it is skipped, and the reason says what it is.
    let Some(p) = shared_file("dgx-spark-sostrowsk/bench-qwen38-int4.log") else {
        return;
    };
    let d = srtlog_workers::discover::discover(std::slice::from_ref(&p)).unwrap();
    assert!(d.files.is_empty(), "{:?}", d.files);
    assert_eq!(
        d.skipped,
        vec![(p.clone(), srtlog_workers::discover::CLIENT_LOG)]
    );
    assert!(matches!(
        NodeAnalyzer::new().parse_run_logs(&p),
        Err(srtlog_workers::Error::NoWorkerLogs { .. })
    ));
}

#[test]
fn mixed_real_folder_discovers_both_backends() {
    let Some(dir) = shared_file("dgx-spark-sostrowsk") else {
        return;
    };
    let d = srtlog_workers::discover::discover(&[dir]).unwrap();
    let found: BTreeMap<String, Backend> = d
        .files
        .iter()
        .map(|f| {
            (
                f.path.file_name().unwrap().to_string_lossy().into_owned(),
                f.backend,
            )
        })
        .collect();
    // Not bench-qwen38-int4.log: a benchmark client's log (item 14).
    assert!(d
        .skipped
        .iter()
        .any(|(p, why)| p.ends_with("bench-qwen38-int4.log")
            && *why == srtlog_workers::discover::CLIENT_LOG));
    assert_eq!(
        found,
        BTreeMap::from([
            ("gemma4-int4.log".to_string(), Backend::Vllm),
            ("sglang-int4.log".to_string(), Backend::Sglang),
            ("sglang.log".to_string(), Backend::Sglang),
            ("vllm-run1-oom.log".to_string(), Backend::Vllm),
            ("vllm.log".to_string(), Backend::Vllm),
        ])
    );
    let Some(er) = shared_file("vllm-0.25.1-er0080") else {
        return;
    };
    let d = srtlog_workers::discover::discover(&[er]).unwrap();
    assert_eq!(
        d.files.len(),
        3,
        "the three serve logs; not the /metrics dumps"
    );
    assert!(d.files.iter().all(|f| f.backend == Backend::Vllm));
    assert!(d.skipped.iter().any(|(p, _)| p
        .to_string_lossy()
        .ends_with("metrics_vllm_0_25_1_idle.txt")));
}

#[test]
fn sglang_access_lines_are_counted_too() {
    // `[2025-10-20 12:03:11] INFO:     10.235.26.27:54282 - "POST /generate HTTP/1.1" 200 OK`
    for (rel, n) in [
        ("sglang-ci-pd-v0.5.3.post3/prefill.log", 211),
        ("sglang-ci-pd-v0.5.3.post3/decode.log", 212),
    ] {
        let Some(p) = shared_file(rel) else {
            return;
        };
        let w = srtlog_workers::worker::parse_one(&p, false).unwrap();
        assert_eq!(w.source.backend, Backend::Sglang);
        assert_eq!(w.stats.access.get(&200), Some(&n), "{rel}");
        let per_s: u64 = w
            .access_per_second()
            .iter()
            .map(|(_, c)| u64::from(*c))
            .sum();
        assert_eq!(per_s, n, "{rel}: every SGLang access line has its own time");
        assert_eq!(WorkerSummary::from_log(&w).access.get("200"), Some(&n));
    }
}

#[test]
fn vllm_engine_gauges_are_drawn_once() {
    // issue 17 item 15: the 65 statistics lines of one vLLM engine were
    // split into a prefill and a decode row of running_req, queue_req and
    // token_usage with identical values (two overlapping lines). Only the
    // throughputs split by side; the gauges belong to the engine.
    let Some(p) = shared_file("dgx-spark-sostrowsk/vllm.log") else {
        return;
    };
    let mut req = srtlog_workers::viz::VizRequest::new(vec![p]);
    req.options.year = Some(2026);
    let o = srtlog_workers::viz::build(&req, &std::sync::atomic::AtomicU64::new(0)).unwrap();
    use srtlog_workers::series::Side;
    let sides = |m: &str| -> Vec<Side> {
        o.series
            .stats
            .iter()
            .filter(|r| r.metric == m)
            .map(|r| r.side)
            .collect()
    };
    for gauge in ["running_req", "queue_req", "token_usage"] {
        assert_eq!(sides(gauge), vec![Side::Engine], "{gauge}");
        let c = o
            .series
            .charts
            .iter()
            .find(|c| c.metric.column == gauge)
            .unwrap();
        assert_eq!(c.series.len(), 1, "{gauge}: one line");
        assert!(c.missing.is_empty(), "{gauge}: {:?}", c.missing);
    }
    assert_eq!(sides("input_throughput"), vec![Side::Prefill]);
    assert_eq!(sides("gen_throughput"), vec![Side::Decode]);
    // One value per statistics line (`grep -c 'Avg prompt throughput'`: 65).
    let running = o
        .series
        .stats
        .iter()
        .find(|r| r.metric == "running_req")
        .unwrap();
    assert_eq!(running.summary.count, 65);
}
