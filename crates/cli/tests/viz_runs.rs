//! `srtlog viz runA/ runB/`: several runs in one report, overlaid on a time
//! axis relative to each run's start (issue 15: two runs 15 days apart were
//! drawn on one absolute axis 353 hours wide, each a sliver at an edge).

// Test helpers may panic on unexpected input: that is how a test fails.
#![allow(clippy::unwrap_used)]

use assert_cmd::Command;
use serde_json::Value;
use srtlog_sim::{Mode, SimConfig, StartTime};

#[test]
fn two_runs_days_apart_share_a_relative_axis() {
    let dir = tempfile::tempdir().unwrap();
    for (name, day) in [("runA", 4), ("runB", 19)] {
        let cfg = SimConfig {
            mode: Mode::Disaggregated {
                prefill: 1,
                decode: 1,
            },
            duration_s: 120,
            start: StartTime::new(2025, 11, day, 5, 30, 0),
            ..SimConfig::default()
        };
        srtlog_sim::write_run(&dir.path().join(name), &cfg).unwrap();
    }
    let html = dir.path().join("r.html");
    let mut c = Command::cargo_bin("srtlog").unwrap();
    c.env_remove("RUST_LOG")
        .args(["-q", "viz", "--group-by", "all", "-o"])
        .arg(&html)
        .arg(dir.path().join("runA"))
        .arg(dir.path().join("runB"))
        .assert()
        .success();
    let page = std::fs::read_to_string(&html).unwrap();
    let data = page
        .split("id=\"srtlog-data\">")
        .nth(1)
        .and_then(|s| s.split("</script>").next())
        .unwrap();
    let data: Value = serde_json::from_str(data).unwrap();
    assert_eq!(
        data["run_start_us"],
        Value::Null,
        "no wall clock across runs"
    );
    // Start-up (about 150 s) plus 120 s of serving: well under 1000 s, not
    // the 15 days between the runs.
    assert!(
        data["duration_s"].as_i64().unwrap() < 1000,
        "{}",
        data["duration_s"]
    );
    let chart = data["charts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["column"] == "gen_throughput")
        .expect("decode throughput chart");
    let series = chart["series"].as_array().unwrap();
    let labels: Vec<&str> = series
        .iter()
        .map(|s| s["label"].as_str().unwrap())
        .collect();
    assert!(
        labels.iter().any(|l| l.starts_with("runA · decode")),
        "{labels:?}"
    );
    assert!(
        labels.iter().any(|l| l.starts_with("runB · decode")),
        "{labels:?}"
    );
    for s in series {
        let x: Vec<i64> = s["x"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect();
        assert!(
            x[0] >= 0 && *x.last().unwrap() < 1000,
            "{:?}",
            (x[0], x.last())
        );
    }
}
