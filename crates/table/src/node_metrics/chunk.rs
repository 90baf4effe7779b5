//! A finished chunk ([`Chunk`]) and its assembly into a `RecordBatch` with
//! the per-file columns and the `duplicate` flag; [`reassign`] rewrites
//! those columns when a file's facts change at its end.

use super::*;
use arrow_buffer::ScalarBuffer;

/// The columns of one chunk that do not depend on the rest of the file.
pub struct Chunk {
    pub(super) n: usize,
    /// Chunk-relative line numbers.
    pub(super) line: Vec<u64>,
    /// Timestamps (0 for rows that wait for the year).
    pub(super) ts: Vec<i64>,
    /// Rows whose timestamp waits for the year.
    pub(super) local: Vec<(usize, LocalTime)>,
    /// Columns from `record` on, without `duplicate`.
    pub(super) columns: Vec<ArrayRef>,
}

/// Rewrites the per-file columns (file, node, worker type, worker id) and the
/// `duplicate` flag of finished rows, from their rank columns. Used when the
/// facts a file's rows were streamed with turn out wrong at its end.
pub fn reassign(
    rb: &RecordBatch,
    meta: &FileMeta,
    is_primary: &dyn Fn(&Ranks) -> bool,
) -> Result<RecordBatch, TableError> {
    let n = rb.num_rows();
    let col = |name: &str| {
        rb.column_by_name(name)
            .ok_or_else(|| TableError::Schema(format!("no column {name}")))
    };
    let record = col("record")?;
    let ranks = ["dp", "pp", "tp", "ep", "attn_cp", "moe_dp"].map(col);
    let [dp, pp, tp, ep, cp, moe] = ranks;
    let ranks = [dp?, pp?, tp?, ep?, cp?, moe?];
    let duplicate = duplicate_flags(n, record, &ranks, is_primary)?;
    let zeros = Int32Array::new(ScalarBuffer::new(super::builder::zeros(4 * n), 0, n), None);
    let constant = |s: &str| -> ArrayRef {
        Arc::new(DictionaryArray::<Int32Type>::new(
            zeros.clone(),
            Arc::new(StringArray::from(vec![s])),
        ))
    };
    let mut cols: Vec<ArrayRef> = rb.columns().to_vec();
    cols[0] = constant(&meta.file);
    cols[1] = constant(&meta.node);
    cols[2] = constant(&meta.worker_type);
    cols[3] = constant(&meta.worker_id);
    cols[5 + DUPLICATE_AT] = Arc::new(duplicate);
    Ok(RecordBatch::try_new(schema(), cols)?)
}

/// The `duplicate` flag of `n` rows from their `record` column and their six
/// rank columns: a batch row whose ranks are not its scheduler's primary.
fn duplicate_flags(
    n: usize,
    record: &ArrayRef,
    ranks: &[&ArrayRef; 6],
    is_primary: &dyn Fn(&Ranks) -> bool,
) -> Result<BooleanArray, TableError> {
    let record = record
        .as_any()
        .downcast_ref::<DictionaryArray<Int32Type>>()
        .ok_or_else(|| TableError::Schema("the record column is not a dictionary".into()))?;
    let mut int = Vec::with_capacity(6);
    for c in ranks {
        int.push(
            c.as_any()
                .downcast_ref::<Int32Array>()
                .ok_or_else(|| TableError::Schema("a rank column is not Int32".into()))?,
        );
    }
    // A chunk's rows carry a few dozen distinct rank tuples, which DP
    // layouts interleave row by row, and `is_primary` is a map lookup. So
    // each row's tuple is packed into one integer (17 bits a tag: presence
    // and value), and the answers are kept in a small direct-mapped cache of
    // packed tuples; a tag column no row of the chunk has is not read at all.
    // A tag column without nulls (a tag every line carries, the common
    // case) is read without its validity bits.
    let present: Vec<(usize, &[i32], Option<&NullBuffer>)> = int
        .iter()
        .enumerate()
        .filter(|(_, a)| a.null_count() < a.len())
        .map(|(j, a)| (j, &a.values()[..], a.nulls().filter(|b| b.null_count() > 0)))
        .collect();
    let packed = |r: usize| -> u128 {
        present.iter().fold(0u128, |k, &(j, v, nulls)| {
            if nulls.is_none_or(|b| b.is_valid(r)) {
                k | Ranks::pack_tag(j, v[r] as u16)
            } else {
                k
            }
        })
    };
    // `Ranks::PACKED_BITS` bits are used, so `u128::MAX` marks an empty slot.
    let mut memo = [(u128::MAX, false); Ranks::MEMO_SLOTS];
    let keys = record.keys();
    Ok(BooleanArray::new(
        BooleanBuffer::collect_bool(n, |r| {
            keys.value(r) == 0 && {
                let k = packed(r);
                let slot = &mut memo[Ranks::memo_slot(k)];
                if slot.0 != k {
                    *slot = (k, !is_primary(&Ranks::unpack(k)));
                }
                slot.1
            }
        }),
        None,
    ))
}

