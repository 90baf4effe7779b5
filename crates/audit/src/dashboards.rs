//! The dashboards area: Grafana dashboard JSON files checked for validity,
//! panels querying metrics the snapshot does not have, and quantiles
//! computed wrongly (averaging quantiles; `histogram_quantile` without
//! `rate` or without `le` in its aggregation).

use serde::Serialize;
use std::path::Path;

/// One problem in a dashboard.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct PanelIssue {
    /// File.
    pub file: String,
    /// Panel title.
    pub panel: String,
    /// What is wrong.
    pub problem: String,
    /// The query.
    pub expr: String,
}

/// Results of the dashboards area.
#[derive(Clone, Debug, Serialize, PartialEq, Default)]
pub struct DashboardsAudit {
    /// Dashboard files read.
    pub files: usize,
    /// Files that are not valid JSON.
    pub invalid: Vec<(String, String)>,
    /// Panels with at least one query.
    pub panels: usize,
    /// Problems.
    pub issues: Vec<PanelIssue>,
}

impl DashboardsAudit {
    /// Area score: share of files and panels without problems.
    pub fn score(&self) -> f64 {
        let total = self.files + self.panels;
        if total == 0 {
            return 0.0;
        }
        let mut bad_panels: Vec<(&str, &str)> = self
            .issues
            .iter()
            .map(|i| (i.file.as_str(), i.panel.as_str()))
            .collect();
        bad_panels.sort_unstable();
        bad_panels.dedup();
        let bad = self.invalid.len() + bad_panels.len();
        100.0 * (1.0 - bad as f64 / total as f64).max(0.0)
    }
}

/// Reads every `*.json` under `dir`; `metrics`: family names of the
/// snapshot (when one was given) to find panels querying missing metrics.
pub fn audit(dir: &Path, metrics: Option<&[String]>) -> srtlog_io::Result<DashboardsAudit> {
    let mut a = DashboardsAudit::default();
    // The folder's own `*.json` (not its subfolders), through the shared
    // walker: FIFOs, dangling links and unreadable files are reported as
    // invalid dashboards, and the others are read.
    let opts = srtlog_io::WalkOptions {
        max_depth: Some(0),
        want_file: |p| p.extension().is_some_and(|x| x == "json"),
        ..srtlog_io::WalkOptions::default()
    };
    let walked = srtlog_io::walk(&[dir.to_path_buf()], &opts)?;
    for w in walked.warnings {
        tracing::warn!("{w}");
        a.files += 1;
        a.invalid.push((w.path.display().to_string(), w.message));
    }
    for p in walked.files.into_iter().map(|f| f.path) {
        let name = p.display().to_string();
        a.files += 1;
        let text = match std::fs::read(&p) {
            Ok(t) => t,
            Err(e) => {
                a.invalid.push((name, format!("unreadable: {e}")));
                continue;
            }
        };
        let v: serde_json::Value = match serde_json::from_slice(&text) {
            Ok(v) => v,
            Err(e) => {
                a.invalid.push((name, e.to_string()));
                continue;
            }
        };
        // Exported dashboards may wrap the model: `{"dashboard": {...}}`.
        let root = v.get("dashboard").unwrap_or(&v);
        let mut panels = Vec::new();
        collect_panels(root, &mut panels);
        for panel in panels {
            let title = panel
                .get("title")
                .and_then(|t| t.as_str())
                .unwrap_or("(untitled)")
                .to_string();
            let exprs: Vec<String> = panel
                .get("targets")
                .and_then(|t| t.as_array())
                .map(|ts| {
                    ts.iter()
                        .filter_map(|t| t.get("expr").and_then(|e| e.as_str()).map(String::from))
                        .collect()
                })
                .unwrap_or_default();
            if exprs.is_empty() {
                continue;
            }
            a.panels += 1;
            for expr in exprs {
                for problem in check_expr(&expr, metrics) {
                    a.issues.push(PanelIssue {
                        file: name.clone(),
                        panel: title.clone(),
                        problem,
                        expr: expr.clone(),
                    });
                }
            }
        }
    }
    Ok(a)
}

fn collect_panels<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a serde_json::Value>) {
    if let Some(ps) = v.get("panels").and_then(|p| p.as_array()) {
        for p in ps {
            out.push(p);
            collect_panels(p, out);
        }
    }
    if let Some(rows) = v.get("rows").and_then(|p| p.as_array()) {
        for r in rows {
            collect_panels(r, out);
        }
    }
}

/// PromQL function and keyword names (not metrics).
const WORDS: &[&str] = &[
    "sum",
    "avg",
    "min",
    "max",
    "count",
    "rate",
    "irate",
    "increase",
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "histogram_quantile",
    "quantile",
    "avg_over_time",
    "max_over_time",
    "min_over_time",
    "sum_over_time",
    "quantile_over_time",
    "topk",
    "bottomk",
    "delta",
    "deriv",
    "abs",
    "clamp_min",
    "clamp_max",
    "and",
    "or",
    "unless",
    "offset",
    "bool",
    "le",
    "vector",
    "scalar",
    "time",
    "label_replace",
    "round",
    "ceil",
    "floor",
    "absent",
    "stddev",
    "count_over_time",
    "last_over_time",
    "changes",
    "resets",
];

