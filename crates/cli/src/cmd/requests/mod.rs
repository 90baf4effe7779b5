//! `srtlog requests …`: per-request JSON-lines analytics. Every analysis is
//! a call into [`srtlog::requests`] (its defaults and preconditions in
//! [`srtlog::requests::analysis`]); this module parses arguments, reports
//! unreadable lines on stderr, renders tables ([`text`]) or JSON, writes
//! the outputs and checks the gates.
//!
//! JSON wire formats (stable; keys may be added): `summary` keeps the
//! request-log workflow's names at the top level (`total_requests`,
//! `avg_latency_ms`, `p50_latency_ms`, `p95_latency_ms`, `p99_latency_ms`,
//! `error_rate` as a fraction) plus `per_model`, `fields` and `files`;
//! `anomalies` is `{ "count": N, "anomalies": [ {request_id, timestamp,
//! value, score…} ] }`; the others serialise the library's report types.
//! NaN is `null`.

mod client;
mod text;

use crate::flags::{self, print, print_json, Gates};
use crate::logging;
use anyhow::{bail, Result};
use clap::{Subcommand, ValueEnum};
use serde::Serialize;
use srtlog::formats::requests::time::parse_iso_ns;
use srtlog::formats::requests::FieldMap;
use srtlog::formats::sniff::InputKind;
use srtlog::requests::analysis as an;
use srtlog::requests::anomalies::Method;
use srtlog::requests::columns::{Columns, Keep};
use srtlog::requests::export::{self, Format};
use srtlog::requests::load::Scanned;
use srtlog::requests::summary::SummaryReport;
use srtlog::requests::trends::Agg;
use srtlog::requests::{self as rq, Filter, LoadOptions, RequestLog, RequestTable};
use std::path::PathBuf;
use std::process::ExitCode;

const HELP: &str =
    "Inputs: JSON lines, one object per request: the request-log format (timestamp, request_id,
model, latency_ms, batch_size, status, gpu_util, memory_used_gb), AIPerf profile_export.jsonl,
SGLang request-metrics exports (sglang-request-metrics-*.log). Files or folders (recursive:
.jsonl .json .log .txt, also .gz/.zst). Other numeric fields become columns of their own.

