//! The metrics area: a Prometheus exposition checked for the workflow's
//! recommended families, histogram bucket sanity, naming conventions
//! (promtool's lint rules, field-survey §2.17) and label cardinality.

use serde::Serialize;
use srtlog_formats::prom::{self, Family, MetricType};

/// One family the workflow recommends, and how it is recognised by name
/// (vLLM, SGLang and generic spellings; formats.md §2.4–2.5).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Recommended {
    /// Short name (`request duration histogram`).
    pub name: &'static str,
    /// Families found for it.
    pub found: Vec<String>,
}

struct Want {
    name: &'static str,
    types: &'static [MetricType],
    /// Every group must match (one of its words).
    all: &'static [&'static [&'static str]],
}

const H: &[MetricType] = &[MetricType::Histogram];
const HS: &[MetricType] = &[MetricType::Histogram, MetricType::Summary];
const G: &[MetricType] = &[MetricType::Gauge];
const C: &[MetricType] = &[MetricType::Counter];

const WANTS: &[Want] = &[
    Want {
        name: "request duration histogram",
        types: H,
        all: &[&["request", "e2e"], &["duration", "latency", "seconds"]],
    },
    Want {
        name: "queue depth gauge",
        types: G,
        all: &[&["queue", "waiting"]],
    },
    Want {
        name: "throughput counter",
        types: C,
        all: &[&["token", "request", "success"]],
    },
    Want {
        name: "latency percentiles",
        types: HS,
        all: &[&["latency", "duration", "time_to", "seconds"]],
    },
    Want {
        name: "TTFT histogram",
        types: H,
        all: &[&["time_to_first_token", "ttft"]],
    },
    Want {
        name: "ITL histogram",
        types: H,
        all: &[&["inter_token", "time_per_output_token", "itl"]],
    },
    Want {
        name: "E2E histogram",
        types: H,
        all: &[&["e2e", "end_to_end"]],
    },
    Want {
        name: "GPU memory",
        types: G,
        all: &[&[
            "gpu_memory",
            "gpu_cache_usage",
            "kv_cache_usage",
            "token_usage",
            "memory_used",
            "cache_usage",
        ]],
    },
];

/// A histogram whose buckets do not cover its observations.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct BucketIssue {
    /// Family.
    pub family: String,
    /// `above_largest` (the tail is lost) or `below_smallest` (a duration
    /// histogram with every observation in its first bucket: nothing can be
    /// resolved).
    pub problem: &'static str,
    /// The bound: largest finite bound, or smallest bound.
    pub bound: f64,
    /// Observations beyond it, summed over series.
    pub outside: f64,
    /// All observations.
    pub count: f64,
    /// Line of the first `+Inf` bucket.
    pub line: u32,
}

/// A bucket issue in words: `family: 576 of 603 observations above le=1`.
pub fn describe(b: &BucketIssue) -> String {
    match b.problem {
        "above_largest" => format!(
            "{}: {} of {} observations above le={} (the largest bound)",
            b.family, b.outside, b.count, b.bound
        ),
        _ => format!(
            "{}: {} of {} observations at or below le={} (the smallest bound)",
            b.family, b.outside, b.count, b.bound
        ),
    }
}

/// A naming rule broken.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct NamingIssue {
    /// Family.
    pub family: String,
    /// The rule (promtool's wording where it has one).
    pub rule: String,
}

/// A family with many series, or a per-request label.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct CardinalityIssue {
    /// Family.
    pub family: String,
    /// Series.
    pub series: usize,
    /// Why it is flagged.
    pub reason: String,
}

/// Families above this many series are flagged.
pub const MAX_SERIES: usize = 500;

