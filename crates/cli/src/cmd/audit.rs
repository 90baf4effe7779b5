//! `srtlog audit PATH... [--metrics FILE|URL] [--dashboards DIR]`: the
//! logging and metrics audit with a grade ([`srtlog::audit`]), as a text
//! report, `--json`, `-o FILE.html`, the findings table as `--csv FILE` /
//! `--parquet FILE` ([`srtlog::audit::table::findings_batch`]), gates over the `--json` keys
//! (`--fail-if 'score < 83'`; `--fail-under GRADE` is the previous form),
//! and `--grafana-out DIR` for dashboards built from the metrics present.
//!
//! Exit codes: 0; 1 when no log line was read; 2 for usage errors and
//! missing paths; 3 when a gate fails.

use crate::flags::{self, print_json, Gates};
use crate::logging;
use anyhow::{bail, Result};
use srtlog::audit::{self, MetricsSource, Options};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Arguments of `srtlog audit`.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Log files and folders (plain, gzip, zstd; JSON, logfmt or text).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Prometheus snapshot file, or a live endpoint `http://host:port/metrics`.
    #[arg(long, value_name = "FILE|URL")]
    pub metrics: Option<String>,
    /// Folder of Grafana dashboard JSON files (or one file).
    #[arg(long, value_name = "DIR")]
    pub dashboards: Option<PathBuf>,
    /// Write Grafana dashboards built from the snapshot's metrics into DIR.
    #[arg(long, value_name = "DIR", requires = "metrics")]
    pub grafana_out: Option<PathBuf>,
    /// JSON output (grade, score, findings, recommendations, measurements).
    #[arg(long)]
    pub json: bool,
    /// Write the findings table as CSV (`-` for stdout instead of the report).
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Write the findings table as Parquet (`-` for stdout instead of the report).
    #[arg(long, value_name = "FILE")]
    pub parquet: Option<PathBuf>,
    /// Write the report as an HTML page.
    #[arg(short, long, value_name = "FILE.html")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub gates: Gates,
    /// Previous form of `--fail-if 'score < N'`: fail when the grade is below GRADE.
    #[arg(long, value_name = "GRADE", value_parser = grade_gate, hide = true)]
    pub fail_under: Option<srtlog::stats::gate::Gate>,
    /// Extra header of a live --metrics scrape, `Name: value` (repeatable).
    #[arg(
        long = "header",
        short = 'H',
        value_name = "NAME: VALUE",
        requires = "metrics"
    )]
    pub headers: Vec<String>,
    /// Timeout of a live --metrics scrape.
    #[arg(long, default_value = "5s", value_parser = duration)]
    pub timeout: Duration,
}

const EXAMPLES: &str = "Examples:
  srtlog audit logs/                                        # logs only
  srtlog audit logs/ --metrics metrics.txt --dashboards grafana/ -o audit.html
  srtlog audit logs/ --metrics http://localhost:8000/metrics --grafana-out dashboards/
  srtlog audit logs/ --metrics https://host/metrics --header 'Authorization: Bearer TOKEN'
  srtlog audit logs/ --metrics m.txt --fail-if 'score < 83'  # CI gate: exit 3 below a B
  srtlog audit logs/ --csv findings.csv                     # one row per check (`-`: stdout)
  srtlog audit logs/ --json | jq '.findings[] | select(.status != \"good\")'

Areas and weights: structured logging 20, log levels 15, request tracing 20, error tracking 10,
metrics 25, dashboards 10. Areas without input are reported as not checked and left out of
the score. A metrics endpoint that does not answer does not stop the audit.
Grades by score: A 90 (A- 90, A 93, A+ 97), B 80, C 70, D 60, F below.";

fn duration(s: &str) -> Result<Duration, String> {
    flags::parse_span(s)
}

fn grade_gate(s: &str) -> Result<srtlog::stats::gate::Gate, String> {
    audit::gate::fail_under(s).ok_or_else(|| format!("not a grade: {s:?} (A+ … F)"))
}

/// Runs the command.
pub fn run(mut a: Args, quiet: bool) -> Result<ExitCode> {
    let opts = Options {
        paths: a.paths.clone(),
        metrics: a.metrics.as_deref().map(MetricsSource::parse),
        dashboards: a.dashboards.clone(),
        timeout: Some(a.timeout),
        headers: a.headers.clone(),
    };
    let report = audit::run(&opts)?;
    if report.logs.totals.lines == 0 {
        bail!("no log lines read from the paths given");
    }
    if let Some(dir) = &a.grafana_out {
        match &report.metrics {
            Some(m) => {
                let written = audit::grafana::write(m, dir)?;
                if !quiet {
                    for p in &written {
                        logging::info(format_args!("wrote {}", p.display()));
                    }
                }
            }
            None => logging::warning("no metrics were read: no Grafana dashboards written"),
        }
    }
    let on_stdout =
        flags::write_tables(&a.csv, &a.parquet, || audit::table::findings_batch(&report))?;
    let text = audit::render::text(&report);
    if a.json {
        print_json(&report)?;
    } else if !on_stdout {
        std::io::stdout().lock().write_all(text.as_bytes())?;
    }
    if let Some(p) = &a.output {
        let inputs: Vec<String> = a.paths.iter().map(|p| p.display().to_string()).collect();
        let html = srtlog_report::textpage::render(
            &format!("audit, grade {}", report.grade),
            &inputs.join(", "),
            &text,
        );
        flags::write_html(p, &html, quiet)?;
    }
    if let Some(g) = a.fail_under.take() {
        a.gates.fail_if.push(g);
    }
    let doc = serde_json::to_value(&report)?;
    Ok(a.gates
        .check(&doc, None, quiet)?
        .unwrap_or(ExitCode::SUCCESS))
}
