//! Generic JSON-lines per-request log generator.

use std::io::{self, Write};
use std::path::Path;

use crate::civil::TsCache;
use crate::out::{FileSink, Out};
use crate::rng::Rng;
use crate::{fmt, Compression, StartTime};

/// Shape of a simulated per-request JSON-lines log.
///
/// One object per line with exactly the keys, in this order:
/// `timestamp` (ISO-8601 UTC-style `YYYY-MM-DDTHH:MM:SS.mmmZ`), `request_id`
/// (UUID-like string), `model`, `latency_ms` (float), `batch_size` (int),
/// `status` (`"success"` or `"error"`), `gpu_util` (percent float),
/// `memory_used_gb` (float).
#[derive(Clone, Debug, PartialEq)]
pub struct RequestLogConfig {
    /// Number of requests (ignored when `target_bytes` is set).
    pub requests: u64,
    /// When set, write about this many uncompressed bytes instead (±2 %).
    pub target_bytes: Option<u64>,
    /// Seed of every random choice.
    pub seed: u64,
    /// Timestamp of the first request.
    pub start: StartTime,
    /// Value of the `model` field.
    pub model: String,
    /// Mean arrival rate (requests per second, exponential inter-arrivals).
    pub requests_per_s: f64,
    /// Baseline fraction of `"error"` requests outside the spike.
    pub error_rate: f64,
    /// Latency-spike window as fractions of the request sequence
    /// (`(0.6, 0.7)` = requests 60 %..70 %): latency ×3–6, errors ×8.
    pub spike: Option<(f64, f64)>,
    /// Compression of the output (the path is used as given; no suffix is appended).
    pub compression: Compression,
}

impl Default for RequestLogConfig {
    /// 10 000 requests at 20 req/s, 1 % errors, spike at 60–70 %, seed 42.
    fn default() -> Self {
        RequestLogConfig {
            requests: 10_000,
            target_bytes: None,
            seed: 42,
            start: StartTime::default(),
            model: "meta-llama/Llama-3.3-70B-Instruct".to_string(),
            requests_per_s: 20.0,
            error_rate: 0.01,
            spike: Some((0.6, 0.7)),
            compression: Compression::None,
        }
    }
}

/// Ground truth of a request log written by [`write_request_log_with_truth`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestLogTruth {
    /// Number of JSON lines (requests).
    pub requests: u64,
    /// Requests with `"status": "error"`.
    pub errors: u64,
    /// Requests inside the spike window.
    pub spike_requests: u64,
    /// Index of the first request in the spike window (`requests` when none).
    pub spike_first_index: u64,
    /// Index one past the last spike request.
    pub spike_end_index: u64,
    /// `timestamp` of the first request as printed.
    pub first_timestamp: String,
    /// `timestamp` of the last request as printed.
    pub last_timestamp: String,
    /// Size on disk.
    pub bytes: u64,
    /// Size of the uncompressed text.
    pub uncompressed_bytes: u64,
}

/// Write a JSON-lines request log to `path`; returns the bytes on disk.
pub fn write_request_log(path: &Path, cfg: &RequestLogConfig) -> io::Result<u64> {
    write_request_log_with_truth(path, cfg).map(|t| t.bytes)
}

/// Like [`write_request_log`], but returns the full ground truth.
pub fn write_request_log_with_truth(
    path: &Path,
    cfg: &RequestLogConfig,
) -> io::Result<RequestLogTruth> {
    let start_us = cfg.start.to_unix_seconds()? * 1_000_000;
    if cfg.requests_per_s.is_nan() || cfg.requests_per_s <= 0.0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "requests_per_s must be > 0",
        ));
    }
    let n = match cfg.target_bytes {
        None => cfg.requests,
        Some(target) => {
            let pilot = 2000u64;
            let mut probe = cfg.clone();
            probe.requests = pilot;
            probe.target_bytes = None;
            let (_, bytes, _) = gen(&probe, pilot, start_us, io::sink())?;
            ((target as f64) / (bytes as f64 / pilot as f64))
                .round()
                .max(1.0) as u64
        }
    };
    if let Some(dir) = path.parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir)?;
        }
    }
    let sink = FileSink::create(path, cfg.compression)?;
    let (sink, uncompressed, mut truth) = gen(cfg, n, start_us, sink)?;
    sink.finish()?;
    truth.bytes = std::fs::metadata(path)?.len();
    truth.uncompressed_bytes = uncompressed;
    Ok(truth)
}

