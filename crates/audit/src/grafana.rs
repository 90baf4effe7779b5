//! `srtlog audit --grafana-out DIR`: importable Grafana dashboards (the
//! seed's batch processing, GPU monitoring and system health dashboards)
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

/// The three dashboards as `(file name, dashboard JSON)`; dashboards
/// without a panel are left out.
pub fn build(m: &MetricsAudit) -> Vec<(String, Value)> {
    let gauges: Vec<&str> = m
        .names
        .iter()
        .filter(|(_, t)| t == "gauge")
        .map(|(n, _)| n.as_str())
        .collect();
    let counters: Vec<String> = m
        .names
        .iter()
        .filter(|(_, t)| t == "counter")
        .map(|(n, _)| {
            if n.ends_with("_total") {
                n.clone()
            } else {
                format!("{n}_total")
            }
        })
        .collect();
    let hists: Vec<&str> = m
        .names
        .iter()
        .filter(|(_, t)| t == "histogram")
        .map(|(n, _)| n.as_str())
        .collect();
    let q =
        |h: &str, p: &str| format!("histogram_quantile({p}, sum by (le) (rate({h}_bucket[5m])))");
    let mut batch = Vec::new();
    let queue: Vec<(String, String)> = gauges
        .iter()
        .filter(|g| has(g, &["running", "waiting", "queue", "swapped"]))
        .map(|g| ((*g).to_string(), (*g).to_string()))
        .collect();
    if !queue.is_empty() {
        batch.push(Panel {
            title: "Requests running and queued".into(),
            exprs: queue,
            unit: "short",
        });
    }
    let thr: Vec<(String, String)> = counters
        .iter()
        .filter(|c| {
            has(
                c,
                &[
                    "request_success",
                    "requests_total",
                    "request_total",
                    "num_requests",
                ],
            )
        })
        .map(|c| (format!("sum(rate({c}[1m]))"), c.clone()))
        .collect();
    if !thr.is_empty() {
        batch.push(Panel {
            title: "Request throughput (requests/s)".into(),
            exprs: thr,
            unit: "reqps",
        });
    }
    for h in hists
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
    let mut gpu = Vec::new();
    let mem: Vec<(String, String)> = gauges
        .iter()
        .filter(|g| {
            has(
                g,
                &["gpu", "cache_usage", "token_usage", "memory", "temperature"],
            )
        })
        .map(|g| ((*g).to_string(), (*g).to_string()))
        .collect();
    if !mem.is_empty() {
        gpu.push(Panel {
            title: "GPU memory and KV-cache usage".into(),
            exprs: mem,
            unit: "percentunit",
        });
    }
    let tok: Vec<(String, String)> = counters
        .iter()
        .filter(|c| has(c, &["token"]))
        .map(|c| (format!("sum(rate({c}[1m]))"), c.clone()))
        .collect();
    if !tok.is_empty() {
        gpu.push(Panel {
            title: "Inference throughput (tokens/s)".into(),
            exprs: tok,
            unit: "short",
        });
    }
    for h in hists
        .iter()
        .filter(|h| has(h, &["load", "model"]) && has(h, &["seconds"]))
    {
        gpu.push(Panel {
            title: format!("Model load time ({h})"),
            exprs: vec![(q(h, "0.5"), "p50".into())],
            unit: "s",
        });
    }
    let mut health = Vec::new();
    for h in hists.iter().filter(|h| {
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
                .map(|(p, label)| (q(h, p), (*label).to_string()))
                .collect(),
            unit: "s",
        });
    }
    let errs: Vec<(String, String)> = counters
        .iter()
        .filter(|c| has(c, &["error", "fail", "abort"]))
        .map(|c| (format!("sum(rate({c}[5m]))"), c.clone()))
        .collect();
    if !errs.is_empty() {
        health.push(Panel {
            title: "Error rate".into(),
            exprs: errs,
            unit: "reqps",
        });
    }
    let proc: Vec<(String, String)> = gauges
        .iter()
        .filter(|g| has(g, &["process_resident_memory", "process_open_fds"]))
        .map(|g| ((*g).to_string(), (*g).to_string()))
        .collect();
    if !proc.is_empty() {
        health.push(Panel {
            title: "Process health".into(),
            exprs: proc,
            unit: "short",
        });
    }
    [
        ("batch-processing", "Batch Processing", batch),
        ("gpu-monitoring", "GPU Monitoring", gpu),
        ("system-health", "System Health", health),
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
