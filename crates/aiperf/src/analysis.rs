//! The finished analysis of one AIPerf run: the workflow's sections as data,
//! the "key insights" rules as findings, and the comparison with the run's
//! own summary file. Text, JSON and HTML all render this one structure.

use super::accum::{Accum, BadLine, Row};
use super::dist::{format_kind, Dist, DistStats};
use rayon::prelude::*;
use serde::Serialize;
use srtlog_formats::aiperf::RunSummary;
use std::collections::BTreeMap;

/// Overview counts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Overview {
    /// Records analysed (warm-up excluded unless asked for).
    pub records: u64,
    /// Records with trace data.
    pub with_trace: u64,
    /// Failed records (including cancelled).
    pub errors: u64,
    /// Cancelled records.
    pub cancelled: u64,
    /// Successful streaming requests.
    pub streaming: u64,
    /// Successful non-streaming requests.
    pub non_streaming: u64,
    /// Warm-up records left out.
    pub warmup_excluded: u64,
    /// Failed records by error type.
    pub error_types: BTreeMap<String, u64>,
    /// Trace records by layout (`released`, `parallel_arrays`, `script`).
    pub trace_layouts: BTreeMap<&'static str, u64>,
}

/// Connection statistics.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Connections {
    /// Connections created.
    pub created: u64,
    /// Connections reused.
    pub reused: u64,
    /// reused / (created + reused); null without connection events.
    pub reuse_rate: Option<f64>,
}

/// DNS statistics.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DnsStats {
    /// Lookups performed.
    pub lookups: u64,
    /// Cache hits.
    pub cache_hits: u64,
    /// hits / (hits + lookups); null without DNS events.
    pub hit_rate: Option<f64>,
}

/// Token-to-response correlation and network efficiency (the workflow's
/// averages).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Correlation {
    /// Mean tokens/s.
    pub avg_tokens_per_second: Option<f64>,
    /// Mean time per output token, ms.
    pub avg_time_per_token_ms: Option<f64>,
    /// Mean output tokens.
    pub avg_output_tokens: Option<f64>,
    /// Mean inter-chunk latency, ms: from the trace's chunk timestamps, or
    /// else from AIPerf's own per-SSE-message `inter_chunk_latency` list.
    pub avg_inter_chunk_latency_ms: Option<f64>,
    /// Where [`Self::avg_inter_chunk_latency_ms`] comes from: the
    /// distribution's name (`inter_chunk_latency_ms` from the trace,
    /// `aiperf_inter_chunk_latency_ms` from AIPerf's list).
    pub inter_chunk_latency_source: Option<&'static str>,
    /// Mean chunks per token.
    pub avg_chunks_per_token: Option<f64>,
    /// Mean tokens per chunk.
    pub avg_tokens_per_chunk: Option<f64>,
    /// Mean bytes per token.
    pub avg_bytes_per_token: Option<f64>,
    /// Response bytes of requests with output tokens.
    pub total_response_bytes: Option<f64>,
    /// Output tokens of those requests.
    pub total_output_tokens: Option<f64>,
    /// total bytes / total tokens.
    pub overall_bytes_per_token: Option<f64>,
    /// Mean TTFB (server processing + network), ms.
    pub avg_processing_ms: Option<f64>,
    /// Mean transfer time (first to last byte), ms.
    pub avg_transfer_ms: Option<f64>,
    /// transfer / processing.
    pub transfer_processing_ratio: Option<f64>,
}

/// Verdict of a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Healthy.
    Good,
    /// Neutral information.
    Info,
    /// Worth a look.
    Warn,
}

/// One "key insight" rule applied to the run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// Rule id (`connection_reuse`, `dns_cache_hit_rate`, …).
    pub rule: &'static str,
    /// The figure the rule looked at.
    pub value: f64,
    /// The figure as displayed.
    pub display: String,
    /// Verdict.
    pub verdict: Verdict,
    /// The finding in words.
    pub message: String,
}

