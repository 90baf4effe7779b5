//! SGLang worker-log generator (native formats 0.5.3 … 2026 and Dynamo-wrapped).

use std::io::{self, Write};

use crate::civil::TsCache;
use crate::fmt;
use crate::model::{Rank, RunFacts, Topo};
use crate::out::Out;
use crate::rng::Rng;
use crate::{Counts, FilePlan, Kind, SglangVariant, SimConfig, Timing};

/// Writes line prefixes for one variant, caching the rendered second.
pub(crate) struct Pfx {
    v: SglangVariant,
    ansi: bool,
    ts: TsCache,
}

impl Pfx {
    pub(crate) fn new(v: SglangVariant, ansi: bool) -> Self {
        Pfx {
            v,
            ansi,
            ts: TsCache::default(),
        }
    }

    /// Native: `[date time[.mmm]{tag}] `; Dynamo: `ISO  LEVEL target: `.
    #[inline]
    pub(crate) fn write(&mut self, b: &mut Vec<u8>, us: i64, tag: &[u8], target: &str, warn: bool) {
        let sec = us.div_euclid(1_000_000);
        let sub = us.rem_euclid(1_000_000) as u64;
        let ts = self.ts.get(sec);
        match self.v {
            SglangVariant::Dynamo => {
                if self.ansi {
                    b.extend_from_slice(b"\x1b[2m");
                }
                b.extend_from_slice(&ts[..10]);
                b.push(b'T');
                b.extend_from_slice(&ts[11..]);
                b.push(b'.');
                fmt::padn(b, sub, 6);
                b.push(b'Z');
                let level: &[u8] = if warn { b" WARN" } else { b" INFO" };
                if self.ansi {
                    b.extend_from_slice(b"\x1b[0m ");
                    b.extend_from_slice(if warn { b"\x1b[33m" } else { b"\x1b[32m" });
                    b.extend_from_slice(level);
                    b.extend_from_slice(b"\x1b[0m \x1b[2m");
                    b.extend_from_slice(target.as_bytes());
                    b.extend_from_slice(b"\x1b[0m\x1b[2m:\x1b[0m ");
                } else {
                    b.push(b' ');
                    b.extend_from_slice(level);
                    b.push(b' ');
                    b.extend_from_slice(target.as_bytes());
                    b.extend_from_slice(b": ");
                }
            }
            SglangVariant::Y2026 => {
                b.push(b'[');
                b.extend_from_slice(ts);
                b.push(b'.');
                fmt::padn(b, sub / 1000, 3);
                b.extend_from_slice(tag);
                b.extend_from_slice(b"] ");
            }
            _ => {
                b.push(b'[');
                b.extend_from_slice(ts);
                b.extend_from_slice(tag);
                b.extend_from_slice(b"] ");
            }
        }
    }
}

/// Buffered, time-sorted startup section (bounded size, independent of run length).
struct Startup {
    arena: Vec<u8>,
    items: Vec<(i64, u32, usize, usize)>,
}

impl Startup {
    fn new() -> Self {
        Startup {
            arena: Vec::with_capacity(64 * 1024),
            items: Vec::new(),
        }
    }

    fn begin(&mut self) -> usize {
        self.arena.len()
    }

    fn end(&mut self, t: i64, start: usize) {
        let seq = self.items.len() as u32;
        self.items.push((t, seq, start, self.arena.len()));
    }

    fn write<W: Write>(mut self, out: &mut Out<W>) -> io::Result<()> {
        self.items.sort_unstable_by_key(|&(t, seq, _, _)| (t, seq));
        for &(_, _, s, e) in &self.items {
            out.buf.extend_from_slice(&self.arena[s..e]);
            out.end_line()?;
        }
        Ok(())
    }
}

/// Requests in flight per scheduler at full load, at most (see
/// `crate::REAL_RATES`).
pub(crate) const RUN_FULL_MAX: f64 = 32.0;

/// Per-file constants.
struct Consts {
    kind: Kind,
    pd: bool,
    cap: u64,
    max_running: u32,
    per_sched_max: f64,
    cuda_graph_max_bs: u32,
    chunk: u32,
    run_full: f64,
    ctx_mean: f64,
    tps0: f64,
    arrivals: f64,
}

/// One scheduler (DP rank) and its evolving state.
struct Sched {
    rng: Rng,
    tag: Vec<u8>,
    dups: Vec<Vec<u8>>,
    bias: f64,
    next_p: i64,
    next_d: i64,
    last_t: i64,
    running: f64,
    queue: f64,
    ctx: f64,
    iter: u64,
    last_p_t: i64,
    last_p_tokens: u64,
    accept_len: f64,
}

#[derive(Clone, Copy)]
struct Ev {
    key: u32,
    t: i64,
    sched: u32,
    decode: bool,
}

struct Gen<'a, W: Write> {
    cfg: &'a SimConfig,
    v: SglangVariant,
    timing: &'a Timing,
    plan: &'a FilePlan,
    facts: RunFacts,
    topo: Topo,
    out: Out<W>,
    pfx: Pfx,
    rng: Rng,
    c: Counts,
    msg: Vec<u8>,
    k: Consts,
    mem_frac: f64,
    avail_final: f64,
}

/// Generate one SGLang worker file.
pub(crate) fn generate<W: Write>(
    cfg: &SimConfig,
    v: SglangVariant,
    timing: &Timing,
    plan: &FilePlan,
    out: Out<W>,
) -> io::Result<(W, u64, Counts)> {
    let facts = RunFacts::new(cfg, timing.duration_us);
    let topo = Topo::from_cfg(cfg);
    let mut rng = Rng::new(plan.seed);
    let max_running = *rng.pick(&[512u32, 1024, 2048, 4096]);
    let cuda_graph_max_bs = *rng.pick(&[128u32, 256, 512]);
    let chunk = *rng.pick(&[8192u32, 16384]);
    let k = Consts {
        kind: plan.kind,
        pd: plan.kind != Kind::Agg,
        cap: 0,
        max_running,
        per_sched_max: (max_running / topo.dp.max(1)).max(8) as f64,
        cuda_graph_max_bs,
        chunk,
        run_full: 0.0,
        ctx_mean: facts.isl + facts.osl * 0.5,
        tps0: rng.range(35.0, 90.0),
        arrivals: 0.0,
    };
    let mut g = Gen {
        cfg,
        v,
        timing,
        plan,
        facts,
        topo,
        out,
        pfx: Pfx::new(v, cfg.ansi),
        rng,
        c: Counts::default(),
        msg: Vec::with_capacity(512),
        k,
        mem_frac: 0.85,
        avail_final: 0.0,
    };
    if let Some(r) = cfg.replicate {
        // Settings above come from the scenario; what follows, from the replicate.
        g.rng = Rng::derive(r, plan.seed);
    }
    g.startup()?;
    g.serve()?;
    let (w, bytes) = g.out.finish()?;
    Ok((w, bytes, g.c))
}

