//! The AIPerf job's rows as Arrow: one row per `profile_export.jsonl`
//! record (formats.md §3.2) with its trace timings (§3.3), the surface the
//! Python package exposes ([`crate::Analysis`] is the typed summary).
//!
//! This is a pass of its own over the file, decoding with the same typed
//! decoder as the analysis ([`srtlog_formats::aiperf::decode_record`]):
//! the analysis keeps statistics, not rows. Every record is a row, warm-up
//! and failed ones included (`warmup`, `ok`, `cancelled` say which), so a
//! caller filters as it needs. Lines that are not records are counted in
//! [`RecordTable`], not rows.
//!
//! Reading is a plain line loop over [`srtlog_io::open_decoded`] (plain,
//! gzip or zstd); rows are cut into batches of [`BATCH_ROWS`].
//!
//! Times follow the analysis: TTFB is request sent (last byte written) to
//! first response byte, TTLB request sent to last response byte,
//! receiving first to last response byte ([`srtlog_formats::aiperf::Trace`]).

use crate::AiperfError;
use srtlog_formats::aiperf::{decode_record, Dns, Metric, Phase, Record};
use srtlog_table::arrow_array::builder::{
    BooleanBuilder, Float64Builder, Int64Builder, StringBuilder, TimestampNanosecondBuilder,
    UInt64Builder,
};
use srtlog_table::arrow_array::{ArrayRef, RecordBatch};
use srtlog_table::arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use srtlog_table::doc::ColumnDoc;
use std::io::BufRead;
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// Rows per batch.
pub const BATCH_ROWS: usize = 64 * 1024;

/// Column documentation, in schema order: name, Arrow type, unit, meaning.
const COLUMNS: [(&str, Ty, &str, &str); 36] = [
    ("run", Ty::Str, "", "run name (the export's folder)"),
    ("line", Ty::U64, "", "line number in the export (1-based)"),
    ("request_id", Ty::Str, "", "x_request_id"),
    ("conversation_id", Ty::Str, "", "conversation_id"),
    (
        "worker_id",
        Ty::Str,
        "",
        "AIPerf worker that sent the request",
    ),
    (
        "warmup",
        Ty::Bool,
        "",
        "warm-up record (the analysis leaves these out by default)",
    ),
    (
        "ok",
        Ty::Bool,
        "",
        "false when the record has an error or was cancelled",
    ),
    (
        "cancelled",
        Ty::Bool,
        "",
        "was_cancelled, or a RequestCancellationError",
    ),
    (
        "error_type",
        Ty::Str,
        "",
        "error.type, else error.message, else cancelled",
    ),
    (
        "error_code",
        Ty::I64,
        "",
        "error.code (absent in 2026 records)",
    ),
    (
        "request_start",
        Ty::Ts,
        "ns, UTC",
        "request_start_ns (0.1.x timestamp_ns)",
    ),
    ("request_ack", Ty::Ts, "ns, UTC", "request_ack_ns"),
    ("request_end", Ty::Ts, "ns, UTC", "request_end_ns"),
    (
        "request_latency_ms",
        Ty::F64,
        "ms",
        "AIPerf request_latency",
    ),
    ("ttft_ms", Ty::F64, "ms", "AIPerf time to first token"),
    ("ttst_ms", Ty::F64, "ms", "AIPerf time to second token"),
    ("itl_ms", Ty::F64, "ms", "AIPerf inter_token_latency"),
    (
        "input_tokens",
        Ty::F64,
        "tokens",
        "input tokens (input_sequence_length or an alias)",
    ),
    (
        "output_tokens",
        Ty::F64,
        "tokens",
        "output tokens (output_sequence_length or an alias)",
    ),
    ("total_tokens", Ty::F64, "tokens", "usage_total_tokens"),
    (
        "output_tokens_per_s_per_user",
        Ty::F64,
        "tokens/s",
        "output_token_throughput_per_user",
    ),
    (
        "aiperf_icl_count",
        Ty::U64,
        "",
        "values of AIPerf's inter_chunk_latency list",
    ),
    (
        "aiperf_icl_mean_ms",
        Ty::F64,
        "ms",
        "mean of AIPerf's inter_chunk_latency list",
    ),
    (
        "trace_layout",
        Ty::Str,
        "",
        "trace_data layout: released, parallel_arrays, script; null without trace",
    ),
    (
        "send_ms",
        Ty::F64,
        "ms",
        "request send time: start to last byte written",
    ),
    (
        "ttfb_ms",
        Ty::F64,
        "ms",
        "time to first byte: request sent to first response byte",
    ),
    (
        "ttlb_ms",
        Ty::F64,
        "ms",
        "time to last byte: request sent to last response byte",
    ),
    ("receiving_ms", Ty::F64, "ms", "first to last response byte"),
    ("chunks", Ty::U64, "", "response chunks (transport reads)"),
    ("request_bytes", Ty::I64, "bytes", "request bytes written"),
    ("response_bytes", Ty::I64, "bytes", "response bytes read"),
    (
        "connection_reused",
        Ty::Bool,
        "",
        "true: pooled connection reused, false: created, null: not traced",
    ),
    (
        "pool_wait_ms",
        Ty::F64,
        "ms",
        "time waiting for a pooled connection",
    ),
    (
        "connect_ms",
        Ty::F64,
        "ms",
        "connection establishment (TCP, plus TLS when traced)",
    ),
    (
        "dns",
        Ty::Str,
        "",
        "DNS outcome: none, cache_hit, lookup; null without trace",
    ),
    ("dns_ms", Ty::F64, "ms", "DNS resolution time (lookups)"),
];

