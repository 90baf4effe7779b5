//! `srtlog request`: following one request through every file given.
//!
//! Each line is classified ([`srtlog_formats::genericlog`]) for its request
//! id (JSON fields, SGLang `rid=`, `request_id=`, vLLM `Received request …`,
//! `X-Request-ID`); the lines about the wanted id (exact, prefix or glob
//! pattern) are merged in time order into one timeline with the time since
//! the first line and the gap since the previous one. Lines without a time
//! of their own (tracebacks, print lines) sort at the time of the line
//! before them in their file. [`list`] summarises every id, slowest first.

use crate::logs::{collect_files_reported, component_of, read_capped_line, skip_reason};
use serde::Serialize;
use srtlog_formats::genericlog::classify;
use srtlog_formats::line::normalize;
use srtlog_formats::Timestamp;
use std::collections::{BTreeSet, HashMap};
use std::io::BufReader;
use std::path::{Path, PathBuf};

/// Which ids to follow.
#[derive(Clone, Debug, PartialEq)]
pub enum Matcher {
    /// This id (also found as a word anywhere in a line).
    Exact(String),
    /// Ids starting with this.
    Prefix(String),
    /// A glob: `*` any run, `?` one character.
    Glob(String),
}

impl Matcher {
    /// Whether `id` is wanted.
    pub fn matches(&self, id: &str) -> bool {
        match self {
            Matcher::Exact(x) => id == x,
            Matcher::Prefix(p) => id.starts_with(p.as_str()),
            Matcher::Glob(g) => glob(g.as_bytes(), id.as_bytes()),
        }
    }
}

/// `*`/`?` glob match (iterative, linear backtracking).
pub fn glob(p: &[u8], s: &[u8]) -> bool {
    let (mut pi, mut si) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while si < s.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            mark = si;
            pi += 1;
        } else if let Some(st) = star {
            pi = st + 1;
            mark += 1;
            si = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

/// One line of the timeline.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Event {
    /// The line's own time (ISO-8601), if it has one.
    pub timestamp: Option<String>,
    /// Seconds since the first event with a time.
    pub since_start_s: Option<f64>,
    /// Seconds since the previous event with a time.
    pub gap_s: Option<f64>,
    /// File.
    pub file: String,
    /// 1-based line number.
    pub line: u64,
    /// Component (file stem).
    pub component: String,
    /// Level.
    pub level: Option<String>,
    /// The request id on the line.
    pub request_id: Option<String>,
    /// Message (the whole line for unstructured text).
    pub message: String,
    #[serde(skip)]
    key: (i64, usize, u64),
}

/// The timeline of the matched ids.
#[derive(Clone, Debug, Serialize, PartialEq, Default)]
pub struct Timeline {
    /// Ids matched.
    pub ids: Vec<String>,
    /// Components the lines came from.
    pub components: Vec<String>,
    /// Seconds from the first to the last timed event.
    pub duration_s: Option<f64>,
    /// Lines in time order.
    pub events: Vec<Event>,
    /// Files skipped, with the reason.
    pub skipped: Vec<(String, String)>,
}

/// Files skipped, with the reason.
pub use crate::logs::Skipped;

/// One id in [`list`].
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct IdSummary {
    /// Request id.
    pub id: String,
    /// First time seen.
    pub first: Option<String>,
    /// Last time seen.
    pub last: Option<String>,
    /// Seconds between them.
    pub duration_s: Option<f64>,
    /// Lines.
    pub lines: u64,
    /// Components.
    pub components: Vec<String>,
}

