//! AIPerf HTTP trace and token analysis (`srtlog aiperf`): the workflow's trace
//! data analysis tool for every AIPerf export generation, fast on exports
//! of millions of records.
//!
//! Input: a `profile_export.jsonl`, an AIPerf artifact folder (the summary
//! `profile_export_aiperf.json`/`.csv`, `inputs.json` and
//! `gpu_telemetry_export.jsonl` are read too when present), or a folder of
//! several runs (a sweep: one [`Analysis`] per run plus a [`SweepRow`]
//! table). Record decoding is [`srtlog_formats::aiperf`].
//!
//! Pipeline ([`read`]): the file is read in 8 MB blocks cut at line ends by
//! the shared block engine ([`srtlog_io::blocks`]); blocks are decoded and
//! accumulated in parallel ([`accum::Accum`], one per block) and merged in
//! file order. Memory is bounded by the statistics: every
//! distribution holds one `f64` per request, or per chunk gap for the
//! pooled ones (`inter_chunk_latency_ms`, `aiperf_inter_chunk_latency_ms`);
//! chunk sizes are counted per byte value; the text of the file is never
//! kept (1 GB with 23 M chunk gaps: about 410 MB peak).
//!
//! Definitions (the workflow's, formats.md §3.3): TTFB is request sent (last
//! byte written) to first response body byte — AIPerf's `http_req_waiting`;
//! TTLB is request sent to last response byte; transfer time is first to
//! last response byte; inter-chunk latency is every gap between consecutive
//! transport-level response chunks of every request, pooled; tokens/s and
//! time per token use TTLB as the generation time when traced, else
//! AIPerf's `request_latency`. Warm-up records are excluded unless
//! [`AiperfOptions::include_warmup`]; failed and cancelled records are
//! counted with their error types, contribute connection/DNS figures when
//! traced, and are left out of the timing and token distributions (AIPerf
//! computes no metrics for them either). Percentiles are numpy-linear (see
//! [`dist`]); the prototype `analyze_trace_data.py` used nearest-rank.
#![warn(missing_docs)]

pub mod accum;
pub mod analysis;
pub mod dist;
pub mod read;
pub mod rows_csv;
pub mod sweep;
pub mod table;

pub use accum::{Accum, AccumOptions, BadLine, Row};
pub use analysis::{Analysis, Comparison, Finding, Verdict};
pub use dist::{format_kind, Dist, DistStats, Kind};
pub use read::{find_exports, read_records, set_max_line_bytes, MAX_LINE_BYTES};

use serde::Serialize;
use srtlog_formats::aiperf::{parse_summary_csv, parse_summary_json, RunSummary};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;

/// Errors of the AIPerf analysis.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AiperfError {
    /// The path does not exist.
    #[error("{0}: no such file or directory")]
    NotFound(PathBuf),
    /// A folder without any `profile_export.jsonl`.
    #[error("{path}: no AIPerf profile_export.jsonl found (found {found})")]
    NoExport {
        /// The folder.
        path: PathBuf,
        /// What the folder holds instead.
        found: String,
    },
    /// A file that holds no AIPerf record.
    #[error("{path}: not an AIPerf profile_export.jsonl: {found}")]
    NotAiperf {
        /// The file.
        path: PathBuf,
        /// What was found instead.
        found: String,
    },
    /// Reading failed.
    #[error("reading {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// Options.
#[derive(Clone, Copy, Debug, Default)]
pub struct AiperfOptions {
    /// Keep warm-up records (`--include-warmup`).
    pub include_warmup: bool,
    /// Keep per-request rows (for `--csv` and the report's timeline).
    pub rows: bool,
}

/// One row of a sweep table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SweepRow {
    /// Run name.
    pub run: String,
    /// Concurrency.
    pub concurrency: Option<f64>,
    /// Request rate.
    pub request_rate: Option<f64>,
    /// Records analysed.
    pub records: u64,
    /// Failed records.
    pub errors: u64,
    /// Requests/s.
    pub request_throughput: Option<f64>,
    /// Output tokens/s.
    pub output_token_throughput: Option<f64>,
    /// TTFT p50, ms.
    pub ttft_p50_ms: Option<f64>,
    /// TTFT p99, ms.
    pub ttft_p99_ms: Option<f64>,
    /// ITL p50, ms.
    pub itl_p50_ms: Option<f64>,
    /// ITL p99, ms.
    pub itl_p99_ms: Option<f64>,
    /// Mean output tokens/s per user.
    pub tokens_per_s_per_user: Option<f64>,
    /// Where the load was read (`input_config.loadgen`,
    /// `input_config.phases[profiling]`, `folder name`).
    pub load_source: Option<String>,
    /// GPUs in the run's telemetry.
    pub gpus: Option<u32>,
    /// Request latency p50 (else TTFT p50), ms: the latency axis of the
    /// throughput–latency chart.
    pub latency_p50_ms: Option<f64>,
    /// Output tokens/s per GPU (when the GPU count is known).
    pub output_tokens_per_gpu: Option<f64>,
    /// Sweep group ([`sweep`]): runs of one group differ only in load;
    /// `None`: a run of its own.
    pub group: Option<usize>,
    /// On the throughput–latency Pareto frontier.
    pub pareto_latency: bool,
    /// On the per-GPU / per-user throughput Pareto frontier.
    pub pareto_per_gpu: bool,
}

