//! Ending a file: what a file's accumulator adds to the builder
//! ([`Ended`]), computed from the file alone, then added in file order.
//!
//! [`SeriesBuilder::end_file`] is the two steps back to back. The cache
//! replay ends several files at once on rayon's pool
//! ([`SeriesBuilder::add_files_from`]) and adds them in file order after: every
//! float is then summed in the same order as one file after another, so
//! the output is the same bit for bit.

use super::*;
use std::collections::BTreeMap;

/// What ending one file adds to a [`SeriesBuilder`].
pub(super) struct Ended {
    meta: WorkerMeta,
    rows: RowCounts,
    /// The kept cells of each scheduler and metric, in (metric, scheduler)
    /// order.
    kept: Vec<((WorkerType, Side, usize), Kept)>,
    lines: Lines,
    /// The last bucket with a kept value.
    last_b: Option<i64>,
    /// Per metric, the most cells one scheduler had (`None` before any
    /// row of the run had a time).
    hints: Option<Vec<usize>>,
}

/// A scheduler's filled line and the group line it goes into.
type SchedulerLine = ((GroupKey, usize), Vec<(i64, f64)>);

/// A file's contribution to the group lines.
enum Lines {
    /// Each scheduler's filled line, in (metric, scheduler) order, to be
    /// merged into groups other files share (`--group-by dp` or `all`).
    Schedulers(Vec<SchedulerLine>),
    /// The file's own group lines, merged already (`--group-by worker`:
    /// no other file has a line of this worker, so merging its schedulers
    /// into an empty line here is what merging them into the builder's
    /// would do).
    Merged(HashMap<(GroupKey, usize), Vec<GCell>>),
}

impl SeriesBuilder {
    /// What the file accumulated in `acc` adds, as worker number `worker`,
    /// at bucket width `width`. With `primary`, other ranks' prefill and
    /// decode schedulers are dropped as TP/PP duplicates
    /// ([`SeriesBuilder::end_file`]).
    pub(super) fn end_acc(
        &self,
        acc: &FileAcc,
        worker: u32,
        meta: WorkerMeta,
        primary: Option<&BTreeMap<Option<u16>, Ranks>>,
        width: Option<i64>,
    ) -> Ended {
        let ty = meta.worker_type;
        let keep: Vec<bool> = acc
            .members
            .iter()
            .map(|(side, r)| {
                *side == Side::Memory || primary.is_none_or(|p| p.get(&r.dp).is_none_or(|x| x == r))
            })
            .collect();
        let mut rows = RowCounts {
            duplicate: acc.flagged,
            ..RowCounts::default()
        };
        for (m, n) in acc.rows.iter().enumerate() {
            match (keep[m], acc.members[m].0) {
                (false, _) => rows.duplicate += n,
                (true, Side::Memory) => rows.memory += n,
                (true, _) => rows.batch += n,
            }
        }
        let mut ended = Ended {
            meta,
            rows,
            kept: Vec::new(),
            lines: match self.opts.group_by {
                GroupBy::Worker => Lines::Merged(HashMap::new()),
                GroupBy::Dp | GroupBy::All => Lines::Schedulers(Vec::new()),
            },
            last_b: None,
            hints: None,
        };
        let Some(width) = width else {
            return ended;
        };
        ended.hints = Some(
            acc.cells
                .iter()
                .map(|per| per.iter().map(Vec::len).max().unwrap_or(0))
                .collect(),
        );
        let hold = (i64::from(self.opts.hold_s) * US / width).max(1);
        let width_s = width as f64 / US as f64;
        let mut dense = Vec::new();
        for (mi, per_member) in acc.cells.iter().enumerate() {
            let reduce = self.metrics[mi].reduce;
            let kept = |m: usize| !per_member[m].is_empty() && keep.get(m).copied().unwrap_or(true);
            for (m, cells) in per_member.iter().enumerate() {
                if !kept(m) {
                    continue;
                }
                let (side, ranks) = acc.members[m];
                if let Some(c) = cells.last() {
                    ended.last_b = Some(ended.last_b.map_or(c.b, |x| x.max(c.b)));
                }
                if let (true, Lines::Schedulers(v)) = (self.opts.lines, &mut ended.lines) {
                    let vals: Vec<(i64, f64)> = cells
                        .iter()
                        .map(|c| (c.b, c.value(reduce, width_s)))
                        .collect();
                    let key = (self.group_key(worker, ty, side, &ranks), mi);
                    v.push((key, fill(&vals, reduce, hold)));
                }
                ended.kept.push(((ty, side, mi), Kept::of(cells)));
            }
            if let (true, Lines::Merged(grids)) = (self.opts.lines, &mut ended.lines) {
                // Each of the file's lines of this metric from its
                // schedulers, in scheduler order.
                let key_of = |m: usize| {
                    let (side, ranks) = acc.members[m];
                    self.group_key(worker, ty, side, &ranks)
                };
                let mut keys: Vec<GroupKey> = (0..per_member.len())
                    .filter(|&m| kept(m))
                    .map(key_of)
                    .collect();
                keys.sort();
                keys.dedup();
                for key in keys {
                    let members = (0..per_member.len())
                        .filter(|&m| kept(m) && key_of(m) == key)
                        .map(|m| per_member[m].as_slice());
                    let line = group_line(members, reduce, width_s, hold, &mut dense);
                    grids.insert((key, mi), line);
                }
            }
        }
        ended
    }

    /// Adds an ended file (the next in file order) to the builder.
    pub(super) fn apply_ended(&mut self, e: Ended) {
        if let Some(s) = e.meta.start {
            self.start = Some(self.start.map_or(s.0, |x| x.min(s.0)));
        }
        self.workers.push(e.meta);
        self.rows.duplicate += e.rows.duplicate;
        self.rows.memory += e.rows.memory;
        self.rows.batch += e.rows.batch;
        if let Some(hints) = e.hints {
            if self.cells_hint.len() < hints.len() {
                self.cells_hint.resize(hints.len(), 0);
            }
            self.cells_hint[..hints.len()].copy_from_slice(&hints);
        }
        if let Some(b) = e.last_b {
            self.last_b = Some(self.last_b.map_or(b, |x| x.max(b)));
        }
        match e.lines {
            Lines::Schedulers(lines) => {
                for (key, filled) in lines {
                    let grid = self.grids.entry(key).or_default();
                    *grid = merge(std::mem::take(grid), &filled);
                }
            }
            Lines::Merged(grids) => {
                for (key, cells) in grids {
                    match self.grids.entry(key) {
                        std::collections::hash_map::Entry::Vacant(v) => {
                            v.insert(cells);
                        }
                        // Not met: a worker's lines come from its one file.
                        // Added up all the same rather than lost.
                        std::collections::hash_map::Entry::Occupied(mut o) => {
                            let old = std::mem::take(o.get_mut());
                            *o.get_mut() = add_lines(old, cells);
                        }
                    }
                }
            }
        }
        for (key, kept) in e.kept {
            self.values.entry(key).or_default().push(kept);
        }
    }
}

/// Two group lines added bucket by bucket (sums, counts and weights).
fn add_lines(a: Vec<GCell>, b: Vec<GCell>) -> Vec<GCell> {
    let mut out: Vec<GCell> = a.into_iter().chain(b).collect();
    out.sort_by_key(|c| c.b);
    out.dedup_by(|c, o| {
        let same = c.b == o.b;
        if same {
            o.s += c.s;
            o.n += c.n;
            o.k += c.k;
        }
        same
    });
    out
}
