//! Row filters shared by every request analysis: time range, model, status
//! and `field=value` equality.

use srtlog_table::requests::RequestTable;

/// Whether `hay` contains `needle`, ignoring case; ASCII text (model
/// names nearly always are) is compared without allocating.
pub fn contains_ignore_case(hay: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    if hay.is_ascii() && needle.is_ascii() {
        let (h, n) = (hay.as_bytes(), needle.as_bytes());
        return h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n));
    }
    hay.to_lowercase().contains(&needle.to_lowercase())
}

/// A row filter; empty fields do not filter.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filter {
    /// Keep requests at or after this time (ns since the epoch).
    pub from_ns: Option<i64>,
    /// Keep requests before this time (ns, exclusive).
    pub to_ns: Option<i64>,
    /// Keep models whose name contains one of these, ignoring case (as
    /// `grep -i` would: `llama` keeps `meta-llama/Llama-3.3-70B-Instruct`).
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
            if !self.models.iter().any(|x| contains_ignore_case(m, x)) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use srtlog_formats::requests::{decode_line, FieldMap};

    fn table(models: &[&str]) -> RequestTable {
        let mut t = RequestTable::new();
        for (i, m) in models.iter().enumerate() {
            let line = format!(
                r#"{{"timestamp": "2026-01-01T00:00:0{i}Z", "request_id": "r{i}", "model": "{m}", "latency_ms": 5, "status": "success"}}"#
            );
            let r = decode_line(line.as_bytes(), &FieldMap::default())
                .ok()
                .flatten()
                .expect("valid line");
            t.push(&r);
        }
        t
    }

    /// Issue 17 item 16: `--model llama` needed the exact name.
    #[test]
    fn model_is_a_case_insensitive_substring() {
        let t = table(&[
            "meta-llama/Llama-3.3-70B-Instruct",
            "Qwen/Qwen3-8B",
            "LLAMA-small",
        ]);
        let f = Filter {
            models: vec!["llama".into()],
            ..Filter::default()
        };
        assert_eq!(f.rows(&t), [0, 2]);
        let f = Filter {
            models: vec!["QWEN3".into(), "nothing".into()],
            ..Filter::default()
        };
        assert_eq!(f.rows(&t), [1]);
        assert!(contains_ignore_case("Été-Modèle", "été"));
        assert!(!contains_ignore_case("abc", "abcd"));
    }
}
