//! Parsing worker files: line-aligned blocks parsed in parallel, merged in
//! file order, on the block engine of `srtlog-io` ([`srtlog_io::blocks`]).
//!
//! A plain file larger than the chunk size becomes several byte ranges
//! (each ends on a line boundary, and each later range skips the partial
//! line its predecessor owns); a compressed file is one task that decodes
//! and scans block by block. Tasks run on rayon's pool and their results are
//! merged in order, so line numbers, examples and tables are identical to a
//! sequential run.
//!
//! Tasks run a window at a time (two per thread when tables are built), and
//! each window's table parts are handed to the caller before the next starts,
//! which bounds memory by the window rather than the file or the run.
//!
//! * [`boundary`]: the vLLM rule that keeps a statistics line and its
//!   companion lines in one block;
//! * [`plan`]: what the engine does with a block (the scan) and how files are
//!   cut (chunk sizes, the line cap);
//! * [`exec`]: the executor that merges blocks into per-file results and
//!   streams table parts.

pub mod boundary;
pub mod exec;
pub mod plan;

use crate::discover::WorkerFile;
use crate::error::Result;
use crate::scan::ChunkStats;
pub use crate::types::{Backend, EngineSummary, Warning, WorkerType};
use crate::year::YearChoice;
pub use exec::{parse_files, parse_files_streaming};
pub use plan::MAX_LINE_BYTES;
use srtlog_formats::sglang::{BatchKind, Ranks};
use srtlog_formats::Timestamp;
use srtlog_table::RecordBatch;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::AtomicU64;

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

pub(crate) fn decide_type(f: &WorkerFile, st: &ChunkStats) -> WorkerType {
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
        // `null` / `None`: caches written before the mode was normalised.
        Some("null") | Some("None") => return WorkerType::Agg,
        _ if st.config.aggregated == Some(true) => return WorkerType::Agg,
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
