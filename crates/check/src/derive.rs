//! Findings from the scanned files: the pattern rows aggregated over the run,
//! and the checks derived from the batch series (a worker that never served
//! or stalled, a growing queue, pinned token usage, prefill/decode mismatch,
//! DP imbalance, a throughput collapse, CUDA graphs off in decode).
//!
//! Thresholds are named constants here, each with the reason for its value.

use crate::finding::{Evidence, Finding, Severity};
use crate::patterns::{Rule, PATTERNS};
use crate::scan::{FileScan, Hit};
use crate::series::{mean, Bin, Kind, Sum};
// The high median (`x[n/2]` of the sorted values): always an observed value.
use srtlog_stats::percentile::{median_high as median, median_high_sorted};
use srtlog_workers::WorkerType;
use std::collections::BTreeMap;

/// A silence counts as a stall when it is this many times the worker's
/// median interval between batch lines…
const STALL_FACTOR: i64 = 20;
/// …and at least this long (s): SGLang logs a decode line every 40 steps, so
/// a minute without one under load is not a slow step.
const STALL_MIN_S: i64 = 60;
/// Queue growth: the last tenth of the window holds at least this many
/// queued requests…
const QUEUE_MIN: f64 = 20.0;
/// …and this many times the first half's mean.
const QUEUE_FACTOR: f64 = 4.0;
/// Token usage is pinned when at least this share of the busy seconds…
const PINNED_SHARE: f64 = 0.3;
/// …and at least this many seconds had it at ≥ 0.97.
const PINNED_MIN_S: usize = 30;
/// A DP imbalance: the median over 10-s windows of (max − min) / mean of the
/// ranks' running requests reaches this.
const DP_SPREAD: f64 = 0.5;
/// A throughput collapse: generation throughput below this share of the
/// steady median…
const COLLAPSE_SHARE: f64 = 0.2;
/// …for at least this many consecutive 10-s windows, with requests running.
const COLLAPSE_WINDOWS: usize = 3;
/// …when the steady state runs at least this many requests.
const COLLAPSE_MIN_RUNNING: f64 = 4.0;
/// CUDA graphs are off in decode when this share of decode lines says so…
const GRAPH_OFF_SHARE: f64 = 0.5;
/// …out of at least this many lines.
const GRAPH_MIN_LINES: u32 = 20;
/// Prefill/decode mismatch: one side's mean queue reaches this while the
/// other side's stays below [`PD_IDLE`].
const PD_BACKLOG: f64 = 20.0;
/// See [`PD_BACKLOG`].
const PD_IDLE: f64 = 1.0;

/// The run's start in each clock: SGLang prints dates, vLLM does not
/// (formats.md §2.1; its times are placed in [`crate::scan::VLLM_YEAR`]), so
/// a vLLM line's time is counted from the first vLLM line.
#[derive(Clone, Copy, Debug, Default)]
pub struct Starts {
    /// First time of the files with dates.
    pub dated: Option<i64>,
    /// First time of the vLLM files.
    pub vllm: Option<i64>,
}

impl Starts {
    /// The starts of `files`.
    pub fn of(files: &[FileScan]) -> Starts {
        let first = |vllm: bool| {
            files
                .iter()
                .filter(|f| crate::scan::is_vllm(f) == vllm)
                .filter_map(|f| f.first_us)
                .min()
        };
        Starts {
            dated: first(false),
            vllm: first(true),
        }
    }

    /// Seconds from the run's start to `t` (µs), in `f`'s clock.
    pub fn rel(&self, f: &FileScan, t: Option<i64>) -> Option<f64> {
        let s = if crate::scan::is_vllm(f) {
            self.vllm
        } else {
            self.dated
        };
        Some((t? - s?) as f64 / 1e6)
    }
}

fn hhmmss(sec: i64) -> String {
    srtlog_formats::Timestamp(sec * 1_000_000).hms()
}

