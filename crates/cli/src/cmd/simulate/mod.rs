//! `srtlog simulate <workers|requests|snapshots|service|aiperf|client>`: simulated
//! inputs for demos, tests and benchmarks, written by `srtlog-sim`. Plain
//! `srtlog simulate OUT_DIR` is `simulate workers OUT_DIR`.
//!
//! Every simulator takes `--count N` for how many things it writes (records
//! or requests; hidden aliases `--requests`/`--records` are the previous
//! names) and `--rng N`, the state of its random number generator: the same
//! number writes the same files.

pub mod aiperf;
pub mod client;
pub mod inject;
pub mod requests;
pub mod service;
pub mod snapshots;
pub mod workers;

use anyhow::Result;
use clap::Subcommand;
use std::process::ExitCode;

const EXAMPLES: &str = "Examples:
  srtlog simulate /tmp/run                                   # worker logs (as `simulate workers`)
  srtlog simulate workers /tmp/big --size 1GB --prefill 8 --decode 8
  srtlog simulate requests /tmp/requests.jsonl --count 100000
  srtlog simulate snapshots /tmp/snaps --count 20 --overlap-every 5
  srtlog simulate service /tmp/svc --style print
  srtlog simulate aiperf /tmp/profile_export.jsonl --size 1GB
  srtlog simulate client /tmp/bench.jsonl --tool sglang --concurrency 1,4,16,64";

/// Arguments of `srtlog simulate`.
#[derive(Debug, clap::Args)]
#[command(
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    after_help = EXAMPLES
)]
pub struct Args {
    /// What to simulate (default: worker logs).
    #[command(subcommand)]
    pub what: Option<What>,
    /// Worker logs, when no subcommand is given.
    #[command(flatten)]
    pub workers: workers::Args,
}

/// The simulators.
#[derive(Debug, Subcommand)]
pub enum What {
    /// A realistic run of SGLang or vLLM worker logs (any size, any format generation).
    Workers(workers::Args),
    /// A per-request JSON-lines log of a given size.
    Requests(requests::Args),
    /// A folder of Prometheus snapshots (before/after pairs, or periodic scrapes).
    Snapshots(snapshots::Args),
    /// A gateway/scheduler/worker service (JSON or print-style logs, metrics, dashboards).
    Service(service::Args),
    /// An AIPerf profile_export.jsonl with HTTP trace data.
    Aiperf(aiperf::Args),
    /// A benchmark client's result file (sglang.bench_serving, vLLM bench serve, GuideLLM).
    Client(client::Args),
}

/// Runs `srtlog simulate …`.
pub fn run(a: Args, quiet: bool) -> Result<ExitCode> {
    match a.what {
        None => workers::run(a.workers, quiet),
        Some(What::Workers(w)) => workers::run(w, quiet),
        Some(What::Requests(r)) => requests::run(r, quiet),
        Some(What::Snapshots(s)) => snapshots::run(s, quiet),
        Some(What::Service(s)) => service::run(s, quiet),
        Some(What::Aiperf(x)) => aiperf::run(x, quiet),
        Some(What::Client(x)) => client::run(x, quiet),
    }
}
