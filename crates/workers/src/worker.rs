//! Parsing worker files: byte-range chunks in parallel, merged in file order.
//!
//! Work is cut into *tasks*: a plain file larger than the chunk size becomes
//! several byte ranges (each ends on a line boundary, and each later range
//! skips the partial line its predecessor owns); a compressed file is one
//! task that decodes and scans block by block. Tasks run on rayon's pool and
//! their results are merged in order, so line numbers, examples and tables
//! are identical to a sequential run.
//!
//! Tasks run a window at a time (two per thread when tables are built), and
//! each window's table parts are handed to the caller before the next starts,
//! which bounds memory by the window rather than the file or the run.

use crate::discover::WorkerFile;
use crate::error::Result;
use crate::scan::{scan_buffer_as, ChunkStats, NullSink};
pub use crate::types::{Backend, EngineSummary, Warning, WorkerType};
use crate::year::{YearChoice, YearSource};
use rayon::prelude::*;
use srtlog_formats::sglang::{BatchKind, Ranks};
use srtlog_formats::Timestamp;
use srtlog_io::open::{open_decoded, read_range_to_line_end, sniff_encoding, Encoding};
use srtlog_table::node_metrics::{Chunk, FileMeta, NodeMetricsBuilder};
use srtlog_table::RecordBatch;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// Options of a parse.
#[derive(Clone, Debug)]
pub struct ParseOptions {
    /// Build Arrow tables of the rows (for Parquet and the library API).
    pub keep_table: bool,
    /// Byte size of a parallel chunk of a plain file.
    pub chunk_bytes: usize,
    /// The year of the first line of each vLLM log, which prints dates
    /// without one (`--year`); later lines roll over at New Year. `None`:
    /// learnt from the file ([`crate::year`]).
    pub year: Option<i32>,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            keep_table: true,
            chunk_bytes: 8 << 20,
            year: None,
        }
    }
}

/// Everything parsed from one worker file.
#[derive(Debug)]
pub struct WorkerLog {
    /// The file and its identity.
    pub source: WorkerFile,
    /// The worker type (file name, configuration or content).
    pub worker_type: WorkerType,
    /// Merged statistics of the whole file.
    pub stats: ChunkStats,
    /// The primary (scheduler) rank of each DP group.
    pub primary: BTreeMap<Option<u16>, Ranks>,
    /// Problems with this file.
    pub warnings: Vec<Warning>,
    /// The rows, when [`ParseOptions::keep_table`] was set.
    pub table: Vec<RecordBatch>,
    /// vLLM: the year of the first line and where it came from.
    pub year: Option<YearChoice>,
}

/// The primary rank of a DP group: the lowest PP, then TP, rank that printed
/// batch lines. SGLang logs batch statistics on attention-TP rank 0 of each
/// DP group; PP ranks print the same step again (srt-slurm keeps PP0), and
/// custom logging setups can make every TP rank print. Lines of the other
/// ranks are duplicates (formats.md §1.4, field-survey §4.1).
pub fn primary_ranks(stats: &ChunkStats) -> BTreeMap<Option<u16>, Ranks> {
    let mut m: BTreeMap<Option<u16>, Ranks> = BTreeMap::new();
    for (_, r) in stats.ranks.keys() {
        m.entry(r.dp)
            .and_modify(|p| *p = (*p).min(*r))
            .or_insert(*r);
    }
    m
}

impl WorkerLog {
    fn is_primary(&self, r: &Ranks) -> bool {
        self.primary.get(&r.dp).is_none_or(|p| p == r)
    }

    /// Batch lines of `kind` counted once per scheduler step.
    pub fn batches(&self, kind: BatchKind) -> u64 {
        self.stats
            .ranks
            .iter()
            .filter(|((k, r), _)| *k == kind && self.is_primary(r))
            .map(|(_, c)| c.lines)
            .sum()
    }

    /// Raw batch lines of `kind`, duplicates included.
    pub fn batch_lines(&self, kind: BatchKind) -> u64 {
        self.stats
            .ranks
            .iter()
            .filter(|((k, _), _)| *k == kind)
            .map(|(_, c)| c.lines)
            .sum()
    }

    /// Lines printed again by non-primary ranks.
    pub fn duplicate_lines(&self) -> u64 {
        self.stats
            .ranks
            .iter()
            .filter(|((_, r), _)| !self.is_primary(r))
            .map(|(_, c)| c.lines)
            .sum()
    }

