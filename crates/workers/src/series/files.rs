//! Whole files reduced side by side: the cache replay's path
//! ([`SeriesBuilder::add_files_from`]).
//!
//! A file's reduction reads the builder only through its bucket width and
//! time range so far ([`Span`]) and its metric numbering. The numbering is
//! fixed when every numeric column is a known metric (always, for the
//! columns srtlog writes; otherwise the files are reduced one after
//! another). The span is not known before the earlier files are read, so
//! each file is reduced on rayon's pool from a *guessed* span: the first
//! file from the true one (the builder's), the others from the span of the
//! whole time range, which is the width every file of a run reaches once
//! one file has covered it. Each file reports the time range and width of
//! each of its parts. Those ranges do not depend on the guess, so the
//! true span before and after every file follows from them, part by part;
//! the files that used another width than the true one for some part are
//! reduced again, side by side, from their true spans. The files are then
//! added in file order ([`SeriesBuilder::apply_ended`]), everything ended
//! before coarsened as the true spans widen. The widths a file's parts use
//! are all its reduction reads of the span (its accumulator coarsens where
//! they change), so every file added is the
//! file reduced in turn, and every floating-point sum is made in the order
//! of one file after another: the output is that of
//! [`SeriesBuilder::add_part_with_facts`] and [`SeriesBuilder::end_file`]
//! for each file in turn, bit for bit. A file's parts are read as it is
//! reduced, so memory holds a part per thread, not whole files.

use super::*;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

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

