//! `srtlog viz` and `srtlog stats` as library calls: discover the worker
//! logs, parse them in parallel, and reduce the rows to series
//! ([`crate::series`]) as they are parsed.
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
}

impl VizRequest {
    /// A request with default options.
    pub fn new(paths: Vec<PathBuf>) -> VizRequest {
        VizRequest {
            paths,
            series: SeriesOptions::default(),
            options: ParseOptions::default(),
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
    let builder = builder.into_inner();
    let series = builder.finish();
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
