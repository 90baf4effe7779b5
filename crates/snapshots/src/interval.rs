//! `--interval`: a folder of periodic scrapes (any names) as time series.
//!
//! Scrapes are ordered by the time in their name ([`super::naming::time_in_name`])
//! or else by the file's modification time. Between consecutive scrapes:
//! * counters become rates (`increase / Δt`, summed over label sets; a
//!   reset counts the after value, as Prometheus `increase()` does);
//! * histograms become the interval mean (`Δsum / Δcount`, not the
//!   cumulative mean: field-survey §4.2) and p50/p90/p99 estimated from the
//!   bucket deltas (linear inside a bucket, like `histogram_quantile`);
//! * gauges are the after value, summed over label sets (requests, tokens,
//!   throughputs) or averaged for fractions (`*usage*`, `*perc*`, `*rate*`,
//!   `*ratio*`, `*utilization*`), per field-survey §4.1; SGLang's copies
//!   of one scheduler's gauges on TP/PP ranks other than 0 are left out.

use super::delta::{bucket_quantile, Deltas};
use super::naming::time_in_name;
use super::snapshot::Snapshot;
use super::Problem;
use srtlog_formats::prom::MetricType;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One column of the interval table.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Column {
    /// `metric:stat`, e.g. `vllm:prompt_tokens_total:rate`,
    /// `vllm:e2e_request_latency_seconds:p90`, `vllm:num_requests_running`.
    pub name: String,
    /// Values per interval (NaN → null in JSON: no data).
    pub values: Vec<Option<f64>>,
}

/// The interval table.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct IntervalTable {
    /// Scrapes used, in time order.
    pub files: Vec<PathBuf>,
    /// End of each interval, seconds since the first scrape.
    pub t_s: Vec<f64>,
    /// Length of each interval in seconds.
    pub dt_s: Vec<f64>,
    /// Counter resets seen, per interval.
    pub resets: Vec<usize>,
    /// Columns, by name.
    pub columns: Vec<Column>,
    /// Files that could not be used.
    pub problems: Vec<Problem>,
}

fn is_fraction(name: &str) -> bool {
    ["usage", "perc", "rate", "ratio", "utilization"]
        .iter()
        .any(|k| name.contains(k))
}

/// Reads every file of `dir` as a periodic scrape.
pub fn interval_dir(dir: &Path) -> srtlog_io::Result<IntervalTable> {
    // Hidden files (temporaries of a running scrape) are not snapshots.
    let (paths, problems) = super::list_dir(dir, |p| {
        !p.file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'))
    })?;
    let mut timed: Vec<(i64, PathBuf)> = Vec::new();
    let mut table = IntervalTable {
        problems,
        ..IntervalTable::default()
    };
    for p in paths {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let t = time_in_name(&name).or_else(|| {
            let m = std::fs::metadata(&p).ok()?.modified().ok()?;
            let d = m.duration_since(std::time::UNIX_EPOCH).ok()?;
            Some(d.as_micros() as i64)
        });
        match t {
            Some(t) => timed.push((t, p)),
            None => table.problems.push(Problem {
                file: p,
                code: "no_time",
                detail: "no time in the name and no modification time".into(),
            }),
        }
    }
    timed.sort();
    let mut snaps: Vec<(i64, Snapshot)> = Vec::new();
    for (t, p) in timed {
        match Snapshot::load(&p) {
            Ok(s) if s.sample_count() > 0 => snaps.push((t, s)),
            Ok(_) => table.problems.push(Problem {
                file: p,
                code: "no_samples",
                detail: "no Prometheus sample".into(),
            }),
            Err(e) => table.problems.push(Problem {
                file: p,
                code: "unreadable",
                detail: e.to_string(),
            }),
        }
    }
    let t0 = snaps.first().map_or(0, |s| s.0);
    let mut rows: Vec<BTreeMap<String, f64>> = Vec::new();
    for w in snaps.windows(2) {
        let ((ta, a), (tb, b)) = (&w[0], &w[1]);
        let dt = (tb - ta) as f64 / 1e6;
        if dt <= 0.0 {
            table.problems.push(Problem {
                file: b.path.clone(),
                code: "same_time",
                detail: "taken at the same time as the previous scrape".into(),
            });
            continue;
        }
        let d = Deltas::between(a, b);
        rows.push(row(&d, dt));
        table.t_s.push((tb - t0) as f64 / 1e6);
        table.dt_s.push(dt);
        table.resets.push(d.resets().count());
    }
    table.files = snaps.into_iter().map(|(_, s)| s.path).collect();
    let mut names: Vec<&String> = rows.iter().flat_map(|r| r.keys()).collect();
    names.sort();
    names.dedup();
    table.columns = names
        .into_iter()
        .map(|n| Column {
            name: n.clone(),
            values: rows
                .iter()
                .map(|r| r.get(n).copied().filter(|v| v.is_finite()))
                .collect(),
        })
        .collect();
    Ok(table)
}

/// SGLang schedulers of one DP rank export the same gauges from every TP
/// and PP rank (formats.md §2.5): only rank 0 counts, or a sum would
/// multiply queue lengths by the TP size.
fn first_rank(labels: &str) -> bool {
    !["tp_rank=\"", "pp_rank=\""].iter().any(|k| {
        labels
            .find(k)
            .is_some_and(|i| !labels[i + k.len()..].starts_with("0\""))
    })
}

