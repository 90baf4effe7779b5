//! Benchmark-client result writers: `sglang.bench_serving --output-file`
//! JSON lines, `vllm bench serve --save-result` JSON (one run per line, as
//! `--append-result` writes them) and GuideLLM `benchmarks.json` (the
//! 2025 `args`/`run_stats` generation), each with or without per-request
//! details, to the schemas of the repository's `docs/client-formats.md`.
//!
//! The model: one run per entry of `concurrencies` (0 = no limit: every
//! request starts at once). Requests are served by `concurrency` client
//! slots in order; a request's time to first token is
//! `ttft_ms × (1 + concurrency / 64)` with ±20 % noise, each of its
//! inter-token gaps `itl_ms × (1 + concurrency / 32)` with ±10 % noise;
//! prompt and output lengths are the given means ±10 % (output ≥ 2). Every
//! `fail_every`-th request fails (no token, an error message). The run
//! figures are computed from these requests with the tools' definitions
//! (numpy's linear percentiles), and [`BenchTruth`] holds the counts.

use crate::rng::Rng;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::Path;

/// The client format to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BenchFormat {
    /// `sglang.bench_serving --output-file` JSON lines.
    SglangBenchServing,
    /// `vllm bench serve --save-result` JSON.
    VllmBenchServe,
    /// GuideLLM `benchmarks.json`.
    GuideLlm,
}

/// What to write.
#[derive(Clone, Debug)]
pub struct BenchConfig {
    /// Format.
    pub format: BenchFormat,
    /// Requests per run.
    pub requests: u64,
    /// One run per entry: its concurrency limit (0 = none).
    pub concurrencies: Vec<u32>,
    /// Write per-request details (`--output-details`, `--save-detailed`,
    /// GuideLLM request lists).
    pub details: bool,
    /// Mean time to first token at no load, ms.
    pub ttft_ms: f64,
    /// Mean inter-token gap at no load, ms.
    pub itl_ms: f64,
    /// Mean prompt tokens.
    pub input_tokens: u32,
    /// Mean output tokens.
    pub output_tokens: u32,
    /// Fail every n-th request (0: never).
    pub fail_every: u64,
    /// Model name.
    pub model: String,
    /// Random number generator state.
    pub seed: u64,
}

impl Default for BenchConfig {
    fn default() -> Self {
        BenchConfig {
            format: BenchFormat::SglangBenchServing,
            requests: 100,
            concurrencies: vec![8],
            details: true,
            ttft_ms: 50.0,
            itl_ms: 10.0,
            input_tokens: 512,
            output_tokens: 128,
            fail_every: 0,
            model: "Qwen/Qwen3-8B".into(),
            seed: 42,
        }
    }
}

/// What was written, per run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunTruth {
    /// Concurrency limit (0 = none).
    pub concurrency: u32,
    /// Requests sent.
    pub requests: u64,
    /// Requests failed.
    pub failed: u64,
    /// Run duration, s (first start to last end).
    pub duration_s: f64,
    /// Per-request TTFT of the successes, ms, in request order.
    pub ttft_ms: Vec<f64>,
    /// Per-request end-to-end latency of the successes, ms (TTFT + gaps).
    pub e2e_ms: Vec<f64>,
    /// Output tokens of the successes.
    pub output_tokens: u64,
}

/// What was written.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BenchTruth {
    /// One entry per run, in file order.
    pub runs: Vec<RunTruth>,
    /// Bytes written.
    pub bytes: u64,
}

/// One simulated request.
struct Req {
    start_s: f64,
    ok: bool,
    input: u64,
    output: u64,
    ttft_s: f64,
    itls_s: Vec<f64>,
}

impl Req {
    fn e2e_s(&self) -> f64 {
        self.ttft_s + self.itls_s.iter().sum::<f64>()
    }
}

