//! Reading blocks: positional ranges of plain files, blocks of decoded
//! streams, and the overlong-line rule both share ([`blank_overlong`]).

use super::{BlockOptions, Boundary};
use crate::warning::{Warning, WarningKind};
use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A decoded stream read block by block.
pub(super) struct StreamReader {
    path: PathBuf,
    reader: Box<dyn Read + Send>,
    /// Bytes after the last cut, carried into the next block.
    carry: Vec<u8>,
    /// Decoded bytes handed out so far.
    decoded: u64,
    eof: bool,
    pub(super) warning: Option<Warning>,
}

impl StreamReader {
    pub(super) fn open(path: &Path) -> Result<StreamReader, Warning> {
        let (_, reader) = crate::open::open_decoded(path)
            .map_err(|e| Warning::new(path, WarningKind::Unreadable, e.cause_text()))?;
        Ok(StreamReader {
            path: path.to_path_buf(),
            reader,
            carry: Vec::new(),
            decoded: 0,
            eof: false,
            warning: None,
        })
    }

    /// Reads up to `max` more bytes into `buf`; records a read error as the
    /// stream's warning and ends it.
    fn fill(&mut self, buf: &mut Vec<u8>, max: usize) -> usize {
        let before = buf.len();
        // `read_to_end` fills spare capacity without zeroing it first.
        match (&mut self.reader).take(max as u64).read_to_end(buf) {
            Ok(_) => self.eof |= buf.len() == before,
            Err(e) => {
                // Bytes decoded before the error are already in `buf`.
                self.warning = Some(Warning::new(
                    &self.path,
                    WarningKind::Truncated,
                    format!(
                        "stream is truncated or corrupt after {} decoded bytes ({e}); kept the lines before",
                        self.decoded + buf.len() as u64
                    ),
                ));
                self.eof = true;
            }
        }
        buf.len() - before
    }

    /// Reads the next block into `buf` (cleared first): whole lines, cut
    /// where `boundary` allows. Returns the overlong lines already replaced
    /// (0-based indexes in the block) and whether this is the last block.
    pub(super) fn next_block(
        &mut self,
        buf: &mut Vec<u8>,
        opts: &BlockOptions,
        boundary: &dyn Boundary,
        progress: &AtomicU64,
    ) -> (Vec<u64>, bool) {
        let block = opts.stream_block_bytes.max(1);
        let cap = opts.max_line.max(1);
        buf.clear();
        buf.append(&mut self.carry);
        let mut overlong = Vec::new();
        // Where the search for a line end resumes: bytes before it hold none
        // (after the first look), so a long line is searched once.
        let mut searched = 0;
        let mut cut = loop {
            if self.eof {
                break buf.len();
            }
            self.fill(buf, block);
            if self.eof {
                break buf.len();
            }
            if let Some(i) = memchr::memrchr(b'\n', &buf[searched..]) {
                break searched + i + 1;
            }
            // No line end yet: one line fills the buffer.
            searched = buf.len();
            if buf.len() > cap {
                // The buffer holds no `\n`: the line is the block's first.
                overlong.push(0);
                buf.clear();
                self.skip_line(progress);
                buf.push(b'\n');
                buf.append(&mut self.carry);
                searched = 0;
            }
        };
        if !self.eof {
            cut = boundary.stream_cut(buf, cut);
        }
        self.carry.extend_from_slice(&buf[cut..]);
        buf.truncate(cut);
        self.decoded += cut as u64;
        progress.fetch_add(cut as u64, Ordering::Relaxed);
        (overlong, self.eof && self.carry.is_empty())
    }

    /// Discards the rest of an overlong line; what follows its `\n` goes to
    /// the carry.
    fn skip_line(&mut self, progress: &AtomicU64) {
        let mut scratch = Vec::with_capacity(64 << 10);
        while !self.eof {
            scratch.clear();
            let n = self.fill(&mut scratch, 64 << 10);
            self.decoded += n as u64;
            progress.fetch_add(n as u64, Ordering::Relaxed);
            if let Some(i) = memchr::memchr(b'\n', &scratch) {
                self.carry.extend_from_slice(&scratch[i + 1..]);
                return;
            }
        }
    }
}

