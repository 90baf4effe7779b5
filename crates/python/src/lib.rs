//! `srtlog._srtlog`: the Python extension module of the `srtlog` package.
//!
//! The Python package (`python/srtlog/`) builds the documented APIs
//! (`NodeAnalyzer`, `InferenceLogAnalyzer`, …) in pure Python on the small
//! core exported here. Each function calls the same library entry point the
//! CLI calls for the same job, so results equal `srtlog … --json`:
//!
//! | module | job | CLI counterpart |
//! | --- | --- | --- |
//! | [`workers`] | worker logs | `srtlog parse`, `srtlog viz` |
//! | [`requests`] | request logs | `srtlog requests …` |
//! | [`jobs`] | snapshots, scrape, audit, AIPerf | `srtlog snapshots`, `scrape`, `audit`, `aiperf` |
//! | [`dataset`] | per-split reads for Ray and Spark | `srtlog ingest` (per source) |
//!
//! Tables leave as [`arrow::ArrowStream`] objects, which implement the Arrow
//! PyCapsule interface (`__arrow_c_stream__`), so pyarrow, pandas, polars and
//! DuckDB read the buffers without a copy. Summaries leave as JSON text (the
//! CLI's wire format), parsed by the Python side.
//!
//! This is the one crate of the workspace that allows `unsafe`: PyO3's
//! generated glue needs it; the crate's own code has none (the C stream is
//! built by arrow-rs and handed over in a capsule by PyO3's safe API).

mod arrow;
mod dataset;
mod errors;
mod jobs;
mod requests;
mod wait;
mod workers;

use pyo3::prelude::*;

/// The extension module.
#[pymodule]
fn _srtlog(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("ParseError", m.py().get_type::<errors::ParseError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<arrow::ArrowStream>()?;
    m.add_class::<requests::RequestLog>()?;
    m.add_function(wrap_pyfunction!(jobs::scrape_once, m)?)?;
    m.add_function(wrap_pyfunction!(workers::parse_workers, m)?)?;
    m.add_function(wrap_pyfunction!(workers::viz_html, m)?)?;
    m.add_function(wrap_pyfunction!(jobs::snapshots, m)?)?;
    m.add_function(wrap_pyfunction!(jobs::audit, m)?)?;
    m.add_function(wrap_pyfunction!(jobs::aiperf, m)?)?;
    m.add_function(wrap_pyfunction!(dataset::dataset_tables, m)?)?;
    m.add_function(wrap_pyfunction!(dataset::dataset_table_schema, m)?)?;
    m.add_function(wrap_pyfunction!(dataset::dataset_run_ids, m)?)?;
    m.add_function(wrap_pyfunction!(dataset::dataset_plan_run, m)?)?;
    m.add_function(wrap_pyfunction!(dataset::dataset_read_split, m)?)?;
    Ok(())
}
