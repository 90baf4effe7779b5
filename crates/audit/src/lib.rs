//! `srtlog audit`: the workflow's logging and metrics audit, done automatically
//! for any service's logs, a Prometheus snapshot and Grafana dashboards.
//!
//! One module per area, each measuring from the inputs and scoring 0–100:
//! * [`logs`]: reading the files; structured logging and log levels.
//! * [`trace`]: request tracing (ids on request-related lines, ids across
//!   components).
//! * [`errors`]: error tracking (errors and tracebacks grouped, leveled).
//! * [`metrics`]: the workflow's metric families, buckets, naming, cardinality.
//! * [`dashboards`]: Grafana JSON validity, missing metrics, quantile misuse.
//! * [`grade`]: the documented scoring rule → letter with +/−.
//! * [`recommend`]: the prioritised plan (effort, impact, evidence).
//! * [`render`]: the workflow's report layout as text.
//! * [`grafana`]: importable dashboards from the metrics present.
//!
//! [`run`] ties them together and returns an [`Audit`], serialisable as the
//! `--json` output.
#![warn(missing_docs)]

pub mod dashboards;
pub mod errors;
pub mod follow;
pub mod gate;
pub mod grade;
pub mod grafana;
pub mod logs;
pub mod metrics;
pub mod recommend;
pub mod render;
pub mod table;
pub mod trace;

use serde::Serialize;
use std::path::PathBuf;
use std::time::Duration;

/// Where the metrics come from.
#[derive(Clone, Debug)]
pub enum MetricsSource {
    /// A saved exposition.
    File(PathBuf),
    /// A live endpoint (`http://host:port/metrics`).
    Url(String),
}

impl MetricsSource {
    /// A URL when it starts with `http://`/`https://`, else a file.
    pub fn parse(s: &str) -> Self {
        if s.starts_with("http://") || s.starts_with("https://") {
            MetricsSource::Url(s.to_string())
        } else {
            MetricsSource::File(PathBuf::from(s))
        }
    }
}

/// What to audit.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Log files and folders.
    pub paths: Vec<PathBuf>,
    /// Prometheus snapshot or endpoint.
    pub metrics: Option<MetricsSource>,
    /// Grafana dashboards folder (or one file).
    pub dashboards: Option<PathBuf>,
    /// Timeout of a live scrape.
    pub timeout: Option<Duration>,
    /// Extra headers of a live scrape, `Name: value` each (a bearer token).
    pub headers: Vec<String>,
}

/// How an area or check stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Meets the standard.
    Good,
    /// Partly.
    Partial,
    /// Missing.
    Missing,
    /// Could not be checked (no input, endpoint down).
    NotChecked,
}

impl Status {
    /// From an area score.
    pub fn of(score: f64) -> Self {
        if score >= 90.0 {
            Status::Good
        } else if score >= 50.0 {
            Status::Partial
        } else {
            Status::Missing
        }
    }

    /// The workflow's legend mark.
    pub fn mark(self) -> &'static str {
        match self {
            Status::Good => "✅",
            Status::Partial => "⚠️",
            Status::Missing => "❌",
            Status::NotChecked => "❔",
        }
    }
}

/// One measured fact, with where it was seen.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Finding {
    /// Area (`structured logging`, `metrics`, …).
    pub area: String,
    /// The check.
    pub check: String,
    /// Result.
    pub status: Status,
    /// The figure, in words.
    pub value: String,
    /// Files with line numbers, metric names, panels.
    pub evidence: Vec<String>,
}

/// One row of the comparison table, and the area's score.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct AreaScore {
    /// Feature / area.
    pub area: String,
    /// Weight in the overall score.
    pub weight: f64,
    /// 0–100, or `None` when not checked.
    pub score: Option<f64>,
    /// What the inputs show.
    pub current: String,
    /// What the standard is.
    pub standard: String,
    /// Gap.
    pub gap: Status,
}

