//! # srtlog-sim — a realistic, fast, deterministic LLM-serving run simulator
//!
//! `srtlog-sim` writes a *run directory* that looks like what
//! [srt-slurm](https://github.com/NVIDIA/srt-slurm) leaves behind after a
//! SGLang or vLLM serving job, so that demos, documentation, tests and
//! benchmarks of the srtlog toolkit have realistic input of any size:
//!
//! ```text
//! OUT/logs/{node}_{prefill|decode|agg}_w{i}.out[.gz|.zst]   one file per worker
//! OUT/logs/{node}_frontend_0.out                            router / frontend (not a worker)
//! OUT/logs/benchmark.out                                    benchmark client (not a worker)
//! ```
//!
//! Every worker file starts with the startup lines of a real server
//! (`server_args=ServerArgs(...)`, per-rank `Load weight` / `KV Cache is
//! allocated` / `Memory pool end` lines, `max_total_num_tokens=...`) and then
//! carries `Prefill batch` / `Decode batch` lines (SGLang, five line-format
//! generations, see [`SglangVariant`]) or periodic `Avg prompt throughput`
//! engine-stats lines (vLLM V1, or the V0 engine of 0.6, see [`Backend`]). Values follow a load curve (ramp-up,
//! plateau with an overload spike, ramp-down): queues grow under load, KV
//! token usage follows the number of running requests, retractions appear
//! when the KV pool is nearly full.
//!
//! Optional realism traps: third-party noise lines, `\r` progress bars,
//! ANSI colour, duplicated batch lines from TP/PP ranks, CRLF line endings,
//! DP ranks interleaved out of order, gzip/zstd compression.
//!
//! The generator is deterministic for a given [`SimConfig`] (including its
//! seed), streams every file through a fixed-size buffer (multi-GB runs need
//! no memory) and formats numbers by hand, reaching hundreds of MB/s.
//! [`write_run`] returns a [`Manifest`] with the ground truth of every worker
//! file (line counts, batch counts, first/last batch timestamps) for tests.
//!
//! [`metrics`] writes Prometheus snapshot folders (before/after each
//! request, or periodic scrapes) with the truth of every request.
//!
//! [`aiperf::write_aiperf_export`] writes AIPerf `profile_export.jsonl`
//! records with HTTP trace data in any layout, of a given count or size.
//!
//! [`write_request_log`] writes a JSON-lines per-request log in the generic
//! schema `timestamp, request_id, model, latency_ms, batch_size, status,
//! gpu_util, memory_used_gb`.
//!
//! ```no_run
//! use srtlog_sim::{write_run, SimConfig};
//! let manifest = write_run(std::path::Path::new("/tmp/run"), &SimConfig::default())?;
//! for f in &manifest.files {
//!     println!("{} {} prefill lines", f.path.display(), f.prefill_lines);
//! }
//! # Ok::<(), std::io::Error>(())
//! ```
#![deny(missing_docs)]

pub mod aiperf;
pub mod bench;
mod civil;
mod client;
mod extras;
pub mod failures;
mod fmt;
pub mod metrics;
mod model;
mod out;
mod reqlog;
mod rng;
pub mod service;
mod sglang;
mod vllm;

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

pub use reqlog::{
    write_request_log, write_request_log_with_truth, RequestLogConfig, RequestLogTruth,
};

/// How the serving job is laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Prefill/decode disaggregation: `prefill` prefill workers and `decode`
    /// decode workers (`*_prefill_w{i}.out`, `*_decode_w{i}.out`).
    Disaggregated {
        /// Number of prefill workers.
        prefill: u32,
        /// Number of decode workers.
        decode: u32,
    },
    /// Aggregated serving: `workers` workers that do both (`*_agg_w{i}.out`).
    Aggregated {
        /// Number of aggregated workers.
        workers: u32,
    },
}

