//! Table export: any `RecordBatch` stream to Parquet, CSV or JSON lines, in
//! one place, for every job.
//!
//! The writers are arrow-rs's own (`parquet::arrow::ArrowWriter`,
//! `arrow_csv::Writer`, `arrow_json::LineDelimitedWriter`); this module only
//! fixes one configuration for all of srtlog and one policy for values that
//! text formats cannot hold. Every writer takes any [`std::io::Write`], so a
//! caller passes a `srtlog_io::AtomicFile` (output complete or absent) or
//! stdout (`-`), and commits the file after [`TableWriter::finish`].
//!
//! # Non-finite numbers
//!
//! NaN, `+inf` and `-inf` are not numbers in CSV or JSON readers (pandas
//! reads `inf` but `json.loads` rejects `NaN` in strict mode, and
//! spreadsheets read neither). The one policy: **in CSV and JSON lines a
//! non-finite float is written as null**, an empty cell in CSV and `null`
//! in JSON lines, exactly as a missing value. JSON lines always write every
//! key (`null` included), so each line has the same keys. Parquet keeps the
//! IEEE value as it is, since every Parquet reader understands it. The
//! policy applies to `Float16/32/64` columns at the top level; nested lists
//! are written as the underlying writer does.
//!
//! [`write_to`] is the one call for a command's `--csv FILE`, `--json`/
//! `--parquet FILE` outputs: `-` for stdout, otherwise an atomic file.
//!
//! CSV writes a header line, `,` as separator, RFC 3339 timestamps and
//! `true`/`false` booleans (arrow-csv's defaults). Parquet uses ZSTD level 1
//! with dictionary encoding only for dictionary columns, the settings of
//! [`crate::parquet_io`].

use crate::TableError;
use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Float64Type};
use arrow_array::{Array, ArrayRef, Float32Array, Float64Array, RecordBatch};
use arrow_schema::{DataType, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;
use std::io::Write;
use std::sync::Arc;

/// An export format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Apache Parquet (ZSTD).
    Parquet,
    /// Comma-separated values with a header line.
    Csv,
    /// One JSON object per line.
    JsonLines,
}

impl Format {
    /// The format a file name implies (`.parquet`, `.csv`, `.jsonl`/
    /// `.ndjson`/`.json`), `None` for any other name.
    pub fn from_path(path: &std::path::Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "parquet" | "pq" => Format::Parquet,
            "csv" => Format::Csv,
            "jsonl" | "ndjson" | "json" => Format::JsonLines,
            _ => return None,
        })
    }

    /// Short name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            Format::Csv => "csv",
            Format::JsonLines => "jsonl",
        }
    }
}

/// The Parquet writer settings of every srtlog table a user asks for
/// (`--parquet FILE`, datasets): ZSTD level 1, dictionary encoding only for
/// dictionary-typed columns, 256 Ki-row row groups.
pub fn parquet_properties(schema: &SchemaRef) -> Result<WriterProperties, TableError> {
    properties(schema, Compression::ZSTD(ZstdLevel::try_new(1)?))
}

/// The settings of the worker-log cache ([`crate::parquet_io::ParquetSink`]):
/// those of [`parquet_properties`] with LZ4 (`LZ4_RAW`) instead of ZSTD. A
/// cache is written once and read back by every `viz` and `stats`: LZ4
/// decompresses several times faster (12 % fewer instructions for `stats`
/// from the cache of a 48 MB run, 9 % fewer to build it) for a file 1.8×
/// the size (about a tenth of the logs). pyarrow, pandas, polars and
/// DuckDB read it.
pub fn cache_parquet_properties(schema: &SchemaRef) -> Result<WriterProperties, TableError> {
    properties(schema, Compression::LZ4_RAW)
}

fn properties(schema: &SchemaRef, codec: Compression) -> Result<WriterProperties, TableError> {
    let mut props = WriterProperties::builder().set_dictionary_enabled(false);
    for f in schema.fields() {
        if matches!(f.data_type(), DataType::Dictionary(..)) {
            // Min/max of a string column cost two string comparisons a row
            // (most of these columns hold one value per file), and no reader
            // of these tables filters on them; null counts stay in the
            // numeric columns' statistics, where the cache replay reads them.
            let col = ColumnPath::from(f.name().as_str());
            props = props
                .set_column_dictionary_enabled(col.clone(), true)
                .set_column_statistics_enabled(col, EnabledStatistics::None);
        }
    }
    Ok(props
        .set_compression(codec)
        .set_max_row_group_row_count(Some(crate::parquet_io::ROW_GROUP_ROWS))
        .set_created_by(format!("srtlog {}", env!("CARGO_PKG_VERSION")))
        .build())
}