impl<W: Write> Gen<'_, W> {
    fn dynamo(&self) -> bool {
        self.v == SglangVariant::Dynamo
    }

    fn y2026(&self) -> bool {
        matches!(self.v, SglangVariant::Y2026 | SglangVariant::Dynamo)
    }

    fn mode_str(&self) -> &'static str {
        match self.plan.kind {
            Kind::Prefill => "prefill",
            Kind::Decode => "decode",
            Kind::Agg => "null",
        }
    }

    /// `SimConfig::two_batch_overlap` applies to this worker (decode or
    /// aggregated).
    fn two_batch_overlap(&self) -> bool {
        self.cfg.two_batch_overlap && self.plan.kind != Kind::Prefill
    }

    fn served_name(&self) -> &'static str {
        self.facts.model.path
    }

    // ------------------------------------------------------------------ startup

    fn launch_cmd(&self, b: &mut Vec<u8>) {
        let m = if self.dynamo() {
            "dynamo.sglang"
        } else {
            "sglang.launch_server"
        };
        b.extend_from_slice(b"[CMD] python3 -m ");
        b.extend_from_slice(m.as_bytes());
        b.extend_from_slice(b" --model-path ");
        b.extend_from_slice(self.facts.model.path.as_bytes());
        b.extend_from_slice(b" --served-model-name ");
        b.extend_from_slice(self.served_name().as_bytes());
        for (flag, val) in [
            (" --tp-size ", self.topo.tp),
            (" --dp-size ", self.topo.dp),
            (" --ep-size ", self.topo.ep),
        ] {
            b.extend_from_slice(flag.as_bytes());
            fmt::u(b, val as u64);
        }
        if self.topo.pp > 1 {
            b.extend_from_slice(b" --pp-size ");
            fmt::u(b, self.topo.pp as u64);
        }
        if self.topo.dp > 1 {
            b.extend_from_slice(b" --enable-dp-attention");
        }
        if self.two_batch_overlap() {
            b.extend_from_slice(b" --enable-two-batch-overlap");
        }
        if self.k.pd {
            b.extend_from_slice(b" --disaggregation-mode ");
            b.extend_from_slice(self.mode_str().as_bytes());
            b.extend_from_slice(b" --disaggregation-transfer-backend nixl");
        }
        b.extend_from_slice(b" --mem-fraction-static 0.85 --chunked-prefill-size ");
        fmt::u(b, self.k.chunk as u64);
        b.extend_from_slice(b" --max-running-requests ");
        fmt::u(b, self.k.max_running as u64);
        b.extend_from_slice(b" --cuda-graph-max-bs ");
        fmt::u(b, self.k.cuda_graph_max_bs as u64);
        b.extend_from_slice(b" --trust-remote-code --host 0.0.0.0 --port ");
        fmt::u(b, self.plan.port as u64);
    }

    fn server_args(&self, b: &mut Vec<u8>) {
        let m = self.facts.model.path;
        b.extend_from_slice(b"server_args=ServerArgs(model_path='");
        b.extend_from_slice(m.as_bytes());
        b.extend_from_slice(b"', tokenizer_path='");
        b.extend_from_slice(m.as_bytes());
        b.extend_from_slice(b"', tokenizer_mode='auto', load_format='auto', trust_remote_code=True, context_length=None, ");
        b.extend_from_slice(b"host='0.0.0.0', port=");
        fmt::u(b, self.plan.port as u64);
        b.extend_from_slice(b", dtype='auto', quantization=");
        if self.facts.model.quant == "None" {
            b.extend_from_slice(b"None");
        } else {
            b.push(b'\'');
            b.extend_from_slice(self.facts.model.quant.as_bytes());
            b.push(b'\'');
        }
        b.extend_from_slice(b", kv_cache_dtype='auto', mem_fraction_static=");
        fmt::f2(b, self.mem_frac);
        b.extend_from_slice(b", max_running_requests=");
        fmt::u(b, self.k.max_running as u64);
        b.extend_from_slice(b", max_total_tokens=None, chunked_prefill_size=");
        fmt::u(b, self.k.chunk as u64);
        b.extend_from_slice(b", max_prefill_tokens=16384, schedule_policy='fcfs', ");
        b.extend_from_slice(b"tp_size=");
        fmt::u(b, self.topo.tp as u64);
        b.extend_from_slice(b", pp_size=");
        fmt::u(b, self.topo.pp as u64);
        b.extend_from_slice(b", stream_interval=1, random_seed=");
        fmt::u(b, self.plan.seed % 1_000_000_007);
        b.extend_from_slice(b", log_level='info', decode_log_interval=40, ");
        if self.cfg.noise {
            // The long tail of a real dump: many defaulted knobs (names made up
            // in the style of the real ones) and two long integer lists.
            for name in FILLER_ARGS.iter() {
                b.extend_from_slice(name.as_bytes());
                b.push(b'=');
                let value = if *name == "enable_two_batch_overlap" && self.two_batch_overlap() {
                    "True"
                } else {
                    filler_value(name)
                };
                b.extend_from_slice(value.as_bytes());
                b.extend_from_slice(b", ");
            }
            b.extend_from_slice(b"cuda_graph_bs=[");
            let mut first = true;
            let mut bs = 1u32;
            while bs <= self.k.cuda_graph_max_bs {
                if !first {
                    b.extend_from_slice(b", ");
                }
                first = false;
                fmt::u(b, bs as u64);
                bs = if bs < 8 {
                    bs * 2
                } else if bs < 256 {
                    bs + 8
                } else {
                    bs + 16
                };
            }
            b.extend_from_slice(b"], piecewise_cuda_graph_tokens=[");
            let mut t = 4u32;
            let mut first = true;
            while t <= 8192 {
                if !first {
                    b.extend_from_slice(b", ");
                }
                first = false;
                fmt::u(b, t as u64);
                t = if t < 32 {
                    t + 4
                } else if t < 256 {
                    t + 16
                } else if t < 512 {
                    t + 32
                } else if t < 1024 {
                    t + 64
                } else {
                    t + 256
                };
            }
            b.extend_from_slice(b"], ");
        }
        b.extend_from_slice(b"cuda_graph_max_bs=");
        fmt::u(b, self.k.cuda_graph_max_bs as u64);
        b.extend_from_slice(b", dp_size=");
        fmt::u(b, self.topo.dp as u64);
        b.extend_from_slice(b", load_balance_method='round_robin', ep_size=");
        fmt::u(b, self.topo.ep as u64);
        b.extend_from_slice(b", enable_ep_moe=");
        b.extend_from_slice(if self.facts.model.moe && self.topo.ep > 1 {
            b"True"
        } else {
            b"False"
        });
        if self.two_batch_overlap() && !self.cfg.noise {
            // With noise the filler arguments above carry it.
            b.extend_from_slice(b", enable_two_batch_overlap=True");
        }
        b.extend_from_slice(b", enable_dp_attention=");
        b.extend_from_slice(if self.topo.dp > 1 { b"True" } else { b"False" });
        b.extend_from_slice(b", disaggregation_mode='");
        b.extend_from_slice(self.mode_str().as_bytes());
        b.extend_from_slice(
            b"', disaggregation_transfer_backend='nixl', disaggregation_bootstrap_port=8998)",
        );
    }

    fn tqdm_bar(b: &mut Vec<u8>, k: u32, n: u32) {
        const PART: [&str; 8] = [" ", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
        let frac = if n == 0 { 1.0 } else { k as f64 / n as f64 };
        let cells = frac * 10.0;
        let full = (cells.floor() as usize).min(10);
        for _ in 0..full {
            b.extend_from_slice("█".as_bytes());
        }
        if full < 10 {
            let p = (((cells - full as f64) * 8.0).floor() as usize).min(7);
            b.extend_from_slice(PART[p].as_bytes());
            for _ in full + 1..10 {
                b.push(b' ');
            }
        }
    }

    fn mmss(b: &mut Vec<u8>, s: u64) {
        fmt::pad2(b, (s / 60) as u32);
        b.push(b':');
        fmt::pad2(b, (s % 60) as u32);
    }

    fn startup(&mut self) -> io::Result<()> {
        let w0 = self.timing.start_us + self.plan.offset_us;
        let ranks = self.topo.ranks();
        let mut st = Startup::new();
        let noise = self.cfg.noise;
        let dyn_ = self.dynamo();
        let y26 = self.y2026();
        let s = |x: f64| (x * 1e6) as i64;

        // [CMD] echo (srt-slurm prints it before launching)
        if dyn_ || self.cfg.seed % 2 == 1 {
            let p = st.begin();
            self.launch_cmd(&mut st.arena);
            st.end(w0, p);
        }
        if noise {
            // Slurm srun CPU binding report (first line of real srt-slurm worker files)
            let p = st.begin();
            st.arena.extend_from_slice(b"cpu-bind=MASK - ");
            st.arena.extend_from_slice(self.plan.node.as_bytes());
            st.arena.extend_from_slice(b", task  0  0 [");
            fmt::u(&mut st.arena, self.plan.pid as u64);
            st.arena
                .extend_from_slice(b"]: mask 0xffffffffffffffff set");
            st.end(w0 - 1, p);
            let p = st.begin();
            st.arena.extend_from_slice(b"INFO ");
            let ts = self.pfx.ts.get((w0 + s(0.7)).div_euclid(1_000_000));
            st.arena.extend_from_slice(&ts[5..]);
            st.arena
                .extend_from_slice(b" [__init__.py:235] Automatically detected platform cuda.");
            st.end(w0 + s(0.7), p);
            let p = st.begin();
            st.arena.extend_from_slice(
                b"/usr/local/lib/python3.12/dist-packages/sglang/srt/layers/quantization/compat.py:41: \
FutureWarning: the 'pynvml' module is deprecated; install 'nvidia-ml-py' instead.",
            );
            st.end(w0 + s(0.8), p);
            let p = st.begin();
            st.arena.extend_from_slice(b"  warnings.warn(");
            st.end(w0 + s(0.8), p);
            let p = st.begin();
            st.arena.extend_from_slice(match self.plan.kind {
                Kind::Prefill => &b"WARNING:sglang.srt.server_args:CUDA graph is disabled for the prefill server in PD mode"[..],
                Kind::Decode => &b"WARNING:sglang.srt.server_args:Radix cache is turned off for the decode server in PD mode"[..],
                Kind::Agg => &b"WARNING:sglang.srt.server_args:Overlap scheduler stays enabled; set --disable-overlap-schedule to turn it off"[..],
            });
            st.end(w0 + s(0.9), p);
            let p = st.begin();
            st.arena.extend_from_slice(
                b"\x1b[1;33mThe flag '--enable-torch-compile-fallback' is deprecated and has no effect; remove it from your launch command.\x1b[0m",
            );
            st.end(w0 + s(1.0), p);
        }
        if dyn_ {
            let ip = self.plan.router_ip;
            let p = st.begin();
            self.pfx.write(
                &mut st.arena,
                w0 + s(1.5),
                b"",
                "dynamo_runtime::distributed",
                false,
            );
            st.arena
                .extend_from_slice(b"Connecting to the discovery backend: Etcd(http://");
            push_ip(&mut st.arena, ip);
            st.arena.extend_from_slice(b":2379)");
            st.end(w0 + s(1.5), p);
            let p = st.begin();
            self.pfx.write(
                &mut st.arena,
                w0 + s(2.0),
                b"",
                "dynamo_runtime::transports::nats",
                false,
            );
            st.arena
                .extend_from_slice(b"NATS client connected to nats://");
            push_ip(&mut st.arena, ip);
            st.arena.extend_from_slice(b":4222");
            st.end(w0 + s(2.0), p);
        }
        // server_args dump (main process: never tagged)
        {
            let t = w0 + s(4.0 + self.rng.f64());
            let p = st.begin();
            self.pfx
                .write(&mut st.arena, t, b"", "engine.__init__", false);
            self.server_args(&mut st.arena);
            st.end(t, p);
        }
        if noise {
            let t = w0 + s(5.5);
            let p = st.begin();
            self.pfx
                .write(&mut st.arena, t, b"", "template_manager.load", false);
            st.arena.extend_from_slice(
                b"Using default HuggingFace chat template with detected content format: string",
            );
            st.end(t, p);
        }

        // memory numbers
        let g = self.facts.gpu.total_gb;
        let w = self.facts.weights_per_rank(&self.topo);
        let nominal_after_w = g - 1.2 - w;
        let kv_gb = (nominal_after_w - (1.0 - self.mem_frac) * g).max(1.0);
        let per_tok = self.facts.kv_bytes_per_rank(&self.topo);
        let cap = ((kv_gb * 1024.0 * 1024.0 * 1024.0) / per_tok).max(4096.0) as u64;
        self.k.cap = cap;
        let run_by_kv = 0.8 * cap as f64 / self.k.ctx_mean;
        // At most RUN_FULL_MAX requests in flight per scheduler at full
        // load, so that the printed throughputs are those of real logs
        // (`REAL_RATES`: generation means up to ~4,000 tokens/s).
        self.k.run_full = (self.k.per_sched_max * 0.85)
            .min(run_by_kv)
            .clamp(2.0, RUN_FULL_MAX);
        self.k.arrivals = self.k.run_full / (self.facts.osl / self.k.tps0).max(1.0) / 3.0;
        let graphs = self.plan.kind != Kind::Prefill || y26;
        let mut rank0_final = 0.0;
        let shards = self.rng.int(8, 80) as u32;

        for (i, r) in ranks.iter().enumerate() {
            let tag = self.topo.tag(*r);
            let mut rr = Rng::derive(self.plan.seed, 0x5000 + i as u64);
            let j = |rr: &mut Rng, span: f64| rr.range(0.0, span);
            let begin_avail = g - rr.range(0.6, 1.8) - if self.topo.tp > 1 { 1.0 } else { 0.0 };
            // torch distributed
            let t = w0 + s(10.0 + j(&mut rr, 2.5));
            let p = st.begin();
            self.pfx.write(
                &mut st.arena,
                t,
                &tag,
                "model_runner.init_torch_distributed",
                false,
            );
            st.arena.extend_from_slice(b"Init torch distributed begin.");
            st.end(t, p);
            if noise && self.topo.tp > 1 && !dyn_ {
                let p = st.begin();
                st.arena.extend_from_slice(b"[Gloo] Rank ");
                fmt::u(&mut st.arena, r.tp as u64);
                st.arena.extend_from_slice(b" is connected to ");
                fmt::u(&mut st.arena, (self.topo.tp - 1) as u64);
                st.arena.extend_from_slice(
                    b" peer ranks. Expected number of connected peer ranks is : ",
                );
                fmt::u(&mut st.arena, (self.topo.tp - 1) as u64);
                st.end(t + 1000, p);
            }
            let t = w0 + s(13.0 + j(&mut rr, 2.0));
            let p = st.begin();
            self.pfx.write(
                &mut st.arena,
                t,
                &tag,
                "model_runner.init_torch_distributed",
                false,
            );
            if y26 {
                st.arena
                    .extend_from_slice(b"Init torch distributed ends. elapsed=");
                fmt::f2(&mut st.arena, rr.range(0.2, 6.0));
                st.arena.extend_from_slice(b" s, mem usage=");
            } else {
                st.arena
                    .extend_from_slice(b"Init torch distributed ends. mem usage=");
            }
            fmt::f2(
                &mut st.arena,
                if self.topo.tp > 1 {
                    rr.range(0.9, 1.2)
                } else {
                    0.03
                },
            );
            st.arena.extend_from_slice(b" GB");
            st.end(t, p);
            // weights
            let t = w0 + s(16.0 + j(&mut rr, 2.0));
            let p = st.begin();
            self.pfx
                .write(&mut st.arena, t, &tag, "model_runner.load_model", false);
            st.arena.extend_from_slice(b"Load weight begin. avail mem=");
            fmt::f2(&mut st.arena, begin_avail);
            st.arena.extend_from_slice(b" GB");
            st.end(t, p);
            let wl = w * rr.range(0.9995, 1.0005);
            let after_w = begin_avail - wl;
            let t_end = 56.0 + j(&mut rr, 8.0);
            let t = w0 + s(t_end);
            let p = st.begin();
            self.pfx
                .write(&mut st.arena, t, &tag, "model_runner.load_model", false);
            st.arena.extend_from_slice(b"Load weight end. ");
            if y26 {
                st.arena.extend_from_slice(b"elapsed=");
                fmt::f2(&mut st.arena, t_end - 16.0);
                st.arena.extend_from_slice(b" s, ");
            }
            st.arena.extend_from_slice(b"type=");
            st.arena.extend_from_slice(self.facts.model.arch.as_bytes());
            if y26 {
                st.arena.extend_from_slice(b", quant=");
                st.arena
                    .extend_from_slice(self.facts.model.quant.as_bytes());
            } else {
                st.arena.extend_from_slice(b", dtype=torch.bfloat16");
            }
            st.arena.extend_from_slice(b", avail mem=");
            fmt::f2(&mut st.arena, after_w);
            st.arena.extend_from_slice(b" GB, mem usage=");
            fmt::f2(&mut st.arena, wl);
            st.arena.extend_from_slice(b" GB.");
            st.end(t, p);
            self.c.memory_snapshots += 1;
            // KV pool
            let t = w0 + s(66.0 + j(&mut rr, 1.5));
            let p = st.begin();
            self.pfx
                .write(&mut st.arena, t, &tag, "memory_pool.init", false);
            st.arena.extend_from_slice(b"KV Cache is allocated. ");
            if y26 {
                st.arena.extend_from_slice(b"dtype: torch.bfloat16, ");
            }
            st.arena.extend_from_slice(b"#tokens: ");
            fmt::u(&mut st.arena, cap);
            if self.facts.model.mla {
                st.arena.extend_from_slice(b", KV size: ");
                fmt::f2(&mut st.arena, kv_gb);
                st.arena.extend_from_slice(b" GB");
            } else {
                st.arena.extend_from_slice(b", K size: ");
                fmt::f2(&mut st.arena, kv_gb / 2.0);
                st.arena.extend_from_slice(b" GB, V size: ");
                fmt::f2(&mut st.arena, kv_gb / 2.0);
                st.arena.extend_from_slice(b" GB");
            }
            st.end(t, p);
            self.c.memory_snapshots += 1;
            let pool_end = after_w - kv_gb - rr.range(0.05, 0.25);
            let p = st.begin();
            self.pfx.write(
                &mut st.arena,
                t + 2000,
                &tag,
                "model_runner.init_memory_pool",
                false,
            );
            st.arena.extend_from_slice(b"Memory pool end. avail mem=");
            fmt::f2(&mut st.arena, pool_end);
            st.arena.extend_from_slice(b" GB");
            st.end(t + 2000, p);
            self.c.memory_snapshots += 1;
            let mut pool_end = pool_end;
            if y26 {
                // speculative decoding: the draft model gets its own, smaller KV pool
                let draft_gb = (kv_gb * 0.04).max(0.05);
                let td = t + 40_000;
                let p = st.begin();
                self.pfx
                    .write(&mut st.arena, td, &tag, "memory_pool.init", false);
                st.arena
                    .extend_from_slice(b"KV Cache is allocated. dtype: torch.bfloat16, #tokens: ");
                fmt::u(&mut st.arena, cap);
                st.arena.extend_from_slice(b", K size: ");
                fmt::f2(&mut st.arena, draft_gb / 2.0);
                st.arena.extend_from_slice(b" GB, V size: ");
                fmt::f2(&mut st.arena, draft_gb / 2.0);
                st.arena.extend_from_slice(b" GB");
                st.end(td, p);
                pool_end -= draft_gb + 0.02;
                let p = st.begin();
                self.pfx.write(
                    &mut st.arena,
                    td + 1000,
                    &tag,
                    "model_runner.init_memory_pool",
                    false,
                );
                st.arena.extend_from_slice(b"Memory pool end. avail mem=");
                fmt::f2(&mut st.arena, pool_end);
                st.arena.extend_from_slice(b" GB");
                st.end(td + 1000, p);
                self.c.memory_snapshots += 2;
            }
            let mut final_avail = pool_end;
            if graphs {
                let tb = w0 + s(68.0 + j(&mut rr, 1.0));
                let p = st.begin();
                self.pfx
                    .write(&mut st.arena, tb, &tag, "cuda_graph_runner.__init__", false);
                st.arena.extend_from_slice(
                    b"Capture cuda graph begin. This can take up to several minutes. avail mem=",
                );
                fmt::f2(&mut st.arena, pool_end - 0.1);
                st.arena.extend_from_slice(b" GB");
                st.end(tb, p);
                let used = rr.range(0.5, 4.0);
                final_avail = pool_end - 0.1 - used;
                let te = 108.0 + j(&mut rr, 4.0);
                let t = w0 + s(te);
                let p = st.begin();
                self.pfx
                    .write(&mut st.arena, t, &tag, "cuda_graph_runner.__init__", false);
                if y26 {
                    st.arena
                        .extend_from_slice(b"Capture cuda graph end. elapsed=");
                    fmt::f2(&mut st.arena, te - 68.0);
                    st.arena.extend_from_slice(b" s, mem usage=");
                    fmt::f2(&mut st.arena, used);
                    st.arena.extend_from_slice(b" GB, avail mem=");
                    fmt::f2(&mut st.arena, final_avail);
                    st.arena.extend_from_slice(b" GB.");
                } else {
                    st.arena
                        .extend_from_slice(b"Capture cuda graph end. Time elapsed: ");
                    fmt::f2(&mut st.arena, te - 68.0);
                    st.arena.extend_from_slice(b" s. mem usage=");
                    fmt::f2(&mut st.arena, used);
                    st.arena.extend_from_slice(b" GB. avail mem=");
                    fmt::f2(&mut st.arena, final_avail);
                    st.arena.extend_from_slice(b" GB.");
                }
                st.end(t, p);
            }
            if i == 0 {
                rank0_final = final_avail;
            }
        }
        self.avail_final = rank0_final;

        if noise {
            // checkpoint-shard progress (one line per state, printed by rank 0)
            let steps = 10u32;
            for k in 0..=steps {
                let done = shards * k / steps;
                let t = w0 + s(18.0 + 36.0 * k as f64 / steps as f64);
                let p = st.begin();
                st.arena
                    .extend_from_slice(b"Loading safetensors checkpoint shards: ");
                let pct = done * 100 / shards;
                if pct < 100 {
                    st.arena.push(b' ');
                }
                if pct < 10 {
                    st.arena.push(b' ');
                }
                fmt::u(&mut st.arena, pct as u64);
                st.arena.extend_from_slice(b"% Completed | ");
                fmt::u(&mut st.arena, done as u64);
                st.arena.push(b'/');
                fmt::u(&mut st.arena, shards as u64);
                st.arena.extend_from_slice(b" [");
                Self::mmss(&mut st.arena, (36 * k / steps) as u64);
                st.arena.extend_from_slice(b"<");
                if k == 0 {
                    st.arena.extend_from_slice(b"?, ?it/s]");
                } else {
                    Self::mmss(&mut st.arena, (36 * (steps - k) / steps) as u64);
                    st.arena.extend_from_slice(b", ");
                    fmt::f2(
                        &mut st.arena,
                        shards as f64 / 36.0 * self.rng.range(0.8, 1.2),
                    );
                    st.arena.extend_from_slice(b"it/s]");
                }
                st.end(t, p);
            }
            let p = st.begin();
            st.end(w0 + s(54.5), p); // tqdm leaves an empty line behind
            if graphs {
                // one physical line holding many \r-separated progress states
                let n = 36u32;
                let mut bs_list = Vec::new();
                let mut bs = self.k.cuda_graph_max_bs;
                for _ in 0..n {
                    bs_list.push(bs.max(1));
                    bs = if bs > 256 {
                        bs - 16
                    } else if bs > 8 {
                        bs - 8
                    } else {
                        (bs / 2).max(1)
                    };
                }
                for half in 0..2u32 {
                    let p = st.begin();
                    let (from, to) = if half == 0 { (0, n / 2) } else { (n / 2, n) };
                    if half == 0 {
                        st.arena.extend_from_slice(b"  0%|          | 0/");
                        fmt::u(&mut st.arena, n as u64);
                        st.arena.extend_from_slice(b" [00:00<?, ?it/s]");
                    }
                    let mut mem = self.avail_final + 3.0 - 3.0 * from as f64 / n as f64;
                    for kk in from..to {
                        st.arena.push(b'\r');
                        st.arena.extend_from_slice(b"Capturing batches (bs=");
                        fmt::u(&mut st.arena, bs_list[kk as usize] as u64);
                        st.arena.extend_from_slice(b" avail_mem=");
                        fmt::f2(&mut st.arena, mem);
                        st.arena.extend_from_slice(b" GB): ");
                        let pct = (kk + 1) * 100 / n;
                        if pct < 100 {
                            st.arena.push(b' ');
                        }
                        if pct < 10 {
                            st.arena.push(b' ');
                        }
                        fmt::u(&mut st.arena, pct as u64);
                        st.arena.extend_from_slice(b"%|");
                        Self::tqdm_bar(&mut st.arena, kk + 1, n);
                        st.arena.extend_from_slice(b"| ");
                        fmt::u(&mut st.arena, (kk + 1) as u64);
                        st.arena.push(b'/');
                        fmt::u(&mut st.arena, n as u64);
                        st.arena.extend_from_slice(b" [00:");
                        fmt::pad2(&mut st.arena, kk + 1);
                        st.arena.extend_from_slice(b"<00:");
                        fmt::pad2(&mut st.arena, n - kk - 1);
                        st.arena.extend_from_slice(b",  ");
                        fmt::f2(&mut st.arena, self.rng.range(0.8, 1.6));
                        st.arena.extend_from_slice(b"it/s]");
                        mem -= 3.0 / n as f64;
                    }
                    st.end(w0 + s(80.0 + 12.0 * half as f64), p);
                }
            }
        }

        // max_total_num_tokens (printed once, by the first rank)
        {
            let t = w0 + s(118.0);
            let p = st.begin();
            let tag = self.topo.tag(self.topo.logging_rank(0));
            self.pfx
                .write(&mut st.arena, t, &tag, "scheduler.init_model_worker", false);
            st.arena.extend_from_slice(b"max_total_num_tokens=");
            fmt::u(&mut st.arena, cap);
            st.arena.extend_from_slice(b", chunked_prefill_size=");
            fmt::u(&mut st.arena, self.k.chunk as u64);
            st.arena
                .extend_from_slice(b", max_prefill_tokens=16384, max_running_requests=");
            fmt::u(&mut st.arena, self.k.max_running as u64);
            st.arena.extend_from_slice(b", context_len=");
            fmt::u(&mut st.arena, self.facts.model.context_len as u64);
            st.arena.extend_from_slice(b", available_gpu_mem=");
            fmt::f2(&mut st.arena, self.avail_final);
            st.arena.extend_from_slice(b" GB");
            st.end(t, p);
            self.c.memory_snapshots += 1;
        }

        // HTTP server / readiness
        if dyn_ {
            let t = w0 + s(121.0);
            let p = st.begin();
            self.pfx
                .write(&mut st.arena, t, b"", "dynamo_sglang.main.init", false);
            st.arena.extend_from_slice(b"Serving endpoint dynamo.");
            st.arena.extend_from_slice(match self.plan.kind {
                Kind::Prefill => &b"prefill"[..],
                _ => &b"backend"[..],
            });
            st.arena.extend_from_slice(b".generate");
            st.end(t, p);
        } else {
            let lines: [&[u8]; 3] = [
                b"INFO:     Waiting for application startup.",
                b"INFO:     Application startup complete.",
                b"INFO:     Uvicorn running on http://",
            ];
            for (i, l) in lines.iter().enumerate() {
                let t = w0 + s(120.0 + i as f64 * 0.01);
                let p = st.begin();
                self.pfx.write(&mut st.arena, t, b"", "", false);
                st.arena.extend_from_slice(l);
                if i == 2 {
                    push_ip(&mut st.arena, self.plan.ip);
                    st.arena.push(b':');
                    fmt::u(&mut st.arena, self.plan.port as u64);
                    st.arena.extend_from_slice(b" (Press CTRL+C to quit)");
                }
                st.end(t, p);
            }
            if noise {
                let t = w0 + s(122.0);
                let p = st.begin();
                self.pfx.write(&mut st.arena, t, b"", "", false);
                st.arena.extend_from_slice(b"INFO:     ");
                push_ip(&mut st.arena, self.plan.ip);
                st.arena
                    .extend_from_slice(b":41872 - \"GET /get_model_info HTTP/1.1\" 200 OK");
                st.end(t, p);
            }
        }
        {
            let t = w0 + s(124.0);
            let p = st.begin();
            self.pfx
                .write(&mut st.arena, t, b"", "http_server._wait_and_warmup", false);
            st.arena
                .extend_from_slice(b"The server is fired up and ready to roll!");
            st.end(t, p);
        }
        st.write(&mut self.out)
    }

    // ------------------------------------------------------------------ serving

    fn new_sched(&self, d: u32) -> Sched {
        let mut rng = Rng::derive(self.plan.seed, 0x7000 + d as u64);
        let lead = self.topo.logging_rank(d);
        let tag = self.topo.tag(lead);
        let dups: Vec<Vec<u8>> = if self.cfg.tp_duplicates {
            self.topo
                .duplicate_ranks(d)
                .into_iter()
                .map(|r: Rank| self.topo.tag(r))
                .collect()
        } else {
            Vec::new()
        };
        let bias = rng.range(0.88, 1.1);
        let first = self.timing.serve_start_us + rng.below(2_000_000) as i64;
        if let Some(r) = self.cfg.replicate {
            rng = Rng::derive(r ^ self.plan.seed, 0x7000 + d as u64);
        }
        let (next_p, next_d) = match self.k.kind {
            Kind::Prefill => (first, i64::MAX),
            Kind::Decode => (i64::MAX, first + 500_000),
            Kind::Agg => (first, first + rng.below(3_000_000) as i64),
        };
        Sched {
            rng,
            tag,
            dups,
            bias,
            next_p,
            next_d,
            last_t: self.timing.serve_start_us,
            running: 0.0,
            queue: 0.0,
            ctx: self.k.ctx_mean,
            iter: 0,
            last_p_t: i64::MIN,
            last_p_tokens: 0,
            accept_len: 2.6,
        }
    }

    #[inline]
    fn load(&self, s: &Sched, t: i64) -> f64 {
        self.facts
            .profile
            .load((t - self.timing.serve_start_us) as f64 / 1e6)
            * s.bias
    }

    fn gap_decode(k: &Consts, density: f64, rng: &mut Rng) -> i64 {
        let _ = k;
        ((rng.range(2.0, 5.0) / density) * 1e6).max(1000.0) as i64
    }

    /// About one prefill line every 2–4 s per scheduler at full load (real
    /// logs: at most ~1 per second, `REAL_RATES`).
    fn gap_prefill(density: f64, load: f64, rng: &mut Rng) -> i64 {
        ((rng.range(1.0, 4.0) / (0.1 + load) / density) * 1e6).max(1000.0) as i64
    }

    fn serve(&mut self) -> io::Result<()> {
        let end = self.timing.serve_start_us + self.timing.duration_us;
        let n = self.topo.dp.max(1);
        let mut scheds: Vec<Sched> = (0..n).map(|d| self.new_sched(d)).collect();
        let ms_order = self.y2026();
        let density = self.timing.density;
        let mut events: Vec<Ev> = Vec::with_capacity(256);
        let mut keys: Vec<u32> = vec![0; n as usize];
        let mut sec = self.timing.serve_start_us.div_euclid(1_000_000) * 1_000_000;
        while sec < end {
            let sec_end = sec + 1_000_000;
            events.clear();
            if !ms_order && n > 1 {
                for k in keys.iter_mut() {
                    *k = self.rng.next_u64() as u32;
                }
            }
            for (i, s) in scheds.iter_mut().enumerate() {
                loop {
                    let decode = s.next_d < s.next_p;
                    let t = if decode { s.next_d } else { s.next_p };
                    if t >= sec_end || t >= end {
                        break;
                    }
                    events.push(Ev {
                        key: keys[i],
                        t,
                        sched: i as u32,
                        decode,
                    });
                    if decode {
                        s.next_d = t + Self::gap_decode(&self.k, density, &mut s.rng);
                    } else {
                        let l = self
                            .facts
                            .profile
                            .load((t - self.timing.serve_start_us) as f64 / 1e6)
                            * s.bias;
                        s.next_p = t + Self::gap_prefill(density, l, &mut s.rng);
                    }
                }
            }
            if events.len() > 1 {
                if ms_order {
                    events.sort_by_key(|e| e.t);
                } else if n > 1 {
                    events.sort_by_key(|e| (e.key, e.t));
                }
            }
            for e in events.iter().copied() {
                let s = &mut scheds[e.sched as usize];
                if e.decode {
                    self.decode_event(s, e.t)?;
                } else {
                    self.prefill_event(s, e.t)?;
                }
            }
            // jump over seconds in which no scheduler has anything to log
            let next = scheds
                .iter()
                .map(|s| s.next_p.min(s.next_d))
                .min()
                .unwrap_or(i64::MAX);
            sec = sec_end.max(next.div_euclid(1_000_000) * 1_000_000);
        }
        Ok(())
    }

    fn update(&self, s: &mut Sched, t: i64, l: f64) {
        let k = &self.k;
        let dt = ((t - s.last_t).max(0) as f64) / 1e6;
        s.last_t = t;
        let a = 1.0 - (-dt / 8.0).exp();
        let run_cap = (0.97 * k.cap as f64 / s.ctx).min(k.per_sched_max);
        let want = l * k.run_full;
        let target = want.min(run_cap);
        let noise = s.rng.normal() * (0.04 * k.run_full + 0.5) * a.sqrt();
        s.running = (s.running + (target - s.running) * a + noise).clamp(0.0, run_cap.max(0.0));
        let overflow = (want - run_cap).max(0.0)
            + if l > 0.92 {
                (l - 0.92) * k.run_full * 0.6
            } else {
                0.0
            };
        let aq = 1.0 - (-dt / 12.0).exp();
        let qn = s.rng.normal() * (0.05 * overflow + 0.3) * aq.sqrt();
        s.queue = (s.queue + (overflow * 1.5 - s.queue) * aq + qn).max(0.0);
        let cm = k.ctx_mean;
        // Replicates of one job revert to the scenario's mean context
        // length (time constant 10 s): a free random walk would make two
        // runs of one configuration differ in KV use more than real re-runs do.
        let revert = if self.cfg.replicate.is_some() {
            (cm - s.ctx) * (1.0 - (-dt / 10.0).exp())
        } else {
            0.0
        };
        s.ctx = (s.ctx + revert + s.rng.normal() * 0.03 * cm * dt.sqrt().min(3.0))
            .clamp(0.5 * cm, 1.6 * cm);
    }

    /// Write prefix + self.msg for the scheduler and all its duplicates.
    fn emit(
        &mut self,
        s_tag: &[u8],
        dups: &[Vec<u8>],
        t: i64,
        target: &str,
        dup_rot: u64,
    ) -> io::Result<u64> {
        let total = 1 + dups.len();
        let rot = if dups.is_empty() {
            0
        } else {
            (dup_rot % total as u64) as usize
        };
        for j in 0..total {
            let idx = (j + rot) % total;
            let tag: &[u8] = if idx == 0 { s_tag } else { &dups[idx - 1] };
            self.pfx.write(&mut self.out.buf, t, tag, target, false);
            self.out.buf.extend_from_slice(&self.msg);
            self.out.end_line()?;
        }
        Ok(total as u64)
    }

    fn head(&mut self, word: &[u8], iter: u64) {
        self.msg.clear();
        self.msg.extend_from_slice(word);
        match self.v {
            SglangVariant::V053 => self.msg.extend_from_slice(b". "),
            SglangVariant::V054Iter | SglangVariant::Y2026 => {
                self.msg.extend_from_slice(b" [");
                fmt::u(&mut self.msg, iter);
                self.msg.extend_from_slice(b"], ");
            }
            SglangVariant::V056 | SglangVariant::Dynamo => self.msg.extend_from_slice(b", "),
        }
    }

    fn prefill_event(&mut self, s: &mut Sched, t: i64) -> io::Result<()> {
        let l = self.load(s, t);
        self.update(s, t, l);
        let k = &self.k;
        let gap_s = if s.last_p_t == i64::MIN {
            1.0
        } else {
            ((t - s.last_p_t) as f64 / 1e6).max(1e-3)
        };
        let uncached = (self.facts.isl * (1.0 - self.facts.hit)).max(1.0);
        let fit = ((k.chunk as f64 / uncached).floor() as u64).max(1);
        let offered = 1 + s
            .rng
            .count(k.arrivals * l.min(1.5) * gap_s.min(30.0) / self.topo.dp.max(1) as f64);
        let new_seq = offered.min(fit).min(k.per_sched_max as u64);
        let total_in = (new_seq as f64 * self.facts.isl * s.rng.range(0.6, 1.4)).max(1.0);
        let hit = (self.facts.hit * s.rng.range(0.3, 1.7)).clamp(0.0, 0.97);
        let cached = (total_in * hit) as u64;
        let new_tok = ((total_in as u64).saturating_sub(cached)).clamp(1, k.chunk as u64);
        let pd = k.pd;
        let running = if pd {
            u64::from(s.rng.chance(0.08))
        } else {
            s.running.round() as u64
        };
        let queue = s.queue.round() as u64;
        let usage = if pd {
            let inflight_tokens = l * self.facts.isl * 6.0 * s.rng.range(0.5, 1.5);
            inflight_tokens / k.cap as f64
        } else {
            (s.running * s.ctx) / k.cap as f64
        };
        let throughput = if s.last_p_t == i64::MIN {
            0.0
        } else {
            s.last_p_tokens as f64 / gap_s
        };
        s.last_p_t = t;
        s.last_p_tokens = new_tok;
        s.iter += 1;
        let iter = s.iter;
        let bootstrap = s.rng.count(l * 2.0);
        let inflight = s.rng.count(l * 5.0);

        self.head(b"Prefill batch", iter);
        let m = &mut self.msg;
        m.extend_from_slice(b"#new-seq: ");
        fmt::u(m, new_seq);
        m.extend_from_slice(b", #new-token: ");
        fmt::u(m, new_tok);
        m.extend_from_slice(b", #cached-token: ");
        fmt::u(m, cached);
        m.extend_from_slice(b", token usage: ");
        fmt::f2(m, usage.min(0.99));
        m.extend_from_slice(b", #running-req: ");
        fmt::u(m, running);
        m.extend_from_slice(b", #queue-req: ");
        fmt::u(m, queue);
        let y26 = matches!(self.v, SglangVariant::Y2026 | SglangVariant::Dynamo);
        if y26 {
            m.extend_from_slice(b", #pending-token: ");
            fmt::u(
                m,
                (queue as f64 * self.facts.isl * (1.0 - self.facts.hit)) as u64,
            );
            if pd {
                m.extend_from_slice(b", #bootstrap-req: ");
                fmt::u(m, bootstrap);
                m.extend_from_slice(b", #inflight-req: ");
                fmt::u(m, inflight);
                m.extend_from_slice(b", #optimistic-req: ");
                fmt::u(
                    m,
                    if s.rng.chance(0.05) {
                        s.rng.int(1, 3)
                    } else {
                        0
                    },
                );
            }
            m.extend_from_slice(b", cuda graph: ");
            m.extend_from_slice(if new_tok <= 4096 { b"True" } else { b"False" });
            m.extend_from_slice(b", input throughput (token/s): ");
            fmt::f2(m, throughput);
        } else {
            if pd {
                m.extend_from_slice(b", #prealloc-req: ");
                fmt::u(m, bootstrap);
                m.extend_from_slice(b", #inflight-req: ");
                fmt::u(m, inflight);
                m.extend_from_slice(b", input throughput (token/s): ");
                fmt::f2(m, throughput);
            }
            m.extend_from_slice(b", ");
        }
        let rot = s.rng.next_u64();
        let lines = self.emit(
            &s.tag,
            &s.dups,
            t,
            "scheduler_metrics_mixin.report_prefill_stats",
            rot,
        )?;
        self.c.prefill_batches += 1;
        self.c.prefill_lines += lines;
        self.c.saw_record(t);
        self.serving_noise(t, 0.25)
    }

    fn decode_event(&mut self, s: &mut Sched, t: i64) -> io::Result<()> {
        let l = self.load(s, t);
        self.update(s, t, l);
        s.iter += 40;
        let running = s.running.round() as u64;
        if running == 0 {
            return Ok(());
        }
        let k = &self.k;
        let tokens =
            ((running as f64 * s.ctx * s.rng.range(0.97, 1.03)) as u64).min(k.cap * 99 / 100);
        let usage = tokens as f64 / k.cap as f64;
        let retracted = if usage > 0.93 && s.rng.chance(0.5) {
            s.rng.int(1, 6)
        } else {
            0
        };
        let graph = running <= k.cuda_graph_max_bs as u64;
        let mut gen =
            running as f64 * k.tps0 / (1.0 + running as f64 / 256.0) * s.rng.range(0.93, 1.07);
        if self.two_batch_overlap() {
            gen *= crate::client::TBO_SPEEDUP;
        }
        let y26 = self.v == SglangVariant::Y2026;
        if y26 {
            s.accept_len = (s.accept_len + s.rng.normal() * 0.15).clamp(1.4, 4.8);
            gen *= s.accept_len / 1.8;
        }
        let pre_usage = (l * 0.04 * s.rng.range(0.5, 1.5)).min((0.99 - usage).max(0.0));
        let prealloc = s.rng.count(l * 6.0);
        let transfer = s.rng.count(l * 20.0);
        let queue = s.queue.round() as u64;
        let iter = s.iter;
        let pd = k.pd;

        self.head(b"Decode batch", iter);
        let m = &mut self.msg;
        m.extend_from_slice(b"#running-req: ");
        fmt::u(m, running);
        m.extend_from_slice(b", #token: ");
        fmt::u(m, tokens);
        m.extend_from_slice(b", token usage: ");
        fmt::f2(m, usage);
        if y26 {
            m.extend_from_slice(b", accept len: ");
            fmt::f2(m, s.accept_len);
            m.extend_from_slice(b", accept rate: ");
            fmt::f2(m, ((s.accept_len - 1.0) / 5.0).clamp(0.0, 1.0));
        }
        if pd {
            m.extend_from_slice(b", pre-allocated usage: ");
            fmt::f2(m, pre_usage);
            m.extend_from_slice(b", #prealloc-req: ");
            fmt::u(m, prealloc);
            m.extend_from_slice(b", #transfer-req: ");
            fmt::u(m, transfer);
            m.extend_from_slice(b", #retracted-req: ");
            fmt::u(m, retracted);
        }
        m.extend_from_slice(b", cuda graph: ");
        m.extend_from_slice(if graph { b"True" } else { b"False" });
        m.extend_from_slice(b", gen throughput (token/s): ");
        fmt::f2(m, gen);
        m.extend_from_slice(b", #queue-req: ");
        fmt::u(m, queue);
        if !matches!(self.v, SglangVariant::Y2026 | SglangVariant::Dynamo) {
            m.extend_from_slice(b", ");
        }
        let rot = s.rng.next_u64();
        let lines = self.emit(
            &s.tag,
            &s.dups,
            t,
            "scheduler_metrics_mixin.report_decode_stats",
            rot,
        )?;
        self.c.decode_batches += 1;
        self.c.decode_lines += lines;
        self.c.saw_record(t);
        if retracted > 0 && self.cfg.noise {
            let tag = s.tag.clone();
            self.pfx.write(
                &mut self.out.buf,
                t,
                &tag,
                "scheduler.update_running_batch",
                true,
            );
            let b = &mut self.out.buf;
            b.extend_from_slice(b"KV cache pool is full. Retract requests. #retracted_reqs: ");
            fmt::u(b, retracted);
            b.extend_from_slice(b", #new_token_ratio: ");
            let r0 = s.rng.range(0.3, 0.6);
            fmt::fixed(b, r0, 4);
            b.extend_from_slice(b" -> ");
            fmt::fixed(b, (r0 + 0.3).min(1.0), 4);
            self.out.end_line()?;
        }
        self.serving_noise(t, 0.12)
    }

    fn serving_noise(&mut self, t: i64, p_access: f64) -> io::Result<()> {
        if !self.cfg.noise {
            return Ok(());
        }
        if self.dynamo() {
            if self.rng.chance(0.01) {
                self.pfx.write(
                    &mut self.out.buf,
                    t,
                    b"",
                    "dynamo_runtime::pipeline::network",
                    false,
                );
                let b = &mut self.out.buf;
                b.extend_from_slice(b"response stream closed by client, request_id=");
                fmt::hex(b, self.rng.next_u64(), 16);
                self.out.end_line()?;
            }
            return Ok(());
        }
        if self.rng.chance(p_access) {
            self.pfx.write(&mut self.out.buf, t, b"", "", false);
            let b = &mut self.out.buf;
            b.extend_from_slice(b"INFO:     ");
            push_ip(b, self.plan.router_ip);
            b.push(b':');
            fmt::u(b, self.rng.int(32768, 60999));
            if self.rng.chance(0.01) {
                b.extend_from_slice(b" - \"GET /health HTTP/1.1\" 200 OK");
            } else {
                b.extend_from_slice(b" - \"POST /generate HTTP/1.1\" 200 OK");
            }
            self.out.end_line()?;
        }
        Ok(())
    }
}

