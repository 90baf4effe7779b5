//! `srtlog aiperf`: AIPerf HTTP trace and token analysis, and
//! `srtlog simulate-aiperf` (a simulated export for tests and benchmarks).
//!
//! The analysis is [`srtlog::aiperf`]; this module renders it: the seed's
//! text sections (same headings and units), `--json` (the whole
//! [`srtlog::aiperf::Analysis`]), `--csv` (the per-request table) and
//! `-o report.html` ([`srtlog_report::aiperf`]).
//!
//! JSON wire format (stable; new keys may be added): one run is
//! `{ "name", "files", "input", "overview": {records, with_trace, errors,
//! cancelled, streaming, non_streaming, warmup_excluded, error_types,
//! trace_layouts}, "connections": {created, reused, reuse_rate}, "dns",
//! "distributions": {name: {unit, count, min, max, mean, p50, p90, p95, p99,
//! total, std}}, "correlation", "findings": [{rule, value, display, verdict,
//! message}], "request_throughput", "output_token_throughput",
//! "summary_comparison": [...], ... }`; a sweep is `{ "sweep": [rows],
//! "runs": [runs] }`. NaN is written as `null`.

use crate::render::{Align, BoxTable};
use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use srtlog::aiperf::{
    analyze_path, format_kind, AiperfError, AiperfOptions, Analysis, Dist, Kind, Outcome, SweepRow,
    Verdict,
};
use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

/// Arguments of `srtlog aiperf`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  srtlog aiperf artifacts/my-run/profile_export.jsonl
  srtlog aiperf artifacts/my-run/                 # also reads the summary, inputs.json, GPU telemetry
  srtlog aiperf artifacts/                        # several runs: a sweep table
  srtlog aiperf run/ --json > analysis.json
  srtlog aiperf run/ --csv requests.csv -o report.html")]
pub struct AiperfArgs {
    /// A profile_export.jsonl, an AIPerf artifact folder, or a folder of runs.
    pub path: PathBuf,
    /// Print every figure as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Write the per-request table as CSV (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Write a self-contained HTML report (distributions, per-request timeline).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Keep warm-up records (excluded by default).
    #[arg(long)]
    pub include_warmup: bool,
}

/// Layout of a simulated export.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LayoutArg {
    /// Released `request_chunks`/`response_chunks` pairs.
    Released,
    /// Prototype parallel arrays.
    ParallelArrays,
    /// The prototype analysis script's keys.
    Script,
    /// No trace data.
    None,
}

