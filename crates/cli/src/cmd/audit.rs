//! `srtlog audit PATH... [--metrics FILE|URL] [--dashboards DIR]`: the
//! seed's logging and metrics audit with a grade ([`srtlog::audit`]), as the
//! seed's text report or `--json` for CI gates (`--fail-under B`), and
//! `--grafana-out DIR` for dashboards built from the metrics present.
//!
//! Exit codes: 0; 1 when the grade is below `--fail-under` or no log line
//! was read; 2 for usage errors and missing paths.

use anyhow::{bail, Result};
use clap::Args;
use srtlog::audit::{self, grade, MetricsSource, Options};
use srtlog::scrape::parse_duration;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Arguments of `srtlog audit`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct AuditArgs {
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
    /// Exit 1 when the grade is below this one (`B`, `B+`, `A-`).
    #[arg(long, value_name = "GRADE", value_parser = grade_arg)]
    pub fail_under: Option<String>,
    /// Timeout of a live --metrics scrape.
    #[arg(long, default_value = "5s", value_parser = duration)]
    pub timeout: Duration,
}

const EXAMPLES: &str = "Examples:
  srtlog audit logs/                                        # logs only
  srtlog audit logs/ --metrics metrics.txt --dashboards grafana/
  srtlog audit logs/ --metrics http://localhost:8000/metrics --grafana-out dashboards/
  srtlog audit logs/ --metrics m.txt --json --fail-under B  # CI gate
  srtlog audit logs/ --json | jq '.findings[] | select(.status != \"good\")'

Areas and weights: structured logging 20, log levels 15, request tracing 20, error tracking 10,
metrics 25, dashboards 10. Areas without input are reported as not checked and left out of
the score. A metrics endpoint that does not answer does not stop the audit.";

fn duration(s: &str) -> Result<Duration, String> {
    parse_duration(s).ok_or_else(|| format!("not a duration: {s:?} (examples: 500ms, 5s)"))
}

fn grade_arg(s: &str) -> Result<String, String> {
    grade::rank(s)
        .map(|_| s.trim().to_ascii_uppercase())
        .ok_or_else(|| format!("not a grade: {s:?} (A+ … F)"))
}

/// Runs the command.
pub fn run(a: AuditArgs, quiet: bool) -> Result<ExitCode> {
    let opts = Options {
        paths: a.paths.clone(),
        metrics: a.metrics.as_deref().map(MetricsSource::parse),
        dashboards: a.dashboards.clone(),
        timeout: Some(a.timeout),
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
                        let _ = writeln!(std::io::stderr(), "wrote {}", p.display());
                    }
                }
            }
            None => {
                let _ = writeln!(
                    std::io::stderr(),
                    "warning: no metrics were read: no Grafana dashboards written"
                );
            }
        }
    }
    let mut out = std::io::stdout().lock();
    if a.json {
        // Serialised first: a closed pipe then surfaces as an io::Error.
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
    } else {
        write!(out, "{}", audit::render::text(&report))?;
    }
    if let Some(min) = &a.fail_under {
        if grade::rank(&report.grade) < grade::rank(min) {
            let _ = writeln!(
                std::io::stderr(),
                "grade {} is below --fail-under {min}",
                report.grade
            );
            return Ok(ExitCode::from(1));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Arguments of `srtlog simulate-service`.
#[derive(Debug, Args)]
pub struct SimulateServiceArgs {
    /// Output folder (logs/, metrics.txt, dashboards/).
    pub out: PathBuf,
    /// How the service logs: the seed's JSON format, or print() lines.
    #[arg(long, value_enum, default_value_t = StyleArg::Json)]
    pub style: StyleArg,
    /// Requests.
    #[arg(long, default_value_t = 40)]
    pub requests: usize,
    /// Every N-th request fails (0: none).
    #[arg(long, default_value_t = 10)]
    pub fail_every: usize,
    /// Random seed.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
}

/// Log style of a simulated service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum StyleArg {
    /// JSON lines with request ids (the seed's recommendation).
    Json,
    /// print()-style emoji lines, raw tracebacks.
    Print,
}

/// Writes a simulated gateway/scheduler/worker service run.
pub fn simulate(a: SimulateServiceArgs, quiet: bool) -> Result<ExitCode> {
    use srtlog_sim::service::{write_service, ServiceConfig, ServiceStyle};
    let cfg = ServiceConfig {
        style: match a.style {
            StyleArg::Json => ServiceStyle::Json,
            StyleArg::Print => ServiceStyle::Print,
        },
        requests: a.requests,
        fail_every: a.fail_every,
        seed: a.seed,
        ..Default::default()
    };
    let t = write_service(&a.out, &cfg)?;
    if !quiet {
        let lines: usize = t.files.iter().map(|f| f.1).sum();
        let _ = writeln!(
            std::io::stderr(),
            "wrote {} ({} log lines in {} files), {}, {}",
            t.logs.display(),
            lines,
            t.files.len(),
            t.metrics.display(),
            t.dashboards.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
