//! The HTML report of `srtlog requests report`: one self-contained file,
//! built like the `viz` report (uPlot embedded, the same CSP forbidding any
//! fetch, the same `srtlog-rendered` self-check for the browser tests).
//!
//! Sections: summary (and files read), latency trend (mean and p99 per
//! window), latency histogram, error rate over time, time breakdown
//! (stacked, when the log has one), correlation heatmap (Pearson, a table
//! coloured by value), anomalies (robust MAD test on the report metric,
//! first 50), and per-model comparison. Tables are rendered here so the
//! numbers read without JavaScript.

use crate::html::{escape, CSP};
use crate::text::format_value;
use crate::{ReportError, UPLOT_VERSION};
use serde::Serialize;
use srtlog::requests::anomalies::{detect, Method};
use srtlog::requests::breakdown::breakdown;
use srtlog::requests::compare::compare;
use srtlog::requests::correlate::correlate;
use srtlog::requests::summary::summary;
use srtlog::requests::trends::{trends, Agg};
use srtlog::requests::{span_ns, values, FileReport, RequestTable};
use std::fmt::Write as _;

const UPLOT_JS: &str = include_str!("../assets/uPlot.iife.min.js");
const UPLOT_CSS: &str = include_str!("../assets/uPlot.min.css");
const UPLOT_LICENSE: &str = include_str!("../assets/uPlot.LICENSE");
const REPORT_CSS: &str = include_str!("../assets/report.css");
const REQUESTS_JS: &str = include_str!("../assets/requests.js");

/// One chart of the page.
#[derive(Clone, Debug, Serialize)]
pub struct ReqChart {
    /// Stable id (`latency_trend`, `latency_histogram`, `error_rate`,
    /// `breakdown`).
    pub id: &'static str,
    /// Title.
    pub title: String,
    /// Whether x is a time (seconds since the epoch).
    pub time: bool,
    /// Draw as bars.
    pub bars: bool,
    /// Draw series as filled cumulative areas.
    pub stacked: bool,
    /// X axis label.
    pub x_label: String,
    /// Y axis label.
    pub y_label: String,
    /// X values.
    pub x: Vec<f64>,
    /// Series.
    pub series: Vec<ReqSeries>,
}

/// One series.
#[derive(Clone, Debug, Serialize)]
pub struct ReqSeries {
    /// Legend label.
    pub label: String,
    /// Values (`null` for missing).
    pub y: Vec<Option<f64>>,
}

#[derive(Serialize)]
struct Payload<'a> {
    charts: &'a [ReqChart],
}

