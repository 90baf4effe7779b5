//! Unit tests of the Prometheus/OpenMetrics parser: the examples of both
//! specifications, escapes, every diagnostic, and a deterministic mutation
//! test (no panic on any byte edit of a real-looking exposition).

// Tests may panic on unexpected input: that is how they fail.
#![allow(clippy::unwrap_used)]

use super::*;

/// The Prometheus documentation's example ("Text format example").
const PROM_EXAMPLE: &str = r#"# HELP http_requests_total The total number of HTTP requests.
# TYPE http_requests_total counter
http_requests_total{method="post",code="200"} 1027 1395066363000
http_requests_total{method="post",code="400"}    3 1395066363000

# Escaping in label values:
msdos_file_access_time_seconds{path="C:\\DIR\\FILE.TXT",error="Cannot find file:\n\"FILE.TXT\""} 1.458255915e9

# Minimalistic line:
metric_without_timestamp_and_labels 12.47

# A weird metric from before the epoch:
something_weird{problem="division by zero"} +Inf -3982045

# A histogram, which has a pretty complex representation in the text format:
# HELP http_request_duration_seconds A histogram of the request duration.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.05"} 24054
http_request_duration_seconds_bucket{le="0.1"} 33444
http_request_duration_seconds_bucket{le="0.2"} 100392
http_request_duration_seconds_bucket{le="0.5"} 129389
http_request_duration_seconds_bucket{le="1"} 133988
http_request_duration_seconds_bucket{le="+Inf"} 144320
http_request_duration_seconds_sum 53423
http_request_duration_seconds_count 144320

# Finally a summary, which has a complex representation, too:
# HELP rpc_duration_seconds A summary of the RPC duration in seconds.
# TYPE rpc_duration_seconds summary
rpc_duration_seconds{quantile="0.01"} 3102
rpc_duration_seconds{quantile="0.05"} 3272
rpc_duration_seconds{quantile="0.5"} 4773
rpc_duration_seconds{quantile="0.9"} 9001
rpc_duration_seconds{quantile="0.99"} 76656
rpc_duration_seconds_sum 1.7560473e+07
rpc_duration_seconds_count 2693
"#;

#[test]
fn prometheus_documentation_example() {
    let e = parse(PROM_EXAMPLE.as_bytes());
    assert_eq!(e.malformed, 0, "{:?}", e.diagnostics);
    let names: Vec<_> = e.families.iter().map(|f| (f.name, f.ty)).collect();
    assert_eq!(
        names,
        [
            ("http_requests_total", MetricType::Counter),
            ("msdos_file_access_time_seconds", MetricType::Untyped),
            ("metric_without_timestamp_and_labels", MetricType::Untyped),
            ("something_weird", MetricType::Untyped),
            ("http_request_duration_seconds", MetricType::Histogram),
            ("rpc_duration_seconds", MetricType::Summary),
        ]
    );
    let c = &e.families[0];
    assert_eq!(c.help().unwrap(), "The total number of HTTP requests.");
    assert_eq!(c.samples[1].value, 3.0);
    assert_eq!(c.samples[1].timestamp, Some(1395066363000.0));
    assert_eq!(c.samples[1].labels.get("code").unwrap().raw(), "400");
    assert_eq!(c.series_count(), 2);
    let m = &e.families[1].samples[0];
    assert_eq!(m.labels.get("path").unwrap().unescape(), r"C:\DIR\FILE.TXT");
    assert_eq!(
        m.labels.get("error").unwrap().unescape(),
        "Cannot find file:\n\"FILE.TXT\""
    );
    assert_eq!(m.value, 1.458255915e9);
    let w = &e.families[3].samples[0];
    assert_eq!(w.value, f64::INFINITY);
    assert_eq!(w.timestamp, Some(-3982045.0));
    let h = &e.families[4];
    assert_eq!(h.samples.len(), 8);
    assert_eq!(h.series_count(), 1);
    assert_eq!(h.samples[5].suffix(h.name), "_bucket");
    assert_eq!(h.samples[5].labels.get("le").unwrap().raw(), "+Inf");
    assert_eq!(h.samples[7].suffix(h.name), "_count");
    let s = &e.families[5];
    assert_eq!(s.samples[5].value, 1.7560473e7);
    assert_eq!(e.sample_count(), 2 + 1 + 1 + 1 + 8 + 7);
}

