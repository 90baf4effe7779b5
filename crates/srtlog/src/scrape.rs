//! `srtlog scrape`: the collector that replaces the seed's background
//! `curl`. One snapshot named like the seed's
//! (`{request_id}_{before|after}_{YYYYMMDD_HHMMSS_micro}.txt`) or periodic
//! ones (`{prefix}_{YYYYMMDD_HHMMSS_micro}.txt`), with:
//!
//! * a plain HTTP/1.1 GET over `std::net::TcpStream` (a metrics endpoint is
//!   `http://host:port/metrics`; no TLS, no dependency), with connect, read
//!   and overall timeouts so a busy server never blocks the caller;
//! * no retries: a failed scrape is reported and the next tick tries again,
//!   so a down server never sees a storm of requests;
//! * atomic writes: the body goes to a hidden temporary file in the same
//!   folder, is synced, then renamed, so a snapshot is complete or absent;
//! * drift-free periodic scheduling: tick `k` is due at `start + k·every`;
//!   a scrape that overruns skips the ticks it missed instead of bursting;
//! * `--keep`: snapshots older than the given age are removed (the seed's
//!   "Cleaning Up Old Snapshots" `find -mtime +7 -delete`).
//!
//! Times in file names are UTC (the seed used local time; only differences
//! matter to `srtlog snapshots`).

use crate::snapshots::naming::{format_time, parse_name, time_in_name, Stage};
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

/// Largest body accepted (a vLLM exposition is ~50 kB; a big SGLang one a
/// few MB).
pub const MAX_BODY: usize = 256 << 20;

/// Errors of one scrape.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScrapeError {
    /// The URL is not `http://host[:port][/path]`.
    #[error("{url}: {why}")]
    BadUrl {
        /// The URL.
        url: String,
        /// What is wrong.
        why: &'static str,
    },
    /// Nothing answers at the address.
    #[error("cannot connect to {addr}: {source} (is the server running, with its metrics endpoint enabled?)")]
    Connect {
        /// host:port.
        addr: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The endpoint did not answer in time.
    #[error("{addr}: no complete answer within {timeout:?} (server busy?)")]
    Timeout {
        /// host:port.
        addr: String,
        /// The timeout.
        timeout: Duration,
    },
    /// The answer is not a 200 response.
    #[error("{addr}: HTTP {status} {reason}")]
    Status {
        /// host:port.
        addr: String,
        /// Status code.
        status: u16,
        /// Reason phrase.
        reason: String,
    },
    /// The answer is not valid HTTP/1.x.
    #[error("{addr}: malformed HTTP response ({why})")]
    Protocol {
        /// host:port.
        addr: String,
        /// What is wrong.
        why: &'static str,
    },
    /// Reading, writing or renaming a file, or a socket error.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// A parsed `http://` URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// Host (name or address, IPv6 without brackets).
    pub host: String,
    /// Port (80 by default).
    pub port: u16,
    /// Path and query (`/metrics` by default).
    pub path: String,
}