/// One statistic recomputed from the records next to the summary file's.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    /// AIPerf metric tag.
    pub metric: String,
    /// Statistic (`avg`, `p50`, …).
    pub stat: &'static str,
    /// Recomputed from the records.
    pub recomputed: f64,
    /// As in the summary file.
    pub summary: f64,
    /// recomputed − summary.
    pub difference: f64,
    /// Whether the difference is within the summary's rounding.
    pub within_rounding: bool,
}

/// Line accounting.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Lines {
    /// Non-blank lines.
    pub lines: u64,
    /// AIPerf records (before the warm-up filter).
    pub records: u64,
    /// Lines that are not JSON.
    pub bad_json: u64,
    /// JSON lines that are not AIPerf records, by kind.
    pub not_aiperf: BTreeMap<String, u64>,
    /// The last line was cut short.
    pub truncated_last_line: bool,
    /// Records with a `null` metric value.
    pub with_nulls: u64,
    /// Fields of the wrong shape, left out of their records (which were
    /// kept), by field (`trace_data.request_chunks`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub bad_fields: BTreeMap<String, u64>,
    /// Values left out of the statistics because they are infinite or
    /// negative, by distribution (`ttfb_ms`, `request_latency_ms`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub excluded_values: BTreeMap<String, u64>,
    /// First bad lines.
    pub bad_examples: Vec<BadLine>,
}

fn names(m: &BTreeMap<&'static str, u64>) -> BTreeMap<String, u64> {
    m.iter().map(|(k, v)| ((*k).to_string(), *v)).collect()
}

/// A whole run's analysis.
#[derive(Clone, Debug, Serialize)]
pub struct Analysis {
    /// Run name (artifact folder or file stem).
    pub name: String,
    /// Files read.
    pub files: Vec<String>,
    /// Line accounting.
    pub input: Lines,
    /// Overview.
    pub overview: Overview,
    /// Connections.
    pub connections: Connections,
    /// DNS.
    pub dns: DnsStats,
    /// Distributions by name (only those with values).
    pub distributions: BTreeMap<&'static str, DistStats>,
    /// Correlation and network efficiency averages.
    pub correlation: Correlation,
    /// Key-insight findings.
    pub findings: Vec<Finding>,
    /// Run-level throughput: successful requests / (last end − first start).
    pub request_throughput: Option<f64>,
    /// Output tokens / (last end − first start).
    pub output_token_throughput: Option<f64>,
    /// Benchmark duration, s.
    pub duration_s: Option<f64>,
    /// Comparison with the summary file (empty without one).
    pub summary_comparison: Vec<Comparison>,
    /// Which summary file was compared (`json-0.1`, `json-flat`, `csv`).
    pub summary_layout: Option<&'static str>,
    /// Concurrency of the run, from the summary or the folder name.
    pub concurrency: Option<f64>,
    /// Request rate of the run, from the summary or the folder name.
    pub request_rate: Option<f64>,
    /// Where the load was read (`input_config.loadgen`,
    /// `input_config.phases[profiling]`, `folder name`).
    pub load_source: Option<String>,
    /// GPUs in the summary's telemetry.
    pub gpus: Option<u32>,
    /// The run's configuration without its load (sweep grouping; not in
    /// `--json`).
    #[serde(skip)]
    pub config_key: Option<String>,
    /// Extra artifacts found next to the records (`inputs.json`, GPU
    /// telemetry) with a one-line description.
    pub artifacts: BTreeMap<String, String>,
    /// Per-request rows (only when asked for; not in `--json`).
    #[serde(skip)]
    pub rows: Vec<Row>,
}

fn mean_of(d: &BTreeMap<&'static str, DistStats>, k: Dist) -> Option<f64> {
    d.get(k.name()).map(|s| s.mean)
}

fn ratio(a: u64, b: u64) -> Option<f64> {
    (a + b > 0).then(|| a as f64 / (a + b) as f64)
}

