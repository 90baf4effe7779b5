//! Decoder tests on the verbatim line shapes of formats.md §1.4–§1.7.

use super::*;

fn batch(line: &str) -> BatchRecord<'_> {
    match decode_line(line.as_bytes()) {
        Record::Batch(b) => b,
        other => panic!("not a batch: {other:?} <- {line}"),
    }
}

#[test]
fn v053_aggregated_prefill_without_throughput() {
    let b = batch("[2025-10-13 10:15:16 TP0] Prefill batch. #new-seq: 30, #new-token: 1858, #cached-token: 19980, token usage: 0.00, #running-req: 1, #queue-req: 0, ");
    assert_eq!(b.kind, BatchKind::Prefill);
    assert_eq!(b.values.get(Field::NewSeq), Some(30.0));
    assert_eq!(b.values.get(Field::NewToken), Some(1858.0));
    assert_eq!(b.values.get(Field::CachedToken), Some(19980.0));
    assert_eq!(b.values.get(Field::TokenUsage), Some(0.0));
    assert_eq!(b.values.get(Field::InputThroughput), None);
    assert_eq!(b.values.len(), 6);
    assert!(b.extras.is_empty());
}

#[test]
fn v053_pd_prefill_maps_prealloc_to_bootstrap() {
    let b = batch("[2025-10-20 12:06:03 TP0] Prefill batch. #new-seq: 9, #new-token: 479, #cached-token: 6021, token usage: 0.01, #running-req: 0, #queue-req: 0, #prealloc-req: 0, #inflight-req: 1, input throughput (token/s): 5543.55, ");
    assert_eq!(b.values.get(Field::BootstrapReq), Some(0.0));
    assert_eq!(b.values.get(Field::PreallocReq), None);
    assert_eq!(b.values.get(Field::InflightReq), Some(1.0));
    assert_eq!(b.values.get(Field::InputThroughput), Some(5543.55));
}

#[test]
fn iteration_ids_and_dp_tags() {
    let b = batch("[2025-10-24 10:34:43 DP0 TP0] Prefill batch [2], #new-seq: 1, #new-token: 667, #cached-token: 0, token usage: 0.00, #running-req: 1, #queue-req: 0, ");
    assert_eq!(b.iteration, Some(2));
    assert_eq!(b.prefix.ranks.dp, Some(0));
    let b = batch("[2025-10-24 10:38:58 DP7 TP7] Decode batch [2607], #running-req: 1, #token: 1213, token usage: 0.00, cuda graph: True, gen throughput (token/s): 30.88, #queue-req: 0, ");
    assert_eq!(b.kind, BatchKind::Decode);
    assert_eq!(b.iteration, Some(2607));
    assert_eq!(b.values.get(Field::Graph), Some(1.0));
    assert_eq!(b.values.get(Field::NumTokens), Some(1213.0));
    assert_eq!(b.values.get(Field::GenThroughput), Some(30.88));
}

#[test]
fn hybrid_swa_speculative_2026() {
    let b = batch("[2026-08-02 00:03:56] Prefill batch, #new-seq: 4, #new-token: 4, #cached-token: 288, full token usage: 0.00, swa token usage: 0.00, #running-req: 1, #queue-req: 0, #pending-token: 0, cuda graph: True, input throughput (token/s): 0.22");
    assert_eq!(b.values.get(Field::FullTokenUsage), Some(0.0));
    assert_eq!(b.values.get(Field::SwaTokenUsage), Some(0.0));
    assert_eq!(b.values.get(Field::PendingToken), Some(0.0));
    assert_eq!(b.values.get(Field::InputThroughput), Some(0.22));
    let b = batch("[2026-08-02 00:09:40] Decode batch, #running-req: 1, #full token: 0, full token usage: 0.00, #swa token: 0, swa token usage: 0.00, accept len: 1.23, accept rate: 0.01, cuda graph: True, gen throughput (token/s): 1.14, #queue-req: 0");
    assert_eq!(b.values.get(Field::AcceptLen), Some(1.23));
    assert_eq!(b.values.get(Field::AcceptRate), Some(0.01));
    assert_eq!(b.values.get(Field::FullTokens), Some(0.0));
    assert_eq!(b.values.get(Field::QueueReq), Some(0.0));
}

