//! Sweeps: a folder whose sub-folders are runs of one job at different
//! concurrencies or request rates.
//!
//! The swept value of each run is read from its folder name, the last
//! resort of issue 15's order (the benchmark clients' own records come
//! first once their readers are plugged in): `concurrency64`,
//! `concurrency_64`, `conc-64`, `c64`, `rate8`, `request_rate_8`,
//! `qps2.5`, `rps4` (case ignored; the first match wins). Runs are points;
//! they are joined by lines only when every run has a value of the same
//! variable and the values differ (a sweep of one variable). The Pareto
//! frontier is the set of runs that no other run beats on both output
//! token throughput (higher) and median time per output token (lower;
//! median end-to-end latency when there is none).

use serde::Serialize;
use std::path::{Path, PathBuf};

/// The swept value of a run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SweepValue {
    /// `concurrency` or `request rate`.
    pub variable: &'static str,
    /// The value.
    pub value: f64,
    /// Where it was read (`folder name`).
    pub source: &'static str,
}

/// The swept value in a folder name.
pub fn value_from_name(name: &str) -> Option<SweepValue> {
    let lower = name.to_ascii_lowercase();
    const KEYS: [(&str, &str); 9] = [
        ("concurrency", "concurrency"),
        ("conc", "concurrency"),
        ("request_rate", "request rate"),
        ("request-rate", "request rate"),
        ("rate", "request rate"),
        ("qps", "request rate"),
        ("rps", "request rate"),
        ("cc", "concurrency"),
        ("c", "concurrency"),
    ];
    let bytes = lower.as_bytes();
    for (key, variable) in KEYS {
        let mut from = 0;
        while let Some(pos) = lower[from..].find(key) {
            let at = from + pos;
            from = at + 1;
            // Short keys only at a token start (`c64`, not `abc64`).
            if key.len() <= 2 && at > 0 && bytes[at - 1].is_ascii_alphanumeric() {
                continue;
            }
            let rest = lower[at + key.len()..].trim_start_matches(['_', '-', '=', ':']);
            let digits: String = rest
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            if let Ok(value) = digits.trim_end_matches('.').parse::<f64>() {
                return Some(SweepValue {
                    variable,
                    value,
                    source: "folder name",
                });
            }
        }
    }
    None
}

/// The runs of a sweep folder: its sub-folders that hold a `logs` folder or
/// a JSON-lines file, when there are two or more and the folder itself is
/// not a run (no `logs` folder); sorted by swept value, then name.
pub fn sweep_runs(dir: &Path) -> Option<Vec<PathBuf>> {
    if !dir.is_dir() || dir.join("logs").is_dir() {
        return None;
    }
    let mut runs: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir() && looks_like_run(p))
        .collect();
    if runs.len() < 2 {
        return None;
    }
    let key = |p: &PathBuf| {
        let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
        let v = name.as_deref().and_then(value_from_name).map(|v| v.value);
        (v.unwrap_or(f64::INFINITY), name)
    };
    runs.sort_by(|a, b| {
        let (ka, kb) = (key(a), key(b));
        ka.0.total_cmp(&kb.0).then(ka.1.cmp(&kb.1))
    });
    Some(runs)
}

fn looks_like_run(p: &Path) -> bool {
    if p.join("logs").is_dir() {
        return true;
    }
    let Ok(rd) = std::fs::read_dir(p) else {
        return false;
    };
    rd.flatten().any(|e| {
        let n = e.file_name().to_string_lossy().to_ascii_lowercase();
        n.ends_with(".jsonl") || n.ends_with(".out") || n.ends_with(".log") || e.path().is_dir()
    })
}

/// One run of a sweep.
#[derive(Clone, Debug, Serialize)]
pub struct SweepPoint {
    /// The run's label.
    pub run: String,
    /// Its swept value, when known.
    pub value: Option<SweepValue>,
    /// Output token throughput, tokens/s.
    pub throughput: Option<f64>,
    /// Median time per output token (else median E2E), ms.
    pub latency: Option<f64>,
    /// On the Pareto frontier.
    pub pareto: bool,
}

/// The sweep of a comparison.
#[derive(Clone, Debug, Serialize)]
pub struct Sweep {
    /// One point per run, in run order.
    pub points: Vec<SweepPoint>,
    /// The latency axis (`p50_tpot_ms` or `p50_e2e_ms`).
    pub latency_metric: &'static str,
    /// Every run has a value of one variable, all different: lines may
    /// join the points in value order.
    pub one_variable: bool,
}

/// Marks the Pareto frontier (throughput up, latency down) of `points`.
pub fn mark_pareto(points: &mut [SweepPoint]) {
    let pts: Vec<Option<(f64, f64)>> = points.iter().map(|p| p.throughput.zip(p.latency)).collect();
    for (i, p) in points.iter_mut().enumerate() {
        let Some((t, l)) = pts[i] else { continue };
        p.pareto = !pts.iter().enumerate().any(|(j, q)| {
            j != i && q.is_some_and(|(t2, l2)| t2 >= t && l2 <= l && (t2 > t || l2 < l))
        });
    }
}

/// Whether every point has a value of the same variable, all different.
pub fn one_variable(points: &[SweepPoint]) -> bool {
    let Some(Some(first)) = points.first().map(|p| p.value.as_ref()) else {
        return false;
    };
    let mut vals = Vec::new();
    for p in points {
        match &p.value {
            Some(v) if v.variable == first.variable => vals.push(v.value),
            _ => return false,
        }
    }
    vals.sort_by(f64::total_cmp);
    vals.windows(2).all(|w| w[0] != w[1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        let v = |s: &str| value_from_name(s).map(|v| (v.variable, v.value));
        assert_eq!(v("concurrency_64"), Some(("concurrency", 64.0)));
        assert_eq!(v("run-c16-tp8"), Some(("concurrency", 16.0)));
        assert_eq!(v("qps2.5"), Some(("request rate", 2.5)));
        assert_eq!(v("job_rate8"), Some(("request rate", 8.0)));
        assert_eq!(v("baseline"), None);
        assert_eq!(v("abc64"), None);
    }

    #[test]
    fn pareto_and_lines() {
        let p = |run: &str, c: Option<f64>, t: f64, l: f64| SweepPoint {
            run: run.into(),
            value: c.map(|value| SweepValue {
                variable: "concurrency",
                value,
                source: "folder name",
            }),
            throughput: Some(t),
            latency: Some(l),
            pareto: false,
        };
        let mut pts = vec![
            p("a", Some(1.0), 100.0, 10.0),
            p("b", Some(2.0), 180.0, 12.0),
            p("c", Some(4.0), 150.0, 20.0),
        ];
        mark_pareto(&mut pts);
        assert_eq!(
            pts.iter().map(|p| p.pareto).collect::<Vec<_>>(),
            [true, true, false]
        );
        assert!(one_variable(&pts));
        pts[2].value = None;
        assert!(!one_variable(&pts));
    }
}
