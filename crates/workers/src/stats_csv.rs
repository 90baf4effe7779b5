//! The statistics table of `srtlog stats` as one Arrow batch (the table of
//! `--csv`/`--parquet`): one row per worker type, side and metric, the
//! columns of its `--json` rows.
//!
//! Written through [`srtlog_table::export`] like every srtlog table, so NaN
//! and ±inf (a metric with no value) are empty CSV cells by the export
//! module's one policy, and kept in Parquet.

use crate::series::StatRow;
use srtlog_table::arrow_array::builder::{Float64Builder, StringBuilder, UInt64Builder};
use srtlog_table::arrow_array::{ArrayRef, RecordBatch};
use srtlog_table::arrow_schema::{DataType, Field, Schema, SchemaRef};
use srtlog_table::TableError;
use std::sync::{Arc, OnceLock};

/// The columns, in order.
pub const HEADER: &str =
    "worker_type,side,metric,unit,count,nan,mean,median,std,min,max,p25,p75,p90,p95,p99";

/// The Arrow schema of [`stats_batch`]: four utf8 columns, two uint64
/// counts, ten float64 statistics.
pub fn schema() -> SchemaRef {
    static S: OnceLock<SchemaRef> = OnceLock::new();
    S.get_or_init(|| {
        let fields: Vec<Field> = HEADER
            .split(',')
            .enumerate()
            .map(|(i, n)| {
                let t = match i {
                    0..=3 => DataType::Utf8,
                    4 | 5 => DataType::UInt64,
                    _ => DataType::Float64,
                };
                Field::new(n, t, true)
            })
            .collect();
        Arc::new(Schema::new(fields))
    })
    .clone()
}

/// `rows` as one batch, in their order.
pub fn stats_batch(rows: &[StatRow]) -> Result<RecordBatch, TableError> {
    let mut strs: [StringBuilder; 4] = std::array::from_fn(|_| StringBuilder::new());
    let mut counts: [UInt64Builder; 2] = std::array::from_fn(|_| UInt64Builder::new());
    let mut nums: [Float64Builder; 10] = std::array::from_fn(|_| Float64Builder::new());
    for r in rows {
        let s = &r.summary;
        strs[0].append_value(r.worker_type.as_str());
        strs[1].append_value(r.side.as_str());
        strs[2].append_value(&r.metric);
        strs[3].append_value(&r.unit);
        counts[0].append_value(s.count);
        counts[1].append_value(s.nan);
        let vals = [
            s.mean, s.median, s.std, s.min, s.max, s.p25, s.p75, s.p90, s.p95, s.p99,
        ];
        for (b, v) in nums.iter_mut().zip(vals) {
            b.append_value(v);
        }
    }
    let cols: Vec<ArrayRef> = strs
        .iter_mut()
        .map(|b| Arc::new(b.finish()) as ArrayRef)
        .chain(counts.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef))
        .chain(nums.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef))
        .collect();
    Ok(RecordBatch::try_new(schema(), cols)?)
}
