//! The source abstraction's plug-in point: a client result reader with
//! run-level figures only (as a benchmark summary file gives) plugs into
//! `compare`, and its deltas are marked "no per-request data, no
//! significance".

// Test helpers may panic on unexpected input: that is how a test fails.
#![allow(clippy::unwrap_used)]

use srtlog_compare::{
    compare, ClientReader, ClientSide, CompareOptions, Error, RunFigures, Verdict,
};
use std::path::Path;
use std::sync::atomic::AtomicU64;

/// Reads `*.summary.json` files: a flat object of client metric ids.
struct Summary;

impl ClientReader for Summary {
    fn name(&self) -> &'static str {
        "test summary"
    }

    fn read(&self, path: &Path) -> Result<Option<ClientSide>, Error> {
        if !path.to_string_lossy().ends_with(".summary.json") {
            return Ok(None);
        }
        let text = std::fs::read_to_string(path).map_err(|e| Error::Reader {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| Error::Reader {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let figures = v
            .as_object()
            .unwrap()
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_f64()?)))
            .collect();
        Ok(Some(ClientSide::RunLevel {
            reader: self.name().into(),
            files: vec![path.to_path_buf()],
            figures: RunFigures { figures },
        }))
    }
}

#[test]
fn run_level_figures_get_deltas_without_significance() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.summary.json");
    let b = dir.path().join("b.summary.json");
    std::fs::write(&a, r#"{"p99_ttft_ms": 200, "request_throughput": 10}"#).unwrap();
    std::fs::write(&b, r#"{"p99_ttft_ms": 250, "request_throughput": 10}"#).unwrap();
    let opts = CompareOptions {
        readers: vec![Box::new(Summary)],
        ..CompareOptions::default()
    };
    let (c, sources) = compare(&[a, b], &opts, &AtomicU64::new(0)).unwrap();
    assert_eq!(sources[0].kind, "test summary");
    assert_eq!(c.tables.len(), 1);
    let rows = &c.tables[0].rows;
    assert_eq!(rows.len(), 2);
    let ttft = rows.iter().find(|r| r.id == "p99_ttft_ms").unwrap();
    assert_eq!(ttft.values, [Some(200.0), Some(250.0)]);
    let d = &ttft.deltas[0];
    assert_eq!((d.delta, d.delta_pct), (Some(50.0), Some(25.0)));
    assert_eq!(d.verdict, Verdict::NoPerRequestData);
    assert_eq!(d.verdict.as_str(), "no per-request data, no significance");
    assert!(d.p_value.is_none() && d.ci_lo.is_none());
    assert_eq!(c.runs[1].metrics["p99_ttft_ms"], 250.0);
}