impl Target {
    /// Parses `http://host[:port][/path]`; a bare `host:port` is accepted.
    pub fn parse(url: &str) -> Result<Target, ScrapeError> {
        let bad = |why| ScrapeError::BadUrl {
            url: url.to_string(),
            why,
        };
        let rest = if let Some(r) = url.strip_prefix("http://") {
            r
        } else if url.starts_with("https://") {
            return Err(bad("https is not supported (scrape the plain-HTTP metrics port, or put a local proxy in front)"));
        } else if url.contains("://") {
            return Err(bad("only http:// URLs are supported"));
        } else {
            url
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/metrics"),
        };
        let authority = authority.rsplit('@').next().unwrap_or(authority);
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (h, after) = v6
                .split_once(']')
                .ok_or_else(|| bad("unclosed [ in the host"))?;
            (h, after.strip_prefix(':'))
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            }
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        let port = match port {
            None | Some("") => 80,
            Some(p) => p.parse().map_err(|_| bad("the port is not a number"))?,
        };
        Ok(Target {
            host: host.to_string(),
            port,
            path: path.to_string(),
        })
    }

    fn addr(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// Fetches the body of `GET target` within `timeout` (connect, send and
/// read together).
pub fn fetch(target: &Target, timeout: Duration) -> Result<Vec<u8>, ScrapeError> {
    let addr = target.addr();
    let deadline = Instant::now() + timeout;
    let io = |context: &str, source| ScrapeError::Io {
        context: format!("{addr}: {context}"),
        source,
    };
    let addrs: Vec<_> = (target.host.as_str(), target.port)
        .to_socket_addrs()
        .map_err(|e| ScrapeError::Connect {
            addr: addr.clone(),
            source: e,
        })?
        .collect();
    let mut last = None;
    let mut stream = None;
    for a in addrs {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        match TcpStream::connect_timeout(&a, left) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last = Some(e),
        }
    }
    let mut s = match stream {
        Some(s) => s,
        None => {
            return Err(match last {
                Some(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                    ScrapeError::Timeout { addr, timeout }
                }
                Some(e) => ScrapeError::Connect { addr, source: e },
                None => ScrapeError::Timeout { addr, timeout },
            })
        }
    };
    let host_header = if target.port == 80 {
        target.host.clone()
    } else {
        addr.clone()
    };
    // The 0.0.4 text format, as the seed's curl gets: prometheus_client
    // answers OpenMetrics to any Accept that lists it, and then writes
    // `vllm_` for `vllm:` in sample names.
    let req = format!(
        "GET {} HTTP/1.1\r\nHost: {host_header}\r\nUser-Agent: srtlog/{}\r\nAccept: text/plain;version=0.0.4;q=1,*/*;q=0.1\r\nAccept-Encoding: identity\r\nConnection: close\r\n\r\n",
        target.path,
        env!("CARGO_PKG_VERSION")
    );
    let timed_out = |e: &std::io::Error| {
        matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        )
    };
    let left = deadline
        .saturating_duration_since(Instant::now())
        .max(Duration::from_millis(1));
    s.set_write_timeout(Some(left))
        .map_err(|e| io("socket", e))?;
    if let Err(e) = s.write_all(req.as_bytes()) {
        return Err(if timed_out(&e) {
            ScrapeError::Timeout { addr, timeout }
        } else {
            io("sending the request", e)
        });
    }
    let mut raw = Vec::with_capacity(64 << 10);
    let mut buf = vec![0u8; 64 << 10];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(ScrapeError::Timeout { addr, timeout });
        }
        s.set_read_timeout(Some(left))
            .map_err(|e| io("socket", e))?;
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                raw.extend_from_slice(&buf[..n]);
                if raw.len() > MAX_BODY + (64 << 10) {
                    return Err(ScrapeError::Protocol {
                        addr,
                        why: "response larger than 256 MiB",
                    });
                }
                // Stop as soon as a Content-Length body is complete (servers
                // may keep the connection open despite `Connection: close`).
                if let Some(done) = complete_len(&raw) {
                    if raw.len() >= done {
                        raw.truncate(done);
                        break;
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) if timed_out(&e) => return Err(ScrapeError::Timeout { addr, timeout }),
            Err(e) => return Err(io("reading the response", e)),
        }
    }
    decode_response(&raw).map_err(|r| match r {
        Resp::Status(status, reason) => ScrapeError::Status {
            addr: addr.clone(),
            status,
            reason,
        },
        Resp::Bad(why) => ScrapeError::Protocol {
            addr: addr.clone(),
            why,
        },
    })
}

