//! Reading log files for the audit: one pass per file that classifies every
//! line ([`srtlog_formats::genericlog`]) and counts what the areas need
//! (structure, fields, levels, print-style lines, request ids, errors,
//! volume per minute).
//!
//! Bad input never stops the audit: binary files (NUL bytes in the first
//! 8 KiB), Prometheus expositions found in a log folder, lines longer than
//! [`MAX_LINE`] and bytes past [`MAX_FILE_BYTES`] are skipped and counted,
//! with a warning; invalid UTF-8 is read lossily and counted.

use serde::Serialize;
use srtlog_formats::genericlog::{classify, message_pattern, Level, Shape};
use srtlog_formats::line::normalize;
use srtlog_io::open::{open_decoded, read_decoded_head};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

/// Lines longer than this are skipped (counted): a megabyte line is a dump,
/// not a log record.
pub const MAX_LINE: usize = 1 << 20;
/// Decoded bytes read per file at most; the rest is skipped with a warning.
pub const MAX_FILE_BYTES: u64 = 4 << 30;
/// Examples kept per kind of evidence.
const EXAMPLES: usize = 3;

/// Line counts of one file or of all files.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Counts {
    /// Non-blank lines.
    pub lines: u64,
    /// JSON object lines.
    pub json: u64,
    /// logfmt lines.
    pub logfmt: u64,
    /// Lines with a known text prefix.
    pub text: u64,
    /// Free-text (print-style) lines.
    pub print: u64,
    /// Print-style lines opening with an emoji or symbol.
    pub emoji: u64,
    /// Lines with a timestamp.
    pub with_timestamp: u64,
    /// Lines with a level.
    pub with_level: u64,
    /// Lines with a logger name.
    pub with_logger: u64,
    /// Structured lines with an explicit message field.
    pub with_message_field: u64,
    /// Lines per level.
    pub levels: BTreeMap<String, u64>,
    /// Lines that mention a request.
    pub request_related: u64,
    /// Request-related lines carrying an id.
    pub with_request_id: u64,
    /// Lines per id field (`request_id`, `rid`, …).
    pub id_fields: BTreeMap<String, u64>,
    /// Lines at ERROR or CRITICAL.
    pub error_lines: u64,
    /// `Traceback (most recent call last)` lines.
    pub tracebacks: u64,
    /// Lines skipped for being longer than [`MAX_LINE`].
    pub long_lines_skipped: u64,
    /// Lines that were not valid UTF-8 (read lossily).
    pub invalid_utf8: u64,
}

impl Counts {
    /// JSON + logfmt lines.
    pub fn structured(&self) -> u64 {
        self.json + self.logfmt
    }

    fn add(&mut self, o: &Counts) {
        self.lines += o.lines;
        self.json += o.json;
        self.logfmt += o.logfmt;
        self.text += o.text;
        self.print += o.print;
        self.emoji += o.emoji;
        self.with_timestamp += o.with_timestamp;
        self.with_level += o.with_level;
        self.with_logger += o.with_logger;
        self.with_message_field += o.with_message_field;
        for (k, v) in &o.levels {
            *self.levels.entry(k.clone()).or_default() += v;
        }
        self.request_related += o.request_related;
        self.with_request_id += o.with_request_id;
        for (k, v) in &o.id_fields {
            *self.id_fields.entry(k.clone()).or_default() += v;
        }
        self.error_lines += o.error_lines;
        self.tracebacks += o.tracebacks;
        self.long_lines_skipped += o.long_lines_skipped;
        self.invalid_utf8 += o.invalid_utf8;
    }
}

/// A place in a file.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Example {
    /// File path as given.
    pub file: String,
    /// 1-based line number.
    pub line: u64,
    /// The line (cut at 160 characters).
    pub text: String,
}

impl Example {
    fn new(file: &str, line: u64, text: &str) -> Self {
        let text: String = text.chars().take(160).collect();
        Example {
            file: file.to_string(),
            line,
            text,
        }
    }

    /// `file:line`.
    pub fn at(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

/// One file's results.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct FileStats {
    /// Path as given.
    pub file: String,
    /// Component name (file stem).
    pub component: String,
    /// Counts.
    pub counts: Counts,
    /// First and last timestamp (ISO-8601).
    pub first: Option<String>,
    /// Last timestamp.
    pub last: Option<String>,
    /// Lines per minute of the file's time span (when it has one).
    pub lines_per_minute: Option<f64>,
}

/// A group of errors of one type and message pattern.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ErrorGroup {
    /// Exception type, or the level (`ERROR`, `CRITICAL`).
    pub kind: String,
    /// Message with numbers and ids replaced.
    pub pattern: String,
    /// Occurrences.
    pub count: u64,
    /// Whether any occurrence was logged at a level (not raw stderr).
    pub leveled: bool,
    /// First occurrence.
    pub first: Example,
}

