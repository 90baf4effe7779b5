//! The canonical request table: one row per request of a JSON-lines log.
//!
//! Columns are plain vectors while loading (appending a row touches no Arrow
//! builder, and partial tables of parallel chunks concatenate cheaply);
//! [`RequestTable::to_record_batch`] makes the Arrow batch that Parquet and
//! other consumers read. Repetitive strings (`model`, `status`,
//! `error_type`) are dictionary-coded; request ids share one byte buffer.
//! Missing numbers are NaN in memory and null in Arrow.
//!
//! Arrow schema: `timestamp` (Timestamp(ns, UTC), null when absent),
//! `request_id`, `model`, `status`, `error_type` (Utf8, nullable), `ok`
//! (Boolean, nullable), the canonical numeric columns of
//! [`srtlog_formats::requests::Num`] (Float64), then extra numeric fields in
//! order of discovery (Float64).

use crate::doc::ColumnDoc;
use crate::TableError;
use arrow_array::builder::{BooleanBuilder, StringBuilder, TimestampNanosecondBuilder};
use arrow_array::{ArrayRef, Float64Array, RecordBatch};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use srtlog_formats::requests::{Num, Request};
use std::collections::HashMap;
use std::sync::Arc;

/// Documentation of the fixed and canonical columns (extra columns are the
/// log's other numeric fields, as written).
pub fn column_docs() -> Vec<ColumnDoc> {
    let mut d = vec![
        ColumnDoc::new(
            "timestamp",
            "ns, UTC",
            "request time (start when the source has one); null when the line had none",
        ),
        ColumnDoc::new("request_id", "", "request id; null when absent or empty"),
        ColumnDoc::new("model", "", "model name"),
        ColumnDoc::new(
            "status",
            "",
            "status as written (success, error, an HTTP code…), or derived",
        ),
        ColumnDoc::new(
            "error_type",
            "",
            "error type or message of a failed request",
        ),
        ColumnDoc::new(
            "ok",
            "",
            "true: succeeded, false: failed, null: the line does not say",
        ),
    ];
    d.extend(Num::ALL.map(|n| {
        let (unit, meaning) = match n {
            Num::LatencyMs => ("ms", "end-to-end latency"),
            Num::BatchSize => ("requests", "batch size the request ran in"),
            Num::GpuUtil => ("%", "GPU utilisation"),
            Num::MemoryUsedGb => ("GB", "GPU memory in use"),
            Num::TtftMs => ("ms", "time to first token"),
            Num::ItlMs => ("ms", "inter-token latency"),
            Num::InputTokens => ("tokens", "prompt tokens"),
            Num::OutputTokens => ("tokens", "generated tokens"),
            Num::QueueMs => ("ms", "time waiting in the scheduler queue"),
            Num::PrefillMs => ("ms", "prefill time"),
            Num::DecodeMs => ("ms", "decode time"),
        };
        ColumnDoc::new(n.name(), unit, meaning)
    }));
    d
}

/// Code of a missing value in a [`Dict`] column.
pub const NONE: u32 = u32::MAX;

/// A dictionary-coded string column.
#[derive(Clone, Debug, Default)]
pub struct Dict {
    /// Row codes into `values` ([`NONE`] = null).
    pub codes: Vec<u32>,
    /// Distinct values.
    pub values: Vec<String>,
    index: HashMap<String, u32>,
}

impl Dict {
    fn code(&mut self, s: Option<&str>) -> u32 {
        let Some(s) = s else { return NONE };
        // Consecutive rows usually repeat the value (one model, "success"):
        // compare with the previous row's before hashing.
        if let Some(&c) = self.codes.last() {
            if c != NONE && self.values.get(c as usize).is_some_and(|v| v == s) {
                return c;
            }
        }
        if let Some(&c) = self.index.get(s) {
            return c;
        }
        let c = self.values.len() as u32;
        self.values.push(s.to_owned());
        self.index.insert(s.to_owned(), c);
        c
    }

    /// Appends a value.
    pub fn push(&mut self, s: Option<&str>) {
        let c = self.code(s);
        self.codes.push(c);
    }