/// Calls `f(file index, path, component, line number, text)`
/// for every line of every readable file. A file that cannot be opened, or
/// fails midway (a truncated stream), is reported in `skipped` (its lines
/// before the failure are kept) and the others are read.
fn each_line(
    files: &[PathBuf],
    skipped: &mut Vec<(String, String)>,
    mut f: impl FnMut(usize, &Path, &str, u64, &str),
) -> srtlog_io::Result<()> {
    let mut skip = |path: &Path, why: String| {
        tracing::warn!("{}: skipped: {why}", path.display());
        skipped.push((path.display().to_string(), why));
    };
    for (fi, path) in files.iter().enumerate() {
        if let Some(why) = skip_reason(path) {
            skip(path, why);
            continue;
        }
        let comp = component_of(path);
        let r = match srtlog_io::open::open_decoded(path) {
            Ok((_, r)) => r,
            Err(e) => {
                skip(path, format!("unreadable: {e}"));
                continue;
            }
        };
        let mut r = BufReader::with_capacity(1 << 16, r);
        let (mut buf, mut scratch) = (Vec::new(), Vec::new());
        let mut no = 0u64;
        loop {
            buf.clear();
            let (n, too_long) = match read_capped_line(&mut r, &mut buf) {
                Ok(x) => x,
                Err(e) => {
                    skip(path, format!("read error after line {no}: {e}"));
                    break;
                }
            };
            if n == 0 {
                break;
            }
            no += 1;
            if too_long {
                continue;
            }
            let norm = normalize(&buf, &mut scratch);
            let text = String::from_utf8_lossy(norm);
            f(fi, path, &comp, no, &text);
        }
    }
    Ok(())
}

/// Longest message kept (JSON records without a message field are shown
/// whole, and AIPerf records run to kilobytes).
const MAX_MESSAGE: usize = 300;

