//! Typed errors of the I/O layer. Every variant names the file it is about.

use std::path::PathBuf;

/// An I/O failure, with the path it concerns.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A path given by the user does not exist.
    #[error("{0}: no such file or directory")]
    NotFound(PathBuf),
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// What happened, without the path: for a [`crate::Warning`], which
    /// names its path itself (`x.log: x.log: …` otherwise).
    pub fn cause_text(&self) -> String {
        match self {
            Error::NotFound(_) => "no such file or directory".to_string(),
            Error::Io { source, .. } => source.to_string(),
        }
    }

    /// An [`Error::Io`] about `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// Result alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;
