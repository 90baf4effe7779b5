//! The scan loop of SGLang logs (formats.md §1): one buffer of whole lines
//! in, records out to a [`RecordSink`], facts into a [`ChunkStats`].

use super::chunk::*;
use srtlog_formats::line::normalize;
use srtlog_formats::sglang::{decode_line, BatchKind, Ranks, Record};
use srtlog_formats::Timestamp;

/// Scans `buf` (whole lines) of an SGLang log into `sink`.
pub fn scan<S: RecordSink>(buf: &[u8], sink: &mut S) -> ChunkStats {
    let mut st = ChunkStats {
        bytes: buf.len() as u64,
        ..ChunkStats::default()
    };
    let mut scratch = Vec::new();
    let mut line_no = 0u64;
    // Rank counts are looked up per batch line; the previous key is cached
    // because consecutive lines almost always come from the same rank.
    let mut last_key: Option<(BatchKind, Ranks)> = None;
    let mut last_count = RankCount {
        lines: 0,
        first: Timestamp(0),
        last: Timestamp(0),
    };
    let mut start = 0usize;
    while start < buf.len() {
        let end = memchr::memchr(b'\n', &buf[start..]).map_or(buf.len(), |i| start + i + 1);
        let raw = &buf[start..end];
        let raw_start = start;
        start = end;
        line_no += 1;
        let line = normalize(raw, &mut scratch);
        let record = decode_line(line);
        if !matches!(record, Record::Batch(_)) {
            sink.other_line(line_no, raw_start, raw);
        }
        match record {
            Record::Batch(r) => {
                let key = (r.kind, r.prefix.ranks);
                let ts = r.prefix.ts;
                if last_key != Some(key) {
                    if let Some(k) = last_key {
                        flush_rank(&mut st, k, last_count);
                    }
                    last_key = Some(key);
                    last_count = RankCount {
                        lines: 0,
                        first: ts,
                        last: ts,
                    };
                }
                last_count.lines += 1;
                last_count.first = last_count.first.min(ts);
                last_count.last = last_count.last.max(ts);
                if r.values.rejected() != 0 {
                    st.count_rejected_fields(r.values.rejected());
                }
                sink.batch(line_no, &r);
            }
            Record::Memory(m) => {
                st.memory += 1;
                note_ts(&mut st, m.prefix.ts);
                sink.memory(line_no, &m);
            }
            Record::Config(c) => st.config.absorb(&c),
            Record::Other(p) => {
                note_ts(&mut st, p.ts);
                if let Some(status) = sglang_access(line) {
                    st.count_access(status, Some(p.ts.0.div_euclid(1_000_000)));
                }
            }
            Record::Unparsed(reason) => {
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
    if let Some(k) = last_key {
        flush_rank(&mut st, k, last_count);
    }
    st.lines = line_no;
    st
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