/// SGLang line-format generation (see the formats spec, §1.2/§1.4/§1.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SglangVariant {
    /// v0.5.3: `[2025-10-20 12:06:03 TP0] Prefill batch. #new-seq: …, ` —
    /// period after `batch`, trailing `, `.
    V053,
    /// v0.5.4 with forward-iteration ids: `Prefill batch [N], …, ` — trailing `, `.
    V054Iter,
    /// v0.5.4.post1 … v0.5.6: `Prefill batch, …, ` — trailing `, `.
    V056,
    /// 2026 builds: `[2026-09-24 01:47:50.615 DP3 TP3 EP3] Prefill batch [1], …`
    /// — millisecond timestamps, no trailing separator, `#pending-token`,
    /// `#bootstrap-req`, `#optimistic-req`, `cuda graph` on prefill lines,
    /// `accept len` / `accept rate` (speculative decoding) on decode lines.
    Y2026,
    /// Dynamo-wrapped SGLang: `2026-07-08T22:28:50.274739Z  INFO
    /// scheduler_metrics_mixin.report_prefill_stats: Prefill batch, …` — ISO
    /// timestamps with microseconds, no rank tags, optionally ANSI-coloured
    /// (see [`SimConfig::ansi`]).
    Dynamo,
}

/// Which serving engine writes the worker logs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Backend {
    /// SGLang scheduler logs in the given format generation.
    Sglang(SglangVariant),
    /// vLLM V1 (0.25-era) logs: `(APIServer pid=N) INFO MM-DD HH:MM:SS
    /// [loggers.py:273] Engine 000: Avg prompt throughput: …` every 10 s
    /// (skipped when idle, as V1 does), one line per DP engine; with
    /// [`SimConfig::spec_decoding`] each followed by a `SpecDecoding metrics:`
    /// line. With noise, a FlashInfer autotuner line at start-up carries the
    /// only full date (`2025-11-04 05:31:10,181 - INFO - …`), as in real
    /// 0.25 logs.
    Vllm,
    /// vLLM V0 (0.6-era) logs: `INFO MM-DD HH:MM:SS metrics.py:349] Avg
    /// prompt throughput: …, Running: N reqs, Swapped: N reqs, Pending: N
    /// reqs, GPU KV cache usage: x%, CPU KV cache usage: y%.` every 10 s (idle
    /// too) and its `Prefix cache hit rate: GPU: x%, CPU: y%` companion line;
    /// TP workers print as `(VllmWorkerProcess pid=N)`; one engine (no DP);
    /// no full date anywhere (the year must be given).
    VllmV0,
}

impl Backend {
    /// True for the vLLM variants.
    pub fn is_vllm(self) -> bool {
        matches!(self, Backend::Vllm | Backend::VllmV0)
    }
}

/// Compression of the worker log files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Compression {
    /// Plain text.
    None,
    /// gzip (deflate level 1), `.gz` appended to worker file names.
    Gzip,
    /// zstd (level 3), `.zst` appended to worker file names.
    Zstd,
}

impl Compression {
    /// The file-name suffix this compression appends (`""`, `".gz"`, `".zst"`).
    pub fn suffix(self) -> &'static str {
        match self {
            Compression::None => "",
            Compression::Gzip => ".gz",
            Compression::Zstd => ".zst",
        }
    }
}

/// Wall-clock start of a simulated run (naive local time, no time zone).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StartTime {
    /// Year, e.g. 2025.
    pub year: i32,
    /// Month 1..=12.
    pub month: u32,
    /// Day of month 1..=31.
    pub day: u32,
    /// Hour 0..=23.
    pub hour: u32,
    /// Minute 0..=59.
    pub minute: u32,
    /// Second 0..=59.
    pub second: u32,
}

impl StartTime {
    /// Build a start time from its parts (validated when used).
    pub fn new(year: i32, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> Self {
        StartTime {
            year,
            month,
            day,
            hour,
            minute,
            second,
        }
    }

    /// Seconds since 1970-01-01 00:00:00 of this naive time, or an
    /// `InvalidInput` error when a field is out of range.
    pub fn to_unix_seconds(&self) -> io::Result<i64> {
        let y = self.year as i64;
        if !(1..=9999).contains(&y)
            || !(1..=12).contains(&self.month)
            || self.day == 0
            || self.day > civil::days_in_month(self.year, self.month)
            || self.hour > 23
            || self.minute > 59
            || self.second > 59
        {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("invalid start time {self:?}"),
            ));
        }
        Ok(
            civil::days_from_civil(self.year, self.month, self.day) * 86_400
                + (self.hour * 3600 + self.minute * 60 + self.second) as i64,
        )
    }
}

