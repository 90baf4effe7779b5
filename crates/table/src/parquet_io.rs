//! Parquet I/O for srtlog tables.
//!
//! Files are written with ZSTD level 1 (fast, about the ratio of snappy's
//! double) and dictionary encoding, which every Parquet reader understands.
//! Writes go through [`srtlog_io::AtomicFile`] (a temporary file beside the
//! target, renamed into place when complete), so a cache is complete or
//! absent, never half written, and the temporaries of killed runs are
//! removed by the next write in that folder.

use crate::TableError;
use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;
use srtlog_io::AtomicFile;
use std::fs::File;
use std::path::{Path, PathBuf};

/// Streams record batches into a Parquet file at `path`, atomically.
pub struct ParquetSink {
    writer: ArrowWriter<AtomicFile>,
    path: PathBuf,
}

impl ParquetSink {
    /// Creates the temporary file next to `path`.
    pub fn create(path: &Path, schema: SchemaRef) -> Result<Self, TableError> {
        // The temporary name of earlier versions, left by a full disk or a
        // kill: removed (today's temporaries are cleaned by AtomicFile).
        let _ = std::fs::remove_file(path.with_extension("parquet.tmp"));
        let file = AtomicFile::create(path).map_err(|e| match e {
            srtlog_io::Error::Io { path, source } => TableError::Io { path, source },
            other => TableError::Io {
                path: path.to_path_buf(),
                source: std::io::Error::other(other.to_string()),
            },
        })?;
        // Dictionary encoding pays for the repeated strings (file, node,
        // record kinds) but costs a hash per value for the float columns,
        // which zstd compresses as well without it.
        let mut props = WriterProperties::builder().set_dictionary_enabled(false);
        for f in schema.fields() {
            if matches!(f.data_type(), arrow_schema::DataType::Dictionary(..)) {
                props =
                    props.set_column_dictionary_enabled(ColumnPath::from(f.name().as_str()), true);
            }
        }
        let props = props
            .set_compression(Compression::ZSTD(ZstdLevel::try_new(1)?))
            .set_max_row_group_row_count(Some(256 * 1024))
            .set_created_by(format!("srtlog {}", env!("CARGO_PKG_VERSION")))
            .build();
        let writer = ArrowWriter::try_new(file, schema, Some(props))?;
        Ok(ParquetSink {
            writer,
            path: path.to_path_buf(),
        })
    }

    /// Appends one batch.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<(), TableError> {
        self.writer.write(batch)?;
        Ok(())
    }

    /// Finishes the file and moves it into place.
    pub fn finish(self) -> Result<(), TableError> {
        let file = self.writer.into_inner()?;
        file.commit().map_err(|e| TableError::Io {
            path: self.path.clone(),
            source: std::io::Error::other(e.to_string()),
        })
    }
}

/// Reads a whole Parquet file, optionally only the named columns.
pub fn read_parquet(path: &Path, columns: Option<&[&str]>) -> Result<Vec<RecordBatch>, TableError> {
    let file = File::open(path).map_err(|source| TableError::Io {
        path: path.into(),
        source,
    })?;
    let mut builder = ParquetRecordBatchReaderBuilder::try_new(file)?;
    if let Some(cols) = columns {
        let schema = builder.parquet_schema();
        let idx: Vec<usize> = cols
            .iter()
            .map(|c| {
                schema
                    .columns()
                    .iter()
                    .position(|d| d.name() == *c)
                    .ok_or_else(|| TableError::Schema(format!("{}: no column {c}", path.display())))
            })
            .collect::<Result<_, _>>()?;
        let mask = parquet::arrow::ProjectionMask::leaves(schema, idx);
        builder = builder.with_projection(mask);
    }
    let reader = builder.with_batch_size(64 * 1024).build()?;
    Ok(reader.collect::<Result<Vec<_>, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node_metrics::{schema, FileMeta, NodeMetricsBuilder};
    use srtlog_formats::sglang::{decode_line, Record};

    #[test]
    fn round_trip() {
        let dir = std::env::temp_dir().join(format!("srtlog-pq-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.parquet");
        let mut b = NodeMetricsBuilder::default();
        let l = "[2025-10-20 12:06:03 TP0] Prefill batch. #new-seq: 9, #new-token: 479, token usage: 0.01, ";
        let Record::Batch(r) = decode_line(l.as_bytes()) else {
            panic!()
        };
        b.push_batch(1, &r);
        let meta = FileMeta {
            file: "f".into(),
            node: "n".into(),
            worker_type: "prefill".into(),
            worker_id: "w0".into(),
        };
        let rb = b.finish(&meta, 0, &|_| true).unwrap();
        let mut sink = ParquetSink::create(&path, schema()).unwrap();
        sink.write(&rb).unwrap();
        sink.finish().unwrap();
        let back = read_parquet(&path, None).unwrap();
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].num_rows(), 1);
        assert_eq!(back[0].schema(), schema());
        let proj = read_parquet(&path, Some(&["new_token"])).unwrap();
        assert_eq!(proj[0].num_columns(), 1);
        assert!(read_parquet(&path, Some(&["nope"])).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
