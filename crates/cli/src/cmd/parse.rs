//! `srtlog parse`: the run's summary table, `-v` per-file counts,
//! `--coverage`, `--json`, and gates over the `--json` keys.

use crate::flags::Gates;
use crate::logging;
use crate::progress::{dir_size, Progress};
use anyhow::Result;
use srtlog::formats::sniff::InputKind;
use srtlog::run::{parse_run, CacheStatus, ParseOutcome, ParseRequest};
use srtlog::series::SeriesSet;
use srtlog::summary::{format_range, RunSummary};
use srtlog::worker::{Backend, ParseOptions};
use srtlog_report::table::{Align, BoxTable};
use srtlog_report::text::group;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

const EXAMPLES: &str = "Examples:
  srtlog parse /path/to/job_12345/          # run directory (uses its logs/ folder)
  srtlog parse logs/ -v                      # per-file counts
  srtlog parse logs/ --coverage              # lines that look like records but did not parse
  srtlog parse node1_prefill_w0.out.gz --json | jq .totals
  srtlog parse logs/ --no-cache              # neither read nor write cached_assets/
  srtlog parse logs/ --stats                 # and the statistics of `srtlog stats`
  srtlog parse vllm.log --year 2025          # vLLM logs print dates without a year
  srtlog parse logs/ --fail-if 'totals.unparsed_lines > 0'   # CI gate on a --json key

The cache is logs/cached_assets/node_metrics.parquet (one row per batch line, memory
snapshot or vLLM engine statistics line; columns in the README); it is reused while the
log files are unchanged. SGLang and vLLM logs are told apart by their content.";

/// Arguments of `srtlog parse`.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Run directory, logs folder, or log files (plain, .gz, .zst).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Print the summary as JSON on stdout (for scripts).
    #[arg(long)]
    pub json: bool,
    /// Per-file counts.
    #[arg(short, long)]
    pub verbose: bool,
    /// Per file, lines that look like batch or memory records but did not parse.
    #[arg(long)]
    pub coverage: bool,
    /// Neither read nor write the Parquet cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Also print the statistics per worker type and metric (as `srtlog stats`, from the same pass over the logs, or from the cache).
    #[arg(long)]
    pub stats: bool,
    /// Year of the first line of each vLLM log (vLLM prints dates without one; later lines roll
    /// over at New Year). Default: a full date found in the file, else its modification time.
    #[arg(long, value_name = "YYYY", value_parser = clap::value_parser!(i32).range(1970..=9999))]
    pub year: Option<i32>,
    #[command(flatten)]
    pub gates: Gates,
}

