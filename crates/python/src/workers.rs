//! Worker logs (formats.md §1, §2): `NodeAnalyzer.parse_run_logs` and the
//! HTML report of `srtlog viz`.
//!
//! One pass of the library's parser ([`srtlog::worker::parse_files`], as
//! `srtlog parse` and the Rust `NodeAnalyzer` use) yields, per worker file,
//! its summary (the `--json` wire format) and its rows as Arrow batches
//! (the node-metrics table of the Parquet cache). The Python side builds the
//! node objects on those without copying the rows.

use crate::arrow::ArrowStream;
use crate::errors::{Failure, Kind};
use crate::wait::{self, Job};
use pyo3::prelude::*;
use srtlog::discover::{discover, Discovery};
use srtlog::series::{GroupBy, SeriesOptions};
use srtlog::summary::{RunSummary, WorkerSummary};
use srtlog::worker::{parse_files, ParseOptions};
use std::path::PathBuf;
use std::sync::atomic::Ordering;

/// What `srtlog parse` says when nothing under the path is a worker log
/// (the same words as `srtlog::run::parse_run`, so the message matches).
const LOOKED_FOR: &str = "{node}_{prefill|decode|agg}_{worker}.{out,err} files, or .log/.out/.err/.txt files (also .gz/.zst) holding SGLang server arguments or Prefill/Decode batch lines, or vLLM server lines";

/// The parsed run handed to Python.
struct Parsed {
    run_json: String,
    workers: Vec<String>,
    tables: Vec<ArrowStream>,
    warnings: Vec<String>,
}

fn input_bytes(files: &[srtlog::discover::WorkerFile]) -> u64 {
    files
        .iter()
        .filter_map(|f| std::fs::metadata(&f.path).ok())
        .map(|m| m.len())
        .sum()
}

fn parse(
    paths: Vec<PathBuf>,
    d: Discovery,
    year: Option<i32>,
    job: &Job,
) -> Result<Parsed, Failure> {
    if d.files.is_empty() {
        let path = paths.first().cloned().unwrap_or_default();
        return Err(srtlog::Error::NoWorkerLogs {
            path,
            looked_for: LOOKED_FOR,
        }
        .into());
    }
    let opts = ParseOptions {
        year,
        keep_table: true,
        ..ParseOptions::default()
    };
    let schema = srtlog::table::node_metrics::schema();
    let mut workers = Vec::new();
    let mut summaries = Vec::new();
    let mut tables = Vec::new();
    parse_files(&d.files, &opts, &job.done, |w| {
        if job.cancelled() {
            return Err(srtlog::Error::Io {
                path: w.source.path.clone(),
                source: std::io::Error::new(std::io::ErrorKind::Interrupted, "interrupted"),
            });
        }
        let s = WorkerSummary::from_log(&w);
        workers.push(serde_json::to_string(&s).unwrap_or_default());
        summaries.push(s);
        tables.push(ArrowStream::new(schema.clone(), w.table));
        Ok(())
    })?;
    let summary = RunSummary::new(
        d.run_name.clone(),
        d.logs_dir.as_ref().map(|p| p.display().to_string()),
        summaries,
    );
    // `srtlog parse --json --no-cache`: the summary plus `cache` and `skipped`.
    let mut doc = serde_json::to_value(&summary).unwrap_or_default();
    if let Some(m) = doc.as_object_mut() {
        m.insert(
            "cache".into(),
            serde_json::json!({ "status": "disabled", "path": null }),
        );
        let skipped: Vec<_> = d
            .skipped
            .iter()
            .map(|(p, why)| serde_json::json!({ "file": p.display().to_string(), "reason": why }))
            .collect();
        m.insert("skipped".into(), serde_json::Value::Array(skipped));
    }
    Ok(Parsed {
        run_json: doc.to_string(),
        workers,
        tables,
        warnings: d.warnings.iter().map(ToString::to_string).collect(),
    })
}

/// Parses worker logs: `(run summary JSON, [worker summary JSON],
/// [node-metrics table], [discovery warnings])`, one table per worker file
/// in path order. `progress(done_bytes, total_bytes)` is called while it runs.
#[pyfunction]
#[pyo3(signature = (paths, year = None, progress = None))]
#[allow(clippy::type_complexity)]
pub fn parse_workers(
    py: Python<'_>,
    paths: Vec<PathBuf>,
    year: Option<i32>,
    progress: Option<Bound<'_, PyAny>>,
) -> PyResult<(String, Vec<String>, Vec<ArrowStream>, Vec<String>)> {
    // Discovered once: the files' sizes are the progress total.
    let d = py
        .detach(|| discover(&paths))
        .map_err(|e| PyErr::from(Failure::from(e)))?;
    let job = Job::new(input_bytes(&d.files));
    let j = job.clone();
    let p = wait::run(py, &job, progress.as_ref(), move || {
        parse(paths, d, year, &j)
    })?;
    Ok((p.run_json, p.workers, p.tables, p.warnings))
}

/// Writes the HTML report of `srtlog viz` to `output`; returns the number
/// of charts. `group_by` is `worker`, `dp` or `all`.
#[pyfunction]
#[pyo3(signature = (paths, output, group_by = "worker", max_points = 2000, bucket_s = None, year = None))]
pub fn viz_html(
    py: Python<'_>,
    paths: Vec<PathBuf>,
    output: PathBuf,
    group_by: &str,
    max_points: usize,
    bucket_s: Option<u32>,
    year: Option<i32>,
) -> PyResult<usize> {
    let group_by = match group_by {
        "worker" => GroupBy::Worker,
        "dp" => GroupBy::Dp,
        "all" => GroupBy::All,
        other => {
            return Err(crate::errors::value(format!(
                "group_by must be \"worker\", \"dp\" or \"all\", not {other:?}"
            )))
        }
    };
    let job = Job::default();
    let j = job.clone();
    wait::run(py, &job, None, move || {
        let mut req = srtlog::viz::VizRequest {
            series: SeriesOptions {
                group_by,
                bucket_s,
                max_points,
                ..SeriesOptions::default()
            },
            ..srtlog::viz::VizRequest::new(paths.clone())
        };
        req.options.year = year;
        let outcome = srtlog::viz::build(&req, &j.done).map_err(|e| match e {
            srtlog::viz::VizError::Parse(inner) => Failure::from(inner),
            other => Failure::new(Kind::Parse, crate::errors::chain(&other)),
        })?;
        let report = srtlog_report::Report {
            inputs: paths.iter().map(|p| p.display().to_string()).collect(),
            ..srtlog_report::Report::new(&outcome.summary, &outcome.series)
        };
        let html = srtlog_report::render_html(&report)
            .map_err(|e| Failure::new(Kind::Io, crate::errors::chain(&e)))?;
        srtlog_report::output::write_atomic(&output, html.as_bytes())
            .map_err(|e| Failure::new(Kind::Io, crate::errors::chain(&e)))?;
        j.done.store(j.total, Ordering::Relaxed);
        Ok(outcome.series.charts.len())
    })
}
