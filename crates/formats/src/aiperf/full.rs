//! The typed decoder's entry point for records already parsed into a JSON
//! value ([`decode_value`]): what the request-log reader maps
//! (`crate::requests::aiperf`), so that both read a record one way
//! (formats.md §3.2).

use super::record::{AllMetrics, ErrorField, Metadata, Record, RecordError};
use serde::Deserialize;
use std::borrow::Cow;

/// A record with every scalar metric, for the request-log reader.
#[derive(Clone, Debug, PartialEq)]
pub struct FullRecord<'a> {
    /// The typed record (no trace data, no `inter_chunk_latency` list).
    pub record: Record<'a>,
    /// Every scalar metric `(tag, value)` in record order ([`AllMetrics`]).
    pub scalars: Vec<(Cow<'a, str>, f64)>,
}

/// Decodes a record already parsed into a JSON object, with the same rules
/// as [`decode_record`] (metric aliases and their ranks, `{value, unit}` or
/// bare numbers, cancellation, the error shapes) and every scalar metric
/// kept. This is the one AIPerf decoder the request-log reader maps
/// (`crate::requests::aiperf`), which parses lines generically first.
pub fn decode_value(v: &serde_json::Value) -> Result<FullRecord<'_>, RecordError> {
    let json = |what: &str, e: serde_json::Error| RecordError::Json(format!("{what}: {e}"));
    let Some(obj) = v.as_object() else {
        return Err(RecordError::NotAiperf("not a JSON object".into()));
    };
    let (Some(meta), true) = (
        obj.get("metadata"),
        obj.contains_key("metrics") || obj.contains_key("error"),
    ) else {
        return Err(RecordError::NotAiperf(
            "a JSON object without `metadata` and `metrics`".into(),
        ));
    };
    let metadata = match meta {
        serde_json::Value::Null => Metadata::default(),
        m => Metadata::deserialize(m).map_err(|e| json("metadata", e))?,
    };
    let all = match obj.get("metrics") {
        Some(m) => AllMetrics::deserialize(m).map_err(|e| json("metrics", e))?,
        None => AllMetrics::default(),
    };
    let error = match obj.get("error") {
        Some(e) => ErrorField::deserialize(e).map_err(|e| json("error", e))?.0,
        None => None,
    };
    Ok(FullRecord {
        record: Record {
            metadata,
            metrics: all.kept,
            trace: None,
            error,
        },
        scalars: all.scalars,
    })
}
