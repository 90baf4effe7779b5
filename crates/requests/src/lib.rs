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
//! * [`client`]: benchmark-client result files (sglang.bench_serving, vLLM
//!   bench serve, GuideLLM) as request-level sources, and
//!   [`client::read_client_results`] for other jobs.
//!
//! Memory: the table holds every request (about 160 bytes each for the
//! workflow's schema); percentiles are exact (values sorted, numpy's linear
//! method). No analysis uses a sketch.
#![warn(missing_docs)]

pub mod analysis;
pub mod anomalies;
pub mod breakdown;
pub mod client;
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

pub use client::{read_client_results, ClientResults};
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

/// The values of a column that statistics use: finite ones. Missing (NaN)
/// values are left out, and so are `Infinity` / `-Infinity` (which Python's
/// `json.dumps` writes), which would turn a mean or a standard deviation
/// into a non-number and hide every other outlier; [`excluded_values`]
/// counts them.
pub fn values(c: &[f64]) -> Vec<f64> {
    c.iter().copied().filter(|x| x.is_finite()).collect()
}

/// The longest latency that is possible, ms: a request's end
/// (`timestamp + latency`) must fit in 64-bit nanoseconds since the epoch,
/// about 292 years. Longer latencies (`1e20`) are left out of the latency
/// statistics and the run's end, and counted.
pub const MAX_LATENCY_MS: f64 = 9.2e12;

/// Whether a latency (ms) is possible: finite, not negative, and short
/// enough for its end to be a time ([`MAX_LATENCY_MS`]).
pub fn possible_latency(x: f64) -> bool {
    x.is_finite() && (0.0..=MAX_LATENCY_MS).contains(&x)
}

/// Whether value `x` of column `field` enters the statistics: finite, and
/// for `latency_ms` possible too ([`possible_latency`]). One rule for the
/// full table and the column scan ([`columns`]).
pub fn usable(field: &str, x: f64) -> bool {
    if field == "latency_ms" {
        possible_latency(x)
    } else {
        x.is_finite()
    }
}

/// How many values of column `field` are present (not missing) but not
/// [`usable`]: left out of the statistics and counted.
pub fn excluded_count(field: &str, column: &[f64]) -> u64 {
    column
        .iter()
        .filter(|x| !x.is_nan() && !usable(field, **x))
        .count() as u64
}

/// Values left out of the statistics, per numeric column: non-finite ones,
/// and for `latency_ms` impossible ones too ([`possible_latency`]).
pub fn excluded_values(t: &RequestTable) -> std::collections::BTreeMap<String, u64> {
    t.numeric_columns()
        .into_iter()
        .filter_map(|c| {
            let n = excluded_count(&c, t.column(&c)?);
            (n > 0).then_some((c, n))
        })
        .collect()
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
            Some(if possible_latency(l) && l > 0.0 {
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
