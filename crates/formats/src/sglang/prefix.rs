//! The line prefixes that carry a timestamp and rank tags (formats.md §1.2,
//! §1.3, §8.B and §8.C).
//!
//! * SGLang native: `[2025-10-20 12:06:03 TP0] `, `[2026-09-24 01:47:50.615 DP3 TP3 EP3] `,
//!   `[2026-08-01 23:43:46] `, any subset and order of the rank tags, and the
//!   2024 time-only form `[12:34:56 TP0] `.
//! * Dynamo / Rust tracing: `2026-07-08T22:28:50.274739Z  INFO target: message`
//!   (ANSI already stripped), which carries no rank tags.
//! * Outer noise in front of either: a container or host-clock timestamp, or a
//!   docker-compose `service | ` column.

use crate::timestamp::{parse_datetime, parse_time_at, Timestamp};
use memchr::memchr;

/// Rank tags of an SGLang prefix. A tag is absent when the corresponding
/// parallel size is 1, so "absent" and "rank 0" are different facts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ranks {
    /// Data-parallel rank (`DPn`).
    pub dp: Option<u16>,
    /// Pipeline-parallel rank (`PPn`).
    pub pp: Option<u16>,
    /// Tensor-parallel rank (`TPn`).
    pub tp: Option<u16>,
    /// Expert-parallel rank (`EPn`).
    pub ep: Option<u16>,
    /// Attention context-parallel rank (`ATTN_CPn`).
    pub attn_cp: Option<u16>,
    /// MoE data-parallel rank (`MOE_DPn`).
    pub moe_dp: Option<u16>,
}

impl Ranks {
    /// Bits [`Ranks::pack`] uses: six tags of 17 bits (presence, then a
    /// `u16` value). A caller may put its own bits above them; `u128::MAX`
    /// is then still no key, which the memos below use for an empty slot.
    pub const PACKED_BITS: u32 = 6 * 17;
    /// Slots of a direct-mapped memo indexed by [`Ranks::memo_slot`].
    pub const MEMO_SLOTS: usize = 64;

    /// Tag `j` (in the order `dp, pp, tp, ep, attn_cp, moe_dp`) of value
    /// `v`, placed where [`Ranks::pack`] puts it.
    #[inline]
    pub fn pack_tag(j: usize, v: u16) -> u128 {
        (1 << 16 | u128::from(v)) << (17 * j)
    }

    /// The tags as one integer, for memos keyed by rank tuple: DP layouts
    /// interleave a few dozen tuples line by line, and comparing or hashing
    /// six optional tags per line cost more than the work they guard.
    #[inline]
    pub fn pack(&self) -> u128 {
        let tags = [
            self.dp,
            self.pp,
            self.tp,
            self.ep,
            self.attn_cp,
            self.moe_dp,
        ];
        tags.iter().enumerate().fold(0u128, |k, (j, t)| match t {
            Some(v) => k | Ranks::pack_tag(j, *v),
            None => k,
        })
    }

    /// The tags of [`Ranks::pack`]'s integer (bits above
    /// [`Ranks::PACKED_BITS`] ignored).
    pub fn unpack(k: u128) -> Ranks {
        let tag = |j: usize| {
            let t = (k >> (17 * j)) & 0x1_ffff;
            (t >> 16 == 1).then_some(t as u16)
        };
        Ranks {
            dp: tag(0),
            pp: tag(1),
            tp: tag(2),
            ep: tag(3),
            attn_cp: tag(4),
            moe_dp: tag(5),
        }
    }

    /// The slot of a packed key (with any caller bits) in a memo of
    /// [`Ranks::MEMO_SLOTS`]: Fibonacci hashing of its two halves' xor.
    #[inline]
    pub fn memo_slot(key: u128) -> usize {
        let h = (key as u64 ^ (key >> 64) as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        (h >> 58) as usize
    }
}

/// A decoded prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Prefix {
    /// Timestamp, wall clock as printed.
    pub ts: Timestamp,
    /// Whether the timestamp carried a date (the 2024 form did not).
    pub has_date: bool,
    /// Rank tags (all `None` for Dynamo lines and main-process lines).
    pub ranks: Ranks,
}

/// Splits a normalised line into its prefix and message. Returns `None` when
/// the line has no recognised timestamp prefix.
#[inline]
pub fn split_prefix(line: &[u8]) -> Option<(Prefix, &[u8])> {
    split_prefix_in(line, None)
}

/// [`split_prefix`], reading rank tags through `memo` when given.
#[inline]
pub(super) fn split_prefix_in<'a>(
    line: &'a [u8],
    memo: Option<&mut TagMemo>,
) -> Option<(Prefix, &'a [u8])> {
    if let Some(r) = split_at_start(line, memo) {
        return Some(r);
    }
    split_after_outer_noise(line)
}

