//! A minimal HTTP/1.1 GET for metrics endpoints, with connect, read and
//! overall timeouts and a body cap, so a busy or hostile server never blocks
//! or exhausts the caller. Used by the scraper (`srtlog scrape`) and by the
//! audit's `--metrics URL`.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

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

    /// `host:port`, with brackets around an IPv6 host.
    pub fn addr(&self) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
