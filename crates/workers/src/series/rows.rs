//! The per-row facts the builder reads from a record batch (kind, ranks,
//! numeric columns of any width) and the per-file accumulator of scheduler
//! buckets ([`FileAcc`]).

use super::*;

/// A group line's identity; the field order is the legend order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) struct GroupKey {
    pub(super) side: Side,
    pub(super) ty: WorkerType,
    pub(super) worker: Option<u32>,
    pub(super) dp: Option<u16>,
}

/// One bucket of one scheduler: sum and count of its values.
#[derive(Clone, Copy, Debug)]
pub(super) struct Cell {
    pub(super) b: i64,
    pub(super) sum: f64,
    pub(super) n: u32,
}

impl Cell {
    /// The scheduler's value in this bucket: the per-second rate of a
    /// per-batch amount, or the mean of its lines.
    #[inline]
    pub(super) fn value(&self, reduce: Reduce, width_s: f64) -> f64 {
        match reduce {
            Reduce::Rate => self.sum / width_s,
            Reduce::Gauge | Reduce::Event => self.sum / f64::from(self.n),
        }
    }
}

/// Halves the resolution of one scheduler's cells (in time order): the
/// new bucket of `b` is `⌊b/2⌋`, and sums and counts add exactly.
pub(super) fn coarsen_cells(cells: &mut Vec<Cell>) {
    let mut out: Vec<Cell> = Vec::with_capacity(cells.len() / 2 + 1);
    for c in cells.iter() {
        let b = c.b.div_euclid(2);
        match out.last_mut() {
            Some(o) if o.b == b => {
                o.sum += c.sum;
                o.n += c.n;
            }
            _ => out.push(Cell { b, ..*c }),
        }
    }
    *cells = out;
}

/// One scheduler's cells of one statistic from one file, kept until the
/// statistics are summarised. A statistic holds a value per scheduler and
/// bucket (millions on a large run), so the cells are kept compact: their
/// sums, the steps between their buckets and their line counts, the last
/// two a byte each when they fit (they are small: a scheduler prints about
/// once a bucket), and nothing when all are 1. Cells rather than values
/// because a later file may widen the buckets: then these are coarsened
/// too, and every value is one bucket of the final width.
#[derive(Debug)]
pub(super) struct Kept {
    b0: i64,
    sums: Vec<f64>,
    /// `b[i] - b[i-1]` (the first: 0), by default 1.
    steps: Small,
    /// Lines in each bucket, by default 1.
    counts: Small,
}

/// Small positive integers: all 1, a byte each, or 8 bytes each.
#[derive(Debug)]
enum Small {
    Ones,
    Narrow(Vec<u8>),
    Wide(Vec<u64>),
}

impl Small {
    /// Collects `v`. Simple passes (all ones? the largest? then the copy)
    /// rather than one pass that widens on the way: cheaper per value.
    fn of(v: impl Iterator<Item = u64> + Clone) -> Small {
        if v.clone().all(|x| x == 1) {
            Small::Ones
        } else if v.clone().all(|x| x <= u64::from(u8::MAX)) {
            Small::Narrow(v.map(|x| x as u8).collect()) // ≤ 255: exact
        } else {
            Small::Wide(v.collect())
        }
    }

    #[inline]
    fn get(&self, i: usize) -> u64 {
        match self {
            Small::Ones => 1,
            Small::Narrow(v) => u64::from(v[i]),
            Small::Wide(v) => v[i],
        }
    }
}

impl Kept {
    /// Keeps `cells` (in time order).
    pub(super) fn of(cells: &[Cell]) -> Kept {
        let b0 = cells.first().map_or(0, |c| c.b);
        // The first step is 1, not 0, so a consecutive run is all ones.
        // Cells are in time order, so every step is positive.
        let steps = std::iter::once(1).chain(cells.windows(2).map(|w| w[1].b.abs_diff(w[0].b)));
        Kept {
            b0,
            sums: cells.iter().map(|c| c.sum).collect(),
            steps: Small::of(steps),
            counts: Small::of(cells.iter().map(|c| u64::from(c.n))),
        }
    }

    pub(super) fn len(&self) -> usize {
        self.sums.len()
    }

