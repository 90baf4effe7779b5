//! Streaming accumulation over AIPerf records: counters plus one value
//! vector per distribution. Each worker thread fills its own [`Accum`]
//! over a block of lines; blocks are merged in file order, so the result
//! (including per-request rows and the first bad lines) does not depend on
//! the number of threads.

use super::dist::Dist;
use serde::Serialize;
use srtlog_formats::aiperf::{decode_record, Dns, Metric, Phase, Record, RecordError, Trace};

/// The transport figures of one row: send, TTFB, TTLB, chunks, response
/// bytes, connection reused.
type RowTrace = (f64, f64, f64, f64, f64, f64);
use std::collections::BTreeMap;

/// How many bad lines are kept with their line number and message.
pub const MAX_BAD_EXAMPLES: usize = 5;

/// One line that yielded no record.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BadLine {
    /// 1-based line number in its file.
    pub line: u64,
    /// Why.
    pub message: String,
}

/// One request of the per-request table (`--csv`, the report's timeline).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    /// `x_request_id`.
    pub request_id: String,
    /// Request start, ns since the epoch.
    pub start_ns: Option<i64>,
    /// `ok`, or the error type.
    pub status: String,
    /// Warm-up record (only present with `--include-warmup`).
    pub warmup: bool,
    /// AIPerf TTFT, ms.
    pub ttft_ms: f64,
    /// AIPerf request latency, ms.
    pub request_latency_ms: f64,
    /// AIPerf inter-token latency, ms.
    pub inter_token_latency_ms: f64,
    /// Input tokens.
    pub input_tokens: f64,
    /// Output tokens.
    pub output_tokens: f64,
    /// Trace: request send time, ms.
    pub send_ms: f64,
    /// Trace: TTFB, ms.
    pub ttfb_ms: f64,
    /// Trace: TTLB, ms.
    pub ttlb_ms: f64,
    /// Trace: response chunks.
    pub chunks: f64,
    /// Trace: response bytes.
    pub response_bytes: f64,
    /// Trace: connection reused (1), created (0), unknown (NaN).
    pub connection_reused: f64,
}

/// Counters and distributions of a set of records.
#[derive(Clone, Debug, Default)]
pub struct Accum {
    /// Non-blank lines.
    pub lines: u64,
    /// AIPerf records read (before the warm-up filter).
    pub records: u64,
    /// Warm-up records left out.
    pub warmup_excluded: u64,
    /// Records analysed (after the warm-up filter).
    pub analysed: u64,
    /// Lines that are not JSON.
    pub bad_json: u64,
    /// JSON lines that are not AIPerf records, by what they are.
    pub not_aiperf: BTreeMap<String, u64>,
    /// A last line without `\n` that did not parse.
    pub truncated_last_line: bool,
    /// Records with at least one `null` metric value.
    pub with_nulls: u64,
    /// Fields of the wrong shape, left out of their (kept) record, by field.
    pub bad_fields: BTreeMap<&'static str, u64>,
    /// Values left out of a distribution because they are not finite or
    /// impossible (negative), by distribution name.
    pub excluded: BTreeMap<&'static str, u64>,
    /// First bad lines.
    pub bad_examples: Vec<BadLine>,
    /// Records with trace data.
    pub with_trace: u64,
    /// Trace records by layout.
    pub layouts: BTreeMap<&'static str, u64>,
    /// Streaming requests (more than one response chunk, or a TTFT).
    pub streaming: u64,
    /// Non-streaming requests.
    pub non_streaming: u64,
    /// Failed records (including cancelled).
    pub failed: u64,
    /// Cancelled records.
    pub cancelled: u64,
    /// Failed records by error type.
    pub errors: BTreeMap<String, u64>,
    /// Connections created.
    pub conn_created: u64,
    /// Connections reused.
    pub conn_reused: u64,
    /// DNS cache hits.
    pub dns_hits: u64,
    /// DNS lookups performed.
    pub dns_lookups: u64,
    /// HTTP status >= 400 or a traced transport error.
    pub http_failures: u64,
    /// Output tokens of requests with a response size (overall bytes/token).
    pub tokens_with_bytes: f64,
    /// Response bytes of those requests.
    pub bytes_with_tokens: f64,
    /// Earliest request start, ns.
    pub first_start_ns: Option<i64>,
    /// Latest request end, ns.
    pub last_end_ns: Option<i64>,
    /// Successful requests (for throughput).
    pub ok: u64,
    /// Output tokens of successful requests.
    pub ok_output_tokens: f64,
    /// One vector per [`Dist`].
    pub dists: Vec<Vec<f64>>,
    /// Vectors of merged blocks per [`Dist`], concatenated once by
    /// [`Accum::flatten`] (appending block by block would re-copy the
    /// growing vector at every doubling).
    pub parts: Vec<Vec<Vec<f64>>>,
    /// Per-request rows, when asked for.
    pub rows: Vec<Row>,
    /// Chunk sizes below [`SIZE_BINS`] bytes as counts per size (a stream
    /// has tens of millions of chunks of a few hundred distinct sizes);
    /// larger or negative sizes go to the `chunk_size_bytes` vector.
    pub chunk_size_counts: Vec<u64>,
}

