//! vLLM files cut into parallel chunks must parse exactly as one sequential
//! pass: the year is counted across chunk boundaries (December 31 → January
//! 1 inside a chunk and between two chunks), and a statistics line keeps the
//! SpecDecoding line after it when a boundary falls between them (plain
//! ranges and the blocks of a compressed stream alike).

// Test helpers may panic on unexpected input: that is how a test fails.
#![allow(clippy::unwrap_used)]

use srtlog_table::arrow_array::cast::AsArray;
use srtlog_table::arrow_array::types::{
    Float64Type, Int32Type, TimestampMicrosecondType, UInt64Type,
};
use srtlog_table::arrow_array::Array;
use srtlog_workers::discover::WorkerFile;
use srtlog_workers::worker::{parse_files, ParseOptions, WorkerLog};
use std::fmt::Write as _;
use std::path::Path;
use std::sync::atomic::AtomicU64;

/// A V1 log from December 31 23:58 into January 1, a statistics line every
/// second with its SpecDecoding line, access lines, and (with `date`) a
/// FlashInfer line carrying the full date near the end.
fn log(seconds: u32, date: bool) -> String {
    let mut s = String::new();
    writeln!(s, "(APIServer pid=7) INFO 12-31 23:57:00 [api_utils.py:339]  ▄▄ ▄█ █     █     █ ▀▄▀ █  version 0.25.1\r").unwrap();
    for i in 0..seconds {
        let t = 23 * 3600 + 58 * 60 + i;
        let (md, t) = if t >= 86_400 {
            ("01-01", t - 86_400)
        } else {
            ("12-31", t)
        };
        let hms = format!("{:02}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60);
        if i % 3 == 0 {
            writeln!(s, "(APIServer pid=7) INFO:     127.0.0.1:{} - \"POST /v1/chat/completions HTTP/1.1\" 200 OK", 40000 + i).unwrap();
        }
        writeln!(s, "(APIServer pid=7) INFO {md} {hms} [loggers.py:273] Engine 000: Avg prompt throughput: {}.0 tokens/s, Avg generation throughput: 2.5 tokens/s, Running: {} reqs, Waiting: 0 reqs, GPU KV cache usage: 0.7%, Prefix cache hit rate: 61.8%", i, i % 7).unwrap();
        writeln!(s, "(APIServer pid=7) INFO {md} {hms} [metrics.py:120] SpecDecoding metrics: Mean acceptance length: 2.83, Accepted throughput: 17.90 tokens/s, Drafted throughput: 146.97 tokens/s, Accepted: {i} tokens, Drafted: 1470 tokens, Per-position acceptance rate: 0.786, 0.490, 0.286, Avg Draft acceptance rate: 12.2%").unwrap();
        if date && i + 5 == seconds {
            writeln!(s, "(EngineCore pid=8) 2026-01-01 00:{:02}:00,181 - INFO - autotuner.py:651 - flashinfer.jit: x", (i / 60) % 60).unwrap();
        }
    }
    s
}

/// `(line, timestamp, record key, accept_len)` of every row.
type Row = (u64, i64, i32, Option<f64>);

fn parse(path: &Path, chunk_bytes: usize, year: Option<i32>) -> (WorkerLog, Vec<Row>) {
    let f = WorkerFile::from_path(path).unwrap();
    assert_eq!(f.backend, srtlog_workers::Backend::Vllm);
    let opts = ParseOptions {
        keep_table: true,
        chunk_bytes,
        year,
    };
    let mut out = None;
    parse_files(&[f], &opts, &AtomicU64::new(0), |w| {
        out = Some(w);
        Ok(())
    })
    .unwrap();
    let w = out.unwrap();
    let mut rows = Vec::new();
    for b in &w.table {
        let line = b
            .column_by_name("line")
            .unwrap()
            .as_primitive::<UInt64Type>();
        let ts = b
            .column_by_name("timestamp")
            .unwrap()
            .as_primitive::<TimestampMicrosecondType>();
        let rec = b
            .column_by_name("record")
            .unwrap()
            .as_dictionary::<Int32Type>();
        let acc = b
            .column_by_name("accept_len")
            .unwrap()
            .as_primitive::<Float64Type>();
        for i in 0..b.num_rows() {
            rows.push((
                line.value(i),
                ts.value(i),
                rec.keys().value(i),
                acc.is_valid(i).then(|| acc.value(i)),
            ));
        }
    }
    (w, rows)
}

fn iso(us: i64) -> String {
    srtlog_formats::Timestamp(us).to_string()
}

#[test]
fn new_year_and_companions_across_tiny_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("vllm.log");
    std::fs::write(&p, log(300, false)).unwrap();
    let (w, whole) = parse(&p, 64 << 20, Some(2025));
    assert_eq!(w.stats_lines(), 300);
    assert_eq!(whole.len(), 300, "one row per statistics line");
    assert!(
        whole.iter().all(|r| r.2 == 2 && r.3 == Some(2.83)),
        "SpecDecoding merged"
    );
    assert_eq!(iso(whole[0].1), "2025-12-31T23:58:00");
    assert_eq!(iso(whole[119].1), "2025-12-31T23:59:59");
    assert_eq!(iso(whole[120].1), "2026-01-01T00:00:00");
    assert_eq!(iso(whole[299].1), "2026-01-01T00:02:59");
    let (a, b) = w.stats_time_range().unwrap();
    assert_eq!(
        (iso(a.0), iso(b.0)),
        ("2025-12-31T23:58:00".into(), "2026-01-01T00:02:59".into())
    );
    assert_eq!(w.stats.access.get(&200), Some(&100));
    let per_s: u32 = w.access_per_second().iter().map(|(_, n)| n).sum();
    assert_eq!(per_s, 100, "every access line follows a dated line");
    let first = w.access_per_second()[0];
    assert_eq!(
        (iso(first.0 .0), first.1),
        ("2025-12-31T23:57:00".into(), 1),
        "dated by the banner line"
    );
    // Chunk sizes that cut between statistics lines and their companions,
    // and between December and January.
    for chunk in [200, 333, 512, 777, 1024, 4096, 20_000] {
        let (wc, rows) = parse(&p, chunk, Some(2025));
        assert_eq!(rows, whole, "chunk_bytes {chunk}");
        assert_eq!(wc.stats_lines(), 300);
        assert_eq!(wc.stats.spec_lines, 300);
        assert_eq!(wc.stats.lines, w.stats.lines);
        assert_eq!(wc.stats_time_range(), w.stats_time_range());
        assert_eq!(wc.stats.access, w.stats.access);
        assert_eq!(
            wc.access_per_second(),
            w.access_per_second(),
            "chunk_bytes {chunk}"
        );
    }
}

