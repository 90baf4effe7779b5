//! Prometheus `/metrics` snapshot folders for demos, tests and benchmarks of
//! `srtlog snapshots`: the seed's per-request before/after files
//! (`{request_id}_{before|after}_{YYYYMMDD_HHMMSS_micro}.txt`) with the
//! ground truth of every request, periodic scrapes (with an optional server
//! restart), and large expositions for parser benchmarks.
//!
//! Expositions are written the way prometheus_client 0.0.4 renders them
//! (formats.md §2.4): `# HELP`/`# TYPE`, alphabetical labels, `_created`
//! gauge families beside counters, cumulative `_bucket{le}` up to `+Inf`,
//! `_count`, `_sum`; metric names of vLLM V1, vLLM V0 or SGLang.

use crate::rng::Rng;
use std::fmt::Write as _;
use std::io;
use std::path::Path;

/// Which server's metric names to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricsBackend {
    /// vLLM V1 (0.10+): `engine` and `model_name` labels, prefill/decode/
    /// queue/inference histograms, `inter_token_latency_seconds`.
    VllmV1,
    /// vLLM V0: `model_name` only, TTFT/e2e and `time_per_output_token_seconds`.
    VllmV0,
    /// SGLang (`--enable-metrics`).
    Sglang,
}

/// What to write.
#[derive(Clone, Debug)]
pub struct SnapshotSimConfig {
    /// Requests (one before/after pair each).
    pub requests: usize,
    /// Metric names.
    pub backend: MetricsBackend,
    /// Every n-th request overlaps the next one (0: never).
    pub overlap_every: usize,
    /// Seed.
    pub seed: u64,
    /// Time of the first snapshot, µs since the epoch.
    pub start_us: i64,
}

impl Default for SnapshotSimConfig {
    fn default() -> Self {
        SnapshotSimConfig {
            requests: 5,
            backend: MetricsBackend::VllmV1,
            overlap_every: 0,
            seed: 7,
            // 2025-11-06 22:47:00 UTC, the seed's example day.
            start_us: 1_762_469_220_000_000,
        }
    }
}

/// The truth of one simulated request.
#[derive(Clone, Debug, PartialEq)]
pub struct RequestTruth {
    /// Request id.
    pub request_id: String,
    /// Queue time (s).
    pub queue_s: f64,
    /// Prefill time (s).
    pub prefill_s: f64,
    /// Decode time (s).
    pub decode_s: f64,
    /// TTFT = queue + prefill (s).
    pub ttft_s: f64,
    /// End-to-end latency = TTFT + decode (s).
    pub e2e_s: f64,
    /// Prompt tokens.
    pub prompt_tokens: u64,
    /// Generated tokens.
    pub generation_tokens: u64,
    /// Its window overlaps another request's (deltas then mix both).
    pub overlapped: bool,
}

const TIME_BUCKETS: &[f64] = &[
    0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0,
    480.0, 960.0, 1920.0, 7680.0,
];
const TTFT_BUCKETS: &[f64] = &[
    0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
    20.0, 40.0, 80.0, 160.0, 640.0, 2560.0,
];
const ITL_BUCKETS: &[f64] = &[
    0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0,
    40.0, 80.0,
];
const TOKEN_BUCKETS: &[f64] = &[
    1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0, 10000.0,
];

/// A cumulative histogram.
#[derive(Clone, Debug)]
struct Hist {
    bounds: &'static [f64],
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

impl Hist {
    fn new(bounds: &'static [f64]) -> Self {
        Hist {
            bounds,
            counts: vec![0; bounds.len()],
            sum: 0.0,
            count: 0,
        }
    }
    fn observe(&mut self, v: f64, n: u64) {
        for (b, c) in self.bounds.iter().zip(&mut self.counts) {
            if v <= *b {
                *c += n;
            }
        }
        self.sum += v * n as f64;
        self.count += n;
    }
}

/// The cumulative state of a simulated server.
#[derive(Clone, Debug)]
struct Server {
    backend: MetricsBackend,
    hists: Vec<(&'static str, Hist)>,
    prompt: u64,
    generation: u64,
    success: u64,
    running: u64,
    kv: f64,
}

impl Server {
    fn new(backend: MetricsBackend) -> Self {
        let names: Vec<(&'static str, &'static [f64])> = match backend {
            MetricsBackend::VllmV1 => vec![
                ("time_to_first_token_seconds", TTFT_BUCKETS),
                ("inter_token_latency_seconds", ITL_BUCKETS),
                ("e2e_request_latency_seconds", TIME_BUCKETS),
                ("request_queue_time_seconds", TIME_BUCKETS),
                ("request_inference_time_seconds", TIME_BUCKETS),
                ("request_prefill_time_seconds", TIME_BUCKETS),
                ("request_decode_time_seconds", TIME_BUCKETS),
                ("request_prompt_tokens", TOKEN_BUCKETS),
                ("request_generation_tokens", TOKEN_BUCKETS),
            ],
            MetricsBackend::VllmV0 => vec![
                ("time_to_first_token_seconds", TTFT_BUCKETS),
                ("time_per_output_token_seconds", ITL_BUCKETS),
                ("e2e_request_latency_seconds", TIME_BUCKETS),
                ("request_prompt_tokens", TOKEN_BUCKETS),
                ("request_generation_tokens", TOKEN_BUCKETS),
            ],
            MetricsBackend::Sglang => vec![
                ("time_to_first_token_seconds", TTFT_BUCKETS),
                ("inter_token_latency_seconds", ITL_BUCKETS),
                ("e2e_request_latency_seconds", TIME_BUCKETS),
                ("queue_time_seconds", TIME_BUCKETS),
            ],
        };
        Server {
            backend,
            hists: names.into_iter().map(|(n, b)| (n, Hist::new(b))).collect(),
            prompt: 0,
            generation: 0,
            success: 0,
            running: 0,
            kv: 0.0,
        }
    }