/// Chunk sizes counted exactly per byte value, below this bound.
pub const SIZE_BINS: usize = 1 << 16;

/// What to accumulate.
#[derive(Clone, Copy, Debug, Default)]
pub struct AccumOptions {
    /// Keep warm-up records.
    pub include_warmup: bool,
    /// Keep per-request rows.
    pub rows: bool,
}

fn ms(ns: Option<i64>) -> f64 {
    ns.map_or(f64::NAN, |n| n as f64 / 1e6)
}

impl Accum {
    /// An empty accumulator.
    pub fn new() -> Accum {
        Accum {
            dists: vec![Vec::new(); Dist::COUNT],
            ..Accum::default()
        }
    }

    /// Adds a value to a distribution. NaN is "missing"; an infinite or
    /// negative value (every distribution here is a duration, a size or a
    /// count) is impossible: left out of the statistics and counted per
    /// field, so `-inf` is never printed and a negative TTFB never averaged.
    #[inline]
    fn push(&mut self, d: Dist, v: f64) {
        if v >= 0.0 && v.is_finite() {
            self.dists[d as usize].push(v);
        } else if !v.is_nan() {
            self.exclude(d);
        }
    }

    #[cold]
    fn exclude(&mut self, d: Dist) {
        *self.excluded.entry(d.name()).or_default() += 1;
    }

    /// Reads every line of `block`; `first_line` is the 1-based number of
    /// its first line; `is_last` marks the file's last block (for the
    /// truncated-line rule).
    pub fn feed_block(&mut self, block: &[u8], first_line: u64, is_last: bool, opts: AccumOptions) {
        let mut scratch = Vec::new();
        // Streamed records carry a chunk gap per ~25-45 bytes of line;
        // reserving up front saves the repeated doubling copies of the two
        // pooled gap vectors (an overestimate costs address space only).
        for d in [Dist::InterChunkMs, Dist::AiperfIcl] {
            let v = &mut self.dists[d as usize];
            if v.capacity() == 0 && block.len() > (1 << 20) {
                v.reserve(block.len() / 40);
            }
        }
        let mut line_no = first_line;
        let mut rest = block;
        while !rest.is_empty() {
            let (line, next, has_nl) = match memchr::memchr(b'\n', rest) {
                Some(i) => (&rest[..i], &rest[i + 1..], true),
                None => (rest, &rest[rest.len()..], false),
            };
            rest = next;
            if !line.trim_ascii().is_empty() {
                self.lines += 1;
                match decode_record(line, &mut scratch) {
                    Ok(Some(r)) => self.record(&r, opts),
                    Ok(None) => {}
                    Err(e) => {
                        let truncated = is_last && !has_nl && matches!(e, RecordError::Json(_));
                        self.bad(line_no, e, truncated);
                    }
                }
            }
            line_no += 1;
        }
    }

