//! The worker side of a run: worker logs parsed once
//! ([`srtlog_workers::viz::build`], one line per worker type and side, one-
//! second buckets, no downsampling) and reduced to the steady state.
//!
//! **Steady state.** The run's reference series is its decode token
//! throughput (the generation throughput of every decode or aggregated
//! worker, summed per bucket; prefill tokens per second when the run has no
//! decode side), from its first to its last bucket with a value (empty
//! buckets count as 0). The warm-up is cut by MSER-5 (White 1997; White,
//! Cobb & Spratt 2000) and the drain by MSER-5 on the reversed remainder
//! ([`srtlog_stats::mser::steady_window`]). Every metric of the run is then
//! taken over that window, printed with it.
//!
//! **Figures.** The value of a metric is the mean of its per-bucket values
//! (the series of `srtlog viz`: extensive metrics summed over a worker
//! type's schedulers, intensive ones averaged) inside the window. For
//! tests, the window's values are cut into [`BATCHES`] batch means (fewer
//! for short windows, [`batches_for`]; Schmeiser 1982), nearly independent
//! where single buckets are not.

use crate::config::{config_facts, ConfigFacts};
use crate::error::Error;
use crate::metrics::{WorkerMetric, WORKER_METRICS};
use serde::Serialize;
use srtlog_stats::mser::{batch_means, steady_window};
use srtlog_workers::discover::discover;
use srtlog_workers::series::{GroupBy, SeriesOptions, SeriesSet};
use srtlog_workers::viz::{build, VizError, VizRequest};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::AtomicU64;

/// Batch means per metric for the tests (at most).
pub const BATCHES: usize = 20;
/// Shortest batch, in buckets: batches shorter than the series' memory
/// (queues and KV use follow the load with time constants of seconds to
/// tens of seconds) would not be independent.
pub const MIN_BATCH: usize = 15;

/// The number of batches for `n` values: [`BATCHES`], fewer for short
/// windows so that each batch spans [`MIN_BATCH`] values, at least 5.
pub fn batches_for(n: usize) -> usize {
    (n / MIN_BATCH).clamp(5, BATCHES)
}

/// The steady-state window of a run.
#[derive(Clone, Debug, Serialize)]
pub struct Window {
    /// Start, seconds since the run's first log line.
    pub start_s: f64,
    /// End (exclusive), seconds since the run's first log line.
    pub end_s: f64,
    /// Seconds with batch lines before the window (warm-up cut).
    pub warmup_s: f64,
    /// Seconds with batch lines after the window (drain cut).
    pub drain_s: f64,
    /// The series the window was found on.
    pub reference: String,
    /// The method.
    pub method: &'static str,
}

/// One metric of one worker type.
#[derive(Clone, Debug, Serialize)]
pub struct WorkerSeries {
    /// Metric id, `{worker_type}.{metric}` (`decode.decode_throughput`).
    pub id: String,
    /// Worker type.
    pub worker_type: String,
    /// The metric.
    #[serde(skip)]
    pub metric: &'static WorkerMetric,
    /// Bucket starts, seconds since the run's first log line.
    pub x: Vec<i64>,
    /// Values (gaps left out).
    pub y: Vec<f64>,
    /// Mean over the window.
    pub value: f64,
    /// Batch means over the window.
    pub batch_means: Vec<f64>,
}

/// What a run's worker logs give.
#[derive(Clone, Debug, Serialize)]
pub struct WorkerSide {
    /// Worker files read.
    pub files: Vec<String>,
    /// Wall clock of the run's first line, as printed.
    pub run_start: Option<String>,
    /// Bucket width, seconds.
    pub bucket_s: i64,
    /// The steady-state window.
    pub window: Window,
    /// Metrics per worker type.
    #[serde(skip)]
    pub series: Vec<WorkerSeries>,
    /// Configuration facts (server arguments, versions, parallelism, GPUs).
    pub config: ConfigFacts,
}

