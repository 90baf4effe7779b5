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
//!    the decode side, and the engine's gauges (running and queued requests,
//!    KV-cache usage) the engine side, once: they describe the whole engine,
//!    not either half. An aggregated SGLang worker, whose prefill and decode
//!    batches print their own gauges, is split into a prefill and a decode
//!    line; a vLLM engine into prefill and decode throughputs and one line
//!    per gauge. Metrics are
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
use srtlog_formats::sglang::Ranks;
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
    /// The whole engine: gauges of an engine-statistics row that belong to
    /// neither half (running and queued requests, KV-cache usage of a vLLM
    /// engine), drawn once, not once per side (issue 17 item 15).
    Engine,
    /// Memory snapshots.
    Memory,
}

impl Side {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Prefill => "prefill",
            Side::Decode => "decode",
            Side::Engine => "engine",
            Side::Memory => "memory",
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    const ALL: [Side; 4] = [Side::Prefill, Side::Decode, Side::Engine, Side::Memory];
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
    /// Build the charts' group lines. `false` (`srtlog stats`, `parse
    /// --stats`) keeps only what the statistics need: the per-scheduler
    /// bucket values. Filling and merging every scheduler's line into its
    /// group was a third of the reduction, for lines nobody draws; the
    /// statistics are the same either way. Without lines, `charts` is empty
    /// and `duration_s` runs to the last bucket with a value.
    pub lines: bool,
}

impl Default for SeriesOptions {
    fn default() -> Self {
        SeriesOptions {
            group_by: GroupBy::Worker,
            bucket_s: None,
            max_points: DEFAULT_MAX_POINTS,
            hold_s: DEFAULT_HOLD_S,
            lines: true,
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

mod builder;
mod catalogue;
mod ended;
mod files;
mod lines;
mod overlay;
mod rows;

pub use builder::SeriesBuilder;
use files::{fit_part, missing_ts_warning, part_batches, Span};
pub use files::{FactPart, FileHead, PartRead};

/// The columns [`Rows`](rows) reads for every row of a part streamed to
/// [`SeriesBuilder::add_part`] besides the rank tags (the `duplicate` flag
/// only for complete files).
const ROW_COLUMNS: [&str; 3] = ["timestamp", "record", "batch_type"];

/// The rank-tag columns, in [`Ranks`] order.
const RANK_COLUMNS: [&str; 6] = ["dp", "pp", "tp", "ep", "attn_cp", "moe_dp"];

/// Whether the streamed reduction ([`SeriesBuilder::add_part`]) reads a
/// column of this name and type: the row columns, and numeric columns that
/// are metrics (catalogued, or unknown and charted with defaults). A reader
/// of stored rows may leave the others out; the reduction is the same.
pub fn reads_column(name: &str, t: &DataType) -> bool {
    ROW_COLUMNS.contains(&name)
        || RANK_COLUMNS.contains(&name)
        || (rows::is_numeric(t)
            && (!catalogue::NOT_METRICS.contains(&name)
                || catalogue().iter().any(|m| m.column == name)))
}
pub use catalogue::{catalogue, SECTIONS};
use catalogue::{default_metric, unit_from_doc, NOT_METRICS};
pub use lines::round_sig;
use lines::{fill, group_line, line_points, merge, worker_labels};
pub use overlay::overlay;
pub use rows::RowFacts;
use rows::{
    is_numeric, pack, Cell, ColumnRows, FileAcc, GCell, GroupKey, Kept, Kind, Num, PartBatch, Rows,
    NONE,
};
/// M4 downsampling lives in the statistics crate with its source.
pub use srtlog_stats::m4::downsample_m4;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_files;
#[cfg(test)]
mod tests_parts;
