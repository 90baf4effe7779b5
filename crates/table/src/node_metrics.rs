//! Worker-log rows: one per batch line, memory snapshot or vLLM engine
//! statistics line.
//!
//! The schema is generated from the field registry of
//! [`srtlog_formats::sglang::fields`], so a new field appears here, in Parquet
//! and in the README without further edits. Column documentation:
//! [`column_docs`].
//!
//! vLLM engine statistics (formats.md §2.2) become `stats` rows of the same
//! table: the columns whose meaning is the same are shared
//! (`input_throughput` ← `Avg prompt throughput`, `gen_throughput` ← `Avg
//! generation throughput`, `running_req` ← `Running`, `queue_req` ←
//! `Waiting`/`Pending`, `token_usage` ← `GPU KV cache usage` as a fraction,
//! `accept_len`/`accept_rate` ← the `SpecDecoding metrics` line), the others
//! are the nullable [`VLLM_COLUMNS`] appended after SGLang's columns, so the
//! schema of SGLang rows is unchanged. A speculative-decoding or V0
//! prefix-cache line is merged into the statistics row it follows (same
//! process); one that follows none becomes a `stats_extra` row.
//!
//! vLLM prints no year, so its rows are pushed with a [`LocalTime`] (month,
//! day, time and a year offset counted from the chunk's first vLLM line) and
//! get their timestamp in [`Chunk::assemble_in_year`], once the file's year is
//! known.
//!
//! Rows are built per chunk of a file with [`NodeMetricsBuilder`], then
//! [`NodeMetricsBuilder::finish`] adds the per-file columns (file, node,
//! worker) as constant dictionaries and the `duplicate` flag, which needs the
//! whole file to know each scheduler's primary rank.

use crate::TableError;
use arrow_array::new_null_array;
use arrow_array::types::Int32Type;
use arrow_array::{
    Array, ArrayRef, BooleanArray, DictionaryArray, Float64Array, Int32Array, Int64Array,
    RecordBatch, StringArray, TimestampMicrosecondArray, UInt64Array,
};
use arrow_buffer::{BooleanBuffer, NullBuffer};
use arrow_schema::{DataType, Field as ArrowField, Schema, SchemaRef, TimeUnit};
use srtlog_formats::sglang::{
    BatchKind, BatchRecord, Field, FieldKind, MemoryRecord, Ranks, Values, FIELDS,
};
use srtlog_formats::vllm::{
    percent_to_fraction, MonthDayTime, PrefixCacheRecord, SpecRecord, StatsRecord,
};
use std::sync::{Arc, OnceLock};

/// Values of the `record` column: SGLang batch lines, memory snapshots (both
/// backends), vLLM engine statistics, and vLLM companion lines that followed
/// no statistics line.
pub const RECORD_KINDS: [&str; 4] = ["batch", "memory", "stats", "stats_extra"];

/// Row kinds in the builder (`kind` byte).
const K_PREFILL: u8 = 0;
const K_DECODE: u8 = 1;
const K_MEMORY: u8 = 2;
const K_STATS: u8 = 3;
const K_STATS_EXTRA: u8 = 4;

/// The vLLM-only columns: name, Arrow type, doc. Appended after every SGLang
/// column; null on SGLang rows.
pub const VLLM_COLUMNS: [(&str, VType, &str); 13] = [
    ("engine", VType::Int32, "vLLM engine index (`Engine NNN:`, the engine's DP rank; also in `dp`)"),
    ("swapped_req", VType::Int32, "vLLM V0: requests swapped to CPU (requests)"),
    ("cpu_kv_usage", VType::Float, "vLLM V0: CPU (swap) KV cache usage (fraction)"),
    ("prefix_cache_hit_rate", VType::Float, "vLLM: prefix-cache hit rate (fraction; V1 rolling over recent requests, V0 GPU rate of the companion line)"),
    ("cpu_prefix_cache_hit_rate", VType::Float, "vLLM V0: CPU prefix-cache hit rate (fraction)"),
    ("mm_cache_hit_rate", VType::Float, "vLLM: multimodal cache hit rate (fraction)"),
    ("spec_accepted_tokens", VType::Int64, "speculative decoding: draft tokens accepted in the interval (tokens; V0: cumulative)"),
    ("spec_drafted_tokens", VType::Int64, "speculative decoding: draft tokens proposed in the interval (tokens; V0: cumulative)"),
    ("spec_emitted_tokens", VType::Int64, "vLLM V0 speculative decoding: tokens emitted (tokens, cumulative)"),
    ("spec_accepted_throughput", VType::Float, "speculative decoding: accepted draft tokens per second (tokens/s)"),
    ("spec_drafted_throughput", VType::Float, "speculative decoding: drafted tokens per second (tokens/s)"),
    ("spec_system_efficiency", VType::Float, "vLLM V0 speculative decoding: system efficiency (fraction)"),
    ("spec_num_tokens", VType::Int32, "vLLM V0 speculative decoding: speculative tokens per step"),
];

/// The per-position acceptance rates column (comma-separated), after
/// [`VLLM_COLUMNS`].
pub const SPEC_PER_POSITION: (&str, &str) = (
    "spec_per_position",
    "speculative decoding: acceptance rate per draft position, comma-separated",
);

/// Type of a [`VLLM_COLUMNS`] column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VType {
    /// 32-bit integer.
    Int32,
    /// 64-bit integer.
    Int64,
    /// Float.
    Float,
}

impl VType {
    fn arrow(self) -> DataType {
        match self {
            VType::Int32 => DataType::Int32,
            VType::Int64 => DataType::Int64,
            VType::Float => DataType::Float64,
        }
    }
}