#[test]
fn openmetrics_forms() {
    let text = "# TYPE foo counter\n# UNIT foo seconds\n# HELP foo A \\\\ b\\nc\nfoo_total{a=\"1\"} 17.0 1520879607.789 # {trace_id=\"KOO5S4vxi0o\"} 0.67\nfoo_created{a=\"1\"} 1520430000.123\n# TYPE bar info\nbar_info{version=\"1.0\"} 1\n# TYPE g gaugehistogram\ng_bucket{le=\"+Inf\"} 3\ng_gcount 3\ng_gsum 2\n# EOF\n";
    let e = parse(text.as_bytes());
    assert_eq!(e.malformed, 0, "{:?}", e.diagnostics);
    assert!(e.eof);
    let f = &e.families[0];
    assert_eq!(
        (f.name, f.ty, f.unit),
        ("foo", MetricType::Counter, Some("seconds"))
    );
    assert_eq!(f.help().unwrap(), "A \\ b\nc");
    assert_eq!(f.samples.len(), 2);
    assert_eq!(f.samples[0].timestamp, Some(1520879607.789));
    assert_eq!(f.samples[1].suffix("foo"), "_created");
    assert_eq!(e.families[1].ty, MetricType::Info);
    assert_eq!(e.families[2].samples.len(), 3);
    // Content after # EOF is reported.
    let e = parse(b"# EOF\nx 1\n");
    assert_eq!(
        e.diagnostics[0],
        Diagnostic {
            line: 2,
            kind: DiagnosticKind::AfterEof
        }
    );
}

#[test]
fn prometheus_client_created_gauges_and_colons() {
    let text = "# HELP vllm:prompt_tokens_total Number of prefill tokens processed.\n# TYPE vllm:prompt_tokens_total counter\nvllm:prompt_tokens_total{engine=\"0\",model_name=\"m\"} 339968.0\n# HELP vllm:prompt_tokens_created Number of prefill tokens processed.\n# TYPE vllm:prompt_tokens_created gauge\nvllm:prompt_tokens_created{engine=\"0\",model_name=\"m\"} 1.7869290186210754e+09\n";
    let e = parse(text.as_bytes());
    assert_eq!(e.families.len(), 2);
    assert_eq!(e.families[0].samples[0].value, 339968.0);
    assert_eq!(e.families[1].ty, MetricType::Gauge);
    assert_eq!(e.families[1].series_count(), 1);
    assert_eq!(e.families[1].samples[0].value, 1.7869290186210754e9);
    assert_eq!(e.lines, 6);
}

#[test]
fn escaped_colons_of_prometheus_client_openmetrics() {
    let e = parse(b"# TYPE vllm:x histogram\nvllm_x_bucket{le=\"+Inf\"} 1.0\nvllm_x_count 1.0\nvllm_x_sum 2.0\n# EOF\n");
    assert_eq!(e.families.len(), 1);
    assert_eq!(e.families[0].samples.len(), 3);
    assert_eq!(e.families[0].ty, MetricType::Histogram);
}

