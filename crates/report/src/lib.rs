//! Reports of srtlog results: one self-contained HTML file per run.
//!
//! The output layer of srtlog, apart from the analysis (the series and
//! statistics come from [`srtlog::series`]; this crate only presents them):
//!
//! * [`page`]: the one HTML page shell of every report (CSP forbidding any
//!   fetch, data embedded as JSON, the `srtlog-rendered` self-check, the
//!   footer), and HTML escaping.
//! * [`html`]: the interactive report of `srtlog viz` (uPlot charts, run
//!   summary, workers, statistics), one file with everything inlined.
//! * [`aiperf`]: the report of `srtlog aiperf` (AIPerf trace and token
//!   analysis: tables, per-request timeline, distributions, sweeps).
//! * [`requests`]: the report of `srtlog requests report` (request logs),
//!   from the figures of [`srtlog::requests::report_data`].
//! * [`snapshots`]: the report of periodic metrics scrapes (`srtlog
//!   snapshots --interval`).
//! * [`compare`]: the report of `srtlog compare` (runs on relative time,
//!   client CDFs, sweeps with their Pareto frontier).
//! * [`chart`]: the simple chart model the request and snapshots reports
//!   hand to their page.
//! * [`text`]: the one number formatter, shared by the reports and the
//!   terminal tables so both show the same digits.
//! * [`table`]: terminal tables (the workflow's rounded boxes).
//! * [`output`]: writing a report atomically (a temporary file renamed into
//!   place), so a failed run never leaves an empty or partial report.
//!
//! No analysis runs here: every figure comes computed by the job crates.
//!
//! The charting library, uPlot, is vendored under `assets/` (version,
//! source, checksums and licence in `assets/VENDORED.md`) and embedded with
//! `include_str!`; a report makes no network request when it opens, and its
//! Content-Security-Policy forbids any.
//!
//! ```no_run
//! use srtlog::viz::{build, VizRequest};
//! use srtlog_report::{render_html, Report};
//! let out = build(&VizRequest::new(vec!["/path/to/job".into()]), &Default::default())?;
//! let html = render_html(&Report::new(&out.summary, &out.series))?;
//! srtlog_report::output::write_atomic(std::path::Path::new("report.html"), html.as_bytes())?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

pub mod aiperf;
pub mod chart;
pub mod compare;
pub mod html;
pub mod output;
pub mod page;
pub mod requests;
pub mod snapshots;
pub mod table;
pub mod text;
pub mod textpage;

pub use html::{render_html, Report};

/// Version of the embedded uPlot.
pub const UPLOT_VERSION: &str = "1.6.32";

/// Errors of report generation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// The data could not be serialised (a bug).
    #[error("serialising the report data: {0}")]
    Json(#[from] serde_json::Error),
    /// Writing the report failed. The cause is the error's `source()`
    /// (shown by `{:#}` in anyhow, or by walking the chain).
    #[error("cannot write {path}")]
    Io {
        /// The report path.
        path: std::path::PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}
