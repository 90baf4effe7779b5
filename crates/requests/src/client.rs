//! Benchmark-client result files as request-level sources: the job-level
//! API over [`srtlog_formats::bench`] (sglang.bench_serving JSON lines,
//! vLLM bench serve JSON, GuideLLM `benchmarks.json`; the schemas are in
//! `docs/client-formats.md`).
//!
//! * [`sniff_file`] recognises a file from its first mebibyte (compressed
//!   files are decoded first, as everywhere in srtlog).
//! * [`read_client_results`] reads one file into [`ClientResults`]: one
//!   [`ClientRun`] per run, each with its configuration, the tool's own
//!   run-level figures and, when the file holds them, per-request rows.
//! * [`request_table`] turns a run's rows into the request-log table
//!   ([`RequestTable`]), so `srtlog requests …` analyses them like any
//!   request log; [`RequestTable::to_record_batch`] gives the Arrow batch.
//!
//! Latencies are milliseconds everywhere (the tools' per-request lists are
//! in seconds and are converted by the decoders).

use crate::error::{Error, Result};
use crate::load::FileReport;
use serde::Serialize;
pub use srtlog_formats::bench::{
    sniff, BenchError, ClientRun, ClientTool, RequestRows, RunConfig, RunFigures, Stat,
};
use srtlog_formats::requests::{Num, Request, Schema};
use srtlog_io::open::open_decoded;
use srtlog_table::requests::RequestTable;
use std::borrow::Cow;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Bytes looked at by [`sniff_file`]: the deciding keys come before the
/// per-request lists and the server arguments (50 KB in real PD files).
pub const SNIFF_BYTES: u64 = 1 << 20;

/// The runs of one client result file.
#[derive(Clone, Debug, Serialize)]
pub struct ClientResults {
    /// The file.
    pub path: PathBuf,
    /// The tool that wrote it.
    pub tool: ClientTool,
    /// Its runs, in file order.
    pub runs: Vec<ClientRun>,
}

/// Which client wrote the file at `path`, from its first [`SNIFF_BYTES`];
/// `None` for other files and for files that cannot be read.
pub fn sniff_file(path: &Path) -> Option<ClientTool> {
    let (_, r) = open_decoded(path).ok()?;
    let mut head = Vec::new();
    r.take(SNIFF_BYTES).read_to_end(&mut head).ok()?;
    sniff(&head)
}

fn read_all(path: &Path) -> Result<Vec<u8>> {
    let (_, mut r) = open_decoded(path)?;
    let mut buf = Vec::new();
    r.read_to_end(&mut buf).map_err(|e| Error::io(path, e))?;
    Ok(buf)
}

/// Reads a client result file whole. Fails with
/// [`Error::NotClientResult`] when [`sniff_file`] does not recognise it,
/// and [`Error::ClientResult`] (naming the file and line) when it is
/// recognised but malformed.
pub fn read_client_results(path: &Path) -> Result<ClientResults> {
    let tool = sniff_file(path).ok_or_else(|| Error::NotClientResult(path.to_path_buf()))?;
    let bytes = read_all(path)?;
    let runs =
        srtlog_formats::bench::decode(tool, &bytes).map_err(|source| Error::ClientResult {
            path: path.to_path_buf(),
            source,
        })?;
    Ok(ClientResults {
        path: path.to_path_buf(),
        tool,
        runs,
    })
}

/// The message kept of a failed request: the last non-blank line of a
/// traceback (the exception), at most 200 bytes.
fn short_error(e: &str) -> String {
    let line = e
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or(e)
        .trim();
    let mut end = line.len().min(200);
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    line[..end].to_owned()
}

