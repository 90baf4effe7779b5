//! What kind of input a file is, from its first bytes, so that a command
//! given the wrong kind can say which command reads it (issue 17 item 23)
//! and discovery can tell a benchmark client's log from a worker log (item
//! 14).
//!
//! Pure: the caller reads the head ([`SNIFF_BYTES`] is enough for every
//! kind; more only sharpens [`is_client_log`]) and passes the bytes. The
//! kinds, and the formats.md section of each:
//!
//! * a worker log (§1 SGLang, §2 vLLM): server markers or prefixed lines;
//! * a benchmark client's log: mostly lines no server prints, with
//!   benchmark figures (`ttft`, `Serving Benchmark Result`), quoting at most
//!   a few server lines;
//! * a per-request log (§4): JSON objects, one per line;
//! * an AIPerf export (§6): `profile_export.jsonl` records
//!   (`"metadata"` and `"metrics"`), the summary JSON (`"records"`) or CSV
//!   (`Metric,avg,…`), GPU telemetry lines;
//! * a Prometheus snapshot (§5): `# HELP` / `# TYPE` lines or samples;
//! * a benchmark result: `vllm bench serve` / `sglang.bench_serving` JSON
//!   (`"completed"` with `"duration"` or throughput keys) or console summary.

use memchr::memmem;

/// Bytes of a file's head that decide its kind.
pub const SNIFF_BYTES: usize = 64 << 10;

/// What a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputKind {
    /// An SGLang or vLLM server (worker) log.
    WorkerLog,
    /// A benchmark client's console log that quotes a few server lines.
    BenchmarkClientLog,
    /// Per-request JSON lines.
    RequestLog,
    /// An AIPerf export (records, summary or telemetry).
    AiperfExport,
    /// A Prometheus text exposition (one `/metrics` snapshot).
    PromSnapshot,
    /// A benchmark client's result (JSON or console summary).
    BenchmarkResult,
    /// None of these.
    Unknown,
}

impl InputKind {
    /// The kind in words, with its article (`a request log (JSON lines)`).
    pub fn describe(self) -> &'static str {
        match self {
            InputKind::WorkerLog => "an SGLang/vLLM worker log",
            InputKind::BenchmarkClientLog => "a benchmark client's log (not a server's)",
            InputKind::RequestLog => "a per-request log (JSON lines)",
            InputKind::AiperfExport => "an AIPerf export",
            InputKind::PromSnapshot => "a Prometheus metrics snapshot",
            InputKind::BenchmarkResult => {
                "a benchmark result (a console summary is read by `srtlog check RUN_DIR`)"
            }
            InputKind::Unknown => "not a format srtlog reads",
        }
    }

    /// The command that reads this kind, with `path` in place (`None` for
    /// [`InputKind::Unknown`]).
    pub fn command(self, path: &str) -> Option<String> {
        Some(match self {
            InputKind::WorkerLog => format!("srtlog parse {path}"),
            // Result files (JSON) are request sources (and `compare`
            // sources); a console summary is read by `check` beside the
            // worker logs, which `describe` says.
            InputKind::BenchmarkResult => format!("srtlog requests summary {path}"),
            InputKind::RequestLog => format!("srtlog requests summary {path}"),
            InputKind::AiperfExport => format!("srtlog aiperf {path}"),
            InputKind::PromSnapshot => format!("srtlog snapshots --show {path}"),
            InputKind::BenchmarkClientLog | InputKind::Unknown => return None,
        })
    }

    /// One sentence for a command that cannot read `path`: what it is and
    /// which command reads it.
    pub fn hint(self, path: &str) -> String {
        match (self, self.command(path)) {
            (_, Some(c)) => format!("{path} looks like {}: read it with `{c}`", self.describe()),
            (InputKind::BenchmarkClientLog, None) => format!(
                "{path} looks like {}: give srtlog the server's log of that run",
                self.describe()
            ),
            (_, None) => format!("{path} is {}", self.describe()),
        }
    }
}

