//! A deterministic fuzz smoke test that runs in CI: real line shapes, mutated
//! a few hundred thousand times (byte flips, cuts, splices, inserted
//! delimiters), must decode without panicking. The coverage-guided fuzzer in
//! `fuzz/` explores further; this keeps the property checked on every push.

mod common;
use common::Rng;
use srtlog_formats::line::normalize;
use srtlog_formats::sglang::decode_line;

const SEEDS: &[&str] = &[
    "[2025-10-20 12:06:03 TP0] Prefill batch. #new-seq: 9, #new-token: 479, #cached-token: 6021, token usage: 0.01, #running-req: 0, #queue-req: 0, #prealloc-req: 0, #inflight-req: 1, input throughput (token/s): 5543.55, ",
    "[2026-09-24 01:50:43.001 DP0 TP0 EP0] Decode batch [40], #running-req: 1, #token: 532160, token usage: 0.19, accept len: 4.40, accept rate: 0.68, cuda graph: True, gen throughput (token/s): 11.87, #queue-req: 0",
    "2026-07-08T22:28:50.274739Z  INFO scheduler_metrics_mixin.report_prefill_stats: Prefill batch, #new-seq: 1, cache hit rate: 1.50%, fwd occupancy: nan%",
    "[2025-10-20 12:02:55 TP1] KV Cache is allocated. #tokens: 2688964, K size: 44.27 GB, V size: 44.27 GB",
    "[2025-10-20 12:01:06] server_args=ServerArgs(model_path='/m', tp_size=4, dp_size=1, disaggregation_mode='prefill')",
    "[CMD] python -m sglang.launch_server --model-path /m --tp-size 8 --dp=2 --enable-dp-attention",
    "\x1b[2m2025-10-20 12:00:44\x1b[0m \x1b[32m INFO\x1b[0m sglang_router_rs::server: src/server.rs: 827: x\rCapturing 1%|",
    "Capturing batches (bs=512 avail_mem=58.25 GB):   0%| 0/52 [00:00<?, ?it/s][2025-10-24 10:32:57 DP7 TP7] Capture cuda graph begin. avail mem=58.60 GB",
];

#[test]
fn mutated_lines_never_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let specials = [
        b'[', b']', b',', b':', b' ', b'.', b'%', b'\r', 0x1b, 0, 0xff, b'#', b'-', b'9',
    ];
    let mut scratch = Vec::new();
    let mut decoded = 0usize;
    for _ in 0..200_000 {
        let mut l = SEEDS[rng.below(SEEDS.len())].as_bytes().to_vec();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(l.len() + 1);
            match rng.below(5) {
                0 if at < l.len() => l[at] = rng.next() as u8,
                1 => l.insert(at, specials[rng.below(specials.len())]),
                2 => l.truncate(at),
                3 if at < l.len() => {
                    l.remove(at);
                }
                _ => {
                    let other = SEEDS[rng.below(SEEDS.len())].as_bytes();
                    let from = rng.below(other.len());
                    l.splice(at..at, other[from..].iter().copied().take(40));
                }
            }
        }
        let line = normalize(&l, &mut scratch);
        if !matches!(decode_line(line), srtlog_formats::sglang::Record::Noise) {
            decoded += 1;
        }
    }
    // Most mutants still carry a recognisable prefix: the test exercised the
    // decoder, not just the noise path.
    assert!(decoded > 100_000, "{decoded}");
}

/// The memo of a loop over a log's lines ([`DecodeMemo`]) changes the work,
/// never the record: every line, decoded with one memo carried from line to
/// line, gives the record the plain decoder gives. Unmutated lines come in
/// between the mutants, so the memo holds the real shapes (keys by item,
/// rank tags) when a mutant that differs from them by a byte arrives.
#[test]
fn memoised_decoding_equals_plain_decoding() {
    use srtlog_formats::sglang::{with_decoded_memo, DecodeMemo};
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let specials = [b',', b':', b' ', b'.', b'#', b'9', b'T', b'E'];
    let mut memo = DecodeMemo::default();
    let mut scratch = Vec::new();
    let mut batches = 0usize;
    for i in 0..60_000 {
        let mut l = SEEDS[rng.below(SEEDS.len())].as_bytes().to_vec();
        if i % 2 == 1 {
            for _ in 0..1 + rng.below(3) {
                let at = rng.below(l.len() + 1);
                match rng.below(4) {
                    0 if at < l.len() => l[at] = specials[rng.below(specials.len())],
                    1 => l.insert(at, specials[rng.below(specials.len())]),
                    2 => l.truncate(at),
                    _ if at < l.len() => {
                        l.remove(at);
                    }
                    _ => {}
                }
            }
        }
        let line = normalize(&l, &mut scratch);
        let plain = decode_line(line);
        let with_memo = with_decoded_memo(line, &mut memo, |r| format!("{r:?}"));
        assert_eq!(
            format!("{plain:?}"),
            with_memo,
            "{}",
            String::from_utf8_lossy(line)
        );
        batches += usize::from(matches!(plain, srtlog_formats::sglang::Record::Batch(_)));
    }
    assert!(batches > 10_000, "{batches}");
}
