//! `srtlog simulate service DIR`: a gateway/scheduler/worker service (logs,
//! a metrics snapshot, Grafana dashboards) for `srtlog audit` and
//! `srtlog follow`.

use anyhow::Result;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `srtlog simulate service`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  srtlog simulate service /tmp/svc                   # JSON logs with request ids
  srtlog simulate service /tmp/svc --style print     # print()-style lines, raw tracebacks
  srtlog audit /tmp/svc/logs --metrics /tmp/svc/metrics.txt --dashboards /tmp/svc/dashboards")]
pub struct Args {
    /// Output folder (logs/, metrics.txt, dashboards/).
    pub out: PathBuf,
    /// How the service logs: JSON lines with request ids, or print() lines.
    #[arg(long, value_enum, default_value_t = StyleArg::Json)]
    pub style: StyleArg,
    /// Requests.
    #[arg(long = "count", alias = "requests", default_value_t = 40)]
    pub count: usize,
    /// Every N-th request fails (0: none).
    #[arg(long, default_value_t = 10)]
    pub fail_every: usize,
    /// State of the random number generator (the same number writes the same files).
    #[arg(long = "rng", alias = "seed", value_name = "N", default_value_t = 7)]
    pub rng: u64,
}

/// Log style of a simulated service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum StyleArg {
    /// JSON lines with request ids (the recommended practice).
    Json,
    /// print()-style emoji lines, raw tracebacks.
    Print,
}

/// Runs the command.
pub fn run(a: Args, quiet: bool) -> Result<ExitCode> {
    use srtlog_sim::service::{write_service, ServiceConfig, ServiceStyle};
    let cfg = ServiceConfig {
        style: match a.style {
            StyleArg::Json => ServiceStyle::Json,
            StyleArg::Print => ServiceStyle::Print,
        },
        requests: a.count,
        fail_every: a.fail_every,
        seed: a.rng,
        ..Default::default()
    };
    let t = write_service(&a.out, &cfg)?;
    if !quiet {
        let lines: usize = t.files.iter().map(|f| f.1).sum();
        crate::logging::info(format_args!(
            "wrote {} ({} log lines in {} files), {}, {}",
            t.logs.display(),
            lines,
            t.files.len(),
            t.metrics.display(),
            t.dashboards.display()
        ));
    }
    Ok(ExitCode::SUCCESS)
}
