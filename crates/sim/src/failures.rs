//! Failed runs, for `srtlog check`'s tests and demos: a clean simulated run
//! ([`baseline`]) with one [`Failure`] injected into its files.
//!
//! The baseline is a disaggregated SGLang run (2 prefill + 1 decode
//! workers, DP 2, TP 2) with its benchmark client's console summary, a
//! `vllm bench serve`-style result JSON and two Prometheus snapshots whose
//! request counter rises by exactly the requests the benchmark sent. Each
//! injection edits those files the way the failure shows in real logs: the
//! error lines a real server prints (see `srtlog check`'s pattern table for
//! the real files they come from), batch lines that stop, values that drift,
//! client numbers that do not add up.

use crate::{civil, write_run, Compression, Manifest, Mode, SimConfig};
use std::io;
use std::path::{Path, PathBuf};

/// One failure that [`write_failed_run`] can inject.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Failure {
    /// `torch.OutOfMemoryError: CUDA out of memory` in the decode worker, which then stops.
    CudaOom,
    /// `DistBackendError: NCCL error` in the decode worker, which then stops.
    NcclError,
    /// PyTorch's NCCL watchdog timeout in the decode worker, which then stops.
    NcclWatchdog,
    /// `Scheduler hit an exception` and its traceback; the worker stops.
    SchedulerException,
    /// A bare Python traceback after which the decode worker stops.
    Traceback,
    /// A prefill worker that cannot find its model and never serves.
    ModelLoadFailed,
    /// A prefill worker whose port is taken and never serves.
    PortInUse,
    /// A prefill worker whose health check fails; it never serves.
    HealthCheckFailed,
    /// A prefill worker that prints no batch line and no error.
    NeverServed,
    /// The decode worker goes silent for a fifth of the run under load.
    Stall,
    /// The decode worker stops logging half-way while the prefill workers go on.
    Hang,
    /// `KV cache pool is full. Retract requests.` lines in the decode worker.
    KvPoolFull,
    /// The decode worker's queue grows to hundreds of requests by the end.
    QueueGrowing,
    /// The decode worker's token usage stays at 0.99.
    TokenUsagePinned,
    /// Prefill queues at 60+ while decode has none.
    PdMismatch,
    /// The decode worker's DP0 runs five times the requests of DP1.
    DpImbalance,
    /// The decode worker's generation throughput drops 20× mid-run.
    ThroughputCollapse,
    /// Decode batches run without CUDA graphs.
    CudaGraphOff,
    /// The client reports `Total generated tokens: 0`.
    ClientZeroTokens,
    /// The client counts 20× the tokens the server generated.
    ServerFewerTokens,
    /// The metrics snapshots count the warm-up request too.
    WarmupInWindow,
    /// The metrics snapshots count 500 requests more than the benchmark sent.
    SnapshotExcess,
    /// The result JSON's date is a day after the logs.
    TimeRangesDisjoint,
    /// A worker log compressed with gzip whose data is corrupt.
    UnreadableFile,
    /// The client reports every request failed.
    ClientAllFailed,
}

impl Failure {
    /// Every failure, in declaration order.
    pub const ALL: [Failure; 25] = [
        Failure::CudaOom,
        Failure::NcclError,
        Failure::NcclWatchdog,
        Failure::SchedulerException,
        Failure::Traceback,
        Failure::ModelLoadFailed,
        Failure::PortInUse,
        Failure::HealthCheckFailed,
        Failure::NeverServed,
        Failure::Stall,
        Failure::Hang,
        Failure::KvPoolFull,
        Failure::QueueGrowing,
        Failure::TokenUsagePinned,
        Failure::PdMismatch,
        Failure::DpImbalance,
        Failure::ThroughputCollapse,
        Failure::CudaGraphOff,
        Failure::ClientZeroTokens,
        Failure::ServerFewerTokens,
        Failure::WarmupInWindow,
        Failure::SnapshotExcess,
        Failure::TimeRangesDisjoint,
        Failure::UnreadableFile,
        Failure::ClientAllFailed,
    ];
}

/// The clean run's configuration: 2 prefill + 1 decode SGLang workers,
/// DP 2, TP 2, 300 s of serving, plain files.
pub fn baseline(seed: u64) -> SimConfig {
    SimConfig {
        mode: Mode::Disaggregated {
            prefill: 2,
            decode: 1,
        },
        dp: 2,
        tp: 2,
        duration_s: 300,
        seed,
        compression: Compression::None,
        threads: 1,
        ..SimConfig::default()
    }
}

