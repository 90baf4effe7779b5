//! srtlog-check: why did a serving run fail, and can its numbers be trusted?
//!
//! [`check`] reads a run's worker logs (SGLang and vLLM, plain or
//! compressed), and its benchmark client results and metrics snapshots when
//! present, and returns a [`Report`] of [`Finding`]s, most severe first:
//! * **fatal**: the run or a worker failed (out of memory, NCCL, a port in
//!   use, a traceback that ended a process, a stall, a worker that never
//!   served);
//! * **degraded**: it ran, but worse than it should (retractions, a growing
//!   queue, pinned token usage, prefill/decode mismatch, DP imbalance, a
//!   throughput collapse, CUDA graphs off);
//! * **untrustworthy**: its numbers cannot be trusted (the client counts
//!   tokens the server did not generate, snapshot deltas that hold other
//!   requests, time ranges that do not overlap);
//! * **info**: worth knowing.
//!
//! The log-line patterns are data ([`patterns::PATTERNS`]); the checks on
//! the batch series are in [`derive`]; the client side in [`client`]. This
//! crate spans jobs (worker logs, client results, snapshots), so it sits
//! above the job crates. Formats: `shared/docs/formats.md`.
#![warn(missing_docs)]

pub mod client;
pub mod derive;
pub mod finding;
pub mod patterns;
pub mod scan;
pub mod series;

pub use finding::{Evidence, Finding, Level, Report, Severity, Steady};

use std::path::PathBuf;

/// Errors of a check.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Finding the worker logs failed (a path that does not exist, an
    /// unreadable folder).
    #[error(transparent)]
    Discover(#[from] srtlog_workers::Error),
    /// The pattern table did not compile (a bug).
    #[error("pattern table: {0}")]
    Patterns(#[from] aho_corasick::BuildError),
}

/// What a check reads besides the worker logs.
#[derive(Clone, Copy, Debug)]
pub struct CheckOptions {
    /// Read the benchmark client's results and metrics snapshots.
    pub client: bool,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions { client: true }
    }
}

/// What is looked for when a run has no worker logs.
pub const LOOKED_FOR: &str = "worker logs: files named {node}_{prefill|decode|agg}_{worker}.{out,err} (plain, .gz or .zst), or .log/.out/.err/.txt files whose head holds SGLang or vLLM server lines, in the folder, its logs/ folder and up to 4 levels below";

/// Checks the run at `paths` (a run folder, a logs folder or files).
pub fn check(paths: &[PathBuf], opts: &CheckOptions) -> Result<Report, Error> {
    let discovery = srtlog_workers::discover::discover(paths)?;
    let matcher = patterns::Matcher::new()?;
    let files = scan::scan_files(
        &discovery.files,
        &matcher,
        &scan::block_options(scan::RANGE, scan::BLOCK),
    );
    let mut report = Report {
        run: discovery.run_name.clone(),
        worker_files: files.iter().map(|f| f.name.clone()).collect(),
        ..Report::default()
    };
    if files.is_empty() {
        report.nothing_checked = Some(LOOKED_FOR.to_string());
    }
    let start = &derive::Starts::of(&files);
    let mut findings = derive::pattern_findings(&files, start);
    findings.extend(unreadable(&files));
    findings.extend(unreadable_skipped(&discovery.skipped));
    findings.extend(derive::never_served(&files, start));
    findings.extend(derive::stalls(&files, start));
    findings.extend(derive::worker_health(&files, start));
    findings.extend(derive::pd_mismatch(&files, start));
    if opts.client {
        let workers: Vec<PathBuf> = discovery.files.iter().map(|f| f.path.clone()).collect();
        let side = client::read(paths, &workers);
        report.client_files = side
            .results
            .iter()
            .map(|r| r.file.clone())
            .chain(side.snapshots.iter().map(|s| s.file.clone()))
            .collect();
        report.client_files.dedup();
        findings.extend(client::findings(&side, &server_side(&files)));
    }
    report.findings = findings;
    report.steady = steady(&files);
    report.sort();
    Ok(report)
}

