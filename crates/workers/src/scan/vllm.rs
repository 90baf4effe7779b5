//! The scan loop of vLLM logs (formats.md §2): one buffer of whole lines in,
//! records out to a [`RecordSink`], facts into a [`ChunkStats`].
//!
//! Like the SGLang loop it allocates nothing per line. vLLM prints no year,
//! so every dated line goes through the chunk's [`crate::year::Clock`], which
//! counts New Years, and records reach the sink with a
//! [`LocalTime`]; full dates printed by other components are looked for in
//! the lines that are not vLLM's own until one is found.

use super::chunk::{ChunkStats, EngineCount, KeptLine, RecordSink, UnparsedExample, MAX_EXAMPLES};
use srtlog_formats::line::normalize;
use srtlog_formats::sglang::{MemoryRecord, Prefix as SglangPrefix, Ranks};
use srtlog_formats::vllm::{decode_line, find_full_date, MemoryStep, Prefix, Process, Record};
use srtlog_formats::Timestamp;
use srtlog_table::node_metrics::LocalTime;

/// Counts a dated line on the clock and returns its time.
#[inline]
fn observe(st: &mut ChunkStats, p: &Prefix<'_>) -> LocalTime {
    let at = st.clock.observe(p.at);
    if let Some(d) = p.outer_date {
        st.clock.saw_date(d);
    }
    at
}

#[inline]
fn pid(p: &Prefix<'_>) -> Option<u32> {
    p.process.map(|x| x.pid)
}

/// Rank tags a process name carries (`EngineCore_DP3`, `Worker_DP0_TP1`).
fn ranks_of(p: Option<Process<'_>>) -> Ranks {
    let Some(p) = p else {
        return Ranks::default();
    };
    Ranks {
        dp: p.rank(b"DP"),
        pp: p.rank(b"PP"),
        tp: p.rank(b"TP"),
        ep: p.rank(b"EP"),
        ..Ranks::default()
    }
}

/// A memory step as the table's memory record (its timestamp is set later,
/// from the [`LocalTime`]).
fn memory_record(m: &MemoryStep, p: &Prefix<'_>) -> MemoryRecord {
    MemoryRecord {
        prefix: SglangPrefix {
            ts: Timestamp(0),
            has_date: false,
            ranks: ranks_of(p.process),
        },
        event: m.event,
        avail_mem_gb: None,
        mem_usage_gb: m.mem_usage_gb,
        kv_tokens: m.kv_tokens,
        kv_size_gb: m.kv_size_gb,
        k_size_gb: None,
        v_size_gb: None,
        chunked_prefill_size: None,
        max_prefill_tokens: None,
        max_running_requests: None,
        context_len: None,
    }
}

/// Scans `buf` (whole lines; the last one may lack its `\n`) of a vLLM log.
pub(crate) fn scan<S: RecordSink>(buf: &[u8], sink: &mut S) -> ChunkStats {
    let mut st = ChunkStats {
        bytes: buf.len() as u64,
        ..ChunkStats::default()
    };
    let mut scratch = Vec::new();
    let mut line_no = 0u64;
    let mut last_nonblank: Option<(u64, usize, usize)> = None;
    // Engine counts are kept for the current engine and flushed to the map
    // when another engine prints: consecutive lines are usually the same
    // engine's.
    let mut cur: Option<(Option<u16>, EngineCount)> = None;
    let mut start = 0usize;
    while start < buf.len() {
        let end = memchr::memchr(b'\n', &buf[start..]).map_or(buf.len(), |i| start + i + 1);
        let raw = &buf[start..end];
        let raw_start = start;
        start = end;
        line_no += 1;
        let line = normalize(raw, &mut scratch);
        if line.iter().any(|b| !b.is_ascii_whitespace()) {
            last_nonblank = Some((line_no, raw_start, end));
        }
        let record = decode_line(line);
        if !matches!(
            record,
            Record::Stats(..) | Record::Spec(..) | Record::PrefixCache(..)
        ) {
            sink.other_line(line_no, raw_start, raw);
        }
        match record {
            Record::Stats(p, r) => {
                let at = observe(&mut st, &p);
                if !r.rejected.is_empty() {
                    st.count_rejected(&r.rejected);
                }
                match &mut cur {
                    Some((k, c)) if *k == r.engine => {
                        c.lines += 1;
                        c.first = c.first.min(at);
                        c.last = c.last.max(at);
                    }
                    _ => {
                        if let Some((k, c)) = cur.take() {
                            flush_engine(&mut st, k, c);
                        }
                        let c = EngineCount {
                            lines: 1,
                            first: at,
                            last: at,
                        };
                        cur = Some((r.engine, c));
                    }
                }
                sink.stats(line_no, &r, at, pid(&p));
            }
            Record::Spec(p, r) => {
                let at = observe(&mut st, &p);
                st.spec_lines += 1;
                if !r.rejected.is_empty() {
                    st.count_rejected(&r.rejected);
                }
                sink.spec(line_no, &r, at, pid(&p));
            }
            Record::PrefixCache(p, r) => {
                let at = observe(&mut st, &p);
                st.prefix_cache_lines += 1;
                sink.prefix_cache(line_no, &r, at, pid(&p));
            }
            Record::Startup(p, s) => {
                let at = observe(&mut st, &p);
                st.config.absorb_vllm(&s.facts);
                if let Some(m) = &s.memory {
                    st.memory += 1;
                    sink.memory_local(line_no, &memory_record(m, &p), at);
                }
            }
            Record::Access(_, a) => {
                let now = st.clock.now();
                st.count_access_local(a.status, now);
                st.server_ready = true;
            }
            Record::Ready(p) => {
                if let Some(p) = p {
                    observe(&mut st, &p);
                }
                st.server_ready = true;
            }
            Record::Error(p) => {
                if let Some(p) = p {
                    observe(&mut st, &p);
                }
                st.errors += 1;
                st.last_error = Some(KeptLine::new(line_no, line));
            }
            Record::Other(p) => {
                observe(&mut st, &p);
            }
            Record::Unparsed(reason) => {
                st.unparsed += 1;
                if st.examples.len() < MAX_EXAMPLES {
                    let t = KeptLine::new(line_no, line);
                    st.examples.push(UnparsedExample {
                        line: line_no,
                        reason: reason.to_string(),
                        text: t.text,
                    });
                }
            }
            Record::Noise => {
                if memchr::memchr(0, raw).is_some() {
                    st.binary_lines += 1;
                } else if st.clock.anchor.is_none() {
                    if let Some(d) = find_full_date(line) {
                        st.clock.saw_date(d);
                    }
                }
            }
        }
    }
    if let Some((k, c)) = cur {
        flush_engine(&mut st, k, c);
    }
    if let Some((n, a, b)) = last_nonblank {
        let line = normalize(&buf[a..b], &mut scratch);
        st.last_line = Some(KeptLine::new(n, line));
    }
    st.lines = line_no;
    st
}

