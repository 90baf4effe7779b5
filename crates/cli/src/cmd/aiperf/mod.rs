//! `srtlog aiperf`: AIPerf HTTP trace and token analysis.
//!
//! The analysis is [`srtlog::aiperf`]; this module renders it: the text
//! sections ([`text`]), `--json` (the whole [`srtlog::aiperf::Analysis`]),
//! `--csv`/`--parquet` (the per-request table,
//! [`srtlog::aiperf::rows_csv::rows_batch`], through the one export path),
//! `-o report.html` ([`srtlog_report::aiperf`]) and gates over the `--json`
//! keys.
//!
//! JSON wire format (stable; new keys may be added): one run is
//! `{ "name", "files", "input", "overview": {records, with_trace, errors,
//! cancelled, streaming, non_streaming, warmup_excluded, error_types,
//! trace_layouts}, "connections": {created, reused, reuse_rate}, "dns",
//! "distributions": {name: {unit, count, min, max, mean, p50, p90, p95, p99,
//! total, std}}, "correlation", "findings": [{rule, value, display, verdict,
//! message}], "request_throughput", "output_token_throughput",
//! "summary_comparison": [...], ... }`; a sweep is `{ "sweep": [rows],
//! "runs": [runs] }`. NaN is written as `null`.

mod text;

use crate::flags::{self, Gates};
use crate::logging;
use anyhow::Result;
use srtlog::aiperf::rows_csv::rows_batch;
use srtlog::aiperf::{analyze_path, AiperfError, AiperfOptions, Analysis, Outcome};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

/// Arguments of `srtlog aiperf`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  srtlog aiperf artifacts/my-run/profile_export.jsonl
  srtlog aiperf artifacts/my-run/                 # also reads the summary, inputs.json, GPU telemetry
  srtlog aiperf artifacts/                        # several runs: a sweep table
  srtlog aiperf run/ --json > analysis.json
  srtlog aiperf run/ --csv requests.csv -o report.html
  srtlog aiperf run/ --parquet requests.parquet     # the same table as Parquet (`-`: stdout)
  srtlog aiperf run/ --fail-if 'overview.errors > 0' --fail-if 'distributions.ttft_ms.p99 > 500'
  srtlog aiperf new/ --baseline analysis.json --fail-if 'request_throughput < -5%'

Gates (--fail-if) read the --json keys, as dotted paths (a sweep: `sweep.0.ttft_p99_ms`).")]
pub struct Args {
    /// A profile_export.jsonl, an AIPerf artifact folder, or a folder of runs.
    pub path: PathBuf,
    /// Print every figure as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Write the per-request table as CSV (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Write the per-request table as Parquet (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    pub parquet: Option<PathBuf>,
    /// Write a self-contained HTML report (distributions, per-request timeline).
    #[arg(short, long, value_name = "FILE.html")]
    pub output: Option<PathBuf>,
    /// Keep warm-up records (excluded by default).
    #[arg(long)]
    pub include_warmup: bool,
    #[command(flatten)]
    pub gates: Gates,
}

/// Runs `srtlog aiperf`.
pub fn run(a: Args, quiet: bool) -> Result<ExitCode> {
    let opts = AiperfOptions {
        include_warmup: a.include_warmup,
        rows: a.csv.is_some() || a.parquet.is_some() || a.output.is_some(),
    };
    let total = crate::progress::dir_size(&a.path);
    let counter = Arc::new(AtomicU64::new(0));
    let bar = crate::progress::Progress::start(total, counter.clone(), quiet || a.json, "reading");
    let started = std::time::Instant::now();
    let outcome = analyze_path(&a.path, opts, &counter);
    bar.finish();
    tracing::info!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "aiperf analysis finished"
    );
    let outcome = match outcome {
        Ok(o) => o,
        Err(e @ AiperfError::NotFound(_)) => {
            logging::error(e);
            return Ok(ExitCode::from(2));
        }
        Err(e) => return Err(e.into()),
    };
    let runs: Vec<&Analysis> = match &outcome {
        Outcome::Run(r) => vec![r.as_ref()],
        Outcome::Sweep(v) => v.iter().collect(),
    };
    if !quiet {
        runs.iter().for_each(|r| warn(r));
    }
    let table_on_stdout = flags::write_tables(&a.csv, &a.parquet, || rows_batch(&runs))?;
    if let Some(out) = &a.output {
        let html = srtlog_report::aiperf::render_aiperf_html(&runs)?;
        flags::write_html(out, &html, quiet)?;
    }
    let doc = if a.json || a.gates.any() {
        match &outcome {
            Outcome::Run(r) => serde_json::to_value(r.as_ref())?,
            Outcome::Sweep(v) => serde_json::json!({
                "sweep": srtlog::aiperf::sweep::sweep_rows(v.iter()),
                "runs": v,
            }),
        }
    } else {
        serde_json::Value::Null
    };
    if a.json {
        flags::print_json(&doc)?;
    } else if !table_on_stdout {
        let out = match &outcome {
            Outcome::Run(r) => text::render_text(r),
            Outcome::Sweep(v) => text::render_sweep(v),
        };
        std::io::stdout().lock().write_all(out.as_bytes())?;
    }
    Ok(a.gates
        .check(&doc, None, quiet)?
        .unwrap_or(ExitCode::SUCCESS))
}

/// `field N, field N` of a per-field count.
fn per_field(m: &std::collections::BTreeMap<String, u64>) -> String {
    m.iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Bad lines, bad fields, excluded values and mismatches go to stderr, counted.
fn warn(a: &Analysis) {
    let i = &a.input;
    if !i.bad_fields.is_empty() {
        logging::warning(format_args!(
            "{}: fields of the wrong shape left out (records kept): {}",
            a.name,
            per_field(&i.bad_fields)
        ));
    }
    if !i.excluded_values.is_empty() {
        logging::warning(format_args!(
            "{}: infinite or negative values left out of the statistics: {}",
            a.name,
            per_field(&i.excluded_values)
        ));
    }
    let not: u64 = i.not_aiperf.values().sum();
    if i.bad_json > 0 || not > 0 || i.truncated_last_line {
        let examples: Vec<String> = i
            .bad_examples
            .iter()
            .map(|b| format!("line {}: {}", b.line, b.message))
            .collect();
        logging::warning(format_args!(
            "{}: {} line(s) not JSON, {} JSON line(s) not AIPerf records{}{}",
            a.name,
            i.bad_json,
            not,
            if i.truncated_last_line {
                ", truncated last line"
            } else {
                ""
            },
            if examples.is_empty() {
                String::new()
            } else {
                format!("\n  {}", examples.join("\n  "))
            }
        ));
    }
}
