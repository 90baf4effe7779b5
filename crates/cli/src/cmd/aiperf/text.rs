//! The text report of `srtlog aiperf`: the sections of the AIPerf trace
//! analysis (same headings and units as `analyze_trace_data.py`), and the
//! sweep table. Pure formatting of [`srtlog::aiperf::Analysis`].

use srtlog::aiperf::{Analysis, Dist, Kind, SweepRow, Verdict};
use srtlog_report::table::{Align, BoxTable};
use srtlog_report::text::{format_in, format_unit, group, Unit};
use std::fmt::Write as _;

const RULE: &str =
    "================================================================================";

fn section(o: &mut String, title: &str) {
    let _ = write!(o, "\n{RULE}\n  {title}\n{RULE}\n");
}

fn kv(o: &mut String, label: &str, value: impl std::fmt::Display) {
    let _ = writeln!(o, "  {:<28}{:>15}", format!("{label}:"), value.to_string());
}

fn n(v: u64) -> String {
    group(i64::try_from(v).unwrap_or(i64::MAX))
}

/// A value of a distribution in its reading unit (the output layer's
/// [`format_in`], as the HTML report shows it).
fn format_kind(kind: Kind, v: f64) -> String {
    let unit = match kind {
        Kind::Millis => Unit::Millis,
        Kind::Bytes => Unit::Bytes,
        Kind::Number => Unit::Number,
    };
    format_in(unit, v)
}

fn opt(kind: Kind, v: Option<f64>) -> String {
    v.map_or_else(|| "N/A".into(), |v| format_kind(kind, v))
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "N/A".into(), |v| format_unit(v * 100.0, 1, "%"))
}

/// One distribution table: min, max, mean, p50, p90, p95, p99 (and total).
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

const ICL_FALLBACK: &str =
    "  Inter-chunk latency from AIPerf's own inter_chunk_latency (per SSE message) instead:\n";

const NO_TRACE: &str =
    "  No trace data in these records (AIPerf writes it with --export-http-trace).\n";

/// The text report of one run.
pub fn render_text(a: &Analysis) -> String {
    let mut o = String::new();
    overview(&mut o, a);
    network(&mut o, a);
    tokens(&mut o, a);
    correlation(&mut o, a);
    insights(&mut o, a);
    aiperf_metrics(&mut o, a);
    input(&mut o, a);
    o
}

fn overview(o: &mut String, a: &Analysis) {
    let ov = &a.overview;
    let _ = writeln!(o, "AIPerf trace analysis: {}", a.name);
    section(o, "OVERVIEW");
    kv(o, "Total records", n(ov.records));
    let share = if ov.records > 0 {
        ov.with_trace as f64 / ov.records as f64 * 100.0
    } else {
        0.0
    };
    kv(
        o,
        "Records with trace data",
        format!("{} ({share:.1}%)", n(ov.with_trace)),
    );
    kv(o, "Streaming requests", n(ov.streaming));
    kv(o, "Non-streaming requests", n(ov.non_streaming));
    kv(o, "Failed records", n(ov.errors));
    kv(o, "  of which cancelled", n(ov.cancelled));
    for (t, c) in &ov.error_types {
        kv(o, &format!("  {t}"), n(*c));
    }
    kv(o, "Warm-up records excluded", n(ov.warmup_excluded));
    for (l, c) in &ov.trace_layouts {
        kv(o, &format!("Trace layout {l}"), n(*c));
    }
}

