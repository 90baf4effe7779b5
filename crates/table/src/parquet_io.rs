//! Parquet I/O for srtlog tables.
//!
//! [`ParquetSink`] writes the worker-log cache: LZ4 (`LZ4_RAW`), since a
//! cache is read back by every `viz` and `stats` and LZ4 decompresses
//! several times faster than ZSTD, and dictionary encoding for the string
//! columns ([`crate::export::cache_parquet_properties`]); every Parquet
//! reader understands both. Tables a user asks for are ZSTD level 1
//! ([`crate::export::parquet_properties`]). The sink encodes the columns of
//! each batch in parallel (rayon), with bytes that do not depend on the
//! thread count.
//! Writes go through [`srtlog_io::AtomicFile`] (a temporary file beside the
//! target, renamed into place when complete), so a cache is complete or
//! absent, never half written, and the temporaries of killed runs are
//! removed by the next write in that folder.

use crate::TableError;
use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::arrow_writer::{compute_leaves, ArrowColumnWriter, ArrowRowGroupWriterFactory};
use parquet::arrow::ArrowWriter;
use parquet::file::writer::SerializedFileWriter;
use rayon::prelude::*;
use srtlog_io::AtomicFile;
use std::fs::File;
use std::path::{Path, PathBuf};

/// Rows per row group of every file a [`ParquetSink`] writes (the
/// setting of [`crate::export::cache_parquet_properties`]).
pub const ROW_GROUP_ROWS: usize = 256 * 1024;

/// Streams record batches into a Parquet file at `path`, atomically, encoding
/// the columns of each batch in parallel.
///
/// The columns of a row group are independent streams (each has its own
/// pages, statistics and compression), so each batch's columns are encoded
/// at once on rayon's pool, each by its own `ArrowColumnWriter`, and the
/// finished column chunks are appended in schema order when the row group is
/// full. Every column writer sees the rows `ArrowWriter` would hand it, in
/// the same order, split at the same row-group boundaries, in slices of
/// 8 Ki rows (`SLICE_ROWS`): the file holds `ArrowWriter`'s table, row groups,
/// encodings and statistics (its pages may end at other rows), and its
/// bytes do not depend on the number of threads: which thread encodes a
/// column changes nothing in its bytes, and the chunks are appended in a
/// fixed order.
pub struct ParquetSink {
    writer: SerializedFileWriter<AtomicFile>,
    factory: ArrowRowGroupWriterFactory,
    schema: SchemaRef,
    /// The column writers of the row group being filled, and its rows.
    current: Option<(Vec<ArrowColumnWriter>, usize)>,
    row_groups: usize,
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
        // which the codec compresses as well without it
        // ([`crate::export::cache_parquet_properties`]).
        let props = crate::export::cache_parquet_properties(&schema)?;
        // `ArrowWriter` sets up the file (magic, Parquet schema, the Arrow
        // schema in the key-value metadata that pandas, polars and DuckDB
        // read back); its lower half does the rest.
        let (writer, factory) =
            ArrowWriter::try_new(file, schema.clone(), Some(props))?.into_serialized_writer()?;
        Ok(ParquetSink {
            writer,
            factory,
            schema,
            current: None,
            row_groups: 0,
            path: path.to_path_buf(),
        })
    }

    /// Appends one batch (of the sink's schema).
    pub fn write(&mut self, batch: &RecordBatch) -> Result<(), TableError> {
        if batch.num_columns() != self.schema.fields().len() {
            return Err(TableError::Schema(format!(
                "{}: a batch of {} columns for a table of {}",
                self.path.display(),
                batch.num_columns(),
                self.schema.fields().len()
            )));
        }
        let mut rest = batch.clone();
        while rest.num_rows() > 0 {
            let (writers, rows) = match &mut self.current {
                Some(c) => c,
                None => self
                    .current
                    .insert((self.factory.create_column_writers(self.row_groups)?, 0)),
            };
            let take = rest.num_rows().min(ROW_GROUP_ROWS - *rows);
            let head = rest.slice(0, take);
            rest = rest.slice(take, rest.num_rows() - take);
            if writers.len() != self.schema.fields().len() {
                return Err(TableError::Schema(format!(
                    "{}: {} column writers for a table of {} columns",
                    self.path.display(),
                    writers.len(),
                    self.schema.fields().len()
                )));
            }
            writers
                .par_iter_mut()
                .zip(self.schema.fields().par_iter().zip(head.columns()))
                .try_for_each(|(w, (field, column))| write_in_slices(w, field, column))?;
            *rows += take;
            if *rows >= ROW_GROUP_ROWS {
                self.flush_row_group()?;
            }
        }
        Ok(())
    }

    /// Closes the column writers of the row group being filled (in
    /// parallel: each compresses its last page) and appends their chunks
    /// in schema order.
    fn flush_row_group(&mut self) -> Result<(), TableError> {
        let Some((writers, _)) = self.current.take() else {
            return Ok(());
        };
        let chunks = writers
            .into_par_iter()
            .map(ArrowColumnWriter::close)
            .collect::<Result<Vec<_>, _>>()?;
        let mut group = self.writer.next_row_group()?;
        for c in chunks {
            c.append_to_row_group(&mut group)?;
        }
        group.close()?;
        self.row_groups += 1;
        Ok(())
    }

    /// Finishes the file and moves it into place.
    pub fn finish(mut self) -> Result<(), TableError> {
        self.flush_row_group()?;
        let file = self.writer.into_inner()?;
        file.commit().map_err(|e| TableError::Io {
            path: self.path.clone(),
            source: std::io::Error::other(e.to_string()),
        })
    }
}

