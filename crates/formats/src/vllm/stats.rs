//! The periodic engine statistics line and its companions (formats.md §2.2,
//! §8.E).
//!
//! ```text
//! V0 ≤0.6:  Avg prompt throughput: 0.0 tokens/s, Avg generation throughput: 0.0 tokens/s, Running: 0 reqs, Swapped: 0 reqs, Pending: 0 reqs, GPU KV cache usage: 0.0%, CPU KV cache usage: 0.0%.
//! V1 0.8:   Avg prompt throughput: 0.0 tokens/s, …, Running: 0 reqs, Waiting: 0 reqs, GPU KV cache usage: 0.0%, Prefix cache hit rate: 0.0%
//! V1 ≥0.9:  Engine 000: Avg prompt throughput: 1287.3 tokens/s, …, Prefix cache hit rate: 64.6%[, MM cache hit rate: 0.0%]
//! V0 companion: Prefix cache hit rate: GPU: 79.73%, CPU: 0.00%
//! V0 spec:  Speculative metrics: Draft acceptance rate: 0.675, System efficiency: 0.531, Number of speculative tokens: 4, Number of accepted tokens: 8485, Number of draft tokens: 12564, Number of emitted tokens: 8347.
//! V1 spec:  SpecDecoding metrics: Mean acceptance length: 3.62, Accepted throughput: 2.87 tokens/s, Drafted throughput: 16.42 tokens/s, Accepted: 76 tokens, Drafted: 435 tokens, Per-position acceptance rate: 0.793, 0.552, …, Avg Draft acceptance rate: 17.5%
//! ```
//!
//! Every line is a `key: value` list separated by `, `; values are a number
//! with an optional unit (`tokens/s`, `reqs`, `tokens`, `%`) and the V0 lines
//! end in a `.`. The per-position acceptance rates are a list whose items hold
//! no `: `, so an item without one continues the previous key. Unknown keys are
//! kept ([`Extras`]), never rejected. Percentages are returned as printed
//! (0–100) on [`StatsRecord`]; the acceptance rate of [`SpecRecord`] is a
//! fraction whatever the version printed.

use crate::num::{fits_i32, fits_i64, parse_f64, Rejected};
use memchr::memchr;

pub use crate::extras::{Extras, MAX_EXTRAS};

/// One engine statistics line. Percentages as printed (0–100).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct StatsRecord<'a> {
    /// `Engine NNN:` index (V1 ≥ 0.9; the DP rank of the engine).
    pub engine: Option<u16>,
    /// `Avg prompt throughput`, tokens/s.
    pub prompt_throughput: Option<f64>,
    /// `Avg generation throughput`, tokens/s.
    pub gen_throughput: Option<f64>,
    /// `Running`, requests.
    pub running: Option<f64>,
    /// `Waiting` (V1), requests.
    pub waiting: Option<f64>,
    /// `Pending` (V0), requests.
    pub pending: Option<f64>,
    /// `Swapped` (V0), requests.
    pub swapped: Option<f64>,
    /// `GPU KV cache usage`, percent.
    pub gpu_kv_usage: Option<f64>,
    /// `CPU KV cache usage` (V0), percent.
    pub cpu_kv_usage: Option<f64>,
    /// `Prefix cache hit rate` (V1, rolling), percent.
    pub prefix_cache_hit_rate: Option<f64>,
    /// `MM cache hit rate` (V1, multimodal models), percent.
    pub mm_cache_hit_rate: Option<f64>,
    /// Values that do not fit their column (left `None`), by column.
    pub rejected: Rejected,
    /// Unknown items.
    pub extras: Extras<'a>,
}

impl StatsRecord<'_> {
    /// The queue length under either name (`Waiting` in V1, `Pending` in V0).
    pub fn queued(&self) -> Option<f64> {
        self.waiting.or(self.pending)
    }
}

/// A speculative-decoding companion line (V1 `SpecDecoding metrics:`, V0
/// `Speculative metrics:`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SpecRecord<'a> {
    /// `Mean acceptance length` (V1), tokens per step.
    pub mean_acceptance_length: Option<f64>,
    /// `Avg Draft acceptance rate` / `Draft acceptance rate`, as a fraction.
    pub acceptance_rate: Option<f64>,
    /// `Accepted throughput` (V1), tokens/s.
    pub accepted_throughput: Option<f64>,
    /// `Drafted throughput` (V1), tokens/s.
    pub drafted_throughput: Option<f64>,
    /// `Accepted` (V1) / `Number of accepted tokens` (V0), tokens.
    pub accepted_tokens: Option<f64>,
    /// `Drafted` (V1) / `Number of draft tokens` (V0), tokens.
    pub drafted_tokens: Option<f64>,
    /// `Number of emitted tokens` (V0), tokens.
    pub emitted_tokens: Option<f64>,
    /// `System efficiency` (V0), fraction.
    pub system_efficiency: Option<f64>,
    /// `Number of speculative tokens` (V0), tokens per step.
    pub num_spec_tokens: Option<f64>,
    /// `Per-position acceptance rate` values as printed (`0.793, 0.552, …`).
    pub per_position: Option<&'a [u8]>,
    /// Values that do not fit their column (left `None`), by column.
    pub rejected: Rejected,
    /// Unknown items.
    pub extras: Extras<'a>,
}