/// The inter-chunk latency to report: the trace's (chunk timestamps, what
/// the workflow measures) when there is one, else AIPerf's per-SSE-message
/// `inter_chunk_latency` list (issue 17 item 21: exports without trace data
/// still carry it).
fn icl_dist(dd: &BTreeMap<&'static str, DistStats>) -> Dist {
    if dd.contains_key(Dist::InterChunkMs.name()) {
        Dist::InterChunkMs
    } else {
        Dist::AiperfIcl
    }
}

impl Analysis {
    /// The inter-chunk latency distribution to show and which one it is
    /// ([`Dist::InterChunkMs`] from the trace, else [`Dist::AiperfIcl`]).
    pub fn icl(&self) -> Option<(Dist, &DistStats)> {
        let d = icl_dist(&self.distributions);
        self.dist(d).map(|s| (d, s))
    }

    /// Finishes `acc`.
    pub fn finish(name: String, files: Vec<String>, mut acc: Accum) -> Analysis {
        // Distributions are independent: summarised in parallel, each
        // vector freed as soon as it is summarised.
        acc.flatten();
        let counts = std::mem::take(&mut acc.chunk_size_counts);
        let vectors = std::mem::take(&mut acc.dists);
        let distributions: BTreeMap<&'static str, DistStats> = vectors
            .into_par_iter()
            .zip(Dist::ALL.par_iter())
            .filter_map(|(mut v, &d)| {
                let s = if d == Dist::ChunkBytes {
                    DistStats::of_counts(d.unit(), &counts, &mut v)
                } else {
                    DistStats::of(d.unit(), &mut v)
                };
                s.map(|s| (d.name(), s))
            })
            .collect::<Vec<_>>()
            .into_iter()
            .collect();
        let dd = &distributions;
        let processing = mean_of(dd, Dist::TtfbMs);
        let transfer = mean_of(dd, Dist::ReceivingMs);
        let has_bytes = acc.tokens_with_bytes > 0.0;
        let correlation = Correlation {
            avg_tokens_per_second: mean_of(dd, Dist::TokensPerSecond),
            avg_time_per_token_ms: mean_of(dd, Dist::TimePerTokenMs),
            avg_output_tokens: mean_of(dd, Dist::OutputTokens),
            avg_inter_chunk_latency_ms: mean_of(dd, icl_dist(dd)),
            inter_chunk_latency_source: dd.get(icl_dist(dd).name()).map(|_| icl_dist(dd).name()),
            avg_chunks_per_token: mean_of(dd, Dist::ChunksPerToken),
            avg_tokens_per_chunk: mean_of(dd, Dist::TokensPerChunk),
            avg_bytes_per_token: mean_of(dd, Dist::BytesPerToken),
            total_response_bytes: has_bytes.then_some(acc.bytes_with_tokens),
            total_output_tokens: has_bytes.then_some(acc.tokens_with_bytes),
            overall_bytes_per_token: has_bytes
                .then(|| acc.bytes_with_tokens / acc.tokens_with_bytes),
            avg_processing_ms: processing,
            avg_transfer_ms: transfer,
            transfer_processing_ratio: match (transfer, processing) {
                (Some(t), Some(p)) if p > 0.0 => Some(t / p),
                _ => None,
            },
        };
        let duration_s = match (acc.first_start_ns, acc.last_end_ns) {
            (Some(a), Some(b)) if b > a => Some((b - a) as f64 / 1e9),
            _ => None,
        };
        let connections = Connections {
            created: acc.conn_created,
            reused: acc.conn_reused,
            reuse_rate: ratio(acc.conn_reused, acc.conn_created),
        };
        let dns = DnsStats {
            lookups: acc.dns_lookups,
            cache_hits: acc.dns_hits,
            hit_rate: ratio(acc.dns_hits, acc.dns_lookups),
        };
        let mut a = Analysis {
            name,
            files,
            input: Lines {
                lines: acc.lines,
                records: acc.records,
                bad_json: acc.bad_json,
                not_aiperf: acc.not_aiperf,
                truncated_last_line: acc.truncated_last_line,
                with_nulls: acc.with_nulls,
                bad_fields: names(&acc.bad_fields),
                excluded_values: names(&acc.excluded),
                bad_examples: acc.bad_examples,
            },
            overview: Overview {
                records: acc.analysed,
                with_trace: acc.with_trace,
                errors: acc.failed,
                cancelled: acc.cancelled,
                streaming: acc.streaming,
                non_streaming: acc.non_streaming,
                warmup_excluded: acc.warmup_excluded,
                error_types: acc.errors,
                trace_layouts: acc.layouts,
            },
            connections,
            dns,
            findings: Vec::new(),
            request_throughput: duration_s.map(|d| acc.ok as f64 / d),
            output_token_throughput: duration_s.map(|d| acc.ok_output_tokens / d),
            duration_s,
            distributions,
            correlation,
            summary_comparison: Vec::new(),
            summary_layout: None,
            concurrency: None,
            request_rate: None,
            load_source: None,
            gpus: None,
            config_key: None,
            artifacts: BTreeMap::new(),
            rows: acc.rows,
        };
        a.findings = findings(&a);
        a
    }

