//! The vLLM line prefix (formats.md §2.1 and §8.C).
//!
//! ```text
//! [ PROC " " ] LEVEL " " MM-DD " " HH:MM:SS " " LOC " " MESSAGE
//! PROC  = "(" NAME " pid=" DIGITS ")"   (Ray: "(" NAME ", pid=" DIGITS ")")
//! LEVEL = DEBUG | INFO | WARNING | ERROR | CRITICAL
//! LOC   = "[" file.py ":" line "]"   (v0.7 on)  |  file.py ":" line "]"   (v0.4–v0.6)
//! ```
//!
//! The date has **no year**: the decoder returns a [`MonthDayTime`] and the
//! caller, which knows the year (from `--year`, a full date elsewhere in the
//! file, or the file's modification time), turns it into a
//! [`Timestamp`] with [`MonthDayTime::with_year`]. A docker `--timestamps`
//! prefix (`2026-05-12T08:01:39.331095044Z `, §8.B) is peeled first and its
//! date kept as [`Prefix::outer_date`]: it is UTC, so it is used only to learn
//! the year, never as the line's time.

use crate::timestamp::{parse_datetime, Timestamp};
use memchr::memchr;

/// A date and time without a year, as vLLM's `logging` format prints it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MonthDayTime {
    /// Month, 1–12.
    pub month: u8,
    /// Day of the month, 1–31.
    pub day: u8,
    /// Hour, 0–23.
    pub hour: u8,
    /// Minute, 0–59.
    pub minute: u8,
    /// Second, 0–60.
    pub second: u8,
}

impl MonthDayTime {
    /// The timestamp of this wall-clock time in `year`; `None` when the day
    /// does not exist in that year (February 29 of a common year).
    pub fn with_year(self, year: i32) -> Option<Timestamp> {
        let days_in_month = crate::timestamp::days_in_month(year, u32::from(self.month));
        if u32::from(self.day) > days_in_month {
            return None;
        }
        Timestamp::from_civil(
            year,
            u32::from(self.month),
            u32::from(self.day),
            u32::from(self.hour),
            u32::from(self.minute),
            u32::from(self.second),
            0,
        )
    }

    /// `MM-DD HH:MM:SS`, as printed.
    pub fn to_text(self) -> String {
        format!(
            "{:02}-{:02} {:02}:{:02}:{:02}",
            self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

/// The `logging` level word.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Level {
    /// `DEBUG`
    Debug,
    /// `INFO`
    Info,
    /// `WARNING`
    Warning,
    /// `ERROR`
    Error,
    /// `CRITICAL`
    Critical,
}

/// The `(NAME pid=N)` tag multiprocess vLLM puts in front of a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Process<'a> {
    /// `APIServer`, `EngineCore`, `EngineCore_DP3`, `Worker_DP0_EP0`,
    /// `VllmWorkerProcess`, `task`, …
    pub name: &'a [u8],
    /// The process id.
    pub pid: u32,
}

impl Process<'_> {
    /// The rank a process name carries in a `_<TAG><k>` suffix
    /// (`EngineCore_DP3` → `DP` 3; `Worker_DP0_EP0` → `DP` 0 and `EP` 0;
    /// `EngineCore_2` → `""` 2).
    pub fn rank(&self, tag: &[u8]) -> Option<u16> {
        for part in self.name.split(|&b| b == b'_').skip(1) {
            if let Some(digits) = part.strip_prefix(tag) {
                if !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) {
                    return crate::num::parse_i64(digits).and_then(|n| u16::try_from(n).ok());
                }
            }
        }
        None
    }
}

/// A decoded vLLM prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Prefix<'a> {
    /// The process tag, when the line has one.
    pub process: Option<Process<'a>>,
    /// Level word.
    pub level: Level,
    /// Month, day and time (no year).
    pub at: MonthDayTime,
    /// `file.py:NNN`, without brackets.
    pub location: &'a [u8],
    /// Date of a container (`docker --timestamps`) prefix, `(year, month, day)`.
    pub outer_date: Option<(i32, u8, u8)>,
}

