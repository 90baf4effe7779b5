//! Every SGLang log in `../shared/data`, parsed with asserted values: batch
//! counts per type and rank, first and last rows, memory snapshots and the
//! server configuration. Counts were checked against `grep -c` of the files.

// Test helpers may panic on unexpected input: that is how a test fails.
#![allow(clippy::unwrap_used)]

use srtlog_formats::sglang::{BatchKind, Field};
use srtlog_testutil::shared_file;
use srtlog_workers::{NodeAnalyzer, WorkerType};

/// One expected file.
struct Expect {
    rel: &'static str,
    ty: WorkerType,
    prefill: u64,
    decode: u64,
    memory: u64,
    first: &'static str,
    last: &'static str,
    schedulers: usize,
    tp: u32,
    dp: u32,
}

const FILES: &[Expect] = &[
    Expect {
        rel: "sglang-ci-pd-v0.5.3.post3/prefill.log",
        ty: WorkerType::Prefill,
        prefill: 178,
        decode: 0,
        memory: 17,
        first: "2025-10-20T12:02:57",
        last: "2025-10-20T12:09:47",
        schedulers: 1,
        tp: 4,
        dp: 1,
    },
    Expect {
        rel: "sglang-ci-pd-v0.5.3.post3/decode.log",
        ty: WorkerType::Decode,
        prefill: 0,
        decode: 396,
        memory: 25,
        first: "2025-10-20T12:05:55",
        last: "2025-10-20T12:09:47",
        schedulers: 1,
        tp: 4,
        dp: 1,
    },
    Expect {
        rel: "sglang-ci-dp8-v0.5.5.post2/sglang_server.log",
        ty: WorkerType::Agg,
        prefill: 251,
        decode: 2376,
        memory: 49,
        first: "2025-11-15T13:02:15",
        last: "2025-11-15T14:00:12",
        schedulers: 8,
        tp: 8,
        dp: 8,
    },
    Expect {
        rel: "sglang-ci-dp-iter-v0.5.4/sglang_server.log",
        ty: WorkerType::Agg,
        prefill: 513,
        decode: 343,
        memory: 49,
        first: "2025-10-24T10:33:46",
        last: "2025-10-24T10:38:58",
        schedulers: 8,
        tp: 8,
        dp: 8,
    },
    Expect {
        rel: "sglang-ci-tp-v0.5.3.post1/llama4_mi30x_server.log",
        ty: WorkerType::Agg,
        prefill: 117,
        decode: 38,
        memory: 14,
        first: "2025-10-13T10:15:05",
        last: "2025-10-13T10:16:57",
        schedulers: 1,
        tp: 8,
        dp: 1,
    },
    Expect {
        rel: "dgx-spark-sostrowsk/sglang-int4.log",
        ty: WorkerType::Agg,
        prefill: 57,
        decode: 56,
        memory: 16,
        first: "2026-08-01T23:43:46",
        last: "2026-08-02T00:09:40",
        schedulers: 1,
        tp: 1,
        dp: 1,
    },
    Expect {
        rel: "dgx-spark-sostrowsk/sglang.log",
        ty: WorkerType::Agg,
        prefill: 0,
        decode: 0,
        memory: 1,
        first: "",
        last: "",
        schedulers: 0,
        tp: 1,
        dp: 1,
    },
];

