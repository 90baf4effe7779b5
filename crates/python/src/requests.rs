//! Request logs (formats.md §4): the core of `InferenceLogAnalyzer`.
//!
//! A [`RequestLog`] holds the library's `RequestAnalyzer` (the request
//! table and per-file read reports). Every analysis is the call `srtlog
//! requests …` makes (`srtlog::requests::analysis`), returned as the CLI's
//! `--json` text; the rows leave as Arrow (`table`), which the Python side
//! turns into pandas frames.

use crate::arrow::ArrowStream;
use crate::errors::{chain, value, Failure, Kind};
use crate::wait::{self, Job};
use pyo3::prelude::*;
use serde::Serialize;
use srtlog::requests::analysis as an;
use srtlog::requests::anomalies::Method;
use srtlog::requests::summary::SummaryReport;
use srtlog::requests::trends::Agg;
use srtlog::requests::{self as rq, FileReport, Filter, RequestAnalyzer};
use std::path::PathBuf;

/// `srtlog requests summary --json`: the summary's keys plus `files`.
#[derive(Serialize)]
struct SummaryJson<'a> {
    #[serde(flatten)]
    summary: &'a SummaryReport,
    files: &'a [FileReport],
}

fn json<T: Serialize>(v: &T) -> PyResult<String> {
    serde_json::to_string(v).map_err(value)
}

/// `90s`, `10m`, `2h`, `1d`, `30` (seconds), as the CLI's `--window`.
fn duration_s(s: &str) -> PyResult<u64> {
    let s = s.trim();
    let (num, mult) = match s.chars().last() {
        Some('s') => (&s[..s.len() - 1], 1),
        Some('m') => (&s[..s.len() - 1], 60),
        Some('h') => (&s[..s.len() - 1], 3600),
        Some('d') => (&s[..s.len() - 1], 86_400),
        _ => (s, 1),
    };
    let n = num
        .trim()
        .parse::<u64>()
        .map_err(|_| value(format!("not a duration: {s:?} (try 90s, 10m, 2h)")))?;
    match n.checked_mul(mult) {
        Some(0) | None => Err(value(format!("not a usable window: {s:?}"))),
        Some(v) => Ok(v),
    }
}

fn method(s: &str) -> PyResult<Method> {
    match s.to_ascii_lowercase().as_str() {
        "zscore" | "z-score" | "z" => Ok(Method::Zscore),
        "iqr" | "tukey" => Ok(Method::Iqr),
        "mad" => Ok(Method::Mad),
        other => Err(value(format!(
            "method must be \"zscore\", \"iqr\" or \"mad\", not {other:?}"
        ))),
    }
}

fn agg(s: &str) -> PyResult<Agg> {
    Ok(match s.to_ascii_lowercase().as_str() {
        "mean" | "avg" => Agg::Mean,
        "median" | "p50" => Agg::Median,
        "p95" => Agg::P95,
        "p99" => Agg::P99,
        "max" => Agg::Max,
        "min" => Agg::Min,
        "count" => Agg::Count,
        "sum" => Agg::Sum,
        "error_rate" => Agg::ErrorRate,
        other => {
            return Err(value(format!(
                "aggregation must be one of mean, median, p95, p99, max, min, count, sum, error_rate; not {other:?}"
            )))
        }
    })
}

fn analysis(e: an::AnalysisError) -> PyErr {
    match e {
        an::AnalysisError::NoRequests(_) | an::AnalysisError::NoneMatch(_) => {
            Failure::new(Kind::Parse, e.to_string()).into()
        }
        other => value(other),
    }
}

/// Requests loaded from JSON-lines logs (the request-log workflow's schema,
/// AIPerf exports, SGLang request metrics).
#[pyclass(module = "srtlog._srtlog")]
#[derive(Default)]
pub struct RequestLog {
    inner: RequestAnalyzer,
}

#[pymethods]
impl RequestLog {
    #[new]
    fn new() -> Self {
        RequestLog::default()
    }

    /// Adds the requests of a file or folder (recursively). Returns the read
    /// reports of this load as JSON (one per file: bad, overlong and
    /// not-per-request lines). Raises `ParseError` when it added no request
    /// (the CLI's "no requests found in …").
    #[pyo3(signature = (path, progress = None))]
    fn load(
        &mut self,
        py: Python<'_>,
        path: PathBuf,
        progress: Option<Bound<'_, PyAny>>,
    ) -> PyResult<String> {
        let total = srtlog::io::walk::total_size(&path);
        let job = Job::new(total);
        let opts = self.inner.options.clone();
        let p = path.clone();
        let log = wait::run(py, &job, progress.as_ref(), move || {
            rq::load(&[p], &opts).map_err(Failure::from)
        })?;
        let files = json(&log.files)?;
        if log.table.is_empty() {
            return Err(Failure::new(
                Kind::Parse,
                an::AnalysisError::NoRequests(path.display().to_string()).to_string(),
            )
            .into());
        }
        // `RequestTable::default()` (the analyzer's empty table) has no
        // numeric columns, so appending to it loses them: the first load
        // replaces it instead.
        if self.inner.log.table.is_empty() {
            self.inner.log.table = log.table;
        } else {
            self.inner.log.table.append(&log.table);
        }
        self.inner.log.files.extend(log.files);
        Ok(files)
    }