Memory: `summary` and `anomalies` without a filter keep only the columns they read (about 45
bytes per request for the workflow's schema); the other analyses, and any filter, hold the whole
request table (about 160 bytes per request, loading peaks at about 350). Percentiles are exact
(numpy's linear interpolation), no sketch is used.

Examples:
  srtlog requests summary logs/                              # table; --json for the keys below
  srtlog requests summary logs/ --fail-if 'p99_latency_ms > 2000' --fail-if 'error_rate > 0.01'
  srtlog requests summary logs/ --json > base.json; srtlog requests summary new/ --baseline base.json --fail-if 'p99_latency_ms > +10%'
  srtlog requests anomalies logs/ --metric latency_ms --method zscore --threshold 3
  srtlog requests trends logs/ --metric latency_ms --window 1h --agg mean --csv trend.csv
  srtlog requests correlate logs/ --metrics latency_ms,batch_size,gpu_util,memory_used_gb
  srtlog requests compare logs/ --by model
  srtlog requests window logs/ --from 2026-01-01T10:00:00 --to 2026-01-01T10:15:00
  srtlog requests breakdown sglang-request-metrics-20260101_10.log
  srtlog requests report logs/ -o report.html
  srtlog requests export logs/ --parquet data.parquet --model llama --status error
  srtlog requests summary app.log --field latency_ms=duration_s*1000 --field model=engine";

const MEMORY_NOTE: &str =
    "Memory: without a filter, only the columns the summary reads (time, model, success and the \
numeric fields: about 45 bytes per request for the workflow's schema); with --model/--status/--where/\
--from/--to the whole request table (about 160 bytes per request, the load peaks at about 350). \
Percentiles are exact (sorted values, numpy's linear interpolation), no sketch.

Gates (--fail-if) read the --json keys: total_requests, errors, error_rate, avg_latency_ms,
p50_latency_ms, p90_latency_ms, p95_latency_ms, p99_latency_ms, max_latency_ms, throughput_rps.

Examples:
  srtlog requests summary logs/ --json | jq '{total_requests, p99_latency_ms, error_rate}'
  srtlog requests summary logs/ --model llama --status error       # model: a substring, any case
  srtlog requests summary logs/ --fail-if 'p99_latency_ms > 2000' --fail-if 'error_rate > 0.01'
  srtlog requests summary logs/ --baseline base.json --fail-if 'p99_latency_ms > +10%'";

/// Arguments of `srtlog requests`.
#[derive(Debug, clap::Args)]
#[command(after_help = HELP)]
pub struct Args {
    /// The analysis.
    #[command(subcommand)]
    pub command: Analysis,
}

/// Analyses of `srtlog requests`.
#[derive(Debug, Subcommand)]
pub enum Analysis {
    /// Requests, errors, error rate, latency percentiles, throughput, per model; other fields' statistics.
    #[command(after_help = MEMORY_NOTE)]
    Summary(Common),
    /// Outlying requests of one metric (z-score, IQR or MAD).
    #[command(after_help = "Examples:
  srtlog requests anomalies logs/ --metric latency_ms --method zscore --threshold 3
  srtlog requests anomalies logs/ --method iqr --csv outliers.csv
  srtlog requests anomalies logs/ --fail-if 'count > 0'          # CI gate: no outlier")]
    Anomalies(AnomalyArgs),
    /// One metric aggregated over time windows (also as CSV).
    #[command(after_help = "Examples:
  srtlog requests trends logs/ --metric latency_ms --window 1h --agg mean --csv trend.csv
  srtlog requests trends logs/ --agg error_rate --window 5m
  srtlog requests trends logs/ --agg p99 --csv - | head")]
    Trends(TrendArgs),
    /// Pearson and Spearman correlation matrices, with pair counts.
    #[command(after_help = "Examples:
  srtlog requests correlate logs/                     # every numeric field
  srtlog requests correlate logs/ --metrics latency_ms,batch_size,gpu_util --json")]
    Correlate(CorrelateArgs),
    /// Average and p99 latency, throughput and error rate per group inside the requests given
    /// (by model, status, file, ...). To compare RUNS with intervals and verdicts: `srtlog compare`.
    #[command(
        after_help = "`srtlog requests compare` compares GROUPS inside the requests given (one log, or the files
of a folder: --by file); `srtlog compare A B` compares RUNS (worker logs and client results,
with confidence intervals, tests and verdicts).

Examples:
  srtlog requests compare logs/ --by model
  srtlog requests compare logs/ --by file                          # one group per input file
  srtlog requests compare logs/ --by batch_size --csv groups.csv   # numeric groups in numeric order"
    )]
    Compare(CompareArgs),
    /// A time window (a latency spike) against the rest of the run (the baseline of relative gates).
    #[command(after_help = "Examples:
  srtlog requests window logs/ --from 2026-01-01T10:00:00Z --to 2026-01-01T10:15:00Z
  srtlog requests window logs/ --from 2026-01-01T10:00:00Z --to 2026-01-01T10:15:00Z \\
      --fail-if 'p99_latency_ms > +50%'          # exit 3: the window's p99 is 1.5x the rest's")]
    Window(WindowArgs),
    /// Queue / prefill / decode / other time per request (SGLang request metrics).
    #[command(after_help = "Examples:
  srtlog requests breakdown sglang-request-metrics-20260101_10.log
  srtlog requests breakdown logs/ --json | jq '.components'")]
    Breakdown(Common),
    /// Self-contained HTML report (trends, histogram, errors, correlations, anomalies, models).
    #[command(after_help = "Examples:
  srtlog requests report logs/ -o report.html
  srtlog requests report logs/ -o r.html --metric ttft_ms --window 10m")]
    Report(ReportArgs),
    /// The canonical request table as CSV, Parquet or JSON lines.
    #[command(after_help = "Examples:
  srtlog requests export logs/ -o data.parquet            # format by extension: .csv .parquet .jsonl
  srtlog requests export logs/ --csv data.csv --parquet data.parquet --model llama
  srtlog requests export logs/ --csv - --status error | head")]
    Export(ExportArgs),
}

