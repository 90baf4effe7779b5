//! The interactive HTML report of `srtlog viz`: one self-contained file.
//!
//! Layout: a header, the run summary (workers, time range, configuration,
//! how lines were computed), the workers table, the charts (drawn in the
//! browser by uPlot from JSON embedded in the page), the statistics table,
//! and a footer with the uPlot licence.
//!
//! Tables are rendered here, so the numbers are readable even without
//! JavaScript; the charts are built by `assets/report.js`. The page's data
//! is a `<script type="application/json" id="srtlog-data">` element: the
//! charts of [`srtlog::series::SeriesSet`] plus the run's start and length.
//! After drawing, the page (`page.js`) adds `<script type="application/json"
//! id="srtlog-rendered">` with what it drew, for tests (`report.js`):
//!
//! ```json
//! { "charts": [ { "id": "chart-gen_throughput", "title": "Generation throughput",
//!                 "drawn": true,
//!                 "series": [ { "label": "eos0250_decode_w0", "points": 1834 } ] } ],
//!   "expected_charts": 14, "resources": [], "errors": [] }
//! ```
//!
//! `points` counts drawn values (gaps excluded) and equals
//! [`srtlog::series::Series::points`]; `resources` lists everything the page
//! fetched (always empty); `errors` holds script errors.
//!
//! The page shell (CSP, embedded data, self-check, footer) is
//! [`crate::page`], shared with every other report; numbers are formatted by
//! [`crate::text`] (thousands separators in tables).

pub use crate::page::{escape, CSP};
use crate::page::{script_json, Page};
use crate::text::{format_duration, format_grouped, group};
use crate::ReportError;
use serde::Serialize;
use srtlog::series::{Chart, GroupBy, SeriesSet, Side};
use srtlog::summary::{format_range, RunSummary, WorkerSummary};
use srtlog::WorkerType;
use std::fmt::Write as _;

const REPORT_JS: &str = include_str!("../assets/report.js");

/// What a report shows.
#[derive(Clone, Debug)]
pub struct Report<'a> {
    /// Per-worker summary and totals.
    pub summary: &'a RunSummary,
    /// Charts and statistics.
    pub series: &'a SeriesSet,
    /// The paths given by the user.
    pub inputs: Vec<String>,
    /// Name and version of the generating program.
    pub generator: String,
}

impl<'a> Report<'a> {
    /// A report of `summary` and `series`.
    pub fn new(summary: &'a RunSummary, series: &'a SeriesSet) -> Report<'a> {
        Report {
            summary,
            series,
            inputs: Vec::new(),
            generator: format!("srtlog {}", env!("CARGO_PKG_VERSION")),
        }
    }
}

/// The data the page script reads, but its last field, `charts`
/// ([`payload_json`]).
#[derive(Serialize)]
struct Payload<'a> {
    run_name: &'a str,
    run_start: Option<&'a str>,
    run_start_us: Option<i64>,
    duration_s: i64,
    bucket_s: i64,
    group_by: GroupBy,
    max_points: usize,
}

/// The page's data: `head` with the charts as its last field, `charts`,
/// for a `<script>` element ([`script_json`]). Each chart is serialized
/// on rayon's pool and the pieces are joined as `serde_json` joins an
/// object's last field and a sequence (`,"charts":[a,b]}`), so the bytes
/// are those of serializing it all at once. The points are most of a
/// report's bytes, and formatting their numbers most of its rendering.
fn payload_json(head: &Payload<'_>, charts: &[Chart]) -> Result<String, ReportError> {
    use rayon::prelude::*;
    let parts = charts
        .par_iter()
        .map(script_json)
        .collect::<Result<Vec<String>, _>>()?;
    let mut s = script_json(head)?;
    s.pop(); // the object's closing brace
    s.reserve(parts.iter().map(|p| p.len() + 1).sum::<usize>() + 16);
    if s.len() > 1 {
        s.push(',');
    }
    s.push_str("\"charts\":[");
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(p);
    }
    s.push_str("]}");
    Ok(s)
}

