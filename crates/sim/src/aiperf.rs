//! AIPerf `profile_export.jsonl` writer: records of the 0.5+ schema with
//! `trace_data` in any of the three layouts of formats.md §3.3, of a given
//! record count or size, for the `srtlog aiperf` tests and benchmark.
//!
//! The model: `concurrency` workers each open one connection (the first
//! resolves DNS, the others hit aiohttp's DNS cache), then reuse it; each
//! request sends one body chunk, waits a TTFT, and receives one response
//! chunk per output token plus a final `[DONE]` chunk, with jittered
//! inter-chunk gaps. Every `cancel_every`-th request is cancelled (no
//! metrics), and the first `warmup` records are warm-up. [`AiperfTruth`]
//! holds the counts the analysis must reproduce.

use crate::rng::Rng;
use std::fmt::Write as _;
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// Trace-data layout to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceLayout {
    /// No `trace_data` (export without `--export-http-trace`).
    None,
    /// Released `request_chunks`/`response_chunks` pairs.
    Released,
    /// Prototype parallel arrays.
    ParallelArrays,
    /// The prototype analysis script's keys.
    Script,
}

/// What to write.
#[derive(Clone, Debug)]
pub struct AiperfConfig {
    /// Records to write (ignored when `target_bytes` is set).
    pub records: u64,
    /// Stop after the record that reaches this many bytes.
    pub target_bytes: Option<u64>,
    /// Trace layout.
    pub layout: TraceLayout,
    /// Concurrent connections.
    pub concurrency: u32,
    /// Warm-up records at the start.
    pub warmup: u64,
    /// Cancel every n-th profiling record (0: never).
    pub cancel_every: u64,
    /// Mean output tokens.
    pub output_tokens: u32,
    /// Seed.
    pub seed: u64,
}

impl Default for AiperfConfig {
    fn default() -> Self {
        AiperfConfig {
            records: 100,
            target_bytes: None,
            layout: TraceLayout::Released,
            concurrency: 4,
            warmup: 2,
            cancel_every: 0,
            output_tokens: 64,
            seed: 1,
        }
    }
}

/// Ground truth of a written export.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AiperfTruth {
    /// Records written.
    pub records: u64,
    /// Warm-up records.
    pub warmup: u64,
    /// Cancelled records.
    pub cancelled: u64,
    /// Profiling records that succeeded.
    pub ok: u64,
    /// Connections created among profiling records.
    pub created: u64,
    /// Connections reused among profiling records.
    pub reused: u64,
    /// DNS lookups among profiling records.
    pub dns_lookups: u64,
    /// DNS cache hits among profiling records.
    pub dns_hits: u64,
    /// Response chunks of successful profiling records.
    pub chunks: u64,
    /// Output tokens of successful profiling records.
    pub output_tokens: u64,
    /// Bytes written.
    pub bytes: u64,
}

fn list(out: &mut String, v: impl Iterator<Item = String>) {
    out.push('[');
    for (i, s) in v.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&s);
    }
    out.push(']');
}

