//! SGLang scheduler/worker logs (formats.md §1).
//!
//! [`decode_line`] classifies one normalised line (see [`crate::line`]) into a
//! [`Record`]: a batch line, a memory/start-up line, a configuration line, an
//! unrelated line, or a line that *looks like* a record but could not be read
//! ([`Record::Unparsed`], counted by callers for `--coverage`). The decoder
//! borrows from the line and never allocates.
//!
//! Batch lines are read as a generic `key: value` list (formats.md §8.D), so
//! key order, new keys and the punctuation of every version (`batch.`,
//! `batch,`, `batch [N],`, trailing `, `) are handled by one procedure; keys
//! the [`fields`] registry does not know are kept in [`BatchRecord::extras`].

pub mod config;
pub mod fields;
mod memo;
pub mod memory;
pub mod prefix;

/// Substring searchers built once: `memmem::find` builds a searcher per call,
/// which costs more than the search on short lines.
pub(crate) mod finders {
    use memchr::memmem::Finder;
    use std::sync::LazyLock;

    macro_rules! finder {
        ($name:ident, $needle:literal) => {
            pub(crate) static $name: LazyLock<Finder<'static>> =
                LazyLock::new(|| Finder::new($needle));
        };
    }
    finder!(PREFILL, b"Prefill batch");
    finder!(DECODE, b"Decode batch");
    finder!(AVAIL_MEM, b"avail mem=");
    finder!(KV_CACHE, b"KV Cache is allocated");
    finder!(MAX_TOTAL, b"max_total_num_tokens=");
    finder!(SERVER_ARGS, b"ServerArgs(");
}

pub use config::{parse_config, ConfigFacts};
pub use fields::{Field, FieldDef, FieldKind, FIELDS, NFIELDS};
pub use memo::DecodeMemo;
pub use memory::{MemoryEvent, MemoryRecord};
pub use prefix::{split_prefix, Prefix, Ranks};

use crate::num::{leading_u64, parse_f64};
use crate::timestamp::Timestamp;
use memchr::memchr;

/// Prefill or decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BatchKind {
    /// A `Prefill batch` line.
    Prefill,
    /// A `Decode batch` line.
    Decode,
}

impl BatchKind {
    /// `"prefill"` or `"decode"`.
    pub fn as_str(self) -> &'static str {
        match self {
            BatchKind::Prefill => "prefill",
            BatchKind::Decode => "decode",
        }
    }
}

/// Values of the known fields of one batch line: a fixed array indexed by
/// [`Field`] plus a presence mask, so a record is a plain value with no heap.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Values {
    present: u64,
    /// Fields printed with a value that does not fit their column (a count
    /// past `i32`, `nan` for a count, `inf`): absent, and counted by callers.
    rejected: u64,
    vals: [f64; NFIELDS],
}

impl Default for Values {
    fn default() -> Self {
        Values {
            present: 0,
            rejected: 0,
            vals: [0.0; NFIELDS],
        }
    }
}

impl Values {
    /// The value of `f`, if the line printed it. Integers and booleans
    /// (1.0/0.0) are exact in `f64`.
    #[inline]
    pub fn get(&self, f: Field) -> Option<f64> {
        self.get_index(f as usize)
    }

    /// The value at registry index `i`.
    #[inline]
    pub fn get_index(&self, i: usize) -> Option<f64> {
        (self.present >> i & 1 == 1).then(|| self.vals[i])
    }

    /// Sets the value of `f` (used when rebuilding records from a table).
    #[inline]
    pub fn set(&mut self, f: Field, v: f64) {
        self.set_index(f as usize, v);
    }

    /// Sets the value at registry index `i`.
    #[inline]
    pub fn set_index(&mut self, i: usize, v: f64) {
        self.present |= 1 << i;
        self.vals[i] = v;
    }

    /// The presence mask (bit `i` = field `i`) and the value array (0 where
    /// absent), for columnar builders.
    #[inline]
    pub fn raw(&self) -> (u64, &[f64; NFIELDS]) {
        (self.present, &self.vals)
    }

    /// Marks `f` as printed with a value that does not fit its column; it
    /// stays absent (null in tables).
    #[cold]
    pub fn reject(&mut self, f: Field) {
        self.rejected |= 1 << f as usize;
    }

    /// The rejected fields (bit `i` = field `i`; 0 on nearly every line).
    #[inline]
    pub fn rejected(&self) -> u64 {
        self.rejected
    }

    /// Number of fields present.
    pub fn len(&self) -> usize {
        self.present.count_ones() as usize
    }

    /// True when no known field was present.
    pub fn is_empty(&self) -> bool {
        self.present == 0
    }
}