/// Renders the whole page.
pub fn render_html(r: &Report<'_>) -> Result<String, ReportError> {
    let s = r.series;
    let payload = Payload {
        run_name: &r.summary.run_name,
        run_start: s.run_start.as_deref(),
        run_start_us: s.run_start_us,
        duration_s: s.duration_s,
        bucket_s: s.bucket_s,
        group_by: s.group_by,
        max_points: s.max_points,
    };
    let data = payload_json(&payload, &s.charts)?;
    let title = format!("srtlog report: {}", r.summary.run_name);
    let mut h = String::with_capacity(64 * 1024);
    summary_section(&mut h, r);
    workers_section(&mut h, r.summary);
    let _ = write!(
        h,
        "<h2 id=\"charts-top\">Charts</h2>\n<p class=\"help\">Drag across a chart to zoom in; \
         double-click to zoom out; Shift+drag (or middle-drag) to pan; Ctrl/Alt+wheel to zoom \
         around the cursor; hover for values; click a legend entry to hide or show its line.\
         <label><input type=\"checkbox\" id=\"link-zoom\" checked> zoom all charts together</label></p>\n\
         <nav class=\"toc\" id=\"toc\"></nav>\n<div id=\"charts\"><noscript><p class=\"warn\">The \
         charts need JavaScript; the tables above and below do not.</p></noscript></div>\n"
    );
    stats_section(&mut h, s);
    Ok(Page {
        title: &title,
        subtitle: &subtitle(r.summary),
        generator: &r.generator,
        body: &h,
        data_json: &data,
        script: REPORT_JS,
    }
    .render())
}

fn subtitle(s: &RunSummary) -> String {
    let mut parts = vec![type_counts(s)];
    parts.push(format_range(s.time_range()));
    parts.join(" · ")
}

fn type_counts(s: &RunSummary) -> String {
    let v: Vec<String> = s
        .by_type()
        .iter()
        .map(|t| format!("{} {}", t.count, t.worker_type.as_str()))
        .collect();
    let n = s.workers.len();
    format!(
        "{n} worker{} ({})",
        if n == 1 { "" } else { "s" },
        v.join(", ")
    )
}

/// Distinct values of `f` over the workers of each type: `prefill: a; decode: b`.
fn per_type(s: &RunSummary, f: impl Fn(&WorkerSummary) -> Option<String>) -> String {
    let mut out: Vec<String> = Vec::new();
    for row in s.by_type() {
        let mut vals: Vec<String> = s
            .workers
            .iter()
            .filter(|w| w.worker_type == row.worker_type)
            .filter_map(&f)
            .collect();
        vals.sort();
        vals.dedup();
        if !vals.is_empty() {
            out.push(format!("{}: {}", row.worker_type.as_str(), vals.join(", ")));
        }
    }
    if out.is_empty() {
        "not printed in the logs".into()
    } else {
        out.join("; ")
    }
}

/// A count with thousands separators.
fn grouped<N: TryInto<i64>>(n: N) -> String {
    n.try_into().map_or_else(|_| "–".into(), group)
}

/// One decimal, with thousands separators (`1,234.5`).
fn group_digits_1(v: f64) -> String {
    let whole = format!("{v:.1}");
    match whole.split_once('.') {
        Some((i, f)) => match i.parse::<i64>() {
            Ok(n) => format!("{}.{f}", group(n)),
            Err(_) => whole,
        },
        None => whole,
    }
}

fn kv(h: &mut String, k: &str, v: &str) {
    let _ = writeln!(h, "<tr><th>{}</th><td>{}</td></tr>", escape(k), escape(v));
}

