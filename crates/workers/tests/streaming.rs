//! Rows streamed before a file is complete: the duplicate flags must still
//! end up exact in the cache when a file's rank layout changes after its
//! first chunk (regression test for the streaming cache writer).

// Test helpers may panic on unexpected input: that is how a test fails.
#![allow(clippy::unwrap_used)]

use srtlog_table::arrow_array::cast::AsArray;
use srtlog_table::arrow_array::types::Int32Type;
use srtlog_workers::run::{parse_run, CacheStatus, ParseRequest};
use srtlog_workers::worker::{parse_files_streaming, ParseOptions};
use std::fmt::Write as _;
use std::sync::atomic::AtomicU64;

/// TP1 prints alone for a while, then TP0 (the scheduler's primary rank)
/// joins: every TP1 line is a duplicate, but the first chunk cannot know.
fn late_primary_log() -> String {
    let mut s = String::new();
    for i in 0..200 {
        writeln!(s, "[2025-12-08 14:{:02}:{:02} TP1] Decode batch, #running-req: 3, #token: {i}, token usage: 0.01, gen throughput (token/s): 12.50, #queue-req: 0, ", i / 60, i % 60).unwrap();
    }
    for i in 0..200 {
        let t = 200 + i;
        writeln!(s, "[2025-12-08 14:{:02}:{:02} TP0] Decode batch, #running-req: 3, #token: {i}, token usage: 0.01, gen throughput (token/s): 12.50, #queue-req: 0, ", t / 60, t % 60).unwrap();
        writeln!(s, "[2025-12-08 14:{:02}:{:02} TP1] Decode batch, #running-req: 3, #token: {i}, token usage: 0.01, gen throughput (token/s): 12.50, #queue-req: 0, ", t / 60, t % 60).unwrap();
    }
    s
}

#[test]
fn late_primary_rank_is_reported_and_the_cache_is_exact() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let f = logs.join("n1_decode_w0.out");
    std::fs::write(&f, late_primary_log()).unwrap();
    let opts = ParseOptions {
        keep_table: true,
        chunk_bytes: 4096,
        ..ParseOptions::default()
    };

    let files = srtlog_workers::discover::discover(&[dir.path().to_path_buf()])
        .unwrap()
        .files;
    let mut exact_flags = Vec::new();
    parse_files_streaming(
        &files,
        &opts,
        &AtomicU64::new(0),
        |_, _| Ok(()),
        |w, exact| {
            assert_eq!(
                w.batch_lines(srtlog_formats::sglang::BatchKind::Decode),
                600
            );
            assert_eq!(
                w.batches(srtlog_formats::sglang::BatchKind::Decode),
                200,
                "TP0 lines only"
            );
            exact_flags.push(exact);
            Ok(())
        },
    )
    .unwrap();
    assert_eq!(exact_flags, vec![false]);

    let req = ParseRequest {
        paths: vec![dir.path().to_path_buf()],
        use_cache: true,
        options: opts,
        series: None,
    };
    let out = parse_run(&req, &AtomicU64::new(0)).unwrap();
    let CacheStatus::Written(pq) = out.cache else {
        panic!("{:?}", out.cache)
    };
    let batches = srtlog_table::parquet_io::read_parquet(&pq, Some(&["tp", "duplicate"])).unwrap();
    let (mut dups, mut rows) = (0, 0);
    for b in &batches {
        let tp = b.column(0).as_primitive::<Int32Type>();
        let dup = b.column(1).as_boolean();
        for i in 0..b.num_rows() {
            rows += 1;
            assert_eq!(dup.value(i), tp.value(i) == 1, "row {rows}");
            dups += usize::from(dup.value(i));
        }
    }
    assert_eq!((rows, dups), (600, 400));
}