/// Writes the baseline run (`cfg`, which must be uncompressed) under
/// `out_dir` with `failure` injected (`None`: the clean run).
pub fn write_failed_run(
    out_dir: &Path,
    cfg: &SimConfig,
    failure: Option<Failure>,
) -> io::Result<Manifest> {
    if cfg.compression != Compression::None {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "failures are injected into uncompressed runs",
        ));
    }
    let m = write_run(out_dir, cfg)?;
    let logs = out_dir.join("logs");
    // The simulator's overload spike retracts requests; a clean run has none.
    for f in &m.files {
        rewrite(&f.path, |l, _, _| {
            if l.contains("KV cache pool is full") {
                vec![]
            } else {
                vec![l.to_string()]
            }
        })?;
    }
    let client = Client::write(&logs, &m)?;
    if let Some(f) = failure {
        inject(&logs, &m, &client, f)?;
    }
    Ok(m)
}

/// What the baseline's client files say.
struct Client {
    requests: u64,
    tokens: u64,
}

impl Client {
    /// Reads the console summary and writes the result JSON and snapshots.
    fn write(logs: &Path, m: &Manifest) -> io::Result<Client> {
        let bench = std::fs::read_to_string(logs.join("benchmark.out"))?;
        let value = |key: &str| -> u64 {
            bench
                .lines()
                .find_map(|l| l.strip_prefix(key))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0)
        };
        let c = Client {
            requests: value("Successful requests:"),
            tokens: value("Total generated tokens:"),
        };
        let last_ms = m
            .files
            .iter()
            .filter_map(|f| f.last_unix_ms)
            .max()
            .unwrap_or(0);
        let first_ms = m
            .files
            .iter()
            .filter_map(|f| f.first_unix_ms)
            .min()
            .unwrap_or(0);
        c.write_json(
            logs,
            last_ms / 1000,
            (last_ms - first_ms) as f64 / 1000.0,
            c.requests,
            0,
        )?;
        c.write_snapshots(logs, c.requests)?;
        Ok(c)
    }

    fn write_json(
        &self,
        logs: &Path,
        end_s: i64,
        dur: f64,
        completed: u64,
        failed: u64,
    ) -> io::Result<()> {
        let d = civil::render(end_s);
        let d = String::from_utf8_lossy(&d);
        // `2025-10-20 12:06:03` -> `20251020-120603`
        let date: String = format!(
            "{}{}{}-{}{}{}",
            &d[0..4],
            &d[5..7],
            &d[8..10],
            &d[11..13],
            &d[14..16],
            &d[17..19]
        );
        let tokens = if completed == 0 { 0 } else { self.tokens };
        std::fs::write(
            logs.join("bench_result.json"),
            format!(
                "{{\"date\": \"{date}\", \"backend\": \"sglang-oai\", \"num_prompts\": {}, \"duration\": {dur:.2}, \"completed\": {completed}, \"failed\": {failed}, \"total_output_tokens\": {tokens}}}\n",
                completed + failed
            ),
        )
    }

    fn write_snapshots(&self, logs: &Path, delta: u64) -> io::Result<()> {
        let snap = |n: u64| {
            format!(
                "# HELP sglang:num_requests_total Number of requests processed.\n# TYPE sglang:num_requests_total counter\nsglang:num_requests_total{{model_name=\"m\"}} {n}.0\n"
            )
        };
        std::fs::write(logs.join("metrics_0_before.prom"), snap(1000))?;
        std::fs::write(logs.join("metrics_1_after.prom"), snap(1000 + delta))
    }
}

/// The worker file of a type (`prefill`, `decode`), first by name.
fn worker(m: &Manifest, ty: &str) -> io::Result<PathBuf> {
    m.files
        .iter()
        .find(|f| f.worker_type == ty)
        .map(|f| f.path.clone())
        .ok_or_else(|| io::Error::other(format!("no {ty} worker in the run")))
}

fn is_batch(l: &str) -> bool {
    l.contains("] Prefill batch") || l.contains("] Decode batch")
}

/// The `[YYYY-MM-DD hh:mm:ss` prefix of a line, if any.
fn stamp(l: &str) -> Option<&str> {
    let s = l.get(1..20)?;
    (l.starts_with('[') && s.as_bytes()[4] == b'-' && s.as_bytes()[13] == b':').then_some(s)
}

/// Rewrites a file line by line; `f(line, k, n)` gets the k-th of n batch
/// lines (k = `usize::MAX` for other lines) and returns the lines to write.
fn rewrite(path: &Path, mut f: impl FnMut(&str, usize, usize) -> Vec<String>) -> io::Result<()> {
    let text = std::fs::read_to_string(path)?;
    let n = text.lines().filter(|l| is_batch(l)).count();
    let mut out = String::with_capacity(text.len());
    let mut k = 0;
    for l in text.lines() {
        let idx = if is_batch(l) {
            k += 1;
            k - 1
        } else {
            usize::MAX
        };
        for o in f(l, idx, n) {
            out.push_str(&o);
            out.push('\n');
        }
    }
    std::fs::write(path, out)
}