/// Results of the metrics area.
#[derive(Clone, Debug, Serialize, PartialEq, Default)]
pub struct MetricsAudit {
    /// Where the exposition came from.
    pub source: String,
    /// Families, samples.
    pub families: usize,
    /// Samples.
    pub samples: usize,
    /// Malformed lines.
    pub malformed: u64,
    /// The workflow's families and what covers them.
    pub recommended: Vec<Recommended>,
    /// Histograms checked.
    pub histograms_checked: usize,
    /// Histograms whose bounds do not cover the observed values.
    pub bucket_issues: Vec<BucketIssue>,
    /// Naming problems.
    pub naming_issues: Vec<NamingIssue>,
    /// Cardinality problems.
    pub cardinality_issues: Vec<CardinalityIssue>,
    /// Every family name (for dashboards and Grafana output).
    pub names: Vec<(String, String)>,
}

impl MetricsAudit {
    /// Recommended families present.
    pub fn present(&self) -> usize {
        self.recommended
            .iter()
            .filter(|r| !r.found.is_empty())
            .count()
    }

    /// The area score, 0–100: coverage 60 %, naming 20 %, buckets 20 %.
    pub fn score(&self) -> f64 {
        let cover = self.present() as f64 / self.recommended.len().max(1) as f64;
        let named_bad = {
            let mut f: Vec<&str> = self
                .naming_issues
                .iter()
                .map(|n| n.family.as_str())
                .collect();
            f.dedup();
            f.len()
        };
        let naming = 1.0 - named_bad as f64 / self.families.max(1) as f64;
        let buckets = if self.histograms_checked == 0 {
            1.0
        } else {
            1.0 - self.bucket_issues.len() as f64 / self.histograms_checked as f64
        };
        100.0 * (0.6 * cover + 0.2 * naming + 0.2 * buckets)
    }
}

/// Audits one exposition.
pub fn audit(text: &[u8], source: &str) -> MetricsAudit {
    let e = prom::parse(text);
    let mut a = MetricsAudit {
        source: source.to_string(),
        families: e.families.len(),
        samples: e.sample_count(),
        malformed: e.malformed,
        ..Default::default()
    };
    for w in WANTS {
        let found = e
            .families
            .iter()
            // `_created` series exported as gauges (0.0.4) are timestamps.
            .filter(|f| w.types.contains(&f.ty) && !f.name.ends_with("_created"))
            .filter(|f| {
                let n = f.name.to_ascii_lowercase();
                w.all.iter().all(|g| g.iter().any(|word| n.contains(word)))
            })
            .map(|f| f.name.to_string())
            .collect();
        a.recommended.push(Recommended {
            name: w.name,
            found,
        });
    }
    for f in &e.families {
        a.names
            .push((f.name.to_string(), f.ty.as_str().to_string()));
        naming(f, &mut a.naming_issues);
        if f.ty == MetricType::Histogram {
            a.bucket_issues.extend(buckets(f));
            if f.samples.iter().any(|s| s.name.ends_with("_bucket")) {
                a.histograms_checked += 1;
            }
        }
        let series = f.series_count();
        let per_request = f.samples.first().and_then(|s| {
            s.labels
                .iter()
                .map(|(n, _)| n)
                .find(|n| ["request_id", "rid", "trace_id", "user_id"].contains(n))
        });
        if let Some(label) = per_request {
            a.cardinality_issues.push(CardinalityIssue {
                family: f.name.to_string(),
                series,
                reason: format!("per-request label `{label}` (unbounded series)"),
            });
        } else if series > MAX_SERIES {
            a.cardinality_issues.push(CardinalityIssue {
                family: f.name.to_string(),
                series,
                reason: format!("more than {MAX_SERIES} series"),
            });
        }
    }
    a
}