/// Everything the log areas need.
#[derive(Clone, Debug, Default, Serialize)]
pub struct LogScan {
    /// Per file, in the order given.
    pub files: Vec<FileStats>,
    /// Sum over files.
    pub totals: Counts,
    /// Error groups, most frequent first.
    pub errors: Vec<ErrorGroup>,
    /// Lines per minute over all files (minute start, ISO-8601 → lines).
    pub per_minute: BTreeMap<String, u64>,
    /// Files skipped, with the reason.
    pub skipped: Vec<(String, String)>,
    /// Print-style line examples.
    pub print_examples: Vec<Example>,
    /// Request-related lines without an id, examples.
    pub untraced_examples: Vec<Example>,
    /// Request ids seen → components they appear in (not serialised: large).
    #[serde(skip)]
    pub ids: HashMap<String, BTreeSet<String>>,
}

/// Files under `paths`: files as given; folders walked for log-like names
/// (`.log`, `.out`, `.err`, `.txt`, `.jsonl`, `.ndjson`, optionally
/// `.gz`/`.zst`) by [`srtlog_io::walk`](mod@srtlog_io::walk): each file once, symbolic-link loops,
/// FIFOs and unreadable paths logged and skipped.
pub fn collect_files(paths: &[PathBuf]) -> srtlog_io::Result<Vec<PathBuf>> {
    Ok(collect_files_reported(paths)?.0)
}

/// [`collect_files`], with the paths skipped as `(path, why)`.
pub fn collect_files_reported(paths: &[PathBuf]) -> srtlog_io::Result<(Vec<PathBuf>, Skipped)> {
    let opts = srtlog_io::WalkOptions {
        want_file: is_log_name,
        ..srtlog_io::WalkOptions::default()
    };
    let w = srtlog_io::walk(paths, &opts)?;
    let skipped = w
        .warnings
        .iter()
        .map(|w| {
            tracing::warn!("{w}");
            (w.path.display().to_string(), w.message.clone())
        })
        .collect();
    Ok((w.files.into_iter().map(|f| f.path).collect(), skipped))
}

/// Paths skipped, with why: `(path, reason)`.
pub type Skipped = Vec<(String, String)>;

fn is_log_name(p: &Path) -> bool {
    let name = p
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let name = name
        .strip_suffix(".gz")
        .or_else(|| name.strip_suffix(".zst"))
        .unwrap_or(&name);
    [".log", ".out", ".err", ".txt", ".jsonl", ".ndjson"]
        .iter()
        .any(|e| name.ends_with(e))
}

/// The component a file belongs to: its name up to the first dot.
pub fn component_of(p: &Path) -> String {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("?");
    name.split('.').next().unwrap_or(name).to_string()
}

/// Why a file is not read as a log, if it is not one.
pub fn skip_reason(p: &Path) -> Option<String> {
    let head = match read_decoded_head(p, 8192) {
        Ok(h) => h,
        Err(e) => return Some(format!("unreadable: {e}")),
    };
    if head.contains(&0) {
        return Some("binary (NUL bytes)".into());
    }
    let t = String::from_utf8_lossy(&head);
    if t.starts_with("# HELP ") || t.starts_with("# TYPE ") {
        return Some("a Prometheus exposition, not a log (give it with --metrics)".into());
    }
    None
}