/// Metric names in a PromQL expression (identifiers that are not
/// functions, keywords, label names or strings).
pub fn metric_names(expr: &str) -> Vec<String> {
    let b = expr.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut in_braces = 0i32;
    let mut in_by = false;
    while i < b.len() {
        let c = b[i];
        if c == b'"' || c == b'\'' {
            i += 1;
            while i < b.len() && b[i] != c {
                i += 1;
            }
            i += 1;
            continue;
        }
        if c == b'{' {
            in_braces += 1;
        } else if c == b'}' {
            in_braces -= 1;
        } else if c == b')' {
            in_by = false;
        } else if c == b'[' {
            // `[5m]`: skip the range.
            while i < b.len() && b[i] != b']' {
                i += 1;
            }
        }
        if c.is_ascii_alphabetic() || c == b'_' || c == b':' {
            let s = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b':') {
                i += 1;
            }
            let w = &expr[s..i];
            let next = expr[i..].trim_start().as_bytes().first().copied();
            if [
                "by",
                "without",
                "ignoring",
                "on",
                "group_left",
                "group_right",
            ]
            .contains(&w)
            {
                in_by = true;
            } else if in_braces == 0
                && !in_by
                && next != Some(b'(')
                && !WORDS.contains(&w)
                && !w.starts_with('$')
            {
                out.push(w.to_string());
            }
            continue;
        }
        if c == b'$' {
            // Grafana variables: `$__rate_interval`, `$job`.
            i += 1;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            continue;
        }
        i += 1;
    }
    out.dedup();
    out
}

/// Whether the aggregations of a query keep the `le` label: a `by (…)`
/// list naming `le`, or a `without (…)` list not naming it.
fn keeps_le(e: &str) -> bool {
    for (kw, want) in [("by", true), ("without", false)] {
        let mut from = 0;
        while let Some(off) = e[from..].find(kw) {
            let at = from + off;
            from = at + kw.len();
            let before_ok = at == 0
                || !e.as_bytes()[at - 1].is_ascii_alphanumeric() && e.as_bytes()[at - 1] != b'_';
            let rest = e[from..].trim_start();
            if !before_ok || !rest.starts_with('(') {
                continue;
            }
            let list = rest[1..].split(')').next().unwrap_or("");
            let has = list.split(',').any(|l| l.trim() == "le");
            if has == want {
                return true;
            }
        }
    }
    false
}

/// The problems of one query.
pub fn check_expr(expr: &str, metrics: Option<&[String]>) -> Vec<String> {
    let mut out = Vec::new();
    let e: String = expr.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some(at) = e.find("histogram_quantile(") {
        let inner = &e[at..];
        if !["rate(", "irate(", "increase("]
            .iter()
            .any(|f| inner.contains(f))
        {
            out.push("histogram_quantile without rate(): quantile of lifetime counts, not of recent requests".into());
        }
        let aggregated = ["sum(", "sum by", "sum without"]
            .iter()
            .any(|f| inner.contains(f));
        if aggregated && !keeps_le(inner) {
            out.push(
                "histogram_quantile over an aggregation without `le`: buckets summed away".into(),
            );
        }
    }
    let averages = e.starts_with("avg(")
        || e.starts_with("avg by")
        || e.contains("avg_over_time(")
        || e.contains(" avg(");
    let quantile_input = e.contains("quantile=")
        || e.contains("histogram_quantile(")
        || e.contains("_p50")
        || e.contains("_p95")
        || e.contains("_p99");
    if averages && quantile_input {
        out.push("averages quantiles: the mean of p99s is not a p99 (use histogram_quantile over summed rates)".into());
    }
    if let Some(have) = metrics {
        for m in metric_names(expr) {
            let known = have.iter().any(|f| {
                m == *f
                    || ["_bucket", "_sum", "_count", "_total", "_created"]
                        .iter()
                        .any(|s| {
                            m.strip_suffix(s).is_some_and(|b| {
                                b == f || b.replace(':', "_") == f.replace(':', "_")
                            })
                        })
                    || m.replace(':', "_") == f.replace(':', "_")
            });
            if !known {
                out.push(format!("metric `{m}` is not in the snapshot"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_queries() {
        assert_eq!(
            metric_names("histogram_quantile(0.99, sum by (le) (rate(vllm:e2e_request_latency_seconds_bucket{model=\"x\"}[5m])))"),
            ["vllm:e2e_request_latency_seconds_bucket"]
        );
        assert_eq!(
            metric_names("avg(q_p99) / ignoring(x) b_total"),
            ["q_p99", "b_total"]
        );
    }

    #[test]
    fn quantile_mistakes() {
        let have = vec!["lat_seconds".to_string()];
        assert!(check_expr(
            "histogram_quantile(0.99, sum by (le) (rate(lat_seconds_bucket[5m])))",
            Some(&have)
        )
        .is_empty());
        let p = check_expr("histogram_quantile(0.99, lat_seconds_bucket)", Some(&have));
        assert_eq!(p.len(), 1);
        assert!(p[0].starts_with("histogram_quantile without rate()"));
        let p = check_expr(
            "histogram_quantile(0.9, sum(rate(lat_seconds_bucket[1m])))",
            None,
        );
        assert!(p[0].contains("without `le`"));
        let p = check_expr("avg(lat_seconds{quantile=\"0.99\"})", Some(&have));
        assert!(p[0].starts_with("averages quantiles"));
        assert_eq!(
            check_expr("rate(missing_total[1m])", Some(&have)),
            ["metric `missing_total` is not in the snapshot"]
        );
    }
}
