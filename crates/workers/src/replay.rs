//! Series from a valid Parquet cache ([`crate::cache`]) instead of the logs:
//! what `viz`, `stats` and `parse --stats` do when the cache matches.
//!
//! A fresh parse hands the [`SeriesBuilder`] each file's table parts in file
//! order, then the file's identity and primary ranks
//! ([`SeriesBuilder::end_file`]). The cache holds the same rows in the same
//! order, and its metadata the rest ([`FileReplay`]), so the replay makes the
//! very same calls: the rows are cut into parts of the recorded sizes (the
//! bucket width may double between two parts, and the sums of a bucket
//! depend on when it did), each file is ended with its recorded start and
//! primary ranks. The output is therefore the fresh parse's, bit for bit.
//! The rows' `duplicate` and `worker_type` columns, which a rebuilt cache may
//! hold exact where the streamed parts were provisional, are not read by the
//! streamed reduction ([`SeriesBuilder::add_part`]).
//!
//! The Parquet file is decoded on a thread of its own, a few batches ahead
//! (bounded memory), while the files already decoded are reduced side by
//! side, a window of whole files at a time ([`SeriesBuilder::add_files`]:
//! the same sums in the same order as one file after another). Columns the
//! reduction never reads (line numbers, file identity, start-up constants)
//! and columns that are null in every row of the file (the footer's null
//! counts say so; most of the 80 columns on any one engine) are not
//! decoded: the reduction skips a column that is null throughout a part
//! before looking at its name, so leaving it out changes nothing but the
//! work.

use crate::cache::{CacheMeta, CachePaths, FileReplay};
use crate::discover::WorkerFile;
use crate::error::{Error, Result};
use crate::series::{
    FactPart, FileInput, RowFacts, SeriesBuilder, SeriesOptions, SeriesSet, WorkerMeta,
};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ProjectionMask;
use parquet::file::metadata::ParquetMetaData;
use parquet::schema::types::SchemaDescriptor;
use srtlog_formats::Timestamp;
use srtlog_table::arrow_schema::ArrowError;
use srtlog_table::RecordBatch;
use std::collections::VecDeque;
use std::path::Path;
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::Arc;

/// Rows per decoded batch. Parts are handed over as slices of these, so
/// their size does not change the result: 8 Ki rows keep a batch's columns
/// (64 KiB each) in glibc's heap instead of fresh pages (2 Ki rows was
/// slower from the per-batch work, 16 Ki no faster and larger).
const READ_BATCH: usize = 8 * 1024;

/// Reduces the cached rows of `files` (the current discovery, which the
/// cache was validated against) to series.
pub fn series(
    paths: &CachePaths,
    meta: &CacheMeta,
    files: &[WorkerFile],
    opts: SeriesOptions,
) -> Result<SeriesSet> {
    if meta.replay.len() != files.len() || meta.summary.workers.len() != files.len() {
        return Err(bad(
            &paths.meta,
            "the metadata does not describe every file",
        ));
    }
    // A few whole files at a time, reduced side by side (bit for bit the
    // result of one after another: [`SeriesBuilder::add_files`]); the
    // reader decodes and cuts the next window's files meanwhile.
    let window = rayon::current_num_threads().max(2);
    let cuts = meta
        .replay
        .iter()
        .map(|r| r.parts.iter().map(|&n| n as usize).collect())
        .collect();
    let rx = spawn_reader(&paths.parquet, cuts, window);
    let next = || match rx.recv() {
        Ok(Ok(parts)) => Ok(parts),
        Ok(Err(e)) => Err(bad(&paths.parquet, &e)),
        Err(_) => Err(bad(&paths.parquet, "the reader stopped")),
    };
    let mut b = SeriesBuilder::new(opts);
    let entries: Vec<_> = files
        .iter()
        .zip(&meta.replay)
        .zip(&meta.summary.workers)
        .collect();
    for chunk in entries.chunks(window) {
        let mut inputs = Vec::with_capacity(chunk.len());
        for ((f, r), w) in chunk {
            inputs.push(FileInput {
                parts: next()?,
                meta: WorkerMeta {
                    file: f.path.display().to_string(),
                    node: f.node.clone(),
                    worker_id: f.worker_id.clone(),
                    worker_type: w.worker_type,
                    start: r.start_us.map(Timestamp),
                },
                primary: FileReplay::primary_map(r),
            });
        }
        b.add_files(inputs);
    }
    // After the last file the reader only says why it could not finish.
    if let Ok(Err(e)) = rx.recv() {
        return Err(bad(&paths.parquet, &e));
    }
    Ok(b.finish())
}

fn bad(path: &Path, why: &str) -> Error {
    Error::io(path, std::io::Error::other(why.to_string()))
}

/// One file's rows cut into its parts, or why reading stopped.
type FileRows = std::result::Result<Vec<Vec<Part>>, String>;

type Part = FactPart;

