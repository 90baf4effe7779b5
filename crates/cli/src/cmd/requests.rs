//! `srtlog requests …`: per-request JSON-lines analytics, and
//! `srtlog simulate-requests`. Every analysis is a call into
//! [`srtlog::requests`]; this module parses arguments, reports unreadable
//! lines on stderr, and renders tables or JSON.
//!
//! JSON wire formats (stable; keys may be added): `summary` keeps the seed's
//! names at the top level (`total_requests`, `avg_latency_ms`,
//! `p50_latency_ms`, `p95_latency_ms`, `p99_latency_ms`, `error_rate` as a
//! fraction) plus `per_model`, `fields` and `files`; `anomalies` is
//! `{ "count": N, "anomalies": [ {request_id, timestamp, value, score…} ] }`;
//! the others serialise the library's report types. NaN is `null`.

use crate::render::{Align, BoxTable};
use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;
use srtlog::formats::requests::time::parse_iso_ns;
use srtlog::formats::requests::FieldMap;
use srtlog::requests::anomalies::{self, Method};
use srtlog::requests::export::{self, Format};
use srtlog::requests::summary::{RequestSummary, SummaryReport};
use srtlog::requests::trends::{self, Agg};
use srtlog::requests::{self as rq, Filter, LoadOptions, RequestLog, RequestTable};
use srtlog_report::text::format_value;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

const REQUESTS_HELP: &str =
    "Inputs: JSON lines, one object per request: the seed's format (timestamp, request_id,
model, latency_ms, batch_size, status, gpu_util, memory_used_gb), AIPerf profile_export.jsonl,
SGLang request-metrics exports (sglang-request-metrics-*.log). Files or folders (recursive:
.jsonl .json .log .txt, also .gz/.zst). Other numeric fields become columns of their own.

