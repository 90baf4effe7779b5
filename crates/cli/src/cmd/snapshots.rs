//! `srtlog snapshots`: per-request timings from Prometheus snapshots taken
//! before and after each request (the seed's `parse_metrics_snapshots.py`),
//! `--show` for one snapshot, `--interval` for periodic scrapes.
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

use anyhow::{Context, Result};
use clap::Args;
use srtlog::snapshots::derive::QUANTITIES;
use srtlog::snapshots::interval::{interval_dir, IntervalTable};
use srtlog::snapshots::snapshot::Snapshot;
use srtlog::snapshots::{analyze_dir, write_json, Analysis};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `srtlog snapshots`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct SnapshotsArgs {
    /// Folder of snapshots `{request_id}_{before|after}_{YYYYMMDD_HHMMSS_micro}.txt`
    /// (or, with --interval, of periodic scrapes with any names).
    #[arg(required_unless_present = "show")]
    pub dir: Option<PathBuf>,
    /// Describe one snapshot file: its families with type, help and series count.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["dir", "interval", "csv"])]
    pub show: Option<PathBuf>,
    /// Print JSON on stdout (for scripts).
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print CSV on stdout: one row per request (or per interval).
    #[arg(long)]
    pub csv: bool,
    /// Periodic scrapes: deltas between consecutive files as time series.
    #[arg(long)]
    pub interval: bool,
    /// With --interval: also write an HTML report with the charts.
    #[arg(long, value_name = "FILE", requires = "interval")]
    pub report: Option<PathBuf>,
}

const EXAMPLES: &str = "Examples:
  srtlog snapshots ./metrics_snapshots/               # per-request blocks and the summary
  srtlog snapshots ./metrics_snapshots/ --json | jq '.requests[] | {request_id, ttft_s, trusted, flags}'
  srtlog snapshots ./metrics_snapshots/ --csv > requests.csv
  srtlog snapshots --show ./metrics_snapshots/chatcmpl-abc_after_20251106_225055_789012.txt
  srtlog snapshots ./scrapes/ --interval --csv        # rates, interval means, p50/p90/p99, gauges
  srtlog snapshots ./scrapes/ --interval --report scrapes.html

Timings come from the deltas of vLLM (V0 and V1) and SGLang histograms and counters.
A pair is untrusted, and left out of the summary, when: its window overlaps another
request's (overlap), a counter went down (counter_reset), a per-request histogram counted
more than one request (multi_count), nothing moved (all_zero), or the after snapshot is
older than the before (time_reversed). Take snapshots with `srtlog scrape`.";

