//! Loading request logs: file discovery, parallel decoding, bad-line counts.
//!
//! A folder is walked ([`srtlog_io::walk`](mod@srtlog_io::walk): each file once, symbolic-link
//! loops and FIFOs reported and skipped) for `.jsonl`, `.json`, `.log`,
//! `.txt` and their `.gz`/`.zst` forms (compression is recognised from the
//! magic bytes, as everywhere in srtlog). Files are read by the block engine
//! ([`srtlog_io::blocks`]): a plain file is cut into byte ranges of 4 MiB
//! read by positional I/O into a per-thread buffer (a line belongs to the
//! range it starts in); a compressed file is streamed in 4 MiB blocks, never
//! held whole. Blocks are decoded on rayon's pool a window at a time and
//! their partial tables appended in file and block order, so the row order
//! is the input order. The table is held in memory (about 160 bytes per
//! request for the request-log schema; a file's partial tables and its
//! merged table coexist while merging, so loading peaks at about twice that).
//!
//! A file that cannot be read is reported ([`FileReport::error`]) and the
//! others are read; a line longer than [`MAX_LINE_BYTES`] is skipped and
//! counted as a bad line with its number.

use super::RequestLog;
use crate::columns::{Columns, Keep};
use crate::error::Result;
use serde::Serialize;
use srtlog_formats::requests::{decode_line, FieldMap, LineError, Schema};
use srtlog_io::blocks::{BlockJob, BlockOptions, StreamMode, TaskDone};
use srtlog_io::open::open_decoded;
use srtlog_io::walk::{walk, WalkOptions};
use srtlog_io::Warning;
use srtlog_table::requests::RequestTable;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Chunk size for parallel decoding.
const CHUNK: usize = 4 << 20;
/// The longest request-log line kept, in bytes (16 MiB): a request record
/// with its prompt and output text is kilobytes to a few megabytes; a longer
/// line is skipped and counted as a bad line with its number, so time stays
/// linear and memory bounded whatever the input. Change it with
/// [`set_max_line_bytes`].
pub const MAX_LINE_BYTES: usize = 16 << 20;
static MAX_LINE: AtomicUsize = AtomicUsize::new(MAX_LINE_BYTES);

/// Sets the longest request-log line kept, for every later load in this
/// process.
pub fn set_max_line_bytes(bytes: usize) {
    MAX_LINE.store(bytes.max(1), Ordering::Relaxed);
}
/// Bad lines whose number and reason are kept per file.
pub const FIRST_BAD: usize = 5;

/// Options of [`load`].
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// Field-name mapping for flat logs (`--field`).
    pub fields: FieldMap,
}

