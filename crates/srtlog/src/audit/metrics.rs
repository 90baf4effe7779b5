//! The metrics area: a Prometheus exposition checked for the seed's
//! recommended families, histogram bucket sanity, naming conventions
//! (promtool's lint rules, field-survey §2.17) and label cardinality.

use serde::Serialize;
use srtlog_formats::prom::{self, Family, MetricType};

/// One family the seed recommends, and how it is recognised by name
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
    /// Largest finite bound.
    pub largest_bound: f64,
    /// Observations above it (`+Inf` − largest bucket), summed over series.
    pub above: f64,
    /// All observations.
    pub count: f64,
    /// Line of the first `+Inf` bucket.
    pub line: u32,
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
    /// The seed's families and what covers them.
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
            if let Some(issue) = buckets(f) {
                a.bucket_issues.push(issue);
            }
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
/// 1 % of observations above the largest bound means the tail (where
/// p99 lives) cannot be estimated.
fn buckets(f: &Family<'_>) -> Option<BucketIssue> {
    use std::collections::HashMap;
    // Per series: (largest finite bound, its count, +Inf count, +Inf line).
    let mut per: HashMap<String, (f64, f64, f64, u32)> = HashMap::new();
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
        let e =
            per.entry(s.labels.key_without(&["le"]))
                .or_insert((f64::NEG_INFINITY, 0.0, 0.0, 0));
        if bound.is_infinite() {
            e.2 = s.value;
            e.3 = s.line;
        } else if bound > e.0 {
            e.0 = bound;
            e.1 = s.value;
        }
    }
    let (mut above, mut count, mut largest, mut line) = (0.0, 0.0, f64::NEG_INFINITY, 0);
    for (b, c, inf, l) in per.values() {
        above += inf - c;
        count += inf;
        largest = largest.max(*b);
        if line == 0 || *l < line {
            line = *l;
        }
    }
    (count > 0.0 && above > 0.01 * count).then(|| BucketIssue {
        family: f.name.to_string(),
        largest_bound: largest,
        above,
        count,
        line,
    })
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
        assert_eq!(
            (a.bucket_issues[0].largest_bound, a.bucket_issues[0].above),
            (1.0, 9.0)
        );
        assert_eq!(a.cardinality_issues[0].family, "q");
        assert!(a.score() < 30.0, "{}", a.score());
    }
}
