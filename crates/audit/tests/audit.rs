//! `srtlog audit` and `srtlog request` on generated services (the seed's JSON
//! format → A; print-style → a low grade with the right recommendations;
//! a request followed across gateway, scheduler and worker) and on the real
//! logs and metrics in `../shared/data` with asserted figures.

use srtlog_audit as audit;
use srtlog_audit::follow as reqtrace;
use srtlog_audit::follow::Matcher;
use srtlog_audit::{MetricsSource, Options, Status};
use srtlog_sim::service::{write_service, ServiceConfig, ServiceStyle};
use srtlog_testutil::shared_file;
use std::path::PathBuf;

fn service(style: ServiceStyle) -> (tempfile::TempDir, srtlog_sim::service::ServiceTruth) {
    let d = tempfile::tempdir().expect("tmp");
    let cfg = ServiceConfig {
        style,
        ..Default::default()
    };
    let t = write_service(d.path(), &cfg).expect("write");
    (d, t)
}

fn area<'a>(a: &'a audit::Audit, name: &str) -> &'a audit::AreaScore {
    a.areas.iter().find(|x| x.area == name).expect("area")
}

#[test]
fn json_service_grades_a() {
    let (_d, t) = service(ServiceStyle::Json);
    let a = audit::run(&Options {
        paths: vec![t.logs.clone()],
        metrics: Some(MetricsSource::File(t.metrics.clone())),
        dashboards: Some(t.dashboards.clone()),
        timeout: None,
        headers: Vec::new(),
    })
    .expect("audit");
    assert_eq!(a.grade, "A+", "{:#?}", a.areas);
    assert_eq!(a.score, 100.0);
    assert_eq!(a.logs.totals.lines, 243);
    assert_eq!(a.logs.totals.json, 243);
    assert_eq!(a.logs.totals.request_related, 240);
    assert_eq!(a.logs.totals.with_request_id, 240);
    assert_eq!(a.tracing.ids, 40);
    assert_eq!(a.tracing.cross_component, 40);
    // Four failures, each an ERROR at the worker and at the gateway.
    assert_eq!(a.logs.totals.error_lines, 8);
    assert!(a.recommendations.is_empty());
    assert!(a.unchecked.is_empty());
    let m = a.metrics.as_ref().expect("metrics");
    assert_eq!(m.present(), 8);
    assert!(m.naming_issues.is_empty(), "{:?}", m.naming_issues);
    assert!(m.bucket_issues.is_empty());
    let d = a.dashboards.as_ref().expect("dashboards");
    assert_eq!((d.files, d.panels, d.issues.len()), (1, 3, 0));
}

#[test]
fn print_service_grades_low_with_the_right_plan() {
    let (_d, t) = service(ServiceStyle::Print);
    let a = audit::run(&Options {
        paths: vec![t.logs.clone()],
        metrics: Some(MetricsSource::File(t.metrics.clone())),
        dashboards: Some(t.dashboards.clone()),
        timeout: None,
        headers: Vec::new(),
    })
    .expect("audit");
    assert_eq!(a.grade, "F");
    assert!(a.score < 30.0, "{}", a.score);
    let tot = &a.logs.totals;
    // 243 status lines + 4 traceback lines for each of the 4 failures.
    assert_eq!(
        (tot.lines, tot.print, tot.with_level, tot.with_request_id),
        (259, 259, 0, 0)
    );
    assert_eq!(tot.emoji, 243);
    assert_eq!(tot.tracebacks, 4);
    assert_eq!(a.logs.errors.len(), 1);
    assert_eq!(a.logs.errors[0].kind, "OutOfMemoryError");
    assert_eq!(a.logs.errors[0].count, 4);
    assert!(!a.logs.errors[0].leveled);
    for name in [
        "structured logging",
        "log levels",
        "request tracing",
        "error tracking",
    ] {
        assert_eq!(area(&a, name).gap, Status::Missing, "{name}");
    }
    let titles: Vec<&str> = a.recommendations.iter().map(|r| r.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Structured logging",
            "Add request tracing",
            "Comprehensive metrics",
            "Replace print() with logger",
            "Error tracking",
            "Grafana dashboards"
        ]
    );
    let print = a
        .recommendations
        .iter()
        .find(|r| r.area == "log levels")
        .expect("print rec");
    assert_eq!(
        (print.effort.as_str(), print.impact.starts_with("High")),
        ("2-3 hours", true)
    );
    assert!(
        print
            .evidence
            .iter()
            .any(|e| e.ends_with("gateway.log: 81 print statements")),
        "{:?}",
        print.evidence
    );
    let m = a.metrics.as_ref().expect("metrics");
    let rules: Vec<String> = m
        .naming_issues
        .iter()
        .map(|n| format!("{}: {}", n.family, n.rule))
        .collect();
    assert!(rules
        .contains(&"requestsCompleted: counter metrics should have \"_total\" suffix".to_string()));
    assert!(rules
        .contains(&"request_latency_ms: use base unit \"seconds\" instead of \"ms\"".to_string()));
    assert!(rules.contains(&"gpu_memory_mb: use base unit \"bytes\" instead of \"mb\"".to_string()));
    assert_eq!(m.bucket_issues.len(), 1);
    assert_eq!(
        (m.bucket_issues[0].problem, m.bucket_issues[0].bound),
        ("above_largest", 100.0)
    );
    let d = a.dashboards.as_ref().expect("dashboards");
    assert_eq!(d.invalid.len(), 1);
    let problems: Vec<&str> = d.issues.iter().map(|i| i.problem.as_str()).collect();
    assert!(problems
        .iter()
        .any(|p| p.starts_with("histogram_quantile without rate()")));
    assert!(problems.contains(&"metric `svc_p99_latency` is not in the snapshot"));
    assert!(
        problems.iter().any(|p| p.starts_with("averages quantiles")),
        "{problems:?}"
    );
}

