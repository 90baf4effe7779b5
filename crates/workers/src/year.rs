//! The year of vLLM lines, which print `MM-DD HH:MM:SS` only (formats.md
//! §2.1: "the year must come from context … and year roll-over must be
//! handled").
//!
//! Chunks of a file are parsed in parallel, so a chunk cannot know the year
//! of its lines. Each chunk counts instead, with a [`Clock`], the New Years
//! it sees: a line whose month is more than six months *before* the previous
//! line's (December → January) starts a new year; one more than six months
//! *after* it is a straggler of the previous year (processes interleave
//! across midnight) and leaves the count alone. Rows carry that count as a
//! year offset ([`LocalTime`]). The ordered merge ([`Clock::merge_next`])
//! turns chunk offsets into file offsets by comparing the previous chunk's
//! last month with the next chunk's first, and the file's *base year* (the
//! year of its first vLLM line) is decided once ([`resolve`]):
//!
//! 1. `--year` ([`crate::worker::ParseOptions::year`]);
//! 2. a full date printed in the file (a container timestamp prefix, a
//!    component using Python's default `logging` format such as FlashInfer's
//!    autotuner `2026-08-01 21:21:48,181 - INFO - …`, an ISO timestamp): the
//!    vLLM line nearest to it is given the year that puts the two within six
//!    months of each other;
//! 3. the file's modification time, which is at or after its last line: the
//!    last line is given the latest year that is not after it (a warning says
//!    so);
//! 4. the current date (a warning says so). Never 1970.
//!
//! Multi-chunk files decide the base year when their first chunk is merged,
//! before later chunks are parsed; when that chunk has no full date the end
//! of the file is read ([`tail_hint`]) for its last vLLM line and a full date
//! near it. A log spanning more than a year cannot be dated from its end; it
//! needs a date in its first chunk or `--year`.

use serde::{Deserialize, Serialize};
use srtlog_formats::line::normalize;
use srtlog_formats::vllm::{find_full_date, split_prefix, MonthDayTime};
use srtlog_table::node_metrics::LocalTime;
use std::path::Path;

/// A full date `(year, month, day)` printed in the file, with the vLLM line
/// before it in the same chunk (`None`: no vLLM line yet).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Anchor {
    /// The date.
    pub date: (i32, u8, u8),
    /// The vLLM line nearest before it.
    pub near: Option<LocalTime>,
}

/// Year counting of one chunk (or of the merged chunks so far).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Clock {
    /// The first vLLM line's time (year offset 0).
    pub first: Option<MonthDayTime>,
    /// The latest line that moved the clock.
    pub last: Option<MonthDayTime>,
    /// New Years counted up to `last`.
    pub year_offset: i32,
    /// The first full date seen.
    pub anchor: Option<Anchor>,
}

/// +1 when going from month `a` to month `b` crosses New Year, -1 when `b` is
/// a straggler of the previous year, 0 otherwise.
#[inline]
fn step(a: u8, b: u8) -> i32 {
    let d = i32::from(b) - i32::from(a);
    if d < -6 {
        1
    } else if d > 6 {
        -1
    } else {
        0
    }
}

impl Clock {
    /// Counts one vLLM line and returns its time with its year offset.
    #[inline]
    pub fn observe(&mut self, at: MonthDayTime) -> LocalTime {
        let Some(last) = self.last else {
            self.first = Some(at);
            self.last = Some(at);
            return LocalTime { year_offset: 0, at };
        };
        match step(last.month, at.month) {
            // Same month (the common case) or within six months.
            0 => {
                self.last = Some(at);
                LocalTime {
                    year_offset: self.year_offset,
                    at,
                }
            }
            1 => {
                self.year_offset += 1;
                self.last = Some(at);
                LocalTime {
                    year_offset: self.year_offset,
                    at,
                }
            }
            _ => LocalTime {
                year_offset: self.year_offset - 1,
                at,
            },
        }
    }

    /// The time of the latest line, with its year offset.
    pub fn now(&self) -> Option<LocalTime> {
        self.last.map(|at| LocalTime {
            year_offset: self.year_offset,
            at,
        })
    }

    /// Records a full date seen in the text (the first one is kept).
    pub fn saw_date(&mut self, date: (i32, u8, u8)) {
        if self.anchor.is_none() {
            self.anchor = Some(Anchor {
                date,
                near: self.now(),
            });
        }
    }

    /// Appends the clock of the *following* chunk and returns the year
    /// offset to add to that chunk's offsets.
    pub fn merge_next(&mut self, o: &Clock) -> i32 {
        let shift = match (self.last, o.first) {
            (Some(l), Some(f)) => self.year_offset + step(l.month, f.month),
            // No vLLM line before: the chunk's offsets are the file's.
            (None, _) => 0,
            (Some(_), None) => self.year_offset,
        };
        if self.anchor.is_none() {
            if let Some(a) = o.anchor {
                self.anchor = Some(Anchor {
                    date: a.date,
                    near: a.near.map(|t| shifted(t, shift)).or_else(|| self.now()),
                });
            }
        }
        if let Some(l) = o.last {
            self.last = Some(l);
            self.year_offset = shift + o.year_offset;
        }
        if self.first.is_none() {
            self.first = o.first;
        }
        shift
    }
}

