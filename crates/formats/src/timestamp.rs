//! Civil timestamps as printed by serving logs.
//!
//! SGLang prints the process's local time with no zone (`2025-10-20 12:06:03`,
//! 2026 builds add `.615` milliseconds); Dynamo and the Rust router print
//! ISO-8601 (`2026-07-08T22:28:50.274739Z`). We keep every timestamp as
//! microseconds since 1970-01-01 of the *wall clock as printed*, without
//! applying a zone: logs of one run share the zone of their cluster, and
//! converting would need a time-zone database the log does not name. A `Z`
//! suffix is accepted and recorded as UTC by the caller if it cares.
//!
//! This module holds srtlog's one civil-date implementation
//! ([`days_from_civil`], [`civil_from_days`], [`is_leap_year`],
//! [`days_in_month`]); the snapshot names, the vLLM year inference and the
//! simulator call it rather than keeping copies.

use std::fmt;

/// Wall-clock microseconds since 1970-01-01T00:00:00 (zone as printed, naive).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

const US_PER_SEC: i64 = 1_000_000;

/// Days from 1970-01-01 to the given proleptic Gregorian date.
///
/// Howard Hinnant's `days_from_civil` ("chrono-Compatible Low-Level Date
/// Algorithms", 2013), valid for every year representable here.
pub fn days_from_civil(y: i32, m: u32, d: u32) -> i64 {
    let y = i64::from(y) - i64::from(m <= 2);
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Whether `y` is a leap year of the proleptic Gregorian calendar.
pub fn is_leap_year(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// Days in month `m` (1–12) of year `y`; 0 for a month out of range.
pub fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Inverse of [`days_from_civil`]: `(year, month, day)`.
pub fn civil_from_days(z: i64) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    ((y + i64::from(m <= 2)) as i32, m, d)
}

impl Timestamp {
    /// Builds a timestamp from civil fields; `None` if a field is out of range.
    pub fn from_civil(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, us: u32) -> Option<Self> {
        if !(1..=12).contains(&mo) || d == 0 || d > 31 || h > 23 || mi > 59 || s > 60 {
            return None;
        }
        let days = days_from_civil(y, mo, d);
        let secs = days * 86_400 + i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(s);
        Some(Timestamp(secs * US_PER_SEC + i64::from(us)))
    }

    /// Seconds since the epoch as a float (for elapsed-time arithmetic).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e6
    }

    /// Civil fields `(y, m, d, h, mi, s, us)`.
    pub fn to_civil(self) -> (i32, u32, u32, u32, u32, u32, u32) {
        let days = self.0.div_euclid(86_400 * US_PER_SEC);
        let rem = self.0.rem_euclid(86_400 * US_PER_SEC);
        let (y, m, d) = civil_from_days(days);
        let secs = (rem / US_PER_SEC) as u32;
        (
            y,
            m,
            d,
            secs / 3600,
            secs / 60 % 60,
            secs % 60,
            (rem % US_PER_SEC) as u32,
        )
    }

    /// `HH:MM:SS`, the form of the summary table.
    pub fn hms(self) -> String {
        let (_, _, _, h, mi, s, _) = self.to_civil();
        format!("{h:02}:{mi:02}:{s:02}")
    }
}

impl fmt::Display for Timestamp {
    /// ISO-8601 without zone, with milliseconds only when they are not zero.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d, h, mi, s, us) = self.to_civil();
        write!(f, "{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}")?;
        if us != 0 {
            if us % 1000 == 0 {
                write!(f, ".{:03}", us / 1000)?;
            } else {
                write!(f, ".{us:06}")?;
            }
        }
        Ok(())
    }
}

#[inline]
fn d2(b: &[u8], i: usize) -> Option<u32> {
    let a = b.get(i)?.wrapping_sub(b'0');
    let c = b.get(i + 1)?.wrapping_sub(b'0');
    (a <= 9 && c <= 9).then(|| u32::from(a) * 10 + u32::from(c))
}

/// Parses `YYYY-MM-DD?HH:MM:SS[.f{1,9}]` at the start of `b`, where `?` is a
/// space or `T`. Returns the timestamp and the number of bytes consumed.
pub fn parse_datetime(b: &[u8]) -> Option<(Timestamp, usize)> {
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || (b[10] != b' ' && b[10] != b'T') {
        return None;
    }
    // Consecutive lines usually print the same minute (a scheduler prints
    // a few lines a second, so the second changes every few lines): remember
    // the last `YYYY-MM-DD?HH:MM` text and the value of its minute (a pure
    // memo, per thread), and read only the seconds of each line.
    let head: [u8; 16] = b[..16].try_into().ok()?;
    let cached = LAST.with(|c| {
        let (text, minute) = c.get();
        (text == head).then_some(minute)
    });
    let minute = match cached {
        Some(minute) => minute,
        None => {
            let y = d2(b, 0)? * 100 + d2(b, 2)?;
            let mo = d2(b, 5)?;
            let d = d2(b, 8)?;
            if b[13] != b':' {
                return None;
            }
            let (h, mi) = (d2(b, 11)?, d2(b, 14)?);
            let minute = Timestamp::from_civil(y as i32, mo, d, h, mi, 0, 0)?.0 / US_PER_SEC;
            LAST.with(|c| c.set((head, minute)));
            minute
        }
    };
    // As `from_civil` checks: a leap second (60) is accepted.
    let s = d2(b, 17).filter(|&s| b[16] == b':' && s <= 60)?;
    let (us, n) = parse_fraction(b, 19)?;
    Some((
        Timestamp((minute + i64::from(s)) * US_PER_SEC + i64::from(us)),
        n,
    ))
}

