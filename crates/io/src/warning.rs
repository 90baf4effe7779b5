//! Problems confined to one input path: reported, counted and skipped, never
//! fatal. Every reader of the I/O layer ([`crate::walk`](mod@crate::walk), [`crate::blocks`])
//! hands these to its caller, which shows them; "one bad file never stops
//! the others" holds because nothing here is an error.

use std::fmt;
use std::path::{Path, PathBuf};

/// What went wrong with a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WarningKind {
    /// A directory reached again through a symbolic link (a loop such as
    /// `ln -s . logs/self`, or two links to one folder): not walked again.
    Loop,
    /// A file reached again (a second link, a hard link): read once.
    Duplicate,
    /// A FIFO, socket or device: skipped without being opened (opening a
    /// FIFO blocks until a writer appears).
    NotRegular,
    /// A dangling symbolic link, a permission error, a read error.
    Unreadable,
    /// A gzip or zstd stream that ends early or is corrupt: the lines
    /// decoded before are kept.
    Truncated,
    /// Lines longer than the input kind's cap: skipped and counted.
    Overlong,
}

/// A problem with one path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// The path it is about.
    pub path: PathBuf,
    /// What kind of problem.
    pub kind: WarningKind,
    /// What happened, for people (without the path).
    pub message: String,
}

impl Warning {
    /// A warning about `path`.
    pub fn new(path: impl Into<PathBuf>, kind: WarningKind, message: impl Into<String>) -> Self {
        Warning {
            path: path.into(),
            kind,
            message: message.into(),
        }
    }

    /// The path it is about.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}