/// Peels a docker `--timestamps` prefix: returns its date and the rest.
#[inline]
fn split_outer(line: &[u8]) -> (Option<(i32, u8, u8)>, &[u8]) {
    if !line.first().is_some_and(u8::is_ascii_digit) || line.get(10) != Some(&b'T') {
        return (None, line);
    }
    let Some((ts, mut n)) = parse_datetime(line) else {
        return (None, line);
    };
    if line.get(n) == Some(&b'Z') {
        n += 1;
    }
    if line.get(n) != Some(&b' ') {
        return (None, line);
    }
    let (y, m, d, ..) = ts.to_civil();
    (Some((y, m as u8, d as u8)), &line[n + 1..])
}

/// Splits a `(NAME pid=N) ` tag off the start of `line`.
#[inline]
pub fn split_process(line: &[u8]) -> (Option<Process<'_>>, &[u8]) {
    if line.first() != Some(&b'(') {
        return (None, line);
    }
    let head = &line[..line.len().min(96)];
    let Some(close) = memchr(b')', head) else {
        return (None, line);
    };
    let inner = &line[1..close];
    let Some(eq) = memchr::memrchr(b'=', inner) else {
        return (None, line);
    };
    let Some(name) = inner[..eq]
        .strip_suffix(b" pid")
        .map(|n| n.strip_suffix(b",").unwrap_or(n))
    else {
        return (None, line);
    };
    let digits = &inner[eq + 1..];
    if name.is_empty()
        || name.contains(&b' ')
        || digits.is_empty()
        || !digits.iter().all(u8::is_ascii_digit)
    {
        return (None, line);
    }
    let Some(pid) = crate::num::parse_i64(digits).and_then(|p| u32::try_from(p).ok()) else {
        return (None, line);
    };
    let mut rest = &line[close + 1..];
    if rest.first() == Some(&b' ') {
        rest = &rest[1..];
    }
    (Some(Process { name, pid }), rest)
}

#[inline]
fn d2(b: &[u8], i: usize) -> Option<u8> {
    let a = b.get(i)?.wrapping_sub(b'0');
    let c = b.get(i + 1)?.wrapping_sub(b'0');
    (a <= 9 && c <= 9).then(|| a * 10 + c)
}

/// Reads `MM-DD HH:MM:SS` at the start of `b`.
#[inline]
pub fn parse_month_day_time(b: &[u8]) -> Option<MonthDayTime> {
    if b.len() < 14 || b[2] != b'-' || b[5] != b' ' || b[8] != b':' || b[11] != b':' {
        return None;
    }
    let t = MonthDayTime {
        month: d2(b, 0)?,
        day: d2(b, 3)?,
        hour: d2(b, 6)?,
        minute: d2(b, 9)?,
        second: d2(b, 12)?,
    };
    let ok = (1..=12).contains(&t.month)
        && (1..=31).contains(&t.day)
        && t.hour < 24
        && t.minute < 60
        && t.second <= 60;
    ok.then_some(t)
}

/// Splits the level word and a following space off `b`.
#[inline]
fn split_level(b: &[u8]) -> Option<(Level, &[u8])> {
    let (level, n) = match b.first()? {
        b'I' if b.starts_with(b"INFO ") => (Level::Info, 5),
        b'W' if b.starts_with(b"WARNING ") => (Level::Warning, 8),
        b'E' if b.starts_with(b"ERROR ") => (Level::Error, 6),
        b'D' if b.starts_with(b"DEBUG ") => (Level::Debug, 6),
        b'C' if b.starts_with(b"CRITICAL ") => (Level::Critical, 9),
        _ => return None,
    };
    Some((level, &b[n..]))
}

/// Splits a normalised line (see [`crate::line`]) into its vLLM prefix and
/// message; `None` when the line has no vLLM prefix.
#[inline]
pub fn split_prefix(line: &[u8]) -> Option<(Prefix<'_>, &[u8])> {
    match split_line(line) {
        Split::Prefixed(p, msg) => Some((p, msg)),
        Split::Unprefixed(..) => None,
    }
}