#[test]
fn every_sglang_log_parses_with_known_counts() {
    for e in FILES {
        let Some(path) = shared_file(e.rel) else {
            return;
        };
        let nodes = NodeAnalyzer::new().parse_run_logs(&path).unwrap();
        assert_eq!(nodes.len(), 1, "{}", e.rel);
        let n = &nodes[0];
        let s = &n.summary;
        assert_eq!(n.worker_type, e.ty, "{}", e.rel);
        assert_eq!(
            (s.prefill_batches, s.decode_batches),
            (e.prefill, e.decode),
            "{}",
            e.rel
        );
        assert_eq!(s.duplicate_lines, 0, "{}", e.rel);
        assert_eq!(s.memory_snapshots, e.memory, "{}", e.rel);
        assert_eq!(n.memory.len() as u64, e.memory, "{}", e.rel);
        assert_eq!(
            s.first_timestamp.as_deref().unwrap_or(""),
            e.first,
            "{}",
            e.rel
        );
        assert_eq!(
            s.last_timestamp.as_deref().unwrap_or(""),
            e.last,
            "{}",
            e.rel
        );
        assert_eq!(s.schedulers, e.schedulers, "{}", e.rel);
        assert_eq!(
            s.coverage.unparsed_lines, 0,
            "{}: {:?}",
            e.rel, s.coverage.examples
        );
        assert_eq!(
            (n.config.tp_size, n.config.dp_size),
            (Some(e.tp), Some(e.dp)),
            "{}",
            e.rel
        );
        assert_eq!(n.batches.len() as u64, e.prefill + e.decode, "{}", e.rel);
        assert!(s.warnings.is_empty(), "{}: {:?}", e.rel, s.warnings);
    }
}

#[test]
fn pd_prefill_first_and_last_rows() {
    let Some(path) = shared_file("sglang-ci-pd-v0.5.3.post3/prefill.log") else {
        return;
    };
    let nodes = NodeAnalyzer::new().parse_run_logs(&path).unwrap();
    let n = &nodes[0];
    assert!(n.is_prefill());
    assert_eq!(n.config.disaggregation_mode.as_deref(), Some("prefill"));
    assert_eq!(
        n.config.model_path.as_deref(),
        Some("/data2/models/amd-DeepSeek-R1-MXFP4-Preview")
    );
    let first = n.batches.first().unwrap();
    assert_eq!(first.timestamp.to_string(), "2025-10-20T12:02:57");
    assert_eq!(first.ranks.tp, Some(0));
    assert_eq!(first.get(Field::NewToken), Some(4.0));
    assert_eq!(first.get(Field::BootstrapReq), Some(0.0)); // printed as #prealloc-req
    assert_eq!(first.get(Field::InputThroughput), Some(0.0));
    let last = n.batches.last().unwrap();
    assert_eq!(last.timestamp.to_string(), "2025-10-20T12:09:47");
    assert_eq!(last.get(Field::InputThroughput), Some(2.2));
    // Memory: KV cache per TP rank, MLA single KV size.
    let kv: Vec<_> = n
        .memory
        .iter()
        .filter(|m| m.event == "kv_cache_allocated")
        .collect();
    assert!(!kv.is_empty());
    assert!(kv.iter().all(|m| m.kv_tokens == Some(2_688_964)));
    let lw: Vec<_> = n
        .memory
        .iter()
        .filter(|m| m.event == "load_weight_end")
        .collect();
    assert!(lw
        .iter()
        .any(|m| m.mem_usage_gb == Some(84.5) && m.avail_mem_gb == Some(201.75)));
}

#[test]
fn pd_decode_rows() {
    let Some(path) = shared_file("sglang-ci-pd-v0.5.3.post3/decode.log") else {
        return;
    };
    let n = &NodeAnalyzer::new().parse_run_logs(&path).unwrap()[0];
    assert!(n.is_decode());
    let first = n.batches.first().unwrap();
    assert_eq!(first.line, 308);
    assert_eq!(first.get(Field::NumTokens), Some(35.0));
    assert_eq!(first.get(Field::GenThroughput), Some(0.87));
    assert_eq!(first.get(Field::PreallocReq), Some(0.0));
    assert_eq!(first.get(Field::RetractedReq), Some(0.0));
    let last = n.batches.last().unwrap();
    assert_eq!(last.line, 908);
    assert_eq!(last.get(Field::NumTokens), Some(858.0));
    assert_eq!(last.get(Field::GenThroughput), Some(124.78));
}

