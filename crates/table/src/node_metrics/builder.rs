//! The row builder of one chunk of one worker log ([`NodeMetricsBuilder`]):
//! typed column vectors while decoding, Arrow arrays once at the end.

use super::*;
use arrow_array::types::Int64Type;
use arrow_array::PrimitiveArray;
use arrow_buffer::ScalarBuffer;
use std::sync::{Mutex, PoisonError};

/// Builds the rows of one chunk of one file.
///
/// Columns are plain `Vec`s plus presence bits, turned into Arrow arrays only
/// in [`finish_chunk`](Self::finish_chunk): appending nulls through Arrow's
/// builders one by one cost more than decoding the line.
///
/// The layout is sparse where the rows are: a batch line sets about 10 of
/// the 38 field columns, and a worker prints the same kinds of lines, so a
/// field (or rank tag, or iteration) column is allocated when a row first
/// sets it, and rows that skip it are padded when the next value arrives.
/// Columns no row set become all-null arrays whose zeroed buffers the
/// operating system maps lazily. Dense columns of 48 numbers a row cost a
/// page fault every 9 rows on a 1 GB run, more than decoding the lines.
/// Memory rows, vLLM rows and unknown keys are rarer still, so they are kept
/// as `(row, values)` lists and scattered at the end.
pub struct NodeMetricsBuilder {
    /// The capacity a column gets when it is first used.
    cap: usize,
    line: Vec<u64>,
    ts: Vec<i64>,
    /// 0 = batch (prefill), 1 = batch (decode), 2 = memory.
    kind: Vec<u8>,
    /// Rank tags, `-1` when absent; empty until a row has the tag.
    ranks: [Vec<i32>; 6],
    /// Forward-iteration id, `-1` when absent; empty until a row has one.
    iteration: Vec<i64>,
    /// Field values (0 when absent), `None` until a row sets the field, and
    /// the per-row presence masks.
    fields: Vec<Option<FieldVec>>,
    present: Vec<u64>,
    /// `(row, "k=v; ...")` for rows with unknown keys.
    extras: Vec<(usize, String)>,
    /// `(row, event index, values)` for memory rows.
    mem: Vec<(usize, i32, [Option<f64>; 10])>,
    /// `(row, values)` of the [`VLLM_COLUMNS`] for vLLM rows.
    vllm: Vec<(usize, [Option<f64>; vc::N])>,
    /// `(row, rates)` of the per-position acceptance rates.
    per_position: Vec<(usize, String)>,
    /// Rows whose timestamp waits for the year.
    local: Vec<(usize, LocalTime)>,
    /// The last statistics row of each process (pid; `None` for lines
    /// without a process tag), with the companions it already has
    /// (bit 0 speculative, bit 1 prefix cache), for merging companions.
    last_stats: Vec<(Option<u32>, usize, u8)>,
}

impl Default for NodeMetricsBuilder {
    fn default() -> Self {
        Self::with_capacity(1024)
    }
}

impl NodeMetricsBuilder {
    /// A builder sized for about `n` rows.
    pub fn with_capacity(n: usize) -> Self {
        NodeMetricsBuilder {
            cap: n,
            line: Vec::with_capacity(n),
            ts: Vec::with_capacity(n),
            kind: Vec::with_capacity(n),
            ranks: Default::default(),
            iteration: Vec::new(),
            fields: (0..FIELDS.len()).map(|_| None).collect(),
            present: Vec::with_capacity(n),
            extras: Vec::new(),
            mem: Vec::new(),
            vllm: Vec::new(),
            per_position: Vec::new(),
            local: Vec::new(),
            last_stats: Vec::new(),
        }
    }

    /// Rows so far.
    pub fn len(&self) -> usize {
        self.kind.len()
    }

    /// True when no row was added.
    pub fn is_empty(&self) -> bool {
        self.kind.is_empty()
    }

    fn push_common(&mut self, line: u64, ts: i64, ranks: &Ranks, kind: u8) {
        let row = self.kind.len();
        self.line.push(line);
        self.ts.push(ts);
        self.kind.push(kind);
        let r = [
            ranks.dp,
            ranks.pp,
            ranks.tp,
            ranks.ep,
            ranks.attn_cp,
            ranks.moe_dp,
        ];
        for (col, v) in self.ranks.iter_mut().zip(r) {
            if let Some(v) = v {
                put(col, self.cap, row, -1, i32::from(v));
            }
        }
    }

