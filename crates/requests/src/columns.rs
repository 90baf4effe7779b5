//! [`Columns`]: requests held as the few columns that `summary` and
//! `anomalies` read, and those two analyses over them.
//!
//! Memory grows with the columns used, not with the row width: a time
//! (8 bytes), a model code (4), a success flag (1) and one `f64` per
//! numeric field that has a value (the workflow's schema has four), about
//! 45 bytes a request, where the full [`RequestTable`] takes about 160 and
//! its filtered copy as much again. Request ids are kept only for
//! `anomalies`, which names the outlying requests; a column that never has
//! a value is never allocated.
//!
//! The figures are those of [`crate::summary::summary`] and
//! [`crate::anomalies::detect`] on the full table, exactly (tested on a
//! simulated log against values written down from the release before this
//! module): the same values in the same sorted order give the same
//! moments and percentiles.
//!
//! [`RequestTable`]: srtlog_table::requests::RequestTable

use crate::anomalies::{self, AnomalyReport, Method};
use crate::summary::{field_stats, RequestSummary, SummaryReport};
use crate::UnknownMetric;
use rayon::prelude::*;
use srtlog_formats::requests::{Num, Request};
use srtlog_stats::Summary as Stats;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

/// The time of a request without one.
const NO_TS: i64 = i64::MIN;
/// The model code of a request without one.
const NO_MODEL: u32 = u32::MAX;

/// One request as the scan reads it, borrowing from the line.
#[derive(Clone, Debug)]
pub struct Row<'a> {
    /// Request time, ns since the epoch.
    pub ts: Option<i64>,
    /// Model.
    pub model: Option<&'a str>,
    /// Request id (kept only when the columns keep ids).
    pub id: Option<Cow<'a, str>>,
    /// Success.
    pub ok: Option<bool>,
    /// An error field with a value was present.
    pub error: bool,
    /// Canonical numeric values (NaN: missing).
    pub nums: [f64; Num::COUNT],
    /// Other numeric fields.
    pub extra: Vec<(Cow<'a, str>, f64)>,
}

impl Default for Row<'_> {
    fn default() -> Self {
        Row {
            ts: None,
            model: None,
            id: None,
            ok: None,
            error: false,
            nums: [f64::NAN; Num::COUNT],
            extra: Vec::new(),
        }
    }
}

impl<'a> Row<'a> {
    /// The row of a request decoded by the full decoder.
    pub fn of_request(r: &'a Request<'_>) -> Row<'a> {
        Row {
            ts: r.timestamp_ns,
            model: r.model.as_deref(),
            id: r.request_id.as_deref().map(Cow::Borrowed),
            ok: r.ok,
            error: false,
            nums: r.nums,
            extra: r
                .extra
                .iter()
                .map(|(k, v)| (Cow::Borrowed(&**k), *v))
                .collect(),
        }
    }
}

/// Which columns to keep.
#[derive(Clone, Debug, Default)]
pub struct Keep {
    /// Only these numeric fields (`None`: every one).
    pub metrics: Option<Vec<String>>,
    /// Request ids.
    pub ids: bool,
}

/// Requests as columns.
#[derive(Clone, Debug)]
pub struct Columns {
    keep: Keep,
    keep_canon: [bool; Num::COUNT],
    /// Request time, ns ([`i64::MIN`]: none).
    ts: Vec<i64>,
    model: Vec<u32>,
    models: Vec<String>,
    model_index: HashMap<String, u32>,
    /// 0 failed, 1 succeeded, 2 does not say.
    ok: Vec<u8>,
    canon: Vec<Option<Vec<f64>>>,
    extra: Vec<(String, Vec<f64>)>,
    extra_index: HashMap<String, usize>,
    seen_canon: [bool; Num::COUNT],
    seen_extra: Vec<String>,
    id_bytes: String,
    id_ends: Vec<usize>,
}

impl Default for Columns {
    fn default() -> Self {
        Columns::new(Keep::default())
    }
}

