//! The one block engine: files cut into line-aligned byte blocks, parsed in
//! parallel a window at a time, merged in file order.
//!
//! * A plain file larger than [`BlockOptions::block_bytes`] is cut into byte
//!   ranges read by positional I/O into a per-thread buffer that is reused
//!   for every range (no allocation, no page faults after the first). A line
//!   belongs to the range it starts in: a range after the first reads one
//!   byte early and skips through the first `\n`, and every range reads on
//!   to the end of its last line.
//! * A gzip or zstd file (recognised by its magic bytes) is a stream: read
//!   block by block, either inside one task ([`StreamMode::OneTask`], one
//!   file per thread; the task's results are held until its stream ends) or
//!   one window ahead of the parsing, with the blocks parsed in parallel
//!   ([`StreamMode::Parallel`]; memory stays bounded by three windows of
//!   blocks, one merged, one parsed, one read, never by the decompressed
//!   size). A stream that ends early or is corrupt
//!   gives a [`WarningKind::Truncated`] warning and keeps the lines before.
//! * A job may keep lines together across a cut ([`Boundary`]): the worker-
//!   log job keeps a vLLM statistics line with its companion lines.
//! * A line longer than [`BlockOptions::max_line`] is *overlong*: replaced by
//!   an empty line before the job sees the block (so line numbers do not
//!   move), counted, and reported with its line number. Time is linear and
//!   memory bounded by the cap whatever the input (a 1 GB line without `\n`
//!   is skipped, not accumulated).
//!
//! While a window is parsed, the next one is planned and (for a stream)
//! read, and the one before is merged by the calling thread ([`run`]).
//! Results are handed to the caller in file order, one [`TaskDone`] per
//! task, with each block's 0-based line offset in its file counted exactly
//! as a sequential run would.

mod read;

use crate::open::{read_head, sniff_encoding, Encoding};
use crate::warning::{Warning, WarningKind};
use rayon::prelude::*;
use read::{blank_overlong, count_newlines, read_range, RangeRead, StreamReader};
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A per-job rule for where a block may end.
///
/// The defaults cut at every line end. All three decisions are taken from
/// the bytes alone, so two neighbouring ranges agree on who owns a line.
pub trait Boundary: Sync {
    /// Bytes at the start of a range (after its first line start) that
    /// belong to the range before it.
    fn skip_start(&self, _body: &[u8]) -> usize {
        0
    }
    /// Appends to `buf` the lines after byte `pos` of `file` that belong to
    /// the range ending at `pos` (the range before skips them).
    fn extend_end(&self, _file: &File, _pos: u64, _buf: &mut Vec<u8>) -> io::Result<()> {
        Ok(())
    }
    /// Where to end a streamed block whose last line end is at `cut`.
    fn stream_cut(&self, _buf: &[u8], cut: usize) -> usize {
        cut
    }
}

/// Cuts at every line end.
#[derive(Clone, Copy, Debug, Default)]
pub struct LineBoundary;

impl Boundary for LineBoundary {}

/// What a job does with a block.
pub trait BlockJob: Sync {
    /// The result of one block.
    type Out: Send;
    /// The boundary rule of file `file`.
    fn boundary(&self, _file: usize) -> &dyn Boundary {
        &LineBoundary
    }
    /// Parses one block of whole lines of file `file` (overlong lines are
    /// empty). `last`: the block holds the file's last line (which may lack
    /// a `\n`); an empty block may follow it.
    fn parse(&self, file: usize, block: &[u8], last: bool) -> Self::Out;
    /// The number of `\n` in `block`, when the job counted its lines while
    /// parsing; the engine then skips a pass over the block's bytes of its
    /// own (which, over a block larger than the cache, is a second trip
    /// through memory). `None`: the engine counts.
    fn newlines(&self, _block: &[u8], _out: &Self::Out) -> Option<u64> {
        None
    }
}