    /// First and last timestamp of the batch lines (vLLM: of the engine
    /// statistics lines).
    pub fn batch_time_range(&self) -> Option<(Timestamp, Timestamp)> {
        if self.source.backend == Backend::Vllm {
            return self.stats_time_range();
        }
        let first = self.stats.ranks.values().map(|c| c.first).min()?;
        let last = self.stats.ranks.values().map(|c| c.last).max()?;
        Some((first, last))
    }

    /// Number of schedulers (DP groups) that printed batch lines (vLLM:
    /// engines that printed statistics lines).
    pub fn schedulers(&self) -> usize {
        if self.source.backend == Backend::Vllm {
            return self.stats.engines.len();
        }
        self.primary.len()
    }

    /// vLLM engine statistics lines.
    pub fn stats_lines(&self) -> u64 {
        self.stats.stats_lines()
    }

    /// First and last timestamp of the vLLM engine statistics lines.
    pub fn stats_time_range(&self) -> Option<(Timestamp, Timestamp)> {
        let y = self.year?.base;
        let first = self.stats.engines.values().map(|c| c.first).min()?;
        let last = self.stats.engines.values().map(|c| c.last).max()?;
        Some((first.in_year(y), last.in_year(y)))
    }

    /// Statistics lines per engine index with their time range.
    pub fn engines(&self) -> Vec<EngineSummary> {
        let y = self.year.map(|y| y.base);
        self.stats
            .engines
            .iter()
            .map(|(k, c)| EngineSummary {
                engine: *k,
                lines: c.lines,
                range: y.map(|y| (c.first.in_year(y), c.last.in_year(y))),
            })
            .collect()
    }

    /// Uvicorn access lines per second: `(second, count)` in time order, for
    /// a request-rate series. SGLang lines are dated by their prefix; vLLM
    /// lines, which have no time, by the latest vLLM line before them.
    pub fn access_per_second(&self) -> Vec<(Timestamp, u32)> {
        let mut v: Vec<(Timestamp, u32)> = self
            .stats
            .access_seconds
            .iter()
            .map(|&(s, n)| (Timestamp(s * 1_000_000), n))
            .collect();
        if let Some(y) = self.year {
            v.extend(
                self.stats
                    .access_local
                    .iter()
                    .map(|&(t, n)| (t.in_year(y.base), n)),
            );
        }
        v.sort_by_key(|&(t, _)| t);
        v.dedup_by(|b, a| {
            let same = a.0 == b.0;
            if same {
                a.1 += b.1;
            }
            same
        });
        v
    }
}

fn decide_type(f: &WorkerFile, st: &ChunkStats) -> WorkerType {
    if let Some(t) = f.declared_type {
        return t;
    }
    if f.backend == Backend::Vllm {
        // A vLLM server both prefills and decodes unless its KV-transfer
        // role makes it one half of a disaggregated pair.
        return match st.config.kv_role.as_deref() {
            Some("kv_producer") => WorkerType::Prefill,
            Some("kv_consumer") => WorkerType::Decode,
            _ => WorkerType::Agg,
        };
    }
    match st.config.disaggregation_mode.as_deref() {
        Some("prefill") => return WorkerType::Prefill,
        Some("decode") => return WorkerType::Decode,
        Some("null") | Some("None") => return WorkerType::Agg,
        _ => {}
    }
    let has = |k| st.ranks.keys().any(|(kind, _)| *kind == k);
    match (has(BatchKind::Prefill), has(BatchKind::Decode)) {
        (true, true) => WorkerType::Agg,
        (true, false) => WorkerType::Prefill,
        (false, true) => WorkerType::Decode,
        (false, false) => WorkerType::Unknown,
    }
}

/// One unit of parallel work.
enum Task {
    /// Byte range `[offset, offset+len)` of a plain file.
    Range {
        file: usize,
        offset: u64,
        len: usize,
    },
    /// A whole (compressed or small) file.
    Whole { file: usize },
}

/// Table rows of part of a file: the line offset of the part within its
/// task, the year offset of its vLLM rows within the task, and its columns.
type Part = (u64, i32, Chunk);

/// Result of one task.
struct TaskOut {
    file: usize,
    stats: ChunkStats,
    parts: Vec<Part>,
    warning: Option<String>,
}

