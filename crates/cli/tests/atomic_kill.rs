//! Output is complete or absent (issue 11, issue 17 item 7): `requests
//! export` killed midway (SIGKILL, as `kill -9`) leaves the previous file
//! intact, never half a file, and the next run in that folder removes the
//! temporary the killed run left.
//!
//! The kill is timed by the writer, not by the clock: the test waits until
//! the export's temporary file exists and holds bytes, then kills it, so it
//! tests a write in progress on any machine. A generous timeout guards
//! against a hang.

#![allow(clippy::unwrap_used)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const OLD: &str = "old,content\n1,2\n";

/// A request log large enough that exporting it takes well over a second
/// in a debug build (250,000 requests, about 60 MB).
fn big_log(path: &Path) {
    let mut s = String::with_capacity(64 << 20);
    for i in 0..250_000u64 {
        writeln!(
            s,
            "{{\"timestamp\": {}, \"request_id\": \"req-{i:08}\", \"model\": \"m\", \"status\": \"success\", \"latency_ms\": {}.5, \"ttft_ms\": {}.25, \"input_tokens\": {}, \"output_tokens\": {}}}",
            1_767_225_600 + i / 100,
            100 + i % 997,
            10 + i % 89,
            500 + i % 1500,
            50 + i % 700
        )
        .unwrap();
    }
    std::fs::write(path, s).unwrap();
}

/// The temporaries beside `target` (`.{name}.{pid}.tmp`).
fn temporaries(dir: &Path, name: &str) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.starts_with(&format!(".{name}.")) && n.ends_with(".tmp")
        })
        .collect()
}

fn export(log: &Path, target: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_srtlog"));
    c.args(["requests", "export", "-q"])
        .arg(log)
        .arg("-o")
        .arg(target)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

#[test]
fn a_killed_export_leaves_the_old_file_and_the_next_run_cleans_up() {
    let d = tempfile::tempdir().unwrap();
    let log = d.path().join("req.jsonl");
    big_log(&log);
    let out = d.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let target = out.join("target.csv");
    std::fs::write(&target, OLD).unwrap();

    let mut child = export(&log, &target).spawn().unwrap();
    let start = Instant::now();
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            panic!("the export finished ({s}) before it could be killed: make the log larger");
        }
        let writing = temporaries(&out, "target.csv")
            .iter()
            .any(|t| std::fs::metadata(t).is_ok_and(|m| m.len() > 0));
        if writing {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no temporary file appeared"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    // `Child::kill` sends SIGKILL: no destructor runs, as with `kill -9`.
    child.kill().unwrap();
    child.wait().unwrap();

    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        OLD,
        "the old file is intact"
    );
    let left = temporaries(&out, "target.csv");
    assert_eq!(left.len(), 1, "the killed run left its temporary: {left:?}");

    // The next run in that folder removes it (its process is gone).
    let small = d.path().join("small.jsonl");
    std::fs::write(
        &small,
        "{\"timestamp\": 1767225600, \"latency_ms\": 1.5}\n{\"timestamp\": 1767225601, \"latency_ms\": 2.5}\n",
    )
    .unwrap();
    let other = out.join("other.csv");
    let st = export(&small, &other).status().unwrap();
    assert!(st.success());
    assert!(
        temporaries(&out, "target.csv").is_empty(),
        "leftover removed"
    );
    assert!(std::fs::read_to_string(&other).unwrap().lines().count() == 3);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), OLD);
}
