//! The request-tracing area: how many request-related lines carry a
//! request or correlation id, which id fields are used, and whether ids
//! follow a request from one component to the next.

use super::logs::LogScan;
use super::{pct, Finding, Status};
use serde::Serialize;

/// Id measurements.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct TraceStats {
    /// Distinct ids.
    pub ids: usize,
    /// Components logging at least one id.
    pub components_with_ids: usize,
    /// Ids seen in two components or more.
    pub cross_component: usize,
    /// Ids seen in one component only.
    pub single_component: usize,
    /// Examples of single-component ids (when there are several components).
    pub single_examples: Vec<String>,
}

/// Counts ids per component.
pub fn stats(scan: &LogScan) -> TraceStats {
    let mut comps = std::collections::BTreeSet::new();
    let mut s = TraceStats {
        ids: scan.ids.len(),
        ..Default::default()
    };
    let mut singles = Vec::new();
    for (id, c) in &scan.ids {
        comps.extend(c.iter().cloned());
        if c.len() >= 2 {
            s.cross_component += 1;
        } else {
            s.single_component += 1;
            singles.push(id.clone());
        }
    }
    singles.sort();
    s.single_examples = singles.into_iter().take(3).collect();
    s.components_with_ids = comps.len();
    s
}

/// The area score and findings: the share of request-related lines with an
/// id; with several components logging ids, half of it is the share of ids
/// that cross components (an id that never leaves its component does not
/// trace a request through the system).
pub fn evaluate(scan: &LogScan, s: &TraceStats) -> (f64, Vec<Finding>) {
    let t = &scan.totals;
    let share = pct(t.with_request_id, t.request_related);
    let mut score = share;
    let fields: Vec<String> = t
        .id_fields
        .iter()
        .map(|(k, v)| format!("{k} ({v} lines)"))
        .collect();
    let mut out = vec![Finding {
        area: "request tracing".into(),
        check: "request-related lines with a request id".into(),
        status: Status::of(share),
        value: format!(
            "{share}% of {} request-related lines; id fields: {}",
            t.request_related,
            if fields.is_empty() {
                "none".to_string()
            } else {
                fields.join(", ")
            }
        ),
        evidence: scan
            .untraced_examples
            .iter()
            .map(|e| format!("{} (no id): {}", e.at(), e.text))
            .collect(),
    }];
    let components: std::collections::BTreeSet<&str> =
        scan.files.iter().map(|f| f.component.as_str()).collect();
    if components.len() >= 2 && s.ids > 0 {
        let cross = pct(s.cross_component as u64, s.ids as u64);
        score = share * (0.5 + 0.5 * cross / 100.0);
        out.push(Finding {
            area: "request tracing".into(),
            check: "ids followed across components".into(),
            status: Status::of(cross),
            value: format!(
                "{} ids; {} in two components or more, {} in only one ({} of {} components log ids)",
                s.ids,
                s.cross_component,
                s.single_component,
                s.components_with_ids,
                components.len()
            ),
            evidence: s.single_examples.iter().map(|i| format!("{i}: one component only")).collect(),
        });
    }
    ((score * 10.0).round() / 10.0, out)
}
