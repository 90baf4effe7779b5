//! Generic log-line classifier for any service (`srtlog audit`, `srtlog request`).
//!
//! The other decoders in this crate read the *records* of known servers; this
//! one only answers the questions a logging audit asks of every line, whatever
//! wrote it: is it structured (a JSON object, or logfmt `k=v` pairs), which of
//! the standard fields (timestamp, level, logger, message) does it carry, and
//! does it name a request. Known text prefixes (formats.md §1.3 Rust tracing,
//! §2.1 vLLM `LEVEL MM-DD HH:MM:SS [file:line]`, SGLang `[date time]`, Python
//! logging `LEVEL:logger:msg` and its `asctime - name - level - msg` form,
//! uvicorn `INFO:     host - "GET …"`) give a timestamp, level and logger
//! without being structured. Anything else is print-style.
//!
//! Sans-I/O: one normalised line in (see [`crate::line::normalize`]), one
//! [`GenericLine`] out. Lines are owned here (an audit reads each line once and
//! keeps very few), which keeps the API simple.

use crate::timestamp::{parse_datetime, parse_time_at, Timestamp};
use serde::Serialize;

/// The year given to dates printed without one (vLLM `MM-DD`): only the
/// order and the differences of times within a run matter to the audit.
pub const DEFAULT_YEAR: i32 = 2000;

/// How a line is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    /// A JSON object.
    Json,
    /// logfmt: `key=value` pairs from the first token on.
    Logfmt,
    /// A known text prefix (timestamp and/or level recognised).
    Text,
    /// Free text: `print()` output, banners, continuation lines.
    Print,
}

/// Log level, normalised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "UPPERCASE")]
pub enum Level {
    /// TRACE.
    Trace,
    /// DEBUG.
    Debug,
    /// INFO.
    Info,
    /// WARNING / WARN.
    Warning,
    /// ERROR.
    Error,
    /// CRITICAL / FATAL.
    Critical,
}

impl Level {
    /// Reads a level word (any case; `WARN`, `FATAL`, `ERR` accepted).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        if s.len() > 8 {
            return None;
        }
        Some(match s.to_ascii_uppercase().as_str() {
            "TRACE" => Self::Trace,
            "DEBUG" => Self::Debug,
            "INFO" => Self::Info,
            "WARN" | "WARNING" => Self::Warning,
            "ERROR" | "ERR" => Self::Error,
            "CRITICAL" | "FATAL" => Self::Critical,
            _ => return None,
        })
    }

    /// The upper-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Trace => "TRACE",
            Self::Debug => "DEBUG",
            Self::Info => "INFO",
            Self::Warning => "WARNING",
            Self::Error => "ERROR",
            Self::Critical => "CRITICAL",
        }
    }
}

/// What the audit needs to know about one line.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GenericLine {
    /// How it is written (`None` for a blank line).
    pub shape: Option<Shape>,
    /// Its time, if it carries one.
    pub timestamp: Option<Timestamp>,
    /// The line's date had no year ([`DEFAULT_YEAR`] was used).
    pub year_guessed: bool,
    /// Its level, if it carries one.
    pub level: Option<Level>,
    /// Logger / target / module name.
    pub logger: Option<String>,
    /// The message without the prefix (the whole line when unstructured).
    pub message: String,
    /// Structured only: whether the line had an explicit message field.
    pub has_message_field: bool,
    /// Request or correlation id, and the field or form it came from.
    pub request_id: Option<(String, &'static str)>,
    /// A print-style status line (emoji or decorative symbol at the start).
    pub emoji: bool,
    /// `Traceback (most recent call last):` or an exception line
    /// (`ValueError: …`): the type, when one is named.
    pub exception: Option<String>,
    /// Mentions a request (an id, an HTTP access line, or the word).
    pub request_related: bool,
}

