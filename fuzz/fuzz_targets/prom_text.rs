//! Fuzzes the Prometheus/OpenMetrics parser: any bytes, no panic, every
//! label pair readable and unescapable, every sample line either kept or
//! reported. Run from `fuzz/`: `cargo fuzz run prom_text corpus/prom_text
//! seeds/prom_text --sanitizer none -- -max_total_time=300`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use srtlog_formats::prom;

fuzz_target!(|data: &[u8]| {
    let e = prom::parse(data);
    let mut acc = 0usize;
    for f in &e.families {
        acc += f.series_count();
        if let Some(h) = f.help() {
            acc += h.len();
        }
        for s in &f.samples {
            for (n, v) in s.labels.iter() {
                acc += n.len() + v.unescape().len();
            }
            std::hint::black_box(s.suffix(f.name));
        }
    }
    assert!(e.diagnostics.len() as u64 <= e.malformed);
    std::hint::black_box(acc);
});
