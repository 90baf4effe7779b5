//! Command-line definitions (clap derive). Help texts carry examples.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Turn LLM-serving logs (SGLang, vLLM) into tables, statistics and Parquet.
#[derive(Debug, Parser)]
#[command(name = "srtlog", version, about, long_about = None, after_help = EXIT_CODES)]
pub struct Cli {
    /// Format of srtlog's own diagnostics on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// No progress bars and no informational messages.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

const EXIT_CODES: &str = "Exit codes: 0 success, 1 nothing to analyse or another failure, 2 usage error or missing path.\nSet RUST_LOG=debug for details of what srtlog does.";

/// Diagnostics format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse worker logs: summary table, per-file counts, Parquet cache.
    #[command(after_help = PARSE_EXAMPLES)]
    Parse(ParseArgs),
    /// Write a realistic simulated run (worker logs) for demos, tests and benchmarks.
    #[command(after_help = SIMULATE_EXAMPLES)]
    Simulate(SimulateArgs),
    /// Write an interactive HTML report: metrics over time per worker, statistics.
    #[command(after_help = VIZ_EXAMPLES)]
    Viz(VizArgs),
    /// Statistics per worker type and metric (count, mean, median, std, min, max, percentiles).
    #[command(after_help = STATS_EXAMPLES)]
    Stats(StatsArgs),
    /// Per-request JSON-lines logs: summary, anomalies, trends, correlations, report, export.
    Requests(crate::cmd::requests::RequestsArgs),
    /// Write a simulated per-request JSON-lines log (the seed's schema) of a given size.
    SimulateRequests(crate::cmd::requests::SimulateRequestsArgs),
    /// Per-request timings from Prometheus snapshots taken before/after each request.
    Snapshots(crate::cmd::snapshots::SnapshotsArgs),
    /// Take Prometheus snapshots of a vLLM/SGLang metrics endpoint (one, or periodic).
    Scrape(crate::cmd::scrape::ScrapeArgs),
    /// Audit a service's logging and metrics: grade, findings, gap table, prioritised plan.
    Audit(crate::cmd::audit::AuditArgs),
    /// Follow one request id through every log given, in time order (or --list the ids).
    Request(crate::cmd::request::RequestArgs),
    /// Write a simulated gateway/scheduler/worker service (JSON or print-style logs, metrics, dashboards).
    SimulateService(crate::cmd::audit::SimulateServiceArgs),
    /// Write a simulated folder of Prometheus snapshots (before/after pairs, or periodic scrapes).
    SimulateSnapshots(crate::cmd::snapshots::SimulateSnapshotsArgs),
    /// AIPerf HTTP trace and token analysis of profile_export.jsonl files, artifact folders and sweeps.
    Aiperf(crate::cmd::aiperf::AiperfArgs),
    /// Write a simulated AIPerf profile_export.jsonl with HTTP trace data.
    SimulateAiperf(crate::cmd::aiperf::SimulateAiperfArgs),
    /// Why did this run fail, and can its numbers be trusted? Findings, most severe first.
    Check(crate::cmd::check::CheckArgs),
}

const PARSE_EXAMPLES: &str = "Examples:
  srtlog parse /path/to/job_12345/          # run directory (uses its logs/ folder)
  srtlog parse logs/ -v                      # per-file counts
  srtlog parse logs/ --coverage              # lines that look like records but did not parse
  srtlog parse node1_prefill_w0.out.gz --json | jq .totals
  srtlog parse logs/ --no-cache              # neither read nor write cached_assets/
  srtlog parse logs/ --stats                 # and the statistics of `srtlog stats`
  srtlog parse vllm.log --year 2025          # vLLM logs print dates without a year

The cache is logs/cached_assets/node_metrics.parquet (one row per batch line, memory
snapshot or vLLM engine statistics line; columns in the README); it is reused while the
log files are unchanged. SGLang and vLLM logs are told apart by their content.";

const SIMULATE_EXAMPLES: &str = "Examples:
  srtlog simulate /tmp/run                               # 2 prefill + 1 decode workers, 10 minutes
  srtlog simulate /tmp/big --size 1GB --prefill 8 --decode 8
  srtlog simulate /tmp/agg --mode agg --workers 4 --variant 2026 --dp 8 --tp 8 --ep 8
  srtlog simulate /tmp/gz --compress gz --variant v053
  srtlog simulate /tmp/vllm --variant vllm --mode agg --workers 2 --dp 2 --spec-decoding
  srtlog simulate /tmp/vbig --variant vllm --size 1GB      # dense: a statistics line every 0.1 s";

const VIZ_EXAMPLES: &str = "Examples:
  srtlog viz /path/to/job_12345/ -o report.html            # one line per worker
  srtlog viz logs/ -o report.html --group-by dp            # one line per DP rank
  srtlog viz logs/ -o report.html --group-by all           # one line per worker type
  srtlog viz sglang_server.log -o r.html --max-points 0    # draw every point