    /// Stores the set fields of a row (`mask` bit `i` = field `i`).
    #[inline]
    fn push_values(&mut self, mask: u64, vals: &[f64]) {
        let row = self.present.len();
        self.present.push(mask);
        let mut m = mask;
        while m != 0 {
            let i = m.trailing_zeros() as usize;
            m &= m - 1;
            let cap = self.cap;
            self.fields[i]
                .get_or_insert_with(|| FieldVec::new(FIELDS[i].kind, cap))
                .set(row, vals[i]);
        }
    }

    /// Adds a batch row.
    #[inline]
    pub fn push_batch(&mut self, line: u64, r: &BatchRecord<'_>) {
        let kind = match r.kind {
            BatchKind::Prefill => 0,
            BatchKind::Decode => 1,
        };
        let row = self.kind.len();
        self.push_common(line, r.prefix.ts.0, &r.prefix.ranks, kind);
        if let Some(i) = r.iteration {
            put(&mut self.iteration, self.cap, row, -1, i as i64);
        }
        let (mask, vals) = r.values.raw();
        self.push_values(mask, vals);
        if !r.extras.is_empty() {
            self.extras.push((row, r.extras.to_text()));
        }
    }

    /// Adds a memory-snapshot row.
    pub fn push_memory(&mut self, line: u64, m: &MemoryRecord) {
        self.push_common(line, m.prefix.ts.0, &m.prefix.ranks, 2);
        self.present.push(0);
        let ev = MEM_EVENTS
            .iter()
            .position(|e| *e == m.event.as_str())
            .unwrap_or(MEM_EVENTS.len() - 1);
        let vals = [
            m.avail_mem_gb,
            m.mem_usage_gb,
            m.kv_tokens,
            m.kv_size_gb,
            m.k_size_gb,
            m.v_size_gb,
            m.chunked_prefill_size,
            m.max_prefill_tokens,
            m.max_running_requests,
            m.context_len,
        ];
        self.mem.push((self.kind.len() - 1, ev as i32, vals));
    }

    /// Adds a memory-snapshot row of a vLLM line, whose timestamp waits for
    /// the year (the prefix's `ts` is ignored).
    pub fn push_memory_local(&mut self, line: u64, m: &MemoryRecord, at: LocalTime) {
        self.push_memory(line, m);
        self.local.push((self.kind.len() - 1, at));
    }

    /// Adds a vLLM engine statistics row. `pid` identifies the printing
    /// process, so that the companion lines that follow merge into this row.
    pub fn push_stats(&mut self, line: u64, r: &StatsRecord<'_>, at: LocalTime, pid: Option<u32>) {
        let ranks = Ranks {
            dp: r.engine,
            ..Ranks::default()
        };
        self.push_common(line, 0, &ranks, K_STATS);
        let mut v = Values::default();
        let mut set = |f: Field, x: Option<f64>| {
            if let Some(x) = x {
                v.set(f, x);
            }
        };
        set(Field::InputThroughput, r.prompt_throughput);
        set(Field::GenThroughput, r.gen_throughput);
        set(Field::RunningReq, r.running);
        set(Field::QueueReq, r.queued());
        set(Field::TokenUsage, r.gpu_kv_usage.map(percent_to_fraction));
        let (mask, vals) = v.raw();
        self.push_values(mask, vals);
        let row = self.kind.len() - 1;
        let mut x = [None; vc::N];
        x[vc::ENGINE] = r.engine.map(f64::from);
        x[vc::SWAPPED] = r.swapped;
        x[vc::CPU_KV] = r.cpu_kv_usage.map(percent_to_fraction);
        x[vc::PREFIX_HIT] = r.prefix_cache_hit_rate.map(percent_to_fraction);
        x[vc::MM_HIT] = r.mm_cache_hit_rate.map(percent_to_fraction);
        self.vllm.push((row, x));
        if !r.extras.is_empty() {
            self.extras.push((row, r.extras.to_text()));
        }
        self.local.push((row, at));
        match self.last_stats.iter_mut().find(|(p, ..)| *p == pid) {
            Some(e) => *e = (pid, row, 0),
            None => self.last_stats.push((pid, row, 0)),
        }
    }

