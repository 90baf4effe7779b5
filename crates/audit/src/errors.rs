//! The error-tracking area: errors (ERROR/CRITICAL lines, exception lines)
//! and tracebacks, grouped by type and message pattern and counted. An
//! error is *tracked* when it is logged at a level (a logging pipeline can
//! alert on it); a traceback printed raw to stderr is not.
//!
//! Logs without any error say nothing about how errors are tracked: the
//! area is then *not checked* (no score, left out of the grade), never
//! "done" (issue 17 item 20).

use super::logs::LogScan;
use super::{pct, Finding, Status};

/// Groups shown as evidence.
const SHOWN: usize = 8;

/// The area score and findings: the share of error groups logged at a
/// level; `None` (not checked) when the logs hold no error at all.
pub fn evaluate(scan: &LogScan) -> (Option<f64>, Vec<Finding>) {
    let groups = &scan.errors;
    let total: u64 = groups.iter().map(|g| g.count).sum();
    let leveled: u64 = groups.iter().filter(|g| g.leveled).map(|g| g.count).sum();
    if total == 0 && scan.totals.tracebacks == 0 {
        let f = Finding {
            area: "error tracking".into(),
            check: "errors grouped by type and message".into(),
            status: Status::NotChecked,
            value: NO_ERRORS.into(),
            evidence: Vec::new(),
        };
        return (None, vec![f]);
    }
    let score = pct(leveled, total);
    let f = Finding {
        area: "error tracking".into(),
        check: "errors grouped by type and message".into(),
        status: Status::of(score),
        value: format!(
            "{total} errors in {} groups, {} tracebacks; {score}% logged at a level",
            groups.len(),
            scan.totals.tracebacks,
        ),
        evidence: groups
            .iter()
            .take(SHOWN)
            .map(|g| {
                format!(
                    "{} x{} {}: {} ({})",
                    g.first.at(),
                    g.count,
                    g.kind,
                    g.pattern,
                    if g.leveled { "leveled" } else { "raw" }
                )
            })
            .collect(),
    };
    (Some(score), vec![f])
}

/// What the audit says when the logs hold no error.
pub const NO_ERRORS: &str =
    "no errors in these logs: how errors are tracked cannot be judged from them (not checked)";