The report is one HTML file that opens offline (uPlot is embedded; the page makes no
network request): throughput, queues, KV-cache usage, memory snapshots and every other
metric the logs hold, over elapsed time from the run's start, with zoom, pan, hover values
and legend toggles, plus the run summary and the statistics table of `srtlog stats`.
Aggregated workers are split into prefill and decode lines. Throughputs and request and
token counts are summed over the schedulers a line groups; usage fractions and per-GPU
values are averaged. Lines longer than --max-points are downsampled (M4: first, last,
min and max per time column), and the report says so.";

const STATS_EXAMPLES: &str = "Examples:
  srtlog stats /path/to/job_12345/
  srtlog stats logs/ --json | jq '.stats[] | select(.metric == \"gen_throughput\")'
  srtlog parse logs/ --stats                   # summary table, then this table

Values are per scheduler (one per DP rank of a worker; TP/PP duplicate lines excluded)
and time bucket: the mean of its lines in the bucket (1 s unless the run is long), or the
per-second rate of per-batch amounts such as #new-token. All values of a metric are kept
in memory (a few per second of run per scheduler) for exact percentiles (numpy's linear
interpolation).";

/// Grouping of report lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GroupByArg {
    /// One line per worker log (its DP ranks combined).
    Worker,
    /// One line per worker type and DP rank (the workers' schedulers of that rank combined).
    Dp,
    /// One line per worker type.
    All,
}

/// Arguments of `srtlog viz`.
#[derive(Debug, Args)]
pub struct VizArgs {
    /// Run directory, logs folder, or log files (plain, .gz, .zst).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The HTML file to write.
    #[arg(short, long, default_value = "report.html")]
    pub output: PathBuf,
    /// One line per worker, per DP rank, or per worker type.
    #[arg(long, value_enum, default_value_t = GroupByArg::Worker)]
    pub group_by: GroupByArg,
    /// Most points per line; longer lines are downsampled (0 keeps every point).
    #[arg(long, default_value_t = 2000)]
    pub max_points: usize,
    /// Time bucket width (`1s`, `10s`, `1m`); default 1 s, doubled until the run fits 10,000 buckets.
    #[arg(long, value_parser = parse_bucket)]
    pub bucket: Option<u32>,
    /// Year of the first line of each vLLM log (vLLM prints dates without one), as for `parse`.
    #[arg(long, value_name = "YYYY", value_parser = clap::value_parser!(i32).range(1970..=9999))]
    pub year: Option<i32>,
}

/// Arguments of `srtlog stats`.
#[derive(Debug, Args)]
pub struct StatsArgs {
    /// Run directory, logs folder, or log files (plain, .gz, .zst).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Print the statistics as JSON on stdout (for scripts).
    #[arg(long)]
    pub json: bool,
    /// Time bucket width (`1s`, `10s`, `1m`); default 1 s, doubled until the run fits 10,000 buckets.
    #[arg(long, value_parser = parse_bucket)]
    pub bucket: Option<u32>,
    /// Year of the first line of each vLLM log (vLLM prints dates without one), as for `parse`.
    #[arg(long, value_name = "YYYY", value_parser = clap::value_parser!(i32).range(1970..=9999))]
    pub year: Option<i32>,
}

/// Parses a bucket width: a duration of at least one second.
pub fn parse_bucket(s: &str) -> Result<u32, String> {
    match parse_duration(s)? {
        0 => Err("the bucket width must be at least 1s".into()),
        n => u32::try_from(n).map_err(|_| format!("bucket width too large: {s:?}")),
    }
}

/// Arguments of `srtlog parse`.
#[derive(Debug, Args)]
pub struct ParseArgs {
    /// Run directory, logs folder, or log files (plain, .gz, .zst).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Print the summary as JSON on stdout (for scripts).
    #[arg(long)]
    pub json: bool,
    /// Per-file counts.
    #[arg(short, long)]
    pub verbose: bool,
    /// Per file, lines that look like batch or memory records but did not parse.
    #[arg(long)]
    pub coverage: bool,
    /// Neither read nor write the Parquet cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Also print the statistics per worker type and metric (as `srtlog stats`; reads the logs again).
    #[arg(long)]
    pub stats: bool,
    /// Year of the first line of each vLLM log (vLLM prints dates without one; later lines roll
    /// over at New Year). Default: a full date found in the file, else its modification time.
    #[arg(long, value_name = "YYYY", value_parser = clap::value_parser!(i32).range(1970..=9999))]
    pub year: Option<i32>,
}

/// Serving layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SimMode {
    /// Prefill/decode disaggregation.
    Disagg,
    /// Aggregated workers.
    Agg,
}

