//! The benchmark client's side of a simulated run: one JSON line per request
//! (`OUT/client/requests.jsonl`, the request-log schema of formats.md §4 with
//! its `ttft_ms`, `itl_ms`, `input_tokens` and `output_tokens` fields), so
//! that `srtlog compare` has per-request latencies of the same run.
//!
//! The requests follow the run's scenario ([`RunFacts`]: model, prompt and
//! output lengths, prefix-cache hits, load curve): arrivals are a Poisson
//! process thinned by the load curve (5 requests/s at full load); each
//! request's time to first token is its queue wait (which grows when the
//! load passes 0.92, as the schedulers' queues do) plus its prefill time;
//! its time per output token comes from a per-request decode speed that
//! falls as the load rises. With [`SimConfig::two_batch_overlap`] the
//! decode workers are 1.2× faster, so the time per output token is divided
//! by 1.2; nothing on the prefill side changes. Half a percent of the
//! requests fail (`"status": "error"`), whatever the settings.
//!
//! Randomness: the scenario comes from [`SimConfig::seed`]; the per-request
//! draws from [`SimConfig::replicate`] when it is set, so two replicates
//! are two runs of one job.

use crate::civil::TsCache;
use crate::model::RunFacts;
use crate::out::{FileSink, Out};
use crate::reqlog::iso;
use crate::rng::Rng;
use crate::{fmt, Compression, SimConfig, Timing};
use std::io;
use std::path::Path;

/// Requests per second at full load.
const RATE: f64 = 5.0;
/// Failed requests, as a fraction.
pub(crate) const ERROR_RATE: f64 = 0.005;
/// Decode speed-up of two-batch overlap (see `SimConfig::two_batch_overlap`).
pub(crate) const TBO_SPEEDUP: f64 = 1.2;

/// Writes the client log to `path`; returns the number of requests.
pub(crate) fn write_client_log(path: &Path, cfg: &SimConfig, timing: &Timing) -> io::Result<u64> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let facts = RunFacts::new(cfg, timing.duration_us);
    let mut rng = Rng::derive(cfg.replicate.unwrap_or(cfg.seed), 0x00c1_1e47);
    let sink = FileSink::create(path, Compression::None)?;
    let mut out = Out::new(sink, false);
    let mut ts = TsCache::default();
    let speedup = if cfg.two_batch_overlap {
        TBO_SPEEDUP
    } else {
        1.0
    };
    let end_s = timing.duration_us as f64 / 1e6;
    let peak = 1.5;
    let mut t_s = 0.0;
    let mut n = 0u64;
    loop {
        t_s += -(1.0 - rng.f64()).ln() / (RATE * peak);
        if t_s >= end_s {
            break;
        }
        let load = facts.profile.load(t_s);
        if !rng.chance((load / peak).min(1.0)) {
            continue;
        }
        n += 1;
        let input = (facts.isl * rng.range(0.6, 1.4)).round().max(1.0);
        let output = (facts.osl * rng.range(0.5, 1.5)).round().max(2.0);
        let queue_ms = if load > 0.92 {
            (load - 0.92) * 4000.0 * -(1.0 - rng.f64()).ln()
        } else {
            5.0 * -(1.0 - rng.f64()).ln()
        };
        let prefill_ms =
            15.0 + input * (1.0 - facts.hit) / 12_000.0 * 1000.0 * rng.range(0.8, 1.25);
        let ttft = queue_ms + prefill_ms + 20.0 * rng.range(0.5, 1.5);
        let tps = 45.0 / (1.0 + 0.25 * load) * (0.08 * rng.normal()).exp();
        let tpot = 1000.0 / (tps * speedup);
        let e2e = ttft + tpot * (output - 1.0);
        let failed = rng.chance(ERROR_RATE);
        let us = timing.serve_start_us + (t_s * 1e6) as i64;
        let b = &mut out.buf;
        b.extend_from_slice(b"{\"timestamp\": \"");
        iso(b, &mut ts, us);
        b.extend_from_slice(b"\", \"request_id\": \"req-");
        fmt::padn(b, n, 6);
        b.extend_from_slice(b"\", \"model\": \"");
        b.extend_from_slice(facts.model.path.as_bytes());
        b.extend_from_slice(b"\", \"latency_ms\": ");
        fmt::f2(b, e2e);
        b.extend_from_slice(b", \"ttft_ms\": ");
        fmt::f2(b, ttft);
        b.extend_from_slice(b", \"itl_ms\": ");
        fmt::f2(b, tpot);
        b.extend_from_slice(b", \"input_tokens\": ");
        fmt::u(b, input as u64);
        b.extend_from_slice(b", \"output_tokens\": ");
        fmt::u(b, output as u64);
        b.extend_from_slice(if failed {
            &b", \"status\": \"error\", \"error\": \"upstream request timeout\"}"[..]
        } else {
            &b", \"status\": \"success\"}"[..]
        });
        out.end_line()?;
    }
    let (sink, _) = out.finish()?;
    sink.finish()?;
    Ok(n)
}
