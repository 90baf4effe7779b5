//! vLLM worker-log generators: V1 (0.25-era, [`generate`]) and V0 (0.6-era,
//! [`generate_v0`]), in the line shapes of formats.md §2.1–§2.3.

use std::io::{self, Write};

use crate::civil::TsCache;
use crate::fmt;
use crate::model::{RunFacts, Topo};
use crate::out::Out;
use crate::rng::Rng;
use crate::sglang::push_ip;
use crate::{Counts, FilePlan, Kind, SimConfig, Timing};

const VERSION: &str = "0.25.1";

struct Gen<'a, W: Write> {
    cfg: &'a SimConfig,
    timing: &'a Timing,
    plan: &'a FilePlan,
    facts: RunFacts,
    topo: Topo,
    out: Out<W>,
    ts: TsCache,
    rng: Rng,
    c: Counts,
    api_pid: u32,
}

struct Engine {
    rng: Rng,
    bias: f64,
    running: f64,
    waiting: f64,
    hit: f64,
    prev_zero: bool,
}

/// Generate one vLLM worker file.
pub(crate) fn generate<W: Write>(
    cfg: &SimConfig,
    timing: &Timing,
    plan: &FilePlan,
    out: Out<W>,
) -> io::Result<(W, u64, Counts)> {
    let mut g = Gen::new(cfg, timing, plan, out);
    let cap = g.startup()?;
    g.serve(cap)?;
    let (w, bytes) = g.out.finish()?;
    Ok((w, bytes, g.c))
}

impl<'a, W: Write> Gen<'a, W> {
    /// A generator for one file (V0 and V1 share it).
    fn new(cfg: &'a SimConfig, timing: &'a Timing, plan: &'a FilePlan, out: Out<W>) -> Self {
        Gen {
            cfg,
            timing,
            plan,
            facts: RunFacts::new(cfg, timing.duration_us),
            topo: Topo::from_cfg(cfg),
            out,
            ts: TsCache::default(),
            rng: Rng::new(plan.seed),
            c: Counts::default(),
            api_pid: plan.pid,
        }
    }
}

