//! `DATASET/_srtlog_manifest.json`: what the dataset holds, per run and
//! source, with each source file's fingerprint
//! ([`srtlog_io::fingerprint`](mod@srtlog_io::fingerprint), the parse
//! cache's: canonical path, size, mtime, ctime, inode, head and tail hash).
//!
//! A source whose files all have the fingerprints recorded, and whose
//! partition file is in place, is not read again. The manifest is written
//! atomically after each run, so an interrupted ingest keeps the runs it
//! completed and the next one redoes only the rest. Its name starts with
//! `_`, which DuckDB, Spark and pyarrow skip when they list the dataset.

use crate::schema::SourceWarning;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use srtlog_io::Fingerprint;
use std::collections::BTreeMap;
use std::path::Path;

/// The manifest's file name.
pub const MANIFEST: &str = "_srtlog_manifest.json";
/// The layout version; a manifest of another layout is ignored (everything
/// is read again and rewritten).
pub const LAYOUT: u32 = 1;

/// The manifest.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Manifest {
    /// [`LAYOUT`].
    pub layout: u32,
    /// The srtlog version that wrote it last.
    pub srtlog_version: String,
    /// Runs by id.
    pub runs: BTreeMap<String, RunEntry>,
}

/// One run.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct RunEntry {
    /// Canonical path of the run folder.
    pub path: String,
    /// Its sources, in table and path order.
    pub sources: Vec<SourceEntry>,
}

/// One source of a run.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SourceEntry {
    /// Table name.
    pub table: String,
    /// The file or snapshot folder, as found.
    pub path: String,
    /// Fingerprints of its files.
    pub files: Vec<Fingerprint>,
    /// Its partition file, relative to the dataset (none when it had no
    /// rows).
    pub part: Option<String>,
    /// Rows in the partition file.
    pub rows: u64,
    /// The `worker_type=` value (worker logs).
    pub partition: Option<String>,
    /// Counts for the run summary.
    pub counts: BTreeMap<String, u64>,
    /// Its warnings when it was read.
    pub warnings: Vec<SourceWarning>,
}

impl Manifest {
    /// Reads `DATASET/_srtlog_manifest.json`; none, or one of another
    /// layout, is an empty manifest. An unreadable or corrupt one is an
    /// error (it would otherwise be overwritten and the dataset forgotten).
    pub fn load(dataset: &Path) -> Result<Manifest> {
        let path = dataset.join(MANIFEST);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Manifest::new()),
            Err(e) => return Err(Error::io(&path, e)),
        };
        let m: Manifest = serde_json::from_str(&text).map_err(|e| Error::Manifest {
            path: path.clone(),
            why: format!("{e}; remove it to ingest everything again"),
        })?;
        if m.layout != LAYOUT {
            tracing::info!(
                "{}: layout {} (this srtlog writes {LAYOUT}); reading every run again",
                path.display(),
                m.layout
            );
            return Ok(Manifest::new());
        }
        Ok(m)
    }

    /// An empty manifest of this layout.
    pub fn new() -> Manifest {
        Manifest {
            layout: LAYOUT,
            srtlog_version: env!("CARGO_PKG_VERSION").into(),
            runs: BTreeMap::new(),
        }
    }

    /// Writes it, atomically.
    pub fn store(&mut self, dataset: &Path) -> Result<()> {
        self.srtlog_version = env!("CARGO_PKG_VERSION").into();
        let text = serde_json::to_string_pretty(self)
            .map_err(|e| Error::io(dataset.join(MANIFEST), e.into()))?;
        srtlog_io::write_atomic(&dataset.join(MANIFEST), text.as_bytes())?;
        Ok(())
    }

    /// Canonical run path → id.
    pub fn ids(&self) -> BTreeMap<String, String> {
        self.runs
            .iter()
            .map(|(id, r)| (r.path.clone(), id.clone()))
            .collect()
    }
}
