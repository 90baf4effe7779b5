//! The HTML report of `srtlog aiperf`: one self-contained file with the
//! same content as the text report (overview, connections, DNS, every
//! distribution, token correlation, key-insight findings, the comparison
//! with AIPerf's summary), plus charts drawn by uPlot in the browser: the
//! per-request timeline (TTFT, latency, TTFB against start time), the
//! cumulative distributions of those per-request values, and for a sweep
//! throughput and TTFT/ITL against load.
//!
//! Offline like the `viz` report, in the same page shell ([`crate::page`]):
//! uPlot is inlined, the CSP forbids any fetch, and `assets/aiperf.js`
//! writes the `srtlog-rendered` self-check (charts drawn, points per series,
//! resources, errors) through `page.js`, which the browser tests read. Timeline points are capped at [`MAX_ROWS`] per run (every
//! k-th request) so a run of millions of requests still opens quickly; the
//! tables always describe every request.

use crate::page::{charts_host, escape, generator, script_json, Page};
use crate::text::{format_fixed, format_in, group, Unit};
use crate::ReportError;
use serde::Serialize;
use srtlog::aiperf::{Analysis, Dist, Kind, SweepRow, Verdict};
use std::fmt::Write as _;

const AIPERF_JS: &str = include_str!("../assets/aiperf.js");

/// A value of a distribution in its reading unit.
fn format_kind(k: Kind, v: f64) -> String {
    let unit = match k {
        Kind::Millis => Unit::Millis,
        Kind::Bytes => Unit::Bytes,
        Kind::Number => Unit::Number,
    };
    format_in(unit, v)
}

/// A count with thousands separators.
fn count<N: TryInto<i64>>(n: N) -> String {
    n.try_into().map_or_else(|_| "–".into(), group)
}

/// Most per-request points charted per run.
pub const MAX_ROWS: usize = 20_000;

/// Per-request columns of one run, as the page reads them.
#[derive(Serialize)]
struct Rows {
    t: Vec<f64>,
    ttft_ms: Vec<Option<f64>>,
    latency_ms: Vec<Option<f64>>,
    ttfb_ms: Vec<Option<f64>>,
    ttlb_ms: Vec<Option<f64>>,
}

#[derive(Serialize)]
struct RunData<'a> {
    name: &'a str,
    rows: Rows,
}

#[derive(Serialize)]
struct Payload<'a> {
    runs: Vec<RunData<'a>>,
    sweep: Vec<SweepRow>,
    /// The sweep charts to draw, by id (decided here so that the page's
    /// self-check knows how many to expect).
    sweep_charts: Vec<&'static str>,
    expected_charts: usize,
}

/// The sweep charts `rows` supports: against load when some runs state
/// their load; throughput against latency when some have both; throughput
/// per GPU against per user when every run knows its GPU count.
fn sweep_charts(rows: &[SweepRow]) -> Vec<&'static str> {
    let mut c = Vec::new();
    if rows.len() < 2 {
        return c;
    }
    if rows
        .iter()
        .any(|r| r.concurrency.or(r.request_rate).is_some())
    {
        c.extend(["sweep-throughput", "sweep-ttft"]);
    }
    if rows
        .iter()
        .any(|r| r.latency_p50_ms.is_some() && r.output_token_throughput.is_some())
    {
        c.push("sweep-pareto");
    }
    if rows.iter().all(|r| r.output_tokens_per_gpu.is_some()) {
        c.push("sweep-per-gpu");
    }
    c
}

fn some(v: f64) -> Option<f64> {
    (!v.is_nan()).then_some(v)
}

/// The number of charts the page will draw for these rows.
fn charts_of(rows: &Rows) -> usize {
    if rows.t.is_empty() {
        return 0;
    }
    let has = |c: &Vec<Option<f64>>| c.iter().any(Option::is_some);
    1 + [
        &rows.ttft_ms,
        &rows.latency_ms,
        &rows.ttfb_ms,
        &rows.ttlb_ms,
    ]
    .into_iter()
    .filter(|c| has(c))
    .count()
}