    fn bad(&mut self, line: u64, e: RecordError, truncated: bool) {
        if truncated {
            self.truncated_last_line = true;
        } else {
            match &e {
                RecordError::Json(_) => self.bad_json += 1,
                RecordError::NotAiperf(what) => {
                    *self.not_aiperf.entry(what.clone()).or_default() += 1;
                }
            }
        }
        if self.bad_examples.len() < MAX_BAD_EXAMPLES {
            let mut message = e.to_string();
            if truncated {
                message = format!("truncated last line ({message})");
            }
            message.truncate(200);
            self.bad_examples.push(BadLine { line, message });
        }
    }

    /// Adds one record.
    pub fn record(&mut self, r: &Record<'_>, opts: AccumOptions) {
        self.records += 1;
        // Counted for every record read, warm-up included: it is the input's
        // coverage, like the bad lines.
        for f in r.trace.iter().flat_map(|t| &t.bad_fields) {
            *self.bad_fields.entry(f).or_default() += 1;
        }
        let warmup = r.metadata.phase() == Phase::Warmup;
        if warmup && !opts.include_warmup {
            self.warmup_excluded += 1;
            return;
        }
        self.analysed += 1;
        let m = &r.metrics;
        if m.nulls > 0 {
            self.with_nulls += 1;
        }
        let failed = r.failed();
        if failed {
            self.failed += 1;
            if r.cancelled() {
                self.cancelled += 1;
            }
            let kind = r.error_type().unwrap_or("error").to_string();
            *self.errors.entry(kind).or_default() += 1;
        }
        let start = r.metadata.start_ns();
        if let Some(s) = start {
            self.first_start_ns = Some(self.first_start_ns.map_or(s, |f| f.min(s)));
        }
        let end = r.metadata.request_end_ns.or_else(|| {
            // An infinite or negative latency has no end (it used to
            // saturate to 2262 and stretch the run's duration to 292 years).
            let lat = m
                .opt(Metric::RequestLatency)
                .filter(|l| *l >= 0.0 && *l < 9.2e12)?;
            Some(start?.saturating_add((lat * 1e6) as i64))
        });
        if let (Some(e), false) = (end, failed) {
            self.last_end_ns = Some(self.last_end_ns.map_or(e, |l| l.max(e)));
        }

        // Connection and DNS figures come from every traced record, failed
        // or not: the connection was made either way.
        let mut row_trace: RowTrace = (f64::NAN, f64::NAN, f64::NAN, f64::NAN, f64::NAN, f64::NAN);
        let out_tok = m.get(Metric::OutputTokens);
        let mut streaming = !m.get(Metric::Ttft).is_nan() || !m.inter_chunk_latency.is_empty();
        if let Some(t) = &r.trace {
            self.with_trace += 1;
            *self.layouts.entry(t.layout.name()).or_default() += 1;
            match t.reused {
                Some(true) => self.conn_reused += 1,
                Some(false) => self.conn_created += 1,
                None => {}
            }
            if t.reused == Some(false) {
                self.push(Dist::ConnectMs, ms(t.connect_ns));
            }
            self.push(Dist::PoolWaitMs, ms(t.pool_wait_ns));
            match t.dns {
                Dns::CacheHit => self.dns_hits += 1,
                Dns::Lookup => {
                    self.dns_lookups += 1;
                    self.push(Dist::DnsMs, ms(t.dns_ns));
                }
                Dns::None => {}
            }
            if t.transport_error || t.status.is_some_and(|s| !(200..400).contains(&s)) {
                self.http_failures += 1;
            }
            if !failed {
                row_trace = self.ok_trace(t, out_tok, &mut streaming);
            }
        }
        if failed {
            if opts.rows {
                self.rows.push(self.row(r, warmup, row_trace));
            }
            return;
        }
        self.ok += 1;
        if streaming {
            self.streaming += 1;
        } else {
            self.non_streaming += 1;
        }
        // Token analytics: generation time is request sent → last byte when
        // traced (the prototype script's definition), else AIPerf's request
        // latency.
        let gen_ms = if row_trace.2.is_nan() {
            m.get(Metric::RequestLatency)
        } else {
            row_trace.2
        };
        self.push(Dist::InputTokens, m.get(Metric::InputTokens));
        self.push(Dist::OutputTokens, out_tok);
        if out_tok > 0.0 {
            self.ok_output_tokens += out_tok;
            if gen_ms > 0.0 {
                self.push(Dist::TokensPerSecond, out_tok / gen_ms * 1000.0);
                self.push(Dist::TimePerTokenMs, gen_ms / out_tok);
            }
        }
        self.push(Dist::Ttft, m.get(Metric::Ttft));
        self.push(Dist::Ttst, m.get(Metric::Ttst));
        self.push(Dist::RequestLatency, m.get(Metric::RequestLatency));
        self.push(Dist::Itl, m.get(Metric::Itl));
        self.push(
            Dist::TokensPerSecondPerUser,
            m.get(Metric::OutputTokenThroughputPerUser),
        );
        let icl = &m.inter_chunk_latency;
        if m.inter_chunk_latency_usable {
            self.dists[Dist::AiperfIcl as usize].extend_from_slice(icl);
        } else {
            for &x in icl {
                self.push(Dist::AiperfIcl, x);
            }
        }
        if opts.rows {
            self.rows.push(self.row(r, warmup, row_trace));
        }
    }