/// The rank tags of recent prefixes, by their bytes (`DP3 TP3 EP3`): a
/// scheduler prints the same tags on every line, and a log interleaves a
/// few dozen tuples at most, so each tuple is read once and then found.
/// Reading the tags was over a third of the work of a prefix. Tags are a
/// pure function of their bytes, so the memo changes no result; tag runs
/// longer than 16 bytes, and tags that do not read, are not kept.
#[derive(Clone, Debug)]
pub struct TagMemo {
    /// `(tag bytes, zero-padded; their length, 0 for an empty slot; ranks)`.
    slots: [(u128, u8, Ranks); TagMemo::SLOTS],
}

impl Default for TagMemo {
    fn default() -> Self {
        TagMemo {
            slots: [(0, 0, Ranks::default()); TagMemo::SLOTS],
        }
    }
}

impl TagMemo {
    const SLOTS: usize = 32;

    /// The ranks of `tags` (the bracket's text after the timestamp, from
    /// its first space), as [`read_tags`] gives them.
    #[inline]
    fn ranks(&mut self, tags: &[u8]) -> Option<Ranks> {
        if tags.is_empty() || tags.len() > 16 {
            return read_tags(tags);
        }
        let mut b = [0u8; 16];
        b[..tags.len()].copy_from_slice(tags);
        let key = u128::from_le_bytes(b);
        let h = (key as u64 ^ (key >> 64) as u64 ^ tags.len() as u64)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let slot = &mut self.slots[(h >> 59) as usize % Self::SLOTS];
        if slot.1 as usize == tags.len() && slot.0 == key {
            return Some(slot.2);
        }
        let r = read_tags(tags)?;
        *slot = (key, tags.len() as u8, r);
        Some(r)
    }
}

#[inline]
fn split_at_start<'a>(line: &'a [u8], memo: Option<&mut TagMemo>) -> Option<(Prefix, &'a [u8])> {
    match line.first()? {
        b'[' => bracket(line, memo),
        b'0'..=b'9' => iso_tracing(line),
        _ => None,
    }
}

/// Peels one outer prefix (container timestamp, host clock, compose column)
/// and retries.
#[cold]
fn split_after_outer_noise(line: &[u8]) -> Option<(Prefix, &[u8])> {
    let head = &line[..line.len().min(96)];
    // docker-compose: `name  | rest`
    if let Some(bar) = memchr::memmem::find(head, b"| ") {
        if let Some(r) = split_at_start(&line[bar + 2..], None) {
            return Some(r);
        }
    }
    // Container/host-clock timestamp followed by an SGLang bracket prefix.
    if let Some((_, n)) = parse_datetime(line) {
        let mut i = n;
        if line.get(i) == Some(&b'Z') {
            i += 1;
        }
        while line.get(i) == Some(&b' ') {
            i += 1;
        }
        if line.get(i) == Some(&b'[') {
            return bracket(&line[i..], None);
        }
    }
    None
}

fn bracket<'a>(line: &'a [u8], memo: Option<&mut TagMemo>) -> Option<(Prefix, &'a [u8])> {
    let close = memchr(b']', &line[..line.len().min(96)])?;
    let inner = &line[1..close];
    let (ts, has_date, i) = if let Some((ts, n)) = parse_datetime(inner) {
        (ts, true, n)
    } else {
        let (h, mi, s, us, n) = parse_time_at(inner, 0)?;
        (Timestamp::from_civil(1970, 1, 1, h, mi, s, us)?, false, n)
    };
    let tags = &inner[i..];
    let ranks = match memo {
        Some(m) => m.ranks(tags)?,
        None => read_tags(tags)?,
    };
    let mut msg = &line[close + 1..];
    if msg.first() == Some(&b' ') {
        msg = &msg[1..];
    }
    Some((
        Prefix {
            ts,
            has_date,
            ranks,
        },
        msg,
    ))
}

/// The rank tags of a bracket after its timestamp (` DP3 TP3 EP3`, or
/// nothing): each tag follows one space.
fn read_tags(tags: &[u8]) -> Option<Ranks> {
    let mut ranks = Ranks::default();
    let mut i = 0;
    while i < tags.len() {
        if tags[i] != b' ' {
            return None;
        }
        i += 1;
        let start = i;
        while i < tags.len() && tags[i] != b' ' {
            i += 1;
        }
        tag(&tags[start..i], &mut ranks)?;
    }
    Some(ranks)
}