impl SpecRecord<'_> {
    /// The per-position acceptance rates.
    pub fn per_position_rates(&self) -> impl Iterator<Item = f64> + '_ {
        self.per_position
            .unwrap_or_default()
            .split(|&b| b == b',')
            .filter_map(|s| parse_f64(trim(s)))
    }
}

/// The V0 `Prefix cache hit rate: GPU: x%, CPU: y%` line, percent.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PrefixCacheRecord {
    /// GPU prefix-cache hit rate, percent.
    pub gpu: Option<f64>,
    /// CPU prefix-cache hit rate, percent.
    pub cpu: Option<f64>,
}

/// A percentage as a fraction, rounded as if the decimal point of the
/// printed value had been moved (`0.7` → `0.007`, where `0.7 / 100.0` gives
/// `0.006999999999999999`). vLLM prints one or two decimals, so the value
/// times a small power of ten is an integer, and an integer divided by an
/// exact power of ten is correctly rounded.
pub fn percent_to_fraction(p: f64) -> f64 {
    const POW10: [f64; 9] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8];
    for d in 0..=6 {
        let m = p * POW10[d];
        let r = m.round();
        if (m - r).abs() <= 1e-9 * r.abs().max(1.0) && r.abs() < 9e15 {
            return r / POW10[d + 2];
        }
    }
    p / 100.0
}

