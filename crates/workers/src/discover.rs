//! Finding worker logs under the paths a user gives, and which engine wrote
//! each.
//!
//! A run directory is read through its `logs/` folder when it has one. Files
//! named `{node}_{prefill|decode|agg}_{worker}.{out,err}` are workers by name;
//! frontend/router files and srtlog's own `cached_assets/` are not. Other
//! files (`sglang_server.log`, `prefill.log`, `vllm.log`, `vllm_server.log`,
//! …) are workers when their head holds SGLang or vLLM server lines.
//! `.gz`/`.zst` files are sniffed after decompression. Folders are walked by
//! [`srtlog_io::walk`](mod@srtlog_io::walk) (each file once, loops and FIFOs reported).
//!
//! A benchmark client's console log that quotes a server line or two is not
//! a worker ([`srtlog_formats::sniff::is_client_log`]): it is skipped with
//! [`CLIENT_LOG`] as the reason.
//!
//! The backend of every worker file, whatever its name (srt-slurm writes
//! vLLM workers to `{node}_{mode}_w{i}.out` too, formats.md §1.9), is decided
//! from its head by [`sniff_backend`].

use crate::error::{Error, Result};
use crate::types::{Backend, WorkerType};
use memchr::memmem;
use srtlog_formats::line::normalize;
use srtlog_formats::naming::{parse_worker_name, strip_compression, Role};
use srtlog_formats::sniff::is_client_log;
use srtlog_io::walk::{walk, Walk, WalkOptions};
use srtlog_io::{Warning, WarningKind};
use std::path::{Path, PathBuf};

/// Bytes of a file's head examined when its name does not say what it is.
const SNIFF_BYTES: usize = 1 << 20;
/// Bytes of a conventionally named file's head examined for its backend.
const BACKEND_SNIFF_BYTES: usize = 256 << 10;
/// How deep folders are searched.
const MAX_DEPTH: usize = 4;

/// One worker file to parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkerFile {
    /// Path.
    pub path: PathBuf,
    /// Node name (from the file name, or the file stem).
    pub node: String,
    /// Worker id (`w0`, …; `w0` for files without the convention).
    pub worker_id: String,
    /// The type the file name declares, if it follows the convention.
    pub declared_type: Option<WorkerType>,
    /// Size on disk in bytes.
    pub size: u64,
    /// The engine that wrote it (from its head; SGLang when it says nothing).
    pub backend: Backend,
}

impl WorkerFile {
    /// Describes a file from its name and, for the backend, its head.
    pub fn from_path(path: &Path) -> Result<WorkerFile> {
        // An unreadable head is reported when the file is parsed.
        let head =
            srtlog_io::open::read_decoded_head(path, BACKEND_SNIFF_BYTES).unwrap_or_default();
        Self::with_head(path, &head)
    }

    /// Describes a file from its name and the head already read.
    pub fn with_head(path: &Path, head: &[u8]) -> Result<WorkerFile> {
        let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::NotFound(path.to_path_buf()),
            _ => Error::io(path, e),
        })?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (node, worker_id, declared_type) = match parse_worker_name(&name) {
            Some(w) => (
                w.node.to_string(),
                w.worker_id.to_string(),
                match w.role {
                    Role::Prefill => Some(WorkerType::Prefill),
                    Role::Decode => Some(WorkerType::Decode),
                    Role::Agg => Some(WorkerType::Agg),
                    Role::Frontend => None,
                },
            ),
            None => {
                let base = strip_compression(&name);
                let stem = base.rsplit_once('.').map_or(base, |(s, _)| s);
                (stem.to_string(), "w0".to_string(), None)
            }
        };
        Ok(WorkerFile {
            path: path.to_path_buf(),
            node,
            worker_id,
            declared_type,
            size: meta.len(),
            backend: sniff_backend(head).unwrap_or_default(),
        })
    }
}