/// Columns after [`COLUMNS`] (kept apart so the array stays readable).
const MORE: [(&str, Ty, &str, &str); 2] = [
    (
        "http_status",
        Ty::I64,
        "",
        "HTTP status code from the trace",
    ),
    (
        "transport_error",
        Ty::Bool,
        "",
        "a transport error was traced; null without trace",
    ),
];

#[derive(Clone, Copy)]
enum Ty {
    Str,
    Bool,
    U64,
    I64,
    F64,
    Ts,
}

impl Ty {
    fn arrow(self) -> DataType {
        match self {
            Ty::Str => DataType::Utf8,
            Ty::Bool => DataType::Boolean,
            Ty::U64 => DataType::UInt64,
            Ty::I64 => DataType::Int64,
            Ty::F64 => DataType::Float64,
            Ty::Ts => DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into())),
        }
    }
}

fn all_columns() -> impl Iterator<Item = &'static (&'static str, Ty, &'static str, &'static str)> {
    COLUMNS.iter().chain(MORE.iter())
}

/// The Arrow schema of the record table (every column nullable).
pub fn schema() -> SchemaRef {
    static S: OnceLock<SchemaRef> = OnceLock::new();
    S.get_or_init(|| {
        Arc::new(Schema::new(
            all_columns()
                .map(|(n, t, _, _)| Field::new(*n, t.arrow(), true))
                .collect::<Vec<_>>(),
        ))
    })
    .clone()
}

/// Unit and meaning of every column, in schema order.
pub fn column_docs() -> Vec<ColumnDoc> {
    all_columns()
        .map(|(n, _, u, m)| ColumnDoc::new(n, u, m))
        .collect()
}

/// The records of one or more exports as Arrow batches.
#[derive(Clone, Debug, Default)]
pub struct RecordTable {
    /// Rows, [`BATCH_ROWS`] per batch, in file order.
    pub batches: Vec<RecordBatch>,
    /// Non-blank lines read.
    pub lines: u64,
    /// Records (rows).
    pub records: u64,
    /// Lines that were not AIPerf records (bad JSON, other kinds, a
    /// truncated last line).
    pub bad_lines: u64,
}

impl RecordTable {
    /// Rows over all batches.
    pub fn num_rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }
}

fn ms(ns: Option<i64>) -> Option<f64> {
    ns.map(|n| n as f64 / 1e6)
}

/// Column builders of one batch.
struct Rows {
    run: String,
    strs: [StringBuilder; 5],
    bools: [BooleanBuilder; 3],
    line: UInt64Builder,
    error_code: Int64Builder,
    ts: [TimestampNanosecondBuilder; 3],
    metrics: [Float64Builder; 8],
    icl_count: UInt64Builder,
    icl_mean: Float64Builder,
    trace_layout: StringBuilder,
    trace_ms: [Float64Builder; 4],
    chunks: UInt64Builder,
    bytes: [Int64Builder; 2],
    reused: BooleanBuilder,
    conn_ms: [Float64Builder; 2],
    dns: StringBuilder,
    dns_ms: Float64Builder,
    http_status: Int64Builder,
    transport_error: BooleanBuilder,
    n: usize,
}

