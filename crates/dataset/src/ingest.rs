//! `srtlog ingest RUN... --into DATASET/`: every job's tables of every run
//! into one Hive-partitioned Parquet dataset.
//!
//! Layout (columns in `docs/dataset.md`):
//!
//! ```text
//! DATASET/_srtlog_manifest.json
//! DATASET/node_metrics/run=<id>/worker_type=<prefill|decode|agg>/part-<h>.parquet
//! DATASET/requests/run=<id>/part-<h>.parquet
//! DATASET/aiperf_records/run=<id>/part-<h>.parquet
//! DATASET/snapshot_pairs/run=<id>/part-<h>.parquet
//! DATASET/runs/run=<id>/part-0.parquet        one row per run
//! DATASET/warnings/run=<id>/part-0.parquet    one row per problem
//! ```
//!
//! One partition file per source (`<h>`: 16 hex digits of the FNV-1a hash
//! of the source's path, so names are deterministic and a changed source
//! replaces exactly its own file). A source whose fingerprints match the
//! manifest is skipped; a changed one is read again and its file replaced;
//! a source gone from its run loses its file. Every file is written
//! atomically ([`crate::write`]) and the manifest after each run, so an
//! interrupted ingest leaves whole files only, and the next one finishes
//! the work (stale temporaries are swept first).

use crate::manifest::{Manifest, RunEntry, SourceEntry};
use crate::read::read_source;
use crate::schema::{rows, SourceWarning, Table};
use crate::sources::Source;
use crate::{Error, Result};
use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use serde::Serialize;
use srtlog_io::fingerprint::{fnv1a, FNV_OFFSET};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

/// What to ingest where.
#[derive(Clone, Debug)]
pub struct IngestOptions {
    /// Run folders.
    pub runs: Vec<PathBuf>,
    /// The dataset folder (created when missing).
    pub into: PathBuf,
}

/// One run's part of the summary.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RunReport {
    /// Run id.
    pub id: String,
    /// Canonical path.
    pub path: String,
    /// Sources found.
    pub sources: u64,
    /// Sources read (new or changed).
    pub parsed: u64,
    /// Sources unchanged since the last ingest.
    pub skipped: u64,
    /// Sources gone since the last ingest (their files removed).
    pub removed: u64,
}

/// What an ingest did (`--json`).
#[derive(Clone, Debug, Default, Serialize)]
pub struct IngestSummary {
    /// The dataset folder.
    pub dataset: String,
    /// Per run.
    pub runs: Vec<RunReport>,
    /// Source files read (a snapshot folder counts its files).
    pub files_parsed: u64,
    /// Source files unchanged, not read.
    pub files_skipped: u64,
    /// Rows written by this ingest, per table.
    pub rows_written: BTreeMap<String, u64>,
    /// Rows in the dataset after it, per table (every run in the manifest).
    pub rows_total: BTreeMap<String, u64>,
    /// Rows per worker type in `node_metrics`, after it.
    pub node_metrics_by_worker_type: BTreeMap<String, u64>,
    /// Bytes of the sources read.
    pub bytes_in: u64,
    /// Bytes of the partition files written.
    pub bytes_out: u64,
    /// Temporaries of interrupted ingests removed.
    pub stale_removed: u64,
    /// Warnings of this ingest (sources read now, and paths not listed).
    pub warnings: Vec<SourceWarning>,
}

/// The partition folder of a run in a table.
fn run_dir(table: &str, id: &str) -> PathBuf {
    PathBuf::from(table).join(format!("run={id}"))
}

/// The partition file of a source, relative to the dataset.
pub fn part_path(table: Table, id: &str, partition: Option<&str>, source: &Path) -> PathBuf {
    let mut p = run_dir(table.name(), id);
    if let (true, Some(w)) = (table.by_worker_type(), partition) {
        p = p.join(format!("worker_type={}", crate::runid::safe_name(w)));
    }
    let h = fnv1a(FNV_OFFSET, source.display().to_string().as_bytes());
    p.join(format!("part-{h:016x}.parquet"))
}

