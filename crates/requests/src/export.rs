//! `export`: the canonical table as CSV, Parquet or JSON lines.
//!
//! CSV and JSON lines are written by hand (a few lines each; arrow's CSV
//! writer would add a dependency for no gain): RFC 4180 quoting, ISO-8601
//! UTC timestamps, empty cells / `null` for missing values. Parquet goes
//! through [`srtlog_table::parquet_io::ParquetSink`] (zstd), with the Arrow
//! schema of [`RequestTable::schema`].
//!
//! Every format is written atomically ([`srtlog_io::AtomicFile`]): a killed
//! or failed export leaves the previous file intact, never half a file.

use crate::error::{Error, Result};
use srtlog_formats::requests::time::format_ns;
use srtlog_io::AtomicFile;
use srtlog_table::parquet_io::ParquetSink;
use srtlog_table::requests::RequestTable;
use std::io::{BufWriter, Write};
use std::path::Path;

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values with a header.
    Csv,
    /// Parquet (zstd).
    Parquet,
    /// One JSON object per line.
    Jsonl,
}

impl Format {
    /// From a file name's extension.
    pub fn from_path(p: &Path) -> Option<Format> {
        match p.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "parquet" | "pq" => Some(Format::Parquet),
            "jsonl" | "ndjson" => Some(Format::Jsonl),
            _ => None,
        }
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

fn num(x: f64) -> String {
    if x.is_nan() {
        String::new()
    } else {
        x.to_string()
    }
}

/// Column names in export order.
pub fn header(t: &RequestTable) -> Vec<String> {
    t.schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect()
}

fn row_cells(t: &RequestTable, i: usize) -> (Vec<Option<String>>, Vec<f64>) {
    let strings = vec![
        t.timestamp_ns[i].map(format_ns),
        t.request_id(i).map(str::to_owned),
        t.model.get(i).map(str::to_owned),
        t.status.get(i).map(str::to_owned),
        t.error_type.get(i).map(str::to_owned),
        t.ok(i).map(|b| b.to_string()),
    ];
    let nums = t
        .nums
        .iter()
        .map(|c| c[i])
        .chain(t.extra.iter().map(|(_, c)| c[i]))
        .collect();
    (strings, nums)
}

fn write_csv(t: &RequestTable, w: &mut impl Write) -> std::io::Result<()> {
    let h: Vec<String> = header(t).iter().map(|s| csv_field(s)).collect();
    writeln!(w, "{}", h.join(","))?;
    for i in 0..t.len() {
        let (s, n) = row_cells(t, i);
        let cells: Vec<String> = s
            .into_iter()
            .map(|c| c.map(|c| csv_field(&c)).unwrap_or_default())
            .chain(n.into_iter().map(num))
            .collect();
        writeln!(w, "{}", cells.join(","))?;
    }
    Ok(())
}

fn write_jsonl(t: &RequestTable, w: &mut impl Write) -> std::io::Result<()> {
    let h = header(t);
    for i in 0..t.len() {
        let (s, n) = row_cells(t, i);
        let mut o = serde_json::Map::new();
        for (k, v) in h.iter().zip(s) {
            let v = match (k.as_str(), v) {
                (_, None) => serde_json::Value::Null,
                ("ok", Some(b)) => serde_json::Value::Bool(b == "true"),
                (_, Some(v)) => serde_json::Value::String(v),
            };
            o.insert(k.clone(), v);
        }
        for (k, x) in h.iter().skip(6).zip(n) {
            o.insert(
                k.clone(),
                serde_json::Number::from_f64(x).map_or(serde_json::Value::Null, Into::into),
            );
        }
        serde_json::to_writer(&mut *w, &o)?;
        w.write_all(b"\n")?;
    }
    Ok(())
}

/// Writes `t` to `path` in `format`.
pub fn export(t: &RequestTable, path: &Path, format: Format) -> Result<()> {
    if format == Format::Parquet {
        let batch = t.to_record_batch()?;
        let mut sink = ParquetSink::create(path, batch.schema())?;
        sink.write(&batch)?;
        sink.finish()?;
        return Ok(());
    }
    let f = AtomicFile::create(path)?;
    let mut w = BufWriter::with_capacity(1 << 20, f);
    match format {
        Format::Csv => write_csv(t, &mut w),
        _ => write_jsonl(t, &mut w),
    }
    .and_then(|()| w.flush())
    .map_err(|e| Error::io(path, e))?;
    // Dropped without a commit (an error above), the temporary is removed.
    let f = w
        .into_inner()
        .map_err(|e| Error::io(path, e.into_error()))?;
    f.commit()?;
    Ok(())
}
