//! srtlog-workers: SGLang and vLLM worker logs into a summary, Arrow tables,
//! a Parquet cache and time series.
//!
//! Decoding lives in `srtlog-formats` (pure, sans-I/O); reading bytes in
//! `srtlog-io`; the table model in `srtlog-table`; statistics in
//! `srtlog-stats`. Formats are specified in `shared/docs/formats.md` §1
//! (SGLang) and §2 (vLLM).
//!
//! Entry points:
//! * [`NodeAnalyzer::parse_run_logs`]: nodes with their batches and memory
//!   snapshots (the worker-log workflow's Python API, in Rust).
//! * [`run::parse_run`]: what `srtlog parse` does (discovery, cache, summary).
//! * [`worker::parse_files`]: the parallel parser, streaming one file's
//!   result at a time.
//! * [`viz::build`]: what `srtlog viz` and `srtlog stats` do (time series
//!   per worker, DP rank or worker type, and statistics; [`series`]).
#![warn(missing_docs)]

pub mod analyzer;
pub mod cache;
pub mod discover;
pub mod error;
pub mod replay;
pub mod run;
pub mod scan;
pub mod series;
pub mod stats_csv;
pub mod summary;
pub mod types;
pub mod viz;
pub mod worker;
pub mod year;

pub use analyzer::{Batch, EngineStats, MemorySnapshot, Node, NodeAnalyzer};
pub use error::{Error, Result};
pub use worker::{Backend, Warning, WorkerType};