/// Inserts `lines` after the batch line at `frac` of the file (`{prefix}`
/// becomes an SGLang prefix of that line's time, `{glog}` PyTorch's), then
/// drops the rest of the timestamped lines when `stop` (the process died).
fn insert_at(path: &Path, frac: f64, lines: &[&str], stop: bool) -> io::Result<()> {
    let mut stopped = false;
    rewrite(path, |l, k, n| {
        if stopped {
            return if is_batch(l) || stamp(l).is_some() {
                vec![]
            } else {
                vec![l.to_string()]
            };
        }
        let mut out = vec![l.to_string()];
        if k != usize::MAX && k == ((n as f64 * frac) as usize).min(n.saturating_sub(1)) {
            let ts = stamp(l).unwrap_or("2025-10-20 12:00:00").to_string();
            // PyTorch's glog prefix: `E` + MMDD + time.
            let glog = format!("E{}{} {}", &ts[5..7], &ts[8..10], &ts[11..]);
            let prefix = format!("[{ts} DP0 TP0]");
            for x in lines {
                out.push(x.replace("{glog}", &glog).replace("{prefix}", &prefix));
            }
            stopped = stop;
        }
        out
    })
}

/// Drops every batch line of a file, then appends `lines` (`{ts}` is the
/// time of the last line).
fn never_serves(path: &Path, lines: &[&str]) -> io::Result<()> {
    rewrite(path, |l, k, _| {
        if k == usize::MAX {
            vec![l.to_string()]
        } else {
            vec![]
        }
    })?;
    let mut text = std::fs::read_to_string(path)?;
    let ts = text
        .lines()
        .rev()
        .find_map(stamp)
        .unwrap_or("2025-10-20 12:00:00")
        .to_string();
    for l in lines {
        text.push_str(&l.replace("{ts}", &ts));
        text.push('\n');
    }
    std::fs::write(path, text)
}

/// Replaces the number after `key` (up to the next `,`) with `f(old)`.
fn set_field(l: &str, key: &str, f: impl Fn(f64) -> String) -> String {
    let Some(i) = l.find(key) else {
        return l.to_string();
    };
    let s = i + key.len();
    let e = l[s..].find(',').map_or(l.len(), |j| s + j);
    let old: f64 = l[s..e].trim().parse().unwrap_or(0.0);
    format!("{}{}{}", &l[..s], f(old), &l[e..])
}

/// Edits the batch lines between `from` and `to` (fractions of the file's
/// batch lines) with `f`.
fn edit_batches(
    path: &Path,
    from: f64,
    to: f64,
    f: impl Fn(&str, f64) -> String,
) -> io::Result<()> {
    rewrite(path, |l, k, n| {
        if k == usize::MAX {
            return vec![l.to_string()];
        }
        let x = k as f64 / n.max(1) as f64;
        if x >= from && x < to {
            vec![f(l, (x - from) / (to - from))]
        } else {
            vec![l.to_string()]
        }
    })
}

const TRACE: [&str; 3] = [
    "Traceback (most recent call last):",
    "  File \"/sgl-workspace/sglang/python/sglang/srt/managers/scheduler.py\", line 2811, in run_scheduler_process",
    "    scheduler.event_loop_overlap()",
];

