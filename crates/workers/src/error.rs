//! Typed errors of the library. Every variant names the file it is about.

use std::path::PathBuf;

/// Errors that stop an operation. Problems confined to one file or line are
/// not errors but counted [`crate::worker::Warning`]s, so one bad file never
/// hides the others.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A path given by the user does not exist.
    #[error("{0}: no such file or directory")]
    NotFound(PathBuf),
    /// Nothing under the path looked like a worker log.
    #[error("{path}: no worker logs found (looked for {looked_for})")]
    NoWorkerLogs {
        /// The path searched.
        path: PathBuf,
        /// What was looked for, for the message.
        looked_for: &'static str,
    },
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The table layer failed (Parquet, Arrow).
    #[error(transparent)]
    Table(#[from] srtlog_table::TableError),
}

impl From<srtlog_io::Error> for Error {
    fn from(e: srtlog_io::Error) -> Self {
        match e {
            srtlog_io::Error::NotFound(p) => Error::NotFound(p),
            srtlog_io::Error::Io { path, source } => Error::Io { path, source },
            other => Error::Io {
                path: std::path::PathBuf::new(),
                source: std::io::Error::other(other.to_string()),
            },
        }
    }
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// Result alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;
