//! Rust errors as Python exceptions: a missing path is `FileNotFoundError`,
//! a bad argument `ValueError`, input srtlog cannot use `srtlog.ParseError`
//! (a `ValueError`), other I/O `OSError`; each carries the Rust error's
//! message, the one the CLI prints after `error: `.

use pyo3::create_exception;
use pyo3::exceptions::{PyFileNotFoundError, PyKeyboardInterrupt, PyOSError, PyValueError};
use pyo3::PyErr;

create_exception!(
    _srtlog,
    ParseError,
    PyValueError,
    "Input srtlog could not use (no logs found, unreadable records); the message is the CLI's."
);

/// What kind of failure, for the exception type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A path that does not exist.
    NotFound,
    /// Reading or writing failed.
    Io,
    /// The input held nothing usable.
    Parse,
    /// A bad argument (unknown metric, bad method).
    Value,
    /// Ctrl-C while waiting.
    Interrupted,
}

/// An error crossing into Python: its kind and the full message.
#[derive(Debug, Clone)]
pub struct Failure {
    /// Exception type.
    pub kind: Kind,
    /// The message (with its causes, as the CLI prints them).
    pub message: String,
}

impl Failure {
    /// A failure of `kind` with `message`.
    pub fn new(kind: Kind, message: impl Into<String>) -> Self {
        Failure {
            kind,
            message: message.into(),
        }
    }
}

/// The message with its causes joined by `: ` (anyhow's `{:#}`, as the CLI prints).
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let m = c.to_string();
        if !s.ends_with(&m) {
            s.push_str(": ");
            s.push_str(&m);
        }
        cur = c.source();
    }
    s
}

impl From<srtlog::Error> for Failure {
    fn from(e: srtlog::Error) -> Self {
        let kind = match &e {
            srtlog::Error::NotFound(_) => Kind::NotFound,
            srtlog::Error::NoWorkerLogs { .. } => Kind::Parse,
            srtlog::Error::Io { source, .. }
                if source.kind() == std::io::ErrorKind::Interrupted =>
            {
                Kind::Interrupted
            }
            srtlog::Error::Io { .. } => Kind::Io,
            _ => Kind::Parse,
        };
        Failure::new(kind, chain(&e))
    }
}

impl From<srtlog::io::Error> for Failure {
    fn from(e: srtlog::io::Error) -> Self {
        let kind = match &e {
            srtlog::io::Error::NotFound(_) => Kind::NotFound,
            _ => Kind::Io,
        };
        Failure::new(kind, chain(&e))
    }
}

impl From<srtlog::requests::Error> for Failure {
    fn from(e: srtlog::requests::Error) -> Self {
        match e {
            srtlog::requests::Error::Io(io) => io.into(),
            other => Failure::new(Kind::Parse, chain(&other)),
        }
    }
}

impl From<Failure> for PyErr {
    fn from(f: Failure) -> PyErr {
        match f.kind {
            Kind::NotFound => PyFileNotFoundError::new_err(f.message),
            Kind::Io => PyOSError::new_err(f.message),
            Kind::Parse => ParseError::new_err(f.message),
            Kind::Value => PyValueError::new_err(f.message),
            Kind::Interrupted => PyKeyboardInterrupt::new_err(f.message),
        }
    }
}

/// `ValueError` with a message.
pub fn value(e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(e.to_string())
}