#[test]
fn dp8_interleaved_ranks() {
    let Some(path) = shared_file("sglang-ci-dp8-v0.5.5.post2/sglang_server.log") else {
        return;
    };
    let n = &NodeAnalyzer::new().parse_run_logs(&path).unwrap()[0];
    let per_rank: Vec<u64> = (0..8)
        .map(|dp| {
            n.batches
                .iter()
                .filter(|b| b.batch_type == BatchKind::Decode && b.ranks.dp == Some(dp))
                .count() as u64
        })
        .collect();
    assert_eq!(per_rank, vec![297, 297, 287, 303, 302, 294, 297, 299]);
    assert!(n
        .batches
        .iter()
        .all(|b| b.ranks.tp == b.ranks.dp && b.ranks.ep.is_none()));
    let first = n.batches.first().unwrap();
    assert_eq!(
        (first.line, first.ranks.dp, first.batch_type),
        (525, Some(0), BatchKind::Prefill)
    );
    let last = n.batches.last().unwrap();
    assert_eq!((last.line, last.ranks.dp), (9917, Some(1)));
    assert_eq!(last.get(Field::NumTokens), Some(3454.0));
    assert_eq!(last.get(Field::GenThroughput), Some(25.2));
    assert_eq!(n.config.enable_dp_attention, Some(true));
}

#[test]
fn iteration_ids_v054() {
    let Some(path) = shared_file("sglang-ci-dp-iter-v0.5.4/sglang_server.log") else {
        return;
    };
    let n = &NodeAnalyzer::new().parse_run_logs(&path).unwrap()[0];
    let first = n.batches.first().unwrap();
    assert_eq!((first.line, first.iteration), (1276, Some(1)));
    let last = n.batches.last().unwrap();
    assert_eq!(
        (last.line, last.iteration, last.ranks.dp),
        (9095, Some(2607), Some(7))
    );
    assert_eq!(last.get(Field::GenThroughput), Some(30.88));
    // The capture line glued to a tqdm bar is a memory snapshot, not lost.
    assert!(n.memory.iter().any(|m| m.event == "cuda_graph_begin"
        && m.ranks.dp == Some(7)
        && m.avail_mem_gb == Some(58.6)));
}

#[test]
fn hybrid_swa_speculative_2026() {
    let Some(path) = shared_file("dgx-spark-sostrowsk/sglang-int4.log") else {
        return;
    };
    let n = &NodeAnalyzer::new().parse_run_logs(&path).unwrap()[0];
    assert_eq!(n.batches[0].ranks, Default::default());
    assert_eq!(n.batches[0].get(Field::FullTokenUsage), Some(0.0));
    assert_eq!(n.batches[0].get(Field::InputThroughput), Some(1.81));
    let last = n.batches.last().unwrap();
    assert_eq!(last.line, 386);
    assert_eq!(last.get(Field::AcceptLen), Some(1.23));
    assert_eq!(last.get(Field::AcceptRate), Some(0.01));
    assert_eq!(last.get(Field::Graph), Some(1.0));
    let kv: Vec<_> = n
        .memory
        .iter()
        .filter(|m| m.event == "kv_cache_allocated")
        .collect();
    assert!(kv.len() >= 2, "one KV line per pool");
}

#[test]
fn sglang_2026_config_comes_from_server_args_not_the_usage_hint() {
    // issue 17 item 13: line 3 of the file is the deprecation warning's
    // `  Example: sglang serve --model-path <model> [options]`; line 13 is
    // `server_args=ServerArgs(model_path='poolside/Laguna-S-2.1-INT4', …,
    // disaggregation_mode='null', …)` (grep -n model_path).
    let Some(path) = shared_file("dgx-spark-sostrowsk/sglang-int4.log") else {
        return;
    };
    let n = &NodeAnalyzer::new().parse_run_logs(&path).unwrap()[0];
    assert_eq!(
        n.config.model_path.as_deref(),
        Some("poolside/Laguna-S-2.1-INT4")
    );
    assert_eq!(n.config.disaggregation_mode, None);
    assert_eq!(n.config.aggregated, Some(true));
    assert_eq!((n.config.tp_size, n.config.dp_size), (Some(1), Some(1)));
    assert_eq!(n.worker_type, WorkerType::Agg);
}