/// Ingests `opts.runs` into `opts.into`. `progress` counts source bytes read.
pub fn ingest(opts: &IngestOptions, progress: &AtomicU64) -> Result<IngestSummary> {
    let root = &opts.into;
    std::fs::create_dir_all(root).map_err(|e| Error::io(root, e))?;
    let mut manifest = Manifest::load(root)?;
    let mut sum = IngestSummary {
        dataset: root.display().to_string(),
        stale_removed: sweep_stale(root),
        ..IngestSummary::default()
    };
    let mut canonical = Vec::new();
    for r in &opts.runs {
        let c = std::fs::canonicalize(r).map_err(|_| Error::NotFound(r.clone()))?;
        let c = c.display().to_string();
        if !canonical.contains(&c) {
            canonical.push(c);
        }
    }
    let ids = crate::runid::assign(&canonical, &manifest.ids());
    for (path, id) in canonical.iter().zip(ids) {
        let old = manifest.runs.remove(&id).unwrap_or_default();
        let (entry, report) = ingest_run(root, &id, Path::new(path), old, &mut sum, progress)?;
        write_run_tables(root, &id, &entry, &mut sum)?;
        manifest.runs.insert(id.clone(), entry);
        manifest.store(root)?;
        sum.runs.push(report);
    }
    for entry in manifest.runs.values() {
        for s in &entry.sources {
            *sum.rows_total.entry(s.table.clone()).or_default() += s.rows;
            if let (Some(w), true) = (&s.partition, s.table == Table::NodeMetrics.name()) {
                *sum.node_metrics_by_worker_type
                    .entry(w.clone())
                    .or_default() += s.rows;
            }
        }
    }
    Ok(sum)
}

fn ingest_run(
    root: &Path,
    id: &str,
    path: &Path,
    old: RunEntry,
    sum: &mut IngestSummary,
    progress: &AtomicU64,
) -> Result<(RunEntry, RunReport)> {
    let mut found = crate::sources::discover(path)?;
    sum.warnings.extend(found.warnings);
    // A dataset inside a run folder is not a source of it (its manifest
    // would otherwise look like a JSON file to the request-log walk).
    let own = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    found
        .sources
        .retain(|s| !std::fs::canonicalize(&s.path).is_ok_and(|p| p.starts_with(&own)));
    if found.sources.is_empty() {
        sum.warnings.push(SourceWarning {
            path: path.display().to_string(),
            line: None,
            message: "nothing to ingest: no worker logs, request logs, AIPerf exports or snapshot folders".into(),
        });
    }
    let mut previous: BTreeMap<(String, String), SourceEntry> = old
        .sources
        .into_iter()
        .map(|s| ((s.table.clone(), s.path.clone()), s))
        .collect();
    let mut report = RunReport {
        id: id.into(),
        path: path.display().to_string(),
        sources: found.sources.len() as u64,
        ..RunReport::default()
    };
    let mut entry = RunEntry {
        path: path.display().to_string(),
        sources: Vec::new(),
    };
    for src in &found.sources {
        let key = (src.table.name().to_string(), src.path.display().to_string());
        let prev = previous.remove(&key);
        let files = match fingerprints(src) {
            Ok(f) => f,
            Err(w) => {
                // Unreadable now: reported; what the dataset held is kept.
                sum.warnings.push(w);
                entry.sources.extend(prev);
                continue;
            }
        };
        if let Some(p) = prev.filter(|p| unchanged(root, p, &files)) {
            report.skipped += 1;
            sum.files_skipped += files.len() as u64;
            entry.sources.push(p);
            continue;
        }
        let e = ingest_source(root, id, src, files, sum, progress)?;
        report.parsed += 1;
        entry.sources.push(e);
    }
    // Sources no longer in the run: their files go.
    for (_, gone) in previous {
        report.removed += 1;
        if let Some(p) = &gone.part {
            remove(root, p);
        }
    }
    Ok((entry, report))
}

fn fingerprints(src: &Source) -> Result<Vec<srtlog_io::Fingerprint>, SourceWarning> {
    src.files
        .iter()
        .map(|f| {
            srtlog_io::fingerprint(f).map_err(|e| SourceWarning {
                path: f.display().to_string(),
                line: None,
                message: format!("cannot fingerprint, not ingested: {e}"),
            })
        })
        .collect()
}