/// Indices into a row's [`VLLM_COLUMNS`] values.
mod vc {
    pub const ENGINE: usize = 0;
    pub const SWAPPED: usize = 1;
    pub const CPU_KV: usize = 2;
    pub const PREFIX_HIT: usize = 3;
    pub const CPU_PREFIX_HIT: usize = 4;
    pub const MM_HIT: usize = 5;
    pub const ACCEPTED: usize = 6;
    pub const DRAFTED: usize = 7;
    pub const EMITTED: usize = 8;
    pub const ACC_TPUT: usize = 9;
    pub const DRAFT_TPUT: usize = 10;
    pub const SYS_EFF: usize = 11;
    pub const NUM_SPEC: usize = 12;
    pub const N: usize = 13;
}

/// A vLLM wall-clock time without a year: month, day and time as printed,
/// and how many New Years passed since the chunk's first vLLM line (`-1` for
/// a December line printed after a January one, when processes interleave
/// across midnight).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LocalTime {
    /// New Years since the chunk's first vLLM line.
    pub year_offset: i32,
    /// Month, day and time.
    pub at: MonthDayTime,
}

impl LocalTime {
    /// The timestamp when the chunk's first vLLM line is in `base_year`.
    /// A day that does not exist in that year (February 29) rolls over to
    /// March 1, as the year was then inferred wrongly anyway.
    pub fn in_year(self, base_year: i32) -> srtlog_formats::Timestamp {
        let y = base_year + self.year_offset;
        self.at.with_year(y).unwrap_or_else(|| {
            let t = self.at;
            let days =
                srtlog_formats::timestamp::days_from_civil(y, u32::from(t.month), u32::from(t.day));
            srtlog_formats::Timestamp(
                (days * 86_400
                    + i64::from(t.hour) * 3600
                    + i64::from(t.minute) * 60
                    + i64::from(t.second))
                    * 1_000_000,
            )
        })
    }
}
/// Values of the `batch_type` column.
pub const BATCH_TYPES: [&str; 2] = ["prefill", "decode"];
/// Values of the `mem_event` column.
pub const MEM_EVENTS: [&str; 8] = [
    "load_weight_begin",
    "load_weight_end",
    "kv_cache_allocated",
    "memory_pool_end",
    "cuda_graph_begin",
    "cuda_graph_end",
    "max_total_num_tokens",
    "other",
];

/// Memory-snapshot columns: name, type, doc.
const MEM_COLUMNS: [(&str, bool, &str); 10] = [
    ("avail_mem_gb", false, "free GPU memory on the rank, GB"),
    ("mem_usage_gb", false, "memory consumed by the step, GB"),
    ("kv_tokens", true, "KV pool capacity, tokens"),
    ("kv_size_gb", false, "combined KV size (MLA), GB"),
    ("k_size_gb", false, "K size, GB"),
    ("v_size_gb", false, "V size, GB"),
    ("chunked_prefill_size", true, "chunked prefill size, tokens"),
    ("max_prefill_tokens", true, "max prefill tokens"),
    ("max_running_requests", true, "max running requests"),
    ("context_len", true, "context length, tokens"),
];

fn dict_type() -> DataType {
    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
}

/// `(name, documentation)` of every column, in schema order.
pub fn column_docs() -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = [
        ("file", "source file path"),
        ("node", "node (host) name"),
        ("worker_type", "prefill, decode or agg"),
        ("worker_id", "worker id within the node (w0, ...)"),
        ("line", "1-based line number in the source file"),
        ("timestamp", "wall clock as printed, microseconds, no zone"),
        ("record", "batch, memory, stats (vLLM engine statistics) or stats_extra (a vLLM companion line without its statistics line)"),
        ("batch_type", "prefill or decode (batch rows)"),
        ("dp", "DP rank tag, null when absent (vLLM: the engine index)"),
        ("pp", "PP rank tag, null when absent"),
        ("tp", "TP rank tag, null when absent"),
        ("ep", "EP rank tag, null when absent"),
        ("attn_cp", "ATTN_CP rank tag, null when absent"),
        ("moe_dp", "MOE_DP rank tag, null when absent"),
        (
            "duplicate",
            "true when a non-primary TP/PP rank printed this step again",
        ),
        ("iteration", "forward-iteration id of `batch [N],` lines"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    for f in FIELDS {
        let unit = if f.unit.is_empty() {
            String::new()
        } else {
            format!(" ({})", f.unit)
        };
        v.push((f.column.to_string(), format!("{}{unit}", f.doc)));
    }
    v.push((
        "extras".into(),
        "unknown `key: value` items, `key=value; ...`".into(),
    ));
    v.push((
        "mem_event".into(),
        "memory/start-up step (memory rows)".into(),
    ));
    for (n, _, d) in MEM_COLUMNS {
        v.push((n.into(), d.into()));
    }
    for (n, _, d) in VLLM_COLUMNS {
        v.push((n.into(), d.into()));
    }
    v.push((SPEC_PER_POSITION.0.into(), SPEC_PER_POSITION.1.into()));
    v
}

/// The node-metrics schema.
pub fn schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            let mut f = vec![
                ArrowField::new("file", dict_type(), false),
                ArrowField::new("node", dict_type(), false),
                ArrowField::new("worker_type", dict_type(), false),
                ArrowField::new("worker_id", dict_type(), false),
                ArrowField::new("line", DataType::UInt64, false),
                ArrowField::new(
                    "timestamp",
                    DataType::Timestamp(TimeUnit::Microsecond, None),
                    false,
                ),
                ArrowField::new("record", dict_type(), false),
                ArrowField::new("batch_type", dict_type(), true),
            ];
            for r in ["dp", "pp", "tp", "ep", "attn_cp", "moe_dp"] {
                f.push(ArrowField::new(r, DataType::Int32, true));
            }
            f.push(ArrowField::new("duplicate", DataType::Boolean, false));
            f.push(ArrowField::new("iteration", DataType::Int64, true));
            for def in FIELDS {
                let t = match def.kind {
                    // Counts are below 2^31 (KV pools hold millions of tokens,
                    // not billions); 32 bits halve the memory of a table.
                    FieldKind::Int => DataType::Int32,
                    FieldKind::Float | FieldKind::Percent => DataType::Float64,
                    FieldKind::Bool => DataType::Boolean,
                };
                f.push(ArrowField::new(def.column, t, true));
            }
            f.push(ArrowField::new("extras", DataType::Utf8, true));
            f.push(ArrowField::new("mem_event", dict_type(), true));
            for (n, int, _) in MEM_COLUMNS {
                let t = if int {
                    DataType::Int64
                } else {
                    DataType::Float64
                };
                f.push(ArrowField::new(n, t, true));
            }
            for (n, t, _) in VLLM_COLUMNS {
                f.push(ArrowField::new(n, t.arrow(), true));
            }
            f.push(ArrowField::new(SPEC_PER_POSITION.0, DataType::Utf8, true));
            Arc::new(Schema::new(f))
        })
        .clone()
}

