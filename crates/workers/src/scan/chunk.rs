//! What a scan learns besides records, merged across chunks in file order:
//! per-rank counts, time ranges, configuration, coverage examples and the
//! access-line series ([`ChunkStats`]), and the [`RecordSink`] that receives
//! the records themselves.

use crate::year::{shifted, Clock};
use srtlog_formats::sglang::{BatchKind, BatchRecord, MemoryRecord, Ranks};
use srtlog_formats::vllm::{PrefixCacheRecord, SpecRecord, StartupFacts, StatsRecord};
use srtlog_formats::Timestamp;
use srtlog_table::node_metrics::LocalTime;
use std::collections::BTreeMap;

/// Examples of unparsed lines kept per file.
pub const MAX_EXAMPLES: usize = 5;

/// Receives decoded records. `line` is 1-based within the chunk. The vLLM
/// methods receive the line's time without a year and the printing
/// process's pid; they do nothing by default.
pub trait RecordSink {
    /// A batch line.
    fn batch(&mut self, line: u64, r: &BatchRecord<'_>);
    /// A memory snapshot.
    fn memory(&mut self, line: u64, r: &MemoryRecord);
    /// A vLLM memory step (the prefix's `ts` is a placeholder).
    #[inline]
    fn memory_local(&mut self, _line: u64, _r: &MemoryRecord, _at: LocalTime) {}
    /// A vLLM engine statistics line.
    #[inline]
    fn stats(&mut self, _line: u64, _r: &StatsRecord<'_>, _at: LocalTime, _pid: Option<u32>) {}
    /// A vLLM speculative-decoding line.
    #[inline]
    fn spec(&mut self, _line: u64, _r: &SpecRecord<'_>, _at: LocalTime, _pid: Option<u32>) {}
    /// A vLLM V0 prefix-cache line.
    #[inline]
    fn prefix_cache(
        &mut self,
        _line: u64,
        _r: &PrefixCacheRecord,
        _at: LocalTime,
        _pid: Option<u32>,
    ) {
    }
    /// Any other line: every line that is not a batch (SGLang) or engine
    /// statistics, speculative-decoding or prefix-cache record (vLLM), as
    /// raw bytes with its offset in the buffer. `srtlog check` matches its
    /// failure patterns here, so it searches the few lines that can hold
    /// them instead of the whole buffer again.
    #[inline]
    fn other_line(&mut self, _line: u64, _start: usize, _raw: &[u8]) {}
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
    fn memory_local(&mut self, line: u64, r: &MemoryRecord, at: LocalTime) {
        self.push_memory_local(line, r, at);
    }
    fn stats(&mut self, line: u64, r: &StatsRecord<'_>, at: LocalTime, pid: Option<u32>) {
        self.push_stats(line, r, at, pid);
    }
    fn spec(&mut self, line: u64, r: &SpecRecord<'_>, at: LocalTime, pid: Option<u32>) {
        self.push_spec(line, r, at, pid);
    }
    fn prefix_cache(&mut self, line: u64, r: &PrefixCacheRecord, at: LocalTime, pid: Option<u32>) {
        self.push_prefix_cache(line, r, at, pid);
    }
}

/// Statistics lines of one vLLM engine, with their times before the year is
/// known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EngineCount {
    /// Lines.
    pub lines: u64,
    /// First line's time.
    pub first: LocalTime,
    /// Last line's time.
    pub last: LocalTime,
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

/// Server configuration found in a file (owned). The vLLM start-up facts
/// (`version` … `kv_role`) are left out of JSON when absent.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ServerConfig {
    /// Tensor-parallel size.
    pub tp_size: Option<u32>,
    /// Data-parallel size.
    pub dp_size: Option<u32>,
    /// Expert-parallel size.
    pub ep_size: Option<u32>,
    /// Pipeline-parallel size.
    pub pp_size: Option<u32>,
    /// `prefill` or `decode`; null for aggregated serving (SGLang's
    /// `disaggregation_mode='null'` is the absence of a mode, [`Self::aggregated`]).
    pub disaggregation_mode: Option<String>,
    /// True when the server's configuration says it is not disaggregated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregated: Option<bool>,
    /// Model path.
    pub model_path: Option<String>,
    /// DP attention enabled.
    pub enable_dp_attention: Option<bool>,
    /// Server version (vLLM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// GPU KV cache capacity in tokens (vLLM `GPU KV cache size`; the first
    /// engine's when several print it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kv_cache_tokens: Option<u64>,
    /// KV cache blocks on the GPU (vLLM `# GPU blocks` / `num_gpu_blocks`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpu_blocks: Option<u64>,
    /// KV cache blocks in CPU swap space (vLLM V0 `# CPU blocks`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_blocks: Option<u64>,
    /// Requests of `max_concurrency_tokens` tokens the KV cache holds at once
    /// (vLLM `Maximum concurrency for N tokens per request: Xx`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_concurrency: Option<f64>,
    /// The N of that line, tokens per request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_concurrency_tokens: Option<u64>,
    /// vLLM KV-transfer role (`kv_producer`, `kv_consumer`, `kv_both`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kv_role: Option<String>,
}

impl ServerConfig {
    pub(crate) fn absorb(&mut self, c: &srtlog_formats::sglang::ConfigFacts<'_>) {
        let s = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        self.tp_size = self.tp_size.or(c.tp_size);
        self.dp_size = self.dp_size.or(c.dp_size);
        self.ep_size = self.ep_size.or(c.ep_size);
        self.pp_size = self.pp_size.or(c.pp_size);
        if self.disaggregation_mode.is_none() {
            self.disaggregation_mode = c.disaggregation_mode.map(s);
        }
        self.aggregated = self.aggregated.or(c.aggregated);
        if self.model_path.is_none() {
            self.model_path = c.model_path.map(s);
        }
        self.enable_dp_attention = self.enable_dp_attention.or(c.enable_dp_attention);
    }

    /// Takes the vLLM start-up facts `self` lacks.
    pub fn absorb_vllm(&mut self, f: &StartupFacts<'_>) {
        let s = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        self.tp_size = self.tp_size.or(f.tp_size);
        self.dp_size = self.dp_size.or(f.dp_size);
        self.pp_size = self.pp_size.or(f.pp_size);
        if self.model_path.is_none() {
            self.model_path = f.model.map(s);
        }
        if self.version.is_none() {
            self.version = f.version.map(s);
        }
        if self.kv_role.is_none() {
            self.kv_role = f.kv_role.map(s);
        }
        self.kv_cache_tokens = self.kv_cache_tokens.or(f.kv_cache_tokens);
        self.gpu_blocks = self.gpu_blocks.or(f.gpu_blocks);
        self.cpu_blocks = self.cpu_blocks.or(f.cpu_blocks);
        if self.max_concurrency.is_none() {
            self.max_concurrency = f.max_concurrency;
            self.max_concurrency_tokens = f.max_concurrency_tokens;
        }
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
        self.aggregated = self.aggregated.or(o.aggregated);
        if self.model_path.is_none() {
            self.model_path.clone_from(&o.model_path);
        }
        self.enable_dp_attention = self.enable_dp_attention.or(o.enable_dp_attention);
        if self.version.is_none() {
            self.version.clone_from(&o.version);
        }
        if self.kv_role.is_none() {
            self.kv_role.clone_from(&o.kv_role);
        }
        self.kv_cache_tokens = self.kv_cache_tokens.or(o.kv_cache_tokens);
        self.gpu_blocks = self.gpu_blocks.or(o.gpu_blocks);
        self.cpu_blocks = self.cpu_blocks.or(o.cpu_blocks);
        if self.max_concurrency.is_none() {
            self.max_concurrency = o.max_concurrency;
            self.max_concurrency_tokens = o.max_concurrency_tokens;
        }
    }
}

/// A line kept for a message: its 1-based number (chunk-relative until
/// merged) and text (lossy UTF-8, cut at 300 bytes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeptLine {
    /// Line number.
    pub line: u64,
    /// Text.
    pub text: String,
}

impl KeptLine {
    /// Keeps `text` (a normalised line) as line `line`.
    pub fn new(line: u64, text: &[u8]) -> KeptLine {
        let t = text.trim_ascii();
        let mut cut = t.len().min(300);
        // Never cut inside a UTF-8 sequence.
        while cut < t.len() && cut > 0 && (t[cut] & 0xC0) == 0x80 {
            cut -= 1;
        }
        KeptLine {
            line,
            text: String::from_utf8_lossy(&t[..cut]).into_owned(),
        }
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
    /// Values that did not fit their column (left null), by column.
    pub rejected: BTreeMap<&'static str, u64>,
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
    /// vLLM: statistics lines per engine index (`None`: lines without
    /// `Engine NNN:`).
    pub engines: BTreeMap<Option<u16>, EngineCount>,
    /// vLLM: speculative-decoding lines.
    pub spec_lines: u64,
    /// vLLM: V0 prefix-cache lines.
    pub prefix_cache_lines: u64,
    /// vLLM: year counting of the chunk's lines.
    pub clock: Clock,
    /// Uvicorn access lines per HTTP status code.
    pub access: BTreeMap<u16, u64>,
    /// Access lines per second, run-length, SGLang (timestamp seconds).
    pub access_seconds: Vec<(i64, u32)>,
    /// Access lines per second, run-length, vLLM (dated by the latest vLLM
    /// line before them).
    pub access_local: Vec<(LocalTime, u32)>,
    /// vLLM access lines before the chunk's first dated line: dated by the
    /// previous chunk's last line when the chunks are merged (the file's
    /// first ones, before any dated line, stay undated).
    pub access_leading: u32,
    /// vLLM: error lines (see [`srtlog_formats::vllm::Record::Error`]).
    pub errors: u64,
    /// vLLM: the last error line.
    pub last_error: Option<KeptLine>,
    /// vLLM: the last non-blank line.
    pub last_line: Option<KeptLine>,
    /// vLLM: the server said it was up (`Starting vLLM API server`,
    /// `Application startup complete.`) or served a request.
    pub server_ready: bool,
}

impl ChunkStats {
    /// Counts the rejected fields of a batch line (bit `i` = registry
    /// field `i`); rare, so out of the scan loop's way.
    #[cold]
    pub fn count_rejected_fields(&mut self, mut mask: u64) {
        while mask != 0 {
            let i = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            if let Some(f) = srtlog_formats::sglang::FIELDS.get(i) {
                *self.rejected.entry(f.column).or_default() += 1;
            }
        }
    }

