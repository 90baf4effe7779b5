//! End-to-end tests of `srtlog parse` on vLLM logs: simulated runs (V1 with
//! DP engines and speculative decoding, V1 disaggregated, V0, a run across
//! New Year, compressed) checked against the simulator's manifest, and a
//! folder mixing SGLang and vLLM workers.

// Test helpers may panic on unexpected input: that is how a test fails.
#![allow(clippy::unwrap_used)]

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use srtlog::formats::Timestamp;
use srtlog_sim::{Backend, Compression, Manifest, Mode, SimConfig, StartTime};
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

fn iso(ms: Option<i64>) -> String {
    Timestamp(ms.unwrap() * 1000).to_string()
}

/// Checks `parse --json` against the manifest; returns the workers by file.
fn check(dir: &Path, m: &Manifest, cfg: &SimConfig, extra: &[&str], year_source: &str) -> Value {
    let mut args = vec![dir.to_str().unwrap(), "--no-cache"];
    args.extend_from_slice(extra);
    let v = parse_json(&args);
    let workers = v["workers"].as_array().unwrap();
    assert_eq!(workers.len(), m.files.len(), "{cfg:?}");
    for f in &m.files {
        let w = workers
            .iter()
            .find(|w| w["file"].as_str() == Some(f.path.to_str().unwrap()))
            .unwrap_or_else(|| panic!("{} not parsed", f.path.display()));
        let name = f.path.display();
        assert_eq!(w["backend"], "vllm", "{name}");
        assert_eq!(w["worker_type"], f.worker_type.as_str(), "{name}");
        assert_eq!(w["node"], f.node.as_str());
        assert_eq!(w["stats_lines"], f.stat_lines, "{name} {cfg:?}");
        assert_eq!(w["prefill_batches"], 0);
        assert_eq!(w["decode_batches"], 0);
        assert_eq!(
            w["coverage"]["unparsed_lines"], 0,
            "{name}: {}",
            w["coverage"]
        );
        assert_eq!(
            w["first_timestamp"].as_str().unwrap(),
            iso(f.first_unix_ms),
            "{name}"
        );
        assert_eq!(
            w["last_timestamp"].as_str().unwrap(),
            iso(f.last_unix_ms),
            "{name}"
        );
        assert_eq!(w["year_source"], year_source, "{name}");
        assert!(w["memory_snapshots"].as_u64().unwrap() >= f.memory_snapshots);
        assert_eq!(
            w.get("spec_decoding_lines")
                .map_or(0, |x| x.as_u64().unwrap()),
            f.spec_lines,
            "{name}"
        );
        let ok = w["access"].get("200").map_or(0, |x| x.as_u64().unwrap());
        assert_eq!(ok, f.access_lines, "{name}");
        let engines = if cfg.backend == Backend::VllmV0 {
            1
        } else {
            cfg.dp
        };
        assert_eq!(w["schedulers"], engines, "{name}");
        assert!(
            w["warnings"].as_array().unwrap().is_empty(),
            "{name}: {}",
            w["warnings"]
        );
        assert!(w["config"]["kv_cache_tokens"].is_u64() || w["config"]["gpu_blocks"].is_u64());
        assert_eq!(w["config"]["tp_size"], cfg.tp);
    }
    let total: u64 = m.files.iter().map(|f| f.stat_lines).sum();
    assert_eq!(v["totals"]["stats_lines"], total);
    v
}

fn small(cfg: SimConfig) -> SimConfig {
    SimConfig {
        duration_s: 180,
        ..cfg
    }
}

#[test]
fn v1_dp_engines_with_spec_decoding_match_the_simulator() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = small(SimConfig {
        backend: Backend::Vllm,
        mode: Mode::Aggregated { workers: 2 },
        dp: 2,
        tp: 2,
        spec_decoding: true,
        ansi: true,
        seed: 3,
        ..SimConfig::default()
    });
    let m = srtlog_sim::write_run(dir.path(), &cfg).unwrap();
    // The year comes from the FlashInfer line the simulator prints.
    check(dir.path(), &m, &cfg, &[], "file");
}

#[test]
fn v1_disaggregated_without_noise_needs_the_year() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = small(SimConfig {
        backend: Backend::Vllm,
        noise: false,
        crlf: true,
        seed: 4,
        ..SimConfig::default()
    });
    let m = srtlog_sim::write_run(dir.path(), &cfg).unwrap();
    check(dir.path(), &m, &cfg, &["--year", "2025"], "option");
    // Without --year, the modification time is used and a warning says so.
    let out = srtlog()
        .args(["parse", dir.path().to_str().unwrap(), "--no-cache"])
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains("took") && stderr.contains("modification time"),
        "{stderr}"
    );
}

#[test]
fn v0_engine_matches_the_simulator() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = small(SimConfig {
        backend: Backend::VllmV0,
        mode: Mode::Aggregated { workers: 2 },
        tp: 4,
        ansi: true,
        seed: 5,
        ..SimConfig::default()
    });
    let m = srtlog_sim::write_run(dir.path(), &cfg).unwrap();
    let v = check(dir.path(), &m, &cfg, &["--year", "2025"], "option");
    let w = &v["workers"][0];
    assert_eq!(w["config"]["version"], "0.6.3.post1");
    assert_eq!(w["config"]["cpu_blocks"], 4096);
}

