//! The metrics GET goes through the proxy named by the environment
//! (`HTTP_PROXY`), as curl does, except for loopback hosts. Its own test
//! binary: the environment is process-wide.
// Test helpers may panic on unexpected input: that is how a test fails.
#![allow(clippy::unwrap_used)]

use srtlog_io::http::{fetch, Target};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

#[test]
fn http_proxy_from_the_environment() {
    // A one-shot "proxy" that answers for any host and returns the request.
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let h = std::thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        let head = |s: &mut std::net::TcpStream| {
            let mut req = Vec::new();
            let mut buf = [0u8; 1];
            while !req.ends_with(b"\r\n\r\n") {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => req.extend_from_slice(&buf[..n]),
                }
            }
            String::from_utf8_lossy(&req).into_owned()
        };
        // The client opens a tunnel (CONNECT), then sends its GET inside.
        let connect = head(&mut s);
        s.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .unwrap();
        let get = head(&mut s);
        s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nm 2.0\n")
            .unwrap();
        (connect, get)
    });
    std::env::set_var("HTTP_PROXY", format!("http://127.0.0.1:{port}"));
    // `.invalid` never resolves (RFC 2606): only the proxy can answer.
    let t = Target::parse("http://metrics.invalid:9400/metrics").unwrap();
    let body = fetch(&t, Duration::from_secs(10)).unwrap();
    assert_eq!(body, b"m 2.0\n");
    let (connect, get) = h.join().unwrap();
    assert!(
        connect.starts_with("CONNECT metrics.invalid:9400 HTTP/1.1\r\n"),
        "{connect}"
    );
    assert!(get.starts_with("GET /metrics HTTP/1.1\r\n"), "{get}");
}
