//! `srtlog check RUN...`: why did this run fail, and can its numbers be
//! trusted ([`srtlog::check`]). Prints the findings most severe first (or
//! `--json`), and fails a CI job at `--fail-on error|warn`.
//!
//! Exit codes: 0 no finding at the `--fail-on` level; 3 findings at that
//! level (fatal and untrustworthy findings are errors, degraded ones
//! warnings); 1 no worker log was found; 2 usage errors and missing paths.

use anyhow::Result;
use clap::ValueEnum;
use srtlog::check::{self, CheckOptions, Finding, Level, Report, Severity};
use srtlog_report::text::format_unit;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit code when findings reach the `--fail-on` level.
pub const EXIT_FINDINGS: u8 = 3;
/// Exit code when no worker log was found.
const EXIT_NOTHING: u8 = 1;

/// Arguments of `srtlog check`.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// The run folder (or its logs/ folder, or worker log files).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// JSON output: the findings with their evidence, and the steady-state figures.
    #[arg(long)]
    pub json: bool,
    /// Exit 3 when a finding reaches this level: `error` (fatal, untrustworthy)
    /// or `warn` (degraded too).
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Read only the worker logs (not the benchmark client's results or the
    /// metrics snapshots in the folder).
    #[arg(long)]
    pub no_client: bool,
    /// Also list the info findings of a run without problems.
    #[arg(short, long)]
    pub verbose: bool,
}

/// The `--fail-on` level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Fatal and untrustworthy findings fail the job.
    Error,
    /// Degraded findings fail it too.
    Warn,
}

impl FailOn {
    fn level(self) -> Level {
        match self {
            FailOn::Error => Level::Error,
            FailOn::Warn => Level::Warn,
        }
    }
}

const EXAMPLES: &str = "Examples:
  srtlog check /path/to/job_12345/             # findings, most severe first
  srtlog check job_12345/ --fail-on warn        # CI: degraded findings fail too
  srtlog check job_12345/ --json | jq '.findings[] | select(.severity == \"fatal\")'

Severities: fatal (the run or a worker failed) and untrustworthy (its numbers cannot be
trusted) are errors; degraded (it served worse than it should) are warnings; info is
neither. Exit codes: 0 nothing at the --fail-on level, 3 findings at that level,
1 no worker log found, 2 usage error or missing path.";

/// Runs the command.
pub fn run(a: Args, _quiet: bool) -> Result<ExitCode> {
    let opts = CheckOptions {
        client: !a.no_client,
    };
    // A missing path is reported as the worker-log job's error, which the
    // binary maps to the usage exit code.
    let report = check::check(&a.paths, &opts).map_err(|e| match e {
        check::Error::Discover(w) => anyhow::Error::from(w),
        e => anyhow::Error::from(e),
    })?;
    let level = a.fail_on.level();
    let failed = report.fails_at(level);
    let mut out = std::io::stdout().lock();
    if a.json {
        let v = serde_json::json!({
            "report": report,
            "fail_on": a.fail_on.level(),
            "failed": failed,
        });
        serde_json::to_writer_pretty(&mut out, &v)?;
        writeln!(out)?;
    } else {
        out.write_all(render(&report, level, a.verbose).as_bytes())?;
    }
    out.flush()?;
    Ok(if report.worker_files.is_empty() {
        ExitCode::from(EXIT_NOTHING)
    } else if failed {
        ExitCode::from(EXIT_FINDINGS)
    } else {
        ExitCode::SUCCESS
    })
}

/// `+1h02m03s` from seconds.
fn when(s: Option<f64>) -> String {
    let Some(s) = s else {
        return "time unknown".into();
    };
    let sign = if s < 0.0 { "-" } else { "+" };
    let t = s.abs().round() as u64;
    let (h, m, sec) = (t / 3600, t / 60 % 60, t % 60);
    if h > 0 {
        format!("at {sign}{h}h{m:02}m{sec:02}s")
    } else if m > 0 {
        format!("at {sign}{m}m{sec:02}s")
    } else {
        format!("at {sign}{sec}s")
    }
}

fn label(s: Severity) -> &'static str {
    match s {
        Severity::Fatal => "FATAL",
        Severity::Untrustworthy => "UNTRUSTWORTHY",
        Severity::Degraded => "DEGRADED",
        Severity::Info => "info",
    }
}

fn finding(f: &Finding, out: &mut String) {
    use std::fmt::Write as _;
    let times = if f.count == 1 {
        "once".to_string()
    } else {
        format!("{}×", f.count)
    };
    let at = if f.evidence.line > 0 {
        format!("{}:{}", f.evidence.file, f.evidence.line)
    } else {
        f.evidence.file.clone()
    };
    let _ = writeln!(out, "{:<13} {}: {}", label(f.severity), f.kind, f.what);
    let _ = writeln!(out, "              {} · {} · {}", when(f.at_s), times, at);
    let _ = writeln!(out, "              > {}", f.evidence.text);
    let _ = writeln!(out, "              fix: {}", f.advice);
}

/// One line of steady-state figures.
fn steady_line(r: &Report) -> String {
    let s = &r.steady;
    let mut parts = vec![format!("{} worker logs", s.workers)];
    if let Some(v) = s.serving_s {
        parts.push(format_unit(v, 0, " s serving"));
    }
    if let Some(v) = s.gen_throughput {
        parts.push(format_unit(v, 0, " tok/s generated"));
    }
    if let Some(v) = s.running_req {
        parts.push(format_unit(v, 0, " requests running"));
    }
    if let Some(v) = s.token_usage {
        parts.push(format!("token usage {}", format_unit(v, 2, "")));
    }
    parts.join(", ")
}

/// The text report.
pub fn render(r: &Report, level: Level, verbose: bool) -> String {
    let mut out = String::new();
    if let Some(why) = &r.nothing_checked {
        out.push_str(&format!(
            "srtlog check {}: no worker log found; looked for {why}\n",
            r.run
        ));
        return out;
    }
    let problems = r
        .findings
        .iter()
        .filter(|f| f.severity > Severity::Info)
        .count();
    if problems == 0 {
        let notes = r.findings.len();
        out.push_str(&format!(
            "OK {}: no problem found ({})",
            r.run,
            steady_line(r)
        ));
        if notes > 0 && !verbose {
            out.push_str(&format!("; {notes} info findings (-v to list)"));
        }
        out.push('\n');
        if verbose {
            for f in &r.findings {
                finding(f, &mut out);
            }
        }
        return out;
    }
    out.push_str(&format!(
        "srtlog check {}: {} worker logs, {} client files\n\n",
        r.run,
        r.worker_files.len(),
        r.client_files.len()
    ));
    for f in r
        .findings
        .iter()
        .filter(|f| verbose || f.severity > Severity::Info)
    {
        finding(f, &mut out);
        out.push('\n');
    }
    let (e, w) = r.counts();
    let fails = if r.fails_at(level) { "fails" } else { "passes" };
    let on = match level {
        Level::Error => "error",
        Level::Warn => "warn",
    };
    out.push_str(&format!(
        "{e} errors, {w} warnings: {fails} at --fail-on {on}\n"
    ));
    out
}
