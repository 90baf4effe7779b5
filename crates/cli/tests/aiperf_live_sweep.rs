//! A real AIPerf 0.13 sweep, produced by `tests/aiperf_live/sweep.sh`
//! (three runs at concurrency 1, 2 and 4 against a small streaming server,
//! in folders named `run-a`, `run-b`, `run-c` that do not state the load):
//! `srtlog aiperf` must place each run at the concurrency AIPerf wrote in
//! its own summary (0.13: `input_config.phases[]`), say where it read it,
//! and group the three as one sweep.
//!
//! The script sets `SRTLOG_AIPERF_SWEEP_DIR`; without it (a plain `cargo
//! test`) the test skips with a message.
#![allow(clippy::unwrap_used)]

use assert_cmd::Command;
use serde_json::Value;
use std::path::PathBuf;

#[test]
fn real_0_13_sweep_at_its_real_concurrency() {
    let Some(dir) = std::env::var_os("SRTLOG_AIPERF_SWEEP_DIR").map(PathBuf::from) else {
        eprintln!("skipped: SRTLOG_AIPERF_SWEEP_DIR not set (tests/aiperf_live/sweep.sh sets it)");
        return;
    };
    // The values AIPerf wrote, read independently of srtlog.
    let mut written = Vec::new();
    for run in ["run-a", "run-b", "run-c"] {
        let text = std::fs::read(dir.join(run).join("profile_export_aiperf.json")).unwrap();
        let v: Value = serde_json::from_slice(&text).unwrap();
        let phases = v["input_config"]["phases"].as_array().unwrap();
        let profiling = phases.iter().find(|p| p["name"] == "profiling").unwrap();
        written.push(profiling["concurrency"].as_f64().unwrap());
    }
    assert_eq!(written, [1.0, 2.0, 4.0]);
    let out = Command::cargo_bin("srtlog")
        .unwrap()
        .env_remove("RUST_LOG")
        .args(["aiperf", "--json"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = v["sweep"].as_array().unwrap();
    let got: Vec<(String, f64)> = rows
        .iter()
        .map(|r| {
            (
                r["run"].as_str().unwrap().to_owned(),
                r["concurrency"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("run-a".into(), 1.0),
            ("run-b".into(), 2.0),
            ("run-c".into(), 4.0)
        ]
    );
    for r in rows {
        assert_eq!(r["load_source"], "input_config.phases[profiling]");
        assert_eq!(r["group"], 0, "one configuration, three loads");
    }
}
