//! Civil-date arithmetic (proleptic Gregorian, no time zones) and a
//! per-second timestamp cache.

use crate::fmt;

/// Days since 1970-01-01 for a civil date (Howard Hinnant's algorithm).
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Civil date for days since 1970-01-01.
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Number of days in a month.
pub(crate) fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 => {
            if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 {
                29
            } else {
                28
            }
        }
        _ => 0,
    }
}

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
        assert_eq!(days_in_month(2100, 2), 28);
        assert_eq!(days_in_month(2000, 2), 29);
        assert_eq!(
            render_us(ny * 1_000_000 + 5_000, true),
            "2025-12-31 23:59:59.005"
        );
    }
}
