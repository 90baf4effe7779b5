//! Long work off the interpreter: the job runs on a thread of its own while
//! the calling thread, with the GIL released, waits in short slices. Between
//! slices it checks for signals, so Ctrl-C raises `KeyboardInterrupt`
//! promptly and sets the job's cancel flag (the job stops at its next
//! check, between files), and it reports progress to the callback.

use crate::errors::Failure;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{channel, RecvTimeoutError};
use std::sync::Arc;
use std::time::Duration;

/// Shared state of one job: bytes done (the library's progress counter),
/// bytes in all, and the cancel flag the job polls.
#[derive(Clone, Default)]
pub struct Job {
    /// Input bytes read so far.
    pub done: Arc<AtomicU64>,
    /// Input bytes in all (0 when unknown).
    pub total: u64,
    /// Set when Python was interrupted; the job stops at its next check.
    pub cancel: Arc<AtomicBool>,
}

impl Job {
    /// A job over `total` input bytes.
    pub fn new(total: u64) -> Self {
        Job {
            total,
            ..Job::default()
        }
    }

    /// True once the caller gave up (Ctrl-C).
    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

/// How often the waiting thread wakes to check signals and report progress.
const SLICE: Duration = Duration::from_millis(100);

/// Runs `f` on its own thread; returns its result, or raises
/// `KeyboardInterrupt` (or the callback's exception) as soon as one happens.
pub fn run<T: Send + 'static>(
    py: Python<'_>,
    job: &Job,
    progress: Option<&Bound<'_, PyAny>>,
    f: impl FnOnce() -> Result<T, Failure> + Send + 'static,
) -> PyResult<T> {
    let (tx, mut rx) = channel();
    std::thread::Builder::new()
        .name("srtlog-job".into())
        .spawn(move || {
            // The receiver is gone only when Python gave up waiting.
            let _ = tx.send(f());
        })
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start a thread: {e}")))?;
    let mut last = u64::MAX;
    loop {
        // The receiver is not `Sync`: it moves into the GIL-free section and back.
        let (got, back) = py.detach(move || (rx.recv_timeout(SLICE), rx));
        rx = back;
        match got {
            Ok(r) => {
                if let Some(cb) = progress {
                    cb.call1((job.total.max(job.done.load(Ordering::Relaxed)), job.total))?;
                }
                return r.map_err(PyErr::from);
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                return Err(PyRuntimeError::new_err(
                    "srtlog: the job's thread stopped without a result (a bug: please report it)",
                ))
            }
        }
        let mut step = || -> PyResult<()> {
            py.check_signals()?;
            if let Some(cb) = progress {
                let done = job.done.load(Ordering::Relaxed);
                if done != last {
                    last = done;
                    cb.call1((done, job.total))?;
                }
            }
            Ok(())
        };
        if let Err(e) = step() {
            job.cancel.store(true, Ordering::Relaxed);
            return Err(e);
        }
    }
}
