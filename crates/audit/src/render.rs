//! The audit as text, in the workflow's layout: current state with the grade
//! and its rule, what is good, what is missing, the measured findings, the
//! standards comparison table (Feature | Current | Standard | Gap) and the
//! prioritised recommendations with effort, impact and evidence.

use super::{Audit, Status};
use std::fmt::Write;

/// Evidence lines printed per finding (`--json` has them all).
const EVIDENCE: usize = 5;

fn gap_word(s: Status) -> &'static str {
    match s {
        Status::Good => "✅ Done",
        Status::Partial => "⚠️ Partial",
        Status::Missing => "❌ TODO",
        Status::NotChecked => "❔ Not checked",
    }
}

/// Renders the report.
pub fn text(a: &Audit) -> String {
    let mut o = String::new();
    let t = &a.logs.totals;
    let _ = writeln!(o, "# Logging & Metrics Audit\n");
    let _ = writeln!(
        o,
        "Inputs: {} log files ({} lines){}; metrics: {}; dashboards: {}\n",
        a.logs.files.len(),
        t.lines,
        if a.logs.skipped.is_empty() {
            String::new()
        } else {
            format!(", {} skipped", a.logs.skipped.len())
        },
        a.metrics
            .as_ref()
            .map_or("not checked".to_string(), |m| format!(
                "{} ({} families)",
                m.source, m.families
            )),
        a.dashboards
            .as_ref()
            .map_or("not checked".to_string(), |d| format!("{} files", d.files)),
    );
    let _ = writeln!(
        o,
        "## Current State: {} (score {:.1}/100)\n",
        a.grade, a.score
    );
    let _ = writeln!(o, "Rule: {}\n", a.rule);
    let _ = writeln!(o, "### What's Good:");
    if a.good.is_empty() {
        let _ = writeln!(o, "(nothing meets the standard yet)");
    }
    for (i, g) in a.good.iter().enumerate() {
        let _ = writeln!(o, "{}. ✅ {g}", i + 1);
    }
    let _ = writeln!(o, "\n### What's Missing:");
    if a.missing.is_empty() {
        let _ = writeln!(o, "(nothing)");
    }
    for (i, m) in a.missing.iter().enumerate() {
        let _ = writeln!(o, "{}. ❌ {m}", i + 1);
    }
    let _ = writeln!(o, "\n## Findings\n");
    let mut area = "";
    for f in &a.findings {
        if f.area != area {
            area = &f.area;
            let _ = writeln!(o, "### {}", f.area);
        }
        let _ = writeln!(o, "- {} {}: {}", f.status.mark(), f.check, f.value);
        for e in f.evidence.iter().take(EVIDENCE) {
            let _ = writeln!(o, "    {e}");
        }
        if f.evidence.len() > EVIDENCE {
            let _ = writeln!(o, "    … {} more (--json)", f.evidence.len() - EVIDENCE);
        }
    }
    let _ = writeln!(o, "\n## Standards Comparison\n");
    let rows: Vec<[String; 5]> = a
        .areas
        .iter()
        .map(|r| {
            [
                r.area.clone(),
                r.current.clone(),
                r.standard.clone(),
                gap_word(r.gap).to_string(),
                r.score.map_or("-".to_string(), |s| format!("{s:.1}")),
            ]
        })
        .collect();
    let head = ["Feature", "Current", "Standard", "Gap", "Score"];
    let width: Vec<usize> = (0..5)
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([head[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| {
        let mut s = String::from("|");
        for (c, w) in cells.iter().zip(&width) {
            let pad = w.saturating_sub(c.chars().count());
            let _ = write!(s, " {c}{} |", " ".repeat(pad));
        }
        s
    };
    let _ = writeln!(o, "{}", line(&head.map(String::from)));
    let _ = writeln!(
        o,
        "|{}|",
        width
            .iter()
            .map(|w| "-".repeat(w + 2))
            .collect::<Vec<_>>()
            .join("|")
    );
    for r in &rows {
        let _ = writeln!(o, "{}", line(r));
    }
    let _ = writeln!(o, "\n## Recommendations\n");
    if a.recommendations.is_empty() {
        let _ = writeln!(o, "Nothing to do: every area checked meets the standard.");
    }
    for r in &a.recommendations {
        let _ = writeln!(o, "### Priority {}: {} ({})", r.priority, r.title, r.area);
        let _ = writeln!(o, "{}", r.detail);
        let _ = writeln!(
            o,
            "Effort: {}  Impact: {}  Gain: up to +{:.1} points",
            r.effort, r.impact, r.gain
        );
        if !r.evidence.is_empty() {
            let _ = writeln!(o, "Evidence:");
            for e in r.evidence.iter().take(EVIDENCE) {
                let _ = writeln!(o, "  - {e}");
            }
        }
        let _ = writeln!(o);
    }
    if !a.unchecked.is_empty() {
        let _ = writeln!(o, "## Not Checked\n");
        for u in &a.unchecked {
            let _ = writeln!(o, "- {u}");
        }
    }
    o
}
