//! Opening inputs: plain files, and gzip and zstd streams decoded
//! transparently. Reading them in line-aligned blocks is [`crate::blocks`].
//!
//! Compression is recognised from the magic bytes (`1f 8b`, `28 b5 2f fd`),
//! not the extension, so a renamed file still reads. gzip uses
//! `MultiGzDecoder`, which reads the concatenated members of rotated logs.

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

/// Opens a file as a decoded byte stream.
pub fn open_decoded(path: &Path) -> Result<(Encoding, Box<dyn Read + Send>)> {
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
    let (_, r) = open_decoded(path)?;
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
