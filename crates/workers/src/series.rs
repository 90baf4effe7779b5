//! Time series of worker metrics, for the charts of `srtlog viz` and the
//! statistics of `srtlog stats`.
//!
//! Input: the node-metrics rows ([`srtlog_table::node_metrics`]) of one worker
//! file at a time ([`SeriesBuilder::add_log`]). Output ([`SeriesBuilder::finish`]):
//! one line per group (worker, DP rank or worker type), side and metric on a
//! shared time grid, downsampled for the screen, plus one statistics row per
//! worker type, side and metric. Pure: no I/O; [`crate::viz`] drives it.
//!
//! # From rows to lines, and why in this order
//!
//! 1. **Rows.** Rows flagged `duplicate` (TP/PP ranks repeating their
//!    scheduler's line) are dropped. A `batch` row feeds the side named by its
//!    `batch_type`; a `memory` row the memory side; a row of any other record
//!    kind (vLLM engine `stats` rows) feeds the sides its metric belongs to
//!    ([`Applies`]): prompt throughput the prefill side, generation throughput
//!    the decode side, running requests both. An aggregated worker (or a vLLM
//!    engine) is thus split into a prefill and a decode line. Metrics are
//!    chosen by column name ([`catalogue`]), and a numeric column the
//!    catalogue does not know is charted too, so new record kinds and new
//!    fields need no change here.
//! 2. **Schedulers.** A scheduler is one (worker file, side, rank tags):
//!    after duplicates are gone, one DP group of one worker (memory rows:
//!    one GPU). Its rows are reduced into fixed time buckets, the *per-series*
//!    step: gauges and printed throughputs are averaged within a bucket,
//!    per-batch amounts (`#new-token`, `#new-seq`) become per-second rates
//!    ([`Reduce`]).
//! 3. **Fill.** Gauges are sampled only when a line is printed (a decode line
//!    every 40 steps, nothing when idle), so a scheduler's value is carried to
//!    the following buckets until its next line when that line comes within
//!    [`SeriesOptions::hold_s`] (default 20 s: the longest gap seen between
//!    lines of a busy scheduler in the real logs is about 15 s); longer gaps
//!    stay gaps. Rates are zero between batches. Without this, summing eight
//!    DP ranks that print in different seconds would give a sawtooth of one
//!    to eight ranks.
//! 4. **Groups.** Schedulers are combined per group and bucket: extensive
//!    metrics (throughputs, request and token counts) are **summed**,
//!    intensive ones (usage fractions, accept length, free memory) are
//!    **averaged** ([`Combine`]). This comes after steps 2–3 because summing
//!    raw lines before the per-series rate would count a scheduler once per
//!    line (field-survey §4, "sum extensive metrics and average intensive
//!    ones, after per-series rate and delta computation").
//! 5. **Downsampling.** A line with more than [`SeriesOptions::max_points`]
//!    points is reduced with M4 ([`downsample_m4`]): first, last, minimum and
//!    maximum per column of the time axis, which draws the same picture at
//!    screen resolution and never loses a spike.
//!
//! # Bucket width and memory
//!
//! Buckets are one second wide until the rows seen span more than
//! [`MAX_BUCKETS`] buckets; then the width doubles (2 s, 4 s, …) and the
//! buckets filled so far are merged pairwise (exactly for the file being
//! read, which holds raw sums; finished lines keep their time averages).
//! Memory is proportional to lines × metrics × buckets, never to rows: rows are
//! reduced part by part as the parser streams them ([`SeriesBuilder::add_part`]).
//!
//! # Statistics
//!
//! The statistics ([`StatRow`], numpy-linear percentiles of
//! [`srtlog_stats::Summary`]) are computed over **per-scheduler bucket
//! values**: one value per scheduler and time bucket in which it printed (the
//! mean of its lines in that bucket, or the per-second rate), before filling
//! and before combining. With one-second buckets and the usual logging
//! cadence (at most about one line per second per scheduler) these are the
//! line values; on dense runs they are one-second means. Only these `f64`
//! values are kept, not rows.

use crate::worker::{WorkerLog, WorkerType};
use serde::Serialize;
use srtlog_formats::sglang::{FieldKind, Ranks, FIELDS};
use srtlog_formats::Timestamp;
use srtlog_stats::Summary;
use srtlog_table::arrow_array::{
    cast::AsArray,
    types::{
        Float32Type, Float64Type, Int32Type, Int64Type, TimestampMicrosecondType, UInt32Type,
        UInt64Type,
    },
    Array, ArrayRef, BooleanArray, PrimitiveArray, RecordBatch,
};
use srtlog_table::arrow_schema::DataType;
use std::collections::HashMap;

/// Default ceiling of points per line in a report (about one per pixel
/// column of a wide screen).
pub const DEFAULT_MAX_POINTS: usize = 2000;
/// Most buckets a run is cut into before the bucket width doubles.
pub const MAX_BUCKETS: i64 = 10_000;
/// Default longest gap (seconds) over which a gauge keeps its last value.
pub const DEFAULT_HOLD_S: u32 = 20;

const US: i64 = 1_000_000;

/// How lines are grouped in charts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GroupBy {
    /// One line per worker file (its DP ranks combined).
    Worker,
    /// One line per worker type and DP rank (the workers' schedulers of
    /// that rank combined).
    Dp,
    /// One line per worker type.
    All,
}

impl GroupBy {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Worker => "worker",
            GroupBy::Dp => "dp",
            GroupBy::All => "all",
        }
    }
}

/// Which batches a value comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// Prefill batches (and the prefill half of engine statistics).
    Prefill,
    /// Decode batches (and the decode half of engine statistics).
    Decode,
    /// Memory snapshots.
    Memory,
}

impl Side {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Prefill => "prefill",
            Side::Decode => "decode",
            Side::Memory => "memory",
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    const ALL: [Side; 3] = [Side::Prefill, Side::Decode, Side::Memory];
}

/// How schedulers are combined within a group and bucket.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Combine {
    /// Extensive quantity (adds up across schedulers): summed.
    Sum,
    /// Intensive quantity (a ratio or per-GPU value): averaged.
    Mean,
}

/// How one scheduler's values within a bucket become one value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Reduce {
    /// A level or a printed rate: the mean; held over short gaps.
    Gauge,
    /// A per-batch amount: the sum per second of bucket; zero between batches.
    Rate,
    /// A sparse event value (memory snapshots): the mean; never filled.
    Event,
}

/// Which sides a value of a row without a batch type (vLLM `stats`) feeds,
/// and which sides are expected to have the metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Applies {
    /// Prefill side only.
    Prefill,
    /// Decode side only.
    Decode,
    /// Both batch sides.
    Both,
    /// Memory side.
    Memory,
    /// Whatever sides the data has (both batch sides for engine statistics).
    Any,
}