/// Writes the export to `path`.
pub fn write_aiperf_export(path: &Path, cfg: &AiperfConfig) -> io::Result<AiperfTruth> {
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    let mut rng = Rng::new(cfg.seed);
    let mut t = AiperfTruth::default();
    let conc = u64::from(cfg.concurrency.max(1));
    // Per-lane clocks: each lane runs its requests back to back.
    let base: i64 = 1_762_551_534_000_000_000;
    let mut clock: Vec<i64> = (0..conc as i64).map(|i| base + i * 1_000_000).collect();
    let mut line = String::with_capacity(64 << 10);
    let mut i: u64 = 0;
    loop {
        match cfg.target_bytes {
            Some(b) if t.bytes >= b => break,
            None if i >= cfg.records => break,
            _ => {}
        }
        let lane = (i % conc) as usize;
        let warm = i < cfg.warmup;
        let prof_index = i.saturating_sub(cfg.warmup);
        let cancel = !warm && cfg.cancel_every > 0 && (prof_index + 1) % cfg.cancel_every == 0;
        let new_conn = i < conc;
        let lookup = i == 0;
        let start = clock[lane];
        let send_start = start + 200_000;
        let connect = if new_conn {
            300_000 + (rng.f64() * 400_000.0) as i64
        } else {
            0
        };
        let dns_ns = if lookup { 150_000 } else { 0 };
        let send_end = send_start + connect + 50_000 + (rng.f64() * 50_000.0) as i64;
        let ttfb = 5_000_000 + (rng.f64() * 20_000_000.0) as i64;
        let osl = (f64::from(cfg.output_tokens) * (0.5 + rng.f64()))
            .round()
            .max(2.0) as u64;
        let mut chunks: Vec<(i64, i64)> = Vec::with_capacity(osl as usize + 1);
        let mut ts = send_end + ttfb;
        for k in 0..=osl {
            if k > 0 {
                ts += 8_000_000 + (rng.f64() * 6_000_000.0) as i64;
            }
            chunks.push((
                ts,
                if k == osl {
                    14
                } else {
                    180 + (rng.f64() * 40.0) as i64
                },
            ));
        }
        let last = chunks.last().map_or(ts, |c| c.0);
        let end = last + 100_000;
        clock[lane] = end + 1_000_000;
        let req_bytes = 250 + (rng.f64() * 100.0) as i64;
        line.clear();
        let phase = if warm { "warmup" } else { "profiling" };
        let _ = write!(
            line,
            "{{\"metadata\":{{\"session_num\":{i},\"x_request_id\":\"req-{i:08}\",\"x_correlation_id\":\"c-{i}\",\"conversation_id\":null,\"turn_index\":0,\"request_start_ns\":{start},\"request_ack_ns\":{},\"request_end_ns\":{end},\"worker_id\":\"worker_{lane:08x}\",\"record_processor_id\":\"rp_0\",\"benchmark_phase\":\"{phase}\",\"was_cancelled\":{cancel},\"cancellation_time_ns\":{}}},",
            send_end + ttfb,
            if cancel { (start + 1000).to_string() } else { "null".into() },
        );
        t.records += 1;
        if warm {
            t.warmup += 1;
        }
        if cancel {
            line.push_str("\"metrics\":{},\"error\":{\"code\":499,\"type\":\"RequestCancellationError\",\"message\":\"Request was cancelled\"}");
            t.cancelled += 1;
        } else {
            let ttft = (send_end + ttfb - start) as f64 / 1e6;
            let lat = (chunks[chunks.len() - 2].0 - start) as f64 / 1e6;
            let icl: Vec<f64> = chunks[..chunks.len() - 1]
                .windows(2)
                .map(|w| (w[1].0 - w[0].0) as f64 / 1e6)
                .collect();
            let itl = (lat - ttft) / (osl as f64 - 1.0);
            let _ = write!(
                line,
                "\"metrics\":{{\"input_sequence_length\":{{\"value\":100,\"unit\":\"tokens\"}},\"output_sequence_length\":{{\"value\":{osl},\"unit\":\"tokens\"}},\"time_to_first_token\":{{\"value\":{ttft},\"unit\":\"ms\"}},\"request_latency\":{{\"value\":{lat},\"unit\":\"ms\"}},\"inter_token_latency\":{{\"value\":{itl},\"unit\":\"ms\"}},\"output_token_throughput_per_user\":{{\"value\":{},\"unit\":\"tokens/sec/user\"}},\"inter_chunk_latency\":{{\"value\":",
                1000.0 / itl
            );
            list(&mut line, icl.iter().map(|x| x.to_string()));
            line.push_str(",\"unit\":\"ms\"}},\"error\":null");
            if !warm {
                t.ok += 1;
                t.chunks += chunks.len() as u64;
                t.output_tokens += osl;
            }
        }
        if !warm {
            if new_conn {
                t.created += 1;
            } else {
                t.reused += 1;
            }
            if new_conn && lookup {
                t.dns_lookups += 1;
            } else if new_conn {
                t.dns_hits += 1;
            }
        }
        let resp_total: i64 = chunks.iter().map(|c| c.1).sum();
        let conn_keys = |line: &mut String,
                         created: &str,
                         reused: &str,
                         dns_hit: &str,
                         dns_start: &str,
                         dns_end: &str| {
            if new_conn {
                let _ = write!(
                    line,
                    ",\"{created}_start_ns\":{},\"{created}_end_ns\":{}",
                    send_start,
                    send_start + connect
                );
                if lookup {
                    let _ = write!(
                        line,
                        ",\"{dns_start}\":{},\"{dns_end}\":{}",
                        send_start - dns_ns,
                        send_start
                    );
                    if dns_start == "dns_lookup_start_ns" {
                        let _ = write!(
                            line,
                            ",\"dns_cache_miss_ns\":{},\"dns_lookup_ns\":{dns_ns}",
                            send_start - dns_ns
                        );
                    }
                } else {
                    let _ = write!(line, ",\"{dns_hit}\":{}", send_start - 1000);
                }
            } else {
                let _ = write!(line, ",\"{reused}\":{}", send_start + 1000);
            }
        };
        match cfg.layout {
            TraceLayout::None => {}
            TraceLayout::Released => {
                let _ = write!(
                    line,
                    ",\"trace_data\":{{\"trace_type\":\"aiohttp\",\"request_send_start_ns\":{send_start},\"request_headers\":{{\"Content-Type\":\"application/json\"}},\"request_headers_sent_ns\":{},\"request_chunks\":[[{},{req_bytes}]],\"request_send_end_ns\":{send_end},\"request_chunks_count\":1,\"request_bytes_total\":{req_bytes},\"response_status_code\":{},\"response_reason\":\"OK\",\"response_receive_start_ns\":{},\"response_chunks\":",
                    send_start + connect,
                    send_end - 1000,
                    if cancel { "null".to_string() } else { "200".into() },
                    chunks[0].0,
                );
                let shown: &[(i64, i64)] = if cancel { &[] } else { &chunks };
                list(
                    &mut line,
                    shown.iter().map(|c| format!("[{},{}]", c.0, c.1)),
                );
                let _ = write!(
                    line,
                    ",\"response_chunks_count\":{},\"response_bytes_total\":{},\"response_receive_end_ns\":{last},\"sending_ns\":{},\"waiting_ns\":{ttfb},\"receiving_ns\":{},\"duration_ns\":{},\"local_ip\":\"127.0.0.1\",\"local_port\":{},\"remote_ip\":\"127.0.0.1\",\"remote_port\":8000",
                    shown.len(),
                    if cancel { 0 } else { resp_total },
                    send_end - send_start,
                    last - chunks[0].0,
                    last - send_start,
                    40000 + lane,
                );
                if new_conn {
                    let _ = write!(line, ",\"connecting_ns\":{connect}");
                }
                conn_keys(
                    &mut line,
                    "tcp_connect",
                    "connection_reused_ns",
                    "dns_cache_hit_ns",
                    "dns_lookup_start_ns",
                    "dns_lookup_end_ns",
                );
                line.push('}');
            }
            TraceLayout::ParallelArrays => {
                let _ = write!(line, ",\"trace_data\":{{\"trace_type\":\"aiohttp\",\"request_send_start_ns\":{send_start},\"request_send_end_ns\":{send_end},\"request_write_timestamps_ns\":[{}],\"request_write_sizes_bytes\":[{req_bytes}],\"response_receive_timestamps_ns\":", send_end - 1000);
                let shown: &[(i64, i64)] = if cancel { &[] } else { &chunks };
                list(&mut line, shown.iter().map(|c| c.0.to_string()));
                line.push_str(",\"response_receive_sizes_bytes\":");
                list(&mut line, shown.iter().map(|c| c.1.to_string()));
                conn_keys(
                    &mut line,
                    "tcp_connect",
                    "connection_reused_ns",
                    "dns_cache_hit_ns",
                    "dns_lookup_start_ns",
                    "dns_lookup_end_ns",
                );
                line.push('}');
            }
            TraceLayout::Script => {
                let _ = write!(line, ",\"trace_data\":{{\"request_start_ns\":{send_start},\"request_end_ns\":{send_end},\"request_chunk_sizes\":[{req_bytes}],\"response_status\":200,\"response_receive_timestamps_ns\":");
                let shown: &[(i64, i64)] = if cancel { &[] } else { &chunks };
                list(&mut line, shown.iter().map(|c| c.0.to_string()));
                line.push_str(",\"response_receive_sizes_bytes\":");
                list(&mut line, shown.iter().map(|c| c.1.to_string()));
                conn_keys(
                    &mut line,
                    "connection_create",
                    "connection_reuseconn_ns",
                    "dns_cache_hit_ns",
                    "dns_resolvehost_start_ns",
                    "dns_resolvehost_end_ns",
                );
                line.push('}');
            }
        }
        line.push_str("}\n");
        w.write_all(line.as_bytes())?;
        t.bytes += line.len() as u64;
        i += 1;
    }
    w.flush()?;
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_counted_records() {
        let dir = std::env::temp_dir().join(format!("srtlog-sim-aiperf-{}", std::process::id()));
        std::fs::create_dir_all(&dir).ok();
        let p = dir.join("profile_export.jsonl");
        let cfg = AiperfConfig {
            records: 50,
            cancel_every: 10,
            ..AiperfConfig::default()
        };
        let t = write_aiperf_export(&p, &cfg).expect("write");
        assert_eq!((t.records, t.warmup, t.cancelled, t.ok), (50, 2, 4, 44));
        // 4 lanes: the first 4 records (2 of them warm-up) create connections.
        assert_eq!(
            (t.created, t.reused, t.dns_lookups, t.dns_hits),
            (2, 46, 0, 2)
        );
        let text = std::fs::read_to_string(&p).expect("read");
        assert_eq!(text.lines().count(), 50);
        for l in text.lines() {
            assert!(serde_json::from_str::<serde_json::Value>(l).is_ok(), "{l}");
        }
        std::fs::remove_dir_all(&dir).ok();
    }
}