    fn hist(&mut self, name: &str) -> Option<&mut Hist> {
        self.hists
            .iter_mut()
            .find(|(n, _)| *n == name)
            .map(|(_, h)| h)
    }

    fn finish(&mut self, r: &RequestTruth) {
        let itl = r.decode_s / (r.generation_tokens.max(2) - 1) as f64;
        let obs: [(&str, f64, u64); 11] = [
            ("time_to_first_token_seconds", r.ttft_s, 1),
            ("inter_token_latency_seconds", itl, r.generation_tokens - 1),
            (
                "time_per_output_token_seconds",
                itl,
                r.generation_tokens - 1,
            ),
            ("e2e_request_latency_seconds", r.e2e_s, 1),
            ("request_queue_time_seconds", r.queue_s, 1),
            ("queue_time_seconds", r.queue_s, 1),
            (
                "request_inference_time_seconds",
                r.prefill_s + r.decode_s,
                1,
            ),
            ("request_prefill_time_seconds", r.prefill_s, 1),
            ("request_decode_time_seconds", r.decode_s, 1),
            ("request_prompt_tokens", r.prompt_tokens as f64, 1),
            ("request_generation_tokens", r.generation_tokens as f64, 1),
        ];
        for (n, v, k) in obs {
            if let Some(h) = self.hist(n) {
                h.observe(v, k);
            }
        }
        self.prompt += r.prompt_tokens;
        self.generation += r.generation_tokens;
        self.success += 1;
    }