/// One finding per pattern row, over every file.
pub fn pattern_findings(files: &[FileScan], start: &Starts) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, p) in PATTERNS.iter().enumerate() {
        if p.rule == Rule::ShutdownMarker {
            continue;
        }
        // (count, earliest hit and its file, files) per judgement.
        let mut main: Acc = Acc::default();
        let mut info: Acc = Acc::default();
        for f in files {
            let r = &f.rows[i];
            match p.rule {
                Rule::EndsServing if other_fatal(f, i) => {
                    info.add(f, r.count, &r.first, start);
                    info.add(f, r.count_shutdown, &r.first_shutdown, start);
                }
                Rule::EndsServing => {
                    main.add(f, r.count_after_serving, &r.first_after_serving, start);
                    info.add(f, r.count - r.count_after_serving, &r.first, start);
                    info.add(f, r.count_shutdown, &r.first_shutdown, start);
                }
                _ => {
                    main.add(f, r.count, &r.first, start);
                    info.add(f, r.count_shutdown, &r.first_shutdown, start);
                }
            }
        }
        if let Some(fd) = main.finding(p.id, p.severity, p.what, p.advice) {
            out.push(Finding {
                seen_in: Some(p.seen_in),
                ..fd
            });
        } else if let Some(fd) = info.finding(
            p.id,
            Severity::Info,
            match p.rule {
                Rule::EndsServing => "Python tracebacks that the server survived, printed while shutting down, or whose cause another finding names",
                _ => "printed while the server was shutting down",
            },
            p.advice,
        ) {
            let what = if p.rule == Rule::EndsServing {
                fd.what
            } else {
                format!("{} ({})", p.what, fd.what)
            };
            out.push(Finding {
                what,
                seen_in: Some(p.seen_in),
                ..fd
            });
        }
    }
    out
}

#[derive(Default)]
struct Acc {
    count: u64,
    files: u64,
    /// The earliest hit, its file and its time from the run's start.
    first: Option<(Hit, String, Option<f64>)>,
}

impl Acc {
    fn add(&mut self, f: &FileScan, n: u64, h: &Option<Hit>, start: &Starts) {
        if n == 0 {
            return;
        }
        self.count += n;
        self.files += 1;
        if let Some(h) = h {
            let at = start.rel(f, h.at_us);
            let earlier = match &self.first {
                None => true,
                Some((_, _, g)) => at.unwrap_or(f64::MAX) < g.unwrap_or(f64::MAX),
            };
            if earlier {
                self.first = Some((h.clone(), f.name.clone(), at));
            }
        }
    }

    fn finding(
        &self,
        kind: &'static str,
        severity: Severity,
        what: &str,
        advice: &'static str,
    ) -> Option<Finding> {
        let (h, file, at) = self.first.as_ref()?;
        let what = if self.files > 1 {
            format!("{what} (in {} worker logs)", self.files)
        } else {
            what.to_string()
        };
        Some(Finding {
            kind,
            severity,
            what,
            evidence: Evidence {
                file: file.clone(),
                line: h.line,
                text: h.text.clone(),
            },
            count: self.count,
            at_s: *at,
            advice,
            seen_in: None,
        })
    }
}

/// A finding of a derived check (a macro: the fields are many and
/// positional at every call site).
macro_rules! derived {
    ($kind:expr, $sev:expr, $what:expr, $f:expr, $line:expr, $text:expr, $count:expr, $at:expr, $start:expr, $advice:expr $(,)?) => {
        Finding {
            kind: $kind,
            severity: $sev,
            what: $what,
            evidence: Evidence {
                file: $f.name.clone(),
                line: $line,
                text: $text,
            },
            count: $count,
            at_s: $start.rel($f, $at),
            advice: $advice,
            seen_in: None,
        }
    };
}

/// Whether a file has a fatal hit of another row than `row` (a traceback's
/// specific cause, shown by that row).
fn other_fatal(f: &FileScan, row: usize) -> bool {
    PATTERNS.iter().zip(&f.rows).enumerate().any(|(i, (p, r))| {
        i != row && p.severity == Severity::Fatal && p.rule != Rule::EndsServing && r.count > 0
    })
}

/// Whether a file already has a fatal pattern finding (its root cause is
/// shown, so "never served" would repeat it).
fn has_fatal_hit(f: &FileScan) -> bool {
    PATTERNS.iter().zip(&f.rows).any(|(p, r)| {
        p.severity == Severity::Fatal
            && match p.rule {
                Rule::EndsServing => r.count_after_serving > 0,
                Rule::ShutdownMarker => false,
                _ => r.count > 0,
            }
    })
}

