//! Fuzzes the per-request JSON-lines decoder (every schema, the
//! non-standard-token rewrite, field mapping): any bytes, no panic.
//! Run from `fuzz/`: `cargo fuzz run request_line --sanitizer none --
//! -max_total_time=300`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use srtlog_formats::requests::flat::parse_flat_fast;
use srtlog_formats::requests::{decode_line, FieldMap, Flat, Num};

fuzz_target!(|data: &[u8]| {
    let mut map = FieldMap::default();
    // A mapping with a scale, so the custom-lookup path is fuzzed too.
    let _ = map.add("latency_ms=duration*1000");
    for raw in data.split(|&b| b == b'\n') {
        // Differential: the fast flat scanner accepts only what serde_json
        // accepts, with the same number of fields.
        if let Some(fast) = parse_flat_fast(raw) {
            let slow: Flat<'_> =
                serde_json::from_slice(raw).expect("fast path accepted invalid JSON");
            assert_eq!(fast.fields.len(), slow.fields.len());
        }
        for m in [&FieldMap::default(), &map] {
            if let Ok(Some(r)) = decode_line(raw, m) {
                std::hint::black_box(r.num(Num::LatencyMs));
                std::hint::black_box(r.extra.len());
                std::hint::black_box(r.into_owned());
            }
        }
    }
});