/// Connections, DNS, send time, TTFB, streaming and bandwidth: the
/// sections that need trace data.
fn network(o: &mut String, a: &Analysis) {
    let traced = a.overview.with_trace > 0;
    let sections: [(&str, &[Dist]); 6] = [
        (
            "CONNECTION STATISTICS",
            &[Dist::ConnectMs, Dist::PoolWaitMs],
        ),
        ("DNS STATISTICS", &[Dist::DnsMs]),
        ("REQUEST TIMING - SEND TIME", &[Dist::SendingMs]),
        (
            "RESPONSE TIMING - TIME TO FIRST BYTE (TTFB)",
            &[Dist::TtfbMs, Dist::TtlbMs],
        ),
        ("STREAMING STATISTICS", &[]),
        ("BANDWIDTH", &[]),
    ];
    for (title, dists) in sections {
        section(o, title);
        if !traced {
            o.push_str(NO_TRACE);
            if title == "STREAMING STATISTICS" && a.dist(Dist::AiperfIcl).is_some() {
                // AIPerf's own per-SSE-message latencies are in the records
                // even without a trace: shown, with their source named.
                o.push_str(ICL_FALLBACK);
                table(o, a, Dist::AiperfIcl, false);
            }
            continue;
        }
        match title {
            "CONNECTION STATISTICS" => {
                kv(o, "Connections created", n(a.connections.created));
                kv(o, "Connections reused", n(a.connections.reused));
                kv(o, "Connection reuse rate", pct(a.connections.reuse_rate));
            }
            "DNS STATISTICS" => {
                kv(o, "DNS resolutions performed", n(a.dns.lookups));
                kv(o, "DNS cache hits", n(a.dns.cache_hits));
                kv(o, "DNS cache hit rate", pct(a.dns.hit_rate));
            }
            "STREAMING STATISTICS" => {
                table(o, a, Dist::ChunksPerRequest, false);
                if a.dist(Dist::InterChunkMs).is_none() {
                    o.push_str("\nInter-Chunk Latency (ICL): no chunk timestamps (the export has chunk counts only)\n");
                    if a.dist(Dist::AiperfIcl).is_some() {
                        o.push_str(ICL_FALLBACK);
                        table(o, a, Dist::AiperfIcl, false);
                    }
                } else {
                    table(o, a, Dist::InterChunkMs, false);
                    table(o, a, Dist::ChunkBytes, false);
                }
            }
            "BANDWIDTH" => {
                table(o, a, Dist::RequestBytes, true);
                table(o, a, Dist::ResponseBytes, true);
                table(o, a, Dist::ReceivingMs, false);
            }
            _ => {}
        }
        for d in dists {
            table(o, a, *d, false);
        }
    }
}

fn tokens(o: &mut String, a: &Analysis) {
    let traced = a.overview.with_trace > 0;
    section(o, "TOKEN ANALYTICS");
    if !traced {
        o.push_str("  (no trace data: generation time is AIPerf's request_latency)\n");
    }
    table(o, a, Dist::InputTokens, true);
    table(o, a, Dist::OutputTokens, true);
    table(o, a, Dist::TokensPerSecond, false);
    table(o, a, Dist::TimePerTokenMs, false);
    if traced {
        table(o, a, Dist::BytesPerToken, false);
        table(o, a, Dist::ChunksPerToken, false);
        table(o, a, Dist::TokensPerChunk, false);
    }
}

fn kv4(o: &mut String, label: &str, v: String) {
    let _ = writeln!(o, "    {:<30}{:>13}", format!("{label}:"), v);
}

fn correlation(o: &mut String, a: &Analysis) {
    let c = &a.correlation;
    section(o, "TOKEN-TO-RESPONSE CORRELATION");
    o.push_str("\n  Token Generation Performance:\n");
    kv4(
        o,
        "Avg tokens/second",
        opt(Kind::Number, c.avg_tokens_per_second),
    );
    kv4(
        o,
        "Avg time/token",
        opt(Kind::Millis, c.avg_time_per_token_ms),
    );
    o.push_str("\n  Streaming Characteristics:\n");
    kv4(
        o,
        "Avg output tokens",
        opt(Kind::Number, c.avg_output_tokens),
    );
    kv4(
        o,
        "Avg inter-chunk latency",
        opt(Kind::Millis, c.avg_inter_chunk_latency_ms),
    );
    if c.inter_chunk_latency_source == Some(Dist::AiperfIcl.name()) {
        o.push_str("      (from AIPerf's per-SSE-message inter_chunk_latency: the records have no trace)\n");
    }
    kv4(
        o,
        "Avg chunks per token",
        c.avg_chunks_per_token
            .map_or("N/A".into(), |v| format_unit(v, 3, "")),
    );
    kv4(
        o,
        "Avg tokens per chunk",
        c.avg_tokens_per_chunk
            .map_or("N/A".into(), |v| format_unit(v, 2, "")),
    );
    o.push_str("\n  Network Efficiency:\n");
    kv4(
        o,
        "Avg bytes per token",
        opt(Kind::Bytes, c.avg_bytes_per_token),
    );
    kv4(
        o,
        "Total response bytes",
        opt(Kind::Bytes, c.total_response_bytes),
    );
    kv4(
        o,
        "Total output tokens",
        opt(Kind::Number, c.total_output_tokens),
    );
    kv4(
        o,
        "Overall bytes/token",
        opt(Kind::Bytes, c.overall_bytes_per_token),
    );
    section(o, "NETWORK EFFICIENCY INSIGHTS");
    o.push_str("\n  Average breakdown:\n");
    kv4(
        o,
        "Server processing + TTFB",
        opt(Kind::Millis, c.avg_processing_ms),
    );
    kv4(
        o,
        "Network transfer time",
        opt(Kind::Millis, c.avg_transfer_ms),
    );
    kv4(
        o,
        "Transfer/Processing ratio",
        c.transfer_processing_ratio
            .map_or("N/A".into(), |r| format_unit(r, 2, "x")),
    );
}