/// `t` with `by` more New Years.
pub fn shifted(t: LocalTime, by: i32) -> LocalTime {
    LocalTime {
        year_offset: t.year_offset + by,
        at: t.at,
    }
}

/// Where the year came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum YearSource {
    /// `--year`.
    Option,
    /// A full date printed in the file.
    File,
    /// The file's modification time.
    Mtime,
    /// The current date.
    Today,
}

impl YearSource {
    /// How the summary names it.
    pub fn as_str(self) -> &'static str {
        match self {
            YearSource::Option => "option",
            YearSource::File => "file",
            YearSource::Mtime => "mtime",
            YearSource::Today => "today",
        }
    }
}

/// The decided year of a file's first vLLM line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearChoice {
    /// Year of the first vLLM line (offset 0).
    pub base: i32,
    /// Where it came from.
    pub source: YearSource,
}

/// The year that puts `at` within six months of `date`.
pub fn nearest_year(at: MonthDayTime, date: (i32, u8, u8)) -> i32 {
    date.0 - step(at.month, date.1)
}

/// The latest year in which `at` is not after `date` (the date of a file's
/// modification, which follows its last line).
pub fn latest_year_not_after(at: MonthDayTime, date: (i32, u8, u8)) -> i32 {
    if (at.month, at.day) <= (date.1, date.2) {
        date.0
    } else {
        date.0 - 1
    }
}

/// `(year, month, day)` of a file's modification time.
pub fn mtime_date(path: &Path) -> Option<(i32, u8, u8)> {
    let t = std::fs::metadata(path).ok()?.modified().ok()?;
    date_of(t)
}

fn date_of(t: std::time::SystemTime) -> Option<(i32, u8, u8)> {
    let secs = t.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs() as i64;
    let (y, m, d) = srtlog_formats::timestamp::civil_from_days(secs.div_euclid(86_400));
    Some((y, m as u8, d as u8))
}

/// What the end of a file says: its last vLLM line and a full date there.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TailHint {
    /// The last vLLM line's time.
    pub last: Option<MonthDayTime>,
    /// A full date in the tail.
    pub date: Option<(i32, u8, u8)>,
}

/// Bytes of a file's end read by [`tail_hint`].
pub const TAIL_BYTES: u64 = 256 * 1024;

/// Reads the end of a plain file for its last vLLM line and a full date.
pub fn tail_hint(path: &Path) -> TailHint {
    use std::os::unix::fs::FileExt;
    let mut h = TailHint::default();
    let Ok(f) = std::fs::File::open(path) else {
        return h;
    };
    let Ok(len) = f.metadata().map(|m| m.len()) else {
        return h;
    };
    let start = len.saturating_sub(TAIL_BYTES);
    let mut buf = vec![0u8; (len - start) as usize];
    let mut filled = 0;
    while filled < buf.len() {
        match f.read_at(&mut buf[filled..], start + filled as u64) {
            Ok(0) | Err(_) => break,
            Ok(k) => filled += k,
        }
    }
    buf.truncate(filled);
    let mut scratch = Vec::new();
    // The first line may be cut; it is skipped unless the tail is the file.
    let body = if start == 0 {
        &buf[..]
    } else {
        memchr::memchr(b'\n', &buf).map_or(&buf[buf.len()..], |i| &buf[i + 1..])
    };
    for raw in body.split(|&b| b == b'\n') {
        let line = normalize(raw, &mut scratch);
        if let Some((p, _)) = split_prefix(line) {
            h.last = Some(p.at);
            if let Some(d) = p.outer_date {
                h.date = Some(d);
            }
        } else if let Some(d) = find_full_date(line) {
            h.date = Some(d);
        }
    }
    h
}