/// Prepares a batch for the text writers: every non-finite value of
/// top-level float columns becomes null (the CSV/JSON policy of this
/// module), and UTC timestamp columns are labelled `+00:00`. Batches that
/// need neither are returned as they are, without copying.
pub fn nonfinite_to_null(batch: &RecordBatch) -> Result<RecordBatch, TableError> {
    let schema = batch.schema();
    let mut changed = false;
    let mut fields = Vec::with_capacity(batch.num_columns());
    let mut cols = Vec::with_capacity(batch.num_columns());
    for (f, c) in schema.fields().iter().zip(batch.columns()) {
        let out = column_nonfinite_to_null(c);
        if Arc::ptr_eq(&out, c) {
            fields.push(Arc::clone(f));
        } else {
            changed = true;
            // A non-nullable float column gains nulls; a UTC column its
            // offset name.
            fields.push(Arc::new(
                f.as_ref()
                    .clone()
                    .with_data_type(out.data_type().clone())
                    .with_nullable(f.is_nullable() || out.null_count() > 0),
            ));
        }
        cols.push(out);
    }
    if !changed {
        return Ok(batch.clone());
    }
    let schema = Schema::new_with_metadata(fields, schema.metadata().clone());
    Ok(RecordBatch::try_new(Arc::new(schema), cols)?)
}

fn column_nonfinite_to_null(c: &ArrayRef) -> ArrayRef {
    match c.data_type() {
        DataType::Timestamp(unit, Some(tz)) if is_utc_name(tz) => utc_as_offset(c, *unit),
        DataType::Float64 => {
            let a = c.as_primitive::<Float64Type>();
            if a.values().iter().all(|v| v.is_finite()) {
                return Arc::clone(c);
            }
            let out: Float64Array = a.iter().map(|v| v.filter(|x| x.is_finite())).collect();
            Arc::new(out)
        }
        DataType::Float32 => {
            let a = c.as_primitive::<Float32Type>();
            if a.values().iter().all(|v| v.is_finite()) {
                return Arc::clone(c);
            }
            let out: Float32Array = a.iter().map(|v| v.filter(|x| x.is_finite())).collect();
            Arc::new(out)
        }
        DataType::Float16 => {
            let a = c.as_primitive::<arrow_array::types::Float16Type>();
            if a.values().iter().all(|v| v.is_finite()) {
                return Arc::clone(c);
            }
            let out: arrow_array::Float16Array =
                a.iter().map(|v| v.filter(|x| x.is_finite())).collect();
            Arc::new(out)
        }
        _ => Arc::clone(c),
    }
}

/// Whether `tz` names UTC by a zone name, which arrow's text writers
/// cannot read without the (large) time-zone database.
fn is_utc_name(tz: &str) -> bool {
    matches!(tz, "UTC" | "Etc/UTC" | "utc" | "Z")
}

/// A UTC timestamp column re-labelled with the equal offset `+00:00` (same
/// values), which the text writers format without a zone database.
fn utc_as_offset(c: &ArrayRef, unit: arrow_schema::TimeUnit) -> ArrayRef {
    use arrow_array::types::*;
    use arrow_schema::TimeUnit;
    const TZ: &str = "+00:00";
    match unit {
        TimeUnit::Second => Arc::new(
            c.as_primitive::<TimestampSecondType>()
                .clone()
                .with_timezone(TZ),
        ),
        TimeUnit::Millisecond => Arc::new(
            c.as_primitive::<TimestampMillisecondType>()
                .clone()
                .with_timezone(TZ),
        ),
        TimeUnit::Microsecond => Arc::new(
            c.as_primitive::<TimestampMicrosecondType>()
                .clone()
                .with_timezone(TZ),
        ),
        TimeUnit::Nanosecond => Arc::new(
            c.as_primitive::<TimestampNanosecondType>()
                .clone()
                .with_timezone(TZ),
        ),
    }
}

/// A writer of one table in one [`Format`] to any [`Write`].
///
/// Write the batches in order, then call [`TableWriter::finish`], which
/// flushes and returns the underlying writer (commit an `AtomicFile` after
/// that). Dropping the writer without `finish` leaves the output
/// incomplete: a Parquet file without its footer, CSV/JSON cut short.
pub enum TableWriter<W: Write + Send> {
    /// Parquet.
    Parquet(Box<ArrowWriter<W>>),
    /// CSV.
    Csv(Box<arrow_csv::Writer<W>>),
    /// JSON lines.
    JsonLines(Box<arrow_json::LineDelimitedWriter<W>>),
}

