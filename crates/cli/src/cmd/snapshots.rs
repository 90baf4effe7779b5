//! `srtlog snapshots`: per-request timings from Prometheus snapshots taken
//! before and after each request (what `parse_metrics_snapshots.py` did),
//! `--show` for one snapshot, `--interval` for periodic scrapes; `--csv`,
//! `-o FILE.html` and gates over the `--json` keys.
//!
//! JSON wire format (stable; new keys may be added):
//!
//! ```json
//! { "dir": "...", "files": 4, "trusted": 1, "untrusted": 1,
//!   "requests": [ { "request_id": "r1", "before": "...", "after": "...", "window_s": 25.6,
//!                   "prefill_time_s": 2.345, "decode_time_s": 18.2, "ttft_s": 2.45,
//!                   "queue_time_s": 0.01, "inference_time_s": 20.5, "e2e_latency_s": 20.6,
//!                   "prompt_tokens": 17, "generation_tokens": 300, "itl_s": 0.06, "tpot_s": 0.06,
//!                   "estimated": [], "trusted": true, "flags": [], "reasons": [],
//!                   "overlaps_with": [], "deltas": [...], "gauges": [...] } ],
//!   "summary": [ { "key": "ttft_s", "count": 1, "total": 2.45, "mean": 2.45 } ],
//!   "problems": [ { "file": "...", "code": "unpaired_before", "detail": "..." } ] }
//! ```
//!
//! A value no metric provides is `null`.

use crate::flags::{self, Gates};
use crate::logging;
use anyhow::{Context, Result};
use srtlog::formats::sniff::InputKind;
use srtlog::snapshots::csv::{column_summaries, interval_batch};
use srtlog::snapshots::derive::QUANTITIES;
use srtlog::snapshots::interval::{interval_dir, IntervalTable};
use srtlog::snapshots::snapshot::Snapshot;
use srtlog::snapshots::{analyze_dir, write_json, Analysis};
use srtlog_report::text::format_unit;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `srtlog snapshots`.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Folder of snapshots `{request_id}_{before|after}_{YYYYMMDD_HHMMSS_micro}.txt`
    /// (or, with --interval, of periodic scrapes with any names).
    #[arg(required_unless_present = "show")]
    pub dir: Option<PathBuf>,
    /// Describe one snapshot file: its families with type, help and series count.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["dir", "interval", "csv", "parquet", "output"])]
    pub show: Option<PathBuf>,
    /// Print JSON on stdout (for scripts).
    #[arg(long)]
    pub json: bool,
    /// Write CSV: one row per request (or per interval); `-` or no FILE for stdout.
    #[arg(long, value_name = "FILE", num_args = 0..=1, default_missing_value = "-")]
    pub csv: Option<PathBuf>,
    /// Write the same table as Parquet (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    pub parquet: Option<PathBuf>,
    /// Periodic scrapes: deltas between consecutive files as time series.
    #[arg(long)]
    pub interval: bool,
    /// Write an HTML report (with --interval: a chart per metric).
    #[arg(short, long, value_name = "FILE.html")]
    pub output: Option<PathBuf>,
    /// Previous name of -o (with --interval).
    #[arg(
        long,
        value_name = "FILE",
        requires = "interval",
        hide = true,
        conflicts_with = "output"
    )]
    pub report: Option<PathBuf>,
    /// Gates over the --json keys: `trusted`, `untrusted`, `files`,
    /// `summary.KEY.mean|total|count` (`summary.ttft_s.mean`); with --interval, none.
    #[command(flatten)]
    pub gates: Gates,
}

const EXAMPLES: &str = "Examples:
  srtlog snapshots ./metrics_snapshots/               # per-request blocks and the summary
  srtlog snapshots ./metrics_snapshots/ --json | jq '.requests[] | {request_id, ttft_s, trusted, flags}'
  srtlog snapshots ./metrics_snapshots/ --csv requests.csv      # --csv alone: stdout
  srtlog snapshots ./metrics_snapshots/ --parquet requests.parquet
  srtlog snapshots ./metrics_snapshots/ -o snapshots.html
  srtlog snapshots ./metrics_snapshots/ --fail-if 'untrusted > 0' --fail-if 'summary.ttft_s.mean > 0.5'
  srtlog snapshots --show ./metrics_snapshots/chatcmpl-abc_after_20251106_225055_789012.txt
  srtlog snapshots ./scrapes/ --interval --csv        # rates, interval means, p50/p90/p99, gauges
  srtlog snapshots ./scrapes/ --interval -o scrapes.html

Timings come from the deltas of vLLM (V0 and V1) and SGLang histograms and counters.
A pair is untrusted, and left out of the summary, when: its window overlaps another
request's (overlap), a counter went down (counter_reset), a per-request histogram counted
more than one request (multi_count), nothing moved (all_zero), the after snapshot is
older than the before (time_reversed), or a counter or histogram value is NaN or infinite
(non_finite). A before snapshot with families but no samples yet is a zero baseline.
Take snapshots with `srtlog scrape`.";

