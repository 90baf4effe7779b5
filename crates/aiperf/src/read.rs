//! Reading AIPerf exports: finding them under a folder and reading their
//! records through the shared I/O layer.
//!
//! * [`find_exports`] walks with [`srtlog_io::walk`](mod@srtlog_io::walk) (each file once,
//!   symbolic-link loops and FIFOs reported and skipped), so a sweep folder
//!   with a link to itself lists each run once.
//! * [`read_records`] reads with [`srtlog_io::blocks`]: 8 MiB blocks cut at
//!   line ends, decoded into one [`Accum`] per block in parallel, merged in
//!   file order. A line longer than [`MAX_LINE_BYTES`] is skipped and
//!   counted as a bad line with its number; a truncated or corrupt gzip/zstd
//!   stream keeps the records before it, with a warning.

use crate::accum::{Accum, AccumOptions, BadLine, MAX_BAD_EXAMPLES};
use crate::{AiperfError, AiperfOptions};
use srtlog_io::blocks::{BlockJob, BlockOptions, StreamMode, TaskDone};
use srtlog_io::WarningKind;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Bytes per block.
const BLOCK: usize = 8 << 20;

/// The longest AIPerf record line kept, in bytes (256 MiB): a record with
/// its chunk lists can legitimately be tens of MB; a longer line is skipped
/// and counted as a bad line with its number, so time stays linear and
/// memory bounded whatever the input. Change it with [`set_max_line_bytes`].
pub const MAX_LINE_BYTES: usize = 256 << 20;
static MAX_LINE: AtomicUsize = AtomicUsize::new(MAX_LINE_BYTES);

/// Sets the longest AIPerf line kept, for every later read in this process.
pub fn set_max_line_bytes(bytes: usize) {
    MAX_LINE.store(bytes.max(1), Ordering::Relaxed);
}

/// Every `*profile_export.jsonl` (or `.jsonl.gz`) under `dir` (depth ≤ 4),
/// sorted, each file once.
pub fn find_exports(dir: &Path) -> Vec<PathBuf> {
    let opts = srtlog_io::WalkOptions {
        max_depth: Some(4),
        want_file: |p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                n.ends_with("profile_export.jsonl") || n.ends_with("profile_export.jsonl.gz")
            })
        },
        ..srtlog_io::WalkOptions::default()
    };
    let Ok(w) = srtlog_io::walk(&[dir.to_path_buf()], &opts) else {
        return Vec::new();
    };
    for warning in &w.warnings {
        tracing::warn!("{warning}");
    }
    w.files.into_iter().map(|f| f.path).collect()
}

/// The decoding of AIPerf blocks.
struct AiperfJob {
    opts: AccumOptions,
}

impl BlockJob for AiperfJob {
    type Out = Accum;

    fn parse(&self, _file: usize, block: &[u8], last: bool) -> Accum {
        let mut a = Accum::new();
        // Line numbers relative to the block; made absolute when merged.
        a.feed_block(block, 1, last, self.opts);
        a
    }
}

/// Reads and accumulates every record of `file` (plain, gzip or zstd),
/// in parallel blocks. `progress` counts bytes read.
pub fn read_records(
    file: &Path,
    opts: AiperfOptions,
    progress: &AtomicU64,
) -> Result<Accum, AiperfError> {
    let job = AiperfJob {
        opts: AccumOptions {
            include_warmup: opts.include_warmup,
            rows: opts.rows,
        },
    };
    let cap = MAX_LINE.load(Ordering::Relaxed);
    let bopts = BlockOptions {
        block_bytes: BLOCK,
        stream_block_bytes: BLOCK,
        max_line: cap,
        window: srtlog_io::blocks::default_window(),
        streams: StreamMode::Parallel,
    };
    let mut total = Accum::new();
    srtlog_io::blocks::run(
        &[file.to_path_buf()],
        &job,
        &bopts,
        progress,
        |t: TaskDone<Accum>| {
            if let Some(w) = t.warning {
                if w.kind != WarningKind::Truncated {
                    return Err(AiperfError::Io {
                        path: file.to_path_buf(),
                        source: std::io::Error::other(w.message),
                    });
                }
                tracing::warn!("{w}");
            }
            for b in t.blocks {
                let mut a = b.out;
                for e in &mut a.bad_examples {
                    e.line += b.line_base;
                }
                for &line in &b.overlong {
                    a.lines += 1;
                    a.bad_json += 1;
                    if a.bad_examples.len() < MAX_BAD_EXAMPLES {
                        a.bad_examples.push(BadLine {
                            line,
                            message: format!("line longer than {cap} bytes: skipped"),
                        });
                        a.bad_examples.sort_by_key(|e| e.line);
                    }
                }
                total.merge(a);
            }
            Ok(())
        },
    )?;
    Ok(total)
}
