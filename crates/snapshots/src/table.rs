//! The snapshots job's rows as Arrow: one row per request (one before/after
//! pair of an [`Analysis`]) with its derived timings and flags, the surface
//! the Python package exposes ([`Analysis::summary`] is the typed summary).
//!
//! Columns (see [`column_docs`] for units and meanings): the pair
//! (`request_id`, `before`, `after`, their times from the file names as
//! naive timestamps, `window_s`), one float64 column per derived quantity of
//! [`QUANTITIES`] in registry order (null when no source moved), the flags
//! (`trusted`, one boolean per flag code of [`FLAG_CODES`], and `flags`, every
//! code comma-separated, so a code added later is never lost), and
//! `estimated`/`overlaps_with` as comma-separated lists. Lists are text, not
//! Arrow lists, so that the table exports to CSV as it is.

use crate::derive::QUANTITIES;
use crate::{Analysis, RequestResult};
use srtlog_table::arrow_array::builder::{
    BooleanBuilder, Float64Builder, StringBuilder, TimestampMicrosecondBuilder, UInt64Builder,
};
use srtlog_table::arrow_array::{ArrayRef, RecordBatch};
use srtlog_table::arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use srtlog_table::doc::ColumnDoc;
use srtlog_table::TableError;
use std::sync::{Arc, OnceLock};

/// The flag codes with a boolean column of their own ([`crate::flags`]).
pub const FLAG_CODES: [&str; 5] = [
    "overlap",
    "counter_reset",
    "multi_count",
    "all_zero",
    "time_reversed",
];

/// Leading columns: name, type, unit, meaning.
const HEAD: [(&str, &str, &str); 6] = [
    ("request_id", "", "request id from the file names"),
    ("before", "", "before snapshot file"),
    ("after", "", "after snapshot file"),
    ("before_time", "µs, naive", "time in the before file name"),
    ("after_time", "µs, naive", "time in the after file name"),
    (
        "window_s",
        "s",
        "seconds between the two snapshots (by their names)",
    ),
];

/// Trailing columns after the quantities and flag booleans.
const TAIL: [(&str, &str, &str); 6] = [
    (
        "trusted",
        "",
        "no flag: the deltas are this request's alone",
    ),
    (
        "flags",
        "",
        "every flag code, comma-separated (empty when trusted)",
    ),
    (
        "estimated",
        "",
        "quantities estimated from buckets or differences, comma-separated",
    ),
    (
        "overlaps_with",
        "",
        "ids of the requests whose windows overlap, comma-separated",
    ),
    (
        "moved_series",
        "",
        "cumulative series that grew or were reset",
    ),
    (
        "reset_series",
        "",
        "series that went down (a counter reset)",
    ),
];

fn flag_meaning(code: &str) -> &'static str {
    match code {
        "overlap" => "another request's snapshot window overlaps this one",
        "counter_reset" => "a counter went down or the process restarted",
        "multi_count" => "a per-request histogram counted more than one request",
        "all_zero" => "no counter or histogram moved",
        _ => "the after snapshot is older than the before one",
    }
}

/// The Arrow schema of [`record_batch`] (every column nullable).
pub fn schema() -> SchemaRef {
    static S: OnceLock<SchemaRef> = OnceLock::new();
    S.get_or_init(|| {
        let ts = DataType::Timestamp(TimeUnit::Microsecond, None);
        let mut f = vec![
            Field::new("request_id", DataType::Utf8, true),
            Field::new("before", DataType::Utf8, true),
            Field::new("after", DataType::Utf8, true),
            Field::new("before_time", ts.clone(), true),
            Field::new("after_time", ts, true),
            Field::new("window_s", DataType::Float64, true),
        ];
        f.extend(
            QUANTITIES
                .iter()
                .map(|q| Field::new(q.key, DataType::Float64, true)),
        );
        f.push(Field::new("trusted", DataType::Boolean, true));
        f.extend(
            FLAG_CODES
                .iter()
                .map(|c| Field::new(format!("flag_{c}"), DataType::Boolean, true)),
        );
        f.extend([
            Field::new("flags", DataType::Utf8, true),
            Field::new("estimated", DataType::Utf8, true),
            Field::new("overlaps_with", DataType::Utf8, true),
            Field::new("moved_series", DataType::UInt64, true),
            Field::new("reset_series", DataType::UInt64, true),
        ]);
        Arc::new(Schema::new(f))
    })
    .clone()
}

/// Unit and meaning of every column.
pub fn column_docs() -> Vec<ColumnDoc> {
    let mut d: Vec<ColumnDoc> = HEAD
        .iter()
        .map(|(n, u, m)| ColumnDoc::new(n, u, m))
        .collect();
    d.extend(
        QUANTITIES
            .iter()
            .map(|q| ColumnDoc::new(q.key, if q.seconds { "s" } else { "tokens" }, q.label)),
    );
    d.extend(TAIL.iter().map(|(n, u, m)| ColumnDoc::new(n, u, m)));
    // Flag column names are built at run time; their docs name them once.
    d.extend(FLAG_CODES.iter().map(|c| {
        let name: &'static str = match *c {
            "overlap" => "flag_overlap",
            "counter_reset" => "flag_counter_reset",
            "multi_count" => "flag_multi_count",
            "all_zero" => "flag_all_zero",
            _ => "flag_time_reversed",
        };
        ColumnDoc::new(name, "", flag_meaning(c))
    }));
    d
}