/// Runs the command.
pub fn run(mut a: Args, quiet: bool) -> Result<ExitCode> {
    if let Some(file) = &a.show {
        return show(file, a.json);
    }
    let Some(dir) = a.dir.clone() else {
        anyhow::bail!(flags::UsageError("a folder is required".into()));
    };
    if dir.is_file() {
        // A file where a folder is read (issue 17 item 23): one snapshot is
        // `--show`n; another kind of input is named with its command.
        let d = dir.display().to_string();
        let mut msg = format!("{d} is a file, and `srtlog snapshots` reads a folder of before/after snapshots; to show one snapshot: `srtlog snapshots --show {d}`");
        if let Some(k) = super::hint::kind_of(&dir)
            .filter(|k| !matches!(k, InputKind::PromSnapshot | InputKind::Unknown))
        {
            msg = format!("{msg}; but {}", k.hint(&d));
        }
        logging::error(msg);
        return Ok(ExitCode::from(1));
    }
    if a.report.is_some() {
        a.output = a.report.take();
    }
    if a.interval {
        return interval(&dir, &a, quiet);
    }
    let an = analyze_dir(&dir)?;
    let csv_out = flags::write_tables(&a.csv, &a.parquet, || {
        srtlog::snapshots::table::record_batch(&an)
    })?;
    let text = text(&an);
    if a.json {
        let mut out = std::io::stdout().lock();
        let mut w = std::io::BufWriter::new(&mut out);
        write_json(&an, &mut w)?;
        w.flush()?;
    } else if !csv_out {
        std::io::stdout().lock().write_all(text.as_bytes())?;
    }
    if csv_out && !quiet {
        // The text report (which lists them) is not shown.
        for p in &an.problems {
            logging::warning(format_args!(
                "{}: {}: {}",
                p.file.display(),
                p.code,
                p.detail
            ));
        }
    }
    if let Some(p) = &a.output {
        let html =
            srtlog_report::textpage::render("metrics snapshots", &dir.display().to_string(), &text);
        flags::write_html(p, &html, quiet)?;
    }
    if an.requests.is_empty() {
        logging::error(format_args!(
            "{}: no before/after pair among {} snapshot file(s)",
            dir.display(),
            an.files
        ));
        return Ok(ExitCode::from(1));
    }
    if a.gates.any() {
        let doc = srtlog::snapshots::to_json(&an);
        if let Some(code) = a.gates.check(&doc, None, quiet)? {
            return Ok(code);
        }
    }
    Ok(ExitCode::SUCCESS)
}

const RULE: &str = "======================================================================";

/// A derived value: seconds or a count ([`srtlog_report::text`]).
fn fmt_value(v: f64, seconds: bool) -> String {
    if seconds {
        srtlog_report::text::format_seconds(v)
    } else {
        srtlog_report::text::format_plain(v)
    }
}

/// The text report: per-request blocks, then the summary, then problems.
pub fn text(an: &Analysis) -> String {
    let mut s = String::new();
    let w = &mut s;
    use std::fmt::Write as _;
    let _ = writeln!(
        w,
        "Analyzing metrics snapshots from: {}\n",
        an.dir.display()
    );
    let _ = writeln!(w, "Found {} request(s) with snapshots\n", an.requests.len());
    for r in &an.requests {
        let _ = writeln!(w, "{RULE}\nRequest: {}\n{RULE}", r.request_id);
        let _ = writeln!(w, "Snapshot (before): {}", r.before.display());
        let _ = writeln!(w, "Snapshot (after):  {}", r.after.display());
        let _ = writeln!(w, "Window: {}\n", format_unit(r.window_s(), 3, "s"));
        let _ = writeln!(w, "CALCULATED METRICS:");
        let mut any = false;
        for (i, q) in QUANTITIES.iter().enumerate() {
            if let Some(v) = r.derived.values.get(i).copied().flatten() {
                any = true;
                let est = if r.derived.estimated.contains(&q.key) {
                    " (estimate)"
                } else {
                    ""
                };
                let _ = writeln!(w, "  {}: {}{est}", q.label, fmt_value(v, q.seconds));
            }
        }
        if !any {
            let _ = writeln!(w, "  (no vLLM or SGLang request metric moved)");
        }
        if r.trusted() {
            let _ = writeln!(w, "Trusted: yes\n");
        } else {
            let _ = writeln!(w, "Trusted: NO (left out of the summary)");
            for f in &r.flags {
                let _ = writeln!(w, "  [{}] {}", f.code, f.reason);
            }
            let _ = writeln!(w);
        }
    }
    let trusted = an.trusted_count();
    let _ = writeln!(
        w,
        "{RULE}\nSUMMARY - {} request(s) analyzed, {trusted} trusted, {} untrusted (left out)\n{RULE}",
        an.requests.len(),
        an.requests.len() - trusted
    );
    let sum = an.summary();
    let shown: Vec<_> = QUANTITIES
        .iter()
        .zip(&sum)
        .filter(|(_, s)| s.count > 0)
        .collect();
    if shown.is_empty() {
        let _ = writeln!(w, "No trusted request with timings.");
    }
    for (q, s) in shown.iter().filter(|(q, _)| q.additive) {
        let _ = writeln!(w, "Total {}: {}", q.label, fmt_value(s.total, q.seconds));
    }
    if !shown.is_empty() {
        let _ = writeln!(w);
    }
    for (q, s) in &shown {
        if let Some(m) = s.mean {
            let _ = writeln!(
                w,
                "Average {}: {} (n={})",
                q.label,
                fmt_value(m, q.seconds),
                s.count
            );
        }
    }
    if !an.problems.is_empty() {
        let _ = writeln!(
            w,
            "\nPROBLEMS - {} file(s) not used or not clean:",
            an.problems.len()
        );
        for p in &an.problems {
            let _ = writeln!(w, "  {} [{}] {}", p.file.display(), p.code, p.detail);
        }
    }
    s
}

