//! Whole files reduced at once: the cache replay's path
//! ([`SeriesBuilder::add_files`]).
//!
//! A file's reduction reads the builder only through its bucket width and
//! time range so far ([`Span`]) and its metric numbering, so files can be
//! reduced side by side when both are known before the files are. They
//! are: a part's width depends only on the time ranges of the parts
//! before it, which the calling thread reads first (a pass over the
//! timestamps), numbering the metrics of new columns in the order a file
//! after another would. Each file is then reduced and ended on rayon's
//! pool ([`SeriesBuilder::end_acc`]), and the ended files are added in file
//! order ([`SeriesBuilder::apply_ended`]), after the coarsening the later
//! parts' widths make. Every floating-point sum is therefore made in the
//! order of one file after another: the output is that of
//! [`SeriesBuilder::add_part_with_facts`] and [`SeriesBuilder::end_file`]
//! for each file in turn, bit for bit.

use super::*;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The bucket width chosen so far and the time range of the rows it must
/// hold.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Span {
    pub(super) width_us: Option<i64>,
    pub(super) range: Option<(i64, i64)>,
}

impl Span {
    /// Takes in rows from `lo` to `hi`: sets the width (`bucket_s` when
    /// fixed, else the narrowest power-of-two seconds for which the range
    /// fits [`MAX_BUCKETS`]), or doubles it until the widened range fits.
    /// Returns the width and how many times it doubled; the caller
    /// coarsens what it holds that many times.
    pub(super) fn fit(&mut self, lo: i64, hi: i64, bucket_s: Option<u32>) -> (i64, u32) {
        let (a, b) = match self.range {
            Some((a, b)) => (a.min(lo), b.max(hi)),
            None => (lo, hi),
        };
        self.range = Some((a, b));
        let span = b - a;
        let (w, doublings) = match (self.width_us, bucket_s) {
            (Some(w), Some(_)) => (w, 0),
            (None, Some(s)) => (i64::from(s.max(1)) * US, 0),
            (None, None) => {
                let mut w = US;
                while span / w >= MAX_BUCKETS {
                    w *= 2;
                }
                (w, 0)
            }
            (Some(mut w), None) => {
                let mut d = 0;
                while span / w >= MAX_BUCKETS {
                    w *= 2;
                    d += 1;
                }
                (w, d)
            }
        };
        self.width_us = Some(w);
        (w, doublings)
    }
}

/// The time range of the rows of a part that are not skipped (`lo > hi`
/// when there are none), and how many rows are skipped.
pub(super) fn span_of(rows: &[(&RecordBatch, Rows<'_>)]) -> (i64, i64, u64) {
    let mut lo = i64::MAX;
    let mut hi = i64::MIN;
    let mut skipped = 0;
    for (_, r) in rows {
        for (t, k) in r.ts.iter().zip(r.kind) {
            if *k == Kind::Skip {
                skipped += 1;
            } else {
                lo = lo.min(*t);
                hi = hi.max(*t);
            }
        }
    }
    (lo, hi, skipped)
}

/// The warning for batches of a part without a microsecond timestamp.
pub(super) fn missing_ts_warning(what: &str) -> String {
    format!("{what}: rows without a microsecond timestamp column were skipped")
}

/// A decoded batch (or a slice of one) with the facts of the batch it was
/// cut from and its first row's offset in them
/// ([`SeriesBuilder::add_part_with_facts`]).
pub type FactPart = (RecordBatch, Option<Arc<RowFacts>>, usize);

/// One whole worker file for [`SeriesBuilder::add_files`].
pub struct FileInput {
    /// Its streamed parts in file order, each as consecutive batches.
    pub parts: Vec<Vec<FactPart>>,
    /// Its identity.
    pub meta: WorkerMeta,
    /// The primary rank of each DP group ([`SeriesBuilder::end_file`]).
    pub primary: BTreeMap<Option<u16>, Ranks>,
}

/// A file reduced on the pool: what it adds, and the span after it.
struct Reduced {
    ended: ended::Ended,
    span: Span,
    warnings: Vec<String>,
    acc: FileAcc,
}

impl FileInput {
    fn part_batches(part: &[FactPart]) -> Vec<PartBatch<'_>> {
        part.iter()
            .map(|(rb, f, off)| (rb, f.as_deref().map(|f| (f, *off))))
            .collect()
    }
}

impl SeriesBuilder {
    /// Reduces whole files, side by side on rayon's pool: the same result,
    /// bit for bit, as [`SeriesBuilder::add_part_with_facts`] for each part
    /// and [`SeriesBuilder::end_file`] for each file, in the order given.
    /// Memory holds all of `files` at once, so callers hand over a few at a
    /// time. Must not be called while a file is being read part by part.
    pub fn add_files(&mut self, files: Vec<FileInput>) {
        debug_assert!(self.current.members.is_empty() && self.current.flagged == 0);
        // The width each file starts at, and the metric numbers of new
        // columns, decided here in file order.
        let mut span = self.span;
        let mut starts = Vec::with_capacity(files.len());
        for f in &files {
            starts.push(span);
            for part in &f.parts {
                let batches = FileInput::part_batches(part);
                let mut owned = Vec::new();
                let (rows, _) = rows::part_rows(&batches, false, &mut owned);
                let (lo, hi, _) = span_of(&rows);
                if lo <= hi {
                    span.fit(lo, hi, self.opts.bucket_s);
                    self.register(&rows);
                }
            }
        }
        let base = self.workers.len() as u32;
        let accs: Vec<FileAcc> = (0..files.len())
            .map(|_| self.spare.pop().unwrap_or_default())
            .collect();
        let this = &*self;
        let reduced: Vec<Reduced> = files
            .into_par_iter()
            .zip(starts)
            .zip(accs)
            .enumerate()
            .map(|(i, ((f, span), acc))| this.reduce_file(f, span, base + i as u32, acc))
            .collect();
        for r in reduced {
            self.warnings.extend(r.warnings);
            // The widenings this file's parts made, applied to everything
            // ended before it, as they were part by part.
            if let (Some(mut w), Some(to)) = (self.span.width_us, r.span.width_us) {
                while w < to {
                    self.coarsen_ended();
                    w *= 2;
                }
            }
            self.span = r.span;
            self.apply_ended(r.ended);
            let mut acc = r.acc;
            acc.clear();
            self.spare.push(acc);
        }
    }

    /// One file of [`SeriesBuilder::add_files`], from `span` on.
    fn reduce_file(&self, f: FileInput, mut span: Span, worker: u32, mut acc: FileAcc) -> Reduced {
        let mut warnings = Vec::new();
        for part in &f.parts {
            let batches = FileInput::part_batches(part);
            let mut owned = Vec::new();
            let (rows, missing_ts) = rows::part_rows(&batches, false, &mut owned);
            if missing_ts {
                warnings.push(missing_ts_warning("streamed rows"));
            }
            let (lo, hi, skipped) = span_of(&rows);
            acc.flagged += skipped;
            if lo > hi {
                continue;
            }
            let (width, doublings) = span.fit(lo, hi, self.opts.bucket_s);
            for _ in 0..doublings {
                acc.coarsen();
            }
            for (rb, r) in &rows {
                self.accumulate(rb, r, width, &mut acc);
            }
        }
        let ended = self.end_acc(&acc, worker, f.meta, Some(&f.primary), span.width_us);
        Reduced {
            ended,
            span,
            warnings,
            acc,
        }
    }
}