/// Append a dotted IPv4 address.
pub(crate) fn push_ip(b: &mut Vec<u8>, ip: [u8; 4]) {
    for (i, o) in ip.iter().enumerate() {
        if i > 0 {
            b.push(b'.');
        }
        fmt::u(b, *o as u64);
    }
}

/// A plausible default for a filler knob, chosen from its name.
fn filler_value(name: &str) -> &'static str {
    let has = |w: &str| name.contains(w);
    if name.starts_with("enable_")
        || name.starts_with("disable_")
        || name.starts_with("is_")
        || name.starts_with("skip_")
        || name.starts_with("show_")
        || name.starts_with("sleep_")
        || name.starts_with("collect_")
        || name == "log_requests"
        || name == "stream_output"
        || name == "grpc_mode"
    {
        "False"
    } else if has("backend")
        || has("policy")
        || name.ends_with("_mode")
        || name == "device"
        || name == "model_impl"
    {
        if has("lora") {
            "'triton'"
        } else if has("policy") {
            "'lru'"
        } else if name == "device" {
            "'cuda'"
        } else {
            "'auto'"
        }
    } else if has("ratio") {
        "0.5"
    } else if has("timeout") {
        "300"
    } else if has("step") || has("nnodes") || has("worker_num") || has("per_batch") || has("level")
    {
        "1"
    } else if has("size")
        || has("rank")
        || has("_gb")
        || has("secs")
        || has("iterations")
        || has("experts")
    {
        "0"
    } else if has("config") || has("args") {
        "'{}'"
    } else {
        "None"
    }
}

