//! Values, deltas, intervals, tests and verdicts: the tables of a
//! comparison. The first run is the baseline; every other run is compared
//! with it.
//!
//! **Tests.**
//! * Per-request client metrics (latency percentiles, error rate): the
//!   percentile bootstrap interval of the difference (run − baseline) of
//!   the statistic, resampling requests (Efron & Tibshirani 1993, §8.3 and
//!   §13.3), [`CompareOptions::resamples`] replications from a fixed seed
//!   per metric (the output is reproducible); the p-value is the normal
//!   one of the estimate over its bootstrap standard error,
//!   `2·(1 − Φ(|Δ|/ŝe))` (Efron & Tibshirani §13.2), continuous, so that it
//!   can be adjusted for many tests.
//! * Series (worker metrics over the steady state; client throughputs per
//!   second): consecutive values are autocorrelated, so the test is made on
//!   up to [`crate::workers_side::BATCHES`] batch means per run (Schmeiser 1982):
//!   the Mann–Whitney U test (Mann & Whitney 1947, normal approximation with
//!   tie and continuity corrections) for the p-value, and the bootstrap
//!   interval of the difference of the batch means' means.
//! * **Multiple comparisons**: the p-values of one run against the
//!   baseline (all its rows, both tables) are one family, adjusted by Holm's
//!   step-down method (Holm 1979); a change is significant when its
//!   adjusted p-value is below [`CompareOptions::alpha`] (0.05), which keeps
//!   the chance of any false "better"/"worse" in the family at 5 %.
//! * Run-level figures (no per-request values) get their delta, marked
//!   "no per-request data, no significance".

use crate::client_side::{completions_per_s, failures, successful};
use crate::metrics::{ClientKind, Good, Latency, CLIENT_METRICS, WORKER_METRICS};
use crate::source::{ClientSide, Source};
use crate::workers_side::batches_for;
use crate::CompareOptions;
use serde::Serialize;
use srtlog_stats::bootstrap::{bootstrap_diff, mean, percentile};
use srtlog_stats::mann_whitney::{mann_whitney_u, normal_sf};
use srtlog_stats::mser::batch_means;
use srtlog_stats::multiple::holm;

/// The verdict on one metric of one run against the baseline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// A significant change in the good direction.
    Better,
    /// A significant change in the bad direction.
    Worse,
    /// A significant increase of a metric without a good direction.
    Higher,
    /// A significant decrease of a metric without a good direction.
    Lower,
    /// No significant change.
    NoSignificantChange,
    /// Run-level figures only.
    NoPerRequestData,
    /// Too few values for the test (a percentile needs at least 5 values
    /// beyond it in each run, and every test at least 10 requests or 5
    /// batch means).
    TooFewValues,
    /// A run lacks the metric.
    Missing,
}

impl Verdict {
    /// As printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Better => "better",
            Verdict::Worse => "worse",
            Verdict::Higher => "higher",
            Verdict::Lower => "lower",
            Verdict::NoSignificantChange => "no significant change",
            Verdict::NoPerRequestData => "no per-request data, no significance",
            Verdict::TooFewValues => "too few values to test",
            Verdict::Missing => "–",
        }
    }

    /// True for a significant change.
    pub fn significant(self) -> bool {
        matches!(
            self,
            Verdict::Better | Verdict::Worse | Verdict::Higher | Verdict::Lower
        )
    }
}

/// One run against the baseline, for one metric.
#[derive(Clone, Debug, Serialize)]
pub struct Delta {
    /// The run's label.
    pub run: String,
    /// Run − baseline.
    pub delta: Option<f64>,
    /// The delta as a percentage of the baseline.
    pub delta_pct: Option<f64>,
    /// Lower end of the confidence interval of the delta.
    pub ci_lo: Option<f64>,
    /// Upper end.
    pub ci_hi: Option<f64>,
    /// The test made.
    pub test: Option<&'static str>,
    /// Its p-value.
    pub p_value: Option<f64>,
    /// Holm-adjusted p-value.
    pub p_adjusted: Option<f64>,
    /// The verdict.
    pub verdict: Verdict,
}

/// One metric: its value per run and each run against the baseline.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    /// Metric id (`decode.decode_throughput`, `p99_ttft_ms`).
    pub id: String,
    /// Worker type, or `client`.
    pub group: String,
    /// Title.
    pub title: String,
    /// Unit.
    pub unit: String,
    /// Good direction.
    pub good: Good,
    /// Value per run, in run order.
    pub values: Vec<Option<f64>>,
    /// Every run after the first against the first.
    pub deltas: Vec<Delta>,
}

