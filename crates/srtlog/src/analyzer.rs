//! The library API of the seed's Python `NodeAnalyzer`.
//!
//! ```no_run
//! use srtlog::NodeAnalyzer;
//! let nodes = NodeAnalyzer::new().parse_run_logs("/path/to/job/logs")?;
//! for node in nodes.iter().filter(|n| n.is_prefill()) {
//!     println!("{}: {} batches", node.node_name, node.batches.len());
//!     for b in node.batches.iter().take(5) {
//!         println!("  {} - {:?}", b.timestamp, b.batch_type);
//!     }
//! }
//! # Ok::<(), srtlog::Error>(())
//! ```
//!
//! Nodes hold every row in memory (about 400 bytes per batch line); for runs
//! of many gigabytes use [`crate::run::parse_run`] and the Parquet cache.

use crate::discover::discover;
use crate::error::{Error, Result};
use crate::scan::ServerConfig;
use crate::summary::WorkerSummary;
use crate::worker::{parse_files, ParseOptions, WorkerType};
use srtlog_formats::sglang::{BatchKind, Field, Ranks, Values, FIELDS};
use srtlog_formats::Timestamp;
use srtlog_table::arrow_array::{
    cast::AsArray,
    types::{Float64Type, Int32Type, Int64Type, TimestampMicrosecondType, UInt64Type},
    Array, RecordBatch,
};
use std::path::Path;
use std::sync::atomic::AtomicU64;

/// One batch line.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Batch {
    /// Timestamp as printed.
    pub timestamp: Timestamp,
    /// Prefill or decode.
    pub batch_type: BatchKind,
    /// 1-based line number in the file.
    pub line: u64,
    /// Rank tags.
    pub ranks: Ranks,
    /// True when a non-primary rank repeated the scheduler's line.
    pub duplicate: bool,
    /// Forward-iteration id.
    pub iteration: Option<i64>,
    /// Known field values.
    pub values: Values,
}

impl Batch {
    /// The value of a field, if printed.
    pub fn get(&self, f: Field) -> Option<f64> {
        self.values.get(f)
    }
}

/// One memory snapshot.
#[derive(Clone, Debug, PartialEq)]
pub struct MemorySnapshot {
    /// Timestamp.
    pub timestamp: Timestamp,
    /// Step (`load_weight_end`, `kv_cache_allocated`, …).
    pub event: String,
    /// Rank tags.
    pub ranks: Ranks,
    /// Free GPU memory, GB.
    pub avail_mem_gb: Option<f64>,
    /// Memory used by the step, GB.
    pub mem_usage_gb: Option<f64>,
    /// KV pool capacity, tokens.
    pub kv_tokens: Option<i64>,
}

/// One worker (file) with its rows.
#[derive(Clone, Debug)]
pub struct Node {
    /// Node name (`eos0234`).
    pub node_name: String,
    /// Worker id (`w0`).
    pub worker_id: String,
    /// Worker type.
    pub worker_type: WorkerType,
    /// Source file.
    pub file: String,
    /// Server configuration found in the file.
    pub config: ServerConfig,
    /// Batch lines in file order (duplicates flagged, not removed).
    pub batches: Vec<Batch>,
    /// Memory snapshots in file order.
    pub memory: Vec<MemorySnapshot>,
    /// The summary of this file.
    pub summary: WorkerSummary,
}

impl Node {
    /// A prefill worker.
    pub fn is_prefill(&self) -> bool {
        self.worker_type == WorkerType::Prefill
    }
    /// A decode worker.
    pub fn is_decode(&self) -> bool {
        self.worker_type == WorkerType::Decode
    }
    /// An aggregated worker.
    pub fn is_agg(&self) -> bool {
        self.worker_type == WorkerType::Agg
    }
    /// Batches once per scheduler step (duplicates removed).
    pub fn scheduler_batches(&self) -> impl Iterator<Item = &Batch> {
        self.batches.iter().filter(|b| !b.duplicate)
    }
}

/// Parses run logs into [`Node`]s.
#[derive(Clone, Debug, Default)]
pub struct NodeAnalyzer {
    options: ParseOptions,
}

