//! The column scan of request-log lines: only what `summary` and
//! `anomalies` need, straight into [`Columns`], without a row or a request
//! table.
//!
//! A line of the workflow's flat format (formats.md §3.2) is read by a
//! key scanner over its bytes (`memchr` finds the line ends, a byte loop
//! each string's end): keys are mapped with the same [`FieldMap`] as the
//! full decoder, values of keys the analysis does not keep (request ids
//! unless asked for, strings that are not mapped) are skipped without being
//! copied, and numbers are parsed by Clinger's exact fast path for plain
//! decimals ([`plain_decimal`]) or else by the full decoder's own number
//! reader ([`fast_num`]), so every value is bit for bit the one
//! [`decode_line`] gives. Anything else — a byte outside
//! printable ASCII, an escape, a nested value, a non-standard `Infinity`
//! token, a key that marks another schema (AIPerf, SGLang request metrics,
//! telemetry, benchmark summaries), invalid JSON — is handed to
//! [`decode_line`], so the scan accepts and rejects exactly the lines the
//! full decoder does (tested line by line in `tests`).
//!
//! Values are kept as written; which of them enter the statistics is decided
//! by the analyses ([`crate::usable`]), the same for the full table.

use crate::columns::{Columns, Row};
use srtlog_formats::requests::flat::{fast_num, Scalar};
use srtlog_formats::requests::generic::{status_ok, timestamp_of};
use srtlog_formats::requests::{decode_line, FieldMap, LineError, Num, Request, Target};
use std::borrow::Cow;

/// Whether every byte is printable ASCII: such a line is valid UTF-8 and
/// has no control character inside a string, so the scan needs no check
/// of its own. Written as a fold so that it compiles to wide compares.
#[inline]
fn printable(b: &[u8]) -> bool {
    !b.iter()
        .fold(false, |bad, &c| bad | !(0x20..0x7f).contains(&c))
}

#[inline]
fn skip_spaces(b: &[u8], mut i: usize) -> usize {
    while b.get(i) == Some(&b' ') {
        i += 1;
    }
    i
}

/// A string without escapes starting after its opening quote at `i`: the
/// text and the index after the closing quote (`None` on an escape).
/// `text` is the line as a `str` (checked once per line). A byte loop:
/// keys and values are short, where `memchr`'s set-up costs more than it
/// saves.
#[inline]
fn string_at<'a>(b: &[u8], text: &'a str, i: usize) -> Option<(&'a str, usize)> {
    let len = b.get(i..)?.iter().position(|&c| c == b'"' || c == b'\\')?;
    if b[i + len] != b'"' {
        return None;
    }
    Some((text.get(i..i + len)?, i + len + 1))
}

/// Exact powers of ten up to 1e22 (every one is an `f64` exactly).
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// A plain decimal `-?digits.digits` of at most 15 significant digits at
/// `i`, without an exponent: the mantissa and the power of ten are exact
/// `f64`s, so one correctly rounded division gives the correctly rounded
/// value (Clinger 1990, "How to read floating point numbers accurately",
/// the fast path), the same bits as `str::parse`. `None` for any other
/// number, left to [`fast_num`].
#[inline]
fn plain_decimal(b: &[u8], i: usize) -> Option<(Scalar<'static>, usize)> {
    let mut j = i;
    let neg = b.get(j) == Some(&b'-');
    j += usize::from(neg);
    let int_start = j;
    let mut m: u64 = 0;
    while let Some(d) = b.get(j).filter(|c| c.is_ascii_digit()) {
        m = m * 10 + u64::from(d - b'0');
        j += 1;
        if j - int_start > 15 {
            return None;
        }
    }
    let int_len = j - int_start;
    if int_len == 0 || (int_len > 1 && b[int_start] == b'0') || b.get(j) != Some(&b'.') {
        return None;
    }
    j += 1;
    let frac_start = j;
    while let Some(d) = b.get(j).filter(|c| c.is_ascii_digit()) {
        m = m * 10 + u64::from(d - b'0');
        j += 1;
        if j - frac_start + int_len > 15 {
            return None;
        }
    }
    let k = j - frac_start;
    if k == 0 || matches!(b.get(j), Some(b'e' | b'E')) {
        return None;
    }
    let v = m as f64 / POW10[k];
    Some((Scalar::Float(if neg { -v } else { v }), j))
}

/// Keys that make the full decoder choose another schema or reject the
/// line as not per-request ([`srtlog_formats::requests::decode_flat`]).
fn other_schema_key(k: &str) -> bool {
    matches!(
        k,
        "metadata" | "request_parameters" | "telemetry_data" | "completed"
    )
}