impl Default for StartTime {
    /// 2025-11-04 05:30:00.
    fn default() -> Self {
        StartTime::new(2025, 11, 4, 5, 30, 0)
    }
}

impl From<(i32, u32, u32, u32, u32, u32)> for StartTime {
    fn from(t: (i32, u32, u32, u32, u32, u32)) -> Self {
        StartTime::new(t.0, t.1, t.2, t.3, t.4, t.5)
    }
}

/// Everything that shapes a simulated run. Start from [`SimConfig::default`].
#[derive(Clone, Debug, PartialEq)]
pub struct SimConfig {
    /// Disaggregated (prefill/decode) or aggregated workers.
    pub mode: Mode,
    /// Engine and log-format generation.
    pub backend: Backend,
    /// Data-parallel size per worker. With `dp > 1` every DP rank is its own
    /// scheduler and prints its own batch lines, tagged `DPn TPm` where `m` is
    /// the DP rank's first TP rank (DP attention when `tp >= dp`).
    pub dp: u32,
    /// Tensor-parallel size per worker (`TPn` tags only when `tp > 1`).
    pub tp: u32,
    /// Expert-parallel size (`EPn` tags only when `ep > 1`).
    pub ep: u32,
    /// Pipeline-parallel size (`PPn` tags only when `pp > 1`).
    pub pp: u32,
    /// Length of the serving window in simulated seconds (startup adds ~150 s
    /// before it). With [`SimConfig::target_bytes`] this is only the starting point.
    pub duration_s: u64,
    /// When set, the run is scaled **by duration** so that the worker logs
    /// total roughly this many **uncompressed** bytes (±10 %). Line rates
    /// and token throughputs per scheduler stay those of the real logs
    /// ([`REAL_RATES`]) at any size: a larger run is a longer run, not a
    /// denser one (issue 17 item 22). Works up to many GB: files are streamed.
    pub target_bytes: Option<u64>,
    /// Seed of every random choice; equal configs give byte-identical runs.
    pub seed: u64,
    /// Wall-clock start of the job (the first startup line).
    pub start: StartTime,
    /// Compression of the worker files (`.gz` / `.zst` appended).
    pub compression: Compression,
    /// Include realistic non-record lines: Python warnings, `\r` progress bars,
    /// uvicorn access lines, one ANSI-coloured warning, a long `server_args` line.
    pub noise: bool,
    /// Duplicate trap: every batch line is also printed, with the same
    /// timestamp, by TP ranks `1..tp` (when `tp > 1` and `dp == 1`) and by PP
    /// ranks `1..pp` (when `pp > 1`). For Dynamo the copies are byte-identical.
    pub tp_duplicates: bool,
    /// Write `\r\n` line endings.
    pub crlf: bool,
    /// ANSI-colour the Dynamo prefix (`\x1b[2m…\x1b[0m \x1b[32m INFO\x1b[0m …`)
    /// and the vLLM process prefixes. Always on for the router/frontend log.
    pub ansi: bool,
    /// Worker files generated concurrently (0 = 2; at most one thread per file).
    pub threads: usize,
    /// vLLM V1: a `SpecDecoding metrics:` line after every statistics line
    /// (speculative decoding with three draft positions).
    pub spec_decoding: bool,
    /// Another run of the same job: when set, the scenario (model, GPU,
    /// prompt and output lengths, load curve, node names and each worker's
    /// server settings) still comes from [`SimConfig::seed`], and every
    /// per-step random draw (arrivals, noise, batch sizes) from this value.
    /// Two runs with the same `seed` and different `replicate`s differ only
    /// as two runs of one configuration do. `None`: everything from `seed`.
    pub replicate: Option<u64>,
    /// SGLang's `--enable-two-batch-overlap` on the **decode** workers (the
    /// aggregated workers in aggregated mode): their launch command carries
    /// the flag and their `ServerArgs` dump `enable_two_batch_overlap=True`.
    /// The simulator maps it to **+20 % decode throughput** on that worker
    /// type (generation throughput of each decode batch line ×1.2, and the
    /// client's time per output token ÷1.2); prefill workers, queues,
    /// running requests and KV usage are unchanged. Two-batch overlap
    /// overlaps one micro-batch's communication (MoE dispatch/combine)
    /// with the other's computation, which is where a decode speed-up of
    /// this order comes from. SGLang only (an error with vLLM).
    pub two_batch_overlap: bool,
    /// Also write the benchmark client's per-request log,
    /// `OUT/client/requests.jsonl` (listed in [`Manifest::aux_files`]; see
    /// the `client` module for its model).
    pub client_log: bool,
}