/// The metric slots of the `metrics` builders, in column order.
const METRICS: [Metric; 8] = [
    Metric::RequestLatency,
    Metric::Ttft,
    Metric::Ttst,
    Metric::Itl,
    Metric::InputTokens,
    Metric::OutputTokens,
    Metric::TotalTokens,
    Metric::OutputTokenThroughputPerUser,
];

impl Rows {
    fn new(run: &str) -> Self {
        let ts = || TimestampNanosecondBuilder::new().with_timezone("UTC");
        Rows {
            run: run.to_owned(),
            strs: std::array::from_fn(|_| StringBuilder::new()),
            bools: std::array::from_fn(|_| BooleanBuilder::new()),
            line: UInt64Builder::new(),
            error_code: Int64Builder::new(),
            ts: [ts(), ts(), ts()],
            metrics: std::array::from_fn(|_| Float64Builder::new()),
            icl_count: UInt64Builder::new(),
            icl_mean: Float64Builder::new(),
            trace_layout: StringBuilder::new(),
            trace_ms: std::array::from_fn(|_| Float64Builder::new()),
            chunks: UInt64Builder::new(),
            bytes: std::array::from_fn(|_| Int64Builder::new()),
            reused: BooleanBuilder::new(),
            conn_ms: std::array::from_fn(|_| Float64Builder::new()),
            dns: StringBuilder::new(),
            dns_ms: Float64Builder::new(),
            http_status: Int64Builder::new(),
            transport_error: BooleanBuilder::new(),
            n: 0,
        }
    }

    fn push(&mut self, line: u64, r: &Record<'_>) {
        let md = &r.metadata;
        let [run, id, conv, worker, err] = &mut self.strs;
        run.append_value(&self.run);
        id.append_option(md.x_request_id.as_deref());
        conv.append_option(md.conversation_id.as_deref());
        worker.append_option(md.worker_id.as_deref());
        let [warmup, ok, cancelled] = &mut self.bools;
        warmup.append_value(md.phase() == Phase::Warmup);
        ok.append_value(!r.failed());
        cancelled.append_value(r.cancelled());
        err.append_option(r.error_type());
        self.line.append_value(line);
        self.error_code
            .append_option(r.error.as_ref().and_then(|e| e.code));
        for (b, v) in self
            .ts
            .iter_mut()
            .zip([md.start_ns(), md.request_ack_ns, md.request_end_ns])
        {
            b.append_option(v);
        }
        for (b, m) in self.metrics.iter_mut().zip(METRICS) {
            b.append_option(r.metrics.opt(m));
        }
        let icl = &r.metrics.inter_chunk_latency;
        if icl.is_empty() {
            self.icl_count.append_null();
            self.icl_mean.append_null();
        } else {
            self.icl_count.append_value(icl.len() as u64);
            self.icl_mean
                .append_value(icl.iter().sum::<f64>() / icl.len() as f64);
        }
        self.push_trace(r);
        self.n += 1;
    }

    fn push_trace(&mut self, r: &Record<'_>) {
        let Some(t) = &r.trace else {
            self.trace_layout.append_null();
            for b in &mut self.trace_ms {
                b.append_null();
            }
            self.chunks.append_null();
            for b in &mut self.bytes {
                b.append_null();
            }
            self.reused.append_null();
            for b in &mut self.conn_ms {
                b.append_null();
            }
            self.dns.append_null();
            self.dns_ms.append_null();
            self.http_status.append_null();
            self.transport_error.append_null();
            return;
        };
        self.trace_layout.append_value(t.layout.name());
        for (b, v) in self
            .trace_ms
            .iter_mut()
            .zip([t.sending(), t.ttfb(), t.ttlb(), t.receiving()])
        {
            b.append_option(ms(v));
        }
        self.chunks.append_option(t.chunk_count);
        self.bytes[0].append_option(t.request_bytes);
        self.bytes[1].append_option(t.response_bytes);
        self.reused.append_option(t.reused);
        self.conn_ms[0].append_option(ms(t.pool_wait_ns));
        self.conn_ms[1].append_option(ms(t.connect_ns));
        self.dns.append_value(match t.dns {
            Dns::None => "none",
            Dns::CacheHit => "cache_hit",
            Dns::Lookup => "lookup",
        });
        self.dns_ms.append_option(ms(t.dns_ns));
        self.http_status.append_option(t.status);
        self.transport_error.append_value(t.transport_error);
    }

