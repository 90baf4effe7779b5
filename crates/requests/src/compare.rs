//! `compare --by FIELD`: latency, throughput and error rate per group.
//!
//! Groups are the values of a string column (`model`, `status`,
//! `error_type`) or of a numeric one (e.g. `batch_size`), or the input
//! files (`--by file`, [`compare_files`]: each file's rows, found from the
//! per-file request counts of the load, since rows keep no file column);
//! throughput is the group's requests over its own time span.

use super::summary::{request_summary, RequestSummary};
use crate::filter::Filter;
use crate::RequestLog;
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

/// One group per input file that holds requests, in input order, of the
/// rows `filter` keeps (a file none of whose rows are kept is left out);
/// `None` when the per-file counts do not add up to the table (they always
/// do for a [`RequestLog`] from [`crate::load`]).
pub fn compare_files(log: &RequestLog, filter: &Filter) -> Option<Vec<Group>> {
    let total: u64 = log.files.iter().map(|f| f.requests).sum();
    if total != log.table.len() as u64 {
        return None;
    }
    let mut out = Vec::new();
    let mut start = 0usize;
    for f in &log.files {
        let end = start + f.requests as usize;
        let rows: Vec<usize> = (start..end)
            .filter(|&i| filter.keeps(&log.table, i))
            .collect();
        start = end;
        if rows.is_empty() {
            continue;
        }
        out.push(Group {
            key: f.path.display().to_string(),
            summary: request_summary(&log.table.take(&rows)),
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

    /// Issue 15: `requests compare --by file` failed ("no numeric field
    /// \"file\""): rows carry no file column. Groups come from the per-file
    /// counts of the load.
    #[test]
    fn groups_by_file() {
        let dir = tempfile::tempdir().expect("tmp");
        let line = |i: u32, lat: u32, status: &str| {
            format!("{{\"timestamp\": \"2026-01-01T00:00:{i:02}Z\", \"request_id\": \"r{i}\", \"latency_ms\": {lat}, \"status\": \"{status}\"}}\n")
        };
        let a = dir.path().join("a.jsonl");
        let b = dir.path().join("b.jsonl");
        std::fs::write(&a, [line(1, 10, "success"), line(2, 30, "error")].concat()).expect("write");
        std::fs::write(
            &b,
            [
                line(3, 100, "success"),
                line(4, 200, "success"),
                line(5, 300, "success"),
            ]
            .concat(),
        )
        .expect("write");
        let log = crate::load(&[dir.path().to_path_buf()], &Default::default()).expect("load");
        let g = compare_files(&log, &Filter::default()).expect("counts add up");
        assert_eq!(g.len(), 2);
        assert!(g[0].key.ends_with("a.jsonl") && g[1].key.ends_with("b.jsonl"));
        assert_eq!(g[0].summary.total_requests, 2);
        assert_eq!(g[1].summary.total_requests, 3);
        assert_eq!(g[1].summary.p50_latency_ms, 200.0);
        // A filter applies inside each file.
        let f = Filter {
            status: Some("error".into()),
            ..Filter::default()
        };
        let g = compare_files(&log, &f).expect("counts add up");
        assert_eq!(g.len(), 1);
        assert!(g[0].key.ends_with("a.jsonl"));
    }
}