/// What was read from one file.
#[derive(Clone, Debug, Default, Serialize)]
pub struct FileReport {
    /// The file.
    pub path: PathBuf,
    /// Bytes after decompression.
    pub bytes: u64,
    /// Non-blank lines.
    pub lines: u64,
    /// Requests decoded.
    pub requests: u64,
    /// Lines that are not JSON objects, or lack the needed fields.
    pub bad_lines: u64,
    /// JSON lines of a known non-request kind (benchmark summaries, GPU
    /// telemetry).
    pub not_per_request: u64,
    /// The first few bad lines: `(line number, reason)`, 1-based.
    pub first_bad: Vec<(u64, String)>,
    /// The file is one JSON document (not JSON lines) and was skipped.
    pub json_document: bool,
    /// Found in a folder walk and holding no JSON line: skipped silently.
    pub not_json_lines: bool,
    /// Request counts per source schema.
    pub schemas: BTreeMap<&'static str, u64>,
    /// Lines longer than [`MAX_LINE_BYTES`], skipped (also in `bad_lines`;
    /// shown in JSON only when there are some).
    #[serde(skip_serializing_if = "is_zero")]
    pub overlong_lines: u64,
    /// Why the file could not be read (whole or in part: a truncated
    /// stream keeps the lines before); the other files are read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// A benchmark-client result file ([`crate::client`]): its tool and,
    /// per run, the run-level figures and whether per-request rows were
    /// read. `lines` then counts runs, and `not_per_request` the runs with
    /// run-level figures only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<crate::client::ClientNote>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Whether `p` has an extension of a request log.
pub fn is_request_log_name(p: &Path) -> bool {
    let name = p
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let base = name
        .strip_suffix(".gz")
        .or_else(|| name.strip_suffix(".zst"))
        .unwrap_or(&name);
    [".jsonl", ".json", ".log", ".txt", ".ndjson"]
        .iter()
        .any(|e| base.ends_with(e))
}

/// A file to read, and whether it was found in a folder walk (`true`) or
/// given by name (`false`).
pub type Found = (PathBuf, bool);

/// The files to read: files as given (`false`), folders walked
/// recursively (`true`), sorted within a folder; and the paths skipped
/// (unreadable, FIFOs, symbolic-link loops), which are also logged.
pub fn discover(paths: &[PathBuf]) -> Result<(Vec<Found>, Vec<Warning>)> {
    let opts = WalkOptions {
        want_file: is_request_log_name,
        ..WalkOptions::default()
    };
    let w = walk(paths, &opts)?;
    for warning in &w.warnings {
        tracing::warn!("{warning}");
    }
    let files = w.files.into_iter().map(|f| (f.path, !f.given)).collect();
    Ok((files, w.warnings))
}

/// What one block's lines gave besides its rows.
#[derive(Debug, Default)]
pub struct Counts {
    /// Non-blank lines.
    pub lines: u64,
    /// `\n` bytes in the block.
    pub newlines: u64,
    /// Bad lines.
    pub bad: u64,
    /// Lines of a known non-request kind.
    pub not_req: u64,
    /// The first bad lines: `(block-local 0-based line, reason)`.
    pub first_bad: Vec<(u64, String)>,
    /// Requests per schema, in [`SCHEMAS`] order.
    pub schemas: [u64; 4],
}

/// The schemas counted in [`Counts::schemas`].
const SCHEMAS: [Schema; 4] = [
    Schema::Generic,
    Schema::AiPerf,
    Schema::SglangRequestMetrics,
    Schema::ClientResult,
];

impl Counts {
    /// Counts a request of `s`.
    pub fn schema(&mut self, s: Schema) {
        self.schemas[match s {
            Schema::Generic => 0,
            Schema::AiPerf => 1,
            Schema::SglangRequestMetrics => 2,
            // Client result files are read whole, not by lines.
            Schema::ClientResult => 3,
        }] += 1;
    }

    /// Counts line `i` (block-local, 0-based) that gave no request.
    pub fn error(&mut self, i: u64, e: &LineError) {
        self.lines += 1;
        if let LineError::NotPerRequest(_) = e {
            self.not_req += 1;
            return;
        }
        self.bad += 1;
        if self.first_bad.len() < FIRST_BAD {
            let mut msg = e.to_string();
            msg.truncate(200);
            // Local line index; made absolute by the caller.
            self.first_bad.push((i, msg));
        }
    }
}

/// Rows of one kind: the full [`RequestTable`] or the analyses' [`Columns`].
pub trait Rows: Send + Default {
    /// Requests held.
    fn rows(&self) -> usize;
    /// Appends `o` after the rows held.
    fn absorb(&mut self, o: Self);
}

impl Rows for RequestTable {
    fn rows(&self) -> usize {
        self.len()
    }
    fn absorb(&mut self, o: Self) {
        if self.is_empty() && self.extra.is_empty() {
            *self = o;
        } else {
            self.append(&o);
        }
    }
}

impl Rows for Columns {
    fn rows(&self) -> usize {
        self.len()
    }
    fn absorb(&mut self, o: Self) {
        self.append(o);
    }
}

/// One block's rows and counts.
pub struct Part<T> {
    table: T,
    counts: Counts,
}

fn decode_chunk(buf: &[u8], map: &FieldMap) -> Part<RequestTable> {
    let mut table = RequestTable::new();
    let mut c = Counts::default();
    table.reserve(buf.len() / 160);
    // memchr finds line ends a word at a time; `split` tests every byte.
    let mut start = 0;
    let ends = memchr::memchr_iter(b'\n', buf).chain(std::iter::once(buf.len()));
    for (i, end) in ends.enumerate() {
        let line = &buf[start..end];
        start = end + 1;
        c.newlines = i as u64;
        match decode_line(line, map) {
            Ok(None) => {}
            Ok(Some(r)) => {
                c.lines += 1;
                c.schema(r.schema);
                table.push(&r);
            }
            Err(e) => c.error(i as u64, &e),
        }
    }
    Part { table, counts: c }
}

/// The decoding of request-log blocks into rows of kind `T`.
struct RequestJob<F> {
    decode: F,
}

impl<T: Send, F: Fn(&[u8]) -> Part<T> + Sync> BlockJob for RequestJob<F> {
    type Out = Part<T>;

