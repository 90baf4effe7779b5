//! The run summary: per-worker facts and totals, as printed by `srtlog
//! parse`, returned by its `--json`, and stored in the cache metadata.
//!
//! JSON wire format (stable; new keys may be added):
//!
//! ```json
//! { "run_name": "4401463", "logs_dir": "...", "workers": [ {
//!     "file": "...", "node": "eos0234", "worker_type": "prefill", "worker_id": "w0",
//!     "backend": "sglang", "prefill_batches": 178, "decode_batches": 0,
//!     "memory_snapshots": 20, "first_timestamp": "2025-10-20T12:03:12",
//!     "last_timestamp": "...", ... } ],
//!   "totals": { "workers": 8, "prefill_batches": ..., "stats_lines": 0, ... } }
//! ```
//!
//! A vLLM worker entry has `"backend": "vllm"`, zero batches, and
//! `stats_lines` (engine statistics lines; its `first_timestamp` and
//! `last_timestamp` are theirs), `year` and `year_source` (`option`, `file`,
//! `mtime` or `today`: vLLM prints no year), its start-up facts in `config`
//! (`version`, `kv_cache_tokens`, `gpu_blocks`, `cpu_blocks`,
//! `max_concurrency`, `max_concurrency_tokens`, `kv_role`, and the parallel
//! sizes), `spec_decoding_lines`, `errors` and `last_error` when it has them.
//! Either backend's entry has `access` (uvicorn access lines per HTTP status
//! code) when the file holds any.

use crate::scan::{ServerConfig, UnparsedExample};
use crate::worker::{Backend, WorkerLog, WorkerType};
use serde::{Deserialize, Serialize};
use srtlog_formats::sglang::BatchKind;
use srtlog_formats::Timestamp;
use std::collections::BTreeMap;

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Batch lines of one rank.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RankSummary {
    /// `prefill` or `decode`.
    pub batch_type: String,
    /// DP rank tag.
    pub dp: Option<u16>,
    /// PP rank tag.
    pub pp: Option<u16>,
    /// TP rank tag.
    pub tp: Option<u16>,
    /// EP rank tag.
    pub ep: Option<u16>,
    /// Lines.
    pub lines: u64,
    /// Whether these lines repeat the scheduler's own (non-primary rank).
    pub duplicate: bool,
}

/// Lines that looked like records but did not parse.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    /// Count.
    pub unparsed_lines: u64,
    /// Values that did not fit their column (a count past its integer
    /// type, `nan` for a count, `inf`), left null, by column.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub rejected_values: BTreeMap<String, u64>,
    /// The first few.
    pub examples: Vec<UnparsedExample>,
}

/// One worker file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkerSummary {
    /// Path as found.
    pub file: String,
    /// Node name.
    pub node: String,
    /// `prefill`, `decode`, `agg` or `unknown`.
    pub worker_type: WorkerType,
    /// Worker id.
    pub worker_id: String,
    /// `sglang` or `vllm`.
    pub backend: String,
    /// vLLM: engine statistics lines (all engines).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stats_lines: Option<u64>,
    /// vLLM: speculative-decoding lines.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub spec_decoding_lines: u64,
    /// vLLM: the year of the first line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    /// vLLM: where the year came from (`option`, `file`, `mtime`, `today`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year_source: Option<String>,
    /// Uvicorn access lines per HTTP status code.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub access: BTreeMap<String, u64>,
    /// vLLM: error lines.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub errors: u64,
    /// vLLM: the last error line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// Prefill batches, once per scheduler step.
    pub prefill_batches: u64,
    /// Decode batch log lines, once per scheduler step.
    pub decode_batches: u64,
    /// Raw prefill lines (duplicates included).
    pub prefill_lines: u64,
    /// Raw decode lines (duplicates included).
    pub decode_lines: u64,
    /// Lines repeated by non-primary TP/PP ranks.
    pub duplicate_lines: u64,
    /// Memory snapshot lines.
    pub memory_snapshots: u64,
    /// Schedulers (DP groups) that printed batches (vLLM: engines that
    /// printed statistics lines).
    pub schedulers: usize,
    /// First batch line's timestamp (ISO-8601, no zone).
    pub first_timestamp: Option<String>,
    /// Last batch line's timestamp.
    pub last_timestamp: Option<String>,
    /// Seconds between them.
    pub duration_s: Option<f64>,
    /// Physical lines.
    pub lines: u64,
    /// Bytes read (decoded).
    pub bytes: u64,
    /// Server configuration.
    pub config: ServerConfig,
    /// Per-rank line counts.
    pub ranks: Vec<RankSummary>,
    /// Unparsed record-like lines.
    pub coverage: Coverage,
    /// Problems with this file.
    pub warnings: Vec<String>,
    #[serde(skip)]
    first_ts: Option<Timestamp>,
    #[serde(skip)]
    last_ts: Option<Timestamp>,
}

