//! The HTML report of `srtlog compare`: the tables as the terminal shows
//! them, plus charts in the shared page shell ([`crate::page`]) drawn by
//! `assets/charts.js`, the script of every chart report, with its
//! marker-only series (`points`) and dashed reference lines (`lines`):
//!
//! * every worker metric with one line per run, on a time axis **relative
//!   to each run's start** (seconds since its first log line), never one
//!   absolute axis across runs of different days;
//! * client completions per second per run, relative to each run's first
//!   request;
//! * the empirical CDFs of TTFT, TPOT and E2E latency, one line per run;
//! * for a sweep, output token throughput against latency, one point per
//!   run, with the Pareto frontier; runs are joined by a line only when
//!   they are a sweep of one variable.

use crate::chart::{finite, Chart, ChartSeries};
use crate::page::{charts_host, escape, generator, script_json, Page};
use crate::text::format_value;
use crate::ReportError;
use serde::Serialize;
use srtlog::compare::client_side::{completions_per_s, successful};
use srtlog::compare::{ClientSide, Comparison, Source};
use std::collections::{BTreeMap, BTreeSet};

const CHARTS_JS: &str = include_str!("../assets/charts.js");

/// A chart with the compare script's options.
#[derive(Clone, Debug, Serialize)]
pub struct CompareChart {
    /// The chart.
    #[serde(flatten)]
    pub chart: Chart,
    /// Draw series as markers, without lines.
    pub points: bool,
    /// Series drawn as a dashed line even in a marker chart (the frontier).
    pub lines: Vec<bool>,
}

#[derive(Serialize)]
struct Payload<'a> {
    charts: &'a [CompareChart],
}

fn line_chart(
    id: String,
    title: String,
    x_label: &str,
    y_label: &str,
    runs: Vec<(String, BTreeMap<i64, f64>)>,
) -> CompareChart {
    let xs: BTreeSet<i64> = runs.iter().flat_map(|(_, m)| m.keys().copied()).collect();
    let series = runs
        .iter()
        .map(|(label, m)| ChartSeries {
            label: label.clone(),
            y: xs
                .iter()
                .map(|x| m.get(x).copied().and_then(finite))
                .collect(),
        })
        .collect();
    CompareChart {
        lines: vec![false; runs.len()],
        chart: Chart {
            id,
            title,
            time: false,
            bars: false,
            stacked: false,
            x_label: x_label.into(),
            y_label: y_label.into(),
            x: xs.iter().map(|&x| x as f64).collect(),
            series,
        },
        points: false,
    }
}

/// The charts of a comparison (public for tests: which runs each shows).
pub fn charts(cmp: &Comparison, sources: &[Source]) -> Vec<CompareChart> {
    let mut out = Vec::new();
    let mut ids: Vec<(String, String, String)> = Vec::new();
    for s in sources {
        for ser in s.workers.iter().flat_map(|w| &w.series) {
            if !ids.iter().any(|(id, _, _)| *id == ser.id) {
                ids.push((
                    ser.id.clone(),
                    format!("{} · {}", ser.worker_type, ser.metric.title),
                    ser.metric.unit.to_string(),
                ));
            }
        }
    }
    for (id, title, unit) in ids {
        let runs = sources
            .iter()
            .filter_map(|s| {
                let w = s.workers.as_ref()?;
                let ser = w.series.iter().find(|x| x.id == id)?;
                Some((
                    s.label.clone(),
                    ser.x.iter().copied().zip(ser.y.iter().copied()).collect(),
                ))
            })
            .collect();
        out.push(line_chart(
            format!("w-{id}"),
            title,
            "seconds since the run's first log line",
            &unit,
            runs,
        ));
    }
    let clients: Vec<(&str, &srtlog::compare::ClientRequests)> = sources
        .iter()
        .filter_map(|s| match &s.client {
            Some(ClientSide::PerRequest { requests, .. }) => Some((s.label.as_str(), requests)),
            _ => None,
        })
        .collect();
    if !clients.is_empty() {
        // Completions over time need each request's start; files without
        // it (SGLang's bench_serving details) have no line here, and no
        // chart at all when none has (a chart without a point is noise).
        let runs: Vec<(String, BTreeMap<i64, f64>)> = clients
            .iter()
            .map(|(l, c)| {
                let v = completions_per_s(c, false);
                (
                    l.to_string(),
                    v.into_iter()
                        .enumerate()
                        .map(|(i, y)| (i as i64, y))
                        .collect::<BTreeMap<_, _>>(),
                )
            })
            .filter(|(_, v)| !v.is_empty())
            .collect();
        if !runs.is_empty() {
            out.push(line_chart(
                "c-throughput".into(),
                "Client: completed requests per second".into(),
                "seconds since the run's first request",
                "requests/s",
                runs,
            ));
        }
        for (key, title) in [
            ("ttft", "TTFT"),
            ("tpot", "TPOT (ITL)"),
            ("e2e", "E2E latency"),
        ] {
            out.push(cdf_chart(key, title, &clients));
        }
    }
    if let Some(sw) = &cmp.sweep {
        out.push(sweep_chart(sw));
    }
    out
}

