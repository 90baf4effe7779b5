//! Benchmark-client result files in `srtlog requests`: the per-run notes
//! on stderr, and the run-level table that `requests summary` prints when
//! the inputs hold client runs without per-request data (instead of
//! failing with "no requests").

use srtlog::requests::client::{ClientNote, RunNote};
use srtlog::requests::RequestLog;
use srtlog_report::table::{Align, BoxTable};
use srtlog_report::text::format_value;

fn opt(x: Option<f64>) -> String {
    x.map_or_else(|| "–".into(), format_value)
}

fn count(x: Option<u64>) -> String {
    x.map_or_else(|| "–".into(), |n| n.to_string())
}

/// One line on a run: its rows, or that it has run-level figures only.
pub fn run_note(tool: &str, r: &RunNote) -> String {
    match r.per_request_rows {
        Some(n) => format!(
            "{tool} run '{}' ({}): {n} per-request rows read",
            r.label, r.generation
        ),
        None => {
            let f = &r.run_level;
            format!(
                "{tool} run '{}' ({}): run-level figures only, no per-request data \
                 (completed {}, {} req/s, TTFT mean {} ms, E2E mean {} ms)",
                r.label,
                r.generation,
                count(f.completed),
                opt(f.request_throughput),
                opt(f.ttft_ms.mean),
                opt(f.e2e_ms.mean),
            )
        }
    }
}

/// Whether the log has client runs without per-request rows.
pub fn has_run_level_only(log: &RequestLog) -> bool {
    notes(log).any(|(_, n)| n.runs.iter().any(|r| r.per_request_rows.is_none()))
}

fn notes(log: &RequestLog) -> impl Iterator<Item = (String, &ClientNote)> {
    log.files.iter().filter_map(|f| {
        // The file name: the table is wide enough with it.
        let name = f.path.file_name().map_or_else(
            || f.path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        Some((name, f.client.as_ref()?))
    })
}

/// The run-level figures of every client run, one row per run, as the
/// tools computed them.
pub fn run_level_table(log: &RequestLog) -> String {
    let header = [
        "File",
        "Tool",
        "Run",
        "Conc.",
        "Rate",
        "Done",
        "Failed",
        "Req/s",
        "Out tok/s",
        "TTFT mean",
        "TTFT p99",
        "ITL mean",
        "TPOT mean",
        "E2E mean",
        "E2E p99",
        "Per-request",
    ];
    let mut t = BoxTable {
        title: Some("Benchmark client runs (the tools' own figures, ms)".into()),
        header: header.iter().map(|s| s.to_string()).collect(),
        align: std::iter::repeat_n(Align::Left, 3)
            .chain(std::iter::repeat_n(Align::Right, header.len() - 3))
            .collect(),
        ..BoxTable::default()
    };
    for (path, n) in notes(log) {
        for r in &n.runs {
            let f = &r.run_level;
            t.rows.push(vec![
                path.clone(),
                n.tool.name().to_owned(),
                r.label.clone(),
                opt(r.concurrency),
                opt(r.request_rate),
                count(f.completed),
                count(f.failed),
                opt(f.request_throughput),
                opt(f.output_throughput),
                opt(f.ttft_ms.mean),
                opt(f.ttft_ms.p(99.0)),
                opt(f.itl_ms.mean),
                opt(f.tpot_ms.mean),
                opt(f.e2e_ms.mean),
                opt(f.e2e_ms.p(99.0)),
                r.per_request_rows
                    .map_or_else(|| "none".into(), |k| format!("{k} rows")),
            ]);
        }
    }
    t.render()
}