/// The whole audit (the `--json` document).
#[derive(Clone, Debug, Serialize)]
pub struct Audit {
    /// Letter grade with +/−.
    pub grade: String,
    /// Overall score 0–100.
    pub score: f64,
    /// The rule that produced the grade.
    pub rule: String,
    /// Per-area scores (the comparison table).
    pub areas: Vec<AreaScore>,
    /// What is good (one line each).
    pub good: Vec<String>,
    /// What is missing.
    pub missing: Vec<String>,
    /// Every check.
    pub findings: Vec<Finding>,
    /// The prioritised plan.
    pub recommendations: Vec<recommend::Recommendation>,
    /// What could not be checked, and why.
    pub unchecked: Vec<String>,
    /// Log measurements.
    pub logs: logs::LogScan,
    /// Request-tracing measurements.
    pub tracing: trace::TraceStats,
    /// Metrics measurements.
    pub metrics: Option<metrics::MetricsAudit>,
    /// Dashboard measurements.
    pub dashboards: Option<dashboards::DashboardsAudit>,
}

/// Percentage with one decimal.
pub fn pct(n: u64, d: u64) -> f64 {
    if d == 0 {
        0.0
    } else {
        (n as f64 * 1000.0 / d as f64).round() / 10.0
    }
}

/// Runs the audit.
///
/// Log files that cannot be read (dangling links, FIFOs, symbolic-link
/// loops, permission errors) are reported in [`logs::LogScan::skipped`] and
/// the rest are read; a metrics source that cannot be read is reported in
/// [`Audit::unchecked`].
pub fn run(opts: &Options) -> srtlog_io::Result<Audit> {
    let (files, walk_skipped) = logs::collect_files_reported(&opts.paths)?;
    let mut scan = logs::scan(&files);
    // The walker's warnings come first: they are about paths given or found
    // before any file was read.
    scan.skipped.splice(0..0, walk_skipped);
    let mut unchecked = Vec::new();
    let metrics = read_metrics(opts, &mut unchecked);
    let dashboards = match &opts.dashboards {
        None => {
            unchecked.push("dashboards: none given (--dashboards DIR)".to_string());
            None
        }
        Some(d) => {
            let names: Option<Vec<String>> = metrics
                .as_ref()
                .map(|m| m.names.iter().map(|(n, _)| n.clone()).collect());
            Some(dashboards::audit(d, names.as_deref())?)
        }
    };
    let tracing_stats = trace::stats(&scan);
    let mut findings = Vec::new();
    let mut areas = Vec::new();
    structured_logging(&scan, &mut findings, &mut areas);
    log_levels(&scan, &mut findings, &mut areas);
    request_tracing(&scan, &tracing_stats, &mut findings, &mut areas);
    error_tracking(&scan, &mut findings, &mut areas);
    if areas
        .iter()
        .any(|a| a.area == "error tracking" && a.score.is_none())
    {
        unchecked.push(format!("error tracking: {}", errors::NO_ERRORS));
    }
    findings.push(volume_finding(&scan));
    findings.extend(skipped_input_finding(&scan));
    metrics_area(metrics.as_ref(), &mut findings, &mut areas);
    dashboards_area(dashboards.as_ref(), &mut findings, &mut areas);

    let scores: Vec<(&str, Option<f64>)> =
        areas.iter().map(|a| (a.area.as_str(), a.score)).collect();
    let score = grade::overall(&scores);
    let good = areas
        .iter()
        .filter(|a| a.gap == Status::Good)
        .map(|a| format!("{}: {}", a.area, a.current))
        .collect();
    let missing = areas
        .iter()
        .filter(|a| matches!(a.gap, Status::Missing | Status::Partial))
        .map(|a| format!("{}: {} (should be: {})", a.area, a.current, a.standard))
        .collect();
    let recommendations = recommend::plan(&areas, &scan, metrics.as_ref(), dashboards.as_ref());
    Ok(Audit {
        grade: grade::letter(score),
        score,
        rule: grade::RULE.to_string(),
        areas,
        good,
        missing,
        findings,
        recommendations,
        unchecked,
        logs: scan,
        tracing: tracing_stats,
        metrics,
        dashboards,
    })
}