#[test]
fn follows_a_request_through_three_components() {
    let (_d, t) = service(ServiceStyle::Json);
    let slow = t.slowest().expect("requests").clone();
    let tl = reqtrace::follow(
        std::slice::from_ref(&t.logs),
        &Matcher::Exact(slow.id.clone()),
    )
    .expect("follow");
    assert_eq!(tl.events.len(), slow.lines);
    assert_eq!(tl.components, ["gateway", "scheduler", "worker"]);
    assert_eq!(tl.ids, std::slice::from_ref(&slow.id));
    let dur = tl.duration_s.expect("duration");
    // Log times are printed in milliseconds.
    assert!(
        (dur - (slow.end_us - slow.start_us) as f64 / 1e6).abs() < 0.002,
        "{dur}"
    );
    let msgs: Vec<&str> = tl.events.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        msgs[..4],
        [
            "Request received",
            "Request queued",
            "Request scheduled",
            "Prefill done"
        ]
    );
    assert!(tl
        .events
        .windows(2)
        .all(|w| w[0].timestamp <= w[1].timestamp));
    assert_eq!(tl.events[0].since_start_s, Some(0.0));
    let (ids, _) = reqtrace::list(std::slice::from_ref(&t.logs)).expect("list");
    assert_eq!(ids.len(), 40);
    assert_eq!(ids[0].id, slow.id);
    assert_eq!(ids[0].components.len(), 3);
    // A prefix gathers several requests.
    let tl = reqtrace::follow(
        std::slice::from_ref(&t.logs),
        &Matcher::Prefix("req-00000".into()),
    )
    .expect("prefix");
    assert_eq!(tl.ids.len(), 9);
    let tl = reqtrace::follow(
        std::slice::from_ref(&t.logs),
        &Matcher::Glob("req-0000?0".into()),
    )
    .expect("glob");
    assert_eq!(
        tl.ids,
        ["req-000010", "req-000020", "req-000030", "req-000040"]
    );
}

#[test]
fn unreachable_metrics_url_still_audits_the_logs() {
    let (_d, t) = service(ServiceStyle::Json);
    // A port nobody listens on (bound, then closed).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    let a = audit::run(&Options {
        paths: vec![t.logs.clone()],
        metrics: Some(MetricsSource::parse(&format!(
            "http://127.0.0.1:{port}/metrics"
        ))),
        dashboards: None,
        timeout: Some(std::time::Duration::from_millis(500)),
        headers: Vec::new(),
    })
    .expect("audit");
    assert!(a.metrics.is_none());
    assert!(
        a.unchecked.iter().any(|u| u.contains("did not answer")),
        "{:?}",
        a.unchecked
    );
    assert_eq!(area(&a, "metrics").gap, Status::NotChecked);
    assert_eq!(a.grade, "A+");
}

