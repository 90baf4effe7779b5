//! The table of log-line patterns `srtlog check` looks for.
//!
//! Each row is data: an id, the literal needles (any one of them marks the
//! line), the engines that print it, the severity, what happened, what to
//! do, where the line was seen in a real log (engine, version, file and line
//! under `shared/data`), and an example line that the unit tests feed to the
//! matcher. A new engine version adds rows here, not code.
//!
//! Line formats are those of `shared/docs/formats.md` §1 (SGLang) and §2
//! (vLLM); the needles are matched anywhere in a line, so process prefixes,
//! rank tags and ANSI colour do not matter.

use crate::finding::Severity;

/// Which engines print a pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engines {
    /// SGLang only.
    Sglang,
    /// vLLM only.
    Vllm,
    /// Both (PyTorch, NCCL, the GPU runtime, Python itself).
    Any,
}

/// How a row's hits are judged beyond its severity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// Every hit counts at the row's severity.
    Always,
    /// Hits after the process began shutting down (a `shutdown` row hit
    /// earlier in the same file) are part of an orderly stop: they count
    /// only as info.
    NotDuringShutdown,
    /// As [`Rule::NotDuringShutdown`], and the row's severity applies only
    /// when the first hit comes after the file's last batch or statistics
    /// line (the error ended the process); an error the server survived is
    /// info.
    EndsServing,
    /// Marks the start of an orderly shutdown; never a finding by itself.
    ShutdownMarker,
}

/// One row of the table.
#[derive(Clone, Copy, Debug)]
pub struct Pattern {
    /// Stable id, the finding's `kind`.
    pub id: &'static str,
    /// Literal needles; a line holding any of them matches.
    pub needles: &'static [&'static str],
    /// Engines that print it.
    pub engines: Engines,
    /// Severity of a hit.
    pub severity: Severity,
    /// How hits are judged.
    pub rule: Rule,
    /// What happened (the finding's headline).
    pub what: &'static str,
    /// What to do about it.
    pub advice: &'static str,
    /// Where it was seen: engine and version, the real file and line.
    pub seen_in: &'static str,
    /// A real or realistic line, for the tests.
    pub example: &'static str,
}

