//! Prometheus text exposition format 0.0.4 and OpenMetrics text 1.0
//! (formats.md §2.4–2.5, §8.F).
//!
//! [`parse`] turns one exposition (the body of a `/metrics` response) into
//! [`Family`]s of [`Sample`]s that borrow from the input. Labels stay as the
//! raw text between the braces ([`Labels`]); values are unescaped only when
//! asked ([`LabelValue::unescape`]), so a scrape of thousands of series costs
//! one pass and a handful of allocations per family.
//!
//! Why our own parser: `prometheus-parse` silently drops every sample whose
//! name contains a colon, i.e. every `vllm:` and `sglang:` metric
//! (crates.md, "Prometheus text format"); no other Rust crate handles
//! OpenMetrics, escapes and quoted names together.
//!
//! What is accepted (Prometheus "Exposition formats" and the OpenMetrics 1.0
//! specification):
//! * `# HELP name text` (with `\\` and `\n` escapes), `# TYPE name type` for
//!   counter, gauge, histogram, gaugehistogram, summary, info, stateset,
//!   untyped/unknown, `# UNIT name unit`, `# EOF`, other comments ignored;
//! * `name{label="value",…} value [timestamp] [# {exemplar} value [ts]]`,
//!   with `\\`, `\"` and `\n` escapes in label values, `,` `=` `}` inside
//!   quotes, a trailing comma, and Prometheus 3 quoted UTF-8 names
//!   (`{"my.metric", "a.b"="x"}`);
//! * values `NaN`, `+Inf`, `-Inf` and scientific notation; timestamps as
//!   integer milliseconds (0.0.4) or float seconds (OpenMetrics), kept as
//!   written.
//!
//! A sample belongs to the family announced by the preceding HELP/TYPE line
//! when its name is the family name or the family name plus a suffix its type
//! allows (`_total`, `_bucket`, `_count`, `_sum`, `_created`, `_gcount`,
//! `_gsum`, `_info`), so both the OpenMetrics form (`TYPE foo counter` +
//! `foo_total`) and prometheus_client's 0.0.4 form (`TYPE foo_total counter`,
//! `_created` as its own gauge family, formats.md §2.4) work. Other samples
//! open an untyped family of their own.
//!
//! Malformed lines never stop the parse: each one is counted and described
//! by a [`Diagnostic`] with its 1-based line number, and the rest of the
//! exposition is kept.

mod lex;
#[cfg(test)]
mod tests;

pub use lex::{LabelIter, LabelValue, Labels};

use std::borrow::Cow;

/// Metric type of a family (`# TYPE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MetricType {
    /// Monotonic counter.
    Counter,
    /// Gauge.
    Gauge,
    /// Cumulative histogram (`_bucket{le}`, `_sum`, `_count`).
    Histogram,
    /// OpenMetrics gauge histogram (`_bucket`, `_gsum`, `_gcount`).
    GaugeHistogram,
    /// Summary (`{quantile}`, `_sum`, `_count`).
    Summary,
    /// OpenMetrics info (`_info`, value 1).
    Info,
    /// OpenMetrics state set.
    StateSet,
    /// `untyped` (0.0.4), `unknown` (OpenMetrics), or no TYPE line.
    Untyped,
}

impl MetricType {
    /// Reads a `# TYPE` keyword.
    pub fn from_keyword(s: &str) -> Option<Self> {
        Some(match s {
            "counter" => Self::Counter,
            "gauge" => Self::Gauge,
            "histogram" => Self::Histogram,
            "gaugehistogram" => Self::GaugeHistogram,
            "summary" => Self::Summary,
            "info" => Self::Info,
            "stateset" => Self::StateSet,
            "untyped" | "unknown" => Self::Untyped,
            _ => return None,
        })
    }

    /// The keyword, as written in a `# TYPE` line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Counter => "counter",
            Self::Gauge => "gauge",
            Self::Histogram => "histogram",
            Self::GaugeHistogram => "gaugehistogram",
            Self::Summary => "summary",
            Self::Info => "info",
            Self::StateSet => "stateset",
            Self::Untyped => "untyped",
        }
    }

    /// Sample-name suffixes a family of this type may use (besides none).
    fn suffixes(self) -> &'static [&'static str] {
        match self {
            Self::Counter => &["_total", "_created"],
            Self::Histogram => &["_bucket", "_count", "_sum", "_created"],
            Self::GaugeHistogram => &["_bucket", "_gcount", "_gsum"],
            Self::Summary => &["_count", "_sum", "_created"],
            Self::Info => &["_info"],
            Self::Gauge | Self::StateSet | Self::Untyped => &[],
        }
    }
}

/// One sample line.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample<'a> {
    /// The sample name as written (`foo_bucket`, `foo_total`, …).
    pub name: &'a str,
    /// Its labels.
    pub labels: Labels<'a>,
    /// Its value (`NaN`, `±Inf` allowed).
    pub value: f64,
    /// Its timestamp as written: milliseconds in 0.0.4, seconds in
    /// OpenMetrics.
    pub timestamp: Option<f64>,
    /// 1-based line number.
    pub line: u32,
}

