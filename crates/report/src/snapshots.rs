//! The HTML report of periodic metrics scrapes (`srtlog snapshots
//! --interval`): one chart per metric over the scrape time — a counter's
//! rate, a histogram's interval mean with its bucket-estimated p50/p90/p99,
//! a gauge's value — in the shared page shell ([`crate::page`]) and drawn by
//! the same vendored uPlot as every other report (`assets/charts.js`).
//!
//! The interval table comes computed from [`srtlog::snapshots::interval`];
//! this module groups its columns into charts and presents them. Metrics
//! that never moved (all zero) and histogram count rates (the request rate
//! is already charted) are left out.

use crate::chart::{finite, Chart, ChartSeries, ChartsPayload};
use crate::page::{charts_host, escape, generator, script_json, Page};
use crate::text::{format_fixed, group};
use crate::ReportError;
use srtlog::snapshots::interval::IntervalTable;
use std::collections::BTreeMap;
use std::path::Path;

const CHARTS_JS: &str = include_str!("../assets/charts.js");

/// The charts of an interval table, one per metric, in name order: the
/// columns `base:rate`, `base:mean`, `base:p50`, `base:p90`, `base:p99` of
/// one metric share a chart (public for tests: point counts).
pub fn interval_charts(t: &IntervalTable) -> Vec<Chart> {
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, c) in t.columns.iter().enumerate() {
        let moved = c.values.iter().flatten().any(|v| *v != 0.0);
        if !moved || c.name.ends_with(":count_rate") {
            continue;
        }
        let base = match c.name.rsplit_once(':') {
            Some((b, "rate" | "mean" | "p50" | "p90" | "p99")) => b,
            _ => c.name.as_str(),
        };
        groups.entry(base).or_default().push(i);
    }
    groups
        .into_iter()
        .map(|(base, cols)| Chart {
            id: base.to_string(),
            title: base.to_string(),
            time: false,
            bars: false,
            stacked: false,
            x_label: "seconds since the first scrape".into(),
            y_label: if cols.iter().all(|&c| t.columns[c].name.ends_with(":rate")) {
                "per second".into()
            } else {
                String::new()
            },
            x: t.t_s.clone(),
            series: cols
                .iter()
                .map(|&c| {
                    let col = &t.columns[c];
                    ChartSeries {
                        label: col
                            .name
                            .rsplit_once(':')
                            .map_or("value", |(_, s)| s)
                            .to_string(),
                        y: col.values.iter().map(|v| v.and_then(finite)).collect(),
                    }
                })
                .collect(),
        })
        .collect()
}

/// Renders the report of the scrapes in `dir`.
pub fn render_interval(t: &IntervalTable, dir: &Path) -> Result<String, ReportError> {
    let charts = interval_charts(t);
    let data = script_json(&ChartsPayload { charts: &charts })?;
    let shown = dir.display().to_string();
    let resets = t.resets.iter().filter(|&&r| r > 0).count();
    let mut h = String::with_capacity(8 * 1024);
    h.push_str("<h2>Metrics scrapes</h2>\n");
    h.push_str(&format!(
        "<p id=\"summary\">{}: {} scrapes, {} intervals over {} s, {} interval(s) with a counter \
         reset (handled), {} chart(s). Rates are per second; histograms show the interval mean \
         and bucket-estimated p50/p90/p99.</p>\n",
        escape(&shown),
        group(t.files.len() as i64),
        group(t.t_s.len() as i64),
        format_fixed(t.t_s.last().copied().unwrap_or(0.0), 1),
        group(resets as i64),
        group(charts.len() as i64),
    ));
    if !t.problems.is_empty() {
        h.push_str("<h3>Files not used</h3>\n<ul class=\"warn\">\n");
        for p in &t.problems {
            h.push_str(&format!(
                "<li>{}: {}: {}</li>\n",
                escape(&p.file.display().to_string()),
                escape(p.code),
                escape(&p.detail)
            ));
        }
        h.push_str("</ul>\n");
    }
    h.push_str("<p class=\"help\">Drag to zoom, double-click to reset.</p>\n");
    charts_host(&mut h);
    Ok(Page {
        title: &format!("srtlog: metrics scrapes of {shown}"),
        subtitle: "",
        generator: &generator(),
        body: &h,
        data_json: &data,
        script: CHARTS_JS,
    }
    .render())
}

#[cfg(test)]
mod tests {
    use super::*;
    use srtlog::snapshots::interval::Column;

    fn table() -> IntervalTable {
        let col = |name: &str, values: Vec<Option<f64>>| Column {
            name: name.into(),
            values,
        };
        IntervalTable {
            t_s: vec![1.0, 2.0, 3.0],
            dt_s: vec![1.0; 3],
            resets: vec![0, 1, 0],
            columns: vec![
                col("lat:mean", vec![Some(1.0), None, Some(2.0)]),
                col("lat:p99", vec![Some(3.0), None, Some(f64::NAN)]),
                col("lat:count_rate", vec![Some(1.0), Some(1.0), Some(1.0)]),
                col("idle", vec![Some(0.0), Some(0.0), None]),
                col("running", vec![Some(4.0), Some(5.0), Some(6.0)]),
            ],
            ..Default::default()
        }
    }

    #[test]
    fn columns_grouped_by_metric() {
        let c = interval_charts(&table());
        let ids: Vec<&str> = c.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["lat", "running"]);
        let labels: Vec<&str> = c[0].series.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, ["mean", "p99"]);
        // NaN is missing, like a gap.
        assert_eq!(c[0].series[1].y, [Some(3.0), None, None]);
        assert_eq!(c[0].series[1].points(), 1);
        assert_eq!(c[1].series[0].label, "value");
        assert_eq!(c[1].x, [1.0, 2.0, 3.0]);
    }

    #[test]
    fn page_embeds_the_charts_in_the_shared_shell() {
        let html = render_interval(&table(), Path::new("/runs/<x>")).unwrap();
        assert!(html.contains(crate::page::CSP));
        assert!(html.contains("/runs/&lt;x&gt;: 0 scrapes, 3 intervals over 3.0 s, 1 interval(s)"));
        assert!(html.contains("\"id\":\"lat\""));
        assert!(html.contains("id=\"srtlog-data\""));
        assert!(!html.contains("/runs/<x>"));
    }
}
