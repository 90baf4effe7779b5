//! srtlog: turn the logs and metrics of LLM inference serving into answers.
//!
//! This crate is the library behind the `srtlog` command. It finds a run's
//! worker logs, reads them (plain, gzip or zstd) in parallel, and returns a
//! summary, Arrow tables and a Parquet cache. Decoding lives in
//! [`srtlog_formats`] (pure, sans-I/O); the table model in [`srtlog_table`];
//! statistics in [`srtlog_stats`].
//!
//! Entry points:
//! * [`NodeAnalyzer::parse_run_logs`]: the seed's Python API, nodes with their
//!   batches and memory snapshots.
//! * [`run::parse_run`]: what `srtlog parse` does (discovery, cache, summary).
//! * [`worker::parse_files`]: the parallel parser, streaming one file's
//!   result at a time.
//! * [`viz::build`]: what `srtlog viz` and `srtlog stats` do (time series
//!   per worker, DP rank or worker type, and statistics; [`series`]).
//! * [`snapshots::analyze_dir`]: what `srtlog snapshots` does (Prometheus
//!   snapshots before/after each request → per-request timings).
//! * [`audit::run`]: what `srtlog audit` does (logging and metrics audit
//!   with a grade); [`reqtrace`]: `srtlog request` (one request's timeline).
//! * [`requests`]: per-request JSON-lines logs (`srtlog requests`): load,
//!   filter, summary, anomalies, trends, correlations, export
//!   ([`requests::RequestAnalyzer`], the seed's `InferenceLogAnalyzer`).
#![warn(missing_docs)]

pub mod aiperf;
pub mod analyzer;
pub mod audit;
pub mod cache;
pub mod discover;
pub mod error;
pub mod input;
pub mod reqtrace;
pub mod requests;
pub mod run;
pub mod scan;
pub mod scan_vllm;
pub mod scrape;
pub mod series;
pub mod snapshots;
pub mod summary;
pub mod viz;
pub mod worker;
pub mod year;

pub use analyzer::{Batch, EngineStats, MemorySnapshot, Node, NodeAnalyzer};
pub use error::{Error, Result};
pub use srtlog_formats as formats;
pub use srtlog_stats as stats;
pub use srtlog_table as table;
pub use worker::{Backend, Warning, WorkerType};
