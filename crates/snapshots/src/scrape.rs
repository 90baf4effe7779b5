//! `srtlog scrape`: the collector that replaces the workflow's background
//! `curl`. One snapshot named like the workflow's
//! (`{request_id}_{before|after}_{YYYYMMDD_HHMMSS_micro}.txt`) or periodic
//! ones (`{prefix}_{YYYYMMDD_HHMMSS_micro}.txt`), with:
//!
//! * one HTTP GET through srtlog-io's client ([`srtlog_io::http`]: ureq
//!   with rustls, so `https://`, a bearer-token or basic-auth header
//!   ([`Target::with_header`]), proxies and gzip work), with connect and
//!   overall timeouts and a body cap so a busy server never blocks the
//!   caller;
//! * no retries: a failed scrape is reported and the next tick tries again,
//!   so a down server never sees a storm of requests;
//! * atomic writes: the body goes to a hidden temporary file in the same
//!   folder, is synced, then renamed, so a snapshot is complete or absent;
//! * drift-free periodic scheduling: tick `k` is due at `start + k·every`;
//!   a scrape that overruns skips the ticks it missed instead of bursting;
//! * `--keep`: snapshots older than the given age are removed (the workflow's
//!   "Cleaning Up Old Snapshots" `find -mtime +7 -delete`).
//!
//! Times in file names are UTC (the workflow used local time; only differences
//! matter to `srtlog snapshots`).

use crate::naming::{format_time, parse_name, time_in_name, Stage};
pub use srtlog_io::http::{fetch, ScrapeError, Target, MAX_BODY};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

/// Writes one snapshot atomically (srtlog-io's temp-then-rename), so a
/// snapshot is complete or absent.
pub fn write_atomic(dir: &Path, name: &str, content: &[u8]) -> Result<PathBuf, ScrapeError> {
    let target = dir.join(name);
    srtlog_io::write_atomic(&target, content).map_err(|e| ScrapeError::Io {
        context: format!("writing {}", target.display()),
        cause: std::io::Error::other(e.to_string()),
    })?;
    Ok(target)
}

/// Microseconds since the Unix epoch, now.
pub fn now_us() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

/// Takes one snapshot: `dir/{request_id}_{stage}_{time}.txt`. Nothing is
/// written when the scrape fails.
pub fn snapshot_once(
    target: &Target,
    dir: &Path,
    request_id: &str,
    stage: Stage,
    timeout: Duration,
) -> Result<PathBuf, ScrapeError> {
    // The time of the request, not of the answer: that is when the state
    // the snapshot describes was read.
    let t = now_us();
    let body = fetch(target, timeout)?;
    let name = format!("{request_id}_{}_{}.txt", stage.as_str(), format_time(t));
    create_dir(dir)?;
    write_atomic(dir, &name, &body)
}

fn create_dir(dir: &Path) -> Result<(), ScrapeError> {
    std::fs::create_dir_all(dir).map_err(|e| ScrapeError::Io {
        context: format!("creating {}", dir.display()),
        cause: e,
    })
}

/// Options of periodic scraping.
#[derive(Clone, Debug)]
pub struct Periodic {
    /// Interval between scrapes.
    pub every: Duration,
    /// Stop after this long (None: until killed).
    pub duration: Option<Duration>,
    /// Remove snapshots older than this after each scrape.
    pub keep: Option<Duration>,
    /// Per-scrape timeout.
    pub timeout: Duration,
    /// File-name prefix.
    pub prefix: String,
}

/// What happened at one tick, for the caller to report.
#[derive(Debug)]
pub enum Tick {
    /// A snapshot was written.
    Written(PathBuf),
    /// The scrape failed (nothing written); the next tick tries again.
    Failed(ScrapeError),
    /// Ticks skipped because a scrape took longer than the interval.
    Skipped(u64),
    /// Old snapshots removed by `keep`.
    Removed(usize),
}

