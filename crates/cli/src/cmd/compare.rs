//! `srtlog compare A B [C …]`: runs side by side (worker logs over their
//! steady state, client latencies and throughput), each run against the
//! first with a confidence interval, a test and a verdict; the
//! configuration diff; `--json`, `-o report.html`, `--fail-if`. All the
//! analysis is [`srtlog::compare`]; this module renders it.

use crate::flags::{self, print, print_json, Gates};
use crate::logging;
use anyhow::{bail, Context, Result};
use srtlog::compare::analysis::{Row, Table};
use srtlog::compare::{compare, CompareOptions, Comparison};
use srtlog_report::table::{Align, BoxTable};
use srtlog_report::text::format_value;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicU64;

const EXAMPLES: &str =
    "`srtlog compare` compares RUNS (each argument is one run); `srtlog requests compare`
compares GROUPS inside one request log (by model, status, file, ...).

Each argument is a run directory (worker logs in it or in its logs/ folder, plus the request
logs or AIPerf export inside it), a request log (JSON lines), or an AIPerf profile_export.jsonl.
One folder whose sub-folders are runs is a sweep: one point per run (concurrency or request
rate read from the folder names, as the last resort), with the Pareto frontier.

The first run is the baseline. Worker metrics are taken over each run's steady state (warm-up
and drain cut by MSER-5, White 1997, on the decode token throughput; the window is printed).
Per-request client metrics get a 95% percentile-bootstrap interval of the difference (Efron &
Tibshirani 1993); series get the Mann-Whitney U test (Mann & Whitney 1947) on batch means.
p-values of one run are Holm-adjusted (Holm 1979); a verdict is better/worse only when the
adjusted p < 0.05. Runs with run-level figures only show the delta, marked
\"no per-request data, no significance\". The same inputs always give the same output.

Examples:
  srtlog compare runs/tbo-off runs/tbo-on                  # tables, config diff, verdicts
  srtlog compare base/ new/ --json | jq '.tables[].rows[] | {id, verdict: .deltas[0].verdict}'
  srtlog compare base/ new/ -o compare.html               # runs on relative time, CDFs
  srtlog compare base/ new/ --fail-if 'p99_ttft_ms > +10%' --fail-if 'error_rate > 0.01'
  srtlog compare base/ new/ --fail-if 'decode.decode_throughput < -5%'
  srtlog compare sweep/                                    # sub-folders are the runs
  srtlog compare a/requests.jsonl b/profile_export.jsonl   # client sides only

Gates: METRIC is a metric id of the tables (p50_ttft_ms ... p99_e2e_ms, p50_tpot_ms,
request_throughput, output_token_throughput, error_rate; worker metrics as
WORKER_TYPE.METRIC, e.g. decode.decode_throughput, prefill.prefill_queue), checked on every
run after the first; relative values (+10%) are relative to the first run. Exit code 3 when
a gate fails.";

/// Arguments of `srtlog compare`.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Runs (run directories, request logs, AIPerf exports), the first is the baseline; or one sweep folder.
    #[arg(required = true, value_name = "RUN")]
    pub paths: Vec<PathBuf>,
    /// Print the comparison as JSON.
    #[arg(long)]
    pub json: bool,
    /// Write the HTML report (runs on a time axis relative to each run's start, CDFs).
    #[arg(short, long, value_name = "FILE.html")]
    pub output: Option<PathBuf>,
    /// Bootstrap replications.
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u32).range(100..=100_000))]
    pub resamples: u32,
    #[command(flatten)]
    pub gates: Gates,
}