    /// The transport figures of a traced request that did not fail; the
    /// row's `(send, ttfb, ttlb, chunks, response bytes, reused)`.
    fn ok_trace(&mut self, t: &Trace, out_tok: f64, streaming: &mut bool) -> RowTrace {
        let chunks = t.chunk_count.map_or(f64::NAN, |c| c as f64);
        *streaming = chunks > 1.0 || (chunks.is_nan() && *streaming);
        let (send, ttfb, ttlb, recv) = (
            ms(t.sending()),
            ms(t.ttfb()),
            ms(t.ttlb()),
            ms(t.receiving()),
        );
        self.push(Dist::SendingMs, send);
        self.push(Dist::TtfbMs, ttfb);
        self.push(Dist::TtlbMs, ttlb);
        self.push(Dist::ReceivingMs, recv);
        self.push(Dist::ChunksPerRequest, chunks);
        for w in t.response_chunks.windows(2) {
            // Integer difference first: f64 timestamps would lose ns.
            self.dists[Dist::InterChunkMs as usize]
                .push(w[1].0.saturating_sub(w[0].0) as f64 / 1e6);
        }
        if !t.response_chunks.is_empty() && self.chunk_size_counts.is_empty() {
            self.chunk_size_counts = vec![0; SIZE_BINS];
        }
        for c in &t.response_chunks {
            match usize::try_from(c.1) {
                Ok(i) if i < SIZE_BINS => self.chunk_size_counts[i] += 1,
                _ => self.dists[Dist::ChunkBytes as usize].push(c.1 as f64),
            }
        }
        let req_b = t.request_bytes.map_or(f64::NAN, |b| b as f64);
        let resp_b = t.response_bytes.map_or(f64::NAN, |b| b as f64);
        self.push(Dist::RequestBytes, req_b);
        self.push(Dist::ResponseBytes, resp_b);
        if out_tok > 0.0 {
            self.push(Dist::BytesPerToken, resp_b / out_tok);
            self.push(Dist::ChunksPerToken, chunks / out_tok);
            if !resp_b.is_nan() {
                self.tokens_with_bytes += out_tok;
                self.bytes_with_tokens += resp_b;
            }
        }
        if chunks > 0.0 && out_tok >= 0.0 {
            self.push(Dist::TokensPerChunk, out_tok / chunks);
        }
        let reused = t.reused.map_or(f64::NAN, |r| f64::from(u8::from(r)));
        (send, ttfb, ttlb, chunks, resp_b, reused)
    }

