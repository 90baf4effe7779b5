//! `srtlog parse` as a library call: discover, reuse or rebuild the cache,
//! parse in parallel, summarise; with [`ParseRequest::series`], also reduce
//! the rows to series in the same pass (`parse --stats` reads the logs once),
//! or from the cache when it is valid ([`crate::replay`]).

use crate::cache::{self, CachePaths, FileReplay};
use crate::discover::{discover, Discovery};
use crate::error::{Error, Result};
use crate::series::{SeriesBuilder, SeriesOptions, SeriesSet, WorkerMeta};
use crate::summary::{RunSummary, WorkerSummary};
use crate::worker::{parse_files, parse_files_streaming, ParseOptions, Warning};
use srtlog_table::node_metrics::schema;
use srtlog_table::parquet_io::ParquetSink;
use srtlog_table::RecordBatch;
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;

/// What to parse and how.
#[derive(Clone, Debug)]
pub struct ParseRequest {
    /// Files and folders.
    pub paths: Vec<PathBuf>,
    /// Read and write the Parquet cache (only when the input is one folder).
    pub use_cache: bool,
    /// Parsing options (`keep_table` is set as needed).
    pub options: ParseOptions,
    /// Also reduce the rows to series and statistics (as `srtlog stats`),
    /// in the same pass over the logs, or from a valid cache.
    pub series: Option<SeriesOptions>,
}

/// What happened to the cache.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CacheStatus {
    /// The cache was valid and used; nothing was parsed.
    Hit(PathBuf),
    /// Logs were parsed and the cache written.
    Written(PathBuf),
    /// No cache (disabled, or the input was not one folder).
    Disabled,
    /// Writing the cache failed; the summary is still complete.
    Failed(String),
}

/// The outcome of a parse.
#[derive(Clone, Debug)]
pub struct ParseOutcome {
    /// The summary.
    pub summary: RunSummary,
    /// Cache status.
    pub cache: CacheStatus,
    /// Discovery details (skipped files).
    pub discovery: Discovery,
    /// The series, when [`ParseRequest::series`] asked for them.
    pub series: Option<SeriesSet>,
}

/// Runs a parse. `progress` counts input bytes scanned.
pub fn parse_run(req: &ParseRequest, progress: &AtomicU64) -> Result<ParseOutcome> {
    let discovery = discover(&req.paths)?;
    if discovery.files.is_empty() {
        let path = req.paths.first().cloned().unwrap_or_default();
        return Err(Error::NoWorkerLogs {
            path,
            looked_for: "{node}_{prefill|decode|agg}_{worker}.{out,err} files, or .log/.out/.err/.txt files (also .gz/.zst) holding SGLang server arguments or Prefill/Decode batch lines, or vLLM server lines",
        });
    }
    let logs_dir = discovery.logs_dir.clone();
    let cache_paths = logs_dir
        .as_deref()
        .filter(|_| req.use_cache)
        .map(CachePaths::of);
    let fingerprints = match &cache_paths {
        Some(_) => Some(cache::fingerprints(&discovery.files)?),
        None => None,
    };
    if let (Some(p), Some(fp)) = (&cache_paths, &fingerprints) {
        if let Some(meta) = cache::load_valid(p, fp, req.options.year) {
            tracing::debug!(cache = %p.parquet.display(), "cache is valid");
            let series = match &req.series {
                None => Ok(None),
                Some(o) => crate::replay::series(p, &meta, &discovery.files, o.clone()).map(Some),
            };
            // A cache whose rows cannot be replayed is rebuilt below.
            match series {
                Ok(series) => {
                    return Ok(ParseOutcome {
                        summary: meta.summary,
                        cache: CacheStatus::Hit(p.parquet.clone()),
                        discovery,
                        series,
                    })
                }
                Err(e) => tracing::info!("{e}; rebuilding the cache"),
            }
        }
    }
    let mut opts = req.options.clone();
    opts.keep_table = cache_paths.is_some() || req.series.is_some();
    let mut cache_error: Option<String> = None;
    let mut writer: Option<Writer> = None;
    if let Some(p) = &cache_paths {
        match open_sink(p) {
            Ok(s) => writer = Some(Writer::spawn(s)),
            Err(e) => {
                tracing::warn!("cannot write the cache: {e}");
                cache_error = Some(e);
                opts.keep_table = req.series.is_some();
            }
        }
    }
    let mut workers = Vec::with_capacity(discovery.files.len());
    let replay = std::cell::RefCell::new(vec![FileReplay::default(); discovery.files.len()]);
    let mut exact = true;
    // Both callbacks feed the builder; they are never called at once.
    let builder = std::cell::RefCell::new(req.series.clone().map(SeriesBuilder::new));
    let parsed = parse_files_streaming(
        &discovery.files,
        &opts,
        progress,
        |file, rb| {
            if let Some(b) = builder.borrow_mut().as_mut() {
                b.add_part(&rb);
            }
            if let Some(r) = replay.borrow_mut().get_mut(file) {
                r.parts.push(rb.num_rows() as u64);
            }
            if let Some(w) = writer.as_ref() {
                w.send(rb);
            }
            Ok(())
        },
        |w, file_exact| {
            for warning in &w.warnings {
                log_warning(warning);
            }
            exact &= file_exact;
            if let Some(r) = replay.borrow_mut().get_mut(workers.len()) {
                r.start_us = w.stats.any_first.map(|t| t.0);
                r.primary = FileReplay::primary_of(&w.primary);
            }
            if let Some(b) = builder.borrow_mut().as_mut() {
                // As `viz` does: the exact primary ranks decide the
                // duplicates, whether or not the streamed flags were.
                b.end_file(WorkerMeta::of(&w), Some(&w.primary));
            }
            workers.push(WorkerSummary::from_log(&w));
            Ok(())
        },
    );
    let mut written = writer.map(Writer::join);
    parsed?;
    if !exact {
        if let (Some(Ok(())), Some(p)) = (&written, &cache_paths) {
            tracing::info!(
                "a file's rank layout changed after its first chunk; rebuilding the cache exactly"
            );
            written = Some(rewrite_exact(p, &discovery, &opts));
        }
    }
    let summary = RunSummary::new(
        discovery.run_name.clone(),
        logs_dir.as_ref().map(|d| d.display().to_string()),
        workers,
    );
    let cache = match (written, cache_paths, fingerprints) {
        (Some(Ok(())), Some(p), Some(fp)) => {
            match cache::store_meta(&p, fp, &summary, req.options.year, replay.into_inner()) {
                Ok(()) => CacheStatus::Written(p.parquet),
                Err(e) => CacheStatus::Failed(e.to_string()),
            }
        }
        (Some(Err(e)), _, _) => CacheStatus::Failed(e),
        _ => match cache_error {
            Some(e) => CacheStatus::Failed(e),
            None => CacheStatus::Disabled,
        },
    };
    Ok(ParseOutcome {
        summary,
        cache,
        discovery,
        series: builder.into_inner().map(SeriesBuilder::finish),
    })
}

