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
//!
//! The metadata also keeps what `viz` and `stats` need beyond the rows to
//! reduce a valid cache to series exactly as a fresh parse would
//! ([`crate::replay`]): per file, the row count of each table part in the
//! order the parser streamed them, the earliest timestamp, and the primary
//! rank of each DP group; and the `--year` the rows were parsed with (a
//! different `--year` is a different table, so a miss). [`CACHE_FORMAT`]
//! names this layout: metadata of another format (older releases wrote
//! none) never matches, so an old cache is rebuilt, never misread.

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

/// The layout of the cache metadata. 2: `year`, `replay` (and this field)
/// added for the cache reuse of `viz` and `stats`.
pub const CACHE_FORMAT: u32 = 2;

/// The metadata stored beside the Parquet file.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CacheMeta {
    /// [`CACHE_FORMAT`] of the writer (0: written before the field existed).
    #[serde(default)]
    pub format: u32,
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
    /// `--year` the rows were parsed with.
    #[serde(default)]
    pub year: Option<i32>,
    /// Per source file (in the order of `files`), what the series reduction
    /// needs beyond the rows.
    #[serde(default)]
    pub replay: Vec<FileReplay>,
}

/// What the series reduction of one file needs beyond its rows
/// ([`crate::replay`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileReplay {
    /// Rows of each table part, in the order the parser streamed them (the
    /// bucket width can double between parts, so the parts are replayed
    /// with the same boundaries for the same sums).
    pub parts: Vec<u64>,
    /// Earliest timestamp of any line, µs since the epoch
    /// ([`crate::series::WorkerMeta::start`]).
    pub start_us: Option<i64>,
    /// The primary rank of each DP group ([`crate::worker::WorkerLog::primary`]),
    /// as `[dp, pp, tp, ep, attn_cp, moe_dp]`.
    pub primary: Vec<[Option<u16>; 6]>,
}

impl FileReplay {
    /// The primary ranks of a parsed file, for the metadata.
    pub fn primary_of(
        primary: &std::collections::BTreeMap<Option<u16>, srtlog_formats::sglang::Ranks>,
    ) -> Vec<[Option<u16>; 6]> {
        primary
            .values()
            .map(|r| [r.dp, r.pp, r.tp, r.ep, r.attn_cp, r.moe_dp])
            .collect()
    }

    /// The primary ranks as [`crate::worker::WorkerLog::primary`] holds them.
    pub fn primary_map(
        &self,
    ) -> std::collections::BTreeMap<Option<u16>, srtlog_formats::sglang::Ranks> {
        self.primary
            .iter()
            .map(|&[dp, pp, tp, ep, attn_cp, moe_dp]| {
                let r = srtlog_formats::sglang::Ranks {
                    dp,
                    pp,
                    tp,
                    ep,
                    attn_cp,
                    moe_dp,
                };
                (dp, r)
            })
            .collect()
    }
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

/// Fingerprints of `files`, taken in parallel: hashing 128 KiB of each
/// file is most of a cache hit's set-up (and of a fleet's check, with
/// hundreds of files). The first error in file order is reported.
pub fn fingerprints(files: &[WorkerFile]) -> Result<Vec<Fingerprint>> {
    use rayon::prelude::*;
    let each: Vec<Result<Fingerprint>> = files.par_iter().map(|f| fingerprint(&f.path)).collect();
    each.into_iter().collect()
}

/// Returns the metadata (with the cached summary) when the cache matches
/// the current sources and was parsed with the same `year` (`--year`).
pub fn load_valid(
    paths: &CachePaths,
    current: &[Fingerprint],
    year: Option<i32>,
) -> Option<CacheMeta> {
    let text = std::fs::read_to_string(&paths.meta).ok()?;
    let meta: CacheMeta = serde_json::from_str(&text).ok()?;
    let ok = meta.format == CACHE_FORMAT
        && meta.srtlog_version == env!("CARGO_PKG_VERSION")
        && meta.columns == columns()
        && meta.files == current
        && meta.year == year
        && meta.replay.len() == current.len()
        && meta.summary.workers.len() == current.len();
    if !ok {
        return None;
    }
    let parts: u64 = meta.replay.iter().flat_map(|f| &f.parts).sum();
    // A truncated, emptied or replaced Parquet file is a miss, not a hit
    // that fails later: its footer must read and hold the rows recorded.
    match (parquet_rows(&paths.parquet), meta.rows) {
        (Ok(n), Some(want)) if n == want && parts == n => Some(meta),
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
pub fn store_meta(
    paths: &CachePaths,
    files: Vec<Fingerprint>,
    summary: &RunSummary,
    year: Option<i32>,
    replay: Vec<FileReplay>,
) -> Result<()> {
    let meta = CacheMeta {
        format: CACHE_FORMAT,
        srtlog_version: env!("CARGO_PKG_VERSION").into(),
        columns: columns(),
        files,
        summary: summary.clone(),
        rows: Some(parquet_rows(&paths.parquet)?),
        year,
        replay,
    };
    let text = serde_json::to_string_pretty(&meta).map_err(|e| Error::io(&paths.meta, e.into()))?;
    srtlog_io::write_atomic(&paths.meta, text.as_bytes())?;
    Ok(())
}
