//! Hostile AIPerf folders and files (issue 17 items 1, 2 and 4): a sweep
//! folder linked to itself lists each run once, a FIFO named like an export
//! is skipped unopened, an overlong line is a bad line with its number, and
//! line numbers of bad lines are absolute across blocks. A hang fails the
//! test through a generous timeout guard.

#![allow(clippy::unwrap_used)]

use srtlog_aiperf::{analyze_path, find_exports, AiperfOptions, Outcome};
use srtlog_sim::aiperf::{write_aiperf_export, AiperfConfig};
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::time::Duration;

fn guarded<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(60))
        .expect("hung (or panicked): see the thread's message above")
}

fn export(dir: &Path, bytes: u64) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let p = dir.join("profile_export.jsonl");
    let cfg = AiperfConfig {
        records: 0,
        target_bytes: Some(bytes),
        ..AiperfConfig::default()
    };
    write_aiperf_export(&p, &cfg).unwrap();
    p
}

#[test]
fn a_sweep_linked_to_itself_is_one_run() {
    let d = tempfile::tempdir().unwrap();
    let run = d.path().join("sweep/run-concurrency8");
    export(&run, 200 << 10);
    symlink(".", d.path().join("sweep/self")).unwrap();
    symlink("../sweep", d.path().join("sweep/a")).unwrap();
    symlink("../sweep", d.path().join("sweep/b")).unwrap();
    assert!(std::process::Command::new("mkfifo")
        .arg(d.path().join("sweep/x-profile_export.jsonl"))
        .status()
        .unwrap()
        .success());
    let sweep = d.path().join("sweep");
    let s = sweep.clone();
    assert_eq!(guarded(move || find_exports(&s)).len(), 1);
    let outcome = guarded(move || {
        analyze_path(&sweep, AiperfOptions::default(), &AtomicU64::new(0)).unwrap()
    });
    assert!(matches!(outcome, Outcome::Run(_)), "one run, not 4 copies");
}

#[test]
fn bad_line_numbers_are_absolute_across_blocks() {
    let d = tempfile::tempdir().unwrap();
    let p = export(&d.path().join("run"), 20 << 20);
    let text = std::fs::read_to_string(&p).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let n = lines.len();
    assert!(n > 1000);
    // Bad lines near the start, in the middle (past the first 8 MiB block)
    // and near the end.
    for at in [10, n / 2, n - 3] {
        lines.insert(at, "not json");
    }
    std::fs::write(&p, lines.join("\n") + "\n").unwrap();
    let Outcome::Run(a) = analyze_path(&p, AiperfOptions::default(), &AtomicU64::new(0)).unwrap()
    else {
        panic!()
    };
    assert_eq!(a.input.bad_json, 3);
    let at: Vec<u64> = a.input.bad_examples.iter().map(|b| b.line).collect();
    // Each insertion counts the ones before it: lines 11, n/2 + 1, n - 2.
    assert_eq!(at, [11, n as u64 / 2 + 1, n as u64 - 2]);
}

#[test]
fn a_cut_last_line_across_a_block_boundary_is_a_truncated_last_line() {
    let d = tempfile::tempdir().unwrap();
    let p = export(&d.path().join("run"), 7 << 20);
    let mut text = std::fs::read(&p).unwrap();
    assert!(text.len() < 8 << 20);
    // A record cut short (a killed benchmark) that starts before the 8 MiB
    // block boundary and ends after it, without `\n`.
    let rest = (8 << 20) - text.len() + 100_000;
    text.extend_from_slice(b"{\"metadata\": {\"x_request_id\": \"");
    text.extend(std::iter::repeat_n(b'a', rest));
    std::fs::write(&p, &text).unwrap();
    let Outcome::Run(a) = analyze_path(&p, AiperfOptions::default(), &AtomicU64::new(0)).unwrap()
    else {
        panic!()
    };
    assert!(a.input.truncated_last_line);
    assert_eq!(a.input.bad_json, 0);
}
