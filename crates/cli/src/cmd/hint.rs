//! "Wrong tool for the input" (issue 17 item 23): when a command finds
//! nothing it can read, the inputs are sniffed
//! ([`srtlog::formats::sniff`]) and the error names what they are and the
//! command that reads them, instead of "no batches" or "not a directory".
//! Each command calls [`wrong_tool`] from its "nothing found" path only, so
//! a run with data never pays for it.

use srtlog::formats::sniff::{sniff, InputKind, SNIFF_BYTES};
use std::path::{Path, PathBuf};

/// Files of a folder looked at (the first, by name).
const FOLDER_FILES: usize = 64;

/// What one file is, from its head; `None` when it cannot be read.
pub fn kind_of(path: &Path) -> Option<InputKind> {
    srtlog::io::open::read_decoded_head(path, SNIFF_BYTES)
        .ok()
        .map(|h| sniff(&h))
}

/// The hint for inputs a command expecting `wanted` could not use: one
/// sentence per input that is recognisably another kind; `None` when every
/// input is `wanted`, unreadable or unrecognised (the command's own
/// message then stands).
pub fn wrong_tool(paths: &[PathBuf], wanted: InputKind) -> Option<String> {
    let mut hints = Vec::new();
    for p in paths {
        if p.is_dir() {
            if let Some(h) = folder_hint(p, wanted) {
                hints.push(h);
            }
        } else if let Some(k) = kind_of(p) {
            if k != wanted && k != InputKind::Unknown {
                hints.push(k.hint(&p.display().to_string()));
            }
        }
    }
    (!hints.is_empty()).then(|| hints.join("; "))
}

/// A folder (and its `logs/`): the kinds its files are, when none is
/// `wanted`.
fn folder_hint(dir: &Path, wanted: InputKind) -> Option<String> {
    let logs = dir.join("logs");
    let dir = if logs.is_dir() {
        logs
    } else {
        dir.to_path_buf()
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files.truncate(FOLDER_FILES);
    let mut found: Vec<(InputKind, usize)> = Vec::new();
    for f in &files {
        let Some(k) = kind_of(f) else { continue };
        if k == wanted {
            return None;
        }
        if k == InputKind::Unknown {
            continue;
        }
        match found.iter_mut().find(|(x, _)| *x == k) {
            Some((_, n)) => *n += 1,
            None => found.push((k, 1)),
        }
    }
    let d = dir.display().to_string();
    let parts: Vec<String> = found
        .iter()
        .map(|(k, n)| {
            let what = k.describe();
            let cmd = match k {
                InputKind::WorkerLog => format!("srtlog parse {d}"),
                InputKind::PromSnapshot => format!("srtlog snapshots {d}"),
                InputKind::AiperfExport => format!("srtlog aiperf {d}"),
                InputKind::RequestLog => format!("srtlog requests summary {d}"),
                _ => k.command(&d).unwrap_or_default(),
            };
            format!("{d} holds {n} file(s) that look like {what}: read them with `{cmd}`")
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join("; "))
}
