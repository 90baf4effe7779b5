//! One pass over each worker log: pattern hits and the batch series.
//!
//! A file is read through `srtlog_io::open::open_decoded` (plain, gzip,
//! zstd) in blocks of whole lines. Each block is searched once for every
//! needle of [`crate::patterns::PATTERNS`] and decoded once by the worker-log
//! scanner (`srtlog_workers::scan`, formats.md §1 and §2) into a
//! [`Series`] sink: per-second bins per (batch kind, DP rank or engine), so
//! memory grows with the run's duration, never with its lines. No Arrow
//! table is built. Files and their byte ranges are read through the shared
//! block engine (`srtlog_io::blocks`): parsed in parallel, merged in file
//! order.

use crate::finding::evidence_text;
use crate::patterns::{Matcher, Rule, PATTERNS};
use crate::series::{Kind, Sample, Series};
use srtlog_formats::line::normalize;
use srtlog_formats::sglang::BatchRecord;
use srtlog_formats::sglang::MemoryRecord;
use srtlog_formats::vllm::StatsRecord;
use srtlog_io::blocks::{self, BlockJob, BlockOptions};
use srtlog_table::node_metrics::LocalTime;
use srtlog_workers::discover::WorkerFile;
use srtlog_workers::scan::{scan_buffer_as, RecordSink, ServerConfig};
use srtlog_workers::{Backend, WorkerType};
use std::sync::atomic::AtomicU64;

/// Decoded bytes per block of a compressed log.
pub const BLOCK: usize = 8 << 20;
/// Longest line kept (a worker-log line is at most kilobytes; a longer one
/// is counted as overlong by the block engine and skipped).
pub const MAX_LINE_BYTES: usize = 1 << 20;
/// Plain files larger than this are cut into ranges of this size, scanned in
/// parallel and merged in order (as the worker-log parser does), so that one
/// large file uses every core.
pub const RANGE: usize = 16 << 20;
/// vLLM prints no year (formats.md §2.1); its times are placed in this leap
/// year, which only differences between them use.
pub const VLLM_YEAR: i32 = 2024;
/// Bytes searched backwards for a timestamp when a matching line has none
/// (a traceback line takes the time of the log line above it).
const LOOK_BACK: usize = 64 << 10;

/// The first line of a pattern hit.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    /// 1-based line number.
    pub line: u64,
    /// The line's text (trimmed).
    pub text: String,
    /// Time of the line, or of the nearest line above it with a time (µs).
    pub at_us: Option<i64>,
}

/// What one row of the pattern table matched in one file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RowHits {
    /// Lines matched before any shutdown marker.
    pub count: u64,
    /// The first of them.
    pub first: Option<Hit>,
    /// Lines matched after the shutdown marker.
    pub count_shutdown: u64,
    /// The first of them.
    pub first_shutdown: Option<Hit>,
    /// [`Rule::EndsServing`]: lines matched after the last batch line so far.
    pub count_after_serving: u64,
    /// The first of them.
    pub first_after_serving: Option<Hit>,
    last_line: u64,
}

/// Everything one pass learnt about one worker log.
#[derive(Clone, Debug)]
pub struct FileScan {
    /// The file.
    pub source: WorkerFile,
    /// Its path as displayed.
    pub name: String,
    /// Lines read.
    pub lines: u64,
    /// Per row of [`PATTERNS`], in table order.
    pub rows: Vec<RowHits>,
    /// Line of the first shutdown marker.
    pub shutdown_line: Option<u64>,
    /// Line of the last batch or statistics line (0: none).
    pub last_serving_line: u64,
    /// The batch series.
    pub series: Series,
    /// First and last time of any line with a timestamp (µs).
    pub first_us: Option<i64>,
    /// Last time seen.
    pub last_us: Option<i64>,
    /// The server said it was ready (vLLM).
    pub server_ready: bool,
    /// Access lines with a 2xx status.
    pub access_ok: u64,
    /// The configuration read from the log.
    pub config: ServerConfig,
    /// The last non-empty line.
    pub last_line: Option<(u64, String)>,
    /// Why the file could not be read (completely).
    pub error: Option<String>,
    /// The year of the file's first dated line (for PyTorch's year-less
    /// glog prefix); [`VLLM_YEAR`] when no line has a date.
    pub year: i32,
}