impl SweepRow {
    /// The row of `a`.
    pub fn of(a: &Analysis) -> SweepRow {
        let g = |d: Dist, f: fn(&DistStats) -> f64| a.dist(d).map(f);
        SweepRow {
            run: a.name.clone(),
            concurrency: a.concurrency,
            request_rate: a.request_rate,
            records: a.overview.records,
            errors: a.overview.errors,
            request_throughput: a.request_throughput,
            output_token_throughput: a.output_token_throughput,
            ttft_p50_ms: g(Dist::Ttft, |s| s.p50),
            ttft_p99_ms: g(Dist::Ttft, |s| s.p99),
            itl_p50_ms: g(Dist::Itl, |s| s.p50),
            itl_p99_ms: g(Dist::Itl, |s| s.p99),
            tokens_per_s_per_user: g(Dist::TokensPerSecondPerUser, |s| s.mean)
                .or_else(|| g(Dist::TokensPerSecond, |s| s.mean)),
            load_source: a.load_source.clone(),
            gpus: a.gpus,
            latency_p50_ms: sweep::latency_p50(a),
            output_tokens_per_gpu: a
                .output_token_throughput
                .zip(a.gpus.filter(|g| *g > 0))
                .map(|(t, g)| t / f64::from(g)),
            group: None,
            pareto_latency: false,
            pareto_per_gpu: false,
        }
    }
}

/// The result for a path: one run, or a sweep of several.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// One run.
    Run(Box<Analysis>),
    /// Several runs, sorted by concurrency / request rate / name.
    Sweep(Vec<Analysis>),
}

/// Analyses `path` (file, artifact folder or sweep folder). `progress`
/// counts bytes read.
pub fn analyze_path(
    path: &Path,
    opts: AiperfOptions,
    progress: &AtomicU64,
) -> Result<Outcome, AiperfError> {
    if !path.exists() {
        return Err(AiperfError::NotFound(path.to_path_buf()));
    }
    if path.is_file() {
        return Ok(Outcome::Run(Box::new(analyze_run(path, opts, progress)?)));
    }
    let exports = find_exports(path);
    match exports.len() {
        0 => Err(AiperfError::NoExport {
            path: path.to_path_buf(),
            found: describe_dir(path),
        }),
        1 => Ok(Outcome::Run(Box::new(analyze_run(
            &exports[0],
            opts,
            progress,
        )?))),
        _ => {
            let mut runs = Vec::new();
            for e in &exports {
                runs.push(analyze_run(e, opts, progress)?);
            }
            runs.sort_by(|a, b| {
                let k = |r: &Analysis| r.concurrency.or(r.request_rate).unwrap_or(f64::INFINITY);
                k(a).total_cmp(&k(b)).then_with(|| a.name.cmp(&b.name))
            });
            Ok(Outcome::Sweep(runs))
        }
    }
}

fn describe_dir(dir: &Path) -> String {
    let names: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .take(6)
                .collect()
        })
        .unwrap_or_default();
    if names.is_empty() {
        "an empty folder".into()
    } else {
        names.join(", ")
    }
}

/// `…-concurrency8` → (Some(8), None); `…-request_rate2.5` → (None, Some(2.5)).
pub fn load_from_name(name: &str) -> (Option<f64>, Option<f64>) {
    let num_after = |key: &str| {
        let i = name.rfind(key)? + key.len();
        // `concurrency16`, `concurrency_16`, `concurrency-16`, `concurrency=16`.
        let rest = name[i..].trim_start_matches(['_', '-', '=']);
        let s: String = rest
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        s.parse::<f64>().ok()
    };
    (num_after("concurrency"), num_after("request_rate"))
}