/// promtool `check metrics` rules that a name alone can break.
fn naming(f: &Family<'_>, out: &mut Vec<NamingIssue>) {
    let n = f.name;
    let mut push = |rule: &str| {
        out.push(NamingIssue {
            family: n.to_string(),
            rule: rule.to_string(),
        })
    };
    let valid = n.bytes().enumerate().all(|(i, c)| {
        c.is_ascii_alphabetic() || c == b'_' || c == b':' || (i > 0 && c.is_ascii_digit())
    });
    if !valid {
        push("metric names must match [a-zA-Z_:][a-zA-Z0-9_:]*");
    }
    if n.bytes().any(|c| c.is_ascii_uppercase()) {
        push("metric names should be written in 'snake_case' not 'camelCase'");
    }
    let lower = n.to_ascii_lowercase();
    if f.ty == MetricType::Counter
        && !f
            .samples
            .iter()
            .all(|s| s.name.ends_with("_total") || s.name.ends_with("_created"))
    {
        push("counter metrics should have \"_total\" suffix");
    }
    if f.ty != MetricType::Counter && lower.ends_with("_total") {
        push("non-counter metrics should not have \"_total\" suffix");
    }
    for (unit, base) in [
        ("_ms", "seconds"),
        ("_milliseconds", "seconds"),
        ("_microseconds", "seconds"),
        ("_us", "seconds"),
        ("_mb", "bytes"),
        ("_megabytes", "bytes"),
        ("_gb", "bytes"),
        ("_percent", "ratio"),
    ] {
        if lower.contains(&format!("{unit}_")) || lower.ends_with(unit) {
            push(&format!(
                "use base unit \"{base}\" instead of \"{}\"",
                &unit[1..]
            ));
        }
    }
    let timed = ["duration", "latency", "_time"]
        .iter()
        .any(|w| lower.contains(w));
    if timed
        && !lower.contains("seconds")
        && !lower.contains("timestamp")
        && !lower.contains("_ms")
        && !lower.contains("_milliseconds")
    {
        push("durations should name their unit (\"_seconds\")");
    }
    if f.help_raw.is_none_or(str::is_empty) {
        push("no help text");
    }
}