#[test]
fn pd_2026_with_ms_and_ep() {
    let b = batch("[2026-09-24 01:50:43.001 DP0 TP0 EP0] Decode batch [40], #running-req: 1, #token: 532160, token usage: 0.19, accept len: 4.40, accept rate: 0.68, pre-allocated usage: 0.18, #prealloc-req: 0, #transfer-req: 22, #retracted-req: 0, cuda graph: True, gen throughput (token/s): 11.87, #queue-req: 0");
    assert_eq!(b.prefix.ts.to_string(), "2026-09-24T01:50:43.001");
    assert_eq!(b.values.get(Field::PreallocReq), Some(0.0));
    assert_eq!(b.values.get(Field::TransferReq), Some(22.0));
    assert_eq!(b.values.get(Field::PreallocatedUsage), Some(0.18));
    let b = batch("[2026-09-24 01:47:50.615 DP3 TP3 EP3] Prefill batch [1], #new-seq: 1, #new-token: 64, #cached-token: 0, token usage: 0.00, #running-req: 0, #queue-req: 0, #pending-token: 0, #bootstrap-req: 0, #inflight-req: 1, #optimistic-req: 0, cuda graph: False, input throughput (token/s): 7.29");
    assert_eq!(b.values.get(Field::Graph), Some(0.0));
    assert_eq!(b.values.get(Field::OptimisticReq), Some(0.0));
}

#[test]
fn early_2025_and_2024_forms() {
    let b = batch("[2025-02-26 13:18:19 DP3 TP3] Prefill batch. #new-seq: 1, #new-token: 4096, #cached-token: 0, cache hit rate: 12.50%, token usage: 0.00, #running-req: 0, #queue-req: 7");
    assert_eq!(b.values.get(Field::CacheHitRate), Some(0.125));
    assert_eq!(b.values.get(Field::QueueReq), Some(7.0));
    let b = batch("[2024-11-30 05:10:04 TP0] Decode batch. #running-req: 1, #token: 234, token usage: 0.00, gen throughput (token/s): 147.64, #queue-req: 0");
    assert_eq!(b.values.get(Field::GenThroughput), Some(147.64));
    let b = batch("[2024-07-30 05:10:04 TP0] Prefill batch(mixed #running-req: 3). #new-seq: 1, #new-token: 8, #cached-token: 0, cache hit rate: 0.00%, #queue-req: 0");
    assert_eq!(b.values.get(Field::MixedRunningReq), Some(3.0));
}

#[test]
fn dynamo_wrapped_and_unknown_keys() {
    let b = batch("2026-07-08T22:28:50.274739Z  INFO scheduler_metrics_mixin.report_prefill_stats: Prefill batch, #new-seq: 1, #new-token: 64, #cached-token: 0, token usage: 0.00, #running-req: 0, #queue-req: 0, #pending-token: 0, cuda graph: True, input throughput (token/s): 0.23, #brand-new: 5, fwd occupancy: nan%");
    assert_eq!(b.prefix.ranks, Ranks::default());
    let extras: Vec<_> = b.extras.iter().collect();
    assert_eq!(extras, vec![(&b"#brand-new"[..], &b"5"[..])]);
    assert!(b.values.get(Field::FwdOccupancy).unwrap().is_nan());
}

#[test]
fn memory_lines() {
    let m = |l: &str| match decode_line(l.as_bytes()) {
        Record::Memory(m) => m,
        other => panic!("{other:?}"),
    };
    let r = m("[2025-10-20 12:02:46 TP1] Load weight end. type=DeepseekV3ForCausalLM, dtype=torch.bfloat16, avail mem=201.75 GB, mem usage=84.50 GB.");
    assert_eq!(
        (r.event, r.avail_mem_gb, r.mem_usage_gb),
        (MemoryEvent::LoadWeightEnd, Some(201.75), Some(84.5))
    );
    assert_eq!(r.prefix.ranks.tp, Some(1));
    let r =
        m("[2025-10-20 12:02:55 TP1] KV Cache is allocated. #tokens: 2688964, KV size: 175.98 GB");
    assert_eq!(
        (r.kv_tokens, r.kv_size_gb, r.k_size_gb),
        (Some(2_688_964.0), Some(175.98), None)
    );
    let r = m("[2026-08-01 23:40:01] KV Cache is allocated. dtype: torch.bfloat16, #tokens: 148717, K size: 10.21 GB, V size: 10.22 GB");
    assert_eq!((r.k_size_gb, r.v_size_gb), (Some(10.21), Some(10.22)));
    let r = m("[2025-10-20 12:05:09 TP0] Capture cuda graph end. Time elapsed: 74.17 s. mem usage=3.18 GB. avail mem=19.87 GB.");
    assert_eq!((r.mem_usage_gb, r.avail_mem_gb), (Some(3.18), Some(19.87)));
    let r = m("[2025-10-20 12:02:56 TP0] max_total_num_tokens=2688964, chunked_prefill_size=16384, max_prefill_tokens=16384, max_running_requests=4096, context_len=163840, available_gpu_mem=23.04 GB");
    assert_eq!(
        (
            r.kv_tokens,
            r.max_running_requests,
            r.context_len,
            r.avail_mem_gb
        ),
        (
            Some(2_688_964.0),
            Some(4096.0),
            Some(163_840.0),
            Some(23.04)
        )
    );
    let r = m("[2026-08-01 23:39:39] Load weight end. elapsed=109.33 s, type=LagunaForCausalLM, quant=compressed-tensors, avail mem=47.80 GB, mem usage=67.56 GB.");
    assert_eq!(r.mem_usage_gb, Some(67.56));
}