Memory: every analysis holds the whole request table in memory (about 160 bytes per request,
loading peaks at about 350);
percentiles are exact (numpy's linear interpolation), no sketch is used.

Examples:
  srtlog requests summary logs/                              # table; --json for the seed's keys
  srtlog requests anomalies logs/ --metric latency_ms --method zscore --threshold 3
  srtlog requests trends logs/ --metric latency_ms --window 1h --agg mean --csv trend.csv
  srtlog requests correlate logs/ --metrics latency_ms,batch_size,gpu_util,memory_used_gb
  srtlog requests compare logs/ --by model
  srtlog requests window logs/ --from 2026-01-01T10:00:00 --to 2026-01-01T10:15:00
  srtlog requests breakdown sglang-request-metrics-20260101_10.log
  srtlog requests report logs/ -o report.html
  srtlog requests export logs/ -o data.parquet --model llama --status error
  srtlog requests summary app.log --field latency_ms=duration_s*1000 --field model=engine";

const MEMORY_NOTE: &str =
    "Memory: holds every request in memory (the table takes about 160 bytes per request, the \
load peaks at about 350: a 1 GB log of 4 M requests peaks at 1.4 GB). Percentiles are exact (sorted values, numpy's linear interpolation), no sketch.";

/// Arguments of `srtlog requests`.
#[derive(Debug, Args)]
#[command(after_help = REQUESTS_HELP)]
pub struct RequestsArgs {
    /// The analysis.
    #[command(subcommand)]
    pub command: RequestsCommand,
}

/// Analyses of `srtlog requests`.
#[derive(Debug, Subcommand)]
pub enum RequestsCommand {
    /// Requests, errors, error rate, latency percentiles, throughput, per model; other fields' statistics.
    #[command(after_help = MEMORY_NOTE)]
    Summary(Common),
    /// Outlying requests of one metric (z-score, IQR or MAD).
    Anomalies(AnomalyArgs),
    /// One metric aggregated over time windows (also as CSV).
    Trends(TrendArgs),
    /// Pearson and Spearman correlation matrices, with pair counts.
    Correlate(CorrelateArgs),
    /// Average and p99 latency, throughput and error rate per group.
    Compare(CompareArgs),
    /// A time window (a latency spike) against the rest of the run.
    Window(WindowArgs),
    /// Queue / prefill / decode / other time per request (SGLang request metrics).
    Breakdown(Common),
    /// Self-contained HTML report (trends, histogram, errors, correlations, anomalies, models).
    Report(ReportArgs),
    /// The canonical request table as CSV, Parquet or JSON lines (by extension).
    Export(ExportArgs),
}

/// Inputs, field mapping, filters and output format shared by every analysis.
#[derive(Debug, Args)]
pub struct Common {
    /// Request logs: files or folders.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Map a canonical field to a source key: `latency_ms=duration`, with an
    /// optional scale `latency_ms=duration_s*1000` (repeatable).
    #[arg(long = "field", value_name = "CANONICAL=SOURCE")]
    pub fields: Vec<String>,
    /// Keep requests at or after this time (ISO-8601, or epoch s/ms/ns).
    #[arg(long, value_parser = parse_time)]
    pub from: Option<i64>,
    /// Keep requests before this time.
    #[arg(long, value_parser = parse_time)]
    pub to: Option<i64>,
    /// Keep requests of this model (repeatable).
    #[arg(long)]
    pub model: Vec<String>,
    /// Keep `ok`, `error`, or a status as written.
    #[arg(long)]
    pub status: Option<String>,
    /// Keep requests where FIELD equals VALUE (repeatable).
    #[arg(long = "where", value_name = "FIELD=VALUE")]
    pub wheres: Vec<String>,
}

/// `anomalies` arguments.
#[derive(Debug, Args)]
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
    /// Rows listed in the table (all are in --json).
    #[arg(long, default_value_t = 20)]
    limit: usize,
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
#[derive(Debug, Args)]
pub struct TrendArgs {
    #[command(flatten)]
    common: Common,
    /// Numeric field.
    #[arg(long, default_value = "latency_ms")]
    metric: String,
    /// Window length (`30s`, `1m`, `1h`, `1d`).
    #[arg(long, default_value = "1m", value_parser = crate::args::parse_duration)]
    window: u64,
    /// Aggregation.
    #[arg(long, value_enum, default_value_t = AggArg::Mean)]
    agg: AggArg,
    /// Also write the rows as CSV.
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
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
#[derive(Debug, Args)]
pub struct CorrelateArgs {
    #[command(flatten)]
    common: Common,
    /// Comma-separated numeric fields (default: every numeric field with values).
    #[arg(long, value_delimiter = ',')]
    metrics: Vec<String>,
}

/// `compare` arguments.
#[derive(Debug, Args)]
pub struct CompareArgs {
    #[command(flatten)]
    common: Common,
    /// Field to group by (`model`, `status`, `error_type`, or a numeric field).
    #[arg(long, default_value = "model")]
    by: String,
}

/// `window` arguments.
#[derive(Debug, Args)]
pub struct WindowArgs {
    /// Request logs: files or folders.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Window start (ISO-8601, or epoch s/ms/ns).
    #[arg(long, value_parser = parse_time)]
    from: i64,
    /// Window end (exclusive).
    #[arg(long, value_parser = parse_time)]
    to: i64,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    /// Field mapping, as for the other analyses.
    #[arg(long = "field", value_name = "CANONICAL=SOURCE")]
    fields: Vec<String>,
    /// Keep requests of this model (repeatable).
    #[arg(long)]
    model: Vec<String>,
    /// Keep `ok`, `error`, or a status as written.
    #[arg(long)]
    status: Option<String>,
    /// Keep requests where FIELD equals VALUE (repeatable).
    #[arg(long = "where", value_name = "FIELD=VALUE")]
    wheres: Vec<String>,
}

/// `report` arguments.
#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    common: Common,
    /// Output HTML file.
    #[arg(short, long)]
    output: PathBuf,
    /// Metric of the trend, histogram and anomalies.
    #[arg(long, default_value = "latency_ms")]
    metric: String,
    /// Trend window (default: about 100 windows over the run).
    #[arg(long, value_parser = crate::args::parse_duration)]
    window: Option<u64>,
}

/// `export` arguments.
#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    common: Common,
    /// Output file: `.csv`, `.parquet` or `.jsonl`.
    #[arg(short, long)]
    output: PathBuf,
}

/// Arguments of `srtlog simulate-requests`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  srtlog simulate-requests /tmp/requests.jsonl --requests 100000
  srtlog simulate-requests /tmp/big.jsonl --size 1GB
  srtlog simulate-requests /tmp/r.jsonl.zst --compress zst --json   # ground truth as JSON")]