    fn parse(&self, _file: usize, block: &[u8], _last: bool) -> Part<T> {
        (self.decode)(block)
    }

    fn newlines(&self, _block: &[u8], out: &Part<T>) -> Option<u64> {
        Some(out.counts.newlines)
    }
}

/// The first `n` bytes of a file, decoded (the JSON-document check).
fn read_head_decoded(path: &Path, n: u64) -> Option<Vec<u8>> {
    let (_, r) = open_decoded(path).ok()?;
    let mut buf = Vec::new();
    r.take(n).read_to_end(&mut buf).ok()?;
    Some(buf)
}

/// Adds one block's rows and counts to its file's table and report (blocks
/// come in order, and are merged as they come: no file's parts wait whole).
fn absorb_block<T: Rows>(
    table: &mut T,
    rep: &mut FileReport,
    b: srtlog_io::blocks::BlockDone<Part<T>>,
    cap: usize,
) {
    let p = b.out.counts;
    table.absorb(b.out.table);
    rep.bytes += b.bytes;
    let overlong = b.overlong.len() as u64;
    rep.lines += p.lines + overlong;
    rep.bad_lines += p.bad + overlong;
    rep.overlong_lines += overlong;
    rep.not_per_request += p.not_req;
    // Bad lines of this block, with absolute 1-based numbers, in order.
    let mut bad: Vec<(u64, String)> = p
        .first_bad
        .into_iter()
        .map(|(l, m)| (b.line_base + l + 1, m))
        .chain(
            b.overlong
                .iter()
                .map(|&l| (l, format!("line longer than {cap} bytes: skipped"))),
        )
        .collect();
    bad.sort_by_key(|(l, _)| *l);
    let room = FIRST_BAD.saturating_sub(rep.first_bad.len());
    rep.first_bad.extend(bad.into_iter().take(room));
    for (s, n) in SCHEMAS.into_iter().zip(p.schemas) {
        if n > 0 {
            *rep.schemas.entry(s.name()).or_default() += n;
        }
    }
}

/// A file's report once all its blocks are in.
fn finish_file(path: &Path, walked: bool, rows: usize, rep: &mut FileReport) {
    rep.requests = rows as u64;
    // A pretty-printed JSON document (`profile_export_aiperf.json`) met in
    // a folder walk is not a broken JSON-lines file: note it, count no bad
    // lines. Only a file that opens like one is read whole for the check
    // (at most 256 MiB).
    const DOCUMENT_MAX: u64 = 256 << 20;
    let opens_like_json = || {
        read_head_decoded(path, 4096)
            .is_some_and(|h| matches!(h.trim_ascii_start().first(), Some(b'{' | b'[')))
    };
    if rep.requests == 0
        && rep.bad_lines > 0
        && rep.bytes < DOCUMENT_MAX
        && opens_like_json()
        && read_head_decoded(path, DOCUMENT_MAX)
            .is_some_and(|buf| serde_json::from_slice::<serde::de::IgnoredAny>(&buf).is_ok())
    {
        rep.bad_lines = 0;
        rep.first_bad.clear();
        rep.json_document = true;
    }
    // A folder holds other logs too (`sglang_server.log`, `benchmark.out`
    // renamed `.txt`): a walked file without a single JSON line is not a
    // request log with bad lines, just another file.
    if walked && rep.requests == 0 && rep.not_per_request == 0 && rep.bad_lines == rep.lines {
        rep.bad_lines = 0;
        rep.first_bad.clear();
        rep.not_json_lines = !rep.json_document;
    }
}

/// Reads every request log under `paths`. A file that cannot be read is
/// reported in its [`FileReport::error`] (and logged); the others are read.
pub fn load(paths: &[PathBuf], opts: &LoadOptions) -> Result<RequestLog> {
    let started = std::time::Instant::now();
    let (files, _) = discover(paths)?;
    let log = load_table(&files, opts)?;
    log_loaded(started, &log.files, log.table.len());
    Ok(log)
}

/// The full table of `files`: benchmark-client result files are whole
/// documents (or one run per line) read by their own decoders
/// ([`crate::client`]); the rest goes to the block engine. Rows keep the
/// input order.
fn load_table(files: &[Found], opts: &LoadOptions) -> Result<RequestLog> {
    let tools: Vec<_> = files
        .iter()
        .map(|(p, _)| crate::client::sniff_file(p))
        .collect();
    let by_lines: Vec<Found> = files
        .iter()
        .zip(&tools)
        .filter(|(_, t)| t.is_none())
        .map(|(f, _)| f.clone())
        .collect();
    let map = &opts.fields;
    let mut read = load_rows(&by_lines, &|b: &[u8]| decode_chunk(b, map))?.into_iter();
    let mut table = RequestTable::new();
    let mut reports = Vec::with_capacity(files.len());
    for (f, tool) in files.iter().zip(&tools) {
        let part = match tool {
            Some(tool) => Some(crate::client::load_file(&f.0, *tool)),
            None => read.next(),
        };
        if let Some((t, rep)) = part {
            table.absorb(t);
            reports.push(rep);
        }
    }
    Ok(RequestLog {
        table,
        files: reports,
    })
}

/// What [`load_columns`] read.
pub enum Scanned {
    /// The columns asked for, and each file's report.
    Columns(Columns, Vec<FileReport>),
    /// A benchmark-client result file was among the inputs: it is read
    /// whole by its own decoder, so the full table was loaded instead
    /// (such files are small).
    Table(RequestLog),
}

/// Reads every request log under `paths` into [`Columns`] keeping `keep`
/// (the column scan of `summary` and `anomalies`, [`crate::scan`]), or the
/// full table when a benchmark-client result file is among them
/// ([`Scanned::Table`]).
pub fn load_columns(paths: &[PathBuf], opts: &LoadOptions, keep: &Keep) -> Result<Scanned> {
    let started = std::time::Instant::now();
    let (files, _) = discover(paths)?;
    if files
        .iter()
        .any(|(p, _)| crate::client::sniff_file(p).is_some())
    {
        let log = load_table(&files, opts)?;
        log_loaded(started, &log.files, log.table.len());
        return Ok(Scanned::Table(log));
    }
    let map = &opts.fields;
    let decode = |b: &[u8]| {
        let mut table = Columns::new(keep.clone());
        let mut counts = Counts::default();
        let newlines = crate::scan::scan_block(b, map, &mut table, &mut counts);
        counts.newlines = newlines;
        Part { table, counts }
    };
    let mut table = Columns::new(keep.clone());
    let mut reports = Vec::with_capacity(files.len());
    for (t, rep) in load_rows(&files, &decode)? {
        table.absorb(t);
        reports.push(rep);
    }
    if table.is_empty() {
        // Keep what was asked for even without a row.
        table = Columns::new(keep.clone());
    }
    log_loaded(started, &reports, table.len());
    Ok(Scanned::Columns(table, reports))
}

fn log_loaded(started: std::time::Instant, reports: &[FileReport], rows: usize) {
    let bytes: u64 = reports.iter().map(|r| r.bytes).sum();
    let secs = started.elapsed().as_secs_f64();
    tracing::info!(
        files = reports.len(),
        requests = rows,
        bytes,
        secs,
        mb_per_s = bytes as f64 / 1e6 / secs.max(1e-9),
        "request logs loaded"
    );
}

/// The block reading shared by [`load`] and [`load_columns`]: blocks read
/// in parallel, merged in order; one table and report per file of `files`.
fn load_rows<T: Rows, F: Fn(&[u8]) -> Part<T> + Sync>(
    files: &[Found],
    decode: &F,
) -> Result<Vec<(T, FileReport)>> {
    let list: Vec<PathBuf> = files.iter().map(|(p, _)| p.clone()).collect();
    let cap = MAX_LINE.load(Ordering::Relaxed);
    let bopts = BlockOptions {
        block_bytes: CHUNK,
        stream_block_bytes: CHUNK,
        max_line: cap,
        // Blocks are merged as they come, so a wide window keeps the cores
        // busy without a pause every few chunks at little memory cost.
        window: 16 * rayon::current_num_threads().max(1),
        streams: StreamMode::Parallel,
    };
    let job = RequestJob { decode };
    let mut acc: Vec<(T, FileReport)> = list
        .iter()
        .map(|p| {
            let rep = FileReport {
                path: p.clone(),
                ..Default::default()
            };
            (T::default(), rep)
        })
        .collect();
    srtlog_io::blocks::run(
        &list,
        &job,
        &bopts,
        &AtomicU64::new(0),
        |t: TaskDone<Part<T>>| {
            let f = t.file;
            let (table, rep) = &mut acc[f];
            for b in t.blocks {
                absorb_block(table, rep, b, cap);
            }
            if let Some(w) = t.warning {
                tracing::warn!("{w}");
                rep.error = Some(w.message);
            }
            if t.last {
                finish_file(&list[f], files[f].1, table.rows(), rep);
            }
            Ok::<_, crate::error::Error>(())
        },
    )?;
    Ok(acc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_end_on_lines_and_line_numbers_are_absolute() {
        let mut s = String::new();
        for i in 0..200_000 {
            if i == 150_000 || i == 7 {
                s.push_str("garbage\n");
            } else {
                s.push_str(&format!(
                    "{{\"latency_ms\": {i}, \"timestamp\": 1767225600}}\n"
                ));
            }
        }
        let buf = s.as_bytes();
        assert!(buf.len() > CHUNK, "several chunks");
        let dir = tempfile::tempdir().expect("tmp");
        let f = dir.path().join("a.jsonl");
        std::fs::write(&f, buf).expect("write");
        std::fs::write(dir.path().join("ignored.bin"), b"x").expect("write");
        let log = load(&[dir.path().to_path_buf()], &LoadOptions::default()).expect("load");
        assert_eq!(log.files.len(), 1);
        let r = &log.files[0];
        assert_eq!((r.lines, r.requests, r.bad_lines), (200_000, 199_998, 2));
        assert_eq!(
            r.first_bad.iter().map(|b| b.0).collect::<Vec<_>>(),
            [8, 150_001]
        );
        assert_eq!(log.table.column("latency_ms").map(|c| c[8]), Some(9.0));
    }
}

#[cfg(test)]
mod huge_line_tests {
    use super::*;

    /// A line longer than two chunks: read once, by the range it starts in.
    #[test]
    fn lines_longer_than_a_chunk() {
        let dir = tempfile::tempdir().expect("tmp");
        let f = dir.path().join("big.jsonl");
        let pad = "x".repeat(2 * CHUNK + 12_345);
        let text = format!(
            "{{\"latency_ms\": 1, \"timestamp\": 1}}\n{{\"latency_ms\": 2, \"timestamp\": 2, \"prompt\": \"{pad}\"}}\n\
             not json\n{{\"latency_ms\": 3, \"timestamp\": 3}}"
        );
        std::fs::write(&f, text).expect("write");
        let log = load(&[f], &LoadOptions::default()).expect("load");
        assert_eq!(log.table.column("latency_ms"), Some(&[1.0, 2.0, 3.0][..]));
        let r = &log.files[0];
        assert_eq!((r.lines, r.bad_lines), (4, 1));
        assert_eq!(r.first_bad[0].0, 3, "line numbers count the huge line once");
    }
}
