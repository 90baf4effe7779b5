//! AIPerf run summaries: `profile_export_aiperf.json` (formats.md §3.4) and
//! `profile_export_aiperf.csv` (§3.5), read into one [`RunSummary`] so the
//! statistics recomputed from the records can be compared with AIPerf's.
//!
//! Layouts: 0.1.x JSON keeps metrics under `records` with `tag`, `header`
//! and `count`; 0.5 JSON is flat (`{tag: {unit, avg, p1…p99, min, max,
//! std}}`) next to `input_config`, `telemetry_data` and friends; metrics
//! not computed are `null`. Tags are normalised (0.1.x `ttft`/`ttst` →
//! `time_to_first_token`/`time_to_second_token`). The CSV's first column
//! `"<Header> (<unit>)"` is turned into a tag by lower-casing and joining
//! words with `_` (`Time to First Token (ms)` → `time_to_first_token`),
//! which matches AIPerf's tags for every metric of §3.2.

use serde_json::Value;
use std::collections::BTreeMap;

/// One metric of a summary. Absent statistics are NaN.
#[derive(Clone, Debug, PartialEq)]
pub struct SummaryStat {
    /// Unit as written (`ms`, `tokens/sec`, …).
    pub unit: String,
    /// Mean (or the value of an aggregate metric).
    pub avg: f64,
    /// Minimum.
    pub min: f64,
    /// Maximum.
    pub max: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Standard deviation.
    pub std: f64,
    /// Count, when the layout has one (0.1.x JSON).
    pub count: Option<u64>,
}

/// A run summary.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunSummary {
    /// Metrics by normalised tag.
    pub metrics: BTreeMap<String, SummaryStat>,
    /// Concurrency, when stated (`input_config.loadgen` in 0.5,
    /// `input_config.phases[]` in 0.13: [`super::load`]).
    pub concurrency: Option<f64>,
    /// Request rate, when stated (as `concurrency`).
    pub request_rate: Option<f64>,
    /// Where the load was read, when it was.
    pub load_source: Option<String>,
    /// GPUs in the telemetry, when there is telemetry.
    pub gpus: Option<u32>,
    /// The configuration without its load ([`super::load::config_key`]);
    /// `None` without `input_config`.
    pub config_key: Option<String>,
    /// `aiperf_version`, when stated.
    pub aiperf_version: Option<String>,
    /// `error_summary` as `(type, count)`.
    pub errors: Vec<(String, u64)>,
    /// Which layout was read: `json-0.1`, `json-flat` or `csv`.
    pub layout: &'static str,
}

impl RunSummary {
    /// The metric `tag`.
    pub fn get(&self, tag: &str) -> Option<&SummaryStat> {
        self.metrics.get(tag)
    }
}

/// Normalises a tag across generations.
pub fn normalise_tag(tag: &str) -> &str {
    match tag {
        "ttft" => "time_to_first_token",
        "ttst" => "time_to_second_token",
        t => t,
    }
}

fn f(v: &Value, k: &str) -> f64 {
    v.get(k).and_then(Value::as_f64).unwrap_or(f64::NAN)
}

fn stat_of(v: &Value) -> Option<SummaryStat> {
    let o = v.as_object()?;
    if !o.contains_key("avg") && !o.contains_key("unit") {
        return None;
    }
    Some(SummaryStat {
        unit: v
            .get("unit")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        avg: f(v, "avg"),
        min: f(v, "min"),
        max: f(v, "max"),
        p50: f(v, "p50"),
        p90: f(v, "p90"),
        p95: f(v, "p95"),
        p99: f(v, "p99"),
        std: f(v, "std"),
        count: v.get("count").and_then(Value::as_u64),
    })
}

/// Parses `profile_export_aiperf.json`. `Err` names what was found when
/// the text is not an AIPerf summary.
pub fn parse_summary_json(text: &[u8]) -> Result<RunSummary, String> {
    let v: Value = serde_json::from_slice(text).map_err(|e| format!("not JSON: {e}"))?;
    let top = v.as_object().ok_or("not a JSON object")?;
    let mut s = RunSummary::default();
    let (metrics, layout) = match top.get("records").and_then(Value::as_object) {
        Some(r) => (r, "json-0.1"),
        None => (top, "json-flat"),
    };
    s.layout = layout;
    for (k, m) in metrics {
        if let Some(st) = stat_of(m) {
            s.metrics.insert(normalise_tag(k).to_string(), st);
        }
    }
    if s.metrics.is_empty() {
        return Err("a JSON object without AIPerf metric statistics".into());
    }
    if let Some(ic) = top.get("input_config") {
        let load = super::load::run_load(ic);
        s.concurrency = load.concurrency;
        s.request_rate = load.request_rate;
        s.load_source = load.source;
        s.config_key = Some(super::load::config_key(ic));
    }
    s.gpus = super::load::gpu_count(&v);
    s.aiperf_version = top
        .get("aiperf_version")
        .and_then(Value::as_str)
        .map(str::to_string);
    if let Some(errs) = top.get("error_summary").and_then(Value::as_array) {
        for e in errs {
            let kind = e
                .pointer("/error_details/type")
                .and_then(Value::as_str)
                .unwrap_or("error");
            let n = e.get("count").and_then(Value::as_u64).unwrap_or(0);
            s.errors.push((kind.to_string(), n));
        }
    }
    Ok(s)
}

/// `Time to First Token (ms)` → (`time_to_first_token`, `ms`).
fn tag_of_header(h: &str) -> (String, String) {
    let (name, unit) = match (h.rfind(" ("), h.ends_with(')')) {
        (Some(i), true) => (&h[..i], &h[i + 2..h.len() - 1]),
        _ => (h, ""),
    };
    let tag: String = name
        .split_whitespace()
        .map(str::to_ascii_lowercase)
        .collect::<Vec<_>>()
        .join("_");
    (tag, unit.to_string())
}

/// Parses `profile_export_aiperf.csv` (CRLF or LF; the per-request section
/// and the `Metric,Value` section; the GPU section is skipped).
pub fn parse_summary_csv(text: &str) -> Result<RunSummary, String> {
    let mut s = RunSummary {
        layout: "csv",
        ..RunSummary::default()
    };
    let mut header: Vec<String> = Vec::new();
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            header.clear();
            continue;
        }
        // Headers hold no quotes; metric names with commas are quoted.
        let cells = split_csv(line);
        if header.is_empty() {
            header = cells;
            continue;
        }
        if header.first().map(String::as_str) != Some("Metric") {
            continue;
        }
        let Some(first) = cells.first() else { continue };
        let (tag, unit) = tag_of_header(first);
        let col = |name: &str| {
            header
                .iter()
                .position(|h| h == name)
                .and_then(|i| cells.get(i))
                .and_then(|c| c.parse::<f64>().ok())
                .unwrap_or(f64::NAN)
        };
        let avg = if header.get(1).map(String::as_str) == Some("Value") {
            col("Value")
        } else {
            col("avg")
        };
        s.metrics.insert(
            normalise_tag(&tag).to_string(),
            SummaryStat {
                unit,
                avg,
                min: col("min"),
                max: col("max"),
                p50: col("p50"),
                p90: col("p90"),
                p95: col("p95"),
                p99: col("p99"),
                std: col("std"),
                count: None,
            },
        );
    }
    if s.metrics.is_empty() {
        return Err("a CSV without AIPerf `Metric,…` rows".into());
    }
    Ok(s)
}

fn split_csv(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut q = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, q) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => q = !q,
            (',', false) => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}