/// Inputs, field mapping and filters shared by every analysis.
#[derive(Debug, clap::Args)]
pub struct Inputs {
    /// Request logs: files or folders.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Map a canonical field to a source key: `latency_ms=duration`, with an
    /// optional scale `latency_ms=duration_s*1000` (repeatable).
    #[arg(long = "field", value_name = "CANONICAL=SOURCE")]
    pub fields: Vec<String>,
    /// Keep requests of a model whose name contains this text, ignoring case
    /// (`llama` keeps `meta-llama/Llama-3.3-70B-Instruct`; repeatable: any of them).
    #[arg(long)]
    pub model: Vec<String>,
    /// Keep `ok`, `error`, or a status as written.
    #[arg(long)]
    pub status: Option<String>,
    /// Keep requests where FIELD equals VALUE exactly (repeatable).
    #[arg(long = "where", value_name = "FIELD=VALUE")]
    pub wheres: Vec<String>,
}

/// Inputs, time range, JSON output and gates of most analyses.
#[derive(Debug, clap::Args)]
pub struct Common {
    #[command(flatten)]
    inputs: Inputs,
    /// Keep requests at or after this time (ISO-8601, or epoch s/ms/ns).
    #[arg(long, value_parser = parse_time)]
    from: Option<i64>,
    /// Keep requests before this time.
    #[arg(long, value_parser = parse_time)]
    to: Option<i64>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    gates: Gates,
}

/// `anomalies` arguments.
#[derive(Debug, clap::Args)]
pub struct AnomalyArgs {
    #[command(flatten)]
    common: Common,
    /// Numeric field to test.
    #[arg(long, default_value = "latency_ms")]
    metric: String,
    /// Outlier test.
    #[arg(long, value_enum, default_value_t = MethodArg::Zscore)]
    method: MethodArg,
    /// Score above which a request is an outlier (default 3 for zscore, 1.5 for iqr, 3.5 for mad).
    #[arg(long)]
    threshold: Option<f64>,
    /// Rows listed in the table (all are in --json and --csv).
    #[arg(long, default_value_t = 20)]
    limit: usize,
    /// Write the anomalies as CSV (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
    /// Write the same table as Parquet (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    parquet: Option<PathBuf>,
}

/// Outlier tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MethodArg {
    /// |x − mean| / std.
    Zscore,
    /// Tukey's fences: beyond Q1 − T·IQR or Q3 + T·IQR.
    Iqr,
    /// |x − median| / (1.4826·MAD).
    Mad,
}

/// `trends` arguments.
#[derive(Debug, clap::Args)]
pub struct TrendArgs {
    #[command(flatten)]
    common: Common,
    /// Numeric field.
    #[arg(long, default_value = "latency_ms")]
    metric: String,
    /// Window length (`30s`, `1m`, `1h`, `1d`).
    #[arg(long, default_value = "1m", value_parser = flags::parse_window)]
    window: u64,
    /// Aggregation.
    #[arg(long, value_enum, default_value_t = AggArg::Mean)]
    agg: AggArg,
    /// Also write the rows as CSV (`-` for stdout instead of the table).
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
    /// Write the same table as Parquet (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    parquet: Option<PathBuf>,
}

/// Aggregations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum AggArg {
    /// Mean.
    Mean,
    /// Median.
    Median,
    /// 95th percentile.
    P95,
    /// 99th percentile.
    P99,
    /// Maximum.
    Max,
    /// Minimum.
    Min,
    /// Requests.
    Count,
    /// Sum.
    Sum,
    /// Fraction of failed requests.
    ErrorRate,
}

/// `correlate` arguments.
#[derive(Debug, clap::Args)]
pub struct CorrelateArgs {
    #[command(flatten)]
    common: Common,
    /// Comma-separated numeric fields (default: every numeric field with values).
    #[arg(long, value_delimiter = ',')]
    metrics: Vec<String>,
}