/// Analyses one `profile_export.jsonl` and the artifacts beside it.
pub fn analyze_run(
    file: &Path,
    opts: AiperfOptions,
    progress: &AtomicU64,
) -> Result<Analysis, AiperfError> {
    let acc = read_records(file, opts, progress)?;
    if acc.records == 0 {
        let found = if let Some((what, _)) = acc.not_aiperf.iter().max_by_key(|(_, n)| **n) {
            format!(
                "{what} ({} of {} lines)",
                acc.not_aiperf.values().sum::<u64>(),
                acc.lines
            )
        } else if acc.lines == 0 {
            "an empty file".into()
        } else {
            let first = acc
                .bad_examples
                .first()
                .map(|b| b.message.clone())
                .unwrap_or_default();
            format!(
                "{} lines that are not JSON objects (first: {first})",
                acc.bad_json
            )
        };
        return Err(AiperfError::NotAiperf {
            path: file.to_path_buf(),
            found,
        });
    }
    let dir = file.parent().unwrap_or(Path::new("."));
    let fname = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let prefix = fname
        .strip_suffix("profile_export.jsonl.gz")
        .or_else(|| fname.strip_suffix("profile_export.jsonl"))
        .unwrap_or("");
    let name = dir
        .file_name()
        .and_then(|n| n.to_str())
        .filter(|n| !n.is_empty())
        .unwrap_or(fname)
        .to_string();
    let mut files = vec![file.display().to_string()];
    let mut a = Analysis::finish(name.clone(), Vec::new(), acc);
    let (c, r) = load_from_name(&name);
    let json = dir.join(format!("{prefix}profile_export_aiperf.json"));
    let csv = dir.join(format!("{prefix}profile_export_aiperf.csv"));
    let summary: Option<RunSummary> = if json.is_file() {
        let text = std::fs::read(&json).map_err(|e| io(&json, e))?;
        match parse_summary_json(&text) {
            Ok(s) => {
                files.push(json.display().to_string());
                Some(s)
            }
            Err(e) => {
                a.artifacts.insert(
                    json.display().to_string(),
                    format!("unreadable summary: {e}"),
                );
                None
            }
        }
    } else if csv.is_file() {
        let text = std::fs::read_to_string(&csv).map_err(|e| io(&csv, e))?;
        match parse_summary_csv(&text) {
            Ok(s) => {
                files.push(csv.display().to_string());
                Some(s)
            }
            Err(e) => {
                a.artifacts.insert(
                    csv.display().to_string(),
                    format!("unreadable summary: {e}"),
                );
                None
            }
        }
    } else {
        None
    };
    if let Some(s) = &summary {
        a.compare_with(s);
    }
    if a.concurrency.is_none() && a.request_rate.is_none() && (c.is_some() || r.is_some()) {
        // The last resort: the artifact folder's name.
        a.load_source = Some("folder name".into());
    }
    a.concurrency = a.concurrency.or(c);
    a.request_rate = a.request_rate.or(r);
    let inputs = dir.join("inputs.json");
    if inputs.is_file() {
        let text = std::fs::read(&inputs).map_err(|e| io(&inputs, e))?;
        let desc = match serde_json::from_slice::<serde_json::Value>(&text) {
            Ok(v) => match v.get("data").and_then(|d| d.as_array()) {
                Some(d) => format!("{} dataset entries (conversations)", d.len()),
                None => "JSON without a `data` list".into(),
            },
            Err(e) => format!("not JSON: {e}"),
        };
        a.artifacts.insert("inputs.json".into(), desc);
        files.push(inputs.display().to_string());
    }
    let gpu = dir.join(format!("{prefix}gpu_telemetry_export.jsonl"));
    if gpu.is_file() {
        let text = std::fs::read(&gpu).map_err(|e| io(&gpu, e))?;
        a.artifacts
            .insert("gpu_telemetry_export.jsonl".into(), describe_gpu(&text));
        files.push(gpu.display().to_string());
    }
    a.files = files;
    Ok(a)
}

/// `N samples of G GPUs; mean utilisation U%, mean power P W`.
fn describe_gpu(text: &[u8]) -> String {
    let mut n = 0u64;
    let mut gpus = std::collections::BTreeSet::new();
    let (mut util, mut nu, mut power, mut np) = (0.0, 0u64, 0.0, 0u64);
    for line in text.split(|&b| b == b'\n') {
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(line) else {
            continue;
        };
        n += 1;
        if let Some(u) = v.get("gpu_uuid").and_then(|u| u.as_str()) {
            gpus.insert(u.to_string());
        }
        let t = v.get("telemetry_data");
        if let Some(x) = t
            .and_then(|t| t.get("gpu_utilization"))
            .and_then(|x| x.as_f64())
        {
            util += x;
            nu += 1;
        }
        if let Some(x) = t
            .and_then(|t| t.get("gpu_power_usage"))
            .and_then(|x| x.as_f64())
        {
            power += x;
            np += 1;
        }
    }
    let mut s = format!("{n} samples of {} GPU(s)", gpus.len());
    if nu > 0 {
        s.push_str(&format!("; mean utilisation {:.1}%", util / nu as f64));
    }
    if np > 0 {
        s.push_str(&format!("; mean power {:.1} W", power / np as f64));
    }
    s
}

fn io(p: &Path, e: std::io::Error) -> AiperfError {
    AiperfError::Io {
        path: p.to_path_buf(),
        source: e,
    }
}

#[cfg(test)]
mod tests;
