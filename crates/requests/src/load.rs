//! Loading request logs: file discovery, parallel decoding, bad-line counts.
//!
//! A folder is walked recursively for `.jsonl`, `.json`, `.log`, `.txt`
//! and their `.gz`/`.zst` forms (compression is recognised from the magic
//! bytes, as everywhere in srtlog). A plain file is cut into byte ranges of
//! 4 MiB, each read by positional I/O into a per-thread buffer and decoded
//! on rayon's pool (a line belongs to the range it starts in); a compressed
//! file is decompressed whole and then cut at line boundaries; partial tables are then
//! concatenated in file and chunk order, so the row order is the input
//! order. The whole table is held in memory (about 160 bytes per request
//! for the seed's schema; the partial tables and the merged one coexist
//! while merging, so loading peaks at about twice that).

use super::RequestLog;
use crate::error::{Error, Result};
use rayon::prelude::*;
use serde::Serialize;
use srtlog_formats::requests::{decode_line, FieldMap, LineError, Schema};
use srtlog_io::open::{open_decoded, read_range_to_line_end, Encoding};
use srtlog_table::requests::RequestTable;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Chunk size for parallel decoding.
const CHUNK: usize = 4 << 20;
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

/// The files to read: files as given (`false`), folders walked
/// recursively (`true`), sorted within a folder.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<(PathBuf, bool)>> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, bool)>) -> Result<()> {
        let rd = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
        let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out)?;
            } else if is_request_log_name(&p) {
                out.push((p, true));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    for p in paths {
        if !p.exists() {
            return Err(Error::Io(srtlog_io::Error::NotFound(p.clone())));
        }
        if p.is_dir() {
            walk(p, &mut out)?;
        } else {
            out.push((p.clone(), false));
        }
    }
    Ok(out)
}

struct Part {
    table: RequestTable,
    lines: u64,
    newlines: u64,
    bad: u64,
    not_req: u64,
    first_bad: Vec<(u64, String)>,
    schemas: BTreeMap<&'static str, u64>,
}

fn decode_chunk(buf: &[u8], map: &FieldMap) -> Part {
    let mut p = Part {
        table: RequestTable::new(),
        lines: 0,
        newlines: 0,
        bad: 0,
        not_req: 0,
        first_bad: Vec::new(),
        schemas: BTreeMap::new(),
    };
    p.table.reserve(buf.len() / 160);
    let mut schema_counts = [0u64; 3];
    // memchr finds line ends a word at a time; `split` tests every byte.
    let mut start = 0;
    let ends = memchr::memchr_iter(b'\n', buf).chain(std::iter::once(buf.len()));
    for (i, end) in ends.enumerate() {
        let line = &buf[start..end];
        start = end + 1;
        p.newlines = i as u64;
        match decode_line(line, map) {
            Ok(None) => {}
            Ok(Some(r)) => {
                p.lines += 1;
                schema_counts[match r.schema {
                    Schema::Generic => 0,
                    Schema::AiPerf => 1,
                    Schema::SglangRequestMetrics => 2,
                }] += 1;
                p.table.push(&r);
            }
            Err(LineError::NotPerRequest(_)) => {
                p.lines += 1;
                p.not_req += 1;
            }
            Err(e) => {
                p.lines += 1;
                p.bad += 1;
                if p.first_bad.len() < FIRST_BAD {
                    let mut msg = e.to_string();
                    msg.truncate(200);
                    // Local line index; made absolute by the caller.
                    p.first_bad.push((i as u64, msg));
                }
            }
        }
    }
    for (s, n) in [
        Schema::Generic,
        Schema::AiPerf,
        Schema::SglangRequestMetrics,
    ]
    .into_iter()
    .zip(schema_counts)
    {
        if n > 0 {
            p.schemas.insert(s.name(), n);
        }
    }
    p
}

/// Splits `buf` into chunks of about [`CHUNK`] bytes ending after a `\n`.
fn chunks(buf: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < buf.len() {
        let mut end = (start + CHUNK).min(buf.len());
        if end < buf.len() {
            end = memchr::memchr(b'\n', &buf[end..]).map_or(buf.len(), |i| end + i + 1);
        }
        out.push(&buf[start..end]);
        start = end;
    }
    out
}

/// A compressed file, decompressed whole (streams cannot be split).
fn read_all(path: &Path) -> Result<Vec<u8>> {
    let (_, mut r) = open_decoded(path)?;
    let mut buf = Vec::new();
    r.read_to_end(&mut buf).map_err(|e| Error::io(path, e))?;
    Ok(buf)
}

