//! `srtlog viz`: the interactive HTML report ([`srtlog_report`]).
//!
//! The output file is created (as a temporary beside it) before anything is
//! parsed, so an unwritable path fails at once with one line; it is renamed
//! into place only when the report is complete, so no empty or partial
//! report is ever left behind.

use crate::args::{GroupByArg, VizArgs};
use anyhow::{Context, Result};
use srtlog::series::{GroupBy, SeriesOptions};
use srtlog_report::output::ReportFile;
use srtlog_report::{render_html, Report};
use std::io::Write;
use std::process::ExitCode;

/// Runs the command.
pub fn run(a: VizArgs, quiet: bool) -> Result<ExitCode> {
    let started = std::time::Instant::now();
    let file = ReportFile::create(&a.output)?;
    let opts = SeriesOptions {
        group_by: match a.group_by {
            GroupByArg::Worker => GroupBy::Worker,
            GroupByArg::Dp => GroupBy::Dp,
            GroupByArg::All => GroupBy::All,
        },
        bucket_s: a.bucket,
        max_points: a.max_points,
        ..SeriesOptions::default()
    };
    let outcome = match super::stats::analyse(&a.paths, opts, a.year, quiet) {
        Ok(o) => o,
        // A missing input path is a usage error; say nothing more.
        Err(e) if matches!(e.downcast_ref(), Some(srtlog::Error::NotFound(_))) => return Err(e),
        Err(e) => return Err(e.context("no report written")),
    };
    super::stats::warn(&outcome)?;
    let report = Report {
        inputs: a.paths.iter().map(|p| p.display().to_string()).collect(),
        ..Report::new(&outcome.summary, &outcome.series)
    };
    let html = render_html(&report).context("rendering the report")?;
    file.commit(html.as_bytes())?;
    if !quiet {
        let s = &outcome.series;
        let (ds, lines) = s.downsampled();
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "Wrote {}: {} charts, {lines} lines{}, {:.1} MB, in {:.1}s",
            a.output.display(),
            s.charts.len(),
            if ds > 0 {
                format!(" ({ds} downsampled to {} points)", s.max_points)
            } else {
                String::new()
            },
            html.len() as f64 / 1e6,
            started.elapsed().as_secs_f64()
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