/// One table (one source kind).
#[derive(Clone, Debug, Serialize)]
pub struct Table {
    /// `workers` or `client`.
    pub kind: &'static str,
    /// Title.
    pub title: &'static str,
    /// Rows.
    pub rows: Vec<Row>,
}

/// What a metric of one run is tested on.
enum Sample {
    None,
    Batches(Vec<f64>),
    Requests(Vec<f64>, Option<f64>),
}

struct Obs {
    value: Option<f64>,
    sample: Sample,
}

const MISSING: Obs = Obs {
    value: None,
    sample: Sample::None,
};

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

fn worker_obs(src: &Source, id: &str) -> Obs {
    let Some(w) = &src.workers else {
        return MISSING;
    };
    match w.series.iter().find(|s| s.id == id) {
        Some(s) => Obs {
            value: finite(s.value),
            sample: Sample::Batches(s.batch_means.clone()),
        },
        None => MISSING,
    }
}

fn client_obs(src: &Source, i: usize) -> Obs {
    let m = &CLIENT_METRICS[i];
    match &src.client {
        None => MISSING,
        Some(ClientSide::RunLevel { figures, .. }) => Obs {
            value: figures.figures.get(m.id).copied().and_then(finite),
            sample: Sample::None,
        },
        Some(ClientSide::PerRequest { requests: c, .. }) => match m.kind {
            ClientKind::Percentile(lat, q) => {
                let col = match lat {
                    Latency::Ttft => &c.ttft_ms,
                    Latency::Tpot => &c.tpot_ms,
                    Latency::E2e => &c.e2e_ms,
                };
                let mut v = successful(c, col);
                let value = finite(percentile(q)(&mut v));
                Obs {
                    value,
                    sample: Sample::Requests(v, Some(q)),
                }
            }
            ClientKind::ErrorRate => {
                let v = failures(c);
                Obs {
                    value: finite(mean(&mut v.clone())),
                    sample: Sample::Requests(v, None),
                }
            }
            ClientKind::Throughput(tokens) => {
                let v = completions_per_s(c, tokens);
                Obs {
                    value: finite(mean(&mut v.clone())),
                    sample: Sample::Batches(batch_means(&v, batches_for(v.len()))),
                }
            }
        },
    }
}

/// The fewest requests per run for a bootstrap of the `q`-th percentile:
/// 10, and at least 5 beyond the percentile (p90: 50, p99: 500), since the
/// bootstrap of an extreme percentile of a small sample only reshuffles its
/// few largest values.
fn min_requests(q: Option<f64>) -> usize {
    let tail = q.map_or(1.0, |q| 1.0 - q / 100.0).max(1e-6);
    // The small epsilon keeps 5 / 0.1 (50.000000000000007) at 50.
    ((5.0 / tail - 1e-9).ceil() as usize).max(10)
}