enum Resp {
    Status(u16, String),
    Bad(&'static str),
}

fn header_end(raw: &[u8]) -> Option<usize> {
    memchr::memmem::find(raw, b"\r\n\r\n").map(|i| i + 4)
}

/// Lower-cased header names with their values.
type Headers = Vec<(String, String)>;

/// The end of the head, the headers and the status line.
fn headers(raw: &[u8]) -> Option<(usize, Headers, &[u8])> {
    let end = header_end(raw)?;
    let head = std::str::from_utf8(&raw[..end]).ok()?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?;
    let hs = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Some((end, hs, status.as_bytes()))
}

/// Total length of a response with a Content-Length, once headers are in.
fn complete_len(raw: &[u8]) -> Option<usize> {
    let (end, hs, _) = headers(raw)?;
    let cl = hs.iter().find(|(k, _)| k == "content-length")?;
    if hs.iter().any(|(k, _)| k == "transfer-encoding") {
        return None;
    }
    Some(end + cl.1.parse::<usize>().ok()?)
}

fn decode_response(raw: &[u8]) -> Result<Vec<u8>, Resp> {
    let (end, hs, status) = headers(raw).ok_or(Resp::Bad("no header end"))?;
    let status = std::str::from_utf8(status).map_err(|_| Resp::Bad("status line"))?;
    let mut parts = status.splitn(3, ' ');
    let version = parts.next().unwrap_or("");
    if !version.starts_with("HTTP/1.") {
        return Err(Resp::Bad("not HTTP/1.x"));
    }
    let code: u16 = parts
        .next()
        .and_then(|c| c.parse().ok())
        .ok_or(Resp::Bad("status code"))?;
    if code != 200 {
        return Err(Resp::Status(code, parts.next().unwrap_or("").to_string()));
    }
    if hs
        .iter()
        .any(|(k, v)| k == "content-encoding" && !v.eq_ignore_ascii_case("identity"))
    {
        return Err(Resp::Bad(
            "compressed body despite Accept-Encoding: identity",
        ));
    }
    let body = &raw[end..];
    let chunked = hs
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.to_ascii_lowercase().contains("chunked"));
    if chunked {
        return dechunk(body).ok_or(Resp::Bad("broken chunked encoding"));
    }
    if let Some((_, cl)) = hs.iter().find(|(k, _)| k == "content-length") {
        let n: usize = cl.parse().map_err(|_| Resp::Bad("Content-Length"))?;
        if body.len() < n {
            return Err(Resp::Bad("connection closed before the end of the body"));
        }
        return Ok(body[..n].to_vec());
    }
    Ok(body.to_vec())
}

/// RFC 9112 §7.1 chunked transfer coding (extensions and trailers ignored).
fn dechunk(mut b: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(b.len());
    loop {
        let eol = memchr::memmem::find(b, b"\r\n")?;
        let line = std::str::from_utf8(&b[..eol]).ok()?;
        let size_hex = line.split(';').next()?.trim();
        let size = usize::from_str_radix(size_hex, 16).ok()?;
        b = &b[eol + 2..];
        if size == 0 {
            return Some(out);
        }
        if b.len() < size + 2 {
            return None;
        }
        out.extend_from_slice(&b[..size]);
        b = &b[size + 2..];
    }
}

/// Writes `content` to `dir/name` atomically: a hidden temporary file in the
/// same folder (same file system), synced, then renamed over the target.
pub fn write_atomic(dir: &Path, name: &str, content: &[u8]) -> Result<PathBuf, ScrapeError> {
    let target = dir.join(name);
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let io = |context: String, source| ScrapeError::Io { context, source };
    let res = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(content)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &target)
    })();
    if let Err(e) = res {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(format!("writing {}", target.display()), e));
    }
    Ok(target)
}

/// Microseconds since the Unix epoch, now.
pub fn now_us() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

/// Takes one snapshot: `dir/{request_id}_{stage}_{time}.txt`. Nothing is
/// written when the scrape fails.
pub fn snapshot_once(
    target: &Target,
    dir: &Path,
    request_id: &str,
    stage: Stage,
    timeout: Duration,
) -> Result<PathBuf, ScrapeError> {
    // The time of the request, not of the answer: that is when the state
    // the snapshot describes was read.
    let t = now_us();
    let body = fetch(target, timeout)?;
    let name = format!("{request_id}_{}_{}.txt", stage.as_str(), format_time(t));
    create_dir(dir)?;
    write_atomic(dir, &name, &body)
}

