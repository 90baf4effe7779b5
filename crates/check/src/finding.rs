//! What `srtlog check` reports: findings with their severity, evidence,
//! count, time and advice, and the report that holds them.

use serde::Serialize;

/// How bad a finding is. Ordered from least to most severe, so sorting by
/// severity descending puts the worst first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; not a problem by itself.
    Info,
    /// The run finished but served worse than it should (a warning).
    Degraded,
    /// The run's numbers cannot be trusted (an error).
    Untrustworthy,
    /// The run, or a worker of it, failed (an error).
    Fatal,
}

impl Severity {
    /// The lowercase name (`fatal`, `degraded`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Degraded => "degraded",
            Severity::Untrustworthy => "untrustworthy",
            Severity::Fatal => "fatal",
        }
    }

    /// Whether a CI gate counts this as an error (fatal, untrustworthy) or a
    /// warning (degraded); info is neither.
    pub fn level(self) -> Option<Level> {
        match self {
            Severity::Fatal | Severity::Untrustworthy => Some(Level::Error),
            Severity::Degraded => Some(Level::Warn),
            Severity::Info => None,
        }
    }
}

/// The level at which `--fail-on` fails a job.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Degraded findings and worse.
    Warn,
    /// Fatal and untrustworthy findings.
    Error,
}

/// The first line that shows a finding.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evidence {
    /// The file.
    pub file: String,
    /// 1-based line number (0 when the finding has no single line, e.g. a
    /// derived check on a time window).
    pub line: u64,
    /// The line's text (trimmed, at most [`MAX_TEXT`] bytes), or a short
    /// description of the data behind a derived finding.
    pub text: String,
}

/// Longest evidence text kept.
pub const MAX_TEXT: usize = 300;

/// One thing found in a run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// Stable identifier of the kind (`cuda_oom`, `worker_stalled`, …).
    pub kind: &'static str,
    /// How bad it is.
    pub severity: Severity,
    /// What happened, in one sentence.
    pub what: String,
    /// The first evidence line.
    pub evidence: Evidence,
    /// How many times it happened (lines, workers or windows, as `what` says).
    pub count: u64,
    /// Seconds after the run's start of the first occurrence, when known.
    pub at_s: Option<f64>,
    /// What to do about it.
    pub advice: &'static str,
    /// Where the pattern was seen in a real log (pattern rows only).
    pub seen_in: Option<&'static str>,
}

/// Steady-state figures of a run, for the one-line verdict of a clean run.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Steady {
    /// Worker logs read.
    pub workers: usize,
    /// Seconds between the first and last batch (or statistics) line.
    pub serving_s: Option<f64>,
    /// Median over time of the summed decode generation throughput (tokens/s).
    pub gen_throughput: Option<f64>,
    /// Median over time of the running requests, summed over workers.
    pub running_req: Option<f64>,
    /// Median token usage (fraction) over decode lines.
    pub token_usage: Option<f64>,
}

/// Everything `srtlog check` found in a run.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Report {
    /// The run's name (its folder).
    pub run: String,
    /// Worker logs read.
    pub worker_files: Vec<String>,
    /// Client result files read (console summaries, result JSON).
    pub client_files: Vec<String>,
    /// Findings, most severe first.
    pub findings: Vec<Finding>,
    /// Steady-state figures.
    pub steady: Steady,
    /// Why nothing could be checked, when no worker log was found: what was
    /// looked for.
    pub nothing_checked: Option<String>,
}

impl Report {
    /// Sorts findings most severe first, then by time, then the lines that
    /// name a cause (pattern rows) before what follows from them (a worker
    /// that stopped logging), then by file and line.
    pub fn sort(&mut self) {
        self.findings.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(
                    a.at_s
                        .unwrap_or(f64::INFINITY)
                        .total_cmp(&b.at_s.unwrap_or(f64::INFINITY)),
                )
                .then(b.seen_in.is_some().cmp(&a.seen_in.is_some()))
                .then_with(|| a.evidence.file.cmp(&b.evidence.file))
                .then(a.evidence.line.cmp(&b.evidence.line))
        });
    }

    /// The most severe finding's severity.
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }

    /// Whether the report fails a job at `level` (`--fail-on`): any finding
    /// whose level is at least `level`.
    pub fn fails_at(&self, level: Level) -> bool {
        self.findings
            .iter()
            .any(|f| f.severity.level().is_some_and(|l| l >= level))
    }

    /// Counts of errors and warnings.
    pub fn counts(&self) -> (usize, usize) {
        let e = self
            .findings
            .iter()
            .filter(|f| f.severity.level() == Some(Level::Error))
            .count();
        let w = self
            .findings
            .iter()
            .filter(|f| f.severity.level() == Some(Level::Warn))
            .count();
        (e, w)
    }

    /// Findings of one kind.
    pub fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Finding> + 'a {
        self.findings.iter().filter(move |f| f.kind == kind)
    }
}

/// Trims a line for evidence: no line ending, at most [`MAX_TEXT`] bytes
/// (cut on a character boundary), invalid UTF-8 replaced.
pub fn evidence_text(line: &[u8]) -> String {
    let mut end = line.len();
    while end > 0 && matches!(line[end - 1], b'\n' | b'\r') {
        end -= 1;
    }
    let s = String::from_utf8_lossy(&line[..end]);
    let s = s.trim();
    if s.len() <= MAX_TEXT {
        return s.to_string();
    }
    let mut cut = MAX_TEXT;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}…", &s[..cut])
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn severity_levels() {
        assert!(Severity::Fatal > Severity::Untrustworthy);
        assert!(Severity::Untrustworthy > Severity::Degraded);
        assert_eq!(Severity::Degraded.level(), Some(Level::Warn));
        assert_eq!(Severity::Untrustworthy.level(), Some(Level::Error));
        assert_eq!(Severity::Info.level(), None);
    }

    #[test]
    fn evidence_is_trimmed() {
        assert_eq!(evidence_text(b"  abc \r\n"), "abc");
        let long = "é".repeat(400);
        let t = evidence_text(long.as_bytes());
        assert!(t.len() <= MAX_TEXT + 3);
        assert!(t.ends_with('…'));
    }
}