/// JSON/logfmt keys holding a request or correlation id, in preference order.
pub const ID_KEYS: &[&str] = &[
    "request_id",
    "requestId",
    "req_id",
    "rid",
    "x_request_id",
    "x-request-id",
    "correlation_id",
    "correlationId",
    "trace_id",
    "traceId",
    "x_correlation_id",
];
const TS_KEYS: &[&str] = &[
    "timestamp",
    "time",
    "ts",
    "@timestamp",
    "asctime",
    "t",
    "timestamp_ns",
    "request_start_ns",
];
const LEVEL_KEYS: &[&str] = &["level", "levelname", "severity", "lvl", "log.level"];
const LOGGER_KEYS: &[&str] = &[
    "logger",
    "name",
    "logger_name",
    "target",
    "module",
    "component",
];
const MSG_KEYS: &[&str] = &["message", "msg", "event", "fields.message"];

/// Classifies one normalised line (no `\n`, ANSI already removed).
pub fn classify(line: &str) -> GenericLine {
    let t = line.trim();
    if t.is_empty() {
        return GenericLine::default();
    }
    let mut g = if t.starts_with('{') && t.ends_with('}') {
        json_line(t).unwrap_or_else(|| text_line(t))
    } else if let Some(g) = logfmt_line(t) {
        g
    } else {
        text_line(t)
    };
    if g.request_id.is_none() {
        g.request_id = text_request_id(t);
    }
    g.exception = exception_type(&g.message);
    g.request_related = g.request_id.is_some() || mentions_request(t);
    g
}

fn json_line(t: &str) -> Option<GenericLine> {
    let v: serde_json::Map<String, serde_json::Value> = serde_json::from_str(t).ok()?;
    // AIPerf records keep their ids and times under `metadata`.
    let meta = v.get("metadata").and_then(|m| m.as_object());
    let get = |keys: &[&str]| -> Option<&serde_json::Value> {
        keys.iter().find_map(|k| {
            if let Some((outer, inner)) = k.split_once('.') {
                v.get(outer)?.get(inner)
            } else {
                v.get(*k).or_else(|| meta?.get(*k))
            }
        })
    };
    let as_text = |x: &serde_json::Value| match x {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut g = GenericLine {
        shape: Some(Shape::Json),
        ..Default::default()
    };
    g.timestamp = get(TS_KEYS).and_then(|x| match x {
        serde_json::Value::String(s) => parse_datetime(s.as_bytes()).map(|(ts, _)| ts),
        serde_json::Value::Number(n) => match n.as_i64() {
            // Integers exactly: nanoseconds do not fit an f64.
            Some(i) => epoch_int(i),
            None => n.as_f64().and_then(epoch),
        },
        _ => None,
    });
    g.level = get(LEVEL_KEYS)
        .and_then(|x| x.as_str())
        .and_then(Level::parse);
    g.logger = get(LOGGER_KEYS).map(as_text);
    if let Some(m) = get(MSG_KEYS) {
        g.message = as_text(m);
        g.has_message_field = true;
    }
    g.request_id = ID_KEYS.iter().find_map(|k| {
        let s = as_text(v.get(*k).or_else(|| meta?.get(*k))?);
        (!s.is_empty() && s != "null").then_some((s, *k))
    });
    Some(g)
}

/// [`epoch`] for integers, without rounding.
fn epoch_int(i: i64) -> Option<Timestamp> {
    let us = match i {
        i if i > 100_000_000_000_000_000 => i / 1000,
        i if i > 100_000_000_000_000 => i,
        i if i > 100_000_000_000 => i * 1000,
        i if i > 0 => i * 1_000_000,
        _ => return None,
    };
    Some(Timestamp(us))
}

/// Epoch seconds, milliseconds, microseconds or nanoseconds (told apart
/// by magnitude: any of them is between 1973 and 5138 in its own unit).
fn epoch(x: f64) -> Option<Timestamp> {
    let secs = if x > 1e17 {
        x / 1e9
    } else if x > 1e14 {
        x / 1e6
    } else if x > 1e11 {
        x / 1e3
    } else {
        x
    };
    (secs > 0.0 && secs < 1e11).then_some(Timestamp((secs * 1e6) as i64))
}

/// Whether `k` is a plausible logfmt key.
fn is_key(k: &str) -> bool {
    let mut it = k.bytes();
    matches!(it.next(), Some(c) if c.is_ascii_alphabetic() || c == b'_')
        && it.all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || c == b'-')
}

