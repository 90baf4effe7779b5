//! End-to-end tests of the `srtlog` binary: simulated runs checked against the
//! simulator's ground truth, bad input, the cache, and output formats.

// Test helpers may panic on unexpected input: that is how a test fails.
#![allow(clippy::unwrap_used)]

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use srtlog_sim::{Backend, Compression, Mode, SglangVariant, SimConfig};
use std::path::Path;

fn srtlog() -> Command {
    let mut c = Command::cargo_bin("srtlog").expect("binary builds");
    c.env_remove("RUST_LOG");
    c
}

fn parse_json(args: &[&str]) -> Value {
    let out = srtlog()
        .arg("parse")
        .args(args)
        .arg("--json")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).expect("valid JSON")
}

fn small(cfg: SimConfig) -> SimConfig {
    SimConfig {
        duration_s: 120,
        ..cfg
    }
}

/// Checks parse --json of a simulated run against the simulator's manifest.
fn check_against_manifest(dir: &Path, cfg: &SimConfig) {
    let m = srtlog_sim::write_run(dir, cfg).expect("simulate");
    let v = parse_json(&[dir.to_str().unwrap(), "--no-cache"]);
    let workers = v["workers"].as_array().unwrap();
    assert_eq!(workers.len(), m.files.len(), "{cfg:?}");
    for f in &m.files {
        let w = workers
            .iter()
            .find(|w| w["file"].as_str() == Some(f.path.to_str().unwrap()))
            .unwrap_or_else(|| panic!("{} not parsed", f.path.display()));
        assert_eq!(
            w["worker_type"],
            f.worker_type.as_str(),
            "{}",
            f.path.display()
        );
        assert_eq!(w["node"], f.node.as_str());
        assert_eq!(w["worker_id"], f.worker_id.as_str());
        assert_eq!(
            w["prefill_batches"],
            f.prefill_batches,
            "{} {cfg:?}",
            f.path.display()
        );
        assert_eq!(
            w["decode_batches"],
            f.decode_batches,
            "{} {cfg:?}",
            f.path.display()
        );
        assert_eq!(w["prefill_lines"], f.prefill_lines, "{}", f.path.display());
        assert_eq!(w["decode_lines"], f.decode_lines, "{}", f.path.display());
        assert_eq!(
            w["coverage"]["unparsed_lines"],
            0,
            "{}: {}",
            f.path.display(),
            w["coverage"]
        );
        // Same instant; the simulator prints ISO forms for Dynamo (`T`, `Z`).
        let norm = |s: &str| s.replace('T', " ").trim_end_matches('Z').to_string();
        assert_eq!(
            norm(w["first_timestamp"].as_str().unwrap()),
            norm(&f.first_timestamp),
            "{}",
            f.path.display()
        );
        assert_eq!(
            norm(w["last_timestamp"].as_str().unwrap()),
            norm(&f.last_timestamp),
            "{}",
            f.path.display()
        );
        assert!(w["memory_snapshots"].as_u64().unwrap() >= f.memory_snapshots);
    }
}

#[test]
fn every_variant_matches_the_simulator() {
    let variants = [
        SglangVariant::V053,
        SglangVariant::V054Iter,
        SglangVariant::V056,
        SglangVariant::Y2026,
        SglangVariant::Dynamo,
    ];
    for (i, v) in variants.into_iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        let (dp, tp, ep) = match i {
            0 => (1, 4, 1),
            1 => (8, 8, 1),
            2 => (1, 1, 1),
            _ => (4, 4, 4),
        };
        let cfg = small(SimConfig {
            backend: Backend::Sglang(v),
            dp,
            tp,
            ep,
            seed: i as u64,
            ..SimConfig::default()
        });
        check_against_manifest(dir.path(), &cfg);
    }
}

#[test]
fn duplicates_crlf_and_compression_match_the_simulator() {
    for (k, (comp, crlf)) in [
        (Compression::None, true),
        (Compression::Gzip, false),
        (Compression::Zstd, false),
    ]
    .into_iter()
    .enumerate()
    {
        let dir = tempfile::tempdir().unwrap();
        let cfg = small(SimConfig {
            mode: Mode::Aggregated { workers: 2 },
            tp: 4,
            pp: 2,
            tp_duplicates: true,
            compression: comp,
            crlf,
            seed: 7 + k as u64,
            ..SimConfig::default()
        });
        check_against_manifest(dir.path(), &cfg);
    }
}

#[test]
fn json_has_the_documented_keys() {
    let dir = tempfile::tempdir().unwrap();
    srtlog_sim::write_run(dir.path(), &small(SimConfig::default())).unwrap();
    let v = parse_json(&[dir.path().to_str().unwrap()]);
    for k in [
        "file",
        "node",
        "worker_type",
        "worker_id",
        "prefill_batches",
        "decode_batches",
        "memory_snapshots",
        "first_timestamp",
        "last_timestamp",
    ] {
        assert!(v["workers"][0].get(k).is_some(), "missing {k}");
    }
    assert_eq!(v["totals"]["workers"], 3);
    assert_eq!(v["cache"]["status"], "written");
}

#[test]
fn summary_table_matches_the_seed_layout() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("4401463");
    srtlog_sim::write_run(&run, &small(SimConfig::default())).unwrap();
    let out = srtlog()
        .args(["parse", run.to_str().unwrap(), "--no-cache"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    insta::assert_snapshot!(String::from_utf8(out).unwrap());
}

#[test]
fn missing_path_exits_2_naming_it() {
    srtlog()
        .args(["parse", "/no/such/run"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "/no/such/run: no such file or directory",
        ));
}

#[test]
fn folder_without_worker_logs_exits_1_saying_what_was_looked_for() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "hello\n").unwrap();
    srtlog()
        .args(["parse", dir.path().to_str().unwrap()])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no worker logs found (looked for"));
    assert!(!dir.path().join("cached_assets").exists());
}