impl Columns {
    /// Empty columns keeping `keep`.
    pub fn new(keep: Keep) -> Self {
        let keep_canon = Num::ALL.map(|n| {
            keep.metrics
                .as_ref()
                .is_none_or(|m| m.iter().any(|k| k == n.name()))
        });
        Columns {
            keep,
            keep_canon,
            ts: Vec::new(),
            model: Vec::new(),
            models: Vec::new(),
            model_index: HashMap::new(),
            ok: Vec::new(),
            canon: vec![None; Num::COUNT],
            extra: Vec::new(),
            extra_index: HashMap::new(),
            seen_canon: [false; Num::COUNT],
            seen_extra: Vec::new(),
            id_bytes: String::new(),
            id_ends: Vec::new(),
        }
    }

    /// Whether request ids are kept.
    pub fn keeps_ids(&self) -> bool {
        self.keep.ids
    }

    fn keeps(&self, name: &str) -> bool {
        self.keep
            .metrics
            .as_ref()
            .is_none_or(|m| m.iter().any(|k| k == name))
    }

    /// Requests.
    pub fn len(&self) -> usize {
        self.ok.len()
    }

    /// Whether there is no request.
    pub fn is_empty(&self) -> bool {
        self.ok.is_empty()
    }

    fn model_code(&mut self, m: Option<&str>) -> u32 {
        let Some(m) = m else { return NO_MODEL };
        if let Some(&c) = self.model.last() {
            if c != NO_MODEL && self.models[c as usize] == m {
                return c;
            }
        }
        if let Some(&c) = self.model_index.get(m) {
            return c;
        }
        let c = self.models.len() as u32;
        self.models.push(m.to_owned());
        self.model_index.insert(m.to_owned(), c);
        c
    }

    fn extra_col(&mut self, name: &str, n0: usize) -> usize {
        if let Some(&i) = self.extra_index.get(name) {
            return i;
        }
        let i = self.extra.len();
        self.extra.push((name.to_owned(), vec![f64::NAN; n0]));
        self.extra_index.insert(name.to_owned(), i);
        i
    }

    fn see_extra(&mut self, name: &str) {
        if !self.seen_extra.iter().any(|s| s == name) {
            self.seen_extra.push(name.to_owned());
        }
    }

    /// Appends one request.
    pub fn push(&mut self, row: &Row<'_>) {
        let n0 = self.len();
        self.ts.push(row.ts.unwrap_or(NO_TS));
        let code = self.model_code(row.model);
        self.model.push(code);
        self.ok.push(match row.ok {
            Some(false) => 0,
            Some(true) => 1,
            None => 2,
        });
        for (k, &v) in row.nums.iter().enumerate() {
            if !v.is_nan() {
                self.seen_canon[k] = true;
            }
            match &mut self.canon[k] {
                Some(c) => c.push(v),
                None if !v.is_nan() && self.keep_canon[k] => {
                    let mut c = vec![f64::NAN; n0];
                    c.push(v);
                    self.canon[k] = Some(c);
                }
                None => {}
            }
        }
        for (k, v) in &row.extra {
            if !v.is_nan() {
                self.see_extra(k);
            }
            if !self.keeps(k) || (v.is_nan() && !self.extra_index.contains_key(&**k)) {
                continue;
            }
            let i = self.extra_col(k, n0);
            let col = &mut self.extra[i].1;
            if col.len() == n0 {
                col.push(*v);
            } else if let Some(last) = col.last_mut() {
                // A repeated key: the last value wins, as in `json.loads`.
                *last = *v;
            }
        }
        for (_, col) in &mut self.extra {
            if col.len() == n0 {
                col.push(f64::NAN);
            }
        }
        if self.keep.ids {
            if let Some(id) = &row.id {
                self.id_bytes.push_str(id);
            }
            self.id_ends.push(self.id_bytes.len());
        }
    }

