//! The dataset's tables and schemas.
//!
//! Each job hands out Arrow batches with its own conventions (dictionary
//! strings, unsigned counts, nanosecond or zone-less timestamps). The
//! dataset is read by DuckDB, polars, pandas, Spark and Trino, so
//! [`normalize`] gives every table the same conventions:
//!
//! * a `run` column (utf8) first, so a file read without Hive inference
//!   still says which run it holds;
//! * dictionary strings become plain utf8 (Parquet dictionary-encodes them
//!   anyway; Spark's Arrow path has no dictionary type); only the partition
//!   files type their partition keys as dictionaries ([`crate::write`]);
//! * unsigned integers become signed ones of the next width that holds them
//!   (`u8`/`u16` → int32, `u32`/`u64` → int64; counts and line numbers stay
//!   below 2^63), since Spark and Trino have no unsigned types;
//! * every timestamp becomes `timestamp[us, UTC]` (Parquet TIMESTAMP(MICROS,
//!   isAdjustedToUTC = true)); worker-log wall clocks, printed without a
//!   zone, are stored as if UTC (documented in `docs/dataset.md`).
//!
//! The table a batch belongs to is a [`Table`]; warnings have their own
//! small schema ([`warnings_schema`]: path, line, message).

use crate::Result;
use arrow_array::{Array, ArrayRef, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use std::sync::{Arc, OnceLock};

/// The name of the run column.
pub const RUN: &str = "run";

/// A table of the dataset (its folder name is [`Table::name`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Table {
    /// Worker-log rows (batch lines, memory snapshots, vLLM statistics).
    NodeMetrics,
    /// Per-request log rows.
    Requests,
    /// AIPerf export records.
    AiperfRecords,
    /// Requests timed from before/after Prometheus snapshot pairs.
    SnapshotPairs,
}

impl Table {
    /// Every table read from sources, in folder order.
    pub const ALL: [Table; 4] = [
        Table::NodeMetrics,
        Table::Requests,
        Table::AiperfRecords,
        Table::SnapshotPairs,
    ];

    /// The folder (and table) name.
    pub fn name(self) -> &'static str {
        match self {
            Table::NodeMetrics => "node_metrics",
            Table::Requests => "requests",
            Table::AiperfRecords => "aiperf_records",
            Table::SnapshotPairs => "snapshot_pairs",
        }
    }

    /// The table called `name`.
    pub fn from_name(name: &str) -> Result<Table> {
        Table::ALL
            .into_iter()
            .find(|t| t.name() == name)
            .ok_or_else(|| crate::Error::UnknownTable(name.to_string()))
    }

    /// Whether the table has a `worker_type=` partition level.
    pub fn by_worker_type(self) -> bool {
        self == Table::NodeMetrics
    }

    /// The dataset schema of the table.
    pub fn schema(self) -> SchemaRef {
        static S: OnceLock<[SchemaRef; 4]> = OnceLock::new();
        let all = S.get_or_init(|| {
            [
                dataset_schema(&srtlog_table::node_metrics::schema()),
                dataset_schema(&requests_schema()),
                dataset_schema(&rename_run(&srtlog_aiperf::table::schema())),
                dataset_schema(&srtlog_snapshots::table::schema()),
            ]
        });
        let i = Table::ALL.iter().position(|t| *t == self).unwrap_or(0);
        all[i].clone()
    }
}

/// The name AIPerf's own `run` column (the export's folder) takes in the
/// dataset, where `run` is the dataset's run id.
pub const AIPERF_ARTIFACT: &str = "artifact";

/// The request table's fixed columns, plus `extras`: the logs' other numeric
/// fields as a JSON object (`{"queue_depth": 3}`), so one schema holds every
/// run's requests whatever extra fields their logs carry.
pub fn requests_schema() -> SchemaRef {
    let base = srtlog_table::requests::RequestTable::new().schema();
    let mut f: Vec<Field> = base.fields().iter().map(|f| f.as_ref().clone()).collect();
    f.push(Field::new("extras", DataType::Utf8, true));
    Arc::new(Schema::new(f))
}

fn rename_run(s: &Schema) -> SchemaRef {
    let f: Vec<Field> = s
        .fields()
        .iter()
        .map(|f| {
            if f.name() == RUN {
                f.as_ref().clone().with_name(AIPERF_ARTIFACT)
            } else {
                f.as_ref().clone()
            }
        })
        .collect();
    Arc::new(Schema::new(f))
}

/// The dataset type of a job's column type.
pub fn dataset_type(t: &DataType) -> DataType {
    match t {
        DataType::Dictionary(_, v) => dataset_type(v),
        DataType::UInt8 | DataType::UInt16 => DataType::Int32,
        DataType::UInt32 | DataType::UInt64 => DataType::Int64,
        DataType::LargeUtf8 | DataType::Utf8View => DataType::Utf8,
        DataType::Timestamp(_, _) => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        other => other.clone(),
    }
}

/// The dataset schema for a job's schema: `run` first, then every column
/// with its [`dataset_type`].
pub fn dataset_schema(job: &Schema) -> SchemaRef {
    let mut f = vec![Field::new(RUN, DataType::Utf8, false)];
    f.extend(
        job.fields()
            .iter()
            .map(|c| Field::new(c.name(), dataset_type(c.data_type()), c.is_nullable())),
    );
    Arc::new(Schema::new(f))
}