pub struct SimulateRequestsArgs {
    /// Output file.
    pub out: PathBuf,
    /// Number of requests.
    #[arg(long, default_value_t = 10_000, conflicts_with = "size")]
    pub requests: u64,
    /// Approximate uncompressed size instead (`500MB`, `1GB`).
    #[arg(long, value_parser = crate::args::parse_size)]
    pub size: Option<u64>,
    /// Random seed.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Value of the `model` field.
    #[arg(long, default_value = "meta-llama/Llama-3.3-70B-Instruct")]
    pub model: String,
    /// Mean arrival rate, requests per second.
    #[arg(long, default_value_t = 20.0)]
    pub rate: f64,
    /// Baseline error fraction (×8 inside the latency spike).
    #[arg(long, default_value_t = 0.01)]
    pub error_rate: f64,
    /// No latency spike (default: requests 60 %–70 % are 3–6× slower).
    #[arg(long)]
    pub no_spike: bool,
    /// Compress the output.
    #[arg(long, value_enum)]
    pub compress: Option<crate::args::SimCompress>,
    /// Print the ground truth as JSON.
    #[arg(long)]
    pub json: bool,
}

fn parse_time(s: &str) -> Result<i64, String> {
    parse_iso_ns(s).ok_or_else(|| {
        format!("not a time: {s:?} (ISO-8601 like 2026-01-01T10:00:00Z, or epoch seconds/ms/ns)")
    })
}

fn filter_of(
    from: Option<i64>,
    to: Option<i64>,
    model: &[String],
    status: &Option<String>,
    wheres: &[String],
) -> Result<Filter> {
    let mut f = Filter {
        from_ns: from,
        to_ns: to,
        models: model.to_vec(),
        status: status.clone(),
        wheres: Vec::new(),
    };
    for w in wheres {
        f.add_where(w).map_err(anyhow::Error::msg)?;
    }
    Ok(f)
}

fn field_map(fields: &[String]) -> Result<FieldMap> {
    let mut m = FieldMap::default();
    for f in fields {
        m.add(f).map_err(anyhow::Error::msg)?;
    }
    Ok(m)
}

/// Loads, reports bad lines on stderr, filters; fails when nothing is left.
fn load(
    paths: &[PathBuf],
    fields: &[String],
    filter: &Filter,
    quiet: bool,
) -> Result<(RequestLog, RequestTable)> {
    let opts = LoadOptions {
        fields: field_map(fields)?,
    };
    let log = rq::load(paths, &opts)?;
    let mut err = std::io::stderr().lock();
    for f in &log.files {
        if f.bad_lines > 0 && !quiet {
            let first: Vec<String> = f
                .first_bad
                .iter()
                .map(|(l, m)| format!("line {l}: {m}"))
                .collect();
            writeln!(
                err,
                "warning: {}: {} of {} lines skipped ({})",
                f.path.display(),
                f.bad_lines,
                f.lines,
                first.join("; ")
            )?;
        }
        if f.json_document && !quiet {
            writeln!(
                err,
                "note: {}: one JSON document, not JSON lines; skipped",
                f.path.display()
            )?;
        }
        if f.not_per_request > 0 && !quiet {
            writeln!(
                err,
                "note: {}: {} line(s) are not per-request records (benchmark summaries or telemetry), skipped",
                f.path.display(),
                f.not_per_request
            )?;
        }
    }
    if log.table.is_empty() {
        let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        bail!("no requests found in {}", names.join(", "));
    }
    let table = filter.apply(&log.table);
    if table.is_empty() {
        bail!(
            "none of the {} requests matches the filters (--from/--to/--model/--status/--where)",
            log.table.len()
        );
    }
    Ok((log, table))
}

fn common_load(c: &Common, quiet: bool) -> Result<(RequestLog, RequestTable)> {
    let f = filter_of(c.from, c.to, &c.model, &c.status, &c.wheres)?;
    load(&c.paths, &c.fields, &f, quiet)
}

fn print_json<T: Serialize>(v: &T) -> Result<()> {
    // Serialise first: a closed pipe must surface as an io::Error (which
    // main treats as success), not wrapped in a serde_json error.
    let s = serde_json::to_string_pretty(v)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{s}")?;
    Ok(())
}

fn print(s: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(s.as_bytes())?;
    Ok(())
}

fn pct(x: f64) -> String {
    if x.is_nan() {
        "-".into()
    } else {
        format!("{:.2}%", x * 100.0)
    }
}