/// The patterns, most specific first within each kind of failure.
pub const PATTERNS: &[Pattern] = &[
    Pattern {
        id: "cuda_oom",
        needles: &["CUDA out of memory", "torch.OutOfMemoryError", "torch.cuda.OutOfMemoryError", "HIP out of memory"],
        engines: Engines::Any,
        severity: Severity::Fatal,
        rule: Rule::NotDuringShutdown,
        what: "the GPU ran out of memory (CUDA out of memory)",
        advice: "lower --mem-fraction-static (SGLang) or --gpu-memory-utilization (vLLM), the batch size (--max-running-requests / --max-num-seqs) or the CUDA-graph capture sizes; check no other process holds GPU memory",
        seen_in: "vLLM 0.13: failures/vllm-compile-oom.log L111 (torch.compile autotuning)",
        example: "(EngineCore_DP0 pid=558551) ERROR 01-19 23:55:19 [core.py:866] torch._inductor.exc.InductorError: RuntimeError: Failed to run autotuning code block: CUDA out of memory. Tried to allocate 1.02 GiB.",
    },
    Pattern {
        id: "kv_cache_no_memory",
        needles: &["Not enough memory. Please try to increase --mem-fraction-static", "No available memory for the cache blocks", "larger than the available KV cache memory"],
        engines: Engines::Any,
        severity: Severity::Fatal,
        rule: Rule::Always,
        what: "no GPU memory was left for the KV cache at start-up",
        advice: "raise --mem-fraction-static (SGLang) or --gpu-memory-utilization (vLLM), use more GPUs (TP), a smaller model or a shorter --max-model-len / --context-length",
        seen_in: "SGLang v0.5.3.post3: failures/sglang-not-enough-memory.log L191; vLLM 0.25.1: vllm-0.25.1-er0080/vllm_serve_no_kv_cache_memory_v0.25.1.log L61",
        example: "RuntimeError: Not enough memory. Please try to increase --mem-fraction-static. Current value: self.server_args.mem_fraction_static=-0.107",
    },
    Pattern {
        id: "gpu_runtime_error",
        needles: &["HSA_STATUS_ERROR", "CUDA error: an illegal memory access", "CUDA error: unspecified launch failure", "an illegal memory access was encountered", "hipErrorIllegalAddress"],
        engines: Engines::Any,
        severity: Severity::Fatal,
        rule: Rule::Always,
        what: "the GPU runtime aborted (HSA/CUDA error)",
        advice: "look at the kernel or collective running at that moment; on ROCm, HSA_STATUS_ERROR_OUT_OF_RESOURCES often means too many concurrent queues or too little memory: lower the batch size or the CUDA-graph sizes, and check the driver",
        seen_in: "SGLang v0.5.4.post1 (ROCm): failures/sglang-grok-hsa-nccl.log L24147",
        example: ":0:rocdevice.cpp            :3671: 376417216471 us:  Callback: Queue 0x7f7bc1400000 Aborting with error : HSA_STATUS_ERROR_OUT_OF_RESOURCES: The runtime failed to allocate the necessary resources.",
    },
    Pattern {
        id: "nccl_watchdog_timeout",
        needles: &["Watchdog caught collective operation timeout"],
        engines: Engines::Any,
        severity: Severity::Fatal,
        rule: Rule::Always,
        what: "a collective operation (all-reduce) timed out: NCCL watchdog",
        advice: "one rank stopped (look for the first error on any rank before this line); check the network fabric (NCCL_DEBUG=INFO) and raise the timeout only when the operation is known to be slow",
        seen_in: "SGLang v0.5.4.post1 (ROCm, RCCL): failures/sglang-grok-hsa-nccl.log L24275",
        example: "[rank6]:[E1031 17:03:22.678535136 ProcessGroupNCCL.cpp:674] [Rank 6] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=42236, OpType=ALLREDUCE, Timeout(ms)=600000) ran for 600001 milliseconds before timing out.",
    },
    Pattern {
        id: "nccl_error",
        needles: &["NCCL error", "ncclInternalError", "ncclSystemError", "ncclUnhandledCudaError", "ncclRemoteError", "RCCL error"],
        engines: Engines::Any,
        severity: Severity::Fatal,
        rule: Rule::NotDuringShutdown,
        what: "an NCCL communication error",
        advice: "rerun with NCCL_DEBUG=INFO; check the interconnect (InfiniBand/RoCE ports, NCCL_SOCKET_IFNAME, NCCL_IB_HCA) and that every rank runs the same NCCL version",
        seen_in: "PyTorch ProcessGroupNCCL message (realistic line; no real file yet)",
        example: "torch.distributed.DistBackendError: NCCL error in: ../torch/csrc/distributed/c10d/ProcessGroupNCCL.cpp:1970, unhandled system error (run with NCCL_DEBUG=INFO for details), NCCL version 2.21.5",
    },
    Pattern {
        id: "dist_network_error",
        needles: &["DistNetworkError"],
        engines: Engines::Any,
        severity: Severity::Fatal,
        rule: Rule::NotDuringShutdown,
        what: "the distributed rendezvous (TCPStore) lost its connection",
        advice: "the rank hosting the store died or its port was taken: look for the first error above (often a port in use), and give each job its own --dist-init-addr / MASTER_PORT",
        seen_in: "SGLang v0.5.3.post3: failures/sglang-eaddrinuse.log L9939",
        example: "torch.distributed.DistNetworkError: failed to recv, got 0 bytes",
    },
    Pattern {
        id: "port_in_use",
        needles: &["EADDRINUSE", "Address already in use", "address already in use"],
        engines: Engines::Any,
        severity: Severity::Fatal,
        rule: Rule::Always,
        what: "a port was already in use",
        advice: "another server (often a previous job that did not exit) holds the port: kill it, or give this job other ports (--port, --dist-init-addr, MASTER_PORT)",
        seen_in: "SGLang v0.5.3.post3: failures/sglang-eaddrinuse.log L198",
        example: "RuntimeError: The server socket has failed to listen on any local network address. port: 30238, useIpv6: 0, code: -98, name: EADDRINUSE, message: address already in use",
    },
    Pattern {
        id: "scheduler_exception",
        needles: &["Scheduler hit an exception"],
        engines: Engines::Sglang,
        severity: Severity::Fatal,
        rule: Rule::Always,
        what: "an SGLang scheduler process died on an exception",
        advice: "read the traceback that follows the first occurrence: its last line is the cause",
        seen_in: "SGLang v0.5.3.post3: failures/sglang-eaddrinuse.log L132, failures/sglang-not-enough-memory.log L175",
        example: "[2025-10-19 00:51:18 DP6 TP6] Scheduler hit an exception: Traceback (most recent call last):",
    },
    Pattern {
        id: "engine_init_failed",
        needles: &["Engine core initialization failed"],
        engines: Engines::Vllm,
        severity: Severity::Fatal,
        rule: Rule::Always,
        what: "the vLLM engine failed to start",
        advice: "the root cause is the first error above this line (memory, import, configuration)",
        seen_in: "vLLM 0.25.1: vllm-0.25.1-er0080/vllm_serve_no_kv_cache_memory_v0.25.1.log L158; vLLM 0.13: failures/vllm-import-error.log L190",
        example: "(APIServer pid=1) RuntimeError: Engine core initialization failed. See root cause above. Failed core proc(s): {}",
    },
    Pattern {
        id: "engine_dead",
        needles: &["EngineDeadError", "died unexpectedly"],
        engines: Engines::Vllm,
        severity: Severity::Fatal,
        rule: Rule::NotDuringShutdown,
        what: "a vLLM engine or worker process died",
        advice: "look for the engine core's own error (OOM, NCCL, a CUDA error) just before this line",
        seen_in: "vLLM 0.25.1: dgx-spark-sostrowsk/vllm.log L510 (during an orderly shutdown, so info there)",
        example: "(APIServer pid=23283) ERROR 08-01 21:34:51 [async_llm.py:704] vllm.v1.engine.exceptions.EngineDeadError: EngineCore encountered an issue. See stack trace (above) for the root cause.",
    },
    Pattern {
        id: "import_error",
        needles: &["ImportError:", "ModuleNotFoundError:"],
        engines: Engines::Any,
        severity: Severity::Fatal,
        rule: Rule::NotDuringShutdown,
        what: "a Python module failed to import (broken or mismatched install)",
        advice: "reinstall the failing package built for this PyTorch/CUDA version (an `undefined symbol` means a binary built against another PyTorch)",
        seen_in: "vLLM 0.13: failures/vllm-import-error.log L70 (flash_attn_2_cuda: undefined symbol)",
        example: "(EngineCore_DP0 pid=531757) ERROR 01-19 22:17:40 [core.py:866] ImportError: /home/k/.local/lib/python3.12/site-packages/flash_attn_2_cuda.cpython-312-x86_64-linux-gnu.so: undefined symbol: _ZNK3c106SymInt6sym_neERKS0_",
    },
    Pattern {
        id: "model_load_failed",
        needles: &["does not appear to have a file named config.json", "does not appear to have a file named pytorch_model", "SafetensorError", "Failed to load model", "is not a valid model identifier", "Error(s) in loading state_dict"],
        engines: Engines::Any,
        severity: Severity::Fatal,
        rule: Rule::Always,
        what: "the model failed to load",
        advice: "check the model path or name, that every node sees the same checkpoint (shared file system, HF_HOME), and that the download is complete",
        seen_in: "Hugging Face loader message (realistic line; no real file yet)",
        example: "OSError: /models/llama does not appear to have a file named config.json. Checkout 'https://huggingface.co//models/llama/tree/None' for available files.",
    },
    Pattern {
        id: "config_rejected",
        needles: &["unrecognized arguments:", "validation error for"],
        engines: Engines::Any,
        severity: Severity::Fatal,
        rule: Rule::Always,
        what: "the server rejected its configuration",
        advice: "fix the flag or value named on this line (check it against this engine version's --help)",
        seen_in: "vLLM 0.25.1: vllm-0.25.1-er0080/vllm_serve_unrecognized_argument_v0.25.1.log L4, vllm_serve_max_model_len_rejected_v0.25.1.log L58",
        example: "vllm: error: unrecognized arguments: --no-such-flag 3",
    },
    Pattern {
        id: "health_check_failed",
        needles: &["Health check failed", "Initialization failed. warmup error", "Server health check failed"],
        engines: Engines::Any,
        severity: Severity::Fatal,
        rule: Rule::Always,
        what: "the server's health check did not pass",
        advice: "the server did not answer in time: look for a stuck scheduler or a failed warm-up above, and raise the health-check timeout only if start-up is known to be slow",
        seen_in: "SGLang http_server health_generate message (realistic line; no real file yet)",
        example: "[2025-10-19 00:52:10] Health check failed. Server couldn't get a response from detokenizer for last 20 seconds.",
    },
    Pattern {
        id: "sglang_watchdog_timeout",
        needles: &["Watchdog timeout (self.watchdog_timeout"],
        engines: Engines::Sglang,
        severity: Severity::Fatal,
        rule: Rule::Always,
        what: "the SGLang scheduler hung (its watchdog fired)",
        advice: "a forward step did not finish: look for a hung collective or a GPU error on any rank; py-spy dump of the scheduler shows where it waits",
        seen_in: "SGLang scheduler watchdog message (realistic line; no real file yet)",
        example: "[2025-10-19 01:10:00 TP0] Watchdog timeout (self.watchdog_timeout=300)",
    },
    Pattern {
        id: "python_fatal_error",
        needles: &["Fatal Python error:", "Segmentation fault", "core dumped"],
        engines: Engines::Any,
        severity: Severity::Fatal,
        rule: Rule::Always,
        what: "a process crashed (Fatal Python error / segmentation fault)",
        advice: "the lines just above say which native library aborted (the GPU runtime, NCCL, a kernel); fix that first",
        seen_in: "SGLang v0.5.4.post1 (ROCm): failures/sglang-grok-hsa-nccl.log L24148",
        example: "Fatal Python error: Aborted",
    },
    Pattern {
        id: "traceback",
        needles: &["Traceback (most recent call last)"],
        engines: Engines::Any,
        severity: Severity::Fatal,
        rule: Rule::EndsServing,
        what: "a Python traceback ended the process (no batch was served after it)",
        advice: "read the last line of the traceback: it names the exception and its cause",
        seen_in: "vLLM 0.25.1: vllm-0.25.1-er0080/vllm_serve_max_model_len_rejected_v0.25.1.log L12",
        example: "(APIServer pid=1) Traceback (most recent call last):",
    },
    Pattern {
        id: "kv_pool_full",
        needles: &["KV cache pool is full. Retract requests.", "is preempted by PreemptionMode"],
        engines: Engines::Any,
        severity: Severity::Degraded,
        rule: Rule::Always,
        what: "the KV-cache pool was full and requests were retracted (preempted)",
        advice: "the server is over-admitted: lower --max-running-requests / --max-num-seqs or the request rate, or give the KV cache more memory",
        seen_in: "SGLang scheduler.update_running_batch message, as the simulator writes it (realistic line)",
        example: "[2025-10-20 12:10:03 TP0] KV cache pool is full. Retract requests. #retracted_reqs: 3, #new_token_ratio: 0.4512 -> 0.7512",
    },
    Pattern {
        id: "tcpstore_retry",
        needles: &["TCP client failed to connect/validate"],
        engines: Engines::Any,
        severity: Severity::Info,
        rule: Rule::Always,
        what: "ranks retried connecting to the distributed store",
        advice: "harmless when it stops; if it repeats until a timeout, the store's host rank died or its port is taken",
        seen_in: "SGLang v0.5.3.post3: failures/sglang-eaddrinuse.log L84",
        example: "[W1019 00:51:18.949814475 TCPStore.cpp:330] [c10d] TCP client failed to connect/validate to host 127.0.0.1:30238 - retrying (try=0, timeout=600000ms, delay=555ms): failed to recv, got 0 bytes",
    },
    Pattern {
        id: "shutdown",
        needles: &["signal=SIGTERM", "shutdown triggered", "Received sigterm", "Received SIGTERM"],
        engines: Engines::Any,
        severity: Severity::Info,
        rule: Rule::ShutdownMarker,
        what: "the server was asked to shut down",
        advice: "expected at the end of a job",
        seen_in: "vLLM 0.25.1: dgx-spark-sostrowsk/vllm.log L491",
        example: "(EngineCore pid=23397) INFO 08-01 21:34:51 [core.py:1214] [shutdown] EngineCore: trigger received signal=SIGTERM",
    },
];

