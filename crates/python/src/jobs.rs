//! The other jobs: metrics snapshots (formats.md §5) and the scraper, the
//! logging audit, AIPerf exports (formats.md §6). Each returns the CLI's
//! `--json` document as text and its table (`--csv`/`--parquet`) as Arrow.

use crate::arrow::ArrowStream;
use crate::errors::{chain, Failure, Kind};
use crate::wait::{self, Job};
use pyo3::prelude::*;
use srtlog::aiperf::{analyze_path, AiperfError, AiperfOptions, Analysis, Outcome, SweepRow};
use srtlog::scrape::{self, Target};
use srtlog::snapshots::naming::Stage;
use std::path::PathBuf;
use std::time::Duration;

fn table_failure(e: srtlog::table::TableError) -> Failure {
    Failure::new(Kind::Parse, chain(&e))
}

fn json_failure(e: serde_json::Error) -> Failure {
    Failure::new(Kind::Parse, e.to_string())
}

/// `srtlog snapshots DIR --json` and its per-request table (`--csv`).
/// Raises `ParseError` when no before/after pair was found (the CLI's
/// error, exit 1).
#[pyfunction]
pub fn snapshots(py: Python<'_>, dir: PathBuf) -> PyResult<(String, ArrowStream)> {
    let job = Job::default();
    wait::run(py, &job, None, move || {
        let an = srtlog::snapshots::analyze_dir(&dir)?;
        if an.requests.is_empty() {
            return Err(Failure::new(
                Kind::Parse,
                format!(
                    "{}: no before/after pair among {} snapshot file(s)",
                    dir.display(),
                    an.files
                ),
            ));
        }
        let b = srtlog::snapshots::table::record_batch(&an).map_err(table_failure)?;
        let doc = srtlog::snapshots::to_json(&an);
        Ok((doc.to_string(), ArrowStream::one(b)))
    })
}

/// One scrape of `url` written atomically into `out` (as `srtlog scrape`):
/// `{request_id}_{stage}` names when both are given, else `{prefix}_{time}`.
/// Snapshots older than `keep_s` seconds are removed afterwards. Returns
/// the file written. The GIL is released while it fetches.
#[pyfunction]
#[pyo3(signature = (url, out, prefix = "metrics", headers = Vec::new(), timeout_s = 10.0, request_id = None, stage = None, keep_s = None))]
#[allow(clippy::too_many_arguments)]
pub fn scrape_once(
    py: Python<'_>,
    url: &str,
    out: PathBuf,
    prefix: &str,
    headers: Vec<String>,
    timeout_s: f64,
    request_id: Option<String>,
    stage: Option<&str>,
    keep_s: Option<f64>,
) -> PyResult<String> {
    let bad = |e: scrape::ScrapeError| Failure::new(Kind::Value, chain(&e));
    let mut target = Target::parse(url).map_err(bad)?;
    for h in &headers {
        target = target.with_header_line(h).map_err(bad)?;
    }
    if prefix.is_empty() || prefix.contains(['/', '\\']) {
        return Err(crate::errors::value(
            "prefix must be a non-empty file-name part",
        ));
    }
    let stage = match stage {
        None => None,
        Some("before") => Some(Stage::Before),
        Some("after") => Some(Stage::After),
        Some(o) => {
            return Err(crate::errors::value(format!(
                "stage must be \"before\" or \"after\", not {o:?}"
            )))
        }
    };
    let timeout = Duration::from_secs_f64(timeout_s.max(0.001));
    let prefix = prefix.to_owned();
    let io = |e: scrape::ScrapeError| Failure::new(Kind::Io, chain(&e));
    let job = Job::default();
    wait::run(py, &job, None, move || {
        let path = match (&request_id, stage) {
            (Some(id), Some(stage)) => {
                if id.is_empty() || id.contains(['/', '\\']) {
                    return Err(Failure::new(
                        Kind::Value,
                        "request_id must be a non-empty file-name part",
                    ));
                }
                scrape::snapshot_once(&target, &out, id, stage, timeout).map_err(io)?
            }
            _ => {
                let t = scrape::now_us();
                let body = scrape::fetch(&target, timeout).map_err(io)?;
                std::fs::create_dir_all(&out)
                    .map_err(|e| Failure::new(Kind::Io, format!("{}: {e}", out.display())))?;
                let name = format!("{prefix}_{}.txt", srtlog::snapshots::naming::format_time(t));
                scrape::write_atomic(&out, &name, &body).map_err(io)?
            }
        };
        if let Some(k) = keep_s {
            scrape::cleanup(&out, Duration::from_secs_f64(k.max(0.0))).map_err(io)?;
        }
        Ok(path.display().to_string())
    })
}

/// `srtlog audit PATHS --json` and its findings table.
#[pyfunction]
#[pyo3(signature = (paths, metrics = None, dashboards = None, timeout_s = 10.0, headers = Vec::new()))]
pub fn audit(
    py: Python<'_>,
    paths: Vec<PathBuf>,
    metrics: Option<String>,
    dashboards: Option<PathBuf>,
    timeout_s: f64,
    headers: Vec<String>,
) -> PyResult<(String, ArrowStream)> {
    let opts = srtlog::audit::Options {
        paths,
        metrics: metrics.as_deref().map(srtlog::audit::MetricsSource::parse),
        dashboards,
        timeout: Some(Duration::from_secs_f64(timeout_s.max(0.001))),
        headers,
    };
    let job = Job::default();
    wait::run(py, &job, None, move || {
        let report = srtlog::audit::run(&opts)?;
        if report.logs.totals.lines == 0 {
            return Err(Failure::new(
                Kind::Parse,
                "no log lines read from the paths given",
            ));
        }
        let b = srtlog::audit::table::findings_batch(&report).map_err(table_failure)?;
        let doc = serde_json::to_string(&report).map_err(json_failure)?;
        Ok((doc, ArrowStream::one(b)))
    })
}

/// `srtlog aiperf PATH --json` and its per-record table (`--csv`).
#[pyfunction]
#[pyo3(signature = (path, include_warmup = false, progress = None))]
pub fn aiperf(
    py: Python<'_>,
    path: PathBuf,
    include_warmup: bool,
    progress: Option<Bound<'_, PyAny>>,
) -> PyResult<(String, ArrowStream)> {
    let total = srtlog::io::walk::total_size(&path);
    let job = Job::new(total);
    let j = job.clone();
    wait::run(py, &job, progress.as_ref(), move || {
        let opts = AiperfOptions {
            include_warmup,
            rows: true,
        };
        let outcome = analyze_path(&path, opts, &j.done).map_err(|e| match e {
            AiperfError::NotFound(_) => Failure::new(Kind::NotFound, e.to_string()),
            other => Failure::new(Kind::Parse, chain(&other)),
        })?;
        let runs: Vec<&Analysis> = match &outcome {
            Outcome::Run(r) => vec![r.as_ref()],
            Outcome::Sweep(v) => v.iter().collect(),
        };
        let b = srtlog::aiperf::rows_csv::rows_batch(&runs).map_err(table_failure)?;
        let doc = match &outcome {
            Outcome::Run(r) => serde_json::to_value(r.as_ref()),
            Outcome::Sweep(v) => Ok(serde_json::json!({
                "sweep": v.iter().map(SweepRow::of).collect::<Vec<_>>(),
                "runs": v,
            })),
        }
        .map_err(json_failure)?;
        Ok((doc.to_string(), ArrowStream::one(b)))
    })
}