    /// Renders the exposition.
    fn render(&self, created: f64) -> String {
        let p = prefix(self.backend);
        let labels = match self.backend {
            MetricsBackend::VllmV1 => "engine=\"0\",model_name=\"sim-model\"".to_string(),
            MetricsBackend::VllmV0 => "model_name=\"sim-model\"".to_string(),
            MetricsBackend::Sglang => {
                "engine_type=\"unified\",model_name=\"sim-model\",pp_rank=\"0\",tp_rank=\"0\""
                    .to_string()
            }
        };
        let mut s = String::with_capacity(16 << 10);
        s.push_str("# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n# TYPE process_cpu_seconds_total counter\n");
        let _ = writeln!(
            s,
            "process_cpu_seconds_total {:?}",
            10.0 + self.success as f64 * 0.25
        );
        let gauges: [(&str, f64); 3] = match self.backend {
            MetricsBackend::Sglang => [
                ("num_running_reqs", self.running as f64),
                ("num_queue_reqs", 0.0),
                ("token_usage", self.kv),
            ],
            MetricsBackend::VllmV0 => [
                ("num_requests_running", self.running as f64),
                ("num_requests_waiting", 0.0),
                ("gpu_cache_usage_perc", self.kv),
            ],
            MetricsBackend::VllmV1 => [
                ("num_requests_running", self.running as f64),
                ("num_requests_waiting", 0.0),
                ("kv_cache_usage_perc", self.kv),
            ],
        };
        for (n, v) in gauges {
            let _ = writeln!(
                s,
                "# HELP {p}{n} {n}.\n# TYPE {p}{n} gauge\n{p}{n}{{{labels}}} {v:?}"
            );
        }
        for (n, v) in [
            ("prompt_tokens", self.prompt),
            ("generation_tokens", self.generation),
        ] {
            let _ = writeln!(
                s,
                "# HELP {p}{n}_total Number of {n}.\n# TYPE {p}{n}_total counter\n{p}{n}_total{{{labels}}} {:?}\n# HELP {p}{n}_created Number of {n}.\n# TYPE {p}{n}_created gauge\n{p}{n}_created{{{labels}}} {created:?}",
                v as f64
            );
        }
        if self.backend != MetricsBackend::Sglang {
            let _ = writeln!(s, "# HELP {p}request_success_total Count of successfully processed requests.\n# TYPE {p}request_success_total counter");
            for reason in ["length", "stop"] {
                let v = if reason == "stop" { self.success } else { 0 };
                let l = labels.replacen(
                    "model_name",
                    &format!("finished_reason=\"{reason}\",model_name"),
                    1,
                );
                let _ = writeln!(s, "{p}request_success_total{{{l}}} {:?}", v as f64);
            }
        }
        for (n, h) in &self.hists {
            let _ = writeln!(
                s,
                "# HELP {p}{n} Histogram of {n}.\n# TYPE {p}{n} histogram"
            );
            // `le` sorts between `engine`/`engine_type` and `model_name`.
            let (head, tail) = labels.split_at(labels.find("model_name").unwrap_or(0));
            for (b, c) in h.bounds.iter().zip(&h.counts) {
                let _ = writeln!(
                    s,
                    "{p}{n}_bucket{{{head}le=\"{b:?}\",{tail}}} {:?}",
                    *c as f64
                );
            }
            let _ = writeln!(
                s,
                "{p}{n}_bucket{{{head}le=\"+Inf\",{tail}}} {:?}",
                h.count as f64
            );
            let _ = writeln!(s, "{p}{n}_count{{{labels}}} {:?}", h.count as f64);
            let _ = writeln!(s, "{p}{n}_sum{{{labels}}} {:?}", h.sum);
            let _ = writeln!(s, "# HELP {p}{n}_created Histogram of {n}.\n# TYPE {p}{n}_created gauge\n{p}{n}_created{{{labels}}} {created:?}");
        }
        s
    }
}

fn prefix(b: MetricsBackend) -> &'static str {
    match b {
        MetricsBackend::Sglang => "sglang:",
        _ => "vllm:",
    }
}

/// `YYYYMMDD_HHMMSS_micro` of a UTC time.
fn stamp(us: i64) -> String {
    let secs = us.div_euclid(1_000_000);
    let (y, m, d) = crate::civil::civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    format!(
        "{y:04}{m:02}{d:02}_{:02}{:02}{:02}_{:06}",
        sod / 3600,
        sod / 60 % 60,
        sod % 60,
        us.rem_euclid(1_000_000)
    )
}

/// Writes a before/after folder; returns the truth of every request.
pub fn write_snapshot_folder(dir: &Path, cfg: &SnapshotSimConfig) -> io::Result<Vec<RequestTruth>> {
    std::fs::create_dir_all(dir)?;
    let mut rng = Rng::new(cfg.seed);
    let mut srv = Server::new(cfg.backend);
    let created = cfg.start_us as f64 / 1e6 - 3600.0;
    // Warm-up traffic so that counters do not start at zero.
    for i in 0..3 {
        let r = request(&mut rng, format!("warmup-{i}"));
        srv.finish(&r);
    }
    let mut t = cfg.start_us;
    let mut truths = Vec::with_capacity(cfg.requests);
    let write = |id: &str, stage: &str, t: i64, srv: &Server| {
        std::fs::write(
            dir.join(format!("{id}_{stage}_{}.txt", stamp(t))),
            srv.render(created),
        )
    };
    let mut i = 0;
    while i < cfg.requests {
        let overlap =
            cfg.overlap_every > 0 && (i + 1) % cfg.overlap_every == 0 && i + 1 < cfg.requests;
        if overlap {
            // Two requests in flight together: both windows hold both.
            let ida = format!("chatcmpl-{:016x}{:016x}", rng.next_u64(), rng.next_u64());
            let idb = format!("chatcmpl-{:016x}{:016x}", rng.next_u64(), rng.next_u64());
            let mut a = request(&mut rng, ida);
            let mut b = request(&mut rng, idb);
            a.overlapped = true;
            b.overlapped = true;
            srv.running = 0;
            write(&a.request_id, "before", t, &srv)?;
            let tb = t + 200_000;
            write(&b.request_id, "before", tb, &srv)?;
            srv.finish(&a);
            let ta_end = t + (a.e2e_s * 1e6) as i64 + 50_000;
            srv.finish(&b);
            let tb_end = tb + (b.e2e_s * 1e6) as i64 + 50_000;
            let end = ta_end.max(tb_end) + 1;
            write(&a.request_id, "after", end, &srv)?;
            write(&b.request_id, "after", end + 1000, &srv)?;
            t = end + 1_000_000;
            truths.push(a);
            truths.push(b);
            i += 2;
            continue;
        }
        let id = format!("chatcmpl-{:016x}{:016x}", rng.next_u64(), rng.next_u64());
        let r = request(&mut rng, id);
        srv.running = 0;
        srv.kv = 0.0;
        write(&r.request_id, "before", t, &srv)?;
        srv.finish(&r);
        srv.kv = (r.prompt_tokens + r.generation_tokens) as f64 / 100_000.0;
        let end = t + (r.e2e_s * 1e6) as i64 + 50_000;
        write(&r.request_id, "after", end, &srv)?;
        t = end + 1_000_000 + rng.int(0, 3_000_000) as i64;
        truths.push(r);
        i += 1;
    }
    Ok(truths)
}

fn request(rng: &mut Rng, id: String) -> RequestTruth {
    // Rounded to microseconds so that sums stay exact in decimal.
    let r6 = |x: f64| (x * 1e6).round() / 1e6;
    let queue = r6(rng.range(0.001, 0.2));
    let prefill = r6(rng.range(0.05, 2.5));
    let gen = rng.int(16, 600);
    let decode = r6(gen as f64 * rng.range(0.01, 0.04));
    RequestTruth {
        request_id: id,
        queue_s: queue,
        prefill_s: prefill,
        decode_s: decode,
        ttft_s: queue + prefill,
        e2e_s: queue + prefill + decode,
        prompt_tokens: rng.int(20, 4000),
        generation_tokens: gen,
        overlapped: false,
    }
}

/// Writes `scrapes` periodic snapshots `metrics_{time}.txt`, `every_us`
/// apart, with `per_scrape` requests finishing between consecutive ones;
/// the server restarts (counters back to zero) before scrape `restart_at`
/// when given. Returns the requests finished per interval.
pub fn write_interval_folder(
    dir: &Path,
    backend: MetricsBackend,
    scrapes: usize,
    every_us: i64,
    per_scrape: usize,
    restart_at: Option<usize>,
    seed: u64,
) -> io::Result<Vec<Vec<RequestTruth>>> {
    std::fs::create_dir_all(dir)?;
    let mut rng = Rng::new(seed);
    let mut srv = Server::new(backend);
    let start = SnapshotSimConfig::default().start_us;
    let mut out = Vec::new();
    for k in 0..scrapes {
        if Some(k) == restart_at {
            srv = Server::new(backend);
        }
        let mut done = Vec::new();
        if k > 0 {
            for j in 0..per_scrape {
                let r = request(&mut rng, format!("r{k}-{j}"));
                srv.finish(&r);
                done.push(r);
            }
            out.push(done);
        }
        srv.running = (per_scrape as u64).saturating_sub(k as u64 % 3);
        srv.kv = 0.1 + 0.05 * (k % 5) as f64;
        let t = start + k as i64 * every_us;
        std::fs::write(
            dir.join(format!("metrics_{}.txt", stamp(t))),
            srv.render(start as f64 / 1e6),
        )?;
    }
    Ok(out)
}

/// A large exposition of about `target_bytes` for parser benchmarks: the
/// vLLM V1 families repeated for many engines and models (the shape of a
/// big multi-engine `/metrics`).
pub fn large_exposition(target_bytes: usize, seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let mut srv = Server::new(MetricsBackend::VllmV1);
    for i in 0..50 {
        let r = request(&mut rng, format!("w{i}"));
        srv.finish(&r);
    }
    let one = srv.render(1.7e9);
    let mut s = String::with_capacity(target_bytes + one.len() * 2);
    let mut k = 0u64;
    while s.len() < target_bytes {
        // Distinct series per block: a different engine and model each time.
        s.push_str(
            &one.replace("engine=\"0\"", &format!("engine=\"{k}\""))
                .replace("sim-model", &format!("model-{}", k % 97)),
        );
        k += 1;
    }
    s
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn folder_and_truth() {
        let dir = std::env::temp_dir().join(format!("srtlog-sim-metrics-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let cfg = SnapshotSimConfig {
            requests: 6,
            overlap_every: 3,
            ..SnapshotSimConfig::default()
        };
        let t = write_snapshot_folder(&dir, &cfg).unwrap();
        assert_eq!(t.len(), 6);
        assert_eq!(t.iter().filter(|r| r.overlapped).count(), 2);
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 12);
        assert!((t[0].e2e_s - (t[0].ttft_s + t[0].decode_s)).abs() < 1e-9);
        let big = large_exposition(1 << 20, 1);
        assert!(big.len() >= 1 << 20);
        assert_eq!(stamp(0), "19700101_000000_000000");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