/// Runs the command.
pub fn run(a: Args, quiet: bool) -> Result<ExitCode> {
    let total: u64 = a.paths.iter().map(|p| dir_size(p)).sum();
    let counter = Arc::new(AtomicU64::new(0));
    let bar = Progress::start(total, counter.clone(), quiet || a.json, "parsing");
    let req = ParseRequest {
        paths: a.paths.clone(),
        use_cache: !a.no_cache,
        options: ParseOptions {
            year: a.year,
            ..ParseOptions::default()
        },
        // `--stats` reduces the rows as they are parsed (or replays the
        // cache): the logs are read once. Only the statistics are shown,
        // so no chart lines are built.
        series: a.stats.then(|| srtlog::series::SeriesOptions {
            lines: false,
            ..Default::default()
        }),
    };
    let started = std::time::Instant::now();
    let outcome = parse_run(&req, &counter);
    bar.finish();
    let mut outcome = match outcome {
        Ok(o) => o,
        Err(e @ srtlog::Error::NoWorkerLogs { .. }) => {
            return Err(
                match super::hint::wrong_tool(&a.paths, InputKind::WorkerLog) {
                    Some(h) => anyhow::anyhow!("{h}"),
                    None => e.into(),
                },
            )
        }
        Err(e) => return Err(e.into()),
    };
    // Nothing but start-up lines, or files that are not worker logs at all
    // (a request log given to `parse`): name the command that reads them.
    if holds_no_records(&outcome.summary) {
        if let Some(h) = super::hint::wrong_tool(&a.paths, InputKind::WorkerLog) {
            logging::error(h);
            return Ok(ExitCode::from(1));
        }
    }
    tracing::info!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "parse finished"
    );
    let stats = match outcome.series.take() {
        Some(series) if series.has_no_batches() => {
            let e = srtlog::viz::VizError::NoBatches {
                path: a.paths.first().cloned().unwrap_or_default(),
                workers: outcome.summary.workers.len(),
            };
            // As `srtlog stats` on these inputs: another kind of input
            // (named by the hint) is an error, worker logs without batch
            // lines only a note.
            if let Some(h) = super::hint::wrong_tool(&a.paths, InputKind::WorkerLog) {
                return Err(anyhow::anyhow!("{h}"));
            }
            logging::note(format_args!("no statistics: {e:#}"));
            None
        }
        series => series,
    };
    notes_on_skipped(&outcome.discovery.skipped, quiet);
    for w in &outcome.summary.workers {
        for m in &w.warnings {
            logging::warning(format_args!("{}: {m}", w.file));
        }
    }
    if let CacheStatus::Failed(e) = &outcome.cache {
        logging::warning(format_args!("the cache was not written: {e}"));
    }
    let mut doc = json_of(&outcome);
    if let (Some(st), Some(m)) = (&stats, doc.as_object_mut()) {
        m.insert("stats".into(), serde_json::to_value(&st.stats)?);
    }
    if a.json {
        crate::flags::print_json(&doc)?;
    } else {
        print_text(&a, &outcome, stats.as_ref())?;
    }
    Ok(a.gates
        .check(&doc, None, quiet)?
        .unwrap_or(ExitCode::SUCCESS))
}

fn print_text(a: &Args, outcome: &ParseOutcome, stats: Option<&SeriesSet>) -> Result<()> {
    let mut out = std::io::stdout().lock();
    if a.verbose {
        write!(out, "{}", per_file_table(&outcome.summary).render())?;
        for (p, why) in &outcome.discovery.skipped {
            writeln!(out, "skipped {}: {why}", p.display())?;
        }
        writeln!(out)?;
    }
    write!(out, "{}", summary_table(&outcome.summary).render())?;
    if a.coverage {
        writeln!(out)?;
        write_coverage(&mut out, &outcome.summary)?;
    }
    if let Some(st) = stats {
        writeln!(out)?;
        let t = super::stats::stats_table(st, &outcome.summary.run_name);
        write!(out, "{}", t.render())?;
        writeln!(out, "{}", super::stats::basis(st))?;
    }
    match &outcome.cache {
        CacheStatus::Written(p) => writeln!(out, "\nCached to: {}", p.display())?,
        CacheStatus::Hit(p) => writeln!(out, "\nLoaded from cache: {}", p.display())?,
        CacheStatus::Disabled | CacheStatus::Failed(_) => {}
    }
    Ok(())
}

/// The run's summary table. A run with vLLM workers gets one row per worker
/// type and backend (`Agg (vLLM)` beside `Prefill (SGLang)`).
pub fn summary_table(s: &RunSummary) -> BoxTable {
    let rows = s
        .by_type_and_backend()
        .into_iter()
        .map(|r| {
            let label = match r.backend {
                Some(b) => format!("{} ({})", r.worker_type.title(), b.title()),
                None => r.worker_type.title().to_string(),
            };
            let range = match (r.range, r.backend) {
                (None, Some(Backend::Vllm)) => "no engine statistics".to_string(),
                (range, _) => format_range(range),
            };
            vec![label, group(r.count as i64), range]
        })
        .collect();
    BoxTable {
        title: Some(s.run_name.clone()),
        header: vec!["Worker Type".into(), "Count".into(), "Time Range".into()],
        align: vec![Align::Left, Align::Right, Align::Left],
        rows,
        footer: vec![vec![
            "Total".into(),
            s.workers.len().to_string(),
            format_range(s.time_range()),
        ]],
    }
}