/// What a line's value sets in the row, exactly as
/// [`srtlog_formats::requests::generic::decode`] maps it.
fn apply<'a>(row: &mut Row<'a>, key: &'a str, target: Option<Target>, v: Scalar<'a>) {
    match target {
        Some(Target::Timestamp) => row.ts = timestamp_of(&v),
        Some(Target::RequestId) => {
            row.id = match v {
                Scalar::Str(s) => Some(s),
                Scalar::Int(i) => Some(Cow::Owned(i.to_string())),
                Scalar::UInt(u) => Some(Cow::Owned(u.to_string())),
                _ => None,
            }
        }
        Some(Target::Model) => {
            if let Scalar::Str(Cow::Borrowed(s)) = v {
                row.model = Some(s);
            }
        }
        Some(Target::Status) => match v {
            Scalar::Str(s) => row.ok = Some(status_ok(&s)),
            Scalar::Int(c) => row.ok = Some((200..300).contains(&c)),
            Scalar::Bool(b) => row.ok = Some(b),
            _ => {}
        },
        Some(Target::Error) => match v {
            Scalar::Null | Scalar::Bool(false) => {}
            Scalar::Str(s) if s.is_empty() => {}
            _ => row.error = true,
        },
        Some(Target::Num(n)) => {
            let x = match v {
                Scalar::Str(s) => s.trim().parse::<f64>().ok(),
                other => other.as_f64(),
            };
            if let Some(x) = x {
                row.nums[n as usize] = x;
            }
        }
        None => {
            if let Some(x) = v.as_f64() {
                row.extra.push((Cow::Borrowed(key), x));
            }
        }
    }
}

/// Scans one flat line (trimmed, starting with `{`) into `row`; `None`
/// hands the line to the full decoder.
fn scan_line<'a>(b: &'a [u8], map: &FieldMap, keep_ids: bool, row: &mut Row<'a>) -> Option<()> {
    if !printable(b) {
        return None;
    }
    let text = std::str::from_utf8(b).ok()?;
    let mut i = skip_spaces(b, 1);
    if b.get(i) == Some(&b'}') {
        return (skip_spaces(b, i + 1) == b.len()).then_some(());
    }
    loop {
        if b.get(i) != Some(&b'"') {
            return None;
        }
        let (key, j) = string_at(b, text, i + 1)?;
        i = skip_spaces(b, j);
        if b.get(i) != Some(&b':') {
            return None;
        }
        i = skip_spaces(b, i + 1);
        let target = map.lookup(key);
        // The default names never map these keys: only a custom map can.
        if (target.is_none() || !map.custom.is_empty()) && other_schema_key(key) {
            return None;
        }
        let (v, j) = match b.get(i)? {
            b'"' => {
                let (s, j) = string_at(b, text, i + 1)?;
                match target {
                    // Strings the analysis never reads: skipped.
                    None => (Scalar::Null, j),
                    Some(Target::RequestId) if !keep_ids => (Scalar::Null, j),
                    _ => (Scalar::Str(Cow::Borrowed(s)), j),
                }
            }
            b'n' if b[i..].starts_with(b"null") => (Scalar::Null, i + 4),
            b't' if b[i..].starts_with(b"true") => (Scalar::Bool(true), i + 4),
            b'f' if b[i..].starts_with(b"false") => (Scalar::Bool(false), i + 5),
            b'-' | b'0'..=b'9' => match plain_decimal(b, i) {
                Some(x) => x,
                None => fast_num(b, i)?,
            },
            _ => return None,
        };
        apply(row, key, target, v);
        i = skip_spaces(b, j);
        match b.get(i)? {
            b',' => i = skip_spaces(b, i + 1),
            b'}' => return (skip_spaces(b, i + 1) == b.len()).then_some(()),
            _ => return None,
        }
    }
}

/// What one line gave.
pub enum Scanned<'a> {
    /// A blank line.
    Blank,
    /// A request of the flat format, scanned.
    Row(Row<'a>),
    /// A request the full decoder read (another schema, escapes…).
    Request(Request<'a>),
    /// Not a request.
    Error(LineError),
}

/// Reads one line: the scan when it can, the full decoder otherwise.
pub fn scan<'a>(line: &'a [u8], map: &FieldMap, keep_ids: bool) -> Scanned<'a> {
    let b = line.trim_ascii();
    if b.is_empty() {
        return Scanned::Blank;
    }
    if b[0] == b'{' {
        let mut row = Row::default();
        if scan_line(b, map, keep_ids, &mut row).is_some() {
            for &(n, f) in &map.scale {
                row.nums[n as usize] *= f;
            }
            if row.error {
                row.ok = Some(false);
            }
            if row.nums[Num::LatencyMs as usize].is_nan() && row.ts.is_none() {
                return Scanned::Error(LineError::MissingFields("latency_ms or timestamp"));
            }
            return Scanned::Row(row);
        }
    }
    match decode_line(line, map) {
        Ok(None) => Scanned::Blank,
        Ok(Some(r)) => Scanned::Request(r),
        Err(e) => Scanned::Error(e),
    }
}

/// Adds one block's lines to `cols`; the counts go to `part`. Returns the
/// number of `\n` in the block.
pub fn scan_block(
    block: &[u8],
    map: &FieldMap,
    cols: &mut Columns,
    part: &mut crate::load::Counts,
) -> u64 {
    let mut start = 0;
    let mut newlines = 0;
    let ends = memchr::memchr_iter(b'\n', block).chain(std::iter::once(block.len()));
    for (i, end) in ends.enumerate() {
        newlines = i as u64;
        let line = &block[start..end];
        start = end + 1;
        let keep_ids = cols.keeps_ids();
        match scan(line, map, keep_ids) {
            Scanned::Blank => {}
            Scanned::Row(row) => {
                part.lines += 1;
                part.schema(srtlog_formats::requests::Schema::Generic);
                cols.push(&row);
            }
            Scanned::Request(r) => {
                part.lines += 1;
                part.schema(r.schema);
                cols.push(&Row::of_request(&r));
            }
            Scanned::Error(e) => part.error(i as u64, &e),
        }
    }
    newlines
}

#[cfg(test)]
mod tests;
