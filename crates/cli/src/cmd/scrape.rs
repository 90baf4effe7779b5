//! `srtlog scrape URL`: the collector that replaces a background
//! `curl`. One snapshot (`--request-id ID --stage before|after`, named as
//! `srtlog snapshots` expects) or periodic ones (`--every 1s [--for 10m]`),
//! with a timeout, no retries, atomic writes and `--keep` clean-up
//! ([`srtlog::scrape`]).
//!
//! One-shot mode prints the written path on stdout and exits 1 when the
//! endpoint cannot be scraped (nothing is written). Periodic mode reports
//! each failure on stderr, keeps its schedule, and exits 1 only when no
//! scrape succeeded.

use crate::flags;
use crate::logging;
use anyhow::{bail, Result};
use clap::ValueEnum;
use srtlog::scrape::{self, Periodic, Target, Tick};
use srtlog::snapshots::naming::Stage;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Arguments of `srtlog scrape`.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Metrics endpoint: `http://host:port/metrics` or `https://…` (`host:port` is enough).
    pub url: String,
    /// Extra request header `Name: value` (repeatable), e.g. `Authorization: Bearer TOKEN`.
    #[arg(long = "header", short = 'H', value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    /// Folder to write snapshots into (created if missing).
    #[arg(long, short)]
    pub out: PathBuf,
    /// Request id of a one-shot snapshot (with --stage).
    #[arg(long, requires = "stage", conflicts_with = "every")]
    pub request_id: Option<String>,
    /// Stage of a one-shot snapshot.
    #[arg(long, value_enum, requires = "request_id")]
    pub stage: Option<StageArg>,
    /// Scrape periodically at this interval (`500ms`, `1s`, `1m`), drift-free.
    #[arg(long, value_parser = duration)]
    pub every: Option<Duration>,
    /// With --every: stop after this long (default: until interrupted).
    #[arg(long = "for", value_name = "DURATION", value_parser = duration, requires = "every")]
    pub duration: Option<Duration>,
    /// Remove snapshots in --out older than this (`7d`, `12h`) after each scrape.
    #[arg(long, value_parser = duration)]
    pub keep: Option<Duration>,
    /// Give up on a scrape after this long (connect + answer); no retry.
    #[arg(long, default_value = "5s", value_parser = duration)]
    pub timeout: Duration,
    /// File-name prefix of periodic snapshots (`{prefix}_{YYYYMMDD_HHMMSS_micro}.txt`).
    #[arg(long, default_value = "metrics")]
    pub prefix: String,
}

/// `before` or `after`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum StageArg {
    /// Before the request is sent.
    Before,
    /// After it completed.
    After,
}

const EXAMPLES: &str = "Examples:
  srtlog scrape http://localhost:8000/metrics --out snaps --request-id chatcmpl-abc --stage before
  srtlog scrape http://localhost:8000/metrics --out snaps --request-id chatcmpl-abc --stage after
  srtlog scrape localhost:8000 --out scrapes --every 1s --for 10m --keep 7d
  srtlog scrape https://host/metrics --header 'Authorization: Bearer TOKEN' --out snaps --every 5s
  srtlog snapshots snaps/                 # per-request timings
  srtlog snapshots scrapes/ --interval    # time series; -o scrapes.html for charts

Run it in the background from the request hook (`srtlog scrape … &`): it never retries, gives
up after --timeout, and writes a snapshot completely or not at all. File times are UTC.";

fn duration(s: &str) -> Result<Duration, String> {
    flags::parse_span(s)
}

/// Adds every `--header 'Name: value'` to `target`.
pub(crate) fn with_headers(target: Target, headers: &[String]) -> Result<Target> {
    headers
        .iter()
        .try_fold(target, |t, h| Ok(t.with_header_line(h)?))
}

/// Runs the command.
pub fn run(a: Args, quiet: bool) -> Result<ExitCode> {
    let target = with_headers(Target::parse(&a.url)?, &a.headers)?;
    if a.prefix.is_empty() || a.prefix.contains(['/', '\\']) {
        bail!("--prefix must be a non-empty file-name part");
    }
    let mut out = std::io::stdout().lock();
    if let Some(every) = a.every {
        if every.is_zero() {
            bail!("--every must be more than 0");
        }
        let p = Periodic {
            every,
            duration: a.duration,
            keep: a.keep,
            timeout: a.timeout,
            prefix: a.prefix.clone(),
        };
        let mut failures = Failures::default();
        let (ok, failed) = scrape::run_periodic(&target, &a.out, &p, |t| match t {
            Tick::Written(path) => {
                failures.succeeded(quiet);
                let _ = writeln!(out, "{}", path.display());
            }
            Tick::Failed(e) => failures.failed(e.to_string()),
            Tick::Skipped(n) if !quiet => logging::warning(format_args!(
                "scrape slower than --every: {n} tick(s) skipped"
            )),
            Tick::Removed(n) if !quiet => {
                logging::info(format_args!("removed {n} snapshot(s) older than --keep"))
            }
            _ => {}
        })?;
        if !quiet {
            logging::info(format_args!("{ok} snapshot(s) written, {failed} failed"));
        }
        return Ok(if ok == 0 {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        });
    }
    let path = match (&a.request_id, a.stage) {
        (Some(id), Some(stage)) => {
            if id.is_empty() || id.contains(['/', '\\']) {
                bail!("--request-id must be a non-empty file-name part");
            }
            let stage = match stage {
                StageArg::Before => Stage::Before,
                StageArg::After => Stage::After,
            };
            scrape::snapshot_once(&target, &a.out, id, stage, a.timeout)?
        }
        _ => {
            let t = scrape::now_us();
            let body = scrape::fetch(&target, a.timeout)?;
            std::fs::create_dir_all(&a.out)?;
            let name = format!(
                "{}_{}.txt",
                a.prefix,
                srtlog::snapshots::naming::format_time(t)
            );
            scrape::write_atomic(&a.out, &name, &body)?
        }
    };
    writeln!(out, "{}", path.display())?;
    if let Some(keep) = a.keep {
        let n = scrape::cleanup(&a.out, keep)?;
        if n > 0 && !quiet {
            logging::info(format_args!("removed {n} snapshot(s) older than --keep"));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Says a failing periodic scrape without a line every tick (a server
/// down for an hour at `--every 500ms` gave 7,200 identical warnings): the
/// first failure, each new error, the 2nd, 4th, 8th, … failure in a row of
/// the same error, and the first success after failures. The totals are in
/// the closing line.
#[derive(Default)]
struct Failures {
    /// Failures in a row.
    run: u64,
    /// The error of the last failure.
    last: Option<String>,
}

impl Failures {
    fn failed(&mut self, e: String) {
        self.run += 1;
        if self.last.as_deref() != Some(e.as_str()) {
            logging::warning(format_args!("scrape failed: {e}"));
        } else if self.run.is_power_of_two() {
            logging::warning(format_args!(
                "scrape failed {} times in a row: {e}",
                self.run
            ));
        }
        self.last = Some(e);
    }

    fn succeeded(&mut self, quiet: bool) {
        if self.run > 0 && !quiet {
            logging::note(format_args!(
                "scrape succeeded again after {} failure(s)",
                self.run
            ));
        }
        self.run = 0;
        self.last = None;
    }
}
