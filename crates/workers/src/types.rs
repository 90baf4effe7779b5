//! The vocabulary every part of the worker-log job shares: worker types,
//! engines, per-file warnings. Kept apart from the parser so that discovery,
//! scanning and summaries depend on it without depending on each other.

use serde::{Deserialize, Serialize};
use srtlog_formats::Timestamp;

/// The type of a worker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WorkerType {
    /// Prefill worker (disaggregated).
    Prefill,
    /// Decode worker (disaggregated).
    Decode,
    /// Aggregated worker.
    Agg,
    /// No batch lines and no configuration said which.
    Unknown,
}

impl WorkerType {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            WorkerType::Prefill => "prefill",
            WorkerType::Decode => "decode",
            WorkerType::Agg => "agg",
            WorkerType::Unknown => "unknown",
        }
    }

    /// Title-case name for tables.
    pub fn title(self) -> &'static str {
        match self {
            WorkerType::Prefill => "Prefill",
            WorkerType::Decode => "Decode",
            WorkerType::Agg => "Agg",
            WorkerType::Unknown => "Unknown",
        }
    }
}

/// The serving engine that wrote a log, decided from its content
/// ([`crate::discover::sniff_backend`]).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// SGLang (formats.md §1).
    #[default]
    Sglang,
    /// vLLM (formats.md §2).
    Vllm,
}

impl Backend {
    /// `sglang` or `vllm`.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sglang => "sglang",
            Backend::Vllm => "vllm",
        }
    }

    /// `SGLang` or `vLLM`.
    pub fn title(self) -> &'static str {
        match self {
            Backend::Sglang => "SGLang",
            Backend::Vllm => "vLLM",
        }
    }
}

/// The statistics lines of one vLLM engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EngineSummary {
    /// `Engine NNN:` index (`None`: lines without one).
    pub engine: Option<u16>,
    /// Statistics lines.
    pub lines: u64,
    /// First and last line's timestamp.
    pub range: Option<(Timestamp, Timestamp)>,
}

/// A problem confined to one file, reported and counted, never fatal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// The file.
    pub file: String,
    /// What happened.
    pub message: String,
}
