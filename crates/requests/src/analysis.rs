//! One call per analysis of `srtlog requests`, with its defaults and its
//! preconditions: what the command line used to decide (which column a
//! trend reads, every numeric field when no metric is named, the default
//! outlier thresholds, "no request left after the filters"), so that the
//! CLI, the Python package and any other front end decide it the same way.

use crate::anomalies::{self, AnomalyReport, Method};
use crate::breakdown::{self, BreakdownReport};
use crate::compare::{self, Group};
use crate::correlate::{self, CorrelationReport};
use crate::filter::Filter;
use crate::trends::{self, Agg, TrendReport};
use crate::window::{self, WindowReport};
use crate::{metric, RequestLog, UnknownMetric};
use srtlog_table::arrow_array::builder::{Float64Builder, StringBuilder, UInt64Builder};
use srtlog_table::arrow_array::{ArrayRef, RecordBatch};
use srtlog_table::arrow_schema::{DataType, Field, Schema};
use srtlog_table::requests::RequestTable;
use srtlog_table::TableError;
use std::sync::Arc;

/// Why an analysis cannot run on the requests given.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AnalysisError {
    /// The inputs held no request.
    #[error("no requests found in {0}")]
    NoRequests(String),
    /// The filters left none.
    #[error("none of the {0} requests matches the filters (--from/--to/--model/--status/--where)")]
    NoneMatch(usize),
    /// A metric that is not a numeric column.
    #[error(transparent)]
    UnknownMetric(#[from] UnknownMetric),
    /// `compare --by` a field that is not a column.
    #[error("cannot group by {0:?}")]
    CannotGroup(String),
    /// A window that ends before it starts.
    #[error("--to must be after --from")]
    EmptyWindow,
    /// No request has the four parts of the time breakdown.
    #[error("no request has latency, queue, prefill and decode times (the breakdown needs SGLang's request-metrics export, or mapped queue_ms/prefill_ms/decode_ms fields)")]
    NoBreakdown,
}

impl Method {
    /// The usual threshold of each test: 3 standard deviations, Tukey's
    /// 1.5 IQR fences, and Iglewicz & Hoaglin's 3.5 for the modified
    /// z-score of MAD.
    pub fn default_threshold(self) -> f64 {
        match self {
            Method::Zscore => 3.0,
            Method::Iqr => 1.5,
            Method::Mad => 3.5,
        }
    }
}

/// The rows of `log` that `filter` keeps; an error when the inputs held no
/// request or the filter keeps none. `inputs` names the inputs in the
/// message.
pub fn select(
    log: &RequestLog,
    filter: &Filter,
    inputs: &str,
) -> Result<RequestTable, AnalysisError> {
    if log.table.is_empty() {
        return Err(AnalysisError::NoRequests(inputs.to_owned()));
    }
    let t = filter.apply(&log.table);
    if t.is_empty() {
        return Err(AnalysisError::NoneMatch(log.table.len()));
    }
    Ok(t)
}

/// Outliers of `metric`, with the method's default threshold unless one is
/// given.
pub fn anomalies_of(
    t: &RequestTable,
    metric_name: &str,
    method: Method,
    threshold: Option<f64>,
) -> Result<AnomalyReport, AnalysisError> {
    let col = metric(t, metric_name)?;
    let th = threshold.unwrap_or(method.default_threshold());
    Ok(anomalies::detect(t, metric_name, col, method, th))
}

/// `metric` over windows of `window_s`; `count` and `error_rate` read no
/// column, so any metric name does for them.
pub fn trends_of(
    t: &RequestTable,
    metric_name: &str,
    window_s: u64,
    agg: Agg,
) -> Result<TrendReport, AnalysisError> {
    let col = match agg {
        Agg::Count | Agg::ErrorRate => None,
        _ => Some(metric(t, metric_name)?),
    };
    Ok(trends::trends(t, metric_name, col, window_s, agg))
}