/// Turns a job's batch into a dataset batch of `table` for run `run`:
/// columns matched by name to the table's schema (a missing one is null),
/// each cast to its dataset type.
pub fn normalize(table: Table, run: &str, batch: &RecordBatch) -> Result<RecordBatch> {
    let schema = table.schema();
    let n = batch.num_rows();
    let mut cols: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
    for f in schema.fields() {
        if f.name() == RUN {
            cols.push(Arc::new(StringArray::from(vec![run; n])));
            continue;
        }
        let src = match (table, f.name().as_str()) {
            (Table::AiperfRecords, AIPERF_ARTIFACT) => batch.column_by_name(RUN),
            (_, name) => batch.column_by_name(name),
        };
        cols.push(match src {
            Some(c) if c.data_type() == f.data_type() => c.clone(),
            Some(c) if matches!(c.data_type(), DataType::Timestamp(..)) => to_us_utc(c)?,
            Some(c) => arrow_cast::cast(c, f.data_type())?,
            None => arrow_array::new_null_array(f.data_type(), n),
        });
    }
    Ok(RecordBatch::try_new(schema, cols)?)
}

/// A timestamp column as microseconds labelled UTC (arrow's cast would
/// parse the zone name, which needs a zone database; the values are only
/// rescaled).
fn to_us_utc(c: &ArrayRef) -> Result<ArrayRef> {
    use arrow_array::cast::AsArray;
    use arrow_array::types::Int64Type;
    let div = match c.data_type() {
        DataType::Timestamp(TimeUnit::Nanosecond, _) => 1_000,
        _ => 1,
    };
    let mul = match c.data_type() {
        DataType::Timestamp(TimeUnit::Second, _) => 1_000_000,
        DataType::Timestamp(TimeUnit::Millisecond, _) => 1_000,
        _ => 1,
    };
    let ints = arrow_cast::cast(c, &DataType::Int64)?;
    let v: arrow_array::TimestampMicrosecondArray = ints
        .as_primitive::<Int64Type>()
        .iter()
        // Floor division, so times before 1970 round down as well.
        .map(|x| x.map(|x| x.div_euclid(div).saturating_mul(mul)))
        .collect();
    Ok(Arc::new(v.with_timezone("UTC")))
}

/// The warnings schema: one row per problem with a source, as data
/// (`path`, `line` (1-based, null when the problem is not about a line),
/// `message`). [`read::read_file`](crate::read::read_file) returns warnings
/// in it, and the dataset's `warnings` table adds `run` and `table`.
pub fn warnings_schema() -> SchemaRef {
    static S: OnceLock<SchemaRef> = OnceLock::new();
    S.get_or_init(|| {
        Arc::new(Schema::new(vec![
            Field::new("path", DataType::Utf8, false),
            Field::new("line", DataType::Int64, true),
            Field::new("message", DataType::Utf8, false),
        ]))
    })
    .clone()
}

/// One problem with a source.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SourceWarning {
    /// The file.
    pub path: String,
    /// 1-based line, when the problem is about one.
    pub line: Option<u64>,
    /// What happened.
    pub message: String,
}

/// Warnings as a batch of [`warnings_schema`].
pub fn warnings_batch(w: &[SourceWarning]) -> Result<RecordBatch> {
    let path = StringArray::from_iter_values(w.iter().map(|w| w.path.as_str()));
    let line = arrow_array::Int64Array::from_iter(
        w.iter().map(|w| w.line.and_then(|l| i64::try_from(l).ok())),
    );
    let msg = StringArray::from_iter_values(w.iter().map(|w| w.message.as_str()));
    Ok(RecordBatch::try_new(
        warnings_schema(),
        vec![Arc::new(path), Arc::new(line), Arc::new(msg)],
    )?)
}

/// Rows of a batch list.
pub fn rows(batches: &[RecordBatch]) -> u64 {
    batches.iter().map(|b| b.num_rows() as u64).sum()
}

/// Whether any column of `schema` has a type the dataset avoids (for the
/// tests of every table).
pub fn portable(schema: &Schema) -> bool {
    schema.fields().iter().all(|f| {
        !matches!(
            f.data_type(),
            DataType::Dictionary(..)
                | DataType::UInt8
                | DataType::UInt16
                | DataType::UInt32
                | DataType::UInt64
                | DataType::Timestamp(TimeUnit::Nanosecond, _)
                | DataType::Timestamp(_, None)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_is_portable_and_starts_with_run() {
        for t in Table::ALL {
            let s = t.schema();
            assert!(portable(&s), "{}: {s:?}", t.name());
            assert_eq!(s.field(0).name(), RUN);
            assert_eq!(Table::from_name(t.name()).unwrap(), t);
            // One `run` column only (AIPerf's own is renamed).
            assert_eq!(s.fields().iter().filter(|f| f.name() == RUN).count(), 1);
        }
        assert!(Table::from_name("nope").is_err());
    }

    #[test]
    fn normalize_casts_and_fills() {
        use arrow_array::{Int64Array, TimestampNanosecondArray, UInt64Array};
        let job = Schema::new(vec![
            Field::new("line", DataType::UInt64, true),
            Field::new(
                "timestamp_ns",
                DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into())),
                true,
            ),
        ]);
        let b = RecordBatch::try_new(
            Arc::new(job),
            vec![
                Arc::new(UInt64Array::from(vec![1, 2])),
                Arc::new(TimestampNanosecondArray::from(vec![1_000, 5_000]).with_timezone("UTC")),
            ],
        )
        .unwrap();
        let out = normalize(Table::AiperfRecords, "r1", &b).unwrap();
        assert_eq!(out.num_rows(), 2);
        let line = out.column_by_name("line").unwrap();
        let line = line.as_any().downcast_ref::<Int64Array>().unwrap();
        assert_eq!(line.values().to_vec(), [1, 2]);
        let run = out
            .column(0)
            .as_any()
            .downcast_ref::<StringArray>()
            .unwrap();
        assert_eq!(run.value(1), "r1");
        // A column the batch lacks is null.
        assert_eq!(out.column_by_name(AIPERF_ARTIFACT).unwrap().null_count(), 2);
    }
}
