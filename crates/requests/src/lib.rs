//! Per-request log analytics: the library behind `srtlog requests`, and the
//! workflow's `InferenceLogAnalyzer` ([`RequestAnalyzer`]).
//!
//! Inputs are JSON-lines request logs of any source that
//! [`srtlog_formats::requests`] decodes, loaded into one canonical
//! [`RequestTable`] ([`load`]). Each analysis is one module and a plain
//! function of the table:
//!
//! * [`summary`]: counts, error rate, latency percentiles, throughput, per
//!   model, and statistics of every numeric field.
//! * [`anomalies`]: z-score, IQR or MAD outliers of a metric.
//! * [`trends`]: a metric aggregated over time windows.
//! * [`correlate`]: Pearson and Spearman matrices.
//! * [`compare`]: figures per group (model or any field).
//! * [`window`]: a time window against the rest of the run.
//! * [`breakdown`]: queue / prefill / decode / other time per request.
//! * [`export`]: CSV, Parquet or JSON lines.
//! * [`filter`]: the row filter every analysis accepts.
//! * [`scan`] and [`columns`]: the column scan of `summary` and `anomalies`
//!   (only the columns they read; no table, no copy).
//! * [`table`]: the rows as an Arrow `RecordBatch`, with column docs.
//! * [`report_data`]: everything the HTML report shows, in one call.
//!
//! Memory: the table holds every request (about 160 bytes each for the
//! workflow's schema); percentiles are exact (values sorted, numpy's linear
//! method). No analysis uses a sketch.
#![warn(missing_docs)]

pub mod analysis;
pub mod anomalies;
pub mod breakdown;
pub mod columns;
pub mod compare;
pub mod correlate;
pub mod error;
pub mod export;
pub mod filter;
pub mod load;
pub mod report_data;
pub mod scan;
pub mod summary;
pub mod table;
pub mod trends;
pub mod window;

pub use error::{Error, Result};
pub use filter::Filter;
pub use load::{FileReport, LoadOptions};
pub use srtlog_table::requests::RequestTable;

use std::path::{Path, PathBuf};

/// Requests read from one or more files, with per-file read reports.
#[derive(Clone, Debug, Default)]
pub struct RequestLog {
    /// Every request, in input order.
    pub table: RequestTable,
    /// What was read from each file.
    pub files: Vec<FileReport>,
}

impl RequestLog {
    /// Total bad lines over all files.
    pub fn bad_lines(&self) -> u64 {
        self.files.iter().map(|f| f.bad_lines).sum()
    }
}

/// Reads every request log under `paths` (files or folders).
pub fn load(paths: &[PathBuf], opts: &LoadOptions) -> Result<RequestLog> {
    load::load(paths, opts)
}

/// The non-missing values of a column.
pub fn values(c: &[f64]) -> Vec<f64> {
    c.iter().copied().filter(|x| !x.is_nan()).collect()
}

/// First and last timestamps.
pub fn span_ns(t: &RequestTable) -> (Option<i64>, Option<i64>) {
    let mut it = t.timestamp_ns.iter().flatten();
    let first = it.next().copied();
    let (lo, hi) = t
        .timestamp_ns
        .iter()
        .flatten()
        .fold((first, first), |(lo, hi), &x| {
            (lo.map(|l| l.min(x)), hi.map(|h| h.max(x)))
        });
    (lo, hi)
}

/// The end of the last request: the latest `timestamp + latency` (the
/// timestamp alone for requests without a latency).
pub fn end_ns(t: &RequestTable) -> Option<i64> {
    let lat = t.column("latency_ms");
    t.timestamp_ns
        .iter()
        .enumerate()
        .filter_map(|(i, ts)| {
            let ts = (*ts)?;
            let l = lat.map_or(f64::NAN, |c| c[i]);
            Some(if l.is_finite() && l > 0.0 {
                ts.saturating_add((l * 1e6) as i64)
            } else {
                ts
            })
        })
        .max()
}

/// A metric that is not a numeric column: the message lists those that are.
#[derive(Debug, thiserror::Error)]
#[error("no numeric field {metric:?}; numeric fields: {}", available.join(", "))]
pub struct UnknownMetric {
    /// The metric asked for.
    pub metric: String,
    /// The numeric columns with values.
    pub available: Vec<String>,
}