/// Decides the base year of a file (see the module documentation).
///
/// `clock` holds the chunks merged so far; `complete` says whether that is
/// the whole file; `tail` is called, at most once, when the end of a
/// multi-chunk file is needed.
pub fn resolve(
    option: Option<i32>,
    clock: &Clock,
    complete: bool,
    mtime: Option<(i32, u8, u8)>,
    tail: impl FnOnce() -> TailHint,
) -> YearChoice {
    if let Some(base) = option {
        return YearChoice {
            base,
            source: YearSource::Option,
        };
    }
    if let Some(a) = clock.anchor {
        let near = a
            .near
            .or(clock.first.map(|at| LocalTime { year_offset: 0, at }));
        if let Some(n) = near {
            return YearChoice {
                base: nearest_year(n.at, a.date) - n.year_offset,
                source: YearSource::File,
            };
        }
    }
    // Dated from the end of the file: its last line and the New Years
    // between its first line and that one.
    let (last, date) = if complete {
        (clock.now(), None)
    } else {
        let t = tail();
        let offset = match (clock.first, t.last) {
            (Some(f), Some(l)) if (l.month, l.day) < (f.month, f.day) => 1,
            _ => 0,
        };
        let last = t.last.map(|at| LocalTime {
            year_offset: offset,
            at,
        });
        (last, t.date)
    };
    let last = last.or(clock.first.map(|at| LocalTime { year_offset: 0, at }));
    if let (Some(d), Some(l)) = (date, last) {
        return YearChoice {
            base: nearest_year(l.at, d) - l.year_offset,
            source: YearSource::File,
        };
    }
    let (end, source) = match mtime {
        Some(d) => (d, YearSource::Mtime),
        None => (
            date_of(std::time::SystemTime::now()).unwrap_or((2026, 1, 1)),
            YearSource::Today,
        ),
    };
    match last {
        Some(l) => YearChoice {
            base: latest_year_not_after(l.at, end) - l.year_offset,
            source,
        },
        None => YearChoice {
            base: end.0,
            source,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md(month: u8, day: u8) -> MonthDayTime {
        MonthDayTime {
            month,
            day,
            hour: 12,
            minute: 0,
            second: 0,
        }
    }

    #[test]
    fn new_year_and_stragglers() {
        let mut c = Clock::default();
        assert_eq!(c.observe(md(12, 31)).year_offset, 0);
        assert_eq!(c.observe(md(1, 1)).year_offset, 1);
        // A December line printed after a January one by another process.
        assert_eq!(c.observe(md(12, 31)).year_offset, 0);
        assert_eq!(c.observe(md(1, 1)).year_offset, 1);
        assert_eq!(c.observe(md(3, 1)).year_offset, 1);
        assert_eq!(c.year_offset, 1);
    }

    #[test]
    fn merging_chunks_across_new_year() {
        // Chunk A ends in December, chunk B starts in January.
        let mut a = Clock::default();
        a.observe(md(12, 30));
        a.observe(md(12, 31));
        let mut b = Clock::default();
        b.observe(md(1, 1));
        b.observe(md(1, 2));
        assert_eq!(a.merge_next(&b), 1);
        assert_eq!(a.year_offset, 1);
        // Chunk C starts with a December straggler, then January.
        let mut a = Clock::default();
        a.observe(md(1, 1));
        let mut c = Clock::default();
        c.observe(md(12, 31));
        let t = c.observe(md(1, 1));
        let shift = a.merge_next(&c);
        assert_eq!((shift, shift + t.year_offset), (-1, 0));
        // A chunk without vLLM lines keeps the count.
        let mut a = Clock::default();
        a.observe(md(6, 1));
        assert_eq!(a.merge_next(&Clock::default()), 0);
    }

    #[test]
    fn resolution_order() {
        let mut c = Clock::default();
        c.observe(md(12, 31));
        c.observe(md(1, 1));
        let none = TailHint::default;
        // --year wins.
        let y = resolve(Some(2024), &c, true, Some((2030, 1, 1)), none);
        assert_eq!((y.base, y.source), (2024, YearSource::Option));
        // mtime in January 2026 → the last line is January 2026 → base 2025.
        let y = resolve(None, &c, true, Some((2026, 1, 5)), none);
        assert_eq!((y.base, y.source), (2025, YearSource::Mtime));
        // A full date after the January line.
        c.saw_date((2027, 1, 1));
        let y = resolve(None, &c, true, Some((2030, 1, 1)), none);
        assert_eq!((y.base, y.source), (2026, YearSource::File));
        // A date printed before any vLLM line applies to the first one.
        let mut c = Clock::default();
        c.saw_date((2025, 12, 31));
        let mut d = Clock::default();
        d.observe(md(1, 1));
        let mut c2 = c;
        c2.merge_next(&d);
        let y = resolve(None, &c2, true, None, none);
        assert_eq!(y.base, 2026);
        // A multi-chunk file dated from its end, with a New Year between.
        let mut c = Clock::default();
        c.observe(md(12, 20));
        let y = resolve(None, &c, false, Some((2026, 3, 1)), || TailHint {
            last: Some(md(1, 10)),
            date: None,
        });
        assert_eq!((y.base, y.source), (2025, YearSource::Mtime));
        let y = resolve(None, &c, false, None, || TailHint {
            last: Some(md(1, 10)),
            date: Some((2026, 1, 10)),
        });
        assert_eq!((y.base, y.source), (2025, YearSource::File));
        // No mtime and no date: today, never 1970.
        let y = resolve(None, &c, true, None, none);
        assert_eq!(y.source, YearSource::Today);
        assert!(y.base > 2020);
    }
}
