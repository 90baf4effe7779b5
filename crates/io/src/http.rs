//! One HTTP GET of a metrics endpoint, for the scraper (`srtlog scrape`) and
//! the audit's `--metrics URL`, over a maintained blocking client (ureq with
//! rustls on the `ring` provider):
//!
//! * `http://` and `https://` (system-independent Mozilla roots, so a
//!   container without CA certificates still verifies);
//! * extra request headers ([`Target::with_header`]): a bearer token
//!   (`Authorization: Bearer …`) or basic auth, also from the URL's
//!   `user:password@`;
//! * proxies from the usual environment variables (`HTTPS_PROXY`,
//!   `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`), except for loopback hosts, which
//!   are always reached directly (a local metrics port is never behind the
//!   proxy of the network outside);
//! * gzip-compressed answers, decompressed by the client;
//! * one timeout bounding connect, send and read together (and the connect
//!   alone), and a cap on the (decompressed) body, [`MAX_BODY`], so a busy or
//!   hostile server never blocks or exhausts the caller.
//!
//! No retries here: a failed scrape is reported and the caller decides.

use std::fmt;
use std::time::Duration;

/// Largest body accepted (a vLLM exposition is ~50 kB; a big SGLang one a
/// few MB).
pub const MAX_BODY: usize = 256 << 20;

/// Errors of one scrape.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScrapeError {
    /// The URL is not `http[s]://host[:port][/path]`.
    #[error("{url}: {why}")]
    BadUrl {
        /// The URL.
        url: String,
        /// What is wrong.
        why: &'static str,
    },
    /// A request header given by the user is not valid.
    #[error("bad request header {header:?}: {why}")]
    BadHeader {
        /// The header as given (its value is not repeated: it may be a secret).
        header: String,
        /// What is wrong.
        why: &'static str,
    },
    /// Nothing answers at the address. The cause is part of the message and
    /// not also the error's `source()`, so a chain printer (anyhow's `{:#}`)
    /// does not print it twice (issue 17 item 24).
    #[error("cannot connect to {addr}: {cause} (is the server running, with its metrics endpoint enabled?)")]
    Connect {
        /// host:port.
        addr: String,
        /// The cause.
        cause: std::io::Error,
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
        /// Reason phrase (the standard one for the code).
        reason: String,
    },
    /// The answer is not valid HTTP, or too large.
    #[error("{addr}: malformed HTTP response ({why})")]
    Protocol {
        /// host:port.
        addr: String,
        /// What is wrong.
        why: &'static str,
    },
    /// The TLS handshake failed (certificate, protocol).
    #[error("{addr}: TLS: {detail}")]
    Tls {
        /// host:port.
        addr: String,
        /// The client's description.
        detail: String,
    },
    /// Any other failure of the HTTP client (proxy, redirects, a bad answer).
    #[error("{addr}: {detail}")]
    Client {
        /// host:port.
        addr: String,
        /// The client's description.
        detail: String,
    },
    /// Reading, writing or renaming a file, or a socket error (the cause is
    /// in the message, not also the `source()`, as for [`Self::Connect`]).
    #[error("{context}: {cause}")]
    Io {
        /// What was being done.
        context: String,
        /// The cause.
        cause: std::io::Error,
    },
}

/// A parsed `http://` or `https://` URL, with the request headers to send.
#[derive(Clone, PartialEq, Eq)]
pub struct Target {
    /// Whether to connect with TLS (`https://`).
    pub tls: bool,
    /// Host (name or address, IPv6 without brackets).
    pub host: String,
    /// Port (80, or 443 for https, by default).
    pub port: u16,
    /// Path and query (`/metrics` by default).
    pub path: String,
    /// Extra request headers, in order (`Authorization`, …).
    pub headers: Vec<(String, String)>,
}

/// Header values are left out: they are often credentials.
impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("Target")
            .field("tls", &self.tls)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("path", &self.path)
            .field("headers", &names)
            .finish()
    }
}