fn simulate(cfg: &BenchConfig, conc: u32, rng: &mut Rng) -> Vec<Req> {
    let c = f64::from(conc.max(1));
    let slots = if conc == 0 {
        cfg.requests.max(1) as usize
    } else {
        conc as usize
    };
    let mut free = vec![0.0f64; slots];
    let mut out = Vec::with_capacity(cfg.requests as usize);
    for i in 0..cfg.requests {
        let slot = (0..slots)
            .min_by(|&a, &b| free[a].total_cmp(&free[b]))
            .unwrap_or(0);
        let start = free[slot];
        let vary = |rng: &mut Rng, m: u32| (f64::from(m) * rng.range(0.9, 1.1)).round() as u64;
        let input = vary(rng, cfg.input_tokens).max(1);
        let ok = cfg.fail_every == 0 || (i + 1) % cfg.fail_every != 0;
        let r = if ok {
            let output = vary(rng, cfg.output_tokens).max(2);
            let ttft = cfg.ttft_ms * (1.0 + c / 64.0) * (1.0 + 0.2 * rng.range(-1.0, 1.0)) / 1e3;
            let itl = cfg.itl_ms * (1.0 + c / 32.0) / 1e3;
            let itls = (1..output)
                .map(|_| itl * (1.0 + 0.1 * rng.range(-1.0, 1.0)))
                .collect();
            Req {
                start_s: start,
                ok,
                input,
                output,
                ttft_s: ttft.max(1e-4),
                itls_s: itls,
            }
        } else {
            Req {
                start_s: start,
                ok,
                input,
                output: 0,
                ttft_s: 0.0,
                itls_s: Vec::new(),
            }
        };
        free[slot] = start + r.e2e_s().max(0.001);
        out.push(r);
    }
    out
}

/// numpy's linear percentile of sorted `v` (Hyndman & Fan definition 7).
fn pct(v: &[f64], q: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let h = (v.len() - 1) as f64 * q / 100.0;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(v.len() - 1);
    v[lo] + (h - lo as f64) * (v[hi] - v[lo])
}

/// `(mean, median, std, p90, p95, p99)` of `v` (population std, numpy's).
fn stats(mut v: Vec<f64>) -> [f64; 6] {
    v.sort_by(f64::total_cmp);
    let n = v.len().max(1) as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    [
        mean,
        pct(&v, 50.0),
        var.sqrt(),
        pct(&v, 90.0),
        pct(&v, 95.0),
        pct(&v, 99.0),
    ]
}

/// The run's latency lists in ms: TTFT, ITL gaps, TPOT, E2E (successes).
fn lists(reqs: &[Req]) -> [Vec<f64>; 4] {
    let ok = || reqs.iter().filter(|r| r.ok);
    [
        ok().map(|r| r.ttft_s * 1e3).collect(),
        ok().flat_map(|r| r.itls_s.iter().map(|x| x * 1e3))
            .collect(),
        ok().map(|r| r.itls_s.iter().sum::<f64>() * 1e3 / (r.output as f64 - 1.0))
            .collect(),
        ok().map(|r| r.e2e_s() * 1e3).collect(),
    ]
}

fn json_list<T: std::fmt::Display>(it: impl Iterator<Item = T>) -> String {
    let v: Vec<String> = it.map(|x| x.to_string()).collect();
    format!("[{}]", v.join(", "))
}

/// The flat summary keys both tools write: `{mean,median,std,p90,p95,p99}_{name}_ms`.
fn flat_stats(s: &mut String, name: &str, v: Vec<f64>) {
    let [mean, median, std, p90, p95, p99] = stats(v);
    let _ = write!(
        s,
        ", \"mean_{name}_ms\": {mean}, \"median_{name}_ms\": {median}, \"std_{name}_ms\": {std}, \
         \"p90_{name}_ms\": {p90}, \"p95_{name}_ms\": {p95}, \"p99_{name}_ms\": {p99}"
    );
}

fn details_json(s: &mut String, reqs: &[Req], starts: bool) {
    let _ = write!(
        s,
        ", \"input_lens\": {}, \"output_lens\": {}, \"ttfts\": {}, \"itls\": {}",
        json_list(reqs.iter().map(|r| r.input)),
        json_list(reqs.iter().map(|r| r.output)),
        json_list(reqs.iter().map(|r| r.ttft_s)),
        json_list(reqs.iter().map(|r| json_list(r.itls_s.iter()))),
    );
    if starts {
        let _ = write!(
            s,
            ", \"start_times\": {}",
            json_list(reqs.iter().map(|r| 1000.0 + r.start_s))
        );
    }
    let _ = write!(
        s,
        ", \"generated_texts\": {}, \"errors\": {}",
        json_list(reqs.iter().map(|r| if r.ok { "\"text\"" } else { "\"\"" })),
        json_list(reqs.iter().map(|r| {
            if r.ok {
                "\"\""
            } else {
                "\"Traceback (most recent call last):\\n  File \\\"bench.py\\\"\\naiohttp.ClientConnectorError: connection refused\""
            }
        })),
    );
}