    /// The cells again.
    pub(super) fn cells(&self) -> impl Iterator<Item = Cell> + '_ {
        let mut b = self.b0 - 1;
        self.sums.iter().enumerate().map(move |(i, &sum)| {
            // Both fit: steps are bucket distances and counts were `u32`.
            b += self.steps.get(i) as i64;
            Cell {
                b,
                sum,
                n: self.counts.get(i) as u32,
            }
        })
    }

    /// Appends the values of the cells at bucket width `width_s` that are
    /// not NaN to `out`, and returns how many were NaN.
    pub(super) fn values_into(&self, out: &mut Vec<f64>, reduce: Reduce, width_s: f64) -> u64 {
        let before = out.len();
        match (reduce, &self.counts) {
            (Reduce::Rate, _) => out.extend(
                self.sums
                    .iter()
                    .map(|s| s / width_s)
                    .filter(|x| !x.is_nan()),
            ),
            (_, Small::Ones) => out.extend(self.sums.iter().copied().filter(|x| !x.is_nan())),
            (_, Small::Narrow(c)) => out.extend(
                self.sums
                    .iter()
                    .zip(c)
                    .map(|(s, &n)| s / f64::from(n))
                    .filter(|x| !x.is_nan()),
            ),
            // Counts came from `u32`: exact as `f64`.
            (_, Small::Wide(c)) => out.extend(
                self.sums
                    .iter()
                    .zip(c)
                    .map(|(s, &n)| s / n as f64)
                    .filter(|x| !x.is_nan()),
            ),
        }
        (self.len() - (out.len() - before)) as u64
    }

    /// Halves the resolution, as [`coarsen_cells`].
    pub(super) fn coarsen(&mut self) {
        let mut cells: Vec<Cell> = self.cells().collect();
        coarsen_cells(&mut cells);
        *self = Kept::of(&cells);
    }
}

/// One bucket of a group line. `s` sums scheduler values, each weighted by
/// `k`; `n` counts those weights; `k` counts the buckets merged into this
/// one while coarsening (1 otherwise). The line is `s / k` for summed
/// metrics (the time average of the sum) and `s / n` for averaged ones.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct GCell {
    pub(super) b: i64,
    pub(super) s: f64,
    pub(super) n: u32,
    pub(super) k: u32,
}

/// Row classification.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Batch(Side),
    Memory,
    Other,
    Skip,
}