/// Parses one block and counts its `\n`: the count the overlong rule
/// already made, else the job's own, else one SIMD count.
fn parse_block<J: BlockJob>(
    job: &J,
    file: usize,
    block: &[u8],
    last: bool,
    counted: Option<u64>,
) -> (J::Out, u64) {
    let out = job.parse(file, block, last);
    let newlines = counted
        .or_else(|| job.newlines(block, &out))
        .unwrap_or_else(|| count_newlines(block));
    // Every test run (debug builds) checks a job's own count against ours.
    debug_assert_eq!(newlines, count_newlines(block), "line count of a block");
    (out, newlines)
}

/// How compressed streams are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamMode {
    /// A stream is one task: decoded and parsed block by block on one
    /// thread, its blocks handed over together (several streams decode in
    /// parallel).
    OneTask,
    /// A stream is decoded one window ahead while its blocks are parsed in
    /// parallel a window at a time (at most two blocks per thread are read
    /// ahead, however wide the window).
    Parallel,
}

/// Options of [`run`].
#[derive(Clone, Copy, Debug)]
pub struct BlockOptions {
    /// Bytes per range of a plain file; plain files up to this size are one
    /// block.
    pub block_bytes: usize,
    /// Decoded bytes per block of a compressed stream.
    pub stream_block_bytes: usize,
    /// Longest line kept, in bytes (newline included). Longer lines are
    /// overlong ([`TaskDone::blocks`]' `overlong`).
    pub max_line: usize,
    /// Tasks parsed in parallel before their results are handed over.
    pub window: usize,
    /// How compressed streams are read.
    pub streams: StreamMode,
}

impl Default for BlockOptions {
    fn default() -> Self {
        BlockOptions {
            block_bytes: 8 << 20,
            stream_block_bytes: 8 << 20,
            max_line: 16 << 20,
            window: default_window(),
            streams: StreamMode::Parallel,
        }
    }
}

/// Two tasks per thread: every core stays busy while memory stays bounded.
pub fn default_window() -> usize {
    (2 * rayon::current_num_threads()).max(2)
}

/// One parsed block.
#[derive(Debug)]
pub struct BlockDone<T> {
    /// The job's result.
    pub out: T,
    /// Lines of the file before this block (0-based line offset).
    pub line_base: u64,
    /// `\n` bytes in the block.
    pub newlines: u64,
    /// Bytes of input the block covers (decoded bytes for a stream; an
    /// overlong line cut short at the end of a range counts only its start).
    pub bytes: u64,
    /// 1-based line numbers (in the file) of the overlong lines skipped.
    pub overlong: Vec<u64>,
}

/// The results of one task, in file order.
#[derive(Debug)]
pub struct TaskDone<T> {
    /// Index of the file in the input.
    pub file: usize,
    /// Its blocks (several for a [`StreamMode::OneTask`] stream).
    pub blocks: Vec<BlockDone<T>>,
    /// A problem that ended the file early (unreadable, truncated stream).
    pub warning: Option<Warning>,
    /// The first task of its file.
    pub first: bool,
    /// The last task of its file.
    pub last: bool,
}

/// One unit of parallel work.
enum Work {
    /// Byte range `[offset, offset+len)` of a plain file.
    Range {
        file: usize,
        offset: u64,
        len: usize,
        last: bool,
    },
    /// A whole stream, read inside the task.
    Stream { file: usize },
    /// A block already read from a stream (its buffer, its overlong lines).
    Owned {
        file: usize,
        buf: Vec<u8>,
        overlong: Vec<u64>,
        last: bool,
        warning: Option<Warning>,
    },
    /// A file that could not be opened.
    Failed { file: usize, warning: Warning },
}

/// One block before its line numbers are made absolute.
struct RawBlock<T> {
    out: T,
    newlines: u64,
    bytes: u64,
    /// Overlong lines, 0-based indexes relative to the block.
    overlong: Vec<u64>,
}

/// What a task hands back before line numbers are made absolute.
struct Raw<T> {
    file: usize,
    blocks: Vec<RawBlock<T>>,
    warning: Option<Warning>,
    last: bool,
    /// A pooled buffer to give back.
    buf: Option<Vec<u8>>,
}