/// `compare` arguments.
#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    #[command(flatten)]
    common: Common,
    /// Field to group by (`model`, `status`, `error_type`, `file`: the input files, or a numeric field, in numeric order).
    #[arg(long, default_value = "model")]
    by: String,
    /// Write the groups as CSV (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
    /// Write the same table as Parquet (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    parquet: Option<PathBuf>,
}

/// `window` arguments.
#[derive(Debug, clap::Args)]
pub struct WindowArgs {
    #[command(flatten)]
    inputs: Inputs,
    /// Window start (ISO-8601, or epoch s/ms/ns).
    #[arg(long, value_parser = parse_time)]
    from: i64,
    /// Window end (exclusive).
    #[arg(long, value_parser = parse_time)]
    to: i64,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    /// Gates read the window's keys (`p99_latency_ms`, `error_rate`, `avg_batch_size`…);
    /// a relative value (`+50%`) is relative to the rest of the run.
    #[command(flatten)]
    gates: Gates,
}

/// `report` arguments.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    #[command(flatten)]
    common: Common,
    /// Output HTML file.
    #[arg(short, long, value_name = "FILE.html")]
    output: PathBuf,
    /// Metric of the trend, histogram and anomalies.
    #[arg(long, default_value = "latency_ms")]
    metric: String,
    /// Trend window (default: about 100 windows over the run).
    #[arg(long, value_parser = flags::parse_window)]
    window: Option<u64>,
}

/// `export` arguments.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    #[command(flatten)]
    common: Common,
    /// Output file, format by extension: `.csv`, `.parquet` or `.jsonl`.
    #[arg(short, long, required_unless_present_any = ["csv", "parquet"])]
    output: Option<PathBuf>,
    /// Write the table as CSV.
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
    /// Write the table as Parquet.
    #[arg(long, value_name = "FILE")]
    parquet: Option<PathBuf>,
}

fn parse_time(s: &str) -> Result<i64, String> {
    parse_iso_ns(s).ok_or_else(|| {
        format!("not a time: {s:?} (ISO-8601 like 2026-01-01T10:00:00Z, or epoch seconds/ms/ns)")
    })
}

fn filter_of(i: &Inputs, from: Option<i64>, to: Option<i64>) -> Result<Filter> {
    let mut f = Filter {
        from_ns: from,
        to_ns: to,
        models: i.model.clone(),
        status: i.status.clone(),
        wheres: Vec::new(),
    };
    for w in &i.wheres {
        f.add_where(w).map_err(anyhow::Error::msg)?;
    }
    Ok(f)
}

fn load_options(i: &Inputs) -> Result<LoadOptions> {
    let mut fields = FieldMap::default();
    for f in &i.fields {
        fields.add(f).map_err(anyhow::Error::msg)?;
    }
    Ok(LoadOptions { fields })
}

/// Loads, reports bad lines on stderr, filters; fails when nothing is left.
fn load(i: &Inputs, filter: &Filter, quiet: bool) -> Result<(RequestLog, RequestTable)> {
    let log = load_log(i, quiet)?;
    select(i, log, filter)
}

/// Loads and reports bad lines (and client runs) on stderr.
fn load_log(i: &Inputs, quiet: bool) -> Result<RequestLog> {
    let log = rq::load(&i.paths, &load_options(i)?)?;
    if !quiet {
        warn_files(&log.files);
    }
    Ok(log)
}

/// Filters; fails when nothing is left.
fn select(i: &Inputs, log: RequestLog, filter: &Filter) -> Result<(RequestLog, RequestTable)> {
    let names: Vec<String> = i.paths.iter().map(|p| p.display().to_string()).collect();
    let t = match an::select(&log, filter, &names.join(", ")) {
        Ok(t) => t,
        // No request at all: a worker log or a snapshot given by mistake is
        // named, with the command that reads it (issue 17 item 23).
        Err(e @ an::AnalysisError::NoRequests(_)) => {
            return Err(
                match super::hint::wrong_tool(&i.paths, InputKind::RequestLog) {
                    Some(h) => anyhow::anyhow!("{e}: {h}"),
                    None => e.into(),
                },
            )
        }
        Err(e) => return Err(e.into()),
    };
    Ok((log, t))
}