impl Default for SimConfig {
    /// Disaggregated 2 prefill + 1 decode, SGLang v0.5.6 format, TP 4, 600 s,
    /// seed 42, noise on, no duplicates, LF endings, no compression.
    fn default() -> Self {
        SimConfig {
            mode: Mode::Disaggregated {
                prefill: 2,
                decode: 1,
            },
            backend: Backend::Sglang(SglangVariant::V056),
            dp: 1,
            tp: 4,
            ep: 1,
            pp: 1,
            duration_s: 600,
            target_bytes: None,
            seed: 42,
            start: StartTime::default(),
            compression: Compression::None,
            noise: true,
            tp_duplicates: false,
            crlf: false,
            ansi: false,
            threads: 2,
            spec_decoding: false,
            replicate: None,
            two_batch_overlap: false,
            client_log: false,
        }
    }
}

/// Ground truth of one worker file, for asserting parser output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileTruth {
    /// Full path of the file (under `OUT/logs/`).
    pub path: PathBuf,
    /// Node name as it appears in the file name (`gpu-node-01`, `eos0234`, …).
    pub node: String,
    /// `"prefill"`, `"decode"` or `"agg"`.
    pub worker_type: String,
    /// `"w0"`, `"w1"`, …
    pub worker_id: String,
    /// Prefill batches per scheduler (DP ranks count separately; TP/PP
    /// duplicate lines do not).
    pub prefill_batches: u64,
    /// Decode batches per scheduler (without duplicates).
    pub decode_batches: u64,
    /// Physical `Prefill batch` lines, duplicates included.
    pub prefill_lines: u64,
    /// Physical `Decode batch` lines, duplicates included.
    pub decode_lines: u64,
    /// Memory-snapshot lines written. SGLang: `Load weight end`, `KV Cache is
    /// allocated`, `Memory pool end` (one of each per rank) plus the single
    /// `max_total_num_tokens=` line. vLLM: `Model loading took` (per worker
    /// rank), `Available KV cache memory` and `GPU KV cache size` (per engine).
    pub memory_snapshots: u64,
    /// Timestamp of the first batch line (vLLM: stats line) exactly as
    /// printed: `YYYY-MM-DD HH:MM:SS` (v0.5.x), `YYYY-MM-DD HH:MM:SS.mmm`
    /// (2026), `YYYY-MM-DDTHH:MM:SS.ffffffZ` (Dynamo), `MM-DD HH:MM:SS`
    /// (vLLM). Empty when the file has no such line.
    pub first_timestamp: String,
    /// Timestamp of the last batch/stats line, same format as `first_timestamp`.
    pub last_timestamp: String,
    /// First batch/stats line time in milliseconds since 1970 (naive clock,
    /// truncated to what is printed), if any.
    pub first_unix_ms: Option<i64>,
    /// Last batch/stats line time in milliseconds since 1970, if any.
    pub last_unix_ms: Option<i64>,
    /// vLLM: number of `Avg prompt throughput` lines (0 for SGLang).
    pub stat_lines: u64,
    /// vLLM: `SpecDecoding metrics:` lines.
    pub spec_lines: u64,
    /// vLLM: uvicorn access lines (all `200 OK`).
    pub access_lines: u64,
    /// Size of the file on disk (compressed size when compressed).
    pub bytes: u64,
    /// Size of the uncompressed text.
    pub uncompressed_bytes: u64,
}

