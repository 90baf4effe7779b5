//! The library API of the workflow's Python `NodeAnalyzer`.
//!
//! ```no_run
//! use srtlog_workers::NodeAnalyzer;
//! let nodes = NodeAnalyzer::new().parse_run_logs("/path/to/job/logs")?;
//! for node in nodes.iter().filter(|n| n.is_prefill()) {
//!     println!("{}: {} batches", node.node_name, node.batches.len());
//!     for b in node.batches.iter().take(5) {
//!         println!("  {} - {:?}", b.timestamp, b.batch_type);
//!     }
//! }
//! # Ok::<(), srtlog_workers::Error>(())
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

/// One vLLM engine statistics line (formats.md §2.2), with the
/// speculative-decoding and V0 prefix-cache lines that followed it merged in.
/// Fractions are 0–1 (the log prints percentages).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EngineStats {
    /// Timestamp (the year inferred, see [`crate::year`]).
    pub timestamp: Timestamp,
    /// 1-based line number in the file.
    pub line: u64,
    /// `Engine NNN:` index.
    pub engine: Option<u16>,
    /// `Avg prompt throughput`, tokens/s.
    pub prompt_throughput: Option<f64>,
    /// `Avg generation throughput`, tokens/s.
    pub gen_throughput: Option<f64>,
    /// `Running` requests.
    pub running: Option<i64>,
    /// `Waiting` (V1) or `Pending` (V0) requests.
    pub queued: Option<i64>,
    /// `Swapped` requests (V0).
    pub swapped: Option<i64>,
    /// `GPU KV cache usage`, fraction.
    pub gpu_kv_usage: Option<f64>,
    /// `CPU KV cache usage` (V0), fraction.
    pub cpu_kv_usage: Option<f64>,
    /// Prefix-cache hit rate, fraction.
    pub prefix_cache_hit_rate: Option<f64>,
    /// Speculative decoding: mean acceptance length.
    pub accept_len: Option<f64>,
    /// Speculative decoding: draft acceptance rate, fraction.
    pub accept_rate: Option<f64>,
    /// Speculative decoding: accepted draft tokens.
    pub spec_accepted_tokens: Option<i64>,
    /// Speculative decoding: drafted tokens.
    pub spec_drafted_tokens: Option<i64>,
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
    /// vLLM engine statistics lines in file order.
    pub stats: Vec<EngineStats>,
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

    /// An analyzer with the given options (for example
    /// [`ParseOptions::year`] for vLLM logs, which print no year).
    pub fn with_options(options: ParseOptions) -> Self {
        NodeAnalyzer { options }
    }

    /// Parses a run directory, logs folder or file into nodes, in path order.
    pub fn parse_run_logs(&self, path: impl AsRef<Path>) -> Result<Vec<Node>> {
        let path = path.as_ref();
        let d = discover(&[path.to_path_buf()])?;
        if d.files.is_empty() {
            return Err(Error::NoWorkerLogs {
                path: path.to_path_buf(),
                looked_for: "SGLang or vLLM worker logs",
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
            let mut stats = Vec::new();
            for rb in &w.table {
                rows_of(rb, &mut batches, &mut memory);
                stats_of(rb, &mut stats);
            }
            nodes.push(Node {
                node_name: w.source.node.clone(),
                worker_id: w.source.worker_id.clone(),
                worker_type: w.worker_type,
                file: w.source.path.display().to_string(),
                config: w.stats.config.clone(),
                batches,
                memory,
                stats,
                summary: WorkerSummary::from_log(&w),
            });
            Ok(())
        })?;
        Ok(nodes)
    }
}

/// Rebuilds the vLLM statistics rows of a node-metrics batch.
fn stats_of(rb: &RecordBatch, out: &mut Vec<EngineStats>) {
    let col = |n: &str| rb.column_by_name(n);
    let (Some(ts), Some(line), Some(record)) = (
        col("timestamp").and_then(|c| c.as_primitive_opt::<TimestampMicrosecondType>()),
        col("line").and_then(|c| c.as_primitive_opt::<UInt64Type>()),
        col("record").and_then(|c| c.as_dictionary_opt::<Int32Type>()),
    ) else {
        return;
    };
    let f = |n: &str, i: usize| -> Option<f64> {
        let c = col(n)?.as_primitive_opt::<Float64Type>()?;
        c.is_valid(i).then(|| c.value(i))
    };
    let i32_ = |n: &str, i: usize| -> Option<i64> {
        let c = col(n)?.as_primitive_opt::<Int32Type>()?;
        c.is_valid(i).then(|| i64::from(c.value(i)))
    };
    let i64_ = |n: &str, i: usize| -> Option<i64> {
        let c = col(n)?.as_primitive_opt::<Int64Type>()?;
        c.is_valid(i).then(|| c.value(i))
    };
    for i in 0..rb.num_rows() {
        if record.keys().value(i) != 2 {
            continue;
        }
        out.push(EngineStats {
            timestamp: Timestamp(ts.value(i)),
            line: line.value(i),
            engine: i32_("engine", i).and_then(|e| u16::try_from(e).ok()),
            prompt_throughput: f("input_throughput", i),
            gen_throughput: f("gen_throughput", i),
            running: i32_("running_req", i),
            queued: i32_("queue_req", i),
            swapped: i32_("swapped_req", i),
            gpu_kv_usage: f("token_usage", i),
            cpu_kv_usage: f("cpu_kv_usage", i),
            prefix_cache_hit_rate: f("prefix_cache_hit_rate", i),
            accept_len: f("accept_len", i),
            accept_rate: f("accept_rate", i),
            spec_accepted_tokens: i64_("spec_accepted_tokens", i),
            spec_drafted_tokens: i64_("spec_drafted_tokens", i),
        });
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
        let kind = record.keys().value(i);
        if kind >= 2 {
            // vLLM statistics rows: see `stats_of`.
            continue;
        }
        if kind == 0 {
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