impl FileScan {
    /// The worker's type: from its name, its configuration, or what it
    /// served.
    pub fn worker_type(&self) -> WorkerType {
        if let Some(t) = self.source.declared_type {
            return t;
        }
        match self.config.disaggregation_mode.as_deref() {
            Some("prefill") => return WorkerType::Prefill,
            Some("decode") => return WorkerType::Decode,
            _ => {}
        }
        let p = self.series.lines(Kind::Prefill) > 0;
        let d = self.series.lines(Kind::Decode) > 0 || self.series.lines(Kind::Stats) > 0;
        match (p, d) {
            (true, false) => WorkerType::Prefill,
            (false, true) | (true, true) => WorkerType::Agg,
            (false, false) => WorkerType::Unknown,
        }
    }

    /// Appends the scan of the next range of the same file: line numbers
    /// shift by this scan's lines, and hits are judged against the shutdown
    /// and last batch lines of the ranges before, as one sequential pass
    /// would judge them.
    pub fn merge_next(&mut self, mut o: FileScan) {
        let base = self.lines;
        let carried = self.last_us;
        for r in &mut o.rows {
            for h in [
                &mut r.first,
                &mut r.first_shutdown,
                &mut r.first_after_serving,
            ]
            .into_iter()
            .flatten()
            {
                h.line += base;
                h.at_us = h.at_us.or(carried);
            }
        }
        let shut_before = self.shutdown_line.is_some();
        for ((a, b), p) in self.rows.iter_mut().zip(o.rows).zip(PATTERNS) {
            if b.last_line > 0 {
                a.last_line = b.last_line + base;
            }
            if o.last_serving_line > 0 {
                a.count_after_serving = 0;
                a.first_after_serving = None;
            }
            let judged = matches!(p.rule, Rule::NotDuringShutdown | Rule::EndsServing);
            if shut_before && judged {
                a.count_shutdown += b.count + b.count_shutdown;
                let first = match (b.first, b.first_shutdown) {
                    (Some(x), Some(y)) => Some(if x.line < y.line { x } else { y }),
                    (x, y) => x.or(y),
                };
                a.first_shutdown = a.first_shutdown.take().or(first);
                continue;
            }
            a.count += b.count;
            a.first = a.first.take().or(b.first);
            a.count_shutdown += b.count_shutdown;
            a.first_shutdown = a.first_shutdown.take().or(b.first_shutdown);
            a.count_after_serving += b.count_after_serving;
            a.first_after_serving = a.first_after_serving.take().or(b.first_after_serving);
        }
        self.shutdown_line = self.shutdown_line.or(o.shutdown_line.map(|l| l + base));
        if o.last_serving_line > 0 {
            self.last_serving_line = o.last_serving_line + base;
        }
        self.series.merge_next(o.series, base);
        self.first_us = self.first_us.or(o.first_us);
        self.last_us = self.last_us.max(o.last_us);
        self.server_ready |= o.server_ready;
        self.access_ok += o.access_ok;
        self.config.merge(&o.config);
        if let Some((l, t)) = o.last_line {
            self.last_line = Some((l + base, t));
        }
        self.error = self.error.take().or(o.error);
        self.lines += o.lines;
    }

    /// The hits of the row `id`.
    pub fn row(&self, id: &str) -> Option<&RowHits> {
        let i = PATTERNS.iter().position(|p| p.id == id)?;
        self.rows.get(i)
    }
}

