//! Fuzzes the AIPerf record decoder (every schema generation, both metric
//! value shapes, the three trace-data layouts, the non-standard-token
//! rewrite) and the summary parsers: any bytes, no panic.
//! Run from `fuzz/`: `cargo fuzz run aiperf_record --sanitizer none --
//! -max_total_time=300`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use srtlog_formats::aiperf::{decode_record, parse_summary_csv, parse_summary_json, Metric};

fuzz_target!(|data: &[u8]| {
    let mut scratch = Vec::new();
    for raw in data.split(|&b| b == b'\n') {
        if let Ok(Some(r)) = decode_record(raw, &mut scratch) {
            std::hint::black_box(r.metrics.get(Metric::Ttft));
            std::hint::black_box(r.error_type());
            if let Some(t) = &r.trace {
                std::hint::black_box((t.ttfb(), t.ttlb(), t.sending(), t.receiving()));
            }
        }
    }
    let _ = parse_summary_json(data);
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = parse_summary_csv(s);
    }
});
