//! srtlog-dataset: every job's tables of every run in one Hive-partitioned
//! Parquet dataset (`srtlog ingest RUN... --into DATASET/`), and the
//! per-file reader and split planner that distributed engines (Ray, Spark)
//! call, so a cluster parses with the same code and gets the same schema.
//!
//! * [`schema`]: the dataset's tables, their schemas (signed integers,
//!   microsecond UTC timestamps, plain strings, a `run` column) and the
//!   warnings schema; [`schema::normalize`] turns a job's batch into a
//!   dataset batch.
//! * [`runid`]: stable, unique run ids (the folder name, plus a short hash
//!   of the canonical path when two names collide).
//! * [`sources`]: what of a run each table reads (worker logs, request logs,
//!   AIPerf exports, snapshot folders).
//! * [`read`]: one source (or a line-aligned byte range of one) into
//!   dataset batches plus warnings as data: [`read::read_file`].
//! * [`split`]: the split planner, [`split::plan_splits`].
//! * [`manifest`]: `_srtlog_manifest.json`, per-source fingerprints
//!   ([`srtlog_io::fingerprint`](mod@srtlog_io::fingerprint), the parse
//!   cache's), so a re-ingest parses only new or changed sources.
//! * [`write`]: one partition file, atomically ([`srtlog_io::AtomicFile`]).
//! * [`ingest`](mod@ingest): the whole ingest, [`ingest::ingest`].
//! * [`doc`]: every table's columns documented, as data (`docs/dataset.md`).
//!
//! The layout and every column are documented in `docs/dataset.md`.
#![warn(missing_docs)]

pub mod doc;
pub mod ingest;
pub mod manifest;
pub mod read;
pub mod runid;
pub mod schema;
pub mod sources;
pub mod split;
pub mod write;

pub use ingest::{ingest, IngestOptions, IngestSummary};
pub use read::{read_file, ByteRange, FileBatches};
pub use schema::Table;
pub use split::{plan_run, plan_splits, run_ids, Split};

use std::path::PathBuf;

/// Errors that stop an ingest or a read. Problems confined to one file are
/// warnings (data), not errors.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A path given by the user does not exist.
    #[error("{0}: no such file or directory")]
    NotFound(PathBuf),
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The table layer failed (Arrow, Parquet).
    #[error(transparent)]
    Table(#[from] srtlog_table::TableError),
    /// Arrow rejected a conversion (a bug).
    #[error("arrow: {0}")]
    Arrow(#[from] arrow_schema::ArrowError),
    /// Parquet encoding failed.
    #[error("parquet: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
    /// A table name that the dataset does not have.
    #[error(
        "unknown table {0:?} (tables: node_metrics, requests, aiperf_records, snapshot_pairs)"
    )]
    UnknownTable(String),
    /// A call the source does not allow (a byte range of a compressed file,
    /// of a folder, or of a table that is not split).
    #[error("{path}: {why}")]
    Unsupported {
        /// The source.
        path: PathBuf,
        /// Why.
        why: String,
    },
    /// The manifest exists but cannot be used.
    #[error("{path}: not an srtlog dataset manifest: {why}")]
    Manifest {
        /// The manifest file.
        path: PathBuf,
        /// Why.
        why: String,
    },
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

impl From<srtlog_io::Error> for Error {
    fn from(e: srtlog_io::Error) -> Self {
        match e {
            srtlog_io::Error::NotFound(p) => Error::NotFound(p),
            srtlog_io::Error::Io { path, source } => Error::Io { path, source },
            other => Error::io(PathBuf::new(), std::io::Error::other(other.to_string())),
        }
    }
}

/// Result alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;