/// Workers that never served a batch (or printed a statistics line).
pub fn never_served(files: &[FileScan], start: &Starts) -> Vec<Finding> {
    let mut out = Vec::new();
    for f in files {
        if f.error.is_some() || f.series.total_lines() > 0 {
            continue;
        }
        let vllm_idle = crate::scan::is_vllm(f) && f.server_ready;
        let (line, text) = f.last_line.clone().unwrap_or((0, "(empty file)".into()));
        if vllm_idle {
            // vLLM V1 logs idle intervals at DEBUG (formats.md §2.2): a ready
            // server that printed none was idle or ran under 10 s.
            out.push(derived!(
                "no_statistics",
                Severity::Info,
                format!("the vLLM server started but printed no engine statistics ({} requests answered with 2xx)", f.access_ok),
                f, line, text, 1, f.last_us, start,
                "the server was idle or ran less than the 10-s logging interval; nothing to do if that was intended",
            ));
            continue;
        }
        // A file with no server start-up line at all (a client's console
        // log holding one copied server line) is not a worker that failed.
        let c = &f.config;
        let server = c.model_path.is_some()
            || c.version.is_some()
            || c.tp_size.is_some()
            || c.kv_cache_tokens.is_some()
            || f.server_ready;
        if has_fatal_hit(f) || !server {
            continue;
        }
        out.push(derived!(
            "never_served",
            Severity::Fatal,
            "the worker never served a batch (no batch or engine statistics line); its last line is the evidence".into(),
            f, line, text, 1, f.last_us, start,
            "the server did not finish starting: read the end of this log (an out-of-memory kill or a timeout leaves no error line; check dmesg and the job scheduler's log)",
        ));
    }
    out
}

/// Workers that stopped logging under load, mid-run or before the others.
pub fn stalls(files: &[FileScan], start: &Starts) -> Vec<Finding> {
    let mut out = Vec::new();
    let spans: Vec<Option<(i64, i64)>> = files.iter().map(|f| f.series.span()).collect();
    for (k, f) in files.iter().enumerate() {
        let bins = f.series.merged(&[Kind::Prefill, Kind::Decode, Kind::Stats]);
        if bins.len() < 3 {
            continue;
        }
        let secs: Vec<i64> = bins.keys().copied().collect();
        let mut gaps: Vec<i64> = secs.windows(2).map(|w| w[1] - w[0]).collect();
        gaps.sort_unstable();
        let usual = median_high_sorted(&gaps).unwrap_or(1).max(1);
        let threshold = (usual * STALL_FACTOR).max(STALL_MIN_S);
        let busy =
            |b: &Bin| mean(b.running).unwrap_or(0.0) > 0.0 || mean(b.queue).unwrap_or(0.0) > 0.0;
        let mut found: Option<(i64, i64, u64)> = None;
        let mut count = 0u64;
        for w in bins.iter().collect::<Vec<_>>().windows(2) {
            let ((s0, b0), (s1, b1)) = (w[0], w[1]);
            if s1 - s0 > threshold && busy(b0) {
                count += 1;
                if found.is_none() {
                    found = Some((*s0, *s1, b1.first_line));
                }
            }
        }
        if let Some((s0, s1, line)) = found {
            out.push(derived!(
                "worker_stalled",
                Severity::Fatal,
                format!("the worker stopped logging for {} s under load (its usual interval is {usual} s)", s1 - s0),
                f, line,
                format!("no batch line between {} and {}", hhmmss(s0), hhmmss(s1)),
                count, Some(s0 * 1_000_000), start,
                "a stall or hang: look for a collective or GPU error on any rank at that time; py-spy dump shows where a hung scheduler waits",
            ));
            continue;
        }
        // Stopped before the others, with requests still running.
        let (last, lb) = bins
            .iter()
            .next_back()
            .map(|(s, b)| (*s, *b))
            .unwrap_or_default();
        let others_last = spans
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != k)
            .filter_map(|(_, s)| s.map(|s| s.1))
            .max();
        if let Some(ol) = others_last {
            if ol - last > threshold && busy(&lb) {
                out.push(derived!(
                    "worker_stalled",
                    Severity::Fatal,
                    format!("the worker stopped logging under load while other workers went on for {} s (its usual interval is {usual} s)", ol - last),
                    f, f.last_serving_line,
                    format!("last batch line at {}; other workers logged until {}", hhmmss(last), hhmmss(ol)),
                    1, Some(last * 1_000_000), start,
                    "the worker hung or died: read its last lines and the other ranks' errors at that time; a death without an error line points at the node (dmesg, the job scheduler's log)",
                ));
            }
        }
    }
    out
}