thread_local! {
    /// One read buffer per worker thread, reused for every chunk it reads:
    /// no file-sized allocation, and no page faults after the first chunk.
    static READ_BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Decodes the lines that start in `[offset, offset + CHUNK)` of a plain
/// file. Reading from `offset − 1` and skipping through the first `\n`
/// lands on the first line that starts in the range, whether or not
/// `offset` is itself a line start (the worker-log reader's rule).
fn decode_range(file: &File, offset: u64, map: &FieldMap) -> std::io::Result<Part> {
    let (start, extra) = if offset == 0 { (0, 0) } else { (offset - 1, 1) };
    READ_BUF.with(|cell| {
        let mut buf = cell.borrow_mut();
        read_range_to_line_end(file, start, CHUNK + extra, &mut buf)?;
        let from = if offset == 0 {
            0
        } else {
            memchr::memchr(b'\n', &buf).map_or(buf.len(), |i| i + 1)
        };
        Ok(decode_chunk(&buf[from..], map))
    })
}

fn decode_file(path: &Path, opts: &LoadOptions) -> Result<(Vec<Part>, u64)> {
    let (enc, _) = open_decoded(path)?;
    if enc == Encoding::Plain {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let size = file.metadata().map_err(|e| Error::io(path, e))?.len();
        let n = size.div_ceil(CHUNK as u64);
        let parts = (0..n)
            .into_par_iter()
            .map(|k| decode_range(&file, k * CHUNK as u64, &opts.fields))
            .collect::<std::io::Result<Vec<Part>>>()
            .map_err(|e| Error::io(path, e))?;
        return Ok((parts, size));
    }
    let buf = read_all(path)?;
    let parts = chunks(&buf)
        .into_par_iter()
        .map(|c| decode_chunk(c, &opts.fields))
        .collect();
    Ok((parts, buf.len() as u64))
}

fn load_file(path: &Path, walked: bool, opts: &LoadOptions) -> Result<(RequestTable, FileReport)> {
    let (parts, bytes) = decode_file(path, opts)?;
    let mut rep = FileReport {
        path: path.to_path_buf(),
        bytes,
        ..Default::default()
    };
    let mut table = RequestTable::new();
    // One allocation per column instead of regrowth copies.
    table.reserve(parts.iter().map(|p| p.table.len()).sum());
    let mut line_base = 0u64;
    for p in parts {
        table.append(&p.table);
        rep.lines += p.lines;
        rep.bad_lines += p.bad;
        rep.not_per_request += p.not_req;
        for (l, m) in p.first_bad {
            if rep.first_bad.len() < FIRST_BAD {
                rep.first_bad.push((line_base + l + 1, m));
            }
        }
        for (k, v) in p.schemas {
            *rep.schemas.entry(k).or_default() += v;
        }
        // Every chunk but a file's last ends with '\n', so its last split
        // piece is empty: `newlines` is the number of lines it held.
        line_base += p.newlines;
    }
    rep.requests = table.len() as u64;
    // A pretty-printed JSON document (`profile_export_aiperf.json`) met in
    // a folder walk is not a broken JSON-lines file: note it, count no bad
    // lines.
    if rep.requests == 0
        && rep.bad_lines > 0
        && rep.bytes < 256 << 20
        && read_all(path)
            .is_ok_and(|buf| serde_json::from_slice::<serde::de::IgnoredAny>(&buf).is_ok())
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
    Ok((table, rep))
}

/// Reads every request log under `paths`.
pub fn load(paths: &[PathBuf], opts: &LoadOptions) -> Result<RequestLog> {
    let started = std::time::Instant::now();
    let files = discover(paths)?;
    let results: Vec<Result<(RequestTable, FileReport)>> = files
        .par_iter()
        .map(|(f, w)| load_file(f, *w, opts))
        .collect();
    let mut table = RequestTable::new();
    if results.len() > 1 {
        table.reserve(
            results
                .iter()
                .map(|r| r.as_ref().map_or(0, |(t, _)| t.len()))
                .sum(),
        );
    }
    let mut reports = Vec::with_capacity(results.len());
    for r in results {
        let (t, rep) = r?;
        if table.is_empty() && table.extra.is_empty() {
            // The first (often only) file: take its table without a copy.
            table = t;
        } else {
            table.append(&t);
        }
        reports.push(rep);
    }
    let bytes: u64 = reports.iter().map(|r| r.bytes).sum();
    let secs = started.elapsed().as_secs_f64();
    tracing::info!(
        files = reports.len(),
        requests = table.len(),
        bytes,
        secs,
        mb_per_s = bytes as f64 / 1e6 / secs.max(1e-9),
        "request logs loaded"
    );
    Ok(RequestLog {
        table,
        files: reports,
    })
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
        let cs = chunks(buf);
        assert!(cs.len() > 1);
        assert!(cs.iter().all(|c| c.ends_with(b"\n")));
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
