//! Output that is complete or absent.
//!
//! Every file srtlog writes (Parquet caches, HTML reports, CSV and JSON-lines
//! exports, Grafana dashboards, snapshots) goes through [`AtomicFile`]: bytes
//! are written to a temporary file beside the target, flushed to disk, and
//! renamed over the target only when complete. A crash, `kill -9`, a full disk
//! or an error midway never leaves a half-written file and never destroys the
//! previous one; the rename is atomic on POSIX file systems when both names are
//! in one directory, which is why the temporary file sits beside the target.
//!
//! The temporary file is created first, so an unwritable location fails
//! before any work is done.
//!
//! A run killed midway leaves its temporary file behind (`kill -9` runs no
//! destructor). The next [`AtomicFile::create`] in that folder removes the
//! temporaries of processes that no longer exist ([`remove_stale`]), so
//! leftovers never pile up.

use crate::error::{Error, Result};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// A file being written: a temporary file until [`AtomicFile::commit`].
/// Dropped without committing, it removes the temporary file.
#[derive(Debug)]
pub struct AtomicFile {
    target: PathBuf,
    tmp: PathBuf,
    file: Option<BufWriter<File>>,
}

/// The temporary name srtlog uses beside `target`: hidden, with the process
/// id so that two writers never share one, and a `.tmp` suffix that
/// [`is_temporary`] recognises for clean-up.
pub fn temporary_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    target.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

/// Whether a file name is one of [`temporary_path`]'s.
pub fn is_temporary(name: &str) -> bool {
    name.starts_with('.') && name.ends_with(".tmp")
}

/// The process id in a [`temporary_path`] name (`.{name}.{pid}.tmp`).
pub fn temporary_pid(name: &str) -> Option<u32> {
    let stem = name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let (_, pid) = stem.rsplit_once('.')?;
    pid.parse().ok()
}

/// Whether process `pid` is running (Linux: `/proc/{pid}` exists). Where
/// there is no `/proc`, every process is taken as alive, so nothing is
/// removed that might still be written.
fn is_alive(pid: u32) -> bool {
    if !Path::new("/proc/self").exists() {
        return true;
    }
    Path::new(&format!("/proc/{pid}")).exists()
}

/// Removes the temporary files in `dir` left by srtlog processes that no
/// longer run (a `kill -9`, a full disk, a power loss). Returns the files
/// removed. Errors are ignored: clean-up is best effort and never stops the
/// write that triggered it.
pub fn remove_stale(dir: &Path) -> Vec<PathBuf> {
    let mut removed = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return removed;
    };
    let me = std::process::id();
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = temporary_pid(&name) else {
            continue;
        };
        if pid == me || is_alive(pid) || !e.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        if std::fs::remove_file(e.path()).is_ok() {
            removed.push(e.path());
        }
    }
    removed
}

impl AtomicFile {
    /// Creates the temporary file beside `target`; fails at once when the
    /// location is not writable (no folder, permission, a file in the way,
    /// or `target` is a directory).
    pub fn create(target: &Path) -> Result<AtomicFile> {
        if target.is_dir() {
            return Err(Error::io(
                target,
                io::Error::new(io::ErrorKind::IsADirectory, "is a directory"),
            ));
        }
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        remove_stale(dir);
        let tmp = temporary_path(target);
        let file = File::create(&tmp).map_err(|e| Error::io(target, e))?;
        Ok(AtomicFile {
            target: target.to_path_buf(),
            tmp,
            file: Some(BufWriter::with_capacity(1 << 16, file)),
        })
    }

    /// The file this will become.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Flushes, syncs and renames the file into place.
    pub fn commit(mut self) -> Result<()> {
        let io = |e| Error::io(&self.target, e);
        if let Some(w) = self.file.take() {
            let f = w.into_inner().map_err(|e| io(e.into_error()))?;
            f.sync_all().map_err(io)?;
        }
        std::fs::rename(&self.tmp, &self.target).map_err(io)
    }

    fn writer(&mut self) -> io::Result<&mut BufWriter<File>> {
        self.file
            .as_mut()
            .ok_or_else(|| io::Error::other("atomic file already committed"))
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer()?.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.writer()?.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer()?.flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Writes `content` to `target` atomically.
pub fn write_atomic(target: &Path, content: &[u8]) -> Result<()> {
    let mut f = AtomicFile::create(target)?;
    f.write_all(content).map_err(|e| Error::io(target, e))?;
    f.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(d: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn commit_and_abandon() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("r.html");
        write_atomic(&p, b"<html>").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"<html>");
        let mut abandoned = AtomicFile::create(&d.path().join("x.csv")).unwrap();
        abandoned.write_all(b"half").unwrap();
        drop(abandoned);
        assert_eq!(names(d.path()), vec!["r.html".to_string()]);
    }

    #[test]
    fn the_old_file_survives_an_abandoned_write() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("x.csv");
        write_atomic(&p, b"old").unwrap();
        let mut w = AtomicFile::create(&p).unwrap();
        w.write_all(b"new, half").unwrap();
        drop(w);
        assert_eq!(std::fs::read(&p).unwrap(), b"old");
    }

    #[test]
    fn unwritable_locations_fail_early() {
        let d = tempfile::tempdir().unwrap();
        let file = d.path().join("f");
        std::fs::write(&file, "x").unwrap();
        let e = AtomicFile::create(&file.join("r.html")).unwrap_err();
        assert!(e.to_string().contains("r.html"), "{e}");
        assert!(AtomicFile::create(d.path()).is_err());
    }

    #[test]
    fn stale_temporaries_are_removed_live_ones_kept() {
        let d = tempfile::tempdir().unwrap();
        // No process has pid 0x7fff_fff0 (above Linux's pid_max).
        let dead = d.path().join(".x.csv.2147483632.tmp");
        let live = d.path().join(format!(".y.csv.{}.tmp", std::process::id()));
        let other = d.path().join(".notes.tmp");
        for p in [&dead, &live, &other] {
            std::fs::write(p, "half").unwrap();
        }
        write_atomic(&d.path().join("z.csv"), b"z").unwrap();
        assert!(!dead.exists());
        assert!(live.exists() && other.exists());
        assert_eq!(temporary_pid(".x.csv.17.tmp"), Some(17));
        assert_eq!(temporary_pid(".notes.tmp"), None);
    }

    #[test]
    fn temporary_names_are_recognised() {
        let t = temporary_path(Path::new("/a/b/report.html"));
        let name = t.file_name().unwrap().to_string_lossy().into_owned();
        assert!(is_temporary(&name), "{name}");
        assert!(!is_temporary("report.html"));
    }
}
