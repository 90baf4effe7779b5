//! Parsing worker files: byte-range chunks in parallel, merged in file order.
//!
//! Work is cut into *tasks*: a plain file larger than the chunk size becomes
//! several byte ranges (each ends on a line boundary, and each later range
//! skips the partial line its predecessor owns); a compressed file is one
//! task that decodes and scans block by block. Tasks run on rayon's pool and
//! their results are merged in order, so line numbers, examples and tables
//! are identical to a sequential run.
//!
//! Files are processed in *groups* of about [`ParseOptions::group_bytes`]
//! input bytes. Each group's results are handed to the caller before the next
//! group starts, which bounds memory by the group size rather than the run
//! size when tables are kept for Parquet.

use crate::discover::WorkerFile;
use crate::error::Result;
use crate::input::{open_decoded, read_range_to_line_end, sniff_encoding, Encoding};
use crate::scan::{scan_buffer, ChunkStats, NullSink, RecordSink};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use srtlog_formats::sglang::{BatchKind, BatchRecord, MemoryRecord, Ranks};
use srtlog_formats::Timestamp;
use srtlog_table::node_metrics::{FileMeta, NodeMetricsBuilder};
use srtlog_table::RecordBatch;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// The type of a worker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WorkerType {
    /// Prefill worker (disaggregated).
    Prefill,
    /// Decode worker (disaggregated).
    Decode,
    /// Aggregated worker.
    Agg,
    /// No batch lines and no configuration said which.
    Unknown,
}

impl WorkerType {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            WorkerType::Prefill => "prefill",
            WorkerType::Decode => "decode",
            WorkerType::Agg => "agg",
            WorkerType::Unknown => "unknown",
        }
    }

    /// Title-case name for tables.
    pub fn title(self) -> &'static str {
        match self {
            WorkerType::Prefill => "Prefill",
            WorkerType::Decode => "Decode",
            WorkerType::Agg => "Agg",
            WorkerType::Unknown => "Unknown",
        }
    }
}

/// A problem confined to one file, reported and counted, never fatal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// The file.
    pub file: String,
    /// What happened.
    pub message: String,
}

/// Options of a parse.
#[derive(Clone, Debug)]
pub struct ParseOptions {
    /// Build Arrow tables of the rows (for Parquet and the library API).
    pub keep_table: bool,
    /// Byte size of a parallel chunk of a plain file.
    pub chunk_bytes: usize,
    /// Input bytes per group (see the module docs).
    pub group_bytes: u64,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            keep_table: true,
            chunk_bytes: 8 << 20,
            group_bytes: 256 << 20,
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

    /// First and last timestamp of the batch lines.
    pub fn batch_time_range(&self) -> Option<(Timestamp, Timestamp)> {
        let first = self.stats.ranks.values().map(|c| c.first).min()?;
        let last = self.stats.ranks.values().map(|c| c.last).max()?;
        Some((first, last))
    }

    /// Number of schedulers (DP groups) that printed batch lines.
    pub fn schedulers(&self) -> usize {
        self.primary.len()
    }
}

fn decide_type(f: &WorkerFile, st: &ChunkStats) -> WorkerType {
    if let Some(t) = f.declared_type {
        return t;
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

/// Result of one task.
struct TaskOut {
    file: usize,
    stats: ChunkStats,
    builder: Option<NodeMetricsBuilder>,
    warning: Option<String>,
}

/// A sink that numbers lines from a base (compressed files scanned in blocks).
struct Offset<'a> {
    inner: &'a mut NodeMetricsBuilder,
    base: u64,
}

impl RecordSink for Offset<'_> {
    fn batch(&mut self, line: u64, r: &BatchRecord<'_>) {
        self.inner.push_batch(self.base + line, r);
    }
    fn memory(&mut self, line: u64, r: &MemoryRecord) {
        self.inner.push_memory(self.base + line, r);
    }
}

fn scan_into(buf: &[u8], builder: &mut Option<NodeMetricsBuilder>, base: u64) -> ChunkStats {
    match builder {
        Some(b) => scan_buffer(buf, &mut Offset { inner: b, base }),
        None => scan_buffer(buf, &mut NullSink),
    }
}

fn run_range(
    f: &WorkerFile,
    offset: u64,
    len: usize,
    keep: bool,
) -> (ChunkStats, Option<NodeMetricsBuilder>, Option<String>) {
    let mut builder = keep.then(|| NodeMetricsBuilder::with_capacity(len / 200));
    let file = match File::open(&f.path) {
        Ok(x) => x,
        Err(e) => {
            return (
                ChunkStats::default(),
                builder,
                Some(format!("cannot open: {e}")),
            )
        }
    };
    // A range after the first reads one byte early: if that byte is `\n`, the
    // range starts on a line; otherwise its first partial line belongs to the
    // previous range.
    let (start, extra) = if offset == 0 { (0, 0) } else { (offset - 1, 1) };
    let buf = match read_range_to_line_end(&file, start, len + extra) {
        Ok(b) => b,
        Err(e) => {
            return (
                ChunkStats::default(),
                builder,
                Some(format!("read error at byte {offset}: {e}")),
            )
        }
    };
    let body = if offset == 0 {
        &buf[..]
    } else {
        match memchr::memchr(b'\n', &buf) {
            Some(i) => &buf[i + 1..],
            None => &buf[buf.len()..],
        }
    };
    let st = scan_into(body, &mut builder, 0);
    (st, builder, None)
}