impl<W: Write> Gen<'_, W> {
    /// `(NAME pid=N) LEVEL MM-DD HH:MM:SS [file:line] ` into the chunk buffer.
    fn prefix(&mut self, us: i64, proc_name: &[u8], pid: u32, level: &[u8], loc: &[u8]) {
        let b = &mut self.out.buf;
        if !proc_name.is_empty() {
            if self.cfg.ansi {
                b.extend_from_slice(b"\x1b[1;36m");
            }
            b.push(b'(');
            b.extend_from_slice(proc_name);
            b.extend_from_slice(b" pid=");
            fmt::u(b, pid as u64);
            b.push(b')');
            if self.cfg.ansi {
                b.extend_from_slice(b"\x1b[0;0m");
            }
            b.push(b' ');
        }
        b.extend_from_slice(level);
        b.push(b' ');
        let ts = self.ts.get(us.div_euclid(1_000_000));
        b.extend_from_slice(&ts[5..]);
        b.extend_from_slice(b" [");
        b.extend_from_slice(loc);
        b.extend_from_slice(b"] ");
    }

    fn engine_name(&self, d: u32) -> Vec<u8> {
        let mut v = b"EngineCore".to_vec();
        if self.topo.dp > 1 {
            v.extend_from_slice(b"_DP");
            fmt::u(&mut v, d as u64);
        }
        v
    }

    fn worker_name(&self, d: u32, p: u32, t: u32) -> Vec<u8> {
        let mut v = b"Worker".to_vec();
        if self.topo.dp > 1 {
            v.extend_from_slice(b"_DP");
            fmt::u(&mut v, d as u64);
        }
        if self.topo.pp > 1 {
            v.extend_from_slice(b"_PP");
            fmt::u(&mut v, p as u64);
        }
        if self.topo.ep > 1 && self.topo.dp > 1 {
            v.extend_from_slice(b"_EP");
            fmt::u(&mut v, t as u64);
        } else {
            v.extend_from_slice(b"_TP");
            fmt::u(&mut v, t as u64);
        }
        v
    }

    fn line(&mut self) -> io::Result<()> {
        self.out.end_line()
    }

    fn startup(&mut self) -> io::Result<u64> {
        let w0 = self.timing.start_us + self.plan.offset_us;
        let s = |x: f64| (x * 1e6) as i64;
        let api = self.api_pid;
        let noise = self.cfg.noise;
        let model = self.facts.model;
        let dp = self.topo.dp.max(1);
        let tp = self.topo.tp.max(1);
        let pp = self.topo.pp.max(1);

        if noise {
            // ASCII banner; 0.25 ends these lines with \r\n
            let art: [&str; 5] = [
                "",
                "       ▄▄▄  ▄▄   ▄▄   ▄▄ ▄▄   ",
                " ▀▄ ▄▀ █    █    █ ▀▄▀ █   version ",
                "  ▀▄▀  █▄▄▄ █▄▄▄ █     █   model   ",
                "                              ",
            ];
            for (i, a) in art.iter().enumerate() {
                self.prefix(w0, b"APIServer", api, b"INFO", b"api_utils.py:339");
                self.out.buf.extend_from_slice(a.as_bytes());
                if i == 2 {
                    self.out.buf.extend_from_slice(VERSION.as_bytes());
                }
                if i == 3 {
                    self.out.buf.extend_from_slice(model.path.as_bytes());
                }
                if i < 4 {
                    self.out.buf.push(b'\r');
                }
                self.line()?;
            }
        }
        self.prefix(w0, b"APIServer", api, b"INFO", b"api_utils.py:273");
        {
            let b = &mut self.out.buf;
            b.extend_from_slice(b"non-default args: {'model_tag': '");
            b.extend_from_slice(model.path.as_bytes());
            b.extend_from_slice(b"', 'host': '0.0.0.0', 'model': '");
            b.extend_from_slice(model.path.as_bytes());
            b.extend_from_slice(b"', 'tensor_parallel_size': ");
            fmt::u(b, tp as u64);
            if pp > 1 {
                b.extend_from_slice(b", 'pipeline_parallel_size': ");
                fmt::u(b, pp as u64);
            }
            if dp > 1 {
                b.extend_from_slice(b", 'data_parallel_size': ");
                fmt::u(b, dp as u64);
            }
            if self.topo.ep > 1 {
                b.extend_from_slice(b", 'enable_expert_parallel': True");
            }
            if self.plan.kind != Kind::Agg {
                b.extend_from_slice(
                    b", 'kv_transfer_config': KVTransferConfig(kv_connector='NixlConnector', kv_role='kv_both')",
                );
            }
            b.extend_from_slice(b", 'gpu_memory_utilization': 0.9}");
        }
        self.line()?;
        if noise {
            self.prefix(w0 + s(0.5), b"APIServer", api, b"WARNING", b"envs.py:412");
            self.out
                .buf
                .extend_from_slice(b"VLLM_ATTENTION_BACKEND is set but ignored on this platform; the backend is chosen automatically.");
            self.line()?;
        }
        self.prefix(w0 + s(1.0), b"APIServer", api, b"INFO", b"model.py:619");
        self.out.buf.extend_from_slice(b"Resolved architecture: ");
        self.out.buf.extend_from_slice(model.arch.as_bytes());
        self.line()?;
        self.prefix(w0 + s(1.0), b"APIServer", api, b"INFO", b"model.py:1776");
        self.out.buf.extend_from_slice(b"Using max model len ");
        fmt::u(&mut self.out.buf, model.context_len as u64);
        self.line()?;

        let g = self.facts.gpu.total_gb;
        let wgt = self.facts.weights_per_rank(&self.topo) * 0.931; // GiB
        let kv_gib = (g * 0.9 * 0.931 - wgt - 2.5).max(1.0);
        let per_tok = self.facts.kv_bytes_per_rank(&self.topo);
        let cap = ((kv_gib * 1024.0 * 1024.0 * 1024.0) / per_tok).max(4096.0) as u64;

        for d in 0..dp {
            let ename = self.engine_name(d);
            let epid = api + 60 + d * 7;
            let world = tp * pp;
            let _ = (&ename, epid, world);
            self.prefix(w0 + s(6.0), &ename, epid, b"INFO", b"core.py:114");
            {
                let b = &mut self.out.buf;
                b.extend_from_slice(b"Initializing a V1 LLM engine (v");
                b.extend_from_slice(VERSION.as_bytes());
                b.extend_from_slice(b") with config: model='");
                b.extend_from_slice(model.path.as_bytes());
                b.extend_from_slice(b"', speculative_config=None, tokenizer='");
                b.extend_from_slice(model.path.as_bytes());
                b.extend_from_slice(b"', skip_tokenizer_init=False, tokenizer_mode=auto, revision=None, trust_remote_code=False, dtype=torch.bfloat16, max_seq_len=");
                fmt::u(b, model.context_len as u64);
                b.extend_from_slice(
                    b", download_dir=None, load_format=auto, tensor_parallel_size=",
                );
                fmt::u(b, tp as u64);
                b.extend_from_slice(b", pipeline_parallel_size=");
                fmt::u(b, pp as u64);
                b.extend_from_slice(b", data_parallel_size=");
                fmt::u(b, dp as u64);
                b.extend_from_slice(b", disable_custom_all_reduce=False, quantization=");
                b.extend_from_slice(model.quant.as_bytes());
                b.extend_from_slice(b", enforce_eager=False, kv_cache_dtype=auto, device_config=cuda, seed=0, served_model_name=");
                b.extend_from_slice(model.path.as_bytes());
                b.extend_from_slice(b", enable_prefix_caching=True, enable_chunked_prefill=True");
            }
            self.line()?;
        }
        for d in 0..dp {
            let ename = self.engine_name(d);
            let epid = api + 60 + d * 7;
            let world = tp * pp;
            let _ = (&ename, epid, world);
            let mut r = 0u32;
            for p in 0..pp {
                for t in 0..tp {
                    let wname = if world > 1 {
                        self.worker_name(d, p, t)
                    } else {
                        ename.clone()
                    };
                    let wpid = epid + 1 + r;
                    self.prefix(
                        w0 + s(8.0),
                        &wname,
                        wpid,
                        b"INFO",
                        b"parallel_state.py:1942",
                    );
                    let b = &mut self.out.buf;
                    b.extend_from_slice(b"rank ");
                    fmt::u(b, r as u64);
                    b.extend_from_slice(b" in world size ");
                    fmt::u(b, world as u64);
                    b.extend_from_slice(b" is assigned as DP rank ");
                    fmt::u(b, d as u64);
                    b.extend_from_slice(b", PP rank ");
                    fmt::u(b, p as u64);
                    b.extend_from_slice(b", TP rank ");
                    fmt::u(b, t as u64);
                    b.extend_from_slice(b", EP rank ");
                    fmt::u(b, (t % self.topo.ep.max(1)) as u64);
                    self.line()?;
                    r += 1;
                }
            }
        }
        for d in 0..dp {
            let ename = self.engine_name(d);
            let epid = api + 60 + d * 7;
            let world = tp * pp;
            let _ = (&ename, epid, world);
            if noise {
                let shards = 12u32;
                for k in (0..=shards).step_by(3) {
                    let wname = if world > 1 {
                        self.worker_name(d, 0, 0)
                    } else {
                        ename.clone()
                    };
                    self.out.buf.push(b'(');
                    self.out.buf.extend_from_slice(&wname);
                    self.out.buf.extend_from_slice(b" pid=");
                    fmt::u(&mut self.out.buf, (epid + 1) as u64);
                    self.out
                        .buf
                        .extend_from_slice(b") \rLoading safetensors checkpoint shards: ");
                    let pct = k * 100 / shards;
                    if pct < 100 {
                        self.out.buf.push(b' ');
                    }
                    if pct < 10 {
                        self.out.buf.push(b' ');
                    }
                    fmt::u(&mut self.out.buf, pct as u64);
                    self.out.buf.extend_from_slice(b"% Completed | ");
                    fmt::u(&mut self.out.buf, k as u64);
                    self.out.buf.push(b'/');
                    fmt::u(&mut self.out.buf, shards as u64);
                    self.out.buf.extend_from_slice(b" [00:");
                    fmt::pad2(&mut self.out.buf, k * 3);
                    self.out.buf.extend_from_slice(b"<00:");
                    fmt::pad2(&mut self.out.buf, (shards - k) * 3);
                    self.out.buf.extend_from_slice(b",  3.02s/it]");
                    self.line()?;
                }
            }
        }
        for d in 0..dp {
            let ename = self.engine_name(d);
            let epid = api + 60 + d * 7;
            let world = tp * pp;
            let _ = (&ename, epid, world);
            let mut r = 0u32;
            for p in 0..pp {
                for t in 0..tp {
                    let wname = if world > 1 {
                        self.worker_name(d, p, t)
                    } else {
                        ename.clone()
                    };
                    let wpid = epid + 1 + r;
                    let secs = self.rng.range(20.0, 90.0);
                    self.prefix(
                        w0 + s(48.0),
                        &wname,
                        wpid,
                        b"INFO",
                        b"gpu_model_runner.py:5483",
                    );
                    let b = &mut self.out.buf;
                    b.extend_from_slice(b"Model loading took ");
                    fmt::f2(b, wgt * self.rng.range(0.999, 1.001));
                    b.extend_from_slice(b" GiB memory and ");
                    fmt::fixed(b, secs, 6);
                    b.extend_from_slice(b" seconds");
                    self.line()?;
                    self.c.memory_snapshots += 1;
                    r += 1;
                }
            }
        }
        for d in 0..dp {
            let ename = self.engine_name(d);
            let epid = api + 60 + d * 7;
            let world = tp * pp;
            let _ = (&ename, epid, world);
            if noise && d == 0 {
                // FlashInfer's autotuner logs with Python's default format:
                // the only full date of a 0.25 log (the year of its lines).
                self.out.buf.extend_from_slice(b"(");
                self.out.buf.extend_from_slice(&ename);
                self.out.buf.extend_from_slice(b" pid=");
                fmt::u(&mut self.out.buf, epid as u64);
                self.out.buf.extend_from_slice(b") ");
                let t = w0 + s(69.0);
                let ts = *self.ts.get(t.div_euclid(1_000_000));
                self.out.buf.extend_from_slice(&ts);
                self.out.buf.push(b',');
                fmt::padn(
                    &mut self.out.buf,
                    (t.rem_euclid(1_000_000) / 1000) as u64,
                    3,
                );
                self.out.buf.extend_from_slice(
                    b" - INFO - autotuner.py:651 - flashinfer.jit: [Autotuner]: Autotuning process starts ...",
                );
                self.line()?;
            }
            self.prefix(w0 + s(70.0), &ename, epid, b"INFO", b"gpu_worker.py:538");
            self.out
                .buf
                .extend_from_slice(b"Available KV cache memory: ");
            fmt::f2(&mut self.out.buf, kv_gib);
            self.out.buf.extend_from_slice(b" GiB");
            self.line()?;
            self.c.memory_snapshots += 1;
            self.prefix(
                w0 + s(70.0),
                &ename,
                epid,
                b"INFO",
                b"kv_cache_utils.py:2146",
            );
            self.out.buf.extend_from_slice(b"GPU KV cache size: ");
            fmt::thousands(&mut self.out.buf, cap);
            self.out.buf.extend_from_slice(b" tokens");
            self.line()?;
            self.c.memory_snapshots += 1;
            self.prefix(
                w0 + s(70.0),
                &ename,
                epid,
                b"INFO",
                b"kv_cache_utils.py:2147",
            );
            self.out.buf.extend_from_slice(b"Maximum concurrency for ");
            fmt::thousands(&mut self.out.buf, model.context_len as u64);
            self.out.buf.extend_from_slice(b" tokens per request: ");
            fmt::f2(&mut self.out.buf, cap as f64 / model.context_len as f64);
            self.out.buf.push(b'x');
            self.line()?;
        }
        for d in 0..dp {
            let ename = self.engine_name(d);
            let epid = api + 60 + d * 7;
            let world = tp * pp;
            let _ = (&ename, epid, world);
            self.prefix(
                w0 + s(95.0),
                &ename,
                epid,
                b"INFO",
                b"gpu_model_runner.py:5360",
            );
            self.out
                .buf
                .extend_from_slice(b"Graph capturing finished in ");
            fmt::u(&mut self.out.buf, self.rng.int(8, 30));
            self.out.buf.extend_from_slice(b" secs, took ");
            fmt::f2(&mut self.out.buf, self.rng.range(0.3, 2.5));
            self.out.buf.extend_from_slice(b" GiB");
            self.line()?;
            self.prefix(w0 + s(96.0), &ename, epid, b"INFO", b"core.py:282");
            self.out
                .buf
                .extend_from_slice(b"init engine (profile, create kv cache, warmup model) took ");
            fmt::f2(&mut self.out.buf, self.rng.range(60.0, 95.0));
            self.out.buf.extend_from_slice(b" seconds");
            self.line()?;
        }
        self.prefix(
            w0 + s(110.0),
            b"APIServer",
            api,
            b"INFO",
            b"api_server.py:500",
        );
        self.out
            .buf
            .extend_from_slice(b"Starting vLLM API server 0 on http://0.0.0.0:8000");
        self.line()?;
        if noise {
            for l in [
                &b"INFO:     Started server process ["[..],
                b"INFO:     Waiting for application startup.",
                b"INFO:     Application startup complete.",
            ] {
                self.out.buf.extend_from_slice(b"(APIServer pid=");
                fmt::u(&mut self.out.buf, api as u64);
                self.out.buf.extend_from_slice(b") ");
                self.out.buf.extend_from_slice(l);
                if l.ends_with(b"[") {
                    fmt::u(&mut self.out.buf, api as u64);
                    self.out.buf.push(b']');
                }
                self.line()?;
            }
        }
        Ok(cap)
    }

    /// `SpecDecoding metrics:` after a statistics line: three draft
    /// positions, acceptance falling with the position.
    fn spec_line(&mut self, t: i64, api: u32, gen_tokens: f64) -> io::Result<()> {
        let p1 = self.rng.range(0.6, 0.9);
        let rates = [
            p1,
            p1 * self.rng.range(0.5, 0.8),
            p1 * self.rng.range(0.2, 0.5),
        ];
        let steps = (gen_tokens / (1.0 + rates.iter().sum::<f64>()))
            .round()
            .max(1.0);
        let drafted = steps * 3.0;
        let accepted: f64 = rates.iter().map(|r| (r * steps).round()).sum();
        let dt = (10.0 / self.timing.density).max(0.01);
        self.prefix(t, b"APIServer", api, b"INFO", b"metrics.py:120");
        let b = &mut self.out.buf;
        b.extend_from_slice(b"SpecDecoding metrics: Mean acceptance length: ");
        fmt::f2(b, 1.0 + accepted / steps);
        b.extend_from_slice(b", Accepted throughput: ");
        fmt::f2(b, accepted / dt);
        b.extend_from_slice(b" tokens/s, Drafted throughput: ");
        fmt::f2(b, drafted / dt);
        b.extend_from_slice(b" tokens/s, Accepted: ");
        fmt::u(b, accepted as u64);
        b.extend_from_slice(b" tokens, Drafted: ");
        fmt::u(b, drafted as u64);
        b.extend_from_slice(b" tokens, Per-position acceptance rate: ");
        for (i, r) in rates.iter().enumerate() {
            if i > 0 {
                b.extend_from_slice(b", ");
            }
            fmt::fixed(b, *r, 3);
        }
        b.extend_from_slice(b", Avg Draft acceptance rate: ");
        fmt::f1(b, accepted / drafted * 100.0);
        b.push(b'%');
        self.out.end_line()?;
        self.c.spec_lines += 1;
        Ok(())
    }

    fn serve(&mut self, cap: u64) -> io::Result<()> {
        let dp = self.topo.dp.max(1);
        let interval_us = ((10.0 / self.timing.density) * 1e6).max(10_000.0) as i64;
        let start = self.timing.serve_start_us + self.rng.below(interval_us as u64) as i64;
        let end = self.timing.serve_start_us + self.timing.duration_us;
        let ctx = self.facts.isl + self.facts.osl * 0.5;
        let max_seqs = 256.0 / dp as f64 * 4.0;
        // In flight per engine at full load: at most RUN_FULL_MAX, as the
        // SGLang generator, so throughputs are those of real logs
        // (`crate::REAL_RATES`, issue 17 item 22).
        let run_full = (0.75 * cap as f64 / ctx)
            .min(max_seqs * 0.8)
            .clamp(2.0, crate::sglang::RUN_FULL_MAX);
        let tps = self.rng.range(30.0, 80.0);
        let arrivals = run_full / (self.facts.osl / tps).max(1.0) / 2.0;
        let kind = self.plan.kind;
        // access lines per stats line: fixed (density-independent) so size scales linearly
        let access_per_tick = (arrivals * 10.0 * 0.05).min(3.0);
        let mut engines: Vec<Engine> = (0..dp)
            .map(|d| {
                let mut rng = Rng::derive(self.plan.seed, 0x9000 + d as u64);
                Engine {
                    bias: rng.range(0.9, 1.1),
                    rng,
                    running: 0.0,
                    waiting: 0.0,
                    hit: self.facts.hit * 100.0,
                    prev_zero: true,
                }
            })
            .collect();
        let mut t = start;
        let dt = interval_us as f64 / 1e6;
        let a = 1.0 - (-dt / 8.0).exp();
        let mut peer = [10u8, 0, 0, 1];
        peer[1] = self.plan.router_ip[1];
        while t < end {
            let l0 = self
                .facts
                .profile
                .load((t - self.timing.serve_start_us) as f64 / 1e6);
            // access lines of requests finishing during the interval
            if self.cfg.noise {
                let n = self.rng.count(l0 * access_per_tick);
                for _ in 0..n {
                    self.out.buf.extend_from_slice(b"(APIServer pid=");
                    fmt::u(&mut self.out.buf, self.api_pid as u64);
                    self.out.buf.extend_from_slice(b") INFO:     ");
                    push_ip(&mut self.out.buf, peer);
                    self.out.buf.push(b':');
                    fmt::u(&mut self.out.buf, self.rng.int(32768, 60999));
                    self.out
                        .buf
                        .extend_from_slice(b" - \"POST /v1/chat/completions HTTP/1.1\" 200 OK");
                    self.line()?;
                    self.c.access_lines += 1;
                }
            }
            for (d, e) in engines.iter_mut().enumerate() {
                let l = l0 * e.bias;
                let target = (l * run_full).min(0.97 * cap as f64 / ctx);
                e.running = (e.running
                    + (target - e.running) * a
                    + e.rng.normal() * (0.03 * run_full + 0.3) * a.sqrt())
                .max(0.0);
                let over = if l > 0.92 {
                    (l - 0.92) * run_full * 0.8
                } else {
                    0.0
                };
                e.waiting =
                    (e.waiting + (over - e.waiting) * a + e.rng.normal() * 0.3 * a.sqrt()).max(0.0);
                e.hit = (e.hit + e.rng.normal() * 2.0).clamp(0.0, 95.0);
                let running = e.running.round();
                let (mut prompt, mut gen) = (
                    arrivals * l * self.facts.isl * (1.0 - e.hit / 100.0) * e.rng.range(0.8, 1.2),
                    running * tps / (1.0 + running / 256.0) * e.rng.range(0.93, 1.07),
                );
                let mut usage = running * ctx / cap as f64 * 100.0;
                match kind {
                    Kind::Prefill => {
                        gen = arrivals * l * e.rng.range(0.8, 1.2);
                        usage *= 0.05;
                    }
                    Kind::Decode => prompt = arrivals * l * e.rng.range(0.0, 2.0),
                    Kind::Agg => {}
                }
                let zero = prompt < 0.05 && gen < 0.05;
                let skip = zero && e.prev_zero;
                e.prev_zero = zero;
                if skip {
                    continue;
                }
                let shown_running = if kind == Kind::Prefill {
                    (l * 3.0).round()
                } else {
                    running
                };
                let api = self.api_pid;
                self.prefix(t, b"APIServer", api, b"INFO", b"loggers.py:273");
                let b = &mut self.out.buf;
                b.extend_from_slice(b"Engine ");
                fmt::padn(b, d as u64, 3);
                b.extend_from_slice(b": Avg prompt throughput: ");
                fmt::f1(b, prompt);
                b.extend_from_slice(b" tokens/s, Avg generation throughput: ");
                fmt::f1(b, gen);
                b.extend_from_slice(b" tokens/s, Running: ");
                fmt::u(b, shown_running as u64);
                b.extend_from_slice(b" reqs, Waiting: ");
                fmt::u(b, e.waiting.round() as u64);
                b.extend_from_slice(b" reqs, GPU KV cache usage: ");
                fmt::f1(b, usage.min(100.0));
                b.extend_from_slice(b"%, Prefix cache hit rate: ");
                fmt::f1(b, e.hit);
                b.push(b'%');
                self.out.end_line()?;
                self.c.stat_lines += 1;
                self.c.saw_record(t);
                if self.cfg.spec_decoding {
                    let gen_tokens = gen * dt;
                    self.spec_line(t, api, gen_tokens)?;
                }
            }
            t += interval_us;
        }
        Ok(())
    }
}