/// The sink the worker-log scanner feeds: batch and statistics records into
/// the series, with the line of the last one.
struct Sink<'a> {
    series: &'a mut Series,
    base: u64,
    last_line: u64,
    first_us: Option<i64>,
    matcher: &'a Matcher,
    /// Pattern hits: offset in the buffer, line within the buffer, row.
    hits: Vec<(usize, u64, usize)>,
}

impl RecordSink for Sink<'_> {
    #[inline]
    fn batch(&mut self, line: u64, r: &BatchRecord<'_>) {
        let t = r.prefix.ts.0;
        self.first_us.get_or_insert(t);
        self.last_line = self.base + line;
        self.series.push(Sample {
            line: self.base + line,
            ..Sample::from_batch(r)
        });
    }
    #[inline]
    fn memory(&mut self, _: u64, _: &MemoryRecord) {}
    #[inline]
    fn other_line(&mut self, line: u64, start: usize, raw: &[u8]) {
        let hits = &mut self.hits;
        self.matcher
            .for_each(raw, |off, row| hits.push((start + off, line, row)));
    }
    #[inline]
    fn stats(&mut self, line: u64, r: &StatsRecord<'_>, at: LocalTime, _pid: Option<u32>) {
        let Some(t) = at.at.with_year(VLLM_YEAR) else {
            return;
        };
        self.first_us.get_or_insert(t.0);
        self.last_line = self.base + line;
        self.series.push(Sample {
            line: self.base + line,
            ..Sample::from_stats(r, t.0)
        });
    }
}

/// The time printed at the start of a line: SGLang's dated prefix, or a
/// year-less one placed in `year`: vLLM's `MM-DD hh:mm:ss` or PyTorch's
/// glog prefix (`[E1031 17:03:22.678…`).
pub fn line_time(raw: &[u8], year: i32, scratch: &mut Vec<u8>) -> Option<i64> {
    let line = normalize(raw, scratch);
    if let Some((p, _)) = srtlog_formats::sglang::split_prefix(line) {
        if p.has_date {
            return Some(p.ts.0);
        }
    }
    if let Some((p, _)) = srtlog_formats::vllm::split_prefix(line) {
        return p.at.with_year(year).map(|t| t.0);
    }
    glog_time(line, year)
}

/// `[E1031 17:03:22.678535136 File.cpp:674]`, possibly after `[rank6]:`.
fn glog_time(line: &[u8], year: i32) -> Option<i64> {
    let start = if line.starts_with(b"[rank") {
        memchr::memmem::find(line, b"]:[")? + 3
    } else {
        usize::from(line.first() == Some(&b'['))
    };
    let s = line.get(start..start + 14)?;
    if !matches!(s[0], b'E' | b'W' | b'I' | b'F') || s[5] != b' ' || s[8] != b':' || s[11] != b':' {
        return None;
    }
    let d = |i: usize| -> Option<u32> {
        let (a, b) = (s[i], s[i + 1]);
        (a.is_ascii_digit() && b.is_ascii_digit())
            .then(|| u32::from(a - b'0') * 10 + u32::from(b - b'0'))
    };
    srtlog_formats::Timestamp::from_civil(year, d(1)?, d(3)?, d(6)?, d(9)?, d(12)?, 0).map(|t| t.0)
}

/// Scans one worker file with the default block sizes.
pub fn scan_file(f: &WorkerFile, matcher: &Matcher) -> FileScan {
    scan_files(
        std::slice::from_ref(f),
        matcher,
        &block_options(RANGE, BLOCK),
    )
    .pop()
    .unwrap_or_else(|| empty_scan(f))
}

/// The block engine's options for a check: plain files cut into `range`
/// bytes, streams decoded `block` bytes at a time and parsed in parallel.
pub fn block_options(range: usize, block: usize) -> BlockOptions {
    BlockOptions {
        block_bytes: range.max(1),
        stream_block_bytes: block.max(1),
        max_line: MAX_LINE_BYTES,
        ..BlockOptions::default()
    }
}