pub(super) fn count_newlines(b: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', b).count() as u64
}

/// Reads the range `[offset, offset+len)` of `file` into `buf` with the
/// rest of its last line (at most `cap` bytes of it: a longer last line is
/// replaced by an empty one), plus what `boundary` adds; returns where the
/// range's first own line starts in `buf`, where the empty line that stands
/// for an overlong last line is, and whether the range's lines run to the
/// end of the file (its last line may then lack a `\n`).
pub(super) fn read_range(
    file: &File,
    offset: u64,
    len: usize,
    cap: usize,
    boundary: &dyn Boundary,
    buf: &mut Vec<u8>,
) -> io::Result<RangeRead> {
    // A range after the first reads one byte early: if that byte is `\n`,
    // the range starts on a line; otherwise its first partial line belongs
    // to the previous range.
    let (start, extra) = if offset == 0 { (0, 0) } else { (offset - 1, 1) };
    let want = len + extra;
    // Zero only when the buffer grows: the read overwrites the rest.
    if buf.len() < want {
        buf.resize(want, 0);
    } else {
        buf.truncate(want);
    }
    let filled = read_at_full(file, start, buf)?;
    buf.truncate(filled);
    let mut from = if offset == 0 {
        0
    } else {
        match memchr::memchr(b'\n', buf) {
            Some(i) => i + 1,
            // The range lies inside a line its predecessor owns.
            None => {
                buf.clear();
                return Ok(RangeRead {
                    from: 0,
                    tail: None,
                    at_eof: false,
                });
            }
        }
    };
    let mut end_pos = start + filled as u64;
    let mut tail = None;
    let mut at_eof = filled < want;
    if filled == want && buf.last() != Some(&b'\n') {
        let (pos, over, eof) = extend_to_line_end(file, end_pos, cap, from, buf)?;
        end_pos = pos;
        tail = over.then(|| buf.len() - 1);
        at_eof = eof;
    }
    if buf.last() == Some(&b'\n') {
        boundary.extend_end(file, end_pos, buf)?;
    }
    // After the extension: a range that lies inside the lines its
    // predecessor ends with has an empty body, and what it just read is the
    // predecessor's too.
    if offset > 0 {
        from += boundary.skip_start(&buf[from..]);
    }
    Ok(RangeRead { from, tail, at_eof })
}

/// What [`read_range`] read.
pub(super) struct RangeRead {
    /// Where the range's first own line starts in the buffer.
    pub(super) from: usize,
    /// Where the empty line standing for an overlong last line is.
    pub(super) tail: Option<usize>,
    /// The lines run to the end of the file.
    pub(super) at_eof: bool,
}