/// A charted metric: a node-metrics column and how to treat it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Metric {
    /// Column name.
    pub column: String,
    /// Chart title.
    pub title: String,
    /// Unit of the charted value (after [`Reduce`]).
    pub unit: String,
    /// What the value means.
    pub doc: String,
    /// Report section.
    pub section: String,
    /// Across schedulers.
    pub combine: Combine,
    /// Within a bucket.
    pub reduce: Reduce,
    /// Sides.
    pub applies: Applies,
}

/// Sections of the report, in order.
pub const SECTIONS: [&str; 6] = [
    "Throughput",
    "Queues",
    "KV cache",
    "Speculative decoding",
    "Memory",
    "Other metrics",
];

/// Columns that are not metrics: row identity, rank tags, and start-up
/// capacities that are constants rather than series.
const NOT_METRICS: [&str; 17] = [
    "line",
    "iteration",
    "engine",
    "dp",
    "pp",
    "tp",
    "ep",
    "attn_cp",
    "moe_dp",
    "kv_tokens",
    "kv_size_gb",
    "k_size_gb",
    "v_size_gb",
    "chunked_prefill_size",
    "max_prefill_tokens",
    "max_running_requests",
    "context_len",
];

/// The metrics srtlog knows, in chart order: a curated head (titles, rates,
/// sides), then every other numeric field of the registry
/// ([`srtlog_formats::sglang::FIELDS`]) with defaults derived from its unit,
/// then memory snapshots.
pub fn catalogue() -> Vec<Metric> {
    use Applies as A;
    use Combine::{Mean, Sum};
    use Reduce::{Event, Gauge, Rate};
    #[rustfmt::skip]
    let head: [(&str, &str, &str, &str, Reduce, Combine, Applies); 20] = [
        ("input_throughput", "Input throughput", "tokens/s", "Throughput", Gauge, Sum, A::Prefill),
        ("gen_throughput", "Generation throughput", "tokens/s", "Throughput", Gauge, Sum, A::Decode),
        ("new_token", "Prefill tokens computed (#new-token)", "tokens/s", "Throughput", Rate, Sum, A::Prefill),
        ("cached_token", "Prefix-cache hits (#cached-token)", "tokens/s", "Throughput", Rate, Sum, A::Prefill),
        ("new_seq", "Requests admitted to prefill (#new-seq)", "requests/s", "Throughput", Rate, Sum, A::Prefill),
        ("running_req", "Running requests", "requests", "Queues", Gauge, Sum, A::Both),
        ("queue_req", "Queued requests", "requests", "Queues", Gauge, Sum, A::Both),
        ("pending_token", "Queued tokens", "tokens", "Queues", Gauge, Sum, A::Any),
        ("inflight_req", "Inflight requests (KV transfer to decode)", "requests", "Queues", Gauge, Sum, A::Prefill),
        ("bootstrap_req", "Bootstrap queue", "requests", "Queues", Gauge, Sum, A::Prefill),
        ("transfer_req", "Transfer queue (KV transfer in flight)", "requests", "Queues", Gauge, Sum, A::Decode),
        ("prealloc_req", "Pre-allocation queue", "requests", "Queues", Gauge, Sum, A::Decode),
        ("retracted_req", "Retracted requests", "requests", "Queues", Gauge, Sum, A::Decode),
        ("token_usage", "KV-cache token usage", "fraction", "KV cache", Gauge, Mean, A::Both),
        ("num_tokens", "KV tokens in use", "tokens", "KV cache", Gauge, Sum, A::Decode),
        ("preallocated_usage", "Pre-allocated KV", "fraction", "KV cache", Gauge, Mean, A::Decode),
        ("accept_len", "Speculative accept length", "tokens/step", "Speculative decoding", Gauge, Mean, A::Decode),
        ("accept_rate", "Speculative acceptance rate", "fraction", "Speculative decoding", Gauge, Mean, A::Decode),
        ("avail_mem_gb", "Free GPU memory (memory snapshots)", "GB per GPU", "Memory", Event, Mean, A::Memory),
        ("mem_usage_gb", "Memory used by start-up steps", "GB per GPU", "Memory", Event, Mean, A::Memory),
    ];
    let doc_of = |col: &str| -> String {
        FIELDS
            .iter()
            .find(|f| f.column == col)
            .map(|f| f.doc.to_string())
            .unwrap_or_else(|| match col {
                "avail_mem_gb" => "free GPU memory on each rank at start-up steps".into(),
                "mem_usage_gb" => "memory consumed by a start-up step on each rank".into(),
                _ => String::new(),
            })
    };
    let mut v: Vec<Metric> = head
        .iter()
        .map(|&(c, t, u, s, r, k, a)| Metric {
            column: c.into(),
            title: t.into(),
            unit: u.into(),
            doc: doc_of(c),
            section: s.into(),
            combine: k,
            reduce: r,
            applies: a,
        })
        .collect();
    for f in FIELDS {
        if f.kind == FieldKind::Bool || v.iter().any(|m| m.column == f.column) {
            continue;
        }
        v.push(default_metric(f.column, f.unit, f.doc));
    }
    v
}

/// A metric for a column without curated settings: summed when its unit is
/// a count or a throughput, averaged otherwise (fractions, per-GPU
/// estimates, unknown units). Speculative-decoding columns belong to the
/// decode side and prefix/multimodal-cache columns to the prefill side, so
/// an engine-statistics row does not draw them twice.
fn default_metric(column: &str, unit: &str, doc: &str) -> Metric {
    let extensive = matches!(unit, "requests" | "tokens" | "tokens/s" | "states");
    let (section, applies) = if column.starts_with("accept_") || column.starts_with("spec_") {
        ("Speculative decoding", Applies::Decode)
    } else if column.contains("prefix_cache") || column.contains("mm_cache") {
        ("KV cache", Applies::Prefill)
    } else if column.ends_with("_usage") || column.ends_with("_tokens") {
        ("KV cache", Applies::Any)
    } else if column.ends_with("_req") {
        ("Queues", Applies::Any)
    } else {
        ("Other metrics", Applies::Any)
    };
    let mut title = column.replace('_', " ");
    if let Some(c) = title.get(..1) {
        title = c.to_uppercase() + &title[1..];
    }
    Metric {
        column: column.into(),
        title,
        unit: unit.into(),
        doc: doc.into(),
        section: section.into(),
        combine: if extensive {
            Combine::Sum
        } else {
            Combine::Mean
        },
        reduce: Reduce::Gauge,
        applies,
    }
}

