//! Decoder tests on the verbatim line shapes of formats.md §2.1–§2.3 (every
//! version), plus the bad input of §1.9 and §2.3 (CRLF, ANSI, tqdm `\r`).

use super::*;
use crate::line::normalize;

fn decode(line: &str) -> Record<'_> {
    decode_line(line.as_bytes())
}

fn stats(line: &str) -> (Prefix<'_>, StatsRecord<'_>) {
    match decode(line) {
        Record::Stats(p, s) => (p, s),
        other => panic!("not stats: {other:?} <- {line}"),
    }
}

fn spec(line: &str) -> SpecRecord<'_> {
    match decode(line) {
        Record::Spec(_, s) => s,
        other => panic!("not spec: {other:?} <- {line}"),
    }
}

#[test]
fn v0_without_trailing_period_ray_prefix() {
    let (p, s) = stats("(task, pid=17433) INFO 03-28 04:32:50 metrics.py:218] Avg prompt throughput: 0.0 tokens/s, Avg generation throughput: 0.0 tokens/s, Running: 0 reqs, Swapped: 0 reqs, Pending: 0 reqs, GPU KV cache usage: 0.0%, CPU KV cache usage: 0.0%");
    assert_eq!(p.process.map(|p| p.name), Some(&b"task"[..]));
    assert_eq!(p.at.to_text(), "03-28 04:32:50");
    assert_eq!(s.engine, None);
    assert_eq!(
        (s.running, s.swapped, s.pending),
        (Some(0.0), Some(0.0), Some(0.0))
    );
    assert_eq!(s.queued(), Some(0.0));
    assert_eq!(s.cpu_kv_usage, Some(0.0));
    assert!(s.extras.is_empty());
}

#[test]
fn v0_063_trailing_period_no_brackets() {
    let (p, s) = stats("INFO 03-19 06:36:30 metrics.py:349] Avg prompt throughput: 12.5 tokens/s, Avg generation throughput: 301.2 tokens/s, Running: 7 reqs, Swapped: 1 reqs, Pending: 3 reqs, GPU KV cache usage: 45.1%, CPU KV cache usage: 2.5%.");
    assert_eq!(p.location, b"metrics.py:349");
    assert_eq!(s.prompt_throughput, Some(12.5));
    assert_eq!(s.gen_throughput, Some(301.2));
    assert_eq!(
        (s.running, s.swapped, s.pending),
        (Some(7.0), Some(1.0), Some(3.0))
    );
    assert_eq!((s.gpu_kv_usage, s.cpu_kv_usage), (Some(45.1), Some(2.5)));
}