    /// The distribution `d`, when it has values.
    pub fn dist(&self, d: Dist) -> Option<&DistStats> {
        self.distributions.get(d.name())
    }

    /// Compares the recomputed AIPerf metrics with `s`.
    pub fn compare_with(&mut self, s: &RunSummary) {
        self.summary_layout = Some(s.layout);
        self.concurrency = self.concurrency.or(s.concurrency);
        self.request_rate = self.request_rate.or(s.request_rate);
        self.load_source = self.load_source.clone().or_else(|| s.load_source.clone());
        self.gpus = self.gpus.or(s.gpus);
        self.config_key = self.config_key.clone().or_else(|| s.config_key.clone());
        // The CSV has two decimals; the JSON full precision (allow float
        // noise relative to the magnitude).
        let csv = s.layout == "csv";
        let tol = |v: f64| {
            if csv {
                0.005 + 1e-9 * v.abs()
            } else {
                1e-6 * v.abs().max(1e-3)
            }
        };
        let pairs: [(&str, Dist); 7] = [
            ("time_to_first_token", Dist::Ttft),
            ("time_to_second_token", Dist::Ttst),
            ("request_latency", Dist::RequestLatency),
            ("inter_token_latency", Dist::Itl),
            ("inter_chunk_latency", Dist::AiperfIcl),
            (
                "output_token_throughput_per_user",
                Dist::TokensPerSecondPerUser,
            ),
            ("output_sequence_length", Dist::OutputTokens),
        ];
        let mut out = Vec::new();
        for (tag, d) in pairs {
            let (Some(mine), Some(theirs)) = (self.dist(d), s.get(tag)) else {
                continue;
            };
            for stat in ["avg", "min", "max", "p50", "p90", "p95", "p99"] {
                let t = match stat {
                    "avg" => theirs.avg,
                    "min" => theirs.min,
                    "max" => theirs.max,
                    "p50" => theirs.p50,
                    "p90" => theirs.p90,
                    "p95" => theirs.p95,
                    _ => theirs.p99,
                };
                let Some(m) = mine.stat(stat) else { continue };
                if t.is_nan() {
                    continue;
                }
                out.push(Comparison {
                    metric: tag.to_string(),
                    stat,
                    recomputed: m,
                    summary: t,
                    difference: m - t,
                    within_rounding: (m - t).abs() <= tol(t),
                });
            }
        }
        for (tag, mine) in [
            ("request_throughput", self.request_throughput),
            ("output_token_throughput", self.output_token_throughput),
            ("benchmark_duration", self.duration_s),
        ] {
            if let (Some(m), Some(t)) = (mine, s.get(tag).map(|x| x.avg)) {
                if !t.is_nan() {
                    // Throughput depends on where AIPerf starts and stops
                    // its clock; 0.5% is treated as agreement.
                    out.push(Comparison {
                        metric: tag.to_string(),
                        stat: "avg",
                        recomputed: m,
                        summary: t,
                        difference: m - t,
                        within_rounding: (m - t).abs() <= 0.005 * t.abs() + tol(t),
                    });
                }
            }
        }
        self.summary_comparison = out;
    }