/// Arguments of `srtlog simulate-aiperf`.
#[derive(Debug, Args)]
pub struct SimulateAiperfArgs {
    /// Output file (a `profile_export.jsonl`).
    pub out: PathBuf,
    /// Number of records.
    #[arg(long, default_value_t = 1000, conflicts_with = "size")]
    pub records: u64,
    /// Approximate size instead (`500MB`, `1GB`).
    #[arg(long, value_parser = crate::args::parse_size)]
    pub size: Option<u64>,
    /// Trace-data layout.
    #[arg(long, value_enum, default_value_t = LayoutArg::Released)]
    pub layout: LayoutArg,
    /// Concurrent connections.
    #[arg(long, default_value_t = 8)]
    pub concurrency: u32,
    /// Mean output tokens per request.
    #[arg(long, default_value_t = 128)]
    pub output_tokens: u32,
    /// Cancel every n-th request (0: never).
    #[arg(long, default_value_t = 50)]
    pub cancel_every: u64,
    /// Random seed.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

/// Runs `srtlog simulate-aiperf`.
pub fn simulate(a: SimulateAiperfArgs, quiet: bool) -> Result<ExitCode> {
    use srtlog_sim::aiperf::{write_aiperf_export, AiperfConfig, TraceLayout};
    let cfg = AiperfConfig {
        records: a.records,
        target_bytes: a.size,
        layout: match a.layout {
            LayoutArg::Released => TraceLayout::Released,
            LayoutArg::ParallelArrays => TraceLayout::ParallelArrays,
            LayoutArg::Script => TraceLayout::Script,
            LayoutArg::None => TraceLayout::None,
        },
        concurrency: a.concurrency,
        warmup: u64::from(a.concurrency),
        cancel_every: a.cancel_every,
        output_tokens: a.output_tokens,
        seed: a.seed,
    };
    let t = write_aiperf_export(&a.out, &cfg)
        .with_context(|| format!("writing {}", a.out.display()))?;
    if !quiet {
        eprintln!(
            "wrote {} ({} records, {} bytes: {} warm-up, {} cancelled)",
            a.out.display(),
            t.records,
            t.bytes,
            t.warmup,
            t.cancelled
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `srtlog aiperf`.
pub fn run(a: AiperfArgs, quiet: bool) -> Result<ExitCode> {
    let opts = AiperfOptions {
        include_warmup: a.include_warmup,
        rows: a.csv.is_some() || a.output.is_some(),
    };
    let total = super::parse::dir_size(&a.path);
    let counter = Arc::new(AtomicU64::new(0));
    let bar = crate::progress::Progress::start(total, counter.clone(), quiet || a.json, "reading");
    let started = std::time::Instant::now();
    let outcome = analyze_path(&a.path, opts, &counter);
    bar.finish();
    tracing::info!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "aiperf analysis finished"
    );
    let outcome = match outcome {
        Ok(o) => o,
        Err(e @ AiperfError::NotFound(_)) => {
            let _ = writeln!(std::io::stderr(), "error: {e}");
            return Ok(ExitCode::from(2));
        }
        Err(e) => return Err(e.into()),
    };
    let runs: Vec<&Analysis> = match &outcome {
        Outcome::Run(r) => vec![r.as_ref()],
        Outcome::Sweep(v) => v.iter().collect(),
    };
    for r in &runs {
        warn(r, quiet);
    }
    if let Some(csv) = &a.csv {
        write_csv(csv, &runs)?;
    }
    if let Some(out) = &a.output {
        let html = srtlog_report::aiperf::render_aiperf_html(&runs)?;
        srtlog_report::output::write_atomic(out, html.as_bytes())?;
        if !quiet {
            eprintln!("wrote {}", out.display());
        }
    }
    let mut stdout = std::io::stdout().lock();
    let csv_on_stdout = a.csv.as_deref() == Some(std::path::Path::new("-"));
    if a.json {
        let v = match &outcome {
            Outcome::Run(r) => serde_json::to_value(r.as_ref())?,
            Outcome::Sweep(v) => serde_json::json!({
                "sweep": v.iter().map(SweepRow::of).collect::<Vec<_>>(),
                "runs": v,
            }),
        };
        serde_json::to_writer_pretty(&mut stdout, &v)?;
        writeln!(stdout)?;
    } else if !csv_on_stdout {
        let text = match &outcome {
            Outcome::Run(r) => render_text(r),
            Outcome::Sweep(v) => render_sweep(v),
        };
        stdout.write_all(text.as_bytes())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Bad lines and mismatches go to stderr, counted.
fn warn(a: &Analysis, quiet: bool) {
    let i = &a.input;
    let not: u64 = i.not_aiperf.values().sum();
    if (i.bad_json > 0 || not > 0 || i.truncated_last_line) && !quiet {
        eprintln!(
            "warning: {}: {} line(s) not JSON, {} JSON line(s) not AIPerf records{}",
            a.name,
            i.bad_json,
            not,
            if i.truncated_last_line {
                ", truncated last line"
            } else {
                ""
            }
        );
        for b in &i.bad_examples {
            eprintln!("  line {}: {}", b.line, b.message);
        }
    }
}

const RULE: &str =
    "================================================================================";

fn section(o: &mut String, title: &str) {
    let _ = write!(o, "\n{RULE}\n  {title}\n{RULE}\n");
}

fn kv(o: &mut String, label: &str, value: impl std::fmt::Display) {
    let _ = writeln!(o, "  {:<28}{:>15}", format!("{label}:"), value.to_string());
}

fn n(v: u64) -> String {
    srtlog::aiperf::dist::group(v as i64)
}

fn opt(kind: Kind, v: Option<f64>) -> String {
    v.map_or_else(|| "N/A".into(), |v| format_kind(kind, v))
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "N/A".into(), |v| format!("{:.1}%", v * 100.0))
}

/// One distribution table in the seed's layout.
fn table(o: &mut String, a: &Analysis, d: Dist, total: bool) {
    let Some(s) = a.dist(d) else {
        let _ = writeln!(o, "\n{}: No data available", d.title());
        return;
    };
    let k = d.kind();
    let _ = write!(
        o,
        "\n{} [{} values]:\n  {:<30} {:>15}\n  {} {}\n",
        d.title(),
        n(s.count),
        "Metric",
        "Value",
        "-".repeat(30),
        "-".repeat(15)
    );
    let mut rows = vec![
        ("Min", s.min),
        ("Max", s.max),
        ("Mean", s.mean),
        ("Median (p50)", s.p50),
        ("p90", s.p90),
        ("p95", s.p95),
        ("p99", s.p99),
    ];
    if total {
        rows.push(("Total", s.total));
    }
    for (label, v) in rows {
        let _ = writeln!(o, "  {label:<30} {:>15}", format_kind(k, v));
    }
}

const NO_TRACE: &str =
    "  No trace data in these records (AIPerf writes it with --export-http-trace).\n";

/// The seed's text report of one run.
pub fn render_text(a: &Analysis) -> String {
    let mut o = String::new();
    let ov = &a.overview;
    let _ = writeln!(o, "AIPerf trace analysis: {}", a.name);
    section(&mut o, "OVERVIEW");
    kv(&mut o, "Total records", n(ov.records));
    let share = if ov.records > 0 {
        ov.with_trace as f64 / ov.records as f64 * 100.0
    } else {
        0.0
    };
    kv(
        &mut o,
        "Records with trace data",
        format!("{} ({share:.1}%)", n(ov.with_trace)),
    );
    kv(&mut o, "Streaming requests", n(ov.streaming));
    kv(&mut o, "Non-streaming requests", n(ov.non_streaming));
    kv(&mut o, "Failed records", n(ov.errors));
    kv(&mut o, "  of which cancelled", n(ov.cancelled));
    for (t, c) in &ov.error_types {
        kv(&mut o, &format!("  {t}"), n(*c));
    }
    kv(&mut o, "Warm-up records excluded", n(ov.warmup_excluded));
    for (l, c) in &ov.trace_layouts {
        kv(&mut o, &format!("Trace layout {l}"), n(*c));
    }
    let traced = ov.with_trace > 0;

    section(&mut o, "CONNECTION STATISTICS");
    if traced {
        kv(&mut o, "Connections created", n(a.connections.created));
        kv(&mut o, "Connections reused", n(a.connections.reused));
        kv(
            &mut o,
            "Connection reuse rate",
            pct(a.connections.reuse_rate),
        );
        table(&mut o, a, Dist::ConnectMs, false);
        table(&mut o, a, Dist::PoolWaitMs, false);
    } else {
        o.push_str(NO_TRACE);
    }
    section(&mut o, "DNS STATISTICS");
    if traced {
        kv(&mut o, "DNS resolutions performed", n(a.dns.lookups));
        kv(&mut o, "DNS cache hits", n(a.dns.cache_hits));
        kv(&mut o, "DNS cache hit rate", pct(a.dns.hit_rate));
        table(&mut o, a, Dist::DnsMs, false);
    } else {
        o.push_str(NO_TRACE);
    }
    section(&mut o, "REQUEST TIMING - SEND TIME");
    if traced {
        table(&mut o, a, Dist::SendingMs, false)
    } else {
        o.push_str(NO_TRACE)
    }
    section(&mut o, "RESPONSE TIMING - TIME TO FIRST BYTE (TTFB)");
    if traced {
        table(&mut o, a, Dist::TtfbMs, false);
        table(&mut o, a, Dist::TtlbMs, false);
    } else {
        o.push_str(NO_TRACE);
    }
    section(&mut o, "STREAMING STATISTICS");
    if traced {
        table(&mut o, a, Dist::ChunksPerRequest, false);
        if a.dist(Dist::InterChunkMs).is_none() {
            o.push_str("\nInter-Chunk Latency (ICL): no chunk timestamps (the export has chunk counts only)\n");
        } else {
            table(&mut o, a, Dist::InterChunkMs, false);
            table(&mut o, a, Dist::ChunkBytes, false);
        }
    } else {
        o.push_str(NO_TRACE);
    }
    section(&mut o, "BANDWIDTH");
    if traced {
        table(&mut o, a, Dist::RequestBytes, true);
        table(&mut o, a, Dist::ResponseBytes, true);
        table(&mut o, a, Dist::ReceivingMs, false);
    } else {
        o.push_str(NO_TRACE);
    }
    section(&mut o, "TOKEN ANALYTICS");
    if !traced {
        o.push_str("  (no trace data: generation time is AIPerf's request_latency)\n");
    }
    table(&mut o, a, Dist::InputTokens, true);
    table(&mut o, a, Dist::OutputTokens, true);
    table(&mut o, a, Dist::TokensPerSecond, false);
    table(&mut o, a, Dist::TimePerTokenMs, false);
    if traced {
        table(&mut o, a, Dist::BytesPerToken, false);
        table(&mut o, a, Dist::ChunksPerToken, false);
        table(&mut o, a, Dist::TokensPerChunk, false);
    }
    let c = &a.correlation;
    section(&mut o, "TOKEN-TO-RESPONSE CORRELATION");
    let kv4 = |o: &mut String, label: &str, v: String| {
        let _ = writeln!(o, "    {:<30}{:>13}", format!("{label}:"), v);
    };
    o.push_str("\n  Token Generation Performance:\n");
    kv4(
        &mut o,
        "Avg tokens/second",
        opt(Kind::Number, c.avg_tokens_per_second),
    );
    kv4(
        &mut o,
        "Avg time/token",
        opt(Kind::Millis, c.avg_time_per_token_ms),
    );
    o.push_str("\n  Streaming Characteristics:\n");
    kv4(
        &mut o,
        "Avg output tokens",
        opt(Kind::Number, c.avg_output_tokens),
    );
    kv4(
        &mut o,
        "Avg inter-chunk latency",
        opt(Kind::Millis, c.avg_inter_chunk_latency_ms),
    );
    kv4(
        &mut o,
        "Avg chunks per token",
        c.avg_chunks_per_token
            .map_or("N/A".into(), |v| format!("{v:.3}")),
    );
    kv4(
        &mut o,
        "Avg tokens per chunk",
        c.avg_tokens_per_chunk
            .map_or("N/A".into(), |v| format!("{v:.2}")),
    );
    o.push_str("\n  Network Efficiency:\n");
    kv4(
        &mut o,
        "Avg bytes per token",
        opt(Kind::Bytes, c.avg_bytes_per_token),
    );
    kv4(
        &mut o,
        "Total response bytes",
        opt(Kind::Bytes, c.total_response_bytes),
    );
    kv4(
        &mut o,
        "Total output tokens",
        opt(Kind::Number, c.total_output_tokens),
    );
    kv4(
        &mut o,
        "Overall bytes/token",
        opt(Kind::Bytes, c.overall_bytes_per_token),
    );
    section(&mut o, "NETWORK EFFICIENCY INSIGHTS");
    o.push_str("\n  Average breakdown:\n");
    kv4(
        &mut o,
        "Server processing + TTFB",
        opt(Kind::Millis, c.avg_processing_ms),
    );
    kv4(
        &mut o,
        "Network transfer time",
        opt(Kind::Millis, c.avg_transfer_ms),
    );
    kv4(
        &mut o,
        "Transfer/Processing ratio",
        c.transfer_processing_ratio
            .map_or("N/A".into(), |r| format!("{r:.2}x")),
    );
    section(&mut o, "KEY INSIGHTS");
    if a.findings.is_empty() {
        o.push_str("  No rule applies (no trace data and no token counts).\n");
    }
    for f in &a.findings {
        let mark = match f.verdict {
            Verdict::Good => "[ok]  ",
            Verdict::Info => "[info]",
            Verdict::Warn => "[warn]",
        };
        let _ = writeln!(o, "  {mark} {}: {} - {}", f.rule, f.display, f.message);
    }
    section(&mut o, "AIPERF METRICS (recomputed from the records)");
    for d in [
        Dist::Ttft,
        Dist::Ttst,
        Dist::Itl,
        Dist::RequestLatency,
        Dist::AiperfIcl,
        Dist::TokensPerSecondPerUser,
    ] {
        if a.dist(d).is_some() {
            table(&mut o, a, d, false);
        }
    }
    o.push('\n');
    kv(
        &mut o,
        "Benchmark duration",
        a.duration_s.map_or("N/A".into(), |d| format!("{d:.2}s")),
    );
    kv(
        &mut o,
        "Request throughput",
        a.request_throughput
            .map_or("N/A".into(), |v| format!("{v:.2} req/s")),
    );
    kv(
        &mut o,
        "Output token throughput",
        a.output_token_throughput
            .map_or("N/A".into(), |v| format!("{v:.2} tok/s")),
    );
    if let Some(layout) = a.summary_layout {
        let bad: Vec<_> = a.mismatches().collect();
        let _ = writeln!(
            o,
            "\n  Compared with the run's summary ({layout}): {} statistics, {} beyond rounding.",
            a.summary_comparison.len(),
            bad.len()
        );
        for c in bad.iter().take(20) {
            let _ = writeln!(
                o,
                "    {} {}: recomputed {:.4}, summary {:.4} (difference {:+.4})",
                c.metric, c.stat, c.recomputed, c.summary, c.difference
            );
        }
        if bad.len() > 20 {
            let _ = writeln!(o, "    ... and {} more (see --json)", bad.len() - 20);
        }
    }
    let i = &a.input;
    section(&mut o, "INPUT");
    kv(&mut o, "Lines", n(i.lines));
    kv(&mut o, "AIPerf records", n(i.records));
    kv(&mut o, "Lines not JSON", n(i.bad_json));
    kv(
        &mut o,
        "JSON lines not records",
        n(i.not_aiperf.values().sum()),
    );
    kv(
        &mut o,
        "Truncated last line",
        if i.truncated_last_line { "yes" } else { "no" },
    );
    kv(&mut o, "Records with null metrics", n(i.with_nulls));
    for (k, v) in &a.artifacts {
        let _ = writeln!(o, "  {k}: {v}");
    }
    o
}

fn f2(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |v| format!("{v:.2}"))
}

/// The sweep table.
pub fn render_sweep(runs: &[Analysis]) -> String {
    let rows: Vec<SweepRow> = runs.iter().map(SweepRow::of).collect();
    let header = [
        "Run",
        "Concurrency",
        "Rate",
        "Records",
        "Errors",
        "Req/s",
        "Out tok/s",
        "TTFT p50 ms",
        "TTFT p99 ms",
        "ITL p50 ms",
        "ITL p99 ms",
        "Tok/s/user",
    ];
    let t = BoxTable {
        title: Some(format!("AIPerf sweep: {} runs", rows.len())),
        header: header.iter().map(|s| s.to_string()).collect(),
        align: std::iter::once(Align::Left)
            .chain(std::iter::repeat(Align::Right))
            .take(header.len())
            .collect(),
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    r.run.clone(),
                    r.concurrency.map_or("-".into(), |c| format!("{c}")),
                    r.request_rate.map_or("-".into(), |c| format!("{c}")),
                    n(r.records),
                    n(r.errors),
                    f2(r.request_throughput),
                    f2(r.output_token_throughput),
                    f2(r.ttft_p50_ms),
                    f2(r.ttft_p99_ms),
                    f2(r.itl_p50_ms),
                    f2(r.itl_p99_ms),
                    f2(r.tokens_per_s_per_user),
                ]
            })
            .collect(),
        footer: Vec::new(),
    };
    t.render()
}