/// Splits a logfmt line into pairs; `None` unless the line starts with a
/// pair and has at least two (a sentence with one `=` is not logfmt).
pub fn logfmt_pairs(t: &str) -> Option<Vec<(&str, String)>> {
    let b = t.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    while i < b.len() {
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let ks = i;
        while i < b.len() && b[i] != b'=' && b[i] != b' ' {
            i += 1;
        }
        if i >= b.len() || b[i] != b'=' {
            return None;
        }
        let key = &t[ks..i];
        if !is_key(key) {
            return None;
        }
        i += 1;
        let val = if b.get(i) == Some(&b'"') {
            i += 1;
            let mut s = String::new();
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' && i + 1 < b.len() {
                    i += 1;
                }
                let ch_len = t[i..].chars().next().map_or(1, char::len_utf8);
                s.push_str(&t[i..i + ch_len]);
                i += ch_len;
            }
            i += 1;
            s
        } else {
            let vs = i;
            while i < b.len() && b[i] != b' ' {
                i += 1;
            }
            t[vs..i].to_string()
        };
        out.push((key, val));
    }
    (out.len() >= 2).then_some(out)
}

fn logfmt_line(t: &str) -> Option<GenericLine> {
    let pairs = logfmt_pairs(t)?;
    let get = |keys: &[&str]| {
        pairs
            .iter()
            .find(|(k, _)| keys.contains(k))
            .map(|(_, v)| v.clone())
    };
    let mut g = GenericLine {
        shape: Some(Shape::Logfmt),
        ..Default::default()
    };
    g.timestamp = get(TS_KEYS).and_then(|s| parse_datetime(s.as_bytes()).map(|(ts, _)| ts));
    g.level = get(LEVEL_KEYS).and_then(|s| Level::parse(&s));
    g.logger = get(LOGGER_KEYS);
    if let Some(m) = get(MSG_KEYS) {
        g.message = m;
        g.has_message_field = true;
    }
    g.request_id = ID_KEYS.iter().find_map(|k| {
        pairs
            .iter()
            .find(|(pk, v)| pk == k && !v.is_empty())
            .map(|(_, v)| (v.clone(), *k))
    });
    Some(g)
}