/// The worker side of a run directory; `None` when it holds no worker log
/// with batch or statistics lines.
pub fn worker_side(path: &Path, progress: &AtomicU64) -> Result<Option<WorkerSide>, Error> {
    let d = discover(&[path.to_path_buf()])?;
    if d.files.is_empty() {
        return Ok(None);
    }
    let mut req = VizRequest::new(vec![path.to_path_buf()]);
    req.series = SeriesOptions {
        group_by: GroupBy::All,
        max_points: 0,
        ..SeriesOptions::default()
    };
    let out = match build(&req, progress) {
        Ok(o) => o,
        Err(VizError::NoBatches { .. }) => return Ok(None),
        Err(VizError::Parse(e)) => return Err(e.into()),
        Err(e) => {
            return Err(Error::Reader {
                path: path.to_path_buf(),
                message: e.to_string(),
            })
        }
    };
    for w in &out.summary.workers {
        for warning in &w.warnings {
            tracing::warn!("{}: {warning}", w.file);
        }
    }
    let config = config_facts(&out.summary);
    let bucket_s = out.series.bucket_s.max(1);
    let mut series = collect(&out.series);
    let window = window_of(&series, bucket_s);
    for s in &mut series {
        let vals: Vec<f64> =
            s.x.iter()
                .zip(&s.y)
                .filter(|(x, _)| (**x as f64) >= window.start_s && (**x as f64) < window.end_s)
                .map(|(_, y)| *y)
                .collect();
        s.value = if vals.is_empty() {
            f64::NAN
        } else {
            vals.iter().sum::<f64>() / vals.len() as f64
        };
        s.batch_means = batch_means(&vals, batches_for(vals.len()));
    }
    Ok(Some(WorkerSide {
        files: out.summary.workers.iter().map(|w| w.file.clone()).collect(),
        run_start: out.series.run_start.clone(),
        bucket_s,
        window,
        series,
        config,
    }))
}

/// The catalogue's metrics, one series per worker type and side.
fn collect(set: &SeriesSet) -> Vec<WorkerSeries> {
    let mut out = Vec::new();
    for m in WORKER_METRICS.iter() {
        let Some(chart) = m
            .columns
            .iter()
            .find_map(|c| set.charts.iter().find(|ch| ch.metric.column == *c))
        else {
            continue;
        };
        for s in &chart.series {
            if s.side.as_str() != m.side {
                continue;
            }
            let (x, y): (Vec<i64>, Vec<f64>) =
                s.x.iter()
                    .zip(&s.y)
                    .filter_map(|(x, y)| y.map(|v| (*x, v)))
                    .unzip();
            if y.is_empty() {
                continue;
            }
            let wt = s.worker_type.as_str().to_string();
            out.push(WorkerSeries {
                id: format!("{wt}.{}", m.id),
                worker_type: wt,
                metric: m,
                x,
                y,
                value: f64::NAN,
                batch_means: Vec::new(),
            });
        }
    }
    out
}

/// MSER-5 on the reference series (see the module documentation).
fn window_of(series: &[WorkerSeries], bucket_s: i64) -> Window {
    let pick =
        |id: &str| -> Vec<&WorkerSeries> { series.iter().filter(|s| s.metric.id == id).collect() };
    let (refs, reference) = match pick("decode_throughput") {
        v if !v.is_empty() => (v, "decode token throughput (all decode-side workers)"),
        _ => (
            pick("prefill_throughput"),
            "prefill token throughput (all prefill-side workers)",
        ),
    };
    let mut sum: BTreeMap<i64, f64> = BTreeMap::new();
    for s in &refs {
        for (x, y) in s.x.iter().zip(&s.y) {
            *sum.entry(*x).or_default() += y;
        }
    }
    let (Some(&x0), Some(&x1)) = (sum.keys().next(), sum.keys().next_back()) else {
        return Window {
            start_s: 0.0,
            end_s: 0.0,
            warmup_s: 0.0,
            drain_s: 0.0,
            reference: reference.into(),
            method: METHOD,
        };
    };
    let n = ((x1 - x0) / bucket_s + 1) as usize;
    let mut dense = vec![0.0; n];
    for (x, y) in &sum {
        dense[((x - x0) / bucket_s) as usize] = *y;
    }
    let (a, b) = steady_window(&dense);
    let start = (x0 + a as i64 * bucket_s) as f64;
    let end = (x0 + b as i64 * bucket_s) as f64;
    Window {
        start_s: start,
        end_s: end,
        warmup_s: start - x0 as f64,
        drain_s: (x1 + bucket_s) as f64 - end,
        reference: reference.into(),
        method: METHOD,
    }
}

const METHOD: &str = "MSER-5 (White 1997; White, Cobb & Spratt 2000) for the warm-up, and on the reversed series for the drain";