    /// Comparisons beyond rounding.
    pub fn mismatches(&self) -> impl Iterator<Item = &Comparison> {
        self.summary_comparison
            .iter()
            .filter(|c| !c.within_rounding)
    }
}

fn pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

/// The workflow's "key insights" rules (thresholds as the workflow states them;
/// the ICL consistency bands, which the workflow leaves open, are srtlog's:
/// p99/p50 ≤ 2 stable, > 5 bursty).
pub fn findings(a: &Analysis) -> Vec<Finding> {
    let mut f = Vec::new();
    network_findings(a, &mut f);
    streaming_findings(a, &mut f);
    generation_findings(a, &mut f);
    f
}

/// Appends one finding.
fn push(
    f: &mut Vec<Finding>,
    rule: &'static str,
    value: f64,
    display: String,
    verdict: Verdict,
    message: String,
) {
    f.push(Finding {
        rule,
        value,
        display,
        verdict,
        message,
    });
}

/// Connection reuse, DNS caching and time to first byte.
fn network_findings(a: &Analysis, f: &mut Vec<Finding>) {
    let mut add = |rule, value: f64, display: String, verdict, message: String| {
        push(f, rule, value, display, verdict, message)
    };
    if let Some(r) = a.connections.reuse_rate {
        let (v, m) = if r > 0.9 {
            (
                Verdict::Good,
                "high connection reuse (> 90%): good connection pooling",
            )
        } else {
            (Verdict::Warn, "connection reuse at or below 90%: many new connections (check pooling / keep-alive)")
        };
        add("connection_reuse", r, pct(r), v, m.into());
    }
    if let Some(r) = a.dns.hit_rate {
        let (v, m) = if r > 0.95 {
            (
                Verdict::Good,
                "DNS cache hit rate above 95%: efficient DNS caching",
            )
        } else {
            (
                Verdict::Warn,
                "DNS cache hit rate at or below 95%: repeated resolutions",
            )
        };
        add("dns_cache_hit_rate", r, pct(r), v, m.into());
    }
    if let Some(t) = a.dist(Dist::TtfbMs) {
        add(
            "ttfb",
            t.p50,
            format_kind(super::dist::Kind::Millis, t.p50),
            Verdict::Info,
            format!(
                "median TTFB {} (p99 {}): lower means a faster server or network",
                format_kind(super::dist::Kind::Millis, t.p50),
                format_kind(super::dist::Kind::Millis, t.p99)
            ),
        );
    }
}

/// Inter-chunk consistency and the transfer/processing balance.
fn streaming_findings(a: &Analysis, f: &mut Vec<Finding>) {
    let mut add = |rule, value: f64, display: String, verdict, message: String| {
        push(f, rule, value, display, verdict, message)
    };
    if let Some((d, t)) = a.icl() {
        if t.p50 > 0.0 {
            let r = t.p99 / t.p50;
            let (v, m) = if r <= 2.0 {
                (
                    Verdict::Good,
                    "consistent inter-chunk latency (p99/p50 ≤ 2): stable streaming",
                )
            } else if r <= 5.0 {
                (
                    Verdict::Info,
                    "moderate inter-chunk jitter (p99/p50 between 2 and 5)",
                )
            } else {
                (
                    Verdict::Warn,
                    "bursty streaming: inter-chunk latency p99/p50 above 5",
                )
            };
            let m = if d == Dist::AiperfIcl {
                format!("{m} (from AIPerf's per-SSE-message inter_chunk_latency)")
            } else {
                m.to_string()
            };
            add("icl_consistency", r, format!("{r:.2}x"), v, m);
        }
    }
    if let Some(r) = a.correlation.transfer_processing_ratio {
        if a.overview.streaming == 0 {
            // A non-streaming response arrives in one piece after the
            // server has generated it all: its transfer time says nothing
            // about server versus network (issue 17 item 21).
            add(
                "transfer_processing_ratio",
                r,
                "n/a".to_string(),
                Verdict::Info,
                "not applicable to non-streaming responses (the body arrives in one piece once generation is done)".to_string(),
            );
            return;
        }
        let (v, m) = if r < 0.5 {
            (
                Verdict::Warn,
                "transfer/processing ratio below 0.5x: server-bound (slow generation)".to_string(),
            )
        } else if r > 2.0 {
            let mut m =
                "transfer/processing ratio above 2.0x: network-bound (slow connection)".to_string();
            if a.overview.streaming > 0 {
                m.push_str("; for streaming responses the transfer time includes token generation, so this ratio mostly reflects output length");
            }
            (Verdict::Warn, m)
        } else {
            (
                Verdict::Good,
                "transfer and processing balanced (0.5x to 2.0x)".to_string(),
            )
        };
        add("transfer_processing_ratio", r, format!("{r:.2}x"), v, m);
    }
}