    /// Appends every request of `o` (columns matched by name).
    pub fn append(&mut self, o: Columns) {
        if self.is_empty() && self.extra.is_empty() && self.seen_extra.is_empty() {
            // The first block: taken without a copy.
            *self = o;
            return;
        }
        let n0 = self.len();
        let n = n0 + o.len();
        self.ts.extend_from_slice(&o.ts);
        let remap: Vec<u32> = o
            .models
            .iter()
            .map(|m| {
                self.model.push(NO_MODEL); // keep `model_code`'s last-row check harmless
                let c = self.model_code(Some(m));
                self.model.pop();
                c
            })
            .collect();
        self.model.extend(o.model.iter().map(|&c| {
            if c == NO_MODEL {
                NO_MODEL
            } else {
                remap[c as usize]
            }
        }));
        self.ok.extend_from_slice(&o.ok);
        for (k, b) in o.canon.into_iter().enumerate() {
            self.seen_canon[k] |= o.seen_canon[k];
            match (&mut self.canon[k], b) {
                (Some(a), Some(b)) => a.extend_from_slice(&b),
                (Some(a), None) => a.resize(n, f64::NAN),
                (a @ None, Some(b)) => {
                    let mut c = vec![f64::NAN; n0];
                    c.extend_from_slice(&b);
                    *a = Some(c);
                }
                (None, None) => {}
            }
        }
        for (name, vals) in o.extra {
            let i = self.extra_col(&name, n0);
            self.extra[i].1.extend_from_slice(&vals);
        }
        for (_, col) in &mut self.extra {
            col.resize(n, f64::NAN);
        }
        for s in &o.seen_extra {
            self.see_extra(s);
        }
        let base = self.id_bytes.len();
        self.id_bytes.push_str(&o.id_bytes);
        self.id_ends.extend(o.id_ends.iter().map(|e| e + base));
    }

    /// The values of the numeric field `name`, when kept and holding one.
    pub fn column(&self, name: &str) -> Option<&[f64]> {
        match Num::from_name(name) {
            Some(n) => self.canon[n as usize].as_deref(),
            None => self
                .extra_index
                .get(name)
                .map(|&i| self.extra[i].1.as_slice()),
        }
    }

    /// Names of the numeric fields that have a value (kept or not), in the
    /// order of [`RequestTable::numeric_columns`](srtlog_table::requests::RequestTable::numeric_columns).
    pub fn numeric_columns(&self) -> Vec<String> {
        let canon = Num::ALL
            .iter()
            .filter(|n| self.seen_canon[**n as usize])
            .map(|n| n.name().to_owned());
        canon.chain(self.seen_extra.iter().cloned()).collect()
    }

    fn request_id(&self, i: usize) -> Option<&str> {
        let start = if i == 0 { 0 } else { *self.id_ends.get(i - 1)? };
        let end = *self.id_ends.get(i)?;
        (end > start)
            .then(|| self.id_bytes.get(start..end))
            .flatten()
    }

    fn model_of(&self, i: usize) -> Option<&str> {
        match self.model.get(i) {
            Some(&c) if c != NO_MODEL => self.models.get(c as usize).map(String::as_str),
            _ => None,
        }
    }

    fn ts_of(&self, i: usize) -> Option<i64> {
        self.ts.get(i).copied().filter(|&t| t != NO_TS)
    }
}

/// [`Stats::of`], with the same result: the non-missing values sorted
/// (an unstable sort gives the same order, since values equal under
/// `total_cmp` have the same bits), moments pushed in that order.
pub fn stats_of(values: &[f64]) -> Stats {
    let v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    let nan = (values.len() - v.len()) as u64;
    stats_of_present(v, nan)
}

/// [`stats_of`] of values already without NaN, `nan` missing ones besides
/// ([`Stats::of_present`]).
pub fn stats_of_present(v: Vec<f64>, nan: u64) -> Stats {
    Stats::of_present(v, nan)
}

/// The summary of the rows `rows` (all when `None`), `lat` the statistics
/// of their latencies; the same figures as
/// [`crate::summary::request_summary`].
fn request_summary(c: &Columns, rows: Option<&[usize]>, lat: &Stats) -> RequestSummary {
    let latency = c.column("latency_ms");
    let mut n = 0u64;
    let mut errors = 0u64;
    let mut first: Option<i64> = None;
    let mut last: Option<i64> = None;
    let mut visit = |i: usize| {
        n += 1;
        errors += u64::from(c.ok[i] == 0);
        let ts = c.ts[i];
        if ts == NO_TS {
            return;
        }
        first = Some(first.map_or(ts, |f| f.min(ts)));
        let l = latency.map_or(f64::NAN, |col| col[i]);
        let end = if crate::possible_latency(l) && l > 0.0 {
            ts.saturating_add((l * 1e6) as i64)
        } else {
            ts
        };
        last = Some(last.map_or(end, |e| e.max(end)));
    };
    match rows {
        Some(r) => r.iter().for_each(|&i| visit(i)),
        None => (0..c.len()).for_each(visit),
    }
    RequestSummary::of_counts(n, errors, lat, first, last)
}

