//! Deterministic fuzz smoke test of the vLLM decoder (formats.md §2): real
//! line shapes mutated over a hundred thousand times (byte flips, cuts,
//! splices, inserted delimiters) must decode, and have their full dates
//! looked for, without panicking.

mod common;
use common::Rng;
use srtlog_formats::line::normalize;
use srtlog_formats::vllm::{decode_line, find_full_date, has_vllm_marker, Record};

const SEEDS: &[&str] = &[
    "(APIServer pid=23283) INFO 08-01 21:28:49 [loggers.py:273] Engine 000: Avg prompt throughput: 3.8 tokens/s, Avg generation throughput: 27.7 tokens/s, Running: 2 reqs, Waiting: 0 reqs, GPU KV cache usage: 0.6%, Prefix cache hit rate: 61.8%",
    "(APIServer pid=23283) INFO 08-01 21:28:49 [metrics.py:120] SpecDecoding metrics: Mean acceptance length: 2.83, Accepted throughput: 17.90 tokens/s, Drafted throughput: 146.97 tokens/s, Accepted: 179 tokens, Drafted: 1470 tokens, Per-position acceptance rate: 0.786, 0.490, 0.286, Avg Draft acceptance rate: 12.2%",
    "INFO 03-19 06:36:30 metrics.py:349] Avg prompt throughput: 0.0 tokens/s, Avg generation throughput: 0.0 tokens/s, Running: 0 reqs, Swapped: 0 reqs, Pending: 0 reqs, GPU KV cache usage: 0.0%, CPU KV cache usage: 0.0%.",
    "INFO 04-20 17:17:49 [metrics.py:504] Prefix cache hit rate: GPU: 79.73%, CPU: 0.00%",
    "INFO 08-05 11:34:35 [metrics.py:439] Speculative metrics: Draft acceptance rate: 0.675, System efficiency: 0.531, Number of speculative tokens: 4, Number of accepted tokens: 8485, Number of draft tokens: 12564, Number of emitted tokens: 8347.",
    "(EngineCore_DP0 pid=964370) INFO 03-09 09:32:12 [core.py:101] Initializing a V1 LLM engine (v0.17.0) with config: model='Qwen/Qwen2.5-3B-Instruct', tensor_parallel_size=1, pipeline_parallel_size=1, data_parallel_size=1",
    "(EngineCore pid=41490) INFO 08-02 11:08:12 [kv_cache_utils.py:2146] GPU KV cache size: 3,875,400 tokens, Maximum concurrency for 262,144 tokens per request: 14.78x",
    "INFO 03-19 06:35:49 distributed_gpu_executor.py:57] # GPU blocks: 2987, # CPU blocks: 4096",
    "\x1b[1;36m(VllmWorkerProcess pid=1064416)\x1b[0;0m INFO 03-19 06:35:16 model_runner.py:1067] Loading model weights took 15.3916 GB",
    "(APIServer pid=1) INFO 08-18 02:57:52 [api_utils.py:339]  ▄▄ ▄█ █     █     █ ▀▄▀ █  version 0.25.1\r",
    "(APIServer pid=964305) INFO:     127.0.0.1:35764 - \"POST /v1/chat/completions HTTP/1.1\" 200 OK",
    "2026-05-12T08:01:39.331095044Z (APIServer pid=1) INFO 05-12 08:01:39 [loggers.py:271] Engine 000: Avg prompt throughput: 1.0 tokens/s",
    "(EngineCore pid=23397) \r[AutoTuner]: Tuning: 100%| 21/21 [00:25<00:00,  1.57s/profile]2026-08-01 21:22:14,221 - INFO - autotuner.py:1351 - x",
    "(APIServer pid=1) pydantic_core._pydantic_core.ValidationError: 1 validation error for ModelConfig",
    "(EngineCore pid=25) ERROR 08-18 02:57:12 [core.py:1231] ValueError: No available memory for the cache blocks.",
    "(APIServer pid=1) non-default args: {'model': 'm', 'tensor_parallel_size': 2, 'kv_transfer_config': {'kv_role': 'kv_consumer'}}",
];

const DELIMS: &[u8] = b":, %.-[]()=\r\x1b\x00\xff0123456789";

fn decode_all(line: &[u8], scratch: &mut Vec<u8>) -> usize {
    let l = normalize(line, scratch);
    let mut n = usize::from(find_full_date(l).is_some());
    n += usize::from(has_vllm_marker(l).is_some());
    match decode_line(l) {
        Record::Stats(_, s) => n += s.extras.iter().count(),
        Record::Spec(_, s) => n += s.per_position_rates().count(),
        _ => n += 1,
    }
    n
}

#[test]
fn mutated_real_lines_never_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut scratch = Vec::new();
    let mut seen = 0usize;
    for seed in SEEDS {
        let b = seed.as_bytes();
        // Every prefix (lines cut by a killed process).
        for i in 0..=b.len() {
            seen += decode_all(&b[..i], &mut scratch);
        }
        for _ in 0..8_000 {
            let mut m = b.to_vec();
            for _ in 0..=rng.below(4) {
                match rng.below(4) {
                    0 if !m.is_empty() => {
                        let i = rng.below(m.len());
                        m[i] = rng.next() as u8;
                    }
                    1 if !m.is_empty() => {
                        let i = rng.below(m.len());
                        m.truncate(i);
                    }
                    2 => {
                        let i = rng.below(m.len() + 1);
                        m.insert(i, DELIMS[rng.below(DELIMS.len())]);
                    }
                    _ => {
                        let other = SEEDS[rng.below(SEEDS.len())].as_bytes();
                        let i = rng.below(m.len() + 1);
                        let j = rng.below(other.len() + 1);
                        m.truncate(i);
                        m.extend_from_slice(&other[j..]);
                    }
                }
            }
            seen += decode_all(&m, &mut scratch);
        }
    }
    assert!(seen > 0);
}
