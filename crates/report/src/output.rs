//! Writing a report atomically: into a temporary file beside the target,
//! then renamed over it. A crash or an error never leaves an empty or
//! half-written report, and an unwritable location is found before any
//! work is done ([`ReportFile::create`] comes first, the content later).

use crate::ReportError;
use srtlog_io::AtomicFile;
use std::io::Write;
use std::path::Path;

/// A report being written: a temporary file until [`ReportFile::commit`].
/// Dropped without committing, it removes the temporary file. A thin
/// wrapper over [`srtlog_io::AtomicFile`], the one atomic writer, which also
/// clears temporaries left by killed runs.
#[derive(Debug)]
pub struct ReportFile {
    file: AtomicFile,
}

/// An I/O-layer error as a [`ReportError::Io`] about `target`.
fn report_error(target: &Path, e: srtlog_io::Error) -> ReportError {
    let source = match e {
        srtlog_io::Error::Io { source, .. } => source,
        other => std::io::Error::new(std::io::ErrorKind::NotFound, other.to_string()),
    };
    ReportError::Io {
        path: target.to_path_buf(),
        source,
    }
}

impl ReportFile {
    /// Creates the temporary file beside `target`; fails at once when the
    /// location is not writable (no folder, permission, a file in the way).
    pub fn create(target: &Path) -> Result<ReportFile, ReportError> {
        let file = AtomicFile::create(target).map_err(|e| report_error(target, e))?;
        Ok(ReportFile { file })
    }

    /// Writes `content` and renames the file into place.
    pub fn commit(mut self, content: &[u8]) -> Result<(), ReportError> {
        let target = self.file.target().to_path_buf();
        self.file
            .write_all(content)
            .map_err(|source| ReportError::Io {
                path: target.clone(),
                source,
            })?;
        self.file.commit().map_err(|e| report_error(&target, e))
    }
}

/// Writes `content` to `target` atomically.
pub fn write_atomic(target: &Path, content: &[u8]) -> Result<(), ReportError> {
    ReportFile::create(target)?.commit(content)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_and_abandon() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("r.html");
        write_atomic(&p, b"<html>").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"<html>");
        let abandoned = ReportFile::create(&d.path().join("x.html")).unwrap();
        drop(abandoned);
        let names: Vec<_> = std::fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("r.html")]);
    }

    #[test]
    fn unwritable_locations_fail_early() {
        let d = tempfile::tempdir().unwrap();
        let file = d.path().join("f");
        std::fs::write(&file, "x").unwrap();
        let e = ReportFile::create(&file.join("r.html")).unwrap_err();
        assert!(e.to_string().starts_with("cannot write "), "{e}");
        assert!(ReportFile::create(d.path()).is_err());
    }

    #[test]
    fn an_abandoned_report_leaves_the_previous_one_and_no_temporary() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("r.html");
        write_atomic(&p, b"old").unwrap();
        // Half a report, then an error: the writer is dropped uncommitted.
        let mut f = ReportFile::create(&p).unwrap();
        f.file.write_all(b"<html><body>half").unwrap();
        drop(f);
        assert_eq!(std::fs::read(&p).unwrap(), b"old");
        // A killed run's temporary (no process has this pid) is cleared by
        // the next report written there.
        let stale = d.path().join(".r.html.2147483632.tmp");
        std::fs::write(&stale, "half").unwrap();
        write_atomic(&p, b"new").unwrap();
        assert!(!stale.exists());
        let names: Vec<_> = std::fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("r.html")]);
        assert_eq!(std::fs::read(&p).unwrap(), b"new");
    }
}
