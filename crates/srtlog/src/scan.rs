//! The hot loop: one buffer of whole lines in, records out to a sink.
//!
//! Lines are found with `memchr` and decoded in place; nothing is allocated
//! per line (ANSI-coloured lines reuse one scratch buffer). What the loop
//! learns besides records (per-rank counts, time range, configuration,
//! coverage) goes into a small [`ChunkStats`], merged across chunks in file
//! order.

use srtlog_formats::line::normalize;
use srtlog_formats::sglang::{decode_line, BatchKind, BatchRecord, MemoryRecord, Ranks, Record};
use srtlog_formats::Timestamp;
use std::collections::BTreeMap;

/// Examples of unparsed lines kept per file.
pub const MAX_EXAMPLES: usize = 5;

/// Receives decoded records. `line` is 1-based within the chunk.
pub trait RecordSink {
    /// A batch line.
    fn batch(&mut self, line: u64, r: &BatchRecord<'_>);
    /// A memory snapshot.
    fn memory(&mut self, line: u64, r: &MemoryRecord);
}

/// A sink that keeps nothing (summary-only parsing).
pub struct NullSink;

impl RecordSink for NullSink {
    #[inline]
    fn batch(&mut self, _: u64, _: &BatchRecord<'_>) {}
    #[inline]
    fn memory(&mut self, _: u64, _: &MemoryRecord) {}
}

impl RecordSink for srtlog_table::node_metrics::NodeMetricsBuilder {
    #[inline]
    fn batch(&mut self, line: u64, r: &BatchRecord<'_>) {
        self.push_batch(line, r);
    }
    #[inline]
    fn memory(&mut self, line: u64, r: &MemoryRecord) {
        self.push_memory(line, r);
    }
}

/// Per-rank line counts and time range of batch lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RankCount {
    /// Lines.
    pub lines: u64,
    /// First timestamp.
    pub first: Timestamp,
    /// Last timestamp.
    pub last: Timestamp,
}

/// A line that looked like a record but did not decode.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UnparsedExample {
    /// 1-based line number in the file.
    pub line: u64,
    /// Why it did not decode.
    pub reason: String,
    /// The line (lossy UTF-8, cut at 300 bytes).
    pub text: String,
}

/// Server configuration found in a file (owned).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ServerConfig {
    /// Tensor-parallel size.
    pub tp_size: Option<u32>,
    /// Data-parallel size.
    pub dp_size: Option<u32>,
    /// Expert-parallel size.
    pub ep_size: Option<u32>,
    /// Pipeline-parallel size.
    pub pp_size: Option<u32>,
    /// `prefill`, `decode` or `null`.
    pub disaggregation_mode: Option<String>,
    /// Model path.
    pub model_path: Option<String>,
    /// DP attention enabled.
    pub enable_dp_attention: Option<bool>,
}

impl ServerConfig {
    fn absorb(&mut self, c: &srtlog_formats::sglang::ConfigFacts<'_>) {
        let s = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        self.tp_size = self.tp_size.or(c.tp_size);
        self.dp_size = self.dp_size.or(c.dp_size);
        self.ep_size = self.ep_size.or(c.ep_size);
        self.pp_size = self.pp_size.or(c.pp_size);
        if self.disaggregation_mode.is_none() {
            self.disaggregation_mode = c.disaggregation_mode.map(s);
        }
        if self.model_path.is_none() {
            self.model_path = c.model_path.map(s);
        }
        self.enable_dp_attention = self.enable_dp_attention.or(c.enable_dp_attention);
    }

    /// Fills what `self` lacks from `o`.
    pub fn merge(&mut self, o: &ServerConfig) {
        self.tp_size = self.tp_size.or(o.tp_size);
        self.dp_size = self.dp_size.or(o.dp_size);
        self.ep_size = self.ep_size.or(o.ep_size);
        self.pp_size = self.pp_size.or(o.pp_size);
        if self.disaggregation_mode.is_none() {
            self.disaggregation_mode.clone_from(&o.disaggregation_mode);
        }
        if self.model_path.is_none() {
            self.model_path.clone_from(&o.model_path);
        }
        self.enable_dp_attention = self.enable_dp_attention.or(o.enable_dp_attention);
    }
}

/// What one chunk taught us, besides its records.
#[derive(Clone, Debug, Default)]
pub struct ChunkStats {
    /// Physical lines in the chunk.
    pub lines: u64,
    /// Bytes in the chunk.
    pub bytes: u64,
    /// Batch lines per (batch kind, rank tags).
    pub ranks: BTreeMap<(BatchKind, Ranks), RankCount>,
    /// Memory snapshot lines.
    pub memory: u64,
    /// Lines that looked like records but did not decode.
    pub unparsed: u64,
    /// First few unparsed lines (chunk-relative line numbers until merged).
    pub examples: Vec<UnparsedExample>,
    /// Configuration found.
    pub config: ServerConfig,
    /// Lines with a NUL byte (binary junk).
    pub binary_lines: u64,
    /// First and last timestamp of any prefixed line.
    pub any_first: Option<Timestamp>,
    /// Last timestamp of any prefixed line.
    pub any_last: Option<Timestamp>,
}

impl ChunkStats {
    /// Appends the stats of the *following* chunk.
    pub fn merge_next(&mut self, mut o: ChunkStats) {
        for e in &mut o.examples {
            e.line += self.lines;
        }
        for (k, v) in o.ranks {
            self.ranks
                .entry(k)
                .and_modify(|c| {
                    c.lines += v.lines;
                    c.first = c.first.min(v.first);
                    c.last = c.last.max(v.last);
                })
                .or_insert(v);
        }
        self.lines += o.lines;
        self.bytes += o.bytes;
        self.memory += o.memory;
        self.unparsed += o.unparsed;
        let room = MAX_EXAMPLES.saturating_sub(self.examples.len());
        self.examples.extend(o.examples.into_iter().take(room));
        self.config.merge(&o.config);
        self.binary_lines += o.binary_lines;
        self.any_first = opt_min(self.any_first, o.any_first);
        self.any_last = opt_max(self.any_last, o.any_last);
    }
}

fn opt_min(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

fn opt_max(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    }
}

/// Scans `buf` (whole lines; the last one may lack its `\n`) and feeds `sink`.
pub fn scan_buffer<S: RecordSink>(buf: &[u8], sink: &mut S) -> ChunkStats {
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
        start = end;
        line_no += 1;
        let line = normalize(raw, &mut scratch);
        match decode_line(line) {
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
                sink.batch(line_no, &r);
            }
            Record::Memory(m) => {
                st.memory += 1;
                note_ts(&mut st, m.prefix.ts);
                sink.memory(line_no, &m);
            }
            Record::Config(c) => st.config.absorb(&c),
            Record::Other(p) => note_ts(&mut st, p.ts),
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