fn summary_section(h: &mut String, r: &Report<'_>) {
    let s = r.summary;
    let ss = r.series;
    let t = &s.totals;
    h.push_str("<h2 id=\"summary\">Run</h2>\n<table class=\"kv\">\n");
    kv(h, "Run", &s.run_name);
    let input = if r.inputs.is_empty() {
        s.logs_dir.clone().unwrap_or_default()
    } else {
        r.inputs.join(", ")
    };
    kv(h, "Input", &input);
    kv(h, "Workers", &type_counts(s));
    kv(h, "Time range (batch lines)", &format_range(s.time_range()));
    if let Some(start) = &ss.run_start {
        kv(
            h,
            "Elapsed time",
            &format!(
                "counted from {} (the first line of any worker log, start-up included); last bucket at {}",
                start.replace('T', " "),
                format_duration(ss.duration_s as f64)
            ),
        );
    }
    kv(
        h,
        "Lines read",
        &format!(
            "{} prefill and {} decode batches, {} memory snapshots, {} duplicate TP/PP lines dropped; {} batch and engine-statistics rows charted; {} lines, {} MB",
            grouped(t.prefill_batches),
            grouped(t.decode_batches),
            grouped(t.memory_snapshots),
            grouped(t.duplicate_lines),
            grouped(ss.rows.batch),
            grouped(t.lines),
            group_digits_1(t.bytes as f64 / 1e6)
        ),
    );
    kv(h, "Model", &per_type(s, |w| w.config.model_path.clone()));
    kv(
        h,
        "Parallelism",
        &per_type(s, |w| {
            let c = &w.config;
            let mut p = Vec::new();
            for (n, v) in [
                ("TP", c.tp_size),
                ("DP", c.dp_size),
                ("EP", c.ep_size),
                ("PP", c.pp_size),
            ] {
                if let Some(v) = v {
                    p.push(format!("{n} {v}"));
                }
            }
            if c.enable_dp_attention == Some(true) {
                p.push("DP attention".into());
            }
            (!p.is_empty()).then(|| p.join(" · "))
        }),
    );
    kv(
        h,
        "Disaggregation mode",
        &per_type(s, |w| {
            // ServerArgs prints Python's None for aggregated serving.
            match (w.config.disaggregation_mode.as_deref(), w.config.aggregated) {
                (None | Some("null" | "None"), Some(true)) | (Some("null" | "None"), _) => {
                    Some("none (aggregated)".to_string())
                }
                (m, _) => m.map(str::to_string),
            }
        }),
    );
    let grouping = match ss.group_by {
        GroupBy::Worker => "one line per worker log (its DP ranks combined)",
        GroupBy::Dp => "one line per worker type and DP rank (the schedulers of that rank in all workers combined)",
        GroupBy::All => "one line per worker type (all its workers combined)",
    };
    kv(
        h,
        "Lines",
        &format!(
            "--group-by {}: {grouping}. Aggregated workers are split into their prefill and decode batches.",
            ss.group_by.as_str()
        ),
    );
    kv(
        h,
        "Aggregation",
        "Each scheduler's lines are first put into time buckets (the mean of gauges and throughputs, the per-second rate of per-batch amounts); then extensive metrics (throughputs, request and token counts) are summed over the schedulers a line groups, and intensive ones (usage fractions, per-GPU memory, accept length) are averaged.",
    );
    kv(
        h,
        "Time buckets",
        &format!(
            "{} s. A gauge keeps its last value across gaps of up to {} s between a scheduler's lines; longer gaps are shown as gaps.",
            ss.bucket_s, ss.hold_s
        ),
    );
    let (ds, n) = ss.downsampled();
    let down = if ss.max_points == 0 {
        "off (--max-points 0): every point is drawn.".to_string()
    } else if ds == 0 {
        format!(
            "none needed: no line has more than {} points.",
            ss.max_points
        )
    } else {
        format!(
            "{ds} of {n} lines had more than {max} points and were downsampled with M4 (first, last, minimum and maximum per column of the time axis, so spikes are kept) to at most {max} points. Zooming in shows the downsampled points; rerun with --max-points 0 to keep all.",
            max = ss.max_points
        )
    };
    kv(h, "Downsampling", &down);
    let warnings = t.warnings + ss.warnings.len();
    if warnings > 0 {
        let mut all: Vec<String> = s
            .workers
            .iter()
            .flat_map(|w| w.warnings.iter().map(move |m| format!("{}: {m}", w.file)))
            .collect();
        all.extend(ss.warnings.iter().cloned());
        kv(h, "Warnings", &all.join("; "));
    }
    h.push_str("</table>\n");
}

/// What is worth saying about a worker's batches.
fn worker_notes(w: &WorkerSummary) -> String {
    let mut n = Vec::new();
    let none = |k: &str| format!("no {k} batches");
    // Only SGLang prints batch lines; vLLM engines print statistics.
    let batches_expected = w.backend == "sglang";
    match w.worker_type {
        _ if !batches_expected => {}
        WorkerType::Prefill if w.prefill_batches == 0 => n.push(none("prefill")),
        WorkerType::Decode if w.decode_batches == 0 => n.push(none("decode")),
        WorkerType::Agg => {
            if w.prefill_batches == 0 {
                n.push(none("prefill"));
            }
            if w.decode_batches == 0 {
                n.push(none("decode"));
            }
        }
        WorkerType::Unknown => n.push("no batch lines".into()),
        _ => {}
    }
    if !w.warnings.is_empty() {
        n.push(format!("{} warning(s)", w.warnings.len()));
    }
    n.join("; ")
}

fn workers_section(h: &mut String, s: &RunSummary) {
    h.push_str(
        "<h2 id=\"workers\">Workers</h2>\n<div class=\"scroll\"><table>\n<tr><th>File</th><th>Type</th>\
         <th>Node</th><th>Worker</th><th class=\"num\">Prefill batches</th><th class=\"num\">Decode batches</th>\
         <th class=\"num\">Duplicate lines</th><th class=\"num\">Memory snapshots</th>\
         <th class=\"num\">Schedulers</th><th>Time range</th><th>Notes</th></tr>\n",
    );
    for w in &s.workers {
        let name = std::path::Path::new(&w.file)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| w.file.clone());
        let notes = worker_notes(w);
        let _ = writeln!(
            h,
            "<tr><td title=\"{}\">{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td>{}</td><td class=\"{}\">{}</td></tr>",
            escape(&w.file),
            escape(&name),
            w.worker_type.as_str(),
            escape(&w.node),
            escape(&w.worker_id),
            grouped(w.prefill_batches),
            grouped(w.decode_batches),
            grouped(w.duplicate_lines),
            grouped(w.memory_snapshots),
            grouped(w.schedulers),
            escape(&format_range(w.time_range())),
            if notes.is_empty() { "" } else { "warn" },
            escape(&notes),
        );
    }
    h.push_str("</table></div>\n");
}