/// FNV-1a of the metric id and run index: each test its own fixed seed.
fn seed_of(id: &str, run: usize) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.bytes().chain(run.to_le_bytes()) {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The delta and test of `b` against `a` (before adjustment).
fn test(a: &Obs, b: &Obs, id: &str, run: usize, run_label: &str, o: &CompareOptions) -> Delta {
    let mut d = Delta {
        run: run_label.to_string(),
        delta: None,
        delta_pct: None,
        ci_lo: None,
        ci_hi: None,
        test: None,
        p_value: None,
        p_adjusted: None,
        verdict: Verdict::Missing,
    };
    let (Some(va), Some(vb)) = (a.value, b.value) else {
        return d;
    };
    d.delta = Some(vb - va);
    d.delta_pct = (va != 0.0).then(|| 100.0 * (vb - va) / va.abs());
    d.verdict = match (&a.sample, &b.sample) {
        (Sample::None, _) | (_, Sample::None) => Verdict::NoPerRequestData,
        _ => Verdict::TooFewValues,
    };
    let seed = seed_of(id, run);
    match (&a.sample, &b.sample) {
        (Sample::Batches(x), Sample::Batches(y)) if x.len() >= 5 && y.len() >= 5 => {
            if let (Some(mw), Some(ci)) = (
                mann_whitney_u(x, y),
                bootstrap_diff(x, y, mean, o.resamples, o.confidence, seed),
            ) {
                d.ci_lo = Some(ci.lo);
                d.ci_hi = Some(ci.hi);
                d.p_value = Some(mw.p_value);
                d.test = Some("Mann-Whitney U on batch means");
            }
        }
        (Sample::Requests(x, q), Sample::Requests(y, _))
            if x.len().min(y.len()) >= min_requests(*q) =>
        {
            let r = match q {
                Some(q) => bootstrap_diff(x, y, percentile(*q), o.resamples, o.confidence, seed),
                None => bootstrap_diff(x, y, mean, o.resamples, o.confidence, seed),
            };
            if let Some(ci) = r {
                d.ci_lo = Some(ci.lo);
                d.ci_hi = Some(ci.hi);
                let p = if ci.se > 0.0 {
                    2.0 * normal_sf((ci.estimate / ci.se).abs())
                } else if ci.estimate == 0.0 {
                    1.0
                } else {
                    0.0
                };
                d.p_value = Some(p.min(1.0));
                d.test = Some("bootstrap on per-request values");
            }
        }
        _ => {}
    }
    d
}

fn verdict(d: &Delta, good: Good, alpha: f64) -> Verdict {
    let (Some(p), Some(delta)) = (d.p_adjusted, d.delta) else {
        return d.verdict;
    };
    if p >= alpha || delta == 0.0 {
        return Verdict::NoSignificantChange;
    }
    match (good, delta > 0.0) {
        (Good::Higher, true) | (Good::Lower, false) => Verdict::Better,
        (Good::Higher, false) | (Good::Lower, true) => Verdict::Worse,
        (Good::Neither, true) => Verdict::Higher,
        (Good::Neither, false) => Verdict::Lower,
    }
}

/// Row skeletons with each run's observation.
fn observe(sources: &[Source]) -> Vec<(Row, Vec<Obs>, &'static str)> {
    let mut out = Vec::new();
    for wt in ["prefill", "decode", "agg", "unknown"] {
        for m in WORKER_METRICS.iter() {
            let id = format!("{wt}.{}", m.id);
            let obs: Vec<Obs> = sources.iter().map(|s| worker_obs(s, &id)).collect();
            if obs.iter().all(|o| o.value.is_none()) {
                continue;
            }
            let row = Row {
                id,
                group: wt.to_string(),
                title: m.title.to_string(),
                unit: m.unit.to_string(),
                good: m.good,
                values: obs.iter().map(|o| o.value).collect(),
                deltas: Vec::new(),
            };
            out.push((row, obs, "workers"));
        }
    }
    for (i, m) in CLIENT_METRICS.iter().enumerate() {
        let obs: Vec<Obs> = sources.iter().map(|s| client_obs(s, i)).collect();
        if obs.iter().all(|o| o.value.is_none()) {
            continue;
        }
        let row = Row {
            id: m.id.to_string(),
            group: "client".into(),
            title: m.title.to_string(),
            unit: m.unit.to_string(),
            good: m.good,
            values: obs.iter().map(|o| o.value).collect(),
            deltas: Vec::new(),
        };
        out.push((row, obs, "client"));
    }
    out
}

/// The tables of a comparison of `sources` (the first is the baseline).
pub fn tables(sources: &[Source], o: &CompareOptions) -> Vec<Table> {
    let mut rows = observe(sources);
    for (run, src) in sources.iter().enumerate().skip(1) {
        let mut deltas: Vec<Delta> = rows
            .iter()
            .map(|(row, obs, _)| test(&obs[0], &obs[run], &row.id, run, &src.label, o))
            .collect();
        let p: Vec<f64> = deltas
            .iter()
            .map(|d| d.p_value.unwrap_or(f64::NAN))
            .collect();
        for (d, adj) in deltas.iter_mut().zip(holm(&p)) {
            d.p_adjusted = finite(adj);
        }
        for ((row, _, _), d) in rows.iter_mut().zip(deltas) {
            let v = verdict(&d, row.good, o.alpha);
            row.deltas.push(Delta { verdict: v, ..d });
        }
    }
    let mut workers = Table {
        kind: "workers",
        title: "Worker logs (steady state)",
        rows: Vec::new(),
    };
    let mut client = Table {
        kind: "client",
        title: "Client",
        rows: Vec::new(),
    };
    for (row, _, kind) in rows {
        if kind == "workers" {
            workers.rows.push(row);
        } else {
            client.rows.push(row);
        }
    }
    [workers, client]
        .into_iter()
        .filter(|t| !t.rows.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_need_five_values_beyond_them() {
        assert_eq!(min_requests(None), 10);
        assert_eq!(min_requests(Some(50.0)), 10);
        assert_eq!(min_requests(Some(90.0)), 50);
        assert_eq!(min_requests(Some(99.0)), 500);
    }
}