fn create_dir(dir: &Path) -> Result<(), ScrapeError> {
    std::fs::create_dir_all(dir).map_err(|e| ScrapeError::Io {
        context: format!("creating {}", dir.display()),
        source: e,
    })
}

/// Options of periodic scraping.
#[derive(Clone, Debug)]
pub struct Periodic {
    /// Interval between scrapes.
    pub every: Duration,
    /// Stop after this long (None: until killed).
    pub duration: Option<Duration>,
    /// Remove snapshots older than this after each scrape.
    pub keep: Option<Duration>,
    /// Per-scrape timeout.
    pub timeout: Duration,
    /// File-name prefix.
    pub prefix: String,
}

/// What happened at one tick, for the caller to report.
#[derive(Debug)]
pub enum Tick {
    /// A snapshot was written.
    Written(PathBuf),
    /// The scrape failed (nothing written); the next tick tries again.
    Failed(ScrapeError),
    /// Ticks skipped because a scrape took longer than the interval.
    Skipped(u64),
    /// Old snapshots removed by `keep`.
    Removed(usize),
}

/// Scrapes periodically until `duration` elapses; returns `(written, failed)`.
pub fn run_periodic(
    target: &Target,
    dir: &Path,
    p: &Periodic,
    mut on: impl FnMut(Tick),
) -> Result<(u64, u64), ScrapeError> {
    create_dir(dir)?;
    let every = p.every.max(Duration::from_millis(1));
    let start = Instant::now();
    let (mut ok, mut failed) = (0u64, 0u64);
    let mut k: u64 = 0;
    loop {
        let due = start + every.mul_f64(k as f64);
        if let Some(d) = p.duration {
            if due.duration_since(start) > d {
                break;
            }
        }
        let now = Instant::now();
        if due > now {
            std::thread::sleep(due - now);
        }
        let t = now_us();
        let timeout = p.timeout.min(every.max(Duration::from_millis(100)));
        match fetch(target, timeout).and_then(|body| {
            write_atomic(dir, &format!("{}_{}.txt", p.prefix, format_time(t)), &body)
        }) {
            Ok(path) => {
                ok += 1;
                on(Tick::Written(path));
            }
            Err(e) => {
                failed += 1;
                on(Tick::Failed(e));
            }
        }
        if let Some(keep) = p.keep {
            let n = cleanup(dir, keep)?;
            if n > 0 {
                on(Tick::Removed(n));
            }
        }
        // Next tick: the first one still in the future (no burst after a
        // slow scrape).
        let elapsed = start.elapsed().as_secs_f64();
        let next = (elapsed / every.as_secs_f64()).floor() as u64 + 1;
        if next > k + 1 {
            on(Tick::Skipped(next - k - 1));
        }
        k = next.max(k + 1);
    }
    Ok((ok, failed))
}

/// Removes the snapshots of `dir` (files whose name is a seed snapshot name
/// or holds a time) last modified more than `keep` ago. Other files are
/// never touched.
pub fn cleanup(dir: &Path, keep: Duration) -> Result<usize, ScrapeError> {
    let rd = std::fs::read_dir(dir).map_err(|e| ScrapeError::Io {
        context: format!("listing {}", dir.display()),
        source: e,
    })?;
    let now = SystemTime::now();
    let mut removed = 0;
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.ends_with(".txt") || (parse_name(&name).is_none() && time_in_name(&name).is_none())
        {
            continue;
        }
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .is_some_and(|age| age > keep);
        if old && std::fs::remove_file(e.path()).is_ok() {
            removed += 1;
        }
    }
    Ok(removed)
}

