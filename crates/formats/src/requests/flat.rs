//! One JSON object as a flat list of borrowed `(key, scalar)` pairs.
//!
//! Why not `serde_json::Value`: it allocates a `String` per key and a map per
//! line, which halves throughput (crates.md, "JSON-lines parsing": `Value`
//! ≈ 210 MB/s against ≈ 520 MB/s for borrowed typed structs). Request logs of
//! the workflow's schema are flat, so the visitor below keeps keys and strings
//! borrowed from the line and only materialises a `Value` for nested objects
//! and arrays (AIPerf's `metadata`/`metrics`, which are small files).

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;

/// Sentinel strings that the non-standard-token pre-pass writes for bare
/// `Infinity`, `-Infinity` and `NaN` (Python's `json.dumps` default output),
/// read back as floats by [`Scalar`].
pub(crate) const POS_INF: &str = "\u{1}srtlog:+inf";
pub(crate) const NEG_INF: &str = "\u{1}srtlog:-inf";
pub(crate) const NAN: &str = "\u{1}srtlog:nan";

/// One JSON value at the top level of a request object.
#[derive(Clone, Debug, PartialEq)]
pub enum Scalar<'a> {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer that fits `i64` (kept exact: nanosecond timestamps).
    Int(i64),
    /// An integer above `i64::MAX`.
    UInt(u64),
    /// A float, or `Infinity`/`NaN` tokens.
    Float(f64),
    /// A string, borrowed unless it held escapes.
    Str(Cow<'a, str>),
    /// An object or array (rare at the top level of flat logs).
    Nested(serde_json::Value),
}

impl Scalar<'_> {
    /// The value as a float when it is a number (or a numeric-looking
    /// special token); strings are not converted.
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Scalar::Int(i) => Some(i as f64),
            Scalar::UInt(u) => Some(u as f64),
            Scalar::Float(f) => Some(f),
            Scalar::Bool(b) => Some(f64::from(u8::from(b))),
            _ => None,
        }
    }

    /// Detaches from the line buffer.
    pub fn into_owned(self) -> Scalar<'static> {
        match self {
            Scalar::Null => Scalar::Null,
            Scalar::Bool(b) => Scalar::Bool(b),
            Scalar::Int(i) => Scalar::Int(i),
            Scalar::UInt(u) => Scalar::UInt(u),
            Scalar::Float(f) => Scalar::Float(f),
            Scalar::Str(s) => Scalar::Str(Cow::Owned(s.into_owned())),
            Scalar::Nested(v) => Scalar::Nested(v),
        }
    }
}

fn special(s: &str) -> Option<f64> {
    match s {
        POS_INF => Some(f64::INFINITY),
        NEG_INF => Some(f64::NEG_INFINITY),
        NAN => Some(f64::NAN),
        _ => None,
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Null)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Scalar::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Scalar::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(i64::try_from(v).map_or(Scalar::UInt(v), Scalar::Int))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Scalar::Float(v))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(special(v).map_or(Scalar::Str(Cow::Borrowed(v)), Scalar::Float))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(special(v).map_or_else(|| Scalar::Str(Cow::Owned(v.to_owned())), Scalar::Float))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(special(&v).map_or(Scalar::Str(Cow::Owned(v)), Scalar::Float))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let v = serde_json::Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Ok(Scalar::Nested(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        let v = serde_json::Value::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
        Ok(Scalar::Nested(v))
    }
}

impl<'de> Deserialize<'de> for Scalar<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

/// A key, borrowed unless it holds escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// The top-level object of one line, fields in order of appearance.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Flat<'a> {
    /// `(key, value)` pairs; a repeated key appears twice (last one wins in
    /// [`Flat::get`], as in Python's `json.loads`).
    pub fields: Vec<(Cow<'a, str>, Scalar<'a>)>,
}

impl<'a> Flat<'a> {
    /// The last value of `key`.
    pub fn get(&self, key: &str) -> Option<&Scalar<'a>> {
        self.fields
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// Whether `key` is present.
    pub fn has(&self, key: &str) -> bool {
        self.fields.iter().any(|(k, _)| k == key)
    }
}

impl<'de> Deserialize<'de> for Flat<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Flat<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(12));
                while let Some(k) = map.next_key::<Key<'de>>()? {
                    let v: Scalar<'de> = map.next_value()?;
                    fields.push((k.0, v));
                }
                Ok(Flat { fields })
            }
        }
        d.deserialize_map(V)
    }
}