/// Reads and audits the metrics source, if any; what could not be read is
/// noted in `unchecked` and the audit goes on without it.
fn read_metrics(opts: &Options, unchecked: &mut Vec<String>) -> Option<metrics::MetricsAudit> {
    match &opts.metrics {
        None => {
            unchecked.push("metrics: no snapshot given (--metrics FILE|URL)".to_string());
            None
        }
        Some(MetricsSource::File(p)) => match read_metrics_file(p) {
            Ok(b) => Some(metrics::audit(&b, &p.display().to_string())),
            Err(e) => {
                tracing::warn!("{}: {e}; the metrics were not checked", p.display());
                unchecked.push(format!("metrics: {}: {e}", p.display()));
                None
            }
        },
        Some(MetricsSource::Url(u)) => {
            let got = srtlog_io::http::Target::parse(u)
                .and_then(|t| (opts.headers.iter()).try_fold(t, |t, h| t.with_header_line(h)))
                .and_then(|t| {
                    srtlog_io::http::fetch(&t, opts.timeout.unwrap_or(Duration::from_secs(5)))
                });
            match got {
                Ok(b) => Some(metrics::audit(&b, u)),
                Err(e) => {
                    tracing::warn!("{u}: {e}; the metrics were not checked");
                    unchecked.push(format!("metrics: {u} did not answer ({e}): families, buckets, naming and cardinality not checked"));
                    None
                }
            }
        }
    }
}

/// Reads a saved exposition. Only a regular file (or a link to one) is
/// opened: opening a FIFO would block until a writer appears, and a
/// device or folder is not a snapshot.
fn read_metrics_file(p: &std::path::Path) -> std::io::Result<Vec<u8>> {
    let meta = std::fs::metadata(p)?;
    if !meta.is_file() {
        let what = file_kind(&meta.file_type());
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("not a regular file ({what})"),
        ));
    }
    std::fs::read(p)
}

