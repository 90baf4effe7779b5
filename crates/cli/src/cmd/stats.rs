//! `srtlog stats`: statistics per worker type and metric, as a table or
//! JSON; also `srtlog parse --stats`. Shares the analysis of `srtlog viz`
//! ([`srtlog::viz::build`]).
//!
//! JSON wire format (stable; new keys may be added):
//!
//! ```json
//! { "run_name": "4401463", "bucket_s": 1,
//!   "values": "per-scheduler bucket values",
//!   "stats": [ { "worker_type": "prefill", "side": "prefill", "metric": "input_throughput",
//!                "title": "Input throughput", "unit": "tokens/s", "count": 178, "nan": 0,
//!                "mean": ..., "median": ..., "std": ..., "min": ..., "max": ...,
//!                "p25": ..., "p75": ..., "p90": ..., "p95": ..., "p99": ... } ] }
//! ```
//!
//! Statistics of no value (a metric never printed) are absent, not null;
//! `null` appears only for NaN.

use crate::flags::{self, print_json};
use crate::logging;
use crate::progress::{dir_size, Progress};
use anyhow::Result;
use srtlog::formats::sniff::InputKind;
use srtlog::series::{SeriesOptions, SeriesSet, Side, StatRow};
use srtlog::viz::{build, VizError, VizOutcome, VizRequest};
use srtlog::WorkerType;
use srtlog_report::table::{Align, BoxTable};
use srtlog_report::text::{format_grouped, group};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

const EXAMPLES: &str = "Examples:
  srtlog stats /path/to/job_12345/
  srtlog stats logs/ --json | jq '.stats[] | select(.metric == \"gen_throughput\")'
  srtlog stats logs/ --csv stats.csv           # the table as CSV (`-`: stdout)
  srtlog stats logs/ --parquet stats.parquet   # the same table as Parquet
  srtlog parse logs/ --stats                   # summary table, then this table
  srtlog stats logs/ --no-cache                # read the logs even when the cache is valid

Values are per scheduler (one per DP rank of a worker; TP/PP duplicate lines excluded)
and time bucket: the mean of its lines in the bucket (1 s unless the run is long), or the
per-second rate of per-batch amounts such as #new-token. All values of a metric are kept
in memory (a few per second of run per scheduler) for exact percentiles (numpy's linear
interpolation).

A valid Parquet cache of the logs folder (logs/cached_assets/, written by `srtlog parse`)
is read instead of the logs, with the same result; the cache is never written here.";

/// Arguments of `srtlog stats`.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Run directory, logs folder, or log files (plain, .gz, .zst).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Print the statistics as JSON on stdout (for scripts).
    #[arg(long)]
    pub json: bool,
    /// Write the statistics table as CSV (`-` for stdout instead of the table).
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Write the statistics table as Parquet (`-` for stdout instead of the table).
    #[arg(long, value_name = "FILE")]
    pub parquet: Option<PathBuf>,
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