/// Scans `files` through the shared block engine (`srtlog_io::blocks`):
/// blocks of every file parsed in parallel, merged in file order, one
/// [`FileScan`] per file in the order given.
pub fn scan_files(files: &[WorkerFile], matcher: &Matcher, opts: &BlockOptions) -> Vec<FileScan> {
    let job = CheckJob {
        files,
        matcher,
        years: files.iter().map(|f| empty_scan(f).year).collect(),
    };
    let paths: Vec<std::path::PathBuf> = files.iter().map(|f| f.path.clone()).collect();
    let mut out: Vec<Option<FileScan>> = files.iter().map(|_| None).collect();
    let merged: Result<(), std::convert::Infallible> =
        blocks::run(&paths, &job, opts, &AtomicU64::new(0), |task| {
            let slot = &mut out[task.file];
            for b in task.blocks {
                match slot {
                    None => *slot = Some(b.out),
                    Some(fs) => fs.merge_next(b.out),
                }
            }
            if let Some(w) = task.warning {
                let fs = slot.get_or_insert_with(|| empty_scan(&files[task.file]));
                fs.error = Some(w.message);
            }
            Ok(())
        });
    if let Err(never) = merged {
        match never {}
    }
    out.into_iter()
        .zip(files)
        .map(|(s, f)| s.unwrap_or_else(|| empty_scan(f)))
        .collect()
}

/// Scans a plain file in byte ranges of `range` bytes (the tests use small
/// ranges to cross many boundaries).
pub fn scan_file_in_ranges(f: &WorkerFile, matcher: &Matcher, range: usize) -> FileScan {
    scan_files(
        std::slice::from_ref(f),
        matcher,
        &block_options(range, BLOCK),
    )
    .pop()
    .unwrap_or_else(|| empty_scan(f))
}

/// Scans one worker file, reading `block` bytes at a time, whether plain or
/// compressed (the tests use small blocks to cross many boundaries).
pub fn scan_file_in_blocks(f: &WorkerFile, matcher: &Matcher, block: usize) -> FileScan {
    scan_files(
        std::slice::from_ref(f),
        matcher,
        &block_options(block, block),
    )
    .pop()
    .unwrap_or_else(|| empty_scan(f))
}

/// The check as a job of the block engine: each block is scanned on its
/// own (line numbers from 1) and [`FileScan::merge_next`] shifts them.
struct CheckJob<'a> {
    files: &'a [WorkerFile],
    matcher: &'a Matcher,
    years: Vec<i32>,
}

impl BlockJob for CheckJob<'_> {
    type Out = FileScan;

    fn parse(&self, file: usize, block: &[u8], _last: bool) -> FileScan {
        let mut fs = empty_scan_in(&self.files[file], self.years[file]);
        if !block.is_empty() {
            scan_block(&mut fs, block, self.matcher);
        }
        fs.series.finish();
        fs
    }

    /// The worker-log scan inside `scan_block` counts physical lines (an
    /// unterminated last one too), so the engine need not count `\n` again:
    /// the same shortcut the worker-log job takes.
    fn newlines(&self, block: &[u8], out: &FileScan) -> Option<u64> {
        let unterminated = !block.is_empty() && block.last() != Some(&b'\n');
        Some(out.lines.saturating_sub(u64::from(unterminated)))
    }
}

/// A scan of nothing yet.
fn empty_scan(f: &WorkerFile) -> FileScan {
    // vLLM files keep the sink's year-less clock; SGLang files place the
    // year-less lines of the libraries they import in their own year.
    let year = match f.backend {
        Backend::Vllm => VLLM_YEAR,
        Backend::Sglang => head_year(&f.path).unwrap_or(VLLM_YEAR),
    };
    empty_scan_in(f, year)
}