    /// Number of requests.
    fn __len__(&self) -> usize {
        self.inner.log.table.len()
    }

    /// `srtlog requests summary --json`.
    fn summary_json(&self) -> PyResult<String> {
        let s = rq::summary::summary(&self.inner.log.table);
        json(&SummaryJson {
            summary: &s,
            files: &self.inner.log.files,
        })
    }

    /// `srtlog requests anomalies --json` (`threshold` None: the method's default).
    #[pyo3(signature = (metric, method_name, threshold = None))]
    fn anomalies_json(
        &self,
        metric: &str,
        method_name: &str,
        threshold: Option<f64>,
    ) -> PyResult<String> {
        let t = self.selected()?;
        let r = an::anomalies_of(t, metric, method(method_name)?, threshold).map_err(analysis)?;
        json(&r)
    }

    /// `srtlog requests trends --json` and its table (`timestamp`,
    /// `requests`, `value`).
    fn trends(
        &self,
        metric: &str,
        window: &str,
        aggregation: &str,
    ) -> PyResult<(String, ArrowStream)> {
        let t = self.selected()?;
        let r =
            an::trends_of(t, metric, duration_s(window)?, agg(aggregation)?).map_err(analysis)?;
        let b = an::trends_batch(&r).map_err(|e| value(chain(&e)))?;
        Ok((json(&r)?, ArrowStream::one(b)))
    }

    /// `srtlog requests correlate --json` (empty: every numeric field).
    fn correlate_json(&self, metrics: Vec<String>) -> PyResult<String> {
        let t = self.selected()?;
        json(&an::correlate_of(t, &metrics).map_err(analysis)?)
    }

    /// A new log with the requests in `[from_ns, to_ns)` and of `model`
    /// (a substring, any case), as `--from/--to/--model`.
    #[pyo3(signature = (from_ns = None, to_ns = None, model = None))]
    fn filter(&self, from_ns: Option<i64>, to_ns: Option<i64>, model: Option<String>) -> Self {
        let f = Filter {
            from_ns,
            to_ns,
            models: model.into_iter().collect(),
            ..Filter::default()
        };
        RequestLog {
            inner: self.inner.filtered(&f),
        }
    }

    /// The rows as an Arrow table.
    fn table(&self) -> PyResult<ArrowStream> {
        let b = rq::table::record_batch(&self.inner.log.table).map_err(|e| value(chain(&e)))?;
        Ok(ArrowStream::one(b))
    }

    /// The per-file read reports as JSON.
    fn files_json(&self) -> PyResult<String> {
        json(&self.inner.log.files)
    }

    /// Writes the HTML report of `srtlog requests report` to `output`.
    #[pyo3(signature = (output, metric = "latency_ms", window = None, inputs = Vec::new()))]
    fn report_html(
        &self,
        py: Python<'_>,
        output: PathBuf,
        metric: &str,
        window: Option<&str>,
        inputs: Vec<String>,
    ) -> PyResult<()> {
        let t = self.selected()?.clone();
        let w = window.map(duration_s).transpose()?;
        let files = self.inner.log.files.clone();
        let metric = metric.to_owned();
        let job = Job::default();
        wait::run(py, &job, None, move || {
            let data = rq::report_data::report_data(&t, &metric, w);
            let html = srtlog_report::requests::render(&data, &files, &inputs)
                .map_err(|e| Failure::new(Kind::Io, chain(&e)))?;
            srtlog_report::output::write_atomic(&output, html.as_bytes())
                .map_err(|e| Failure::new(Kind::Io, chain(&e)))
        })
    }

    /// Writes the rows as CSV (`srtlog requests export --csv`).
    fn export_csv(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        let t = self.inner.log.table.clone();
        let job = Job::default();
        wait::run(py, &job, None, move || {
            rq::export::export(&t, &path, rq::export::Format::Csv).map_err(Failure::from)
        })
    }
}

impl RequestLog {
    /// The table, or the CLI's error when it is empty.
    fn selected(&self) -> PyResult<&rq::RequestTable> {
        let log = &self.inner.log;
        if log.table.is_empty() {
            let names: Vec<String> = log
                .files
                .iter()
                .map(|f| f.path.display().to_string())
                .collect();
            let names = if names.is_empty() {
                "the loaded logs (none loaded)".to_owned()
            } else {
                names.join(", ")
            };
            return Err(analysis(an::AnalysisError::NoRequests(names)));
        }
        Ok(&log.table)
    }
}
