//! Terminal tables of `srtlog requests`: pure formatting of the library's
//! reports (no figure is computed here).

use srtlog::requests::anomalies::AnomalyReport;
use srtlog::requests::breakdown::BreakdownReport;
use srtlog::requests::correlate::CorrelationReport;
use srtlog::requests::summary::{RequestSummary, SummaryReport};
use srtlog::requests::trends::TrendReport;
use srtlog::requests::window::{Side, WindowReport};
use srtlog_report::table::{Align, BoxTable};
use srtlog_report::text::{format_grouped, format_unit, group};

fn pct(x: f64) -> String {
    format_unit(x * 100.0, 2, "%")
}

fn ms(x: f64) -> String {
    if x.is_nan() {
        "-".into()
    } else {
        format!("{} ms", format_grouped(x))
    }
}

fn right(n: usize) -> Vec<Align> {
    std::iter::once(Align::Left)
        .chain(std::iter::repeat_n(Align::Right, n.saturating_sub(1)))
        .collect()
}

fn header(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|s| s.to_string()).collect()
}

/// The table of `summary`.
pub fn summary_table(s: &SummaryReport) -> String {
    let a = &s.all;
    let rows: Vec<(&str, String)> = vec![
        ("Total requests", group(a.total_requests as i64)),
        ("Successes", group(a.successes as i64)),
        ("Errors", group(a.errors as i64)),
        ("Error rate", pct(a.error_rate)),
        ("Average latency", ms(a.avg_latency_ms)),
        ("P50 latency", ms(a.p50_latency_ms)),
        ("P90 latency", ms(a.p90_latency_ms)),
        ("P95 latency", ms(a.p95_latency_ms)),
        ("P99 latency", ms(a.p99_latency_ms)),
        ("Max latency", ms(a.max_latency_ms)),
        (
            "Time span",
            match (&a.first_timestamp, &a.last_timestamp) {
                (Some(f), Some(l)) => format!("{f} – {l}"),
                _ => "-".into(),
            },
        ),
        (
            "Throughput",
            format!("{} req/s", format_grouped(a.throughput_rps)),
        ),
    ];
    let mut out = BoxTable {
        title: Some("Request summary".into()),
        header: header(&["Metric", "Value"]),
        align: vec![Align::Left, Align::Right],
        rows: rows
            .into_iter()
            .map(|(k, v)| vec![k.to_owned(), v])
            .collect(),
        footer: vec![],
    }
    .render();
    if s.per_model.len() > 1 {
        out.push_str(&group_table(
            "Per model",
            "Model",
            s.per_model.iter().map(|(k, v)| (k.as_str(), v)),
        ));
    }
    let fields = BoxTable {
        title: Some("Numeric fields".into()),
        header: header(&["Field", "Count", "Mean", "P50", "P95", "P99", "Max"]),
        align: right(7),
        rows: s
            .fields
            .iter()
            .map(|(k, st)| {
                vec![
                    k.clone(),
                    group(st.count as i64),
                    format_grouped(st.mean),
                    format_grouped(st.median),
                    format_grouped(st.p95),
                    format_grouped(st.p99),
                    format_grouped(st.max),
                ]
            })
            .collect(),
        footer: vec![],
    };
    out.push_str(&fields.render());
    out
}

/// One row per group (per model, or `compare --by`).
pub fn group_table<'a>(
    title: &str,
    key: &str,
    groups: impl Iterator<Item = (&'a str, &'a RequestSummary)>,
) -> String {
    BoxTable {
        title: Some(title.into()),
        header: header(&[
            key,
            "Requests",
            "Avg latency",
            "P99 latency",
            "Throughput",
            "Error rate",
        ]),
        align: right(6),
        rows: groups
            .map(|(k, g)| {
                vec![
                    if k.is_empty() {
                        "(none)".into()
                    } else {
                        k.to_owned()
                    },
                    group(g.total_requests as i64),
                    ms(g.avg_latency_ms),
                    ms(g.p99_latency_ms),
                    format!("{} req/s", format_grouped(g.throughput_rps)),
                    pct(g.error_rate),
                ]
            })
            .collect(),
        footer: vec![],
    }
    .render()
}

/// The anomalies, `limit` rows listed.
pub fn anomalies(r: &AnomalyReport, limit: usize) -> String {
    let mut s = format!(
        "Found {} anomalous requests ({} of {} values, {:?} > {}; centre {}, scale {})\n",
        r.count,
        r.metric,
        r.tested,
        r.method,
        r.threshold,
        format_grouped(r.center),
        format_grouped(r.scale)
    );
    s.push_str(
        &BoxTable {
            title: None,
            header: header(&["Request", "Timestamp", "Model", &r.metric, "Score"]),
            align: vec![
                Align::Left,
                Align::Left,
                Align::Left,
                Align::Right,
                Align::Right,
            ],
            rows: r
                .anomalies
                .iter()
                .take(limit)
                .map(|x| {
                    vec![
                        x.request_id.clone().unwrap_or_default(),
                        x.timestamp.clone().unwrap_or_default(),
                        x.model.clone().unwrap_or_default(),
                        format_grouped(x.value),
                        format_unit(x.score, 2, ""),
                    ]
                })
                .collect(),
            footer: vec![],
        }
        .render(),
    );
    if r.count > limit {
        s.push_str(&format!(
            "({} more; --limit or --json for all)\n",
            r.count - limit
        ));
    }
    s
}

