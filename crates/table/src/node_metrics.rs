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
use arrow_array::builder::{
    BooleanBuilder, Float64Builder, Int32Builder, Int64Builder, StringBuilder,
    TimestampMicrosecondBuilder, UInt64Builder,
};
use arrow_array::types::Int32Type;
use arrow_array::{
    Array, ArrayRef, BooleanArray, DictionaryArray, Int32Array, RecordBatch, StringArray,
};
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
                    FieldKind::Int => DataType::Int64,
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

/// A column builder for one known field.
enum FieldCol {
    Int(Int64Builder),
    Float(Float64Builder),
    Bool(BooleanBuilder),
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
pub struct NodeMetricsBuilder {
    line: UInt64Builder,
    ts: TimestampMicrosecondBuilder,
    record: Vec<i32>,
    batch_type: Int32Builder,
    ranks: [Int32Builder; 6],
    iteration: Int64Builder,
    fields: Vec<FieldCol>,
    extras: StringBuilder,
    scratch: Vec<u8>,
    mem_event: Int32Builder,
    mem: [Float64Builder; 10],
    /// Rank keys of batch rows, for duplicate marking; memory rows get `None`.
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
        let fields = FIELDS
            .iter()
            .map(|d| match d.kind {
                FieldKind::Int => FieldCol::Int(Int64Builder::with_capacity(n)),
                FieldKind::Float | FieldKind::Percent => {
                    FieldCol::Float(Float64Builder::with_capacity(n))
                }
                FieldKind::Bool => FieldCol::Bool(BooleanBuilder::with_capacity(n)),
            })
            .collect();
        NodeMetricsBuilder {
            line: UInt64Builder::with_capacity(n),
            ts: TimestampMicrosecondBuilder::with_capacity(n),
            record: Vec::with_capacity(n),
            batch_type: Int32Builder::with_capacity(n),
            ranks: std::array::from_fn(|_| Int32Builder::with_capacity(n)),
            iteration: Int64Builder::with_capacity(n),
            fields,
            extras: StringBuilder::new(),
            scratch: Vec::new(),
            mem_event: Int32Builder::with_capacity(n),
            mem: std::array::from_fn(|_| Float64Builder::with_capacity(n)),
            row_ranks: Vec::with_capacity(n),
        }
    }

    /// Rows so far.
    pub fn len(&self) -> usize {
        self.record.len()
    }

    /// True when no row was added.
    pub fn is_empty(&self) -> bool {
        self.record.is_empty()
    }

    fn push_common(&mut self, line: u64, ts: i64, ranks: &Ranks) {
        self.line.append_value(line);
        self.ts.append_value(ts);
        let r = [
            ranks.dp,
            ranks.pp,
            ranks.tp,
            ranks.ep,
            ranks.attn_cp,
            ranks.moe_dp,
        ];
        for (b, v) in self.ranks.iter_mut().zip(r) {
            b.append_option(v.map(i32::from));
        }
    }

    /// Adds a batch row.
    pub fn push_batch(&mut self, line: u64, r: &BatchRecord<'_>) {
        self.push_common(line, r.prefix.ts.0, &r.prefix.ranks);
        self.record.push(0);
        self.batch_type.append_value(match r.kind {
            BatchKind::Prefill => 0,
            BatchKind::Decode => 1,
        });
        self.iteration.append_option(r.iteration.map(|i| i as i64));
        for (i, col) in self.fields.iter_mut().enumerate() {
            let v = r.values.get_index(i);
            match col {
                FieldCol::Int(b) => b.append_option(v.map(|x| x as i64)),
                FieldCol::Float(b) => b.append_option(v),
                FieldCol::Bool(b) => b.append_option(v.map(|x| x != 0.0)),
            }
        }
        if r.extras.is_empty() {
            self.extras.append_null();
        } else {
            self.scratch.clear();
            for (k, v) in r.extras.iter() {
                if !self.scratch.is_empty() {
                    self.scratch.extend_from_slice(b"; ");
                }
                self.scratch.extend_from_slice(k);
                self.scratch.push(b'=');
                self.scratch.extend_from_slice(v);
            }
            if r.extras.dropped > 0 {
                let _ = write!(self.scratch, "; (+{} more)", r.extras.dropped);
            }
            self.extras
                .append_value(String::from_utf8_lossy(&self.scratch));
        }
        self.mem_event.append_null();
        for b in &mut self.mem {
            b.append_null();
        }
        self.row_ranks.push(Some(r.prefix.ranks));
    }