/// Totals of a run: `(completed, failed, input tokens, output tokens, duration)`.
fn totals(reqs: &[Req]) -> (u64, u64, u64, u64, f64) {
    let done = reqs.iter().filter(|r| r.ok).count() as u64;
    let input = reqs.iter().filter(|r| r.ok).map(|r| r.input).sum();
    let output = reqs.iter().filter(|r| r.ok).map(|r| r.output).sum();
    let end = reqs
        .iter()
        .map(|r| r.start_s + r.e2e_s())
        .fold(0.0, f64::max);
    (done, reqs.len() as u64 - done, input, output, end.max(1e-3))
}

fn sglang_line(cfg: &BenchConfig, conc: u32, reqs: &[Req]) -> String {
    let (done, _, input, output, dur) = totals(reqs);
    let mc = if conc == 0 {
        "null".to_owned()
    } else {
        conc.to_string()
    };
    let mut s = format!(
        "{{\"tag\": \"sim_c{conc}\", \"backend\": \"sglang\", \"dataset_name\": \"random\", \
         \"request_rate\": Infinity, \"max_concurrency\": {mc}, \"sharegpt_output_len\": null, \
         \"random_input_len\": {}, \"random_output_len\": {}, \"random_range_ratio\": 0.9, \
         \"server_info\": {{\"model_path\": \"{}\", \"tp_size\": 1, \"dp_size\": 1, \"version\": \"0.5.6\"}}, \
         \"duration\": {dur}, \"completed\": {done}, \"total_input_tokens\": {input}, \
         \"total_output_tokens\": {output}, \"total_output_tokens_retokenized\": {output}, \
         \"request_throughput\": {}, \"input_throughput\": {}, \"output_throughput\": {}, \
         \"total_throughput\": {}",
        cfg.input_tokens,
        cfg.output_tokens,
        cfg.model,
        done as f64 / dur,
        input as f64 / dur,
        output as f64 / dur,
        (input + output) as f64 / dur,
    );
    let [ttft, itl, tpot, e2e] = lists(reqs);
    let conc_obs = e2e.iter().sum::<f64>() / 1e3 / dur;
    flat_stats(&mut s, "e2e_latency", e2e);
    flat_stats(&mut s, "ttft", ttft);
    flat_stats(&mut s, "tpot", tpot);
    flat_stats(&mut s, "itl", itl);
    let _ = write!(s, ", \"concurrency\": {conc_obs}, \"accept_length\": null");
    if cfg.details {
        details_json(&mut s, reqs, false);
    }
    s.push('}');
    s
}

fn vllm_line(cfg: &BenchConfig, conc: u32, reqs: &[Req]) -> String {
    let (done, failed, input, output, dur) = totals(reqs);
    let mc = if conc == 0 {
        "null".to_owned()
    } else {
        conc.to_string()
    };
    let mut s = format!(
        "{{\"date\": \"20260101-000000\", \"endpoint_type\": \"vllm\", \"backend\": \"vllm\", \
         \"label\": null, \"model_id\": \"{m}\", \"tokenizer_id\": \"{m}\", \"num_prompts\": {n}, \
         \"request_rate\": \"inf\", \"burstiness\": 1.0, \"max_concurrency\": {mc}, \
         \"duration\": {dur}, \"completed\": {done}, \"failed\": {failed}, \
         \"total_input_tokens\": {input}, \"total_output_tokens\": {output}, \
         \"request_throughput\": {}, \"request_goodput\": null, \"output_throughput\": {}, \
         \"total_token_throughput\": {}",
        done as f64 / dur,
        output as f64 / dur,
        (input + output) as f64 / dur,
        m = cfg.model,
        n = reqs.len(),
    );
    if cfg.details {
        details_json(&mut s, reqs, true);
    }
    let [ttft, itl, tpot, e2e] = lists(reqs);
    flat_stats(&mut s, "ttft", ttft);
    flat_stats(&mut s, "tpot", tpot);
    flat_stats(&mut s, "itl", itl);
    flat_stats(&mut s, "e2el", e2e);
    s.push('}');
    s
}