/// Renders the report of one run or a sweep.
pub fn render_aiperf_html(runs: &[&Analysis]) -> Result<String, ReportError> {
    let mut data = Vec::new();
    let mut expected = 0;
    for a in runs {
        let ok: Vec<_> = a
            .rows
            .iter()
            .filter(|r| r.status == "ok" && r.start_ns.is_some())
            .collect();
        let step = ok.len().div_ceil(MAX_ROWS).max(1);
        let pick: Vec<_> = ok.iter().step_by(step).collect();
        let rows = Rows {
            t: pick
                .iter()
                .map(|r| r.start_ns.unwrap_or(0) as f64 / 1e9)
                .collect(),
            ttft_ms: pick.iter().map(|r| some(r.ttft_ms)).collect(),
            latency_ms: pick.iter().map(|r| some(r.request_latency_ms)).collect(),
            ttfb_ms: pick.iter().map(|r| some(r.ttfb_ms)).collect(),
            ttlb_ms: pick.iter().map(|r| some(r.ttlb_ms)).collect(),
        };
        expected += charts_of(&rows);
        data.push(RunData {
            name: &a.name,
            rows,
        });
    }
    let sweep: Vec<SweepRow> = if runs.len() > 1 {
        srtlog::aiperf::sweep::sweep_rows(runs.iter().copied())
    } else {
        Vec::new()
    };
    let charts = sweep_charts(&sweep);
    expected += charts.len();
    let payload = Payload {
        runs: data,
        sweep,
        sweep_charts: charts,
        expected_charts: expected,
    };
    let json = script_json(&payload)?;
    let title = match runs {
        [one] => format!("srtlog AIPerf report: {}", one.name),
        _ => format!("srtlog AIPerf sweep report: {} runs", runs.len()),
    };
    let mut h = String::with_capacity(64 * 1024);
    if runs.len() > 1 {
        sweep_table(&mut h, runs);
    }
    for a in runs {
        run_section(&mut h, a);
    }
    h.push_str("<h2>Charts</h2>\n");
    charts_host(&mut h);
    Ok(Page {
        title: &title,
        subtitle: "",
        generator: &generator(),
        body: &h,
        data_json: &json,
        script: AIPERF_JS,
    }
    .render())
}

fn opt2(v: Option<f64>) -> String {
    v.map_or_else(|| "–".into(), |v| format_fixed(v, 2))
}

fn sweep_table(h: &mut String, runs: &[&Analysis]) {
    h.push_str("<h2>Sweep</h2>\n<p>Load read from each run's own configuration (the Load source column); lines in the charts join only runs whose configuration differs in load alone (same Group); ◆ marks a run on a Pareto frontier.</p>\n<table class=\"stats\"><thead><tr><th>Run</th><th>Concurrency</th><th>Rate</th><th>Load source</th><th>Group</th><th>Records</th><th>Errors</th><th>Req/s</th><th>Out tok/s</th><th>TTFT p50 ms</th><th>TTFT p99 ms</th><th>ITL p50 ms</th><th>ITL p99 ms</th><th>Tok/s/user</th></tr></thead><tbody>\n");
    for r in srtlog::aiperf::sweep::sweep_rows(runs.iter().copied()) {
        let _ = writeln!(
            h,
            "<tr><td>{}{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&r.run),
            if r.pareto_latency || r.pareto_per_gpu { " ◆" } else { "" },
            opt2(r.concurrency),
            opt2(r.request_rate),
            escape(r.load_source.as_deref().unwrap_or("–")),
            r.group.map_or_else(|| "–".into(), |g| (g + 1).to_string()),
            count(r.records),
            count(r.errors),
            opt2(r.request_throughput),
            opt2(r.output_token_throughput),
            opt2(r.ttft_p50_ms),
            opt2(r.ttft_p99_ms),
            opt2(r.itl_p50_ms),
            opt2(r.itl_p99_ms),
            opt2(r.tokens_per_s_per_user),
        );
    }
    h.push_str("</tbody></table>\n");
}