/// Records one rank tag. Unknown upper-case words (`Router`, `migrate`) are
/// accepted and ignored; anything else means this is not an SGLang prefix.
fn tag(t: &[u8], ranks: &mut Ranks) -> Option<()> {
    let split = t.iter().position(|b| b.is_ascii_digit()).unwrap_or(t.len());
    let (word, digits) = t.split_at(split);
    if word.is_empty() {
        return None;
    }
    if digits.is_empty() {
        return word
            .iter()
            .all(|b| b.is_ascii_alphabetic() || *b == b'_')
            .then_some(());
    }
    let (n, used) = crate::num::leading_u64(digits)?;
    if used != digits.len() {
        return None;
    }
    let n = u16::try_from(n).ok()?;
    let slot = match word {
        b"DP" => &mut ranks.dp,
        b"PP" => &mut ranks.pp,
        b"TP" => &mut ranks.tp,
        b"EP" => &mut ranks.ep,
        b"ATTN_CP" => &mut ranks.attn_cp,
        b"MOE_DP" => &mut ranks.moe_dp,
        _ => return None,
    };
    *slot = Some(n);
    Some(())
}

/// `YYYY-MM-DD[T ]HH:MM:SS[.f][Z]<spaces>LEVEL<space>target:<space>message`.
fn iso_tracing(line: &[u8]) -> Option<(Prefix, &[u8])> {
    let (ts, mut i) = parse_datetime(line)?;
    if line.get(i) == Some(&b'Z') {
        i += 1;
    }
    let sp = i;
    while line.get(i) == Some(&b' ') {
        i += 1;
    }
    if i == sp {
        return None;
    }
    let lvl_start = i;
    while i < line.len() && line[i].is_ascii_uppercase() {
        i += 1;
    }
    if !matches!(
        &line[lvl_start..i],
        b"TRACE" | b"DEBUG" | b"INFO" | b"WARN" | b"WARNING" | b"ERROR"
    ) {
        return None;
    }
    if line.get(i) != Some(&b' ') {
        return None;
    }
    i += 1;
    // The target ends at the first `: `; Rust targets contain `::`, so look
    // for a colon followed by a space.
    let rest = &line[i..];
    let mut j = 0;
    let msg_start = loop {
        let c = memchr(b':', &rest[j..])? + j;
        if rest.get(c + 1) == Some(&b' ') {
            break c + 2;
        }
        j = c + 1;
    };
    let mut msg = &rest[msg_start..];
    // The Rust router also prints `file.rs: 827: ` before the message.
    while let Some(c) = memchr(b':', &msg[..msg.len().min(64)]) {
        let token = &msg[..c];
        let is_loc = !token.is_empty()
            && (token.ends_with(b".rs") || token.iter().all(u8::is_ascii_digit))
            && msg.get(c + 1) == Some(&b' ');
        if !is_loc {
            break;
        }
        msg = &msg[c + 2..];
    }
    Some((
        Prefix {
            ts,
            has_date: true,
            ranks: Ranks::default(),
        },
        msg,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(line: &str) -> (Prefix, String) {
        let (p, m) = split_prefix(line.as_bytes()).expect(line);
        (p, String::from_utf8_lossy(m).into_owned())
    }

    /// Prefixes read through one memo, line after line, are those read
    /// without it: with more tuples than slots (slots taken over and
    /// tuples coming back), tag runs of 16 and 17 bytes, a repeated tag,
    /// tags that do not read, and lines whose tags differ only in length.
    #[test]
    fn the_tag_memo_reads_as_the_tags_do() {
        let mut lines: Vec<String> = Vec::new();
        for round in 0..3 {
            for i in 0..80u32 {
                let t = match i % 8 {
                    0 => format!("DP{} TP{} EP{}", i % 40, i % 8, round),
                    1 => format!("DP{}", i),
                    2 => format!("TP{} TP{}", i, i + 1),
                    3 => format!("DP{i} TP{i} EP{i} PP1"),
                    4 => format!("ATTN_CP{} MOE_DP{}", i % 3, i % 5),
                    5 => format!("DP{i} Router"),
                    6 => format!("XX{i}"),
                    _ => format!("DP{i}  TP1"),
                };
                lines.push(format!(
                    "[2026-01-02 03:04:05 {t}] Decode batch, #running-req: 1"
                ));
            }
        }
        lines.push("[2026-01-02 03:04:05 DP1 TP1 EP1 PP1] x".into()); // 16 bytes of tags
        lines.push("[2026-01-02 03:04:05 DP10 TP1 EP1 PP1] x".into()); // 17
        lines.push("[2026-01-02 03:04:05 DP1 TP1 EP1 PP1] x".into());
        lines.push("[2026-01-02 03:04:05 DP1 TP1 EP1 P1] x".into()); // 15, no rank word
        lines.push("[2026-01-02 03:04:05] x".into());
        lines.push("[2026-01-02 03:04:05 DP1] x".into());
        lines.push("[2026-01-02 03:04:05 DP12] x".into());
        let mut memo = TagMemo::default();
        for l in &lines {
            let plain = split_prefix(l.as_bytes());
            let memoised = split_prefix_in(l.as_bytes(), Some(&mut memo));
            assert_eq!(plain, memoised, "{l}");
        }
        assert!(split_prefix(lines[0].as_bytes()).is_some());
        assert!(split_prefix(lines[6].as_bytes()).is_none(), "{}", lines[6]);
    }

    #[test]
    fn native_shapes() {
        let (x, m) = p("[2025-10-20 12:06:03 TP0] Prefill batch. x");
        assert_eq!(x.ranks.tp, Some(0));
        assert_eq!(x.ranks.dp, None);
        assert_eq!(m, "Prefill batch. x");
        let (x, _) = p("[2025-11-15 13:02:45 DP2 TP2] Decode batch, y");
        assert_eq!(
            (x.ranks.dp, x.ranks.tp, x.ranks.ep),
            (Some(2), Some(2), None)
        );
        let (x, _) = p("[2026-09-24 01:47:50.615 DP3 TP3 EP3] Prefill batch [1], z");
        assert_eq!(x.ranks.ep, Some(3));
        assert_eq!(x.ts.to_string(), "2026-09-24T01:47:50.615");
        let (x, m) = p("[2026-08-01 23:43:46] Prefill batch, a");
        assert_eq!(x.ranks, Ranks::default());
        assert_eq!(m, "Prefill batch, a");
        let (x, _) = p("[2025-12-08 14:34:44 PP1 TP3] m");
        assert_eq!((x.ranks.pp, x.ranks.tp), (Some(1), Some(3)));
        let (x, _) = p("[2026-01-01 00:00:00 DP1 PP0 ATTN_CP2 MOE_DP1 TP5 EP5] m");
        assert_eq!((x.ranks.attn_cp, x.ranks.moe_dp), (Some(2), Some(1)));
        let (x, _) = p("[12:34:56 TP0] Decode batch. m");
        assert!(!x.has_date);
    }

    #[test]
    fn dynamo_router_and_outer_noise() {
        let (x, m) = p("2026-07-08T22:28:50.274739Z  INFO scheduler_metrics_mixin.report_prefill_stats: Prefill batch, #new-seq: 1");
        assert_eq!(m, "Prefill batch, #new-seq: 1");
        assert_eq!(x.ts.to_string(), "2026-07-08T22:28:50.274739");
        let (_, m) = p("2025-10-20 12:00:44  INFO sglang_router_rs::server: src/server.rs: 827: Starting router");
        assert_eq!(m, "Starting router");
        let (x, m) = p("2025-02-04 21:29:21 [2025-02-04 05:29:21 TP0] Prefill batch. a");
        assert_eq!(x.ts.hms(), "05:29:21");
        assert_eq!(m, "Prefill batch. a");
        let (_, m) = p("worker_1  | [2025-02-04 05:29:21 TP0] Decode batch. b");
        assert_eq!(m, "Decode batch. b");
    }

    #[test]
    fn not_prefixes() {
        for l in [
            "[CMD] python -m sglang.launch_server",
            "INFO 10-20 12:01:01 [__init__.py:241] x",
            "[2025-10-20 12:06:03 tp0] x",
            "[2025-10-20 12:06:03 TP0x] x",
            "[2025-10-20 12:06:03 TP0  ] x",
            "",
            "[",
            "2025-10-20T12:00:44Z nothing",
        ] {
            assert!(split_prefix(l.as_bytes()).is_none(), "{l}");
        }
    }

    /// `unpack` inverts `pack` for absent tags, rank 0 and the largest
    /// `u16`, and distinct tuples pack to distinct keys below `u128::MAX`.
    #[test]
    fn packed_ranks_round_trip() {
        let vals = [None, Some(0u16), Some(1), Some(u16::MAX)];
        let mut seen = std::collections::HashSet::new();
        for (i, &dp) in vals.iter().enumerate() {
            for &tp in &vals {
                for &moe_dp in &vals {
                    let r = Ranks {
                        dp,
                        tp,
                        moe_dp,
                        ep: vals[(i + 1) % 4],
                        ..Ranks::default()
                    };
                    let k = r.pack();
                    assert!(k < 1 << Ranks::PACKED_BITS);
                    assert_eq!(Ranks::unpack(k), r);
                    assert!(seen.insert(k));
                    assert!(Ranks::memo_slot(k) < Ranks::MEMO_SLOTS);
                }
            }
        }
    }
}