/// Per-file identity written into the constant columns.
#[derive(Clone, Debug)]
pub struct FileMeta {
    /// Source file path as given.
    pub file: String,
    /// Node name.
    pub node: String,
    /// `prefill`, `decode` or `agg`.
    pub worker_type: String,
    /// Worker id.
    pub worker_id: String,
}

/// Builds the rows of one chunk of one file.
///
/// Columns are plain `Vec`s plus presence bits, turned into Arrow arrays only
/// in [`finish`](Self::finish): a batch row sets about 10 of 38 field columns,
/// and appending nulls through Arrow's builders one by one cost more than
/// decoding the line. Memory rows and unknown keys are rare, so they are kept
/// sparse (row index + values) and expanded at the end.
pub struct NodeMetricsBuilder {
    line: Vec<u64>,
    ts: Vec<i64>,
    /// 0 = batch (prefill), 1 = batch (decode), 2 = memory.
    kind: Vec<u8>,
    /// Rank tags, `-1` when absent.
    ranks: [Vec<i32>; 6],
    /// Forward-iteration id, `-1` when absent.
    iteration: Vec<i64>,
    /// Field values (0 when absent) and the per-row presence masks.
    fields: Vec<FieldVec>,
    present: Vec<u64>,
    /// `(row, "k=v; ...")` for rows with unknown keys.
    extras: Vec<(usize, String)>,
    /// `(row, event index, values)` for memory rows.
    mem: Vec<(usize, i32, [Option<f64>; 10])>,
    /// Rank keys of batch rows, for duplicate marking; `None` for memory rows.
    row_ranks: Vec<Option<Ranks>>,
    /// `(row, values)` of the [`VLLM_COLUMNS`] for vLLM rows.
    vllm: Vec<(usize, [Option<f64>; vc::N])>,
    /// `(row, rates)` of the per-position acceptance rates.
    per_position: Vec<(usize, String)>,
    /// Rows whose timestamp waits for the year.
    local: Vec<(usize, LocalTime)>,
    /// The last statistics row of each process (pid; `None` for lines
    /// without a process tag), with the companions it already has
    /// (bit 0 speculative, bit 1 prefix cache), for merging companions.
    last_stats: Vec<(Option<u32>, usize, u8)>,
}

impl Default for NodeMetricsBuilder {
    fn default() -> Self {
        Self::with_capacity(1024)
    }
}

impl NodeMetricsBuilder {
    /// A builder sized for about `n` rows.
    pub fn with_capacity(n: usize) -> Self {
        NodeMetricsBuilder {
            line: Vec::with_capacity(n),
            ts: Vec::with_capacity(n),
            kind: Vec::with_capacity(n),
            ranks: std::array::from_fn(|_| Vec::with_capacity(n)),
            iteration: Vec::with_capacity(n),
            fields: FIELDS
                .iter()
                .map(|d| match d.kind {
                    FieldKind::Int => FieldVec::Int(Vec::with_capacity(n)),
                    FieldKind::Float | FieldKind::Percent => FieldVec::Float(Vec::with_capacity(n)),
                    FieldKind::Bool => FieldVec::Bool(Vec::with_capacity(n)),
                })
                .collect(),
            present: Vec::with_capacity(n),
            extras: Vec::new(),
            mem: Vec::new(),
            row_ranks: Vec::with_capacity(n),
            vllm: Vec::new(),
            per_position: Vec::new(),
            local: Vec::new(),
            last_stats: Vec::new(),
        }
    }

    /// Rows so far.
    pub fn len(&self) -> usize {
        self.kind.len()
    }

    /// True when no row was added.
    pub fn is_empty(&self) -> bool {
        self.kind.is_empty()
    }

    fn push_common(&mut self, line: u64, ts: i64, ranks: &Ranks, kind: u8) {
        self.line.push(line);
        self.ts.push(ts);
        self.kind.push(kind);
        let r = [
            ranks.dp,
            ranks.pp,
            ranks.tp,
            ranks.ep,
            ranks.attn_cp,
            ranks.moe_dp,
        ];
        for (b, v) in self.ranks.iter_mut().zip(r) {
            b.push(v.map_or(-1, i32::from));
        }
    }

    /// Adds a batch row.
    #[inline]
    pub fn push_batch(&mut self, line: u64, r: &BatchRecord<'_>) {
        let kind = match r.kind {
            BatchKind::Prefill => 0,
            BatchKind::Decode => 1,
        };
        self.push_common(line, r.prefix.ts.0, &r.prefix.ranks, kind);
        self.iteration.push(r.iteration.map_or(-1, |i| i as i64));
        let (mask, vals) = r.values.raw();
        self.present.push(mask);
        for (col, &v) in self.fields.iter_mut().zip(vals) {
            col.push(v);
        }
        if !r.extras.is_empty() {
            self.extras.push((self.kind.len() - 1, r.extras.to_text()));
        }
        self.row_ranks.push(Some(r.prefix.ranks));
    }