/// Decodes the Parquet file on its own thread and cuts the rows into each
/// file's parts (`cuts`: the part sizes of each file, in file order),
/// `ahead` files ahead of the reduction (bounded memory). Each batch's row
/// facts ([`RowFacts`]) are read here too: they depend on the batch alone.
/// Empty parts are left out (they add nothing: no row, no warning). After
/// the last file, rows left over are an error, sent as one more message.
fn spawn_reader(path: &Path, cuts: Vec<Vec<usize>>, ahead: usize) -> Receiver<FileRows> {
    let (tx, rx) = sync_channel::<FileRows>(ahead);
    let path = path.to_path_buf();
    std::thread::spawn(move || {
        let reader = std::fs::File::open(&path)
            .map_err(|e| e.to_string())
            .and_then(|f| {
                ParquetRecordBatchReaderBuilder::try_new(f)
                    .and_then(|b| {
                        let mask = needed(b.metadata(), b.parquet_schema(), b.schema());
                        b.with_projection(mask).with_batch_size(READ_BATCH).build()
                    })
                    .map_err(|e| e.to_string())
            });
        let reader = match reader {
            Ok(r) => r,
            Err(e) => {
                let _ = tx.send(Err(e));
                return;
            }
        };
        let mut rows = Cursor {
            batches: reader,
            pending: VecDeque::new(),
        };
        for parts in cuts {
            let file: FileRows = parts
                .into_iter()
                .filter(|&n| n > 0)
                .map(|n| rows.take(n))
                .collect();
            let failed = file.is_err();
            // A closed channel: the reduction stopped; so do we.
            if tx.send(file).is_err() || failed {
                return;
            }
        }
        match rows.is_exhausted() {
            Ok(true) => {}
            Ok(false) => {
                let _ = tx.send(Err("more rows than the metadata records".into()));
            }
            Err(e) => {
                let _ = tx.send(Err(e));
            }
        }
    });
    rx
}

/// The columns the reduction reads ([`crate::series::reads_column`]) that
/// hold a value in some row group, by the footer's statistics (a column
/// without statistics counts as holding values).
fn needed(
    meta: &ParquetMetaData,
    schema: &SchemaDescriptor,
    arrow: &srtlog_table::arrow_schema::Schema,
) -> ProjectionMask {
    let keep = (0..schema.num_columns()).filter(|&c| {
        let name = schema.column(c).name().to_string();
        let read = arrow
            .field_with_name(&name)
            .is_ok_and(|f| crate::series::reads_column(&name, f.data_type()));
        read && meta.row_groups().iter().any(|g| {
            let col = g.column(c);
            col.statistics()
                .and_then(|s| s.null_count_opt())
                .is_none_or(|nulls| i64::try_from(nulls).map_or(true, |n| n < col.num_values()))
        })
    });
    ProjectionMask::leaves(schema, keep)
}

/// Hands out the decoded rows in parts of any size.
struct Cursor<I> {
    batches: I,
    /// Decoded rows not handed out yet, in order.
    pending: VecDeque<Part>,
}

impl<I> Cursor<I>
where
    I: Iterator<Item = std::result::Result<RecordBatch, ArrowError>>,
{
    /// The next decoded batch with its facts; `None` at the end.
    fn next_batch(&mut self) -> Option<std::result::Result<Part, String>> {
        let b = self.batches.next()?;
        Some(
            b.map(|b| {
                let facts = RowFacts::of(&b).map(Arc::new);
                (b, facts, 0)
            })
            .map_err(|e| e.to_string()),
        )
    }

    /// Whether every row was handed out.
    fn is_exhausted(&mut self) -> std::result::Result<bool, String> {
        while self.pending.iter().all(|(b, ..)| b.num_rows() == 0) {
            match self.next_batch() {
                Some(p) => self.pending.push_back(p?),
                None => return Ok(true),
            }
        }
        Ok(false)
    }

    /// The next `n` rows, as consecutive batches (slices of the decoded
    /// ones, never copied) with their facts.
    fn take(&mut self, n: usize) -> std::result::Result<Vec<Part>, String> {
        let mut have: usize = self.pending.iter().map(|(b, ..)| b.num_rows()).sum();
        while have < n {
            match self.next_batch() {
                Some(p) => {
                    let p = p?;
                    have += p.0.num_rows();
                    self.pending.push_back(p);
                }
                None => break,
            }
        }
        if have < n {
            return Err("fewer rows than the metadata records".into());
        }
        let mut parts = Vec::new();
        let mut need = n;
        while need > 0 {
            let Some((b, f, off)) = self.pending.pop_front() else {
                break; // unreachable: `have >= n` rows are pending
            };
            if b.num_rows() <= need {
                need -= b.num_rows();
                parts.push((b, f, off));
            } else {
                parts.push((b.slice(0, need), f.clone(), off));
                self.pending
                    .push_front((b.slice(need, b.num_rows() - need), f, off + need));
                need = 0;
            }
        }
        Ok(parts)
    }
}
