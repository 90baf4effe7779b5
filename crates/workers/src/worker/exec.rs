//! The executor: runs the block engine over worker files and merges each
//! file's blocks, in order, into its statistics and table parts.

use super::plan::{block_options, WorkerJob};
use super::{decide_type, primary_ranks, ParseOptions, WorkerLog};
use crate::discover::WorkerFile;
use crate::error::Result;
use crate::scan::ChunkStats;
use crate::types::{Backend, Warning, WorkerType};
use crate::year::{YearChoice, YearSource};
use srtlog_formats::sglang::Ranks;
use srtlog_io::blocks::TaskDone;
use srtlog_table::node_metrics::{Chunk, FileMeta};
use srtlog_table::RecordBatch;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;

/// Table rows of part of a file: the line offset of the part within its
/// task, the year offset of its vLLM rows within the task, and its columns.
type Part = (u64, i32, Chunk);

/// What is known of a file while its chunks arrive.
#[derive(Default)]
struct FileState {
    stats: ChunkStats,
    warnings: Vec<String>,
    /// Primary ranks and worker type decided from the first chunk, used for
    /// the rows streamed before the whole file is known.
    provisional: Option<(BTreeMap<Option<u16>, Ranks>, WorkerType)>,
    /// vLLM: the year of the first line, decided when first needed.
    year: Option<YearChoice>,
    /// Lines skipped for being longer than the cap, and the first one.
    overlong: (u64, Option<u64>),
}

/// Folds the blocks of one task as a sequential scan would: line numbers and
/// year offsets of later blocks continue those of earlier ones.
fn fold_task(
    t: &mut TaskDone<(ChunkStats, Option<Chunk>)>,
    st: &mut FileState,
) -> (ChunkStats, Vec<Part>) {
    let mut stats = ChunkStats::default();
    let mut parts = Vec::new();
    for b in t.blocks.drain(..) {
        if let Some(&first) = b.overlong.first() {
            st.overlong.0 += b.overlong.len() as u64;
            st.overlong.1.get_or_insert(first);
        }
        let (part, chunk) = b.out;
        let base = stats.lines;
        let shift = stats.merge_next(part);
        if let Some(c) = chunk {
            parts.push((base, shift, c));
        }
    }
    (stats, parts)
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
    let paths: Vec<PathBuf> = files.iter().map(|f| f.path.clone()).collect();
    let job = WorkerJob {
        files,
        keep: opts.keep_table,
    };
    let mut states: Vec<FileState> = files.iter().map(|_| FileState::default()).collect();
    srtlog_io::blocks::run(&paths, &job, &block_options(opts), progress, |mut t| {
        let f = &files[t.file];
        let st = &mut states[t.file];
        let (stats, parts) = fold_task(&mut t, st);
        let base = st.stats.lines;
        let shift = st.stats.merge_next(stats);
        st.warnings.extend(t.warning.map(|w| w.message));
        let (primary, ty) = st
            .provisional
            .get_or_insert_with(|| (primary_ranks(&st.stats), decide_type(f, &st.stats)))
            .clone();
        let complete = t.last;
        if f.backend == Backend::Vllm
            && st.year.is_none()
            && (complete || parts.iter().any(|(_, _, c)| c.needs_year()))
        {
            st.year = Some(decide_year(f, opts, &st.stats, complete));
        }
        if !parts.is_empty() {
            let meta = file_meta(f, ty);
            let is_primary = |r: &Ranks| primary.get(&r.dp).is_none_or(|p| p == r);
            for (rel, part_shift, c) in parts {
                let year = st.year.map(|y| y.base + shift + part_shift);
                on_part(
                    t.file,
                    c.assemble_in_year(&meta, base + rel, &is_primary, year)?,
                )?;
            }
        }
        if complete {
            let mut st = std::mem::take(st);
            if let (n @ 1.., Some(first)) = st.overlong {
                st.warnings.push(format!(
                    "{n} lines longer than {} bytes were skipped (first at line {first})",
                    super::plan::max_line_bytes()
                ));
            }
            let log = finish_file(f, st.stats, st.warnings, st.year);
            let exact = st
                .provisional
                .is_none_or(|(p, t)| p == log.primary && t == log.worker_type);
            on_done(log, exact)?;
        }
        Ok(())
    })
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
    if !stats.rejected.is_empty() {
        let n: u64 = stats.rejected.values().sum();
        let per: Vec<String> = stats
            .rejected
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        warnings.push(Warning {
            file: name.clone(),
            message: format!(
                "{n} value(s) did not fit their column and were left null: {}",
                per.join(", ")
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