#[inline]
fn trim(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// The range check of a decimal column: not infinite (`nan` is kept, as
/// SGLang's unset gauges are).
fn finite(x: f64) -> bool {
    !x.is_infinite()
}

/// A value: a number, an optional unit after a space, or a `%` sign.
/// Returns the number and whether it was a percentage.
#[inline]
fn number(v: &[u8]) -> Option<(f64, bool)> {
    let v = trim(v);
    let v = v.strip_suffix(b".").unwrap_or(v);
    if let Some(p) = v.strip_suffix(b"%") {
        return parse_f64(p).map(|x| (x, true));
    }
    let num = match memchr(b' ', v) {
        Some(i) => &v[..i],
        None => v,
    };
    parse_f64(num).map(|x| (x, false))
}

/// Splits `s` at the first `", "`; the second part is empty at the end.
#[inline]
fn split_item(s: &[u8]) -> (&[u8], &[u8]) {
    let mut from = 0;
    while let Some(i) = memchr(b',', &s[from..]) {
        let at = from + i;
        if s.get(at + 1) == Some(&b' ') {
            return (&s[..at], &s[at + 2..]);
        }
        from = at + 1;
    }
    (s, &s[s.len()..])
}

/// Where the key of `item` ends: its first `": "`. `memchr` for the colon
/// and a check of the next byte (a `memmem` searcher would be built per item).
#[inline]
fn key_end(item: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = memchr(b':', &item[from..]) {
        let at = from + i;
        if item.get(at + 1) == Some(&b' ') {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Calls `f(key, value)` for each `key: value` item. An item without `: `
/// extends the previous item's value (a list such as the per-position
/// acceptance rates); `Err` when the first item has none.
fn items<'a>(
    mut rest: &'a [u8],
    mut f: impl FnMut(&'a [u8], &'a [u8]) -> Result<(), &'static str>,
) -> Result<(), &'static str> {
    let mut pending: Option<(&'a [u8], &'a [u8])> = None;
    let whole = rest;
    let base = whole.as_ptr() as usize;
    while !rest.is_empty() {
        let (item, next) = split_item(rest);
        rest = next;
        let item = trim(item);
        if item.is_empty() {
            continue;
        }
        match key_end(item) {
            Some(c) => {
                if let Some((k, v)) = pending.take() {
                    f(k, v)?;
                }
                pending = Some((&item[..c], &item[c + 2..]));
            }
            None => match pending.as_mut() {
                // A list value: widen the value to the end of this item.
                Some((_, v)) => {
                    let start = v.as_ptr() as usize - base;
                    let end = item.as_ptr() as usize - base + item.len();
                    *v = &whole[start..end];
                }
                None => return Err("item without ': '"),
            },
        }
    }
    if let Some((k, v)) = pending {
        f(k, v)?;
    }
    Ok(())
}

/// Decodes the message of an engine statistics line (after the prefix).
pub fn decode_stats(msg: &[u8]) -> Result<StatsRecord<'_>, &'static str> {
    let mut r = StatsRecord::default();
    let mut rest = msg;
    if let Some(after) = rest.strip_prefix(b"Engine ") {
        let colon = memchr(b':', after).ok_or("engine index without ':'")?;
        let idx = &after[..colon];
        let n = crate::num::parse_i64(idx)
            .and_then(|n| u16::try_from(n).ok())
            .ok_or("bad engine index")?;
        r.engine = Some(n);
        rest = &after[colon + 1..];
    }
    items(rest, |k, v| {
        let (x, _) = number(v).ok_or("value does not parse")?;
        // (slot, table column, the column's range check)
        let (slot, column, fits): (_, _, fn(f64) -> bool) = match k {
            b"Avg prompt throughput" => (&mut r.prompt_throughput, "input_throughput", finite),
            b"Avg generation throughput" => (&mut r.gen_throughput, "gen_throughput", finite),
            b"Running" => (&mut r.running, "running_req", fits_i32),
            b"Waiting" => (&mut r.waiting, "queue_req", fits_i32),
            b"Pending" => (&mut r.pending, "queue_req", fits_i32),
            b"Swapped" => (&mut r.swapped, "swapped_req", fits_i32),
            b"GPU KV cache usage" | b"KV cache usage" => {
                (&mut r.gpu_kv_usage, "token_usage", finite)
            }
            b"CPU KV cache usage" => (&mut r.cpu_kv_usage, "cpu_kv_usage", finite),
            b"Prefix cache hit rate" => (
                &mut r.prefix_cache_hit_rate,
                "prefix_cache_hit_rate",
                finite,
            ),
            b"MM cache hit rate" => (&mut r.mm_cache_hit_rate, "mm_cache_hit_rate", finite),
            _ => {
                r.extras.push(k, trim(v));
                return Ok(());
            }
        };
        if fits(x) {
            *slot = Some(x);
        } else {
            // A count past its column or not a number, an infinite rate:
            // null and counted, never clamped (`as i32` saturates).
            r.rejected.push(column);
        }
        Ok(())
    })?;
    // A line whose throughputs were printed but rejected is still a
    // statistics line.
    let rejected_tput = r
        .rejected
        .iter()
        .any(|c| c == "input_throughput" || c == "gen_throughput");
    if (r.prompt_throughput.is_none() || r.gen_throughput.is_none()) && !rejected_tput {
        return Err("stats line without both throughputs");
    }
    Ok(r)
}

/// Decodes `SpecDecoding metrics: …` (V1) or `Speculative metrics: …` (V0);
/// `msg` starts after the `metrics: ` header.
pub fn decode_spec(body: &[u8]) -> Result<SpecRecord<'_>, &'static str> {
    let mut r = SpecRecord::default();
    items(body, |k, v| {
        if k == b"Per-position acceptance rate" {
            let v = trim(v);
            let v = v.strip_suffix(b".").unwrap_or(v);
            for x in v.split(|&b| b == b',') {
                parse_f64(trim(x)).ok_or("per-position rate does not parse")?;
            }
            r.per_position = Some(v);
            return Ok(());
        }
        let (x, pct) = number(v).ok_or("value does not parse")?;
        let (slot, column, fits): (_, _, fn(f64) -> bool) = match k {
            b"Mean acceptance length" => (&mut r.mean_acceptance_length, "accept_len", finite),
            b"Avg Draft acceptance rate" | b"Draft acceptance rate" => {
                if finite(x) {
                    r.acceptance_rate = Some(if pct { percent_to_fraction(x) } else { x });
                } else {
                    r.rejected.push("accept_rate");
                }
                return Ok(());
            }
            b"Accepted throughput" => (
                &mut r.accepted_throughput,
                "spec_accepted_throughput",
                finite,
            ),
            b"Drafted throughput" => (&mut r.drafted_throughput, "spec_drafted_throughput", finite),
            b"Accepted" | b"Number of accepted tokens" => {
                (&mut r.accepted_tokens, "spec_accepted_tokens", fits_i64)
            }
            b"Drafted" | b"Number of draft tokens" => {
                (&mut r.drafted_tokens, "spec_drafted_tokens", fits_i64)
            }
            b"Number of emitted tokens" => (&mut r.emitted_tokens, "spec_emitted_tokens", fits_i64),
            b"System efficiency" => (&mut r.system_efficiency, "spec_system_efficiency", finite),
            b"Number of speculative tokens" => {
                (&mut r.num_spec_tokens, "spec_num_tokens", fits_i32)
            }
            _ => {
                r.extras.push(k, trim(v));
                return Ok(());
            }
        };
        if fits(x) {
            *slot = Some(x);
        } else {
            r.rejected.push(column);
        }
        Ok(())
    })?;
    if r.mean_acceptance_length.is_none() && r.acceptance_rate.is_none() && r.rejected.is_empty() {
        return Err("speculative line without an acceptance length or rate");
    }
    Ok(r)
}

/// Decodes the V0 `Prefix cache hit rate: GPU: x%, CPU: y%` line; `body`
/// starts after `Prefix cache hit rate: `.
pub fn decode_prefix_cache(body: &[u8]) -> Result<PrefixCacheRecord, &'static str> {
    let mut r = PrefixCacheRecord::default();
    items(body, |k, v| {
        let (x, _) = number(v).ok_or("value does not parse")?;
        match k {
            b"GPU" => r.gpu = Some(x),
            b"CPU" => r.cpu = Some(x),
            _ => {}
        }
        Ok(())
    })?;
    if r.gpu.is_none() {
        return Err("prefix-cache line without a GPU rate");
    }
    Ok(r)
}