/// Reads every file (skipping bad ones) and counts.
pub fn scan(files: &[PathBuf]) -> LogScan {
    use rayon::prelude::*;
    type Groups = HashMap<(String, String), ErrorGroup>;
    type Partial = (FileStats, LogScan, Groups, BTreeMap<i64, u64>);
    // Files are read in parallel, each into its own partial result; the
    // partials are merged in the order given, so examples and the first
    // occurrence of an error group do not depend on scheduling.
    let parts: Vec<(String, Result<Partial, String>)> = files
        .par_iter()
        .map(|path| {
            let name = path.display().to_string();
            if let Some(why) = skip_reason(path) {
                return (name, Err(why));
            }
            let mut part = LogScan::default();
            let mut groups = Groups::new();
            let mut minutes = BTreeMap::new();
            let r = scan_file(path, &name, &mut part, &mut groups, &mut minutes)
                .map(|fs| (fs, part, groups, minutes))
                .map_err(|e| e.to_string());
            (name, r)
        })
        .collect();
    let mut s = LogScan::default();
    let mut groups = Groups::new();
    let mut minutes: BTreeMap<i64, u64> = BTreeMap::new();
    for (name, r) in parts {
        let (fs, part, g, m) = match r {
            Ok(x) => x,
            Err(why) => {
                tracing::warn!("{name}: skipped: {why}");
                s.skipped.push((name, why));
                continue;
            }
        };
        s.totals.add(&fs.counts);
        s.files.push(fs);
        s.skipped.extend(part.skipped);
        for (list, more) in [
            (&mut s.print_examples, part.print_examples),
            (&mut s.untraced_examples, part.untraced_examples),
        ] {
            let room = EXAMPLES.saturating_sub(list.len());
            list.extend(more.into_iter().take(room));
        }
        for (id, comps) in part.ids {
            s.ids.entry(id).or_default().extend(comps);
        }
        for (k, e) in g {
            match groups.entry(k) {
                std::collections::hash_map::Entry::Occupied(mut o) => {
                    o.get_mut().count += e.count;
                    o.get_mut().leveled |= e.leveled;
                }
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(e);
                }
            }
        }
        for (k, n) in m {
            *minutes.entry(k).or_default() += n;
        }
    }
    let mut errors: Vec<ErrorGroup> = groups.into_values().collect();
    errors.sort_by(|a, b| b.count.cmp(&a.count).then(a.first.at().cmp(&b.first.at())));
    s.errors = errors;
    s.per_minute = minutes
        .into_iter()
        .map(|(m, n)| {
            let ts = srtlog_formats::Timestamp(m * 60_000_000);
            (ts.to_string(), n)
        })
        .collect();
    s
}

fn scan_file(
    path: &Path,
    name: &str,
    s: &mut LogScan,
    groups: &mut HashMap<(String, String), ErrorGroup>,
    minutes: &mut BTreeMap<i64, u64>,
) -> srtlog_io::Result<FileStats> {
    let component = component_of(path);
    let (_, r) = open_decoded(path)?;
    let mut r = BufReader::with_capacity(1 << 16, r);
    let mut c = Counts::default();
    let mut buf = Vec::new();
    let mut scratch = Vec::new();
    let mut line_no = 0u64;
    let mut read = 0u64;
    // Times of lines with a year and of lines without one (vLLM `MM-DD`)
    // are kept apart: a file that has both (SGLang after vLLM-style start-up
    // lines) is dated by the lines with a year.
    let mut spans: [Span; 2] = Default::default();
    // One error may span many lines (a traceback printed raw, or logged
    // line by line at ERROR as vLLM does): continuation lines extend the
    // pending error, and its exception line (`ValueError: …`) names it.
    let mut pending: Option<Pending> = None;
    loop {
        buf.clear();
        let (n, too_long) =
            read_capped_line(&mut r, &mut buf).map_err(|e| srtlog_io::Error::io(path, e))?;
        if n == 0 {
            break;
        }
        line_no += 1;
        read += n as u64;
        if read > MAX_FILE_BYTES {
            tracing::warn!("{name}: stopped after {MAX_FILE_BYTES} bytes");
            s.skipped.push((
                name.to_string(),
                format!("read the first {MAX_FILE_BYTES} bytes only"),
            ));
            break;
        }
        if too_long {
            c.long_lines_skipped += 1;
            continue;
        }
        let norm = normalize(&buf, &mut scratch);
        let text = match std::str::from_utf8(norm) {
            Ok(t) => std::borrow::Cow::Borrowed(t),
            Err(_) => {
                c.invalid_utf8 += 1;
                String::from_utf8_lossy(norm)
            }
        };
        let g = classify(&text);
        let Some(shape) = g.shape else { continue };
        c.lines += 1;
        match shape {
            Shape::Json => c.json += 1,
            Shape::Logfmt => c.logfmt += 1,
            Shape::Text => c.text += 1,
            Shape::Print => {
                c.print += 1;
                if s.print_examples.len() < EXAMPLES && !text.starts_with([' ', '\t']) {
                    s.print_examples.push(Example::new(name, line_no, &text));
                }
            }
        }
        c.emoji += u64::from(g.emoji);
        if let Some(ts) = g.timestamp {
            c.with_timestamp += 1;
            let sp = &mut spans[usize::from(g.year_guessed)];
            sp.0 = Some(sp.0.map_or(ts.0, |f| f.min(ts.0)));
            sp.1 = Some(sp.1.map_or(ts.0, |l| l.max(ts.0)));
            *sp.2.entry(ts.0.div_euclid(60_000_000)).or_default() += 1;
        }
        if let Some(l) = g.level {
            c.with_level += 1;
            *c.levels.entry(l.as_str().to_string()).or_default() += 1;
        }
        c.with_logger += u64::from(g.logger.is_some());
        c.with_message_field += u64::from(g.has_message_field);
        if g.request_related {
            c.request_related += 1;
        }
        if let Some((id, field)) = &g.request_id {
            c.with_request_id += 1;
            *c.id_fields.entry((*field).to_string()).or_default() += 1;
            s.ids
                .entry(id.clone())
                .or_default()
                .insert(component.clone());
        } else if g.request_related && s.untraced_examples.len() < EXAMPLES {
            s.untraced_examples.push(Example::new(name, line_no, &text));
        }
        let is_error_level = matches!(g.level, Some(Level::Error | Level::Critical));
        c.error_lines += u64::from(is_error_level);
        if g.exception.as_deref() == Some("Traceback") {
            c.tracebacks += 1;
        }
        track_error(&mut pending, &g, &text, is_error_level, groups, || {
            Example::new(name, line_no, &text)
        });
    }
    if let Some(p) = pending.take() {
        p.flush(groups);
    }
    let [real, guessed] = spans;
    let (first, last, per_min) = if real.0.is_some() { real } else { guessed };
    for (m, n) in per_min {
        *minutes.entry(m).or_default() += n;
    }
    let (first, last) = (
        first.map(srtlog_formats::Timestamp),
        last.map(srtlog_formats::Timestamp),
    );
    let span_min = match (first, last) {
        (Some(a), Some(b)) if b.0 > a.0 => Some((b.0 - a.0) as f64 / 60e6),
        _ => None,
    };
    Ok(FileStats {
        file: name.to_string(),
        component,
        lines_per_minute: span_min
            .filter(|m| *m >= 1.0)
            .map(|m| (c.lines as f64 / m * 10.0).round() / 10.0),
        counts: c,
        first: first.map(|t| t.to_string()),
        last: last.map(|t| t.to_string()),
    })
}

