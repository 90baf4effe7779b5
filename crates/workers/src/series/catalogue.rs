//! The metric catalogue: which node-metrics columns are charted, with their
//! titles, units, sections, bucket reduction and group combination.

use super::{Applies, Combine, Metric, Reduce};
use srtlog_formats::sglang::{FieldKind, FIELDS};

/// Sections of the report, in order.
pub const SECTIONS: [&str; 6] = [
    "Throughput",
    "Queues",
    "KV cache",
    "Speculative decoding",
    "Memory",
    "Other metrics",
];

/// Columns that are not metrics: row identity, rank tags, and start-up
/// capacities that are constants rather than series.
pub(super) const NOT_METRICS: [&str; 17] = [
    "line",
    "iteration",
    "engine",
    "dp",
    "pp",
    "tp",
    "ep",
    "attn_cp",
    "moe_dp",
    "kv_tokens",
    "kv_size_gb",
    "k_size_gb",
    "v_size_gb",
    "chunked_prefill_size",
    "max_prefill_tokens",
    "max_running_requests",
    "context_len",
];

/// The metrics srtlog knows, in chart order: a curated head (titles, rates,
/// sides), then every other numeric field of the registry
/// ([`srtlog_formats::sglang::FIELDS`]) with defaults derived from its unit,
/// then memory snapshots.
pub fn catalogue() -> Vec<Metric> {
    use Applies as A;
    use Combine::{Mean, Sum};
    use Reduce::{Event, Gauge, Rate};
    #[rustfmt::skip]
    let head: [(&str, &str, &str, &str, Reduce, Combine, Applies); 20] = [
        ("input_throughput", "Input throughput", "tokens/s", "Throughput", Gauge, Sum, A::Prefill),
        ("gen_throughput", "Generation throughput", "tokens/s", "Throughput", Gauge, Sum, A::Decode),
        ("new_token", "Prefill tokens computed (#new-token)", "tokens/s", "Throughput", Rate, Sum, A::Prefill),
        ("cached_token", "Prefix-cache hits (#cached-token)", "tokens/s", "Throughput", Rate, Sum, A::Prefill),
        ("new_seq", "Requests admitted to prefill (#new-seq)", "requests/s", "Throughput", Rate, Sum, A::Prefill),
        ("running_req", "Running requests", "requests", "Queues", Gauge, Sum, A::Both),
        ("queue_req", "Queued requests", "requests", "Queues", Gauge, Sum, A::Both),
        ("pending_token", "Queued tokens", "tokens", "Queues", Gauge, Sum, A::Any),
        ("inflight_req", "Inflight requests (KV transfer to decode)", "requests", "Queues", Gauge, Sum, A::Prefill),
        ("bootstrap_req", "Bootstrap queue", "requests", "Queues", Gauge, Sum, A::Prefill),
        ("transfer_req", "Transfer queue (KV transfer in flight)", "requests", "Queues", Gauge, Sum, A::Decode),
        ("prealloc_req", "Pre-allocation queue", "requests", "Queues", Gauge, Sum, A::Decode),
        ("retracted_req", "Retracted requests", "requests", "Queues", Gauge, Sum, A::Decode),
        ("token_usage", "KV-cache token usage", "fraction", "KV cache", Gauge, Mean, A::Both),
        ("num_tokens", "KV tokens in use", "tokens", "KV cache", Gauge, Sum, A::Decode),
        ("preallocated_usage", "Pre-allocated KV", "fraction", "KV cache", Gauge, Mean, A::Decode),
        ("accept_len", "Speculative accept length", "tokens/step", "Speculative decoding", Gauge, Mean, A::Decode),
        ("accept_rate", "Speculative acceptance rate", "fraction", "Speculative decoding", Gauge, Mean, A::Decode),
        ("avail_mem_gb", "Free GPU memory (memory snapshots)", "GB per GPU", "Memory", Event, Mean, A::Memory),
        ("mem_usage_gb", "Memory used by start-up steps", "GB per GPU", "Memory", Event, Mean, A::Memory),
    ];
    let doc_of = |col: &str| -> String {
        FIELDS
            .iter()
            .find(|f| f.column == col)
            .map(|f| f.doc.to_string())
            .unwrap_or_else(|| match col {
                "avail_mem_gb" => "free GPU memory on each rank at start-up steps".into(),
                "mem_usage_gb" => "memory consumed by a start-up step on each rank".into(),
                _ => String::new(),
            })
    };
    let mut v: Vec<Metric> = head
        .iter()
        .map(|&(c, t, u, s, r, k, a)| Metric {
            column: c.into(),
            title: t.into(),
            unit: u.into(),
            doc: doc_of(c),
            section: s.into(),
            combine: k,
            reduce: r,
            applies: a,
        })
        .collect();
    for f in FIELDS {
        if f.kind == FieldKind::Bool || v.iter().any(|m| m.column == f.column) {
            continue;
        }
        v.push(default_metric(f.column, f.unit, f.doc));
    }
    v
}

/// A metric for a column without curated settings: summed when its unit is
/// a count or a throughput, averaged otherwise (fractions, per-GPU
/// estimates, unknown units). Speculative-decoding columns belong to the
/// decode side and prefix/multimodal-cache columns to the prefill side, so
/// an engine-statistics row does not draw them twice.
pub(super) fn default_metric(column: &str, unit: &str, doc: &str) -> Metric {
    let extensive = matches!(unit, "requests" | "tokens" | "tokens/s" | "states");
    let (section, applies) = if column.starts_with("accept_") || column.starts_with("spec_") {
        ("Speculative decoding", Applies::Decode)
    } else if column.contains("prefix_cache") || column.contains("mm_cache") {
        ("KV cache", Applies::Prefill)
    } else if column.ends_with("_usage") || column.ends_with("_tokens") {
        ("KV cache", Applies::Any)
    } else if column.ends_with("_req") {
        ("Queues", Applies::Any)
    } else {
        ("Other metrics", Applies::Any)
    };
    let mut title = column.replace('_', " ");
    if let Some(c) = title.get(..1) {
        title = c.to_uppercase() + &title[1..];
    }
    Metric {
        column: column.into(),
        title,
        unit: unit.into(),
        doc: doc.into(),
        section: section.into(),
        combine: if extensive {
            Combine::Sum
        } else {
            Combine::Mean
        },
        reduce: Reduce::Gauge,
        applies,
    }
}

/// The unit a column's documentation ends with: `… (tokens/s)`,
/// `… (fraction; V1 rolling …)` (see
/// [`srtlog_table::node_metrics::column_docs`]); empty when there is none.
pub(super) fn unit_from_doc(doc: &str) -> &str {
    let Some(inner) = doc
        .strip_suffix(')')
        .and_then(|d| d.rfind('(').map(|i| &d[i + 1..]))
    else {
        return "";
    };
    let unit = inner.split(';').next().unwrap_or("").trim();
    if !unit.is_empty() && unit.chars().all(|c| c.is_ascii_lowercase() || c == '/') {
        unit
    } else {
        ""
    }
}
