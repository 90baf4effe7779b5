//! Legends of the Grafana dashboards the audit writes (`--grafana-out`).
// Test helpers may panic on unexpected input: that is how a test fails.
#![allow(clippy::unwrap_used)]

use srtlog_audit as audit;

/// Issue 17 item 19: the 0.5 quantile was labelled `p5`.
#[test]
fn latency_quantiles_are_labelled_p50_p95_p99() {
    let text = b"# HELP vllm:e2e_request_latency_seconds Latency.\n\
# TYPE vllm:e2e_request_latency_seconds histogram\n\
vllm:e2e_request_latency_seconds_bucket{le=\"1.0\"} 3\n\
vllm:e2e_request_latency_seconds_bucket{le=\"+Inf\"} 4\n\
vllm:e2e_request_latency_seconds_sum 5.5\n\
vllm:e2e_request_latency_seconds_count 4\n";
    let m = audit::metrics::audit(text, "m");
    let boards = audit::grafana::build(&m);
    let mut legends = Vec::new();
    for (_, board) in &boards {
        for panel in board["panels"].as_array().unwrap() {
            if panel["title"]
                .as_str()
                .unwrap()
                .starts_with("vllm:e2e_request_latency_seconds")
            {
                for t in panel["targets"].as_array().unwrap() {
                    legends.push(t["legendFormat"].as_str().unwrap().to_string());
                }
            }
        }
    }
    assert_eq!(legends, ["p50", "p95", "p99"]);
}
