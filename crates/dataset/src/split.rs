//! The split planner: the work list a distributed engine hands its workers.
//!
//! [`plan_splits`] lists the sources of each run (as the ingest does,
//! [`crate::sources`]) and cuts every plain JSON-lines file larger than the
//! target into byte ranges of about that size (the split rule is in
//! [`crate::read`]); worker logs, compressed files and snapshot folders are
//! one split each. The planner reads directory entries and file sizes
//! only (plus four bytes per file to tell compressed from plain), so a
//! driver plans terabytes without reading them; each split is then one call
//! of [`crate::read::read_file`] on a worker.

use crate::read::{is_plain, ByteRange};
use crate::schema::{SourceWarning, Table};
use crate::Result;
use std::path::{Path, PathBuf};

/// One unit of work: a source of a table of a run, whole or one range.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Split {
    /// The table name (`node_metrics`, `requests`, …).
    pub table: String,
    /// The run id.
    pub run: String,
    /// The file, or the snapshot folder.
    pub path: PathBuf,
    /// The byte range, or `None` for the whole source.
    pub range: Option<ByteRange>,
    /// Bytes of input the split covers (the folder's files for a snapshot
    /// folder), for balancing.
    pub bytes: u64,
}

/// The splits of `runs` (run folders) for `tables` (all when empty), cut
/// at `target_bytes` (at least 1 MiB). Returns the splits, in run, table
/// and path order, and the paths that could not be listed.
pub fn plan_splits(
    runs: &[PathBuf],
    tables: &[Table],
    target_bytes: u64,
) -> Result<(Vec<Split>, Vec<SourceWarning>)> {
    let ids = run_ids(runs)?;
    let mut splits = Vec::new();
    let mut warnings = Vec::new();
    for (run, id) in runs.iter().zip(ids) {
        let (s, w) = plan_run(run, &id, tables, target_bytes)?;
        splits.extend(s);
        warnings.extend(w);
    }
    Ok((splits, warnings))
}

/// The ids of `runs` (run folders), as [`plan_splits`] and the ingest give
/// them ([`crate::runid::assign`] over the canonical paths). Reads no file:
/// canonicalising a path is a metadata lookup. A run that does not exist
/// is [`crate::Error::NotFound`].
pub fn run_ids(runs: &[PathBuf]) -> Result<Vec<String>> {
    let canonical: Vec<String> = runs
        .iter()
        .map(|r| {
            std::fs::canonicalize(r)
                .map(|c| c.display().to_string())
                .map_err(|_| crate::Error::NotFound(r.clone()))
        })
        .collect::<Result<_>>()?;
    Ok(crate::runid::assign(&canonical, &Default::default()))
}

/// The splits of one run folder `run` whose id is `id` (from [`run_ids`]):
/// what [`plan_splits`] does per run. Distributed readers call it on a
/// worker, one task per run, so that the driver never reads a file: listing
/// a run reads the heads of the files whose names do not say what they
/// are (worker-log discovery), which at fleet scale is itself I/O worth
/// spreading.
pub fn plan_run(
    run: &Path,
    id: &str,
    tables: &[Table],
    target_bytes: u64,
) -> Result<(Vec<Split>, Vec<SourceWarning>)> {
    let target = target_bytes.max(1 << 20);
    let mut splits = Vec::new();
    let found = crate::sources::discover(run)?;
    let warnings = found.warnings;
    for s in found.sources {
        if !tables.is_empty() && !tables.contains(&s.table) {
            continue;
        }
        let bytes: u64 = s.files.iter().map(|f| size(f)).sum();
        let splittable = matches!(s.table, Table::Requests | Table::AiperfRecords)
            && bytes > target
            && is_plain(&s.path);
        if !splittable {
            splits.push(Split {
                table: s.table.name().into(),
                run: id.to_string(),
                path: s.path,
                range: None,
                bytes,
            });
            continue;
        }
        let mut start = 0;
        while start < bytes {
            let end = (start + target).min(bytes);
            splits.push(Split {
                table: s.table.name().into(),
                run: id.to_string(),
                path: s.path.clone(),
                range: Some(ByteRange { start, end }),
                bytes: end - start,
            });
            start = end;
        }
    }
    Ok((splits, warnings))
}

fn size(p: &Path) -> u64 {
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}