impl<W: Write + Send> TableWriter<W> {
    /// A writer of `format` for tables of `schema` into `w`.
    pub fn new(format: Format, w: W, schema: SchemaRef) -> Result<Self, TableError> {
        Ok(match format {
            Format::Parquet => {
                let props = parquet_properties(&schema)?;
                TableWriter::Parquet(Box::new(ArrowWriter::try_new(w, schema, Some(props))?))
            }
            Format::Csv => TableWriter::Csv(Box::new(
                arrow_csv::WriterBuilder::new()
                    .with_header(true)
                    .with_null(String::new())
                    .build(w),
            )),
            Format::JsonLines => TableWriter::JsonLines(Box::new(
                arrow_json::WriterBuilder::new()
                    .with_explicit_nulls(true)
                    .build::<W, arrow_json::writer::LineDelimited>(w),
            )),
        })
    }

    /// Appends one batch.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<(), TableError> {
        match self {
            TableWriter::Parquet(p) => p.write(batch)?,
            TableWriter::Csv(c) => c.write(&nonfinite_to_null(batch)?)?,
            TableWriter::JsonLines(j) => j.write(&nonfinite_to_null(batch)?)?,
        }
        Ok(())
    }

    /// Finishes the table (Parquet footer, JSON end) and returns the
    /// flushed underlying writer.
    pub fn finish(self) -> Result<W, TableError> {
        let mut w = match self {
            TableWriter::Parquet(p) => p.into_inner()?,
            TableWriter::Csv(c) => c.into_inner(),
            TableWriter::JsonLines(mut j) => {
                j.finish()?;
                j.into_inner()
            }
        };
        w.flush().map_err(|source| TableError::Io {
            path: "<output>".into(),
            source,
        })?;
        Ok(w)
    }
}

/// Writes every batch of `batches` (all of `schema`) to `w` in `format` and
/// returns the flushed writer.
pub fn write_table<'b, W: Write + Send>(
    format: Format,
    w: W,
    schema: SchemaRef,
    batches: impl IntoIterator<Item = &'b RecordBatch>,
) -> Result<W, TableError> {
    let mut t = TableWriter::new(format, w, schema)?;
    for b in batches {
        t.write(b)?;
    }
    t.finish()
}

