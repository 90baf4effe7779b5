//! A snapshot folder holding a FIFO and a dangling link named like
//! snapshots (issue 17 items 2 and 6): both become problems, nothing blocks
//! in `open()`, and the interval reader skips them too.

#![allow(clippy::unwrap_used)]

use std::os::unix::fs::symlink;
use std::time::Duration;

#[test]
fn fifos_and_dangling_links_are_problems() {
    let d = tempfile::tempdir().unwrap();
    assert!(std::process::Command::new("mkfifo")
        .arg(d.path().join("r1_before_20250101_000000_000000.txt"))
        .status()
        .unwrap()
        .success());
    symlink(
        d.path().join("gone"),
        d.path().join("r1_after_20250101_000001_000000.txt"),
    )
    .unwrap();
    let dir = d.path().to_path_buf();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let a = srtlog_snapshots::analyze_dir(&dir).unwrap();
        let t = srtlog_snapshots::interval::interval_dir(&dir).unwrap();
        let _ = tx.send((a, t));
    });
    let (a, t) = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("hung (or panicked)");
    let mut codes: Vec<&str> = a.problems.iter().map(|p| p.code).collect();
    codes.sort();
    assert_eq!(codes, ["not_regular", "unreadable"]);
    assert_eq!(a.files, 0);
    assert_eq!(t.problems.len(), 2);
}
