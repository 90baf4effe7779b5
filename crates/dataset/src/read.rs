//! One source into dataset batches, with its warnings as data.
//!
//! [`read_source`] is what `srtlog ingest` does per source; [`read_file`] is
//! the per-file function for distributed engines (Ray, Spark): a path, a
//! table name, a run id and optionally a byte range in, the table's
//! batches (dataset schema, [`crate::schema`]) and a warnings batch
//! ([`crate::schema::warnings_schema`]) out. Nothing here fails because of
//! the *content* of a file: a missing, unreadable or corrupt file gives
//! warnings and no rows. Only a bad call fails (an unknown table, a byte
//! range that cannot be honoured).
//!
//! # Byte ranges (the split rule)
//!
//! A [`ByteRange`] `[start, end)` of a plain file owns the lines that
//! *start* in it: it begins at `start` when `start` is 0 or byte `start-1`
//! is a `\n`, else just after the first `\n` at or after `start`; it ends
//! with the line that holds byte `end-1` (read on to that line's `\n`, or
//! the end of the file). Ranges that tile a file (`[0,a)`, `[a,b)`, …,
//! `[z, size)`) therefore hand out every line exactly once, whatever the
//! cut points, which is Hadoop's `LineRecordReader` rule stated on line
//! starts, and the rule of srtlog's own block engine
//! ([`srtlog_io::blocks`]). Line numbers stay those of the whole file: the
//! `\n` before the range's first line are counted (a sequential read of the
//! prefix, at memory speed; see `docs/dataset.md` for its cost at scale).
//!
//! Ranges apply to the JSON-lines tables (`requests`, `aiperf_records`),
//! where every line is decoded on its own. Worker logs are read whole: a
//! row's worker type, duplicate flag and vLLM year depend on the whole file
//! (formats.md §1, §2). Compressed files (gzip, zstd) cannot be entered in
//! the middle, so they are read whole too; [`crate::split::plan_splits`]
//! never cuts them, and a range of one is an error.

use crate::schema::{normalize, warnings_batch, SourceWarning, Table, RUN};
use crate::{Error, Result};
use arrow_array::{Array, ArrayRef, RecordBatch, StringArray};
use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// A byte range `[start, end)` of a plain file (see the module doc for which
/// lines it owns).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ByteRange {
    /// First byte.
    pub start: u64,
    /// One past the last byte.
    pub end: u64,
}

/// What [`read_file`] returns.
#[derive(Debug)]
pub struct FileBatches {
    /// The table's rows, in the dataset schema of the table.
    pub batches: Vec<RecordBatch>,
    /// Problems, one row each ([`crate::schema::warnings_schema`]).
    pub warnings: RecordBatch,
}

/// One source read in full, for the ingest.
#[derive(Debug, Default)]
pub struct SourceRead {
    /// Rows (dataset schema).
    pub batches: Vec<RecordBatch>,
    /// The `worker_type=` partition (worker logs).
    pub partition: Option<String>,
    /// Problems.
    pub warnings: Vec<SourceWarning>,
    /// Counts for the run summary (`prefill_batches`, `bad_lines`, …).
    pub counts: BTreeMap<String, u64>,
}

/// Reads `path` as table `table` (by name) for run `run`, whole or one
/// byte range. The per-file function the Ray and Spark readers call.
pub fn read_file(
    path: &Path,
    table: &str,
    run: &str,
    range: Option<ByteRange>,
) -> Result<FileBatches> {
    let table = Table::from_name(table)?;
    let read = match range {
        None => read_source(table, run, path, &AtomicU64::new(0))?,
        Some(r) => read_range(table, run, path, r)?,
    };
    Ok(FileBatches {
        batches: read.batches,
        warnings: warnings_batch(&read.warnings)?,
    })
}

fn warn(path: &Path, line: Option<u64>, message: impl Into<String>) -> SourceWarning {
    SourceWarning {
        path: path.display().to_string(),
        line,
        message: message.into(),
    }
}

/// Reads one whole source (a file, or a snapshot folder). `progress` counts
/// input bytes.
pub fn read_source(
    table: Table,
    run: &str,
    path: &Path,
    progress: &AtomicU64,
) -> Result<SourceRead> {
    if !path.exists() {
        return Ok(SourceRead {
            warnings: vec![warn(path, None, "no such file or directory")],
            ..SourceRead::default()
        });
    }
    match table {
        Table::NodeMetrics => worker_log(run, path, progress),
        Table::Requests => request_log(run, path, progress),
        Table::AiperfRecords => aiperf_export(run, path, progress),
        Table::SnapshotPairs => snapshot_folder(run, path, progress),
    }
}