/// The trend rows.
pub fn trends(r: &TrendReport) -> String {
    BoxTable {
        title: Some(format!("{} {:?} per {}s", r.metric, r.agg, r.window_s)),
        header: header(&["Window start", "Requests", "Value"]),
        align: right(3),
        rows: r
            .rows
            .iter()
            .map(|x| {
                vec![
                    x.timestamp.clone(),
                    group(x.requests as i64),
                    format_grouped(x.value),
                ]
            })
            .collect(),
        footer: vec![],
    }
    .render()
}

/// The Pearson and Spearman matrices; `min_pairs` from the library.
pub fn correlations(r: &CorrelationReport, min_pairs: u64) -> String {
    let names = &r.metrics;
    let mut s = String::new();
    for (title, m) in [("Pearson", &r.pearson), ("Spearman", &r.spearman)] {
        let mut head = vec![String::new()];
        head.extend(names.iter().cloned());
        s.push_str(
            &BoxTable {
                title: Some(title.into()),
                align: right(names.len() + 1),
                header: head,
                rows: names
                    .iter()
                    .zip(m)
                    .map(|(n, row)| {
                        std::iter::once(n.clone())
                            .chain(row.iter().map(|v| format_unit(*v, 3, "")))
                            .collect()
                    })
                    .collect(),
                footer: vec![],
            }
            .render(),
        );
    }
    s.push_str(&format!(
        "pairs (requests with both values): min {min_pairs}\n"
    ));
    s
}

/// The window against the rest of the run.
pub fn window(r: &WindowReport) -> String {
    let row = |k: &str, f: &dyn Fn(&Side) -> String| vec![k.to_owned(), f(&r.window), f(&r.rest)];
    let mut rows = vec![
        row("Requests", &|s| group(s.summary.total_requests as i64)),
        row("Average latency", &|s| ms(s.summary.avg_latency_ms)),
        row("P99 latency", &|s| ms(s.summary.p99_latency_ms)),
        row("Error rate", &|s| pct(s.summary.error_rate)),
        row("Average batch size", &|s| format_grouped(s.avg_batch_size)),
        row("Max requests in one second", &|s| {
            group(s.max_requests_per_second as i64)
        }),
        row("Max in flight", &|s| group(s.max_in_flight as i64)),
        row("GPU utilization", &|s| format_unit(s.avg_gpu_util, 1, "%")),
        row("Memory usage", &|s| {
            format_unit(s.avg_memory_used_gb, 2, " GB")
        }),
    ];
    if r.window.latencies_out_of_range + r.rest.latencies_out_of_range > 0 {
        // Counted, not hidden: latencies whose end does not fit the clock.
        rows.push(row("Latencies out of range", &|s| {
            s.latencies_out_of_range.to_string()
        }));
    }
    BoxTable {
        title: Some(format!("Window {} – {}", r.from, r.to)),
        header: header(&["", "Window", "Rest of run"]),
        align: right(3),
        rows,
        footer: vec![],
    }
    .render()
}

/// The time breakdown.
pub fn breakdown(r: &BreakdownReport) -> String {
    BoxTable {
        title: Some(format!("Time breakdown of {} requests (ms)", r.requests)),
        header: header(&["Part", "Mean", "P50", "P95", "P99", "Share"]),
        align: right(6),
        rows: r
            .components
            .iter()
            .map(|c| {
                vec![
                    c.name.to_owned(),
                    format_grouped(c.stats.mean),
                    format_grouped(c.stats.median),
                    format_grouped(c.stats.p95),
                    format_grouped(c.stats.p99),
                    pct(c.share),
                ]
            })
            .collect(),
        footer: vec![vec![
            "latency".into(),
            format_grouped(r.latency.mean),
            format_grouped(r.latency.median),
            format_grouped(r.latency.p95),
            format_grouped(r.latency.p99),
            String::new(),
        ]],
    }
    .render()
}

#[cfg(test)]
mod tests {
    use super::*;
    use srtlog::formats::requests::{decode_line, FieldMap};
    use srtlog::requests::RequestTable;

    #[test]
    fn summary_table_snapshot() {
        let mut t = RequestTable::new();
        let lines = [
            r#"{"timestamp": "2026-01-01T00:00:00Z", "request_id": "a", "model": "m1", "latency_ms": 100, "batch_size": 4, "status": "success"}"#,
            r#"{"timestamp": "2026-01-01T00:00:01Z", "request_id": "b", "model": "m1", "latency_ms": 200, "batch_size": 8, "status": "success"}"#,
            r#"{"timestamp": "2026-01-01T00:00:02Z", "request_id": "c", "model": "m2", "latency_ms": 300, "batch_size": 8, "status": "error"}"#,
            r#"{"timestamp": "2026-01-01T00:00:04Z", "request_id": "d", "model": "m2", "latency_ms": 400, "batch_size": 16, "status": "success"}"#,
        ];
        for l in lines {
            let r = decode_line(l.as_bytes(), &FieldMap::default())
                .ok()
                .flatten()
                .expect("valid");
            t.push(&r);
        }
        let s = srtlog::requests::summary::summary(&t);
        // numpy.percentile([100, 200, 300, 400], 99, method="linear") == 397.0
        assert_eq!(s.all.p99_latency_ms, 397.0);
        insta::assert_snapshot!(summary_table(&s));
    }
}