thread_local! {
    /// One read buffer per worker thread, reused for every range it reads.
    static READ_BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Parses `files` with `job`, handing each task's results to `merge` in
/// file order. `progress` counts input bytes consumed (decoded bytes for a
/// stream). Stops at the first error `merge` returns.
///
/// The merge is pipelined: a producer thread reads and parses window `k + 1`
/// on the pool while this thread merges window `k`. Merging is serial (file
/// order) and, for jobs that build tables, as long as a third of the parse;
/// with a barrier per window the cores would wait for it. At most two windows
/// are held. Called from inside a rayon pool, where blocking a worker on the
/// producer could leave no thread to run it, the windows are parsed and
/// merged in turn instead.
pub fn run<J: BlockJob, E>(
    files: &[PathBuf],
    job: &J,
    opts: &BlockOptions,
    progress: &AtomicU64,
    merge: impl FnMut(TaskDone<J::Out>) -> Result<(), E>,
) -> Result<(), E> {
    let window = opts.window.max(1);
    let feed = Feeder {
        plan: plan(files, opts).into_iter(),
        stream: None,
        pool: Vec::new(),
        window,
        // Blocks read from a stream hold their buffers until parsed: however
        // wide the window, at most two per thread are read ahead.
        owned_cap: default_window().min(window),
    };
    let mut merger = Merger {
        line_base: vec![0u64; files.len()],
        started: vec![false; files.len()],
        merge,
    };
    if rayon::current_thread_index().is_some() {
        return run_in_turn(feed, files, job, opts, progress, &mut merger);
    }
    std::thread::scope(|s| {
        // A rendezvous channel: the producer hands a window over only when
        // the merger asks for the next, so one is parsed while one is merged.
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Raw<J::Out>>>(0);
        let (give_back, returned) = std::sync::mpsc::channel::<Vec<u8>>();
        let mut feed = feed;
        s.spawn(move || {
            let mut win = feed.fill(files, job, opts, progress);
            while !win.is_empty() {
                feed.pool.extend(returned.try_iter());
                let (outs, next) = rayon::join(
                    || parse_window(win, files, job, opts, progress),
                    || feed.fill(files, job, opts, progress),
                );
                // The merger stopped (an error): so does the producer.
                if tx.send(outs).is_err() {
                    break;
                }
                win = next;
            }
        });
        for outs in rx {
            for mut raw in outs {
                if let Some(buf) = raw.buf.take() {
                    // The producer may have finished; a lost buffer is fine.
                    let _ = give_back.send(buf);
                }
                merger.merge(raw)?;
            }
        }
        Ok(())
    })
}

/// [`run`] without the producer thread: each window is parsed, then merged.
fn run_in_turn<J: BlockJob, E, M: FnMut(TaskDone<J::Out>) -> Result<(), E>>(
    mut feed: Feeder,
    files: &[PathBuf],
    job: &J,
    opts: &BlockOptions,
    progress: &AtomicU64,
    merger: &mut Merger<M>,
) -> Result<(), E> {
    let mut win = feed.fill(files, job, opts, progress);
    while !win.is_empty() {
        // The next window is read (a stream decoded) while this one is
        // parsed.
        let (outs, next) = rayon::join(
            || parse_window(win, files, job, opts, progress),
            || feed.fill(files, job, opts, progress),
        );
        win = next;
        for mut raw in outs {
            feed.pool.extend(raw.buf.take());
            merger.merge(raw)?;
        }
    }
    Ok(())
}

/// Parses one window's work items in parallel, in order.
fn parse_window<J: BlockJob>(
    win: Vec<Work>,
    files: &[PathBuf],
    job: &J,
    opts: &BlockOptions,
    progress: &AtomicU64,
) -> Vec<Raw<J::Out>> {
    win.into_par_iter()
        .map(|w| run_work(w, files, job, opts, progress))
        .collect()
}

/// Makes line numbers absolute in file order and hands tasks to the merge.
struct Merger<M> {
    line_base: Vec<u64>,
    started: Vec<bool>,
    merge: M,
}

impl<M> Merger<M> {
    fn merge<T, E>(&mut self, raw: Raw<T>) -> Result<(), E>
    where
        M: FnMut(TaskDone<T>) -> Result<(), E>,
    {
        let file = raw.file;
        let first = !std::mem::replace(&mut self.started[file], true);
        let mut blocks = Vec::with_capacity(raw.blocks.len());
        for b in raw.blocks {
            let base = self.line_base[file];
            self.line_base[file] += b.newlines;
            blocks.push(BlockDone {
                out: b.out,
                line_base: base,
                newlines: b.newlines,
                bytes: b.bytes,
                overlong: b.overlong.into_iter().map(|l| base + l + 1).collect(),
            });
        }
        (self.merge)(TaskDone {
            file,
            blocks,
            warning: raw.warning,
            first,
            last: raw.last,
        })
    }
}

/// Hands out the work of the next window, in file order.
struct Feeder {
    plan: std::vec::IntoIter<Work>,
    /// The stream being read block by block ([`StreamMode::Parallel`]).
    stream: Option<(usize, StreamReader)>,
    /// Buffers of parsed stream blocks, reused.
    pool: Vec<Vec<u8>>,
    window: usize,
    owned_cap: usize,
}

impl Feeder {
    fn fill<J: BlockJob>(
        &mut self,
        files: &[PathBuf],
        job: &J,
        opts: &BlockOptions,
        progress: &AtomicU64,
    ) -> Vec<Work> {
        let mut win: Vec<Work> = Vec::new();
        let mut owned = 0;
        while win.len() < self.window {
            if let Some((file, s)) = &mut self.stream {
                if owned >= self.owned_cap {
                    break;
                }
                owned += 1;
                let mut buf = self.pool.pop().unwrap_or_default();
                let (overlong, last) = s.next_block(&mut buf, opts, job.boundary(*file), progress);
                let warning = if last { s.warning.take() } else { None };
                win.push(Work::Owned {
                    file: *file,
                    buf,
                    overlong,
                    last,
                    warning,
                });
                if last {
                    self.stream = None;
                }
                continue;
            }
            match self.plan.next() {
                None => break,
                Some(Work::Stream { file }) if opts.streams == StreamMode::Parallel => {
                    match StreamReader::open(&files[file]) {
                        Ok(s) => self.stream = Some((file, s)),
                        Err(warning) => win.push(Work::Failed { file, warning }),
                    }
                }
                Some(w) => win.push(w),
            }
        }
        win
    }
}

/// Cuts the files into work, in file order.
fn plan(files: &[PathBuf], opts: &BlockOptions) -> Vec<Work> {
    let mut work = Vec::new();
    for (file, path) in files.iter().enumerate() {
        let size = match std::fs::metadata(path) {
            Ok(m) => m.len(),
            Err(e) => {
                work.push(Work::Failed {
                    file,
                    warning: unreadable(path, &e),
                });
                continue;
            }
        };
        let enc = match read_head(path, 4) {
            Ok(h) => sniff_encoding(&h),
            Err(e) => {
                work.push(Work::Failed {
                    file,
                    warning: Warning::new(path, WarningKind::Unreadable, e.cause_text()),
                });
                continue;
            }
        };
        // A file ending its lines with CR alone is read as a stream, whose
        // reader turns its CRs into LFs ([`crate::open`]); said once here,
        // by the one engine every job reads through.
        let cr = crate::open::cr_line_ends(path).ok().flatten();
        if let Some(n) = cr {
            tracing::warn!(
                "{}: no line feed in its first MiB but {n} carriage returns: read with CR (\\r) as the line end",
                path.display()
            );
        }
        if enc != Encoding::Plain || cr.is_some() {
            work.push(Work::Stream { file });
            continue;
        }
        let block = opts.block_bytes.max(1) as u64;
        let mut offset = 0u64;
        loop {
            let len = (size - offset).min(block) as usize;
            let last = offset + len as u64 >= size;
            work.push(Work::Range {
                file,
                offset,
                len,
                last,
            });
            offset += len as u64;
            if last {
                break;
            }
        }
    }
    work
}

fn unreadable(path: &Path, e: &io::Error) -> Warning {
    Warning::new(path, WarningKind::Unreadable, format!("cannot open: {e}"))
}

fn run_work<J: BlockJob>(
    w: Work,
    files: &[PathBuf],
    job: &J,
    opts: &BlockOptions,
    progress: &AtomicU64,
) -> Raw<J::Out> {
    match w {
        Work::Range {
            file,
            offset,
            len,
            last,
        } => {
            let r = READ_BUF.with(|cell| {
                let mut buf = cell.borrow_mut();
                let path = &files[file];
                let f = File::open(path).map_err(|e| unreadable(path, &e))?;
                let mut overlong = Vec::new();
                let RangeRead { from, tail, at_eof } =
                    read_range(&f, offset, len, opts.max_line, job.boundary(file), &mut buf)
                        .map_err(|e| {
                            Warning::new(
                                path,
                                WarningKind::Unreadable,
                                format!("read error at byte {offset}: {e}"),
                            )
                        })?;
                let tail = tail
                    .filter(|&t| t >= from)
                    .map(|t| count_newlines(&buf[from..t]));
                let bytes = (buf.len() - from) as u64;
                let (end, counted) = blank_overlong(&mut buf, from, opts.max_line, &mut overlong);
                if let Some(t) = tail {
                    overlong.push(t);
                    overlong.sort_unstable();
                }
                // The block holding the file's last line is the last one
                // to the job, even when a later (empty) range follows.
                let (out, newlines) =
                    parse_block(job, file, &buf[from..end], last || at_eof, counted);
                Ok::<_, Warning>(RawBlock {
                    out,
                    newlines,
                    bytes,
                    overlong,
                })
            });
            progress.fetch_add(len as u64, Ordering::Relaxed);
            match r {
                Ok(b) => Raw {
                    file,
                    blocks: vec![b],
                    warning: None,
                    last,
                    buf: None,
                },
                Err(warning) => Raw {
                    file,
                    blocks: Vec::new(),
                    warning: Some(warning),
                    last,
                    buf: None,
                },
            }
        }
        Work::Stream { file } => run_stream(file, &files[file], job, opts, progress),
        Work::Owned {
            file,
            mut buf,
            mut overlong,
            last,
            warning,
        } => {
            let bytes = buf.len() as u64;
            let (end, counted) = blank_overlong(&mut buf, 0, opts.max_line, &mut overlong);
            overlong.sort_unstable();
            let (out, newlines) = parse_block(job, file, &buf[..end], last, counted);
            Raw {
                file,
                blocks: vec![RawBlock {
                    out,
                    newlines,
                    bytes,
                    overlong,
                }],
                warning,
                last,
                buf: Some(buf),
            }
        }
        Work::Failed { file, warning } => Raw {
            file,
            blocks: Vec::new(),
            warning: Some(warning),
            last: true,
            buf: None,
        },
    }
}

/// A whole stream read and parsed inside one task.
fn run_stream<J: BlockJob>(
    file: usize,
    path: &Path,
    job: &J,
    opts: &BlockOptions,
    progress: &AtomicU64,
) -> Raw<J::Out> {
    let mut s = match StreamReader::open(path) {
        Ok(s) => s,
        Err(w) => {
            return Raw {
                file,
                blocks: Vec::new(),
                warning: Some(w),
                last: true,
                buf: None,
            }
        }
    };
    let mut blocks = Vec::new();
    let mut buf = Vec::with_capacity(opts.stream_block_bytes.saturating_mul(2));
    loop {
        let (mut overlong, last) = s.next_block(&mut buf, opts, job.boundary(file), progress);
        let bytes = buf.len() as u64;
        let (end, counted) = blank_overlong(&mut buf, 0, opts.max_line, &mut overlong);
        overlong.sort_unstable();
        let (out, newlines) = parse_block(job, file, &buf[..end], last, counted);
        blocks.push(RawBlock {
            out,
            newlines,
            bytes,
            overlong,
        });
        if last {
            break;
        }
    }
    Raw {
        file,
        blocks,
        warning: s.warning.take(),
        last: true,
        buf: None,
    }
}