fn ms(x: f64) -> String {
    if x.is_nan() {
        "-".into()
    } else {
        format!("{} ms", format_value(x))
    }
}

/// The terminal table of `summary`.
pub fn summary_table(s: &SummaryReport) -> String {
    let a = &s.all;
    let rows: Vec<(&str, String)> = vec![
        ("Total requests", a.total_requests.to_string()),
        ("Successes", a.successes.to_string()),
        ("Errors", a.errors.to_string()),
        ("Error rate", pct(a.error_rate)),
        ("Average latency", ms(a.avg_latency_ms)),
        ("P50 latency", ms(a.p50_latency_ms)),
        ("P90 latency", ms(a.p90_latency_ms)),
        ("P95 latency", ms(a.p95_latency_ms)),
        ("P99 latency", ms(a.p99_latency_ms)),
        ("Max latency", ms(a.max_latency_ms)),
        (
            "Time span",
            match (&a.first_timestamp, &a.last_timestamp) {
                (Some(f), Some(l)) => format!("{f} – {l}"),
                _ => "-".into(),
            },
        ),
        (
            "Throughput",
            format!("{} req/s", format_value(a.throughput_rps)),
        ),
    ];
    let mut out = BoxTable {
        title: Some("Request summary".into()),
        header: vec!["Metric".into(), "Value".into()],
        align: vec![Align::Left, Align::Right],
        rows: rows
            .into_iter()
            .map(|(k, v)| vec![k.to_owned(), v])
            .collect(),
        footer: vec![],
    }
    .render();
    if s.per_model.len() > 1 {
        out.push_str(&group_table(
            "Per model",
            "Model",
            s.per_model.iter().map(|(k, v)| (k.as_str(), v)),
        ));
    }
    let fields = BoxTable {
        title: Some("Numeric fields".into()),
        header: ["Field", "Count", "Mean", "P50", "P95", "P99", "Max"]
            .map(String::from)
            .to_vec(),
        align: vec![
            Align::Left,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
        ],
        rows: s
            .fields
            .iter()
            .map(|(k, st)| {
                vec![
                    k.clone(),
                    st.count.to_string(),
                    format_value(st.mean),
                    format_value(st.median),
                    format_value(st.p95),
                    format_value(st.p99),
                    format_value(st.max),
                ]
            })
            .collect(),
        footer: vec![],
    };
    out.push_str(&fields.render());
    out
}

fn group_table<'a>(
    title: &str,
    key: &str,
    groups: impl Iterator<Item = (&'a str, &'a RequestSummary)>,
) -> String {
    BoxTable {
        title: Some(title.into()),
        header: [
            key,
            "Requests",
            "Avg latency",
            "P99 latency",
            "Throughput",
            "Error rate",
        ]
        .map(String::from)
        .to_vec(),
        align: vec![
            Align::Left,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
        ],
        rows: groups
            .map(|(k, g)| {
                vec![
                    if k.is_empty() {
                        "(none)".into()
                    } else {
                        k.to_owned()
                    },
                    g.total_requests.to_string(),
                    ms(g.avg_latency_ms),
                    ms(g.p99_latency_ms),
                    format!("{} req/s", format_value(g.throughput_rps)),
                    pct(g.error_rate),
                ]
            })
            .collect(),
        footer: vec![],
    }
    .render()
}

#[derive(Serialize)]
struct SummaryJson<'a> {
    #[serde(flatten)]
    summary: &'a SummaryReport,
    files: &'a [rq::FileReport],
}