    /// The statistics row a companion line of `pid` completes, marking the
    /// companion `bit` as taken; `None` when there is none.
    fn companion_target(&mut self, pid: Option<u32>, bit: u8) -> Option<usize> {
        let e = self.last_stats.iter_mut().find(|(p, ..)| *p == pid)?;
        if e.2 & bit != 0 {
            return None;
        }
        e.2 |= bit;
        Some(e.1)
    }

    /// A `stats_extra` row for a companion line that follows no statistics
    /// line; returns its index.
    fn push_stats_extra(&mut self, line: u64, at: LocalTime) -> usize {
        self.push_common(line, 0, &Ranks::default(), K_STATS_EXTRA);
        self.present.push(0);
        let row = self.kind.len() - 1;
        self.local.push((row, at));
        self.vllm.push((row, [None; vc::N]));
        row
    }

    /// The vLLM values of `row` (a statistics or `stats_extra` row).
    fn vllm_values(&mut self, row: usize) -> &mut [Option<f64>; vc::N] {
        // Rows are pushed in order, and a companion targets a recent row.
        let i = self
            .vllm
            .iter()
            .rposition(|(r, _)| *r == row)
            .unwrap_or_else(|| {
                self.vllm.push((row, [None; vc::N]));
                self.vllm.len() - 1
            });
        &mut self.vllm[i].1
    }

    /// Sets a registry field of an existing row.
    fn set_field(&mut self, row: usize, f: Field, x: f64) {
        let i = f as usize;
        self.present[row] |= 1 << i;
        let cap = self.cap;
        self.fields[i]
            .get_or_insert_with(|| FieldVec::new(FIELDS[i].kind, cap))
            .set(row, x);
    }

    /// Merges a speculative-decoding line into the statistics row of `pid`
    /// it follows, or adds it as a `stats_extra` row.
    pub fn push_spec(&mut self, line: u64, r: &SpecRecord<'_>, at: LocalTime, pid: Option<u32>) {
        let row = match self.companion_target(pid, 1) {
            Some(row) => row,
            None => self.push_stats_extra(line, at),
        };
        if let Some(x) = r.mean_acceptance_length {
            self.set_field(row, Field::AcceptLen, x);
        }
        if let Some(x) = r.acceptance_rate {
            self.set_field(row, Field::AcceptRate, x);
        }
        let v = self.vllm_values(row);
        v[vc::ACCEPTED] = r.accepted_tokens;
        v[vc::DRAFTED] = r.drafted_tokens;
        v[vc::EMITTED] = r.emitted_tokens;
        v[vc::ACC_TPUT] = r.accepted_throughput;
        v[vc::DRAFT_TPUT] = r.drafted_throughput;
        v[vc::SYS_EFF] = r.system_efficiency;
        v[vc::NUM_SPEC] = r.num_spec_tokens;
        if let Some(raw) = r.per_position {
            // As printed, without the spaces: `0.786,0.490,0.286`.
            let rates: String = String::from_utf8_lossy(raw)
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            self.per_position.push((row, rates));
        }
    }

    /// Merges a V0 `Prefix cache hit rate: GPU: …, CPU: …` line into the
    /// statistics row of `pid` it follows, or adds it as a `stats_extra` row.
    pub fn push_prefix_cache(
        &mut self,
        line: u64,
        r: &PrefixCacheRecord,
        at: LocalTime,
        pid: Option<u32>,
    ) {
        let row = match self.companion_target(pid, 2) {
            Some(row) => row,
            None => self.push_stats_extra(line, at),
        };
        let v = self.vllm_values(row);
        v[vc::PREFIX_HIT] = r.gpu.map(percent_to_fraction);
        v[vc::CPU_PREFIX_HIT] = r.cpu.map(percent_to_fraction);
    }