/// Means of `value(bin)` over `n` equal slices of the worker's span.
fn slices(
    bins: &BTreeMap<i64, Bin>,
    n: usize,
    value: impl Fn(&Bin) -> Option<f64>,
) -> Vec<Option<f64>> {
    let (Some(first), Some(last)) = (bins.keys().next(), bins.keys().next_back()) else {
        return Vec::new();
    };
    let len = (last - first + 1) as f64;
    let mut acc = vec![(0.0, 0u32); n];
    for (s, b) in bins {
        let i = (((s - first) as f64 / len) * n as f64) as usize;
        if let Some(v) = value(b) {
            acc[i.min(n - 1)].0 += v;
            acc[i.min(n - 1)].1 += 1;
        }
    }
    acc.into_iter().map(mean).collect()
}

/// Queue growth, pinned token usage and CUDA graphs off, per worker.
pub fn worker_health(files: &[FileScan], start: &Starts) -> Vec<Finding> {
    let mut out = Vec::new();
    for f in files {
        let all = f.series.merged(&[Kind::Prefill, Kind::Decode, Kind::Stats]);
        if all.len() < 10 {
            continue;
        }
        // A queue that keeps growing to the end.
        let q = slices(&all, 10, |b| mean(b.queue));
        let qv: Vec<f64> = q.iter().map(|v| v.unwrap_or(0.0)).collect();
        let head = qv[..5].iter().sum::<f64>() / 5.0;
        let tail = qv[9];
        let rising = qv[5..].windows(2).all(|w| w[1] >= w[0] * 0.9);
        if tail >= QUEUE_MIN && tail >= QUEUE_FACTOR * head.max(1.0) && rising {
            let (s, b) = first_above(&all, |b| mean(b.queue).unwrap_or(0.0) >= tail / 2.0);
            out.push(derived!(
                "queue_growing",
                Severity::Degraded,
                format!("the request queue kept growing: mean {head:.0} in the first half, {tail:.0} at the end"),
                f, b, format!("queue passed {:.0} requests at {}", tail / 2.0, hhmmss(s)),
                1, Some(s * 1_000_000), start,
                "requests arrive faster than this worker serves them: lower the request rate or concurrency, or add workers; the measured latency includes queueing",
            ));
        }
        // Token usage pinned near 1.0.
        let busy: Vec<(&i64, &Bin)> = all.iter().filter(|(_, b)| b.usage.1 > 0).collect();
        let pinned: Vec<&(&i64, &Bin)> = busy
            .iter()
            .filter(|(_, b)| b.usage_hi * 2 >= b.usage.1)
            .collect();
        if pinned.len() >= PINNED_MIN_S && pinned.len() as f64 >= PINNED_SHARE * busy.len() as f64 {
            let (s, b) = pinned[0];
            out.push(derived!(
                "token_usage_pinned",
                Severity::Degraded,
                format!("KV token usage stayed at or above 0.97 for {} of {} busy seconds", pinned.len(), busy.len()),
                f, b.first_line, format!("token usage ≥ 0.97 from {}", hhmmss(**s)),
                pinned.len() as u64, Some(**s * 1_000_000), start,
                "the KV cache is the bottleneck: expect retractions and queueing; lower concurrency or give the KV cache more memory (or more GPUs)",
            ));
        }
        // CUDA graphs off in decode.
        let dec = f.series.merged(&[Kind::Decode]);
        let (n, off) = dec
            .values()
            .fold((0u32, 0u32), |a, b| (a.0 + b.graph.0, a.1 + b.graph.1));
        if n >= GRAPH_MIN_LINES && f64::from(off) >= GRAPH_OFF_SHARE * f64::from(n) {
            let (s, b) = first_above(&dec, |b| b.graph.1 > 0);
            out.push(derived!(
                "cuda_graph_disabled",
                Severity::Degraded,
                format!("decode ran without CUDA graphs on {off} of {n} decode lines"),
                f, b, "cuda graph: False".into(), u64::from(off), Some(s * 1_000_000), start,
                "decode batches larger than the captured sizes (or --disable-cuda-graph) run eagerly and slower: raise --cuda-graph-max-bs or lower --max-running-requests",
            ));
        }
        out.extend(collapse(f, start));
        out.extend(dp_imbalance(f, start));
    }
    out
}

