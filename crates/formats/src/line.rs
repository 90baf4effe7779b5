//! Normalising one physical log line before it is classified.
//!
//! Implements formats.md §8.A: the byte stream is split on `\n` only (never on
//! `\r`, so line numbers equal `grep -n`); a trailing `\r` (CRLF) is dropped;
//! ANSI SGR escape sequences are removed; and when the remaining text still
//! holds a `\r` (tqdm progress bars rewrite themselves with `\r`), only the part
//! after the last `\r` is used for record detection.

use memchr::{memchr, memchr2, memrchr};

/// Returns `line` without its trailing `\n`/`\r` bytes.
#[inline]
pub fn trim_eol(mut line: &[u8]) -> &[u8] {
    while let [rest @ .., b'\n' | b'\r'] = line {
        line = rest;
    }
    line
}

/// Normalises a physical line (without its `\n`) for record detection.
///
/// The common case (no ESC, no CR) returns a subslice of `raw` without
/// copying. Lines with ANSI colour are copied into `scratch` once.
#[inline]
pub fn normalize<'a>(raw: &'a [u8], scratch: &'a mut Vec<u8>) -> &'a [u8] {
    let line = trim_eol(raw);
    let Some(_) = memchr2(0x1b, b'\r', line) else {
        return line;
    };
    let line = if memchr(0x1b, line).is_some() {
        strip_ansi_into(line, scratch);
        &scratch[..]
    } else {
        line
    };
    match memrchr(b'\r', line) {
        Some(i) => &line[i + 1..],
        None => line,
    }
}

/// Copies `line` into `out` without ANSI CSI sequences (`ESC [ params final`).
/// A lone ESC that does not start a CSI sequence is dropped.
pub fn strip_ansi_into(line: &[u8], out: &mut Vec<u8>) {
    out.clear();
    let mut i = 0;
    while i < line.len() {
        match memchr(0x1b, &line[i..]) {
            None => {
                out.extend_from_slice(&line[i..]);
                break;
            }
            Some(off) => {
                out.extend_from_slice(&line[i..i + off]);
                i += off + 1;
                if line.get(i) == Some(&b'[') {
                    i += 1;
                    // Parameter and intermediate bytes are 0x20..=0x3f; the
                    // final byte is 0x40..=0x7e (ECMA-48 §5.4).
                    while i < line.len() && (0x20..=0x3f).contains(&line[i]) {
                        i += 1;
                    }
                    if i < line.len() && (0x40..=0x7e).contains(&line[i]) {
                        i += 1;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_line_is_borrowed() {
        let mut s = Vec::new();
        assert_eq!(normalize(b"abc\n", &mut s), b"abc");
        assert_eq!(normalize(b"abc\r\n", &mut s), b"abc");
        assert!(s.is_empty());
    }

    #[test]
    fn ansi_and_progress() {
        let mut s = Vec::new();
        let l = b"\x1b[2m2025-10-20 12:00:44\x1b[0m \x1b[32m INFO\x1b[0m x";
        assert_eq!(normalize(l, &mut s), b"2025-10-20 12:00:44  INFO x");
        let l = b"Capturing 1%|\rCapturing 2%|\r[2025-10-20 12:00:44] hi";
        assert_eq!(normalize(l, &mut s), b"[2025-10-20 12:00:44] hi");
        let l = b"\x1b[1;33mwarn\x1b[0m\r\n";
        assert_eq!(normalize(l, &mut s), b"warn");
        // A truncated escape at the end of the line never panics.
        assert_eq!(normalize(b"ab\x1b[3", &mut s), b"ab");
        assert_eq!(normalize(b"ab\x1b", &mut s), b"ab");
    }
}