/// Extends the pending error with this line, or flushes it and starts a
/// new one when this line opens an error (an error level or an exception
/// line). `first` makes the new error's example.
fn track_error(
    pending: &mut Option<Pending>,
    g: &srtlog_formats::genericlog::GenericLine,
    text: &str,
    is_error_level: bool,
    groups: &mut HashMap<(String, String), ErrorGroup>,
    first: impl FnOnce() -> Example,
) {
    let exc = g.exception.as_deref();
    let continues = pending.as_ref().is_some_and(|p| {
        !p.named
            && ((is_error_level && p.leveled && g.logger == p.logger)
                || (g.level.is_none() && (text.starts_with([' ', '\t']) || exc.is_some())))
    });
    if continues {
        if let (Some(p), Some(t)) = (pending.as_mut(), exc.filter(|t| *t != "Traceback")) {
            p.kind = t.to_string();
            p.pattern = exception_pattern(&g.message);
            p.named = true;
        }
        return;
    }
    if let Some(p) = pending.take() {
        p.flush(groups);
    }
    if is_error_level || exc.is_some() {
        let named = exc.is_some_and(|t| t != "Traceback");
        *pending = Some(Pending {
            kind: match exc {
                Some(t) if named => t.to_string(),
                _ => g.level.map_or("Traceback", Level::as_str).to_string(),
            },
            pattern: if named {
                exception_pattern(&g.message)
            } else {
                message_pattern(&g.message)
            },
            leveled: is_error_level,
            logger: g.logger.clone(),
            named,
            first: first(),
        });
    }
}

/// First time, last time and lines per minute (µs / minute index).
type Span = (Option<i64>, Option<i64>, BTreeMap<i64, u64>);

/// An error being read (it may continue on the next lines).
struct Pending {
    kind: String,
    pattern: String,
    leveled: bool,
    logger: Option<String>,
    /// Its exception line was seen: the error is complete.
    named: bool,
    first: Example,
}

impl Pending {
    fn flush(self, groups: &mut HashMap<(String, String), ErrorGroup>) {
        let e = groups
            .entry((self.kind.clone(), self.pattern.clone()))
            .or_insert_with(|| ErrorGroup {
                kind: self.kind,
                pattern: self.pattern,
                count: 0,
                leveled: false,
                first: self.first,
            });
        e.count += 1;
        e.leveled |= self.leveled;
    }
}

