//! The per-file functions of the distributed readers (`srtlog.ray`,
//! `srtlog.spark`): the split planner and the per-split reader of
//! `srtlog::dataset` (docs/dataset.md), called on the Ray workers and Spark
//! executors with the GIL released, so the Rust parsers run there with no
//! Python per line: a path (and a byte range) in, Arrow batches of one
//! dataset table out, through the Arrow PyCapsule interface.
//!
//! The distributed job must not fail because of one file: a missing,
//! unreadable or corrupt file, or a call the file no longer allows (a file
//! replaced by a compressed one between planning and reading), comes back
//! as warning rows (`path`, `line`, `message`) and no table rows. Only a
//! table name the dataset does not have raises (`ValueError`), and the
//! Python side checks it on the driver before any task starts.

use crate::arrow::ArrowStream;
use crate::errors::{chain, value};
use pyo3::prelude::*;
use srtlog::dataset::schema::{warnings_batch, SourceWarning};
use srtlog::dataset::{ByteRange, Table};
use std::path::PathBuf;

/// A split as Python receives it: table, run id, path, range start, range
/// end (both `None` for the whole source) and bytes covered.
type SplitTuple = (String, String, PathBuf, Option<u64>, Option<u64>, u64);

fn table(name: &str) -> PyResult<Table> {
    Table::from_name(name).map_err(value)
}

fn warnings(w: &[SourceWarning]) -> PyResult<ArrowStream> {
    Ok(ArrowStream::one(warnings_batch(w).map_err(value)?))
}

fn one_warning(path: &std::path::Path, message: String) -> SourceWarning {
    SourceWarning {
        path: path.display().to_string(),
        line: None,
        message,
    }
}

/// The dataset tables' names, in folder order.
#[pyfunction]
pub fn dataset_tables() -> Vec<&'static str> {
    Table::ALL.iter().map(|t| t.name()).collect()
}

/// An empty stream with the dataset schema of `table` (`ValueError` for an
/// unknown table).
#[pyfunction]
pub fn dataset_table_schema(name: &str) -> PyResult<ArrowStream> {
    Ok(ArrowStream::new(table(name)?.schema(), Vec::new()))
}

/// The run ids of `runs`, as `srtlog ingest` gives them. Reads no file;
/// `FileNotFoundError` when a run does not exist.
#[pyfunction]
pub fn dataset_run_ids(runs: Vec<PathBuf>) -> PyResult<Vec<String>> {
    srtlog::dataset::run_ids(&runs).map_err(|e| match e {
        srtlog::dataset::Error::NotFound(p) => pyo3::exceptions::PyFileNotFoundError::new_err(
            format!("{}: no such file or directory", p.display()),
        ),
        other => value(chain(&other)),
    })
}

/// The splits of one run (`plan_run`): a list of split tuples and the
/// warnings of the listing. A run that cannot be listed is a warning.
#[pyfunction]
#[pyo3(signature = (run, run_id, tables, target_bytes))]
pub fn dataset_plan_run(
    py: Python<'_>,
    run: PathBuf,
    run_id: String,
    tables: Vec<String>,
    target_bytes: u64,
) -> PyResult<(Vec<SplitTuple>, ArrowStream)> {
    let tables: Vec<Table> = tables.iter().map(|t| table(t)).collect::<PyResult<_>>()?;
    let planned = py.detach(|| srtlog::dataset::plan_run(&run, &run_id, &tables, target_bytes));
    let (splits, warned) = match planned {
        Ok(x) => x,
        Err(e) => (Vec::new(), vec![one_warning(&run, chain(&e))]),
    };
    let out = splits
        .into_iter()
        .map(|s| {
            let (a, b) = s
                .range
                .map_or((None, None), |r| (Some(r.start), Some(r.end)));
            (s.table, s.run, s.path, a, b, s.bytes)
        })
        .collect();
    Ok((out, warnings(&warned)?))
}

/// Reads one split: `path` as table `table` of run `run`, whole or the
/// byte range `[start, end)`. Returns the rows (dataset schema of the
/// table, possibly none) and the warnings. The GIL is released while it
/// reads. `threads`: the parse runs on that many threads (the CPUs a Ray or
/// Spark task was given) instead of one per core of the machine.
#[pyfunction]
#[pyo3(signature = (path, table, run, start = None, end = None, threads = None))]
pub fn dataset_read_split(
    py: Python<'_>,
    path: PathBuf,
    table: &str,
    run: &str,
    start: Option<u64>,
    end: Option<u64>,
    threads: Option<usize>,
) -> PyResult<(ArrowStream, ArrowStream)> {
    let t = self::table(table)?;
    let range = match (start, end) {
        (Some(start), Some(end)) => Some(ByteRange { start, end }),
        (None, None) => None,
        _ => return Err(value("give both start and end of a byte range, or neither")),
    };
    let pool = threads.map(pool_of).transpose()?;
    let read = py.detach(|| {
        let read = || srtlog::dataset::read_file(&path, t.name(), run, range);
        match &pool {
            Some(p) => p.install(read),
            None => read(),
        }
    });
    match read {
        Ok(r) => Ok((
            ArrowStream::new(t.schema(), r.batches),
            ArrowStream::one(r.warnings),
        )),
        Err(e) => Ok((
            ArrowStream::new(t.schema(), Vec::new()),
            warnings(&[one_warning(&path, chain(&e))])?,
        )),
    }
}

/// The rayon pool of `n` threads, one per thread count for the process.
///
/// A cluster runs one task per CPU it grants, each in a process of its own
/// or beside others; rayon's global pool has a thread per core of the
/// machine, so 64 tasks on a 64-core node would run 4,096 parse threads.
/// A task reads on a pool of the CPUs it was given instead.
fn pool_of(n: usize) -> PyResult<std::sync::Arc<rayon::ThreadPool>> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};
    static POOLS: OnceLock<Mutex<HashMap<usize, Arc<rayon::ThreadPool>>>> = OnceLock::new();
    if n == 0 {
        return Err(value("threads must be at least 1"));
    }
    let mut pools = POOLS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(p) = pools.get(&n) {
        return Ok(Arc::clone(p));
    }
    let p = Arc::new(
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .thread_name(|i| format!("srtlog-read-{i}"))
            .build()
            .map_err(value)?,
    );
    pools.insert(n, Arc::clone(&p));
    Ok(p)
}