/// The kind of input `head` (the first bytes of a file) is.
pub fn sniff(head: &[u8]) -> InputKind {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let t = head.trim_ascii_start();
    // `[` opens a JSON array only before `{`, `"`, `[` or `]`: an SGLang
    // line opens with `[2025-10-20 12:00:00]`, a launch echo with `[CMD]`.
    let array = t.starts_with(b"[")
        && matches!(
            t[1..].trim_ascii_start().first(),
            Some(b'{' | b'"' | b'[' | b']')
        );
    if t.starts_with(b"{") || array {
        return sniff_json(t);
    }
    if t.starts_with(b"Metric,avg,") {
        return InputKind::AiperfExport;
    }
    if memmem::find(head, b"Serving Benchmark Result").is_some() {
        return InputKind::BenchmarkResult;
    }
    if is_prometheus(t) {
        return InputKind::PromSnapshot;
    }
    if is_worker_log(head) {
        return if is_client_log(head) {
            InputKind::BenchmarkClientLog
        } else {
            InputKind::WorkerLog
        };
    }
    InputKind::Unknown
}

/// JSON documents and JSON lines, by the keys of their first object.
fn sniff_json(t: &[u8]) -> InputKind {
    let has = |k: &[u8]| memmem::find(t, k).is_some();
    let first_line = &t[..memchr::memchr(b'\n', t).unwrap_or(t.len())];
    let in_first = |k: &[u8]| memmem::find(first_line, k).is_some();
    if (in_first(b"\"metadata\"") && in_first(b"\"metrics\""))
        || (in_first(b"\"timestamp_ns\"") && in_first(b"\"telemetry_data\""))
    {
        return InputKind::AiperfExport;
    }
    // A pretty-printed document: its first line is `{` alone.
    let document = first_line.trim_ascii() == b"{" || first_line.trim_ascii() == b"[";
    if document && (has(b"\"records\"") || has(b"\"input_config\"")) {
        return InputKind::AiperfExport;
    }
    let bench = in_first(b"\"completed\"") || (document && has(b"\"completed\""));
    if bench
        && (has(b"\"duration\"")
            || has(b"\"request_throughput\"")
            || has(b"\"total_output_tokens\""))
    {
        return InputKind::BenchmarkResult;
    }
    if document {
        return InputKind::Unknown;
    }
    InputKind::RequestLog
}

/// `# HELP` / `# TYPE` lines, or a first line shaped `name{…} value` /
/// `name value` (formats.md §5).
fn is_prometheus(t: &[u8]) -> bool {
    if t.starts_with(b"# HELP ") || t.starts_with(b"# TYPE ") || t.starts_with(b"# EOF") {
        return true;
    }
    let line = &t[..memchr::memchr(b'\n', t).unwrap_or(t.len())];
    let name_len = line
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b':'))
        .count();
    if name_len == 0 || line[0].is_ascii_digit() {
        return false;
    }
    let rest = &line[name_len..];
    let rest = match rest.first() {
        Some(b'{') => match memchr::memchr(b'}', rest) {
            Some(i) => &rest[i + 1..],
            None => return false,
        },
        _ => rest,
    };
    let mut parts = rest.split(|&b| b == b' ').filter(|p| !p.is_empty());
    let value = parts.next();
    rest.first() == Some(&b' ')
        && value.is_some_and(|v| {
            std::str::from_utf8(v).is_ok_and(|s| s.parse::<f64>().is_ok() || s == "NaN")
        })
        && parts.count() <= 1
}

/// Lines a server prints: SGLang or vLLM prefixes or markers.
fn is_worker_log(head: &[u8]) -> bool {
    if crate::vllm::has_vllm_marker(head).is_some()
        || [
            &b"Prefill batch"[..],
            b"Decode batch",
            b"ServerArgs(",
            b"sglang.launch_server",
        ]
        .iter()
        .any(|m| memmem::find(head, m).is_some())
    {
        return true;
    }
    head.split(|&b| b == b'\n').take(2000).any(is_server_line)
}

fn is_server_line(line: &[u8]) -> bool {
    crate::vllm::split_prefix(line).is_some() || crate::sglang::split_prefix(line).is_some()
}

/// Figures only a benchmark client prints.
const CLIENT_MARKERS: [&[u8]; 5] = [
    b"ttft=",
    b"TTFT",
    b"Serving Benchmark Result",
    b"Successful requests:",
    b"tok/s",
];

/// Markers of the records a server logs under load.
const SERVER_RECORDS: [&[u8]; 3] = [b"Prefill batch", b"Decode batch", b"Avg prompt throughput"];