fn short(s: &str) -> String {
    match s.char_indices().nth(MAX_MESSAGE) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

fn word_in(text: &str, id: &str) -> bool {
    let mut from = 0;
    while let Some(off) = text[from..].find(id) {
        let at = from + off;
        let before = text[..at].chars().next_back();
        let after = text[at + id.len()..].chars().next();
        let edge =
            |c: Option<char>| c.is_none_or(|c| !(c.is_alphanumeric() || c == '-' || c == '_'));
        if edge(before) && edge(after) {
            return true;
        }
        from = at + id.len();
    }
    false
}

/// Every line about the matched ids in `paths`, in time order.
pub fn follow(paths: &[PathBuf], m: &Matcher) -> srtlog_io::Result<Timeline> {
    let (files, walk_skipped) = collect_files_reported(paths)?;
    let mut tl = Timeline {
        skipped: walk_skipped,
        ..Timeline::default()
    };
    let mut carried: HashMap<usize, i64> = HashMap::new();
    let mut ids = BTreeSet::new();
    let mut comps = BTreeSet::new();
    let mut events = Vec::new();
    each_line(&files, &mut tl.skipped, |fi, path, comp, no, text| {
        let g = classify(text);
        if g.shape.is_none() {
            return;
        }
        if let Some(ts) = g.timestamp {
            carried.insert(fi, ts.0);
        }
        let id = g.request_id.as_ref().map(|(i, _)| i.as_str());
        let hit = match (id, m) {
            (Some(i), _) if m.matches(i) => true,
            (_, Matcher::Exact(x)) => word_in(text, x),
            _ => false,
        };
        if !hit {
            return;
        }
        let id = match (id, m) {
            (Some(i), _) if m.matches(i) => Some(i.to_string()),
            (_, Matcher::Exact(x)) => Some(x.clone()),
            _ => None,
        };
        if let Some(i) = &id {
            ids.insert(i.clone());
        }
        comps.insert(comp.to_string());
        events.push(Event {
            timestamp: g.timestamp.map(|t| t.to_string()),
            since_start_s: None,
            gap_s: None,
            file: path.display().to_string(),
            line: no,
            component: comp.to_string(),
            level: g.level.map(|l| l.as_str().to_string()),
            request_id: id,
            message: short(if g.message.is_empty() {
                text.trim()
            } else {
                &g.message
            }),
            key: (carried.get(&fi).copied().unwrap_or(i64::MIN), fi, no),
        });
    })?;
    events.sort_by_key(|e| e.key);
    let mut first: Option<i64> = None;
    let mut prev: Option<i64> = None;
    let mut last = None;
    for e in &mut events {
        let Some(t) = e.timestamp.as_ref().map(|_| e.key.0) else {
            continue;
        };
        let f = *first.get_or_insert(t);
        e.since_start_s = Some((t - f) as f64 / 1e6);
        e.gap_s = prev.map(|p| (t - p) as f64 / 1e6);
        prev = Some(t);
        last = Some(t);
    }
    tl.duration_s = first.zip(last).map(|(a, b)| (b - a) as f64 / 1e6);
    tl.ids = ids.into_iter().collect();
    tl.components = comps.into_iter().collect();
    tl.events = events;
    Ok(tl)
}

/// Every id in `paths` with its first/last time, lines and components,
/// slowest first (ids without a time last).
pub fn list(paths: &[PathBuf]) -> srtlog_io::Result<(Vec<IdSummary>, Skipped)> {
    let (files, mut skipped) = collect_files_reported(paths)?;
    struct Acc {
        first: Option<i64>,
        last: Option<i64>,
        lines: u64,
        comps: BTreeSet<String>,
    }
    let mut acc: HashMap<String, Acc> = HashMap::new();
    each_line(&files, &mut skipped, |_, _, comp, _, text| {
        let g = classify(text);
        let Some((id, _)) = g.request_id else { return };
        let a = acc.entry(id).or_insert(Acc {
            first: None,
            last: None,
            lines: 0,
            comps: BTreeSet::new(),
        });
        a.lines += 1;
        a.comps.insert(comp.to_string());
        if let Some(t) = g.timestamp {
            a.first = Some(a.first.map_or(t.0, |f| f.min(t.0)));
            a.last = Some(a.last.map_or(t.0, |l| l.max(t.0)));
        }
    })?;
    let mut out: Vec<IdSummary> = acc
        .into_iter()
        .map(|(id, a)| IdSummary {
            id,
            first: a.first.map(|t| Timestamp(t).to_string()),
            last: a.last.map(|t| Timestamp(t).to_string()),
            duration_s: a.first.zip(a.last).map(|(f, l)| (l - f) as f64 / 1e6),
            lines: a.lines,
            components: a.comps.into_iter().collect(),
        })
        .collect();
    out.sort_by(|a, b| {
        b.duration_s
            .unwrap_or(-1.0)
            .total_cmp(&a.duration_s.unwrap_or(-1.0))
            .then_with(|| a.id.cmp(&b.id))
    });
    Ok((out, skipped))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob(b"req-*-7", b"req-abc-7"));
        assert!(glob(b"r?q*", b"req"));
        assert!(!glob(b"req-*-7", b"req-abc-8"));
        assert!(Matcher::Prefix("cmpl-".into()).matches("cmpl-12"));
        assert!(word_in("done cmpl-1 ok", "cmpl-1"));
        assert!(!word_in("done cmpl-12 ok", "cmpl-1"));
    }

    #[test]
    fn timeline_across_files() {
        let d = tempfile::tempdir().expect("tmp");
        std::fs::write(
            d.path().join("gw.log"),
            "{\"timestamp\":\"2025-01-01T00:00:00Z\",\"level\":\"INFO\",\"message\":\"received\",\"request_id\":\"r1\"}\n\
             {\"timestamp\":\"2025-01-01T00:00:02Z\",\"level\":\"INFO\",\"message\":\"done\",\"request_id\":\"r1\"}\n\
             {\"timestamp\":\"2025-01-01T00:00:01Z\",\"level\":\"INFO\",\"message\":\"other\",\"request_id\":\"r2\"}\n",
        )
        .expect("write");
        std::fs::write(
            d.path().join("worker.log"),
            "[2025-01-01 00:00:01.500] Prefill rid=r1 tokens=3\nTraceback of r1\n",
        )
        .expect("write");
        let tl = follow(&[d.path().to_path_buf()], &Matcher::Exact("r1".into())).expect("follow");
        let msgs: Vec<&str> = tl.events.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            msgs,
            [
                "received",
                "Prefill rid=r1 tokens=3",
                "Traceback of r1",
                "done"
            ]
        );
        assert_eq!(tl.events[1].since_start_s, Some(1.5));
        assert_eq!(tl.events[3].gap_s, Some(0.5));
        assert_eq!(tl.events[2].gap_s, None);
        assert_eq!(tl.duration_s, Some(2.0));
        assert_eq!(tl.components, ["gw", "worker"]);
        let (ids, _) = list(&[d.path().to_path_buf()]).expect("list");
        assert_eq!(ids[0].id, "r1");
        assert_eq!((ids[0].lines, ids[0].duration_s), (3, Some(2.0)));
        assert_eq!(ids[1].id, "r2");
    }
}