/// What [`write_run`] produced.
#[derive(Clone, Debug, PartialEq)]
pub struct Manifest {
    /// One entry per worker file, prefill workers first, then decode/agg.
    pub files: Vec<FileTruth>,
    /// Non-worker files (frontend log, `benchmark.out`).
    pub aux_files: Vec<PathBuf>,
    /// Sum of `bytes` (on disk) over the worker files.
    pub total_bytes: u64,
    /// Sum of `uncompressed_bytes` over the worker files.
    pub total_uncompressed_bytes: u64,
    /// Serving-window length actually simulated (after `target_bytes` scaling).
    pub effective_duration_s: u64,
    /// Line-density multiplier used: always 1.0 (sizes scale the duration;
    /// kept for the JSON manifest's readers).
    pub density: f64,
}

/// Worker role of one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Prefill,
    Decode,
    Agg,
}

impl Kind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Kind::Prefill => "prefill",
            Kind::Decode => "decode",
            Kind::Agg => "agg",
        }
    }
}

/// One worker file to generate.
#[derive(Clone, Debug)]
pub(crate) struct FilePlan {
    pub(crate) node: String,
    pub(crate) kind: Kind,
    pub(crate) index: u32,
    pub(crate) seed: u64,
    /// Startup offset of this worker after the job start, µs.
    pub(crate) offset_us: i64,
    /// The worker's own IP.
    pub(crate) ip: [u8; 4],
    /// The router's IP (source of access lines).
    pub(crate) router_ip: [u8; 4],
    /// HTTP port of the worker (unique per node).
    pub(crate) port: u16,
    /// Fake pid base.
    pub(crate) pid: u32,
}

/// Per-file generation result before file metadata is attached.
#[derive(Clone, Debug, Default)]
pub(crate) struct Counts {
    pub(crate) prefill_batches: u64,
    pub(crate) decode_batches: u64,
    pub(crate) prefill_lines: u64,
    pub(crate) decode_lines: u64,
    pub(crate) memory_snapshots: u64,
    pub(crate) stat_lines: u64,
    pub(crate) spec_lines: u64,
    pub(crate) access_lines: u64,
    pub(crate) first_us: Option<i64>,
    pub(crate) last_us: Option<i64>,
}

impl Counts {
    #[inline]
    pub(crate) fn saw_record(&mut self, us: i64) {
        if self.first_us.is_none() {
            self.first_us = Some(us);
        }
        self.last_us = Some(us);
    }
}

/// Timing of the serving phase of a run.
#[derive(Clone, Debug)]
pub(crate) struct Timing {
    /// Job start, µs since 1970 (naive).
    pub(crate) start_us: i64,
    /// Serving-window start, µs.
    pub(crate) serve_start_us: i64,
    /// Serving-window length, µs.
    pub(crate) duration_us: i64,
    /// Event-rate multiplier.
    pub(crate) density: f64,
}

/// Seconds of startup before the serving window opens.
pub(crate) const STARTUP_S: i64 = 150;
/// The per-scheduler rates of the real logs in `../shared/data`, measured
/// with `srtlog parse --json` (batch lines over each log's first-to-last
/// line) and `srtlog stats --json` (mean of the printed throughputs), with
/// some margin: the simulator's runs fall inside them at any size
/// (`tests.rs`, `rates_are_those_of_real_logs`). Measured (2026-12-03):
/// prefill lines/s per scheduler 0.009 (SGLang DP8 v0.5.5) to 1.05
/// (Llama 4 on MI300, TP8); decode lines/s 0.036 (2026 SGLang, one GPU)
/// to 1.71 (PD decode v0.5.3); vLLM statistics lines every 10 s (0.05 to
/// 0.10/s); mean input throughput 109 to 4,074 tokens/s; mean generation
/// throughput 21 to 4,060 tokens/s.
pub struct RealRates {
    /// Prefill batch lines per second per scheduler.
    pub prefill_lines_per_s: (f64, f64),
    /// Decode batch lines per second per scheduler.
    pub decode_lines_per_s: (f64, f64),
    /// vLLM statistics lines per second per engine.
    pub stats_lines_per_s: (f64, f64),
    /// Mean printed input (prefill) throughput per scheduler, tokens/s.
    pub input_tokens_per_s: (f64, f64),
    /// Mean printed generation throughput per scheduler, tokens/s.
    pub gen_tokens_per_s: (f64, f64),
}

