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
//! Each worker file's rows are a range of the table, read by a reader of
//! its own and reduced side by side with the other files, a part at a time
//! ([`SeriesBuilder::add_files_from`]: the same sums in the same order as
//! one file after another). Columns the
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
    FactPart, FileHead, PartRead, RowFacts, SeriesBuilder, SeriesOptions, SeriesSet, WorkerMeta,
};
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder, RowSelection,
    RowSelector,
};
use parquet::arrow::ProjectionMask;
use parquet::file::metadata::PageIndexPolicy;
use parquet::file::metadata::ParquetMetaData;
use parquet::file::statistics::Statistics;
use parquet::schema::types::SchemaDescriptor;
use srtlog_formats::Timestamp;
use srtlog_table::arrow_schema::ArrowError;
use srtlog_table::RecordBatch;
use std::collections::VecDeque;
use std::path::Path;
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
    let path = &paths.parquet;
    let reader = Reader::open(path, meta).map_err(|e| bad(path, &e))?;
    let mut b = SeriesBuilder::new(opts);
    let known = b.knows_columns(&reader.schema);
    let heads = files
        .iter()
        .zip(&meta.replay)
        .zip(&meta.summary.workers)
        .map(|((f, r), w)| FileHead {
            meta: WorkerMeta {
                file: f.path.display().to_string(),
                node: f.node.clone(),
                worker_id: f.worker_id.clone(),
                worker_type: w.worker_type,
                start: r.start_us.map(Timestamp),
            },
            primary: FileReplay::primary_map(r),
        })
        .collect();
    b.add_files_from(heads, known, reader.range, |i| reader.parts(i))
        .map_err(|e| bad(path, &e))?;
    Ok(b.finish())
}

fn bad(path: &Path, why: &str) -> Error {
    Error::io(path, std::io::Error::other(why.to_string()))
}

/// The cache's Parquet file, read file by file: each worker file's rows
/// are a range of the table (the sizes of its parts are in the metadata),
/// decoded by a reader of its own that selects those rows (the page index
/// skips the pages before them), so files are read side by side.
struct Reader {
    path: std::path::PathBuf,
    meta: ArrowReaderMetadata,
    mask: ProjectionMask,
    /// The Arrow schema of the columns read.
    schema: srtlog_table::arrow_schema::Schema,
    /// Each row group's first row.
    group_starts: Vec<usize>,
    /// Each file's first row and part sizes.
    files: Vec<(usize, Vec<usize>)>,
    /// The time range of all rows, by the footer's statistics.
    range: Option<(i64, i64)>,
}

impl Reader {
    fn open(path: &Path, cache: &CacheMeta) -> std::result::Result<Reader, String> {
        let f = std::fs::File::open(path).map_err(|e| e.to_string())?;
        // The offset index lets a file's reader skip the pages before its rows.
        let opts = ArrowReaderOptions::new().with_offset_index_policy(PageIndexPolicy::Optional);
        let meta = ArrowReaderMetadata::load(&f, opts).map_err(|e| e.to_string())?;
        let pq = meta.metadata();
        let mask = needed(pq, meta.parquet_schema(), meta.schema());
        let schema = meta
            .schema()
            .project(
                &(0..meta.schema().fields().len())
                    .filter(|&i| mask.leaf_included(i))
                    .collect::<Vec<_>>(),
            )
            .map_err(|e| e.to_string())?;
        let mut group_starts = Vec::with_capacity(pq.num_row_groups() + 1);
        let mut total = 0usize;
        for g in pq.row_groups() {
            group_starts.push(total);
            total += usize::try_from(g.num_rows()).unwrap_or(0);
        }
        group_starts.push(total);
        let mut files = Vec::with_capacity(cache.replay.len());
        let mut start = 0usize;
        for r in &cache.replay {
            let parts: Vec<usize> = r.parts.iter().map(|&n| n as usize).collect();
            files.push((start, parts.clone()));
            start += parts.iter().sum::<usize>();
        }
        if start != total {
            return Err(format!("{total} rows, but the metadata records {start}"));
        }
        Ok(Reader {
            path: path.to_path_buf(),
            range: time_range(pq, meta.parquet_schema()),
            meta,
            mask,
            schema,
            group_starts,
            files,
        })
    }

    /// File `i`'s parts, decoded as they are taken. Empty parts are left
    /// out (they add nothing: no row, no warning).
    fn parts(
        &self,
        i: usize,
    ) -> std::result::Result<impl Iterator<Item = PartRead> + use<>, String> {
        let (start, sizes) = self.files.get(i).ok_or("no such file")?;
        let n: usize = sizes.iter().sum();
        // A file without rows (start-up lines only) opens no reader: its
        // rows would start at the table's end, past the last row group.
        let mut rows = if n == 0 {
            None
        } else {
            // The row groups holding rows start..start + n, and those rows
            // within them.
            let first = self
                .group_starts
                .partition_point(|&g| g <= *start)
                .saturating_sub(1);
            let last = self
                .group_starts
                .partition_point(|&g| g < start + n)
                .max(first + 1);
            let groups: Vec<usize> = (first..last).collect();
            let skip = start - self.group_starts[first];
            let selection =
                RowSelection::from(vec![RowSelector::skip(skip), RowSelector::select(n)]);
            let f = std::fs::File::open(&self.path).map_err(|e| e.to_string())?;
            let batches = ParquetRecordBatchReaderBuilder::new_with_metadata(f, self.meta.clone())
                .with_projection(self.mask.clone())
                .with_row_groups(groups)
                .with_row_selection(selection)
                .with_batch_size(READ_BATCH)
                .build()
                .map_err(|e| e.to_string())?;
            Some(Cursor {
                batches,
                pending: VecDeque::new(),
            })
        };
        Ok(sizes.clone().into_iter().filter(|&n| n > 0).map(move |n| {
            rows.as_mut()
                .map_or_else(|| Err("no rows to read".into()), |r| r.take(n))
        }))
    }
}

/// The smallest and largest timestamp of all rows, by the footer's
/// statistics (`None` without them).
fn time_range(meta: &ParquetMetaData, schema: &SchemaDescriptor) -> Option<(i64, i64)> {
    let c = (0..schema.num_columns()).find(|&c| schema.column(c).name() == "timestamp")?;
    let mut range: Option<(i64, i64)> = None;
    for g in meta.row_groups() {
        let Some(Statistics::Int64(s)) = g.column(c).statistics() else {
            return None;
        };
        let (lo, hi) = (*s.min_opt()?, *s.max_opt()?);
        range = Some(range.map_or((lo, hi), |(a, b)| (a.min(lo), b.max(hi))));
    }
    range
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
    pending: VecDeque<FactPart>,
}

impl<I> Cursor<I>
where
    I: Iterator<Item = std::result::Result<RecordBatch, ArrowError>>,
{
    /// The next decoded batch with its facts; `None` at the end.
    fn next_batch(&mut self) -> Option<std::result::Result<FactPart, String>> {
        let b = self.batches.next()?;
        Some(
            b.map(|b| {
                let facts = RowFacts::of(&b).map(Arc::new);
                (b, facts, 0)
            })
            .map_err(|e| e.to_string()),
        )
    }

    /// The next `n` rows, as consecutive batches (slices of the decoded
    /// ones, never copied) with their facts.
    fn take(&mut self, n: usize) -> std::result::Result<Vec<FactPart>, String> {
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
