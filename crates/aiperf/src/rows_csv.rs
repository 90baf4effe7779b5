//! The per-request table of one or more runs as CSV (`srtlog aiperf --csv`):
//! one row per record, RFC 4180 quoting, an empty field for a value the
//! record does not have (NaN).

use crate::Analysis;
use std::io::{self, Write};

/// The columns, in order.
pub const HEADER: &str = "run,request_id,start_ns,status,warmup,ttft_ms,request_latency_ms,inter_token_latency_ms,input_tokens,output_tokens,send_ms,ttfb_ms,ttlb_ms,chunks,response_bytes,connection_reused";

fn quote(x: &str) -> String {
    if x.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", x.replace('"', "\"\""))
    } else {
        x.to_string()
    }
}

fn num(v: f64) -> String {
    if v.is_nan() {
        String::new()
    } else {
        format!("{v}")
    }
}

/// Writes the rows of `runs` (analysed with `rows: true`).
pub fn write_rows_csv(runs: &[&Analysis], w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "{HEADER}")?;
    for a in runs {
        for r in &a.rows {
            writeln!(
                w,
                "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
                quote(&a.name),
                quote(&r.request_id),
                r.start_ns.map_or(String::new(), |v| v.to_string()),
                quote(&r.status),
                r.warmup,
                num(r.ttft_ms),
                num(r.request_latency_ms),
                num(r.inter_token_latency_ms),
                num(r.input_tokens),
                num(r.output_tokens),
                num(r.send_ms),
                num(r.ttfb_ms),
                num(r.ttlb_ms),
                num(r.chunks),
                num(r.response_bytes),
                num(r.connection_reused),
            )?;
        }
    }
    Ok(())
}
