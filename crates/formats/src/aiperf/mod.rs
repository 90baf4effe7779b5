//! AIPerf artifacts (formats.md §3): `profile_export.jsonl` records with
//! their HTTP trace data, decoded into typed records for trace and token
//! analysis (`srtlog aiperf`), plus the run summary JSON.
//!
//! This is the one AIPerf record decoder. [`record`] deserialises straight
//! into typed structs that borrow strings from the line, keeps only the
//! metric tags the analysis reads, and normalises the three trace-data
//! layouts of formats.md §3.3 into one [`trace::Trace`]: trace analysis
//! needs every response chunk of every request and must run at hundreds of
//! MB/s on exports of millions of records. The request-log reader
//! ([`crate::requests::aiperf`]) maps the same records, decoded by
//! [`full::decode_value`] with the same rules plus every scalar metric, so
//! both read aliases, bare numbers, cancellation and errors alike.
//!
//! * [`record`]: one line → [`Record`] (every schema generation: 0.1.x
//!   `timestamp_ns`/`credit_phase`/`ttft`, 0.5 `request_start_ns`/
//!   `benchmark_phase`/`was_cancelled`, 2026 without `error` on success);
//!   metric values as `{value, unit}` or bare numbers.
//! * [`full`]: a record already parsed into a JSON value, with every
//!   scalar metric, for the request-log reader.
//! * [`trace`]: `trace_data` in the released `request_chunks`/
//!   `response_chunks` layout, the parallel-array prototype
//!   (`response_receive_timestamps_ns`/`…_sizes_bytes`) and the keys of the
//!   prototype `analyze_trace_data.py` (`connection_create_start_ns`,
//!   `dns_resolvehost_start_ns`, …).
//! * [`summary`]: `profile_export_aiperf.json` in its 0.1.x (`records`)
//!   and flat 0.5 layouts, and the CSV summary.

mod de;
mod fastlist;
pub mod full;
pub mod load;
pub mod record;
pub mod summary;
pub mod trace;

pub use full::{decode_value, FullRecord};
pub use record::{
    decode_record, AllMetrics, ErrorInfo, Metadata, Metric, Metrics, Phase, Record, RecordError,
};
pub use summary::{parse_summary_csv, parse_summary_json, RunSummary, SummaryStat};
pub use trace::{Dns, Trace, TraceLayout};

#[cfg(test)]
mod tests;