    /// Adds a memory-snapshot row.
    pub fn push_memory(&mut self, line: u64, m: &MemoryRecord) {
        self.push_common(line, m.prefix.ts.0, &m.prefix.ranks, 2);
        self.iteration.push(-1);
        self.present.push(0);
        for col in &mut self.fields {
            col.push(0.0);
        }
        let ev = MEM_EVENTS
            .iter()
            .position(|e| *e == m.event.as_str())
            .unwrap_or(MEM_EVENTS.len() - 1);
        let vals = [
            m.avail_mem_gb,
            m.mem_usage_gb,
            m.kv_tokens,
            m.kv_size_gb,
            m.k_size_gb,
            m.v_size_gb,
            m.chunked_prefill_size,
            m.max_prefill_tokens,
            m.max_running_requests,
            m.context_len,
        ];
        self.mem.push((self.kind.len() - 1, ev as i32, vals));
        self.row_ranks.push(None);
    }

    /// Adds a memory-snapshot row of a vLLM line, whose timestamp waits for
    /// the year (the prefix's `ts` is ignored).
    pub fn push_memory_local(&mut self, line: u64, m: &MemoryRecord, at: LocalTime) {
        self.push_memory(line, m);
        self.local.push((self.kind.len() - 1, at));
    }

    /// Adds a vLLM engine statistics row. `pid` identifies the printing
    /// process, so that the companion lines that follow merge into this row.
    pub fn push_stats(&mut self, line: u64, r: &StatsRecord<'_>, at: LocalTime, pid: Option<u32>) {
        let ranks = Ranks {
            dp: r.engine,
            ..Ranks::default()
        };
        self.push_common(line, 0, &ranks, K_STATS);
        self.iteration.push(-1);
        let mut v = Values::default();
        let mut set = |f: Field, x: Option<f64>| {
            if let Some(x) = x {
                v.set(f, x);
            }
        };
        set(Field::InputThroughput, r.prompt_throughput);
        set(Field::GenThroughput, r.gen_throughput);
        set(Field::RunningReq, r.running);
        set(Field::QueueReq, r.queued());
        set(Field::TokenUsage, r.gpu_kv_usage.map(percent_to_fraction));
        let (mask, vals) = v.raw();
        self.present.push(mask);
        for (col, &x) in self.fields.iter_mut().zip(vals) {
            col.push(x);
        }
        let row = self.kind.len() - 1;
        let mut x = [None; vc::N];
        x[vc::ENGINE] = r.engine.map(f64::from);
        x[vc::SWAPPED] = r.swapped;
        x[vc::CPU_KV] = r.cpu_kv_usage.map(percent_to_fraction);
        x[vc::PREFIX_HIT] = r.prefix_cache_hit_rate.map(percent_to_fraction);
        x[vc::MM_HIT] = r.mm_cache_hit_rate.map(percent_to_fraction);
        self.vllm.push((row, x));
        if !r.extras.is_empty() {
            self.extras.push((row, r.extras.to_text()));
        }
        self.row_ranks.push(None);
        self.local.push((row, at));
        match self.last_stats.iter_mut().find(|(p, ..)| *p == pid) {
            Some(e) => *e = (pid, row, 0),
            None => self.last_stats.push((pid, row, 0)),
        }
    }

    /// The statistics row a companion line of `pid` completes, marking the
    /// companion `bit` as taken; `None` when there is none.
    fn companion_target(&mut self, pid: Option<u32>, bit: u8) -> Option<usize> {
        let e = self.last_stats.iter_mut().find(|(p, ..)| *p == pid)?;
        if e.2 & bit != 0 {
            return None;
        }
        e.2 |= bit;
        Some(e.1)
    }

    /// A `stats_extra` row for a companion line that follows no statistics
    /// line; returns its index.
    fn push_stats_extra(&mut self, line: u64, at: LocalTime) -> usize {
        self.push_common(line, 0, &Ranks::default(), K_STATS_EXTRA);
        self.iteration.push(-1);
        self.present.push(0);
        for col in &mut self.fields {
            col.push(0.0);
        }
        self.row_ranks.push(None);
        let row = self.kind.len() - 1;
        self.local.push((row, at));
        self.vllm.push((row, [None; vc::N]));
        row
    }

    /// The vLLM values of `row` (a statistics or `stats_extra` row).
    fn vllm_values(&mut self, row: usize) -> &mut [Option<f64>; vc::N] {
        // Rows are pushed in order, and a companion targets a recent row.
        let i = self
            .vllm
            .iter()
            .rposition(|(r, _)| *r == row)
            .unwrap_or_else(|| {
                self.vllm.push((row, [None; vc::N]));
                self.vllm.len() - 1
            });
        &mut self.vllm[i].1
    }

    /// Sets a registry field of an existing row.
    fn set_field(&mut self, row: usize, f: Field, x: f64) {
        let i = f as usize;
        self.present[row] |= 1 << i;
        self.fields[i].set(row, x);
    }

    /// Merges a speculative-decoding line into the statistics row of `pid`
    /// it follows, or adds it as a `stats_extra` row.
    pub fn push_spec(&mut self, line: u64, r: &SpecRecord<'_>, at: LocalTime, pid: Option<u32>) {
        let row = match self.companion_target(pid, 1) {
            Some(row) => row,
            None => self.push_stats_extra(line, at),
        };
        if let Some(x) = r.mean_acceptance_length {
            self.set_field(row, Field::AcceptLen, x);
        }
        if let Some(x) = r.acceptance_rate {
            self.set_field(row, Field::AcceptRate, x);
        }
        let v = self.vllm_values(row);
        v[vc::ACCEPTED] = r.accepted_tokens;
        v[vc::DRAFTED] = r.drafted_tokens;
        v[vc::EMITTED] = r.emitted_tokens;
        v[vc::ACC_TPUT] = r.accepted_throughput;
        v[vc::DRAFT_TPUT] = r.drafted_throughput;
        v[vc::SYS_EFF] = r.system_efficiency;
        v[vc::NUM_SPEC] = r.num_spec_tokens;
        if let Some(raw) = r.per_position {
            // As printed, without the spaces: `0.786,0.490,0.286`.
            let rates: String = String::from_utf8_lossy(raw)
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            self.per_position.push((row, rates));
        }
    }