#[test]
fn year_from_a_date_near_the_end_whatever_the_chunking() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("vllm.log");
    std::fs::write(&p, log(300, true)).unwrap();
    // One chunk: the date is seen while scanning. Tiny chunks: the first
    // chunk has no date and the end of the file is read for one.
    for chunk in [64 << 20, 300] {
        let (w, rows) = parse(&p, chunk, None);
        let y = w.year.unwrap();
        assert_eq!(
            (y.base, y.source.as_str()),
            (2025, "file"),
            "chunk_bytes {chunk}"
        );
        assert_eq!(iso(rows[0].1), "2025-12-31T23:58:00");
        assert_eq!(iso(rows.last().unwrap().1), "2026-01-01T00:02:59");
        assert!(w.warnings.is_empty(), "{:?}", w.warnings);
    }
}

#[test]
fn gzip_blocks_keep_companions_with_their_statistics_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("vllm.log");
    // Over two 4 MiB blocks of the streamed reader.
    let text = log(86_400 / 4, false);
    assert!(text.len() > 9 << 20);
    std::fs::write(&p, &text).unwrap();
    let gz = dir.path().join("vllm.log.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut enc, text.as_bytes()).unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    let (w, plain) = parse(&p, 1 << 20, Some(2025));
    let (wz, zipped) = parse(&gz, 1 << 20, Some(2025));
    assert_eq!(w.stats_lines(), 21_600);
    assert_eq!(plain.len(), 21_600);
    assert!(plain.iter().all(|r| r.2 == 2 && r.3.is_some()));
    assert_eq!(zipped, plain);
    assert_eq!(wz.stats.lines, w.stats.lines);
    assert_eq!(iso(plain.last().unwrap().1), "2026-01-01T05:57:59");
}
