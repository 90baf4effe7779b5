//! Fast paths for the two big lists of an AIPerf record: `response_chunks`
//! (`[[ts_ns, size], …]`, hundreds of pairs per streamed request) and the
//! `inter_chunk_latency` values. serde_json hands them over as raw text
//! (`RawValue`, only skipped, not parsed, on its side) and they are scanned
//! here without per-element visitor calls. Anything unusual (nulls, nested
//! values, strings) returns `None`, and the caller falls back to the
//! general serde path, so the fast path never changes a result.

use crate::num::parse_f64;

struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    #[inline]
    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    #[inline]
    fn eat(&mut self, c: u8) -> bool {
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            return true;
        }
        self.ws();
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    /// The bytes of one JSON number.
    #[inline]
    fn number(&mut self) -> Option<&[u8]> {
        self.ws();
        let start = self.i;
        while self.i < self.s.len()
            && matches!(
                self.s[self.i],
                b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'
            )
        {
            self.i += 1;
        }
        (self.i > start).then(|| &self.s[start..self.i])
    }

    /// An integer, digits parsed in the same pass that finds them. A
    /// fraction, exponent or value beyond i64 gives `None` (serde fallback).
    #[inline]
    fn int(&mut self) -> Option<i64> {
        self.ws();
        let s = self.s;
        let mut i = self.i;
        let neg = s.get(i) == Some(&b'-');
        if neg {
            i += 1;
        }
        let start = i;
        let mut v: i64 = 0;
        while let Some(&d) = s.get(i) {
            if !d.is_ascii_digit() {
                break;
            }
            v = v.checked_mul(10)?.checked_add(i64::from(d - b'0'))?;
            i += 1;
        }
        if i == start || matches!(s.get(i), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        self.i = i;
        Some(if neg { -v } else { v })
    }
}

/// `[[ts, size], …]` with integer members only.
pub(crate) fn pairs(raw: &str) -> Option<Vec<(i64, i64)>> {
    let (v, used) = pairs_prefix(raw.as_bytes())?;
    raw.as_bytes()[used..].trim_ascii().is_empty().then_some(v)
}

/// `floats` of a whole raw value.
pub(crate) fn floats(raw: &str) -> Option<Vec<f64>> {
    let (v, used) = floats_prefix(raw.as_bytes())?;
    raw.as_bytes()[used..].trim_ascii().is_empty().then_some(v)
}

/// A pair list at the start of `b`, and the bytes it spans.
pub(crate) fn pairs_prefix(b: &[u8]) -> Option<(Vec<(i64, i64)>, usize)> {
    let mut c = Cursor { s: b, i: 0 };
    if !c.eat(b'[') {
        return None;
    }
    let mut out = Vec::with_capacity(b.len().min(1 << 16) / 24 + 1);
    if c.eat(b']') {
        return Some((out, c.i));
    }
    loop {
        if !c.eat(b'[') {
            return None;
        }
        let a = c.int()?;
        if !c.eat(b',') {
            return None;
        }
        let b = c.int()?;
        if !c.eat(b']') {
            return None;
        }
        out.push((a, b));
        if c.eat(b',') {
            continue;
        }
        if c.eat(b']') {
            return Some((out, c.i));
        }
        return None;
    }
}

/// `[x, y, …]` with numbers only (correctly rounded) at the start of
/// `b`, and the bytes it spans.
pub(crate) fn floats_prefix(b: &[u8]) -> Option<(Vec<f64>, usize)> {
    let mut c = Cursor { s: b, i: 0 };
    if !c.eat(b'[') {
        return None;
    }
    let mut out = Vec::with_capacity(b.len().min(1 << 16) / 12 + 1);
    if c.eat(b']') {
        return Some((out, c.i));
    }
    loop {
        let n = c.number()?;
        // A negative gap is impossible; it takes the general path, which
        // marks the list as holding values to leave out.
        if n.first() == Some(&b'-') {
            return None;
        }
        out.push(parse_f64(n).filter(|x| x.is_finite())?);
        if c.eat(b',') {
            continue;
        }
        if c.eat(b']') {
            return Some((out, c.i));
        }
        return None;
    }
}

/// The position of the value of top-level-looking key `key` (quoted, as
/// bytes) in `line`: the key must follow `{` or `,` (so it is a key, not
/// text inside a string, where a quote would be escaped) and be followed by
/// `:`. Returns the index of the value's first byte.
fn value_of(line: &[u8], key: &[u8]) -> Option<usize> {
    value_after(line, 0, key)
}

