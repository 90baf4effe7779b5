//! [`SeriesBuilder`]: reduces worker files, part by part, to bucketed
//! scheduler values, group lines and statistics.

use super::*;
use rayon::prelude::*;

/// The lines of one metric: group key and bucket cells.
type MetricLines<'a> = Vec<(GroupKey, &'a Vec<GCell>)>;

/// Reduces worker files to series, one file at a time.
pub struct SeriesBuilder {
    pub(super) opts: SeriesOptions,
    pub(super) metrics: Vec<Metric>,
    pub(super) by_column: HashMap<String, usize>,
    pub(super) span: Span,
    pub(super) start: Option<i64>,
    pub(super) workers: Vec<WorkerMeta>,
    pub(super) grids: HashMap<(GroupKey, usize), Vec<GCell>>,
    /// The bucket cells of each statistic, one [`Kept`] per scheduler and
    /// file in reduction order, turned into values when summarised (one
    /// growing vector per statistic was reallocated and copied as it grew).
    pub(super) values: HashMap<(WorkerType, Side, usize), Vec<Kept>>,
    pub(super) rows: RowCounts,
    pub(super) warnings: Vec<String>,
    /// The file being read.
    pub(super) current: FileAcc,
    /// Per metric, the most buckets one scheduler had in the last file:
    /// the capacity a scheduler's cells get when the next file first uses
    /// them. Workers of a run log over the same span, so this is nearly
    /// exact, and a file's cells are not grown by doubling (reallocating and
    /// copying them was a fifth of the cache replay's main thread).
    pub(super) cells_hint: Vec<usize>,
    /// The last bucket with a kept value (the run's end without lines).
    pub(super) last_b: Option<i64>,
    /// Emptied accumulators of files reduced by [`SeriesBuilder::add_files_from`],
    /// for the next ones (their vectors' pages are mapped already).
    pub(super) spare: Vec<FileAcc>,
}

impl SeriesBuilder {
    /// An empty builder.
    pub fn new(opts: SeriesOptions) -> SeriesBuilder {
        let metrics = catalogue();
        let by_column = metrics
            .iter()
            .enumerate()
            .map(|(i, m)| (m.column.clone(), i))
            .collect();
        SeriesBuilder {
            opts,
            metrics,
            by_column,
            span: Span::default(),
            start: None,
            workers: Vec::new(),
            grids: HashMap::new(),
            values: HashMap::new(),
            rows: RowCounts::default(),
            warnings: Vec::new(),
            current: FileAcc::default(),
            cells_hint: Vec::new(),
            last_b: None,
            spare: Vec::new(),
        }
    }

    /// The bucket width in seconds chosen so far (`None` before any row).
    pub fn bucket_s(&self) -> Option<i64> {
        self.span.width_us.map(|w| w / US)
    }

    /// Reduces a parsed file (its `table` must have been kept).
    pub fn add_log(&mut self, w: &WorkerLog) {
        self.add_worker(WorkerMeta::of(w), &w.table);
    }

    /// Reduces the rows of one complete worker file, trusting their
    /// `duplicate` flags. Files may come in any order.
    pub fn add_worker(&mut self, meta: WorkerMeta, batches: &[RecordBatch]) {
        for rb in batches {
            self.add_rows(&[(rb, None)], true, &meta.file);
        }
        self.end_file(meta, None);
    }

    /// Reduces part of the rows of the file being read (parts in file
    /// order, all before that file's [`SeriesBuilder::end_file`]). Streamed
    /// rows' `duplicate` flags may be provisional, so they are not used:
    /// rows are kept per rank tags until `end_file` knows the primary ranks.
    pub fn add_part(&mut self, rb: &RecordBatch) {
        self.add_rows(&[(rb, None)], false, "streamed rows");
    }

    /// [`SeriesBuilder::add_part`] for a part held as consecutive batches
    /// of one schema: the same result as for their concatenation, without
    /// copying them into one.
    pub fn add_part_batches(&mut self, part: &[RecordBatch]) {
        let part: Vec<_> = part.iter().map(|rb| (rb, None)).collect();
        self.add_rows(&part, false, "streamed rows");
    }

