//! Worker-log rows: one per batch line or memory snapshot.
//!
//! The schema is generated from the field registry of
//! [`srtlog_formats::sglang::fields`], so a new field appears here, in Parquet
//! and in the README without further edits. Column documentation:
//! [`column_docs`].
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
use srtlog_formats::sglang::{BatchKind, BatchRecord, FieldKind, MemoryRecord, Ranks, FIELDS};
use std::io::Write as _;
use std::sync::{Arc, OnceLock};

/// Values of the `record` column.
pub const RECORD_KINDS: [&str; 2] = ["batch", "memory"];
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
        ("record", "batch or memory"),
        ("batch_type", "prefill or decode (batch rows)"),
        ("dp", "DP rank tag, null when absent"),
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
            let mut s = Vec::new();
            for (k, v) in r.extras.iter() {
                if !s.is_empty() {
                    s.extend_from_slice(b"; ");
                }
                s.extend_from_slice(k);
                s.push(b'=');
                s.extend_from_slice(v);
            }
            if r.extras.dropped > 0 {
                let _ = write!(s, "; (+{} more)", r.extras.dropped);
            }
            self.extras.push((
                self.kind.len() - 1,
                String::from_utf8_lossy(&s).into_owned(),
            ));
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
                .map(|&k| i32::from(k == 2))
                .collect::<Vec<_>>(),
        );
        let kind = &self.kind;
        let batch_type = Int32Array::new(
            kind.iter()
                .map(|&k| i32::from(k == 1))
                .collect::<Vec<_>>()
                .into(),
            Some(nulls_where(n, |r| kind[r] != 2)),
        );
        let mut cols: Vec<ArrayRef> = vec![
            Arc::new(TimestampMicrosecondArray::from(self.ts)),
            dict(record, &RECORD_KINDS),
            dict(batch_type, &BATCH_TYPES),
        ];
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
        Chunk {
            n,
            line: self.line,
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
    /// Columns from `timestamp` on, without `duplicate`.
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

impl Chunk {
    /// Rows in the chunk.
    pub fn len(&self) -> usize {
        self.n
    }

    /// True when the chunk has no rows.
    pub fn is_empty(&self) -> bool {
        self.n == 0
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
        let n = self.n;
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
        let mut cols: Vec<ArrayRef> = Vec::with_capacity(self.columns.len() + 6);
        cols.extend([
            constant(&meta.file),
            constant(&meta.node),
            constant(&meta.worker_type),
            constant(&meta.worker_id),
            Arc::new(lines) as ArrayRef,
        ]);
        let mut rest = self.columns.into_iter();
        cols.extend(rest.by_ref().take(DUPLICATE_AT));
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
}