    /// Merges a V0 `Prefix cache hit rate: GPU: …, CPU: …` line into the
    /// statistics row of `pid` it follows, or adds it as a `stats_extra` row.
    pub fn push_prefix_cache(
        &mut self,
        line: u64,
        r: &PrefixCacheRecord,
        at: LocalTime,
        pid: Option<u32>,
    ) {
        let row = match self.companion_target(pid, 2) {
            Some(row) => row,
            None => self.push_stats_extra(line, at),
        };
        let v = self.vllm_values(row);
        v[vc::PREFIX_HIT] = r.gpu.map(percent_to_fraction);
        v[vc::CPU_PREFIX_HIT] = r.cpu.map(percent_to_fraction);
    }

    /// Turns the rows into Arrow arrays. This is the expensive part of
    /// finishing and runs in the parallel task that parsed the chunk; what
    /// needs the whole file (worker type, line offset, duplicates) is applied
    /// afterwards by [`Chunk::assemble`].
    pub fn finish_chunk(self) -> Chunk {
        let n = self.kind.len();
        let dict = |keys: Int32Array, values: &[&str]| -> ArrayRef {
            let values = Arc::new(StringArray::from(values.to_vec()));
            Arc::new(DictionaryArray::<Int32Type>::new(keys, values))
        };
        let record = Int32Array::from(
            self.kind
                .iter()
                .map(|&k| match k {
                    K_PREFILL | K_DECODE => 0,
                    K_MEMORY => 1,
                    K_STATS => 2,
                    _ => 3,
                })
                .collect::<Vec<_>>(),
        );
        let kind = &self.kind;
        let batch_type = Int32Array::new(
            kind.iter()
                .map(|&k| i32::from(k == K_DECODE))
                .collect::<Vec<_>>()
                .into(),
            Some(nulls_where(n, |r| kind[r] <= K_DECODE)),
        );
        let mut cols: Vec<ArrayRef> =
            vec![dict(record, &RECORD_KINDS), dict(batch_type, &BATCH_TYPES)];
        for v in self.ranks {
            let nulls = nulls_where(n, |r| v[r] >= 0);
            cols.push(Arc::new(Int32Array::new(v.into(), Some(nulls))));
        }
        let it = self.iteration;
        let nulls = nulls_where(n, |r| it[r] >= 0);
        cols.push(Arc::new(Int64Array::new(it.into(), Some(nulls))));
        for (i, v) in self.fields.into_iter().enumerate() {
            let present = &self.present;
            let nulls = Some(nulls_where(n, |r| present[r] >> i & 1 == 1));
            // The value vectors become Arrow buffers without a copy.
            cols.push(match v {
                FieldVec::Int(v) => Arc::new(Int32Array::new(v.into(), nulls)),
                FieldVec::Float(v) => Arc::new(Float64Array::new(v.into(), nulls)),
                FieldVec::Bool(v) => Arc::new(BooleanArray::new(BooleanBuffer::from(v), nulls)),
            });
        }
        // Unknown keys and memory rows are rare: all-null columns unless present.
        if self.extras.is_empty() {
            cols.push(new_null_array(&DataType::Utf8, n));
        } else {
            let mut extras: Vec<Option<&str>> = vec![None; n];
            for (r, s) in &self.extras {
                extras[*r] = Some(s);
            }
            cols.push(Arc::new(StringArray::from(extras)));
        }
        let mut ev: Vec<i32> = vec![0; n];
        for (r, e, _) in &self.mem {
            ev[*r] = *e;
        }
        let mem_rows: Vec<bool> = {
            let mut m = vec![false; n];
            for (r, _, _) in &self.mem {
                m[*r] = true;
            }
            m
        };
        let ev = Int32Array::new(ev.into(), Some(nulls_where(n, |r| mem_rows[r])));
        cols.push(dict(ev, &MEM_EVENTS));
        for (i, (_, int, _)) in MEM_COLUMNS.iter().enumerate() {
            let t = if *int {
                DataType::Int64
            } else {
                DataType::Float64
            };
            if self.mem.is_empty() {
                cols.push(new_null_array(&t, n));
                continue;
            }
            let mut vals = vec![0f64; n];
            let mut valid = vec![false; n];
            for (r, _, v) in &self.mem {
                if let Some(x) = v[i] {
                    vals[*r] = x;
                    valid[*r] = true;
                }
            }
            let nulls = Some(NullBuffer::new(BooleanBuffer::from(valid)));
            cols.push(if *int {
                Arc::new(Int64Array::new(
                    vals.iter().map(|x| *x as i64).collect::<Vec<_>>().into(),
                    nulls,
                ))
            } else {
                Arc::new(Float64Array::new(vals.into(), nulls))
            });
        }
        for (i, (_, t, _)) in VLLM_COLUMNS.iter().enumerate() {
            if self.vllm.is_empty() {
                cols.push(new_null_array(&t.arrow(), n));
                continue;
            }
            let mut vals = vec![0f64; n];
            let mut valid = vec![false; n];
            for (r, v) in &self.vllm {
                if let Some(x) = v[i] {
                    vals[*r] = x;
                    valid[*r] = true;
                }
            }
            let nulls = Some(NullBuffer::new(BooleanBuffer::from(valid)));
            cols.push(match t {
                VType::Int32 => Arc::new(Int32Array::new(
                    vals.iter().map(|x| *x as i32).collect::<Vec<_>>().into(),
                    nulls,
                )) as ArrayRef,
                VType::Int64 => Arc::new(Int64Array::new(
                    vals.iter().map(|x| *x as i64).collect::<Vec<_>>().into(),
                    nulls,
                )),
                VType::Float => Arc::new(Float64Array::new(vals.into(), nulls)),
            });
        }
        if self.per_position.is_empty() {
            cols.push(new_null_array(&DataType::Utf8, n));
        } else {
            let mut pp: Vec<Option<&str>> = vec![None; n];
            for (r, s) in &self.per_position {
                pp[*r] = Some(s);
            }
            cols.push(Arc::new(StringArray::from(pp)));
        }
        Chunk {
            n,
            line: self.line,
            ts: self.ts,
            local: self.local,
            columns: cols,
            row_ranks: self.row_ranks,
        }
    }

