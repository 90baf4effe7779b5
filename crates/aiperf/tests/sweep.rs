//! Sweeps: each run's load read from wherever its AIPerf version wrote it
//! (`input_config.loadgen` in the real 0.5 runs, `input_config.phases[]` in
//! 0.13, the folder name as the last resort, with the source stated), runs
//! grouped only when their configuration differs in load alone, and the
//! Pareto frontier. The 0.13 summaries are written here to the layout of
//! AIPerf's configuration (`phases: [{name, type, concurrency, …}]`); no
//! real 0.13 export is in `../shared/data`.
#![allow(clippy::unwrap_used)]

use srtlog_aiperf::sweep::sweep_rows;
use srtlog_aiperf::{analyze_path, AiperfOptions, Outcome};
use srtlog_sim::aiperf::{write_aiperf_export, AiperfConfig};
use srtlog_testutil::shared_file;
use std::path::Path;
use std::sync::atomic::AtomicU64;

fn sweep(dir: &Path) -> Vec<srtlog_aiperf::Analysis> {
    match analyze_path(dir, AiperfOptions::default(), &AtomicU64::new(0)).unwrap() {
        Outcome::Sweep(v) => v,
        Outcome::Run(_) => panic!("a sweep"),
    }
}

/// The real 0.5 runs: concurrency 1 and 2 from `input_config.loadgen`, one
/// group (same configuration), the telemetry's GPUs counted.
#[test]
fn real_runs_are_placed_at_their_concurrency() {
    let Some(dir) = shared_file("aiperf-0.5-plot-fixtures") else {
        return;
    };
    let runs = sweep(&dir);
    let rows = sweep_rows(&runs);
    let conc: Vec<Option<f64>> = rows.iter().map(|r| r.concurrency).collect();
    assert_eq!(conc, [Some(1.0), Some(2.0)]);
    assert!(rows
        .iter()
        .all(|r| r.load_source.as_deref() == Some("input_config.loadgen")));
    assert_eq!(
        rows.iter().map(|r| r.group).collect::<Vec<_>>(),
        [Some(0), Some(0)]
    );
    // As written: two endpoints on hosts `test-host-1` and `test-host-2`, one
    // GPU each (the fixture's anonymised names).
    assert_eq!(rows[0].gpus, Some(2));
}

/// `(run, concurrency, load source, group)`.
type Row<'a> = (&'a str, Option<f64>, Option<&'a str>, Option<usize>);

fn summary_013(model: &str, concurrency: u32) -> String {
    format!(
        r#"{{"request_throughput": {{"unit": "requests/sec", "avg": 1.0}},
  "aiperf_version": "0.13.0",
  "input_config": {{"models": ["{model}"], "endpoint": {{"urls": ["http://localhost:8000"]}},
    "phases": [{{"name": "warmup", "type": "concurrency", "requests": 8, "concurrency": 2}},
               {{"name": "profiling", "type": "concurrency", "requests": 100, "concurrency": {concurrency}}}],
    "output": {{"artifact_directory": "artifacts/run"}}, "cli_command": "aiperf profile …"}},
  "telemetry_data": {{"endpoints": {{"h:9400": {{"gpus": {{"gpu_0": {{"hostname": "h", "gpu_uuid": "GPU-a"}}, "gpu_1": {{"hostname": "h", "gpu_uuid": "GPU-b"}}}}}}}}}}}}"#
    )
}

fn run(dir: &Path, name: &str, summary: Option<String>, concurrency: u32) {
    let d = dir.join(name);
    std::fs::create_dir_all(&d).unwrap();
    let cfg = AiperfConfig {
        records: 60,
        concurrency,
        ..AiperfConfig::default()
    };
    write_aiperf_export(&d.join("profile_export.jsonl"), &cfg).unwrap();
    if let Some(s) = summary {
        std::fs::write(d.join("profile_export_aiperf.json"), s).unwrap();
    }
}

#[test]
fn aiperf_0_13_phases_groups_and_folder_names() {
    let dir = tempfile::tempdir().unwrap();
    // Folder names say nothing about the load: it must come from `phases`.
    for (name, c) in [("run-b", 16), ("run-a", 4), ("run-c", 64)] {
        run(dir.path(), name, Some(summary_013("m", c)), c);
    }
    // The same load on another model: not part of the sweep.
    run(
        dir.path(),
        "other",
        Some(summary_013("other-model", 16)),
        16,
    );
    // No summary: the folder name is the last resort.
    run(dir.path(), "x-concurrency_8", None, 8);
    let runs = sweep(dir.path());
    let rows = sweep_rows(&runs);
    let got: Vec<Row<'_>> = rows
        .iter()
        .map(|r| {
            (
                r.run.as_str(),
                r.concurrency,
                r.load_source.as_deref(),
                r.group,
            )
        })
        .collect();
    let p = Some("input_config.phases[profiling]");
    assert_eq!(
        got,
        [
            ("run-a", Some(4.0), p, Some(0)),
            ("x-concurrency_8", Some(8.0), Some("folder name"), None),
            ("other", Some(16.0), p, None),
            ("run-b", Some(16.0), p, Some(0)),
            ("run-c", Some(64.0), p, Some(0)),
        ]
    );
    assert_eq!(rows[0].gpus, Some(2));
    let per_gpu = rows[0].output_tokens_per_gpu.unwrap();
    assert!((per_gpu * 2.0 - rows[0].output_token_throughput.unwrap()).abs() < 1e-9);
    assert!(rows.iter().any(|r| r.pareto_latency));
}