fn csv_num(v: f64) -> String {
    if v.is_nan() {
        String::new()
    } else {
        format!("{v}")
    }
}

fn write_csv(path: &std::path::Path, runs: &[&Analysis]) -> Result<()> {
    let mut s = String::from("run,request_id,start_ns,status,warmup,ttft_ms,request_latency_ms,inter_token_latency_ms,input_tokens,output_tokens,send_ms,ttfb_ms,ttlb_ms,chunks,response_bytes,connection_reused\n");
    for a in runs {
        for r in &a.rows {
            let quote = |x: &str| {
                if x.contains([',', '"', '\n']) {
                    format!("\"{}\"", x.replace('"', "\"\""))
                } else {
                    x.to_string()
                }
            };
            let _ = writeln!(
                s,
                "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
                quote(&a.name),
                quote(&r.request_id),
                r.start_ns.map_or(String::new(), |v| v.to_string()),
                quote(&r.status),
                r.warmup,
                csv_num(r.ttft_ms),
                csv_num(r.request_latency_ms),
                csv_num(r.inter_token_latency_ms),
                csv_num(r.input_tokens),
                csv_num(r.output_tokens),
                csv_num(r.send_ms),
                csv_num(r.ttfb_ms),
                csv_num(r.ttlb_ms),
                csv_num(r.chunks),
                csv_num(r.response_bytes),
                csv_num(r.connection_reused),
            );
        }
    }
    if path == std::path::Path::new("-") {
        std::io::stdout().lock().write_all(s.as_bytes())?;
    } else {
        srtlog_report::output::write_atomic(path, s.as_bytes())?;
    }
    Ok(())
}