/// Text lines: tries the known prefixes, else print-style.
fn text_line(t: &str) -> GenericLine {
    // vLLM ≥ 0.10 prefixes the process: `(APIServer pid=1) INFO …`.
    let body = match t.strip_prefix('(') {
        Some(rest) => match rest.find(") ") {
            Some(i) if i < 60 => &rest[i + 2..],
            _ => t,
        },
        None => t,
    };
    let mut g = GenericLine {
        shape: Some(Shape::Text),
        ..Default::default()
    };
    let b = body.as_bytes();
    // vLLM: `LEVEL MM-DD HH:MM:SS [file.py:123] msg`.
    if let Some((lvl, rest)) = body.split_once(' ') {
        if let Some(level) =
            Level::parse(lvl).filter(|_| lvl.bytes().all(|c| c.is_ascii_uppercase()))
        {
            let r = rest.as_bytes();
            if r.len() > 15 && r[2] == b'-' && r[5] == b' ' {
                if let (Some(mo), Some(d), Some((h, mi, s, us, end))) =
                    (num2(r, 0), num2(r, 3), parse_time_at(r, 6))
                {
                    g.level = Some(level);
                    g.timestamp = Timestamp::from_civil(DEFAULT_YEAR, mo, d, h, mi, s, us);
                    g.year_guessed = true;
                    let msg = rest[end..].trim_start();
                    let (logger, msg) = bracketed(msg);
                    g.logger = logger;
                    g.message = msg.to_string();
                    return g;
                }
            }
        }
    }
    // Python logging `LEVEL:logger:msg`, uvicorn `INFO:     …`.
    if let Some((lvl, rest)) = body.split_once(':') {
        if let Some(level) =
            Level::parse(lvl).filter(|_| lvl.bytes().all(|c| c.is_ascii_uppercase()))
        {
            g.level = Some(level);
            if rest.starts_with(' ') {
                g.logger = Some("uvicorn".into());
                g.message = rest.trim().to_string();
            } else if let Some((logger, msg)) = rest.split_once(':') {
                g.logger = Some(logger.to_string());
                g.message = msg.to_string();
            } else {
                g.message = rest.to_string();
            }
            return g;
        }
    }
    // SGLang `[2025-10-20 12:01:06 TP0] msg`.
    if let Some(rest) = body.strip_prefix('[') {
        if let Some((ts, n)) = parse_datetime(rest.as_bytes()) {
            if let Some(close) = rest[n..].find(']') {
                g.timestamp = Some(ts);
                g.message = rest[n + close + 1..].trim_start().to_string();
                return g;
            }
        }
    }
    // `2025-10-20 12:00:44[.f][Z]` then tracing `LEVEL target: msg` or
    // Python `- name - LEVEL - msg`.
    if let Some((ts, n)) = parse_datetime(b) {
        g.timestamp = Some(ts);
        let mut rest = &body[n..];
        rest = rest.strip_prefix('Z').unwrap_or(rest);
        rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix("- ") {
            let parts: Vec<&str> = r.splitn(3, " - ").collect();
            if parts.len() == 3 {
                if let Some(level) = Level::parse(parts[1]) {
                    g.logger = Some(parts[0].to_string());
                    g.level = Some(level);
                    g.message = parts[2].to_string();
                    return g;
                }
            }
        }
        let (word, after) = rest.split_once(' ').unwrap_or((rest, ""));
        if let Some(level) = Level::parse(word) {
            g.level = Some(level);
            let after = after.trim_start();
            let (logger, msg) = tracing_prefixes(after);
            g.logger = logger;
            g.message = msg.to_string();
        } else {
            g.message = rest.to_string();
        }
        return g;
    }
    g.shape = Some(Shape::Print);
    g.message = t.to_string();
    g.emoji = t.chars().next().is_some_and(is_symbol);
    g
}

/// Rust `tracing` prefixes before the message (formats.md §1.3): spans
/// (`http_request{method=GET …}:`), the target (`crate::module:`) and the
/// source location (`src/server.rs:827:`). The logger is the target, else
/// the span name.
fn tracing_prefixes(mut rest: &str) -> (Option<String>, &str) {
    let (mut target, mut span) = (None, None);
    while let Some((head, tail)) = rest.split_once(": ") {
        let is_span = head.contains('{') && head.ends_with('}');
        if !is_span && head.contains(' ') {
            break;
        }
        let loc = head.rsplit_once(':').is_some_and(|(f, n)| {
            f.ends_with(".rs") && !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit())
        }) || head.ends_with(".rs");
        if is_span {
            span.get_or_insert_with(|| head.split('{').next().unwrap_or(head).to_string());
        } else if !loc && target.is_none() {
            target = Some(head.to_string());
        }
        rest = tail;
    }
    (target.or(span), rest)
}

/// `[logger] rest` → (logger, rest).
fn bracketed(s: &str) -> (Option<String>, &str) {
    if let Some(r) = s.strip_prefix('[') {
        if let Some(i) = r.find(']') {
            return (Some(r[..i].to_string()), r[i + 1..].trim_start());
        }
    }
    (None, s)
}

fn num2(b: &[u8], i: usize) -> Option<u32> {
    let a = b.get(i)?.wrapping_sub(b'0');
    let c = b.get(i + 1)?.wrapping_sub(b'0');
    (a <= 9 && c <= 9).then(|| u32::from(a) * 10 + u32::from(c))
}

