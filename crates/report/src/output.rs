//! Writing a report atomically: into a temporary file beside the target,
//! then renamed over it. A crash or an error never leaves an empty or
//! half-written report, and an unwritable location is found before any
//! work is done ([`ReportFile::create`] comes first, the content later).

use crate::ReportError;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A report being written: a temporary file until [`ReportFile::commit`].
/// Dropped without committing, it removes the temporary file.
#[derive(Debug)]
pub struct ReportFile {
    target: PathBuf,
    tmp: PathBuf,
    file: Option<File>,
}

impl ReportFile {
    /// Creates the temporary file beside `target`; fails at once when the
    /// location is not writable (no folder, permission, a file in the way).
    pub fn create(target: &Path) -> Result<ReportFile, ReportError> {
        let io = |source| ReportError::Io {
            path: target.to_path_buf(),
            source,
        };
        if target.is_dir() {
            return Err(io(std::io::Error::new(
                std::io::ErrorKind::IsADirectory,
                "is a directory",
            )));
        }
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "report.html".into());
        let tmp = target.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
        let file = File::create(&tmp).map_err(io)?;
        Ok(ReportFile {
            target: target.to_path_buf(),
            tmp,
            file: Some(file),
        })
    }

    /// Writes `content` and renames the file into place.
    pub fn commit(mut self, content: &[u8]) -> Result<(), ReportError> {
        let io = |source| ReportError::Io {
            path: self.target.clone(),
            source,
        };
        if let Some(mut f) = self.file.take() {
            f.write_all(content).map_err(io)?;
            f.sync_all().map_err(io)?;
        }
        std::fs::rename(&self.tmp, &self.target).map_err(io)?;
        Ok(())
    }
}

impl Drop for ReportFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
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
}