/// The unit a column's documentation ends with: `… (tokens/s)`,
/// `… (fraction; V1 rolling …)` (see
/// [`srtlog_table::node_metrics::column_docs`]); empty when there is none.
fn unit_from_doc(doc: &str) -> &str {
    let Some(inner) = doc
        .strip_suffix(')')
        .and_then(|d| d.rfind('(').map(|i| &d[i + 1..]))
    else {
        return "";
    };
    let unit = inner.split(';').next().unwrap_or("").trim();
    if !unit.is_empty() && unit.chars().all(|c| c.is_ascii_lowercase() || c == '/') {
        unit
    } else {
        ""
    }
}

/// Options of a [`SeriesBuilder`].
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesOptions {
    /// Grouping of lines.
    pub group_by: GroupBy,
    /// Fixed bucket width in seconds; `None` chooses it from the run length.
    pub bucket_s: Option<u32>,
    /// Most points per line; longer lines are downsampled (0: never).
    pub max_points: usize,
    /// Longest gap (seconds) over which a gauge keeps its last value.
    pub hold_s: u32,
}

impl Default for SeriesOptions {
    fn default() -> Self {
        SeriesOptions {
            group_by: GroupBy::Worker,
            bucket_s: None,
            max_points: DEFAULT_MAX_POINTS,
            hold_s: DEFAULT_HOLD_S,
        }
    }
}

/// The identity of one worker file, for labels and grouping.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkerMeta {
    /// Path of the file.
    pub file: String,
    /// Node name.
    pub node: String,
    /// Worker id.
    pub worker_id: String,
    /// Worker type.
    pub worker_type: WorkerType,
    /// Earliest timestamp of any line in the file (the job's start is the
    /// earliest over all files; elapsed time counts from there).
    pub start: Option<Timestamp>,
}

impl WorkerMeta {
    /// The identity of a parsed file.
    pub fn of(w: &WorkerLog) -> WorkerMeta {
        WorkerMeta {
            file: w.source.path.display().to_string(),
            node: w.source.node.clone(),
            worker_id: w.source.worker_id.clone(),
            worker_type: w.worker_type,
            start: w.stats.any_first,
        }
    }
}

/// Rows seen, by fate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RowCounts {
    /// Batch and engine-statistics rows used.
    pub batch: u64,
    /// Memory-snapshot rows used.
    pub memory: u64,
    /// Rows dropped as TP/PP duplicates.
    pub duplicate: u64,
}

/// One line of a chart.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Series {
    /// Legend label.
    pub label: String,
    /// Worker type of the group.
    pub worker_type: WorkerType,
    /// Side.
    pub side: Side,
    /// DP rank (`--group-by dp`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dp: Option<u16>,
    /// Values that are drawn (`y` entries that are not gaps).
    pub points: usize,
    /// Values before downsampling.
    pub raw_points: usize,
    /// Whether the line was downsampled.
    pub downsampled: bool,
    /// Seconds since the run's start (bucket starts).
    pub x: Vec<i64>,
    /// Values; `None` marks a gap.
    pub y: Vec<Option<f64>>,
}

/// One chart: a metric and its lines.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Chart {
    /// Element id in the report (`chart-{column}`).
    pub id: String,
    /// The metric.
    #[serde(flatten)]
    pub metric: Metric,
    /// Lines, ordered by side, worker type, worker and DP rank.
    pub series: Vec<Series>,
    /// Expected lines without any value for this metric.
    pub missing: Vec<String>,
}

/// Statistics of one metric over the schedulers of one worker type and side.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StatRow {
    /// Worker type.
    pub worker_type: WorkerType,
    /// Side.
    pub side: Side,
    /// Column name.
    pub metric: String,
    /// Human title.
    pub title: String,
    /// Unit.
    pub unit: String,
    /// Count, mean, median, std, min, max, percentiles.
    #[serde(flatten)]
    pub summary: Summary,
}

/// Everything a report or the statistics table needs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SeriesSet {
    /// Grouping of lines.
    pub group_by: GroupBy,
    /// Bucket width, seconds.
    pub bucket_s: i64,
    /// Longest gap over which gauges were held, seconds.
    pub hold_s: u32,
    /// Ceiling of points per line (0: no downsampling).
    pub max_points: usize,
    /// Start of the run (x = 0), wall clock as printed, ISO-8601.
    pub run_start: Option<String>,
    /// Start of the run, microseconds since 1970 of the printed clock.
    pub run_start_us: Option<i64>,
    /// Seconds from the run's start to the last bucket.
    pub duration_s: i64,
    /// Charts by [`SECTIONS`], then in catalogue order; metrics without
    /// values have none.
    pub charts: Vec<Chart>,
    /// Statistics rows, in catalogue order, then worker type and side.
    pub stats: Vec<StatRow>,
    /// Rows used and dropped.
    pub rows: RowCounts,
    /// Problems met (unexpected column types); never fatal.
    pub warnings: Vec<String>,
}

impl SeriesSet {
    /// True when no batch or engine-statistics row was seen: nothing to chart.
    pub fn has_no_batches(&self) -> bool {
        self.rows.batch == 0
    }

    /// Lines that were downsampled, and all lines.
    pub fn downsampled(&self) -> (usize, usize) {
        let all = self.charts.iter().flat_map(|c| &c.series);
        let n = all.clone().count();
        (all.filter(|s| s.downsampled).count(), n)
    }
}

/// A group line's identity; the field order is the legend order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct GroupKey {
    side: Side,
    ty: WorkerType,
    worker: Option<u32>,
    dp: Option<u16>,
}

/// One bucket of one scheduler: sum and count of its values.
#[derive(Clone, Copy, Debug)]
struct Cell {
    b: i64,
    sum: f64,
    n: u32,
}

/// One bucket of a group line. `s` sums scheduler values, each weighted by
/// `k`; `n` counts those weights; `k` counts the buckets merged into this
/// one while coarsening (1 otherwise). The line is `s / k` for summed
/// metrics (the time average of the sum) and `s / n` for averaged ones.
#[derive(Clone, Copy, Debug, PartialEq)]
struct GCell {
    b: i64,
    s: f64,
    n: u32,
    k: u32,
}

/// Row classification.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Batch(Side),
    Memory,
    Other,
    Skip,
}