/// A line split by [`split_line`].
#[derive(Clone, Copy, Debug)]
pub enum Split<'a> {
    /// A vLLM prefix and the message after it.
    Prefixed(Prefix<'a>, &'a [u8]),
    /// No vLLM prefix: the process tag, if any, and the text after it.
    Unprefixed(Option<Process<'a>>, &'a [u8]),
}

/// Splits a normalised line into its vLLM prefix and message, or, when it
/// has none, into its process tag and the rest (uvicorn access lines,
/// tracebacks and progress bars of a process carry only the tag). The tag is
/// read once either way.
#[inline]
pub fn split_line(line: &[u8]) -> Split<'_> {
    let (outer_date, l) = split_outer(line);
    let (process, rest) = split_process(l);
    match split_after_process(outer_date, process, rest) {
        Some((p, msg)) => Split::Prefixed(p, msg),
        None => Split::Unprefixed(process, rest),
    }
}

#[inline]
fn split_after_process<'a>(
    outer_date: Option<(i32, u8, u8)>,
    process: Option<Process<'a>>,
    rest: &'a [u8],
) -> Option<(Prefix<'a>, &'a [u8])> {
    let (level, rest) = split_level(rest)?;
    let at = parse_month_day_time(rest)?;
    if rest.get(14) != Some(&b' ') {
        return None;
    }
    let rest = &rest[15..];
    // `[file.py:NNN] ` (v0.7 on) or `file.py:NNN] ` (v0.4–v0.6).
    let loc_start = usize::from(rest.first() == Some(&b'['));
    let close = memchr(b']', &rest[..rest.len().min(80)])?;
    if close <= loc_start {
        return None;
    }
    let location = &rest[loc_start..close];
    let colon = memchr::memrchr(b':', location)?;
    if colon + 1 == location.len() || !location[colon + 1..].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut msg = &rest[close + 1..];
    if msg.first() == Some(&b' ') {
        msg = &msg[1..];
    }
    Some((
        Prefix {
            process,
            level,
            at,
            location,
            outer_date,
        },
        msg,
    ))
}