#[test]
fn run_across_new_year_keeps_counting_the_year() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = SimConfig {
        backend: Backend::Vllm,
        mode: Mode::Aggregated { workers: 1 },
        start: StartTime::new(2025, 12, 31, 23, 50, 0),
        duration_s: 1200,
        compression: Compression::Gzip,
        seed: 6,
        ..SimConfig::default()
    };
    let m = srtlog_sim::write_run(dir.path(), &cfg).unwrap();
    let f = &m.files[0];
    assert!(f.first_timestamp.starts_with("12-31") && f.last_timestamp.starts_with("01-01"));
    let v = check(dir.path(), &m, &cfg, &[], "file");
    assert!(v["workers"][0]["last_timestamp"]
        .as_str()
        .unwrap()
        .starts_with("2026-01-01"));
    let v = check(dir.path(), &m, &cfg, &["--year", "2025"], "option");
    assert!(v["totals"]["duration_s"].as_f64().unwrap() > 0.0);
}

#[test]
fn mixed_sglang_and_vllm_folder() {
    let dir = tempfile::tempdir().unwrap();
    let sg = tempfile::tempdir().unwrap();
    let vl = tempfile::tempdir().unwrap();
    let ms = srtlog_sim::write_run(
        sg.path(),
        &small(SimConfig {
            seed: 8,
            ..SimConfig::default()
        }),
    )
    .unwrap();
    let mv = srtlog_sim::write_run(
        vl.path(),
        &small(SimConfig {
            backend: Backend::Vllm,
            mode: Mode::Aggregated { workers: 2 },
            spec_decoding: true,
            seed: 9,
            ..SimConfig::default()
        }),
    )
    .unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    for f in ms.files.iter().chain(&mv.files) {
        std::fs::copy(&f.path, logs.join(f.path.file_name().unwrap())).unwrap();
    }
    // A vLLM log under a free-form name is found by its content.
    let free = logs.join("vllm_server.log");
    std::fs::copy(&mv.files[0].path, &free).unwrap();
    let d = dir.path().to_str().unwrap();
    let v = parse_json(&[d]);
    assert_eq!(v["cache"]["status"], "written");
    let workers = v["workers"].as_array().unwrap();
    assert_eq!(workers.len(), ms.files.len() + mv.files.len() + 1);
    let backend = |w: &Value| w["backend"].as_str().unwrap().to_string();
    assert_eq!(
        workers.iter().filter(|w| backend(w) == "sglang").count(),
        ms.files.len()
    );
    assert_eq!(
        workers.iter().filter(|w| backend(w) == "vllm").count(),
        mv.files.len() + 1
    );
    for w in workers {
        match backend(w).as_str() {
            "vllm" => assert!(w["stats_lines"].as_u64().unwrap() > 0),
            _ => assert!(
                w.get("stats_lines").is_none(),
                "SGLang entries have no stats_lines"
            ),
        }
    }
    let fw = workers
        .iter()
        .find(|w| w["file"].as_str().unwrap().ends_with("vllm_server.log"))
        .unwrap();
    assert_eq!(fw["worker_type"], "agg");
    assert_eq!(fw["node"], "vllm_server");
    let vllm_stats: u64 =
        mv.files.iter().map(|f| f.stat_lines).sum::<u64>() + mv.files[0].stat_lines;
    assert_eq!(v["totals"]["stats_lines"], vllm_stats);
    let sg_prefill: u64 = ms.files.iter().map(|f| f.prefill_batches).sum();
    assert_eq!(v["totals"]["prefill_batches"], sg_prefill);
    // The cache holds one `stats` row per statistics line, with the
    // SpecDecoding lines merged in.
    let pq = logs.join("cached_assets/node_metrics.parquet");
    let batches =
        srtlog::table::parquet_io::read_parquet(&pq, Some(&["record", "accept_len"])).unwrap();
    let (mut stats_rows, mut with_spec) = (0u64, 0u64);
    for b in &batches {
        use srtlog::table::arrow_array::cast::AsArray;
        use srtlog::table::arrow_array::types::{Float64Type, Int32Type};
        use srtlog::table::arrow_array::Array;
        let rec = b.column(0).as_dictionary::<Int32Type>();
        let names = rec.values().as_string::<i32>();
        let acc = b.column(1).as_primitive::<Float64Type>();
        for i in 0..b.num_rows() {
            if names.value(rec.keys().value(i) as usize) == "stats" {
                stats_rows += 1;
                with_spec += u64::from(acc.is_valid(i));
            }
        }
    }
    assert_eq!(stats_rows, vllm_stats);
    let spec: u64 = mv.files.iter().map(|f| f.spec_lines).sum::<u64>() + mv.files[0].spec_lines;
    assert_eq!(with_spec, spec);
    // The summary table shows vLLM engines beside SGLang workers.
    let out = srtlog().args(["parse", d]).assert().success().stdout(
        predicate::str::contains("Prefill (SGLang)")
            .and(predicate::str::contains("Agg (vLLM)"))
            .and(predicate::str::contains("Loaded from cache")),
    );
    let _ = out;
    srtlog()
        .args(["parse", d, "-v", "--no-cache"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("│ Backend │").and(predicate::str::contains("│ vllm    │")),
        );
}

#[test]
fn bad_year_is_a_usage_error() {
    srtlog()
        .args(["parse", ".", "--year", "12"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--year"));
}
