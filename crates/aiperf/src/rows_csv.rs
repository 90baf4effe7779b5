//! The per-request rows of one or more analysed runs as one Arrow batch,
//! the table of `srtlog aiperf --csv/--parquet`: one row per record the
//! analysis kept (warm-up records only with `include_warmup`), the columns
//! of [`HEADER`].
//!
//! Written through [`srtlog_table::export`] like every srtlog table, so a
//! value the record does not have (NaN) is an empty CSV cell and null in
//! JSON lines, by the export module's one policy. For every record of an
//! export, with its full trace timings, see [`crate::table::records`].

use crate::Analysis;
use srtlog_table::arrow_array::builder::{
    BooleanBuilder, Float64Builder, Int64Builder, StringBuilder,
};
use srtlog_table::arrow_array::{ArrayRef, RecordBatch};
use srtlog_table::arrow_schema::{DataType, Field, Schema, SchemaRef};
use srtlog_table::TableError;
use std::sync::{Arc, OnceLock};

/// The columns, in order.
pub const HEADER: &str = "run,request_id,start_ns,status,warmup,ttft_ms,request_latency_ms,inter_token_latency_ms,input_tokens,output_tokens,send_ms,ttfb_ms,ttlb_ms,chunks,response_bytes,connection_reused";

/// The float columns, after the first five of [`HEADER`].
const FLOATS: usize = 11;

/// The Arrow schema of [`rows_batch`]: `run`, `request_id`, `status`
/// utf8; `start_ns` int64 (nanoseconds since the epoch); `warmup` boolean;
/// the rest float64 (`connection_reused` 1/0, null when not traced).
pub fn schema() -> SchemaRef {
    static S: OnceLock<SchemaRef> = OnceLock::new();
    S.get_or_init(|| {
        let fields: Vec<Field> = HEADER
            .split(',')
            .enumerate()
            .map(|(i, n)| {
                let t = match i {
                    0 | 1 | 3 => DataType::Utf8,
                    2 => DataType::Int64,
                    4 => DataType::Boolean,
                    _ => DataType::Float64,
                };
                Field::new(n, t, true)
            })
            .collect();
        Arc::new(Schema::new(fields))
    })
    .clone()
}

/// The rows of `runs` (analysed with `rows: true`) as one batch, in run
/// order, then record order.
pub fn rows_batch(runs: &[&Analysis]) -> Result<RecordBatch, TableError> {
    let mut strs: [StringBuilder; 3] = std::array::from_fn(|_| StringBuilder::new());
    let mut start = Int64Builder::new();
    let mut warmup = BooleanBuilder::new();
    let mut nums: [Float64Builder; FLOATS] = std::array::from_fn(|_| Float64Builder::new());
    for a in runs {
        for r in &a.rows {
            strs[0].append_value(&a.name);
            strs[1].append_value(&r.request_id);
            strs[2].append_value(&r.status);
            start.append_option(r.start_ns);
            warmup.append_value(r.warmup);
            let vals = [
                r.ttft_ms,
                r.request_latency_ms,
                r.inter_token_latency_ms,
                r.input_tokens,
                r.output_tokens,
                r.send_ms,
                r.ttfb_ms,
                r.ttlb_ms,
                r.chunks,
                r.response_bytes,
                r.connection_reused,
            ];
            for (b, v) in nums.iter_mut().zip(vals) {
                // NaN is the accumulator's "no value": null, not a number.
                b.append_option((!v.is_nan()).then_some(v));
            }
        }
    }
    let [mut run, mut id, mut status] = strs;
    let mut cols: Vec<ArrayRef> = vec![
        Arc::new(run.finish()),
        Arc::new(id.finish()),
        Arc::new(start.finish()),
        Arc::new(status.finish()),
        Arc::new(warmup.finish()),
    ];
    cols.extend(nums.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
    Ok(RecordBatch::try_new(schema(), cols)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_runs_give_the_header_columns() {
        let b = rows_batch(&[]).unwrap();
        assert_eq!(b.num_rows(), 0);
        let names: Vec<&str> = b
            .schema_ref()
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect();
        assert_eq!(names.join(","), HEADER);
    }
}
