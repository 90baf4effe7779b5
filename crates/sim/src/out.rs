//! Output plumbing: an owned chunk buffer that lines are formatted into
//! directly, flushed in large writes to a (possibly compressing) sink.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;

use crate::Compression;

/// Flush threshold of the chunk buffer.
const CHUNK: usize = 256 * 1024;

/// Line writer: format into [`Out::buf`], then call [`Out::end_line`].
pub(crate) struct Out<W: Write> {
    w: W,
    /// The chunk buffer; callers append the line body here.
    pub(crate) buf: Vec<u8>,
    bytes: u64,
    crlf: bool,
}

impl<W: Write> Out<W> {
    pub(crate) fn new(w: W, crlf: bool) -> Self {
        Out {
            w,
            buf: Vec::with_capacity(CHUNK + 64 * 1024),
            bytes: 0,
            crlf,
        }
    }

    /// Terminate the current line (`\n` or `\r\n`) and flush if the chunk is full.
    #[inline]
    pub(crate) fn end_line(&mut self) -> io::Result<()> {
        if self.crlf {
            self.buf.extend_from_slice(b"\r\n");
        } else {
            self.buf.push(b'\n');
        }
        if self.buf.len() >= CHUNK {
            self.flush_chunk()?;
        }
        Ok(())
    }

    fn flush_chunk(&mut self) -> io::Result<()> {
        self.w.write_all(&self.buf)?;
        self.bytes += self.buf.len() as u64;
        self.buf.clear();
        Ok(())
    }

    /// Flush everything and hand back the sink and the total uncompressed byte count.
    pub(crate) fn finish(mut self) -> io::Result<(W, u64)> {
        self.flush_chunk()?;
        self.w.flush()?;
        Ok((self.w, self.bytes))
    }
}

/// A file sink, plain or compressed.
pub(crate) enum FileSink {
    Plain(File),
    Gz(flate2::write::GzEncoder<File>),
    Zst(zstd::stream::write::Encoder<'static, File>),
}

impl FileSink {
    /// Create `path` (already carrying its extension) with the given compression.
    pub(crate) fn create(path: &Path, c: Compression) -> io::Result<Self> {
        let f = File::create(path)?;
        Ok(match c {
            Compression::None => FileSink::Plain(f),
            // level 1: the simulator exists to feed benchmarks; deflate -6 would dominate run time.
            Compression::Gzip => FileSink::Gz(flate2::write::GzEncoder::new(
                f,
                flate2::Compression::new(1),
            )),
            Compression::Zstd => FileSink::Zst(zstd::stream::write::Encoder::new(f, 3)?),
        })
    }

    /// Finish the compression stream and sync nothing (the OS owns durability).
    pub(crate) fn finish(self) -> io::Result<()> {
        match self {
            FileSink::Plain(mut f) => f.flush(),
            FileSink::Gz(e) => e.finish()?.flush(),
            FileSink::Zst(e) => e.finish()?.flush(),
        }
    }
}

impl Write for FileSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            FileSink::Plain(f) => f.write(buf),
            FileSink::Gz(e) => e.write(buf),
            FileSink::Zst(e) => e.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            FileSink::Plain(f) => f.write_all(buf),
            FileSink::Gz(e) => e.write_all(buf),
            FileSink::Zst(e) => e.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            FileSink::Plain(f) => f.flush(),
            FileSink::Gz(e) => e.flush(),
            FileSink::Zst(e) => e.flush(),
        }
    }
}
