//! Typed errors of the request-log job.

/// Errors that stop a request-log operation. A bad line or file is not one:
/// it is counted and reported per file ([`crate::FileReport`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing a file failed, or a path does not exist.
    #[error(transparent)]
    Io(#[from] srtlog_io::Error),
    /// The table layer failed (Arrow, Parquet).
    #[error(transparent)]
    Table(#[from] srtlog_table::TableError),
    /// A benchmark-client result file that is recognised but malformed.
    #[error("{}: {source}", path.display())]
    ClientResult {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong, with the line.
        source: srtlog_formats::bench::BenchError,
    },
    /// A file given as a client result that no reader recognises.
    #[error("{}: not a sglang.bench_serving, vLLM bench serve or GuideLLM result file", .0.display())]
    NotClientResult(std::path::PathBuf),
}

impl Error {
    /// An I/O error about `path`.
    pub fn io(path: impl Into<std::path::PathBuf>, source: std::io::Error) -> Self {
        Error::Io(srtlog_io::Error::io(path, source))
    }
}

/// Result alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;
