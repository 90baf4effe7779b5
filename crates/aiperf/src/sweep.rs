//! Sweeps of several AIPerf runs: which runs are a sweep of one variable,
//! and the Pareto frontiers of throughput against latency and of
//! throughput per GPU against throughput per user.
//!
//! Grouping: runs whose configuration, with the load removed
//! ([`srtlog_formats::aiperf::load::config_key`]), is the same and whose
//! load is of the same kind (concurrency, or request rate) form one sweep
//! group when there are at least two of them with different loads; charts
//! join the runs of a group with a line, and draw every other run as a lone
//! point. Runs without a summary (no configuration to compare) are never
//! grouped.
//!
//! Frontier: the non-dominated points (maxima of a set of vectors, Kung,
//! Luccio & Preparata, J. ACM 22(4), 1975): a run is on the frontier when
//! no other run is at least as good on both axes and better on one. O(n²),
//! for the tens of runs of a sweep.

use crate::{Analysis, Dist, SweepRow};
use std::collections::BTreeMap;

/// `flags[i]`: point `i` is on the frontier. `better_x`/`better_y`: whether
/// a larger value is better on that axis. Points with a missing (NaN)
/// coordinate are never on it.
pub fn pareto(points: &[(f64, f64)], larger_x_better: bool, larger_y_better: bool) -> Vec<bool> {
    let key = |(x, y): (f64, f64)| {
        (
            if larger_x_better { x } else { -x },
            if larger_y_better { y } else { -y },
        )
    };
    points
        .iter()
        .map(|&p| {
            let (px, py) = key(p);
            if !px.is_finite() || !py.is_finite() {
                return false;
            }
            !points.iter().any(|&q| {
                let (qx, qy) = key(q);
                qx.is_finite() && qy.is_finite() && qx >= px && qy >= py && (qx > px || qy > py)
            })
        })
        .collect()
}

/// The latency plotted against throughput: request latency p50 (ms), else
/// TTFT p50.
pub fn latency_p50(a: &Analysis) -> Option<f64> {
    a.dist(Dist::RequestLatency)
        .or_else(|| a.dist(Dist::Ttft))
        .map(|s| s.p50)
}

/// The sweep table of `runs`, with groups and frontiers.
pub fn sweep_rows<'a>(runs: impl IntoIterator<Item = &'a Analysis>) -> Vec<SweepRow> {
    let runs: Vec<&Analysis> = runs.into_iter().collect();
    let mut rows: Vec<SweepRow> = runs.iter().map(|a| SweepRow::of(a)).collect();
    // Groups: same configuration key and same load kind.
    let mut by_key: BTreeMap<(String, bool), Vec<usize>> = BTreeMap::new();
    for (i, a) in runs.iter().enumerate() {
        let (Some(k), Some(_)) = (&a.config_key, a.concurrency.or(a.request_rate)) else {
            continue;
        };
        by_key
            .entry((k.clone(), a.concurrency.is_some()))
            .or_default()
            .push(i);
    }
    let mut g = 0;
    for members in by_key.values() {
        let mut loads: Vec<f64> = members
            .iter()
            .filter_map(|&i| runs[i].concurrency.or(runs[i].request_rate))
            .collect();
        loads.sort_by(f64::total_cmp);
        loads.dedup();
        if members.len() >= 2 && loads.len() >= 2 {
            for &i in members {
                rows[i].group = Some(g);
            }
            g += 1;
        }
    }
    let lt: Vec<(f64, f64)> = rows
        .iter()
        .map(|r| {
            (
                r.latency_p50_ms.unwrap_or(f64::NAN),
                r.output_token_throughput.unwrap_or(f64::NAN),
            )
        })
        .collect();
    for (r, on) in rows.iter_mut().zip(pareto(&lt, false, true)) {
        r.pareto_latency = on;
    }
    let pg: Vec<(f64, f64)> = rows
        .iter()
        .map(|r| {
            (
                r.tokens_per_s_per_user.unwrap_or(f64::NAN),
                r.output_tokens_per_gpu.unwrap_or(f64::NAN),
            )
        })
        .collect();
    for (r, on) in rows.iter_mut().zip(pareto(&pg, true, true)) {
        r.pareto_per_gpu = on;
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::pareto;

    #[test]
    fn frontier_of_latency_and_throughput() {
        // (latency, throughput): lower latency and higher throughput win.
        let p = [
            (10.0, 100.0),
            (20.0, 300.0),
            (15.0, 90.0),
            (30.0, 250.0),
            (f64::NAN, 999.0),
        ];
        assert_eq!(pareto(&p, false, true), [true, true, false, false, false]);
    }
}
