//! Row filters shared by every request analysis: time range, model, status
//! and `field=value` equality.

use srtlog_table::requests::RequestTable;

/// A row filter; empty fields do not filter.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filter {
    /// Keep requests at or after this time (ns since the epoch).
    pub from_ns: Option<i64>,
    /// Keep requests before this time (ns, exclusive).
    pub to_ns: Option<i64>,
    /// Keep these models (any of them).
    pub models: Vec<String>,
    /// `ok`/`success`, `error`/`failed`, or a status as written.
    pub status: Option<String>,
    /// `(field, value)` equalities: numeric fields compare as numbers,
    /// `request_id`, `model`, `status` and `error_type` as strings.
    pub wheres: Vec<(String, String)>,
}

impl Filter {
    /// Whether the filter keeps every row.
    pub fn is_empty(&self) -> bool {
        *self == Filter::default()
    }

    /// Parses `field=value`.
    pub fn add_where(&mut self, spec: &str) -> Result<(), String> {
        let (k, v) = spec
            .split_once('=')
            .ok_or_else(|| format!("expected FIELD=VALUE, got {spec:?}"))?;
        self.wheres.push((k.trim().to_owned(), v.trim().to_owned()));
        Ok(())
    }

    /// Whether row `i` passes.
    pub fn keeps(&self, t: &RequestTable, i: usize) -> bool {
        if self.from_ns.is_some() || self.to_ns.is_some() {
            let Some(ts) = t.timestamp_ns[i] else {
                return false;
            };
            if self.from_ns.is_some_and(|f| ts < f) || self.to_ns.is_some_and(|e| ts >= e) {
                return false;
            }
        }
        if !self.models.is_empty() {
            let m = t.model.get(i).unwrap_or("");
            if !self.models.iter().any(|x| x == m) {
                return false;
            }
        }
        if let Some(s) = &self.status {
            let keep = match s.to_ascii_lowercase().as_str() {
                "ok" | "success" => t.ok(i) != Some(false),
                "error" | "failed" | "failure" => t.ok(i) == Some(false),
                _ => t.status.get(i) == Some(s.as_str()),
            };
            if !keep {
                return false;
            }
        }
        self.wheres.iter().all(|(k, v)| match k.as_str() {
            "request_id" => t.request_id(i) == Some(v.as_str()),
            "model" => t.model.get(i) == Some(v.as_str()),
            "status" => t.status.get(i) == Some(v.as_str()),
            "error_type" => t.error_type.get(i) == Some(v.as_str()),
            _ => match (t.column(k), v.parse::<f64>()) {
                (Some(c), Ok(x)) => c[i] == x,
                _ => false,
            },
        })
    }

    /// Indices of the rows that pass.
    pub fn rows(&self, t: &RequestTable) -> Vec<usize> {
        (0..t.len()).filter(|&i| self.keeps(t, i)).collect()
    }

    /// The table restricted to the rows that pass (a copy; the table itself
    /// when the filter is empty).
    pub fn apply(&self, t: &RequestTable) -> RequestTable {
        if self.is_empty() {
            return t.clone();
        }
        t.take(&self.rows(t))
    }
}