/// A numeric column of any of the integer or float types srtlog writes.
enum Num<'a> {
    I64(&'a PrimitiveArray<Int64Type>),
    F64(&'a PrimitiveArray<Float64Type>),
    I32(&'a PrimitiveArray<Int32Type>),
    U64(&'a PrimitiveArray<UInt64Type>),
    U32(&'a PrimitiveArray<UInt32Type>),
    F32(&'a PrimitiveArray<Float32Type>),
}

impl<'a> Num<'a> {
    fn of(a: &'a ArrayRef) -> Option<Num<'a>> {
        Some(match a.data_type() {
            DataType::Int64 => Num::I64(a.as_primitive_opt()?),
            DataType::Float64 => Num::F64(a.as_primitive_opt()?),
            DataType::Int32 => Num::I32(a.as_primitive_opt()?),
            DataType::UInt64 => Num::U64(a.as_primitive_opt()?),
            DataType::UInt32 => Num::U32(a.as_primitive_opt()?),
            DataType::Float32 => Num::F32(a.as_primitive_opt()?),
            _ => return None,
        })
    }

    #[inline]
    fn get(&self, i: usize) -> Option<f64> {
        macro_rules! g {
            ($a:expr) => {
                $a.is_valid(i).then(|| $a.value(i) as f64)
            };
        }
        match self {
            Num::I64(a) => g!(a),
            Num::F64(a) => g!(a),
            Num::I32(a) => g!(a),
            Num::U64(a) => g!(a),
            Num::U32(a) => g!(a),
            Num::F32(a) => g!(a),
        }
    }
}

fn is_numeric(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Int64
            | DataType::Float64
            | DataType::Int32
            | DataType::UInt64
            | DataType::UInt32
            | DataType::Float32
    )
}

/// The string of each row of a dictionary or string column (`None` for
/// nulls), mapped through `f` once per distinct value.
fn codes<T: Copy>(a: &ArrayRef, f: impl Fn(&str) -> T) -> Option<Vec<Option<T>>> {
    if let Some(d) = a.as_dictionary_opt::<Int32Type>() {
        let values = d.values().as_string_opt::<i32>()?;
        let mapped: Vec<T> = (0..values.len()).map(|k| f(values.value(k))).collect();
        let keys = d.keys();
        return Some(
            (0..keys.len())
                .map(|i| {
                    keys.is_valid(i)
                        .then(|| mapped.get(keys.value(i) as usize).copied())
                        .flatten()
                })
                .collect(),
        );
    }
    let s = a.as_string_opt::<i32>()?;
    Some(
        (0..s.len())
            .map(|i| s.is_valid(i).then(|| f(s.value(i))))
            .collect(),
    )
}

/// The decoded per-row facts of one record batch.
struct Rows<'a> {
    ts: &'a [i64],
    kind: Vec<Kind>,
    ranks: Vec<Ranks>,
}

impl<'a> Rows<'a> {
    /// Reads the row columns by name; `None` when there is no timestamp.
    /// With `honor_dup`, rows flagged `duplicate` are skipped; otherwise
    /// they are kept under their own rank tags, to be dropped by rank when
    /// the file is complete ([`SeriesBuilder::end_file`]).
    fn of(rb: &'a RecordBatch, honor_dup: bool) -> Option<Rows<'a>> {
        let n = rb.num_rows();
        let ts = rb
            .column_by_name("timestamp")?
            .as_primitive_opt::<TimestampMicrosecondType>()?
            .values()
            .as_ref();
        // The record kind names the row; a missing column means batch rows.
        #[derive(Clone, Copy, PartialEq)]
        enum Rec {
            Batch,
            Memory,
            Other,
        }
        let record = rb.column_by_name("record").and_then(|c| {
            codes(c, |s| match s {
                "batch" => Rec::Batch,
                "memory" => Rec::Memory,
                _ => Rec::Other,
            })
        });
        let batch_type = rb.column_by_name("batch_type").and_then(|c| {
            codes(c, |s| match s {
                "prefill" => Some(Side::Prefill),
                "decode" => Some(Side::Decode),
                _ => None,
            })
        });
        let dup: Option<&BooleanArray> = rb
            .column_by_name("duplicate")
            .and_then(|c| c.as_boolean_opt())
            .filter(|_| honor_dup);
        let kind = (0..n)
            .map(|i| {
                if dup.is_some_and(|d| d.is_valid(i) && d.value(i)) {
                    return Kind::Skip;
                }
                let bt = batch_type.as_ref().and_then(|b| b[i].flatten());
                match record.as_ref().map(|r| r[i]) {
                    Some(Some(Rec::Memory)) => Kind::Memory,
                    Some(Some(Rec::Batch)) | None => bt.map_or(Kind::Skip, Kind::Batch),
                    Some(Some(Rec::Other)) => Kind::Other,
                    Some(None) => Kind::Skip,
                }
            })
            .collect();
        let rank_cols: Vec<Option<&PrimitiveArray<Int32Type>>> =
            ["dp", "pp", "tp", "ep", "attn_cp", "moe_dp"]
                .iter()
                .map(|c| {
                    rb.column_by_name(c)
                        .and_then(|a| a.as_primitive_opt::<Int32Type>())
                })
                .collect();
        let r = |k: usize, i: usize| -> Option<u16> {
            let c = rank_cols[k]?;
            c.is_valid(i).then(|| c.value(i) as u16)
        };
        let ranks = (0..n)
            .map(|i| Ranks {
                dp: r(0, i),
                pp: r(1, i),
                tp: r(2, i),
                ep: r(3, i),
                attn_cp: r(4, i),
                moe_dp: r(5, i),
            })
            .collect();
        Some(Rows { ts, kind, ranks })
    }
}

const NONE: u32 = u32::MAX;

/// The schedulers and bucketed values of one file while it is reduced.
#[derive(Default)]
struct FileAcc {
    members: Vec<(Side, Ranks)>,
    index: HashMap<(Side, Ranks), u32>,
    /// Rows counted once each, under one of the schedulers they feed.
    rows: Vec<u64>,
    /// `[metric][member]` → buckets in time order.
    cells: Vec<Vec<Vec<Cell>>>,
    /// Rows skipped by their `duplicate` flag.
    flagged: u64,
}

impl FileAcc {
    fn member(&mut self, side: Side, r: Ranks) -> u32 {
        let n = self.members.len() as u32;
        *self.index.entry((side, r)).or_insert_with(|| {
            self.members.push((side, r));
            self.rows.push(0);
            n
        })
    }

    /// Halves the bucket resolution; exact, since cells hold raw sums.
    fn coarsen(&mut self) {
        for per in &mut self.cells {
            for cells in per.iter_mut() {
                let mut out: Vec<Cell> = Vec::with_capacity(cells.len() / 2 + 1);
                for c in cells.iter() {
                    let b = c.b.div_euclid(2);
                    match out.last_mut() {
                        Some(o) if o.b == b => {
                            o.sum += c.sum;
                            o.n += c.n;
                        }
                        _ => out.push(Cell { b, ..*c }),
                    }
                }
                *cells = out;
            }
        }
    }

    #[inline]
    fn push(&mut self, metric: usize, member: u32, b: i64, v: f64) {
        if self.cells.len() <= metric {
            self.cells.resize_with(metric + 1, Vec::new);
        }
        let per = &mut self.cells[metric];
        let m = member as usize;
        if per.len() <= m {
            per.resize_with(m + 1, Vec::new);
        }
        let cells = &mut per[m];
        match cells.last_mut() {
            Some(c) if c.b == b => {
                c.sum += v;
                c.n += 1;
            }
            Some(c) if c.b > b => {
                // Out of order (interleaved ranks written late): insert.
                match cells.binary_search_by_key(&b, |c| c.b) {
                    Ok(j) => {
                        cells[j].sum += v;
                        cells[j].n += 1;
                    }
                    Err(j) => cells.insert(j, Cell { b, sum: v, n: 1 }),
                }
            }
            _ => cells.push(Cell { b, sum: v, n: 1 }),
        }
    }
}

/// Reduces worker files to series, one file at a time.
pub struct SeriesBuilder {
    opts: SeriesOptions,
    metrics: Vec<Metric>,
    by_column: HashMap<String, usize>,
    width_us: Option<i64>,
    range: Option<(i64, i64)>,
    start: Option<i64>,
    workers: Vec<WorkerMeta>,
    grids: HashMap<(GroupKey, usize), Vec<GCell>>,
    values: HashMap<(WorkerType, Side, usize), Vec<f64>>,
    rows: RowCounts,
    warnings: Vec<String>,
    /// The file being read.
    current: FileAcc,
}

impl SeriesBuilder {
    /// An empty builder.
    pub fn new(opts: SeriesOptions) -> SeriesBuilder {
        let metrics = catalogue();
        let by_column = metrics
            .iter()
            .enumerate()
            .map(|(i, m)| (m.column.clone(), i))
            .collect();
        SeriesBuilder {
            opts,
            metrics,
            by_column,
            width_us: None,
            range: None,
            start: None,
            workers: Vec::new(),
            grids: HashMap::new(),
            values: HashMap::new(),
            rows: RowCounts::default(),
            warnings: Vec::new(),
            current: FileAcc::default(),
        }
    }

    /// The bucket width in seconds chosen so far (`None` before any row).
    pub fn bucket_s(&self) -> Option<i64> {
        self.width_us.map(|w| w / US)
    }

    /// Reduces a parsed file (its `table` must have been kept).
    pub fn add_log(&mut self, w: &WorkerLog) {
        self.add_worker(WorkerMeta::of(w), &w.table);
    }

    /// Reduces the rows of one complete worker file, trusting their
    /// `duplicate` flags. Files may come in any order.
    pub fn add_worker(&mut self, meta: WorkerMeta, batches: &[RecordBatch]) {
        for rb in batches {
            self.add_rows(rb, true, &meta.file);
        }
        self.end_file(meta, None);
    }

    /// Reduces part of the rows of the file being read (parts in file
    /// order, all before that file's [`SeriesBuilder::end_file`]). Streamed
    /// rows' `duplicate` flags may be provisional, so they are not used:
    /// rows are kept per rank tags until `end_file` knows the primary ranks.
    pub fn add_part(&mut self, rb: &RecordBatch) {
        self.add_rows(rb, false, "streamed rows");
    }

    fn add_rows(&mut self, rb: &RecordBatch, honor_dup: bool, what: &str) {
        let Some(rows) = Rows::of(rb, honor_dup) else {
            if rb.num_rows() > 0 {
                self.warnings.push(format!(
                    "{what}: rows without a microsecond timestamp column were skipped"
                ));
            }
            return;
        };
        let mut lo = i64::MAX;
        let mut hi = i64::MIN;
        for (t, k) in rows.ts.iter().zip(&rows.kind) {
            if *k == Kind::Skip {
                self.current.flagged += 1;
            } else {
                lo = lo.min(*t);
                hi = hi.max(*t);
            }
        }
        if lo > hi {
            return;
        }
        let width = self.ensure_width(lo, hi);
        let mut acc = std::mem::take(&mut self.current);
        self.accumulate(rb, &rows, width, &mut acc);
        self.current = acc;
    }

    /// Completes the file being read. With `primary` (the primary rank of
    /// each DP group, [`WorkerLog::primary`]), prefill and decode values of
    /// other ranks are dropped as TP/PP duplicates, the rule the `duplicate`
    /// flag encodes, decided here with the whole file known.
    pub fn end_file(
        &mut self,
        meta: WorkerMeta,
        primary: Option<&std::collections::BTreeMap<Option<u16>, Ranks>>,
    ) {
        let worker = self.workers.len() as u32;
        if let Some(s) = meta.start {
            self.start = Some(self.start.map_or(s.0, |x| x.min(s.0)));
        }
        let ty = meta.worker_type;
        self.workers.push(meta);
        let acc = std::mem::take(&mut self.current);
        let keep: Vec<bool> = acc
            .members
            .iter()
            .map(|(side, r)| {
                *side == Side::Memory || primary.is_none_or(|p| p.get(&r.dp).is_none_or(|x| x == r))
            })
            .collect();
        self.rows.duplicate += acc.flagged;
        for (m, n) in acc.rows.iter().enumerate() {
            match (keep[m], acc.members[m].0) {
                (false, _) => self.rows.duplicate += n,
                (true, Side::Memory) => self.rows.memory += n,
                (true, _) => self.rows.batch += n,
            }
        }
        if let Some(width) = self.width_us {
            self.flush_file(worker, ty, width, acc, &keep);
        }
    }

    /// Sets or widens the bucket width so the run fits [`MAX_BUCKETS`].
    fn ensure_width(&mut self, lo: i64, hi: i64) -> i64 {
        let (a, b) = match self.range {
            Some((a, b)) => (a.min(lo), b.max(hi)),
            None => (lo, hi),
        };
        self.range = Some((a, b));
        let span = b - a;
        match (self.width_us, self.opts.bucket_s) {
            (Some(w), Some(_)) => w,
            (None, Some(s)) => {
                let w = i64::from(s.max(1)) * US;
                self.width_us = Some(w);
                w
            }
            (None, None) => {
                let mut w = US;
                while span / w >= MAX_BUCKETS {
                    w *= 2;
                }
                self.width_us = Some(w);
                w
            }
            (Some(mut w), None) => {
                while span / w >= MAX_BUCKETS {
                    self.coarsen();
                    w *= 2;
                }
                w
            }
        }
    }

    /// Doubles the bucket width, merging pairs of buckets of every line.
    /// Exact for the sum/mean bookkeeping of [`GCell`]: with the old index
    /// `b = ⌊t/w⌋`, the new one is `⌊t/2w⌋ = ⌊b/2⌋`.
    fn coarsen(&mut self) {
        if let Some(w) = self.width_us.as_mut() {
            *w *= 2;
        }
        self.current.coarsen();
        for cells in self.grids.values_mut() {
            let mut out: Vec<GCell> = Vec::with_capacity(cells.len() / 2 + 1);
            for c in cells.iter() {
                let b = c.b.div_euclid(2);
                match out.last_mut() {
                    Some(o) if o.b == b => {
                        o.s += c.s;
                        o.n += c.n;
                        o.k += c.k;
                    }
                    _ => out.push(GCell { b, ..*c }),
                }
            }
            *cells = out;
        }
    }

    fn metric_for(&mut self, name: &str, t: &DataType) -> Option<usize> {
        if let Some(&i) = self.by_column.get(name) {
            return Some(i);
        }
        if !is_numeric(t) || NOT_METRICS.contains(&name) {
            return None;
        }
        // A column this version does not know (a new field, or a new record
        // kind's column): chart it with neutral defaults.
        let doc = srtlog_table::node_metrics::column_docs()
            .into_iter()
            .find(|(c, _)| c == name)
            .map(|(_, d)| d)
            .unwrap_or_default();
        self.metrics
            .push(default_metric(name, unit_from_doc(&doc), &doc));
        let i = self.metrics.len() - 1;
        self.by_column.insert(name.to_string(), i);
        Some(i)
    }

    fn accumulate(&mut self, rb: &RecordBatch, rows: &Rows<'_>, width: i64, acc: &mut FileAcc) {
        let n = rows.ts.len();
        // Scheduler ids per row and side, looked up once per row (and not
        // at all for runs of rows from the same rank).
        let mut mids: Vec<[u32; 3]> = Vec::with_capacity(n);
        let mut last: Option<(Kind, Ranks, [u32; 3])> = None;
        for i in 0..n {
            let k = rows.kind[i];
            let r = rows.ranks[i];
            if let Some((lk, lr, m)) = last {
                if lk == k && lr == r {
                    mids.push(m);
                    continue;
                }
            }
            let mut m = [NONE; 3];
            match k {
                Kind::Batch(s) => m[s.index()] = acc.member(s, r),
                Kind::Memory => m[Side::Memory.index()] = acc.member(Side::Memory, r),
                Kind::Other => {
                    for s in Side::ALL {
                        m[s.index()] = acc.member(s, r);
                    }
                }
                Kind::Skip => {}
            }
            last = Some((k, r, m));
            mids.push(m);
        }
        for (k, m) in rows.kind.iter().zip(&mids) {
            // Each row is counted once, under the first scheduler it feeds.
            if let (false, Some(&id)) = (*k == Kind::Skip, m.iter().find(|&&x| x != NONE)) {
                acc.rows[id as usize] += 1;
            }
        }
        let schema = rb.schema();
        for (ci, field) in schema.fields().iter().enumerate() {
            let col = rb.column(ci);
            if col.null_count() == col.len() {
                continue;
            }
            let Some(mi) = self.metric_for(field.name(), field.data_type()) else {
                continue;
            };
            let Some(num) = Num::of(col) else {
                continue;
            };
            let other_sides: &[Side] = match self.metrics[mi].applies {
                Applies::Prefill => &[Side::Prefill],
                Applies::Decode => &[Side::Decode],
                Applies::Both | Applies::Any => &[Side::Prefill, Side::Decode],
                Applies::Memory => &[Side::Memory],
            };
            for (i, (kind, mid)) in rows.kind.iter().zip(&mids).enumerate() {
                let side = match *kind {
                    Kind::Skip => continue,
                    Kind::Batch(s) => Some(s),
                    Kind::Memory => Some(Side::Memory),
                    Kind::Other => None,
                };
                let Some(v) = num.get(i) else { continue };
                if !v.is_finite() {
                    continue; // `nan` occupancy: no value, not a zero
                }
                let b = rows.ts[i].div_euclid(width);
                match side {
                    Some(s) => acc.push(mi, mid[s.index()], b, v),
                    None => {
                        for s in other_sides {
                            acc.push(mi, mid[s.index()], b, v);
                        }
                    }
                }
            }
        }
    }

    fn group_key(&self, worker: u32, ty: WorkerType, side: Side, r: &Ranks) -> GroupKey {
        match self.opts.group_by {
            GroupBy::Worker => GroupKey {
                side,
                ty,
                worker: Some(worker),
                dp: None,
            },
            GroupBy::Dp => GroupKey {
                side,
                ty,
                worker: None,
                dp: Some(r.dp.unwrap_or(0)),
            },
            GroupBy::All => GroupKey {
                side,
                ty,
                worker: None,
                dp: None,
            },
        }
    }

    fn flush_file(&mut self, worker: u32, ty: WorkerType, width: i64, acc: FileAcc, keep: &[bool]) {
        let hold = (i64::from(self.opts.hold_s) * US / width).max(1);
        let width_s = width as f64 / US as f64;
        for (mi, per_member) in acc.cells.into_iter().enumerate() {
            let reduce = self.metrics[mi].reduce;
            for (m, cells) in per_member.into_iter().enumerate() {
                if cells.is_empty() || !keep.get(m).copied().unwrap_or(true) {
                    continue;
                }
                let (side, ranks) = acc.members[m];
                let vals: Vec<(i64, f64)> = cells
                    .iter()
                    .map(|c| {
                        let v = match reduce {
                            Reduce::Rate => c.sum / width_s,
                            Reduce::Gauge | Reduce::Event => c.sum / f64::from(c.n),
                        };
                        (c.b, v)
                    })
                    .collect();
                self.values
                    .entry((ty, side, mi))
                    .or_default()
                    .extend(vals.iter().map(|p| p.1));
                let filled = fill(&vals, reduce, hold);
                let key = self.group_key(worker, ty, side, &ranks);
                let grid = self.grids.entry((key, mi)).or_default();
                *grid = merge(std::mem::take(grid), &filled);
            }
        }
    }

    /// Finishes: group lines, downsampling, labels and statistics.
    pub fn finish(self) -> SeriesSet {
        let width = self.width_us.unwrap_or(US);
        let width_s = width / US;
        let origin = match (self.start, self.range) {
            (Some(s), Some((lo, _))) => Some(s.min(lo)),
            (s, r) => s.or(r.map(|r| r.0)),
        };
        let origin_b = origin.map_or(0, |o| o.div_euclid(width));
        let labels = worker_labels(&self.workers);
        let mut type_counts: HashMap<WorkerType, usize> = HashMap::new();
        for w in &self.workers {
            *type_counts.entry(w.worker_type).or_default() += 1;
        }
        let label_of = |k: &GroupKey| -> String {
            let base = match (k.worker, k.dp) {
                (Some(w), _) => labels.get(w as usize).cloned().unwrap_or_default(),
                (None, Some(dp)) => format!("{} dp{dp}", k.ty.as_str()),
                (None, None) => {
                    let n = type_counts.get(&k.ty).copied().unwrap_or(0);
                    let s = if n == 1 { "" } else { "s" };
                    format!("{} ({n} worker{s})", k.ty.as_str())
                }
            };
            let implied = matches!(
                (k.side, k.ty),
                (Side::Prefill, WorkerType::Prefill)
                    | (Side::Decode, WorkerType::Decode)
                    | (Side::Memory, _)
            );
            if implied {
                base
            } else {
                format!("{base} · {}", k.side.as_str())
            }
        };
        // Lines every chart of a side should have: all workers (worker and
        // all groupings) or every DP rank seen anywhere (dp grouping).
        let mut expected: Vec<GroupKey> = Vec::new();
        for (i, w) in self.workers.iter().enumerate() {
            let sides: &[Side] = match w.worker_type {
                WorkerType::Prefill => &[Side::Prefill, Side::Memory],
                WorkerType::Decode => &[Side::Decode, Side::Memory],
                WorkerType::Agg => &[Side::Prefill, Side::Decode, Side::Memory],
                WorkerType::Unknown => &[Side::Memory],
            };
            for &side in sides {
                let r = Ranks::default();
                if self.opts.group_by != GroupBy::Dp {
                    expected.push(self.group_key(i as u32, w.worker_type, side, &r));
                }
            }
        }
        expected.extend(self.grids.keys().map(|(k, _)| *k));
        expected.sort();
        expected.dedup();

        let mut by_metric: HashMap<usize, Vec<(GroupKey, &Vec<GCell>)>> = HashMap::new();
        for ((k, mi), cells) in &self.grids {
            by_metric.entry(*mi).or_default().push((*k, cells));
        }
        let mut charts = Vec::new();
        let mut last_b = origin_b;
        for (mi, metric) in self.metrics.iter().enumerate() {
            let Some(mut lines) = by_metric.remove(&mi) else {
                continue;
            };
            lines.sort_by_key(|(k, _)| *k);
            let mut series = Vec::new();
            for (k, cells) in lines {
                if cells.is_empty() {
                    continue;
                }
                if let Some(c) = cells.last() {
                    last_b = last_b.max(c.b);
                }
                let (x, y) = line_points(cells, metric.combine, origin_b, width_s);
                let raw_points = y.iter().filter(|v| v.is_some()).count();
                let (x, y, downsampled) =
                    if self.opts.max_points > 0 && x.len() > self.opts.max_points {
                        let (x, y) = downsample_m4(&x, &y, (self.opts.max_points / 4).max(1));
                        (x, y, true)
                    } else {
                        (x, y, false)
                    };
                let y: Vec<Option<f64>> = y.into_iter().map(|v| v.map(round_sig)).collect();
                series.push(Series {
                    label: label_of(&k),
                    worker_type: k.ty,
                    side: k.side,
                    dp: k.dp,
                    points: y.iter().filter(|v| v.is_some()).count(),
                    raw_points,
                    downsampled,
                    x,
                    y,
                });
            }
            if series.is_empty() {
                continue;
            }
            let mut sides: Vec<Side> = series.iter().map(|s| s.side).collect();
            sides.extend_from_slice(match metric.applies {
                Applies::Prefill => &[Side::Prefill],
                Applies::Decode => &[Side::Decode],
                Applies::Both => &[Side::Prefill, Side::Decode],
                Applies::Memory => &[Side::Memory],
                Applies::Any => &[],
            });
            let present: Vec<String> = series.iter().map(|s| s.label.clone()).collect();
            let missing = expected
                .iter()
                .filter(|k| sides.contains(&k.side))
                .map(&label_of)
                .filter(|l| !present.contains(l))
                .collect();
            charts.push(Chart {
                id: format!("chart-{}", metric.column),
                metric: metric.clone(),
                series,
                missing,
            });
        }
        // Report order: by section, then catalogue order (a stable sort).
        charts.sort_by_key(|c| {
            SECTIONS
                .iter()
                .position(|x| *x == c.metric.section)
                .unwrap_or(SECTIONS.len())
        });
        let order = [
            WorkerType::Prefill,
            WorkerType::Decode,
            WorkerType::Agg,
            WorkerType::Unknown,
        ];
        let mut stats = Vec::new();
        for (mi, metric) in self.metrics.iter().enumerate() {
            for ty in order {
                for side in Side::ALL {
                    if let Some(v) = self.values.get(&(ty, side, mi)) {
                        stats.push(StatRow {
                            worker_type: ty,
                            side,
                            metric: metric.column.clone(),
                            title: metric.title.clone(),
                            unit: metric.unit.clone(),
                            summary: Summary::of(v),
                        });
                    }
                }
            }
        }
        SeriesSet {
            group_by: self.opts.group_by,
            bucket_s: width_s,
            hold_s: self.opts.hold_s,
            max_points: self.opts.max_points,
            run_start: origin.map(|o| Timestamp(o.div_euclid(width) * width).to_string()),
            run_start_us: origin.map(|o| o.div_euclid(width) * width),
            duration_s: (last_b - origin_b) * width_s,
            charts,
            stats,
            rows: self.rows,
            warnings: self.warnings,
        }
    }
}

/// Legend labels of workers: the file name without compression and log
/// extensions (`eos0234_prefill_w0`, `sglang_server`); the whole file name,
/// then a `#n` suffix, when that is not unique.
fn worker_labels(workers: &[WorkerMeta]) -> Vec<String> {
    let name = |w: &WorkerMeta| -> String {
        std::path::Path::new(&w.file)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| format!("{}_{}", w.node, w.worker_id))
    };
    let stem = |w: &WorkerMeta| -> String {
        let n = name(w);
        let n = srtlog_formats::naming::strip_compression(&n);
        match n.rsplit_once('.') {
            Some((s, "out" | "err" | "log" | "txt")) => s.to_string(),
            _ => n.to_string(),
        }
    };
    let mut labels: Vec<String> = workers.iter().map(stem).collect();
    let dup = |labels: &[String], l: &str| labels.iter().filter(|x| *x == l).count() > 1;
    let snapshot = labels.clone();
    for (i, w) in workers.iter().enumerate() {
        if dup(&snapshot, &labels[i]) {
            labels[i] = name(w);
        }
    }
    let snapshot = labels.clone();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for l in labels.iter_mut() {
        if dup(&snapshot, l) {
            let n = seen.entry(l.clone()).or_insert(0);
            *n += 1;
            *l = format!("{l} #{n}");
        }
    }
    labels
}

/// Fills a scheduler's bucket values: gauges keep their value up to the next
/// line when it comes within `hold` buckets; rates are zero between batches;
/// events are left alone.
fn fill(vals: &[(i64, f64)], reduce: Reduce, hold: i64) -> Vec<(i64, f64)> {
    if reduce == Reduce::Event {
        return vals.to_vec();
    }
    let mut out = Vec::with_capacity(vals.len());
    for (j, &(b, v)) in vals.iter().enumerate() {
        out.push((b, v));
        let Some(&(next, _)) = vals.get(j + 1) else {
            break;
        };
        let gap = next - b;
        match reduce {
            Reduce::Gauge if gap <= hold => out.extend((b + 1..next).map(|x| (x, v))),
            Reduce::Rate => out.extend((b + 1..next).map(|x| (x, 0.0))),
            _ => {}
        }
    }
    out
}

/// Adds a scheduler's filled values into a group line (both sorted by
/// bucket). In a bucket merged `k` times a value counts `k` times, so the
/// line stays `s/k` (sum) or `s/n` (mean).
fn merge(grid: Vec<GCell>, add: &[(i64, f64)]) -> Vec<GCell> {
    let mut out = Vec::with_capacity(grid.len().max(add.len()));
    let mut a = grid.into_iter().peekable();
    let mut b = add.iter().peekable();
    loop {
        match (a.peek(), b.peek()) {
            (Some(g), Some(&&(bb, v))) => {
                if g.b < bb {
                    out.extend(a.next());
                } else if bb < g.b {
                    out.push(GCell {
                        b: bb,
                        s: v,
                        n: 1,
                        k: 1,
                    });
                    b.next();
                } else {
                    if let Some(mut g) = a.next() {
                        g.s += v * f64::from(g.k);
                        g.n += g.k;
                        out.push(g);
                    }
                    b.next();
                }
            }
            (Some(_), None) => out.extend(a.by_ref()),
            (None, Some(&&(bb, v))) => {
                out.push(GCell {
                    b: bb,
                    s: v,
                    n: 1,
                    k: 1,
                });
                b.next();
            }
            (None, None) => break,
        }
    }
    out
}

/// The points of a group line: x in seconds since the run's start, with one
/// `None` where buckets are missing so the chart shows a gap.
fn line_points(
    cells: &[GCell],
    combine: Combine,
    origin_b: i64,
    width_s: i64,
) -> (Vec<i64>, Vec<Option<f64>>) {
    let mut x = Vec::with_capacity(cells.len());
    let mut y = Vec::with_capacity(cells.len());
    let mut prev: Option<i64> = None;
    for c in cells {
        if prev.is_some_and(|p| c.b > p + 1) {
            x.push((prev.unwrap_or(c.b) + 1 - origin_b) * width_s);
            y.push(None);
        }
        let v = match combine {
            Combine::Sum => c.s / f64::from(c.k.max(1)),
            Combine::Mean => c.s / f64::from(c.n.max(1)),
        };
        x.push((c.b - origin_b) * width_s);
        y.push(Some(v));
        prev = Some(c.b);
    }
    (x, y)
}

/// Rounds to 6 significant digits, which is below what a chart or hover can
/// show and keeps the embedded JSON short.
pub fn round_sig(v: f64) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let e = v.abs().log10().floor() as i32;
    let k = 5 - e;
    if (0..=22).contains(&k) {
        // Dividing an integer by an exact power of ten yields the double
        // nearest the decimal, so the JSON shows the short decimal.
        let p = 10f64.powi(k);
        (v * p).round() / p
    } else if (-22..0).contains(&k) {
        let p = 10f64.powi(-k);
        (v / p).round() * p
    } else {
        v
    }
}

/// Downsamples a line to at most four points per column of the time axis:
/// the first, last, smallest and largest value of each column, in time
/// order. This is M4 (Jugel, Jerzak, Hackenbroich & Markl, "M4: A
/// Visualization-Oriented Time Series Data Aggregation", PVLDB 7(10), 2014),
/// which renders a line chart identical to the full data at a width of
/// `columns` pixels and always keeps the extremes, unlike LTTB. Gaps
/// (`None`) are kept, once per run of gaps, so breaks in a line survive.
pub fn downsample_m4(x: &[i64], y: &[Option<f64>], columns: usize) -> (Vec<i64>, Vec<Option<f64>>) {
    let n = x.len().min(y.len());
    if n == 0 || columns == 0 {
        return (x[..n].to_vec(), y[..n].to_vec());
    }
    let x0 = x[0];
    let span = (x[n - 1] - x0).max(1) as f64;
    let col = |xi: i64| -> usize {
        ((((xi - x0) as f64) / span * columns as f64) as usize).min(columns - 1)
    };
    // (column, first, last, argmin, argmax)
    let mut keep: Vec<usize> = Vec::with_capacity(4 * columns + 16);
    let mut cur: Option<(usize, usize, usize, usize, usize)> = None;
    let flush = |g: Option<(usize, usize, usize, usize, usize)>, keep: &mut Vec<usize>| {
        if let Some((_, first, last, lo, hi)) = g {
            let mut ix = [first, lo, hi, last];
            ix.sort_unstable();
            for (j, i) in ix.iter().enumerate() {
                if j == 0 || ix[j - 1] != *i {
                    keep.push(*i);
                }
            }
        }
    };
    for i in 0..n {
        let Some(v) = y[i] else {
            flush(cur.take(), &mut keep);
            if keep.last().is_none_or(|&k| y[k].is_some()) {
                keep.push(i);
            }
            continue;
        };
        let c = col(x[i]);
        match cur.as_mut() {
            Some(g) if g.0 == c => {
                g.2 = i;
                if y[g.3].is_some_and(|m| v < m) {
                    g.3 = i;
                }
                if y[g.4].is_some_and(|m| v > m) {
                    g.4 = i;
                }
            }
            _ => {
                flush(cur.take(), &mut keep);
                cur = Some((c, i, i, i, i));
            }
        }
    }
    flush(cur, &mut keep);
    (
        keep.iter().map(|&i| x[i]).collect(),
        keep.iter().map(|&i| y[i]).collect(),
    )
}

#[cfg(test)]
mod tests;
