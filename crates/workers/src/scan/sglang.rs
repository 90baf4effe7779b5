//! The scan loop of SGLang logs (formats.md §1): one buffer of whole lines
//! in, records out to a [`RecordSink`], facts into a [`ChunkStats`].

use super::chunk::*;
use srtlog_formats::line::normalize;
use srtlog_formats::sglang::{with_decoded_memo, BatchKind, DecodeMemo, Ranks, Record};
use srtlog_formats::Timestamp;

/// Scans `buf` (whole lines) of an SGLang log into `sink`.
pub fn scan<S: RecordSink>(buf: &[u8], sink: &mut S) -> ChunkStats {
    let mut st = ChunkStats {
        bytes: buf.len() as u64,
        ..ChunkStats::default()
    };
    let mut scratch = Vec::new();
    let mut line_no = 0u64;
    // Rank counts are kept per batch line in a small direct-mapped table of
    // packed keys, flushed into the ordered map when a slot is taken by
    // another key and at the end: DP layouts interleave ranks line by line,
    // and an ordered-map lookup per line (six optional tags compared in
    // turn) was 3 % of the parse. The merge is a sum, a min and a max, so
    // when a count is flushed changes nothing in the result.
    let mut slots = [RankSlot::EMPTY; RANK_SLOTS];
    let mut memo = DecodeMemo::default();
    let mut start = 0usize;
    while start < buf.len() {
        let end = memchr::memchr(b'\n', &buf[start..]).map_or(buf.len(), |i| start + i + 1);
        let raw = &buf[start..end];
        let raw_start = start;
        start = end;
        line_no += 1;
        let line = normalize(raw, &mut scratch);
        // The record is lent, not returned: a batch record carries its value
        // array (over 300 bytes), and moving it was a copy a line.
        with_decoded_memo(line, &mut memo, |record| {
            if !matches!(record, Record::Batch(_)) {
                sink.other_line(line_no, raw_start, raw);
            }
            take(&mut st, &mut slots, sink, line_no, line, raw, record);
        });
    }
    for slot in slots {
        if let Some(k) = slot.key {
            flush_rank(&mut st, k, slot.count);
        }
    }
    st.lines = line_no;
    st
}

/// Counts one decoded line into `st` and hands its record to `sink`.
#[inline(always)]
fn take<S: RecordSink>(
    st: &mut ChunkStats,
    slots: &mut [RankSlot; RANK_SLOTS],
    sink: &mut S,
    line_no: u64,
    line: &[u8],
    raw: &[u8],
    record: &Record<'_>,
) {
    match record {
        Record::Batch(r) => {
            count_rank(st, slots, r.kind, r.prefix.ranks, r.prefix.ts);
            if r.values.rejected() != 0 {
                st.count_rejected_fields(r.values.rejected());
            }
            sink.batch(line_no, r);
        }
        Record::Memory(m) => {
            st.memory += 1;
            note_ts(st, m.prefix.ts);
            sink.memory(line_no, m);
        }
        Record::Config(c) => st.config.absorb(c),
        Record::Other(p) => {
            note_ts(st, p.ts);
            if let Some(status) = sglang_access(line) {
                st.count_access(status, Some(p.ts.0.div_euclid(1_000_000)));
            }
        }
        &Record::Unparsed(reason) => {
            st.unparsed += 1;
            if st.examples.len() < MAX_EXAMPLES {
                let t = &line[..line.len().min(300)];
                st.examples.push(UnparsedExample {
                    line: line_no,
                    reason: reason.to_string(),
                    text: String::from_utf8_lossy(t).into_owned(),
                });
            }
        }
        Record::Noise => {
            if memchr::memchr(0, raw).is_some() {
                st.binary_lines += 1;
            }
        }
    }
}

/// The status of an access line behind an SGLang prefix
/// (`[2025-10-20 12:03:11] INFO:     10.235.26.27:54282 - "POST /generate HTTP/1.1" 200 OK`).
#[inline]
fn sglang_access(line: &[u8]) -> Option<u16> {
    let close = memchr::memchr(b']', &line[..line.len().min(64)])?;
    let rest = line.get(close + 2..)?;
    if !rest.starts_with(b"INFO:") {
        return None;
    }
    srtlog_formats::access::decode_access(rest).map(|a| a.status)
}

#[inline]
fn note_ts(st: &mut ChunkStats, ts: Timestamp) {
    st.any_first = opt_min(st.any_first, Some(ts));
    st.any_last = opt_max(st.any_last, Some(ts));
}

/// Slots of the rank-count table of [`scan`]: more than the ranks one log
/// interleaves in practice (DP8 with TP tags: 8 keys a batch kind).
const RANK_SLOTS: usize = Ranks::MEMO_SLOTS;

#[derive(Clone, Copy)]
struct RankSlot {
    packed: u128,
    key: Option<(BatchKind, Ranks)>,
    count: RankCount,
}

