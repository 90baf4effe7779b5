//! Running the binary under a generous timeout, for the robustness tests
//! (`io_robustness.rs`, `reliability_a.rs`, `reliability_b.rs`): a hang
//! fails the test instead of stalling the suite. These are not timed tests;
//! the bound only catches a run that never ends.

// Not every test target uses every helper.
#![allow(dead_code)]

use std::io::Read;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Runs `srtlog args…` in `dir`; kills it and fails when it runs longer
/// than `limit`. The pipes are drained on threads, so a chatty child never
/// blocks on them.
pub fn srtlog_within(dir: &Path, args: &[&str], limit: Duration) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_srtlog"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the srtlog binary starts");
    let o = drain(child.stdout.take().expect("piped stdout"));
    let e = drain(child.stderr.take().expect("piped stderr"));
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("the child can be waited for") {
            break s;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("srtlog {args:?} hung");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: o.join().expect("the stdout reader ends"),
        stderr: e.join().expect("the stderr reader ends"),
    }
}

fn drain(mut r: impl Read + Send + 'static) -> JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut v = Vec::new();
        r.read_to_end(&mut v).expect("the pipe reads");
        v
    })
}