fn show(file: &Path, json: bool) -> Result<ExitCode> {
    if !file.exists() {
        return Err(srtlog::io::Error::NotFound(file.to_path_buf()).into());
    }
    let snap = Snapshot::load(file)?;
    let mut out = std::io::stdout().lock();
    if json {
        let diags: Vec<_> = snap
            .diagnostics
            .iter()
            .map(|d| serde_json::json!({"line": d.line, "problem": d.kind.as_str()}))
            .collect();
        let doc = serde_json::json!({
            "file": file,
            "bytes": snap.bytes,
            "families": snap.families,
            "samples": snap.sample_count(),
            "malformed": snap.malformed,
            "diagnostics": diags,
        });
        serde_json::to_writer_pretty(&mut out, &doc)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "{}: {} families, {} samples, {} bytes, {} malformed line(s)\n",
            file.display(),
            snap.families.len(),
            snap.sample_count(),
            snap.bytes,
            snap.malformed
        )?;
        let width = snap
            .families
            .iter()
            .map(|f| f.name.len())
            .max()
            .unwrap_or(4)
            .max(4);
        writeln!(
            out,
            "{:<14} {:>6}  {:<width$}  HELP",
            "TYPE", "SERIES", "NAME"
        )?;
        for f in &snap.families {
            let help = f.help.as_deref().unwrap_or("").replace('\n', " ");
            writeln!(
                out,
                "{:<14} {:>6}  {:<width$}  {help}",
                f.ty, f.series, f.name
            )?;
        }
        for d in &snap.diagnostics {
            writeln!(out, "line {}: {}", d.line, d.kind)?;
        }
    }
    if snap.sample_count() == 0 {
        logging::error(format_args!("{}: no Prometheus sample", file.display()));
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn interval(dir: &Path, a: &Args, quiet: bool) -> Result<ExitCode> {
    if a.gates.any() {
        anyhow::bail!(flags::UsageError(
            "--fail-if reads the per-request analysis; it has no metric with --interval".into()
        ));
    }
    let t = interval_dir(dir)?;
    let csv_out = flags::write_tables(&a.csv, &a.parquet, || interval_batch(&t))?;
    if a.json {
        flags::print_json(&t)?;
    } else if !csv_out {
        std::io::stdout()
            .lock()
            .write_all(interval_text(&t).as_bytes())?;
    }
    if let Some(report) = &a.output {
        let html = srtlog_report::snapshots::render_interval(&t, dir)?;
        srtlog_report::output::write_atomic(report, html.as_bytes())
            .with_context(|| format!("writing {}", report.display()))?;
        if !quiet {
            logging::info(format_args!("wrote {}", report.display()));
        }
    }
    if !quiet && (a.json || csv_out) {
        for p in &t.problems {
            logging::warning(format_args!(
                "{}: {}: {}",
                p.file.display(),
                p.code,
                p.detail
            ));
        }
    }
    if t.t_s.is_empty() {
        logging::error(format_args!(
            "{}: fewer than two usable scrapes",
            dir.display()
        ));
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn interval_text(t: &IntervalTable) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let resets = t.resets.iter().filter(|&&r| r > 0).count();
    let _ = writeln!(
        s,
        "{} scrapes, {} intervals over {}, {} with a counter reset (server restart?)\n",
        t.files.len(),
        t.t_s.len(),
        format_unit(t.t_s.last().copied().unwrap_or(0.0), 3, "s"),
        resets
    );
    let width = t
        .columns
        .iter()
        .map(|c| c.name.len())
        .max()
        .unwrap_or(6)
        .max(6);
    let _ = writeln!(
        s,
        "{:<width$} {:>6} {:>14} {:>14} {:>14} {:>14}",
        "SERIES", "N", "MEAN", "MIN", "MAX", "LAST"
    );
    for c in column_summaries(t) {
        let _ = writeln!(
            s,
            "{:<width$} {:>6} {:>14.6} {:>14.6} {:>14.6} {:>14.6}",
            c.name, c.count, c.mean, c.min, c.max, c.last
        );
    }
    let _ = writeln!(
        s,
        "\n(series that stayed 0 are not listed; --csv/--json have every column)"
    );
    for p in &t.problems {
        let _ = writeln!(s, "warning: {} [{}] {}", p.file.display(), p.code, p.detail);
    }
    s
}