/// A scan of nothing yet, with the year of the file's year-less lines.
fn empty_scan_in(f: &WorkerFile, year: i32) -> FileScan {
    FileScan {
        source: f.clone(),
        name: f.path.display().to_string(),
        lines: 0,
        rows: vec![RowHits::default(); PATTERNS.len()],
        shutdown_line: None,
        last_serving_line: 0,
        series: Series::default(),
        first_us: None,
        last_us: None,
        server_ready: false,
        access_ok: 0,
        config: ServerConfig::default(),
        last_line: None,
        error: None,
        year,
    }
}

/// Scans one block of whole lines.
fn scan_block(fs: &mut FileScan, buf: &[u8], matcher: &Matcher) {
    let base = fs.lines;
    // The patterns are matched inside the scan, on the lines that are not
    // batch or engine-statistics records: the scan knows each line's number,
    // and the bulk of a log's bytes (the batch lines) is searched once.
    let (st, block_last, first_us, hits) = {
        let mut sink = Sink {
            series: &mut fs.series,
            base,
            last_line: 0,
            first_us: None,
            matcher,
            hits: Vec::new(),
        };
        let st = scan_buffer_as(buf, fs.source.backend, &mut sink);
        (st, sink.last_line, sink.first_us, sink.hits)
    };
    fs.server_ready |= st.server_ready;
    fs.access_ok += st
        .access
        .iter()
        .filter(|(s, _)| (200..300).contains(*s))
        .map(|(_, n)| n)
        .sum::<u64>();
    fs.config.merge(&st.config);
    if fs.first_us.is_none() {
        // The first line with a time, whatever its format.
        fs.first_us = first_time(buf, fs.year, &mut Vec::new())
            .or(st.any_first.map(|t| t.0))
            .or(first_us);
    }
    if block_last > 0 {
        fs.last_serving_line = block_last;
        for r in &mut fs.rows {
            r.count_after_serving = 0;
            r.first_after_serving = None;
        }
    }
    let year = fs.year;
    // A hit with no time above it in this block takes the last time of the
    // blocks before.
    let carried = fs.last_us;
    let mut scratch = Vec::new();
    for (off, line, row) in hits {
        record_hit(
            fs,
            buf,
            off,
            base + line,
            row,
            (year, carried),
            &mut scratch,
        );
    }
    fs.lines = base + st.lines;
    if let Some(t) = last_time(buf, year, &mut scratch) {
        fs.last_us = Some(fs.last_us.map_or(t, |l| l.max(t)));
    }
    let unterminated = !buf.is_empty() && buf.last() != Some(&b'\n');
    if let Some((no, text)) = last_line(buf, st.lines.saturating_sub(u64::from(unterminated))) {
        fs.last_line = Some((base + no, text));
    }
}

fn record_hit(
    fs: &mut FileScan,
    buf: &[u8],
    off: usize,
    line: u64,
    row: usize,
    (year, carried): (i32, Option<i64>),
    scratch: &mut Vec<u8>,
) {
    let p = &PATTERNS[row];
    let r = &mut fs.rows[row];
    if r.last_line == line {
        return;
    }
    r.last_line = line;
    let make = |scratch: &mut Vec<u8>| {
        let s = memchr::memrchr(b'\n', &buf[..off]).map_or(0, |i| i + 1);
        let e = memchr::memchr(b'\n', &buf[off..]).map_or(buf.len(), |i| off + i);
        let mut text_scratch = Vec::new();
        let text = evidence_text(normalize(&buf[s..e], &mut text_scratch));
        Hit {
            line,
            text,
            at_us: time_at_or_above(buf, s, year, scratch).or(carried),
        }
    };
    if p.rule == Rule::ShutdownMarker {
        if fs.shutdown_line.is_none() {
            fs.shutdown_line = Some(line);
        }
        r.count += 1;
        if r.first.is_none() {
            r.first = Some(make(scratch));
        }
        return;
    }
    let in_shutdown = p.rule != Rule::Always && fs.shutdown_line.is_some_and(|s| s < line);
    if in_shutdown {
        r.count_shutdown += 1;
        if r.first_shutdown.is_none() {
            r.first_shutdown = Some(make(scratch));
        }
        return;
    }
    r.count += 1;
    if r.first.is_none() {
        r.first = Some(make(scratch));
    }
    if line > fs.last_serving_line {
        r.count_after_serving += 1;
        if r.first_after_serving.is_none() {
            r.first_after_serving = Some(make(scratch));
        }
    }
}

