//! An AIPerf line longer than the cap (issue 17 item 4) is skipped and
//! counted as a bad line with its number, in plain and gzip files. Alone in
//! its test binary, since the cap is set for the whole process.

#![allow(clippy::unwrap_used)]

use srtlog_aiperf::{analyze_path, set_max_line_bytes, AiperfOptions, Outcome};
use srtlog_sim::aiperf::{write_aiperf_export, AiperfConfig};
use std::io::Write;
use std::sync::atomic::AtomicU64;

#[test]
fn overlong_lines_are_bad_lines_with_their_number() {
    set_max_line_bytes(1 << 20);
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("profile_export.jsonl");
    let cfg = AiperfConfig {
        records: 0,
        target_bytes: Some(1 << 20),
        ..AiperfConfig::default()
    };
    let truth = write_aiperf_export(&p, &cfg).unwrap();
    let text = std::fs::read_to_string(&p).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // A 3 MiB line of zeros as line 6, and a line without `\n` at the end.
    lines.insert(5, "0".repeat(3 << 20));
    let mut all = lines.join("\n") + "\n";
    all.push_str(&"0".repeat(5 << 20));
    std::fs::write(&p, &all).unwrap();
    let gz = d.path().join("gz/profile_export.jsonl.gz");
    std::fs::create_dir(gz.parent().unwrap()).unwrap();
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(all.as_bytes()).unwrap();
    std::fs::write(&gz, e.finish().unwrap()).unwrap();
    for f in [p, gz] {
        let Outcome::Run(a) =
            analyze_path(&f, AiperfOptions::default(), &AtomicU64::new(0)).unwrap()
        else {
            panic!()
        };
        assert_eq!(a.input.records, truth.records, "{f:?}");
        assert_eq!(a.input.bad_json, 2, "{f:?}");
        let at: Vec<u64> = a.input.bad_examples.iter().map(|b| b.line).collect();
        assert_eq!(at, [6, lines.len() as u64 + 1], "{f:?}");
    }
}