/// Rows a column writer is handed at a time. `compute_leaves` builds, per
/// call, a definition level (2 bytes) and a non-null index (8 bytes) for
/// every row: for a whole batch (about 60,000 rows) that is two fresh
/// allocations past glibc's mmap threshold per column, each paid again in
/// page faults (most of a one-thread write's profile). Slices of this many
/// rows keep both in a reused heap block in cache. A multiple of the
/// writer's mini-batch (1024 rows), so the page boundaries are those of one
/// call.
const SLICE_ROWS: usize = 8 * 1024;

/// Writes one column of a batch (a top-level field with one leaf: every
/// column of srtlog's tables) in slices of [`SLICE_ROWS`].
fn write_in_slices(
    w: &mut ArrowColumnWriter,
    field: &arrow_schema::FieldRef,
    column: &arrow_array::ArrayRef,
) -> Result<(), parquet::errors::ParquetError> {
    let n = column.len();
    let mut at = 0;
    while at < n {
        let take = (n - at).min(SLICE_ROWS);
        let part = column.slice(at, take);
        let leaves = compute_leaves(field, &part)?;
        if leaves.len() != 1 {
            return Err(parquet::errors::ParquetError::General(format!(
                "column {}: {} leaves, expected one",
                field.name(),
                leaves.len()
            )));
        }
        for leaf in &leaves {
            w.write(leaf)?;
        }
        at += take;
    }
    Ok(())
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

    /// A table of several row groups in uneven batches: a dictionary
    /// column, a float column with nulls and non-finite values, an integer
    /// column.
    fn uneven_batches() -> (SchemaRef, Vec<RecordBatch>) {
        use arrow_array::types::Int32Type;
        use arrow_array::{DictionaryArray, Float64Array, Int64Array};
        use arrow_schema::{DataType, Field, Schema};
        use std::sync::Arc;
        let schema = Arc::new(Schema::new(vec![
            Field::new(
                "file",
                DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
                false,
            ),
            Field::new("x", DataType::Float64, true),
            Field::new("n", DataType::Int64, false),
        ]));
        let mut out = Vec::new();
        let mut start = 0usize;
        for (i, len) in [70_000usize, 1, 250_000, 33_333, 200_000]
            .into_iter()
            .enumerate()
        {
            let names = ["a", "bb", "ccc"];
            let file: DictionaryArray<Int32Type> = (start..start + len)
                .map(|r| names[(r / 1000 + i) % 3])
                .collect();
            let x: Float64Array = (start..start + len)
                .map(|r| match r % 7 {
                    0 => None,
                    1 => Some(f64::NAN),
                    2 => Some(f64::INFINITY),
                    _ => Some((r as f64).sin() * 1e3),
                })
                .collect();
            let n: Int64Array = (start..start + len)
                .map(|r| (r * r % 1009) as i64)
                .collect();
            out.push(
                RecordBatch::try_new(
                    schema.clone(),
                    vec![Arc::new(file), Arc::new(x), Arc::new(n)],
                )
                .unwrap(),
            );
            start += len;
        }
        (schema, out)
    }

    fn sink_bytes(threads: usize, dir: &Path) -> Vec<u8> {
        let (schema, batches) = uneven_batches();
        let path = dir.join(format!("t{threads}.parquet"));
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let mut sink = ParquetSink::create(&path, schema).unwrap();
            for b in &batches {
                sink.write(b).unwrap();
            }
            sink.finish().unwrap();
        });
        std::fs::read(&path).unwrap()
    }

    /// The parallel sink writes the same bytes with one thread or several,
    /// and the same table as arrow-rs's one-thread `ArrowWriter` with the
    /// same settings (an independent reference): the same rows and values,
    /// the same row groups and column encodings. Its pages may end at other
    /// rows, since it hands each column writer [`SLICE_ROWS`] rows at a time.
    #[test]
    fn parallel_sink_is_deterministic_and_equals_arrow_writer() {
        let dir = tempfile::tempdir().unwrap();
        let one = sink_bytes(1, dir.path());
        let four = sink_bytes(4, dir.path());
        assert!(one == four, "1 and 4 threads wrote different bytes");
        let (schema, batches) = uneven_batches();
        let props = crate::export::cache_parquet_properties(&schema).unwrap();
        let mut w = ArrowWriter::try_new(Vec::new(), schema.clone(), Some(props)).unwrap();
        for b in &batches {
            w.write(b).unwrap();
        }
        let reference = dir.path().join("reference.parquet");
        std::fs::write(&reference, w.into_inner().unwrap()).unwrap();
        let read_all = |p: &Path| {
            let r = ParquetRecordBatchReaderBuilder::try_new(File::open(p).unwrap()).unwrap();
            let meta = r.metadata().clone();
            let rows: Vec<RecordBatch> = r.build().unwrap().map(Result::unwrap).collect();
            (
                meta,
                arrow_select::concat::concat_batches(&schema, &rows).unwrap(),
            )
        };
        let (ref_meta, ref_table) = read_all(&reference);
        let (our_meta, our_table) = read_all(&dir.path().join("t1.parquet"));
        // NaN != NaN under `==` on arrays; compare the float column's bits.
        assert_eq!(our_table.num_rows(), ref_table.num_rows());
        for c in [0, 2] {
            assert_eq!(our_table.column(c), ref_table.column(c), "column {c}");
        }
        let bits = |t: &RecordBatch| -> Vec<Option<u64>> {
            t.column(1)
                .as_any()
                .downcast_ref::<arrow_array::Float64Array>()
                .unwrap()
                .iter()
                .map(|v| v.map(f64::to_bits))
                .collect()
        };
        assert_eq!(bits(&our_table), bits(&ref_table));
        for (a, b) in our_meta.row_groups().iter().zip(ref_meta.row_groups()) {
            assert_eq!(a.num_rows(), b.num_rows());
            for (ca, cb) in a.columns().iter().zip(b.columns()) {
                assert_eq!(
                    ca.encodings().collect::<Vec<_>>(),
                    cb.encodings().collect::<Vec<_>>()
                );
                assert_eq!(ca.statistics(), cb.statistics(), "{}", ca.column_path());
            }
        }
        // 553,334 rows: three row groups of 256 Ki rows and the rest.
        let f = std::fs::File::open(dir.path().join("t1.parquet")).unwrap();
        let b = ParquetRecordBatchReaderBuilder::try_new(f).unwrap();
        let groups: Vec<i64> = b
            .metadata()
            .row_groups()
            .iter()
            .map(|g| g.num_rows())
            .collect();
        assert_eq!(groups, vec![262_144, 262_144, 29_046]);
        let back = read_parquet(&dir.path().join("t4.parquet"), None).unwrap();
        let rows: usize = back.iter().map(RecordBatch::num_rows).sum();
        assert_eq!(rows, 553_334);
    }
}
