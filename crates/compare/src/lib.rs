//! srtlog-compare: `srtlog compare A B [C …]`, runs of LLM serving side by
//! side, and whether their differences are real.
//!
//! Each argument is read into a [`Source`] ([`source`]): a run directory
//! (worker logs, and the request logs or AIPerf export inside it), a
//! request log, an AIPerf `profile_export.jsonl`, or a benchmark client's
//! result file through a plugged-in [`ClientReader`]. A single folder whose
//! sub-folders are runs is a sweep ([`sweep`]).
//!
//! The output ([`Comparison`]) has one table per source kind
//! ([`analysis`]): worker metrics per worker type over each run's steady
//! state (warm-up and drain cut by MSER-5, [`workers_side`]) and client
//! metrics ([`client_side`]); per metric the value per run, the delta
//! against the first run (the baseline) with its sign and percentage, a
//! 95 % bootstrap interval, a test (bootstrap on per-request values, or
//! Mann–Whitney U on batch means of series), Holm-adjusted across the
//! run's metrics, and a verdict that knows each metric's good direction
//! ([`metrics`]). Plus the configuration diff ([`config`]). Everything is
//! deterministic: the bootstrap generators have fixed seeds.
//!
//! `srtlog compare` compares *runs*; `srtlog requests compare` compares
//! *groups inside one request log* (by model, status, file, …).

pub mod analysis;
pub mod bench;
pub mod client_side;
pub mod config;
pub mod error;
pub mod metrics;
pub mod source;
pub mod sweep;
pub mod workers_side;

pub use analysis::{Delta, Row, Table, Verdict};
pub use config::ConfigDiff;
pub use error::Error;
pub use source::{ClientReader, ClientRequests, ClientSide, RunFigures, Source};

use serde::Serialize;
use serde_json::{Map, Value};
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use sweep::{mark_pareto, one_variable, Sweep, SweepPoint};

/// Options of [`compare`].
pub struct CompareOptions {
    /// Plugged-in readers of client result files, asked before the
    /// request-log reader.
    pub readers: Vec<Box<dyn ClientReader>>,
    /// Bootstrap replications (default 2000).
    pub resamples: usize,
    /// Level of the intervals (default 0.95).
    pub confidence: f64,
    /// Family-wise significance level, after Holm's adjustment (default 0.05).
    pub alpha: f64,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions {
            // The benchmark clients' result files; more readers can be
            // pushed by a caller.
            readers: vec![Box::new(bench::BenchResults)],
            resamples: 2000,
            confidence: 0.95,
            alpha: 0.05,
        }
    }
}

/// One run, as the comparison shows it.
#[derive(Clone, Debug, Serialize)]
pub struct RunInfo {
    /// Label.
    pub label: String,
    /// Path given (or found in a sweep folder).
    pub path: PathBuf,
    /// Source kind.
    pub kind: String,
    /// Steady-state window of the worker logs.
    pub window: Option<workers_side::Window>,
    /// Wall clock of the run's first worker-log line.
    pub run_start: Option<String>,
    /// Client side: what read it, and how many requests (per-request data).
    pub client: Option<Value>,
    /// Every value of the tables, by metric id (`p99_ttft_ms`,
    /// `decode.decode_throughput`): what `--fail-if` reads.
    pub metrics: Value,
}

/// How the figures were tested, in words, for the output.
#[derive(Clone, Debug, Serialize)]
pub struct Method {
    /// The baseline.
    pub baseline: String,
    /// Steady state.
    pub steady_state: &'static str,
    /// Tests.
    pub tests: &'static str,
    /// Multiple comparisons.
    pub multiple_comparisons: String,
    /// Bootstrap replications.
    pub resamples: usize,
    /// Interval level.
    pub confidence: f64,
}

/// A comparison.
#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    /// The runs, baseline first.
    pub runs: Vec<RunInfo>,
    /// The method.
    pub method: Method,
    /// One table per source kind.
    pub tables: Vec<Table>,
    /// Configuration diff.
    pub config: ConfigDiff,
    /// The sweep, when the input was a sweep folder.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sweep: Option<Sweep>,
}

/// The runs to compare: the paths given, or the runs of a single sweep
/// folder (`true`).
pub fn expand(paths: &[PathBuf]) -> (Vec<PathBuf>, bool) {
    if let [one] = paths {
        if let Some(runs) = sweep::sweep_runs(one) {
            return (runs, true);
        }
    }
    (paths.to_vec(), false)
}

