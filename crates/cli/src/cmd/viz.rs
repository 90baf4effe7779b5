//! `srtlog viz`: the interactive HTML report ([`srtlog_report`]).
//!
//! The output file is created (as a temporary beside it) before anything is
//! parsed, so an unwritable path fails at once with one line; it is renamed
//! into place only when the report is complete, so no empty or partial
//! report is ever left behind.

use crate::flags;
use anyhow::{Context, Result};
use clap::ValueEnum;
use srtlog::series::{GroupBy, SeriesOptions};
use srtlog_report::output::ReportFile;
use srtlog_report::{render_html, Report};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

const EXAMPLES: &str = "Examples:
  srtlog viz /path/to/job_12345/ -o report.html            # one line per worker
  srtlog viz logs/ -o report.html --group-by dp            # one line per DP rank
  srtlog viz logs/ -o report.html --group-by all           # one line per worker type
  srtlog viz sglang_server.log -o r.html --max-points 0    # draw every point
  srtlog viz runA/ runB/ -o ab.html --group-by all         # several runs overlaid

The report is one HTML file that opens offline (uPlot is embedded; the page makes no
network request): throughput, queues, KV-cache usage, memory snapshots and every other
metric the logs hold, over elapsed time from the run's start, with zoom, pan, hover values
and legend toggles, plus the run summary and the statistics table of `srtlog stats`.
Aggregated workers are split into prefill and decode lines. Throughputs and request and
token counts are summed over the schedulers a line groups; usage fractions and per-GPU
values are averaged. Lines longer than --max-points are downsampled (M4: first, last,
min and max per time column), and the report says so.

Several run directories make one report with the runs overlaid on a time axis relative to each
run's start (lines `{run} · {line}`), never one absolute axis across runs of different days;
several files are one run. `srtlog compare` tests the differences between runs.

A valid Parquet cache of a logs folder (logs/cached_assets/, written by `srtlog parse`) is
read instead of its logs, with the same report; --no-cache reads the logs regardless.";

/// Grouping of report lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GroupByArg {
    /// One line per worker log (its DP ranks combined).
    Worker,
    /// One line per worker type and DP rank (the workers' schedulers of that rank combined).
    Dp,
    /// One line per worker type.
    All,
}

/// Arguments of `srtlog viz`.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Run directory, logs folder, or log files (plain, .gz, .zst).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The HTML file to write.
    #[arg(short, long, value_name = "FILE.html", default_value = "report.html")]
    pub output: PathBuf,
    /// One line per worker, per DP rank, or per worker type.
    #[arg(long, value_enum, default_value_t = GroupByArg::Worker)]
    pub group_by: GroupByArg,
    /// Most points per line; longer lines are downsampled (0 keeps every point).
    #[arg(long, default_value_t = 2000)]
    pub max_points: usize,
    /// Time bucket width (`1s`, `10s`, `1m`); default 1 s, doubled until the run fits 10,000 buckets.
    #[arg(long, value_parser = flags::parse_bucket)]
    pub bucket: Option<u32>,
    /// Year of the first line of each vLLM log (vLLM prints dates without one), as for `parse`.
    #[arg(long, value_name = "YYYY", value_parser = clap::value_parser!(i32).range(1970..=9999))]
    pub year: Option<i32>,
    /// Read the logs even when a valid Parquet cache (`srtlog parse`) is present.
    #[arg(long)]
    pub no_cache: bool,
}

/// Several run directories: each analysed alone, then overlaid on a time
/// axis relative to each run's start ([`srtlog::series::overlay`]).
fn several_runs(
    paths: &[PathBuf],
    opts: SeriesOptions,
    year: Option<i32>,
    quiet: bool,
    use_cache: bool,
) -> Result<srtlog::viz::VizOutcome> {
    let mut sets = Vec::new();
    let mut workers = Vec::new();
    let mut first = None;
    for p in paths {
        let o = super::stats::analyse(
            std::slice::from_ref(p),
            opts.clone(),
            year,
            quiet,
            use_cache,
        )
        .with_context(|| format!("{}: no report written", p.display()))?;
        let label = o.summary.run_name.clone();
        workers.extend(o.summary.workers.iter().cloned());
        sets.push((label, o.series.clone()));
        first.get_or_insert(o);
    }
    let names: Vec<String> = sets.iter().map(|(l, _)| l.clone()).collect();
    let mut out = first.context("no run given")?;
    out.series = srtlog::series::overlay(sets).context("no run given")?;
    out.summary = srtlog::summary::RunSummary::new(
        format!(
            "{} (overlaid, time since each run's start)",
            names.join(" vs ")
        ),
        None,
        workers,
    );
    Ok(out)
}

/// Runs the command.
pub fn run(a: Args, quiet: bool) -> Result<ExitCode> {
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
    let outcome = if a.paths.len() > 1 && a.paths.iter().all(|p| p.is_dir()) {
        several_runs(&a.paths, opts, a.year, quiet, !a.no_cache)?
    } else {
        match super::stats::analyse(&a.paths, opts, a.year, quiet, !a.no_cache) {
            Ok(o) => o,
            // A missing input path is a usage error; say nothing more.
            Err(e) if matches!(e.downcast_ref(), Some(srtlog::Error::NotFound(_))) => {
                return Err(e)
            }
            Err(e) => return Err(e.context("no report written")),
        }
    };
    super::stats::warn(&outcome, quiet);
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