/// Made-up knob names for the long `server_args` dump (style of the real ones).
const FILLER_ARGS: [&str; 211] = [
    "tokenizer_worker_num",
    "skip_tokenizer_init",
    "model_loader_extra_config",
    "modelopt_quant",
    "is_embedding",
    "enable_multimodal",
    "revision",
    "model_impl",
    "grpc_mode",
    "skip_server_warmup",
    "warmups",
    "nccl_port",
    "quantization_param_path",
    "enable_fp32_lm_head",
    "max_queued_requests",
    "enable_priority_scheduling",
    "schedule_conservativeness",
    "page_size",
    "hybrid_kvcache_ratio",
    "swa_full_tokens_ratio",
    "radix_eviction_policy",
    "device",
    "elastic_ep_backend",
    "stream_output",
    "constrained_json_whitespace_pattern",
    "watchdog_timeout",
    "dist_timeout",
    "download_dir",
    "base_gpu_id",
    "gpu_id_step",
    "sleep_on_idle",
    "log_level_http",
    "log_requests",
    "log_requests_level",
    "crash_dump_folder",
    "show_time_cost",
    "enable_metrics",
    "enable_metrics_for_all_schedulers",
    "bucket_time_to_first_token",
    "bucket_inter_token_latency",
    "bucket_e2e_request_latency",
    "collect_tokens_histogram",
    "enable_request_time_stats_logging",
    "kv_events_config",
    "gc_warning_threshold_secs",
    "enable_trace",
    "api_key",
    "weight_version",
    "chat_template",
    "completion_template",
    "file_storage_path",
    "enable_cache_report",
    "reasoning_parser",
    "tool_call_parser",
    "load_watch_interval",
    "prefill_round_robin_balance",
    "dist_init_addr",
    "nnodes",
    "node_rank",
    "json_model_override_args",
    "preferred_sampling_params",
    "enable_lora",
    "max_lora_rank",
    "lora_target_modules",
    "max_loras_per_batch",
    "lora_backend",
    "attention_backend",
    "decode_attention_backend",
    "prefill_attention_backend",
    "sampling_backend",
    "grammar_backend",
    "mm_attention_backend",
    "speculative_algorithm",
    "speculative_draft_model_path",
    "speculative_num_steps",
    "speculative_eagle_topk",
    "speculative_num_draft_tokens",
    "moe_a2a_backend",
    "moe_runner_backend",
    "deepep_mode",
    "ep_num_redundant_experts",
    "init_expert_location",
    "enable_eplb",
    "eplb_rebalance_num_iterations",
    "expert_distribution_recorder_mode",
    "enable_hierarchical_cache",
    "hicache_ratio",
    "hicache_size",
    "hicache_write_policy",
    "enable_double_sparsity",
    "cpu_offload_gb",
    "offload_group_size",
    "disable_radix_cache",
    "disable_cuda_graph_padding",
    "enable_nccl_nvls",
    "enable_torch_compile",
    "tokenizer_backend",
    "detokenizer_worker_num",
    "served_model_name_alias",
    "modelopt_checkpoint_restore_path",
    "modelopt_checkpoint_save_path",
    "enable_return_hidden_states",
    "scheduler_recv_interval",
    "numa_node",
    "enable_deterministic_inference",
    "enable_dynamic_batch_tokenizer",
    "dynamic_batch_tokenizer_batch_size",
    "dynamic_batch_tokenizer_batch_timeout",
    "debug_tensor_dump_output_folder",
    "debug_tensor_dump_input_file",
    "debug_tensor_dump_inject",
    "num_reserved_decode_tokens",
    "disaggregation_decode_polling_interval",
    "custom_weight_loader",
    "weight_loader_disable_mmap",
    "remote_instance_weight_loader_seed_instance_ip",
    "remote_instance_weight_loader_seed_instance_service_port",
    "enable_pdmux",
    "pdmux_config_path",
    "sm_group_num",
    "triton_attention_reduce_in_fp32",
    "triton_attention_num_kv_splits",
    "triton_attention_split_tile_size",
    "num_continuous_decode_steps",
    "delete_ckpt_after_loading",
    "enable_memory_saver",
    "enable_weights_cpu_backup",
    "allow_auto_truncate",
    "enable_custom_logit_processor",
    "flashinfer_mla_disable_ragged",
    "disable_shared_experts_fusion",
    "disable_chunked_prefix_cache",
    "disable_fast_image_processor",
    "keep_mm_feature_on_device",
    "torch_compile_max_bs",
    "piecewise_cuda_graph_max_tokens",
    "piecewise_cuda_graph_compiler",
    "torchao_config",
    "enable_nan_detection",
    "enable_p2p_check",
    "enable_mixed_chunk",
    "enable_dp_lm_head",
    "enable_two_batch_overlap",
    "enable_single_batch_overlap",
    "tbo_token_distribution_threshold",
    "enable_piecewise_cuda_graph",
    "enable_profile_cuda_graph",
    "enable_cudagraph_gc",
    "enable_symm_mem",
    "disable_flashinfer_cutlass_moe_fp4_allgather",
    "enable_tokenizer_batch_encode",
    "disable_outlines_disk_cache",
    "disable_custom_all_reduce",
    "enable_mscclpp",
    "enable_torch_symm_mem",
    "disable_overlap_schedule",
    "hicache_io_backend",
    "hicache_mem_layout",
    "hicache_storage_backend",
    "hicache_storage_prefetch_policy",
    "hicache_storage_backend_extra_config",
    "enable_lmcache",
    "ds_channel_config_path",
    "ds_heavy_channel_num",
    "ds_heavy_token_num",
    "ds_heavy_channel_type",
    "ds_sparse_decode_threshold",
    "offload_num_in_group",
    "offload_prefetch_step",
    "offload_mode",
    "multi_item_scoring_delimiter",
    "max_mamba_cache_size",
    "mamba_ssm_dtype",
    "mamba_full_memory_ratio",
    "moe_dense_tp_size",
    "deepep_config",
    "enable_expert_distribution_metrics",
    "expert_distribution_recorder_buffer_size",
    "eplb_min_rebalancing_utilization_threshold",
    "eplb_rebalance_layers_per_chunk",
    "eplb_algorithm",
    "ep_dispatch_algorithm",
    "flashinfer_mxfp4_moe_precision",
    "enable_flashinfer_allreduce_fusion",
    "speculative_accept_threshold_single",
    "speculative_accept_threshold_acc",
    "speculative_token_map",
    "speculative_attention_mode",
    "speculative_ngram_min_match_window_size",
    "speculative_ngram_max_match_window_size",
    "speculative_ngram_min_bfs_breadth",
    "speculative_ngram_max_bfs_breadth",
    "speculative_ngram_match_type",
    "speculative_ngram_branch_length",
    "speculative_ngram_capacity",
    "speculative_draft_model_revision",
    "speculative_draft_load_format",
    "enable_beta_spec",
    "nsa_prefill",
    "nsa_decode",
    "max_lora_chunk_size",
    "lora_eviction_policy",
    "max_loaded_loras",
    "lora_paths",
    "tokenizer_metrics_custom_labels_header",
    "tokenizer_metrics_allowed_custom_labels",
    "prompt_tokens_buckets",
    "generation_tokens_buckets",
    "oltp_traces_endpoint",
    "sampling_defaults",
    "tool_server",
];