/// Emoji and decorative symbols that open `print()` status lines
/// (✅ ❌ ⚠️ 🚀 …): Misc Symbols, Dingbats, and the emoji planes.
pub fn is_symbol(c: char) -> bool {
    matches!(u32::from(c), 0x2190..=0x21FF | 0x2300..=0x27BF | 0x2B00..=0x2BFF | 0x1F000..=0x1FAFF)
}

/// Request ids written in text: `rid=`, `request_id=`, `X-Request-ID: `,
/// and vLLM's `Received/Added/Finished/Aborted request <id>`.
pub fn text_request_id(t: &str) -> Option<(String, &'static str)> {
    const KEYED: &[(&str, &str)] = &[
        ("request_id=", "request_id"),
        ("request_id: ", "request_id"),
        ("x-request-id: ", "X-Request-ID"),
        ("x-request-id=", "X-Request-ID"),
        ("correlation_id=", "correlation_id"),
        ("trace_id=", "trace_id"),
        ("rid=", "rid"),
    ];
    let lower = t.to_ascii_lowercase();
    for (pat, field) in KEYED {
        let mut from = 0;
        while let Some(off) = lower[from..].find(pat) {
            let at = from + off;
            from = at + pat.len();
            // `rid=` must not be the tail of another key (`grid=`).
            if at > 0 && lower.as_bytes()[at - 1].is_ascii_alphanumeric() {
                continue;
            }
            if let Some(id) = id_token(&t[at + pat.len()..]) {
                return Some((id, field));
            }
        }
    }
    for verb in [
        "received request ",
        "added request ",
        "finished request ",
        "aborted request ",
    ] {
        if let Some(at) = lower.find(verb) {
            if let Some(id) = id_token(&t[at + verb.len()..]).filter(|id| looks_like_id(id)) {
                return Some((id, "vllm request"));
            }
        }
    }
    None
}

/// An id value: optional quotes/brackets, then `[A-Za-z0-9_.:-]+`.
fn id_token(s: &str) -> Option<String> {
    let s = s.trim_start_matches(['"', '\'', '[', '<', '(']);
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':')))
        .unwrap_or(s.len());
    let id = s[..end].trim_end_matches(['.', ':']);
    (!id.is_empty() && id != "None" && id != "null").then(|| id.to_string())
}

/// A word after "request" is an id only if it has a digit and some length
/// ("Added request to queue" must not give the id "to").
fn looks_like_id(s: &str) -> bool {
    s.len() >= 6 && s.bytes().any(|c| c.is_ascii_digit())
}

/// The word "request(s)" (not inside an identifier such as
/// `max_running_requests`), an HTTP request line, or a completion.
fn mentions_request(t: &str) -> bool {
    let lower = t.to_ascii_lowercase();
    let b = lower.as_bytes();
    let word = lower.match_indices("request").any(|(at, _)| {
        let before = at.checked_sub(1).map(|i| b[i]);
        let mut end = at + "request".len();
        if b.get(end) == Some(&b's') {
            end += 1;
        }
        let after = b.get(end).copied();
        let edge = |c: Option<u8>| c.is_none_or(|c| !(c.is_ascii_alphanumeric() || c == b'_'));
        edge(before) && edge(after)
    });
    word || lower.contains("\"post ") || lower.contains("\"get /v1") || lower.contains("completion")
}

/// The exception type of a line: `Traceback …` gives `Traceback`;
/// `foo.BarError: msg` / `BarException: msg` give the class name.
pub fn exception_type(msg: &str) -> Option<String> {
    let t = msg.trim();
    if t.starts_with("Traceback (most recent call last)") {
        return Some("Traceback".into());
    }
    let (head, _) = t.split_once(':')?;
    let name = head.rsplit('.').next()?;
    let ok =
        (name.ends_with("Error") || name.ends_with("Exception") || name == "KeyboardInterrupt")
            && !head.contains(' ')
            && name.bytes().next().is_some_and(|c| c.is_ascii_uppercase());
    ok.then(|| name.to_string())
}