fn run_section(h: &mut String, a: &Analysis) {
    let o = &a.overview;
    let _ = write!(
        h,
        "<h2>{name}</h2>\n<table class=\"summary\"><tbody>\
         <tr><th>Records</th><td>{}</td></tr><tr><th>With trace data</th><td>{}</td></tr>\
         <tr><th>Streaming / non-streaming</th><td>{} / {}</td></tr>\
         <tr><th>Failed (cancelled)</th><td>{} ({})</td></tr><tr><th>Warm-up excluded</th><td>{}</td></tr>",
        count(o.records),
        count(o.with_trace),
        count(o.streaming),
        count(o.non_streaming),
        count(o.errors),
        count(o.cancelled),
        count(o.warmup_excluded),
        name = escape(&a.name),
    );
    for (t, c) in &o.error_types {
        let _ = write!(h, "<tr><th>{}</th><td>{c}</td></tr>", escape(t));
    }
    if o.with_trace > 0 {
        let pct = |v: Option<f64>| v.map_or_else(|| "–".into(), |v| format!("{:.1}%", v * 100.0));
        let _ = write!(
            h,
            "<tr><th>Connections created / reused</th><td>{} / {} (reuse {})</td></tr>\
             <tr><th>DNS lookups / cache hits</th><td>{} / {} (hit rate {})</td></tr>",
            count(a.connections.created),
            count(a.connections.reused),
            pct(a.connections.reuse_rate),
            count(a.dns.lookups),
            count(a.dns.cache_hits),
            pct(a.dns.hit_rate)
        );
    }
    if let Some(t) = a.request_throughput {
        let _ = write!(
            h,
            "<tr><th>Request throughput</th><td>{} req/s</td></tr>",
            format_fixed(t, 2)
        );
    }
    if let Some(t) = a.output_token_throughput {
        let _ = write!(
            h,
            "<tr><th>Output token throughput</th><td>{} tok/s</td></tr>",
            format_fixed(t, 2)
        );
    }
    h.push_str("</tbody></table>\n<h3>Key insights</h3>\n<ul class=\"findings\">\n");
    for f in &a.findings {
        let v = match f.verdict {
            Verdict::Good => "ok",
            Verdict::Info => "info",
            Verdict::Warn => "warn",
        };
        let _ = writeln!(
            h,
            "<li class=\"{v}\"><b>[{v}] {}</b>: {} — {}</li>",
            escape(f.rule),
            escape(&f.display),
            escape(&f.message)
        );
    }
    h.push_str("</ul>\n<h3>Distributions</h3>\n<table class=\"stats\"><thead><tr><th>Distribution</th><th>Count</th><th>Min</th><th>Max</th><th>Mean</th><th>p50</th><th>p90</th><th>p95</th><th>p99</th></tr></thead><tbody>\n");
    for &d in Dist::ALL {
        let Some(s) = a.dist(d) else { continue };
        let k = d.kind();
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(d.title()),
            count(s.count),
            escape(&format_kind(k, s.min)),
            escape(&format_kind(k, s.max)),
            escape(&format_kind(k, s.mean)),
            escape(&format_kind(k, s.p50)),
            escape(&format_kind(k, s.p90)),
            escape(&format_kind(k, s.p95)),
            escape(&format_kind(k, s.p99)),
        );
    }
    h.push_str("</tbody></table>\n");
    if let Some(layout) = a.summary_layout {
        let bad: Vec<_> = a.mismatches().collect();
        let _ = writeln!(
            h,
            "<p>Compared with AIPerf's summary ({layout}): {} statistics, {} beyond rounding.</p>",
            a.summary_comparison.len(),
            bad.len()
        );
        if !bad.is_empty() {
            h.push_str("<table class=\"stats\"><thead><tr><th>Metric</th><th>Stat</th><th>Recomputed</th><th>Summary</th><th>Difference</th></tr></thead><tbody>\n");
            for c in bad {
                let _ = writeln!(
                    h,
                    "<tr><td>{}</td><td>{}</td><td>{:.4}</td><td>{:.4}</td><td>{:+.4}</td></tr>",
                    escape(&c.metric),
                    c.stat,
                    c.recomputed,
                    c.summary,
                    c.difference
                );
            }
            h.push_str("</tbody></table>\n");
        }
    }
}