    /// Finishes rows directly into a `RecordBatch` ([`finish_chunk`](Self::finish_chunk)
    /// then [`Chunk::assemble`]).
    pub fn finish(
        self,
        meta: &FileMeta,
        line_offset: u64,
        is_primary: &dyn Fn(&Ranks) -> bool,
    ) -> Result<RecordBatch, TableError> {
        self.finish_chunk().assemble(meta, line_offset, is_primary)
    }
}

/// One field's values, in the column's own type so that finishing needs no
/// conversion pass. Absent values are stored as 0 and masked by validity.
enum FieldVec {
    Int(Vec<i32>),
    Float(Vec<f64>),
    Bool(Vec<bool>),
}

impl FieldVec {
    /// Overwrites the value of an existing row.
    fn set(&mut self, row: usize, v: f64) {
        match self {
            FieldVec::Int(c) => c[row] = v as i32,
            FieldVec::Float(c) => c[row] = v,
            FieldVec::Bool(c) => c[row] = v != 0.0,
        }
    }

    #[inline]
    fn push(&mut self, v: f64) {
        match self {
            // `as` saturates: an out-of-range count becomes i32::MAX, not garbage.
            FieldVec::Int(c) => c.push(v as i32),
            FieldVec::Float(c) => c.push(v),
            FieldVec::Bool(c) => c.push(v != 0.0),
        }
    }
}

/// Builds a validity buffer; a generic closure so the per-row test inlines.
#[inline]
fn nulls_where(n: usize, f: impl FnMut(usize) -> bool) -> NullBuffer {
    NullBuffer::new(BooleanBuffer::collect_bool(n, f))
}

/// The columns of one chunk that do not depend on the rest of the file.
pub struct Chunk {
    n: usize,
    /// Chunk-relative line numbers.
    line: Vec<u64>,
    /// Timestamps (0 for rows that wait for the year).
    ts: Vec<i64>,
    /// Rows whose timestamp waits for the year.
    local: Vec<(usize, LocalTime)>,
    /// Columns from `record` on, without `duplicate`.
    columns: Vec<ArrayRef>,
    row_ranks: Vec<Option<Ranks>>,
}

/// Rewrites the per-file columns (file, node, worker type, worker id) and the
/// `duplicate` flag of finished rows, from their rank columns. Used when the
/// facts a file's rows were streamed with turn out wrong at its end.
pub fn reassign(
    rb: &RecordBatch,
    meta: &FileMeta,
    is_primary: &dyn Fn(&Ranks) -> bool,
) -> Result<RecordBatch, TableError> {
    let n = rb.num_rows();
    let rank = |name: &str| -> Result<Int32Array, TableError> {
        rb.column_by_name(name)
            .and_then(|c| c.as_any().downcast_ref::<Int32Array>().cloned())
            .ok_or_else(|| TableError::Schema(format!("no Int32 column {name}")))
    };
    let [dp, pp, tp, ep, cp, moe] = ["dp", "pp", "tp", "ep", "attn_cp", "moe_dp"].map(rank);
    let (dp, pp, tp, ep, cp, moe) = (dp?, pp?, tp?, ep?, cp?, moe?);
    let record = rb
        .column_by_name("record")
        .and_then(|c| {
            c.as_any()
                .downcast_ref::<DictionaryArray<Int32Type>>()
                .cloned()
        })
        .ok_or_else(|| TableError::Schema("no record column".into()))?;
    let opt = |a: &Int32Array, r: usize| a.is_valid(r).then(|| a.value(r) as u16);
    let duplicate = BooleanArray::new(
        BooleanBuffer::collect_bool(n, |r| {
            record.keys().value(r) == 0 && {
                let k = Ranks {
                    dp: opt(&dp, r),
                    pp: opt(&pp, r),
                    tp: opt(&tp, r),
                    ep: opt(&ep, r),
                    attn_cp: opt(&cp, r),
                    moe_dp: opt(&moe, r),
                };
                !is_primary(&k)
            }
        }),
        None,
    );
    let constant = |s: &str| -> ArrayRef {
        let keys = Int32Array::from(vec![0i32; n]);
        Arc::new(DictionaryArray::<Int32Type>::new(
            keys,
            Arc::new(StringArray::from(vec![s])),
        ))
    };
    let mut cols: Vec<ArrayRef> = rb.columns().to_vec();
    cols[0] = constant(&meta.file);
    cols[1] = constant(&meta.node);
    cols[2] = constant(&meta.worker_type);
    cols[3] = constant(&meta.worker_id);
    cols[5 + DUPLICATE_AT] = Arc::new(duplicate);
    Ok(RecordBatch::try_new(schema(), cols)?)
}

/// Index of `duplicate` among the columns after `line`.
const DUPLICATE_AT: usize = 1 + 2 + 6;
/// Index of `duplicate` among a [`Chunk`]'s columns (which start at `record`).
const CHUNK_DUPLICATE_AT: usize = DUPLICATE_AT - 1;

impl Chunk {
    /// Rows in the chunk.
    pub fn len(&self) -> usize {
        self.n
    }

    /// True when the chunk has no rows.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// True when some rows wait for the year (vLLM rows).
    pub fn needs_year(&self) -> bool {
        !self.local.is_empty()
    }

