//! The source abstraction: what one argument of `srtlog compare` gives.
//!
//! A [`Source`] has an optional **worker side** (worker logs, reduced to
//! series over the run's steady state, [`crate::workers_side`]) and an
//! optional **client side** ([`ClientSide`]): either per-request values
//! ([`ClientRequests`]: TTFT, time per output token, end-to-end latency,
//! tokens, success, completion times), on which confidence intervals and
//! tests are computed, or run-level figures only ([`RunFigures`], e.g. a
//! benchmark client's summary), whose deltas are printed marked "no
//! per-request data, no significance".
//!
//! Built in: run directories (worker logs found by
//! [`srtlog_workers::discover`], plus the request logs inside them), request
//! logs and AIPerf `profile_export.jsonl` exports (both read by
//! [`srtlog_requests::load`], formats.md §4 and §6). Other client result
//! files plug in through [`ClientReader`]: each reader is asked first about
//! every file (given, or found in a run directory) and returns a client
//! side when the file is its own.

use crate::client_side::client_from_table;
use crate::error::Error;
use crate::workers_side::{worker_side, WorkerSide};
use serde::Serialize;
use srtlog_io::walk::{walk, WalkOptions};
use srtlog_requests::LoadOptions;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Per-request client values. Vectors are per request, in input order;
/// missing values are NaN.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ClientRequests {
    /// Time to first token, ms.
    pub ttft_ms: Vec<f64>,
    /// Time per output token (inter-token latency), ms.
    pub tpot_ms: Vec<f64>,
    /// End-to-end latency, ms.
    pub e2e_ms: Vec<f64>,
    /// Generated tokens.
    pub output_tokens: Vec<f64>,
    /// Success: `Some(true)`, failure `Some(false)`, unknown `None`.
    pub ok: Vec<Option<bool>>,
    /// Start of each request, seconds since the first request started
    /// (NaN without a timestamp).
    pub start_s: Vec<f64>,
}

impl ClientRequests {
    /// Requests.
    pub fn len(&self) -> usize {
        self.ok.len()
    }

    /// True without requests.
    pub fn is_empty(&self) -> bool {
        self.ok.is_empty()
    }
}

/// Run-level client figures, keyed by the client metric ids of
/// [`crate::metrics::CLIENT_METRICS`] (`p99_ttft_ms`, `request_throughput`,
/// `error_rate`, …). Keys a source lacks are absent.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RunFigures {
    /// The figures.
    pub figures: BTreeMap<String, f64>,
}

/// The client side of a source.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ClientSide {
    /// Per-request values: intervals and tests are possible.
    PerRequest {
        /// What read them (`request log`, `AIPerf export`, a reader's name).
        reader: String,
        /// Files read.
        files: Vec<PathBuf>,
        /// The values.
        #[serde(skip)]
        requests: ClientRequests,
        /// Requests read.
        count: usize,
    },
    /// Run-level figures only: deltas without significance.
    RunLevel {
        /// What read them.
        reader: String,
        /// Files read.
        files: Vec<PathBuf>,
        /// The figures.
        figures: RunFigures,
    },
}

/// A reader of benchmark client result files (sglang `bench_serving`
/// JSONL, `vllm bench serve` JSON, GuideLLM, …), plugged into
/// [`crate::CompareOptions::readers`].
pub trait ClientReader: Send + Sync {
    /// A short name (`sglang bench_serving`), shown as the source's kind.
    fn name(&self) -> &'static str;
    /// The client side of `path` when the file is this reader's; `Ok(None)`
    /// when it is not (other readers are then asked); an error when it is
    /// but cannot be read.
    fn read(&self, path: &Path) -> Result<Option<ClientSide>, Error>;
}

/// One argument of `srtlog compare`, read.
#[derive(Clone, Debug, Serialize)]
pub struct Source {
    /// Label in tables (the folder or file name; made unique).
    pub label: String,
    /// The path given.
    pub path: PathBuf,
    /// `run directory`, `request log`, `AIPerf export`, or a reader's name.
    pub kind: String,
    /// The worker logs' side.
    pub workers: Option<WorkerSide>,
    /// The client's side.
    pub client: Option<ClientSide>,
}