/// Runs the command.
pub fn run(a: Args, quiet: bool) -> Result<ExitCode> {
    // Only the statistics are shown: no chart lines are built.
    let opts = SeriesOptions {
        bucket_s: a.bucket,
        lines: false,
        ..SeriesOptions::default()
    };
    let outcome = analyse(&a.paths, opts, a.year, quiet || a.json, !a.no_cache)?;
    warn(&outcome, quiet);
    if flags::write_tables(&a.csv, &a.parquet, || {
        srtlog::workers::stats_csv::stats_batch(&outcome.series.stats)
    })? {
        return Ok(ExitCode::SUCCESS);
    }
    if a.json {
        print_json(&json_of(&outcome))?;
    } else {
        let mut out = std::io::stdout().lock();
        write!(
            out,
            "{}",
            stats_table(&outcome.series, &outcome.summary.run_name).render()
        )?;
        writeln!(out, "{}", basis(&outcome.series))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Discovers, parses (or reads a valid cache, with `use_cache`) and
/// reduces, with a progress bar. `year` is the year of vLLM logs' first
/// lines (`--year`).
pub(crate) fn analyse(
    paths: &[PathBuf],
    opts: SeriesOptions,
    year: Option<i32>,
    quiet: bool,
    use_cache: bool,
) -> Result<VizOutcome> {
    let total: u64 = paths.iter().map(|p| dir_size(p)).sum();
    let counter = Arc::new(AtomicU64::new(0));
    let bar = Progress::start(total, counter.clone(), quiet, "reading");
    let mut req = VizRequest {
        series: opts,
        use_cache,
        ..VizRequest::new(paths.to_vec())
    };
    req.options.year = year;
    let started = std::time::Instant::now();
    let outcome = build(&req, &counter);
    bar.finish();
    tracing::info!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "analysis finished"
    );
    outcome.map_err(|e| {
        // Nothing to chart: the inputs may be another kind (a request log);
        // then the error names the command that reads them.
        let nothing = matches!(
            e,
            VizError::NoBatches { .. } | VizError::Parse(srtlog::Error::NoWorkerLogs { .. })
        );
        if let Some(h) = nothing
            .then(|| super::hint::wrong_tool(paths, InputKind::WorkerLog))
            .flatten()
        {
            return anyhow::anyhow!("{h}");
        }
        match e {
            // Unwrapped so that a missing path keeps its exit code (2).
            VizError::Parse(inner) => anyhow::Error::from(inner),
            other => anyhow::Error::from(other),
        }
    })
}

/// Prints the parse warnings of the files (as `srtlog parse` does).
pub(crate) fn warn(o: &VizOutcome, quiet: bool) {
    super::parse::notes_on_skipped(&o.discovery.skipped, quiet);
    for w in &o.summary.workers {
        for m in &w.warnings {
            logging::warning(format_args!("{}: {m}", w.file));
        }
    }
    for m in &o.series.warnings {
        logging::warning(m);
    }
}

/// What the values of the table are.
pub(crate) fn basis(s: &SeriesSet) -> String {
    format!(
        "Values: one per scheduler (DP rank; TP/PP duplicates excluded) and {} s bucket in which it printed: the mean of its lines, or the per-second rate of per-batch amounts (new_token, new_seq, cached_token). Percentiles: numpy linear; std: population.",
        s.bucket_s
    )
}

/// `prefill`, `agg (decode)`, `decode (memory)`: the workers and batches a
/// row's values come from.
fn source(r: &StatRow) -> String {
    let implied = matches!(
        (r.worker_type, r.side),
        (WorkerType::Prefill, Side::Prefill) | (WorkerType::Decode, Side::Decode)
    );
    if implied {
        r.worker_type.as_str().to_string()
    } else {
        format!("{} ({})", r.worker_type.as_str(), r.side.as_str())
    }
}

/// The statistics table.
pub fn stats_table(s: &SeriesSet, title: &str) -> BoxTable {
    let rows = s
        .stats
        .iter()
        .map(|r| {
            let m = &r.summary;
            let mut row = vec![
                source(r),
                r.metric.clone(),
                r.unit.clone(),
                group(m.count as i64),
            ];
            row.extend(
                [
                    m.mean, m.median, m.std, m.min, m.max, m.p25, m.p75, m.p95, m.p99,
                ]
                .map(format_grouped),
            );
            row
        })
        .collect();
    let mut align = vec![Align::Left, Align::Left, Align::Left];
    align.extend([Align::Right; 10]);
    BoxTable {
        title: Some(format!("{title}: statistics")),
        header: [
            "Workers", "Metric", "Unit", "Count", "Mean", "Median", "Std", "Min", "Max", "P25",
            "P75", "P95", "P99",
        ]
        .map(String::from)
        .to_vec(),
        align,
        rows,
        footer: Vec::new(),
    }
}

/// The JSON document of `--json`.
pub(crate) fn json_of(o: &VizOutcome) -> serde_json::Value {
    serde_json::json!({
        "run_name": o.summary.run_name,
        "bucket_s": o.series.bucket_s,
        "values": "per-scheduler bucket values",
        "stats": o.series.stats,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use srtlog::series::{SeriesBuilder, WorkerMeta};

    /// Rows through the real decoder and table builder.
    fn set() -> SeriesSet {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("n1_agg_w0.out");
        let mut text = String::new();
        for s in 0..6 {
            text.push_str(&format!(
                "[2025-10-20 12:00:0{s} TP0] Prefill batch, #new-seq: 2, #new-token: {}, #cached-token: 0, token usage: 0.0{s}, #running-req: {s}, #queue-req: 1, \n",
                100 * (s + 1)
            ));
            text.push_str(&format!(
                "[2025-10-20 12:00:0{s} TP0] Decode batch, #running-req: {}, #token: {}, token usage: 0.0{s}, cuda graph: True, gen throughput (token/s): {}.50, #queue-req: 0, \n",
                s + 2,
                1000 + 10 * s,
                20 * s
            ));
        }
        std::fs::write(&p, text).unwrap();
        let w = srtlog::worker::parse_one(&p, true).unwrap();
        let mut b = SeriesBuilder::new(SeriesOptions::default());
        b.add_worker(
            WorkerMeta {
                file: "n1_agg_w0.out".into(),
                ..WorkerMeta::of(&w)
            },
            &w.table,
        );
        b.finish()
    }

    #[test]
    fn stats_table_snapshot() {
        insta::assert_snapshot!(stats_table(&set(), "run").render());
    }
}