/// Writes a table to `dest`: `-` is stdout, anything else a file written
/// atomically (a temporary file beside it, renamed into place once
/// complete, so the file is complete or absent, and an older one survives
/// a failed write). `format` defaults to the one the file name implies
/// ([`Format::from_path`]); stdout needs it given.
pub fn write_to<'b>(
    dest: &std::path::Path,
    format: Option<Format>,
    schema: SchemaRef,
    batches: impl IntoIterator<Item = &'b RecordBatch>,
) -> Result<(), TableError> {
    let stdout = dest.as_os_str() == "-";
    let format = match format {
        Some(f) => f,
        None if stdout => return Err(TableError::NoFormat),
        None => Format::from_path(dest).ok_or(TableError::NoFormat)?,
    };
    if stdout {
        let w = std::io::BufWriter::new(std::io::stdout());
        write_table(format, w, schema, batches)?;
        return Ok(());
    }
    let file = srtlog_io::AtomicFile::create(dest)?;
    let file = write_table(format, file, schema, batches)?;
    file.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::builder::TimestampNanosecondBuilder;
    use arrow_array::{BooleanArray, StringArray};
    use arrow_schema::{Field, TimeUnit};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    fn batch() -> RecordBatch {
        let schema = Arc::new(Schema::new(vec![
            Field::new("name", DataType::Utf8, true),
            Field::new("x", DataType::Float64, true),
            Field::new("ok", DataType::Boolean, true),
            Field::new(
                "t",
                DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into())),
                true,
            ),
        ]));
        let mut t = TimestampNanosecondBuilder::new().with_timezone("UTC");
        t.append_value(1_700_000_000_000_000_000);
        t.append_null();
        t.append_value(0);
        t.append_value(1);
        t.append_value(2);
        RecordBatch::try_new(
            schema,
            vec![
                Arc::new(StringArray::from(vec![
                    Some("a"),
                    Some("b,c"),
                    None,
                    Some("d"),
                    Some("e"),
                ])),
                Arc::new(Float64Array::from(vec![
                    Some(1.5),
                    Some(f64::NAN),
                    Some(f64::INFINITY),
                    Some(f64::NEG_INFINITY),
                    None,
                ])),
                Arc::new(BooleanArray::from(vec![
                    Some(true),
                    Some(false),
                    None,
                    Some(true),
                    Some(true),
                ])),
                Arc::new(t.finish()),
            ],
        )
        .unwrap()
    }

    fn write(format: Format) -> Vec<u8> {
        let b = batch();
        write_table(format, Vec::new(), b.schema(), [&b, &b]).unwrap()
    }

    #[test]
    fn format_from_path() {
        use std::path::Path;
        assert_eq!(Format::from_path(Path::new("a.CSV")), Some(Format::Csv));
        assert_eq!(
            Format::from_path(Path::new("a.parquet")),
            Some(Format::Parquet)
        );
        assert_eq!(
            Format::from_path(Path::new("a.jsonl")),
            Some(Format::JsonLines)
        );
        assert_eq!(Format::from_path(Path::new("a.txt")), None);
    }

    #[test]
    fn csv_header_values_and_nonfinite_as_empty() {
        let text = String::from_utf8(write(Format::Csv)).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "name,x,ok,t");
        assert_eq!(lines[1], "a,1.5,true,2023-11-14T22:13:20Z");
        // NaN, +inf and -inf: empty cells, as a missing value.
        assert_eq!(lines[2], "\"b,c\",,false,");
        assert_eq!(lines[3], ",,,1970-01-01T00:00:00Z");
        assert!(lines[4].starts_with("d,,true,"), "{}", lines[4]);
        assert!(lines[5].starts_with("e,,true,"), "{}", lines[5]);
        // Two batches, one header.
        assert_eq!(lines.len(), 11);
        assert!(!text.contains("NaN") && !text.contains("inf"), "{text}");
    }

    #[test]
    fn jsonl_parses_with_nulls_for_nonfinite() {
        let text = String::from_utf8(write(Format::JsonLines)).unwrap();
        let rows: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(rows.len(), 10);
        assert_eq!(rows[0]["name"], "a");
        assert_eq!(rows[0]["x"], 1.5);
        assert_eq!(rows[0]["ok"], true);
        assert_eq!(rows[0]["t"], "2023-11-14T22:13:20Z");
        for r in &rows[1..5] {
            // Every key present, non-finite and missing values null.
            assert_eq!(r.as_object().unwrap().len(), 4, "{r}");
            assert!(r["x"].is_null(), "{r}");
        }
        assert_eq!(rows[1]["name"], "b,c");
        assert!(rows[2]["name"].is_null());
    }

    #[test]
    fn parquet_round_trip_keeps_values() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        std::fs::write(&path, write(Format::Parquet)).unwrap();
        let file = std::fs::File::open(&path).unwrap();
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap()
            .build()
            .unwrap();
        let back: Vec<RecordBatch> = reader.collect::<Result<_, _>>().unwrap();
        let rows: usize = back.iter().map(RecordBatch::num_rows).sum();
        assert_eq!(rows, 10);
        let b = &back[0];
        assert_eq!(b.schema(), batch().schema());
        let x = b.column(1).as_primitive::<Float64Type>();
        assert_eq!(x.value(0), 1.5);
        // Parquet keeps IEEE values.
        assert!(x.value(1).is_nan());
        assert_eq!(x.value(2), f64::INFINITY);
        assert!(x.is_null(4));
        assert_eq!(b.column(0).as_string::<i32>().value(1), "b,c");
    }

    #[test]
    fn write_to_is_complete_or_absent() {
        let dir = tempfile::tempdir().unwrap();
        let b = batch();
        let path = dir.path().join("t.csv");
        write_to(&path, None, b.schema(), [&b]).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 6);
        // A failing write (a batch of another schema) leaves the old file
        // and no temporary file.
        let other = RecordBatch::try_new(
            Arc::new(Schema::new(vec![Field::new("y", DataType::Float64, true)])),
            vec![Arc::new(Float64Array::from(vec![1.0]))],
        )
        .unwrap();
        let pq = dir.path().join("t.parquet");
        assert!(write_to(&pq, None, b.schema(), [&b, &other]).is_err());
        assert!(!pq.exists());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        assert!(matches!(
            write_to(std::path::Path::new("-"), None, b.schema(), [&b]),
            Err(TableError::NoFormat)
        ));
        assert!(matches!(
            write_to(&dir.path().join("t.txt"), None, b.schema(), [&b]),
            Err(TableError::NoFormat)
        ));
    }

    #[test]
    fn untouched_batch_is_not_copied() {
        let schema = Arc::new(Schema::new(vec![Field::new("x", DataType::Float64, false)]));
        let b = RecordBatch::try_new(schema, vec![Arc::new(Float64Array::from(vec![1.0, 2.0]))])
            .unwrap();
        let out = nonfinite_to_null(&b).unwrap();
        assert!(Arc::ptr_eq(out.column(0), b.column(0)));
        // A non-nullable column that needs a null becomes nullable.
        let schema = Arc::new(Schema::new(vec![Field::new("x", DataType::Float32, false)]));
        let b = RecordBatch::try_new(
            schema,
            vec![Arc::new(Float32Array::from(vec![1.0, f32::NAN]))],
        )
        .unwrap();
        let out = nonfinite_to_null(&b).unwrap();
        assert!(out.schema().field(0).is_nullable());
        assert!(out.column(0).is_null(1));
    }
}
