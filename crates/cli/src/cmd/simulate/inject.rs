//! `simulate workers --inject KIND`: the failure kinds of
//! [`srtlog_sim::failures`] as command-line values, so a run that
//! `srtlog check` flags can be written for a demo or a test.

use clap::builder::PossibleValue;
use clap::ValueEnum;
use srtlog_sim::failures::Failure;

/// One injectable failure (`--inject KIND`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Inject(pub Failure);

/// Every kind, in the simulator's order.
static KINDS: [Inject; Failure::ALL.len()] = {
    let mut out = [Inject(Failure::CudaOom); Failure::ALL.len()];
    let mut i = 0;
    while i < out.len() {
        out[i] = Inject(Failure::ALL[i]);
        i += 1;
    }
    out
};

impl Inject {
    /// The kind's name on the command line and a one-line description.
    fn name_and_help(self) -> (&'static str, &'static str) {
        match self.0 {
            Failure::CudaOom => ("cuda-oom", "`torch.OutOfMemoryError: CUDA out of memory` in the decode worker, which then stops"),
            Failure::NcclError => ("nccl-error", "`DistBackendError: NCCL error` in the decode worker, which then stops"),
            Failure::NcclWatchdog => ("nccl-watchdog", "PyTorch's NCCL watchdog timeout in the decode worker, which then stops"),
            Failure::SchedulerException => ("scheduler-exception", "`Scheduler hit an exception` and its traceback; the worker stops"),
            Failure::Traceback => ("traceback", "A bare Python traceback after which the decode worker stops"),
            Failure::ModelLoadFailed => ("model-load-failed", "A prefill worker that cannot find its model and never serves"),
            Failure::PortInUse => ("port-in-use", "A prefill worker whose port is taken and never serves"),
            Failure::HealthCheckFailed => ("health-check-failed", "A prefill worker whose health check fails; it never serves"),
            Failure::NeverServed => ("never-served", "A prefill worker that prints no batch line and no error"),
            Failure::Stall => ("stall", "The decode worker goes silent for a fifth of the run under load"),
            Failure::Hang => ("hang", "The decode worker stops logging half-way while the prefill workers go on"),
            Failure::KvPoolFull => ("kv-pool-full", "`KV cache pool is full. Retract requests.` lines in the decode worker"),
            Failure::QueueGrowing => ("queue-growing", "The decode worker's queue grows to hundreds of requests by the end"),
            Failure::TokenUsagePinned => ("token-usage-pinned", "The decode worker's token usage stays at 0.99"),
            Failure::PdMismatch => ("pd-mismatch", "Prefill queues at 60+ while decode has none"),
            Failure::DpImbalance => ("dp-imbalance", "The decode worker's DP0 runs five times the requests of DP1"),
            Failure::ThroughputCollapse => ("throughput-collapse", "The decode worker's generation throughput drops 20× mid-run"),
            Failure::CudaGraphOff => ("cuda-graph-off", "Decode batches run without CUDA graphs"),
            Failure::ClientZeroTokens => ("client-zero-tokens", "The client reports `Total generated tokens: 0`"),
            Failure::ServerFewerTokens => ("server-fewer-tokens", "The client counts 20× the tokens the server generated"),
            Failure::WarmupInWindow => ("warmup-in-window", "The metrics snapshots count the warm-up request too"),
            Failure::SnapshotExcess => ("snapshot-excess", "The metrics snapshots count 500 requests more than the benchmark sent"),
            Failure::TimeRangesDisjoint => ("time-ranges-disjoint", "The result JSON's date is a day after the logs"),
            Failure::UnreadableFile => ("unreadable-file", "A worker log compressed with gzip whose data is corrupt"),
            Failure::ClientAllFailed => ("client-all-failed", "The client reports every request failed"),
        }
    }
}

impl ValueEnum for Inject {
    fn value_variants<'a>() -> &'a [Self] {
        &KINDS
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        let (name, help) = self.name_and_help();
        Some(PossibleValue::new(name).help(help))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_own_name() {
        let mut names: Vec<&str> = KINDS.iter().map(|k| k.name_and_help().0).collect();
        assert_eq!(names.len(), 25);
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 25);
        assert_eq!(
            Inject::from_str("cuda-oom", false).unwrap(),
            Inject(Failure::CudaOom)
        );
    }
}