/// The run's per-request rows as request-log rows (`None` without rows).
///
/// Columns: `timestamp` (GuideLLM only), `request_id`, `model` (the run's),
/// `status` (`success`/`error`), `error_type` (the last line of the error),
/// `ok`, `latency_ms`, `ttft_ms`, `itl_ms`, `input_tokens`,
/// `output_tokens`, and the extra columns `tpot_ms`, `start_s` (seconds
/// after the run's first request), `run` (the run's index in its file),
/// `concurrency` and `request_rate` (the run's limits, when set) so that
/// `requests compare --by concurrency` separates the runs of a sweep.
pub fn request_table(run: &ClientRun, run_index: usize) -> Option<RequestTable> {
    let rows = run.per_request.as_ref()?;
    let mut t = RequestTable::new();
    t.reserve(rows.len());
    for i in 0..rows.len() {
        let mut r = Request::new(Schema::ClientResult);
        r.timestamp_ns = rows.timestamp_ns.get(i).copied().flatten();
        r.request_id = rows.request_id.get(i).cloned().flatten().map(Cow::Owned);
        r.model = run.config.model.as_deref().map(Cow::Borrowed);
        let ok = rows.ok.get(i).copied().unwrap_or(false);
        r.ok = Some(ok);
        r.status = Some(Cow::Borrowed(if ok { "success" } else { "error" }));
        r.error_type = rows
            .error
            .get(i)
            .cloned()
            .flatten()
            .map(|e| Cow::Owned(short_error(&e)));
        let at = |c: &[f64]| c.get(i).copied().unwrap_or(f64::NAN);
        r.set(Num::LatencyMs, at(&rows.latency_ms));
        r.set(Num::TtftMs, at(&rows.ttft_ms));
        r.set(Num::ItlMs, at(&rows.itl_ms));
        r.set(Num::InputTokens, at(&rows.input_tokens));
        r.set(Num::OutputTokens, at(&rows.output_tokens));
        r.extra.push((Cow::Borrowed("tpot_ms"), at(&rows.tpot_ms)));
        r.extra.push((Cow::Borrowed("start_s"), at(&rows.start_s)));
        r.extra.push((Cow::Borrowed("run"), run_index as f64));
        if let Some(c) = run.concurrency {
            r.extra.push((Cow::Borrowed("concurrency"), c));
        }
        if let Some(q) = run.request_rate {
            r.extra.push((Cow::Borrowed("request_rate"), q));
        }
        t.push(&r);
    }
    Some(t)
}

/// What the request-log reader notes about one run of a client file.
#[derive(Clone, Debug, Serialize)]
pub struct RunNote {
    /// The run's label.
    pub label: String,
    /// Schema generation recognised.
    pub generation: &'static str,
    /// Concurrency limit.
    pub concurrency: Option<f64>,
    /// Request-rate limit.
    pub request_rate: Option<f64>,
    /// Per-request rows read; `None`: the file holds run-level figures only.
    pub per_request_rows: Option<u64>,
    /// The tool's run-level figures.
    pub run_level: RunFigures,
}

/// The client part of a [`FileReport`].
#[derive(Clone, Debug, Serialize)]
pub struct ClientNote {
    /// The tool.
    pub tool: ClientTool,
    /// One note per run.
    pub runs: Vec<RunNote>,
}

/// Reads a recognised client file for the request-log loader: its rows
/// (every run's, in order) and its report. A malformed file is reported in
/// [`FileReport::error`] with no rows.
pub(crate) fn load_file(path: &Path, tool: ClientTool) -> (RequestTable, FileReport) {
    let mut rep = FileReport {
        path: path.to_path_buf(),
        ..Default::default()
    };
    let mut table = RequestTable::new();
    let read = read_all(path).and_then(|b| {
        rep.bytes = b.len() as u64;
        srtlog_formats::bench::decode(tool, &b).map_err(|source| Error::ClientResult {
            path: path.to_path_buf(),
            source,
        })
    });
    let runs = match read {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!("{e}");
            rep.error = Some(e.to_string());
            return (table, rep);
        }
    };
    let mut notes = Vec::with_capacity(runs.len());
    for (i, run) in runs.iter().enumerate() {
        rep.lines += 1;
        let t = request_table(run, i);
        match &t {
            Some(t) => table.append(t),
            None => rep.not_per_request += 1,
        }
        notes.push(RunNote {
            label: run.label.clone(),
            generation: run.generation,
            concurrency: run.concurrency,
            request_rate: run.request_rate,
            per_request_rows: t.as_ref().map(|t| t.len() as u64),
            run_level: run.run_level.clone(),
        });
    }
    rep.requests = table.len() as u64;
    if rep.requests > 0 {
        rep.schemas.insert(tool.name(), rep.requests);
    }
    rep.client = Some(ClientNote { tool, runs: notes });
    (table, rep)
}
