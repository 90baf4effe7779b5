//! Byte-level lexing of sample lines and label sets (Prometheus text 0.0.4
//! "Text format details", OpenMetrics 1.0 "ABNF").
//!
//! The scanner works on bytes of a `&str`: every delimiter it looks for is
//! ASCII, so every slice it takes falls on a character boundary. Label values
//! are found with `memchr2` on `"` and `\`, which skips long values (vLLM's
//! `cache_config_info` has 29 labels) in a few instructions per 16 bytes.

use super::{DiagnosticKind, Sample};
use std::borrow::Cow;

/// Bytes allowed in a metric name after the first (`[a-zA-Z0-9_:]`); the
/// first also excludes digits.
static NAME: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric() || b == b'_' || b == b':';
        c += 1;
    }
    t
};

#[inline]
fn is_name_byte(b: u8) -> bool {
    NAME[b as usize]
}

#[inline]
fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
        i += 1;
    }
    i
}

/// End (index of the closing quote) of a quoted string whose opening quote
/// is at `start - 1`, honouring backslash escapes.
#[inline]
fn quoted_end(b: &[u8], start: usize) -> Option<usize> {
    let mut i = start;
    loop {
        let j = i + memchr::memchr2(b'"', b'\\', &b[i..])?;
        if b[j] == b'"' {
            return Some(j);
        }
        // A backslash escapes the next byte, whatever it is.
        i = j + 2;
        if i > b.len() {
            return None;
        }
    }
}

/// Bare metric name at the start of `b`: its length (0 if none).
#[inline]
fn bare_name(b: &[u8]) -> usize {
    match b.first() {
        Some(c) if is_name_byte(*c) && !c.is_ascii_digit() => {}
        _ => return 0,
    }
    let mut i = 1;
    while i < b.len() && is_name_byte(b[i]) {
        i += 1;
    }
    i
}

/// The name of a HELP/TYPE/UNIT line (bare or quoted) and the text after it.
pub(super) fn metadata_name(s: &str) -> Option<(&str, &str)> {
    let b = s.as_bytes();
    if b.first() == Some(&b'"') {
        let end = quoted_end(b, 1)?;
        return Some((&s[1..end], &s[end + 1..]));
    }
    let n = bare_name(b);
    if n == 0 || (n < b.len() && b[n] != b' ' && b[n] != b'\t') {
        return None;
    }
    Some((&s[..n], &s[n..]))
}

/// Scans a label set whose `{` is at `open`: the index of the closing `}`
/// and, when the set holds a quoted metric name (Prometheus 3), that name.
fn label_set(b: &[u8], open: usize) -> Result<(usize, Option<(usize, usize)>), ()> {
    let mut i = open + 1;
    let mut qname = None;
    let mut first = true;
    loop {
        i = skip_ws(b, i);
        match b.get(i) {
            Some(b'}') => return Ok((i, qname)),
            None => return Err(()),
            _ => {}
        }
        // Label name: bare `[a-zA-Z_][a-zA-Z0-9_]*` or quoted.
        let quoted = b[i] == b'"';
        let (ns, ne) = if quoted {
            let e = quoted_end(b, i + 1).ok_or(())?;
            let r = (i + 1, e);
            i = e + 1;
            r
        } else {
            let start = i;
            if !(b[i].is_ascii_alphabetic() || b[i] == b'_') {
                return Err(());
            }
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            (start, i)
        };
        i = skip_ws(b, i);
        match b.get(i) {
            Some(b'=') => {}
            // `{"metric.name", …}`: a quoted name without a value, first.
            Some(b',') | Some(b'}') if quoted && first => {
                qname = Some((ns, ne));
                if b[i] == b',' {
                    i += 1;
                }
                first = false;
                continue;
            }
            _ => return Err(()),
        }
        i = skip_ws(b, i + 1);
        if b.get(i) != Some(&b'"') {
            return Err(());
        }
        i = quoted_end(b, i + 1).ok_or(())? + 1;
        i = skip_ws(b, i);
        match b.get(i) {
            Some(b',') => i += 1,
            Some(b'}') => return Ok((i, qname)),
            _ => return Err(()),
        }
        first = false;
    }
}

