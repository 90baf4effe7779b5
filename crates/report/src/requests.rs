//! The HTML report of `srtlog requests report`: one self-contained file in
//! the shared page shell ([`crate::page`]: uPlot embedded, the CSP
//! forbidding any fetch, the `srtlog-rendered` self-check for the browser
//! tests), its charts drawn by `assets/charts.js`.
//!
//! Sections: summary (and files read), latency trend (mean and p99 per
//! window), latency histogram, error rate over time, time breakdown
//! (stacked, when the log has one), correlation heatmap (Pearson, a table
//! coloured by value), anomalies (robust MAD test on the report metric,
//! first 50), and per-model comparison. Tables are rendered here so the
//! numbers read without JavaScript.
//!
//! This module only presents: every figure comes computed in a
//! [`ReportData`] ([`srtlog::requests::report_data::report_data`]).

use crate::chart::{finite, Chart, ChartSeries, ChartsPayload};
use crate::page::{charts_host, escape, generator, script_json, Page};
use crate::text::{format_grouped, format_percent, group};
use crate::ReportError;
use srtlog::requests::report_data::ReportData;
use srtlog::requests::trends::TrendReport;
use srtlog::requests::FileReport;
use std::fmt::Write as _;

const CHARTS_JS: &str = include_str!("../assets/charts.js");

/// One chart of the page (the shared chart type).
pub type ReqChart = Chart;
/// One series (the shared series type).
pub type ReqSeries = ChartSeries;

fn time_chart(
    id: &str,
    title: String,
    y_label: &str,
    rows: &[&TrendReport],
    labels: &[&str],
) -> Chart {
    let x = rows
        .first()
        .map(|r| r.rows.iter().map(|r| r.start_ns as f64 / 1e9).collect())
        .unwrap_or_default();
    Chart {
        id: id.into(),
        title,
        time: true,
        bars: false,
        stacked: false,
        x_label: "time".into(),
        y_label: y_label.into(),
        x,
        series: rows
            .iter()
            .zip(labels)
            .map(|(r, l)| ChartSeries {
                label: (*l).into(),
                y: r.rows.iter().map(|r| finite(r.value)).collect(),
            })
            .collect(),
    }
}

