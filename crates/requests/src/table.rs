//! The requests job's rows as Arrow: one row per request of the loaded
//! logs, the surface the Python package exposes (with
//! [`crate::summary::summary`] as the typed summary).
//!
//! Schema (see [`column_docs`] for units and meanings): `timestamp`
//! (timestamp[ns, UTC]), `request_id`, `model`, `status`, `error_type`
//! (utf8), `ok` (boolean), the canonical numeric columns of
//! [`srtlog_formats::requests::Num`] (float64), then each extra numeric
//! field of the logs in order of discovery (float64). Every column is
//! nullable; a missing number is null. Export the batch with
//! [`srtlog_table::export`].

use crate::{RequestLog, Result};
use srtlog_table::doc::ColumnDoc;
use srtlog_table::requests::RequestTable;
use srtlog_table::{RecordBatch, SchemaRef};

/// The Arrow schema of [`record_batch`] for `t` (the extra columns depend
/// on the logs).
pub fn schema(t: &RequestTable) -> SchemaRef {
    t.schema()
}

/// Every request of `t` as one Arrow batch.
pub fn record_batch(t: &RequestTable) -> Result<RecordBatch> {
    Ok(t.to_record_batch()?)
}

/// Every request of a loaded log as one Arrow batch.
pub fn log_batch(log: &RequestLog) -> Result<RecordBatch> {
    record_batch(&log.table)
}

/// Unit and meaning of the fixed and canonical columns; the extra columns
/// are the logs' own numeric fields, as written.
pub fn column_docs() -> Vec<ColumnDoc> {
    srtlog_table::requests::column_docs()
}

#[cfg(test)]
mod tests {
    use super::*;
    use srtlog_formats::requests::{decode_line, FieldMap};
    use srtlog_table::arrow_array::cast::AsArray;
    use srtlog_table::arrow_array::types::Float64Type;
    use srtlog_table::arrow_array::Array;

    #[test]
    fn batch_schema_and_values() {
        let mut t = RequestTable::new();
        for l in [
            r#"{"timestamp": "2025-01-01T00:00:00Z", "request_id": "a", "model": "m", "latency_ms": 10, "status": "success", "queue_depth": 3}"#,
            r#"{"timestamp": "2025-01-01T00:00:01Z", "request_id": "b", "model": "m", "latency_ms": 30, "status": "error"}"#,
        ] {
            let r = decode_line(l.as_bytes(), &FieldMap::default())
                .expect("valid")
                .expect("row");
            t.push(&r);
        }
        let b = record_batch(&t).expect("batch");
        assert_eq!(b.num_rows(), 2);
        assert_eq!(b.schema(), schema(&t));
        let lat = b
            .column_by_name("latency_ms")
            .expect("latency")
            .as_primitive::<Float64Type>();
        assert_eq!(lat.values().to_vec(), [10.0, 30.0]);
        let q = b.column_by_name("queue_depth").expect("extra");
        assert!(q.is_null(1));
        let ok = b.column_by_name("ok").expect("ok").as_boolean();
        assert!(ok.value(0) && !ok.value(1));
        let ts = b
            .column_by_name("timestamp")
            .expect("ts")
            .as_primitive::<srtlog_table::arrow_array::types::TimestampNanosecondType>();
        assert_eq!(ts.value(1) - ts.value(0), 1_000_000_000);
        let (missing, extra) = srtlog_table::doc::undocumented(&b.schema(), &column_docs());
        assert_eq!(missing, ["queue_depth"]);
        assert!(extra.is_empty());
    }
}
