//! The tables of `srtlog snapshots` as Arrow batches, for `--csv` and
//! `--parquet` through [`srtlog_table::export`] (one writer and one NaN/inf
//! policy for every srtlog table: null in CSV and JSON lines, kept in
//! Parquet), and the per-column summary of periodic scrapes that the
//! terminal table shows.
//!
//! The per-request (pair) table is [`crate::table::record_batch`]; the
//! interval time series is [`interval_batch`].

use crate::interval::IntervalTable;
use serde::Serialize;
use srtlog_table::arrow_array::builder::{Float64Builder, UInt64Builder};
use srtlog_table::arrow_array::{ArrayRef, Float64Array, RecordBatch};
use srtlog_table::arrow_schema::{DataType, Field, Schema};
use srtlog_table::TableError;
use std::sync::Arc;

/// One row per interval of periodic scrapes: `t_s` (end of the interval,
/// seconds since the first scrape), `dt_s` (its length), `resets` (counter
/// resets seen), then every column of `t` (`metric:stat`), float64 with
/// null where the column has no value.
pub fn interval_batch(t: &IntervalTable) -> Result<RecordBatch, TableError> {
    let n = t.t_s.len();
    let mut fields = vec![
        Field::new("t_s", DataType::Float64, true),
        Field::new("dt_s", DataType::Float64, true),
        Field::new("resets", DataType::UInt64, true),
    ];
    let mut resets = UInt64Builder::with_capacity(n);
    for r in &t.resets {
        resets.append_value(*r as u64);
    }
    let mut cols: Vec<ArrayRef> = vec![
        Arc::new(Float64Array::from(t.t_s.clone())),
        Arc::new(Float64Array::from(t.dt_s.clone())),
        Arc::new(resets.finish()),
    ];
    for c in &t.columns {
        fields.push(Field::new(&c.name, DataType::Float64, true));
        let mut b = Float64Builder::with_capacity(n);
        for i in 0..n {
            b.append_option(c.values.get(i).copied().flatten());
        }
        cols.push(Arc::new(b.finish()));
    }
    Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), cols)?)
}

/// Count, mean, min, max and last value of one interval column.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ColumnSummary {
    /// The column (`metric:stat`).
    pub name: String,
    /// Intervals with a value.
    pub count: u64,
    /// Mean.
    pub mean: f64,
    /// Minimum.
    pub min: f64,
    /// Maximum.
    pub max: f64,
    /// The last value.
    pub last: f64,
}

/// The summary of every column that moved (had a non-zero value); columns
/// that stayed 0 or empty are left out.
pub fn column_summaries(t: &IntervalTable) -> Vec<ColumnSummary> {
    t.columns
        .iter()
        .filter_map(|c| {
            let v: Vec<f64> = c.values.iter().flatten().copied().collect();
            if v.is_empty() || v.iter().all(|x| *x == 0.0) {
                return None;
            }
            let s = srtlog_stats::Summary::of(&v);
            Some(ColumnSummary {
                name: c.name.clone(),
                count: s.count,
                mean: s.mean,
                min: s.min,
                max: s.max,
                last: v.last().copied().unwrap_or(f64::NAN),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interval::Column;

    #[test]
    fn interval_csv_and_summaries() {
        let t = IntervalTable {
            t_s: vec![1.0, 2.0],
            dt_s: vec![1.0, 1.0],
            resets: vec![0, 1],
            columns: vec![
                Column {
                    name: "a:rate".into(),
                    values: vec![Some(2.0), None],
                },
                Column {
                    name: "b,c".into(),
                    values: vec![Some(0.0), Some(0.0)],
                },
            ],
            ..IntervalTable::default()
        };
        let b = interval_batch(&t).unwrap();
        let out = srtlog_table::export::write_table(
            srtlog_table::export::Format::Csv,
            Vec::new(),
            b.schema(),
            [&b],
        )
        .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out),
            "t_s,dt_s,resets,a:rate,\"b,c\"\n1.0,1.0,0,2.0,0.0\n2.0,1.0,1,,0.0\n"
        );
        let s = column_summaries(&t);
        assert_eq!(s.len(), 1);
        assert_eq!((s[0].count, s[0].mean, s[0].last), (1, 2.0, 2.0));
    }
}