/// What discovery found.
#[derive(Clone, Debug, Default)]
pub struct Discovery {
    /// The logs folder (cache location), when the input was one folder.
    pub logs_dir: Option<PathBuf>,
    /// The run's name (the run directory's name), for titles.
    pub run_name: String,
    /// Worker files, sorted by path.
    pub files: Vec<WorkerFile>,
    /// Files looked at and not taken, with the reason (for `-v`).
    pub skipped: Vec<(PathBuf, &'static str)>,
    /// Paths that could not be read, FIFOs, symbolic-link loops: reported
    /// and skipped.
    pub warnings: Vec<Warning>,
}

/// Does this head look like an SGLang worker log?
pub fn sniff_sglang(head: &[u8]) -> bool {
    sglang_marker(head).is_some()
}

/// Offset of the first SGLang-only marker in `head`.
fn sglang_marker(head: &[u8]) -> Option<usize> {
    [
        &b"Prefill batch"[..],
        b"Decode batch",
        b"ServerArgs(",
        b"sglang.launch_server",
    ]
    .iter()
    .filter_map(|m| memmem::find(head, m))
    .min()
}

/// Which engine wrote a log, from its head; `None` when neither.
///
/// Markers only one engine prints decide ([`srtlog_formats::vllm::has_vllm_marker`]
/// for vLLM; batch lines, `ServerArgs(` or the launch module for SGLang),
/// the earlier one when both appear. Without markers the lines with a vLLM
/// prefix (`INFO 08-18 02:58:03 [importing.py:88] …`) are counted against
/// those with an SGLang prefix: SGLang logs hold a few vLLM-style lines of
/// libraries they import (formats.md §1.9), so vLLM needs the majority.
pub fn sniff_backend(head: &[u8]) -> Option<Backend> {
    match (
        sglang_marker(head),
        srtlog_formats::vllm::has_vllm_marker(head),
    ) {
        (Some(_), None) => return Some(Backend::Sglang),
        (None, Some(_)) => return Some(Backend::Vllm),
        (Some(s), Some(v)) => {
            return Some(if v < s {
                Backend::Vllm
            } else {
                Backend::Sglang
            })
        }
        (None, None) => {}
    }
    let (mut v, mut s) = (0usize, 0usize);
    let mut scratch = Vec::new();
    for raw in head.split(|&b| b == b'\n').take(2000) {
        let line = normalize(raw, &mut scratch);
        if srtlog_formats::vllm::split_prefix(line).is_some() {
            v += 1;
        } else if srtlog_formats::sglang::split_prefix(line).is_some() {
            s += 1;
        }
    }
    (v > 0 && v > s).then_some(Backend::Vllm)
}

fn is_candidate_name(name: &str) -> bool {
    let base = strip_compression(name);
    match base.rsplit_once('.') {
        Some((_, ext)) => matches!(ext, "log" | "out" | "err" | "txt"),
        None => true,
    }
}

/// How worker logs are walked: four folder levels at most, not into
/// srtlog's own `cached_assets/` or hidden folders.
const WALK: WalkOptions = WalkOptions {
    max_depth: Some(MAX_DEPTH - 1),
    skip_dir: |name| name == "cached_assets" || name.starts_with('.'),
    want_file: |_| true,
};

/// Finds worker files under `paths` (files and folders).
///
/// Paths that cannot be read (dangling links, permissions), FIFOs and
/// sockets, and folders reached twice through symbolic links are reported
/// in [`Discovery::warnings`] (and logged) and skipped: one bad path never
/// hides the others.
pub fn discover(paths: &[PathBuf]) -> Result<Discovery> {
    let mut d = Discovery::default();
    if let [single] = paths {
        if single.is_dir() {
            let logs = single.join("logs");
            let dir = if logs.is_dir() { logs } else { single.clone() };
            let run = if dir.file_name().is_some_and(|n| n == "logs") {
                dir.parent()
            } else {
                Some(dir.as_path())
            };
            d.run_name = run
                .and_then(|r| r.canonicalize().ok())
                .and_then(|r| r.file_name().map(|n| n.to_string_lossy().into_owned()))
                .unwrap_or_else(|| "run".into());
            let w = walk(std::slice::from_ref(&dir), &WALK)?;
            take(w, &mut d);
            d.logs_dir = Some(dir);
            d.files.sort_by(|a, b| a.path.cmp(&b.path));
            return Ok(d);
        }
    }
    let w = walk(paths, &WALK)?;
    take(w, &mut d);
    d.run_name = match paths {
        [one] => one
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        _ => format!("{} inputs", paths.len()),
    };
    d.files.sort_by(|a, b| a.path.cmp(&b.path));
    d.files.dedup_by(|a, b| a.path == b.path);
    Ok(d)
}

/// Why a benchmark client's log is not taken (`-v`, `--json`).
pub const CLIENT_LOG: &str =
    "a benchmark client's log (it quotes a few server lines; mostly not a server's): not a worker log";

/// Skips a benchmark client's log, saying so.
fn client_log(path: PathBuf, d: &mut Discovery) {
    tracing::info!("{}: {CLIENT_LOG}", path.display());
    d.skipped.push((path, CLIENT_LOG));
}

/// Classifies the files a walk found; its warnings are reported.
fn take(w: Walk, d: &mut Discovery) {
    for warning in w.warnings {
        tracing::warn!("{warning}");
        // Also listed with the other skipped files (`-v`, `--json`).
        let why = match warning.kind {
            WarningKind::Loop => "folder reached again through a symbolic link",
            WarningKind::Duplicate => "the same file as one already read",
            WarningKind::NotRegular => "not a regular file (FIFO, socket or device)",
            _ => "unreadable (dangling link or permission)",
        };
        d.skipped.push((warning.path.clone(), why));
        d.warnings.push(warning);
    }
    for f in w.files {
        let path = f.path;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let file = if f.given {
            // Files named explicitly are parsed whatever their content,
            // except a benchmark client's log (issue 17 item 14): it is no
            // worker, and the command says what it is.
            match srtlog_io::open::read_decoded_head(&path, BACKEND_SNIFF_BYTES) {
                Ok(head) if is_client_log(&head) => {
                    client_log(path, d);
                    continue;
                }
                Ok(head) => WorkerFile::with_head(&path, &head),
                Err(_) => WorkerFile::from_path(&path),
            }
        } else {
            match parse_worker_name(&name) {
                Some(w) if w.role == Role::Frontend => {
                    d.skipped.push((path, "frontend/router log"));
                    continue;
                }
                Some(_) => WorkerFile::from_path(&path),
                None if !is_candidate_name(&name) => {
                    d.skipped.push((path, "not a log file name"));
                    continue;
                }
                None => match srtlog_io::open::read_decoded_head(&path, SNIFF_BYTES) {
                    Ok(head) if is_client_log(&head) => {
                        client_log(path, d);
                        continue;
                    }
                    Ok(head) if sniff_backend(&head).is_some() => {
                        WorkerFile::with_head(&path, &head)
                    }
                    Ok(_) => {
                        d.skipped
                            .push((path, "no SGLang or vLLM server lines in its head"));
                        continue;
                    }
                    Err(_) => {
                        d.skipped.push((path, "unreadable"));
                        continue;
                    }
                },
            }
        };
        match file {
            Ok(f) => d.files.push(f),
            // Gone or unreadable since the walk: reported, not fatal.
            Err(e) => {
                let w = Warning::new(&path, WarningKind::Unreadable, e.to_string());
                tracing::warn!("{w}");
                d.skipped
                    .push((path, "unreadable (dangling link or permission)"));
                d.warnings.push(w);
            }
        }
    }
}