/// Runs `srtlog requests …`.
pub fn run(a: RequestsArgs, quiet: bool) -> Result<ExitCode> {
    match a.command {
        RequestsCommand::Summary(c) => {
            let (log, t) = common_load(&c, quiet)?;
            let started = std::time::Instant::now();
            let s = rq::summary::summary(&t);
            tracing::info!(secs = started.elapsed().as_secs_f64(), "summary computed");
            if c.json {
                print_json(&SummaryJson {
                    summary: &s,
                    files: &log.files,
                })?;
            } else {
                print(&summary_table(&s))?;
            }
        }
        RequestsCommand::Anomalies(a) => {
            let (_, t) = common_load(&a.common, quiet)?;
            let col = rq::metric(&t, &a.metric)?;
            let (method, default_t) = match a.method {
                MethodArg::Zscore => (Method::Zscore, 3.0),
                MethodArg::Iqr => (Method::Iqr, 1.5),
                MethodArg::Mad => (Method::Mad, 3.5),
            };
            let r = anomalies::detect(&t, &a.metric, col, method, a.threshold.unwrap_or(default_t));
            if a.common.json {
                print_json(&r)?;
            } else {
                let mut s = format!(
                    "Found {} anomalous requests ({} of {} values, {:?} > {}; centre {}, scale {})\n",
                    r.count,
                    r.metric,
                    r.tested,
                    r.method,
                    r.threshold,
                    format_value(r.center),
                    format_value(r.scale)
                );
                s.push_str(
                    &BoxTable {
                        title: None,
                        header: ["Request", "Timestamp", "Model", &r.metric, "Score"]
                            .map(String::from)
                            .to_vec(),
                        align: vec![
                            Align::Left,
                            Align::Left,
                            Align::Left,
                            Align::Right,
                            Align::Right,
                        ],
                        rows: r
                            .anomalies
                            .iter()
                            .take(a.limit)
                            .map(|x| {
                                vec![
                                    x.request_id.clone().unwrap_or_default(),
                                    x.timestamp.clone().unwrap_or_default(),
                                    x.model.clone().unwrap_or_default(),
                                    format_value(x.value),
                                    format!("{:.2}", x.score),
                                ]
                            })
                            .collect(),
                        footer: vec![],
                    }
                    .render(),
                );
                if r.count > a.limit {
                    s.push_str(&format!(
                        "({} more; --limit or --json for all)\n",
                        r.count - a.limit
                    ));
                }
                print(&s)?;
            }
        }
        RequestsCommand::Trends(a) => {
            let (_, t) = common_load(&a.common, quiet)?;
            let agg = agg_of(a.agg);
            let col = match agg {
                Agg::Count | Agg::ErrorRate => None,
                _ => Some(rq::metric(&t, &a.metric)?),
            };
            let r = trends::trends(&t, &a.metric, col, a.window, agg);
            if let Some(p) = &a.csv {
                let mut s = String::from("timestamp,requests,value\n");
                for row in &r.rows {
                    s.push_str(&format!(
                        "{},{},{}\n",
                        row.timestamp,
                        row.requests,
                        csv_num(row.value)
                    ));
                }
                std::fs::write(p, s).with_context(|| format!("writing {}", p.display()))?;
            }
            if a.common.json {
                print_json(&r)?;
            } else {
                print(
                    &BoxTable {
                        title: Some(format!("{} {:?} per {}s", r.metric, r.agg, r.window_s)),
                        header: ["Window start", "Requests", "Value"]
                            .map(String::from)
                            .to_vec(),
                        align: vec![Align::Left, Align::Right, Align::Right],
                        rows: r
                            .rows
                            .iter()
                            .map(|x| {
                                vec![
                                    x.timestamp.clone(),
                                    x.requests.to_string(),
                                    format_value(x.value),
                                ]
                            })
                            .collect(),
                        footer: vec![],
                    }
                    .render(),
                )?;
            }
        }
        RequestsCommand::Correlate(a) => {
            let (_, t) = common_load(&a.common, quiet)?;
            let names = if a.metrics.is_empty() {
                t.numeric_columns()
            } else {
                a.metrics.clone()
            };
            let cols = names
                .iter()
                .map(|m| rq::metric(&t, m))
                .collect::<Result<Vec<_>, _>>()?;
            let r = rq::correlate::correlate(&names, &cols);
            if a.common.json {
                print_json(&r)?;
            } else {
                let mut s = String::new();
                for (title, m) in [("Pearson", &r.pearson), ("Spearman", &r.spearman)] {
                    let mut header = vec![String::new()];
                    header.extend(names.iter().cloned());
                    s.push_str(
                        &BoxTable {
                            title: Some(title.into()),
                            align: std::iter::once(Align::Left)
                                .chain(names.iter().map(|_| Align::Right))
                                .collect(),
                            header,
                            rows: names
                                .iter()
                                .zip(m)
                                .map(|(n, row)| {
                                    std::iter::once(n.clone())
                                        .chain(row.iter().map(|v| {
                                            if v.is_nan() {
                                                "-".into()
                                            } else {
                                                format!("{v:.3}")
                                            }
                                        }))
                                        .collect()
                                })
                                .collect(),
                            footer: vec![],
                        }
                        .render(),
                    );
                }
                s.push_str(&format!(
                    "pairs (requests with both values): min {}\n",
                    r.pairs.iter().flatten().min().copied().unwrap_or(0)
                ));
                print(&s)?;
            }
        }
        RequestsCommand::Compare(a) => {
            let (_, t) = common_load(&a.common, quiet)?;
            let Some(groups) = rq::compare::compare(&t, &a.by) else {
                return Err(rq::metric(&t, &a.by)
                    .err()
                    .map(anyhow::Error::from)
                    .unwrap_or_else(|| anyhow::anyhow!("cannot group by {:?}", a.by)));
            };
            if a.common.json {
                print_json(&groups)?;
            } else {
                print(&group_table(
                    &format!("By {}", a.by),
                    &a.by,
                    groups.iter().map(|g| (g.key.as_str(), &g.summary)),
                ))?;
            }
        }
        RequestsCommand::Window(a) => {
            if a.to <= a.from {
                bail!("--to must be after --from");
            }
            let f = filter_of(None, None, &a.model, &a.status, &a.wheres)?;
            let (_, t) = load(&a.paths, &a.fields, &f, quiet)?;
            let r = rq::window::window(&t, a.from, a.to);
            if a.json {
                print_json(&r)?;
            } else {
                let row = |k: &str, f: &dyn Fn(&rq::window::Side) -> String| {
                    vec![k.to_owned(), f(&r.window), f(&r.rest)]
                };
                let rows = vec![
                    row("Requests", &|s| s.summary.total_requests.to_string()),
                    row("Average latency", &|s| ms(s.summary.avg_latency_ms)),
                    row("P99 latency", &|s| ms(s.summary.p99_latency_ms)),
                    row("Error rate", &|s| pct(s.summary.error_rate)),
                    row("Average batch size", &|s| format_value(s.avg_batch_size)),
                    row("Max requests in one second", &|s| {
                        s.max_requests_per_second.to_string()
                    }),
                    row("Max in flight", &|s| s.max_in_flight.to_string()),
                    row("GPU utilization", &|s| {
                        if s.avg_gpu_util.is_nan() {
                            "-".into()
                        } else {
                            format!("{:.1}%", s.avg_gpu_util)
                        }
                    }),
                    row("Memory usage", &|s| {
                        if s.avg_memory_used_gb.is_nan() {
                            "-".into()
                        } else {
                            format!("{:.2} GB", s.avg_memory_used_gb)
                        }
                    }),
                ];
                print(
                    &BoxTable {
                        title: Some(format!("Window {} – {}", r.from, r.to)),
                        header: ["", "Window", "Rest of run"].map(String::from).to_vec(),
                        align: vec![Align::Left, Align::Right, Align::Right],
                        rows,
                        footer: vec![],
                    }
                    .render(),
                )?;
            }
        }
        RequestsCommand::Breakdown(c) => {
            let (_, t) = common_load(&c, quiet)?;
            let Some(r) = rq::breakdown::breakdown(&t) else {
                bail!("no request has latency, queue, prefill and decode times (the breakdown needs SGLang's request-metrics export, or mapped queue_ms/prefill_ms/decode_ms fields)");
            };
            if c.json {
                print_json(&r)?;
            } else {
                print(
                    &BoxTable {
                        title: Some(format!("Time breakdown of {} requests (ms)", r.requests)),
                        header: ["Part", "Mean", "P50", "P95", "P99", "Share"]
                            .map(String::from)
                            .to_vec(),
                        align: vec![
                            Align::Left,
                            Align::Right,
                            Align::Right,
                            Align::Right,
                            Align::Right,
                            Align::Right,
                        ],
                        rows: r
                            .components
                            .iter()
                            .map(|c| {
                                vec![
                                    c.name.to_owned(),
                                    format_value(c.stats.mean),
                                    format_value(c.stats.median),
                                    format_value(c.stats.p95),
                                    format_value(c.stats.p99),
                                    pct(c.share),
                                ]
                            })
                            .collect(),
                        footer: vec![vec![
                            "latency".into(),
                            format_value(r.latency.mean),
                            format_value(r.latency.median),
                            format_value(r.latency.p95),
                            format_value(r.latency.p99),
                            String::new(),
                        ]],
                    }
                    .render(),
                )?;
            }
        }
        RequestsCommand::Report(a) => {
            let (log, t) = common_load(&a.common, quiet)?;
            let inputs: Vec<String> = a
                .common
                .paths
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            let data = srtlog::requests::report_data::report_data(&t, &a.metric, a.window);
            let html = srtlog_report::requests::render(&data, &log.files, &inputs)?;
            srtlog_report::output::write_atomic(&a.output, html.as_bytes())?;
            if !quiet {
                writeln!(
                    std::io::stderr(),
                    "wrote {} ({} requests)",
                    a.output.display(),
                    t.len()
                )?;
            }
        }
        RequestsCommand::Export(a) => {
            let Some(fmt) = Format::from_path(&a.output) else {
                bail!(
                    "{}: unknown output format (use .csv, .parquet or .jsonl)",
                    a.output.display()
                );
            };
            let (_, t) = common_load(&a.common, quiet)?;
            export::export(&t, &a.output, fmt)?;
            if !quiet {
                writeln!(
                    std::io::stderr(),
                    "wrote {} rows to {}",
                    t.len(),
                    a.output.display()
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn csv_num(x: f64) -> String {
    if x.is_nan() {
        String::new()
    } else {
        x.to_string()
    }
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

/// Runs `srtlog simulate-requests`.
pub fn simulate(a: SimulateRequestsArgs, quiet: bool) -> Result<ExitCode> {
    use srtlog_sim::{Compression, RequestLogConfig};
    let cfg = RequestLogConfig {
        requests: a.requests,
        target_bytes: a.size,
        seed: a.seed,
        model: a.model.clone(),
        requests_per_s: a.rate,
        error_rate: a.error_rate,
        spike: if a.no_spike {
            None
        } else {
            RequestLogConfig::default().spike
        },
        compression: match a.compress {
            None => Compression::None,
            Some(crate::args::SimCompress::Gz) => Compression::Gzip,
            Some(crate::args::SimCompress::Zst) => Compression::Zstd,
        },
        ..RequestLogConfig::default()
    };
    let truth = srtlog_sim::write_request_log_with_truth(&a.out, &cfg)
        .with_context(|| format!("writing {}", a.out.display()))?;
    if a.json {
        print_json(&serde_json::json!({
            "file": a.out.display().to_string(),
            "requests": truth.requests,
            "errors": truth.errors,
            "spike_requests": truth.spike_requests,
            "spike_first_index": truth.spike_first_index,
            "spike_end_index": truth.spike_end_index,
            "first_timestamp": truth.first_timestamp,
            "last_timestamp": truth.last_timestamp,
            "bytes": truth.bytes,
            "uncompressed_bytes": truth.uncompressed_bytes,
        }))?;
    } else if !quiet {
        writeln!(
            std::io::stderr(),
            "wrote {} requests ({} errors, {} bytes) to {}",
            truth.requests,
            truth.errors,
            truth.bytes,
            a.out.display()
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use srtlog::formats::requests::{decode_line, FieldMap};

    #[test]
    fn summary_table_snapshot() {
        let mut t = RequestTable::new();
        let lines = [
            r#"{"timestamp": "2026-01-01T00:00:00Z", "request_id": "a", "model": "m1", "latency_ms": 100, "batch_size": 4, "status": "success"}"#,
            r#"{"timestamp": "2026-01-01T00:00:01Z", "request_id": "b", "model": "m1", "latency_ms": 200, "batch_size": 8, "status": "success"}"#,
            r#"{"timestamp": "2026-01-01T00:00:02Z", "request_id": "c", "model": "m2", "latency_ms": 300, "batch_size": 8, "status": "error"}"#,
            r#"{"timestamp": "2026-01-01T00:00:04Z", "request_id": "d", "model": "m2", "latency_ms": 400, "batch_size": 16, "status": "success"}"#,
        ];
        for l in lines {
            let r = decode_line(l.as_bytes(), &FieldMap::default())
                .ok()
                .flatten()
                .expect("valid");
            t.push(&r);
        }
        let s = rq::summary::summary(&t);
        // numpy.percentile([100, 200, 300, 400], 99, method="linear") == 397.0
        assert_eq!(s.all.p99_latency_ms, 397.0);
        insta::assert_snapshot!(summary_table(&s));
    }
}