/// Is this a benchmark client's console log that quotes a server line or
/// two (issue 17 item 14: a script's log ending with the last
/// `SpecDecoding metrics:` line of the server)?
///
/// All three must hold, so that a failed server start (mostly traceback
/// lines, no figures) stays a worker log: fewer than one line in five is a
/// server line, no server batch or statistics record is among them, and
/// the file prints benchmark figures.
pub fn is_client_log(head: &[u8]) -> bool {
    if SERVER_RECORDS
        .iter()
        .any(|m| memmem::find(head, m).is_some())
        || !CLIENT_MARKERS
            .iter()
            .any(|m| memmem::find(head, m).is_some())
    {
        return false;
    }
    let (mut lines, mut server) = (0usize, 0usize);
    for l in head.split(|&b| b == b'\n').take(20_000) {
        if l.trim_ascii().is_empty() {
            continue;
        }
        lines += 1;
        server += usize::from(is_server_line(l));
    }
    lines >= 5 && server * 5 < lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        let req = b"{\"timestamp\": \"2025-01-01T00:00:00Z\", \"request_id\": \"r1\", \"latency_ms\": 12.5}\n";
        assert_eq!(sniff(req), InputKind::RequestLog);
        let ai = b"{\"metadata\":{\"x_request_id\":\"a\"},\"metrics\":{}}\n";
        assert_eq!(sniff(ai), InputKind::AiperfExport);
        assert_eq!(
            sniff(b"{\n  \"records\": {\n    \"ttft\": {}\n  }\n}\n"),
            InputKind::AiperfExport
        );
        assert_eq!(
            sniff(b"Metric,avg,min,max\nTTFT,1,2,3\n"),
            InputKind::AiperfExport
        );
        assert_eq!(
            sniff(b"# HELP x_total X.\n# TYPE x_total counter\nx_total 3\n"),
            InputKind::PromSnapshot
        );
        assert_eq!(
            sniff(b"vllm:num_requests_running{model_name=\"m\"} 0.0\n"),
            InputKind::PromSnapshot
        );
        assert_eq!(
            sniff(b"{\n  \"backend\": \"vllm\",\n  \"completed\": 8,\n  \"duration\": 1.5\n}\n"),
            InputKind::BenchmarkResult
        );
        assert_eq!(
            sniff(b"[2025-10-20 12:02:57 TP0] Prefill batch. #new-seq: 1, #new-token: 4\n"),
            InputKind::WorkerLog
        );
        assert_eq!(sniff(b"hello world\n"), InputKind::Unknown);
        // `[` of a log prefix is no JSON array.
        assert_eq!(
            sniff(b"[CMD] python3 -m sglang.bench_serving --backend sglang-oai\n"),
            InputKind::Unknown
        );
        assert_eq!(
            sniff(b"[2025-10-20 12:01:06] server_args=ServerArgs(model_path='/m', tp_size=4)\n"),
            InputKind::WorkerLog
        );
        assert_eq!(sniff(b""), InputKind::Unknown);
    }

    #[test]
    fn client_log_quoting_one_server_line() {
        let mut b = Vec::new();
        for i in 0..12 {
            b.extend_from_slice(
                format!("prosa_decode c={i}  ttft=0.333s  decode=19.096 tok/s\n").as_bytes(),
            );
        }
        b.extend_from_slice(b"(APIServer pid=554845) INFO 08-21 11:10:59 [metrics.py:120] SpecDecoding metrics: Mean acceptance length: 4.00\n");
        assert!(is_client_log(&b));
        assert_eq!(sniff(&b), InputKind::BenchmarkClientLog);
        // A failed server start: tracebacks, no figures: still a worker log.
        let mut f =
            b"INFO 08-21 11:10:59 [api_server.py:1] vLLM API server version 0.25.1\n".to_vec();
        for _ in 0..20 {
            f.extend_from_slice(b"  File \"x.py\", line 3, in <module>\n");
        }
        assert!(!is_client_log(&f));
        assert_eq!(sniff(&f), InputKind::WorkerLog);
    }

    #[test]
    fn hints_name_the_command() {
        assert_eq!(
            InputKind::RequestLog.hint("req.jsonl"),
            "req.jsonl looks like a per-request log (JSON lines): read it with `srtlog requests summary req.jsonl`"
        );
        assert_eq!(
            InputKind::PromSnapshot.command("m.txt").as_deref(),
            Some("srtlog snapshots --show m.txt")
        );
    }
}