#[test]
fn bad_input_is_counted_and_skipped() {
    let d = tempfile::tempdir().expect("tmp");
    std::fs::write(d.path().join("blob.log"), b"\x00\x01\x02binary\x00").expect("w");
    let mut big = vec![b'x'; (1 << 20) + 5];
    big.extend_from_slice(b"\nINFO:app:ok\n\xff\xfe latin-1 \xe9t\xe9\n");
    std::fs::write(d.path().join("app.log"), &big).expect("w");
    let a = audit::run(&Options {
        paths: vec![d.path().to_path_buf()],
        ..Default::default()
    })
    .expect("audit");
    assert_eq!(a.logs.skipped.len(), 1);
    assert!(a.logs.skipped[0].1.starts_with("binary"));
    let t = &a.logs.totals;
    assert_eq!(
        (t.lines, t.long_lines_skipped, t.invalid_utf8, t.with_level),
        (2, 1, 1, 1)
    );
}

#[test]
fn real_sglang_pd_and_vllm_logs_with_vllm_metrics() {
    let (Some(pd), Some(vllm), Some(metrics)) = (
        shared_file("sglang-ci-pd-v0.5.3.post3"),
        shared_file("vllm-0.9.0.1-production-stack/vllm_server.log"),
        shared_file("vllm-0.25.1-er0080/metrics_vllm_0_25_1_loaded.txt"),
    ) else {
        return;
    };
    let a = audit::run(&Options {
        paths: vec![pd, vllm],
        metrics: Some(MetricsSource::File(metrics)),
        dashboards: None,
        timeout: None,
        headers: Vec::new(),
    })
    .expect("audit");
    let t = &a.logs.totals;
    assert_eq!(a.logs.files.len(), 7);
    assert_eq!((t.lines, t.structured(), t.with_level), (2420, 0, 557));
    assert_eq!(t.levels.get("WARNING"), Some(&28));
    assert_eq!(t.id_fields.get("request_id"), Some(&414));
    // The router logs ids (request_id="cmpl-…"); no other component does.
    assert_eq!(a.tracing.components_with_ids, 1);
    assert_eq!(a.tracing.cross_component, 0);
    let lb = a
        .logs
        .files
        .iter()
        .find(|f| f.component == "load_balance")
        .expect("router log");
    assert_eq!(lb.counts.lines, 459);
    assert_eq!(lb.counts.with_level, lb.counts.lines);
    // Volume: decode.log is dated by its SGLang lines (its vLLM-style
    // start-up lines have no year); the busiest minute is 12:08.
    let decode = a
        .logs
        .files
        .iter()
        .find(|f| f.component == "decode")
        .expect("decode");
    assert_eq!(decode.lines_per_minute, Some(118.7));
    assert_eq!(a.logs.per_minute.get("2025-10-20T12:08:00"), Some(&379));
    assert_eq!(a.logs.per_minute.values().max(), Some(&379));
    let m = a.metrics.as_ref().expect("metrics");
    assert_eq!((m.families, m.present()), (86, 8));
    // The API server's duration histogram loses its tail; the tiny model's
    // per-token, queue and prefill times all sit in vLLM's first bucket.
    let issues: Vec<(&str, &str, f64, f64)> = m
        .bucket_issues
        .iter()
        .map(|b| (b.family.as_str(), b.problem, b.outside, b.count))
        .collect();
    assert_eq!(
        issues,
        [
            (
                "vllm:request_time_per_output_token_seconds",
                "below_smallest",
                600.0,
                600.0
            ),
            (
                "vllm:request_queue_time_seconds",
                "below_smallest",
                596.0,
                600.0
            ),
            (
                "vllm:request_prefill_time_seconds",
                "below_smallest",
                600.0,
                600.0
            ),
            (
                "http_request_duration_seconds",
                "above_largest",
                576.0,
                603.0
            ),
        ]
    );
    assert_eq!(area(&a, "structured logging").gap, Status::Missing);
    assert_eq!(area(&a, "metrics").gap, Status::Good);
    assert_eq!(a.grade, "F");
    assert_eq!(a.recommendations[0].title, "Structured logging");
}

#[test]
fn real_dgx_spark_logs_group_the_engine_crash() {
    let Some(dir) = shared_file("dgx-spark-sostrowsk") else {
        return;
    };
    let a = audit::run(&Options {
        paths: vec![dir],
        ..Default::default()
    })
    .expect("audit");
    assert_eq!(a.logs.files.len(), 6);
    assert_eq!(a.logs.totals.lines, 1376);
    assert_eq!(a.logs.totals.levels.get("ERROR"), Some(&8));
    assert_eq!(a.logs.errors.len(), 1);
    assert_eq!(a.logs.errors[0].kind, "EngineDeadError");
    assert!(a.logs.errors[0].first.file.ends_with("vllm.log"));
    assert_eq!(a.logs.errors[0].first.line, 503);
    assert_eq!(a.unchecked.len(), 2);
}