#[test]
fn bad_files_warn_and_the_others_still_parse() {
    let dir = tempfile::tempdir().unwrap();
    srtlog_sim::write_run(dir.path(), &small(SimConfig::default())).unwrap();
    let logs = dir.path().join("logs");
    // Deflate emits whole blocks, so the source must span several of them.
    let text = std::fs::read(logs.join(first_worker(&logs)))
        .unwrap()
        .repeat(20);
    // Empty worker file: listed with zero batches.
    std::fs::write(logs.join("n9_decode_w0.out"), "").unwrap();
    // Binary junk named as a worker.
    let junk: Vec<u8> = (0..50_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(logs.join("n9_prefill_w7.out"), &junk).unwrap();
    // A gzip stream cut in half.
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut enc, &text).unwrap();
    let gz = enc.finish().unwrap();
    std::fs::write(logs.join("n9_agg_w1.out.gz"), &gz[..gz.len() / 2]).unwrap();
    let out = srtlog()
        .args(["parse", dir.path().to_str().unwrap(), "--json"])
        .assert()
        .success();
    let o = out.get_output();
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("n9_prefill_w7.out: ") && stderr.contains("binary"),
        "{stderr}"
    );
    assert!(
        stderr.contains("n9_agg_w1.out.gz: ") && stderr.contains("truncated or corrupt"),
        "{stderr}"
    );
    let by = |name: &str| {
        v["workers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["file"].as_str().unwrap().ends_with(name))
            .cloned()
            .unwrap()
    };
    assert_eq!(by("n9_decode_w0.out")["decode_batches"], 0);
    assert!(
        by("n9_agg_w1.out.gz")["prefill_batches"].as_u64().unwrap() > 0,
        "lines before the cut are kept"
    );
    assert_eq!(v["totals"]["workers"], 6);
}

fn first_worker(logs: &Path) -> String {
    let mut names: Vec<String> = std::fs::read_dir(logs)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n.contains("_prefill_"))
        .collect();
    names.sort();
    names.remove(0)
}

#[test]
fn cache_is_reused_and_rebuilt_when_a_file_changes() {
    let dir = tempfile::tempdir().unwrap();
    srtlog_sim::write_run(dir.path(), &small(SimConfig::default())).unwrap();
    let d = dir.path().to_str().unwrap();
    let a = parse_json(&[d]);
    assert_eq!(a["cache"]["status"], "written");
    let pq = dir.path().join("logs/cached_assets/node_metrics.parquet");
    assert!(pq.is_file());
    let b = parse_json(&[d]);
    assert_eq!(b["cache"]["status"], "hit");
    assert_eq!(a["totals"], b["totals"]);
    // Appending a batch line invalidates the cache.
    let logs = dir.path().join("logs");
    let f = logs.join(first_worker(&logs));
    let mut text = std::fs::read_to_string(&f).unwrap();
    text.push_str("[2025-11-04 06:00:00 TP0] Prefill batch, #new-seq: 1, #new-token: 8, #cached-token: 0, token usage: 0.00, #running-req: 0, #queue-req: 0, \n");
    std::fs::write(&f, text).unwrap();
    let c = parse_json(&[d]);
    assert_eq!(c["cache"]["status"], "written");
    assert_eq!(
        c["totals"]["prefill_batches"].as_u64().unwrap(),
        a["totals"]["prefill_batches"].as_u64().unwrap() + 1
    );
    let e = parse_json(&[d, "--no-cache"]);
    assert_eq!(e["cache"]["status"], "disabled");
}

#[test]
fn coverage_lists_unparsed_record_lines() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("n1_decode_w0.out");
    std::fs::write(
        &f,
        "[2025-11-04 05:30:00 TP0] Decode batch, #running-req: 3, #token: 10, token usage: 0.01, gen throughput (token/s): 1.50, #queue-req: 0, \n\
         [2025-11-04 05:30:01 TP0] Decode batch; #running-req: three\n",
    )
    .unwrap();
    srtlog()
        .args(["parse", f.to_str().unwrap(), "--coverage"])
        .assert()
        .success()
        .stdout(predicate::str::contains("1 of 2 lines").and(predicate::str::contains("line 2: ")));
}

#[test]
fn json_diagnostics_with_log_format_json() {
    let dir = tempfile::tempdir().unwrap();
    srtlog_sim::write_run(dir.path(), &small(SimConfig::default())).unwrap();
    let out = srtlog()
        .env("RUST_LOG", "debug")
        .args([
            "--log-format",
            "json",
            "parse",
            dir.path().to_str().unwrap(),
            "--no-cache",
        ])
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.is_empty()).collect();
    assert!(!lines.is_empty());
    for l in lines {
        let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
        assert!(v.get("level").is_some());
    }
}

#[test]
fn real_pd_run_folder() {
    let Some(dir) = srtlog_testutil::shared_file("sglang-ci-pd-v0.5.3.post3") else {
        return;
    };
    let v = parse_json(&[dir.to_str().unwrap(), "--no-cache"]);
    assert_eq!(v["totals"]["workers"], 2);
    assert_eq!(v["totals"]["prefill_batches"], 178);
    assert_eq!(v["totals"]["decode_batches"], 396);
    let skipped: Vec<&str> = v["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["file"].as_str().unwrap())
        .collect();
    assert!(
        skipped.iter().any(|s| s.ends_with("load_balance.log")),
        "the router log is not a worker"
    );
}
