//! Crate-level tests: ground truth vs. file contents, formats, scaling, determinism.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::*;

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("srtlog-sim-test-{}-{}", std::process::id(), name));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn read_text(p: &Path) -> String {
    let raw = std::fs::read(p).expect("read file");
    let name = p.to_string_lossy();
    let bytes = if name.ends_with(".gz") {
        let mut s = Vec::new();
        flate2::read::GzDecoder::new(&raw[..])
            .read_to_end(&mut s)
            .expect("gunzip");
        s
    } else if name.ends_with(".zst") {
        zstd::stream::decode_all(&raw[..]).expect("unzstd")
    } else {
        raw
    };
    String::from_utf8(bytes).expect("utf8")
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// `YYYY-MM-DD HH:MM:SS`
fn is_datetime(s: &str) -> bool {
    s.len() == 19
        && is_digits(&s[0..4])
        && &s[4..5] == "-"
        && is_digits(&s[5..7])
        && &s[7..8] == "-"
        && is_digits(&s[8..10])
        && &s[10..11] == " "
        && is_digits(&s[11..13])
        && &s[13..14] == ":"
        && is_digits(&s[14..16])
        && &s[16..17] == ":"
        && is_digits(&s[17..19])
}

/// Parse a native SGLang prefix: returns (timestamp, tags, message).
fn native(line: &str) -> Option<(&str, Vec<&str>, &str)> {
    let rest = line.strip_prefix('[')?;
    let close = rest.find("] ")?;
    let inner = &rest[..close];
    let msg = &rest[close + 2..];
    if inner.len() < 19 || !is_datetime(&inner[..19]) {
        return None;
    }
    let mut ts_end = 19;
    if inner[19..].starts_with('.') {
        if !is_digits(inner.get(20..23)?) {
            return None;
        }
        ts_end = 23;
    }
    let tags: Vec<&str> = inner[ts_end..]
        .split(' ')
        .filter(|t| !t.is_empty())
        .collect();
    for t in &tags {
        let word: String = t.chars().take_while(|c| c.is_ascii_uppercase()).collect();
        if !["DP", "PP", "TP", "EP"].contains(&word.as_str()) || !is_digits(&t[word.len()..]) {
            return None;
        }
    }
    Some((&inner[..ts_end], tags, msg))
}

fn lines_of(text: &str) -> Vec<&str> {
    let mut v: Vec<&str> = text.split('\n').collect();
    if v.last() == Some(&"") {
        v.pop();
    }
    v
}

fn mem_kinds(l: &str) -> bool {
    l.contains("Load weight end")
        || l.contains("KV Cache is allocated")
        || l.contains("Memory pool end")
        || l.contains("max_total_num_tokens=")
        || l.contains("Model loading took")
        || l.contains("Available KV cache memory")
        || l.contains("GPU KV cache size")
        || l.contains("Loading model weights took")
}

fn small(backend: Backend) -> SimConfig {
    SimConfig {
        backend,
        duration_s: 240,
        ..SimConfig::default()
    }
}

/// Counts in the manifest equal what a plain substring scan of the files finds.
fn check_counts(m: &Manifest, cfg: &SimConfig) {
    assert!(!m.files.is_empty());
    for f in &m.files {
        let text = read_text(&f.path);
        let lines = lines_of(&text);
        let pl = lines.iter().filter(|l| l.contains("Prefill batch")).count() as u64;
        let dl = lines.iter().filter(|l| l.contains("Decode batch")).count() as u64;
        let mem = lines.iter().filter(|l| mem_kinds(l)).count() as u64;
        let st = lines
            .iter()
            .filter(|l| l.contains("Avg prompt throughput"))
            .count() as u64;
        assert_eq!(pl, f.prefill_lines, "{}", f.path.display());
        assert_eq!(dl, f.decode_lines, "{}", f.path.display());
        assert_eq!(mem, f.memory_snapshots, "{}", f.path.display());
        assert_eq!(st, f.stat_lines, "{}", f.path.display());
        let spec = lines
            .iter()
            .filter(|l| l.contains("SpecDecoding metrics: "))
            .count() as u64;
        assert_eq!(spec, f.spec_lines, "{}", f.path.display());
        if cfg.backend.is_vllm() {
            let access = lines
                .iter()
                .filter(|l| l.contains("HTTP/1.1\" 200 OK"))
                .count() as u64;
            assert_eq!(access, f.access_lines, "{}", f.path.display());
        }
        assert_eq!(text.len() as u64, f.uncompressed_bytes);
        assert!(f.memory_snapshots > 0);
        if cfg.backend.is_vllm() {
            assert!(f.stat_lines > 0);
        } else {
            assert!(f.prefill_lines + f.decode_lines > 0, "{}", f.path.display());
            let dup = if cfg.tp_duplicates {
                let t = model::Topo::from_cfg(cfg);
                1 + t.duplicate_ranks(0).len() as u64
            } else {
                1
            };
            assert_eq!(f.prefill_lines, f.prefill_batches * dup);
            assert_eq!(f.decode_lines, f.decode_batches * dup);
        }
        match f.worker_type.as_str() {
            "prefill" => assert_eq!(f.decode_lines, 0),
            "decode" => assert_eq!(f.prefill_lines, 0),
            "agg" => {
                if !cfg.backend.is_vllm() {
                    assert!(f.prefill_lines > 0 && f.decode_lines > 0)
                }
            }
            other => panic!("bad worker type {other}"),
        }
        // first/last timestamps are the ones printed on the first/last record line
        let rec: Vec<&&str> = lines
            .iter()
            .filter(|l| {
                l.contains("Prefill batch")
                    || l.contains("Decode batch")
                    || l.contains("Avg prompt throughput")
            })
            .collect();
        if let (Some(a), Some(b)) = (rec.first(), rec.last()) {
            assert!(
                a.contains(&f.first_timestamp),
                "{a} vs {}",
                f.first_timestamp
            );
            assert!(b.contains(&f.last_timestamp), "{b} vs {}", f.last_timestamp);
            assert!(f.first_unix_ms <= f.last_unix_ms);
        }
        let name = f
            .path
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        assert_eq!(
            name,
            format!(
                "{}_{}_{}.out{}",
                f.node,
                f.worker_type,
                f.worker_id,
                cfg.compression.suffix()
            )
        );
        assert_eq!(f.bytes, std::fs::metadata(&f.path).expect("meta").len());
    }
    assert_eq!(m.total_bytes, m.files.iter().map(|f| f.bytes).sum::<u64>());
    for a in &m.aux_files {
        assert!(a.exists());
    }
}

#[test]
fn counts_match_files_for_every_variant() {
    for (i, v) in [
        SglangVariant::V053,
        SglangVariant::V054Iter,
        SglangVariant::V056,
        SglangVariant::Y2026,
        SglangVariant::Dynamo,
    ]
    .into_iter()
    .enumerate()
    {
        let dir = tmp(&format!("variant{i}"));
        let cfg = small(Backend::Sglang(v));
        let m = write_run(&dir, &cfg).expect("run");
        assert_eq!(m.files.len(), 3);
        check_counts(&m, &cfg);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn counts_match_with_duplicates_dp_pp_agg_and_vllm() {
    let cfgs = [
        SimConfig {
            tp_duplicates: true,
            ..small(Backend::Sglang(SglangVariant::V056))
        },
        SimConfig {
            tp_duplicates: true,
            pp: 2,
            tp: 2,
            ..small(Backend::Sglang(SglangVariant::Y2026))
        },
        SimConfig {
            tp_duplicates: true,
            ..small(Backend::Sglang(SglangVariant::Dynamo))
        },
        SimConfig {
            dp: 8,
            tp: 8,
            ep: 8,
            mode: Mode::Aggregated { workers: 2 },
            ..small(Backend::Sglang(SglangVariant::V054Iter))
        },
        SimConfig {
            tp: 1,
            mode: Mode::Aggregated { workers: 1 },
            noise: false,
            ..small(Backend::Sglang(SglangVariant::V053))
        },
        SimConfig {
            dp: 2,
            mode: Mode::Aggregated { workers: 2 },
            ..small(Backend::Vllm)
        },
        small(Backend::Vllm),
        SimConfig {
            spec_decoding: true,
            ansi: true,
            ..small(Backend::Vllm)
        },
        SimConfig {
            tp: 4,
            ansi: true,
            mode: Mode::Aggregated { workers: 1 },
            ..small(Backend::VllmV0)
        },
        SimConfig {
            tp: 1,
            noise: false,
            ..small(Backend::VllmV0)
        },
    ];
    for (i, cfg) in cfgs.iter().enumerate() {
        let dir = tmp(&format!("combo{i}"));
        let m = write_run(&dir, cfg).expect("run");
        check_counts(&m, cfg);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

fn first_line_with<'a>(text: &'a str, needle: &str) -> &'a str {
    lines_of(text)
        .into_iter()
        .find(|l| l.contains(needle))
        .expect("line present")
}

#[test]
fn variant_prefixes_are_exact() {
    let run = |v: SglangVariant, dp: u32, tp: u32, ep: u32, name: &str| -> (String, String) {
        let dir = tmp(name);
        let cfg = SimConfig {
            dp,
            tp,
            ep,
            ..small(Backend::Sglang(v))
        };
        let m = write_run(&dir, &cfg).expect("run");
        let p = read_text(&m.files[0].path);
        let d = read_text(&m.files[2].path);
        let _ = std::fs::remove_dir_all(&dir);
        (
            first_line_with(&p, "Prefill batch").to_string(),
            first_line_with(&d, "Decode batch").to_string(),
        )
    };

    let (p, d) = run(SglangVariant::V053, 1, 4, 1, "v053");
    let (ts, tags, msg) = native(&p).expect("native prefix");
    assert_eq!(ts.len(), 19);
    assert_eq!(tags, vec!["TP0"]);
    assert!(msg.starts_with("Prefill batch. #new-seq: "), "{msg}");
    assert!(msg.contains(", #prealloc-req: ") && msg.contains(", #inflight-req: "));
    assert!(msg.contains(", input throughput (token/s): "));
    assert!(msg.ends_with(", "), "{msg:?}");
    let (_, _, msg) = native(&d).expect("native prefix");
    assert!(msg.starts_with("Decode batch. #running-req: "), "{msg}");
    for k in [
        "#token: ",
        "token usage: ",
        "pre-allocated usage: ",
        "#prealloc-req: ",
        "#transfer-req: ",
    ] {
        assert!(msg.contains(k), "{k} in {msg}");
    }
    for k in [
        "#retracted-req: ",
        "cuda graph: ",
        "gen throughput (token/s): ",
        "#queue-req: ",
    ] {
        assert!(msg.contains(k), "{k} in {msg}");
    }
    assert!(msg.ends_with(", "));

    let (p, d) = run(SglangVariant::V054Iter, 8, 8, 1, "v054");
    let (_, tags, msg) = native(&p).expect("native prefix");
    assert_eq!(tags.len(), 2);
    assert_eq!(&tags[0][2..], &tags[1][2..], "DPn TPn share n: {tags:?}");
    assert!(tags[0].starts_with("DP") && tags[1].starts_with("TP"));
    assert!(msg.starts_with("Prefill batch ["), "{msg}");
    let n = &msg["Prefill batch [".len()..msg.find("], ").expect("iter close")];
    assert!(is_digits(n));
    assert!(msg.ends_with(", "));
    assert!(native(&d).expect("prefix").2.starts_with("Decode batch ["));

    let (p, d) = run(SglangVariant::V056, 1, 1, 1, "v056");
    let (_, tags, msg) = native(&p).expect("native prefix");
    assert!(tags.is_empty(), "TP=1 has no tag");
    assert!(
        p.starts_with('[') && p[20..].starts_with("] Prefill batch, #new-seq: "),
        "{p}"
    );
    assert!(msg.ends_with(", "));
    assert!(native(&d)
        .expect("prefix")
        .2
        .starts_with("Decode batch, #running-req: "));

    let (p, d) = run(SglangVariant::Y2026, 4, 4, 4, "y2026");
    let (ts, tags, msg) = native(&p).expect("native prefix");
    assert_eq!(ts.len(), 23, "millisecond timestamp");
    assert_eq!(tags.len(), 3);
    assert!(tags[0].starts_with("DP") && tags[1].starts_with("TP") && tags[2].starts_with("EP"));
    assert!(msg.starts_with("Prefill batch ["));
    for k in [
        "#pending-token: ",
        "#bootstrap-req: ",
        "#inflight-req: ",
        "#optimistic-req: ",
        "cuda graph: ",
        "input throughput (token/s): ",
    ] {
        assert!(msg.contains(k), "{k} in {msg}");
    }
    assert!(!msg.ends_with(", ") && !msg.ends_with(','));
    let (_, _, msg) = native(&d).expect("prefix");
    assert!(msg.starts_with("Decode batch ["));
    assert!(msg.contains(", accept len: ") && msg.contains(", accept rate: "));
    assert!(!msg.ends_with(' '));

    let (p, d) = run(SglangVariant::Dynamo, 1, 4, 1, "dynamo");
    // 2026-07-08T22:28:50.274739Z  INFO scheduler_metrics_mixin.report_prefill_stats: Prefill batch, ...
    assert_eq!(&p[10..11], "T");
    assert!(is_datetime(&p[..19].replacen('T', " ", 1)));
    assert_eq!(&p[19..20], ".");
    assert!(is_digits(&p[20..26]));
    assert!(
        p[26..].starts_with(
            "Z  INFO scheduler_metrics_mixin.report_prefill_stats: Prefill batch, #new-seq: "
        ),
        "{p}"
    );
    assert!(d[26..].starts_with(
        "Z  INFO scheduler_metrics_mixin.report_decode_stats: Decode batch, #running-req: "
    ));
    assert!(!p.ends_with(' '));
}

#[test]
fn dynamo_ansi_and_vllm_shapes() {
    let dir = tmp("dyn-ansi");
    let cfg = SimConfig {
        ansi: true,
        ..small(Backend::Sglang(SglangVariant::Dynamo))
    };
    let m = write_run(&dir, &cfg).expect("run");
    let t = read_text(&m.files[0].path);
    let l = first_line_with(&t, "Prefill batch");
    assert!(l.starts_with("\x1b[2m"), "{l:?}");
    assert!(l.contains("Z\x1b[0m \x1b[32m INFO\x1b[0m "));
    check_counts(&m, &cfg);
    let _ = std::fs::remove_dir_all(&dir);

    let dir = tmp("vllm-shape");
    let cfg = small(Backend::Vllm);
    let m = write_run(&dir, &cfg).expect("run");
    let t = read_text(&m.files[0].path);
    let l = first_line_with(&t, "Avg prompt throughput");
    // (APIServer pid=N) INFO MM-DD HH:MM:SS [loggers.py:273] Engine 000: Avg prompt throughput: ...
    assert!(l.starts_with("(APIServer pid="));
    let rest = &l[l.find(") ").expect("proc") + 2..];
    assert!(rest.starts_with("INFO "));
    let ts = &rest[5..19];
    assert_eq!(ts, m.files[0].first_timestamp);
    assert!(rest[19..].starts_with(" [loggers.py:273] Engine 000: Avg prompt throughput: "));
    for k in [
        "tokens/s, Avg generation throughput: ",
        " reqs, Waiting: ",
        "GPU KV cache usage: ",
        "%, Prefix cache hit rate: ",
    ] {
        assert!(l.contains(k), "{k}");
    }
    assert!(l.ends_with('%'));
    assert!(t.contains("version 0.25.1\r\n"), "banner lines end with CR");
    assert!(t.contains("GPU KV cache size: ") && t.contains(" tokens per request: "));
    assert!(t.contains("Maximum concurrency for "));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Timestamps are non-decreasing per rank; DP ranks interleave out of order.
#[test]
fn per_rank_monotonic_and_dp_interleaved() {
    let dir = tmp("mono");
    let cfg = SimConfig {
        dp: 8,
        tp: 8,
        duration_s: 900,
        ..small(Backend::Sglang(SglangVariant::V056))
    };
    let m = write_run(&dir, &cfg).expect("run");
    let t = read_text(&m.files[2].path);
    let mut last: std::collections::HashMap<String, String> = Default::default();
    let mut out_of_order = 0;
    let mut prev_rank: Option<(String, u32)> = None;
    for l in lines_of(&t) {
        if let Some((ts, tags, msg)) = native(l) {
            let key = tags.join(" ");
            if let Some(p) = last.get(&key) {
                assert!(p.as_str() <= ts, "rank {key} went back: {p} > {ts}");
            }
            last.insert(key.clone(), ts.to_string());
            if msg.starts_with("Decode batch") {
                let dp: u32 = tags[0][2..].parse().expect("dp");
                if let Some((pts, pdp)) = &prev_rank {
                    if pts == ts && *pdp > dp {
                        out_of_order += 1;
                    }
                }
                prev_rank = Some((ts.to_string(), dp));
            }
        }
    }
    assert!(last.keys().filter(|k| k.starts_with("DP")).count() >= 8);
    assert!(
        out_of_order > 0,
        "DP ranks should interleave out of rank order"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn dates_roll_over_midnight_month_and_year() {
    for (start, needle, v) in [
        (
            StartTime::new(2025, 12, 31, 23, 50, 0),
            "2026-01-01 00:0",
            SglangVariant::V056,
        ),
        (
            StartTime::new(2024, 2, 28, 23, 52, 0),
            "2024-02-29 00:0",
            SglangVariant::Y2026,
        ),
        (
            StartTime::new(2025, 4, 30, 23, 55, 0),
            "2025-05-01T00:0",
            SglangVariant::Dynamo,
        ),
    ] {
        let dir = tmp("roll");
        let cfg = SimConfig {
            start,
            duration_s: 900,
            ..small(Backend::Sglang(v))
        };
        let m = write_run(&dir, &cfg).expect("run");
        let t = read_text(&m.files[2].path);
        assert!(t.contains(needle), "{needle}");
        let f = &m.files[2];
        assert!(
            f.last_timestamp.starts_with(&needle[..10]),
            "{}",
            f.last_timestamp
        );
        assert!(!t.contains("-02-30") && !t.contains("-04-31") && !t.contains("-12-32"));
        let _ = std::fs::remove_dir_all(&dir);
    }
    let dir = tmp("roll-vllm");
    let cfg = SimConfig {
        start: StartTime::new(2025, 12, 31, 23, 55, 0),
        ..small(Backend::Vllm)
    };
    let m = write_run(&dir, &cfg).expect("run");
    let t = read_text(&m.files[0].path);
    assert!(t.contains(" INFO 01-01 00:0"));
    let _ = std::fs::remove_dir_all(&dir);
    assert!(StartTime::new(2025, 2, 29, 0, 0, 0)
        .to_unix_seconds()
        .is_err());
    assert!(StartTime::new(2024, 2, 29, 0, 0, 0)
        .to_unix_seconds()
        .is_ok());
}

#[test]
fn target_bytes_within_ten_percent() {
    let cases = [
        (Backend::Sglang(SglangVariant::V056), 6_000_000u64, 1u32),
        (Backend::Sglang(SglangVariant::Y2026), 4_000_000, 4),
        (Backend::Sglang(SglangVariant::V053), 150_000, 1),
        (Backend::Vllm, 3_000_000, 1),
        (Backend::Sglang(SglangVariant::Dynamo), 2_000_000, 2),
    ];
    for (i, (b, target, dp)) in cases.into_iter().enumerate() {
        let dir = tmp(&format!("target{i}"));
        let cfg = SimConfig {
            target_bytes: Some(target),
            dp,
            ..SimConfig::default()
        };
        // a tiny serving window must still scale up to the target
        let cfg = SimConfig {
            backend: b,
            duration_s: if i == 4 { 5 } else { cfg.duration_s },
            ..cfg
        };
        let m = write_run(&dir, &cfg).expect("run");
        let got = m.total_uncompressed_bytes as f64;
        let err = (got - target as f64).abs() / target as f64;
        assert!(
            err <= 0.10,
            "{b:?}: wanted {target}, got {got} ({:.1} %)",
            err * 100.0
        );
        check_counts(&m, &cfg);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn deterministic_for_a_seed() {
    let cfg = small(Backend::Sglang(SglangVariant::Y2026));
    let a = write_run(&tmp("det-a"), &cfg).expect("run a");
    let b = write_run(&tmp("det-b"), &cfg).expect("run b");
    for (x, y) in a.files.iter().zip(&b.files) {
        assert_eq!(
            std::fs::read(&x.path).expect("a"),
            std::fs::read(&y.path).expect("b")
        );
        assert_eq!(x.prefill_lines, y.prefill_lines);
    }
    let single = SimConfig {
        threads: 1,
        ..cfg.clone()
    };
    let c = write_run(&tmp("det-c"), &single).expect("run c");
    assert_eq!(
        std::fs::read(&a.files[1].path).expect("a"),
        std::fs::read(&c.files[1].path).expect("c")
    );
    let other = SimConfig { seed: 43, ..cfg };
    let d = write_run(&tmp("det-d"), &other).expect("run d");
    assert_ne!(
        std::fs::read(&a.files[0].path).expect("a"),
        std::fs::read(&d.files[0].path).expect("d")
    );
    for n in ["det-a", "det-b", "det-c", "det-d"] {
        let _ = std::fs::remove_dir_all(tmp(n));
    }
}

#[test]
fn compressed_outputs_decompress_to_the_plain_text() {
    let plain_cfg = small(Backend::Sglang(SglangVariant::V056));
    let plain = write_run(&tmp("plain"), &plain_cfg).expect("plain");
    for (c, n) in [(Compression::Gzip, "gz"), (Compression::Zstd, "zst")] {
        let cfg = SimConfig {
            compression: c,
            ..plain_cfg.clone()
        };
        let m = write_run(&tmp(n), &cfg).expect("compressed");
        check_counts(&m, &cfg);
        for (x, y) in plain.files.iter().zip(&m.files) {
            assert!(y.path.to_string_lossy().ends_with(c.suffix()));
            assert_eq!(read_text(&x.path), read_text(&y.path));
            assert!(y.bytes < y.uncompressed_bytes);
            assert_eq!(x.uncompressed_bytes, y.uncompressed_bytes);
        }
        let _ = std::fs::remove_dir_all(tmp(n));
    }
    let _ = std::fs::remove_dir_all(tmp("plain"));
}

#[test]
fn crlf_noise_and_layout() {
    let dir = tmp("crlf");
    let cfg = SimConfig {
        crlf: true,
        seed: 7,
        ..small(Backend::Sglang(SglangVariant::V053))
    };
    let m = write_run(&dir, &cfg).expect("run");
    check_counts(&m, &cfg);
    let t = read_text(&m.files[2].path);
    for l in lines_of(&t) {
        assert!(l.ends_with('\r'), "{l:?}");
    }
    assert!(
        t.contains("\rCapturing batches (bs="),
        "tqdm progress with CR"
    );
    assert!(t.contains("\x1b[1;33m"), "one ANSI warning");
    assert!(t.contains("server_args=ServerArgs(") && t.contains("disaggregation_mode='decode'"));
    assert!(
        t.contains("tp_size=4, pp_size=1") && t.contains("dp_size=1") && t.contains("ep_size=1")
    );
    assert!(
        t.starts_with("cpu-bind=MASK - "),
        "slurm cpu-bind line comes first"
    );
    assert!(
        lines_of(&t)[1].starts_with("[CMD] python3 -m sglang.launch_server "),
        "odd seed echoes the launch command"
    );
    assert!(t.contains("--tp-size 4 --dp-size 1 --ep-size 1"));
    assert!(t.contains("INFO:     ") && t.contains(" - \"POST /generate HTTP/1.1\" 200 OK"));
    let long = lines_of(&t).into_iter().map(str::len).max().unwrap_or(0);
    assert!(long > 4000, "long server_args line");
    let names: Vec<String> = std::fs::read_dir(dir.join("logs"))
        .expect("logs")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().any(|n| n.ends_with("_frontend_0.out")));
    assert!(names.iter().any(|n| n == "benchmark.out"));
    assert_eq!(names.iter().filter(|n| n.contains("_prefill_w")).count(), 2);
    let _ = std::fs::remove_dir_all(&dir);

    // noise off: no third-party lines, every line is a prefixed record
    let dir = tmp("quiet");
    let cfg = SimConfig {
        noise: false,
        seed: 8,
        ..small(Backend::Sglang(SglangVariant::V056))
    };
    let m = write_run(&dir, &cfg).expect("run");
    for f in &m.files {
        let t = read_text(&f.path);
        for l in lines_of(&t) {
            assert!(native(l).is_some(), "unprefixed line with noise off: {l}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn load_curve_shapes_values() {
    let dir = tmp("curve");
    let cfg = SimConfig {
        duration_s: 1800,
        ..small(Backend::Sglang(SglangVariant::V056))
    };
    let m = write_run(&dir, &cfg).expect("run");
    let t = read_text(&m.files[2].path);
    let mut running = Vec::new();
    let mut queue = Vec::new();
    for l in lines_of(&t)
        .into_iter()
        .filter(|l| l.contains("Decode batch"))
    {
        let get = |k: &str| -> f64 {
            let i = l.find(k).expect("key") + k.len();
            l[i..]
                .split(',')
                .next()
                .expect("val")
                .trim()
                .parse()
                .expect("num")
        };
        running.push(get("#running-req: "));
        queue.push(get("#queue-req: "));
    }
    let n = running.len();
    assert!(n > 100);
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let early = mean(&running[..n / 20]);
    let mid = mean(&running[n * 2 / 5..n * 3 / 5]);
    let late = mean(&running[n - n / 30..]);
    assert!(
        mid > 2.0 * early && mid > 2.0 * late,
        "ramp {early} {mid} {late}"
    );
    assert!(
        queue.iter().cloned().fold(0.0, f64::max) > 5.0,
        "queue grows under load"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn rejects_bad_configs() {
    let dir = tmp("bad");
    for cfg in [
        SimConfig {
            tp: 0,
            ..SimConfig::default()
        },
        SimConfig {
            mode: Mode::Aggregated { workers: 0 },
            ..SimConfig::default()
        },
        SimConfig {
            start: StartTime::new(2025, 13, 1, 0, 0, 0),
            ..SimConfig::default()
        },
    ] {
        let e = write_run(&dir, &cfg).expect_err("invalid");
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn request_log_schema_counts_and_target() {
    let dir = tmp("reqlog");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let p = dir.join("requests.jsonl");
    let cfg = RequestLogConfig {
        requests: 5000,
        ..RequestLogConfig::default()
    };
    let truth = write_request_log_with_truth(&p, &cfg).expect("write");
    let t = read_text(&p);
    let lines = lines_of(&t);
    assert_eq!(lines.len() as u64, truth.requests);
    assert_eq!(truth.bytes, t.len() as u64);
    let errors = lines
        .iter()
        .filter(|l| l.contains("\"status\": \"error\""))
        .count() as u64;
    assert_eq!(errors, truth.errors);
    assert!(errors > 0);
    let keys = [
        "{\"timestamp\": \"",
        "\", \"request_id\": \"",
        "\", \"model\": \"",
        "\", \"latency_ms\": ",
        ", \"batch_size\": ",
        ", \"status\": \"",
        ", \"gpu_util\": ",
        ", \"memory_used_gb\": ",
    ];
    let mut prev = String::new();
    let mut spike_lat = 0.0;
    let mut base_lat = 0.0;
    for (i, l) in lines.iter().enumerate() {
        let mut pos = 0;
        for k in keys {
            let at = l[pos..].find(k).map(|x| x + pos).expect("key in order");
            pos = at + k.len();
        }
        assert!(l.ends_with('}'));
        let ts = &l[15..39];
        assert!(ts.ends_with('Z') && &ts[10..11] == "T");
        assert!(ts >= prev.as_str());
        prev = ts.to_string();
        let li = l.find("\"latency_ms\": ").expect("lat") + 14;
        let lat: f64 = l[li..].split(',').next().expect("v").parse().expect("f");
        if (truth.spike_first_index..truth.spike_end_index).contains(&(i as u64)) {
            spike_lat += lat / truth.spike_requests as f64;
        } else {
            base_lat += lat / (truth.requests - truth.spike_requests) as f64;
        }
    }
    assert!(
        spike_lat > 2.0 * base_lat,
        "latency spike {spike_lat} vs {base_lat}"
    );
    assert!(lines[0].contains(&truth.first_timestamp));

    let target = 2_000_000u64;
    let p2 = dir.join("big.jsonl.zst");
    let t2 = write_request_log_with_truth(
        &p2,
        &RequestLogConfig {
            target_bytes: Some(target),
            compression: Compression::Zstd,
            ..RequestLogConfig::default()
        },
    )
    .expect("write");
    let err = (t2.uncompressed_bytes as f64 - target as f64).abs() / target as f64;
    assert!(err < 0.05, "{err}");
    assert_eq!(read_text(&p2).len() as u64, t2.uncompressed_bytes);
    assert_eq!(write_request_log(&p, &cfg).expect("again"), truth.bytes);
    let _ = std::fs::remove_dir_all(&dir);
}