impl RankSlot {
    const EMPTY: RankSlot = RankSlot {
        packed: u128::MAX,
        key: None,
        count: RankCount {
            lines: 0,
            first: Timestamp(0),
            last: Timestamp(0),
        },
    };
}

/// Counts one batch line of `kind` and `ranks` at `ts`.
#[inline]
fn count_rank(
    st: &mut ChunkStats,
    slots: &mut [RankSlot; RANK_SLOTS],
    kind: BatchKind,
    ranks: Ranks,
    ts: Timestamp,
) {
    // The kind goes above the tags, so `u128::MAX` stays no key.
    let packed = ranks.pack() | u128::from(kind == BatchKind::Decode) << Ranks::PACKED_BITS;
    let slot = &mut slots[Ranks::memo_slot(packed)];
    if slot.packed != packed {
        if let Some(k) = slot.key {
            flush_rank(st, k, slot.count);
        }
        *slot = RankSlot {
            packed,
            key: Some((kind, ranks)),
            count: RankCount {
                lines: 0,
                first: ts,
                last: ts,
            },
        };
    }
    let c = &mut slot.count;
    c.lines += 1;
    c.first = c.first.min(ts);
    c.last = c.last.max(ts);
}

fn flush_rank(st: &mut ChunkStats, key: (BatchKind, Ranks), c: RankCount) {
    st.ranks
        .entry(key)
        .and_modify(|e| {
            e.lines += c.lines;
            e.first = e.first.min(c.first);
            e.last = e.last.max(c.last);
        })
        .or_insert(c);
    st.any_first = opt_min(st.any_first, Some(c.first));
    st.any_last = opt_max(st.any_last, Some(c.last));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::scan_buffer;
    use srtlog_formats::sglang::decode_line;

    /// The slot table gives the counts of one ordered-map entry per line
    /// (the rule before it), with more keys than slots so that slots are
    /// taken over and flushed mid-buffer, and keys that come back later.
    #[test]
    fn rank_counts_equal_counting_every_line() {
        let mut buf = String::new();
        let mut naive: std::collections::BTreeMap<(BatchKind, Ranks), (u64, i64, i64)> =
            Default::default();
        for i in 0..5000u32 {
            let dp = (i * 7) % 9;
            let tp = (i * 13) % 17;
            let kind = if i % 3 == 0 { "Decode" } else { "Prefill" };
            let sec = (i * 37) % 60; // timestamps out of order within a rank
            buf.push_str(&format!(
                "[2025-11-15 13:02:{sec:02} DP{dp} TP{tp}] {kind} batch, #new-seq: 1, #running-req: 2, \n"
            ));
            let Record::Batch(r) = decode_line(buf.lines().last().unwrap().as_bytes()) else {
                panic!("line {i} did not decode")
            };
            let e = naive
                .entry((r.kind, r.prefix.ranks))
                .or_insert((0, i64::MAX, i64::MIN));
            e.0 += 1;
            e.1 = e.1.min(r.prefix.ts.0);
            e.2 = e.2.max(r.prefix.ts.0);
        }
        assert!(naive.len() > 2 * RANK_SLOTS, "{} keys", naive.len());
        let st = crate::scan::scan_buffer(buf.as_bytes(), &mut NullSink);
        let got: Vec<_> = st
            .ranks
            .iter()
            .map(|(k, c)| (*k, (c.lines, c.first.0, c.last.0)))
            .collect();
        let want: Vec<_> = naive.into_iter().collect();
        assert_eq!(got, want);
    }

    #[test]
    fn counts_ranks_and_coverage() {
        let buf = b"[2025-11-15 13:02:15 DP0 TP0] Prefill batch, #new-seq: 1, #new-token: 7, \n\
[2025-11-15 13:02:16 DP1 TP1] Prefill batch, #new-seq: 1, #new-token: 7, \n\
junk \x00\x01\n\
[2025-11-15 13:02:17 DP0 TP0] Prefill batch, #new-seq: 2, #new-token: oops\n\
[2025-11-15 13:02:18 DP0 TP0] Decode batch, #running-req: 1, #token: 3\r\n\
[2025-11-15 13:02:19 DP0 TP0] KV Cache is allocated. #tokens: 5, KV size: 1.00 GB";
        let st = scan_buffer(buf, &mut NullSink);
        assert_eq!(st.lines, 6);
        assert_eq!(st.ranks.len(), 3);
        assert_eq!(st.memory, 1);
        assert_eq!(st.unparsed, 1);
        assert_eq!(st.examples[0].line, 4);
        assert_eq!(st.binary_lines, 1);
        let mut a = st.clone();
        a.merge_next(st);
        assert_eq!(a.examples[1].line, 10);
        assert_eq!(a.lines, 12);
    }
}