    /// The value of row `i`.
    pub fn get(&self, i: usize) -> Option<&str> {
        match self.codes.get(i) {
            Some(&c) if c != NONE => self.values.get(c as usize).map(String::as_str),
            _ => None,
        }
    }

    fn append(&mut self, o: &Dict) {
        let remap: Vec<u32> = o.values.iter().map(|v| self.code(Some(v))).collect();
        self.codes.extend(o.codes.iter().map(
            |&c| {
                if c == NONE {
                    NONE
                } else {
                    remap[c as usize]
                }
            },
        ));
    }
}

/// The request table.
#[derive(Clone, Debug)]
pub struct RequestTable {
    /// Request time, ns since the epoch (`None` when the line had none).
    pub timestamp_ns: Vec<Option<i64>>,
    /// Request ids, concatenated.
    pub id_bytes: String,
    /// End offsets of each id in `id_bytes` (an empty id is null).
    pub id_ends: Vec<usize>,
    /// Model.
    pub model: Dict,
    /// Status as written.
    pub status: Dict,
    /// Error type of failed requests.
    pub error_type: Dict,
    /// Success: 1, failure: 0, unknown: 2.
    pub ok: Vec<u8>,
    /// Canonical numeric columns, indexed by [`Num`].
    pub nums: Vec<Vec<f64>>,
    /// Extra numeric columns `(name, values)`.
    pub extra: Vec<(String, Vec<f64>)>,
    extra_index: HashMap<String, usize>,
}

impl Default for RequestTable {
    /// An empty table, with its canonical numeric columns: a derived default
    /// had none, so appending to it dropped every numeric value (and a
    /// summary of it then indexed past the end).
    fn default() -> Self {
        RequestTable {
            timestamp_ns: Vec::new(),
            id_bytes: String::new(),
            id_ends: Vec::new(),
            model: Dict::default(),
            status: Dict::default(),
            error_type: Dict::default(),
            ok: Vec::new(),
            nums: vec![Vec::new(); Num::COUNT],
            extra: Vec::new(),
            extra_index: HashMap::new(),
        }
    }
}

impl RequestTable {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reserves room for `n` more rows.
    pub fn reserve(&mut self, n: usize) {
        self.timestamp_ns.reserve(n);
        self.id_ends.reserve(n);
        self.id_bytes.reserve(n * 36);
        self.model.codes.reserve(n);
        self.status.codes.reserve(n);
        self.error_type.codes.reserve(n);
        self.ok.reserve(n);
        for c in &mut self.nums {
            c.reserve(n);
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.ok.len()
    }

    /// Whether the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.ok.is_empty()
    }

    /// Request id of row `i`.
    pub fn request_id(&self, i: usize) -> Option<&str> {
        let start = if i == 0 { 0 } else { *self.id_ends.get(i - 1)? };
        let end = *self.id_ends.get(i)?;
        (end > start)
            .then(|| self.id_bytes.get(start..end))
            .flatten()
    }

    /// Whether row `i` failed (`Some(false)`), succeeded, or does not say.
    pub fn ok(&self, i: usize) -> Option<bool> {
        match self.ok.get(i) {
            Some(0) => Some(false),
            Some(1) => Some(true),
            _ => None,
        }
    }

    fn extra_col(&mut self, name: &str) -> usize {
        if let Some(&i) = self.extra_index.get(name) {
            return i;
        }
        let i = self.extra.len();
        // Rows before the column was discovered did not have it.
        self.extra
            .push((name.to_owned(), vec![f64::NAN; self.len()]));
        self.extra_index.insert(name.to_owned(), i);
        i
    }

    /// Appends one request.
    pub fn push(&mut self, r: &Request<'_>) {
        self.timestamp_ns.push(r.timestamp_ns);
        if let Some(id) = &r.request_id {
            self.id_bytes.push_str(id);
        }
        self.id_ends.push(self.id_bytes.len());
        self.model.push(r.model.as_deref());
        self.status.push(r.status.as_deref());
        self.error_type.push(r.error_type.as_deref());
        self.ok.push(match r.ok {
            Some(false) => 0,
            Some(true) => 1,
            None => 2,
        });
        for (col, v) in self.nums.iter_mut().zip(r.nums) {
            col.push(v);
        }
        let n = self.len();
        for (k, v) in &r.extra {
            let i = self.extra_col(k);
            let col = &mut self.extra[i].1;
            if col.len() < n {
                col.push(*v);
            } else if let Some(last) = col.last_mut() {
                // A repeated key: the last value wins, as in `json.loads`.
                *last = *v;
            }
        }
        for (_, col) in &mut self.extra {
            if col.len() < n {
                col.push(f64::NAN);
            }
        }
    }

