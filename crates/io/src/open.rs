//! Opening inputs: plain files, and gzip and zstd streams decoded
//! transparently. Reading them in line-aligned blocks is [`crate::blocks`].
//!
//! Compression is recognised from the magic bytes (`1f 8b`, `28 b5 2f fd`),
//! not the extension, so a renamed file still reads. gzip uses
//! `MultiGzDecoder`, which reads the concatenated members of rotated logs.
//!
//! Line ends: a file whose decoded first MiB holds at least two CRs and no
//! LF ends its lines with CR alone (old Mac tools, some `script` captures).
//! [`open_decoded`] then hands out its bytes with every CR (and CR LF) as
//! one LF, so every reader of every job sees its lines; files with LF line
//! ends are untouched, `\r` inside their lines (tqdm progress states)
//! included. The block engine reads such files as a stream and says so.

use crate::error::{Error, Result};
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// How a file is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// Plain bytes: can be split into byte ranges and read in parallel.
    Plain,
    /// gzip (one or more members).
    Gzip,
    /// zstd (one or more frames).
    Zstd,
}

/// Detects the encoding from the first bytes of a file.
pub fn sniff_encoding(head: &[u8]) -> Encoding {
    match head {
        [0x1f, 0x8b, ..] => Encoding::Gzip,
        [0x28, 0xb5, 0x2f, 0xfd, ..] => Encoding::Zstd,
        _ => Encoding::Plain,
    }
}

/// Reads up to `n` bytes from the start of a file.
pub fn read_head(path: &Path, n: usize) -> Result<Vec<u8>> {
    let f = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut buf = Vec::with_capacity(n.min(1 << 20));
    f.take(n as u64)
        .read_to_end(&mut buf)
        .map_err(|e| Error::io(path, e))?;
    Ok(buf)
}

/// Opens a file as a decoded byte stream, CR line ends read as LF (see the
/// module doc).
pub fn open_decoded(path: &Path) -> Result<(Encoding, Box<dyn Read + Send>)> {
    let (enc, r) = open_raw(path)?;
    if cr_line_ends(path)?.is_none() {
        return Ok((enc, r));
    }
    Ok((
        enc,
        Box::new(CrToLf {
            inner: r,
            prev_cr: false,
        }),
    ))
}

/// The decoded bytes looked at to decide that a file ends its lines with CR.
pub const CR_SNIFF_BYTES: usize = 1 << 20;

/// The number of CRs in `head` when it ends its lines with CR alone: no LF
/// and at least two CRs.
pub fn cr_only_head(head: &[u8]) -> Option<u64> {
    if memchr::memchr(b'\n', head).is_some() {
        return None;
    }
    let n = memchr::memchr_iter(b'\r', head).count() as u64;
    (n >= 2).then_some(n)
}

/// The number of CRs in the file's decoded first MiB when it ends its
/// lines with CR alone, else `None`. Reads 64 KiB of the head, and the
/// rest of the first MiB only when those hold no LF (a normal file pays
/// one small read).
pub fn cr_line_ends(path: &Path) -> Result<Option<u64>> {
    const FIRST: usize = 64 << 10;
    let head = raw_decoded_head(path, FIRST)?;
    if head.len() < FIRST || memchr::memchr(b'\n', &head).is_some() {
        return Ok(cr_only_head(&head));
    }
    Ok(cr_only_head(&raw_decoded_head(path, CR_SNIFF_BYTES)?))
}

/// A reader that turns CR and CR LF into LF.
struct CrToLf<R> {
    inner: R,
    /// The last byte handed out was a CR (so an LF right after it is the
    /// second half of a CR LF pair).
    prev_cr: bool,
}

impl<R: Read> Read for CrToLf<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let n = self.inner.read(buf)?;
            if n == 0 {
                return Ok(0);
            }
            let mut w = 0;
            for i in 0..n {
                let b = buf[i];
                if b == b'\n' && self.prev_cr {
                    self.prev_cr = false;
                    continue;
                }
                self.prev_cr = b == b'\r';
                buf[w] = if self.prev_cr { b'\n' } else { b };
                w += 1;
            }
            // A read of a lone LF (after a CR) gives nothing: read on, as
            // 0 would mean the end of the stream.
            if w > 0 {
                return Ok(w);
            }
        }
    }
}

/// Opens a file as a decoded byte stream, bytes as stored.
fn open_raw(path: &Path) -> Result<(Encoding, Box<dyn Read + Send>)> {
    let head = read_head(path, 4)?;
    let enc = sniff_encoding(&head);
    let f = File::open(path).map_err(|e| Error::io(path, e))?;
    let r: Box<dyn Read + Send> = match enc {
        Encoding::Plain => Box::new(f),
        Encoding::Gzip => Box::new(flate2::read::MultiGzDecoder::new(io::BufReader::new(f))),
        Encoding::Zstd => {
            Box::new(zstd::stream::read::Decoder::new(f).map_err(|e| Error::io(path, e))?)
        }
    };
    Ok((enc, r))
}

/// Reads the decoded head of a file (up to `n` bytes), whatever its encoding.
/// A stream that ends early or is corrupt yields what could be decoded.
pub fn read_decoded_head(path: &Path, n: usize) -> Result<Vec<u8>> {
    read_head_of(path, n, open_decoded)
}

fn raw_decoded_head(path: &Path, n: usize) -> Result<Vec<u8>> {
    read_head_of(path, n, open_raw)
}

/// [`open_decoded`] or [`open_raw`].
type Opener = fn(&Path) -> Result<(Encoding, Box<dyn Read + Send>)>;

fn read_head_of(path: &Path, n: usize, open: Opener) -> Result<Vec<u8>> {
    let (_, r) = open(path)?;
    let mut buf = Vec::new();
    let mut r = r.take(n as u64);
    let mut chunk = [0u8; 64 * 1024];
    loop {
        match r.read(&mut chunk) {
            Ok(0) => break,
            Ok(k) => buf.extend_from_slice(&chunk[..k]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if buf.is_empty() => return Err(Error::io(path, e)),
            Err(_) => break,
        }
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cr_heads() {
        assert_eq!(cr_only_head(b"a\rb\rc"), Some(2));
        assert_eq!(cr_only_head(b"a\rb\nc\r"), None);
        assert_eq!(cr_only_head(b"one line\r"), None);
        let mut out = Vec::new();
        let mut r = CrToLf {
            inner: &b"a\rb\r\nc\n\rd"[..],
            prev_cr: false,
        };
        r.read_to_end(&mut out).unwrap_or_default();
        assert_eq!(out, b"a\nb\nc\n\nd");
    }
}