/// Runs the command.
pub fn run(a: Args, quiet: bool) -> Result<ExitCode> {
    for p in &a.paths {
        if !p.exists() {
            bail!(flags::UsageError(format!(
                "{}: no such file or folder",
                p.display()
            )));
        }
    }
    let file = match &a.output {
        Some(p) => Some(srtlog_report::output::ReportFile::create(p)?),
        None => None,
    };
    let opts = CompareOptions {
        resamples: a.resamples as usize,
        ..CompareOptions::default()
    };
    let (cmp, sources) = match compare(&a.paths, &opts, &AtomicU64::new(0)) {
        Ok(r) => r,
        Err(e @ srtlog::compare::Error::TooFewRuns(_)) => bail!(flags::UsageError(e.to_string())),
        Err(e) => return Err(e.into()),
    };
    for ch in cmp.config.changes.iter().filter(|c| c.more_than_one) {
        logging::warning(format_args!(
            "{} against {}: {} variables changed ({}); a difference cannot be put down to one of them",
            ch.run,
            cmp.method.baseline,
            ch.variables.len(),
            ch.variables.join(", ")
        ));
    }
    if let (Some(file), Some(path)) = (file, &a.output) {
        let html =
            srtlog_report::compare::render(&cmp, &sources).context("rendering the report")?;
        file.commit(html.as_bytes())?;
        if !quiet && a.json {
            logging::note(format_args!("wrote {}", path.display()));
        }
    }
    if a.json {
        print_json(&cmp)?;
    } else {
        print(&render_text(&cmp))?;
        if let Some(p) = &a.output {
            if !quiet {
                print(&format!("Wrote {}\n", p.display()))?;
            }
        }
    }
    gate(&a.gates, &cmp, quiet)
}

fn gate(g: &Gates, cmp: &Comparison, quiet: bool) -> Result<ExitCode> {
    if !g.any() {
        return Ok(ExitCode::SUCCESS);
    }
    let base = &cmp.runs[0].metrics;
    let mut code = ExitCode::SUCCESS;
    for r in &cmp.runs[1..] {
        if let Some(c) = g.check(&r.metrics, Some(base), quiet)? {
            code = c;
        }
    }
    Ok(code)
}

fn num(v: Option<f64>) -> String {
    v.map_or("–".into(), format_value)
}

fn signed(v: f64) -> String {
    if v > 0.0 {
        format!("+{}", format_value(v))
    } else {
        format_value(v)
    }
}

/// The text output: runs, one table per source kind, config diff, method.
pub fn render_text(c: &Comparison) -> String {
    let mut out = String::new();
    let mut runs = BoxTable::new(&["run", "kind", "steady-state window (worker logs)", "client"])
        .title(format!("Runs (baseline: {})", c.method.baseline));
    for r in &c.runs {
        let window = r.window.as_ref().map_or("–".to_string(), |w| {
            format!(
                "{} s → {} s from the first line (warm-up {} s, drain {} s cut)",
                format_value(w.start_s),
                format_value(w.end_s),
                format_value(w.warmup_s),
                format_value(w.drain_s)
            )
        });
        let client = r.client.as_ref().map_or("–".to_string(), |v| {
            let reader = v["reader"].as_str().unwrap_or("");
            match v["requests"].as_u64() {
                Some(n) => format!("{n} requests ({reader})"),
                None => format!("run-level figures ({reader})"),
            }
        });
        runs = runs.row([r.label.clone(), r.kind.clone(), window, client]);
    }
    out.push_str(&runs.render());
    for t in &c.tables {
        out.push('\n');
        out.push_str(&table_text(t, c).render());
    }
    out.push('\n');
    out.push_str(&config_text(c));
    out.push_str(&format!(
        "\nMethod: {}.\nTests: {}.\nMultiple comparisons: {}. Intervals: {}%, {} bootstrap replications, fixed seeds.\n",
        c.method.steady_state,
        c.method.tests,
        c.method.multiple_comparisons,
        format_value(c.method.confidence * 100.0),
        c.method.resamples
    ));
    if let Some(s) = &c.sweep {
        out.push('\n');
        let mut t = BoxTable::new(&[
            "run",
            "swept value",
            "output tokens/s",
            s.latency_metric,
            "Pareto",
        ])
        .title("Sweep (throughput against latency)");
        for p in &s.points {
            let v = p.value.as_ref().map_or("–".into(), |v| {
                format!("{} {} ({})", v.variable, format_value(v.value), v.source)
            });
            t = t.row([
                p.run.clone(),
                v,
                num(p.throughput),
                num(p.latency),
                if p.pareto { "yes" } else { "" }.to_string(),
            ]);
        }
        out.push_str(&t.render());
        if !s.one_variable {
            out.push_str(
                "The runs are not a sweep of one variable: the report draws points, no lines.\n",
            );
        }
    }
    out
}