/// Trend rows as one Arrow batch, the table of `trends --csv/--parquet`:
/// `timestamp` (utf8, the window's start as ISO-8601 UTC), `requests`
/// (uint64), `value` (float64; null for a window without one). Written
/// through [`srtlog_table::export`] (NaN/inf are null in CSV).
pub fn trends_batch(r: &TrendReport) -> Result<RecordBatch, TableError> {
    let mut ts = StringBuilder::new();
    let mut n = UInt64Builder::new();
    let mut v = Float64Builder::new();
    for row in &r.rows {
        ts.append_value(&row.timestamp);
        n.append_value(row.requests);
        v.append_value(row.value);
    }
    batch(
        &[
            ("timestamp", DataType::Utf8),
            ("requests", DataType::UInt64),
            ("value", DataType::Float64),
        ],
        vec![
            Arc::new(ts.finish()),
            Arc::new(n.finish()),
            Arc::new(v.finish()),
        ],
    )
}

fn batch(fields: &[(&str, DataType)], cols: Vec<ArrayRef>) -> Result<RecordBatch, TableError> {
    let schema = Schema::new(
        fields
            .iter()
            .map(|(n, t)| Field::new(*n, t.clone(), true))
            .collect::<Vec<_>>(),
    );
    Ok(RecordBatch::try_new(Arc::new(schema), cols)?)
}

/// The anomalies as one Arrow batch (`anomalies --csv/--parquet`):
/// `request_id`, `timestamp`, `model` (utf8), `value`, `score` (float64).
pub fn anomalies_batch(r: &AnomalyReport) -> Result<RecordBatch, TableError> {
    let mut s: [StringBuilder; 3] = std::array::from_fn(|_| StringBuilder::new());
    let mut f: [Float64Builder; 2] = std::array::from_fn(|_| Float64Builder::new());
    for a in &r.anomalies {
        s[0].append_option(a.request_id.as_deref());
        s[1].append_option(a.timestamp.as_deref());
        s[2].append_option(a.model.as_deref());
        f[0].append_value(a.value);
        f[1].append_value(a.score);
    }
    let [mut id, mut ts, mut model] = s;
    let [mut value, mut score] = f;
    batch(
        &[
            ("request_id", DataType::Utf8),
            ("timestamp", DataType::Utf8),
            ("model", DataType::Utf8),
            ("value", DataType::Float64),
            ("score", DataType::Float64),
        ],
        vec![
            Arc::new(id.finish()),
            Arc::new(ts.finish()),
            Arc::new(model.finish()),
            Arc::new(value.finish()),
            Arc::new(score.finish()),
        ],
    )
}