impl Target {
    /// Parses `http[s]://[user[:password]@]host[:port][/path]`; a bare
    /// `host:port` means `http://`. Credentials in the URL become a basic
    /// `Authorization` header (percent-escapes decoded).
    pub fn parse(url: &str) -> Result<Target, ScrapeError> {
        let bad = |why| ScrapeError::BadUrl {
            url: url.to_string(),
            why,
        };
        let (tls, rest) = if let Some(r) = url.strip_prefix("http://") {
            (false, r)
        } else if let Some(r) = url.strip_prefix("https://") {
            (true, r)
        } else if url.contains("://") {
            return Err(bad("only http:// and https:// URLs are supported"));
        } else {
            (false, url)
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/metrics"),
        };
        let (userinfo, authority) = match authority.rsplit_once('@') {
            Some((u, a)) => (Some(u), a),
            None => (None, authority),
        };
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
            None | Some("") => {
                if tls {
                    443
                } else {
                    80
                }
            }
            Some(p) => p.parse().map_err(|_| bad("the port is not a number"))?,
        };
        let mut t = Target {
            tls,
            host: host.to_string(),
            port,
            path: path.to_string(),
            headers: Vec::new(),
        };
        if let Some(u) = userinfo {
            let (user, pass) = u.split_once(':').unwrap_or((u, ""));
            let user = percent_decode(user).ok_or_else(|| bad("bad %-escape in the user"))?;
            let pass = percent_decode(pass).ok_or_else(|| bad("bad %-escape in the password"))?;
            t = t.with_basic_auth(&user, &pass);
        }
        Ok(t)
    }

    /// `host:port`, with brackets around an IPv6 host.
    pub fn addr(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The URL requested (without credentials).
    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}{}", self.addr(), self.path)
    }

    /// Adds a request header; a header of the same name (case-insensitive)
    /// is replaced. The name must be an HTTP token and the value must not
    /// hold a line break.
    pub fn with_header(mut self, name: &str, value: &str) -> Result<Target, ScrapeError> {
        let bad = |why| ScrapeError::BadHeader {
            header: name.to_string(),
            why,
        };
        let token = |c: u8| c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c);
        if name.is_empty() || !name.bytes().all(token) {
            return Err(bad("the name is not an HTTP token"));
        }
        if value.bytes().any(|c| c == b'\r' || c == b'\n' || c == 0) {
            return Err(bad("the value holds a line break or NUL"));
        }
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self.headers
            .push((name.to_string(), value.trim().to_string()));
        Ok(self)
    }

    /// Adds a header given as one string, `Name: value` (curl's `-H`).
    pub fn with_header_line(self, line: &str) -> Result<Target, ScrapeError> {
        let (name, value) = line.split_once(':').ok_or_else(|| ScrapeError::BadHeader {
            header: line.split(' ').next().unwrap_or("").to_string(),
            why: "expected `Name: value`",
        })?;
        self.with_header(name.trim(), value)
    }

    /// Adds `Authorization: Bearer TOKEN`.
    pub fn with_bearer_token(self, token: &str) -> Result<Target, ScrapeError> {
        self.with_header("Authorization", &format!("Bearer {}", token.trim()))
    }

    /// Adds `Authorization: Basic base64(user:password)` (RFC 7617).
    pub fn with_basic_auth(mut self, user: &str, password: &str) -> Target {
        let v = format!("Basic {}", base64(format!("{user}:{password}").as_bytes()));
        self.headers
            .retain(|(k, _)| !k.eq_ignore_ascii_case("authorization"));
        self.headers.push(("Authorization".into(), v));
        self
    }

    fn is_loopback(&self) -> bool {
        self.host.eq_ignore_ascii_case("localhost")
            || self
                .host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }
}

/// Standard base64 with padding (RFC 4648 §4), for basic auth.
fn base64(b: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut o = String::with_capacity(b.len().div_ceil(3) * 4);
    for c in b.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= c.len() {
                o.push(char::from(A[(n >> shift) as usize & 63]));
            } else {
                o.push('=');
            }
        }
    }
    o
}