/// The values of `metric`, or an error listing the numeric fields.
pub fn metric<'t>(t: &'t RequestTable, metric: &str) -> Result<&'t [f64], UnknownMetric> {
    let available = t.numeric_columns();
    match t.column(metric) {
        Some(c) if available.iter().any(|a| a == metric) => Ok(c),
        _ => Err(UnknownMetric {
            metric: metric.to_owned(),
            available,
        }),
    }
}

/// The workflow's `InferenceLogAnalyzer`: load, filter, analyse, export.
///
/// ```no_run
/// use srtlog_requests::RequestAnalyzer;
/// use srtlog_requests::anomalies::Method;
/// let mut a = RequestAnalyzer::new();
/// a.load_logs("data/production_logs.jsonl")?;
/// let s = a.summary();
/// println!("Total requests: {}", s.all.total_requests);
/// println!("P99 latency: {:.2} ms", s.all.p99_latency_ms);
/// let outliers = a.detect_anomalies("latency_ms", Method::Zscore, 3.0)?;
/// println!("Found {} anomalous requests", outliers.count);
/// a.export_csv("reports/data_export.csv")?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct RequestAnalyzer {
    /// Loaded requests.
    pub log: RequestLog,
    /// Load options (field mapping) for later loads.
    pub options: LoadOptions,
}

impl RequestAnalyzer {
    /// An empty analyzer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the requests of a file (or folder).
    pub fn load_logs(&mut self, path: impl AsRef<Path>) -> Result<&mut Self> {
        let l = load::load(&[path.as_ref().to_path_buf()], &self.options)?;
        self.log.table.append(&l.table);
        self.log.files.extend(l.files);
        Ok(self)
    }

    /// Adds every request log under a folder (recursively).
    pub fn load_logs_from_dir(&mut self, dir: impl AsRef<Path>) -> Result<&mut Self> {
        self.load_logs(dir)
    }

    /// The `summary` analysis.
    pub fn summary(&self) -> summary::SummaryReport {
        summary::summary(&self.log.table)
    }

    /// Outliers of `metric`.
    pub fn detect_anomalies(
        &self,
        metric_name: &str,
        method: anomalies::Method,
        threshold: f64,
    ) -> Result<anomalies::AnomalyReport, UnknownMetric> {
        let c = metric(&self.log.table, metric_name)?;
        Ok(anomalies::detect(
            &self.log.table,
            metric_name,
            c,
            method,
            threshold,
        ))
    }

    /// `metric` aggregated over windows of `window_s` seconds.
    pub fn analyze_trends(
        &self,
        metric_name: &str,
        window_s: u64,
        agg: trends::Agg,
    ) -> Result<trends::TrendReport, UnknownMetric> {
        let c = match agg {
            trends::Agg::Count | trends::Agg::ErrorRate => None,
            _ => Some(metric(&self.log.table, metric_name)?),
        };
        Ok(trends::trends(
            &self.log.table,
            metric_name,
            c,
            window_s,
            agg,
        ))
    }

    /// Pearson and Spearman matrices of `metrics`.
    pub fn correlate_metrics(
        &self,
        metrics: &[&str],
    ) -> Result<correlate::CorrelationReport, UnknownMetric> {
        let cols = metrics
            .iter()
            .map(|m| metric(&self.log.table, m))
            .collect::<Result<Vec<_>, _>>()?;
        let names: Vec<String> = metrics.iter().map(|m| (*m).to_owned()).collect();
        Ok(correlate::correlate(&names, &cols))
    }

    /// A new analyzer with the requests in `[from_ns, to_ns)`.
    pub fn filter_time_range(&self, from_ns: i64, to_ns: i64) -> RequestAnalyzer {
        self.filtered(&Filter {
            from_ns: Some(from_ns),
            to_ns: Some(to_ns),
            ..Filter::default()
        })
    }

    /// A new analyzer with the requests of `model`.
    pub fn filter_model(&self, model: &str) -> RequestAnalyzer {
        self.filtered(&Filter {
            models: vec![model.to_owned()],
            ..Filter::default()
        })
    }

    /// A new analyzer with the rows that pass `f`.
    pub fn filtered(&self, f: &Filter) -> RequestAnalyzer {
        RequestAnalyzer {
            log: RequestLog {
                table: f.apply(&self.log.table),
                files: self.log.files.clone(),
            },
            options: self.options.clone(),
        }
    }

    /// Writes the table as CSV.
    pub fn export_csv(&self, path: impl AsRef<Path>) -> Result<()> {
        export::export(&self.log.table, path.as_ref(), export::Format::Csv)
    }
}
