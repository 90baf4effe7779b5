//! What of a run each table reads: its sources.
//!
//! A source is one file (a worker log, a request log, an AIPerf export) or,
//! for `snapshot_pairs`, one folder of Prometheus snapshots (pairs are made
//! across the folder's files, formats.md §5). Discovery reuses each job's
//! own rule: worker logs as `srtlog parse` finds them
//! ([`srtlog_workers::discover`](mod@srtlog_workers::discover)), AIPerf
//! exports as `srtlog aiperf` does, snapshot folders as the folders holding
//! files named `{id}_{before|after}_{time}.txt`, and request logs as
//! `srtlog requests` walks a run, less the files another table owns (worker
//! logs, snapshot files, srtlog's own `cached_assets/`), which hold no
//! request and would only be reported as unreadable JSON.

use crate::schema::{SourceWarning, Table};
use crate::Result;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One source of one table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// The table it feeds.
    pub table: Table,
    /// The file or snapshot folder.
    pub path: PathBuf,
    /// The files it is made of (the file itself, or the folder's snapshot
    /// files), which the manifest fingerprints.
    pub files: Vec<PathBuf>,
}

/// The sources of one run, in a stable order (table, then path).
#[derive(Clone, Debug, Default)]
pub struct RunSources {
    /// The sources.
    pub sources: Vec<Source>,
    /// Paths that could not be listed (unreadable, loops, FIFOs).
    pub warnings: Vec<SourceWarning>,
}

fn io_warning(w: &srtlog_io::Warning) -> SourceWarning {
    SourceWarning {
        path: w.path.display().to_string(),
        line: None,
        message: w.message.clone(),
    }
}

/// Whether a file name is a Prometheus snapshot's (formats.md §5).
pub fn is_snapshot_file(p: &Path) -> bool {
    p.extension().is_some_and(|x| x == "txt")
        && p.file_name()
            .and_then(|n| n.to_str())
            .and_then(srtlog_snapshots::naming::parse_name)
            .is_some()
}

/// The sources of the run folder (or file) `run`.
pub fn discover(run: &Path) -> Result<RunSources> {
    if !run.exists() {
        return Err(crate::Error::NotFound(run.to_path_buf()));
    }
    let mut out = RunSources::default();
    let roots = [run.to_path_buf()];
    let workers = srtlog_workers::discover::discover(&roots).map_err(|e| match e {
        srtlog_workers::Error::NotFound(p) => crate::Error::NotFound(p),
        other => crate::Error::io(run, std::io::Error::other(other.to_string())),
    })?;
    out.warnings.extend(workers.warnings.iter().map(io_warning));
    let mut owned: BTreeSet<PathBuf> = BTreeSet::new();
    for f in &workers.files {
        owned.insert(f.path.clone());
        out.sources.push(single(Table::NodeMetrics, &f.path));
    }
    // Snapshot folders.
    let opts = srtlog_io::WalkOptions {
        want_file: is_snapshot_file,
        ..srtlog_io::WalkOptions::default()
    };
    let snaps = srtlog_io::walk(&roots, &opts)?;
    let mut folders: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    for f in snaps.files {
        let dir = f.path.parent().map(Path::to_path_buf).unwrap_or_default();
        owned.insert(f.path.clone());
        folders.entry(dir).or_default().push(f.path);
    }
    for (dir, files) in folders {
        out.sources.push(Source {
            table: Table::SnapshotPairs,
            path: dir,
            files,
        });
    }
    for e in srtlog_aiperf::find_exports(run) {
        out.sources.push(single(Table::AiperfRecords, &e));
    }
    let (requests, warnings) = srtlog_requests::load::discover(&roots)
        .map_err(|e| crate::Error::io(run, std::io::Error::other(e.to_string())))?;
    out.warnings.extend(warnings.iter().map(io_warning));
    for (p, _) in requests {
        let cache = p
            .components()
            .any(|c| c.as_os_str() == srtlog_workers::cache::CACHE_DIR);
        if !owned.contains(&p) && !cache {
            out.sources.push(single(Table::Requests, &p));
        }
    }
    out.sources
        .sort_by(|a, b| (a.table, &a.path).cmp(&(b.table, &b.path)));
    Ok(out)
}

fn single(table: Table, p: &Path) -> Source {
    Source {
        table,
        path: p.to_path_buf(),
        files: vec![p.to_path_buf()],
    }
}