    /// Adds a memory-snapshot row.
    pub fn push_memory(&mut self, line: u64, m: &MemoryRecord) {
        self.push_common(line, m.prefix.ts.0, &m.prefix.ranks);
        self.record.push(1);
        self.batch_type.append_null();
        self.iteration.append_null();
        for col in &mut self.fields {
            match col {
                FieldCol::Int(b) => b.append_null(),
                FieldCol::Float(b) => b.append_null(),
                FieldCol::Bool(b) => b.append_null(),
            }
        }
        self.extras.append_null();
        let ev = MEM_EVENTS
            .iter()
            .position(|e| *e == m.event.as_str())
            .unwrap_or(0);
        self.mem_event.append_value(ev as i32);
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
        for (b, v) in self.mem.iter_mut().zip(vals) {
            b.append_option(v);
        }
        self.row_ranks.push(None);
    }

    /// Finishes the chunk into a `RecordBatch`.
    ///
    /// `is_primary` decides, from a batch row's ranks, whether it is the
    /// scheduler's own line (`true`) or a TP/PP duplicate (`false`).
    /// `line_offset` is added to every line number (chunks parsed in parallel
    /// number their lines from 1).
    pub fn finish(
        mut self,
        meta: &FileMeta,
        line_offset: u64,
        is_primary: &dyn Fn(&Ranks) -> bool,
    ) -> Result<RecordBatch, TableError> {
        let n = self.record.len();
        let lines = self.line.finish();
        let lines: arrow_array::UInt64Array = if line_offset == 0 {
            lines
        } else {
            lines.values().iter().map(|l| l + line_offset).collect()
        };
        let constant = |s: &str| -> ArrayRef {
            let keys = Int32Array::from(vec![0i32; n]);
            let values = Arc::new(StringArray::from(vec![s]));
            Arc::new(DictionaryArray::<Int32Type>::new(keys, values))
        };
        let dict = |keys: Int32Array, values: &[&str]| -> ArrayRef {
            let values = Arc::new(StringArray::from(values.to_vec()));
            Arc::new(DictionaryArray::<Int32Type>::new(keys, values))
        };
        let duplicate: BooleanArray = self
            .row_ranks
            .iter()
            .map(|r| Some(r.is_some_and(|r| !is_primary(&r))))
            .collect();
        let mut cols: Vec<ArrayRef> = vec![
            constant(&meta.file),
            constant(&meta.node),
            constant(&meta.worker_type),
            constant(&meta.worker_id),
            Arc::new(lines),
            Arc::new(self.ts.finish()),
            dict(
                Int32Array::from(std::mem::take(&mut self.record)),
                &RECORD_KINDS,
            ),
            dict(self.batch_type.finish(), &BATCH_TYPES),
        ];
        for b in &mut self.ranks {
            cols.push(Arc::new(b.finish()));
        }
        cols.push(Arc::new(duplicate));
        cols.push(Arc::new(self.iteration.finish()));
        for c in &mut self.fields {
            cols.push(match c {
                FieldCol::Int(b) => Arc::new(b.finish()),
                FieldCol::Float(b) => Arc::new(b.finish()),
                FieldCol::Bool(b) => Arc::new(b.finish()),
            });
        }
        cols.push(Arc::new(self.extras.finish()));
        cols.push(dict(self.mem_event.finish(), &MEM_EVENTS));
        for (i, b) in self.mem.iter_mut().enumerate() {
            let a = b.finish();
            if MEM_COLUMNS[i].1 {
                let ints: arrow_array::Int64Array = a.iter().map(|v| v.map(|x| x as i64)).collect();
                cols.push(Arc::new(ints));
            } else {
                cols.push(Arc::new(a));
            }
        }
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