/// Finds a full `YYYY-MM-DD` date followed by ` HH:MM:SS` or `THH:MM:SS`
/// anywhere in `line` (Python `logging` default format of embedded
/// components such as FlashInfer's autotuner,
/// `2026-08-01 21:21:48,181 - INFO - …`; ISO timestamps). Returns
/// `(year, month, day)` of the first one with a plausible year (1990–2200).
pub fn find_full_date(line: &[u8]) -> Option<(i32, u8, u8)> {
    let mut from = 0;
    while let Some(i) = memchr(b'-', &line[from..]) {
        let at = from + i;
        from = at + 1;
        if at < 4 {
            continue;
        }
        let s = &line[at - 4..];
        if at > 4 && line[at - 5].is_ascii_digit() {
            continue;
        }
        if let Some((ts, _)) = parse_datetime(s) {
            let (y, m, d, ..) = ts.to_civil();
            if (1990..=2200).contains(&y) {
                return Some((y, m as u8, d as u8));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(line: &str) -> (Prefix<'_>, &str) {
        let (p, m) = split_prefix(line.as_bytes()).expect(line);
        (p, std::str::from_utf8(m).unwrap())
    }

    #[test]
    fn every_prefix_shape() {
        let (x, m) = p("INFO 03-19 06:36:30 metrics.py:349] Avg prompt throughput: 0.0 tokens/s");
        assert_eq!(x.process, None);
        assert_eq!(x.level, Level::Info);
        assert_eq!(x.at.to_text(), "03-19 06:36:30");
        assert_eq!(x.location, b"metrics.py:349");
        assert_eq!(m, "Avg prompt throughput: 0.0 tokens/s");
        let (x, m) =
            p("INFO 06-10 06:16:44 [kv_cache_utils.py:637] GPU KV cache size: 1,028,832 tokens");
        assert_eq!(x.location, b"kv_cache_utils.py:637");
        assert_eq!(m, "GPU KV cache size: 1,028,832 tokens");
        let (x, _) = p("(APIServer pid=964305) INFO 03-09 09:34:25 [loggers.py:259] Engine 000: x");
        let pr = x.process.unwrap();
        assert_eq!((pr.name, pr.pid), (&b"APIServer"[..], 964305));
        let (x, _) = p("(EngineCore_DP3 pid=964370) WARNING 03-09 09:32:20 [gpu_worker.py:424] y");
        assert_eq!(x.process.unwrap().rank(b"DP"), Some(3));
        assert_eq!(x.level, Level::Warning);
        let (x, _) = p("(Worker_DP0_EP7 pid=2) INFO 08-13 11:26:35 [gpu_model_runner.py:5483] z");
        let pr = x.process.unwrap();
        assert_eq!(
            (pr.rank(b"DP"), pr.rank(b"EP"), pr.rank(b"TP")),
            (Some(0), Some(7), None)
        );
        let (x, _) = p("(task, pid=17433) INFO 03-28 04:32:50 metrics.py:218] Avg prompt");
        assert_eq!(x.process.unwrap().name, b"task");
        let (x, m) = p("2026-05-12T08:01:39.331095044Z (APIServer pid=1) INFO 05-12 08:01:39 [loggers.py:271] Engine 000: a");
        assert_eq!(x.outer_date, Some((2026, 5, 12)));
        assert_eq!(m, "Engine 000: a");
        let (x, m) = p("ERROR 08-18 02:57:12 [core.py:1231] EngineCore failed to start.");
        assert_eq!((x.level, m), (Level::Error, "EngineCore failed to start."));
        // An empty message (the blank banner line).
        let (_, m) = p("(APIServer pid=23283) INFO 08-01 20:59:09 [api_utils.py:339] ");
        assert_eq!(m, "");
    }

    #[test]
    fn not_vllm_prefixes() {
        for l in [
            "INFO:     127.0.0.1:47344 - \"POST /v1/completions HTTP/1.1\" 200 OK",
            "[2025-10-20 12:06:03 TP0] Prefill batch. x",
            "(APIServer pid=23283) [transformers] Unrecognized keys",
            "(APIServer pid=x) INFO 08-01 20:59:09 [a.py:1] m",
            "INFO 13-01 20:59:09 [a.py:1] m",
            "INFO 08-01 20:59:09 [a.py] m",
            "INFO 08-01 20:59:09 no location here",
            "[rank0]:[W319 06:44:57.891787142 ProcessGroupNCCL.cpp:1168] Warning",
            "",
            "(",
        ] {
            assert!(split_prefix(l.as_bytes()).is_none(), "{l}");
        }
    }

    #[test]
    fn years_and_leap_days() {
        let t = MonthDayTime {
            month: 2,
            day: 29,
            hour: 1,
            minute: 2,
            second: 3,
        };
        assert_eq!(
            t.with_year(2028).unwrap().to_string(),
            "2028-02-29T01:02:03"
        );
        assert_eq!(t.with_year(2027), None);
    }

    #[test]
    fn full_dates_in_free_text() {
        assert_eq!(
            find_full_date(
                b"(EngineCore pid=23397) 2026-08-01 21:21:48,181 - INFO - autotuner.py:651 - x"
            ),
            Some((2026, 8, 1))
        );
        assert_eq!(
            find_full_date(b"[AutoTuner]: 100%| 21/21 [00:25<00:00,  1.57s/profile]2026-08-01 21:22:14,221 - INFO"),
            Some((2026, 8, 1))
        );
        assert_eq!(find_full_date(b"version 0.25.1, no 12-31 date"), None);
        assert_eq!(find_full_date(b"id 12025-08-01 21:22:14"), None);
    }
}
