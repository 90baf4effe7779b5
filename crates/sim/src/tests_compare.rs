//! Tests of the options `srtlog compare` is tested with: two-batch overlap
//! (+20 % decode throughput on decode workers only), replicates (same
//! scenario, other per-step randomness) and the client log.

use crate::*;
use std::path::Path;

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("srtlog-sim-cmp-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn gen_values(p: &Path) -> Vec<f64> {
    let text = std::fs::read_to_string(p).unwrap_or_default();
    text.lines()
        .filter_map(|l| l.split("gen throughput (token/s): ").nth(1))
        .filter_map(|r| r.split(',').next()?.trim().parse().ok())
        .collect()
}

fn cfg() -> SimConfig {
    SimConfig {
        duration_s: 120,
        ..SimConfig::default()
    }
}

/// The same run with two-batch overlap: every decode line's generation
/// throughput is 1.2× (the random draws are the same), the prefill files are
/// byte for byte the same, and the decode workers say so in their arguments.
#[test]
fn two_batch_overlap_is_plus_20_percent_decode_only() {
    let (a, b) = (tmp("tbo-a"), tmp("tbo-b"));
    let ma = write_run(&a, &cfg()).unwrap_or_else(|e| panic!("{e}"));
    let tbo = SimConfig {
        two_batch_overlap: true,
        ..cfg()
    };
    let mb = write_run(&b, &tbo).unwrap_or_else(|e| panic!("{e}"));
    for (fa, fb) in ma.files.iter().zip(&mb.files) {
        let (ta, tb) = (
            std::fs::read(&fa.path).unwrap_or_default(),
            std::fs::read(&fb.path).unwrap_or_default(),
        );
        if fa.worker_type == "prefill" {
            assert_eq!(ta, tb, "prefill files unchanged");
            continue;
        }
        let text = String::from_utf8_lossy(&tb);
        assert!(text.contains("enable_two_batch_overlap=True"));
        if let Some(cmd) = text.lines().find(|l| l.contains("[CMD]")) {
            assert!(cmd.contains("--enable-two-batch-overlap"));
        }
        let (ga, gb) = (gen_values(&fa.path), gen_values(&fb.path));
        assert_eq!(ga.len(), gb.len());
        assert!(ga.len() > 20);
        for (x, y) in ga.iter().zip(&gb) {
            // Printed with two decimals.
            assert!((y - 1.2 * x).abs() <= 0.02, "{x} -> {y}");
        }
    }
    let vllm = SimConfig {
        backend: Backend::Vllm,
        ..tbo
    };
    assert!(
        write_run(&tmp("tbo-v"), &vllm).is_err(),
        "vLLM has no such argument"
    );
    let _ = std::fs::remove_dir_all(&a);
    let _ = std::fs::remove_dir_all(&b);
}

/// Replicates share the scenario (the server arguments line is the same)
/// and differ in their batch lines; the client log follows the replicate.
#[test]
fn replicates_share_the_scenario() {
    let (a, b) = (tmp("rep-a"), tmp("rep-b"));
    let r = |n| SimConfig {
        replicate: Some(n),
        client_log: true,
        ..cfg()
    };
    let ma = write_run(&a, &r(1)).unwrap_or_else(|e| panic!("{e}"));
    let mb = write_run(&b, &r(2)).unwrap_or_else(|e| panic!("{e}"));
    for (fa, fb) in ma.files.iter().zip(&mb.files) {
        let (ta, tb) = (
            std::fs::read_to_string(&fa.path).unwrap_or_default(),
            std::fs::read_to_string(&fb.path).unwrap_or_default(),
        );
        // The line without its timestamp (start-up times jitter per replicate).
        let args = |t: &str| {
            t.lines()
                .find_map(|l| l.split_once("server_args=").map(|x| x.1.to_owned()))
        };
        assert!(args(&ta).is_some());
        assert_eq!(args(&ta), args(&tb));
        assert_ne!(ta, tb);
    }
    let client = a.join("client").join("requests.jsonl");
    assert!(ma.aux_files.contains(&client));
    let text = std::fs::read_to_string(&client).unwrap_or_default();
    let n = text.lines().count();
    // 5 requests/s at full load over 120 s, thinned by the load curve.
    assert!((200..=700).contains(&n), "{n}");
    assert!(text
        .lines()
        .all(|l| l.contains("\"ttft_ms\": ") && l.contains("\"itl_ms\": ")));
    let ta = std::fs::read_to_string(b.join("client").join("requests.jsonl")).unwrap_or_default();
    assert_ne!(text, ta);
    let _ = std::fs::remove_dir_all(&a);
    let _ = std::fs::remove_dir_all(&b);
}