/// Decodes `%XX` escapes (RFC 3986 §2.1); `None` for a broken escape or
/// a result that is not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Fetches the body of `GET target` within `timeout` (connect, send and
/// read together; the connect alone is bounded by it too).
pub fn fetch(target: &Target, timeout: Duration) -> Result<Vec<u8>, ScrapeError> {
    let addr = target.addr();
    let mut config = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .timeout_connect(Some(timeout))
        // Status codes are ours to report, with the address.
        .http_status_as_error(false)
        .user_agent(format!("srtlog/{}", env!("CARGO_PKG_VERSION")))
        .max_idle_connections(0);
    if target.is_loopback() {
        config = config.proxy(None);
    }
    let agent: ureq::Agent = config.build().into();
    // The 0.0.4 text format, as curl gets it: prometheus_client answers
    // OpenMetrics to any Accept that lists it, and then writes `vllm_` for
    // `vllm:` in sample names (formats.md §3).
    let mut req = agent
        .get(target.url())
        .header("Accept", "text/plain;version=0.0.4;q=1,*/*;q=0.1");
    for (k, v) in &target.headers {
        req = req.header(k.as_str(), v.as_str());
    }
    let mut resp = req.call().map_err(|e| client_error(e, &addr, timeout))?;
    let status = resp.status();
    if status.as_u16() != 200 {
        return Err(ScrapeError::Status {
            addr,
            status: status.as_u16(),
            reason: status.canonical_reason().unwrap_or("").to_string(),
        });
    }
    resp.body_mut()
        .with_config()
        .limit(MAX_BODY as u64)
        .read_to_vec()
        .map_err(|e| client_error(e, &addr, timeout))
}