/// The row with `id`.
pub fn pattern(id: &str) -> Option<&'static Pattern> {
    PATTERNS.iter().find(|p| p.id == id)
}

/// A multi-needle matcher over [`PATTERNS`]: one pass over a buffer finds
/// every needle of every row (Aho-Corasick, the memchr author's literal
/// matcher with a SIMD prefilter: no regular expression, and one pass rather
/// than one `memmem` search per needle).
pub struct Matcher {
    ac: aho_corasick::AhoCorasick,
    /// Row index of each needle.
    row_of: Vec<usize>,
}

impl Matcher {
    /// Builds the matcher of [`PATTERNS`].
    pub fn new() -> Result<Matcher, aho_corasick::BuildError> {
        let mut needles = Vec::new();
        let mut row_of = Vec::new();
        for (i, p) in PATTERNS.iter().enumerate() {
            for n in p.needles {
                needles.push(*n);
                row_of.push(i);
            }
        }
        let ac = aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostFirst)
            .build(&needles)?;
        Ok(Matcher { ac, row_of })
    }

    /// Calls `hit(offset, row)` for each needle found in `buf`, in order.
    pub fn for_each(&self, buf: &[u8], mut hit: impl FnMut(usize, usize)) {
        for m in self.ac.find_iter(buf) {
            hit(m.start(), self.row_of[m.pattern().as_usize()]);
        }
    }

    /// The rows matching one line (for tests and single lines).
    pub fn rows(&self, line: &[u8]) -> Vec<&'static str> {
        let mut v: Vec<&'static str> = Vec::new();
        self.for_each(line, |_, r| {
            if !v.contains(&PATTERNS[r].id) {
                v.push(PATTERNS[r].id)
            }
        });
        v
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_row_matches_its_example() {
        let m = Matcher::new().unwrap();
        for p in PATTERNS {
            assert!(
                m.rows(p.example.as_bytes()).contains(&p.id),
                "row {} does not match its example",
                p.id
            );
        }
    }

    #[test]
    fn ids_are_unique_and_rows_complete() {
        for (i, p) in PATTERNS.iter().enumerate() {
            assert!(!p.needles.is_empty(), "{}", p.id);
            assert!(!p.advice.is_empty() && !p.seen_in.is_empty(), "{}", p.id);
            assert!(
                PATTERNS[i + 1..].iter().all(|q| q.id != p.id),
                "duplicate id {}",
                p.id
            );
        }
    }

    #[test]
    fn needles_fit_the_simd_matcher() {
        // Aho-Corasick's packed (Teddy) searcher takes up to 64 needles;
        // beyond that it falls back to a slower one.
        let n: usize = PATTERNS.iter().map(|p| p.needles.len()).sum();
        assert!(n <= 64, "{n} needles");
    }

    #[test]
    fn ordinary_lines_match_nothing() {
        let m = Matcher::new().unwrap();
        for l in [
            "[2025-10-20 12:06:03 TP0] Decode batch, #running-req: 12, #token: 3000, token usage: 0.10, cuda graph: True, gen throughput (token/s): 900.00, #queue-req: 0, ",
            "(APIServer pid=1) INFO 08-18 02:57:06 [loggers.py:273] Engine 000: Avg prompt throughput: 0.0 tokens/s",
            "[2025-10-31 15:46:05] server_args=ServerArgs(watchdog_timeout=300, enable_nccl_nvls=False)",
        ] {
            assert!(m.rows(l.as_bytes()).is_empty(), "{l}");
        }
    }
}