    fn finish(&mut self) -> Result<RecordBatch, AiperfError> {
        self.n = 0;
        let [run, id, conv, worker, err] = &mut self.strs;
        let [warmup, ok, cancelled] = &mut self.bools;
        let mut cols: Vec<ArrayRef> = vec![
            Arc::new(run.finish()),
            Arc::new(self.line.finish()),
            Arc::new(id.finish()),
            Arc::new(conv.finish()),
            Arc::new(worker.finish()),
            Arc::new(warmup.finish()),
            Arc::new(ok.finish()),
            Arc::new(cancelled.finish()),
            Arc::new(err.finish()),
            Arc::new(self.error_code.finish()),
        ];
        cols.extend(self.ts.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
        cols.extend(
            self.metrics
                .iter_mut()
                .map(|b| Arc::new(b.finish()) as ArrayRef),
        );
        cols.push(Arc::new(self.icl_count.finish()));
        cols.push(Arc::new(self.icl_mean.finish()));
        cols.push(Arc::new(self.trace_layout.finish()));
        cols.extend(
            self.trace_ms
                .iter_mut()
                .map(|b| Arc::new(b.finish()) as ArrayRef),
        );
        cols.push(Arc::new(self.chunks.finish()));
        cols.extend(
            self.bytes
                .iter_mut()
                .map(|b| Arc::new(b.finish()) as ArrayRef),
        );
        cols.push(Arc::new(self.reused.finish()));
        cols.extend(
            self.conn_ms
                .iter_mut()
                .map(|b| Arc::new(b.finish()) as ArrayRef),
        );
        cols.push(Arc::new(self.dns.finish()));
        cols.push(Arc::new(self.dns_ms.finish()));
        cols.push(Arc::new(self.http_status.finish()));
        cols.push(Arc::new(self.transport_error.finish()));
        RecordBatch::try_new(schema(), cols).map_err(|e| AiperfError::Io {
            path: self.run.clone().into(),
            source: std::io::Error::other(e.to_string()),
        })
    }
}

/// The run name of an export: its folder's name, as the analysis names it.
fn run_name(file: &Path) -> String {
    file.parent()
        .and_then(|d| d.file_name())
        .and_then(|n| n.to_str())
        .filter(|n| !n.is_empty())
        .or_else(|| file.file_name().and_then(|n| n.to_str()))
        .unwrap_or("")
        .to_string()
}

/// Decodes every record of `text` (one export's bytes) into `out`, the
/// rows named `run`.
pub fn records_from_reader(
    reader: impl BufRead,
    run: &str,
    out: &mut RecordTable,
) -> Result<(), std::io::Error> {
    let mut rows = Rows::new(run);
    let mut reader = reader;
    let mut buf = Vec::new();
    let mut scratch = Vec::new();
    let mut line_no = 0u64;
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf)? == 0 {
            break;
        }
        line_no += 1;
        if buf.trim_ascii().is_empty() {
            continue;
        }
        out.lines += 1;
        match decode_record(&buf, &mut scratch) {
            Ok(Some(r)) => {
                rows.push(line_no, &r);
                out.records += 1;
                if rows.n >= BATCH_ROWS {
                    out.batches
                        .push(rows.finish().map_err(std::io::Error::other)?);
                }
            }
            Ok(None) => {}
            Err(_) => out.bad_lines += 1,
        }
    }
    if rows.n > 0 {
        out.batches
            .push(rows.finish().map_err(std::io::Error::other)?);
    }
    Ok(())
}