    /// Turns the rows into Arrow arrays. This is the expensive part of
    /// finishing and runs in the parallel task that parsed the chunk; what
    /// needs the whole file (worker type, line offset, duplicates) is applied
    /// afterwards by [`Chunk::assemble`].
    pub fn finish_chunk(self) -> Chunk {
        let n = self.kind.len();
        let dict = |keys: Int32Array, values: &[&str]| -> ArrayRef {
            let values = Arc::new(StringArray::from(values.to_vec()));
            Arc::new(DictionaryArray::<Int32Type>::new(keys, values))
        };
        // Keys that are all 0 (a chunk of batch rows only, or of prefill
        // batches only) are the shared zeros, as the all-null columns are.
        let kind = &self.kind;
        let keys = |all_zero: bool, key: &dyn Fn(u8) -> i32| -> ScalarBuffer<i32> {
            if all_zero {
                ScalarBuffer::new(zeros(4 * n), 0, n)
            } else {
                kind.iter().map(|&k| key(k)).collect::<Vec<_>>().into()
            }
        };
        let record = Int32Array::new(
            keys(kind.iter().all(|&k| k <= K_DECODE), &|k| match k {
                K_PREFILL | K_DECODE => 0,
                K_MEMORY => 1,
                K_STATS => 2,
                _ => 3,
            }),
            None,
        );
        let batch_type = Int32Array::new(
            keys(kind.iter().all(|&k| k != K_DECODE), &|k| {
                i32::from(k == K_DECODE)
            }),
            Some(nulls_where(n, |r| kind[r] <= K_DECODE)),
        );
        let mut cols: Vec<ArrayRef> =
            vec![dict(record, &RECORD_KINDS), dict(batch_type, &BATCH_TYPES)];
        for v in self.ranks {
            cols.push(tagged_column::<Int32Type>(v, n));
        }
        cols.push(tagged_column::<Int64Type>(self.iteration, n));
        for (i, v) in self.fields.into_iter().enumerate() {
            let present = &self.present;
            cols.push(match v {
                None => null_column(&field_type(FIELDS[i].kind), n),
                Some(v) => v.finish(n, nulls_where(n, |r| present[r] >> i & 1 == 1)),
            });
        }
        // Unknown keys and memory rows are rare: all-null columns unless present.
        if self.extras.is_empty() {
            cols.push(null_column(&DataType::Utf8, n));
        } else {
            let mut extras: Vec<Option<&str>> = vec![None; n];
            for (r, s) in &self.extras {
                extras[*r] = Some(s);
            }
            cols.push(Arc::new(StringArray::from(extras)));
        }
        let ev = if self.mem.is_empty() {
            let nulls = NullBuffer::new(BooleanBuffer::new(zeros(n.div_ceil(8)), 0, n));
            Int32Array::new(ScalarBuffer::new(zeros(4 * n), 0, n), Some(nulls))
        } else {
            let mut ev = vec![0i32; n];
            for (r, e, _) in &self.mem {
                ev[*r] = *e;
            }
            let rows = self.mem.iter().map(|(r, ..)| *r);
            Int32Array::new(ev.into(), Some(nulls_at(n, rows)))
        };
        cols.push(dict(ev, &MEM_EVENTS));
        for (i, (_, int, _)) in MEM_COLUMNS.iter().enumerate() {
            let t = if *int { VType::Int64 } else { VType::Float };
            cols.push(scatter(t, n, self.mem.iter().map(|(r, _, v)| (*r, v[i]))));
        }
        for (i, (_, t, _)) in VLLM_COLUMNS.iter().enumerate() {
            cols.push(scatter(*t, n, self.vllm.iter().map(|(r, v)| (*r, v[i]))));
        }
        if self.per_position.is_empty() {
            cols.push(null_column(&DataType::Utf8, n));
        } else {
            let mut pp: Vec<Option<&str>> = vec![None; n];
            for (r, s) in &self.per_position {
                pp[*r] = Some(s);
            }
            cols.push(Arc::new(StringArray::from(pp)));
        }
        Chunk {
            n,
            line: self.line,
            ts: self.ts,
            local: self.local,
            columns: cols,
        }
    }

    /// Finishes rows directly into a `RecordBatch` ([`finish_chunk`](Self::finish_chunk)
    /// then [`Chunk::assemble`]).
    pub fn finish(
        self,
        meta: &FileMeta,
        line_offset: u64,
        is_primary: &dyn Fn(&Ranks) -> bool,
    ) -> Result<RecordBatch, TableError> {
        self.finish_chunk().assemble(meta, line_offset, is_primary)
    }
}

/// Sets `row` of a lazily allocated column whose absent rows hold `absent`:
/// allocates it on first use and pads the rows skipped since its last value.
#[inline]
fn put<T: Copy>(col: &mut Vec<T>, cap: usize, row: usize, absent: T, v: T) {
    if col.capacity() == 0 {
        col.reserve_exact(cap.max(row + 1));
    }
    if col.len() < row {
        col.resize(row, absent);
    }
    col.push(v);
}

