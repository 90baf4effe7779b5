//! Non-worker files of a run: the frontend/router log and `benchmark.out`.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::civil;
use crate::model::RunFacts;
use crate::rng::Rng;
use crate::sglang::push_ip;
use crate::{Backend, FilePlan, Kind, SglangVariant, SimConfig, Timing};

fn ip_str(ip: [u8; 4]) -> String {
    let mut b = Vec::new();
    push_ip(&mut b, ip);
    String::from_utf8_lossy(&b).into_owned()
}

/// Write the frontend log and `benchmark.out`; returns their paths.
pub(crate) fn write_aux(
    logs: &Path,
    cfg: &SimConfig,
    t: &Timing,
    plans: &[FilePlan],
) -> io::Result<Vec<PathBuf>> {
    let node = plans
        .first()
        .map(|p| p.node.clone())
        .unwrap_or_else(|| "node-00".into());
    let fe = logs.join(format!("{node}_frontend_0.out"));
    write_frontend(&fe, cfg, t, plans)?;
    let bench = logs.join("benchmark.out");
    write_benchmark(&bench, cfg, t, plans)?;
    Ok(vec![fe, bench])
}

fn eol(cfg: &SimConfig) -> &'static str {
    if cfg.crlf {
        "\r\n"
    } else {
        "\n"
    }
}