impl<'a> Sample<'a> {
    /// What follows the family name in the sample name (`""`, `"_bucket"`,
    /// `"_total"`, …), or the whole name when it does not start with it.
    pub fn suffix(&self, family: &str) -> &'a str {
        self.name.strip_prefix(family).unwrap_or(self.name)
    }
}

/// A metric family: metadata and its samples, in exposition order.
#[derive(Clone, Debug, PartialEq)]
pub struct Family<'a> {
    /// The family name (as in TYPE/HELP, or the sample name if neither).
    pub name: &'a str,
    /// Its type.
    pub ty: MetricType,
    /// Raw HELP text (escapes not yet replaced: see [`Family::help`]).
    pub help_raw: Option<&'a str>,
    /// `# UNIT` (OpenMetrics).
    pub unit: Option<&'a str>,
    /// The samples.
    pub samples: Vec<Sample<'a>>,
}

impl<'a> Family<'a> {
    /// HELP text with `\\` and `\n` replaced.
    pub fn help(&self) -> Option<Cow<'a, str>> {
        self.help_raw.map(unescape)
    }

    /// Number of distinct series (label sets, ignoring `le`/`quantile` and
    /// the sample-name suffix): what a dashboard would call one line.
    pub fn series_count(&self) -> usize {
        let mut keys: Vec<String> = self
            .samples
            .iter()
            // A family's own `_created` samples repeat its label sets; a
            // family *named* `…_created` (prometheus_client 0.0.4) counts.
            .filter(|s| s.suffix(self.name) != "_created")
            .map(|s| s.labels.key_without(&["le", "quantile"]))
            .collect();
        keys.sort_unstable();
        keys.dedup();
        keys.len()
    }

    /// Whether `name` belongs to this family.
    ///
    /// A `:` of the family name may be written `_` in the sample name:
    /// prometheus_client 0.2x escapes colons in OpenMetrics sample names but
    /// not in HELP/TYPE (`# TYPE vllm:x histogram` + `vllm_x_bucket`).
    fn owns(&self, name: &str) -> bool {
        let (f, n) = (self.name.as_bytes(), name.as_bytes());
        if n.len() < f.len() {
            return false;
        }
        let head_ok = f
            .iter()
            .zip(n)
            .all(|(a, b)| a == b || (*a == b':' && *b == b'_'));
        if !head_ok {
            return false;
        }
        match &name[f.len()..] {
            "" => true,
            rest => self.ty.suffixes().contains(&rest),
        }
    }
}

/// What was wrong with a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DiagnosticKind {
    /// The line is not UTF-8.
    InvalidUtf8,
    /// No valid metric name at the start of a sample line.
    BadName,
    /// Labels not closed, unquoted value, bad escape or label name.
    BadLabels,
    /// Name and labels but no value.
    MissingValue,
    /// The value is not a number.
    BadValue,
    /// The timestamp is not a number.
    BadTimestamp,
    /// Text after the value and timestamp that is not an exemplar.
    TrailingText,
    /// `# TYPE` with an unknown type or no name.
    BadType,
    /// A second TYPE for a family that already has samples.
    DuplicateFamily,
    /// Content after `# EOF`.
    AfterEof,
}

impl DiagnosticKind {
    /// A short description.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidUtf8 => "not UTF-8",
            Self::BadName => "bad metric name",
            Self::BadLabels => "malformed labels",
            Self::MissingValue => "missing value",
            Self::BadValue => "value is not a number",
            Self::BadTimestamp => "timestamp is not a number",
            Self::TrailingText => "unexpected text after the value",
            Self::BadType => "bad TYPE line",
            Self::DuplicateFamily => "family declared twice",
            Self::AfterEof => "content after # EOF",
        }
    }
}

impl std::fmt::Display for DiagnosticKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One malformed line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// 1-based line number.
    pub line: u32,
    /// What was wrong.
    pub kind: DiagnosticKind,
}

/// At most this many diagnostics are kept (all are counted).
pub const MAX_DIAGNOSTICS: usize = 1000;

/// A parsed exposition.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Exposition<'a> {
    /// Families in exposition order.
    pub families: Vec<Family<'a>>,
    /// The first [`MAX_DIAGNOSTICS`] malformed lines.
    pub diagnostics: Vec<Diagnostic>,
    /// Malformed lines, all counted.
    pub malformed: u64,
    /// Lines read (including comments and blanks).
    pub lines: u64,
    /// `# EOF` was seen (OpenMetrics).
    pub eof: bool,
}

impl<'a> Exposition<'a> {
    /// Total samples.
    pub fn sample_count(&self) -> usize {
        self.families.iter().map(|f| f.samples.len()).sum()
    }