/// A rank-tag or iteration column of `n` rows, whose absent rows hold `-1`:
/// all null when no row set it (empty), else padded to `n` rows.
fn tagged_column<T>(mut v: Vec<T::Native>, n: usize) -> ArrayRef
where
    T: arrow_array::types::ArrowPrimitiveType,
    T::Native: From<i8> + PartialOrd,
{
    if v.is_empty() {
        return null_column(&T::DATA_TYPE, n);
    }
    let absent = T::Native::from(-1);
    v.resize(n, absent);
    let nulls = nulls_where(n, |r| v[r] > absent);
    Arc::new(PrimitiveArray::<T>::new(v.into(), Some(nulls)))
}

/// A column of `n` rows, null except at the rows given (a few memory or vLLM
/// rows among many batch rows). The buffers are zero-allocated, so the pages
/// of a column that is almost all null are never touched.
fn scatter(t: VType, n: usize, rows: impl Iterator<Item = (usize, Option<f64>)>) -> ArrayRef {
    let set: Vec<(usize, f64)> = rows.filter_map(|(r, v)| Some((r, v?))).collect();
    if set.is_empty() {
        return null_column(&t.arrow(), n);
    }
    let nulls = Some(nulls_at(n, set.iter().map(|(r, _)| *r)));
    match t {
        VType::Int32 => {
            let mut v = vec![0i32; n];
            for (r, x) in &set {
                v[*r] = *x as i32;
            }
            Arc::new(Int32Array::new(v.into(), nulls))
        }
        VType::Int64 => {
            let mut v = vec![0i64; n];
            for (r, x) in &set {
                v[*r] = *x as i64;
            }
            Arc::new(Int64Array::new(v.into(), nulls))
        }
        VType::Float => {
            let mut v = vec![0f64; n];
            for (r, x) in &set {
                v[*r] = *x;
            }
            Arc::new(Float64Array::new(v.into(), nulls))
        }
    }
}

/// An all-null column of `n` rows, whose value, offset and validity buffers
/// are slices of one shared block of zeros ([`zeros`]).
///
/// Most columns of a chunk are all null (a batch line sets about 10 of the
/// 80), so giving each its own zeroed buffers was most of a table's memory
/// and, once glibc serves large blocks from its heap rather than fresh
/// mappings, a `memset` and its page faults per column: 9 % of building the
/// cache. Arrow buffers are immutable and reference-counted, so sharing is
/// invisible to readers.
fn null_column(t: &DataType, n: usize) -> ArrayRef {
    let nulls = || {
        Some(NullBuffer::new(BooleanBuffer::new(
            zeros(n.div_ceil(8)),
            0,
            n,
        )))
    };
    match t {
        DataType::Int32 => Arc::new(Int32Array::new(
            ScalarBuffer::new(zeros(4 * n), 0, n),
            nulls(),
        )),
        DataType::Int64 => Arc::new(Int64Array::new(
            ScalarBuffer::new(zeros(8 * n), 0, n),
            nulls(),
        )),
        DataType::Float64 => Arc::new(Float64Array::new(
            ScalarBuffer::new(zeros(8 * n), 0, n),
            nulls(),
        )),
        DataType::Utf8 => Arc::new(StringArray::new(
            OffsetBuffer::new(ScalarBuffer::new(zeros(4 * (n + 1)), 0, n + 1)),
            Buffer::from_vec(Vec::<u8>::new()),
            nulls(),
        )),
        other => new_null_array(other, n),
    }
}

/// `len` zero bytes, 8-aligned: a slice of one block shared by the whole
/// process, reallocated (twice as large) only when a longer one is asked
/// for. Chunks are at most a few hundred thousand rows, so the block stays a
/// few MB.
pub(super) fn zeros(len: usize) -> Buffer {
    static ZEROS: Mutex<Option<Buffer>> = Mutex::new(None);
    let mut block = ZEROS.lock().unwrap_or_else(PoisonError::into_inner);
    match &*block {
        Some(b) if b.len() >= len => b.slice_with_length(0, len),
        _ => {
            // `u64` words keep the block aligned for every primitive type.
            let words = len.div_ceil(8).next_power_of_two().max(512);
            let b = Buffer::from_vec(vec![0u64; words]);
            *block = Some(b.clone());
            b.slice_with_length(0, len)
        }
    }
}