/// A message reduced to its pattern: numbers → `<n>`, hex/ids → `<id>`,
/// quoted text → `<s>`, at most 100 characters. Groups repeated errors.
pub fn message_pattern(msg: &str) -> String {
    let mut out = String::new();
    for word in msg.split_whitespace() {
        if out.len() > 100 {
            out.push('…');
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        let digits = word.bytes().filter(u8::is_ascii_digit).count();
        if word.starts_with(['\'', '"']) {
            out.push_str("<s>");
        } else if digits > 0 && digits * 2 >= word.len().saturating_sub(2) {
            out.push_str("<n>");
        } else if digits > 0 && word.len() >= 8 {
            out.push_str("<id>");
        } else {
            out.push_str(word);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_seed_format() {
        let g = classify(
            r#"{"timestamp": "2025-10-31T12:34:56Z", "level": "INFO", "logger": "core.batch_app.worker", "message": "Processing batch", "request_id": "req_123", "batch_id": "batch_456"}"#,
        );
        assert_eq!(g.shape, Some(Shape::Json));
        assert_eq!(g.level, Some(Level::Info));
        assert_eq!(g.logger.as_deref(), Some("core.batch_app.worker"));
        assert_eq!(g.message, "Processing batch");
        assert_eq!(g.request_id, Some(("req_123".into(), "request_id")));
        assert_eq!(
            g.timestamp.map(|t| t.to_string()).as_deref(),
            Some("2025-10-31T12:34:56")
        );
        assert!(g.request_related);
    }

    #[test]
    fn aiperf_record() {
        let g = classify(
            r#"{"metadata": {"x_request_id": "fd78b108", "x_correlation_id": "66c7", "request_start_ns": 1762551534797067827}, "metrics": {}}"#,
        );
        assert_eq!(g.request_id, Some(("fd78b108".into(), "x_request_id")));
        assert_eq!(g.timestamp.map(|t| t.0), Some(1_762_551_534_797_067));
    }

    #[test]
    fn logfmt() {
        let g = classify(r#"time=2025-01-02T03:04:05Z level=warn msg="queue full" rid=abc123"#);
        assert_eq!(g.shape, Some(Shape::Logfmt));
        assert_eq!(g.level, Some(Level::Warning));
        assert_eq!(g.message, "queue full");
        assert_eq!(g.request_id, Some(("abc123".into(), "rid")));
        // One `=` in a sentence is not logfmt.
        assert_eq!(classify("set x=1 now").shape, Some(Shape::Print));
    }

    #[test]
    fn vllm_and_process_prefix() {
        let g = classify("(APIServer pid=41356) INFO 08-02 11:06:17 [api_utils.py:339] Started");
        assert_eq!(g.shape, Some(Shape::Text));
        assert_eq!(g.level, Some(Level::Info));
        assert_eq!(g.logger.as_deref(), Some("api_utils.py:339"));
        assert_eq!(g.message, "Started");
        let g =
            classify("INFO 06-10 06:16:45 [logger.py:43] Received request cmpl-9f3a1b2c0: prompt");
        assert_eq!(
            g.request_id,
            Some(("cmpl-9f3a1b2c0".into(), "vllm request"))
        );
    }

    #[test]
    fn python_uvicorn_sglang_tracing() {
        let g = classify("WARNING:sglang.srt.server_args:Cuda graph is disabled");
        assert_eq!(
            (g.level, g.logger.as_deref()),
            (Some(Level::Warning), Some("sglang.srt.server_args"))
        );
        let g = classify(r#"INFO:     127.0.0.1:47344 - "POST /v1/completions HTTP/1.1" 200 OK"#);
        assert_eq!(g.logger.as_deref(), Some("uvicorn"));
        assert!(g.request_related);
        assert_eq!(g.request_id, None);
        let g = classify("[2025-10-20 12:01:06 TP0] Prefill batch. #new-seq: 1");
        assert_eq!((g.shape, g.level), (Some(Shape::Text), None));
        assert!(g.timestamp.is_some());
        let g = classify(
            r#"2025-10-20 12:05:50  INFO http_request{method=GET request_id="req-DhI7z0qK"}: sglang_router_rs::middleware: src/middleware.rs:1: started"#,
        );
        assert_eq!(g.level, Some(Level::Info));
        assert_eq!(g.logger.as_deref(), Some("sglang_router_rs::middleware"));
        assert_eq!(g.message, "started");
        assert_eq!(g.request_id, Some(("req-DhI7z0qK".into(), "request_id")));
        let g = classify("2025-10-20 12:00:44  INFO sglang_router_rs::server: src/server.rs:827: Starting router on 0.0.0.0:30028 | mode: x");
        assert_eq!(g.logger.as_deref(), Some("sglang_router_rs::server"));
        assert_eq!(g.message, "Starting router on 0.0.0.0:30028 | mode: x");
        let g = classify("2025-10-31 12:00:00,123 - core.worker - ERROR - Failed to process");
        assert_eq!(
            (g.level, g.logger.as_deref()),
            (Some(Level::Error), Some("core.worker"))
        );
    }

    #[test]
    fn print_emoji_and_exceptions() {
        let g = classify("✅ Model loaded in 3.2s");
        assert_eq!(g.shape, Some(Shape::Print));
        assert!(g.emoji);
        assert_eq!(classify("").shape, None);
        assert_eq!(
            classify("Traceback (most recent call last):")
                .exception
                .as_deref(),
            Some("Traceback")
        );
        assert_eq!(
            classify("torch.OutOfMemoryError: CUDA out of memory.")
                .exception
                .as_deref(),
            Some("OutOfMemoryError")
        );
        assert_eq!(classify("Note: all good").exception, None);
        assert_eq!(
            message_pattern("Tried to allocate 2.00 GiB on GPU 0"),
            "Tried to allocate <n> GiB on GPU <n>"
        );
        assert_eq!(classify("grid=5 size=3").request_id, None);
        assert_eq!(classify("Added request to queue").request_id, None);
        assert!(classify("Added request to queue").request_related);
        assert!(!classify("max_running_requests=4096, context_len=1").request_related);
    }

    /// Deterministic mutations (truncations, byte replacements with
    /// delimiters and multi-byte text) of every line form: no panic.
    #[test]
    fn mutations_do_not_panic() {
        let seeds = [
            r#"{"timestamp": "2025-10-31T12:34:56Z", "level": "INFO", "message": "m", "request_id": "r1", "metadata": {"timestamp_ns": 1}}"#,
            r#"time=2025-01-02T03:04:05Z level=warn msg="queue \"full\" é" rid=abc123"#,
            "(APIServer pid=1) INFO 08-02 11:06:17 [api_utils.py:339] Received request cmpl-9f3a1b2c0: x",
            "WARNING:sglang.srt.server_args:Cuda graph",
            "[2025-10-20 12:01:06 TP0] Prefill batch rid=abc X-Request-ID: q-1",
            r#"2025-10-20 12:05:50  INFO http_request{request_id="req-1"}: a::b: src/m.rs:1: started"#,
            "2025-10-31 12:00:00,123 - core.worker - ERROR - Failed",
            "✅ Model loaded — torch.OutOfMemoryError: CUDA",
        ];
        let inserts = [
            "", "\"", "=", ":", " ", "{", "}", "[", "]", "(", ") ", "é", "✅", "\\", "-", "T",
        ];
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for seed in seeds {
            for _ in 0..400 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let chars: Vec<char> = seed.chars().collect();
                let at = (state % (chars.len() as u64 + 1)) as usize;
                let cut = ((state >> 16) % (chars.len() as u64 + 1)) as usize;
                let ins = inserts[((state >> 32) % inserts.len() as u64) as usize];
                let mut m: String = chars[..at].iter().collect();
                m.push_str(ins);
                m.extend(chars[at.max(cut.min(at + 3))..].iter());
                let g = classify(&m);
                let _ = message_pattern(&g.message);
                let _ = classify(&m[..m.char_indices().nth(at).map_or(m.len(), |(i, _)| i)]);
            }
        }
    }
}
