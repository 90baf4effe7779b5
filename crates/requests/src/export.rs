//! `export`: the canonical request table as CSV, Parquet or JSON lines.
//!
//! One path for every format: the table's `RecordBatch`
//! ([`crate::table::record_batch`]) goes to [`srtlog_table::export`], the
//! arrow-rs writers with srtlog's one policy for values text cannot hold
//! (NaN and ±inf are null in CSV and JSON lines, kept in Parquet) and RFC
//! 3339 UTC timestamps. A file is written atomically (complete or absent,
//! a previous file kept until the new one is whole); `-` is stdout.

use crate::error::Result;
use srtlog_table::export::{write_to, Format as TableFormat};
use srtlog_table::requests::RequestTable;
use std::path::Path;

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values with a header.
    Csv,
    /// Parquet (zstd).
    Parquet,
    /// One JSON object per line.
    Jsonl,
}

impl Format {
    /// From a file name's extension.
    pub fn from_path(p: &Path) -> Option<Format> {
        match p.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "parquet" | "pq" => Some(Format::Parquet),
            "jsonl" | "ndjson" => Some(Format::Jsonl),
            _ => None,
        }
    }

    fn table(self) -> TableFormat {
        match self {
            Format::Csv => TableFormat::Csv,
            Format::Parquet => TableFormat::Parquet,
            Format::Jsonl => TableFormat::JsonLines,
        }
    }
}

/// Column names in export order.
pub fn header(t: &RequestTable) -> Vec<String> {
    t.schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect()
}

/// Writes `t` to `path` in `format`; `path` `-` is stdout.
pub fn export(t: &RequestTable, path: &Path, format: Format) -> Result<()> {
    let batch = crate::table::record_batch(t)?;
    write_to(path, Some(format.table()), batch.schema(), [&batch])?;
    Ok(())
}
