//! The table model shared by every srtlog format.
//!
//! Decoders produce typed, borrowed records; this crate turns them into Arrow
//! arrays and `RecordBatch`es, the one table representation that statistics,
//! Parquet, CSV/JSON export and reports all consume. It also owns Parquet I/O,
//! so every table srtlog writes is readable by pandas, polars and DuckDB.
//!
//! * [`doc`]: column documentation (unit, meaning) as data.
//! * [`export`]: any `RecordBatch` stream to Parquet, CSV or JSON lines,
//!   with one policy for non-finite numbers.
//! * [`node_metrics`]: worker-log rows (one per batch line or memory snapshot).
//! * [`parquet_io`]: writing and reading Parquet files.
//! * [`requests`]: the canonical request table of per-request JSON-lines logs.
#![warn(missing_docs)]

pub mod doc;
pub mod export;
pub mod node_metrics;
pub mod parquet_io;
pub mod requests;

pub use arrow_array::{self, RecordBatch};
pub use arrow_schema::{self, SchemaRef};
pub use arrow_select;

/// Errors of the table layer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TableError {
    /// Arrow rejected an array (a bug, or columns of different lengths).
    #[error("arrow: {0}")]
    Arrow(#[from] arrow_schema::ArrowError),
    /// Parquet encoding or decoding failed.
    #[error("parquet: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
    /// File I/O failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A Parquet file does not have the expected columns.
    #[error("{0}")]
    Schema(String),
    /// Output through the I/O layer failed (atomic file creation or
    /// commit).
    #[error(transparent)]
    Output(#[from] srtlog_io::Error),
    /// An export to stdout (`-`) names no format.
    #[error("writing to stdout (-) needs a format: csv, jsonl or parquet")]
    NoFormat,
}