thread_local! {
    static LAST: std::cell::Cell<([u8; 16], i64)> = const { std::cell::Cell::new(([0; 16], 0)) };
}

/// An optional `.fff…` or `,fff…` fraction at `at`: microseconds and the end.
#[inline]
fn parse_fraction(b: &[u8], at: usize) -> Option<(u32, usize)> {
    let mut i = at;
    let mut us = 0u32;
    if b.get(i) == Some(&b'.') || b.get(i) == Some(&b',') {
        let mut digits = 0;
        i += 1;
        while let Some(&c) = b.get(i) {
            let v = c.wrapping_sub(b'0');
            if v > 9 {
                break;
            }
            if digits < 6 {
                us = us * 10 + u32::from(v);
            }
            digits += 1;
            i += 1;
        }
        if digits == 0 {
            return None;
        }
        for _ in digits..6 {
            us *= 10;
        }
    }
    Some((us, i))
}

/// Parses `HH:MM:SS[.f{1,9}]` starting at `at`; returns fields and the end
/// offset.
pub fn parse_time_at(b: &[u8], at: usize) -> Option<(u32, u32, u32, u32, usize)> {
    if b.get(at + 2) != Some(&b':') || b.get(at + 5) != Some(&b':') {
        return None;
    }
    let h = d2(b, at)?;
    let mi = d2(b, at + 3)?;
    let s = d2(b, at + 6)?;
    let (us, i) = parse_fraction(b, at + 8)?;
    Some((h, mi, s, us, i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for days in [-800_000i64, -1, 0, 1, 10_957, 20_000, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    #[test]
    fn leap_years_and_month_lengths() {
        assert!(is_leap_year(2024) && is_leap_year(2000));
        assert!(!is_leap_year(2100) && !is_leap_year(2025));
        assert_eq!(days_in_month(2100, 2), 28);
        assert_eq!(days_in_month(2000, 2), 29);
        assert_eq!(days_in_month(2025, 11), 30);
        assert_eq!(days_in_month(2025, 12), 31);
        assert_eq!(days_in_month(2025, 13), 0);
    }

    #[test]
    fn sglang_and_iso_forms() {
        let (t, n) = parse_datetime(b"2025-10-20 12:06:03 TP0]").unwrap();
        assert_eq!(n, 19);
        assert_eq!(t.to_string(), "2025-10-20T12:06:03");
        let (t, n) = parse_datetime(b"2026-09-24 01:47:50.615 DP3").unwrap();
        assert_eq!(n, 23);
        assert_eq!(t.to_string(), "2026-09-24T01:47:50.615");
        let (t, n) = parse_datetime(b"2026-07-08T22:28:50.274739Z  INFO").unwrap();
        assert_eq!(n, 26);
        assert_eq!(t.to_string(), "2026-07-08T22:28:50.274739");
        assert_eq!(t.hms(), "22:28:50");
        assert!(parse_datetime(b"2025-13-20 12:06:03").is_none());
        assert!(parse_datetime(b"2025-10-20 12:06").is_none());
        assert!(parse_datetime(b"hello world, this is long").is_none());
    }

    /// `parse_datetime` without its memo: every field parsed and checked.
    fn reference(b: &[u8]) -> Option<(Timestamp, usize)> {
        if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || (b[10] != b' ' && b[10] != b'T') {
            return None;
        }
        let y = d2(b, 0)? * 100 + d2(b, 2)?;
        let (h, mi, s, us, n) = parse_time_at(b, 11)?;
        Some((
            Timestamp::from_civil(y as i32, d2(b, 5)?, d2(b, 8)?, h, mi, s, us)?,
            n,
        ))
    }

    #[test]
    fn the_minute_memo_agrees_with_parsing_every_field() {
        // Runs of lines within a minute, across minutes, hours and days, with
        // fractions, a leap second, and malformed seconds after a valid
        // minute (which must not be read from the memo).
        let mut lines = Vec::new();
        for (day, hour) in [(28, 23), (29, 0), (1, 0)] {
            for mi in [58, 59] {
                for s in ["00", "07", "59", "60", "61", "6x", "5"] {
                    for tail in ["", ".5", ",123456789", " TP0]", ".", "Z"] {
                        let month = if day == 1 { 3 } else { 2 };
                        lines.push(format!(
                            "2024-{month:02}-{day:02} {hour:02}:{mi:02}:{s}{tail}"
                        ));
                        lines.push(format!(
                            "2024-{month:02}-{day:02}T{hour:02}:{mi:02}:{s}{tail}  x"
                        ));
                    }
                }
                lines.push(format!("2024-02-{day:02} {hour:02}:{mi:02}-07 x"));
            }
        }
        lines.push("2024-02-30 12:00:00 x".into());
        lines.push("2024-02-28 24:00:00 x".into());
        lines.push("2024-02-28 12:60:00 x".into());
        for l in lines.iter().chain(lines.iter().rev()) {
            assert_eq!(parse_datetime(l.as_bytes()), reference(l.as_bytes()), "{l}");
        }
    }
}