    /// Appends every row of `o` (extra columns are matched by name).
    pub fn append(&mut self, o: &RequestTable) {
        let n0 = self.len();
        self.timestamp_ns.extend_from_slice(&o.timestamp_ns);
        let base = self.id_bytes.len();
        self.id_bytes.push_str(&o.id_bytes);
        self.id_ends.extend(o.id_ends.iter().map(|e| e + base));
        self.model.append(&o.model);
        self.status.append(&o.status);
        self.error_type.append(&o.error_type);
        self.ok.extend_from_slice(&o.ok);
        for (a, b) in self.nums.iter_mut().zip(&o.nums) {
            a.extend_from_slice(b);
        }
        for (name, vals) in &o.extra {
            let i = self.extra_col(name);
            let col = &mut self.extra[i].1;
            col.resize(n0, f64::NAN);
            col.extend_from_slice(vals);
        }
        let n = self.len();
        for (_, col) in &mut self.extra {
            col.resize(n, f64::NAN);
        }
    }

    /// The numeric column called `name` (canonical or extra).
    pub fn column(&self, name: &str) -> Option<&[f64]> {
        if let Some(n) = Num::from_name(name) {
            return self.nums.get(n as usize).map(Vec::as_slice);
        }
        self.extra_index
            .get(name)
            .and_then(|&i| self.extra.get(i))
            .map(|(_, v)| v.as_slice())
    }

    /// Names of the numeric columns that hold at least one value.
    pub fn numeric_columns(&self) -> Vec<String> {
        let canon = Num::ALL
            .iter()
            .filter(|n| self.nums[**n as usize].iter().any(|v| !v.is_nan()))
            .map(|n| n.name().to_owned());
        let extra = self
            .extra
            .iter()
            .filter(|(_, v)| v.iter().any(|x| !x.is_nan()))
            .map(|(k, _)| k.clone());
        canon.chain(extra).collect()
    }

    /// The rows whose index is in `rows`, in that order.
    pub fn take(&self, rows: &[usize]) -> RequestTable {
        let mut t = RequestTable::new();
        for &i in rows {
            t.timestamp_ns.push(self.timestamp_ns[i]);
            if let Some(id) = self.request_id(i) {
                t.id_bytes.push_str(id);
            }
            t.id_ends.push(t.id_bytes.len());
            t.model.push(self.model.get(i));
            t.status.push(self.status.get(i));
            t.error_type.push(self.error_type.get(i));
            t.ok.push(self.ok[i]);
            for (a, b) in t.nums.iter_mut().zip(&self.nums) {
                a.push(b[i]);
            }
        }
        for (name, vals) in &self.extra {
            let col: Vec<f64> = rows.iter().map(|&i| vals[i]).collect();
            t.extra_index.insert(name.clone(), t.extra.len());
            t.extra.push((name.clone(), col));
        }
        t
    }