/// Scrapes periodically until `duration` elapses; returns `(written, failed)`.
pub fn run_periodic(
    target: &Target,
    dir: &Path,
    p: &Periodic,
    mut on: impl FnMut(Tick),
) -> Result<(u64, u64), ScrapeError> {
    create_dir(dir)?;
    let every = p.every.max(Duration::from_millis(1));
    let start = Instant::now();
    let (mut ok, mut failed) = (0u64, 0u64);
    let mut k: u64 = 0;
    loop {
        let due = start + every.mul_f64(k as f64);
        if let Some(d) = p.duration {
            if due.duration_since(start) > d {
                break;
            }
        }
        let now = Instant::now();
        if due > now {
            std::thread::sleep(due - now);
        }
        let t = now_us();
        let timeout = p.timeout.min(every.max(Duration::from_millis(100)));
        match fetch(target, timeout).and_then(|body| {
            write_atomic(dir, &format!("{}_{}.txt", p.prefix, format_time(t)), &body)
        }) {
            Ok(path) => {
                ok += 1;
                on(Tick::Written(path));
            }
            Err(e) => {
                failed += 1;
                on(Tick::Failed(e));
            }
        }
        if let Some(keep) = p.keep {
            let n = cleanup(dir, keep)?;
            if n > 0 {
                on(Tick::Removed(n));
            }
        }
        // Next tick: the first one still in the future (no burst after a
        // slow scrape).
        let elapsed = start.elapsed().as_secs_f64();
        let next = (elapsed / every.as_secs_f64()).floor() as u64 + 1;
        if next > k + 1 {
            on(Tick::Skipped(next - k - 1));
        }
        k = next.max(k + 1);
    }
    Ok((ok, failed))
}

/// Removes the snapshots of `dir` (files whose name is a snapshot name of the before/after workflow
/// or holds a time) last modified more than `keep` ago. Other files are
/// never touched.
pub fn cleanup(dir: &Path, keep: Duration) -> Result<usize, ScrapeError> {
    let rd = std::fs::read_dir(dir).map_err(|e| ScrapeError::Io {
        context: format!("listing {}", dir.display()),
        cause: e,
    })?;
    let now = SystemTime::now();
    let mut removed = 0;
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.ends_with(".txt") || (parse_name(&name).is_none() && time_in_name(&name).is_none())
        {
            continue;
        }
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .is_some_and(|age| age > keep);
        if old && std::fs::remove_file(e.path()).is_ok() {
            removed += 1;
        }
    }
    Ok(removed)
}

/// The longest duration any flag takes: ten years. Longer values are
/// typing mistakes, and `Instant + Duration` panics past the clock's range.
pub const MAX_DURATION: Duration = Duration::from_secs(3650 * 86_400);

/// Why a duration was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// Not a number followed by a known unit.
    #[error("not a duration: {0:?} (examples: 500ms, 1s, 10m, 7d)")]
    Invalid(String),
    /// Negative, not finite, or longer than [`MAX_DURATION`].
    #[error("duration out of range: {0:?} (at most 3650d)")]
    OutOfRange(String),
}