/// A numeric column of any of the integer or float types srtlog writes.
pub(super) enum Num<'a> {
    I64(&'a PrimitiveArray<Int64Type>),
    F64(&'a PrimitiveArray<Float64Type>),
    I32(&'a PrimitiveArray<Int32Type>),
    U64(&'a PrimitiveArray<UInt64Type>),
    U32(&'a PrimitiveArray<UInt32Type>),
    F32(&'a PrimitiveArray<Float32Type>),
}

impl<'a> Num<'a> {
    pub(super) fn of(a: &'a ArrayRef) -> Option<Num<'a>> {
        Some(match a.data_type() {
            DataType::Int64 => Num::I64(a.as_primitive_opt()?),
            DataType::Float64 => Num::F64(a.as_primitive_opt()?),
            DataType::Int32 => Num::I32(a.as_primitive_opt()?),
            DataType::UInt64 => Num::U64(a.as_primitive_opt()?),
            DataType::UInt32 => Num::U32(a.as_primitive_opt()?),
            DataType::Float32 => Num::F32(a.as_primitive_opt()?),
            _ => return None,
        })
    }
}

pub(super) fn is_numeric(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Int64
            | DataType::Float64
            | DataType::Int32
            | DataType::UInt64
            | DataType::UInt32
            | DataType::Float32
    )
}

/// The string of each row of a dictionary or string column (`None` for
/// nulls), mapped through `f` once per distinct value.
pub(super) fn codes<T: Copy>(a: &ArrayRef, f: impl Fn(&str) -> T) -> Option<Vec<Option<T>>> {
    if let Some(d) = a.as_dictionary_opt::<Int32Type>() {
        let values = d.values().as_string_opt::<i32>()?;
        let mapped: Vec<T> = (0..values.len()).map(|k| f(values.value(k))).collect();
        let keys = d.keys();
        return Some(
            (0..keys.len())
                .map(|i| {
                    keys.is_valid(i)
                        .then(|| mapped.get(keys.value(i) as usize).copied())
                        .flatten()
                })
                .collect(),
        );
    }
    let s = a.as_string_opt::<i32>()?;
    Some(
        (0..s.len())
            .map(|i| s.is_valid(i).then(|| f(s.value(i))))
            .collect(),
    )
}

/// The per-row facts of one record batch that the reduction reads besides
/// its value columns: each row's kind and packed rank tags
/// ([`Ranks::pack`]). They depend on the batch alone, so the cache replay
/// computes them on its reader thread, beside the reduction
/// ([`SeriesBuilder::add_part_with_facts`](super::SeriesBuilder::add_part_with_facts)).
pub struct RowFacts {
    pub(super) kind: Vec<Kind>,
    pub(super) ranks: Vec<u128>,
}

impl RowFacts {
    /// The facts of `rb`'s rows as a streamed part reads them (its
    /// `duplicate` flags are not read); `None` without a microsecond
    /// timestamp column.
    pub fn of(rb: &RecordBatch) -> Option<RowFacts> {
        RowFacts::read(rb, false)
    }

    /// Reads the row columns by name; `None` when there is no timestamp.
    /// With `honor_dup`, rows flagged `duplicate` are skipped; otherwise
    /// they are kept under their own rank tags, to be dropped by rank when
    /// the file is complete ([`SeriesBuilder::end_file`]).
    pub(super) fn read(rb: &RecordBatch, honor_dup: bool) -> Option<RowFacts> {
        let n = rb.num_rows();
        timestamps(rb)?;
        // The record kind names the row; a missing column means batch rows.
        #[derive(Clone, Copy, PartialEq)]
        enum Rec {
            Batch,
            Memory,
            Other,
        }
        let record = rb.column_by_name("record").and_then(|c| {
            codes(c, |s| match s {
                "batch" => Rec::Batch,
                "memory" => Rec::Memory,
                _ => Rec::Other,
            })
        });
        let batch_type = rb.column_by_name("batch_type").and_then(|c| {
            codes(c, |s| match s {
                "prefill" => Some(Side::Prefill),
                "decode" => Some(Side::Decode),
                _ => None,
            })
        });
        let dup: Option<&BooleanArray> = rb
            .column_by_name("duplicate")
            .and_then(|c| c.as_boolean_opt())
            .filter(|_| honor_dup);
        let kind = (0..n)
            .map(|i| {
                if dup.is_some_and(|d| d.is_valid(i) && d.value(i)) {
                    return Kind::Skip;
                }
                let bt = batch_type.as_ref().and_then(|b| b[i].flatten());
                match record.as_ref().map(|r| r[i]) {
                    Some(Some(Rec::Memory)) => Kind::Memory,
                    Some(Some(Rec::Batch)) | None => bt.map_or(Kind::Skip, Kind::Batch),
                    Some(Some(Rec::Other)) => Kind::Other,
                    Some(None) => Kind::Skip,
                }
            })
            .collect();
        // Tag `j` of `RANK_COLUMNS` is `Ranks::pack`'s tag `j`.
        let rank_cols: Vec<(usize, &PrimitiveArray<Int32Type>)> = super::RANK_COLUMNS
            .iter()
            .enumerate()
            .filter_map(|(j, c)| {
                let a = rb.column_by_name(c)?.as_primitive_opt::<Int32Type>()?;
                (a.null_count() < a.len()).then_some((j, a))
            })
            .collect();
        let ranks = (0..n)
            .map(|i| {
                rank_cols.iter().fold(0u128, |k, &(j, c)| {
                    if c.is_valid(i) {
                        k | Ranks::pack_tag(j, c.value(i) as u16)
                    } else {
                        k
                    }
                })
            })
            .collect();
        Some(RowFacts { kind, ranks })
    }
}

/// The microsecond timestamps of `rb`'s rows.
pub(super) fn timestamps(rb: &RecordBatch) -> Option<&[i64]> {
    Some(
        rb.column_by_name("timestamp")?
            .as_primitive_opt::<TimestampMicrosecondType>()?
            .values()
            .as_ref(),
    )
}

/// A batch of a part, with the facts of its rows when they were read
/// already: the facts and the offset of the batch's first row in them.
pub(super) type PartBatch<'a> = (&'a RecordBatch, Option<(&'a RowFacts, usize)>);

/// The rows of each batch of `part`, from the facts given when they cover
/// the batch, else from facts read here into `owned`; and whether a batch
/// with rows had no microsecond timestamp column (its rows are skipped).
pub(super) fn part_rows<'a>(
    part: &'a [PartBatch<'a>],
    honor_dup: bool,
    owned: &'a mut Vec<Option<RowFacts>>,
) -> (Vec<(&'a RecordBatch, Rows<'a>)>, bool) {
    let given = |(rb, f): &PartBatch<'a>| f.and_then(|(f, off)| f.rows(rb, off));
    owned.extend(part.iter().map(|p| match given(p) {
        Some(_) => None,
        None => RowFacts::read(p.0, honor_dup),
    }));
    let owned: &'a Vec<Option<RowFacts>> = owned;
    let mut rows = Vec::with_capacity(part.len());
    let mut missing_ts = false;
    for (p, own) in part.iter().zip(owned) {
        match own.as_ref().map_or_else(|| given(p), |f| f.rows(p.0, 0)) {
            Some(r) => rows.push((p.0, r)),
            None => missing_ts |= p.0.num_rows() > 0,
        }
    }
    (rows, missing_ts)
}

impl RowFacts {
    /// The rows of `rb` whose facts are these from `offset` on; `None` when
    /// they do not cover `rb` or `rb` has no microsecond timestamps.
    fn rows<'a>(&'a self, rb: &'a RecordBatch, offset: usize) -> Option<Rows<'a>> {
        let n = rb.num_rows();
        Some(Rows {
            ts: timestamps(rb)?,
            kind: self.kind.get(offset..offset + n)?,
            ranks: self.ranks.get(offset..offset + n)?,
        })
    }
}

/// The rows of one record batch as the reduction reads them: timestamps,
/// kinds and packed rank tags.
pub(super) struct Rows<'a> {
    pub(super) ts: &'a [i64],
    pub(super) kind: &'a [Kind],
    pub(super) ranks: &'a [u128],
}

pub(super) const NONE: u32 = u32::MAX;

/// A row's kind and packed rank tags ([`Ranks::pack`]) as one integer: 17
/// bits a tag (presence and value), then the kind. 108 bits are used, so `u128::MAX` is never a key.
#[inline]
pub(super) fn pack(kind: Kind, ranks: u128) -> u128 {
    ranks
        | u128::from(match kind {
            Kind::Batch(s) => 1 + s.index() as u8,
            Kind::Memory => 10,
            Kind::Other => 11,
            Kind::Skip => 12,
        }) << Ranks::PACKED_BITS
}

/// FxHash (Firefox's and rustc's hasher: rotate, xor, multiply per word) for
/// the scheduler index, looked up for most rows of a DP-interleaved log:
/// its keys are a few small integers, on which SipHash cost more than the
/// rest of the lookup. Only the cost changes: ids are assigned in order of
/// first appearance, whatever the hash.
#[derive(Clone, Copy, Default)]
pub(super) struct Fx(u64);

impl Fx {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl std::hash::Hasher for Fx {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.add(u64::from(b));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    fn write_u16(&mut self, i: u16) {
        self.add(u64::from(i));
    }
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
}

/// Builds [`Fx`] hashers.
pub(super) type FxBuild = std::hash::BuildHasherDefault<Fx>;

/// The schedulers and bucketed values of one file while it is reduced.
#[derive(Default)]
pub(super) struct FileAcc {
    pub(super) members: Vec<(Side, Ranks)>,
    pub(super) index: HashMap<(Side, Ranks), u32, FxBuild>,
    /// Rows counted once each, under one of the schedulers they feed.
    pub(super) rows: Vec<u64>,
    /// `[metric][member]` → buckets in time order.
    pub(super) cells: Vec<Vec<Vec<Cell>>>,
    /// Rows skipped by their `duplicate` flag.
    pub(super) flagged: u64,
}

impl FileAcc {
    pub(super) fn member(&mut self, side: Side, r: Ranks) -> u32 {
        let n = self.members.len() as u32;
        *self.index.entry((side, r)).or_insert_with(|| {
            self.members.push((side, r));
            self.rows.push(0);
            n
        })
    }

    /// Empties the accumulator for the next file, keeping the capacity of
    /// its cell vectors.
    pub(super) fn clear(&mut self) {
        self.members.clear();
        self.index.clear();
        self.rows.clear();
        self.flagged = 0;
        for per in &mut self.cells {
            per.iter_mut().for_each(Vec::clear);
        }
    }

    /// Halves the bucket resolution; exact, since cells hold raw sums.
    pub(super) fn coarsen(&mut self) {
        for per in &mut self.cells {
            per.iter_mut().for_each(coarsen_cells);
        }
    }

    /// The cell vectors of `metric`, one per scheduler met so far.
    pub(super) fn metric_cells(&mut self, metric: usize) -> &mut [Vec<Cell>] {
        if self.cells.len() <= metric {
            self.cells.resize_with(metric + 1, Vec::new);
        }
        let per = &mut self.cells[metric];
        if per.len() < self.members.len() {
            per.resize_with(self.members.len(), Vec::new);
        }
        per
    }
}

/// Adds `v` to bucket `b` of one scheduler's cells (in time order), which
/// get `hint` buckets of room when first used.
#[inline(always)]
pub(super) fn add_to(cells: &mut Vec<Cell>, b: i64, v: f64, hint: usize) {
    match cells.last_mut() {
        Some(c) if c.b == b => {
            c.sum += v;
            c.n += 1;
        }
        Some(c) if c.b > b => {
            // Out of order (interleaved ranks written late): insert.
            match cells.binary_search_by_key(&b, |c| c.b) {
                Ok(j) => {
                    cells[j].sum += v;
                    cells[j].n += 1;
                }
                Err(j) => cells.insert(j, Cell { b, sum: v, n: 1 }),
            }
        }
        _ => {
            if cells.is_empty() && cells.capacity() < hint {
                cells.reserve_exact(hint);
            }
            cells.push(Cell { b, sum: v, n: 1 });
        }
    }
}

/// The rows of one batch an [`add_column`] call reads besides the values.
pub(super) struct ColumnRows<'a> {
    pub(super) kind: &'a [Kind],
    /// Each row's scheduler per side ([`NONE`]: none).
    pub(super) mids: &'a [[u32; 4]],
    pub(super) buckets: &'a [i64],
    /// The sides a row of another record kind feeds.
    pub(super) other_sides: &'a [Side],
    pub(super) hint: usize,
}

/// Adds one column's values (`get(i)`, `None` for a null) to the cells of
/// its metric, `per`: a loop per value type ([`Num`]), so a value costs no
/// dispatch on the type. A side without a scheduler in the row (a memory
/// metric's value on an engine-statistics row) takes no value.
#[inline(always)]
pub(super) fn add_column(
    per: &mut [Vec<Cell>],
    r: &ColumnRows<'_>,
    get: impl Fn(usize) -> Option<f64>,
) {
    for (i, (kind, mid)) in r.kind.iter().zip(r.mids).enumerate() {
        let side = match *kind {
            Kind::Skip => continue,
            Kind::Batch(s) => Some(s),
            Kind::Memory => Some(Side::Memory),
            Kind::Other => None,
        };
        let Some(v) = get(i) else { continue };
        if !v.is_finite() {
            continue; // `nan` occupancy: no value, not a zero
        }
        let b = r.buckets[i];
        match side {
            Some(s) => {
                if let Some(cells) = per.get_mut(mid[s.index()] as usize) {
                    add_to(cells, b, v, r.hint);
                }
            }
            None => {
                for s in r.other_sides {
                    if let Some(cells) = per.get_mut(mid[s.index()] as usize) {
                        add_to(cells, b, v, r.hint);
                    }
                }
            }
        }
    }
}

impl Num<'_> {
    /// [`add_column`] of this column, through the null-free loop when it
    /// has no null.
    pub(super) fn add_to_cells(&self, per: &mut [Vec<Cell>], r: &ColumnRows<'_>) {
        macro_rules! each {
            ($a:expr) => {
                if $a.null_count() == 0 {
                    let v = $a.values();
                    add_column(per, r, |i| Some(v[i] as f64))
                } else {
                    add_column(per, r, |i| $a.is_valid(i).then(|| $a.value(i) as f64))
                }
            };
        }
        match self {
            Num::I64(a) => each!(a),
            Num::F64(a) => each!(a),
            Num::I32(a) => each!(a),
            Num::U64(a) => each!(a),
            Num::U32(a) => each!(a),
            Num::F32(a) => each!(a),
        }
    }
}