/// Reads every path and compares them. Returns the comparison and the
/// sources (series and per-request values, for reports).
pub fn compare(
    paths: &[PathBuf],
    opts: &CompareOptions,
    progress: &AtomicU64,
) -> Result<(Comparison, Vec<Source>), Error> {
    let (paths, is_sweep) = expand(paths);
    if paths.len() < 2 {
        return Err(Error::TooFewRuns(paths.len()));
    }
    let mut sources = Vec::with_capacity(paths.len());
    for p in &paths {
        sources.push(source::read_source(p, &opts.readers, progress)?);
    }
    unique_labels(&mut sources);
    let tables = analysis::tables(&sources, opts);
    let labels: Vec<String> = sources.iter().map(|s| s.label.clone()).collect();
    let facts: Vec<_> = sources
        .iter()
        .map(|s| s.workers.as_ref().map(|w| &w.config))
        .collect();
    let config = config::diff(&labels, &facts);
    let runs = sources
        .iter()
        .enumerate()
        .map(|(i, s)| run_info(s, i, &tables))
        .collect();
    let sweep = is_sweep.then(|| sweep_of(&sources, &tables));
    let method = Method {
        baseline: labels[0].clone(),
        steady_state: "worker metrics over each run's steady state: MSER-5 (White 1997; White, Cobb & Spratt 2000) on the decode token throughput for the warm-up, and on the reversed series for the drain",
        tests: "per-request client metrics: percentile bootstrap interval of the difference (Efron & Tibshirani 1993), p-value from the bootstrap standard error; series (worker metrics, client throughputs): Mann-Whitney U (Mann & Whitney 1947; normal approximation, tie and continuity corrections) on up to 20 batch means per run of at least 15 buckets each (Schmeiser 1982), bootstrap interval of the difference of their means",
        multiple_comparisons: format!(
            "Holm (1979) over all metrics of a run against the baseline; significant when the adjusted p-value < {}",
            opts.alpha
        ),
        resamples: opts.resamples,
        confidence: opts.confidence,
    };
    Ok((
        Comparison {
            runs,
            method,
            tables,
            config,
            sweep,
        },
        sources,
    ))
}

fn unique_labels(sources: &mut [Source]) {
    for i in 1..sources.len() {
        let mut n = 2;
        let base = sources[i].label.clone();
        while sources[..i].iter().any(|s| s.label == sources[i].label) {
            sources[i].label = format!("{base} ({n})");
            n += 1;
        }
    }
}

fn run_info(s: &Source, i: usize, tables: &[Table]) -> RunInfo {
    let mut metrics = Map::new();
    for row in tables.iter().flat_map(|t| &t.rows) {
        let v = row.values[i].map_or(Value::Null, |v| {
            serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
        });
        match row.id.split_once('.') {
            Some((group, name)) => {
                let e = metrics
                    .entry(group.to_string())
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(m) = e {
                    m.insert(name.to_string(), v);
                }
            }
            None => {
                metrics.insert(row.id.clone(), v);
            }
        }
    }
    let client = s.client.as_ref().map(|c| match c {
        ClientSide::PerRequest {
            reader,
            files,
            count,
            ..
        } => serde_json::json!({"reader": reader, "files": files, "per_request": true, "requests": count}),
        ClientSide::RunLevel { reader, files, .. } => {
            serde_json::json!({"reader": reader, "files": files, "per_request": false})
        }
    });
    RunInfo {
        label: s.label.clone(),
        path: s.path.clone(),
        kind: s.kind.clone(),
        window: s.workers.as_ref().map(|w| w.window.clone()),
        run_start: s.workers.as_ref().and_then(|w| w.run_start.clone()),
        client,
        metrics: Value::Object(metrics),
    }
}

fn sweep_of(sources: &[Source], tables: &[Table]) -> Sweep {
    let value = |id: &str, i: usize| {
        tables
            .iter()
            .flat_map(|t| &t.rows)
            .find(|r| r.id == id)
            .and_then(|r| r.values[i])
    };
    let has_tpot = (0..sources.len()).any(|i| value("p50_tpot_ms", i).is_some());
    let latency_metric = if has_tpot {
        "p50_tpot_ms"
    } else {
        "p50_e2e_ms"
    };
    let mut points: Vec<SweepPoint> = sources
        .iter()
        .enumerate()
        .map(|(i, s)| SweepPoint {
            run: s.label.clone(),
            value: sweep::value_from_name(&s.label),
            throughput: value("output_token_throughput", i),
            latency: value(latency_metric, i),
            pareto: false,
        })
        .collect();
    mark_pareto(&mut points);
    Sweep {
        one_variable: one_variable(&points),
        points,
        latency_metric,
    }
}