/// The column scan of `summary` and `anomalies` (no filter): only the
/// columns `keep` names, no request table; fails when nothing was read.
/// Inputs with a benchmark-client result file give the full log instead
/// (`Err`), to go the table's way.
fn load_columns(
    i: &Inputs,
    keep: &Keep,
    quiet: bool,
) -> Result<std::result::Result<(Columns, Vec<rq::FileReport>), RequestLog>> {
    let (cols, files) = match rq::load::load_columns(&i.paths, &load_options(i)?, keep)? {
        Scanned::Columns(c, f) => (c, f),
        Scanned::Table(log) => {
            if !quiet {
                warn_files(&log.files);
            }
            return Ok(Err(log));
        }
    };
    if !quiet {
        warn_files(&files);
    }
    if cols.is_empty() {
        let names: Vec<String> = i.paths.iter().map(|p| p.display().to_string()).collect();
        let e = an::AnalysisError::NoRequests(names.join(", "));
        // A worker log or a snapshot given by mistake is named, with the
        // command that reads it (issue 17 item 23), as on the table's way.
        return Err(
            match super::hint::wrong_tool(&i.paths, InputKind::RequestLog) {
                Some(h) => anyhow::anyhow!("{e}: {h}"),
                None => e.into(),
            },
        );
    }
    Ok(Ok((cols, files)))
}

fn warn_files(files: &[rq::FileReport]) {
    for f in files {
        if f.bad_lines > 0 {
            let first: Vec<String> = f
                .first_bad
                .iter()
                .map(|(l, m)| format!("line {l}: {m}"))
                .collect();
            logging::warning(format_args!(
                "{}: {} of {} lines skipped ({})",
                f.path.display(),
                f.bad_lines,
                f.lines,
                first.join("; ")
            ));
        }
        if f.json_document {
            logging::note(format_args!(
                "{}: one JSON document, not JSON lines; skipped",
                f.path.display()
            ));
        }
        if let Some(c) = &f.client {
            for r in &c.runs {
                logging::note(format_args!(
                    "{}: {}",
                    f.path.display(),
                    client::run_note(c.tool.name(), r)
                ));
            }
        } else if f.not_per_request > 0 {
            logging::note(format_args!(
                "{}: {} line(s) are not per-request records (benchmark summaries or telemetry), skipped",
                f.path.display(),
                f.not_per_request
            ));
        }
    }
}

fn common_load(c: &Common, quiet: bool) -> Result<(RequestLog, RequestTable)> {
    load(&c.inputs, &filter_of(&c.inputs, c.from, c.to)?, quiet)
}

#[derive(Serialize)]
struct SummaryJson<'a> {
    #[serde(flatten)]
    summary: &'a SummaryReport,
    files: &'a [rq::FileReport],
}

/// Prints `v` as JSON or `table` as text, then checks the gates on `v`.
fn finish<T: Serialize>(
    c: &Common,
    v: &T,
    table: impl FnOnce() -> String,
    quiet: bool,
) -> Result<ExitCode> {
    if c.json {
        print_json(v)?;
    } else {
        print(&table())?;
    }
    gate(&c.gates, v, None, quiet)
}

fn gate<T: Serialize>(
    g: &Gates,
    v: &T,
    base: Option<&serde_json::Value>,
    quiet: bool,
) -> Result<ExitCode> {
    if !g.any() {
        return Ok(ExitCode::SUCCESS);
    }
    let doc = serde_json::to_value(v)?;
    Ok(g.check(&doc, base, quiet)?.unwrap_or(ExitCode::SUCCESS))
}

/// `summary` of inputs that hold benchmark-client runs with run-level
/// figures only and no request at all: the runs' figures (text or JSON)
/// instead of a "no requests" failure. `None` when there are requests.
fn run_level_summary(c: &Common, log: &RequestLog, quiet: bool) -> Result<Option<ExitCode>> {
    if !log.table.is_empty() || !client::has_run_level_only(log) {
        return Ok(None);
    }
    #[derive(Serialize)]
    struct RunLevel<'a> {
        per_request: bool,
        files: &'a [rq::FileReport],
    }
    let doc = RunLevel {
        per_request: false,
        files: &log.files,
    };
    finish(c, &doc, || client::run_level_table(log), quiet).map(Some)
}