/// Scans a buffer of whole lines; with `keep`, also builds its table part
/// (line numbers relative to the buffer). Building the Arrow arrays here puts
/// that work on the parallel tasks rather than on the merging thread.
fn scan_part(buf: &[u8], keep: bool, backend: Backend) -> (ChunkStats, Option<Chunk>) {
    if keep {
        // Rows never outnumber lines; counting them (memchr, tens of GB/s)
        // sizes the columns exactly instead of letting them double.
        let lines = memchr::memchr_iter(b'\n', buf).count() + 1;
        let mut b = NodeMetricsBuilder::with_capacity(lines);
        let st = scan_buffer_as(buf, backend, &mut b);
        (st, (!b.is_empty()).then(|| b.finish_chunk()))
    } else {
        (scan_buffer_as(buf, backend, &mut NullSink), None)
    }
}

/// vLLM companion lines (speculative decoding, V0 prefix cache) merge into
/// the statistics row before them, so a chunk boundary must not fall
/// between the two: a range owns the companion lines right after its end
/// ([`extend_with_companions`]) and the next range skips them
/// ([`skip_companions`]). Both decide from the same bytes, so ranges agree.
fn skip_companions(body: &[u8]) -> usize {
    let mut scratch = Vec::new();
    let mut at = 0;
    while at < body.len() {
        let end = memchr::memchr(b'\n', &body[at..]).map_or(body.len(), |i| at + i + 1);
        if !crate::scan::vllm::is_companion(&body[at..end], &mut scratch) {
            break;
        }
        at = end;
    }
    at
}

/// Appends to `buf` the companion lines that follow byte `pos` of `file`.
fn extend_with_companions(file: &File, mut pos: u64, buf: &mut Vec<u8>) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt;
    let mut scratch = Vec::new();
    let mut more = vec![0u8; 64 * 1024];
    loop {
        let k = loop {
            match file.read_at(&mut more, pos) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                r => break r?,
            }
        };
        let mut at = 0;
        while at < k {
            let end = match memchr::memchr(b'\n', &more[at..k]) {
                Some(i) => at + i + 1,
                // A line longer than the window, or the file's last line
                // without `\n`: companion lines are short, so only the
                // latter is taken.
                None if (k as u64) < more.len() as u64 => k,
                None => return Ok(()),
            };
            if !crate::scan::vllm::is_companion(&more[at..end], &mut scratch) {
                return Ok(());
            }
            buf.extend_from_slice(&more[at..end]);
            at = end;
        }
        if k < more.len() {
            return Ok(());
        }
        pos += k as u64;
    }
}

/// Where to end a block of a streamed (compressed) vLLM file so that a
/// statistics line and its companions stay together: before a trailing
/// statistics line and the companions after it, when the block ends there.
fn vllm_block_cut(buf: &[u8], cut: usize) -> usize {
    let mut scratch = Vec::new();
    let mut end = cut;
    while end > 0 {
        let start = memchr::memrchr(b'\n', &buf[..end - 1]).map_or(0, |i| i + 1);
        let line = &buf[start..end];
        if crate::scan::vllm::is_companion(line, &mut scratch) {
            end = start;
            continue;
        }
        if crate::scan::vllm::is_stats(line, &mut scratch) && start > 0 {
            return start;
        }
        break;
    }
    cut
}

fn run_range(
    f: &WorkerFile,
    offset: u64,
    len: usize,
    keep: bool,
) -> (ChunkStats, Vec<Part>, Option<String>) {
    let fail = |msg: String| (ChunkStats::default(), Vec::new(), Some(msg));
    let file = match File::open(&f.path) {
        Ok(x) => x,
        Err(e) => return fail(format!("cannot open: {e}")),
    };
    // A range after the first reads one byte early: if that byte is `\n`, the
    // range starts on a line; otherwise its first partial line belongs to the
    // previous range.
    let (start, extra) = if offset == 0 { (0, 0) } else { (offset - 1, 1) };
    READ_BUF.with(|cell| {
        let mut buf = cell.borrow_mut();
        if let Err(e) = read_range_to_line_end(&file, start, len + extra, &mut buf) {
            return fail(format!("read error at byte {offset}: {e}"));
        }
        let mut from = if offset == 0 {
            0
        } else {
            memchr::memchr(b'\n', &buf).map_or(buf.len(), |i| i + 1)
        };
        if f.backend == Backend::Vllm {
            let end = start + buf.len() as u64;
            if buf.last() == Some(&b'\n') {
                if let Err(e) = extend_with_companions(&file, end, &mut buf) {
                    return fail(format!("read error at byte {end}: {e}"));
                }
            }
            // After the extension: a range that lies inside the line its
            // predecessor ends with has an empty body, and the companions
            // it just read are the predecessor's too.
            if offset > 0 {
                from += skip_companions(&buf[from..]);
            }
        }
        let (st, part) = scan_part(&buf[from..], keep, f.backend);
        (st, part.map(|c| (0, 0, c)).into_iter().collect(), None)
    })
}