/// Parses `500ms`, `1s`, `1.5s`, `10m`, `2h`, `7d` (a bare number is
/// seconds), up to [`MAX_DURATION`]; never panics, whatever the text.
pub fn parse_duration(s: &str) -> Result<Duration, DurationError> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == 'e' || c == 'E'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    // `1e400` parses as infinity: out of range, not a syntax error.
    let v: f64 = num
        .parse()
        .map_err(|_| DurationError::Invalid(s.to_string()))?;
    let mul = match unit.trim() {
        "ms" => 1e-3,
        "" | "s" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        "d" => 86400.0,
        _ => return Err(DurationError::Invalid(s.to_string())),
    };
    let secs = v * mul;
    if !(secs >= 0.0 && secs <= MAX_DURATION.as_secs_f64()) {
        return Err(DurationError::OutOfRange(s.to_string()));
    }
    Duration::try_from_secs_f64(secs).map_err(|_| DurationError::OutOfRange(s.to_string()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;

    #[test]
    fn urls_and_durations() {
        let t = Target::parse("http://127.0.0.1:8000/metrics").unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, t.path.as_str()),
            ("127.0.0.1", 8000, "/metrics")
        );
        let t = Target::parse("localhost:11434").unwrap();
        assert_eq!((t.port, t.path.as_str()), (11434, "/metrics"));
        let t = Target::parse("http://[::1]:9/m?x=1").unwrap();
        assert_eq!(
            (t.host.as_str(), t.addr(), t.path.as_str()),
            ("::1", "[::1]:9".to_string(), "/m?x=1")
        );
        let t = Target::parse("https://x/metrics").unwrap();
        assert_eq!((t.tls, t.port), (true, 443));
        assert!(Target::parse("ftp://x/metrics").is_err());
        assert!(Target::parse("http://x:port/").is_err());
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(7 * 86400)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("10m"), Ok(Duration::from_secs(600)));
        assert!(matches!(
            parse_duration("x"),
            Err(DurationError::Invalid(_))
        ));
        assert!(matches!(
            parse_duration("5 weeks"),
            Err(DurationError::Invalid(_))
        ));
    }

    /// Issue 17 item 5: `Duration::from_secs_f64` panicked on these.
    #[test]
    fn absurd_durations_are_errors_not_panics() {
        for s in [
            "18446744073709551615s",
            "1e400s",
            "99999999999d",
            "3651d",
            "1e300",
        ] {
            assert_eq!(
                parse_duration(s),
                Err(DurationError::OutOfRange(s.to_string())),
                "{s}"
            );
        }
        assert_eq!(parse_duration("3650d"), Ok(MAX_DURATION));
    }

    fn serve_once(reply: &'static [u8], delay: Duration) -> u16 {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        std::thread::spawn(move || {
            if let Ok((mut s, _)) = l.accept() {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf);
                std::thread::sleep(delay);
                let _ = s.write_all(reply);
            }
        });
        port
    }

    #[test]
    fn fetch_write_timeout_and_down() {
        let port = serve_once(
            b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nm 1.0\n",
            Duration::ZERO,
        );
        let t = Target::parse(&format!("http://127.0.0.1:{port}/metrics")).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let p = snapshot_once(
            &t,
            dir.path(),
            "req-1",
            Stage::Before,
            Duration::from_secs(5),
        )
        .unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"m 1.0\n");
        let n = parse_name(p.file_name().unwrap().to_str().unwrap()).unwrap();
        assert_eq!((n.request_id.as_str(), n.stage), ("req-1", Stage::Before));
        // A server that answers too late: timeout, nothing written.
        let port = serve_once(b"HTTP/1.1 200 OK\r\n\r\nx", Duration::from_secs(3));
        let t = Target::parse(&format!("127.0.0.1:{port}")).unwrap();
        let e = snapshot_once(
            &t,
            dir.path(),
            "req-2",
            Stage::Before,
            Duration::from_millis(200),
        )
        .unwrap_err();
        assert!(matches!(e, ScrapeError::Timeout { .. }), "{e}");
        // Nothing listening.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let t = Target::parse(&format!("127.0.0.1:{port}")).unwrap();
        let e = fetch(&t, Duration::from_secs(2)).unwrap_err();
        assert!(matches!(e, ScrapeError::Connect { .. }), "{e}");
        assert!(e.to_string().contains("is the server running"));
        let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(
            files.len(),
            1,
            "only the complete snapshot, no temporary file"
        );
        // --keep: a fresh file stays, unrelated files are never touched.
        std::fs::write(dir.path().join("notes.txt"), "x").unwrap();
        assert_eq!(cleanup(dir.path(), Duration::from_secs(3600)).unwrap(), 0);
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(cleanup(dir.path(), Duration::ZERO).unwrap(), 1);
        assert!(dir.path().join("notes.txt").exists());
    }
}