#[inline]
fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while let Some(&c) = b.get(i) {
        if !matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
            break;
        }
        i += 1;
    }
    i
}

/// A string without escapes starting after its opening quote at `i`:
/// the text and the index after the closing quote. `None` on an escape or
/// a control character (left to the full parser, which handles or rejects
/// them). Public for the request-log column scan, which must read strings
/// exactly as this scanner does.
#[inline]
pub fn fast_str(b: &[u8], i: usize) -> Option<(&str, usize)> {
    let rest = b.get(i..)?;
    let end = rest
        .iter()
        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)?;
    if rest[end] != b'"' {
        return None;
    }
    Some((std::str::from_utf8(&rest[..end]).ok()?, i + end + 1))
}

/// A JSON number at `i` (strict grammar: no leading zeros, digits after
/// `.` and in the exponent): the value and the index after it. `None` for
/// anything else (left to serde_json). Public for the request-log column
/// scan, which must read numbers exactly as this scanner does.
#[inline]
pub fn fast_num(b: &[u8], i: usize) -> Option<(Scalar<'static>, usize)> {
    let mut j = i;
    let neg = b.get(j) == Some(&b'-');
    if neg {
        j += 1;
    }
    let int_start = j;
    while b.get(j).is_some_and(u8::is_ascii_digit) {
        j += 1;
    }
    let int_len = j - int_start;
    if int_len == 0 || (int_len > 1 && b[int_start] == b'0') {
        return None;
    }
    let mut float = false;
    if b.get(j) == Some(&b'.') {
        float = true;
        j += 1;
        let f0 = j;
        while b.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        if j == f0 {
            return None;
        }
    }
    if matches!(b.get(j), Some(b'e' | b'E')) {
        float = true;
        j += 1;
        if matches!(b.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        let e0 = j;
        while b.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        if j == e0 {
            return None;
        }
    }
    let text = std::str::from_utf8(&b[i..j]).ok()?;
    if float {
        let v: f64 = text.parse().ok()?;
        // serde_json rejects numbers that overflow to infinity.
        return v.is_finite().then_some((Scalar::Float(v), j));
    }
    if let Ok(v) = text.parse::<i64>() {
        return Some((Scalar::Int(v), j));
    }
    // Beyond i64: u64, or (like serde_json) a float for larger magnitudes.
    if !neg {
        if let Ok(v) = text.parse::<u64>() {
            return Some((Scalar::UInt(v), j));
        }
    }
    None
}

/// Parses a *flat* object (scalar values only, no escapes in strings) with
/// a hand-written scanner; `None` for anything else — nested values,
/// escapes, non-standard tokens, invalid JSON — which the caller hands to
/// serde_json. The workflow's request lines always take this path; it yields
/// exactly what [`Flat`]'s serde visitor would (checked by a differential
/// test), at about twice the speed.
pub fn parse_flat_fast(b: &[u8]) -> Option<Flat<'_>> {
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i = skip_ws(b, i + 1);
    let mut fields = Vec::with_capacity(12);
    if b.get(i) == Some(&b'}') {
        return (skip_ws(b, i + 1) == b.len()).then_some(Flat { fields });
    }
    loop {
        if b.get(i) != Some(&b'"') {
            return None;
        }
        let (key, j) = fast_str(b, i + 1)?;
        i = skip_ws(b, j);
        if b.get(i) != Some(&b':') {
            return None;
        }
        i = skip_ws(b, i + 1);
        let (val, j) = match b.get(i)? {
            b'"' => {
                let (s, j) = fast_str(b, i + 1)?;
                if s.starts_with('\u{1}') {
                    return None; // A sentinel lookalike: let serde decide.
                }
                (Scalar::Str(Cow::Borrowed(s)), j)
            }
            b'n' if b[i..].starts_with(b"null") => (Scalar::Null, i + 4),
            b't' if b[i..].starts_with(b"true") => (Scalar::Bool(true), i + 4),
            b'f' if b[i..].starts_with(b"false") => (Scalar::Bool(false), i + 5),
            b'-' | b'0'..=b'9' => fast_num(b, i)?,
            _ => return None,
        };
        fields.push((Cow::Borrowed(key), val));
        i = skip_ws(b, j);
        match b.get(i)? {
            b',' => i = skip_ws(b, i + 1),
            b'}' => {
                return (skip_ws(b, i + 1) == b.len()).then_some(Flat { fields });
            }
            _ => return None,
        }
    }
}

