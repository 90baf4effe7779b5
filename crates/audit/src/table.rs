//! The audit job's rows as Arrow: one row per finding of an [`Audit`]
//! (every check with its area, status, figure and evidence), plus one row
//! per area score; the surface the Python package exposes (the [`Audit`]
//! itself, grade and plan, is the typed summary).
//!
//! Evidence is a list in the audit; here it is text joined with `"; "`
//! plus its count, so that the table exports to CSV as it is.

use crate::{Audit, Status};
use srtlog_table::arrow_array::builder::{Float64Builder, StringBuilder, UInt64Builder};
use srtlog_table::arrow_array::{ArrayRef, RecordBatch};
use srtlog_table::arrow_schema::{DataType, Field, Schema, SchemaRef};
use srtlog_table::doc::ColumnDoc;
use srtlog_table::TableError;
use std::sync::{Arc, OnceLock};

/// The name of a status, as in the `--json` document.
pub fn status_name(s: Status) -> &'static str {
    match s {
        Status::Good => "good",
        Status::Partial => "partial",
        Status::Missing => "missing",
        Status::NotChecked => "not_checked",
    }
}

/// The finding columns: name, type, unit, meaning.
const FINDINGS: [(&str, DataType, &str, &str); 6] = [
    (
        "area",
        DataType::Utf8,
        "",
        "area of the check (structured logging, metrics, …)",
    ),
    ("check", DataType::Utf8, "", "the check"),
    (
        "status",
        DataType::Utf8,
        "",
        "good, partial, missing or not_checked",
    ),
    ("value", DataType::Utf8, "", "the figure, in words"),
    (
        "evidence",
        DataType::Utf8,
        "",
        "files with line numbers, metric names, panels; joined with \"; \"",
    ),
    ("evidence_count", DataType::UInt64, "", "evidence items"),
];

/// The area columns: name, type, unit, meaning.
const AREAS: [(&str, DataType, &str, &str); 6] = [
    ("area", DataType::Utf8, "", "feature / area"),
    (
        "weight",
        DataType::Float64,
        "",
        "weight in the overall score",
    ),
    (
        "score",
        DataType::Float64,
        "0–100",
        "area score; null when not checked",
    ),
    ("current", DataType::Utf8, "", "what the inputs show"),
    ("standard", DataType::Utf8, "", "what the standard is"),
    (
        "gap",
        DataType::Utf8,
        "",
        "good, partial, missing or not_checked",
    ),
];

fn schema_of(cols: &[(&str, DataType, &str, &str)]) -> SchemaRef {
    Arc::new(Schema::new(
        cols.iter()
            .map(|(n, t, _, _)| Field::new(*n, t.clone(), true))
            .collect::<Vec<_>>(),
    ))
}

fn docs_of(cols: &[(&'static str, DataType, &'static str, &'static str)]) -> Vec<ColumnDoc> {
    cols.iter()
        .map(|(n, _, u, m)| ColumnDoc::new(n, u, m))
        .collect()
}

/// The Arrow schema of [`findings_batch`].
pub fn findings_schema() -> SchemaRef {
    static S: OnceLock<SchemaRef> = OnceLock::new();
    S.get_or_init(|| schema_of(&FINDINGS)).clone()
}

/// Unit and meaning of every column of [`findings_batch`].
pub fn findings_docs() -> Vec<ColumnDoc> {
    docs_of(&FINDINGS)
}

/// The Arrow schema of [`areas_batch`].
pub fn areas_schema() -> SchemaRef {
    static S: OnceLock<SchemaRef> = OnceLock::new();
    S.get_or_init(|| schema_of(&AREAS)).clone()
}

/// Unit and meaning of every column of [`areas_batch`].
pub fn areas_docs() -> Vec<ColumnDoc> {
    docs_of(&AREAS)
}

/// Every finding of `a`, in the audit's order.
pub fn findings_batch(a: &Audit) -> Result<RecordBatch, TableError> {
    let mut s: [StringBuilder; 5] = std::array::from_fn(|_| StringBuilder::new());
    let mut count = UInt64Builder::new();
    for f in &a.findings {
        s[0].append_value(&f.area);
        s[1].append_value(&f.check);
        s[2].append_value(status_name(f.status));
        s[3].append_value(&f.value);
        s[4].append_value(f.evidence.join("; "));
        count.append_value(f.evidence.len() as u64);
    }
    let mut cols: Vec<ArrayRef> = s
        .iter_mut()
        .map(|b| Arc::new(b.finish()) as ArrayRef)
        .collect();
    cols.push(Arc::new(count.finish()));
    Ok(RecordBatch::try_new(findings_schema(), cols)?)
}

/// Every area score of `a` (the comparison table), in the audit's order.
pub fn areas_batch(a: &Audit) -> Result<RecordBatch, TableError> {
    let mut area = StringBuilder::new();
    let mut weight = Float64Builder::new();
    let mut score = Float64Builder::new();
    let mut s: [StringBuilder; 3] = std::array::from_fn(|_| StringBuilder::new());
    for r in &a.areas {
        area.append_value(&r.area);
        weight.append_value(r.weight);
        score.append_option(r.score);
        s[0].append_value(&r.current);
        s[1].append_value(&r.standard);
        s[2].append_value(status_name(r.gap));
    }
    let mut cols: Vec<ArrayRef> = vec![
        Arc::new(area.finish()),
        Arc::new(weight.finish()),
        Arc::new(score.finish()),
    ];
    cols.extend(s.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
    Ok(RecordBatch::try_new(areas_schema(), cols)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AreaScore, Finding};
    use srtlog_table::arrow_array::cast::AsArray;
    use srtlog_table::arrow_array::types::{Float64Type, UInt64Type};
    use srtlog_table::arrow_array::Array;

    #[test]
    fn findings_and_areas() {
        // Status names agree with the `--json` document's.
        for s in [
            Status::Good,
            Status::Partial,
            Status::Missing,
            Status::NotChecked,
        ] {
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::json!(status_name(s))
            );
        }
        let mut a = crate::run(&crate::Options::default()).unwrap();
        a.findings = vec![Finding {
            area: "metrics".into(),
            check: "histograms".into(),
            status: Status::Partial,
            value: "2 of 4".into(),
            evidence: vec!["a.txt:3".into(), "b.txt:9".into()],
        }];
        a.areas = vec![AreaScore {
            area: "metrics".into(),
            weight: 0.25,
            score: None,
            current: "c".into(),
            standard: "s".into(),
            gap: Status::NotChecked,
        }];
        let f = findings_batch(&a).unwrap();
        assert_eq!(f.schema(), findings_schema());
        assert_eq!(f.num_rows(), 1);
        let st = f.column_by_name("status").unwrap().as_string::<i32>();
        assert_eq!(st.value(0), "partial");
        let ev = f.column_by_name("evidence").unwrap().as_string::<i32>();
        assert_eq!(ev.value(0), "a.txt:3; b.txt:9");
        let n = f.column_by_name("evidence_count").unwrap();
        assert_eq!(n.as_primitive::<UInt64Type>().value(0), 2);
        let r = areas_batch(&a).unwrap();
        let score = r.column_by_name("score").unwrap();
        assert!(score.as_primitive::<Float64Type>().is_null(0));
        for (schema, docs) in [
            (findings_schema(), findings_docs()),
            (areas_schema(), areas_docs()),
        ] {
            let (missing, extra) = srtlog_table::doc::undocumented(&schema, &docs);
            assert!(missing.is_empty() && extra.is_empty());
        }
    }
}