/// Every analysed request of `a` as one Arrow batch, in the analysis's
/// order (by before time).
pub fn record_batch(a: &Analysis) -> Result<RecordBatch, TableError> {
    rows_batch(&a.requests)
}

/// The rows of `requests` as one Arrow batch.
pub fn rows_batch(requests: &[RequestResult]) -> Result<RecordBatch, TableError> {
    let n = requests.len();
    let mut strs: [StringBuilder; 3] = std::array::from_fn(|_| StringBuilder::new());
    let mut times: [TimestampMicrosecondBuilder; 2] =
        std::array::from_fn(|_| TimestampMicrosecondBuilder::with_capacity(n));
    let mut window = Float64Builder::with_capacity(n);
    let mut qs: Vec<Float64Builder> = QUANTITIES
        .iter()
        .map(|_| Float64Builder::with_capacity(n))
        .collect();
    let mut trusted = BooleanBuilder::with_capacity(n);
    let mut flag_cols: [BooleanBuilder; 5] = std::array::from_fn(|_| BooleanBuilder::new());
    let mut lists: [StringBuilder; 3] = std::array::from_fn(|_| StringBuilder::new());
    let mut counts: [UInt64Builder; 2] = std::array::from_fn(|_| UInt64Builder::new());
    for r in requests {
        strs[0].append_value(&r.request_id);
        strs[1].append_value(r.before.display().to_string());
        strs[2].append_value(r.after.display().to_string());
        times[0].append_value(r.before_us);
        times[1].append_value(r.after_us);
        window.append_value(r.window_s());
        for (i, b) in qs.iter_mut().enumerate() {
            b.append_option(r.derived.values.get(i).copied().flatten());
        }
        trusted.append_value(r.trusted());
        for (b, c) in flag_cols.iter_mut().zip(FLAG_CODES) {
            b.append_value(r.flags.iter().any(|f| f.code == c));
        }
        let codes: Vec<&str> = r.flags.iter().map(|f| f.code).collect();
        lists[0].append_value(codes.join(","));
        lists[1].append_value(r.derived.estimated.join(","));
        lists[2].append_value(r.overlaps_with.join(","));
        let moved = r
            .deltas
            .series
            .iter()
            .filter(|s| s.delta != 0.0 || s.reset)
            .count();
        counts[0].append_value(moved as u64);
        counts[1].append_value(r.deltas.resets().count() as u64);
    }
    let mut cols: Vec<ArrayRef> = strs
        .iter_mut()
        .map(|b| Arc::new(b.finish()) as ArrayRef)
        .collect();
    cols.extend(times.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
    cols.push(Arc::new(window.finish()));
    cols.extend(qs.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
    cols.push(Arc::new(trusted.finish()));
    cols.extend(
        flag_cols
            .iter_mut()
            .map(|b| Arc::new(b.finish()) as ArrayRef),
    );
    cols.extend(lists.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
    cols.extend(counts.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
    Ok(RecordBatch::try_new(schema(), cols)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delta::Deltas;
    use crate::derive::{index_of, Derived};
    use crate::flags::Flag;
    use srtlog_table::arrow_array::cast::AsArray;
    use srtlog_table::arrow_array::types::Float64Type;
    use srtlog_table::arrow_array::Array;

    fn result(id: &str, ttft: Option<f64>, flags: Vec<Flag>) -> RequestResult {
        let mut values = vec![None; QUANTITIES.len()];
        values[index_of("ttft_s").unwrap()] = ttft;
        RequestResult {
            request_id: id.into(),
            before: format!("{id}_before.txt").into(),
            after: format!("{id}_after.txt").into(),
            before_us: 1_000_000,
            after_us: 3_500_000,
            derived: Derived {
                values,
                estimated: vec!["decode_time_s"],
                multi_count: vec![],
            },
            flags,
            overlaps_with: vec![],
            deltas: Deltas::default(),
        }
    }

    #[test]
    fn rows_timings_and_flags() {
        let a = Analysis {
            requests: vec![
                result("a", Some(0.25), vec![]),
                result(
                    "b",
                    None,
                    vec![Flag {
                        code: "all_zero",
                        reason: "r".into(),
                    }],
                ),
            ],
            ..Analysis::default()
        };
        let b = record_batch(&a).unwrap();
        assert_eq!(b.num_rows(), 2);
        assert_eq!(b.schema(), schema());
        let ttft = b
            .column_by_name("ttft_s")
            .unwrap()
            .as_primitive::<Float64Type>();
        assert_eq!(ttft.value(0), 0.25);
        assert!(ttft.is_null(1));
        let w = b
            .column_by_name("window_s")
            .unwrap()
            .as_primitive::<Float64Type>();
        assert_eq!(w.value(0), 2.5);
        let t = b.column_by_name("trusted").unwrap().as_boolean();
        assert!(t.value(0) && !t.value(1));
        assert!(b
            .column_by_name("flag_all_zero")
            .unwrap()
            .as_boolean()
            .value(1));
        let f = b.column_by_name("flags").unwrap().as_string::<i32>();
        assert_eq!((f.value(0), f.value(1)), ("", "all_zero"));
        let e = b.column_by_name("estimated").unwrap().as_string::<i32>();
        assert_eq!(e.value(0), "decode_time_s");
        let (missing, extra) = srtlog_table::doc::undocumented(&schema(), &column_docs());
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{missing:?} {extra:?}"
        );
    }
}
