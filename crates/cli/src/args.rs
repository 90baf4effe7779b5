//! The top-level command line (clap derive): global flags and the list of
//! commands. Each command's own arguments live in its module under `cmd/`
//! (xsv style); no command module imports this one.

use crate::cmd;
use crate::logging::LogFormat;
use clap::{Parser, Subcommand};

/// Turn LLM-serving logs (SGLang, vLLM) into tables, statistics and Parquet.
#[derive(Debug, Parser)]
#[command(name = "srtlog", version, about, long_about = None, after_help = AFTER_HELP)]
pub struct Cli {
    /// Format of srtlog's own diagnostics on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// No progress bars and no informational messages.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

const AFTER_HELP: &str = "Every command: -o FILE.html writes its HTML report; --json prints its result;
--csv FILE and --parquet FILE write its table (`-`: stdout); --fail-if 'METRIC OP VALUE' is a CI gate.

Exit codes: 0 success, 1 nothing to analyse or another failure, 2 usage error or missing path,
3 a --fail-if gate failed.
Set RUST_LOG=debug for details of what srtlog does.";

/// Commands. The hidden ones are the names of the previous release; they
/// print the new name on stderr and go away in the next one.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse worker logs: summary table, per-file counts, Parquet cache.
    Parse(cmd::parse::Args),
    /// Write an interactive HTML report: metrics over time per worker, statistics.
    Viz(cmd::viz::Args),
    /// Statistics per worker type and metric (count, mean, median, std, min, max, percentiles).
    Stats(cmd::stats::Args),
    /// Per-request JSON-lines logs: summary, anomalies, trends, correlations, report, export.
    Requests(cmd::requests::Args),
    /// Per-request timings from Prometheus snapshots taken before/after each request.
    Snapshots(cmd::snapshots::Args),
    /// Take Prometheus snapshots of a vLLM/SGLang metrics endpoint (one, or periodic).
    Scrape(cmd::scrape::Args),
    /// AIPerf HTTP trace and token analysis of profile_export.jsonl files, artifact folders and sweeps.
    Aiperf(cmd::aiperf::Args),
    /// Audit a service's logging and metrics: grade, findings, gap table, prioritised plan.
    Audit(cmd::audit::Args),
    /// Follow one request id through every log given, in time order (or --list the ids).
    Follow(cmd::follow::Args),
    /// Why did this run fail, and can its numbers be trusted? Findings, most severe first.
    Check(cmd::check::Args),
    /// Compare runs (worker logs over their steady state, client latencies): deltas, intervals,
    /// tests, verdicts, configuration diff. (`requests compare` compares groups inside one log.)
    Compare(cmd::compare::Args),
    /// Write simulated inputs for demos, tests and benchmarks: worker logs (the default), request
    /// logs, snapshots, a service, an AIPerf export.
    Simulate(cmd::simulate::Args),
    /// Write every job's tables of every run into one Hive-partitioned Parquet dataset (for
    /// DuckDB, Spark, Trino, pandas, polars); again, only new or changed files are read.
    Ingest(cmd::ingest::Args),
    /// Old name of `follow`.
    #[command(hide = true)]
    Request(cmd::follow::Args),
    /// Old name of `simulate requests`.
    #[command(hide = true)]
    SimulateRequests(cmd::simulate::requests::Args),
    /// Old name of `simulate service`.
    #[command(hide = true)]
    SimulateService(cmd::simulate::service::Args),
    /// Old name of `simulate snapshots`.
    #[command(hide = true)]
    SimulateSnapshots(cmd::simulate::snapshots::Args),
    /// Old name of `simulate aiperf`.
    #[command(hide = true)]
    SimulateAiperf(cmd::simulate::aiperf::Args),
}

impl Command {
    /// For an old name: the old and the new command.
    pub fn renamed(&self) -> Option<(&'static str, &'static str)> {
        Some(match self {
            Command::Request(_) => ("request", "follow"),
            Command::SimulateRequests(_) => ("simulate-requests", "simulate requests"),
            Command::SimulateService(_) => ("simulate-service", "simulate service"),
            Command::SimulateSnapshots(_) => ("simulate-snapshots", "simulate snapshots"),
            Command::SimulateAiperf(_) => ("simulate-aiperf", "simulate aiperf"),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
