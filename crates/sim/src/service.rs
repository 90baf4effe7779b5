//! A generated multi-component service run (gateway, scheduler, worker) for
//! `srtlog audit` and `srtlog request`: deterministic logs, a Prometheus
//! snapshot and a Grafana dashboard folder, in one of two styles.
//!
//! * [`ServiceStyle::Json`]: the seed's recommended JSON log format
//!   (`timestamp`, `level`, `logger`, `message`, `request_id`, extra fields)
//!   in every component, the seed's recommended metric families with
//!   base-unit names and buckets that cover the observations, and a
//!   dashboard with correct quantile queries. An audit should grade it A.
//! * [`ServiceStyle::Print`]: what the seed calls "most logs are `print()`
//!   statements": emoji status lines without time, level or request id, raw
//!   tracebacks on failures, metrics with camelCase/millisecond names and
//!   too-small buckets, and dashboards averaging quantiles. A low grade.
//!
//! ```text
//! OUT/logs/gateway.log  OUT/logs/scheduler.log  OUT/logs/worker.log
//! OUT/metrics.txt       OUT/dashboards/*.json
//! ```

use crate::civil::civil_from_days;
use crate::rng::Rng;
use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

/// How the service logs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServiceStyle {
    /// The seed's recommended JSON lines with request ids.
    Json,
    /// print()-style lines, no ids.
    Print,
}

/// What to write.
#[derive(Clone, Debug)]
pub struct ServiceConfig {
    /// Log style.
    pub style: ServiceStyle,
    /// Requests.
    pub requests: usize,
    /// Every `fail_every`-th request fails (0: none).
    pub fail_every: usize,
    /// Seed.
    pub seed: u64,
    /// Start, seconds since the epoch (UTC).
    pub start_s: i64,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        ServiceConfig {
            style: ServiceStyle::Json,
            requests: 40,
            fail_every: 10,
            seed: 7,
            // 2025-10-31 12:00:00 UTC, the seed's example date.
            start_s: 1_761_912_000,
        }
    }
}

/// One request's truth.
#[derive(Clone, Debug, PartialEq)]
pub struct RequestTruth {
    /// Its id (`req-000001`).
    pub id: String,
    /// Arrival at the gateway, µs since the epoch.
    pub start_us: i64,
    /// Last line about it, µs since the epoch.
    pub end_us: i64,
    /// Lines about it (all components).
    pub lines: usize,
    /// Whether it failed.
    pub failed: bool,
}

/// What was written.
#[derive(Clone, Debug)]
pub struct ServiceTruth {
    /// The log folder.
    pub logs: PathBuf,
    /// Log files with their line counts.
    pub files: Vec<(PathBuf, usize)>,
    /// The Prometheus snapshot.
    pub metrics: PathBuf,
    /// The dashboards folder.
    pub dashboards: PathBuf,
    /// Requests in arrival order.
    pub requests: Vec<RequestTruth>,
}

impl ServiceTruth {
    /// The request with the longest first-to-last span.
    pub fn slowest(&self) -> Option<&RequestTruth> {
        self.requests
            .iter()
            .max_by_key(|r| (r.end_us - r.start_us, std::cmp::Reverse(r.id.clone())))
    }
}

struct Line {
    t_us: i64,
    level: &'static str,
    logger: &'static str,
    message: String,
    id: Option<String>,
    extra: String,
    /// Print style: lines written as they are (tracebacks).
    raw: Vec<String>,
}