/// Every record of `path` as Arrow batches: a `profile_export.jsonl`
/// (plain, gzip or zstd), an artifact folder, or a sweep folder (every
/// export under it, each run's rows named in `run`).
pub fn records(path: &Path) -> Result<RecordTable, AiperfError> {
    if !path.exists() {
        return Err(AiperfError::NotFound(path.to_path_buf()));
    }
    let files = if path.is_file() {
        vec![path.to_path_buf()]
    } else {
        let f = crate::find_exports(path);
        if f.is_empty() {
            return Err(AiperfError::NoExport {
                path: path.to_path_buf(),
                found: "no profile_export.jsonl".into(),
            });
        }
        f
    };
    let mut out = RecordTable::default();
    for file in &files {
        let io = |source| AiperfError::Io {
            path: file.clone(),
            source,
        };
        let (_, reader) =
            srtlog_io::open_decoded(file).map_err(|e| io(std::io::Error::other(e.to_string())))?;
        let reader = std::io::BufReader::with_capacity(1 << 20, reader);
        records_from_reader(reader, &run_name(file), &mut out).map_err(io)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use srtlog_table::arrow_array::cast::AsArray;
    use srtlog_table::arrow_array::types::{Float64Type, UInt64Type};
    use srtlog_table::arrow_array::Array;

    const TWO: &str = r#"{"metadata":{"x_request_id":"a","request_start_ns":1000000,"request_end_ns":21000000,"benchmark_phase":"profiling"},"metrics":{"output_sequence_length":{"value":4,"unit":"tokens"},"time_to_first_token":{"value":5.0,"unit":"ms"},"request_latency":{"value":20.0,"unit":"ms"},"inter_chunk_latency":{"value":[1.0,3.0],"unit":"ms"}},"trace_data":{"request_send_start_ns":1000000,"request_send_end_ns":2000000,"request_chunks":[[1500000,100]],"response_chunks":[[4000000,30],[6000000,10],[10000000,10]],"tcp_connect_start_ns":500000,"tcp_connect_end_ns":900000,"dns_lookup_start_ns":100000,"dns_lookup_end_ns":400000,"dns_cache_miss_ns":100000}}
not json

{"metadata":{"request_start_ns":3000000,"was_cancelled":true,"benchmark_phase":"warmup"},"metrics":{},"error":{"code":499,"type":"RequestCancellationError","message":"x"}}
"#;

    #[test]
    fn rows_with_trace_timings() {
        let mut t = RecordTable::default();
        records_from_reader(TWO.as_bytes(), "r", &mut t).unwrap();
        assert_eq!((t.lines, t.records, t.bad_lines), (3, 2, 1));
        let b = &t.batches[0];
        assert_eq!(b.schema(), schema());
        assert_eq!(b.num_rows(), 2);
        let f = |n: &str| {
            b.column_by_name(n)
                .unwrap()
                .as_primitive::<Float64Type>()
                .clone()
        };
        let u = |n: &str| {
            b.column_by_name(n)
                .unwrap()
                .as_primitive::<UInt64Type>()
                .clone()
        };
        assert_eq!(u("line").values().to_vec(), [1, 4]);
        assert_eq!(f("ttft_ms").value(0), 5.0);
        assert_eq!(f("send_ms").value(0), 1.0);
        assert_eq!(f("ttfb_ms").value(0), 2.0);
        assert_eq!(f("ttlb_ms").value(0), 8.0);
        assert_eq!(f("receiving_ms").value(0), 6.0);
        assert_eq!(f("connect_ms").value(0), 0.4);
        assert_eq!(f("dns_ms").value(0), 0.3);
        assert_eq!(f("aiperf_icl_mean_ms").value(0), 2.0);
        assert_eq!(u("chunks").value(0), 3);
        assert_eq!(u("aiperf_icl_count").value(0), 2);
        assert!(f("ttfb_ms").is_null(1));
        let s = |n: &str| b.column_by_name(n).unwrap().as_string::<i32>().clone();
        assert_eq!(s("dns").value(0), "lookup");
        assert_eq!(s("error_type").value(1), "RequestCancellationError");
        assert!(s("error_type").is_null(0));
        let bo = |n: &str| b.column_by_name(n).unwrap().as_boolean().clone();
        assert!(bo("ok").value(0) && !bo("ok").value(1));
        assert!(bo("cancelled").value(1) && bo("warmup").value(1));
        assert!(!bo("connection_reused").value(0));
        let (missing, extra) = srtlog_table::doc::undocumented(&schema(), &column_docs());
        assert!(missing.is_empty() && extra.is_empty());
    }
}