/// The `summary` analysis over columns that keep every numeric field.
pub fn summary(c: &Columns) -> SummaryReport {
    let mut names: Vec<&str> = Num::ALL
        .iter()
        .filter(|n| c.canon[**n as usize].is_some())
        .map(|n| n.name())
        .collect();
    names.extend(c.extra.iter().map(|(k, _)| k.as_str()));
    let fields: BTreeMap<String, Stats> = names
        .par_iter()
        .filter_map(|&k| {
            let col = c.column(k)?;
            let present = col.iter().any(|x| !x.is_nan());
            present.then(|| (k.to_owned(), field_stats(k, col)))
        })
        .collect();
    let excluded_values: BTreeMap<String, u64> = names
        .iter()
        .filter_map(|&k| {
            let n = crate::excluded_count(k, c.column(k)?);
            (n > 0).then(|| (k.to_owned(), n))
        })
        .collect();
    let lat_all = fields
        .get("latency_ms")
        .copied()
        .unwrap_or_else(|| stats_of(&[]));
    let all = request_summary(c, None, &lat_all);
    // Groups by model name (none and "" are one group, as in the table).
    let mut keys: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    for (code, m) in c.models.iter().enumerate() {
        keys.entry(m.as_str()).or_default().push(code as u32);
    }
    if c.model.contains(&NO_MODEL) {
        keys.entry("").or_default().push(NO_MODEL);
    }
    let per_model = if keys.len() <= 1 && keys.contains_key("") {
        BTreeMap::new()
    } else if keys.len() == 1 {
        keys.into_keys()
            .map(|m| (m.to_owned(), all.clone()))
            .collect()
    } else {
        per_model(c, keys)
    };
    SummaryReport {
        all,
        per_model,
        fields,
        excluded_values,
    }
}

fn per_model(c: &Columns, keys: BTreeMap<&str, Vec<u32>>) -> BTreeMap<String, RequestSummary> {
    let mut group_of: HashMap<u32, usize> = HashMap::new();
    for (g, codes) in keys.values().enumerate() {
        for &code in codes {
            group_of.insert(code, g);
        }
    }
    let mut rows: Vec<Vec<usize>> = vec![Vec::new(); keys.len()];
    for (i, code) in c.model.iter().enumerate() {
        if let Some(&g) = group_of.get(code) {
            rows[g].push(i);
        }
    }
    let latency = c.column("latency_ms");
    keys.into_keys()
        .zip(rows)
        .map(|(m, r)| {
            let lat: Vec<f64> = latency.map_or_else(Vec::new, |col| {
                r.iter()
                    .map(|&i| col[i])
                    .filter(|&x| crate::possible_latency(x))
                    .collect()
            });
            (m.to_owned(), request_summary(c, Some(&r), &stats_of(&lat)))
        })
        .collect()
}

/// Outliers of `metric`: the report of [`anomalies::detect`] on the full
/// table. `c` must keep `metric` and request ids.
pub fn anomalies(
    c: &Columns,
    metric: &str,
    method: Method,
    threshold: Option<f64>,
) -> Result<AnomalyReport, UnknownMetric> {
    let available = c.numeric_columns();
    let col = match c.column(metric) {
        Some(col) if available.iter().any(|a| a == metric) => col,
        _ => {
            return Err(UnknownMetric {
                metric: metric.to_owned(),
                available,
            })
        }
    };
    let th = threshold.unwrap_or(method.default_threshold());
    let info = |i: usize| anomalies::RowInfo {
        request_id: c.request_id(i).map(str::to_owned),
        timestamp_ns: c.ts_of(i),
        model: c.model_of(i).map(str::to_owned),
    };
    Ok(anomalies::detect_by(metric, col, method, th, &info))
}