/// Rewrites bare `Infinity`, `-Infinity` and `NaN` tokens outside strings
/// into sentinel strings that [`Scalar`] reads back as floats. Only called
/// when strict parsing failed, so standard lines pay nothing.
pub(crate) fn rewrite_nonstandard(line: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(line.len() + 32);
    let mut in_str = false;
    let mut esc = false;
    let mut changed = false;
    let mut i = 0;
    while i < line.len() {
        let c = line[i];
        if in_str {
            out.push(c);
            if esc {
                esc = false;
            } else if c == b'\\' {
                esc = true;
            } else if c == b'"' {
                in_str = false;
            }
            i += 1;
            continue;
        }
        let rest = &line[i..];
        let (tok, rep): (&[u8], &str) = if rest.starts_with(b"-Infinity") {
            (b"-Infinity", NEG_INF)
        } else if rest.starts_with(b"Infinity") {
            (b"Infinity", POS_INF)
        } else if rest.starts_with(b"NaN") {
            (b"NaN", NAN)
        } else {
            if c == b'"' {
                in_str = true;
            }
            out.push(c);
            i += 1;
            continue;
        };
        out.push(b'"');
        // The sentinel's control character must be escaped inside JSON.
        out.extend_from_slice(rep.replace('\u{1}', "\\u0001").as_bytes());
        out.push(b'"');
        i += tok.len();
        changed = true;
    }
    changed.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn borrowed_keys_and_exact_big_integers() {
        let line = br#"{"a": 1777309473799933063, "b": 18446744073709551615, "s": "x", "n": null, "f": 1.5, "o": {"k": [1]}}"#;
        let f: Flat<'_> = serde_json::from_slice(line).expect("valid");
        assert_eq!(f.get("a"), Some(&Scalar::Int(1_777_309_473_799_933_063)));
        assert_eq!(f.get("b"), Some(&Scalar::UInt(u64::MAX)));
        assert!(matches!(f.get("s"), Some(Scalar::Str(Cow::Borrowed("x")))));
        assert_eq!(f.get("n"), Some(&Scalar::Null));
        assert_eq!(f.get("f").and_then(Scalar::as_f64), Some(1.5));
        assert!(matches!(f.get("o"), Some(Scalar::Nested(_))));
    }

    #[test]
    fn nonstandard_tokens_outside_strings_only() {
        let line = br#"{"r": Infinity, "m": -Infinity, "q": NaN, "s": "NaN Infinity"}"#;
        assert!(serde_json::from_slice::<Flat<'_>>(line).is_err());
        let fixed = rewrite_nonstandard(line).expect("changed");
        let f: Flat<'_> = serde_json::from_slice(&fixed).expect("valid after rewrite");
        assert_eq!(f.get("r").and_then(Scalar::as_f64), Some(f64::INFINITY));
        assert_eq!(f.get("m").and_then(Scalar::as_f64), Some(f64::NEG_INFINITY));
        assert!(f.get("q").and_then(Scalar::as_f64).is_some_and(f64::is_nan));
        assert!(matches!(f.get("s"), Some(Scalar::Str(s)) if s == "NaN Infinity"));
        assert!(rewrite_nonstandard(br#"{"a": "Infinity"}"#).is_none());
    }
}

#[cfg(test)]
mod fast_tests {
    use super::*;

    #[test]
    fn fast_scanner_accepts_flat_lines_only() {
        let l = br#"{"timestamp": "2026-01-01T00:00:01.5Z", "n": -12, "big": 18446744073709551615, "f": 1.5e3, "z": 0, "b": true, "x": null}"#;
        let f = parse_flat_fast(l).expect("flat");
        let s: Flat<'_> = serde_json::from_slice(l).expect("valid");
        assert_eq!(f, s);
        for bad in [
            &br#"{"a": {"b": 1}}"#[..],
            br#"{"a": "x\"y"}"#,
            br#"{"a": 01}"#,
            br#"{"a": 1.}"#,
            br#"{"a": Infinity}"#,
            br#"{"a": 1} x"#,
            br#"{"a" 1}"#,
            br#"{"a": 1,}"#,
        ] {
            assert!(
                parse_flat_fast(bad).is_none(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        assert_eq!(parse_flat_fast(b" { } "), Some(Flat::default()));
    }
}