/// Positional read of `buf.len()` bytes at `pos` (fewer at end of file).
fn read_at_full(file: &File, pos: u64, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read_at(&mut buf[filled..], pos + filled as u64) {
            Ok(0) => break,
            Ok(k) => filled += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Extends `buf` (ending mid-line at file position `pos`) to the end of its
/// last line. When that line exceeds `cap`, it is replaced by a bare `\n`
/// and the rest of it is skipped without being stored. Returns the file
/// position after the line, whether it was overlong, and whether the file
/// ended before a `\n`.
fn extend_to_line_end(
    file: &File,
    mut pos: u64,
    cap: usize,
    from: usize,
    buf: &mut Vec<u8>,
) -> io::Result<(u64, bool, bool)> {
    let line_start = memchr::memrchr(b'\n', &buf[from..]).map_or(from, |i| from + i + 1);
    let mut more = [0u8; 16 * 1024];
    let mut over = false;
    let mut eof = false;
    loop {
        let k = loop {
            match file.read_at(&mut more, pos) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                r => break r?,
            }
        };
        if k == 0 {
            eof = true;
            break;
        }
        let nl = memchr::memchr(b'\n', &more[..k]);
        let take = nl.map_or(k, |i| i + 1);
        pos += take as u64;
        if !over && buf.len() + take - line_start > cap {
            over = true;
            buf.truncate(line_start);
        }
        if !over {
            buf.extend_from_slice(&more[..take]);
        }
        if nl.is_some() {
            break;
        }
    }
    if over {
        // An empty line stands for the overlong one.
        buf.push(b'\n');
    }
    Ok((pos, over, eof))
}

/// Whether `b` holds a line longer than `cap` bytes (its `\n` included).
///
/// Jumps from line end to line end: the last `\n` within `cap` bytes after
/// the previous one is found with `memrchr`, which scans backwards from the
/// window's end and so usually stops after a few bytes. A window with no
/// `\n` holds the start of an overlong line, unless it is the unterminated
/// tail of the buffer and no longer than `cap`.
pub(super) fn has_overlong(b: &[u8], cap: usize) -> bool {
    let cap = cap.max(1);
    let mut start = 0;
    while b.len() - start > cap {
        match memchr::memrchr(b'\n', &b[start..start + cap]) {
            Some(i) => start += i + 1,
            None => return true,
        }
    }
    false
}

/// Replaces every line of `buf[from..]` longer than `cap` by an empty line
/// (in place: the bytes after it move up), records their 0-based indexes
/// relative to `from`, and returns the new end and, when it had to walk
/// the lines, the number of `\n` (`None`: no line was overlong and none
/// were counted).
pub(super) fn blank_overlong(
    buf: &mut Vec<u8>,
    from: usize,
    cap: usize,
    out: &mut Vec<u64>,
) -> (usize, Option<u64>) {
    // The common case, no overlong line, costs a jump of about `cap` bytes
    // at a time and no count: no per-line work and no pass over the bytes
    // here, so the job's own scan loop is the only one (the caller counts
    // lines only when the job does not, `BlockJob::newlines`).
    if !has_overlong(&buf[from..], cap) {
        return (buf.len(), None);
    }
    let mut newlines = 0u64;
    let mut read = from;
    let mut write = from;
    let len = buf.len();
    let fits = len - from <= cap;
    while read < len {
        let end = memchr::memchr(b'\n', &buf[read..len]).map_or(len, |i| read + i + 1);
        let has_nl = end > read && buf[end - 1] == b'\n';
        if !fits && end - read > cap {
            out.push(newlines);
            if has_nl {
                buf[write] = b'\n';
                write += 1;
            }
        } else {
            if write != read {
                buf.copy_within(read..end, write);
            }
            write += end - read;
        }
        newlines += u64::from(has_nl);
        read = end;
    }
    buf.truncate(write);
    (write, Some(newlines))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition: some line (its `\n` included, or the unterminated
    /// tail) is longer than `cap`.
    fn naive(b: &[u8], cap: usize) -> bool {
        b.split_inclusive(|&c| c == b'\n').any(|l| l.len() > cap)
    }

    #[test]
    fn the_jump_search_agrees_with_the_definition() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for n in 0..3000 {
            let len = n % 97;
            let b: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    if x % 5 == 0 {
                        b'\n'
                    } else {
                        b'a'
                    }
                })
                .collect();
            for cap in [1, 2, 3, 5, 8, 13, 40] {
                assert_eq!(has_overlong(&b, cap), naive(&b, cap), "{b:?} cap {cap}");
            }
        }
    }

    #[test]
    fn blank_overlong_fast_path_counts_lines() {
        let mut b = b"ab\ncd\nef".to_vec();
        let mut out = Vec::new();
        assert_eq!(blank_overlong(&mut b, 0, 16, &mut out), (8, None));
        assert_eq!(count_newlines(&b), 2);
        assert!(out.is_empty());
        let mut b = b"ab\ncdefgh\ni\n".to_vec();
        assert_eq!(blank_overlong(&mut b, 0, 4, &mut out), (6, Some(3)));
        assert_eq!(out, vec![1]);
        assert_eq!(b, b"ab\n\ni\n");
    }
}
