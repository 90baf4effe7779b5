//! The distributions of an AIPerf analysis: which quantity, its unit, and
//! how it is summarised.
//!
//! A distribution holds one `f64` per request (or per chunk gap / chunk for
//! the pooled ones), so memory grows with the number of requests and chunks,
//! never with the size of the file's text. Percentiles are numpy's linear
//! interpolation ([`srtlog_stats::percentile_sorted`]), the method AIPerf
//! itself uses, so they match its summary files; the prototype
//! `analyze_trace_data.py` used nearest-rank (`sorted[int(n·p/100)]`), which
//! differs on small samples.

use serde::Serialize;
use srtlog_stats::percentile::{percentile_sorted, percentiles_select};

/// How a distribution's values are displayed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Milliseconds, shown as µs, ms or s.
    Millis,
    /// Bytes, shown as B, KB or MB (1024).
    Bytes,
    /// A count or ratio, shown as a plain number.
    Number,
}

macro_rules! dists {
    ($( $v:ident => $name:literal, $title:literal, $unit:literal, $kind:ident; )*) => {
        /// Every distribution, in report order.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(usize)]
        pub enum Dist { $( #[doc = $title] $v, )* }

        impl Dist {
            /// All, in report order.
            pub const ALL: &'static [Dist] = &[$(Dist::$v,)*];
            /// Key in JSON (`ttfb_ms`, …).
            pub fn name(self) -> &'static str { match self { $(Dist::$v => $name,)* } }
            /// Heading.
            pub fn title(self) -> &'static str { match self { $(Dist::$v => $title,)* } }
            /// Unit of the values.
            pub fn unit(self) -> &'static str { match self { $(Dist::$v => $unit,)* } }
            /// Display kind.
            pub fn kind(self) -> Kind { match self { $(Dist::$v => Kind::$kind,)* } }
        }
    };
}

dists! {
    ConnectMs => "connection_establishment_ms", "Connection Establishment Time", "ms", Millis;
    PoolWaitMs => "connection_pool_wait_ms", "Connection Pool Wait", "ms", Millis;
    DnsMs => "dns_resolution_ms", "DNS Resolution Time", "ms", Millis;
    SendingMs => "request_send_ms", "Request Send Time", "ms", Millis;
    TtfbMs => "ttfb_ms", "TTFB (includes network + server processing)", "ms", Millis;
    TtlbMs => "ttlb_ms", "TTLB (request sent to last byte)", "ms", Millis;
    ReceivingMs => "transfer_ms", "Network Transfer Time (first to last byte)", "ms", Millis;
    ChunksPerRequest => "chunks_per_request", "Chunks per Request", "chunks", Number;
    InterChunkMs => "inter_chunk_latency_ms", "Inter-Chunk Latency (ICL)", "ms", Millis;
    ChunkBytes => "chunk_size_bytes", "Chunk Size", "B", Bytes;
    RequestBytes => "request_size_bytes", "Request Size", "B", Bytes;
    ResponseBytes => "response_size_bytes", "Response Size", "B", Bytes;
    InputTokens => "input_tokens", "Input Tokens", "tokens", Number;
    OutputTokens => "output_tokens", "Output Tokens", "tokens", Number;
    TokensPerSecond => "tokens_per_second", "Token Throughput (tokens/second)", "tokens/s", Number;
    TimePerTokenMs => "time_per_output_token_ms", "Time per Output Token", "ms", Millis;
    BytesPerToken => "bytes_per_token", "Bytes per Token (network efficiency)", "B", Bytes;
    ChunksPerToken => "chunks_per_token", "Chunks per Token", "chunks/token", Number;
    TokensPerChunk => "tokens_per_chunk", "Tokens per Chunk", "tokens/chunk", Number;
    Ttft => "time_to_first_token_ms", "Time to First Token (AIPerf)", "ms", Millis;
    Ttst => "time_to_second_token_ms", "Time to Second Token (AIPerf)", "ms", Millis;
    RequestLatency => "request_latency_ms", "Request Latency (AIPerf)", "ms", Millis;
    Itl => "inter_token_latency_ms", "Inter-Token Latency (AIPerf)", "ms", Millis;
    AiperfIcl => "aiperf_inter_chunk_latency_ms", "Inter-Chunk Latency (AIPerf, per SSE message)", "ms", Millis;
    TokensPerSecondPerUser => "output_token_throughput_per_user", "Output Token Throughput per User (AIPerf)", "tokens/s", Number;
}

impl Dist {
    /// Number of distributions.
    pub const COUNT: usize = Dist::ALL.len();
}

/// Summary of one distribution.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DistStats {
    /// Unit of every figure.
    pub unit: &'static str,
    /// Number of values.
    pub count: u64,
    /// Minimum.
    pub min: f64,
    /// Maximum.
    pub max: f64,
    /// Mean.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Sum (token totals, bytes).
    pub total: f64,
    /// Population standard deviation.
    pub std: f64,
}

impl DistStats {
    /// Summarises `values` (reordered in place; NaN values are dropped
    /// first).
    ///
    /// Percentiles are numpy's linear interpolation, as
    /// [`srtlog_stats::percentile_sorted`], but found by selection
    /// ([`srtlog_stats::percentile::percentiles_select`], O(n) per
    /// percentile) instead of a full sort: distributions of tens of millions
    /// of chunk gaps would spend seconds sorting. Results are identical.
    pub fn of(unit: &'static str, values: &mut Vec<f64>) -> Option<DistStats> {
        values.retain(|x| !x.is_nan());
        if values.is_empty() {
            return None;
        }
        let n = values.len();
        let (mut min, mut max, mut total) = (f64::INFINITY, f64::NEG_INFINITY, 0.0);
        for &x in values.iter() {
            min = min.min(x);
            max = max.max(x);
            total += x;
        }
        let mean = total / n as f64;
        let var = values.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n as f64;
        let out = percentiles_select(values, [0.5, 0.9, 0.95, 0.99]);
        Some(DistStats {
            unit,
            count: n as u64,
            min,
            max,
            mean,
            p50: out[0],
            p90: out[1],
            p95: out[2],
            p99: out[3],
            total,
            std: var.sqrt(),
        })
    }

    /// Summarises integer values given as `counts[value]`, plus `extra`
    /// values outside the counted range. Same figures as [`DistStats::of`]
    /// on the expanded values (order statistics found from cumulative
    /// counts, then the same interpolation).
    pub fn of_counts(
        unit: &'static str,
        counts: &[u64],
        extra: &mut Vec<f64>,
    ) -> Option<DistStats> {
        extra.retain(|x| !x.is_nan());
        if !extra.is_empty() {
            // Rare (sizes beyond the counted range): expand and summarise.
            for (v, &c) in counts.iter().enumerate() {
                extra.extend(std::iter::repeat_n(v as f64, c as usize));
            }
            return DistStats::of(unit, extra);
        }
        let n: u64 = counts.iter().sum();
        if n == 0 {
            return None;
        }
        let nz = || counts.iter().enumerate().filter(|(_, &c)| c > 0);
        let total: f64 = nz().map(|(v, &c)| v as f64 * c as f64).sum();
        let mean = total / n as f64;
        let var = nz()
            .map(|(v, &c)| c as f64 * (v as f64 - mean) * (v as f64 - mean))
            .sum::<f64>()
            / n as f64;
        // The value of 0-based rank k.
        let at = |k: u64| {
            let mut cum = 0u64;
            for (v, &c) in nz() {
                cum += c;
                if cum > k {
                    return v as f64;
                }
            }
            f64::NAN
        };
        let p = |q: f64| {
            let h = (n - 1) as f64 * q;
            let lo = h.floor() as u64;
            let hi = (lo + 1).min(n - 1);
            percentile_sorted(&[at(lo), at(hi)], h - lo as f64)
        };
        Some(DistStats {
            unit,
            count: n,
            min: at(0),
            max: at(n - 1),
            mean,
            p50: p(0.5),
            p90: p(0.9),
            p95: p(0.95),
            p99: p(0.99),
            total,
            std: var.sqrt(),
        })
    }

    /// The statistic `name` (`min`, `p50`, `avg`/`mean`, …).
    pub fn stat(&self, name: &str) -> Option<f64> {
        Some(match name {
            "min" => self.min,
            "max" => self.max,
            "avg" | "mean" => self.mean,
            "p50" => self.p50,
            "p90" => self.p90,
            "p95" => self.p95,
            "p99" => self.p99,
            "std" => self.std,
            _ => return None,
        })
    }
}

/// A value in `kind`'s reading unit: `7.11ms`, `219.73µs`, `1.20s`,
/// `17.00KB`, `5.0B`.
pub fn format_kind(kind: Kind, v: f64) -> String {
    if v.is_nan() {
        return "N/A".into();
    }
    match kind {
        Kind::Millis => {
            let a = v.abs();
            if a < 1.0 {
                format!("{:.2}µs", v * 1000.0)
            } else if a < 1000.0 {
                format!("{v:.2}ms")
            } else {
                format!("{:.2}s", v / 1000.0)
            }
        }
        Kind::Bytes => {
            let a = v.abs();
            if a < 1024.0 {
                if v.fract() == 0.0 {
                    format!("{v:.0}B")
                } else {
                    format!("{v:.2}B")
                }
            } else if a < 1024.0 * 1024.0 {
                format!("{:.2}KB", v / 1024.0)
            } else {
                format!("{:.2}MB", v / (1024.0 * 1024.0))
            }
        }
        Kind::Number => {
            if v.fract() == 0.0 && v.abs() < 1e15 {
                group(v as i64)
            } else if v.abs() >= 100.0 {
                format!("{v:.2}")
            } else {
                format!("{v:.3}")
            }
        }
    }
}

/// `1234567` → `1,234,567`.
pub fn group(n: i64) -> String {
    let s = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_are_numpy_linear() {
        let mut v = vec![4.0, 1.0, f64::NAN, 3.0, 2.0];
        let s = DistStats::of("ms", &mut v).unwrap();
        assert_eq!(
            (s.count, s.min, s.max, s.mean, s.total),
            (4, 1.0, 4.0, 2.5, 10.0)
        );
        assert_eq!(s.p50, 2.5);
        assert!((s.p90 - 3.7).abs() < 1e-12);
        assert!(DistStats::of("ms", &mut Vec::new()).is_none());
        assert_eq!(DistStats::of("ms", &mut vec![7.0]).unwrap().p99, 7.0);
    }

    #[test]
    fn counts_equal_values() {
        let counts = [0, 3, 0, 5, 1, 0, 2];
        let mut vals: Vec<f64> = counts
            .iter()
            .enumerate()
            .flat_map(|(v, &c)| std::iter::repeat_n(v as f64, c))
            .collect();
        let c64: Vec<u64> = counts.iter().map(|&c| c as u64).collect();
        let a = DistStats::of_counts("B", &c64, &mut Vec::new()).unwrap();
        let b = DistStats::of("B", &mut vals.clone()).unwrap();
        assert_eq!(
            (a.count, a.min, a.max, a.p50, a.p90, a.p95, a.p99),
            (b.count, b.min, b.max, b.p50, b.p90, b.p95, b.p99)
        );
        assert!((a.mean - b.mean).abs() < 1e-12 && (a.std - b.std).abs() < 1e-12);
        // Values beyond the counted range are merged in.
        let mut extra = vec![100.0];
        vals.push(100.0);
        let a = DistStats::of_counts("B", &c64, &mut extra).unwrap();
        let b = DistStats::of("B", &mut vals).unwrap();
        assert_eq!(
            (a.count, a.min, a.max, a.p50, a.p95, a.total),
            (b.count, b.min, b.max, b.p50, b.p95, b.total)
        );
        // Summation order differs: std agrees to the last bits only.
        assert!((a.std - b.std).abs() < 1e-12);
        assert!(DistStats::of_counts("B", &[0, 0], &mut Vec::new()).is_none());
    }

    #[test]
    fn selection_equals_sorting() {
        // Deterministic pseudo-random data with ties, several sizes.
        let mut x: u64 = 12345;
        for n in [1usize, 2, 3, 10, 101, 1000, 4097] {
            let mut v: Vec<f64> = (0..n)
                .map(|_| {
                    x = x
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    ((x >> 33) % 500) as f64 / 7.0
                })
                .collect();
            let mut sorted = v.clone();
            sorted.sort_by(f64::total_cmp);
            let s = DistStats::of("ms", &mut v).unwrap();
            for (q, got) in [(0.5, s.p50), (0.9, s.p90), (0.95, s.p95), (0.99, s.p99)] {
                assert_eq!(got, percentile_sorted(&sorted, q), "n {n} q {q}");
            }
            assert_eq!((s.min, s.max), (sorted[0], sorted[n - 1]));
        }
    }

    #[test]
    fn reading_units() {
        assert_eq!(format_kind(Kind::Millis, 0.21973), "219.73µs");
        assert_eq!(format_kind(Kind::Millis, 7.111), "7.11ms");
        assert_eq!(format_kind(Kind::Millis, 8877.62), "8.88s");
        assert_eq!(format_kind(Kind::Bytes, 5.0), "5B");
        assert_eq!(format_kind(Kind::Bytes, 14.75), "14.75B");
        assert_eq!(format_kind(Kind::Bytes, 17408.0), "17.00KB");
        assert_eq!(format_kind(Kind::Number, 1920.0), "1,920");
        assert_eq!(format_kind(Kind::Number, 2666.666), "2666.67");
        assert_eq!(format_kind(Kind::Number, 0.0094), "0.009");
        assert_eq!(group(-1234567), "-1,234,567");
    }
}
