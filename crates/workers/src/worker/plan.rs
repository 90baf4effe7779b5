//! The planner: how worker files are cut into blocks (chunk sizes, the line
//! cap, the window, the vLLM boundary rule) and what the block engine does
//! with each block (the scan, and the table part when tables are built).

use super::boundary::VllmBoundary;
use super::ParseOptions;
use crate::discover::WorkerFile;
use crate::scan::{scan_buffer_as, ChunkStats, NullSink};
use crate::types::Backend;
use srtlog_io::blocks::{BlockJob, BlockOptions, Boundary, LineBoundary, StreamMode};
use srtlog_table::node_metrics::{Chunk, NodeMetricsBuilder};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The longest worker-log line kept, in bytes (1 MiB): an SGLang or vLLM
/// line is at most kilobytes (a `ServerArgs(…)` dump is the longest, about
/// 10 KB), so a longer one is binary junk or a line without `\n`. It is
/// skipped, counted and reported with its line number, which keeps time
/// linear and memory bounded whatever the input. Change it with
/// [`set_max_line_bytes`].
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// The cap in force ([`MAX_LINE_BYTES`] unless changed).
static MAX_LINE: AtomicUsize = AtomicUsize::new(MAX_LINE_BYTES);

/// Sets the longest worker-log line kept, for every later parse in this
/// process (logs with legitimately longer lines).
pub fn set_max_line_bytes(bytes: usize) {
    MAX_LINE.store(bytes.max(1), Ordering::Relaxed);
}

/// The longest worker-log line kept now.
pub fn max_line_bytes() -> usize {
    MAX_LINE.load(Ordering::Relaxed)
}

/// Decoded bytes per block of a compressed worker log.
const STREAM_BLOCK: usize = 4 << 20;

/// The block engine's options for a parse.
pub fn block_options(opts: &ParseOptions) -> BlockOptions {
    BlockOptions {
        block_bytes: opts.chunk_bytes,
        stream_block_bytes: STREAM_BLOCK,
        max_line: max_line_bytes(),
        // With tables, a window of two chunks per thread keeps every core
        // busy while bounding the rows in memory; without, nothing large is
        // kept, and one window avoids waiting between windows.
        window: if opts.keep_table {
            srtlog_io::blocks::default_window()
        } else {
            usize::MAX
        },
        // A compressed log is one task (several decode in parallel), so its
        // year and primary ranks are decided from the whole file.
        streams: StreamMode::OneTask,
    }
}

/// The scan of worker-log blocks.
pub struct WorkerJob<'a> {
    /// The files, by index.
    pub files: &'a [WorkerFile],
    /// Build table parts.
    pub keep: bool,
}

impl BlockJob for WorkerJob<'_> {
    type Out = (ChunkStats, Option<Chunk>);

    fn boundary(&self, file: usize) -> &dyn Boundary {
        match self.files[file].backend {
            Backend::Vllm => &VllmBoundary,
            Backend::Sglang => &LineBoundary,
        }
    }

    fn parse(&self, file: usize, block: &[u8], _last: bool) -> Self::Out {
        scan_part(block, self.keep, self.files[file].backend)
    }

    /// The scan loop counts physical lines (an unterminated last one too),
    /// so the engine need not count `\n` again.
    fn newlines(&self, block: &[u8], out: &Self::Out) -> Option<u64> {
        let unterminated = !block.is_empty() && block.last() != Some(&b'\n');
        Some(out.0.lines.saturating_sub(u64::from(unterminated)))
    }
}

/// Scans a buffer of whole lines; with `keep`, also builds its table part
/// (line numbers relative to the buffer). Building the Arrow arrays here puts
/// that work on the parallel tasks rather than on the merging thread.
fn scan_part(buf: &[u8], keep: bool, backend: Backend) -> (ChunkStats, Option<Chunk>) {
    if keep {
        // Rows never outnumber lines, and a record line is rarely shorter
        // than 48 bytes (its prefix alone is 30); columns that need more
        // grow. Capacity that is never written costs no memory (its pages
        // are not touched), while counting the lines cost 4 % of the parse.
        let mut b = NodeMetricsBuilder::with_capacity(buf.len() / 48 + 16);
        let st = scan_buffer_as(buf, backend, &mut b);
        (st, (!b.is_empty()).then(|| b.finish_chunk()))
    } else {
        (scan_buffer_as(buf, backend, &mut NullSink), None)
    }
}