    /// [`SeriesBuilder::add_part_batches`] with each batch's [`RowFacts`]
    /// already computed: `(batch, facts, offset)`, the batch's rows being
    /// the facts' rows from `offset` on (a batch may be a slice of the one
    /// the facts were computed for). The same result; the cache replay
    /// computes the facts on its reader thread. Facts that do not cover
    /// the batch are computed again.
    pub fn add_part_with_facts(&mut self, part: &[FactPart]) {
        self.add_rows(&part_batches(part), false, "streamed rows");
    }

    /// Reduces the rows of `part` (consecutive batches of one part, with
    /// their facts when given: one bucket width for all, chosen from their
    /// time range as a whole).
    fn add_rows(&mut self, part: &[PartBatch<'_>], honor_dup: bool, what: &str) {
        let mut owned = Vec::new();
        let (rows, missing_ts) = rows::part_rows(part, honor_dup, &mut owned);
        if missing_ts {
            self.warnings.push(missing_ts_warning(what));
        }
        let Some((_, _, width, doublings)) =
            fit_part(&rows, self.opts.bucket_s, &mut self.span, &mut self.current)
        else {
            return;
        };
        for _ in 0..doublings {
            self.coarsen_ended();
        }
        self.register(&rows);
        let mut acc = std::mem::take(&mut self.current);
        for (rb, r) in &rows {
            self.accumulate(rb, r, width, &mut acc);
        }
        self.current = acc;
    }

    /// Numbers the metrics of the columns of `rows` this version does not
    /// know, as they are first met: in schema order over the whole part, as
    /// for the one batch the part would be. Called for every part with
    /// rows, in file order, before the part is accumulated
    /// ([`SeriesBuilder::accumulate`] only looks metrics up).
    pub(super) fn register(&mut self, rows: &[(&RecordBatch, Rows<'_>)]) {
        let Some((first, _)) = rows.first() else {
            return;
        };
        let schema = first.schema();
        for (ci, field) in schema.fields().iter().enumerate() {
            if rows.iter().any(|(rb, _)| {
                let col = rb.column(ci);
                col.null_count() < col.len()
            }) {
                self.metric_for(field.name(), field.data_type());
            }
        }
    }

    /// Completes the file being read. With `primary` (the primary rank of
    /// each DP group, [`WorkerLog::primary`]), prefill and decode values of
    /// other ranks are dropped as TP/PP duplicates, the rule the `duplicate`
    /// flag encodes, decided here with the whole file known.
    pub fn end_file(
        &mut self,
        meta: WorkerMeta,
        primary: Option<&std::collections::BTreeMap<Option<u16>, Ranks>>,
    ) {
        let worker = self.workers.len() as u32;
        let mut acc = std::mem::take(&mut self.current);
        let ended = self.end_acc(&acc, worker, meta, primary, self.span.width_us);
        self.apply_ended(ended);
        // The next file's accumulator reuses this one's cell vectors, by
        // metric and scheduler position (workers of a run have the same
        // schedulers over the same span): their pages are then already
        // mapped. Fresh vectors were first-touch page faults, about a
        // sixth of the cache replay's main thread, since glibc hands a
        // freed file's blocks back to the system.
        acc.clear();
        self.current = acc;
    }

    /// Halves the resolution of everything already ended (kept cells,
    /// group lines, the last bucket) when the bucket width doubles: exact
    /// for the sum/mean bookkeeping of [`GCell`]: with the old index
    /// `b = ⌊t/w⌋`, the new one is `⌊t/2w⌋ = ⌊b/2⌋`.
    pub(super) fn coarsen_ended(&mut self) {
        self.last_b = self.last_b.map(|b| b.div_euclid(2));
        for parts in self.values.values_mut() {
            parts.iter_mut().for_each(Kept::coarsen);
        }
        for cells in self.grids.values_mut() {
            let mut out: Vec<GCell> = Vec::with_capacity(cells.len() / 2 + 1);
            for c in cells.iter() {
                let b = c.b.div_euclid(2);
                match out.last_mut() {
                    Some(o) if o.b == b => {
                        o.s += c.s;
                        o.n += c.n;
                        o.k += c.k;
                    }
                    _ => out.push(GCell { b, ..*c }),
                }
            }
            *cells = out;
        }
    }

    fn metric_for(&mut self, name: &str, t: &DataType) -> Option<usize> {
        if let Some(&i) = self.by_column.get(name) {
            return Some(i);
        }
        if !is_numeric(t) || NOT_METRICS.contains(&name) {
            return None;
        }
        // A column this version does not know (a new field, or a new record
        // kind's column): chart it with neutral defaults.
        let doc = srtlog_table::node_metrics::column_docs()
            .into_iter()
            .find(|(c, _)| c == name)
            .map(|(_, d)| d)
            .unwrap_or_default();
        self.metrics
            .push(default_metric(name, unit_from_doc(&doc), &doc));
        let i = self.metrics.len() - 1;
        self.by_column.insert(name.to_string(), i);
        Some(i)
    }

    /// Adds the rows of one batch to `acc` at bucket width `width`. Reads
    /// the builder only (metrics, hints), so files can be accumulated at
    /// once ([`SeriesBuilder::add_files_from`]); the part's columns were
    /// [registered](SeriesBuilder::register) before.
    pub(super) fn accumulate(
        &self,
        rb: &RecordBatch,
        rows: &Rows<'_>,
        width: i64,
        acc: &mut FileAcc,
    ) {
        let n = rows.ts.len();
        // Scheduler ids per row and side, looked up once per row through a
        // small direct-mapped cache of packed (kind, ranks) keys instead of
        // hashing the key for every row. (A check of the previous row's
        // key first cost more than it saved: DP layouts interleave ranks
        // row by row, so it missed on most rows.)
        let mut mids: Vec<[u32; 4]> = Vec::with_capacity(n);
        let mut memo = [(u128::MAX, [NONE; 4]); Ranks::MEMO_SLOTS];
        for i in 0..n {
            let k = rows.kind[i];
            let key = pack(k, rows.ranks[i]);
            let slot = &mut memo[Ranks::memo_slot(key)];
            if slot.0 != key {
                let r = Ranks::unpack(key);
                let mut m = [NONE; 4];
                match k {
                    Kind::Batch(s) => m[s.index()] = acc.member(s, r),
                    Kind::Memory => m[Side::Memory.index()] = acc.member(Side::Memory, r),
                    Kind::Other => {
                        for s in [Side::Prefill, Side::Decode, Side::Engine] {
                            m[s.index()] = acc.member(s, r);
                        }
                    }
                    Kind::Skip => {}
                }
                *slot = (key, m);
            }
            mids.push(slot.1);
        }
        for (k, m) in rows.kind.iter().zip(&mids) {
            // Each row is counted once, under the first scheduler it feeds.
            if let (false, Some(&id)) = (*k == Kind::Skip, m.iter().find(|&&x| x != NONE)) {
                acc.rows[id as usize] += 1;
            }
        }
        // The bucket of each row, once: an `i64` division costs tens of
        // cycles, and every metric of the row lands in the same bucket.
        let buckets: Vec<i64> = rows.ts.iter().map(|t| t.div_euclid(width)).collect();
        let schema = rb.schema();
        for (ci, field) in schema.fields().iter().enumerate() {
            let col = rb.column(ci);
            if col.null_count() == col.len() {
                continue;
            }
            let Some(&mi) = self.by_column.get(field.name().as_str()) else {
                continue;
            };
            let Some(num) = Num::of(col) else {
                continue;
            };
            let other_sides: &[Side] = match self.metrics[mi].applies {
                Applies::Prefill => &[Side::Prefill],
                Applies::Decode => &[Side::Decode],
                // The engine's own gauges: once, on the engine side.
                Applies::Both | Applies::Any => &[Side::Engine],
                Applies::Memory => &[Side::Memory],
            };
            let r = ColumnRows {
                kind: rows.kind,
                mids: &mids,
                buckets: &buckets,
                other_sides,
                hint: self.cells_hint.get(mi).copied().unwrap_or(0),
            };
            num.add_to_cells(acc.metric_cells(mi), &r);
        }
    }

    pub(super) fn group_key(&self, worker: u32, ty: WorkerType, side: Side, r: &Ranks) -> GroupKey {
        match self.opts.group_by {
            GroupBy::Worker => GroupKey {
                side,
                ty,
                worker: Some(worker),
                dp: None,
            },
            GroupBy::Dp => GroupKey {
                side,
                ty,
                worker: None,
                dp: Some(r.dp.unwrap_or(0)),
            },
            GroupBy::All => GroupKey {
                side,
                ty,
                worker: None,
                dp: None,
            },
        }
    }

    /// Finishes: group lines, downsampling, labels and statistics.
    pub fn finish(mut self) -> SeriesSet {
        // The kept cell vectors of the last file are not needed any more.
        self.current = FileAcc::default();
        self.spare = Vec::new();
        let width = self.span.width_us.unwrap_or(US);
        let width_s = width / US;
        let origin = match (self.start, self.span.range) {
            (Some(s), Some((lo, _))) => Some(s.min(lo)),
            (s, r) => s.or(r.map(|r| r.0)),
        };
        let origin_b = origin.map_or(0, |o| o.div_euclid(width));
        let labeler = Labeler::new(&self.workers);
        let expected = self.expected_keys();
        // The charts and the statistics are independent: built side by
        // side, so neither waits for the other's slowest item.
        let ((mut charts, last_b), stats) = rayon::join(
            || {
                if self.opts.lines {
                    self.charts(&labeler, &expected, origin_b, width_s)
                } else {
                    (Vec::new(), self.last_b.unwrap_or(origin_b).max(origin_b))
                }
            },
            || self.stat_rows(),
        );
        // Report order: by section, then catalogue order (a stable sort).
        charts.sort_by_key(|c| {
            SECTIONS
                .iter()
                .position(|x| *x == c.metric.section)
                .unwrap_or(SECTIONS.len())
        });
        SeriesSet {
            group_by: self.opts.group_by,
            bucket_s: width_s,
            hold_s: self.opts.hold_s,
            max_points: self.opts.max_points,
            run_start: origin.map(|o| Timestamp(o.div_euclid(width) * width).to_string()),
            run_start_us: origin.map(|o| o.div_euclid(width) * width),
            duration_s: (last_b - origin_b) * width_s,
            charts,
            stats,
            rows: self.rows,
            warnings: self.warnings,
        }
    }

    /// Lines every chart of a side should have: all workers (worker and
    /// all groupings) or every DP rank seen anywhere (dp grouping).
    fn expected_keys(&self) -> Vec<GroupKey> {
        let mut expected: Vec<GroupKey> = Vec::new();
        for (i, w) in self.workers.iter().enumerate() {
            let sides: &[Side] = match w.worker_type {
                WorkerType::Prefill => &[Side::Prefill, Side::Memory],
                WorkerType::Decode => &[Side::Decode, Side::Memory],
                WorkerType::Agg => &[Side::Prefill, Side::Decode, Side::Memory],
                WorkerType::Unknown => &[Side::Memory],
            };
            for &side in sides {
                let r = Ranks::default();
                if self.opts.group_by != GroupBy::Dp {
                    expected.push(self.group_key(i as u32, w.worker_type, side, &r));
                }
            }
        }
        expected.extend(self.grids.keys().map(|(k, _)| *k));
        expected.sort();
        expected.dedup();
        expected
    }

    /// One chart per metric with lines, in catalogue order, and the last
    /// bucket drawn.
    fn charts(
        &self,
        labeler: &Labeler,
        expected: &[GroupKey],
        origin_b: i64,
        width_s: i64,
    ) -> (Vec<Chart>, i64) {
        let mut by_metric: HashMap<usize, Vec<(GroupKey, &Vec<GCell>)>> = HashMap::new();
        for ((k, mi), cells) in &self.grids {
            by_metric.entry(*mi).or_default().push((*k, cells));
        }
        let work: Vec<(&Metric, MetricLines<'_>)> = self
            .metrics
            .iter()
            .enumerate()
            .filter_map(|(mi, metric)| by_metric.remove(&mi).map(|lines| (metric, lines)))
            .collect();
        // The charts are independent (their lines are downsampled apart):
        // built in parallel, gathered in catalogue order.
        let built: Vec<(Option<Chart>, i64)> = work
            .into_par_iter()
            .map(|(metric, lines)| self.chart(labeler, expected, metric, lines, origin_b, width_s))
            .collect();
        let mut charts = Vec::new();
        let mut last_b = origin_b;
        for (chart, b) in built {
            last_b = last_b.max(b);
            charts.extend(chart);
        }
        (charts, last_b)
    }

    /// The chart of one metric, and the last bucket its lines draw.
    fn chart(
        &self,
        labeler: &Labeler,
        expected: &[GroupKey],
        metric: &Metric,
        mut lines: MetricLines<'_>,
        origin_b: i64,
        width_s: i64,
    ) -> (Option<Chart>, i64) {
        let mut last_b = origin_b;
        lines.sort_by_key(|(k, _)| *k);
        // A group whose engine line holds the metric misses no side line.
        let engine: Vec<(WorkerType, Option<u32>, Option<u16>)> = lines
            .iter()
            .filter(|(k, _)| k.side == Side::Engine)
            .map(|(k, _)| (k.ty, k.worker, k.dp))
            .collect();
        let mut series = Vec::new();
        for (k, cells) in lines {
            let Some(c) = cells.last() else {
                continue;
            };
            last_b = last_b.max(c.b);
            series.push(self.line(labeler, &k, cells, metric, origin_b, width_s));
        }
        if series.is_empty() {
            return (None, last_b);
        }
        let mut sides: Vec<Side> = series.iter().map(|s| s.side).collect();
        sides.extend_from_slice(match metric.applies {
            Applies::Prefill => &[Side::Prefill],
            Applies::Decode => &[Side::Decode],
            Applies::Both => &[Side::Prefill, Side::Decode],
            Applies::Memory => &[Side::Memory],
            Applies::Any => &[],
        });
        let present: Vec<String> = series.iter().map(|s| s.label.clone()).collect();
        let missing = expected
            .iter()
            .filter(|k| sides.contains(&k.side))
            .filter(|k| !engine.contains(&(k.ty, k.worker, k.dp)))
            .map(|k| labeler.label(k))
            .filter(|l| !present.contains(l))
            .collect();
        (
            Some(Chart {
                id: format!("chart-{}", metric.column),
                metric: metric.clone(),
                series,
                missing,
            }),
            last_b,
        )
    }

    /// One group line: its points on the grid, downsampled and rounded.
    fn line(
        &self,
        labeler: &Labeler,
        k: &GroupKey,
        cells: &[GCell],
        metric: &Metric,
        origin_b: i64,
        width_s: i64,
    ) -> Series {
        let (x, y) = line_points(cells, metric.combine, origin_b, width_s);
        let raw_points = y.iter().filter(|v| v.is_some()).count();
        let (x, y, downsampled) = if self.opts.max_points > 0 && x.len() > self.opts.max_points {
            let (x, y) = downsample_m4(&x, &y, (self.opts.max_points / 4).max(1));
            (x, y, true)
        } else {
            (x, y, false)
        };
        let y: Vec<Option<f64>> = y.into_iter().map(|v| v.map(round_sig)).collect();
        Series {
            label: labeler.label(k),
            worker_type: k.ty,
            side: k.side,
            dp: k.dp,
            points: y.iter().filter(|v| v.is_some()).count(),
            raw_points,
            downsampled,
            x,
            y,
        }
    }

    /// One statistics row per metric, worker type and side with values.
    fn stat_rows(&self) -> Vec<StatRow> {
        let width_s = self.span.width_us.unwrap_or(US) as f64 / US as f64;
        let order = [
            WorkerType::Prefill,
            WorkerType::Decode,
            WorkerType::Agg,
            WorkerType::Unknown,
        ];
        let mut keys = Vec::new();
        for (mi, metric) in self.metrics.iter().enumerate() {
            for ty in order {
                for side in Side::ALL {
                    if let Some(v) = self.values.get(&(ty, side, mi)) {
                        keys.push((metric, ty, side, v));
                    }
                }
            }
        }
        // Each summary sorts its own values: independent, so in parallel,
        // two at a time (their moments share a loop: see
        // `Summary::of_present_two`); `collect` keeps the order above.
        let row = |(metric, ty, side, _): &(&Metric, WorkerType, Side, _), summary| StatRow {
            worker_type: *ty,
            side: *side,
            metric: metric.column.clone(),
            title: metric.title.clone(),
            unit: metric.unit.clone(),
            summary,
        };
        let values = |(metric, _, _, v): &(&Metric, WorkerType, Side, &Vec<Kept>)| {
            values_of(v, metric.reduce, width_s)
        };
        keys.par_chunks(2)
            .flat_map_iter(|pair| match pair {
                [a, b] => {
                    let (sa, sb) = Summary::of_present_two(values(a), values(b));
                    vec![row(a, sa), row(b, sb)]
                }
                _ => pair
                    .iter()
                    .map(|k| {
                        let (v, nan) = values(k);
                        row(k, Summary::of_present(v, nan))
                    })
                    .collect(),
            })
            .collect()
    }
}

/// The values of the concatenation of `parts` that are not NaN, and how
/// many were NaN, for [`Summary::of_present`].
fn values_of(parts: &[Kept], reduce: Reduce, width_s: f64) -> (Vec<f64>, u64) {
    let total: usize = parts.iter().map(Kept::len).sum();
    let mut present = Vec::with_capacity(total);
    let nan: u64 = parts
        .iter()
        .map(|p| p.values_into(&mut present, reduce, width_s))
        .sum();
    (present, nan)
}

/// Legend labels of group lines.
struct Labeler {
    labels: Vec<String>,
    type_counts: HashMap<WorkerType, usize>,
}

impl Labeler {
    fn new(workers: &[WorkerMeta]) -> Labeler {
        let mut type_counts: HashMap<WorkerType, usize> = HashMap::new();
        for w in workers {
            *type_counts.entry(w.worker_type).or_default() += 1;
        }
        Labeler {
            labels: worker_labels(workers),
            type_counts,
        }
    }

    /// The worker, DP rank or type, then the side unless the type implies it.
    fn label(&self, k: &GroupKey) -> String {
        let base = match (k.worker, k.dp) {
            (Some(w), _) => self.labels.get(w as usize).cloned().unwrap_or_default(),
            (None, Some(dp)) => format!("{} dp{dp}", k.ty.as_str()),
            (None, None) => {
                let n = self.type_counts.get(&k.ty).copied().unwrap_or(0);
                let s = if n == 1 { "" } else { "s" };
                format!("{} ({n} worker{s})", k.ty.as_str())
            }
        };
        let implied = matches!(
            (k.side, k.ty),
            (Side::Prefill, WorkerType::Prefill)
                | (Side::Decode, WorkerType::Decode)
                | (Side::Memory, _)
        );
        if implied {
            base
        } else {
            format!("{base} · {}", k.side.as_str())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary_of(parts: &[Kept], reduce: Reduce, width_s: f64) -> Summary {
        let (v, nan) = values_of(parts, reduce, width_s);
        Summary::of_present(v, nan)
    }

    #[test]
    fn a_summary_of_parts_is_the_summary_of_their_concatenation() {
        let parts = [
            vec![3.5, f64::NAN, -1.0],
            vec![],
            vec![0.1, 0.2, 0.30000000000000004, f64::NAN],
            vec![1e9],
        ];
        let whole: Vec<f64> = parts.concat();
        // One line per bucket: a gauge's value is its sum.
        let cells: Vec<Kept> = parts
            .iter()
            .map(|p| {
                p.iter()
                    .enumerate()
                    .map(|(b, &sum)| Cell {
                        b: b as i64,
                        sum,
                        n: 1,
                    })
                    .collect::<Vec<_>>()
            })
            .map(|c| Kept::of(&c))
            .collect();
        let (a, b) = (summary_of(&cells, Reduce::Gauge, 1.0), Summary::of(&whole));
        // Bit for bit, NaN fields included (the serialised form compares them).
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            serde_json::to_string(&b).unwrap()
        );
        assert_eq!((a.count, a.nan), (6, 2));
        assert_eq!(summary_of(&[], Reduce::Rate, 1.0).count, 0);
        // A rate is per second of the bucket; a gauge is the mean of its lines.
        let two = [Kept::of(&[Cell {
            b: 0,
            sum: 10.0,
            n: 4,
        }])];
        assert_eq!(summary_of(&two, Reduce::Rate, 2.0).mean, 5.0);
        assert_eq!(summary_of(&two, Reduce::Gauge, 2.0).mean, 2.5);
    }
}
