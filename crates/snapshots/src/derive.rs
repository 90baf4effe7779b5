//! Per-request timings from the deltas of one before/after pair, through a
//! registry of metric names of every vLLM and SGLang generation
//! (formats.md §2.4–2.5).
//!
//! Sources, tried in order for each quantity:
//! * a per-request histogram (`_sum` delta; `_count` should move by exactly
//!   one — more means other requests finished inside the window);
//! * a counter delta (token counts);
//! * a per-token histogram mean (`Δ_sum / Δ_count`, inter-token latency).
//!
//! When a histogram has no `_sum` or its sum did not move while its buckets
//! did, the value is estimated from the buckets ([`super::delta::bucket_total`])
//! and marked as an estimate. vLLM V0 has no prefill/decode histograms:
//! decode time is then `e2e − TTFT` and prefill time `TTFT − queue time`
//! when those exist, also marked as estimates.

use super::delta::{bucket_total, Deltas};

/// Where a quantity comes from.
#[derive(Clone, Copy, Debug)]
pub enum Source {
    /// `_sum` delta of a per-request histogram (base name).
    RequestHistogram(&'static str),
    /// Delta of a counter sample (full sample name).
    Counter(&'static str),
    /// `Δ_sum/Δ_count` of a per-token histogram (base name).
    TokenHistogram(&'static str),
}

/// One derived quantity.
#[derive(Clone, Copy, Debug)]
pub struct Quantity {
    /// Field name in JSON/CSV.
    pub key: &'static str,
    /// Label in the text output (the workflow's wording).
    pub label: &'static str,
    /// Seconds (printed with `s`) or a count.
    pub seconds: bool,
    /// Sources in order of preference.
    pub sources: &'static [Source],
    /// Totals over requests mean something (times, tokens); not for
    /// per-token means.
    pub additive: bool,
}

use Source::{Counter, RequestHistogram, TokenHistogram};

/// The registry: vLLM V0 (`vllm/engine/metrics.py`), V1 0.10 and 0.25
/// (`vllm/v1/metrics/loggers.py`), SGLang (`srt/metrics/collector.py`).
pub const QUANTITIES: &[Quantity] = &[
    Quantity {
        key: "prefill_time_s",
        label: "Prefill Time",
        seconds: true,
        sources: &[RequestHistogram("vllm:request_prefill_time_seconds")],
        additive: true,
    },
    Quantity {
        key: "decode_time_s",
        label: "Decode Time",
        seconds: true,
        sources: &[RequestHistogram("vllm:request_decode_time_seconds")],
        additive: true,
    },
    Quantity {
        key: "ttft_s",
        label: "Time to First Token (TTFT)",
        seconds: true,
        sources: &[
            RequestHistogram("vllm:time_to_first_token_seconds"),
            RequestHistogram("sglang:time_to_first_token_seconds"),
        ],
        additive: true,
    },
    Quantity {
        key: "queue_time_s",
        label: "Queue Time",
        seconds: true,
        sources: &[
            RequestHistogram("vllm:request_queue_time_seconds"),
            RequestHistogram("sglang:queue_time_seconds"),
        ],
        additive: true,
    },
    Quantity {
        key: "inference_time_s",
        label: "Inference Time",
        seconds: true,
        sources: &[RequestHistogram("vllm:request_inference_time_seconds")],
        additive: true,
    },
    Quantity {
        key: "e2e_latency_s",
        label: "End-to-End Latency",
        seconds: true,
        sources: &[
            RequestHistogram("vllm:e2e_request_latency_seconds"),
            RequestHistogram("sglang:e2e_request_latency_seconds"),
        ],
        additive: true,
    },
    Quantity {
        key: "prompt_tokens",
        label: "Prompt Tokens",
        seconds: false,
        sources: &[
            Counter("vllm:prompt_tokens_total"),
            Counter("sglang:prompt_tokens_total"),
            RequestHistogram("vllm:request_prompt_tokens"),
        ],
        additive: true,
    },
    Quantity {
        key: "generation_tokens",
        label: "Generation Tokens",
        seconds: false,
        sources: &[
            Counter("vllm:generation_tokens_total"),
            Counter("sglang:generation_tokens_total"),
            RequestHistogram("vllm:request_generation_tokens"),
        ],
        additive: true,
    },
    Quantity {
        key: "itl_s",
        label: "Inter-Token Latency (mean)",
        seconds: true,
        sources: &[
            TokenHistogram("vllm:inter_token_latency_seconds"),
            TokenHistogram("vllm:time_per_output_token_seconds"),
            TokenHistogram("sglang:inter_token_latency_seconds"),
            TokenHistogram("sglang:time_per_output_token_seconds"),
        ],
        additive: false,
    },
    Quantity {
        key: "tpot_s",
        label: "Time per Output Token",
        seconds: true,
        sources: &[RequestHistogram(
            "vllm:request_time_per_output_token_seconds",
        )],
        additive: false,
    },
];

/// Index of a quantity in [`QUANTITIES`].
pub fn index_of(key: &str) -> Option<usize> {
    QUANTITIES.iter().position(|q| q.key == key)
}

/// The derived values of one pair.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Derived {
    /// One value per [`QUANTITIES`] entry (None: no source moved or exists).
    pub values: Vec<Option<f64>>,
    /// Keys of the values that are estimates.
    pub estimated: Vec<&'static str>,
    /// Per-request histograms whose `_count` moved by more than one:
    /// `(base name, count delta)`.
    pub multi_count: Vec<(&'static str, f64)>,
}

impl Derived {
    /// The value of quantity `key`.
    pub fn get(&self, key: &str) -> Option<f64> {
        index_of(key).and_then(|i| self.values.get(i).copied().flatten())
    }
}

/// Derives every quantity from a pair's deltas.
pub fn derive(d: &Deltas) -> Derived {
    let mut out = Derived {
        values: Vec::with_capacity(QUANTITIES.len()),
        ..Derived::default()
    };
    for q in QUANTITIES {
        let mut v = None;
        for s in q.sources {
            v = match *s {
                Counter(name) => d.total(name),
                RequestHistogram(base) => request_histogram(d, base, q.key, &mut out),
                TokenHistogram(base) => {
                    let sum = d.total(&format!("{base}_sum"));
                    let count = d.total(&format!("{base}_count"));
                    match (sum, count) {
                        (Some(s), Some(c)) if c > 0.0 => Some(s / c),
                        _ => None,
                    }
                }
            };
            if v.is_some() {
                break;
            }
        }
        out.values.push(v);
    }
    // vLLM V0 fallbacks (see the module doc).
    let get = |o: &Derived, k: &str| o.get(k);
    if get(&out, "decode_time_s").is_none() {
        if let (Some(e2e), Some(ttft)) = (get(&out, "e2e_latency_s"), get(&out, "ttft_s")) {
            set(&mut out, "decode_time_s", (e2e - ttft).max(0.0));
        }
    }
    if get(&out, "prefill_time_s").is_none() {
        if let (Some(ttft), Some(queue)) = (get(&out, "ttft_s"), get(&out, "queue_time_s")) {
            set(&mut out, "prefill_time_s", (ttft - queue).max(0.0));
        }
    }
    out
}

fn set(out: &mut Derived, key: &'static str, v: f64) {
    if let Some(i) = index_of(key) {
        out.values[i] = Some(v);
        out.estimated.push(key);
    }
}

fn request_histogram(
    d: &Deltas,
    base: &'static str,
    key: &'static str,
    out: &mut Derived,
) -> Option<f64> {
    let count = d.total(&format!("{base}_count"));
    let sum = d.total(&format!("{base}_sum"));
    let buckets = d.buckets(base);
    if count.is_none() && sum.is_none() && buckets.is_empty() {
        return None;
    }
    let (est, observed) = bucket_total(&buckets);
    let n = count.unwrap_or(observed);
    if n <= 0.0 {
        // The histogram exists but no request finished inside the window.
        return None;
    }
    if n > 1.0 && !out.multi_count.iter().any(|(b, _)| *b == base) {
        out.multi_count.push((base, n));
    }
    match sum {
        Some(s) if s != 0.0 || buckets.is_empty() => Some(s),
        _ if !buckets.is_empty() && observed > 0.0 => {
            out.estimated.push(key);
            Some(est)
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::snapshot::Snapshot;
    use std::path::Path;

    fn deltas(b: &str, a: &str) -> Deltas {
        Deltas::between(
            &Snapshot::from_bytes(Path::new("b"), b.as_bytes()),
            &Snapshot::from_bytes(Path::new("a"), a.as_bytes()),
        )
    }

    #[test]
    fn vllm_v1_single_request() {
        let h = |name: &str, sum: f64, count: f64| {
            format!("# TYPE {name} histogram\n{name}_bucket{{le=\"+Inf\",model_name=\"m\"}} {count}\n{name}_sum{{model_name=\"m\"}} {sum}\n{name}_count{{model_name=\"m\"}} {count}\n")
        };
        let mk = |k: f64| {
            [
                h("vllm:request_prefill_time_seconds", 10.0 + 2.345 * k, 5.0 + k),
                h("vllm:request_decode_time_seconds", 20.0 + 18.234 * k, 5.0 + k),
                h("vllm:time_to_first_token_seconds", 30.0 + 2.45 * k, 5.0 + k),
                h("vllm:inter_token_latency_seconds", 1.0 + 2.0 * k, 100.0 + 99.0 * k),
                format!("# TYPE vllm:prompt_tokens_total counter\nvllm:prompt_tokens_total{{model_name=\"m\"}} {}\n", 100.0 + 17.0 * k),
            ]
            .concat()
        };
        let d = derive(&deltas(&mk(0.0), &mk(1.0)));
        assert!((d.get("prefill_time_s").unwrap() - 2.345).abs() < 1e-9);
        assert!((d.get("decode_time_s").unwrap() - 18.234).abs() < 1e-9);
        assert!((d.get("ttft_s").unwrap() - 2.45).abs() < 1e-9);
        assert!((d.get("itl_s").unwrap() - 2.0 / 99.0).abs() < 1e-12);
        assert_eq!(d.get("prompt_tokens"), Some(17.0));
        assert_eq!(d.get("e2e_latency_s"), None);
        assert!(d.estimated.is_empty() && d.multi_count.is_empty());
        // Two requests inside one window.
        let d = derive(&deltas(&mk(0.0), &mk(2.0)));
        assert_eq!(d.multi_count.len(), 3);
    }

    #[test]
    fn sglang_v0_fallback_and_bucket_estimate() {
        let b = "# TYPE sglang:e2e_request_latency_seconds histogram\nsglang:e2e_request_latency_seconds_bucket{le=\"1.0\"} 0\nsglang:e2e_request_latency_seconds_bucket{le=\"2.0\"} 0\nsglang:e2e_request_latency_seconds_bucket{le=\"+Inf\"} 0\n# TYPE sglang:time_to_first_token_seconds histogram\nsglang:time_to_first_token_seconds_sum 0\nsglang:time_to_first_token_seconds_count 0\n";
        let a = "# TYPE sglang:e2e_request_latency_seconds histogram\nsglang:e2e_request_latency_seconds_bucket{le=\"1.0\"} 0\nsglang:e2e_request_latency_seconds_bucket{le=\"2.0\"} 1\nsglang:e2e_request_latency_seconds_bucket{le=\"+Inf\"} 1\n# TYPE sglang:time_to_first_token_seconds histogram\nsglang:time_to_first_token_seconds_sum 0.25\nsglang:time_to_first_token_seconds_count 1\n";
        let d = derive(&deltas(b, a));
        assert_eq!(d.get("e2e_latency_s"), Some(1.5));
        assert_eq!(d.get("ttft_s"), Some(0.25));
        assert_eq!(d.get("decode_time_s"), Some(1.25));
        assert_eq!(d.estimated, ["e2e_latency_s", "decode_time_s"]);
    }
}