fn table_text(t: &Table, c: &Comparison) -> BoxTable {
    let mut header = vec!["metric".to_string(), "unit".to_string()];
    header.extend(c.runs.iter().map(|r| r.label.clone()));
    for r in &c.runs[1..] {
        header.push(format!("Δ {}", r.label));
        header.push("95% CI of Δ".into());
        header.push("p (Holm)".into());
        header.push("verdict".into());
    }
    let mut align = vec![Align::Left, Align::Left];
    align.extend(std::iter::repeat_n(Align::Right, c.runs.len()));
    for _ in &c.runs[1..] {
        align.extend([Align::Right, Align::Right, Align::Right, Align::Left]);
    }
    let mut b = BoxTable::new(&header).title(t.title).align(&align);
    for row in &t.rows {
        b = b.row(row_cells(row));
    }
    b
}

fn row_cells(row: &Row) -> Vec<String> {
    let name = if row.group == "client" {
        row.title.clone()
    } else {
        format!("{} · {}", row.group, row.title)
    };
    let mut cells = vec![name, row.unit.clone()];
    cells.extend(row.values.iter().map(|v| num(*v)));
    for d in &row.deltas {
        cells.push(match (d.delta, d.delta_pct) {
            (Some(v), Some(p)) => format!(
                "{} ({}{:.1}%)",
                signed(v),
                if p > 0.0 { "+" } else { "" },
                p
            ),
            (Some(v), None) => signed(v),
            _ => "–".into(),
        });
        cells.push(match (d.ci_lo, d.ci_hi) {
            (Some(lo), Some(hi)) => format!("[{}, {}]", format_value(lo), format_value(hi)),
            _ => "–".into(),
        });
        cells.push(d.p_adjusted.map_or("–".into(), |p| {
            if p < 0.001 {
                "<0.001".into()
            } else {
                format!("{p:.3}")
            }
        }));
        cells.push(d.verdict.as_str().to_string());
    }
    cells
}

fn config_text(c: &Comparison) -> String {
    let mut out = String::new();
    if c.config.rows.is_empty() {
        if c.runs.iter().filter(|r| r.window.is_some()).count() > 1 {
            out.push_str("Configuration: the same in every run (server arguments, versions, model, parallelism, GPUs).\n");
        }
        return out;
    }
    let mut header = vec!["configuration".to_string()];
    header.extend(c.runs.iter().map(|r| r.label.clone()));
    let mut t = BoxTable::new(&header).title("Configuration diff (from the worker logs)");
    for row in &c.config.rows {
        let mut cells = vec![row.key.clone()];
        cells.extend(row.values.iter().map(|v| {
            let s = v.clone().unwrap_or_else(|| "–".into());
            if s.chars().count() > 48 {
                format!("{}…", s.chars().take(47).collect::<String>())
            } else {
                s
            }
        }));
        t = t.row(cells);
    }
    out.push_str(&t.render());
    for ch in &c.config.changes {
        out.push_str(&format!(
            "{} against {}: {} variable{} changed{}{}\n",
            ch.run,
            c.method.baseline,
            ch.variables.len(),
            if ch.variables.len() == 1 { "" } else { "s" },
            if ch.variables.is_empty() { "" } else { ": " },
            ch.variables.join(", ")
        ));
        if ch.more_than_one {
            out.push_str("  more than one variable changed: a difference cannot be put down to one of them\n");
        }
    }
    out
}