    /// Counts the rejected values of a vLLM line.
    #[cold]
    pub fn count_rejected(&mut self, r: &srtlog_formats::num::Rejected) {
        for c in r.iter() {
            *self.rejected.entry(c).or_default() += 1;
        }
        let extra = r.len().saturating_sub(r.iter().count());
        if extra > 0 {
            *self.rejected.entry("other").or_default() += extra as u64;
        }
    }

    /// Appends the stats of the *following* chunk; returns the year offset
    /// to add to that chunk's vLLM rows ([`Clock::merge_next`]).
    pub fn merge_next(&mut self, mut o: ChunkStats) -> i32 {
        for e in &mut o.examples {
            e.line += self.lines;
        }
        let prev_now = self.clock.now();
        let shift = self.clock.merge_next(&o.clock);
        if o.access_leading > 0 {
            match prev_now {
                Some(t) => append_runs(&mut self.access_local, vec![(t, o.access_leading)]),
                None => self.access_leading += o.access_leading,
            }
        }
        for (k, v) in o.engines {
            let (first, last) = (shifted(v.first, shift), shifted(v.last, shift));
            self.engines
                .entry(k)
                .and_modify(|c| {
                    c.lines += v.lines;
                    c.first = c.first.min(first);
                    c.last = c.last.max(last);
                })
                .or_insert(EngineCount {
                    lines: v.lines,
                    first,
                    last,
                });
        }
        self.spec_lines += o.spec_lines;
        self.prefix_cache_lines += o.prefix_cache_lines;
        for (k, v) in o.access {
            *self.access.entry(k).or_default() += v;
        }
        append_runs(&mut self.access_seconds, o.access_seconds);
        append_runs(
            &mut self.access_local,
            o.access_local
                .into_iter()
                .map(|(t, n)| (shifted(t, shift), n))
                .collect(),
        );
        self.errors += o.errors;
        self.server_ready |= o.server_ready;
        if let Some(mut e) = o.last_error {
            e.line += self.lines;
            self.last_error = Some(e);
        }
        if let Some(mut e) = o.last_line {
            e.line += self.lines;
            self.last_line = Some(e);
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
        for (k, v) in o.rejected {
            *self.rejected.entry(k).or_default() += v;
        }
        let room = MAX_EXAMPLES.saturating_sub(self.examples.len());
        self.examples.extend(o.examples.into_iter().take(room));
        self.config.merge(&o.config);
        self.binary_lines += o.binary_lines;
        self.any_first = opt_min(self.any_first, o.any_first);
        self.any_last = opt_max(self.any_last, o.any_last);
        shift
    }

    /// Counts an access line; `second` dates it when known.
    #[inline]
    pub fn count_access(&mut self, status: u16, second: Option<i64>) {
        *self.access.entry(status).or_default() += 1;
        if let Some(s) = second {
            push_run(&mut self.access_seconds, s);
        }
    }

    /// Counts a vLLM access line, dated by `at`, the chunk's latest dated
    /// line (`None`: none yet in this chunk).
    #[inline]
    pub fn count_access_local(&mut self, status: u16, at: Option<LocalTime>) {
        *self.access.entry(status).or_default() += 1;
        match at {
            Some(t) => push_run(&mut self.access_local, t),
            None => self.access_leading += 1,
        }
    }

    /// Statistics lines, all engines.
    pub fn stats_lines(&self) -> u64 {
        self.engines.values().map(|c| c.lines).sum()
    }
}

/// Adds one to the run of `key`, which is the last run or a new one.
#[inline]
fn push_run<K: PartialEq>(runs: &mut Vec<(K, u32)>, key: K) {
    match runs.last_mut() {
        Some((k, n)) if *k == key => *n += 1,
        _ => runs.push((key, 1)),
    }
}

/// Appends the runs of a following chunk, joining a run split between them.
fn append_runs<K: PartialEq>(runs: &mut Vec<(K, u32)>, next: Vec<(K, u32)>) {
    let mut it = next.into_iter();
    if let Some((k, n)) = it.next() {
        match runs.last_mut() {
            Some((lk, ln)) if *lk == k => *ln += n,
            _ => runs.push((k, n)),
        }
    }
    runs.extend(it);
}

pub(crate) fn opt_min(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

pub(crate) fn opt_max(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    }
}
