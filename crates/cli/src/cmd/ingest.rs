//! `srtlog ingest RUN... --into DATASET/`: every job's tables of every run
//! into one Hive-partitioned Parquet dataset (the library:
//! `srtlog::dataset::ingest`; the layout and columns: `docs/dataset.md`).

use crate::logging;
use crate::progress::{dir_size, Progress};
use anyhow::Result;
use srtlog::dataset::{ingest, IngestOptions, IngestSummary};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

const EXAMPLES: &str = "Examples:
  srtlog ingest runs/job_1 runs/job_2 --into fleet/      # two runs into one dataset
  srtlog ingest runs/* --into fleet/ --json              # again: only new or changed files are read
  duckdb -c \"SELECT run, count(*) FROM 'fleet/requests/**/*.parquet' GROUP BY run\"

One folder per table (node_metrics, requests, aiperf_records, snapshot_pairs, runs, warnings),
Hive-partitioned by run= (and worker_type= for node_metrics); fleet/_srtlog_manifest.json records
each source file's fingerprint. Unreadable or corrupt files are warnings (also in the warnings
table), never a failed ingest. Columns and types: docs/dataset.md.";

/// Arguments of `srtlog ingest`.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Run folders (each one run: its worker logs, request logs, AIPerf exports, snapshots).
    #[arg(required = true, value_name = "RUN")]
    pub runs: Vec<PathBuf>,
    /// The dataset folder (created when missing; ingesting into it again adds and updates runs).
    #[arg(long, value_name = "DATASET", required = true)]
    pub into: PathBuf,
    /// Print the summary as JSON on stdout (runs, files parsed/skipped, rows per table, bytes).
    #[arg(long)]
    pub json: bool,
}

/// Runs the command.
pub fn run(a: Args, quiet: bool) -> Result<ExitCode> {
    for r in &a.runs {
        if !r.exists() {
            return Err(srtlog::io::Error::NotFound(r.clone()).into());
        }
    }
    let total: u64 = a.runs.iter().map(|p| dir_size(p)).sum();
    let counter = Arc::new(AtomicU64::new(0));
    let bar = Progress::start(total, counter.clone(), quiet || a.json, "ingesting");
    let opts = IngestOptions {
        runs: a.runs.clone(),
        into: a.into.clone(),
    };
    let started = std::time::Instant::now();
    let summary = ingest(&opts, &counter);
    bar.finish();
    let summary = summary?;
    tracing::info!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "ingest finished"
    );
    for w in &summary.warnings {
        match w.line {
            Some(l) => logging::warning(format_args!("{}:{l}: {}", w.path, w.message)),
            None => logging::warning(format_args!("{}: {}", w.path, w.message)),
        }
    }
    if a.json {
        crate::flags::print_json(&summary)?;
    } else {
        print_text(&summary)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn print_text(s: &IngestSummary) -> Result<()> {
    let mut out = std::io::stdout().lock();
    for r in &s.runs {
        writeln!(
            out,
            "{}: {} sources, {} read, {} unchanged, {} removed",
            r.id, r.sources, r.parsed, r.skipped, r.removed
        )?;
    }
    let tables: Vec<String> = s
        .rows_total
        .iter()
        .map(|(t, n)| format!("{t} {n}"))
        .collect();
    writeln!(
        out,
        "{}: {} files read, {} unchanged; {} warnings; rows: {}",
        s.dataset,
        s.files_parsed,
        s.files_skipped,
        s.warnings.len(),
        tables.join(", ")
    )?;
    Ok(())
}
