//! Tables to Python without a copy: the Arrow PyCapsule interface.
//!
//! An [`ArrowStream`] holds record batches (reference-counted buffers).
//! `__arrow_c_stream__` exports them through arrow-rs's C stream interface
//! (`FFI_ArrowArrayStream`) in a capsule named `arrow_array_stream`, as the
//! Arrow PyCapsule interface specifies; the consumer (pyarrow, polars,
//! DuckDB) moves the stream out of the capsule and reads the same buffers.
//! When no consumer took it, dropping the capsule drops the stream, whose
//! `Drop` calls its release callback, as the protocol requires.
//!
//! pyo3-arrow was considered: its current release (0.20) is built on arrow
//! 59, the workspace on arrow 60, so two arrow versions would be linked and
//! batches could not pass between them without a copy.

use arrow_array::ffi::FFI_ArrowSchema;
use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::{RecordBatch, RecordBatchIterator};
use arrow_schema::SchemaRef;
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

/// An Arrow table produced by srtlog (record batches sharing one schema).
///
/// Implements the Arrow PyCapsule interface, so ``pyarrow.table(s)``,
/// ``polars.from_arrow(s)`` or ``duckdb.sql("select * from s")`` read it
/// without a copy. It can be exported any number of times.
#[pyclass(module = "srtlog._srtlog", frozen)]
pub struct ArrowStream {
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
}

impl ArrowStream {
    /// A stream of `batches` (all of `schema`).
    pub fn new(schema: SchemaRef, batches: Vec<RecordBatch>) -> Self {
        ArrowStream { schema, batches }
    }

    /// A stream of one batch.
    pub fn one(batch: RecordBatch) -> Self {
        ArrowStream::new(batch.schema(), vec![batch])
    }
}

#[pymethods]
impl ArrowStream {
    /// Exports the table as an `arrow_array_stream` capsule. A requested
    /// schema other than the table's own is not supported (the protocol
    /// allows ignoring it: the consumer casts).
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        let it = RecordBatchIterator::new(
            self.batches.clone().into_iter().map(Ok),
            self.schema.clone(),
        );
        let stream = FFI_ArrowArrayStream::new(Box::new(it));
        PyCapsule::new_with_value(py, stream, c"arrow_array_stream")
    }

    /// Exports the schema as an `arrow_schema` capsule.
    fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyCapsule>> {
        let s = FFI_ArrowSchema::try_from(self.schema.as_ref()).map_err(crate::errors::value)?;
        PyCapsule::new_with_value(py, s, c"arrow_schema")
    }

    /// Number of rows.
    #[getter]
    fn num_rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }

    /// Column names.
    #[getter]
    fn column_names(&self) -> Vec<String> {
        self.schema
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    }

    fn __len__(&self) -> usize {
        self.num_rows()
    }

    /// Rows per value of a string column (dictionary-encoded or plain),
    /// nulls not counted: `{"batch": 3_962_888, "memory": 12}`. Counted on
    /// the dictionary keys, so a node's `len(batches)` needs neither NumPy
    /// nor a mask of every row.
    fn value_counts(&self, column: &str) -> PyResult<std::collections::BTreeMap<String, usize>> {
        let mut out = std::collections::BTreeMap::new();
        for b in &self.batches {
            let c = b.column_by_name(column).ok_or_else(|| {
                crate::errors::value(format!("no column {column:?} in this table"))
            })?;
            count_values(c.as_ref(), &mut out).map_err(crate::errors::value)?;
        }
        Ok(out)
    }

    fn __repr__(&self) -> String {
        format!(
            "ArrowStream({} rows, {} columns)",
            self.num_rows(),
            self.schema.fields().len()
        )
    }
}

/// Adds the rows per value of `c` (a string column, plain or
/// dictionary-encoded with `Int32` keys) to `out`.
fn count_values(
    c: &dyn arrow_array::Array,
    out: &mut std::collections::BTreeMap<String, usize>,
) -> Result<(), String> {
    use arrow_array::cast::AsArray;
    use arrow_array::types::Int32Type;
    use arrow_array::Array;
    use arrow_schema::DataType;
    match c.data_type() {
        DataType::Dictionary(k, v) if **k == DataType::Int32 && **v == DataType::Utf8 => {
            let d = c.as_dictionary::<Int32Type>();
            let words = d.values().as_string::<i32>();
            let mut per_key = vec![0usize; words.len()];
            let keys = d.keys();
            let all_valid = keys.null_count() == 0;
            for (i, &k) in keys.values().iter().enumerate() {
                // A key out of range cannot come from arrow-rs's own
                // validated arrays; skipping it keeps this total.
                if all_valid || keys.is_valid(i) {
                    if let Some(n) = usize::try_from(k).ok().and_then(|k| per_key.get_mut(k)) {
                        *n += 1;
                    }
                }
            }
            for (k, n) in per_key.into_iter().enumerate() {
                if n > 0 && words.is_valid(k) {
                    *out.entry(words.value(k).to_string()).or_default() += n;
                }
            }
            Ok(())
        }
        DataType::Utf8 => {
            for w in c.as_string::<i32>().iter().flatten() {
                *out.entry(w.to_string()).or_default() += 1;
            }
            Ok(())
        }
        other => Err(format!("value_counts needs a string column, not {other}")),
    }
}