/// Empirical CDFs on a shared grid of 200 latencies.
fn cdf_chart(
    key: &str,
    title: &str,
    clients: &[(&str, &srtlog::compare::ClientRequests)],
) -> CompareChart {
    let cols: Vec<Vec<f64>> = clients
        .iter()
        .map(|(_, c)| {
            let col = match key {
                "ttft" => &c.ttft_ms,
                "tpot" => &c.tpot_ms,
                _ => &c.e2e_ms,
            };
            let mut v = successful(c, col);
            v.sort_by(f64::total_cmp);
            v
        })
        .collect();
    let lo = cols
        .iter()
        .filter_map(|v| v.first())
        .copied()
        .fold(f64::INFINITY, f64::min);
    let hi = cols
        .iter()
        .filter_map(|v| v.last())
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    let n = 200;
    let x: Vec<f64> = if lo.is_finite() && hi > lo {
        (0..=n)
            .map(|i| lo + (hi - lo) * i as f64 / n as f64)
            .collect()
    } else {
        Vec::new()
    };
    let series = clients
        .iter()
        .zip(&cols)
        .map(|((label, _), v)| ChartSeries {
            label: label.to_string(),
            y: x.iter()
                .map(|&t| {
                    (!v.is_empty()).then(|| v.partition_point(|&a| a <= t) as f64 / v.len() as f64)
                })
                .collect(),
        })
        .collect();
    CompareChart {
        lines: vec![false; clients.len()],
        chart: Chart {
            id: format!("cdf-{key}"),
            title: format!("Client: CDF of {title}"),
            time: false,
            bars: false,
            stacked: false,
            x_label: "ms".into(),
            y_label: "fraction of successful requests".into(),
            x,
            series,
        },
        points: false,
    }
}

fn sweep_chart(sw: &srtlog::compare::sweep::Sweep) -> CompareChart {
    let mut pts: Vec<(f64, f64, bool, &str)> = sw
        .points
        .iter()
        .filter_map(|p| Some((p.throughput?, p.latency?, p.pareto, p.run.as_str())))
        .collect();
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    let x: Vec<f64> = pts.iter().map(|p| p.0).collect();
    let runs = ChartSeries {
        label: "runs".into(),
        y: pts.iter().map(|p| Some(p.1)).collect(),
    };
    let frontier = ChartSeries {
        label: "Pareto frontier".into(),
        y: pts.iter().map(|p| p.2.then_some(p.1)).collect(),
    };
    CompareChart {
        chart: Chart {
            id: "sweep".into(),
            title: format!(
                "Sweep: output token throughput against {}",
                sw.latency_metric
            ),
            time: false,
            bars: false,
            stacked: false,
            x_label: "output tokens/s".into(),
            y_label: format!("{} (ms)", sw.latency_metric),
            x,
            series: vec![runs, frontier],
        },
        // Runs are joined only when they are a sweep of one variable.
        points: !sw.one_variable,
        lines: vec![sw.one_variable, true],
    }
}