/// Index of `duplicate` among the columns after `line`.
const DUPLICATE_AT: usize = 1 + 2 + 6;
/// Index of `duplicate` among a [`Chunk`]'s columns (which start at `record`).
const CHUNK_DUPLICATE_AT: usize = DUPLICATE_AT - 1;

impl Chunk {
    /// Rows in the chunk.
    pub fn len(&self) -> usize {
        self.n
    }

    /// True when the chunk has no rows.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// True when some rows wait for the year (vLLM rows).
    pub fn needs_year(&self) -> bool {
        !self.local.is_empty()
    }

    /// Adds the per-file columns and the `duplicate` flag.
    ///
    /// `line_offset` is added to every line number (chunks parsed in parallel
    /// number their lines from 1). `is_primary` decides, from a batch row's
    /// ranks, whether it is the scheduler's own line (`true`) or a TP/PP
    /// duplicate (`false`).
    pub fn assemble(
        self,
        meta: &FileMeta,
        line_offset: u64,
        is_primary: &dyn Fn(&Ranks) -> bool,
    ) -> Result<RecordBatch, TableError> {
        self.assemble_in_year(meta, line_offset, is_primary, None)
    }

    /// [`assemble`](Self::assemble), giving the rows that wait for the year
    /// their timestamp: `base_year` is the year of the chunk's first vLLM
    /// line (year offset 0). Without it such rows keep timestamp 0, which
    /// callers avoid by always knowing a year.
    pub fn assemble_in_year(
        mut self,
        meta: &FileMeta,
        line_offset: u64,
        is_primary: &dyn Fn(&Ranks) -> bool,
        base_year: Option<i32>,
    ) -> Result<RecordBatch, TableError> {
        let n = self.n;
        if let Some(y) = base_year {
            for (r, t) in &self.local {
                self.ts[*r] = t.in_year(y).0;
            }
        }
        // The four constant columns share the process's block of zero keys.
        let zeros = Int32Array::new(ScalarBuffer::new(super::builder::zeros(4 * n), 0, n), None);
        let constant = |s: &str| -> ArrayRef {
            let values = Arc::new(StringArray::from(vec![s]));
            Arc::new(DictionaryArray::<Int32Type>::new(zeros.clone(), values))
        };
        let lines: UInt64Array = self
            .line
            .into_iter()
            .map(|l| l + line_offset)
            .collect::<Vec<_>>()
            .into();
        // The chunk's columns start at `record`; the rank tags follow
        // `batch_type`.
        let c = &self.columns;
        let duplicate = duplicate_flags(
            n,
            &c[0],
            &[&c[2], &c[3], &c[4], &c[5], &c[6], &c[7]],
            is_primary,
        )?;
        let mut cols: Vec<ArrayRef> = Vec::with_capacity(self.columns.len() + 7);
        cols.extend([
            constant(&meta.file),
            constant(&meta.node),
            constant(&meta.worker_type),
            constant(&meta.worker_id),
            Arc::new(lines) as ArrayRef,
            Arc::new(TimestampMicrosecondArray::from(self.ts)) as ArrayRef,
        ]);
        let mut rest = self.columns.into_iter();
        cols.extend(rest.by_ref().take(CHUNK_DUPLICATE_AT));
        cols.push(Arc::new(duplicate));
        cols.extend(rest);
        debug_assert!(cols.iter().all(|c| c.len() == n));
        Ok(RecordBatch::try_new(schema(), cols)?)
    }
}