const VERSION_V0: &str = "0.6.3.post1";

/// Generate one vLLM V0 (0.6-era) worker file.
pub(crate) fn generate_v0<W: Write>(
    cfg: &SimConfig,
    timing: &Timing,
    plan: &FilePlan,
    out: Out<W>,
) -> io::Result<(W, u64, Counts)> {
    let mut g = Gen::new(cfg, timing, plan, out);
    let cap = g.startup_v0()?;
    g.serve_v0(cap)?;
    let (w, bytes) = g.out.finish()?;
    Ok((w, bytes, g.c))
}

impl<W: Write> Gen<'_, W> {
    /// `[(VllmWorkerProcess pid=N) ]LEVEL MM-DD HH:MM:SS file.py:NNN] ` (no
    /// bracket before the location, as 0.4–0.6 print it).
    fn prefix_v0(&mut self, us: i64, worker_pid: Option<u32>, level: &[u8], loc: &[u8]) {
        let b = &mut self.out.buf;
        if let Some(pid) = worker_pid {
            if self.cfg.ansi {
                b.extend_from_slice(b"\x1b[1;36m");
            }
            b.extend_from_slice(b"(VllmWorkerProcess pid=");
            fmt::u(b, pid as u64);
            b.push(b')');
            if self.cfg.ansi {
                b.extend_from_slice(b"\x1b[0;0m");
            }
            b.push(b' ');
        }
        b.extend_from_slice(level);
        b.push(b' ');
        let ts = self.ts.get(us.div_euclid(1_000_000));
        b.extend_from_slice(&ts[5..]);
        b.push(b' ');
        b.extend_from_slice(loc);
        b.extend_from_slice(b"] ");
    }

    fn startup_v0(&mut self) -> io::Result<u64> {
        let w0 = self.timing.start_us + self.plan.offset_us;
        let s = |x: f64| (x * 1e6) as i64;
        let noise = self.cfg.noise;
        let model = self.facts.model;
        let tp = self.topo.tp.max(1);
        let pp = self.topo.pp.max(1);
        let api = self.api_pid;
        self.prefix_v0(w0, None, b"INFO", b"api_server.py:528");
        self.out.buf.extend_from_slice(b"vLLM API server version ");
        self.out.buf.extend_from_slice(VERSION_V0.as_bytes());
        self.line()?;
        self.prefix_v0(w0, None, b"INFO", b"api_server.py:529");
        {
            let b = &mut self.out.buf;
            b.extend_from_slice(
                b"args: Namespace(host='0.0.0.0', port=8000, uvicorn_log_level='info', model='",
            );
            b.extend_from_slice(model.path.as_bytes());
            b.extend_from_slice(b"', tensor_parallel_size=");
            fmt::u(b, tp as u64);
            b.extend_from_slice(b", pipeline_parallel_size=");
            fmt::u(b, pp as u64);
            b.extend_from_slice(b", enable_prefix_caching=True, gpu_memory_utilization=0.9, disable_log_requests=True)");
        }
        self.line()?;
        self.prefix_v0(w0 + s(6.0), None, b"INFO", b"llm_engine.py:237");
        {
            let b = &mut self.out.buf;
            b.extend_from_slice(b"Initializing an LLM engine (v");
            b.extend_from_slice(VERSION_V0.as_bytes());
            b.extend_from_slice(b") with config: model='");
            b.extend_from_slice(model.path.as_bytes());
            b.extend_from_slice(b"', speculative_config=None, tokenizer='");
            b.extend_from_slice(model.path.as_bytes());
            b.extend_from_slice(b"', skip_tokenizer_init=False, tokenizer_mode=auto, revision=None, dtype=torch.bfloat16, max_seq_len=");
            fmt::u(b, model.context_len as u64);
            b.extend_from_slice(
                b", download_dir=None, load_format=LoadFormat.AUTO, tensor_parallel_size=",
            );
            fmt::u(b, tp as u64);
            b.extend_from_slice(b", pipeline_parallel_size=");
            fmt::u(b, pp as u64);
            b.extend_from_slice(b", disable_custom_all_reduce=False, quantization=");
            b.extend_from_slice(model.quant.as_bytes());
            b.extend_from_slice(b", enforce_eager=False, kv_cache_dtype=auto, enable_prefix_caching=True, use_async_output_proc=True");
        }
        self.line()?;
        let world = tp * pp;
        let worker_pid = |r: u32| api + 400 + r;
        for r in 1..world {
            self.prefix_v0(
                w0 + s(7.0),
                Some(worker_pid(r)),
                b"INFO",
                b"multiproc_worker_utils.py:215",
            );
            self.out
                .buf
                .extend_from_slice(b"Worker ready; awaiting tasks");
            self.line()?;
        }
        if noise {
            let shards = 12u32;
            for k in (0..=shards).step_by(4) {
                self.out
                    .buf
                    .extend_from_slice(b"\rLoading safetensors checkpoint shards: ");
                let pct = k * 100 / shards;
                if pct < 100 {
                    self.out.buf.push(b' ');
                }
                if pct < 10 {
                    self.out.buf.push(b' ');
                }
                fmt::u(&mut self.out.buf, pct as u64);
                self.out.buf.extend_from_slice(b"% Completed | ");
                fmt::u(&mut self.out.buf, k as u64);
                self.out.buf.push(b'/');
                fmt::u(&mut self.out.buf, shards as u64);
                self.out.buf.extend_from_slice(b" [00:30<00:30,  3.02s/it]");
                self.line()?;
            }
        }
        let wgt = self.facts.weights_per_rank(&self.topo);
        for r in 0..world {
            let pid = (r > 0).then(|| worker_pid(r));
            self.prefix_v0(w0 + s(48.0), pid, b"INFO", b"model_runner.py:1067");
            self.out
                .buf
                .extend_from_slice(b"Loading model weights took ");
            fixed4(&mut self.out.buf, wgt * self.rng.range(0.999, 1.001));
            self.out.buf.extend_from_slice(b" GB");
            self.line()?;
            self.c.memory_snapshots += 1;
        }
        let g = self.facts.gpu.total_gb;
        let kv_gib = (g * 0.9 * 0.931 - wgt * 0.931 - 2.5).max(1.0);
        let per_tok = self.facts.kv_bytes_per_rank(&self.topo);
        let cap = ((kv_gib * 1024.0 * 1024.0 * 1024.0) / per_tok).max(4096.0) as u64;
        let blocks = cap / 16;
        self.prefix_v0(
            w0 + s(70.0),
            None,
            b"INFO",
            b"distributed_gpu_executor.py:57",
        );
        self.out.buf.extend_from_slice(b"# GPU blocks: ");
        fmt::u(&mut self.out.buf, blocks);
        self.out.buf.extend_from_slice(b", # CPU blocks: 4096");
        self.line()?;
        self.prefix_v0(
            w0 + s(70.0),
            None,
            b"INFO",
            b"distributed_gpu_executor.py:61",
        );
        self.out.buf.extend_from_slice(b"Maximum concurrency for ");
        fmt::u(&mut self.out.buf, model.context_len as u64);
        self.out.buf.extend_from_slice(b" tokens per request: ");
        fmt::f2(&mut self.out.buf, cap as f64 / model.context_len as f64);
        self.out.buf.push(b'x');
        self.line()?;
        for r in 0..world {
            let pid = (r > 0).then(|| worker_pid(r));
            self.prefix_v0(w0 + s(95.0), pid, b"INFO", b"model_runner.py:1523");
            self.out
                .buf
                .extend_from_slice(b"Graph capturing finished in ");
            fmt::u(&mut self.out.buf, self.rng.int(20, 35));
            self.out.buf.extend_from_slice(b" secs.");
            self.line()?;
        }
        self.prefix_v0(w0 + s(110.0), None, b"INFO", b"launcher.py:19");
        self.out.buf.extend_from_slice(b"Available routes are:");
        self.line()?;
        if noise {
            for l in [
                &b"INFO:     Started server process"[..],
                b"INFO:     Waiting for application startup.",
                b"INFO:     Application startup complete.",
                b"INFO:     Uvicorn running on socket ('0.0.0.0', 8000) (Press CTRL+C to quit)",
            ] {
                self.out.buf.extend_from_slice(l);
                self.line()?;
            }
        }
        Ok(cap)
    }

    /// V0 prints its statistics every interval, idle or not, and a
    /// prefix-cache companion line after each (prefix caching on).
    fn serve_v0(&mut self, cap: u64) -> io::Result<()> {
        let interval_us = ((10.0 / self.timing.density) * 1e6).max(10_000.0) as i64;
        let start = self.timing.serve_start_us + self.rng.below(interval_us as u64) as i64;
        let end = self.timing.serve_start_us + self.timing.duration_us;
        let ctx = self.facts.isl + self.facts.osl * 0.5;
        let run_full = (0.75 * cap as f64 / ctx).clamp(2.0, crate::sglang::RUN_FULL_MAX);
        let tps = self.rng.range(30.0, 80.0);
        let arrivals = run_full / (self.facts.osl / tps).max(1.0) / 2.0;
        let access_per_tick = (arrivals * 10.0 * 0.05).min(3.0);
        let dt = interval_us as f64 / 1e6;
        let a = 1.0 - (-dt / 8.0).exp();
        let (mut running, mut pending, mut swapped) = (0.0f64, 0.0f64, 0.0f64);
        let mut hit = self.facts.hit * 100.0;
        let mut peer = [10u8, 0, 0, 1];
        peer[1] = self.plan.router_ip[1];
        let kind = self.plan.kind;
        let mut t = start;
        while t < end {
            let l = self
                .facts
                .profile
                .load((t - self.timing.serve_start_us) as f64 / 1e6);
            if self.cfg.noise {
                let n = self.rng.count(l * access_per_tick);
                for _ in 0..n {
                    self.out.buf.extend_from_slice(b"INFO:     ");
                    push_ip(&mut self.out.buf, peer);
                    self.out.buf.push(b':');
                    fmt::u(&mut self.out.buf, self.rng.int(32768, 60999));
                    self.out
                        .buf
                        .extend_from_slice(b" - \"POST /v1/completions HTTP/1.1\" 200 OK");
                    self.line()?;
                    self.c.access_lines += 1;
                }
            }
            let target = (l * run_full).min(0.97 * cap as f64 / ctx);
            running = (running
                + (target - running) * a
                + self.rng.normal() * (0.03 * run_full + 0.3) * a.sqrt())
            .max(0.0);
            let over = if l > 0.92 {
                (l - 0.92) * run_full * 0.8
            } else {
                0.0
            };
            pending =
                (pending + (over - pending) * a + self.rng.normal() * 0.3 * a.sqrt()).max(0.0);
            // Preemption by swapping when the KV pool is nearly full.
            let full = running * ctx / cap as f64;
            let swap_target = if full > 0.9 {
                (full - 0.9) * running
            } else {
                0.0
            };
            swapped = (swapped + (swap_target - swapped) * a).max(0.0);
            hit = (hit + self.rng.normal() * 2.0).clamp(0.0, 95.0);
            let r = running.round();
            let (mut prompt, mut gen) = (
                arrivals * l * self.facts.isl * (1.0 - hit / 100.0) * self.rng.range(0.8, 1.2),
                r * tps / (1.0 + r / 256.0) * self.rng.range(0.93, 1.07),
            );
            let mut usage = (r * ctx / cap as f64 * 100.0).min(100.0);
            match kind {
                Kind::Prefill => {
                    gen = arrivals * l * self.rng.range(0.8, 1.2);
                    usage *= 0.05;
                }
                Kind::Decode => prompt = arrivals * l * self.rng.range(0.0, 2.0),
                Kind::Agg => {}
            }
            let cpu_usage = (swapped.round() * ctx / (4096.0 * 16.0) * 100.0).min(100.0);
            self.prefix_v0(t, None, b"INFO", b"metrics.py:349");
            let b = &mut self.out.buf;
            b.extend_from_slice(b"Avg prompt throughput: ");
            fmt::f1(b, prompt);
            b.extend_from_slice(b" tokens/s, Avg generation throughput: ");
            fmt::f1(b, gen);
            b.extend_from_slice(b" tokens/s, Running: ");
            fmt::u(b, r as u64);
            b.extend_from_slice(b" reqs, Swapped: ");
            fmt::u(b, swapped.round() as u64);
            b.extend_from_slice(b" reqs, Pending: ");
            fmt::u(b, pending.round() as u64);
            b.extend_from_slice(b" reqs, GPU KV cache usage: ");
            fmt::f1(b, usage);
            b.extend_from_slice(b"%, CPU KV cache usage: ");
            fmt::f1(b, cpu_usage);
            b.extend_from_slice(b"%.");
            self.line()?;
            self.c.stat_lines += 1;
            self.c.saw_record(t);
            self.prefix_v0(t, None, b"INFO", b"metrics.py:365");
            self.out
                .buf
                .extend_from_slice(b"Prefix cache hit rate: GPU: ");
            fmt::f2(&mut self.out.buf, hit);
            self.out.buf.extend_from_slice(b"%, CPU: 0.00%");
            self.line()?;
            t += interval_us;
        }
        Ok(())
    }
}

/// Four decimals (`15.3916`).
fn fixed4(b: &mut Vec<u8>, v: f64) {
    fmt::fixed(b, v, 4);
}