fn gen<W: Write>(
    cfg: &RequestLogConfig,
    n: u64,
    start_us: i64,
    w: W,
) -> io::Result<(W, u64, RequestLogTruth)> {
    let mut out = Out::new(w, false);
    let mut rng = Rng::derive(cfg.seed, 0x4e9);
    let mut ts = TsCache::default();
    let (s0, s1) = match cfg.spike {
        Some((a, b)) => {
            let a = a.clamp(0.0, 1.0);
            let b = b.clamp(a, 1.0);
            ((a * n as f64) as u64, (b * n as f64) as u64)
        }
        None => (n, n),
    };
    let mut model_json = Vec::new();
    json_str(&mut model_json, &cfg.model);
    let mut t = start_us;
    let mut errors = 0u64;
    let mut first_us = None;
    let mut last_us = start_us;
    let mut load = 0.5f64;
    let mut mem = 60.0f64;
    for i in 0..n {
        let gap = -(1.0 - rng.f64()).ln() / cfg.requests_per_s;
        t += (gap * 1e6) as i64;
        first_us.get_or_insert(t);
        last_us = t;
        let spike = i >= s0 && i < s1;
        load = (load + rng.normal() * 0.05).clamp(0.1, 1.0);
        let batch = (1.0 + load * 120.0 * rng.range(0.7, 1.3)).round() as u64;
        let mut lat = 180.0 + batch as f64 * 6.0 * rng.range(0.6, 1.6) + rng.normal().abs() * 120.0;
        if spike {
            lat *= rng.range(3.0, 6.0);
        }
        let p_err = if spike {
            (cfg.error_rate * 8.0).min(1.0)
        } else {
            cfg.error_rate
        };
        let err = rng.chance(p_err);
        if err {
            errors += 1;
        }
        let util = (35.0 + load * 60.0 + rng.normal() * 3.0).clamp(0.0, 100.0);
        mem = (mem + rng.normal() * 0.4 + (load - 0.5) * 0.2).clamp(20.0, 79.5);

        let b = &mut out.buf;
        b.extend_from_slice(b"{\"timestamp\": \"");
        iso(b, &mut ts, t);
        b.extend_from_slice(b"\", \"request_id\": \"");
        let id = rng.next_u64();
        let id2 = rng.next_u64();
        fmt::hex(b, id >> 32, 8);
        b.push(b'-');
        fmt::hex(b, (id >> 16) & 0xffff, 4);
        b.extend_from_slice(b"-4");
        fmt::hex(b, id & 0xfff, 3);
        b.push(b'-');
        fmt::hex(b, 0x8000 | ((id2 >> 48) & 0x3fff), 4);
        b.push(b'-');
        fmt::hex(b, id2 & 0xffff_ffff_ffff, 12);
        b.extend_from_slice(b"\", \"model\": ");
        b.extend_from_slice(&model_json);
        b.extend_from_slice(b", \"latency_ms\": ");
        fmt::f2(b, lat);
        b.extend_from_slice(b", \"batch_size\": ");
        fmt::u(b, batch);
        b.extend_from_slice(if err {
            &b", \"status\": \"error\", \"gpu_util\": "[..]
        } else {
            &b", \"status\": \"success\", \"gpu_util\": "[..]
        });
        fmt::f1(b, util);
        b.extend_from_slice(b", \"memory_used_gb\": ");
        fmt::f2(b, mem);
        b.push(b'}');
        out.end_line()?;
    }
    let (w, bytes) = out.finish()?;
    let render = |us: i64| -> String {
        let mut b = Vec::new();
        iso(&mut b, &mut TsCache::default(), us);
        String::from_utf8_lossy(&b).into_owned()
    };
    let truth = RequestLogTruth {
        requests: n,
        errors,
        spike_requests: s1 - s0,
        spike_first_index: s0,
        spike_end_index: s1,
        first_timestamp: first_us.map(render).unwrap_or_default(),
        last_timestamp: if n > 0 {
            render(last_us)
        } else {
            String::new()
        },
        bytes: 0,
        uncompressed_bytes: bytes,
    };
    Ok((w, bytes, truth))
}

pub(crate) fn iso(b: &mut Vec<u8>, ts: &mut TsCache, us: i64) {
    let t = ts.get(us.div_euclid(1_000_000));
    b.extend_from_slice(&t[..10]);
    b.push(b'T');
    b.extend_from_slice(&t[11..]);
    b.push(b'.');
    fmt::padn(b, (us.rem_euclid(1_000_000) / 1000) as u64, 3);
    b.push(b'Z');
}

fn json_str(b: &mut Vec<u8>, s: &str) {
    b.push(b'"');
    for c in s.chars() {
        match c {
            '"' => b.extend_from_slice(b"\\\""),
            '\\' => b.extend_from_slice(b"\\\\"),
            '\n' => b.extend_from_slice(b"\\n"),
            c if (c as u32) < 0x20 => {
                b.extend_from_slice(b"\\u");
                fmt::hex(b, c as u64, 4);
            }
            c => {
                let mut tmp = [0u8; 4];
                b.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
            }
        }
    }
    b.push(b'"');
}