    /// Adds the per-file columns and the `duplicate` flag.
    ///
    /// `line_offset` is added to every line number (chunks parsed in parallel
    /// number their lines from 1). `is_primary` decides, from a batch row's
    /// ranks, whether it is the scheduler's own line (`true`) or a TP/PP
    /// duplicate (`false`).
    pub fn assemble(
        self,
        meta: &FileMeta,
        line_offset: u64,
        is_primary: &dyn Fn(&Ranks) -> bool,
    ) -> Result<RecordBatch, TableError> {
        self.assemble_in_year(meta, line_offset, is_primary, None)
    }

    /// [`assemble`](Self::assemble), giving the rows that wait for the year
    /// their timestamp: `base_year` is the year of the chunk's first vLLM
    /// line (year offset 0). Without it such rows keep timestamp 0, which
    /// callers avoid by always knowing a year.
    pub fn assemble_in_year(
        mut self,
        meta: &FileMeta,
        line_offset: u64,
        is_primary: &dyn Fn(&Ranks) -> bool,
        base_year: Option<i32>,
    ) -> Result<RecordBatch, TableError> {
        let n = self.n;
        if let Some(y) = base_year {
            for (r, t) in &self.local {
                self.ts[*r] = t.in_year(y).0;
            }
        }
        let constant = |s: &str| -> ArrayRef {
            let keys = Int32Array::from(vec![0i32; n]);
            let values = Arc::new(StringArray::from(vec![s]));
            Arc::new(DictionaryArray::<Int32Type>::new(keys, values))
        };
        let lines: UInt64Array = self
            .line
            .into_iter()
            .map(|l| l + line_offset)
            .collect::<Vec<_>>()
            .into();
        let duplicate = BooleanArray::new(
            BooleanBuffer::collect_bool(n, |r| self.row_ranks[r].is_some_and(|k| !is_primary(&k))),
            None,
        );
        let mut cols: Vec<ArrayRef> = Vec::with_capacity(self.columns.len() + 7);
        cols.extend([
            constant(&meta.file),
            constant(&meta.node),
            constant(&meta.worker_type),
            constant(&meta.worker_id),
            Arc::new(lines) as ArrayRef,
            Arc::new(TimestampMicrosecondArray::from(self.ts)) as ArrayRef,
        ]);
        let mut rest = self.columns.into_iter();
        cols.extend(rest.by_ref().take(CHUNK_DUPLICATE_AT));
        cols.push(Arc::new(duplicate));
        cols.extend(rest);
        debug_assert!(cols.iter().all(|c| c.len() == n));
        Ok(RecordBatch::try_new(schema(), cols)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use srtlog_formats::sglang::{decode_line, Record};

    #[test]
    fn rows_and_duplicates() {
        let lines = [
            "[2025-12-08 14:34:44 PP0 TP0] Decode batch, #running-req: 3, #token: 10, token usage: 0.01, cuda graph: True, gen throughput (token/s): 12.50, #queue-req: 0, #mystery: 7",
            "[2025-12-08 14:34:44 PP1 TP0] Decode batch, #running-req: 3, #token: 10, token usage: 0.01, cuda graph: True, gen throughput (token/s): 12.50, #queue-req: 0",
            "[2025-12-08 14:34:40 TP1] KV Cache is allocated. #tokens: 2688964, KV size: 175.98 GB",
        ];
        let mut b = NodeMetricsBuilder::default();
        for (i, l) in lines.iter().enumerate() {
            match decode_line(l.as_bytes()) {
                Record::Batch(r) => b.push_batch(i as u64 + 1, &r),
                Record::Memory(m) => b.push_memory(i as u64 + 1, &m),
                other => panic!("{other:?}"),
            }
        }
        let meta = FileMeta {
            file: "x.out".into(),
            node: "n1".into(),
            worker_type: "decode".into(),
            worker_id: "w0".into(),
        };
        let rb = b.finish(&meta, 0, &|r| r.pp.unwrap_or(0) == 0).unwrap();
        assert_eq!(rb.num_rows(), 3);
        // Reassigning with another primary rank flips the flags.
        let other = reassign(&rb, &meta, &|r| r.pp == Some(1)).unwrap();
        let flags = other
            .column_by_name("duplicate")
            .unwrap()
            .as_any()
            .downcast_ref::<BooleanArray>()
            .unwrap()
            .clone();
        assert_eq!(
            flags.iter().collect::<Vec<_>>(),
            vec![Some(true), Some(false), Some(false)]
        );
        assert_eq!(rb.schema(), schema());
        let dup = rb.column_by_name("duplicate").unwrap();
        let dup = dup.as_any().downcast_ref::<BooleanArray>().unwrap();
        assert_eq!(
            dup.iter().collect::<Vec<_>>(),
            vec![Some(false), Some(true), Some(false)]
        );
        let extras = rb.column_by_name("extras").unwrap();
        let extras = extras.as_any().downcast_ref::<StringArray>().unwrap();
        assert_eq!(extras.value(0), "#mystery=7");
        let kv = rb.column_by_name("kv_tokens").unwrap();
        let kv = kv
            .as_any()
            .downcast_ref::<arrow_array::Int64Array>()
            .unwrap();
        assert_eq!(kv.value(2), 2_688_964);
        assert_eq!(column_docs().len(), rb.num_columns());
    }

    #[test]
    fn vllm_rows_merge_companions_and_wait_for_the_year() {
        use srtlog_formats::vllm::{decode_line as vdecode, Record as V};
        let lines = [
            "(APIServer pid=7) INFO 12-31 23:59:59 [loggers.py:273] Engine 000: Avg prompt throughput: 3.8 tokens/s, Avg generation throughput: 27.7 tokens/s, Running: 2 reqs, Waiting: 1 reqs, GPU KV cache usage: 0.6%, Prefix cache hit rate: 61.8%, Preempted: 1 reqs",
            "(APIServer pid=7) INFO 12-31 23:59:59 [metrics.py:120] SpecDecoding metrics: Mean acceptance length: 2.83, Accepted throughput: 17.90 tokens/s, Drafted throughput: 146.97 tokens/s, Accepted: 179 tokens, Drafted: 1470 tokens, Per-position acceptance rate: 0.786, 0.490, Avg Draft acceptance rate: 12.2%",
            "(APIServer pid=7) INFO 01-01 00:00:09 [metrics.py:120] SpecDecoding metrics: Mean acceptance length: 1.00, Accepted: 0 tokens, Drafted: 10 tokens, Avg Draft acceptance rate: 0.0%",
            "INFO 01-01 00:00:10 metrics.py:349] Avg prompt throughput: 0.0 tokens/s, Avg generation throughput: 1.0 tokens/s, Running: 1 reqs, Swapped: 2 reqs, Pending: 3 reqs, GPU KV cache usage: 50.0%, CPU KV cache usage: 10.0%.",
            "INFO 01-01 00:00:10 metrics.py:483] Prefix cache hit rate: GPU: 79.73%, CPU: 0.00%",
        ];
        let mut b = NodeMetricsBuilder::default();
        for (i, l) in lines.iter().enumerate() {
            let line = i as u64 + 1;
            let lt = |p: &srtlog_formats::vllm::Prefix<'_>| LocalTime {
                year_offset: i32::from(p.at.month == 1),
                at: p.at,
            };
            match vdecode(l.as_bytes()) {
                V::Stats(p, r) => b.push_stats(line, &r, lt(&p), p.process.map(|x| x.pid)),
                V::Spec(p, r) => b.push_spec(line, &r, lt(&p), p.process.map(|x| x.pid)),
                V::PrefixCache(p, r) => {
                    b.push_prefix_cache(line, &r, lt(&p), p.process.map(|x| x.pid))
                }
                other => panic!("{other:?}"),
            }
        }
        let meta = FileMeta {
            file: "vllm.log".into(),
            node: "vllm".into(),
            worker_type: "agg".into(),
            worker_id: "w0".into(),
        };
        let c = b.finish_chunk();
        assert!(c.needs_year());
        let rb = c.assemble_in_year(&meta, 0, &|_| true, Some(2025)).unwrap();
        assert_eq!(rb.schema(), schema());
        assert_eq!(column_docs().len(), rb.num_columns());
        assert_eq!(rb.num_rows(), 3, "stats, orphan spec, V0 stats");
        let col = |n: &str| rb.column_by_name(n).unwrap().clone();
        let ts = col("timestamp");
        let ts = ts
            .as_any()
            .downcast_ref::<TimestampMicrosecondArray>()
            .unwrap();
        let t = |i| srtlog_formats::Timestamp(ts.value(i)).to_string();
        assert_eq!(
            (t(0), t(1), t(2)),
            (
                "2025-12-31T23:59:59".into(),
                "2026-01-01T00:00:09".into(),
                "2026-01-01T00:00:10".into()
            )
        );
        let rec = col("record");
        let rec = rec
            .as_any()
            .downcast_ref::<DictionaryArray<Int32Type>>()
            .unwrap();
        assert_eq!(rec.keys().values().to_vec(), vec![2, 3, 2]);
        let f = |n: &str, i: usize| {
            let c = col(n);
            let c = c.as_any().downcast_ref::<Float64Array>().unwrap();
            c.is_valid(i).then(|| c.value(i))
        };
        let int = |n: &str, i: usize| {
            let c = col(n);
            let c = c.as_any().downcast_ref::<Int32Array>().unwrap();
            c.is_valid(i).then(|| c.value(i))
        };
        assert_eq!(f("input_throughput", 0), Some(3.8));
        assert_eq!(f("gen_throughput", 0), Some(27.7));
        assert_eq!(int("running_req", 0), Some(2));
        assert_eq!(int("queue_req", 0), Some(1));
        assert_eq!(f("token_usage", 0), Some(0.006));
        assert_eq!(f("prefix_cache_hit_rate", 0), Some(0.618));
        assert_eq!(f("accept_len", 0), Some(2.83));
        assert_eq!(f("accept_rate", 0), Some(0.122));
        assert_eq!(int("engine", 0), Some(0));
        assert_eq!(int("dp", 0), Some(0));
        let ex = col("extras");
        assert_eq!(
            ex.as_any().downcast_ref::<StringArray>().unwrap().value(0),
            "Preempted=1 reqs"
        );
        let pp = col("spec_per_position");
        assert_eq!(
            pp.as_any().downcast_ref::<StringArray>().unwrap().value(0),
            "0.786,0.490"
        );
        let acc = col("spec_accepted_tokens");
        let acc = acc.as_any().downcast_ref::<Int64Array>().unwrap();
        assert_eq!((acc.value(0), acc.value(1)), (179, 0));
        // The orphan companion row carries only its own values.
        assert_eq!(f("accept_len", 1), Some(1.0));
        assert_eq!(f("gen_throughput", 1), None);
        // V0: swapped, CPU usage, pending as the queue, prefix-cache companion merged.
        assert_eq!(int("swapped_req", 2), Some(2));
        assert_eq!(int("queue_req", 2), Some(3));
        assert_eq!(f("cpu_kv_usage", 2), Some(0.1));
        assert_eq!(f("prefix_cache_hit_rate", 2), Some(0.7973));
        assert_eq!(f("cpu_prefix_cache_hit_rate", 2), Some(0.0));
        assert_eq!(int("engine", 2), None);
        let bt = col("batch_type");
        assert_eq!(bt.null_count(), 3);
        let dup = col("duplicate");
        assert!(dup
            .as_any()
            .downcast_ref::<BooleanArray>()
            .unwrap()
            .iter()
            .all(|d| d == Some(false)));
    }
}
