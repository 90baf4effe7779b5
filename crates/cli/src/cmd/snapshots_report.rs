//! The HTML report of `srtlog snapshots --interval --report`: one chart per
//! metric (rates, interval mean and bucket quantiles together, gauges) over
//! the scrape time, drawn as inline SVG.
//!
//! Inline SVG instead of uPlot: the charts are few and static, and the page
//! then needs no script at all; its Content-Security-Policy forbids scripts
//! and every fetch, so it opens offline and is safe to mail around.

use anyhow::Result;
use srtlog::snapshots::interval::IntervalTable;
use srtlog_report::html::escape;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";
const COLORS: [&str; 6] = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
];
const W: f64 = 640.0;
const H: f64 = 180.0;
const PAD: f64 = 40.0;

/// Renders the report.
pub fn render(t: &IntervalTable, dir: &Path) -> Result<String> {
    // Group columns by metric: `base:stat` → base.
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
    let mut h = String::with_capacity(64 << 10);
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\
<title>srtlog: metrics scrapes of {}</title><style>\
body{{font-family:system-ui,sans-serif;margin:1.5em;color:#222}}\
.chart{{display:inline-block;margin:0 1em 1.5em 0;vertical-align:top}}\
h2{{font-size:1em;margin:.2em 0;font-family:monospace}} .legend span{{margin-right:1em;font-size:.85em}}\
svg text{{font-size:11px;fill:#555}}</style></head><body>",
        escape(&dir.display().to_string())
    );
    let resets = t.resets.iter().filter(|&&r| r > 0).count();
    let _ = write!(
        h,
        "<h1>Metrics scrapes</h1><p id=\"summary\">{}: {} scrapes, {} intervals over {:.1} s, {} interval(s) with a counter reset (handled), {} chart(s). Rates are per second; histograms show the interval mean and bucket-estimated p50/p90/p99.</p>",
        escape(&dir.display().to_string()),
        t.files.len(),
        t.t_s.len(),
        t.t_s.last().copied().unwrap_or(0.0),
        resets,
        groups.len()
    );
    for (base, cols) in &groups {
        chart(&mut h, t, base, cols);
    }
    h.push_str("</body></html>\n");
    Ok(h)
}

fn chart(h: &mut String, t: &IntervalTable, base: &str, cols: &[usize]) {
    let xs = &t.t_s;
    let (x0, x1) = (
        xs.first().copied().unwrap_or(0.0),
        xs.last().copied().unwrap_or(1.0),
    );
    let vals = cols
        .iter()
        .flat_map(|&c| t.columns[c].values.iter().flatten().copied());
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in vals {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    lo = lo.min(0.0);
    if hi <= lo {
        hi = lo + 1.0;
    }
    let xspan = if x1 > x0 { x1 - x0 } else { 1.0 };
    let px = |x: f64| PAD + (x - x0) / xspan * (W - PAD - 10.0);
    let py = |y: f64| H - 20.0 - (y - lo) / (hi - lo) * (H - 30.0);
    let _ = write!(
        h,
        "<div class=\"chart\"><h2>{}</h2><svg width=\"{W}\" height=\"{H}\" role=\"img\">\
<line x1=\"{PAD}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#999\"/>\
<text x=\"2\" y=\"14\">{}</text><text x=\"2\" y=\"{}\">{}</text>\
<text x=\"{PAD}\" y=\"{}\">{x0:.0} s</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{x1:.0} s</text>",
        escape(base),
        H - 20.0,
        W - 10.0,
        H - 20.0,
        srtlog_report::text::format_value(hi),
        H - 22.0,
        srtlog_report::text::format_value(lo),
        H - 4.0,
        W - 10.0,
        H - 4.0
    );
    let mut legend = String::new();
    for (k, &c) in cols.iter().enumerate() {
        let col = &t.columns[c];
        let color = COLORS[k % COLORS.len()];
        // Gaps (no data) split the line.
        let mut d = String::new();
        let mut pen = false;
        for (i, v) in col.values.iter().enumerate() {
            match v {
                Some(v) => {
                    let _ = write!(
                        d,
                        "{}{:.1},{:.1} ",
                        if pen { "L" } else { "M" },
                        px(xs[i]),
                        py(*v)
                    );
                    pen = true;
                }
                None => pen = false,
            }
        }
        let _ = write!(
            h,
            "<path class=\"series\" d=\"{d}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"1.5\"/>"
        );
        let stat = col.name.rsplit_once(':').map_or("value", |(_, s)| s);
        let _ = write!(
            legend,
            "<span style=\"color:{color}\">&#9632; {}</span>",
            escape(stat)
        );
    }
    let _ = write!(h, "</svg><div class=\"legend\">{legend}</div></div>");
}

/// Writes the report atomically (complete or absent).
pub fn write(path: &Path, html: &str) -> Result<()> {
    srtlog_report::output::write_atomic(path, html.as_bytes())?;
    Ok(())
}
