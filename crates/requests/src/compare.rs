//! `compare --by FIELD`: latency, throughput and error rate per group.
//!
//! Groups are the values of a string column (`model`, `status`,
//! `error_type`) or of a numeric one (e.g. `batch_size`); throughput is the
//! group's requests over its own time span.

use super::summary::{request_summary, RequestSummary};
use serde::Serialize;
use srtlog_table::requests::RequestTable;
use std::collections::BTreeMap;

/// One group.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Group {
    /// The group's value (`""` when missing).
    pub key: String,
    /// Its figures.
    #[serde(flatten)]
    pub summary: RequestSummary,
}

/// Groups of the rows of `t` by `by`; `None` when `by` is not a column.
pub fn compare(t: &RequestTable, by: &str) -> Option<Vec<Group>> {
    let key: Box<dyn Fn(usize) -> String> = match by {
        "model" => Box::new(|i| t.model.get(i).unwrap_or("").to_owned()),
        "status" => Box::new(|i| t.status.get(i).unwrap_or("").to_owned()),
        "error_type" => Box::new(|i| t.error_type.get(i).unwrap_or("").to_owned()),
        "ok" => Box::new(|i| match t.ok(i) {
            Some(true) => "true".into(),
            Some(false) => "false".into(),
            None => String::new(),
        }),
        other => {
            let c = t.column(other)?;
            Box::new(move |i| {
                if c[i].is_nan() {
                    String::new()
                } else {
                    c[i].to_string()
                }
            })
        }
    };
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for i in 0..t.len() {
        groups.entry(key(i)).or_default().push(i);
    }
    Some(
        groups
            .into_iter()
            .map(|(k, rows)| Group {
                key: k,
                summary: request_summary(&t.take(&rows)),
            })
            .collect(),
    )
}