fn unchanged(root: &Path, prev: &SourceEntry, files: &[srtlog_io::Fingerprint]) -> bool {
    prev.files == files && prev.part.as_ref().is_none_or(|p| root.join(p).is_file())
}

fn remove(root: &Path, rel: &str) {
    let p = root.join(rel);
    if let Err(e) = std::fs::remove_file(&p) {
        if e.kind() != std::io::ErrorKind::NotFound {
            tracing::warn!("{}: cannot remove: {e}", p.display());
        }
    }
}

fn ingest_source(
    root: &Path,
    id: &str,
    src: &Source,
    files: Vec<srtlog_io::Fingerprint>,
    sum: &mut IngestSummary,
    progress: &AtomicU64,
) -> Result<SourceEntry> {
    let read = read_source(src.table, id, &src.path, progress)?;
    sum.files_parsed += files.len() as u64;
    sum.bytes_in += files.iter().map(|f| f.size).sum::<u64>();
    sum.warnings.extend(read.warnings.iter().cloned());
    let n = rows(&read.batches);
    let rel = part_path(src.table, id, read.partition.as_deref(), &src.path);
    // The file a source had before (another worker type, or rows then and
    // none now) goes; the new one replaces it atomically.
    let part = if n > 0 {
        sum.bytes_out +=
            crate::write::write_part(&root.join(&rel), src.table.schema(), &read.batches)?;
        *sum.rows_written.entry(src.table.name().into()).or_default() += n;
        Some(rel.display().to_string())
    } else {
        None
    };
    if src.table.by_worker_type() {
        // A worker log whose type changed leaves a file in the old folder.
        for w in ["prefill", "decode", "agg"] {
            let other = part_path(src.table, id, Some(w), &src.path);
            if Some(other.display().to_string()) != part {
                remove(root, &other.display().to_string());
            }
        }
    }
    if part.is_none() {
        remove(
            root,
            &part_path(src.table, id, None, &src.path)
                .display()
                .to_string(),
        );
    }
    Ok(SourceEntry {
        table: src.table.name().into(),
        path: src.path.display().to_string(),
        files,
        part,
        rows: n,
        partition: read.partition,
        counts: read.counts,
        warnings: read.warnings,
    })
}

/// Removes the temporaries of interrupted writes in every folder of the
/// dataset (those of processes still running are left).
fn sweep_stale(root: &Path) -> u64 {
    let mut n = 0;
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        n += srtlog_io::atomic::remove_stale(&d).len() as u64;
        if let Ok(rd) = std::fs::read_dir(&d) {
            for e in rd.flatten() {
                if e.file_type().is_ok_and(|t| t.is_dir()) {
                    stack.push(e.path());
                }
            }
        }
    }
    n
}

/// Columns of the `runs` table, after `run` and `path`, all int64.
pub const RUN_COLUMNS: [&str; 16] = [
    "sources",
    "worker_logs",
    "prefill_workers",
    "decode_workers",
    "agg_workers",
    "node_metrics_rows",
    "requests_rows",
    "aiperf_records_rows",
    "snapshot_pairs_rows",
    "prefill_batches",
    "decode_batches",
    "memory_snapshots",
    "stats_lines",
    "bad_lines",
    "warnings",
    "input_bytes",
];

/// The `runs` table's schema: `run`, `path`, the [`RUN_COLUMNS`], then
/// `concurrency` and `request_rate` (float64, null unless the run folder's
/// name says, as AIPerf sweeps name them: `…-concurrency8`,
/// `…-request_rate2.5`).
pub fn runs_schema() -> SchemaRef {
    let mut f = vec![
        Field::new("run", DataType::Utf8, false),
        Field::new("path", DataType::Utf8, false),
    ];
    f.extend(
        RUN_COLUMNS
            .iter()
            .map(|c| Field::new(*c, DataType::Int64, false)),
    );
    f.push(Field::new("concurrency", DataType::Float64, true));
    f.push(Field::new("request_rate", DataType::Float64, true));
    Arc::new(Schema::new(f))
}