#[test]
fn grafana_dashboards_from_real_metrics_pass_the_dashboard_audit() {
    let Some(metrics) = shared_file("vllm-0.25.1-er0080/metrics_vllm_0_25_1_loaded.txt") else {
        return;
    };
    let text = std::fs::read(&metrics).expect("read");
    let m = audit::metrics::audit(&text, "m");
    let d = tempfile::tempdir().expect("tmp");
    let written = audit::grafana::write(&m, d.path()).expect("write");
    let names: Vec<String> = written
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    assert_eq!(
        names,
        [
            "batch-processing.json",
            "gpu-monitoring.json",
            "system-health.json"
        ]
    );
    let fams: Vec<String> = m.names.iter().map(|(n, _)| n.clone()).collect();
    let da = audit::dashboards::audit(d.path(), Some(&fams)).expect("dash");
    assert_eq!(da.files, 3);
    assert!(da.panels >= 8, "{}", da.panels);
    assert!(da.issues.is_empty(), "{:#?}", da.issues);
    let _: PathBuf = written[0].clone();
}

#[test]
fn real_router_and_aiperf_request_ids() {
    let (Some(pd), Some(aiperf)) = (
        shared_file("sglang-ci-pd-v0.5.3.post3"),
        shared_file("aiperf-examples-run1/profile_export.jsonl"),
    ) else {
        return;
    };
    // The SGLang router logs `request_id="cmpl-…"` when a request starts and
    // when it finishes: the slowest took 43 s.
    let (ids, _) = reqtrace::list(std::slice::from_ref(&pd)).expect("list");
    assert_eq!(ids.len(), 207);
    assert_eq!(ids[0].id, "cmpl-K1tskhVmfcJTX8Ylo7jq0Z8C");
    assert_eq!((ids[0].lines, ids[0].duration_s), (2, Some(43.0)));
    assert_eq!(ids[0].components, ["load_balance"]);
    let tl = reqtrace::follow(
        &[pd],
        &Matcher::Exact("cmpl-K1tskhVmfcJTX8Ylo7jq0Z8C".into()),
    )
    .expect("follow");
    let lines: Vec<u64> = tl.events.iter().map(|e| e.line).collect();
    assert_eq!(lines, [89, 154]);
    assert!(tl.events[1]
        .message
        .ends_with("finished processing request"));
    assert_eq!(tl.events[1].gap_s, Some(43.0));
    // AIPerf records: metadata.x_request_id and timestamp_ns.
    let (ids, _) = reqtrace::list(std::slice::from_ref(&aiperf)).expect("list");
    assert_eq!(ids.len(), 100);
    let tl = reqtrace::follow(
        &[aiperf],
        &Matcher::Exact("c087da26-5552-4785-958a-cad75c7b22de".into()),
    )
    .expect("follow");
    assert_eq!(tl.events.len(), 1);
    assert_eq!(
        tl.events[0].timestamp.as_deref(),
        Some("2025-10-03T20:13:39.154829")
    );
}

#[test]
fn compressed_logs_read_like_plain_ones() {
    use std::io::Write;
    let (_d, t) = service(ServiceStyle::Json);
    let plain = t.logs.join("gateway.log");
    let gz = t.logs.join("gateway.log.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).expect("create"),
        flate2::Compression::fast(),
    );
    enc.write_all(&std::fs::read(&plain).expect("read"))
        .expect("gzip");
    enc.finish().expect("finish");
    let a = audit::run(&Options {
        paths: vec![plain, gz],
        ..Default::default()
    })
    .expect("audit");
    assert_eq!(a.logs.files.len(), 2);
    assert_eq!(a.logs.files[0].counts, a.logs.files[1].counts);
    assert_eq!(a.logs.files[1].component, "gateway");
    let tl = reqtrace::follow(
        std::slice::from_ref(&t.logs),
        &Matcher::Exact("req-000001".into()),
    )
    .expect("follow");
    // The gateway's two lines appear twice (plain and gzip copies).
    assert_eq!(tl.events.len(), 8);
}