fn tables_html(cmp: &Comparison, h: &mut String) {
    h.push_str("<h2>Runs</h2>\n<table id=\"runs\"><tr><th>run</th><th>kind</th><th>path</th><th>steady-state window (s from the first line)</th></tr>\n");
    for r in &cmp.runs {
        let w = r.window.as_ref().map_or("–".into(), |w| {
            format!(
                "{} → {} (warm-up {}, drain {} cut)",
                format_value(w.start_s),
                format_value(w.end_s),
                format_value(w.warmup_s),
                format_value(w.drain_s)
            )
        });
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            escape(&r.label),
            escape(&r.kind),
            escape(&r.path.display().to_string()),
            escape(&w)
        ));
    }
    h.push_str("</table>\n");
    for t in &cmp.tables {
        h.push_str(&format!(
            "<h2>{}</h2>\n<table class=\"cmp\"><tr><th>metric</th><th>unit</th>",
            escape(t.title)
        ));
        for r in &cmp.runs {
            h.push_str(&format!("<th>{}</th>", escape(&r.label)));
        }
        for r in &cmp.runs[1..] {
            h.push_str(&format!(
                "<th>Δ {}</th><th>95% CI</th><th>p (Holm)</th><th>verdict</th>",
                escape(&r.label)
            ));
        }
        h.push_str("</tr>\n");
        for row in &t.rows {
            let name = if row.group == "client" {
                row.title.clone()
            } else {
                format!("{} · {}", row.group, row.title)
            };
            h.push_str(&format!(
                "<tr><td>{}</td><td>{}</td>",
                escape(&name),
                escape(&row.unit)
            ));
            for v in &row.values {
                h.push_str(&format!("<td>{}</td>", v.map_or("–".into(), format_value)));
            }
            for d in &row.deltas {
                let delta = match (d.delta, d.delta_pct) {
                    (Some(v), Some(p)) => format!("{} ({p:+.1}%)", format_value(v)),
                    (Some(v), None) => format_value(v),
                    _ => "–".into(),
                };
                let ci = match (d.ci_lo, d.ci_hi) {
                    (Some(a), Some(b)) => format!("[{}, {}]", format_value(a), format_value(b)),
                    _ => "–".into(),
                };
                let p = d.p_adjusted.map_or("–".into(), |p| format!("{p:.3}"));
                h.push_str(&format!(
                    "<td>{}</td><td>{}</td><td>{}</td><td class=\"{}\">{}</td>",
                    escape(&delta),
                    escape(&ci),
                    escape(&p),
                    if d.verdict.significant() { "sig" } else { "" },
                    escape(d.verdict.as_str())
                ));
            }
            h.push_str("</tr>\n");
        }
        h.push_str("</table>\n");
    }
    if !cmp.config.rows.is_empty() {
        h.push_str("<h2>Configuration diff</h2>\n<table id=\"config\"><tr><th>key</th>");
        for r in &cmp.runs {
            h.push_str(&format!("<th>{}</th>", escape(&r.label)));
        }
        h.push_str("</tr>\n");
        for row in &cmp.config.rows {
            h.push_str(&format!("<tr><td>{}</td>", escape(&row.key)));
            for v in &row.values {
                h.push_str(&format!("<td>{}</td>", escape(v.as_deref().unwrap_or("–"))));
            }
            h.push_str("</tr>\n");
        }
        h.push_str("</table>\n");
        for ch in cmp.config.changes.iter().filter(|c| c.more_than_one) {
            h.push_str(&format!(
                "<p class=\"warn\">{}: {} variables changed ({}); a difference cannot be put down to one of them.</p>\n",
                escape(&ch.run),
                ch.variables.len(),
                escape(&ch.variables.join(", "))
            ));
        }
    }
    h.push_str(&format!(
        "<h2>Method</h2>\n<p>{}.</p>\n<p>{}.</p>\n<p>{}.</p>\n",
        escape(cmp.method.steady_state),
        escape(cmp.method.tests),
        escape(&cmp.method.multiple_comparisons)
    ));
}

/// Renders the report.
pub fn render(cmp: &Comparison, sources: &[Source]) -> Result<String, ReportError> {
    let charts = charts(cmp, sources);
    let data = script_json(&Payload { charts: &charts })?;
    let mut h = String::with_capacity(16 * 1024);
    tables_html(cmp, &mut h);
    h.push_str("<h2>Charts</h2>\n<p class=\"help\">Time axes are relative to each run's start. Drag to zoom, double-click to reset.</p>\n");
    charts_host(&mut h);
    let names: Vec<&str> = cmp.runs.iter().map(|r| r.label.as_str()).collect();
    Ok(Page {
        title: &format!("srtlog compare: {}", names.join(" vs ")),
        subtitle: &format!("baseline: {}", cmp.method.baseline),
        generator: &generator(),
        body: &h,
        data_json: &data,
        script: CHARTS_JS,
    }
    .render())
}