pub use crate::extras::{Extras, MAX_EXTRAS};

/// One `Prefill batch` / `Decode batch` line.
#[derive(Clone, Copy, Debug)]
pub struct BatchRecord<'a> {
    /// Timestamp and rank tags.
    pub prefix: Prefix,
    /// Prefill or decode.
    pub kind: BatchKind,
    /// Forward-iteration id of `batch [N],` lines (SGLANG_LOG_FORWARD_ITERS).
    pub iteration: Option<u64>,
    /// Known fields.
    pub values: Values,
    /// Unknown fields, kept verbatim.
    pub extras: Extras<'a>,
}

/// What a line is.
// The batch variant is large (a fixed value array); boxing it would cost an
// allocation per line on the hot path, and records live on the stack only.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Record<'a> {
    /// A batch line.
    Batch(BatchRecord<'a>),
    /// A memory or start-up capacity line.
    Memory(MemoryRecord),
    /// Server configuration (`server_args=ServerArgs(...)` or a launch
    /// command with `--tp-size 8`-style flags).
    Config(ConfigFacts<'a>),
    /// A line with a recognised prefix that is not a record.
    Other(Prefix),
    /// A line that looks like a batch or memory record but could not be read.
    Unparsed(&'static str),
    /// Anything else (tracebacks, third-party warnings, progress bars).
    Noise,
}

/// Classifies one normalised line.
#[inline]
pub fn decode_line(line: &[u8]) -> Record<'_> {
    with_decoded(line, Record::clone)
}

/// Classifies one normalised line and hands its record to `f`: what
/// `f(&decode_line(line))` does, without moving the record. A batch record
/// is over 500 bytes (its value array), and returning it cost a copy a line
/// (2 % of a parse); here it is filled where it lies and lent.
#[inline]
pub fn with_decoded<'a, R>(line: &'a [u8], f: impl FnOnce(&Record<'a>) -> R) -> R {
    with_decoded_in(line, None, f)
}

/// [`with_decoded`] for a loop over the lines of one log, which keeps
/// `memo` ([`DecodeMemo`]) between lines: the same records, with less work
/// for the rank tags and keys that repeat from line to line.
#[inline]
pub fn with_decoded_memo<'a, R>(
    line: &'a [u8],
    memo: &mut DecodeMemo,
    f: impl FnOnce(&Record<'a>) -> R,
) -> R {
    with_decoded_in(line, Some(memo), f)
}

#[inline]
fn with_decoded_in<'a, R>(
    line: &'a [u8],
    memo: Option<&mut DecodeMemo>,
    f: impl FnOnce(&Record<'a>) -> R,
) -> R {
    let (tags, shapes) = match memo {
        Some(m) => (Some(&mut m.tags), Some(&mut m.shapes)),
        None => (None, None),
    };
    let Some((prefix, msg)) = prefix::split_prefix_in(line, tags) else {
        return f(&decode_unprefixed(line));
    };
    let kind = match msg.first() {
        Some(b'P') if msg.starts_with(b"Prefill batch") => BatchKind::Prefill,
        Some(b'D') if msg.starts_with(b"Decode batch") => BatchKind::Decode,
        _ => return f(&decode_other(prefix, msg)),
    };
    let rest = &msg[if kind == BatchKind::Prefill { 13 } else { 12 }..];
    let mut out = Record::Batch(BatchRecord {
        prefix,
        kind,
        iteration: None,
        values: Values::default(),
        extras: Extras::default(),
    });
    let Record::Batch(rec) = &mut out else {
        return f(&out);
    };
    let shape = shapes.map(|s| &mut s[usize::from(kind == BatchKind::Decode)]);
    match decode_batch(rec, rest, shape) {
        Ok(()) => f(&out),
        Err(why) => f(&Record::Unparsed(why)),
    }
}

/// Reads the items of a batch line after its kind (`rest`) into `rec`;
/// the error is why the line is [`Record::Unparsed`].
#[inline(never)]
fn decode_batch<'a>(
    rec: &mut BatchRecord<'a>,
    mut rest: &'a [u8],
    mut shape: Option<&mut memo::Shape>,
) -> Result<(), &'static str> {
    let kind = rec.kind;
    // ` [N],` forward-iteration id.
    if let Some(r) = rest.strip_prefix(b" [") {
        let Some((n, used)) = leading_u64(r) else {
            return Err("bad iteration id");
        };
        if r.get(used) != Some(&b']') {
            return Err("bad iteration id");
        }
        rec.iteration = Some(n);
        rest = &r[used + 1..];
    }
    // 2024: `Prefill batch(mixed #running-req: N). `
    if let Some(r) = rest.strip_prefix(b"(mixed #running-req: ") {
        match leading_u64(r) {
            Some((n, used)) if r.get(used) == Some(&b')') => {
                if n as f64 <= I32_MAX {
                    rec.values.set(Field::MixedRunningReq, n as f64);
                } else {
                    rec.values.reject(Field::MixedRunningReq);
                }
                rest = &r[used + 1..];
            }
            _ => return Err("bad mixed header"),
        }
    }
    match rest.first() {
        Some(b'.' | b',') => rest = &rest[1..],
        _ => return Err("unexpected text after batch header"),
    }
    let prefill = kind == BatchKind::Prefill;
    // Items are separated by ", " (values never contain one) and split at
    // their ':' (keys contain spaces, `#`, `(`, `/` and `.`, never ':').
    // The delimiters are found eight bytes at a time ([`crate::swar`]): items
    // are a dozen bytes long, too short for `memchr`'s vector setup to pay.
    let n = rest.len();
    let mut start = 0;
    let mut item = 0;
    'items: while start < n {
        let k = item;
        item += 1;
        // The key item `k` had on the last line of this kind, when this item
        // starts with it: then its ':' is known, and so is its field.
        let expected = shape
            .as_deref()
            .and_then(|sh| sh.expected(k, &rest[start..]));
        let (colon, end) = if let Some(e) = expected {
            let c = start + e.key.len();
            if let Some((v, end)) = plain_value(rest, c, e.field) {
                rec.values.set(e.field, v);
                start = end + 2;
                continue 'items;
            }
            (Some(c - start), item_end(rest, c + 1))
        } else {
            // The first ':' of the item, unless a ", " ends the item before it.
            let mut from = start;
            loop {
                match crate::swar::find2(&rest[from..], b':', b',') {
                    None => break (None, n),
                    Some(i) if rest[from + i] == b':' => {
                        let c = from + i;
                        let key = &rest[start..c];
                        if let Some(f) = fields::lookup(trim(key), prefill) {
                            if let Some(sh) = shape.as_deref_mut() {
                                sh.note(k, key, f);
                            }
                            if let Some((v, end)) = plain_value(rest, c, f) {
                                rec.values.set(f, v);
                                start = end + 2;
                                continue 'items;
                            }
                        }
                        break (Some(c - start), item_end(rest, c + 1));
                    }
                    Some(i) if rest.get(from + i + 1).is_none_or(|&b| b == b' ') => {
                        break (None, from + i)
                    }
                    Some(i) => from += i + 1, // a ',' inside the key
                }
            }
        };
        take_item(&rest[start..end], colon, prefill, rec)?;
        start = end + 2;
    }
    if rec.values.is_empty() && rec.extras.is_empty() {
        return Err("batch line without fields");
    }
    Ok(())
}