/// The ranges of [`RealRates`].
pub const REAL_RATES: RealRates = RealRates {
    prefill_lines_per_s: (0.005, 1.1),
    decode_lines_per_s: (0.03, 1.8),
    stats_lines_per_s: (0.05, 0.11),
    input_tokens_per_s: (50.0, 6000.0),
    gen_tokens_per_s: (10.0, 5000.0),
};

fn invalid(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg.to_string())
}

fn validate(cfg: &SimConfig) -> io::Result<()> {
    if cfg.dp == 0 || cfg.tp == 0 || cfg.ep == 0 || cfg.pp == 0 {
        return Err(invalid("dp, tp, ep and pp must be at least 1"));
    }
    if cfg.dp > 1024 || cfg.tp > 1024 || cfg.ep > 1024 || cfg.pp > 64 {
        return Err(invalid("parallel sizes are unreasonably large"));
    }
    let workers = match cfg.mode {
        Mode::Disaggregated { prefill, decode } => {
            if prefill == 0 || decode == 0 {
                return Err(invalid(
                    "disaggregated mode needs at least one prefill and one decode worker",
                ));
            }
            prefill as u64 + decode as u64
        }
        Mode::Aggregated { workers } => {
            if workers == 0 {
                return Err(invalid("aggregated mode needs at least one worker"));
            }
            workers as u64
        }
    };
    if cfg.two_batch_overlap && cfg.backend.is_vllm() {
        return Err(invalid(
            "two-batch overlap is an SGLang server argument; the vLLM simulator has none",
        ));
    }
    if workers > 4096 {
        return Err(invalid("too many workers"));
    }
    if cfg.duration_s > 100 * 365 * 86_400 {
        return Err(invalid("duration_s is unreasonably large"));
    }
    cfg.start.to_unix_seconds()?;
    Ok(())
}

/// Node-name style and numbering for a run.
fn node_name(style: u64, base: u64, i: u64) -> String {
    match style {
        0 => format!("gpu-node-{:02}", base + i),
        1 => format!("eos{:04}", base + i),
        _ => format!(
            "r{:02}-p01-dgx-c{:02}",
            2 + (base + i) / 16,
            (base + i) % 16 + 1
        ),
    }
}

/// Lay out worker files on nodes (srt-slurm style: one file per worker,
/// named after the worker's leader node).
pub(crate) fn plan_files(cfg: &SimConfig) -> Vec<FilePlan> {
    let mut rng = rng::Rng::derive(cfg.seed, 0x91a0);
    let style = rng.below(3);
    let base = match style {
        0 => 1,
        1 => rng.int(1, 400),
        _ => rng.int(0, 40),
    };
    let gpus = model::Topo::from_cfg(cfg).gpus().max(1) as u64;
    let per_node = if gpus >= 8 { 1 } else { 8 / gpus };
    let nodes_per_worker = gpus.div_ceil(8).max(1);
    let groups: Vec<(Kind, u32)> = match cfg.mode {
        Mode::Disaggregated { prefill, decode } => {
            vec![(Kind::Prefill, prefill), (Kind::Decode, decode)]
        }
        Mode::Aggregated { workers } => vec![(Kind::Agg, workers)],
    };
    let subnet = rng.int(1, 250) as u8;
    let router_ip = [10, subnet, 0, 1];
    let mut node_idx = 0u64;
    let mut plans = Vec::new();
    let mut n = 0u64;
    for (kind, count) in groups {
        for i in 0..count as u64 {
            let slot = i % per_node;
            if i > 0 && slot == 0 {
                node_idx += nodes_per_worker;
            }
            let node = node_name(style, base, node_idx);
            plans.push(FilePlan {
                node,
                kind,
                index: i as u32,
                seed: rng::Rng::derive(cfg.seed, 0x1000 + n).next_u64(),
                offset_us: rng.int(0, 8_000_000) as i64,
                ip: [
                    10,
                    subnet,
                    (node_idx / 200) as u8,
                    (10 + node_idx % 200) as u8,
                ],
                router_ip,
                port: 30000 + slot as u16,
                pid: rng.int(1000, 400_000) as u32,
            });
            n += 1;
        }
        node_idx += nodes_per_worker;
    }
    plans
}