/// Generation speed, time per token, payload per token and chunking.
fn generation_findings(a: &Analysis, f: &mut Vec<Finding>) {
    let mut add = |rule, value: f64, display: String, verdict, message: String| {
        push(f, rule, value, display, verdict, message)
    };
    if let Some(t) = a.dist(Dist::TokensPerSecond) {
        let (v, m) = if t.mean > 100.0 {
            (Verdict::Good, "fast generation (> 100 tok/s)")
        } else if t.mean < 20.0 {
            (
                Verdict::Warn,
                "slow generation (< 20 tok/s): potential bottleneck",
            )
        } else {
            (Verdict::Info, "moderate generation speed (20 to 100 tok/s)")
        };
        add(
            "tokens_per_second",
            t.mean,
            format!("{:.2} tok/s", t.mean),
            v,
            format!(
                "{m}; p50 {:.2}, p95 {:.2}, p99 {:.2} tok/s",
                t.p50, t.p95, t.p99
            ),
        );
    }
    if let Some(t) = a.dist(Dist::TimePerTokenMs) {
        let (v, m) = if t.mean < 10.0 {
            (Verdict::Good, "excellent (< 10ms per token)")
        } else if t.mean <= 50.0 {
            (Verdict::Good, "good (10-50ms per token)")
        } else if t.mean <= 100.0 {
            (Verdict::Info, "acceptable (50-100ms per token)")
        } else {
            (Verdict::Warn, "needs investigation (> 100ms per token)")
        };
        add(
            "time_per_token",
            t.mean,
            format_kind(super::dist::Kind::Millis, t.mean),
            v,
            format!("time per output token {m}"),
        );
    }
    if let Some(b) = a.correlation.overall_bytes_per_token {
        let (v, m) = if b > 20.0 {
            (
                Verdict::Warn,
                "more than 20 bytes per token: inefficient payload or metadata per chunk",
            )
        } else if (3.0..=8.0).contains(&b) {
            (
                Verdict::Good,
                "3-8 bytes per token: typical of an efficient API",
            )
        } else if b < 3.0 {
            (
                Verdict::Good,
                "under 3 bytes per token: very compact payload",
            )
        } else {
            (
                Verdict::Info,
                "8-20 bytes per token: some per-chunk overhead",
            )
        };
        add("bytes_per_token", b, format!("{b:.2}B"), v, m.into());
    }
    if let Some(t) = a.dist(Dist::TokensPerChunk) {
        // Judged on the value as displayed (two decimals), so the words
        // never contradict the figure (`1.00 – fewer than 1` did).
        let shown = (t.mean * 100.0).round() / 100.0;
        let (v, m) = if shown < 1.0 {
            (
                Verdict::Info,
                "fewer than 1 token per chunk: some chunks carry no token (role, usage or keep-alive messages)",
            )
        } else if shown == 1.0 {
            (
                Verdict::Good,
                "about 1 token per chunk: token-by-token streaming",
            )
        } else if shown > 10.0 {
            (Verdict::Info, "more than 10 tokens per chunk: coarse-grained batching (better throughput, higher latency)")
        } else {
            (Verdict::Good, "1-10 tokens per chunk")
        };
        add(
            "tokens_per_chunk",
            t.mean,
            format!("{:.2}", t.mean),
            v,
            m.into(),
        );
    }
}
