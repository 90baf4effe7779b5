//! The tables of `srtlog snapshots` as CSV (RFC 4180 quoting; an empty field
//! for no value), and the per-column summary of periodic scrapes that the
//! terminal table shows.

use crate::derive::QUANTITIES;
use crate::interval::IntervalTable;
use crate::Analysis;
use serde::Serialize;
use std::io::{self, Write};

fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn num(v: Option<f64>) -> String {
    v.filter(|x| x.is_finite())
        .map_or(String::new(), |x| x.to_string())
}

/// One row per request (pair): its files, window, every derived quantity,
/// which are estimates, trust, flags and overlapping requests.
pub fn write_pairs_csv(an: &Analysis, w: &mut dyn Write) -> io::Result<()> {
    let mut head = String::from("request_id,before,after,window_s");
    for q in QUANTITIES {
        head.push(',');
        head.push_str(q.key);
    }
    writeln!(w, "{head},estimated,trusted,flags,overlaps_with")?;
    for r in &an.requests {
        let mut row = vec![
            field(&r.request_id),
            field(&r.before.display().to_string()),
            field(&r.after.display().to_string()),
            r.window_s().to_string(),
        ];
        for i in 0..QUANTITIES.len() {
            row.push(num(r.derived.values.get(i).copied().flatten()));
        }
        row.push(field(&r.derived.estimated.join(";")));
        row.push(r.trusted().to_string());
        row.push(field(
            &r.flags.iter().map(|f| f.code).collect::<Vec<_>>().join(";"),
        ));
        row.push(field(&r.overlaps_with.join(";")));
        writeln!(w, "{}", row.join(","))?;
    }
    Ok(())
}

/// One row per interval: its end time, length, counter resets and every
/// column.
pub fn write_interval_csv(t: &IntervalTable, w: &mut dyn Write) -> io::Result<()> {
    let mut head = String::from("t_s,dt_s,resets");
    for c in &t.columns {
        head.push(',');
        head.push_str(&field(&c.name));
    }
    writeln!(w, "{head}")?;
    for i in 0..t.t_s.len() {
        let mut row = format!("{},{},{}", t.t_s[i], t.dt_s[i], t.resets[i]);
        for c in &t.columns {
            row.push(',');
            row.push_str(&num(c.values.get(i).copied().flatten()));
        }
        writeln!(w, "{row}")?;
    }
    Ok(())
}

/// Count, mean, min, max and last value of one interval column.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ColumnSummary {
    /// The column (`metric:stat`).
    pub name: String,
    /// Intervals with a value.
    pub count: u64,
    /// Mean.
    pub mean: f64,
    /// Minimum.
    pub min: f64,
    /// Maximum.
    pub max: f64,
    /// The last value.
    pub last: f64,
}

/// The summary of every column that moved (had a non-zero value); columns
/// that stayed 0 or empty are left out.
pub fn column_summaries(t: &IntervalTable) -> Vec<ColumnSummary> {
    t.columns
        .iter()
        .filter_map(|c| {
            let v: Vec<f64> = c.values.iter().flatten().copied().collect();
            if v.is_empty() || v.iter().all(|x| *x == 0.0) {
                return None;
            }
            let s = srtlog_stats::Summary::of(&v);
            Some(ColumnSummary {
                name: c.name.clone(),
                count: s.count,
                mean: s.mean,
                min: s.min,
                max: s.max,
                last: v.last().copied().unwrap_or(f64::NAN),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interval::Column;

    #[test]
    fn interval_csv_and_summaries() {
        let t = IntervalTable {
            t_s: vec![1.0, 2.0],
            dt_s: vec![1.0, 1.0],
            resets: vec![0, 1],
            columns: vec![
                Column {
                    name: "a:rate".into(),
                    values: vec![Some(2.0), None],
                },
                Column {
                    name: "b,c".into(),
                    values: vec![Some(0.0), Some(0.0)],
                },
            ],
            ..IntervalTable::default()
        };
        let mut out = Vec::new();
        write_interval_csv(&t, &mut out).expect("in memory");
        assert_eq!(
            String::from_utf8_lossy(&out),
            "t_s,dt_s,resets,a:rate,\"b,c\"\n1,1,0,2,0\n2,1,1,,0\n"
        );
        let s = column_summaries(&t);
        assert_eq!(s.len(), 1);
        assert_eq!((s[0].count, s[0].mean, s[0].last), (1, 2.0, 2.0));
    }
}