fn per_file_table(s: &RunSummary) -> BoxTable {
    let rows = s
        .workers
        .iter()
        .map(|w| {
            let file = std::path::Path::new(&w.file)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| w.file.clone());
            vec![
                file,
                w.backend.clone(),
                w.worker_type.as_str().to_string(),
                group(w.prefill_batches as i64),
                group(w.decode_batches as i64),
                w.stats_lines
                    .map_or_else(|| "-".to_string(), |n| group(n as i64)),
                group(w.duplicate_lines as i64),
                group(w.memory_snapshots as i64),
                w.schedulers.to_string(),
                group(w.coverage.unparsed_lines as i64),
                match (w.time_range(), w.stats_lines) {
                    (None, Some(_)) => "no engine statistics".to_string(),
                    (range, _) => format_range(range),
                },
            ]
        })
        .collect();
    let t = &s.totals;
    BoxTable {
        title: None,
        header: [
            "File",
            "Backend",
            "Type",
            "Prefill",
            "Decode",
            "Stats",
            "Dup lines",
            "Memory",
            "Schedulers",
            "Unparsed",
            "Time Range",
        ]
        .map(String::from)
        .to_vec(),
        align: vec![
            Align::Left,
            Align::Left,
            Align::Left,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Left,
        ],
        rows,
        footer: vec![vec![
            format!("{} files", t.workers),
            String::new(),
            String::new(),
            group(t.prefill_batches as i64),
            group(t.decode_batches as i64),
            group(t.stats_lines as i64),
            group(t.duplicate_lines as i64),
            group(t.memory_snapshots as i64),
            String::new(),
            group(t.unparsed_lines as i64),
            format_range(s.time_range()),
        ]],
    }
}

fn write_coverage(out: &mut impl Write, s: &RunSummary) -> std::io::Result<()> {
    writeln!(
        out,
        "Coverage: lines that look like batch, memory or engine statistics records but did not parse"
    )?;
    for w in &s.workers {
        writeln!(
            out,
            "  {}: {} of {} lines",
            w.file, w.coverage.unparsed_lines, w.lines
        )?;
        for e in &w.coverage.examples {
            writeln!(out, "    line {}: {}: {}", e.line, e.reason, e.text)?;
        }
    }
    Ok(())
}

fn json_of(o: &ParseOutcome) -> serde_json::Value {
    let (status, path) = match &o.cache {
        CacheStatus::Hit(p) => ("hit", Some(p.display().to_string())),
        CacheStatus::Written(p) => ("written", Some(p.display().to_string())),
        CacheStatus::Disabled => ("disabled", None),
        CacheStatus::Failed(_) => ("failed", None),
    };
    let mut v = serde_json::to_value(&o.summary).unwrap_or_default();
    if let Some(m) = v.as_object_mut() {
        m.insert(
            "cache".into(),
            serde_json::json!({ "status": status, "path": path }),
        );
        let skipped: Vec<_> = o
            .discovery
            .skipped
            .iter()
            .map(|(p, why)| serde_json::json!({ "file": p.display().to_string(), "reason": why }))
            .collect();
        m.insert("skipped".into(), serde_json::Value::Array(skipped));
    }
    v
}

/// No batch, statistics or memory line in any file.
fn holds_no_records(s: &RunSummary) -> bool {
    let t = &s.totals;
    t.prefill_batches + t.decode_batches + t.stats_lines + t.memory_snapshots == 0
}

/// Files skipped for what they are, said without `-v`: a benchmark client's
/// log beside the workers (issue 17 item 14). A note, so not with `--quiet`.
pub(crate) fn notes_on_skipped(skipped: &[(PathBuf, &'static str)], quiet: bool) {
    if quiet {
        return;
    }
    for (p, why) in skipped {
        if *why == srtlog::discover::CLIENT_LOG {
            logging::note(format_args!("{}: {why}; skipped", p.display()));
        }
    }
}
