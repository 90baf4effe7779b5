//! The error-tracking area: errors (ERROR/CRITICAL lines, exception lines)
//! and tracebacks, grouped by type and message pattern and counted. An
//! error is *tracked* when it is logged at a level (a logging pipeline can
//! alert on it); a traceback printed raw to stderr is not.

use super::logs::LogScan;
use super::{pct, Finding, Status};

/// Groups shown as evidence.
const SHOWN: usize = 8;

/// The area score and findings: the share of error groups logged at a
/// level (100 when there are no errors).
pub fn evaluate(scan: &LogScan) -> (f64, Vec<Finding>) {
    let groups = &scan.errors;
    let total: u64 = groups.iter().map(|g| g.count).sum();
    let leveled: u64 = groups.iter().filter(|g| g.leveled).map(|g| g.count).sum();
    let score = if total == 0 {
        100.0
    } else {
        pct(leveled, total)
    };
    let f = Finding {
        area: "error tracking".into(),
        check: "errors grouped by type and message".into(),
        status: Status::of(score),
        value: format!(
            "{total} errors in {} groups, {} tracebacks; {}% logged at a level",
            groups.len(),
            scan.totals.tracebacks,
            if total == 0 {
                100.0
            } else {
                pct(leveled, total)
            }
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
    (score, vec![f])
}
