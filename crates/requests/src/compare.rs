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
/// Groups of a numeric column are in numeric order (8 before 16), with the
/// group of missing values last; others are in text order.
pub fn compare(t: &RequestTable, by: &str) -> Option<Vec<Group>> {
    let numeric = !matches!(by, "model" | "status" | "error_type" | "ok");
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
    let mut out: Vec<Group> = groups
        .into_iter()
        .map(|(k, rows)| Group {
            key: k,
            summary: request_summary(&t.take(&rows)),
        })
        .collect();
    if numeric {
        // Keys are `f64::to_string` of the values, so they parse back.
        let num = |k: &str| k.parse::<f64>().ok();
        out.sort_by(|a, b| match (num(&a.key), num(&b.key)) {
            (Some(x), Some(y)) => x.total_cmp(&y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => a.key.cmp(&b.key),
        });
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use srtlog_formats::requests::{decode_line, FieldMap};

    /// Issue 17 item 17: `--by batch_size` sorted 10, 100, 101, 2 as text.
    #[test]
    fn numeric_groups_sort_as_numbers() {
        let mut t = RequestTable::new();
        for (i, b) in [100, 2, 10, 101, 2].iter().enumerate() {
            let line = format!(
                r#"{{"timestamp": "2026-01-01T00:00:0{i}Z", "request_id": "r{i}", "latency_ms": 5, "batch_size": {b}, "status": "success"}}"#
            );
            let r = decode_line(line.as_bytes(), &FieldMap::default())
                .ok()
                .flatten()
                .expect("valid line");
            t.push(&r);
        }
        let line = r#"{"timestamp": "2026-01-01T00:00:09Z", "request_id": "x", "latency_ms": 5, "status": "success"}"#;
        let r = decode_line(line.as_bytes(), &FieldMap::default())
            .ok()
            .flatten()
            .expect("valid line");
        t.push(&r);
        let keys: Vec<String> = compare(&t, "batch_size")
            .expect("a column")
            .into_iter()
            .map(|g| g.key)
            .collect();
        assert_eq!(keys, ["2", "10", "100", "101", ""]);
    }
}