/// The `warnings` table's schema: `run`, `table`, then
/// [`crate::schema::warnings_schema`]'s columns.
pub fn warnings_table_schema() -> SchemaRef {
    let mut f = vec![
        Field::new("run", DataType::Utf8, false),
        Field::new("table", DataType::Utf8, false),
    ];
    f.extend(
        crate::schema::warnings_schema()
            .fields()
            .iter()
            .map(|f| f.as_ref().clone()),
    );
    Arc::new(Schema::new(f))
}

fn run_values(e: &RunEntry) -> BTreeMap<&'static str, u64> {
    let mut v: BTreeMap<&'static str, u64> = RUN_COLUMNS.iter().map(|c| (*c, 0)).collect();
    for s in &e.sources {
        let mut add = |k: &'static str, n: u64| *v.entry(k).or_default() += n;
        add("sources", 1);
        add("warnings", s.warnings.len() as u64);
        add("input_bytes", s.files.iter().map(|f| f.size).sum());
        add("bad_lines", s.counts.get("bad_lines").copied().unwrap_or(0));
        match Table::from_name(&s.table) {
            Ok(Table::NodeMetrics) => {
                add("worker_logs", 1);
                add("node_metrics_rows", s.rows);
                match s.partition.as_deref() {
                    Some("prefill") => add("prefill_workers", 1),
                    Some("decode") => add("decode_workers", 1),
                    _ => add("agg_workers", 1),
                }
                for k in [
                    "prefill_batches",
                    "decode_batches",
                    "memory_snapshots",
                    "stats_lines",
                ] {
                    add(k, s.counts.get(k).copied().unwrap_or(0));
                }
            }
            Ok(Table::Requests) => add("requests_rows", s.rows),
            Ok(Table::AiperfRecords) => add("aiperf_records_rows", s.rows),
            Ok(Table::SnapshotPairs) => add("snapshot_pairs_rows", s.rows),
            Err(_) => {}
        }
    }
    v
}

/// Writes the run's row of `runs` and its rows of `warnings`.
fn write_run_tables(root: &Path, id: &str, e: &RunEntry, sum: &mut IngestSummary) -> Result<()> {
    let v = run_values(e);
    let mut cols: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(vec![id])),
        Arc::new(StringArray::from(vec![e.path.as_str()])),
    ];
    for c in RUN_COLUMNS {
        let n = v.get(c).copied().unwrap_or(0);
        cols.push(Arc::new(Int64Array::from(vec![
            i64::try_from(n).unwrap_or(i64::MAX)
        ])));
    }
    let name = Path::new(&e.path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (conc, rate) = srtlog_aiperf::load_from_name(&name);
    cols.push(Arc::new(arrow_array::Float64Array::from(vec![conc])));
    cols.push(Arc::new(arrow_array::Float64Array::from(vec![rate])));
    let b = RecordBatch::try_new(runs_schema(), cols)?;
    let rel = run_dir("runs", id).join("part-0.parquet");
    sum.bytes_out += crate::write::write_part(&root.join(rel), runs_schema(), &[b])?;
    let w: Vec<(&str, &SourceWarning)> = e
        .sources
        .iter()
        .flat_map(|s| s.warnings.iter().map(move |w| (s.table.as_str(), w)))
        .collect();
    let rel = run_dir("warnings", id).join("part-0.parquet");
    if w.is_empty() {
        remove(root, &rel.display().to_string());
        return Ok(());
    }
    let cols: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(vec![id; w.len()])),
        Arc::new(StringArray::from_iter_values(w.iter().map(|(t, _)| *t))),
        Arc::new(StringArray::from_iter_values(
            w.iter().map(|(_, w)| w.path.as_str()),
        )),
        Arc::new(Int64Array::from_iter(
            w.iter()
                .map(|(_, w)| w.line.and_then(|l| i64::try_from(l).ok())),
        )),
        Arc::new(StringArray::from_iter_values(
            w.iter().map(|(_, w)| w.message.as_str()),
        )),
    ];
    let b = RecordBatch::try_new(warnings_table_schema(), cols)?;
    sum.bytes_out += crate::write::write_part(&root.join(rel), warnings_table_schema(), &[b])?;
    Ok(())
}
