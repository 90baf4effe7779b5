//! Column documentation of every dataset table, as data: the source of the
//! column tables in `docs/dataset.md` (a test checks that the document holds
//! exactly these tables).

use crate::schema::{Table, AIPERF_ARTIFACT, RUN};
use arrow_schema::{DataType, Schema, TimeUnit};

/// A dataset type as the document spells it.
pub fn type_name(t: &DataType) -> String {
    match t {
        DataType::Utf8 => "string".into(),
        DataType::Int32 => "int32".into(),
        DataType::Int64 => "int64".into(),
        DataType::Float64 => "double".into(),
        DataType::Boolean => "boolean".into(),
        DataType::Timestamp(TimeUnit::Microsecond, Some(z)) => format!("timestamp[us, {z}]"),
        other => format!("{other}"),
    }
}

fn meaning_of(table: Table, name: &str) -> String {
    let unit_meaning = |d: &srtlog_table::doc::ColumnDoc| {
        if d.unit.is_empty() {
            d.meaning.to_string()
        } else {
            format!("{} ({})", d.meaning, d.unit)
        }
    };
    match (table, name) {
        (_, RUN) => "run id (also the `run=` partition)".into(),
        (Table::Requests, "extras") => {
            "the log's other numeric fields, a JSON object (`{\"queue_depth\": 3}`), null when none".into()
        }
        (Table::AiperfRecords, AIPERF_ARTIFACT) => {
            "the export's folder (AIPerf's own run name)".into()
        }
        (Table::NodeMetrics, "timestamp") => {
            "wall clock as the log printed it, microseconds; the zone is not in the log, so it is stored as if UTC".into()
        }
        (Table::NodeMetrics, _) => srtlog_table::node_metrics::column_docs()
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, d)| d)
            .unwrap_or_default(),
        (Table::Requests, _) => srtlog_requests::table::column_docs()
            .iter()
            .find(|d| d.name == name)
            .map(unit_meaning)
            .unwrap_or_default(),
        (Table::AiperfRecords, _) => srtlog_aiperf::table::column_docs()
            .iter()
            .find(|d| d.name == name)
            .map(unit_meaning)
            .unwrap_or_default(),
        (Table::SnapshotPairs, _) => srtlog_snapshots::table::column_docs()
            .iter()
            .find(|d| d.name == name)
            .map(unit_meaning)
            .unwrap_or_default(),
    }
}

fn escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The markdown table of a schema: column, type, nullable, meaning.
pub fn markdown_of(schema: &Schema, meaning: impl Fn(&str) -> String) -> String {
    let mut out = String::from("| column | type | null | meaning |\n| --- | --- | --- | --- |\n");
    for f in schema.fields() {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            f.name(),
            type_name(f.data_type()),
            if f.is_nullable() { "yes" } else { "no" },
            escape(&meaning(f.name()))
        ));
    }
    out
}

/// The markdown column table of a source table.
pub fn markdown(table: Table) -> String {
    markdown_of(&table.schema(), |n| meaning_of(table, n))
}

/// The markdown column table of `runs`.
pub fn runs_markdown() -> String {
    markdown_of(&crate::ingest::runs_schema(), |n| {
        match n {
            RUN => "run id (also the `run=` partition)",
            "path" => "canonical path of the run folder",
            "sources" => "sources ingested (files; a snapshot folder counts once)",
            "worker_logs" => "worker-log files",
            "prefill_workers" | "decode_workers" | "agg_workers" => "worker-log files of that type",
            "node_metrics_rows" | "requests_rows" | "aiperf_records_rows" | "snapshot_pairs_rows" => {
                "rows of the run in that table"
            }
            "prefill_batches" | "decode_batches" => {
                "batch lines counted per scheduler (duplicates of non-primary ranks left out), as `srtlog parse`"
            }
            "memory_snapshots" => "memory snapshot rows",
            "stats_lines" => "vLLM engine statistics lines",
            "bad_lines" => "request-log and AIPerf lines that were not records",
            "warnings" => "warnings (rows of `warnings` for the run)",
            "input_bytes" => "bytes of the run's sources (bytes)",
            "concurrency" => "from the folder name `…-concurrencyN`, else null",
            "request_rate" => "from the folder name `…-request_rateR`, else null (requests/s)",
            _ => "",
        }
        .to_string()
    })
}

/// The markdown column table of `warnings`.
pub fn warnings_markdown() -> String {
    markdown_of(&crate::ingest::warnings_table_schema(), |n| {
        match n {
            RUN => "run id (also the `run=` partition)",
            "table" => "the table the source feeds",
            "path" => "the file",
            "line" => "1-based line, null when the problem is not about one line",
            "message" => "what happened",
            _ => "",
        }
        .to_string()
    })
}

/// The whole generated part of `docs/dataset.md`.
pub fn all_markdown() -> String {
    let mut s = String::new();
    for t in Table::ALL {
        s.push_str(&format!("### `{}`\n\n{}\n", t.name(), markdown(t)));
    }
    s.push_str(&format!("### `runs`\n\n{}\n", runs_markdown()));
    s.push_str(&format!("### `warnings`\n\n{}", warnings_markdown()));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_column_has_a_meaning() {
        for t in Table::ALL {
            for f in t.schema().fields() {
                assert!(
                    !meaning_of(t, f.name()).is_empty(),
                    "{}.{}",
                    t.name(),
                    f.name()
                );
            }
        }
        assert!(!runs_markdown().contains("|  |"));
        assert!(!warnings_markdown().contains("|  |"));
    }
}