fn worker_file_name(cfg: &SimConfig, p: &FilePlan) -> String {
    format!(
        "{}_{}_w{}.out{}",
        p.node,
        p.kind.as_str(),
        p.index,
        cfg.compression.suffix()
    )
}

/// Generate one worker file into any writer.
pub(crate) fn generate_into<W: io::Write>(
    cfg: &SimConfig,
    timing: &Timing,
    plan: &FilePlan,
    w: W,
) -> io::Result<(W, u64, Counts)> {
    let out = out::Out::new(w, cfg.crlf);
    match cfg.backend {
        Backend::Sglang(v) => sglang::generate(cfg, v, timing, plan, out),
        Backend::Vllm => vllm::generate(cfg, timing, plan, out),
        Backend::VllmV0 => vllm::generate_v0(cfg, timing, plan, out),
    }
}

/// Choose the duration so the worker logs total ≈ `target` bytes.
fn calibrate(
    cfg: &SimConfig,
    plans: &[FilePlan],
    base: &Timing,
    target: u64,
) -> io::Result<Timing> {
    let d0 = base.duration_us.max(1_000_000);
    // The load curve is relative to the run length, so the average byte rate of
    // the serving window does not depend on it: one fixed-length pilot suffices.
    let pilot_us = 1800 * 1_000_000;
    let mut fixed = 0u64;
    let mut var = 0u64;
    for p in plans {
        let t0 = Timing {
            duration_us: 0,
            ..base.clone()
        };
        let (_, b0, _) = generate_into(cfg, &t0, p, io::sink())?;
        let t1 = Timing {
            duration_us: pilot_us,
            ..base.clone()
        };
        let (_, b1, _) = generate_into(cfg, &t1, p, io::sink())?;
        fixed += b0;
        var += b1.saturating_sub(b0);
    }
    if var == 0 {
        return Ok(base.clone());
    }
    // bytes per µs of serving window at density 1
    let rate = var as f64 / pilot_us as f64;
    let want = target.saturating_sub(fixed) as f64;
    let scale = want / (rate * d0 as f64);
    // Size is duration: the rates stay those of real logs (REAL_RATES).
    let (density, duration_us) = (1.0, (d0 as f64 * scale).max(1_000_000.0));
    Ok(Timing {
        density,
        duration_us: duration_us as i64,
        ..base.clone()
    })
}

