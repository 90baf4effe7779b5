//! Column documentation as data: each job's table lists, per column, its
//! unit and meaning, so the schema can be printed (`--help`, the Python
//! package's docstrings, ARCHITECTURE.md) and tested against the Arrow
//! schema it describes.

use arrow_schema::{DataType, Schema};
use std::fmt::Write as _;

/// One column of a job's table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ColumnDoc {
    /// Column name, as in the Arrow schema.
    pub name: &'static str,
    /// Unit (`ms`, `tokens`, `ns since the epoch`…), empty when none.
    pub unit: &'static str,
    /// What the column holds.
    pub meaning: &'static str,
}

impl ColumnDoc {
    /// A column's documentation.
    pub const fn new(name: &'static str, unit: &'static str, meaning: &'static str) -> Self {
        ColumnDoc {
            name,
            unit,
            meaning,
        }
    }
}

/// The columns of `schema` that `docs` does not describe, and the names in
/// `docs` that `schema` does not have: both empty when they agree.
pub fn undocumented(schema: &Schema, docs: &[ColumnDoc]) -> (Vec<String>, Vec<&'static str>) {
    let missing = schema
        .fields()
        .iter()
        .filter(|f| !docs.iter().any(|d| d.name == f.name()))
        .map(|f| f.name().clone())
        .collect();
    let extra = docs
        .iter()
        .filter(|d| schema.field_with_name(d.name).is_err())
        .map(|d| d.name)
        .collect();
    (missing, extra)
}

/// A short Arrow type name for tables of columns.
pub fn type_name(t: &DataType) -> String {
    match t {
        DataType::Timestamp(u, tz) => format!(
            "timestamp[{}{}]",
            match u {
                arrow_schema::TimeUnit::Second => "s",
                arrow_schema::TimeUnit::Millisecond => "ms",
                arrow_schema::TimeUnit::Microsecond => "us",
                arrow_schema::TimeUnit::Nanosecond => "ns",
            },
            tz.as_ref().map(|z| format!(", {z}")).unwrap_or_default()
        ),
        DataType::Dictionary(_, v) => format!("dictionary<{}>", type_name(v)),
        other => other.to_string().to_ascii_lowercase(),
    }
}

/// The schema as a Markdown table: column, type, unit, meaning (columns
/// without documentation keep an empty meaning).
pub fn markdown(schema: &Schema, docs: &[ColumnDoc]) -> String {
    let mut s = String::from("| column | type | unit | meaning |\n|---|---|---|---|\n");
    for f in schema.fields() {
        let d = docs.iter().find(|d| d.name == f.name());
        let _ = writeln!(
            s,
            "| `{}` | {} | {} | {} |",
            f.name(),
            type_name(f.data_type()),
            d.map_or("", |d| d.unit),
            d.map_or("", |d| d.meaning)
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_schema::{Field, TimeUnit};

    #[test]
    fn markdown_and_coverage() {
        let schema = Schema::new(vec![
            Field::new(
                "t",
                DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into())),
                true,
            ),
            Field::new("x", DataType::Float64, true),
        ]);
        let docs = [
            ColumnDoc::new("t", "", "time"),
            ColumnDoc::new("y", "ms", "gone"),
        ];
        let (missing, extra) = undocumented(&schema, &docs);
        assert_eq!(missing, ["x"]);
        assert_eq!(extra, ["y"]);
        let md = markdown(&schema, &docs);
        assert!(
            md.contains("| `t` | timestamp[ns, UTC] |  | time |"),
            "{md}"
        );
        assert!(md.contains("| `x` | float64 |  |  |"), "{md}");
    }
}