thread_local! {
    /// One read buffer per worker thread, reused for every chunk it reads.
    static READ_BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn run_whole(
    f: &WorkerFile,
    keep: bool,
    progress: &AtomicU64,
) -> (ChunkStats, Vec<Part>, Option<String>) {
    let mut parts = Vec::new();
    let mut st = ChunkStats::default();
    let mut reader = match open_decoded(&f.path) {
        Ok((_, r)) => r,
        Err(e) => return (st, parts, Some(e.to_string())),
    };
    const BLOCK: usize = 4 << 20;
    let mut buf: Vec<u8> = Vec::with_capacity(BLOCK * 2);
    let mut warning = None;
    let mut eof = false;
    while !eof {
        // Append up to BLOCK bytes after the carried partial line.
        // `read_to_end` fills spare capacity without zeroing it first.
        let before = buf.len();
        match (&mut reader).take(BLOCK as u64).read_to_end(&mut buf) {
            Ok(_) => eof = buf.len() == before,
            Err(e) => {
                // Bytes decoded before the error are already in `buf`.
                warning = Some(format!(
                    "stream is truncated or corrupt after {} decoded bytes ({e}); kept the lines before",
                    st.bytes + buf.len() as u64
                ));
                eof = true;
            }
        }
        let mut cut = if eof {
            buf.len()
        } else {
            memchr::memrchr(b'\n', &buf).map_or(0, |i| i + 1)
        };
        if cut == 0 && !eof {
            continue; // a line longer than the block: read more
        }
        if !eof && f.backend == Backend::Vllm {
            cut = vllm_block_cut(&buf, cut);
        }
        let base = st.lines;
        let (part, chunk) = scan_part(&buf[..cut], keep, f.backend);
        progress.fetch_add(cut as u64, Ordering::Relaxed);
        let shift = st.merge_next(part);
        if let Some(c) = chunk {
            parts.push((base, shift, c));
        }
        buf.drain(..cut);
    }
    (st, parts, warning)
}

/// Cuts the files into tasks, in file order.
fn plan(files: &[WorkerFile], opts: &ParseOptions) -> (Vec<Task>, Vec<usize>) {
    let mut tasks = Vec::new();
    let mut per_file = Vec::with_capacity(files.len());
    for (k, f) in files.iter().enumerate() {
        let enc = srtlog_io::open::read_head(&f.path, 4)
            .map(|h| sniff_encoding(&h))
            .unwrap_or(Encoding::Plain);
        let before = tasks.len();
        if enc == Encoding::Plain && f.size > opts.chunk_bytes as u64 {
            let mut off = 0u64;
            while off < f.size {
                let len = (f.size - off).min(opts.chunk_bytes as u64) as usize;
                tasks.push(Task::Range {
                    file: k,
                    offset: off,
                    len,
                });
                off += len as u64;
            }
        } else {
            tasks.push(Task::Whole { file: k });
        }
        per_file.push(tasks.len() - before);
    }
    (tasks, per_file)
}

/// What is known of a file while its chunks arrive.
#[derive(Default)]
struct FileState {
    stats: ChunkStats,
    warnings: Vec<String>,
    remaining: usize,
    /// Primary ranks and worker type decided from the first chunk, used for
    /// the rows streamed before the whole file is known.
    provisional: Option<(BTreeMap<Option<u16>, Ranks>, WorkerType)>,
    /// vLLM: the year of the first line, decided when first needed.
    year: Option<YearChoice>,
}

/// Parses `files`, streaming table parts as they are ready.
///
/// Chunks are parsed in parallel a window at a time and handed over in file
/// order: `on_part(file_index, rows)` for each table part (when
/// [`ParseOptions::keep_table`] is set), then `on_done(log, exact)` when a
/// file is complete. Memory is bounded by the window (a few chunks), not by
/// the file or the run.
///
/// Rows are streamed before the whole file is known, so their `duplicate`
/// flag and `worker_type` column use the primary ranks and type decided from
/// the file's first chunk. When the complete file disagrees (a rank that
/// first prints batch lines late in a file, for example), `exact` is false:
/// the summary in `log` is still exact, but the streamed rows' flags are not,
/// and a caller that stores them should rebuild them with [`parse_files`],
/// which holds each file and is always exact.
pub fn parse_files_streaming(
    files: &[WorkerFile],
    opts: &ParseOptions,
    progress: &AtomicU64,
    mut on_part: impl FnMut(usize, RecordBatch) -> Result<()>,
    mut on_done: impl FnMut(WorkerLog, bool) -> Result<()>,
) -> Result<()> {
    let (tasks, per_file) = plan(files, opts);
    let mut states: Vec<FileState> = per_file
        .iter()
        .map(|&n| FileState {
            remaining: n,
            ..FileState::default()
        })
        .collect();
    // With tables, a window of two chunks per thread keeps every core busy
    // while bounding the rows in memory; without, nothing large is kept.
    let window = if opts.keep_table {
        (2 * rayon::current_num_threads()).max(2)
    } else {
        tasks.len().max(1)
    };
    for win in tasks.chunks(window) {
        let outs: Vec<TaskOut> = win
            .par_iter()
            .map(|t| match *t {
                Task::Range { file, offset, len } => {
                    let (stats, parts, warning) =
                        run_range(&files[file], offset, len, opts.keep_table);
                    progress.fetch_add(len as u64, Ordering::Relaxed);
                    TaskOut {
                        file,
                        stats,
                        parts,
                        warning,
                    }
                }
                Task::Whole { file } => {
                    let (stats, parts, warning) =
                        run_whole(&files[file], opts.keep_table, progress);
                    TaskOut {
                        file,
                        stats,
                        parts,
                        warning,
                    }
                }
            })
            .collect();
        for o in outs {
            let f = &files[o.file];
            let st = &mut states[o.file];
            let base = st.stats.lines;
            let shift = st.stats.merge_next(o.stats);
            st.warnings.extend(o.warning);
            let (primary, ty) = st
                .provisional
                .get_or_insert_with(|| (primary_ranks(&st.stats), decide_type(f, &st.stats)))
                .clone();
            let complete = st.remaining == 1;
            if f.backend == Backend::Vllm
                && st.year.is_none()
                && (complete || o.parts.iter().any(|(_, _, c)| c.needs_year()))
            {
                st.year = Some(decide_year(f, opts, &st.stats, complete));
            }
            if !o.parts.is_empty() {
                let meta = file_meta(f, ty);
                let is_primary = |r: &Ranks| primary.get(&r.dp).is_none_or(|p| p == r);
                for (rel, part_shift, c) in o.parts {
                    let year = st.year.map(|y| y.base + shift + part_shift);
                    on_part(
                        o.file,
                        c.assemble_in_year(&meta, base + rel, &is_primary, year)?,
                    )?;
                }
            }
            st.remaining -= 1;
            if st.remaining == 0 {
                let st = std::mem::take(st);
                let log = finish_file(f, st.stats, st.warnings, st.year);
                let exact = st
                    .provisional
                    .is_none_or(|(p, t)| p == log.primary && t == log.worker_type);
                on_done(log, exact)?;
            }
        }
    }
    Ok(())
}

/// The year of a vLLM file's first line ([`crate::year::resolve`]).
fn decide_year(f: &WorkerFile, opts: &ParseOptions, st: &ChunkStats, complete: bool) -> YearChoice {
    crate::year::resolve(
        opts.year,
        &st.clock,
        complete,
        crate::year::mtime_date(&f.path),
        || crate::year::tail_hint(&f.path),
    )
}

fn file_meta(f: &WorkerFile, ty: WorkerType) -> FileMeta {
    FileMeta {
        file: f.path.display().to_string(),
        node: f.node.clone(),
        worker_type: ty.as_str().to_string(),
        worker_id: f.worker_id.clone(),
    }
}

/// Parses `files` and hands each [`WorkerLog`], with its rows in
/// [`WorkerLog::table`] when [`ParseOptions::keep_table`] is set, to `on_done`
/// in input order. Holds one file's rows at a time; the `duplicate` and
/// `worker_type` columns are always exact.
pub fn parse_files(
    files: &[WorkerFile],
    opts: &ParseOptions,
    progress: &AtomicU64,
    mut on_done: impl FnMut(WorkerLog) -> Result<()>,
) -> Result<()> {
    let parts = std::cell::RefCell::new(Vec::new());
    parse_files_streaming(
        files,
        opts,
        progress,
        |_, rb| {
            parts.borrow_mut().push(rb);
            Ok(())
        },
        |mut log, exact| {
            let mut table = std::mem::take(&mut *parts.borrow_mut());
            if !exact {
                let meta = file_meta(&log.source, log.worker_type);
                let primary = log.primary.clone();
                let is_primary = |r: &Ranks| primary.get(&r.dp).is_none_or(|p| p == r);
                table = table
                    .iter()
                    .map(|rb| srtlog_table::node_metrics::reassign(rb, &meta, &is_primary))
                    .collect::<Result<_, _>>()?;
            }
            log.table = table;
            on_done(log)
        },
    )
}

fn finish_file(
    f: &WorkerFile,
    mut stats: ChunkStats,
    messages: Vec<String>,
    year: Option<YearChoice>,
) -> WorkerLog {
    let name = f.path.display().to_string();
    let mut warnings: Vec<Warning> = messages
        .into_iter()
        .map(|m| Warning {
            file: name.clone(),
            message: m,
        })
        .collect();
    if stats.binary_lines > 0 {
        warnings.push(Warning {
            file: name.clone(),
            message: format!(
                "{} lines hold binary data (NUL bytes); they were skipped",
                stats.binary_lines
            ),
        });
    }
    let what = match f.backend {
        Backend::Sglang => "batch or memory records",
        Backend::Vllm => "engine statistics lines",
    };
    if stats.unparsed > 0 {
        warnings.push(Warning {
            file: name.clone(),
            message: format!(
                "{} lines look like {what} but did not parse (see --coverage)",
                stats.unparsed
            ),
        });
    }
    if f.backend == Backend::Vllm {
        vllm_warnings(&name, &mut stats, year, &mut warnings);
    }
    let primary = primary_ranks(&stats);
    let worker_type = decide_type(f, &stats);
    WorkerLog {
        source: f.clone(),
        worker_type,
        stats,
        primary,
        warnings,
        table: Vec::new(),
        year,
    }
}

/// The warnings particular to vLLM files, and the time range of their lines
/// once the year is known.
fn vllm_warnings(
    name: &str,
    stats: &mut ChunkStats,
    year: Option<YearChoice>,
    warnings: &mut Vec<Warning>,
) {
    let mut warn = |message: String| {
        warnings.push(Warning {
            file: name.to_string(),
            message,
        })
    };
    if stats.stats_lines() == 0 {
        let tail = match (&stats.last_error, &stats.last_line) {
            (Some(e), _) => format!("last error (line {}): {}", e.line, e.text),
            (None, Some(l)) => format!("no error line; last line ({}): {}", l.line, l.text),
            (None, None) => "the file is empty".to_string(),
        };
        // V1 logs an idle interval at DEBUG (formats.md §2.2), so a server
        // that started and served little prints none at all.
        let why = if stats.server_ready {
            "the server started but printed none: it ran for less than the 10-s logging interval or was idle"
        } else {
            "the server may not have started"
        };
        warn(format!("no engine statistics lines ({why}): {tail}"));
    }
    let Some(y) = year else {
        return;
    };
    match y.source {
        YearSource::Mtime => warn(format!(
            "vLLM prints dates without a year and the file holds no full date: took {} from the file's modification time (use --year to set it)",
            y.base
        )),
        YearSource::Today => warn(format!(
            "vLLM prints dates without a year and neither the file nor its modification time gives one: took {} from today's date (use --year to set it)",
            y.base
        )),
        YearSource::Option | YearSource::File => {}
    }
    // The time range of vLLM lines, for the callers that read it from the
    // statistics.
    if let Some(c) = stats.clock.first {
        let t = srtlog_table::node_metrics::LocalTime {
            year_offset: 0,
            at: c,
        };
        stats.any_first = Some(t.in_year(y.base));
    }
    if let Some(l) = stats.clock.now() {
        stats.any_last = Some(l.in_year(y.base));
    }
}

/// Parses one file completely (convenience for tests and the library API).
pub fn parse_one(path: &Path, keep_table: bool) -> Result<WorkerLog> {
    let f = crate::discover::WorkerFile::from_path(path)?;
    let mut out = None;
    let opts = ParseOptions {
        keep_table,
        ..ParseOptions::default()
    };
    parse_files(std::slice::from_ref(&f), &opts, &AtomicU64::new(0), |w| {
        out = Some(w);
        Ok(())
    })?;
    out.ok_or_else(|| crate::error::Error::NotFound(path.to_path_buf()))
}
