//! Test helpers shared by srtlog's crates.
//!
//! Real sample files live in `../shared/data` beside the checkout (their
//! licences differ, so they are never copied into the repository). Tests that
//! read them call [`shared_data`]: in CI (`CI=true`) a missing folder fails the
//! test loudly; elsewhere the test is skipped with a printed reason.
#![warn(missing_docs)]

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap_or_else(|_| PathBuf::from("."))
}

/// `../shared/data` beside the checkout, or `None` (skip) outside CI.
///
/// # Panics
/// In CI (`CI=true`) when the folder is missing: the real-data tests must run
/// there.
pub fn shared_data() -> Option<PathBuf> {
    let dir = std::env::var_os("SRTLOG_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("../shared/data"));
    if dir.is_dir() {
        return Some(dir);
    }
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    assert!(
        !ci,
        "CI=true but the real sample data is missing at {} (set SRTLOG_SHARED_DATA)",
        dir.display()
    );
    eprintln!(
        "skipped: real sample data not found at {} (set SRTLOG_SHARED_DATA)",
        dir.display()
    );
    None
}

/// A file under [`shared_data`], or `None` (skip).
///
/// # Panics
/// When the data folder exists but the file does not (a renamed fixture
/// must not silently skip a test).
pub fn shared_file(rel: &str) -> Option<PathBuf> {
    let p = shared_data()?.join(rel);
    assert!(p.exists(), "sample file missing: {}", p.display());
    Some(p)
}