fn worker_log(run: &str, path: &Path, progress: &AtomicU64) -> Result<SourceRead> {
    use srtlog_workers::summary::WorkerSummary;
    let mut out = SourceRead::default();
    let found = match srtlog_workers::discover::discover(&[path.to_path_buf()]) {
        Ok(d) => d,
        Err(e) => {
            out.warnings.push(warn(path, None, e.to_string()));
            return Ok(out);
        }
    };
    for w in &found.warnings {
        out.warnings.push(warn(&w.path, None, w.message.clone()));
    }
    let opts = srtlog_workers::worker::ParseOptions::default();
    let mut logs = Vec::new();
    let parsed = srtlog_workers::worker::parse_files(&found.files, &opts, progress, |log| {
        logs.push(log);
        Ok(())
    });
    if let Err(e) = parsed {
        out.warnings.push(warn(path, None, e.to_string()));
        return Ok(out);
    }
    for log in logs {
        for w in &log.warnings {
            out.warnings
                .push(warn(Path::new(&w.file), None, w.message.clone()));
        }
        let s = WorkerSummary::from_log(&log);
        for (k, v) in [
            ("prefill_batches", s.prefill_batches),
            ("decode_batches", s.decode_batches),
            ("duplicate_lines", s.duplicate_lines),
            ("memory_snapshots", s.memory_snapshots),
            ("stats_lines", s.stats_lines.unwrap_or(0)),
            ("unparsed_lines", s.coverage.unparsed_lines),
            ("lines", s.lines),
            ("bytes", s.bytes),
        ] {
            *out.counts.entry(k.into()).or_default() += v;
        }
        out.partition = Some(log.worker_type.as_str().to_string());
        for b in &log.table {
            out.batches.push(normalize(Table::NodeMetrics, run, b)?);
        }
    }
    if out.batches.is_empty() && out.warnings.is_empty() {
        out.warnings.push(warn(
            path,
            None,
            "no worker-log records (batch lines, memory snapshots, engine statistics)",
        ));
    }
    Ok(out)
}

/// The request table's extra numeric columns folded into one JSON column.
fn requests_batch(run: &str, b: &RecordBatch) -> Result<RecordBatch> {
    let fixed = crate::schema::requests_schema();
    let extra: Vec<(String, ArrayRef)> = b
        .schema()
        .fields()
        .iter()
        .zip(b.columns())
        .filter(|(f, _)| fixed.field_with_name(f.name()).is_err())
        .map(|(f, c)| (f.name().clone(), c.clone()))
        .collect();
    let extras: Option<ArrayRef> = (!extra.is_empty()).then(|| {
        let cols: Vec<(&str, &arrow_array::Float64Array)> = extra
            .iter()
            .filter_map(|(n, c)| {
                c.as_any()
                    .downcast_ref::<arrow_array::Float64Array>()
                    .map(|a| (n.as_str(), a))
            })
            .collect();
        let v: Vec<Option<String>> = (0..b.num_rows())
            .map(|i| {
                let mut m = serde_json::Map::new();
                for (n, a) in &cols {
                    if a.is_valid(i) {
                        if let Some(x) = serde_json::Number::from_f64(a.value(i)) {
                            m.insert((*n).to_string(), serde_json::Value::Number(x));
                        }
                    }
                }
                (!m.is_empty()).then(|| serde_json::Value::Object(m).to_string())
            })
            .collect();
        Arc::new(StringArray::from(v)) as ArrayRef
    });
    let mut fields: Vec<arrow_schema::Field> = Vec::new();
    let mut cols: Vec<ArrayRef> = Vec::new();
    for (f, c) in b.schema().fields().iter().zip(b.columns()) {
        if fixed.field_with_name(f.name()).is_ok() {
            fields.push(f.as_ref().clone());
            cols.push(c.clone());
        }
    }
    if let Some(e) = extras {
        fields.push(arrow_schema::Field::new(
            "extras",
            arrow_schema::DataType::Utf8,
            true,
        ));
        cols.push(e);
    }
    let folded = RecordBatch::try_new(Arc::new(arrow_schema::Schema::new(fields)), cols)?;
    normalize(Table::Requests, run, &folded)
}