    /// The Arrow schema of [`Self::to_record_batch`].
    pub fn schema(&self) -> Arc<Schema> {
        let mut f = vec![
            Field::new(
                "timestamp",
                DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into())),
                true,
            ),
            Field::new("request_id", DataType::Utf8, true),
            Field::new("model", DataType::Utf8, true),
            Field::new("status", DataType::Utf8, true),
            Field::new("error_type", DataType::Utf8, true),
            Field::new("ok", DataType::Boolean, true),
        ];
        f.extend(Num::ALL.map(|n| Field::new(n.name(), DataType::Float64, true)));
        f.extend(
            self.extra
                .iter()
                .map(|(k, _)| Field::new(k, DataType::Float64, true)),
        );
        Arc::new(Schema::new(f))
    }

    /// The table as one Arrow batch.
    pub fn to_record_batch(&self) -> Result<RecordBatch, TableError> {
        let n = self.len();
        let mut ts = TimestampNanosecondBuilder::with_capacity(n).with_timezone("UTC");
        for t in &self.timestamp_ns {
            ts.append_option(*t);
        }
        let mut ids = StringBuilder::with_capacity(n, self.id_bytes.len());
        for i in 0..n {
            ids.append_option(self.request_id(i));
        }
        let dict = |d: &Dict| {
            let mut b = StringBuilder::with_capacity(n, n * 8);
            for i in 0..n {
                b.append_option(d.get(i));
            }
            Arc::new(b.finish()) as ArrayRef
        };
        let mut ok = BooleanBuilder::with_capacity(n);
        for i in 0..n {
            ok.append_option(self.ok(i));
        }
        let float = |v: &[f64]| {
            Arc::new(Float64Array::from_iter(
                v.iter().map(|x| (!x.is_nan()).then_some(*x)),
            )) as ArrayRef
        };
        let mut cols: Vec<ArrayRef> = vec![
            Arc::new(ts.finish()),
            Arc::new(ids.finish()),
            dict(&self.model),
            dict(&self.status),
            dict(&self.error_type),
            Arc::new(ok.finish()),
        ];
        cols.extend(self.nums.iter().map(|v| float(v)));
        cols.extend(self.extra.iter().map(|(_, v)| float(v)));
        Ok(RecordBatch::try_new(self.schema(), cols)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use srtlog_formats::requests::{decode_line, FieldMap};

    fn row(line: &str) -> Request<'static> {
        decode_line(line.as_bytes(), &FieldMap::default())
            .ok()
            .flatten()
            .map(Request::into_owned)
            .expect("valid line")
    }

    #[test]
    fn appending_to_a_default_table_keeps_the_numeric_columns() {
        // Regression: a derived `Default` had no canonical numeric columns,
        // so `append` zipped over none and dropped every latency, and
        // `numeric_columns` then indexed past the end (found through the
        // Python package, whose analyzer starts from a default table).
        let mut b = RequestTable::new();
        b.push(&row(
            r#"{"model": "m", "latency_ms": 3, "status": "success"}"#,
        ));
        let mut a = RequestTable::default();
        a.append(&b);
        assert_eq!(a.column("latency_ms"), Some(&[3.0][..]));
        assert_eq!(a.numeric_columns(), ["latency_ms"]);
    }

    #[test]
    fn push_append_take_and_arrow() {
        let mut a = RequestTable::new();
        a.push(&row(
            r#"{"request_id": "a", "model": "m1", "latency_ms": 1, "status": "success"}"#,
        ));
        a.push(&row(
            r#"{"request_id": "b", "model": "m2", "latency_ms": 2, "x": 5, "status": "error"}"#,
        ));
        let mut b = RequestTable::new();
        b.push(&row(r#"{"model": "m2", "latency_ms": 3, "y": 7}"#));
        a.append(&b);
        assert_eq!(a.len(), 3);
        assert_eq!(a.request_id(1), Some("b"));
        assert_eq!(a.request_id(2), None);
        assert_eq!(a.model.get(2), Some("m2"));
        assert_eq!(a.model.values.len(), 2);
        assert_eq!(a.ok(1), Some(false));
        assert_eq!(a.ok(2), None);
        let x = a.column("x").expect("x");
        assert_eq!(x[1], 5.0);
        assert!(x[0].is_nan() && x[2].is_nan());
        assert_eq!(a.column("y").map(|y| y[2]), Some(7.0));
        assert_eq!(a.numeric_columns(), ["latency_ms", "x", "y"]);
        let t = a.take(&[2, 0]);
        assert_eq!(t.column("latency_ms"), Some(&[3.0, 1.0][..]));
        let batch = a.to_record_batch().expect("batch");
        assert_eq!(batch.num_rows(), 3);
        assert_eq!(batch.num_columns(), 6 + Num::COUNT + 2);
        // Every column but the extras is documented.
        let (missing, extra) = crate::doc::undocumented(&a.schema(), &column_docs());
        assert_eq!(missing, ["x", "y"]);
        assert!(extra.is_empty());
    }
}
