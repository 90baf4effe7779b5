//! `srtlog follow ID PATH...`: one request followed across every file
//! given, in time order ([`srtlog::follow`]); `--prefix`/`--match` for
//! several ids; `--list` for every id with its first/last time, lines and
//! components, slowest first.

use anyhow::{bail, Result};
use srtlog::follow::{self as reqtrace, Matcher};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `srtlog follow`.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// The request id (with --list: the first path).
    #[arg(required = true, value_name = "ID")]
    pub id: String,
    /// Log files and folders.
    pub paths: Vec<PathBuf>,
    /// Treat ID as a prefix.
    #[arg(long, conflicts_with = "glob")]
    pub prefix: bool,
    /// Treat ID as a pattern (`*` any run, `?` one character).
    #[arg(long = "match", id = "glob")]
    pub glob: bool,
    /// List the ids in the files instead (slowest first); ID is then a path.
    #[arg(long, conflicts_with_all = ["prefix", "glob"])]
    pub list: bool,
    /// At most this many ids with --list (0: all).
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// JSON output.
    #[arg(long)]
    pub json: bool,
}

const EXAMPLES: &str = "Examples:
  srtlog follow req-000042 logs/                    # one request across gateway, scheduler, worker
  srtlog follow cmpl- logs/ --prefix --json | jq '.events[].message'
  srtlog follow 'req-00004*' logs/ --match
  srtlog follow --list logs/                        # ids, slowest first

Ids are read from JSON fields (request_id, rid, correlation_id, trace_id…), `rid=`,
`request_id=`, `X-Request-ID:` and vLLM's `Received/Added/Finished request ID`; an exact ID
also matches where it appears as a word. Lines without a time of their own (tracebacks)
follow the line before them in their file.";

fn secs(s: f64) -> String {
    if s < 1.0 {
        format!("{:.0}ms", s * 1000.0)
    } else {
        format!("{s:.3}s")
    }
}

/// Runs the command.
pub fn run(a: Args, _quiet: bool) -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    if a.list {
        let mut paths = vec![PathBuf::from(&a.id)];
        paths.extend(a.paths.iter().cloned());
        let (mut ids, skipped) = reqtrace::list(&paths)?;
        if ids.is_empty() {
            bail!("no request ids found");
        }
        let total = ids.len();
        if a.limit > 0 {
            ids.truncate(a.limit);
        }
        if a.json {
            let doc = serde_json::json!({"total": total, "ids": ids, "skipped": skipped});
            writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        } else {
            writeln!(
                out,
                "{:<40} {:>10} {:>6}  {:<26} components",
                "id", "duration", "lines", "first"
            )?;
            for i in &ids {
                writeln!(
                    out,
                    "{:<40} {:>10} {:>6}  {:<26} {}",
                    i.id,
                    i.duration_s.map_or("-".to_string(), secs),
                    i.lines,
                    i.first.as_deref().unwrap_or("-"),
                    i.components.join(",")
                )?;
            }
            if total > ids.len() {
                writeln!(out, "({} of {total} ids; --limit 0 for all)", ids.len())?;
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    if a.paths.is_empty() {
        bail!("give at least one PATH after the id");
    }
    let m = if a.prefix {
        Matcher::Prefix(a.id.clone())
    } else if a.glob {
        Matcher::Glob(a.id.clone())
    } else {
        Matcher::Exact(a.id.clone())
    };
    let tl = reqtrace::follow(&a.paths, &m)?;
    if tl.events.is_empty() {
        bail!("no line mentions request {}", a.id);
    }
    if a.json {
        // Serialised first: a closed pipe then surfaces as an io::Error.
        writeln!(out, "{}", serde_json::to_string_pretty(&tl)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(
        out,
        "Request {}: {} lines in {} components ({}){}",
        tl.ids.join(", "),
        tl.events.len(),
        tl.components.len(),
        tl.components.join(", "),
        tl.duration_s
            .map_or(String::new(), |d| format!(", {}", secs(d)))
    )?;
    for e in &tl.events {
        let at = e
            .since_start_s
            .map_or("        ".to_string(), |s| format!("+{:>7}", secs(s)));
        let gap = e
            .gap_s
            .filter(|g| *g > 0.0)
            .map_or(String::new(), |g| format!(" (+{})", secs(g)));
        writeln!(
            out,
            "{at}{gap:<12} {:<12} {}:{} {:<8} {}",
            e.component,
            e.file,
            e.line,
            e.level.as_deref().unwrap_or("-"),
            e.message
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