/// Write a complete simulated run directory under `out_dir` (creating
/// `out_dir/logs/`) and return its ground truth.
///
/// Worker files are generated concurrently (at most [`SimConfig::threads`],
/// default 2). Errors: `InvalidInput` for an impossible config, or any I/O
/// error from creating/writing the files.
pub fn write_run(out_dir: &Path, cfg: &SimConfig) -> io::Result<Manifest> {
    validate(cfg)?;
    let logs = out_dir.join("logs");
    std::fs::create_dir_all(&logs)?;
    let plans = plan_files(cfg);
    let start_us = cfg.start.to_unix_seconds()? * 1_000_000;
    let mut timing = Timing {
        start_us,
        serve_start_us: start_us + STARTUP_S * 1_000_000,
        duration_us: cfg.duration_s as i64 * 1_000_000,
        density: 1.0,
    };
    if let Some(target) = cfg.target_bytes {
        timing = calibrate(cfg, &plans, &timing, target)?;
    }

    let n = plans.len();
    let threads = if cfg.threads == 0 { 2 } else { cfg.threads }.min(n).max(1);
    let results: Mutex<Vec<Option<io::Result<FileTruth>>>> =
        Mutex::new((0..n).map(|_| None).collect());
    let next = AtomicUsize::new(0);
    let job = |i: usize| -> io::Result<FileTruth> {
        let p = &plans[i];
        let path = logs.join(worker_file_name(cfg, p));
        let sink = out::FileSink::create(&path, cfg.compression)?;
        let (sink, uncompressed, c) = generate_into(cfg, &timing, p, sink)?;
        sink.finish()?;
        let bytes = std::fs::metadata(&path)?.len();
        Ok(truth(cfg, p, path, c, bytes, uncompressed))
    };
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let r = job(i);
                if let Ok(mut g) = results.lock() {
                    g[i] = Some(r);
                }
            });
        }
    });
    let results = results
        .into_inner()
        .map_err(|_| io::Error::other("worker thread panicked"))?;
    let mut files = Vec::with_capacity(n);
    for r in results {
        match r {
            Some(r) => files.push(r?),
            None => return Err(io::Error::other("worker file was not generated")),
        }
    }
    let mut aux_files = extras::write_aux(&logs, cfg, &timing, &plans)?;
    if cfg.client_log {
        let path = out_dir.join("client").join("requests.jsonl");
        client::write_client_log(&path, cfg, &timing)?;
        aux_files.push(path);
    }
    let total_bytes = files.iter().map(|f| f.bytes).sum();
    let total_uncompressed_bytes = files.iter().map(|f| f.uncompressed_bytes).sum();
    Ok(Manifest {
        files,
        aux_files,
        total_bytes,
        total_uncompressed_bytes,
        effective_duration_s: (timing.duration_us / 1_000_000) as u64,
        density: timing.density,
    })
}

fn truth(
    cfg: &SimConfig,
    p: &FilePlan,
    path: PathBuf,
    c: Counts,
    bytes: u64,
    uncompressed: u64,
) -> FileTruth {
    let render = |us: i64| -> String {
        match cfg.backend {
            Backend::Sglang(
                SglangVariant::V053 | SglangVariant::V054Iter | SglangVariant::V056,
            ) => civil::render_us(us, false),
            Backend::Sglang(SglangVariant::Y2026) => civil::render_us(us, true),
            Backend::Sglang(SglangVariant::Dynamo) => {
                let s = civil::render_us(us, false).replacen(' ', "T", 1);
                format!("{s}.{:06}Z", us.rem_euclid(1_000_000))
            }
            Backend::Vllm | Backend::VllmV0 => civil::render_us(us, false)[5..].to_string(),
        }
    };
    let printed_ms = |us: i64| -> i64 {
        match cfg.backend {
            Backend::Sglang(SglangVariant::Y2026 | SglangVariant::Dynamo) => us.div_euclid(1000),
            _ => us.div_euclid(1_000_000) * 1000,
        }
    };
    FileTruth {
        path,
        node: p.node.clone(),
        worker_type: p.kind.as_str().to_string(),
        worker_id: format!("w{}", p.index),
        prefill_batches: c.prefill_batches,
        decode_batches: c.decode_batches,
        prefill_lines: c.prefill_lines,
        decode_lines: c.decode_lines,
        memory_snapshots: c.memory_snapshots,
        first_timestamp: c.first_us.map(render).unwrap_or_default(),
        last_timestamp: c.last_us.map(render).unwrap_or_default(),
        first_unix_ms: c.first_us.map(printed_ms),
        last_unix_ms: c.last_us.map(printed_ms),
        stat_lines: c.stat_lines,
        spec_lines: c.spec_lines,
        access_lines: c.access_lines,
        bytes,
        uncompressed_bytes: uncompressed,
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_compare;