fn opt(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// The charts of a report on `t` (public for tests: point counts).
pub fn charts(t: &RequestTable, metric: &str, window_s: Option<u64>) -> Vec<ReqChart> {
    let (first, last) = span_ns(t);
    let span_s = match (first, last) {
        (Some(a), Some(b)) => ((b - a) / 1_000_000_000).max(1) as u64,
        _ => 1,
    };
    // About 100 windows unless asked.
    let w = window_s.unwrap_or((span_s / 100).max(1));
    let col = t.column(metric);
    let mut out = Vec::new();
    if let Some(c) = col {
        let mean = trends(t, metric, Some(c), w, Agg::Mean);
        let p99 = trends(t, metric, Some(c), w, Agg::P99);
        if !mean.rows.is_empty() {
            out.push(ReqChart {
                id: "latency_trend",
                title: format!("{metric} per {w}s window"),
                time: true,
                bars: false,
                stacked: false,
                x_label: "time".into(),
                y_label: metric.into(),
                x: mean.rows.iter().map(|r| r.start_ns as f64 / 1e9).collect(),
                series: vec![
                    ReqSeries {
                        label: "mean".into(),
                        y: mean.rows.iter().map(|r| opt(r.value)).collect(),
                    },
                    ReqSeries {
                        label: "p99".into(),
                        y: p99.rows.iter().map(|r| opt(r.value)).collect(),
                    },
                ],
            });
        }
        let mut v = values(c);
        v.retain(|x| x.is_finite());
        if !v.is_empty() {
            v.sort_by(f64::total_cmp);
            let (lo, hi) = (v[0], v[v.len() - 1]);
            let bins = 50usize;
            let width = ((hi - lo) / bins as f64).max(f64::MIN_POSITIVE);
            let mut counts = vec![0u64; bins];
            for x in &v {
                let b = (((x - lo) / width) as usize).min(bins - 1);
                counts[b] += 1;
            }
            out.push(ReqChart {
                id: "latency_histogram",
                title: format!("{metric} histogram ({} requests)", v.len()),
                time: false,
                bars: true,
                stacked: false,
                x_label: metric.into(),
                y_label: "requests".into(),
                x: (0..bins).map(|i| lo + (i as f64 + 0.5) * width).collect(),
                series: vec![ReqSeries {
                    label: "requests".into(),
                    y: counts.iter().map(|&n| Some(n as f64)).collect(),
                }],
            });
        }
    }
    let er = trends(t, "requests", None, w, Agg::ErrorRate);
    if !er.rows.is_empty() {
        out.push(ReqChart {
            id: "error_rate",
            title: format!("Error rate per {w}s window"),
            time: true,
            bars: false,
            stacked: false,
            x_label: "time".into(),
            y_label: "error rate".into(),
            x: er.rows.iter().map(|r| r.start_ns as f64 / 1e9).collect(),
            series: vec![ReqSeries {
                label: "error rate".into(),
                y: er.rows.iter().map(|r| opt(r.value)).collect(),
            }],
        });
    }
    if let Some(b) = breakdown(t) {
        // Stacked: each series is the running sum of the parts below it,
        // per request (first 2000 requests with a breakdown, in input order).
        let n = b.rows.len().min(2000);
        let mut series = Vec::new();
        let mut acc = vec![0.0; n];
        for (k, name) in ["queue", "prefill", "decode", "other"].iter().enumerate() {
            for (a, r) in acc.iter_mut().zip(&b.rows) {
                *a += r[k];
            }
            series.push(ReqSeries {
                label: format!("+ {name}"),
                y: acc.iter().map(|&x| opt(x)).collect(),
            });
        }
        out.push(ReqChart {
            id: "breakdown",
            title: format!("Time breakdown per request (ms, stacked; {n} requests)"),
            time: false,
            bars: false,
            stacked: true,
            x_label: "request".into(),
            y_label: "ms".into(),
            x: (0..n).map(|i| i as f64).collect(),
            series,
        });
    }
    out
}

fn heat(v: f64) -> String {
    if !v.is_finite() {
        return "#eee".into();
    }
    // Blue for negative, red for positive, white at 0.
    let a = v.abs().min(1.0);
    let c = (255.0 * (1.0 - a)) as u8;
    if v >= 0.0 {
        format!("rgb(255,{c},{c})")
    } else {
        format!("rgb({c},{c},255)")
    }
}

/// Renders the page.
pub fn render(
    t: &RequestTable,
    files: &[FileReport],
    inputs: &[String],
    metric: &str,
    window_s: Option<u64>,
) -> Result<String, ReportError> {
    let s = summary(t);
    let cs = charts(t, metric, window_s);
    let data = serde_json::to_string(&Payload { charts: &cs })?.replace('<', "\\u003c");
    let mut h = String::with_capacity(UPLOT_JS.len() + data.len() + 64 * 1024);
    let gen = format!("srtlog {}", env!("CARGO_PKG_VERSION"));
    let title = format!("srtlog request report: {}", inputs.join(", "));
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"{g}\">\n<title>{t}</title>\n\
         <style>{UPLOT_CSS}</style>\n<style>{REPORT_CSS}</style>\n</head>\n<body>\n\
         <header>\n<h1>{t}</h1>\n</header>\n<main>\n",
        g = escape(&gen),
        t = escape(&title),
    );
    let a = &s.all;
    let _ = write!(
        h,
        "<h2>Summary</h2>\n<table class=\"summary\" id=\"summary\"><tbody>\n"
    );
    let rows: [(&str, String); 11] = [
        ("Total requests", a.total_requests.to_string()),
        ("Errors", a.errors.to_string()),
        ("Error rate", format!("{:.2}%", a.error_rate * 100.0)),
        ("Average latency (ms)", format_value(a.avg_latency_ms)),
        ("P50 latency (ms)", format_value(a.p50_latency_ms)),
        ("P95 latency (ms)", format_value(a.p95_latency_ms)),
        ("P99 latency (ms)", format_value(a.p99_latency_ms)),
        ("Max latency (ms)", format_value(a.max_latency_ms)),
        (
            "First request",
            a.first_timestamp.clone().unwrap_or_default(),
        ),
        ("Last request", a.last_timestamp.clone().unwrap_or_default()),
        ("Throughput (req/s)", format_value(a.throughput_rps)),
    ];
    for (k, v) in rows {
        let _ = writeln!(h, "<tr><th>{}</th><td>{}</td></tr>", escape(k), escape(&v));
    }
    h.push_str("</tbody></table>\n<h3>Files</h3>\n<table><thead><tr><th>File</th><th>Lines</th><th>Requests</th><th>Bad lines</th><th>Not per-request</th></tr></thead><tbody>\n");
    for f in files {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&f.path.display().to_string()),
            f.lines,
            f.requests,
            f.bad_lines,
            f.not_per_request
        );
    }
    h.push_str("</tbody></table>\n<h2>Charts</h2>\n<p class=\"help\">Drag to zoom, double-click to reset.</p>\n<div id=\"charts\"><noscript><p class=\"warn\">The charts need JavaScript; the tables do not.</p></noscript></div>\n");

    // Correlation heatmap.
    let names = t.numeric_columns();
    if names.len() >= 2 {
        let cols: Vec<&[f64]> = names.iter().filter_map(|n| t.column(n)).collect();
        let c = correlate(&names, &cols);
        h.push_str("<h2>Correlations (Pearson)</h2>\n<table class=\"heatmap\" id=\"correlations\"><thead><tr><th></th>");
        for n in &names {
            let _ = write!(h, "<th>{}</th>", escape(n));
        }
        h.push_str("</tr></thead><tbody>\n");
        for (i, n) in names.iter().enumerate() {
            let _ = write!(h, "<tr><th>{}</th>", escape(n));
            for j in 0..names.len() {
                let v = c.pearson[i][j];
                let txt = if v.is_finite() {
                    format!("{v:.2}")
                } else {
                    "–".into()
                };
                let _ = write!(
                    h,
                    "<td style=\"background:{}\" title=\"n = {}\">{txt}</td>",
                    heat(v),
                    c.pairs[i][j]
                );
            }
            h.push_str("</tr>\n");
        }
        h.push_str("</tbody></table>\n");
    }

    // Anomalies.
    if let Some(col) = t.column(metric) {
        let r = detect(t, metric, col, Method::Mad, 3.5);
        let _ = write!(
            h,
            "<h2>Anomalies</h2>\n<p>{} requests with {} beyond 3.5 robust z-scores (|x − median| / (1.4826·MAD)); the first 50:</p>\n\
             <table id=\"anomalies\"><thead><tr><th>Request</th><th>Time</th><th>Model</th><th>{}</th><th>Score</th></tr></thead><tbody>\n",
            r.count,
            escape(metric),
            escape(metric)
        );
        for x in r.anomalies.iter().take(50) {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.2}</td></tr>",
                escape(x.request_id.as_deref().unwrap_or("")),
                escape(x.timestamp.as_deref().unwrap_or("")),
                escape(x.model.as_deref().unwrap_or("")),
                format_value(x.value),
                x.score
            );
        }
        h.push_str("</tbody></table>\n");
    }

    // Per model.
    if let Some(groups) = compare(t, "model") {
        h.push_str("<h2>Per model</h2>\n<table id=\"models\"><thead><tr><th>Model</th><th>Requests</th><th>Avg latency (ms)</th><th>P99 latency (ms)</th><th>Throughput (req/s)</th><th>Error rate</th></tr></thead><tbody>\n");
        for g in groups {
            let m = &g.summary;
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.2}%</td></tr>",
                escape(if g.key.is_empty() { "(none)" } else { &g.key }),
                m.total_requests,
                format_value(m.avg_latency_ms),
                format_value(m.p99_latency_ms),
                format_value(m.throughput_rps),
                m.error_rate * 100.0
            );
        }
        h.push_str("</tbody></table>\n");
    }
    let _ = write!(
        h,
        "</main>\n<footer>\n<p>Generated by {g}. Charts drawn with uPlot {UPLOT_VERSION} \
         (MIT licence), embedded in this file; the page makes no network request.</p>\n\
         <details><summary>uPlot licence</summary><pre class=\"licence\">{lic}</pre></details>\n\
         </footer>\n<script type=\"application/json\" id=\"srtlog-request-data\">{data}</script>\n\
         <script>{UPLOT_JS}</script>\n<script>{REQUESTS_JS}</script>\n</body>\n</html>\n",
        g = escape(&gen),
        lic = escape(UPLOT_LICENSE),
    );
    Ok(h)
}
