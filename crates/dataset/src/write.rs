//! One partition file, written atomically.
//!
//! Each file goes through [`srtlog_io::AtomicFile`]: the rows are written to
//! a hidden temporary beside the target and renamed into place when
//! complete, so a killed ingest leaves the previous file or none, never half
//! of one (and readers skip the hidden temporary: DuckDB, Spark and pyarrow
//! ignore names starting with `.`); the next write in that folder removes
//! the temporaries of dead processes. Strings are dictionary-encoded, the
//! rest zstd level 1, 128 Ki rows per row group.
//!
//! The partition-key columns (`run`, and `worker_type` in `node_metrics`)
//! are stored with the Arrow type dictionary<int32, string> in the file's
//! embedded Arrow schema: pyarrow's Hive discovery (behind
//! `pandas.read_parquet(folder)` and `pyarrow.parquet.read_table`) types
//! partition keys as dictionaries and refuses a file whose same column is a
//! plain string. Parquet itself holds plain strings, which is what DuckDB,
//! Spark and Trino read.

use crate::{Error, Result};
use arrow_array::RecordBatch;
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;
use srtlog_io::AtomicFile;
use std::path::Path;
use std::sync::Arc;

/// Columns stored as dictionaries in the files (see the module doc).
pub const PARTITION_KEYS: [&str; 2] = ["run", "worker_type"];

/// The schema of a partition file for a table schema.
pub fn file_schema(schema: &Schema) -> SchemaRef {
    let f: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| {
            if PARTITION_KEYS.contains(&f.name().as_str()) && f.data_type() == &DataType::Utf8 {
                Field::new(
                    f.name(),
                    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
                    f.is_nullable(),
                )
            } else {
                f.as_ref().clone()
            }
        })
        .collect();
    Arc::new(Schema::new(f))
}

fn to_file(b: &RecordBatch, schema: &SchemaRef) -> Result<RecordBatch> {
    let cols = b
        .columns()
        .iter()
        .zip(schema.fields())
        .map(|(c, f)| {
            if c.data_type() == f.data_type() {
                Ok(c.clone())
            } else {
                arrow_cast::cast(c, f.data_type())
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(RecordBatch::try_new(schema.clone(), cols)?)
}

/// Writes `batches` (schema `schema`) to `path`, atomically; returns the
/// file's size.
pub fn write_part(path: &Path, schema: SchemaRef, batches: &[RecordBatch]) -> Result<u64> {
    let schema = file_schema(&schema);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let file = AtomicFile::create(path)?;
    let mut props = WriterProperties::builder().set_dictionary_enabled(false);
    for f in schema.fields() {
        if matches!(f.data_type(), DataType::Utf8 | DataType::Dictionary(..)) {
            props = props.set_column_dictionary_enabled(ColumnPath::from(f.name().as_str()), true);
        }
    }
    let props = props
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(1)?))
        .set_max_row_group_row_count(Some(128 * 1024))
        .set_created_by(format!("srtlog {}", env!("CARGO_PKG_VERSION")))
        .build();
    let mut w = ArrowWriter::try_new(file, schema.clone(), Some(props))?;
    for b in batches {
        w.write(&to_file(b, &schema)?)?;
    }
    let file = w.into_inner()?;
    file.commit()?;
    Ok(std::fs::metadata(path).map(|m| m.len()).unwrap_or(0))
}