/// Prints a summary (and warns of the values it left out).
fn summary_out(
    c: &Common,
    s: &SummaryReport,
    files: &[rq::FileReport],
    quiet: bool,
) -> Result<ExitCode> {
    for (field, n) in &s.excluded_values {
        logging::warning(format_args!(
            "{field}: {n} infinite or impossible value(s) left out of the statistics"
        ));
    }
    let doc = SummaryJson { summary: s, files };
    finish(c, &doc, || text::summary_table(s), quiet)
}

/// Runs `srtlog requests …`.
pub fn run(a: Args, quiet: bool) -> Result<ExitCode> {
    match a.command {
        Analysis::Summary(c) => {
            let filter = filter_of(&c.inputs, c.from, c.to)?;
            let log = if filter.is_empty() {
                // No filter: the column scan, without the request table.
                match load_columns(&c.inputs, &Keep::default(), quiet)? {
                    Ok((cols, files)) => {
                        let s = rq::columns::summary(&cols);
                        drop(cols);
                        return summary_out(&c, &s, &files, quiet);
                    }
                    Err(log) => log,
                }
            } else {
                load_log(&c.inputs, quiet)?
            };
            if let Some(code) = run_level_summary(&c, &log, quiet)? {
                return Ok(code);
            }
            let (log, t) = select(&c.inputs, log, &filter)?;
            let s = rq::summary::summary(&t);
            summary_out(&c, &s, &log.files, quiet)
        }
        Analysis::Anomalies(a) => {
            let method = match a.method {
                MethodArg::Zscore => Method::Zscore,
                MethodArg::Iqr => Method::Iqr,
                MethodArg::Mad => Method::Mad,
            };
            let c = &a.common;
            let filter = filter_of(&c.inputs, c.from, c.to)?;
            // No filter: the column scan keeps the metric and the ids.
            let keep = Keep {
                metrics: Some(vec![a.metric.clone()]),
                ids: true,
            };
            let scanned = if filter.is_empty() {
                load_columns(&c.inputs, &keep, quiet)?
            } else {
                Err(load_log(&c.inputs, quiet)?)
            };
            let r = match scanned {
                Ok((cols, _)) => rq::columns::anomalies(&cols, &a.metric, method, a.threshold)?,
                Err(log) => {
                    let (_, t) = select(&c.inputs, log, &filter)?;
                    an::anomalies_of(&t, &a.metric, method, a.threshold)?
                }
            };
            if flags::write_tables(&a.csv, &a.parquet, || an::anomalies_batch(&r))? {
                return gate(&a.common.gates, &r, None, quiet);
            }
            finish(&a.common, &r, || text::anomalies(&r, a.limit), quiet)
        }
        Analysis::Trends(a) => {
            let (_, t) = common_load(&a.common, quiet)?;
            let r = an::trends_of(&t, &a.metric, a.window, agg_of(a.agg))?;
            if flags::write_tables(&a.csv, &a.parquet, || an::trends_batch(&r))? {
                return gate(&a.common.gates, &r, None, quiet);
            }
            finish(&a.common, &r, || text::trends(&r), quiet)
        }
        Analysis::Correlate(a) => {
            let (_, t) = common_load(&a.common, quiet)?;
            let r = an::correlate_of(&t, &a.metrics)?;
            finish(
                &a.common,
                &r,
                || text::correlations(&r, an::min_pairs(&r)),
                quiet,
            )
        }
        Analysis::Compare(a) => {
            let (log, t) = common_load(&a.common, quiet)?;
            let groups = if a.by == "file" {
                // Rows carry no file column: groups come from the per-file counts.
                let f = filter_of(&a.common.inputs, a.common.from, a.common.to)?;
                rq::compare::compare_files(&log, &f).ok_or_else(|| {
                    anyhow::anyhow!("per-file request counts do not match the table")
                })?
            } else {
                an::compare_of(&t, &a.by)?
            };
            if flags::write_tables(&a.csv, &a.parquet, || an::groups_batch(&a.by, &groups))? {
                return gate(&a.common.gates, &groups, None, quiet);
            }
            let table = || {
                text::group_table(
                    &format!("By {}", a.by),
                    &a.by,
                    groups.iter().map(|g| (g.key.as_str(), &g.summary)),
                )
            };
            finish(&a.common, &groups, table, quiet)
        }
        Analysis::Window(a) => window(a, quiet),
        Analysis::Breakdown(c) => {
            let (_, t) = common_load(&c, quiet)?;
            let r = an::breakdown_of(&t)?;
            finish(&c, &r, || text::breakdown(&r), quiet)
        }
        Analysis::Report(a) => report(a, quiet),
        Analysis::Export(a) => export(a, quiet),
    }
}