/// Maps the client's error to ours, keeping the messages users and tests
/// know (connection refused, timeout, size).
fn client_error(e: ureq::Error, addr: &str, timeout: Duration) -> ScrapeError {
    use std::io::ErrorKind as K;
    let addr = addr.to_string();
    match e {
        ureq::Error::Timeout(_) => ScrapeError::Timeout { addr, timeout },
        ureq::Error::Io(e) if matches!(e.kind(), K::TimedOut | K::WouldBlock) => {
            ScrapeError::Timeout { addr, timeout }
        }
        ureq::Error::Io(e)
            if matches!(
                e.kind(),
                K::ConnectionRefused
                    | K::AddrNotAvailable
                    | K::NetworkUnreachable
                    | K::HostUnreachable
                    | K::NotFound
            ) =>
        {
            ScrapeError::Connect { addr, cause: e }
        }
        ureq::Error::Io(e) => ScrapeError::Io {
            context: format!("{addr}: reading the response"),
            cause: e,
        },
        ureq::Error::HostNotFound => ScrapeError::Connect {
            addr,
            cause: std::io::Error::new(K::NotFound, "host not found"),
        },
        ureq::Error::ConnectionFailed => ScrapeError::Connect {
            addr,
            cause: std::io::Error::new(K::ConnectionRefused, "connection failed"),
        },
        ureq::Error::BodyExceedsLimit(_) => ScrapeError::Protocol {
            addr,
            why: "response larger than 256 MiB",
        },
        ureq::Error::Protocol(p) => ScrapeError::Client {
            addr,
            detail: format!("malformed HTTP response ({p})"),
        },
        ureq::Error::Tls(m) => ScrapeError::Tls {
            addr,
            detail: m.to_string(),
        },
        ureq::Error::Rustls(e) => ScrapeError::Tls {
            addr,
            detail: e.to_string(),
        },
        e => ScrapeError::Client {
            addr,
            detail: e.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;

    /// Serves one connection: answers `reply` and hands back the request.
    fn serve_once(reply: &'static [u8]) -> (u16, std::thread::JoinHandle<String>) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let h = std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            let mut req = Vec::new();
            let mut buf = [0u8; 4096];
            while !req.ends_with(b"\r\n\r\n") {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => req.extend_from_slice(&buf[..n]),
                }
            }
            let _ = s.write_all(reply);
            String::from_utf8_lossy(&req).into_owned()
        });
        (port, h)
    }

    #[test]
    fn urls_schemes_and_credentials() {
        let t = Target::parse("https://prom.example:9443/federate?x=1").unwrap();
        assert!(t.tls);
        assert_eq!(t.url(), "https://prom.example:9443/federate?x=1");
        assert_eq!(Target::parse("https://h").unwrap().port, 443);
        assert_eq!(Target::parse("http://h").unwrap().port, 80);
        let t = Target::parse("http://martin:s%40cret@127.0.0.1:9/m").unwrap();
        assert_eq!(
            t.headers,
            [(
                "Authorization".to_string(),
                "Basic bWFydGluOnNAY3JldA==".to_string()
            )]
        );
        assert!(!format!("{t:?}").contains("bWFy"), "{t:?}");
        assert!(Target::parse("ftp://h/").is_err());
        assert_eq!(base64(b"martin:secret"), "bWFydGluOnNlY3JldA==");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b""), "");
    }

    #[test]
    fn headers_are_validated_and_replaced() {
        let t = Target::parse("127.0.0.1:9").unwrap();
        let t = t.with_header_line("Authorization: Bearer abc").unwrap();
        let t = t.with_bearer_token("xyz").unwrap();
        assert_eq!(
            t.headers,
            [("Authorization".to_string(), "Bearer xyz".to_string())]
        );
        assert!(t.clone().with_header("Bad Name", "v").is_err());
        assert!(t.clone().with_header("X", "a\r\nInjected: 1").is_err());
        assert!(t.with_header_line("no colon").is_err());
    }

    #[test]
    fn sends_headers_and_accepts_gzip() {
        // "m 1.0\n" compressed with gzip.
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(b"m 1.0\n").unwrap();
        let body = gz.finish().unwrap();
        let mut reply = format!(
            "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        reply.extend_from_slice(&body);
        let (port, h) = serve_once(Box::leak(reply.into_boxed_slice()));
        let t = Target::parse(&format!("http://127.0.0.1:{port}/metrics"))
            .unwrap()
            .with_bearer_token("tok")
            .unwrap();
        assert_eq!(fetch(&t, Duration::from_secs(5)).unwrap(), b"m 1.0\n");
        let req = h.join().unwrap().to_ascii_lowercase();
        assert!(req.starts_with("get /metrics http/1.1\r\n"), "{req}");
        assert!(req.contains("authorization: bearer tok\r\n"), "{req}");
        assert!(req.contains("accept: text/plain;version=0.0.4"), "{req}");
        assert!(req.contains("accept-encoding: gzip"), "{req}");
    }

    #[test]
    fn status_and_chunked_answers() {
        let (port, _h) = serve_once(b"HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n");
        let t = Target::parse(&format!("127.0.0.1:{port}")).unwrap();
        let e = fetch(&t, Duration::from_secs(5)).unwrap_err();
        assert!(matches!(e, ScrapeError::Status { status: 503, .. }), "{e}");
        assert!(
            e.to_string().ends_with("HTTP 503 Service Unavailable"),
            "{e}"
        );
        let (port, _h) = serve_once(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n",
        );
        let t = Target::parse(&format!("127.0.0.1:{port}")).unwrap();
        assert_eq!(fetch(&t, Duration::from_secs(5)).unwrap(), b"abcde");
    }

    #[test]
    fn https_speaks_tls() {
        // A plain-HTTP server behind an https URL: the TLS handshake fails
        // (the client did try TLS), reported as an error, not a hang.
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            let _ = s.read(&mut [0u8; 4096]);
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx");
        });
        let t = Target::parse(&format!("https://127.0.0.1:{port}/metrics")).unwrap();
        let e = fetch(&t, Duration::from_secs(5)).unwrap_err();
        assert!(
            matches!(
                e,
                ScrapeError::Tls { .. } | ScrapeError::Client { .. } | ScrapeError::Io { .. }
            ),
            "{e:?}"
        );
    }

    /// Issue 17 item 24: the connection error was printed twice (in the
    /// message and again as its source).
    #[test]
    fn connection_refused_names_its_cause_once() {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let t = Target::parse(&format!("127.0.0.1:{port}")).unwrap();
        let e = fetch(&t, Duration::from_secs(5)).unwrap_err();
        assert!(matches!(e, ScrapeError::Connect { .. }), "{e:?}");
        let msg = e.to_string();
        assert!(
            msg.starts_with(&format!("cannot connect to 127.0.0.1:{port}: ")),
            "{msg}"
        );
        assert!(msg.ends_with("(is the server running, with its metrics endpoint enabled?)"));
        assert!(std::error::Error::source(&e).is_none());
    }

    #[test]
    fn loopback_is_never_proxied() {
        assert!(Target::parse("localhost:1").unwrap().is_loopback());
        assert!(Target::parse("http://[::1]:1/").unwrap().is_loopback());
        assert!(Target::parse("127.0.0.2:1").unwrap().is_loopback());
        assert!(!Target::parse("10.0.0.1:1").unwrap().is_loopback());
    }
}
