//! `srtlog viz` and `srtlog stats` as library calls: discover the worker
//! logs, parse them in parallel, and reduce the rows to series
//! ([`crate::series`]) as they are parsed.
//!
//! With a valid Parquet cache of the logs folder (written by `srtlog parse`)
//! the logs are not read at all: the cached rows are reduced instead
//! ([`crate::replay`]), with the same result as a fresh parse. The cache is
//! only read here, never written.
//!
//! Memory stays bounded for multi-GB runs: [`parse_files_streaming`] hands
//! over table parts a window of chunks at a time, each part is reduced to
//! bucketed values at once and dropped. No file's, let alone the run's,
//! rows are ever held together.
//!
//! ```no_run
//! use srtlog_workers::viz::{build, VizRequest};
//! let out = build(&VizRequest::new(vec!["/path/to/job/logs".into()]), &Default::default())?;
//! for c in &out.series.charts {
//!     println!("{}: {} lines", c.metric.title, c.series.len());
//! }
//! # Ok::<(), srtlog_workers::viz::VizError>(())
//! ```

use crate::cache::{self, CachePaths};
use crate::discover::{discover, Discovery};
use crate::error::Error;
use crate::series::WorkerMeta;
use crate::series::{SeriesBuilder, SeriesOptions, SeriesSet};
use crate::summary::{RunSummary, WorkerSummary};
use crate::worker::{parse_files_streaming, ParseOptions};
use std::cell::RefCell;
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;

/// What to chart and how.
#[derive(Clone, Debug)]
pub struct VizRequest {
    /// Files and folders.
    pub paths: Vec<PathBuf>,
    /// Grouping, bucket width, downsampling.
    pub series: SeriesOptions,
    /// Parsing options (`keep_table` is always set).
    pub options: ParseOptions,
    /// Read a valid Parquet cache of the logs folder instead of the logs.
    pub use_cache: bool,
}

impl VizRequest {
    /// A request with default options.
    pub fn new(paths: Vec<PathBuf>) -> VizRequest {
        VizRequest {
            paths,
            series: SeriesOptions::default(),
            options: ParseOptions::default(),
            use_cache: true,
        }
    }
}

/// The outcome: series and statistics, and the summary of the same parse.
#[derive(Clone, Debug)]
pub struct VizOutcome {
    /// Per-worker summary and totals (as `srtlog parse` prints them).
    pub summary: RunSummary,
    /// Charts and statistics.
    pub series: SeriesSet,
    /// Discovery details.
    pub discovery: Discovery,
}

/// Why there is nothing to chart.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VizError {
    /// Discovery or parsing failed (missing path, no worker logs, I/O).
    #[error(transparent)]
    Parse(#[from] Error),
    /// Worker logs were found, but none holds a batch line (SGLang) or an
    /// engine-statistics line (vLLM).
    #[error("{path}: no batch or engine-statistics lines in {workers} worker log{s} (only start-up lines); nothing to analyse", s = if *.workers == 1 { "" } else { "s" })]
    NoBatches {
        /// The path searched.
        path: PathBuf,
        /// Worker logs found.
        workers: usize,
    },
}

/// Discovers, parses and reduces. `progress` counts input bytes scanned.
pub fn build(req: &VizRequest, progress: &AtomicU64) -> Result<VizOutcome, VizError> {
    let discovery = discover(&req.paths)?;
    let path = req.paths.first().cloned().unwrap_or_default();
    if discovery.files.is_empty() {
        return Err(Error::NoWorkerLogs {
            path,
            looked_for: "{node}_{prefill|decode|agg}_{worker}.{out,err} files, or .log/.out/.err/.txt files (also .gz/.zst) holding SGLang server arguments or Prefill/Decode batch lines",
        }
        .into());
    }
    if req.use_cache {
        if let Some(out) = from_cache(req, &discovery) {
            return finish(out.1, out.0, discovery, path);
        }
    }
    let opts = ParseOptions {
        keep_table: true,
        ..req.options.clone()
    };
    // Both callbacks feed the builder; they are never called at once.
    let builder = RefCell::new(SeriesBuilder::new(req.series.clone()));
    let mut workers = Vec::with_capacity(discovery.files.len());
    // Parts arrive in file order, each file's before its `on_done`.
    parse_files_streaming(
        &discovery.files,
        &opts,
        progress,
        |_, rb| {
            builder.borrow_mut().add_part(&rb);
            Ok(())
        },
        |log, _exact| {
            // Rows were reduced per rank tags; the exact primary ranks
            // decide the duplicates, whether or not the streamed flags were.
            builder
                .borrow_mut()
                .end_file(WorkerMeta::of(&log), Some(&log.primary));
            workers.push(WorkerSummary::from_log(&log));
            Ok(())
        },
    )?;
    let series = builder.into_inner().finish();
    finish(series, workers, discovery, path)
}

fn finish(
    series: SeriesSet,
    workers: Vec<WorkerSummary>,
    discovery: Discovery,
    path: PathBuf,
) -> Result<VizOutcome, VizError> {
    if series.has_no_batches() {
        return Err(VizError::NoBatches {
            path,
            workers: workers.len(),
        });
    }
    let summary = RunSummary::new(
        discovery.run_name.clone(),
        discovery.logs_dir.as_ref().map(|d| d.display().to_string()),
        workers,
    );
    Ok(VizOutcome {
        summary,
        series,
        discovery,
    })
}

/// The workers' summaries and the series from a valid cache of the logs
/// folder, or `None` (no folder, no valid cache, or a cache that does not
/// replay: then the logs are parsed, as without a cache).
fn from_cache(req: &VizRequest, d: &Discovery) -> Option<(Vec<WorkerSummary>, SeriesSet)> {
    let paths = CachePaths::of(d.logs_dir.as_deref()?);
    let current = cache::fingerprints(&d.files).ok()?;
    let meta = cache::load_valid(&paths, &current, req.options.year)?;
    let series = match crate::replay::series(&paths, &meta, &d.files, req.series.clone()) {
        Ok(s) => s,
        Err(e) => {
            tracing::info!("{e}; reading the logs instead");
            return None;
        }
    };
    tracing::debug!(cache = %paths.parquet.display(), "series from the cache");
    // The file names as this call found them (the cache may have been
    // written through another spelling of the same folder), so that the
    // summary is the one a fresh parse of these paths gives.
    let workers = meta
        .summary
        .workers
        .into_iter()
        .zip(&d.files)
        .map(|(mut w, f)| {
            w.file = f.path.display().to_string();
            w.node = f.node.clone();
            w.worker_id = f.worker_id.clone();
            w
        })
        .collect();
    Some((workers, series))
}
