//! The Parquet cache of a logs folder: `<logs>/cached_assets/node_metrics.parquet`
//! plus `cache_metadata.json`.
//!
//! A cache is valid while every source file has the same canonical path,
//! size, modification time, status-change time (ctime), inode and a hash of
//! its first and last 64 KiB, the srtlog version and table schema are
//! unchanged, and the Parquet file's footer reads and holds the number of
//! rows the metadata recorded. Hashing the head and tail instead of the
//! whole file (the Python srtlog read every byte for an MD5) keeps the check
//! constant-time per file; the size and mtime catch appends and rewrites
//! that the sampled bytes could miss, and the ctime and inode catch an edit
//! whose mtime was restored (`touch -r`, `cp -p`, `rsync -t`): the ctime
//! cannot be set back. Paths are canonical so that `parse /abs/logs` and
//! `parse logs` share one cache.

use crate::discover::WorkerFile;
use crate::error::{Error, Result};
use crate::summary::RunSummary;
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::path::{Path, PathBuf};

/// Folder name under the logs folder.
pub const CACHE_DIR: &str = "cached_assets";
/// The Parquet file.
pub const PARQUET_NAME: &str = "node_metrics.parquet";
/// The metadata file.
pub const META_NAME: &str = "cache_metadata.json";

pub use srtlog_io::fingerprint::Fingerprint;

/// Fingerprints a file ([`srtlog_io::fingerprint`](mod@srtlog_io::fingerprint), shared with the dataset
/// manifest); its path is made canonical (absolute, links resolved) so that
/// a relative and an absolute spelling agree.
pub fn fingerprint(path: &Path) -> Result<Fingerprint> {
    srtlog_io::fingerprint(path).map_err(|e| match e {
        srtlog_io::Error::Io { path, source } => Error::io(path, source),
        other => Error::from(other),
    })
}

/// The metadata stored beside the Parquet file.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CacheMeta {
    /// srtlog version that wrote it.
    pub srtlog_version: String,
    /// Column names of the table (schema check).
    pub columns: Vec<String>,
    /// Source files.
    pub files: Vec<Fingerprint>,
    /// The summary, so a cache hit needs no parsing at all.
    pub summary: RunSummary,
    /// Rows in the Parquet file, read from its footer when the metadata was
    /// written (absent in older metadata, which then never matches).
    #[serde(default)]
    pub rows: Option<u64>,
}

/// Paths of a logs folder's cache.
#[derive(Clone, Debug)]
pub struct CachePaths {
    /// `cached_assets/`.
    pub dir: PathBuf,
    /// The Parquet file.
    pub parquet: PathBuf,
    /// The metadata file.
    pub meta: PathBuf,
}

impl CachePaths {
    /// The cache of `logs_dir`.
    pub fn of(logs_dir: &Path) -> CachePaths {
        let dir = logs_dir.join(CACHE_DIR);
        CachePaths {
            parquet: dir.join(PARQUET_NAME),
            meta: dir.join(META_NAME),
            dir,
        }
    }
}

fn columns() -> Vec<String> {
    srtlog_table::node_metrics::schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect()
}

/// Fingerprints of `files`.
pub fn fingerprints(files: &[WorkerFile]) -> Result<Vec<Fingerprint>> {
    files.iter().map(|f| fingerprint(&f.path)).collect()
}

/// Returns the cached summary when the cache matches the current sources.
pub fn load_valid(paths: &CachePaths, current: &[Fingerprint]) -> Option<RunSummary> {
    let text = std::fs::read_to_string(&paths.meta).ok()?;
    let meta: CacheMeta = serde_json::from_str(&text).ok()?;
    let ok = meta.srtlog_version == env!("CARGO_PKG_VERSION")
        && meta.columns == columns()
        && meta.files == current;
    if !ok {
        return None;
    }
    // A truncated, emptied or replaced Parquet file is a miss, not a hit
    // that fails later: its footer must read and hold the rows recorded.
    match (parquet_rows(&paths.parquet), meta.rows) {
        (Ok(n), Some(want)) if n == want => Some(meta.summary),
        (Ok(n), want) => {
            tracing::info!(
                "{}: {n} rows, the metadata says {want:?}; rebuilding the cache",
                paths.parquet.display()
            );
            None
        }
        (Err(e), _) => {
            tracing::info!("{e}; rebuilding the cache");
            None
        }
    }
}

/// The row count in a Parquet file's footer (only the footer is read).
pub fn parquet_rows(path: &Path) -> Result<u64> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let f = File::open(path).map_err(|e| Error::io(path, e))?;
    let reader = SerializedFileReader::new(f)
        .map_err(|e| Error::io(path, std::io::Error::other(e.to_string())))?;
    let n = reader.metadata().file_metadata().num_rows();
    u64::try_from(n).map_err(|_| {
        Error::io(
            path,
            std::io::Error::other(format!("negative row count {n} in the footer")),
        )
    })
}

/// Writes the metadata (after the Parquet file is in place), atomically
/// through [`srtlog_io::write_atomic`]: a killed run leaves the previous
/// metadata or none, never half of it, and the next write clears its
/// temporary. (Older releases wrote `cache_metadata.json.tmp`; the file they
/// renamed into place has the same name and format, so their caches still
/// load.)
pub fn store_meta(paths: &CachePaths, files: Vec<Fingerprint>, summary: &RunSummary) -> Result<()> {
    let meta = CacheMeta {
        srtlog_version: env!("CARGO_PKG_VERSION").into(),
        columns: columns(),
        files,
        summary: summary.clone(),
        rows: Some(parquet_rows(&paths.parquet)?),
    };
    let text = serde_json::to_string_pretty(&meta).map_err(|e| Error::io(&paths.meta, e.into()))?;
    srtlog_io::write_atomic(&paths.meta, text.as_bytes())?;
    Ok(())
}