fn write_frontend(path: &Path, cfg: &SimConfig, t: &Timing, plans: &[FilePlan]) -> io::Result<()> {
    let mut w = BufWriter::new(File::create(path)?);
    let mut rng = Rng::derive(cfg.seed, 0xfe);
    let nl = eol(cfg);
    let router = plans.first().map(|p| p.router_ip).unwrap_or([10, 0, 0, 1]);
    let urls = |k: Kind| -> Vec<String> {
        plans
            .iter()
            .filter(|p| p.kind == k)
            .map(|p| format!("http://{}:{}", ip_str(p.ip), p.port))
            .collect()
    };
    let t0 = t.start_us - 3_000_000;
    if cfg.backend == Backend::Sglang(SglangVariant::Dynamo) {
        let iso = |us: i64| -> String {
            let s = civil::render_us(us, false).replacen(' ', "T", 1);
            format!("{s}.{:06}Z", us.rem_euclid(1_000_000))
        };
        let lines = [
            (
                t0,
                "dynamo_runtime::distributed",
                format!(
                    "Connecting to the discovery backend: Etcd(http://{}:2379)",
                    ip_str(router)
                ),
            ),
            (
                t0 + 400_000,
                "dynamo_llm::http::service::service_v2",
                "Starting HTTP service on: 0.0.0.0:8000".to_string(),
            ),
            (
                t0 + 900_000,
                "dynamo_llm::discovery::watcher",
                format!(
                    "added model {}",
                    RunFacts::new(cfg, t.duration_us).model.path
                ),
            ),
            (
                t.serve_start_us - 2_000_000,
                "dynamo_llm::kv_router",
                format!("{} workers registered", plans.len()),
            ),
        ];
        for (us, target, msg) in lines {
            write!(w, "{}  INFO {}: {}{}", iso(us), target, msg, nl)?;
        }
    } else {
        let mode = match cfg.mode {
            crate::Mode::Disaggregated { .. } => format!(
                "PrefillDecode {{ prefill_urls: [{}], decode_urls: [{}] }}",
                urls(Kind::Prefill)
                    .iter()
                    .map(|u| format!("(\"{u}\", None)"))
                    .collect::<Vec<_>>()
                    .join(", "),
                urls(Kind::Decode)
                    .iter()
                    .map(|u| format!("\"{u}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            crate::Mode::Aggregated { .. } => format!(
                "Regular {{ worker_urls: [{}] }}",
                urls(Kind::Agg)
                    .iter()
                    .map(|u| format!("\"{u}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let tr = |us: i64, level: &str, module: &str, file: &str, line: u32, msg: &str| -> String {
            let ts = String::from_utf8_lossy(&civil::render(us.div_euclid(1_000_000))).into_owned();
            let colour = if level == "WARN" { "33" } else { "32" };
            format!(
                "\x1b[2m{ts}\x1b[0m \x1b[{colour}m {level}\x1b[0m \x1b[2m{module}\x1b[0m\x1b[2m:\x1b[0m \x1b[2m{file}\x1b[0m\x1b[2m:\x1b[0m\x1b[2m{line}:\x1b[0m {msg}"
            )
        };
        let mut lines = vec![
            tr(
                t0,
                "INFO",
                "sglang_router_rs::server",
                "src/server.rs",
                811,
                &format!("Starting router on 0.0.0.0:8000 | mode: {mode}"),
            ),
            tr(
                t0,
                "INFO",
                "sglang_router_rs::core::worker_manager",
                "src/core/worker_manager.rs",
                204,
                "Starting worker initialization",
            ),
        ];
        for (i, p) in plans.iter().enumerate() {
            lines.push(tr(
                t0 + 1_000_000 + i as i64 * 10_000,
                "WARN",
                "sglang_router_rs::core::worker_manager",
                "src/core/worker_manager.rs",
                1219,
                &format!(
                    "Worker http://{}:{} not ready yet, will retry",
                    ip_str(p.ip),
                    p.port
                ),
            ));
        }
        for (i, p) in plans.iter().enumerate() {
            lines.push(tr(
                t.serve_start_us - 5_000_000 + i as i64 * 20_000,
                "INFO",
                "sglang_router_rs::core::worker_manager",
                "src/core/worker_manager.rs",
                970,
                &format!(
                    "Registered {} worker http://{}:{}",
                    p.kind.as_str(),
                    ip_str(p.ip),
                    p.port
                ),
            ));
        }
        lines.push(tr(
            t.serve_start_us - 1_000_000,
            "INFO",
            "sglang_router_rs::server",
            "src/server.rs",
            902,
            "Router ready, all workers healthy",
        ));
        for l in lines {
            write!(w, "{l}{nl}")?;
        }
        let mut times: Vec<i64> = (0..3)
            .map(|_| t.serve_start_us + rng.below(t.duration_us.max(1) as u64) as i64)
            .collect();
        times.sort_unstable();
        for us in times {
            let ts = String::from_utf8_lossy(&civil::render(us.div_euclid(1_000_000))).into_owned();
            write!(
                w,
                "[{ts}] INFO:     {}:{} - \"POST /v1/chat/completions HTTP/1.1\" 200 OK{nl}",
                ip_str([10, router[1], 255, 10]),
                rng.int(32768, 60999)
            )?;
        }
    }
    w.flush()
}

fn write_benchmark(path: &Path, cfg: &SimConfig, t: &Timing, plans: &[FilePlan]) -> io::Result<()> {
    let mut w = BufWriter::new(File::create(path)?);
    let nl = eol(cfg);
    let facts = RunFacts::new(cfg, t.duration_us);
    let mut rng = Rng::derive(cfg.seed, 0xbe);
    // The client keeps as many requests in flight as the servers run at
    // full load (RUN_FULL_MAX per decode-side scheduler), so its token
    // count agrees with what the worker logs print (issue 17 item 22).
    let _ = rng.pick(&[64u32, 128, 256, 512, 1024]); // keeps later draws as they were
    let schedulers = plans
        .iter()
        .filter(|p| p.kind != Kind::Prefill)
        .count()
        .max(1) as u32
        * cfg.dp.max(1);
    let conc = schedulers * crate::sglang::RUN_FULL_MAX as u32;
    let dur = t.duration_us as f64 / 1e6;
    let reqs = ((dur * conc as f64 / (facts.osl / 40.0 + 1.0)) * 0.8).max(1.0) as u64;
    let router = plans.first().map(|p| p.router_ip).unwrap_or([10, 0, 0, 1]);
    let ts =
        |us: i64| String::from_utf8_lossy(&civil::render(us.div_euclid(1_000_000))).into_owned();
    let in_tok = reqs as f64 * facts.isl;
    let out_tok = reqs as f64 * facts.osl;
    let lines = vec![
        format!(
            "[CMD] python3 -m sglang.bench_serving --backend sglang-oai --host {} --port 8000 --model {} --dataset-name random --random-input-len {} --random-output-len {} --num-prompts {} --max-concurrency {}",
            ip_str(router),
            facts.model.path,
            facts.isl as u64,
            facts.osl as u64,
            reqs,
            conc
        ),
        format!(
            "{} waiting for {} workers ({} GPUs each, {}) to report healthy",
            ts(t.serve_start_us - 4_000_000),
            plans.len(),
            crate::model::Topo::from_cfg(cfg).gpus(),
            facts.gpu.name
        ),
        format!("#Input tokens: {}", in_tok as u64),
        format!("#Output tokens: {}", out_tok as u64),
        "Starting warmup with 1 sequences...".to_string(),
        "Warmup completed with 1 sequences. Starting main benchmark run...".to_string(),
        String::new(),
        "============ Serving Benchmark Result ============".to_string(),
        format!("{:<41}{}", "Backend:", "sglang-oai"),
        format!("{:<41}{}", "Traffic request rate:", "inf"),
        format!("{:<41}{}", "Max request concurrency:", conc),
        format!("{:<41}{}", "Successful requests:", reqs),
        format!("{:<41}{:.2}", "Benchmark duration (s):", dur),
        format!("{:<41}{}", "Total input tokens:", in_tok as u64),
        format!("{:<41}{}", "Total generated tokens:", out_tok as u64),
        format!("{:<41}{:.2}", "Request throughput (req/s):", reqs as f64 / dur.max(1.0)),
        format!("{:<41}{:.2}", "Input token throughput (tok/s):", in_tok / dur.max(1.0)),
        format!("{:<41}{:.2}", "Output token throughput (tok/s):", out_tok / dur.max(1.0)),
        format!("{:<41}{:.2}", "Mean E2E Latency (ms):", facts.osl / 40.0 * 1000.0 * rng.range(0.9, 1.3)),
        format!("{:<41}{:.2}", "Median TTFT (ms):", rng.range(150.0, 2500.0)),
        format!("{:<41}{:.2}", "Mean ITL (ms):", rng.range(12.0, 45.0)),
        "==================================================".to_string(),
    ];
    for l in lines {
        write!(w, "{l}{nl}")?;
    }
    w.flush()
}