impl WorkerSummary {
    /// Summarises a parsed file.
    pub fn from_log(w: &WorkerLog) -> WorkerSummary {
        let range = w.batch_time_range();
        let ranks = w
            .stats
            .ranks
            .iter()
            .map(|((k, r), c)| RankSummary {
                batch_type: k.as_str().into(),
                dp: r.dp,
                pp: r.pp,
                tp: r.tp,
                ep: r.ep,
                lines: c.lines,
                duplicate: w.primary.get(&r.dp).is_some_and(|p| p != r),
            })
            .collect();
        WorkerSummary {
            file: w.source.path.display().to_string(),
            node: w.source.node.clone(),
            worker_type: w.worker_type,
            worker_id: w.source.worker_id.clone(),
            backend: w.source.backend.as_str().into(),
            stats_lines: (w.source.backend == Backend::Vllm).then(|| w.stats_lines()),
            spec_decoding_lines: w.stats.spec_lines,
            year: w.year.map(|y| y.base),
            year_source: w.year.map(|y| y.source.as_str().to_string()),
            access: w
                .stats
                .access
                .iter()
                .map(|(k, v)| (k.to_string(), *v))
                .collect(),
            errors: w.stats.errors,
            last_error: w.stats.last_error.as_ref().map(|e| e.text.clone()),
            prefill_batches: w.batches(BatchKind::Prefill),
            decode_batches: w.batches(BatchKind::Decode),
            prefill_lines: w.batch_lines(BatchKind::Prefill),
            decode_lines: w.batch_lines(BatchKind::Decode),
            duplicate_lines: w.duplicate_lines(),
            memory_snapshots: w.stats.memory,
            schedulers: w.schedulers(),
            first_timestamp: range.map(|r| r.0.to_string()),
            last_timestamp: range.map(|r| r.1.to_string()),
            duration_s: range.map(|(a, b)| (b.0 - a.0) as f64 / 1e6),
            lines: w.stats.lines,
            bytes: w.stats.bytes,
            config: w.stats.config.clone(),
            ranks,
            coverage: Coverage {
                unparsed_lines: w.stats.unparsed,
                rejected_values: w
                    .stats
                    .rejected
                    .iter()
                    .map(|(k, v)| ((*k).to_string(), *v))
                    .collect(),
                examples: w.stats.examples.clone(),
            },
            warnings: w.warnings.iter().map(|x| x.message.clone()).collect(),
            first_ts: range.map(|r| r.0),
            last_ts: range.map(|r| r.1),
        }
    }

    /// Time range of the batch lines.
    pub fn time_range(&self) -> Option<(Timestamp, Timestamp)> {
        match (self.first_ts, self.last_ts) {
            (Some(a), Some(b)) => Some((a, b)),
            _ => Some((
                parse_iso(self.first_timestamp.as_deref()?)?,
                parse_iso(self.last_timestamp.as_deref()?)?,
            )),
        }
    }
}

fn parse_iso(s: &str) -> Option<Timestamp> {
    srtlog_formats::timestamp::parse_datetime(s.as_bytes()).map(|(t, _)| t)
}

/// Totals over all workers.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    /// Worker files.
    pub workers: usize,
    /// Prefill batches.
    pub prefill_batches: u64,
    /// Decode batch lines.
    pub decode_batches: u64,
    /// Memory snapshots.
    pub memory_snapshots: u64,
    /// vLLM engine statistics lines.
    #[serde(default)]
    pub stats_lines: u64,
    /// Duplicate lines.
    pub duplicate_lines: u64,
    /// Unparsed record-like lines.
    pub unparsed_lines: u64,
    /// Warnings.
    pub warnings: usize,
    /// First batch timestamp of the run.
    pub first_timestamp: Option<String>,
    /// Last batch timestamp of the run.
    pub last_timestamp: Option<String>,
    /// Seconds between them.
    pub duration_s: Option<f64>,
    /// Bytes read.
    pub bytes: u64,
    /// Lines read.
    pub lines: u64,
}

/// One row of the summary table: a worker type (of one backend, when the
/// run has vLLM workers).
#[derive(Clone, Debug, PartialEq)]
pub struct TypeRow {
    /// The type.
    pub worker_type: WorkerType,
    /// The backend, when the run has vLLM workers (`None`: all SGLang, the
    /// workflow's layout).
    pub backend: Option<Backend>,
    /// Workers of this type.
    pub count: usize,
    /// Time range over their batch lines.
    pub range: Option<(Timestamp, Timestamp)>,
}

/// The summary of a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    /// Name of the run (its directory's name).
    pub run_name: String,
    /// The logs folder, when the input was a folder.
    pub logs_dir: Option<String>,
    /// Worker files in path order.
    pub workers: Vec<WorkerSummary>,
    /// Totals.
    pub totals: Totals,
}

fn range_union(
    a: Option<(Timestamp, Timestamp)>,
    b: Option<(Timestamp, Timestamp)>,
) -> Option<(Timestamp, Timestamp)> {
    match (a, b) {
        (Some(x), Some(y)) => Some((x.0.min(y.0), x.1.max(y.1))),
        (x, y) => x.or(y),
    }
}