fn row(d: &Deltas, dt: f64) -> BTreeMap<String, f64> {
    let mut r = BTreeMap::new();
    let mut hist_bases: Vec<&str> = Vec::new();
    for s in &d.series {
        match s.ty {
            MetricType::Histogram => {
                if let Some(base) = s.name.strip_suffix("_sum") {
                    if !hist_bases.contains(&base) {
                        hist_bases.push(base);
                    }
                }
            }
            MetricType::Summary => {}
            _ => *r.entry(format!("{}:rate", s.name)).or_insert(0.0) += s.delta / dt,
        }
    }
    for base in hist_bases {
        let sum = d.total(&format!("{base}_sum")).unwrap_or(f64::NAN);
        let count = d.total(&format!("{base}_count")).unwrap_or(f64::NAN);
        r.insert(format!("{base}:count_rate"), count / dt);
        r.insert(
            format!("{base}:mean"),
            if count > 0.0 { sum / count } else { f64::NAN },
        );
        let b = d.buckets(base);
        for (q, k) in [(0.5, "p50"), (0.9, "p90"), (0.99, "p99")] {
            r.insert(format!("{base}:{k}"), bucket_quantile(&b, q));
        }
    }
    let mut gauges: BTreeMap<&str, (f64, usize)> = BTreeMap::new();
    for g in d.gauges.iter().filter(|g| first_rank(&g.labels)) {
        let e = gauges.entry(&g.name).or_insert((0.0, 0));
        e.0 += g.after;
        e.1 += 1;
    }
    for (n, (sum, k)) in gauges {
        let v = if is_fraction(n) { sum / k as f64 } else { sum };
        r.insert(n.to_string(), v);
    }
    r
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn ordered_by_file_time_without_a_time_in_the_name() {
        let dir = tempfile::tempdir().unwrap();
        let base = std::time::SystemTime::now() - std::time::Duration::from_secs(100);
        // Name order is the reverse of time order: `z` is the older scrape.
        for (name, v, at) in [("a.prom", 30.0, 20u64), ("z.prom", 10.0, 10)] {
            let p = dir.path().join(name);
            std::fs::write(&p, format!("# TYPE c_total counter\nc_total {v}\n")).unwrap();
            let f = std::fs::File::options().write(true).open(&p).unwrap();
            f.set_modified(base + std::time::Duration::from_secs(at))
                .unwrap();
        }
        let t = interval_dir(dir.path()).unwrap();
        assert_eq!(t.dt_s, [10.0]);
        assert!(t.files[0].ends_with("z.prom"));
        assert_eq!(t.columns[0].values, [Some(2.0)]);
    }

    #[test]
    fn tp_duplicates_are_not_summed() {
        assert!(first_rank(r#"model_name="m",tp_rank="0",pp_rank="0""#));
        assert!(!first_rank(r#"model_name="m",pp_rank="0",tp_rank="1""#));
        assert!(!first_rank(r#"pp_rank="10",tp_rank="0""#));
        assert!(first_rank(r#"engine="3""#));
    }

    #[test]
    fn rates_means_quantiles_gauges_resets() {
        let dir = tempfile::tempdir().unwrap();
        let w = |name: &str, c: f64, sum: f64, b1: f64, n: f64, g: f64| {
            let t = format!("# TYPE c_total counter\nc_total{{e=\"0\"}} {c}\nc_total{{e=\"1\"}} 1\n# TYPE h histogram\nh_bucket{{le=\"1\"}} {b1}\nh_bucket{{le=\"+Inf\"}} {n}\nh_sum {sum}\nh_count {n}\n# TYPE kv_usage gauge\nkv_usage{{e=\"0\"}} {g}\nkv_usage{{e=\"1\"}} 0\n# TYPE running gauge\nrunning{{e=\"0\"}} 2\nrunning{{e=\"1\"}} 3\n");
            std::fs::write(dir.path().join(name), t).unwrap();
        };
        w("s_20250101_000000.txt", 10.0, 0.0, 0.0, 0.0, 0.2);
        w("s_20250101_000002.txt", 30.0, 3.0, 1.0, 2.0, 0.4);
        w("s_20250101_000004.txt", 4.0, 3.0, 1.0, 2.0, 0.6);
        std::fs::write(dir.path().join("empty_20250101_000005.txt"), "").unwrap();
        let t = interval_dir(dir.path()).unwrap();
        assert_eq!(t.t_s, [2.0, 4.0]);
        assert_eq!(t.resets, [0, 1]);
        let col = |n: &str| {
            t.columns
                .iter()
                .find(|c| c.name == n)
                .unwrap()
                .values
                .clone()
        };
        assert_eq!(col("c_total:rate"), [Some(10.0), Some(2.0)]);
        assert_eq!(col("h:mean"), [Some(1.5), None]);
        assert_eq!(col("h:p50"), [Some(1.0), None]);
        assert_eq!(col("kv_usage"), [Some(0.2), Some(0.3)]);
        assert_eq!(col("running"), [Some(5.0), Some(5.0)]);
        assert_eq!(t.problems.len(), 1);
    }
}