/// Takes a part's rows into `acc` from `span` on, before they are
/// accumulated: counts the skipped rows, and fits the span to the time
/// range of the others, coarsening `acc` as many times as the width
/// doubles. Returns that range, the width and the doublings (the caller
/// coarsens what else it holds as often), or `None` for a part without a
/// row that is not skipped (it adds nothing else).
pub(super) fn fit_part(
    rows: &[(&RecordBatch, Rows<'_>)],
    bucket_s: Option<u32>,
    span: &mut Span,
    acc: &mut FileAcc,
) -> Option<(i64, i64, i64, u32)> {
    let mut lo = i64::MAX;
    let mut hi = i64::MIN;
    for (_, r) in rows {
        for (t, k) in r.ts.iter().zip(r.kind) {
            if *k == Kind::Skip {
                acc.flagged += 1;
            } else {
                lo = lo.min(*t);
                hi = hi.max(*t);
            }
        }
    }
    if lo > hi {
        return None;
    }
    let (width, doublings) = span.fit(lo, hi, bucket_s);
    for _ in 0..doublings {
        acc.coarsen();
    }
    Some((lo, hi, width, doublings))
}

/// The warning for batches of a part without a microsecond timestamp.
pub(super) fn missing_ts_warning(what: &str) -> String {
    format!("{what}: rows without a microsecond timestamp column were skipped")
}

/// A decoded batch (or a slice of one) with the facts of the batch it was
/// cut from and its first row's offset in them
/// ([`SeriesBuilder::add_part_with_facts`]).
pub type FactPart = (RecordBatch, Option<Arc<RowFacts>>, usize);

/// One part of a file as a reader hands it over: its batches, or why
/// reading stopped.
pub type PartRead = std::result::Result<Vec<FactPart>, String>;

/// A worker file's identity and primary ranks ([`SeriesBuilder::end_file`]).
#[derive(Clone, Debug)]
pub struct FileHead {
    /// Its identity.
    pub meta: WorkerMeta,
    /// The primary rank of each DP group.
    pub primary: BTreeMap<Option<u16>, Ranks>,
}

/// A file reduced from some span: what it adds, and the time range and
/// width of each of its parts with rows.
struct Reduced {
    ended: ended::Ended,
    parts: Vec<(i64, i64, i64)>,
    warnings: Vec<String>,
}

/// A part's batches with their facts, as the builder reads them.
pub(super) fn part_batches(part: &[FactPart]) -> Vec<PartBatch<'_>> {
    part.iter()
        .map(|(rb, f, off)| (rb, f.as_deref().map(|f| (f, *off))))
        .collect()
}

impl SeriesBuilder {
    /// Whether reducing rows of `schema` numbers no new metric: every
    /// numeric column the reduction reads is a known metric or not one.
    /// Then files can be reduced side by side ([`SeriesBuilder::add_files_from`]).
    pub fn knows_columns(&self, schema: &srtlog_table::arrow_schema::Schema) -> bool {
        schema.fields().iter().all(|f| {
            !is_numeric(f.data_type())
                || NOT_METRICS.contains(&f.name().as_str())
                || self.by_column.contains_key(f.name().as_str())
        })
    }

    /// Reduces whole files, side by side on rayon's pool when `known`
    /// ([`SeriesBuilder::knows_columns`] of every part), else one after
    /// another: the same result, bit for bit, as
    /// [`SeriesBuilder::add_part_with_facts`] for each part and
    /// [`SeriesBuilder::end_file`] for each file, in the order of `heads`.
    /// `open(i)` reads file `i`'s parts, in order (it is called again for a
    /// file reduced again). `range`, the time range of all the rows when
    /// known (a superset does), makes the guess of the later files' span.
    /// Must not be called while a file is being read part by part.
    pub fn add_files_from<F, I>(
        &mut self,
        heads: Vec<FileHead>,
        known: bool,
        range: Option<(i64, i64)>,
        open: F,
    ) -> Result<(), String>
    where
        F: Fn(usize) -> std::result::Result<I, String> + Sync,
        I: Iterator<Item = PartRead>,
    {
        debug_assert!(self.current.members.is_empty() && self.current.flagged == 0);
        if !known {
            for (i, h) in heads.into_iter().enumerate() {
                for part in open(i)? {
                    self.add_part_with_facts(&part?);
                }
                self.end_file(h.meta, Some(&h.primary));
            }
            return Ok(());
        }
        let mut guess = self.span;
        if let Some((lo, hi)) = range {
            guess.fit(lo, hi, self.opts.bucket_s);
        }
        let base = self.workers.len() as u32;
        let spare = Mutex::new(std::mem::take(&mut self.spare));
        let this = &*self;
        let reduced: Vec<std::result::Result<Reduced, String>> = heads
            .par_iter()
            .enumerate()
            .map(|(i, h)| {
                let span = if i == 0 { this.span } else { guess };
                this.reduce_file(open(i)?, span, base + i as u32, h, &spare)
            })
            .collect();
        let mut reduced = reduced
            .into_iter()
            .collect::<std::result::Result<Vec<_>, _>>()?;
        // The true span before and after each file, part by part: the
        // parts' time ranges do not depend on the guess. The files whose
        // parts used other widths are reduced again, side by side, from
        // their true spans.
        let mut spans = Vec::with_capacity(reduced.len());
        let mut wrong = Vec::new();
        let mut truth = self.span;
        for (i, r) in reduced.iter().enumerate() {
            let before = truth;
            let mut right = true;
            for &(lo, hi, w) in &r.parts {
                right &= truth.fit(lo, hi, self.opts.bucket_s).0 == w;
            }
            if !right {
                wrong.push(i);
            }
            spans.push((before, truth));
        }
        if !wrong.is_empty() {
            let again: Vec<std::result::Result<Reduced, String>> = wrong
                .par_iter()
                .map(|&i| {
                    this.reduce_file(open(i)?, spans[i].0, base + i as u32, &heads[i], &spare)
                })
                .collect();
            for (&i, r) in wrong.iter().zip(again) {
                reduced[i] = r?;
            }
        }
        self.spare = spare.into_inner().unwrap_or_default();
        for (r, (before, after)) in reduced.into_iter().zip(spans) {
            self.warnings.extend(r.warnings);
            // The widenings this file's parts made, applied to everything
            // ended before it, as they were part by part.
            if let (Some(mut w), Some(to)) = (before.width_us, after.width_us) {
                while w < to {
                    self.coarsen_ended();
                    w *= 2;
                }
            }
            self.span = after;
            self.apply_ended(r.ended);
        }
        Ok(())
    }

    /// One file of [`SeriesBuilder::add_files_from`], from `span` on, with
    /// an accumulator from `spare` (returned there, emptied).
    fn reduce_file(
        &self,
        parts: impl Iterator<Item = PartRead>,
        mut span: Span,
        worker: u32,
        head: &FileHead,
        spare: &Mutex<Vec<FileAcc>>,
    ) -> std::result::Result<Reduced, String> {
        let mut acc = spare
            .lock()
            .ok()
            .and_then(|mut s| s.pop())
            .unwrap_or_default();
        let mut warnings = Vec::new();
        let mut widths = Vec::new();
        for part in parts {
            let part = part?;
            let batches = part_batches(&part);
            let mut owned = Vec::new();
            let (rows, missing_ts) = rows::part_rows(&batches, false, &mut owned);
            if missing_ts {
                warnings.push(missing_ts_warning("streamed rows"));
            }
            let Some((lo, hi, width, _)) = fit_part(&rows, self.opts.bucket_s, &mut span, &mut acc)
            else {
                continue;
            };
            for (rb, r) in &rows {
                self.accumulate(rb, r, width, &mut acc);
            }
            widths.push((lo, hi, width));
        }
        let ended = self.end_acc(
            &acc,
            worker,
            head.meta.clone(),
            Some(&head.primary),
            span.width_us,
        );
        acc.clear();
        if let Ok(mut s) = spare.lock() {
            s.push(acc);
        }
        Ok(Reduced {
            ended,
            parts: widths,
            warnings,
        })
    }
}