fn run_whole(
    f: &WorkerFile,
    keep: bool,
    progress: &AtomicU64,
) -> (ChunkStats, Option<NodeMetricsBuilder>, Option<String>) {
    let mut builder = keep.then(|| NodeMetricsBuilder::with_capacity(4096));
    let mut st = ChunkStats::default();
    let mut reader = match open_decoded(&f.path) {
        Ok((_, r)) => r,
        Err(e) => return (st, builder, Some(e.to_string())),
    };
    const BLOCK: usize = 4 << 20;
    let mut buf: Vec<u8> = Vec::with_capacity(BLOCK * 2);
    let mut warning = None;
    let mut eof = false;
    while !eof {
        // Fill up to BLOCK bytes beyond the carried partial line.
        let target = buf.len() + BLOCK;
        while buf.len() < target {
            let old = buf.len();
            buf.resize(target, 0);
            match reader.read(&mut buf[old..]) {
                Ok(0) => {
                    buf.truncate(old);
                    eof = true;
                    break;
                }
                Ok(k) => buf.truncate(old + k),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => buf.truncate(old),
                Err(e) => {
                    buf.truncate(old);
                    warning = Some(format!(
                        "stream is truncated or corrupt after {} decoded bytes ({e}); kept the lines before",
                        st.bytes + buf.len() as u64
                    ));
                    eof = true;
                    break;
                }
            }
        }
        let cut = if eof {
            buf.len()
        } else {
            memchr::memrchr(b'\n', &buf).map_or(0, |i| i + 1)
        };
        if cut == 0 && !eof {
            continue; // a line longer than the block: read more
        }
        let base = st.lines;
        let part = scan_into(&buf[..cut], &mut builder, base);
        progress.fetch_add(cut as u64, Ordering::Relaxed);
        st.merge_next(part);
        buf.drain(..cut);
    }
    (st, builder, warning)
}

/// Parses `files` and hands each [`WorkerLog`] to `on_done` in input order.
///
/// `progress` is advanced by the number of input bytes scanned (decoded bytes
/// for compressed files), for progress bars.
pub fn parse_files(
    files: &[WorkerFile],
    opts: &ParseOptions,
    progress: &AtomicU64,
    mut on_done: impl FnMut(WorkerLog) -> Result<()>,
) -> Result<()> {
    let mut i = 0;
    while i < files.len() {
        // Take files until the group is full (at least one).
        let mut j = i;
        let mut bytes = 0u64;
        while j < files.len() && (j == i || bytes + files[j].size <= opts.group_bytes) {
            bytes += files[j].size;
            j += 1;
        }
        let group = &files[i..j];
        let mut tasks = Vec::new();
        let mut encodings = Vec::new();
        for (k, f) in group.iter().enumerate() {
            let enc = crate::input::read_head(&f.path, 4)
                .map(|h| sniff_encoding(&h))
                .unwrap_or(Encoding::Plain);
            encodings.push(enc);
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
        }
        let outs: Vec<TaskOut> = tasks
            .par_iter()
            .map(|t| match *t {
                Task::Range { file, offset, len } => {
                    let (stats, builder, warning) =
                        run_range(&group[file], offset, len, opts.keep_table);
                    progress.fetch_add(len as u64, Ordering::Relaxed);
                    TaskOut {
                        file,
                        stats,
                        builder,
                        warning,
                    }
                }
                Task::Whole { file } => {
                    let (stats, builder, warning) =
                        run_whole(&group[file], opts.keep_table, progress);
                    TaskOut {
                        file,
                        stats,
                        builder,
                        warning,
                    }
                }
            })
            .collect();
        let mut per_file: Vec<Vec<TaskOut>> = (0..group.len()).map(|_| Vec::new()).collect();
        for o in outs {
            per_file[o.file].push(o);
        }
        for (k, parts) in per_file.into_iter().enumerate() {
            on_done(finish_file(&group[k], parts)?)?;
        }
        i = j;
    }
    Ok(())
}

fn finish_file(f: &WorkerFile, parts: Vec<TaskOut>) -> Result<WorkerLog> {
    let name = f.path.display().to_string();
    let mut stats = ChunkStats::default();
    let mut warnings = Vec::new();
    let mut builders = Vec::new();
    for p in parts {
        let offset = stats.lines;
        stats.merge_next(p.stats);
        if let Some(w) = p.warning {
            warnings.push(Warning {
                file: name.clone(),
                message: w,
            });
        }
        if let Some(b) = p.builder {
            builders.push((offset, b));
        }
    }
    if stats.binary_lines > 0 {
        warnings.push(Warning {
            file: name.clone(),
            message: format!(
                "{} lines hold binary data (NUL bytes); they were skipped",
                stats.binary_lines
            ),
        });
    }
    if stats.unparsed > 0 {
        warnings.push(Warning {
            file: name.clone(),
            message: format!(
                "{} lines look like batch or memory records but did not parse (see --coverage)",
                stats.unparsed
            ),
        });
    }
    let primary = primary_ranks(&stats);
    let worker_type = decide_type(f, &stats);
    let mut log = WorkerLog {
        source: f.clone(),
        worker_type,
        stats,
        primary,
        warnings,
        table: Vec::new(),
    };
    let meta = FileMeta {
        file: name,
        node: f.node.clone(),
        worker_type: worker_type.as_str().to_string(),
        worker_id: f.worker_id.clone(),
    };
    for (offset, b) in builders {
        if b.is_empty() {
            continue;
        }
        let rb = b.finish(&meta, offset, &|r| log.is_primary(r))?;
        log.table.push(rb);
    }
    Ok(log)
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