/// Parses one sample line (not a comment, not blank).
pub(super) fn sample(line: &str, n: u32) -> Result<Sample<'_>, DiagnosticKind> {
    let b = line.as_bytes();
    let nlen = bare_name(b);
    let (name, labels, mut i) = if nlen > 0 {
        // Whitespace between the name and `{` is allowed (0.0.4 tokens).
        let open = skip_ws(b, nlen);
        match b.get(open) {
            Some(b'{') => {
                let (close, q) = label_set(b, open).map_err(|_| DiagnosticKind::BadLabels)?;
                if q.is_some() {
                    return Err(DiagnosticKind::BadLabels);
                }
                (&line[..nlen], &line[open + 1..close], close + 1)
            }
            None => return Err(DiagnosticKind::MissingValue),
            Some(_) if open > nlen => (&line[..nlen], "", nlen),
            Some(_) => return Err(DiagnosticKind::BadName),
        }
    } else if b[0] == b'{' {
        let (close, q) = label_set(b, 0).map_err(|_| DiagnosticKind::BadLabels)?;
        let (ns, ne) = q.ok_or(DiagnosticKind::BadName)?;
        (&line[ns..ne], &line[1..close], close + 1)
    } else {
        return Err(DiagnosticKind::BadName);
    };
    let ws = skip_ws(b, i);
    if ws == i || ws == b.len() {
        return Err(if ws == b.len() {
            DiagnosticKind::MissingValue
        } else {
            DiagnosticKind::BadValue
        });
    }
    i = ws;
    let vs = i;
    while i < b.len() && b[i] != b' ' && b[i] != b'\t' {
        i += 1;
    }
    let value = crate::num::parse_f64(&b[vs..i]).ok_or(DiagnosticKind::BadValue)?;
    i = skip_ws(b, i);
    let mut timestamp = None;
    if i < b.len() && b[i] != b'#' {
        let ts = i;
        while i < b.len() && b[i] != b' ' && b[i] != b'\t' {
            i += 1;
        }
        timestamp = Some(crate::num::parse_f64(&b[ts..i]).ok_or(DiagnosticKind::BadTimestamp)?);
        i = skip_ws(b, i);
    }
    // OpenMetrics exemplar (` # {trace_id="…"} 1.0 [ts]`): tolerated, skipped.
    if i < b.len() && b[i] != b'#' {
        return Err(DiagnosticKind::TrailingText);
    }
    Ok(Sample {
        name,
        labels: Labels { raw: labels },
        value,
        timestamp,
        line: n,
    })
}

/// The labels of a sample: the validated text between its braces.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Labels<'a> {
    raw: &'a str,
}

impl<'a> Labels<'a> {
    /// Labels from raw text (between the braces, already validated or not:
    /// iteration stops at the first malformed pair).
    pub fn from_raw(raw: &'a str) -> Self {
        Labels { raw }
    }

    /// The raw text between the braces.
    pub fn raw(&self) -> &'a str {
        self.raw
    }

    /// No labels.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// `(name, value)` pairs in written order.
    pub fn iter(&self) -> LabelIter<'a> {
        LabelIter {
            s: self.raw,
            pos: 0,
        }
    }

    /// The value of label `name`.
    pub fn get(&self, name: &str) -> Option<LabelValue<'a>> {
        self.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// A canonical key of the label set without the labels in `skip`
    /// (sorted `name="value"` pairs, values as written): equal for equal
    /// label sets whatever their order.
    pub fn key_without(&self, skip: &[&str]) -> String {
        let mut pairs: Vec<(&str, &str)> = self
            .iter()
            .filter(|(n, _)| !skip.contains(n))
            .map(|(n, v)| (n, v.raw()))
            .collect();
        pairs.sort_unstable();
        let mut k = String::with_capacity(self.raw.len());
        for (i, (n, v)) in pairs.iter().enumerate() {
            if i > 0 {
                k.push(',');
            }
            k.push_str(n);
            k.push_str("=\"");
            k.push_str(v);
            k.push('"');
        }
        k
    }
}

/// A label value as written (escapes not yet replaced).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LabelValue<'a> {
    raw: &'a str,
}

impl<'a> LabelValue<'a> {
    /// As written between the quotes.
    pub fn raw(&self) -> &'a str {
        self.raw
    }

    /// With `\\`, `\"` and `\n` replaced (borrowed when there are none).
    pub fn unescape(&self) -> Cow<'a, str> {
        super::unescape(self.raw)
    }
}

/// Iterator over the pairs of a [`Labels`].
#[derive(Clone, Debug)]
pub struct LabelIter<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Iterator for LabelIter<'a> {
    type Item = (&'a str, LabelValue<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        let b = self.s.as_bytes();
        loop {
            let mut i = self.pos;
            while i < b.len() && matches!(b[i], b' ' | b'\t' | b',') {
                i += 1;
            }
            if i >= b.len() {
                self.pos = i;
                return None;
            }
            let (name, after) = if b[i] == b'"' {
                let e = quoted_end(b, i + 1)?;
                (&self.s[i + 1..e], e + 1)
            } else {
                let st = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                if i == st {
                    self.pos = b.len();
                    return None;
                }
                (&self.s[st..i], i)
            };
            let j = skip_ws(b, after);
            if b.get(j) != Some(&b'=') {
                // A quoted metric name inside the braces: not a label.
                self.pos = j;
                if j >= b.len() || b[j] != b',' {
                    self.pos = b.len();
                    if j < b.len() {
                        return None;
                    }
                }
                continue;
            }
            let q = skip_ws(b, j + 1);
            if b.get(q) != Some(&b'"') {
                self.pos = b.len();
                return None;
            }
            let e = match quoted_end(b, q + 1) {
                Some(e) => e,
                None => {
                    self.pos = b.len();
                    return None;
                }
            };
            self.pos = e + 1;
            return Some((
                name,
                LabelValue {
                    raw: &self.s[q + 1..e],
                },
            ));
        }
    }
}
