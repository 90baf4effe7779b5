//! One partition file, written atomically.
//!
//! Each file goes through [`srtlog_io::AtomicFile`]: the rows are written to
//! a hidden temporary beside the target and renamed into place when
//! complete, so a killed ingest leaves the previous file or none, never half
//! of one (and readers skip the hidden temporary: DuckDB, Spark and pyarrow
//! ignore names starting with `.`); the next write in that folder removes
//! the temporaries of dead processes. Strings are dictionary-encoded, the
//! rest zstd level 1, 128 Ki rows per row group.

use crate::{Error, Result};
use arrow_array::RecordBatch;
use arrow_schema::{DataType, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;
use srtlog_io::AtomicFile;
use std::path::Path;

/// Writes `batches` (schema `schema`) to `path`, atomically; returns the
/// file's size.
pub fn write_part(path: &Path, schema: SchemaRef, batches: &[RecordBatch]) -> Result<u64> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let file = AtomicFile::create(path)?;
    let mut props = WriterProperties::builder().set_dictionary_enabled(false);
    for f in schema.fields() {
        if f.data_type() == &DataType::Utf8 {
            props = props.set_column_dictionary_enabled(ColumnPath::from(f.name().as_str()), true);
        }
    }
    let props = props
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(1)?))
        .set_max_row_group_row_count(Some(128 * 1024))
        .set_created_by(format!("srtlog {}", env!("CARGO_PKG_VERSION")))
        .build();
    let mut w = ArrowWriter::try_new(file, schema, Some(props))?;
    for b in batches {
        w.write(b)?;
    }
    let file = w.into_inner()?;
    file.commit()?;
    Ok(std::fs::metadata(path).map(|m| m.len()).unwrap_or(0))
}