    fn row(&self, r: &Record<'_>, warmup: bool, t: RowTrace) -> Row {
        let m = &r.metrics;
        Row {
            request_id: r.metadata.x_request_id.as_deref().unwrap_or("").to_string(),
            start_ns: r.metadata.start_ns(),
            status: r.error_type().unwrap_or("ok").to_string(),
            warmup,
            ttft_ms: m.get(Metric::Ttft),
            request_latency_ms: m.get(Metric::RequestLatency),
            inter_token_latency_ms: m.get(Metric::Itl),
            input_tokens: m.get(Metric::InputTokens),
            output_tokens: m.get(Metric::OutputTokens),
            send_ms: t.0,
            ttfb_ms: t.1,
            ttlb_ms: t.2,
            chunks: t.3,
            response_bytes: t.4,
            connection_reused: t.5,
        }
    }

    /// Moves the merged parts into [`Accum::dists`], one allocation of the
    /// exact size per distribution.
    pub fn flatten(&mut self) {
        for (i, parts) in std::mem::take(&mut self.parts).into_iter().enumerate() {
            let Some(d) = self.dists.get_mut(i) else {
                continue;
            };
            let n: usize = parts.iter().map(Vec::len).sum();
            if n == 0 {
                continue;
            }
            let mut all = Vec::with_capacity(d.len() + n);
            all.append(d);
            for mut p in parts {
                all.append(&mut p);
            }
            *d = all;
        }
    }

    /// Appends `o` (which read the lines after `self`'s).
    pub fn merge(&mut self, mut o: Accum) {
        self.lines += o.lines;
        self.records += o.records;
        self.warmup_excluded += o.warmup_excluded;
        self.analysed += o.analysed;
        self.bad_json += o.bad_json;
        for (k, v) in o.not_aiperf {
            *self.not_aiperf.entry(k).or_default() += v;
        }
        self.truncated_last_line |= o.truncated_last_line;
        self.with_nulls += o.with_nulls;
        for (k, v) in o.bad_fields {
            *self.bad_fields.entry(k).or_default() += v;
        }
        for (k, v) in o.excluded {
            *self.excluded.entry(k).or_default() += v;
        }
        let room = MAX_BAD_EXAMPLES.saturating_sub(self.bad_examples.len());
        self.bad_examples
            .extend(o.bad_examples.into_iter().take(room));
        self.with_trace += o.with_trace;
        for (k, v) in o.layouts {
            *self.layouts.entry(k).or_default() += v;
        }
        self.streaming += o.streaming;
        self.non_streaming += o.non_streaming;
        self.failed += o.failed;
        self.cancelled += o.cancelled;
        for (k, v) in o.errors {
            *self.errors.entry(k).or_default() += v;
        }
        self.conn_created += o.conn_created;
        self.conn_reused += o.conn_reused;
        self.dns_hits += o.dns_hits;
        self.dns_lookups += o.dns_lookups;
        self.http_failures += o.http_failures;
        self.tokens_with_bytes += o.tokens_with_bytes;
        self.bytes_with_tokens += o.bytes_with_tokens;
        self.first_start_ns = match (self.first_start_ns, o.first_start_ns) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last_end_ns = match (self.last_end_ns, o.last_end_ns) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        self.ok += o.ok;
        self.ok_output_tokens += o.ok_output_tokens;
        if self.parts.len() < Dist::COUNT {
            self.parts.resize_with(Dist::COUNT, Vec::new);
        }
        for (i, v) in o.dists.into_iter().enumerate() {
            if !v.is_empty() {
                self.parts[i].push(v);
            }
        }
        for (i, p) in o.parts.into_iter().enumerate() {
            self.parts[i].extend(p.into_iter().filter(|v| !v.is_empty()));
        }
        self.rows.append(&mut o.rows);
        if self.chunk_size_counts.is_empty() {
            self.chunk_size_counts = o.chunk_size_counts;
        } else {
            for (a, b) in self.chunk_size_counts.iter_mut().zip(&o.chunk_size_counts) {
                *a += *b;
            }
        }
    }
}
