//! `srtlog audit --grafana-out DIR`: importable Grafana dashboards (the
//! workflow's batch processing, GPU monitoring and system health dashboards)
//! built only from the metric families the snapshot has, so no panel is
//! empty. Quantiles use `histogram_quantile` over `sum by (le) (rate(…))`,
//! the form the dashboards audit accepts.

use super::metrics::MetricsAudit;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// A panel to be: title and queries.
struct Panel {
    title: String,
    exprs: Vec<(String, String)>,
    unit: &'static str,
}

fn has(name: &str, words: &[&str]) -> bool {
    let n = name.to_ascii_lowercase();
    words.iter().any(|w| n.contains(w))
}

/// The snapshot's family names by type; counters carry their `_total`
/// sample name.
struct Families<'a> {
    gauges: Vec<&'a str>,
    counters: Vec<String>,
    hists: Vec<&'a str>,
}

impl<'a> Families<'a> {
    fn of(m: &'a MetricsAudit) -> Self {
        let of_type = |ty: &str| -> Vec<&'a str> {
            m.names
                .iter()
                .filter(|(_, t)| t == ty)
                .map(|(n, _)| n.as_str())
                .collect()
        };
        let counters = of_type("counter")
            .into_iter()
            .map(|n| {
                if n.ends_with("_total") {
                    n.to_string()
                } else {
                    format!("{n}_total")
                }
            })
            .collect();
        Families {
            gauges: of_type("gauge"),
            counters,
            hists: of_type("histogram"),
        }
    }

    /// Gauges whose name has one of `words`, each its own query.
    fn gauges_with(&self, words: &[&str]) -> Vec<(String, String)> {
        self.gauges
            .iter()
            .filter(|g| has(g, words))
            .map(|g| ((*g).to_string(), (*g).to_string()))
            .collect()
    }

    /// `sum(rate(counter[window]))` for counters whose name has one of `words`.
    fn rates_with(&self, words: &[&str], window: &str) -> Vec<(String, String)> {
        self.counters
            .iter()
            .filter(|c| has(c, words))
            .map(|c| (format!("sum(rate({c}[{window}]))"), c.clone()))
            .collect()
    }
}

/// A quantile of a histogram, in the form the dashboards audit accepts.
fn quantile(h: &str, p: &str) -> String {
    format!("histogram_quantile({p}, sum by (le) (rate({h}_bucket[5m])))")
}

/// Pushes a panel when it has queries.
fn push_if_any(
    out: &mut Vec<Panel>,
    title: &str,
    exprs: Vec<(String, String)>,
    unit: &'static str,
) {
    if !exprs.is_empty() {
        out.push(Panel {
            title: title.into(),
            exprs,
            unit,
        });
    }
}

/// The batch processing dashboard: queue, throughput, request time.
fn batch_panels(f: &Families) -> Vec<Panel> {
    let mut batch = Vec::new();
    push_if_any(
        &mut batch,
        "Requests running and queued",
        f.gauges_with(&["running", "waiting", "queue", "swapped"]),
        "short",
    );
    push_if_any(
        &mut batch,
        "Request throughput (requests/s)",
        f.rates_with(
            &[
                "request_success",
                "requests_total",
                "request_total",
                "num_requests",
            ],
            "1m",
        ),
        "reqps",
    );
    for h in f
        .hists
        .iter()
        .filter(|h| has(h, &["e2e", "request_duration", "request_latency"]))
    {
        batch.push(Panel {
            title: format!("Average request time ({h})"),
            exprs: vec![(
                format!("sum(rate({h}_sum[5m])) / sum(rate({h}_count[5m]))"),
                "mean".into(),
            )],
            unit: "s",
        });
    }
    batch
}