/// Parses `500ms`, `1s`, `1.5s`, `10m`, `2h`, `7d` (a bare number is seconds).
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let v: f64 = num.parse().ok()?;
    let mul = match unit.trim() {
        "ms" => 1e-3,
        "" | "s" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        "d" => 86400.0,
        _ => return None,
    };
    let secs = v * mul;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn urls_and_durations() {
        let t = Target::parse("http://127.0.0.1:8000/metrics").unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, t.path.as_str()),
            ("127.0.0.1", 8000, "/metrics")
        );
        let t = Target::parse("localhost:11434").unwrap();
        assert_eq!((t.port, t.path.as_str()), (11434, "/metrics"));
        let t = Target::parse("http://[::1]:9/m?x=1").unwrap();
        assert_eq!(
            (t.host.as_str(), t.addr(), t.path.as_str()),
            ("::1", "[::1]:9".to_string(), "/m?x=1")
        );
        assert!(Target::parse("https://x/metrics").is_err());
        assert!(Target::parse("http://x:port/").is_err());
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("7d"), Some(Duration::from_secs(7 * 86400)));
        assert_eq!(parse_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_duration("10m"), Some(Duration::from_secs(600)));
        assert_eq!(parse_duration("x"), None);
    }

    #[test]
    fn responses() {
        let ok = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
        assert_eq!(decode_response(ok).ok().unwrap(), b"hello");
        let ch = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n";
        assert_eq!(decode_response(ch).ok().unwrap(), b"abcde");
        assert!(matches!(
            decode_response(b"HTTP/1.1 503 Busy\r\n\r\n"),
            Err(Resp::Status(503, _))
        ));
        assert!(matches!(
            decode_response(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc"),
            Err(Resp::Bad(_))
        ));
        assert!(decode_response(b"garbage").is_err());
    }

    fn serve_once(reply: &'static [u8], delay: Duration) -> u16 {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        std::thread::spawn(move || {
            if let Ok((mut s, _)) = l.accept() {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf);
                std::thread::sleep(delay);
                let _ = s.write_all(reply);
            }
        });
        port
    }

    #[test]
    fn fetch_write_timeout_and_down() {
        let port = serve_once(
            b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nm 1.0\n",
            Duration::ZERO,
        );
        let t = Target::parse(&format!("http://127.0.0.1:{port}/metrics")).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let p = snapshot_once(
            &t,
            dir.path(),
            "req-1",
            Stage::Before,
            Duration::from_secs(5),
        )
        .unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"m 1.0\n");
        let n = parse_name(p.file_name().unwrap().to_str().unwrap()).unwrap();
        assert_eq!((n.request_id.as_str(), n.stage), ("req-1", Stage::Before));
        // A server that answers too late: timeout, nothing written.
        let port = serve_once(b"HTTP/1.1 200 OK\r\n\r\nx", Duration::from_secs(3));
        let t = Target::parse(&format!("127.0.0.1:{port}")).unwrap();
        let e = snapshot_once(
            &t,
            dir.path(),
            "req-2",
            Stage::Before,
            Duration::from_millis(200),
        )
        .unwrap_err();
        assert!(matches!(e, ScrapeError::Timeout { .. }), "{e}");
        // Nothing listening.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let t = Target::parse(&format!("127.0.0.1:{port}")).unwrap();
        let e = fetch(&t, Duration::from_secs(2)).unwrap_err();
        assert!(matches!(e, ScrapeError::Connect { .. }), "{e}");
        assert!(e.to_string().contains("is the server running"));
        let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(
            files.len(),
            1,
            "only the complete snapshot, no temporary file"
        );
        // --keep: a fresh file stays, unrelated files are never touched.
        std::fs::write(dir.path().join("notes.txt"), "x").unwrap();
        assert_eq!(cleanup(dir.path(), Duration::from_secs(3600)).unwrap(), 0);
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(cleanup(dir.path(), Duration::ZERO).unwrap(), 1);
        assert!(dir.path().join("notes.txt").exists());
    }
}
