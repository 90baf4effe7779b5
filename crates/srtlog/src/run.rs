//! `srtlog parse` as a library call: discover, reuse or rebuild the cache,
//! parse in parallel, summarise.

use crate::cache::{self, CachePaths};
use crate::discover::{discover, Discovery};
use crate::error::{Error, Result};
use crate::summary::{RunSummary, WorkerSummary};
use crate::worker::{parse_files, ParseOptions, Warning};
use srtlog_table::node_metrics::schema;
use srtlog_table::parquet_io::ParquetSink;
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
}

/// Runs a parse. `progress` counts input bytes scanned.
pub fn parse_run(req: &ParseRequest, progress: &AtomicU64) -> Result<ParseOutcome> {
    let discovery = discover(&req.paths)?;
    if discovery.files.is_empty() {
        let path = req.paths.first().cloned().unwrap_or_default();
        return Err(Error::NoWorkerLogs {
            path,
            looked_for: "{node}_{prefill|decode|agg}_{worker}.{out,err} files, or .log/.out/.err/.txt files (also .gz/.zst) holding SGLang server arguments or Prefill/Decode batch lines",
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
        if let Some(summary) = cache::load_valid(p, fp) {
            tracing::debug!(cache = %p.parquet.display(), "cache is valid");
            return Ok(ParseOutcome {
                summary,
                cache: CacheStatus::Hit(p.parquet.clone()),
                discovery,
            });
        }
    }
    let mut opts = req.options.clone();
    opts.keep_table = cache_paths.is_some();
    let mut sink: Option<ParquetSink> = None;
    let mut cache_error: Option<String> = None;
    if let Some(p) = &cache_paths {
        let made = std::fs::create_dir_all(&p.dir)
            .map_err(|e| format!("{}: {e}", p.dir.display()))
            .and_then(|_| ParquetSink::create(&p.parquet, schema()).map_err(|e| e.to_string()));
        match made {
            Ok(s) => sink = Some(s),
            Err(e) => {
                tracing::warn!("cannot write the cache: {e}");
                cache_error = Some(e);
                opts.keep_table = false;
            }
        }
    }
    let mut workers = Vec::with_capacity(discovery.files.len());
    parse_files(&discovery.files, &opts, progress, |w| {
        for warning in &w.warnings {
            log_warning(warning);
        }
        if let Some(s) = sink.as_mut() {
            for b in &w.table {
                if let Err(e) = s.write(b) {
                    cache_error = Some(e.to_string());
                }
            }
        }
        workers.push(WorkerSummary::from_log(&w));
        Ok(())
    })?;
    let summary = RunSummary::new(
        discovery.run_name.clone(),
        logs_dir.as_ref().map(|d| d.display().to_string()),
        workers,
    );
    let cache = match (sink, cache_paths, fingerprints) {
        (Some(s), Some(p), Some(fp)) if cache_error.is_none() => {
            match s
                .finish()
                .map_err(Error::from)
                .and_then(|()| cache::store_meta(&p, fp, &summary))
            {
                Ok(()) => CacheStatus::Written(p.parquet),
                Err(e) => CacheStatus::Failed(e.to_string()),
            }
        }
        _ => match cache_error {
            Some(e) => CacheStatus::Failed(e),
            None => CacheStatus::Disabled,
        },
    };
    Ok(ParseOutcome {
        summary,
        cache,
        discovery,
    })
}

fn log_warning(w: &Warning) {
    tracing::debug!(file = %w.file, "{}", w.message);
}
