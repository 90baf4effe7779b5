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

//!
//! Layout: this module holds the schema and its documentation;
//! `builder` the row builder of one chunk, `chunk` the assembly of a
//! chunk's rows with the per-file columns.

mod builder;
mod chunk;

pub use builder::NodeMetricsBuilder;
pub use chunk::{reassign, Chunk};

use crate::TableError;
use arrow_array::new_null_array;
use arrow_array::types::Int32Type;
use arrow_array::{
    Array, ArrayRef, BooleanArray, DictionaryArray, Float64Array, Int32Array, Int64Array,
    RecordBatch, StringArray, TimestampMicrosecondArray, UInt64Array,
};
use arrow_buffer::{BooleanBuffer, BooleanBufferBuilder, Buffer, NullBuffer, OffsetBuffer};
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
                f.push(ArrowField::new(def.column, field_type(def.kind), true));
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

/// The Arrow type of a field column.
fn field_type(kind: FieldKind) -> DataType {
    match kind {
        // Counts are below 2^31 (KV pools hold millions of tokens, not
        // billions); 32 bits halve the memory of a table.
        FieldKind::Int => DataType::Int32,
        FieldKind::Float | FieldKind::Percent => DataType::Float64,
        FieldKind::Bool => DataType::Boolean,
    }
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

#[cfg(test)]
mod tests;