/// Whether a file found in a run directory is worth asking the request-log
/// reader about: JSON lines (`.jsonl`, `.ndjson`, also `.gz`/`.zst`) and
/// SGLang request-metrics exports (`sglang-request-metrics-*.log`).
pub fn is_client_file_name(p: &Path) -> bool {
    if p.components().any(|c| c.as_os_str() == "cached_assets") {
        return false;
    }
    let name = p
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let base = name
        .strip_suffix(".gz")
        .or_else(|| name.strip_suffix(".zst"))
        .unwrap_or(&name);
    base.ends_with(".jsonl")
        || base.ends_with(".ndjson")
        || base.ends_with(".json")
        || base.starts_with("sglang-request-metrics")
}

/// Reads one argument.
pub fn read_source(
    path: &Path,
    readers: &[Box<dyn ClientReader>],
    progress: &std::sync::atomic::AtomicU64,
) -> Result<Source, Error> {
    if !path.exists() {
        return Err(Error::NotFound(path.to_path_buf()));
    }
    let label = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    if path.is_dir() {
        let workers = worker_side(path, progress)?;
        let worker_files: Vec<PathBuf> = workers
            .as_ref()
            .map(|w| w.files.iter().map(PathBuf::from).collect())
            .unwrap_or_default();
        let opts = WalkOptions {
            want_file: is_client_file_name,
            ..WalkOptions::default()
        };
        let found = walk(&[path.to_path_buf()], &opts).map_err(Error::Io)?;
        let files: Vec<PathBuf> = found
            .files
            .into_iter()
            .map(|f| f.path)
            .filter(|p| !worker_files.contains(p))
            .collect();
        let client = client_of_files(&files, readers)?;
        if workers.is_none() && client.is_none() {
            return Err(Error::NothingToCompare(path.to_path_buf()));
        }
        return Ok(Source {
            label,
            path: path.to_path_buf(),
            kind: "run directory".into(),
            workers,
            client,
        });
    }
    let client = client_of_files(&[path.to_path_buf()], readers)?;
    let Some(client) = client else {
        return Err(Error::NothingToCompare(path.to_path_buf()));
    };
    let kind = match &client {
        ClientSide::PerRequest { reader, .. } | ClientSide::RunLevel { reader, .. } => {
            reader.clone()
        }
    };
    Ok(Source {
        label,
        path: path.to_path_buf(),
        kind,
        workers: None,
        client: Some(client),
    })
}

/// The client side of `files`: the first plug-in reader that takes a file
/// wins it; the rest are read as request logs together. `None` when no
/// file holds a request.
fn client_of_files(
    files: &[PathBuf],
    readers: &[Box<dyn ClientReader>],
) -> Result<Option<ClientSide>, Error> {
    let mut rest = Vec::new();
    for f in files {
        let mut taken = None;
        for r in readers {
            if let Some(c) = r.read(f)? {
                taken = Some(c);
                break;
            }
        }
        match taken {
            // One client result per source: the first one found; the
            // other files are named, not read.
            Some(c) => {
                let others: Vec<String> = files
                    .iter()
                    .filter(|o| *o != f)
                    .map(|o| o.display().to_string())
                    .collect();
                if !others.is_empty() {
                    tracing::warn!(
                        "{}: the client result of this run; not read: {}",
                        f.display(),
                        others.join(", ")
                    );
                }
                return Ok(Some(c));
            }
            None => rest.push(f.clone()),
        }
    }
    if rest.is_empty() {
        return Ok(None);
    }
    let log = srtlog_requests::load(&rest, &LoadOptions::default()).map_err(Error::Requests)?;
    for f in log.files.iter().filter(|f| f.bad_lines > 0) {
        tracing::warn!(
            "{}: {} of {} lines skipped (not request records)",
            f.path.display(),
            f.bad_lines,
            f.lines
        );
    }
    if log.table.is_empty() {
        return Ok(None);
    }
    let aiperf = log
        .files
        .iter()
        .any(|f| f.schemas.keys().any(|k| k.contains("aiperf")));
    let files: Vec<PathBuf> = log
        .files
        .iter()
        .filter(|f| f.requests > 0)
        .map(|f| f.path.clone())
        .collect();
    let requests = client_from_table(&log.table);
    Ok(Some(ClientSide::PerRequest {
        reader: if aiperf {
            "AIPerf export"
        } else {
            "request log"
        }
        .into(),
        files,
        count: requests.len(),
        requests,
    }))
}