fn insights(o: &mut String, a: &Analysis) {
    section(o, "KEY INSIGHTS");
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
}

fn aiperf_metrics(o: &mut String, a: &Analysis) {
    section(o, "AIPERF METRICS (recomputed from the records)");
    for d in [
        Dist::Ttft,
        Dist::Ttst,
        Dist::Itl,
        Dist::RequestLatency,
        Dist::AiperfIcl,
        Dist::TokensPerSecondPerUser,
    ] {
        if a.dist(d).is_some() {
            table(o, a, d, false);
        }
    }
    o.push('\n');
    kv(
        o,
        "Benchmark duration",
        a.duration_s
            .map_or("N/A".into(), |d| format_unit(d, 2, "s")),
    );
    kv(
        o,
        "Request throughput",
        a.request_throughput
            .map_or("N/A".into(), |v| format_unit(v, 2, " req/s")),
    );
    kv(
        o,
        "Output token throughput",
        a.output_token_throughput
            .map_or("N/A".into(), |v| format_unit(v, 2, " tok/s")),
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
}

fn input(o: &mut String, a: &Analysis) {
    let i = &a.input;
    section(o, "INPUT");
    kv(o, "Lines", n(i.lines));
    kv(o, "AIPerf records", n(i.records));
    kv(o, "Lines not JSON", n(i.bad_json));
    kv(o, "JSON lines not records", n(i.not_aiperf.values().sum()));
    kv(
        o,
        "Truncated last line",
        if i.truncated_last_line { "yes" } else { "no" },
    );
    kv(o, "Records with null metrics", n(i.with_nulls));
    for (k, v) in &i.bad_fields {
        kv(o, &format!("Bad field {k}"), n(*v));
    }
    for (k, v) in &i.excluded_values {
        kv(o, &format!("Excluded {k} (inf/negative)"), n(*v));
    }
    for (k, v) in &a.artifacts {
        let _ = writeln!(o, "  {k}: {v}");
    }
}

fn f2(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |v| format_unit(v, 2, ""))
}

/// The sweep table.
pub fn render_sweep(runs: &[Analysis]) -> String {
    let rows: Vec<SweepRow> = srtlog::aiperf::sweep::sweep_rows(runs.iter());
    let header = [
        "Run",
        "Concurrency",
        "Rate",
        "Load from",
        "Group",
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
                    if r.pareto_latency || r.pareto_per_gpu {
                        format!("{} ◆", r.run)
                    } else {
                        r.run.clone()
                    },
                    r.concurrency.map_or("-".into(), |c| format!("{c}")),
                    r.request_rate.map_or("-".into(), |c| format!("{c}")),
                    r.load_source.clone().unwrap_or_else(|| "-".into()),
                    r.group.map_or("-".into(), |g| (g + 1).to_string()),
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
    let mut out = t.render();
    out.push_str(
        "Group: runs whose configuration differs in load alone (a sweep of one variable); \
         ◆: on a Pareto frontier (throughput against latency, or per GPU against per user).\n",
    );
    out
}