fn window(a: WindowArgs, quiet: bool) -> Result<ExitCode> {
    if a.to <= a.from {
        // Before reading anything.
        return Err(an::AnalysisError::EmptyWindow.into());
    }
    let (_, t) = load(&a.inputs, &filter_of(&a.inputs, None, None)?, quiet)?;
    let r = an::window_of(&t, a.from, a.to)?;
    if a.json {
        print_json(&r)?;
    } else {
        print(&text::window(&r))?;
    }
    // The rest of the run is the baseline of relative values.
    let rest = serde_json::to_value(&r.rest)?;
    gate(&a.gates, &r.window, Some(&rest), quiet)
}

fn report(a: ReportArgs, quiet: bool) -> Result<ExitCode> {
    let (log, t) = common_load(&a.common, quiet)?;
    let inputs: Vec<String> = a
        .common
        .inputs
        .paths
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let data = srtlog::requests::report_data::report_data(&t, &a.metric, a.window);
    let html = srtlog_report::requests::render(&data, &log.files, &inputs)?;
    srtlog_report::output::write_atomic(&a.output, html.as_bytes())?;
    if !quiet {
        logging::info(format_args!(
            "wrote {} ({} requests)",
            a.output.display(),
            t.len()
        ));
    }
    gate_summary(&a.common, &log, &t, quiet)
}

/// Gates of `report` and `export` read the summary's keys.
fn gate_summary(c: &Common, log: &RequestLog, t: &RequestTable, quiet: bool) -> Result<ExitCode> {
    if !c.gates.any() {
        return Ok(ExitCode::SUCCESS);
    }
    let s = rq::summary::summary(t);
    gate(
        &c.gates,
        &SummaryJson {
            summary: &s,
            files: &log.files,
        },
        None,
        quiet,
    )
}

fn export(a: ExportArgs, quiet: bool) -> Result<ExitCode> {
    let mut outs: Vec<(PathBuf, Format)> = Vec::new();
    if let Some(o) = &a.output {
        let Some(fmt) = Format::from_path(o) else {
            bail!(
                "{}: unknown output format (use .csv, .parquet or .jsonl)",
                o.display()
            );
        };
        outs.push((o.clone(), fmt));
    }
    outs.extend(a.csv.iter().map(|p| (p.clone(), Format::Csv)));
    outs.extend(a.parquet.iter().map(|p| (p.clone(), Format::Parquet)));
    let (log, t) = common_load(&a.common, quiet)?;
    for (p, fmt) in &outs {
        // `-` is stdout; the library's one export path handles both.
        export::export(&t, p, *fmt)?;
        if !quiet && !flags::is_stdout(p) {
            logging::info(format_args!("wrote {} rows to {}", t.len(), p.display()));
        }
    }
    gate_summary(&a.common, &log, &t, quiet)
}

fn agg_of(a: AggArg) -> Agg {
    match a {
        AggArg::Mean => Agg::Mean,
        AggArg::Median => Agg::Median,
        AggArg::P95 => Agg::P95,
        AggArg::P99 => Agg::P99,
        AggArg::Max => Agg::Max,
        AggArg::Min => Agg::Min,
        AggArg::Count => Agg::Count,
        AggArg::Sum => Agg::Sum,
        AggArg::ErrorRate => Agg::ErrorRate,
    }
}
