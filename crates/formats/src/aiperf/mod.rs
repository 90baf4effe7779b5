//! AIPerf artifacts (formats.md §3): `profile_export.jsonl` records with
//! their HTTP trace data, decoded into typed records for trace and token
//! analysis (`srtlog aiperf`), plus the run summary JSON.
//!
//! Why a second AIPerf decoder beside [`crate::requests::aiperf`]: that one
//! maps a record onto the canonical request table through a
//! `serde_json::Value` and drops list metrics and `trace_data`; trace
//! analysis needs every response chunk of every request and must run at
//! hundreds of MB/s on exports of millions of records. [`record`] therefore
//! deserialises straight into typed structs that borrow strings from the
//! line, keeps only the metric tags the analysis reads, and normalises the
//! three trace-data layouts of formats.md §3.3 into one [`trace::Trace`].
//! The request-log reader may reuse [`decode_record`] for its own mapping.
//!
//! * [`record`]: one line → [`Record`] (every schema generation: 0.1.x
//!   `timestamp_ns`/`credit_phase`/`ttft`, 0.5 `request_start_ns`/
//!   `benchmark_phase`/`was_cancelled`, 2026 without `error` on success);
//!   metric values as `{value, unit}` or bare numbers.
//! * [`trace`]: `trace_data` in the released `request_chunks`/
//!   `response_chunks` layout, the parallel-array prototype
//!   (`response_receive_timestamps_ns`/`…_sizes_bytes`) and the keys of the
//!   prototype `analyze_trace_data.py` (`connection_create_start_ns`,
//!   `dns_resolvehost_start_ns`, …).
//! * [`summary`]: `profile_export_aiperf.json` in its 0.1.x (`records`)
//!   and flat 0.5 layouts, and the CSV summary.

mod de;
mod fastlist;
pub mod record;
pub mod summary;
pub mod trace;

pub use record::{
    decode_record, decode_value, AllMetrics, ErrorInfo, FullRecord, Metadata, Metric, Metrics,
    Phase, Record, RecordError,
};
pub use summary::{parse_summary_csv, parse_summary_json, RunSummary, SummaryStat};
pub use trace::{Dns, Trace, TraceLayout};

#[cfg(test)]
mod tests;
