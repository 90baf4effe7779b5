//! Sans-I/O decoders for the logs and metrics of LLM inference serving.
//!
//! Every module here is a *pure decoder*: it takes bytes (one line, or one
//! buffer of lines) and returns typed, borrowed records. Nothing in this crate
//! opens a file, allocates per line on the hot path, or knows about threads.
//! Files, stdin, gzip/zstd, follow mode and the Python bindings all wrap the
//! same functions, so a fix here fixes every entry point at once.
//!
//! The formats, with every variant found in real files, are specified in the
//! project's `formats.md`; module docs cite the section they implement.
//!
//! * [`line`]: normalising a physical line (CR, ANSI colour, tqdm progress).
//! * [`timestamp`]: civil date-time parsing without a time-zone database.
//! * [`num`]: byte-level number parsing (correctly rounded fast path).
//! * [`sglang`]: SGLang scheduler/worker logs (`Prefill batch`, `Decode batch`,
//!   memory and start-up lines, server configuration).
//! * [`vllm`]: vLLM server logs (engine statistics in their V0 and V1 forms,
//!   speculative-decoding and start-up lines; dates without a year).
//! * [`access`]: uvicorn access lines of either server.
//! * [`prom`]: Prometheus text 0.0.4 and OpenMetrics 1.0 expositions
//!   (`/metrics` snapshots of vLLM and SGLang).
//! * [`naming`]: worker file-name conventions (`{node}_{mode}_{worker}.out`).
//! * [`aiperf`]: AIPerf records with HTTP trace data, and run summaries,
//!   for trace and token analysis.
//! * [`genericlog`]: any service's lines: structured or not, standard
//!   fields, levels, request ids (`srtlog audit`, `srtlog request`).
//! * [`bench`]: benchmark-client result files (sglang.bench_serving, vLLM
//!   bench serve, GuideLLM), run figures and per-request rows.
//! * [`requests`]: per-request JSON-lines logs (the workflow's format, AIPerf
//!   `profile_export.jsonl`, SGLang request-metrics exports).
//! * [`sniff`]: which of these kinds a file is, from its head (so a command
//!   given the wrong kind names the one that reads it).
#![warn(missing_docs)]

pub mod access;
pub mod aiperf;
pub mod bench;
pub mod extras;
pub mod genericlog;
pub mod line;
pub mod naming;
pub mod num;
pub mod prom;
pub mod requests;
pub mod sglang;
pub mod sniff;
pub mod swar;
pub mod timestamp;
pub mod vllm;

pub use timestamp::Timestamp;
