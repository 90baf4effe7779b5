//! Errors of `srtlog compare`.

use std::path::PathBuf;

/// Why a comparison cannot be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A path given does not exist.
    #[error("{}: no such file or folder", .0.display())]
    NotFound(PathBuf),
    /// Neither worker logs nor client results in a path.
    #[error("{}: no worker logs, request logs, AIPerf export or benchmark result found; nothing to compare", .0.display())]
    NothingToCompare(PathBuf),
    /// Fewer than two runs.
    #[error("compare needs at least two runs (or one sweep folder with two or more run folders); got {0}")]
    TooFewRuns(usize),
    /// Reading worker logs failed.
    #[error(transparent)]
    Workers(#[from] srtlog_workers::Error),
    /// Reading request logs failed.
    #[error(transparent)]
    Requests(srtlog_requests::Error),
    /// Walking a folder failed.
    #[error(transparent)]
    Io(srtlog_io::Error),
    /// A client result file could not be read.
    #[error("{}: {message}", path.display())]
    Reader {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}