fn open_sink(p: &CachePaths) -> Result<ParquetSink, String> {
    std::fs::create_dir_all(&p.dir).map_err(|e| format!("{}: {e}", p.dir.display()))?;
    ParquetSink::create(&p.parquet, schema()).map_err(|e| e.to_string())
}

/// Rewrites the cache holding one file's rows at a time, so every
/// `duplicate` flag is decided with the whole file known.
fn rewrite_exact(p: &CachePaths, d: &Discovery, opts: &ParseOptions) -> Result<(), String> {
    let mut sink = open_sink(p)?;
    parse_files(&d.files, opts, &AtomicU64::new(0), |w| {
        for b in &w.table {
            sink.write(b)?;
        }
        Ok(())
    })
    .map_err(|e| e.to_string())?;
    sink.finish().map_err(|e| e.to_string())
}

/// The Parquet writer thread. Encoding and compressing the rows runs here
/// while the parser goes on with the next chunks.
struct Writer {
    tx: std::sync::mpsc::SyncSender<RecordBatch>,
    handle: std::thread::JoinHandle<Result<(), String>>,
}

impl Writer {
    fn spawn(mut sink: ParquetSink) -> Writer {
        // A small bound: the parser waits rather than queueing rows in memory.
        let (tx, rx) = std::sync::mpsc::sync_channel::<RecordBatch>(2);
        let handle = std::thread::spawn(move || {
            let mut failed = None;
            for batch in rx {
                // After a failure, keep draining so the parser never blocks.
                if failed.is_none() {
                    if let Err(e) = sink.write(&batch) {
                        failed = Some(e.to_string());
                    }
                }
            }
            match failed {
                Some(e) => Err(e),
                None => sink.finish().map_err(|e| e.to_string()),
            }
        });
        Writer { tx, handle }
    }

    fn send(&self, batch: RecordBatch) {
        // A send error means the thread is gone; `join` reports why.
        let _ = self.tx.send(batch);
    }

    fn join(self) -> Result<(), String> {
        drop(self.tx);
        self.handle
            .join()
            .unwrap_or_else(|_| Err("the Parquet writer thread panicked".into()))
    }
}

fn log_warning(w: &Warning) {
    tracing::debug!(file = %w.file, "{}", w.message);
}