/// A GuideLLM distribution summary of `v` scaled by `k`.
fn dist(v: Vec<f64>, k: f64) -> String {
    let n = v.len();
    let sum: f64 = v.iter().sum::<f64>() * k;
    let mut sorted: Vec<f64> = v.iter().map(|x| x * k).collect();
    sorted.sort_by(f64::total_cmp);
    let [mean, median, std, p90, p95, p99] = stats(sorted.clone());
    let (min, max) = (
        sorted.first().copied().unwrap_or(0.0),
        sorted.last().copied().unwrap_or(0.0),
    );
    let succ = format!(
        "{{\"mean\": {mean}, \"median\": {median}, \"mode\": {median}, \"variance\": {}, \"std_dev\": {std}, \
         \"min\": {min}, \"max\": {max}, \"count\": {n}, \"total_sum\": {sum}, \"percentiles\": {{\"p001\": {}, \
         \"p01\": {}, \"p05\": {}, \"p10\": {}, \"p25\": {}, \"p50\": {median}, \"p75\": {}, \"p90\": {p90}, \
         \"p95\": {p95}, \"p99\": {p99}, \"p999\": {}}}}}",
        std * std,
        pct(&sorted, 0.1),
        pct(&sorted, 1.0),
        pct(&sorted, 5.0),
        pct(&sorted, 10.0),
        pct(&sorted, 25.0),
        pct(&sorted, 75.0),
        pct(&sorted, 99.9),
    );
    format!("{{\"successful\": {succ}, \"errored\": null, \"incomplete\": null, \"total\": null}}")
}

const EPOCH0: f64 = 1_767_225_600.0;

fn guidellm_request(i: usize, r: &Req) -> String {
    let start = EPOCH0 + r.start_s;
    let end = start + r.e2e_s();
    let first = start + r.ttft_s;
    let mut s = format!(
        "{{\"type_\": \"generative_text_response\", \"request_id\": \"req-{i}\", \"request_type\": \"text_completions\", \
         \"prompt_tokens\": {}, \"output_tokens\": {}, \"start_time\": {start}, \"end_time\": {end}",
        r.input, r.output
    );
    if r.ok {
        let lat = r.e2e_s();
        let _ = write!(
            s,
            ", \"first_token_time\": {first}, \"last_token_time\": {end}, \"request_latency\": {lat}, \
             \"time_to_first_token_ms\": {}, \"time_per_output_token_ms\": {}, \"inter_token_latency_ms\": {}",
            r.ttft_s * 1e3,
            lat * 1e3 / r.output as f64,
            (lat - r.ttft_s) * 1e3 / (r.output as f64 - 1.0),
        );
    } else {
        s.push_str(", \"error\": \"ClientConnectorError: connection refused\"");
    }
    s.push('}');
    s
}

