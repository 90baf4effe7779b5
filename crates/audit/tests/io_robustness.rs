//! Hostile log folders for `audit` and `follow` (issue 17 items 1, 2, 6
//! and 7): dangling links, symbolic-link loops and FIFOs beside a valid log
//! are reported and skipped, the valid log is read once, nothing hangs; the
//! Grafana dashboards are written atomically. A hang fails the test through
//! a generous timeout guard.

#![allow(clippy::unwrap_used)]

use srtlog_audit::follow::{follow, list, Matcher};
use srtlog_audit::logs::{collect_files, collect_files_reported, scan};
use std::os::unix::fs::symlink;
use std::path::PathBuf;
use std::time::Duration;

/// Runs `f` on another thread; a hang fails the test after a minute.
fn guarded<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(60))
        .expect("hung (or panicked): see the thread's message above")
}

/// A folder with one valid log (5 lines about request r-1), a dangling
/// link, a FIFO and three symbolic-link loops.
fn hostile() -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let logs = d.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let mut text = String::new();
    for i in 0..5 {
        text.push_str(&format!(
            "{{\"timestamp\":\"2025-01-01T10:00:0{i}Z\",\"level\":\"INFO\",\"message\":\"step {i}\",\"request_id\":\"r-1\"}}\n"
        ));
    }
    std::fs::write(logs.join("api.log"), text).unwrap();
    symlink(logs.join("gone.log"), logs.join("bad.log")).unwrap();
    assert!(std::process::Command::new("mkfifo")
        .arg(logs.join("pipe.log"))
        .status()
        .unwrap()
        .success());
    symlink(".", logs.join("self")).unwrap();
    symlink("../logs", logs.join("a")).unwrap();
    symlink("../logs", logs.join("b")).unwrap();
    (d, logs)
}

#[test]
fn audit_reads_the_valid_log_once_and_reports_the_rest() {
    let (_d, logs) = hostile();
    let l = logs.clone();
    let s = guarded(move || scan(&collect_files(&[l]).unwrap()));
    assert_eq!(s.files.len(), 1, "one file, not one per link");
    assert_eq!(s.totals.lines, 5);
    let (_, skipped) = collect_files_reported(&[logs]).unwrap();
    let mut names: Vec<String> = skipped
        .iter()
        .map(|(p, _)| p.rsplit('/').next().unwrap().to_string())
        .collect();
    names.sort();
    assert_eq!(names, ["a", "b", "bad.log", "pipe.log", "self"]);
}

#[test]
fn follow_reports_unreadable_files_and_goes_on() {
    let (_d, logs) = hostile();
    let l = logs.clone();
    let tl = guarded(move || follow(&[l], &Matcher::Exact("r-1".into())).unwrap());
    assert_eq!(tl.events.len(), 5, "each line once");
    assert_eq!(tl.ids, ["r-1"]);
    assert_eq!(tl.skipped.len(), 5, "{:?}", tl.skipped);
    let (ids, skipped) = guarded(move || list(&[logs]).unwrap());
    assert_eq!(ids.len(), 1);
    assert_eq!(ids[0].lines, 5);
    assert_eq!(skipped.len(), 5);
}

#[test]
fn follow_keeps_a_truncated_stream_s_lines() {
    let d = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for i in 0..20_000 {
        text.push_str(&format!(
            "2025-01-01 10:00:00,000 - api - INFO - request_id=r-{i} done\n"
        ));
    }
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut e, text.as_bytes()).unwrap();
    let gz = e.finish().unwrap();
    let p = d.path().join("api.log.gz");
    std::fs::write(&p, &gz[..gz.len() / 2]).unwrap();
    let ok = d.path().join("ok.log");
    std::fs::write(
        &ok,
        "2025-01-01 10:00:00,000 - api - INFO - request_id=r-1 again\n",
    )
    .unwrap();
    let tl = follow(&[p, ok], &Matcher::Exact("r-1".into())).unwrap();
    assert_eq!(tl.events.len(), 2, "{:?}", tl.events);
    assert_eq!(tl.skipped.len(), 1);
    assert!(tl.skipped[0].1.contains("read error"), "{:?}", tl.skipped);
}

#[test]
fn dashboards_report_unreadable_files_and_go_on() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("ok.json"), r#"{"panels": []}"#).unwrap();
    symlink(d.path().join("gone.json"), d.path().join("bad.json")).unwrap();
    let a = srtlog_audit::dashboards::audit(d.path(), None).unwrap();
    assert_eq!(a.files, 2);
    assert_eq!(a.invalid.len(), 1);
    assert!(a.invalid[0].0.ends_with("bad.json"));
}

#[test]
fn grafana_dashboards_are_written_atomically() {
    let d = tempfile::tempdir().unwrap();
    let m = srtlog_audit::metrics::audit(
        b"# TYPE vllm:num_requests_running gauge\nvllm:num_requests_running 1\n",
        "snap",
    );
    // A stale temporary of a killed run (no process has this pid).
    let stale = d.path().join(".batch-processing.json.2147483632.tmp");
    std::fs::write(&stale, "half").unwrap();
    let written = srtlog_audit::grafana::write(&m, d.path()).unwrap();
    assert!(!written.is_empty());
    assert!(!stale.exists(), "the stale temporary is removed");
    for p in &written {
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap();
        assert!(v.get("panels").is_some());
    }
    let left: Vec<_> = std::fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn audit_run_lists_the_walker_s_warnings_and_grades_the_valid_log() {
    let (_d, logs) = hostile();
    let opts = srtlog_audit::Options {
        paths: vec![logs],
        ..Default::default()
    };
    let a = guarded(move || srtlog_audit::run(&opts).unwrap());
    assert_eq!(a.logs.files.len(), 1);
    assert_eq!(a.logs.totals.lines, 5);
    let mut names: Vec<String> = a
        .logs
        .skipped
        .iter()
        .map(|(p, _)| p.rsplit('/').next().unwrap().to_string())
        .collect();
    names.sort();
    assert_eq!(names, ["a", "b", "bad.log", "pipe.log", "self"]);
    let skipped = a
        .findings
        .iter()
        .find(|f| f.check == "skipped input")
        .expect("a skipped-input finding");
    assert!(
        skipped.value.starts_with("5 files skipped"),
        "{}",
        skipped.value
    );
    assert!(
        skipped.evidence.iter().any(|e| e.contains("bad.log")),
        "{:?}",
        skipped.evidence
    );
    // The valid log is still graded: all five lines are structured JSON.
    let structured = a
        .areas
        .iter()
        .find(|x| x.area == "structured logging")
        .unwrap();
    assert!(structured.score.unwrap() > 90.0, "{structured:?}");
}

#[test]
fn audit_metrics_that_are_not_a_regular_file_are_reported_without_blocking() {
    let d = tempfile::tempdir().unwrap();
    let fifo = d.path().join("metrics.txt");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    for (path, what) in [(fifo, "a FIFO"), (d.path().to_path_buf(), "a folder")] {
        let opts = srtlog_audit::Options {
            metrics: Some(srtlog_audit::MetricsSource::File(path)),
            ..Default::default()
        };
        let a = guarded(move || srtlog_audit::run(&opts).unwrap());
        assert!(a.metrics.is_none());
        assert!(
            a.unchecked.iter().any(|u| u.starts_with("metrics: ")
                && u.contains(&format!("not a regular file ({what})"))),
            "{:?}",
            a.unchecked
        );
    }
}