fn request_log(run: &str, path: &Path, progress: &AtomicU64) -> Result<SourceRead> {
    let mut out = SourceRead::default();
    let opts = srtlog_requests::LoadOptions::default();
    let log = match srtlog_requests::load(&[path.to_path_buf()], &opts) {
        Ok(l) => l,
        Err(e) => {
            out.warnings.push(warn(path, None, e.to_string()));
            return Ok(out);
        }
    };
    for f in &log.files {
        progress.fetch_add(f.bytes, Ordering::Relaxed);
        if let Some(e) = &f.error {
            out.warnings.push(warn(&f.path, None, e.clone()));
        }
        // A file with no request at all is not a request log (a config
        // file, another tool's `.log`): no rows and nothing to report.
        if f.requests > 0 {
            for (line, why) in &f.first_bad {
                out.warnings.push(warn(&f.path, Some(*line), why.clone()));
            }
            if f.bad_lines > f.first_bad.len() as u64 {
                out.warnings.push(warn(
                    &f.path,
                    None,
                    format!("{} lines were not requests in all", f.bad_lines),
                ));
            }
        }
        *out.counts.entry("bad_lines".into()).or_default() += f.bad_lines;
        *out.counts.entry("bytes".into()).or_default() += f.bytes;
    }
    if !log.table.is_empty() {
        let b = srtlog_requests::table::record_batch(&log.table)
            .map_err(|e| Error::io(path, std::io::Error::other(e.to_string())))?;
        out.batches.push(requests_batch(run, &b)?);
    }
    Ok(out)
}

fn aiperf_export(run: &str, path: &Path, progress: &AtomicU64) -> Result<SourceRead> {
    let mut out = SourceRead::default();
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    match srtlog_aiperf::table::records(path) {
        Ok(t) => {
            progress.fetch_add(size, Ordering::Relaxed);
            if t.bad_lines > 0 {
                out.warnings.push(warn(
                    path,
                    None,
                    format!("{} lines were not AIPerf records", t.bad_lines),
                ));
            }
            out.counts.insert("bad_lines".into(), t.bad_lines);
            out.counts.insert("bytes".into(), size);
            for b in &t.batches {
                out.batches.push(normalize(Table::AiperfRecords, run, b)?);
            }
        }
        Err(e) => out.warnings.push(warn(path, None, e.to_string())),
    }
    Ok(out)
}

fn snapshot_folder(run: &str, path: &Path, progress: &AtomicU64) -> Result<SourceRead> {
    let mut out = SourceRead::default();
    let a = match srtlog_snapshots::analyze_dir(path) {
        Ok(a) => a,
        Err(e) => {
            out.warnings.push(warn(path, None, e.to_string()));
            return Ok(out);
        }
    };
    for p in &a.problems {
        out.warnings
            .push(warn(&p.file, None, format!("{}: {}", p.code, p.detail)));
    }
    let bytes: u64 = std::fs::read_dir(path)
        .map(|rd| {
            rd.flatten()
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0);
    progress.fetch_add(bytes, Ordering::Relaxed);
    out.counts.insert("bytes".into(), bytes);
    out.counts
        .insert("trusted_pairs".into(), a.trusted_count() as u64);
    let b = srtlog_snapshots::table::record_batch(&a)?;
    if b.num_rows() > 0 {
        out.batches.push(normalize(Table::SnapshotPairs, run, &b)?);
    }
    Ok(out)
}

/// The bytes of the lines a range owns, and the number of lines before them.
pub fn range_bytes(path: &Path, r: ByteRange) -> Result<(Vec<u8>, u64)> {
    let io = |e| Error::io(path, e);
    let mut f = std::fs::File::open(path).map_err(io)?;
    let size = f.metadata().map_err(io)?.len();
    let end = r.end.min(size);
    if r.start >= end {
        return Ok((Vec::new(), 0));
    }
    // The first line start at or after `start`.
    let begin = if r.start == 0 {
        0
    } else {
        match find_newline(&mut f, r.start - 1, size).map_err(io)? {
            Some(p) => p + 1,
            None => size,
        }
    };
    if begin >= end {
        return Ok((Vec::new(), 0));
    }
    // The end of the line holding byte `end - 1`.
    let stop = match find_newline(&mut f, end - 1, size).map_err(io)? {
        Some(p) => p + 1,
        None => size,
    };
    let line_base = count_newlines(&mut f, begin).map_err(io)?;
    let mut buf = vec![0u8; (stop - begin) as usize];
    f.seek(SeekFrom::Start(begin)).map_err(io)?;
    f.read_exact(&mut buf).map_err(io)?;
    Ok((buf, line_base))
}

/// The position of the first `\n` at or after `from`.
fn find_newline(f: &mut std::fs::File, from: u64, size: u64) -> std::io::Result<Option<u64>> {
    let mut pos = from;
    let mut buf = vec![0u8; 64 * 1024];
    f.seek(SeekFrom::Start(from))?;
    while pos < size {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        if let Some(i) = memchr::memchr(b'\n', &buf[..n]) {
            return Ok(Some(pos + i as u64));
        }
        pos += n as u64;
    }
    Ok(None)
}

/// `\n` bytes in the first `len` bytes.
fn count_newlines(f: &mut std::fs::File, len: u64) -> std::io::Result<u64> {
    f.seek(SeekFrom::Start(0))?;
    let mut left = len;
    let mut n = 0u64;
    let mut buf = vec![0u8; 1 << 20];
    while left > 0 {
        let want = left.min(buf.len() as u64) as usize;
        let got = f.read(&mut buf[..want])?;
        if got == 0 {
            break;
        }
        n += memchr::memchr_iter(b'\n', &buf[..got]).count() as u64;
        left -= got as u64;
    }
    Ok(n)
}

/// Whether a file is plain (not gzip or zstd), by its magic bytes.
pub fn is_plain(path: &Path) -> bool {
    srtlog_io::read_head(path, 4)
        .map(|h| srtlog_io::sniff_encoding(&h) == srtlog_io::Encoding::Plain)
        .unwrap_or(false)
}

fn read_range(table: Table, run: &str, path: &Path, r: ByteRange) -> Result<SourceRead> {
    let unsupported = |why: &str| Error::Unsupported {
        path: path.to_path_buf(),
        why: why.to_string(),
    };
    if !matches!(table, Table::Requests | Table::AiperfRecords) {
        return Err(unsupported(
            "only the JSON-lines tables (requests, aiperf_records) are read by byte range; read this one whole",
        ));
    }
    if !path.exists() {
        return Ok(SourceRead {
            warnings: vec![warn(path, None, "no such file or directory")],
            ..SourceRead::default()
        });
    }
    if !is_plain(path) {
        return Err(unsupported(
            "a compressed file cannot be read from the middle; read it whole",
        ));
    }
    let (bytes, line_base) = match range_bytes(path, r) {
        Ok(x) => x,
        Err(e) => {
            return Ok(SourceRead {
                warnings: vec![warn(path, None, e.to_string())],
                ..SourceRead::default()
            })
        }
    };
    match table {
        Table::Requests => requests_range(run, path, &bytes, line_base),
        _ => aiperf_range(run, path, &bytes, line_base),
    }
}

fn requests_range(run: &str, path: &Path, bytes: &[u8], line_base: u64) -> Result<SourceRead> {
    use srtlog_formats::requests::{decode_line, FieldMap, LineError};
    let mut out = SourceRead::default();
    let map = FieldMap::default();
    let mut t = srtlog_table::requests::RequestTable::new();
    let mut bad = 0u64;
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        match decode_line(line, &map) {
            Ok(None) | Err(LineError::NotPerRequest(_)) => {}
            Ok(Some(r)) => t.push(&r),
            Err(e) => {
                bad += 1;
                if out.warnings.len() < 5 {
                    let mut m = e.to_string();
                    m.truncate(200);
                    out.warnings
                        .push(warn(path, Some(line_base + i as u64 + 1), m));
                }
            }
        }
    }
    out.counts.insert("bad_lines".into(), bad);
    if !t.is_empty() {
        let b = t.to_record_batch()?;
        out.batches.push(requests_batch(run, &b)?);
    }
    Ok(out)
}