#[test]
fn coverage_and_noise() {
    assert!(matches!(
        decode_line(b"[2025-10-20 12:06:03 TP0] Prefill batch; #new-seq: 1"),
        Record::Unparsed(_)
    ));
    assert!(matches!(
        decode_line(b"[2025-10-20 12:06:03 TP0] Decode batch. #running-req: x1"),
        Record::Unparsed(_)
    ));
    assert!(matches!(
        decode_line(b"[2025-10-20 12:06:03 TP0] Decode batch."),
        Record::Unparsed(_)
    ));
    assert!(matches!(
        decode_line(b"I0101 12:00:00 Decode batch. #running-req: 1"),
        Record::Unparsed(_)
    ));
    assert!(matches!(
        decode_line(b"Traceback (most recent call last):"),
        Record::Noise
    ));
    assert!(matches!(
        decode_line(b"[2025-10-20 12:03:11] The server is fired up and ready to roll!"),
        Record::Other(_)
    ));
    assert!(matches!(
        decode_line(b"Capturing batches (bs=512 avail_mem=21.59 GB):   2%|"),
        Record::Noise
    ));
}

/// Access lines are plain lines, found without the marker searches; an
/// `INFO:` line that is not an access line is still searched, so a record
/// in an unknown shape behind it is counted, not taken for an access line.
#[test]
fn access_lines_and_info_lines_that_are_not() {
    fn p(s: &str) -> Record<'_> {
        decode_line(s.as_bytes())
    }
    assert!(matches!(
        p(
            r#"[2025-10-20 12:03:11] INFO:     10.235.26.27:54282 - "POST /generate HTTP/1.1" 200 OK"#
        ),
        Record::Other(_)
    ));
    assert!(matches!(
        p(
            r#"[2025-10-20 12:03:11 DP1] INFO:     127.0.0.1:5 - "GET /health HTTP/1.1" 503 Service Unavailable"#
        ),
        Record::Other(_)
    ));
    assert!(matches!(
        p("[2025-10-20 12:03:11 TP0] INFO: Prefill batch. #new-seq: 1, #new-token: 2"),
        Record::Unparsed(_)
    ));
    assert!(matches!(
        p("[2025-10-20 12:03:11 TP0] INFO: KV Cache is allocated. #tokens: 10, K size: 1 GB"),
        Record::Unparsed(_)
    ));
}