    /// The first family called `name`.
    pub fn family(&self, name: &str) -> Option<&Family<'a>> {
        self.families.iter().find(|f| f.name == name)
    }

    /// Every sample with its family, in order.
    pub fn samples(&self) -> impl Iterator<Item = (&Family<'a>, &Sample<'a>)> {
        self.families
            .iter()
            .flat_map(|f| f.samples.iter().map(move |s| (f, s)))
    }

    fn diag(&mut self, line: u32, kind: DiagnosticKind) {
        self.malformed += 1;
        if self.diagnostics.len() < MAX_DIAGNOSTICS {
            self.diagnostics.push(Diagnostic { line, kind });
        }
    }
}

/// Replaces `\\`, `\n` and `\"` escapes (HELP texts and label values).
/// Unknown escapes are kept as written, as Prometheus does.
pub fn unescape(s: &str) -> Cow<'_, str> {
    if !s.as_bytes().contains(&b'\\') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('n') => out.push('\n'),
            Some('\\') => out.push('\\'),
            Some('"') => out.push('"'),
            Some(o) => {
                out.push('\\');
                out.push(o);
            }
            None => out.push('\\'),
        }
    }
    Cow::Owned(out)
}

/// Parses one exposition. Never fails: malformed lines become diagnostics.
pub fn parse(input: &[u8]) -> Exposition<'_> {
    let mut exp = Exposition::default();
    // One UTF-8 check for the whole body (SIMD in std); per line only when
    // the body has invalid bytes, so one bad line costs only that line.
    match std::str::from_utf8(input) {
        Ok(text) => {
            for line in text.split('\n') {
                exp.lines += 1;
                let n = exp.lines as u32;
                feed(&mut exp, line, n);
            }
        }
        Err(_) => {
            for raw in input.split(|&b| b == b'\n') {
                exp.lines += 1;
                let n = exp.lines as u32;
                match std::str::from_utf8(raw) {
                    Ok(line) => feed(&mut exp, line, n),
                    Err(_) => exp.diag(n, DiagnosticKind::InvalidUtf8),
                }
            }
        }
    }
    // `split` yields an empty last piece after a final newline.
    if input.last() == Some(&b'\n') {
        exp.lines -= 1;
    }
    exp
}

fn feed<'a>(exp: &mut Exposition<'a>, line: &'a str, n: u32) {
    let line = line.strip_suffix('\r').unwrap_or(line);
    let b = line.as_bytes();
    if b.is_empty() {
        return;
    }
    if exp.eof {
        if !line.trim().is_empty() {
            exp.diag(n, DiagnosticKind::AfterEof);
        }
        return;
    }
    if b[0] == b'#' {
        comment(exp, line, n);
        return;
    }
    if b.iter().all(|c| *c == b' ' || *c == b'\t') {
        return;
    }
    match lex::sample(line, n) {
        Ok(s) => {
            let same = exp.families.last().is_some_and(|f| f.owns(s.name));
            if !same {
                exp.families.push(Family {
                    name: s.name,
                    ty: MetricType::Untyped,
                    help_raw: None,
                    unit: None,
                    samples: Vec::new(),
                });
            }
            if let Some(f) = exp.families.last_mut() {
                f.samples.push(s);
            }
        }
        Err(kind) => exp.diag(n, kind),
    }
}

/// `# HELP`, `# TYPE`, `# UNIT`, `# EOF` or a plain comment.
fn comment<'a>(exp: &mut Exposition<'a>, line: &'a str, n: u32) {
    let rest = &line[1..];
    let rest = rest.trim_start_matches([' ', '\t']);
    if rest.trim_end() == "EOF" {
        exp.eof = true;
        return;
    }
    let (kw, rest) = match rest.split_once([' ', '\t']) {
        Some(p) => p,
        None => return,
    };
    if !matches!(kw, "HELP" | "TYPE" | "UNIT") {
        return;
    }
    let rest = rest.trim_start_matches([' ', '\t']);
    let (name, text) = match lex::metadata_name(rest) {
        Some(p) => p,
        None => {
            if kw == "TYPE" {
                exp.diag(n, DiagnosticKind::BadType);
            }
            return;
        }
    };
    let text = text.strip_prefix([' ', '\t']).unwrap_or(text);
    let ty = if kw == "TYPE" {
        match MetricType::from_keyword(text.trim()) {
            Some(t) => Some(t),
            None => {
                exp.diag(n, DiagnosticKind::BadType);
                return;
            }
        }
    } else {
        None
    };
    // Metadata for the family being declared (HELP then TYPE, or the
    // reverse) updates it; otherwise it opens a new family.
    let open = exp
        .families
        .last()
        .is_some_and(|f| f.name == name && f.samples.is_empty());
    if !open {
        if ty.is_some() && exp.families.iter().any(|f| f.name == name) {
            exp.diag(n, DiagnosticKind::DuplicateFamily);
        }
        exp.families.push(Family {
            name,
            ty: MetricType::Untyped,
            help_raw: None,
            unit: None,
            samples: Vec::new(),
        });
    }
    if let Some(f) = exp.families.last_mut() {
        match kw {
            "TYPE" => f.ty = ty.unwrap_or(MetricType::Untyped),
            "HELP" => f.help_raw = Some(text),
            _ => f.unit = Some(text.trim()),
        }
    }
}
