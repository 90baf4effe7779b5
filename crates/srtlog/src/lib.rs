//! srtlog: turn the logs and metrics of LLM inference serving into answers.
//!
//! This is the facade crate (as ripgrep's `grep` crate is for its parts): it
//! re-exports each job's public API under one name, so a user depends on
//! `srtlog` alone. Each job is a crate of its own, on shared foundations:
//!
//! | job | crate | module here |
//! | --- | --- | --- |
//! | worker logs (SGLang, vLLM) | `srtlog-workers` | [`workers`] (and its modules at the root) |
//! | per-request logs | `srtlog-requests` | [`requests`] |
//! | Prometheus snapshots and the scraper | `srtlog-snapshots` | [`snapshots`], [`scrape`] |
//! | AIPerf exports | `srtlog-aiperf` | [`aiperf`] |
//! | logging audit, following one request | `srtlog-audit` | [`audit`], [`follow`] |
//! | comparing runs | `srtlog-compare` | [`compare`] |
//! | the fleet dataset (`srtlog ingest`), per-file reads for Ray/Spark | `srtlog-dataset` | [`dataset`] |
//!
//! Foundations: decoders in [`formats`] (pure, sans-I/O), reading and
//! writing in [`io`], the table model in [`table`], statistics in [`stats`].
#![warn(missing_docs)]

pub use srtlog_aiperf as aiperf;
pub use srtlog_audit as audit;
pub use srtlog_audit::follow;
pub use srtlog_check as check;
pub use srtlog_compare as compare;
pub use srtlog_dataset as dataset;
pub use srtlog_formats as formats;
pub use srtlog_io as io;
pub use srtlog_requests as requests;
pub use srtlog_snapshots as snapshots;
pub use srtlog_snapshots::scrape;
pub use srtlog_stats as stats;
pub use srtlog_table as table;
pub use srtlog_workers as workers;

pub use srtlog_workers::{
    analyzer, cache, discover, run, scan, series, summary, viz, worker, year,
};
pub use srtlog_workers::{
    Backend, Batch, EngineStats, Error, MemorySnapshot, Node, NodeAnalyzer, Result, Warning,
    WorkerType,
};