#[test]
fn tricky_labels() {
    let e = parse(
        br#"a{x="}",y="=,{",z="\"q\"",} 1
b { x = "1" , y="2" } 2
{"my.metric", "a.b"="c"} 3
c{} 4
d NaN
e -Inf 5
"#,
    );
    assert_eq!(e.malformed, 0, "{:?}", e.diagnostics);
    let s: Vec<_> = e.samples().map(|(_, s)| s).collect();
    let l: Vec<_> = s[0].labels.iter().map(|(n, v)| (n, v.raw())).collect();
    assert_eq!(l, [("x", "}"), ("y", "=,{"), ("z", r#"\"q\""#)]);
    assert_eq!(s[1].labels.get("y").unwrap().raw(), "2");
    assert_eq!(s[2].name, "my.metric");
    let l: Vec<_> = s[2].labels.iter().map(|(n, v)| (n, v.raw())).collect();
    assert_eq!(l, [("a.b", "c")]);
    assert!(s[3].labels.is_empty());
    assert!(s[4].value.is_nan());
    assert_eq!(s[5].value, f64::NEG_INFINITY);
    assert_eq!(s[5].timestamp, Some(5.0));
    // Order does not change the key.
    assert_eq!(
        Labels::from_raw(r#"b="2",a="1""#).key_without(&[]),
        Labels::from_raw(r#"a="1", b="2""#).key_without(&[])
    );
    assert_eq!(
        Labels::from_raw(r#"le="1",a="1""#).key_without(&["le"]),
        r#"a="1""#
    );
}

#[test]
fn malformed_lines_are_counted_and_the_rest_kept() {
    let text = b"ok 1\n9bad 1\nx{a=\"1\" 2\nx{a=1} 2\ny\ny abc\ny 1 abc\ny 1 2 3\n# TYPE z nonsense\n# TYPE\nok2 2\n\xff\xfe 1\nok3 3\r\n";
    let e = parse(text);
    let kinds: Vec<_> = e.diagnostics.iter().map(|d| (d.line, d.kind)).collect();
    use DiagnosticKind::*;
    assert_eq!(
        kinds,
        [
            (2, BadName),
            (3, BadLabels),
            (4, BadLabels),
            (5, MissingValue),
            (6, BadValue),
            (7, BadTimestamp),
            (8, TrailingText),
            (9, BadType),
            (12, InvalidUtf8),
        ]
    );
    assert_eq!(e.malformed, 9);
    let names: Vec<_> = e.samples().map(|(_, s)| (s.name, s.value)).collect();
    assert_eq!(names, [("ok", 1.0), ("ok2", 2.0), ("ok3", 3.0)]);
    assert_eq!(e.lines, 13);
}

#[test]
fn duplicate_family_and_interleaved_samples() {
    let e = parse(b"# TYPE a counter\na 1\n# TYPE b gauge\nb 2\n# TYPE a counter\na 3\n");
    assert_eq!(e.families.len(), 3);
    assert_eq!(e.diagnostics[0].kind, DiagnosticKind::DuplicateFamily);
    assert_eq!(e.diagnostics[0].line, 5);
}

/// Deterministic mutations of a realistic exposition: truncations, byte
/// flips and insertions of every special byte at every position. Nothing
/// may panic, and every line is either kept or reported.
#[test]
fn mutations_never_panic() {
    let base = PROM_EXAMPLE.as_bytes();
    let specials = b"{}\"\\=, \t\n#\xff+-.eE0";
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for cut in 0..base.len() {
        let e = parse(&base[..cut]);
        std::hint::black_box(e.sample_count());
    }
    for _ in 0..20_000 {
        let mut v = base.to_vec();
        for _ in 0..1 + next() % 4 {
            let pos = (next() as usize) % v.len();
            let b = specials[(next() as usize) % specials.len()];
            match next() % 3 {
                0 => v[pos] = b,
                1 => v.insert(pos, b),
                _ => {
                    v.remove(pos);
                }
            }
        }
        let e = parse(&v);
        for (_, s) in e.samples() {
            for (n, val) in s.labels.iter() {
                std::hint::black_box((n, val.unescape()));
            }
        }
        let content = v
            .split(|&b| b == b'\n')
            .filter(|l| {
                let t = l.strip_suffix(b"\r").unwrap_or(l);
                !t.is_empty() && t[0] != b'#' && !t.iter().all(|c| *c == b' ' || *c == b'\t')
            })
            .count();
        assert!(
            e.sample_count() + e.malformed as usize >= content,
            "a line vanished"
        );
    }
}
