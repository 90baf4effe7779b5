//! The statistics table of `srtlog stats` as CSV: one row per worker type,
//! side and metric, the columns of its `--json` rows; an empty field for
//! NaN.

use crate::series::StatRow;
use std::io::{self, Write};

fn num(v: f64) -> String {
    if v.is_nan() {
        String::new()
    } else {
        v.to_string()
    }
}

fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// Writes `rows` as CSV.
pub fn write_stats_csv(rows: &[StatRow], w: &mut dyn Write) -> io::Result<()> {
    writeln!(
        w,
        "worker_type,side,metric,unit,count,nan,mean,median,std,min,max,p25,p75,p90,p95,p99"
    )?;
    for r in rows {
        let s = &r.summary;
        let nums = [
            s.mean, s.median, s.std, s.min, s.max, s.p25, s.p75, s.p90, s.p95, s.p99,
        ]
        .map(num)
        .join(",");
        writeln!(
            w,
            "{},{},{},{},{},{},{nums}",
            r.worker_type.as_str(),
            r.side.as_str(),
            field(&r.metric),
            field(&r.unit),
            s.count,
            s.nan
        )?;
    }
    Ok(())
}