/// The pattern of an exception line's message (`ValueError: bad 3` → `bad <n>`).
fn exception_pattern(msg: &str) -> String {
    message_pattern(msg.split_once(": ").map_or(msg, |(_, m)| m))
}

/// Reads one line into `buf` keeping at most [`MAX_LINE`] bytes; returns
/// the bytes consumed and whether the line was longer (its rest is
/// discarded without being stored).
pub fn read_capped_line<R: BufRead>(
    r: &mut R,
    buf: &mut Vec<u8>,
) -> std::io::Result<(usize, bool)> {
    let mut total = 0;
    let mut too_long = false;
    loop {
        let avail = match r.fill_buf() {
            Ok(a) => a,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if avail.is_empty() {
            return Ok((total, too_long));
        }
        let (take, done) = match memchr::memchr(b'\n', avail) {
            Some(i) => (i + 1, true),
            None => (avail.len(), false),
        };
        if !too_long {
            if buf.len() + take > MAX_LINE {
                too_long = true;
                buf.clear();
            } else {
                buf.extend_from_slice(&avail[..take]);
            }
        }
        r.consume(take);
        total += take;
        if done {
            return Ok((total, too_long));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capped_lines() {
        let mut data = vec![b'a'; MAX_LINE + 10];
        data.extend_from_slice(b"\nshort\n");
        let mut r = BufReader::with_capacity(4096, &data[..]);
        let mut buf = Vec::new();
        assert_eq!(
            read_capped_line(&mut r, &mut buf).ok(),
            Some((MAX_LINE + 11, true))
        );
        buf.clear();
        assert_eq!(read_capped_line(&mut r, &mut buf).ok(), Some((6, false)));
        assert_eq!(buf, b"short\n");
    }

    #[test]
    fn counts_and_errors() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("api.log");
        std::fs::write(
            &p,
            "✅ Model loaded\n\
             2025-01-01 10:00:00,000 - api - ERROR - Failed to process batch 12\n\
             2025-01-01 10:00:01,000 - api - INFO - retrying\n\
             Traceback (most recent call last):\n  File \"x.py\", line 1\nValueError: bad value 3\n\
             {\"timestamp\":\"2025-01-01T10:01:00Z\",\"level\":\"INFO\",\"message\":\"request done\",\"request_id\":\"r-1\"}\n",
        )
        .expect("write");
        let s = scan(&[p]);
        let c = &s.totals;
        assert_eq!((c.lines, c.json, c.text, c.print, c.emoji), (7, 1, 2, 4, 1));
        assert_eq!((c.with_level, c.error_lines, c.tracebacks), (3, 1, 1));
        assert_eq!((c.request_related, c.with_request_id), (1, 1));
        assert_eq!(s.errors.len(), 2);
        assert_eq!(s.errors[0].kind, "ERROR");
        assert_eq!(s.errors[0].pattern, "Failed to process batch <n>");
        assert!(s.errors[0].leveled);
        // The traceback and its exception line are one error, named by it.
        assert_eq!(s.errors[1].kind, "ValueError");
        assert_eq!(s.errors[1].pattern, "bad value <n>");
        assert_eq!(
            (
                s.errors[1].first.line,
                s.errors[1].count,
                s.errors[1].leveled
            ),
            (4, 1, false)
        );
        assert_eq!(s.per_minute.len(), 2);
        assert_eq!(s.files[0].component, "api");
    }

    #[test]
    fn vllm_error_lines_are_one_error() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("vllm.log");
        std::fs::write(
            &p,
            "ERROR 08-01 21:00:00 [async_llm.py:480] AsyncLLM output_handler failed.\n\
             ERROR 08-01 21:00:00 [async_llm.py:480] Traceback (most recent call last):\n\
             ERROR 08-01 21:00:00 [async_llm.py:480]   File \"a.py\", line 3, in f\n\
             ERROR 08-01 21:00:00 [async_llm.py:480] vllm.v1.engine.exceptions.EngineDeadError: EngineCore died.\n\
             INFO 08-01 21:00:01 [api.py:1] Shutting down\n",
        )
        .expect("write");
        let s = scan(&[p]);
        assert_eq!((s.totals.error_lines, s.totals.tracebacks), (4, 1));
        assert_eq!(s.errors.len(), 1);
        assert_eq!(
            (s.errors[0].kind.as_str(), s.errors[0].pattern.as_str()),
            ("EngineDeadError", "EngineCore died.")
        );
        assert_eq!((s.errors[0].first.line, s.errors[0].leveled), (1, true));
    }
}