/// [`value_of`], searching from `from`.
fn value_after(line: &[u8], from: usize, key: &[u8]) -> Option<usize> {
    let at = from + memchr::memmem::find(&line[from..], key)?;
    let before = line[..at].trim_ascii_end();
    if !matches!(before.last(), Some(b'{' | b',')) {
        return None;
    }
    let mut c = Cursor {
        s: line,
        i: at + key.len(),
    };
    if !c.eat(b':') {
        return None;
    }
    c.ws();
    Some(c.i)
}

/// The big lists cut out of a record line: the line without them (each
/// replaced by `[]`), `response_chunks`, and the `inter_chunk_latency`
/// values. `None` when the line has neither in the expected shape; the
/// caller then parses the line as it is.
pub(crate) type Stripped = (Vec<u8>, Option<Vec<(i64, i64)>>, Option<Vec<f64>>);

/// Cuts the lists out of `line` (see [`Stripped`]).
pub(crate) fn strip(line: &[u8]) -> Option<Stripped> {
    let mut cuts: Vec<(usize, usize)> = Vec::with_capacity(2);
    let chunks = value_of(line, b"\"response_chunks\"").and_then(|at| {
        let (v, used) = pairs_prefix(&line[at..])?;
        cuts.push((at, at + used));
        Some(v)
    });
    let icl = value_of(line, b"\"inter_chunk_latency\"").and_then(|at| {
        // `{"value": [...], ...}` with `value` first, as AIPerf writes it.
        let mut c = Cursor { s: line, i: at };
        if !c.eat(b'{') {
            return None;
        }
        // `value` must be the object's first key.
        c.ws();
        let v_at = value_after(line, c.i, b"\"value\"")?;
        if !line[c.i..].starts_with(b"\"value\"") {
            return None;
        }
        let (v, used) = floats_prefix(&line[v_at..])?;
        cuts.push((v_at, v_at + used));
        Some(v)
    });
    if cuts.is_empty() {
        return None;
    }
    cuts.sort_unstable();
    if cuts.len() == 2 && cuts[0].1 > cuts[1].0 {
        return None;
    }
    let mut out = Vec::with_capacity(line.len());
    let mut from = 0;
    for (a, b) in cuts {
        out.extend_from_slice(&line[from..a]);
        out.extend_from_slice(b"[]");
        from = b;
    }
    out.extend_from_slice(&line[from..]);
    Some((out, chunks, icl))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_lists() {
        assert_eq!(pairs("[[1,2], [3 , -4]]"), Some(vec![(1, 2), (3, -4)]));
        assert_eq!(
            pairs("[[1762551535841436103,186]]"),
            Some(vec![(1762551535841436103, 186)])
        );
        assert_eq!(pairs("[[9223372036854775808,1]]"), None);
        assert_eq!(pairs("[]"), Some(vec![]));
        assert_eq!(pairs("[[1,2.5]]"), None);
        assert_eq!(pairs("[[1,null]]"), None);
        assert_eq!(pairs("[[1,2],]"), None);
        assert_eq!(pairs("[[1,2,3]]"), None);
        assert_eq!(
            floats("[17.868007, 18.349401999999998,1e-3, 5]"),
            Some(vec![17.868007, 18.349401999999998, 0.001, 5.0])
        );
        assert_eq!(floats("[1, null]"), None);
        assert_eq!(floats("[1,]"), None);
        assert_eq!(floats("[]"), Some(vec![]));
        let l = br#"{"metrics":{"inter_chunk_latency": {"value": [1.5, 2], "unit": "ms"}},"trace_data":{"response_chunks":[[1,2],[3,4]],"x":1}}"#;
        let (out, c, i) = strip(l).unwrap();
        assert_eq!(out, br#"{"metrics":{"inter_chunk_latency": {"value": [], "unit": "ms"}},"trace_data":{"response_chunks":[],"x":1}}"#);
        assert_eq!((c, i), (Some(vec![(1, 2), (3, 4)]), Some(vec![1.5, 2.0])));
        // Inside a string the quote is escaped: not a key.
        assert!(strip(br#"{"a":"x\"response_chunks\":[[1,2]]"}"#).is_none());
    }
}