/// The fast path of an item of field `f` whose ':' is at `c`: a plain
/// number ending the item, the shape of nearly every value. Returns it and
/// where the item ends. Anything else (`True`, `12.5%`, `nan`, a count past
/// `i32`, which the slow path rejects) goes through [`take_item`].
#[inline(always)]
fn plain_value(rest: &[u8], c: usize, f: Field) -> Option<(f64, usize)> {
    let v0 = c + 1 + usize::from(rest.get(c + 1) == Some(&b' '));
    let (v, used) = crate::num::leading_decimal(rest.get(v0..)?)?;
    let e = v0 + used;
    if !(e == rest.len() || (rest[e] == b',' && rest.get(e + 1).is_none_or(|&b| b == b' '))) {
        return None;
    }
    let ok = match f.def().kind {
        FieldKind::Float => true,
        FieldKind::Int => v <= I32_MAX,
        _ => false,
    };
    ok.then_some((v, e))
}

/// End of the item whose value starts at `from`: the next ", " or the end.
#[inline]
fn item_end(s: &[u8], mut from: usize) -> usize {
    loop {
        match crate::swar::find1(&s[from.min(s.len())..], b',') {
            None => return s.len(),
            Some(i) => {
                let at = from + i;
                if s.get(at + 1).is_none_or(|&b| b == b' ') {
                    return at;
                }
                from = at + 1;
            }
        }
    }
}