#[test]
fn v0_07_bracketed_with_prefix_cache_companion() {
    let (p, s) = stats("INFO 04-20 17:17:49 [metrics.py:488] Avg prompt throughput: 2.2 tokens/s, Avg generation throughput: 0.1 tokens/s, Running: 1 reqs, Swapped: 0 reqs, Pending: 0 reqs, GPU KV cache usage: 0.3%, CPU KV cache usage: 0.0%.");
    assert_eq!(p.location, b"metrics.py:488");
    assert_eq!(s.gpu_kv_usage, Some(0.3));
    match decode(
        "INFO 04-20 17:17:49 [metrics.py:504] Prefix cache hit rate: GPU: 79.73%, CPU: 0.00%",
    ) {
        r @ Record::PrefixCache(_, c) => {
            assert!(r.is_companion());
            assert_eq!((c.gpu, c.cpu), (Some(79.73), Some(0.0)));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn v0_speculative_metrics() {
    let s = spec("INFO 08-05 11:34:35 [metrics.py:439] Speculative metrics: Draft acceptance rate: 0.675, System efficiency: 0.531, Number of speculative tokens: 4, Number of accepted tokens: 8485, Number of draft tokens: 12564, Number of emitted tokens: 8347.");
    assert_eq!(s.acceptance_rate, Some(0.675));
    assert_eq!(s.system_efficiency, Some(0.531));
    assert_eq!(s.num_spec_tokens, Some(4.0));
    assert_eq!(
        (s.accepted_tokens, s.drafted_tokens, s.emitted_tokens),
        (Some(8485.0), Some(12564.0), Some(8347.0))
    );
    assert_eq!(s.mean_acceptance_length, None);
}

#[test]
fn v1_08_without_engine_index() {
    let (_, s) = stats("INFO 03-11 06:18:48 [loggers.py:80] Avg prompt throughput: 0.0 tokens/s, Avg generation throughput: 0.0 tokens/s, Running: 0 reqs, Waiting: 0 reqs, GPU KV cache usage: 0.0%, Prefix cache hit rate: 0.0%");
    assert_eq!(s.engine, None);
    assert_eq!((s.waiting, s.pending, s.swapped), (Some(0.0), None, None));
    assert_eq!(s.prefix_cache_hit_rate, Some(0.0));
}

#[test]
fn v1_engine_index_multiproc_and_dp() {
    let (p, s) = stats("(APIServer pid=964305) INFO 03-09 09:34:35 [loggers.py:259] Engine 000: Avg prompt throughput: 1287.3 tokens/s, Avg generation throughput: 109.9 tokens/s, Running: 1 reqs, Waiting: 0 reqs, GPU KV cache usage: 0.2%, Prefix cache hit rate: 64.6%");
    assert_eq!(
        p.process.map(|p| (p.name, p.pid)),
        Some((&b"APIServer"[..], 964305))
    );
    assert_eq!(s.engine, Some(0));
    assert_eq!(s.prompt_throughput, Some(1287.3));
    assert_eq!(s.prefix_cache_hit_rate, Some(64.6));
    let (p, s) = stats("(APIServer_DP1 pid=2646203) INFO 05-20 10:42:11 [loggers.py:271] Engine 001: Avg prompt throughput: 0.0 tokens/s, Avg generation throughput: 512.0 tokens/s, Running: 12 reqs, Waiting: 4 reqs, GPU KV cache usage: 31.0%, Prefix cache hit rate: 0.0%");
    assert_eq!(s.engine, Some(1));
    assert_eq!(p.process.and_then(|p| p.rank(b"DP")), Some(1));
    assert_eq!(s.queued(), Some(4.0));
    let (_, s) = stats("(APIServer pid=92107) INFO 05-08 16:21:55 [loggers.py:271] Engine 000: Avg prompt throughput: 0.0 tokens/s, Avg generation throughput: 0.0 tokens/s, Running: 0 reqs, Waiting: 0 reqs, GPU KV cache usage: 0.0%, Prefix cache hit rate: 0.0%, MM cache hit rate: 12.5%");
    assert_eq!(s.mm_cache_hit_rate, Some(12.5));
    // Docker --timestamps in front: the date is kept for the year.
    let (p, _) = stats("2026-05-12T08:01:39.331095044Z (APIServer pid=1) INFO 05-12 08:01:39 [loggers.py:271] Engine 000: Avg prompt throughput: 1.0 tokens/s, Avg generation throughput: 2.0 tokens/s, Running: 1 reqs, Waiting: 0 reqs, GPU KV cache usage: 0.1%, Prefix cache hit rate: 0.0%");
    assert_eq!(p.outer_date, Some((2026, 5, 12)));
}

#[test]
fn v1_spec_decoding_per_position_list() {
    let s = spec("(APIServer pid=23283) INFO 08-01 21:28:49 [metrics.py:120] SpecDecoding metrics: Mean acceptance length: 2.83, Accepted throughput: 17.90 tokens/s, Drafted throughput: 146.97 tokens/s, Accepted: 179 tokens, Drafted: 1470 tokens, Per-position acceptance rate: 0.786, 0.490, 0.286, 0.173, 0.071, 0.020, 0.000, 0.000, 0.000, 0.000, 0.000, 0.000, 0.000, 0.000, 0.000, Avg Draft acceptance rate: 12.2%");
    assert_eq!(s.mean_acceptance_length, Some(2.83));
    assert_eq!(s.accepted_throughput, Some(17.9));
    assert_eq!(s.drafted_throughput, Some(146.97));
    assert_eq!(
        (s.accepted_tokens, s.drafted_tokens),
        (Some(179.0), Some(1470.0))
    );
    let rates: Vec<f64> = s.per_position_rates().collect();
    assert_eq!(rates.len(), 15);
    assert_eq!(rates[..3], [0.786, 0.49, 0.286]);
    assert_eq!(s.acceptance_rate, Some(0.122));
    // 0.8-era order with the rate first.
    let s = spec("INFO 05-01 10:00:00 [metrics.py:111] SpecDecoding metrics: Draft acceptance rate: 69.2%, Mean acceptance length: 3.08, Accepted: 1025 tokens, Drafted: 1480 tokens, Per-position acceptance rate: 0.873, 0.695, 0.523, 0.363");
    assert_eq!(s.acceptance_rate, Some(0.692));
    assert_eq!(s.per_position, Some(&b"0.873, 0.695, 0.523, 0.363"[..]));
}

#[test]
fn unknown_keys_are_kept_and_bad_values_are_unparsed() {
    let (_, s) = stats("INFO 03-11 06:18:48 [loggers.py:80] Engine 002: Avg prompt throughput: 1.0 tokens/s, Avg generation throughput: 2.0 tokens/s, Running: 3 reqs, Waiting: 0 reqs, GPU KV cache usage: 1.0%, Prefix cache hit rate: 5.0%, Preempted: 2 reqs");
    assert_eq!(s.engine, Some(2));
    let extras: Vec<_> = s.extras.iter().collect();
    assert_eq!(extras, vec![(&b"Preempted"[..], &b"2 reqs"[..])]);
    for bad in [
        "INFO 03-11 06:18:48 [loggers.py:80] Avg prompt throughput: lots tokens/s, Avg generation throughput: 0.0 tokens/s",
        "INFO 03-11 06:18:48 [loggers.py:80] Engine x: Avg prompt throughput: 1.0 tokens/s, Avg generation throughput: 0.0 tokens/s",
        "INFO 03-11 06:18:48 [loggers.py:80] Avg prompt throughput: 1.0 tokens/s",
        "INFO 03-11 06:18:48 [loggers.py:80] Stats: Avg prompt throughput: 1.0 tokens/s",
        "garbage Avg prompt throughput: 1.0 tokens/s, Avg generation throughput: 2.0 tokens/s",
        "INFO 08-01 21:28:49 [metrics.py:120] SpecDecoding metrics: Accepted: 1 tokens",
    ] {
        assert!(matches!(decode(bad), Record::Unparsed(_)), "{bad}");
    }
}

#[test]
fn startup_lines_of_every_version() {
    let startup = |l: &'static str| match decode(l) {
        Record::Startup(p, s) => (p, s),
        other => panic!("{other:?} <- {l}"),
    };
    let (_, s) =
        startup("INFO 03-19 06:27:09 api_server.py:528] vLLM API server version 0.6.3.post1");
    assert_eq!(s.facts.version, Some(&b"0.6.3.post1"[..]));
    let (_, s) = startup("INFO 03-19 06:35:49 distributed_gpu_executor.py:57] # GPU blocks: 2987, # CPU blocks: 4096");
    assert_eq!(s.facts.gpu_blocks, Some(2987));
    let (_, s) = startup("INFO 03-19 06:35:49 distributed_gpu_executor.py:61] Maximum concurrency for 32768 tokens per request: 1.46x");
    assert_eq!(s.facts.max_concurrency, Some(1.46));
    let (p, s) = startup("(EngineCore_DP0 pid=964370) INFO 03-09 09:32:20 [kv_cache_utils.py:1314] GPU KV cache size: 429,328 tokens");
    assert_eq!(p.process.and_then(|p| p.rank(b"DP")), Some(0));
    assert_eq!(s.facts.kv_cache_tokens, Some(429_328));
    let (_, s) = startup("(APIServer pid=23283) INFO 08-01 20:59:09 [api_utils.py:339]  ▄▄ ▄█ █     █     █ ▀▄▀ █  version 0.25.1");
    assert_eq!(s.facts.version, Some(&b"0.25.1"[..]));
}

#[test]
fn access_and_error_lines() {
    match decode("(APIServer pid=964305) INFO:     127.0.0.1:35764 - \"POST /v1/chat/completions HTTP/1.1\" 200 OK") {
        Record::Access(p, a) => {
            assert_eq!(p.map(|p| p.pid), Some(964305));
            assert_eq!(a.status, 200);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        decode("INFO:     127.0.0.1:44042 - \"GET /favicon.ico HTTP/1.1\" 404 Not Found"),
        Record::Access(None, AccessRecord { status: 404, .. })
    ));
    assert!(matches!(decode("INFO:     Shutting down"), Record::Noise));
    assert!(matches!(
        decode("(APIServer pid=41356) INFO:     Application startup complete."),
        Record::Ready(None)
    ));
    assert!(matches!(
        decode("INFO 06-10 06:16:45 [api_server.py:1336] Starting vLLM API server on http://0.0.0.0:8000"),
        Record::Ready(Some(_))
    ));
    for err in [
        "(EngineCore pid=25) ERROR 08-18 02:57:12 [core.py:1231] EngineCore failed to start.",
        "(EngineCore pid=25) ERROR 08-18 02:57:12 [core.py:1231] ValueError: No available memory for the cache blocks.",
        "(APIServer pid=1) RuntimeError: Engine core initialization failed. See root cause above. Failed core proc(s): {}",
        "(APIServer pid=1) pydantic_core._pydantic_core.ValidationError: 1 validation error for ModelConfig",
        "vllm: error: unrecognized arguments: --no-such-flag 3",
        "Traceback (most recent call last):",
        "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB",
    ] {
        assert!(matches!(decode(err), Record::Error(_)), "{err}");
    }
    for not_err in [
        "(EngineCore pid=25) ERROR 08-18 02:57:12 [core.py:1231]   File \"/opt/venv/x.py\", line 1200, in run_engine_core",
        "(EngineCore pid=25) ERROR 08-18 02:57:12 [core.py:1231]                   ^^^^^^^^^^",
        "(EngineCore pid=25) ERROR 08-18 02:57:12 [core.py:1231] Traceback (most recent call last):",
        "/opt/conda/lib/python3.10/multiprocessing/resource_tracker.py:224: UserWarning: resource_tracker: There appear to be 1 leaked shared_memory objects",
        "  warnings.warn('resource_tracker: There appear to be %d '",
        "ErrorHandler ready",
    ] {
        assert!(!matches!(decode(not_err), Record::Error(_)), "{not_err}");
    }
}

#[test]
fn crlf_ansi_tqdm_and_interleaved_processes() {
    let mut scratch = Vec::new();
    // CRLF banner line of 0.25.1.
    let raw = "(APIServer pid=23283) INFO 08-01 20:59:09 [api_utils.py:339]  ▄▄ ▄█ █     █     █ ▀▄▀ █  version 0.25.1\r\n";
    let line = normalize(raw.as_bytes(), &mut scratch);
    match decode_line(line) {
        Record::Startup(_, s) => assert_eq!(s.facts.version, Some(&b"0.25.1"[..])),
        other => panic!("{other:?}"),
    }
    // ANSI-coloured V0 worker prefix.
    let raw = b"\x1b[1;36m(VllmWorkerProcess pid=1064416)\x1b[0;0m INFO 03-19 06:35:16 model_runner.py:1067] Loading model weights took 15.3916 GB\n";
    let line = normalize(raw, &mut scratch);
    match decode_line(line) {
        Record::Startup(p, s) => {
            assert_eq!(p.process.map(|p| p.name), Some(&b"VllmWorkerProcess"[..]));
            assert_eq!(s.memory.and_then(|m| m.mem_usage_gb), Some(15.3916));
        }
        other => panic!("{other:?}"),
    }
    // tqdm: only the text after the last `\r` counts; here a full date.
    let raw = b"(EngineCore pid=23397) \r[AutoTuner]: Tuning trtllm::fused_moe::gemm1:   0%|          | 0/21 [00:00<?, ?profile/s]2026-08-01 21:22:40,099 - INFO - autotuner.py:1351 - flashinfer.jit: x\n";
    let line = normalize(raw, &mut scratch);
    assert!(matches!(decode_line(line), Record::Noise));
    assert_eq!(find_full_date(line), Some((2026, 8, 1)));
    // A progress bar that ends in a stats line.
    let raw = b"Loading 100%|##########| 49/49\r(APIServer pid=1) INFO 08-01 21:28:49 [loggers.py:273] Engine 000: Avg prompt throughput: 3.8 tokens/s, Avg generation throughput: 27.7 tokens/s, Running: 2 reqs, Waiting: 0 reqs, GPU KV cache usage: 0.6%, Prefix cache hit rate: 61.8%\n";
    let line = normalize(raw, &mut scratch);
    assert!(matches!(decode_line(line), Record::Stats(..)));
    // Lines of several processes interleave; each is decoded on its own.
    for (l, want) in [
        ("(EngineCore pid=23397) INFO 08-01 21:21:47 [kv_cache_utils.py:2146] GPU KV cache size: 94,135 tokens", "EngineCore"),
        ("(APIServer pid=23283) INFO 08-01 21:23:43 [api_server.py:612] Supported tasks: ['generate']", "APIServer"),
        ("\x1b[1;36m(VllmWorkerProcess pid=1064415)\x1b[0;0m INFO 03-19 06:27:22 utils.py:1008] Found nccl from library libnccl.so.2", "VllmWorkerProcess"),
    ] {
        let line = normalize(l.as_bytes(), &mut scratch);
        let r = decode_line(line);
        let name = r.prefix().and_then(|p| p.process).map(|p| p.name.to_vec());
        assert_eq!(name.as_deref(), Some(want.as_bytes()), "{l}");
    }
}

#[test]
fn head_markers() {
    assert!(
        has_vllm_marker(b"x\n(APIServer pid=1) INFO 08-18 02:56:55 [api_utils.py:339] a").is_some()
    );
    assert!(has_vllm_marker(b"usage: vllm [-h] [-v]\n").is_some());
    assert!(has_vllm_marker(
        b"INFO 10-20 12:01:01 [__init__.py:241] Automatically detected platform rocm."
    )
    .is_none());
}

#[test]
fn percentages_become_the_nearest_fraction() {
    for (p, f) in [
        (0.7, "0.007"),
        (61.8, "0.618"),
        (17.5, "0.175"),
        (79.73, "0.7973"),
        (100.0, "1"),
        (0.0, "0"),
        (12.2, "0.122"),
    ] {
        assert_eq!(percent_to_fraction(p), f.parse::<f64>().unwrap(), "{p}");
    }
}

/// Issue 17 item 9: a count past its column (`Running: 99999999999`), `nan`
/// for a count, an infinite throughput: left out and named, not clamped to
/// 2147483647 or turned into 0 by the table; the line is still a
/// statistics line.
#[test]
fn values_that_do_not_fit_are_rejected() {
    let (_, s) = stats("INFO 03-19 06:36:30 metrics.py:349] Avg prompt throughput: inf tokens/s, Avg generation throughput: 301.2 tokens/s, Running: 99999999999 reqs, Swapped: nan reqs, Pending: 3 reqs, GPU KV cache usage: 45.1%, CPU KV cache usage: 2.5%.");
    assert_eq!(s.prompt_throughput, None);
    assert_eq!(s.gen_throughput, Some(301.2));
    assert_eq!((s.running, s.swapped, s.pending), (None, None, Some(3.0)));
    assert_eq!(
        s.rejected.iter().collect::<Vec<_>>(),
        ["input_throughput", "running_req", "swapped_req"]
    );
    let r = spec("INFO 03-19 06:36:30 metrics.py:349] SpecDecoding metrics: Mean acceptance length: 2.50, Accepted throughput: 10.00 tokens/s, Drafted throughput: 20.00 tokens/s, Accepted: 1e30 tokens, Drafted: 200 tokens");
    assert_eq!((r.accepted_tokens, r.drafted_tokens), (None, Some(200.0)));
    assert_eq!(
        r.rejected.iter().collect::<Vec<_>>(),
        ["spec_accepted_tokens"]
    );
}