/// `compare` groups as one Arrow batch (`compare --csv/--parquet`): the
/// group key (utf8, column named `by`), `total_requests`, `errors`
/// (uint64), then error rate, latency mean/p50/p99 and throughput
/// (float64).
pub fn groups_batch(by: &str, groups: &[Group]) -> Result<RecordBatch, TableError> {
    let mut key = StringBuilder::new();
    let mut counts: [UInt64Builder; 2] = std::array::from_fn(|_| UInt64Builder::new());
    let mut f: [Float64Builder; 5] = std::array::from_fn(|_| Float64Builder::new());
    for g in groups {
        let s = &g.summary;
        key.append_value(&g.key);
        counts[0].append_value(s.total_requests);
        counts[1].append_value(s.errors);
        let vals = [
            s.error_rate,
            s.avg_latency_ms,
            s.p50_latency_ms,
            s.p99_latency_ms,
            s.throughput_rps,
        ];
        for (b, v) in f.iter_mut().zip(vals) {
            b.append_value(v);
        }
    }
    let mut fields = vec![
        (by, DataType::Utf8),
        ("total_requests", DataType::UInt64),
        ("errors", DataType::UInt64),
    ];
    fields.extend(
        [
            "error_rate",
            "avg_latency_ms",
            "p50_latency_ms",
            "p99_latency_ms",
            "throughput_rps",
        ]
        .map(|n| (n, DataType::Float64)),
    );
    let mut cols: Vec<ArrayRef> = vec![Arc::new(key.finish())];
    cols.extend(counts.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
    cols.extend(f.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
    batch(&fields, cols)
}

/// Correlations of `metrics`, or of every numeric field with values when
/// none is named.
pub fn correlate_of(
    t: &RequestTable,
    metrics: &[String],
) -> Result<CorrelationReport, AnalysisError> {
    let names = if metrics.is_empty() {
        t.numeric_columns()
    } else {
        metrics.to_vec()
    };
    let cols = names
        .iter()
        .map(|m| metric(t, m))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(correlate::correlate(&names, &cols))
}

/// The smallest number of requests behind one coefficient.
pub fn min_pairs(r: &CorrelationReport) -> u64 {
    r.pairs.iter().flatten().min().copied().unwrap_or(0)
}

/// Groups by `by`; an error naming the numeric fields when `by` is not a
/// column.
pub fn compare_of(t: &RequestTable, by: &str) -> Result<Vec<Group>, AnalysisError> {
    match compare::compare(t, by) {
        Some(g) => Ok(g),
        None => Err(match metric(t, by) {
            Err(e) => e.into(),
            Ok(_) => AnalysisError::CannotGroup(by.to_owned()),
        }),
    }
}

/// The window `[from_ns, to_ns)` against the rest of the run.
pub fn window_of(
    t: &RequestTable,
    from_ns: i64,
    to_ns: i64,
) -> Result<WindowReport, AnalysisError> {
    if to_ns <= from_ns {
        return Err(AnalysisError::EmptyWindow);
    }
    Ok(window::window(t, from_ns, to_ns))
}

/// The time breakdown, or why there is none.
pub fn breakdown_of(t: &RequestTable) -> Result<BreakdownReport, AnalysisError> {
    breakdown::breakdown(t).ok_or(AnalysisError::NoBreakdown)
}

#[cfg(test)]
mod tests {
    use super::*;
    use srtlog_formats::requests::{decode_line, FieldMap};

    fn table() -> RequestTable {
        let mut t = RequestTable::new();
        for (i, l) in [100, 200, 300, 400].iter().enumerate() {
            let line = format!(
                r#"{{"timestamp": "2026-01-01T00:00:0{i}Z", "request_id": "r{i}", "model": "m", "latency_ms": {l}, "batch_size": 4, "status": "success"}}"#
            );
            let r = decode_line(line.as_bytes(), &FieldMap::default())
                .ok()
                .flatten()
                .expect("valid line");
            t.push(&r);
        }
        t
    }

    fn csv_of(b: &RecordBatch) -> String {
        let out = srtlog_table::export::write_table(
            srtlog_table::export::Format::Csv,
            Vec::new(),
            b.schema(),
            [b],
        )
        .expect("in memory");
        String::from_utf8_lossy(&out).into_owned()
    }

    #[test]
    fn defaults_and_preconditions() {
        assert_eq!(Method::Iqr.default_threshold(), 1.5);
        let t = table();
        assert!(matches!(
            trends_of(&t, "nope", 60, Agg::Mean),
            Err(AnalysisError::UnknownMetric(_))
        ));
        let r = trends_of(&t, "nope", 60, Agg::Count).expect("count reads no column");
        assert_eq!(r.rows.len(), 1);
        assert_eq!(r.rows[0].requests, 4);
        let b = trends_batch(&r).expect("batch");
        assert_eq!(
            csv_of(&b),
            "timestamp,requests,value\n2026-01-01T00:00:00.000Z,4,4.0\n"
        );
        assert!(matches!(
            window_of(&t, 5, 5),
            Err(AnalysisError::EmptyWindow)
        ));
        assert!(matches!(
            compare_of(&t, "nope"),
            Err(AnalysisError::UnknownMetric(_))
        ));
        let c = correlate_of(&t, &[]).expect("numeric fields");
        assert_eq!(c.metrics, ["latency_ms", "batch_size"]);
        assert_eq!(min_pairs(&c), 4);
        assert!(matches!(breakdown_of(&t), Err(AnalysisError::NoBreakdown)));
        // Throughput: 4 requests from 00:00:00 to the end of the last one
        // (00:00:03 + 400 ms), 4 / 3.4 s.
        let g = compare_of(&t, "batch_size").expect("a column");
        let b = groups_batch("batch_size", &g).expect("batch");
        // Floats as arrow-csv writes them (the one export path).
        assert_eq!(
            csv_of(&b),
            "batch_size,total_requests,errors,error_rate,avg_latency_ms,p50_latency_ms,p99_latency_ms,throughput_rps\n4,4,0,0.0,250.0,250.0,397.0,1.1764705882352942\n"
        );
    }
}