impl NodeAnalyzer {
    /// An analyzer with default options.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses a run directory, logs folder or file into nodes, in path order.
    pub fn parse_run_logs(&self, path: impl AsRef<Path>) -> Result<Vec<Node>> {
        let path = path.as_ref();
        let d = discover(&[path.to_path_buf()])?;
        if d.files.is_empty() {
            return Err(Error::NoWorkerLogs {
                path: path.to_path_buf(),
                looked_for: "SGLang worker logs",
            });
        }
        let opts = ParseOptions {
            keep_table: true,
            ..self.options.clone()
        };
        let mut nodes = Vec::new();
        parse_files(&d.files, &opts, &AtomicU64::new(0), |w| {
            let mut batches = Vec::new();
            let mut memory = Vec::new();
            for rb in &w.table {
                rows_of(rb, &mut batches, &mut memory);
            }
            nodes.push(Node {
                node_name: w.source.node.clone(),
                worker_id: w.source.worker_id.clone(),
                worker_type: w.worker_type,
                file: w.source.path.display().to_string(),
                config: w.stats.config.clone(),
                batches,
                memory,
                summary: WorkerSummary::from_log(&w),
            });
            Ok(())
        })?;
        Ok(nodes)
    }
}

/// Rebuilds typed rows from a node-metrics batch (the schema is ours, so the
/// column types are known; a mismatch would be a bug and yields no rows).
fn rows_of(rb: &RecordBatch, batches: &mut Vec<Batch>, memory: &mut Vec<MemorySnapshot>) {
    let col = |n: &str| rb.column_by_name(n);
    let (Some(ts), Some(line), Some(record), Some(bt), Some(dup), Some(iter), Some(ev)) = (
        col("timestamp").and_then(|c| c.as_primitive_opt::<TimestampMicrosecondType>()),
        col("line").and_then(|c| c.as_primitive_opt::<UInt64Type>()),
        col("record").and_then(|c| c.as_dictionary_opt::<Int32Type>()),
        col("batch_type").and_then(|c| c.as_dictionary_opt::<Int32Type>()),
        col("duplicate").and_then(|c| c.as_boolean_opt()),
        col("iteration").and_then(|c| c.as_primitive_opt::<Int64Type>()),
        col("mem_event").and_then(|c| c.as_dictionary_opt::<Int32Type>()),
    ) else {
        return;
    };
    let rank_cols: Vec<_> = ["dp", "pp", "tp", "ep", "attn_cp", "moe_dp"]
        .iter()
        .map(|n| col(n).and_then(|c| c.as_primitive_opt::<Int32Type>()))
        .collect();
    let rank = |i: usize, k: usize| -> Option<u16> {
        let c = rank_cols[k]?;
        c.is_valid(i).then(|| c.value(i) as u16)
    };
    let fields: Vec<Option<&dyn Array>> = FIELDS
        .iter()
        .map(|f| col(f.column).map(|c| c.as_ref()))
        .collect();
    let f64_of = |n: &str, i: usize| -> Option<f64> {
        let c = col(n)?.as_primitive_opt::<Float64Type>()?;
        c.is_valid(i).then(|| c.value(i))
    };
    for i in 0..rb.num_rows() {
        let ranks = Ranks {
            dp: rank(i, 0),
            pp: rank(i, 1),
            tp: rank(i, 2),
            ep: rank(i, 3),
            attn_cp: rank(i, 4),
            moe_dp: rank(i, 5),
        };
        let timestamp = Timestamp(ts.value(i));
        if record.keys().value(i) == 0 {
            let mut values = Values::default();
            for (k, a) in fields.iter().enumerate() {
                let Some(a) = a else { continue };
                if !a.is_valid(i) {
                    continue;
                }
                let v = if let Some(x) = a.as_primitive_opt::<Int32Type>() {
                    f64::from(x.value(i))
                } else if let Some(x) = a.as_primitive_opt::<Int64Type>() {
                    x.value(i) as f64
                } else if let Some(x) = a.as_primitive_opt::<Float64Type>() {
                    x.value(i)
                } else if let Some(x) = a.as_boolean_opt() {
                    f64::from(u8::from(x.value(i)))
                } else {
                    continue;
                };
                values.set_index(k, v);
            }
            batches.push(Batch {
                timestamp,
                batch_type: if bt.keys().value(i) == 0 {
                    BatchKind::Prefill
                } else {
                    BatchKind::Decode
                },
                line: line.value(i),
                ranks,
                duplicate: dup.value(i),
                iteration: iter.is_valid(i).then(|| iter.value(i)),
                values,
            });
        } else {
            let e = ev.keys().value(i) as usize;
            let kv = col("kv_tokens").and_then(|c| c.as_primitive_opt::<Int64Type>());
            memory.push(MemorySnapshot {
                timestamp,
                event: srtlog_table::node_metrics::MEM_EVENTS
                    .get(e)
                    .copied()
                    .unwrap_or("unknown")
                    .into(),
                ranks,
                avail_mem_gb: f64_of("avail_mem_gb", i),
                mem_usage_gb: f64_of("mem_usage_gb", i),
                kv_tokens: kv.and_then(|c| c.is_valid(i).then(|| c.value(i))),
            });
        }
    }
}