/// The GPU monitoring dashboard: memory and KV cache, tokens, load time.
fn gpu_panels(f: &Families) -> Vec<Panel> {
    let mut gpu = Vec::new();
    push_if_any(
        &mut gpu,
        "GPU memory and KV-cache usage",
        f.gauges_with(&["gpu", "cache_usage", "token_usage", "memory", "temperature"]),
        "percentunit",
    );
    push_if_any(
        &mut gpu,
        "Inference throughput (tokens/s)",
        f.rates_with(&["token"], "1m"),
        "short",
    );
    for h in f
        .hists
        .iter()
        .filter(|h| has(h, &["load", "model"]) && has(h, &["seconds"]))
    {
        gpu.push(Panel {
            title: format!("Model load time ({h})"),
            exprs: vec![(quantile(h, "0.5"), "p50".into())],
            unit: "s",
        });
    }
    gpu
}

/// The system health dashboard: latency quantiles, errors, process.
fn health_panels(f: &Families) -> Vec<Panel> {
    let mut health = Vec::new();
    for h in f.hists.iter().filter(|h| {
        has(
            h,
            &[
                "latency",
                "duration",
                "time_to_first",
                "inter_token",
                "time_per_output",
                "e2e",
            ],
        )
    }) {
        health.push(Panel {
            title: format!("{h} (P50, P95, P99)"),
            exprs: [("0.5", "p50"), ("0.95", "p95"), ("0.99", "p99")]
                .iter()
                .map(|(p, label)| (quantile(h, p), (*label).to_string()))
                .collect(),
            unit: "s",
        });
    }
    push_if_any(
        &mut health,
        "Error rate",
        f.rates_with(&["error", "fail", "abort"], "5m"),
        "reqps",
    );
    push_if_any(
        &mut health,
        "Process health",
        f.gauges_with(&["process_resident_memory", "process_open_fds"]),
        "short",
    );
    health
}

/// The three dashboards as `(file name, dashboard JSON)`; dashboards
/// without a panel are left out.
pub fn build(m: &MetricsAudit) -> Vec<(String, Value)> {
    let f = Families::of(m);
    [
        ("batch-processing", "Batch Processing", batch_panels(&f)),
        ("gpu-monitoring", "GPU Monitoring", gpu_panels(&f)),
        ("system-health", "System Health", health_panels(&f)),
    ]
    .into_iter()
    .filter(|(_, _, p)| !p.is_empty())
    .map(|(uid, title, panels)| (format!("{uid}.json"), dashboard(uid, title, &panels)))
    .collect()
}

fn dashboard(uid: &str, title: &str, panels: &[Panel]) -> Value {
    let ds = json!({"type": "prometheus", "uid": "${DS_PROMETHEUS}"});
    let panels: Vec<Value> = panels
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let targets: Vec<Value> = p
                .exprs
                .iter()
                .enumerate()
                .map(|(j, (e, legend))| json!({"expr": e, "legendFormat": legend, "refId": char::from(b'A' + (j % 26) as u8).to_string(), "datasource": ds}))
                .collect();
            json!({
                "id": i + 1,
                "type": "timeseries",
                "title": p.title,
                "datasource": ds,
                "gridPos": {"x": (i % 2) * 12, "y": (i / 2) * 8, "w": 12, "h": 8},
                "fieldConfig": {"defaults": {"unit": p.unit}, "overrides": []},
                "targets": targets,
            })
        })
        .collect();
    json!({
        "__inputs": [{"name": "DS_PROMETHEUS", "label": "Prometheus", "type": "datasource", "pluginId": "prometheus"}],
        "uid": format!("srtlog-{uid}"),
        "title": title,
        "tags": ["srtlog"],
        "schemaVersion": 39,
        "time": {"from": "now-1h", "to": "now"},
        "refresh": "30s",
        "panels": panels,
    })
}

/// Writes the dashboards into `dir` (created); returns the paths. Each file
/// is written atomically ([`srtlog_io::write_atomic`]): a killed run leaves
/// the previous dashboard, never half of one.
pub fn write(m: &MetricsAudit, dir: &Path) -> srtlog_io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|e| srtlog_io::Error::io(dir, e))?;
    let mut out = Vec::new();
    for (name, v) in build(m) {
        let p = dir.join(name);
        let text = serde_json::to_string_pretty(&v).unwrap_or_default();
        srtlog_io::write_atomic(&p, text.as_bytes())?;
        out.push(p);
    }
    Ok(out)
}