/// One finding per file that could not be read (completely).
fn unreadable(files: &[scan::FileScan]) -> Vec<Finding> {
    files
        .iter()
        .filter_map(|f| {
            let e = f.error.as_ref()?;
            Some(Finding {
                kind: "unreadable_file",
                severity: Severity::Untrustworthy,
                what: "a worker log could not be read: its findings are missing".into(),
                evidence: Evidence {
                    file: f.name.clone(),
                    line: f.lines,
                    text: e.clone(),
                },
                count: 1,
                at_s: None,
                advice: "check the file's permissions and that it is not truncated or corrupt (gzip/zstd)",
                seen_in: None,
            })
        })
        .collect()
}

/// Files discovery could not read to decide what they are.
fn unreadable_skipped(skipped: &[(PathBuf, &'static str)]) -> Vec<Finding> {
    skipped
        .iter()
        .filter(|(_, why)| *why == "unreadable")
        .map(|(p, _)| Finding {
            kind: "unreadable_file",
            severity: Severity::Untrustworthy,
            what: "a file of the run could not be read to tell whether it is a worker log".into(),
            evidence: Evidence {
                file: p.display().to_string(),
                line: 0,
                text: "unreadable".into(),
            },
            count: 1,
            at_s: None,
            advice:
                "check the file's permissions and that it is not truncated or corrupt (gzip/zstd)",
            seen_in: None,
        })
        .collect()
}

fn server_side(files: &[scan::FileScan]) -> client::ServerSide {
    use series::Kind;
    let spans: Vec<(i64, i64)> = files.iter().filter_map(|f| f.series.span()).collect();
    client::ServerSide {
        has_series: files
            .iter()
            .any(|f| f.series.lines(Kind::Decode) + f.series.lines(Kind::Stats) > 0),
        generated: files.iter().map(|f| f.series.generated_tokens()).sum(),
        span_us: spans
            .iter()
            .map(|s| s.0)
            .min()
            .zip(spans.iter().map(|s| s.1).max())
            .map(|(a, b)| (a * 1_000_000, b * 1_000_000)),
        vllm_clock: files.iter().any(scan::is_vllm),
        workers: files.len(),
    }
}

/// Steady-state figures: medians over 10-s windows of the middle 80 % of
/// the serving span.
fn steady(files: &[scan::FileScan]) -> Steady {
    use series::{mean, Kind};
    use std::collections::BTreeMap;
    let mut gen: BTreeMap<i64, f64> = BTreeMap::new();
    let mut run: BTreeMap<i64, f64> = BTreeMap::new();
    let mut usage = Vec::new();
    for f in files {
        for ((k, _), r) in &f.series.ranks {
            let mut per: BTreeMap<i64, (series::Sum, series::Sum)> = BTreeMap::new();
            for (s, b) in &r.bins {
                let e = per.entry(s.div_euclid(10)).or_default();
                e.0 .0 += b.gen.0;
                e.0 .1 += b.gen.1;
                e.1 .0 += b.running.0;
                e.1 .1 += b.running.1;
                if *k != Kind::Prefill {
                    if let Some(u) = mean(b.usage) {
                        usage.push(u);
                    }
                }
            }
            for (w, (g, rr)) in per {
                if *k != Kind::Prefill {
                    *gen.entry(w).or_default() += mean(g).unwrap_or(0.0);
                    *run.entry(w).or_default() += mean(rr).unwrap_or(0.0);
                }
            }
        }
    }
    let mid = |m: &BTreeMap<i64, f64>| -> Option<f64> {
        let v: Vec<f64> = m.values().copied().collect();
        let (lo, hi) = (v.len() / 10, v.len() - v.len() / 10);
        srtlog_stats::percentile::median_high(v.get(lo..hi)?.to_vec())
    };
    let spans: Vec<(i64, i64)> = files.iter().filter_map(|f| f.series.span()).collect();
    Steady {
        workers: files.len(),
        serving_s: spans
            .iter()
            .map(|s| s.0)
            .min()
            .zip(spans.iter().map(|s| s.1).max())
            .map(|(a, b)| (b - a) as f64),
        gen_throughput: mid(&gen),
        running_req: mid(&run),
        token_usage: srtlog_stats::percentile::median_high(usage),
    }
}