/// Log format generation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SimVariant {
    /// SGLang 0.5.3: `Prefill batch.`
    V053,
    /// SGLang 0.5.4 with iteration ids: `Prefill batch [N],`
    V054,
    /// SGLang 0.5.6: `Prefill batch,`
    V056,
    /// SGLang 2026 builds: milliseconds, new fields
    #[value(name = "2026")]
    Y2026,
    /// Dynamo-wrapped SGLang (ISO timestamps, no rank tags)
    Dynamo,
    /// vLLM V1 engine statistics (0.25-era; `(APIServer pid=N)` prefixes)
    Vllm,
    /// vLLM V0 engine statistics (0.6-era; `metrics.py:349]`, Swapped/Pending)
    #[value(name = "vllm-v0")]
    VllmV0,
}

/// Compression of the generated files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SimCompress {
    /// gzip.
    Gz,
    /// zstd.
    Zst,
}

/// Arguments of `srtlog simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Output run directory (logs go to OUT_DIR/logs).
    pub out_dir: PathBuf,
    /// Disaggregated or aggregated.
    #[arg(long, value_enum, default_value_t = SimMode::Disagg)]
    pub mode: SimMode,
    /// Prefill workers (disagg).
    #[arg(long, default_value_t = 2)]
    pub prefill: u32,
    /// Decode workers (disagg).
    #[arg(long, default_value_t = 1)]
    pub decode: u32,
    /// Workers (agg).
    #[arg(long, default_value_t = 2)]
    pub workers: u32,
    /// Log format generation.
    #[arg(long, value_enum, default_value_t = SimVariant::V056)]
    pub variant: SimVariant,
    /// Data-parallel size (DP attention: one line per DP rank).
    #[arg(long, default_value_t = 1)]
    pub dp: u32,
    /// Tensor-parallel size.
    #[arg(long, default_value_t = 4)]
    pub tp: u32,
    /// Expert-parallel size.
    #[arg(long, default_value_t = 1)]
    pub ep: u32,
    /// Pipeline-parallel size.
    #[arg(long, default_value_t = 1)]
    pub pp: u32,
    /// Simulated duration (`90s`, `10m`, `2h`).
    #[arg(long, default_value = "10m", value_parser = parse_duration)]
    pub duration: u64,
    /// Approximate total size of the worker logs (`500MB`, `1GB`); extends the run.
    #[arg(long, value_parser = parse_size)]
    pub size: Option<u64>,
    /// Random seed (same seed, same files).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Compress the worker logs.
    #[arg(long, value_enum)]
    pub compress: Option<SimCompress>,
    /// Leave out non-record lines (warnings, progress bars, access logs).
    #[arg(long)]
    pub no_noise: bool,
    /// Make TP/PP ranks print duplicate batch lines, as some setups do.
    #[arg(long)]
    pub tp_duplicates: bool,
    /// CRLF line endings.
    #[arg(long)]
    pub crlf: bool,
    /// vLLM V1: a `SpecDecoding metrics:` line after every engine statistics line.
    #[arg(long)]
    pub spec_decoding: bool,
    /// Print the ground-truth manifest as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Parses `90s`, `10m`, `2h`, `1d` or plain seconds.
pub fn parse_duration(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (num, mult) = match s.chars().last() {
        Some('s') => (&s[..s.len() - 1], 1),
        Some('m') => (&s[..s.len() - 1], 60),
        Some('h') => (&s[..s.len() - 1], 3600),
        Some('d') => (&s[..s.len() - 1], 86_400),
        _ => (s, 1),
    };
    num.trim()
        .parse::<u64>()
        .map(|n| n * mult)
        .map_err(|_| format!("not a duration: {s:?} (try 90s, 10m, 2h)"))
}

/// Parses `500MB`, `1GB`, `2GiB`, `123` (bytes).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim().to_ascii_uppercase();
    let units: [(&str, f64); 8] = [
        ("GIB", 1073741824.0),
        ("MIB", 1048576.0),
        ("KIB", 1024.0),
        ("GB", 1e9),
        ("MB", 1e6),
        ("KB", 1e3),
        ("G", 1e9),
        ("M", 1e6),
    ];
    for (u, m) in units {
        if let Some(n) = t.strip_suffix(u) {
            return n
                .trim()
                .parse::<f64>()
                .map(|x| (x * m) as u64)
                .map_err(|_| format!("not a size: {s:?}"));
        }
    }
    t.trim_end_matches('B')
        .parse::<u64>()
        .map_err(|_| format!("not a size: {s:?} (try 500MB, 1GB)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_sizes() {
        assert_eq!(parse_duration("10m"), Ok(600));
        assert_eq!(parse_duration("2h"), Ok(7200));
        assert_eq!(parse_duration("45"), Ok(45));
        assert!(parse_duration("x").is_err());
        assert_eq!(parse_size("1GB"), Ok(1_000_000_000));
        assert_eq!(parse_size("2MiB"), Ok(2 * 1048576));
        assert_eq!(parse_size("100"), Ok(100));
        assert!(parse_size("lots").is_err());
        assert_eq!(parse_bucket("1m"), Ok(60));
        assert!(parse_bucket("0s").is_err());
    }

    #[test]
    fn cli_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