fn aiperf_range(run: &str, path: &Path, bytes: &[u8], line_base: u64) -> Result<SourceRead> {
    let mut out = SourceRead::default();
    let mut t = srtlog_aiperf::table::RecordTable::default();
    srtlog_aiperf::table::records_from_reader(bytes, &artifact_name(path), &mut t)
        .map_err(|e| Error::io(path, e))?;
    if t.bad_lines > 0 {
        out.warnings.push(warn(
            path,
            None,
            format!("{} lines were not AIPerf records", t.bad_lines),
        ));
    }
    for b in &t.batches {
        let b = normalize(Table::AiperfRecords, run, b)?;
        out.batches.push(shift_lines(&b, line_base)?);
    }
    Ok(out)
}

/// AIPerf's name for an export's run: its folder.
fn artifact_name(path: &Path) -> String {
    path.parent()
        .and_then(|p| p.file_name())
        .or_else(|| path.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Adds `base` to the `line` column.
fn shift_lines(b: &RecordBatch, base: u64) -> Result<RecordBatch> {
    let Some(i) = b.schema().index_of("line").ok() else {
        return Ok(b.clone());
    };
    let base = i64::try_from(base).unwrap_or(i64::MAX);
    let mut cols = b.columns().to_vec();
    if let Some(l) = cols[i].as_any().downcast_ref::<arrow_array::Int64Array>() {
        let shifted: arrow_array::Int64Array = l.iter().map(|v| v.map(|x| x + base)).collect();
        cols[i] = Arc::new(shifted);
    }
    Ok(RecordBatch::try_new(b.schema(), cols)?)
}

/// The run column's value of a batch (its first row), for tests.
pub fn run_of(b: &RecordBatch) -> Option<String> {
    let c = b.column_by_name(RUN)?;
    let s = c.as_any().downcast_ref::<StringArray>()?;
    (!s.is_empty()).then(|| s.value(0).to_string())
}

/// A path as the manifest and warnings spell it.
pub fn display(p: &Path) -> String {
    PathBuf::from(p).display().to_string()
}