/// The year of the first SGLang line with a date in the file's first MiB.
fn head_year(path: &std::path::Path) -> Option<i32> {
    let head = srtlog_io::open::read_decoded_head(path, 1 << 20).ok()?;
    let mut scratch = Vec::new();
    head.split(|&b| b == b'\n').find_map(|raw| {
        let line = normalize(raw, &mut scratch);
        let (p, _) = srtlog_formats::sglang::split_prefix(line)?;
        p.has_date
            .then(|| srtlog_formats::Timestamp(p.ts.0).to_civil().0)
    })
}

/// The time of the line starting at `start`, or of the nearest line above
/// it (within [`LOOK_BACK`] bytes) that has one.
fn time_at_or_above(buf: &[u8], start: usize, year: i32, scratch: &mut Vec<u8>) -> Option<i64> {
    let floor = start.saturating_sub(LOOK_BACK);
    let mut s = start;
    loop {
        let e = memchr::memchr(b'\n', &buf[s..]).map_or(buf.len(), |i| s + i);
        if let Some(t) = line_time(&buf[s..e], year, scratch) {
            return Some(t);
        }
        if s <= floor || s == 0 {
            return None;
        }
        s = memchr::memrchr(b'\n', &buf[..s - 1]).map_or(0, |i| i + 1);
    }
}

/// The time of the first line (of the first 2,000) that has one.
fn first_time(buf: &[u8], year: i32, scratch: &mut Vec<u8>) -> Option<i64> {
    buf.split(|&b| b == b'\n')
        .take(2000)
        .find_map(|l| line_time(l, year, scratch))
}

/// The time of the last line (of the last 2,000) that has one.
fn last_time(buf: &[u8], year: i32, scratch: &mut Vec<u8>) -> Option<i64> {
    buf.rsplit(|&b| b == b'\n')
        .take(2000)
        .find_map(|l| line_time(l, year, scratch))
}

/// The last non-empty line of a block and its 1-based number in the block,
/// given the block's count of `\n` (the scan's, so the block is not counted
/// again).
fn last_line(buf: &[u8], newlines: u64) -> Option<(u64, String)> {
    let mut no = newlines + 2;
    for l in buf.rsplit(|&b| b == b'\n') {
        no = no.saturating_sub(1);
        if l.iter().any(|b| !b.is_ascii_whitespace()) {
            let mut scratch = Vec::new();
            return Some((no.max(1), evidence_text(normalize(l, &mut scratch))));
        }
    }
    None
}

/// Whether a file is a vLLM log (for messages).
pub fn is_vllm(f: &FileScan) -> bool {
    f.source.backend == Backend::Vllm
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn glog_times() {
        let t = glog_time(
            b"[rank6]:[E1031 17:03:22.678535136 ProcessGroupNCCL.cpp:674] x",
            2025,
        );
        let want = srtlog_formats::Timestamp::from_civil(2025, 10, 31, 17, 3, 22, 0).unwrap();
        assert_eq!(t, Some(want.0));
        assert!(glog_time(b"[W1019 00:51:18.945707540 TCPStore.cpp:125]", 2025).is_some());
        assert_eq!(glog_time(b"[2025-10-19 00:51:18] x", 2025), None);
    }

    #[test]
    fn last_line_numbers() {
        assert_eq!(last_line(b"a\nb\n\n", 3), Some((2, "b".into())));
        assert_eq!(last_line(b"a\nb", 1), Some((2, "b".into())));
    }
}
