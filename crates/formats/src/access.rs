//! Uvicorn access lines (formats.md §8.C.4), printed by the HTTP servers of
//! both vLLM and SGLang:
//!
//! ```text
//! INFO:     127.0.0.1:47344 - "POST /v1/completions HTTP/1.1" 200 OK
//! (APIServer pid=964305) INFO:     127.0.0.1:35764 - "POST /v1/chat/completions HTTP/1.1" 200 OK
//! [2025-10-20 12:03:11] INFO:     10.235.26.27:54282 - "POST /generate HTTP/1.1" 200 OK
//! ```
//!
//! [`decode_access`] takes the text after any process or SGLang prefix.

use memchr::memchr;

/// One access line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccessRecord<'a> {
    /// HTTP status code.
    pub status: u16,
    /// Request method (`POST`).
    pub method: &'a [u8],
    /// Request path (`/v1/chat/completions`).
    pub path: &'a [u8],
}

/// Decodes `INFO:     client - "METHOD path HTTP/x" status reason`; `None`
/// for any other text (including uvicorn's start-up lines).
#[inline]
pub fn decode_access(s: &[u8]) -> Option<AccessRecord<'_>> {
    let rest = s.strip_prefix(b"INFO:")?;
    // `client - "request" status`: the first `"` must follow ` - `, the
    // request ends at the next `"` (request lines hold no quote).
    let q = memchr(b'"', rest)?;
    if q < 3 || &rest[q - 3..q] != b" - " {
        return None;
    }
    let req = &rest[q + 1..];
    let close = memchr(b'"', req)?;
    if req.get(close + 1) != Some(&b' ') {
        return None;
    }
    let (line, after) = (&req[..close], &req[close + 2..]);
    let status = after.get(..3)?;
    if !status.iter().all(u8::is_ascii_digit) || after.get(3).is_some_and(|&b| b != b' ') {
        return None;
    }
    let status = status
        .iter()
        .fold(0u16, |a, &b| a * 10 + u16::from(b - b'0'));
    let mut parts = line.splitn(3, |&b| b == b' ');
    let method = parts.next().unwrap_or_default();
    let path = parts.next().unwrap_or_default();
    Some(AccessRecord {
        status,
        method,
        path,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_lines() {
        let a =
            decode_access(b"INFO:     127.0.0.1:47344 - \"POST /v1/completions HTTP/1.1\" 200 OK")
                .unwrap();
        assert_eq!(
            (a.status, a.method, a.path),
            (200, &b"POST"[..], &b"/v1/completions"[..])
        );
        let a = decode_access(b"INFO:     127.0.0.1:44042 - \"GET /v1/chat/completions HTTP/1.1\" 405 Method Not Allowed").unwrap();
        assert_eq!(a.status, 405);
        assert!(decode_access(b"INFO:     Started server process [1063854]").is_none());
        assert!(decode_access(
            b"INFO:     Uvicorn running on http://0.0.0.0:8000 (Press CTRL+C to quit)"
        )
        .is_none());
        assert!(decode_access(b"INFO:     x - \"GET / HTTP/1.1\" 20").is_none());
    }
}