/// Stores one `key: value` item (`colon` is the offset of its ':').
#[inline]
fn take_item<'a>(
    item: &'a [u8],
    colon: Option<usize>,
    prefill: bool,
    rec: &mut BatchRecord<'a>,
) -> Result<(), &'static str> {
    let Some(c) = colon else {
        // A blank item is the trailing ", " of 0.5.x lines.
        return if trim(item).is_empty() {
            Ok(())
        } else {
            Err("item without ': '")
        };
    };
    let key = trim(&item[..c]);
    let val = trim(&item[c + 1..]);
    match fields::lookup(key, prefill) {
        Some(f) => match parse_value(val, f.def().kind) {
            Some(v) if fits(v, f.def().kind) => rec.values.set(f, v),
            // Read, but not storable: null and counted, never clamped.
            Some(_) => rec.values.reject(f),
            None => return Err("value does not parse"),
        },
        None => rec.extras.push(key, val),
    }
    Ok(())
}

#[inline]
fn trim(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t' | b'.'] = s {
        // A trailing `.` ends some 2024 lines; numbers never end in `.`.
        s = rest;
    }
    s
}

/// The largest count an `Int` column (Arrow `Int32`) holds.
const I32_MAX: f64 = 2_147_483_647.0;

/// Whether a parsed value can be stored in its column: counts within
/// `i32` (NaN is not a count), decimals not infinite (`nan` stays: SGLang
/// prints it for unset float gauges).
#[inline]
fn fits(v: f64, kind: FieldKind) -> bool {
    match kind {
        FieldKind::Int => crate::num::fits_i32(v),
        FieldKind::Float | FieldKind::Percent => !v.is_infinite(),
        FieldKind::Bool => true,
    }
}

#[inline]
fn parse_value(v: &[u8], kind: FieldKind) -> Option<f64> {
    match kind {
        FieldKind::Bool => match v {
            b"True" | b"true" => Some(1.0),
            b"False" | b"false" => Some(0.0),
            _ => None,
        },
        FieldKind::Percent => {
            let v = v.strip_suffix(b"%").unwrap_or(v);
            parse_f64(v).map(|x| x / 100.0)
        }
        FieldKind::Int => match crate::num::parse_small_uint(v) {
            Some(x) => Some(x as f64),
            None => parse_f64(v.strip_suffix(b"%").unwrap_or(v)),
        },
        FieldKind::Float => {
            // `nan` is printed for unset float gauges; a value may carry `%`.
            let v = v.strip_suffix(b"%").unwrap_or(v);
            parse_f64(v)
        }
    }
}

fn decode_other(prefix: Prefix, msg: &[u8]) -> Record<'_> {
    // Access lines (`INFO:     10.0.0.1:5428 - "POST /generate HTTP/1.1"
    // 200 OK`, one a request) are most of the lines that are not batches.
    // Their shape is known, so the marker searches below, seven passes of
    // `memmem` over the line, are not made for them.
    if msg.starts_with(b"INFO:") && crate::access::decode_access(msg).is_some() {
        return Record::Other(prefix);
    }
    if let Some(m) = memory::decode_memory(prefix, msg) {
        return Record::Memory(m);
    }
    if finders::SERVER_ARGS.find(msg).is_some() {
        return Record::Config(parse_config(msg));
    }
    if looks_like_record(msg) {
        return Record::Unparsed("record marker in an unknown message shape");
    }
    Record::Other(prefix)
}

#[cold]
fn decode_unprefixed(line: &[u8]) -> Record<'_> {
    if memchr(b'-', line).is_some() && config::is_launch_command(line) {
        return Record::Config(parse_config(line));
    }
    if looks_like_record(line) {
        // A tqdm bar that did not end its line runs straight into the next
        // record: `Capturing …it/s][2025-10-24 10:32:57 DP7 TP7] Capture …`.
        for i in memchr::memchr_iter(b'[', line).skip_while(|&i| i == 0) {
            if split_prefix(&line[i..]).is_some() {
                return decode_line(&line[i..]);
            }
        }
        return Record::Unparsed("record marker without a recognised prefix");
    }
    Record::Noise
}

/// Does the text contain a marker of a batch or memory record? Used only on
/// lines that were not decoded, to count format drift instead of losing it.
pub fn looks_like_record(s: &[u8]) -> bool {
    use finders::*;
    PREFILL.find(s).is_some()
        || DECODE.find(s).is_some()
        || AVAIL_MEM.find(s).is_some()
        || KV_CACHE.find(s).is_some()
        || MAX_TOTAL.find(s).is_some()
}

/// The timestamp of a decoded record, if any.
impl Record<'_> {
    /// Timestamp of a record that has one.
    pub fn timestamp(&self) -> Option<Timestamp> {
        match self {
            Record::Batch(b) => Some(b.prefix.ts),
            Record::Memory(m) => Some(m.prefix.ts),
            Record::Other(p) => Some(p.ts),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests;