/// The first bin for which `pred` holds: (second, first line).
fn first_above(bins: &BTreeMap<i64, Bin>, pred: impl Fn(&Bin) -> bool) -> (i64, u64) {
    bins.iter()
        .find(|(_, b)| pred(b))
        .map(|(s, b)| (*s, b.first_line))
        .unwrap_or_default()
}

/// Per 10-s window: the sum over ranks of each rank's mean of `value`.
fn windows(
    f: &FileScan,
    kinds: &[Kind],
    value: impl Fn(&Bin) -> (f64, u32),
) -> BTreeMap<i64, (f64, f64, u64)> {
    // window -> (Σ value means, Σ running means, first line)
    let mut out: BTreeMap<i64, (f64, f64, u64)> = BTreeMap::new();
    for (_, r) in f.series.ranks_of(kinds) {
        let mut per: BTreeMap<i64, (Sum, Sum, u64)> = BTreeMap::new();
        for (s, b) in &r.bins {
            let e = per
                .entry(s.div_euclid(10))
                .or_insert(((0.0, 0), (0.0, 0), b.first_line));
            let v = value(b);
            e.0 .0 += v.0;
            e.0 .1 += v.1;
            e.1 .0 += b.running.0;
            e.1 .1 += b.running.1;
            e.2 = e.2.min(b.first_line);
        }
        for (w, (v, run, line)) in per {
            let e = out.entry(w).or_insert((0.0, 0.0, line));
            e.0 += mean(v).unwrap_or(0.0);
            e.1 += mean(run).unwrap_or(0.0);
            e.2 = e.2.min(line);
        }
    }
    out
}

/// Generation throughput that collapses mid-run while requests still run.
fn collapse(f: &FileScan, start: &Starts) -> Option<Finding> {
    let w = windows(f, &[Kind::Decode, Kind::Stats], |b| b.gen);
    if w.len() < 10 {
        return None;
    }
    let keys: Vec<i64> = w.keys().copied().collect();
    let (lo, hi) = (keys.len() / 10, keys.len() - keys.len() / 10);
    let steady = median(keys[lo..hi].iter().map(|k| w[k].0).collect())?;
    let steady_run = median(keys[lo..hi].iter().map(|k| w[k].1).collect())?;
    // Below a few running requests, throughput follows the workload (a
    // phase of long prompts and one-token answers), not the server.
    if steady <= 0.0 || steady_run < COLLAPSE_MIN_RUNNING {
        return None;
    }
    let mut run = 0usize;
    for k in &keys[lo..hi] {
        let (g, r, _) = w[k];
        if g < COLLAPSE_SHARE * steady && r >= 0.5 * steady_run {
            run += 1;
            if run >= COLLAPSE_WINDOWS {
                let first = keys[lo..hi].iter().position(|x| x == k).unwrap_or(0) + 1 - run;
                let k0 = keys[lo + first];
                let (g0, _, line) = w[&k0];
                return Some(derived!(
                    "throughput_collapse",
                    Severity::Degraded,
                    format!("generation throughput collapsed to {g0:.0} tokens/s (steady {steady:.0}) with requests still running"),
                    f, line, format!("throughput below {:.0}% of steady from {}", COLLAPSE_SHARE * 100.0, hhmmss(k0 * 10)),
                    run as u64, Some(k0 * 10_000_000), start,
                    "something slowed every step: look at the same time for retractions, a slow rank, CPU contention or a network problem in KV transfer",
                ));
            }
        } else {
            run = 0;
        }
    }
    None
}

