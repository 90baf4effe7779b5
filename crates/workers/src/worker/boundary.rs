//! The vLLM chunk-boundary rule (formats.md §2.3): companion lines
//! (speculative decoding, V0 prefix cache) merge into the statistics row
//! before them, so no block may end between a statistics line and its
//! companions. The rule is a [`Boundary`] of the block engine: a range owns
//! the companion lines right after its end ([`extend_with_companions`]),
//! the next range skips them ([`skip_companions`]), and a streamed block
//! ends before a trailing statistics line ([`vllm_block_cut`]). All three
//! decide from the same bytes, so neighbouring ranges agree.

use srtlog_io::blocks::Boundary;
use std::fs::File;

/// The vLLM rule as a [`Boundary`] of the block engine.
#[derive(Clone, Copy, Debug, Default)]
pub struct VllmBoundary;

impl Boundary for VllmBoundary {
    fn skip_start(&self, body: &[u8]) -> usize {
        skip_companions(body)
    }

    fn extend_end(&self, file: &File, pos: u64, buf: &mut Vec<u8>) -> std::io::Result<()> {
        extend_with_companions(file, pos, buf)
    }

    fn stream_cut(&self, buf: &[u8], cut: usize) -> usize {
        vllm_block_cut(buf, cut)
    }
}

/// vLLM companion lines (speculative decoding, V0 prefix cache) merge into
/// the statistics row before them, so a chunk boundary must not fall
/// between the two: a range owns the companion lines right after its end
/// ([`extend_with_companions`]) and the next range skips them
/// ([`skip_companions`]). Both decide from the same bytes, so ranges agree.
pub fn skip_companions(body: &[u8]) -> usize {
    let mut scratch = Vec::new();
    let mut at = 0;
    while at < body.len() {
        let end = memchr::memchr(b'\n', &body[at..]).map_or(body.len(), |i| at + i + 1);
        if !crate::scan::vllm::is_companion(&body[at..end], &mut scratch) {
            break;
        }
        at = end;
    }
    at
}

/// Appends to `buf` the companion lines that follow byte `pos` of `file`.
pub fn extend_with_companions(file: &File, mut pos: u64, buf: &mut Vec<u8>) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt;
    let mut scratch = Vec::new();
    let mut more = vec![0u8; 64 * 1024];
    loop {
        let k = loop {
            match file.read_at(&mut more, pos) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                r => break r?,
            }
        };
        let mut at = 0;
        while at < k {
            let end = match memchr::memchr(b'\n', &more[at..k]) {
                Some(i) => at + i + 1,
                // A line longer than the window, or the file's last line
                // without `\n`: companion lines are short, so only the
                // latter is taken.
                None if (k as u64) < more.len() as u64 => k,
                None => return Ok(()),
            };
            if !crate::scan::vllm::is_companion(&more[at..end], &mut scratch) {
                return Ok(());
            }
            buf.extend_from_slice(&more[at..end]);
            at = end;
        }
        if k < more.len() {
            return Ok(());
        }
        pos += k as u64;
    }
}

/// Where to end a block of a streamed (compressed) vLLM file so that a
/// statistics line and its companions stay together: before a trailing
/// statistics line and the companions after it, when the block ends there.
pub fn vllm_block_cut(buf: &[u8], cut: usize) -> usize {
    let mut scratch = Vec::new();
    let mut end = cut;
    while end > 0 {
        let start = memchr::memrchr(b'\n', &buf[..end - 1]).map_or(0, |i| i + 1);
        let line = &buf[start..end];
        if crate::scan::vllm::is_companion(line, &mut scratch) {
            end = start;
            continue;
        }
        if crate::scan::vllm::is_stats(line, &mut scratch) && start > 0 {
            return start;
        }
        break;
    }
    cut
}