/// A validity buffer of `n` rows, valid only at `rows`.
fn nulls_at(n: usize, rows: impl Iterator<Item = usize>) -> NullBuffer {
    let mut b = BooleanBufferBuilder::new(n);
    b.append_n(n, false);
    for r in rows {
        b.set_bit(r, true);
    }
    NullBuffer::new(b.finish())
}

/// One field's values, in the column's own type so that finishing needs no
/// conversion pass. Absent values are stored as 0 and masked by validity.
enum FieldVec {
    Int(Vec<i32>),
    Float(Vec<f64>),
    Bool(Vec<bool>),
}

impl FieldVec {
    /// An empty column of `kind` with room for `cap` rows.
    fn new(kind: FieldKind, cap: usize) -> Self {
        match kind {
            FieldKind::Int => FieldVec::Int(Vec::with_capacity(cap)),
            FieldKind::Float | FieldKind::Percent => FieldVec::Float(Vec::with_capacity(cap)),
            FieldKind::Bool => FieldVec::Bool(Vec::with_capacity(cap)),
        }
    }

    /// Sets the value of `row`: overwrites an existing row, or appends it
    /// after padding the rows since the last value with 0.
    #[inline]
    fn set(&mut self, row: usize, v: f64) {
        #[inline]
        fn at<T: Copy + Default>(c: &mut Vec<T>, row: usize, v: T) {
            if row < c.len() {
                c[row] = v;
            } else {
                c.resize(row, T::default());
                c.push(v);
            }
        }
        match self {
            // `as` saturates: an out-of-range count becomes i32::MAX, not garbage.
            FieldVec::Int(c) => at(c, row, v as i32),
            FieldVec::Float(c) => at(c, row, v),
            FieldVec::Bool(c) => at(c, row, v != 0.0),
        }
    }

    /// The Arrow array of `n` rows; the value vectors become Arrow buffers
    /// without a copy.
    fn finish(self, n: usize, nulls: NullBuffer) -> ArrayRef {
        let nulls = Some(nulls);
        match self {
            FieldVec::Int(mut v) => {
                v.resize(n, 0);
                Arc::new(Int32Array::new(v.into(), nulls))
            }
            FieldVec::Float(mut v) => {
                v.resize(n, 0.0);
                Arc::new(Float64Array::new(v.into(), nulls))
            }
            FieldVec::Bool(mut v) => {
                v.resize(n, false);
                Arc::new(BooleanArray::new(BooleanBuffer::from(v), nulls))
            }
        }
    }
}

/// Builds a validity buffer; a generic closure so the per-row test inlines.
#[inline]
fn nulls_where(n: usize, f: impl FnMut(usize) -> bool) -> NullBuffer {
    NullBuffer::new(BooleanBuffer::collect_bool(n, f))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Buffers of `a`, by address: the value (or offset) buffer, then the
    /// validity buffer.
    fn addresses(a: &ArrayRef) -> (usize, usize) {
        let d = a.to_data();
        let nulls = d.nulls().map_or(0, |n| n.buffer().as_ptr() as usize);
        (d.buffers()[0].as_ptr() as usize, nulls)
    }

    #[test]
    fn all_null_columns_are_null_zeros_from_one_shared_block() {
        // A short chunk, then one longer than the block so far (it grows),
        // then the short one again (served from the grown block).
        for n in [3usize, 300_000, 3] {
            // The block grows to the widest request (an Int32 column first
            // would leave the Int64 one on a larger block); ask for that first.
            let _ = zeros(8 * (n + 1));
            let cols: Vec<ArrayRef> = [
                DataType::Int32,
                DataType::Int64,
                DataType::Float64,
                DataType::Utf8,
            ]
            .iter()
            .map(|t| null_column(t, n))
            .collect();
            for c in &cols {
                assert_eq!((c.len(), c.null_count()), (n, n), "{:?}", c.data_type());
            }
            let ints = cols[1].as_any().downcast_ref::<Int64Array>().unwrap();
            assert!(ints.values().iter().all(|&v| v == 0));
            let text = cols[3].as_any().downcast_ref::<StringArray>().unwrap();
            assert!(text.value_offsets().iter().all(|&o| o == 0));
            // One block: every column's values and validity start at its head.
            let (v0, n0) = addresses(&cols[0]);
            for c in &cols[1..] {
                assert_eq!(addresses(c), (v0, n0));
            }
            assert_eq!(v0, n0);
        }
    }
}