/// DP ranks whose load differs, per 10-s window.
fn dp_imbalance(f: &FileScan, start: &Starts) -> Option<Finding> {
    let ranks = f.series.ranks_of(&[Kind::Decode, Kind::Stats]);
    if ranks.len() < 2 || ranks.iter().any(|(r, _)| r.is_none()) {
        return None;
    }
    let mut per: BTreeMap<i64, Vec<(f64, u32)>> = BTreeMap::new();
    let n = ranks.len();
    for (i, (_, r)) in ranks.iter().enumerate() {
        for (s, b) in &r.bins {
            let e = per
                .entry(s.div_euclid(10))
                .or_insert_with(|| vec![(0.0, 0); n]);
            e[i].0 += b.running.0;
            e[i].1 += b.running.1;
        }
    }
    let mut spreads = Vec::new();
    let mut first: Option<(i64, f64)> = None;
    for (w, v) in &per {
        let m: Vec<f64> = v.iter().filter_map(|a| mean(*a)).collect();
        if m.len() < n {
            continue;
        }
        let avg = m.iter().sum::<f64>() / n as f64;
        if avg < 2.0 {
            continue;
        }
        let (mx, mn) = m
            .iter()
            .fold((f64::MIN, f64::MAX), |a, &x| (a.0.max(x), a.1.min(x)));
        let spread = (mx - mn) / avg;
        if spread >= DP_SPREAD && first.is_none() {
            first = Some((*w, spread));
        }
        spreads.push(spread);
    }
    let med = median(spreads.clone())?;
    if spreads.len() < 3 || med < DP_SPREAD {
        return None;
    }
    let means: Vec<String> = ranks
        .iter()
        .map(|(r, s)| {
            let m = mean(
                s.bins
                    .values()
                    .fold((0.0, 0), |a, b| (a.0 + b.running.0, a.1 + b.running.1)),
            )
            .unwrap_or(0.0);
            format!("DP{}: {m:.0}", r.unwrap_or(0))
        })
        .collect();
    let (w, _) = first.unwrap_or_default();
    let line = ranks
        .iter()
        .filter_map(|(_, s)| s.bins.range(w * 10..).next().map(|(_, b)| b.first_line))
        .min()
        .unwrap_or(0);
    Some(derived!(
        "dp_imbalance",
        Severity::Degraded,
        format!("DP ranks were out of balance: median spread of running requests {:.0}% of the mean", med * 100.0),
        f, line, format!("mean running requests per rank: {}", means.join(", ")),
        spreads.iter().filter(|s| **s >= DP_SPREAD).count() as u64, Some(w * 10_000_000), start,
        "requests are not spread evenly across DP ranks: check the router's load-balancing policy (round-robin vs. shortest queue) and prefix-cache affinity",
    ))
}

/// Prefill and decode rates that do not match in a disaggregated run.
pub fn pd_mismatch(files: &[FileScan], start: &Starts) -> Option<Finding> {
    let side = |t: WorkerType| -> Option<(f64, &FileScan, i64, u64)> {
        let mut qs = Vec::new();
        let mut best: Option<(f64, &FileScan, i64, u64)> = None;
        for f in files.iter().filter(|f| f.worker_type() == t) {
            let kinds = if t == WorkerType::Prefill {
                [Kind::Prefill]
            } else {
                [Kind::Decode]
            };
            let bins = f.series.merged(&kinds);
            let (s, n) = bins.values().fold((0.0, 0u32), |a, b| match mean(b.queue) {
                Some(q) => (a.0 + q, a.1 + 1),
                None => a,
            });
            if n == 0 {
                continue;
            }
            let m = s / f64::from(n);
            qs.push(m);
            let (sec, line) = first_above(&bins, |b| mean(b.queue).unwrap_or(0.0) >= PD_BACKLOG);
            if best.as_ref().is_none_or(|b| m > b.0) {
                best = Some((m, f, sec, line));
            }
        }
        let mean_q = qs.iter().sum::<f64>() / qs.len().max(1) as f64;
        best.map(|(_, f, s, l)| (mean_q, f, s, l))
    };
    let (p, d) = (side(WorkerType::Prefill)?, side(WorkerType::Decode)?);
    let (what, (q, f, s, l), advice) = if p.0 >= PD_BACKLOG && d.0 < PD_IDLE {
        (
            format!("prefill is backlogged (mean queue {:.0}) while decode waits (mean queue {:.1}): decode is starved", p.0, d.0),
            p,
            "add prefill workers (or lower the prompt length / request rate): the prefill:decode ratio is too low for this load",
        )
    } else if d.0 >= PD_BACKLOG && p.0 < PD_IDLE {
        (
            format!("decode is backlogged (mean queue {:.0}) while prefill keeps up (mean queue {:.1})", d.0, p.0),
            d,
            "add decode workers or raise decode's --max-running-requests: the prefill:decode ratio is too high for this load",
        )
    } else {
        return None;
    };
    Some(derived!(
        "pd_rate_mismatch",
        Severity::Degraded,
        what,
        f,
        l,
        format!(
            "mean queue {q:.0} requests; queue passed {PD_BACKLOG:.0} at {}",
            hhmmss(s)
        ),
        1,
        Some(s * 1_000_000),
        start,
        advice,
    ))
}