/// Whether a histogram's finite bounds cover what it observed: more than
/// 1 % of observations above the largest bound means the tail (where p99
/// lives) cannot be estimated; for a duration histogram (`seconds` in the
/// name: count histograms such as `n` legitimately sit in one bucket), 99 %
/// of 10 or more observations at or below the smallest bound means no
/// quantile can be resolved.
fn buckets(f: &Family<'_>) -> Vec<BucketIssue> {
    use std::collections::HashMap;
    #[derive(Clone, Copy)]
    struct S {
        largest: f64,
        at_largest: f64,
        smallest: f64,
        at_smallest: f64,
        inf: f64,
        line: u32,
    }
    let mut per: HashMap<String, S> = HashMap::new();
    for s in &f.samples {
        if !s.name.ends_with("_bucket") {
            continue;
        }
        let Some(le) = s.labels.get("le") else {
            continue;
        };
        let bound: f64 = match le.raw() {
            "+Inf" | "Inf" => f64::INFINITY,
            x => match x.parse() {
                Ok(v) => v,
                Err(_) => continue,
            },
        };
        let e = per.entry(s.labels.key_without(&["le"])).or_insert(S {
            largest: f64::NEG_INFINITY,
            at_largest: 0.0,
            smallest: f64::INFINITY,
            at_smallest: 0.0,
            inf: 0.0,
            line: 0,
        });
        if bound.is_infinite() {
            e.inf = s.value;
            e.line = s.line;
            continue;
        }
        if bound > e.largest {
            e.largest = bound;
            e.at_largest = s.value;
        }
        if bound < e.smallest {
            e.smallest = bound;
            e.at_smallest = s.value;
        }
    }
    let (mut above, mut below, mut count) = (0.0, 0.0, 0.0);
    let (mut largest, mut smallest, mut line) = (f64::NEG_INFINITY, f64::INFINITY, 0);
    for v in per.values() {
        above += v.inf - v.at_largest;
        below += v.at_smallest;
        count += v.inf;
        largest = largest.max(v.largest);
        smallest = smallest.min(v.smallest);
        if line == 0 || (v.line != 0 && v.line < line) {
            line = v.line;
        }
    }
    let mut out = Vec::new();
    let issue = |problem, bound, outside| BucketIssue {
        family: f.name.to_string(),
        problem,
        bound,
        outside,
        count,
        line,
    };
    if count > 0.0 && largest.is_finite() && above > 0.01 * count {
        out.push(issue("above_largest", largest, above));
    } else if count >= 10.0
        && smallest.is_finite()
        && f.name.contains("seconds")
        && below >= 0.99 * count
    {
        out.push(issue("below_smallest", smallest, below));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "# HELP svc_request_duration_seconds Request duration.\n# TYPE svc_request_duration_seconds histogram\n\
svc_request_duration_seconds_bucket{le=\"1\"} 5\nsvc_request_duration_seconds_bucket{le=\"10\"} 10\nsvc_request_duration_seconds_bucket{le=\"+Inf\"} 10\n\
svc_request_duration_seconds_sum 20\nsvc_request_duration_seconds_count 10\n";

    #[test]
    fn good_histogram() {
        let a = audit(GOOD.as_bytes(), "t");
        assert_eq!(a.families, 1);
        assert!(a.naming_issues.is_empty(), "{:?}", a.naming_issues);
        assert!(a.bucket_issues.is_empty());
        assert_eq!(a.histograms_checked, 1);
        let found: Vec<&str> = a
            .recommended
            .iter()
            .filter(|r| !r.found.is_empty())
            .map(|r| r.name)
            .collect();
        assert_eq!(found, ["request duration histogram", "latency percentiles"]);
    }

    #[test]
    fn bad_names_and_buckets() {
        let t = "# TYPE requestsServed counter\nrequestsServed 3\n# HELP lat_ms x\n# TYPE lat_ms histogram\n\
lat_ms_bucket{le=\"1\"} 1\nlat_ms_bucket{le=\"+Inf\"} 10\nlat_ms_count 10\n\
# HELP q x\n# TYPE q gauge\nq{request_id=\"a\"} 1\n";
        let a = audit(t.as_bytes(), "t");
        let rules: Vec<(&str, &str)> = a
            .naming_issues
            .iter()
            .map(|n| (n.family.as_str(), n.rule.as_str()))
            .collect();
        assert!(rules.contains(&(
            "requestsServed",
            "counter metrics should have \"_total\" suffix"
        )));
        assert!(rules.contains(&(
            "requestsServed",
            "metric names should be written in 'snake_case' not 'camelCase'"
        )));
        assert!(rules.contains(&("requestsServed", "no help text")));
        assert!(rules.contains(&("lat_ms", "use base unit \"seconds\" instead of \"ms\"")));
        assert_eq!(a.bucket_issues.len(), 1);
        assert_eq!(a.bucket_issues[0].problem, "above_largest");
        assert_eq!(
            (a.bucket_issues[0].bound, a.bucket_issues[0].outside),
            (1.0, 9.0)
        );
        assert_eq!(a.cardinality_issues[0].family, "q");
        assert!(a.score() < 30.0, "{}", a.score());
    }

    #[test]
    fn durations_all_in_the_first_bucket() {
        let t = "# HELP q_seconds x\n# TYPE q_seconds histogram\nq_seconds_bucket{le=\"0.3\"} 20\nq_seconds_bucket{le=\"1\"} 20\n\
q_seconds_bucket{le=\"+Inf\"} 20\nq_seconds_count 20\n\
# HELP n x\n# TYPE n histogram\nn_bucket{le=\"1\"} 20\nn_bucket{le=\"+Inf\"} 20\nn_count 20\n";
        let a = audit(t.as_bytes(), "t");
        assert_eq!(a.histograms_checked, 2);
        assert_eq!(a.bucket_issues.len(), 1);
        let b = &a.bucket_issues[0];
        assert_eq!(
            (b.family.as_str(), b.problem, b.bound, b.outside, b.count),
            ("q_seconds", "below_smallest", 0.3, 20.0, 20.0)
        );
    }
}