impl RunSummary {
    /// Builds the summary and its totals.
    pub fn new(
        run_name: String,
        logs_dir: Option<String>,
        workers: Vec<WorkerSummary>,
    ) -> RunSummary {
        let mut t = Totals {
            workers: workers.len(),
            ..Totals::default()
        };
        let mut range = None;
        for w in &workers {
            t.prefill_batches += w.prefill_batches;
            t.decode_batches += w.decode_batches;
            t.memory_snapshots += w.memory_snapshots;
            t.stats_lines += w.stats_lines.unwrap_or(0);
            t.duplicate_lines += w.duplicate_lines;
            t.unparsed_lines += w.coverage.unparsed_lines;
            t.warnings += w.warnings.len();
            t.bytes += w.bytes;
            t.lines += w.lines;
            range = range_union(range, w.time_range());
        }
        t.first_timestamp = range.map(|r| r.0.to_string());
        t.last_timestamp = range.map(|r| r.1.to_string());
        t.duration_s = range.map(|(a, b)| (b.0 - a.0) as f64 / 1e6);
        RunSummary {
            run_name,
            logs_dir,
            workers,
            totals: t,
        }
    }

    /// Rows of the summary table, one per worker type present, in the order
    /// prefill, decode, agg, unknown (both backends together).
    pub fn by_type(&self) -> Vec<TypeRow> {
        self.rows(false)
    }

    /// [`by_type`](Self::by_type), but when the run has vLLM workers one row
    /// per worker type and backend (SGLang first), so vLLM engines show beside
    /// SGLang workers. An all-SGLang run gets the same rows as `by_type`.
    pub fn by_type_and_backend(&self) -> Vec<TypeRow> {
        self.rows(true)
    }

    fn rows(&self, by_backend: bool) -> Vec<TypeRow> {
        let backend_of = |w: &WorkerSummary| {
            if w.backend == Backend::Vllm.as_str() {
                Backend::Vllm
            } else {
                Backend::Sglang
            }
        };
        let split = by_backend && self.workers.iter().any(|w| backend_of(w) == Backend::Vllm);
        let backends: &[Option<Backend>] = if split {
            &[Some(Backend::Sglang), Some(Backend::Vllm)]
        } else {
            &[None]
        };
        let mut rows: Vec<TypeRow> = Vec::new();
        for ty in [
            WorkerType::Prefill,
            WorkerType::Decode,
            WorkerType::Agg,
            WorkerType::Unknown,
        ] {
            for &b in backends {
                let ws: Vec<&WorkerSummary> = self
                    .workers
                    .iter()
                    .filter(|w| w.worker_type == ty && b.is_none_or(|b| backend_of(w) == b))
                    .collect();
                if ws.is_empty() {
                    continue;
                }
                let range = ws
                    .iter()
                    .fold(None, |acc, w| range_union(acc, w.time_range()));
                rows.push(TypeRow {
                    worker_type: ty,
                    backend: b,
                    count: ws.len(),
                    range,
                });
            }
        }
        rows
    }

    /// The run's time range.
    pub fn time_range(&self) -> Option<(Timestamp, Timestamp)> {
        self.workers
            .iter()
            .fold(None, |acc, w| range_union(acc, w.time_range()))
    }
}

/// Formats a duration like the workflow's table: `67m 50s`, `45s`, `2h 05m 03s`.
pub fn format_duration(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
    if s < 60 {
        format!("{sec}s")
    } else if s < 100 * 60 {
        format!("{}m {sec:02}s", s / 60)
    } else {
        format!("{h}h {m:02}m {sec:02}s")
    }
}

/// Formats a time range like the worker-log summary: `16:10:37 → 17:18:27 (67m 50s)`, with
/// dates when the range spans more than one day.
pub fn format_range(r: Option<(Timestamp, Timestamp)>) -> String {
    let Some((a, b)) = r else {
        return "no batches".into();
    };
    let (ya, ma, da, ..) = a.to_civil();
    let (yb, mb, db, ..) = b.to_civil();
    let d = format_duration((b.0 - a.0) as f64 / 1e6);
    if (ya, ma, da) == (yb, mb, db) {
        format!("{} → {} ({d})", a.hms(), b.hms())
    } else {
        format!(
            "{ya:04}-{ma:02}-{da:02} {} → {yb:04}-{mb:02}-{db:02} {} ({d})",
            a.hms(),
            b.hms()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(format_duration(4070.0), "67m 50s");
        assert_eq!(format_duration(45.2), "45s");
        assert_eq!(format_duration(7503.0), "2h 05m 03s");
        let a = Timestamp::from_civil(2025, 1, 1, 16, 10, 37, 0).unwrap();
        let b = Timestamp::from_civil(2025, 1, 1, 17, 18, 27, 0).unwrap();
        assert_eq!(format_range(Some((a, b))), "16:10:37 → 17:18:27 (67m 50s)");
        let c = Timestamp::from_civil(2025, 1, 2, 0, 0, 1, 0).unwrap();
        assert_eq!(
            format_range(Some((b, c))),
            "2025-01-01 17:18:27 → 2025-01-02 00:00:01 (6h 41m 34s)"
        );
    }
}