fn guidellm_benchmark(cfg: &BenchConfig, conc: u32, reqs: &[Req]) -> String {
    let (done, failed, _, _, dur) = totals(reqs);
    let [ttft, _, _, e2e] = lists(reqs);
    let ok: Vec<&Req> = reqs.iter().filter(|r| r.ok).collect();
    let itl_req: Vec<f64> = ok
        .iter()
        .map(|r| (r.e2e_s() - r.ttft_s) * 1e3 / (r.output as f64 - 1.0))
        .collect();
    let tpot_req: Vec<f64> = ok
        .iter()
        .map(|r| r.e2e_s() * 1e3 / r.output as f64)
        .collect();
    let strategy = if conc == 0 {
        "{\"type_\": \"throughput\", \"max_concurrency\": null}".to_owned()
    } else {
        format!("{{\"type_\": \"concurrent\", \"streams\": {conc}}}")
    };
    let (succ, err): (Vec<String>, Vec<String>) = if cfg.details {
        let all: Vec<(bool, String)> = reqs
            .iter()
            .enumerate()
            .map(|(i, r)| (r.ok, guidellm_request(i, r)))
            .collect();
        (
            all.iter()
                .filter(|(o, _)| *o)
                .map(|(_, s)| s.clone())
                .collect(),
            all.iter()
                .filter(|(o, _)| !*o)
                .map(|(_, s)| s.clone())
                .collect(),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let one = |x: f64| dist(vec![x], 1.0);
    format!(
        "{{\"type_\": \"generative_benchmark\", \"id_\": \"bench-{conc}\", \"run_id\": \"run-1\", \
         \"args\": {{\"strategy\": {strategy}, \"max_number\": {n}}}, \
         \"run_stats\": {{\"start_time\": {EPOCH0}, \"end_time\": {end}, \"requests_made\": {{\"successful\": {done}, \"errored\": {failed}, \"incomplete\": 0, \"total\": {n}}}}}, \
         \"worker\": {{\"type_\": \"generative_requests_worker\", \"backend_type\": \"openai_http\", \"backend_target\": \"http://localhost:8000\", \"backend_model\": \"{m}\"}}, \
         \"start_time\": {EPOCH0}, \"end_time\": {end}, \
         \"metrics\": {{\"requests_per_second\": {rps}, \"request_concurrency\": {cc}, \"request_latency\": {lat}, \
         \"prompt_token_count\": {pt}, \"output_token_count\": {ot}, \"time_to_first_token_ms\": {tt}, \
         \"time_per_output_token_ms\": {tp}, \"inter_token_latency_ms\": {it}, \"output_tokens_per_second\": {ops}, \"tokens_per_second\": {tps}}}, \
         \"request_totals\": {{\"successful\": {done}, \"errored\": {failed}, \"incomplete\": 0, \"total\": {n}}}, \
         \"requests\": {{\"successful\": [{s}], \"errored\": [{e}], \"incomplete\": []}}}}",
        n = reqs.len(),
        end = EPOCH0 + dur,
        m = cfg.model,
        rps = one(done as f64 / dur),
        cc = one(e2e.iter().sum::<f64>() / 1e3 / dur),
        lat = dist(e2e.clone(), 1e-3),
        pt = dist(ok.iter().map(|r| r.input as f64).collect(), 1.0),
        ot = dist(ok.iter().map(|r| r.output as f64).collect(), 1.0),
        tt = dist(ttft, 1.0),
        tp = dist(tpot_req, 1.0),
        it = dist(itl_req, 1.0),
        ops = one(ok.iter().map(|r| r.output).sum::<u64>() as f64 / dur),
        tps = one(ok.iter().map(|r| r.output + r.input).sum::<u64>() as f64 / dur),
        s = succ.join(", "),
        e = err.join(", "),
    )
}

/// Writes the file and returns what it holds.
pub fn write_bench_result(path: &Path, cfg: &BenchConfig) -> io::Result<BenchTruth> {
    let mut truth = BenchTruth::default();
    let mut parts = Vec::new();
    for (k, &conc) in cfg.concurrencies.iter().enumerate() {
        let mut rng = Rng::derive(cfg.seed, k as u64);
        let reqs = simulate(cfg, conc, &mut rng);
        let (_, failed, _, output, dur) = totals(&reqs);
        let [ttft, _, _, e2e] = lists(&reqs);
        truth.runs.push(RunTruth {
            concurrency: conc,
            requests: reqs.len() as u64,
            failed,
            duration_s: dur,
            ttft_ms: ttft,
            e2e_ms: e2e,
            output_tokens: output,
        });
        parts.push(match cfg.format {
            BenchFormat::SglangBenchServing => sglang_line(cfg, conc, &reqs),
            BenchFormat::VllmBenchServe => vllm_line(cfg, conc, &reqs),
            BenchFormat::GuideLlm => guidellm_benchmark(cfg, conc, &reqs),
        });
    }
    let text = match cfg.format {
        BenchFormat::GuideLlm => format!("{{\"benchmarks\": [{}]}}\n", parts.join(", ")),
        _ => parts.iter().map(|p| format!("{p}\n")).collect(),
    };
    let mut f = io::BufWriter::new(std::fs::File::create(path)?);
    f.write_all(text.as_bytes())?;
    f.flush()?;
    truth.bytes = text.len() as u64;
    Ok(truth)
}