fn iso(t_us: i64) -> String {
    let secs = t_us.div_euclid(1_000_000);
    let ms = t_us.rem_euclid(1_000_000) / 1000;
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{ms:03}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// Histogram bucket counts of `values` for `bounds` (cumulative), +Inf last.
fn buckets(values: &[f64], bounds: &[f64]) -> Vec<usize> {
    let mut out: Vec<usize> = bounds
        .iter()
        .map(|b| values.iter().filter(|v| **v <= *b).count())
        .collect();
    out.push(values.len());
    out
}

fn histogram(
    o: &mut String,
    name: &str,
    help: Option<&str>,
    values: &[f64],
    bounds: &[f64],
    scale: f64,
) {
    if let Some(h) = help {
        let _ = writeln!(o, "# HELP {name} {h}");
    }
    let _ = writeln!(o, "# TYPE {name} histogram");
    let scaled: Vec<f64> = values.iter().map(|v| v * scale).collect();
    let counts = buckets(&scaled, bounds);
    for (b, c) in bounds.iter().zip(&counts) {
        let _ = writeln!(o, "{name}_bucket{{le=\"{b}\"}} {c}");
    }
    let _ = writeln!(o, "{name}_bucket{{le=\"+Inf\"}} {}", values.len());
    let _ = writeln!(o, "{name}_sum {}", scaled.iter().sum::<f64>());
    let _ = writeln!(o, "{name}_count {}", values.len());
}

/// Writes the run into `out` (created).
pub fn write_service(out: &Path, cfg: &ServiceConfig) -> io::Result<ServiceTruth> {
    let logs = out.join("logs");
    let dash = out.join("dashboards");
    std::fs::create_dir_all(&logs)?;
    std::fs::create_dir_all(&dash)?;
    let mut rng = Rng::new(cfg.seed);
    let json = cfg.style == ServiceStyle::Json;
    let t0 = cfg.start_s * 1_000_000;
    let mut comps: [Vec<Line>; 3] = Default::default();
    let line = |t_us, level, logger, message: &str, id: Option<&str>, extra: String| Line {
        t_us,
        level,
        logger,
        message: message.to_string(),
        id: id.map(String::from),
        extra,
        raw: Vec::new(),
    };
    comps[0].push(line(
        t0,
        "INFO",
        "batch_app.gateway",
        "Gateway started",
        None,
        ",\"port\":8000".into(),
    ));
    comps[1].push(line(
        t0 + 1000,
        "INFO",
        "batch_app.scheduler",
        "Scheduler started",
        None,
        ",\"max_batch\":64".into(),
    ));
    comps[2].push(line(
        t0 + 2000,
        "INFO",
        "batch_app.worker",
        "Model loaded",
        None,
        ",\"load_time_seconds\":12.3,\"model\":\"gemma-3-4b\"".into(),
    ));
    let (mut durations, mut ttfts, mut itls, mut queue) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut truth = Vec::new();
    let mut arrival = t0 + 15_000_000;
    for i in 1..=cfg.requests {
        let id = format!("req-{i:06}");
        arrival += (rng.range(0.2, 1.5) * 1e6) as i64;
        let failed = cfg.fail_every > 0 && i % cfg.fail_every == 0;
        let q = (rng.range(0.005, 0.08) * 1e6) as i64;
        let ttft = (rng.range(0.05, 0.4) * 1e6) as i64;
        let out_tokens = rng.int(16, 400) as i64;
        let itl = rng.range(0.008, 0.02);
        let decode = (out_tokens as f64 * itl * 1e6) as i64;
        let prompt = rng.int(50, 2000);
        let sid = Some(id.as_str());
        let mut n = 0;
        let mut push = |c: usize, l: Line| {
            comps[c].push(l);
            n += 1;
        };
        push(
            0,
            line(
                arrival,
                "INFO",
                "batch_app.gateway",
                "Request received",
                sid,
                format!(",\"path\":\"/v1/completions\",\"prompt_tokens\":{prompt}"),
            ),
        );
        push(
            1,
            line(
                arrival + q / 2,
                "INFO",
                "batch_app.scheduler",
                "Request queued",
                sid,
                format!(",\"queue_depth\":{}", i % 7),
            ),
        );
        push(
            1,
            line(
                arrival + q,
                "INFO",
                "batch_app.scheduler",
                "Request scheduled",
                sid,
                ",\"batch_id\":\"batch_456\"".into(),
            ),
        );
        push(
            2,
            line(
                arrival + q + ttft,
                "INFO",
                "batch_app.worker",
                "Prefill done",
                sid,
                format!(",\"ttft_seconds\":{:.3}", ttft as f64 / 1e6),
            ),
        );
        let end;
        if failed {
            end = arrival + q + ttft + decode / 3;
            let mut l = line(end, "ERROR", "batch_app.worker", "Failed to process", sid, ",\"error\":\"CUDA out of memory. Tried to allocate 2.00 GiB\",\"exc_type\":\"OutOfMemoryError\"".into());
            l.raw = vec![
                "Traceback (most recent call last):".into(),
                "  File \"core/batch_app/worker.py\", line 88, in process".into(),
                "    run_batch(batch)".into(),
                "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB".into(),
            ];
            push(2, l);
            push(
                0,
                line(
                    end + 3000,
                    "ERROR",
                    "batch_app.gateway",
                    "Request failed",
                    sid,
                    ",\"status\":500".into(),
                ),
            );
        } else {
            end = arrival + q + ttft + decode;
            push(
                2,
                line(
                    end,
                    "INFO",
                    "batch_app.worker",
                    "Decode finished",
                    sid,
                    format!(",\"output_tokens\":{out_tokens}"),
                ),
            );
            push(
                0,
                line(
                    end + 2000,
                    "INFO",
                    "batch_app.gateway",
                    "Request completed",
                    sid,
                    ",\"status\":200".into(),
                ),
            );
            durations.push((end + 2000 - arrival) as f64 / 1e6);
            ttfts.push(ttft as f64 / 1e6);
            itls.push(itl);
        }
        queue.push(q as f64 / 1e6);
        let end_us = end + if failed { 3000 } else { 2000 };
        truth.push(RequestTruth {
            id,
            start_us: arrival,
            end_us,
            lines: n,
            failed,
        });
    }
    let names = ["gateway", "scheduler", "worker"];
    let mut files = Vec::new();
    for (c, lines) in comps.iter_mut().enumerate() {
        lines.sort_by_key(|l| l.t_us);
        let mut o = String::new();
        for l in lines.iter() {
            if json {
                let _ = write!(
                    o,
                    "{{\"timestamp\":\"{}\",\"level\":\"{}\",\"logger\":\"{}\",\"message\":\"{}\"",
                    iso(l.t_us),
                    l.level,
                    l.logger,
                    l.message
                );
                if let Some(id) = &l.id {
                    let _ = write!(o, ",\"request_id\":\"{id}\"");
                }
                let _ = writeln!(o, ",\"component\":\"{}\"{}}}", names[c], l.extra);
            } else {
                let mark = match (l.level, l.id.is_some()) {
                    ("ERROR", _) => "❌",
                    (_, true) => "✅",
                    _ => "🚀",
                };
                if l.level == "ERROR" {
                    let _ = writeln!(o, "{mark} {}: CUDA out of memory", l.message);
                    for r in &l.raw {
                        let _ = writeln!(o, "{r}");
                    }
                } else {
                    let _ = writeln!(o, "{mark} {}", l.message);
                }
            }
        }
        let p = logs.join(format!("{}.log", names[c]));
        std::fs::write(&p, &o)?;
        files.push((p, o.lines().count()));
    }
    // Metrics.
    let mut m = String::new();
    if json {
        histogram(
            &mut m,
            "svc_request_duration_seconds",
            Some("Request processing duration."),
            &durations,
            &[0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0],
            1.0,
        );
        histogram(
            &mut m,
            "svc_e2e_request_latency_seconds",
            Some("End-to-end request latency."),
            &durations,
            &[0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0],
            1.0,
        );
        histogram(
            &mut m,
            "svc_time_to_first_token_seconds",
            Some("Time to first token."),
            &ttfts,
            &[0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5],
            1.0,
        );
        histogram(
            &mut m,
            "svc_inter_token_latency_seconds",
            Some("Inter-token latency."),
            &itls,
            &[0.005, 0.01, 0.025, 0.05, 0.1],
            1.0,
        );
        let _ = writeln!(m, "# HELP svc_queue_depth Requests waiting in the queue.\n# TYPE svc_queue_depth gauge\nsvc_queue_depth 3");
        let ok = truth.iter().filter(|r| !r.failed).count();
        let _ = writeln!(m, "# HELP svc_requests_total Requests by status.\n# TYPE svc_requests_total counter\nsvc_requests_total{{status=\"200\"}} {ok}\nsvc_requests_total{{status=\"500\"}} {}", truth.len() - ok);
        let _ = writeln!(m, "# HELP svc_generation_tokens_total Generated tokens.\n# TYPE svc_generation_tokens_total counter\nsvc_generation_tokens_total 8123");
        let _ = writeln!(m, "# HELP svc_gpu_memory_used_bytes GPU memory in use.\n# TYPE svc_gpu_memory_used_bytes gauge\nsvc_gpu_memory_used_bytes{{gpu=\"0\"}} 6.4e+10");
        std::fs::write(
            dash.join("service.json"),
            r#"{"title": "Service", "panels": [
  {"title": "Request latency P99", "targets": [{"expr": "histogram_quantile(0.99, sum by (le) (rate(svc_request_duration_seconds_bucket[5m])))"}]},
  {"title": "Throughput", "targets": [{"expr": "sum(rate(svc_requests_total[1m]))"}]},
  {"title": "Queue depth", "targets": [{"expr": "svc_queue_depth"}]}
]}
"#,
        )?;
    } else {
        let ms: Vec<f64> = durations.clone();
        histogram(
            &mut m,
            "request_latency_ms",
            None,
            &ms,
            &[10.0, 50.0, 100.0],
            1000.0,
        );
        let _ = writeln!(
            m,
            "# TYPE requestsCompleted counter\nrequestsCompleted {}",
            durations.len()
        );
        let _ = writeln!(m, "# TYPE batch_jobs gauge\nbatch_jobs{{state=\"queued\"}} 2\nbatch_jobs{{state=\"failed\"}} 1");
        let _ = writeln!(m, "# TYPE gpu_memory_mb gauge\ngpu_memory_mb 61035");
        let _ = writeln!(m, "# TYPE gpu_temperature gauge\ngpu_temperature 71");
        std::fs::write(
            dash.join("batch.json"),
            r#"{"title": "Batch", "panels": [
  {"title": "P95 latency", "targets": [{"expr": "histogram_quantile(0.95, request_latency_ms_bucket)"}]},
  {"title": "Average P99", "targets": [{"expr": "avg(svc_p99_latency)"}]},
  {"title": "Completed", "targets": [{"expr": "rate(requestsCompleted[1m])"}]}
]}
"#,
        )?;
        std::fs::write(
            dash.join("broken.json"),
            "{\"title\": \"Broken\", \"panels\": [\n",
        )?;
    }
    let metrics = out.join("metrics.txt");
    std::fs::write(&metrics, m)?;
    Ok(ServiceTruth {
        logs,
        files,
        metrics,
        dashboards: dash,
        requests: truth,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_consistent() {
        let d = std::env::temp_dir().join(format!("srtlog-sim-service-{}", std::process::id()));
        let t = write_service(&d, &ServiceConfig::default()).expect("write");
        assert_eq!(t.requests.len(), 40);
        assert_eq!(t.requests.iter().filter(|r| r.failed).count(), 4);
        // Three start-up lines, six per request.
        let total: usize = t.files.iter().map(|f| f.1).sum();
        assert_eq!(total, 3 + 40 * 6);
        assert!(t.requests.iter().all(|r| r.lines == 6));
        let again = write_service(&d, &ServiceConfig::default()).expect("write");
        assert_eq!(again.requests, t.requests);
        assert_eq!(iso(1_761_912_000_123_000), "2025-10-31T12:00:00.123Z");
        let _ = std::fs::remove_dir_all(&d);
    }
}
