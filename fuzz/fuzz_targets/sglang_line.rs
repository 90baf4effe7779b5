//! Fuzzes line normalisation and the SGLang decoder: any bytes, no panic.
//! Run from `fuzz/`: `cargo fuzz run sglang_line corpus/sglang_line seeds/sglang_line
//! --sanitizer none -- -max_total_time=300` (safe Rust needs no ASan; the
//! default ASan build needs a nightly compiler).
#![no_main]

use libfuzzer_sys::fuzz_target;
use srtlog_formats::line::normalize;
use srtlog_formats::sglang::{decode_line, Record};

fuzz_target!(|data: &[u8]| {
    let mut scratch = Vec::new();
    for raw in data.split(|&b| b == b'\n') {
        let line = normalize(raw, &mut scratch);
        if let Record::Batch(b) = decode_line(line) {
            // Touch every decoded value so nothing is optimised away.
            let mut acc = 0.0;
            for i in 0..srtlog_formats::sglang::NFIELDS {
                acc += b.values.get_index(i).unwrap_or(0.0);
            }
            std::hint::black_box(acc);
            std::hint::black_box(b.extras.iter().count());
        }
    }
});