/// A file type in words, for the "not a regular file" message.
fn file_kind(t: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if t.is_dir() {
        "a folder"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_block_device() || t.is_char_device() {
        "a device"
    } else {
        "not a file"
    }
}

/// Structured logging: share of JSON/logfmt lines, and the standard fields
/// they carry.
fn structured_logging(
    scan: &logs::LogScan,
    findings: &mut Vec<Finding>,
    areas: &mut Vec<AreaScore>,
) {
    let t = &scan.totals;
    let structured = pct(t.structured(), t.lines);
    let field_cov = if t.structured() == 0 {
        0.0
    } else {
        let s = t.structured() as f64;
        // Only structured lines are counted here: a text prefix is not a field.
        let (ts, lv, lg, msg) = structured_fields(scan);
        (ts + lv + lg + msg) as f64 / (4.0 * s)
    };
    let s_score = structured * (0.7 + 0.3 * field_cov);
    findings.push(Finding {
        area: "structured logging".into(),
        check: "structured (JSON or logfmt) lines".into(),
        status: Status::of(structured),
        value: format!("{structured}% of {} lines ({} JSON, {} logfmt, {} text with a known prefix, {} free text)", t.lines, t.json, t.logfmt, t.text, t.print),
        evidence: scan.files.iter().map(|f| format!("{}: {}% structured", f.file, pct(f.counts.structured(), f.counts.lines))).collect(),
    });
    if t.structured() > 0 {
        let (ts, lv, lg, msg) = structured_fields(scan);
        let s = t.structured();
        findings.push(Finding {
            area: "structured logging".into(),
            check: "standard fields in structured lines".into(),
            status: Status::of(field_cov * 100.0),
            value: format!(
                "timestamp {}%, level {}%, logger {}%, message {}%",
                pct(ts, s),
                pct(lv, s),
                pct(lg, s),
                pct(msg, s)
            ),
            evidence: vec![],
        });
    }
    areas.push(AreaScore {
        area: "structured logging".into(),
        weight: grade::weight("structured logging"),
        score: Some(round1(s_score)),
        current: if structured >= 90.0 {
            format!("JSON/logfmt ({structured}%)")
        } else if structured > 0.0 {
            format!("mixed ({structured}% structured)")
        } else {
            "plain text".into()
        },
        standard: "JSON logs".into(),
        gap: Status::of(s_score),
    });
}

/// Log levels: lines with a level, and print-style lines.
fn log_levels(scan: &logs::LogScan, findings: &mut Vec<Finding>, areas: &mut Vec<AreaScore>) {
    let t = &scan.totals;
    let leveled = pct(t.with_level, t.lines);
    let levels: Vec<String> = t.levels.iter().map(|(k, v)| format!("{k} {v}")).collect();
    findings.push(Finding {
        area: "log levels".into(),
        check: "lines with a level".into(),
        status: Status::of(leveled),
        value: format!(
            "{leveled}% of lines; {}; {} lines with no level",
            if levels.is_empty() {
                "no levels".to_string()
            } else {
                levels.join(", ")
            },
            t.lines - t.with_level
        ),
        evidence: vec![],
    });
    findings.push(Finding {
        area: "log levels".into(),
        check: "print-style lines".into(),
        status: if t.print == 0 {
            Status::Good
        } else {
            Status::of(100.0 - pct(t.print, t.lines))
        },
        value: format!(
            "{} print-style lines ({}%), {} opening with an emoji or symbol",
            t.print,
            pct(t.print, t.lines),
            t.emoji
        ),
        evidence: scan
            .print_examples
            .iter()
            .map(|e| format!("{}: {}", e.at(), e.text))
            .collect(),
    });
    areas.push(AreaScore {
        area: "log levels".into(),
        weight: grade::weight("log levels"),
        score: Some(leveled),
        current: if t.print * 2 > t.lines {
            format!("print() ({}% of lines)", pct(t.print, t.lines))
        } else {
            format!("{leveled}% leveled")
        },
        standard: "logger.info() etc.".into(),
        gap: Status::of(leveled),
    });
}

/// Request tracing (scored in [`trace`]).
fn request_tracing(
    scan: &logs::LogScan,
    stats: &trace::TraceStats,
    findings: &mut Vec<Finding>,
    areas: &mut Vec<AreaScore>,
) {
    let t = &scan.totals;
    let (tr_score, tr_findings) = trace::evaluate(scan, stats);
    findings.extend(tr_findings);
    areas.push(AreaScore {
        area: "request tracing".into(),
        weight: grade::weight("request tracing"),
        score: Some(tr_score),
        current: if t.with_request_id == 0 {
            "none".into()
        } else {
            format!(
                "ids on {}% of request lines",
                pct(t.with_request_id, t.request_related)
            )
        },
        standard: "request ids".into(),
        gap: Status::of(tr_score),
    });
}

/// Error tracking (scored in [`errors`]).
fn error_tracking(scan: &logs::LogScan, findings: &mut Vec<Finding>, areas: &mut Vec<AreaScore>) {
    let (er_score, er_findings) = errors::evaluate(scan);
    findings.extend(er_findings);
    areas.push(AreaScore {
        area: "error tracking".into(),
        weight: grade::weight("error tracking"),
        score: er_score,
        current: match er_score {
            Some(_) => format!(
                "{} error groups, {} tracebacks",
                scan.errors.len(),
                scan.totals.tracebacks
            ),
            None => "no errors logged (not checked)".into(),
        },
        standard: "errors leveled and grouped".into(),
        gap: er_score.map_or(Status::NotChecked, Status::of),
    });
}

/// Volume (information only: no standard to meet).
fn volume_finding(scan: &logs::LogScan) -> Finding {
    let t = &scan.totals;
    Finding {
        area: "volume".into(),
        check: "log volume per component".into(),
        status: Status::Good,
        value: match scan.per_minute.values().max() {
            Some(busiest) => format!(
                "{} lines in {} files; busiest minute {busiest} lines",
                t.lines,
                scan.files.len()
            ),
            None => format!(
                "{} lines in {} files; no timestamps to measure lines per minute",
                t.lines,
                scan.files.len()
            ),
        },
        evidence: scan
            .files
            .iter()
            .map(|f| match f.lines_per_minute {
                Some(r) => format!(
                    "{} ({}): {} lines, {r}/min",
                    f.component, f.file, f.counts.lines
                ),
                None => format!("{} ({}): {} lines", f.component, f.file, f.counts.lines),
            })
            .chain(busiest_minutes(&scan.per_minute))
            .collect(),
    }
}

/// Files skipped and lines skipped, when there are any.
fn skipped_input_finding(scan: &logs::LogScan) -> Option<Finding> {
    let t = &scan.totals;
    if scan.skipped.is_empty() && t.long_lines_skipped + t.invalid_utf8 == 0 {
        return None;
    }
    let mut ev: Vec<String> = scan
        .skipped
        .iter()
        .map(|(f, why)| format!("{f}: {why}"))
        .collect();
    ev.extend(
        scan.files
            .iter()
            .filter(|f| f.counts.long_lines_skipped + f.counts.invalid_utf8 > 0)
            .map(|f| {
                format!(
                    "{}: {} lines over 1 MiB skipped, {} lines not UTF-8",
                    f.file, f.counts.long_lines_skipped, f.counts.invalid_utf8
                )
            }),
    );
    Some(Finding {
        area: "input".into(),
        check: "skipped input".into(),
        status: Status::Partial,
        value: format!(
            "{} files skipped, {} long lines skipped, {} lines not UTF-8",
            scan.skipped.len(),
            t.long_lines_skipped,
            t.invalid_utf8
        ),
        evidence: ev,
    })
}

/// The metrics area, or "not checked" without a snapshot.
fn metrics_area(
    m: Option<&metrics::MetricsAudit>,
    findings: &mut Vec<Finding>,
    areas: &mut Vec<AreaScore>,
) {
    const STANDARD: &str = "comprehensive (duration, queue, throughput, percentiles)";
    let Some(m) = m else {
        areas.push(not_checked("metrics", STANDARD));
        return;
    };
    findings.extend(metrics_findings(m));
    let sc = round1(m.score());
    areas.push(AreaScore {
        area: "metrics".into(),
        weight: grade::weight("metrics"),
        score: Some(sc),
        current: format!(
            "{}/{} recommended families, {} families",
            m.present(),
            m.recommended.len(),
            m.families
        ),
        standard: STANDARD.into(),
        gap: Status::of(sc),
    });
}

/// The dashboards area, or "not checked" without dashboards.
fn dashboards_area(
    d: Option<&dashboards::DashboardsAudit>,
    findings: &mut Vec<Finding>,
    areas: &mut Vec<AreaScore>,
) {
    const STANDARD: &str = "panels on existing metrics, correct quantiles";
    let Some(d) = d else {
        areas.push(not_checked("dashboards", STANDARD));
        return;
    };
    let sc = round1(d.score());
    findings.push(Finding {
        area: "dashboards".into(),
        check: "dashboard panels".into(),
        status: Status::of(sc),
        value: format!(
            "{} files ({} not valid JSON), {} panels with queries, {} problems",
            d.files,
            d.invalid.len(),
            d.panels,
            d.issues.len()
        ),
        evidence: d
            .invalid
            .iter()
            .map(|(f, e)| format!("{f}: not valid JSON: {e}"))
            .chain(
                d.issues
                    .iter()
                    .map(|i| format!("{} / {}: {} ({})", i.file, i.panel, i.problem, i.expr)),
            )
            .collect(),
    });
    areas.push(AreaScore {
        area: "dashboards".into(),
        weight: grade::weight("dashboards"),
        score: Some(sc),
        current: format!(
            "{} dashboards, {} problems",
            d.files,
            d.issues.len() + d.invalid.len()
        ),
        standard: STANDARD.into(),
        gap: Status::of(sc),
    });
}

/// The three busiest minutes, as `busiest minute …: N lines`.
fn busiest_minutes(per_minute: &std::collections::BTreeMap<String, u64>) -> Vec<String> {
    let mut v: Vec<(&String, &u64)> = per_minute.iter().collect();
    v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    v.into_iter()
        .take(3)
        .map(|(m, n)| format!("minute {m}: {n} lines"))
        .collect()
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn not_checked(area: &str, standard: &str) -> AreaScore {
    AreaScore {
        area: area.into(),
        weight: grade::weight(area),
        score: None,
        current: "not checked".into(),
        standard: standard.into(),
        gap: Status::NotChecked,
    }
}

/// Timestamp, level, logger and message counts over structured lines only.
fn structured_fields(scan: &logs::LogScan) -> (u64, u64, u64, u64) {
    // Text lines carry prefixes, not fields: count structured files' fields
    // only from the files' structured share (exact when a file is all one
    // kind, which is how services log).
    let mut out = (0, 0, 0, 0);
    for f in &scan.files {
        let c = &f.counts;
        let s = c.structured();
        if s == 0 {
            continue;
        }
        out.0 += c.with_timestamp.min(s);
        out.1 += c.with_level.min(s);
        out.2 += c.with_logger.min(s);
        out.3 += c.with_message_field.min(s);
    }
    out
}

fn metrics_findings(m: &metrics::MetricsAudit) -> Vec<Finding> {
    let mut out = Vec::new();
    for r in &m.recommended {
        out.push(Finding {
            area: "metrics".into(),
            check: r.name.to_string(),
            status: if r.found.is_empty() {
                Status::Missing
            } else {
                Status::Good
            },
            value: if r.found.is_empty() {
                "missing".into()
            } else {
                format!("{} families", r.found.len())
            },
            evidence: r
                .found
                .iter()
                .take(5)
                .map(|f| format!("{}: {f}", m.source))
                .collect(),
        });
    }
    out.push(Finding {
        area: "metrics".into(),
        check: "histogram buckets cover observed values".into(),
        status: if m.bucket_issues.is_empty() {
            Status::Good
        } else {
            Status::Partial
        },
        value: format!(
            "{} of {} histograms have bounds that do not cover their observations",
            m.bucket_issues.len(),
            m.histograms_checked
        ),
        evidence: m
            .bucket_issues
            .iter()
            .map(|b| format!("{}:{}: {}", m.source, b.line, metrics::describe(b)))
            .collect(),
    });
    let mut bad: Vec<&str> = m.naming_issues.iter().map(|n| n.family.as_str()).collect();
    bad.dedup();
    out.push(Finding {
        area: "metrics".into(),
        check: "naming conventions (promtool)".into(),
        status: if bad.is_empty() {
            Status::Good
        } else {
            Status::of(100.0 - pct(bad.len() as u64, m.families as u64))
        },
        value: format!(
            "{} of {} families break a rule ({} problems)",
            bad.len(),
            m.families,
            m.naming_issues.len()
        ),
        evidence: m
            .naming_issues
            .iter()
            .take(10)
            .map(|n| format!("{}: {}", n.family, n.rule))
            .collect(),
    });
    out.push(Finding {
        area: "metrics".into(),
        check: "label cardinality".into(),
        status: if m.cardinality_issues.is_empty() {
            Status::Good
        } else {
            Status::Partial
        },
        value: format!("{} families flagged", m.cardinality_issues.len()),
        evidence: m
            .cardinality_issues
            .iter()
            .map(|c| format!("{}: {} series, {}", c.family, c.series, c.reason))
            .collect(),
    });
    if m.malformed > 0 {
        out.push(Finding {
            area: "metrics".into(),
            check: "exposition parses".into(),
            status: Status::Partial,
            value: format!("{} malformed lines", m.malformed),
            evidence: vec![m.source.clone()],
        });
    }
    out
}