#[test]
fn configs() {
    match decode_line(b"[2025-10-20 12:01:06] server_args=ServerArgs(model_path='/m', tp_size=4, dp_size=1, ep_size=1, pp_size=1, disaggregation_mode='decode')") {
        Record::Config(c) => assert_eq!((c.tp_size, c.disaggregation_mode), (Some(4), Some(&b"decode"[..]))),
        other => panic!("{other:?}"),
    }
    match decode_line(b"[CMD] python3 -m sglang.launch_server --model-path /m --tp-size 8") {
        Record::Config(c) => assert_eq!(c.tp_size, Some(8)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn never_panics_on_prefixes_of_real_lines() {
    let l = "[2026-09-24 01:50:43.001 DP0 TP0 EP0] Decode batch [40], #running-req: 1, #token: 532160, token usage: 0.19, cuda graph: True, gen throughput (token/s): 11.87, #queue-req: 0";
    for i in 0..l.len() {
        let _ = decode_line(&l.as_bytes()[..i]);
        let _ = decode_line(&l.as_bytes()[i..]);
    }
}

#[test]
fn progress_bar_glued_to_a_record() {
    let l = "Capturing batches (bs=512 avail_mem=58.25 GB):   0%|          | 0/52 [00:00<?, ?it/s][2025-10-24 10:32:57 DP7 TP7] Capture cuda graph begin. This can take up to several minutes. avail mem=58.60 GB";
    match decode_line(l.as_bytes()) {
        Record::Memory(m) => {
            assert_eq!(m.event, MemoryEvent::CudaGraphBegin);
            assert_eq!(m.avail_mem_gb, Some(58.6));
            assert_eq!(m.prefix.ranks.dp, Some(7));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn capture_graph_variants_of_2026() {
    let l = "[2026-08-01 23:43:38] Capture target verify CUDA graph begin. backend=full, num_tokens_per_req=16, bs=[1, 2, 3], avail mem=7.27 GB";
    match decode_line(l.as_bytes()) {
        Record::Memory(m) => assert_eq!(
            (m.event, m.avail_mem_gb),
            (MemoryEvent::CudaGraphBegin, Some(7.27))
        ),
        other => panic!("{other:?}"),
    }
    let l = "[2026-08-01 23:43:41] Capture draft CUDA graph end. elapsed=3.00 s, mem usage=0.60 GB, avail mem=6.67 GB.";
    match decode_line(l.as_bytes()) {
        Record::Memory(m) => assert_eq!(
            (m.event, m.mem_usage_gb, m.avail_mem_gb),
            (MemoryEvent::CudaGraphEnd, Some(0.6), Some(6.67))
        ),
        other => panic!("{other:?}"),
    }
    let l = "[2026-08-01 23:43:41] Something new happened, avail mem=1.50 GB";
    assert!(
        matches!(decode_line(l.as_bytes()), Record::Memory(m) if m.event == MemoryEvent::Other)
    );
}

/// Issue 17 item 9: a count past `i32` was clamped to 2147483647 by the
/// table, and `nan` for a count became 0; now both are absent and marked
/// rejected, `inf` for a decimal too, and the line is still a batch.
#[test]
fn values_that_do_not_fit_are_rejected_not_clamped() {
    let l = "[2025-11-04 05:32:31 TP0] Decode batch, #running-req: 99999999999, #token: nan, token usage: 0.02, gen throughput (token/s): inf, #queue-req: 3, #pending-token: 2147483647, #transfer-req: -1, ";
    let Record::Batch(b) = decode_line(l.as_bytes()) else {
        panic!("not a batch");
    };
    let v = &b.values;
    assert_eq!(v.get(Field::RunningReq), None);
    assert_eq!(v.get(Field::NumTokens), None);
    assert_eq!(v.get(Field::GenThroughput), None);
    assert_eq!(v.get(Field::TokenUsage), Some(0.02));
    assert_eq!(v.get(Field::QueueReq), Some(3.0));
    assert_eq!(v.get(Field::PendingToken), Some(2_147_483_647.0));
    assert_eq!(v.get(Field::TransferReq), Some(-1.0));
    let want = (1u64 << Field::RunningReq as usize)
        | (1 << Field::NumTokens as usize)
        | (1 << Field::GenThroughput as usize);
    assert_eq!(v.rejected(), want);
    // A float gauge printed `nan` (unset) is kept as SGLang printed it.
    let l = "[2025-11-04 05:32:31 TP0] Decode batch, #running-req: 1, accept len: nan, ";
    let Record::Batch(b) = decode_line(l.as_bytes()) else {
        panic!("not a batch");
    };
    assert!(b.values.get(Field::AcceptLen).is_some_and(f64::is_nan));
    assert_eq!(b.values.rejected(), 0);
    let l = "[2024-01-01 00:00:00] Prefill batch(mixed #running-req: 99999999999). #new-seq: 1, ";
    let Record::Batch(b) = decode_line(l.as_bytes()) else {
        panic!("not a batch");
    };
    assert_eq!(b.values.get(Field::MixedRunningReq), None);
    assert_eq!(b.values.rejected(), 1 << Field::MixedRunningReq as usize);
}