/// The charts of a report (public for tests: point counts).
pub fn charts(d: &ReportData) -> Vec<Chart> {
    let (metric, w) = (d.metric.as_str(), d.window_s);
    let mut out = Vec::new();
    if let (Some(mean), Some(p99)) = (&d.trend_mean, &d.trend_p99) {
        if !mean.rows.is_empty() {
            out.push(time_chart(
                "latency_trend",
                format!("{metric} per {w}s window"),
                metric,
                &[mean, p99],
                &["mean", "p99"],
            ));
        }
    }
    if let Some(hist) = &d.histogram {
        out.push(Chart {
            id: "latency_histogram".into(),
            title: format!("{metric} histogram ({} requests)", hist.values),
            time: false,
            bars: true,
            stacked: false,
            x_label: metric.into(),
            y_label: "requests".into(),
            x: (0..hist.counts.len()).map(|i| hist.centre(i)).collect(),
            series: vec![ChartSeries {
                label: "requests".into(),
                y: hist.counts.iter().map(|&n| Some(n as f64)).collect(),
            }],
        });
    }
    if !d.error_rate.rows.is_empty() {
        out.push(time_chart(
            "error_rate",
            format!("Error rate per {w}s window"),
            "error rate",
            &[&d.error_rate],
            &["error rate"],
        ));
    }
    if let Some(b) = &d.breakdown {
        // Stacked: each series is the running sum of the parts below it,
        // per request (first 2000 requests with a breakdown, in input order).
        let n = b.rows.len().min(2000);
        let mut series = Vec::new();
        let mut acc = vec![0.0; n];
        for (k, name) in ["queue", "prefill", "decode", "other"].iter().enumerate() {
            for (a, r) in acc.iter_mut().zip(&b.rows) {
                *a += r[k];
            }
            series.push(ChartSeries {
                label: format!("+ {name}"),
                y: acc.iter().map(|&x| finite(x)).collect(),
            });
        }
        out.push(Chart {
            id: "breakdown".into(),
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

/// Renders the page of `d`, listing the files read and the inputs given.
pub fn render(
    d: &ReportData,
    files: &[FileReport],
    inputs: &[String],
) -> Result<String, ReportError> {
    let cs = charts(d);
    let data = script_json(&ChartsPayload { charts: &cs })?;
    let title = format!("srtlog request report: {}", inputs.join(", "));
    let mut h = String::with_capacity(64 * 1024);
    summary_section(&mut h, d, files);
    h.push_str("<h2>Charts</h2>\n<p class=\"help\">Drag to zoom, double-click to reset.</p>\n");
    charts_host(&mut h);
    correlation_section(&mut h, d);
    anomalies_section(&mut h, d);
    models_section(&mut h, d);
    Ok(Page {
        title: &title,
        subtitle: "",
        generator: &generator(),
        body: &h,
        data_json: &data,
        script: CHARTS_JS,
    }
    .render())
}

fn summary_section(h: &mut String, d: &ReportData, files: &[FileReport]) {
    let a = &d.summary.all;
    h.push_str("<h2>Summary</h2>\n<table class=\"summary\" id=\"summary\"><tbody>\n");
    let rows: [(&str, String); 11] = [
        ("Total requests", grouped(a.total_requests)),
        ("Errors", grouped(a.errors)),
        ("Error rate", format_percent(a.error_rate, 2)),
        ("Average latency (ms)", format_grouped(a.avg_latency_ms)),
        ("P50 latency (ms)", format_grouped(a.p50_latency_ms)),
        ("P95 latency (ms)", format_grouped(a.p95_latency_ms)),
        ("P99 latency (ms)", format_grouped(a.p99_latency_ms)),
        ("Max latency (ms)", format_grouped(a.max_latency_ms)),
        (
            "First request",
            a.first_timestamp.clone().unwrap_or_default(),
        ),
        ("Last request", a.last_timestamp.clone().unwrap_or_default()),
        ("Throughput (req/s)", format_grouped(a.throughput_rps)),
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
            grouped(f.lines),
            grouped(f.requests),
            grouped(f.bad_lines),
            grouped(f.not_per_request)
        );
    }
    h.push_str("</tbody></table>\n");
}

/// A count with thousands separators.
fn grouped<N: TryInto<i64>>(n: N) -> String {
    n.try_into().map_or_else(|_| "–".into(), group)
}

fn correlation_section(h: &mut String, d: &ReportData) {
    let Some(c) = &d.correlation else {
        return;
    };
    let names = &c.metrics;
    h.push_str("<h2>Correlations (Pearson)</h2>\n<table class=\"heatmap\" id=\"correlations\"><thead><tr><th></th>");
    for n in names {
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

fn anomalies_section(h: &mut String, d: &ReportData) {
    let Some(r) = &d.anomalies else {
        return;
    };
    let metric = escape(&r.metric);
    let _ = write!(
        h,
        "<h2>Anomalies</h2>\n<p>{} requests with {metric} beyond {} robust z-scores (|x − median| / (1.4826·MAD)); the first 50:</p>\n\
         <table id=\"anomalies\"><thead><tr><th>Request</th><th>Time</th><th>Model</th><th>{metric}</th><th>Score</th></tr></thead><tbody>\n",
        grouped(r.count),
        r.threshold,
    );
    for x in r.anomalies.iter().take(50) {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.2}</td></tr>",
            escape(x.request_id.as_deref().unwrap_or("")),
            escape(x.timestamp.as_deref().unwrap_or("")),
            escape(x.model.as_deref().unwrap_or("")),
            format_grouped(x.value),
            x.score
        );
    }
    h.push_str("</tbody></table>\n");
}

fn models_section(h: &mut String, d: &ReportData) {
    let Some(groups) = &d.models else {
        return;
    };
    h.push_str("<h2>Per model</h2>\n<table id=\"models\"><thead><tr><th>Model</th><th>Requests</th><th>Avg latency (ms)</th><th>P99 latency (ms)</th><th>Throughput (req/s)</th><th>Error rate</th></tr></thead><tbody>\n");
    for g in groups {
        let m = &g.summary;
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(if g.key.is_empty() { "(none)" } else { &g.key }),
            grouped(m.total_requests),
            format_grouped(m.avg_latency_ms),
            format_grouped(m.p99_latency_ms),
            format_grouped(m.throughput_rps),
            format_percent(m.error_rate, 2)
        );
    }
    h.push_str("</tbody></table>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use srtlog::formats::requests::{Num, Request, Schema};
    use srtlog::requests::report_data::report_data;
    use srtlog::requests::RequestTable;

    /// 1,500 requests one second apart, the last one a 2,500,000 ms outlier.
    fn table() -> RequestTable {
        let mut t = RequestTable::new();
        for i in 0..1500i64 {
            let mut r = Request::new(Schema::Generic);
            r.timestamp_ns = Some(1_767_225_600_000_000_000 + i * 1_000_000_000);
            r.ok = Some(true);
            r.nums[Num::LatencyMs as usize] = if i == 1499 {
                2_500_000.0
            } else {
                100.0 + (i % 10) as f64
            };
            t.push(&r);
        }
        t
    }

    /// Issue 17 item 24: large numbers in reports carry thousands separators.
    #[test]
    fn large_numbers_are_grouped_and_anomalies_come_from_the_data() {
        let d = report_data(&table(), "latency_ms", None);
        let html = render(&d, &[], &["x.jsonl".into()]).unwrap();
        assert!(
            html.contains("<tr><th>Total requests</th><td>1,500</td></tr>"),
            "{html}"
        );
        assert!(html.contains("<tr><th>Max latency (ms)</th><td>2,500,000</td></tr>"));
        // The anomaly table shows what report_data found, nothing else.
        let a = d.anomalies.as_ref().unwrap();
        assert_eq!(a.count, 1);
        assert!(html.contains("<td>2,500,000</td>"));
        // One chart per figure: trend, histogram, error rate.
        let ids: Vec<String> = charts(&d).into_iter().map(|c| c.id).collect();
        assert_eq!(ids, ["latency_trend", "latency_histogram", "error_rate"]);
    }
}
