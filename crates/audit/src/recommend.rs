//! The prioritised plan: one recommendation per area below the standard,
//! ordered by what it would add to the score (area weight × gap), each with
//! the workflow's effort and impact and the evidence that triggered it.

use super::dashboards::DashboardsAudit;
use super::logs::LogScan;
use super::metrics::MetricsAudit;
use super::{AreaScore, Status};
use serde::Serialize;

/// One step of the plan.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Recommendation {
    /// 1 = do first.
    pub priority: usize,
    /// Area it improves.
    pub area: String,
    /// What to do.
    pub title: String,
    /// How, in one sentence.
    pub detail: String,
    /// Effort (the workflow's estimates).
    pub effort: String,
    /// Impact.
    pub impact: String,
    /// Points the overall score would gain at most.
    pub gain: f64,
    /// Files and line numbers, metric names, panels.
    pub evidence: Vec<String>,
}

/// Builds the plan.
pub fn plan(
    areas: &[AreaScore],
    scan: &LogScan,
    m: Option<&MetricsAudit>,
    d: Option<&DashboardsAudit>,
) -> Vec<Recommendation> {
    let total_weight: f64 = areas
        .iter()
        .filter(|a| a.score.is_some())
        .map(|a| a.weight)
        .sum();
    let mut out = Vec::new();
    for a in areas {
        let Some(score) = a.score else { continue };
        if a.gap == Status::Good {
            continue;
        }
        let gain = if total_weight > 0.0 {
            a.weight * (100.0 - score) / total_weight
        } else {
            0.0
        };
        let (title, detail, effort, impact, evidence): (&str, String, &str, &str, Vec<String>) = match a.area.as_str() {
            "structured logging" => (
                "Structured logging",
                "Emit one JSON object per line with timestamp, level, logger, message and request_id.".into(),
                "2-3 hours",
                "High (enables log parsing, Loki/Grafana queries)",
                scan.files.iter().filter(|f| f.counts.structured() * 2 < f.counts.lines).map(|f| format!("{}: {} of {} lines unstructured", f.file, f.counts.lines - f.counts.structured(), f.counts.lines)).collect(),
            ),
            "log levels" => (
                "Replace print() with logger",
                format!("{} lines have no level ({} print-style, {} with emoji); use logger.info()/warning()/error().", scan.totals.lines - scan.totals.with_level, scan.totals.print, scan.totals.emoji),
                "2-3 hours",
                "High (enables proper log filtering, structured parsing)",
                {
                    let mut ev: Vec<String> = scan.files.iter().filter(|f| f.counts.print > 0).map(|f| format!("{}: {} print statements", f.file, f.counts.print)).collect();
                    ev.extend(scan.print_examples.iter().map(|e| format!("{}: {}", e.at(), e.text)));
                    ev
                },
            ),
            "request tracing" => (
                "Add request tracing",
                "Generate a request id at the entry point, pass it on (X-Request-ID header) and log it as request_id in every component.".into(),
                "1-2 hours",
                "High (enables request tracing in Grafana and `srtlog request`)",
                scan.untraced_examples.iter().map(|e| format!("{} (no id): {}", e.at(), e.text)).collect(),
            ),
            "error tracking" => (
                "Error tracking",
                "Log exceptions with logger.exception()/error(exc_info=True) so they are leveled and grouped; optionally send them to Sentry.".into(),
                "1 hour",
                "Medium (error grouping, trends, alerts)",
                scan.errors.iter().filter(|g| !g.leveled).take(5).map(|g| format!("{} x{} {}: {}", g.first.at(), g.count, g.kind, g.pattern)).collect(),
            ),
            "metrics" => (
                "Comprehensive metrics",
                "Add the missing families (request duration histogram in seconds, queue depth gauge, throughput counters with _total, TTFT/ITL/E2E histograms) and fix names and buckets.".into(),
                "3-4 hours",
                "High (enables performance monitoring)",
                m.map(|m| {
                    let mut ev: Vec<String> = m.recommended.iter().filter(|r| r.found.is_empty()).map(|r| format!("missing: {}", r.name)).collect();
                    ev.extend(m.naming_issues.iter().take(5).map(|n| format!("{}: {}", n.family, n.rule)));
                    ev.extend(m.bucket_issues.iter().map(super::metrics::describe));
                    ev
                })
                .unwrap_or_default(),
            ),
            "dashboards" => (
                "Grafana dashboards",
                "Fix panels on missing metrics and quantile queries; `srtlog audit --grafana-out DIR` writes dashboards from the metrics present.".into(),
                "2-3 hours",
                "Medium (shared view of the service)",
                d.map(|d| d.issues.iter().take(5).map(|i| format!("{} / {}: {}", i.file, i.panel, i.problem)).collect()).unwrap_or_default(),
            ),
            _ => continue,
        };
        out.push(Recommendation {
            priority: 0,
            area: a.area.clone(),
            title: title.to_string(),
            detail,
            effort: effort.to_string(),
            impact: impact.to_string(),
            gain: (gain * 10.0).round() / 10.0,
            evidence,
        });
    }
    out.sort_by(|a, b| b.gain.total_cmp(&a.gain));
    for (i, r) in out.iter_mut().enumerate() {
        r.priority = i + 1;
    }
    out
}