fn inject(logs: &Path, m: &Manifest, c: &Client, f: Failure) -> io::Result<()> {
    let decode = worker(m, "decode")?;
    let prefill = worker(m, "prefill")?;
    let bench = logs.join("benchmark.out");
    match f {
        Failure::CudaOom => {
            let mut l = TRACE.to_vec();
            l.push("torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 79.19 GiB of which 1.02 GiB is free.");
            insert_at(&decode, 0.6, &l, true)
        }
        Failure::NcclError => insert_at(&decode, 0.6, &["torch.distributed.DistBackendError: NCCL error in: ../torch/csrc/distributed/c10d/ProcessGroupNCCL.cpp:1970, unhandled system error (run with NCCL_DEBUG=INFO for details), NCCL version 2.21.5"], true),
        Failure::NcclWatchdog => insert_at(&decode, 0.6, &["[rank0]:[{glog}.678535136 ProcessGroupNCCL.cpp:674] [Rank 0] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=42236, OpType=ALLREDUCE, NumelIn=8515584, NumelOut=8515584, Timeout(ms)=600000) ran for 600001 milliseconds before timing out."], true),
        Failure::SchedulerException => {
            let mut l = vec!["{prefix} Scheduler hit an exception: Traceback (most recent call last):"];
            l.extend_from_slice(&TRACE[1..]);
            l.push("AssertionError: req_to_token_pool is corrupted");
            insert_at(&decode, 0.6, &l, true)
        }
        Failure::Traceback => {
            let mut l = TRACE.to_vec();
            l.push("KeyError: 'rid'");
            insert_at(&decode, 0.6, &l, true)
        }
        Failure::ModelLoadFailed => never_serves(&prefill, &["OSError: /models/DeepSeek-R1 does not appear to have a file named config.json. Checkout 'https://huggingface.co//models/DeepSeek-R1/tree/None' for available files."]),
        Failure::PortInUse => never_serves(&prefill, &["RuntimeError: The server socket has failed to listen on any local network address. port: 30238, useIpv6: 0, code: -98, name: EADDRINUSE, message: address already in use"]),
        Failure::HealthCheckFailed => never_serves(&prefill, &["[{ts}] Health check failed. Server couldn't get a response from detokenizer for last 20 seconds."]),
        Failure::NeverServed => never_serves(&prefill, &[]),
        Failure::Stall => rewrite(&decode, |l, k, n| {
            let x = k as f64 / n.max(1) as f64;
            if k != usize::MAX && (0.35..0.65).contains(&x) { vec![] } else { vec![l.to_string()] }
        }),
        Failure::Hang => insert_at(&decode, 0.5, &[], true),
        Failure::KvPoolFull => rewrite(&decode, |l, k, n| {
            let mut v = vec![l.to_string()];
            if k != usize::MAX && k % (n / 5).max(1) == 0 {
                let ts = stamp(l).unwrap_or("2025-10-20 12:00:00");
                v.push(format!("[{ts} DP0 TP0] KV cache pool is full. Retract requests. #retracted_reqs: 3, #new_token_ratio: 0.4512 -> 0.7512"));
            }
            v
        }),
        Failure::QueueGrowing => edit_batches(&decode, 0.5, 1.01, |l, x| set_field(l, "#queue-req: ", |q| format!("{}", q as u64 + (x * 400.0) as u64))),
        Failure::TokenUsagePinned => edit_batches(&decode, 0.2, 1.01, |l, _| set_field(l, "token usage: ", |_| "0.99".into())),
        Failure::PdMismatch => {
            for p in m.files.iter().filter(|f| f.worker_type == "prefill") {
                edit_batches(&p.path, 0.0, 1.01, |l, _| set_field(l, "#queue-req: ", |q| format!("{}", q as u64 + 60)))?;
            }
            edit_batches(&decode, 0.0, 1.01, |l, _| {
                let l = set_field(l, "#queue-req: ", |_| "0".into());
                set_field(&l, "#prealloc-req: ", |_| "0".into())
            })
        }
        Failure::DpImbalance => edit_batches(&decode, 0.0, 1.01, |l, _| {
            if l.contains(" DP0 ") {
                set_field(l, "#running-req: ", |r| format!("{}", (r * 5.0) as u64))
            } else {
                l.to_string()
            }
        }),
        Failure::ThroughputCollapse => edit_batches(&decode, 0.45, 0.65, |l, _| set_field(l, "gen throughput (token/s): ", |g| format!("{:.2}", g / 20.0))),
        Failure::CudaGraphOff => edit_batches(&decode, 0.0, 1.01, |l, _| l.replace("cuda graph: True", "cuda graph: False")),
        Failure::ClientZeroTokens => rewrite(&bench, |l, _, _| vec![set_field(l, "Total generated tokens:", |_| format!("{:>21}", 0))])
            .and_then(|_| std::fs::remove_file(logs.join("bench_result.json"))),
        Failure::ServerFewerTokens => rewrite(&bench, |l, _, _| vec![set_field(l, "Total generated tokens:", |t| format!("{:>21}", t as u64 * 20))])
            .and_then(|_| std::fs::remove_file(logs.join("bench_result.json"))),
        Failure::WarmupInWindow => c.write_snapshots(logs, c.requests + 1),
        Failure::SnapshotExcess => c.write_snapshots(logs, c.requests + 500),
        Failure::TimeRangesDisjoint => {
            let last_ms = m.files.iter().filter_map(|f| f.last_unix_ms).max().unwrap_or(0);
            c.write_json(logs, last_ms / 1000 + 86_400, 60.0, c.requests, 0)
        }
        Failure::UnreadableFile => {
            // A gzip header, then data that does not inflate.
            let mut b = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
            b.extend(std::iter::repeat_n(0xffu8, 4096));
            std::fs::write(logs.join("node-09_decode_w9.out.gz"), b)
        }
        Failure::ClientAllFailed => {
            std::fs::remove_file(&bench)?;
            c.write_json(logs, m.files.iter().filter_map(|f| f.last_unix_ms).max().unwrap_or(0) / 1000, 1.0, 0, c.requests)
        }
    }
}
