//! A byte-progress bar on stderr, fed by a shared counter that the library
//! advances. Hidden when stderr is not a terminal, with `--quiet`, or for
//! inputs small enough to finish before a bar would be seen.

use indicatif::{ProgressBar, ProgressStyle};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Inputs below this size get no bar.
const MIN_BYTES: u64 = 64 << 20;

/// A running bar and the thread that refreshes it.
pub struct Progress {
    bar: Option<ProgressBar>,
    stop: Arc<std::sync::atomic::AtomicBool>,
    handle: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    /// Starts a bar for `total` bytes, reading `counter`.
    pub fn start(total: u64, counter: Arc<AtomicU64>, quiet: bool, label: &str) -> Progress {
        let show =
            !quiet && total >= MIN_BYTES && std::io::IsTerminal::is_terminal(&std::io::stderr());
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        if !show {
            return Progress {
                bar: None,
                stop,
                handle: None,
            };
        }
        let bar = ProgressBar::new(total);
        let style = ProgressStyle::with_template(
            "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        bar.set_style(style);
        bar.set_message(label.to_string());
        let b = bar.clone();
        let s = stop.clone();
        let handle = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                b.set_position(counter.load(Ordering::Relaxed));
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        Progress {
            bar: Some(bar),
            stop,
            handle: Some(handle),
        }
    }

    /// Stops and clears the bar.
    pub fn finish(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
    }
}

/// Bytes under `p`, the total of a progress bar; srtlog's cache folder
/// (`cached_assets`) is left out, as the jobs skip it.
pub fn dir_size(p: &std::path::Path) -> u64 {
    // Through the shared walker: each file once (by device and inode), so a
    // symbolic-link loop neither hangs nor inflates the bar.
    srtlog::io::walk::total_size(p)
}