/// Runs the command.
pub fn run(a: SnapshotsArgs, quiet: bool) -> Result<ExitCode> {
    if let Some(file) = &a.show {
        return show(file, a.json);
    }
    let Some(dir) = a.dir.as_deref() else {
        anyhow::bail!("a folder is required");
    };
    if a.interval {
        return interval(dir, &a, quiet);
    }
    let an = analyze_dir(dir)?;
    let mut out = std::io::stdout().lock();
    if a.json {
        let mut w = std::io::BufWriter::new(&mut out);
        write_json(&an, &mut w)?;
        w.flush()?;
    } else if a.csv {
        write!(out, "{}", csv(&an))?;
    } else {
        write!(out, "{}", text(&an))?;
    }
    if !a.json && !quiet {
        let mut err = std::io::stderr().lock();
        if a.csv {
            for p in &an.problems {
                writeln!(
                    err,
                    "warning: {}: {}: {}",
                    p.file.display(),
                    p.code,
                    p.detail
                )?;
            }
        }
    }
    if an.requests.is_empty() {
        let _ = writeln!(
            std::io::stderr(),
            "error: {}: no before/after pair among {} snapshot file(s)",
            dir.display(),
            an.files
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

const RULE: &str = "======================================================================";

/// Seconds with three decimals, counts without a fraction when whole.
fn fmt_value(v: f64, seconds: bool) -> String {
    if seconds && v.abs() < 0.1 && v != 0.0 {
        // Inter-token latencies are milliseconds: keep their digits.
        format!("{v:.6}s")
    } else if seconds {
        format!("{v:.3}s")
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.3}")
    }
}

/// The seed's layout: per-request blocks, then the summary, then problems.
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
        let _ = writeln!(w, "Window: {:.3}s\n", r.window_s());
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

/// RFC 4180 field.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn csv_num(v: Option<f64>) -> String {
    v.filter(|x| x.is_finite())
        .map_or(String::new(), |x| x.to_string())
}

/// One row per request.
pub fn csv(an: &Analysis) -> String {
    let mut s = String::from("request_id,before,after,window_s");
    for q in QUANTITIES {
        s.push(',');
        s.push_str(q.key);
    }
    s.push_str(",estimated,trusted,flags,overlaps_with\n");
    for r in &an.requests {
        let mut row = vec![
            csv_field(&r.request_id),
            csv_field(&r.before.display().to_string()),
            csv_field(&r.after.display().to_string()),
            r.window_s().to_string(),
        ];
        for i in 0..QUANTITIES.len() {
            row.push(csv_num(r.derived.values.get(i).copied().flatten()));
        }
        row.push(csv_field(&r.derived.estimated.join(";")));
        row.push(r.trusted().to_string());
        row.push(csv_field(
            &r.flags.iter().map(|f| f.code).collect::<Vec<_>>().join(";"),
        ));
        row.push(csv_field(&r.overlaps_with.join(";")));
        s.push_str(&row.join(","));
        s.push('\n');
    }
    s
}

fn show(file: &Path, json: bool) -> Result<ExitCode> {
    if !file.exists() {
        return Err(srtlog::Error::NotFound(file.to_path_buf()).into());
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
        let _ = writeln!(
            std::io::stderr(),
            "error: {}: no Prometheus sample",
            file.display()
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn interval(dir: &Path, a: &SnapshotsArgs, quiet: bool) -> Result<ExitCode> {
    let t = interval_dir(dir)?;
    let mut out = std::io::stdout().lock();
    if a.json {
        serde_json::to_writer_pretty(&mut out, &t)?;
        writeln!(out)?;
    } else if a.csv {
        write!(out, "{}", interval_csv(&t))?;
    } else {
        write!(out, "{}", interval_text(&t))?;
    }
    if let Some(report) = &a.report {
        let html = srtlog_report::snapshots::render_interval(&t, dir)?;
        srtlog_report::output::write_atomic(report, html.as_bytes())
            .with_context(|| format!("writing {}", report.display()))?;
        if !quiet {
            let _ = writeln!(std::io::stderr(), "wrote {}", report.display());
        }
    }
    if !quiet && (a.json || a.csv) {
        for p in &t.problems {
            let _ = writeln!(
                std::io::stderr(),
                "warning: {}: {}: {}",
                p.file.display(),
                p.code,
                p.detail
            );
        }
    }
    if t.t_s.is_empty() {
        let _ = writeln!(
            std::io::stderr(),
            "error: {}: fewer than two usable scrapes",
            dir.display()
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn interval_csv(t: &IntervalTable) -> String {
    let mut s = String::from("t_s,dt_s,resets");
    for c in &t.columns {
        s.push(',');
        s.push_str(&csv_field(&c.name));
    }
    s.push('\n');
    for i in 0..t.t_s.len() {
        s.push_str(&format!("{},{},{}", t.t_s[i], t.dt_s[i], t.resets[i]));
        for c in &t.columns {
            s.push(',');
            s.push_str(&csv_num(c.values[i]));
        }
        s.push('\n');
    }
    s
}

fn interval_text(t: &IntervalTable) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let resets = t.resets.iter().filter(|&&r| r > 0).count();
    let _ = writeln!(
        s,
        "{} scrapes, {} intervals over {:.3}s, {} with a counter reset (server restart?)\n",
        t.files.len(),
        t.t_s.len(),
        t.t_s.last().copied().unwrap_or(0.0),
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
    for c in &t.columns {
        let v: Vec<f64> = c.values.iter().flatten().copied().collect();
        if v.is_empty() || v.iter().all(|x| *x == 0.0) {
            continue;
        }
        let sm = srtlog::stats::Summary::of(&v);
        let last = v.last().copied().unwrap_or(f64::NAN);
        let _ = writeln!(
            s,
            "{:<width$} {:>6} {:>14.6} {:>14.6} {:>14.6} {:>14.6}",
            c.name, sm.count, sm.mean, sm.min, sm.max, last
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

/// Arguments of `srtlog simulate-snapshots`.
#[derive(Debug, Args)]
#[command(after_help = SIM_EXAMPLES)]
pub struct SimulateSnapshotsArgs {
    /// Folder to write (created if missing).
    pub out: PathBuf,
    /// Requests (one before/after pair each), or scrapes with --interval.
    #[arg(long, default_value_t = 5)]
    pub requests: usize,
    /// Metric names of this server.
    #[arg(long, value_enum, default_value_t = SimBackend::VllmV1)]
    pub backend: SimBackend,
    /// Every N-th request runs together with the next one (overlapping windows); 0: never.
    #[arg(long, default_value_t = 0)]
    pub overlap_every: usize,
    /// Periodic scrapes (`metrics_{time}.txt`, 1 s apart, 4 requests finishing between
    /// scrapes, a server restart in the middle) instead of before/after pairs.
    #[arg(long)]
    pub interval: bool,
    /// Random seed.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
}

/// Server generation of simulated metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SimBackend {
    /// vLLM V1 (0.10+).
    VllmV1,
    /// vLLM V0.
    VllmV0,
    /// SGLang.
    Sglang,
}

const SIM_EXAMPLES: &str = "Examples:
  srtlog simulate-snapshots /tmp/snaps --requests 20 --overlap-every 5
  srtlog snapshots /tmp/snaps
  srtlog simulate-snapshots /tmp/scrapes --interval --requests 120 --backend sglang
  srtlog snapshots /tmp/scrapes --interval --report scrapes.html

Writes Prometheus text 0.0.4 the way prometheus_client renders it, and prints the truth
of every request (JSON lines on stdout) so that `srtlog snapshots` can be checked.";

/// Runs `srtlog simulate-snapshots`.
pub fn simulate(a: SimulateSnapshotsArgs, quiet: bool) -> Result<ExitCode> {
    use srtlog_sim::metrics::{
        write_interval_folder, write_snapshot_folder, MetricsBackend, SnapshotSimConfig,
    };
    let backend = match a.backend {
        SimBackend::VllmV1 => MetricsBackend::VllmV1,
        SimBackend::VllmV0 => MetricsBackend::VllmV0,
        SimBackend::Sglang => MetricsBackend::Sglang,
    };
    let mut out = std::io::stdout().lock();
    if a.interval {
        let n = a.requests.max(2);
        let per = write_interval_folder(&a.out, backend, n, 1_000_000, 4, Some(n / 2), a.seed)
            .with_context(|| format!("writing {}", a.out.display()))?;
        if !quiet {
            let _ = writeln!(
                std::io::stderr(),
                "wrote {n} scrapes ({} requests) to {}",
                per.iter().map(Vec::len).sum::<usize>(),
                a.out.display()
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let cfg = SnapshotSimConfig {
        requests: a.requests,
        backend,
        overlap_every: a.overlap_every,
        seed: a.seed,
        ..SnapshotSimConfig::default()
    };
    let truth = write_snapshot_folder(&a.out, &cfg)
        .with_context(|| format!("writing {}", a.out.display()))?;
    for t in &truth {
        let line = serde_json::json!({
            "request_id": t.request_id, "queue_time_s": t.queue_s, "prefill_time_s": t.prefill_s,
            "decode_time_s": t.decode_s, "ttft_s": t.ttft_s, "e2e_latency_s": t.e2e_s,
            "prompt_tokens": t.prompt_tokens, "generation_tokens": t.generation_tokens,
            "overlapped": t.overlapped,
        });
        writeln!(out, "{line}")?;
    }
    if !quiet {
        let _ = writeln!(
            std::io::stderr(),
            "wrote {} request(s), {} snapshot files, to {}",
            truth.len(),
            2 * truth.len(),
            a.out.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