fn side_title(side: Side) -> &'static str {
    match side {
        Side::Prefill => "prefill batches",
        Side::Decode => "decode batches",
        Side::Engine => "engine statistics (whole engine)",
        Side::Memory => "memory snapshots",
    }
}

fn stats_section(h: &mut String, s: &SeriesSet) {
    let _ = write!(
        h,
        "<h2 id=\"stats\">Statistics</h2>\n<p class=\"note\">Per worker type and metric, over \
         per-scheduler values: one value per scheduler (DP rank of a worker; TP/PP duplicates \
         excluded) and {b}-second bucket in which it printed a line — the mean of its lines there, \
         or the per-second rate for per-batch amounts. Percentiles interpolate linearly between \
         closest ranks (numpy's default); std is the population standard deviation. The same \
         table: <code>srtlog stats PATH</code> (<code>--json</code> for scripts).</p>\n\
         <div class=\"scroll\"><table>\n<tr><th>Worker type</th><th>Values from</th><th>Metric</th>\
         <th>Unit</th>",
        b = s.bucket_s
    );
    for c in [
        "count", "mean", "median", "std", "min", "max", "p25", "p75", "p95", "p99",
    ] {
        let _ = write!(h, "<th class=\"num\">{c}</th>");
    }
    h.push_str("</tr>\n");
    for r in &s.stats {
        let m = &r.summary;
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td title=\"{}\">{}</td><td>{}</td><td class=\"num\">{}</td>",
            r.worker_type.as_str(),
            side_title(r.side),
            escape(&r.metric),
            escape(&r.title),
            escape(&r.unit),
            grouped(m.count)
        );
        for v in [
            m.mean, m.median, m.std, m.min, m.max, m.p25, m.p75, m.p95, m.p99,
        ] {
            let _ = write!(h, "<td class=\"num\">{}</td>", format_grouped(v));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table></div>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use srtlog::series::{SeriesBuilder, SeriesOptions};

    #[test]
    fn page_is_self_contained_and_escaped() {
        let summary = RunSummary::new("run <x> & \"y\"".into(), None, Vec::new());
        let series = SeriesBuilder::new(SeriesOptions::default()).finish();
        let html = render_html(&Report::new(&summary, &series)).unwrap();
        assert!(html.contains(CSP));
        assert!(html.contains("run &lt;x&gt; &amp; &quot;y&quot;"));
        assert!(!html.contains("run <x>"));
        // No reference that a browser would fetch.
        for bad in ["src=\"http", "href=\"http", "url(", "@import", "<link"] {
            assert!(!html.contains(bad), "{bad}");
        }
        let start = html.find("id=\"srtlog-data\">").unwrap();
        assert!(html[start..].contains("\"charts\":[]"));
    }

    /// The data pieced together from charts serialized apart is, byte for
    /// byte, the whole payload serialized at once (escaped for a script
    /// element), with no chart, one, and several, labels holding `<`.
    #[test]
    fn the_payload_pieced_together_is_the_payload_serialized_at_once() {
        use srtlog::series::{catalogue, Series, Side};
        #[derive(Serialize)]
        struct Whole<'a> {
            #[serde(flatten)]
            head: &'a Payload<'a>,
            charts: &'a [Chart],
        }
        let chart = |i: usize| Chart {
            id: format!("chart-{i}"),
            metric: catalogue()[i].clone(),
            series: vec![Series {
                label: format!("w{i} </script><!--"),
                worker_type: srtlog::WorkerType::Decode,
                side: Side::Decode,
                dp: Some(i as u16),
                x: vec![0, 5, 10],
                y: vec![Some(0.1), None, Some(-2.5e-7 * i as f64)],
                points: 2,
                raw_points: 3,
                downsampled: i % 2 == 1,
            }],
            missing: vec!["<b>".into()],
        };
        for n in [0, 1, 4] {
            let charts: Vec<Chart> = (0..n).map(chart).collect();
            let head = Payload {
                run_name: "run <1>",
                run_start: Some("2026-01-01T00:00:00Z"),
                run_start_us: Some(-3),
                duration_s: 60,
                bucket_s: 2,
                group_by: GroupBy::Worker,
                max_points: 2000,
            };
            let want = script_json(&Whole {
                head: &head,
                charts: &charts,
            })
            .unwrap();
            assert_eq!(payload_json(&head, &charts).unwrap(), want, "{n} charts");
            assert!(!want.contains('<'));
        }
    }
}
