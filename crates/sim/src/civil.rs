//! Rendering naive times (proleptic Gregorian, no time zones) and a
//! per-second timestamp cache. The date arithmetic is srtlog-formats' one
//! civil-date implementation (`srtlog_formats::timestamp`).

use crate::fmt;
pub(crate) use srtlog_formats::timestamp::{civil_from_days, days_from_civil, days_in_month};

/// Caches the `YYYY-MM-DD HH:MM:SS` rendering of the last second asked for.
#[derive(Clone, Debug)]
pub(crate) struct TsCache {
    sec: i64,
    text: [u8; 19],
}

impl Default for TsCache {
    fn default() -> Self {
        TsCache {
            sec: i64::MIN,
            text: *b"1970-01-01 00:00:00",
        }
    }
}

impl TsCache {
    /// `YYYY-MM-DD HH:MM:SS` for unix-style seconds (naive local time).
    #[inline]
    pub(crate) fn get(&mut self, sec: i64) -> &[u8; 19] {
        if sec != self.sec {
            self.sec = sec;
            self.text = render(sec);
        }
        &self.text
    }
}

/// Render naive seconds as `YYYY-MM-DD HH:MM:SS` (years 0..=9999).
pub(crate) fn render(sec: i64) -> [u8; 19] {
    let days = sec.div_euclid(86_400);
    let sod = sec.rem_euclid(86_400) as u32;
    let (y, m, d) = civil_from_days(days);
    let mut v = Vec::with_capacity(19);
    fmt::padn(&mut v, y.clamp(0, 9999) as u64, 4);
    v.push(b'-');
    fmt::pad2(&mut v, m);
    v.push(b'-');
    fmt::pad2(&mut v, d);
    v.push(b' ');
    fmt::pad2(&mut v, sod / 3600);
    v.push(b':');
    fmt::pad2(&mut v, (sod / 60) % 60);
    v.push(b':');
    fmt::pad2(&mut v, sod % 60);
    let mut out = [0u8; 19];
    out.copy_from_slice(&v[..19]);
    out
}

/// `YYYY-MM-DD HH:MM:SS` followed by `.mmm` when `millis` is set, for microseconds.
pub(crate) fn render_us(us: i64, millis: bool) -> String {
    let mut s = String::from_utf8_lossy(&render(us.div_euclid(1_000_000))).into_owned();
    if millis {
        s.push('.');
        let ms = us.rem_euclid(1_000_000) / 1000;
        s.push_str(&format!("{ms:03}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_and_rollover() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        for z in -800_000..800_000i64 {
            if z % 997 != 0 {
                continue;
            }
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        let leap = days_from_civil(2024, 2, 28) * 86_400 + 86_399;
        assert_eq!(&render(leap), b"2024-02-28 23:59:59");
        assert_eq!(&render(leap + 1), b"2024-02-29 00:00:00");
        let ny = days_from_civil(2025, 12, 31) * 86_400 + 86_399;
        assert_eq!(&render(ny + 1), b"2026-01-01 00:00:00");
        let nov = days_from_civil(2025, 11, 30) * 86_400 + 86_399;
        assert_eq!(&render(nov + 1), b"2025-12-01 00:00:00");
        assert_eq!(
            render_us(ny * 1_000_000 + 5_000, true),
            "2025-12-31 23:59:59.005"
        );
    }
}