fn flush_engine(st: &mut ChunkStats, k: Option<u16>, c: EngineCount) {
    st.engines
        .entry(k)
        .and_modify(|e| {
            e.lines += c.lines;
            e.first = e.first.min(c.first);
            e.last = e.last.max(c.last);
        })
        .or_insert(c);
}

/// Is this raw line a companion line (speculative decoding, V0 prefix
/// cache) that completes the statistics line before it?
pub(crate) fn is_companion(raw: &[u8], scratch: &mut Vec<u8>) -> bool {
    decode_line(normalize(raw, scratch)).is_companion()
}

/// Is this raw line an engine statistics line?
pub(crate) fn is_stats(raw: &[u8], scratch: &mut Vec<u8>) -> bool {
    matches!(decode_line(normalize(raw, scratch)), Record::Stats(..))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::chunk::NullSink;

    #[test]
    fn counts_engines_years_access_and_errors() {
        let buf = "(APIServer pid=1) INFO 12-31 23:59:50 [loggers.py:273] Engine 000: Avg prompt throughput: 1.0 tokens/s, Avg generation throughput: 2.0 tokens/s, Running: 1 reqs, Waiting: 0 reqs, GPU KV cache usage: 0.1%, Prefix cache hit rate: 0.0%\n\
(APIServer pid=1) INFO:     127.0.0.1:1 - \"POST /v1/chat/completions HTTP/1.1\" 200 OK\n\
(APIServer pid=1) INFO:     127.0.0.1:2 - \"POST /v1/chat/completions HTTP/1.1\" 400 Bad Request\n\
(EngineCore pid=2) 2027-01-01 00:00:01,181 - INFO - autotuner.py:651 - flashinfer.jit: x\n\
(APIServer pid=1) INFO 01-01 00:00:00 [loggers.py:273] Engine 001: Avg prompt throughput: 1.0 tokens/s, Avg generation throughput: 2.0 tokens/s, Running: 1 reqs, Waiting: 0 reqs, GPU KV cache usage: 0.1%, Prefix cache hit rate: 0.0%\n\
(APIServer pid=1) INFO 01-01 00:00:00 [loggers.py:273] Engine 000: Avg prompt throughput: oops\n\
(APIServer pid=1) INFO:     127.0.0.1:3 - \"POST /v1/chat/completions HTTP/1.1\" 200 OK\n\
(APIServer pid=1) RuntimeError: Engine core initialization failed.\n\
\n";
        let st = scan(buf.as_bytes(), &mut NullSink);
        assert_eq!(st.lines, 9);
        assert_eq!(st.stats_lines(), 2);
        assert_eq!(st.engines[&Some(1)].first.year_offset, 1);
        assert_eq!(st.unparsed, 1);
        assert_eq!(st.access.get(&200), Some(&2));
        assert_eq!(st.access.get(&400), Some(&1));
        assert_eq!(st.access_local.len(), 2, "{:?}", st.access_local);
        assert_eq!(st.access_local[0].1, 2);
        assert_eq!(st.errors, 1);
        assert_eq!(st.last_error.as_ref().map(|e| e.line), Some(8));
        assert_eq!(st.last_line.as_ref().map(|e| e.line), Some(8));
        assert_eq!(st.clock.anchor.map(|a| a.date), Some((2027, 1, 1)));
    }
}
