//! The benchmark clients' result files as a compare source:
//! `sglang.bench_serving --output-file` JSON lines, `vllm bench serve
//! --save-result` JSON and GuideLLM `benchmarks.json`
//! (`docs/client-formats.md`), read by [`srtlog_requests::client`].
//!
//! With per-request details (`--save-detailed`, the sglang detail lists,
//! GuideLLM's request lists) a run gives per-request values, so intervals
//! and tests apply. Without them it gives the tool's own run-level figures,
//! whose deltas `compare` prints marked "no per-request data, no
//! significance". A file that holds several runs (the sglang client appends
//! one line per run) stands for its last run, the most recent one; the
//! reader's name says which.

use crate::client_side::client_from_table;
use crate::error::Error;
use crate::source::{ClientReader, ClientSide, RunFigures};
use srtlog_requests::client::{read_client_results, request_table, sniff_file, ClientRun};
use std::collections::BTreeMap;
use std::path::Path;

/// The reader of the three benchmark clients' result files.
pub struct BenchResults;

impl ClientReader for BenchResults {
    fn name(&self) -> &'static str {
        "benchmark result"
    }

    fn read(&self, path: &Path) -> Result<Option<ClientSide>, Error> {
        if !path.is_file() || sniff_file(path).is_none() {
            return Ok(None);
        }
        let results = read_client_results(path).map_err(|e| Error::Reader {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let n = results.runs.len();
        let Some(run) = results.runs.last() else {
            return Ok(None);
        };
        let mut reader = results.tool.name().to_string();
        if n > 1 {
            reader = format!("{reader} (run {n} of {n})");
        }
        let files = vec![path.to_path_buf()];
        if let Some(table) = request_table(run, n - 1) {
            let requests = client_from_table(&table);
            return Ok(Some(ClientSide::PerRequest {
                reader,
                files,
                count: requests.len(),
                requests,
            }));
        }
        Ok(Some(ClientSide::RunLevel {
            reader,
            files,
            figures: run_figures(run),
        }))
    }
}

/// The tool's own figures under the client metric ids
/// ([`crate::metrics::CLIENT_METRICS`]); TPOT falls back to the tool's ITL
/// percentiles when it wrote no TPOT ones.
pub fn run_figures(run: &ClientRun) -> RunFigures {
    let f = &run.run_level;
    let mut m = BTreeMap::new();
    let mut put = |k: &str, v: Option<f64>| {
        if let Some(v) = v.filter(|v| v.is_finite()) {
            m.insert(k.to_string(), v);
        }
    };
    for (name, stat, alt) in [
        ("ttft", &f.ttft_ms, None),
        ("tpot", &f.tpot_ms, Some(&f.itl_ms)),
        ("e2e", &f.e2e_ms, None),
    ] {
        for q in [50.0, 90.0, 99.0] {
            let own = if q == 50.0 {
                stat.p(50.0).or(stat.median)
            } else {
                stat.p(q)
            };
            let alt = alt.and_then(|a| {
                if q == 50.0 {
                    a.p(50.0).or(a.median)
                } else {
                    a.p(q)
                }
            });
            put(&format!("p{q:.0}_{name}_ms"), own.or(alt));
        }
    }
    put("request_throughput", f.request_throughput);
    put("output_token_throughput", f.output_throughput);
    let error_rate = match (f.completed, f.failed) {
        (Some(c), Some(x)) if c + x > 0 => Some(x as f64 / (c + x) as f64),
        _ => None,
    };
    put("error_rate", error_rate);
    RunFigures { figures: m }
}
