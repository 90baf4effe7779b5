//! Snapshot file names: `{request_id}_{before|after}_{YYYYMMDD_HHMMSS_micro}.txt`
//! (the workflow's naming), and a time found anywhere in a periodic scrape's
//! name (`--interval`).
//!
//! The request id may itself contain `_` (`chatcmpl-abc_1`), so the name is
//! read from the right: extension, microseconds, time, date, stage, and what
//! is left is the id.

use srtlog_formats::timestamp::{civil_from_days, days_from_civil};

/// A parsed snapshot name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotName {
    /// The request id.
    pub request_id: String,
    /// Before or after the request.
    pub stage: Stage,
    /// Microseconds since 1970-01-01 in the clock of the writer (the workflow
    /// writes local time without a zone; only differences matter here).
    pub time_us: i64,
}

/// When a snapshot was taken relative to its request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stage {
    /// Before the request was sent.
    Before,
    /// After it completed.
    After,
}

impl Stage {
    /// `before` or `after`.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Before => "before",
            Stage::After => "after",
        }
    }
}

/// Parses a file name (without directories).
pub fn parse_name(file_name: &str) -> Option<SnapshotName> {
    let stem = file_name.strip_suffix(".txt")?;
    let mut parts = stem.rsplitn(5, '_');
    let micro = parts.next()?;
    let time = parts.next()?;
    let date = parts.next()?;
    let stage = match parts.next()? {
        "before" => Stage::Before,
        "after" => Stage::After,
        _ => return None,
    };
    let request_id = parts.next()?;
    if request_id.is_empty() {
        return None;
    }
    let time_us = civil_us(date, time, Some(micro))?;
    Some(SnapshotName {
        request_id: request_id.to_string(),
        stage,
        time_us,
    })
}

/// Formats the time part of a snapshot name (`YYYYMMDD_HHMMSS_micro`).
pub fn format_time(time_us: i64) -> String {
    let secs = time_us.div_euclid(1_000_000);
    let micro = time_us.rem_euclid(1_000_000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}{m:02}{d:02}_{:02}{:02}{:02}_{micro:06}",
        sod / 3600,
        sod / 60 % 60,
        sod % 60
    )
}

/// The first `YYYYMMDD_HHMMSS[_micro]` (or `YYYYMMDD-HHMMSS`, or
/// `YYYYMMDDTHHMMSS`) inside any file name, for periodic scrapes.
pub fn time_in_name(name: &str) -> Option<i64> {
    let b = name.as_bytes();
    let digits = |s: usize, n: usize| {
        b.get(s..s + n)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    };
    for i in 0..b.len() {
        if digits(i, 8) && matches!(b.get(i + 8), Some(b'_' | b'-' | b'T')) && digits(i + 9, 6) {
            let date = &name[i..i + 8];
            let time = &name[i + 9..i + 15];
            let mut j = i + 15;
            let micro = if matches!(b.get(j), Some(b'_' | b'.')) {
                let s = j + 1;
                j = s;
                while j < b.len() && b[j].is_ascii_digit() {
                    j += 1;
                }
                (j > s).then(|| &name[s..j])
            } else {
                None
            };
            if let Some(t) = civil_us(date, time, micro) {
                return Some(t);
            }
        }
    }
    None
}

fn civil_us(date: &str, time: &str, micro: Option<&str>) -> Option<i64> {
    if date.len() != 8 || time.len() != 6 {
        return None;
    }
    let num = |s: &str| -> Option<i64> {
        if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    let (y, mo, d) = (num(&date[..4])?, num(&date[4..6])?, num(&date[6..])?);
    let (h, mi, s) = (num(&time[..2])?, num(&time[2..4])?, num(&time[4..])?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    // Fractions of any length up to 9 digits, scaled to microseconds.
    let us = match micro {
        None => 0,
        Some(m) if m.len() <= 9 => {
            let v = num(m)?;
            let scale = 10i64.pow(6u32.abs_diff(m.len() as u32));
            if m.len() <= 6 {
                v * scale
            } else {
                v / scale
            }
        }
        Some(_) => return None,
    };
    // The range checks above keep the casts exact (4-digit year, 1–12, 1–31).
    let days = days_from_civil(y as i32, mo as u32, d as u32);
    Some(((days * 86_400) + h * 3600 + mi * 60 + s) * 1_000_000 + us)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn seed_names() {
        let n = parse_name("chatcmpl-abc123_before_20251106_225030_123456.txt").unwrap();
        assert_eq!(n.request_id, "chatcmpl-abc123");
        assert_eq!(n.stage, Stage::Before);
        let a = parse_name("chatcmpl-abc123_after_20251106_225055_789012.txt").unwrap();
        assert_eq!(a.time_us - n.time_us, 25_665_556);
        assert_eq!(format_time(n.time_us), "20251106_225030_123456");
        // Ids with underscores, and names that are not snapshots.
        assert_eq!(
            parse_name("req_1_x_after_20251106_225055_000001.txt")
                .unwrap()
                .request_id,
            "req_1_x"
        );
        assert_eq!(parse_name("x_during_20251106_225055_000001.txt"), None);
        assert_eq!(parse_name("x_after_20251306_225055_000001.txt"), None);
        assert_eq!(parse_name("_after_20251106_225055_000001.txt"), None);
        assert_eq!(parse_name("notes.txt"), None);
        assert_eq!(parse_name("x_after_20251106_225055_000001.log"), None);
    }

    #[test]
    fn times_in_any_name() {
        let t = time_in_name("scrape-20260101-000001.prom").unwrap();
        assert_eq!(format_time(t), "20260101_000001_000000");
        let t = time_in_name("m_20260101_000001_5.txt").unwrap();
        assert_eq!(format_time(t), "20260101_000001_500000");
        assert_eq!(time_in_name("metrics.txt"), None);
        assert_eq!(format_time(0), "19700101_000000_000000");
    }
}
